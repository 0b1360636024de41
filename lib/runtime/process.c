/* cc_runtime_run(): clone the container's first process, drive the sync
 * protocol, forward signals, copy the pty, wait, report the exit status.
 *
 * One poll loop in the caller's process over: a signalfd (the forwarded
 * signals and SIGCHLD, blocked for the duration), the child's pidfd, the
 * sync socket and, with -t, the pty master and stdin.  No threads: the
 * child is cloned from this process, and a cloned child of a threaded
 * process could inherit a held malloc lock.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "runtime-internal.h"
#include "security-internal.h"
#include "cgroup-internal.h"
#include "util/util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif

/* --- sync socket ---------------------------------------------------------- */

static int send_msg(int sock, const struct cc_sync_msg *m, int fd)
{
	struct iovec iov = { .iov_base = (void *)m, .iov_len = sizeof(*m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} c;
	if (fd >= 0) {
		memset(&c, 0, sizeof(c));
		mh.msg_control = c.buf;
		mh.msg_controllen = sizeof(c.buf);
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	ssize_t n;
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : 0;
}

int cc_rt_sync_send(int sock, uint32_t type, int fd_to_pass)
{
	/* only the header matters for these; the rest is zeroes */
	struct cc_sync_msg m = { .type = type };
	return send_msg(sock, &m, fd_to_pass);
}

void cc_rt_sync_send_error(int sock, const cc_error *e)
{
	struct cc_sync_msg m = { .type = CC_SYNC_ERROR };
	if (e != NULL) {
		m.errnum = e->errnum;
		m.kind = e->kind;
		(void)snprintf(m.msg, sizeof(m.msg), "%s", e->msg != NULL ? e->msg : "unknown error");
	} else {
		(void)snprintf(m.msg, sizeof(m.msg), "container setup failed");
	}
	(void)send_msg(sock, &m, -1); /* nobody to tell if this fails */
}

int cc_rt_sync_recv(int sock, struct cc_sync_msg *ret, int *ret_fd)
{
	struct iovec iov = { .iov_base = ret, .iov_len = sizeof(*ret) };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} c;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.buf,
			     .msg_controllen = sizeof(c.buf) };
	*ret_fd = -1;
	ssize_t n;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
		    cm->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(ret_fd, CMSG_DATA(cm), sizeof(int));
	if (n == 0)
		return 0;
	if ((size_t)n != sizeof(*ret) || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
		cc_closep(ret_fd);
		return -EPROTO;
	}
	ret->msg[sizeof(ret->msg) - 1] = '\0';
	return 1;
}

/* --- clone -------------------------------------------------------------- */

/* glibc 2.36 has no clone3 wrapper nor struct clone_args. */
struct cc_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	uint64_t set_tid, set_tid_size, cgroup; /* linux >= 5.5 / 5.7 */
};
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

/* fork() semantics plus namespaces: the child returns 0 on a copy of our
 * stack.  It must not use raise()/abort()/pthreads afterwards (glibc's
 * cached tid is the parent's); it only _exit()s or execve()s.
 * cgroup_fd >= 0 asks the kernel to start the child in that cgroup2
 * cgroup; *ret_placed (set in both processes) tells whether it did. */
static pid_t clone_child(unsigned long flags, int cgroup_fd, int *ret_pidfd, bool *ret_placed)
{
	int pidfd = -1;
	struct cc_clone_args args = {
		.flags = flags | CLONE_PIDFD,
		.pidfd = (uint64_t)(uintptr_t)&pidfd,
		.exit_signal = SIGCHLD,
	};
	long pid = -1;
	if (cgroup_fd >= 0) {
		struct cc_clone_args into = args;
		into.flags |= CLONE_INTO_CGROUP;
		into.cgroup = (uint64_t)cgroup_fd;
		pid = syscall(SYS_clone3, &into, sizeof(into));
		/* any refusal (linux < 5.7: E2BIG or EINVAL): clone without, and
		 * the child writes cgroup.procs, which reports a real problem */
		*ret_placed = pid >= 0;
	}
	if (pid < 0) {
		*ret_placed = false;
		pid = syscall(SYS_clone3, &args, offsetof(struct cc_clone_args, set_tid));
	}
	if (pid >= 0) {
		*ret_pidfd = pidfd;
		return (pid_t)pid;
	}
	if (errno != ENOSYS)
		return -1;
	/* FIXME: linux < 5.3; x86-64 argument order (flags, stack, ptid, ctid, tls) */
	pid = syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid > 0) {
		*ret_pidfd = pidfd_open((pid_t)pid, 0);
		if (*ret_pidfd >= 0)
			(void)fcntl(*ret_pidfd, F_SETFD, FD_CLOEXEC);
	}
	return (pid_t)pid;
}

/* --- the parent's state ----------------------------------------------------- */

struct run {
	const struct cc_rt_plan *plan;
	pid_t pid;
	int pidfd, sock, sigfd;
	sigset_t oldmask;
	bool mask_set;
	struct sigaction oldchld;
	bool chld_set;
	struct cc_rt_tty tty;
	struct cc_rt_relay relay; /* no -t, but a terminal as stdio */
	bool pipe_blocked;        /* SIGPIPE is ours while we copy */
	bool created, exec_seen, sock_eof, reaped;
	bool reap_later; /* detached start: the child is its monitor's to reap */
	bool keep;        /* detached start succeeded: leave the child running */
	int pty_master;   /* detached -t: handed to the caller */
	int wstatus;
	int kill_sig;     /* signal that arrived before the command started */
	int emulated_sig; /* signal PID 1 ignored, delivered as SIGKILL */
	cc_error *child_err;
	struct cc_rt_cgroup cg; /* spec->container_id's cgroup (cgroup.c) */
};

static int send_signal(struct run *r, int sig)
{
	if (r->pidfd >= 0)
		return pidfd_send_signal(r->pidfd, sig, NULL, 0);
	return kill(r->pid, sig);
}

/* Released on every path out of cc_runtime_run: a container that has not
 * been reaped is killed and reaped (nothing outlives the call), the host
 * tty is restored, and the caller's signal mask comes back. */
static void run_release(struct run *r)
{
	if (r->pid > 0 && !r->reaped && !r->keep) {
		(void)send_signal(r, SIGKILL);
		while (waitpid(r->pid, NULL, 0) < 0 && errno == EINTR)
			;
		r->reaped = true;
	}
	/* after the reap: the cgroup empties when the last process is gone;
	 * a detached container's stays (cc_runtime_cgroup_cleanup) */
	if (!r->keep) {
		cc_error *e = NULL;
		if (cc_rt_cgroup_destroy(&r->cg, &e) < 0)
			cc_error_free(e); /* nowhere to report it on this path */
	}
	cc_rt_cgroup_release(&r->cg);
	cc_rt_tty_release(&r->tty);
	cc_rt_relay_release(&r->relay);
	cc_closep(&r->pty_master);
	cc_closep(&r->pidfd);
	cc_closep(&r->sock);
	cc_closep(&r->sigfd);
	/* disposition before mask: a pending SIGCHLD then reaches the
	 * caller's handler instead of being discarded */
	if (r->chld_set) {
		(void)sigaction(SIGCHLD, &r->oldchld, NULL);
		r->chld_set = false;
	}
	if (r->mask_set) {
		/* our own EPIPE from writing the pty output is not the caller's */
		sigset_t pipe;
		sigemptyset(&pipe);
		sigaddset(&pipe, SIGPIPE);
		const struct timespec zero = { 0 };
		if (r->pipe_blocked && !sigismember(&r->oldmask, SIGPIPE))
			while (sigtimedwait(&pipe, NULL, &zero) > 0)
				;
		(void)sigprocmask(SIG_SETMASK, &r->oldmask, NULL);
		r->mask_set = false;
	}
	cc_error_free(r->child_err);
	r->child_err = NULL;
}

static void try_reap(struct run *r)
{
	if (r->reaped || r->reap_later)
		return;
	int st;
	pid_t p;
	do
		p = waitpid(r->pid, &st, WNOHANG);
	while (p < 0 && errno == EINTR);
	if (p == r->pid) {
		r->reaped = true;
		r->wstatus = st;
	} else if (p < 0 && errno == ECHILD) {
		/* someone else reaped it (cannot happen with SIGCHLD at SIG_DFL,
		 * see cc_runtime_run); never spin on a readable pidfd */
		r->reaped = true;
		r->wstatus = 255 << 8;
	}
}

/* Read a "SigXxx:\t<hex>" mask from /proc/<pid>/status. */
static uint64_t proc_sigmask(const char *status, const char *key)
{
	const char *p = strstr(status, key);
	if (p == NULL)
		return 0;
	return strtoull(p + strlen(key), NULL, 16);
}

/* The kernel silently drops a signal sent to the PID 1 of a pid namespace
 * when that process neither catches, ignores nor blocks it: `sleep 100`
 * as PID 1 would survive ^C and `kill`.  docker leaves it at that; we
 * give the signal its default (terminating) action instead, the way the
 * same command behaves outside a container: SIGKILL, reported as 128+sig. */
static void emulate_default_action(struct run *r, int sig)
{
	char path[64], buf[2048];
	(void)snprintf(path, sizeof(path), "/proc/%d/status", (int)r->pid);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return;
	buf[n] = '\0';
	uint64_t bit = UINT64_C(1) << (sig - 1);
	uint64_t handled = proc_sigmask(buf, "SigBlk:\t") | proc_sigmask(buf, "SigIgn:\t") |
			   proc_sigmask(buf, "SigCgt:\t");
	if (handled & bit)
		return;
	if (r->emulated_sig == 0)
		r->emulated_sig = sig;
	(void)send_signal(r, SIGKILL);
}

static void forward_signal(struct run *r, int sig)
{
	if (!r->exec_seen) {
		/* still setting up: nothing to deliver it to; stop the start */
		if (r->kill_sig == 0)
			r->kill_sig = sig;
		(void)send_signal(r, SIGKILL);
		return;
	}
	if (send_signal(r, sig) < 0)
		return; /* already gone */
	emulate_default_action(r, sig);
}

static void handle_signals(struct run *r)
{
	struct signalfd_siginfo si;
	while (read(r->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		int sig = (int)si.ssi_signo;
		if (sig == SIGCHLD)
			try_reap(r);
		else if (sig == SIGWINCH && r->plan->spec->tty)
			cc_rt_tty_resize(&r->tty); /* the kernel signals the pty's group */
		else if (sig != SIGPIPE)
			forward_signal(r, sig);
	}
}

static int run_hook(int (*hook)(pid_t, void *, cc_error **), struct run *r, cc_error **err)
{
	int hr = hook(r->pid, r->plan->spec->hook_data, err);
	if (hr == 0)
		return 0;
	if (err != NULL && *err == NULL)
		cc_error_set(err, 0, "container start hook failed");
	return hr < 0 ? hr : -1;
}

static int handle_sync(struct run *r, cc_error **err)
{
	const struct cc_run_spec *spec = r->plan->spec;
	struct cc_sync_msg m;
	int fd = -1;
	int n = cc_rt_sync_recv(r->sock, &m, &fd);
	if (n == 0 || n == -ECONNRESET) {
		r->sock_eof = true;
		cc_closep(&fd);
		return 0;
	}
	if (n < 0)
		return cc_error_set(err, -n, "read from the container's sync socket");
	switch (m.type) {
	case CC_SYNC_CREATED:
		if (r->created)
			break;
		r->created = true;
		/* The child, in its cgroup already, waits for CC_SYNC_GO while
		 * on_created runs; after_created runs while it sets up. */
		if (spec->on_created != NULL) {
			if ((n = run_hook(spec->on_created, r, err)) < 0)
				return n;
			n = cc_rt_sync_send(r->sock, CC_SYNC_GO, -1);
			if (n < 0 && n != -EPIPE)
				return cc_error_set(err, -n, "write to the container's sync socket");
			/* EPIPE: the child died; its status tells */
		}
		if (spec->after_created != NULL && (n = run_hook(spec->after_created, r, err)) < 0)
			return n;
		/* housekeeping that need not delay the container */
		cc_rt_cgroup_sweep(&r->cg);
		return 0;
	case CC_SYNC_PTY:
		if (fd < 0 || r->tty.master >= 0 || r->pty_master >= 0 || !r->plan->spec->tty)
			break;
		if (r->plan->spec->detached) { /* the caller's monitor does the copying */
			r->pty_master = fd;
			return 0;
		}
		return cc_rt_tty_attach(&r->tty, fd, err);
	case CC_SYNC_EXEC:
		r->exec_seen = true;
		if (spec->on_exec != NULL)
			spec->on_exec(r->pid, spec->hook_data);
		return 0;
	case CC_SYNC_ERROR:
		if (r->child_err == NULL) {
			cc_error_setk(&r->child_err, m.kind, 0, "%s", m.msg);
			if (r->child_err != NULL)
				r->child_err->errnum = m.errnum;
		}
		return 0;
	default:
		break;
	}
	cc_closep(&fd);
	return cc_error_set(err, EPROTO, "unexpected message %u from the container", m.type);
}

static int run_loop(struct run *r, cc_error **err)
{
	while (!(r->reaped && r->sock_eof)) {
		struct pollfd pfd[8];
		size_t n = 0, isig, ipid = SIZE_MAX, isock = SIZE_MAX, itty, irelay;
		isig = n;
		pfd[n++] = (struct pollfd){ .fd = r->sigfd, .events = POLLIN };
		if (r->pidfd >= 0 && !r->reaped) {
			ipid = n;
			pfd[n++] = (struct pollfd){ .fd = r->pidfd, .events = POLLIN };
		}
		if (!r->sock_eof) {
			isock = n;
			pfd[n++] = (struct pollfd){ .fd = r->sock, .events = POLLIN };
		}
		itty = n;
		n += cc_rt_tty_pollfds(&r->tty, pfd + n);
		irelay = n;
		n += cc_rt_relay_pollfds(&r->relay, pfd + n);

		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			return cc_error_set(err, errno, "poll");
		}
		int rr;
		if (pfd[isig].revents)
			handle_signals(r);
		if (ipid != SIZE_MAX && pfd[ipid].revents)
			try_reap(r);
		if (isock != SIZE_MAX && pfd[isock].revents && (rr = handle_sync(r, err)) < 0)
			return rr;
		if (irelay > itty && (rr = cc_rt_tty_handle(&r->tty, pfd + itty, irelay - itty, err)) < 0)
			return rr;
		if (n > irelay)
			cc_rt_relay_handle(&r->relay, pfd + irelay, n - irelay);
		/* without a pidfd, SIGCHLD may have been consumed before the
		 * child was reapable; a closed socket is a hint to look again */
		if (r->pidfd < 0 && r->sock_eof && !r->reaped)
			try_reap(r);
	}
	cc_rt_tty_drain(&r->tty);
	cc_rt_relay_drain(&r->relay);
	return 0;
}

static int exit_status(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return 255;
}

/* The container's cgroup (spec->container_id), made and limited before
 * clone so that a failure leaves nothing running; the child moves itself
 * in (cc_rt_cgroup_join) first thing, and run_release removes it. */
static int cgroup_setup(struct run *run, cc_error **err)
{
	const struct cc_run_spec *spec = run->plan->spec;
	if (spec->container_id == NULL)
		return 0;
	int r = cc_rt_prep_take_cgroup(spec->prepared, spec->container_id, &run->plan->resources,
				       spec->privileged, &run->cg, err);
	if (r != 0)
		return r < 0 ? r : 0;
	r = cc_rt_cgroup_init(&run->cg, NULL, spec->container_id, err);
	if (r == 0)
		r = cc_rt_cgroup_create(&run->cg, &run->plan->resources, spec->privileged, err);
	if (r == 0)
		r = cc_rt_cgroup_open_join(&run->cg, err);
	return r;
}

/* Clone the child with signals routed to a signalfd; shared by run and start. */
static int spawn(struct run *run, void (*child_main)(const struct cc_rt_plan *, int, void *), void *child_data,
		 cc_error **err)
{
	const struct cc_run_spec *spec = run->plan->spec;

	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return cc_error_set(err, errno, "socketpair");
	run->sock = sv[0];
	_cleanup_close_ int child_sock = sv[1];

	/* Block before clone: a signal arriving between clone and the loop
	 * is then queued for the signalfd instead of killing the caller with
	 * the container half-started.  The child inherits the mask and
	 * clears it right before execve. */
	sigset_t set;
	sigemptyset(&set);
	for (const int *s = cc_rt_forward_signals; *s != 0; s++)
		if (*s != SIGWINCH || spec->tty)
			sigaddset(&set, *s);
	sigaddset(&set, SIGCHLD);
	/* No terminal of ours in the container (tty.c): pipes in between. */
	if (!spec->tty && !spec->detached) {
		run->relay.tee = (struct cc_rt_tee){ .fn = spec->on_output, .data = spec->hook_data };
		int r = cc_rt_relay_setup(&run->relay, spec->interactive, err);
		if (r < 0)
			return r;
	}
	/* a closed stdout must not kill us in raw mode, nor a container that
	 * closed the stdin we copy to */
	run->pipe_blocked = spec->tty || run->relay.active;
	if (run->pipe_blocked)
		sigaddset(&set, SIGPIPE);
	/* A caller with SIGCHLD at SIG_IGN (or SA_NOCLDWAIT) would have the
	 * kernel reap the container and lose its exit status. */
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	if (sigaction(SIGCHLD, &dfl, &run->oldchld) < 0)
		return cc_error_set(err, errno, "reset SIGCHLD");
	run->chld_set = true;
	if (sigprocmask(SIG_BLOCK, &set, &run->oldmask) < 0)
		return cc_error_set(err, errno, "block signals");
	run->mask_set = true;
	run->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (run->sigfd < 0)
		return cc_error_set(err, errno, "signalfd");

	/* Born non-dumpable, and so until its execve: a process that enters a
	 * container may be seen there (exec joins its pid namespace at once),
	 * and a dumpable one would open its /proc/PID/exe (the host's binary,
	 * to be rewritten: CVE-2019-5736), mem, environ and fds to any
	 * process of the container with the same uid.  execve() makes the
	 * command dumpable again. */
	int dumpable = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
	if (dumpable < 0 || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return cc_error_set(err, errno, "make the process non-dumpable");
	bool placed = false;
	pid_t pid = clone_child(run->plan->clone_flags, cc_rt_cgroup_clone_fd(&run->cg), &run->pidfd, &placed);
	int clone_errno = errno;
	if (pid != 0)
		(void)prctl(PR_SET_DUMPABLE, dumpable, 0, 0, 0);
	if (pid < 0)
		return cc_error_set(err, clone_errno, "clone the container process");
	if (pid == 0) {
		cc_closep(&run->sock);
		cc_error *e = NULL;
		if (cc_rt_relay_child(&run->relay, &e) < 0) {
			cc_rt_sync_send_error(child_sock, e);
			_exit(125);
		}
		if (child_main != NULL)
			child_main(run->plan, child_sock, child_data);
		cc_rt_child_main(run->plan, child_sock, &run->cg, placed);
	}
	run->pid = pid;
	cc_rt_relay_started(&run->relay);
	return 0;
}

int cc_runtime_start(const struct cc_run_spec *spec, pid_t *ret_pid, int *ret_pty, cc_error **err)
{
	if (!spec->detached)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "cc_runtime_start needs a detached spec");
	__attribute__((cleanup(cc_rt_plan_release))) struct cc_rt_plan plan = { 0 };
	int r = cc_rt_plan_build(spec, &plan, err);
	if (r < 0)
		return r;
	__attribute__((cleanup(run_release))) struct run run = {
		.plan = &plan, .pid = -1, .pidfd = -1, .sock = -1, .sigfd = -1, .pty_master = -1,
	};
	cc_rt_tty_init(&run.tty, false);
	cc_rt_relay_init(&run.relay);
	if ((r = cgroup_setup(&run, err)) < 0 || (r = spawn(&run, NULL, NULL, err)) < 0)
		return r;
	/* Until the command runs, signals to us stop the start (forward_signal
	 * kills the child before CC_SYNC_EXEC); EOF after EXEC means execve
	 * succeeded and the child is on its own.  The socket ends either way
	 * (closed on exec, or with the child), and the child is never reaped
	 * here: a command that exits at once has still started, and its
	 * status is its monitor's to collect (the zombie goes to it). */
	run.reap_later = true;
	while (!run.sock_eof) {
		struct pollfd pfd[2] = { { .fd = run.sigfd, .events = POLLIN }, { .fd = run.sock, .events = POLLIN } };
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return cc_error_set(err, errno, "poll");
		}
		if (pfd[0].revents)
			handle_signals(&run);
		if (pfd[1].revents && (r = handle_sync(&run, err)) < 0)
			return r;
	}
	if (run.child_err != NULL) {
		int ret = run.child_err->errnum > 0 ? -run.child_err->errnum : -1;
		if (err != NULL && *err == NULL)
			*err = steal_ptr(&run.child_err);
		return ret;
	}
	if (!run.exec_seen) {
		run.reap_later = false; /* run_release kills and reaps it */
		return cc_error_set(err, 0, "container process died during setup");
	}
	run.keep = true;
	*ret_pid = run.pid;
	*ret_pty = run.pty_master;
	run.pty_master = -1;
	return 0;
}

int cc_runtime_run(const struct cc_run_spec *spec, int *ret_status, cc_error **err)
{
	__attribute__((cleanup(cc_rt_plan_release))) struct cc_rt_plan plan = { 0 };
	int r = cc_rt_plan_build(spec, &plan, err);
	if (r < 0)
		return r;
	if (ret_status == NULL)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "no place for the exit status");
	if (spec->detached)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "a detached spec goes to cc_runtime_start");

	__attribute__((cleanup(run_release))) struct run run = {
		.plan = &plan, .pid = -1, .pidfd = -1, .sock = -1, .sigfd = -1, .pty_master = -1,
	};
	cc_rt_tty_init(&run.tty, spec->interactive);
	run.tty.tee = (struct cc_rt_tee){ .fn = spec->on_output, .data = spec->hook_data };
	cc_rt_relay_init(&run.relay);
	if ((r = cgroup_setup(&run, err)) < 0 || (r = spawn(&run, NULL, NULL, err)) < 0)
		return r;

	r = run_loop(&run, err);
	if (r < 0)
		return r;
	/* reaped: every process of the container is gone, the count is final */
	if (spec->ret_oom_killed != NULL) {
		bool oom = false;
		cc_error *e = NULL;
		if (cc_rt_cgroup_oom_killed(&run.cg, &oom, &e) < 0)
			cc_error_free(e); /* unreadable: report no OOM rather than fail the run */
		*spec->ret_oom_killed = oom;
	}
	if (run.child_err != NULL) {
		int ret = run.child_err->errnum > 0 ? -run.child_err->errnum : -1;
		if (err != NULL && *err == NULL)
			*err = steal_ptr(&run.child_err);
		return ret;
	}
	if (!run.exec_seen) {
		if (run.kill_sig != 0) {
			*ret_status = 128 + run.kill_sig;
			return 0;
		}
		return cc_error_set(err, 0, "container process died during setup (status %d)",
				    exit_status(run.wstatus));
	}
	int status = exit_status(run.wstatus);
	if (run.emulated_sig != 0 && WIFSIGNALED(run.wstatus) && WTERMSIG(run.wstatus) == SIGKILL)
		status = 128 + run.emulated_sig;
	*ret_status = status;
	return 0;
}

int cc_runtime_exec(const struct cc_run_spec *spec, pid_t target, int *ret_status, cc_error **err)
{
	if (spec->argv == NULL || spec->argv[0] == NULL)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "exec: no command");
	/* Not a new container: no plan to build beyond what the child reads. */
	__attribute__((cleanup(cc_rt_plan_release))) struct cc_rt_plan plan = {
		.spec = spec, .cwd = cc_rt_clean_path(spec->cwd && *spec->cwd ? spec->cwd : "/"),
	};
	if (plan.cwd == NULL)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "exec: the working directory '%s' must be absolute",
				     spec->cwd);
	/* the same capabilities and seccomp program as the container's own */
	int r = cc_rt_plan_security(spec, &plan, err);
	if (r < 0)
		return r;
	if ((plan.caps & (UINT64_C(1) << CAP_SYS_PTRACE)) && !cc_self_is_sealed())
		return cc_error_setk(err, CC_ERR_INVALID, 0,
				     "exec: the container's processes may ptrace; its caller must run from a sealed binary");
	struct cc_rt_nsexec ns;
	r = cc_rt_nsexec_open(target, &ns, err);
	if (r < 0)
		return r;
	/* The pid namespace applies to our children only: the clone below
	 * then lands in the container's, and stays our child to wait for. */
	if (setns(ns.fds[CC_RT_NS_PID], CLONE_NEWPID) < 0) {
		int e = errno;
		cc_rt_nsexec_close(&ns);
		return cc_error_set(err, e, "join the pid namespace of container process %d", (int)target);
	}
	struct run run = {
		.plan = &plan, .pid = -1, .pidfd = -1, .sock = -1, .sigfd = -1, .pty_master = -1,
	};
	cc_rt_tty_init(&run.tty, spec->interactive);
	cc_rt_relay_init(&run.relay);
	r = spawn(&run, cc_rt_nsexec_child, &ns, err);
	cc_rt_nsexec_close(&ns);
	if (r == 0)
		r = run_loop(&run, err);
	if (r == 0 && run.child_err != NULL) {
		r = run.child_err->errnum > 0 ? -run.child_err->errnum : -1;
		if (err != NULL && *err == NULL)
			*err = steal_ptr(&run.child_err);
	} else if (r == 0 && !run.exec_seen) {
		r = cc_error_set(err, 0, "exec process died during setup (status %d)", exit_status(run.wstatus));
	} else if (r == 0) {
		int status = exit_status(run.wstatus);
		if (run.emulated_sig != 0 && WIFSIGNALED(run.wstatus) && WTERMSIG(run.wstatus) == SIGKILL)
			status = 128 + run.emulated_sig;
		*ret_status = status;
	}
	run_release(&run);
	return r;
}
