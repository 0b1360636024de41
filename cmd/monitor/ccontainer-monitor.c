/* ccontainer-monitor: the per-container supervisor of a detached container.
 *
 * One small static process per container (no daemon shared between
 * containers), in the role podman gives conmon:
 *   - becomes a subreaper and spawns `ccontainer __start ID`, which sets the
 *     container up and exits once its command runs; the container's process
 *     is then adopted by (and reaped by) this monitor;
 *   - holds the container's stdout/stderr pipes (or the pty master for -t)
 *     and writes the log (docker's JSON lines, or CRI records for k8s-file),
 *     rotated by --log-opt max-size and max-file (lib/container/crilog.h,
 *     which a foreground run uses too);
 *   - serves `attach` on containers/<id>/attach.sock: the container's
 *     output to every client, every client's bytes to the container's
 *     stdin; a client half-closes (shutdown SHUT_WR) at its stdin's end,
 *     which with StdinOnce (docker's: `run -i`, `create -i`, not `run -d`)
 *     closes the container's stdin, except on a terminal (docker's
 *     CloseStdin && !TTY); a client that goes away (detach, killed)
 *     closes nothing;
 *   - holds an exclusive flock on containers/<id>/monitor.lock for its whole
 *     life, so `ps` can tell a container whose monitor died;
 *   - when the container exits, records its status in the file "exit"
 *     (flushed, renamed in) first; then, when its restart policy says so
 *     (lib/container/restart.c, built into this monitor) and it was not
 *     stopped by hand (the file "stopped"), runs `ccontainer __cleanup
 *     --restarting ID STATUS` (the exit recorded, state "restarting",
 *     mounts, network and cgroup released), writes RestartCount to
 *     "restart-count", waits docker's backoff and starts it again through
 *     `ccontainer __start ID`, as the first time;
 *   - else execs `ccontainer __cleanup ID STATUS`, which records the exit
 *     in the store and releases mounts, network and cgroup: the large
 *     binary is loaded only for that last step, and a binary that is gone
 *     by then loses nothing;
 *   - with a healthcheck, spawns `ccontainer healthcheck run ID` on its
 *     timer (one at a time), which runs the check in the container and
 *     records State.Health; without one, there is no timer at all.
 * It links nothing but libc and allocates almost nothing, to stay small
 * (resident size is measured by bench/run.sh next to conmon's).
 *
 * Usage (from ccontainer run -d / start, never by hand):
 *   ccontainer-monitor EXE ROOT ID DIR READY_FD TTY(0|1) STDIN(0|1|2) MAX_SIZE MAX_FILES
 *                      RESTART HEALTH_INTERVAL HEALTH_START_PERIOD HEALTH_START_INTERVAL [LOG_FORMAT [RESTARTS]]
 * (STDIN 2: open with StdinOnce; MAX_SIZE in bytes, 0: no cap; MAX_FILES >= 1; LOG_FORMAT
 * json-file or k8s-file, without it k8s-file as before there was a choice; RESTARTS the restarts
 * so far, 0 when not given: a start begins the count again; RESTART a policy as
 * --restart takes it; the health times in ms, interval 0: no healthcheck,
 * start interval 0: the interval)
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "container/monitor.h"
#include "container/container.h"
#include "container/crilog.h"

#define MAX_CLIENTS 8

struct stream {
	int fd;
	int no; /* the container's 1 or 2 */
};

static struct cc_crilog mlog; /* ctr.log, rotated (lib/container/crilog.c) */
static int clients[MAX_CLIENTS];
static bool client_in_done[MAX_CLIENTS]; /* its stdin ended: only output to it */
static int n_clients;
static int held[CC_MON_HOLD_MAX]; /* the run's port reservations */
static size_t n_held;


/* Split what arrived into log records; forward raw bytes to attached clients. */
static void consume(struct stream *s, const char *data, size_t n)
{
	for (int i = 0; i < n_clients; i++)
		if (clients[i] >= 0 && send(clients[i], data, n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 && errno != EAGAIN) {
			close(clients[i]);
			clients[i] = -1;
		}
	if (mlog.max_files > 0) /* not --log-driver none */
		cc_crilog_write(&mlog, s->no, data, n);
}

static void flush_partial(struct stream *s)
{
	if (mlog.max_files > 0)
		cc_crilog_flush(&mlog, s->no);
}

static int drain(struct stream *s)
{
	char buf[8192];
	for (;;) {
		ssize_t n = read(s->fd, buf, sizeof(buf));
		if (n > 0) {
			consume(s, buf, (size_t)n);
			continue;
		}
		if (n < 0 && (errno == EINTR))
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		/* EOF, or EIO on a pty whose other side is gone */
		flush_partial(s);
		close(s->fd);
		s->fd = -1;
		return -1;
	}
}

/* Tell run -d / start how the start went, and let go of the pipe. */
static void ready(int fd, const struct cc_mon_msg *m)
{
	if (fd >= 0) {
		cc_write_full(fd, (const char *)m, sizeof(*m));
		close(fd);
	}
}

/* A failure of the monitor's own, as a message for ready(). */
static void fail_msg(struct cc_mon_msg *m, int errnum, const char *fmt, const char *arg)
{
	memset(m, 0, sizeof(*m));
	m->version = CC_MON_VERSION;
	m->type = CC_MON_ERROR;
	m->errnum = errnum;
	char what[512];
	snprintf(what, sizeof(what), fmt, arg);
	snprintf(m->msg, sizeof(m->msg), "%s%s%s", what, errnum ? ": " : "", errnum ? strerror(errnum) : "");
}

/* Receive __start's messages: fds to hold while the container runs (they
 * stay open, CLOEXEC, until __cleanup is exec'd), then its answer (plus a
 * pty fd); returns the container's pid, or -1 with *m the error to pass on. */
static pid_t recv_start(int sock, int *pty, struct cc_mon_msg *m)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(CC_MON_HOLD_MAX * sizeof(int))];
	} cbuf;
	struct iovec iov = { m, sizeof(*m) };
	struct msghdr mh;
	ssize_t n;
	for (;;) {
		mh = (struct msghdr){ .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf.buf,
				      .msg_controllen = sizeof(cbuf.buf) };
		do
			n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
		while (n < 0 && errno == EINTR);
		int fds[CC_MON_HOLD_MAX];
		size_t nfds = 0;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); n > 0 && c; c = CMSG_NXTHDR(&mh, c)) {
			if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
				continue;
			size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			if (k > CC_MON_HOLD_MAX - nfds)
				k = CC_MON_HOLD_MAX - nfds;
			memcpy(fds + nfds, CMSG_DATA(c), k * sizeof(int));
			nfds += k;
		}
		if (n == (ssize_t)sizeof(*m) && m->type == CC_MON_HOLD) {
			/* held: nothing reads them, their being open is the point;
			 * a restart lets them go first (its __start takes them again) */
			for (size_t i = 0; i < nfds; i++) {
				if (n_held < CC_MON_HOLD_MAX)
					held[n_held++] = fds[i];
				else
					close(fds[i]);
			}
			continue;
		}
		if (nfds > 0 && n == (ssize_t)sizeof(*m) && m->type == CC_MON_OK)
			*pty = fds[0];
		for (size_t i = m->type == CC_MON_OK ? 1 : 0; i < nfds; i++)
			close(fds[i]); /* nothing else is expected */
		break;
	}
	if (n != (ssize_t)sizeof(*m) || m->version != CC_MON_VERSION || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
		fail_msg(m, 0, "%s", n <= 0 ? "the container's start process (ccontainer __start) exited without a word"
					    : "the container's start process sent a message this monitor does not understand");
		return -1;
	}
	m->msg[sizeof(m->msg) - 1] = '\0';
	if (m->type == CC_MON_OK && m->pid > 0)
		return (pid_t)m->pid;
	if (m->type != CC_MON_ERROR)
		fail_msg(m, 0, "%s", "the container's start process sent no pid");
	return -1;
}

/* The exit status, durably, before anything else (container/monitor.h): aside,
 * flushed, renamed in, the directory flushed.  We are in the container's
 * directory. */
static void record_exit(int status)
{
	char text[16];
	int n = snprintf(text, sizeof(text), "%d\n", status);
	int fd = open(CC_MON_EXIT_FILE ".tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	cc_write_full(fd, text, (size_t)n);
	bool ok = fsync(fd) == 0;
	close(fd);
	if (!ok || rename(CC_MON_EXIT_FILE ".tmp", CC_MON_EXIT_FILE) < 0)
		return;
	int d = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d >= 0) {
		(void)fsync(d);
		close(d);
	}
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A small file of ours, written aside and renamed in. */
static void write_small(const char *name, const char *text)
{
	char tmp[64];
	snprintf(tmp, sizeof(tmp), "%s.tmp", name);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	size_t n = strlen(text);
	bool ok = cc_write_full(fd, text, n) == n;
	close(fd);
	if (!ok || rename(tmp, name) < 0)
		(void)unlink(tmp);
}

/* `update --restart` while we run: the policy it wrote, if any */
static void updated_policy(struct cc_restart_policy *policy)
{
	char text[64];
	int fd = open(CC_CONTAINER_POLICY_FILE, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return;
	ssize_t n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return;
	text[n] = '\0';
	text[strcspn(text, "\n")] = '\0';
	struct cc_restart_policy p;
	if (cc_restart_policy_from_text(text, &p) == 0)
		*policy = p;
}

static const char *exe, *root, *id;
static sigset_t sigs;

/* Reap what has exited; the container's status into *status. */
static void reap(pid_t cpid, pid_t *health, int *status)
{
	for (;;) {
		int st;
		pid_t p = waitpid(-1, &st, WNOHANG);
		if (p <= 0)
			break;
		if (p == cpid)
			*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		else if (p == *health)
			*health = 0;
	}
}

/* One start through `ccontainer __start ID`: its pid (the streams and the
 * input set up), or -1 with msg the error (passed on to ready_fd). */
static pid_t start_run(int tty, int want_stdin, int ready_fd, struct stream *so, struct stream *se, int *input,
		       struct cc_mon_msg *msg)
{
	int out[2] = { -1, -1 }, errp[2] = { -1, -1 }, in[2] = { -1, -1 }, sp[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0 ||
	    (!tty && (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0)) ||
	    (want_stdin && !tty && pipe2(in, O_CLOEXEC) < 0)) {
		fail_msg(msg, errno, "%s", "monitor: pipes");
		ready(ready_fd, msg);
		return -1;
	}
	/* a status from an earlier run is not this one's, nor its ports */
	(void)unlink(CC_MON_EXIT_FILE);
	(void)unlink(CC_CONTAINER_POLICY_FILE);
	for (size_t i = 0; i < n_held; i++)
		close(held[i]);
	n_held = 0;
	pid_t starter = fork();
	if (starter < 0) {
		fail_msg(msg, errno, "%s", "monitor: fork");
		ready(ready_fd, msg);
		return -1;
	}
	if (starter == 0) {
		sigprocmask(SIG_UNBLOCK, &sigs, NULL);
		if (!tty) {
			dup2(out[1], 1);
			dup2(errp[1], 2);
			if (in[0] >= 0)
				dup2(in[0], 0);
		}
		dup2(sp[1], 3); /* dup2 clears CLOEXEC on the copy */
		char fdenv[32];
		snprintf(fdenv, sizeof(fdenv), "CCONTAINER_MONITOR_FD=3");
		putenv(fdenv);
		execl(exe, exe, "--root", root, "__start", id, (char *)NULL);
		_exit(125);
	}
	close(sp[1]);
	if (out[1] >= 0)
		close(out[1]);
	if (errp[1] >= 0)
		close(errp[1]);
	if (in[0] >= 0)
		close(in[0]);
	int pty = -1;
	pid_t cpid = recv_start(sp[0], &pty, msg);
	close(sp[0]);
	ready(ready_fd, msg);
	if (cpid <= 0) {
		while (waitpid(starter, NULL, 0) < 0 && errno == EINTR)
			;
		if (out[0] >= 0)
			close(out[0]);
		if (errp[0] >= 0)
			close(errp[0]);
		if (in[1] >= 0)
			close(in[1]);
		return -1;
	}
	so->fd = tty ? pty : out[0]; /* the last run's lines were flushed at its end */
	se->fd = tty ? -1 : errp[0];
	*input = tty ? pty : in[1];
	fcntl(so->fd, F_SETFL, O_NONBLOCK);
	if (se->fd >= 0)
		fcntl(se->fd, F_SETFL, O_NONBLOCK);
	return cpid;
}

/* `ccontainer __cleanup --restarting ID STATUS`, waited for. */
static void cleanup_for_restart(int status)
{
	char st[16];
	snprintf(st, sizeof(st), "%d", status);
	pid_t p = fork();
	if (p == 0) {
		sigprocmask(SIG_UNBLOCK, &sigs, NULL);
		execl(exe, exe, "--root", root, "__cleanup", "--restarting", id, st, (char *)NULL);
		_exit(125);
	}
	while (p > 0 && waitpid(p, NULL, 0) < 0 && errno == EINTR)
		;
}

/* Is the container's directory gone (its monitor.lock unlinked: removed
 * while this monitor ran)?  Nothing is restarted or checked then. */
static bool removed(int lock)
{
	struct stat st;
	return lock >= 0 && fstat(lock, &st) == 0 && st.st_nlink == 0;
}

/* Wait ms, or less when the container is stopped by hand meanwhile:
 * false then. */
static bool restart_delay(int sfd, int lock, int64_t ms)
{
	int64_t until = now_ms() + ms;
	for (;;) {
		if (access(CC_CONTAINER_STOPPED_FILE, F_OK) == 0 || removed(lock))
			return false;
		int64_t left = until - now_ms();
		if (left <= 0)
			return true;
		struct pollfd pfd = { .fd = sfd, .events = POLLIN };
		if (poll(&pfd, 1, (int)(left < 100 ? left : 100)) > 0) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
				;
			int none = -1;
			pid_t nohealth = 0;
			reap(-1, &nohealth, &none);
		}
	}
}

/* `ccontainer healthcheck run ID`, in the background. */
static pid_t spawn_health(void)
{
	pid_t p = fork();
	if (p == 0) {
		sigprocmask(SIG_UNBLOCK, &sigs, NULL);
		execl(exe, exe, "--root", root, "healthcheck", "run", id, (char *)NULL);
		_exit(125);
	}
	return p > 0 ? p : 0;
}

int main(int argc, char **argv)
{
	if (argc != 10 && argc != 14 && argc != 15 && argc != 16) {
		fprintf(stderr, "ccontainer-monitor: internal helper of ccontainer, not for direct use\n");
		return 125;
	}
	exe = argv[1];
	root = argv[2];
	id = argv[3];
	const char *dir = argv[4];
	int ready_fd = atoi(argv[5]);
	int tty = atoi(argv[6]), want_stdin = atoi(argv[7]);
	bool stdin_once = want_stdin == 2 && !tty; /* a terminal is never closed (docker) */
	long long log_max_size = atoll(argv[8]);
	int log_max_files = atoi(argv[9]); /* 0: --log-driver none */
	if (log_max_files < 0 || log_max_files > CC_MON_LOG_FILES_MAX)
		log_max_files = 1;
	struct cc_restart_policy policy = { .kind = CC_RESTART_NO };
	long long h_interval = 0, h_start_period = 0, h_start_interval = 0;
	enum cc_log_format log_format = argc >= 15 ? cc_log_format_of(argv[14]) : CC_LOG_CRI;
	/* the restarts so far: a foreground run's restart policy hands its
	 * container to a monitor after the first exit (1), else 0 */
	int restarts = argc >= 16 ? atoi(argv[15]) : 0;
	if (restarts < 0)
		restarts = 0;
	if (argc >= 14) {
		if (cc_restart_policy_from_text(argv[10], &policy) < 0)
			policy = (struct cc_restart_policy){ .kind = CC_RESTART_NO };
		h_interval = atoll(argv[11]);
		h_start_period = atoll(argv[12]);
		h_start_interval = atoll(argv[13]);
		if (h_interval < 0)
			h_interval = 0;
		if (h_start_interval <= 0)
			h_start_interval = h_interval;
	}
	struct cc_mon_msg msg;

	/* Nothing inherited but the ready pipe (the caller may leak fds to us). */
	for (int fd = 3; fd < 1024; fd++)
		if (fd != ready_fd)
			(void)close(fd);

	/* Our own session, away from the caller's terminal and signals. */
	(void)setsid();
	if (chdir(dir) < 0) {
		fail_msg(&msg, errno, "monitor: chdir '%s'", dir);
		ready(ready_fd, &msg);
		return 125;
	}
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		close(null);
	}
	int lock = open("monitor.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	/* `ps` and friends take the lock shared for an instant to look: wait
	 * that out (1 s), but never sit behind a real owner. */
	int locked = -1;
	for (int i = 0; lock >= 0 && i < 100 && (locked = flock(lock, LOCK_EX | LOCK_NB)) < 0; i++) {
		struct timespec ts = { 0, 10 * 1000000L };
		nanosleep(&ts, NULL);
	}
	if (lock < 0 || locked < 0) {
		fail_msg(&msg, 0, "container %.12s already has a monitor", id);
		ready(ready_fd, &msg);
		return 125;
	}
	/* a start begins the count again (docker's start resets RestartCount) */
	if (restarts == 0) {
		(void)unlink(CC_CONTAINER_RESTARTS_FILE);
	} else {
		char text[16];
		snprintf(text, sizeof(text), "%d\n", restarts);
		write_small(CC_CONTAINER_RESTARTS_FILE, text);
	}
	/* relative names: we are in the container's directory */
	if ((log_max_files > 0 && cc_crilog_open(&mlog, AT_FDCWD, log_format, log_max_size, log_max_files) < 0) ||
	    prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		fail_msg(&msg, errno, "%s", "monitor: log or subreaper");
		ready(ready_fd, &msg);
		return 125;
	}
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGCHLD);
	sigaddset(&sigs, SIGPIPE);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	int sfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		fail_msg(&msg, errno, "%s", "monitor: signalfd");
		ready(ready_fd, &msg);
		return 125;
	}

	struct stream so = { .fd = -1, .no = 1 };
	struct stream se = { .fd = -1, .no = 2 };
	int input = -1;
	for (int i = 0; i < MAX_CLIENTS; i++)
		clients[i] = -1;
	/* The attach socket before the first start reports: an `attach` (or
	 * `start -a`) that connects as soon as the start returns finds it. */
	int listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	/* relative: we are in the container's dir */
	(void)snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", "attach.sock");
	unlink(addr.sun_path);
	if (listener >= 0 && (bind(listener, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(listener, 4) < 0)) {
		close(listener);
		listener = -1;
	}
	int status = -1;
	int64_t delay = 0;
	for (;;) {
		/* each run's health starts again, as docker's does */
		(void)unlink(CC_CONTAINER_HEALTH_FILE);
		pid_t cpid = start_run(tty, want_stdin, ready_fd, &so, &se, &input, &msg);
		bool first = ready_fd >= 0;
		ready_fd = -1;
		if (cpid <= 0 && first) {
			unlink("attach.sock");
			return 125;
		}
		int64_t started = now_ms();
		status = -1;
		if (cpid <= 0) {
			/* a restart that could not start: its __start recorded that
			 * (exited); the policy decides again, as for an exit */
			status = msg.kind == CC_ERR_EXEC_NOTFOUND ? 127 : msg.kind == CC_ERR_EXEC_PERM ? 126 : 125;
		}

		pid_t health = 0;
		int64_t next_check = started + (h_start_period > 0 ? h_start_interval : h_interval);
		while (status < 0) {
			struct pollfd pfd[4 + MAX_CLIENTS];
			int n = 0, iso = -1, ise = -1, il = -1;
			pfd[n++] = (struct pollfd){ .fd = sfd, .events = POLLIN };
			if (so.fd >= 0) {
				iso = n;
				pfd[n++] = (struct pollfd){ .fd = so.fd, .events = POLLIN };
			}
			if (se.fd >= 0) {
				ise = n;
				pfd[n++] = (struct pollfd){ .fd = se.fd, .events = POLLIN };
			}
			if (listener >= 0) {
				il = n;
				pfd[n++] = (struct pollfd){ .fd = listener, .events = POLLIN };
			}
			int ic = n;
			for (int i = 0; i < n_clients; i++)
				pfd[n++] = (struct pollfd){ .fd = clients[i],
							    .events = clients[i] >= 0 && !client_in_done[i] ? POLLIN : 0 };
			int timeout = -1;
			if (h_interval > 0) {
				int64_t left = next_check - now_ms();
				timeout = left <= 0 ? 0 : left > 3600000 ? 3600000 : (int)left;
			}
			int pr = poll(pfd, (nfds_t)n, timeout);
			if (pr < 0) {
				if (errno == EINTR)
					continue;
				break;
			}
			if (h_interval > 0 && now_ms() >= next_check) {
				/* a container whose directory is gone (removed under
				 * a restart: rm raced it) is not run on, nor checked */
				if (removed(lock) && cpid > 0)
					(void)kill(cpid, SIGKILL);
				else if (health == 0)
					health = spawn_health();
				int64_t now = now_ms();
				next_check = now + (now - started < h_start_period ? h_start_interval : h_interval);
			}
			if (pr == 0)
				continue;
			if (iso >= 0 && pfd[iso].revents)
				(void)drain(&so);
			if (ise >= 0 && pfd[ise].revents)
				(void)drain(&se);
			if (il >= 0 && (pfd[il].revents & POLLIN)) {
				int c = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
				if (c >= 0) {
					int slot = -1;
					for (int i = 0; i < n_clients; i++)
						if (clients[i] < 0)
							slot = i;
					if (slot < 0 && n_clients < MAX_CLIENTS)
						slot = n_clients++;
					if (slot < 0)
						close(c);
					else {
						clients[slot] = c;
						client_in_done[slot] = false;
					}
				}
			}
			for (int i = 0; i < n_clients; i++) {
				short rev = pfd[ic + i].revents;
				if (clients[i] < 0 || !(rev & (POLLIN | POLLHUP | POLLERR)))
					continue;
				char buf[4096];
				ssize_t r = client_in_done[i] ? 0 : read(clients[i], buf, sizeof(buf));
				if (r > 0) {
					if (input >= 0)
						cc_write_full(input, buf, (size_t)r);
				} else if (r == 0 && !(rev & (POLLHUP | POLLERR))) {
					/* half-closed: the client's stdin ended, its output goes on */
					client_in_done[i] = true;
					if (stdin_once && input >= 0) {
						close(input);
						input = -1;
					}
				} else if (!(r < 0 && (errno == EINTR || errno == EAGAIN))) {
					/* gone (detached, ended, killed): nothing closed for it */
					close(clients[i]);
					clients[i] = -1;
				}
			}
			if (pfd[0].revents) {
				struct signalfd_siginfo si;
				while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
					;
				/* reap everything: the starter, the container, checks, orphans */
				reap(cpid, &health, &status);
			}
		}
		if (health > 0) {
			/* A check still running belongs to this run: it must not
			 * outlive it and write its result after __cleanup (or
			 * after `rm` removed the container, or its store). */
			(void)kill(health, SIGKILL);
			while (waitpid(health, NULL, 0) < 0 && errno == EINTR)
				;
			health = 0;
		}
		if (status >= 0) {
			/* The pid namespace is gone with its init: what is left in the
			 * pipes is all there will be. */
			if (so.fd >= 0)
				(void)drain(&so);
			if (se.fd >= 0)
				(void)drain(&se);
		}
		flush_partial(&so);
		flush_partial(&se);
		if (so.fd >= 0)
			close(so.fd);
		if (se.fd >= 0)
			close(se.fd);
		if (input >= 0 && input != so.fd)
			close(input);
		so.fd = se.fd = input = -1;
		if (status < 0)
			status = 255;
		record_exit(status);
		delay = cc_restart_next_delay(delay, now_ms() - started);
		bool stopped = access(CC_CONTAINER_STOPPED_FILE, F_OK) == 0 || removed(lock);
		updated_policy(&policy);
		if (!cc_restart_should(&policy, status, restarts, stopped))
			break;
		char text[16];
		snprintf(text, sizeof(text), "%d\n", ++restarts);
		write_small(CC_CONTAINER_RESTARTS_FILE, text);
		cleanup_for_restart(status);
		if (!restart_delay(sfd, lock, delay))
			break; /* stopped meanwhile: __cleanup records it exited */
	}
	for (int i = 0; i < n_clients; i++)
		if (clients[i] >= 0)
			close(clients[i]);
	if (listener >= 0) {
		close(listener);
		unlink("attach.sock");
	}
	/* removed meanwhile: nothing to record, and opening the store again
	 * would make it anew where it was deleted */
	if (removed(lock))
		return 0;
	char st[16];
	snprintf(st, sizeof(st), "%d", status);
	/* Keep the lock across exec (no CLOEXEC) so `ps` sees a live monitor
	 * until the cleanup has recorded the exit. */
	int fl = fcntl(lock, F_GETFD);
	if (fl >= 0)
		fcntl(lock, F_SETFD, fl & ~FD_CLOEXEC);
	sigprocmask(SIG_UNBLOCK, &sigs, NULL);
	execl(exe, exe, "--root", root, "__cleanup", id, st, (char *)NULL);
	return 125;
}
