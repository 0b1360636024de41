/* ccontainer port CONTAINER [PRIVATE_PORT[/PROTO]]: the published ports, as
 * `docker port` prints them. */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "network/network.h"

struct port_opts {
	bool unused;
};

static const struct cmd_opt port_options[] = {
	OPT_END,
};

static int port_action(void *opts, int argc, char **argv)
{
	(void)opts;
	const char *ref = argv[0], *filter = argc == 2 ? argv[1] : NULL;
	struct cc_port_map want = { 0 };
	cc_error *e = NULL;
	if (filter != NULL && cc_net_parse_exposed(filter, &want, &e) < 0) {
		cc_error_clear(&e);
		return cmd_usagef("invalid port '%s': expected PORT[/tcp|/udp]", filter);
	}

	struct cc_store *s = cmd_open_store();
	if (s == NULL)
		return EXIT_CC_ERROR;
	struct cc_container_record *rec = NULL;
	if (cc_store_container_get(s, ref, &rec, &e) < 0) {
		cc_store_close(s);
		return cmd_fail(e, EXIT_CC_ERROR);
	}
	static struct cc_port_map maps[CC_NET_MAX_PORTS];
	size_t n = 0;
	cc_network_ports_from_json(rec->config_json, maps, CC_NET_MAX_PORTS, &n);
	int rc = 0;
	bool found = false;
	for (size_t i = 0; i < n; i++) {
		char cport[32], host[64];
		cc_net_format_container_port(&maps[i], cport, sizeof(cport));
		cc_net_format_host_port(&maps[i], host, sizeof(host));
		if (filter == NULL) {
			printf("%s -> %s\n", cport, host);
		} else if (maps[i].container_port == want.container_port && maps[i].proto == want.proto) {
			printf("%s\n", host);
			found = true;
		}
	}
	if (filter != NULL && !found) {
		char cport[32];
		cc_net_format_container_port(&want, cport, sizeof(cport));
		rc = cmd_failf(EXIT_CC_ERROR, "no public port '%s' published for %s", cport, ref);
	}
	cc_container_record_free(rec);
	cc_store_close(s);
	return rc;
}

const struct cmd_verb cmd_port_verb = {
	.name = "port",
	.usage = "CONTAINER [PRIVATE_PORT[/PROTO]]",
	.summary = "List port mappings or a specific mapping for the container",
	.opts = port_options,
	.opts_size = sizeof(struct port_opts),
	.min_args = 1,
	.max_args = 2,
	.complete_args = CMD_COMPLETE_CONTAINER,
	.action = port_action,
};
