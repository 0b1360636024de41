/* inspect: containers and images in docker's JSON shapes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cmd.h"
#include "net.h"
#include "util/json.h"
#include "util/strbuf.h"

static void fmt_time(uint64_t secs, char *buf, size_t n)
{
	struct tm tm;
	time_t t = (time_t)secs;
	/* docker's zero time when unset */
	if (secs == 0 || gmtime_r(&t, &tm) == NULL || strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, n, "0001-01-01T00:00:00Z");
}

json_t *cmd_container_json(struct cc_store *s, const struct cc_container_record *c)
{
	json_t *cfg = cmd_container_config(c);
	char created[64], started[64], finished[64];
	fmt_time((uint64_t)c->created, created, sizeof(created));
	fmt_time((uint64_t)c->started, started, sizeof(started));
	fmt_time((uint64_t)c->finished, finished, sizeof(finished));
	_cleanup_free_ char *dir = cc_store_container_path(s, c->id);
	_cleanup_free_ char *name = NULL;
	if (asprintf(&name, "/%s", c->name) < 0)
		name = NULL;
	/* the raw run argv (with -e values) stays in the stored config, never in inspect */
	if (json_is_object(cfg))
		json_object_del(cfg, "Args");
	json_t *cmd = json_object_get(cfg, "Cmd");
	/* docker's Path (argv[0]) and Args (the rest) */
	json_t *args = json_array();
	const char *path = "";
	if (json_is_array(cmd) && json_array_size(cmd) > 0) {
		path = json_string_value(json_array_get(cmd, 0)) ? json_string_value(json_array_get(cmd, 0)) : "";
		for (size_t i = 1; i < json_array_size(cmd); i++)
			json_array_append(args, json_array_get(cmd, i));
	}
	bool running = strcmp(c->state, "running") == 0;
	json_t *o = json_pack("{s:s, s:s, s:o, s:o, s:{s:s, s:b, s:b, s:b, s:b, s:b, s:i, s:i, s:s, s:s, s:s}, s:s, s:o, s:s, s:i, s:s, s:s, s:s, s:s, s:s}",
			      "Id", c->id, "Created", created, "Path", cc_json_text(path), "Args", args,
			      "State", "Status", c->state, "Running", running, "Paused", 0, "Restarting", 0,
			      "OOMKilled", c->oom_killed, "Dead", 0, "Pid", running ? c->pid : 0, "ExitCode", c->exit_code,
			      "Error", "", "StartedAt", started, "FinishedAt", finished, "Image", c->image_id,
			      "Name", cc_json_text(name ? name : c->name), "Driver", "overlay", "RestartCount", 0, "Platform", "linux",
			      "MountLabel", "", "ProcessLabel", "", "AppArmorProfile", "", "LogPath", "");
	if (o) {
		json_object_set_new(o, "ImageName", cc_json_text(c->image_name ? c->image_name : ""));
		json_object_set_new(o, "Dir", cc_json_text(dir ? dir : ""));
		_cleanup_free_ char *log = NULL;
		if (dir && asprintf(&log, "%s/ctr.log", dir) >= 0)
			json_object_set_new(o, "LogPath", cc_json_text(log));
		json_t *mounts = json_object_get(cfg, "Mounts");
		json_object_set_new(o, "Mounts", mounts ? json_incref(mounts) : json_array());
		/* docker's HostConfig.LogConfig; containers made before it had none */
		json_t *lc = json_object_get(cfg, "LogConfig");
		json_t *hc = json_object_get(cfg, "HostConfig");
		hc = json_is_object(hc) ? json_incref(hc) : json_object();
		json_object_set_new(hc, "LogConfig",
				    json_is_object(lc) ? json_incref(lc) : json_pack("{s:s, s:{}}", "Type", "json-file", "Config"));
		if (!json_object_get(hc, "RestartPolicy"))
			json_object_set_new(hc, "RestartPolicy", json_pack("{s:s, s:i}", "Name", "no", "MaximumRetryCount", 0));
		json_object_set_new(o, "HostConfig", hc);
		json_object_set(o, "Config", cfg);
		json_object_set_new(o, "NetworkSettings", cmd_net_settings(s, c));
	}
	json_decref(cfg);
	return o;
}

int cmd_container_inspect_json(struct cc_store *s, const char *ref, json_t **ret)
{
	struct cc_container_record *c = NULL;
	cc_error *e = NULL;
	if (cc_store_container_get(s, ref, &c, &e) < 0) {
		cc_error_free(e);
		return -1;
	}
	cmd_container_reconcile(s, c);
	*ret = cmd_container_json(s, c);
	cc_container_record_free(c);
	return *ret ? 0 : -1;
}

static json_t *image_json(struct cc_store *s, struct cc_image_record *r, cc_error **err)
{
	_cleanup_free_ char *cfg = NULL;
	size_t len = 0;
	if (cc_store_read_blob(s, r->config_digest, CC_CONFIG_MAX, &cfg, &len, err) < 0)
		return NULL;
	json_t *config = json_loadb(cfg, len, 0, NULL);
	json_t *o = json_object();
	json_object_set_new(o, "Id", json_string(r->id));
	json_t *tags = json_array(), *dig = json_array(), *layers = json_array(), *diffs = json_array();
	for (char **t = r->tags; t && *t; t++) {
		char *repo = NULL, *tg = NULL;
		cmd_split_tag(*t, &repo, &tg);
		char *fam = NULL;
		if (repo && tg && asprintf(&fam, "%s:%s", repo, tg) >= 0)
			json_array_append_new(tags, json_string(fam));
		free(fam);
		free(repo);
		free(tg);
	}
	for (char **d = r->repo_digests; d && *d; d++) {
		const char *at;
		_cleanup_free_ char *fam = cmd_split_digest(*d, &at);
		char *x = NULL;
		if (fam && asprintf(&x, "%s%s", fam, at) >= 0)
			json_array_append_new(dig, json_string(x));
		free(x);
	}
	for (size_t i = 0; i < r->n_layers; i++) {
		struct cc_layer_record *l = &r->layers[i];
		_cleanup_free_ char *dir = cc_store_layer_path(s, l->chain_id);
		json_array_append_new(layers, json_pack("{s:s, s:s, s:s, s:I, s:s, s:s}", "Digest", l->blob_digest,
							"DiffID", l->diff_id, "ChainID", l->chain_id, "Size",
							(json_int_t)l->blob_size, "MediaType",
							l->media_type ? l->media_type : "", "Dir", dir ? dir : ""));
		json_array_append_new(diffs, json_string(l->diff_id));
	}
	json_object_set_new(o, "RepoTags", tags);
	json_object_set_new(o, "RepoDigests", dig);
	json_object_set_new(o, "ManifestDigest", json_string(r->manifest_digest));
	json_object_set_new(o, "ManifestMediaType", json_string(r->manifest_media_type ? r->manifest_media_type : ""));
	json_object_set_new(o, "Created", json_string(r->created ? r->created : ""));
	json_object_set_new(o, "Architecture", json_string(r->arch ? r->arch : ""));
	if (r->variant)
		json_object_set_new(o, "Variant", json_string(r->variant));
	json_object_set_new(o, "Os", json_string(r->os ? r->os : ""));
	json_object_set_new(o, "Size", json_integer(r->size));
	json_t *c = json_object_get(config, "config");
	json_object_set(o, "Config", c ? c : json_object());
	if (json_object_get(config, "history"))
		json_object_set(o, "History", json_object_get(config, "history"));
	json_object_set_new(o, "RootFS", json_pack("{s:s, s:o}", "Type", "layers", "Layers", diffs));
	json_object_set_new(o, "Layers", layers);
	json_decref(config);
	return o;
}

enum inspect_kind { INSPECT_ANY, INSPECT_CONTAINER, INSPECT_IMAGE };

struct inspect_opts {
	const char *format;
	const char *type;
	bool size;
};

static const struct cmd_opt inspect_options[] = {
	OPT_STRING('f', "format", struct inspect_opts, format, "string", "Format output using a custom template ('json' for the JSON array)"),
	OPT_BOOL('s', "size", struct inspect_opts, size, "Display total file sizes if the type is container"),
	OPT_STRING(0, "type", struct inspect_opts, type, "string", "Return JSON for specified type (container or image)",
		   .complete = CMD_COMPLETE_WORDS, .words = "container image"),
	OPT_END,
};

static const struct cmd_opt inspect_typed_options[] = {
	OPT_STRING('f', "format", struct inspect_opts, format, "string", "Format output using a custom template ('json' for the JSON array)"),
	OPT_BOOL('s', "size", struct inspect_opts, size, "Display total file sizes"),
	OPT_END,
};

static json_t *image_lookup(struct cc_store *s, const char *ref)
{
	_cleanup_free_ char *id = NULL;
	cc_error *e = NULL;
	struct cc_image_record *r = NULL;
	json_t *o = NULL;
	if (cc_image_resolve(s, ref, &id, &e) == 0 && cc_store_image_get(s, id, &r, &e) == 0)
		o = image_json(s, r, &e);
	cc_error_free(e);
	cc_image_record_free(r);
	return o;
}

static int inspect_run(const struct inspect_opts *o, enum inspect_kind kind, int argc, char **argv)
{
	if (o->format && *o->format && strcmp(o->format, "json") != 0)
		return cmd_usagef("templates for --format are not available yet (only 'json')");
	struct cc_store *s = cmd_open_store();
	if (s == NULL)
		return EXIT_CC_ERROR;
	json_t *arr = json_array();
	int rc = 0;
	for (int i = 0; i < argc; i++) {
		json_t *obj = NULL;
		/* containers first, as docker inspect does */
		if (kind != INSPECT_IMAGE && cmd_container_inspect_json(s, argv[i], &obj) == 0) {
			json_array_append_new(arr, obj);
			continue;
		}
		if (kind != INSPECT_CONTAINER && (obj = image_lookup(s, argv[i])) != NULL) {
			json_array_append_new(arr, obj);
			continue;
		}
		rc = cmd_failf(EXIT_CC_ERROR, "No such %s: %s",
			       kind == INSPECT_CONTAINER ? "container" : kind == INSPECT_IMAGE ? "image" : "object", argv[i]);
	}
	cc_store_close(s);
	if (json_array_size(arr) > 0 || rc == 0) {
		char *out = json_dumps(arr, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
		if (out == NULL || printf("%s\n", out) < 0 || fflush(stdout) != 0) {
			int en = errno;
			free(out);
			json_decref(arr);
			return cmd_output_error(en);
		}
		free(out);
	}
	json_decref(arr);
	return rc;
}

static int inspect_action(void *opts, int argc, char **argv)
{
	const struct inspect_opts *o = opts;
	enum inspect_kind kind = INSPECT_ANY;
	if (o->type && *o->type) {
		if (strcmp(o->type, "container") == 0)
			kind = INSPECT_CONTAINER;
		else if (strcmp(o->type, "image") == 0)
			kind = INSPECT_IMAGE;
		else
			return cmd_usagef("\"%s\" is not a valid value for --type", o->type);
	}
	return inspect_run(o, kind, argc, argv);
}

static int container_inspect_action(void *opts, int argc, char **argv)
{
	return inspect_run(opts, INSPECT_CONTAINER, argc, argv);
}

static int image_inspect_action(void *opts, int argc, char **argv)
{
	return inspect_run(opts, INSPECT_IMAGE, argc, argv);
}

const struct cmd_verb cmd_inspect_verb = {
	.name = "inspect", .usage = "[OPTIONS] NAME|ID [NAME|ID...]",
	.summary = "Return low-level information on containers and images", .opts = inspect_options,
	.opts_size = sizeof(struct inspect_opts), .min_args = 1, .max_args = -1,
	.complete_args = CMD_COMPLETE_CONTAINER, .action = inspect_action,
};
const struct cmd_verb cmd_container_inspect_verb = {
	.name = "inspect", .usage = "[OPTIONS] CONTAINER [CONTAINER...]",
	.summary = "Display detailed information on one or more containers", .opts = inspect_typed_options,
	.opts_size = sizeof(struct inspect_opts), .min_args = 1, .max_args = -1,
	.complete_args = CMD_COMPLETE_CONTAINER, .action = container_inspect_action,
};
const struct cmd_verb cmd_image_inspect_verb = {
	.name = "inspect", .usage = "[OPTIONS] IMAGE [IMAGE...]",
	.summary = "Display detailed information on one or more images", .opts = inspect_typed_options,
	.opts_size = sizeof(struct inspect_opts), .min_args = 1, .max_args = -1,
	.complete_args = CMD_COMPLETE_IMAGE, .action = image_inspect_action,
};
