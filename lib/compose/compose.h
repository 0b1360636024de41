/* lib/compose: a compose project from its files (the compose
 * specification's common subset, as docker compose reads it).
 *
 * cc_compose_load() finds the files (-f, $COMPOSE_FILE, or compose.yaml,
 * compose.yml, docker-compose.yaml, docker-compose.yml and their
 * .override files in the project directory or above), reads each with
 * libfyaml (loaded on first use), interpolates ${VAR} forms from the
 * environment and the project's .env, resolves `extends`, merges the files
 * by the specification's rules, drops the services of inactive profiles,
 * and builds the model below: every short syntax in its long form, every
 * relative path absolute, references checked.  Errors name the file and
 * the line ("compose.yaml:12: services.web additional property 'foo' is
 * not allowed").
 *
 * The model is plain data; up, down and the other verbs read it and never
 * see YAML. */
#ifndef CC_COMPOSE_H
#define CC_COMPOSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

/* The loader's bounds: a file's size, the nesting of its nodes, and the
 * nodes of the whole project after anchors and aliases are expanded (a
 * "billion laughs" file stops here), a value after interpolation, and the
 * chain of `extends`. */
#define CC_COMPOSE_MAX_FILE (1024 * 1024)
#define CC_COMPOSE_MAX_DEPTH 64
#define CC_COMPOSE_MAX_NODES 200000
#define CC_COMPOSE_MAX_VALUE (1024 * 1024)
#define CC_COMPOSE_MAX_EXTENDS 32

/* A NAME=VALUE pair (environment, labels, build args), sorted by key.
 * value NULL: the name alone (`environment: [FOO]`, `FOO:`): taken from
 * the caller's environment when a container is created, as docker does. */
struct cc_compose_kv {
	char *key;
	char *value;
};
struct cc_compose_kvs {
	struct cc_compose_kv *v;
	size_t n;
};
struct cc_compose_strv {
	char **v;
	size_t n;
};

struct cc_compose_build {
	char *context;    /* absolute, or a URL as written */
	char *dockerfile; /* relative to the context, as written; NULL: Dockerfile */
	char *target;
	struct cc_compose_kvs args, labels;
	struct cc_compose_strv secrets; /* names of top-level secrets */
};

/* ports, long form; short syntax is parsed into it (one entry per port of
 * a range). */
struct cc_compose_port {
	char *name;
	char *mode;      /* "ingress" (default) or "host" */
	char *host_ip;   /* NULL: all */
	uint32_t target; /* the container's port */
	char *published; /* host port or range "8000-8010"; NULL: any */
	char *protocol;  /* "tcp" (default), "udp", "sctp" */
	char *app_protocol;
};

enum cc_compose_mount_type { CC_COMPOSE_MOUNT_VOLUME, CC_COMPOSE_MOUNT_BIND, CC_COMPOSE_MOUNT_TMPFS };
struct cc_compose_volume {
	enum cc_compose_mount_type type;
	char *source; /* volume: the top-level volume's key (NULL: anonymous); bind: absolute host path */
	char *target;
	bool read_only;
	char *consistency;
	/* bind */
	bool create_host_path; /* short syntax: true, as docker's */
	char *propagation;     /* rprivate, shared, ... */
	char *selinux;         /* "z" or "Z" */
	/* volume */
	bool nocopy;
	char *subpath;
	/* tmpfs */
	int64_t tmpfs_size; /* bytes, -1 unset */
	int64_t tmpfs_mode; /* -1 unset */
};

/* A service's attachment to a network (a top-level network's key). */
struct cc_compose_attach {
	char *network;
	struct cc_compose_strv aliases;
	char *ipv4_address, *ipv6_address;
	int64_t priority; /* -1: unset */
	bool listed;      /* given with options (map form), else `default: null` */
};

enum cc_compose_condition {
	CC_COMPOSE_SERVICE_STARTED,
	CC_COMPOSE_SERVICE_HEALTHY,
	CC_COMPOSE_SERVICE_COMPLETED_SUCCESSFULLY,
};
struct cc_compose_dep {
	char *service;
	enum cc_compose_condition condition;
	bool restart;
	bool required; /* default true */
};

struct cc_compose_healthcheck {
	bool present, disable;
	struct cc_compose_strv test; /* ["CMD", ...], ["CMD-SHELL", "..."], ["NONE"]; a string is CMD-SHELL */
	char *interval, *timeout, *start_period, *start_interval; /* Go durations as written */
	int64_t retries; /* -1: unset */
};

struct cc_compose_ulimit {
	char *name;
	int64_t soft, hard;
	bool single; /* written as one number */
};

struct cc_compose_service {
	char *name;
	char *image;
	struct cc_compose_build *build; /* NULL: none */
	bool has_command, has_entrypoint;
	struct cc_compose_strv command, entrypoint; /* a string is split as a shell would */
	struct cc_compose_kvs environment;          /* env_file's values, then environment's */
	struct cc_compose_strv env_file;            /* absolute paths */
	struct cc_compose_port *ports;
	size_t n_ports;
	struct cc_compose_strv expose;
	struct cc_compose_volume *volumes;
	size_t n_volumes;
	struct cc_compose_attach *networks; /* sorted; the project's "default" when none was given */
	size_t n_networks;
	bool network_mode_none; /* reserved: network_mode is not supported yet */
	struct cc_compose_dep *depends_on;  /* sorted */
	size_t n_depends_on;
	struct cc_compose_healthcheck healthcheck;
	char *restart; /* no, always, on-failure[:N], unless-stopped; NULL: unset */
	int64_t mem_limit;  /* deploy.resources.limits.memory, bytes; -1: unset */
	char *cpus;         /* deploy.resources.limits.cpus, as written ("0.5"); NULL: unset */
	int64_t pids_limit; /* deploy.resources.limits.pids; -1: unset */
	int64_t replicas;   /* deploy.replicas; -1: unset (one) */
	struct cc_compose_kvs labels;
	char *working_dir, *user, *hostname, *container_name;
	int init;      /* -1 unset, 0, 1 */
	bool read_only;
	struct cc_compose_strv cap_add, cap_drop, security_opt, tmpfs, profiles;
	struct cc_compose_ulimit *ulimits; /* sorted */
	size_t n_ulimits;
	char *stop_signal, *stop_grace_period;
	struct cc_compose_strv secrets; /* names of top-level secrets */
};

struct cc_compose_network {
	char *key;  /* the name in the file */
	char *name; /* the real name: <project>_<key>, or `name:`, or the key when external */
	char *driver;
	bool external, internal, enable_ipv6;
	struct cc_compose_kvs labels, driver_opts;
	char *ipam_driver;
	struct cc_compose_ipam {
		char *subnet, *gateway, *ip_range;
	} *ipam;
	size_t n_ipam;
};

struct cc_compose_volume_def {
	char *key, *name; /* as networks */
	char *driver;
	bool external;
	struct cc_compose_kvs labels, driver_opts;
};

struct cc_compose_secret {
	char *key, *name;
	char *file; /* absolute */
};

struct cc_compose_project {
	char *name;        /* normalized: [a-z0-9][a-z0-9_-]* */
	char *working_dir; /* the project directory, absolute */
	struct cc_compose_strv files; /* the files read, in order */
	struct cc_compose_service *services; /* enabled ones, sorted by name */
	size_t n_services;
	struct cc_compose_network *networks; /* sorted by key; "default" when a service uses it */
	size_t n_networks;
	struct cc_compose_volume_def *volumes; /* sorted */
	size_t n_volumes;
	struct cc_compose_secret *secrets; /* sorted */
	size_t n_secrets;
	struct cc_compose_strv all_profiles; /* every profile a service names, sorted, unique */
	struct cc_compose_strv disabled;     /* services left out by profiles, sorted */
};

/* What the command line gives (docker compose's global flags). */
struct cc_compose_opts {
	const char *const *files; /* -f, in order; n_files 0: discovery ("-" is stdin) */
	size_t n_files;
	const char *project_name;      /* -p */
	const char *project_directory; /* --project-directory */
	const char *const *env_files;  /* --env-file (replace <project dir>/.env) */
	size_t n_env_files;
	const char *const *profiles; /* --profile; with $COMPOSE_PROFILES */
	size_t n_profiles;
	const char *const *environ; /* NULL: the process's environment */
	const char *cwd;            /* NULL: the process's working directory */
};

int cc_compose_load(const struct cc_compose_opts *opts, struct cc_compose_project **ret, cc_error **err);

/* The same from files in memory (tests, fuzzing): names[i] is the name
 * data[i] is reported under, relative to working_dir; `extends: file:`
 * may only name one of them.  dotenv: the .env's text or NULL. */
struct cc_compose_source {
	const char *name;
	const char *data;
	size_t len;
};
int cc_compose_load_sources(const struct cc_compose_opts *opts, const char *working_dir, const struct cc_compose_source *src,
			    size_t n_src, const char *dotenv, struct cc_compose_project **ret, cc_error **err);

void cc_compose_project_free(struct cc_compose_project *p);

/* `compose config`: the model in docker compose config's shape, as YAML
 * (json false) or JSON.  *ret: NUL-terminated, free it. */
int cc_compose_to_text(const struct cc_compose_project *p, bool json, char **ret, cc_error **err);

/* The pieces, for unit tests and later verbs. */

/* Interpolate s (compose's ${VAR} forms, $$).  lookup(name, ctx) returns a
 * variable's value or NULL when unset.  A missing ${VAR:?msg} and a bad
 * form are errors (their text only: the caller adds file and line). */
typedef const char *(*cc_compose_lookup_fn)(const char *name, void *ctx);
int cc_compose_interpolate(const char *s, cc_compose_lookup_fn lookup, void *ctx, char **ret, cc_error **err);

/* Parse a .env file's text (docker's syntax: KEY=VALUE, `export`, quotes,
 * comments, ${VAR} in unquoted and double-quoted values from earlier keys
 * and lookup).  name: for errors ("name:LINE: ..."). */
int cc_compose_dotenv_parse(const char *name, const char *text, size_t len, cc_compose_lookup_fn lookup, void *ctx,
			    struct cc_compose_kvs *ret, cc_error **err);
void cc_compose_kvs_release(struct cc_compose_kvs *kv);

/* Short syntax into the long form.  Ports: "[[IP:]HOST:]CONTAINER[/PROTO]",
 * ranges expand (*ret an array of *ret_n, free with
 * cc_compose_ports_free).  Volumes: "[SOURCE:]TARGET[:MODE]", a relative
 * bind source resolved against dir. */
int cc_compose_parse_port(const char *s, struct cc_compose_port **ret, size_t *ret_n, cc_error **err);
void cc_compose_ports_free(struct cc_compose_port *p, size_t n);
int cc_compose_parse_volume(const char *s, const char *dir, struct cc_compose_volume *ret, cc_error **err);
void cc_compose_volume_release(struct cc_compose_volume *v);

/* The arguments of `ccontainer create` (run's flags, then image and
 * command) that make container `name`, number `number` of service sv
 * (oneoff: a `compose run` container) with docker compose's labels
 * (com.docker.compose.project, .service, .container-number, .oneoff,
 * .project.working_dir, .project.config_files, .depends_on) and image.
 * *ret NULL-terminated; free each and it.  What run has no flag for is an
 * error naming the service. */
int cc_compose_create_args(const struct cc_compose_project *p, const struct cc_compose_service *sv, const char *image,
			   const char *name, int number, bool oneoff, char ***ret, cc_error **err);

/* docker's project name normalization: lowercase, only [a-z0-9_-],
 * starting with a letter or digit; NULL when nothing is left. */
char *cc_compose_normalize_name(const char *s);

#endif
