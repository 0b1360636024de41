/* ccontainer exec: run a further command in a running container, with the
 * container's namespaces, cgroup, environment and (by default) user. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "runtime/runtime.h"
#include "util/strbuf.h"
#include "util/env.h"

struct exec_opts {
	bool interactive, tty, detach, privileged;
	const char *user, *workdir, *detach_keys;
	struct cmd_strv env, env_files;
};

static const struct cmd_opt exec_options[] = {
	OPT_BOOL('d', "detach", struct exec_opts, detach, "Detached mode: run command in the background"),
	OPT_STRING(0, "detach-keys", struct exec_opts, detach_keys, "string", "Override the key sequence for detaching (accepted, unused)"),
	OPT_LIST('e', "env", struct exec_opts, env, "list", "Set environment variables (K=V, or K: the value from here)"),
	OPT_LIST(0, "env-file", struct exec_opts, env_files, "list", "Read in a file of environment variables",
		 .complete = CMD_COMPLETE_FILE),
	OPT_BOOL('i', "interactive", struct exec_opts, interactive, "Keep STDIN open even if not attached"),
	OPT_BOOL(0, "privileged", struct exec_opts, privileged, "Give extended privileges to the command"),
	OPT_BOOL('t', "tty", struct exec_opts, tty, "Allocate a pseudo-TTY"),
	OPT_STRING('u', "user", struct exec_opts, user, "string", "Username or UID (format: \"<name|uid>[:<group|gid>]\")"),
	OPT_STRING('w', "workdir", struct exec_opts, workdir, "string", "Working directory inside the container (absolute)"),
	OPT_END,
};

static int exec_action(void *opts, int argc, char **argv)
{
	struct exec_opts *o = opts;
	bool detach = o->detach;
	(void)argc;
	if (o->workdir != NULL && o->workdir[0] != '/')
		return cmd_failf(EXIT_CC_ERROR, "the working directory '%s' is invalid, it needs to be an absolute path",
				 o->workdir);
	/* Nothing the caller left open may be seen from the container (the
	 * process that joins it is a copy of this one). */
	(void)close_range(3, ~0U, 0);
	struct cc_store *s = cmd_open_store();
	if (s == NULL)
		return EXIT_CC_ERROR;
	struct cc_container_record *ct = NULL;
	cc_error *e = NULL;
	int rc = 0;
	struct cc_container_exec x = { 0 };
	struct cc_container_spec sp = { 0 };
	if (cc_store_container_get(s, argv[0], &ct, &e) < 0) {
		rc = cmd_fail(e, EXIT_CC_ERROR);
		goto out;
	}
	if (cc_container_is_paused(ct)) { /* a process joining a frozen cgroup freezes */
		rc = cmd_failf(EXIT_CC_ERROR, "Container %s is paused, unpause the container before exec", ct->id);
		goto out;
	}
	if (strcmp(ct->state, "running") != 0 || ct->pid <= 0 || cc_pid_start_time(ct->pid) != ct->pid_start) {
		rc = cmd_failf(EXIT_CC_ERROR, "container %s is not running", ct->name);
		goto out;
	}
	/* a cmd_strv's list is NULL-terminated (NULL when empty) */
	const struct cc_container_exec_params params = {
		.argv = argv + 1, .env = (char *const *)o->env.v, .env_files = (char *const *)o->env_files.v,
		.user = o->user, .workdir = o->workdir, .privileged = o->privileged, .tty = o->tty,
		.interactive = o->interactive,
	};
	if (cmd_container_spec(s, ct, false, &sp, &e) < 0 || cc_container_exec_init(s, ct, &sp, &params, &x, &e) < 0) {
		rc = cmd_fail(e, EXIT_CC_ERROR);
		goto out;
	}
	/* docker's exec events, once (not again in a sealed re-execution) */
	if (!cc_runtime_exec_needs_sealed(&x.spec) || cc_self_is_sealed()) {
		char execid[65];
		struct cc_strbuf cmdl = { 0 };
		for (char **a = argv + 1; *a; a++)
			cc_strbuf_addf(&cmdl, "%s%s", a == argv + 1 ? "" : " ", *a);
		_cleanup_free_ char *create = NULL, *start = NULL;
		if (cmdl.buf != NULL && cc_random_hex(execid, 32, NULL) == 0 &&
		    asprintf(&create, "exec_create: %s", cmdl.buf) >= 0 && asprintf(&start, "exec_start: %s", cmdl.buf) >= 0) {
			const char *const attrs[] = { "execID", execid, NULL };
			cc_container_event(s, ct, create, attrs);
			cc_container_event(s, ct, start, attrs);
		}
		cc_strbuf_release(&cmdl);
	}
	/* The store's files stay here: the process that joins the container
	 * is a copy of this one. */
	cc_store_close(s);
	s = NULL;
	if (cc_runtime_exec_needs_sealed(&x.spec) && cc_reexec_sealed(cc_globals.argv, &e) < 0) {
		rc = cmd_fail(e, EXIT_CC_ERROR);
		goto out;
	}
	if (detach) {
		/* -d: a session of its own that waits for the process, then goes */
		fflush(NULL);
		pid_t p = fork();
		if (p < 0) {
			rc = cmd_failf(EXIT_CC_ERROR, "fork: %s", strerror(errno));
			goto out;
		}
		if (p > 0)
			goto out;
		(void)setsid();
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
		}
		x.spec.tty = x.spec.interactive = false;
		int st = 0;
		cc_error *de = NULL;
		_exit(cc_runtime_exec(&x.spec, ct->pid, &st, &de) < 0 ? EXIT_CC_ERROR : st);
	}
	int status = 0;
	if (cc_runtime_exec(&x.spec, ct->pid, &status, &e) < 0) {
		rc = cmd_fail(e, cmd_exit_code(e));
	} else {
		rc = status;
	}
out:
	cc_container_exec_release(&x);
	cc_container_spec_release(&sp);
	cc_container_record_free(ct);
	cc_store_close(s);
	return rc;
}

const struct cmd_verb cmd_exec_verb = {
	.name = "exec",
	.usage = "[OPTIONS] CONTAINER COMMAND [ARG...]",
	.summary = "Execute a command in a running container",
	.opts = exec_options,
	.opts_size = sizeof(struct exec_opts),
	.flags = CMD_VERB_STOP_AT_ARG | CMD_VERB_RUNLIKE,
	.min_args = 2,
	.max_args = -1,
	.complete_args = CMD_COMPLETE_RUNNING,
	.action = exec_action,
};
