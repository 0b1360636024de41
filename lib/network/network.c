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

#include "network/dns.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/util.h"

#define HOSTS_MAX (64 * 1024)

/* The store's tag in nftables chain names: the first hex digits of the
 * sha256 of its real path.  Another store on the same host (--root) gets
 * another tag, so neither ever sweeps the other's chains. */
void cc_network_owner_tag(struct cc_store *s, char out[CC_NET_OWNER_LEN + 1])
{
	char real[PATH_MAX], d[72];
	const char *root = cc_store_root(s);
	if (realpath(root, real) != NULL)
		root = real;
	cc_sha256_digest(root, strlen(root), d);
	snprintf(out, CC_NET_OWNER_LEN + 1, "%.*s", CC_NET_OWNER_LEN, d + 7);
}

void cc_container_endpoint_release(struct cc_container_endpoint *e)
{
	free(e->network);
	cc_strvfreep(&e->aliases);
	free(e->ip);
	free(e->mac);
	*e = (struct cc_container_endpoint){ 0 };
}

bool cc_network_mode_bridged(const char *mode)
{
	return mode == NULL || (strcmp(mode, "host") != 0 && strcmp(mode, "none") != 0 && strcmp(mode, "pasta") != 0 &&
				strcmp(mode, "slirp4netns") != 0 && strncmp(mode, "container:", 10) != 0);
}

const char *cc_network_rootless_default(void)
{
	return cc_network_pasta_available() || !cc_network_slirp_available() ? "pasta" : "slirp4netns";
}

static void ip_text(uint32_t ip, char out[INET_ADDRSTRLEN])
{
	struct in_addr a = { .s_addr = htonl(ip) };
	inet_ntop(AF_INET, &a, out, INET_ADDRSTRLEN);
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

static int gc_with(struct cc_store *s, const char *owner, cc_error **err)
{
	/* Rules before leases: an address must never be free while a DNAT
	 * rule still points at it. */
	if (cc_net_sweep(owner, container_alive, s, err) < 0)
		return -1;
	struct cc_lease *l = NULL;
	size_t n = 0;
	if (cc_store_lease_list(s, NULL, &l, &n, err) < 0)
		return -1;
	int r = 0;
	bool swept = false;
	for (size_t i = 0; i < n && r == 0; i++)
		if (!container_alive(l[i].container_id, s)) {
			r = cc_store_lease_release(s, l[i].container_id, err);
			swept |= l[i].names != NULL;
		}
	cc_lease_list_free(l, n);
	if (r == 0 && swept)
		r = cc_network_names_update(s, err);
	return r;
}

int cc_network_gc(struct cc_store *s, cc_error **err)
{
	char owner[CC_NET_OWNER_LEN + 1];
	cc_network_owner_tag(s, owner);
	return gc_with(s, owner, err);
}

static size_t strv_len(char *const *v)
{
	size_t n = 0;
	while (v != NULL && v[n] != NULL)
		n++;
	return n;
}

/* One of the container's networks, resolved. */
static int prepare_endpoint(struct cc_store *s, struct cc_network_attachment *a, const struct cc_container_endpoint *e,
			    cc_error **err)
{
	struct cc_network_record *r = NULL;
	if (cc_network_get(s, e->network, &r, err) < 0)
		return -1;
	int rc = -1;
	if (strcmp(r->name, "host") == 0 || strcmp(r->name, "none") == 0) {
		cc_error_setk(err, CC_ERR_INVALID, 0, "container cannot be connected to network %s with other networks",
			      r->name);
		goto out;
	}
	snprintf(a->name, sizeof(a->name), "%s", r->name);
	a->user = !cc_network_builtin(r->name);
	if (cc_network_config(r, &a->cfg, err) < 0)
		goto out;
	if (e->ip != NULL) {
		struct in_addr in;
		if (!a->user) {
			cc_error_setk(err, CC_ERR_INVALID, 0, "user specified IP address is supported on user defined networks only");
			goto out;
		}
		uint32_t hostmask = ~(~UINT32_C(0) << (32 - a->cfg.prefix));
		if (inet_pton(AF_INET, e->ip, &in) != 1) {
			cc_error_setk(err, CC_ERR_INVALID, 0, "invalid IPv4 address: %s", e->ip);
			goto out;
		}
		a->want_ip = ntohl(in.s_addr);
		if ((a->want_ip & ~hostmask) != a->cfg.subnet || a->want_ip == a->cfg.subnet ||
		    a->want_ip == (a->cfg.subnet | hostmask) || a->want_ip == a->cfg.gateway) {
			cc_error_setk(err, CC_ERR_INVALID, 0, "invalid address %s: it does not belong to any of network %s's subnets (or is its gateway)",
				      e->ip, r->name);
			goto out;
		}
	}
	if (e->mac != NULL) {
		if (cc_net_parse_mac(e->mac, a->mac, err) < 0)
			goto out;
		a->has_mac = true;
	}
	for (char **al = e->aliases; al && *al; al++)
		if (!cc_dns_name_valid(*al)) {
			cc_error_setk(err, CC_ERR_INVALID, 0, "invalid network alias \"%.64s\": only [a-zA-Z0-9_][a-zA-Z0-9_.-] are allowed",
				      *al);
			goto out;
		}
	rc = 0;
out:
	cc_network_record_free(r);
	return rc;
}

/* --network container:ID: the other container's namespace, while it runs. */
static int prepare_join(struct cc_network *n, struct cc_store *s, const char *ref, cc_error **err)
{
	struct cc_container_record *c = NULL;
	if (cc_store_container_get(s, ref, &c, err) < 0)
		return -1;
	int rc = -1;
	bool running = c->state != NULL && (strcmp(c->state, "running") == 0 || strcmp(c->state, "paused") == 0);
	if (!running || c->pid <= 0 || !pid_running(c->pid, c->pid_start)) {
		cc_error_setk(err, CC_ERR_INVALID, 0, "cannot join network namespace of a non running container: container %s is not running",
			      c->name);
		goto out;
	}
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/net", c->pid);
	n->join_fd = open(path, O_RDONLY | O_CLOEXEC);
	/* still the same process: the fd now pins the namespace */
	if (n->join_fd < 0 || !pid_running(c->pid, c->pid_start)) {
		cc_error_set(err, n->join_fd < 0 ? errno : ESRCH, "join the network namespace of container %s", c->name);
		cc_closep(&n->join_fd);
		goto out;
	}
	rc = 0;
out:
	cc_container_record_free(c);
	return rc;
}

int cc_network_prepare(struct cc_network *n, struct cc_store *s, const struct cc_network_opts *o, enum cc_net_mode mode,
		       char *const *exposed, const char *existing_config, cc_error **err)
{
	size_t n_dns = strv_len(o->dns), n_hosts = strv_len(o->add_host), n_publish = strv_len(o->publish);
	n->mode = mode;
	n->n_ports = 0;
	n->n_eps = 0;
	n->extra_hosts = NULL;
	n->join_fd = -1;
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
		cc_network_owner_tag(s, n->owner);
		struct cc_container_endpoint dflt = { .network = (char *)"bridge" };
		const struct cc_container_endpoint *eps = o->n_endpoints > 0 ? o->endpoints : &dflt;
		size_t neps = o->n_endpoints > 0 ? o->n_endpoints : 1;
		if (neps > CC_NET_MAX_ENDPOINTS)
			return cc_error_setk(err, CC_ERR_INVALID, 0, "too many networks (limit %d)", CC_NET_MAX_ENDPOINTS);
		for (size_t i = 0; i < neps; i++) {
			for (size_t j = 0; j < i; j++)
				if (strcmp(eps[i].network, eps[j].network) == 0)
					return cc_error_setk(err, CC_ERR_INVALID, 0, "network %s is given twice",
							     eps[i].network);
			if (prepare_endpoint(s, &n->eps[i], &eps[i], err) < 0)
				return -1;
			n->n_eps = i + 1;
		}
		ip_text(n->eps[0].cfg.gateway, gw);
	} else if (mode == CC_NET_PASTA) {
		n->slirp = o->slirp;
		if (o->n_endpoints > 0)
			return cc_error_setk(err, CC_ERR_INVALID, 0,
					     "rootless: user-defined networks are not supported yet (pasta, none, host)");
	} else if (n_publish > 0 || o->publish_all) {
		return cc_error_setk(err, CC_ERR_INVALID, 0,
				     "publishing ports (-p, -P) needs a bridge network (--network bridge or a network's name)");
	} else if (mode == CC_NET_JOIN && prepare_join(n, s, o->join, err) < 0) {
		return -1;
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
	 * nothing to clean up.  (pasta binds its ports itself.) */
	if (mode == CC_NET_PASTA)
		return cc_network_pasta_pick_ports(n, err);
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
		char ip[INET_ADDRSTRLEN];
		ip_text(m->host_ip, ip);
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
	if (n->mode == CC_NET_BRIDGE && n->n_eps > 0 && n->eps[0].ip != 0)
		ip_text(n->eps[0].ip, ip);
	bool alias = name != NULL && strcmp(name, hostname) != 0;
	if (asprintf(&out, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n%s\t%s%s%s\n%s", ip,
		     hostname, alias ? " " : "", alias ? name : "", extra) < 0)
		return NULL;
	return out;
}

char *cc_network_resolv(const struct cc_network *n, const struct cc_resolv_opts *o)
{
	/* user-defined networks: the network's resolver on its gateway
	 * (names.c), unless --dns says otherwise, as docker's 127.0.0.11;
	 * --dns-search and --dns-option apply either way */
	if (n->mode == CC_NET_BRIDGE && n->n_eps > 0 && n->eps[0].user && (o == NULL || o->n_dns == 0)) {
		char gw[INET_ADDRSTRLEN];
		ip_text(n->eps[0].cfg.gateway, gw);
		const char *v[] = { gw };
		struct cc_resolv_opts ro = o != NULL ? *o : (struct cc_resolv_opts){ 0 };
		ro.dns = v;
		ro.n_dns = 1;
		return cc_net_container_resolv(true, &ro);
	}
	/* rootless: pasta forwards what goes to its address to the host's
	 * resolvers (loopback ones too) */
	if (n->mode == CC_NET_PASTA && (o == NULL || o->n_dns == 0)) {
		const char *v[] = { n->slirp ? CC_NETWORK_SLIRP_DNS : CC_NETWORK_PASTA_DNS };
		struct cc_resolv_opts ro = o != NULL ? *o : (struct cc_resolv_opts){ 0 };
		ro.dns = v;
		ro.n_dns = 1;
		return cc_net_container_resolv(true, &ro);
	}
	return cc_net_container_resolv(n->mode == CC_NET_HOST, o);
}

/* "name id12 alias..." for a network's DNS. */
static char *names_of(const char *id, const char *name, char *const *aliases)
{
	struct cc_strbuf sb = { 0 };
	cc_strbuf_addf(&sb, "%s %.12s", name != NULL ? name : "", id);
	for (char *const *a = aliases; a && *a; a++)
		cc_strbuf_addf(&sb, " %s", *a);
	return cc_strbuf_steal(&sb);
}

int cc_network_set_names(struct cc_network *n, const char *id, const char *name,
			 const struct cc_container_endpoint *eps, size_t n_eps)
{
	for (size_t i = 0; i < n->n_eps; i++) {
		char *const *aliases = i < n_eps ? eps[i].aliases : NULL;
		free(n->eps[i].names);
		if ((n->eps[i].names = names_of(id, name, aliases)) == NULL)
			return -1;
	}
	return 0;
}

/* Lease an address on one network and plug the container in.  The store's
 * lease is this store's bookkeeping; the veth named after the address is
 * the host-wide claim (net.h).  An address whose veth still exists belongs
 * to a container of another store, or to one that just stopped: move on to
 * the next free one. */
static int plug(struct cc_network *n, size_t i, struct cc_store *s, const char *id, pid_t pid, const char *ifname,
		cc_error **err)
{
	struct cc_network_attachment *a = &n->eps[i];
	uint32_t first, last;
	cc_net_lease_range(&a->cfg, &first, &last);
	if (a->want_ip != 0)
		first = last = a->want_ip;
	for (int attempt = 0;; attempt++) {
		if (cc_store_lease(s, a->cfg.bridge, first, last, id, &a->ip, err) < 0) {
			if (a->want_ip != 0 && err && *err && (*err)->kind == CC_ERR_IN_USE) {
				cc_error_clear(err);
				char ip[INET_ADDRSTRLEN];
				ip_text(a->want_ip, ip);
				return cc_error_setk(err, CC_ERR_IN_USE, 0, "address %s on network %s: Address already in use",
						     ip, a->name);
			}
			return -1;
		}
		if (a->user && a->names != NULL &&
		    cc_store_lease_set_names(s, a->cfg.bridge, id, a->names, err) < 0) {
			(void)cc_store_lease_release_on(s, a->cfg.bridge, id, NULL);
			return -1;
		}
		struct cc_net_endpoint ep = { .id = id, .owner = n->owner, .ip = a->ip, .ifname = ifname,
					      .no_default_route = i > 0, .mac = a->has_mac ? a->mac : NULL };
		if (i == 0) {
			ep.ports = n->ports;
			ep.n_ports = n->n_ports;
		}
		cc_error *ae = NULL;
		int r = cc_net_attach(&a->cfg, pid, &ep, &ae);
		if (r == 0)
			return 0;
		if (ae == NULL || ae->kind != CC_ERR_IN_USE || attempt == 63 || a->ip >= last || a->want_ip != 0 ||
		    cc_store_lease_release_on(s, a->cfg.bridge, id, NULL) < 0) {
			if (a->want_ip == 0 || ae == NULL || ae->kind != CC_ERR_IN_USE)
				(void)cc_store_lease_release_on(s, a->cfg.bridge, id, NULL);
			if (err != NULL && *err == NULL)
				*err = steal_ptr(&ae);
			cc_error_free(ae);
			return r;
		}
		cc_error_free(ae);
		first = a->ip + 1;
	}
}

int cc_network_on_created(struct cc_network *n, struct cc_store *s, const char *id, pid_t pid, const char *hosts_path,
			  const char *hostname, const char *name, cc_error **err)
{
	if (n->mode == CC_NET_PASTA)
		return n->slirp ? cc_network_slirp_start(n, s, id, pid, err) : cc_network_pasta_start(n, s, id, pid, err);
	if (n->mode != CC_NET_BRIDGE)
		return 0;
	/* What dead containers left behind (cheap when there is nothing:
	 * one nfnetlink dump and one query), then the bridge and NAT. */
	/* a sweep that fails leaves leftovers for the next one: never a
	 * reason to fail this start */
	cc_error *e = NULL;
	if (gc_with(s, n->owner, &e) < 0) {
		cc_warnf("sweep network leftovers: %s, ignoring", e->msg);
		cc_error_free(e);
	}
	bool named = false;
	for (size_t i = 0; i < n->n_eps; i++) {
		char ifname[16];
		snprintf(ifname, sizeof(ifname), "eth%u", (unsigned)i); /* i < CC_NET_MAX_ENDPOINTS */
		if (cc_net_bridge_ensure(&n->eps[i].cfg, err) < 0 || plug(n, i, s, id, pid, ifname, err) < 0)
			return -1;
		named |= n->eps[i].user;
	}
	_cleanup_free_ char *hosts = cc_network_hosts(n, hostname, name);
	if (hosts == NULL)
		return cc_error_set(err, ENOMEM, "write /etc/hosts");
	if (cc_write_file(hosts_path, hosts, strlen(hosts), 0644, err) < 0)
		return -1;
	return named ? cc_network_names_update(s, err) : 0;
}

int cc_network_release(struct cc_store *s, const char *id, json_t *cfg, cc_error **err)
{
	const char *mode = json_string_value(json_object_get(cfg, "Network"));
	bool ports = json_array_size(json_object_get(cfg, "Ports")) > 0;
	if (mode != NULL && strcmp(mode, "pasta") == 0)
		return cc_network_pasta_stop(s, id, ports, err);
	if (mode != NULL && strcmp(mode, "slirp4netns") == 0)
		return cc_network_slirp_stop(s, id, ports, err);
	if (cc_network_mode_bridged(mode)) {
		char owner[CC_NET_OWNER_LEN + 1];
		cc_network_owner_tag(s, owner);
		/* rules and veth before the lease (see gc_with); when they
		 * cannot be removed the lease stays for cc_net_gc to retry */
		if (cc_net_detach(owner, id, ports, err) < 0)
			return -1;
	}
	struct cc_lease *l = NULL;
	size_t nl = 0;
	bool named = false;
	if (cc_store_lease_list(s, NULL, &l, &nl, err) < 0)
		return -1;
	for (size_t i = 0; i < nl; i++)
		named |= strcmp(l[i].container_id, id) == 0 && l[i].names != NULL;
	cc_lease_list_free(l, nl);
	if (cc_store_lease_release(s, id, err) < 0)
		return -1;
	return named ? cc_network_names_update(s, err) : 0;
}

int cc_network_connect(struct cc_store *s, const char *id, const char *name, pid_t pid,
		       const struct cc_container_endpoint *e, cc_error **err)
{
	struct cc_network n = { .mode = CC_NET_BRIDGE, .join_fd = -1, .n_eps = 1 };
	for (size_t i = 0; i < CC_NET_MAX_PORTS; i++)
		n.fds[i] = -1;
	cc_network_owner_tag(s, n.owner);
	char ifname[16];
	int r = -1;
	if (prepare_endpoint(s, &n.eps[0], e, err) < 0 || cc_network_set_names(&n, id, name, e, 1) < 0 ||
	    cc_net_bridge_ensure(&n.eps[0].cfg, err) < 0 || cc_net_free_ifname(pid, ifname, err) < 0)
		goto out;
	/* the first network keeps the default route and the published ports:
	 * plug as a later one */
	struct cc_network_attachment a = n.eps[0];
	n.eps[1] = a;
	n.eps[0] = (struct cc_network_attachment){ 0 };
	n.n_eps = 2;
	if (plug(&n, 1, s, id, pid, ifname, err) < 0)
		goto out;
	r = n.eps[1].user ? cc_network_names_update(s, err) : 0;
	if (r < 0) {
		/* not half connected: the veth and the lease go again (and
		 * the names with the lease) */
		(void)cc_net_unplug(n.eps[1].ip, NULL);
		if (cc_store_lease_release_on(s, n.eps[1].cfg.bridge, id, NULL) == 0)
			(void)cc_network_names_update(s, NULL);
	}
out:
	cc_network_teardown(&n);
	return r;
}

int cc_network_disconnect(struct cc_store *s, const char *id, const char *network, cc_error **err)
{
	struct cc_network_record *r = NULL;
	struct cc_net_config cfg;
	if (cc_network_get(s, network, &r, err) < 0)
		return -1;
	int rc = cc_network_config(r, &cfg, err);
	cc_network_record_free(r);
	if (rc < 0)
		return -1;
	struct cc_lease *l = NULL;
	size_t nl = 0;
	if (cc_store_lease_list(s, cfg.bridge, &l, &nl, err) < 0)
		return -1;
	bool named = false;
	for (size_t i = 0; i < nl && rc == 0; i++) {
		if (strcmp(l[i].container_id, id) != 0)
			continue;
		named |= l[i].names != NULL;
		/* the veth before the lease: the address is never free while
		 * it is still on the bridge */
		rc = cc_net_unplug(l[i].ip, err);
	}
	cc_lease_list_free(l, nl);
	if (rc == 0)
		rc = cc_store_lease_release_on(s, cfg.bridge, id, err);
	return rc == 0 && named ? cc_network_names_update(s, err) : rc;
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
	if (cc_rootless()) {
		/* rootless: pasta, as a container's (no ports; /etc/hosts is
		 * the builder's own) */
		struct cc_network p = { .mode = CC_NET_PASTA, .join_fd = -1 };
		(void)hosts_path, (void)hostname, (void)extra_hosts;
		if (strcmp(cc_network_rootless_default(), "slirp4netns") == 0)
			return cc_network_slirp_start(&p, s, lease, pid, err);
		return cc_network_pasta_start(&p, s, lease, pid, err);
	}
	struct cc_network n = { .join_fd = -1 };
	for (size_t i = 0; i < CC_NET_MAX_PORTS; i++)
		n.fds[i] = -1;
	if (cc_net_config_load(CC_NET_CONFIG_PATH, &n.eps[0].cfg, err) < 0)
		return cc_error_prefix(err, "RUN on the bridge network");
	snprintf(n.eps[0].name, sizeof(n.eps[0].name), "bridge");
	n.n_eps = 1;
	n.mode = CC_NET_BRIDGE;
	cc_network_owner_tag(s, n.owner);
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
	if (cc_rootless())
		return strcmp(cc_network_rootless_default(), "slirp4netns") == 0 ? cc_network_slirp_stop(s, lease, false, err)
										: cc_network_pasta_stop(s, lease, false, err);
	/* no port rules to remove; the veth goes with the step's namespace */
	return cc_store_lease_release(s, lease, err);
}

void cc_network_teardown(struct cc_network *n)
{
	for (size_t i = 0; i < n->n_ports; i++)
		cc_closep(&n->fds[i]);
	for (size_t i = 0; i < n->n_eps; i++) {
		free(n->eps[i].names);
		n->eps[i].names = NULL;
	}
	if (n->join_fd > 0)
		cc_closep(&n->join_fd);
	free(n->extra_hosts);
	n->extra_hosts = NULL;
}

void cc_network_mac_text(const struct cc_container_record *c, const char *network, uint32_t ip, char out[18])
{
	/* --mac-address when the spec gave one, else derived (net-link.c) */
	json_t *cfg = c->config_json ? json_loads(c->config_json, 0, NULL) : NULL;
	json_t *eps = json_object_get(json_object_get(cfg, "Spec"), "Networks");
	size_t i;
	json_t *e;
	const char *mac = NULL;
	json_array_foreach(eps, i, e) {
		const char *nm = json_string_value(json_object_get(e, "Name"));
		if (nm != NULL && strcmp(nm, network) == 0)
			mac = json_string_value(json_object_get(e, "MacAddress"));
	}
	if (mac != NULL && strlen(mac) == 17)
		snprintf(out, 18, "%s", mac);
	else
		snprintf(out, 18, "02:cc:%02x:%02x:%02x:%02x", ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff, ip & 0xff);
	json_decref(cfg);
}

json_t *cc_network_settings(struct cc_store *s, const struct cc_container_record *c, const char *mode,
			    const struct cc_container_endpoint *eps, size_t n_eps)
{
	json_t *o = json_object();
	_cleanup_free_ struct cc_port_map *maps = calloc(CC_NET_MAX_PORTS, sizeof(*maps));
	size_t n = 0;
	if (maps != NULL)
		cc_network_ports_from_json(c->config_json, maps, CC_NET_MAX_PORTS, &n);
	json_t *ports = json_object();
	for (size_t i = 0; ports && i < n; i++) {
		char cport[32], hip[INET_ADDRSTRLEN], hport[8];
		cc_net_format_container_port(&maps[i], cport, sizeof(cport));
		ip_text(maps[i].host_ip, hip);
		snprintf(hport, sizeof(hport), "%u", (unsigned)maps[i].host_port);
		json_t *list = json_object_get(ports, cport);
		if (list == NULL) {
			list = json_array();
			json_object_set_new(ports, cport, list);
		}
		json_array_append_new(list, json_pack("{s:s, s:s}", "HostIp", hip, "HostPort", hport));
	}
	json_object_set_new(o, "Ports", ports);
	struct cc_lease *l = NULL;
	size_t nl = 0;
	cc_error *e = NULL;
	if (cc_store_lease_list(s, NULL, &l, &nl, &e) < 0) {
		cc_error_free(e);
		l = NULL;
		nl = 0;
	}
	json_t *networks = json_object();
	struct cc_container_endpoint dflt = { .network = (char *)"bridge" };
	bool bridged = cc_network_mode_bridged(mode);
	if (bridged && n_eps == 0 && mode != NULL && strcmp(mode, "bridge") == 0) {
		eps = &dflt;
		n_eps = 1;
	}
	if (!bridged && mode != NULL && strncmp(mode, "container:", 10) != 0) {
		dflt.network = (char *)mode; /* host, none: docker lists them too */
		eps = &dflt;
		n_eps = 1;
	}
	json_object_set_new(o, "Bridge", json_string(""));
	for (size_t k = 0; k < n_eps; k++) {
		struct cc_network_record *r = NULL;
		struct cc_net_config nc = { 0 };
		if (cc_network_get(s, eps[k].network, &r, NULL) < 0)
			continue;
		bool has_cfg = r->bridge[0] != '\0' && cc_network_config(r, &nc, NULL) == 0;
		char ip[INET_ADDRSTRLEN] = "", gw[INET_ADDRSTRLEN] = "", mac[18] = "";
		for (size_t i = 0; has_cfg && i < nl; i++) {
			if (strcmp(l[i].container_id, c->id) != 0 || strcmp(l[i].network, nc.bridge) != 0)
				continue;
			ip_text(l[i].ip, ip);
			ip_text(nc.gateway, gw);
			cc_network_mac_text(c, r->name, l[i].ip, mac);
		}
		json_int_t plen = ip[0] ? (json_int_t)nc.prefix : 0;
		json_t *aliases = json_array(), *dnsnames = json_null();
		for (char **a = eps[k].aliases; a && *a; a++)
			json_array_append_new(aliases, cc_json_text(*a));
		if (!cc_network_builtin(r->name) && ip[0]) {
			char id12[13];
			snprintf(id12, sizeof(id12), "%.12s", c->id);
			dnsnames = json_pack("[s, s]", c->name, id12);
			for (char **a = eps[k].aliases; a && *a; a++)
				json_array_append_new(dnsnames, cc_json_text(*a));
		}
		json_t *ipam = eps[k].ip != NULL ? json_pack("{s:s}", "IPv4Address", eps[k].ip) : json_null();
		char epid[72] = "sha256:";
		_cleanup_free_ char *epkey = NULL;
		if (ip[0] && asprintf(&epkey, "%s/%s", c->id, r->id) >= 0) /* as network inspect's */
			cc_sha256_digest(epkey, strlen(epkey), epid);
		json_object_set_new(networks, r->name,
				    json_pack("{s:o, s:n, s:o, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:i, s:n, s:o}",
					      "IPAMConfig", ipam, "Links", "Aliases",
					      json_array_size(aliases) ? aliases : (json_decref(aliases), json_null()),
					      "MacAddress", mac, "NetworkID", r->id, "EndpointID", epid + 7, "Gateway", gw,
					      "IPAddress", ip, "IPPrefixLen", plen, "IPv6Gateway", "",
					      "GlobalIPv6Address", "", "GlobalIPv6PrefixLen", 0, "DriverOpts", "DNSNames",
					      dnsnames));
		if (strcmp(r->name, "bridge") == 0) { /* docker's top-level fields: the default bridge's */
			json_object_set_new(o, "Bridge", json_string(nc.bridge));
			json_object_set_new(o, "Gateway", json_string(gw));
			json_object_set_new(o, "IPAddress", json_string(ip));
			json_object_set_new(o, "IPPrefixLen", json_integer(plen));
			json_object_set_new(o, "MacAddress", json_string(mac));
		}
		cc_network_record_free(r);
	}
	for (const char *const *f = (const char *const[]){ "Gateway", "IPAddress", "MacAddress", NULL }; *f; f++)
		if (json_object_get(o, *f) == NULL)
			json_object_set_new(o, *f, json_string(""));
	if (json_object_get(o, "IPPrefixLen") == NULL)
		json_object_set_new(o, "IPPrefixLen", json_integer(0));
	json_object_set_new(o, "Networks", networks);
	cc_lease_list_free(l, nl);
	return o;
}
