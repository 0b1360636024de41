/* Container lifecycle verbs: ps, logs, stop, kill, start, restart, rm, wait,
 * container prune/inspect, attach, and the monitor's two internal steps
 * (__start, __cleanup).
 *
 * There is no daemon: a running container is one whose monitor (or, for a
 * foreground `run`, the run process itself) holds an exclusive flock on
 * containers/<id>/monitor.lock.  A free lock on a container the store calls
 * running means its monitor died (or the machine rebooted): the container is
 * then finished on the spot, so `ps` never shows it running forever. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "monitor/protocol.h"
#include "util/strbuf.h"
#include "net.h"
#include "util/json.h"

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

/* Refresh a record's state: a "running" container without a live monitor
 * is finished now: with the status its monitor recorded when the container
 * exited (and then could not hand on: ccontainer moved or upgraded away),
 * else as killed (its process killed if it survived the monitor). */
void cmd_container_reconcile(struct cc_store *s, struct cc_container_record *c)
{
	if (strcmp(c->state, "running") != 0 || monitor_alive(s, c->id))
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
	if (strcmp(c->state, "running") != 0)
		return;
	/* it exited, and its monitor wrote down how; else it is killed now */
	int status = recorded_exit(s, c->id);
	if (status < 0) {
		status = 255;
		if (pid_is_container(c) && kill(c->pid, SIGKILL) == 0) {
			status = 137;
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

static bool is_running(const struct cc_container_record *c)
{
	return strcmp(c->state, "running") == 0;
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
		} else if (ret_removed != NULL) {
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
	if (cc_store_container_get(s, id, &c, err) < 0)
		return -1;
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
		      size_arg, files_arg, (char *)NULL);
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
static char **stored_args(const struct cc_container_record *c, int *ret_argc)
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
int cmd_internal_start(int argc, char **argv)
{
	if (argc != 2)
		return cmd_failf(EXIT_CC_ERROR, "usage: __start ID");
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
	if (cc_store_container_get(s, argv[1], &c, &e) < 0) {
		cmd_monitor_report(fd, -1, -1, NULL, 0, e);
		cc_store_close(s);
		return cmd_fail(e, EXIT_CC_ERROR);
	}
	int rargc = 0;
	char **rargv = stored_args(c, &rargc);
	_cleanup_free_ char *id = strdup(c->id);
	cc_container_record_free(c);
	cc_store_close(s);
	if (rargv == NULL || id == NULL) {
		cc_error_set(&e, ENOMEM, "start container %s", argv[1]);
		cmd_monitor_report(fd, -1, -1, NULL, 0, e);
		return cmd_fail(e, EXIT_CC_ERROR);
	}
	optind = 0;
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

/* ccontainer __cleanup ID STATUS: exec'd by the monitor after the exit. */
int cmd_internal_cleanup(int argc, char **argv)
{
	if (argc != 3)
		return cmd_failf(EXIT_CC_ERROR, "usage: __cleanup ID STATUS");
	struct cc_store *s = cmd_open_store();
	if (s == NULL)
		return EXIT_CC_ERROR;
	cc_error *e = NULL;
	int rc = 0;
	if (cmd_container_finish(s, argv[1], atoi(argv[2]), false, false, NULL, &e) < 0)
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
		snprintf(out, outlen, "Up %s", ago);
	} else if (strcmp(c->state, "exited") == 0) {
		cc_human_ago((int64_t)now - c->finished, ago, sizeof(ago));
		snprintf(out, outlen, "Exited (%d) %s ago", c->exit_code, ago);
	} else {
		snprintf(out, outlen, "Created");
	}
}

char *cmd_container_ports_text(const struct cc_container_record *c)
{
	json_t *cfg = cmd_container_config(c);
	json_t *ports = json_object_get(cfg, "Ports");
	struct cc_strbuf sb = { 0 };
	size_t i;
	json_t *p;
	json_array_foreach(ports, i, p) {
		const char *hip = json_string_value(json_object_get(p, "HostIp"));
		json_int_t hp = json_integer_value(json_object_get(p, "HostPort"));
		json_int_t cp = json_integer_value(json_object_get(p, "ContainerPort"));
		const char *proto = json_string_value(json_object_get(p, "Protocol"));
		cc_strbuf_addf(&sb, "%s%s:%lld->%lld/%s", i ? ", " : "", hip && *hip ? hip : "0.0.0.0", (long long)hp,
			       (long long)cp, proto ? proto : "tcp");
	}
	json_decref(cfg);
	return cc_strbuf_steal(&sb);
}


struct ps_opts {
	bool all, quiet, notrunc, latest, noheading;
	int64_t last;
	const char *format;
	struct cmd_strv filter;
};

/* docker's ps filters: the same key ORs, different keys AND. */
struct ps_filter {
	const char *key, *value;
};

static const char *const ps_filter_keys[] = { "id", "name", "label", "status", "exited", "ancestor", "before",
					      "since", "network", "volume", "health", NULL };
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

static bool ps_one_matches(struct cc_store *s, const struct ps_list *l, size_t at, const json_t *cfg, const char *key,
			   const char *v)
{
	const struct cc_container_record *r = l->v[at];
	if (strcmp(key, "id") == 0)
		return strncmp(r->id, v, strlen(v)) == 0;
	if (strcmp(key, "name") == 0)
		return strstr(r->name, v) != NULL;
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
	if (strcmp(key, "health") == 0) /* no healthchecks run yet: every container is "none" */
		return strcmp(v, "none") == 0;
	return false; /* volume: no container has a volume yet */
}

static bool ps_matches(struct cc_store *s, const struct ps_list *l, size_t at, const struct ps_filter *f)
{
	if (f == NULL || f[0].key == NULL)
		return true;
	json_t *cfg = cmd_container_config(l->v[at]);
	bool ok = true;
	for (size_t i = 0; ok && f[i].key != NULL; i++) {
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

/* One row of ps in docker's `ps --format json` shape (every value a string). */
static json_t *ps_row(const struct cc_container_record *r, bool notrunc, time_t now)
{
	char sid[65], created[64], status[96], createdat[64] = "";
	snprintf(sid, sizeof(sid), notrunc ? "%s" : "%.12s", r->id);
	cc_human_ago((int64_t)now - r->created, created, sizeof(created) - 4);
	strncat(created, " ago", sizeof(created) - strlen(created) - 1);
	status_text(r, status, sizeof(status));
	struct tm tm;
	time_t t = (time_t)r->created;
	if (gmtime_r(&t, &tm))
		strftime(createdat, sizeof(createdat), "%Y-%m-%d %H:%M:%S +0000 UTC", &tm);
	const char *cmdl = r->command ? r->command : "";
	struct cc_strbuf cmd = { 0 };
	size_t chars = 0;
	const char *p = cmdl;
	for (; *p && (notrunc || chars < 19); p++) /* 20 display columns as docker: 19 and … */
		chars += ((unsigned char)*p & 0xc0) != 0x80;
	while (*p && ((unsigned char)*p & 0xc0) == 0x80) /* not in the middle of a character */
		p++;
	cc_strbuf_addf(&cmd, "\"%.*s%s\"", (int)(p - cmdl), cmdl, *p ? "…" : "");
	_cleanup_free_ char *command = cc_strbuf_steal(&cmd);
	_cleanup_free_ char *ports = cmd_container_ports_text(r);
	json_t *cfg = cmd_container_config(r);
	const char *net = json_string_value(json_object_get(cfg, "Network"));
	json_t *row = json_pack("{s:o, s:s, s:s, s:o, s:s, s:s, s:s, s:o, s:s, s:s, s:s, s:s, s:s, s:s}", "Command",
				cc_json_text(command ? command : ""), "CreatedAt", createdat, "ID", sid, "Image",
				cc_json_text(r->image_name ? r->image_name : r->image_id), "Labels", "", "LocalVolumes", "0",
				"Mounts", "", "Names", cc_json_text(r->name), "Networks", net ? net : "bridge", "Ports",
				ports ? ports : "", "RunningFor", created, "Size", "0B", "State", r->state, "Status", status);
	json_decref(cfg);
	return row;
}

static int ps_action(void *opts, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	struct ps_opts *o = opts;
	bool json = false;
	if (o->format != NULL) {
		if (strcmp(o->format, "json") != 0 && strcmp(o->format, "{{json .}}") != 0)
			return cmd_usagef("unsupported --format '%s' (use json)", o->format);
		json = true;
	}
	if (o->latest)
		o->last = 1;
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
	struct cc_container_record **list = NULL;
	size_t n = 0;
	cc_error *e = NULL;
	if (cc_store_container_list(s, &list, &n, &e) < 0) { /* newest first */
		ps_free_filters(filters);
		cc_store_close(s);
		return cmd_fail(e, EXIT_CC_ERROR);
	}
	static const char *const hdr[] = { "CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES" };
	static const char *const keys[] = { "ID", "Image", "Command", "RunningFor", "Status", "Ports", "Names" };
	struct table *t = table_new(7, hdr);
	time_t now = time(NULL);
	int64_t shown = 0;
	for (size_t i = 0; i < n; i++) {
		struct cc_container_record *r = list[i];
		cmd_container_reconcile(s, r);
		/* -n/--last: the newest N, whatever their state (docker) */
		if ((!o->all && o->last <= 0 && !is_running(r)) || (o->last > 0 && shown >= o->last) ||
		    !ps_matches(s, &(struct ps_list){ list, n }, i, filters))
			continue;
		shown++;
		if (o->quiet) {
			printf(o->notrunc ? "%s\n" : "%.12s\n", r->id);
			continue;
		}
		json_t *row = ps_row(r, o->notrunc, now);
		if (json) {
			_cleanup_free_ char *line = row ? json_dumps(row, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
			if (line)
				printf("%s\n", line);
		} else if (row != NULL) {
			const char *cells[7];
			for (size_t k = 0; k < 7; k++)
				cells[k] = json_string_value(json_object_get(row, keys[k]));
			table_add(t, cells);
		}
		json_decref(row);
	}
	if (!json && !o->quiet)
		table_print(t, !o->noheading);
	table_free(t);
	for (size_t i = 0; i < n; i++)
		cc_container_record_free(list[i]);
	free(list);
	ps_free_filters(filters);
	cc_store_close(s);
	return 0;
}

/* ---- signals: stop, kill ---- */

static int parse_signal(const char *s)
{
	static const struct { const char *name; int sig; } names[] = {
		{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT }, { "KILL", SIGKILL }, { "USR1", SIGUSR1 },
		{ "USR2", SIGUSR2 }, { "TERM", SIGTERM }, { "STOP", SIGSTOP }, { "CONT", SIGCONT }, { "WINCH", SIGWINCH },
		{ "ALRM", SIGALRM }, { "PIPE", SIGPIPE },
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
	return -1;
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
	struct cc_run_config *ic = NULL;
	cc_error *e = NULL;
	int sig = SIGTERM;
	if (cc_image_run_config(s, c->image_id, &ic, &e) == 0 && ic->stop_signal && parse_signal(ic->stop_signal) > 0)
		sig = parse_signal(ic->stop_signal);
	cc_error_free(e);
	cc_run_config_free(ic);
	return sig;
}

/* Stop: sig (0: the StopSignal), then SIGKILL after the timeout; waits for the cleanup. */
static int stop_one(struct cc_store *s, struct cc_container_record *c, int timeout, int sig)
{
	if (!is_running(c))
		return 0;
	if (pid_is_container(c)) {
		(void)kill(c->pid, sig > 0 ? sig : stop_signal(s, c));
		if (!wait_stopped(s, c->id, timeout * 1000)) {
			(void)kill(c->pid, SIGKILL);
			if (!wait_stopped(s, c->id, 10000))
				return cmd_failf(EXIT_CC_ERROR, "container %s did not stop", c->name);
		}
	} else {
		wait_stopped(s, c->id, 2000);
	}
	cmd_container_reconcile(s, c);
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
};

/* One container of a list verb: fn, then its name echoed as docker does. */
static int each_one(struct cc_store *s, struct cc_container_record *c, const char *ref, struct ctr_opts *o,
		    int (*fn)(struct cc_store *, struct cc_container_record *, struct ctr_opts *), bool echo)
{
	cmd_container_reconcile(s, c);
	int r = fn(s, c, o);
	if (r == 0 && echo)
		printf("%s\n", ref);
	return r;
}

/* fn over the named containers, or every one with --all (by ID); a missing
 * name is "No such container" (1) unless --ignore. */
static int each_container(const char *verb, struct ctr_opts *o, int argc, char **argv,
			  int (*fn)(struct cc_store *, struct cc_container_record *, struct ctr_opts *), bool echo)
{
	if (o->all && argc > 0)
		return cmd_usagef("when using the --all switch, you may not pass any container names or IDs");
	if (!o->all && argc == 0)
		return cmd_usagef("\"%s\" requires at least 1 argument (or --all).", verb);
	struct cc_store *s = cmd_open_store();
	if (s == NULL)
		return EXIT_CC_ERROR;
	cc_error *e = NULL;
	int rc = 0;
	if (o->all) {
		struct cc_container_record **list = NULL;
		size_t n = 0;
		if (cc_store_container_list(s, &list, &n, &e) < 0)
			rc = cmd_fail(e, EXIT_CC_ERROR);
		for (size_t i = 0; i < n; i++) {
			int r = each_one(s, list[i], list[i]->id, o, fn, echo);
			rc = r != 0 ? r : rc;
			cc_container_record_free(list[i]);
		}
		free(list);
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
		int r = each_one(s, c, argv[i], o, fn, echo);
		rc = r != 0 ? r : rc;
		cc_container_record_free(c);
	}
	cc_store_close(s);
	return rc;
}

static int check_time(struct ctr_opts *o)
{
	if (o->time < 0 || o->time > 86400)
		return cmd_usagef("invalid timeout %lld: seconds from 0 to 86400", (long long)o->time);
	return 0;
}

static int stop_cb(struct cc_store *s, struct cc_container_record *c, struct ctr_opts *o)
{
	return stop_one(s, c, (int)o->time, o->sig);
}

static int parse_signal_opt(struct ctr_opts *o, int dflt)
{
	o->sig = dflt;
	if (o->signal != NULL && (o->sig = parse_signal(o->signal)) < 0)
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
	(void)s;
	return signal_container(c, o->sig);
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
	if (is_running(c))
		return 0;
	cc_error *e = NULL;
	if (cmd_spawn_monitor(s, c, &e) < 0)
		return cmd_fail(e, cmd_exit_code(e));
	return 0;
}

static int start_cb(struct cc_store *s, struct cc_container_record *c, struct ctr_opts *o)
{
	(void)o;
	return start_one(s, c);
}

static int start_action(void *opts, int argc, char **argv)
{
	return each_container("start", opts, argc, argv, start_cb, true);
}

static int restart_cb(struct cc_store *s, struct cc_container_record *c, struct ctr_opts *o)
{
	int r = stop_one(s, c, (int)o->time, 0);
	return r != 0 ? r : start_one(s, c);
}

static int restart_action(void *opts, int argc, char **argv)
{
	int rc = check_time(opts);
	return rc != 0 ? rc : each_container("restart", opts, argc, argv, restart_cb, true);
}

/* ---- rm, prune, wait ---- */

static int remove_one(struct cc_store *s, struct cc_container_record *c, bool force, int timeout)
{
	if (is_running(c)) {
		if (!force)
			return cmd_failf(EXIT_CC_ERROR,
					 "cannot remove container %s: container is running: stop the container before removing or force remove",
					 c->name);
		if (timeout > 0) { /* podman's rm -t: a stop first */
			int r = stop_one(s, c, timeout, 0);
			if (r != 0)
				return r;
		} else {
			if (pid_is_container(c))
				(void)kill(c->pid, SIGKILL);
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
		if (!is_running(list[i])) {
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

static int wait_action(void *opts, int argc, char **argv)
{
	(void)opts;
	struct cc_store *s = cmd_open_store();
	if (s == NULL)
		return EXIT_CC_ERROR;
	int rc = 0;
	for (int i = 0; i < argc; i++) {
		struct cc_container_record *c = get_container(s, argv[i]);
		if (c == NULL) {
			rc = EXIT_CC_ERROR;
			continue;
		}
		if (is_running(c))
			wait_stopped(s, c->id, -1);
		cc_container_record_free(c);
		c = get_container(s, argv[i]);
		if (c == NULL) {
			/* removed by --rm: its code is gone with it */
			rc = EXIT_CC_ERROR;
			continue;
		}
		printf("%d\n", c->exit_code);
		cc_container_record_free(c);
	}
	cc_store_close(s);
	return rc;
}


/* ---- attach ---- */

int cmd_attach(int argc, char **argv)
{
	int c;
	while ((c = getopt(argc, argv, "+:h")) != -1) {
		if (c == 'h') {
			printf("Usage: ccontainer attach CONTAINER   (detach with ctrl-p ctrl-q)\n");
			return 0;
		}
		return cmd_bad_flag(c, argv);
	}
	if (optind != argc - 1)
		return cmd_failf(EXIT_CC_ERROR, "\"attach\" requires exactly 1 argument");
	struct cc_store *s = cmd_open_store();
	if (s == NULL)
		return EXIT_CC_ERROR;
	struct cc_container_record *ct = get_container(s, argv[optind]);
	if (ct == NULL) {
		cc_store_close(s);
		return EXIT_CC_ERROR;
	}
	int rc = 0;
	_cleanup_free_ char *dir = cc_store_container_path(s, ct->id);
	_cleanup_close_ int dfd = dir ? open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
	_cleanup_close_ int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	/* through /proc/self/fd: the container's path may not fit sun_path */
	snprintf(addr.sun_path, sizeof(addr.sun_path), "/proc/self/fd/%d/attach.sock", dfd);
	if (!is_running(ct) || dfd < 0 || sock < 0 || connect(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		rc = cmd_failf(EXIT_CC_ERROR, "you cannot attach to a stopped container, start it first");
		goto out;
	}
	struct termios saved;
	bool raw = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0;
	if (raw) {
		struct termios t = saved;
		cfmakeraw(&t);
		(void)tcsetattr(STDIN_FILENO, TCSANOW, &t);
	}
	bool detached = false, ctrl_p = false, in_open = true;
	for (;;) {
		struct pollfd p[2] = { { .fd = sock, .events = POLLIN }, { .fd = in_open ? STDIN_FILENO : -1, .events = POLLIN } };
		if (poll(p, 2, -1) < 0) {
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
		if (p[1].revents) {
			ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
			if (n <= 0) {
				in_open = false;
				continue;
			}
			/* ctrl-p ctrl-q detaches, as in docker */
			for (ssize_t i = 0; i < n; i++) {
				if (ctrl_p && buf[i] == 0x11) {
					detached = true;
					break;
				}
				ctrl_p = buf[i] == 0x10;
			}
			if (detached)
				break;
			(void)cc_write_all(sock, buf, (size_t)n);
		}
	}
	if (raw)
		(void)tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	if (detached) {
		fprintf(stderr, "\nread escape sequence\n");
	} else {
		wait_stopped(s, ct->id, 10000);
		cc_container_record_free(ct);
		ct = get_container(s, argv[optind]);
		rc = ct ? ct->exit_code : 0;
	}
out:
	cc_container_record_free(ct);
	cc_store_close(s);
	return rc;
}



CMD_LEGACY_VERB(cmd_attach_verb, "attach", "[OPTIONS] CONTAINER", "Attach local standard input, output, and error streams to a running container", cmd_attach, .complete_args = CMD_COMPLETE_RUNNING);
CMD_LEGACY_VERB(cmd_internal_start_verb, "__start", "ID", "A detached container's start (its monitor's)", cmd_internal_start, .flags = CMD_VERB_HIDDEN | CMD_VERB_RUNLIKE);
CMD_LEGACY_VERB(cmd_internal_cleanup_verb, "__cleanup", "ID STATUS", "A detached container's end (its monitor's)", cmd_internal_cleanup, .flags = CMD_VERB_HIDDEN);

/* ---- the tables ---- */

#define CTR_ALL OPT_BOOL('a', "all", struct ctr_opts, all, "Every container (podman)")
#define CTR_IGNORE OPT_BOOL(0, "ignore", struct ctr_opts, ignore, "A missing container is not an error (podman)")
#define CTR_TIME(h) OPT_INT('t', "time", struct ctr_opts, time, "int", h, .def = "10")

static const struct cmd_opt stop_options[] = {
	CTR_ALL,
	CTR_IGNORE,
	OPT_STRING('s', "signal", struct ctr_opts, signal, "string", "Signal to send to the container (default: its StopSignal)"),
	CTR_TIME("Seconds to wait before killing the container"),
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
	CTR_TIME("Seconds to wait before killing the container"),
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
	OPT_END,
};
const struct cmd_verb cmd_rm_verb = {
	.name = "rm", .usage = "[OPTIONS] CONTAINER [CONTAINER...]", .summary = "Remove one or more containers",
	.opts = rm_options, .opts_size = sizeof(struct ctr_opts), .max_args = -1,
	.complete_args = CMD_COMPLETE_CONTAINER, .action = rm_action,
};

const struct cmd_verb cmd_wait_verb = {
	.name = "wait", .usage = "CONTAINER [CONTAINER...]",
	.summary = "Block until one or more containers stop, then print their exit codes",
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
		 "network, volume, health)"),
	OPT_STRING(0, "format", struct ps_opts, format, "string", "Format output: json (one object a line)"),
	OPT_INT('n', "last", struct ps_opts, last, "int", "Show n last created containers (includes all states)", .def = "-1"),
	OPT_BOOL('l', "latest", struct ps_opts, latest, "Show the latest created container (includes all states)"),
	OPT_BOOL(0, "no-trunc", struct ps_opts, notrunc, "Don't truncate output"),
	OPT_BOOL(0, "noheading", struct ps_opts, noheading, "Do not print column headings (podman)"),
	OPT_BOOL('q', "quiet", struct ps_opts, quiet, "Only display container IDs"),
	OPT_END,
};
const struct cmd_verb cmd_ps_verb = {
	.name = "ps", .usage = "[OPTIONS]", .summary = "List containers", .opts = ps_options,
	.opts_size = sizeof(struct ps_opts), .action = ps_action,
};
