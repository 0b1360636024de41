/* ccontainer-init: the --init PID 1 (what docker's docker-init, tini, does).
 *
 *   ccontainer-init PATH -- ARGV0 [ARG...]
 *
 * Without --init the command itself is PID 1 of the new pid namespace: the
 * kernel drops signals it has no handler for and orphans are reparented to
 * it, so a shell script as PID 1 ignores ^C and leaves zombies.  This init
 * forks the command (PATH, already resolved inside the container by the
 * runtime), forwards the signals the runtime forwards to it, reaps every
 * process reparented to it, and exits with the command's status (128+N
 * when a signal N killed it).
 *
 * It is a program of its own, static and libc-only, embedded in ccontainer
 * and executed from a sealed memfd (lib/runtime/init-blob.c): /proc/1/exe
 * inside the container is then a sealed anonymous file, never a host
 * binary it could open for writing (the CVE-2019-5736 class), and /proc/1's
 * memory and environment are this program's and the container's own, not
 * a copy of the ccontainer process that set the container up.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

/* The runtime's cc_rt_forward_signals (init.c), plus what only we need. */
static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };

static int exit_code(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return 255;
}

static __attribute__((noreturn)) void die(const char *what)
{
	int e = errno;
	/* stderr is the container's: it goes to its log or terminal */
	dprintf(STDERR_FILENO, "ccontainer-init: %s: %s\n", what, strerror(e));
	_exit(e == ENOENT ? 127 : e == EACCES || e == EPERM || e == ENOEXEC ? 126 : 125);
}

int main(int argc, char **argv)
{
	if (argc < 4 || strcmp(argv[2], "--") != 0) {
		dprintf(STDERR_FILENO, "usage: ccontainer-init PATH -- ARGV0 [ARG...]\n");
		return 125;
	}
	const char *path = argv[1];
	char **cmd = argv + 3;
	/* Executed from an fd, our name would be the fd's number. */
	(void)prctl(PR_SET_NAME, "ccontainer-init", 0, 0, 0);

	/* Block before forking, so that no SIGCHLD or forwarded signal slips
	 * between fork and the read loop.  SIGTTOU too: the command takes
	 * the terminal's foreground with tcsetpgrp from the background. */
	sigset_t set, none;
	sigemptyset(&set);
	sigemptyset(&none);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaddset(&set, forwarded[i]);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTTOU);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		die("block signals");
	int sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0)
		die("signalfd");

	bool tty = isatty(STDIN_FILENO);
	pid_t child = fork();
	if (child < 0)
		die("fork");
	if (child == 0) {
		/* Its own process group (and the terminal's foreground), so
		 * that ^C from the pty reaches it once, not also via us. */
		(void)setpgid(0, 0);
		if (tty)
			(void)tcsetpgrp(STDIN_FILENO, getpid());
		(void)sigprocmask(SIG_SETMASK, &none, NULL);
		execv(path, cmd);
		die(path);
	}

	int status = -1;
	for (;;) {
		struct signalfd_siginfo si;
		ssize_t n = read(sfd, &si, sizeof(si));
		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(si))
			die("read signals");
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
}
