/* The container's filesystem: overlay root, /proc /dev /sys, the etc files,
 * user binds and tmpfs, pivot_root, then docker's masks and read-only paths.
 *
 * Everything here runs in the child, in the mount namespace it got from
 * clone(CLONE_NEWNS), so nothing is ever mounted in the caller's namespace
 * and everything disappears with the container's last process.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "runtime-internal.h"
#include "util/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* docker's defaults (moby oci/defaults.go). */
const char *const cc_rt_masked_paths[] = {
	"/proc/asound",
	"/proc/acpi",
	"/proc/kcore",
	"/proc/keys",
	"/proc/latency_stats",
	"/proc/timer_list",
	"/proc/timer_stats",
	"/proc/sched_debug",
	"/proc/scsi",
	"/sys/firmware",
	"/sys/devices/virtual/powercap",
	NULL,
};

const char *const cc_rt_readonly_paths[] = {
	"/proc/bus",
	"/proc/fs",
	"/proc/irq",
	"/proc/sys",
	"/proc/sysrq-trigger",
	NULL,
};

#define FDPATH_LEN 32

bool cc_rt_no_lowerdir_plus;

/* mount(2) onto exactly the inode fd refers to. */
static int mount_on_fd(const char *src, int fd, const char *fstype, unsigned long flags,
		       const char *data)
{
	char buf[FDPATH_LEN];
	return mount(src, cc_rt_fd_path(fd, buf, sizeof(buf)), fstype, flags, data);
}

/* Make the mount at path (or at fd when path is "") read-only; recursive
 * for binds of trees.  mount_setattr changes only the read-only bit; the
 * remount fallback has to repeat the flags the mount already has. */
static int make_readonly(int dirfd, const char *path, bool recursive)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
	unsigned int fl = (recursive ? AT_RECURSIVE : 0) | (path[0] == '\0' ? AT_EMPTY_PATH : 0);
	if (mount_setattr(dirfd, path, fl, &attr, sizeof(attr)) == 0)
		return 0;
	if (errno != ENOSYS)
		return -1;
	/* FIXME: kernels < 5.12 only; only the top mount becomes read-only */
	char buf[FDPATH_LEN];
	const char *target = path;
	if (path[0] == '\0')
		target = cc_rt_fd_path(dirfd, buf, sizeof(buf));
	struct statvfs sv;
	if (statvfs(target, &sv) < 0)
		return -1;
	unsigned long keep = 0;
	if (sv.f_flag & ST_NOSUID)
		keep |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		keep |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		keep |= MS_NOEXEC;
	return mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | keep, NULL);
}

/* --- the root ------------------------------------------------------------ */

/* Append the fs context's log ("e overlay: workdir is in-use...") so the one
 * error line says why, not only EINVAL. */
static int overlay_error(int fsfd, const char *rootfs, const char *what, cc_error **err)
{
	int e = errno;
	char log[512];
	ssize_t n = fsfd >= 0 ? read(fsfd, log, sizeof(log) - 1) : -1;
	if (n > 2) {
		log[n] = '\0';
		log[strcspn(log, "\n")] = '\0';
		return cc_error_set(err, e, "mount overlay on '%s'%s%s (%s)", rootfs, what ? ": " : "",
				    what ? what : "", log + 2);
	}
	return cc_error_set(err, e, "mount overlay on '%s'%s%s", rootfs, what ? ": " : "",
			    what ? what : "");
}

/* fsconfig() strings are limited to 256 bytes; a longer directory is given
 * as the /proc/self/fd path of an O_PATH fd, which the kernel resolves. */
static int fsconfig_dir(int fsfd, const char *key, const char *dir)
{
	if (strlen(dir) < 256)
		return fsconfig(fsfd, FSCONFIG_SET_STRING, key, dir, 0);
	_cleanup_close_ int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	char buf[FDPATH_LEN];
	return fsconfig(fsfd, FSCONFIG_SET_STRING, key, cc_rt_fd_path(fd, buf, sizeof(buf)), 0);
}

/* The new mount API: one "lowerdir+" per layer (kernel >= 6.8), so the
 * number of layers is not bounded by the one-page option string of
 * mount(2).  Returns 1 when mounted, 0 when unsupported, negative on error. */
static int overlay_new_api(const struct cc_run_spec *s, cc_error **err)
{
	if (cc_rt_no_lowerdir_plus)
		return 0;
	_cleanup_close_ int fsfd = fsopen("overlay", FSOPEN_CLOEXEC);
	if (fsfd < 0) {
		if (errno == ENOSYS)
			return 0;
		return overlay_error(-1, s->rootfs_dir, NULL, err);
	}
	for (size_t i = 0; i < s->n_lower; i++) {
		if (fsconfig_dir(fsfd, "lowerdir+", s->lower_dirs[i]) == 0)
			continue;
		/* probe: before 6.8 the key itself is unknown (EINVAL) */
		if (i == 0 && errno == EINVAL)
			return 0;
		_cleanup_free_ char *what = NULL;
		if (asprintf(&what, "lower dir '%s'", s->lower_dirs[i]) < 0)
			what = NULL;
		return overlay_error(fsfd, s->rootfs_dir, what, err);
	}
	if (s->upper_dir != NULL) {
		if (fsconfig_dir(fsfd, "upperdir", s->upper_dir) < 0)
			return overlay_error(fsfd, s->rootfs_dir, "upper dir", err);
		if (fsconfig_dir(fsfd, "workdir", s->work_dir) < 0)
			return overlay_error(fsfd, s->rootfs_dir, "work dir", err);
		/* linux >= 5.10; without it the unmount just syncs */
		if (s->volatile_upper)
			(void)fsconfig(fsfd, FSCONFIG_SET_FLAG, "volatile", NULL, 0);
	}
	/* in a user namespace overlay keeps its xattrs as user.overlay.*
	 * (linux >= 5.11), which the store's rootless layers use */
	if (cc_in_userns() && fsconfig(fsfd, FSCONFIG_SET_FLAG, "userxattr", NULL, 0) < 0)
		return overlay_error(fsfd, s->rootfs_dir, "userxattr", err);
	if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return overlay_error(fsfd, s->rootfs_dir, NULL, err);
	_cleanup_close_ int mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, 0);
	if (mfd < 0)
		return overlay_error(fsfd, s->rootfs_dir, NULL, err);
	if (move_mount(mfd, "", AT_FDCWD, s->rootfs_dir, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return overlay_error(-1, s->rootfs_dir, NULL, err);
	return 1;
}

static int append(char **buf, size_t *len, size_t *cap, const char *s)
{
	size_t n = strlen(s);
	if (*len + n + 1 > *cap) {
		size_t nc = (*len + n + 1) * 2;
		char *nb = realloc(*buf, nc);
		if (nb == NULL)
			return -ENOMEM;
		*buf = nb;
		*cap = nc;
	}
	memcpy(*buf + *len, s, n + 1);
	*len += n;
	return 0;
}

static char *legacy_options(const struct cc_run_spec *s, size_t skip)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int r = append(&buf, &len, &cap, "lowerdir=");
	for (size_t i = 0; r == 0 && i < s->n_lower; i++) {
		if (i > 0)
			r = append(&buf, &len, &cap, ":");
		if (r == 0)
			r = append(&buf, &len, &cap, s->lower_dirs[i] + skip);
	}
	if (r == 0 && s->upper_dir != NULL) {
		r = append(&buf, &len, &cap, ",upperdir=");
		if (r == 0)
			r = append(&buf, &len, &cap, s->upper_dir + skip);
		if (r == 0)
			r = append(&buf, &len, &cap, ",workdir=");
		if (r == 0)
			r = append(&buf, &len, &cap, s->work_dir + skip);
	}
	if (r == 0 && cc_in_userns())
		r = append(&buf, &len, &cap, ",userxattr");
	if (r < 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Length of the longest directory prefix ("/a/b/") shared by every path. */
static size_t common_dir_prefix(const struct cc_run_spec *s)
{
	const char *first = s->n_lower > 0 ? s->lower_dirs[0] : s->upper_dir;
	size_t n = strlen(first);
	const char *all[3] = { s->upper_dir, s->work_dir, NULL };
	for (size_t i = 0; i < s->n_lower + 2; i++) {
		const char *p = i < s->n_lower ? s->lower_dirs[i] : all[i - s->n_lower];
		if (p == NULL)
			continue;
		size_t k = 0;
		while (k < n && p[k] == first[k])
			k++;
		n = k;
	}
	while (n > 0 && first[n - 1] != '/')
		n--;
	return n;
}

int cc_rt_overlay_legacy_options(const struct cc_run_spec *s, char **ret_opts, char **ret_chdir,
				 cc_error **err)
{
	for (size_t i = 0; i < s->n_lower + 2; i++) {
		const char *p = i < s->n_lower ? s->lower_dirs[i] : (i == s->n_lower ? s->upper_dir : s->work_dir);
		if (p != NULL && strpbrk(p, ":,") != NULL)
			return cc_error_setk(err, CC_ERR_INVALID, 0,
					     "mount overlay on '%s': path '%s' contains ':' or ','",
					     s->rootfs_dir, p);
	}
	long page = sysconf(_SC_PAGESIZE);
	size_t limit = page > 0 ? (size_t)page - 1 : 4095;
	_cleanup_free_ char *opts = legacy_options(s, 0);
	if (opts == NULL)
		return cc_error_set(err, ENOMEM, "mount overlay on '%s'", s->rootfs_dir);
	if (strlen(opts) <= limit) {
		*ret_opts = steal_ptr(&opts);
		*ret_chdir = NULL;
		return 0;
	}
	/* Too long for one page: make every path relative to a common parent
	 * and mount from there. */
	size_t skip = common_dir_prefix(s);
	if (skip > 1) {
		cc_freep(&opts);
		opts = legacy_options(s, skip);
		if (opts == NULL)
			return cc_error_set(err, ENOMEM, "mount overlay on '%s'", s->rootfs_dir);
		if (strlen(opts) <= limit) {
			_cleanup_free_ char *dir = strndup(s->n_lower > 0 ? s->lower_dirs[0] : s->upper_dir, skip);
			if (dir == NULL)
				return cc_error_set(err, ENOMEM, "mount overlay on '%s'", s->rootfs_dir);
			*ret_opts = steal_ptr(&opts);
			*ret_chdir = steal_ptr(&dir);
			return 0;
		}
	}
	return cc_error_set(err, E2BIG,
			    "mount overlay on '%s': %zu layers do not fit mount(2)'s one-page option "
			    "string and the kernel lacks overlay 'lowerdir+' (linux >= 6.8)",
			    s->rootfs_dir, s->n_lower);
}

static int overlay_legacy(const struct cc_run_spec *s, cc_error **err)
{
	_cleanup_free_ char *opts = NULL, *dir = NULL;
	int r = cc_rt_overlay_legacy_options(s, &opts, &dir, err);
	if (r < 0)
		return r;
	if (dir != NULL && chdir(dir) < 0)
		return cc_error_set(err, errno, "mount overlay on '%s': chdir '%s'", s->rootfs_dir, dir);
	r = mount("overlay", s->rootfs_dir, "overlay", 0, opts);
	int e = errno;
	if (dir != NULL)
		(void)!chdir("/"); /* only the relative paths needed it */
	if (r < 0)
		return cc_error_set(err, e, "mount overlay on '%s'", s->rootfs_dir);
	return 0;
}

int cc_rt_mount_root(const struct cc_run_spec *s, cc_error **err)
{
	if (s->n_lower == 0) {
		if (mount(s->upper_dir, s->rootfs_dir, NULL, MS_BIND | MS_REC, NULL) < 0)
			return cc_error_set(err, errno, "mount '%s' on '%s'", s->upper_dir, s->rootfs_dir);
		return 0;
	}
	int r = overlay_new_api(s, err);
	if (r != 0)
		return r < 0 ? r : 0;
	return overlay_legacy(s, err);
}

/* --- kernel filesystems ---------------------------------------------------- */

/* A directory for a kernel filesystem inside the root: created when
 * missing, and never reached through a symlink (an image must not be able
 * to redirect where /proc or /dev go). */
static int system_dir(int rootfd, const char *path, mode_t mode, int *ret_fd, cc_error **err)
{
	int fd = -1;
	int r = cc_rt_make_in_root(rootfd, path, true, mode, &fd);
	if (r < 0)
		return cc_error_set(err, -r, "create '%s' in the container", path);
	(void)close(fd);
	fd = cc_rt_open_in_root(rootfd, path, O_PATH | O_DIRECTORY, RESOLVE_NO_SYMLINKS);
	if (fd < 0)
		return cc_error_set(err, -fd, "open '%s' in the container", path);
	*ret_fd = fd;
	return 0;
}

static int mount_proc(int rootfd, cc_error **err)
{
	_cleanup_close_ int fd = -1;
	int r = system_dir(rootfd, "/proc", 0555, &fd, err);
	if (r < 0)
		return r;
	/* must happen in the child: a procfs shows the pid namespace of the
	 * process that mounts it */
	if (mount_on_fd("proc", fd, "proc", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL) < 0)
		return cc_error_set(err, errno, "mount proc on '/proc'");
	return 0;
}

struct devnode {
	const char *name;
	const char *host; /* bind source when mknod is refused */
	unsigned int major, minor;
};

static const struct devnode devnodes[] = {
	{ "null", "/dev/null", 1, 3 },       { "zero", "/dev/zero", 1, 5 },
	{ "full", "/dev/full", 1, 7 },       { "random", "/dev/random", 1, 8 },
	{ "urandom", "/dev/urandom", 1, 9 }, { "tty", "/dev/tty", 5, 0 },
};

static const char *const devlinks[][2] = {
	{ "fd", "/proc/self/fd" },
	{ "stdin", "/proc/self/fd/0" },
	{ "stdout", "/proc/self/fd/1" },
	{ "stderr", "/proc/self/fd/2" },
	{ "ptmx", "pts/ptmx" },
	{ "core", "/proc/kcore" },
};

static int dev_sub(int devfd, const char *name, mode_t mode, const char *fstype,
		   unsigned long flags, const char *data, cc_error **err)
{
	if (mkdirat(devfd, name, mode) < 0 && errno != EEXIST)
		return cc_error_set(err, errno, "create '/dev/%s'", name);
	_cleanup_close_ int fd = openat(devfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return cc_error_set(err, errno, "open '/dev/%s'", name);
	if (mount_on_fd(fstype, fd, fstype, flags, data) < 0)
		return cc_error_set(err, errno, "mount %s on '/dev/%s'", fstype, name);
	return 0;
}

/* --privileged: the host's device nodes, as docker gives them (a copy of
 * every char and block device under the host's /dev, same numbers, modes
 * and owners; not pts, shm, mqueue: the container has its own).  Runs
 * before pivot_root, while "/dev" is still the host's.  depth bounds the
 * walk (/dev/bus/usb/001/002 is the deepest usual one). */
static int copy_host_devices(int hostfd, int devfd, int depth, cc_error **err)
{
	_cleanup_closedir_ DIR *d = fdopendir(hostfd);
	if (d == NULL) {
		int e = errno;
		(void)close(hostfd);
		return cc_error_set(err, e, "read the host's /dev");
	}
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		const char *n = de->d_name;
		if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0 ||
		    (depth == 0 && (strcmp(n, "pts") == 0 || strcmp(n, "shm") == 0 ||
				    strcmp(n, "mqueue") == 0 || strcmp(n, "ptmx") == 0 ||
				    strcmp(n, "console") == 0)))
			continue;
		struct stat st;
		if (fstatat(dirfd(d), n, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue; /* vanished meanwhile */
		if (S_ISDIR(st.st_mode) && depth < 4) {
			if (mkdirat(devfd, n, st.st_mode & 07777) < 0 && errno != EEXIST)
				return cc_error_set(err, errno, "create '/dev/%s'", n);
			int sub = openat(dirfd(d), n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			_cleanup_close_ int dsub = openat(devfd, n, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0 || dsub < 0) {
				cc_closep(&sub);
				continue;
			}
			int r = copy_host_devices(sub, dsub, depth + 1, err);
			if (r < 0)
				return r;
		} else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
			if (mknodat(devfd, n, st.st_mode, st.st_rdev) < 0) {
				if (errno == EEXIST)
					continue; /* one of the standard nodes */
				return cc_error_set(err, errno, "mknod '/dev/%s'", n);
			}
			(void)fchownat(devfd, n, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW);
		}
	}
	return 0;
}

static int mount_dev(int rootfd, bool privileged, int64_t shm_size, cc_error **err)
{
	_cleanup_close_ int fd = -1;
	int r = system_dir(rootfd, "/dev", 0755, &fd, err);
	if (r < 0)
		return r;
	/* no MS_NODEV here: the device nodes below must work */
	if (mount_on_fd("tmpfs", fd, "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k") < 0)
		return cc_error_set(err, errno, "mount tmpfs on '/dev'");
	/* re-resolve: the old fd is the directory under the new tmpfs */
	_cleanup_close_ int devfd = cc_rt_open_in_root(rootfd, "/dev", O_PATH | O_DIRECTORY,
						       RESOLVE_NO_SYMLINKS);
	if (devfd < 0)
		return cc_error_set(err, -devfd, "open '/dev' in the container");

	for (size_t i = 0; i < sizeof(devnodes) / sizeof(devnodes[0]); i++) {
		const struct devnode *d = &devnodes[i];
		if (mknodat(devfd, d->name, S_IFCHR | 0666, makedev(d->major, d->minor)) == 0)
			continue;
		if (errno != EPERM)
			return cc_error_set(err, errno, "mknod '/dev/%s'", d->name);
		/* mknod refused (device cgroup, LSM): bind the host's node */
		_cleanup_close_ int nfd = openat(devfd, d->name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
		if (nfd < 0)
			return cc_error_set(err, errno, "create '/dev/%s'", d->name);
		_cleanup_close_ int pfd = openat(devfd, d->name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (pfd < 0 || mount_on_fd(d->host, pfd, NULL, MS_BIND, NULL) < 0)
			return cc_error_set(err, errno, "bind '%s' on '/dev/%s'", d->host, d->name);
	}
	for (size_t i = 0; i < sizeof(devlinks) / sizeof(devlinks[0]); i++)
		if (symlinkat(devlinks[i][1], devfd, devlinks[i][0]) < 0)
			return cc_error_set(err, errno, "symlink '/dev/%s'", devlinks[i][0]);

	/* a devpts of our own: ptys of the container are not the host's */
	if (privileged) {
		int host = open("/dev", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (host < 0)
			return cc_error_set(err, errno, "open the host's /dev");
		if ((r = copy_host_devices(host, devfd, 0, err)) < 0)
			return r;
	}
	r = dev_sub(devfd, "pts", 0755, "devpts", MS_NOSUID | MS_NOEXEC,
		    "newinstance,ptmxmode=0666,mode=0620,gid=5", err);
	char shm_opts[64];
	snprintf(shm_opts, sizeof(shm_opts), "mode=1777,size=%lldk",
		 shm_size > 0 ? (long long)((shm_size + 1023) / 1024) : 65536LL);
	if (r == 0)
		r = dev_sub(devfd, "shm", 01777, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, shm_opts, err);
	/* mqueue shows the ipc namespace of the mounter: ours is new */
	if (r == 0)
		r = dev_sub(devfd, "mqueue", 0755, "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, err);
	return r;
}

static int mount_sys(int rootfd, bool cgroup2, bool privileged, cc_error **err)
{
	_cleanup_close_ int fd = -1;
	int r = system_dir(rootfd, "/sys", 0555, &fd, err);
	if (r < 0)
		return r;
	/* --privileged: /sys (and the cgroup2 below) read-write, as docker */
	unsigned long flags = MS_NOSUID | MS_NOEXEC | MS_NODEV | (privileged ? 0 : MS_RDONLY);
	if (mount_on_fd("sysfs", fd, "sysfs", flags, NULL) < 0) {
		/* A sysfs can only be mounted by someone owning the network
		 * namespace it shows; with --net host under a non-initial user
		 * namespace that fails, so bind the host's /sys read-only. */
		if (errno != EPERM)
			return cc_error_set(err, errno, "mount sysfs on '/sys'");
		if (mount_on_fd("/sys", fd, NULL, MS_BIND | MS_REC, NULL) < 0)
			return cc_error_set(err, errno, "bind '/sys' on '/sys'");
		_cleanup_close_ int top = cc_rt_open_in_root(rootfd, "/sys", O_PATH | O_DIRECTORY,
							     RESOLVE_NO_SYMLINKS);
		if (top < 0 || make_readonly(top, "", true) < 0)
			return cc_error_set(err, top < 0 ? -top : errno, "remount '/sys' read-only");
	}
	if (!cgroup2)
		return 0;
	/* Only on a pure cgroup2 host: the container sees its own cgroup as
	 * the root, because the child unshared its cgroup namespace after
	 * it moved into it.  (cgroup v1 hierarchies are not provided.) */
	_cleanup_close_ int cfd = cc_rt_open_in_root(rootfd, "/sys/fs/cgroup", O_PATH | O_DIRECTORY,
						     RESOLVE_NO_SYMLINKS);
	if (cfd < 0)
		return cc_error_set(err, -cfd, "open '/sys/fs/cgroup' in the container");
	if (mount_on_fd("cgroup2", cfd, "cgroup2", flags, NULL) < 0)
		return cc_error_set(err, errno, "mount cgroup2 on '/sys/fs/cgroup'");
	return 0;
}

/* --- etc files, user binds and tmpfs -------------------------------------- */

/* A bind's propagation once it is mounted (fd: the new mount): MS_PRIVATE,
 * MS_SHARED or MS_SLAVE, recursive with MS_REC. */
static int set_propagation(int fd, unsigned long flags)
{
	struct mount_attr attr = { .propagation = flags & ~MS_REC };
	unsigned int fl = AT_EMPTY_PATH | ((flags & MS_REC) ? AT_RECURSIVE : 0);
	if (mount_setattr(fd, "", fl, &attr, sizeof(attr)) == 0)
		return 0;
	if (errno != ENOSYS)
		return -1;
	char buf[FDPATH_LEN]; /* kernels < 5.12 */
	return mount(NULL, cc_rt_fd_path(fd, buf, sizeof(buf)), NULL, flags, NULL);
}

/* srcfd: the bind source, opened by open_sources().  root_slave: the
 * namespace is rslave (a bind wants host events), so a bind copies its
 * source's slave state and every bind gets its own propagation set. */
static int mount_one(int rootfd, const struct cc_rt_mount *m, int srcfd, bool root_slave, cc_error **err)
{
	bool dir = m->kind == CC_RT_MOUNT_TMPFS || m->source_is_dir;
	_cleanup_close_ int fd = -1;
	int r = cc_rt_make_in_root(rootfd, m->target, dir, 0755, &fd);
	if (r < 0)
		return cc_error_set(err, -r, "create mount target '%s' in the container", m->target);
	if (m->kind == CC_RT_MOUNT_TMPFS) {
		if (mount_on_fd("tmpfs", fd, "tmpfs", m->flags, m->data) < 0)
			return cc_error_set(err, errno, "mount tmpfs on '%s'", m->target);
		return 0;
	}
	if (m->copy_up && (r = cc_rt_copy_up(rootfd, m->target, srcfd, err)) < 0)
		return r;
	char src[FDPATH_LEN];
	if (mount_on_fd(cc_rt_fd_path(srcfd, src, sizeof(src)), fd, NULL, MS_BIND | MS_REC, NULL) < 0)
		return cc_error_set(err, errno, "bind '%s' on '%s'", m->source, m->target);
	if (!m->readonly && !root_slave)
		return 0;
	_cleanup_close_ int top = cc_rt_open_in_root(rootfd, m->target, O_PATH, 0);
	if (top < 0)
		return cc_error_set(err, -top, "open mount '%s' in the container", m->target);
	unsigned long prop = m->propagation != 0 ? m->propagation : MS_PRIVATE | MS_REC;
	if (root_slave && set_propagation(top, prop) < 0)
		return cc_error_set(err, errno, "set the propagation of '%s'", m->target);
	if (m->readonly && make_readonly(top, "", true) < 0)
		return cc_error_set(err, errno, "remount '%s' read-only", m->target);
	return 0;
}

/* --- pivot_root, masks ---------------------------------------------------- */

/* crun's do_pivot: pivot_root(".", ".") stacks the old root on top of the
 * new one at "/"; stepping onto it through an fd and detaching it leaves
 * only the container's tree, with no directory needed for the old root. */
static int do_pivot(const char *rootfs, cc_error **err)
{
	_cleanup_close_ int oldroot = open("/", O_DIRECTORY | O_PATH | O_CLOEXEC);
	if (oldroot < 0)
		return cc_error_set(err, errno, "open '/'");
	_cleanup_close_ int newroot = open(rootfs, O_DIRECTORY | O_PATH | O_CLOEXEC);
	if (newroot < 0)
		return cc_error_set(err, errno, "open '%s'", rootfs);
	if (fchdir(newroot) < 0)
		return cc_error_set(err, errno, "chdir to '%s'", rootfs);
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return cc_error_set(err, errno, "pivot_root to '%s'", rootfs);
	if (fchdir(oldroot) < 0)
		return cc_error_set(err, errno, "chdir to the old root");
	/* already rprivate (or rslave) from the start; rslave again so
	 * that no umount event can ever propagate back to the host */
	if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return cc_error_set(err, errno, "make the old root rslave");
	if (umount2(".", MNT_DETACH) < 0)
		return cc_error_set(err, errno, "detach the old root");
	/* more than one mount may be stacked there */
	while (umount2(".", MNT_DETACH) == 0)
		;
	if (chdir("/") < 0)
		return cc_error_set(err, errno, "chdir to '/'");
	return 0;
}

static int mask_paths(cc_error **err)
{
	for (const char *const *p = cc_rt_masked_paths; *p != NULL; p++) {
		struct stat st;
		if (lstat(*p, &st) < 0) {
			if (errno == ENOENT)
				continue;
			return cc_error_set(err, errno, "mask '%s'", *p);
		}
		int r;
		if (S_ISDIR(st.st_mode))
			r = mount("tmpfs", *p, "tmpfs", MS_RDONLY, NULL);
		else
			r = mount("/dev/null", *p, NULL, MS_BIND, NULL);
		if (r < 0 && errno != ENOENT)
			return cc_error_set(err, errno, "mask '%s'", *p);
	}
	for (const char *const *p = cc_rt_readonly_paths; *p != NULL; p++) {
		if (mount(*p, *p, NULL, MS_BIND | MS_REC, NULL) < 0) {
			if (errno == ENOENT)
				continue;
			return cc_error_set(err, errno, "bind '%s' read-only", *p);
		}
		if (make_readonly(AT_FDCWD, *p, true) < 0)
			return cc_error_set(err, errno, "remount '%s' read-only", *p);
	}
	return 0;
}

int cc_rt_bind_console(int slave_fd, cc_error **err)
{
	_cleanup_close_ int fd = open("/dev/console", O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return cc_error_set(err, errno, "create '/dev/console'");
	char src[FDPATH_LEN];
	if (mount_on_fd(cc_rt_fd_path(slave_fd, src, sizeof(src)), fd, NULL, MS_BIND, NULL) < 0)
		return cc_error_set(err, errno, "bind the pty on '/dev/console'");
	return 0;
}

/* Open the source of every bind in the plan (srcfd[i], -1 for a tmpfs).
 * Before the root is mounted: the root may cover the directory that holds
 * some of them (the container's own files beside its upper dir, when
 * rootfs_dir is their parent).  In the child: a bind's source must be in
 * the mount namespace that binds it. */
static int open_sources(const struct cc_rt_plan *plan, int *srcfd, cc_error **err)
{
	for (size_t i = 0; i < plan->n_mounts; i++) {
		const struct cc_rt_mount *m = &plan->mounts[i];
		if (m->kind != CC_RT_MOUNT_BIND)
			continue;
		srcfd[i] = open(m->source, O_PATH | O_CLOEXEC);
		if (srcfd[i] < 0)
			return cc_error_set(err, errno, "open bind source '%s'", m->source);
	}
	return 0;
}

static int setup_root(const struct cc_rt_plan *plan, const int *srcfd, cc_error **err)
{
	const struct cc_run_spec *s = plan->spec;

	/* The root.  Mounted read-write even with read_only: the mount targets
	 * below and the cwd may need creating; it turns read-only last. */
	int r = cc_rt_mount_root(s, err);
	if (r < 0)
		return r;
	/* opened after the mount so it is the overlay's root, not the dir */
	_cleanup_close_ int rootfd = open(s->rootfs_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return cc_error_set(err, errno, "open '%s'", s->rootfs_dir);

	/* Kernel filesystems, while the host's /dev is still reachable for the
	 * bind fallback of device nodes. */
	if ((r = mount_proc(rootfd, err)) < 0 || (r = mount_dev(rootfd, s->privileged, s->shm_size, err)) < 0 ||
	    (r = mount_sys(rootfd, plan->host_cgroup2, s->privileged, err)) < 0)
		return r;

	/* The etc files and the user's mounts, parents before children (the
	 * plan is sorted by depth), while their host sources are reachable. */
	for (size_t i = 0; i < plan->n_mounts; i++)
		if ((r = mount_one(rootfd, &plan->mounts[i], srcfd[i], plan->root_slave, err)) < 0)
			return r;

	/* The working directory: docker creates it (root, 0755) before the
	 * root can become read-only. */
	_cleanup_close_ int cwdfd = -1;
	r = cc_rt_make_in_root(rootfd, plan->cwd, true, 0755, &cwdfd);
	if (r < 0)
		return cc_error_set(err, -r, "create working directory '%s'", plan->cwd);

	if ((r = do_pivot(s->rootfs_dir, err)) < 0)
		return r;

	/* Masks go on top of the container's own /proc and /sys, so after
	 * pivot_root, where "/proc/..." can only mean those. */
	if (!s->privileged && (r = mask_paths(err)) < 0)
		return r;

	/* Last: the root itself, alone (not /proc, /dev, binds, tmpfs). */
	if (s->read_only && make_readonly(AT_FDCWD, "/", false) < 0)
		return cc_error_set(err, errno, "remount '/' read-only");
	return 0;
}

int cc_rt_setup_rootfs(const struct cc_rt_plan *plan, cc_error **err)
{
	/* First, before any mount: nothing we do may propagate to the host's
	 * mount namespace, and pivot_root refuses shared mounts.  rslave
	 * when a bind wants the host's mount events (runc's default): they
	 * still flow in, never out. */
	if (mount(NULL, "/", NULL, MS_REC | (plan->root_slave ? MS_SLAVE : MS_PRIVATE), NULL) < 0)
		return cc_error_set(err, errno, "make '/' %s", plan->root_slave ? "rslave" : "rprivate");

	_cleanup_free_ int *srcfd = malloc((plan->n_mounts + 1) * sizeof(int));
	if (srcfd == NULL)
		return cc_error_set(err, ENOMEM, "set up the root");
	for (size_t i = 0; i < plan->n_mounts; i++)
		srcfd[i] = -1;
	int r = open_sources(plan, srcfd, err);
	if (r == 0)
		r = setup_root(plan, srcfd, err);
	for (size_t i = 0; i < plan->n_mounts; i++)
		cc_closep(&srcfd[i]);
	return r;
}
