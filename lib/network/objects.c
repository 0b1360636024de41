/* Network objects: the built-in bridge, host and none, and user-defined
 * bridge networks (store rows): create, find, list, remove, inspect.  See
 * network.h. */
#include "network/network.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/json.h"
#include "util/util.h"

#define POOL_BASE 0x0a590000u /* 10.89.0.0: /24s from here, as podman's pool */
#define ROUTES_MAX (256 * 1024)

static void ip_text(uint32_t ip, char out[INET_ADDRSTRLEN])
{
	struct in_addr a = { .s_addr = htonl(ip) };
	inet_ntop(AF_INET, &a, out, INET_ADDRSTRLEN);
}

static int parse_ip(const char *text, uint32_t *ret)
{
	struct in_addr a;
	if (text == NULL || inet_pton(AF_INET, text, &a) != 1)
		return -1;
	*ret = ntohl(a.s_addr);
	return 0;
}

bool cc_network_builtin(const char *name)
{
	return strcmp(name, "bridge") == 0 || strcmp(name, "host") == 0 || strcmp(name, "none") == 0;
}

/* A built-in network's ID: stable for a store, as docker's are for a
 * daemon's lifetime. */
static void builtin_id(struct cc_store *s, const char *name, char out[65])
{
	char owner[CC_NET_OWNER_LEN + 1], d[72];
	_cleanup_free_ char *key = NULL;
	cc_network_owner_tag(s, owner);
	if (asprintf(&key, "ccontainer-network/%s/%s", owner, name) < 0) {
		snprintf(out, 65, "%064d", 0);
		return;
	}
	cc_sha256_digest(key, strlen(key), d);
	snprintf(out, 65, "%s", d + 7);
}

static struct cc_network_record *builtin(struct cc_store *s, const char *name, cc_error **err)
{
	struct cc_network_record *r = calloc(1, sizeof(*r));
	char id[65];
	builtin_id(s, name, id);
	if (r == NULL || (r->name = strdup(name)) == NULL || (r->id = strdup(id)) == NULL)
		goto nomem;
	if (strcmp(name, "bridge") == 0) {
		struct cc_net_config c;
		char sub[INET_ADDRSTRLEN + 4], gw[INET_ADDRSTRLEN];
		if (cc_net_config_load(CC_NET_CONFIG_PATH, &c, err) < 0) {
			cc_network_record_free(r);
			return NULL;
		}
		ip_text(c.subnet, sub);
		snprintf(sub + strlen(sub), sizeof(sub) - strlen(sub), "/%u", c.prefix);
		ip_text(c.gateway, gw);
		if ((r->bridge = strdup(c.bridge)) == NULL || (r->subnet = strdup(sub)) == NULL ||
		    (r->gateway = strdup(gw)) == NULL)
			goto nomem;
	} else if ((r->bridge = strdup("")) == NULL || (r->subnet = strdup("")) == NULL ||
		   (r->gateway = strdup("")) == NULL) {
		goto nomem;
	}
	return r;
nomem:
	cc_network_record_free(r);
	cc_error_set(err, ENOMEM, "network %s", name);
	return NULL;
}

int cc_network_get(struct cc_store *s, const char *ref, struct cc_network_record **ret, cc_error **err)
{
	static const char *const names[] = { "bridge", "host", "none" };
	for (size_t i = 0; i < 3; i++) {
		char id[65];
		builtin_id(s, names[i], id);
		size_t rl = strlen(ref);
		if (strcmp(ref, names[i]) == 0 || (rl >= 1 && rl <= 64 && strncmp(id, ref, rl) == 0 && cc_is_hex(ref, rl))) {
			/* a user network by that name or ID prefix wins over a
			 * prefix of ours only when it is exact */
			if (strcmp(ref, names[i]) != 0) {
				struct cc_network_record *u = NULL;
				cc_error *e = NULL;
				if (cc_store_network_get(s, ref, &u, &e) == 0) {
					*ret = u;
					return 0;
				}
				cc_error_free(e);
			}
			return (*ret = builtin(s, names[i], err)) == NULL ? -1 : 0;
		}
	}
	return cc_store_network_get(s, ref, ret, err);
}

int cc_network_list(struct cc_store *s, struct cc_network_record ***ret, size_t *ret_n, cc_error **err)
{
	struct cc_network_record **rows = NULL;
	size_t n = 0;
	if (cc_store_network_list(s, &rows, &n, err) < 0)
		return -1;
	struct cc_network_record **v = calloc(n + 3, sizeof(*v));
	if (v == NULL) {
		cc_network_record_list_free(rows, n);
		return cc_error_set(err, ENOMEM, "list networks");
	}
	static const char *const names[] = { "bridge", "host", "none" };
	for (size_t i = 0; i < 3; i++)
		if ((v[i] = builtin(s, names[i], err)) == NULL) {
			cc_network_record_list_free(v, i);
			cc_network_record_list_free(rows, n);
			return -1;
		}
	if (n > 0)
		memcpy(v + 3, rows, n * sizeof(*v));
	free(rows);
	*ret = v;
	*ret_n = n + 3;
	return 0;
}

int cc_network_config(const struct cc_network_record *r, struct cc_net_config *c, cc_error **err)
{
	memset(c, 0, sizeof(*c));
	if (strcmp(r->name, "bridge") == 0 && r->bridge[0] != '\0' && !r->internal && r->ip_range == NULL)
		return cc_net_config_load(CC_NET_CONFIG_PATH, c, err);
	if (r->bridge[0] == '\0')
		return cc_error_setk(err, CC_ERR_INVALID, 0, "network %s has no bridge", r->name);
	if (!cc_net_bridge_name_valid(r->bridge) || strlen(r->bridge) >= sizeof(c->bridge))
		return cc_error_setk(err, CC_ERR_INVALID, 0, "network %s: invalid bridge name '%s'", r->name, r->bridge);
	snprintf(c->bridge, sizeof(c->bridge), "%s", r->bridge);
	if (cc_net_parse_subnet(r->subnet, &c->subnet, &c->prefix, err) < 0)
		return cc_error_prefix(err, "network %s", r->name);
	if (parse_ip(r->gateway, &c->gateway) < 0)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "network %s: invalid gateway '%s'", r->name, r->gateway);
	if (r->ip_range != NULL) {
		uint32_t net;
		unsigned prefix;
		if (cc_net_parse_subnet(r->ip_range, &net, &prefix, err) < 0)
			return cc_error_prefix(err, "network %s: ip range", r->name);
		c->range_first = net == c->subnet ? net + 1 : net;
		c->range_last = (net | ~(~UINT32_C(0) << (32 - prefix))) - (prefix < 31 ? 1 : 0);
	}
	c->internal = r->internal;
	return 0;
}

/* ---- create ---- */

static bool overlaps(uint32_t a, unsigned ap, uint32_t b, unsigned bp)
{
	unsigned p = ap < bp ? ap : bp;
	uint32_t mask = p == 0 ? 0 : ~UINT32_C(0) << (32 - p);
	return (a & mask) == (b & mask);
}

/* The host's routes (/proc/net/route): a subnet that overlaps one of them
 * (other than our own bridges') would shadow the host's own networks. */
static bool overlaps_host_route(uint32_t net, unsigned prefix, char *const *ours)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	cc_error *e = NULL;
	if (cc_read_file("/proc/net/route", ROUTES_MAX, &text, &len, &e) < 0) {
		cc_error_free(e);
		return false;
	}
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char ifname[32];
		unsigned dst, gw, flags, mask;
		if (sscanf(line, "%31s %x %x %x %*d %*d %*d %x", ifname, &dst, &gw, &flags, &mask) != 5)
			continue;
		if (mask == 0) /* the default route overlaps everything */
			continue;
		bool mine = false;
		for (char *const *o = ours; o && *o && !mine; o++)
			mine = strcmp(*o, ifname) == 0;
		if (mine)
			continue;
		uint32_t d = ntohl(dst), m = ntohl(mask);
		unsigned p = (unsigned)__builtin_popcount(m);
		if (overlaps(net, prefix, d, p))
			return true;
	}
	return false;
}

struct taken {
	uint32_t net[512];
	unsigned prefix[512];
	char *bridges[514];
	size_t n;
};

static bool taken_overlaps(const struct taken *t, uint32_t net, unsigned prefix)
{
	for (size_t i = 0; i < t->n; i++)
		if (overlaps(net, prefix, t->net[i], t->prefix[i]))
			return true;
	return false;
}

static int random_id(char out[65], cc_error **err)
{
	return cc_random_hex(out, 32, err);
}

int cc_network_create(struct cc_store *s, const struct cc_network_create *o, struct cc_network_record **ret,
		      cc_error **err)
{
	if (cc_rootless())
		return cc_error_setk(err, CC_ERR_INVALID, 0,
				     "rootless: user-defined networks are not supported yet (a rootless container has pasta, "
				     "none or host)");
	if (!cc_network_name_valid(o->name))
		return cc_error_setk(err, CC_ERR_INVALID, 0,
				     "invalid network name \"%.64s\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", o->name);
	if (cc_network_builtin(o->name))
		return cc_error_setk(err, CC_ERR_INVALID, 0, "%s is a pre-defined network and cannot be created", o->name);
	if ((o->gateway != NULL || o->ip_range != NULL) && o->subnet == NULL)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "%s requires --subnet",
				     o->gateway != NULL ? "--gateway" : "--ip-range");

	struct cc_network_record **rows = NULL;
	size_t nrows = 0;
	if (cc_network_list(s, &rows, &nrows, err) < 0)
		return -1;
	struct taken *t = calloc(1, sizeof(*t));
	int r = -1;
	if (t == NULL) {
		cc_error_set(err, ENOMEM, "create network");
		goto out;
	}
	for (size_t i = 0; i < nrows; i++) {
		if (strcmp(rows[i]->name, o->name) == 0) {
			cc_error_setk(err, CC_ERR_IN_USE, 0, "network with name %s already exists", o->name);
			goto out;
		}
		if (rows[i]->subnet[0] != '\0' && t->n < 512 &&
		    cc_net_parse_subnet(rows[i]->subnet, &t->net[t->n], &t->prefix[t->n], NULL) == 0)
			t->bridges[t->n++] = rows[i]->bridge;
	}

	struct cc_network_record rec = { .name = (char *)o->name, .internal = o->internal,
					 .created = (int64_t)time(NULL), .labels_json = (char *)o->labels_json,
					 .options_json = (char *)o->options_json };
	char id[65], bridge[16], sub[INET_ADDRSTRLEN + 4], gw[INET_ADDRSTRLEN];
	if (random_id(id, err) < 0)
		goto out;
	rec.id = id;
	if (o->bridge != NULL) {
		if (!cc_net_bridge_name_valid(o->bridge)) {
			cc_error_setk(err, CC_ERR_INVALID, 0,
				      "invalid bridge name '%s' (1 to 15 of [A-Za-z0-9_-], a letter first)", o->bridge);
			goto out;
		}
		for (size_t i = 0; i < nrows; i++)
			if (strcmp(rows[i]->bridge, o->bridge) == 0) {
				cc_error_setk(err, CC_ERR_IN_USE, 0, "bridge name %s is used by network %s", o->bridge,
					      rows[i]->name);
				goto out;
			}
		snprintf(bridge, sizeof(bridge), "%s", o->bridge);
	} else {
		snprintf(bridge, sizeof(bridge), "br-%.12s", id);
	}
	rec.bridge = bridge;
	/* an interface of that name that is not ours */
	int exists = cc_net_link_exists(bridge, err);
	if (exists < 0)
		goto out;
	if (exists > 0) {
		cc_error_setk(err, CC_ERR_IN_USE, 0, "an interface named %s already exists on the host", bridge);
		goto out;
	}

	uint32_t net = 0, gwip = 0;
	unsigned prefix = 24;
	if (o->subnet != NULL) {
		if (cc_net_parse_subnet(o->subnet, &net, &prefix, err) < 0)
			goto out;
		if (taken_overlaps(t, net, prefix)) {
			cc_error_setk(err, CC_ERR_IN_USE, 0, "invalid pool request: Pool overlaps with other one on this address space");
			goto out;
		}
	} else {
		bool found = false;
		for (uint32_t i = 0; i < 256 && !found; i++) {
			net = POOL_BASE + (i << 8);
			found = !taken_overlaps(t, net, 24) && !overlaps_host_route(net, 24, t->bridges);
		}
		if (!found) {
			cc_error_setk(err, CC_ERR_IN_USE, 0,
				      "could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network");
			goto out;
		}
	}
	uint32_t hostmask = ~(~UINT32_C(0) << (32 - prefix));
	if (o->gateway != NULL) {
		if (parse_ip(o->gateway, &gwip) < 0 || (gwip & ~hostmask) != net || gwip == net || gwip == (net | hostmask)) {
			cc_error_setk(err, CC_ERR_INVALID, 0, "invalid gateway %s: not a host address of subnet %s", o->gateway,
				      o->subnet);
			goto out;
		}
	} else {
		gwip = net + 1;
	}
	if (o->ip_range != NULL) {
		uint32_t rn;
		unsigned rp;
		if (cc_net_parse_subnet(o->ip_range, &rn, &rp, err) < 0) {
			cc_error_prefix(err, "--ip-range");
			goto out;
		}
		if (rp < prefix || (rn & ~hostmask) != net) {
			cc_error_setk(err, CC_ERR_INVALID, 0, "invalid --ip-range %s: not inside subnet %s", o->ip_range,
				      o->subnet);
			goto out;
		}
	}
	ip_text(net, sub);
	snprintf(sub + strlen(sub), sizeof(sub) - strlen(sub), "/%u", prefix);
	ip_text(gwip, gw);
	rec.subnet = sub;
	rec.gateway = gw;
	rec.ip_range = (char *)o->ip_range;
	struct cc_net_config cfg;
	if (cc_network_config(&rec, &cfg, err) < 0 || cc_store_network_add(s, &rec, err) < 0)
		goto out;
	r = ret != NULL ? cc_store_network_get(s, id, ret, err) : 0;
out:
	free(t);
	cc_network_record_list_free(rows, nrows);
	return r;
}

/* ---- remove ---- */

int cc_network_remove(struct cc_store *s, const char *ref, bool force, cc_error **err)
{
	struct cc_network_record *r = NULL;
	if (cc_network_get(s, ref, &r, err) < 0)
		return -1;
	int rc = -1;
	char **users = NULL;
	if (cc_network_builtin(r->name)) {
		cc_error_setk(err, CC_ERR_INVALID, 0, "%s is a pre-defined network and cannot be removed", r->name);
		goto out;
	}
	(void)force;
	if (cc_store_network_delete_unused(s, r->name, &users, err) < 0)
		goto out;
	if (users[0] != NULL) {
		cc_error_setk(err, CC_ERR_IN_USE, 0, "error while removing network: network %s id %s has active endpoints",
			      r->name, r->id);
		goto out;
	}
	/* the row is gone: its bridge and rules next (a failure here leaves
	 * an unused bridge, which network create of the same name refuses
	 * until it is gone; say so) */
	struct cc_net_config cfg;
	if (cc_network_config(r, &cfg, err) < 0 || cc_net_bridge_remove(&cfg, err) < 0)
		goto out;
	rc = 0;
out:
	cc_strvfreep(&users);
	cc_network_record_free(r);
	return rc;
}

/* ---- inspect ---- */

static char *rfc3339(int64_t t)
{
	char buf[40];
	time_t tt = (time_t)t;
	struct tm tm;
	if (gmtime_r(&tt, &tm) == NULL || strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S.000000000Z", &tm) == 0)
		snprintf(buf, sizeof(buf), "%lld", (long long)t);
	return strdup(buf);
}

json_t *cc_network_inspect(struct cc_store *s, const struct cc_network_record *r)
{
	bool bridged = r->bridge[0] != '\0';
	_cleanup_free_ char *created = rfc3339(r->created);
	json_t *ipam_cfg = json_array();
	if (bridged) {
		json_t *c = json_pack("{s:s, s:s}", "Subnet", r->subnet, "Gateway", r->gateway);
		if (c != NULL && r->ip_range != NULL)
			json_object_set_new(c, "IPRange", json_string(r->ip_range));
		json_array_append_new(ipam_cfg, c);
	}
	json_t *containers = json_object();
	struct cc_lease *l = NULL;
	size_t nl = 0;
	cc_error *e = NULL;
	if (bridged && cc_store_lease_list(s, r->bridge, &l, &nl, &e) == 0) {
		struct cc_net_config cfg;
		unsigned prefix = 0;
		if (cc_network_config(r, &cfg, NULL) == 0)
			prefix = cfg.prefix;
		for (size_t i = 0; i < nl; i++) {
			struct cc_container_record *c = NULL;
			if (cc_store_container_get(s, l[i].container_id, &c, NULL) < 0)
				continue; /* a build's RUN step */
			char ip[INET_ADDRSTRLEN + 4], mac[18], ep[72];
			ip_text(l[i].ip, ip);
			snprintf(ip + strlen(ip), sizeof(ip) - strlen(ip), "/%u", prefix);
			cc_network_mac_text(c, r->name, l[i].ip, mac);
			_cleanup_free_ char *key = NULL;
			if (asprintf(&key, "%s/%s", c->id, r->id) >= 0)
				cc_sha256_digest(key, strlen(key), ep);
			else
				snprintf(ep, sizeof(ep), "sha256:");
			json_object_set_new(containers, c->id,
					    json_pack("{s:s, s:s, s:s, s:s, s:s}", "Name", c->name, "EndpointID", ep + 7,
						      "MacAddress", mac, "IPv4Address", ip, "IPv6Address", ""));
			cc_container_record_free(c);
		}
		cc_lease_list_free(l, nl);
	}
	cc_error_free(e);
	const char *driver = strcmp(r->name, "host") == 0 ? "host" : strcmp(r->name, "none") == 0 ? "null" : "bridge";
	json_t *opts = cc_json_object_or_empty(r->options_json);
	if (strcmp(r->name, "bridge") == 0)
		json_object_set_new(opts, "com.docker.network.bridge.name", json_string(r->bridge));
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:{s:s, s:n, s:o}, s:b, s:b, s:b, s:{s:s}, s:b, s:o, s:o, s:o}",
			 "Name", r->name, "Id", r->id, "Created", created ? created : "", "Scope", "local", "Driver",
			 driver, "EnableIPv6", 0, "IPAM", "Driver", "default", "Options", "Config", ipam_cfg, "Internal",
			 r->internal, "Attachable", 0, "Ingress", 0, "ConfigFrom", "Network", "", "ConfigOnly", 0,
			 "Containers", containers, "Options", opts, "Labels", cc_json_object_or_empty(r->labels_json));
}
