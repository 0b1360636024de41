/* lib/image: image references, the registry client, manifests and configs,
 * layer unpacking, and the operations built from them (pull, import).
 * Depends on lib/store only. */
#ifndef CC_IMAGE_H
#define CC_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "util/error.h"

/* ---- references ------------------------------------------------------- */

/* A normalised reference, as docker's distribution/reference has it:
 * "alpine" is domain "docker.io", path "library/alpine", tag "latest". */
struct cc_ref {
	char *domain;  /* "docker.io", "localhost:5000", "[::1]:5000" */
	char *path;    /* "library/alpine" */
	char *tag;     /* NULL when only a digest was given */
	char *digest;  /* "sha256:..." or NULL */
};

int cc_ref_parse(const char *s, struct cc_ref **ret, cc_error **err);
void cc_ref_free(struct cc_ref *r);
/* "docker.io/library/alpine" */
char *cc_ref_repo(const struct cc_ref *r);
/* "docker.io/library/alpine:latest", or "...@sha256:..." when a digest was given (it wins over a tag). */
char *cc_ref_string(const struct cc_ref *r);
/* Docker's short display form of a repository: "alpine", "localhost:5000/x". */
char *cc_ref_familiar_repo(const char *repo);
/* Host to talk to for a domain: docker.io -> registry-1.docker.io. */
const char *cc_ref_api_host(const char *domain);
/* Candidate store names for what a user typed (for cc_store_resolve_image):
 * the normalised reference when it parses.  Returns a NULL-terminated vector. */
char **cc_ref_candidates(const char *s);

/* ---- registry authentication ------------------------------------------ */

struct cc_challenge {
	char *scheme;  /* "Bearer" or "Basic" */
	char *realm, *service, *scope;
};
/* Parse a WWW-Authenticate value (auth-param list, quoted values may hold commas). */
int cc_challenge_parse(const char *header, struct cc_challenge *ret, cc_error **err);
void cc_challenge_release(struct cc_challenge *c);

/* Credentials for a registry domain, from REGISTRY_AUTH_FILE,
 * $XDG_RUNTIME_DIR/containers/auth.json or ~/.docker/config.json (first
 * file that has an entry).  Returns 0 and NULLs when there are none. */
int cc_auth_lookup(const char *domain, char **ret_user, char **ret_pass, cc_error **err);
/* Write (or with user == NULL remove) the entry in the file login uses. */
int cc_auth_save(const char *domain, const char *user, const char *pass, char **ret_path, cc_error **err);
/* The auth file `login` writes: REGISTRY_AUTH_FILE, else
 * $XDG_RUNTIME_DIR/containers/auth.json, else ~/.docker/config.json. */
char *cc_auth_file_path(void);

/* ---- manifests and configs -------------------------------------------- */

#define CC_MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define CC_MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define CC_MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define CC_MT_OCI_LAYER "application/vnd.oci.image.layer.v1.tar"
#define CC_MT_OCI_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define CC_MT_OCI_LAYER_ZSTD "application/vnd.oci.image.layer.v1.tar+zstd"
#define CC_MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define CC_MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define CC_MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define CC_MT_DOCKER_LAYER "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define CC_MT_DOCKER_FOREIGN "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
#define CC_MANIFEST_MAX (4 * 1024 * 1024)
#define CC_CONFIG_MAX (8 * 1024 * 1024)

struct cc_descriptor {
	char *media_type;
	char *digest;
	int64_t size;
	/* index entries only */
	char *os, *arch, *variant;
	bool attestation;
};

struct cc_manifest {
	char *media_type;
	bool is_index;
	struct cc_descriptor config;          /* image manifests */
	struct cc_descriptor *entries;        /* layers, or index entries */
	size_t n_entries;
};

int cc_manifest_parse(const char *data, size_t len, const char *content_type, struct cc_manifest **ret,
		      cc_error **err);
void cc_manifest_free(struct cc_manifest *m);

struct cc_platform {
	char os[32], arch[32], variant[32];
};
/* This machine's platform in Go's names (linux/amd64, linux/arm64/v8, ...). */
void cc_platform_host(struct cc_platform *p);
/* Parse "os/arch[/variant]". */
int cc_platform_parse(const char *s, struct cc_platform *p, cc_error **err);
/* Pick the index entry for a platform (exact variant, then compatible
 * lower ones; attestations skipped).  On no match, CC_ERR_NOT_FOUND with the
 * available platforms listed. */
int cc_manifest_select(const struct cc_manifest *index, const struct cc_platform *want,
		       const struct cc_descriptor **ret, cc_error **err);

/* The parts of an image config the tools need. */
struct cc_image_config {
	char *os, *arch, *variant, *created;
	char **diff_ids;  /* rootfs.diff_ids, bottom first */
	size_t n_diff_ids;
};
int cc_image_config_parse(const char *data, size_t len, struct cc_image_config **ret, cc_error **err);
void cc_image_config_free(struct cc_image_config *c);
/* ChainID(L0..Ln) = sha256(ChainID(L0..Ln-1) + " " + DiffID(Ln)). out[i] for each layer. */
int cc_chain_ids(char *const *diff_ids, size_t n, char ***ret, cc_error **err);

/* ---- layers ----------------------------------------------------------- */

/* Unpack one layer stream (tar, gzip or zstd; sniffed) read from fd into
 * the directory dir, converting OCI whiteouts to overlayfs ones.  Computes
 * the diff ID (sha256 of the uncompressed tar) and the unpacked size.
 * Nothing is ever written outside dir. */
int cc_layer_unpack_fd(int fd, const char *dir, char ret_diff_id[72], int64_t *ret_size, cc_error **err);
/* system check with the layers verified: cc_store_check with a hook that
 * compares every layer directory an image uses with what its blob unpacks
 * to (and with ck->repair unpacks it again when it differs or is missing). */
int cc_image_check(struct cc_store *s, struct cc_check *ck, cc_error **err);
/* Copy the data of the entry just read from in (a reading libarchive
 * handle) to out (a writing one): ARCHIVE_EOF once all of it went, else
 * the status that stopped it (the handles hold the message).  A write that
 * failed or fell short (libarchive's ARCHIVE_WARN) stops it too, with its
 * errno in *ret_write_errno (0 when reading stopped it). */
struct archive;
int cc_archive_copy_data(struct archive *in, struct archive *out, int *ret_write_errno);
/* errno values that mean the disk failed, not that a detail did not fit:
 * ENOSPC, EDQUOT, EIO, EFBIG, EROFS, ENOMEM, EMLINK. */
bool cc_disk_errno(int e);

/* ---- pull ------------------------------------------------------------- */

enum cc_pull_event {
	CC_PULL_RESOLVED,   /* manifest known; n_layers set */
	CC_PULL_EXISTS,     /* layer i already in the store */
	CC_PULL_WAITING,    /* layer i queued */
	CC_PULL_PROGRESS,   /* layer i: current/total bytes */
	CC_PULL_VERIFYING,  /* layer i downloaded, finishing unpack and checks */
	CC_PULL_DONE,       /* layer i complete */
	CC_PULL_RESUMING,   /* layer i resumes at `current` bytes */
};

struct cc_pull_progress {
	enum cc_pull_event event;
	size_t index;
	size_t n_layers;
	const char *digest;
	int64_t current, total;
};

struct cc_pull_options {
	const char *platform;   /* "os/arch[/variant]" or NULL for this machine */
	int jobs;               /* parallel layer downloads, default 3 */
	bool tls_verify;        /* default true */
	/* Called from several threads, serialised by the caller-provided lock-free
	 * contract: pull holds an internal mutex around each call. */
	void (*progress)(const struct cc_pull_progress *p, void *data);
	void *progress_data;
};

struct cc_pull_result {
	char *image_id;   /* sha256:... (config digest) */
	char *digest;     /* what the reference resolved to at the registry */
	char *ref;        /* normalised reference string */
	bool up_to_date;  /* nothing new was downloaded */
};
void cc_pull_result_release(struct cc_pull_result *r);

int cc_image_pull(struct cc_store *s, const char *reference, const struct cc_pull_options *opts,
		  struct cc_pull_result *ret, cc_error **err);

/* ---- push (push.c) ---------------------------------------------------- */

enum cc_push_event {
	CC_PUSH_PREPARING,  /* layer i queued */
	CC_PUSH_PUSHING,    /* layer i: current bytes acknowledged by the registry */
	CC_PUSH_RESUMING,   /* layer i: an earlier upload continues at `current` */
	CC_PUSH_PUSHED,     /* layer i uploaded */
	CC_PUSH_EXISTS,     /* layer i: the registry has it */
	CC_PUSH_MOUNTED,    /* layer i mounted from repository `from` */
};

struct cc_push_progress {
	enum cc_push_event event;
	size_t index, n_layers;
	const char *digest;
	int64_t current, total;
	const char *from;
};

struct cc_push_options {
	int jobs;               /* parallel blob uploads, default 3 */
	bool tls_verify;
	const char *format;     /* NULL (as stored), "oci" or "v2s2" */
	bool put_by_digest;     /* the manifest by digest too (after the tag) */
	const char *compression; /* NULL: layers as stored; "gzip" or "zstd": layers
	                            compressed otherwise (or at another level) are
	                            recompressed (cc_image_recompress_layer) */
	int compression_level;  /* -1: the format's default */
	int64_t *bytes_sent;    /* when set: request body bytes sent, retries included */
	void (*progress)(const struct cc_push_progress *p, void *data); /* serialised */
	void *progress_data;
};

struct cc_push_result {
	char *digest;   /* of the manifest pushed */
	int64_t size;   /* its size */
	char *tag;      /* the tag pushed */
	char *ref;      /* normalised destination */
};
void cc_push_result_release(struct cc_push_result *r);

/* Push stored image `image_id` to `dest` (a reference with a tag; "latest" when none). */
int cc_image_push(struct cc_store *s, const char *image_id, const char *dest, const struct cc_push_options *opts,
		  struct cc_push_result *ret, cc_error **err);

/* A layer blob compressed as format ("gzip" or "zstd") at level (-1: the
 * default), as a blob of the store: the source decompressed (gzip, zstd or
 * none) and compressed again, the same tar (the config's diff IDs stay).
 * Kept: the next call finds it (cache/recompress/<hex>-<format>-<level>
 * names the digest), so a second push uploads nothing. */
int cc_image_recompress_layer(struct cc_store *s, const char *digest, const char *format, int level,
			      char **ret_digest, int64_t *ret_size, cc_error **err);

/* Registry login check: ping /v2/ with the credentials. */
int cc_registry_login(const char *domain, const char *user, const char *pass, bool tls_verify, cc_error **err);

/* Import a rootfs tarball (any compression libarchive reads) as a one-layer image. */
int cc_image_import(struct cc_store *s, const char *tarball, const char *reference, char **ret_image_id,
		    cc_error **err);

/* ---- save / load (archive.c) ---------------------------------------- */

enum cc_archive_format {
	CC_ARCHIVE_DOCKER,   /* manifest.json + uncompressed layers, and an OCI
	                        layout over the same blobs (docker >= 25) */
	CC_ARCHIVE_OCI,      /* OCI image layout, stored blobs byte for byte */
};

struct cc_save_image {
	const char *id;      /* image ID */
	const char *name;    /* normalised name to record, or NULL */
};

/* Write images as one tar to fd. */
int cc_image_save(struct cc_store *s, const struct cc_save_image *images, size_t n, enum cc_archive_format fmt,
		  int fd, cc_error **err);
/* Load every image of a docker-archive or oci-archive (compressed or not)
 * read from fd, verifying digests and diff IDs; loaded() is called with
 * each name recorded (NULL for an image without one) and the image ID. */
int cc_image_load(struct cc_store *s, int fd, void (*loaded)(const char *name, const char *id, void *data),
		  void *data, cc_error **err);

/* What an image says about running it: its config's `config` object plus
 * the unpacked layer directories, topmost first (overlay lowerdir order). */
struct cc_run_config {
	char **env;          /* "K=V" */
	char **entrypoint;   /* NULL when unset */
	char **cmd;          /* NULL when unset */
	char *workdir;
	char *user;
	char *stop_signal;
	char **labels;        /* "K=V", the config's string labels */
	char **exposed_ports; /* "80/tcp" */
	char **volumes;       /* the config's Volumes: "/data" */
	char **layer_dirs;   /* topmost first */
	size_t n_layers;
};
int cc_image_run_config(struct cc_store *s, const char *image_id, struct cc_run_config **ret, cc_error **err);
/* The same from a config's bytes (no layers: layer_dirs is empty). */
int cc_run_config_parse(const char *data, size_t len, struct cc_run_config **ret, cc_error **err);
void cc_run_config_free(struct cc_run_config *c);

/* Resolve what a user typed to a stored image ID. */
int cc_image_resolve(struct cc_store *s, const char *what, char **ret_id, cc_error **err);

#endif
