/* The image a build step produces: its config (the parent's, changed by
 * the step, with a history entry) and an OCI manifest, stored as blobs and
 * recorded in the store as an (untagged) image.
 *
 * Fields docker keeps that the OCI config spec does not list (Healthcheck,
 * Shell, OnBuild, StopSignal) are kept in the config as they are: the spec
 * says unknown fields are ignored, docker and podman read them, and
 * dropping them (podman's OCI format does, with a warning) loses what the
 * user wrote.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build-internal.h"
#include "image/image.h"
#include "util/json.h"

json_t *cc_bcfg_scratch(void)
{
	struct cc_platform p;
	cc_platform_host(&p);
	json_t *root = json_pack("{s:s, s:s, s:{s:[s]}, s:{s:s, s:[]}, s:[]}", "architecture", p.arch, "os", p.os,
				 "config", "Env", CC_BUILD_DEFAULT_PATH,
				 "rootfs", "type", "layers", "diff_ids", "history");
	if (root && p.variant[0])
		json_object_set_new(root, "variant", json_string(p.variant));
	return root;
}

int cc_bcfg_load(struct cc_store *s, const struct cc_image_record *r, json_t **ret, cc_error **err)
{
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	if (cc_store_read_blob(s, r->config_digest, CC_CONFIG_MAX, &data, &len, err) < 0)
		return cc_error_prefix(err, "read config of image %s", r->id);
	json_error_t je;
	json_t *root = json_loadb(data, len, 0, &je);
	if (!json_is_object(root)) {
		json_decref(root);
		return cc_error_set(err, 0, "parse config of image %s: %s", r->id, je.text);
	}
	/* what described the base's own build is not ours */
	json_object_del(root, "container");
	json_object_del(root, "container_config");
	json_object_del(root, "docker_version");
	if (!json_is_object(json_object_get(root, "config")))
		json_object_set_new(root, "config", json_object());
	if (!json_is_object(json_object_get(root, "rootfs")))
		json_object_set_new(root, "rootfs", json_pack("{s:s, s:[]}", "type", "layers", "diff_ids"));
	if (!json_is_array(json_object_get(root, "history")))
		json_object_set_new(root, "history", json_array());
	/* BuildKit and buildah give a base without PATH the default one */
	json_t *cfg = json_object_get(root, "config");
	json_t *env = json_object_get(cfg, "Env");
	bool has_path = false;
	size_t i;
	json_t *e;
	json_array_foreach(env, i, e) has_path = has_path || cc_str_has_prefix(json_string_value(e) ? json_string_value(e) : "", "PATH=");
	if (!has_path) {
		if (!json_is_array(env) && json_object_set_new(cfg, "Env", env = json_array()) < 0) {
			json_decref(root);
			return cc_error_set(err, ENOMEM, "image config");
		}
		if (json_array_append_new(env, json_string(CC_BUILD_DEFAULT_PATH)) < 0) {
			json_decref(root);
			return cc_error_set(err, ENOMEM, "image config");
		}
	}
	*ret = root;
	return 0;
}

/* Everything a step brings is text from the recipe (bytes, which jansson
 * refuses unless they are UTF-8): it goes in through cc_json_text, which
 * writes invalid bytes as U+FFFD, as docker's and buildah's configs have
 * them.  Every insertion is checked: a failure is a lack of memory. */
static json_t *strv_array(char *const *v)
{
	json_t *a = json_array();
	for (size_t i = 0; a && v && v[i]; i++) {
		if (json_array_append_new(a, cc_json_text(v[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

/* Env entries are "K=V": set one, keeping the order of the others. */
static int env_set(json_t *env, const char *raw)
{
	_cleanup_free_ char *kv = cc_utf8_coerce(raw);
	if (kv == NULL)
		return -1;
	size_t kl = strcspn(kv, "=");
	size_t i;
	json_t *e;
	json_array_foreach(env, i, e) {
		const char *s = json_string_value(e);
		if (s && strncmp(s, kv, kl) == 0 && s[kl] == '=')
			return json_array_set_new(env, i, json_string(kv));
	}
	return json_array_append_new(env, json_string(kv));
}

static json_t *object_field(json_t *cfg, const char *key)
{
	json_t *o = json_object_get(cfg, key);
	if (!json_is_object(o)) {
		o = json_object();
		if (json_object_set_new(cfg, key, o) < 0)
			return NULL;
	}
	return o;
}

/* created_by in the history: the instruction, RUN with its final argv. */
static char *created_by(const struct cc_build_step *st)
{
	if (st->kind != CC_I_RUN)
		return strdup(st->display);
	size_t n = 4;
	for (char **a = st->argv; a && *a; a++)
		n += strlen(*a) + 1;
	char *s = malloc(n), *o = s;
	if (s == NULL)
		return NULL;
	memcpy(o, "RUN", 3);
	o += 3;
	for (char **a = st->argv; a && *a; a++) {
		size_t l = strlen(*a);
		*o++ = ' ';
		memcpy(o, *a, l);
		o += l;
	}
	*o = '\0';
	return s;
}

int cc_bcfg_apply(json_t *root, const struct cc_build_step *st, const char *created, const char *diff_id,
		  cc_error **err)
{
	json_t *cfg = object_field(root, "config");
	if (cfg == NULL)
		return cc_error_set(err, ENOMEM, "image config");
	int bad = 0;
	switch (st->kind) {
	case CC_I_ENV: {
		json_t *env = json_object_get(cfg, "Env");
		if (!json_is_array(env)) {
			env = json_array();
			bad |= json_object_set_new(cfg, "Env", env);
		}
		for (char **p = st->pairs; !bad && p && *p; p++)
			bad |= env_set(env, *p);
		break;
	}
	case CC_I_LABEL: {
		json_t *labels = object_field(cfg, "Labels");
		bad |= labels == NULL ? -1 : 0;
		for (char **p = st->pairs; !bad && p && *p; p++) {
			size_t kl = strcspn(*p, "=");
			_cleanup_free_ char *k = strndup(*p, kl);
			bad |= k ? cc_json_set_text(labels, k, cc_json_text((*p)[kl] ? *p + kl + 1 : "")) : -1;
		}
		break;
	}
	case CC_I_WORKDIR:
		bad |= json_object_set_new(cfg, "WorkingDir", cc_json_text(st->value));
		break;
	case CC_I_USER:
		bad |= json_object_set_new(cfg, "User", cc_json_text(st->value));
		break;
	case CC_I_STOPSIGNAL:
		bad |= json_object_set_new(cfg, "StopSignal", cc_json_text(st->value));
		break;
	case CC_I_CMD:
		bad |= json_object_set_new(cfg, "Cmd", strv_array(st->argv));
		break;
	case CC_I_ENTRYPOINT:
		bad |= json_object_set_new(cfg, "Entrypoint", strv_array(st->argv));
		if (st->reset_cmd)
			bad |= json_object_set_new(cfg, "Cmd", json_null());
		break;
	case CC_I_SHELL:
		bad |= json_object_set_new(cfg, "Shell", strv_array(st->argv));
		break;
	case CC_I_EXPOSE:
	case CC_I_VOLUME: {
		json_t *set = object_field(cfg, st->kind == CC_I_EXPOSE ? "ExposedPorts" : "Volumes");
		bad |= set == NULL ? -1 : 0;
		for (char **p = st->list; !bad && p && *p; p++)
			bad |= cc_json_set_text(set, *p, json_object());
		break;
	}
	case CC_I_HEALTHCHECK: {
		json_error_t je;
		json_t *h = json_loads(st->health, 0, &je);
		if (h == NULL)
			return cc_error_set(err, 0, "healthcheck: %s", je.text);
		bad |= json_object_set_new(cfg, "Healthcheck", h);
		break;
	}
	case CC_I_ONBUILD: {
		json_t *ob = json_object_get(cfg, "OnBuild");
		if (!json_is_array(ob)) {
			ob = json_array();
			bad |= json_object_set_new(cfg, "OnBuild", ob);
		}
		if (!bad)
			bad |= json_array_append_new(ob, cc_json_text(st->value));
		break;
	}
	case CC_I_MAINTAINER:
		bad |= json_object_set_new(root, "author", cc_json_text(st->value));
		break;
	default:
		break;
	}
	if (bad)
		return cc_error_set(err, ENOMEM, "image config");
	_cleanup_free_ char *by = created_by(st);
	json_t *h = json_object();
	if (by == NULL || h == NULL || json_object_set_new(h, "created", json_string(created)) < 0 ||
	    json_object_set_new(h, "created_by", cc_json_text(by)) < 0) {
		json_decref(h);
		return cc_error_set(err, ENOMEM, "image history");
	}
	if (diff_id) {
		json_t *rootfs = object_field(root, "rootfs");
		json_t *ids = json_object_get(rootfs, "diff_ids");
		if (rootfs && !json_is_array(ids)) {
			ids = json_array();
			bad |= json_object_set_new(rootfs, "diff_ids", ids);
		}
		if (rootfs == NULL || bad || json_object_set_new(rootfs, "type", json_string("layers")) < 0 ||
		    json_array_append_new(ids, json_string(diff_id)) < 0)
			bad = -1;
	} else {
		bad |= json_object_set_new(h, "empty_layer", json_true());
	}
	json_t *hist = json_object_get(root, "history");
	if (!json_is_array(hist)) {
		hist = json_array();
		bad |= json_object_set_new(root, "history", hist);
	}
	if (bad) {
		json_decref(h);
		return cc_error_set(err, ENOMEM, "image history");
	}
	if (json_array_append_new(hist, h) < 0 || json_object_set_new(root, "created", json_string(created)) < 0)
		return cc_error_set(err, ENOMEM, "image history");
	return 0;
}

/* docker layer media types have OCI twins with the same bytes */
const char *cc_bcfg_oci_layer_type(const char *mt)
{
	if (mt == NULL || strcmp(mt, CC_MT_DOCKER_LAYER) == 0)
		return CC_MT_OCI_LAYER_GZIP;
	if (strcmp(mt, CC_MT_DOCKER_FOREIGN) == 0)
		return "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
	return mt;
}

/* ... and the other way, for a docker schema 2 manifest (--format docker);
 * NULL when docker has no twin (zstd, uncompressed) */
static const char *docker_layer_type(const char *mt)
{
	if (mt == NULL || strcmp(mt, CC_MT_OCI_LAYER_GZIP) == 0 || strcmp(mt, CC_MT_DOCKER_LAYER) == 0)
		return CC_MT_DOCKER_LAYER;
	if (strcmp(mt, "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip") == 0 ||
	    strcmp(mt, CC_MT_DOCKER_FOREIGN) == 0)
		return CC_MT_DOCKER_FOREIGN;
	return NULL;
}

int cc_bcfg_commit(struct cc_store *s, json_t *root, struct cc_layer_record *layers, size_t n, bool docker,
		   char **ret_id, cc_error **err)
{
	_cleanup_free_ char *config = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
	if (config == NULL)
		return cc_error_set(err, ENOMEM, "image config");
	char config_digest[72], manifest_digest[72];
	cc_sha256_digest(config, strlen(config), config_digest);
	for (size_t i = 0; i < n; i++) {
		const char *mt = docker ? docker_layer_type(layers[i].media_type) : cc_bcfg_oci_layer_type(layers[i].media_type);
		if (mt == NULL)
			return cc_error_setk(err, CC_ERR_INVALID, EINVAL,
					     "layer %s: %s has no docker schema 2 media type (use --format oci)",
					     layers[i].blob_digest, layers[i].media_type);
		layers[i].media_type = (char *)mt;
	}
	const char *manifest_type = docker ? CC_MT_DOCKER_MANIFEST : CC_MT_OCI_MANIFEST;
	json_t *ls = json_array();
	for (size_t i = 0; ls && i < n; i++) {
		json_array_append_new(ls, json_pack("{s:s, s:s, s:I}", "mediaType", layers[i].media_type, "digest",
						    layers[i].blob_digest, "size", (json_int_t)layers[i].blob_size));
	}
	json_t *man = json_pack("{s:i, s:s, s:{s:s, s:s, s:I}, s:o}", "schemaVersion", 2, "mediaType",
				manifest_type, "config", "mediaType", docker ? CC_MT_DOCKER_CONFIG : CC_MT_OCI_CONFIG,
				"digest", config_digest,
				"size", (json_int_t)strlen(config), "layers", ls);
	_cleanup_free_ char *manifest = man ? json_dumps(man, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(man);
	if (manifest == NULL)
		return cc_error_set(err, ENOMEM, "image manifest");
	cc_sha256_digest(manifest, strlen(manifest), manifest_digest);
	if (cc_store_put_blob(s, config_digest, config, strlen(config), err) < 0 ||
	    cc_store_put_blob(s, manifest_digest, manifest, strlen(manifest), err) < 0)
		return -1;
	const char *os = json_string_value(json_object_get(root, "os"));
	const char *arch = json_string_value(json_object_get(root, "architecture"));
	const char *variant = json_string_value(json_object_get(root, "variant"));
	const char *created = json_string_value(json_object_get(root, "created"));
	struct cc_image_record rec = {
		.id = config_digest,
		.manifest_digest = manifest_digest,
		.manifest_media_type = (char *)manifest_type,
		.manifest_size = (int64_t)strlen(manifest),
		.config_digest = config_digest,
		.config_size = (int64_t)strlen(config),
		.created = (char *)created,
		.os = (char *)os,
		.arch = (char *)arch,
		.variant = (char *)variant,
		.n_layers = n,
		.layers = layers,
	};
	if (cc_store_record_image(s, &rec, NULL, NULL, NULL, err) < 0)
		return -1;
	*ret_id = strdup(config_digest);
	return *ret_id ? 0 : cc_error_set(err, ENOMEM, "record image");
}
