/* pull: resolve a reference at a registry, fetch what the store lacks,
 * verify everything, and record the image in one transaction.
 *
 * Each missing layer is one streaming pass: bytes from the registry are
 * hashed, appended to tmp/<hex>.partial (kept across runs for Range resume)
 * and sent through a socketpair to an unpack thread that decompresses,
 * hashes the diff ID and extracts into a staging directory.  Only when the
 * blob digest, size and diff ID all match are the blob and the layer
 * directory renamed into place; the rows follow in one transaction.
 *
 * Threads: one downloader per job slot (--jobs) plus its unpack thread,
 * each blocking on its own transfer, so a slow unpack throttles only its own
 * download.  All threads are joined before pull returns (run clones after). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "image-internal.h"
#include "util/util.h"

#define ACCEPT_MANIFESTS                                                                             \
	CC_MT_OCI_INDEX ", " CC_MT_DOCKER_LIST ", " CC_MT_OCI_MANIFEST ", " CC_MT_DOCKER_MANIFEST \
	", application/vnd.docker.distribution.manifest.v1+prettyjws;q=0.1"
#define FEED_BLOCK (256 * 1024)
/* A blob download gives up after this many requests in a row that each
 * added less than PROGRESS_MIN bytes (a drip, a stall, resets, a wrong
 * Content-Range); requests that moved it on are not counted, so the number
 * of requests stays bounded by the blob's size. */
#define BLOB_ATTEMPTS 5
#define PROGRESS_MIN (64 * 1024)

struct pull_ctx {
	struct cc_store *store;
	struct cc_registry *reg;
	const char *repo_path;        /* "library/alpine" */
	const struct cc_pull_options *opts;
	pthread_mutex_t lock;         /* progress calls and the job queue */
	size_t next_job, n_layers;
	struct layer_job *jobs;
	bool abort;
	bool downloaded_any;
};

struct layer_job {
	struct pull_ctx *ctx;
	size_t idx;
	const struct cc_descriptor *desc;
	const char *diff_id, *chain_id;
	bool needed;
	int64_t unpacked_size;
	int rc;
	cc_error *err;
};

static void progress(struct pull_ctx *c, enum cc_pull_event ev, size_t idx, const char *digest, int64_t cur,
		     int64_t total)
{
	if (c->opts->progress == NULL)
		return;
	struct cc_pull_progress p = { .event = ev, .index = idx, .n_layers = c->n_layers, .digest = digest,
				      .current = cur, .total = total };
	pthread_mutex_lock(&c->lock);
	c->opts->progress(&p, c->opts->progress_data);
	pthread_mutex_unlock(&c->lock);
}

/* ---- one layer ---- */

static void sleep_ms(int64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

struct unpack_thread {
	pthread_t tid;
	int fd;
	const char *dir;
	char diff_id[72];
	int64_t size;
	int rc;
	cc_error *err;
};

static void *unpack_main(void *arg)
{
	struct unpack_thread *u = arg;
	u->rc = cc_layer_unpack_fd(u->fd, u->dir, u->diff_id, &u->size, &u->err);
	/* Drain, so the feeder never blocks on a reader that gave up. */
	char buf[65536];
	while (read(u->fd, buf, sizeof(buf)) > 0)
		;
	return NULL;
}

struct feed {
	struct layer_job *job;
	int partial_fd;         /* -1 when the blob is already stored */
	int sock;
	struct cc_sha256 *hash;
	int64_t have;           /* bytes hashed and written so far */
	uint64_t last_report;
	cc_error *err;
};

static int feed_bytes(struct feed *f, const void *buf, size_t len, bool to_partial)
{
	const struct cc_descriptor *d = f->job->desc;
	if (f->have + (int64_t)len > d->size)
		return cc_error_setk(&f->err, CC_ERR_VERIFY, 0, "blob %s: registry sent more than the manifest's %lld bytes",
				     d->digest, (long long)d->size);
	if (to_partial && cc_write_all(f->partial_fd, buf, len) < 0)
		return cc_error_set(&f->err, errno, "write partial blob %s", d->digest);
	if (f->hash)
		cc_sha256_update(f->hash, buf, len);
	/* The unpacker may have stopped early (bad tar); keep hashing anyway
	 * so the digest check, which says more, runs on the full blob. */
	if (f->sock >= 0) {
		const char *p = buf;
		size_t left = len;
		while (left > 0) {
			ssize_t n = send(f->sock, p, left, MSG_NOSIGNAL);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				close(f->sock);
				f->sock = -1;
				break;
			}
			p += n;
			left -= (size_t)n;
		}
	}
	f->have += (int64_t)len;
	uint64_t now = cc_now_ns();
	if (now - f->last_report > 50000000ULL || f->have == d->size) {
		f->last_report = now;
		progress(f->job->ctx, CC_PULL_PROGRESS, f->job->idx, d->digest, f->have, d->size);
	}
	return 0;
}

static int sink(const void *buf, size_t len, void *data)
{
	struct feed *f = data;
	if (f->job->ctx->abort)
		return cc_error_set(&f->err, ECANCELED, "pull aborted");
	return feed_bytes(f, buf, len, true);
}

/* Send an existing file's first `len` bytes through the feed. */
static int feed_file(struct feed *f, int fd, int64_t len, bool hash)
{
	char *buf = malloc(FEED_BLOCK);
	if (buf == NULL)
		return cc_error_set(&f->err, ENOMEM, "read blob");
	struct cc_sha256 *saved = f->hash;
	if (!hash)
		f->hash = NULL;
	int64_t off = 0;
	int ret = 0;
	while (off < len) {
		size_t want = (size_t)(len - off < FEED_BLOCK ? len - off : FEED_BLOCK);
		ssize_t n = pread(fd, buf, want, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = cc_error_set(&f->err, n < 0 ? errno : EIO, "read blob %s", f->job->desc->digest);
			break;
		}
		if (feed_bytes(f, buf, (size_t)n, false) < 0) {
			ret = -1;
			break;
		}
		off += n;
	}
	f->hash = saved;
	free(buf);
	return ret;
}

/* GET the rest of the blob into the feed, resuming with Range from what
 * arrived after each interruption (see BLOB_ATTEMPTS). */
static int download(struct layer_job *job, struct feed *f)
{
	struct pull_ctx *c = job->ctx;
	const struct cc_descriptor *d = job->desc;
	int no_progress = 0;
	while (f->have < d->size) {
		int64_t before = f->have;
		bool resumable = false;
		cc_error *e = NULL;
		int r = cc_registry_blob(c->reg, c->repo_path, d->digest, d->size, f->have, sink, f, &resumable, &e);
		if (r == 0 && f->have < d->size) {
			/* A body that ended cleanly but short (close-delimited,
			 * or a shorter 206): what came is kept, ask for the rest. */
			resumable = true;
			r = cc_error_setk(&e, CC_ERR_NETWORK, 0, "registry ended its answer at byte %lld of %lld",
					  (long long)f->have, (long long)d->size);
		}
		if (r == 0)
			return 0;
		if (e == NULL && f->err == NULL)
			cc_error_setk(&e, CC_ERR_NETWORK, 0, "download failed");
		if (f->err != NULL) { /* the sink's own error (size, disk, abort) */
			cc_error_free(e);
			return -1;
		}
		if (!resumable) {
			f->err = e;
			return cc_error_prefix(&f->err, "blob %s", d->digest);
		}
		no_progress = f->have - before >= PROGRESS_MIN ? 0 : no_progress + 1;
		if (no_progress >= BLOB_ATTEMPTS) {
			f->err = e;
			return cc_error_prefix(&f->err, "blob %s: no progress after %d attempts", d->digest, BLOB_ATTEMPTS);
		}
		cc_error_free(e);
		if (no_progress > 0) /* 200 ms, 400 ms, 800 ms, 1.6 s */
			sleep_ms(200 << (no_progress - 1));
		if (c->abort)
			return cc_error_set(&f->err, ECANCELED, "pull aborted");
	}
	return 0;
}

static int fetch_layer(struct layer_job *job, cc_error **err)
{
	struct pull_ctx *c = job->ctx;
	struct cc_store *s = c->store;
	const struct cc_descriptor *d = job->desc;
	_cleanup_close_ int pfd = -1;
	off_t have = 0;
	bool blob_stored = cc_store_blob_present(s, d->digest);
	if (!blob_stored) {
		/* Waits while another process downloads the same blob. */
		if (cc_store_partial_open(s, d->digest, &pfd, &have, err) < 0)
			return -1;
		if (have < 0) {
			blob_stored = true;
			cc_closep(&pfd);
		}
	}
	if (blob_stored && cc_store_layer_present(s, job->chain_id)) {
		progress(c, CC_PULL_DONE, job->idx, d->digest, d->size, d->size);
		return 0;
	}
	if (have > d->size) { /* a stale partial that cannot be this blob */
		if (ftruncate(pfd, 0) < 0)
			return cc_error_set(err, errno, "truncate partial blob %s", d->digest);
		have = 0;
	}

	_cleanup_free_ char *stage = NULL;
	if (cc_store_layer_stage(s, &stage, err) < 0)
		return -1;
	int sp[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0) {
		int e = errno;
		(void)cc_rm_rf(stage, NULL);
		return cc_error_set(err, e, "socketpair");
	}
	struct unpack_thread u = { .fd = sp[0], .dir = stage };
	struct feed f = { .job = job, .partial_fd = pfd, .sock = sp[1], .hash = cc_sha256_new() };
	if (f.hash == NULL || pthread_create(&u.tid, NULL, unpack_main, &u) != 0) {
		cc_sha256_free(f.hash);
		close(sp[0]);
		close(sp[1]);
		(void)cc_rm_rf(stage, NULL);
		return cc_error_set(err, ENOMEM, "start unpack of %s", d->digest);
	}
	int ret = 0;
	if (blob_stored) {
		_cleanup_free_ char *bp = cc_store_blob_path(s, d->digest);
		_cleanup_close_ int bfd = bp ? open(bp, O_RDONLY | O_CLOEXEC) : -1;
		if (bfd < 0)
			ret = cc_error_set(&f.err, errno, "open blob %s", d->digest);
		else
			ret = feed_file(&f, bfd, d->size, true);
	} else {
		if (have > 0) {
			progress(c, CC_PULL_RESUMING, job->idx, d->digest, have, d->size);
			ret = feed_file(&f, pfd, have, true);
			if (ret == 0 && lseek(pfd, have, SEEK_SET) < 0)
				ret = cc_error_set(&f.err, errno, "seek partial blob");
		}
		if (ret == 0)
			ret = download(job, &f);
		if (ret == 0)
			c->downloaded_any = true;
	}
	if (f.sock >= 0)
		close(f.sock);
	pthread_join(u.tid, NULL);
	close(sp[0]);
	char actual[72] = "";
	if (f.hash)
		cc_sha256_final(f.hash, actual);
	bool discard = false;
	if (ret < 0) {
		*err = f.err;
		f.err = NULL;
		discard = (*err)->kind == CC_ERR_VERIFY;
	} else if (f.have != d->size) {
		ret = cc_error_setk(err, CC_ERR_VERIFY, 0, "blob %s: got %lld bytes, manifest says %lld", d->digest,
				    (long long)f.have, (long long)d->size);
		discard = true;
	} else if (strcmp(actual, d->digest) != 0) {
		ret = cc_error_setk(err, CC_ERR_VERIFY, 0, "digest mismatch for blob %s: content hashes to %s", d->digest,
				    actual);
		discard = true;
	} else if (u.rc < 0) {
		*err = u.err;
		u.err = NULL;
		ret = cc_error_prefix(err, "layer %s", d->digest);
		discard = true;
	} else if (strcmp(u.diff_id, job->diff_id) != 0) {
		ret = cc_error_setk(err, CC_ERR_VERIFY, 0,
				    "diff ID mismatch for layer %s: uncompressed content hashes to %s, config says %s",
				    d->digest, u.diff_id, job->diff_id);
		discard = true;
	}
	cc_error_free(f.err);
	cc_error_free(u.err);
	if (ret < 0) {
		/* A partial that failed verification would fail again: drop it.
		 * One cut off by the network is kept for the next resume. */
		if (discard && !blob_stored) {
			cc_store_partial_discard(s, d->digest);
		}
		(void)cc_rm_rf(stage, NULL);
		return ret;
	}
	progress(c, CC_PULL_VERIFYING, job->idx, d->digest, d->size, d->size);
	if (!blob_stored && cc_store_partial_commit(s, d->digest, pfd, err) < 0) {
		(void)cc_rm_rf(stage, NULL);
		return -1;
	}
	if (cc_store_layer_commit(s, stage, job->chain_id, err) < 0) {
		(void)cc_rm_rf(stage, NULL);
		return -1;
	}
	job->unpacked_size = u.size;
	progress(c, CC_PULL_DONE, job->idx, d->digest, d->size, d->size);
	return 0;
}

static void *worker_main(void *arg)
{
	struct pull_ctx *c = arg;
	for (;;) {
		pthread_mutex_lock(&c->lock);
		struct layer_job *job = NULL;
		while (c->next_job < c->n_layers && !c->abort) {
			struct layer_job *j = &c->jobs[c->next_job++];
			if (j->needed) {
				job = j;
				break;
			}
		}
		pthread_mutex_unlock(&c->lock);
		if (job == NULL)
			return NULL;
		job->rc = fetch_layer(job, &job->err);
		if (job->rc < 0)
			c->abort = true; /* others stop at their next block */
	}
}

/* ---- manifests ---- */

static int http_status_error(struct pull_ctx *c, const struct cc_http *h, const char *what, cc_error **err)
{
	_cleanup_free_ char *host = NULL;
	const char *ep = cc_registry_endpoint(c->reg);
	const char *sl = strstr(ep, "://");
	host = strdup(sl ? sl + 3 : ep);
	if (h->status == 404)
		return cc_error_setk(err, CC_ERR_NOT_FOUND, 0, "%s not found: manifest unknown", what);
	if (h->status == 401 || h->status == 403)
		return cc_error_setk(err, CC_ERR_AUTH, 0,
				     "pull access denied for %s: repository does not exist or may require 'ccontainer login'",
				     what);
	char note[256];
	cc_http_retry_note(h, note, sizeof(note));
	if (h->status == 429)
		return cc_error_setk(err, CC_ERR_NETWORK, 0,
				     "toomanyrequests: %s refused %s: pull rate limit reached (RateLimit-Limit: %s, RateLimit-Remaining: %s)%s",
				     host ? host : ep, what, h->rl_limit[0] ? h->rl_limit : "unknown",
				     h->rl_remaining[0] ? h->rl_remaining : "unknown", note);
	return cc_error_setk(err, CC_ERR_NETWORK, 0, "%s: registry %s answered HTTP %ld%s", what, host ? host : ep,
			     h->status, note);
}

/* A body over what the request allowed: one line naming the limit. */
static int too_big(cc_error **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int too_big(cc_error **err, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	cc_error_clear(err);
	return cc_error_setk(err, CC_ERR_VERIFY, 0, "%s", line);
}

/* GET a manifest by digest and verify its bytes.  `size` is what the index
 * that points at it says (-1 for the top one: CC_MANIFEST_MAX bounds it). */
static int get_manifest(struct pull_ctx *c, const char *digest, int64_t size, const char *what, char **ret_body,
			size_t *ret_len, char **ret_ct, cc_error **err)
{
	_cleanup_free_ char *path = NULL;
	if (asprintf(&path, "/v2/%s/manifests/%s", c->repo_path, digest) < 0)
		return cc_error_set(err, ENOMEM, "manifest request");
	struct cc_http h;
	size_t max = size >= 0 ? (size_t)size : CC_MANIFEST_MAX;
	if (cc_registry_request(c->reg, "GET", path, ACCEPT_MANIFESTS, max, c->repo_path, &h, err) < 0) {
		if ((*err)->errnum == EFBIG)
			return size >= 0 ? too_big(err, "manifest %s: registry sent more than the index's %lld bytes", digest,
						   (long long)size)
					 : too_big(err, "manifest %s for %s: registry sent more than %d bytes (the limit)",
						   digest, what, CC_MANIFEST_MAX);
		return cc_error_prefix(err, "fetch manifest for %s", what);
	}
	if (h.status != 200) {
		int r = http_status_error(c, &h, what, err);
		cc_http_release(&h);
		return r;
	}
	char actual[72];
	cc_sha256_digest(h.body ? h.body : "", h.len, actual);
	if (strcmp(actual, digest) != 0) {
		cc_http_release(&h);
		return cc_error_setk(err, CC_ERR_VERIFY, 0, "digest mismatch for manifest %s: content hashes to %s", digest,
				     actual);
	}
	*ret_body = h.body ? h.body : strdup("");
	*ret_len = h.len;
	*ret_ct = strdup(h.content_type);
	h.body = NULL;
	cc_http_release(&h);
	return 0;
}

/* What a tag points at, cheaply: HEAD (not counted by Docker Hub's limit),
 * with a GET fallback for registries that do not send the digest. */
static int resolve_tag(struct pull_ctx *c, const struct cc_ref *ref, const char *what, char **ret_digest,
		       cc_error **err)
{
	_cleanup_free_ char *path = NULL;
	if (asprintf(&path, "/v2/%s/manifests/%s", c->repo_path, ref->tag) < 0)
		return cc_error_set(err, ENOMEM, "manifest request");
	struct cc_http h;
	if (cc_registry_request(c->reg, "HEAD", path, ACCEPT_MANIFESTS, 0, c->repo_path, &h, err) < 0)
		return cc_error_prefix(err, "resolve %s", what);
	if (h.status == 200 && cc_digest_valid(h.docker_digest)) {
		*ret_digest = strdup(h.docker_digest);
		cc_http_release(&h);
		return 0;
	}
	if (h.status != 200 && h.status != 405) {
		int r = http_status_error(c, &h, what, err);
		cc_http_release(&h);
		return r;
	}
	cc_http_release(&h);
	if (cc_registry_request(c->reg, "GET", path, ACCEPT_MANIFESTS, CC_MANIFEST_MAX, c->repo_path, &h, err) < 0) {
		if ((*err)->errnum == EFBIG)
			return too_big(err, "manifest for %s: registry sent more than %d bytes (the limit)", what,
				       CC_MANIFEST_MAX);
		return cc_error_prefix(err, "resolve %s", what);
	}
	if (h.status != 200) {
		int r = http_status_error(c, &h, what, err);
		cc_http_release(&h);
		return r;
	}
	char actual[72];
	cc_sha256_digest(h.body ? h.body : "", h.len, actual);
	cc_http_release(&h);
	*ret_digest = strdup(actual);
	return 0;
}

static int fetch_config(struct pull_ctx *c, const struct cc_descriptor *d, char **ret, size_t *ret_len,
			cc_error **err)
{
	if (d->size > CC_CONFIG_MAX)
		return cc_error_setk(err, CC_ERR_VERIFY, 0, "config %s is %lld bytes (limit %d)", d->digest,
				     (long long)d->size, CC_CONFIG_MAX);
	if (cc_store_blob_present(c->store, d->digest))
		return cc_store_read_blob(c->store, d->digest, CC_CONFIG_MAX, ret, ret_len, err);
	_cleanup_free_ char *path = NULL;
	if (asprintf(&path, "/v2/%s/blobs/%s", c->repo_path, d->digest) < 0)
		return cc_error_set(err, ENOMEM, "config request");
	struct cc_http h;
	/* No more than the manifest says: an endless answer stops there. */
	if (cc_registry_request(c->reg, "GET", path, NULL, (size_t)d->size, c->repo_path, &h, err) < 0) {
		if ((*err)->errnum == EFBIG)
			return too_big(err, "config %s: registry sent more than the manifest's %lld bytes", d->digest,
				       (long long)d->size);
		return cc_error_prefix(err, "fetch config %s", d->digest);
	}
	if (h.status != 200) {
		int r = http_status_error(c, &h, d->digest, err);
		cc_http_release(&h);
		return r;
	}
	if ((int64_t)h.len != d->size) {
		cc_http_release(&h);
		return cc_error_setk(err, CC_ERR_VERIFY, 0, "config %s: got %zu bytes, manifest says %lld", d->digest,
				     h.len, (long long)d->size);
	}
	if (cc_store_put_blob(c->store, d->digest, h.body ? h.body : "", h.len, err) < 0) {
		cc_http_release(&h);
		return -1;
	}
	*ret = h.body ? h.body : strdup("");
	*ret_len = h.len;
	h.body = NULL;
	cc_http_release(&h);
	return 0;
}

static bool image_complete(struct cc_store *s, const char *id)
{
	struct cc_image_record *r = NULL;
	cc_error *e = NULL;
	if (cc_store_image_get(s, id, &r, &e) < 0) {
		cc_error_free(e);
		return false;
	}
	bool ok = cc_store_blob_present(s, r->manifest_digest) && cc_store_blob_present(s, r->config_digest);
	for (size_t i = 0; ok && i < r->n_layers; i++)
		ok = cc_store_layer_present(s, r->layers[i].chain_id);
	cc_image_record_free(r);
	return ok;
}

void cc_pull_result_release(struct cc_pull_result *r)
{
	free(r->image_id);
	free(r->digest);
	free(r->ref);
	memset(r, 0, sizeof(*r));
}

/* The already-stored short cut: the tag (or digest) resolves to an image we
 * hold completely.  Returns 1 when done. */
static int try_cached(struct pull_ctx *c, const char *repo, const char *tagname, const char *digest,
		      struct cc_pull_result *ret, cc_error **err)
{
	_cleanup_free_ char *id = NULL, *tag_digest = NULL;
	cc_error *e = NULL;
	if (tagname && cc_store_tag_get(c->store, tagname, &id, &tag_digest, &e) == 0 && tag_digest &&
	    strcmp(tag_digest, digest) == 0 && image_complete(c->store, id)) {
		ret->image_id = steal_ptr(&id);
		return 1;
	}
	cc_error_clear(&e);
	free(id);
	id = NULL;
	if (cc_store_find_by_digest(c->store, repo, digest, &id, &e) == 0 && image_complete(c->store, id)) {
		_cleanup_free_ char *rd = NULL;
		if (asprintf(&rd, "%s@%s", repo, digest) < 0)
			return cc_error_set(err, ENOMEM, "pull");
		if ((tagname && cc_store_tag_set(c->store, tagname, id, digest, err) < 0) ||
		    cc_store_repo_digest_add(c->store, rd, id, err) < 0)
			return -1;
		ret->image_id = steal_ptr(&id);
		return 1;
	}
	cc_error_free(e);
	return 0;
}

static int pull_from(struct pull_ctx *c, const struct cc_ref *ref, const char *what, struct cc_pull_result *ret,
		     cc_error **err)
{
	_cleanup_free_ char *repo = cc_ref_repo(ref);
	_cleanup_free_ char *tagname = NULL;
	if (repo == NULL)
		return cc_error_set(err, ENOMEM, "pull");
	if (ref->digest == NULL && asprintf(&tagname, "%s:%s", repo, ref->tag) < 0)
		return cc_error_set(err, ENOMEM, "pull");
	_cleanup_free_ char *top = NULL;
	if (ref->digest) {
		top = strdup(ref->digest);
	} else if (resolve_tag(c, ref, what, &top, err) < 0) {
		return -1;
	}
	int cached = try_cached(c, repo, tagname, top, ret, err);
	if (cached != 0) {
		if (cached > 0) {
			ret->digest = steal_ptr(&top);
			ret->up_to_date = true;
		}
		return cached < 0 ? -1 : 0;
	}

	/* Every cleanup variable is declared before the first goto below. */
	_cleanup_free_ char *top_body = NULL, *top_ct = NULL, *body = NULL, *ct = NULL, *repo_digest = NULL;
	size_t top_len = 0, len = 0;
	if (get_manifest(c, top, -1, what, &top_body, &top_len, &top_ct, err) < 0)
		return -1;
	struct cc_manifest *m = NULL, *index = NULL;
	if (cc_manifest_parse(top_body, top_len, top_ct, &m, err) < 0)
		return cc_error_prefix(err, "manifest %s", top);
	const char *manifest_digest = top;
	const char *manifest_body = top_body;
	size_t manifest_len = top_len;
	int rc = -1;
	struct cc_image_config *cfg = NULL;
	char **chains = NULL, *config_data = NULL;
	size_t config_len = 0;
	struct cc_image_record rec = { 0 };
	if (m->is_index) {
		index = m;
		m = NULL;
		struct cc_platform want;
		const struct cc_descriptor *sel = NULL;
		if (c->opts->platform) {
			if (cc_platform_parse(c->opts->platform, &want, err) < 0)
				goto out;
		} else {
			cc_platform_host(&want);
		}
		if (cc_manifest_select(index, &want, &sel, err) < 0)
			goto out;
		if (sel->size > CC_MANIFEST_MAX) {
			cc_error_setk(err, CC_ERR_VERIFY, 0, "manifest %s too large", sel->digest);
			goto out;
		}
		if (get_manifest(c, sel->digest, sel->size, what, &body, &len, &ct, err) < 0)
			goto out;
		if ((int64_t)len != sel->size) {
			cc_error_setk(err, CC_ERR_VERIFY, 0, "manifest %s: got %zu bytes, index says %lld", sel->digest, len,
				      (long long)sel->size);
			goto out;
		}
		if (cc_manifest_parse(body, len, ct, &m, err) < 0) {
			cc_error_prefix(err, "manifest %s", sel->digest);
			goto out;
		}
		if (m->is_index) {
			cc_error_setk(err, CC_ERR_VERIFY, 0, "nested image indexes are not supported (%s)", sel->digest);
			goto out;
		}
		manifest_digest = sel->digest;
		manifest_body = body;
		manifest_len = len;
	}
	if (fetch_config(c, &m->config, &config_data, &config_len, err) < 0 ||
	    cc_image_config_parse(config_data, config_len, &cfg, err) < 0)
		goto out;
	if (cfg->n_diff_ids != m->n_entries) {
		cc_error_setk(err, CC_ERR_VERIFY, 0, "image config lists %zu diff IDs for %zu layers", cfg->n_diff_ids,
			      m->n_entries);
		goto out;
	}
	if (cc_chain_ids(cfg->diff_ids, cfg->n_diff_ids, &chains, err) < 0)
		goto out;

	/* Layers: queue what is missing, then run the workers. */
	c->n_layers = m->n_entries;
	c->jobs = calloc(m->n_entries + 1, sizeof(*c->jobs));
	if (c->jobs == NULL) {
		cc_error_set(err, ENOMEM, "pull");
		goto out;
	}
	progress(c, CC_PULL_RESOLVED, 0, manifest_digest, 0, 0);
	size_t needed = 0;
	for (size_t i = 0; i < m->n_entries; i++) {
		struct layer_job *j = &c->jobs[i];
		const struct cc_descriptor *d = &m->entries[i];
		j->ctx = c;
		j->idx = i;
		j->desc = d;
		j->diff_id = cfg->diff_ids[i];
		j->chain_id = chains[i];
		if (d->media_type && strstr(d->media_type, "foreign")) {
			cc_error_setk(err, CC_ERR_VERIFY, 0, "layer %s is a foreign layer, which is not supported", d->digest);
			goto out;
		}
		if (cc_store_layer_present(c->store, chains[i]) && cc_store_blob_present(c->store, d->digest)) {
			progress(c, CC_PULL_EXISTS, i, d->digest, d->size, d->size);
		} else {
			j->needed = true;
			needed++;
			progress(c, CC_PULL_WAITING, i, d->digest, 0, d->size);
		}
	}
	int jobs = c->opts->jobs > 0 ? c->opts->jobs : 3;
	if ((size_t)jobs > needed)
		jobs = (int)needed;
	pthread_t tids[64];
	int started = 0;
	for (; started < jobs && started < 64; started++)
		if (pthread_create(&tids[started], NULL, worker_main, c) != 0)
			break;
	if (needed > 0 && started == 0) {
		cc_error_set(err, EAGAIN, "start download threads");
		goto out;
	}
	for (int i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	for (size_t i = 0; i < m->n_entries; i++) {
		if (c->jobs[i].rc < 0 && c->jobs[i].err && !(c->jobs[i].err->errnum == ECANCELED)) {
			*err = c->jobs[i].err;
			c->jobs[i].err = NULL;
			goto out;
		}
	}
	for (size_t i = 0; i < m->n_entries; i++) {
		if (c->jobs[i].rc < 0) {
			*err = c->jobs[i].err;
			c->jobs[i].err = NULL;
			goto out;
		}
	}

	/* Manifests last: their presence is what makes a later pull a cache hit. */
	if (cc_store_put_blob(c->store, manifest_digest, manifest_body, manifest_len, err) < 0 ||
	    (index && cc_store_put_blob(c->store, top, top_body, top_len, err) < 0))
		goto out;
	rec.id = m->config.digest;
	rec.manifest_digest = (char *)manifest_digest;
	rec.manifest_media_type = m->media_type;
	rec.manifest_size = (int64_t)manifest_len;
	rec.config_digest = m->config.digest;
	rec.config_size = m->config.size;
	rec.created = cfg->created;
	rec.os = cfg->os;
	rec.arch = cfg->arch;
	rec.variant = cfg->variant;
	rec.n_layers = m->n_entries;
	rec.layers = calloc(m->n_entries + 1, sizeof(*rec.layers));
	if (rec.layers == NULL) {
		cc_error_set(err, ENOMEM, "pull");
		goto out;
	}
	for (size_t i = 0; i < m->n_entries; i++) {
		struct cc_layer_record *l = &rec.layers[i];
		l->blob_digest = m->entries[i].digest;
		l->media_type = m->entries[i].media_type;
		l->blob_size = m->entries[i].size;
		l->diff_id = cfg->diff_ids[i];
		l->chain_id = chains[i];
		l->unpacked_size = c->jobs[i].unpacked_size;
	}
	if (asprintf(&repo_digest, "%s@%s", repo, top) < 0) {
		cc_error_set(err, ENOMEM, "pull");
		goto out;
	}
	if (cc_store_record_image(c->store, &rec, tagname, top, repo_digest, err) < 0)
		goto out;
	/* Where the blobs came from, for push's cross-repository mounts: a
	 * hint only, so a failure to note it does not fail the pull. */
	for (size_t i = 0; i <= m->n_entries; i++) {
		cc_error *e = NULL;
		if (cc_store_blob_source_add(c->store, i < m->n_entries ? m->entries[i].digest : m->config.digest, repo,
					     &e) < 0)
			cc_error_free(e);
	}
	ret->image_id = strdup(rec.id);
	ret->digest = strdup(top);
	ret->up_to_date = !c->downloaded_any;
	rc = 0;
out:
	free(rec.layers);
	if (c->jobs) {
		for (size_t i = 0; i < c->n_layers; i++)
			cc_error_free(c->jobs[i].err);
		free(c->jobs);
		c->jobs = NULL;
	}
	cc_strvfreep(&chains);
	cc_image_config_free(cfg);
	free(config_data);
	cc_manifest_free(m);
	cc_manifest_free(index);
	return rc;
}

int cc_image_pull(struct cc_store *s, const char *reference, const struct cc_pull_options *opts,
		  struct cc_pull_result *ret, cc_error **err)
{
	struct cc_ref *ref = NULL;
	if (cc_ref_parse(reference, &ref, err) < 0)
		return -1;
	memset(ret, 0, sizeof(*ret));
	_cleanup_free_ char *what = cc_ref_string(ref);
	_cleanup_strv_ char **endpoints = cc_registry_endpoints(ref->domain, opts->tls_verify);
	int rc = -1;
	if (what == NULL || endpoints == NULL) {
		cc_error_set(err, ENOMEM, "pull");
		goto out;
	}
	if (cc_store_lock(s, false, err) < 0)
		goto out;
	for (char **ep = endpoints; *ep; ep++) {
		struct pull_ctx c = { .store = s, .repo_path = ref->path, .opts = opts };
		pthread_mutex_init(&c.lock, NULL);
		cc_error *e = NULL;
		if (cc_registry_new(ref->domain, *ep, opts->tls_verify, &c.reg, &e) == 0)
			rc = pull_from(&c, ref, what, ret, &e);
		cc_registry_free(c.reg);
		pthread_mutex_destroy(&c.lock);
		if (rc == 0)
			break;
		/* A mirror that is unreachable falls back to the next endpoint;
		 * any answer it gives (not found, denied) stands. */
		if (ep[1] == NULL || e == NULL || e->kind != CC_ERR_NETWORK) {
			*err = e;
			break;
		}
		cc_error_free(e);
	}
	if (rc == 0)
		ret->ref = steal_ptr(&what);
	cc_store_unlock(s);
out:
	cc_ref_free(ref);
	return rc;
}

int cc_image_resolve(struct cc_store *s, const char *what, char **ret_id, cc_error **err)
{
	_cleanup_strv_ char **names = cc_ref_candidates(what);
	size_t n = 0;
	while (names && names[n])
		n++;
	return cc_store_resolve_image(s, (const char *const *)names, n, what, ret_id, err);
}

int cc_registry_login(const char *domain, const char *user, const char *pass, bool tls_verify, cc_error **err)
{
	_cleanup_strv_ char **endpoints = cc_registry_endpoints(domain, tls_verify);
	if (endpoints == NULL)
		return cc_error_set(err, ENOMEM, "login");
	char **last = endpoints;
	while (last[1])
		last++;
	struct cc_registry *r = NULL;
	if (cc_registry_new(domain, *last, tls_verify, &r, err) < 0)
		return -1;
	/* Check the given credentials, not whatever the auth file holds. */
	int rc = cc_registry_set_credentials(r, user, pass, err);
	struct cc_http h = { 0 };
	if (rc == 0)
		rc = cc_registry_request(r, "GET", "/v2/", "application/json", 64 * 1024, NULL, &h, err);
	if (rc == 0 && h.status != 200)
		rc = cc_error_setk(err, CC_ERR_AUTH, 0, "login to %s: %s", domain,
				   h.status == 401 ? "unauthorized: incorrect username or password"
						   : "registry refused the credentials");
	cc_http_release(&h);
	cc_registry_free(r);
	return rc;
}
