/* push: upload a stored image to a registry (OCI distribution spec, "push").
 *
 * Blobs first (layers in parallel, --jobs, then the config), the manifest
 * last.  Each blob: HEAD (the registry has it: done); a cross-repository
 * mount when the store knows the blob from another repository of the same
 * registry (blob_sources); else an upload session (POST), then one PUT with
 * the whole blob when it is small, or PATCH chunks with Content-Range and a
 * closing PUT ?digest= when it is large.  Every chunk follows the Location
 * the registry returned.  A large upload's URL is kept in
 * tmp/push-<key>.upload (flock'd while in use) after every chunk, so a push
 * that was killed continues where the registry says the upload stands (GET
 * of the upload's status, its Range) instead of starting over; a 416 or a
 * broken chunk asks the same.  Blobs are read from the store as they go out
 * (pread), byte for byte: a pulled image pushes with the same digests. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "image-internal.h"
#include "util/util.h"

#define CHUNK_DEFAULT (16LL * 1024 * 1024)
#define CHUNK_MIN (64LL * 1024)
#define CHUNK_MAX (1LL << 30)
#define BODY_MAX (64 * 1024)
#define UPLOAD_ATTEMPTS 5 /* in a row without progress */
#define URL_MAX 4096

struct push_blob {
	const char *digest;
	int64_t size;
	size_t idx;         /* progress index (layers), n_layers for the config */
	bool is_layer;
	int rc;
	cc_error *err;
};

struct push_ctx {
	struct cc_store *store;
	struct cc_registry *reg;
	const char *domain;
	const char *repo;             /* path: "team/app" */
	const char *full_repo;        /* "localhost:5000/team/app" */
	const struct cc_push_options *opts;
	int64_t chunk;
	pthread_mutex_t lock;
	struct push_blob *blobs;
	size_t n_blobs, next, n_layers;
	bool abort;
};

static void progress(struct push_ctx *c, enum cc_push_event ev, const struct push_blob *b, int64_t cur,
		     const char *from)
{
	if (c->opts->progress == NULL || !b->is_layer)
		return;
	struct cc_push_progress p = { .event = ev, .index = b->idx, .n_layers = c->n_layers, .digest = b->digest,
				      .current = cur, .total = b->size, .from = from };
	pthread_mutex_lock(&c->lock);
	c->opts->progress(&p, c->opts->progress_data);
	pthread_mutex_unlock(&c->lock);
}

/* ---- errors as docker words them ---- */

/* "denied: requested access to the resource is denied", from the
 * registry's error body ({"errors":[{"code","message"}]}) or its status. */
static int registry_error(const struct cc_http *h, const char *what, cc_error **err)
{
	const char *code = NULL, *msg = NULL;
	json_t *root = h->body ? json_loadb(h->body, h->len, 0, NULL) : NULL;
	json_t *e0 = json_array_get(json_object_get(root, "errors"), 0);
	code = json_string_value(json_object_get(e0, "code"));
	msg = json_string_value(json_object_get(e0, "message"));
	char words[64] = "";
	if (code) {
		size_t i = 0;
		for (; code[i] && i < sizeof(words) - 1; i++)
			words[i] = code[i] == '_' ? ' ' : (char)(code[i] >= 'A' && code[i] <= 'Z' ? code[i] + 32 : code[i]);
		words[i] = '\0';
	}
	int kind = CC_ERR_NETWORK;
	if (h->status == 401 || h->status == 403 || (code && strcmp(code, "DENIED") == 0) ||
	    (code && strcmp(code, "UNAUTHORIZED") == 0))
		kind = CC_ERR_AUTH;
	else if (h->status == 404)
		kind = CC_ERR_NOT_FOUND;
	else if (h->status == 400)
		kind = CC_ERR_VERIFY;
	int r;
	if (words[0] && msg && *msg)
		r = cc_error_setk(err, kind, 0, "%s: %.200s", words, msg);
	else if (words[0])
		r = cc_error_setk(err, kind, 0, "%s", words);
	else if (h->status == 401 || h->status == 403)
		r = cc_error_setk(err, kind, 0, "denied: requested access to the resource is denied");
	else if (h->status == 404)
		r = cc_error_setk(err, kind, 0, "name unknown: repository name not known to registry");
	else {
		char note[256];
		cc_http_retry_note(h, note, sizeof(note));
		r = cc_error_setk(err, kind, 0, "%s: registry answered HTTP %ld%s", what, h->status, note);
	}
	json_decref(root);
	return r;
}

/* ---- the resume file of one upload ---- */

static char *resume_path(struct push_ctx *c, const char *digest)
{
	char key[72];
	_cleanup_free_ char *material = NULL;
	if (asprintf(&material, "%s %s %s", cc_registry_endpoint(c->reg), c->repo, digest) < 0)
		return NULL;
	cc_sha256_digest(material, strlen(material), key);
	char *p = NULL;
	if (asprintf(&p, "%s/tmp/push-%.32s.upload", cc_store_root(c->store), key + 7) < 0)
		return NULL;
	return p;
}

static int resume_save(int fd, const char *url, cc_error **err)
{
	size_t n = strlen(url);
	if (pwrite(fd, url, n, 0) != (ssize_t)n || ftruncate(fd, (off_t)n) < 0)
		return cc_error_set(err, errno ? errno : EIO, "record the upload's URL");
	return 0;
}

static char *resume_load(int fd)
{
	char buf[URL_MAX + 1];
	ssize_t n = pread(fd, buf, URL_MAX, 0);
	if (n <= 0 || n >= URL_MAX)
		return NULL;
	buf[n] = '\0';
	return strdup(buf);
}

/* ---- one blob ---- */

static int status_request(struct push_ctx *c, const char *url, struct cc_http *h, cc_error **err)
{
	return cc_registry_send(c->reg, "GET", url, NULL, NULL, BODY_MAX, c->repo, h, err);
}

/* The next URL from a response's Location (absolute, or a path on the registry). */
static int next_location(struct push_ctx *c, const struct cc_http *h, char **url, cc_error **err)
{
	char *next = NULL;
	bool same = false;
	if (h->location[0] == '\0' || cc_upload_location_resolve(cc_registry_endpoint(c->reg), h->location, &next, &same) < 0)
		return cc_error_setk(err, CC_ERR_NETWORK, 0, "registry answered an upload with an unusable Location '%.200s'",
				     h->location);
	free(*url);
	*url = next;
	return 0;
}

/* Where the registry says the upload at *url stands: 0 with *ret_offset,
 * or 1 when it does not know the upload (start a new one). */
static int upload_offset(struct push_ctx *c, char **url, int64_t *ret_offset, cc_error **err)
{
	struct cc_http h;
	if (status_request(c, *url, &h, err) < 0)
		return -1;
	int rc = 1;
	if (h.status == 204 || h.status == 200) {
		int64_t off = cc_upload_range_next(h.range);
		if (off >= 0) {
			*ret_offset = off;
			rc = 0;
			if (h.location[0] && next_location(c, &h, url, err) < 0)
				rc = -1;
		}
	}
	cc_http_release(&h);
	return rc;
}

static int start_upload(struct push_ctx *c, const char *query, struct cc_http *h, cc_error **err)
{
	_cleanup_free_ char *path = NULL;
	if (asprintf(&path, "/v2/%s/blobs/uploads/%s", c->repo, query ? query : "") < 0)
		return cc_error_set(err, ENOMEM, "push");
	return cc_registry_send(c->reg, "POST", path, NULL, NULL, BODY_MAX, c->repo, h, err);
}

static int upload_blob(struct push_ctx *c, struct push_blob *b, int fd, char **url, int rfd, int64_t offset,
		       cc_error **err)
{
	static const char *const octet[] = { "Content-Type: application/octet-stream", NULL };
	int no_progress = 0;
	while (offset < b->size && b->size > c->chunk) {
		if (c->abort)
			return cc_error_set(err, ECANCELED, "push aborted");
		int64_t len = b->size - offset < c->chunk ? b->size - offset : c->chunk;
		char range[96];
		snprintf(range, sizeof(range), "Content-Range: %lld-%lld", (long long)offset, (long long)(offset + len - 1));
		const char *hdrs[] = { octet[0], range, NULL };
		struct cc_upload_body body = { .fd = fd, .off = offset, .len = len, .sent = c->opts->bytes_sent };
		struct cc_http h;
		cc_error *e = NULL;
		int r = cc_registry_send(c->reg, "PATCH", *url, hdrs, &body, BODY_MAX, c->repo, &h, &e);
		if (r == 0 && h.status == 202) {
			int64_t next = h.range[0] ? cc_upload_range_next(h.range) : offset + len;
			if (next < 0 || next > b->size)
				next = offset + len;
			no_progress = next > offset ? 0 : no_progress + 1;
			if (no_progress >= UPLOAD_ATTEMPTS) {
				cc_http_release(&h);
				return cc_error_setk(err, CC_ERR_NETWORK, 0, "blob %s: the registry took no data after %d chunks",
						     b->digest, UPLOAD_ATTEMPTS);
			}
			offset = next;
			if (h.location[0] && next_location(c, &h, url, &e) < 0) {
				cc_http_release(&h);
				*err = e;
				return -1;
			}
			cc_http_release(&h);
			if (rfd >= 0 && resume_save(rfd, *url, err) < 0)
				return -1;
			progress(c, CC_PUSH_PUSHING, b, offset, NULL);
			continue;
		}
		/* A broken chunk or 416: ask where the upload stands, go on from there. */
		bool ask = (r < 0 && e->kind == CC_ERR_NETWORK) || (r == 0 && h.status == 416);
		if (!ask) {
			if (r == 0)
				registry_error(&h, "upload", &e);
			cc_http_release(&h);
			*err = e;
			return -1;
		}
		cc_http_release(&h);
		if (++no_progress >= UPLOAD_ATTEMPTS) {
			*err = e;
			return cc_error_prefix(err, "blob %s: no progress after %d attempts", b->digest, UPLOAD_ATTEMPTS);
		}
		cc_error_free(e);
		int64_t at = 0;
		int u = upload_offset(c, url, &at, err);
		if (u != 0)
			return u < 0 ? -1
				     : cc_error_setk(err, CC_ERR_NETWORK, 0, "blob %s: the registry lost the upload", b->digest);
		offset = at;
	}
	/* The closing PUT: the whole blob when small, else no body. */
	_cleanup_free_ char *put = cc_upload_url_with_digest(*url, b->digest);
	if (put == NULL)
		return cc_error_set(err, ENOMEM, "push");
	struct cc_upload_body body = { .fd = fd, .off = offset, .len = b->size - offset, .sent = c->opts->bytes_sent };
	struct cc_http h;
	if (cc_registry_send(c->reg, "PUT", put, octet, body.len > 0 ? &body : NULL, BODY_MAX, c->repo, &h, err) < 0)
		return -1;
	int rc = 0;
	if (h.status != 201 && h.status != 204)
		rc = registry_error(&h, "upload", err);
	cc_http_release(&h);
	return rc;
}

/* A mount source for the blob: a repository of this registry other than ours. */
static char *mount_source(struct push_ctx *c, const char *digest)
{
	_cleanup_strv_ char **srcs = NULL;
	cc_error *e = NULL;
	if (cc_store_blob_sources(c->store, digest, &srcs, &e) < 0) {
		cc_error_free(e);
		return NULL;
	}
	size_t dl = strlen(c->domain);
	for (char **p = srcs; p && *p; p++)
		if (strncmp(*p, c->domain, dl) == 0 && (*p)[dl] == '/' && strcmp(*p + dl + 1, c->repo) != 0)
			return strdup(*p + dl + 1);
	return NULL;
}

static int push_one(struct push_ctx *c, struct push_blob *b, cc_error **err)
{
	_cleanup_free_ char *head = NULL;
	if (asprintf(&head, "/v2/%s/blobs/%s", c->repo, b->digest) < 0)
		return cc_error_set(err, ENOMEM, "push");
	struct cc_http h;
	if (cc_registry_request(c->reg, "HEAD", head, NULL, 0, c->repo, &h, err) < 0)
		return -1;
	long st = h.status;
	if (st == 200) {
		cc_http_release(&h);
		progress(c, CC_PUSH_EXISTS, b, b->size, NULL);
		return 0;
	}
	if (st != 404) {
		int r = registry_error(&h, "check blob", err);
		cc_http_release(&h);
		return r;
	}
	cc_http_release(&h);

	_cleanup_free_ char *url = NULL;
	/* The upload is resumable across runs: one file per registry, repo and blob. */
	_cleanup_free_ char *rpath = b->size > c->chunk ? resume_path(c, b->digest) : NULL;
	_cleanup_close_ int rfd = -1;
	int64_t offset = 0;
	if (rpath) {
		rfd = open(rpath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (rfd < 0)
			return cc_error_set(err, errno, "open '%s'", rpath);
		if (flock(rfd, LOCK_EX) < 0) /* another push of this blob: wait for it */
			return cc_error_set(err, errno, "lock '%s'", rpath);
		_cleanup_free_ char *saved = resume_load(rfd);
		if (saved) {
			char *resolved = NULL;
			bool same = false;
			if (cc_upload_location_resolve(cc_registry_endpoint(c->reg), saved, &resolved, &same) == 0) {
				url = resolved;
				cc_error *e = NULL;
				int u = upload_offset(c, &url, &offset, &e);
				cc_error_free(e);
				if (u != 0) {
					free(url);
					url = NULL;
					offset = 0;
				} else if (offset > 0) {
					progress(c, CC_PUSH_RESUMING, b, offset, NULL);
				}
			}
		}
	}
	_cleanup_free_ char *from = url == NULL ? mount_source(c, b->digest) : NULL;
	if (url == NULL) {
		_cleanup_free_ char *query = NULL;
		if (from) {
			/* repository names are [a-z0-9._/-]: nothing to escape */
			if (asprintf(&query, "?mount=%s&from=%s", b->digest, from) < 0)
				return cc_error_set(err, ENOMEM, "push");
		}
		if (start_upload(c, query, &h, err) < 0)
			return -1;
		if (from && h.status == 201) {
			cc_http_release(&h);
			_cleanup_free_ char *fam = cc_ref_familiar_repo(from);
			progress(c, CC_PUSH_MOUNTED, b, b->size, fam ? fam : from);
			if (rpath)
				(void)unlink(rpath);
			return 0;
		}
		if (h.status != 202) {
			int r = registry_error(&h, "start upload", err);
			cc_http_release(&h);
			return r;
		}
		int r = next_location(c, &h, &url, err);
		cc_http_release(&h);
		if (r < 0)
			return -1;
		if (rfd >= 0 && resume_save(rfd, url, err) < 0)
			return -1;
	}
	_cleanup_free_ char *bp = cc_store_blob_path(c->store, b->digest);
	_cleanup_close_ int fd = bp ? open(bp, O_RDONLY | O_CLOEXEC) : -1;
	struct stat sb;
	if (fd < 0)
		return cc_error_set(err, errno, "open blob %s", b->digest);
	if (fstat(fd, &sb) < 0 || sb.st_size != b->size)
		return cc_error_setk(err, CC_ERR_VERIFY, 0, "blob %s in the store is not its recorded size (run 'ccontainer system check')",
				     b->digest);
	progress(c, CC_PUSH_PUSHING, b, offset, NULL);
	if (upload_blob(c, b, fd, &url, rfd, offset, err) < 0)
		return -1;
	if (rpath)
		(void)unlink(rpath);
	progress(c, CC_PUSH_PUSHED, b, b->size, NULL);
	return 0;
}

static void *worker_main(void *arg)
{
	struct push_ctx *c = arg;
	for (;;) {
		pthread_mutex_lock(&c->lock);
		struct push_blob *b = NULL;
		if (c->next < c->n_blobs && !c->abort)
			b = &c->blobs[c->next++];
		pthread_mutex_unlock(&c->lock);
		if (b == NULL)
			return NULL;
		b->rc = push_one(c, b, &b->err);
		if (b->rc < 0)
			c->abort = true; /* the others stop at their next chunk */
	}
}

/* ---- manifest format ---- */

/* The manifest in another format (media types only: same config, same
 * layer bytes).  OCI gzip layers <-> docker's; others cannot convert. */
static int convert_manifest(const char *data, size_t len, const char *to, char **ret, size_t *ret_len,
			    char **ret_mt, cc_error **err)
{
	bool oci = strcmp(to, "oci") == 0;
	json_t *root = json_loadb(data, len, 0, NULL);
	if (root == NULL)
		return cc_error_setk(err, CC_ERR_VERIFY, 0, "stored manifest does not parse");
	const char *mt = oci ? CC_MT_OCI_MANIFEST : CC_MT_DOCKER_MANIFEST;
	int rc = 0;
	json_object_set_new(root, "mediaType", json_string(mt));
	json_object_set_new(json_object_get(root, "config"), "mediaType",
			    json_string(oci ? CC_MT_OCI_CONFIG : CC_MT_DOCKER_CONFIG));
	size_t i;
	json_t *l;
	json_array_foreach(json_object_get(root, "layers"), i, l) {
		const char *lt = json_string_value(json_object_get(l, "mediaType"));
		bool gz = lt && (strcmp(lt, CC_MT_OCI_LAYER_GZIP) == 0 || strcmp(lt, CC_MT_DOCKER_LAYER) == 0);
		if (!gz && !(oci && lt && strncmp(lt, "application/vnd.oci.", 20) == 0)) {
			rc = cc_error_setk(err, CC_ERR_INVALID, 0,
					   "layer %d is %s, which the %s format cannot carry (use --format oci)", (int)i,
					   lt ? lt : "untyped", oci ? "OCI" : "v2s2");
			break;
		}
		if (gz)
			json_object_set_new(l, "mediaType", json_string(oci ? CC_MT_OCI_LAYER_GZIP : CC_MT_DOCKER_LAYER));
	}
	if (rc == 0) {
		char *out = json_dumps(root, JSON_PRESERVE_ORDER | JSON_INDENT(3));
		if (out == NULL) {
			rc = cc_error_set(err, ENOMEM, "manifest");
		} else {
			*ret = out;
			*ret_len = strlen(out);
			*ret_mt = strdup(mt);
		}
	}
	json_decref(root);
	return rc;
}

/* ---- the image ---- */

void cc_push_result_release(struct cc_push_result *r)
{
	free(r->digest);
	free(r->ref);
	free(r->tag);
	memset(r, 0, sizeof(*r));
}

static int64_t chunk_size(cc_error **err)
{
	const char *v = secure_getenv("CCONTAINER_PUSH_CHUNK_SIZE");
	if (v == NULL || *v == '\0')
		return CHUNK_DEFAULT;
	int64_t n = 0;
	if (cc_parse_size(v, &n) < 0 || n < CHUNK_MIN || n > CHUNK_MAX)
		return cc_error_setk(err, CC_ERR_INVALID, 0,
				     "invalid CCONTAINER_PUSH_CHUNK_SIZE '%s': expected a size from 64k to 1g", v);
	return n;
}

/* The layers' compression by media type: "gzip", "zstd" or "none". */
static const char *layer_compression(const char *mt)
{
	return mt == NULL ? "gzip" : strstr(mt, "zstd") ? "zstd" : (strstr(mt, "gzip") ? "gzip" : "none");
}

/* --compression-format: each layer whose compression differs (or every one,
 * with a level) recompressed into the store (cc_image_recompress_layer)
 * and named by the manifest, which is rewritten; *ret_json the manifest
 * parsed (its layers: what to upload). */
static int recompress_manifest(struct push_ctx *c, char **manifest, size_t *mlen, const char *mt, json_t **ret_json,
			       cc_error **err)
{
	const char *want = c->opts->compression;
	int level = c->opts->compression_level;
	bool docker = strcmp(mt, CC_MT_DOCKER_MANIFEST) == 0;
	if (docker && strcmp(want, "zstd") == 0)
		return cc_error_setk(err, CC_ERR_INVALID, 0,
				     "zstd layers need an OCI manifest: push with --format oci (docker's v2s2 has no zstd)");
	json_t *j = json_loadb(*manifest, *mlen, 0, NULL);
	json_t *layers = json_object_get(j, "layers");
	if (!json_is_array(layers)) {
		json_decref(j);
		return cc_error_setk(err, CC_ERR_VERIFY, 0, "the image's manifest has no layers");
	}
	bool changed = false;
	size_t i;
	json_t *l;
	json_array_foreach(layers, i, l) {
		const char *d = json_string_value(json_object_get(l, "digest"));
		const char *lmt = json_string_value(json_object_get(l, "mediaType"));
		if (d == NULL || (strcmp(layer_compression(lmt), want) == 0 && level < 0))
			continue;
		if (lmt != NULL && strstr(lmt, "foreign") != NULL)
			continue; /* not ours to change: the registry fetches it elsewhere */
		char *nd = NULL;
		int64_t nsz = 0;
		if (cc_image_recompress_layer(c->store, d, want, level, &nd, &nsz, err) < 0) {
			json_decref(j);
			return cc_error_prefix(err, "recompress layer %.19s", d);
		}
		const char *nmt = docker ? CC_MT_DOCKER_LAYER
					 : strcmp(want, "zstd") == 0 ? CC_MT_OCI_LAYER_ZSTD : CC_MT_OCI_LAYER_GZIP;
		json_object_set_new(l, "digest", json_string(nd));
		json_object_set_new(l, "size", json_integer(nsz));
		json_object_set_new(l, "mediaType", json_string(nmt));
		free(nd);
		changed = true;
	}
	if (changed) {
		char *text = json_dumps(j, JSON_COMPACT);
		if (text == NULL) {
			json_decref(j);
			return cc_error_set(err, ENOMEM, "push");
		}
		free(*manifest);
		*manifest = text;
		*mlen = strlen(text);
	}
	*ret_json = j;
	return 0;
}

static int push_image(struct push_ctx *c, const struct cc_image_record *rec, const struct cc_ref *ref,
		      struct cc_push_result *ret, cc_error **err)
{
	_cleanup_free_ char *manifest = NULL, *mt = NULL;
	size_t mlen = 0;
	if (cc_store_read_blob(c->store, rec->manifest_digest, CC_MANIFEST_MAX, &manifest, &mlen, err) < 0)
		return cc_error_prefix(err, "read the image's manifest");
	mt = strdup(rec->manifest_media_type ? rec->manifest_media_type : CC_MT_OCI_MANIFEST);
	if (mt == NULL)
		return cc_error_set(err, ENOMEM, "push");
	const char *fmt = c->opts->format;
	if (fmt && ((strcmp(fmt, "oci") == 0) != (strcmp(mt, CC_MT_OCI_MANIFEST) == 0))) {
		_cleanup_free_ char *conv = NULL, *cmt = NULL;
		size_t clen = 0;
		if (convert_manifest(manifest, mlen, fmt, &conv, &clen, &cmt, err) < 0)
			return -1;
		free(manifest);
		free(mt);
		manifest = steal_ptr(&conv);
		mt = steal_ptr(&cmt);
		mlen = clen;
	}

	/* --compression-format: layers compressed otherwise (or at another
	 * level) go as blobs recompressed, and the manifest names those */
	json_auto_t *mj = NULL; /* jansson's cleanup attribute */
	if (c->opts->compression != NULL && recompress_manifest(c, &manifest, &mlen, mt, &mj, err) < 0)
		return -1;
	const json_t *mlayers = json_object_get(mj, "layers");

	/* /v2/ first (docker's ping): it settles HTTP or HTTPS on loopback. */
	struct cc_http h;
	if (cc_registry_request(c->reg, "GET", "/v2/", "application/json", BODY_MAX, NULL, &h, err) < 0)
		return -1;
	cc_http_release(&h);

	/* Layers (in --jobs workers), then the config. */
	c->n_layers = rec->n_layers;
	c->blobs = calloc(rec->n_layers + 1, sizeof(*c->blobs));
	if (c->blobs == NULL)
		return cc_error_set(err, ENOMEM, "push");
	c->n_blobs = rec->n_layers;
	/* Mount sources need pull on their repositories in the same token. */
	_cleanup_free_ char *extra = NULL;
	for (size_t i = 0; i < rec->n_layers; i++) {
		const json_t *ml = json_array_get(mlayers, i);
		const char *ld = ml ? json_string_value(json_object_get(ml, "digest")) : rec->layers[i].blob_digest;
		int64_t lsz = ml ? (int64_t)json_integer_value(json_object_get(ml, "size")) : rec->layers[i].blob_size;
		c->blobs[i] = (struct push_blob){ .digest = ld, .size = lsz, .idx = i, .is_layer = true };
		_cleanup_free_ char *from = mount_source(c, ld);
		_cleanup_free_ char *scope = NULL;
		if (from && asprintf(&scope, "repository:%s:pull", from) >= 0 && (extra == NULL || !strstr(extra, scope))) {
			char *joined = NULL;
			if (asprintf(&joined, "%s%s%s", extra ? extra : "", extra ? " " : "", scope) >= 0) {
				free(extra);
				extra = joined;
			}
		}
	}
	if (cc_registry_set_push(c->reg, c->repo, extra, err) < 0)
		return -1;
	for (size_t i = 0; i < rec->n_layers; i++)
		progress(c, CC_PUSH_PREPARING, &c->blobs[i], 0, NULL);
	int rc = 0;
	int jobs = c->opts->jobs > 0 ? c->opts->jobs : 3;
	if ((size_t)jobs > c->n_blobs)
		jobs = (int)c->n_blobs;
	pthread_t tids[64];
	int started = 0;
	for (; started < jobs && started < 64; started++)
		if (pthread_create(&tids[started], NULL, worker_main, c) != 0)
			break;
	if (c->n_blobs > 0 && started == 0)
		rc = cc_error_set(err, EAGAIN, "start upload threads");
	for (int i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	for (size_t i = 0; rc == 0 && i < c->n_blobs; i++) {
		if (c->blobs[i].rc < 0 && c->blobs[i].err && c->blobs[i].err->errnum != ECANCELED) {
			*err = steal_ptr(&c->blobs[i].err);
			rc = -1;
		}
	}
	for (size_t i = 0; rc == 0 && i < c->n_blobs; i++) {
		if (c->blobs[i].rc < 0) {
			*err = steal_ptr(&c->blobs[i].err);
			rc = -1;
		}
	}
	if (rc == 0) {
		struct push_blob cfg = { .digest = rec->config_digest, .size = rec->config_size, .idx = rec->n_layers };
		rc = push_one(c, &cfg, err);
	}
	for (size_t i = 0; i < c->n_blobs; i++)
		cc_error_free(c->blobs[i].err);
	free(c->blobs);
	c->blobs = NULL;
	if (rc < 0)
		return -1;

	/* The manifest last, by tag (and by digest when asked). */
	char digest[72];
	cc_sha256_digest(manifest, mlen, digest);
	_cleanup_free_ char *ctype = NULL;
	if (asprintf(&ctype, "Content-Type: %s", mt) < 0)
		return cc_error_set(err, ENOMEM, "push");
	const char *hdrs[] = { ctype, NULL };
	const char *targets[2] = { ref->tag ? ref->tag : digest, c->opts->put_by_digest && ref->tag ? digest : NULL };
	for (int t = 0; t < 2 && targets[t]; t++) {
		_cleanup_free_ char *path = NULL;
		if (asprintf(&path, "/v2/%s/manifests/%s", c->repo, targets[t]) < 0)
			return cc_error_set(err, ENOMEM, "push");
		struct cc_upload_body body = { .fd = -1, .mem = manifest, .len = (int64_t)mlen,
					       .sent = c->opts->bytes_sent };
		if (cc_registry_send(c->reg, "PUT", path, hdrs, &body, BODY_MAX, c->repo, &h, err) < 0)
			return -1;
		if (h.status != 201 && h.status != 200) {
			int r = registry_error(&h, "push manifest", err);
			cc_http_release(&h);
			return r;
		}
		if (h.docker_digest[0] && strcmp(h.docker_digest, digest) != 0) {
			cc_http_release(&h);
			return cc_error_setk(err, CC_ERR_VERIFY, 0, "registry stored the manifest as %.80s, not %s",
					     h.docker_digest, digest);
		}
		cc_http_release(&h);
	}

	/* Remember where the blobs are now, and the repo digest (as docker does). */
	_cleanup_free_ char *rd = NULL;
	if (asprintf(&rd, "%s@%s", c->full_repo, digest) < 0)
		return cc_error_set(err, ENOMEM, "push");
	cc_error *e = NULL;
	for (size_t i = 0; i <= rec->n_layers; i++) {
		const json_t *ml = i < rec->n_layers ? json_array_get(mlayers, i) : NULL;
		const char *d = ml ? json_string_value(json_object_get(ml, "digest"))
				   : i < rec->n_layers ? rec->layers[i].blob_digest : rec->config_digest;
		if (cc_store_blob_source_add(c->store, d, c->full_repo, &e) < 0)
			cc_error_clear(&e); /* a hint for later mounts, nothing more */
	}
	if (strcmp(digest, rec->manifest_digest) == 0 && cc_store_repo_digest_add(c->store, rd, rec->id, &e) < 0)
		cc_error_clear(&e);
	ret->digest = strdup(digest);
	ret->size = (int64_t)mlen;
	ret->tag = strdup(ref->tag ? ref->tag : digest);
	if (ret->digest == NULL || ret->tag == NULL)
		return cc_error_set(err, ENOMEM, "push");
	return 0;
}

int cc_image_push(struct cc_store *s, const char *image_id, const char *dest, const struct cc_push_options *opts,
		  struct cc_push_result *ret, cc_error **err)
{
	memset(ret, 0, sizeof(*ret));
	struct cc_ref *ref = NULL;
	if (cc_ref_parse(dest, &ref, err) < 0)
		return -1;
	int rc = -1;
	struct cc_image_record *rec = NULL;
	struct cc_registry *reg = NULL;
	_cleanup_free_ char *full = cc_ref_repo(ref);
	_cleanup_strv_ char **endpoints = cc_registry_endpoints(ref->domain, opts->tls_verify);
	int64_t chunk = chunk_size(err);
	if (chunk < 0)
		goto out;
	if (full == NULL || endpoints == NULL) {
		cc_error_set(err, ENOMEM, "push");
		goto out;
	}
	if (ref->digest) {
		cc_error_setk(err, CC_ERR_INVALID, 0, "cannot push a digest reference ('%s'): push a tag", dest);
		goto out;
	}
	if (cc_store_lock(s, false, err) < 0)
		goto out;
	if (cc_store_image_get(s, image_id, &rec, err) < 0) {
		cc_store_unlock(s);
		goto out;
	}
	/* Mirrors are for pulls: the registry itself, the last endpoint. */
	char **last = endpoints;
	while (last[1])
		last++;
	if (cc_registry_new(ref->domain, *last, opts->tls_verify, &reg, err) == 0) {
		struct push_ctx c = { .store = s, .reg = reg, .domain = ref->domain, .repo = ref->path,
				      .full_repo = full, .opts = opts, .chunk = chunk };
		pthread_mutex_init(&c.lock, NULL);
		rc = push_image(&c, rec, ref, ret, err);
		pthread_mutex_destroy(&c.lock);
		if (rc == 0)
			ret->ref = cc_ref_string(ref);
	}
	cc_store_unlock(s);
out:
	if (rc < 0)
		cc_push_result_release(ret);
	cc_registry_free(reg);
	cc_image_record_free(rec);
	cc_ref_free(ref);
	return rc;
}
