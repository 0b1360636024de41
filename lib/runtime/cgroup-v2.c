/* cgroup v2 (unified): the container's cgroup is <root>/ccontainer/<id>.
 *
 * A controller is usable in a cgroup only when every ancestor lists it in
 * cgroup.subtree_control, so the ones we need are enabled in the root's and
 * in ccontainer's (never in the container's own: it has processes, and the
 * "no internal processes" rule forbids a cgroup with both).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "cgroup-internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

/* io: for stats' BLOCK I/O (io.stat), never limited */
static const char *const controllers[] = { "cpu", "memory", "pids", "io" };
#define N_CONTROLLERS (sizeof(controllers) / sizeof(controllers[0]))

/* Is word one of the space-separated words of list? */
static bool has_word(const char *list, const char *word)
{
	size_t wl = strlen(word);
	for (const char *p = list; p != NULL && *p != '\0';) {
		p += strspn(p, " \n");
		size_t len = strcspn(p, " \n");
		if (len == wl && strncmp(p, word, wl) == 0)
			return true;
		p += len;
	}
	return false;
}

/* Enable in dir's subtree_control those of want[] it does not have yet:
 * one write of all of them ("+cpu +memory +pids"), then one by one if the
 * kernel refuses the lot, so that one unavailable controller does not
 * cost the others. */
static int enable(const char *dir, const bool want[N_CONTROLLERS], cc_error **err)
{
	_cleanup_free_ char *cur = NULL;
	cc_error *e = NULL;
	if (cc_rt_cg_read(dir, "cgroup.subtree_control", &cur, &e) < 0)
		cc_error_clear(&e); /* the write below reports it */
	char buf[64] = "";
	size_t len = 0;
	for (size_t i = 0; i < N_CONTROLLERS; i++)
		if (want[i] && !has_word(cur, controllers[i]))
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s+%s", len ? " " : "",
						controllers[i]);
	if (len == 0)
		return 0;
	if (cc_rt_cg_write(dir, "cgroup.subtree_control", buf, &e) == 0)
		return 0;
	int r = 0;
	for (size_t i = 0; i < N_CONTROLLERS; i++) {
		if (!want[i] || has_word(cur, controllers[i]))
			continue;
		char one[16];
		(void)snprintf(one, sizeof(one), "+%s", controllers[i]);
		if (cc_rt_cg_write(dir, "cgroup.subtree_control", one, err) < 0)
			r = -1;
	}
	if (r < 0) {
		cc_error_free(e);
		return cc_error_prefix(err, "enable cgroup controllers");
	}
	cc_error_free(e);
	return 0;
}

static int write_u64(const char *dir, const char *file, uint64_t v, cc_error **err)
{
	char buf[32];
	(void)snprintf(buf, sizeof(buf), "%" PRIu64, v);
	return cc_rt_cg_write(dir, file, buf, err);
}

static int set_limits(const char *path, const struct cc_resources *res, cc_error **err)
{
	int r;
	if (res->memory > 0 && (r = write_u64(path, "memory.max", (uint64_t)res->memory, err)) < 0)
		return r;
	if (res->memory_swap != 0) {
		/* v2 limits swap alone: memory+swap minus memory */
		char buf[32] = "max";
		if (res->memory_swap > 0)
			(void)snprintf(buf, sizeof(buf), "%" PRId64, res->memory_swap - res->memory);
		cc_error *e = NULL;
		if (cc_rt_cg_write(path, "memory.swap.max", buf, &e) < 0) {
			/* no swap accounting on this kernel: docker ignores it too */
			int en = e->errnum;
			if (en != ENOENT) {
				r = cc_error_set(err, en, "%s", e->msg);
				cc_error_free(e);
				return r;
			}
			cc_error_free(e);
		}
	}
	if (res->cpu_quota > 0 || res->cpu_period > 0) {
		char buf[64];
		if (res->cpu_quota > 0)
			(void)snprintf(buf, sizeof(buf), "%" PRId64 " %" PRId64, res->cpu_quota,
				       res->cpu_period > 0 ? res->cpu_period : 100000);
		else
			(void)snprintf(buf, sizeof(buf), "max %" PRId64, res->cpu_period);
		if ((r = cc_rt_cg_write(path, "cpu.max", buf, err)) < 0)
			return r;
	}
	if (res->cpu_shares > 0 &&
	    (r = write_u64(path, "cpu.weight", cc_rt_cg_shares_to_weight((uint64_t)res->cpu_shares), err)) < 0)
		return r;
	if (res->pids_limit != 0) {
		if (res->pids_limit < 0)
			r = cc_rt_cg_write(path, "pids.max", "max", err);
		else
			r = write_u64(path, "pids.max", (uint64_t)res->pids_limit, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int v2_create(struct cc_rt_cgroup *cg, const struct cc_resources *res, bool privileged,
		     cc_error **err)
{
	(void)privileged; /* FIXME: no device allowlist on v2 yet (needs a BPF_CGROUP_DEVICE program) */
	_cleanup_free_ char *avail = NULL, *parent = NULL;
	int r = cc_rt_cg_read(cg->unified, "cgroup.controllers", &avail, err);
	if (r < 0)
		return r;
	/* memory always (OOM reporting), the others when available */
	bool need[N_CONTROLLERS] = { res->cpu_quota > 0 || res->cpu_shares > 0,
				     res->memory > 0 || res->memory_swap != 0, res->pids_limit != 0, false };
	bool want[N_CONTROLLERS];
	for (size_t i = 0; i < N_CONTROLLERS; i++) {
		want[i] = has_word(avail, controllers[i]);
		if (need[i] && !want[i])
			return cc_error_set(err, ENOTSUP, "the %s cgroup controller is not available in '%s'",
					    controllers[i], cg->unified);
	}
	if (asprintf(&parent, "%s/" CC_RT_CGROUP_PARENT, cg->unified) < 0) {
		parent = NULL;
		return cc_error_set(err, ENOMEM, "cgroup");
	}
	if ((r = enable(cg->unified, want, err)) < 0 || (r = cc_rt_cg_mkdir(parent, err)) < 0 ||
	    (r = enable(parent, want, err)) < 0 || (r = cc_rt_cg_mkdir(cg->path, err)) < 0)
		return r;
	cg->created = true;
	return set_limits(cg->path, res, err);
}

static int v2_oom_killed(struct cc_rt_cgroup *cg, bool *ret, cc_error **err)
{
	(void)err;
	/* memory.events counts for the whole subtree */
	*ret = cc_rt_cg_read_key(cg->path, "memory.events", "oom_kill") > 0;
	return 0;
}

static int v2_destroy(struct cc_rt_cgroup *cg, cc_error **err)
{
	int r = cc_rt_cg_rmdir(cg->path, err);
	if (r == 0)
		cg->created = false;
	return r;
}

static int v2_update(struct cc_rt_cgroup *cg, const struct cc_resources *res, cc_error **err)
{
	return set_limits(cg->path, res, err);
}

const struct cc_rt_cgroup_ops cc_rt_cgroup_v2_ops = {
	.name = "v2",
	.update = v2_update,
	.create = v2_create,
	.oom_killed = v2_oom_killed,
	.destroy = v2_destroy,
};
