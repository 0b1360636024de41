/* The mount targets every container root needs, as one lower layer shared
 * by all containers: docker's "init layer", made once per store instead of
 * once per container.
 *
 * Without it, an image that lacks /etc/resolv.conf (Alpine's minirootfs
 * does) makes every start create the file in its upper dir, which first
 * copies /etc up, and every removal delete both again.  As the topmost
 * lower layer, these empty files and directories are already there to
 * mount on.  Like docker's, the layer hides what an image has at these
 * paths (a symlink at /etc/resolv.conf is a file to mount on here), and
 * /etc takes the layer's owner and mode (root, 0755) unless the container
 * changes it.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "runtime-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/util.h"

/* Changing this list needs a new name: stores keep the layer they made. */
#define INIT_LAYER_NAME "init-layer-1"

static const struct {
	const char *path;
	mode_t mode; /* S_IFDIR or S_IFREG plus permissions */
} init_targets[] = {
	{ "dev", S_IFDIR | 0755 },           { "proc", S_IFDIR | 0555 },
	{ "sys", S_IFDIR | 0555 },           { "etc", S_IFDIR | 0755 },
	{ "etc/hostname", S_IFREG | 0644 },  { "etc/hosts", S_IFREG | 0644 },
	{ "etc/resolv.conf", S_IFREG | 0644 },
};

/* Fill the empty directory dfd; modes are set explicitly, whatever the
 * umask. */
static int fill(int dfd, cc_error **err)
{
	if (fchmod(dfd, 0755) < 0)
		return cc_error_set(err, errno, "chmod the init layer");
	for (size_t i = 0; i < sizeof(init_targets) / sizeof(init_targets[0]); i++) {
		const char *p = init_targets[i].path;
		mode_t perm = init_targets[i].mode & 07777;
		if (S_ISDIR(init_targets[i].mode)) {
			if (mkdirat(dfd, p, perm) < 0)
				return cc_error_set(err, errno, "create '%s' in the init layer", p);
		} else {
			int fd = openat(dfd, p, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, perm);
			if (fd < 0)
				return cc_error_set(err, errno, "create '%s' in the init layer", p);
			(void)close(fd);
		}
		if (fchmodat(dfd, p, perm, 0) < 0)
			return cc_error_set(err, errno, "chmod '%s' in the init layer", p);
	}
	return 0;
}

int cc_rt_init_layer(const char *parent, char **ret_dir, cc_error **err)
{
	_cleanup_free_ char *dir = NULL, *tmp = NULL;
	if (asprintf(&dir, "%s/" INIT_LAYER_NAME, parent) < 0)
		return cc_error_set(err, ENOMEM, "init layer");
	/* the common case: one stat */
	struct stat st;
	if (stat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			return cc_error_set(err, ENOTDIR, "init layer '%s'", dir);
		*ret_dir = steal_ptr(&dir);
		return 0;
	}
	if (errno != ENOENT)
		return cc_error_set(err, errno, "init layer '%s'", dir);
	/* Made aside and renamed into place: a concurrent first start either
	 * wins the rename or finds the complete layer of the one that did. */
	if (asprintf(&tmp, "%s/.init-layer-XXXXXX", parent) < 0)
		return cc_error_set(err, ENOMEM, "init layer");
	if (mkdtemp(tmp) == NULL)
		return cc_error_set(err, errno, "create the init layer in '%s'", parent);
	_cleanup_close_ int dfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r = dfd < 0 ? cc_error_set(err, errno, "open '%s'", tmp) : fill(dfd, err);
	if (r == 0 && rename(tmp, dir) < 0 && errno != EEXIST && errno != ENOTEMPTY)
		r = cc_error_set(err, errno, "rename '%s' to '%s'", tmp, dir);
	(void)cc_rm_rf(tmp, NULL); /* gone after a rename; ours alone otherwise */
	if (r < 0)
		return r;
	*ret_dir = steal_ptr(&dir);
	return 0;
}

int cc_runtime_lowers(const char *parent, const char *const *layers, size_t n, const char ***ret, cc_error **err)
{
	_cleanup_free_ char *top = NULL;
	if (cc_rt_init_layer(parent, &top, err) < 0)
		return -1;
	/* the array, then the init layer's path: one allocation */
	size_t len = strlen(top) + 1;
	const char **v = malloc((n + 1) * sizeof(*v) + len);
	if (v == NULL)
		return cc_error_set(err, ENOMEM, "layers");
	char *path = memcpy((char *)(v + n + 1), top, len);
	v[0] = path;
	for (size_t i = 0; i < n; i++)
		v[i + 1] = layers[i];
	*ret = v;
	return 0;
}
