/* ccontainer healthcheck run CONTAINER (podman's verb): run the container's
 * healthcheck once, as `exec` runs a process in it, and record the result
 * in State.Health (lib/container/health.c).  Each container's monitor
 * spawns it on the check's timer; users may run it too.  Exit status 0
 * when the container is healthy after the check, else 1 (its status is
 * printed), 125 when it could not run. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "container/container.h"

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* The processes a process started: the exec'd check, which is in a
 * session of its own (nsexec.c), so no process group reaches it. */
static void kill_children(pid_t pid)
{
	char path[64], buf[4096];
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)pid);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (n <= 0)
		return;
	buf[n] = '\0';
	char *save = NULL;
	for (char *t = strtok_r(buf, " \n", &save); t != NULL; t = strtok_r(NULL, " \n", &save)) {
		pid_t c = (pid_t)atoi(t);
		if (c > 0)
			(void)kill(c, SIGKILL);
	}
}

/* Run the check with its timeout: its combined output (the first
 * CC_HEALTH_OUTPUT_MAX bytes) into out, its exit status (-1: timed out). */
static void run_check(const struct cc_run_spec *spec, pid_t target, int64_t timeout_ns, char *out, size_t *out_len,
		      int *ret_status)
{
	int p[2];
	*out_len = 0;
	*ret_status = -1;
	if (pipe2(p, O_CLOEXEC) < 0) {
		*out_len = (size_t)snprintf(out, CC_HEALTH_OUTPUT_MAX, "pipe: %s", strerror(errno));
		return;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		*out_len = (size_t)snprintf(out, CC_HEALTH_OUTPUT_MAX, "fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (null >= 0)
			dup2(null, 0);
		dup2(p[1], 1);
		dup2(p[1], 2);
		int st = 0;
		cc_error *e = NULL;
		if (cc_runtime_exec(spec, target, &st, &e) < 0) {
			fprintf(stderr, "%s\n", e->msg);
			fflush(stderr);
			_exit(cmd_exit_code(e));
		}
		_exit(st);
	}
	close(p[1]);
	int64_t deadline = clock_ns(CLOCK_MONOTONIC) + timeout_ns;
	bool timed_out = false;
	for (;;) {
		int64_t left = deadline - clock_ns(CLOCK_MONOTONIC);
		if (!timed_out && left <= 0) {
			timed_out = true;
			kill_children(pid);
			deadline = clock_ns(CLOCK_MONOTONIC) + 5000000000LL; /* its end, at most 5 s more */
			continue;
		}
		if (timed_out && left <= 0) {
			(void)kill(pid, SIGKILL);
			break;
		}
		struct pollfd pfd = { .fd = p[0], .events = POLLIN };
		int r = poll(&pfd, 1, (int)(left / 1000000) + 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			continue;
		char buf[4096];
		ssize_t n = read(p[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		size_t keep = CC_HEALTH_OUTPUT_MAX - *out_len < (size_t)n ? CC_HEALTH_OUTPUT_MAX - *out_len : (size_t)n;
		memcpy(out + *out_len, buf, keep);
		*out_len += keep;
	}
	close(p[0]);
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (timed_out) {
		char secs[32]; /* Go's Duration.String for the usual values */
		if (timeout_ns % 1000000000LL == 0)
			snprintf(secs, sizeof(secs), "%llds", (long long)(timeout_ns / 1000000000LL));
		else
			snprintf(secs, sizeof(secs), "%lldms", (long long)(timeout_ns / 1000000));
		*out_len = (size_t)snprintf(out, CC_HEALTH_OUTPUT_MAX, "Health check exceeded timeout (%s)", secs);
		return;
	}
	*ret_status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

struct hc_opts {
	bool probe;
};

static int healthcheck_run_action(void *opts, int argc, char **argv)
{
	const struct hc_opts *o = opts;
	(void)argc;
	/* Nothing the caller left open may be seen from the container. */
	(void)close_range(3, ~0U, 0);
	struct cc_store *s = cmd_open_store();
	if (s == NULL)
		return EXIT_CC_ERROR;
	struct cc_container_record *c = cmd_container_get(s, argv[0]);
	int rc = 0;
	struct cc_container_exec x = { 0 };
	struct cc_container_spec sp = { 0 };
	struct cc_health_config hc = { 0 };
	json_t *cfg = NULL;
	if (c == NULL) {
		rc = EXIT_CC_ERROR;
		goto out;
	}
	cfg = cc_container_config(c);
	cc_error *e = NULL;
	int has = cc_health_config_from_json(json_object_get(cfg, "Healthcheck"), &hc, &e);
	if (has < 0) {
		rc = cmd_fail(e, EXIT_CC_ERROR);
		goto out;
	}
	if (has == 0) {
		rc = cmd_failf(EXIT_CC_ERROR, "container %s has no defined healthcheck", c->name);
		goto out;
	}
	if (strcmp(c->state, "running") != 0 || c->pid <= 0 || cc_pid_start_time(c->pid) != c->pid_start) {
		rc = cmd_failf(EXIT_CC_ERROR, "container %s is not running", c->name);
		goto out;
	}
	/* docker's forms: CMD runs its arguments, CMD-SHELL `/bin/sh -c` */
	char *shell[] = { (char *)"/bin/sh", (char *)"-c", hc.test[1], NULL };
	const struct cc_container_exec_params params = { .argv = strcmp(hc.test[0], "CMD") == 0 ? hc.test + 1 : shell };
	if (cmd_container_spec(s, c, false, &sp, &e) < 0 || cc_container_exec_init(s, c, &sp, &params, &x, &e) < 0) {
		rc = cmd_fail(e, EXIT_CC_ERROR);
		goto out;
	}
	if (cc_runtime_exec_needs_sealed(&x.spec) && cc_reexec_sealed(cc_globals.argv, &e) < 0) {
		rc = cmd_fail(e, EXIT_CC_ERROR);
		goto out;
	}
	/* the store's files stay here: the check's process is a copy of this one */
	cc_store_close(s);
	s = NULL;
	char *out = malloc(CC_HEALTH_OUTPUT_MAX + 1);
	if (out == NULL) {
		rc = cmd_failf(EXIT_CC_ERROR, "out of memory");
		goto out;
	}
	struct cc_health_result r = { .start_ns = clock_ns(CLOCK_REALTIME) };
	run_check(&x.spec, c->pid, hc.timeout_ns, out, &r.output_len, &r.exit_code);
	r.end_ns = clock_ns(CLOCK_REALTIME);
	r.output = out;
	const char *after = "starting";
	if (o->probe && r.exit_code != 0) {
		/* --probe: a failure is not recorded (the timer's checks count) */
		free(out);
		rc = 1;
		goto out;
	}
	if ((s = cmd_open_store()) == NULL)
		rc = EXIT_CC_ERROR;
	else if (cc_container_health_record(s, c, &hc, &r, &after, &e) < 0)
		rc = cmd_fail(e, EXIT_CC_ERROR);
	free(out);
	if (rc != 0)
		goto out;
	if (strcmp(after, "healthy") != 0) { /* podman's */
		printf("%s\n", after);
		rc = 1;
	}
out:
	cc_health_config_release(&hc);
	cc_container_exec_release(&x);
	cc_container_spec_release(&sp);
	json_decref(cfg);
	cc_container_record_free(c);
	cc_store_close(s);
	return rc;
}

/* --probe (compose up, waiting for a service_healthy dependency): a
 * check that passes is recorded as any, one that fails is not, so probing
 * early never makes a container unhealthy before its time. */
static const struct cmd_opt hc_options[] = {
	OPT_BOOL(0, "probe", struct hc_opts, probe, "Record the result only when the check passes",
		 .flags = CMD_OPT_HIDDEN),
	OPT_END,
};

const struct cmd_verb cmd_healthcheck_run_verb = {
	.name = "run",
	.usage = "CONTAINER",
	.summary = "Run a container's healthcheck once and record the result",
	.opts = hc_options,
	.opts_size = sizeof(struct hc_opts),
	/* podman's statuses: 1 is "not healthy", so a failure to run is 125 */
	.flags = CMD_VERB_RUNLIKE,
	.min_args = 1,
	.max_args = 1,
	.complete_args = CMD_COMPLETE_RUNNING,
	.action = healthcheck_run_action,
};
