/* ccontainer update: a container's resource limits and restart policy,
 * running or not (lib/container's cc_container_update): the new limits go
 * to a running container's cgroup first (the kernel may refuse one:
 * nothing changes then), then into its stored spec, so later starts keep
 * them. */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "container/container.h"
#include "runtime/runtime.h"

struct update_opts {
	int64_t memory, memory_swap, cpu_shares, pids_limit;
	const char *cpus, *restart;
};

static const struct cmd_opt update_options[] = {
	OPT_INT('c', "cpu-shares", struct update_opts, cpu_shares, "int", "CPU shares (relative weight)",
		.flags = CMD_OPT_UNSET),
	OPT_STRING(0, "cpus", struct update_opts, cpus, "decimal", "Number of CPUs"),
	OPT_BYTES('m', "memory", struct update_opts, memory, "bytes", "Memory limit", .flags = CMD_OPT_UNSET),
	OPT_BYTES(0, "memory-swap", struct update_opts, memory_swap, "bytes",
		  "Swap limit equal to memory plus swap: -1 to enable unlimited swap",
		  .flags = CMD_OPT_UNSET | CMD_OPT_MINUS_ONE),
	OPT_INT(0, "pids-limit", struct update_opts, pids_limit, "int", "Tune container pids limit (set -1 for unlimited)",
		.flags = CMD_OPT_UNSET),
	OPT_STRING(0, "restart", struct update_opts, restart, "string", "Restart policy to apply when a container exits",
		   .complete = CMD_COMPLETE_WORDS, .words = "no on-failure always unless-stopped"),
	OPT_END,
};

static int update_one(struct cc_store *s, const char *ref, const struct cmd_run_update *u)
{
	struct cc_container_record *c = cmd_container_get(s, ref);
	if (c == NULL)
		return EXIT_CC_ERROR;
	struct cc_resources res;
	_cleanup_free_ char *config = NULL;
	cc_error *e = NULL;
	int rc = cmd_run_update(s, c, u, &res, &config);
	struct cc_restart_policy p;
	bool policy = u->restart != NULL && cc_restart_policy_parse(u->restart, &p, NULL) == 0;
	if (rc == 0 && cc_container_update(s, c, &res, config, policy ? &p : NULL, &e) < 0)
		rc = cmd_fail(e, EXIT_CC_ERROR);
	if (rc == 0)
		printf("%s\n", ref);
	cc_container_record_free(c);
	return rc;
}

static int update_action(void *opts, int argc, char **argv)
{
	const struct update_opts *o = opts;
	const struct cmd_run_update u = { .memory = o->memory, .memory_swap = o->memory_swap,
					  .cpu_shares = o->cpu_shares, .pids_limit = o->pids_limit, .cpus = o->cpus,
					  .restart = o->restart };
	if (u.memory == CMD_INT_UNSET && u.memory_swap == CMD_INT_UNSET && u.cpu_shares == CMD_INT_UNSET &&
	    u.pids_limit == CMD_INT_UNSET && u.cpus == NULL && u.restart == NULL)
		return cmd_usagef("you must provide one or more flags when using this command");
	struct cc_store *s = cmd_open_store();
	if (s == NULL)
		return EXIT_CC_ERROR;
	int rc = 0;
	for (int i = 0; i < argc; i++) {
		int r = update_one(s, argv[i], &u);
		rc = r != 0 ? r : rc;
	}
	cc_store_close(s);
	return rc;
}

const struct cmd_verb cmd_update_verb = {
	.name = "update",
	.usage = "[OPTIONS] CONTAINER [CONTAINER...]",
	.summary = "Update configuration of one or more containers",
	.opts = update_options,
	.opts_size = sizeof(struct update_opts),
	.min_args = 1,
	.max_args = -1,
	.complete_args = CMD_COMPLETE_CONTAINER,
	.action = update_action,
};
