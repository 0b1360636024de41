/* lib/runtime networking: the bridge, a container's veth, NAT and published
 * ports, plus the text of /etc/resolv.conf and /etc/hosts.
 *
 * Like the rest of lib/runtime this knows nothing about the store: the
 * caller leases an address (cc_store_lease), passes it in, and decides
 * which containers are still alive when sweeping (cc_net_sweep).
 *
 * Everything goes through netlink (libmnl) and nftables (libnftables for
 * rules, raw nfnetlink for cheap existence checks, listing and deletion);
 * no `ip`, `iptables` or `nft` process is ever started.  Only the table
 * `ip ccontainer` is touched:
 *
 *   chain n_<bridge>_<subnet hex>_<prefix>_post   nat postrouting: masquerade
 *   chain n_<bridge>_<subnet hex>_<prefix>_guard  filter prerouting (raw prio):
 *                                                 drop 127/8 arriving from the bridge
 *   chain c_<owner>_<container id>_pre|_out       nat prerouting/output: DNAT of
 *                                                 one container's published ports
 *
 * The per-network chains are created once (cc_net_bridge_ensure checks that
 * they exist with one netlink round trip); per-container chains exist only
 * for containers that publish ports and are deleted by name, so cleanup is
 * idempotent and keyed by container ID.  <owner> tags the store the
 * container belongs to, so a sweep never deletes another store's chains.
 *
 * Call order: cc_net_bridge_ensure, then cc_net_attach (from the runtime's
 * on_created hook, while the child waits), cc_net_detach once it stopped.
 */
#ifndef CC_RUNTIME_NET_H
#define CC_RUNTIME_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/error.h"

#define CC_NET_CONFIG_PATH "/etc/ccontainer/network.json"
#define CC_NET_DEFAULT_BRIDGE "cc0"
#define CC_NET_DEFAULT_SUBNET "10.77.0.0/16"
#define CC_NET_TABLE "ccontainer"
#define CC_NET_MAX_PORTS 256   /* published ports per container, ranges expanded */
#define CC_NET_MAX_DNS 16
#define CC_NET_OWNER_LEN 8     /* hex chars of the owner tag */

struct cc_net_config {
	char bridge[16];   /* interface name, [A-Za-z][A-Za-z0-9_-]{0,14} */
	uint32_t subnet;   /* network address, host byte order */
	unsigned prefix;   /* 8..30 */
	uint32_t gateway;  /* the bridge's address (subnet + 1 unless chosen) */
	uint32_t range_first, range_last; /* --ip-range: where leases come from (0: the subnet) */
	bool internal;     /* no route out, no NAT: containers reach only each other */
};

/* A bridge name: [A-Za-z][A-Za-z0-9_-]{0,14} (also an nftables identifier,
 * since chain names carry it). */
bool cc_net_bridge_name_valid(const char *name);
/* "02:42:ac:11:00:02" -> 6 bytes; a unicast address only. */
int cc_net_parse_mac(const char *text, uint8_t mac[6], cc_error **err);

/* "10.77.0.0/16" -> network (host order) and prefix.  The address must be
 * the network address itself; prefixes 8..30. */
int cc_net_parse_subnet(const char *text, uint32_t *ret_net, unsigned *ret_prefix, cc_error **err);
/* Defaults, then the JSON file at path ({"bridge": "cc0", "subnet":
 * "10.77.0.0/16"}; a missing file is fine), then the environment
 * (CCONTAINER_NETWORK_BRIDGE, CCONTAINER_NETWORK_SUBNET; for tests). */
int cc_net_config_load(const char *path, struct cc_net_config *ret, cc_error **err);
/* Addresses a container may lease: the --ip-range, else the subnet's
 * (network + 1 .. broadcast - 1), never the gateway. */
void cc_net_lease_range(const struct cc_net_config *c, uint32_t *ret_first, uint32_t *ret_last);

/* One published port.  Addresses are host byte order. */
struct cc_port_map {
	uint32_t host_ip;        /* 0: every address of the host */
	uint16_t host_port;      /* 0 until reserved: pick a free one */
	uint16_t container_port;
	uint8_t proto;           /* IPPROTO_TCP or IPPROTO_UDP */
};

/* Parse one -p value, [HOSTIP:][HOSTPORT[-END]:]PORT[-END][/tcp|/udp], and
 * append the mappings (a range gives one per port) to out[*n], at most max
 * in total.  "PORT" alone and "HOSTIP::PORT" leave host_port 0. */
int cc_net_parse_publish(const char *spec, struct cc_port_map *out, size_t max, size_t *n, cc_error **err);
/* An image's ExposedPorts key ("80/tcp", "53/udp", "8080") as a mapping to a
 * free host port on every address. */
int cc_net_parse_exposed(const char *key, struct cc_port_map *ret, cc_error **err);
/* One --expose value, PORT[-END][/tcp|/udp] (docker's CLI and its
 * messages), appended to out[*n] as mappings to free host ports, one per
 * port, a port already in out skipped; at most max in total. */
int cc_net_parse_expose(const char *arg, struct cc_port_map *out, size_t max, size_t *n, cc_error **err);
/* "80/tcp" and "0.0.0.0:18080", the way `docker port` prints them. */
void cc_net_format_container_port(const struct cc_port_map *m, char *out, size_t len);
void cc_net_format_host_port(const struct cc_port_map *m, char *out, size_t len);

/* Reserve the host side of every mapping before the container starts: bind
 * HOSTIP:HOSTPORT, so a port that is taken fails here with CC_ERR_IN_USE and
 * nobody else can bind it while the container runs (a port some socket
 * left in TIME_WAIT counts as taken for a minute).  Host port 0 gets a free port from the kernel, written back into
 * maps.  ret_fds (n entries) receives the sockets (O_CLOEXEC); on failure
 * every socket opened so far is closed. */
int cc_net_reserve_ports(struct cc_port_map *maps, size_t n, int *ret_fds, cc_error **err);

/* Make sure the bridge (up, with the gateway address and a fixed MAC),
 * IPv4 forwarding, route_localnet on the bridge and the network's nftables
 * chains exist.  Cheap when they do: a few netlink round trips, no
 * libnftables. */
int cc_net_bridge_ensure(const struct cc_net_config *c, cc_error **err);
/* Remove the bridge and the network's chains (network rm).  Idempotent. */
int cc_net_bridge_remove(const struct cc_net_config *c, cc_error **err);
/* Does an interface of this name exist on the host? 1, 0, or <0. */
int cc_net_link_exists(const char *name, cc_error **err);

/* One container's attachment. */
struct cc_net_endpoint {
	const char *id;          /* container ID (64 hex) */
	const char *owner;       /* CC_NET_OWNER_LEN hex chars: the store's tag */
	uint32_t ip;             /* leased address, host order */
	const struct cc_port_map *ports; /* reserved (host_port set) */
	size_t n_ports;
	const char *ifname;      /* inside the container; NULL: "eth0" */
	bool no_default_route;   /* a second network, or an internal one */
	const uint8_t *mac;      /* --mac-address, or NULL: derived from ip */
};

/* Name of the host end of the veth pair of the container with address ip:
 * "cc" + the address in hex ("cc0a4d0002").  Creating the pair with
 * NLM_F_EXCL is then a host-wide claim on the address: two stores that
 * share a bridge (each with its own leases) can never use one address at
 * the same time, and the claim dies with the container's namespace. */
void cc_net_veth_name(uint32_t ip, char out[16]);

/* Wire up the network namespace of pid: a veth pair with the host end on the
 * bridge and the other end in pid's namespace named eth0 (MAC derived from
 * the address, so a reused address keeps its neighbour entries valid), the
 * address, a default route via the gateway, and the DNAT chains for
 * ep->ports.  On failure, what was created is removed.  An address that is
 * in use on this host (its veth exists: another store's container, or one
 * that just stopped and whose namespace is still being torn down) fails
 * with CC_ERR_IN_USE and nothing created: lease another one. */
int cc_net_attach(const struct cc_net_config *c, pid_t pid, const struct cc_net_endpoint *ep, cc_error **err);
/* Take the veth of address ip away from a running container (network
 * disconnect): deleting the host end removes the pair.  Missing is fine. */
int cc_net_unplug(uint32_t ip, cc_error **err);
/* The first interface name ethN that the network namespace of pid lacks. */
int cc_net_free_ifname(pid_t pid, char out[16], cc_error **err);
/* Remove what cc_net_attach created for container id and outlives it: its
 * nftables chains (when it published ports).  The veth pair goes with the
 * container's network namespace.  Idempotent: missing chains are fine. */
int cc_net_detach(const char *owner, const char *id, bool ports, cc_error **err);

/* Delete the nftables chains of owner's containers for which alive(id)
 * returns false.  Returns the number of containers swept. */
int cc_net_sweep(const char *owner, bool (*alive)(const char *id, void *data), void *data, cc_error **err);

/* Per-container chain names ("c_<owner>_<id>_pre" / "_out"). */
int cc_net_container_chains(const char *owner, const char *id, char pre[128], char out[128]);
/* The nftables commands that cc_net_bridge_ensure and cc_net_attach run
 * (exposed for the unit tests).  malloc'd. */
char *cc_net_nft_base_rules(const struct cc_net_config *c);
char *cc_net_nft_port_rules(const struct cc_net_config *c, const struct cc_net_endpoint *ep);
/* "n_<bridge>_<subnet hex>_<prefix>" (chains append _post, _guard, _fwd, _in). */
void cc_net_base_chain_prefix(const struct cc_net_config *c, char out[64]);

/* What a container asks of its /etc/resolv.conf (NULL lists: nothing). */
#define CC_NET_MAX_DNS_SEARCH 32
#define CC_NET_MAX_DNS_OPTIONS 32
struct cc_resolv_opts {
	const char *const *dns;     /* --dns: replace the nameservers */
	size_t n_dns;
	const char *const *search;  /* --dns-search: replace the search and domain
	                               lines ("." is no domain: none at all) */
	size_t n_search;
	const char *const *options; /* --dns-option: replace the options lines */
	size_t n_options;
};

/* /etc/resolv.conf for a container.  host: the host's /etc/resolv.conf;
 * upstream: systemd-resolved's /run/systemd/resolve/resolv.conf or NULL.
 * When every nameserver of host is a loopback address and upstream is
 * given, upstream is used instead.  Loopback nameservers are dropped unless
 * keep_loopback (--network host).  o's dns, when given, replaces the
 * nameservers, its search the "search"/"domain" lines and its options the
 * "options" lines (docker's; also with --network host): the new lines come
 * last, nameservers, then search, then options.  When no nameserver
 * remains, the file says so in a comment and has none (the resolver then
 * tries 127.0.0.1 in the container and fails fast).  o may be NULL.
 * malloc'd, NULL on ENOMEM. */
char *cc_net_resolv_conf(const char *host, const char *upstream, bool keep_loopback, const struct cc_resolv_opts *o);
/* Read the host's files and call cc_net_resolv_conf. */
char *cc_net_container_resolv(bool keep_loopback, const struct cc_resolv_opts *o);
/* docker's --dns-search rule (opts.ValidateDNSSearch): "." or a domain,
 * labels of letters, digits and inner '-' joined by '.', at least one
 * letter, an optional trailing '.', under 255 bytes. */
bool cc_net_dns_search_valid(const char *domain);
/* A --dns-option: one word of printable ASCII ("ndots:2", "rotate"), no
 * more than 255 bytes. */
bool cc_net_dns_option_valid(const char *option);
/* Validate one --add-host value ("name:ip"; ip may be "host-gateway",
 * replaced by gateway, when non-NULL).  Writes "ip\tname\n" to out. */
int cc_net_parse_add_host(const char *spec, const char *gateway, char *out, size_t len, cc_error **err);

#endif
