/* lib/network/dns: the resolver that serves names on user-defined networks.
 * Not built yet: cc_dns_available() says false and cc_dns_update does
 * nothing, so containers on user-defined networks use the host's resolvers
 * until it lands. */
#ifndef CC_NETWORK_DNS_H
#define CC_NETWORK_DNS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

struct cc_dns_record {
	uint32_t server; /* the network's gateway, host byte order */
	const char *name;
	uint32_t ip;     /* host byte order */
};
bool cc_dns_available(void);
int cc_dns_update(const char *dir, const struct cc_dns_record *recs, size_t n, cc_error **err);
#endif
