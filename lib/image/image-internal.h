/* Private to lib/image. */
#ifndef CC_IMAGE_INTERNAL_H
#define CC_IMAGE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image.h"

/* Normalise a tar member name to a relative path ("" for the root); -1 when
 * it climbs out of the root with "..". */
int cc_layer_clean_path(const char *name, char *out, size_t outlen);
/* Copy src into tmp/<what>-<random> while hashing, fsynced: *ret_tmp is its
 * path, for cc_store_blob_commit_file (or unlink).  *ret_mt is sniffed from
 * the first bytes: gzip, zstd or plain tar. */
struct cc_store;
int cc_image_stage_blob_fd(struct cc_store *s, int src, const char *what, char digest[72], int64_t *ret_size,
			   const char **ret_mt, char **ret_tmp, cc_error **err);

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
};
void cc_http_release(struct cc_http *h);

/* A client for one registry endpoint.  endpoint is "http(s)://host[:port]";
 * domain is the registry the credentials and certs.d belong to. */
int cc_registry_new(const char *domain, const char *endpoint, bool tls_verify, struct cc_registry **ret,
		    cc_error **err);
void cc_registry_free(struct cc_registry *r);
/* Use these credentials instead of the auth file's (login checks them). */
int cc_registry_set_credentials(struct cc_registry *r, const char *user, const char *pass, cc_error **err);
const char *cc_registry_endpoint(const struct cc_registry *r);

/* GET or HEAD `path` (starting with /v2/), answering an auth challenge
 * once, retrying transient failures with backoff.  Body capped at max. */
int cc_registry_request(struct cc_registry *r, const char *method, const char *path, const char *accept,
			size_t max, const char *repo, struct cc_http *ret, cc_error **err);

/* Stream a blob from byte `offset`: sink() gets the body from that offset
 * on (a registry that ignores Range is handled by skipping).  sink returns
 * 0, or negative to abort (its error then stands).  Redirects are followed
 * without the Authorization header leaving the registry's host. */
typedef int (*cc_blob_sink)(const void *buf, size_t len, void *data);
int cc_registry_blob(struct cc_registry *r, const char *repo, const char *digest, int64_t offset,
		     cc_blob_sink sink, void *data, cc_error **err);

/* Endpoints to try for a domain: configured mirrors first, then the
 * registry itself.  NULL-terminated vector of "scheme://host". */
char **cc_registry_endpoints(const char *domain, bool tls_verify);

#endif
