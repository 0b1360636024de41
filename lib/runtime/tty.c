/* -t: a pty from the container's own devpts instance.
 *
 * Like docker, the pty lives inside the container: the child opens
 * /dev/ptmx (-> pts/ptmx of the devpts it mounted with newinstance), makes
 * the slave its controlling terminal and stdio, and hands the master to the
 * parent over the sync socket (SCM_RIGHTS).  The parent copies host stdin to
 * the master and the master to host stdout, with host stdin in raw mode
 * while the container runs (restored on every path out of cc_runtime_run:
 * the caller's terminating signals are blocked and forwarded, so they do not
 * kill the caller half-way).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "runtime-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "util/util.h"

int cc_rt_tty_child(int sock, bool console, cc_error **err)
{
	/* "/dev/ptmx" is our symlink to pts/ptmx: the container's instance */
	_cleanup_close_ int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return cc_error_set(err, errno, "open '/dev/ptmx'");
	int unlock = 0;
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
		return cc_error_set(err, errno, "unlock pty");
	/* TIOCGPTPEER opens the slave without a path lookup (linux >= 4.13) */
	_cleanup_close_ int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0) {
		unsigned int n;
		char path[64];
		if (ioctl(master, TIOCGPTN, &n) < 0)
			return cc_error_set(err, errno, "get pty number");
		(void)snprintf(path, sizeof(path), "/dev/pts/%u", n);
		slave = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (slave < 0)
			return cc_error_set(err, errno, "open '%s'", path);
	}
	/* The host terminal's size, set before the command can look: the
	 * parent copies it too when the master arrives, but that races with
	 * the command's first TIOCGWINSZ (which then sees 0x0).  Our fds 0-2
	 * are still the caller's here. */
	struct winsize ws;
	for (int fd = 0; fd <= 2; fd++) {
		if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0) {
			(void)ioctl(master, TIOCSWINSZ, &ws);
			break;
		}
	}
	int r = cc_rt_sync_send(sock, CC_SYNC_PTY, master);
	if (r < 0)
		return cc_error_set(err, -r, "send the pty to the parent");
	cc_closep(&master);

	/* The child called setsid() right after clone, so it is a session
	 * leader without a terminal and can take this one. */
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		return cc_error_set(err, errno, "make the pty the controlling terminal");
	for (int fd = 0; fd <= 2; fd++)
		if (dup2(slave, fd) < 0)
			return cc_error_set(err, errno, "dup the pty to fd %d", fd);
	return console ? cc_rt_bind_console(slave, err) : 0;
}

void cc_rt_tty_init(struct cc_rt_tty *t, bool interactive)
{
	memset(t, 0, sizeof(*t));
	t->master = -1;
	t->interactive = interactive;
}

void cc_rt_tty_resize(struct cc_rt_tty *t)
{
	if (t->master < 0)
		return;
	struct winsize ws;
	for (int fd = 0; fd <= 2; fd++) {
		if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0) {
			/* the kernel sends SIGWINCH to the pty's foreground group */
			(void)ioctl(t->master, TIOCSWINSZ, &ws);
			return;
		}
	}
}

int cc_rt_tty_attach(struct cc_rt_tty *t, int master, cc_error **err)
{
	t->master = master;
	int fl = fcntl(master, F_GETFL);
	if (fl < 0 || fcntl(master, F_SETFL, fl | O_NONBLOCK) < 0)
		return cc_error_set(err, errno, "set the pty non-blocking");
	cc_rt_tty_resize(t);
	/* Raw mode only when the user types into the container (-i -t), as
	 * docker does: keys like ^C then reach the container's pty, whose own
	 * line discipline turns them into signals. */
	if (t->interactive && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &t->saved) == 0) {
		struct termios raw = t->saved;
		cfmakeraw(&raw);
		if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) < 0)
			return cc_error_set(err, errno, "set the terminal to raw mode");
		t->raw = true;
	}
	return 0;
}

size_t cc_rt_tty_pollfds(struct cc_rt_tty *t, struct pollfd *pfd)
{
	size_t n = 0;
	if (t->master < 0)
		return 0;
	if (!t->master_eof) {
		pfd[n++] = (struct pollfd){ .fd = t->master,
					    .events = (short)(POLLIN | (t->len > t->off ? POLLOUT : 0)) };
	}
	if (t->interactive && !t->stdin_eof && t->len == t->off && !t->master_eof)
		pfd[n++] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
	return n;
}

/* from -> to until from would block.  Returns false once from is done
 * (EOF, or EIO on a pty master: no slave left open).  A broken "to" must
 * not stop the container: its output is dropped then. */
static bool copy_available(int from, int to, const struct cc_rt_tee *tee)
{
	char buf[16384];
	for (;;) {
		ssize_t n = read(from, buf, sizeof(buf));
		if (n > 0) {
			(void)cc_write_all(to, buf, (size_t)n);
			if (tee->fn != NULL)
				tee->fn(tee->data, to, buf, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return true;
		return false;
	}
}

static bool copy_out(struct cc_rt_tty *t)
{
	return copy_available(t->master, STDOUT_FILENO, &t->tee);
}

int cc_rt_tty_handle(struct cc_rt_tty *t, const struct pollfd *pfd, size_t n, cc_error **err)
{
	for (size_t i = 0; i < n; i++) {
		if (pfd[i].revents == 0)
			continue;
		if (pfd[i].fd == t->master) {
			if ((pfd[i].revents & (POLLIN | POLLHUP | POLLERR)) && !copy_out(t))
				t->master_eof = true;
			if ((pfd[i].revents & POLLOUT) && t->len > t->off) {
				ssize_t w = write(t->master, t->buf + t->off, t->len - t->off);
				if (w > 0)
					t->off += (size_t)w;
				else if (w < 0 && errno != EAGAIN && errno != EINTR)
					t->off = t->len; /* the pty went away; drop input */
				if (t->off == t->len)
					t->off = t->len = 0;
			}
		} else if (pfd[i].fd == STDIN_FILENO) {
			ssize_t r = read(STDIN_FILENO, t->buf, sizeof(t->buf));
			if (r > 0) {
				t->off = 0;
				t->len = (size_t)r;
			} else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
				/* end of input: a ^D reads as end-of-file for a
				 * canonical-mode reader inside the container */
				t->stdin_eof = true;
				t->buf[0] = 0x04;
				t->off = 0;
				t->len = 1;
			}
		}
	}
	(void)err;
	return 0;
}

void cc_rt_tty_drain(struct cc_rt_tty *t)
{
	if (t->master >= 0 && !t->master_eof)
		(void)copy_out(t);
}

void cc_rt_tty_release(struct cc_rt_tty *t)
{
	if (t->raw) {
		(void)tcsetattr(STDIN_FILENO, TCSANOW, &t->saved);
		t->raw = false;
	}
	cc_closep(&t->master);
}

/* --- no host terminal in the container without -t ---------------------------
 *
 * Without -t, a container's stdio is the caller's.  When that is a
 * terminal, the container would hold a host terminal fd: with CAP_SYS_ADMIN
 * it could push keystrokes into the caller's shell (TIOCSTI), and any
 * process can change the terminal's modes or read what is typed.  So each
 * stdio fd that is a terminal becomes a pipe, copied here (podman does the
 * same through conmon): stdin only with -i (else it is /dev/null anyway).
 */

void cc_rt_relay_init(struct cc_rt_relay *r)
{
	memset(r, 0, sizeof(*r));
	for (int i = 0; i < 3; i++)
		r->ours[i] = r->theirs[i] = -1;
}

int cc_rt_relay_setup(struct cc_rt_relay *r, bool interactive, cc_error **err)
{
	for (int fd = 0; fd < 3; fd++) {
		if (fd == STDIN_FILENO ? !interactive || !isatty(fd) : !isatty(fd) && r->tee.fn == NULL)
			continue;
		int p[2];
		if (pipe2(p, O_CLOEXEC) < 0)
			return cc_error_set(err, errno, "pipe for the container's fd %d", fd);
		/* stdin: we write p[1]; stdout/stderr: we read p[0] */
		r->ours[fd] = fd == STDIN_FILENO ? p[1] : p[0];
		r->theirs[fd] = fd == STDIN_FILENO ? p[0] : p[1];
		int fl = fcntl(r->ours[fd], F_GETFL);
		if (fl < 0 || fcntl(r->ours[fd], F_SETFL, fl | O_NONBLOCK) < 0)
			return cc_error_set(err, errno, "set a stdio pipe non-blocking");
		r->active = true;
	}
	return 0;
}

int cc_rt_relay_child(const struct cc_rt_relay *r, cc_error **err)
{
	for (int fd = 0; fd < 3; fd++)
		if (r->theirs[fd] >= 0 && dup2(r->theirs[fd], fd) < 0)
			return cc_error_set(err, errno, "stdio pipe as fd %d", fd);
	return 0;
}

void cc_rt_relay_started(struct cc_rt_relay *r)
{
	for (int fd = 0; fd < 3; fd++)
		cc_closep(&r->theirs[fd]);
}

size_t cc_rt_relay_pollfds(struct cc_rt_relay *r, struct pollfd *pfd)
{
	size_t n = 0;
	for (int fd = 1; fd < 3; fd++)
		if (r->ours[fd] >= 0)
			pfd[n++] = (struct pollfd){ .fd = r->ours[fd], .events = POLLIN };
	if (r->ours[0] >= 0) {
		if (r->len > r->off)
			pfd[n++] = (struct pollfd){ .fd = r->ours[0], .events = POLLOUT };
		else if (!r->stdin_eof)
			pfd[n++] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
		else
			cc_closep(&r->ours[0]); /* all of stdin is written: EOF */
	}
	return n;
}

/* Pipe -> our fd until it would block; the pipe is closed at its end. */
static void relay_out(struct cc_rt_relay *r, int fd)
{
	if (!copy_available(r->ours[fd], fd, &r->tee))
		cc_closep(&r->ours[fd]);
}

void cc_rt_relay_handle(struct cc_rt_relay *r, const struct pollfd *pfd, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (pfd[i].revents == 0)
			continue;
		if (pfd[i].fd == STDIN_FILENO) {
			ssize_t got = read(STDIN_FILENO, r->buf, sizeof(r->buf));
			if (got > 0) {
				r->off = 0;
				r->len = (size_t)got;
			} else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
				r->stdin_eof = true;
			}
		} else if (pfd[i].fd == r->ours[0]) {
			ssize_t w = write(r->ours[0], r->buf + r->off, r->len - r->off);
			if (w > 0)
				r->off += (size_t)w;
			else if (w < 0 && errno != EAGAIN && errno != EINTR) {
				/* the container closed its stdin: nothing more to give */
				r->stdin_eof = true;
				r->off = r->len;
			}
			if (r->off == r->len)
				r->off = r->len = 0;
		} else {
			for (int fd = 1; fd < 3; fd++)
				if (pfd[i].fd == r->ours[fd])
					relay_out(r, fd);
		}
	}
}

void cc_rt_relay_drain(struct cc_rt_relay *r)
{
	for (int fd = 1; fd < 3; fd++)
		if (r->ours[fd] >= 0)
			relay_out(r, fd);
}

void cc_rt_relay_release(struct cc_rt_relay *r)
{
	for (int fd = 0; fd < 3; fd++) {
		cc_closep(&r->ours[fd]);
		cc_closep(&r->theirs[fd]);
	}
	r->active = false;
}
