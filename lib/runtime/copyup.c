/* A volume's first mount: the container's content at its target copied
 * into the empty volume, as docker does (runtime-internal.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "runtime-internal.h"
#include "util/cleanup.h"
#include "util/util.h"

#define COPY_DEPTH_MAX 128

static bool dir_empty(int dfd, int *ret_errno)
{
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		*ret_errno = errno;
		return false;
	}
	DIR *d = fdopendir(fd);
	if (d == NULL) {
		*ret_errno = errno;
		close(fd);
		return false;
	}
	bool empty = true;
	struct dirent *de;
	errno = 0;
	while (empty && (de = readdir(d)) != NULL)
		empty = strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0;
	*ret_errno = empty ? errno : 0;
	closedir(d);
	return empty && *ret_errno == 0;
}

/* owner, mode (after the owner: chown clears set-id bits), times */
static int set_meta_fd(int fd, const struct stat *st)
{
	struct timespec ts[2] = { st->st_atim, st->st_mtim };
	if (fchown(fd, st->st_uid, st->st_gid) < 0 || fchmod(fd, st->st_mode & 07777) < 0 || futimens(fd, ts) < 0)
		return -errno;
	return 0;
}

static int copy_file(int sfd, int dfd, const char *name, const struct stat *st)
{
	_cleanup_close_ int in = openat(sfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0)
		return -errno;
	_cleanup_close_ int out = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		return -errno;
	char buf[65536];
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		if (cc_write_all(out, buf, (size_t)n) < 0)
			return -errno;
	}
	return set_meta_fd(out, st);
}

static int copy_tree(int sfd, int dfd, int depth, char *failed, size_t failed_len)
{
	if (depth > COPY_DEPTH_MAX)
		return -ELOOP;
	int fd = openat(sfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	DIR *d = fdopendir(fd);
	if (d == NULL) {
		int e = errno;
		close(fd);
		return -e;
	}
	int r = 0;
	struct dirent *de;
	while (r == 0 && (errno = 0, de = readdir(d)) != NULL) {
		const char *n = de->d_name;
		if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0)
			continue;
		struct stat st;
		if (fstatat(sfd, n, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = -errno;
		} else if (S_ISDIR(st.st_mode)) {
			_cleanup_close_ int cs = -1, cd = -1;
			if (mkdirat(dfd, n, 0700) < 0 ||
			    (cs = openat(sfd, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
			    (cd = openat(dfd, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
				r = -errno;
			else if ((r = copy_tree(cs, cd, depth + 1, failed, failed_len)) == 0)
				r = set_meta_fd(cd, &st);
		} else if (S_ISREG(st.st_mode)) {
			r = copy_file(sfd, dfd, n, &st);
		} else if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX + 1];
			ssize_t len = readlinkat(sfd, n, target, sizeof(target) - 1);
			struct timespec ts[2] = { st.st_atim, st.st_mtim };
			if (len < 0)
				r = -errno;
			else {
				target[len] = '\0';
				if (symlinkat(target, dfd, n) < 0 || fchownat(dfd, n, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0 ||
				    utimensat(dfd, n, ts, AT_SYMLINK_NOFOLLOW) < 0)
					r = -errno;
			}
		} else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISFIFO(st.st_mode)) {
			if (mknodat(dfd, n, (st.st_mode & S_IFMT) | 0600, st.st_rdev) < 0 ||
			    fchownat(dfd, n, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0 ||
			    fchmodat(dfd, n, st.st_mode & 07777, 0) < 0)
				r = -errno;
		} /* sockets: nothing to copy */
		if (r < 0 && failed[0] == '\0')
			snprintf(failed, failed_len, "%s", n);
	}
	if (r == 0 && errno != 0)
		r = -errno;
	closedir(d);
	return r;
}

int cc_rt_copy_up(int rootfd, const char *target, int srcfd, cc_error **err)
{
	int e = 0;
	if (!dir_empty(srcfd, &e)) {
		if (e != 0)
			return cc_error_set(err, e, "read the volume for '%s'", target);
		return 0; /* data already: it is what the container sees */
	}
	_cleanup_close_ int from = cc_rt_open_in_root(rootfd, target, O_RDONLY | O_DIRECTORY, 0);
	if (from == -ENOENT || from == -ENOTDIR)
		return 0; /* nothing at target in the image */
	if (from < 0)
		return cc_error_set(err, -from, "open '%s' in the container", target);
	_cleanup_close_ int to = openat(srcfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (to < 0)
		return cc_error_set(err, errno, "open the volume for '%s'", target);
	char failed[NAME_MAX + 1] = "";
	int r = copy_tree(from, to, 0, failed, sizeof(failed));
	struct stat st;
	if (r == 0 && fstat(from, &st) < 0)
		r = -errno;
	if (r == 0)
		r = set_meta_fd(to, &st);
	if (r < 0)
		return cc_error_set(err, -r, "copy the image's content at '%s' into its volume%s%s", target,
				    failed[0] ? ": at " : "", failed);
	return 0;
}
