/* cgroup v1 (and the hybrid layout): one directory per hierarchy we use,
 * <mount>/ccontainer/<id>, for the cpu, cpuacct, memory, pids and devices
 * controllers (co-mounted ones share a hierarchy and so a directory).  On
 * a hybrid host the unified hierarchy gets <unified>/ccontainer/<id> as
 * well: it has no controllers we need, but systemd-style tools find a
 * process's container through it.
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

/* docker's (runc's) default device allowlist: mknod of anything, use of
 * the standard nodes and ptys only */
static const char *const default_devices[] = {
	"c *:* m",   "b *:* m",  "c 1:3 rwm", "c 1:5 rwm",   "c 1:7 rwm", "c 1:8 rwm",
	"c 1:9 rwm", "c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm", "c 136:* rwm",
};

static int write_i64(const char *dir, const char *file, int64_t v, cc_error **err)
{
	char buf[32];
	(void)snprintf(buf, sizeof(buf), "%" PRId64, v);
	return cc_rt_cg_write(dir, file, buf, err);
}

/* Write, but a file the kernel does not have is not an error. */
static int write_optional(const char *dir, const char *file, int64_t v, cc_error **err)
{
	cc_error *e = NULL;
	if (write_i64(dir, file, v, &e) == 0)
		return 0;
	int en = e->errnum;
	int r = en == ENOENT ? 0 : cc_error_set(err, en, "%s", e->msg);
	cc_error_free(e);
	return r;
}

static int set_limits(const struct cc_rt_cgroup_hier *h, const struct cc_resources *res,
		      bool privileged, cc_error **err)
{
	int r = 0;
	if ((h->controllers & CC_RT_CG_MEMORY) && res->memory > 0) {
		if ((r = write_i64(h->path, "memory.limit_in_bytes", res->memory, err)) < 0)
			return r;
		/* memsw (memory + swap) exists only with swap accounting */
		if (res->memory_swap != 0 &&
		    (r = write_optional(h->path, "memory.memsw.limit_in_bytes", res->memory_swap, err)) < 0)
			return r;
	}
	if (h->controllers & CC_RT_CG_CPU) {
		if (res->cpu_shares > 0 && (r = write_i64(h->path, "cpu.shares", res->cpu_shares, err)) < 0)
			return r;
		/* the period first: the kernel checks quota against it */
		if (res->cpu_period > 0 &&
		    (r = write_i64(h->path, "cpu.cfs_period_us", res->cpu_period, err)) < 0)
			return r;
		if (res->cpu_quota > 0 &&
		    (r = write_i64(h->path, "cpu.cfs_quota_us", res->cpu_quota, err)) < 0)
			return r;
	}
	if ((h->controllers & CC_RT_CG_PIDS) && res->pids_limit != 0) {
		r = res->pids_limit < 0 ? cc_rt_cg_write(h->path, "pids.max", "max", err)
					: write_i64(h->path, "pids.max", res->pids_limit, err);
		if (r < 0)
			return r;
	}
	if ((h->controllers & CC_RT_CG_DEVICES) && !privileged) {
		/* a new cgroup inherits "a *:* rwm": deny all, then allow */
		if ((r = cc_rt_cg_write(h->path, "devices.deny", "a", err)) < 0)
			return r;
		for (size_t i = 0; i < sizeof(default_devices) / sizeof(default_devices[0]); i++)
			if ((r = cc_rt_cg_write(h->path, "devices.allow", default_devices[i], err)) < 0)
				return r;
	}
	return 0;
}

/* mount/ccontainer (kept, shared by all containers), then path in it */
static int make_dir(const char *mount, const char *path, cc_error **err)
{
	_cleanup_free_ char *parent = NULL;
	if (asprintf(&parent, "%s/" CC_RT_CGROUP_PARENT, mount) < 0) {
		parent = NULL;
		return cc_error_set(err, ENOMEM, "cgroup");
	}
	int r = cc_rt_cg_mkdir(parent, err);
	return r < 0 ? r : cc_rt_cg_mkdir(path, err);
}

static int v1_create(struct cc_rt_cgroup *cg, const struct cc_resources *res, bool privileged,
		     cc_error **err)
{
	unsigned have = 0;
	for (size_t i = 0; i < cg->n_v1; i++)
		have |= cg->v1[i].controllers;
	static const struct {
		unsigned bit;
		const char *name;
	} needs[] = { { CC_RT_CG_MEMORY, "memory" }, { CC_RT_CG_CPU, "cpu" }, { CC_RT_CG_PIDS, "pids" } };
	bool need[3] = { res->memory > 0 || res->memory_swap != 0,
			 res->cpu_quota > 0 || res->cpu_shares > 0, res->pids_limit != 0 };
	for (size_t i = 0; i < 3; i++)
		if (need[i] && !(have & needs[i].bit))
			return cc_error_set(err, ENOTSUP, "the %s cgroup controller is not mounted",
					    needs[i].name);

	int r;
	for (size_t i = 0; i < cg->n_v1; i++) {
		struct cc_rt_cgroup_hier *h = &cg->v1[i];
		if ((r = make_dir(h->mount, h->path, err)) < 0)
			return r;
		h->created = true;
		if ((r = set_limits(h, res, privileged, err)) < 0)
			return r;
	}
	if (cg->path != NULL) { /* hybrid: the unified hierarchy, for tracking */
		if ((r = make_dir(cg->unified, cg->path, err)) < 0)
			return r;
		cg->created = true;
	}
	return 0;
}

static int v1_oom_killed(struct cc_rt_cgroup *cg, bool *ret, cc_error **err)
{
	(void)err;
	*ret = false;
	for (size_t i = 0; i < cg->n_v1; i++) {
		if (!(cg->v1[i].controllers & CC_RT_CG_MEMORY))
			continue;
		/* "oom_kill N": linux >= 4.13 */
		*ret = cc_rt_cg_read_key(cg->v1[i].path, "memory.oom_control", "oom_kill") > 0;
	}
	return 0;
}

static int v1_destroy(struct cc_rt_cgroup *cg, cc_error **err)
{
	/* every directory, even after a failure: a leftover cgroup is a leak */
	int ret = 0;
	for (size_t i = 0; i < cg->n_v1; i++) {
		int r = cc_rt_cg_rmdir(cg->v1[i].path, err);
		if (r < 0 && ret == 0)
			ret = r;
		else if (r == 0)
			cg->v1[i].created = false;
	}
	if (cg->path != NULL) {
		int r = cc_rt_cg_rmdir(cg->path, err);
		if (r < 0 && ret == 0)
			ret = r;
		else if (r == 0)
			cg->created = false;
	}
	return ret;
}

static int v1_update(struct cc_rt_cgroup *cg, const struct cc_resources *res, cc_error **err)
{
	for (size_t i = 0; i < cg->n_v1; i++) {
		int r = set_limits(&cg->v1[i], res, true /* the device list stays */, err);
		if (r < 0)
			return r;
	}
	return 0;
}

const struct cc_rt_cgroup_ops cc_rt_cgroup_v1_ops = {
	.name = "v1",
	.update = v1_update,
	.create = v1_create,
	.oom_killed = v1_oom_killed,
	.destroy = v1_destroy,
};
