/* Rootless networking through pasta (Debian's passt package), as rootless
 * podman's default: pasta joins the container's network namespace, gives
 * it an interface with the host's addresses and routes (--config-net),
 * forwards the published ports from the host (-t, -u) and the container's
 * DNS queries to the host's resolver (--dns-forward).  It goes to the
 * background once the namespace is set up, with its pid in
 * <runroot>/pasta-<id>.pid, and is ended when the container is. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "network.h"
#include "util/strbuf.h"
#include "util/util.h"

static char *pidfile(struct cc_store *s, const char *id)
{
	char *p = NULL;
	return asprintf(&p, "%s/pasta-%s.pid", cc_store_runroot(s), id) < 0 ? NULL : p;
}

static const char *pasta_path(void)
{
	static const char *const paths[] = { "/usr/bin/pasta", "/usr/local/bin/pasta", "/usr/sbin/pasta" };
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (access(paths[i], X_OK) == 0)
			return paths[i];
	return NULL;
}

bool cc_network_pasta_available(void)
{
	return pasta_path() != NULL;
}

/* One mapping in pasta's form, "[IP/]HOST:CONTAINER" (an address applies
 * to all of a spec's ports: one -t or -u a mapping). */
static char *port_spec(const struct cc_port_map *m)
{
	char ip[INET_ADDRSTRLEN] = "";
	if (m->host_ip != 0) {
		struct in_addr a = { .s_addr = htonl(m->host_ip) };
		inet_ntop(AF_INET, &a, ip, sizeof(ip));
	}
	char *out = NULL;
	if (asprintf(&out, "%s%s%u:%u", ip, ip[0] ? "/" : "", (unsigned)m->host_port, (unsigned)m->container_port) < 0)
		return NULL;
	return out;
}

int cc_network_pasta_pick_ports(struct cc_network *n, cc_error **err)
{
	for (size_t i = 0; i < n->n_ports; i++) {
		struct cc_port_map *m = &n->ports[i];
		if (m->host_port != 0)
			continue;
		/* a free port now (pasta binds it for good a moment later) */
		int fd = socket(AF_INET, (m->proto == IPPROTO_UDP ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(m->host_ip) };
		socklen_t len = sizeof(a);
		if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
		    getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
			int e = errno;
			if (fd >= 0)
				close(fd);
			return cc_error_set(err, e, "pick a host port for container port %u", (unsigned)m->container_port);
		}
		close(fd);
		m->host_port = ntohs(a.sin_port);
	}
	return 0;
}

static int spawn_pasta(const char *pasta, const char *const *args, const struct cc_network *n, pid_t pid,
		       cc_error **err);

int cc_network_pasta_start(struct cc_network *n, struct cc_store *s, const char *id, pid_t pid, cc_error **err)
{
	const char *pasta = pasta_path();
	if (pasta == NULL)
		return cc_error_setk(err, CC_ERR_NOT_FOUND, 0,
				     "rootless networking needs pasta, which is not installed (Debian: passt); "
				     "or use --network none or host");
	_cleanup_free_ char *pf = pidfile(s, id);
	/* pasta, its options, 2 a mapping, the netns, NULL */
	const char *args[24 + 2 * CC_NET_MAX_PORTS];
	char *specs[CC_NET_MAX_PORTS] = { NULL };
	size_t na = 0;
	bool tcp = false, udp = false;
	int rc = pf == NULL ? cc_error_set(err, ENOMEM, "start pasta") : 0;
	static const char *const fixed[] = { "pasta", "--config-net", "--quiet", "--runas", "0:0", "--dns-forward",
					     CC_NETWORK_PASTA_DNS, "-T", "none", "-U", "none" };
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		args[na++] = fixed[i];
	for (size_t i = 0; rc == 0 && i < n->n_ports && i < CC_NET_MAX_PORTS; i++) {
		if ((specs[i] = port_spec(&n->ports[i])) == NULL) {
			rc = cc_error_set(err, ENOMEM, "start pasta");
			break;
		}
		bool is_udp = n->ports[i].proto == IPPROTO_UDP;
		args[na++] = is_udp ? "-u" : "-t";
		args[na++] = specs[i];
		udp |= is_udp;
		tcp |= !is_udp;
	}
	if (!tcp) {
		args[na++] = "-t";
		args[na++] = "none";
	}
	if (!udp) {
		args[na++] = "-u";
		args[na++] = "none";
	}
	args[na++] = "-P";
	args[na++] = pf;
	args[na++] = "--netns";
	args[na++] = "/proc/self/fd/3";
	args[na] = NULL;
	if (rc == 0)
		rc = spawn_pasta(pasta, args, n, pid, err);
	for (size_t i = 0; i < CC_NET_MAX_PORTS; i++)
		free(specs[i]);
	return rc;
}

/* Run pasta with args for the namespace of pid, and wait for its first
 * process (it goes to the background once the namespace is set up). */
static int spawn_pasta(const char *pasta, const char *const *args, const struct cc_network *n, pid_t pid,
		       cc_error **err)
{
	/* The namespace by an fd of ours: the container's process is not
	 * dumpable, and pasta keeps no CAP_SYS_PTRACE to open its /proc. */
	char nspath[64];
	snprintf(nspath, sizeof(nspath), "/proc/%d/ns/net", (int)pid);
	_cleanup_close_ int nsfd = open(nspath, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return cc_error_set(err, errno, "open the container's network namespace");
	int errp[2];
	if (pipe2(errp, O_CLOEXEC) < 0)
		return cc_error_set(err, errno, "start pasta");
	pid_t k = fork();
	if (k < 0) {
		close(errp[0]);
		close(errp[1]);
		return cc_error_set(err, errno, "start pasta");
	}
	if (k == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null >= 0) {
			(void)dup2(null, 0);
			(void)dup2(null, 1);
		}
		(void)dup2(errp[1], 2);
		if (nsfd == 3 ? fcntl(3, F_SETFD, 0) < 0 : dup2(nsfd, 3) < 0)
			_exit(127);
		(void)close_range(4, ~0U, 0);
		/* ccontainer's own signal setup is not pasta's (it refuses
		 * an ignored SIGPIPE) */
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		/* root of the user's namespace is the user: nothing to drop */
		execv(pasta, (char *const *)args);
		_exit(127);
	}
	close(errp[1]);
	/* pasta's first process ends when the namespace is set up and the
	 * daemon is on its way; its complaints, the first line of them */
	char msg[512];
	size_t got = 0;
	for (;;) {
		ssize_t r = read(errp[0], msg + got, sizeof(msg) - 1 - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
		if (got == sizeof(msg) - 1)
			break;
	}
	close(errp[0]);
	msg[got] = '\0';
	/* its first line that is not about syslog (which it may not reach) */
	char *line = msg;
	while (strstr(line, "syslog") != NULL && strchr(line, '\n') != NULL)
		line = strchr(line, '\n') + 1;
	int st = 0;
	while (waitpid(k, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	line[strcspn(line, "\n")] = '\0';
	if (strstr(line, "bind") != NULL && n->n_ports > 0)
		return cc_error_setk(err, CC_ERR_IN_USE, 0,
				     "rootless port forwarding: %s (is a published port already allocated?)", line);
	return cc_error_setk(err, CC_ERR_GENERIC, 0, "pasta failed (exit %d)%s%s",
			     WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st), line[0] ? ": " : "", line);
}

int cc_network_helper_stop(const char *pidfile, const char *const *comms, bool wait)
{
	char buf[32] = "";
	_cleanup_close_ int fd = pidfile ? open(pidfile, O_RDONLY | O_CLOEXEC | O_NOFOLLOW) : -1;
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	int pid = n > 0 ? (buf[n] = '\0', atoi(buf)) : 0;
	/* the process pinned first, then known to be the helper (by its
	 * name: passt.avx2 and the like): the pid may be someone else's */
	_cleanup_close_ int pfd = pid > 1 ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
	char path[64], comm[32] = "";
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	_cleanup_close_ int cfd = pfd >= 0 ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	ssize_t c = cfd >= 0 ? read(cfd, comm, sizeof(comm) - 1) : -1;
	bool ours = false;
	for (const char *const *k = comms; c > 0 && *k; k++)
		ours |= strncmp(comm, *k, strlen(*k)) == 0;
	if (ours && syscall(SYS_pidfd_send_signal, pfd, SIGTERM, NULL, 0) == 0) {
		/* With ports: gone when this returns, so that they are free
		 * for the next container (a bounded wait: its exit takes
		 * ~20 ms in the kernel).  Without: no need to wait. */
		struct pollfd p = { .fd = pfd, .events = POLLIN };
		if (wait && poll(&p, 1, 1000) > 0) {
			/* ours to reap when it was reparented to us (a subreaper) */
			siginfo_t si;
			(void)waitid(P_PIDFD, (id_t)pfd, &si, WEXITED | WNOHANG);
		}
	}
	if (pidfile)
		(void)unlink(pidfile);
	return 0;
}

int cc_network_pasta_stop(struct cc_store *s, const char *id, bool wait, cc_error **err)
{
	(void)err;
	static const char *const names[] = { "pasta", "passt", NULL };
	_cleanup_free_ char *pf = pidfile(s, id);
	return cc_network_helper_stop(pf, names, wait);
}
