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
 *   cc-test-helper exewatch DEV:INO SECONDS
 *                                   the CVE-2019-5736 probe: watch every new
 *                                   process for SECONDS; print "ready", then
 *                                   "LEAK ..." for each one whose
 *                                   /proc/PID/exe is the file DEV:INO (the
 *                                   host's binary, as the test stat()ed it),
 *                                   with what else of it could be opened
 *                                   (fds, environ, mem), "LEAK fd pid=N
 *                                   TARGET" for each fd of any new process
 *                                   that names the store's database, and
 *                                   "watched N" at the end
 *   cc-test-helper ttyprobe         print "isatty=<0|1>x3 ctty=<tty_nr>" and,
 *                                   for each stdio fd that is a terminal,
 *                                   "tiocsti fd=N ok|<errno name>" (pushes a
 *                                   NUL byte: harmless if it ever works)
 *   cc-test-helper readfile PATH    print the first 4 KiB of PATH, or
 *                                   "error <errno name>"
 *   cc-test-helper openw PATH       print "openw ok" if PATH opens for
 *                                   writing (O_WRONLY, no truncation), else
 *                                   "openw <errno name>"
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdbool.h>
#include <sys/stat.h>
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

static int open_errno(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

/* What of process pid can be reached from here, appended to line. */
static void report_leak(pid_t pid)
{
	char path[64];
	printf("LEAK exe pid=%d", (int)pid);
	static const char *const what[] = { "environ", "mem", "fd" };
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, what[i]);
		int e = open_errno(path, O_RDONLY | (i == 2 ? O_DIRECTORY : 0));
		printf(" %s=%s", what[i], e == 0 ? "open" : strerrorname_np(e));
	}
	printf("\n");
	fflush(stdout);
}

static bool is_target(pid_t pid, dev_t dev, ino_t ino)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	int fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return false;
	struct stat st;
	bool hit = fstat(fd, &st) == 0 && st.st_dev == dev && st.st_ino == ino;
	close(fd);
	return hit;
}

/* "LEAK fd" for each fd of pid that is the store's database. */
static void check_fds(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	DIR *d = opendir(path);
	struct dirent *e;
	while (d != NULL && (e = readdir(d)) != NULL) {
		char link[300], target[512];
		snprintf(link, sizeof(link), "/proc/%d/fd/%s", (int)pid, e->d_name);
		ssize_t n = readlink(link, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		if (strstr(target, "store.db") != NULL) {
			printf("LEAK fd pid=%d %s\n", (int)pid, target);
			fflush(stdout);
		}
	}
	if (d != NULL)
		closedir(d);
}

static pid_t highest_pid(void)
{
	DIR *d = opendir("/proc");
	pid_t max = 0;
	struct dirent *e;
	while (d != NULL && (e = readdir(d)) != NULL) {
		pid_t p = (pid_t)atoi(e->d_name);
		if (p > max)
			max = p;
	}
	if (d != NULL)
		closedir(d);
	return max;
}

static int cmd_exewatch(const char *devino, int seconds)
{
	unsigned long long dev, ino;
	if (sscanf(devino, "%llu:%llu", &dev, &ino) != 2)
		return 2;
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	pid_t next = highest_pid() + 1, reported = 0;
	unsigned long watched = 0;
	printf("ready\n");
	fflush(stdout);
	for (unsigned long i = 0;; i++) {
		/* pids in a pid namespace come in order: spin on the next few */
		for (pid_t p = next; p < next + 4; p++) {
			if (p != reported && is_target(p, (dev_t)dev, (ino_t)ino)) {
				report_leak(p);
				reported = p;
			}
			if (p != getpid())
				check_fds(p);
		}
		if (i % 64 == 0) {
			pid_t h = highest_pid();
			if (h + 1 > next) {
				watched += (unsigned long)(h + 1 - next);
				next = h + 1;
			}
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (now.tv_sec - start.tv_sec >= seconds)
				break;
		}
	}
	printf("watched %lu\n", watched);
	return 0;
}

static int cmd_ttyprobe(void)
{
	char buf[1024];
	long tty_nr = -1;
	int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n > 0) {
		buf[n] = '\0';
		char *p = strrchr(buf, ')');
		/* ") S ppid pgrp session tty_nr" */
		if (p != NULL)
			(void)sscanf(p + 1, " %*c %*d %*d %*d %ld", &tty_nr);
	}
	printf("isatty=%d%d%d ctty=%ld\n", isatty(0), isatty(1), isatty(2), tty_nr);
	for (int f = 0; f <= 2; f++) {
		if (!isatty(f))
			continue;
		char c = 0;
		int r = ioctl(f, TIOCSTI, &c);
		printf("tiocsti fd=%d %s\n", f, r == 0 ? "ok" : strerrorname_np(errno));
	}
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
	if (strcmp(cmd, "exewatch") == 0 && argc > 3)
		return cmd_exewatch(argv[2], atoi(argv[3]));
	if (strcmp(cmd, "ttyprobe") == 0)
		return cmd_ttyprobe();
	if (strcmp(cmd, "readfile") == 0) {
		char buf[4096];
		int fd = open(arg, O_RDONLY | O_CLOEXEC);
		ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;
		if (n < 0) {
			printf("error %s\n", strerrorname_np(errno));
			return 1;
		}
		fwrite(buf, 1, (size_t)n, stdout);
		return 0;
	}
	if (strcmp(cmd, "openw") == 0) {
		int e = open_errno(arg, O_WRONLY);
		printf("openw %s\n", e == 0 ? "ok" : strerrorname_np(e));
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
	fprintf(stderr, "usage: cc-test-helper pid|exit N|sleep S|signals|zombies N|fds|tty|cat|exewatch DEV:INO S|ttyprobe|readfile P|openw P\n");
	return 2;
}
