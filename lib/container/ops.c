/* What the verbs do to a container (container.h): start it under a monitor,
 * stop, kill, pause and unpause it, remove it, with docker's rules for
 * each state and the events they record. */
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "container/container.h"
#include "image/image.h"
#include "util/cleanup.h"
#include "util/util.h"

int cc_container_parse_signal(const char *s)
{
	/* every Linux signal docker knows (moby's signal.SignalMap) */
	static const struct {
		const char *name;
		int sig;
	} names[] = {
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

int cc_container_stop_signal(struct cc_store *s, const struct cc_container_record *c)
{
	/* run --stop-signal, recorded with the container; else the image's */
	json_t *cfg = cc_container_config(c);
	int sig = cc_container_parse_signal(json_string_value(json_object_get(cfg, "StopSignal")));
	json_decref(cfg);
	if (sig > 0)
		return sig;
	struct cc_run_config *ic = NULL;
	cc_error *e = NULL;
	sig = SIGTERM;
	if (cc_image_run_config(s, c->image_id, &ic, &e) == 0 && ic->stop_signal) {
		int isig = cc_container_parse_signal(ic->stop_signal);
		if (isig > 0)
			sig = isig;
		else
			cc_warnf("the image's STOPSIGNAL '%s' is not a signal: SIGTERM instead", ic->stop_signal);
	}
	cc_error_free(e);
	cc_run_config_free(ic);
	return sig;
}

int cc_container_stop_timeout(const struct cc_container_record *c)
{
	json_t *cfg = cc_container_config(c);
	const json_t *t = json_object_get(cfg, "StopTimeout");
	int v = json_is_integer(t) ? (int)json_integer_value(t) : 10;
	json_decref(cfg);
	return v;
}

/* docker's kill event: the signal's number */
static void signal_event(struct cc_store *s, const struct cc_container_record *c, int sig)
{
	char num[16];
	snprintf(num, sizeof(num), "%d", sig);
	cc_container_event(s, c, "kill", (const char *const[]){ "signal", num, NULL });
}

static int not_running(const struct cc_container_record *c, cc_error **err)
{
	return cc_error_setk(err, CC_ERR_INVALID, 0, "container %s is not running", c->name);
}

static int did_not_stop(const struct cc_container_record *c, cc_error **err)
{
	return cc_error_set(err, ETIMEDOUT, "container %s did not stop", c->name);
}

/* Bring c up to date after it stopped; what finishing said is a warning
 * (the stop itself worked: the next reconcile tries again). */
static void refresh(struct cc_store *s, struct cc_container_record *c)
{
	cc_error *e = NULL;
	if (cc_container_reconcile(s, c, &e) < 0 && e != NULL)
		cc_warnf("%s", e->msg);
	cc_error_free(e);
}

/* ---- pause ---- */

static int set_paused(struct cc_store *s, struct cc_container_record *c, bool paused, cc_error **err)
{
	if (cc_store_container_set_paused(s, c->id, paused, err) < 0)
		return -1;
	char *st = strdup(paused ? "paused" : "running");
	if (st != NULL) {
		free(c->state);
		c->state = st;
	}
	return 0;
}

int cc_container_pause(struct cc_store *s, struct cc_container_record *c, cc_error **err)
{
	/* docker's messages (moby daemon/pause.go) */
	if (cc_container_is_paused(c))
		return cc_error_setk(err, CC_ERR_INVALID, 0, "container %s is already paused", c->id);
	if (!cc_container_is_running(c) || !cc_container_pid_alive(c))
		return cc_error_setk(err, CC_ERR_INVALID, 0, "container %s is not running", c->id);
	if (cc_runtime_cgroup_freeze(c->id, true, err) < 0)
		return cc_error_prefix(err, "pause container %s", c->id);
	if (set_paused(s, c, true, err) < 0)
		return -1;
	cc_container_event(s, c, "pause", NULL);
	return 0;
}

/* thaw without the checks and the event: stop, kill and rm -f signal a
 * paused container, then thaw it (docker) */
static int thaw(struct cc_store *s, struct cc_container_record *c, cc_error **err)
{
	if (cc_runtime_cgroup_freeze(c->id, false, err) < 0)
		return cc_error_prefix(err, "unpause container %s", c->id);
	return set_paused(s, c, false, err);
}

int cc_container_unpause(struct cc_store *s, struct cc_container_record *c, cc_error **err)
{
	if (!cc_container_is_paused(c))
		return cc_error_setk(err, CC_ERR_INVALID, 0, "Container %s is not paused", c->id); /* moby's capital */
	if (thaw(s, c, err) < 0)
		return -1;
	cc_container_event(s, c, "unpause", NULL);
	return 0;
}

/* ---- start, stop, kill ---- */

int cc_container_start_detached(struct cc_store *s, struct cc_container_record *c, cc_error **err)
{
	if (cc_container_is_paused(c))
		return cc_error_setk(err, CC_ERR_INVALID, 0, "cannot start a paused container, try unpause instead");
	if (strcmp(c->state, "dead") == 0 || strcmp(c->state, "removing") == 0)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "container %s is marked for removal and cannot be started",
				     c->name); /* moby's */
	if (cc_container_is_running(c) ||
	    (strcmp(c->state, "restarting") == 0 && cc_store_container_locked(s, c->id)))
		return 0;
	cc_container_mark_stopped(s, c->id, false);
	return cc_container_spawn_monitor(s, c, err);
}

int cc_container_stop(struct cc_store *s, struct cc_container_record *c, int timeout, int sig, cc_error **err)
{
	/* by hand: its monitor must not start it again (restart policy) */
	cc_container_mark_stopped(s, c->id, true);
	if (strcmp(c->state, "restarting") == 0) { /* its monitor sees the mark and ends */
		if (!cc_container_wait_stopped(s, c->id, 10000))
			return did_not_stop(c, err);
		refresh(s, c);
		cc_container_event(s, c, "stop", NULL);
		return 0;
	}
	if (!cc_container_is_running(c))
		return 0;
	if (cc_container_pid_alive(c)) {
		int first = sig > 0 ? sig : cc_container_stop_signal(s, c);
		if (kill(c->pid, first) == 0)
			signal_event(s, c, first);
		if (cc_container_is_paused(c) && thaw(s, c, err) < 0) /* docker: signal, then thaw */
			return -1;
		if (!cc_container_wait_stopped(s, c->id, timeout < 0 ? -1 : timeout * 1000)) {
			if (kill(c->pid, SIGKILL) == 0)
				signal_event(s, c, SIGKILL);
			if (!cc_container_wait_stopped(s, c->id, 10000))
				return did_not_stop(c, err);
		}
	} else {
		cc_container_wait_stopped(s, c->id, 2000);
	}
	refresh(s, c);
	cc_container_event(s, c, "stop", NULL);
	return 0;
}

int cc_container_kill(struct cc_store *s, struct cc_container_record *c, int sig, cc_error **err)
{
	bool restarting = strcmp(c->state, "restarting") == 0, running = cc_container_is_running(c);
	/* SIGKILL, or the stop signal (looked up only then) */
	bool stops = running && (sig == SIGKILL || sig == cc_container_stop_signal(s, c));
	/* docker: a kill with SIGKILL or the stop signal is a stop by hand
	 * too, for the restart policy (other signals may not end it) */
	if (stops || restarting)
		cc_container_mark_stopped(s, c->id, true);
	if (restarting)
		return cc_container_wait_stopped(s, c->id, 10000) ? 0 : did_not_stop(c, err);
	if (!running || !cc_container_pid_alive(c))
		return not_running(c, err);
	if (kill(c->pid, sig) < 0)
		return cc_error_set(err, errno, "signal container %s", c->name);
	signal_event(s, c, sig);
	/* docker: a paused container gets SIGKILL or its stop signal, then is
	 * thawed to take it; other signals wait for unpause */
	if (cc_container_is_paused(c) && stops)
		return thaw(s, c, err);
	return 0;
}

/* ---- remove ---- */

int cc_container_remove(struct cc_store *s, struct cc_container_record *c, bool force, int timeout, cc_error **err)
{
	if (strcmp(c->state, "restarting") == 0 && cc_store_container_locked(s, c->id)) {
		if (!force)
			return cc_error_setk(err, CC_ERR_IN_USE, 0,
					     "cannot remove container %s: container is restarting: stop the container before removing or force remove",
					     c->name);
		if (cc_container_stop(s, c, 0, SIGKILL, err) < 0)
			return -1;
	}
	if (cc_container_is_running(c)) {
		if (!force && cc_container_is_paused(c))
			return cc_error_setk(err, CC_ERR_IN_USE, 0,
					     "cannot remove container %s: container is paused and must be unpaused first",
					     c->name);
		if (!force)
			return cc_error_setk(err, CC_ERR_IN_USE, 0,
					     "cannot remove container %s: container is running: stop the container before removing or force remove",
					     c->name);
		cc_container_mark_stopped(s, c->id, true); /* no restart while it goes */
		if (timeout > 0) { /* podman's rm -t: a stop first */
			if (cc_container_stop(s, c, timeout, 0, err) < 0)
				return -1;
		} else {
			if (cc_container_pid_alive(c) && kill(c->pid, SIGKILL) == 0)
				signal_event(s, c, SIGKILL);
			if (cc_container_is_paused(c)) { /* a frozen v1 task dies only when thawed */
				cc_error *te = NULL;
				(void)thaw(s, c, &te);
				cc_error_free(te);
			}
			if (!cc_container_wait_stopped(s, c->id, 10000))
				return did_not_stop(c, err);
			refresh(s, c);
		}
	}
	/* finish again (idempotent): releases what a crashed start may have
	 * left; an --rm container its monitor removed meanwhile is done */
	bool removed = false;
	if (cc_container_finish(s, c->id, c->exit_code, c->oom_killed, false, &removed, err) < 0)
		return -1;
	if (!removed) {
		/* "removing" while it goes; "dead" when it cannot go (docker's):
		 * rm tries again, nothing starts it */
		refresh(s, c);
		if (cc_container_set_state(s, c, CC_STATE_REMOVING, c->exit_code, c->oom_killed, err) < 0)
			return -1;
		if (cc_store_container_remove(s, c->id, NULL, err) < 0) {
			(void)cc_container_set_state(s, c, CC_STATE_DEAD, c->exit_code, c->oom_killed, NULL);
			return -1;
		}
		cc_container_event(s, c, "destroy", NULL);
	}
	/* what killed commands left in tmp/ (an rm among them) goes too */
	cc_store_sweep_staging(s);
	return 0;
}

/* ---- update ---- */

int cc_container_update(struct cc_store *s, struct cc_container_record *c, const struct cc_resources *changed,
			const char *config_json, const struct cc_restart_policy *policy, cc_error **err)
{
	/* the running container's cgroup first: the kernel may refuse a
	 * limit, and nothing changes then */
	if (cc_container_is_running(c) && cc_runtime_cgroup_update(c->id, changed, err) < 0)
		return -1;
	if (cc_store_container_set_config(s, c->id, config_json, err) < 0)
		return -1;
	/* a running monitor takes the new policy at the container's next exit */
	return policy != NULL ? cc_container_tell_restart_policy(s, c, policy, err) : 0;
}
