/* ccontainer: entry point, global options, command dispatch. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

struct cc_globals cc_globals;

/* The command tree: docker's verbs, its management groups and their
 * aliases.  Each verb's table and action live in its own file. */
static const struct cmd_entry container_verbs[] = {
	{ "attach", &cmd_attach_verb, false },
	{ "commit", &cmd_commit_verb, false },
	{ "cp", &cmd_cp_verb, false },
	{ "create", &cmd_create_verb, false },
	{ "diff", &cmd_diff_verb, false },
	{ "exec", &cmd_exec_verb, false },
	{ "export", &cmd_export_verb, false },
	{ "inspect", &cmd_container_inspect_verb, false },
	{ "kill", &cmd_kill_verb, false },
	{ "logs", &cmd_logs_verb, false },
	{ "ls", &cmd_ps_verb, false },
	{ "pause", &cmd_pause_verb, false },
	{ "list", &cmd_ps_verb, true },
	{ "ps", &cmd_ps_verb, true },
	{ "port", &cmd_port_verb, false },
	{ "prune", &cmd_container_prune_verb, false },
	{ "rename", &cmd_rename_verb, false },
	{ "restart", &cmd_restart_verb, false },
	{ "rm", &cmd_rm_verb, false },
	{ "remove", &cmd_rm_verb, true },
	{ "run", &cmd_run_verb, false },
	{ "start", &cmd_start_verb, false },
	{ "stats", &cmd_stats_verb, false },
	{ "stop", &cmd_stop_verb, false },
	{ "top", &cmd_top_verb, false },
	{ "unpause", &cmd_unpause_verb, false },
	{ "update", &cmd_update_verb, false },
	{ "wait", &cmd_wait_verb, false },
	{ NULL, NULL, false },
};
static const struct cmd_verb container_verb = {
	.name = "container", .summary = "Manage containers", .sub = container_verbs,
};

static const struct cmd_entry image_verbs[] = {
	{ "build", &cmd_build_verb, false },
	{ "exists", &cmd_image_exists_verb, false },
	{ "history", &cmd_history_verb, false },
	{ "import", &cmd_import_verb, false },
	{ "inspect", &cmd_image_inspect_verb, false },
	{ "load", &cmd_load_verb, false },
	{ "ls", &cmd_images_verb, false },
	{ "list", &cmd_images_verb, true },
	{ "prune", &cmd_image_prune_verb, false },
	{ "pull", &cmd_pull_verb, false },
	{ "push", &cmd_push_verb, false },
	{ "rm", &cmd_rmi_verb, false },
	{ "remove", &cmd_rmi_verb, true },
	{ "save", &cmd_save_verb, false },
	{ "tag", &cmd_tag_verb, false },
	{ "untag", &cmd_untag_verb, false },
	{ NULL, NULL, false },
};
static const struct cmd_verb image_verb = {
	.name = "image", .summary = "Manage images", .sub = image_verbs,
};

static const struct cmd_entry system_verbs[] = {
	{ "check", &cmd_system_check_verb, false },
	{ "df", &cmd_system_df_verb, false },
	{ "events", &cmd_events_verb, false },
	{ "info", &cmd_info_verb, false },
	{ "prune", &cmd_system_prune_verb, false },
	{ NULL, NULL, false },
};
static const struct cmd_verb system_verb = {
	.name = "system", .summary = "Manage the store", .sub = system_verbs,
};

static const struct cmd_entry builder_verbs[] = {
	{ "prune", &cmd_builder_prune_verb, false },
	{ NULL, NULL, false },
};
static const struct cmd_verb builder_verb = {
	.name = "builder", .summary = "Manage builds (docker)", .sub = builder_verbs,
};

static const struct cmd_entry volume_verbs[] = {
	{ "create", &cmd_volume_create_verb, false },
	{ "inspect", &cmd_volume_inspect_verb, false },
	{ "ls", &cmd_volume_ls_verb, false },
	{ "list", &cmd_volume_ls_verb, true },
	{ "prune", &cmd_volume_prune_verb, false },
	{ "rm", &cmd_volume_rm_verb, false },
	{ "remove", &cmd_volume_rm_verb, true },
	{ NULL, NULL, false },
};
static const struct cmd_verb volume_verb = {
	.name = "volume", .summary = "Manage volumes", .sub = volume_verbs,
};

static const struct cmd_entry network_verbs[] = {
	{ "connect", &cmd_network_connect_verb, false },
	{ "create", &cmd_network_create_verb, false },
	{ "disconnect", &cmd_network_disconnect_verb, false },
	{ "inspect", &cmd_network_inspect_verb, false },
	{ "ls", &cmd_network_ls_verb, false },
	{ "list", &cmd_network_ls_verb, true },
	{ "prune", &cmd_network_prune_verb, false },
	{ "rm", &cmd_network_rm_verb, false },
	{ "remove", &cmd_network_rm_verb, true },
	{ NULL, NULL, false },
};
static const struct cmd_verb network_verb = {
	.name = "network", .summary = "Manage networks", .sub = network_verbs,
};

static const struct cmd_entry healthcheck_verbs[] = {
	{ "run", &cmd_healthcheck_run_verb, false },
	{ NULL, NULL, false },
};
static const struct cmd_verb healthcheck_verb = {
	.name = "healthcheck", .summary = "Manage healthchecks of containers (podman)", .sub = healthcheck_verbs,
};

static const struct cmd_entry root_verbs[] = {
	{ "container", &container_verb, false },
	{ "image", &image_verb, false },
	{ "system", &system_verb, false },
	{ "attach", &cmd_attach_verb, false },
	{ "build", &cmd_build_verb, false },
	{ "builder", &builder_verb, false },
	{ "completion", &cmd_completion_verb, false },
	{ "commit", &cmd_commit_verb, false },
	{ "compose", &cmd_compose_verb, false },
	{ "cp", &cmd_cp_verb, false },
	{ "create", &cmd_create_verb, false },
	{ "diff", &cmd_diff_verb, false },
	{ "events", &cmd_events_verb, false },
	{ "exec", &cmd_exec_verb, false },
	{ "export", &cmd_export_verb, false },
	{ "healthcheck", &healthcheck_verb, false },
	{ "help", &cmd_help_verb, false },
	{ "history", &cmd_history_verb, false },
	{ "images", &cmd_images_verb, false },
	{ "import", &cmd_import_verb, false },
	{ "info", &cmd_info_verb, false },
	{ "inspect", &cmd_inspect_verb, false },
	{ "kill", &cmd_kill_verb, false },
	{ "load", &cmd_load_verb, false },
	{ "login", &cmd_login_verb, false },
	{ "logout", &cmd_logout_verb, false },
	{ "logs", &cmd_logs_verb, false },
	{ "network", &network_verb, false },
	{ "pause", &cmd_pause_verb, false },
	{ "port", &cmd_port_verb, false },
	{ "ps", &cmd_ps_verb, false },
	{ "pull", &cmd_pull_verb, false },
	{ "push", &cmd_push_verb, false },
	{ "rename", &cmd_rename_verb, false },
	{ "restart", &cmd_restart_verb, false },
	{ "rm", &cmd_rm_verb, false },
	{ "rmi", &cmd_rmi_verb, false },
	{ "run", &cmd_run_verb, false },
	{ "save", &cmd_save_verb, false },
	{ "start", &cmd_start_verb, false },
	{ "stats", &cmd_stats_verb, false },
	{ "stop", &cmd_stop_verb, false },
	{ "tag", &cmd_tag_verb, false },
	{ "top", &cmd_top_verb, false },
	{ "unpause", &cmd_unpause_verb, false },
	{ "update", &cmd_update_verb, false },
	{ "untag", &cmd_untag_verb, false },
	{ "version", &cmd_version_verb, false },
	{ "volume", &volume_verb, false },
	{ "wait", &cmd_wait_verb, false },
	/* internal: a detached container's monitor, the shell scripts, make */
	{ "__start", &cmd_internal_start_verb, false },
	{ "__cleanup", &cmd_internal_cleanup_verb, false },
	{ "__complete", &cmd_complete_verb, false },
	{ "__man", &cmd_man_verb, false },
	{ NULL, NULL, false },
};

struct root_opts {
	const char *root, *runroot, *log_level;
	bool debug, version;
};

static int set_log_level(void *opts, const char *arg)
{
	static const char *const levels[] = { "trace", "debug", "info", "warn", "error", "fatal", "panic" };
	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		if (strcmp(arg, levels[i]) == 0) {
			((struct root_opts *)opts)->log_level = levels[i];
			return 0;
		}
	}
	return cmd_usagef("invalid argument \"%s\" for \"-l, --log-level\" flag: not a level "
			  "(trace, debug, info, warn, error, fatal, panic)", arg);
}

static const struct cmd_opt root_options[] = {
	OPT_STRING(0, "root", struct root_opts, root, "DIR",
		   "Store location ($CCONTAINER_ROOT or " CC_STORE_DEFAULT_ROOT ")", .complete = CMD_COMPLETE_DIR),
	OPT_STRING(0, "runroot", struct root_opts, runroot, "DIR",
		   "Running containers' files ($CCONTAINER_RUNROOT or " CC_STORE_DEFAULT_RUNROOT ")",
		   .complete = CMD_COMPLETE_DIR),
	OPT_BOOL('D', "debug", struct root_opts, debug, "Enable debug mode"),
	OPT_CALLBACK('l', "log-level", set_log_level, "string",
		     "Set the logging level (\"trace\"|\"debug\"|\"info\"|\"warn\"|\"error\"|\"fatal\"|\"panic\")",
		     .def = "info", .complete = CMD_COMPLETE_WORDS, .words = "trace debug info warn error fatal panic"),
	OPT_BOOL('v', "version", struct root_opts, version, "Print version information and quit"),
	OPT_END,
};

const struct cmd_verb cmd_root_verb = {
	.name = "ccontainer",
	.usage = "[OPTIONS] COMMAND",
	.summary = "A daemonless container toolchain",
	.opts = root_options,
	.opts_size = sizeof(struct root_opts),
	.flags = CMD_VERB_STOP_AT_ARG,
	.sub = root_verbs,
};

const char *cmd_runroot(void)
{
	const char *r = cc_globals.runroot;
	if (r == NULL || *r == '\0')
		r = secure_getenv("CCONTAINER_RUNROOT");
	if (r != NULL && *r != '\0')
		return r;
	return cc_rootless() ? cc_rootless_default_runroot() : CC_STORE_DEFAULT_RUNROOT;
}

const char *cmd_store_root(void)
{
	const char *root = cc_globals.root;
	if (root == NULL)
		root = secure_getenv("CCONTAINER_ROOT");
	if (root != NULL && *root != '\0')
		return root;
	if (!cc_rootless())
		return CC_STORE_DEFAULT_ROOT;
	/* no home: no default store ("": cmd_open_store says so) */
	const char *r = cc_rootless_default_root();
	return r != NULL ? r : "";
}

struct cc_store *cmd_open_store(void)
{
	struct cc_store *s = NULL;
	cc_error *e = NULL;
	if (cmd_store_root()[0] == '\0') {
		cmd_failf(EXIT_CC_ERROR, "rootless: no home directory for the store: set HOME or XDG_DATA_HOME, or --root");
		return NULL;
	}
	if (cc_store_open(cmd_store_root(), &s, &e) < 0 || cc_store_set_runroot(s, cmd_runroot(), &e) < 0) {
		cc_store_close(s);
		cmd_fail(e, EXIT_CC_ERROR);
		return NULL;
	}
	return s;
}

/* The last error printed (for __start, whose stderr nobody reads). */
static cc_error *last_error;

const cc_error *cmd_last_error(void)
{
	return last_error;
}

static bool last_was_usage;

static void remember(int kind, int errnum, const char *msg)
{
	last_was_usage = false;
	cc_error_clear(&last_error);
	cc_error_setk(&last_error, kind, 0, "%s", msg);
	if (last_error != NULL)
		last_error->errnum = errnum;
}

/* One line on stderr, "PREFIX: text", the text made safe for a terminal:
 * messages quote what images, registries and containers said. */
static void print_line(const char *prefix, const char *text)
{
	_cleanup_free_ char *safe = cc_safe_text(text);
	fprintf(stderr, "%s: %s\n", prefix, safe != NULL ? safe : "(out of memory)");
}

int cmd_fail_take(cc_error **e, int code)
{
	const char *msg = *e != NULL && (*e)->msg ? (*e)->msg : "unknown error";
	print_line("Error", msg);
	remember(*e != NULL ? (*e)->kind : 0, *e != NULL ? (*e)->errnum : 0, msg);
	cc_error_clear(e);
	return code;
}

/* print_line with a format; the text printed, or NULL without memory. */
static char *print_linef(const char *prefix, const char *fmt, va_list ap)
{
	char *msg = NULL;
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	print_line(prefix, msg != NULL ? msg : fmt);
	return msg;
}

/* Was the last error a usage error (cmd_usagef)?  Those keep 125. */
bool cmd_last_error_was_usage(void)
{
	return last_was_usage;
}

int cmd_usagef(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *msg = print_linef("Error", fmt, ap);
	va_end(ap);
	remember(0, 0, msg != NULL ? msg : fmt);
	last_was_usage = true;
	return EXIT_CC_ERROR;
}

int cmd_output_error(int errnum)
{
	if (errnum == EPIPE) {
		/* the reader is gone (| head): end as docker does, by SIGPIPE, quietly */
		signal(SIGPIPE, SIG_DFL);
		raise(SIGPIPE);
	}
	return cmd_failf(EXIT_CC_ERROR, "write output: %s", strerror(errnum));
}

int cmd_failf(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *msg = print_linef("Error", fmt, ap);
	va_end(ap);
	remember(0, 0, msg != NULL ? msg : fmt);
	return code;
}

void cmd_warnf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	free(print_linef("Warning", fmt, ap));
	va_end(ap);
}

/* lib/'s warnings (cc_warnf) as ours; its debug notes with --debug */
static void print_note(enum cc_note_level level, const char *msg)
{
	if (level == CC_NOTE_WARNING)
		cmd_warnf("%s", msg);
	else if (cc_globals.debug)
		fprintf(stderr, "DEBU[0000] %s\n", msg);
}

int cmd_exit_code(const cc_error *e)
{
	if (e != NULL && e->kind == CC_ERR_EXEC_NOTFOUND)
		return EXIT_NOT_FOUND;
	if (e != NULL && e->kind == CC_ERR_EXEC_PERM)
		return EXIT_CANNOT_EXEC;
	return EXIT_CC_ERROR;
}

bool cmd_parse_bool(const char *v, bool dflt)
{
	if (v == NULL)
		return true;
	if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0 || strcmp(v, "no") == 0)
		return false;
	if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0 || strcmp(v, "yes") == 0)
		return true;
	return dflt;
}

int main(int argc, char **argv)
{
	/* A closed stdout ends a verb quietly, as docker's does (cmd_output_error). */
	signal(SIGPIPE, SIG_IGN);
	cc_globals.argv = argv;
	struct root_opts ro = { .root = NULL };
	char **args = NULL;
	int n = 0;
	/* the global options end at the verb (root is STOP_AT_ARG) */
	int rc = cmd_parse(&cmd_root_verb, "ccontainer", argc, argv, &ro, &args, &n);
	free(args); /* the verb and what follows are argv's last n words */
	if (rc == 1 || (rc == 0 && n == 0 && !ro.version)) { /* docker: no verb is help */
		cmd_print_help(&cmd_root_verb, "ccontainer", stdout);
		return 0;
	}
	if (rc != 0)
		return rc;
	cc_globals.root = ro.root;
	cc_globals.runroot = ro.runroot;
	cc_globals.log_level = ro.log_level;
	cc_globals.debug = ro.debug || (ro.log_level && (strcmp(ro.log_level, "debug") == 0 ||
							 strcmp(ro.log_level, "trace") == 0));
	if (ro.version) {
		printf("ccontainer version %s\n", CC_VERSION);
		return 0;
	}
	cc_set_note_handler(print_note);
	/* An ordinary user: into the user's namespace before anything else
	 * (the store's files and the containers belong to it). */
	if (geteuid() != 0) {
		cc_error *e = NULL;
		if (cc_rootless_enter(cmd_runroot(), &e) < 0)
			return cmd_fail(e, EXIT_CC_ERROR);
		if (geteuid() != 0)
			return cmd_failf(EXIT_CC_ERROR, "the rootless user namespace does not map user %u to root",
					 (unsigned)getuid());
		if (setenv(CC_ROOTLESS_ENV, "1", 1) < 0)
			return cmd_failf(EXIT_CC_ERROR, "setenv: %s", strerror(errno));
		/* Once more, from inside: a process keeps the user namespace it
		 * was exec'd in as its memory's, and the kernel lets only that
		 * namespace's root look into the non-dumpable processes it
		 * starts (a container's, before its exec) through /proc. */
		execv("/proc/self/exe", argv);
		return cmd_failf(EXIT_CC_ERROR, "re-execute in the rootless namespace: %s", strerror(errno));
	}
	/* the tree from the verb on: the group reads its verb from argv[1] */
	rc = cmd_verb_run(&cmd_root_verb, "ccontainer", n + 1, argv + argc - n - 1);
	if (fflush(stdout) != 0 && rc == 0)
		rc = cmd_output_error(errno);
	return rc;
}
