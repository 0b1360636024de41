/* Container lifecycle verbs: ps, logs, stop, kill, start, restart, rm, wait,
 * container prune/inspect, attach, and the monitor's two internal steps
 * (__start, __cleanup).
 *
 * There is no daemon: a running container is one whose monitor (or, for a
 * foreground `run`, the run process itself) holds an exclusive flock on
 * containers/<id>/monitor.lock.  A free lock on a container the store calls
 * running means its monitor died (or the machine rebooted): the container is
 * then finished on the spot, so `ps` never shows it running forever. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "container/container.h"
#include "monitor/protocol.h"
#include "util/strbuf.h"
#include "net.h"
#include "util/json.h"
#include "template/template.h"

/* ---- state ---- */

static char *container_file(struct cc_store *s, const char *id, const char *name)
{
	_cleanup_free_ char *dir = cc_store_container_path(s, id);
	char *p = NULL;
	if (dir == NULL || asprintf(&p, "%s/%s", dir, name) < 0)
		return NULL;
	return p;
}

/* Is someone (monitor or foreground run) holding the container's lock?
 * Checkers take it shared, so two of them never look like an owner to
 * each other; an owner starting at that instant retries (monitor.c). */
bool cmd_container_locked(struct cc_store *s, const char *id)
{
	_cleanup_free_ char *p = container_file(s, id, "monitor.lock");
	_cleanup_close_ int fd = p ? open(p, O_RDONLY | O_CLOEXEC) : -1;
	if (fd < 0)
		return false;
	if (flock(fd, LOCK_SH | LOCK_NB) == 0) {
		(void)flock(fd, LOCK_UN);
		return false;
	}
	return errno == EWOULDBLOCK;
}

static bool monitor_alive(struct cc_store *s, const char *id)
{
	return cmd_container_locked(s, id);
}

/* The recorded pid still names this container's process (not a recycled
 * pid, e.g. after a reboot): same start time as when it was recorded. */
static bool pid_is_container(const struct cc_container_record *c)
{
	return c->pid > 0 && c->pid_start != 0 && cc_pid_start_time(c->pid) == c->pid_start;
}

/* The exit status the monitor recorded (protocol.h), or -1. */
static int recorded_exit(struct cc_store *s, const char *id)
{
	_cleanup_free_ char *dir = cc_store_container_path(s, id), *path = NULL, *text = NULL;
	size_t len = 0;
	cc_error *e = NULL;
	if (dir == NULL || asprintf(&path, "%s/" CC_MON_EXIT_FILE, dir) < 0 || cc_read_file(path, 32, &text, &len, &e) < 0) {
		cc_error_free(e);
		return -1;
	}
	char *end = NULL;
	long v = strtol(text, &end, 10);
	return end != text && *end == '\n' && v >= 0 && v <= 255 ? (int)v : -1;
}

/* ---- restart policies, health (lib/container) ---- */

/* stop, kill, rm -f: the container was stopped by hand, which its
 * monitor's restart loop reads; start and restart clear it. */
static void mark_stopped(struct cc_store *s, const char *id, bool stopped)
{
	_cleanup_free_ char *p = container_file(s, id, CC_CONTAINER_STOPPED_FILE);
	if (p == NULL)
		return;
	if (!stopped) {
		(void)unlink(p);
		return;
	}
	int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0)
		close(fd);
}

static bool stopped_by_hand(struct cc_store *s, const char *id)
{
	_cleanup_free_ char *p = container_file(s, id, CC_CONTAINER_STOPPED_FILE);
	return p != NULL && access(p, F_OK) == 0;
}

int64_t cmd_container_restart_count(struct cc_store *s, const char *id)
{
	_cleanup_free_ char *p = container_file(s, id, CC_CONTAINER_RESTARTS_FILE), *text = NULL;
	size_t len = 0;
	cc_error *e = NULL;
	if (p == NULL || cc_read_file(p, 32, &text, &len, &e) < 0) {
		cc_error_free(e);
		return 0;
	}
	long long v = strtoll(text, NULL, 10);
	return v > 0 ? v : 0;
}

json_t *cmd_container_health(struct cc_store *s, const struct cc_container_record *c, const json_t *cfg)
{
	struct cc_health_config hc;
	if (cc_health_config_from_json(json_object_get(cfg, "Healthcheck"), &hc, NULL) != 1)
		return NULL;
	cc_health_config_release(&hc);
	_cleanup_free_ char *p = container_file(s, c->id, CC_CONTAINER_HEALTH_FILE), *text = NULL;
	size_t len = 0;
	cc_error *e = NULL;
	json_t *h = NULL;
	if (p != NULL && cc_read_file(p, 1024 * 1024, &text, &len, &e) == 0)
		h = json_loadb(text, len, 0, NULL);
	cc_error_free(e);
	if (!json_is_object(h)) {
		json_decref(h);
		h = json_pack("{s:s, s:i, s:[]}", "Status", "starting", "FailingStreak", 0, "Log");
	}
	return h;
}

/* Refresh a record's state: a "running" container without a live monitor
 * is finished now: with the status its monitor recorded when the container
 * exited (and then could not hand on: ccontainer moved or upgraded away),
 * else as killed (its process killed if it survived the monitor). */
static bool is_running(const struct cc_container_record *c);

void cmd_container_reconcile(struct cc_store *s, struct cc_container_record *c)
{
	if (strcmp(c->state, "restarting") == 0 && !monitor_alive(s, c->id)) {
		/* its monitor died waiting to restart it (a reboot): exited */
		(void)cc_store_container_update_state(s, c->id, "exited", 0, c->exit_code, c->oom_killed, NULL);
		free(c->state);
		c->state = strdup("exited");
		return;
	}
	if (!is_running(c) || monitor_alive(s, c->id))
		return;
	/* The monitor may have finished it since c was read: read it again. */
	struct cc_container_record *fresh = NULL;
	cc_error *e = NULL;
	if (cc_store_container_get(s, c->id, &fresh, &e) == 0) {
		struct cc_container_record tmp = *c;
		*c = *fresh;
		*fresh = tmp;
		cc_container_record_free(fresh);
	}
	cc_error_clear(&e);
	if (!is_running(c))
		return;
	/* it exited, and its monitor wrote down how; else it is killed now */
	int status = recorded_exit(s, c->id);
	if (status < 0) {
		status = 255;
		if (pid_is_container(c) && kill(c->pid, SIGKILL) == 0) {
			status = 137;
			if (cmd_container_paused(c)) { /* a frozen v1 task dies only when thawed */
				cc_error *te = NULL;
				(void)cc_runtime_cgroup_freeze(c->id, false, &te);
				cc_error_free(te);
			}
			/* its mounts and namespaces go with it: give it a moment */
			for (int i = 0; i < 200 && cc_pid_start_time(c->pid) == c->pid_start; i++) {
				struct timespec ts = { 0, 10 * 1000000L };
				nanosleep(&ts, NULL);
			}
		}
	}
	if (cmd_container_finish(s, c->id, status, false, false, NULL, &e) < 0)
		cmd_warnf("finish container %.12s: %s", c->id, e->msg);
	cc_error_free(e);
	free(c->state);
	c->state = strdup("exited");
	c->exit_code = status;
	c->pid = 0;
	c->finished = time(NULL);
}

/* Is its process alive: running, or paused (frozen, cgverbs.c)? */
static bool is_running(const struct cc_container_record *c)
{
	return strcmp(c->state, "running") == 0 || cmd_container_paused(c);
}

/* Look up and reconcile one container; prints the error itself. */
static struct cc_container_record *get_container(struct cc_store *s, const char *ref)
{
	struct cc_container_record *c = NULL;
	cc_error *e = NULL;
	if (cc_store_container_get(s, ref, &c, &e) < 0) {
		cmd_fail(e, EXIT_CC_ERROR);
		return NULL;
	}
	cmd_container_reconcile(s, c);
	return c;
}

struct cc_container_record *cmd_container_get(struct cc_store *s, const char *ref)
{
	return get_container(s, ref);
}

/* Wait until the container's lock is free (monitor and cleanup done). */
static bool wait_stopped(struct cc_store *s, const char *id, int timeout_ms)
{
	for (int waited = 0; timeout_ms < 0 || waited <= timeout_ms; waited += 10) {
		if (!monitor_alive(s, id))
			return true;
		struct timespec ts = { 0, 10 * 1000000L };
		nanosleep(&ts, NULL);
	}
	return false;
}

json_t *cmd_container_config(const struct cc_container_record *c)
{
	json_t *j = c->config_json ? json_loads(c->config_json, 0, NULL) : NULL;
	return j ? j : json_object();
}

int cmd_container_finish_record(struct cc_store *s, const struct cc_container_record *c, int status,
				bool oom_killed, bool cgroup_removed, bool *ret_removed, cc_error **err)
{
	const char *id = c->id;
	if (ret_removed != NULL)
		*ret_removed = false;
	/* The cgroup of a detached container outlives cc_runtime_start: its
	 * processes are gone now, so it goes, telling whether the kernel
	 * OOM-killed one of them. */
	if (!cgroup_removed) {
		bool oom = false;
		cc_error *cge = NULL;
		if (cc_runtime_cgroup_cleanup(id, &oom, &cge) < 0) {
			cmd_warnf("remove the cgroup of container %.12s: %s", id, cge->msg);
			cc_error_free(cge);
		}
		oom_killed |= oom;
	}
	/* finish is idempotent: the events only for the end of a run */
	if (is_running(c)) {
		char code[16], secs[24];
		snprintf(code, sizeof(code), "%d", status);
		snprintf(secs, sizeof(secs), "%lld", (long long)(time(NULL) - c->started));
		if (oom_killed)
			cmd_container_event(s, c, "oom", NULL);
		cmd_container_event(s, c, "die", (const char *const[]){ "exitCode", code, "execDuration", secs, NULL });
	}
	json_t *cfg = cmd_container_config(c);
	bool autoremove = json_is_true(json_object_get(cfg, "AutoRemove"));
	/* a container about to be removed needs no "exited" row first */
	int rc = autoremove ? 0 : cc_store_container_update_state(s, id, "exited", 0, status, oom_killed, err);
	/* What the container held outside its own namespaces. */
	if (rc == 0)
		rc = cmd_net_release(s, id, cfg, err);
	json_decref(cfg);
	if (rc == 0 && autoremove) {
		/* The directories' space comes back in the background
		 * (util.h): on this path they are a container's whole upper
		 * and work dirs, freed right before the command returns. */
		struct cc_kept kept = { .n = 0 };
		if (cc_store_container_remove(s, id, &kept, err) < 0) {
			rc = -1; /* kept: as a stopped container */
			(void)cc_store_container_update_state(s, id, "exited", 0, status, oom_killed, NULL);
		} else {
			cmd_container_event(s, c, "destroy", NULL);
			if (ret_removed != NULL)
				*ret_removed = true;
		}
		cc_kept_release_async(&kept);
	}
	/* Its run-time files last: the next start makes them again. */
	_cleanup_free_ char *rundir = cmd_container_rundir(id);
	cc_error *e = NULL;
	if (rundir != NULL && cc_rm_rf(rundir, &e) < 0) {
		cmd_warnf("remove the run-time files of container %.12s: %s", id, e->msg);
		cc_error_free(e);
	}
	return rc;
}

int cmd_container_finish(struct cc_store *s, const char *id, int status, bool oom_killed, bool cgroup_removed,
			 bool *ret_removed, cc_error **err)
{
	if (ret_removed != NULL)
		*ret_removed = false;
	struct cc_container_record *c = NULL;
	cc_error *ge = NULL;
	if (cc_store_container_get(s, id, &c, &ge) < 0) {
		/* gone already (an --rm container's monitor removed it): finished */
		bool gone = ge != NULL && ge->kind == CC_ERR_NOT_FOUND;
		if (gone || err == NULL)
			cc_error_free(ge);
		else
			*err = ge;
		return gone ? 0 : -1;
	}
	int rc = cmd_container_finish_record(s, c, status, oom_killed, cgroup_removed, ret_removed, err);
	cc_container_record_free(c);
	return rc;
}

/* ---- the monitor ---- */

static char *monitor_path(void)
{
	const char *env = secure_getenv("CCONTAINER_MONITOR");
	if (env && *env)
		return strdup(env);
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		char *slash = strrchr(self, '/');
		char *p = NULL;
		if (slash) {
			*slash = '\0';
			/* next to the binary (build tree), or PREFIX/libexec/ccontainer */
			if (asprintf(&p, "%s/ccontainer-monitor", self) >= 0 && access(p, X_OK) == 0)
				return p;
			free(p);
			p = NULL;
			if (asprintf(&p, "%s/../libexec/ccontainer/ccontainer-monitor", self) >= 0 && access(p, X_OK) == 0)
				return p;
			free(p);
		}
	}
	return strdup("/usr/local/libexec/ccontainer/ccontainer-monitor");
}

int cmd_spawn_monitor(struct cc_store *s, const struct cc_container_record *c, cc_error **err)
{
	const char *id = c->id;
	json_t *cfg = cmd_container_config(c);
	bool tty = json_is_true(json_object_get(cfg, "Tty"));
	bool interactive = json_is_true(json_object_get(cfg, "OpenStdin"));
	int64_t max_size = 0;
	int max_file = 1;
	int lr = cmd_log_limits(cfg, &max_size, &max_file, err);
	/* the restart policy and the health timer the monitor keeps */
	struct cc_restart_policy policy;
	cc_restart_policy_from_config(cfg, &policy);
	char policy_arg[32], hi_arg[24] = "0", hsp_arg[24] = "0", hsi_arg[24] = "0";
	cc_restart_policy_format(&policy, policy_arg, sizeof(policy_arg));
	struct cc_health_config hc;
	if (lr == 0 && cc_health_config_from_json(json_object_get(cfg, "Healthcheck"), &hc, NULL) == 1) {
		snprintf(hi_arg, sizeof(hi_arg), "%lld", (long long)(hc.interval_ns / 1000000));
		snprintf(hsp_arg, sizeof(hsp_arg), "%lld", (long long)(hc.start_period_ns / 1000000));
		snprintf(hsi_arg, sizeof(hsi_arg), "%lld", (long long)(hc.start_interval_ns / 1000000));
		cc_health_config_release(&hc);
	}
	const char *log_format = cmd_log_format(cfg); /* a static name */
	json_decref(cfg);
	if (lr < 0)
		return cc_error_prefix(err, "start container %.12s", id);
	/* the monitor rotates ctr.log: bytes per file (0: no cap), files in all */
	char size_arg[24], files_arg[16];
	snprintf(size_arg, sizeof(size_arg), "%lld", (long long)max_size);
	snprintf(files_arg, sizeof(files_arg), "%d", max_file);
	_cleanup_free_ char *mon = monitor_path();
	_cleanup_free_ char *dir = cc_store_container_path(s, id);
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (mon == NULL || dir == NULL || n <= 0)
		return cc_error_set(err, n <= 0 ? errno : ENOMEM, "find the ccontainer binary");
	self[n] = '\0';
	if (access(mon, X_OK) < 0)
		return cc_error_set(err, errno, "monitor '%s'", mon);
	int rp[2];
	if (pipe2(rp, O_CLOEXEC) < 0)
		return cc_error_set(err, errno, "pipe");
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(rp[0]);
		close(rp[1]);
		return cc_error_set(err, e, "fork the monitor");
	}
	if (pid == 0) {
		/* The ready pipe is the only fd the monitor inherits on purpose;
		 * the runroot goes along in the environment, to its __start and
		 * __cleanup. */
		if (setenv("CCONTAINER_RUNROOT", cmd_runroot(), 1) < 0)
			_exit(125);
		int fd = fcntl(rp[1], F_DUPFD, 3);
		char fdbuf[16];
		snprintf(fdbuf, sizeof(fdbuf), "%d", fd);
		execl(mon, mon, self, cc_store_root(s), id, dir, fdbuf, tty ? "1" : "0", interactive ? "1" : "0",
		      size_arg, files_arg, policy_arg, hi_arg, hsp_arg, hsi_arg, log_format, (char *)NULL);
		_exit(125);
	}
	close(rp[1]);
	struct cc_mon_msg m;
	size_t len = 0;
	while (len < sizeof(m)) {
		ssize_t r = read(rp[0], (char *)&m + len, sizeof(m) - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(rp[0]);
	/* The monitor runs in its own session and outlives us; its direct
	 * parent (us) exits soon and init adopts it.  Reap nothing here. */
	if (len != sizeof(m) || m.version != CC_MON_VERSION)
		return cc_error_set(err, 0, "the container's monitor ('%s') exited without a word", mon);
	m.msg[sizeof(m.msg) - 1] = '\0';
	if (m.type == CC_MON_OK)
		return 0;
	int r = cc_error_setk(err, m.kind, 0, "%s", m.msg);
	if (err != NULL && *err != NULL)
		(*err)->errnum = m.errnum; /* the message says it already */
	return r;
}

static bool monitor_reported;

/* One message with up to CC_MON_HOLD_MAX fds riding along. */
static int monitor_send(int fd, const struct cc_mon_msg *m, const int *fds, size_t n)
{
	struct iovec iov = { (void *)m, sizeof(*m) };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(CC_MON_HOLD_MAX * sizeof(int))];
	} c;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (n > 0) {
		memset(&c, 0, sizeof(c));
		mh.msg_control = c.buf;
		mh.msg_controllen = CMSG_SPACE(n * sizeof(int));
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(n * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, n * sizeof(int));
	}
	ssize_t r;
	do
		r = sendmsg(fd, &mh, MSG_NOSIGNAL);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -1 : 0;
}

int cmd_monitor_report(int fd, pid_t pid, int pty, const int *hold, size_t n_hold, const cc_error *e)
{
	if (fd < 0)
		return -1;
	monitor_reported = true;
	for (size_t i = 0; e == NULL && i < n_hold; i += CC_MON_HOLD_MAX) {
		struct cc_mon_msg h = { .version = CC_MON_VERSION, .type = CC_MON_HOLD };
		size_t n = n_hold - i < CC_MON_HOLD_MAX ? n_hold - i : CC_MON_HOLD_MAX;
		if (monitor_send(fd, &h, hold + i, n) < 0)
			return -1;
	}
	struct cc_mon_msg m = { .version = CC_MON_VERSION, .type = e == NULL ? CC_MON_OK : CC_MON_ERROR, .pid = pid };
	if (e != NULL) {
		m.errnum = e->errnum;
		m.kind = e->kind;
		snprintf(m.msg, sizeof(m.msg), "%s", e->msg != NULL ? e->msg : "container start failed");
	}
	return monitor_send(fd, &m, &pty, pty >= 0 ? 1 : 0);
}

/* Turn a stored Args array back into an argv for the run parser. */
char **cmd_container_stored_args(const struct cc_container_record *c, int *ret_argc)
{
	json_t *cfg = cmd_container_config(c);
	json_t *args = json_object_get(cfg, "Args");
	size_t n = json_array_size(args);
	char **v = calloc(n + 2, sizeof(char *));
	if (v) {
		v[0] = strdup("run");
		for (size_t i = 0; i < n; i++)
			v[i + 1] = cc_json_bytes_value(json_array_get(args, i)) ?: strdup("");
		*ret_argc = (int)n + 1;
	}
	json_decref(cfg);
	return v;
}

/* ccontainer __start ID: spawned by the monitor with its socket on fd 3. */
static int internal_start_action(void *opts, int argc, char **argv)
{
	(void)opts;
	(void)argc;
	const char *fdenv = getenv("CCONTAINER_MONITOR_FD");
	int fd = fdenv ? atoi(fdenv) : -1;
	if (fd < 3)
		return cmd_failf(EXIT_CC_ERROR, "__start is run by the container monitor only");
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	cc_error *e = NULL;
	struct cc_store *s = NULL;
	if (cc_store_open(cmd_store_root(), &s, &e) < 0) {
		cmd_monitor_report(fd, -1, -1, NULL, 0, e);
		return cmd_fail(e, EXIT_CC_ERROR);
	}
	struct cc_container_record *c = NULL;
	if (cc_store_container_get(s, argv[0], &c, &e) < 0) {
		cmd_monitor_report(fd, -1, -1, NULL, 0, e);
		cc_store_close(s);
		return cmd_fail(e, EXIT_CC_ERROR);
	}
	int rargc = 0;
	char **rargv = cmd_container_stored_args(c, &rargc);
	_cleanup_free_ char *id = strdup(c->id);
	cc_container_record_free(c);
	cc_store_close(s);
	if (rargv == NULL || id == NULL) {
		cc_error_set(&e, ENOMEM, "start container %s", argv[0]);
		cmd_monitor_report(fd, -1, -1, NULL, 0, e);
		return cmd_fail(e, EXIT_CC_ERROR);
	}
	int rc = cmd_run_existing(rargc, rargv, id, fd);
	cc_strvfreep(&rargv);
	if (!monitor_reported) {
		/* it failed before the start itself: pass on what it printed */
		const cc_error *last = cmd_last_error();
		cc_error *fallback = NULL;
		if (last == NULL)
			cc_error_set(&fallback, 0, "start container %.12s: failed with status %d", id, rc);
		cmd_monitor_report(fd, -1, -1, NULL, 0, last != NULL ? last : fallback);
		cc_error_free(fallback);
	}
	return rc;
}

struct cleanup_opts {
	bool restarting;
};

/* ccontainer __cleanup [--restarting] ID STATUS: exec'd by the monitor
 * after the exit; with --restarting, run by it before it starts the
 * container again (restart policy): the state is then "restarting". */
static int internal_cleanup_action(void *opts, int argc, char **argv)
{
	bool restarting = ((struct cleanup_opts *)opts)->restarting;
	(void)argc;
	char *end = NULL;
	errno = 0;
	long status = strtol(argv[1], &end, 10);
	if (errno != 0 || end == argv[1] || *end != '\0' || status < 0 || status > INT_MAX)
		return cmd_usagef("__cleanup: invalid exit status '%s'", argv[1]);
	struct cc_store *s = cmd_open_store();
	if (s == NULL)
		return EXIT_CC_ERROR;
	cc_error *e = NULL;
	int rc = 0;
	if (cmd_container_finish(s, argv[0], (int)status, false, false, NULL, &e) < 0)
		rc = cmd_fail(e, EXIT_CC_ERROR);
	else if (restarting && cc_store_container_update_state(s, argv[0], "restarting", 0, (int)status, false, &e) < 0)
		rc = cmd_fail(e, EXIT_CC_ERROR);
	cc_store_close(s);
	return rc;
}

/* ---- ps ---- */

static void status_text(const struct cc_container_record *c, char *out, size_t outlen)
{
	char ago[64];
	time_t now = time(NULL);
	if (is_running(c)) {
		cc_human_ago((int64_t)now - c->started, ago, sizeof(ago));
		snprintf(out, outlen, cmd_container_paused(c) ? "Up %s (Paused)" : "Up %s", ago);
	} else if (strcmp(c->state, "exited") == 0 || strcmp(c->state, "restarting") == 0) {
		cc_human_ago((int64_t)now - c->finished, ago, sizeof(ago));
		snprintf(out, outlen, c->state[0] == 'r' ? "Restarting (%d) %s ago" : "Exited (%d) %s ago", c->exit_code, ago);
	} else {
		snprintf(out, outlen, "Created");
	}
}

/* docker's DisplayablePorts (cli/command/formatter/container.go): sorted by
 * container port, host address, host port, protocol; a port published on
 * the same number is grouped with its neighbours ("0.0.0.0:80-81->80-81/tcp"),
 * then the others ("0.0.0.0:8080->80/tcp"); ", " between them. */
struct ps_port {
	const char *ip, *proto;
	long long pub, priv;
};

static int ps_port_cmp(const void *a, const void *b)
{
	const struct ps_port *x = a, *y = b;
	int c;
	if (x->priv != y->priv)
		return x->priv < y->priv ? -1 : 1;
	if ((c = strcmp(x->ip, y->ip)) != 0)
		return c;
	if (x->pub != y->pub)
		return x->pub < y->pub ? -1 : 1;
	return strcmp(x->proto, y->proto);
}

static void ps_host_port(struct cc_strbuf *sb, const char *ip, const char *port)
{
	cc_strbuf_addf(sb, strchr(ip, ':') ? "[%s]:%s" : "%s:%s", ip, port); /* net.JoinHostPort */
}

static void ps_port_group(struct cc_strbuf *sb, const struct ps_port *p, long long first, long long last)
{
	char range[48];
	if (first == last)
		snprintf(range, sizeof(range), "%lld", first);
	else
		snprintf(range, sizeof(range), "%lld-%lld", first, last);
	if (sb->len > 0)
		cc_strbuf_add(sb, ", ", 2);
	if (p->ip[0] != '\0') {
		ps_host_port(sb, p->ip, range);
		cc_strbuf_addf(sb, "->%s/%s", range, p->proto);
	} else {
		cc_strbuf_addf(sb, "%s/%s", range, p->proto);
	}
}

char *cmd_container_ports_text(const struct cc_container_record *c)
{
	json_t *cfg = cmd_container_config(c);
	json_t *ports = json_object_get(cfg, "Ports");
	size_t n = json_array_size(ports), i;
	struct ps_port *v = calloc(n + 1, sizeof(*v));
	struct cc_strbuf sb = { 0 }, mapped = { 0 };
	cc_strbuf_add(&sb, "", 0);
	json_t *p;
	if (v == NULL) {
		json_decref(cfg);
		return NULL;
	}
	json_array_foreach(ports, i, p) {
		const char *hip = json_string_value(json_object_get(p, "HostIp"));
		const char *proto = json_string_value(json_object_get(p, "Protocol"));
		v[i] = (struct ps_port){ hip && *hip ? hip : "0.0.0.0", proto ? proto : "tcp",
					 json_integer_value(json_object_get(p, "HostPort")),
					 json_integer_value(json_object_get(p, "ContainerPort")) };
		if (!json_is_integer(json_object_get(p, "HostPort")))
			v[i].ip = ""; /* exposed, not published: "80/tcp" */
	}
	qsort(v, n, sizeof(*v), ps_port_cmp);
	/* groups by "ip/proto", in the order their first port came */
	bool *done = calloc(n + 1, sizeof(*done));
	for (i = 0; done && i < n; i++) {
		if (v[i].ip[0] != '\0' && v[i].pub != v[i].priv) {
			if (mapped.len > 0)
				cc_strbuf_add(&mapped, ", ", 2);
			char port[24];
			snprintf(port, sizeof(port), "%lld", v[i].pub);
			ps_host_port(&mapped, v[i].ip, port);
			cc_strbuf_addf(&mapped, "->%lld/%s", v[i].priv, v[i].proto);
			done[i] = true;
		}
	}
	/* docker keeps one open group a key: a port that does not extend it
	 * closes it (written at once), the groups left open are written last */
	struct cc_strbuf closed = { 0 };
	size_t *open_at = calloc(n + 1, sizeof(*open_at)), nopen = 0;
	long long *first = calloc(n + 1, sizeof(*first)), *last = calloc(n + 1, sizeof(*last));
	for (i = 0; open_at && first && last && i < n; i++) {
		if (done[i])
			continue;
		size_t k;
		for (k = 0; k < nopen; k++)
			if (strcmp(v[open_at[k]].ip, v[i].ip) == 0 && strcmp(v[open_at[k]].proto, v[i].proto) == 0)
				break;
		if (k == nopen) {
			open_at[nopen] = i, first[nopen] = last[nopen] = v[i].priv;
			nopen++;
		} else if (v[i].priv == last[k] + 1) {
			last[k] = v[i].priv;
		} else {
			ps_port_group(&closed, &v[open_at[k]], first[k], last[k]);
			open_at[k] = i, first[k] = last[k] = v[i].priv;
		}
	}
	if (closed.len > 0)
		cc_strbuf_add(&sb, closed.buf, closed.len);
	for (size_t k = 0; k < nopen; k++)
		ps_port_group(&sb, &v[open_at[k]], first[k], last[k]);
	if (mapped.len > 0) {
		if (sb.len > 0)
			cc_strbuf_add(&sb, ", ", 2);
		cc_strbuf_add(&sb, mapped.buf, mapped.len);
	}
	if (done == NULL || open_at == NULL || first == NULL || last == NULL)
		sb.oom = true;
	cc_strbuf_release(&closed);
	cc_strbuf_release(&mapped);
	free(done);
	free(open_at);
	free(first);
	free(last);
	free(v);
	json_decref(cfg);
	return cc_strbuf_steal(&sb);
}

struct ps_opts {
	bool all, quiet, notrunc, latest, noheading, size;
	int64_t last;
	const char *format, *sort;
	struct cmd_strv filter;
};

/* docker's ps filters: the same key ORs (label: ANDs, as docker's
 * MatchKVList), different keys AND. */
struct ps_filter {
	const char *key, *value;
};
static const char *const ps_filter_keys[] = { "id", "name", "label", "status", "exited", "ancestor", "before",
					      "since", "network", "volume", "health", "restart-policy", NULL };
static const char *const ps_health[] = { "starting", "healthy", "unhealthy", "none", NULL };
static const char *const ps_policies[] = { "no", "on-failure", "always", "unless-stopped", NULL };
static const char *const ps_states[] = { "created", "restarting", "running", "removing", "paused", "exited", "dead", NULL };

static bool in_list(const char *const *l, const char *v)
{
	for (; *l; l++)
		if (strcmp(*l, v) == 0)
			return true;
	return false;
}

static int ps_parse_filters(const struct cmd_strv *f, struct ps_filter **ret)
{
	*ret = calloc(f->n + 1, sizeof(**ret));
	if (*ret == NULL)
		return cmd_failf(EXIT_CC_ERROR, "out of memory");
	for (size_t i = 0; i < f->n; i++) {
		const char *eq = strchr(f->v[i], '=');
		if (eq == NULL)
			return cmd_usagef("bad format of filter (expected name=value): %s", f->v[i]);
		char *key = strndup(f->v[i], (size_t)(eq - f->v[i]));
		if (key == NULL)
			return cmd_failf(EXIT_CC_ERROR, "out of memory");
		(*ret)[i] = (struct ps_filter){ key, eq + 1 };
		if (!in_list(ps_filter_keys, key))
			return cmd_usagef("invalid filter '%s'", key);
		if (strcmp(key, "status") == 0 && !in_list(ps_states, eq + 1))
			return cmd_usagef("invalid filter 'status=%s': created, restarting, running, removing, paused, exited or dead",
					  eq + 1);
		if (strcmp(key, "health") == 0 && !in_list(ps_health, eq + 1))
			return cmd_usagef("invalid filter 'health=%s': starting, healthy, unhealthy or none", eq + 1);
		if (strcmp(key, "restart-policy") == 0 && !in_list(ps_policies, eq + 1))
			return cmd_usagef("invalid filter 'restart-policy=%s': no, on-failure, always or unless-stopped", eq + 1);
	}
	return 0;
}

static void ps_free_filters(struct ps_filter *f)
{
	for (size_t i = 0; f != NULL && f[i].key != NULL; i++)
		free((char *)f[i].key);
	free(f);
}

/* ps's list, newest first (created, then insertion order), for before/since. */
struct ps_list {
	struct cc_container_record **v;
	size_t n;
};

/* The position in the list of the container a before/since filter names
 * (-1: none): since=X is what comes before it, before=X what comes after. */
static ssize_t ps_ref_index(struct cc_store *s, const struct ps_list *l, const char *ref)
{
	struct cc_container_record *c = NULL;
	cc_error *e = NULL;
	if (cc_store_container_get(s, ref, &c, &e) < 0) {
		cc_error_free(e);
		return -1;
	}
	ssize_t at = -1;
	for (size_t i = 0; i < l->n && at < 0; i++)
		if (strcmp(l->v[i]->id, c->id) == 0)
			at = (ssize_t)i;
	cc_container_record_free(c);
	return at;
}

/* docker's filters.Match: the value exactly, or as a regular expression
 * anywhere in it (Go's RE2; POSIX extended here, the same for what people
 * write: ^, $, ., [], *, +, ?, |); one that does not compile matches nothing */
static bool filter_match(const char *pattern, const char *source)
{
	if (strcmp(pattern, source) == 0)
		return true;
	regex_t re;
	if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
		return false;
	bool m = regexec(&re, source, 0, NULL, 0) == 0;
	regfree(&re);
	return m;
}

static bool ps_one_matches(struct cc_store *s, const struct ps_list *l, size_t at, const json_t *cfg, const char *key,
			   const char *v)
{
	const struct cc_container_record *r = l->v[at];
	if (strcmp(key, "id") == 0)
		return filter_match(v, r->id);
	if (strcmp(key, "name") == 0) { /* with and without docker's leading slash */
		_cleanup_free_ char *slashed = NULL;
		return filter_match(v, r->name) || (asprintf(&slashed, "/%s", r->name) >= 0 && filter_match(v, slashed));
	}
	if (strcmp(key, "status") == 0)
		return strcmp(r->state, v) == 0;
	if (strcmp(key, "exited") == 0)
		return strcmp(r->state, "exited") == 0 && atoi(v) == r->exit_code;
	if (strcmp(key, "ancestor") == 0) {
		const char *id = strchr(r->image_id, ':');
		id = id ? id + 1 : r->image_id;
		return (r->image_name && strcmp(r->image_name, v) == 0) ||
		       (strlen(v) >= 4 && strncmp(id, strncmp(v, "sha256:", 7) == 0 ? v + 7 : v, strlen(v) - (strncmp(v, "sha256:", 7) == 0 ? 7 : 0)) == 0);
	}
	if (strcmp(key, "before") == 0 || strcmp(key, "since") == 0) {
		ssize_t ref = ps_ref_index(s, l, v);
		return ref >= 0 && (key[0] == 'b' ? (ssize_t)at > ref : (ssize_t)at < ref);
	}
	if (strcmp(key, "label") == 0) {
		const json_t *labels = json_object_get(cfg, "Labels");
		const char *eq = strchr(v, '=');
		_cleanup_free_ char *k = eq ? strndup(v, (size_t)(eq - v)) : strdup(v);
		const char *have = k ? json_string_value(json_object_get(labels, k)) : NULL;
		return have != NULL && (eq == NULL || strcmp(have, eq + 1) == 0);
	}
	if (strcmp(key, "network") == 0) {
		const char *net = json_string_value(json_object_get(cfg, "Network"));
		return strcmp(net ? net : "bridge", v) == 0;
	}
	if (strcmp(key, "health") == 0) { /* docker: "none" for a container without a check */
		json_t *h = cmd_container_health(s, r, cfg);
		bool m = strcmp(h != NULL ? cc_health_status(h) : "none", v) == 0;
		json_decref(h);
		return m;
	}
	if (strcmp(key, "restart-policy") == 0) { /* podman's */
		struct cc_restart_policy p;
		cc_restart_policy_from_config(cfg, &p);
		return strcmp(cc_restart_policy_name(p.kind), v) == 0;
	}
	return false; /* volume: no container has a volume yet */
}

static bool ps_matches(struct cc_store *s, const struct ps_list *l, size_t at, const struct ps_filter *f)
{
	if (f == NULL || f[0].key == NULL)
		return true;
	json_t *cfg = cmd_container_config(l->v[at]);
	bool ok = true;
	for (size_t i = 0; ok && f[i].key != NULL; i++) {
		if (strcmp(f[i].key, "label") == 0) { /* every label given */
			ok = ps_one_matches(s, l, at, cfg, f[i].key, f[i].value);
			continue;
		}
		bool seen = false, any = false; /* the first of its key decides for all of them */
		for (size_t j = 0; j < i && !seen; j++)
			seen = strcmp(f[j].key, f[i].key) == 0;
		if (seen)
			continue;
		for (size_t j = i; f[j].key != NULL && !any; j++)
			any = strcmp(f[j].key, f[i].key) == 0 && ps_one_matches(s, l, at, cfg, f[j].key, f[j].value);
		ok = any;
	}
	json_decref(cfg);
	return ok;
}

/* docker's units.HumanSizeWithPrecision(size, 3): decimal units, %.3g */
static void ps_human_size(double size, char *out, size_t outlen)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB" };
	size_t i = 0;
	while (size >= 1000.0 && i + 1 < sizeof(units) / sizeof(units[0])) {
		size /= 1000.0;
		i++;
	}
	snprintf(out, outlen, "%.3g%s", size, units[i]);
}

/* docker's directory.Size: the bytes of everything but directories,
 * a hard-linked inode once. */
static int64_t ps_dir_size(int dirfd, ino_t **seen, size_t *nseen, int depth)
{
	int64_t total = 0;
	DIR *d = fdopendir(dirfd);
	if (d == NULL) {
		close(dirfd);
		return 0;
	}
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		struct stat st;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			int fd = depth < 256 ? openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
			if (fd >= 0)
				total += ps_dir_size(fd, seen, nseen, depth + 1);
			continue;
		}
		if (st.st_size == 0)
			continue;
		if (st.st_nlink > 1) {
			bool dup = false;
			for (size_t i = 0; i < *nseen && !dup; i++)
				dup = (*seen)[i] == st.st_ino;
			if (dup)
				continue;
			ino_t *n = realloc(*seen, (*nseen + 1) * sizeof(**seen));
			if (n != NULL) {
				*seen = n;
				n[(*nseen)++] = st.st_ino;
			}
		}
		total += st.st_size;
	}
	closedir(d);
	return total;
}

/* docker's ps SIZE: "2B (virtual 7.8MB)": what the container wrote (its
 * upper directory), and that with its image. */
static void ps_size_text(struct cc_store *s, const struct cc_container_record *r, char *out, size_t outlen)
{
	int64_t rw = 0, image = 0;
	_cleanup_free_ char *dir = cc_store_container_path(s, r->id);
	_cleanup_free_ char *upper = NULL;
	if (dir != NULL && asprintf(&upper, "%s/upper", dir) >= 0) {
		int fd = open(upper, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		ino_t *seen = NULL;
		size_t nseen = 0;
		if (fd >= 0)
			rw = ps_dir_size(fd, &seen, &nseen, 0);
		free(seen);
	}
	struct cc_image_record *img = NULL;
	cc_error *e = NULL;
	if (r->image_id != NULL && cc_store_image_get(s, r->image_id, &img, &e) == 0) {
		image = img->size;
		cc_image_record_free(img);
	}
	cc_error_free(e);
	char srw[32], sv[32];
	ps_human_size((double)rw, srw, sizeof(srw));
	ps_human_size((double)(rw + image), sv, sizeof(sv));
	if (rw + image > 0)
		snprintf(out, outlen, "%s (virtual %s)", srw, sv);
	else
		snprintf(out, outlen, "%s", srw);
}

/* docker's Summary.Command: the path and its arguments, those with a space
 * in single quotes (moby's container view) */
static char *ps_command(const struct cc_container_record *r, const json_t *cfg)
{
	const json_t *argv = json_object_get(cfg, "Cmd");
	if (json_array_size(argv) == 0)
		return strdup(r->command ? r->command : "");
	struct cc_strbuf sb = { 0 };
	cc_strbuf_add(&sb, "", 0);
	size_t i;
	const json_t *a;
	json_array_foreach(argv, i, a) {
		const char *s = json_string_value(a);
		s = s ? s : "";
		cc_strbuf_addf(&sb, i == 0 || !strchr(s, ' ') ? "%s%s" : "%s'%s'", i ? " " : "", s);
	}
	return cc_strbuf_steal(&sb);
}

/* docker's ContainerContext.Image: with trunc, the familiar name without
 * its digest (a tag kept), or the short ID when that is what was given */
static char *ps_image(const struct cc_container_record *r, bool trunc)
{
	const char *img = r->image_name && *r->image_name ? r->image_name : r->image_id;
	if (img == NULL || *img == '\0')
		return strdup("<no image>");
	if (!trunc)
		return strdup(img);
	const char *id = r->image_id ? r->image_id : "";
	if (cc_str_has_prefix(id, "sha256:"))
		id = id + 7;
	const char *bare = cc_str_has_prefix(img, "sha256:") ? img + 7 : img;
	if (strncmp(bare, id, 12) == 0 && strlen(bare) >= 12 && strspn(bare, "0123456789abcdef") == strlen(bare))
		return strndup(bare, 12);
	const char *at = strchr(img, '@');
	size_t n = at ? (size_t)(at - img) : strlen(img);
	if (strncmp(img, "docker.io/library/", 18) == 0)
		img += 18, n -= 18;
	else if (strncmp(img, "docker.io/", 10) == 0)
		img += 10, n -= 10;
	return strndup(img, n);
}

static int ps_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static json_t *ps_labels(const json_t *cfg)
{
	const json_t *labels = json_object_get(cfg, "Labels");
	size_t n = json_object_size(labels), k = 0;
	char **v = calloc(n + 1, sizeof(*v));
	const char *key;
	json_t *val;
	struct cc_strbuf sb = { 0 };
	cc_strbuf_add(&sb, "", 0);
	json_object_foreach((json_t *)labels, key, val) {
		if (v != NULL && asprintf(&v[k], "%s=%s", key, json_string_value(val) ? json_string_value(val) : "") >= 0)
			k++;
	}
	if (v != NULL)
		qsort(v, k, sizeof(*v), ps_strcmp);
	for (size_t i = 0; i < k; i++) {
		cc_strbuf_addf(&sb, "%s%s", i ? "," : "", v[i]);
		free(v[i]);
	}
	free(v);
	_cleanup_free_ char *s = cc_strbuf_steal(&sb);
	return cc_json_text(s ? s : "");
}

/* docker's Mounts: each mount's name or source (a tmpfs is no mount point),
 * cut at 15 columns with trunc; ",". */
static json_t *ps_mounts(const json_t *cfg, bool trunc)
{
	struct cc_strbuf sb = { 0 };
	cc_strbuf_add(&sb, "", 0);
	size_t i, k = 0;
	const json_t *m;
	json_array_foreach(json_object_get(cfg, "Mounts"), i, m) {
		const char *type = json_string_value(json_object_get(m, "Type"));
		if (type != NULL && strcmp(type, "tmpfs") == 0)
			continue;
		const char *name = json_string_value(json_object_get(m, "Name"));
		if (name == NULL || *name == '\0')
			name = json_string_value(json_object_get(m, "Source"));
		_cleanup_free_ char *cut = trunc ? cc_ellipsis(name ? name : "", 15) : NULL;
		cc_strbuf_addf(&sb, "%s%s", k++ ? "," : "", cut ? cut : name ? name : "");
	}
	_cleanup_free_ char *s = cc_strbuf_steal(&sb);
	return cc_json_text(s ? s : "");
}

/* ContainerContext's methods for a template, as cc_template_exec_methods
 * takes them: {{.Label "KEY"}}.  ps keeps them in the row as "_methods"
 * until the row is formatted. */
static json_t *ps_methods(const json_t *cfg)
{
	const json_t *labels = json_object_get(cfg, "Labels");
	return json_pack("{s:o}", "Label", json_is_object(labels) ? json_deep_copy(labels) : json_object());
}

/* One row of ps as docker's ContainerContext gives it: every value a
 * string, the keys in the order docker's JSON has them (sorted).  r NULL:
 * docker's empty context, which a --format is tried on first. */
static json_t *ps_row(struct cc_store *s, const struct cc_container_record *r, bool trunc, bool size, time_t now)
{
	if (r == NULL)
		return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "Command",
				 "\"\"", "CreatedAt", "1970-01-01 00:00:00 +0000 UTC", "ID", "", "Image", "<no image>",
				 "Labels", "", "LocalVolumes", "0", "Mounts", "", "Names", "", "Networks", "", "Ports", "",
				 "RunningFor", "", "Size", "0B", "State", "", "Status", "");
	char sid[65], created[80], status[96], createdat[80] = "", sizetext[96] = "0B";
	const char *id = cc_str_has_prefix(r->id, "sha256:") ? r->id + 7 : r->id;
	snprintf(sid, sizeof(sid), trunc ? "%.12s" : "%s", trunc ? id : r->id);
	cc_human_ago((int64_t)now - r->created, created, sizeof(created) - 4);
	strncat(created, " ago", sizeof(created) - strlen(created) - 1);
	status_text(r, status, sizeof(status));
	if (is_running(r) && !cmd_container_paused(r)) { /* docker's State.String */
		json_t *cfg = cmd_container_config(r), *h = cmd_container_health(s, r, cfg);
		if (h != NULL) {
			const char *hs = cc_health_status(h);
			size_t l = strlen(status);
			snprintf(status + l, sizeof(status) - l, strcmp(hs, "starting") == 0 ? " (health: %s)" : " (%s)", hs);
		}
		json_decref(h);
		json_decref(cfg);
	}
	struct tm tm;
	time_t t = (time_t)r->created;
	if (localtime_r(&t, &tm)) /* Go's time.Time.String(), in local time as docker's */
		strftime(createdat, sizeof(createdat), "%Y-%m-%d %H:%M:%S %z %Z", &tm);
	if (size)
		ps_size_text(s, r, sizetext, sizeof(sizetext));
	json_t *cfg = cmd_container_config(r);
	_cleanup_free_ char *cmdline = ps_command(r, cfg);
	_cleanup_free_ char *cut = cmdline && trunc ? cc_ellipsis(cmdline, 20) : NULL;
	_cleanup_free_ char *command = cc_go_quote(cut ? cut : cmdline ? cmdline : "");
	_cleanup_free_ char *ports = cmd_container_ports_text(r);
	_cleanup_free_ char *image = ps_image(r, trunc);
	const char *net = json_string_value(json_object_get(cfg, "Network"));
	json_t *row = json_pack("{s:o, s:s, s:s, s:o, s:o, s:s, s:o, s:o, s:o, s:o, s:s, s:s, s:s, s:s}", "Command",
				cc_json_text(command ? command : ""), "CreatedAt", createdat, "ID", sid, "Image",
				cc_json_text(image ? image : ""), "Labels", ps_labels(cfg), "LocalVolumes", "0", "Mounts",
				ps_mounts(cfg, trunc), "Names", cc_json_text(r->name), "Networks",
				cc_json_text(net ? net : "bridge"), "Ports", cc_json_text(ports ? ports : ""), "RunningFor",
				created, "Size", sizetext, "State", r->state, "Status", status);
	if (row != NULL)
		json_object_set_new(row, "_methods", ps_methods(cfg));
	json_decref(cfg);
	return row;
}

/* podman's ps --sort */
static const char *const ps_sort_keys[] = { "command", "created", "id", "image", "names", "runningfor", "size",
					    "status", NULL };
static const char *ps_sort_by;

static int ps_sort_cmp(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	const char *k = ps_sort_by;
	int c = 0;
	if (strcmp(k, "created") == 0 || strcmp(k, "runningfor") == 0) {
		/* created: newest first; runningfor: started earliest first (podman) */
		json_int_t cx = json_integer_value(json_object_get(x, k[0] == 'c' ? "_created" : "_started"));
		json_int_t cy = json_integer_value(json_object_get(y, k[0] == 'c' ? "_created" : "_started"));
		c = cx == cy ? 0 : (cx < cy) == (k[0] == 'c') ? 1 : -1;
	} else if (strcmp(k, "size") == 0) {
		json_int_t sx = json_integer_value(json_object_get(x, "_size")), sy = json_integer_value(json_object_get(y, "_size"));
		c = sx == sy ? 0 : sx < sy ? -1 : 1;
	} else {
		const char *field = strcmp(k, "command") == 0 ? "_command" : strcmp(k, "id") == 0 ? "_id" :
				    strcmp(k, "image") == 0 ? "Image" : strcmp(k, "names") == 0 ? "Names" : "Status";
		c = strcmp(json_string_value(json_object_get(x, field)) ?: "", json_string_value(json_object_get(y, field)) ?: "");
	}
	if (c == 0) /* stable: the list's order */
		c = json_integer_value(json_object_get(x, "_at")) < json_integer_value(json_object_get(y, "_at")) ? -1 : 1;
	return c;
}

static const char ps_default_table[] = "table {{.ID}}\\t{{.Image}}\\t{{.Command}}\\t{{.RunningFor}}\\t{{.Status}}\\t{{.Ports}}\\t{{.Names}}";
static const char ps_raw[] = "container_id: {{.ID}}\nimage: {{.Image}}\ncommand: {{.Command}}\ncreated_at: {{.CreatedAt}}\n"
			     "state: {{- pad .State 1 0}}\nstatus: {{- pad .Status 1 0}}\nnames: {{.Names}}\n"
			     "labels: {{- pad .Labels 1 0}}\nports: {{- pad .Ports 1 0}}\n";

/* docker's formatter: the header of each field ps has */
static json_t *ps_headers(void)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ID",
			 "CONTAINER ID", "Names", "NAMES", "Image", "IMAGE", "Command", "COMMAND", "CreatedAt",
			 "CREATED AT", "RunningFor", "CREATED", "Ports", "PORTS", "State", "STATE", "Status", "STATUS",
			 "Size", "SIZE", "Labels", "LABELS", "Mounts", "MOUNTS", "LocalVolumes", "LOCAL VOLUMES",
			 "Networks", "NETWORKS", "Platform", "PLATFORM", "HealthStatus", "HEALTH STATUS");
}

/* docker validates a --format before it lists anything: the template as
 * given, run once on an empty container (exit 1 either way). */
static int ps_check_format(const char *format)
{
	struct cc_template *t = NULL;
	cc_error *e = NULL;
	if (cc_template_parse(format, &t, &e) < 0) {
		cc_error_prefix(&e, "failed to parse template");
		return cmd_fail(e, EXIT_CC_ERROR);
	}
	cc_template_set_missingkey_error(t);
	json_t *zero = ps_row(NULL, NULL, true, false, 0), *methods = ps_methods(NULL);
	struct cc_strbuf out = { 0 };
	int r = cc_template_exec_methods(t, zero, methods, NULL, &out, &e);
	cc_strbuf_release(&out);
	json_decref(methods);
	json_decref(zero);
	cc_template_free(t);
	if (r < 0) {
		if (e == NULL)
			return cmd_failf(EXIT_CC_ERROR, "out of memory");
		cc_error_prefix(&e, "failed to execute template");
		return cmd_fail(e, EXIT_CC_ERROR);
	}
	return 0;
}

static int ps_action(void *opts, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	struct ps_opts *o = opts;
	if (o->sort != NULL && !in_list(ps_sort_keys, o->sort))
		return cmd_usagef("invalid option for --sort, options are: command, created, id, image, names, runningfor, "
				  "size, or status");
	bool custom = o->format != NULL && *o->format != '\0';
	if (custom && o->quiet)
		fprintf(stderr, "WARNING: Ignoring custom format, because both --format and --quiet are set.\n");
	int rc = custom ? ps_check_format(o->format) : 0;
	if (rc != 0)
		return rc;
	/* docker asks for sizes when told to or when the template uses .Size
	 * ({{json .}} does; "json" does not: it is no template) */
	bool size = o->size ||
		    (custom && !o->quiet && !cc_format_is_json(o->format) ? strstr(o->format, "Size") != NULL : false) ||
		    (custom && !o->quiet && cc_format_is_json(o->format) && strstr(o->format, "json .")) ||
		    (o->sort && strcmp(o->sort, "size") == 0);
	const char *format = o->format;
	_cleanup_free_ char *deftable = NULL, *raw = NULL;
	if (asprintf(&deftable, "%s%s", ps_default_table, o->size ? "\\t{{.Size}}" : "") < 0 ||
	    asprintf(&raw, "%s%s", o->quiet ? "container_id: {{.ID}}" : ps_raw, o->quiet ? "" : o->size ? "size: {{.Size}}\\n" : "") < 0)
		return cmd_failf(EXIT_CC_ERROR, "out of memory");
	if (o->quiet)
		format = "{{.ID}}";
	if (format != NULL && strcmp(format, "raw") == 0)
		format = raw;
	if (o->latest && o->last == -1)
		o->last = 1;
	struct ps_filter *filters = NULL;
	rc = ps_parse_filters(&o->filter, &filters);
	if (rc != 0) {
		ps_free_filters(filters);
		return rc;
	}
	json_t *headers = ps_headers();
	struct cc_format *f = NULL;
	cc_error *e = NULL;
	if (cc_format_open(format, deftable, headers, &f, &e) < 0) {
		json_decref(headers);
		ps_free_filters(filters);
		return cmd_fail(e, EXIT_CC_ERROR);
	}
	json_decref(headers);
	cc_format_missingkey_error(f);
	if (o->noheading)
		cc_format_no_header(f);
	struct cc_store *s = cmd_open_store();
	if (s == NULL) {
		cc_format_free(f);
		ps_free_filters(filters);
		return EXIT_CC_ERROR;
	}
	struct cc_container_record **list = NULL;
	size_t n = 0;
	if (cc_store_container_list(s, &list, &n, &e) < 0) { /* newest first */
		cc_format_free(f);
		ps_free_filters(filters);
		cc_store_close(s);
		return cmd_fail(e, EXIT_CC_ERROR);
	}
	json_t **rows = calloc(n + 1, sizeof(*rows));
	size_t nrows = 0;
	time_t now = time(NULL);
	for (size_t i = 0; rows != NULL && i < n; i++) {
		struct cc_container_record *r = list[i];
		cmd_container_reconcile(s, r);
		/* -n/--last: the newest N, whatever their state (docker) */
		bool live = is_running(r) || strcmp(r->state, "restarting") == 0; /* docker: restarting is running */
		if ((!o->all && o->last <= 0 && !live) || (o->last > 0 && (int64_t)nrows >= o->last) ||
		    !ps_matches(s, &(struct ps_list){ list, n }, i, filters))
			continue;
		json_t *row = ps_row(s, r, !o->notrunc, size, now);
		if (row == NULL)
			break;
		rows[nrows++] = row;
		if (o->sort != NULL) { /* what --sort compares that the row does not show */
			json_t *cfg = cmd_container_config(r);
			_cleanup_free_ char *cmdline = ps_command(r, cfg);
			json_decref(cfg);
			json_object_set_new(row, "_command", cc_json_text(cmdline ? cmdline : ""));
			json_object_set_new(row, "_id", json_string(r->id));
			json_object_set_new(row, "_created", json_integer(r->created));
			json_object_set_new(row, "_started", json_integer(r->started));
			json_object_set_new(row, "_at", json_integer((json_int_t)i));
		}
	}
	if (o->sort != NULL) {
		ps_sort_by = o->sort;
		qsort(rows, nrows, sizeof(*rows), ps_sort_cmp);
		for (size_t i = 0; i < nrows; i++)
			json_object_del(rows[i], "_command"), json_object_del(rows[i], "_id"),
				json_object_del(rows[i], "_created"), json_object_del(rows[i], "_started"),
				json_object_del(rows[i], "_at");
	}
	rc = rows == NULL ? cmd_failf(EXIT_CC_ERROR, "out of memory") : 0;
	/* docker writes nothing when a row fails: "template parsing error: ..." */
	for (size_t i = 0; rc == 0 && i < nrows; i++) {
		json_t *methods = json_incref(json_object_get(rows[i], "_methods"));
		json_object_del(rows[i], "_methods");
		if (cc_format_row_methods(f, rows[i], methods, &e) < 0)
			rc = cmd_fail(e, EXIT_CC_ERROR);
		json_decref(methods);
	}
	int w = rc == 0 ? cc_format_flush(f, stdout, &e) : 0;
	if (w < 0) {
		cc_error_free(e);
		rc = cmd_output_error(-w);
	}
	for (size_t i = 0; rows != NULL && i < nrows; i++)
		json_decref(rows[i]);
	free(rows);
	cc_format_free(f);
	for (size_t i = 0; i < n; i++)
		cc_container_record_free(list[i]);
	free(list);
	ps_free_filters(filters);
	cc_store_close(s);
	return rc;
}

/* ---- signals: stop, kill ---- */

int cmd_parse_signal(const char *s)
{
	/* every Linux signal docker knows (moby's signal.SignalMap) */
	static const struct { const char *name; int sig; } names[] = {
		{ "ABRT", SIGABRT }, { "ALRM", SIGALRM }, { "BUS", SIGBUS }, { "CHLD", SIGCHLD }, { "CLD", SIGCHLD },
		{ "CONT", SIGCONT }, { "FPE", SIGFPE }, { "HUP", SIGHUP }, { "ILL", SIGILL }, { "INT", SIGINT },
		{ "IO", SIGIO }, { "IOT", SIGIOT }, { "KILL", SIGKILL }, { "PIPE", SIGPIPE }, { "POLL", SIGPOLL },
		{ "PROF", SIGPROF }, { "PWR", SIGPWR }, { "QUIT", SIGQUIT }, { "SEGV", SIGSEGV },
		{ "STKFLT", SIGSTKFLT }, { "STOP", SIGSTOP }, { "SYS", SIGSYS }, { "TERM", SIGTERM },
		{ "TRAP", SIGTRAP }, { "TSTP", SIGTSTP }, { "TTIN", SIGTTIN }, { "TTOU", SIGTTOU }, { "URG", SIGURG },
		{ "USR1", SIGUSR1 }, { "USR2", SIGUSR2 }, { "VTALRM", SIGVTALRM }, { "WINCH", SIGWINCH },
		{ "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ },
	};
	if (s == NULL || *s == '\0')
		return -1;
	char *end;
	long n = strtol(s, &end, 10);
	if (*end == '\0')
		return n > 0 && n < NSIG ? (int)n : -1;
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(s, names[i].name) == 0)
			return names[i].sig;
	/* RTMIN, RTMIN+N, RTMAX, RTMAX-N */
	bool min = strncasecmp(s, "RTMIN", 5) == 0, max = strncasecmp(s, "RTMAX", 5) == 0;
	if (!min && !max)
		return -1;
	int base = min ? SIGRTMIN : SIGRTMAX, off = 0;
	if (s[5] != '\0') {
		if (s[5] != (min ? '+' : '-') || s[6] < '0' || s[6] > '9')
			return -1;
		long k = strtol(s + 6, &end, 10);
		if (*end != '\0' || k > SIGRTMAX - SIGRTMIN)
			return -1;
		off = min ? (int)k : -(int)k;
	}
	return base + off;
}

static int signal_container(const struct cc_container_record *c, int sig)
{
	if (!is_running(c) || !pid_is_container(c))
		return cmd_failf(EXIT_CC_ERROR, "container %s is not running", c->name);
	if (kill(c->pid, sig) < 0)
		return cmd_failf(EXIT_CC_ERROR, "signal container %s: %s", c->name, strerror(errno));
	return 0;
}

static int stop_signal(struct cc_store *s, const struct cc_container_record *c)
{
	/* run --stop-signal, recorded with the container; else the image's */
	json_t *cfg = cmd_container_config(c);
	int sig = cmd_parse_signal(json_string_value(json_object_get(cfg, "StopSignal")));
	json_decref(cfg);
	if (sig > 0)
		return sig;
	struct cc_run_config *ic = NULL;
	cc_error *e = NULL;
	sig = SIGTERM;
	if (cc_image_run_config(s, c->image_id, &ic, &e) == 0 && ic->stop_signal) {
		int isig = cmd_parse_signal(ic->stop_signal);
		if (isig > 0)
			sig = isig;
		else
			cmd_warnf("the image's STOPSIGNAL '%s' is not a signal: SIGTERM instead", ic->stop_signal);
	}
	cc_error_free(e);
	cc_run_config_free(ic);
	return sig;
}

/* Stop: sig (0: the StopSignal), then SIGKILL after the timeout; waits for the cleanup. */
/* docker's kill event: the signal's number */
static void signal_event(struct cc_store *s, const struct cc_container_record *c, int sig)
{
	char num[16];
	snprintf(num, sizeof(num), "%d", sig);
	cmd_container_event(s, c, "kill", (const char *const[]){ "signal", num, NULL });
}

/* stop's and restart's -t: given, else the container's --stop-timeout,
 * else docker's 10 s; -1 waits for ever */
static int stop_timeout(const struct cc_container_record *c, int64_t given)
{
	if (given != CMD_INT_UNSET)
		return (int)given;
	json_t *cfg = cmd_container_config(c);
	const json_t *t = json_object_get(cfg, "StopTimeout");
	int v = json_is_integer(t) ? (int)json_integer_value(t) : 10;
	json_decref(cfg);
	return v;
}

static int stop_one(struct cc_store *s, struct cc_container_record *c, int timeout, int sig)
{
	/* by hand: its monitor must not start it again (restart policy) */
	mark_stopped(s, c->id, true);
	if (strcmp(c->state, "restarting") == 0) { /* its monitor sees the mark and ends */
		if (!wait_stopped(s, c->id, 10000))
			return cmd_failf(EXIT_CC_ERROR, "container %s did not stop", c->name);
		cmd_container_reconcile(s, c);
		cmd_container_event(s, c, "stop", NULL);
		return 0;
	}
	if (!is_running(c))
		return 0;
	if (pid_is_container(c)) {
		int first = sig > 0 ? sig : stop_signal(s, c);
		if (kill(c->pid, first) == 0)
			signal_event(s, c, first);
		if (cmd_container_paused(c) && cmd_container_thaw(s, c) != 0) /* docker: signal, then thaw */
			return EXIT_CC_ERROR;
		if (!wait_stopped(s, c->id, timeout < 0 ? -1 : timeout * 1000)) {
			if (kill(c->pid, SIGKILL) == 0)
				signal_event(s, c, SIGKILL);
			if (!wait_stopped(s, c->id, 10000))
				return cmd_failf(EXIT_CC_ERROR, "container %s did not stop", c->name);
		}
	} else {
		wait_stopped(s, c->id, 2000);
	}
	cmd_container_reconcile(s, c);
	cmd_container_event(s, c, "stop", NULL);
	return 0;
}

/* The options of the verbs over a list of containers (stop, restart, kill,
 * start, rm, wait): each verb's table uses some of them. */
struct ctr_opts {
	int64_t time;       /* stop, restart, rm: seconds before SIGKILL */
	const char *signal; /* kill, stop */
	bool all;           /* podman's -a/--all: every container */
	bool ignore;        /* podman's --ignore: a missing name is no error */
	bool force, volumes;
	int sig;            /* parsed from signal */
	struct cmd_strv filter; /* podman's --filter: ps's filters on the containers named, or on all */
	bool attach, interactive; /* start -a, -i */
};

/* What each_one skips quietly (not echoed, no error). */
#define EACH_SKIPPED (-1)

/* One container of a list verb: fn, then its name echoed as docker does. */
static int each_one(struct cc_store *s, struct cc_container_record *c, const char *ref, struct ctr_opts *o,
		    int (*fn)(struct cc_store *, struct cc_container_record *, struct ctr_opts *), bool echo)
{
	/* ref may be c's own ID, which a reconcile reads again */
	_cleanup_free_ char *echoed = strdup(ref);
	cmd_container_reconcile(s, c);
	int r = fn(s, c, o);
	if (r == EACH_SKIPPED)
		return 0;
	if (r == 0 && echo)
		printf("%s\n", echoed ? echoed : c->id);
	return r;
}

/* Does the container pass --filter?  ps's filters, over ps's list (for
 * before/since). */
static bool each_matches(struct cc_store *s, const struct ps_list *l, const struct ps_filter *f, const char *id)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i]->id, id) == 0)
			return ps_matches(s, l, i, f);
	return false;
}

/* fn over the named containers, or every one with --all (by ID); a missing
 * name is "No such container" (1) unless --ignore.  With --filter, only
 * those of them that pass it (every container when none is named). */
static int each_container(const char *verb, struct ctr_opts *o, int argc, char **argv,
			  int (*fn)(struct cc_store *, struct cc_container_record *, struct ctr_opts *), bool echo)
{
	if (o->all && argc > 0)
		return cmd_usagef("when using the --all switch, you may not pass any container names or IDs");
	if (!o->all && argc == 0 && o->filter.n == 0)
		return cmd_usagef("\"%s\" requires at least 1 argument (or --all).", verb);
	struct ps_filter *filters = NULL;
	int rc = ps_parse_filters(&o->filter, &filters);
	if (rc != 0) {
		ps_free_filters(filters);
		return rc;
	}
	struct cc_store *s = cmd_open_store();
	if (s == NULL) {
		ps_free_filters(filters);
		return EXIT_CC_ERROR;
	}
	cc_error *e = NULL;
	struct ps_list l = { 0 };
	if ((o->all || o->filter.n > 0) && cc_store_container_list(s, &l.v, &l.n, &e) < 0) {
		ps_free_filters(filters);
		cc_store_close(s);
		return cmd_fail(e, EXIT_CC_ERROR);
	}
	if (o->all || argc == 0) {
		for (size_t i = 0; i < l.n; i++) {
			if (!ps_matches(s, &l, i, filters))
				continue;
			int r = each_one(s, l.v[i], l.v[i]->id, o, fn, echo);
			rc = r != 0 ? r : rc;
		}
	}
	for (int i = 0; i < argc; i++) {
		struct cc_container_record *c = NULL;
		if (cc_store_container_get(s, argv[i], &c, &e) < 0) {
			if (o->ignore && e->kind == CC_ERR_NOT_FOUND)
				cc_error_clear(&e);
			else
				rc = cmd_fail(e, EXIT_CC_ERROR);
			continue;
		}
		if (filters[0].key == NULL || each_matches(s, &l, filters, c->id)) {
			int r = each_one(s, c, argv[i], o, fn, echo);
			rc = r != 0 ? r : rc;
		}
		cc_container_record_free(c);
	}
	for (size_t i = 0; i < l.n; i++)
		cc_container_record_free(l.v[i]);
	free(l.v);
	ps_free_filters(filters);
	cc_store_close(s);
	return rc;
}

/* -t: seconds from 0 to a day; for stop and restart also unset (the
 * container's) and -1 (no limit, docker's) */
static int check_time(struct ctr_opts *o)
{
	if (o->time == CMD_INT_UNSET || o->time == -1 ? false : o->time < 0 || o->time > 86400)
		return cmd_usagef("invalid timeout %lld: seconds from 0 to 86400, or -1", (long long)o->time);
	return 0;
}

static int stop_cb(struct cc_store *s, struct cc_container_record *c, struct ctr_opts *o)
{
	return stop_one(s, c, stop_timeout(c, o->time), o->sig);
}

static int parse_signal_opt(struct ctr_opts *o, int dflt)
{
	o->sig = dflt;
	if (o->signal != NULL && (o->sig = cmd_parse_signal(o->signal)) < 0)
		return cmd_usagef("invalid signal: %s", o->signal);
	return 0;
}

static int stop_action(void *opts, int argc, char **argv)
{
	struct ctr_opts *o = opts;
	int rc = check_time(o);
	if (rc == 0)
		rc = parse_signal_opt(o, 0); /* 0: the container's stop signal */
	return rc != 0 ? rc : each_container("stop", o, argc, argv, stop_cb, true);
}

static int kill_cb(struct cc_store *s, struct cc_container_record *c, struct ctr_opts *o)
{
	/* docker: a kill with SIGKILL or the stop signal is a stop by hand
	 * too, for the restart policy (other signals may not end it) */
	if ((is_running(c) && (o->sig == SIGKILL || o->sig == stop_signal(s, c))) ||
	    strcmp(c->state, "restarting") == 0)
		mark_stopped(s, c->id, true);
	if (strcmp(c->state, "restarting") == 0)
		return wait_stopped(s, c->id, 10000) ? 0 : cmd_failf(EXIT_CC_ERROR, "container %s did not stop", c->name);
	int r = signal_container(c, o->sig);
	if (r == 0)
		signal_event(s, c, o->sig);
	/* docker: a paused container gets SIGKILL or its stop signal, then is
	 * thawed to take it; other signals wait for unpause */
	if (r == 0 && cmd_container_paused(c) && (o->sig == SIGKILL || o->sig == stop_signal(s, c)))
		r = cmd_container_thaw(s, c);
	return r;
}

static int kill_action(void *opts, int argc, char **argv)
{
	struct ctr_opts *o = opts;
	int rc = parse_signal_opt(o, SIGKILL);
	return rc != 0 ? rc : each_container("kill", o, argc, argv, kill_cb, true);
}

/* ---- start, restart ---- */

static int start_one(struct cc_store *s, struct cc_container_record *c)
{
	if (cmd_container_paused(c))
		return cmd_failf(EXIT_CC_ERROR, "cannot start a paused container, try unpause instead");
	if (is_running(c) || (strcmp(c->state, "restarting") == 0 && monitor_alive(s, c->id)))
		return 0;
	mark_stopped(s, c->id, false);
	cc_error *e = NULL;
	if (cmd_spawn_monitor(s, c, &e) < 0)
		return cmd_fail(e, cmd_exit_code(e));
	return 0;
}

static int start_cb(struct cc_store *s, struct cc_container_record *c, struct ctr_opts *o)
{
	/* The boot service's `start --all --filter restart-policy=always`:
	 * a container stopped by hand stays stopped (docker's unless-stopped
	 * at a daemon's start; contrib/systemd/ccontainer-restart.service). */
	for (size_t i = 0; o->all && i < o->filter.n; i++)
		if (strncmp(o->filter.v[i], "restart-policy=", 15) == 0 && stopped_by_hand(s, c->id))
			return EACH_SKIPPED;
	return start_one(s, c);
}

static int attach_action(void *opts, int argc, char **argv);
struct attach_opts {
	bool no_stdin, sig_proxy;
	const char *detach_keys;
};

/* start -a / -i: one container, started, then attached (docker): with a
 * terminal or -i through its attach socket, else its log from the start
 * on (nothing it wrote before we connect is lost), followed until it
 * exits; the container's exit status. */
static int start_attached(struct ctr_opts *o, const char *ref)
{
	struct cc_store *s = cmd_open_store();
	if (s == NULL)
		return EXIT_CC_ERROR;
	struct cc_container_record *c = get_container(s, ref);
	int rc = c == NULL ? EXIT_CC_ERROR : 0;
	bool tty = false;
	if (rc == 0) {
		json_t *cfg = cmd_container_config(c);
		tty = json_is_true(json_object_get(cfg, "Tty"));
		json_decref(cfg);
	}
	int64_t since = cc_wall_ns();
	if (rc == 0)
		rc = start_one(s, c);
	if (rc == 0 && (tty || o->interactive)) {
		cc_container_record_free(c);
		cc_store_close(s);
		struct attach_opts ao = { .no_stdin = !o->interactive, .sig_proxy = true, .detach_keys = "ctrl-p,ctrl-q" };
		char *argv[] = { (char *)ref, NULL };
		return attach_action(&ao, 1, argv);
	}
	if (rc == 0)
		rc = cmd_logs_follow(s, c, since);
	if (rc == 0) {
		wait_stopped(s, c->id, -1);
		cc_container_record_free(c);
		c = get_container(s, ref);
		rc = c ? c->exit_code : EXIT_CC_ERROR;
	}
	cc_container_record_free(c);
	cc_store_close(s);
	return rc;
}

static int start_action(void *opts, int argc, char **argv)
{
	struct ctr_opts *o = opts;
	if (o->attach || o->interactive) {
		if (argc != 1 || o->all)
			return cmd_usagef("you cannot start and attach multiple containers at once");
		return start_attached(o, argv[0]);
	}
	return each_container("start", opts, argc, argv, start_cb, true);
}

static int restart_cb(struct cc_store *s, struct cc_container_record *c, struct ctr_opts *o)
{
	int r = stop_one(s, c, stop_timeout(c, o->time), 0);
	if (r == 0 && (r = start_one(s, c)) == 0)
		cmd_container_event(s, c, "restart", NULL);
	return r;
}

static int restart_action(void *opts, int argc, char **argv)
{
	int rc = check_time(opts);
	return rc != 0 ? rc : each_container("restart", opts, argc, argv, restart_cb, true);
}

/* ---- rm, prune, wait ---- */

static int remove_one(struct cc_store *s, struct cc_container_record *c, bool force, int timeout)
{
	if (strcmp(c->state, "restarting") == 0 && monitor_alive(s, c->id)) {
		if (!force)
			return cmd_failf(EXIT_CC_ERROR,
					 "cannot remove container %s: container is restarting: stop the container before removing or force remove",
					 c->name);
		int r = stop_one(s, c, 0, SIGKILL);
		if (r != 0)
			return r;
	}
	if (is_running(c)) {
		if (force)
			mark_stopped(s, c->id, true); /* no restart while it goes */
		if (!force && cmd_container_paused(c))
			return cmd_failf(EXIT_CC_ERROR, "cannot remove container %s: container is paused and must be unpaused first",
					 c->name);
		if (!force)
			return cmd_failf(EXIT_CC_ERROR,
					 "cannot remove container %s: container is running: stop the container before removing or force remove",
					 c->name);
		if (timeout > 0) { /* podman's rm -t: a stop first */
			int r = stop_one(s, c, timeout, 0);
			if (r != 0)
				return r;
		} else {
			if (pid_is_container(c) && kill(c->pid, SIGKILL) == 0)
				signal_event(s, c, SIGKILL);
			if (cmd_container_paused(c))
				(void)cmd_container_thaw(s, c); /* a frozen v1 task dies only when thawed */
			if (!wait_stopped(s, c->id, 10000))
				return cmd_failf(EXIT_CC_ERROR, "container %s did not stop", c->name);
			cmd_container_reconcile(s, c);
		}
	}
	/* finish again (idempotent): releases what a crashed start may have left */
	cc_error *e = NULL;
	if (cmd_container_finish(s, c->id, c->exit_code, c->oom_killed, false, NULL, &e) < 0 ||
	    cc_store_container_remove(s, c->id, NULL, &e) < 0) {
		if (e == NULL)
			cc_error_set(&e, ENOMEM, "remove container");
		return cmd_fail(e, EXIT_CC_ERROR);
	}
	cmd_container_event(s, c, "destroy", NULL);
	/* what killed commands left in tmp/ (an rm among them) goes too */
	cc_store_sweep_staging(s);
	return 0;
}

static int rm_cb(struct cc_store *s, struct cc_container_record *c, struct ctr_opts *o)
{
	return remove_one(s, c, o->force, (int)o->time);
}

static int rm_action(void *opts, int argc, char **argv)
{
	int rc = check_time(opts);
	return rc != 0 ? rc : each_container("rm", opts, argc, argv, rm_cb, true);
}

struct prune_opts {
	bool force;
};

static int prune_action(void *opts, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (!((struct prune_opts *)opts)->force && !cmd_confirm("This will remove all stopped containers."))
		return 0;
	struct cc_store *s = cmd_open_store();
	if (s == NULL)
		return EXIT_CC_ERROR;
	struct cc_container_record **list = NULL;
	size_t n = 0;
	cc_error *e = NULL;
	if (cc_store_container_list(s, &list, &n, &e) < 0) {
		cc_store_close(s);
		return cmd_fail(e, EXIT_CC_ERROR);
	}
	int rc = 0;
	bool header = false;
	for (size_t i = 0; i < n; i++) {
		cmd_container_reconcile(s, list[i]);
		/* a container waiting for its restart is not stopped (docker) */
		if (!is_running(list[i]) && strcmp(list[i]->state, "restarting") != 0) {
			if (!header)
				printf("Deleted Containers:\n");
			header = true;
			if (remove_one(s, list[i], false, 0) == 0)
				printf("%s\n", list[i]->id);
			else
				rc = EXIT_CC_ERROR;
		}
		cc_container_record_free(list[i]);
	}
	free(list);
	cc_store_close(s);
	return rc;
}

struct wait_opts {
	const char *condition;
};

/* The container's row again (NULL: gone), reconciled, quietly. */
static struct cc_container_record *wait_poll(struct cc_store *s, const char *id)
{
	struct cc_container_record *c = NULL;
	cc_error *e = NULL;
	if (cc_store_container_get(s, id, &c, &e) < 0) {
		cc_error_free(e);
		return NULL;
	}
	cmd_container_reconcile(s, c);
	return c;
}

/* docker's wait conditions (the API's; podman's --condition names them
 * too): not-running returns at once for a container that is not running;
 * next-exit waits for the end of a run that has not ended yet (one not
 * started yet included); removed waits for the row to go.  The exit code
 * printed is the last one seen. */
static int wait_one(struct cc_store *s, const char *ref, const char *cond)
{
	struct cc_container_record *c = get_container(s, ref);
	if (c == NULL)
		return EXIT_CC_ERROR;
	_cleanup_free_ char *id = strdup(c->id);
	/* a run is known by its process's start time, which stays after it exits */
	uint64_t run = c->pid_start;
	int64_t finished = c->finished;
	bool running = is_running(c);
	bool next = strcmp(cond, "next-exit") == 0, removed = strcmp(cond, "removed") == 0;
	int code = c->exit_code;
	for (;;) {
		if (is_running(c)) {
			wait_stopped(s, c->id, -1);
		} else if (!next && !removed) {
			break;
		} else {
			struct timespec ts = { 0, 50 * 1000000L };
			nanosleep(&ts, NULL);
		}
		cc_container_record_free(c);
		c = id ? wait_poll(s, id) : NULL;
		if (c == NULL)
			break;
		code = c->exit_code;
		/* a new run that ended, or a start that failed (finished moved) */
		if (next && !is_running(c) && (running || c->pid_start != run || c->finished != finished) &&
		    strcmp(c->state, "exited") == 0)
			break;
	}
	if (c == NULL && !removed) {
		/* removed by --rm: its code is gone with it */
		return cmd_failf(EXIT_CC_ERROR, "No such container: %s", ref);
	}
	cc_container_record_free(c);
	printf("%d\n", code);
	return 0;
}

static int wait_action(void *opts, int argc, char **argv)
{
	struct wait_opts *o = opts;
	static const char *const conds[] = { "not-running", "next-exit", "removed", NULL };
	if (!in_list(conds, o->condition))
		return cmd_usagef("invalid condition \"%s\": not-running, next-exit or removed", o->condition);
	struct cc_store *s = cmd_open_store();
	if (s == NULL)
		return EXIT_CC_ERROR;
	int rc = 0;
	for (int i = 0; i < argc; i++) {
		int r = wait_one(s, argv[i], o->condition);
		rc = r != 0 ? r : rc;
	}
	cc_store_close(s);
	return rc;
}


/* ---- attach ---- */

/* docker's --detach-keys: comma-separated "ctrl-<a-z@[\]^_>" or single
 * characters (term.ToBytes).  Fills keys (at most max), or prints. */
static int parse_detach_keys(const char *spec, unsigned char *keys, size_t max, size_t *ret_n)
{
	static const char ctrl[] = "@abcdefghijklmnopqrstuvwxyz[\\]^_"; /* index: the control code */
	size_t n = 0;
	const char *p = spec;
	for (;;) {
		size_t len = strcspn(p, ",");
		int code = -1;
		if (len == 1) {
			code = (unsigned char)p[0];
		} else if (len == 6 && strncasecmp(p, "ctrl-", 5) == 0) {
			const char *c = strchr(ctrl, tolower((unsigned char)p[5]));
			if (c != NULL && p[5] != '\0')
				code = (int)(c - ctrl);
		}
		if (code < 0 || n >= max)
			return cmd_failf(EXIT_CC_ERROR,
					 "invalid --detach-keys '%s': give ctrl-<a-z, @, [, \\, ], ^ or _> or single characters, "
					 "comma-separated (default \"ctrl-p,ctrl-q\")",
					 spec);
		keys[n++] = (unsigned char)code;
		if (p[len] == '\0')
			break;
		p += len + 1;
	}
	*ret_n = n;
	return 0;
}

static int attach_action(void *opts, int argc, char **argv)
{
	(void)argc;
	struct attach_opts *o = opts;
	unsigned char keys[32];
	size_t n_keys = 0;
	int rc = parse_detach_keys(o->detach_keys, keys, sizeof(keys), &n_keys);
	if (rc != 0)
		return rc;
	struct cc_store *s = cmd_open_store();
	if (s == NULL)
		return EXIT_CC_ERROR;
	struct cc_container_record *ct = get_container(s, argv[0]);
	if (ct == NULL) {
		cc_store_close(s);
		return EXIT_CC_ERROR;
	}
	_cleanup_free_ char *dir = cc_store_container_path(s, ct->id);
	_cleanup_close_ int dfd = dir ? open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
	_cleanup_close_ int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	_cleanup_close_ int sfd = -1;
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	sigset_t proxied, saved_mask;
	bool masked = false;
	/* through /proc/self/fd: the container's path may not fit sun_path */
	snprintf(addr.sun_path, sizeof(addr.sun_path), "/proc/self/fd/%d/attach.sock", dfd);
	if (!is_running(ct) || dfd < 0 || sock < 0 || connect(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		rc = cmd_failf(EXIT_CC_ERROR, "you cannot attach to a stopped container, start it first");
		goto out;
	}
	cmd_container_event(s, ct, "attach", NULL);
	/* --sig-proxy: SIGINT and SIGTERM sent to attach go to the container's
	 * process, as kill sends them; not for a container with a terminal
	 * (docker's rule: ^C is a byte for that terminal) */
	json_t *cfg = cmd_container_config(ct);
	bool tty = json_is_true(json_object_get(cfg, "Tty"));
	json_decref(cfg);
	if (o->sig_proxy && !tty) {
		sigemptyset(&proxied);
		sigaddset(&proxied, SIGINT);
		sigaddset(&proxied, SIGTERM);
		if (sigprocmask(SIG_BLOCK, &proxied, &saved_mask) == 0) {
			masked = true;
			sfd = signalfd(-1, &proxied, SFD_CLOEXEC);
		}
	}
	bool in_open = !o->no_stdin;
	struct termios saved;
	bool raw = in_open && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0;
	if (raw) {
		struct termios t = saved;
		cfmakeraw(&t);
		(void)tcsetattr(STDIN_FILENO, TCSANOW, &t);
	}
	bool detached = false;
	size_t matched = 0; /* bytes of the detach keys seen (held back) */
	for (;;) {
		struct pollfd p[3] = { { .fd = sock, .events = POLLIN },
				       { .fd = in_open ? STDIN_FILENO : -1, .events = POLLIN },
				       { .fd = sfd, .events = POLLIN } };
		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		char buf[4096];
		if (p[0].revents) {
			ssize_t n = read(sock, buf, sizeof(buf));
			if (n <= 0)
				break;
			if (cc_write_all(STDOUT_FILENO, buf, (size_t)n) < 0)
				break;
		}
		if (p[2].revents) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
				struct cc_container_record *now = cmd_container_get(s, ct->id);
				if (now != NULL) /* an error is printed; attach goes on until the end */
					(void)signal_container(now, (int)si.ssi_signo);
				cc_container_record_free(now);
			}
		}
		if (p[1].revents) {
			ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
			if (n <= 0) {
				in_open = false;
				continue;
			}
			/* the detach keys (ctrl-p ctrl-q) detach, as in docker: their
			 * bytes are held back until the sequence completes or breaks */
			char out[sizeof(buf) + sizeof(keys)];
			size_t no = 0;
			for (ssize_t i = 0; i < n && !detached; i++) {
				unsigned char c = (unsigned char)buf[i];
				if (c == keys[matched]) {
					if (++matched == n_keys)
						detached = true;
					continue;
				}
				memcpy(out + no, keys, matched);
				no += matched;
				matched = 0;
				if (c == keys[0]) {
					matched = 1;
					if (n_keys == 1)
						detached = true;
				} else {
					out[no++] = (char)c;
				}
			}
			if (no > 0)
				(void)cc_write_all(sock, out, no);
			if (detached)
				break;
		}
	}
	if (raw)
		(void)tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	if (detached) {
		fprintf(stderr, "\nread escape sequence\n");
	} else {
		wait_stopped(s, ct->id, 10000);
		cc_container_record_free(ct);
		ct = get_container(s, argv[0]);
		rc = ct ? ct->exit_code : 0;
	}
out:
	if (masked)
		(void)sigprocmask(SIG_SETMASK, &saved_mask, NULL);
	cc_container_record_free(ct);
	cc_store_close(s);
	return rc;
}

static const struct cmd_opt attach_options[] = {
	OPT_STRING(0, "detach-keys", struct attach_opts, detach_keys, "string", "Override the key sequence for detaching a container",
		   .def = "ctrl-p,ctrl-q"),
	OPT_BOOL(0, "no-stdin", struct attach_opts, no_stdin, "Do not attach STDIN"),
	OPT_BOOL(0, "sig-proxy", struct attach_opts, sig_proxy, "Proxy SIGINT and SIGTERM to the process (not with a TTY)", .def = "true"),
	OPT_END,
};
const struct cmd_verb cmd_attach_verb = {
	.name = "attach",
	.usage = "[OPTIONS] CONTAINER",
	.summary = "Attach local standard input, output, and error streams to a running container",
	.opts = attach_options,
	.opts_size = sizeof(struct attach_opts),
	.min_args = 1,
	.max_args = 1,
	.complete_args = CMD_COMPLETE_RUNNING,
	.action = attach_action,
};
const struct cmd_verb cmd_internal_start_verb = {
	.name = "__start",
	.usage = "ID",
	.summary = "A detached container's start (its monitor's)",
	.flags = CMD_VERB_HIDDEN | CMD_VERB_RUNLIKE,
	.min_args = 1,
	.max_args = 1,
	.action = internal_start_action,
};
static const struct cmd_opt cleanup_options[] = {
	OPT_BOOL(0, "restarting", struct cleanup_opts, restarting, "The monitor starts it again (restart policy)"),
	OPT_END,
};
const struct cmd_verb cmd_internal_cleanup_verb = {
	.name = "__cleanup",
	.usage = "[--restarting] ID STATUS",
	.summary = "A detached container's end (its monitor's)",
	.opts = cleanup_options,
	.opts_size = sizeof(struct cleanup_opts),
	.flags = CMD_VERB_HIDDEN,
	.min_args = 2,
	.max_args = 2,
	.action = internal_cleanup_action,
};

/* ---- the tables ---- */

#define CTR_ALL OPT_BOOL('a', "all", struct ctr_opts, all, "Every container (podman)")
#define CTR_IGNORE OPT_BOOL(0, "ignore", struct ctr_opts, ignore, "A missing container is not an error (podman)")
#define CTR_FILTER                                                                                      \
	OPT_LIST(0, "filter", struct ctr_opts, filter, "filter",                                        \
		 "Only the containers that pass these ps filters (podman), of those named or of all")
#define CTR_TIME(h) OPT_INT('t', "time", struct ctr_opts, time, "int", h, .flags = CMD_OPT_UNSET)

static const struct cmd_opt stop_options[] = {
	CTR_ALL,
	CTR_IGNORE,
	CTR_FILTER,
	OPT_STRING('s', "signal", struct ctr_opts, signal, "string", "Signal to send to the container (default: its StopSignal)"),
	CTR_TIME("Seconds to wait before killing the container (default: its --stop-timeout, else 10; -1: no limit)"),
	OPT_INT(0, "timeout", struct ctr_opts, time, "int", "Same as --time", .flags = CMD_OPT_HIDDEN),
	OPT_END,
};
const struct cmd_verb cmd_stop_verb = {
	.name = "stop", .usage = "[OPTIONS] CONTAINER [CONTAINER...]", .summary = "Stop one or more running containers",
	.opts = stop_options, .opts_size = sizeof(struct ctr_opts), .max_args = -1,
	.complete_args = CMD_COMPLETE_RUNNING, .action = stop_action,
};

static const struct cmd_opt restart_options[] = {
	CTR_ALL,
	CTR_TIME("Seconds to wait before killing the container (default: its --stop-timeout, else 10; -1: no limit)"),
	OPT_INT(0, "timeout", struct ctr_opts, time, "int", "Same as --time", .flags = CMD_OPT_HIDDEN),
	OPT_END,
};
const struct cmd_verb cmd_restart_verb = {
	.name = "restart", .usage = "[OPTIONS] CONTAINER [CONTAINER...]", .summary = "Restart one or more containers",
	.opts = restart_options, .opts_size = sizeof(struct ctr_opts), .max_args = -1,
	.complete_args = CMD_COMPLETE_CONTAINER, .action = restart_action,
};

static const struct cmd_opt kill_options[] = {
	CTR_ALL,
	OPT_STRING('s', "signal", struct ctr_opts, signal, "string", "Signal to send to the container (a name or a number)",
		   .def = "KILL", .complete = CMD_COMPLETE_WORDS, .words = "HUP INT QUIT KILL USR1 USR2 TERM STOP CONT WINCH"),
	OPT_END,
};
const struct cmd_verb cmd_kill_verb = {
	.name = "kill", .usage = "[OPTIONS] CONTAINER [CONTAINER...]", .summary = "Kill one or more running containers",
	.opts = kill_options, .opts_size = sizeof(struct ctr_opts), .max_args = -1,
	.complete_args = CMD_COMPLETE_RUNNING, .action = kill_action,
};

static const struct cmd_opt start_options[] = {
	OPT_BOOL(0, "all", struct ctr_opts, all, "Every container (podman)"),
	OPT_BOOL('a', "attach", struct ctr_opts, attach, "Attach STDOUT/STDERR and forward signals"),
	OPT_BOOL('i', "interactive", struct ctr_opts, interactive, "Attach container's STDIN"),
	CTR_FILTER,
	OPT_END,
};
const struct cmd_verb cmd_start_verb = {
	.name = "start", .usage = "[OPTIONS] CONTAINER [CONTAINER...]", .summary = "Start one or more stopped containers",
	.opts = start_options, .opts_size = sizeof(struct ctr_opts), .max_args = -1,
	.complete_args = CMD_COMPLETE_CONTAINER, .action = start_action,
};

static const struct cmd_opt rm_options[] = {
	CTR_ALL,
	OPT_BOOL('f', "force", struct ctr_opts, force, "Force the removal of a running container (uses SIGKILL)"),
	CTR_IGNORE,
	OPT_INT('t', "time", struct ctr_opts, time, "int",
		"With --force, seconds to wait for the stop signal before SIGKILL (podman)"),
	OPT_BOOL('v', "volumes", struct ctr_opts, volumes, "Remove anonymous volumes associated with the container"),
	CTR_FILTER,
	OPT_END,
};
const struct cmd_verb cmd_rm_verb = {
	.name = "rm", .usage = "[OPTIONS] CONTAINER [CONTAINER...]", .summary = "Remove one or more containers",
	.opts = rm_options, .opts_size = sizeof(struct ctr_opts), .max_args = -1,
	.complete_args = CMD_COMPLETE_CONTAINER, .action = rm_action,
};

static const struct cmd_opt wait_options[] = {
	OPT_STRING(0, "condition", struct wait_opts, condition, "string",
		   "What to wait for: not-running, next-exit or removed (docker's API conditions)", .def = "not-running",
		   .complete = CMD_COMPLETE_WORDS, .words = "not-running next-exit removed"),
	OPT_END,
};
const struct cmd_verb cmd_wait_verb = {
	.name = "wait", .usage = "[OPTIONS] CONTAINER [CONTAINER...]",
	.summary = "Block until one or more containers stop, then print their exit codes",
	.opts = wait_options, .opts_size = sizeof(struct wait_opts),
	.min_args = 1, .max_args = -1, .complete_args = CMD_COMPLETE_CONTAINER, .action = wait_action,
};

static const struct cmd_opt prune_options[] = {
	OPT_BOOL('f', "force", struct prune_opts, force, "Do not prompt for confirmation"),
	OPT_END,
};
const struct cmd_verb cmd_container_prune_verb = {
	.name = "prune", .usage = "[OPTIONS]", .summary = "Remove all stopped containers",
	.opts = prune_options, .opts_size = sizeof(struct prune_opts), .action = prune_action,
};

static const struct cmd_opt ps_options[] = {
	OPT_BOOL('a', "all", struct ps_opts, all, "Show all containers (default shows just running)"),
	OPT_LIST('f', "filter", struct ps_opts, filter, "filter",
		 "Filter output based on conditions provided (id, name, label, status, exited, ancestor, before, since, "
		 "network, volume, health, restart-policy)"),
	OPT_STRING(0, "format", struct ps_opts, format, "string",
		   "Format output: table, table TEMPLATE, json (an object a line), raw or a Go TEMPLATE"),
	OPT_INT('n', "last", struct ps_opts, last, "int", "Show n last created containers (includes all states)", .def = "-1"),
	OPT_BOOL('l', "latest", struct ps_opts, latest, "Show the latest created container (includes all states)"),
	OPT_BOOL(0, "no-trunc", struct ps_opts, notrunc, "Don't truncate output"),
	OPT_BOOL(0, "noheading", struct ps_opts, noheading, "Do not print column headings (podman)"),
	OPT_BOOL('q', "quiet", struct ps_opts, quiet, "Only display container IDs"),
	OPT_BOOL('s', "size", struct ps_opts, size, "Display total file sizes"),
	OPT_STRING(0, "sort", struct ps_opts, sort, "string",
		   "Sort output by: command, created, id, image, names, runningfor, size, or status (podman)",
		   .complete = CMD_COMPLETE_WORDS, .words = "command created id image names runningfor size status"),
	OPT_END,
};
const struct cmd_verb cmd_ps_verb = {
	.name = "ps", .usage = "[OPTIONS]", .summary = "List containers", .opts = ps_options,
	.opts_size = sizeof(struct ps_opts), .action = ps_action,
};
