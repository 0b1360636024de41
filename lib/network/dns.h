/* lib/network/dns: the embedded DNS server of user-defined networks
 * (docker's embedded DNS, podman's aardvark-dns): one resolver process,
 * ccontainer-dns (cmd/dns), for every network of a state directory, which
 * answers a container's queries for the names of the containers on the
 * same network and relays everything else to the host's resolvers.
 *
 * The caller (the network code) passes the whole record set every time:
 * for each network with DNS, for each container on it, one record for each
 * name the container has there (its name, its 12-hex short ID, each alias),
 * server being the network's gateway.  See docs/ARCHITECTURE.md, "Embedded
 * DNS". */
#ifndef CC_NETWORK_DNS_H
#define CC_NETWORK_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

struct cc_dns_record {
	uint32_t server;  /* the address the resolver listens on for this record's network (its gateway), host order */
	const char *name; /* a name the container is known by there: 1..253 of [A-Za-z0-9_.-]; case-insensitive */
	uint32_t ip;      /* the container's address on that network, host order */
};

/* Make the resolver of state directory dir serve exactly these records
 * (n <= 8192).  Writes dir/hosts atomically (dir created 0700 if missing);
 * a running resolver reloads it and has bound any new server address when
 * this returns; with none running and n > 0 one is started (detached) and
 * is listening on every server address when this returns; a resolver left
 * with no records exits.  Calls for one dir are serialised (dir/lock).
 * The helper is cc_helper_path("ccontainer-dns", "CCONTAINER_DNS"). */
int cc_dns_update(const char *dir, const struct cc_dns_record *recs, size_t n, cc_error **err);
/* Stop the resolver of dir if one runs (SIGTERM, then wait for it). */
int cc_dns_stop(const char *dir, cc_error **err);
/* A name a record may carry (network aliases are checked with it). */
bool cc_dns_name_valid(const char *name);

#endif
