/* lib/network: a container's bridge networking, between the store (address
 * leases, container rows) and lib/runtime/net.h (interfaces and nftables).
 * lib/container's engine calls it at each step of a container's life.
 *
 * The order of a start, and why:
 *   cc_network_prepare       before the container's row exists: configuration,
 *                         -p/-P parsed and the host ports reserved (bound),
 *                         so a port in use fails with nothing left behind
 *   cc_network_on_created    in the runtime's on_created hook, after the row
 *                         says "running" with the container's pid and with
 *                         the container's lock held: sweep what dead
 *                         containers left (cc_network_gc), make sure the bridge
 *                         and NAT exist, lease an address, write /etc/hosts,
 *                         wire up the veth and the port rules.  Leasing only
 *                         then is what lets a concurrent sweep tell a
 *                         starting container from a dead one.
 *   cc_network_release       when the container stopped, from cc_container_finish
 *                         (every way a container ends): rules, veth, lease
 *   cc_network_teardown      the port reservations, when run lets go of them
 */
#ifndef CC_NETWORK_NETWORK_H
#define CC_NETWORK_NETWORK_H

#include <jansson.h>
#include <stdbool.h>

#include "runtime/net.h"
#include "runtime/runtime.h"
#include "store/store.h"

#define CC_NET_MAX_ENDPOINTS 8   /* networks per container */

/* One network a container is on, as its spec records it (--network,
 * --ip, --mac-address, --network-alias, network connect). */
struct cc_container_endpoint {
	char *network;    /* the network's name */
	char **aliases;   /* NULL-terminated, or NULL */
	char *ip;         /* asked for, or NULL: leased from the network's range */
	char *mac;        /* asked for, or NULL: derived from the address */
};
void cc_container_endpoint_release(struct cc_container_endpoint *e);

/* What the container asked for (its spec's; NULL-terminated lists, NULL
 * for none). */
struct cc_network_opts {
	char *const *publish;        /* -p values */
	bool publish_all;            /* -P */
	char *const *dns;            /* --dns (at most CC_NET_MAX_DNS) */
	char *const *add_host;       /* --add-host */
	/* bridged: the networks, the first one's gateway the default route
	 * (none: the default "bridge") */
	const struct cc_container_endpoint *endpoints;
	size_t n_endpoints;
	const char *join;            /* CC_NET_JOIN: the container (ID or name) */
	bool slirp;                  /* CC_NET_PASTA: slirp4netns instead of pasta */
};

/* One attachment while the container starts. */
struct cc_network_attachment {
	char name[CC_NETWORK_NAME_MAX + 1]; /* the network's */
	struct cc_net_config cfg;
	bool user;                   /* user-defined: its containers have names */
	uint32_t want_ip;            /* --ip, or 0 */
	uint8_t mac[6];
	bool has_mac;
	char *names;                 /* "name id12 alias..." for the network's DNS */
	uint32_t ip;                 /* leased in on_created */
};

struct cc_network {
	enum cc_net_mode mode;
	char owner[CC_NET_OWNER_LEN + 1];
	struct cc_network_attachment eps[CC_NET_MAX_ENDPOINTS];
	size_t n_eps;
	struct cc_port_map ports[CC_NET_MAX_PORTS]; /* on the first network's address */
	int fds[CC_NET_MAX_PORTS];   /* the reservations, held while the container runs */
	size_t n_ports;
	char *extra_hosts;           /* --add-host lines */
	int join_fd;                 /* CC_NET_JOIN: the other container's netns */
	bool slirp;                  /* CC_NET_PASTA: slirp4netns's */
};

/* ---- network objects (objects.c) ----
 * The built-in networks (bridge: network.json's default bridge; host;
 * none) are records too, with stable IDs and no row.  Records are the
 * store's (struct cc_network_record). */
bool cc_network_builtin(const char *name);
/* By name, ID or unique ID prefix; CC_ERR_NOT_FOUND "network X not found". */
int cc_network_get(struct cc_store *s, const char *ref, struct cc_network_record **ret, cc_error **err);
/* The built-ins, then the user's networks by name. */
int cc_network_list(struct cc_store *s, struct cc_network_record ***ret, size_t *ret_n, cc_error **err);
/* A bridged network's settings for lib/runtime. */
int cc_network_config(const struct cc_network_record *r, struct cc_net_config *c, cc_error **err);
struct cc_network_create {
	const char *name;
	const char *subnet, *gateway, *ip_range;   /* NULL: picked (10.89.N.0/24, .1) */
	const char *bridge;          /* -o com.docker.network.bridge.name, or NULL: br-<id12> */
	bool internal;
	const char *labels_json, *options_json;
};
/* A row; the bridge and its rules come with the first container. */
int cc_network_create(struct cc_store *s, const struct cc_network_create *o, struct cc_network_record **ret,
		      cc_error **err);
/* The row, the bridge and its rules.  A network that a container's spec
 * names (any state) is CC_ERR_IN_USE; a built-in one cannot go. */
int cc_network_remove(struct cc_store *s, const char *ref, bool force, cc_error **err);
/* docker's network inspect object (new reference). */
json_t *cc_network_inspect(struct cc_store *s, const struct cc_network_record *r);
/* The store's tag in chain names and run-time paths. */
void cc_network_owner_tag(struct cc_store *s, char out[CC_NET_OWNER_LEN + 1]);
/* The MAC address a container has on a network (text, 17 chars + NUL). */
void cc_network_mac_text(const struct cc_container_record *c, const char *network, uint32_t ip, char out[18]);
/* Whether a spec's network mode has bridged endpoints (bridge, or a
 * user-defined network's name). */
bool cc_network_mode_bridged(const char *mode);

/* Everything before the container exists.  CC_NET_JOIN (--network
 * container:X) opens X's network namespace into n->join_fd, for
 * cc_run_spec.netns_fd; X must be running.  exposed: the image's
 * ExposedPorts (for -P).  existing_config: the config JSON of a container
 * started again (its recorded ports are reused), else NULL. */
int cc_network_prepare(struct cc_network *n, struct cc_store *s, const struct cc_network_opts *o, enum cc_net_mode mode,
		       char *const *exposed, const char *existing_config, cc_error **err);
/* The names the container answers to on its user-defined networks (its
 * name, short ID and each endpoint's aliases), before on_created. */
int cc_network_set_names(struct cc_network *n, const char *id, const char *name,
			 const struct cc_container_endpoint *eps, size_t n_eps);
/* /etc/resolv.conf text: on a user-defined network, the network's own
 * resolver (its gateway) unless --dns; else the host's (net.h); o: --dns,
 * --dns-search, --dns-option (NULL: none).  malloc'd. */
char *cc_network_resolv(const struct cc_network *n, const struct cc_resolv_opts *o);
/* Make every user-defined network's resolver (names.c) serve the names of
 * the containers that hold leases on it now; a resolver with no names left
 * exits. */
int cc_network_names_update(struct cc_store *s, cc_error **err);
/* The resolver's state directory: <runroot>/dns-<owner tag>.  malloc'd. */
char *cc_network_dns_dir(struct cc_store *s);
/* Add "Ports" (the published ports) to a container's config JSON. */
void cc_network_config_json(const struct cc_network *n, json_t *cfg);
/* /etc/hosts text: localhost, the container's address (ip, or 127.0.1.1
 * without one) with hostname and name, then --add-host lines.  For
 * --network host with --add-host, the host's file plus those lines.  malloc'd. */
char *cc_network_hosts(const struct cc_network *n, const char *hostname, const char *name);
int cc_network_on_created(struct cc_network *n, struct cc_store *s, const char *id, pid_t pid, const char *hosts_path,
		       const char *hostname, const char *name, cc_error **err);
/* Close the port reservations and free n (after the container stopped, or
 * before a monitor takes the container over).  Safe on a zeroed n. */
void cc_network_teardown(struct cc_network *n);
/* Release what a stopped container held: its nftables chains, the host end
 * of its veth, its address lease; cfg is the container's Config JSON.
 * Idempotent; cc_container_finish calls it on every way a container ends. */
int cc_network_release(struct cc_store *s, const char *id, json_t *cfg, cc_error **err);

/* network connect of a running container (pid): one more veth (the first
 * free ethN, no default route), its lease and names. */
int cc_network_connect(struct cc_store *s, const char *id, const char *name, pid_t pid,
		       const struct cc_container_endpoint *e, cc_error **err);
/* network disconnect of a running container: its veth on the network and
 * its lease go, and its names there. */
int cc_network_disconnect(struct cc_store *s, const char *id, const char *network, cc_error **err);

/* Bridge networking for a build's RUN step (id: the step's own).  Its
 * lease is named after the building process ("build-PID-START-ID"), which
 * holds it while that process lives: cc_network_gc releases it once the
 * process is gone.  attach also writes hosts_path with the address. */
int cc_network_build_attach(struct cc_store *s, const char *id, pid_t pid, const char *hosts_path, const char *hostname,
			 const char *extra_hosts, cc_error **err);
int cc_network_build_detach(struct cc_store *s, const char *id, cc_error **err);

/* Remove nftables rules and leases of this store's containers whose row is
 * gone or which are not running (a SIGKILLed ccontainer leaves both behind;
 * the veth dies with the namespace).  Idempotent; for rm/ps and each start. */
int cc_network_gc(struct cc_store *s, cc_error **err);

/* docker's NetworkSettings for inspect: Bridge, Gateway, IPAddress,
 * IPPrefixLen, MacAddress (the default bridge's, while the container holds
 * its lease), Ports ({"80/tcp": [{"HostIp": "0.0.0.0", "HostPort":
 * "8080"}]}) and Networks (one object per endpoint, addresses while it
 * runs).  mode and eps: the spec's.  New reference. */
json_t *cc_network_settings(struct cc_store *s, const struct cc_container_record *c, const char *mode,
			    const struct cc_container_endpoint *eps, size_t n_eps);

/* The published ports recorded in a container's config JSON. */
int cc_network_ports_from_json(const char *config_json, struct cc_port_map *out, size_t max, size_t *ret_n);

/* ---- rootless: pasta (pasta.c) ----
 * CC_NET_PASTA: pasta joins the container's network namespace from
 * on_created (its ports from the published ones; DNS forwarded from
 * CC_NETWORK_PASTA_DNS) and is ended by cc_network_release. */
#define CC_NETWORK_PASTA_DNS "169.254.1.1"
bool cc_network_pasta_available(void);
/* Host ports for the published ports without one (pasta needs numbers). */
int cc_network_pasta_pick_ports(struct cc_network *n, cc_error **err);
int cc_network_pasta_start(struct cc_network *n, struct cc_store *s, const char *id, pid_t pid, cc_error **err);
/* wait: until it is gone (it held published ports). */
int cc_network_pasta_stop(struct cc_store *s, const char *id, bool wait, cc_error **err);
/* End the helper whose pid the file has (pasta.c): only when its name
 * starts with one of comms; with wait, until it is gone. */
int cc_network_helper_stop(const char *pidfile, const char *const *comms, bool wait);
/* The fallback without pasta (and --network slirp4netns), slirp.c: the
 * same shape, DNS at CC_NETWORK_SLIRP_DNS. */
#define CC_NETWORK_SLIRP_DNS "10.0.2.3"
bool cc_network_slirp_available(void);
int cc_network_slirp_start(struct cc_network *n, struct cc_store *s, const char *id, pid_t pid, cc_error **err);
int cc_network_slirp_stop(struct cc_store *s, const char *id, bool wait, cc_error **err);
/* A rootless container's network helper for a mode given as bridge or
 * default: "pasta", else "slirp4netns" (either when neither is here: the
 * start says which to install). */
const char *cc_network_rootless_default(void);

#endif
