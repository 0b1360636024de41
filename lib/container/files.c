/* A container's files from outside it: cp, export, diff.
 *
 * The container's root is one directory fd: a running container's is
 * /proc/<pid>/root (its mount namespace as the host sees it, volumes
 * included); a stopped one's is its overlay (the image's layers and its
 * upper dir) mounted by a child in a mount namespace of its own, which
 * hands the fd back over a socket and exits: the mount is detached with
 * the namespace, lives while the fd does, and outlives no command.
 *
 * Every path inside the container is opened with cc_open_in_root
 * (openat2 RESOLVE_IN_ROOT): a symlink in the container resolves as it
 * would inside it and never reaches the host.  Entries are created and
 * read relative to their parent's fd with O_NOFOLLOW /
 * AT_SYMLINK_NOFOLLOW.  On the host side the destination directory is the
 * root of the same resolution, so a tar stream's symlinks cannot lead a
 * later entry out of it either.
 *
 * Copies are streams of tar entries (libarchive's archive_entry): a
 * source (a tree walked under a root fd, or a tar on an fd) feeds a sink
 * (a tree under a root fd, or a tar written to an fd). */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "build/build-internal.h"
#include "container.h"
#include "image/image.h"
#include "runtime/runtime.h"
#include "store/store.h"
#include "util/util.h"

#define CP_BUF (128 * 1024)
#define CP_MAX_DEPTH 256

static int strcmp_ptr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---- the container's root ---- */

static int send_fd(int sock, int fd)
{
	char c = 'r';
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	memset(&u, 0, sizeof(u));
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &m, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

static int recv_fd(int sock, char *msg, size_t msglen)
{
	struct iovec iov = { .iov_base = msg, .iov_len = msglen - 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	ssize_t n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
	if (n <= 0)
		return -1;
	msg[n] = '\0';
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
	if (cm == NULL || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	int fd;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

static bool is_live(const struct cc_container_record *c)
{
	return (strcmp(c->state, "running") == 0 || strcmp(c->state, "paused") == 0) && c->pid > 0 &&
	       cc_pid_start_time(c->pid) == c->pid_start;
}

/* The child: a mount namespace of its own, the overlay on the container's
 * directory (where the container itself mounts it), its fd sent back. */
static _Noreturn void mount_child(int sock, const struct cc_run_spec *spec)
{
	cc_error *e = NULL;
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() == 1)
		_exit(1);
	if (unshare(CLONE_NEWNS) < 0)
		cc_error_set(&e, errno, "unshare mount namespace");
	else if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		cc_error_set(&e, errno, "make / private");
	else if (cc_runtime_mount_root(spec, &e) == 0) {
		int fd = open(spec->rootfs_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0 && send_fd(sock, fd) == 0) {
			/* stay until the parent is done: the mount stays attached to
			 * this namespace (a detached one makes every ".." of
			 * RESOLVE_IN_ROOT fail with EAGAIN: its mntput takes the
			 * mount lock) */
			char c;
			while (read(sock, &c, 1) < 0 && errno == EINTR)
				;
			_exit(0);
		}
		cc_error_set(&e, errno, "open the container's root");
	}
	const char *msg = e != NULL && e->msg != NULL ? e->msg : "mount failed";
	(void)!write(sock, msg, strlen(msg));
	_exit(1);
}

void cc_container_root_close(struct cc_container_root *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	if (r->sock >= 0)
		close(r->sock); /* the helper's cue to exit: its namespace and mount go */
	r->sock = -1;
	if (r->helper > 0) {
		int status;
		while (waitpid(r->helper, &status, 0) < 0 && errno == EINTR)
			;
	}
	r->helper = -1;
}

int cc_container_root_open(struct cc_store *s, const struct cc_container_record *c, struct cc_container_root *r,
			   cc_error **err)
{
	*r = (struct cc_container_root){ .fd = -1, .sock = -1, .helper = -1 };
	int *ret_fd = &r->fd;
	bool *ret_live = &r->live;
	if (is_live(c)) {
		char p[64];
		snprintf(p, sizeof(p), "/proc/%d/root", c->pid);
		int fd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return cc_error_set(err, errno, "container %.12s: open its root", c->id);
		*ret_fd = fd;
		if (ret_live)
			*ret_live = true;
		return 0;
	}
	if (ret_live)
		*ret_live = false;
	struct cc_run_config *ic = NULL;
	_cleanup_free_ const char **lowers = NULL;
	_cleanup_free_ char *dir = cc_store_container_path(s, c->id), *upper = NULL, *work = NULL;
	if (dir == NULL || asprintf(&upper, "%s/upper", dir) < 0 || asprintf(&work, "%s/work", dir) < 0)
		return cc_error_set(err, ENOMEM, "container %.12s", c->id);
	if (cc_image_run_config(s, c->image_id, &ic, err) < 0)
		return -1;
	int rc = -1;
	if (cc_runtime_lowers(cc_store_root(s), (const char *const *)ic->layer_dirs, ic->n_layers, &lowers, err) < 0 ||
	    cc_mkdir_p(upper, 0755, err) < 0 || cc_mkdir_p(work, 0700, err) < 0)
		goto out;
	struct cc_run_spec spec = { .lower_dirs = lowers, .n_lower = ic->n_layers + 1, .upper_dir = upper,
				    .work_dir = work, .rootfs_dir = dir };
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		cc_error_set(err, errno, "socketpair");
		goto out;
	}
	pid_t pid = fork();
	if (pid < 0) {
		cc_error_set(err, errno, "fork");
		close(sv[0]);
		close(sv[1]);
		goto out;
	}
	if (pid == 0) {
		close(sv[0]);
		mount_child(sv[1], &spec);
	}
	close(sv[1]);
	char msg[512];
	int fd = recv_fd(sv[0], msg, sizeof(msg));
	r->sock = sv[0];
	r->helper = pid;
	if (fd < 0) {
		cc_container_root_close(r);
		cc_error_set(err, 0, "container %.12s: mount its root: %s", c->id,
			     msg[0] != '\0' && msg[0] != 'r' ? msg : "the helper failed");
		goto out;
	}
	*ret_fd = fd;
	rc = 0;
out:
	cc_run_config_free(ic);
	return rc;
}

/* ---- entries: sources and sinks ---- */

struct cp_sink;
typedef ssize_t (*cp_read_fn)(void *ctx, void *buf, size_t n);

struct cp_sink {
	int (*put)(struct cp_sink *k, struct archive_entry *e, cp_read_fn rd, void *rctx, cc_error **err);
	/* tree */
	int rootfd;
	const char *dir;  /* in root: where the top goes */
	const char *top;  /* the top's name in dir; NULL: the top is dir itself */
	bool keep_owner;
	uid_t uid;
	gid_t gid;
	/* tar */
	struct archive *a;
	int outfd;
	bool any_error;
};

static char *join3(const char *a, const char *b, const char *c)
{
	char *s = NULL;
	if (asprintf(&s, "%s/%s/%s", a, b ? b : "", c ? c : "") < 0)
		return NULL;
	return s;
}

static bool has_dotdot(const char *p)
{
	for (const char *q = p; (q = strstr(q, "..")) != NULL; q += 2)
		if ((q == p || q[-1] == '/') && (q[2] == '\0' || q[2] == '/'))
			return true;
	return false;
}

/* Split a path in root into its parent's fd and the last name. */
static int open_parent(int rootfd, const char *path, int *ret_fd, char **ret_name, cc_error **err)
{
	_cleanup_free_ char *p = strdup(path);
	if (p == NULL)
		return cc_error_set(err, ENOMEM, "copy");
	size_t n = strlen(p);
	while (n > 1 && p[n - 1] == '/')
		p[--n] = '\0';
	while (n > 2 && p[n - 1] == '.' && p[n - 2] == '/') {
		p[n -= 2] = '\0';
		while (n > 1 && p[n - 1] == '/')
			p[--n] = '\0';
	}
	char *slash = strrchr(p, '/');
	const char *name = slash ? slash + 1 : p;
	if (slash)
		*slash = '\0';
	const char *parent = slash ? (p[0] ? p : "/") : ".";
	if (*name == '\0' || strcmp(name, ".") == 0) {
		name = ".";
	}
	int fd = cc_open_in_root(rootfd, parent, O_PATH | O_DIRECTORY);
	if (fd < 0)
		return cc_error_setk(err, fd == -ENOENT ? CC_ERR_NOT_FOUND : CC_ERR_GENERIC, -fd, "open '%s'", parent);
	*ret_name = strdup(name);
	if (*ret_name == NULL) {
		close(fd);
		return cc_error_set(err, ENOMEM, "copy");
	}
	*ret_fd = fd;
	return 0;
}

static int write_data(int fd, cp_read_fn rd, void *rctx, const char *path, cc_error **err)
{
	_cleanup_free_ char *buf = malloc(CP_BUF);
	if (buf == NULL)
		return cc_error_set(err, ENOMEM, "copy");
	for (;;) {
		ssize_t n = rd(rctx, buf, CP_BUF);
		if (n < 0)
			return cc_error_set(err, (int)-n, "read the data of '%s'", path);
		if (n == 0)
			return 0;
		if (cc_write_all(fd, buf, (size_t)n) < 0)
			return cc_error_set(err, errno, "write '%s'", path);
	}
}

/* One entry into a tree under rootfd. */
static int tree_put(struct cp_sink *k, struct archive_entry *e, cp_read_fn rd, void *rctx, cc_error **err)
{
	const char *rel = archive_entry_pathname(e);
	if (rel == NULL || has_dotdot(rel))
		return cc_error_setk(err, CC_ERR_INVALID, 0, "refusing the entry '%s': it leaves its directory",
				     rel ? rel : "");
	while (rel[0] == '/' || (rel[0] == '.' && rel[1] == '/'))
		rel++;
	bool is_top = rel[0] == '\0' || strcmp(rel, ".") == 0;
	_cleanup_free_ char *path = NULL;
	if (k->top == NULL && is_top)
		path = strdup(k->dir);
	else
		path = join3(k->dir, k->top, rel);
	if (path == NULL)
		return cc_error_set(err, ENOMEM, "copy");
	_cleanup_close_ int pfd = -1;
	_cleanup_free_ char *name = NULL;
	if (open_parent(k->rootfd, path, &pfd, &name, err) < 0)
		return -1;
	mode_t type = archive_entry_filetype(e);
	mode_t perm = archive_entry_perm(e) & 07777;
	uid_t uid = k->keep_owner ? (uid_t)archive_entry_uid(e) : k->uid;
	gid_t gid = k->keep_owner ? (gid_t)archive_entry_gid(e) : k->gid;
	struct stat st;
	bool exists = fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
	if (strcmp(name, ".") == 0 && type != AE_IFDIR)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "cannot copy a file to the directory '%s'", path);
	if (exists && S_ISDIR(st.st_mode) && type != AE_IFDIR)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "cannot overwrite directory '%s' with non-directory", path);
	if (exists && !S_ISDIR(st.st_mode) && type == AE_IFDIR)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "cannot overwrite non-directory '%s' with directory", path);
	if (exists && type != AE_IFDIR && unlinkat(pfd, name, 0) < 0)
		return cc_error_set(err, errno, "replace '%s'", path);
	struct timespec ts[2] = { { .tv_sec = archive_entry_mtime(e), .tv_nsec = archive_entry_mtime_nsec(e) },
				  { .tv_sec = archive_entry_mtime(e), .tv_nsec = archive_entry_mtime_nsec(e) } };
	const char *hl = archive_entry_hardlink(e);
	if (hl != NULL) {
		if (has_dotdot(hl))
			return cc_error_setk(err, CC_ERR_INVALID, 0, "refusing the link '%s'", hl);
		while (hl[0] == '/')
			hl++;
		_cleanup_free_ char *tp = k->top == NULL ? join3(k->dir, hl, NULL) : join3(k->dir, k->top, hl);
		_cleanup_close_ int tfd = -1;
		_cleanup_free_ char *tname = NULL;
		if (tp == NULL)
			return cc_error_set(err, ENOMEM, "copy");
		size_t tl = strlen(tp);
		while (tl > 1 && tp[tl - 1] == '/')
			tp[--tl] = '\0';
		if (open_parent(k->rootfd, tp, &tfd, &tname, err) < 0)
			return -1;
		if (linkat(tfd, tname, pfd, name, 0) < 0)
			return cc_error_set(err, errno, "link '%s'", path);
		return 0;
	}
	switch (type) {
	case AE_IFDIR:
		if (!exists && mkdirat(pfd, name, 0700) < 0)
			return cc_error_set(err, errno, "create '%s'", path);
		if (exists && k->top == NULL && is_top)
			return 0; /* the destination directory keeps its own metadata */
		{
			_cleanup_close_ int dfd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (dfd < 0 || fchown(dfd, uid, gid) < 0 || fchmod(dfd, perm) < 0)
				return cc_error_set(err, errno, "set the owner and mode of '%s'", path);
			if (futimens(dfd, ts) < 0)
				return cc_error_set(err, errno, "set the times of '%s'", path);
		}
		return 0;
	case AE_IFREG: {
		_cleanup_close_ int fd = openat(pfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0)
			return cc_error_set(err, errno, "create '%s'", path);
		if (write_data(fd, rd, rctx, path, err) < 0)
			return -1;
		if (fchown(fd, uid, gid) < 0 || fchmod(fd, perm) < 0 || futimens(fd, ts) < 0)
			return cc_error_set(err, errno, "set the owner, mode and times of '%s'", path);
		return 0;
	}
	case AE_IFLNK: {
		const char *target = archive_entry_symlink(e);
		if (symlinkat(target ? target : "", pfd, name) < 0)
			return cc_error_set(err, errno, "create '%s'", path);
		if (fchownat(pfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0 ||
		    utimensat(pfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
			return cc_error_set(err, errno, "set the owner and times of '%s'", path);
		return 0;
	}
	case AE_IFCHR:
	case AE_IFBLK:
	case AE_IFIFO: {
		dev_t dev = makedev(archive_entry_rdevmajor(e), archive_entry_rdevminor(e));
		if (mknodat(pfd, name, type | perm, dev) < 0)
			return cc_error_set(err, errno, "create '%s'", path);
		if (fchownat(pfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0 || fchmodat(pfd, name, perm, 0) < 0)
			return cc_error_set(err, errno, "set the owner and mode of '%s'", path);
		return 0;
	}
	default:
		return 0; /* sockets: not copied, as docker */
	}
}

static la_ssize_t tar_write_cb(struct archive *a, void *ctx, const void *buf, size_t n)
{
	struct cp_sink *k = ctx;
	if (cc_write_all(k->outfd, buf, n) < 0) {
		archive_set_error(a, errno, "write: %s", strerror(errno));
		return -1;
	}
	return (la_ssize_t)n;
}

static int tar_put(struct cp_sink *k, struct archive_entry *e, cp_read_fn rd, void *rctx, cc_error **err)
{
	_cleanup_free_ char *name = NULL;
	const char *rel = archive_entry_pathname(e);
	if (rel[0] == '\0')
		name = strdup(k->top != NULL && *k->top ? k->top : ".");
	else if (asprintf(&name, "%s%s%s", k->top != NULL ? k->top : "", k->top != NULL && *k->top ? "/" : "", rel) < 0)
		name = NULL;
	if (name == NULL)
		return cc_error_set(err, ENOMEM, "copy");
	archive_entry_set_pathname(e, name);
	if (archive_write_header(k->a, e) < ARCHIVE_OK)
		return cc_error_set(err, archive_errno(k->a), "write the tar: %s", archive_error_string(k->a));
	if (archive_entry_filetype(e) == AE_IFREG && rd != NULL) {
		_cleanup_free_ char *buf = malloc(CP_BUF);
		if (buf == NULL)
			return cc_error_set(err, ENOMEM, "copy");
		la_int64_t left = archive_entry_size(e);
		while (left > 0) {
			ssize_t n = rd(rctx, buf, (size_t)(left < CP_BUF ? left : CP_BUF));
			if (n < 0)
				return cc_error_set(err, (int)-n, "read '%s'", name);
			if (n == 0) /* the file shrank: pad with zeros, as tar does */
				memset(buf, 0, (size_t)(n = left < CP_BUF ? left : CP_BUF));
			if (archive_write_data(k->a, buf, (size_t)n) < 0)
				return cc_error_set(err, archive_errno(k->a), "write the tar: %s", archive_error_string(k->a));
			left -= n;
		}
	}
	return 0;
}

static int tar_sink_open(struct cp_sink *k, int fd, cc_error **err)
{
	k->put = tar_put;
	k->outfd = fd;
	k->a = archive_write_new();
	if (k->a == NULL)
		return cc_error_set(err, ENOMEM, "tar");
	if (archive_write_set_format_pax_restricted(k->a) < ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(k->a, 1) < ARCHIVE_OK ||
	    archive_write_open(k->a, k, NULL, tar_write_cb, NULL) < ARCHIVE_OK)
		return cc_error_set(err, archive_errno(k->a), "tar: %s", archive_error_string(k->a));
	return 0;
}

static int tar_sink_close(struct cp_sink *k, bool ok, cc_error **err)
{
	if (k->a == NULL)
		return 0;
	int r = ok ? archive_write_close(k->a) : ARCHIVE_OK;
	if (r < ARCHIVE_OK)
		cc_error_set(err, archive_errno(k->a), "write the tar: %s", archive_error_string(k->a));
	archive_write_free(k->a);
	k->a = NULL;
	return r < ARCHIVE_OK ? -1 : 0;
}

/* ---- sources ---- */

static ssize_t fd_read(void *ctx, void *buf, size_t n)
{
	int fd = *(int *)ctx;
	for (;;) {
		ssize_t r = read(fd, buf, n);
		if (r >= 0 || errno != EINTR)
			return r < 0 ? -errno : r;
	}
}

struct walk {
	struct cp_sink *k;
	dev_t root_dev;
	bool skip_mounts; /* export of a running container: its mounts are not its files */
	volatile sig_atomic_t *cancel;
};

static int emit(struct walk *w, int pfd, const char *name, const char *rel, const struct stat *st, int depth,
		cc_error **err);

static int walk_dir(struct walk *w, int dfd, const char *rel, int depth, cc_error **err)
{
	if (depth > CP_MAX_DEPTH)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "'%s': more than %d directories deep", rel, CP_MAX_DEPTH);
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return cc_error_set(err, errno, "open '%s'", rel);
	DIR *d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return cc_error_set(err, errno, "read '%s'", rel);
	}
	_cleanup_strv_ char **names = calloc(1, sizeof(char *));
	struct dirent *de;
	errno = 0;
	while (names != NULL && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0 && cc_strv_push(&names, de->d_name) < 0)
			cc_strvfreep(&names);
	}
	closedir(d);
	if (names == NULL)
		return cc_error_set(err, ENOMEM, "read '%s'", rel);
	qsort(names, cc_strv_len(names), sizeof(char *), strcmp_ptr);
	for (size_t i = 0; names[i] != NULL; i++) {
		if (w->cancel != NULL && *w->cancel)
			return cc_error_set(err, EINTR, "interrupted");
		struct stat st;
		if (fstatat(dfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				continue; /* gone meanwhile */
			return cc_error_set(err, errno, "stat '%s/%s'", rel, names[i]);
		}
		_cleanup_free_ char *child = NULL;
		if (asprintf(&child, "%s%s%s", rel, *rel ? "/" : "", names[i]) < 0)
			return cc_error_set(err, ENOMEM, "copy");
		if (emit(w, dfd, names[i], child, &st, depth + 1, err) < 0)
			return -1;
	}
	return 0;
}

static int emit(struct walk *w, int pfd, const char *name, const char *rel, const struct stat *st, int depth,
		cc_error **err)
{
	struct archive_entry *e = archive_entry_new();
	if (e == NULL)
		return cc_error_set(err, ENOMEM, "copy");
	archive_entry_set_pathname(e, rel);
	archive_entry_set_filetype(e, st->st_mode & S_IFMT);
	archive_entry_set_perm(e, st->st_mode & 07777);
	archive_entry_set_uid(e, st->st_uid);
	archive_entry_set_gid(e, st->st_gid);
	archive_entry_set_mtime(e, st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
	archive_entry_set_size(e, S_ISREG(st->st_mode) ? st->st_size : 0);
	int rc = 0;
	if (S_ISLNK(st->st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(pfd, name, target, sizeof(target) - 1);
		if (n < 0) {
			rc = cc_error_set(err, errno, "read the link '%s'", rel);
			goto out;
		}
		target[n] = '\0';
		archive_entry_set_symlink(e, target);
	} else if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) {
		archive_entry_set_rdevmajor(e, major(st->st_rdev));
		archive_entry_set_rdevminor(e, minor(st->st_rdev));
	} else if (S_ISSOCK(st->st_mode)) {
		goto out;
	}
	if (S_ISREG(st->st_mode)) {
		int fd = openat(pfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0) {
			rc = cc_error_set(err, errno, "open '%s'", rel);
			goto out;
		}
		rc = w->k->put(w->k, e, fd_read, &fd, err);
		close(fd);
		goto out;
	}
	rc = w->k->put(w->k, e, NULL, NULL, err);
	if (rc == 0 && S_ISDIR(st->st_mode) && !(w->skip_mounts && st->st_dev != w->root_dev)) {
		int dfd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (dfd < 0)
			rc = cc_error_set(err, errno, "open '%s'", rel);
		else {
			rc = walk_dir(w, dfd, rel, depth, err);
			close(dfd);
		}
	}
out:
	archive_entry_free(e);
	return rc;
}

/* The tree at fd (opened O_PATH on the source itself) into the sink, its
 * top as "". */
static int tree_source(int fd, struct cp_sink *k, bool skip_mounts, volatile sig_atomic_t *cancel, cc_error **err)
{
	struct stat st;
	if (fstatat(fd, "", &st, AT_EMPTY_PATH) < 0)
		return cc_error_set(err, errno, "stat");
	struct walk w = { .k = k, .root_dev = st.st_dev, .skip_mounts = skip_mounts, .cancel = cancel };
	/* the top through its own fd: "/proc/self/fd/N" would be a magic link */
	if (S_ISDIR(st.st_mode)) {
		struct archive_entry *e = archive_entry_new();
		if (e == NULL)
			return cc_error_set(err, ENOMEM, "copy");
		archive_entry_set_pathname(e, "");
		archive_entry_set_filetype(e, AE_IFDIR);
		archive_entry_set_perm(e, st.st_mode & 07777);
		archive_entry_set_uid(e, st.st_uid);
		archive_entry_set_gid(e, st.st_gid);
		archive_entry_set_mtime(e, st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
		int rc = k->put(k, e, NULL, NULL, err);
		archive_entry_free(e);
		if (rc < 0)
			return -1;
		_cleanup_close_ int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			return cc_error_set(err, errno, "open the source");
		return walk_dir(&w, dfd, "", 0, err);
	}
	/* a file, link or device: its parent is not needed, the fd is it */
	struct archive_entry *e = archive_entry_new();
	if (e == NULL)
		return cc_error_set(err, ENOMEM, "copy");
	archive_entry_set_pathname(e, "");
	archive_entry_set_filetype(e, st.st_mode & S_IFMT);
	archive_entry_set_perm(e, st.st_mode & 07777);
	archive_entry_set_uid(e, st.st_uid);
	archive_entry_set_gid(e, st.st_gid);
	archive_entry_set_mtime(e, st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	archive_entry_set_size(e, S_ISREG(st.st_mode) ? st.st_size : 0);
	int rc = 0;
	if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(fd, "", target, sizeof(target) - 1);
		if (n < 0)
			rc = cc_error_set(err, errno, "read the link");
		else {
			target[n] = '\0';
			archive_entry_set_symlink(e, target);
			rc = k->put(k, e, NULL, NULL, err);
		}
	} else if (S_ISREG(st.st_mode)) {
		char p[64];
		snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
		int rfd = open(p, O_RDONLY | O_CLOEXEC | O_NONBLOCK); /* reopens the O_PATH fd's file itself */
		if (rfd < 0)
			rc = cc_error_set(err, errno, "open the source");
		else {
			rc = k->put(k, e, fd_read, &rfd, err);
			close(rfd);
		}
	} else {
		if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
			archive_entry_set_rdevmajor(e, major(st.st_rdev));
			archive_entry_set_rdevminor(e, minor(st.st_rdev));
		}
		rc = k->put(k, e, NULL, NULL, err);
	}
	archive_entry_free(e);
	return rc;
}

struct tar_rd {
	struct archive *a;
};

static ssize_t tar_read(void *ctx, void *buf, size_t n)
{
	struct tar_rd *t = ctx;
	la_ssize_t r = archive_read_data(t->a, buf, n);
	return r < 0 ? -(archive_errno(t->a) ? archive_errno(t->a) : EIO) : (ssize_t)r;
}

static int tar_source(int fd, struct cp_sink *k, cc_error **err)
{
	struct archive *a = archive_read_new();
	if (a == NULL)
		return cc_error_set(err, ENOMEM, "tar");
	int rc = 0;
	archive_read_support_format_tar(a);
	archive_read_support_format_empty(a);
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_bzip2(a);
	archive_read_support_filter_xz(a);
	archive_read_support_filter_zstd(a);
	if (archive_read_open_fd(a, fd, CP_BUF) < ARCHIVE_OK) {
		rc = cc_error_setk(err, CC_ERR_INVALID, archive_errno(a), "read the tar stream: %s", archive_error_string(a));
		goto out;
	}
	struct archive_entry *e;
	struct tar_rd t = { .a = a };
	for (;;) {
		int r = archive_read_next_header(a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			rc = cc_error_setk(err, CC_ERR_INVALID, 0, "read the tar stream: %s", archive_error_string(a));
			goto out;
		}
		if (k->put(k, e, tar_read, &t, err) < 0) {
			rc = -1;
			goto out;
		}
	}
out:
	archive_read_free(a);
	return rc;
}

/* ---- cp ---- */

/* docker's last element of a source: "/x/." copies x's content. */
static bool ends_dot(const char *p)
{
	size_t n = strlen(p);
	return (n >= 2 && strcmp(p + n - 2, "/.") == 0) || strcmp(p, ".") == 0;
}

static char *base_name(const char *p)
{
	_cleanup_free_ char *s = strdup(p);
	if (s == NULL)
		return NULL;
	size_t n = strlen(s);
	while (n > 1 && s[n - 1] == '/')
		s[--n] = '\0';
	const char *b = strrchr(s, '/');
	return strdup(b != NULL && b[1] != '\0' ? b + 1 : s);
}

static bool ends_slash(const char *p)
{
	size_t n = strlen(p);
	return n > 0 && p[n - 1] == '/';
}

/* Where a source lands, docker's rules: into an existing directory as its
 * base name (or its content for "SRC/."), else as the destination. */
static int plan_dest(int dst_rootfd, const char *dst, bool src_dir, bool src_dot, const char *srcpath,
		     char **ret_dir, char **ret_top, const char *where, cc_error **err)
{
	_cleanup_close_ int fd = cc_open_in_root(dst_rootfd, dst, O_PATH);
	struct stat st;
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		*ret_dir = strdup(dst);
		*ret_top = src_dot ? NULL : base_name(srcpath);
		if (*ret_dir == NULL || (!src_dot && *ret_top == NULL))
			return cc_error_set(err, ENOMEM, "copy");
		return 0;
	}
	if (fd >= 0) {
		if (src_dir)
			return cc_error_setk(err, CC_ERR_INVALID, 0, "cannot copy a directory to a file: %s", dst);
		if (ends_slash(dst))
			return cc_error_setk(err, CC_ERR_INVALID, 0, "destination \"%s\" must be a directory", dst);
	} else if (fd != -ENOENT && fd != -ENOTDIR) {
		return cc_error_set(err, -fd, "%s'%s'", where, dst);
	} else if (ends_slash(dst) && !src_dir) {
		return cc_error_setk(err, CC_ERR_NOT_FOUND, 0, "destination directory \"%s\" does not exist", dst);
	}
	/* the destination itself: its parent must exist */
	_cleanup_free_ char *d = strdup(dst);
	if (d == NULL)
		return cc_error_set(err, ENOMEM, "copy");
	size_t n = strlen(d);
	while (n > 1 && d[n - 1] == '/')
		d[--n] = '\0';
	char *slash = strrchr(d, '/');
	*ret_top = strdup(slash ? slash + 1 : d);
	if (slash == d)
		d[1] = '\0';
	else if (slash)
		*slash = '\0';
	else if (free(d), (d = strdup(".")) == NULL)
		return cc_error_set(err, ENOMEM, "copy");
	_cleanup_close_ int pfd = cc_open_in_root(dst_rootfd, d, O_PATH | O_DIRECTORY);
	if (pfd < 0)
		return cc_error_setk(err, CC_ERR_NOT_FOUND, -pfd, "%s'%s'", where, d);
	*ret_dir = steal_ptr(&d);
	return *ret_top ? 0 : cc_error_set(err, ENOMEM, "copy");
}

static int cp_in_root(int rootfd, const struct cc_cp_opts *o, cc_error **err);

int cc_container_cp(struct cc_store *s, const struct cc_container_record *c, const struct cc_cp_opts *o, cc_error **err)
{
	struct cc_container_root root;
	if (cc_container_root_open(s, c, &root, err) < 0)
		return -1;
	int rc = cp_in_root(root.fd, o, err);
	cc_container_root_close(&root);
	return rc;
}

static int cp_in_root(int rootfd, const struct cc_cp_opts *o, cc_error **err)
{
	_cleanup_close_ int srcfd = -1, hostroot = -1;
	struct cp_sink k = { .keep_owner = o->archive, .uid = 0, .gid = 0 };
	_cleanup_free_ char *dir = NULL, *top = NULL;
	int rc = -1;
	if (o->from_container) {
		/* the source, resolved in the container */
		srcfd = cc_open_in_root(rootfd, o->src, O_PATH | (o->follow ? 0 : O_NOFOLLOW));
		if (srcfd < 0) {
			if (srcfd == -ENOENT || srcfd == -ENOTDIR)
				return cc_error_setk(err, CC_ERR_NOT_FOUND, 0, "Could not find the file %s in container %s",
						     o->src, o->ctr_name);
			return cc_error_set(err, -srcfd, "%s in container %s", o->src, o->ctr_name);
		}
		struct stat st;
		if (fstatat(srcfd, "", &st, AT_EMPTY_PATH) < 0)
			return cc_error_set(err, errno, "stat %s", o->src);
		if (o->dst_fd >= 0) {
			k.top = ends_dot(o->src) ? NULL : base_name(o->src);
			top = (char *)k.top;
			if (tar_sink_open(&k, o->dst_fd, err) < 0)
				goto out;
			rc = tree_source(srcfd, &k, false, o->cancel, err);
			if (tar_sink_close(&k, rc == 0, err) < 0)
				rc = -1;
			goto out;
		}
		/* onto the host: the destination's directory is the root of the resolution */
		hostroot = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (hostroot < 0)
			return cc_error_set(err, errno, "open /");
		_cleanup_free_ char *abs = NULL;
		if (o->dst[0] != '/') {
			char cwd[PATH_MAX];
			if (getcwd(cwd, sizeof(cwd)) == NULL || asprintf(&abs, "%s/%s", cwd, o->dst) < 0)
				return cc_error_set(err, errno ? errno : ENOMEM, "the current directory");
		}
		if (plan_dest(hostroot, abs ? abs : o->dst, S_ISDIR(st.st_mode), ends_dot(o->src), o->src, &dir, &top, "",
			      err) < 0)
			goto out;
		/* the host directory that gets the copy is the root from here on */
		_cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0) {
			rc = cc_error_set(err, errno, "'%s'", dir);
			goto out;
		}
		k.put = tree_put;
		k.rootfd = dfd;
		k.dir = "/";
		k.top = top;
		if (!o->archive) {
			k.uid = geteuid();
			k.gid = getegid();
		}
		rc = tree_source(srcfd, &k, false, o->cancel, err);
		goto out;
	}
	/* into the container */
	k.put = tree_put;
	k.rootfd = rootfd;
	if (o->src_fd >= 0) {
		_cleanup_close_ int dfd = cc_open_in_root(rootfd, o->dst, O_PATH);
		struct stat st;
		if (dfd < 0)
			return cc_error_setk(err, CC_ERR_NOT_FOUND, 0, "Could not find the file %s in container %s", o->dst,
					     o->ctr_name);
		if (fstat(dfd, &st) < 0 || !S_ISDIR(st.st_mode))
			return cc_error_setk(err, CC_ERR_INVALID, 0, "extraction point is not a directory");
		k.dir = o->dst;
		k.top = NULL;
		return tar_source(o->src_fd, &k, err);
	}
	struct stat st;
	if ((o->follow ? stat(o->src, &st) : lstat(o->src, &st)) < 0)
		return cc_error_setk(err, errno == ENOENT ? CC_ERR_NOT_FOUND : CC_ERR_GENERIC, errno, "stat %s", o->src);
	srcfd = open(o->src, O_PATH | O_CLOEXEC | (o->follow ? 0 : O_NOFOLLOW));
	if (srcfd < 0)
		return cc_error_set(err, errno, "open %s", o->src);
	if (plan_dest(rootfd, o->dst, S_ISDIR(st.st_mode), ends_dot(o->src), o->src, &dir, &top, "", err) < 0) {
		if (err != NULL && *err != NULL && (*err)->kind == CC_ERR_NOT_FOUND) {
			cc_error_clear(err);
			return cc_error_setk(err, CC_ERR_NOT_FOUND, 0, "Could not find the file %s in container %s", o->dst,
					     o->ctr_name);
		}
		goto out;
	}
	k.dir = dir;
	k.top = top;
	rc = tree_source(srcfd, &k, false, o->cancel, err);
out:
	if (k.a != NULL)
		(void)tar_sink_close(&k, false, NULL);
	return rc;
}

int cc_container_export(struct cc_store *s, const struct cc_container_record *c, int outfd,
			volatile sig_atomic_t *cancel, cc_error **err)
{
	struct cc_container_root root;
	if (cc_container_root_open(s, c, &root, err) < 0)
		return -1;
	int rootfd = root.fd;
	bool live = root.live;
	struct cp_sink k = { .top = "" };
	if (tar_sink_open(&k, outfd, err) < 0) {
		(void)tar_sink_close(&k, false, NULL);
		cc_container_root_close(&root);
		return -1;
	}
	struct stat st;
	int rc = fstat(rootfd, &st) < 0 ? cc_error_set(err, errno, "stat the root") : 0;
	if (rc == 0) {
		_cleanup_close_ int dfd = openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		struct walk w = { .k = &k, .root_dev = st.st_dev, .skip_mounts = live, .cancel = cancel };
		rc = dfd < 0 ? cc_error_set(err, errno, "open the root") : walk_dir(&w, dfd, "", 0, err);
	}
	if (tar_sink_close(&k, rc == 0, err) < 0)
		rc = -1;
	cc_container_root_close(&root);
	return rc;
}

/* ---- diff ---- */

struct diff_ctx {
	int *lowers;
	size_t n_lowers;
	void (*cb)(void *ctx, char kind, const char *path);
	void *ctx;
	char **changed_dirs;
};

static bool in_lower(const struct diff_ctx *d, const char *rel)
{
	for (size_t i = 0; i < d->n_lowers; i++) {
		struct stat st;
		if (fstatat(d->lowers[i], rel, &st, AT_SYMLINK_NOFOLLOW) == 0)
			return !(S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0));
	}
	return false;
}

static bool dir_seen(struct diff_ctx *d, const char *p)
{
	for (size_t i = 0; d->changed_dirs != NULL && d->changed_dirs[i] != NULL; i++)
		if (strcmp(d->changed_dirs[i], p) == 0)
			return true;
	return false;
}

static bool is_opaque(int dfd, const char *name)
{
	char v[4], p[64];
	snprintf(p, sizeof(p), "/proc/self/fd/%d", dfd);
	_cleanup_free_ char *full = NULL;
	if (asprintf(&full, "%s/%s", p, name) < 0)
		return false;
	ssize_t n = lgetxattr(full, cc_overlay_opaque_xattr(), v, sizeof(v));
	return n == 1 && v[0] == 'y';
}

/* moby's changes(): a whiteout or an opaque directory is D, an entry a
 * lower layer has C, others A; a parent of an A or D is C once. */
static int diff_dir(struct diff_ctx *d, int dfd, const char *rel, int depth, cc_error **err)
{
	if (depth > CP_MAX_DEPTH)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "'%s': too deep", rel);
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dir = fd < 0 ? NULL : fdopendir(fd);
	if (dir == NULL) {
		if (fd >= 0)
			close(fd);
		return cc_error_set(err, errno, "read '/%s'", rel);
	}
	_cleanup_strv_ char **names = calloc(1, sizeof(char *));
	struct dirent *de;
	while (names != NULL && (de = readdir(dir)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0 && cc_strv_push(&names, de->d_name) < 0)
			cc_strvfreep(&names);
	closedir(dir);
	if (names == NULL)
		return cc_error_set(err, ENOMEM, "diff");
	qsort(names, cc_strv_len(names), sizeof(char *), strcmp_ptr);
	for (size_t i = 0; names[i] != NULL; i++) {
		struct stat st;
		if (fstatat(dfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		_cleanup_free_ char *child = NULL;
		if (asprintf(&child, "%s/%s", rel, names[i]) < 0)
			return cc_error_set(err, ENOMEM, "diff");
		char kind;
		if ((S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) || (S_ISDIR(st.st_mode) && is_opaque(dfd, names[i])))
			kind = 'D';
		else
			kind = in_lower(d, child + 1) ? 'C' : 'A';
		if (S_ISDIR(st.st_mode) && cc_strv_push(&d->changed_dirs, child) < 0)
			return cc_error_set(err, ENOMEM, "diff");
		if (kind != 'C' && *rel != '\0' && !dir_seen(d, rel)) {
			d->cb(d->ctx, 'C', rel);
			if (cc_strv_push(&d->changed_dirs, rel) < 0)
				return cc_error_set(err, ENOMEM, "diff");
		}
		d->cb(d->ctx, kind, child);
		if (S_ISDIR(st.st_mode)) {
			_cleanup_close_ int cfd = openat(dfd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (cfd < 0)
				return cc_error_set(err, errno, "open '%s'", child);
			if (diff_dir(d, cfd, child, depth + 1, err) < 0)
				return -1;
		}
	}
	return 0;
}

int cc_container_diff(struct cc_store *s, const struct cc_container_record *c,
		      void (*cb)(void *ctx, char kind, const char *path), void *ctx, cc_error **err)
{
	struct cc_run_config *ic = NULL;
	_cleanup_free_ const char **lowers = NULL;
	_cleanup_free_ char *dir = cc_store_container_path(s, c->id), *upper = NULL;
	if (dir == NULL || asprintf(&upper, "%s/upper", dir) < 0)
		return cc_error_set(err, ENOMEM, "diff");
	_cleanup_close_ int ufd = open(upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ufd < 0)
		return errno == ENOENT ? 0 : cc_error_set(err, errno, "open '%s'", upper); /* never started: no change */
	if (cc_image_run_config(s, c->image_id, &ic, err) < 0)
		return -1;
	int rc = -1;
	struct diff_ctx d = { .cb = cb, .ctx = ctx };
	if (cc_runtime_lowers(cc_store_root(s), (const char *const *)ic->layer_dirs, ic->n_layers, &lowers, err) < 0)
		goto out;
	d.n_lowers = ic->n_layers + 1;
	d.lowers = calloc(d.n_lowers, sizeof(int));
	if (d.lowers == NULL) {
		cc_error_set(err, ENOMEM, "diff");
		goto out;
	}
	for (size_t i = 0; i < d.n_lowers; i++)
		d.lowers[i] = -1;
	for (size_t i = 0; i < d.n_lowers; i++) {
		d.lowers[i] = open(lowers[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (d.lowers[i] < 0) {
			cc_error_set(err, errno, "open the layer '%s'", lowers[i]);
			goto out;
		}
	}
	rc = diff_dir(&d, ufd, "", 0, err);
out:
	if (d.lowers != NULL)
		for (size_t i = 0; i < d.n_lowers; i++)
			if (d.lowers[i] >= 0)
				close(d.lowers[i]);
	free(d.lowers);
	cc_strvfreep(&d.changed_dirs);
	cc_run_config_free(ic);
	return rc;
}

/* docker's splitCpArg: a local path when it is absolute or starts with
 * "."; else CONTAINER:PATH at the first ':' (no ':' is local too). */
int cc_cp_split_arg(const char *arg, char **ret_ctr, const char **ret_path)
{
	*ret_ctr = NULL;
	*ret_path = arg;
	if (arg[0] == '/' || arg[0] == '.')
		return 0;
	const char *colon = strchr(arg, ':');
	if (colon == NULL)
		return 0;
	/* a Windows-like drive letter is not docker's concern here either: C:x is container C */
	*ret_ctr = strndup(arg, (size_t)(colon - arg));
	if (*ret_ctr == NULL)
		return -ENOMEM;
	*ret_path = colon + 1;
	return 1;
}
