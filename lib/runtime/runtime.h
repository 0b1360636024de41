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
#include <sys/types.h>

#include "util/error.h"

enum cc_net_mode {
	CC_NET_NONE = 0, /* own network namespace, only lo up */
	CC_NET_HOST,     /* share the host's network namespace */
	CC_NET_BRIDGE,   /* own netns; caller wires it up in the on_created hook */
};

struct cc_bind_mount {
	const char *source;   /* host path (file or directory) */
	const char *target;   /* path inside the container; created when missing */
	bool readonly;
};

struct cc_tmpfs_mount {
	const char *target;
	const char *options;  /* extra mount data, may be NULL */
};

struct cc_run_spec {
	/* Root filesystem: overlay of lower_dirs (topmost FIRST), upper_dir and
	 * work_dir on the same filesystem, mounted at rootfs_dir.  With 0 lower
	 * dirs the upper dir alone is the root. */
	const char *const *lower_dirs;
	size_t n_lower;
	const char *upper_dir;
	const char *work_dir;
	const char *rootfs_dir;
	bool read_only;            /* --read-only: root mounted read-only */

	/* Process.  argv[0] is resolved inside the container with the PATH from
	 * env (default PATH when env has none), never the host's PATH. */
	char *const *argv;
	char *const *env;          /* "K=V" strings, NULL-terminated */
	const char *cwd;           /* absolute, created when missing; NULL = "/" */
	const char *user;          /* "name", "uid", "uid:gid", "user:group"; resolved
	                              in the container's /etc/passwd and /etc/group;
	                              NULL = root */
	const char *hostname;

	/* Files the container owns, bind-mounted onto /etc/hostname, /etc/hosts,
	 * /etc/resolv.conf when non-NULL. */
	const char *hostname_file;
	const char *hosts_file;
	const char *resolv_file;

	const struct cc_bind_mount *binds;
	size_t n_binds;
	const struct cc_tmpfs_mount *tmpfs;
	size_t n_tmpfs;

	enum cc_net_mode net;

	/* stdio */
	bool tty;                  /* -t: allocate a pty, raw mode on the host tty */
	bool interactive;          /* -i: keep stdin; otherwise stdin is /dev/null */
	bool init;                 /* --init: built-in init as PID 1 */

	/* Detached (cc_runtime_start): no signal forwarding, no host tty, and
	 * the container survives the caller. */
	bool detached;

	/* Called in the parent once the container's init process exists, before
	 * it execs the command (the child waits).  Used for cgroups, network,
	 * recording the pid.  Non-zero return aborts the start. */
	int (*on_created)(pid_t pid, void *data, cc_error **err);
	void *hook_data;
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

#endif
