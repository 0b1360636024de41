/* The DNS wire format and the resolver's hosts file (dns-internal.h).
 * libc only: linked into the static ccontainer-dns as well as the library. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "network/dns-internal.h"

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

int cc_dns_read_name(const uint8_t *msg, size_t len, size_t *off, char *out, bool *plain)
{
	size_t pos = *off, end = 0, olen = 0, wire = 0;
	bool jumped = false;
	*plain = true;
	out[0] = '\0';
	/* each pointer must go strictly backwards: no loop, at most len jumps */
	size_t limit = pos;
	for (;;) {
		if (pos >= len)
			return -1;
		uint8_t l = msg[pos];
		if ((l & 0xc0) == 0xc0) {
			if (pos + 1 >= len)
				return -1;
			size_t to = (size_t)((l & 0x3f) << 8 | msg[pos + 1]);
			if (to >= limit || to < 12) /* backwards, and never into the header */
				return -1;
			if (!jumped)
				end = pos + 2;
			jumped = true;
			limit = to;
			pos = to;
			continue;
		}
		if ((l & 0xc0) != 0) /* 0x40, 0x80: extended label types, obsolete */
			return -1;
		if (l == 0) {
			if (!jumped)
				end = pos + 1;
			break;
		}
		if (pos + 1 + l > len)
			return -1;
		wire += (size_t)l + 1;
		if (wire + 1 > 255)
			return -1;
		if (olen > 0)
			out[olen++] = '.';
		for (size_t i = 0; i < l; i++) {
			uint8_t c = msg[pos + 1 + i];
			if (c == '.' || c <= ' ' || c >= 0x7f) {
				*plain = false;
				c = '?';
			} else if (c >= 'A' && c <= 'Z') {
				c = (uint8_t)(c - 'A' + 'a');
			}
			out[olen++] = (char)c;
		}
		out[olen] = '\0';
		pos += (size_t)l + 1;
	}
	*off = end;
	return 0;
}

int cc_dns_parse_query(const uint8_t *msg, size_t len, struct cc_dns_query *q)
{
	memset(q, 0, sizeof(*q));
	if (len < 12 || len > 65535)
		return -1;
	q->id = get16(msg);
	q->flags = get16(msg + 2);
	if ((q->flags & 0x8000) || ((q->flags >> 11) & 0xf) != 0) /* an answer, or not QUERY */
		return -1;
	if (get16(msg + 4) != 1)
		return -1;
	size_t off = 12;
	if (cc_dns_read_name(msg, len, &off, q->name, &q->plain) < 0)
		return -1;
	/* The question's name is the message's first: a pointer in it can
	 * only point into the header, which the answer changes (the fuzzer's
	 * find).  No resolver sends one. */
	for (size_t p = 12; p < off && msg[p] != 0; p += (size_t)msg[p] + 1)
		if ((msg[p] & 0xc0) != 0)
			return -1;
	if (off + 4 > len)
		return -1;
	q->qtype = get16(msg + off);
	q->qclass = get16(msg + off + 2);
	q->qend = off + 4;
	return 0;
}

/* name as wire labels into out; its length, or -1 when it does not fit */
static int put_name(const char *name, uint8_t *out, size_t room)
{
	size_t o = 0;
	const char *p = name;
	while (*p) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);
		if (l == 0 || l > 63 || o + 1 + l >= room)
			return -1;
		out[o++] = (uint8_t)l;
		memcpy(out + o, p, l);
		o += l;
		p += l;
		if (*p == '.')
			p++;
	}
	if (o + 1 > room)
		return -1;
	out[o++] = 0;
	return (int)o;
}

int cc_dns_build_answer(const struct cc_dns_query *q, const uint8_t *req, int rcode, const uint32_t *ips, size_t n,
			const char *ptr, uint8_t *out, size_t outsz)
{
	if (q->qend < 12 || q->qend > outsz)
		return -1;
	memcpy(out, req, q->qend);
	/* QR, AA, RD as asked, RA */
	uint16_t flags = (uint16_t)(0x8000 | 0x0400 | (q->flags & 0x0100) | 0x0080 | (rcode & 0xf));
	put16(out + 2, flags);
	put16(out + 4, 1);
	put16(out + 6, 0);
	put16(out + 8, 0);
	put16(out + 10, 0);
	size_t o = q->qend;
	/* the question's name: a pointer to offset 12 */
	uint16_t an = 0;
	if (ptr != NULL) {
		uint8_t rdata[CC_DNS_NAME_MAX + 2];
		int rl = put_name(ptr, rdata, sizeof(rdata));
		if (rl > 0 && o + 12 + (size_t)rl <= outsz) {
			put16(out + o, 0xc00c);
			put16(out + o + 2, CC_DNS_T_PTR);
			put16(out + o + 4, CC_DNS_C_IN);
			put32(out + o + 6, CC_DNS_TTL);
			put16(out + o + 10, (uint16_t)rl);
			memcpy(out + o + 12, rdata, (size_t)rl);
			o += 12 + (size_t)rl;
			an = 1;
		} else if (rl > 0) {
			flags |= 0x0200;
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (o + 16 > outsz) {
			flags |= 0x0200; /* TC: the rest did not fit */
			break;
		}
		put16(out + o, 0xc00c);
		put16(out + o + 2, CC_DNS_T_A);
		put16(out + o + 4, CC_DNS_C_IN);
		put32(out + o + 6, CC_DNS_TTL);
		put16(out + o + 10, 4);
		put32(out + o + 12, ips[i]);
		o += 16;
		an++;
	}
	put16(out + 2, flags);
	put16(out + 6, an);
	return (int)o;
}

int cc_dns_build_error(const uint8_t *msg, size_t len, int rcode, uint8_t out[12])
{
	if (len < 12 || (msg[2] & 0x80))
		return -1;
	memset(out, 0, 12);
	memcpy(out, msg, 2);
	uint16_t flags = (uint16_t)(0x8000 | (get16(msg + 2) & 0x7900) | 0x0080 | (rcode & 0xf));
	put16(out + 2, flags);
	return 12;
}

int cc_dns_ptr_name_ip(const char *name, uint32_t *ip)
{
	static const char suffix[] = ".in-addr.arpa";
	size_t l = strlen(name), sl = sizeof(suffix) - 1;
	if (l <= sl || strcmp(name + l - sl, suffix) != 0)
		return -1;
	uint32_t v = 0;
	const char *p = name;
	for (int i = 0; i < 4; i++) {
		unsigned o = 0;
		int digits = 0;
		while (*p >= '0' && *p <= '9' && digits < 4) {
			o = o * 10 + (unsigned)(*p - '0');
			p++;
			digits++;
		}
		if (digits == 0 || digits > 3 || o > 255 || *p != '.')
			return -1;
		p++;
		v |= (uint32_t)o << (8 * i); /* least significant octet first */
	}
	if (p != name + l - sl + 1)
		return -1;
	*ip = v;
	return 0;
}

bool cc_dns_reply_ok(const uint8_t *msg, size_t len, uint16_t id)
{
	return len >= 12 && get16(msg) == id && (msg[2] & 0x80) != 0;
}

bool cc_dns_name_valid(const char *name)
{
	size_t l = strlen(name), label = 0;
	if (l == 0 || l > CC_DNS_NAME_MAX)
		return false;
	char c0 = name[0];
	if (!((c0 >= 'a' && c0 <= 'z') || (c0 >= 'A' && c0 <= 'Z') || (c0 >= '0' && c0 <= '9') || c0 == '_'))
		return false;
	for (size_t i = 0; i < l; i++) {
		char c = name[i];
		if (c == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
		      c == '-'))
			return false;
		if (++label > 63)
			return false;
	}
	return label > 0;
}

/* a dotted quad, exactly; host order */
static int parse_ip4(const char *s, uint32_t *ret)
{
	uint32_t v = 0;
	for (int i = 0; i < 4; i++) {
		unsigned o = 0;
		int digits = 0;
		while (*s >= '0' && *s <= '9') {
			if (++digits > 3)
				return -1;
			o = o * 10 + (unsigned)(*s++ - '0');
		}
		if (digits == 0 || o > 255 || (i < 3 && *s++ != '.'))
			return -1;
		v = v << 8 | o;
	}
	if (*s != '\0')
		return -1;
	*ret = v;
	return 0;
}

void cc_dns_table_free(struct cc_dns_table *t)
{
	free(t->text);
	free(t->recs);
	memset(t, 0, sizeof(*t));
}

/* the next space-separated field of a line (cut in place), or NULL */
static char *field(char **p)
{
	char *s = *p;
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0')
		return NULL;
	char *e = s;
	while (*e != '\0' && *e != ' ' && *e != '\t')
		e++;
	if (*e != '\0')
		*e++ = '\0';
	*p = e;
	return s;
}

int cc_dns_hosts_parse(const char *data, size_t len, struct cc_dns_table *t)
{
	memset(t, 0, sizeof(*t));
	size_t ml = sizeof(CC_DNS_HOSTS_MAGIC) - 1;
	if (len > CC_DNS_HOSTS_MAX || len < ml || memcmp(data, CC_DNS_HOSTS_MAGIC, ml) != 0 ||
	    (len > ml && data[ml] != '\n')) {
		errno = EINVAL;
		return -1;
	}
	t->text = malloc(len + 1);
	if (t->text == NULL)
		return -1;
	memcpy(t->text, data, len);
	t->text[len] = '\0';
	size_t lines = 1;
	for (size_t i = 0; i < len; i++)
		lines += t->text[i] == '\n';
	if (lines > CC_DNS_MAX_RECORDS)
		lines = CC_DNS_MAX_RECORDS;
	t->recs = calloc(lines, sizeof(*t->recs));
	if (t->recs == NULL) {
		cc_dns_table_free(t);
		errno = ENOMEM;
		return -1;
	}
	char *line = t->text;
	while (line != NULL && t->n < lines) {
		char *nl = memchr(line, '\n', (size_t)(t->text + len - line));
		if (nl)
			*nl = '\0';
		char *next = nl ? nl + 1 : NULL;
		char *p = line, *a = field(&p), *b = field(&p), *name = field(&p);
		uint32_t server, ip;
		line = next;
		if (a == NULL || b == NULL || name == NULL || field(&p) != NULL || parse_ip4(a, &server) < 0 ||
		    parse_ip4(b, &ip) < 0 || server == 0 || !cc_dns_name_valid(name))
			continue;
		size_t s;
		for (s = 0; s < t->n_servers && t->servers[s] != server; s++)
			;
		if (s == t->n_servers) {
			if (t->n_servers == CC_DNS_MAX_SERVERS)
				continue;
			t->servers[t->n_servers++] = server;
		}
		for (char *c = name; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c - 'A' + 'a');
		t->recs[t->n++] = (struct cc_dns_rec){ .server = server, .ip = ip, .name = name };
	}
	return 0;
}

size_t cc_dns_lookup(const struct cc_dns_table *t, uint32_t server, const char *name, uint32_t *ips, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < t->n; i++) {
		const struct cc_dns_rec *r = &t->recs[i];
		if (r->server != server || strcmp(r->name, name) != 0)
			continue;
		size_t j;
		for (j = 0; j < n && ips[j] != r->ip; j++)
			;
		if (j == n && n < max)
			ips[n++] = r->ip;
	}
	return n;
}

const char *cc_dns_reverse(const struct cc_dns_table *t, uint32_t server, uint32_t ip)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->recs[i].server == server && t->recs[i].ip == ip)
			return t->recs[i].name;
	return NULL;
}
