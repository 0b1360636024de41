/* ccontainer history IMAGE: docker's columns from the image config's
 * history (newest first), each entry that made a layer given that layer's
 * unpacked size; the top row carries the image ID, the others <missing>. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cmd.h"
#include "image/image.h"
#include "template/template.h"

struct history_opts {
	bool human, notrunc, quiet;
	const char *format;
};

static const struct cmd_opt history_options[] = {
	OPT_STRING(0, "format", struct history_opts, format, "string",
		   "Format output using a custom template: 'table', 'table TEMPLATE', 'json' or a Go template"),
	OPT_BOOL('H', "human", struct history_opts, human, "Print sizes and dates in human readable format",
		 .def = "true"),
	OPT_BOOL(0, "no-trunc", struct history_opts, notrunc, "Don't truncate output"),
	OPT_BOOL('q', "quiet", struct history_opts, quiet, "Only show image IDs"),
	OPT_END,
};

static const char history_table[] = "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}";

/* go-units' HumanSizeWithPrecision(size, 3) */
static void human_size3(double size, char *out, size_t outlen)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB", "PB" };
	size_t u = 0;
	while (size >= 1000.0 && u < sizeof(units) / sizeof(units[0]) - 1) {
		size /= 1000.0;
		u++;
	}
	snprintf(out, outlen, "%.3g%s", size, units[u]);
}

static json_t *history_row(const struct history_opts *o, const char *id, json_t *h, int64_t size, time_t now)
{
	const char *created = json_string_value(json_object_get(h, "created"));
	const char *by = json_string_value(json_object_get(h, "created_by"));
	const char *comment = json_string_value(json_object_get(h, "comment"));
	int64_t ct = created != NULL ? cc_parse_rfc3339(created) : -1;
	char since[64] = "N/A", at[64] = "", sz[32];
	if (ct >= 0) {
		struct tm tm;
		time_t t = (time_t)ct;
		if (gmtime_r(&t, &tm) != NULL)
			strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", &tm);
		if (o->human) {
			char ago[48];
			cc_human_ago((int64_t)now - ct, ago, sizeof(ago));
			snprintf(since, sizeof(since), "%s ago", ago);
		} else
			snprintf(since, sizeof(since), "%s", at);
	}
	if (o->human)
		human_size3((double)size, sz, sizeof(sz));
	else
		snprintf(sz, sizeof(sz), "%lld", (long long)size);
	_cleanup_free_ char *flat = strdup(by != NULL ? by : "");
	if (flat == NULL)
		return NULL;
	for (char *p = flat; *p; p++)
		if (*p == '\t')
			*p = ' ';
	_cleanup_free_ char *cut = o->notrunc ? strdup(flat) : cc_ellipsis(flat, 45);
	if (cut == NULL)
		return NULL;
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "ID", id, "CreatedSince", since, "CreatedAt", at, "CreatedBy",
			 cut, "Size", sz, "Comment", comment != NULL ? comment : "");
}

static int history_action(void *opts, int argc, char **argv)
{
	const struct history_opts *o = opts;
	(void)argc;
	const char *fmt = o->format;
	if (fmt == NULL || *fmt == '\0' || strcmp(fmt, "table") == 0)
		fmt = o->quiet ? "{{.ID}}" : history_table;
	json_t *headers = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "ID", "IMAGE", "CreatedSince", "CREATED",
				    "CreatedAt", "CREATED AT", "CreatedBy", "CREATED BY", "Size", "SIZE", "Comment",
				    "COMMENT");
	struct cc_format *f = NULL;
	cc_error *e = NULL;
	if (headers == NULL || cc_format_open(fmt, NULL, headers, &f, &e) < 0) {
		json_decref(headers);
		return e ? cmd_fail(e, 1) : cmd_failf(1, "out of memory");
	}
	json_decref(headers);
	cc_format_missingkey_error(f);
	struct cc_store *s = cmd_open_store();
	if (s == NULL) {
		cc_format_free(f);
		return 1;
	}
	int rc = 0;
	_cleanup_free_ char *id = NULL, *cfg = NULL;
	size_t len = 0;
	struct cc_image_record *r = NULL;
	json_t *config = NULL;
	if (cc_image_resolve(s, argv[0], &id, &e) < 0 || cc_store_image_get(s, id, &r, &e) < 0 ||
	    cc_store_read_blob(s, r->config_digest, CC_CONFIG_MAX, &cfg, &len, &e) < 0) {
		rc = cmd_fail(e, 1);
		goto out;
	}
	config = json_loadb(cfg, len, 0, NULL);
	json_t *hist = json_object_get(config, "history");
	size_t n = json_is_array(hist) ? json_array_size(hist) : 0;
	/* the layer of each entry that made one, bottom first */
	size_t n_made = 0;
	for (size_t i = 0; i < n; i++)
		if (!json_is_true(json_object_get(json_array_get(hist, i), "empty_layer")))
			n_made++;
	size_t layer = n_made;
	char sid[16];
	snprintf(sid, sizeof(sid), "%.12s", strncmp(r->id, "sha256:", 7) == 0 ? r->id + 7 : r->id);
	time_t now = time(NULL);
	for (size_t k = n; rc == 0 && k-- > 0;) {
		json_t *h = json_array_get(hist, k);
		int64_t size = 0;
		if (!json_is_true(json_object_get(h, "empty_layer"))) {
			layer--;
			/* more history entries than layers: docker shows 0 then */
			if (layer < r->n_layers && n_made == r->n_layers)
				size = r->layers[layer].unpacked_size;
		}
		json_t *row = history_row(o, k == n - 1 ? (o->notrunc ? r->id : sid) : "<missing>", h, size, now);
		if (row == NULL) {
			rc = cmd_failf(1, "out of memory");
			break;
		}
		if (cc_format_row(f, row, &e) < 0)
			rc = cmd_fail(e, 1);
		json_decref(row);
	}
	if (rc == 0 && cc_format_flush(f, stdout, &e) < 0)
		rc = cmd_fail(e, 1);
out:
	json_decref(config);
	cc_image_record_free(r);
	cc_format_free(f);
	cc_store_close(s);
	return rc;
}

const struct cmd_verb cmd_history_verb = {
	.name = "history",
	.usage = "[OPTIONS] IMAGE",
	.summary = "Show the history of an image",
	.opts = history_options,
	.opts_size = sizeof(struct history_opts),
	.min_args = 1,
	.max_args = 1,
	.complete_args = CMD_COMPLETE_IMAGE,
	.action = history_action,
};
