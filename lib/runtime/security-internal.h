/* lib/runtime private interfaces for the container's privileges (issue 4):
 *
 *   caps.c     capability names, the docker default set, --cap-add/--cap-drop,
 *              the bounding/permitted/effective/inheritable/ambient sets
 *   seccomp.c  seccomp profiles (the built-in default, docker's JSON format),
 *              compiled with libseccomp into a BPF program in the caller's
 *              process; the child only loads it
 *   limits.c   --ulimit names and the rlimits of the child
 *
 * As with runtime-internal.h, the cc_rt_* functions are internal but not
 * static, for tests/unit/test-security.c.
 */
#ifndef CC_RUNTIME_SECURITY_INTERNAL_H
#define CC_RUNTIME_SECURITY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "runtime-internal.h"
#include "util/error.h"

/* --- caps.c ------------------------------------------------------------- */

/* docker's default set: CHOWN DAC_OVERRIDE FSETID FOWNER MKNOD NET_RAW
 * SETGID SETUID SETFCAP SETPCAP NET_BIND_SERVICE SYS_CHROOT KILL AUDIT_WRITE */
#define CC_RT_CAPS_DEFAULT UINT64_C(0x00000000a80425fb)
/* Highest capability number this file has a name for (CAP_CHECKPOINT_RESTORE). */
#define CC_RT_CAP_MAX 40

/* "NET_ADMIN", "cap_net_admin", "CAP_NET_ADMIN" -> 12.  -EINVAL when unknown
 * ("ALL" is not a capability here). */
int cc_rt_cap_from_name(const char *name);
/* "CAP_NET_ADMIN" for 12, NULL when unknown. */
const char *cc_rt_cap_name(int cap);
/* The capabilities of the running kernel and of this process's bounding
 * set: everything --privileged can give. */
uint64_t cc_rt_caps_all(void);
/* docker's TweakCapabilities: ALL in add starts from every capability, ALL
 * in drop from none, otherwise from the default set; then the other names
 * are added, then dropped.  Unknown names are CC_ERR_INVALID errors. */
int cc_rt_caps_compute(const char *const *add, const char *const *drop, uint64_t all,
		       uint64_t *ret, cc_error **err);

/* Child, as root, before the uid switch: drop everything outside caps
 * from the bounding set (needs CAP_SETPCAP, which we still have) and ask
 * setuid() to keep the permitted set, so that CAP_SYS_ADMIN survives until
 * the seccomp filter is loaded. */
int cc_rt_caps_bound(uint64_t caps, cc_error **err);
/* Child, after the uid switch: permitted = effective = caps (| extra),
 * inheritable and ambient empty, keep-caps off again. */
int cc_rt_caps_set(uint64_t caps, uint64_t extra, cc_error **err);

/* --- seccomp.c ---------------------------------------------------------- */

#define CC_RT_SC_MAX_ARGS 6

struct cc_rt_sc_arg {
	unsigned index;
	uint64_t value, value_two;
	int op;                       /* enum scmp_compare */
};

struct cc_rt_sc_rule {
	const char *const *names;    /* NULL-terminated */
	uint32_t action;              /* SCMP_ACT_*; ERRNO/TRACE carry errno_ret */
	int errno_ret;                /* -1: the profile's default (EPERM) */
	size_t n_args;
	struct cc_rt_sc_arg args[CC_RT_SC_MAX_ARGS];
	uint64_t caps_include;        /* rule applies when all of these are held */
	uint64_t caps_exclude;        /* ... and none of these */
	bool never;                   /* includes a capability nobody can hold */
	const char *const *arches_include; /* native arch names ("amd64"), or NULL */
	const char *const *arches_exclude;
	const char *min_kernel;       /* "4.8", or NULL */
};

struct cc_rt_sc_profile {
	uint32_t default_action;
	int default_errno;            /* for SCMP_ACT_ERRNO default; EPERM when absent */
	uint32_t arches[16];          /* SCMP_ARCH_* to add besides the native one */
	size_t n_arches;
	const struct cc_rt_sc_rule *rules;
	size_t n_rules;
	/* parsed profiles own these */
	void *json;                   /* json_t root that the strings point into */
	void *owned;                  /* rules array and name arrays */
	size_t n_owned;
};

/* The built-in profile, equivalent to docker's default. */
extern const struct cc_rt_sc_profile cc_rt_sc_default_profile;

/* Parse a profile in docker's JSON format (defaultAction, defaultErrnoRet,
 * architectures / archMap, syscalls[{names, action, errnoRet, args,
 * includes, excludes}]).  Errors are CC_ERR_INVALID, prefixed by source. */
int cc_rt_sc_profile_parse(const char *text, size_t len, const char *source,
			   struct cc_rt_sc_profile *ret, cc_error **err);
/* Read (at most 4 MiB) and parse a profile file. */
int cc_rt_sc_profile_load(const char *path, struct cc_rt_sc_profile *ret, cc_error **err);
void cc_rt_sc_profile_release(struct cc_rt_sc_profile *p);

/* Compile p for a container holding caps into a classic BPF program
 * (struct sock_filter[], *ret_len entries, malloc'd), with runc's ENOSYS
 * prologue: a syscall number above the highest one the profile names (for
 * that arch) fails with ENOSYS instead of the default action, so that libcs
 * probing newer syscalls fall back (moby#42680). */
int cc_rt_sc_compile(const struct cc_rt_sc_profile *p, uint64_t caps, void **ret_filter,
		     size_t *ret_len, cc_error **err);
/* seccomp-cache.c: compiled programs kept in a directory, keyed by the
 * profile (the built-in one by its sources' hash, a file's by a SHA-256 of
 * its content), caps, arch, libseccomp and kernel versions. */
#define CC_RT_SC_KEY_MAX 256
int cc_rt_sc_cache_key(const struct cc_rt_sc_profile *p, uint64_t caps, char out[CC_RT_SC_KEY_MAX]);
/* 0 and a malloc'd program, or -errno (missing, or not matching). */
int cc_rt_sc_cache_read(const char *dir, const char *key, void **ret_filter, size_t *ret_len);
/* Best effort. */
void cc_rt_sc_cache_write(const char *dir, const char *key, const void *filter, size_t len);

/* Child: load the program (needs no_new_privs or CAP_SYS_ADMIN). */
int cc_rt_sc_load(const void *filter, size_t len, cc_error **err);

/* --- limits.c ----------------------------------------------------------- */

/* "nofile" -> RLIMIT_NOFILE; -1 when unknown. */
int cc_rt_rlimit_from_name(const char *name);
/* Child, as root before the uid switch (raising a hard limit needs
 * CAP_SYS_RESOURCE). */
int cc_rt_rlimits_apply(const struct cc_rlimit *r, size_t n, cc_error **err);

/* --- plan.c's hook ------------------------------------------------------ */

/* Everything about privileges and resources in the plan: capability set,
 * seccomp program, validated rlimits and resources. */
int cc_rt_plan_security(const struct cc_run_spec *s, struct cc_rt_plan *p, cc_error **err);
/* Validate resource limits as docker does and fill in its defaults
 * (memory-swap, cpu period, cpu shares clamped); have_id: there is a
 * container id to name the cgroup after. */
int cc_rt_resources_check(const struct cc_resources *in, bool have_id, struct cc_resources *ret, cc_error **err);

/* --- isolation.c: the child's steps (the order is explained there) ------ */

/* As root, before the uid switch: rlimits, bounding set, keep-caps. */
int cc_rt_child_privileges_early(const struct cc_rt_plan *p, cc_error **err);
/* After the uid switch, right before execve: capabilities,
 * no_new_privs, seccomp. */
int cc_rt_child_privileges_final(const struct cc_rt_plan *p, uid_t uid, cc_error **err);

#endif
