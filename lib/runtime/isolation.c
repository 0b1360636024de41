/* Privileges and resources in the plan (parent, before clone) and the
 * child's privilege steps around the uid switch.
 *
 * The order in the child, and why:
 *
 *   a. rlimits            as root: raising a hard limit needs CAP_SYS_RESOURCE
 *   b. bounding set       as root: PR_CAPBSET_DROP needs CAP_SETPCAP; and
 *                         keep-caps, so setuid() keeps the permitted set
 *   c. uid switch         setgroups/setgid/setuid (child.c, user.c)
 *   d. caps, first pass   permitted = effective = final set, plus
 *                         CAP_SYS_ADMIN when the filter below must be
 *                         loaded without no_new_privs; inheritable and
 *                         ambient empty
 *   e. no_new_privs       only when asked (--security-opt no-new-privileges):
 *                         docker leaves it off so setuid binaries (su, ping
 *                         on old images) keep working
 *   f. seccomp            the very last setup syscall that matters: loading
 *                         a filter needs no_new_privs or CAP_SYS_ADMIN, hence
 *                         d; everything before it (setuid, capset, mounts)
 *                         is outside the profile's reach
 *   g. caps, final pass   drop the CAP_SYS_ADMIN kept for f: capset is in
 *                         every sane profile (docker's allows it); with
 *                         no_new_privs or CAP_SYS_ADMIN in the set it is
 *                         skipped
 *   h. execve             (after CC_SYNC_EXEC, which sendmsg()s)
 *
 * runc does the same when no_new_privs is off (seccomp before dropping
 * capabilities, the profile must allow what runc does afterwards); we keep
 * that window down to one capset().
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "security-internal.h"

#include <errno.h>
#include <linux/capability.h>

#include "util/util.h"
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <unistd.h>

#define MEMORY_MIN (6 * 1024 * 1024) /* docker's minimum */

int cc_rt_resources_check(const struct cc_resources *in, bool have_id, struct cc_resources *ret, cc_error **err)
{
	struct cc_resources r = *in;
	bool any = r.memory || r.memory_swap || r.cpu_quota || r.cpu_period || r.cpu_shares ||
		   r.pids_limit;
	if (any && !have_id)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "resource limits need a container id for the cgroup");
	if (r.memory < 0 || r.cpu_quota < 0 || r.cpu_period < 0 || r.cpu_shares < 0 ||
	    r.memory_swap < -1 || r.pids_limit < -1)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "negative resource limit");
	if (r.memory > 0 && r.memory < MEMORY_MIN)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "Minimum memory limit allowed is 6MB");
	if (r.memory_swap != 0 && r.memory == 0)
		return cc_error_setk(err, CC_ERR_INVALID, 0,
				     "You should always set the Memory limit when using Memoryswap limit, see usage");
	if (r.memory_swap > 0 && r.memory_swap < r.memory)
		return cc_error_setk(err, CC_ERR_INVALID, 0,
				     "Minimum memoryswap limit should be larger than memory limit, see usage");
	/* docker: without --memory-swap the container may swap as much as its
	 * memory limit */
	if (r.memory > 0 && r.memory_swap == 0)
		r.memory_swap = r.memory <= INT64_MAX / 2 ? 2 * r.memory : -1;
	if (r.cpu_quota > 0 && r.cpu_quota < 1000)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "CPU cfs quota cannot be less than 1ms (i.e. 1000)");
	if (r.cpu_period != 0 && (r.cpu_period < 1000 || r.cpu_period > 1000000))
		return cc_error_setk(err, CC_ERR_INVALID, 0,
				     "CPU cfs period cannot be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)");
	if (r.cpu_quota > 0 && r.cpu_period == 0)
		r.cpu_period = 100000;
	if (r.cpu_shares > 0 && r.cpu_shares < 2)
		r.cpu_shares = 2; /* the kernel's minimum, as docker clamps */
	if (r.cpu_shares > 262144)
		r.cpu_shares = 262144;
	*ret = r;
	return 0;
}

/* The profile compiled for p->caps, from the cache when it has it. */
static int compile_cached(const char *dir, const struct cc_rt_sc_profile *prof,
			  struct cc_rt_plan *p, cc_error **err)
{
	char key[CC_RT_SC_KEY_MAX];
	bool cache = dir != NULL && cc_rt_sc_cache_key(prof, p->caps, key) == 0;
	if (cache && cc_rt_sc_cache_read(dir, key, &p->seccomp_filter, &p->seccomp_len) == 0)
		return 0;
	int r = cc_rt_sc_compile(prof, p->caps, &p->seccomp_filter, &p->seccomp_len, err);
	if (r == 0 && cache)
		cc_rt_sc_cache_write(dir, key, p->seccomp_filter, p->seccomp_len);
	return r;
}

/* A v1 devices controller mounted where the cgroup code looks for it. */
static bool device_cgroup_available(void)
{
	return access("/sys/fs/cgroup/devices/devices.allow", F_OK) == 0;
}

static bool mknod_requested(const char *const *add)
{
	for (const char *const *a = add; a && *a; a++)
		if (strcasecmp(*a, "ALL") == 0 || cc_rt_cap_from_name(*a) == CAP_MKNOD)
			return true;
	return false;
}

int cc_rt_plan_security(const struct cc_run_spec *s, struct cc_rt_plan *p, cc_error **err)
{
	int r;
	for (size_t i = 0; i < s->n_rlimits; i++)
		if (s->rlimits == NULL || s->rlimits[i].soft > s->rlimits[i].hard)
			return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid rlimit %zu", i);
	if ((r = cc_rt_resources_check(&s->resources, s->container_id != NULL, &p->resources, err)) < 0)
		return r;

	uint64_t all = cc_rt_caps_all();
	if (s->privileged) {
		p->caps = all;
		/* --privileged is unconfined; a profile given as well still
		 * applies, as in docker */
		if (s->seccomp_profile == NULL || strcmp(s->seccomp_profile, "unconfined") == 0)
			return 0;
	} else if ((r = cc_rt_caps_compute(s->cap_add, s->cap_drop, all, &p->caps, err)) < 0) {
		return r;
	} else if ((s->container_id == NULL || !device_cgroup_available()) && !mknod_requested(s->cap_add)) {
		/* docker keeps MKNOD because the device cgroup stops the nodes
		 * from being opened.  Without one (no cgroup of the container's
		 * own, or no v1 devices controller: pure cgroup v2, where docker
		 * loads a BPF device program that ccontainer does not have yet)
		 * the only safe default is to not let the container create
		 * device nodes at all. */
		p->caps &= ~(UINT64_C(1) << CAP_MKNOD);
	}

	if (s->seccomp_profile != NULL && strcmp(s->seccomp_profile, "unconfined") == 0)
		return 0;
	if (s->seccomp_profile == NULL || s->seccomp_profile[0] == '\0')
		return compile_cached(s->seccomp_cache_dir, &cc_rt_sc_default_profile, p, err);
	struct cc_rt_sc_profile prof = { 0 };
	if ((r = cc_rt_sc_profile_load(s->seccomp_profile, &prof, err)) < 0)
		return r;
	r = compile_cached(s->seccomp_cache_dir, &prof, p, err);
	cc_rt_sc_profile_release(&prof);
	return r;
}

bool cc_runtime_exec_needs_sealed(const struct cc_run_spec *s)
{
	uint64_t all = cc_rt_caps_all(), caps = all;
	cc_error *e = NULL;
	if (!s->privileged && cc_rt_caps_compute(s->cap_add, s->cap_drop, all, &caps, &e) < 0) {
		cc_error_free(e);
		return true; /* cc_runtime_exec reports the bad name */
	}
	return (caps & (UINT64_C(1) << CAP_SYS_PTRACE)) != 0 && !cc_self_is_sealed();
}

int cc_rt_child_privileges_early(const struct cc_rt_plan *p, cc_error **err)
{
	const struct cc_run_spec *s = p->spec;
	int r = cc_rt_rlimits_apply(s->rlimits, s->n_rlimits, err);
	if (r < 0)
		return r;
	return cc_rt_caps_bound(p->caps, err);
}

int cc_rt_child_privileges_final(const struct cc_rt_plan *p, uid_t uid, cc_error **err)
{
	const struct cc_run_spec *s = p->spec;
	/* a non-root user holds nothing (docker), only its bounding set */
	uint64_t caps = uid == 0 ? p->caps : 0;
	uint64_t admin = UINT64_C(1) << CAP_SYS_ADMIN;
	bool keep_admin = p->seccomp_filter != NULL && !s->no_new_privileges && !(caps & admin);
	int r = cc_rt_caps_set(caps, keep_admin ? admin : 0, err);
	if (r < 0)
		return r;
	if (s->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return cc_error_set(err, errno, "set no_new_privs");
	if (p->seccomp_filter == NULL)
		return 0;
	if ((r = cc_rt_sc_load(p->seccomp_filter, p->seccomp_len, err)) < 0)
		return r;
	if (keep_admin && (r = cc_rt_caps_set(caps, 0, err)) < 0)
		return cc_error_prefix(err, "after loading seccomp (the profile must allow capset)");
	return 0;
}
