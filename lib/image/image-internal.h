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
/* Copy src into the blob store while hashing (a temp file named after
 * what, fsynced, renamed to its digest); *ret_mt is sniffed from the
 * first bytes: gzip, zstd or plain tar. */
struct cc_store;
int cc_image_store_blob_fd(struct cc_store *s, int src, const char *what, char digest[72], int64_t *ret_size,
			   const char **ret_mt, cc_error **err);

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
