/* Networking, the parts without netlink: configuration, -p parsing, port
 * reservation, /etc/resolv.conf and --add-host.  See net.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/util.h"

#define RESOLV_MAX (64 * 1024)

/* --- configuration --------------------------------------------------------- */

bool cc_net_bridge_name_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 15 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return false;
	/* also what an nftables identifier allows, since chain names carry it */
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		      s[i] == '_' || s[i] == '-'))
			return false;
	return true;
}

int cc_net_parse_subnet(const char *text, uint32_t *ret_net, unsigned *ret_prefix, cc_error **err)
{
	char addr[INET_ADDRSTRLEN];
	const char *slash = strchr(text, '/');
	if (slash == NULL || (size_t)(slash - text) >= sizeof(addr))
		return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid subnet '%s': expected A.B.C.D/PREFIX", text);
	memcpy(addr, text, (size_t)(slash - text));
	addr[slash - text] = '\0';
	struct in_addr a;
	if (inet_pton(AF_INET, addr, &a) != 1)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid subnet '%s': expected A.B.C.D/PREFIX", text);
	char *end = NULL;
	errno = 0;
	unsigned long prefix = strtoul(slash + 1, &end, 10);
	if (errno != 0 || end == slash + 1 || *end != '\0' || slash[1] == '+' || slash[1] == '-' || prefix < 8 ||
	    prefix > 30)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid subnet '%s': the prefix must be 8 to 30", text);
	uint32_t net = ntohl(a.s_addr);
	uint32_t mask = prefix == 0 ? 0 : ~UINT32_C(0) << (32 - prefix);
	if ((net & ~mask) != 0)
		return cc_error_setk(err, CC_ERR_INVALID, 0,
				     "invalid subnet '%s': host bits are set (the network address is needed)", text);
	*ret_net = net;
	*ret_prefix = (unsigned)prefix;
	return 0;
}

static int config_set(struct cc_net_config *c, const char *bridge, const char *subnet, const char *where,
		      cc_error **err)
{
	if (bridge != NULL) {
		if (!cc_net_bridge_name_valid(bridge))
			return cc_error_setk(err, CC_ERR_INVALID, 0,
					     "%s: invalid bridge name '%s' (1 to 15 of [A-Za-z0-9_-], a letter first)",
					     where, bridge);
		snprintf(c->bridge, sizeof(c->bridge), "%s", bridge);
	}
	if (subnet != NULL && cc_net_parse_subnet(subnet, &c->subnet, &c->prefix, err) < 0)
		return cc_error_prefix(err, "%s", where);
	c->gateway = c->subnet + 1;
	return 0;
}

int cc_net_config_load(const char *path, struct cc_net_config *ret, cc_error **err)
{
	struct cc_net_config c = { 0 };
	if (config_set(&c, CC_NET_DEFAULT_BRIDGE, CC_NET_DEFAULT_SUBNET, "defaults", err) < 0)
		return -1;
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	cc_error *e = NULL;
	if (path != NULL && cc_read_file(path, RESOLV_MAX, &text, &len, &e) < 0) {
		if (e->kind != CC_ERR_NOT_FOUND) {
			*err = e;
			return -1;
		}
		cc_error_free(e);
	}
	if (text != NULL) {
		json_error_t je;
		json_t *j = json_loadb(text, len, 0, &je);
		if (j == NULL || !json_is_object(j)) {
			json_decref(j);
			return cc_error_setk(err, CC_ERR_INVALID, 0, "parse '%s': %s", path,
					     j == NULL ? je.text : "not a JSON object");
		}
		json_t *b = json_object_get(j, "bridge"), *s = json_object_get(j, "subnet");
		int r = 0;
		if ((b != NULL && !json_is_string(b)) || (s != NULL && !json_is_string(s)))
			r = cc_error_setk(err, CC_ERR_INVALID, 0, "parse '%s': \"bridge\" and \"subnet\" must be strings",
					  path);
		else
			r = config_set(&c, b ? json_string_value(b) : NULL, s ? json_string_value(s) : NULL, path, err);
		json_decref(j);
		if (r < 0)
			return r;
	}
	const char *eb = secure_getenv("CCONTAINER_NETWORK_BRIDGE");
	const char *es = secure_getenv("CCONTAINER_NETWORK_SUBNET");
	if (config_set(&c, eb && *eb ? eb : NULL, es && *es ? es : NULL, "environment", err) < 0)
		return -1;
	*ret = c;
	return 0;
}

void cc_net_lease_range(const struct cc_net_config *c, uint32_t *ret_first, uint32_t *ret_last)
{
	uint32_t hostmask = ~(~UINT32_C(0) << (32 - c->prefix));
	*ret_first = c->range_first ? c->range_first : c->subnet + 1;
	*ret_last = c->range_last ? c->range_last : (c->subnet | hostmask) - 1;
	/* the gateway is never leased: the lowest addresses come first, so
	 * with the usual gateway at subnet + 1 the range starts after it */
	if (*ret_first == c->gateway && *ret_first < *ret_last)
		(*ret_first)++;
}

int cc_net_parse_mac(const char *text, uint8_t mac[6], cc_error **err)
{
	unsigned v[6];
	char end;
	if (strlen(text) != 17 ||
	    sscanf(text, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &end) != 6)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid MAC address '%s': expected xx:xx:xx:xx:xx:xx", text);
	for (int i = 0; i < 6; i++) {
		if (text[i * 3] == '+' || text[i * 3] == '-' || text[i * 3] == ' ' || text[i * 3 + 1] == ' ')
			return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid MAC address '%s'", text);
		mac[i] = (uint8_t)v[i];
	}
	if (mac[0] & 1)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid MAC address '%s': a multicast address", text);
	return 0;
}

void cc_net_veth_name(uint32_t ip, char out[16])
{
	snprintf(out, 16, "cc%08x", (unsigned)ip);
}

/* --- published ports -------------------------------------------------------- */

/* "N" or "N-M" (1..65535; with allow_zero, "" and "0" mean "pick one"). */
static int parse_port_range(const char *s, bool allow_zero, unsigned *ret_lo, unsigned *ret_hi)
{
	if (*s == '\0') {
		if (!allow_zero)
			return -1;
		*ret_lo = *ret_hi = 0;
		return 0;
	}
	unsigned v[2] = { 0, 0 };
	int n = 0;
	for (const char *p = s;; p++) {
		if (*p >= '0' && *p <= '9') {
			v[n] = v[n] * 10 + (unsigned)(*p - '0');
			if (v[n] > 65535)
				return -1;
		} else if (*p == '-' && n == 0 && p != s) {
			n = 1;
			if (p[1] < '0' || p[1] > '9')
				return -1;
		} else if (*p == '\0') {
			break;
		} else {
			return -1;
		}
	}
	if (n == 0)
		v[1] = v[0];
	if (v[1] < v[0] || (v[0] == 0 && !(allow_zero && v[1] == 0)))
		return -1;
	*ret_lo = v[0];
	*ret_hi = v[1];
	return 0;
}

int cc_net_parse_publish(const char *spec, struct cc_port_map *out, size_t max, size_t *n, cc_error **err)
{
	char buf[128];
	if (strlen(spec) >= sizeof(buf))
		return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid port mapping '%.64s...': too long", spec);
	snprintf(buf, sizeof(buf), "%s", spec);
	if (buf[0] == '[')
		return cc_error_setk(err, CC_ERR_INVALID, 0,
				     "invalid port mapping '%s': IPv6 host addresses are not supported", spec);
	uint8_t proto = IPPROTO_TCP;
	char *slash = strrchr(buf, '/');
	if (slash != NULL) {
		*slash++ = '\0';
		if (strcmp(slash, "udp") == 0)
			proto = IPPROTO_UDP;
		else if (strcmp(slash, "tcp") != 0)
			return cc_error_setk(err, CC_ERR_INVALID, 0,
					     "invalid port mapping '%s': protocol '%s' is not tcp or udp", spec, slash);
	}
	char *parts[3] = { NULL, NULL, NULL };
	int np = 0;
	for (char *p = buf, *c; np < 3; p = c + 1) {
		parts[np++] = p;
		if ((c = strchr(p, ':')) == NULL)
			break;
		*c = '\0';
		if (np == 3)
			return cc_error_setk(err, CC_ERR_INVALID, 0,
					     "invalid port mapping '%s': expected [HOSTIP:][HOSTPORT:]PORT[/PROTO]", spec);
	}
	const char *ip = np == 3 ? parts[0] : NULL;
	const char *hp = np >= 2 ? parts[np - 2] : "";
	const char *cp = parts[np - 1];
	uint32_t host_ip = 0;
	if (ip != NULL && *ip != '\0') {
		struct in_addr a;
		if (inet_pton(AF_INET, ip, &a) != 1)
			return cc_error_setk(err, CC_ERR_INVALID, 0,
					     "invalid port mapping '%s': '%s' is not an IPv4 address", spec, ip);
		host_ip = ntohl(a.s_addr);
	}
	unsigned clo, chi, hlo, hhi;
	if (parse_port_range(cp, false, &clo, &chi) < 0)
		return cc_error_setk(err, CC_ERR_INVALID, 0,
				     "invalid port mapping '%s': '%s' is not a port (1-65535) or range", spec, cp);
	if (parse_port_range(hp, true, &hlo, &hhi) < 0)
		return cc_error_setk(err, CC_ERR_INVALID, 0,
				     "invalid port mapping '%s': '%s' is not a host port (0-65535) or range", spec, hp);
	if (hlo != 0 && hhi - hlo != chi - clo)
		return cc_error_setk(err, CC_ERR_INVALID, 0,
				     "invalid port mapping '%s': the host and container ranges differ in size", spec);
	size_t count = chi - clo + 1;
	if (*n + count > max || count > max)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "too many published ports (limit %zu)", max);
	for (size_t i = 0; i < count; i++)
		out[(*n)++] = (struct cc_port_map){
			.host_ip = host_ip,
			.host_port = (uint16_t)(hlo == 0 ? 0 : hlo + i),
			.container_port = (uint16_t)(clo + i),
			.proto = proto,
		};
	return 0;
}

int cc_net_parse_exposed(const char *key, struct cc_port_map *ret, cc_error **err)
{
	char buf[32];
	if (strlen(key) >= sizeof(buf) || strchr(key, ':') != NULL || strchr(key, '-') != NULL)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid exposed port '%.32s' in the image", key);
	struct cc_port_map one[1];
	size_t n = 0;
	if (cc_net_parse_publish(key, one, 1, &n, err) < 0)
		return cc_error_prefix(err, "exposed port in the image");
	*ret = one[0];
	return 0;
}

/* A port number of --expose (len bytes at s): docker's strconv messages. */
static int expose_number(const char *arg, const char *s, size_t len, unsigned long *ret, cc_error **err)
{
	char buf[16];
	bool digits = len > 0 && len < sizeof(buf);
	for (size_t i = 0; digits && i < len; i++)
		digits = s[i] >= '0' && s[i] <= '9';
	if (!digits)
		return cc_error_setk(err, CC_ERR_INVALID, 0,
				     "invalid range format for --expose: %s, error: strconv.ParseUint: parsing \"%.*s\": invalid syntax",
				     arg, (int)(len < 64 ? len : 64), s);
	memcpy(buf, s, len);
	buf[len] = '\0';
	unsigned long v = strtoul(buf, NULL, 10);
	if (v > 65535)
		return cc_error_setk(err, CC_ERR_INVALID, 0,
				     "invalid range format for --expose: %s, error: strconv.ParseUint: parsing \"%s\": value out of range",
				     arg, buf);
	if (v == 0)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid range format for --expose: %s, error: port 0", arg);
	*ret = v;
	return 0;
}

int cc_net_parse_expose(const char *arg, struct cc_port_map *out, size_t max, size_t *n, cc_error **err)
{
	if (strchr(arg, ':') != NULL)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid port format for --expose: %s", arg);
	const char *slash = strchr(arg, '/');
	size_t pl = slash != NULL ? (size_t)(slash - arg) : strlen(arg);
	const char *proto = slash != NULL && slash[1] != '\0' ? slash + 1 : "tcp";
	uint8_t p;
	if (strcmp(proto, "tcp") == 0)
		p = IPPROTO_TCP;
	else if (strcmp(proto, "udp") == 0)
		p = IPPROTO_UDP;
	else
		return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid --expose '%s': protocol '%s' is not supported (tcp, udp)",
				     arg, proto);
	if (pl == 0)
		return cc_error_setk(err, CC_ERR_INVALID, 0,
				     "invalid range format for --expose: %s, error: Empty string specified for ports.", arg);
	const char *dash = memchr(arg, '-', pl);
	unsigned long start, end;
	int r = expose_number(arg, arg, dash != NULL ? (size_t)(dash - arg) : pl, &start, err);
	if (r < 0)
		return r;
	end = start;
	if (dash != NULL && (r = expose_number(arg, dash + 1, pl - (size_t)(dash + 1 - arg), &end, err)) < 0)
		return r;
	if (end < start)
		return cc_error_setk(err, CC_ERR_INVALID, 0,
				     "invalid range format for --expose: %s, error: Invalid range specified for the Port: %.*s",
				     arg, (int)pl, arg);
	for (unsigned long port = start; port <= end; port++) {
		bool dup = false;
		for (size_t i = 0; i < *n && !dup; i++)
			dup = out[i].container_port == port && out[i].proto == p;
		if (dup)
			continue;
		if (*n >= max)
			return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid --expose '%s': too many exposed ports (limit %zu)",
					     arg, max);
		out[(*n)++] = (struct cc_port_map){ .container_port = (uint16_t)port, .proto = p };
	}
	return 0;
}

void cc_net_format_container_port(const struct cc_port_map *m, char *out, size_t len)
{
	snprintf(out, len, "%u/%s", (unsigned)m->container_port, m->proto == IPPROTO_UDP ? "udp" : "tcp");
}

void cc_net_format_host_port(const struct cc_port_map *m, char *out, size_t len)
{
	struct in_addr a = { .s_addr = htonl(m->host_ip) };
	char ip[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &a, ip, sizeof(ip));
	snprintf(out, len, "%s:%u", ip, (unsigned)m->host_port);
}

int cc_net_reserve_ports(struct cc_port_map *maps, size_t n, int *ret_fds, cc_error **err)
{
	for (size_t i = 0; i < n; i++)
		ret_fds[i] = -1;
	for (size_t i = 0; i < n; i++) {
		struct cc_port_map *m = &maps[i];
		bool tcp = m->proto != IPPROTO_UDP;
		char what[64];
		cc_net_format_host_port(m, what, sizeof(what));
		if (m->host_port == 0)
			what[strlen(what) - 2] = '\0'; /* drop ":0" */
		int fd = socket(AF_INET, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
		int r = 0;
		if (fd < 0) {
			r = cc_error_set(err, errno, "publish %s/%s: socket", what, tcp ? "tcp" : "udp");
		} else {
			ret_fds[i] = fd;
			struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(m->host_port),
						  .sin_addr.s_addr = htonl(m->host_ip) };
			socklen_t sl = sizeof(sa);
			/* Bound, not listening, without SO_REUSEADDR: every other
			 * bind of the port fails (SO_REUSEADDR or not), while a
			 * connection that arrives before the DNAT rule exists is
			 * refused at once, and the client's next attempt (a new
			 * conntrack entry) is translated.  A listener would
			 * complete that early handshake and leave the client
			 * hanging; conntrack pins the connection to it. */
			if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
				if (errno == EADDRINUSE)
					r = cc_error_setk(err, CC_ERR_IN_USE, 0,
							  "driver failed programming external connectivity: Bind for %s/%s failed: port is already allocated",
							  what, tcp ? "tcp" : "udp");
				else
					r = cc_error_set(err, errno, "publish %s/%s: bind", what, tcp ? "tcp" : "udp");
			} else if (getsockname(fd, (struct sockaddr *)&sa, &sl) < 0) {
				r = cc_error_set(err, errno, "publish %s/%s: getsockname", what, tcp ? "tcp" : "udp");
			} else {
				m->host_port = ntohs(sa.sin_port);
			}
		}
		if (r < 0) {
			for (size_t j = 0; j <= i; j++)
				cc_closep(&ret_fds[j]);
			return r;
		}
	}
	return 0;
}

/* --- /etc/resolv.conf --------------------------------------------------------- */

static bool is_loopback(const char *ip)
{
	struct in_addr a4;
	struct in6_addr a6;
	if (inet_pton(AF_INET, ip, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, ip, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return false;
}

/* The address of a "nameserver X" line (into ns), or false for other lines. */
static bool nameserver_of(const char *line, size_t len, char *ns, size_t nslen)
{
	if (len < 11 || strncmp(line, "nameserver", 10) != 0 || (line[10] != ' ' && line[10] != '\t'))
		return false;
	size_t i = 10;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	size_t j = i;
	while (j < len && line[j] != ' ' && line[j] != '\t' && line[j] != '#' && line[j] != ';')
		j++;
	snprintf(ns, nslen, "%.*s", (int)(j - i), line + i);
	return true;
}

/* Count nameservers in text: total and loopback ones. */
static void count_nameservers(const char *text, int *ret_total, int *ret_loop)
{
	int total = 0, loop = 0;
	for (const char *l = text; l && *l;) {
		const char *e = strchr(l, '\n');
		size_t len = e ? (size_t)(e - l) : strlen(l);
		char ns[INET6_ADDRSTRLEN + 16];
		if (nameserver_of(l, len, ns, sizeof(ns))) {
			total++;
			loop += is_loopback(ns);
		}
		l = e ? e + 1 : NULL;
	}
	*ret_total = total;
	*ret_loop = loop;
}

/* Is line (len bytes) a "KEYWORD ..." line (the word alone, or followed
 * by a blank)? */
static bool line_is(const char *line, size_t len, const char *kw)
{
	size_t kl = strlen(kw);
	return len >= kl && strncmp(line, kw, kl) == 0 && (len == kl || line[kl] == ' ' || line[kl] == '\t');
}

bool cc_net_dns_search_valid(const char *d)
{
	if (d == NULL)
		return false;
	if (strcmp(d, ".") == 0)
		return true;
	size_t n = strlen(d);
	if (n > 0 && d[n - 1] == '.')
		n--; /* one trailing dot: the root */
	if (n == 0 || n >= 255)
		return false;
	bool letter = false;
	for (size_t i = 0, label = 0; i <= n; i++) {
		char c = i < n ? d[i] : '.';
		if (c == '.') {
			/* a label: not empty, no '-' at either end */
			if (label == 0 || d[i - 1] == '-' || d[i - label] == '-')
				return false;
			label = 0;
			continue;
		}
		bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
		if (!alpha && !(c >= '0' && c <= '9') && c != '-')
			return false;
		letter |= alpha;
		label++;
	}
	return letter;
}

bool cc_net_dns_option_valid(const char *o)
{
	size_t n = o != NULL ? strlen(o) : 0;
	if (n == 0 || n > 255)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)o[i] <= ' ' || (unsigned char)o[i] >= 0x7f)
			return false;
	return true;
}

char *cc_net_resolv_conf(const char *host, const char *upstream, bool keep_loopback, const struct cc_resolv_opts *o)
{
	const struct cc_resolv_opts none = { 0 };
	if (o == NULL)
		o = &none;
	size_t n_dns = o->n_dns;
	const char *src = host ? host : "";
	int total, loop;
	count_nameservers(src, &total, &loop);
	/* systemd-resolved's stub (127.0.0.53) cannot be reached from the
	 * container's namespace; its upstream servers can (buildah#5033). */
	if (!keep_loopback && n_dns == 0 && total > 0 && loop == total && upstream != NULL)
		src = upstream;
	size_t cap = strlen(src) + 256 + n_dns * (INET6_ADDRSTRLEN + 16);
	for (size_t i = 0; i < o->n_search; i++)
		cap += strlen(o->search[i]) + 1;
	for (size_t i = 0; i < o->n_options; i++)
		cap += strlen(o->options[i]) + 1;
	char *out = malloc(cap);
	if (out == NULL)
		return NULL;
	size_t w = 0;
	int kept = 0;
	for (const char *l = src; *l;) {
		const char *e = strchr(l, '\n');
		size_t len = e ? (size_t)(e - l) : strlen(l);
		char ns[INET6_ADDRSTRLEN + 16];
		bool is_ns = nameserver_of(l, len, ns, sizeof(ns));
		bool keep = !is_ns || (n_dns == 0 && (keep_loopback || !is_loopback(ns)));
		/* the resolver takes the last of search and domain: both go */
		if (o->n_search > 0 && (line_is(l, len, "search") || line_is(l, len, "domain")))
			keep = false;
		if (o->n_options > 0 && line_is(l, len, "options"))
			keep = false;
		if (keep) {
			memcpy(out + w, l, len);
			w += len;
			out[w++] = '\n';
			kept += is_ns;
		}
		l = e ? e + 1 : l + len;
	}
	for (size_t i = 0; i < n_dns; i++)
		w += (size_t)snprintf(out + w, cap - w, "nameserver %s\n", o->dns[i]);
	if (n_dns == 0 && kept == 0)
		w += (size_t)snprintf(out + w, cap - w,
				      "# ccontainer: the host has no nameserver the container can reach; use --dns\n");
	/* docker: "." is the empty domain, written as no search line */
	size_t n_words = 0;
	for (size_t i = 0; i < o->n_search; i++)
		if (strcmp(o->search[i], ".") != 0)
			w += (size_t)snprintf(out + w, cap - w, "%s%s", n_words++ == 0 ? "search " : " ", o->search[i]);
	if (n_words > 0)
		out[w++] = '\n';
	for (size_t i = 0; i < o->n_options; i++)
		w += (size_t)snprintf(out + w, cap - w, "%s%s", i == 0 ? "options " : " ", o->options[i]);
	if (o->n_options > 0)
		out[w++] = '\n';
	out[w] = '\0';
	return out;
}

char *cc_net_container_resolv(bool keep_loopback, const struct cc_resolv_opts *o)
{
	_cleanup_free_ char *host = NULL, *upstream = NULL;
	size_t len;
	cc_error *e = NULL;
	if (cc_read_file("/etc/resolv.conf", RESOLV_MAX, &host, &len, &e) < 0)
		cc_error_clear(&e); /* no resolv.conf on the host: none in the container either */
	if (!keep_loopback && (o == NULL || o->n_dns == 0)) {
		int total, loop;
		count_nameservers(host, &total, &loop);
		if (total > 0 && loop == total &&
		    cc_read_file("/run/systemd/resolve/resolv.conf", RESOLV_MAX, &upstream, &len, &e) < 0)
			cc_error_clear(&e);
	}
	return cc_net_resolv_conf(host, upstream, keep_loopback, o);
}

int cc_net_parse_add_host(const char *spec, const char *gateway, char *out, size_t len, cc_error **err)
{
	/* docker: "name:ip" (the first ':' splits, IPv6 keeps its colons) or "name=ip" */
	const char *sep = strpbrk(spec, ":=");
	if (sep == NULL || sep == spec || sep[1] == '\0' || sep - spec > 253)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid --add-host '%s': expected HOST:IP", spec);
	for (const char *p = spec; p < sep; p++)
		if (*p <= ' ' || *p == '#' || *p == 0x7f)
			return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid --add-host '%s': bad host name", spec);
	const char *ip = sep + 1;
	if (strcmp(ip, "host-gateway") == 0) {
		if (gateway == NULL)
			return cc_error_setk(err, CC_ERR_INVALID, 0,
					     "--add-host '%s': host-gateway needs the bridge network", spec);
		ip = gateway;
	} else {
		struct in6_addr a6;
		struct in_addr a4;
		if (inet_pton(AF_INET, ip, &a4) != 1 && inet_pton(AF_INET6, ip, &a6) != 1)
			return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid --add-host '%s': '%s' is not an IP address",
					     spec, ip);
	}
	if ((size_t)snprintf(out, len, "%s\t%.*s\n", ip, (int)(sep - spec), spec) >= len)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid --add-host '%s': too long", spec);
	return 0;
}
