/* Private to lib/image. */
#ifndef CC_IMAGE_INTERNAL_H
#define CC_IMAGE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "image.h"

/* Normalise a tar member name to a relative path ("" for the root); -1 when
 * it climbs out of the root with "..". */
int cc_layer_clean_path(const char *name, char *out, size_t outlen);
/* Copy src into tmp/<what>-<random> while hashing, fsynced: *ret_tmp is its
 * path, for cc_store_blob_commit (or unlink), and *ret_lock the fd whose
 * flock marks it in use (close it after either).  *ret_mt is sniffed from
 * the first bytes: gzip, zstd or plain tar. */
struct cc_store;
int cc_image_stage_blob_fd(struct cc_store *s, int src, const char *what, char digest[72], int64_t *ret_size,
			   const char **ret_mt, char **ret_tmp, int *ret_lock, cc_error **err);

/* ---- limits on unpacking (limits.c) ---- */

#define CC_ENV_MAX_LAYER_SIZE "CCONTAINER_MAX_LAYER_SIZE"
#define CC_ENV_MIN_FREE_SPACE "CCONTAINER_MIN_FREE_SPACE"
#define CC_MAX_LAYER_SIZE_DEFAULT (64LL << 30) /* 64 GiB */
#define CC_MIN_FREE_PERCENT_DEFAULT 2
#define CC_GUARD_CHECK_BYTES (32LL << 20)    /* statvfs again after this much written */
#define CC_GUARD_CHECK_ENTRIES 4096          /* or this many entries */

struct cc_unpack_limits {
	int64_t max_layer;    /* uncompressed bytes one layer may expand to; 0: no cap */
	int64_t min_free;     /* bytes to keep free on the store's filesystem; -1: a percentage */
	int min_free_percent; /* of its size (and of its inodes) when min_free is -1; 0: no reserve */
};
/* The defaults (64 GiB, 2%), or what CCONTAINER_MAX_LAYER_SIZE ("64g") and
 * CCONTAINER_MIN_FREE_SPACE ("2%", "500m", "0" for none) say. */
int cc_unpack_limits_get(struct cc_unpack_limits *l, cc_error **err);
/* bytes as the shortest size cc_parse_size reads back exactly ("64g", "1536k", "1000"). */
void cc_size_spelling(int64_t bytes, char *out, size_t len);
/* The reserve on a filesystem of fs_bytes and fs_inodes. */
void cc_space_reserve(const struct cc_unpack_limits *l, uint64_t fs_bytes, uint64_t fs_inodes, int64_t *ret_bytes,
		      uint64_t *ret_inodes);

/* The state of one unpack against the limits.  fd is any fd on the
 * filesystem written to (-1: the caller fills in avail/avail_inodes/
 * reserve itself, for tests). */
struct cc_space_guard {
	int fd;
	struct cc_unpack_limits limits;
	bool enabled, sized, has_inodes;
	int64_t reserve;             /* bytes to keep free */
	uint64_t reserve_inodes;
	int64_t avail;               /* bytes free (f_bavail) at the last statvfs */
	uint64_t avail_inodes;       /* f_favail then */
	int64_t block;               /* the filesystem's block size */
	int64_t since;               /* bytes (in blocks) written since then */
	uint64_t entries_since;      /* entries written since then */
	int64_t expanded;            /* uncompressed bytes so far, for the cap */
};
/* Fails with ENOSPC when the filesystem is below its reserve already. */
int cc_space_guard_init(struct cc_space_guard *g, int fd, const struct cc_unpack_limits *l, cc_error **err);
/* n more uncompressed bytes: fails when past the cap ("expands beyond N bytes"). */
int cc_space_guard_expand(struct cc_space_guard *g, int64_t n, cc_error **err);
/* The stream is at least pos + n bytes long (an entry of n bytes whose header
 * starts at pos): fails when that passes the cap, before reading the data. */
int cc_space_guard_at_least(const struct cc_space_guard *g, int64_t pos, int64_t n, cc_error **err);
/* An entry with `bytes` of data is about to be written: fails with ENOSPC
 * ("the store's filesystem is nearly full") when it would leave less than the
 * reserve.  statvfs runs only every CC_GUARD_CHECK_BYTES / _ENTRIES, or when
 * the numbers from the last one say no. */
int cc_space_guard_entry(struct cc_space_guard *g, int64_t bytes, cc_error **err);
/* cc_layer_unpack_fd with explicit limits in place of the environment's. */
int cc_layer_unpack_fd_limits(int fd, const char *dir, const struct cc_unpack_limits *limits, char ret_diff_id[72],
			      int64_t *ret_size, cc_error **err);

/* ---- registry HTTP client (registry.c) ---- */
struct cc_registry;

struct cc_http {
	long status;
	char *body;            /* NUL-terminated, GET only */
	size_t len;
	char content_type[256];
	char docker_digest[128];
	char www_auth[2048];
	char rl_limit[64], rl_remaining[64];
	char content_range[128];
	char location[2048];
	char retry_after[128];
	char range[128];       /* an upload's Range: "0-N" */
	char upload_uuid[128]; /* Docker-Upload-UUID */
	/* How the exchange went: requests sent (retries of 429, 5xx and, for
	 * small requests, transport errors), time spent waiting between them,
	 * and the wait a final Retry-After asked for when that was more than
	 * the budget allows (0 otherwise: a refused wait is never 0 s). */
	int attempts;
	int64_t waited_ms;
	int64_t refused_wait;
	int64_t max_wait;      /* the budget, seconds */
};
void cc_http_release(struct cc_http *h);
/* Why a request was not retried further, for an error line: "" when it
 * was tried once; " after N attempts"; or the refused Retry-After. */
void cc_http_retry_note(const struct cc_http *h, char *buf, size_t len);

/* Retry-After (RFC 9110 10.2.3): delay-seconds, or an HTTP-date in any of
 * the three forms (IMF-fixdate, RFC 850, asctime).  Seconds to wait from
 * `now` (0 for a date in the past, at most 10^9); -1 when it is neither. */
int64_t cc_retry_after_parse(const char *value, time_t now);

/* Check a blob response's headers against the request before its body is
 * read: `offset` is where the request's Range started (0: no Range), `size`
 * the manifest's size, content_range the header ("" when absent) and
 * content_length -1 when absent.  Returns CC_BLOB_OK, CC_BLOB_BAD_RANGE (a
 * 206 that is not the range asked for: retry from the same offset) or
 * CC_BLOB_TOO_BIG (the registry's blob is not the manifest's size), with
 * the reason in why. */
enum { CC_BLOB_OK = 0, CC_BLOB_BAD_RANGE = -1, CC_BLOB_TOO_BIG = -2 };
int cc_blob_response_check(long status, const char *content_range, int64_t content_length, int64_t offset,
			   int64_t size, char *why, size_t whylen);

/* A client for one registry endpoint.  endpoint is "http(s)://host[:port]";
 * domain is the registry the credentials and certs.d belong to. */
int cc_registry_new(const char *domain, const char *endpoint, bool tls_verify, struct cc_registry **ret,
		    cc_error **err);
void cc_registry_free(struct cc_registry *r);
/* Use these credentials instead of the auth file's (login checks them). */
int cc_registry_set_credentials(struct cc_registry *r, const char *user, const char *pass, cc_error **err);
const char *cc_registry_endpoint(const struct cc_registry *r);

/* GET or HEAD `path` (starting with /v2/), answering an auth challenge
 * once, retrying transient failures with backoff and 429/503 after their
 * Retry-After (within the wait budget).  A body over `max` bytes fails with
 * errno EFBIG ("registry sent more than N bytes"). */
int cc_registry_request(struct cc_registry *r, const char *method, const char *path, const char *accept,
			size_t max, const char *repo, struct cc_http *ret, cc_error **err);

/* Stream a blob of `size` bytes (the manifest's) from byte `offset`:
 * sink() gets the body from that offset on (a registry that ignores Range
 * is handled by skipping).  sink returns 0, or negative to abort (its error
 * then stands).  The response's headers are checked before its body (see
 * cc_blob_response_check).  Redirects are followed without the
 * Authorization header leaving the registry's host.  Transport errors are
 * not retried here: *ret_resumable says whether another request from the
 * new offset may cure the failure (a broken or too slow transfer, a wrong
 * Content-Range), as opposed to an answer that stands (404, 401, a 429
 * whose Retry-After is over budget, a 5xx after its retries). */
typedef int (*cc_blob_sink)(const void *buf, size_t len, void *data);
int cc_registry_blob(struct cc_registry *r, const char *repo, const char *digest, int64_t size, int64_t offset,
		     cc_blob_sink sink, void *data, bool *ret_resumable, cc_error **err);

/* ---- uploads (push) ---- */

/* A request body: `len` bytes from fd at `off`, or from mem when fd < 0.
 * *sent (when set) counts the bytes that went out, retries included. */
struct cc_upload_body {
	int fd;
	const char *mem;
	int64_t off, len;
	int64_t *sent;
};

/* Ask for the push scope (repository:<repo>:pull,push) in token requests,
 * plus `extra` scopes (a mount's source: "repository:<from>:pull"). */
int cc_registry_set_push(struct cc_registry *r, const char *repo, const char *extra, cc_error **err);

/* Any method to a path on the registry ("/v2/...") or to a URL the registry
 * returned (an upload's Location, already resolved with
 * cc_upload_location_resolve).  The Authorization header goes only to the
 * registry's own scheme, host and port.  headers: "Name: value" strings,
 * NULL-terminated (or NULL).  Answers 429/5xx are retried as every request
 * is; a body that went out (PATCH/PUT) is sent again only for those, never
 * after a transport error (the caller asks the upload's status). */
int cc_registry_send(struct cc_registry *r, const char *method, const char *path_or_url, const char *const *headers,
		     const struct cc_upload_body *body, size_t max, const char *repo, struct cc_http *ret,
		     cc_error **err);

/* Resolve an upload's Location against the endpoint ("http(s)://host[:port]"):
 * absolute (http or https only), or absolute-path ("/v2/..."); anything else
 * is refused.  *ret_same_origin says whether it is on the registry's own
 * scheme, host and port (credentials may go there).  Pure, unit-tested. */
int cc_upload_location_resolve(const char *endpoint, const char *location, char **ret_url, bool *ret_same_origin);
/* The upload's URL with "digest=<d>" added to its query. */
char *cc_upload_url_with_digest(const char *url, const char *digest);
/* An upload's Range header ("0-N", also "bytes=0-N"): the offset the next
 * chunk starts at (N+1; "0-0" and an absent header: 0).  -1 when malformed. */
int64_t cc_upload_range_next(const char *value);

/* Whether a host part ("localhost:5000", "127.0.0.1", "[::1]:5000") is this machine. */
bool cc_registry_is_loopback(const char *domain);

/* Endpoints to try for a domain: configured mirrors first, then the
 * registry itself.  NULL-terminated vector of "scheme://host". */
char **cc_registry_endpoints(const char *domain, bool tls_verify);

#endif
