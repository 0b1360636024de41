/* Unit tests for the embedded DNS server: the wire format and hosts file
 * parsers (lib/network/dns-internal.h), then the real resolver
 * (build/ccontainer-dns) started through cc_dns_update on loopback
 * addresses (127.77.x.1, all local on Linux) and a free port, with a fake
 * upstream in a thread: scoping per server address, case, AAAA NODATA,
 * PTR, an alias with two addresses, relaying with the ID kept, SERVFAIL,
 * synchronous reloads, exit at no records, malformed packets, a stale pid
 * file, a resolver killed -9.  No root needed; as root it also checks the
 * privilege drop.  Prints the resolver's idle RSS and query latency. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "network/dns-internal.h"
#include "network/dns.h"
#include "util/util.h"

static uint32_t ip4(const char *s)
{
	struct in_addr a;
	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return ntohl(a.s_addr);
}

/* a query for name (dotted) of type into out; its length */
static size_t make_query(uint8_t *out, uint16_t id, const char *name, uint16_t type)
{
	memset(out, 0, 12);
	out[0] = (uint8_t)(id >> 8);
	out[1] = (uint8_t)id;
	out[2] = 0x01; /* RD */
	out[5] = 1;
	size_t o = 12;
	const char *p = name;
	while (*p) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);
		out[o++] = (uint8_t)l;
		memcpy(out + o, p, l);
		o += l;
		p += l + (dot != NULL);
	}
	out[o++] = 0;
	out[o++] = (uint8_t)(type >> 8);
	out[o++] = (uint8_t)type;
	out[o++] = 0;
	out[o++] = 1;
	return o;
}

struct answer {
	int rcode;             /* -1: no answer */
	uint16_t id;
	size_t n_a;
	uint32_t a[8];
	char ptr[256];
	size_t ancount;
};

static void parse_answer(const uint8_t *m, size_t len, struct answer *ans)
{
	memset(ans, 0, sizeof(*ans));
	assert_true(len >= 12);
	assert_true(m[2] & 0x80);
	ans->id = (uint16_t)(m[0] << 8 | m[1]);
	ans->rcode = m[3] & 0xf;
	ans->ancount = (size_t)(m[6] << 8 | m[7]);
	size_t o = 12;
	char name[CC_DNS_NAME_MAX + 2];
	bool plain;
	assert_int_equal(cc_dns_read_name(m, len, &o, name, &plain), 0);
	o += 4;
	for (size_t i = 0; i < ans->ancount; i++) {
		assert_int_equal(cc_dns_read_name(m, len, &o, name, &plain), 0);
		assert_true(o + 10 <= len);
		uint16_t type = (uint16_t)(m[o] << 8 | m[o + 1]);
		size_t rdlen = (size_t)(m[o + 8] << 8 | m[o + 9]);
		o += 10;
		assert_true(o + rdlen <= len);
		if (type == CC_DNS_T_A && rdlen == 4 && ans->n_a < 8)
			ans->a[ans->n_a++] = (uint32_t)m[o] << 24 | (uint32_t)m[o + 1] << 16 | (uint32_t)m[o + 2] << 8 | m[o + 3];
		if (type == CC_DNS_T_PTR) {
			size_t po = o;
			assert_int_equal(cc_dns_read_name(m, len, &po, ans->ptr, &plain), 0);
		}
		o += rdlen;
	}
}

static void test_wire(void **state)
{
	(void)state;
	uint8_t m[512], out[512];
	struct cc_dns_query q;
	size_t l = make_query(m, 0x1234, "WeB.Example", CC_DNS_T_A);
	assert_int_equal(cc_dns_parse_query(m, l, &q), 0);
	assert_string_equal(q.name, "web.example");
	assert_true(q.plain);
	assert_int_equal(q.id, 0x1234);
	assert_int_equal(q.qtype, CC_DNS_T_A);
	assert_int_equal(q.qend, l);
	/* truncated anywhere: refused */
	for (size_t cut = 0; cut < l; cut++)
		assert_int_equal(cc_dns_parse_query(m, cut, &q), -1);
	/* an answer, two questions, not QUERY */
	m[2] |= 0x80;
	assert_int_equal(cc_dns_parse_query(m, l, &q), -1);
	m[2] = 0x01;
	m[5] = 2;
	assert_int_equal(cc_dns_parse_query(m, l, &q), -1);
	m[5] = 1;
	m[2] = 0x01 | (2 << 3);
	assert_int_equal(cc_dns_parse_query(m, l, &q), -1);
	m[2] = 0x01;
	/* compression: a pointer to itself, forwards, a loop of two */
	uint8_t loop[] = { 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1 };
	assert_int_equal(cc_dns_parse_query(loop, sizeof(loop), &q), -1);
	uint8_t fwd[] = { 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 14, 1, 'a', 0, 0, 1, 0, 1 };
	assert_int_equal(cc_dns_parse_query(fwd, sizeof(fwd), &q), -1);
	size_t o = 2;
	char name[CC_DNS_NAME_MAX + 2];
	bool plain;
	uint8_t two[] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 'a', 0xc0, 12, 0xc0, 14 };
	o = 16;
	assert_int_equal(cc_dns_read_name(two, sizeof(two), &o, name, &plain), -1);
	/* into the header: refused (a question's name would be made of header bytes) */
	uint8_t hdr[] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xc0, 2 };
	o = 12;
	assert_int_equal(cc_dns_read_name(hdr, sizeof(hdr), &o, name, &plain), -1);
	/* a good pointer back */
	uint8_t back[] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 'x', 0, 1, 'a', 0xc0, 12 };
	o = 15;
	assert_int_equal(cc_dns_read_name(back, sizeof(back), &o, name, &plain), 0);
	assert_string_equal(name, "a.x");
	assert_int_equal(o, sizeof(back));
	/* 64-byte label, a name over 255, a dot inside a label */
	uint8_t big[300];
	memset(big, 'a', sizeof(big));
	big[0] = 64;
	big[65] = 0;
	o = 0;
	assert_int_equal(cc_dns_read_name(big, sizeof(big), &o, name, &plain), -1);
	for (size_t i = 0; i + 64 < sizeof(big); i += 64)
		big[i] = 63;
	big[299] = 0;
	o = 0;
	assert_int_equal(cc_dns_read_name(big, sizeof(big), &o, name, &plain), -1);
	uint8_t dotted[] = { 3, 'a', '.', 'b', 0 };
	o = 0;
	assert_int_equal(cc_dns_read_name(dotted, sizeof(dotted), &o, name, &plain), 0);
	assert_false(plain);

	/* answers */
	l = make_query(m, 0xbeef, "svc", CC_DNS_T_A);
	assert_int_equal(cc_dns_parse_query(m, l, &q), 0);
	uint32_t ips[2] = { ip4("10.0.0.2"), ip4("10.0.0.4") };
	int al = cc_dns_build_answer(&q, m, 0, ips, 2, NULL, out, sizeof(out));
	assert_int_equal(al, (int)l + 32);
	struct answer a;
	parse_answer(out, (size_t)al, &a);
	assert_int_equal(a.id, 0xbeef);
	assert_int_equal(a.n_a, 2);
	assert_int_equal(a.a[1], ip4("10.0.0.4"));
	al = cc_dns_build_answer(&q, m, 0, NULL, 0, "web.net", out, sizeof(out));
	parse_answer(out, (size_t)al, &a);
	assert_string_equal(a.ptr, "web.net");
	/* what does not fit sets TC */
	al = cc_dns_build_answer(&q, m, 0, ips, 2, NULL, out, l + 16);
	assert_int_equal(al, (int)l + 16);
	assert_true(out[2] & 0x02);
	assert_int_equal(cc_dns_build_answer(&q, m, 0, ips, 2, NULL, out, 12), -1);
	assert_int_equal(cc_dns_build_error(m, l, CC_DNS_R_FORMERR, out), 12);
	assert_int_equal(out[3] & 0xf, CC_DNS_R_FORMERR);
	assert_int_equal(cc_dns_build_error(out, 12, CC_DNS_R_FORMERR, out + 12), -1); /* never answer an answer */

	uint32_t ip;
	assert_int_equal(cc_dns_ptr_name_ip("4.3.2.10.in-addr.arpa", &ip), 0);
	assert_int_equal(ip, ip4("10.2.3.4"));
	assert_int_equal(cc_dns_ptr_name_ip("3.2.10.in-addr.arpa", &ip), -1);
	assert_int_equal(cc_dns_ptr_name_ip("256.3.2.10.in-addr.arpa", &ip), -1);
	assert_int_equal(cc_dns_ptr_name_ip("4.3.2.1.0.in-addr.arpa", &ip), -1);
	assert_int_equal(cc_dns_ptr_name_ip(".in-addr.arpa", &ip), -1);

	assert_true(cc_dns_name_valid("web"));
	assert_true(cc_dns_name_valid("my_app.v2-x"));
	assert_true(cc_dns_name_valid("0123456789ab"));
	assert_false(cc_dns_name_valid(""));
	assert_false(cc_dns_name_valid("-x"));
	assert_false(cc_dns_name_valid("a..b"));
	assert_false(cc_dns_name_valid("a."));
	assert_false(cc_dns_name_valid("a b"));
	assert_false(cc_dns_name_valid("a\n1.2.3.4 evil"));
}

static void test_hosts(void **state)
{
	(void)state;
	static const char text[] = CC_DNS_HOSTS_MAGIC "\n"
				   "10.1.0.1 10.1.0.2 Web\n"
				   "# a comment\n"
				   "\n"
				   "10.1.0.1 10.1.0.3 web\n"
				   "10.1.0.1 10.1.0.3 db extra\n"
				   "10.1.0.1 10.1.0.300 bad\n"
				   "0.0.0.0 10.1.0.4 bad\n"
				   "10.2.0.1 10.2.0.2 web\n"
				   "10.2.0.1 10.2.0.2 -bad\n"
				   "10.2.0.1 10.2.0.9 last";
	struct cc_dns_table t;
	assert_int_equal(cc_dns_hosts_parse(text, sizeof(text) - 1, &t), 0);
	assert_int_equal(t.n, 4);
	assert_int_equal(t.n_servers, 2);
	uint32_t ips[4];
	assert_int_equal(cc_dns_lookup(&t, ip4("10.1.0.1"), "web", ips, 4), 2);
	assert_int_equal(ips[0], ip4("10.1.0.2"));
	assert_int_equal(cc_dns_lookup(&t, ip4("10.2.0.1"), "web", ips, 4), 1);
	assert_int_equal(ips[0], ip4("10.2.0.2"));
	assert_int_equal(cc_dns_lookup(&t, ip4("10.1.0.1"), "db", ips, 4), 0);
	assert_int_equal(cc_dns_lookup(&t, ip4("10.2.0.1"), "last", ips, 4), 1);
	assert_string_equal(cc_dns_reverse(&t, ip4("10.1.0.1"), ip4("10.1.0.3")), "web");
	assert_null(cc_dns_reverse(&t, ip4("10.2.0.1"), ip4("10.1.0.3")));
	cc_dns_table_free(&t);
	assert_int_equal(cc_dns_hosts_parse("10.1.0.1 10.1.0.2 web\n", 22, &t), -1);
}

/* ---- the real resolver ---- */

static uint16_t port;      /* the resolver's */
static uint16_t up_port;   /* the fake upstream's */
static volatile int up_stop;
static volatile int up_seen;

/* The fake upstream: "upstream.test" is 192.0.2.1, anything else NXDOMAIN;
 * "slow.test" gets no answer at all. */
static void *upstream(void *arg)
{
	int fd = (int)(intptr_t)arg;
	uint8_t m[1500], out[512];
	while (!up_stop) {
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, 50) <= 0)
			continue;
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(fd, m, sizeof(m), 0, (struct sockaddr *)&from, &fl);
		struct cc_dns_query q;
		if (n <= 0 || cc_dns_parse_query(m, (size_t)n, &q) < 0)
			continue;
		up_seen++;
		if (strcmp(q.name, "slow.test") == 0)
			continue;
		uint32_t ip = ip4("192.0.2.1");
		bool known = strcmp(q.name, "upstream.test") == 0;
		int l = cc_dns_build_answer(&q, m, known ? 0 : CC_DNS_R_NXDOMAIN, &ip, known, NULL, out, sizeof(out));
		(void)sendto(fd, out, (size_t)l, 0, (struct sockaddr *)&from, fl);
	}
	return NULL;
}

static int udp_bound(const char *addr, uint16_t *ret_port)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(ip4(addr)) };
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	socklen_t l = sizeof(sa);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &l), 0);
	*ret_port = ntohs(sa.sin_port);
	return fd;
}

/* raw bytes to server:port, the answer (or -1: none within timeout_ms) */
static ssize_t exchange(const char *server, const void *msg, size_t len, uint8_t *out, size_t outsz, int timeout_ms)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(ip4(server)) };
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(send(fd, msg, len, 0), (ssize_t)len);
	struct pollfd p = { fd, POLLIN, 0 };
	ssize_t n = -1;
	if (poll(&p, 1, timeout_ms) == 1)
		n = recv(fd, out, outsz, 0);
	close(fd);
	return n;
}

static struct answer ask(const char *server, const char *name, uint16_t type)
{
	static uint16_t next_id = 0x100;
	uint8_t m[512], out[4096];
	uint16_t id = next_id++;
	size_t l = make_query(m, id, name, type);
	struct answer a;
	ssize_t n = exchange(server, m, l, out, sizeof(out), 3000);
	if (n < 0) {
		memset(&a, 0, sizeof(a));
		a.rcode = -1;
		return a;
	}
	parse_answer(out, (size_t)n, &a);
	assert_int_equal(a.id, id);
	return a;
}

static void expect_a(const char *server, const char *name, const char *ip)
{
	struct answer a = ask(server, name, CC_DNS_T_A);
	if (a.rcode != 0 || a.n_a != 1 || a.a[0] != ip4(ip))
		fail_msg("%s @%s: rcode %d, %zu addresses, want %s", name, server, a.rcode, a.n_a, ip);
}

static void expect_rcode(const char *server, const char *name, int rcode)
{
	struct answer a = ask(server, name, CC_DNS_T_A);
	if (a.rcode != rcode || a.n_a != 0)
		fail_msg("%s @%s: rcode %d with %zu addresses, want rcode %d", name, server, a.rcode, a.n_a, rcode);
}

static int resolver_pid(const char *dir)
{
	char path[PATH_MAX], *buf = NULL;
	snprintf(path, sizeof(path), "%s/pid", dir);
	size_t len;
	cc_error *err = NULL;
	if (cc_read_file(path, 64, &buf, &len, &err) < 0) {
		cc_error_free(err);
		return 0;
	}
	int pid = atoi(buf);
	free(buf);
	return pid;
}

static bool alive(int pid)
{
	char path[64], *buf = NULL;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	size_t len;
	cc_error *err = NULL;
	if (cc_read_file(path, 4096, &buf, &len, &err) < 0) {
		cc_error_free(err);
		return false;
	}
	char *p = strrchr(buf, ')');
	bool z = p == NULL || p[2] == 'Z';
	free(buf);
	return !z;
}

static bool wait_dead(int pid)
{
	for (int i = 0; i < 500 && alive(pid); i++)
		usleep(2000);
	return !alive(pid);
}

static void status_field(int pid, const char *key, char *out, size_t outsz)
{
	char path[64], *buf = NULL;
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	size_t len;
	cc_error *err = NULL;
	out[0] = '\0';
	if (cc_read_file(path, 65536, &buf, &len, &err) < 0) {
		cc_error_free(err);
		return;
	}
	char *p = strstr(buf, key);
	if (p) {
		p += strlen(key);
		while (*p == ' ' || *p == '\t')
			p++;
		size_t l = strcspn(p, "\n");
		snprintf(out, outsz, "%.*s", (int)l, p);
	}
	free(buf);
}

static void update_ok(const char *dir, const struct cc_dns_record *r, size_t n)
{
	cc_error *err = NULL;
	if (cc_dns_update(dir, r, n, &err) < 0)
		fail_msg("cc_dns_update: %s", err->msg);
}

static void test_resolver(void **state)
{
	(void)state;
	char self[PATH_MAX], helper[PATH_MAX + 32];
	ssize_t sl = readlink("/proc/self/exe", self, sizeof(self) - 1);
	assert_true(sl > 0);
	self[sl] = '\0';
	*strrchr(self, '/') = '\0';
	snprintf(helper, sizeof(helper), "%s/../ccontainer-dns", self);
	setenv("CCONTAINER_DNS", helper, 1);
	/* a free port for the resolver, the fake upstream on another address */
	int probe = udp_bound("127.77.0.1", &port);
	close(probe);
	char ps[16], ups[64];
	snprintf(ps, sizeof(ps), "%u", port);
	setenv("CCONTAINER_DNS_PORT", ps, 1);
	int ufd = udp_bound("127.77.9.9", &up_port);
	snprintf(ups, sizeof(ups), "127.77.9.9:%u", up_port);
	setenv("CCONTAINER_DNS_UPSTREAM", ups, 1);
	pthread_t th;
	up_stop = 0;
	assert_int_equal(pthread_create(&th, NULL, upstream, (void *)(intptr_t)ufd), 0);

	char dir[] = "/tmp/cc-dns-test-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char sub[PATH_MAX];
	snprintf(sub, sizeof(sub), "%s/state/dns", dir); /* created by update */

	const char *n1 = "127.77.0.1", *n2 = "127.77.1.1", *n3 = "127.77.2.1";
	struct cc_dns_record recs[] = {
		{ ip4(n1), "web", ip4("10.0.0.2") },    { ip4(n1), "0123456789ab", ip4("10.0.0.2") },
		{ ip4(n1), "db", ip4("10.0.0.3") },     { ip4(n1), "svc", ip4("10.0.0.2") },
		{ ip4(n1), "svc", ip4("10.0.0.4") },    { ip4(n2), "web", ip4("10.1.0.5") },
		{ ip4(n2), "Other", ip4("10.1.0.2") },
	};
	uint64_t t0 = cc_now_ns();
	update_ok(sub, recs, sizeof(recs) / sizeof(recs[0]));
	uint64_t t_start = cc_now_ns() - t0;
	int pid = resolver_pid(sub);
	assert_true(pid > 0 && alive(pid));

	/* scoped per network */
	expect_a(n1, "web", "10.0.0.2");
	expect_a(n2, "web", "10.1.0.5");
	expect_a(n1, "0123456789ab", "10.0.0.2");
	expect_a(n2, "other", "10.1.0.2");
	expect_a(n1, "WEB", "10.0.0.2");
	expect_a(n2, "oThEr", "10.1.0.2");
	int seen = up_seen;
	expect_rcode(n2, "db", CC_DNS_R_NXDOMAIN); /* not on that network: the upstream's answer */
	expect_rcode(n1, "other", CC_DNS_R_NXDOMAIN);
	assert_int_equal(up_seen, seen + 2);
	/* NODATA for another type of a known name: no forward */
	struct answer a = ask(n1, "web", CC_DNS_T_AAAA);
	assert_int_equal(a.rcode, 0);
	assert_int_equal(a.ancount, 0);
	assert_int_equal(up_seen, seen + 2);
	/* PTR */
	a = ask(n1, "2.0.0.10.in-addr.arpa", CC_DNS_T_PTR);
	assert_int_equal(a.rcode, 0);
	assert_string_equal(a.ptr, "web");
	a = ask(n2, "2.0.1.10.in-addr.arpa", CC_DNS_T_PTR);
	assert_string_equal(a.ptr, "other");
	/* an alias on two containers: both */
	a = ask(n1, "svc", CC_DNS_T_A);
	assert_int_equal(a.rcode, 0);
	assert_int_equal(a.n_a, 2);
	assert_true((a.a[0] == ip4("10.0.0.2") && a.a[1] == ip4("10.0.0.4")) ||
		    (a.a[1] == ip4("10.0.0.2") && a.a[0] == ip4("10.0.0.4")));
	/* relayed, with the client's ID (ask checks it) */
	expect_a(n1, "upstream.test", "192.0.2.1");
	expect_a(n2, "Upstream.Test", "192.0.2.1");

	/* malformed: a loop, garbage, an answer, a truncated header; the server goes on */
	uint8_t loop[] = { 0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1 };
	uint8_t out[4096];
	ssize_t n = exchange(n1, loop, sizeof(loop), out, sizeof(out), 1000);
	assert_int_equal(n, 12);
	assert_int_equal(out[3] & 0xf, CC_DNS_R_FORMERR);
	assert_int_equal(out[0], 0x12);
	uint8_t junk[700];
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 131 + 7);
	junk[2] = 0x80; /* an "answer": never answered */
	assert_int_equal(exchange(n1, junk, sizeof(junk), out, sizeof(out), 200), -1);
	assert_int_equal(exchange(n1, "\x01\x02\x03", 3, out, sizeof(out), 200), -1);
	expect_a(n1, "web", "10.0.0.2");

	/* reload: a name added, one removed, a network gone, one new; synchronous */
	struct cc_dns_record recs2[] = {
		{ ip4(n1), "web", ip4("10.0.0.2") },
		{ ip4(n1), "newbie", ip4("10.0.0.9") },
		{ ip4(n3), "third", ip4("10.2.0.2") },
	};
	t0 = cc_now_ns();
	update_ok(sub, recs2, 3);
	uint64_t t_reload = cc_now_ns() - t0;
	expect_a(n1, "newbie", "10.0.0.9");
	expect_a(n3, "third", "10.2.0.2");
	expect_rcode(n1, "db", CC_DNS_R_NXDOMAIN);
	expect_rcode(n3, "web", CC_DNS_R_NXDOMAIN);
	assert_int_equal(ask(n2, "web", CC_DNS_T_A).rcode, -1); /* nobody listens there now */
	assert_int_equal(resolver_pid(sub), pid);

	if (geteuid() == 0) {
		/* nobody, CAP_NET_BIND_SERVICE alone, no new privileges */
		char v[128];
		status_field(pid, "Uid:", v, sizeof(v));
		assert_string_equal(v, "65534\t65534\t65534\t65534");
		status_field(pid, "Gid:", v, sizeof(v));
		assert_string_equal(v, "65534\t65534\t65534\t65534");
		status_field(pid, "CapEff:", v, sizeof(v));
		assert_string_equal(v, "0000000000000400");
		status_field(pid, "CapPrm:", v, sizeof(v));
		assert_string_equal(v, "0000000000000400");
		status_field(pid, "NoNewPrivs:", v, sizeof(v));
		assert_string_equal(v, "1");
	}

	/* latency: 1000 queries one after another */
	uint8_t m[512];
	size_t ql = make_query(m, 7, "web", CC_DNS_T_A);
	t0 = cc_now_ns();
	for (int i = 0; i < 1000; i++)
		assert_true(exchange(n1, m, ql, out, sizeof(out), 1000) > 0);
	uint64_t t_1000 = cc_now_ns() - t0;
	char rss[64];
	status_field(pid, "VmRSS:", rss, sizeof(rss));
	print_message("dns: start %.2f ms, reload %.2f ms, 1000 queries %.1f ms (%.1f us each), resolver VmRSS %s\n",
		      t_start / 1e6, t_reload / 1e6, t_1000 / 1e6, t_1000 / 1e6, rss);

	/* no records left: it goes away, and the next update starts a new one */
	update_ok(sub, NULL, 0);
	assert_true(wait_dead(pid));
	update_ok(sub, NULL, 0); /* none running: only the file */
	update_ok(sub, recs2, 3);
	int pid2 = resolver_pid(sub);
	assert_true(pid2 > 0 && pid2 != pid && alive(pid2));
	expect_a(n3, "third", "10.2.0.2");

	/* killed -9: its ctl is left behind, refused, and a new one starts */
	assert_int_equal(kill(pid2, SIGKILL), 0);
	assert_true(wait_dead(pid2));
	update_ok(sub, recs, 2);
	int pid3 = resolver_pid(sub);
	assert_true(pid3 > 0 && pid3 != pid2);
	expect_a(n1, "web", "10.0.0.2");
	cc_error *err = NULL;
	assert_int_equal(cc_dns_stop(sub, &err), 0);
	assert_true(wait_dead(pid3));
	assert_int_equal(cc_dns_stop(sub, &err), 0); /* again: nothing to do */

	/* a stale pid file naming a live process that is not the resolver: never signalled */
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		pause();
		_exit(0);
	}
	char path[PATH_MAX + 8], line[64];
	snprintf(path, sizeof(path), "%s/pid", sub);
	int ll = snprintf(line, sizeof(line), "%d 12345\n", (int)child);
	assert_int_equal(cc_write_file(path, line, (size_t)ll, 0600, &err), 0);
	assert_int_equal(cc_dns_stop(sub, &err), 0);
	usleep(20000);
	assert_true(alive(child));
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);

	/* an upstream that refuses: SERVFAIL, at once */
	assert_int_equal(cc_dns_stop(sub, &err), 0);
	int refuse = udp_bound("127.77.9.9", &up_port);
	close(refuse); /* nothing listens on that port now */
	snprintf(ups, sizeof(ups), "127.77.9.9:%u", up_port);
	setenv("CCONTAINER_DNS_UPSTREAM", ups, 1);
	update_ok(sub, recs, 2);
	expect_rcode(n1, "upstream.test", CC_DNS_R_SERVFAIL);
	expect_a(n1, "web", "10.0.0.2");
	/* none at all: SERVFAIL too */
	assert_int_equal(cc_dns_stop(sub, &err), 0);
	setenv("CCONTAINER_DNS_UPSTREAM", "", 1);
	update_ok(sub, recs, 2);
	expect_rcode(n1, "upstream.test", CC_DNS_R_SERVFAIL);

	/* invalid records are refused before anything is written */
	struct cc_dns_record bad = { ip4(n1), "evil\n1.2.3.4 x", 1 };
	assert_true(cc_dns_update(sub, &bad, 1, &err) < 0);
	assert_non_null(err);
	cc_error_clear(&err);
	expect_a(n1, "web", "10.0.0.2");

	assert_int_equal(cc_dns_stop(sub, &err), 0);
	up_stop = 1;
	pthread_join(th, NULL);
	close(ufd);
	assert_int_equal(cc_rm_rf(dir, &err), 0);
	unsetenv("CCONTAINER_DNS_UPSTREAM");
	unsetenv("CCONTAINER_DNS_PORT");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wire),
		cmocka_unit_test(test_hosts),
		cmocka_unit_test(test_resolver),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
