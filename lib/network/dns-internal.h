/* Private to lib/network and the resolver (cmd/dns/ccontainer-dns.c): the
 * DNS wire format and the hosts file, in plain libc (no cc_error, no
 * allocation except cc_dns_hosts_parse's table), so the static helper can
 * link dns-proto.c alone and tests/fuzz/fuzz-dns.c can drive every parser.
 * Every input here is untrusted: lengths, counts and compression pointers
 * are checked against the buffer, names are bounded (255 bytes on the
 * wire, 63 a label), a pointer must point strictly backwards (no loops)
 * and past the 12-byte header. */
#ifndef CC_NETWORK_DNS_INTERNAL_H
#define CC_NETWORK_DNS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "network/dns.h"

#define CC_DNS_HOSTS_MAX (1024 * 1024) /* bytes of dir/hosts */
#define CC_DNS_MAX_RECORDS 8192
#define CC_DNS_MAX_SERVERS 256         /* distinct server addresses */
#define CC_DNS_NAME_MAX 253            /* a name as text, without the final dot */
#define CC_DNS_TTL 600                 /* docker's */
#define CC_DNS_UDP_MAX 512             /* answers we build (no EDNS) */
#define CC_DNS_HOSTS_MAGIC "# ccontainer-dns hosts v1"

enum {
	CC_DNS_T_A = 1,
	CC_DNS_T_PTR = 12,
	CC_DNS_T_AAAA = 28,
	CC_DNS_T_ANY = 255,
	CC_DNS_C_IN = 1,
	CC_DNS_R_NOERROR = 0,
	CC_DNS_R_FORMERR = 1,
	CC_DNS_R_SERVFAIL = 2,
	CC_DNS_R_NXDOMAIN = 3,
	CC_DNS_R_NOTIMP = 4,
};

/* One question, as read from a query. */
struct cc_dns_query {
	uint16_t id, flags, qtype, qclass;
	size_t qend;                   /* offset just past the question */
	bool plain;                    /* name is printable without '.' in labels: may match a record */
	char name[CC_DNS_NAME_MAX + 2]; /* lowercase, dotted, no final dot; "" for the root */
};

/* Read the name at *off in msg (len bytes) as lowercase dotted text into
 * out (size >= CC_DNS_NAME_MAX + 2), following compression pointers;
 * *off moves past the name as it is in place.  *plain: false when a label
 * holds '.', or a byte outside printable ASCII.  -1 when malformed. */
int cc_dns_read_name(const uint8_t *msg, size_t len, size_t *off, char *out, bool *plain);
/* A query: header (QR 0, opcode QUERY, exactly one question) and its
 * question.  0, or -1 when it is not one we can answer or forward. */
int cc_dns_parse_query(const uint8_t *msg, size_t len, struct cc_dns_query *q);
/* An answer to q (req is the query it came from, q->qend bytes of it are
 * copied): rcode, then n A records (ips, host order) or, with ptr set, one
 * PTR record naming ptr.  What does not fit in outsz sets TC.  Returns the
 * length, or -1 when even the header and question do not fit. */
int cc_dns_build_answer(const struct cc_dns_query *q, const uint8_t *req, int rcode, const uint32_t *ips, size_t n,
			const char *ptr, uint8_t *out, size_t outsz);
/* A header-only error answer (FORMERR) to a message whose header could be
 * read, for queries we could not parse: 12 bytes into out, or -1 when msg
 * is not a query (QR set, or short).  Never answer an answer. */
int cc_dns_build_error(const uint8_t *msg, size_t len, int rcode, uint8_t out[12]);
/* "4.3.2.1.in-addr.arpa" as 1.2.3.4 (host order); -1 when not one. */
int cc_dns_ptr_name_ip(const char *name, uint32_t *ip);
/* Does an upstream's reply answer the forward with this id?  Header sane, QR set. */
bool cc_dns_reply_ok(const uint8_t *msg, size_t len, uint16_t id);

/* A name a container may be known by: 1..253 bytes of [A-Za-z0-9_.-],
 * starting with a letter, digit or '_', no empty label, labels <= 63. */

/* The hosts file: CC_DNS_HOSTS_MAGIC, then one record a line,
 * "SERVER IP NAME" (dotted quads, the name as cc_dns_name_valid).  Lines
 * that are not that are skipped (comments, blanks, anything malformed). */
struct cc_dns_rec {
	uint32_t server, ip;           /* host order */
	const char *name;              /* lowercase, into the table's text */
};
struct cc_dns_table {
	char *text;                    /* malloc'd copy of the file, names cut out of it */
	struct cc_dns_rec *recs;       /* malloc'd */
	size_t n;
	uint32_t servers[CC_DNS_MAX_SERVERS]; /* distinct, in order of first use */
	size_t n_servers;
};
/* Parse at most CC_DNS_HOSTS_MAX bytes; 0, -1 (errno ENOMEM or EINVAL:
 * too large, no magic line) with t left empty. */
int cc_dns_hosts_parse(const char *data, size_t len, struct cc_dns_table *t);
void cc_dns_table_free(struct cc_dns_table *t);
/* The IPs of name (lowercase) on server into ips (at most max >= 1, each
 * once); returns how many (0: name unknown there). */
size_t cc_dns_lookup(const struct cc_dns_table *t, uint32_t server, const char *name, uint32_t *ips, size_t max);
/* The first name of ip on server, or NULL. */
const char *cc_dns_reverse(const struct cc_dns_table *t, uint32_t server, uint32_t ip);

#endif
