/* The embedded DNS server's parsers (lib/network/dns-internal.h), on what
 * a container sends it, what an upstream answers and the hosts file.  The
 * first byte picks: even, the rest is a query to the resolver against a
 * small table, answered as ccontainer-dns would; odd, the rest is a hosts
 * file, then looked up.  Every name is also read at every offset.
 *
 * Invariants: a parsed query's name is lowercase printable text of at most
 * 253 bytes and its question lies inside the message; an answer parses
 * back as an answer (QR set) with the same ID and question; a parsed table
 * has only valid names and servers != 0. */
#include "fuzz.h"
#include "network/dns-internal.h"

static struct cc_dns_table table;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	static const char hosts[] = CC_DNS_HOSTS_MAGIC "\n"
				    "10.89.0.1 10.89.0.2 web\n"
				    "10.89.0.1 10.89.0.3 web\n"
				    "10.89.0.1 10.89.0.3 db\n"
				    "10.89.1.1 10.89.1.9 other.example\n";
	if (cc_dns_hosts_parse(hosts, sizeof(hosts) - 1, &table) < 0 || table.n != 4)
		abort();
	return 0;
}

static void check_name(const char *name)
{
	size_t l = strlen(name);
	FUZZ_CHECK(l <= CC_DNS_NAME_MAX);
	for (size_t i = 0; i < l; i++)
		FUZZ_CHECK(name[i] > ' ' && name[i] < 0x7f && !(name[i] >= 'A' && name[i] <= 'Z'));
}

static void query(const uint8_t *msg, size_t len)
{
	for (size_t off = 0; off < len && off < 64; off++) {
		char name[CC_DNS_NAME_MAX + 2];
		bool plain;
		size_t o = off;
		if (cc_dns_read_name(msg, len, &o, name, &plain) == 0) {
			FUZZ_CHECK(o > off && o <= len);
			check_name(name);
		}
	}
	(void)cc_dns_reply_ok(msg, len, 0x1234);
	uint8_t err[12];
	if (cc_dns_build_error(msg, len, CC_DNS_R_FORMERR, err) == 12)
		FUZZ_CHECK(memcmp(err, msg, 2) == 0 && (err[2] & 0x80));
	struct cc_dns_query q;
	if (cc_dns_parse_query(msg, len, &q) < 0)
		return;
	FUZZ_CHECK(q.qend >= 17 && q.qend <= len);
	check_name(q.name);
	uint32_t ips[32], ip;
	uint8_t out[CC_DNS_UDP_MAX];
	const uint32_t server = 0x0a590001;
	size_t n = cc_dns_lookup(&table, server, q.name, ips, 32);
	const char *ptr = NULL;
	if (n == 0 && cc_dns_ptr_name_ip(q.name, &ip) == 0)
		ptr = cc_dns_reverse(&table, server, ip);
	int l = cc_dns_build_answer(&q, msg, n ? 0 : 3, ips, n, ptr, out, sizeof(out));
	if (l < 0) {
		FUZZ_CHECK(q.qend > sizeof(out));
		return;
	}
	FUZZ_CHECK((size_t)l >= q.qend && (size_t)l <= sizeof(out));
	FUZZ_CHECK(cc_dns_reply_ok(out, (size_t)l, q.id));
	/* the question as it came, readable the same way in the answer */
	size_t o = 12;
	char again[CC_DNS_NAME_MAX + 2];
	bool plain;
	FUZZ_CHECK(cc_dns_read_name(out, (size_t)l, &o, again, &plain) == 0);
	FUZZ_CHECK(strcmp(again, q.name) == 0 && plain == q.plain);
}

static void hosts(const uint8_t *data, size_t len)
{
	/* the magic line first, or the parser refuses it (which is also checked) */
	struct cc_dns_table t;
	if (cc_dns_hosts_parse((const char *)data, len, &t) == 0)
		cc_dns_table_free(&t);
	size_t ml = sizeof(CC_DNS_HOSTS_MAGIC);
	char *buf = malloc(ml + len);
	if (buf == NULL)
		abort();
	memcpy(buf, CC_DNS_HOSTS_MAGIC "\n", ml);
	memcpy(buf + ml, data, len);
	FUZZ_CHECK(len + ml > CC_DNS_HOSTS_MAX || cc_dns_hosts_parse(buf, len + ml, &t) == 0);
	free(buf);
	if (len + ml > CC_DNS_HOSTS_MAX)
		return;
	for (size_t i = 0; i < t.n; i++) {
		FUZZ_CHECK(t.recs[i].server != 0 && cc_dns_name_valid(t.recs[i].name));
		uint32_t ips[4];
		FUZZ_CHECK(cc_dns_lookup(&t, t.recs[i].server, t.recs[i].name, ips, 4) > 0);
		FUZZ_CHECK(cc_dns_reverse(&t, t.recs[i].server, t.recs[i].ip) != NULL);
	}
	FUZZ_CHECK(t.n_servers <= CC_DNS_MAX_SERVERS);
	cc_dns_table_free(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0 || size > 65536)
		return 0;
	/* a copy of exactly size - 1 bytes: reads past it are ASan's to see */
	uint8_t *m = malloc(size - 1 ? size - 1 : 1);
	if (m == NULL)
		abort();
	memcpy(m, data + 1, size - 1);
	if (data[0] & 1)
		hosts(m, size - 1);
	else
		query(m, size - 1);
	free(m);
	return 0;
}
