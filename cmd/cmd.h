/* cmd/: option parsing, output, exit codes.  Nothing else. */
#ifndef CC_CMD_H
#define CC_CMD_H

#include <stdbool.h>
#include <stdio.h>

#include "options.h"
#include "image/image.h"
#include "store/store.h"
#include "util/util.h"
#include "util/env.h"
#include "runtime/runtime.h"
#include "container/container.h"

#ifndef CC_VERSION
#define CC_VERSION "0.2.0-dev"
#endif

/* docker/podman exit codes */
#define EXIT_CC_ERROR 125   /* ccontainer itself failed */
#define EXIT_CANNOT_EXEC 126
#define EXIT_NOT_FOUND 127

struct cc_globals {
	char **argv; /* main's, whole */
	const char *root;
	const char *runroot;
	bool debug;
	const char *log_level; /* --log-level, NULL: info */
};
extern struct cc_globals cc_globals;

/* The runroot (cc_store_runroot): --runroot, $CCONTAINER_RUNROOT or
 * CC_STORE_DEFAULT_RUNROOT; cmd_open_store gives it to the store. */
const char *cmd_runroot(void);

/* --root, $CCONTAINER_ROOT or the default. */
const char *cmd_store_root(void);
/* Open the store at cmd_store_root(); prints on error. */
struct cc_store *cmd_open_store(void);
/* Print "Error: msg", free the error and clear the variable (a loop over
 * arguments reuses it: a freed error left there would be taken for a fresh
 * one by the next call that fails, then freed again); returns code. */
int cmd_fail_take(cc_error **e, int code);
#define cmd_fail(e, code) cmd_fail_take(&(e), (code))
int cmd_failf(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "Warning: ..." on stderr, made safe for a terminal like errors are. */
void cmd_warnf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The last error cmd_fail/cmd_failf printed, or NULL. */
const cc_error *cmd_last_error(void);
/* docker's exit code for a failed start: 127 for a command not found, 126
 * for one that cannot be executed, else 125. */
int cmd_exit_code(const cc_error *e);
/* A usage error: "Error: ..." and 125 (any verb; other failures of verbs
 * other than run, create and exec exit 1). */
int cmd_usagef(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool cmd_last_error_was_usage(void);
/* Writing stdout failed with errnum: a closed pipe ends the process quietly
 * by SIGPIPE (docker's status); anything else is one error line, 125. */
int cmd_output_error(int errnum);
/* docker's directory.Size of path (0 when it cannot be read): the bytes of
 * everything but directories, a hard-linked inode once. */
int64_t cmd_dir_size(const char *path);
/* ps's STATUS ("Up 2 minutes", "Exited (0) 3 seconds ago"). */
struct cc_container_record;
void cmd_container_status_text(const struct cc_container_record *c, char *out, size_t outlen);
/* Parse a --tls-verify[=BOOL] value. */
bool cmd_parse_bool(const char *v, bool dflt);

/* The verbs (options.h), each defined in its own file. */
extern const struct cmd_verb cmd_attach_verb, cmd_build_verb, cmd_builder_prune_verb, cmd_exec_verb, cmd_images_verb, cmd_import_verb,
	cmd_inspect_verb, cmd_kill_verb, cmd_load_verb, cmd_login_verb, cmd_logout_verb, cmd_logs_verb, cmd_port_verb,
	cmd_ps_verb, cmd_pull_verb, cmd_push_verb, cmd_restart_verb, cmd_rm_verb, cmd_rmi_verb, cmd_run_verb, cmd_save_verb,
	cmd_start_verb, cmd_stop_verb, cmd_tag_verb, cmd_wait_verb, cmd_container_inspect_verb,
	cmd_container_prune_verb, cmd_image_inspect_verb, cmd_image_prune_verb, cmd_system_check_verb,
	cmd_system_prune_verb, cmd_system_df_verb, cmd_internal_start_verb, cmd_internal_cleanup_verb;
/* update: these of a container's run options changed (CMD_INT_UNSET, NULL:
 * as they are), checked as run checks them: *ret_config the container's
 * configuration with them, its spec's included (free it; the caller stores
 * it), *ret_res the limits that changed, for a running container's cgroup
 * (run.c). */
struct cc_resources;
struct cmd_run_update {
	int64_t memory, memory_swap, cpu_shares, pids_limit;
	const char *cpus, *restart;
};
int cmd_run_update(struct cc_store *s, const struct cc_container_record *c, const struct cmd_run_update *u,
		   struct cc_resources *ret_res, char **ret_config);
/* `start -a`: the container's log since since_ns, followed while its
 * monitor runs, to fd 1 and 2 (logs.c). */
int cmd_logs_follow(struct cc_store *s, const struct cc_container_record *ct, int64_t since_ns);
/* The same with logs' options: tail lines (-1: all), -f, -t, --since. */
int cmd_logs_print(struct cc_store *s, const struct cc_container_record *ct, long tail, bool follow, bool timestamps,
		   int64_t since_ns);
/* rename.c */
extern const struct cmd_verb cmd_rename_verb;
/* files.c */
extern const struct cmd_verb cmd_cp_verb, cmd_export_verb, cmd_diff_verb;
extern const struct cmd_verb cmd_commit_verb;
/* history.c */
extern const struct cmd_verb cmd_history_verb;
/* volume.c */
/* KEY=VALUE (or KEY) items into an object (new reference, NULL without memory). */
json_t *cmd_kv_object(const struct cmd_strv *v);
/* A label filter ("KEY" or "KEY=VALUE") against a labels object. */
bool cmd_label_match(const json_t *labels, const char *want);
/* compose.c: the compose group (its own table of verbs) */
extern const struct cmd_verb cmd_compose_verb;
extern const struct cmd_verb cmd_volume_create_verb, cmd_volume_ls_verb, cmd_volume_inspect_verb, cmd_volume_rm_verb,
	cmd_volume_prune_verb;
/* network.c */
extern const struct cmd_verb cmd_network_create_verb, cmd_network_ls_verb, cmd_network_inspect_verb,
	cmd_network_rm_verb, cmd_network_prune_verb, cmd_network_connect_verb, cmd_network_disconnect_verb;
/* run.c, update.c */
extern const struct cmd_verb cmd_create_verb, cmd_update_verb;
/* `create` with argv (argv[0] the verb's name), the ID not printed (the
 * caller knows the name it gave); path: the command line for messages. */
int cmd_create_quiet(const char *path, int argc, char **argv);
/* podman's image verbs (images.c) */
extern const struct cmd_verb cmd_untag_verb, cmd_image_exists_verb;
/* events.c */
extern const struct cmd_verb cmd_events_verb;
/* cgverbs.c */
extern const struct cmd_verb cmd_pause_verb, cmd_unpause_verb, cmd_top_verb, cmd_stats_verb;
/* cmd/info.c */
extern const struct cmd_verb cmd_version_verb, cmd_info_verb;

int cmd_images(int argc, char **argv);
int cmd_tag(int argc, char **argv);
int cmd_rmi(int argc, char **argv);
int cmd_import(int argc, char **argv);

/* Containers (container.c) */
int cmd_ps(int argc, char **argv);
/* A container by name or ID prefix, its state brought up to date (a dead
 * monitor's container finished); prints the error and returns NULL. */
struct cc_container_record *cmd_container_get(struct cc_store *s, const char *ref);

#include <jansson.h>


/* Log options (logs.c).  --log-driver: json-file (docker's JSON lines) or
 * k8s-file (CRI records), or none; prints and returns 125 for any other. */
int cmd_log_driver(const char *arg);
/* One --log-opt KEY=VALUE, docker's json-file options: max-size (10k, 10m,
 * 1g) or max-file (1 to CC_MON_LOG_FILES_MAX); sets *ret_max_size or
 * *ret_max_file to VALUE (a pointer into arg), or prints and returns 125. */
int cmd_log_opt(const char *arg, const char **ret_max_size, const char **ret_max_file);

/* "repo@sha256:..." as docker shows it: the familiar repo (free it, NULL
 * without '@') and *ret_at the "@sha256:..." part (images.c). */
char *cmd_split_digest(const char *d, const char **ret_at);
/* "repo:tag" as images shows it: familiar repo and tag ("<none>"). */
void cmd_split_tag(const char *name, char **repo, char **tag);
/* Bring a container's state up to date (cc_container_reconcile), warning
 * of what went wrong. */
void cmd_container_reconcile(struct cc_store *s, struct cc_container_record *c);
/* A container's resolved spec (lib/container): the one stored with it, or
 * for a container an older ccontainer created (no spec, its run arguments
 * stored instead), one made from those arguments as run makes it, and
 * with store, stored in its row from then on (run.c). */
struct cc_container_spec;
int cmd_container_spec(struct cc_store *s, const struct cc_container_record *c, bool store,
		       struct cc_container_spec *ret, cc_error **err);
/* healthcheck.c */
extern const struct cmd_verb cmd_healthcheck_run_verb;

/* "0.0.0.0:8080->80/tcp, ..." (free it), NULL without memory. */
char *cmd_container_ports_text(const struct cc_container_record *c);
/* A container's inspect object (inspect.c). */
json_t *cmd_container_json(struct cc_store *s, const struct cc_container_record *c);
/* docker's inspect output for argv's objects (inspect.c): lookup gives
 * each one's JSON (*ret; NULL after printing why, returning the status);
 * without --format an indented JSON array, "json" a compact one, else the
 * template over each object.  The verb's exit status. */
typedef int (*cmd_inspect_lookup)(struct cc_store *s, const char *ref, void *data, json_t **ret);
int cmd_inspect_objects(const char *format, int argc, char **argv, cmd_inspect_lookup lookup, void *data);
/* Inspect JSON of a container by name or ID prefix; -1 when there is none. */
int cmd_container_inspect_json(struct cc_store *s, const char *ref, json_t **ret);
/* A --format template for one object (inspect, version, info), as docker's
 * templates.Parse: "json" is {{json .}}.  0, or after printing "template
 * parsing error: ..." docker's status 64 (inspect.c). */
struct cc_template;
int cmd_template_open(const char *format, struct cc_template **ret);

/* Events (events.c; a container's: cc_container_event).  Recording one
 * never fails the action: errors are dropped (said with --debug).  An
 * image event: name is its name as docker shows it (cmd_familiar_ref), or
 * the ID. */
void cmd_image_event(struct cc_store *s, const char *action, const char *id, const char *name);
/* A stored name ("docker.io/library/alpine:latest", "repo@sha256:...") as
 * docker shows it ("alpine:latest"); free it, NULL without memory. */
char *cmd_familiar_ref(const char *name);

/* Pull with docker-style progress output.  quiet: no progress at all. */
/* push one image (what the user typed) to dest; prints docker's lines. */
int cmd_push_image(struct cc_store *s, const char *what, const char *dest, const struct cc_push_options *base,
		   bool quiet, const char *digestfile);
int cmd_do_pull(struct cc_store *s, const char *ref, const struct cc_pull_options *base, bool quiet,
		struct cc_pull_result *ret, cc_error **err);

#endif
