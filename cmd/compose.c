/* ccontainer compose [-f FILE]... [-p NAME] [--project-directory DIR]
 * [--env-file FILE] [--profile P] VERB: docker compose's global flags,
 * then a verb of its own table.  The project is lib/compose's model
 * (compose.h); only `config` exists so far. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "compose/compose.h"

struct compose_opts {
	struct cmd_strv files, env_files, profiles;
	const char *project_name, *project_directory;
};

/* The global flags, for the verb's action (one compose verb a process). */
static struct compose_opts compose_globals;

static int load_project(struct cc_compose_project **ret)
{
	const struct compose_opts *g = &compose_globals;
	struct cc_compose_opts o = {
		.files = g->files.v,
		.n_files = g->files.n,
		.project_name = g->project_name,
		.project_directory = g->project_directory,
		.env_files = g->env_files.v,
		.n_env_files = g->env_files.n,
		.profiles = g->profiles.v,
		.n_profiles = g->profiles.n,
	};
	cc_error *e = NULL;
	if (cc_compose_load(&o, ret, &e) < 0)
		return cmd_fail(e, 1);
	return 0;
}

/* ---- config ---- */

struct config_opts {
	bool services, volumes, profiles, quiet;
	const char *format, *output;
};

static int print_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (printf("%s\n", v[i]) < 0)
			return cmd_output_error(errno);
	return 0;
}

static int config_action(void *opts, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	struct config_opts *o = opts;
	bool json = false;
	if (o->format != NULL) {
		if (strcmp(o->format, "json") == 0)
			json = true;
		else if (strcmp(o->format, "yaml") != 0)
			return cmd_usagef("unsupported format \"%s\": yaml or json", o->format);
	}
	struct cc_compose_project *p = NULL;
	int rc = load_project(&p);
	if (rc != 0)
		return rc;
	if (o->quiet) {
		cc_compose_project_free(p);
		return 0;
	}
	if (o->services || o->volumes || o->profiles) {
		rc = 0;
		for (size_t i = 0; o->services && rc == 0 && i < p->n_services; i++)
			if (printf("%s\n", p->services[i].name) < 0)
				rc = cmd_output_error(errno);
		for (size_t i = 0; o->volumes && rc == 0 && i < p->n_volumes; i++)
			if (printf("%s\n", p->volumes[i].key) < 0)
				rc = cmd_output_error(errno);
		if (o->profiles && rc == 0)
			rc = print_strv(p->all_profiles.v, p->all_profiles.n);
		cc_compose_project_free(p);
		return rc;
	}
	_cleanup_free_ char *text = NULL;
	cc_error *e = NULL;
	rc = cc_compose_to_text(p, json, &text, &e);
	cc_compose_project_free(p);
	if (rc < 0)
		return cmd_fail(e, 1);
	if (o->output != NULL) {
		if (cc_write_file(o->output, text, strlen(text), 0644, &e) < 0)
			return cmd_fail(e, 1);
		return 0;
	}
	if (fputs(text, stdout) < 0 || fflush(stdout) != 0)
		return cmd_output_error(errno);
	return 0;
}

static const struct cmd_opt config_options[] = {
	OPT_BOOL(0, "services", struct config_opts, services, "Print the service names, one per line"),
	OPT_BOOL(0, "volumes", struct config_opts, volumes, "Print the volume names, one per line"),
	OPT_BOOL(0, "profiles", struct config_opts, profiles, "Print the profile names, one per line"),
	OPT_BOOL('q', "quiet", struct config_opts, quiet, "Only validate the configuration, don't print anything"),
	OPT_STRING(0, "format", struct config_opts, format, "string", "Format the output. Values: [yaml | json]",
		   .def = "yaml", .complete = CMD_COMPLETE_WORDS, .words = "yaml json"),
	OPT_STRING('o', "output", struct config_opts, output, "string", "Save to file (default to stdout)",
		   .complete = CMD_COMPLETE_FILE),
	OPT_END,
};

static const struct cmd_verb compose_config_verb = {
	.name = "config",
	.usage = "[OPTIONS]",
	.summary = "Parse, resolve and render compose file in canonical format",
	.opts = config_options,
	.opts_size = sizeof(struct config_opts),
	.flags = CMD_VERB_NO_STORE,
	.min_args = 0,
	.max_args = 0,
	.action = config_action,
};

/* The compose verbs.  Only what is implemented is listed. */
static const struct cmd_entry compose_verbs[] = {
	{ "config", &compose_config_verb, false },
	{ NULL, NULL, false },
};

static int compose_action(void *opts, int argc, char **argv)
{
	compose_globals = *(struct compose_opts *)opts;
	const struct cmd_entry *e = NULL;
	for (const struct cmd_entry *c = compose_verbs; c->name; c++)
		if (strcmp(c->name, argv[0]) == 0)
			e = c;
	if (e == NULL) {
		int rc = cmd_usagef("unknown compose command \"%s\" (this ccontainer has: config)", argv[0]);
		fprintf(stderr, "See 'ccontainer compose --help'.\n");
		return rc;
	}
	char path[64];
	snprintf(path, sizeof(path), "ccontainer compose %s", e->name);
	return cmd_verb_run(e->verb, path, argc, argv);
}

static const struct cmd_opt compose_options[] = {
	OPT_LIST('f', "file", struct compose_opts, files, "stringArray", "Compose configuration files",
		 .complete = CMD_COMPLETE_FILE),
	OPT_STRING('p', "project-name", struct compose_opts, project_name, "string", "Project name"),
	OPT_STRING(0, "project-directory", struct compose_opts, project_directory, "string",
		   "Specify an alternate working directory (default: the path of the first specified Compose file)",
		   .complete = CMD_COMPLETE_DIR),
	OPT_LIST(0, "env-file", struct compose_opts, env_files, "stringArray", "Specify an alternate environment file",
		 .complete = CMD_COMPLETE_FILE),
	OPT_LIST(0, "profile", struct compose_opts, profiles, "stringArray", "Specify a profile to enable"),
	OPT_END,
};

const struct cmd_verb cmd_compose_verb = {
	.name = "compose",
	.usage = "[OPTIONS] COMMAND",
	.summary = "Define and run multi-container applications",
	.description = "Commands:\n  config      Parse, resolve and render compose file in canonical format\n\n"
		       "Run 'ccontainer compose COMMAND --help' for more information on a command.",
	.opts = compose_options,
	.opts_size = sizeof(struct compose_opts),
	.flags = CMD_VERB_STOP_AT_ARG | CMD_VERB_NO_STORE,
	.min_args = 1,
	.max_args = -1,
	.complete_args = CMD_COMPLETE_WORDS,
	.arg_words = "config",
	.action = compose_action,
};
