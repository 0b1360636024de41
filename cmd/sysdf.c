/* system df: docker's disk usage summary (and -v, its detail), from the
 * store's rows and the sizes of what they name on disk. */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cmd.h"
#include "template/template.h"
#include "util/json.h"

/* go-units' HumanSizeWithPrecision: decimal units, "%.*g" ("7.8MB", "0B"). */
static void df_size(double size, int prec, char *out, size_t outlen)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB" };
	size_t u = 0;
	while (size >= 1000.0 && u < sizeof(units) / sizeof(units[0]) - 1) {
		size /= 1000.0;
		u++;
	}
	snprintf(out, outlen, "%.*g%s", prec, size, units[u]);
}

/* docker's RECLAIMABLE: "3.9MB (50%)", the bare size when the total is 0. */
static void df_reclaimable(int64_t reclaimable, int64_t total, bool percent, char *out, size_t outlen)
{
	char h[32];
	df_size((double)reclaimable, 4, h, sizeof(h));
	if (percent && total > 0)
		snprintf(out, outlen, "%s (%lld%%)", h, (long long)(reclaimable * 100 / total));
	else
		snprintf(out, outlen, "%s", h);
}

/* One unpacked layer, counted once however many images share it. */
struct df_layer {
	const char *chain_id;
	int64_t size;
	int images;     /* non-cache images that have it */
	bool used;      /* by an image some container uses */
	bool cached;    /* by a build cache image */
};

struct df_image {
	struct cc_image_record *r;
	bool cache;     /* build's intermediate (untagged, in the build cache) */
	int containers;
};

struct df_container {
	struct cc_container_record *r;
	int64_t size;
	bool active;
};

struct df_volume {
	struct cc_volume_record *v;
	int64_t size;
	size_t links;
};

struct df_mount {
	char *name;
	int64_t size;
	time_t mtime;
};

struct df_data {
	struct df_image *images;
	size_t n_images;
	struct df_layer *layers;
	size_t n_layers;
	struct df_container *containers;
	size_t n_containers;
	struct df_volume *volumes;
	size_t n_volumes;
	struct df_mount *mounts;
	size_t n_mounts;
};

static void df_data_free(struct df_data *d)
{
	for (size_t i = 0; i < d->n_images; i++)
		cc_image_record_free(d->images[i].r);
	free(d->images);
	free(d->layers);
	for (size_t i = 0; i < d->n_containers; i++)
		cc_container_record_free(d->containers[i].r);
	free(d->containers);
	for (size_t i = 0; i < d->n_volumes; i++)
		cc_volume_record_free(d->volumes[i].v);
	free(d->volumes);
	for (size_t i = 0; i < d->n_mounts; i++)
		free(d->mounts[i].name);
	free(d->mounts);
}

static struct df_layer *df_layer_get(struct df_data *d, const struct cc_layer_record *l)
{
	for (size_t i = 0; i < d->n_layers; i++)
		if (strcmp(d->layers[i].chain_id, l->chain_id) == 0)
			return &d->layers[i];
	struct df_layer *n = realloc(d->layers, (d->n_layers + 1) * sizeof(*n));
	if (n == NULL)
		return NULL;
	d->layers = n;
	n[d->n_layers] = (struct df_layer){ .chain_id = l->chain_id, .size = l->unpacked_size > 0 ? l->unpacked_size : 0 };
	return &n[d->n_layers++];
}

static int df_collect_images(struct cc_store *s, struct df_data *d, cc_error **err)
{
	_cleanup_strv_ char **ids = NULL;
	if (cc_store_image_list(s, &ids, err) < 0)
		return -1;
	size_t n = 0;
	while (ids[n])
		n++;
	d->images = calloc(n + 1, sizeof(*d->images));
	if (d->images == NULL)
		return cc_error_set(err, ENOMEM, "system df");
	for (size_t i = 0; i < n; i++) {
		struct df_image *im = &d->images[d->n_images];
		if (cc_store_image_get(s, ids[i], &im->r, err) < 0)
			return -1;
		d->n_images++;
		bool cached = false;
		if ((im->r->tags == NULL || im->r->tags[0] == NULL) && cc_store_cache_has_image(s, ids[i], &cached, err) < 0)
			return -1;
		im->cache = cached;
		for (size_t c = 0; c < d->n_containers; c++)
			if (d->containers[c].r->image_id != NULL && strcmp(d->containers[c].r->image_id, im->r->id) == 0)
				im->containers++;
		for (size_t k = 0; k < im->r->n_layers; k++) {
			struct df_layer *l = df_layer_get(d, &im->r->layers[k]);
			if (l == NULL)
				return cc_error_set(err, ENOMEM, "system df");
			if (im->cache)
				l->cached = true;
			else
				l->images++;
			if (im->containers > 0)
				l->used = true;
		}
	}
	return 0;
}

static int df_collect_containers(struct cc_store *s, struct df_data *d, cc_error **err)
{
	struct cc_container_record **list = NULL;
	size_t n = 0;
	if (cc_store_container_list(s, &list, &n, err) < 0)
		return -1;
	d->containers = calloc(n + 1, sizeof(*d->containers));
	if (d->containers == NULL) {
		for (size_t i = 0; i < n; i++)
			cc_container_record_free(list[i]);
		free(list);
		return cc_error_set(err, ENOMEM, "system df");
	}
	for (size_t i = 0; i < n; i++) {
		struct df_container *c = &d->containers[d->n_containers++];
		c->r = list[i];
		cmd_container_reconcile(s, c->r);
		/* docker's isActive: running, paused or restarting */
		c->active = cc_container_is_running(c->r) || strcmp(c->r->state, "restarting") == 0;
		_cleanup_free_ char *dir = cc_store_container_path(s, c->r->id);
		_cleanup_free_ char *upper = NULL;
		if (dir != NULL && asprintf(&upper, "%s/upper", dir) < 0)
			upper = NULL;
		c->size = cmd_dir_size(upper);
	}
	free(list);
	return 0;
}

static int df_collect_volumes(struct cc_store *s, struct df_data *d, cc_error **err)
{
	struct cc_volume_record **list = NULL;
	size_t n = 0;
	if (cc_store_volume_list(s, &list, &n, err) < 0)
		return -1;
	d->volumes = calloc(n + 1, sizeof(*d->volumes));
	if (d->volumes == NULL) {
		for (size_t i = 0; i < n; i++)
			cc_volume_record_free(list[i]);
		free(list);
		return cc_error_set(err, ENOMEM, "system df");
	}
	for (size_t i = 0; i < n; i++)
		d->volumes[i].v = list[i];
	d->n_volumes = n;
	free(list);
	for (size_t i = 0; i < n; i++) {
		struct df_volume *v = &d->volumes[i];
		_cleanup_free_ char *data = cc_store_volume_data(s, v->v->name);
		v->size = cmd_dir_size(data);
		_cleanup_strv_ char **users = NULL;
		if (cc_store_volume_users(s, v->v->name, &users, err) < 0)
			return -1;
		while (users && users[v->links])
			v->links++;
	}
	return 0;
}

/* RUN --mount=type=cache directories: cache/build-mounts/<id>. */
static int df_collect_mounts(struct cc_store *s, struct df_data *d, cc_error **err)
{
	_cleanup_free_ char *base = NULL;
	if (asprintf(&base, "%s/cache/build-mounts", cc_store_root(s)) < 0)
		return cc_error_set(err, ENOMEM, "system df");
	DIR *dir = opendir(base);
	if (dir == NULL)
		return errno == ENOENT ? 0 : cc_error_set(err, errno, "open %s", base);
	struct dirent *de;
	int rc = 0;
	while (rc == 0 && (de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		_cleanup_free_ char *path = NULL;
		struct stat st;
		if (asprintf(&path, "%s/%s", base, de->d_name) < 0) {
			rc = cc_error_set(err, ENOMEM, "system df");
			break;
		}
		if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		struct df_mount *n = realloc(d->mounts, (d->n_mounts + 1) * sizeof(*n));
		char *name = strdup(de->d_name);
		if (n == NULL || name == NULL) {
			if (n != NULL)
				d->mounts = n;
			free(name);
			rc = cc_error_set(err, ENOMEM, "system df");
			break;
		}
		d->mounts = n;
		n[d->n_mounts++] = (struct df_mount){ .name = name, .size = cmd_dir_size(path), .mtime = st.st_mtime };
	}
	closedir(dir);
	return rc;
}

/* The four totals of docker's summary. */
struct df_totals {
	int64_t img_n, img_active, img_size, img_reclaim;
	int64_t ctr_n, ctr_active, ctr_size, ctr_reclaim;
	int64_t vol_n, vol_active, vol_size, vol_reclaim;
	int64_t bc_n, bc_size;
};

static void df_totals(const struct df_data *d, struct df_totals *t)
{
	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < d->n_images; i++) {
		const struct df_image *im = &d->images[i];
		if (im->cache) {
			t->bc_n++;
			continue;
		}
		t->img_n++;
		t->img_active += im->containers > 0;
	}
	for (size_t i = 0; i < d->n_layers; i++) {
		const struct df_layer *l = &d->layers[i];
		if (l->images > 0) {
			t->img_size += l->size;
			if (!l->used)
				t->img_reclaim += l->size;
		} else if (l->cached) {
			t->bc_size += l->size;
		}
	}
	for (size_t i = 0; i < d->n_containers; i++) {
		const struct df_container *c = &d->containers[i];
		t->ctr_n++;
		t->ctr_size += c->size;
		if (c->active)
			t->ctr_active++;
		else
			t->ctr_reclaim += c->size;
	}
	for (size_t i = 0; i < d->n_volumes; i++) {
		const struct df_volume *v = &d->volumes[i];
		t->vol_n++;
		t->vol_size += v->size;
		if (v->links > 0)
			t->vol_active++;
		else
			t->vol_reclaim += v->size;
	}
	for (size_t i = 0; i < d->n_mounts; i++) {
		t->bc_n++;
		t->bc_size += d->mounts[i].size;
	}
}

static json_t *df_summary_row(const char *type, int64_t n, int64_t active, int64_t size, int64_t reclaim,
			      bool percent)
{
	char sn[24], sa[24], ss[32], sr[64];
	snprintf(sn, sizeof(sn), "%lld", (long long)n);
	snprintf(sa, sizeof(sa), "%lld", (long long)active);
	df_size((double)size, 4, ss, sizeof(ss));
	df_reclaimable(reclaim, size, percent, sr, sizeof(sr));
	/* docker's keys, sorted as its json gives them */
	return json_pack("{s:s, s:s, s:s, s:s, s:s}", "Active", sa, "Reclaimable", sr, "Size", ss, "TotalCount", sn,
			 "Type", type);
}

static int df_flush(struct cc_format *f)
{
	cc_error *e = NULL;
	int r = cc_format_flush(f, stdout, &e);
	cc_error_free(e);
	return r < 0 ? cmd_output_error(-r) : 0;
}

static int df_summary(const struct df_data *d, const char *format)
{
	struct df_totals t;
	df_totals(d, &t);
	json_t *headers = json_pack("{s:s, s:s, s:s, s:s, s:s}", "Type", "TYPE", "TotalCount", "TOTAL", "Active",
				    "ACTIVE", "Size", "SIZE", "Reclaimable", "RECLAIMABLE");
	struct cc_format *f = NULL;
	cc_error *e = NULL;
	if (headers == NULL ||
	    cc_format_open(format, "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}", headers,
			   &f, &e) < 0) {
		json_decref(headers);
		return e ? cmd_fail(e, EXIT_CC_ERROR) : cmd_failf(EXIT_CC_ERROR, "out of memory");
	}
	json_decref(headers);
	json_t *rows[4] = {
		df_summary_row("Images", t.img_n, t.img_active, t.img_size, t.img_reclaim, true),
		df_summary_row("Containers", t.ctr_n, t.ctr_active, t.ctr_size, t.ctr_reclaim, true),
		df_summary_row("Local Volumes", t.vol_n, t.vol_active, t.vol_size, t.vol_reclaim, true),
		df_summary_row("Build Cache", t.bc_n, 0, t.bc_size, t.bc_size, false),
	};
	int rc = 0;
	for (size_t i = 0; i < 4; i++) {
		if (rc == 0 && rows[i] == NULL)
			rc = cmd_failf(EXIT_CC_ERROR, "out of memory");
		else if (rc == 0 && cc_format_row(f, rows[i], &e) < 0)
			rc = cmd_fail(e, EXIT_CC_ERROR);
		json_decref(rows[i]);
	}
	if (rc == 0)
		rc = df_flush(f);
	cc_format_free(f);
	return rc;
}

/* A verbose section: its table, its rows (consumed). */
static int df_section(const char *table, json_t *headers, json_t *rows)
{
	struct cc_format *f = NULL;
	cc_error *e = NULL;
	int rc = 0;
	if (headers == NULL || rows == NULL || cc_format_open(table, NULL, headers, &f, &e) < 0) {
		rc = e ? cmd_fail(e, EXIT_CC_ERROR) : cmd_failf(EXIT_CC_ERROR, "out of memory");
		goto out;
	}
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		if (cc_format_row(f, row, &e) < 0) {
			rc = cmd_fail(e, EXIT_CC_ERROR);
			goto out;
		}
	}
	rc = df_flush(f);
out:
	cc_format_free(f);
	json_decref(headers);
	json_decref(rows);
	return rc;
}

static void df_ago(time_t now, int64_t t, char *out, size_t outlen)
{
	char ago[48];
	cc_human_ago((int64_t)now - t, ago, sizeof(ago));
	snprintf(out, outlen, "%s ago", ago);
}

static void df_short_id(const char *id, char out[13])
{
	const char *hex = strchr(id, ':');
	snprintf(out, 13, "%.12s", hex ? hex + 1 : id);
}

static int df_image_rows(const struct df_data *d, json_t *rows, time_t now)
{
	for (size_t i = 0; i < d->n_images; i++) {
		const struct df_image *im = &d->images[i];
		if (im->cache)
			continue;
		int64_t shared = 0;
		for (size_t k = 0; k < im->r->n_layers; k++)
			for (size_t j = 0; j < d->n_layers; j++)
				if (strcmp(d->layers[j].chain_id, im->r->layers[k].chain_id) == 0 && d->layers[j].images > 1)
					shared += d->layers[j].size;
		char sid[13], created[64] = "N/A", size[32], ssh[32], suniq[32], nctr[24];
		df_short_id(im->r->id, sid);
		int64_t ct = cc_parse_rfc3339(im->r->created);
		if (ct >= 0)
			df_ago(now, ct, created, sizeof(created));
		int64_t total = im->r->size > 0 ? im->r->size : 0;
		df_size((double)total, 3, size, sizeof(size));
		df_size((double)shared, 3, ssh, sizeof(ssh));
		df_size((double)(total - shared > 0 ? total - shared : 0), 3, suniq, sizeof(suniq));
		snprintf(nctr, sizeof(nctr), "%d", im->containers);
		size_t nt = 0;
		while (im->r->tags && im->r->tags[nt])
			nt++;
		for (size_t k = 0; k < (nt > 0 ? nt : 1); k++) {
			_cleanup_free_ char *repo = NULL, *tag = NULL;
			if (nt > 0)
				cmd_split_tag(im->r->tags[k], &repo, &tag);
			json_t *row = json_pack("{s:o, s:o, s:s, s:s, s:s, s:s, s:s, s:s}", "Repository",
						cc_json_text(repo ? repo : "<none>"), "Tag", cc_json_text(tag ? tag : "<none>"),
						"ID", sid, "CreatedSince", created, "VirtualSize", size, "SharedSize", ssh,
						"UniqueSize", suniq, "Containers", nctr);
			if (row == NULL || json_array_append_new(rows, row) < 0)
				return -1;
		}
	}
	return 0;
}

static int df_container_rows(const struct df_data *d, json_t *rows, time_t now)
{
	for (size_t i = 0; i < d->n_containers; i++) {
		const struct df_container *c = &d->containers[i];
		json_t *cfg = cc_container_config(c->r);
		size_t mi, n_vol = 0;
		const json_t *mj;
		json_array_foreach(json_object_get(cfg, "Mounts"), mi, mj)
			n_vol += json_object_get(mj, "Name") != NULL;
		json_decref(cfg);
		char sid[13], created[64], status[96], size[32], vols[24];
		snprintf(sid, sizeof(sid), "%.12s", c->r->id);
		df_ago(now, c->r->created, created, sizeof(created));
		cmd_container_status_text(c->r, status, sizeof(status));
		df_size((double)c->size, 3, size, sizeof(size));
		snprintf(vols, sizeof(vols), "%zu", n_vol);
		_cleanup_free_ char *cut = cc_ellipsis(c->r->command ? c->r->command : "", 20);
		_cleanup_free_ char *command = cut ? cc_go_quote(cut) : NULL;
		const char *image = c->r->image_name ? c->r->image_name : c->r->image_id ? c->r->image_id : "";
		json_t *row = json_pack("{s:s, s:o, s:o, s:s, s:s, s:s, s:o, s:o}", "ID", sid, "Image", cc_json_text(image),
					"Command", cc_json_text(command ? command : ""), "LocalVolumes", vols, "Size", size,
					"RunningFor", created, "Status", cc_json_text(status), "Names",
					cc_json_text(c->r->name ? c->r->name : ""));
		if (row == NULL || json_array_append_new(rows, row) < 0)
			return -1;
	}
	return 0;
}

static int df_verbose(const struct df_data *d)
{
	time_t now = time(NULL);
	json_t *rows = json_array();
	if (rows == NULL || df_image_rows(d, rows, now) < 0) {
		json_decref(rows);
		return cmd_failf(EXIT_CC_ERROR, "out of memory");
	}
	printf("Images space usage:\n\n");
	int rc = df_section("table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.VirtualSize}}\t{{.SharedSize}}"
			    "\t{{.UniqueSize}}\t{{.Containers}}",
			    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "Repository", "REPOSITORY", "Tag", "TAG",
				      "ID", "IMAGE ID", "CreatedSince", "CREATED", "VirtualSize", "SIZE", "SharedSize",
				      "SHARED SIZE", "UniqueSize", "UNIQUE SIZE", "Containers", "CONTAINERS"),
			    rows);
	if (rc != 0)
		return rc;
	rows = json_array();
	if (rows == NULL || df_container_rows(d, rows, now) < 0) {
		json_decref(rows);
		return cmd_failf(EXIT_CC_ERROR, "out of memory");
	}
	printf("\nContainers space usage:\n\n");
	rc = df_section("table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.Size}}\t{{.RunningFor}}\t"
			"{{.Status}}\t{{.Names}}",
			json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ID", "CONTAINER ID", "Image", "IMAGE",
				  "Command", "COMMAND", "LocalVolumes", "LOCAL VOLUMES", "Size", "SIZE", "RunningFor",
				  "CREATED", "Status", "STATUS", "Names", "NAMES"),
			rows);
	if (rc != 0)
		return rc;
	rows = json_array();
	for (size_t i = 0; rows != NULL && i < d->n_volumes; i++) {
		char links[24], size[32];
		snprintf(links, sizeof(links), "%zu", d->volumes[i].links);
		df_size((double)d->volumes[i].size, 4, size, sizeof(size));
		json_t *row = json_pack("{s:o, s:s, s:s}", "Name", cc_json_text(d->volumes[i].v->name), "Links", links,
					"Size", size);
		if (row == NULL || json_array_append_new(rows, row) < 0) {
			json_decref(rows);
			rows = NULL;
		}
	}
	if (rows == NULL)
		return cmd_failf(EXIT_CC_ERROR, "out of memory");
	printf("\nLocal Volumes space usage:\n\n");
	rc = df_section("table {{.Name}}\t{{.Links}}\t{{.Size}}",
			json_pack("{s:s, s:s, s:s}", "Name", "VOLUME NAME", "Links", "LINKS", "Size", "SIZE"), rows);
	if (rc != 0)
		return rc;
	struct df_totals t;
	df_totals(d, &t);
	char total[32];
	df_size((double)t.bc_size, 4, total, sizeof(total));
	printf("\nBuild cache usage: %s\n\n", total);
	rows = json_array();
	for (size_t i = 0; rows != NULL && i < d->n_images + d->n_mounts; i++) {
		char id[13], size[32], created[64] = "N/A";
		const char *type;
		int64_t bytes = 0;
		if (i < d->n_images) {
			const struct df_image *im = &d->images[i];
			if (!im->cache)
				continue;
			type = "regular";
			df_short_id(im->r->id, id);
			for (size_t k = 0; k < im->r->n_layers; k++)
				for (size_t j = 0; j < d->n_layers; j++)
					if (strcmp(d->layers[j].chain_id, im->r->layers[k].chain_id) == 0 &&
					    d->layers[j].images == 0)
						bytes += d->layers[j].size;
			int64_t ct = cc_parse_rfc3339(im->r->created);
			if (ct >= 0)
				df_ago(now, ct, created, sizeof(created));
		} else {
			const struct df_mount *m = &d->mounts[i - d->n_images];
			type = "exec.cachemount";
			snprintf(id, sizeof(id), "%.12s", m->name);
			bytes = m->size;
			df_ago(now, m->mtime, created, sizeof(created));
		}
		df_size((double)bytes, 4, size, sizeof(size));
		json_t *row = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ID", id, "CacheType", type, "Size", size,
					"CreatedSince", created, "LastUsedSince", created, "UsageCount", "0", "Shared",
					"false");
		if (row == NULL || json_array_append_new(rows, row) < 0) {
			json_decref(rows);
			rows = NULL;
		}
	}
	if (rows == NULL)
		return cmd_failf(EXIT_CC_ERROR, "out of memory");
	return df_section("table {{.ID}}\t{{.CacheType}}\t{{.Size}}\t{{.CreatedSince}}\t{{.LastUsedSince}}\t"
			  "{{.UsageCount}}\t{{.Shared}}",
			  json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ID", "CACHE ID", "CacheType", "CACHE TYPE",
				    "Size", "SIZE", "CreatedSince", "CREATED", "LastUsedSince", "LAST USED", "UsageCount",
				    "USAGE", "Shared", "SHARED"),
			  rows);
}

struct df_opts {
	bool verbose;
	const char *format;
};

static int df_action(void *opts, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	struct df_opts *o = opts;
	bool default_fmt = o->format == NULL || *o->format == '\0' || strcmp(o->format, "table") == 0;
	if (o->verbose && !default_fmt)
		return cmd_failf(EXIT_CC_ERROR, "--format is not supported with --verbose");
	if (!default_fmt) { /* a bad template fails before anything is measured */
		struct cc_format *f = NULL;
		cc_error *e = NULL;
		if (cc_format_open(o->format, NULL, NULL, &f, &e) < 0)
			return cmd_fail(e, EXIT_CC_ERROR);
		cc_format_free(f);
	}
	struct cc_store *s = cmd_open_store();
	if (s == NULL)
		return EXIT_CC_ERROR;
	struct df_data d = { 0 };
	cc_error *e = NULL;
	int rc = 0;
	/* containers first: images count their users */
	if (df_collect_containers(s, &d, &e) < 0 || df_collect_images(s, &d, &e) < 0 ||
	    df_collect_volumes(s, &d, &e) < 0 || df_collect_mounts(s, &d, &e) < 0)
		rc = cmd_fail(e, EXIT_CC_ERROR);
	else
		rc = o->verbose ? df_verbose(&d) : df_summary(&d, o->format);
	df_data_free(&d);
	cc_store_close(s);
	return rc;
}

static const struct cmd_opt df_options[] = {
	OPT_STRING(0, "format", struct df_opts, format, "string",
		   "Format output using a custom template:\n'table':            Print output in table format with "
		   "column headers (default)\n'table TEMPLATE':   Print output in table format using the given Go "
		   "template\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the "
		   "given Go template"),
	OPT_BOOL('v', "verbose", struct df_opts, verbose, "Show detailed information on space usage"),
	OPT_END,
};

const struct cmd_verb cmd_system_df_verb = {
	.name = "df", .usage = "[OPTIONS]", .summary = "Show docker disk usage",
	.opts = df_options, .opts_size = sizeof(struct df_opts), .max_args = 0, .action = df_action,
};
