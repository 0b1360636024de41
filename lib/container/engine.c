/* The container lifecycle engine (container.h): states and their
 * transitions, reconcile, finish, the monitor and its protocol, events,
 * the health record.
 *
 * There is no daemon: a running container is one whose monitor (or, for a
 * foreground run, the run process itself) holds an exclusive flock on
 * containers/<id>/monitor.lock (cc_store_container_locked).  A free lock on
 * a container the store calls running means its monitor died (or the
 * machine rebooted): reconcile finishes it on the spot, so nothing shows it
 * running forever. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "container/container.h"
#include "container/crilog.h"
#include "container/monitor.h"
#include "image/image.h"
#include "network/network.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/util.h"

/* ---- states ---- */

static const char *const state_names[] = {
	[CC_STATE_CREATED] = "created",       [CC_STATE_RUNNING] = "running", [CC_STATE_PAUSED] = "paused",
	[CC_STATE_RESTARTING] = "restarting", [CC_STATE_EXITED] = "exited",   [CC_STATE_REMOVING] = "removing",
	[CC_STATE_DEAD] = "dead",
};

const char *cc_container_state_name(enum cc_container_state st)
{
	return (unsigned)st < sizeof(state_names) / sizeof(state_names[0]) ? state_names[st] : "unknown";
}

int cc_container_state_parse(const char *text)
{
	for (size_t i = 0; text != NULL && i < sizeof(state_names) / sizeof(state_names[0]); i++)
		if (strcmp(text, state_names[i]) == 0)
			return (int)i;
	return -1;
}

/* from -> to, docker's (moby container/state.go): a bit per target */
#define T(s) (1u << (s))
static const unsigned transitions[] = {
	[CC_STATE_CREATED] = T(CC_STATE_RUNNING) | T(CC_STATE_EXITED) | T(CC_STATE_REMOVING),
	[CC_STATE_RUNNING] = T(CC_STATE_PAUSED) | T(CC_STATE_RESTARTING) | T(CC_STATE_EXITED) | T(CC_STATE_RUNNING),
	[CC_STATE_PAUSED] = T(CC_STATE_RUNNING) | T(CC_STATE_EXITED),
	[CC_STATE_RESTARTING] = T(CC_STATE_RUNNING) | T(CC_STATE_EXITED) | T(CC_STATE_RESTARTING),
	[CC_STATE_EXITED] = T(CC_STATE_RUNNING) | T(CC_STATE_RESTARTING) | T(CC_STATE_REMOVING) | T(CC_STATE_EXITED),
	[CC_STATE_REMOVING] = T(CC_STATE_DEAD),
	[CC_STATE_DEAD] = T(CC_STATE_REMOVING),
};
#undef T

bool cc_container_transition_ok(enum cc_container_state from, enum cc_container_state to)
{
	return (unsigned)from < sizeof(transitions) / sizeof(transitions[0]) && (unsigned)to < 32 &&
	       (transitions[from] & (1u << to)) != 0;
}

static char *container_file(struct cc_store *s, const char *id, const char *name);

int cc_container_set_state(struct cc_store *s, struct cc_container_record *c, enum cc_container_state to,
			   int exit_code, bool oom_killed, cc_error **err)
{
	/* Under the container's state lock, from its state as the row has
	 * it now (c may be stale): two commands never both make a move
	 * that only one may make (two rm: one removes, the other is told). */
	_cleanup_free_ char *lockpath = container_file(s, c->id, CC_CONTAINER_STATE_LOCK_FILE);
	_cleanup_close_ int lock = lockpath != NULL ? open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600) : -1;
	if (lock < 0 && errno == ENOENT) /* removed meanwhile (its directory went first) */
		return cc_error_setk(err, CC_ERR_NOT_FOUND, 0, "No such container: %s", c->name);
	if (lock < 0 || flock(lock, LOCK_EX) < 0)
		return cc_error_set(err, errno, "lock container %s", c->name);
	struct cc_container_record *now = NULL;
	if (cc_store_container_get(s, c->id, &now, err) < 0)
		return -1;
	char *st = strdup(now->state);
	cc_container_record_free(now);
	if (st != NULL) {
		free(c->state);
		c->state = st;
	}
	int from = cc_container_state_parse(c->state);
	if (from == CC_STATE_REMOVING && to == CC_STATE_REMOVING)
		return cc_error_setk(err, CC_ERR_IN_USE, 0, "removal of container %s is already in progress", c->name);
	if (from < 0 || !cc_container_transition_ok((enum cc_container_state)from, to))
		return cc_error_setk(err, CC_ERR_INVALID, 0, "container %s: cannot go from %s to %s", c->name,
				     c->state != NULL ? c->state : "?", cc_container_state_name(to));
	if (cc_store_container_update_state(s, c->id, cc_container_state_name(to), 0, exit_code, oom_killed, err) < 0)
		return -1;
	if ((st = strdup(cc_container_state_name(to))) != NULL) {
		free(c->state);
		c->state = st;
	}
	c->exit_code = exit_code;
	c->oom_killed = oom_killed;
	if (to == CC_STATE_EXITED || to == CC_STATE_RESTARTING) {
		c->pid = 0;
		c->finished = time(NULL);
	}
	return 0;
}

int cc_container_exit_code(const cc_error *e)
{
	if (e != NULL && e->kind == CC_ERR_EXEC_NOTFOUND)
		return 127;
	if (e != NULL && e->kind == CC_ERR_EXEC_PERM)
		return 126;
	return 125;
}

bool cc_container_is_paused(const struct cc_container_record *c)
{
	return c->state != NULL && strcmp(c->state, "paused") == 0;
}

bool cc_container_is_running(const struct cc_container_record *c)
{
	return c->state != NULL && (strcmp(c->state, "running") == 0 || cc_container_is_paused(c));
}

bool cc_container_pid_alive(const struct cc_container_record *c)
{
	return c->pid > 0 && c->pid_start != 0 && cc_pid_start_time(c->pid) == c->pid_start;
}

/* ---- the container's files ---- */

static char *container_file(struct cc_store *s, const char *id, const char *name)
{
	_cleanup_free_ char *dir = cc_store_container_path(s, id);
	char *p = NULL;
	if (dir == NULL || asprintf(&p, "%s/%s", dir, name) < 0)
		return NULL;
	return p;
}

json_t *cc_container_config(const struct cc_container_record *c)
{
	json_t *j = c->config_json ? json_loads(c->config_json, 0, NULL) : NULL;
	return json_is_object(j) ? j : (json_decref(j), json_object());
}

/* The exit status the monitor recorded (monitor.h), or -1. */
static int recorded_exit(struct cc_store *s, const char *id)
{
	_cleanup_free_ char *path = container_file(s, id, CC_MON_EXIT_FILE), *text = NULL;
	size_t len = 0;
	cc_error *e = NULL;
	if (path == NULL || cc_read_file(path, 32, &text, &len, &e) < 0) {
		cc_error_free(e);
		return -1;
	}
	char *end = NULL;
	long v = strtol(text, &end, 10);
	return end != text && *end == '\n' && v >= 0 && v <= 255 ? (int)v : -1;
}

void cc_container_mark_stopped(struct cc_store *s, const char *id, bool stopped)
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

bool cc_container_stopped_by_hand(struct cc_store *s, const char *id)
{
	_cleanup_free_ char *p = container_file(s, id, CC_CONTAINER_STOPPED_FILE);
	return p != NULL && access(p, F_OK) == 0;
}

int64_t cc_container_restart_count(struct cc_store *s, const char *id)
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

json_t *cc_container_health(struct cc_store *s, const struct cc_container_record *c, const json_t *cfg)
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

int cc_container_health_record(struct cc_store *s, const struct cc_container_record *c,
			       const struct cc_health_config *hc, const struct cc_health_result *r,
			       const char **ret_status, cc_error **err)
{
	_cleanup_free_ char *dir = cc_store_container_path(s, c->id), *lock = NULL, *path = NULL;
	if (dir == NULL || asprintf(&lock, "%s/health.lock", dir) < 0 ||
	    asprintf(&path, "%s/" CC_CONTAINER_HEALTH_FILE, dir) < 0)
		return cc_error_set(err, ENOMEM, "record the health of container %.12s", c->id);
	_cleanup_close_ int lfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lfd >= 0)
		(void)flock(lfd, LOCK_EX);
	/* read under the lock: another check may have recorded meanwhile */
	json_t *cfg = cc_container_config(c);
	json_t *old = cc_container_health(s, c, cfg);
	json_decref(cfg);
	bool in_start = r->start_ns - (int64_t)c->started * 1000000000LL < hc->start_period_ns;
	json_t *h = cc_health_update(old, r, in_start, hc->retries);
	const char *before = cc_health_status(old); /* the status strings are static */
	json_decref(old);
	_cleanup_free_ char *text = h != NULL ? json_dumps(h, JSON_COMPACT) : NULL;
	if (text == NULL) {
		json_decref(h);
		return cc_error_set(err, ENOMEM, "record the health of container %.12s", c->id);
	}
	*ret_status = cc_health_status(h);
	json_decref(h);
	if (cc_write_file_atomic(path, text, strlen(text), 0600, err) < 0)
		return -1;
	if (strcmp(before, *ret_status) != 0) {
		char action[64];
		snprintf(action, sizeof(action), "health_status: %s", *ret_status);
		cc_container_event(s, c, action, NULL);
	}
	return 0;
}

int cc_container_tell_restart_policy(struct cc_store *s, const struct cc_container_record *c,
				     const struct cc_restart_policy *p, cc_error **err)
{
	char name[48], text[64];
	cc_restart_policy_format(p, name, sizeof(name));
	snprintf(text, sizeof(text), "%s\n", name);
	_cleanup_free_ char *path = container_file(s, c->id, CC_CONTAINER_POLICY_FILE);
	if (path == NULL)
		return cc_error_set(err, ENOMEM, "update container %.12s", c->id);
	return cc_write_file_atomic(path, text, strlen(text), 0600, err);
}

bool cc_container_log_none(const json_t *cfg)
{
	const char *type = json_string_value(json_object_get(json_object_get(cfg, "LogConfig"), "Type"));
	return type != NULL && strcmp(type, "none") == 0;
}

int cc_container_parse_max_file(const char *v, int *ret)
{
	char *end = NULL;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < 1 || n > CC_MON_LOG_FILES_MAX)
		return -1;
	*ret = (int)n;
	return 0;
}

int cc_container_log_limits(const json_t *cfg, int64_t *ret_max_size, int *ret_max_file, cc_error **err)
{
	*ret_max_size = 0;
	*ret_max_file = 1;
	if (cc_container_log_none(cfg)) {
		*ret_max_file = 0; /* the monitor's "no log" */
		return 0;
	}
	json_t *opts = json_object_get(json_object_get(cfg, "LogConfig"), "Config");
	json_t *size = json_object_get(opts, "max-size"), *files = json_object_get(opts, "max-file");
	if (size != NULL && (!json_is_string(size) || cc_parse_size(json_string_value(size), ret_max_size) < 0 ||
			     *ret_max_size <= 0))
		return cc_error_setk(err, CC_ERR_INVALID, 0, "its LogConfig has an invalid max-size");
	if (files != NULL &&
	    (!json_is_string(files) || cc_container_parse_max_file(json_string_value(files), ret_max_file) < 0))
		return cc_error_setk(err, CC_ERR_INVALID, 0, "its LogConfig has an invalid max-file");
	return 0;
}

/* ---- events ---- */

/* The labels of a container's config, parsed once for the several events
 * one command records about one container (run: create, start, die,
 * destroy): the last config's text and its labels are kept. */
static const json_t *config_labels(const struct cc_container_record *c)
{
	static char *text;
	static json_t *labels;
	const char *cur = c->config_json != NULL ? c->config_json : "";
	if (text == NULL || strcmp(text, cur) != 0) {
		free(text);
		json_decref(labels);
		json_t *cfg = cc_container_config(c);
		labels = json_incref(json_object_get(cfg, "Labels"));
		json_decref(cfg);
		text = strdup(cur);
	}
	return labels;
}

void cc_container_event(struct cc_store *s, const struct cc_container_record *c, const char *action,
			const char *const *extra)
{
	const json_t *labels = config_labels(c);
	size_t n_extra = 0, n_labels = json_is_object(labels) ? json_object_size(labels) : 0;
	while (extra != NULL && extra[n_extra] != NULL)
		n_extra += 2;
	/* docker: the container's labels, then image and name, then the
	 * action's own (exitCode, signal, ...): a later key wins */
	_cleanup_free_ const char **attrs = calloc(2 * n_labels + 4 + n_extra + 1, sizeof(*attrs));
	if (attrs == NULL)
		return;
	size_t n = 0;
	const char *k;
	json_t *v;
	if (n_labels > 0)
		json_object_foreach((json_t *)labels, k, v) {
			if (json_is_string(v)) {
				attrs[n++] = k;
				attrs[n++] = json_string_value(v);
			}
		}
	attrs[n++] = "image";
	attrs[n++] = c->image_name != NULL && *c->image_name != '\0' ? c->image_name : c->image_id;
	attrs[n++] = "name";
	attrs[n++] = c->name;
	for (size_t i = 0; i < n_extra; i++)
		attrs[n++] = extra[i];
	attrs[n] = NULL;
	/* an event that cannot be recorded never fails what it records */
	cc_error *e = NULL;
	if (cc_store_event(s, "container", action, c->id, attrs, &e) < 0)
		cc_debugf("events: %s", e->msg);
	cc_error_free(e);
}

/* ---- finish, reconcile ---- */

int cc_container_finish_record(struct cc_store *s, const struct cc_container_record *c, int status, bool oom_killed,
			       bool cgroup_removed, bool *ret_removed, cc_error **err)
{
	const char *id = c->id;
	int rc = 0;
	cc_error *e = NULL;
	if (ret_removed != NULL)
		*ret_removed = false;
	/* The cgroup of a detached container outlives cc_runtime_start: its
	 * processes are gone now, so it goes, telling whether the kernel
	 * OOM-killed one of them. */
	if (!cgroup_removed) {
		bool oom = false;
		if (cc_runtime_cgroup_cleanup(id, &oom, &e) < 0) {
			cc_warnf("remove the cgroup of container %.12s: %s", id, e->msg);
			cc_error_clear(&e);
		}
		oom_killed |= oom;
	}
	/* finish is idempotent: the events only for the end of a run */
	if (cc_container_is_running(c)) {
		char code[16], secs[24];
		snprintf(code, sizeof(code), "%d", status);
		snprintf(secs, sizeof(secs), "%lld", (long long)(time(NULL) - c->started));
		if (oom_killed)
			cc_container_event(s, c, "oom", NULL);
		cc_container_event(s, c, "die", (const char *const[]){ "exitCode", code, "execDuration", secs, NULL });
	}
	json_t *cfg = cc_container_config(c);
	bool autoremove = json_is_true(json_object_get(cfg, "AutoRemove"));
	/* a container about to be removed needs no "exited" row first; one
	 * marked dead (its removal failed) stays so */
	int from = cc_container_state_parse(c->state);
	bool record = !autoremove && (from < 0 || cc_container_transition_ok((enum cc_container_state)from,
									      CC_STATE_EXITED));
	int r = record ? cc_store_container_update_state(s, id, "exited", 0, status, oom_killed, &e) : 0;
	/* What the container held outside its own namespaces. */
	if (r == 0)
		r = cc_network_release(s, id, cfg, &e);
	/* docker removes an --rm container's anonymous volumes with it */
	_cleanup_strv_ char **anon = autoremove ? cc_container_anonymous_volumes(cfg) : NULL;
	json_decref(cfg);
	if (r == 0 && autoremove) {
		/* The directories' space comes back in the background
		 * (util.h): on this path they are a container's whole upper
		 * and work dirs, freed right before the command returns. */
		struct cc_kept kept = { .n = 0 };
		if (cc_store_container_remove(s, id, &kept, &e) < 0) {
			r = -1; /* kept: as a stopped container */
			(void)cc_store_container_update_state(s, id, "exited", 0, status, oom_killed, NULL);
		} else {
			cc_container_event(s, c, "destroy", NULL);
			cc_container_remove_volumes(s, anon);
			if (ret_removed != NULL)
				*ret_removed = true;
		}
		cc_kept_release_async(&kept);
	}
	if (r < 0) {
		if (err != NULL && *err == NULL)
			*err = steal_ptr(&e);
		cc_error_clear(&e);
		rc = -1;
	}
	/* Its run-time files last: the next start makes them again. */
	_cleanup_free_ char *rundir = cc_store_container_rundir(s, id);
	if (rundir != NULL && cc_rm_rf(rundir, &e) < 0) {
		cc_warnf("remove the run-time files of container %.12s: %s", id, e->msg);
		cc_error_clear(&e);
	}
	return rc;
}

int cc_container_finish(struct cc_store *s, const char *id, int status, bool oom_killed, bool cgroup_removed,
			bool *ret_removed, cc_error **err)
{
	if (ret_removed != NULL)
		*ret_removed = false;
	struct cc_container_record *c = NULL;
	cc_error *ge = NULL;
	if (cc_store_container_get(s, id, &c, &ge) < 0) {
		/* gone already (an --rm container's monitor removed it): finished */
		bool gone = ge != NULL && ge->kind == CC_ERR_NOT_FOUND;
		if (ret_removed != NULL)
			*ret_removed = gone;
		if (gone || err == NULL)
			cc_error_free(ge);
		else
			*err = ge;
		return gone ? 0 : -1;
	}
	int rc = cc_container_finish_record(s, c, status, oom_killed, cgroup_removed, ret_removed, err);
	cc_container_record_free(c);
	return rc;
}

int cc_container_reconcile(struct cc_store *s, struct cc_container_record *c, cc_error **err)
{
	if (strcmp(c->state, "restarting") == 0 && !cc_store_container_locked(s, c->id))
		/* its monitor died waiting to restart it (a reboot): exited */
		return cc_container_set_state(s, c, CC_STATE_EXITED, c->exit_code, c->oom_killed, err);
	if (!cc_container_is_running(c) || cc_store_container_locked(s, c->id))
		return 0;
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
	if (!cc_container_is_running(c))
		return 0;
	/* it exited, and its monitor wrote down how; else it is killed now */
	int status = recorded_exit(s, c->id);
	if (status < 0) {
		status = 255;
		if (cc_container_pid_alive(c) && kill(c->pid, SIGKILL) == 0) {
			status = 137;
			if (cc_container_is_paused(c)) { /* a frozen v1 task dies only when thawed */
				(void)cc_runtime_cgroup_freeze(c->id, false, &e);
				cc_error_clear(&e);
			}
			/* its mounts and namespaces go with it: give it a moment */
			for (int i = 0; i < 200 && cc_pid_start_time(c->pid) == c->pid_start; i++) {
				struct timespec ts = { 0, 10 * 1000000L };
				nanosleep(&ts, NULL);
			}
		}
	}
	int rc = cc_container_finish(s, c->id, status, false, false, NULL, err);
	if (rc < 0 && err != NULL && *err != NULL)
		cc_error_prefix(err, "finish container %.12s", c->id);
	free(c->state);
	c->state = strdup("exited");
	c->exit_code = status;
	c->pid = 0;
	c->finished = time(NULL);
	return rc;
}

bool cc_container_wait_stopped(struct cc_store *s, const char *id, int timeout_ms)
{
	for (int waited = 0; timeout_ms < 0 || waited <= timeout_ms; waited += 10) {
		if (!cc_store_container_locked(s, id))
			return true;
		struct timespec ts = { 0, 10 * 1000000L };
		nanosleep(&ts, NULL);
	}
	return false;
}

/* ---- the monitor ---- */

static int spawn_monitor(struct cc_store *s, const struct cc_container_record *c, int restarts, cc_error **err)
{
	const char *id = c->id;
	json_t *cfg = cc_container_config(c);
	bool tty = json_is_true(json_object_get(cfg, "Tty"));
	/* stdin: 0 none, 1 open, 2 open with StdinOnce (closed at the first
	 * attached client's stdin EOF) */
	const char *stdin_arg = !json_is_true(json_object_get(cfg, "OpenStdin"))  ? "0"
				: json_is_true(json_object_get(cfg, "StdinOnce")) ? "2"
										  : "1";
	int64_t max_size = 0;
	int max_file = 1;
	int lr = cc_container_log_limits(cfg, &max_size, &max_file, err);
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
	/* the log's format: LogConfig.Type's (a static name) */
	const char *log_format = cc_log_format_name(
		cc_log_format_of(json_string_value(json_object_get(json_object_get(cfg, "LogConfig"), "Type"))));
	json_decref(cfg);
	if (lr < 0)
		return cc_error_prefix(err, "start container %.12s", id);
	/* the monitor rotates ctr.log: bytes per file (0: no cap), files in all */
	char size_arg[24], files_arg[16];
	snprintf(size_arg, sizeof(size_arg), "%lld", (long long)max_size);
	snprintf(files_arg, sizeof(files_arg), "%d", max_file);
	char restarts_arg[16];
	snprintf(restarts_arg, sizeof(restarts_arg), "%d", restarts);
	_cleanup_free_ char *mon = cc_helper_path("ccontainer-monitor", "CCONTAINER_MONITOR");
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
		if (setenv("CCONTAINER_RUNROOT", cc_store_runroot(s), 1) < 0)
			_exit(125);
		int fd = fcntl(rp[1], F_DUPFD, 3);
		char fdbuf[16];
		snprintf(fdbuf, sizeof(fdbuf), "%d", fd);
		execl(mon, mon, self, cc_store_root(s), id, dir, fdbuf, tty ? "1" : "0", stdin_arg,
		      size_arg, files_arg, policy_arg, hi_arg, hsp_arg, hsi_arg, log_format, restarts_arg, (char *)NULL);
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

int cc_container_spawn_monitor(struct cc_store *s, const struct cc_container_record *c, cc_error **err)
{
	return spawn_monitor(s, c, 0, err);
}

int cc_container_restart_foreground(struct cc_store *s, const struct cc_container_record *c, int status, cc_error **err)
{
	json_t *cfg = cc_container_config(c);
	struct cc_restart_policy policy;
	cc_restart_policy_from_config(cfg, &policy);
	json_decref(cfg);
	if (!cc_restart_should(&policy, status, 0, cc_container_stopped_by_hand(s, c->id)))
		return 0;
	/* docker's first delay, then a monitor as for `start`, counting this
	 * restart */
	struct timespec ts = { 0, CC_RESTART_DELAY_FIRST_MS * 1000000L };
	nanosleep(&ts, NULL);
	struct cc_container_record *now = NULL;
	if (cc_store_container_get(s, c->id, &now, err) < 0)
		return -1;
	int r = spawn_monitor(s, now, 1, err);
	cc_container_record_free(now);
	return r < 0 ? -1 : 1;
}

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

int cc_container_monitor_report(int fd, pid_t pid, int pty, const int *hold, size_t n_hold, const cc_error *e)
{
	if (fd < 0)
		return -1;
	/* the open ones (a port pasta holds has none here) */
	int open_fds[CC_MON_HOLD_MAX];
	size_t k = 0;
	for (size_t i = 0; e == NULL && i <= n_hold; i++) {
		if (i < n_hold && hold[i] >= 0)
			open_fds[k++] = hold[i];
		if (k > 0 && (k == CC_MON_HOLD_MAX || i == n_hold)) {
			struct cc_mon_msg h = { .version = CC_MON_VERSION, .type = CC_MON_HOLD };
			if (monitor_send(fd, &h, open_fds, k) < 0)
				return -1;
			k = 0;
		}
	}
	struct cc_mon_msg m = { .version = CC_MON_VERSION, .type = e == NULL ? CC_MON_OK : CC_MON_ERROR, .pid = pid };
	if (e != NULL) {
		m.errnum = e->errnum;
		m.kind = e->kind;
		snprintf(m.msg, sizeof(m.msg), "%s", e->msg != NULL ? e->msg : "container start failed");
	}
	return monitor_send(fd, &m, &pty, pty >= 0 ? 1 : 0);
}
