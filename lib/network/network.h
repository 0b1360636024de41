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

/* What the container asked for (its spec's; NULL-terminated lists, NULL
 * for none). */
struct cc_network_opts {
	char *const *publish;        /* -p values */
	bool publish_all;            /* -P */
	char *const *dns;            /* --dns (at most CC_NET_MAX_DNS) */
	char *const *add_host;       /* --add-host */
};

struct cc_network {
	enum cc_net_mode mode;
	struct cc_net_config cfg;
	char owner[CC_NET_OWNER_LEN + 1];
	struct cc_port_map ports[CC_NET_MAX_PORTS];
	int fds[CC_NET_MAX_PORTS];   /* the reservations, held while the container runs */
	size_t n_ports;
	char *extra_hosts;           /* --add-host lines */
	uint32_t ip;                 /* leased in on_created */
};

/* Everything before the container exists.  exposed: the image's
 * ExposedPorts (for -P).  existing_config: the config JSON of a container
 * started again (its recorded ports are reused), else NULL. */
int cc_network_prepare(struct cc_network *n, struct cc_store *s, const struct cc_network_opts *o, enum cc_net_mode mode,
		       char *const *exposed, const char *existing_config, cc_error **err);
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
 * IPPrefixLen, MacAddress (while the container holds its lease) and Ports
 * ({"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}]}).  New reference. */
json_t *cc_network_settings(struct cc_store *s, const struct cc_container_record *c);

/* The published ports recorded in a container's config JSON. */
int cc_network_ports_from_json(const char *config_json, struct cc_port_map *out, size_t max, size_t *ret_n);

#endif
