/* lib/container: the container lifecycle engine, below cmd/ and above
 * lib/runtime, lib/image, lib/network and lib/store.
 *
 *   restart.c  docker's restart policies and backoff (plain libc: compiled
 *              into the monitor too, which carries them out)
 *   health.c,  the healthcheck's config and State.Health record
 *   config.c
 *   spec.c     the resolved container spec and its versioned JSON
 *   engine.c   states and transitions, reconcile, finish, the monitor's
 *              spawn and protocol (monitor.h), events, the health record
 *   start.c    create and start from a spec (foreground, or __start's)
 *   ops.c      what the verbs do: start, stop, kill, pause, remove, update
 *   exec.c     a further process like the container's (exec, healthcheck)
 *   crilog.c   the container's log writer (crilog.h; plain libc)
 * Nothing here prints: errors go back as cc_error, warnings to cc_warnf. */
#ifndef CC_CONTAINER_CONTAINER_H
#define CC_CONTAINER_CONTAINER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- restart policies (restart.c: libc only) ---- */

enum cc_restart_kind {
	CC_RESTART_NO = 0,
	CC_RESTART_ON_FAILURE,
	CC_RESTART_ALWAYS,
	CC_RESTART_UNLESS_STOPPED,
};

struct cc_restart_policy {
	enum cc_restart_kind kind;
	int max_retries; /* on-failure only: 0 is no limit */
};

/* docker's restart manager: the first delay, its cap, and how long a run
 * must last for the delay to start again from the first. */
#define CC_RESTART_DELAY_FIRST_MS 100
#define CC_RESTART_DELAY_MAX_MS 60000
#define CC_RESTART_RESET_RUN_MS 10000

/* The files in the container's directory that the restart loop shares:
 * "stopped" says the container was stopped by hand (stop, kill, rm -f write
 * it before they signal; start removes it): its monitor never restarts it.
 * "restart-count" is RestartCount ("N\n"), written by the monitor before
 * each restart (aside, renamed in); a start begins again from 0. */
#define CC_CONTAINER_STOPPED_FILE "stopped"
#define CC_CONTAINER_RESTARTS_FILE "restart-count"
/* "restart-policy": `update --restart` of a container whose monitor runs
 * writes the new policy's text here (aside, renamed in); the monitor reads
 * it at each exit, and a new monitor starts without it (its policy is the
 * stored one, which update changed too). */
#define CC_CONTAINER_POLICY_FILE "restart-policy"

/* "no", "on-failure", "on-failure:N" (N >= 0), "always", "unless-stopped";
 * 0, or -1 for anything else.  No messages: config.c says what is wrong. */
int cc_restart_policy_from_text(const char *text, struct cc_restart_policy *ret);
/* Its name as docker's HostConfig.RestartPolicy.Name has it. */
const char *cc_restart_policy_name(enum cc_restart_kind kind);
/* The canonical text ("on-failure:3", "always"); the length, as snprintf. */
int cc_restart_policy_format(const struct cc_restart_policy *p, char *buf, size_t len);
/* Should a container that exited with exit_code start again, having been
 * restarted restart_count times already?  docker's ShouldRestart: always
 * and unless-stopped restart on any exit, on-failure on a non-zero one
 * while restart_count < max_retries (when set); nothing restarts what was
 * stopped by hand. */
bool cc_restart_should(const struct cc_restart_policy *p, int exit_code, int restart_count, bool manually_stopped);
/* The delay before the next restart, given the last one (0: none yet) and
 * how long the run that just ended lasted: 100 ms, doubling each time,
 * capped at 1 minute, back to 100 ms after a run of 10 s or more. */
int64_t cc_restart_next_delay(int64_t prev_delay_ms, int64_t ran_ms);

/* ---- healthchecks (health.c, config.c: ccontainer only) ---- */

#include "util/error.h"

typedef struct json_t json_t;

/* docker's defaults */
#define CC_HEALTH_DEFAULT_INTERVAL_NS (30LL * 1000000000LL)
#define CC_HEALTH_DEFAULT_TIMEOUT_NS (30LL * 1000000000LL)
#define CC_HEALTH_DEFAULT_START_INTERVAL_NS (5LL * 1000000000LL)
#define CC_HEALTH_DEFAULT_RETRIES 3
/* The results State.Health.Log keeps, and the output each keeps. */
#define CC_HEALTH_LOG_MAX 5
#define CC_HEALTH_OUTPUT_MAX 4096
/* The container's health record, in its directory (written aside, renamed in). */
#define CC_CONTAINER_HEALTH_FILE "health.json"

/* A check as the container runs it: the image's Healthcheck with the run
 * flags over it, every duration resolved to its default when unset. */
struct cc_health_config {
	char **test;          /* NULL-terminated: "CMD" args... | "CMD-SHELL" cmd */
	int64_t interval_ns, timeout_ns, start_period_ns, start_interval_ns;
	int retries;
};
void cc_health_config_release(struct cc_health_config *h);

/* A check from a Healthcheck object (docker's config shape: Test,
 * Interval, Timeout, StartPeriod, StartInterval in ns, Retries), with the
 * defaults for what is 0 or absent.  1: a check; 0: none (no object, an
 * empty Test, or ["NONE"]); -1: an invalid object. */
int cc_health_config_from_json(const json_t *hc, struct cc_health_config *ret, cc_error **err);

/* One result of a check. */
struct cc_health_result {
	int64_t start_ns, end_ns; /* wall clock, ns since the epoch */
	int exit_code;            /* 0 healthy; anything else a failure */
	const char *output;       /* at most CC_HEALTH_OUTPUT_MAX bytes */
	size_t output_len;
};

/* docker's State.Health after one more result: the result goes on the Log
 * (the last CC_HEALTH_LOG_MAX kept); success makes it "healthy" and the
 * FailingStreak 0; a failure in the start period (in_start_period) changes
 * nothing else, after it the streak grows and reaching retries makes it
 * "unhealthy".  health is {} or NULL for a container checked never yet
 * ("starting").  A new object; NULL without memory. */
json_t *cc_health_update(const json_t *health, const struct cc_health_result *r, bool in_start_period, int retries);
/* The status of a health object: "starting", "healthy", "unhealthy" (literals). */
const char *cc_health_status(const json_t *health);

/* ---- a container's stored settings (config.c) ---- */

/* run's --health-* flags (0 or NULL: not given). */
struct cc_health_flags {
	const char *cmd;
	int64_t interval_ns, timeout_ns, start_period_ns, start_interval_ns;
	int64_t retries;
	bool none; /* --no-healthcheck */
};
/* The Healthcheck a container keeps, docker's merge: the image's (NULL:
 * none) with each flag given over it, --health-cmd as ["CMD-SHELL", cmd] (a JSON array:
 * an exec form, as podman),
 * --no-healthcheck as ["NONE"].  *ret is a new object, or NULL when
 * neither has a check.  Checks docker's: no negative value, no
 * --no-healthcheck with the other flags. */
int cc_health_merge(const json_t *image_hc, const struct cc_health_flags *f, json_t **ret, cc_error **err);
/* HostConfig.RestartPolicy's object for a policy. */
json_t *cc_restart_policy_json(const struct cc_restart_policy *p);
/* The policy in a container's config ("RestartPolicy"); "no" when none. */
void cc_restart_policy_from_config(const json_t *cfg, struct cc_restart_policy *ret);

/* --restart's value, checked as docker checks it. */
int cc_restart_policy_parse(const char *text, struct cc_restart_policy *ret, cc_error **err);


/* ---- the lifecycle engine (engine.c, start.c) ---- */

#include "network/network.h"
#include "runtime/runtime.h"
#include "store/store.h"

/* docker's states (State.Status) and the moves between them. */
enum cc_container_state {
	CC_STATE_CREATED,
	CC_STATE_RUNNING,
	CC_STATE_PAUSED,
	CC_STATE_RESTARTING,
	CC_STATE_EXITED,
	CC_STATE_REMOVING,
	CC_STATE_DEAD,
};
const char *cc_container_state_name(enum cc_container_state st);
/* The state a name is, or -1. */
int cc_container_state_parse(const char *text);
/* May a container in from go to to?  created -> running | exited |
 * removing; running -> paused | restarting | exited; paused -> running |
 * exited; restarting -> running | exited; exited -> running | restarting |
 * removing; removing -> dead (its removal failed); dead -> removing (and running,
 * restarting and exited to themselves: a restart, a finish again). */
bool cc_container_transition_ok(enum cc_container_state from, enum cc_container_state to);
/* Move c (and its row) to the state to, with the exit status for exited and
 * restarting, under the container's state lock (containers/<id>/state.lock)
 * and from the state its row has then: CC_ERR_INVALID for a move the table
 * refuses, CC_ERR_IN_USE for a second removal. */
#define CC_CONTAINER_STATE_LOCK_FILE "state.lock"
int cc_container_set_state(struct cc_store *s, struct cc_container_record *c, enum cc_container_state to,
			   int exit_code, bool oom_killed, cc_error **err);
/* running or paused (its process alive, as far as the row says) */
bool cc_container_is_running(const struct cc_container_record *c);
bool cc_container_is_paused(const struct cc_container_record *c);
/* The recorded pid still names the container's process (same start time:
 * not a recycled pid, e.g. after a reboot). */
bool cc_container_pid_alive(const struct cc_container_record *c);
/* docker's exit status for a start that failed: 127 for a command not
 * found, 126 for one that cannot be executed, else 125. */
int cc_container_exit_code(const cc_error *e);

/* A container's stored config (never NULL: {} when it has none or it is
 * not JSON). */
json_t *cc_container_config(const struct cc_container_record *c);
/* stop, kill, rm -f write "stopped" (the container was stopped by hand,
 * which its monitor's restart loop reads); start and restart remove it. */
void cc_container_mark_stopped(struct cc_store *s, const char *id, bool stopped);
bool cc_container_stopped_by_hand(struct cc_store *s, const char *id);
/* RestartCount as the monitor recorded it. */
int64_t cc_container_restart_count(struct cc_store *s, const char *id);
/* State.Health: NULL when the container has no check; "starting" until
 * one ran. */
json_t *cc_container_health(struct cc_store *s, const struct cc_container_record *c, const json_t *cfg);
/* The log limits in a config's LogConfig: max-size in bytes (0: none) and
 * max-file (1 when not given; 0 for --log-driver none: no log). */
int cc_container_log_limits(const json_t *cfg, int64_t *ret_max_size, int *ret_max_file, cc_error **err);
bool cc_container_log_none(const json_t *cfg);
/* max-file's value: 1 to CC_MON_LOG_FILES_MAX; 0, or -1 for anything else. */
int cc_container_parse_max_file(const char *v, int *ret);

/* A container event with docker's attributes: the container's labels,
 * image, name, then extra (key, value pairs ending at a NULL key, e.g.
 * { "exitCode", "0", NULL } for die).  Recording one never fails the
 * action: errors are dropped. */
void cc_container_event(struct cc_store *s, const struct cc_container_record *c, const char *action,
			const char *const *extra);

/* Record that a container stopped with status, release what it held
 * (network; the cgroup unless cgroup_removed: a foreground run's runtime
 * removed it; its run-time files) and remove it when its spec says
 * AutoRemove.  Idempotent, and every step runs: the first error of the
 * record's steps (state, network, removal) is returned; a cgroup or
 * run-time files that cannot be removed are warnings (cc_warnf).
 * *ret_removed (may be NULL) tells that the container is gone
 * (also when it was gone already: finished, 0). */
int cc_container_finish(struct cc_store *s, const char *id, int status, bool oom_killed, bool cgroup_removed,
			bool *ret_removed, cc_error **err);
/* The same for a record the caller has in hand (a foreground run's own). */
int cc_container_finish_record(struct cc_store *s, const struct cc_container_record *c, int status, bool oom_killed,
			       bool cgroup_removed, bool *ret_removed, cc_error **err);
/* Bring c's state up to date: a "running" container without a live owner
 * is finished now, with the status its monitor recorded when it exited
 * (monitor.h), else as killed (137, its process killed if it survived the
 * monitor); a "restarting" one whose monitor died is exited.  c is
 * updated even when finishing fails (the error says what). */
int cc_container_reconcile(struct cc_store *s, struct cc_container_record *c, cc_error **err);
/* Wait until the container's lock is free (its monitor and cleanup done);
 * timeout_ms < 0: no limit.  false on the timeout. */
bool cc_container_wait_stopped(struct cc_store *s, const char *id, int timeout_ms);

/* Hand a created container to a new monitor process, with what its config
 * says (Tty, OpenStdin, LogConfig, RestartPolicy, Healthcheck); returns
 * once its command runs, or with the start's error and its kind. */
int cc_container_spawn_monitor(struct cc_store *s, const struct cc_container_record *c, cc_error **err);
/* A foreground run's container that exited with status: when its restart
 * policy says so (and it was not stopped by hand), it goes on under a
 * monitor after docker's first delay, with RestartCount 1, as docker's
 * daemon restarts it while `docker run` returns.  1: handed over; 0: not
 * to restart; -1: the monitor failed (err). */
int cc_container_restart_foreground(struct cc_store *s, const struct cc_container_record *c, int status,
				    cc_error **err);
/* __start's answer to its monitor (monitor.h): the pid with the pty and
 * the fds the monitor holds while the container runs (its port
 * reservations), or (e non-NULL) the error with its kind. */
int cc_container_monitor_report(int fd, pid_t pid, int pty, const int *hold, size_t n_hold, const cc_error *e);

/* The verbs' transitions (ops.c), with docker's rules and messages and the
 * events they record.  start: hand a created or stopped container to a new
 * monitor (nothing for a running one).  stop: the signal (0: its stop
 * signal), SIGKILL after timeout seconds (< 0: no limit), then wait for its
 * cleanup.  kill: sig to its process.  pause/unpause: its cgroup frozen.
 * remove: force stops a running one first (with a stop of timeout seconds
 * when > 0, else SIGKILL).  c is brought up to date. */
int cc_container_start_detached(struct cc_store *s, struct cc_container_record *c, cc_error **err);
int cc_container_stop(struct cc_store *s, struct cc_container_record *c, int timeout, int sig, cc_error **err);
int cc_container_kill(struct cc_store *s, struct cc_container_record *c, int sig, cc_error **err);
int cc_container_pause(struct cc_store *s, struct cc_container_record *c, cc_error **err);
int cc_container_unpause(struct cc_store *s, struct cc_container_record *c, cc_error **err);
int cc_container_remove(struct cc_store *s, struct cc_container_record *c, bool force, int timeout, cc_error **err);
/* update: the limits that changed (0: as they are) to a running
 * container's cgroup, then its config (with its spec) stored, then a new
 * restart policy (NULL: none) to its monitor. */
int cc_container_update(struct cc_store *s, struct cc_container_record *c, const struct cc_resources *changed,
			const char *config_json, const struct cc_restart_policy *policy, cc_error **err);
/* The signal a stop sends: run's --stop-signal, else the image's
 * STOPSIGNAL (a warning when that is not one), else SIGTERM. */
int cc_container_stop_signal(struct cc_store *s, const struct cc_container_record *c);
/* The seconds a stop waits: run's --stop-timeout, else docker's 10. */
int cc_container_stop_timeout(const struct cc_container_record *c);
/* A signal by number or name, with or without SIG ("TERM", "SIGUSR1",
 * "9", "RTMIN+3"); -1 when it is none. */
int cc_container_parse_signal(const char *s);

struct cc_container_spec;
struct cc_network;
/* A new container: its spec, and what docker's view of it keeps besides
 * (all borrowed). */
struct cc_container_new {
	const char *id;                /* 64 hex digits */
	const char *name;              /* checked here (cc_container_name_valid) */
	const char *image_id, *image_name;
	const struct cc_container_spec *spec;
	char *const *exposed;          /* the image's ExposedPorts, for -P */
	json_t *labels;                /* object, or NULL */
	json_t *healthcheck;           /* the merged check (cc_health_merge), or NULL */
	struct cc_restart_policy restart;
	const char *stop_signal;       /* NULL: the image's */
	int64_t stop_timeout;
	bool stop_timeout_set;
	const char *log_driver;        /* NULL: json-file */
	const char *log_max_size, *log_max_file; /* --log-opt values, or NULL */
};
/* Create it: its network prepared (the host ports it publishes reserved,
 * held in *net until cc_network_teardown), its row ("created", the config
 * JSON with the spec), the create event, its directories.  *ret: its
 * record.  Nothing is left behind on failure but the prepared *net. */
int cc_container_create(struct cc_store *s, const struct cc_container_new *n, struct cc_network *net,
			struct cc_container_record **ret, cc_error **err);

/* One start of a container in this process. */
struct cc_container_start {
	bool foreground;               /* run: wait for its end; else detached */
	struct cc_runtime_prep *prepared; /* cc_runtime_prepare's head start, or NULL */
	const struct cc_run_config *image; /* its image's run config when the caller read it, or NULL */
	/* out */
	bool started;                  /* its process ran (the row said running) */
	int64_t started_at;
	int status;                    /* foreground: its exit status */
	bool oom_killed, removed;      /* foreground: AutoRemove removed it */
	pid_t pid;                     /* detached: its process, and its pty (-t) */
	int pty;
};
/* Start c from its spec, with its network prepared in *net: its run-time
 * files, the runtime, the start event.  In the foreground it holds the
 * container's lock, logs the output (unless AutoRemove or --log-driver
 * none), waits and finishes it; *err is then the runtime's error (the
 * container finished with cc_container_exit_code of it).  Detached it
 * returns the pid and pty for the monitor; a detached start the runtime
 * failed is finished (one that failed before, e.g. on its image's config,
 * stays as it was). */
int cc_container_start(struct cc_store *s, struct cc_container_record *c, const struct cc_container_spec *sp,
		       struct cc_network *net, struct cc_container_start *st, cc_error **err);
/* __start: start container id detached from its spec and report to its
 * monitor on monitor_fd (the pid, the pty, the port reservations; or the
 * error, which is also returned). */
int cc_container_start_monitored(struct cc_store *s, const char *id, const struct cc_container_spec *sp,
				 int monitor_fd, cc_error **err);

/* ---- the resolved container spec (spec.c) ----
 *
 * Everything a start needs, resolved once at create from the image and the
 * command line and never from the CLI again: a start, a restart by the
 * monitor and `update` read it, so a change to the command line never
 * changes an existing container.  Persisted as the "Spec" object of the
 * container's config JSON, with a version; strings are bytes (cc_json_bytes:
 * a command or an environment that is not UTF-8 survives).  The rest of the
 * config JSON is docker's view for ps and inspect (text, lossy). */

#define CC_CONTAINER_SPEC_VERSION 1

struct cc_container_mount {
	bool tmpfs;      /* else a bind mount (of a volume's data with volume) */
	char *source;    /* bind: the host path; a volume: its _data, resolved at create */
	char *target;
	char *options;   /* tmpfs: mount data, or NULL */
	bool readonly;
	/* a volume ("Type": "volume"): bound as its _data, which the image's
	 * content at target fills when it is empty at a start (nocopy: never) */
	char *volume;    /* its name, NULL: not a volume */
	bool anonymous;  /* made for this container (-v /path, VOLUME): rm -v and --rm remove it */
	bool nocopy;
	char *mode;      /* -v's mode as given ("z", "ro"), inspect's Mode; or NULL */
	char *propagation; /* a bind's (not a volume's): private, rprivate, shared,
	                      rshared, slave, rslave; NULL: rprivate */
};

struct cc_container_spec {
	int version;
	/* the process */
	char **argv;            /* entrypoint + command, as it runs */
	size_t n_entrypoint;    /* how many of argv came from the entrypoint */
	char **env;             /* NAME=VALUE, resolved (image, files, -e) */
	char *user, *workdir;   /* NULL: root, / */
	char *hostname;
	char *domainname;       /* --domainname, or NULL */
	bool tty, open_stdin, detach, init;
	/* the filesystem */
	bool read_only;
	struct cc_container_mount *mounts;
	size_t n_mounts;
	int64_t shm_size;       /* --shm-size in bytes; 0: docker's 64 MiB */
	/* privileges */
	bool privileged, no_new_privileges;
	char **cap_add, **cap_drop;
	char *seccomp;          /* a profile's path, "unconfined", or NULL: the default */
	char **security_opt;    /* as given (inspect's SecurityOpt) */
	char **ulimits;         /* NAME=SOFT:HARD, cc_runtime_parse_ulimit's form */
	/* limits: memory_swap as given (0: twice memory), pids_limit 0 unset */
	struct cc_resources res;
	int64_t nano_cpus;      /* --cpus * 1e9 (res.cpu_quota says the same) */
	/* the network */
	char *network;          /* bridge, host, none, container:ID, or a network's name */
	/* bridged: every network it is on (the first one's gateway is its
	 * default route); empty after disconnecting from all */
	struct cc_container_endpoint *networks;
	size_t n_networks;
	char **dns, **extra_hosts, **publish;
	char **dns_search, **dns_options; /* --dns-search, --dns-option (--dns-opt) */
	char **expose;          /* --expose, one "PORT/PROTO" per port: -P publishes them too */
	bool publish_all;
	bool autoremove;        /* --rm */
};

/* --domainname's rule, a host name's: 1 to 64 bytes of labels of letters,
 * digits and inner '-' (at most 63 each) joined by single dots. */
bool cc_container_domainname_valid(const char *name);
void cc_container_spec_release(struct cc_container_spec *s);

/* network connect / disconnect (netconnect.c): the spec's endpoints, and a
 * running container's veth (lib/network).  Events "connect"/"disconnect". */
int cc_container_network_connect(struct cc_store *s, struct cc_container_record *c, const char *network,
				 const char *ip, char *const *aliases, cc_error **err);
int cc_container_network_disconnect(struct cc_store *s, struct cc_container_record *c, const char *network,
				    cc_error **err);
/* A network event (create, destroy, connect, disconnect); container may be NULL. */
void cc_network_event(struct cc_store *s, const char *action, const struct cc_network_record *r,
		      const char *container);
/* The "Spec" object (a new reference; NULL without memory). */
json_t *cc_container_spec_to_json(const struct cc_container_spec *s);
/* From a "Spec" object: every version up to CC_CONTAINER_SPEC_VERSION
 * loads (a member a version lacks takes its default); a newer version, or
 * a malformed member, is an error (CC_ERR_INVALID) that says so.  A NULL
 * spec is CC_ERR_NOT_FOUND: the container predates specs (cmd upgrades
 * those from their stored arguments). */
int cc_container_spec_from_json(const json_t *j, struct cc_container_spec *ret, cc_error **err);
/* The runtime's bind and tmpfs lists for a spec's mounts (pointers into
 * it; free the two arrays). */
int cc_container_spec_mounts(const struct cc_container_spec *s, struct cc_bind_mount **ret_binds, size_t *ret_nb,
			     struct cc_tmpfs_mount **ret_tmpfs, size_t *ret_nt, cc_error **err);

/* ---- volumes (volume.c) ----
 *
 * A volume is a row (store.h) and a directory, <root>/volumes/<name>/_data,
 * that containers bind: the spec's volume mounts carry the name and that
 * path, resolved at create (run creates a named volume on first use and an
 * anonymous one for -v /path and the image's VOLUME).  The runtime fills an
 * empty one from the image at a start (cc_bind_mount.copy_up).  A volume
 * that a container's spec names, whatever the container's state, is in use:
 * nothing removes it. */
#define CC_VOLUME_ANON_LABEL "com.docker.volume.anonymous"
/* name NULL: an anonymous volume, a random 64-hex name and the label
 * CC_VOLUME_ANON_LABEL.  labels, options: objects of strings, or NULL;
 * options are the local driver's (none is supported: CC_ERR_INVALID).  An
 * existing name is that volume (*ret_created false), as docker's create. */
int cc_volume_create(struct cc_store *s, const char *name, const json_t *labels, const json_t *options,
		     struct cc_volume_record **ret, bool *ret_created, cc_error **err);
/* Refused (CC_ERR_IN_USE, docker's "volume is in use - [ID]") while any
 * container names it; CC_ERR_NOT_FOUND without it. */
int cc_volume_remove(struct cc_store *s, const char *name, cc_error **err);
/* The bytes of the files under its _data (0 when it cannot be read). */
int64_t cc_volume_size(struct cc_store *s, const char *name);
/* The anonymous volumes a container's config ("Spec") mounts (free the
 * list); NULL without memory. */
char **cc_container_anonymous_volumes(const json_t *cfg);
/* Remove those (rm -v, --rm): one still in use by another container
 * stays, with a warning, as docker's. */
void cc_container_remove_volumes(struct cc_store *s, char *const *names);

/* ---- a further process in a running container (exec.c) ---- */

#include "util/env.h"

/* What exec (and the healthcheck) asks for beyond the container's own. */
struct cc_container_exec_params {
	char *const *argv;
	char *const *env, *const *env_files; /* NULL-terminated, or NULL */
	const char *user, *workdir;          /* NULL: the container's */
	bool privileged, tty, interactive;
};
struct cc_container_exec {
	struct cc_run_spec spec; /* for cc_runtime_exec; its lists point into sp and here */
	struct cc_env env;
	char *seccomp_cache;
};
/* The process "like the container's": its spec's environment, then
 * env_files, then env; its user and working directory unless given; its
 * capabilities, seccomp profile and no_new_privs (all of them with
 * privileged); its cgroup.  sp must outlive x; release x in every case. */
int cc_container_exec_init(struct cc_store *s, const struct cc_container_record *c, const struct cc_container_spec *sp,
			   const struct cc_container_exec_params *p, struct cc_container_exec *x, cc_error **err);
void cc_container_exec_release(struct cc_container_exec *x);

/* Record a healthcheck's result in the container's health.json (read,
 * updated with cc_health_update, written aside and renamed in, under
 * health.lock), with docker's health_status event when the status
 * changes; *ret_status: the status now (a literal). */
int cc_container_health_record(struct cc_store *s, const struct cc_container_record *c,
			       const struct cc_health_config *hc, const struct cc_health_result *r,
			       const char **ret_status, cc_error **err);
/* update --restart of a container whose monitor runs: the policy to
 * the "restart-policy" file its monitor reads at the next exit. */
int cc_container_tell_restart_policy(struct cc_store *s, const struct cc_container_record *c,
				     const struct cc_restart_policy *p, cc_error **err);

/* ---- files from outside (files.c): cp, export, diff ---- */
#include <signal.h>
#include <sys/types.h>
/* The container's root as one directory fd (O_PATH): a live one's
 * /proc/<pid>/root, a stopped one's overlay mounted by a child in a mount
 * namespace of its own (gone with the fd).  *ret_live: which. */
struct cc_container_root {
	int fd;
	bool live;
	int sock;     /* to the helper holding the overlay's namespace */
	pid_t helper; /* -1 for a live container */
};
int cc_container_root_open(struct cc_store *s, const struct cc_container_record *c, struct cc_container_root *r,
			   cc_error **err);
/* The fd closed, the helper (and with it the mount) gone. */
void cc_container_root_close(struct cc_container_root *r);
struct cc_cp_opts {
	bool from_container; /* CTR:src -> dst, else src -> CTR:dst */
	const char *src, *dst; /* the container's side is a path in it */
	int src_fd;            /* >= 0: a tar stream to extract at dst (cp - CTR:dst) */
	int dst_fd;            /* >= 0: the source as a tar stream here (cp CTR:src -) */
	bool archive;          /* -a: keep uid/gid (else root inside, the caller outside) */
	bool follow;           /* -L: the source's symlink followed */
	const char *ctr_name;  /* for docker's messages */
	volatile sig_atomic_t *cancel;
};
/* docker cp, one way or the other; every path in the container resolved
 * in it (RESOLVE_IN_ROOT).  CC_ERR_NOT_FOUND: "Could not find the file". */
int cc_container_cp(struct cc_store *s, const struct cc_container_record *c, const struct cc_cp_opts *o, cc_error **err);
/* The container's filesystem as a tar on outfd (a live one's mounts left out). */
int cc_container_export(struct cc_store *s, const struct cc_container_record *c, int outfd,
			volatile sig_atomic_t *cancel, cc_error **err);
/* docker's cp argument: 1 with *ret_ctr (malloc'd) and *ret_path (in arg)
 * for CONTAINER:PATH, 0 for a local path (absolute, "./x", or without
 * ':'), -ENOMEM. */
int cc_cp_split_arg(const char *arg, char **ret_ctr, const char **ret_path);
/* docker diff: cb(kind 'A'|'C'|'D', "/path") for each change of the upper dir, in path order. */
int cc_container_diff(struct cc_store *s, const struct cc_container_record *c,
		      void (*cb)(void *ctx, char kind, const char *path), void *ctx, cc_error **err);

#endif
