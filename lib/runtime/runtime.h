/* lib/runtime: run a process in new namespaces on an overlay of layer directories.
 *
 * The runtime knows nothing about registries, references or the store.  The
 * caller (cmd/run, later build's RUN steps and exec) fills a cc_run_spec with
 * plain data and calls cc_runtime_run().  Errors follow lib/util/error.h:
 * negative return plus a cc_error; errors that happen inside the container
 * child before execve() travel back over the sync socket and come out here
 * as a cc_error whose kind is CC_ERR_EXEC_NOTFOUND (docker exits 127),
 * CC_ERR_EXEC_PERM (126) or anything else (125).
 */
#ifndef CC_RUNTIME_H
#define CC_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/error.h"

enum cc_net_mode {
	CC_NET_NONE = 0, /* own network namespace, only lo up */
	CC_NET_HOST,     /* share the host's network namespace */
	CC_NET_BRIDGE,   /* own netns; caller wires it up in the on_created hook */
	CC_NET_JOIN,     /* another container's network namespace (netns_fd) */
	CC_NET_PASTA,    /* own netns; pasta (rootless) wires it in on_created */
};

struct cc_bind_mount {
	const char *source;   /* host path (file or directory) */
	const char *target;   /* path inside the container; created when missing */
	bool readonly;
	bool copy_up;         /* a volume's: an empty source directory gets the
	                         content of target in the container's root first
	                         (docker's copy of the image's data, with owners and modes) */
	unsigned long propagation; /* cc_runtime_parse_propagation's MS_* flags;
	                              0: rprivate (docker's default) */
};

struct cc_tmpfs_mount {
	const char *target;
	const char *options;  /* extra mount data, may be NULL */
};

/* --ulimit NAME=SOFT[:HARD]: one setrlimit() in the container. */
struct cc_rlimit {
	int resource;              /* RLIMIT_* */
	uint64_t soft, hard;       /* RLIM_INFINITY: unlimited */
};

/* Cgroup limits; 0 leaves a value at the kernel's default. */
struct cc_resources {
	int64_t memory;            /* bytes (--memory) */
	int64_t memory_swap;       /* memory + swap bytes (--memory-swap); -1:
	                              unlimited swap; 0: twice memory (docker) */
	int64_t cpu_quota;         /* microseconds per period (--cpus) */
	int64_t cpu_period;        /* microseconds; 0: 100000 when a quota is set */
	int64_t cpu_shares;        /* relative weight (--cpu-shares), 2..262144 */
	int64_t pids_limit;        /* tasks (--pids-limit); -1: unlimited */
};

struct cc_run_spec {
	/* Root filesystem: overlay of lower_dirs (topmost FIRST), upper_dir and
	 * work_dir on the same filesystem, mounted at rootfs_dir (in the
	 * container's mount namespace only).  rootfs_dir may be the directory
	 * that holds upper_dir, work_dir and the files below: they are all
	 * reached before the mount covers them.  With 0 lower dirs the upper
	 * dir alone is the root. */
	const char *const *lower_dirs;
	size_t n_lower;
	const char *upper_dir;
	const char *work_dir;
	const char *rootfs_dir;
	bool read_only;            /* --read-only: root mounted read-only */
	bool volatile_upper;       /* the upper dir is thrown away after the run
	                              (--rm): overlay's "volatile", so unmounting
	                              does not sync the store's whole filesystem */

	/* Process.  argv[0] is resolved inside the container with the PATH from
	 * env (default PATH when env has none), never the host's PATH. */
	char *const *argv;
	char *const *env;          /* "K=V" strings, NULL-terminated */
	const char *cwd;           /* absolute, created when missing; NULL = "/" */
	const char *user;          /* "name", "uid", "uid:gid", "user:group"; resolved
	                              in the container's /etc/passwd and /etc/group;
	                              NULL = root */
	const char *hostname;
	const char *domainname;    /* the UTS domain name (--domainname); NULL: none */

	/* Files the container owns, bind-mounted onto /etc/hostname, /etc/hosts,
	 * /etc/resolv.conf when non-NULL. */
	const char *hostname_file;
	const char *hosts_file;
	const char *resolv_file;

	const struct cc_bind_mount *binds;
	size_t n_binds;
	const struct cc_tmpfs_mount *tmpfs;
	size_t n_tmpfs;
	int64_t shm_size;          /* /dev/shm's size in bytes; 0: 64 MiB */

	enum cc_net_mode net;
	int netns_fd;              /* CC_NET_JOIN: the namespace to join */

	/* stdio */
	bool tty;                  /* -t: allocate a pty, raw mode on the host tty */
	bool interactive;          /* -i: keep stdin; otherwise stdin is /dev/null */
	bool init;                 /* --init: built-in init as PID 1 */

	/* Detached (cc_runtime_start): no signal forwarding, no host tty, and
	 * the container survives the caller. */
	bool detached;

	/* Privileges (issue 4).  A zeroed spec gets docker's defaults: the
	 * default capability set, the default seccomp profile, no cgroup. */
	bool privileged;           /* every capability, no seccomp, host devices,
	                              /sys read-write, no masked paths */
	const char *const *cap_add;  /* NULL-terminated names: "NET_ADMIN",
	                                "cap_net_admin", "ALL"; may be NULL */
	const char *const *cap_drop;
	const char *seccomp_profile; /* NULL: default profile; "unconfined";
	                                or the path of a docker-format JSON file */
	bool no_new_privileges;
	/* Where compiled seccomp programs are cached (created when missing);
	 * NULL: compile on every start (about 11 ms for the default). */
	const char *seccomp_cache_dir;
	const struct cc_rlimit *rlimits;
	size_t n_rlimits;

	/* Resources: the container gets the cgroup ccontainer/<container_id>
	 * (in every hierarchy it uses), removed when it exits.  NULL: no
	 * cgroup of its own, resources must then be all zero. */
	const char *container_id;
	struct cc_resources resources;
	/* When non-NULL, set to whether the kernel OOM-killed a process of
	 * the container (cc_runtime_run only). */
	bool *ret_oom_killed;

	/* Called in the parent once the container's init process exists (in
	 * its cgroup), before it sets anything up: the child waits for it.
	 * Used for what must be in place first (a veth in its network
	 * namespace).  Non-zero return aborts the start.  NULL: no waiting. */
	int (*on_created)(pid_t pid, void *data, cc_error **err);
	/* Called in the parent after on_created, while the child sets up and
	 * execs without waiting: bookkeeping such as recording the pid.
	 * Non-zero return aborts the start. */
	int (*after_created)(pid_t pid, void *data, cc_error **err);
	/* Called in the parent once the command's execve is under way (the
	 * child's last word): the container runs.  Nothing to fail. */
	void (*on_exec)(pid_t pid, void *data);
	/* Foreground (cc_runtime_run) only: what the container writes to its
	 * stdout (fd 1; a pty's output) and stderr (fd 2), as it reaches the
	 * caller's fds (a foreground run's log).  Its stdout and stderr go
	 * through pipes then, terminals or not. */
	void (*on_output)(void *data, int fd, const char *buf, size_t n);
	void *hook_data;

	/* Work done ahead by cc_runtime_prepare, or NULL. */
	struct cc_runtime_prep *prepared;
};

/* Start the container and return once its command runs (spec->detached
 * must be set): *ret_pid is its process, *ret_pty the pty master for
 * spec->tty (else -1).  Nothing waits for it here: the caller's parent is
 * expected to be a subreaper (PR_SET_CHILD_SUBREAPER) that adopts and reaps
 * it when the caller exits.  On error nothing is left running. */
int cc_runtime_start(const struct cc_run_spec *spec, pid_t *ret_pid, int *ret_pty, cc_error **err);

/* Run the container to completion.  *ret_status receives the exit status as
 * docker reports it: the exit code, or 128+N for death by signal N.  Signals
 * SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 (and SIGWINCH for -t)
 * sent to the caller are forwarded to the container's process.  Everything
 * set up (mounts, namespaces, pty state) is released on every path. */
int cc_runtime_run(const struct cc_run_spec *spec, int *ret_status, cc_error **err);

/* Run a further process inside a running container (exec): join every
 * namespace and the cgroup of target (the container's first process, in the
 * caller's pid namespace), then argv/env/cwd/user/tty/interactive as in a
 * spec (the rootfs and mount fields are ignored).  Waits for it, like
 * cc_runtime_run, and forwards signals. */
int cc_runtime_exec(const struct cc_run_spec *spec, pid_t target, int *ret_status, cc_error **err);

/* Does an exec into a container with this spec need the caller to run
 * from a sealed copy of its binary first (cc_reexec_sealed in util.h)?
 * The process that joins the container is non-dumpable until its execve,
 * which hides its /proc/PID/exe (the caller's binary), memory and fds from
 * the container's processes, unless they hold CAP_SYS_PTRACE (--cap-add
 * SYS_PTRACE, --privileged).  cc_runtime_exec refuses such a spec from a
 * caller that is not sealed. */
bool cc_runtime_exec_needs_sealed(const struct cc_run_spec *spec);

/* Parse docker's --ulimit NAME=SOFT[:HARD] (core, cpu, data, fsize, locks,
 * memlock, msgqueue, nice, nofile, nproc, rss, rtprio, rttime, sigpending,
 * stack, as; -1 or "unlimited" for no limit; HARD defaults to SOFT). */
int cc_runtime_parse_ulimit(const char *arg, struct cc_rlimit *ret, cc_error **err);

/* A bind's propagation as docker names it (private, rprivate, shared,
 * rshared, slave, rslave) into the MS_* flags of mount(2): MS_PRIVATE,
 * MS_SHARED or MS_SLAVE, with MS_REC for the r- forms.  0, or -EINVAL for
 * any other word (*flags untouched).
 *
 * Any shared or slave bind makes the container's whole mount namespace
 * rslave instead of rprivate (runc's default root propagation), so that
 * the host's mount events reach the bind: slave and rslave binds then
 * receive mounts made on the host below their source (when the source is
 * in a shared peer group on the host: `mount --make-shared`).  shared and
 * rshared binds receive them too, and are shared within the container's
 * namespace only: mounts made in the container never reach the host
 * (docker's rshared would need the root rshared; ccontainer never lets a
 * container mount on the host).  Every other bind is made rprivate. */
int cc_runtime_parse_propagation(const char *word, unsigned long *flags);

/* Start the kernel's part of a container's setup in a thread, so that it
 * overlaps the caller's own preparation (store, image, directories): its
 * network (own_net), UTS and IPC namespaces, and its cgroup with these
 * limits when container_id is set.  Pass the result as spec->prepared;
 * cc_runtime_run/start take what matches the spec and do the rest
 * themselves.  Release it after them: what was not taken is undone.  Best
 * effort: NULL (not root, no memory) just means no head start. */
struct cc_runtime_prep_request {
	bool own_net;
	const char *container_id;
	struct cc_resources resources;
	bool privileged;
};
struct cc_runtime_prep;
struct cc_runtime_prep *cc_runtime_prepare(const struct cc_runtime_prep_request *req);
void cc_runtime_prep_release(struct cc_runtime_prep *p);

/* Remove the cgroup of a container started with cc_runtime_start once its
 * processes are gone (whoever reaps it calls this), and tell whether the
 * kernel OOM-killed one of them.  A missing cgroup is not an error. */
int cc_runtime_cgroup_cleanup(const char *container_id, bool *ret_oom_killed, cc_error **err);

/* --- a running container's cgroup: pause, top, stats ---------------------
 * (cgroup-ctl.c) The container's cgroup is named by its ID, as
 * cc_run_spec's container_id made it. */

/* Freeze (docker pause) or thaw (unpause) every process of the container,
 * and return once the kernel says it is done: cgroup2's cgroup.freeze and
 * the "frozen" key of cgroup.events (pure v2, and the unified part of a
 * hybrid host), else the v1 freezer's freezer.state FROZEN/THAWED.  A
 * freeze that does not complete within a few seconds is undone and fails. */
int cc_runtime_cgroup_freeze(const char *container_id, bool freeze, cc_error **err);
/* `update`: write the limits res sets (non-zero fields) into a running
 * container's cgroup; the kernel's refusal (a memory limit below what it
 * uses) is the error. */
int cc_runtime_cgroup_update(const char *container_id, const struct cc_resources *res, cc_error **err);
/* Is the container's cgroup frozen (or freezing)?  false without one. */
int cc_runtime_cgroup_frozen(const char *container_id, bool *ret, cc_error **err);
/* The host PIDs of the container's processes (cgroup.procs), ascending;
 * free(*ret). */
int cc_runtime_cgroup_pids(const char *container_id, pid_t **ret, size_t *ret_n, cc_error **err);

/* What `stats` shows of a container, as the kernel counts it for its
 * cgroup.  A counter the host does not have is 0. */
struct cc_cgroup_stats {
	uint64_t cpu_ns;     /* CPU time used: v1 cpuacct.usage, v2 cpu.stat usage_usec */
	uint64_t mem_usage;  /* bytes, minus the inactive file cache (docker's
	                        calculateMemUsageUnixNoCache) */
	uint64_t mem_limit;  /* the cgroup's limit, or the host's memory when
	                        it has none (or a larger one) */
	uint64_t blk_read;   /* bytes: v1 blkio.throttle.io_service_bytes, v2 io.stat */
	uint64_t blk_write;
	uint64_t pids;       /* pids.current */
};
int cc_runtime_cgroup_stats(const char *container_id, struct cc_cgroup_stats *ret, cc_error **err);

/* What top shows of a process, read from /proc/PID/{stat,status,cmdline}
 * (no ps is run).  Times are in clock ticks (sysconf(_SC_CLK_TCK)). */
struct cc_proc_info {
	pid_t pid, ppid;
	uid_t uid;           /* real */
	char state;          /* R, S, D, Z, T, ... */
	char comm[64];       /* the kernel's 15-character name */
	char *args;          /* cmdline, NULs as spaces; "" for a kernel thread or zombie */
	unsigned tty_nr;     /* stat's tty_nr (0: none) */
	uint64_t utime, stime;   /* ticks */
	uint64_t start_ticks;    /* since boot */
	uint64_t vsize;      /* bytes */
	uint64_t rss_pages;
	long nice;
	int64_t nthreads;
	bool session_leader, fg_pgrp, multithreaded;
};
int cc_runtime_proc_info(pid_t pid, struct cc_proc_info *ret, cc_error **err);
void cc_proc_info_release(struct cc_proc_info *p);
/* The bytes received and sent on every interface but lo of the network
 * namespace pid is in (/proc/PID/net/dev). */
int cc_runtime_net_io(pid_t pid, uint64_t *ret_rx, uint64_t *ret_tx, cc_error **err);

/* lower_dirs for a spec: the n image layer dirs (topmost first) under the
 * layer of the mount targets every root needs (/proc, /dev, /sys,
 * /etc/hostname, /etc/hosts, /etc/resolv.conf), so that no start has to
 * create them in its upper dir (see initlayer.c).  That layer is made
 * under parent on first use and shared.  *ret has n + 1 entries in one
 * allocation: free(*ret) frees it all. */
int cc_runtime_lowers(const char *parent, const char *const *layers, size_t n, const char ***ret, cc_error **err);

/* --- build: mount a root from outside a container ---------------------------
 * Mount the overlay of spec's lower_dirs/upper_dir/work_dir at
 * spec->rootfs_dir in the caller's mount namespace, exactly as a container
 * would get it (nothing else of spec is used).  For callers that work on
 * an image's files themselves (build's COPY/ADD); they unshare their own
 * mount namespace first, so nothing outlives them.  Undo with
 * cc_runtime_unmount_root (a busy mount is detached). */
int cc_runtime_mount_root(const struct cc_run_spec *spec, cc_error **err);
int cc_runtime_unmount_root(const char *rootfs_dir, cc_error **err);

/* --- rootless (rootless.c) --------------------------------------------------
 * An ordinary user's ccontainer joins, first thing, a user namespace where
 * the user is root and the user's /etc/subuid and /etc/subgid ranges are
 * IDs 1 and up (newuidmap/newgidmap; without a range or the helpers, the
 * user alone, with a warning), and a mount namespace in it, both held by a
 * pause process (its pid and start time in RUNROOT/pause.pid) that the
 * first ccontainer starts.  A no-op as root.  One thread only (setns). */
int cc_rootless_enter(const char *runroot, cc_error **err);
/* Set (to "1") by the ccontainer that entered, for its re-exec and what it
 * starts: cc_rootless() of a process running as root of that namespace. */
#define CC_ROOTLESS_ENV "_CCONTAINER_ROOTLESS"
/* Rootless: not root, or root of a user namespace (cc_rootless_enter's,
 * or one we were started in). */
bool cc_rootless(void);
/* A rootless user's defaults: $XDG_DATA_HOME/ccontainer (else
 * ~/.local/share/ccontainer; NULL without a home), $XDG_RUNTIME_DIR/ccontainer
 * (else /tmp/ccontainer-run-UID, checked by cc_rootless_enter),
 * $XDG_CONFIG_HOME/ccontainer (else ~/.config/ccontainer; NULL without a
 * home).  Static buffers. */
const char *cc_rootless_default_root(void);
const char *cc_rootless_default_runroot(void);
const char *cc_rootless_default_config(void);
/* A subordinate ID range: the first line of file (/etc/subuid,
 * /etc/subgid) for user (a name, may be NULL) or id.  1 found, 0 none. */
struct cc_idrange {
	uint32_t start, count;
};
int cc_subid_lookup(const char *file, const char *user, uid_t id, struct cc_idrange *ret, cc_error **err);

#endif
