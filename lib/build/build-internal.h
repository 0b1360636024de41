/* lib/build private interfaces.
 *
 *   parser.c      recipe text -> struct cc_recipe
 *   shell.c       docker's shell-word lexer ($VAR, quotes) and parseWords
 *   plan.c        recipe -> struct cc_build_plan (stages, ARG scope)
 *   steps.c       one instruction -> one resolved step
 *   ignore.c      .dockerignore matcher (moby/patternmatcher)
 *   copy.c        COPY/ADD sources: globbing, hashing, copying, extracting
 *   layer-pack.c  an overlay upper dir -> a gzip'd OCI layer blob
 *   config.c      the image config and manifest a step produces
 *   builder.c     cc_build(): the plan executed against the store
 */
#ifndef CC_BUILD_INTERNAL_H
#define CC_BUILD_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include <signal.h>
#include <sys/types.h>

#include "build.h"
#include "util/util.h"

/* The PATH a build's config gets when its base has none (BuildKit's). */
#define CC_BUILD_DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* ---- string vectors (NULL-terminated, malloc'd) ---- */
size_t cc_strv_len(char *const *v);
/* Append a copy of s (s may be NULL: nothing); -ENOMEM on failure. */
int cc_strv_push(char ***v, const char *s);
/* Append s itself (taken over, freed on failure). */
int cc_strv_take(char ***v, char *s);
char **cc_strv_dup(char *const *v);
/* Set "K=V" in an env vector, replacing an existing K. */
int cc_strv_setenv(char ***v, const char *kv);
/* Value of K in a "K=V" vector (last wins), or NULL. */
const char *cc_strv_getenv(char *const *v, const char *key, size_t keylen);

/* Go's filepath.Clean ("" -> "."). */
char *cc_go_clean(const char *path);

/* BuildKit's parseWords: split at unquoted whitespace, quotes and escapes
 * kept in the words (they are processed later by cc_shell_word). */
int cc_parse_words(const char *text, char escape, char ***ret, cc_error **err);

/* Error with the recipe location: "FILE:LINE: " + message, CC_ERR_INVALID. */
int cc_recipe_error(cc_error **err, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* ---- plan.c / steps.c ---- */

/* The image as the plan simulates it while walking a stage. */
struct plan_state {
	char **env;        /* the image's Env */
	char **args;       /* ARGs in scope with a value, "K=V" */
	char *workdir;     /* "" = unset ("/") */
	char *user;
	char **shell;
	bool cmd_set;      /* CMD given in this stage */
};

struct plan_ctx {
	const struct cc_recipe *r;
	const struct cc_plan_options *o;
	struct cc_build_plan *plan;
	char **meta;             /* meta args with values, "K=V" */
	char **meta_names;       /* every meta arg declared (with or without value) */
	char **build_args;
	bool *consumed;
	int ctxfd;               /* the context directory */
	struct plan_state *finals;    /* per stage: the state after its last step */
	cc_error **err;
};

/* --build-arg value of name (NULL when not given); consume marks it used. */
const char *cc_plan_build_arg(struct plan_ctx *c, const char *name, bool consume);
bool cc_plan_is_proxy_arg(const char *name, size_t n);
/* Value of --name on an instruction (NULL: absent; "" for a bare --name). */
const char *cc_plan_flag(const struct cc_instr *in, const char *name);
/* Unknown flags and flags we do not support are recipe errors. */
int cc_plan_check_flags(struct plan_ctx *c, const struct cc_instr *in, const char *const *allowed,
			const char *const *unsupported);
/* ARG in a stage (in_stage) or before the first FROM (meta args). */
int cc_plan_arg(struct plan_ctx *c, const struct cc_instr *in, struct plan_state *s, bool in_stage);
/* One instruction of stage stage_idx into st; s is updated. */
int cc_plan_step(struct plan_ctx *c, const struct cc_instr *in, size_t stage_idx, struct plan_state *s,
		 struct cc_build_step *st);
int cc_plan_make_key(struct cc_build_step *st);

/* ---- copy.c ---- */

/* Open a directory to be used as a root for RESOLVE_IN_ROOT lookups. */
int cc_copy_open_root(const char *dir, int *ret_fd, cc_error **err);
/* openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS); -errno on failure. */
int cc_open_in_root(int rootfd, const char *path, int flags);

/* Expand COPY sources (globs, Go's filepath.Match syntax) against rootfd,
 * skipping ignored paths; *ret gets the matching paths relative to the
 * root (clean, no leading "/"), in the order docker copies them.  A glob
 * that matches nothing is left out (COPY package.json yarn.lock* ./);
 * CC_ERR_NOT_FOUND when a plain path does not exist (or is excluded: an
 * excluded directory counts only for what "!" rules re-include in it),
 * and when no source matches at all.  where names the root in messages
 * (NULL: "the build context"). */
int cc_copy_expand(int rootfd, const struct cc_ignore *ign, char *const *patterns, const char *where, char ***ret,
		   cc_error **err);
/* Digest of the sources' content and metadata (relative path, type, mode,
 * uid/gid, size, symlink target, file bytes; never mtimes or the root's
 * own path), ignored paths skipped.  out is "sha256:...". */
int cc_copy_digest(int rootfd, const struct cc_ignore *ign, char *const *sources, char out[72],
		   volatile sig_atomic_t *cancel, cc_error **err);

struct cc_copy_opts {
	bool chown;              /* uid/gid apply (else 0:0) */
	uid_t uid;
	gid_t gid;
	int chmod;               /* -1: keep the source's mode */
	const char *chmod_sym;   /* symbolic --chmod applied to the source's mode */
	bool extract;            /* ADD: unpack local tar archives */
	const char *stage_dir;   /* ADD: scratch space for extraction */
	volatile sig_atomic_t *cancel;
};

/* Copy sources (relative to srcfd, already expanded) to dest inside the
 * root dstfd, with docker's rules for files, directories and a trailing
 * "/" on dest.  Every destination path is resolved inside dstfd
 * (RESOLVE_IN_ROOT), so symlinks in the image never lead outside. */
int cc_copy_run(int srcfd, const struct cc_ignore *ign, char *const *sources, const struct cc_copy_file *files,
		size_t n_files, int dstfd, const char *dest, const struct cc_copy_opts *o, cc_error **err);
/* Resolve --chown "user[:group]" with the image's /etc/passwd and
 * /etc/group under rootfd; a user without a group gets gid = uid (docker). */
int cc_copy_resolve_chown(int rootfd, const char *spec, uid_t *ret_uid, gid_t *ret_gid, cc_error **err);
/* mkdir -p of an absolute path inside the root (0755, root-owned). */
int cc_copy_mkdir_in_root(int rootfd, const char *path, cc_error **err);
/* The same, the directories it creates owned by uid:gid; *ret_created
 * tells whether it created any. */
int cc_copy_mkdir_owned(int rootfd, const char *path, uid_t uid, gid_t gid, bool *ret_created, cc_error **err);
/* --chmod: an octal mode sets *ret_mode; a symbolic one (chmod(1)'s
 * "[ugoa]*[-+=][rwxXst]*|[ugo]", comma-separated) is valid with
 * *ret_mode = -1.  -1 when it is neither. */
int cc_chmod_check(const char *spec, int *ret_mode);
/* A checked symbolic spec applied to mode (dir: X applies). */
mode_t cc_chmod_apply(const char *spec, mode_t mode, bool dir);
/* A file fetched for ADD (a URL): placed like a file source named name,
 * with mode 0600 (unless --chmod), mtime as given. */
int cc_copy_put_fetched(int fd, const char *name, int64_t mtime, int dstfd, const char *dest, size_t n_sources,
			const struct cc_copy_opts *o, cc_error **err);

/* ---- fetch.c ---- */

/* Download an ADD URL into path (created 0600), at most
 * CC_BUILD_MAX_ADD_URL bytes; *ret_mtime is Last-Modified (seconds) or
 * -1, digest the content's "sha256:...".  On failure path is gone. */
int cc_build_fetch(const char *url, const char *path, int64_t *ret_mtime, char digest[72],
		   volatile sig_atomic_t *cancel, cc_error **err);

/* ---- config.c ---- */

struct cc_image_record;
struct cc_layer_record;


/* The config a build on "scratch" starts from (this machine's platform). */
json_t *cc_bcfg_scratch(void);
/* An image's config, without what described its own build. */
int cc_bcfg_load(struct cc_store *s, const struct cc_image_record *r, json_t **ret, cc_error **err);
/* Apply a step: its config change, a history entry, created; diff_id
 * (NULL for config-only steps) is appended to rootfs.diff_ids. */
int cc_bcfg_apply(json_t *root, const struct cc_build_step *st, const char *created, const char *diff_id,
		  cc_error **err);
/* The OCI media type for a layer stored under a docker one. */
const char *cc_bcfg_oci_layer_type(const char *mt);
/* Store config and manifest (OCI, or docker schema 2 when docker), record
 * the image (untagged).  The layers' media types are rewritten to the
 * manifest's kind. */
int cc_bcfg_commit(struct cc_store *s, json_t *root, struct cc_layer_record *layers, size_t n, bool docker,
		   char **ret_id, cc_error **err);

/* ---- layer-pack.c ---- */

struct cc_packed_layer {
	char blob_digest[72];    /* of the gzip stream */
	char diff_id[72];        /* of the tar */
	int64_t blob_size;
	int64_t unpacked_size;   /* bytes of regular files */
};

/* Write the overlay upper dir as an OCI layer: a tar in which whiteout
 * devices (0/0) become ".wh.NAME" and opaque directories get a
 * "DIR/.wh..wh..opq" right after the directory's own entry, gzip'd into
 * blob_path (created, fsync'd).  trusted.overlay.* xattrs are left out of
 * the tar and removed from the upper dir, which is then a clean layer
 * directory in the store's format. */
struct cc_pack_opts {
	int64_t clamp_mtime;     /* >= 0: later file times written as this */
	bool plain;              /* an uncompressed tar (build --output) */
	bool keep_upper;         /* upper is left as it is (commit: a live
	                            container's upper dir, its overlay
	                            bookkeeping kept) */
};
int cc_layer_pack(const char *upper, const char *blob_path, const struct cc_pack_opts *po, struct cc_packed_layer *ret,
		  volatile sig_atomic_t *cancel, cc_error **err);

#endif
