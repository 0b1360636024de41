/* lib/container: what a container's lifecycle decides, apart from the
 * command line and the runtime: the restart policy (docker's), its backoff,
 * and the healthcheck's state record.
 *
 * restart.c is plain C over libc and is also compiled into the monitor
 * (cmd/monitor), which makes the restart decisions; health.c and
 * config.c use jansson and cc_error and are for ccontainer only. */
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
 * none) with each flag given over it, --health-cmd as ["CMD-SHELL", cmd],
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

#endif
