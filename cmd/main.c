/* ccontainer: entry point, global options, command dispatch. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

struct cc_globals cc_globals;

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

static const struct command commands[] = {
	{ "pull", cmd_pull, "Pull an image from a registry" },
	{ "run", cmd_run, "Run a command in a new container" },
	{ "build", cmd_build, "Build an image from a Containerfile" },
	{ "save", cmd_save, "Save images to a tar archive (docker-archive or oci-archive)" },
	{ "load", cmd_load, "Load images from a tar archive" },
	{ "images", cmd_images, "List images" },
	{ "inspect", cmd_inspect, "Show low-level information on images" },
	{ "tag", cmd_tag, "Create a tag that refers to an image" },
	{ "rmi", cmd_rmi, "Remove one or more images" },
	{ "image", cmd_image, "Manage images (ls, rm, prune, inspect, tag, pull, import)" },
	{ "import", cmd_import, "Import a rootfs tarball as an image" },
	{ "login", cmd_login, "Log in to a registry" },
	{ "logout", cmd_logout, "Log out from a registry" },
	{ "system", cmd_system, "Manage the store (check, prune)" },
	{ "ps", cmd_ps, "List containers" },
	{ "logs", cmd_logs, "Show a container's output" },
	{ "stop", cmd_stop, "Stop running containers" },
	{ "kill", cmd_kill, "Send a signal to running containers" },
	{ "start", cmd_start, "Start stopped containers" },
	{ "restart", cmd_restart, "Restart containers" },
	{ "rm", cmd_rm, "Remove containers" },
	{ "wait", cmd_wait, "Wait for containers to exit and print their exit codes" },
	{ "attach", cmd_attach, "Attach to a running container's terminal" },
	{ "exec", cmd_exec, "Run a command in a running container" },
	{ "port", cmd_port, "List a container's published ports" },
	{ "container", cmd_container, "Manage containers (ls, rm, prune, inspect, ...)" },
	/* internal steps of a detached container's monitor; not for users */
	{ "__start", cmd_internal_start, NULL },
	{ "__cleanup", cmd_internal_cleanup, NULL },
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: ccontainer [--root DIR] [--runroot DIR] COMMAND [OPTIONS]\n\n"
		   "A daemonless container toolchain.\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (commands[i].help)
			fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(f,
		"\nGlobal options:\n  --root DIR      store location (default $CCONTAINER_ROOT or %s)\n"
		"  --runroot DIR   running containers' files (default $CCONTAINER_RUNROOT or %s)\n",
		CC_STORE_DEFAULT_ROOT, CC_DEFAULT_RUNROOT);
}

const char *cmd_runroot(void)
{
	const char *r = cc_globals.runroot;
	if (r == NULL || *r == '\0')
		r = secure_getenv("CCONTAINER_RUNROOT");
	return r != NULL && *r != '\0' ? r : CC_DEFAULT_RUNROOT;
}

char *cmd_container_rundir(const char *id)
{
	char *p = NULL;
	return asprintf(&p, "%s/%s", cmd_runroot(), id) < 0 ? NULL : p;
}

const char *cmd_store_root(void)
{
	const char *root = cc_globals.root;
	if (root == NULL)
		root = secure_getenv("CCONTAINER_ROOT");
	return root != NULL && *root != '\0' ? root : CC_STORE_DEFAULT_ROOT;
}

struct cc_store *cmd_open_store(void)
{
	struct cc_store *s = NULL;
	cc_error *e = NULL;
	if (cc_store_open(cmd_store_root(), &s, &e) < 0) {
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

static void remember(int kind, int errnum, const char *msg)
{
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

int cmd_exit_code(const cc_error *e)
{
	if (e != NULL && e->kind == CC_ERR_EXEC_NOTFOUND)
		return EXIT_NOT_FOUND;
	if (e != NULL && e->kind == CC_ERR_EXEC_PERM)
		return EXIT_CANNOT_EXEC;
	return EXIT_CC_ERROR;
}

/* getopt's own message has no "Error: " and says nothing docker would. */
int cmd_bad_flag(int c, char **argv)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "";
	if (c == ':')
		return cmd_failf(EXIT_CC_ERROR, "flag needs an argument: %s", arg);
	if (optopt > 0 && optopt < 256)
		return cmd_failf(EXIT_CC_ERROR, "unknown shorthand flag: '%c' in %s", optopt, arg);
	return cmd_failf(EXIT_CC_ERROR, "unknown flag: %s", arg);
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
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "runroot", required_argument, NULL, 'R' },
		{ "debug", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	/* A closed stdout must be an error, not a silent SIGPIPE death mid-write. */
	signal(SIGPIPE, SIG_IGN);
	cc_globals.argv = argv;
	int c;
	while ((c = getopt_long(argc, argv, "+hv", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			cc_globals.root = optarg;
			break;
		case 'R':
			cc_globals.runroot = optarg;
			break;
		case 'D':
			cc_globals.debug = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'v':
			printf("ccontainer version 0.1.0\n");
			return 0;
		default:
			usage(stderr);
			return EXIT_CC_ERROR;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_CC_ERROR;
	}
	const char *name = argv[optind];
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(commands[i].name, name) == 0) {
			int sub_argc = argc - optind;
			char **sub_argv = argv + optind;
			optind = 0; /* reinitialise getopt for the subcommand */
			opterr = 0; /* unknown flags are reported by cmd_bad_flag */
			int rc = commands[i].fn(sub_argc, sub_argv);
			if (fflush(stdout) != 0 && rc == 0)
				return cmd_failf(EXIT_CC_ERROR, "write output: %s", strerror(errno));
			return rc;
		}
	}
	return cmd_failf(EXIT_CC_ERROR, "unknown command '%s' (see 'ccontainer --help')", name);
}
