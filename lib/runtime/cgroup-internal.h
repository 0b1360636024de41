/* lib/runtime private interface: the container's cgroup.
 *
 *   cgroup.c     layout detection from mountinfo, the dispatcher, file helpers
 *   cgroup-v2.c  the unified hierarchy: <root>/ccontainer/<id>
 *   cgroup-v1.c  one directory per v1 hierarchy used
 *                (<mount>/ccontainer/<id>), plus, on a hybrid host, the
 *                unified hierarchy's ccontainer/<id> for tracking
 *
 * Like crun's libcrun_cgroup_manager, each layout is a table of functions;
 * the rest of the runtime only calls cc_rt_cgroup_*().  The root (default
 * /sys/fs/cgroup) and the mountinfo file are parameters so that the unit
 * tests (tests/unit/test-cgroup.c) can run against a fake cgroupfs.
 */
#ifndef CC_RUNTIME_CGROUP_INTERNAL_H
#define CC_RUNTIME_CGROUP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "runtime.h"
#include "util/error.h"

#define CC_RT_CGROUP_PARENT "ccontainer"

enum cc_rt_cgroup_layout {
	CC_RT_CGROUP_NONE = 0, /* no cgroup filesystem at all */
	CC_RT_CGROUP_V1,       /* v1 controllers only */
	CC_RT_CGROUP_HYBRID,   /* v1 controllers, plus a unified hierarchy */
	CC_RT_CGROUP_V2,       /* unified only */
};

/* v1 controllers we use, as bits */
enum {
	CC_RT_CG_CPU = 1 << 0,
	CC_RT_CG_CPUACCT = 1 << 1,
	CC_RT_CG_MEMORY = 1 << 2,
	CC_RT_CG_PIDS = 1 << 3,
	CC_RT_CG_DEVICES = 1 << 4,
	CC_RT_CG_BLKIO = 1 << 5,   /* stats' BLOCK I/O */
	CC_RT_CG_FREEZER = 1 << 6, /* pause; joined only without a unified
	                              hierarchy (its cgroup.freeze serves) */
};

#define CC_RT_CG_MAX_HIER 16

struct cc_rt_cgroup_hier {
	char *mount;        /* where the v1 hierarchy is mounted */
	unsigned controllers;
	char *path;         /* mount/ccontainer/<id> */
	bool created;
};

struct cc_rt_cgroup;

struct cc_rt_cgroup_ops {
	const char *name;
	/* mkdir and write the limits; the parents are created as needed */
	int (*create)(struct cc_rt_cgroup *cg, const struct cc_resources *res, bool privileged,
		      cc_error **err);
	/* did the kernel OOM-kill something in it */
	int (*oom_killed)(struct cc_rt_cgroup *cg, bool *ret, cc_error **err);
	/* rmdir, retrying while the last processes exit */
	int (*destroy)(struct cc_rt_cgroup *cg, cc_error **err);
	/* write the limits res sets (its zero fields stay) into the existing cgroup */
	int (*update)(struct cc_rt_cgroup *cg, const struct cc_resources *res, cc_error **err);
};

/* What the container's first process needs to put itself in its cgroup
 * (cc_rt_cgroup_join), opened by the parent before clone.  The process
 * moves itself (the parent never moves it): the kernel lets a single thread that
 * moves itself ("0" to a v1 "tasks" file) skip cgroup_threadgroup_rwsem,
 * whose first writer after a quiet spell waits a whole RCU grace period
 * (7-22 ms measured here, against 0.03 ms), and a cgroup2 cgroup is
 * entered at clone time (CLONE_INTO_CGROUP: the lock taken for reading). */
struct cc_rt_cgroup_join {
	bool open;
	int into;           /* path as an O_PATH directory: CLONE_INTO_CGROUP, or -1 */
	int procs;          /* path/cgroup.procs: when clone could not place it, or -1 */
	int tasks[CC_RT_CG_MAX_HIER]; /* v1[i].path/tasks */
};

struct cc_rt_cgroup {
	const struct cc_rt_cgroup_ops *ops;
	enum cc_rt_cgroup_layout layout;
	char *id;
	char *unified;      /* mount point of the cgroup2 hierarchy, or NULL */
	char *path;         /* unified/ccontainer/<id> (v2, hybrid) */
	bool created;
	bool rootless; /* no cgroups for want of a delegated v2 subtree */
	struct cc_rt_cgroup_hier v1[CC_RT_CG_MAX_HIER];
	size_t n_v1;
	struct cc_rt_cgroup_join join;
};

/* Where to look; NULL members take the defaults. */
struct cc_rt_cgroup_config {
	const char *mountinfo;  /* default /proc/self/mountinfo */
	const char *root;       /* default /sys/fs/cgroup; mount points under
	                           /sys/fs/cgroup are taken under this instead */
};

/* Detect the layout and set cg up for container id (nothing created yet). */
int cc_rt_cgroup_init(struct cc_rt_cgroup *cg, const struct cc_rt_cgroup_config *cfg,
		      const char *id, cc_error **err);
int cc_rt_cgroup_create(struct cc_rt_cgroup *cg, const struct cc_resources *res, bool privileged,
			cc_error **err);
/* Remove the empty cgroups that SIGKILLed starts left behind (best
 * effort; the start path calls it while its child sets up). */
void cc_rt_cgroup_sweep(const struct cc_rt_cgroup *cg);
/* Open cg->join (after create, before clone). */
int cc_rt_cgroup_open_join(struct cc_rt_cgroup *cg, cc_error **err);
/* The directory fd for clone3's CLONE_INTO_CGROUP, or -1. */
int cc_rt_cgroup_clone_fd(const struct cc_rt_cgroup *cg);
/* In the (single-threaded) child: move ourselves in; placed tells that
 * clone already put us in the cgroup2 one. */
int cc_rt_cgroup_join(const struct cc_rt_cgroup *cg, bool placed, cc_error **err);
int cc_rt_cgroup_oom_killed(struct cc_rt_cgroup *cg, bool *ret, cc_error **err);
int cc_rt_cgroup_destroy(struct cc_rt_cgroup *cg, cc_error **err);
/* Free memory and close cg->join (what was created stays). */
void cc_rt_cgroup_release(struct cc_rt_cgroup *cg);

extern const struct cc_rt_cgroup_ops cc_rt_cgroup_v1_ops;
extern const struct cc_rt_cgroup_ops cc_rt_cgroup_v2_ops;

/* --- helpers shared by the managers (cgroup.c) --------------------------- */

/* Write value to dir/file (no O_CREAT, no O_TRUNC: cgroupfs files exist). */
int cc_rt_cg_write(const char *dir, const char *file, const char *value, cc_error **err);
/* Read dir/file (at most 64 KiB) into *ret (malloc'd, NUL-terminated). */
int cc_rt_cg_read(const char *dir, const char *file, char **ret, cc_error **err);
/* The number after "key " on a line of dir/file ("oom_kill 3"), or -1. */
int64_t cc_rt_cg_read_key(const char *dir, const char *file, const char *key);
/* mkdir, EEXIST being fine. */
int cc_rt_cg_mkdir(const char *path, cc_error **err);
/* rmdir, retrying on EBUSY for up to about two seconds (after the first
 * few retries SIGKILLing what cgroup.procs still lists); ENOENT is fine. */
int cc_rt_cg_rmdir(const char *path, cc_error **err);
/* docker/crun: cpu.shares (2..262144) to cpu.weight (1..10000). */
uint64_t cc_rt_cg_shares_to_weight(uint64_t shares);

/* --- a running container's cgroup (cgroup-ctl.c) ------------------------ */

/* Freeze or thaw, waiting up to timeout_ms for the kernel to finish (see
 * cc_runtime_cgroup_freeze); ENOTSUP without a freezer for it. */
int cc_rt_cgroup_freeze(const struct cc_rt_cgroup *cg, bool freeze, int timeout_ms, cc_error **err);
int cc_rt_cgroup_frozen(const struct cc_rt_cgroup *cg, bool *ret, cc_error **err);
/* cgroup.procs of the cgroup2 part, else of the first v1 hierarchy. */
int cc_rt_cgroup_procs(const struct cc_rt_cgroup *cg, pid_t **ret, size_t *ret_n, cc_error **err);
/* The counters; host_mem caps the limit (0: no cap). */
int cc_rt_cgroup_stats(const struct cc_rt_cgroup *cg, uint64_t host_mem, struct cc_cgroup_stats *ret,
		       cc_error **err);

/* Parsers of the kernel's text, for the tests too. */
/* The number on the line "key N" of a flat-keyed file (memory.stat,
 * cpu.stat, cgroup.events), or 0 (*found false) without one. */
uint64_t cc_rt_cg_key_value(const char *text, const char *key, bool *found);
/* A single-value file: "123\n"; "max" (no limit) is UINT64_MAX; 0 for junk. */
uint64_t cc_rt_cg_u64(const char *text);
/* v2 io.stat ("8:0 rbytes=N wbytes=N rios=N ..." a device a line): the
 * bytes read and written on all devices. */
void cc_rt_cg_parse_io_stat(const char *text, uint64_t *ret_read, uint64_t *ret_write);
/* v1 blkio.throttle.io_service_bytes ("8:0 Read N", "8:0 Write N", ...,
 * "Total N"): the same sums. */
void cc_rt_cg_parse_blkio(const char *text, uint64_t *ret_read, uint64_t *ret_write);

#endif
