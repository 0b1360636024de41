/* What an image's config says about running it. */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "util/util.h"

void cc_run_config_free(struct cc_run_config *c)
{
	if (c == NULL)
		return;
	cc_strvfreep(&c->env);
	cc_strvfreep(&c->entrypoint);
	cc_strvfreep(&c->cmd);
	cc_strvfreep(&c->exposed_ports);
	cc_strvfreep(&c->volumes);
	cc_strvfreep(&c->labels);
	cc_strvfreep(&c->layer_dirs);
	free(c->workdir);
	free(c->user);
	free(c->stop_signal);
	free(c);
}

/* A JSON array of strings as a NULL-terminated vector; NULL when absent or null. */
static char **strv_from_json(json_t *a)
{
	if (!json_is_array(a))
		return NULL;
	char **v = calloc(json_array_size(a) + 1, sizeof(char *));
	size_t i, n = 0;
	json_t *e;
	json_array_foreach(a, i, e) {
		if (v && json_is_string(e))
			v[n++] = strdup(json_string_value(e));
	}
	return v;
}

static char *str_or_null(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s && *s ? strdup(s) : NULL;
}

int cc_run_config_parse(const char *data, size_t len, struct cc_run_config **ret, cc_error **err)
{
	json_error_t je;
	json_t *root = json_loadb(data, len, 0, &je);
	if (root == NULL)
		return cc_error_setk(err, CC_ERR_VERIFY, 0, "parse image config: %s", je.text);
	struct cc_run_config *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		json_decref(root);
		return cc_error_set(err, ENOMEM, "image config");
	}
	json_t *cfg = json_object_get(root, "config");
	c->env = strv_from_json(json_object_get(cfg, "Env"));
	c->entrypoint = strv_from_json(json_object_get(cfg, "Entrypoint"));
	c->cmd = strv_from_json(json_object_get(cfg, "Cmd"));
	c->workdir = str_or_null(cfg, "WorkingDir");
	c->user = str_or_null(cfg, "User");
	c->stop_signal = str_or_null(cfg, "StopSignal");
	json_t *ports = json_object_get(cfg, "ExposedPorts");
	c->exposed_ports = calloc(json_object_size(ports) + 1, sizeof(char *));
	const char *k;
	json_t *v;
	size_t n = 0;
	json_object_foreach(ports, k, v) {
		if (c->exposed_ports)
			c->exposed_ports[n++] = strdup(k);
	}
	json_t *vols = json_object_get(cfg, "Volumes");
	c->volumes = calloc(json_object_size(vols) + 1, sizeof(char *));
	n = 0;
	bool vols_ok = c->volumes != NULL;
	json_object_foreach(vols, k, v) {
		if (c->volumes && (c->volumes[n++] = strdup(k)) == NULL)
			vols_ok = false;
	}
	json_t *labels = json_object_get(cfg, "Labels");
	c->labels = calloc(json_object_size(labels) + 1, sizeof(char *));
	n = 0;
	json_object_foreach(labels, k, v) {
		if (c->labels && json_is_string(v) && asprintf(&c->labels[n], "%s=%s", k, json_string_value(v)) >= 0)
			n++;
	}
	json_decref(root);
	if (c->env == NULL)
		c->env = calloc(1, sizeof(char *));
	c->layer_dirs = calloc(1, sizeof(char *));
	if (c->env == NULL || c->exposed_ports == NULL || c->labels == NULL || c->layer_dirs == NULL || !vols_ok) {
		cc_run_config_free(c);
		return cc_error_set(err, ENOMEM, "image config");
	}
	*ret = c;
	return 0;
}

int cc_image_run_config(struct cc_store *s, const char *image_id, struct cc_run_config **ret, cc_error **err)
{
	struct cc_image_record *r = NULL;
	if (cc_store_image_get(s, image_id, &r, err) < 0)
		return -1;
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	if (cc_store_read_blob(s, r->config_digest, CC_CONFIG_MAX, &data, &len, err) < 0) {
		cc_image_record_free(r);
		return cc_error_prefix(err, "read config of image %s", image_id);
	}
	struct cc_run_config *c = NULL;
	if (cc_run_config_parse(data, len, &c, err) < 0) {
		cc_image_record_free(r);
		return cc_error_prefix(err, "image %s", image_id);
	}
	free(c->layer_dirs);
	c->n_layers = r->n_layers;
	c->layer_dirs = calloc(r->n_layers + 1, sizeof(char *));
	for (size_t i = 0; c->layer_dirs && i < r->n_layers; i++) {
		c->layer_dirs[i] = cc_store_layer_path(s, r->layers[r->n_layers - 1 - i].chain_id);
		if (c->layer_dirs[i] == NULL)
			cc_strvfreep(&c->layer_dirs);
	}
	cc_image_record_free(r);
	if (c->layer_dirs == NULL) {
		cc_run_config_free(c);
		return cc_error_set(err, ENOMEM, "image config");
	}
	*ret = c;
	return 0;
}
