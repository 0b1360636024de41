/* Environment and executable lookup inside the container.
 *
 * docker resolves the command with Go's exec.LookPath running inside the
 * container (after pivot_root), and the CLI maps the error text to an exit
 * code: "executable file not found" or "no such file or directory" -> 127,
 * "permission denied" or "is a directory" -> 126.  We keep both the
 * wording and the classification, as error kinds instead of strings.
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

const char *cc_rt_env_get(char *const *env, const char *key)
{
	size_t kl = strlen(key);
	for (char *const *e = env; e != NULL && *e != NULL; e++)
		if (strncmp(*e, key, kl) == 0 && (*e)[kl] == '=')
			return *e + kl + 1;
	return NULL;
}

int cc_rt_env_build(char *const *env, const char *home, char ***ret_env, cc_error **err)
{
	size_t n = 0;
	for (char *const *e = env; e != NULL && *e != NULL; e++)
		n++;
	_cleanup_strv_ char **out = calloc(n + 3, sizeof(char *));
	if (out == NULL)
		return cc_error_set(err, ENOMEM, "build environment");
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		out[o] = strdup(env[i]);
		if (out[o++] == NULL)
			return cc_error_set(err, ENOMEM, "build environment");
	}
	if (cc_rt_env_get(env, "PATH") == NULL) {
		out[o] = strdup("PATH=" CC_RT_DEFAULT_PATH);
		if (out[o++] == NULL)
			return cc_error_set(err, ENOMEM, "build environment");
	}
	if (home != NULL && cc_rt_env_get(env, "HOME") == NULL) {
		if (asprintf(&out[o++], "HOME=%s", home) < 0) {
			out[o - 1] = NULL;
			return cc_error_set(err, ENOMEM, "build environment");
		}
	}
	*ret_env = steal_ptr(&out);
	return 0;
}

/* Go's findExecutable: directories are EISDIR, any x bit is enough (execve
 * decides about the caller's own permission), anything else EACCES. */
static int check_executable(int rootfd, const char *path)
{
	int fd;
	if (path[0] == '/')
		fd = cc_rt_open_in_root(rootfd, path, O_PATH, 0);
	else if ((fd = openat(AT_FDCWD, path, O_PATH | O_CLOEXEC)) < 0)
		fd = -errno;
	if (fd < 0)
		return fd;
	struct stat st;
	int r = fstat(fd, &st) < 0 ? -errno : 0;
	(void)close(fd);
	if (r < 0)
		return r;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if ((st.st_mode & 0111) == 0)
		return -EACCES;
	return 0;
}

static int exec_error(const char *name, int errnum, cc_error **err)
{
	switch (errnum) {
	case ENOENT:
		return cc_error_setk(err, CC_ERR_EXEC_NOTFOUND, 0,
				     "exec: \"%s\": stat %s: no such file or directory", name, name);
	case EACCES:
	case EPERM:
		return cc_error_setk(err, CC_ERR_EXEC_PERM, 0, "exec: \"%s\": permission denied", name);
	case EISDIR:
		return cc_error_setk(err, CC_ERR_EXEC_PERM, 0, "exec: \"%s\": is a directory", name);
	default:
		return cc_error_set(err, errnum, "exec: \"%s\"", name);
	}
}

int cc_rt_exec_error(const char *name, int errnum, cc_error **err)
{
	bool fresh = err != NULL && *err == NULL;
	int r = exec_error(name, errnum, err);
	if (fresh && *err != NULL)
		(*err)->errnum = errnum; /* the message already says it in docker's words */
	return r < 0 && errnum > 0 ? -errnum : r;
}

int cc_rt_find_executable(int rootfd, const char *name, const char *path_env, char **ret_path,
			  cc_error **err)
{
	if (name == NULL || name[0] == '\0')
		return cc_error_setk(err, CC_ERR_EXEC_NOTFOUND, 0,
				     "exec: \"\": executable file not found in $PATH");
	if (strchr(name, '/') != NULL) {
		int r = check_executable(rootfd, name);
		if (r < 0)
			return cc_rt_exec_error(name, -r, err);
		*ret_path = strdup(name);
		return *ret_path != NULL ? 0 : cc_error_set(err, ENOMEM, "exec: \"%s\"", name);
	}

	if (path_env == NULL)
		path_env = CC_RT_DEFAULT_PATH;
	size_t nl = strlen(name);
	const char *p = path_env;
	for (;;) {
		const char *end = strchrnul(p, ':');
		size_t dl = (size_t)(end - p);
		/* an empty entry means the current directory, as in Go and POSIX */
		const char *dir = dl > 0 ? p : ".";
		if (dl == 0)
			dl = 1;
		_cleanup_free_ char *cand = malloc(dl + 1 + nl + 1);
		if (cand == NULL)
			return cc_error_set(err, ENOMEM, "exec: \"%s\"", name);
		memcpy(cand, dir, dl);
		cand[dl] = '/';
		memcpy(cand + dl + 1, name, nl + 1);
		/* Like Go, anything but a hit (missing, not executable, no search
		 * permission) just moves on to the next entry. */
		if (check_executable(rootfd, cand) == 0) {
			*ret_path = steal_ptr(&cand);
			return 0;
		}
		if (*end == '\0')
			break;
		p = end + 1;
	}
	return cc_error_setk(err, CC_ERR_EXEC_NOTFOUND, 0,
			     "exec: \"%s\": executable file not found in $PATH", name);
}
