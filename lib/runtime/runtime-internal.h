/* lib/runtime private interfaces.
 *
 * The runtime is split by kernel concern:
 *   plan.c     validation of the spec, compiled into a plan (parse, then act)
 *   process.c  cc_runtime_run(): clone, the parent side of the
 *              sync protocol, signal forwarding, wait, exit status
 *   child.c    the child's setup checklist, in order, up to execve()
 *   mount.c    overlay root, /proc /dev /sys, binds, tmpfs, pivot_root, masks
 *   fs.c       file work relative to a root fd, safe against symlinks
 *   user.c     user/group resolution from the container's passwd and group
 *   exec.c     environment and PATH lookup inside the container
 *   tty.c      pty inside the container's devpts, raw mode and copying outside
 *   init.c     the final execve, of the command or of the --init PID 1
 *   init-blob.c the --init program (init/ccontainer-init.c), embedded
 *
 * Functions named cc_rt_* are internal but not static so the unit tests
 * (tests/unit/test-runtime.c) can reach them.
 */
#ifndef CC_RUNTIME_INTERNAL_H
#define CC_RUNTIME_INTERNAL_H

#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <termios.h>

#include "runtime.h"
#include "util/cleanup.h"
#include "util/error.h"

/* --- sync protocol (process.c) ------------------------------------------
 *
 * Parent and child talk over a SOCK_SEQPACKET|SOCK_CLOEXEC socketpair, one
 * struct cc_sync_msg per packet.  The steps, in order:
 *
 *   child  -> CC_SYNC_CREATED  the child exists in its new namespaces and
 *                              its cgroup; with spec->on_created it blocks
 *                              while the parent runs on_created(pid)
 *   parent -> CC_SYNC_GO       (only with on_created) hook done: set up and
 *                              exec; the parent runs after_created(pid)
 *   child  -> CC_SYNC_PTY      (-t only) the pty master rides along as
 *                              SCM_RIGHTS; the parent starts copying
 *   child  -> CC_SYNC_EXEC     sent right before execve() of the command
 *   child  -> CC_SYNC_ERROR    setup or execve failed: {errnum, kind, msg};
 *                              the child exits right after
 *   EOF                        every copy of the child's CLOEXEC end is
 *                              gone: execve succeeded (after CC_SYNC_EXEC)
 *                              or the child died (without it)
 */
enum cc_sync_type {
	CC_SYNC_CREATED = 1,
	CC_SYNC_GO,
	CC_SYNC_PTY,
	CC_SYNC_EXEC,
	CC_SYNC_ERROR,
};

struct cc_sync_msg {
	uint32_t type;   /* enum cc_sync_type */
	int32_t errnum;  /* CC_SYNC_ERROR: errno, or 0 */
	int32_t kind;    /* CC_SYNC_ERROR: CC_ERR_* */
	char msg[1012];  /* CC_SYNC_ERROR: one line, NUL-terminated */
};

/* Send a message, optionally with one fd (SCM_RIGHTS); -errno on failure. */
int cc_rt_sync_send(int sock, uint32_t type, int fd_to_pass);
/* Report err over the socket (CC_SYNC_ERROR); best effort. */
void cc_rt_sync_send_error(int sock, const cc_error *e);
/* Receive one message.  Returns 1 on a message, 0 on EOF, -errno on
 * failure.  *ret_fd gets a passed fd (O_CLOEXEC) or -1. */
int cc_rt_sync_recv(int sock, struct cc_sync_msg *ret, int *ret_fd);

/* --- the plan: the spec validated and compiled before the first syscall -- */

enum cc_rt_mount_kind {
	CC_RT_MOUNT_BIND,
	CC_RT_MOUNT_TMPFS,
};

struct cc_rt_mount {
	enum cc_rt_mount_kind kind;
	const char *source;    /* bind: absolute host path */
	char *target;          /* cleaned absolute path inside the container */
	bool source_is_dir;    /* bind: decides whether a dir or a file is created */
	bool readonly;
	bool copy_up;          /* bind of a volume: fill it when empty (copyup.c) */
	unsigned long propagation; /* bind: MS_PRIVATE|MS_SHARED|MS_SLAVE (|MS_REC); 0: rprivate */
	unsigned long flags;   /* tmpfs: MS_* flags */
	char *data;            /* tmpfs: mount data ("mode=1777,size=...") */
};

/* Namespaces made ahead of clone (prepare.c); all zero: none. */
#define CC_RT_PREPARED_NS 3 /* net, uts, ipc */
struct cc_rt_prepared_ns {
	unsigned long made;          /* CLONE_NEW* flags of the fds below */
	int fds[CC_RT_PREPARED_NS];  /* valid only for a kind in made */
	bool lo_up;                  /* the network namespace's "lo" is up */
};

struct cc_rt_plan {
	const struct cc_run_spec *spec;
	struct cc_rt_mount *mounts;  /* etc files, then binds+tmpfs by depth */
	size_t n_mounts;
	unsigned long clone_flags;   /* CLONE_NEW* for clone3 */
	struct cc_rt_prepared_ns ns; /* made ahead (prepare.c): the child joins them */
	bool unshare_cgroupns;       /* CLONE_NEWCGROUP once in its cgroup */
	bool host_cgroup2;           /* host /sys/fs/cgroup is cgroup2 */
	bool root_slave;             /* a bind wants shared or slave propagation: the
	                                namespace is made rslave, not rprivate */
	const char *cwd;             /* cleaned, never NULL */
	/* privileges and resources (isolation.c, security-internal.h) */
	uint64_t caps;               /* the container's capability set */
	void *seccomp_filter;        /* struct sock_filter[]; NULL: unconfined */
	size_t seccomp_len;
	struct cc_resources resources; /* validated, docker's defaults filled in */
};

/* --- work done ahead of clone (prepare.c) --------------------------------- */

/* Join the preparing thread and take the namespaces it made when they are
 * the ones wanted (CLONE_NEW* flags); ret->made tells which clone need not
 * create. */
void cc_rt_prep_take_ns(struct cc_runtime_prep *p, unsigned long wanted, struct cc_rt_prepared_ns *ret);
/* Take the cgroup made for container id with these (validated) limits: 1
 * and *ret set up as cc_rt_cgroup_create + open_join leave it; 0 when none
 * was prepared for that (the caller makes it); negative with the error the
 * thread met making it. */
struct cc_rt_cgroup;
int cc_rt_prep_take_cgroup(struct cc_runtime_prep *p, const char *id, const struct cc_resources *res,
			   bool privileged, struct cc_rt_cgroup *ret, cc_error **err);
/* In the child: setns() into each. */
int cc_rt_ns_join(const struct cc_rt_prepared_ns *ns, cc_error **err);
void cc_rt_ns_close(struct cc_rt_prepared_ns *ns);

/* Validate spec and build the plan.  Errors have kind CC_ERR_INVALID. */
int cc_rt_plan_build(const struct cc_run_spec *spec, struct cc_rt_plan *ret, cc_error **err);
void cc_rt_plan_release(struct cc_rt_plan *p);

/* A volume's first mount (copyup.c): when the directory srcfd (O_PATH)
 * is empty and target is a directory in the container's root, its tree is
 * copied in with owners, modes, times; symlinks as they are, device nodes
 * made again, sockets skipped. */
int cc_rt_copy_up(int rootfd, const char *target, int srcfd, cc_error **err);

/* Lexically clean an absolute path ("//a/./b/../c/" -> "/a/c"); ".." stops
 * at "/".  Returns a malloc'd string, or NULL (ENOMEM, EINVAL if relative). */
char *cc_rt_clean_path(const char *path);
/* Number of components of a cleaned path ("/" = 0, "/a/b" = 2). */
size_t cc_rt_path_depth(const char *clean);
/* Split tmpfs options into MS_* flags and mount data; docker's defaults
 * (nosuid,nodev,noexec, mode=1777) apply unless overridden. */
int cc_rt_parse_tmpfs_options(const char *opts, unsigned long *ret_flags, char **ret_data,
			      cc_error **err);

/* --- exec into a running container (nsexec.c) ---------------------------- */

enum { CC_RT_NS_CGROUP, CC_RT_NS_IPC, CC_RT_NS_UTS, CC_RT_NS_NET, CC_RT_NS_PID, CC_RT_NS_MNT, CC_RT_NS_MAX };

struct cc_rt_nsexec {
	pid_t target;
	int fds[CC_RT_NS_MAX];  /* /proc/<target>/ns/<kind>, -1 when absent */
	int root;               /* /proc/<target>/root, O_PATH */
	char cgroups[4096];     /* /proc/<target>/cgroup, to join the same groups */
};

/* Open the target's namespaces and root before anything changes. */
int cc_rt_nsexec_open(pid_t target, struct cc_rt_nsexec *ret, cc_error **err);
void cc_rt_nsexec_close(struct cc_rt_nsexec *ns);
/* The exec'd process: join cgroups and namespaces, chroot into the
 * container's root, then the same steps as the container's own process
 * from stdio on.  Never returns. */
__attribute__((noreturn)) void cc_rt_nsexec_child(const struct cc_rt_plan *plan, int sock, void *ns);

/* --- child (child.c) ---------------------------------------------------- */

/* What execve needs, as prepared by cc_rt_child_prepare_exec. */
struct cc_rt_exec_target {
	char **envp;
	char *path;
	uid_t uid;
};
/* After the root and stdio are in place: resolve the user in the
 * container's passwd/group, enter the cwd, apply the privileges that need
 * root, switch uid, build the environment, look the command up inside,
 * umask 022, mark stray fds close-on-exec.  On failure it reports on sock
 * and exits; shared by the container's first process and exec. */
void cc_rt_child_prepare_exec(const struct cc_rt_plan *plan, int sock, struct cc_rt_exec_target *ret);

/* Bring "lo" up in the caller's network namespace. */
int cc_rt_loopback_up(cc_error **err);

/* Close every fd above stderr but those in keep (at most 16): what the
 * caller had open must not be seen in a container.  0 or -errno. */
int cc_rt_close_fds_except(const int *keep, size_t n);

/* Everything the child does between clone and execve.  Never returns.
 * cg: the container's cgroup to move into (cgroup-internal.h), NULL for
 * none; cg_placed: clone already put the child in its cgroup2 part. */
struct cc_rt_cgroup;
__attribute__((noreturn)) void cc_rt_child_main(const struct cc_rt_plan *plan, int sock,
						const struct cc_rt_cgroup *cg, bool cg_placed);

/* --- fs.c: paths inside a root directory fd ----------------------------- */

/* Open path (absolute or relative, always taken inside root) with every
 * symlink and ".." resolved as if rootfd were "/": openat2(RESOLVE_IN_ROOT),
 * or a userspace walk where openat2 is missing.  resolve_flags may add
 * RESOLVE_NO_SYMLINKS.  Returns an fd (O_CLOEXEC forced) or -errno. */
int cc_rt_open_in_root(int rootfd, const char *path, int flags, uint64_t resolve_flags);
/* Tests: pretend openat2 does not exist, to exercise the fallback. */
extern bool cc_rt_no_openat2;

/* Make sure path exists inside root, creating parents (0755, root) and the
 * last component (a directory with dir_mode when dir, else an empty 0644
 * file).  *ret_fd gets an O_PATH fd of the result.  -errno on failure. */
int cc_rt_make_in_root(int rootfd, const char *path, bool dir, mode_t dir_mode, int *ret_fd);

/* initlayer.c: make the init layer under parent unless it exists; *ret_dir
 * is its path (free it). */
int cc_rt_init_layer(const char *parent, char **ret_dir, cc_error **err);

/* "/proc/self/fd/N" for fd into buf (size >= 32), for mount(2) targets. */
const char *cc_rt_fd_path(int fd, char *buf, size_t len);

/* --- mount.c ------------------------------------------------------------ */

/* docker's masked and read-only paths (inside the container). */
extern const char *const cc_rt_masked_paths[];
extern const char *const cc_rt_readonly_paths[];

/* Everything from "make / rprivate" to "root read-only after pivot_root",
 * run in the child's fresh mount namespace.  Afterwards "/" is the
 * container's root and the host's tree is detached. */
int cc_rt_setup_rootfs(const struct cc_rt_plan *plan, cc_error **err);
/* The overlay (or bind) root at spec->rootfs_dir; exported for tests. */
int cc_rt_mount_root(const struct cc_run_spec *spec, cc_error **err);
/* Build the legacy "lowerdir=...,upperdir=...,workdir=..." string; when it
 * does not fit a page, *ret_chdir gets a common parent directory that all
 * paths are then relative to.  Returns -E2BIG when even that does not fit. */
int cc_rt_overlay_legacy_options(const struct cc_run_spec *spec, char **ret_opts,
				 char **ret_chdir, cc_error **err);
/* Tests: pretend overlay has no "lowerdir+", to exercise mount(2). */
extern bool cc_rt_no_lowerdir_plus;
/* Bind the pty slave onto /dev/console (after pivot_root). */
int cc_rt_bind_console(int slave_fd, cc_error **err);

/* --- user.c ------------------------------------------------------------- */

struct cc_rt_user {
	uid_t uid;
	gid_t gid;
	gid_t *groups;      /* supplementary groups, for setgroups(): gid first */
	size_t n_groups;
	char *home;         /* passwd home, "/" when the user has no entry */
	char *name;         /* passwd name, NULL when the uid has no entry */
};

/* Resolve "name", "uid", "uid:gid", "user:group" (NULL or "" = root) the way
 * docker (runc's GetExecUser) does, from etc/passwd and etc/group inside
 * rootfd.  Supplementary groups are the primary group, then (only when no
 * group was given explicitly) the groups listing the user by name. */
int cc_rt_resolve_user(int rootfd, const char *spec, struct cc_rt_user *ret, cc_error **err);
void cc_rt_user_release(struct cc_rt_user *u);
/* setgroups + setgid + setuid. */
int cc_rt_switch_user(const struct cc_rt_user *u, cc_error **err);

/* --- exec.c ------------------------------------------------------------- */

#define CC_RT_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* Value of key in a "K=V" vector, or NULL. */
const char *cc_rt_env_get(char *const *env, const char *key);
/* Copy env, adding PATH (default) and HOME (home) when missing. */
int cc_rt_env_build(char *const *env, const char *home, char ***ret_env, cc_error **err);
/* Find the executable for name the way docker does (Go's exec.LookPath,
 * run inside the container): names with a '/' are checked as they are,
 * others are searched in path_env.  Absolute paths are resolved inside
 * rootfd, relative ones against the current directory.  Errors:
 * CC_ERR_EXEC_NOTFOUND (127), CC_ERR_EXEC_PERM (126). */
int cc_rt_find_executable(int rootfd, const char *name, const char *path_env, char **ret_path,
			  cc_error **err);
/* Turn a failed execve's errno into docker's error kind and wording. */
int cc_rt_exec_error(const char *name, int errnum, cc_error **err);

/* --- tty.c -------------------------------------------------------------- */

/* Child, after pivot_root: open the container's /dev/ptmx, pass the master
 * to the parent, make the slave the controlling tty and stdin/out/err, and
 * (console) bind it onto /dev/console.  Needs a session leader. */
int cc_rt_tty_child(int sock, bool console, cc_error **err);

/* What the container writes, also handed to the spec's on_output. */
struct cc_rt_tee {
	void (*fn)(void *data, int fd, const char *buf, size_t n);
	void *data;
};

struct cc_rt_tty {
	struct cc_rt_tee tee;  /* the pty's output, as fd 1 */
	int master;            /* -1 until the child sent it */
	bool interactive;      /* copy stdin to the master */
	bool raw;              /* host stdin was put in raw mode */
	bool stdin_eof;
	bool master_eof;
	struct termios saved;
	char buf[4096];        /* stdin -> master, pending */
	size_t len, off;
};

void cc_rt_tty_init(struct cc_rt_tty *t, bool interactive);
/* Take the master: non-blocking, window size, raw mode on the host tty. */
int cc_rt_tty_attach(struct cc_rt_tty *t, int master, cc_error **err);
/* Copy the host's window size to the pty (initially and on SIGWINCH). */
void cc_rt_tty_resize(struct cc_rt_tty *t);
/* Fill pollfds (up to 2) for the copy loop; returns how many. */
size_t cc_rt_tty_pollfds(struct cc_rt_tty *t, struct pollfd *pfd);
/* Handle poll results for the entries cc_rt_tty_pollfds() filled. */
int cc_rt_tty_handle(struct cc_rt_tty *t, const struct pollfd *pfd, size_t n, cc_error **err);
/* After the container exited: copy what is left in the master. */
void cc_rt_tty_drain(struct cc_rt_tty *t);
/* Restore the host tty and close the master; safe to call twice. */
void cc_rt_tty_release(struct cc_rt_tty *t);

/* Stdio that is a host terminal, without -t, goes through pipes (tty.c). */
struct cc_rt_relay {
	struct cc_rt_tee tee;  /* what fds 1 and 2 write */
	int ours[3];           /* [0]: write end to the container's stdin;
	                          [1], [2]: read ends of its stdout, stderr */
	int theirs[3];         /* the ends dup'ed to 0-2 in the child; -1: that
	                          fd is passed as it is */
	bool active;           /* some fd is relayed */
	bool stdin_eof;
	char buf[4096];        /* stdin -> pipe, pending */
	size_t len, off;
};
void cc_rt_relay_init(struct cc_rt_relay *r);
/* Before clone: a pipe for each of fds 0-2 that is a terminal (0 only when
 * interactive), and for 1 and 2 whatever they are when r->tee is set. */
int cc_rt_relay_setup(struct cc_rt_relay *r, bool interactive, cc_error **err);
/* In the child: the pipes become its fds 0-2. */
int cc_rt_relay_child(const struct cc_rt_relay *r, cc_error **err);
/* In the parent after clone: drop the child's ends. */
void cc_rt_relay_started(struct cc_rt_relay *r);
/* Fill pollfds (up to 3) for the copy loop; returns how many. */
size_t cc_rt_relay_pollfds(struct cc_rt_relay *r, struct pollfd *pfd);
void cc_rt_relay_handle(struct cc_rt_relay *r, const struct pollfd *pfd, size_t n);
/* After the container exited: copy what is left in the pipes, without
 * waiting for writers that outlive it (an exec's background children). */
void cc_rt_relay_drain(struct cc_rt_relay *r);
void cc_rt_relay_release(struct cc_rt_relay *r);

/* --- init.c ------------------------------------------------------------- */

/* The signals the caller forwards to the container (and --init forwards
 * to the command), terminated by 0. */
extern const int cc_rt_forward_signals[];

/* --init (init-blob.c): a sealed memfd holding the init program, for
 * cc_rt_exec_init; and the program's size. */
int cc_rt_init_memfd(cc_error **err);
size_t cc_rt_init_size(void);
/* Like cc_rt_exec_command, but execute the init from init_fd with the
 * resolved path and argv of the command; it forks the command, forwards
 * signals to it, reaps every zombie, and exits with its status. */
__attribute__((noreturn)) void cc_rt_exec_init(int init_fd, const char *path, char *const *argv,
					       char *const *envp, int sock);
/* Final steps before execve in the command process (both modes): empty
 * signal mask, CC_SYNC_EXEC, execve; on failure CC_SYNC_ERROR and _exit. */
__attribute__((noreturn)) void cc_rt_exec_command(const char *path, char *const *argv,
						  char *const *envp, int sock);

#endif
