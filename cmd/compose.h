/* The compose verbs' shared pieces (compose.c, compose-up.c,
 * compose-ops.c): the project, its containers in the store, and their
 * names as docker compose gives them. */
#ifndef CC_CMD_COMPOSE_H
#define CC_CMD_COMPOSE_H

#include "cmd.h"
#include "compose/compose.h"

/* docker compose's labels */
#define COMPOSE_LABEL_PROJECT "com.docker.compose.project"
#define COMPOSE_LABEL_SERVICE "com.docker.compose.service"
#define COMPOSE_LABEL_NUMBER "com.docker.compose.container-number"
#define COMPOSE_LABEL_ONEOFF "com.docker.compose.oneoff"
#define COMPOSE_LABEL_HASH "com.docker.compose.config-hash"
#define COMPOSE_LABEL_NETWORK "com.docker.compose.network"
#define COMPOSE_LABEL_VOLUME "com.docker.compose.volume"

/* Load the project from the global flags (-f, -p, ...); prints and
 * returns 1 on error. */
int compose_load(struct cc_compose_project **ret);

/* One of the project's containers in the store. */
struct compose_ctr {
	struct cc_container_record *rec;
	char *service, *hash;
	int number;
	bool oneoff;
};
struct compose_ctrs {
	struct compose_ctr *v;
	size_t n;
};
/* The project's containers (by service, then number; one-off ones last),
 * each state brought up to date.  1 after printing on error. */
int compose_containers(struct cc_store *s, const char *project, struct compose_ctrs *ret);
void compose_ctrs_release(struct compose_ctrs *c);

/* Wait for each of the processes; 1 when any did not exit 0. */
int compose_wait_all(const pid_t *kids, size_t n);
/* fn on each selected container (sel[i]), each in a process of its own
 * with a store of its own (stops wait out their timeouts side by side);
 * 1 when any failed. */
typedef int (*compose_each_fn)(struct cc_store *s, struct cc_container_record *c, const void *arg);
int compose_each_parallel(struct compose_ctrs *cs, const bool *sel, compose_each_fn fn, const void *arg);

/* The service of that name, or NULL. */
const struct cc_compose_service *compose_service(const struct cc_compose_project *p, const char *name);
/* Check that every argument names a service (docker's "no such service:
 * X", 1). */
int compose_check_services(const struct cc_compose_project *p, int argc, char **argv);
/* Is c of one of the services named (none named: all)? */
bool compose_selected(const struct compose_ctr *c, int argc, char **argv);
/* "<project>-<service>-<n>", or the service's container_name. */
char *compose_container_name(const struct cc_compose_project *p, const struct cc_compose_service *sv, int n);
/* The image a service runs: image:, else "<project>-<service>" (built). */
char *compose_image_name(const struct cc_compose_project *p, const struct cc_compose_service *sv);
/* " Container NAME  Started" lines on stderr, as docker compose prints
 * them without a terminal. */
void compose_progress(const char *kind, const char *name, const char *what);

/* The networks and volumes the selected services (want[i]) use, made
 * when missing; 1 after printing (compose-up.c). */
int compose_ensure_resources(struct cc_store *s, const struct cc_compose_project *p, const bool *want);
/* Build the selected services (want[i]) that have build: and whose image
 * is missing (always: every one), with build's extra flags (NULL-ended,
 * may be NULL) (compose-up.c). */
int compose_build_services(struct cc_store *s, const struct cc_compose_project *p, const bool *want, bool always,
			   const char *const *extra);
/* The services named (all when none), with what they depend on unless
 * no_deps, into want (n_services); 1 after printing (compose-up.c). */
int compose_selected_services(const struct cc_compose_project *p, int argc, char **argv, bool no_deps, bool *want);
/* fn for service i in a process of its own, for every service want[i], in
 * waves: a service once each wanted service it depends on has had its
 * turn, or with reverse once each wanted service that depends on it has
 * (stop).  1 when any failed, or after printing (compose-up.c). */
typedef int (*compose_wave_fn)(const struct cc_compose_project *p, size_t i, const bool *want, const void *arg);
int compose_in_waves(const struct cc_compose_project *p, const bool *want, bool reverse, compose_wave_fn fn,
		     const void *arg);
/* Wait for the condition of each dependency of sv that is wanted; 1
 * after printing when one will never hold (compose-up.c). */
int compose_wait_dependencies(const struct cc_compose_project *p, const struct cc_compose_service *sv, const bool *want);
/* `up -d` of these services (compose run's dependencies). */
int compose_up_detached(int argc, char **argv);

/* up without -d: every selected service's output, prefixed, until they
 * have all ended; Ctrl-C (or with abort_on_exit the first end) stops them
 * (compose-ops.c). */
int compose_attach(struct cc_store *s, const struct cc_compose_project *p, const bool *want, bool no_color,
		   bool no_prefix, bool abort_on_exit, int timeout);

extern const struct cmd_verb compose_up_verb, compose_down_verb, compose_ps_verb, compose_start_verb,
	compose_stop_verb, compose_restart_verb, compose_kill_verb, compose_rm_verb, compose_exec_verb,
	compose_run_verb, compose_logs_verb, compose_build_verb, compose_pull_verb, compose_push_verb,
	compose_images_verb, compose_top_verb, compose_port_verb, compose_create_verb, compose_ls_verb;

#endif
