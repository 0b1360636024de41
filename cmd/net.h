/* cmd/net: bridge networking for `run`, between the store (address leases,
 * container rows) and lib/runtime/net.h (interfaces and nftables).
 *
 * The order of a start, and why:
 *   cmd_net_prepare       before the container's row exists: configuration,
 *                         -p/-P parsed and the host ports reserved (bound),
 *                         so a port in use fails with nothing left behind
 *   cmd_net_on_created    in the runtime's on_created hook, after the row
 *                         says "running" with the container's pid and with
 *                         the container's lock held: sweep what dead
 *                         containers left (cc_net_gc), make sure the bridge
 *                         and NAT exist, lease an address, write /etc/hosts,
 *                         wire up the veth and the port rules.  Leasing only
 *                         then is what lets a concurrent sweep tell a
 *                         starting container from a dead one.
 *   cmd_net_release       when the container stopped, from cmd_container_finish
 *                         (every way a container ends): rules, veth, lease
 *   cmd_net_teardown      the port reservations, when run lets go of them
 */
#ifndef CC_CMD_NET_H
#define CC_CMD_NET_H

#include <jansson.h>
#include <stdbool.h>

#include "options.h"
#include "runtime/net.h"
#include "runtime/runtime.h"
#include "store/store.h"

/* What the user asked for (run's options; its table fills them). */
struct cmd_net_opts {
	struct cmd_strv publish;     /* -p values */
	bool publish_all;            /* -P */
	struct cmd_strv dns;         /* --dns (at most CC_NET_MAX_DNS) */
	struct cmd_strv add_host;    /* --add-host */
};

struct cmd_net {
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
 * started again (its recorded ports are reused), else NULL.  Prints the
 * error and returns 125, or 0. */
int cmd_net_prepare(struct cmd_net *n, struct cc_store *s, const struct cmd_net_opts *o, enum cc_net_mode mode,
		    char *const *exposed, const char *existing_config);
/* Add "Ports" (the published ports) to a container's config JSON. */
void cmd_net_config_json(const struct cmd_net *n, json_t *cfg);
/* /etc/hosts text: localhost, the container's address (ip, or 127.0.1.1
 * without one) with hostname and name, then --add-host lines.  For
 * --network host with --add-host, the host's file plus those lines.  malloc'd. */
char *cmd_net_hosts(const struct cmd_net *n, const char *hostname, const char *name);
int cmd_net_on_created(struct cmd_net *n, struct cc_store *s, const char *id, pid_t pid, const char *hosts_path,
		       const char *hostname, const char *name, cc_error **err);
/* Close the port reservations and free n (after the container stopped, or
 * before a monitor takes the container over).  Safe on a zeroed n. */
void cmd_net_teardown(struct cmd_net *n);
/* Release what a stopped container held: its nftables chains, the host end
 * of its veth, its address lease; cfg is the container's Config JSON.
 * Idempotent; cmd_container_finish calls it on every way a container ends. */
int cmd_net_release(struct cc_store *s, const char *id, json_t *cfg, cc_error **err);

/* Bridge networking for a build's RUN step (id: the step's own).  Its
 * lease is named after the building process ("build-PID-START-ID"), which
 * holds it while that process lives: cc_net_gc releases it once the
 * process is gone.  attach also writes hosts_path with the address. */
int cmd_net_build_attach(struct cc_store *s, const char *id, pid_t pid, const char *hosts_path, const char *hostname,
			 cc_error **err);
int cmd_net_build_detach(struct cc_store *s, const char *id, cc_error **err);

/* Remove nftables rules and leases of this store's containers whose row is
 * gone or which are not running (a SIGKILLed ccontainer leaves both behind;
 * the veth dies with the namespace).  Idempotent; for rm/ps and each start. */
int cc_net_gc(struct cc_store *s, cc_error **err);

/* docker's NetworkSettings for inspect: Bridge, Gateway, IPAddress,
 * IPPrefixLen, MacAddress (while the container holds its lease) and Ports
 * ({"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}]}).  New reference. */
json_t *cmd_net_settings(struct cc_store *s, const struct cc_container_record *c);

/* The published ports recorded in a container's config JSON. */
int cmd_net_ports_from_json(const char *config_json, struct cc_port_map *out, size_t max, size_t *ret_n);

#endif
