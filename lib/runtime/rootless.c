/* Rootless: an ordinary user's ccontainer works inside a user namespace
 * of its own, where the user is root and the user's subordinate IDs
 * (/etc/subuid, /etc/subgid, mapped by the setuid newuidmap/newgidmap)
 * are the other IDs.  One long-lived process holds that namespace and a
 * mount namespace in it (the pause process, as podman's); every ccontainer
 * of the user joins both first thing (runtime.h: cc_rootless_enter), so
 * the store's files, the containers and their namespaces all belong to
 * the one user namespace, whatever process made them. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime.h"
#include "util/util.h"

bool cc_rootless(void)
{
	/* not root, or root of the namespace we entered (the mark survives
	 * the re-exec and goes to the monitor, __start, ...): root of some
	 * other user namespace (an unprivileged LXD container, unshare -r)
	 * keeps root's defaults */
	const char *m = getenv(CC_ROOTLESS_ENV);
	return geteuid() != 0 || (m != NULL && strcmp(m, "1") == 0 && cc_in_userns());
}

/* The user's ID on the host: getuid() before cc_rootless_enter, the
 * outside ID of root's in its namespace after it. */
static unsigned host_uid(void)
{
	if (!cc_in_userns())
		return (unsigned)getuid();
	_cleanup_fclose_ FILE *f = fopen("/proc/self/uid_map", "re");
	unsigned long in, out, count;
	while (f != NULL && fscanf(f, "%lu %lu %lu", &in, &out, &count) == 3)
		if (in == 0)
			return (unsigned)out;
	return (unsigned)getuid();
}

/* The user's home: $HOME, else the passwd entry's (cron, env -i). */
static const char *home_dir(void)
{
	const char *home = getenv("HOME");
	if (home != NULL && home[0] == '/')
		return home;
	struct passwd *pw = getpwuid(host_uid());
	return pw != NULL && pw->pw_dir != NULL && pw->pw_dir[0] == '/' ? pw->pw_dir : NULL;
}

/* $VAR/ccontainer, or HOME/fallback/ccontainer; NULL without either. */
static const char *xdg_path(char *buf, size_t len, const char *var, const char *fallback)
{
	const char *v = getenv(var), *home = home_dir();
	if (v != NULL && v[0] == '/')
		snprintf(buf, len, "%s/ccontainer", v);
	else if (home != NULL)
		snprintf(buf, len, "%s/%s/ccontainer", home, fallback);
	else
		return NULL;
	return buf;
}

/* Each computed once, and the same in every process of the user's: the
 * environment, and the host's uid (not the namespace's 0).  A user with
 * no home has no default store (NULL: --root or $CCONTAINER_ROOT it is). */
const char *cc_rootless_default_root(void)
{
	static char buf[4096];
	if (buf[0] == '\0' && xdg_path(buf, sizeof(buf), "XDG_DATA_HOME", ".local/share") == NULL)
		return NULL;
	return buf;
}

const char *cc_rootless_default_config(void)
{
	static char buf[4096];
	if (buf[0] == '\0' && xdg_path(buf, sizeof(buf), "XDG_CONFIG_HOME", ".config") == NULL)
		return NULL;
	return buf;
}

const char *cc_rootless_default_runroot(void)
{
	static char buf[4096];
	if (buf[0] != '\0')
		return buf;
	const char *v = getenv("XDG_RUNTIME_DIR");
	if (v != NULL && v[0] == '/' && access(v, W_OK) == 0)
		snprintf(buf, sizeof(buf), "%s/ccontainer", v);
	else
		snprintf(buf, sizeof(buf), "/tmp/ccontainer-run-%u", host_uid());
	return buf;
}

int cc_subid_lookup(const char *file, const char *user, uid_t id, struct cc_idrange *ret, cc_error **err)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	cc_error *e = NULL;
	if (cc_read_file(file, 1 << 20, &text, &len, &e) < 0) {
		if (e->errnum == ENOENT) {
			cc_error_free(e);
			return 0;
		}
		if (err != NULL && *err == NULL)
			*err = e;
		else
			cc_error_free(e);
		return -1;
	}
	char idtext[16];
	snprintf(idtext, sizeof(idtext), "%u", (unsigned)id);
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (c2 == NULL)
			continue;
		*c1 = '\0';
		if (strcmp(line, idtext) != 0 && (user == NULL || strcmp(line, user) != 0))
			continue;
		char *end1, *end2;
		errno = 0;
		unsigned long start = strtoul(c1 + 1, &end1, 10), count = strtoul(c2 + 1, &end2, 10);
		if (errno != 0 || end1 != c2 || (*end2 != '\0' && *end2 != '\r') || count == 0 || start > UINT32_MAX ||
		    count > UINT32_MAX - start)
			continue;
		ret->start = (uint32_t)start;
		ret->count = (uint32_t)count;
		return 1;
	}
	return 0;
}

/* The setuid helper at a Debian path or on $PATH; NULL without it. */
static const char *helper(const char *name, char *buf, size_t len)
{
	static const char *const dirs[] = { "/usr/bin", "/usr/sbin", "/bin", "/usr/local/bin" };
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(buf, len, "%s/%s", dirs[i], name);
		if (access(buf, X_OK) == 0)
			return buf;
	}
	return NULL;
}

/* newuidmap PID 0 ID 1 1 START COUNT (the user is root inside, the range
 * 1 and up), waited for; its own stderr says why it refused. */
static int run_idmap(const char *path, pid_t pid, unsigned id, const struct cc_idrange *r, cc_error **err)
{
	char spid[16], sid[16], sstart[16], scount[16];
	snprintf(spid, sizeof(spid), "%d", (int)pid);
	snprintf(sid, sizeof(sid), "%u", id);
	snprintf(sstart, sizeof(sstart), "%u", r->start);
	snprintf(scount, sizeof(scount), "%u", r->count);
	pid_t k = fork();
	if (k < 0)
		return cc_error_set(err, errno, "fork %s", path);
	if (k == 0) {
		execl(path, path, spid, "0", sid, "1", "1", sstart, scount, (char *)NULL);
		_exit(127);
	}
	int st = 0;
	while (waitpid(k, &st, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return cc_error_setk(err, CC_ERR_GENERIC, 0, "%s %s 0 %s 1 1 %s %s failed (exit %d)", path, spid, sid,
				     sstart, scount, WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	return 0;
}

static int write_proc(pid_t pid, const char *file, const char *text, cc_error **err)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || cc_write_all(fd, text, strlen(text)) < 0)
		return cc_error_set(err, errno, "write %s", path);
	return 0;
}

/* The maps of the new namespace of pid: the user's ranges through the
 * setuid helpers, or the user alone (with a warning that says why). */
static int write_maps(pid_t pid, cc_error **err)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	struct passwd *pw = getpwuid(uid);
	const char *user = pw ? pw->pw_name : NULL;
	struct cc_idrange ur = { 0 }, gr = { 0 };
	int hu = cc_subid_lookup("/etc/subuid", user, uid, &ur, err);
	if (hu < 0)
		return -1;
	int hg = cc_subid_lookup("/etc/subgid", user, uid, &gr, err);
	if (hg < 0)
		return -1;
	char nu[256], ng[256];
	const char *newuidmap = helper("newuidmap", nu, sizeof(nu)), *newgidmap = helper("newgidmap", ng, sizeof(ng));
	if (hu && hg && newuidmap && newgidmap) {
		if (run_idmap(newuidmap, pid, uid, &ur, err) < 0 || run_idmap(newgidmap, pid, gid, &gr, err) < 0)
			return -1;
		return 0;
	}
	if (!hu || !hg)
		cc_warnf("no %s range for user %s in /etc/%s: only the user's own ID is mapped (root in the "
			 "containers); files of an image owned by other IDs become root's",
			 hu ? "subgid" : "subuid", user ? user : "?", hu ? "subgid" : "subuid");
	else
		cc_warnf("%s not installed (Debian: uidmap): only the user's own ID is mapped (root in the containers)",
			 newuidmap ? "newgidmap" : "newuidmap");
	char map[64];
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)uid);
	if (write_proc(pid, "uid_map", map, err) < 0 || write_proc(pid, "setgroups", "deny", err) < 0)
		return -1;
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)gid);
	return write_proc(pid, "gid_map", map, err);
}

static _Noreturn void pause_forever(void)
{
	(void)setsid();
	(void)close_range(3, ~0U, 0);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		(void)dup2(null, 0);
		(void)dup2(null, 1);
		(void)dup2(null, 2);
	}
	if (chdir("/") < 0)
		_exit(1);
	/* terminal signals never reach it (its own session); SIGTERM ends it */
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	/* Not ccontainer's image: a process holding the binary would make
	 * replacing it in place fail (ETXTBSY), and sleep is small. */
	execl("/bin/sleep", "sleep", "infinity", (char *)NULL);
	for (;;)
		pause();
}

/* The pause process recorded in the file: its pid when it is alive and
 * is the one recorded (the pid with the same start time), else 0. */
static pid_t recorded_pause(const char *pidfile, unsigned long long *ret_start)
{
	char buf[64] = "";
	_cleanup_close_ int fd = open(pidfile, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	int pid = 0;
	unsigned long long start = 0;
	if (sscanf(buf, "%d %llu", &pid, &start) != 2 || pid <= 1)
		return 0;
	*ret_start = start;
	return start != 0 && cc_pid_start_time(pid) == start ? pid : 0;
}

/* A new pause process (double-forked: init's child), its maps written:
 * its pid, or -1. */
static pid_t make_pause(cc_error **err)
{
	int up[2], down[2];
	if (pipe2(up, O_CLOEXEC) < 0)
		return cc_error_set(err, errno, "pipe");
	if (pipe2(down, O_CLOEXEC) < 0) {
		close(up[0]);
		close(up[1]);
		return cc_error_set(err, errno, "pipe");
	}
	pid_t mid = fork();
	if (mid < 0) {
		int e = errno;
		close(up[0]), close(up[1]), close(down[0]), close(down[1]);
		return cc_error_set(err, e, "fork");
	}
	if (mid == 0) {
		close(up[0]);
		close(down[1]);
		pid_t k = fork();
		if (k != 0)
			_exit(k < 0);
		/* the pause process: a namespace of its own, told when mapped */
		pid_t me = getpid();
		char ok = unshare(CLONE_NEWUSER | CLONE_NEWNS) == 0 ? 1 : 0;
		int e = errno;
		if (write(up[1], &me, sizeof(me)) != (ssize_t)sizeof(me) || write(up[1], &ok, 1) != 1 ||
		    write(up[1], &e, sizeof(e)) != (ssize_t)sizeof(e) || !ok)
			_exit(1);
		char go = 0;
		if (read(down[0], &go, 1) != 1 || go != 1)
			_exit(1);
		pause_forever();
	}
	close(up[1]);
	close(down[0]);
	int st;
	while (waitpid(mid, &st, 0) < 0 && errno == EINTR)
		;
	pid_t pid = 0;
	char ok = 0;
	int e = 0;
	int rc = 0;
	if (read(up[0], &pid, sizeof(pid)) != (ssize_t)sizeof(pid) || read(up[0], &ok, 1) != 1 ||
	    read(up[0], &e, sizeof(e)) != (ssize_t)sizeof(e))
		rc = cc_error_setk(err, CC_ERR_GENERIC, 0, "start the rootless user namespace: its process ended");
	else if (!ok)
		rc = cc_error_set(err, e, "create a user namespace (rootless; is user.max_user_namespaces 0, or "
					  "kernel.apparmor_restrict_unprivileged_userns 1?)");
	if (rc == 0)
		rc = write_maps(pid, err);
	char go = rc == 0 ? 1 : 0;
	if (write(down[1], &go, 1) != 1 && rc == 0)
		rc = cc_error_set(err, errno, "start the rootless user namespace");
	close(up[0]);
	close(down[1]);
	if (rc < 0) {
		if (pid > 0)
			(void)kill(pid, SIGKILL);
		return -1;
	}
	return pid;
}

/* Join the pause process's user and mount namespaces, both or neither
 * (setns through a pidfd, Linux >= 5.8), the pid checked to be the one
 * recorded after the pidfd pins it.  The working directory is kept (a
 * mount namespace change resets it to /). */
static int join(pid_t pid, unsigned long long start, cc_error **err)
{
	_cleanup_close_ int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pfd < 0)
		return cc_error_set(err, errno, "the rootless namespaces' process %d", (int)pid);
	if (cc_pid_start_time(pid) != start)
		return cc_error_setk(err, CC_ERR_GENERIC, 0, "the rootless namespaces' process %d is gone", (int)pid);
	char cwd[4096];
	bool has_cwd = getcwd(cwd, sizeof(cwd)) != NULL;
	if (setns(pfd, CLONE_NEWUSER | CLONE_NEWNS) < 0)
		return cc_error_set(err, errno, "join the rootless namespaces of process %d", (int)pid);
	cc_userns_changed();
	if (has_cwd && chdir(cwd) < 0)
		return cc_error_set(err, errno, "the working directory '%s' in the rootless namespace", cwd);
	return 0;
}

int cc_rootless_enter(const char *runroot, cc_error **err)
{
	if (geteuid() == 0)
		return 0;
	/* the runroot is the user's alone: made 0700, and checked to be a
	 * directory of the user's (not something planted under /tmp) */
	if (mkdir(runroot, 0700) < 0 && errno != EEXIST)
		return cc_error_set(err, errno, "create the runroot '%s'", runroot);
	struct stat st;
	if (lstat(runroot, &st) < 0)
		return cc_error_set(err, errno, "runroot '%s'", runroot);
	if (!S_ISDIR(st.st_mode) || st.st_uid != getuid() || (st.st_mode & 077) != 0)
		return cc_error_setk(err, CC_ERR_GENERIC, 0,
				     "runroot '%s' must be a directory of user %u's with mode 0700", runroot,
				     (unsigned)getuid());
	char lockpath[4200], pidpath[4200];
	snprintf(lockpath, sizeof(lockpath), "%s/pause.lock", runroot);
	snprintf(pidpath, sizeof(pidpath), "%s/pause.pid", runroot);
	/* the common case without the lock: a live pause process */
	unsigned long long start = 0;
	pid_t pid = recorded_pause(pidpath, &start);
	if (pid > 0 && join(pid, start, NULL) == 0)
		return 0;
	_cleanup_close_ int lock = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (lock < 0 || flock(lock, LOCK_EX) < 0)
		return cc_error_set(err, errno, "lock '%s'", lockpath);
	pid = recorded_pause(pidpath, &start);
	if (pid > 0 && join(pid, start, NULL) == 0)
		return 0;
	/* none, or one that is going (a zombie keeps its pid, not its
	 * namespaces): a new one */
	{
		if ((pid = make_pause(err)) < 0)
			return -1;
		char text[64];
		start = cc_pid_start_time(pid);
		int len = snprintf(text, sizeof(text), "%d %llu\n", (int)pid, start);
		if (cc_write_file_atomic(pidpath, text, (size_t)len, 0600, err) < 0) {
			(void)kill(pid, SIGKILL);
			return -1;
		}
	}
	return join(pid, start, err);
}
