/* See dns.h: the resolver is not built yet. */
#include "network/dns.h"

bool cc_dns_available(void)
{
	return false;
}

int cc_dns_update(const char *dir, const struct cc_dns_record *recs, size_t n, cc_error **err)
{
	(void)dir, (void)recs, (void)n, (void)err;
	return 0;
}
