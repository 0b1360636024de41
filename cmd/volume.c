/* ccontainer volume create|ls|inspect|rm|prune: docker's volume verbs
 * over lib/container's volumes (container.h). */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "container/container.h"
#include "template/template.h"
#include "util/json.h"
#include "util/strbuf.h"

json_t *cmd_kv_object(const struct cmd_strv *v)
{
	json_t *o = json_object();
	for (size_t i = 0; o != NULL && i < v->n; i++) {
		size_t kl = strcspn(v->v[i], "=");
		_cleanup_free_ char *k = strndup(v->v[i], kl);
		const char *val = v->v[i][kl] == '=' ? v->v[i] + kl + 1 : "";
		if (k == NULL || json_object_set_new(o, k, cc_json_text(val)) < 0) {
			json_decref(o);
			o = NULL;
		}
	}
	return o;
}

static char *created_at(int64_t t)
{
	char buf[40];
	time_t tt = (time_t)t;
	struct tm tm;
	if (gmtime_r(&tt, &tm) == NULL || strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, sizeof(buf), "%lld", (long long)t);
	return strdup(buf);
}

/* docker's volume inspect object */
static json_t *volume_json(struct cc_store *s, const struct cc_volume_record *v)
{
	_cleanup_free_ char *mp = cc_store_volume_data(s, v->name);
	_cleanup_free_ char *at = created_at(v->created);
	json_t *labels = cc_json_object_or_empty(v->labels_json), *opts = cc_json_object_or_empty(v->options_json);
	/* docker's documented shape: {} for none */
	return json_pack("{s:s, s:s, s:o, s:s, s:s, s:o, s:s}", "CreatedAt", at ? at : "", "Driver", "local", "Labels", labels,
			 "Mountpoint", mp ? mp : "", "Name", v->name, "Options", opts, "Scope", "local");
}

/* ---- create ---- */

struct create_opts {
	struct cmd_strv labels, opts;
	const char *driver, *name;
};

static int create_action(void *opts, int argc, char **argv)
{
	struct create_opts *o = opts;
	const char *name = argc > 0 ? argv[0] : o->name;
	if (argc > 0 && o->name != NULL && strcmp(argv[0], o->name) != 0)
		return cmd_failf(EXIT_CC_ERROR, "conflicting options: either specify --name or provide positional arg, not both");
	if (o->driver != NULL && strcmp(o->driver, "local") != 0)
		return cmd_failf(EXIT_CC_ERROR, "volume driver '%s' is not supported: ccontainer has the local driver only", o->driver);
	json_t *labels = cmd_kv_object(&o->labels), *dopts = cmd_kv_object(&o->opts);
	struct cc_store *s = labels && dopts ? cmd_open_store() : NULL;
	int rc = 0;
	if (labels == NULL || dopts == NULL)
		rc = cmd_failf(EXIT_CC_ERROR, "out of memory");
	else if (s == NULL)
		rc = EXIT_CC_ERROR;
	else {
		cc_error *e = NULL;
		struct cc_volume_record *v = NULL;
		/* no name: a random one, as docker's (not labelled anonymous:
		 * prune without -a leaves it, as docker's) */
		char gen[65];
		if (name == NULL && cc_random_hex(gen, 32, &e) == 0)
			name = gen;
		if (name == NULL || cc_volume_create(s, name, labels, dopts, &v, NULL, &e) < 0)
			rc = cmd_fail(e, EXIT_CC_ERROR);
		else
			printf("%s\n", v->name);
		cc_volume_record_free(v);
	}
	json_decref(labels);
	json_decref(dopts);
	cc_store_close(s);
	return rc;
}

static const struct cmd_opt create_options[] = {
	OPT_STRING('d', "driver", struct create_opts, driver, "string", "Specify volume driver name (local)"),
	OPT_MAP(0, "label", struct create_opts, labels, "list", "Set metadata for a volume"),
	OPT_STRING(0, "name", struct create_opts, name, "string", "Specify volume name", .flags = CMD_OPT_HIDDEN),
	OPT_MAP('o', "opt", struct create_opts, opts, "map", "Set driver specific options (the local driver takes none)"),
	OPT_END,
};

const struct cmd_verb cmd_volume_create_verb = {
	.name = "create",
	.usage = "[OPTIONS] [VOLUME]",
	.summary = "Create a volume",
	.opts = create_options,
	.opts_size = sizeof(struct create_opts),
	.max_args = 1,
	.action = create_action,
};

/* ---- ls ---- */

struct ls_opts {
	struct cmd_strv filter;
	const char *format;
	bool quiet;
};

struct ls_filter {
	const char *const *names, *const *labels;
	size_t n_names, n_labels;
	int dangling; /* -1: any */
};

bool cmd_label_match(const json_t *labels, const char *want)
{
	size_t kl = strcspn(want, "=");
	_cleanup_free_ char *k = strndup(want, kl);
	const json_t *v = k ? json_object_get(labels, k) : NULL;
	if (v == NULL)
		return false;
	return want[kl] != '=' || strcmp(json_string_value(v) ? json_string_value(v) : "", want + kl + 1) == 0;
}

static int ls_filter_parse(const struct cmd_strv *f, struct ls_filter *ret, const char **names, const char **labels)
{
	*ret = (struct ls_filter){ .names = names, .labels = labels, .dangling = -1 };
	for (size_t i = 0; i < f->n; i++) {
		const char *a = f->v[i], *eq = strchr(a, '=');
		if (eq == NULL)
			return cmd_usagef("invalid argument \"%s\" for \"-f, --filter\" flag: bad format of filter (expected name=value)", a);
		size_t kl = (size_t)(eq - a);
		const char *v = eq + 1;
		if (kl == 4 && strncmp(a, "name", 4) == 0)
			names[ret->n_names++] = v;
		else if (kl == 5 && strncmp(a, "label", 5) == 0)
			labels[ret->n_labels++] = v;
		else if (kl == 8 && strncmp(a, "dangling", 8) == 0) {
			if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
				ret->dangling = 1;
			else if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
				ret->dangling = 0;
			else
				return cmd_failf(EXIT_CC_ERROR, "invalid filter 'dangling=%s'", v);
		} else if (kl == 6 && strncmp(a, "driver", 6) == 0) {
			if (strcmp(v, "local") != 0)
				ret->dangling = 2; /* matches nothing */
		} else
			return cmd_failf(EXIT_CC_ERROR, "invalid filter '%.*s'", (int)kl, a);
	}
	return 0;
}

static bool volume_used(struct cc_store *s, const char *name, int *rc)
{
	_cleanup_strv_ char **users = NULL;
	cc_error *e = NULL;
	if (cc_store_volume_users(s, name, &users, &e) < 0) {
		*rc = cmd_fail(e, EXIT_CC_ERROR);
		return true;
	}
	return users[0] != NULL;
}

static int ls_action(void *opts, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	struct ls_opts *o = opts;
	_cleanup_free_ const char **names = calloc(o->filter.n + 1, sizeof(char *));
	_cleanup_free_ const char **labels = calloc(o->filter.n + 1, sizeof(char *));
	if (names == NULL || labels == NULL)
		return cmd_failf(EXIT_CC_ERROR, "out of memory");
	struct ls_filter flt;
	int rc = ls_filter_parse(&o->filter, &flt, names, labels);
	if (rc != 0)
		return rc;
	const char *fmt = o->format;
	if (fmt == NULL || *fmt == '\0' || strcmp(fmt, "table") == 0)
		fmt = o->quiet ? "{{.Name}}" : "table {{.Driver}}\t{{.Name}}";
	json_t *headers = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "Name", "VOLUME NAME", "Driver", "DRIVER",
				    "Scope", "SCOPE", "Mountpoint", "MOUNTPOINT", "Labels", "LABELS", "Links", "LINKS",
				    "Size", "SIZE", "CreatedAt", "CREATED AT");
	struct cc_format *f = NULL;
	cc_error *e = NULL;
	if (headers == NULL || cc_format_open(fmt, NULL, headers, &f, &e) < 0) {
		json_decref(headers);
		return e ? cmd_fail(e, EXIT_CC_ERROR) : cmd_failf(EXIT_CC_ERROR, "out of memory");
	}
	json_decref(headers);
	struct cc_store *s = cmd_open_store();
	struct cc_volume_record **list = NULL;
	size_t n = 0;
	if (s == NULL)
		rc = EXIT_CC_ERROR;
	else if (cc_store_volume_list(s, &list, &n, &e) < 0)
		rc = cmd_fail(e, EXIT_CC_ERROR);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		const struct cc_volume_record *v = list[i];
		json_t *lj = cc_json_object_or_empty(v->labels_json);
		bool ok = flt.dangling != 2;
		for (size_t k = 0; ok && k < flt.n_names; k++)
			ok = strstr(v->name, flt.names[k]) != NULL;
		for (size_t k = 0; ok && k < flt.n_labels; k++)
			ok = cmd_label_match(lj, flt.labels[k]);
		if (ok && flt.dangling >= 0)
			ok = volume_used(s, v->name, &rc) == (flt.dangling == 0);
		if (ok && rc == 0) {
			struct cc_strbuf lt = { 0 };
			const char *k;
			json_t *lv;
			json_object_foreach(lj, k, lv) {
				if (lt.len)
					cc_strbuf_add(&lt, ",", 1);
				cc_strbuf_addf(&lt, "%s=%s", k, json_string_value(lv) ? json_string_value(lv) : "");
			}
			_cleanup_free_ char *mp = cc_store_volume_data(s, v->name);
			_cleanup_free_ char *at = created_at(v->created);
			json_t *row = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "Name", v->name, "Driver", "local",
						"Scope", "local", "Mountpoint", mp ? mp : "", "Labels", lt.buf ? lt.buf : "",
						"Links", "N/A", "Size", "N/A", "CreatedAt", at ? at : "");
			cc_strbuf_release(&lt);
			/* docker's VolumeContext method: {{.Label "KEY"}} */
			json_t *methods = json_pack("{s:O}", "Label", lj);
			if (row == NULL || methods == NULL || cc_format_row_methods(f, row, methods, &e) < 0)
				rc = e ? cmd_fail(e, EXIT_CC_ERROR) : cmd_failf(EXIT_CC_ERROR, "out of memory");
			json_decref(methods);
			json_decref(row);
		}
		json_decref(lj);
	}
	for (size_t i = 0; i < n; i++)
		cc_volume_record_free(list[i]);
	free(list);
	if (rc == 0 && cc_format_flush(f, stdout, &e) < 0)
		rc = cmd_fail(e, EXIT_CC_ERROR);
	cc_format_free(f);
	cc_store_close(s);
	return rc;
}

static const struct cmd_opt ls_options[] = {
	OPT_LIST('f', "filter", struct ls_opts, filter, "filter", "Provide filter values (e.g. \"dangling=true\")"),
	OPT_STRING(0, "format", struct ls_opts, format, "string", "Format output using a custom template"),
	OPT_BOOL('q', "quiet", struct ls_opts, quiet, "Only display volume names"),
	OPT_END,
};

const struct cmd_verb cmd_volume_ls_verb = {
	.name = "ls",
	.usage = "[OPTIONS]",
	.summary = "List volumes",
	.opts = ls_options,
	.opts_size = sizeof(struct ls_opts),
	.action = ls_action,
};

/* ---- inspect ---- */

struct inspect_opts {
	const char *format;
};

static int lookup_volume(struct cc_store *s, const char *name, void *data, json_t **ret)
{
	(void)data;
	struct cc_volume_record *v = NULL;
	cc_error *e = NULL;
	*ret = NULL;
	if (cc_store_volume_get(s, name, &v, &e) < 0)
		return cmd_fail(e, 1);
	*ret = volume_json(s, v);
	cc_volume_record_free(v);
	return *ret != NULL ? 0 : cmd_failf(EXIT_CC_ERROR, "out of memory");
}

/* docker's inspect output (cmd_inspect_objects), over volumes */
static int inspect_action(void *opts, int argc, char **argv)
{
	return cmd_inspect_objects(((struct inspect_opts *)opts)->format, argc, argv, lookup_volume, NULL);
}

static const struct cmd_opt inspect_options[] = {
	OPT_STRING('f', "format", struct inspect_opts, format, "string", "Format output using a custom template"),
	OPT_END,
};

const struct cmd_verb cmd_volume_inspect_verb = {
	.name = "inspect",
	.usage = "[OPTIONS] VOLUME [VOLUME...]",
	.summary = "Display detailed information on one or more volumes",
	.opts = inspect_options,
	.opts_size = sizeof(struct inspect_opts),
	.min_args = 1,
	.max_args = -1,
	.action = inspect_action,
};

/* ---- rm ---- */

struct rm_opts {
	bool force;
};

static int rm_action(void *opts, int argc, char **argv)
{
	struct rm_opts *o = opts;
	struct cc_store *s = cmd_open_store();
	if (s == NULL)
		return EXIT_CC_ERROR;
	int rc = 0;
	for (int i = 0; i < argc; i++) {
		cc_error *e = NULL;
		/* -f: a missing volume is not an error; one in use still is */
		if (cc_volume_remove(s, argv[i], &e) < 0) {
			if (o->force && e->kind == CC_ERR_NOT_FOUND)
				cc_error_free(e);
			else
				rc = cmd_fail(e, 1);
		} else
			printf("%s\n", argv[i]);
	}
	cc_store_close(s);
	return rc;
}

static const struct cmd_opt rm_options[] = {
	OPT_BOOL('f', "force", struct rm_opts, force, "Do not error when a volume does not exist (one in use is never removed)"),
	OPT_END,
};

const struct cmd_verb cmd_volume_rm_verb = {
	.name = "rm",
	.usage = "[OPTIONS] VOLUME [VOLUME...]",
	.summary = "Remove one or more volumes",
	.description = "A volume that any container uses, running or not, cannot be removed.",
	.opts = rm_options,
	.opts_size = sizeof(struct rm_opts),
	.min_args = 1,
	.max_args = -1,
	.action = rm_action,
};

/* ---- prune ---- */

struct prune_opts {
	bool all, force;
	struct cmd_strv filter;
};

static int prune_action(void *opts, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	struct prune_opts *o = opts;
	_cleanup_free_ const char **names = calloc(o->filter.n + 1, sizeof(char *));
	_cleanup_free_ const char **labels = calloc(o->filter.n + 1, sizeof(char *));
	if (names == NULL || labels == NULL)
		return cmd_failf(EXIT_CC_ERROR, "out of memory");
	struct ls_filter flt;
	int rc = ls_filter_parse(&o->filter, &flt, names, labels);
	if (rc != 0)
		return rc;
	if (!o->force && !cmd_confirm(o->all ? "This will remove all local volumes not used by at least one container."
					     : "This will remove anonymous local volumes not used by at least one container."))
		return 0;
	struct cc_store *s = cmd_open_store();
	if (s == NULL)
		return EXIT_CC_ERROR;
	struct cc_volume_record **list = NULL;
	size_t n = 0;
	cc_error *e = NULL;
	if (cc_store_volume_list(s, &list, &n, &e) < 0) {
		cc_store_close(s);
		return cmd_fail(e, EXIT_CC_ERROR);
	}
	uint64_t space = 0;
	bool header = false;
	for (size_t i = 0; i < n; i++) {
		const struct cc_volume_record *v = list[i];
		json_t *lj = cc_json_object_or_empty(v->labels_json);
		/* docker 23+: without -a only anonymous volumes */
		bool ok = o->all || json_object_get(lj, CC_VOLUME_ANON_LABEL) != NULL;
		for (size_t k = 0; ok && k < flt.n_names; k++)
			ok = strstr(v->name, flt.names[k]) != NULL;
		for (size_t k = 0; ok && k < flt.n_labels; k++)
			ok = cmd_label_match(lj, flt.labels[k]);
		json_decref(lj);
		if (!ok)
			continue;
		int64_t size = cc_volume_size(s, v->name);
		if (cc_volume_remove(s, v->name, &e) < 0) {
			if (e->kind != CC_ERR_IN_USE && e->kind != CC_ERR_NOT_FOUND)
				rc = cmd_fail(e, EXIT_CC_ERROR);
			else
				cc_error_clear(&e);
			continue;
		}
		if (!header)
			printf("Deleted Volumes:\n");
		header = true;
		printf("%s\n", v->name);
		space += (uint64_t)size;
	}
	for (size_t i = 0; i < n; i++)
		cc_volume_record_free(list[i]);
	free(list);
	char human[32];
	cc_human_size(space, human, sizeof(human));
	printf("%sTotal reclaimed space: %s\n", header ? "\n" : "", human);
	cc_store_close(s);
	return rc;
}

static const struct cmd_opt prune_options[] = {
	OPT_BOOL('a', "all", struct prune_opts, all, "Remove all unused volumes, not just anonymous ones"),
	OPT_LIST(0, "filter", struct prune_opts, filter, "filter", "Provide filter values (e.g. \"label=<label>\")"),
	OPT_BOOL('f', "force", struct prune_opts, force, "Do not prompt for confirmation"),
	OPT_END,
};

const struct cmd_verb cmd_volume_prune_verb = {
	.name = "prune",
	.usage = "[OPTIONS]",
	.summary = "Remove unused local volumes",
	.opts = prune_options,
	.opts_size = sizeof(struct prune_opts),
	.action = prune_action,
};
