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

void cmd_exec_spec_release(struct cmd_exec_spec *x)
{
	cc_env_release(&x->env);
	free(x->cap_add);
	free(x->cap_drop);
	free(x->seccomp_cache);
	json_decref(x->cfg);
	*x = (struct cmd_exec_spec){ 0 };
}

int cmd_exec_spec_init(struct cc_store *s, const struct cc_container_record *ct, const struct cmd_exec_params *p,
		       struct cmd_exec_spec *x)
{
	*x = (struct cmd_exec_spec){ 0 };
	cc_error *e = NULL;
	json_t *cfg = x->cfg = ct->config_json ? json_loads(ct->config_json, 0, NULL) : NULL;
	/* The container's environment, then --env-file, then -e (later wins). */
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(cfg, "Env"), i, v) {
		if (json_is_string(v) && cc_env_set(&x->env, json_string_value(v), &e) < 0)
			goto env_failed;
	}
	for (size_t k = 0; p->env_files != NULL && k < p->env_files->n; k++)
		if (cc_env_file(&x->env, p->env_files->v[k], &e) < 0)
			goto env_failed;
	for (size_t k = 0; p->env != NULL && k < p->env->n; k++)
		if (cc_env_set(&x->env, p->env->v[k], &e) < 0)
			goto env_failed;
	if (cc_env_finish(&x->env, &e) < 0) {
env_failed:
		cmd_exec_spec_release(x);
		return cmd_fail(e, EXIT_CC_ERROR);
	}
	/* the container's own privileges: capabilities, seccomp, no_new_privs */
	x->cap_add = calloc(json_array_size(json_object_get(cfg, "CapAdd")) + 1, sizeof(char *));
	x->cap_drop = calloc(json_array_size(json_object_get(cfg, "CapDrop")) + 1, sizeof(char *));
	if (x->cap_add == NULL || x->cap_drop == NULL) {
		cmd_exec_spec_release(x);
		return cmd_failf(EXIT_CC_ERROR, "out of memory");
	}
	size_t na = 0, nd = 0;
	json_array_foreach(json_object_get(cfg, "CapAdd"), i, v)
		if (json_is_string(v))
			x->cap_add[na++] = json_string_value(v);
	json_array_foreach(json_object_get(cfg, "CapDrop"), i, v)
		if (json_is_string(v))
			x->cap_drop[nd++] = json_string_value(v);
	if (asprintf(&x->seccomp_cache, "%s/cache/seccomp", cc_store_root(s)) < 0)
		x->seccomp_cache = NULL;
	/* --privileged: every capability and no seccomp filter for this
	 * process, whatever the container's own (docker's exec --privileged) */
	x->spec = (struct cc_run_spec){
		.privileged = p->privileged || json_is_true(json_object_get(cfg, "Privileged")),
		.no_new_privileges = json_is_true(json_object_get(cfg, "NoNewPrivileges")),
		.seccomp_profile = p->privileged ? NULL : json_string_value(json_object_get(cfg, "SeccompProfile")),
		.cap_add = x->cap_add,
		.cap_drop = x->cap_drop,
		/* the cgroup it joins is the container's own: its device
		 * allowlist confines MKNOD as for the container's process */
		.container_id = ct->id,
		.seccomp_cache_dir = x->seccomp_cache,
		.argv = p->argv,
		.env = x->env.v,
		.cwd = p->workdir ? p->workdir : json_string_value(json_object_get(cfg, "WorkingDir")),
		.user = p->user ? p->user : json_string_value(json_object_get(cfg, "User")),
		.tty = p->tty,
		.interactive = p->interactive,
	};
	return 0;
}

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
	struct cmd_exec_spec x = { 0 };
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
	const struct cmd_exec_params params = {
		.argv = argv + 1, .env = &o->env, .env_files = &o->env_files, .user = o->user, .workdir = o->workdir,
		.privileged = o->privileged, .tty = o->tty, .interactive = o->interactive,
	};
	if ((rc = cmd_exec_spec_init(s, ct, &params, &x)) != 0)
		goto out;
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
	cmd_exec_spec_release(&x);
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
