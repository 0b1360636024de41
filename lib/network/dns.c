/* The embedded DNS server's controller (dns.h): writes the records for
 * ccontainer-dns, tells a running one to reload them over its control
 * socket, starts or stops it.  The resolver itself is cmd/dns. */
#include "network/dns.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "network/dns-internal.h"
#include "util/strbuf.h"
#include "util/util.h"

#define DNS_RELOAD_TIMEOUT_MS 3000
#define DNS_START_TIMEOUT_MS 5000
#define DNS_STOP_TIMEOUT_MS 2000

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* dir opened (O_PATH) and its lock held (flock on dir/lock) */
static int open_locked(const char *dir, bool create, int *ret_dfd, int *ret_lock, cc_error **err)
{
	if (create && cc_mkdir_p(dir, 0700, err) < 0)
		return -1;
	_cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return (!create && errno == ENOENT) ? 0 : cc_error_set(err, errno, "open '%s'", dir);
	_cleanup_close_ int lock = openat(dfd, "lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (lock < 0)
		return cc_error_set(err, errno, "open '%s/lock'", dir);
	while (flock(lock, LOCK_EX) < 0)
		if (errno != EINTR)
			return cc_error_set(err, errno, "lock '%s/lock'", dir);
	*ret_dfd = steal_fd(&dfd);
	*ret_lock = steal_fd(&lock);
	return 1;
}

/* The running resolver told to reload dir/hosts: 1 done, 0 none runs. */
static int reload(const char *dir, int dfd, cc_error **err)
{
	_cleanup_close_ int c = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (c < 0)
		return cc_error_set(err, errno, "socket");
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	/* through the directory's fd: dir may be longer than sun_path */
	snprintf(un.sun_path, sizeof(un.sun_path), "/proc/self/fd/%d/ctl", dfd);
	if (connect(c, (struct sockaddr *)&un, sizeof(un)) < 0) {
		if (errno == ENOENT || errno == ECONNREFUSED)
			return 0;
		return cc_error_set(err, errno, "connect to the dns resolver of '%s'", dir);
	}
	_cleanup_close_ int hfd = openat(dfd, "hosts", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (hfd < 0)
		return cc_error_set(err, errno, "open '%s/hosts'", dir);
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} cm;
	memset(&cm, 0, sizeof(cm));
	char msg[] = "reload";
	struct iovec iov = { msg, sizeof(msg) - 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.b, .msg_controllen = sizeof(cm.b) };
	struct cmsghdr *h = CMSG_FIRSTHDR(&mh);
	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SCM_RIGHTS;
	h->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(h), &hfd, sizeof(int));
	if (sendmsg(c, &mh, MSG_NOSIGNAL) < 0)
		return cc_error_set(err, errno, "tell the dns resolver of '%s' to reload", dir);
	struct pollfd p = { c, POLLIN, 0 };
	int r;
	while ((r = poll(&p, 1, DNS_RELOAD_TIMEOUT_MS)) < 0 && errno == EINTR)
		;
	if (r <= 0)
		return cc_error_set(err, r == 0 ? ETIMEDOUT : errno, "the dns resolver of '%s' did not reload", dir);
	char reply[256];
	ssize_t n = recv(c, reply, sizeof(reply) - 1, MSG_DONTWAIT);
	if (n <= 0)
		return cc_error_set(err, n == 0 ? EPIPE : errno, "the dns resolver of '%s' did not reload", dir);
	reply[n] = '\0';
	if (strcmp(reply, "ok") == 0)
		return 1;
	_cleanup_free_ char *safe = cc_safe_text(cc_str_has_prefix(reply, "error: ") ? reply + 7 : reply);
	return cc_error_set(err, 0, "dns resolver of '%s': %s", dir, safe ? safe : "reload failed");
}

static int start(const char *dir, cc_error **err)
{
	_cleanup_free_ char *helper = cc_helper_path("ccontainer-dns", "CCONTAINER_DNS");
	if (helper == NULL)
		return cc_error_set(err, ENOMEM, "dns resolver");
	if (access(helper, X_OK) < 0)
		return cc_error_set(err, errno, "dns resolver '%s'", helper);
	int rp[2];
	if (pipe2(rp, O_CLOEXEC) < 0)
		return cc_error_set(err, errno, "pipe");
	/* both ends above stdio, which the child replaces */
	for (int i = 0; i < 2; i++) {
		if (rp[i] < 3) {
			int fd = fcntl(rp[i], F_DUPFD_CLOEXEC, 3);
			if (fd < 0) {
				int e = errno;
				close(rp[0]);
				close(rp[1]);
				return cc_error_set(err, e, "dup");
			}
			close(rp[i]);
			rp[i] = fd;
		}
	}
	_cleanup_close_ int rd = rp[0];
	char *const argv[] = { (char *)"ccontainer-dns", (char *)dir, (char *)"3", NULL };
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(rp[1]);
		return cc_error_set(err, e, "fork the dns resolver");
	}
	if (pid == 0) {
		/* async-signal-safe only from here: a new session, then a
		 * grandchild that init adopts, nothing of ours but the ready pipe */
		if (setsid() < 0)
			_exit(1);
		pid_t g = fork();
		if (g != 0)
			_exit(g < 0);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (rp[1] == 3 ? fcntl(3, F_SETFD, 0) < 0 : dup2(rp[1], 3) < 0)
			_exit(1);
		int null = open("/dev/null", O_RDWR);
		if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
			_exit(1);
		if (syscall(SYS_close_range, 4U, ~0U, 0U) < 0)
			for (int fd = 4; fd < 65536; fd++)
				(void)close(fd);
		execv(helper, argv);
		static const char m[] = "error: cannot execute the helper\n";
		(void)!write(3, m, sizeof(m) - 1);
		_exit(127);
	}
	close(rp[1]);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	char msg[512];
	size_t len = 0;
	for (;;) {
		struct pollfd p = { rd, POLLIN, 0 };
		int r = poll(&p, 1, DNS_START_TIMEOUT_MS);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return cc_error_set(err, r == 0 ? ETIMEDOUT : errno, "the dns resolver of '%s' did not start", dir);
		ssize_t n = read(rd, msg + len, sizeof(msg) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (memchr(msg, '\n', len) != NULL || len == sizeof(msg) - 1)
			break;
	}
	msg[len] = '\0';
	char *nl = strchr(msg, '\n');
	if (nl)
		*nl = '\0';
	if (strcmp(msg, "ok") == 0)
		return 0;
	if (len == 0)
		return cc_error_set(err, 0, "the dns resolver of '%s' exited at start", dir);
	_cleanup_free_ char *safe = cc_safe_text(cc_str_has_prefix(msg, "error: ") ? msg + 7 : msg);
	return cc_error_set(err, 0, "start the dns resolver of '%s': %s", dir, safe ? safe : "failed");
}

int cc_dns_update(const char *dir, const struct cc_dns_record *recs, size_t n, cc_error **err)
{
	if (n > CC_DNS_MAX_RECORDS)
		return cc_error_setk(err, CC_ERR_INVALID, E2BIG, "dns: %zu records (at most %d)", n, CC_DNS_MAX_RECORDS);
	struct cc_strbuf sb = { 0 };
	cc_strbuf_addf(&sb, "%s\n", CC_DNS_HOSTS_MAGIC);
	for (size_t i = 0; i < n; i++) {
		const struct cc_dns_record *r = &recs[i];
		if (r->name == NULL || !cc_dns_name_valid(r->name) || r->server == 0) {
			cc_strbuf_release(&sb);
			_cleanup_free_ char *safe = cc_safe_text(r->name);
			return cc_error_setk(err, CC_ERR_INVALID, EINVAL, "dns: invalid record '%s'", safe ? safe : "");
		}
		cc_strbuf_addf(&sb, "%u.%u.%u.%u %u.%u.%u.%u %s\n", r->server >> 24, (r->server >> 16) & 0xff,
			       (r->server >> 8) & 0xff, r->server & 0xff, r->ip >> 24, (r->ip >> 16) & 0xff,
			       (r->ip >> 8) & 0xff, r->ip & 0xff, r->name);
	}
	size_t len = sb.len;
	_cleanup_free_ char *text = cc_strbuf_steal(&sb);
	if (text == NULL)
		return cc_error_set(err, ENOMEM, "dns records");
	if (len > CC_DNS_HOSTS_MAX)
		return cc_error_setk(err, CC_ERR_INVALID, E2BIG, "dns: records too large");
	_cleanup_close_ int dfd = -1;
	_cleanup_close_ int lock = -1;
	if (open_locked(dir, true, &dfd, &lock, err) < 0)
		return -1;
	_cleanup_free_ char *hosts = NULL;
	if (asprintf(&hosts, "%s/hosts", dir) < 0)
		return cc_error_set(err, ENOMEM, "dns");
	if (cc_write_file_atomic(hosts, text, len, 0600, err) < 0)
		return -1;
	int r = reload(dir, dfd, err);
	if (r != 0 || n == 0)
		return r < 0 ? -1 : 0;
	return start(dir, err);
}

/* /proc/PID/stat's state and start time; start 0 when it is gone */
static uint64_t proc_start(int pid, char *state)
{
	char path[64], buf[1024];
	*state = '?';
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	char *p = strrchr(buf, ')');
	if (p == NULL || p[1] != ' ')
		return 0;
	*state = p[2];
	p++;
	for (int field = 3; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	return p ? strtoull(p + 1, NULL, 10) : 0;
}

/* a process that is gone, or a zombie nobody reaped yet, or another one
 * with that pid now */
static bool dead(int pid, uint64_t start)
{
	char state;
	uint64_t now = proc_start(pid, &state);
	return now != start || state == 'Z' || state == 'X';
}

int cc_dns_stop(const char *dir, cc_error **err)
{
	_cleanup_close_ int dfd = -1;
	_cleanup_close_ int lock = -1;
	int r = open_locked(dir, false, &dfd, &lock, err);
	if (r <= 0)
		return r;
	_cleanup_close_ int pfd = openat(dfd, "pid", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (pfd < 0)
		return errno == ENOENT ? 0 : cc_error_set(err, errno, "open '%s/pid'", dir);
	char buf[64];
	ssize_t n = read(pfd, buf, sizeof(buf) - 1);
	if (n < 0)
		return cc_error_set(err, errno, "read '%s/pid'", dir);
	buf[n] = '\0';
	int pid = 0;
	unsigned long long start = 0;
	/* only the process that wrote it, started when it says: a reused pid is someone else */
	if (sscanf(buf, "%d %llu", &pid, &start) == 2 && pid > 1 && start != 0 && !dead(pid, start)) {
		if (kill(pid, SIGTERM) < 0 && errno != ESRCH)
			return cc_error_set(err, errno, "stop the dns resolver of '%s' (pid %d)", dir, pid);
		int waited = 0;
		for (; waited < DNS_STOP_TIMEOUT_MS && !dead(pid, start); waited += 2)
			sleep_ms(2);
		if (!dead(pid, start)) {
			(void)kill(pid, SIGKILL);
			for (waited = 0; waited < DNS_STOP_TIMEOUT_MS && !dead(pid, start); waited += 2)
				sleep_ms(2);
			if (!dead(pid, start))
				return cc_error_set(err, ETIMEDOUT, "stop the dns resolver of '%s' (pid %d)", dir, pid);
		}
	}
	(void)unlinkat(dfd, "ctl", 0);
	(void)unlinkat(dfd, "pid", 0);
	return 0;
}
