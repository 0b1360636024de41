/* --init: a tiny PID 1 (what docker's tini does), and the final execve.
 *
 * Without --init the command itself is PID 1 of the new pid namespace: the
 * kernel drops signals it has no handler for and orphans are reparented to
 * it, so a shell script as PID 1 ignores ^C and leaves zombies.  With --init
 * the child, after all setup (it already is the container's user), stays PID 1:
 * it forks the command, forwards the caller's signals to it, reaps every
 * process reparented to it, and exits with the command's status.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "runtime-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

const int cc_rt_forward_signals[] = {
	SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, 0,
};

void cc_rt_exec_command(const char *path, char *const *argv, char *const *envp, int sock)
{
	/* The command starts with nothing blocked; every disposition was
	 * reset to SIG_DFL right after clone (execve keeps SIG_IGN, so the
	 * caller's ignored signals would otherwise leak into the container). */
	sigset_t none;
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	/* Sent before execve: an EOF after it means the execve succeeded (the
	 * socket is CLOEXEC), an EOF without it means the child died. */
	(void)cc_rt_sync_send(sock, CC_SYNC_EXEC, -1);
	execve(path, argv, envp);
	int e = errno;
	cc_error *err = NULL;
	cc_rt_exec_error(argv[0], e, &err);
	cc_rt_sync_send_error(sock, err);
	cc_error_free(err);
	_exit(e == ENOENT ? 127 : (e == EACCES || e == EPERM || e == EISDIR) ? 126 : 125);
}

/* PID 1 is a fork of the caller, so /proc/1/cmdline and /proc/1/environ
 * would show the caller's command line and environment (credentials
 * included) to everything in the container.  Overwrite both regions of our
 * own copy (found in /proc/self/stat, fields 48-51); the command, forked
 * before this, keeps its argv even when spec->argv points into them.
 * PR_SET_MM would be cleaner but needs CAP_SYS_RESOURCE. */
static void scrub_cmdline(void)
{
	char buf[2048];
	_cleanup_close_ int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (n <= 0)
		return;
	buf[n] = '\0';
	char *p = strrchr(buf, ')'); /* comm may contain anything */
	if (p == NULL)
		return;
	unsigned long v[4];
	int field = 2; /* p points after field 2, comm */
	char *save = NULL;
	for (char *tok = strtok_r(p + 1, " ", &save); tok != NULL; tok = strtok_r(NULL, " ", &save)) {
		if (++field >= 48 && field <= 51)
			v[field - 48] = strtoul(tok, NULL, 10);
		if (field == 51)
			break;
	}
	if (field < 51)
		return;
	static const char name[] = "ccontainer-init";
	for (int i = 0; i < 4; i += 2) {
		if (v[i] == 0 || v[i + 1] <= v[i] || v[i + 1] - v[i] > (1UL << 24))
			continue;
		size_t len = v[i + 1] - v[i];
		memset((void *)v[i], 0, len);
		if (i == 0 && len > sizeof(name))
			memcpy((void *)v[i], name, sizeof(name));
	}
}

static int exit_code(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return 255;
}

void cc_rt_init_main(const char *path, char *const *argv, char *const *envp, int sock, bool tty)
{
	/* Block before forking so that no SIGCHLD or forwarded signal can slip
	 * between fork and the signalfd read loop.  SIGTTOU too: the command
	 * takes the terminal's foreground with tcsetpgrp from the background. */
	/* We never execve, so CLOEXEC does not help: close all but the
	 * socket, or the caller's pipes stay open while the container runs. */
	if (sock > 3)
		(void)close_range(3, (unsigned)sock - 1, 0);
	(void)close_range((unsigned)sock + 1, ~0U, 0);

	sigset_t set;
	sigemptyset(&set);
	for (const int *s = cc_rt_forward_signals; *s != 0; s++)
		sigaddset(&set, *s);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTTOU);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		goto on_error;
	int sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0)
		goto on_error;

	/* Named before the fork: the command may look at PID 1 right away.
	 * (The argv scrub must wait: the command's argv may live there.) */
	(void)prctl(PR_SET_NAME, "ccontainer-init", 0, 0, 0);
	pid_t child = fork();
	if (child < 0)
		goto on_error;
	if (child == 0) {
		/* Its own process group (and the terminal's foreground), so
		 * that ^C from the pty reaches it once, not also via us. */
		(void)setpgid(0, 0);
		if (tty)
			(void)tcsetpgrp(STDIN_FILENO, getpid());
		cc_rt_exec_command(path, argv, envp, sock);
	}
	/* Our copy of the socket must go, or the parent never sees the EOF
	 * that says the command's execve succeeded. */
	(void)close(sock);
	scrub_cmdline();
	/* /proc/1/mem, environ, fds: root (CAP_SYS_PTRACE) only; our memory
	 * is a copy of the caller's */
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);

	int status = -1;
	for (;;) {
		struct signalfd_siginfo si;
		ssize_t n = read(sfd, &si, sizeof(si));
		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(si))
			_exit(125);
		if (si.ssi_signo != SIGCHLD) {
			if (si.ssi_signo != SIGTTOU)
				(void)kill(child, (int)si.ssi_signo);
			continue;
		}
		/* SIGCHLD coalesces: reap everything that is there */
		for (;;) {
			int st;
			pid_t p = waitpid(-1, &st, WNOHANG);
			if (p <= 0)
				break;
			if (p == child)
				status = exit_code(st);
		}
		/* Exiting as PID 1 kills whatever is left in the namespace. */
		if (status >= 0)
			_exit(status);
	}

on_error:;
	cc_error *err = NULL;
	cc_error_set(&err, errno, "init: start the command");
	cc_rt_sync_send_error(sock, err);
	cc_error_free(err);
	_exit(125);
}
