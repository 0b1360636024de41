/* Unit tests for the networking parts that need no root: subnet and
 * configuration parsing, -p forms, ExposedPorts, port reservation on
 * loopback, /etc/resolv.conf filtering, --add-host, and the nftables text
 * the bridge and published ports produce. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "runtime/net.h"
#include "util/util.h"

static uint32_t ip4(const char *s)
{
	struct in_addr a;
	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return ntohl(a.s_addr);
}

static void test_subnet(void **state)
{
	(void)state;
	uint32_t net;
	unsigned prefix;
	cc_error *err = NULL;
	assert_int_equal(cc_net_parse_subnet("10.77.0.0/16", &net, &prefix, &err), 0);
	assert_int_equal(net, ip4("10.77.0.0"));
	assert_int_equal(prefix, 16);
	assert_int_equal(cc_net_parse_subnet("192.168.5.128/25", &net, &prefix, &err), 0);
	assert_int_equal(net, ip4("192.168.5.128"));
	assert_int_equal(prefix, 25);

	const char *bad[] = { "10.77.0.1/16", "10.77.0.0", "10.77.0.0/", "10.77.0.0/7", "10.77.0.0/31", "10.77.0.0/x",
			      "10.77.0/16", "nonsense", "10.77.0.0/+16", "10.77.0.0/16 ", "" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_true(cc_net_parse_subnet(bad[i], &net, &prefix, &err) < 0);
		assert_non_null(err);
		assert_int_equal(err->kind, CC_ERR_INVALID);
		cc_error_clear(&err);
	}
}

static void test_config(void **state)
{
	(void)state;
	char dir[] = "/tmp/cc-test-net.XXXXXX", path[64];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/network.json", dir);
	unsetenv("CCONTAINER_NETWORK_SUBNET");
	unsetenv("CCONTAINER_NETWORK_BRIDGE");
	struct cc_net_config c;
	cc_error *err = NULL;

	/* no file: the defaults */
	assert_int_equal(cc_net_config_load(path, &c, &err), 0);
	assert_string_equal(c.bridge, "cc0");
	assert_int_equal(c.subnet, ip4("10.77.0.0"));
	assert_int_equal(c.prefix, 16);
	assert_int_equal(c.gateway, ip4("10.77.0.1"));
	uint32_t first, last;
	cc_net_lease_range(&c, &first, &last);
	assert_int_equal(first, ip4("10.77.0.2"));
	assert_int_equal(last, ip4("10.77.255.254"));

	FILE *f = fopen(path, "we");
	assert_non_null(f);
	fputs("{\"bridge\": \"br-test\", \"subnet\": \"172.30.8.0/24\"}", f);
	fclose(f);
	assert_int_equal(cc_net_config_load(path, &c, &err), 0);
	assert_string_equal(c.bridge, "br-test");
	assert_int_equal(c.gateway, ip4("172.30.8.1"));
	cc_net_lease_range(&c, &first, &last);
	assert_int_equal(last, ip4("172.30.8.254"));

	/* the environment wins over the file */
	setenv("CCONTAINER_NETWORK_SUBNET", "10.200.0.0/24", 1);
	assert_int_equal(cc_net_config_load(path, &c, &err), 0);
	assert_string_equal(c.bridge, "br-test");
	assert_int_equal(c.subnet, ip4("10.200.0.0"));
	setenv("CCONTAINER_NETWORK_BRIDGE", "bad name", 1);
	assert_true(cc_net_config_load(path, &c, &err) < 0);
	assert_non_null(strstr(err->msg, "invalid bridge name 'bad name'"));
	cc_error_clear(&err);
	setenv("CCONTAINER_NETWORK_BRIDGE", "way-too-long-name", 1);
	assert_true(cc_net_config_load(path, &c, &err) < 0);
	cc_error_clear(&err);
	unsetenv("CCONTAINER_NETWORK_SUBNET");
	unsetenv("CCONTAINER_NETWORK_BRIDGE");

	f = fopen(path, "we");
	fputs("{\"subnet\": 16}", f);
	fclose(f);
	assert_true(cc_net_config_load(path, &c, &err) < 0);
	assert_non_null(strstr(err->msg, "must be strings"));
	cc_error_clear(&err);
	f = fopen(path, "we");
	fputs("{\"subnet\": \"10.0.0.1/8\"", f);
	fclose(f);
	assert_true(cc_net_config_load(path, &c, &err) < 0);
	assert_int_equal(err->kind, CC_ERR_INVALID);
	cc_error_clear(&err);
	unlink(path);
	rmdir(dir);
}

static void test_publish_forms(void **state)
{
	(void)state;
	struct cc_port_map m[CC_NET_MAX_PORTS];
	size_t n = 0;
	cc_error *err = NULL;

	assert_int_equal(cc_net_parse_publish("8080:80", m, CC_NET_MAX_PORTS, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(m[0].host_ip, 0);
	assert_int_equal(m[0].host_port, 8080);
	assert_int_equal(m[0].container_port, 80);
	assert_int_equal(m[0].proto, IPPROTO_TCP);

	assert_int_equal(cc_net_parse_publish("127.0.0.1:18080:80/udp", m, CC_NET_MAX_PORTS, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(m[1].host_ip, ip4("127.0.0.1"));
	assert_int_equal(m[1].host_port, 18080);
	assert_int_equal(m[1].proto, IPPROTO_UDP);

	assert_int_equal(cc_net_parse_publish("80", m, CC_NET_MAX_PORTS, &n, &err), 0);
	assert_int_equal(m[2].host_port, 0);
	assert_int_equal(m[2].container_port, 80);
	assert_int_equal(cc_net_parse_publish("127.0.0.1::53/tcp", m, CC_NET_MAX_PORTS, &n, &err), 0);
	assert_int_equal(m[3].host_port, 0);
	assert_int_equal(m[3].host_ip, ip4("127.0.0.1"));
	assert_int_equal(cc_net_parse_publish("0.0.0.0:0:443", m, CC_NET_MAX_PORTS, &n, &err), 0);
	assert_int_equal(m[4].host_port, 0);

	n = 0;
	assert_int_equal(cc_net_parse_publish("9000-9002:7000-7002", m, CC_NET_MAX_PORTS, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_int_equal(m[2].host_port, 9002);
	assert_int_equal(m[2].container_port, 7002);
	assert_int_equal(cc_net_parse_publish("7000-7001", m, CC_NET_MAX_PORTS, &n, &err), 0);
	assert_int_equal(n, 5);
	assert_int_equal(m[4].host_port, 0);

	const char *bad[] = { "", "a:80", "80:b", "0", "70000", "8000-8001:80", "80/sctp", "[::1]:80:80",
			      "1:2:3:4", "1.2.3:80:80", "80-", "-80", "90-80", "80:", "0-5:80", "80/tcp/udp",
			      "127.0.0.1:8080" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t before = n;
		if (cc_net_parse_publish(bad[i], m, CC_NET_MAX_PORTS, &n, &err) == 0)
			fail_msg("'%s' was accepted", bad[i]);
		assert_int_equal(err->kind, CC_ERR_INVALID);
		assert_int_equal(n, before);
		cc_error_clear(&err);
	}
	/* bounded */
	n = 0;
	assert_true(cc_net_parse_publish("1000-2000:1000-2000", m, CC_NET_MAX_PORTS, &n, &err) < 0);
	assert_non_null(strstr(err->msg, "too many"));
	cc_error_clear(&err);
	assert_int_equal(n, 0);

	char buf[64];
	struct cc_port_map one = { .host_ip = ip4("127.0.0.1"), .host_port = 18080, .container_port = 80,
				   .proto = IPPROTO_UDP };
	cc_net_format_container_port(&one, buf, sizeof(buf));
	assert_string_equal(buf, "80/udp");
	cc_net_format_host_port(&one, buf, sizeof(buf));
	assert_string_equal(buf, "127.0.0.1:18080");
}

static void test_exposed(void **state)
{
	(void)state;
	struct cc_port_map m;
	cc_error *err = NULL;
	assert_int_equal(cc_net_parse_exposed("80/tcp", &m, &err), 0);
	assert_int_equal(m.container_port, 80);
	assert_int_equal(m.host_port, 0);
	assert_int_equal(m.host_ip, 0);
	assert_int_equal(cc_net_parse_exposed("53/udp", &m, &err), 0);
	assert_int_equal(m.proto, IPPROTO_UDP);
	assert_int_equal(cc_net_parse_exposed("8080", &m, &err), 0);
	assert_int_equal(m.proto, IPPROTO_TCP);
	assert_true(cc_net_parse_exposed("1:2", &m, &err) < 0);
	cc_error_clear(&err);
	assert_true(cc_net_parse_exposed("80-90/tcp", &m, &err) < 0);
	cc_error_clear(&err);
}

static void test_reserve_ports(void **state)
{
	(void)state;
	struct cc_port_map m[2] = {
		{ .host_ip = ip4("127.0.0.1"), .host_port = 0, .container_port = 80, .proto = IPPROTO_TCP },
		{ .host_ip = ip4("127.0.0.1"), .host_port = 0, .container_port = 53, .proto = IPPROTO_UDP },
	};
	int fds[2];
	cc_error *err = NULL;
	assert_int_equal(cc_net_reserve_ports(m, 2, fds, &err), 0);
	assert_true(m[0].host_port > 0);
	assert_true(m[1].host_port > 0);
	assert_true(fds[0] >= 0 && fds[1] >= 0);

	/* the same ports again: taken, and nothing stays open */
	struct cc_port_map again[2] = { m[1], m[0] };
	again[0].proto = IPPROTO_UDP;
	int fds2[2] = { -2, -2 };
	assert_true(cc_net_reserve_ports(again, 2, fds2, &err) < 0);
	assert_int_equal(err->kind, CC_ERR_IN_USE);
	assert_non_null(strstr(err->msg, "port is already allocated"));
	assert_int_equal(fds2[0], -1);
	assert_int_equal(fds2[1], -1);
	cc_error_clear(&err);

	/* another program cannot take a reserved port, SO_REUSEADDR or not */
	struct cc_port_map tcp = m[0];
	int other = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
	assert_true(other >= 0);
	assert_int_equal(setsockopt(other, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(tcp.host_port),
				  .sin_addr.s_addr = htonl(tcp.host_ip) };
	assert_true(bind(other, (struct sockaddr *)&sa, sizeof(sa)) < 0);
	assert_int_equal(errno, EADDRINUSE);
	close(other);
	/* and one that listens makes the reservation fail */
	int fd3 = -1;
	close(fds[0]);
	other = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(setsockopt(other, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
	assert_int_equal(bind(other, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(other, 1), 0);
	assert_true(cc_net_reserve_ports(&tcp, 1, &fd3, &err) < 0);
	assert_int_equal(err->kind, CC_ERR_IN_USE);
	cc_error_clear(&err);
	close(other);
	close(fds[1]);
	/* free again once released (the listener never had a connection, so
	 * nothing lingers in TIME_WAIT) */
	assert_int_equal(cc_net_reserve_ports(&tcp, 1, &fd3, &err), 0);
	close(fd3);
}

static void test_resolv(void **state)
{
	(void)state;
	const char *host = "# generated\nsearch example.org\nnameserver 127.0.0.53\noptions edns0 trust-ad\n";
	const char *upstream = "nameserver 192.0.2.53\nnameserver 2001:db8::53\nsearch example.org\n";

	/* only the stub: systemd-resolved's upstream file */
	char *r = cc_net_resolv_conf(host, upstream, false, NULL);
	assert_string_equal(r, upstream);
	free(r);

	/* only the stub and no upstream file: no nameserver, and a comment */
	r = cc_net_resolv_conf(host, NULL, false, NULL);
	assert_null(strstr(r, "nameserver 127."));
	assert_non_null(strstr(r, "search example.org\n"));
	assert_non_null(strstr(r, "options edns0 trust-ad\n"));
	assert_non_null(strstr(r, "# ccontainer: the host has no nameserver"));
	free(r);

	/* mixed: loopback ones dropped, the rest kept in order */
	r = cc_net_resolv_conf("nameserver 127.0.0.1\nnameserver 10.0.0.2\nnameserver ::1\nnameserver 10.0.0.3",
			       upstream, false, NULL);
	assert_string_equal(r, "nameserver 10.0.0.2\nnameserver 10.0.0.3\n");
	free(r);

	/* --network host: the host's file as it is */
	r = cc_net_resolv_conf(host, upstream, true, NULL);
	assert_string_equal(r, host);
	free(r);

	/* --dns replaces the nameservers, keeps the rest */
	const char *dns[] = { "9.9.9.9", "2620:fe::fe" };
	r = cc_net_resolv_conf(host, upstream, false, &(struct cc_resolv_opts){ .dns = dns, .n_dns = 2 });
	assert_string_equal(r, "# generated\nsearch example.org\noptions edns0 trust-ad\nnameserver 9.9.9.9\n"
			       "nameserver 2620:fe::fe\n");
	free(r);

	/* not fooled by look-alikes */
	r = cc_net_resolv_conf("nameserver127.0.0.1\nnameservers 1.1.1.1\nnameserver\t10.1.1.1 # x\n", NULL, false,
			       NULL);
	assert_string_equal(r, "nameserver127.0.0.1\nnameservers 1.1.1.1\nnameserver\t10.1.1.1 # x\n");
	free(r);

	r = cc_net_resolv_conf(NULL, NULL, false, NULL);
	assert_non_null(strstr(r, "# ccontainer"));
	free(r);

	/* --dns-search replaces search and domain lines, --dns-option the
	 * options lines; the new lines last: nameservers, search, options */
	const char *search[] = { "example.com", "corp.example" }, *opts[] = { "ndots:2", "rotate" };
	struct cc_resolv_opts ro = { .search = search, .n_search = 2, .options = opts, .n_options = 2 };
	r = cc_net_resolv_conf("domain old.example\nnameserver 10.0.0.2\nsearch a.example b.example\n"
			       "options edns0\noptions2 x\nsearchx y\n",
			       NULL, false, &ro);
	assert_string_equal(r, "nameserver 10.0.0.2\noptions2 x\nsearchx y\nsearch example.com corp.example\n"
			       "options ndots:2 rotate\n");
	free(r);
	/* only options: search kept; with --dns too */
	ro = (struct cc_resolv_opts){ .dns = dns, .n_dns = 1, .options = opts, .n_options = 1 };
	r = cc_net_resolv_conf(host, upstream, false, &ro);
	assert_string_equal(r, "# generated\nsearch example.org\nnameserver 9.9.9.9\noptions ndots:2\n");
	free(r);
	/* --network host: applied as well */
	ro = (struct cc_resolv_opts){ .search = search, .n_search = 1 };
	r = cc_net_resolv_conf(host, upstream, true, &ro);
	assert_string_equal(r, "# generated\nnameserver 127.0.0.53\noptions edns0 trust-ad\nsearch example.com\n");
	free(r);
	/* "." is docker's empty search list: the host's goes, none is written */
	const char *dot[] = { "." };
	ro = (struct cc_resolv_opts){ .search = dot, .n_search = 1 };
	r = cc_net_resolv_conf("nameserver 10.0.0.2\nsearch a.example\n", NULL, false, &ro);
	assert_string_equal(r, "nameserver 10.0.0.2\n");
	free(r);
	/* a file without a final newline */
	ro = (struct cc_resolv_opts){ .options = opts, .n_options = 1 };
	r = cc_net_resolv_conf("nameserver 10.0.0.2", NULL, false, &ro);
	assert_string_equal(r, "nameserver 10.0.0.2\noptions ndots:2\n");
	free(r);
}

static void test_parse_expose(void **state)
{
	(void)state;
	struct cc_port_map m[8];
	size_t n = 0;
	cc_error *err = NULL;
	assert_int_equal(cc_net_parse_expose("80", m, 8, &n, &err), 0);
	assert_int_equal(cc_net_parse_expose("7000-7002/udp", m, 8, &n, &err), 0);
	assert_int_equal(cc_net_parse_expose("80/tcp", m, 8, &n, &err), 0); /* already there */
	assert_int_equal(cc_net_parse_expose("53/", m, 8, &n, &err), 0);    /* docker: tcp */
	assert_int_equal(n, 5);
	char buf[32];
	const char *want[] = { "80/tcp", "7000/udp", "7001/udp", "7002/udp", "53/tcp" };
	for (size_t i = 0; i < n; i++) {
		cc_net_format_container_port(&m[i], buf, sizeof(buf));
		assert_string_equal(buf, want[i]);
		assert_int_equal(m[i].host_port, 0);
		assert_int_equal(m[i].host_ip, 0);
	}
	static const struct {
		const char *arg, *msg;
	} bad[] = {
		{ "8080:80", "invalid port format for --expose: 8080:80" },
		{ "/tcp", "invalid range format for --expose: /tcp, error: Empty string specified for ports." },
		{ "NaN/tcp", "invalid range format for --expose: NaN/tcp, error: strconv.ParseUint: parsing \"NaN\": invalid syntax" },
		{ "8080-NaN", "invalid range format for --expose: 8080-NaN, error: strconv.ParseUint: parsing \"NaN\": invalid syntax" },
		{ "80000", "invalid range format for --expose: 80000, error: strconv.ParseUint: parsing \"80000\": value out of range" },
		{ "90-80", "invalid range format for --expose: 90-80, error: Invalid range specified for the Port: 90-80" },
		{ "80/sctp", "invalid --expose '80/sctp': protocol 'sctp' is not supported (tcp, udp)" },
		{ "0", "invalid range format for --expose: 0, error: port 0" },
		{ "1-100", "invalid --expose '1-100': too many exposed ports (limit 8)" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = 0;
		assert_true(cc_net_parse_expose(bad[i].arg, m, 8, &n, &err) < 0);
		assert_string_equal(err->msg, bad[i].msg);
		assert_int_equal(err->kind, CC_ERR_INVALID);
		cc_error_clear(&err);
	}
}

static void test_dns_search_option_valid(void **state)
{
	(void)state;
	const char *good[] = { ".", "example.com", "example.com.", "a", "a-b.c0", "x1.2y", "EXAMPLE.Org", "a.b.c.d.e" };
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(cc_net_dns_search_valid(good[i]));
	char longd[300];
	memset(longd, 'a', sizeof(longd) - 1);
	longd[sizeof(longd) - 1] = '\0';
	const char *bad[] = { "", "..", "123", "1.2.3.4", "-a.com", "a-.com", "a..com", "a b", "a\nb", "a_b", "a.com..",
			      " a", "a/b", longd };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(cc_net_dns_search_valid(bad[i]));
	assert_false(cc_net_dns_search_valid(NULL));
	longd[254] = '\0';
	assert_true(cc_net_dns_search_valid(longd));
	longd[254] = 'a';
	longd[255] = '\0';
	assert_false(cc_net_dns_search_valid(longd)); /* 255 */

	assert_true(cc_net_dns_option_valid("ndots:2"));
	assert_true(cc_net_dns_option_valid("rotate"));
	const char *badopt[] = { "", "a b", "a\tb", "a\n", "nd\x7f", "\xc3\xa9" };
	for (size_t i = 0; i < sizeof(badopt) / sizeof(badopt[0]); i++)
		assert_false(cc_net_dns_option_valid(badopt[i]));
	assert_false(cc_net_dns_option_valid(NULL));
	assert_true(cc_net_dns_option_valid(longd)); /* 255 */
	longd[255] = 'a';
	longd[256] = '\0';
	assert_false(cc_net_dns_option_valid(longd));
}

static void test_add_host(void **state)
{
	(void)state;
	char out[512];
	cc_error *err = NULL;
	assert_int_equal(cc_net_parse_add_host("db:10.0.0.5", NULL, out, sizeof(out), &err), 0);
	assert_string_equal(out, "10.0.0.5\tdb\n");
	assert_int_equal(cc_net_parse_add_host("v6:2001:db8::1", NULL, out, sizeof(out), &err), 0);
	assert_string_equal(out, "2001:db8::1\tv6\n");
	assert_int_equal(cc_net_parse_add_host("gw=host-gateway", "10.77.0.1", out, sizeof(out), &err), 0);
	assert_string_equal(out, "10.77.0.1\tgw\n");
	assert_true(cc_net_parse_add_host("gw:host-gateway", NULL, out, sizeof(out), &err) < 0);
	assert_non_null(strstr(err->msg, "bridge"));
	cc_error_clear(&err);
	const char *bad[] = { "noip", ":1.2.3.4", "host:", "host:1.2.3", "bad host:1.2.3.4", "x#y:1.2.3.4" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (cc_net_parse_add_host(bad[i], NULL, out, sizeof(out), &err) == 0)
			fail_msg("'%s' was accepted", bad[i]);
		assert_int_equal(err->kind, CC_ERR_INVALID);
		cc_error_clear(&err);
	}
}

static void test_lease_range_mac(void **state)
{
	(void)state;
	uint32_t first, last;
	struct cc_net_config c = { .bridge = "b", .subnet = ip4("10.89.0.0"), .prefix = 24, .gateway = ip4("10.89.0.1") };
	cc_net_lease_range(&c, &first, &last);
	assert_int_equal(first, ip4("10.89.0.2"));
	assert_int_equal(last, ip4("10.89.0.254"));
	/* a gateway elsewhere: the range starts at .1 */
	c.gateway = ip4("10.89.0.254");
	cc_net_lease_range(&c, &first, &last);
	assert_int_equal(first, ip4("10.89.0.1"));
	/* --ip-range */
	c.range_first = ip4("10.89.0.128");
	c.range_last = ip4("10.89.0.191");
	cc_net_lease_range(&c, &first, &last);
	assert_int_equal(first, ip4("10.89.0.128"));
	assert_int_equal(last, ip4("10.89.0.191"));

	uint8_t mac[6];
	cc_error *e = NULL;
	assert_int_equal(cc_net_parse_mac("92:d0:c6:0a:29:33", mac, &e), 0);
	assert_int_equal(mac[0], 0x92);
	assert_int_equal(mac[5], 0x33);
	const char *bad[] = { "92:d0:c6:0a:29", "92:d0:c6:0a:29:33:00", "zz:d0:c6:0a:29:33", "01:00:5e:00:00:01",
			      "92-d0-c6-0a-29-33", "", " 2:d0:c6:0a:29:33" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(cc_net_parse_mac(bad[i], mac, &e), -1);
		assert_int_equal(e->kind, CC_ERR_INVALID);
		cc_error_free(e);
		e = NULL;
	}
	assert_true(cc_net_bridge_name_valid("br-0123456789a"));
	assert_false(cc_net_bridge_name_valid("0br"));
	assert_false(cc_net_bridge_name_valid("br\"x"));
}

static void test_nft_text(void **state)
{
	(void)state;
	struct cc_net_config c = { .bridge = "cc0", .subnet = ip4("10.77.0.0"), .prefix = 16,
				   .gateway = ip4("10.77.0.1") };
	char p[64];
	cc_net_base_chain_prefix(&c, p);
	assert_string_equal(p, "n_cc0_0a4d0000_16");
	char *base = cc_net_nft_base_rules(&c);
	assert_non_null(base);
	assert_string_equal(base,
		"add table ip ccontainer\n"
		"add set ip ccontainer bridges { type ifname; }\n"
		"add element ip ccontainer bridges { \"cc0\" }\n"
		"add chain ip ccontainer n_cc0_0a4d0000_16_guard { type filter hook prerouting priority -300; policy accept; }\n"
		"flush chain ip ccontainer n_cc0_0a4d0000_16_guard\n"
		"add rule ip ccontainer n_cc0_0a4d0000_16_guard iifname \"cc0\" ip daddr 127.0.0.0/8 drop\n"
		"add rule ip ccontainer n_cc0_0a4d0000_16_guard iifname \"cc0\" ip saddr != 10.77.0.0/16 drop\n"
		"add chain ip ccontainer n_cc0_0a4d0000_16_in { type filter hook input priority 0; policy accept; }\n"
		"flush chain ip ccontainer n_cc0_0a4d0000_16_in\n"
		"add rule ip ccontainer n_cc0_0a4d0000_16_in ip daddr 10.77.0.1 meta l4proto { tcp, udp } th dport 53 iifname != \"cc0\" drop\n"
		"add chain ip ccontainer n_cc0_0a4d0000_16_fwd { type filter hook forward priority 0; policy accept; }\n"
		"flush chain ip ccontainer n_cc0_0a4d0000_16_fwd\n"
		"add rule ip ccontainer n_cc0_0a4d0000_16_fwd oifname \"cc0\" iifname != \"cc0\" iifname @bridges ct status dnat accept\n"
		"add rule ip ccontainer n_cc0_0a4d0000_16_fwd oifname \"cc0\" iifname != \"cc0\" iifname @bridges drop\n"
		"add chain ip ccontainer n_cc0_0a4d0000_16_post { type nat hook postrouting priority 100; policy accept; }\n"
		"flush chain ip ccontainer n_cc0_0a4d0000_16_post\n"
		"add rule ip ccontainer n_cc0_0a4d0000_16_post ip saddr 10.77.0.0/16 oifname != \"cc0\" masquerade\n"
		"add rule ip ccontainer n_cc0_0a4d0000_16_post oifname \"cc0\" ip saddr 127.0.0.0/8 masquerade\n"
		"add rule ip ccontainer n_cc0_0a4d0000_16_post oifname \"cc0\" ip saddr 10.77.0.0/16 ct status dnat masquerade\n");
	free(base);

	/* an internal network: nothing in or out of the bridge, no NAT out */
	struct cc_net_config in = { .bridge = "br-x", .subnet = ip4("10.89.3.0"), .prefix = 24,
				    .gateway = ip4("10.89.3.1"), .internal = true };
	base = cc_net_nft_base_rules(&in);
	assert_non_null(base);
	assert_non_null(strstr(base, "add rule ip ccontainer n_br-x_0a590300_24_fwd iifname \"br-x\" oifname != \"br-x\" drop\n"));
	assert_non_null(strstr(base, "add rule ip ccontainer n_br-x_0a590300_24_fwd oifname \"br-x\" iifname != \"br-x\" drop\n"));
	assert_null(strstr(base, "oifname != \"br-x\" masquerade"));
	free(base);

	const char *id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	struct cc_port_map ports[2] = {
		{ .host_ip = 0, .host_port = 18080, .container_port = 80, .proto = IPPROTO_TCP },
		{ .host_ip = ip4("127.0.0.1"), .host_port = 5353, .container_port = 53, .proto = IPPROTO_UDP },
	};
	struct cc_net_endpoint ep = { .id = id, .owner = "deadbeef", .ip = ip4("10.77.0.9"), .ports = ports,
				      .n_ports = 2 };
	char *rules = cc_net_nft_port_rules(&c, &ep);
	assert_non_null(rules);
	const char *pre = "c_deadbeef_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef_pre";
	char want[2048];
	snprintf(want, sizeof(want),
		 "add table ip ccontainer\n"
		 "add chain ip ccontainer %s { type nat hook prerouting priority -100; policy accept; }\n"
		 "add chain ip ccontainer c_deadbeef_%s_out { type nat hook output priority -100; policy accept; }\n"
		 "add rule ip ccontainer %s fib daddr type local tcp dport 18080 dnat to 10.77.0.9:80\n"
		 "add rule ip ccontainer c_deadbeef_%s_out fib daddr type local tcp dport 18080 dnat to 10.77.0.9:80\n"
		 "add rule ip ccontainer c_deadbeef_%s_out ip daddr 127.0.0.1 udp dport 5353 dnat to 10.77.0.9:53\n",
		 pre, id, pre, id, id);
	assert_string_equal(rules, want);
	free(rules);

	/* only hex goes into the text */
	ep.owner = "dead\"eef";
	assert_null(cc_net_nft_port_rules(&c, &ep));
	char a[128], b[128];
	assert_true(cc_net_container_chains("deadbeef", "0123; flush ruleset", a, b) < 0);
	assert_int_equal(cc_net_container_chains("deadbeef", id, a, b), 0);
	assert_string_equal(a, pre);

	char veth[16];
	cc_net_veth_name(ip4("10.77.0.2"), veth);
	assert_string_equal(veth, "cc0a4d0002");
	cc_net_veth_name(ip4("255.255.255.254"), veth);
	assert_string_equal(veth, "ccfffffffe");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_subnet),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_publish_forms),
		cmocka_unit_test(test_exposed),
		cmocka_unit_test(test_reserve_ports),
		cmocka_unit_test(test_resolv),
		cmocka_unit_test(test_dns_search_option_valid),
		cmocka_unit_test(test_parse_expose),
		cmocka_unit_test(test_add_host),
		cmocka_unit_test(test_nft_text),
		cmocka_unit_test(test_lease_range_mac),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
