/* File work inside a root directory fd, safe against the image's symlinks.
 *
 * Image content is untrusted: /etc may be a symlink to "/", a mount target
 * may be "../../../host".  Everything the runtime creates or mounts on
 * inside the rootfs is reached through cc_rt_open_in_root(), which resolves
 * like a chroot would (openat2 RESOLVE_IN_ROOT), and mount(2) gets the fd's
 * /proc/self/fd/N path so the kernel mounts on exactly what was resolved.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "runtime-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_SYMLINKS 40

bool cc_rt_no_openat2;
/* 0 = not probed yet, 1 = works, -1 = ENOSYS (kernel < 5.6 or filtered) */
static int openat2_state;

char *cc_rt_clean_path(const char *path)
{
	if (path == NULL || path[0] != '/') {
		errno = EINVAL;
		return NULL;
	}
	size_t n = strlen(path);
	char *out = malloc(n + 2);
	if (out == NULL)
		return NULL;
	size_t o = 0;
	const char *p = path;
	while (*p != '\0') {
		while (*p == '/')
			p++;
		const char *s = p;
		while (*p != '\0' && *p != '/')
			p++;
		size_t len = (size_t)(p - s);
		if (len == 0 || (len == 1 && s[0] == '.'))
			continue;
		if (len == 2 && s[0] == '.' && s[1] == '.') {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--; /* drop the '/' too */
			continue;
		}
		out[o++] = '/';
		memcpy(out + o, s, len);
		o += len;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
	return out;
}

size_t cc_rt_path_depth(const char *clean)
{
	size_t depth = 0;
	if (strcmp(clean, "/") == 0)
		return 0;
	for (const char *p = clean; *p != '\0'; p++)
		if (*p == '/')
			depth++;
	return depth;
}

const char *cc_rt_fd_path(int fd, char *buf, size_t len)
{
	(void)snprintf(buf, len, "/proc/self/fd/%d", fd);
	return buf;
}

/* Userspace RESOLVE_IN_ROOT for kernels without openat2: walk component by
 * component, expand symlinks ourselves (absolute targets restart at the
 * root, ".." never climbs above it), then open the result with O_NOFOLLOW.
 * Racy against concurrent renames inside the rootfs, which is acceptable
 * here: nothing in the container runs yet while the runtime uses it. */
static int open_in_root_fallback(int rootfd, const char *rel, int flags, uint64_t resolve_flags)
{
	_cleanup_free_ char *todo = strdup(rel);
	_cleanup_free_ char *done = calloc(1, strlen(rel) + 2);
	size_t done_cap = strlen(rel) + 2, done_len = 0;
	int links = 0;
	if (todo == NULL || done == NULL)
		return -ENOMEM;

	char *p = todo;
	while (*p != '\0') {
		while (*p == '/')
			p++;
		char *s = p;
		while (*p != '\0' && *p != '/')
			p++;
		size_t len = (size_t)(p - s);
		if (len == 0 || (len == 1 && s[0] == '.'))
			continue;
		if (len == 2 && s[0] == '.' && s[1] == '.') {
			while (done_len > 0 && done[done_len - 1] != '/')
				done_len--;
			if (done_len > 0)
				done_len--;
			done[done_len] = '\0';
			continue;
		}
		const char *rest = p;
		while (*rest == '/')
			rest++;
		bool last = *rest == '\0';

		size_t need = done_len + 1 + len + 1;
		if (need > done_cap) {
			char *nd = realloc(done, need * 2);
			if (nd == NULL)
				return -ENOMEM;
			done = nd;
			done_cap = need * 2;
		}
		size_t save = done_len;
		if (done_len > 0)
			done[done_len++] = '/';
		memcpy(done + done_len, s, len);
		done_len += len;
		done[done_len] = '\0';

		struct stat st;
		if (fstatat(rootfd, done, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT && last)
				break; /* the open decides (O_CREAT or ENOENT) */
			return -errno;
		}
		if (!S_ISLNK(st.st_mode) || (last && (flags & O_NOFOLLOW)))
			continue;
		if (resolve_flags & RESOLVE_NO_SYMLINKS)
			return -ELOOP;
		if (++links > MAX_SYMLINKS)
			return -ELOOP;
		char target[4096];
		ssize_t tl = readlinkat(rootfd, done, target, sizeof(target) - 1);
		if (tl < 0)
			return -errno;
		target[tl] = '\0';
		/* the symlink itself is not part of the resolved path */
		done_len = save;
		if (target[0] == '/')
			done_len = 0;
		done[done_len] = '\0';
		char *next = NULL;
		if (asprintf(&next, "%s/%s", target, rest) < 0)
			return -ENOMEM;
		free(todo);
		todo = next;
		p = todo;
	}
	int fd = openat(rootfd, done_len > 0 ? done : ".", flags | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	return fd;
}

int cc_rt_open_in_root(int rootfd, const char *path, int flags, uint64_t resolve_flags)
{
	const char *rel = path;
	while (*rel == '/')
		rel++;
	if (*rel == '\0')
		rel = ".";
	flags |= O_CLOEXEC;
	if (!cc_rt_no_openat2 && openat2_state >= 0) {
		struct open_how how = {
			.flags = (uint64_t)flags,
			.mode = (flags & O_CREAT) ? 0644 : 0,
			.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | resolve_flags,
		};
		for (int tries = 0; tries < 16; tries++) {
			long fd = syscall(SYS_openat2, rootfd, rel, &how, sizeof(how));
			if (fd >= 0) {
				openat2_state = 1;
				return (int)fd;
			}
			/* EAGAIN: a concurrent rename made ".." resolution unsafe; retry */
			if (errno != EAGAIN)
				break;
		}
		if (errno != ENOSYS)
			return -errno;
		/* FIXME: drop the fallback once kernels < 5.6 are out of scope */
		openat2_state = -1;
	}
	return open_in_root_fallback(rootfd, rel, flags, resolve_flags);
}

/* A missing component that exists as a (dangling) symlink: restart with
 * the link's target spliced in, so the directories get created where the
 * link points inside the root, as RESOLVE_IN_ROOT will later resolve it. */
static int make_in_root(int rootfd, const char *path, bool dir, mode_t dir_mode, int *ret_fd,
			int depth);

static int follow_dangling(int rootfd, int parentfd, const char *clean, const char *name,
			   const char *rest, bool dir, mode_t dir_mode, int *ret_fd, int depth)
{
	char target[4096];
	ssize_t n = readlinkat(parentfd, name, target, sizeof(target) - 1);
	if (n < 0)
		return errno == EINVAL ? -EEXIST : -errno;
	target[n] = '\0';
	_cleanup_free_ char *next = NULL;
	size_t plen = (size_t)(name - clean); /* "/a/b/" before name */
	int r;
	if (target[0] == '/')
		r = asprintf(&next, "%s%s%s", target, rest != NULL ? "/" : "", rest != NULL ? rest : "");
	else
		r = asprintf(&next, "%.*s%s%s%s", (int)plen, clean, target, rest != NULL ? "/" : "",
			     rest != NULL ? rest : "");
	if (r < 0)
		return -ENOMEM;
	return make_in_root(rootfd, next, dir, dir_mode, ret_fd, depth + 1);
}

static int make_in_root(int rootfd, const char *path, bool dir, mode_t dir_mode, int *ret_fd,
			int depth)
{
	if (depth > MAX_SYMLINKS)
		return -ELOOP;
	int dflag = dir ? O_DIRECTORY : 0;
	int fd = cc_rt_open_in_root(rootfd, path, O_PATH | dflag, 0);
	if (fd >= 0) {
		*ret_fd = fd;
		return 0;
	}
	if (fd != -ENOENT)
		return fd;

	/* Walk from the root: each prefix is resolved inside the root, and a
	 * missing component is created inside the directory its parent prefix
	 * resolved to, so a symlinked parent can never lead outside. */
	_cleanup_free_ char *clean = NULL;
	if (path[0] == '/') {
		clean = cc_rt_clean_path(path);
	} else {
		_cleanup_free_ char *abs = NULL;
		if (asprintf(&abs, "/%s", path) < 0)
			return -ENOMEM;
		clean = cc_rt_clean_path(abs);
	}
	if (clean == NULL)
		return -ENOMEM;
	_cleanup_close_ int cur = cc_rt_open_in_root(rootfd, "/", O_PATH | O_DIRECTORY, 0);
	if (cur < 0)
		return cur;
	char *p = clean + 1;
	while (*p != '\0') {
		char *slash = strchr(p, '/');
		bool last = slash == NULL;
		if (!last)
			*slash = '\0';
		int oflags = O_PATH | ((last && !dir) ? 0 : O_DIRECTORY);
		int next = cc_rt_open_in_root(rootfd, clean, oflags, 0);
		if (next == -ENOENT) {
			const char *name = strrchr(clean, '/') + 1;
			int r;
			if (!last || dir) {
				r = mkdirat(cur, name, last ? dir_mode : 0755);
			} else {
				r = openat(cur, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
				if (r >= 0)
					r = close(r);
			}
			if (r < 0 && errno != EEXIST)
				return -errno;
			next = cc_rt_open_in_root(rootfd, clean, oflags, 0);
			if (next == -ENOENT && r < 0)
				return follow_dangling(rootfd, cur, clean, name, last ? NULL : slash + 1, dir,
						       dir_mode, ret_fd, depth);
		}
		if (next < 0)
			return next;
		cc_closep(&cur);
		cur = next;
		if (last)
			break;
		*slash = '/';
		p = slash + 1;
	}
	*ret_fd = steal_fd(&cur);
	return 0;
}

int cc_rt_make_in_root(int rootfd, const char *path, bool dir, mode_t dir_mode, int *ret_fd)
{
	return make_in_root(rootfd, path, dir, dir_mode, ret_fd, 0);
}
