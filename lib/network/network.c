/* A container's bridge networking: options, leases, sweeping.  See network.h. */
#include "network/network.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/util.h"

#define HOSTS_MAX (64 * 1024)

/* The store's tag in nftables chain names: the first hex digits of the
 * sha256 of its real path.  Another store on the same host (--root) gets
 * another tag, so neither ever sweeps the other's chains. */
static void owner_tag(struct cc_store *s, char out[CC_NET_OWNER_LEN + 1])
{
	char real[PATH_MAX], d[72];
	const char *root = cc_store_root(s);
	if (realpath(root, real) != NULL)
		root = real;
	cc_sha256_digest(root, strlen(root), d);
	snprintf(out, CC_NET_OWNER_LEN + 1, "%.*s", CC_NET_OWNER_LEN, d + 7);
}


/* Is pid still the process that started at start (not a recycled pid)
 * and not a zombie?  A container killed with its ccontainer stays a zombie
 * until init reaps it, which may take a moment. */
static bool pid_running(int pid, uint64_t start)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	const char *p = strrchr(buf, ')'); /* the name may hold spaces and parens */
	if (p == NULL || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X')
		return false;
	return cc_pid_start_time(pid) == start;
}

/* A container holds network resources from its lease (in on_created, with
 * the lock held) until cc_container_finish released them.  Alive: its
 * owner holds the lock, or it still runs (a detached container whose
 * monitor died; `ps` and `rm` finish those, and release them then). */
#define BUILD_LEASE_PREFIX "build-"

static bool container_alive(const char *id, void *data)
{
	struct cc_store *s = data;
	int bpid;
	unsigned long long bstart;
	if (sscanf(id, BUILD_LEASE_PREFIX "%d-%llu-", &bpid, &bstart) == 2)
		return pid_running(bpid, (uint64_t)bstart); /* a build's RUN step */
	struct cc_container_record *c = NULL;
	cc_error *e = NULL;
	if (cc_store_container_get(s, id, &c, &e) < 0) {
		bool gone = e != NULL && e->kind == CC_ERR_NOT_FOUND;
		cc_error_free(e);
		return !gone; /* a database error: never remove what we cannot check */
	}
	bool running = c->state != NULL && (strcmp(c->state, "running") == 0 || strcmp(c->state, "paused") == 0);
	bool live = cc_store_container_locked(s, c->id) ||
		    (running && c->pid > 0 && c->pid_start != 0 && pid_running(c->pid, c->pid_start));
	cc_container_record_free(c);
	return live;
}

static int gc_with(struct cc_store *s, const struct cc_net_config *cfg, const char *owner, cc_error **err)
{
	/* Rules before leases: an address must never be free while a DNAT
	 * rule still points at it. */
	if (cc_net_sweep(owner, container_alive, s, err) < 0)
		return -1;
	struct cc_lease *l = NULL;
	size_t n = 0;
	if (cc_store_lease_list(s, cfg->bridge, &l, &n, err) < 0)
		return -1;
	int r = 0;
	for (size_t i = 0; i < n && r == 0; i++)
		if (!container_alive(l[i].container_id, s))
			r = cc_store_lease_release(s, l[i].container_id, err);
	cc_lease_list_free(l, n);
	return r;
}

int cc_network_gc(struct cc_store *s, cc_error **err)
{
	struct cc_net_config cfg;
	char owner[CC_NET_OWNER_LEN + 1];
	if (cc_net_config_load(CC_NET_CONFIG_PATH, &cfg, err) < 0)
		return -1;
	owner_tag(s, owner);
	return gc_with(s, &cfg, owner, err);
}

static size_t strv_len(char *const *v)
{
	size_t n = 0;
	while (v != NULL && v[n] != NULL)
		n++;
	return n;
}

int cc_network_prepare(struct cc_network *n, struct cc_store *s, const struct cc_network_opts *o, enum cc_net_mode mode,
		       char *const *exposed, const char *existing_config, cc_error **err)
{
	size_t n_dns = strv_len(o->dns), n_hosts = strv_len(o->add_host), n_publish = strv_len(o->publish);
	n->mode = mode;
	n->n_ports = 0;
	n->extra_hosts = NULL;
	for (size_t i = 0; i < CC_NET_MAX_PORTS; i++)
		n->fds[i] = -1;
	if (n_dns > CC_NET_MAX_DNS)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "too many --dns options (limit %d)", CC_NET_MAX_DNS);
	for (size_t i = 0; i < n_dns; i++) {
		struct in_addr a4;
		struct in6_addr a6;
		if (inet_pton(AF_INET, o->dns[i], &a4) != 1 && inet_pton(AF_INET6, o->dns[i], &a6) != 1)
			return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid --dns '%s': not an IP address", o->dns[i]);
	}
	char gw[INET_ADDRSTRLEN] = "";
	if (mode == CC_NET_BRIDGE) {
		if (cc_net_config_load(CC_NET_CONFIG_PATH, &n->cfg, err) < 0)
			return -1;
		owner_tag(s, n->owner);
		struct in_addr a = { .s_addr = htonl(n->cfg.gateway) };
		inet_ntop(AF_INET, &a, gw, sizeof(gw));
	} else if (n_publish > 0 || o->publish_all) {
		return cc_error_setk(err, CC_ERR_INVALID, 0,
				     "publishing ports (-p, -P) needs the bridge network (--network bridge)");
	}

	size_t hl = 0, hcap = n_hosts * 320 + 1;
	n->extra_hosts = calloc(1, hcap);
	if (n->extra_hosts == NULL)
		return cc_error_set(err, ENOMEM, "the container's /etc/hosts");
	for (size_t i = 0; i < n_hosts; i++) {
		if (cc_net_parse_add_host(o->add_host[i], gw[0] ? gw : NULL, n->extra_hosts + hl, hcap - hl, err) < 0)
			return -1;
		hl += strlen(n->extra_hosts + hl);
	}

	if (existing_config != NULL) {
		/* a stopped container started again: the same host ports, also
		 * the ones -P picked the first time */
		cc_network_ports_from_json(existing_config, n->ports, CC_NET_MAX_PORTS, &n->n_ports);
		exposed = NULL;
	}
	for (size_t i = 0; existing_config == NULL && i < n_publish; i++)
		if (cc_net_parse_publish(o->publish[i], n->ports, CC_NET_MAX_PORTS, &n->n_ports, err) < 0)
			return -1;
	for (char *const *x = o->publish_all ? exposed : NULL; x && *x; x++) {
		struct cc_port_map m;
		if (cc_net_parse_exposed(*x, &m, err) < 0)
			return -1;
		bool dup = false; /* -p for the same port wins, as in docker */
		for (size_t i = 0; i < n->n_ports && !dup; i++)
			dup = n->ports[i].container_port == m.container_port && n->ports[i].proto == m.proto;
		if (dup)
			continue;
		if (n->n_ports >= CC_NET_MAX_PORTS)
			return cc_error_setk(err, CC_ERR_INVALID, 0, "too many published ports (limit %d)", CC_NET_MAX_PORTS);
		n->ports[n->n_ports++] = m;
	}
	/* Before the container exists: a port in use is an error with
	 * nothing to clean up. */
	if (n->n_ports > 0 && cc_net_reserve_ports(n->ports, n->n_ports, n->fds, err) < 0)
		return -1;
	return 0;
}

void cc_network_config_json(const struct cc_network *n, json_t *cfg)
{
	if (cfg == NULL || n->n_ports == 0)
		return;
	json_t *ports = json_array();
	for (size_t i = 0; ports && i < n->n_ports; i++) {
		const struct cc_port_map *m = &n->ports[i];
		struct in_addr a = { .s_addr = htonl(m->host_ip) };
		char ip[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &a, ip, sizeof(ip));
		json_array_append_new(ports, json_pack("{s:s, s:i, s:i, s:s}", "HostIp", ip, "HostPort",
						       (int)m->host_port, "ContainerPort", (int)m->container_port,
						       "Protocol", m->proto == IPPROTO_UDP ? "udp" : "tcp"));
	}
	json_object_set_new(cfg, "Ports", ports);
}

int cc_network_ports_from_json(const char *config_json, struct cc_port_map *out, size_t max, size_t *ret_n)
{
	json_t *j = config_json ? json_loads(config_json, 0, NULL) : NULL;
	json_t *ports = json_object_get(j, "Ports");
	size_t n = 0, i;
	json_t *p;
	json_array_foreach(ports, i, p) {
		struct in_addr a;
		const char *ip = json_string_value(json_object_get(p, "HostIp"));
		const char *proto = json_string_value(json_object_get(p, "Protocol"));
		json_int_t hp = json_integer_value(json_object_get(p, "HostPort"));
		json_int_t cp = json_integer_value(json_object_get(p, "ContainerPort"));
		if (n == max || ip == NULL || proto == NULL || inet_pton(AF_INET, ip, &a) != 1 || hp < 1 || hp > 65535 ||
		    cp < 1 || cp > 65535)
			continue;
		out[n++] = (struct cc_port_map){ .host_ip = ntohl(a.s_addr), .host_port = (uint16_t)hp,
						 .container_port = (uint16_t)cp,
						 .proto = strcmp(proto, "udp") == 0 ? IPPROTO_UDP : IPPROTO_TCP };
	}
	json_decref(j);
	*ret_n = n;
	return 0;
}

char *cc_network_hosts(const struct cc_network *n, const char *hostname, const char *name)
{
	const char *extra = n->extra_hosts ? n->extra_hosts : "";
	char *out = NULL;
	if (n->mode == CC_NET_HOST) {
		_cleanup_free_ char *host = NULL;
		size_t len = 0;
		cc_error *e = NULL;
		if (cc_read_file("/etc/hosts", HOSTS_MAX, &host, &len, &e) < 0)
			cc_error_free(e);
		const char *h = host ? host : "";
		size_t hl = strlen(h);
		if (asprintf(&out, "%s%s%s", h, hl > 0 && h[hl - 1] != '\n' ? "\n" : "", extra) < 0)
			return NULL;
		return out;
	}
	char ip[INET_ADDRSTRLEN] = "127.0.1.1";
	if (n->mode == CC_NET_BRIDGE && n->ip != 0) {
		struct in_addr a = { .s_addr = htonl(n->ip) };
		inet_ntop(AF_INET, &a, ip, sizeof(ip));
	}
	bool alias = name != NULL && strcmp(name, hostname) != 0;
	if (asprintf(&out, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n%s\t%s%s%s\n%s", ip,
		     hostname, alias ? " " : "", alias ? name : "", extra) < 0)
		return NULL;
	return out;
}

int cc_network_on_created(struct cc_network *n, struct cc_store *s, const char *id, pid_t pid, const char *hosts_path,
		       const char *hostname, const char *name, cc_error **err)
{
	if (n->mode != CC_NET_BRIDGE)
		return 0;
	/* What dead containers left behind (cheap when there is nothing:
	 * one nfnetlink dump and one query), then the bridge and NAT. */
	/* a sweep that fails leaves leftovers for the next one: never a
	 * reason to fail this start */
	cc_error *e = NULL;
	if (gc_with(s, &n->cfg, n->owner, &e) < 0) {
		cc_warnf("sweep network leftovers: %s, ignoring", e->msg);
		cc_error_free(e);
	}
	if (cc_net_bridge_ensure(&n->cfg, err) < 0)
		return -1;
	uint32_t first, last;
	cc_net_lease_range(&n->cfg, &first, &last);
	/* The store's lease is this store's bookkeeping; the veth named after
	 * the address is the host-wide claim (net.h).  An address whose veth
	 * still exists belongs to a container of another store, or to one
	 * that just stopped: move on to the next free one. */
	for (int attempt = 0;; attempt++) {
		if (cc_store_lease(s, n->cfg.bridge, first, last, id, &n->ip, err) < 0)
			return -1;
		_cleanup_free_ char *hosts = cc_network_hosts(n, hostname, name);
		if (hosts == NULL)
			return cc_error_set(err, ENOMEM, "write /etc/hosts");
		if (cc_write_file(hosts_path, hosts, strlen(hosts), 0644, err) < 0)
			return -1;
		struct cc_net_endpoint ep = { .id = id, .owner = n->owner, .ip = n->ip, .ports = n->ports,
					      .n_ports = n->n_ports };
		cc_error *ae = NULL;
		int r = cc_net_attach(&n->cfg, pid, &ep, &ae);
		if (r == 0)
			return 0;
		if (ae == NULL || ae->kind != CC_ERR_IN_USE || attempt == 63 || n->ip >= last ||
		    cc_store_lease_release(s, id, NULL) < 0) {
			if (err != NULL && *err == NULL)
				*err = steal_ptr(&ae);
			cc_error_free(ae);
			return r;
		}
		cc_error_free(ae);
		first = n->ip + 1;
	}
}

int cc_network_release(struct cc_store *s, const char *id, json_t *cfg, cc_error **err)
{
	const char *mode = json_string_value(json_object_get(cfg, "Network"));
	bool bridge = mode != NULL && strcmp(mode, "bridge") == 0;
	bool ports = json_array_size(json_object_get(cfg, "Ports")) > 0;
	if (bridge) {
		char owner[CC_NET_OWNER_LEN + 1];
		owner_tag(s, owner);
		/* rules and veth before the lease (see gc_with); when they
		 * cannot be removed the lease stays for cc_net_gc to retry */
		if (cc_net_detach(owner, id, ports, err) < 0)
			return -1;
	}
	return cc_store_lease_release(s, id, err);
}

/* The lease name of a build's RUN step: see container_alive. */
static char *build_lease_id(const char *id)
{
	char *out = NULL;
	pid_t self = getpid();
	if (asprintf(&out, BUILD_LEASE_PREFIX "%d-%llu-%.12s", (int)self,
		     (unsigned long long)cc_pid_start_time(self), id) < 0)
		return NULL;
	return out;
}

int cc_network_build_attach(struct cc_store *s, const char *id, pid_t pid, const char *hosts_path, const char *hostname,
			    const char *extra_hosts, cc_error **err)
{
	_cleanup_free_ char *lease = build_lease_id(id);
	if (lease == NULL)
		return cc_error_set(err, ENOMEM, "attach the RUN step to the bridge");
	struct cc_network n = { 0 };
	if (cc_net_config_load(CC_NET_CONFIG_PATH, &n.cfg, err) < 0)
		return cc_error_prefix(err, "RUN on the bridge network");
	n.mode = CC_NET_BRIDGE;
	owner_tag(s, n.owner);
	if (extra_hosts && extra_hosts[0] && (n.extra_hosts = strdup(extra_hosts)) == NULL)
		return cc_error_set(err, ENOMEM, "attach the RUN step to the bridge");
	int r = cc_network_on_created(&n, s, lease, pid, hosts_path, hostname, NULL, err);
	cc_network_teardown(&n);
	return r;
}

int cc_network_build_detach(struct cc_store *s, const char *id, cc_error **err)
{
	_cleanup_free_ char *lease = build_lease_id(id);
	if (lease == NULL)
		return cc_error_set(err, ENOMEM, "detach the RUN step from the bridge");
	/* no port rules to remove; the veth goes with the step's namespace */
	return cc_store_lease_release(s, lease, err);
}

void cc_network_teardown(struct cc_network *n)
{
	for (size_t i = 0; i < n->n_ports; i++)
		cc_closep(&n->fds[i]);
	free(n->extra_hosts);
	n->extra_hosts = NULL;
}

json_t *cc_network_settings(struct cc_store *s, const struct cc_container_record *c)
{
	json_t *o = json_object();
	json_t *cfg = c->config_json ? json_loads(c->config_json, 0, NULL) : NULL;
	const char *mode = json_string_value(json_object_get(cfg, "Network"));
	_cleanup_free_ struct cc_port_map *maps = calloc(CC_NET_MAX_PORTS, sizeof(*maps));
	size_t n = 0;
	if (maps != NULL)
		cc_network_ports_from_json(c->config_json, maps, CC_NET_MAX_PORTS, &n);
	json_t *ports = json_object();
	for (size_t i = 0; ports && i < n; i++) {
		char cport[32], hip[INET_ADDRSTRLEN], hport[8];
		struct in_addr a = { .s_addr = htonl(maps[i].host_ip) };
		cc_net_format_container_port(&maps[i], cport, sizeof(cport));
		inet_ntop(AF_INET, &a, hip, sizeof(hip));
		snprintf(hport, sizeof(hport), "%u", (unsigned)maps[i].host_port);
		json_t *list = json_object_get(ports, cport);
		if (list == NULL) {
			list = json_array();
			json_object_set_new(ports, cport, list);
		}
		json_array_append_new(list, json_pack("{s:s, s:s}", "HostIp", hip, "HostPort", hport));
	}
	json_object_set_new(o, "Ports", ports);
	struct cc_net_config nc;
	cc_error *e = NULL;
	if (mode != NULL && strcmp(mode, "bridge") == 0 && cc_net_config_load(CC_NET_CONFIG_PATH, &nc, &e) == 0) {
		char ip[INET_ADDRSTRLEN] = "", gw[INET_ADDRSTRLEN], mac[18] = "";
		struct in_addr a = { .s_addr = htonl(nc.gateway) };
		inet_ntop(AF_INET, &a, gw, sizeof(gw));
		struct cc_lease *l = NULL;
		size_t nl = 0;
		/* the address exists while the container runs (its lease) */
		if (cc_store_lease_list(s, nc.bridge, &l, &nl, &e) == 0) {
			for (size_t i = 0; i < nl; i++) {
				if (strcmp(l[i].container_id, c->id) != 0)
					continue;
				a.s_addr = htonl(l[i].ip);
				inet_ntop(AF_INET, &a, ip, sizeof(ip));
				snprintf(mac, sizeof(mac), "02:cc:%02x:%02x:%02x:%02x", l[i].ip >> 24, (l[i].ip >> 16) & 0xff,
					 (l[i].ip >> 8) & 0xff, l[i].ip & 0xff);
			}
			cc_lease_list_free(l, nl);
		}
		json_object_set_new(o, "Bridge", json_string(nc.bridge));
		json_object_set_new(o, "Gateway", json_string(ip[0] ? gw : ""));
		json_object_set_new(o, "IPAddress", json_string(ip));
		json_object_set_new(o, "IPPrefixLen", json_integer(ip[0] ? (json_int_t)nc.prefix : 0));
		json_object_set_new(o, "MacAddress", json_string(mac));
	}
	cc_error_free(e);
	json_decref(cfg);
	return o;
}
