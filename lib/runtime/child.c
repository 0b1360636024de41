/* The container's first process, from clone() to execve(), as a checklist.
 *
 * The child is a copy of the caller (clone without CLONE_VM, like fork), so
 * it can read the plan the parent built.  Every step reports failure as a
 * cc_error, which goes to the parent as CC_SYNC_ERROR; the child then exits.
 * Each step says why it sits where it is.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "runtime-internal.h"
#include "security-internal.h"
#include "cgroup-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static __attribute__((noreturn)) void fail(int sock, cc_error *err)
{
	cc_rt_sync_send_error(sock, err);
	cc_error_free(err);
	_exit(125);
}

/* Bring "lo" up in our own network namespace (ioctl, no netlink needed). */
int cc_rt_loopback_up(cc_error **err)
{
	_cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return cc_error_set(err, errno, "socket for 'lo'");
	struct ifreq ifr = { 0 };
	memcpy(ifr.ifr_name, "lo", 3);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return cc_error_set(err, errno, "get flags of 'lo'");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		return cc_error_set(err, errno, "bring 'lo' up");
	return 0;
}

/* Mark every fd above stderr close-on-exec, so the command inherits only
 * stdio whatever the caller had open (sqlite, sockets, ...). */
static void cloexec_all(void)
{
	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return;
	/* FIXME: linux < 5.11 */
	long max = sysconf(_SC_OPEN_MAX);
	if (max < 0 || max > 65536)
		max = 65536;
	for (int fd = 3; fd < max; fd++)
		(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
}

int cc_rt_close_fds_except(const int *keep, size_t n)
{
	/* ascending, above stderr, without duplicates */
	int k[16];
	size_t nk = 0;
	if (n > sizeof(k) / sizeof(k[0]))
		return -E2BIG;
	for (size_t i = 0; i < n; i++) {
		size_t j = 0;
		while (j < nk && k[j] < keep[i])
			j++;
		if (keep[i] <= STDERR_FILENO || (j < nk && k[j] == keep[i]))
			continue;
		memmove(k + j + 1, k + j, (nk - j) * sizeof(int));
		k[j] = keep[i];
		nk++;
	}
	unsigned int from = STDERR_FILENO + 1;
	for (size_t i = 0; i <= nk; i++) {
		unsigned int to = i < nk ? (unsigned int)k[i] : ~0U;
		if (to > from && close_range(from, to - 1, 0) < 0)
			return -errno;
		if (i < nk)
			from = (unsigned int)k[i] + 1;
	}
	return 0;
}

void cc_rt_child_main(const struct cc_rt_plan *plan, int sock, const struct cc_rt_cgroup *cg,
		      bool cg_placed)
{
	const struct cc_run_spec *s = plan->spec;
	cc_error *err = NULL;
	int r;

	/* 1. Die with the caller.  First, so that no later step can outlive
	 *    a caller killed with SIGKILL: we are PID 1 of the new pid
	 *    namespace, so our death takes every container process along,
	 *    and the mount namespace goes with its last process.  getppid()
	 *    is 0 across the pid namespace boundary, so the parent's end of
	 *    the socket tells whether it died before the prctl took effect. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		_exit(125);
	struct pollfd pp = { .fd = sock, .events = POLLIN };
	if (poll(&pp, 1, 0) < 0 || (pp.revents & POLLHUP))
		_exit(125);

	/* 1a. The namespaces made ahead of clone (prepare.c), if any. */
	if (cc_rt_ns_join(&plan->ns, &err) < 0)
		fail(sock, err);

	/* 1b. Into the container's cgroup before anything else runs, so that
	 *     everything from here on is accounted and limited.  We move
	 *     ourselves: see struct cc_rt_cgroup_join for why it is so much
	 *     faster than the parent moving us. */
	if (cg != NULL && cc_rt_cgroup_join(cg, cg_placed, &err) < 0)
		fail(sock, err);

	/* 2. Signal dispositions back to default.  The parent's forwarded
	 *    signals stay blocked (inherited mask) until right before
	 *    execve, so nothing is lost or acted on half-way through setup. */
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			(void)signal(sig, SIG_DFL); /* EINVAL for glibc's reserved ones */

	/* 3. A session of our own: the caller's terminal must not send its
	 *    ^C to the container directly (the caller forwards it), and with
	 *    -t we need to be a session leader to take the pty. */
	if (setsid() < 0) {
		cc_error_set(&err, errno, "setsid");
		fail(sock, err);
	}
	/* Modes of what we create (device nodes, dirs) must be exact. */
	umask(0);

	/* 4. Tell the parent we exist, then wait if it has an on_created
	 *    hook: it may move a veth into our network namespace, which must
	 *    be in place before anything runs in the container. */
	if (cc_rt_sync_send(sock, CC_SYNC_CREATED, -1) < 0)
		_exit(125);
	if (s->on_created != NULL) {
		struct cc_sync_msg msg;
		int passed = -1;
		r = cc_rt_sync_recv(sock, &msg, &passed);
		if (r <= 0 || msg.type != CC_SYNC_GO)
			_exit(125); /* the parent gave up on us */
	}

	/* 5. Cgroup namespace only now, after step 1b: its root is the cgroup
	 *    we are in at unshare time, and the container must see its own
	 *    cgroup as "/".  EINVAL: kernel without cgroup ns. */
	if (plan->unshare_cgroupns && unshare(CLONE_NEWCGROUP) < 0 && errno != EINVAL) {
		cc_error_set(&err, errno, "unshare cgroup namespace");
		fail(sock, err);
	}

	/* 6. Host and domain name, loopback: our own UTS and net namespaces. */
	if (s->hostname != NULL && sethostname(s->hostname, strlen(s->hostname)) < 0) {
		cc_error_set(&err, errno, "sethostname '%s'", s->hostname);
		fail(sock, err);
	}
	if (s->domainname != NULL && setdomainname(s->domainname, strlen(s->domainname)) < 0) {
		cc_error_set(&err, errno, "setdomainname '%s'", s->domainname);
		fail(sock, err);
	}
	if (s->net != CC_NET_HOST && !plan->ns.lo_up && cc_rt_loopback_up(&err) < 0)
		fail(sock, err);

	/* 7. The filesystem, ending in pivot_root: from here on every path
	 *    is inside the container. */
	if (cc_rt_setup_rootfs(plan, &err) < 0)
		fail(sock, err);

	/* 8. Stdio.  The pty needs the container's devpts (step 7) and must be
	 *    taken while we are still root (TIOCSCTTY, /dev/console bind). */
	if (s->tty) {
		if (cc_rt_tty_child(sock, true, &err) < 0)
			fail(sock, err);
	} else if (!s->interactive) {
		_cleanup_close_ int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (null < 0 || dup2(null, STDIN_FILENO) < 0) {
			cc_error_set(&err, errno, "open '/dev/null' as stdin");
			fail(sock, err);
		}
	}

	/* 9-11. User, cwd, environment, command lookup, umask, no stray fds. */
	struct cc_rt_exec_target t;
	cc_rt_child_prepare_exec(plan, sock, &t);

	/* 12. A detached container outlives the process that started it (its
	 *     monitor, a subreaper, adopts it): the parent-death signal that
	 *     guarded the setup would kill it the moment the starter exits. */
	if (s->detached && prctl(PR_SET_PDEATHSIG, 0) < 0) {
		cc_error_set(&err, errno, "clear the parent-death signal");
		fail(sock, err);
	}

	/* 12a. --init: the init program as a sealed memfd (init-blob.c). */
	int init_fd = -1;
	if (s->init && (init_fd = cc_rt_init_memfd(&err)) < 0)
		fail(sock, err);

	/* 13. Capabilities, no_new_privs and the seccomp filter, as the very
	 *     last setup: the filter then judges only the command (and
	 *     --init), never our setup, and loading it needs the
	 *     CAP_SYS_ADMIN that the final capset drops. */
	if (cc_rt_child_privileges_final(plan, t.uid, &err) < 0)
		fail(sock, err);

	if (s->init)
		cc_rt_exec_init(init_fd, t.path, s->argv, t.envp, sock);
	cc_rt_exec_command(t.path, s->argv, t.envp, sock);
}

/* Steps 9-11 of the checklist, shared with exec (nsexec.c): everything
 * after "/" is the container's and stdio is in place. */
void cc_rt_child_prepare_exec(const struct cc_rt_plan *plan, int sock, struct cc_rt_exec_target *ret)
{
	const struct cc_run_spec *s = plan->spec;
	cc_error *err = NULL;
	/* 9. User: /etc/passwd and /etc/group are the container's now.  The
	 *    cwd was created during step 7; entering it happens as root, so a
	 *    directory the user cannot search still works as cwd (as runc).
	 *    The uid goes last: it drops the capabilities all of the above
	 *    need. */
	_cleanup_close_ int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		cc_error_set(&err, errno, "open '/'");
		fail(sock, err);
	}
	struct cc_rt_user user = { 0 };
	if (cc_rt_resolve_user(rootfd, s->user, &user, &err) < 0)
		fail(sock, err);
	if (s->tty)
		(void)fchown(STDIN_FILENO, user.uid, (gid_t)-1); /* nicety: the user owns its pty */
	if (chdir(plan->cwd) < 0) {
		cc_error_set(&err, errno, "chdir to cwd '%s'", plan->cwd);
		fail(sock, err);
	}
	/* rlimits and the bounding set need root's capabilities; keep-caps
	 * lets CAP_SYS_ADMIN survive the uid switch until seccomp is loaded
	 * (the whole order is explained in isolation.c) */
	if (cc_rt_child_privileges_early(plan, &err) < 0 || cc_rt_switch_user(&user, &err) < 0)
		fail(sock, err);

	/* 10. Environment and the command.  The lookup runs after pivot_root
	 *     and as the user, so it sees exactly what execve will. */
	char **envp = NULL;
	if (cc_rt_env_build(s->env, user.home, &envp, &err) < 0)
		fail(sock, err);
	char *path = NULL;
	if (cc_rt_find_executable(rootfd, s->argv[0], cc_rt_env_get(envp, "PATH"), &path, &err) < 0)
		fail(sock, err);

	/* 11. Last: the container's umask (docker's 0022) and no stray fds. */
	umask(022);
	cloexec_all();
	ret->envp = envp;
	ret->path = path;
	ret->uid = user.uid;
}

