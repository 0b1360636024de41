/* Rootless networking through slirp4netns, pasta's fallback (and
 * --network slirp4netns): it joins the container's network namespace
 * (--netns-type=path, the namespace as an fd of ours), brings up tap0 as
 * 10.0.2.100/24 with 10.0.2.2 the gateway (the host's loopback) and
 * 10.0.2.3 a DNS forwarder, and says so on its ready fd.  It runs in the
 * foreground, so it is started in a session of its own (double-forked:
 * the container's monitor, a subreaper, or init reaps it), its pid in
 * <runroot>/slirp-<id>.pid; published ports go through its API socket
 * (<runroot>/slirp-<id>.sock: add_hostfwd). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "network.h"
#include "util/util.h"

static char *run_path(struct cc_store *s, const char *id, const char *ext)
{
	char *p = NULL;
	return asprintf(&p, "%s/slirp-%s.%s", cc_store_runroot(s), id, ext) < 0 ? NULL : p;
}

static const char *slirp_path(void)
{
	static const char *const paths[] = { "/usr/bin/slirp4netns", "/usr/local/bin/slirp4netns" };
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (access(paths[i], X_OK) == 0)
			return paths[i];
	return NULL;
}

bool cc_network_slirp_available(void)
{
	return slirp_path() != NULL;
}

/* One add_hostfwd through the API socket; its answer's error, if any. */
static int add_hostfwd(const char *sock, const struct cc_port_map *m, cc_error **err)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	if (strlen(sock) >= sizeof(a.sun_path))
		return cc_error_set(err, ENAMETOOLONG, "slirp4netns API socket '%s'", sock);
	memcpy(a.sun_path, sock, strlen(sock) + 1);
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		return cc_error_set(err, errno, "connect to slirp4netns's API socket");
	char ip[INET_ADDRSTRLEN] = "0.0.0.0";
	if (m->host_ip != 0) {
		struct in_addr in = { .s_addr = htonl(m->host_ip) };
		inet_ntop(AF_INET, &in, ip, sizeof(ip));
	}
	char req[256];
	int n = snprintf(req, sizeof(req),
			 "{\"execute\": \"add_hostfwd\", \"arguments\": {\"proto\": \"%s\", \"host_addr\": \"%s\", "
			 "\"host_port\": %u, \"guest_port\": %u}}",
			 m->proto == IPPROTO_UDP ? "udp" : "tcp", ip, (unsigned)m->host_port, (unsigned)m->container_port);
	if (cc_write_all(fd, req, (size_t)n) < 0)
		return cc_error_set(err, errno, "write to slirp4netns's API socket");
	(void)shutdown(fd, SHUT_WR);
	char resp[512];
	size_t got = 0;
	for (;;) {
		ssize_t r = read(fd, resp + got, sizeof(resp) - 1 - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
		if (got == sizeof(resp) - 1)
			break;
	}
	resp[got] = '\0';
	if (strstr(resp, "\"error\"") != NULL)
		return cc_error_setk(err, CC_ERR_IN_USE, 0,
				     "rootless port forwarding of %s:%u: slirp4netns says %s (is the port already allocated?)",
				     ip, (unsigned)m->host_port, resp);
	return 0;
}

int cc_network_slirp_start(struct cc_network *n, struct cc_store *s, const char *id, pid_t pid, cc_error **err)
{
	const char *slirp = slirp_path();
	if (slirp == NULL)
		return cc_error_setk(err, CC_ERR_NOT_FOUND, 0,
				     "rootless networking needs pasta (Debian: passt) or slirp4netns, and neither is "
				     "installed; or use --network none or host");
	_cleanup_free_ char *pf = run_path(s, id, "pid"), *sock = run_path(s, id, "sock");
	if (pf == NULL || sock == NULL)
		return cc_error_set(err, ENOMEM, "start slirp4netns");
	(void)unlink(sock);
	char nspath[64];
	snprintf(nspath, sizeof(nspath), "/proc/%d/ns/net", (int)pid);
	_cleanup_close_ int nsfd = open(nspath, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return cc_error_set(err, errno, "open the container's network namespace");
	int ready[2], pidp[2];
	if (pipe2(ready, O_CLOEXEC) < 0)
		return cc_error_set(err, errno, "start slirp4netns");
	if (pipe2(pidp, O_CLOEXEC) < 0) {
		close(ready[0]);
		close(ready[1]);
		return cc_error_set(err, errno, "start slirp4netns");
	}
	pid_t mid = fork();
	if (mid == 0) {
		(void)setsid();
		pid_t k = fork();
		if (k != 0) {
			(void)!write(pidp[1], &k, sizeof(k));
			_exit(k < 0);
		}
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null >= 0) {
			(void)dup2(null, 0);
			(void)dup2(null, 1);
			(void)dup2(null, 2);
		}
		if ((nsfd == 3 ? fcntl(3, F_SETFD, 0) : dup2(nsfd, 3)) < 0 ||
		    (ready[1] == 4 ? fcntl(4, F_SETFD, 0) : dup2(ready[1], 4)) < 0)
			_exit(127);
		(void)close_range(5, ~0U, 0);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		char api[4200];
		snprintf(api, sizeof(api), "--api-socket=%s", sock);
		execl(slirp, "slirp4netns", "--configure", "--mtu=65520", "--ready-fd=4", api, "--netns-type=path",
		      "/proc/self/fd/3", "tap0", (char *)NULL);
		_exit(127);
	}
	close(ready[1]);
	close(pidp[1]);
	int rc = 0;
	pid_t daemon = -1;
	if (mid < 0)
		rc = cc_error_set(err, errno, "start slirp4netns");
	else {
		int st;
		while (waitpid(mid, &st, 0) < 0 && errno == EINTR)
			;
		if (read(pidp[0], &daemon, sizeof(daemon)) != (ssize_t)sizeof(daemon) || daemon <= 0)
			rc = cc_error_setk(err, CC_ERR_GENERIC, 0, "start slirp4netns: it did not start");
	}
	close(pidp[0]);
	if (rc == 0) {
		char text[32];
		int len = snprintf(text, sizeof(text), "%d\n", (int)daemon);
		rc = cc_write_file(pf, text, (size_t)len, 0600, err);
	}
	/* ready: it writes "1" once tap0 is up (10 s at most) */
	struct pollfd p = { .fd = ready[0], .events = POLLIN };
	char c = 0;
	if (rc == 0 && (poll(&p, 1, 10000) <= 0 || read(ready[0], &c, 1) != 1 || c != '1'))
		rc = cc_error_setk(err, CC_ERR_GENERIC, 0, "slirp4netns did not bring up the container's network");
	close(ready[0]);
	for (size_t i = 0; rc == 0 && i < n->n_ports; i++)
		rc = add_hostfwd(sock, &n->ports[i], err);
	if (rc < 0 && daemon > 0) {
		(void)kill(daemon, SIGKILL);
		(void)unlink(pf);
		(void)unlink(sock);
	}
	return rc;
}

int cc_network_slirp_stop(struct cc_store *s, const char *id, bool wait, cc_error **err)
{
	(void)err;
	static const char *const names[] = { "slirp4netns", NULL };
	_cleanup_free_ char *pf = run_path(s, id, "pid"), *sock = run_path(s, id, "sock");
	(void)cc_network_helper_stop(pf, names, wait);
	if (sock)
		(void)unlink(sock);
	return 0;
}
