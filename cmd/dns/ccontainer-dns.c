/* ccontainer-dns: the embedded DNS server of user-defined networks (what
 * docker's embedded DNS and podman's aardvark-dns are), one process for
 * every network of a state directory, started and told what to serve by
 * cc_dns_update (lib/network/dns.h); never run by hand.
 *
 *   ccontainer-dns DIR READY_FD
 *
 * DIR holds: hosts (the records, dns-internal.h's format, written by
 * cc_dns_update), ctl (our control socket, bound here), pid ("PID
 * STARTTIME", written here).  READY_FD gets "ok\n" once every server
 * address is bound, or "error: ...\n" before we exit.
 *
 * For each distinct server address of the records (a network's gateway) a
 * UDP socket on port 53 (CCONTAINER_DNS_PORT for tests): A queries for a
 * name of that network's records are answered from them, only on that
 * network's address; other types for such a name get NODATA; PTR of an
 * address on that network gets its first name; everything else is relayed
 * to the host's resolvers (/etc/resolv.conf, or CCONTAINER_DNS_UPSTREAM
 * "ip[:port],..." for tests), each forward from its own connected socket
 * (a random source port) with a random ID, 2 s an upstream, then SERVFAIL.
 *
 * After binding it keeps only CAP_NET_BIND_SERVICE (to bind a new network's
 * address on a reload) and becomes nobody, no new privileges, not dumpable.
 * Nobody cannot read DIR (0700, root's): a reload is a "reload" message on
 * ctl carrying an open fd of the new hosts file (SCM_RIGHTS), answered with
 * "ok" once the new addresses are bound (or "error: ..."), so the update
 * is synchronous.  A reload to no records closes everything, answers, exits.
 *
 * Single-threaded poll loop, fixed tables: nothing grows per query.  It
 * says nothing: stdout and stderr are /dev/null. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <grp.h>
#include <time.h>
#include <unistd.h>

#include "network/dns-internal.h"

#define MAX_FWD 64
#define MAX_UPSTREAM 3
#define FWD_TIMEOUT_MS 2000
#define FWD_QUERY_MAX 1232 /* a query we relay (EDNS's usual size) */
#define NOBODY 65534

struct server {
	uint32_t addr;
	int fd;
};
struct upstream {
	struct sockaddr_storage sa;
	socklen_t len;
};
struct fwd {
	int fd;                  /* connected to the upstream; -1: free */
	int srv;                 /* the server socket to answer from; -1: gone */
	struct sockaddr_in client;
	uint16_t client_id, up_id;
	size_t up_idx;
	uint64_t deadline;
	size_t qlen;
	uint8_t q[FWD_QUERY_MAX];
};

static struct server servers[CC_DNS_MAX_SERVERS];
static size_t n_servers;
static struct upstream ups[MAX_UPSTREAM];
static size_t n_ups;
static struct fwd fwds[MAX_FWD];
static struct cc_dns_table table;
static uint16_t port = 53;
static uid_t first_uid;
static uint8_t buf[65536];
static struct pollfd pfds[2 + CC_DNS_MAX_SERVERS + MAX_FWD];

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint16_t random16(void)
{
	static uint8_t pool[256];
	static size_t left;
	if (left < 2) {
		if (getrandom(pool, sizeof(pool), GRND_NONBLOCK) != (ssize_t)sizeof(pool)) {
			/* no entropy yet at boot: time and a counter, still unpredictable enough to a container */
			uint64_t t = now_ms() ^ (uint64_t)clock();
			memcpy(pool, &t, sizeof(t));
		}
		left = sizeof(pool);
	}
	left -= 2;
	return (uint16_t)(pool[left] << 8 | pool[left + 1]);
}

/* the whole of fd, at most CC_DNS_HOSTS_MAX bytes, parsed into t */
static int load_hosts(int fd, struct cc_dns_table *t, const char **why)
{
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		*why = "hosts is not a regular file";
		return -1;
	}
	char *data = malloc(CC_DNS_HOSTS_MAX + 1);
	if (data == NULL) {
		*why = "out of memory";
		return -1;
	}
	size_t len = 0;
	for (;;) {
		ssize_t r = pread(fd, data + len, CC_DNS_HOSTS_MAX + 1 - len, (off_t)len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(data);
			*why = "read hosts";
			return -1;
		}
		if (r == 0 || (len += (size_t)r) > CC_DNS_HOSTS_MAX)
			break;
	}
	int rc = len > CC_DNS_HOSTS_MAX ? -1 : cc_dns_hosts_parse(data, len, t);
	free(data);
	if (rc < 0)
		*why = "hosts is malformed or too large";
	return rc;
}

static int add_upstream(const char *s, bool loopback_ok, bool *was_loopback)
{
	char host[64];
	unsigned long p = 53;
	const char *colon = NULL;
	if (strlen(s) >= sizeof(host))
		return -1;
	if (s[0] == '[') { /* [v6]:port */
		const char *e = strchr(s, ']');
		if (e == NULL || (size_t)(e - s - 1) >= sizeof(host))
			return -1;
		memcpy(host, s + 1, (size_t)(e - s - 1));
		host[e - s - 1] = '\0';
		if (e[1] == ':')
			colon = e + 1;
	} else if (strchr(s, ':') != NULL && strchr(s, '.') != NULL) { /* v4:port */
		colon = strchr(s, ':');
		memcpy(host, s, (size_t)(colon - s));
		host[colon - s] = '\0';
	} else {
		memcpy(host, s, strlen(s) + 1);
	}
	if (colon) {
		char *end;
		p = strtoul(colon + 1, &end, 10);
		if (*end != '\0' || p == 0 || p > 65535)
			return -1;
	}
	struct upstream u = { 0 };
	struct sockaddr_in *s4 = (struct sockaddr_in *)&u.sa;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&u.sa;
	bool loop;
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)p);
		u.len = sizeof(*s4);
		uint32_t a = ntohl(s4->sin_addr.s_addr);
		loop = (a >> 24) == 127;
		/* never ourselves: that would be a loop */
		for (size_t i = 0; i < table.n_servers; i++)
			if (table.servers[i] == a && p == port)
				return -1;
	} else if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)p);
		u.len = sizeof(*s6);
		loop = IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr);
	} else {
		return -1;
	}
	*was_loopback = *was_loopback || loop;
	if ((loop && !loopback_ok) || n_ups >= MAX_UPSTREAM)
		return -1;
	ups[n_ups++] = u;
	return 0;
}

/* CCONTAINER_DNS_UPSTREAM, else resolv.conf's nameservers: those not on
 * loopback, else (a local stub resolver: we share the host's network) the
 * loopback ones */
static void load_upstreams(void)
{
	n_ups = 0;
	const char *env = getenv("CCONTAINER_DNS_UPSTREAM");
	bool any_loop = false;
	if (env != NULL) {
		char list[512];
		snprintf(list, sizeof(list), "%s", env);
		char *save = NULL;
		for (char *t = strtok_r(list, ", ", &save); t; t = strtok_r(NULL, ", ", &save))
			(void)add_upstream(t, true, &any_loop);
		return;
	}
	int fd = open("/etc/resolv.conf", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	static char rc[65536];
	ssize_t n = read(fd, rc, sizeof(rc) - 1);
	close(fd);
	if (n <= 0)
		return;
	rc[n] = '\0';
	for (int pass = 0; pass < 2 && n_ups == 0; pass++) {
		char *save = NULL;
		char copy[sizeof(rc)];
		memcpy(copy, rc, (size_t)n + 1);
		for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			char ns[80];
			if (sscanf(line, " nameserver %79s", ns) == 1 && strchr(ns, '%') == NULL)
				(void)add_upstream(ns, pass == 1, &any_loop);
		}
		if (!any_loop)
			break;
	}
}

static int bind_server(uint32_t addr)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int one = 1;
	(void)setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one));
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(addr) };
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* Serve t (taken over) instead of the table: bind its new addresses first
 * (nothing changes when one fails), then close the ones gone. */
static int apply_table(struct cc_dns_table *t, char *why, size_t whylen)
{
	struct server next[CC_DNS_MAX_SERVERS];
	size_t nn = 0;
	for (size_t i = 0; i < t->n_servers; i++) {
		int fd = -1;
		for (size_t j = 0; j < n_servers; j++)
			if (servers[j].addr == t->servers[i])
				fd = servers[j].fd;
		if (fd < 0 && (fd = bind_server(t->servers[i])) < 0) {
			struct in_addr a = { htonl(t->servers[i]) };
			snprintf(why, whylen, "bind %s:%u: %s", inet_ntoa(a), port, strerror(errno));
			for (size_t k = 0; k < nn; k++) {
				bool old = false;
				for (size_t j = 0; j < n_servers; j++)
					old = old || servers[j].fd == next[k].fd;
				if (!old)
					close(next[k].fd);
			}
			cc_dns_table_free(t);
			return -1;
		}
		next[nn++] = (struct server){ t->servers[i], fd };
	}
	for (size_t j = 0; j < n_servers; j++) {
		bool kept = false;
		for (size_t k = 0; k < nn; k++)
			kept = kept || next[k].fd == servers[j].fd;
		if (kept)
			continue;
		for (size_t f = 0; f < MAX_FWD; f++)
			if (fwds[f].srv == servers[j].fd)
				fwds[f].srv = -1;
		close(servers[j].fd);
	}
	memcpy(servers, next, nn * sizeof(next[0]));
	n_servers = nn;
	cc_dns_table_free(&table);
	table = *t;
	return 0;
}

static int drop_privileges(void)
{
	if (geteuid() == 0) {
		for (int c = 0; c < 64; c++) {
			if (c == CAP_NET_BIND_SERVICE)
				continue;
			if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno == EINVAL)
				break; /* past the kernel's last capability */
		}
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
			return -1;
		if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 || setgroups(0, NULL) < 0 ||
		    setresgid(NOBODY, NOBODY, NOBODY) < 0 || setresuid(NOBODY, NOBODY, NOBODY) < 0)
			return -1;
		struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
		struct __user_cap_data_struct d[2];
		memset(d, 0, sizeof(d));
		d[0].effective = d[0].permitted = 1u << CAP_NET_BIND_SERVICE;
		if (syscall(SYS_capset, &h, d) < 0 || prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
			return -1;
		if (setuid(0) == 0) /* must be gone for good */
			return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return -1;
	return 0;
}

static void send_to(int fd, const void *msg, size_t len, const struct sockaddr_in *to)
{
	/* best effort: a client that went away or a full buffer loses its answer, as UDP does */
	(void)sendto(fd, msg, len, MSG_DONTWAIT | MSG_NOSIGNAL, (const struct sockaddr *)to, sizeof(*to));
}

static void answer_rcode(int srv, const struct cc_dns_query *q, const uint8_t *req, int rcode,
			 const struct sockaddr_in *to)
{
	uint8_t out[CC_DNS_UDP_MAX];
	int l = cc_dns_build_answer(q, req, rcode, NULL, 0, NULL, out, sizeof(out));
	if (l > 0)
		send_to(srv, out, (size_t)l, to);
}

static void fwd_free(struct fwd *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
}

/* (Re)send f's query to upstream f->up_idx or the next that takes it;
 * SERVFAIL once none is left. */
static void fwd_send(struct fwd *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	for (; f->up_idx < n_ups; f->up_idx++) {
		const struct upstream *u = &ups[f->up_idx];
		int fd = socket(u->sa.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		if (connect(fd, (const struct sockaddr *)&u->sa, u->len) < 0 ||
		    send(fd, f->q, f->qlen, MSG_NOSIGNAL) != (ssize_t)f->qlen) {
			close(fd);
			continue;
		}
		f->fd = fd;
		f->deadline = now_ms() + FWD_TIMEOUT_MS;
		return;
	}
	if (f->srv >= 0) {
		struct cc_dns_query q;
		memcpy(f->q, &(uint16_t){ htons(f->client_id) }, 2);
		if (cc_dns_parse_query(f->q, f->qlen, &q) == 0)
			answer_rcode(f->srv, &q, f->q, CC_DNS_R_SERVFAIL, &f->client);
	}
	fwd_free(f);
}

static void forward(int srv, const struct cc_dns_query *q, const uint8_t *req, size_t len,
		    const struct sockaddr_in *client)
{
	struct fwd *f = NULL;
	for (size_t i = 0; i < MAX_FWD && f == NULL; i++)
		if (fwds[i].fd < 0)
			f = &fwds[i];
	if (f == NULL || len > FWD_QUERY_MAX || n_ups == 0) {
		answer_rcode(srv, q, req, CC_DNS_R_SERVFAIL, client);
		return;
	}
	memcpy(f->q, req, len);
	f->qlen = len;
	f->srv = srv;
	f->client = *client;
	f->client_id = q->id;
	f->up_id = random16();
	memcpy(f->q, &(uint16_t){ htons(f->up_id) }, 2);
	f->up_idx = 0;
	fwd_send(f);
}

static void on_query(const struct server *s, const uint8_t *req, size_t len, const struct sockaddr_in *client)
{
	struct cc_dns_query q;
	if (cc_dns_parse_query(req, len, &q) < 0) {
		uint8_t out[12];
		if (cc_dns_build_error(req, len, CC_DNS_R_FORMERR, out) == 12)
			send_to(s->fd, out, sizeof(out), client);
		return;
	}
	if (q.qclass == CC_DNS_C_IN && q.plain) {
		uint32_t ips[32];
		size_t n = cc_dns_lookup(&table, s->addr, q.name, ips, 32);
		uint8_t out[CC_DNS_UDP_MAX];
		int l = -1;
		if (n > 0) {
			bool a = q.qtype == CC_DNS_T_A || q.qtype == CC_DNS_T_ANY;
			l = cc_dns_build_answer(&q, req, CC_DNS_R_NOERROR, ips, a ? n : 0, NULL, out, sizeof(out));
		} else if (q.qtype == CC_DNS_T_PTR) {
			uint32_t ip;
			const char *name = cc_dns_ptr_name_ip(q.name, &ip) == 0 ? cc_dns_reverse(&table, s->addr, ip) : NULL;
			if (name != NULL)
				l = cc_dns_build_answer(&q, req, CC_DNS_R_NOERROR, NULL, 0, name, out, sizeof(out));
		}
		if (l > 0) {
			send_to(s->fd, out, (size_t)l, client);
			return;
		}
		if (n > 0) /* known, but the answer does not fit even truncated: cannot happen with 512 */
			return;
	}
	forward(s->fd, &q, req, len, client);
}

static void on_upstream(struct fwd *f)
{
	for (int i = 0; i < 8 && f->fd >= 0; i++) {
		ssize_t n = recv(f->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			f->up_idx++; /* refused, unreachable: the next one */
			fwd_send(f);
			return;
		}
		if (!cc_dns_reply_ok(buf, (size_t)n, f->up_id))
			continue;
		memcpy(buf, &(uint16_t){ htons(f->client_id) }, 2);
		if (f->srv >= 0)
			send_to(f->srv, buf, (size_t)n, &f->client);
		fwd_free(f);
	}
}

/* one reload request on a connection of ctl; *quit when nothing is left */
static void on_ctl(int lfd, bool *quit)
{
	int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0)
		return;
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	struct timeval tv = { 1, 0 };
	char msg[16] = "";
	char reply[256] = "error: bad request";
	int fd = -1;
	if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &cl) < 0 || (cred.uid != 0 && cred.uid != first_uid) ||
	    setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
		close(c);
		return;
	}
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} cm;
	struct iovec iov = { msg, sizeof(msg) - 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.b, .msg_controllen = sizeof(cm.b) };
	ssize_t n = recvmsg(c, &mh, MSG_CMSG_CLOEXEC);
	if (n > 0) {
		msg[n] = '\0';
		for (struct cmsghdr *h = CMSG_FIRSTHDR(&mh); h; h = CMSG_NXTHDR(&mh, h))
			if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS &&
			    h->cmsg_len == CMSG_LEN(sizeof(int)) && fd < 0)
				memcpy(&fd, CMSG_DATA(h), sizeof(int));
	}
	if (n > 0 && strcmp(msg, "reload") == 0 && fd >= 0) {
		struct cc_dns_table t;
		const char *why = NULL;
		if (load_hosts(fd, &t, &why) < 0) {
			snprintf(reply, sizeof(reply), "error: %s", why);
		} else if (apply_table(&t, reply + 7, sizeof(reply) - 7) == 0) {
			load_upstreams();
			snprintf(reply, sizeof(reply), "ok");
		}
	}
	if (fd >= 0)
		close(fd);
	if (table.n == 0) {
		/* nothing left to serve: let go of every address and of ctl
		 * before answering, so the next update starts a new resolver */
		for (size_t i = 0; i < n_servers; i++)
			close(servers[i].fd);
		n_servers = 0;
		close(lfd);
		*quit = true;
	}
	(void)send(c, reply, strlen(reply), MSG_NOSIGNAL);
	close(c);
}

static void fail(int ready, const char *fmt, ...)
{
	char m[512];
	va_list ap;
	va_start(ap, fmt);
	int l = vsnprintf(m, sizeof(m) - 1, fmt, ap);
	va_end(ap);
	if (l < 0)
		l = 0;
	if ((size_t)l > sizeof(m) - 2)
		l = (int)sizeof(m) - 2;
	m[l++] = '\n';
	if (ready >= 0)
		(void)!write(ready, m, (size_t)l);
	_exit(1);
}

static uint64_t self_start_time(void)
{
	char b[1024];
	int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, b, sizeof(b) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	b[n] = '\0';
	char *p = strrchr(b, ')');
	if (p == NULL)
		return 0;
	p++; /* the space before field 3 */
	for (int field = 3; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	return p ? strtoull(p + 1, NULL, 10) : 0;
}

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	int ready = atoi(argv[2]);
	if (ready < 3 || fcntl(ready, F_SETFD, FD_CLOEXEC) < 0)
		return 2;
	first_uid = getuid();
	for (size_t i = 0; i < MAX_FWD; i++)
		fwds[i].fd = -1;
	const char *ps = getenv("CCONTAINER_DNS_PORT");
	if (ps != NULL && *ps) {
		char *end;
		unsigned long p = strtoul(ps, &end, 10);
		if (*end != '\0' || p == 0 || p > 65535)
			fail(ready, "error: CCONTAINER_DNS_PORT '%s' is not a port", ps);
		port = (uint16_t)p;
	}
	/* what we were given is not ours to keep: dispositions and mask afresh */
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	sigset_t ss;
	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGHUP);
	signal(SIGPIPE, SIG_IGN);
	int sfd = -1;
	if (sigprocmask(SIG_BLOCK, &ss, NULL) < 0 || (sfd = signalfd(-1, &ss, SFD_CLOEXEC | SFD_NONBLOCK)) < 0)
		fail(ready, "error: signalfd: %s", strerror(errno));

	int dfd = open(argv[1], O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		fail(ready, "error: open '%s': %s", argv[1], strerror(errno));
	int hfd = openat(dfd, "hosts", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct cc_dns_table t;
	const char *why = NULL;
	if (hfd < 0)
		fail(ready, "error: open hosts: %s", strerror(errno));
	if (load_hosts(hfd, &t, &why) < 0)
		fail(ready, "error: %s", why);
	close(hfd);
	char err[256];
	if (apply_table(&t, err, sizeof(err)) < 0)
		fail(ready, "error: %s", err);
	load_upstreams();

	/* ctl, bound relative to DIR: a long DIR does not fit sun_path */
	int lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	struct sockaddr_un un = { .sun_family = AF_UNIX, .sun_path = "ctl" };
	if (lfd < 0 || fchdir(dfd) < 0)
		fail(ready, "error: control socket: %s", strerror(errno));
	(void)unlink("ctl");
	mode_t old = umask(077);
	if (bind(lfd, (struct sockaddr *)&un, sizeof(un)) < 0 || listen(lfd, 8) < 0)
		fail(ready, "error: bind control socket: %s", strerror(errno));
	umask(old);
	/* the pid file, with our start time, so a reused pid is never taken for us */
	char pidline[64];
	int pl = snprintf(pidline, sizeof(pidline), "%d %llu\n", (int)getpid(), (unsigned long long)self_start_time());
	int pfd = open("pid.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (pfd < 0 || write(pfd, pidline, (size_t)pl) != pl || fsync(pfd) < 0 || close(pfd) < 0 ||
	    rename("pid.tmp", "pid") < 0)
		fail(ready, "error: write pid file: %s", strerror(errno));
	if (chdir("/") < 0)
		fail(ready, "error: chdir /: %s", strerror(errno));
	close(dfd);
	if (drop_privileges() < 0)
		fail(ready, "error: drop privileges: %s", strerror(errno));
	if (write(ready, "ok\n", 3) != 3)
		return 1;
	close(ready);

	bool quit = table.n == 0;
	while (!quit) {
		size_t np = 0;
		pfds[np++] = (struct pollfd){ sfd, POLLIN, 0 };
		pfds[np++] = (struct pollfd){ lfd, POLLIN, 0 };
		for (size_t i = 0; i < n_servers; i++)
			pfds[np++] = (struct pollfd){ servers[i].fd, POLLIN, 0 };
		size_t fwd_base = np;
		size_t fwd_idx[MAX_FWD];
		uint64_t now = now_ms(), next = UINT64_MAX;
		for (size_t i = 0; i < MAX_FWD; i++) {
			if (fwds[i].fd < 0)
				continue;
			fwd_idx[np - fwd_base] = i;
			pfds[np++] = (struct pollfd){ fwds[i].fd, POLLIN, 0 };
			if (fwds[i].deadline < next)
				next = fwds[i].deadline;
		}
		int timeout = next == UINT64_MAX ? -1 : next <= now ? 0 : (int)(next - now);
		int r = poll(pfds, np, timeout);
		if (r < 0 && errno != EINTR)
			return 1;
		if (r > 0) {
			if (pfds[0].revents) {
				struct signalfd_siginfo si;
				while (read(sfd, &si, sizeof(si)) == sizeof(si))
					if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
						quit = true;
			}
			for (size_t i = 0; i < n_servers; i++) {
				if (!pfds[2 + i].revents)
					continue;
				/* a bounded batch per socket per round: one network cannot starve the others */
				for (int k = 0; k < 32; k++) {
					struct sockaddr_in from;
					socklen_t fl = sizeof(from);
					ssize_t n = recvfrom(servers[i].fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from,
							     &fl);
					if (n < 0)
						break;
					if (fl == sizeof(from) && from.sin_family == AF_INET && from.sin_port != 0)
						on_query(&servers[i], buf, (size_t)n, &from);
				}
			}
			for (size_t k = fwd_base; k < np; k++)
				if (pfds[k].revents)
					on_upstream(&fwds[fwd_idx[k - fwd_base]]);
			if (pfds[1].revents && !quit)
				on_ctl(lfd, &quit); /* last: it may close sockets polled above */
		}
		now = now_ms();
		for (size_t i = 0; i < MAX_FWD; i++) {
			if (fwds[i].fd >= 0 && fwds[i].deadline <= now) {
				fwds[i].up_idx++;
				fwd_send(&fwds[i]);
			}
		}
	}
	return 0;
}
