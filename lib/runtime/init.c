/* The final execve: of the command, or (--init) of the init program
 * (init/ccontainer-init.c, embedded: init-blob.c) that becomes PID 1 and
 * forks the command.
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
#include <sys/syscall.h>
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

void cc_rt_exec_init(int init_fd, const char *path, char *const *argv, char *const *envp, int sock)
{
	size_t n = 0;
	while (argv[n] != NULL)
		n++;
	/* ccontainer-init PATH -- ARGV...: the path is resolved already */
	char **iv = calloc(n + 4, sizeof(char *));
	if (iv == NULL) {
		cc_error *err = NULL;
		cc_error_set(&err, ENOMEM, "init");
		cc_rt_sync_send_error(sock, err);
		_exit(125);
	}
	iv[0] = (char *)"ccontainer-init";
	iv[1] = (char *)path;
	iv[2] = (char *)"--";
	memcpy(iv + 3, argv, (n + 1) * sizeof(char *));
	/* The signals the init reads from its signalfd stay blocked through
	 * the execveat, the rest unblocked.  Unblocked, a SIGTERM sent between
	 * the execveat and the init's own sigprocmask was lost: PID 1 of a
	 * pid namespace gets no signal it has no handler for, and the start
	 * is reported (its EOF below) before the init runs a line, so a
	 * `stop` right after `start` (compose down after up -d) waited out
	 * its timeout and killed it (137).  Blocked, it stays pending across
	 * the execveat and the init reads it (ccontainer-init.c: the same
	 * set). */
	sigset_t held;
	sigemptyset(&held);
	for (const int *sig = cc_rt_forward_signals; *sig != 0; sig++)
		sigaddset(&held, *sig);
	sigaddset(&held, SIGCHLD);
	sigaddset(&held, SIGTTOU);
	(void)sigprocmask(SIG_SETMASK, &held, NULL);
	(void)cc_rt_sync_send(sock, CC_SYNC_EXEC, -1);
	syscall(SYS_execveat, init_fd, "", iv, envp, AT_EMPTY_PATH);
	int e = errno;
	cc_error *err = NULL;
	cc_error_set(&err, e, "exec the init (ccontainer-init)");
	cc_rt_sync_send_error(sock, err);
	cc_error_free(err);
	_exit(125);
}
