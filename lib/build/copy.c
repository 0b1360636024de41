/* COPY and ADD: what the sources are, what they hash to, and the copy.
 *
 * Sources live under a root fd (the context, or the mounted rootfs of a
 * --from stage or image) and are opened with openat2(RESOLVE_IN_ROOT): a
 * symlink in the context is followed at the top level, as docker does, but
 * can never lead outside it.  Inside a copied directory symlinks are copied
 * as symlinks.
 *
 * The destination is the step's rootfs (an overlay whose upper dir becomes
 * the layer).  Directories on the way are opened with RESOLVE_IN_ROOT too,
 * and entries are created relative to their parent's fd with O_NOFOLLOW /
 * AT_SYMLINK_NOFOLLOW, so the image's symlinks (/var/run -> /run) work
 * like in a chroot and never lead to the host.
 *
 * docker's rules: a directory source copies its contents; a file source
 * lands at DEST when DEST has no trailing "/" and is not an existing
 * directory, else at DEST/basename; missing parents are created (0755,
 * owned like the copied files); files are owned by 0:0 unless --chown;
 * modes and mtimes are kept (--chmod replaces modes).
 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "build-internal.h"
#include "image/image.h"
#include "util/dl.h"

#define COPY_BUF (128 * 1024)

int cc_open_in_root(int rootfd, const char *path, int flags)
{
	const char *rel = path;
	while (*rel == '/')
		rel++;
	if (*rel == '\0')
		rel = ".";
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	for (int tries = 0; tries < 16; tries++) {
		long fd = syscall(SYS_openat2, rootfd, rel, &how, sizeof(how));
		if (fd >= 0)
			return (int)fd;
		if (errno != EAGAIN)
			break;
	}
	return -errno;
}

static int in_root_error(cc_error **err, int r, const char *what, const char *path)
{
	if (r == -ENOSYS)
		return cc_error_set(err, ENOSYS, "%s '%s': the kernel lacks openat2 (linux >= 5.6 is needed to build)", what,
				    path);
	return cc_error_set(err, -r, "%s '%s'", what, path);
}

int cc_copy_open_root(const char *dir, int *ret_fd, cc_error **err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return cc_error_setk(err, errno == ENOENT ? CC_ERR_NOT_FOUND : CC_ERR_GENERIC, errno, "open '%s'", dir);
	*ret_fd = fd;
	return 0;
}

/* Names in a directory, sorted (the order docker copies and hashes in). */
static int sorted_names(int dirfd, char ***ret, cc_error **err)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return cc_error_set(err, errno, "open directory");
	DIR *d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return cc_error_set(err, errno, "read directory");
	}
	char **v = calloc(1, sizeof(char *));
	struct dirent *de;
	while (v && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (cc_strv_push(&v, de->d_name) < 0)
			cc_strvfreep(&v);
	}
	closedir(d);
	if (v == NULL)
		return cc_error_set(err, ENOMEM, "read directory");
	size_t n = cc_strv_len(v);
	for (size_t i = 1; i < n; i++) { /* insertion sort: directories are small */
		char *x = v[i];
		size_t j = i;
		while (j > 0 && strcmp(v[j - 1], x) > 0) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
	*ret = v;
	return 0;
}

static char *join(const char *a, const char *b)
{
	char *s = NULL;
	if (a == NULL || *a == '\0' || strcmp(a, ".") == 0)
		return strdup(b);
	if (asprintf(&s, "%s%s%s", a, a[strlen(a) - 1] == '/' ? "" : "/", b) < 0)
		return NULL;
	return s;
}

static bool ignored(const struct cc_ignore *ign, const char *ctxrel)
{
	return ign && ctxrel && *ctxrel && strcmp(ctxrel, ".") != 0 && cc_ignore_matches(ign, ctxrel);
}

/* The path of an open fd relative to the root fd's directory ("." for the
 * root itself); NULL when it is not below it (or no memory). */
static char *rel_to_root(int rootfd, int fd)
{
	char link[64], root[PATH_MAX], path[PATH_MAX];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", rootfd);
	ssize_t rl = readlink(link, root, sizeof(root) - 1);
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t pl = readlink(link, path, sizeof(path) - 1);
	if (rl <= 0 || pl <= 0 || rl >= (ssize_t)sizeof(root) - 1 || pl >= (ssize_t)sizeof(path) - 1)
		return NULL;
	root[rl] = path[pl] = '\0';
	if (strcmp(root, "/") == 0)
		rl = 0;
	if (strncmp(path, root, (size_t)rl) != 0)
		return NULL;
	if (path[rl] == '\0')
		return strdup(".");
	return path[rl] == '/' ? strdup(path + rl + 1) : NULL;
}

/* Whether an ignored directory (dfd, at ctxrel in the context) holds
 * something a "!" rule re-includes: only that much of it is in the
 * context docker would send. */
static bool dir_has_included(const struct cc_ignore *ign, int dfd, const char *ctxrel)
{
	_cleanup_strv_ char **names = NULL;
	cc_error *e = NULL;
	if (sorted_names(dfd, &names, &e) < 0) {
		cc_error_free(e);
		return false;
	}
	for (char **n = names; *n; n++) {
		_cleanup_free_ char *cr = join(ctxrel, *n);
		if (cr == NULL)
			return false;
		if (!ignored(ign, cr))
			return true;
		struct stat st;
		if (fstatat(dfd, *n, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)) {
			_cleanup_close_ int c = openat(dfd, *n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (c >= 0 && dir_has_included(ign, c, cr))
				return true;
		}
	}
	return false;
}

/* Open a source in the root.  A symlink in the context is followed (docker
 * does, at the top level), but .dockerignore judges where it leads, by the
 * path the target really has: an ignored file is never read, through any
 * name.  *ret_rel is that path, the one ignore rules apply to below it. */
static int open_source(int rootfd, const struct cc_ignore *ign, const char *src, int *ret_fd, char **ret_rel,
		       cc_error **err)
{
	_cleanup_close_ int fd = cc_open_in_root(rootfd, src, O_RDONLY | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return fd == -ENOENT ? cc_error_setk(err, CC_ERR_NOT_FOUND, 0, "'%s': no such file or directory", src)
				     : in_root_error(err, fd, "open", src);
	_cleanup_free_ char *rel = ign ? rel_to_root(rootfd, fd) : strdup(src);
	if (rel == NULL)
		return cc_error_set(err, ign ? EXDEV : ENOMEM, "'%s': where it leads is not in the build context", src);
	if (ignored(ign, rel)) {
		struct stat st;
		bool dir = fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
		if (!(dir && cc_ignore_has_exceptions(ign) && dir_has_included(ign, fd, rel)))
			return cc_error_setk(err, CC_ERR_NOT_FOUND, 0,
					     "'%s': no such file or directory in the build context (excluded by .dockerignore%s%s)",
					     src, strcmp(rel, src) != 0 ? ": it leads to " : "",
					     strcmp(rel, src) != 0 ? rel : "");
	}
	*ret_fd = steal_fd(&fd);
	*ret_rel = steal_ptr(&rel);
	return 0;
}

/* ---- expansion ----------------------------------------------------------- */

static bool has_meta(const char *s)
{
	return strpbrk(s, "*?[\\") != NULL;
}

static int glob_walk(int rootfd, const struct cc_ignore *ign, const char *base, char **comps, size_t ci,
		     char ***out, cc_error **err)
{
	if (comps[ci] == NULL) {
		/* an ignored path is not in the context, unless it is a directory
		 * with something re-included below it ("!dir/keep") */
		if (ignored(ign, base)) {
			int fd = cc_ignore_has_exceptions(ign) ? cc_open_in_root(rootfd, base, O_RDONLY | O_DIRECTORY) : -1;
			bool keep = fd >= 0 && dir_has_included(ign, fd, base);
			cc_closep(&fd);
			if (!keep)
				return 0;
		}
		return cc_strv_push(out, *base ? base : ".") < 0 ? cc_error_set(err, ENOMEM, "expand sources") : 0;
	}
	if (!has_meta(comps[ci])) {
		_cleanup_free_ char *p = join(base, comps[ci]);
		if (p == NULL)
			return cc_error_set(err, ENOMEM, "expand sources");
		int fd = cc_open_in_root(rootfd, p, O_PATH);
		if (fd < 0)
			return fd == -ENOSYS ? in_root_error(err, fd, "open", p) : 0;
		close(fd);
		return glob_walk(rootfd, ign, p, comps, ci + 1, out, err);
	}
	_cleanup_close_ int dfd = cc_open_in_root(rootfd, *base ? base : ".", O_RDONLY | O_DIRECTORY);
	if (dfd < 0)
		return dfd == -ENOSYS ? in_root_error(err, dfd, "open", base) : 0;
	_cleanup_strv_ char **names = NULL;
	if (sorted_names(dfd, &names, err) < 0)
		return -1;
	for (char **n = names; *n; n++) {
		if (fnmatch(comps[ci], *n, 0) != 0)
			continue;
		_cleanup_free_ char *p = join(base, *n);
		if (p == NULL)
			return cc_error_set(err, ENOMEM, "expand sources");
		if (ignored(ign, p))
			continue;
		if (comps[ci + 1] != NULL) {
			struct stat st;
			int fd = cc_open_in_root(rootfd, p, O_PATH);
			bool dir = fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
			cc_closep(&fd);
			if (!dir)
				continue;
		}
		if (glob_walk(rootfd, ign, p, comps, ci + 1, out, err) < 0)
			return -1;
	}
	return 0;
}

int cc_copy_expand(int rootfd, const struct cc_ignore *ign, char *const *patterns, const char *where, char ***ret,
		   cc_error **err)
{
	_cleanup_strv_ char **out = calloc(1, sizeof(char *));
	if (out == NULL)
		return cc_error_set(err, ENOMEM, "expand sources");
	for (char *const *p = patterns; *p; p++) {
		size_t before = cc_strv_len(out);
		if (strcmp(*p, ".") == 0) {
			if (cc_strv_push(&out, ".") < 0)
				return cc_error_set(err, ENOMEM, "expand sources");
			continue;
		}
		_cleanup_strv_ char **comps = calloc(1, sizeof(char *));
		_cleanup_free_ char *copy = strdup(*p);
		if (comps == NULL || copy == NULL)
			return cc_error_set(err, ENOMEM, "expand sources");
		for (char *save = NULL, *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save))
			if (cc_strv_push(&comps, c) < 0)
				return cc_error_set(err, ENOMEM, "expand sources");
		if (glob_walk(rootfd, ign, "", comps, 0, &out, err) < 0)
			return -1;
		if (cc_strv_len(out) == before && !has_meta(*p)) {
			if (where)
				return cc_error_setk(err, CC_ERR_NOT_FOUND, 0, "'%s': no such file or directory in %s", *p,
						     where);
			return cc_error_setk(err, CC_ERR_NOT_FOUND, 0,
					     "'%s': no such file or directory in the build context (or excluded by .dockerignore)",
					     *p);
		}
	}
	/* globs that match nothing are fine, as long as something matches */
	if (out[0] == NULL && patterns[0] != NULL)
		return cc_error_setk(err, CC_ERR_NOT_FOUND, 0, "no source files were specified ('%s' matches nothing in %s)",
				     patterns[0], where ? where : "the build context");
	*ret = steal_ptr(&out);
	return 0;
}

/* ---- digest ------------------------------------------------------------------ */

struct hasher {
	struct cc_sha256 *h;
	const struct cc_ignore *ign;
	volatile sig_atomic_t *cancel;
	char *buf;
	cc_error **err;
};

static void hash_str(struct hasher *hs, const char *s)
{
	cc_sha256_update(hs->h, s, strlen(s) + 1);
}

/* One entry, already open as fd (regular files and directories) or not
 * (fd -1: symlinks and special files, read through dirfd/name). */
static int hash_entry(struct hasher *hs, int fd, int dirfd, const char *name, const struct stat *st, const char *rel,
		      const char *ctxrel);

static int hash_dir(struct hasher *hs, int dfd, const char *rel, const char *ctxrel)
{
	_cleanup_strv_ char **names = NULL;
	if (sorted_names(dfd, &names, hs->err) < 0)
		return -1;
	for (char **n = names; *n; n++) {
		if (hs->cancel && *hs->cancel)
			return cc_error_set(hs->err, EINTR, "interrupted");
		_cleanup_free_ char *r = join(rel, *n), *cr = join(ctxrel, *n);
		if (r == NULL || cr == NULL)
			return cc_error_set(hs->err, ENOMEM, "hash sources");
		struct stat st;
		if (fstatat(dfd, *n, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return cc_error_set(hs->err, errno, "stat '%s'", cr);
		if (ignored(hs->ign, cr) && !(S_ISDIR(st.st_mode) && cc_ignore_has_exceptions(hs->ign)))
			continue;
		_cleanup_close_ int fd = -1;
		if (S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)) {
			fd = openat(dfd, *n, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK |
						     (S_ISDIR(st.st_mode) ? O_DIRECTORY : 0));
			if (fd < 0)
				return cc_error_set(hs->err, errno, "open '%s'", cr);
		}
		if (hash_entry(hs, fd, dfd, *n, &st, r, cr) < 0)
			return -1;
	}
	return 0;
}

static int hash_entry(struct hasher *hs, int fd, int dirfd, const char *name, const struct stat *st, const char *rel,
		      const char *ctxrel)
{
	char meta[160];
	char type = S_ISDIR(st->st_mode) ? 'd' : S_ISREG(st->st_mode) ? 'f' : S_ISLNK(st->st_mode) ? 'l' : 's';
	bool skip_self = ignored(hs->ign, ctxrel); /* an ignored dir walked for exceptions */
	if (!skip_self) {
		snprintf(meta, sizeof(meta), "%c %o %u %u %lld %u:%u", type, (unsigned)(st->st_mode & 07777),
			 (unsigned)st->st_uid, (unsigned)st->st_gid, S_ISREG(st->st_mode) ? (long long)st->st_size : 0LL,
			 S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode) ? major(st->st_rdev) : 0,
			 S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode) ? minor(st->st_rdev) : 0);
		hash_str(hs, rel);
		hash_str(hs, meta);
	}
	if (S_ISREG(st->st_mode)) {
		for (;;) {
			ssize_t n = read(fd, hs->buf, COPY_BUF);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return cc_error_set(hs->err, errno, "read '%s'", ctxrel);
			if (n == 0)
				break;
			cc_sha256_update(hs->h, hs->buf, (size_t)n);
		}
	} else if (S_ISLNK(st->st_mode)) {
		char target[4096];
		ssize_t n = readlinkat(dirfd, name, target, sizeof(target) - 1);
		if (n < 0)
			return cc_error_set(hs->err, errno, "readlink '%s'", ctxrel);
		target[n] = '\0';
		hash_str(hs, target);
	} else if (S_ISDIR(st->st_mode)) {
		return hash_dir(hs, fd, rel, ctxrel);
	}
	return 0;
}

int cc_copy_digest(int rootfd, const struct cc_ignore *ign, char *const *sources, char out[72],
		   volatile sig_atomic_t *cancel, cc_error **err)
{
	struct hasher hs = { .h = cc_sha256_new(), .ign = ign, .cancel = cancel, .buf = malloc(COPY_BUF), .err = err };
	int r = 0;
	if (hs.h == NULL || hs.buf == NULL)
		r = cc_error_set(err, ENOMEM, "hash sources");
	for (char *const *s = sources; r == 0 && *s; s++) {
		_cleanup_close_ int fd = -1;
		_cleanup_free_ char *rel = NULL;
		struct stat st;
		if ((r = open_source(rootfd, ign, *s, &fd, &rel, err)) < 0)
			break;
		if (fstat(fd, &st) < 0) {
			r = cc_error_set(err, errno, "stat '%s'", *s);
			break;
		}
		hash_str(&hs, "source");
		hash_str(&hs, *s);
		r = hash_entry(&hs, fd, -1, NULL, &st, ".", strcmp(rel, ".") == 0 ? "" : rel);
	}
	free(hs.buf);
	if (r < 0) {
		cc_sha256_free(hs.h);
		return r;
	}
	cc_sha256_final(hs.h, out);
	return 0;
}

/* ---- --chown ------------------------------------------------------------------ */

/* Look name up in an /etc/passwd- or /etc/group-style file inside the root:
 * field 2 (id) and, for passwd, field 3 (primary gid). */
static int lookup_db(int rootfd, const char *file, const char *name, long *ret_id, long *ret_gid)
{
	int fd = cc_open_in_root(rootfd, file, O_RDONLY);
	if (fd < 0)
		return fd;
	FILE *f = fdopen(fd, "re");
	if (f == NULL) {
		close(fd);
		return -ENOMEM;
	}
	char line[4096];
	int r = -ENOENT;
	size_t nl = strlen(name);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, name, nl) != 0 || line[nl] != ':')
			continue;
		char *save = NULL;
		strtok_r(line, ":", &save);
		strtok_r(NULL, ":", &save); /* password */
		char *id = strtok_r(NULL, ":", &save), *gid = strtok_r(NULL, ":", &save);
		if (id == NULL)
			continue;
		*ret_id = strtol(id, NULL, 10);
		if (ret_gid)
			*ret_gid = gid ? strtol(gid, NULL, 10) : *ret_id;
		r = 0;
		break;
	}
	fclose(f);
	return r;
}

static bool numeric(const char *s, long *ret)
{
	char *end;
	if (*s == '\0')
		return false;
	long v = strtol(s, &end, 10);
	if (*end || v < 0 || v > 0x7fffffff)
		return false;
	*ret = v;
	return true;
}

int cc_copy_resolve_chown(int rootfd, const char *spec, uid_t *ret_uid, gid_t *ret_gid, cc_error **err)
{
	_cleanup_free_ char *u = strdup(spec);
	if (u == NULL)
		return cc_error_set(err, ENOMEM, "--chown");
	char *g = strchr(u, ':');
	if (g)
		*g++ = '\0';
	long uid, gid = -1;
	if (numeric(u, &uid)) {
		gid = uid;
	} else if (lookup_db(rootfd, "/etc/passwd", u, &uid, &gid) < 0) {
		return cc_error_setk(err, CC_ERR_INVALID, 0, "--chown=%s: unable to find user %s: no matching entries in passwd file",
				     spec, u);
	}
	if (g && *g && !numeric(g, &gid) && lookup_db(rootfd, "/etc/group", g, &gid, NULL) < 0)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "--chown=%s: unable to find group %s: no matching entries in group file",
				     spec, g);
	*ret_uid = (uid_t)uid;
	*ret_gid = (gid_t)gid;
	return 0;
}

/* ---- the copy ----------------------------------------------------------------- */

struct linked {             /* a source file with more than one link */
	dev_t dev;
	ino_t ino;
	char *path;               /* where its first name was copied to */
};

struct copier {
	const struct cc_copy_opts *o;
	const struct cc_ignore *ign;
	int root;
	bool keep_owner;      /* owners from the source (ADD of an archive) */
	char *buf;
	cc_error **err;
	/* hard links among the sources stay hard links (as BuildKit and
	 * buildah keep them): (dev, ino) -> the first copy */
	struct linked *links;
	size_t n_links;
};

static void owner(const struct copier *cp, const struct stat *st, uid_t *u, gid_t *g)
{
	if (cp->o->chown) {
		*u = cp->o->uid;
		*g = cp->o->gid;
	} else if (cp->keep_owner) {
		*u = st->st_uid;
		*g = st->st_gid;
	} else {
		*u = 0;
		*g = 0;
	}
}

static mode_t mode_of(const struct copier *cp, const struct stat *st)
{
	if (cp->o->chmod_sym)
		return cc_chmod_apply(cp->o->chmod_sym, st->st_mode & 07777, S_ISDIR(st->st_mode));
	return cp->o->chmod >= 0 ? (mode_t)cp->o->chmod : (st->st_mode & 07777);
}

/* ---- --chmod --------------------------------------------------------------------- */

int cc_chmod_check(const char *spec, int *ret_mode)
{
	*ret_mode = -1;
	if (*spec == '\0')
		return -1;
	if (strspn(spec, "01234567") == strlen(spec)) {
		char *end;
		long m = strtol(spec, &end, 8);
		if (*end || m < 0 || m > 07777)
			return -1;
		*ret_mode = (int)m;
		return 0;
	}
	const char *p = spec;
	for (;;) { /* one clause: [ugoa]* ([-+=] ([rwxXst]* | [ugo]))+ */
		p += strspn(p, "ugoa");
		if (*p != '+' && *p != '-' && *p != '=')
			return -1;
		while (*p == '+' || *p == '-' || *p == '=') {
			p++;
			if (*p && strchr("ugo", *p))
				p++;
			else
				p += strspn(p, "rwxXst");
		}
		if (*p == '\0')
			return 0;
		if (*p != ',')
			return -1;
		p++;
	}
}

mode_t cc_chmod_apply(const char *spec, mode_t mode, bool dir)
{
	const char *p = spec;
	while (*p) {
		mode_t who = 0;
		for (; *p && strchr("ugoa", *p); p++)
			who |= *p == 'u' ? 04700 : *p == 'g' ? 02070 : *p == 'o' ? 01007 : 07777;
		if (who == 0)
			who = 07777;
		while (*p == '+' || *p == '-' || *p == '=') {
			char op = *p++;
			mode_t perm = 0;
			if (*p && strchr("ugo", *p)) {
				int shift = *p == 'u' ? 6 : *p == 'g' ? 3 : 0;
				mode_t b = (mode >> shift) & 7;
				perm = (b << 6) | (b << 3) | b;
				p++;
			} else {
				for (; *p && strchr("rwxXst", *p); p++) {
					switch (*p) {
					case 'r': perm |= 0444; break;
					case 'w': perm |= 0222; break;
					case 'x': perm |= 0111; break;
					case 'X': perm |= (dir || (mode & 0111)) ? 0111 : 0; break;
					case 's': perm |= 06000; break;
					case 't': perm |= 01000; break;
					}
				}
			}
			perm &= who;
			if (op == '+')
				mode |= perm;
			else if (op == '-')
				mode &= ~perm;
			else
				mode = (mode & ~(who & 0777)) | perm;
		}
		if (*p == ',')
			p++;
	}
	return mode & 07777;
}

static bool cancelled(const struct copier *cp)
{
	return cp->o->cancel && *cp->o->cancel;
}

int cc_copy_mkdir_in_root(int rootfd, const char *path, cc_error **err)
{
	bool created;
	return cc_copy_mkdir_owned(rootfd, path, 0, 0, &created, err);
}

int cc_copy_mkdir_owned(int rootfd, const char *path, uid_t uid, gid_t gid, bool *ret_created, cc_error **err)
{
	*ret_created = false;
	_cleanup_free_ char *copy = strdup(path);
	if (copy == NULL)
		return cc_error_set(err, ENOMEM, "mkdir");
	char *p = copy;
	while (*p == '/')
		p++;
	while (*p) {
		char *slash = strchr(p, '/');
		if (slash)
			*slash = '\0';
		int fd = cc_open_in_root(rootfd, copy, O_PATH | O_DIRECTORY);
		if (fd == -ENOENT) {
			char *last = strrchr(copy, '/');
			_cleanup_free_ char *parent = strndup(copy, last ? (size_t)(last - copy) : 0);
			const char *name = last ? last + 1 : copy;
			_cleanup_close_ int pfd = parent ? cc_open_in_root(rootfd, *parent ? parent : "/", O_PATH | O_DIRECTORY) : -ENOMEM;
			if (pfd < 0)
				return in_root_error(err, pfd, "open", *parent ? parent : "/");
			if (mkdirat(pfd, name, 0755) < 0 && errno != EEXIST)
				return cc_error_set(err, errno, "create directory '%s'", copy);
			fd = cc_open_in_root(rootfd, copy, O_RDONLY | O_DIRECTORY);
			/* whatever the umask; chown first (it may clear mode bits) */
			if (fd >= 0 && ((uid || gid) && fchown(fd, uid, gid) < 0)) {
				int e = errno;
				close(fd);
				return cc_error_set(err, e, "chown '%s'", copy);
			}
			if (fd >= 0 && fchmod(fd, 0755) < 0) {
				int e = errno;
				close(fd);
				return cc_error_set(err, e, "chmod '%s'", copy);
			}
			if (fd >= 0)
				*ret_created = true;
		}
		if (fd < 0)
			return in_root_error(err, fd, "create directory", copy);
		close(fd);
		if (!slash)
			break;
		*slash = '/';
		p = slash + 1;
	}
	return 0;
}

/* mkdir -p inside the root with the copy's owner; an O_RDONLY dir fd. */
static int ensure_dir(struct copier *cp, const char *path, int *ret_fd)
{
	_cleanup_free_ char *copy = strdup(path);
	if (copy == NULL)
		return cc_error_set(cp->err, ENOMEM, "mkdir");
	size_t l = strlen(copy);
	while (l > 1 && copy[l - 1] == '/')
		copy[--l] = '\0';
	char *p = copy;
	while (*p == '/')
		p++;
	while (*p) {
		char *slash = strchr(p, '/');
		if (slash)
			*slash = '\0';
		int fd = cc_open_in_root(cp->root, copy, O_PATH | O_DIRECTORY);
		if (fd == -ENOTDIR)
			return cc_error_set(cp->err, ENOTDIR, "'%s' exists and is not a directory", copy);
		if (fd == -ENOENT) {
			char *last = strrchr(copy, '/');
			_cleanup_free_ char *parent = strndup(copy, (size_t)(last - copy));
			_cleanup_close_ int pfd =
				parent ? cc_open_in_root(cp->root, *parent ? parent : "/", O_PATH | O_DIRECTORY) : -ENOMEM;
			if (pfd < 0)
				return in_root_error(cp->err, pfd, "open", *parent ? parent : "/");
			if (mkdirat(pfd, last + 1, 0700) < 0 && errno != EEXIST)
				return cc_error_set(cp->err, errno, "create directory '%s'", copy);
			fd = cc_open_in_root(cp->root, copy, O_RDONLY | O_DIRECTORY);
			if (fd >= 0) {
				struct stat st = { .st_mode = S_IFDIR | 0755 };
				uid_t u;
				gid_t g;
				owner(cp, &st, &u, &g);
				if (fchown(fd, u, g) < 0 || fchmod(fd, 0755) < 0) {
					int e = errno;
					close(fd);
					return cc_error_set(cp->err, e, "set owner of '%s'", copy);
				}
			}
		}
		if (fd < 0)
			return in_root_error(cp->err, fd, "open", copy);
		close(fd);
		if (!slash)
			break;
		*slash = '/';
		p = slash + 1;
	}
	int fd = cc_open_in_root(cp->root, *copy ? copy : "/", O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return in_root_error(cp->err, fd, "open", copy);
	*ret_fd = fd;
	return 0;
}

static int copy_data(struct copier *cp, int in, int out, const char *what)
{
	for (;;) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);
		if (n == 0)
			return 0;
		if (n > 0)
			continue;
		if (errno == EINTR)
			continue;
		if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP && errno != EBADF)
			return cc_error_set(cp->err, errno, "copy '%s'", what);
		break;
	}
	for (;;) {
		ssize_t n = read(in, cp->buf, COPY_BUF);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cc_error_set(cp->err, errno, "read '%s'", what);
		if (n == 0)
			return 0;
		if (cc_write_all(out, cp->buf, (size_t)n) < 0)
			return cc_error_set(cp->err, errno, "write '%s'", what);
	}
}

/* Make room for a new non-directory entry `name` in dirfd.  A directory
 * in the way is replaced by a symlink (the whole tree goes, as docker
 * does), not by a file. */
static int clear_slot_for(struct copier *cp, int dirfd, const char *name, const char *path, bool symlink)
{
	struct stat st;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : cc_error_set(cp->err, errno, "stat '%s'", path);
	if (S_ISDIR(st.st_mode) && symlink)
		return cc_rm_rf_at(dirfd, name, cp->err) < 0 ? cc_error_prefix(cp->err, "replace directory '%s'", path) : 0;
	if (S_ISDIR(st.st_mode))
		return cc_error_setk(cp->err, CC_ERR_INVALID, EISDIR, "cannot replace directory '%s' with a file", path);
	if (unlinkat(dirfd, name, 0) < 0)
		return cc_error_set(cp->err, errno, "remove '%s'", path);
	return 0;
}

static int clear_slot(struct copier *cp, int dirfd, const char *name, const char *path)
{
	return clear_slot_for(cp, dirfd, name, path, false);
}

static int set_meta_fd(struct copier *cp, int fd, const struct stat *st, const char *path)
{
	uid_t u;
	gid_t g;
	owner(cp, st, &u, &g);
	struct timespec ts[2] = { st->st_atim, st->st_mtim };
	/* chown first: it clears set-id bits that the mode then restores */
	if (fchown(fd, u, g) < 0 || fchmod(fd, mode_of(cp, st)) < 0 || futimens(fd, ts) < 0)
		return cc_error_set(cp->err, errno, "set metadata of '%s'", path);
	return 0;
}

/* A regular file from srcfd (or data when srcfd < 0) as dirfd/name. */
static int put_file(struct copier *cp, int srcfd, const char *data, const struct stat *st, int dirfd,
		    const char *name, const char *path)
{
	if (clear_slot(cp, dirfd, name, path) < 0)
		return -1;
	_cleanup_close_ int out = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		return cc_error_set(cp->err, errno, "create '%s'", path);
	if (srcfd >= 0 && copy_data(cp, srcfd, out, path) < 0)
		return -1;
	if (data && cc_write_all(out, data, strlen(data)) < 0)
		return cc_error_set(cp->err, errno, "write '%s'", path);
	return set_meta_fd(cp, out, st, path);
}

/* A regular source file: a hard link to the copy of an earlier name of
 * the same file, else a copy (remembered when it has other names). */
static int put_regular(struct copier *cp, int srcfd, const struct stat *st, int dirfd, const char *name,
		       const char *path)
{
	if (st->st_nlink > 1) {
		for (size_t i = 0; i < cp->n_links; i++) {
			struct linked *l = &cp->links[i];
			if (l->dev != st->st_dev || l->ino != st->st_ino)
				continue;
			const char *slash = strrchr(l->path, '/');
			_cleanup_free_ char *parent = slash ? strndup(l->path, (size_t)(slash - l->path)) : NULL;
			if (parent == NULL)
				return cc_error_set(cp->err, ENOMEM, "copy");
			_cleanup_close_ int pfd = cc_open_in_root(cp->root, *parent ? parent : "/", O_PATH | O_DIRECTORY);
			if (clear_slot(cp, dirfd, name, path) < 0)
				return -1;
			if (pfd >= 0 && linkat(pfd, slash + 1, dirfd, name, 0) == 0)
				return 0;
			break; /* the first copy is gone (replaced since): copy again */
		}
	}
	if (put_file(cp, srcfd, NULL, st, dirfd, name, path) < 0)
		return -1;
	if (st->st_nlink > 1) {
		struct linked *nl = realloc(cp->links, (cp->n_links + 1) * sizeof(*nl));
		char *p = path[0] == '/' ? strdup(path) : NULL;
		if (path[0] != '/' && asprintf(&p, "/%s", path) < 0)
			p = NULL;
		if (nl == NULL || p == NULL) {
			free(p);
			if (nl)
				cp->links = nl;
			return cc_error_set(cp->err, ENOMEM, "copy");
		}
		cp->links = nl;
		cp->links[cp->n_links++] = (struct linked){ st->st_dev, st->st_ino, p };
	}
	return 0;
}

static int copy_entry(struct copier *cp, int srcdir, const char *name, const char *ctxrel, int dstdir,
		      const char *dstpath);

static int copy_contents(struct copier *cp, int srcdir, const char *ctxrel, int dstdir, const char *dstpath)
{
	_cleanup_strv_ char **names = NULL;
	if (sorted_names(srcdir, &names, cp->err) < 0)
		return -1;
	for (char **n = names; *n; n++) {
		if (cancelled(cp))
			return cc_error_set(cp->err, EINTR, "interrupted");
		_cleanup_free_ char *cr = ctxrel ? join(ctxrel, *n) : NULL;
		_cleanup_free_ char *dp = join(dstpath, *n);
		if (dp == NULL || (ctxrel && cr == NULL))
			return cc_error_set(cp->err, ENOMEM, "copy");
		if (copy_entry(cp, srcdir, *n, cr, dstdir, dp) < 0)
			return -1;
	}
	return 0;
}

static int copy_dir(struct copier *cp, int srcfd, const struct stat *st, const char *ctxrel, int dstdir,
		    const char *name, const char *dstpath)
{
	struct stat dst;
	_cleanup_close_ int out = -1;
	bool set_meta = true;
	if (fstatat(dstdir, name, &dst, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISDIR(dst.st_mode)) {
			out = openat(dstdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		} else if (S_ISLNK(dst.st_mode)) {
			/* the image's symlink to a directory (usrmerge): copy into
			 * where it points, inside the root; leave its metadata */
			out = cc_open_in_root(cp->root, dstpath, O_RDONLY | O_DIRECTORY);
			if (out >= 0)
				set_meta = false;
			else if (unlinkat(dstdir, name, 0) < 0)
				return cc_error_set(cp->err, errno, "remove '%s'", dstpath);
		} else if (unlinkat(dstdir, name, 0) < 0) {
			return cc_error_set(cp->err, errno, "remove '%s'", dstpath);
		}
	}
	if (out < 0) {
		if (mkdirat(dstdir, name, 0700) < 0 && errno != EEXIST)
			return cc_error_set(cp->err, errno, "create directory '%s'", dstpath);
		out = openat(dstdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (out < 0)
		return cc_error_set(cp->err, errno, "open '%s'", dstpath);
	if (copy_contents(cp, srcfd, ctxrel, out, dstpath) < 0)
		return -1;
	return set_meta ? set_meta_fd(cp, out, st, dstpath) : 0;
}

static int copy_entry(struct copier *cp, int srcdir, const char *name, const char *ctxrel, int dstdir,
		      const char *dstpath)
{
	struct stat st;
	if (fstatat(srcdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return cc_error_set(cp->err, errno, "stat '%s'", ctxrel ? ctxrel : name);
	bool ign = ignored(cp->ign, ctxrel);
	if (ign && !(S_ISDIR(st.st_mode) && cc_ignore_has_exceptions(cp->ign)))
		return 0;
	if (S_ISDIR(st.st_mode)) {
		_cleanup_close_ int in = openat(srcdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (in < 0)
			return cc_error_set(cp->err, errno, "open '%s'", ctxrel ? ctxrel : name);
		if (ign && !dir_has_included(cp->ign, in, ctxrel))
			return 0;
		return copy_dir(cp, in, &st, ctxrel, dstdir, name, dstpath);
	}
	if (S_ISREG(st.st_mode)) {
		_cleanup_close_ int in = openat(srcdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (in < 0)
			return cc_error_set(cp->err, errno, "open '%s'", ctxrel ? ctxrel : name);
		return put_regular(cp, in, &st, dstdir, name, dstpath);
	}
	if (clear_slot_for(cp, dstdir, name, dstpath, S_ISLNK(st.st_mode)) < 0)
		return -1;
	uid_t u;
	gid_t g;
	owner(cp, &st, &u, &g);
	struct timespec ts[2] = { st.st_atim, st.st_mtim };
	if (S_ISLNK(st.st_mode)) {
		char target[4096];
		ssize_t n = readlinkat(srcdir, name, target, sizeof(target) - 1);
		if (n < 0)
			return cc_error_set(cp->err, errno, "readlink '%s'", ctxrel ? ctxrel : name);
		target[n] = '\0';
		if (symlinkat(target, dstdir, name) < 0 || fchownat(dstdir, name, u, g, AT_SYMLINK_NOFOLLOW) < 0 ||
		    utimensat(dstdir, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
			return cc_error_set(cp->err, errno, "create symlink '%s'", dstpath);
		return 0;
	}
	if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISFIFO(st.st_mode)) {
		if (mknodat(dstdir, name, (st.st_mode & S_IFMT) | 0600, st.st_rdev) < 0 ||
		    fchownat(dstdir, name, u, g, AT_SYMLINK_NOFOLLOW) < 0 ||
		    fchmodat(dstdir, name, mode_of(cp, &st), 0) < 0 || utimensat(dstdir, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
			return cc_error_set(cp->err, errno, "create '%s'", dstpath);
		return 0;
	}
	return 0; /* sockets are not copied */
}

/* ---- ADD: local tar archives ------------------------------------------------------ */

static struct archive *archive_reader(void)
{
	struct archive *a = archive_read_new();
	if (a == NULL)
		return NULL;
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_bzip2(a);
	archive_read_support_filter_xz(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_format_tar(a);
	return a;
}

static bool is_archive(int fd)
{
	struct archive *a = archive_reader();
	struct archive_entry *e;
	bool yes = a && archive_read_open_fd(a, fd, COPY_BUF) == ARCHIVE_OK && archive_read_next_header(a, &e) == ARCHIVE_OK;
	if (a)
		archive_read_free(a);
	(void)lseek(fd, 0, SEEK_SET);
	return yes;
}

/* Unpack into dir (fresh, ours): cleaned names and SECURE_* checks keep every
 * entry inside it; names are cleaned and made relative first. */
static int extract_to(struct copier *cp, int fd, const char *dir, const char *what)
{
	struct archive *in = archive_reader();
	struct archive *out = archive_write_disk_new();
	int ret = 0;
	if (in == NULL || out == NULL) {
		ret = cc_error_set(cp->err, ENOMEM, "extract '%s'", what);
		goto done;
	}
	archive_write_disk_set_options(out, ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME |
						    ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
						    ARCHIVE_EXTRACT_UNLINK);
	if (archive_read_open_fd(in, fd, COPY_BUF) != ARCHIVE_OK) {
		ret = cc_error_set(cp->err, 0, "extract '%s': %s", what, archive_error_string(in));
		goto done;
	}
	struct archive_entry *e;
	for (;;) {
		if (cancelled(cp)) {
			ret = cc_error_set(cp->err, EINTR, "interrupted");
			break;
		}
		int r = archive_read_next_header(in, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			ret = cc_error_set(cp->err, 0, "extract '%s': %s", what, archive_error_string(in));
			break;
		}
		_cleanup_free_ char *abs = NULL, *clean = NULL, *full = NULL;
		if (asprintf(&abs, "/%s", archive_entry_pathname(e)) < 0 || (clean = cc_go_clean(abs)) == NULL ||
		    asprintf(&full, "%s%s", dir, clean) < 0) {
			ret = cc_error_set(cp->err, ENOMEM, "extract '%s'", what);
			break;
		}
		if (strcmp(clean, "/") == 0)
			continue;
		archive_entry_set_pathname(e, full);
		const char *hl = archive_entry_hardlink(e);
		if (hl) {
			_cleanup_free_ char *habs = NULL, *hclean = NULL, *hfull = NULL;
			if (asprintf(&habs, "/%s", hl) < 0 || (hclean = cc_go_clean(habs)) == NULL ||
			    asprintf(&hfull, "%s%s", dir, hclean) < 0) {
				ret = cc_error_set(cp->err, ENOMEM, "extract '%s'", what);
				break;
			}
			archive_entry_set_hardlink(e, hfull);
		}
		r = archive_write_header(out, e);
		if (r < ARCHIVE_WARN) {
			ret = cc_error_set(cp->err, 0, "extract '%s': %s: %s", what, clean, archive_error_string(out));
			break;
		}
		if (archive_entry_size(e) > 0 && !hl) {
			int we = 0;
			if ((r = cc_archive_copy_data(in, out, &we)) != ARCHIVE_EOF) {
				ret = cc_error_set(cp->err, we, "extract '%s': %s%s%s", what, clean, we ? "" : ": ",
						   we ? "" : archive_error_string(in));
				break;
			}
		}
		r = archive_write_finish_entry(out);
		if (r < ARCHIVE_WARN || (r == ARCHIVE_WARN && cc_disk_errno(archive_errno(out)))) {
			int we = archive_errno(out);
			ret = cc_error_set(cp->err, we > 0 ? we : 0, "extract '%s': %s: %s", what, clean,
					   archive_error_string(out));
			break;
		}
	}
	if (archive_write_close(out) != ARCHIVE_OK && ret == 0)
		ret = cc_error_set(cp->err, 0, "extract '%s': %s", what, archive_error_string(out));
done:
	if (in)
		archive_read_free(in);
	if (out)
		archive_write_free(out);
	return ret;
}

static int add_archive(struct copier *cp, int fd, const char *src, const char *dest)
{
	static unsigned seq;
	char name[32];
	snprintf(name, sizeof(name), "/x%u", seq++);
	_cleanup_free_ char *dir = NULL;
	if (cp->o->stage_dir == NULL || asprintf(&dir, "%s%s", cp->o->stage_dir, name) < 0)
		return cc_error_set(cp->err, ENOMEM, "extract '%s'", src);
	if (mkdir(dir, 0700) < 0)
		return cc_error_set(cp->err, errno, "create '%s'", dir);
	int r = extract_to(cp, fd, dir, src);
	_cleanup_close_ int dfd = -1, sfd = -1;
	if (r == 0 && (r = ensure_dir(cp, dest, &dfd)) == 0) {
		sfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (sfd < 0) {
			r = cc_error_set(cp->err, errno, "open '%s'", dir);
		} else {
			struct copier sub = *cp;
			sub.ign = NULL;
			sub.keep_owner = true;
			r = copy_contents(&sub, sfd, NULL, dfd, dest);
		}
	}
	cc_error *e = NULL;
	if (cc_rm_rf(dir, r == 0 ? cp->err : &e) < 0 && r == 0)
		r = -1;
	cc_error_free(e);
	return r;
}

/* ---- entry point ------------------------------------------------------------------- */

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

/* Where a file source goes: (parent dir, name). */
static int file_target(struct copier *cp, const char *dest, bool dest_dir, const char *src_name, char **ret_parent,
		       char **ret_name)
{
	bool into = dest_dir;
	if (!into) {
		int fd = cc_open_in_root(cp->root, dest, O_PATH | O_DIRECTORY);
		into = fd >= 0;
		cc_closep(&fd);
	}
	_cleanup_free_ char *d = strdup(dest);
	if (d == NULL)
		return cc_error_set(cp->err, ENOMEM, "copy");
	size_t l = strlen(d);
	while (l > 1 && d[l - 1] == '/')
		d[--l] = '\0';
	if (into) {
		*ret_parent = steal_ptr(&d);
		*ret_name = strdup(src_name);
	} else {
		char *slash = strrchr(d, '/');
		*ret_name = strdup(slash + 1);
		*ret_parent = slash == d ? strdup("/") : strndup(d, (size_t)(slash - d));
	}
	if (*ret_parent == NULL || *ret_name == NULL) {
		free(*ret_parent);
		free(*ret_name);
		return cc_error_set(cp->err, ENOMEM, "copy");
	}
	return 0;
}

static int copy_sources(struct copier *cp, int srcfd, const struct cc_ignore *ign, char *const *sources,
			const struct cc_copy_file *files, size_t n_files, const char *dest)
{
	cc_error **err = cp->err;
	size_t n_src = cc_strv_len(sources) + n_files;
	bool dest_dir = dest[strlen(dest) - 1] == '/' || n_src > 1;
	for (char *const *s = sources; s && *s; s++) {
		if (cancelled(cp))
			return cc_error_set(err, EINTR, "interrupted");
		_cleanup_close_ int in = -1;
		_cleanup_free_ char *rel = NULL;
		if (open_source(srcfd, ign, *s, &in, &rel, err) < 0)
			return -1;
		struct stat st;
		if (fstat(in, &st) < 0)
			return cc_error_set(err, errno, "stat '%s'", *s);
		if (S_ISDIR(st.st_mode)) {
			_cleanup_close_ int out = -1;
			if (ensure_dir(cp, dest, &out) < 0)
				return -1;
			if (copy_contents(cp, in, ign ? rel : NULL, out, dest) < 0)
				return -1;
			continue;
		}
		if (!S_ISREG(st.st_mode))
			return cc_error_setk(err, CC_ERR_INVALID, 0, "'%s' is not a regular file or directory", *s);
		if (cp->o->extract && is_archive(in)) {
			if (add_archive(cp, in, *s, dest) < 0)
				return -1;
			continue;
		}
		_cleanup_free_ char *parent = NULL, *name = NULL, *path = NULL;
		_cleanup_close_ int pfd = -1;
		if (file_target(cp, dest, dest_dir, base_name(*s), &parent, &name) < 0 || ensure_dir(cp, parent, &pfd) < 0)
			return -1;
		path = join(parent, name);
		if (path == NULL)
			return cc_error_set(err, ENOMEM, "copy");
		if (put_regular(cp, in, &st, pfd, name, path) < 0)
			return -1;
	}
	for (size_t i = 0; i < n_files; i++) {
		_cleanup_free_ char *parent = NULL, *name = NULL, *path = NULL;
		_cleanup_close_ int pfd = -1;
		if (file_target(cp, dest, dest_dir, files[i].name, &parent, &name) < 0 || ensure_dir(cp, parent, &pfd) < 0)
			return -1;
		path = join(parent, name);
		if (path == NULL)
			return cc_error_set(err, ENOMEM, "copy");
		struct stat st = { .st_mode = S_IFREG | 0644 };
		clock_gettime(CLOCK_REALTIME, &st.st_mtim);
		st.st_atim = st.st_mtim;
		if (put_file(cp, -1, files[i].data, &st, pfd, name, path) < 0)
			return -1;
	}
	return 0;
}

int cc_copy_run(int srcfd, const struct cc_ignore *ign, char *const *sources, const struct cc_copy_file *files,
		size_t n_files, int dstfd, const char *dest, const struct cc_copy_opts *o, cc_error **err)
{
	if (o->extract && cc_dl_archive(err) < 0)
		return -1;
	_cleanup_free_ char *buf = malloc(COPY_BUF);
	if (buf == NULL)
		return cc_error_set(err, ENOMEM, "copy");
	struct copier cp = { .o = o, .ign = ign, .root = dstfd, .buf = buf, .err = err };
	int r = copy_sources(&cp, srcfd, ign, sources, files, n_files, dest);
	for (size_t i = 0; i < cp.n_links; i++)
		free(cp.links[i].path);
	free(cp.links);
	return r;
}

int cc_copy_put_fetched(int fd, const char *name, int64_t mtime, int dstfd, const char *dest, size_t n_sources,
			const struct cc_copy_opts *o, cc_error **err)
{
	_cleanup_free_ char *buf = malloc(COPY_BUF);
	if (buf == NULL)
		return cc_error_set(err, ENOMEM, "copy");
	struct copier cp = { .o = o, .root = dstfd, .buf = buf, .err = err };
	bool dest_dir = dest[strlen(dest) - 1] == '/' || n_sources > 1;
	_cleanup_free_ char *parent = NULL, *fname = NULL, *path = NULL;
	_cleanup_close_ int pfd = -1;
	if (file_target(&cp, dest, dest_dir, name, &parent, &fname) < 0 || ensure_dir(&cp, parent, &pfd) < 0)
		return -1;
	path = join(parent, fname);
	if (path == NULL)
		return cc_error_set(err, ENOMEM, "copy");
	/* docker's rules: 0600, the mtime the server gave (else now) */
	struct stat st = { .st_mode = S_IFREG | 0600 };
	if (mtime >= 0)
		st.st_mtim.tv_sec = (time_t)mtime;
	else
		clock_gettime(CLOCK_REALTIME, &st.st_mtim);
	st.st_atim = st.st_mtim;
	return put_file(&cp, fd, NULL, &st, pfd, fname, path);
}
