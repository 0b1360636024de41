/* cc-test-helper: a static multi-tool used as a container payload, so tests
 * need nothing from a distribution image (crun's tests/init.c idea).
 *
 *   cc-test-helper pid              print "pid=<pid> ppid=<ppid>"
 *   cc-test-helper exit N           exit with status N
 *   cc-test-helper sleep SECONDS    sleep (no signal handlers)
 *   cc-test-helper signals          print "ready", then the name of each
 *                                   INT TERM HUP QUIT USR1 USR2 WINCH it
 *                                   gets; exits 0 after TERM
 *   cc-test-helper zombies N        leave N orphaned zombies for PID 1 to
 *                                   reap, then print "zombies=<left>"
 *   cc-test-helper fds              print the open fds, one line each
 *   cc-test-helper tty              print "tty=<0|1><0|1><0|1> <rows>x<cols>"
 *   cc-test-helper cat              copy stdin to stdout
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t got;

static void on_signal(int sig)
{
	got = sig;
}

static int cmd_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };
	sigset_t block, old;
	sigemptyset(&block);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		struct sigaction sa = { .sa_handler = on_signal };
		sigaction(sigs[i], &sa, NULL);
		sigaddset(&block, sigs[i]);
	}
	sigprocmask(SIG_BLOCK, &block, &old);
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		got = 0;
		sigsuspend(&old); /* no lost wakeups: signals only arrive in here */
		printf("%s\n", sigabbrev_np(got));
		fflush(stdout);
		if (got == SIGTERM)
			return 0;
	}
}

static int count_zombies(void)
{
	DIR *d = opendir("/proc");
	if (d == NULL)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		char path[300], buf[512];
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ssize_t len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (len <= 0)
			continue;
		buf[len] = '\0';
		char *p = strrchr(buf, ')'); /* comm may contain spaces */
		if (p != NULL && p[1] == ' ' && p[2] == 'Z')
			n++;
	}
	closedir(d);
	return n;
}

static int cmd_zombies(int n)
{
	/* A middle process forks n children that exit at once and then exits
	 * itself without waiting: the n zombies are reparented to PID 1. */
	pid_t mid = fork();
	if (mid < 0)
		return 1;
	if (mid == 0) {
		for (int i = 0; i < n; i++)
			if (fork() == 0)
				_exit(0);
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		nanosleep(&ts, NULL); /* let them all die first */
		_exit(0);
	}
	waitpid(mid, NULL, 0);
	int left = -1;
	for (int i = 0; i < 100; i++) { /* up to 1 s for PID 1 to reap */
		left = count_zombies();
		if (left == 0)
			break;
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	printf("zombies=%d\n", left);
	return 0;
}

static int cmd_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	if (d == NULL)
		return 1;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || atoi(e->d_name) == dirfd(d))
			continue;
		char path[300], target[512];
		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		ssize_t n = readlink(path, target, sizeof(target) - 1);
		target[n > 0 ? n : 0] = '\0';
		printf("%s %s\n", e->d_name, target);
	}
	closedir(d);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	const char *arg = argc > 2 ? argv[2] : "0";
	if (strcmp(cmd, "pid") == 0) {
		printf("pid=%d ppid=%d\n", (int)getpid(), (int)getppid());
		return 0;
	}
	if (strcmp(cmd, "exit") == 0)
		return atoi(arg);
	if (strcmp(cmd, "sleep") == 0) {
		struct timespec ts = { atoi(arg), 0 };
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
		return 0;
	}
	if (strcmp(cmd, "signals") == 0)
		return cmd_signals();
	if (strcmp(cmd, "zombies") == 0)
		return cmd_zombies(atoi(arg));
	if (strcmp(cmd, "fds") == 0)
		return cmd_fds();
	if (strcmp(cmd, "tty") == 0) {
		struct winsize ws = { 0 };
		ioctl(0, TIOCGWINSZ, &ws);
		printf("tty=%d%d%d %dx%d\n", isatty(0), isatty(1), isatty(2), ws.ws_row, ws.ws_col);
		return 0;
	}
	if (strcmp(cmd, "cat") == 0) {
		char buf[4096];
		ssize_t n;
		while ((n = read(0, buf, sizeof(buf))) > 0)
			if (write(1, buf, (size_t)n) != n)
				return 1;
		return 0;
	}
	fprintf(stderr, "usage: cc-test-helper pid|exit N|sleep S|signals|zombies N|fds|tty|cat\n");
	return 2;
}
