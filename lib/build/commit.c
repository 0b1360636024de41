/* cc_build_commit(): a container's changes as a new image (docker commit).
 *
 * The build's pieces, used as a step uses them: the image's config
 * (cc_bcfg_load), the container's settings over it, -c changes parsed and
 * planned as recipe lines ("FROM <image>" + the changes) and applied with
 * cc_bcfg_apply, the upper dir packed with cc_layer_pack, then blob, layer
 * and image committed (cc_store_blob_commit, cc_store_layer_commit,
 * cc_bcfg_commit).
 *
 * Unlike a RUN step's, the upper dir stays the container's: it is packed
 * as it is (keep_upper), and the layer dir is the blob unpacked into a
 * staging dir (verified against the packed diff ID).
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build-internal.h"
#include "image/image.h"
#include "util/dl.h"
#include "util/json.h"
#include "util/strbuf.h"

/* docker's commit --change takes these and nothing else */
static bool change_allowed(enum cc_instr_kind k)
{
	switch (k) {
	case CC_I_CMD:
	case CC_I_ENTRYPOINT:
	case CC_I_ENV:
	case CC_I_EXPOSE:
	case CC_I_LABEL:
	case CC_I_ONBUILD:
	case CC_I_STOPSIGNAL:
	case CC_I_USER:
	case CC_I_VOLUME:
	case CC_I_WORKDIR:
		return true;
	default:
		return false;
	}
}

struct src {
	const char *id;
	json_t *root;
};

static int change_source(const char *ref, const char *platform, char **ret_id, char **ret_config, void *data,
			 cc_error **err)
{
	(void)ref;
	(void)platform;
	const struct src *s = data;
	*ret_id = strdup(s->id);
	*ret_config = json_dumps(s->root, JSON_COMPACT);
	if (*ret_id == NULL || *ret_config == NULL) {
		free(*ret_id);
		free(*ret_config);
		*ret_id = *ret_config = NULL;
		return cc_error_set(err, ENOMEM, "commit");
	}
	return 0;
}

/* The -c lines onto root's config, without history entries (docker's). */
static int apply_changes(json_t *root, const char *image_id, char *const *changes, const char *created,
			 cc_error **err)
{
	if (changes == NULL || changes[0] == NULL)
		return 0;
	struct cc_strbuf sb = { 0 };
	cc_strbuf_addf(&sb, "FROM %s\n", image_id);
	for (char *const *c = changes; *c; c++) {
		if (strchr(*c, '\n'))
			return cc_strbuf_release(&sb), cc_error_set(err, 0, "invalid change '%s': one instruction a line", *c);
		cc_strbuf_addf(&sb, "%s\n", *c);
	}
	if (sb.oom) {
		cc_strbuf_release(&sb);
		return cc_error_set(err, ENOMEM, "commit");
	}
	struct cc_recipe *r = NULL;
	struct cc_build_plan *plan = NULL;
	int rc = cc_recipe_parse("--change", sb.buf, sb.len, &r, err);
	cc_strbuf_release(&sb);
	for (size_t i = 1; rc == 0 && i < r->n; i++)
		if (r->instrs[i].kind == CC_I_FROM || !change_allowed(r->instrs[i].kind))
			rc = cc_error_set(err, 0, "%s is not a valid change command", cc_instr_name(r->instrs[i].kind));
	struct src src = { .id = image_id, .root = root };
	struct cc_plan_options po = { .source = { .image = change_source, .data = &src } };
	if (rc == 0)
		rc = cc_build_plan(r, &po, &plan, err);
	if (rc == 0 && plan->n_stages != 1)
		rc = cc_error_set(err, 0, "invalid change");
	json_t *hist = json_object_get(root, "history");
	for (size_t i = 0; rc == 0 && i < plan->stages[0].n_steps; i++) {
		rc = cc_bcfg_apply(root, &plan->stages[0].steps[i], created, NULL, err);
		if (rc == 0)
			json_array_remove(hist, json_array_size(hist) - 1);
	}
	cc_build_plan_free(plan);
	cc_recipe_free(r);
	return rc;
}

/* Pack upper into a blob in tmp, store it, unpack it as the layer dir. */
static int commit_upper(struct cc_store *s, const struct cc_image_record *rec, const struct cc_commit_options *o,
			const char *tmp, struct cc_packed_layer *pl, char chain[72], cc_error **err)
{
	_cleanup_free_ char *blob = NULL;
	if (asprintf(&blob, "%s/layer", tmp) < 0)
		return cc_error_set(err, ENOMEM, "commit");
	struct cc_pack_opts po = { .clamp_mtime = -1, .keep_upper = true };
	if (cc_layer_pack(o->upper, blob, &po, pl, o->cancel, err) < 0)
		return cc_error_prefix(err, "pack the container's changes");
	if (rec->n_layers > 0) {
		_cleanup_free_ char *text = NULL;
		if (asprintf(&text, "%s %s", rec->layers[rec->n_layers - 1].chain_id, pl->diff_id) < 0)
			return cc_error_set(err, ENOMEM, "commit");
		cc_sha256_digest(text, strlen(text), chain);
	} else {
		memcpy(chain, pl->diff_id, 72);
	}
	if (!cc_store_layer_present(s, chain)) {
		_cleanup_free_ char *stage = NULL;
		_cleanup_close_ int fd = -1;
		char diff[72];
		int64_t size = 0;
		if (cc_store_layer_stage(s, &stage, err) < 0)
			return -1;
		int r = 0;
		if ((fd = open(blob, O_RDONLY | O_CLOEXEC)) < 0)
			r = cc_error_set(err, errno, "open '%s'", blob);
		else if (cc_layer_unpack_fd(fd, stage, diff, &size, err) < 0)
			r = cc_error_prefix(err, "layer %s", pl->blob_digest);
		else if (strcmp(diff, pl->diff_id) != 0)
			r = cc_error_set(err, 0, "layer %s unpacks to diff ID %s, packed as %s", pl->blob_digest, diff,
					 pl->diff_id);
		else if (cc_store_layer_commit(s, stage, chain, err) < 0)
			r = -1;
		if (r < 0) {
			(void)cc_rm_rf(stage, NULL);
			return -1;
		}
	}
	if (cc_store_blob_commit(s, blob, pl->blob_digest, pl->blob_size, err) < 0)
		return cc_error_prefix(err, "store layer blob");
	return 0;
}

static int history_entry(json_t *root, const struct cc_commit_options *o, const char *created, const char *diff_id)
{
	json_t *h = json_object(), *hist = json_object_get(root, "history");
	json_t *rootfs = json_object_get(root, "rootfs"), *ids = json_object_get(rootfs, "diff_ids");
	int bad = h == NULL || !json_is_array(hist) || !json_is_array(ids);
	bad |= json_array_append_new(ids, json_string(diff_id));
	bad |= json_object_set_new(h, "created", json_string(created));
	bad |= json_object_set_new(h, "created_by", cc_json_text(o->created_by ? o->created_by : ""));
	if (o->author && o->author[0]) {
		bad |= json_object_set_new(h, "author", cc_json_text(o->author));
		bad |= json_object_set_new(root, "author", cc_json_text(o->author));
	}
	/* the image's Comment is the message (docker), none without one */
	json_object_del(root, "comment");
	if (o->comment && o->comment[0]) {
		bad |= json_object_set_new(h, "comment", cc_json_text(o->comment));
		bad |= json_object_set_new(root, "comment", cc_json_text(o->comment));
	}
	bad |= json_array_append_new(hist, h);
	bad |= json_object_set_new(root, "created", json_string(created));
	return bad ? -1 : 0;
}

int cc_build_commit(struct cc_store *s, const struct cc_commit_options *o, char **ret_id, cc_error **err)
{
	if (cc_dl_archive(err) < 0 || cc_store_lock(s, false, err) < 0)
		return -1;
	struct cc_image_record *rec = NULL;
	json_t *root = NULL;
	_cleanup_free_ char *tmp = NULL;
	_cleanup_free_ struct cc_layer_record *layers = NULL;
	char created[64], chain[72];
	struct cc_packed_layer pl;
	int rc = -1;
	cc_rfc3339_now(created, sizeof(created));
	if (cc_store_image_get(s, o->image_id, &rec, err) < 0 || cc_bcfg_load(s, rec, &root, err) < 0)
		goto out;
	/* the container's settings over the image's (docker keeps them) */
	json_t *cfg = json_object_get(root, "config");
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)o->config, k, v) {
		if (json_object_set(cfg, k, v) < 0) {
			cc_error_set(err, ENOMEM, "commit");
			goto out;
		}
	}
	if (apply_changes(root, o->image_id, o->changes, created, err) < 0)
		goto out;
	if (cc_store_layer_stage(s, &tmp, err) < 0)
		goto out;
	if (commit_upper(s, rec, o, tmp, &pl, chain, err) < 0)
		goto out;
	if (history_entry(root, o, created, pl.diff_id) < 0) {
		cc_error_set(err, ENOMEM, "commit");
		goto out;
	}
	layers = calloc(rec->n_layers + 1, sizeof(*layers));
	if (layers == NULL) {
		cc_error_set(err, ENOMEM, "commit");
		goto out;
	}
	for (size_t i = 0; i < rec->n_layers; i++)
		layers[i] = rec->layers[i];
	layers[rec->n_layers] = (struct cc_layer_record){ .blob_digest = pl.blob_digest,
							  .media_type = (char *)CC_MT_OCI_LAYER_GZIP,
							  .blob_size = pl.blob_size, .diff_id = pl.diff_id,
							  .chain_id = chain, .unpacked_size = pl.unpacked_size };
	rc = cc_bcfg_commit(s, root, layers, rec->n_layers + 1, o->docker_format, ret_id, err);
out:
	if (tmp)
		(void)cc_rm_rf(tmp, NULL);
	json_decref(root);
	cc_image_record_free(rec);
	return rc;
}
