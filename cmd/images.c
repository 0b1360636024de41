/* Image verbs: images, tag, untag, image exists, rmi, import, image prune,
 * system prune, system check. */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "template/template.h"
#include "util/json.h"

/* A repo digest "repo@sha256:..." as docker shows it: the familiar repo
 * (free it; NULL when d has no '@' or without memory) and *ret_at, the
 * "@sha256:..." part of d. */
char *cmd_split_digest(const char *d, const char **ret_at)
{
	const char *at = strchr(d, '@');
	*ret_at = at ? at : "";
	_cleanup_free_ char *full = at ? strndup(d, (size_t)(at - d)) : NULL;
	return full ? cc_ref_familiar_repo(full) : NULL;
}

/* Split a stored tag name "repo:tag" into its familiar repo and the tag. */
void cmd_split_tag(const char *name, char **repo, char **tag)
{
	const char *colon = strrchr(name, ':');
	if (colon && strchr(colon, '/') == NULL) {
		_cleanup_free_ char *r = strndup(name, (size_t)(colon - name));
		*repo = r ? cc_ref_familiar_repo(r) : NULL;
		*tag = strdup(colon + 1);
	} else {
		*repo = cc_ref_familiar_repo(name);
		*tag = strdup("<none>");
	}
}

static const char *short_id(const char *id, char out[13])
{
	const char *hex = strchr(id, ':');
	snprintf(out, 13, "%.12s", hex ? hex + 1 : id);
	return out;
}

/* Append v to a list of pointers (NULL-terminated); false without memory. */
static bool strv_push(struct cmd_strv *l, const char *v)
{
	const char **nv = realloc(l->v, (l->n + 2) * sizeof(*nv));
	if (nv == NULL)
		return false;
	nv[l->n++] = v;
	nv[l->n] = NULL;
	l->v = nv;
	return true;
}

/* go-units' HumanSizeWithPrecision: decimal units, "%.*g" ("7.8MB", "512B"). */
static void human_size_prec(double size, int prec, char *out, size_t outlen)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB" };
	size_t u = 0;
	while (size >= 1000.0 && u < sizeof(units) / sizeof(units[0]) - 1) {
		size /= 1000.0;
		u++;
	}
	snprintf(out, outlen, "%.*g%s", prec, size, units[u]);
}

/* An image config's Labels ("config": {"Labels": {...}}), a new reference
 * (an empty object when it has none), or NULL with *err. */
static json_t *image_labels(struct cc_store *s, const struct cc_image_record *r, cc_error **err)
{
	_cleanup_free_ char *cfg = NULL;
	size_t len = 0;
	if (cc_store_read_blob(s, r->config_digest, CC_CONFIG_MAX, &cfg, &len, err) < 0)
		return NULL;
	json_t *config = json_loadb(cfg, len, 0, NULL);
	json_t *labels = json_object_get(json_object_get(config, "config"), "Labels");
	labels = json_is_object(labels) ? json_incref(labels) : json_object();
	json_decref(config);
	return labels;
}

/* docker's filters.MatchKVList: every KEY[=VALUE] of l is in labels. */
static bool labels_match_all(const json_t *labels, const struct cmd_strv *l)
{
	for (size_t i = 0; i < l->n; i++) {
		const char *eq = strchr(l->v[i], '=');
		_cleanup_free_ char *k = eq ? strndup(l->v[i], (size_t)(eq - l->v[i])) : strdup(l->v[i]);
		const char *have = k ? json_string_value(json_object_get(labels, k)) : NULL;
		if (have == NULL || (eq != NULL && strcmp(have, eq + 1) != 0))
			return false;
	}
	return true;
}

/* docker's GetBoolOrDefault: true, 1, false, 0 (any case); -1 for anything else. */
static int filter_bool(const char *v)
{
	if (strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0)
		return 1;
	if (strcasecmp(v, "false") == 0 || strcmp(v, "0") == 0)
		return 0;
	return -1;
}

/* --filter KEY=VALUE: the key (free it), *ret_value into arg; NULL after
 * printing docker's flag error when there is no '='. */
static char *filter_key(const char *arg, const char **ret_value, int *rc)
{
	const char *eq = strchr(arg, '=');
	if (eq == NULL) {
		*rc = cmd_usagef("invalid argument \"%s\" for \"-f, --filter\" flag: bad format of filter (expected name=value)",
				 arg);
		return NULL;
	}
	*ret_value = eq + 1;
	char *k = strndup(arg, (size_t)(eq - arg));
	if (k == NULL)
		*rc = cmd_failf(EXIT_CC_ERROR, "out of memory");
	return k;
}

struct images_opts {
	bool quiet, digests, notrunc, all, noheading;
	const char *format;
	struct cmd_strv filter;
};

/* images' filters as docker's daemon applies them (moby daemon/images):
 * values of one key OR for reference; label values must all match
 * (MatchKVList); several before/since resolve to the oldest/newest image;
 * different keys AND.  The positional REPOSITORY[:TAG] is one more
 * reference pattern, as docker's CLI adds it. */
struct images_filter {
	const char *positional;
	struct cmd_strv reference, label, before, since;
	int dangling; /* -1: not asked */
	int64_t before_t, since_t;
};

static void images_filter_free(struct images_filter *f)
{
	free(f->reference.v);
	free(f->label.v);
	free(f->before.v);
	free(f->since.v);
}

static int images_filter_parse(struct images_filter *f, const struct cmd_strv *in)
{
	f->dangling = -1;
	for (size_t i = 0; i < in->n; i++) {
		const char *v = NULL;
		int rc = 0;
		_cleanup_free_ char *k = filter_key(in->v[i], &v, &rc);
		if (k == NULL)
			return rc;
		struct cmd_strv *dst = NULL;
		if (strcmp(k, "dangling") == 0) {
			int b = filter_bool(v);
			if (b < 0 || (f->dangling >= 0 && f->dangling != b))
				return cmd_failf(EXIT_CC_ERROR, "invalid filter 'dangling=%s'", v);
			f->dangling = b;
			continue;
		}
		if (strcmp(k, "reference") == 0)
			dst = &f->reference;
		else if (strcmp(k, "label") == 0)
			dst = &f->label;
		else if (strcmp(k, "before") == 0)
			dst = &f->before;
		else if (strcmp(k, "since") == 0)
			dst = &f->since;
		else
			return cmd_failf(EXIT_CC_ERROR, "invalid filter '%s'", k);
		if (!strv_push(dst, v))
			return cmd_failf(EXIT_CC_ERROR, "out of memory");
	}
	return 0;
}

/* before=/since=: the created time of each image named; the oldest for
 * before, the newest for since (docker's). */
static int images_filter_resolve(struct cc_store *s, struct images_filter *f)
{
	for (int which = 0; which < 2; which++) {
		const struct cmd_strv *l = which == 0 ? &f->before : &f->since;
		int64_t *t = which == 0 ? &f->before_t : &f->since_t;
		for (size_t i = 0; i < l->n; i++) {
			_cleanup_free_ char *id = NULL;
			struct cc_image_record *r = NULL;
			cc_error *e = NULL;
			if (cc_image_resolve(s, l->v[i], &id, &e) < 0 || cc_store_image_get(s, id, &r, &e) < 0)
				return cmd_fail(e, EXIT_CC_ERROR);
			int64_t ct = cc_parse_rfc3339(r->created);
			cc_image_record_free(r);
			if (ct < 0)
				continue;
			if (*t == 0 || (which == 0 ? ct < *t : ct > *t))
				*t = ct;
		}
	}
	return 0;
}

/* docker's reference.FamiliarMatch: path.Match on "name:tag" (or
 * "name@digest"), then on the name alone. */
static bool ref_pattern_match(const char *pat, const char *full, const char *name)
{
	return fnmatch(pat, full, FNM_PATHNAME) == 0 || fnmatch(pat, name, FNM_PATHNAME) == 0;
}

/* images REPOSITORY[:TAG]: the repository (normalised as a reference is,
 * so docker.io/library/alpine is alpine) and the tag when one is given. */
static bool positional_match(const char *want, const char *repo, const char *tag)
{
	const char *colon = strrchr(want, ':');
	bool has_tag = colon != NULL && strchr(colon, '/') == NULL;
	_cleanup_free_ char *wrepo = NULL, *wtag = NULL;
	if (has_tag)
		cmd_split_tag(want, &wrepo, &wtag);
	else
		wrepo = cc_ref_familiar_repo(want);
	if (wrepo == NULL || strcmp(repo, wrepo) != 0)
		return false;
	return !has_tag || (tag != NULL && wtag != NULL && strcmp(tag, wtag) == 0);
}

/* Does a reference (familiar repo, and tag or digest) pass the reference
 * filters?  Without any, every reference does. */
static bool ref_passes(const struct images_filter *f, const char *repo, const char *tag, const char *digest)
{
	if (f->positional == NULL && f->reference.n == 0)
		return true;
	_cleanup_free_ char *full = NULL;
	if (asprintf(&full, "%s%s%s", repo, tag ? ":" : "@", tag ? tag : digest) < 0)
		return false;
	if (f->positional != NULL &&
	    (positional_match(f->positional, repo, tag) || ref_pattern_match(f->positional, full, repo)))
		return true;
	for (size_t i = 0; i < f->reference.n; i++)
		if (ref_pattern_match(f->reference.v[i], full, repo))
			return true;
	return false;
}

/* A reference of an image: familiar repo, and tag or digest. */
struct image_ref {
	char *repo, *val;
	bool used;
};

struct images_out {
	struct cc_format *f;
	bool notrunc, need_digest, show_digests;
	bool dedup;       /* -q: one ID per image */
	char last_id[80]; /* the last ID written, for dedup */
	time_t now;
	cc_error *err;
};

/* One row, docker's fields in the order its json gives them (sorted). */
static int image_row(struct images_out *o, const struct cc_image_record *r, const char *repo, const char *tag,
		     const char *digest)
{
	char sid[13], since[64] = "", at[96] = "", size[32], vsize[32];
	const char *id = o->notrunc ? r->id : short_id(r->id, sid);
	if (o->dedup) {
		if (strcmp(o->last_id, id) == 0)
			return 0;
		snprintf(o->last_id, sizeof(o->last_id), "%s", id);
	}
	int64_t ct = cc_parse_rfc3339(r->created);
	if (ct >= 0) {
		char ago[48];
		cc_human_ago((int64_t)o->now - ct, ago, sizeof(ago));
		snprintf(since, sizeof(since), "%s ago", ago);
	}
	/* Go's time.Unix(created, 0).String(), in the local zone */
	struct tm tm;
	time_t t = (time_t)(ct >= 0 ? ct : 0);
	if (localtime_r(&t, &tm))
		strftime(at, sizeof(at), "%Y-%m-%d %H:%M:%S %z %Z", &tm);
	double bytes = (double)(r->size > 0 ? r->size : 0);
	human_size_prec(bytes, 3, size, sizeof(size));
	human_size_prec(bytes, 4, vsize, sizeof(vsize)); /* VirtualSize: units.HumanSize */
	json_t *row = json_pack("{s:s, s:s, s:s, s:o, s:s, s:o, s:s, s:s, s:o, s:s, s:s}", "Containers", "N/A",
				"CreatedAt", at, "CreatedSince", since, "Digest", cc_json_text(digest), "ID", id,
				"Repository", cc_json_text(repo), "SharedSize", "N/A", "Size", size, "Tag",
				cc_json_text(tag), "UniqueSize", "N/A", "VirtualSize", vsize);
	if (row == NULL)
		return cc_error_set(&o->err, ENOMEM, "images");
	int rc = cc_format_row(o->f, row, &o->err);
	json_decref(row);
	return rc;
}

/* docker's rows for an image (cli/command/formatter/image.go): per repo,
 * a row per tag (times each of the repo's digests when digests are shown);
 * then the repos known only by digest: a row per digest with --digests,
 * else one row with an empty digest. */
static int image_rows(struct images_out *o, const struct cc_image_record *r, struct image_ref *tags, size_t nt,
		      struct image_ref *digs, size_t nd)
{
	for (size_t i = 0; i < nt; i++) {
		if (tags[i].used)
			continue;
		const char *repo = tags[i].repo;
		bool any = false;
		for (size_t j = 0; j < nd; j++)
			if (strcmp(digs[j].repo, repo) == 0)
				any = true;
		for (size_t k = i; k < nt; k++) {
			if (strcmp(tags[k].repo, repo) != 0)
				continue;
			tags[k].used = true;
			if (!o->need_digest || !any) {
				if (image_row(o, r, repo, tags[k].val, "<none>") < 0)
					return -1;
				continue;
			}
			for (size_t j = 0; j < nd; j++)
				if (strcmp(digs[j].repo, repo) == 0 && image_row(o, r, repo, tags[k].val, digs[j].val) < 0)
					return -1;
		}
		for (size_t j = 0; j < nd; j++)
			if (strcmp(digs[j].repo, repo) == 0)
				digs[j].used = true;
	}
	for (size_t j = 0; j < nd; j++) {
		if (digs[j].used)
			continue;
		const char *repo = digs[j].repo;
		for (size_t k = j; k < nd; k++) {
			if (strcmp(digs[k].repo, repo) != 0)
				continue;
			digs[k].used = true;
			if (o->show_digests && image_row(o, r, repo, "<none>", digs[k].val) < 0)
				return -1;
		}
		if (!o->show_digests && image_row(o, r, repo, "<none>", "") < 0)
			return -1;
	}
	return 0;
}

static void refs_free(struct image_ref *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].repo);
		free(v[i].val);
	}
	free(v);
}

/* The rows of one image that passes the image filters, or none. */
static int image_list_one(struct cc_store *s, struct images_out *o, const struct images_filter *f,
			  const struct cc_image_record *r)
{
	int64_t ct = cc_parse_rfc3339(r->created);
	if ((f->before.n > 0 && (ct < 0 || ct >= f->before_t)) || (f->since.n > 0 && (ct < 0 || ct <= f->since_t)))
		return 0;
	if (f->label.n > 0) {
		json_t *labels = image_labels(s, r, &o->err);
		if (labels == NULL)
			return -1;
		bool ok = labels_match_all(labels, &f->label);
		json_decref(labels);
		if (!ok)
			return 0;
	}
	size_t nt = 0, nd = 0;
	while (r->tags && r->tags[nt])
		nt++;
	while (r->repo_digests && r->repo_digests[nd])
		nd++;
	struct image_ref *tags = calloc(nt + 1, sizeof(*tags)), *digs = calloc(nd + 1, sizeof(*digs));
	size_t ntk = 0, ndk = 0;
	int rc = 0;
	if (tags == NULL || digs == NULL) {
		rc = cc_error_set(&o->err, ENOMEM, "images");
		goto out;
	}
	for (size_t i = 0; i < nt; i++) {
		char *repo = NULL, *tg = NULL;
		cmd_split_tag(r->tags[i], &repo, &tg);
		if (repo && tg && ref_passes(f, repo, tg, NULL)) {
			tags[ntk++] = (struct image_ref){ repo, tg, false };
		} else {
			free(repo);
			free(tg);
		}
	}
	for (size_t i = 0; i < nd; i++) {
		const char *at = NULL;
		char *repo = cmd_split_digest(r->repo_digests[i], &at);
		char *dg = repo ? strdup(at + 1) : NULL;
		if (repo && dg && ref_passes(f, repo, NULL, dg)) {
			digs[ndk++] = (struct image_ref){ repo, dg, false };
		} else {
			free(repo);
			free(dg);
		}
	}
	if (ntk == 0 && ndk == 0) {
		/* dangling: shown unless a name was asked for or dangling=false */
		if (f->positional != NULL || f->reference.n > 0 || f->dangling == 0)
			goto out;
		rc = image_row(o, r, "<none>", "<none>", "<none>");
		goto out;
	}
	if (f->dangling == 1 && ntk > 0)
		goto out;
	rc = image_rows(o, r, tags, ntk, digs, ndk);
out:
	refs_free(tags, ntk);
	refs_free(digs, ndk);
	return rc;
}

static const char images_table[] =
	"table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{if .CreatedSince }}{{.CreatedSince}}{{else}}N/A{{end}}\t{{.Size}}";
static const char images_table_digests[] = "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{if .CreatedSince "
					   "}}{{.CreatedSince}}{{else}}N/A{{end}}\t{{.Size}}";

/* Write what f holds; a table without its header row with --noheading. */
static int images_flush(struct cc_format *f, bool noheading)
{
	cc_error *e = NULL;
	if (!noheading || !cc_format_is_table(f)) {
		int r = cc_format_flush(f, stdout, &e);
		cc_error_free(e);
		return r < 0 ? cmd_output_error(-r) : 0;
	}
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	if (m == NULL)
		return cmd_failf(EXIT_CC_ERROR, "out of memory");
	int r = cc_format_flush(f, m, &e);
	cc_error_free(e);
	if (fclose(m) != 0 && r == 0)
		r = -ENOMEM;
	if (r < 0) {
		free(buf);
		return cmd_failf(EXIT_CC_ERROR, "out of memory");
	}
	const char *nl = buf ? memchr(buf, '\n', len) : NULL;
	size_t skip = nl ? (size_t)(nl - buf) + 1 : len;
	int rc = 0;
	if (len > skip && fwrite(buf + skip, 1, len - skip, stdout) != len - skip)
		rc = cmd_output_error(errno);
	free(buf);
	return rc;
}

static int images_action(void *opts, int argc, char **argv)
{
	struct images_opts *o = opts;
	struct images_filter flt = { .positional = argc > 0 ? argv[0] : NULL };
	int rc = images_filter_parse(&flt, &o->filter);
	if (rc != 0) {
		images_filter_free(&flt);
		return rc;
	}
	/* docker's NewImageFormat: -q is {{.ID}} unless a --format is given;
	 * --digests adds a DIGEST column to a table that has none */
	const char *fmt = o->format;
	bool dedup = false;
	_cleanup_free_ char *withdig = NULL;
	if (fmt == NULL || *fmt == '\0' || strcmp(fmt, "table") == 0) {
		dedup = o->quiet;
		fmt = o->quiet ? "{{.ID}}" : o->digests ? images_table_digests : images_table;
	} else if (o->digests && cc_str_has_prefix(fmt, "table") && strstr(fmt, "{{.Digest}}") == NULL) {
		if (asprintf(&withdig, "%s\t{{.Digest}}", fmt) < 0) {
			images_filter_free(&flt);
			return cmd_failf(EXIT_CC_ERROR, "out of memory");
		}
		fmt = withdig;
	}
	json_t *headers = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ID", "IMAGE ID",
				    "Repository", "REPOSITORY", "Tag", "TAG", "Digest", "DIGEST", "CreatedSince",
				    "CREATED", "CreatedAt", "CREATED AT", "Size", "SIZE", "Containers", "CONTAINERS",
				    "SharedSize", "SHARED SIZE", "UniqueSize", "UNIQUE SIZE", "VirtualSize", "SIZE");
	struct images_out out = { .notrunc = o->notrunc, .show_digests = o->digests, .dedup = dedup,
				  .need_digest = o->digests || strstr(fmt, "{{.Digest}}") != NULL, .now = time(NULL) };
	cc_error *e = NULL;
	if (headers == NULL || cc_format_open(fmt, NULL, headers, &out.f, &e) < 0) {
		json_decref(headers);
		images_filter_free(&flt);
		return e ? cmd_fail(e, EXIT_CC_ERROR) : cmd_failf(EXIT_CC_ERROR, "out of memory");
	}
	json_decref(headers);
	cc_format_missingkey_error(out.f);
	struct cc_store *s = cmd_open_store();
	if (s == NULL) {
		cc_format_free(out.f);
		images_filter_free(&flt);
		return EXIT_CC_ERROR;
	}
	_cleanup_strv_ char **ids = NULL;
	rc = images_filter_resolve(s, &flt);
	if (rc == 0 && cc_store_image_list(s, &ids, &e) < 0) /* newest first */
		rc = cmd_fail(e, EXIT_CC_ERROR);
	for (char **id = ids; rc == 0 && *id; id++) {
		struct cc_image_record *r = NULL;
		if (cc_store_image_get(s, *id, &r, &e) < 0) {
			rc = cmd_fail(e, EXIT_CC_ERROR);
			break;
		}
		/* build's intermediate images (untagged, in the build cache): only with -a */
		bool cached = false;
		if (!o->all && (r->tags == NULL || r->tags[0] == NULL) && cc_store_cache_has_image(s, *id, &cached, &e) < 0)
			rc = cmd_fail(e, EXIT_CC_ERROR);
		else if (!cached && image_list_one(s, &out, &flt, r) < 0)
			rc = cmd_fail(out.err, EXIT_CC_ERROR); /* docker prints nothing then */
		cc_image_record_free(r);
	}
	if (rc == 0)
		rc = images_flush(out.f, o->noheading);
	cc_format_free(out.f);
	cc_store_close(s);
	images_filter_free(&flt);
	return rc;
}

/* An image event about one of its names (tag, untag): the name as docker
 * shows it. */
static void tag_event(struct cc_store *s, const char *action, const char *id, const char *name)
{
	_cleanup_free_ char *fam = cmd_familiar_ref(name);
	cmd_image_event(s, action, id, fam != NULL ? fam : name);
}

static int tag_action(void *opts, int argc, char **argv)
{
	(void)opts;
	(void)argc;
	struct cc_ref *ref = NULL;
	cc_error *e = NULL;
	if (cc_ref_parse(argv[1], &ref, &e) < 0)
		return cmd_fail(e, EXIT_CC_ERROR);
	if (ref->digest) {
		cc_ref_free(ref);
		return cmd_failf(EXIT_CC_ERROR, "refusing to create a tag with a digest reference: '%s'", argv[1]);
	}
	_cleanup_free_ char *name = cc_ref_string(ref);
	cc_ref_free(ref);
	struct cc_store *s = cmd_open_store();
	if (s == NULL)
		return EXIT_CC_ERROR;
	_cleanup_free_ char *id = NULL;
	int rc = 0;
	if (cc_image_resolve(s, argv[0], &id, &e) < 0 || cc_store_tag_set(s, name, id, NULL, &e) < 0)
		rc = cmd_fail(e, EXIT_CC_ERROR);
	else
		tag_event(s, "tag", id, name);
	cc_store_close(s);
	return rc;
}

/* untag IMAGE [NAME...] (podman): remove those names, or every name of
 * the image; the image stays (dangling when no name is left). */
static int untag_action(void *opts, int argc, char **argv)
{
	(void)opts;
	struct cc_store *s = cmd_open_store();
	if (s == NULL)
		return EXIT_CC_ERROR;
	cc_error *e = NULL;
	_cleanup_free_ char *id = NULL;
	struct cc_image_record *r = NULL;
	if (cc_image_resolve(s, argv[0], &id, &e) < 0 || cc_store_image_get(s, id, &r, &e) < 0) {
		cc_store_close(s);
		return cmd_fail(e, EXIT_CC_ERROR);
	}
	int rc = 0;
	for (char **t = r->tags; argc == 1 && t && *t; t++)
		if (cc_store_untag(s, *t, &e) < 0)
			rc = cmd_fail(e, EXIT_CC_ERROR);
		else
			tag_event(s, "untag", id, *t);
	for (int i = 1; i < argc; i++) {
		_cleanup_strv_ char **cands = cc_ref_candidates(argv[i]);
		const char *found = NULL;
		for (char **t = r->tags; t && *t && cands && cands[0]; t++)
			if (strcmp(*t, cands[0]) == 0)
				found = *t;
		if (found == NULL)
			rc = cmd_failf(EXIT_CC_ERROR, "%s: tag not known", argv[i]);
		else if (cc_store_untag(s, found, &e) < 0)
			rc = cmd_fail(e, EXIT_CC_ERROR);
		else
			tag_event(s, "untag", id, found);
	}
	cc_image_record_free(r);
	cc_store_close(s);
	return rc;
}

/* image exists IMAGE (podman): 0 when the store has it, 1 when not, no output. */
static int image_exists_action(void *opts, int argc, char **argv)
{
	(void)opts;
	(void)argc;
	struct cc_store *s = cmd_open_store();
	if (s == NULL)
		return EXIT_CC_ERROR;
	cc_error *e = NULL;
	_cleanup_free_ char *id = NULL;
	int rc = 0;
	if (cc_image_resolve(s, argv[0], &id, &e) < 0) {
		if (e != NULL && e->kind == CC_ERR_NOT_FOUND) {
			cc_error_free(e);
			rc = 1;
		} else {
			/* an ambiguous ID, a broken store: podman's 125, not the 1 of
			 * an error reported through cmd_fail (which means "absent" here) */
			_cleanup_free_ char *msg = cc_safe_text(e ? e->msg : "unknown error");
			fprintf(stderr, "Error: %s\n", msg ? msg : "out of memory");
			cc_error_free(e);
			rc = EXIT_CC_ERROR;
		}
	}
	cc_store_close(s);
	return rc;
}

/* Delete an image by ID: print its tags as untagged, then the image. */
static int delete_image(struct cc_store *s, const char *id, cc_error **err)
{
	struct cc_image_record *r = NULL;
	if (cc_store_image_get(s, id, &r, err) < 0)
		return -1;
	for (char **t = r->tags; t && *t; t++) {
		char *repo = NULL, *tg = NULL;
		cmd_split_tag(*t, &repo, &tg);
		printf("Untagged: %s:%s\n", repo, tg);
		free(repo);
		free(tg);
	}
	for (char **d = r->repo_digests; d && *d; d++) {
		const char *at;
		_cleanup_free_ char *fam = cmd_split_digest(*d, &at);
		printf("Untagged: %s%s\n", fam ? fam : *d, fam ? at : "");
	}
	if (cc_store_image_delete(s, id, err) < 0) {
		cc_image_record_free(r);
		return -1;
	}
	/* docker: an untag per name, then the delete */
	for (char **t = r->tags; t && *t; t++)
		tag_event(s, "untag", id, *t);
	for (char **d = r->repo_digests; d && *d; d++)
		tag_event(s, "untag", id, *d);
	cc_image_record_free(r);
	cmd_image_event(s, "delete", id, id);
	printf("Deleted: %s\n", id);
	return 0;
}

/* The short ID of one container that uses image id ("" when none). */
static void first_user(struct cc_store *s, const char *id, char out[13])
{
	struct cc_container_record **list = NULL;
	size_t n = 0;
	cc_error *e = NULL;
	out[0] = '\0';
	if (cc_store_container_list(s, &list, &n, &e) < 0) {
		cc_error_free(e);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (out[0] == '\0' && strcmp(list[i]->image_id, id) == 0)
			snprintf(out, 13, "%.12s", list[i]->id);
		cc_container_record_free(list[i]);
	}
	free(list);
}

struct rmi_opts {
	bool force, noprune, all, ignore;
};

static int rmi_action(void *opts, int argc, char **argv)
{
	struct rmi_opts *o = opts;
	bool force = o->force;
	/* podman's -a: every image, and no names with it */
	if (o->all && argc > 0)
		return cmd_usagef("when using the --all switch, you may not pass any images names or IDs");
	if (!o->all && argc == 0)
		return cmd_usagef("\"rmi\" requires at least 1 argument.");
	struct cc_store *s = cmd_open_store();
	if (s == NULL)
		return EXIT_CC_ERROR;
	cc_error *e = NULL;
	/* Removal waits for adders (pull, import) to finish, then frees content. */
	if (cc_store_lock(s, true, &e) < 0) {
		cc_store_close(s);
		return cmd_fail(e, EXIT_CC_ERROR);
	}
	_cleanup_strv_ char **every = NULL;
	if (o->all) {
		if (cc_store_image_list(s, &every, &e) < 0) {
			cc_store_close(s);
			return cmd_fail(e, EXIT_CC_ERROR);
		}
		argv = every;
		for (argc = 0; every[argc]; argc++)
			;
	}
	int rc = 0;
	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i];
		_cleanup_free_ char *id = NULL;
		if (cc_image_resolve(s, arg, &id, &e) < 0) {
			/* podman's -i: a missing image is no error */
			if (o->ignore && e != NULL && e->kind == CC_ERR_NOT_FOUND)
				cc_error_clear(&e);
			else
				rc = cmd_fail(e, EXIT_CC_ERROR);
			continue;
		}
		struct cc_image_record *r = NULL;
		if (cc_store_image_get(s, id, &r, &e) < 0) {
			rc = cmd_fail(e, EXIT_CC_ERROR);
			continue;
		}
		size_t ntags = 0;
		while (r->tags && r->tags[ntags])
			ntags++;
		/* Which tag did the user name, if any? */
		_cleanup_strv_ char **cands = cc_ref_candidates(arg);
		const char *named_tag = NULL;
		for (char **t = r->tags; t && *t && cands && cands[0]; t++)
			if (strcmp(*t, cands[0]) == 0)
				named_tag = *t;
		int users = 0;
		if (cc_store_image_users(s, id, &users, &e) < 0) {
			cc_image_record_free(r);
			rc = cmd_fail(e, EXIT_CC_ERROR);
			continue;
		}
		char sid[13];
		if (named_tag && ntags > 1) {
			/* Another name still refers to it: only untag, as docker does. */
			char *repo = NULL, *tg = NULL;
			cmd_split_tag(named_tag, &repo, &tg);
			if (cc_store_untag(s, named_tag, &e) < 0) {
				rc = cmd_fail(e, EXIT_CC_ERROR);
			} else {
				printf("Untagged: %s:%s\n", repo, tg);
				tag_event(s, "untag", id, named_tag);
			}
			free(repo);
			free(tg);
		} else if (!named_tag && ntags > 1 && !force && !o->all) {
			rc = cmd_failf(EXIT_CC_ERROR,
				       "conflict: unable to delete %s (must be forced) - image is referenced in multiple repositories",
				       short_id(id, sid));
		} else if (users > 0 && !force) {
			char user_id[13] = "";
			first_user(s, id, user_id);
			rc = cmd_failf(EXIT_CC_ERROR,
				       "conflict: unable to delete %s (must be forced) - image is being used by container %s%s",
				       short_id(id, sid), user_id, users > 1 ? " and others" : "");
		} else if (users > 0) {
			/* -f on an image a container uses: its names go, the image stays
			 * (dangling) until the container is removed, as in docker */
			for (char **t = r->tags; t && *t; t++) {
				char *repo = NULL, *tg = NULL;
				cmd_split_tag(*t, &repo, &tg);
				if (cc_store_untag(s, *t, &e) < 0) {
					rc = cmd_fail(e, EXIT_CC_ERROR);
				} else {
					printf("Untagged: %s:%s\n", repo, tg);
					tag_event(s, "untag", id, *t);
				}
				free(repo);
				free(tg);
				e = NULL;
			}
		} else if (delete_image(s, id, &e) < 0) {
			rc = cmd_fail(e, EXIT_CC_ERROR);
		}
		cc_image_record_free(r);
	}
	struct cc_gc_report rep;
	if (cc_store_gc(s, false, &rep, &e) < 0)
		rc = cmd_fail(e, EXIT_CC_ERROR);
	cc_store_close(s);
	return rc;
}

struct prune_opts {
	bool all, force;
	struct cmd_strv filter;
};

/* image prune's filters (moby daemon/images/image_prune.go): until, label,
 * label!, dangling=false (what -a asks). */
struct prune_filter {
	int64_t until; /* -1: none */
	struct cmd_strv label, nolabel;
};

static int prune_filter_parse(struct prune_opts *o, struct prune_filter *f)
{
	f->until = -1;
	int64_t now_ns = cc_wall_ns();
	for (size_t i = 0; i < o->filter.n; i++) {
		const char *v = NULL;
		int rc = 0;
		_cleanup_free_ char *k = filter_key(o->filter.v[i], &v, &rc);
		if (k == NULL)
			return rc;
		if (strcmp(k, "until") == 0) {
			int64_t ns = -1;
			int64_t t = cc_parse_timestamp(v, now_ns, &ns) == 0 ? ns / 1000000000LL : -1;
			if (t < 0)
				return cmd_failf(EXIT_CC_ERROR, "failed to parse value as time or duration: \"%s\"", v);
			f->until = t;
		} else if (strcmp(k, "label") == 0 || strcmp(k, "label!") == 0) {
			if (!strv_push(k[5] == '!' ? &f->nolabel : &f->label, v))
				return cmd_failf(EXIT_CC_ERROR, "out of memory");
		} else if (strcmp(k, "dangling") == 0) {
			int b = filter_bool(v);
			if (b < 0)
				return cmd_failf(EXIT_CC_ERROR, "invalid filter 'dangling=%s'", v);
			o->all = o->all || b == 0;
		} else {
			return cmd_failf(EXIT_CC_ERROR, "invalid filter '%s'", k);
		}
	}
	return 0;
}

/* Does an image pass prune's until and label filters? */
static int prune_filter_match(struct cc_store *s, const struct prune_filter *f, const char *id, bool *ret,
			      cc_error **err)
{
	*ret = true;
	if (f->until < 0 && f->label.n == 0 && f->nolabel.n == 0)
		return 0;
	struct cc_image_record *r = NULL;
	if (cc_store_image_get(s, id, &r, err) < 0)
		return -1;
	int64_t ct = cc_parse_rfc3339(r->created);
	if (f->until >= 0 && (ct < 0 || ct > f->until))
		*ret = false;
	if (*ret && (f->label.n > 0 || f->nolabel.n > 0)) {
		json_t *labels = image_labels(s, r, err);
		if (labels == NULL) {
			cc_image_record_free(r);
			return -1;
		}
		/* label: all of them; label!: not all of them (docker's matchLabels) */
		*ret = labels_match_all(labels, &f->label) && (f->nolabel.n == 0 || !labels_match_all(labels, &f->nolabel));
		json_decref(labels);
	}
	cc_image_record_free(r);
	return 0;
}

static int image_prune(void *opts, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	struct prune_opts *o = opts;
	struct prune_filter flt = { 0 };
	_cleanup_strv_ char **ids = NULL;
	int rc = prune_filter_parse(o, &flt);
	if (rc != 0)
		goto done;
	bool all = o->all;
	if (!o->force && !cmd_confirm(all ? "This will remove all images without at least one container associated to them."
					  : "This will remove all dangling images."))
		goto done;
	struct cc_store *s = cmd_open_store();
	if (s == NULL) {
		rc = EXIT_CC_ERROR;
		goto done;
	}
	cc_error *e = NULL;
	if (cc_store_lock(s, true, &e) < 0) {
		cc_store_close(s);
		rc = cmd_fail(e, EXIT_CC_ERROR);
		goto done;
	}
	/* Dangling images (no tag) go, or with -a every image no container uses. */
	if (cc_store_image_list(s, &ids, &e) < 0) {
		cc_store_close(s);
		rc = cmd_fail(e, EXIT_CC_ERROR);
		goto done;
	}
	for (char **id = ids; *id && rc == 0; id++) {
		struct cc_image_record *r = NULL;
		int users = 0;
		if (cc_store_image_get(s, *id, &r, &e) < 0 || cc_store_image_users(s, *id, &users, &e) < 0) {
			cc_image_record_free(r);
			rc = cmd_fail(e, EXIT_CC_ERROR);
			break;
		}
		bool dangling = r->tags == NULL || r->tags[0] == NULL, cached = false, match = true;
		cc_image_record_free(r);
		/* build cache intermediates are not dangling (docker's parents): -a removes them */
		if (dangling && !all && cc_store_cache_has_image(s, *id, &cached, &e) < 0) {
			rc = cmd_fail(e, EXIT_CC_ERROR);
			break;
		}
		dangling = dangling && !cached;
		if ((dangling || all) && users == 0 && prune_filter_match(s, &flt, *id, &match, &e) < 0)
			rc = cmd_fail(e, EXIT_CC_ERROR);
		else if ((dangling || all) && users == 0 && match && delete_image(s, *id, &e) < 0)
			rc = cmd_fail(e, EXIT_CC_ERROR);
	}
	struct cc_gc_report rep = { 0 };
	if (rc == 0 && cc_store_gc(s, true, &rep, &e) < 0)
		rc = cmd_fail(e, EXIT_CC_ERROR);
	if (rc == 0) {
		char sz[32], reclaimed[32];
		/* docker: one prune event, with the bytes it freed */
		snprintf(reclaimed, sizeof(reclaimed), "%lld", (long long)rep.bytes);
		cc_store_event(s, "image", "prune", "", (const char *const[]){ "reclaimed", reclaimed, NULL }, NULL);
		cc_human_size((uint64_t)rep.bytes, sz, sizeof(sz));
		printf("Removed %d blobs, %d layers, %d temporary files\nTotal reclaimed space: %s\n", rep.blobs,
		       rep.layers, rep.tmp, sz);
	}
	cc_store_close(s);
done:
	free(flt.label.v);
	free(flt.nolabel.v);
	return rc;
}

static int import_action(void *opts, int argc, char **argv)
{
	(void)opts;
	struct cc_store *s = cmd_open_store();
	if (s == NULL)
		return EXIT_CC_ERROR;
	_cleanup_free_ char *id = NULL;
	cc_error *e = NULL;
	int rc = 0;
	if (cc_image_import(s, argv[0], argc > 1 ? argv[1] : NULL, &id, &e) < 0) {
		rc = cmd_fail(e, EXIT_CC_ERROR);
	} else {
		/* docker: the new name's tag, then the import */
		struct cc_ref *ref = NULL;
		if (argc > 1 && cc_ref_parse(argv[1], &ref, NULL) == 0) {
			_cleanup_free_ char *name = cc_ref_string(ref);
			if (name != NULL)
				tag_event(s, "tag", id, name);
		}
		cc_ref_free(ref);
		cmd_image_event(s, "import", id, id);
		printf("%s\n", id);
	}
	cc_store_close(s);
	return rc;
}

/* One line of the check; names in it may come from an image (layer
 * entries): control characters are shown as '?'. */
static void report_line(enum cc_check_kind kind, const char *line, void *data)
{
	bool quiet = data != NULL;
	static const char *const prefix[] = { "", "note: ", "  repaired: ", "  not repaired: " };
	if (quiet)
		return;
	fputs(prefix[kind], stdout);
	for (const unsigned char *p = (const unsigned char *)line; *p; p++)
		putchar(*p < 0x20 || *p == 0x7f ? '?' : *p);
	putchar('\n');
}

struct check_opts {
	bool repair;
};

static int system_check(void *opts, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	bool repair = ((struct check_opts *)opts)->repair;
	struct cc_store *s = cmd_open_store();
	if (s == NULL)
		return EXIT_CC_ERROR;
	cc_error *e = NULL;
	struct cc_check ck = { .repair = repair, .report = report_line };
	int rc = cc_image_check(s, &ck, &e);
	/* after repairs, a second pass says whether the store is consistent now */
	struct cc_check again = { .report = report_line, .data = &again };
	if (rc == 0 && repair && ck.problems > 0)
		rc = cc_image_check(s, &again, &e);
	cc_store_close(s);
	if (rc < 0)
		return cmd_fail(e, EXIT_CC_ERROR);
	if (ck.problems == 0) {
		printf("ok: store is consistent\n");
		return 0;
	}
	if (repair && again.problems == 0) {
		printf("ok: store is consistent after %d repair%s\n", ck.repaired, ck.repaired == 1 ? "" : "s");
		return 0;
	}
	if (repair)
		fprintf(stderr, "Error: store check found %d problem%s; %d remain%s after repair\n", ck.problems,
			ck.problems == 1 ? "" : "s", again.problems, again.problems == 1 ? "s" : "");
	else
		fprintf(stderr, "Error: store check found %d problem%s ('system check --repair' repairs what it can)\n",
			ck.problems, ck.problems == 1 ? "" : "s");
	return 1;
}

static int system_prune(void *opts, int argc, char **argv)
{
	struct prune_opts *o = opts;
	struct prune_opts check = *o; /* a bad --filter fails before the question */
	struct prune_filter flt = { 0 };
	int rc = prune_filter_parse(&check, &flt);
	free(flt.label.v);
	free(flt.nolabel.v);
	if (rc != 0)
		return rc;
	if (!o->force && !cmd_confirm("This will remove:\n  - all stopped containers' images no container uses\n"
				      "  - all dangling images\n  - unused blobs and layers"))
		return 0;
	o->force = true; /* asked once */
	return image_prune(o, argc, argv);
}

/* ---- the tables ---- */

static const struct cmd_opt images_options[] = {
	OPT_BOOL('a', "all", struct images_opts, all, "Show all images (default hides build's intermediate images)"),
	OPT_BOOL(0, "digests", struct images_opts, digests, "Show digests"),
	OPT_LIST('f', "filter", struct images_opts, filter, "filter",
		 "Filter output based on conditions provided (dangling, label, before, since, reference)"),
	OPT_STRING(0, "format", struct images_opts, format, "string",
		   "Format output: 'table' (default), 'table TEMPLATE', 'json' or a Go template"),
	OPT_BOOL(0, "no-trunc", struct images_opts, notrunc, "Don't truncate output"),
	OPT_BOOL('n', "noheading", struct images_opts, noheading, "Do not print column headings (podman)"),
	OPT_BOOL('q', "quiet", struct images_opts, quiet, "Only show image IDs"),
	OPT_END,
};
const struct cmd_verb cmd_images_verb = {
	.name = "images", .usage = "[OPTIONS] [REPOSITORY[:TAG]]", .summary = "List images",
	.opts = images_options, .opts_size = sizeof(struct images_opts), .max_args = 1,
	.complete_args = CMD_COMPLETE_IMAGE, .action = images_action,
};

const struct cmd_verb cmd_tag_verb = {
	.name = "tag", .usage = "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
	.summary = "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE", .min_args = 2, .max_args = 2,
	.complete_args = CMD_COMPLETE_IMAGE, .action = tag_action,
};

const struct cmd_verb cmd_untag_verb = {
	.name = "untag", .usage = "IMAGE [NAME...]", .summary = "Remove one or more names from a locally-stored image",
	.min_args = 1, .max_args = -1, .complete_args = CMD_COMPLETE_IMAGE, .action = untag_action,
};

const struct cmd_verb cmd_image_exists_verb = {
	.name = "exists", .usage = "IMAGE", .summary = "Check if an image exists in local storage",
	.description = "Exits 0 when the image is in the store, 1 when it is not; prints nothing.",
	.min_args = 1, .max_args = 1, .complete_args = CMD_COMPLETE_IMAGE, .action = image_exists_action,
};

static const struct cmd_opt rmi_options[] = {
	OPT_BOOL('a', "all", struct rmi_opts, all, "Remove all images (podman)"),
	OPT_BOOL('f', "force", struct rmi_opts, force, "Force removal of the image"),
	OPT_BOOL('i', "ignore", struct rmi_opts, ignore, "Ignore errors when a specified image is missing (podman)"),
	OPT_BOOL(0, "no-prune", struct rmi_opts, noprune, "Do not delete untagged parents (accepted; images have none here)"),
	OPT_END,
};
const struct cmd_verb cmd_rmi_verb = {
	.name = "rmi", .usage = "[OPTIONS] IMAGE [IMAGE...]", .summary = "Remove one or more images",
	.opts = rmi_options, .opts_size = sizeof(struct rmi_opts), .min_args = 0, .max_args = -1,
	.complete_args = CMD_COMPLETE_IMAGE, .action = rmi_action,
};

const struct cmd_verb cmd_import_verb = {
	.name = "import", .usage = "file [REPOSITORY[:TAG]]",
	.summary = "Import the contents from a tarball to create a filesystem image", .min_args = 1, .max_args = 2,
	.complete_args = CMD_COMPLETE_FILE, .action = import_action,
};

static const struct cmd_opt image_prune_options[] = {
	OPT_BOOL('a', "all", struct prune_opts, all, "Remove all unused images, not just dangling ones"),
	OPT_LIST(0, "filter", struct prune_opts, filter, "filter",
		 "Provide filter values (e.g. \"until=<timestamp>\", \"label=<key>=<value>\")"),
	OPT_BOOL('f', "force", struct prune_opts, force, "Do not prompt for confirmation"),
	OPT_END,
};
const struct cmd_verb cmd_image_prune_verb = {
	.name = "prune", .usage = "[OPTIONS]", .summary = "Remove unused images",
	.opts = image_prune_options, .opts_size = sizeof(struct prune_opts), .action = image_prune,
};
const struct cmd_verb cmd_system_prune_verb = {
	.name = "prune", .usage = "[OPTIONS]", .summary = "Remove unused data",
	.opts = image_prune_options, .opts_size = sizeof(struct prune_opts), .action = system_prune,
};

static const struct cmd_opt check_options[] = {
	OPT_BOOL(0, "repair", struct check_opts, repair, "Repair what can be repaired"),
	OPT_END,
};
const struct cmd_verb cmd_system_check_verb = {
	.name = "check", .usage = "[OPTIONS]", .summary = "Check the store's consistency",
	.opts = check_options, .opts_size = sizeof(struct check_opts), .action = system_check,
};
