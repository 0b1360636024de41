/* ccontainer compose [-f FILE]... [-p NAME] [--project-directory DIR]
 * [--env-file FILE] [--profile P] VERB: docker compose's global flags,
 * then a verb of its own table.  The project is lib/compose's model
 * (compose.h); config is here, the verbs that run things in
 * compose-up.c and compose-ops.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "compose.h"

struct compose_opts {
	struct cmd_strv files, env_files, profiles;
	const char *project_name, *project_directory;
};

/* The global flags, for the verb's action (one compose verb a process). */
static struct compose_opts compose_globals;

static int ctr_cmp(const void *a, const void *b)
{
	const struct compose_ctr *x = a, *y = b;
	if (x->oneoff != y->oneoff)
		return x->oneoff ? 1 : -1;
	int c = strcmp(x->service, y->service);
	if (c != 0)
		return c;
	if (x->number != y->number)
		return x->number < y->number ? -1 : 1;
	return strcmp(x->rec->name, y->rec->name);
}

int compose_load(struct cc_compose_project **ret)
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

int compose_containers(struct cc_store *s, const char *project, struct compose_ctrs *ret)
{
	*ret = (struct compose_ctrs){ 0 };
	struct cc_container_record **all = NULL;
	size_t n = 0;
	cc_error *e = NULL;
	if (cc_store_container_list(s, &all, &n, &e) < 0)
		return cmd_fail(e, 1);
	if (n > 0 && (ret->v = calloc(n, sizeof(*ret->v))) == NULL) {
		for (size_t i = 0; i < n; i++)
			cc_container_record_free(all[i]);
		free(all);
		return cmd_failf(1, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		json_t *cfg = cc_container_config(all[i]);
		const json_t *l = json_object_get(cfg, "Labels");
		const char *proj = json_string_value(json_object_get(l, COMPOSE_LABEL_PROJECT));
		const char *svc = json_string_value(json_object_get(l, COMPOSE_LABEL_SERVICE));
		if (proj == NULL || svc == NULL || strcmp(proj, project) != 0) {
			json_decref(cfg);
			cc_container_record_free(all[i]);
			continue;
		}
		struct compose_ctr *c = &ret->v[ret->n];
		const char *num = json_string_value(json_object_get(l, COMPOSE_LABEL_NUMBER));
		const char *oneoff = json_string_value(json_object_get(l, COMPOSE_LABEL_ONEOFF));
		const char *hash = json_string_value(json_object_get(l, COMPOSE_LABEL_HASH));
		c->rec = all[i];
		c->service = strdup(svc);
		c->hash = hash ? strdup(hash) : NULL;
		c->number = num ? atoi(num) : 0;
		c->oneoff = oneoff && strcmp(oneoff, "True") == 0;
		json_decref(cfg);
		ret->n++;
		if (c->service == NULL) {
			free(all);
			compose_ctrs_release(ret);
			return cmd_failf(1, "out of memory");
		}
		cmd_container_reconcile(s, c->rec);
	}
	free(all);
	qsort(ret->v, ret->n, sizeof(*ret->v), ctr_cmp);
	return 0;
}

void compose_ctrs_release(struct compose_ctrs *c)
{
	for (size_t i = 0; i < c->n; i++) {
		cc_container_record_free(c->v[i].rec);
		free(c->v[i].service);
		free(c->v[i].hash);
	}
	free(c->v);
	*c = (struct compose_ctrs){ 0 };
}

const struct cc_compose_service *compose_service(const struct cc_compose_project *p, const char *name)
{
	for (size_t i = 0; i < p->n_services; i++)
		if (strcmp(p->services[i].name, name) == 0)
			return &p->services[i];
	return NULL;
}

int compose_check_services(const struct cc_compose_project *p, int argc, char **argv)
{
	for (int i = 0; i < argc; i++)
		if (compose_service(p, argv[i]) == NULL)
			return cmd_failf(1, "no such service: %s", argv[i]);
	return 0;
}

bool compose_selected(const struct compose_ctr *c, int argc, char **argv)
{
	if (argc == 0)
		return true;
	for (int i = 0; i < argc; i++)
		if (strcmp(c->service, argv[i]) == 0)
			return true;
	return false;
}

char *compose_container_name(const struct cc_compose_project *p, const struct cc_compose_service *sv, int n)
{
	char *out = NULL;
	if (sv->container_name)
		return strdup(sv->container_name);
	return asprintf(&out, "%s-%s-%d", p->name, sv->name, n) < 0 ? NULL : out;
}

char *compose_image_name(const struct cc_compose_project *p, const struct cc_compose_service *sv)
{
	char *out = NULL;
	if (sv->image)
		return strdup(sv->image);
	return asprintf(&out, "%s-%s", p->name, sv->name) < 0 ? NULL : out;
}

void compose_progress(const char *kind, const char *name, const char *what)
{
	fprintf(stderr, " %s %s  %s\n", kind, name, what);
}

int compose_wait_all(const pid_t *kids, size_t n)
{
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		int st;
		while (waitpid(kids[i], &st, 0) < 0 && errno == EINTR)
			;
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			rc = 1;
	}
	return rc;
}

int compose_each_parallel(struct compose_ctrs *cs, const bool *sel, compose_each_fn fn, const void *arg)
{
	pid_t *kids = calloc(cs->n ? cs->n : 1, sizeof(pid_t));
	if (kids == NULL)
		return cmd_failf(1, "out of memory");
	size_t nk = 0;
	int rc = 0;
	fflush(stdout);
	fflush(stderr);
	for (size_t i = 0; i < cs->n; i++) {
		if (!sel[i])
			continue;
		pid_t k = fork();
		if (k == 0) {
			struct cc_store *s = cmd_open_store();
			int r = s ? fn(s, cs->v[i].rec, arg) : 1;
			cc_store_close(s);
			fflush(stdout);
			fflush(stderr);
			_exit(r);
		}
		if (k < 0) {
			rc = cmd_failf(1, "fork: %s", strerror(errno));
			break;
		}
		kids[nk++] = k;
	}
	if (compose_wait_all(kids, nk) != 0)
		rc = 1;
	free(kids);
	return rc;
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
	int rc = compose_load(&p);
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
	{ "build", &compose_build_verb, false },
	{ "config", &compose_config_verb, false },
	{ "create", &compose_create_verb, false },
	{ "down", &compose_down_verb, false },
	{ "exec", &compose_exec_verb, false },
	{ "images", &compose_images_verb, false },
	{ "kill", &compose_kill_verb, false },
	{ "logs", &compose_logs_verb, false },
	{ "ls", &compose_ls_verb, false },
	{ "port", &compose_port_verb, false },
	{ "ps", &compose_ps_verb, false },
	{ "pull", &compose_pull_verb, false },
	{ "push", &compose_push_verb, false },
	{ "restart", &compose_restart_verb, false },
	{ "rm", &compose_rm_verb, false },
	{ "run", &compose_run_verb, false },
	{ "start", &compose_start_verb, false },
	{ "stop", &compose_stop_verb, false },
	{ "top", &compose_top_verb, false },
	{ "up", &compose_up_verb, false },
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
		int rc = cmd_usagef("unknown compose command \"%s\"", argv[0]);
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
	.description = "Commands:\n"
		       "  build       Build or rebuild services\n"
		       "  config      Parse, resolve and render compose file in canonical format\n"
		       "  create      Creates containers for a service\n"
		       "  down        Stop and remove containers, networks\n"
		       "  exec        Execute a command in a running container\n"
		       "  images      List images used by the created containers\n"
		       "  kill        Force stop service containers\n"
		       "  logs        View output from containers\n"
		       "  ls          List running compose projects\n"
		       "  port        Print the public port for a port binding\n"
		       "  ps          List containers\n"
		       "  pull        Pull service images\n"
		       "  push        Push service images\n"
		       "  restart     Restart service containers\n"
		       "  rm          Removes stopped service containers\n"
		       "  run         Run a one-off command on a service\n"
		       "  start       Start services\n"
		       "  stop        Stop services\n"
		       "  top         Display the running processes\n"
		       "  up          Create and start containers\n\n"
		       "Run 'ccontainer compose COMMAND --help' for more information on a command.",
	.opts = compose_options,
	.opts_size = sizeof(struct compose_opts),
	.flags = CMD_VERB_STOP_AT_ARG | CMD_VERB_NO_STORE,
	.min_args = 1,
	.max_args = -1,
	.complete_args = CMD_COMPLETE_WORDS,
	.arg_words = "build config create down exec images kill logs ls port ps pull push restart rm run start stop top up",
	.action = compose_action,
};
