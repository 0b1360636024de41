/* lib/build: Containerfile/Dockerfile recipes and the builder.
 *
 * Three stages, each usable on its own (the first two need no root and no
 * store, so the unit tests drive them directly):
 *
 *   cc_recipe_parse()  text -> instructions (lines, continuations, heredocs,
 *                      JSON forms, flags); syntax errors are "FILE:LINE: msg"
 *   cc_build_plan()    instructions -> stages of fully resolved steps: ARG
 *                      scoping, $VAR substitution, stage references, COPY
 *                      sources checked (and hashed) against the context;
 *                      every recipe error is found here, before any step runs
 *   cc_build()         plan -> images in the store: RUN through the runtime,
 *                      COPY/ADD into an overlay, one layer per RUN/COPY/ADD,
 *                      config-only steps as empty_layer history, a cache of
 *                      step results keyed on what each step depends on
 *
 * Depends on lib/image (references, pull, layers), lib/store and
 * lib/runtime.  Never prints: progress goes through an event callback.
 */
#ifndef CC_BUILD_H
#define CC_BUILD_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/runtime.h"
#include "store/store.h"
#include "util/error.h"

/* Input bounds. */
#define CC_BUILD_MAX_RECIPE (1024 * 1024)      /* bytes of a Containerfile */
#define CC_BUILD_MAX_LINE (256 * 1024)         /* one logical line */
#define CC_BUILD_MAX_INSTRUCTIONS 4096
#define CC_BUILD_MAX_STAGES 128
#define CC_BUILD_MAX_IGNORE (1024 * 1024)      /* bytes of a .dockerignore */
#define CC_BUILD_MAX_ADD_URL (1024LL * 1024 * 1024) /* bytes of one ADD http(s) source */

/* ---- .containerignore / .dockerignore ------------------------------------
 * docker's rules exactly (moby/patternmatcher): patterns are cleaned like
 * Go's filepath.Clean, "**" spans directories, "!" re-includes, a path is
 * excluded when it or one of its parent directories matches the last
 * pattern that decides about it. */
struct cc_ignore;

/* Compile patterns as patternmatcher.New() takes them (whitespace trimmed,
 * cleaned, "!" exceptions).  Syntax errors (Go's filepath.Match rules:
 * "[", "[]a]", "a\" ...) are CC_ERR_INVALID. */
int cc_ignore_new(const char *const *patterns, size_t n, struct cc_ignore **ret, cc_error **err);
/* Read an ignore file's text the way docker's ignorefile.ReadAll does
 * (BOM, "#" comments, leading "/" dropped), then compile it. */
int cc_ignore_parse(const char *text, size_t len, struct cc_ignore **ret, cc_error **err);
/* MatchesOrParentMatches: path is slash-separated, relative to the
 * context ("dir/file"). */
bool cc_ignore_matches(const struct cc_ignore *m, const char *path);
/* MatchesExact: no parent directory matching. */
bool cc_ignore_matches_exact(const struct cc_ignore *m, const char *path);
/* Whether any "!" pattern exists (an excluded directory must then still
 * be walked: something inside may be re-included). */
bool cc_ignore_has_exceptions(const struct cc_ignore *m);
/* The compiled patterns, "!" kept (for tests and debugging). */
size_t cc_ignore_count(const struct cc_ignore *m);
const char *cc_ignore_pattern(const struct cc_ignore *m, size_t i);
void cc_ignore_free(struct cc_ignore *m);

/* ---- recipes -------------------------------------------------------------- */

enum cc_instr_kind {
	CC_I_FROM,
	CC_I_RUN,
	CC_I_COPY,
	CC_I_ADD,
	CC_I_ENV,
	CC_I_ARG,
	CC_I_WORKDIR,
	CC_I_CMD,
	CC_I_ENTRYPOINT,
	CC_I_USER,
	CC_I_LABEL,
	CC_I_EXPOSE,
	CC_I_VOLUME,
	CC_I_SHELL,
	CC_I_STOPSIGNAL,
	CC_I_HEALTHCHECK,
	CC_I_ONBUILD,
	CC_I_MAINTAINER,
};

/* Upper-case name of an instruction ("RUN"). */
const char *cc_instr_name(enum cc_instr_kind k);

struct cc_heredoc {
	char *name;       /* delimiter, unquoted ("EOF") */
	char *data;       /* the lines between, each ending in "\n" */
	bool expand;      /* delimiter was not quoted: $VAR applies (COPY) */
	bool chomp;       /* "<<-": leading tabs removed from data and delimiter */
};

struct cc_instr {
	enum cc_instr_kind kind;
	int line;                 /* line of the instruction keyword */
	char *text;               /* as written, continuations joined (display) */
	char **flags;             /* "--name=value" / "--name", NULL-terminated */
	bool json;                /* exec (JSON array) form */
	char **args;              /* JSON form: the array; otherwise one string:
	                             the rest of the line after the flags */
	struct cc_heredoc *heredocs;
	size_t n_heredocs;
};

struct cc_recipe {
	char *file;               /* name used in error messages */
	char escape;              /* '\\' or '`' (# escape= directive) */
	struct cc_instr *instrs;
	size_t n;
};

/* Parse a recipe.  Errors are CC_ERR_INVALID with "FILE:LINE: message". */
int cc_recipe_parse(const char *file, const char *text, size_t len, struct cc_recipe **ret, cc_error **err);
void cc_recipe_free(struct cc_recipe *r);

/* ---- variable substitution (docker's shell lexer) ------------------------- */

/* ProcessWord: quotes removed, $VAR ${VAR} ${VAR:-w} ${VAR:+w} ${VAR-w}
 * ${VAR+w} ${VAR:?w} ${VAR?w} expanded from env ("K=V", NULL-terminated,
 * later entries win).  escape is the recipe's escape character. */
int cc_shell_word(const char *word, char escape, char *const *env, char **ret, cc_error **err);
/* ProcessWords: the same, split into words at unquoted whitespace
 * (whitespace inside expanded values splits too). */
int cc_shell_words(const char *text, char escape, char *const *env, char ***ret, cc_error **err);

/* ---- build flags and RUN --mount (flags.c) -------------------------------
 * Pure parsers (no store, no root): the unit tests and the fuzz target
 * drive them directly.  Each takes docker's (buildx's / BuildKit's)
 * comma-separated key=value syntax; a field may be double-quoted as in a
 * CSV record.  Errors are CC_ERR_INVALID, one line naming the bad part. */

#define CC_BUILD_MAX_SECRET (500 * 1024)   /* BuildKit's limit on a secret */

enum cc_run_mount_type {
	CC_MOUNT_BIND,        /* the default type */
	CC_MOUNT_CACHE,
	CC_MOUNT_TMPFS,
	CC_MOUNT_SECRET,
};

enum cc_cache_sharing {
	CC_SHARING_SHARED,    /* the default */
	CC_SHARING_PRIVATE,
	CC_SHARING_LOCKED,
};

struct cc_run_mount {
	enum cc_run_mount_type type;
	char *target;         /* as written; the plan makes it absolute
	                         (secret: default /run/secrets/ID) */
	char *source;         /* bind, cache: path inside from (NULL: its root) */
	char *from;           /* bind, cache: stage, image or build context */
	char *id;             /* cache (default: target), secret (default:
	                         target's base name) */
	char *env;            /* secret: also (or only) an environment variable */
	bool readonly;        /* bind: true unless rw; cache: ro given */
	bool required;        /* secret: fail when not given to build */
	enum cc_cache_sharing sharing;
	int mode;             /* cache, secret: -1 for the default */
	int64_t uid, gid;     /* cache, secret: -1 for the default (0) */
	int64_t size;         /* tmpfs: bytes, 0 unlimited */
	/* resolved by the plan (bind from=): */
	int from_stage;       /* an earlier stage, else -1 */
	char *from_image;     /* an image's ID */
	int from_context;     /* an entry of cc_plan_options.contexts, else -1 */
	char content[72];     /* bind from the build context (or a directory
	                         build context): digest of the source */
};

/* One --mount value of RUN. */
int cc_run_mount_parse(const char *spec, struct cc_run_mount *ret, cc_error **err);
void cc_run_mount_release(struct cc_run_mount *m);

/* build --secret id=ID[,src=FILE|,env=VAR][,type=file|env] (buildx's
 * syntax; with neither src nor env, the variable named ID). */
struct cc_build_secret {
	char *id;
	char *src;            /* a file */
	char *env;            /* or an environment variable */
};
int cc_build_secret_parse(const char *spec, struct cc_build_secret *ret, cc_error **err);
void cc_build_secret_release(struct cc_build_secret *s);

/* build -o/--output type=local,dest=DIR | type=tar,dest=FILE | DIR | - */
enum cc_build_output_type { CC_OUTPUT_LOCAL, CC_OUTPUT_TAR };
struct cc_build_output {
	enum cc_build_output_type type;
	char *dest;           /* "-": standard output (tar only) */
};
int cc_build_output_parse(const char *spec, struct cc_build_output *ret, cc_error **err);
void cc_build_output_release(struct cc_build_output *o);

/* build --build-context NAME=DIR | NAME=docker-image://REF */
struct cc_build_context {
	char *name;           /* lower-cased, as stage names are */
	char *dir;            /* a local directory (as given), or */
	char *image;          /* an image reference */
};
int cc_build_context_parse(const char *spec, struct cc_build_context *ret, cc_error **err);
void cc_build_context_release(struct cc_build_context *c);

/* ---- the plan ------------------------------------------------------------- */

struct cc_copy_file {       /* a COPY/ADD heredoc: a file made from text */
	char *name;
	char *data;
};

struct cc_build_step {
	enum cc_instr_kind kind;
	int line;
	char *display;            /* "RUN echo hi" as written (first line) */
	char *key;                /* canonical resolved form: cache key input,
	                             history created_by */
	/* RUN: final argv; CMD/ENTRYPOINT/SHELL: the new value (argv NULL with
	 * clear set: an empty value, e.g. ENTRYPOINT []) */
	char **argv;
	char **run_env;           /* RUN: ARG values in scope, "K=V" */
	char *script;             /* RUN <<EOF with a #! line: the script, run as
	                             argv with its path appended */
	char **pairs;             /* ENV/LABEL: "K=V" */
	char **list;              /* EXPOSE ports ("80/tcp"), VOLUME paths,
	                             COPY/ADD sources (context-relative, or
	                             paths in the --from stage/image) */
	char *value;              /* WORKDIR (absolute), USER, STOPSIGNAL,
	                             MAINTAINER, ONBUILD trigger,
	                             COPY/ADD destination (absolute; a trailing
	                             "/" kept: "directory") */
	char *health;             /* HEALTHCHECK: the config's JSON object */
	/* COPY/ADD */
	int from_stage;           /* --from a stage: its index, else -1 */
	char *from_image;         /* --from an image: its ID */
	char *chown;              /* --chown as given (resolved in the image) */
	int chmod;                /* --chmod, -1 when absent */
	struct cc_copy_file *files;  /* heredoc sources */
	size_t n_files;
	char content[72];         /* digest of the context sources' content and
	                             metadata (not mtimes), "" when none */
	size_t n_sources;         /* COPY/ADD: sources after glob expansion */
	bool reset_cmd;           /* ENTRYPOINT: drop a Cmd inherited from the base */
	int from_context;         /* COPY --from a directory build context: its
	                             index in cc_plan_options.contexts, else -1 */
	struct cc_run_mount *mounts;  /* RUN --mount, in the order given */
	size_t n_mounts;
	int network;              /* RUN --network: -1 the build's (default), else
	                             an enum cc_net_mode */
	char *chmod_sym;          /* COPY/ADD --chmod in symbolic form ("u+x,go-w"),
	                             applied to each file's mode; NULL when octal */
	char **urls;              /* ADD: http(s) sources, fetched when the step
	                             runs (their content joins the cache key) */
	char *checksum;           /* ADD --checksum=sha256:<hex> of the one URL */
};

struct cc_build_stage {
	char *name;               /* "AS name", lower-cased, or NULL */
	char *display;            /* the FROM line as written */
	int line;
	char *base;               /* image reference or "scratch" (substituted) */
	int base_stage;           /* FROM an earlier stage: its index, else -1 */
	char *base_id;            /* FROM an image: its ID, else NULL */
	char *platform;           /* FROM --platform, or NULL */
	bool needed;              /* the target depends on it */
	struct cc_build_step *steps;  /* FROM itself excluded */
	size_t n_steps;
};

struct cc_build_plan {
	struct cc_build_stage *stages;
	size_t n_stages;
	size_t target;            /* index of the stage whose image is the result */
	char **unused_args;       /* --build-arg names no ARG consumed */
	char **warnings;          /* one line each */
};

/* Where the plan gets what it cannot know by itself: an image's ID and
 * config (for its Env, WorkingDir, User, Shell, OnBuild).  The builder
 * resolves in the store and pulls; tests use a table. */
struct cc_plan_source {
	/* ref as written after substitution (not normalised), platform or NULL.
	 * ret_id: image ID; ret_config: its config JSON (malloc'd).  Errors:
	 * CC_ERR_NOT_FOUND and CC_ERR_INVALID let the plan say "no stage or
	 * image named". */
	int (*image)(const char *ref, const char *platform, char **ret_id, char **ret_config, void *data,
		     cc_error **err);
	void *data;
};

struct cc_plan_options {
	const char *context;              /* directory (absolute) */
	const struct cc_ignore *ignore;   /* may be NULL */
	char *const *build_args;          /* "K=V", NULL-terminated; may be NULL */
	const char *target;               /* stage name or NULL for the last */
	const char *platform;             /* "linux/amd64": TARGETPLATFORM ... */
	struct cc_plan_source source;
	/* --build-context: directories (absolute) are resolved here for
	 * COPY --from and RUN --mount from=; images go through source.image
	 * (the caller maps the name). */
	const struct cc_build_context *contexts;
	size_t n_contexts;
};

int cc_build_plan(const struct cc_recipe *r, const struct cc_plan_options *o, struct cc_build_plan **ret,
		  cc_error **err);
void cc_build_plan_free(struct cc_build_plan *p);

/* ---- building ------------------------------------------------------------- */

enum cc_build_event_kind {
	CC_BUILD_EV_STEP,      /* a step starts: text, stage, step */
	CC_BUILD_EV_CACHED,    /* the step was reused from the cache */
	CC_BUILD_EV_DONE,      /* the step produced image_id */
	CC_BUILD_EV_COMMIT,    /* the result: image_id */
	CC_BUILD_EV_TAGGED,    /* text: a tag now pointing at the result */
	CC_BUILD_EV_WARNING,   /* text */
	CC_BUILD_EV_RUN_START, /* a RUN's container is about to start (flush stdout) */
};

struct cc_build_event {
	enum cc_build_event_kind kind;
	size_t stage, n_stages;   /* 1-based; n_stages counts the stages built */
	size_t step, n_steps;     /* 1-based, FROM is step 1 */
	const char *text;
	const char *image_id;
};

struct cc_build_options {
	const char *context;        /* directory; "-": stdin is a tar archive of
	                               the context, or (when it is not one) the
	                               recipe, with an empty context */
	const char *file;           /* recipe; NULL: CONTEXT/Containerfile, else
	                               CONTEXT/Dockerfile; "-": stdin */
	char *const *tags;          /* -t, NULL-terminated, may be NULL */
	char *const *build_args;    /* "K=V" or "K" (value from the environment) */
	const char *target;
	bool no_cache;
	bool docker_format;         /* the result's manifest: docker schema 2, else OCI */
	bool tls_verify;            /* for pulls of FROM images */
	int output_fd;              /* RUN stdout/stderr go here; -1: inherited */
	/* RUN steps' network (--network): CC_NET_BRIDGE (docker's default: an
	 * address of its own on the bridge, through net_attach), CC_NET_HOST,
	 * or CC_NET_NONE (only lo). */
	enum cc_net_mode network;
	/* Bridge networking for a RUN step, the caller's business (leases
	 * live with containers): net_attach wires up the step's process pid
	 * under the name id and writes the hosts file with its address;
	 * net_detach releases it after the step, also when it failed. */
	int (*net_attach)(pid_t pid, const char *id, const char *hosts_file, const char *hostname,
			  const char *extra_hosts, void *data, cc_error **err);
	void (*net_detach)(const char *id, void *data);
	void *net_data;
	/* Pull an image the store lacks (progress is the caller's business);
	 * NULL: cc_image_pull() quietly. */
	int (*pull)(struct cc_store *s, const char *ref, const char *platform, char **ret_id, void *data,
		    cc_error **err);
	void *pull_data;
	void (*event)(const struct cc_build_event *ev, void *data);
	void *event_data;
	/* Set (by a signal handler) to stop between steps and while copying;
	 * may be NULL. */
	volatile sig_atomic_t *cancel;
	/* --pull: base images are pulled when missing (default), always
	 * (a newer version), or never (missing is an error). */
	enum { CC_BUILD_PULL_MISSING, CC_BUILD_PULL_ALWAYS, CC_BUILD_PULL_NEVER } pull_policy;
	char *const *labels;        /* --label K=V on the result, may be NULL */
	char *const *add_hosts;     /* --add-host NAME:IP for RUN steps, may be NULL */
	const struct cc_build_secret *secrets;   /* --secret */
	size_t n_secrets;
	const struct cc_build_context *contexts; /* --build-context */
	size_t n_contexts;
	const struct cc_build_output *output;    /* -o, or NULL */
	/* --timestamp / SOURCE_DATE_EPOCH: file times in new layers clamped
	 * to it, the config's and history's dates set to it; -1: none. */
	int64_t timestamp;
};

struct cc_build_result {
	char *image_id;             /* "sha256:..." */
	int run_status;             /* a failed RUN's exit status, else 0 */
};
void cc_build_result_release(struct cc_build_result *r);

/* Build.  On a failed RUN the error reads `building at STEP "RUN ...":
 * exit status N` and ret->run_status is N.  Nothing is left under the
 * store's tmp/ on any failure path short of SIGKILL, and no mount survives
 * the process (all mounts live in a private mount namespace). */
int cc_build(struct cc_store *s, const struct cc_build_options *o, struct cc_build_result *ret, cc_error **err);

/* ---- commit (commit.c) ------------------------------------------------------ */

typedef struct json_t json_t;

/* docker commit: the image of a container plus one layer packed from its
 * upper dir (read, never changed), with the container's settings over the
 * image's config, -c changes (CMD ENTRYPOINT ENV EXPOSE LABEL ONBUILD
 * STOPSIGNAL USER VOLUME WORKDIR, applied without history entries) and one
 * history entry for the layer. */
struct cc_commit_options {
	const char *upper;          /* the container's upper dir */
	const char *image_id;       /* the container's image */
	const json_t *config;       /* keys set over the image's config
	                               ("Cmd", "Entrypoint", "Env", ...) */
	const char *created_by;     /* the history entry's */
	const char *comment;        /* -m, or NULL */
	const char *author;         /* -a, or NULL */
	char *const *changes;       /* -c lines, NULL-terminated, may be NULL */
	bool docker_format;         /* docker schema 2, else OCI */
	volatile sig_atomic_t *cancel;
};
/* The new image is recorded untagged; *ret_id is "sha256:...". */
int cc_build_commit(struct cc_store *s, const struct cc_commit_options *o, char **ret_id, cc_error **err);

#endif
