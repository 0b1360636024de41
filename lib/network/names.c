/* Names on user-defined networks: every container with a lease on one
 * answers to its name, short ID and aliases (the lease's names, written
 * when it was plugged in), served by the store's resolver (dns.c) on each
 * network's gateway address.  See network.h. */
#include "network/network.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "network/dns.h"
#include "util/cleanup.h"
#include "util/util.h"

#define NAMES_MAX 4096   /* names per lease: a spec has few aliases */

char *cc_network_dns_dir(struct cc_store *s)
{
	char owner[CC_NET_OWNER_LEN + 1], *p = NULL;
	cc_network_owner_tag(s, owner);
	return asprintf(&p, "%s/dns-%s", cc_store_runroot(s), owner) < 0 ? NULL : p;
}

int cc_network_names_update(struct cc_store *s, cc_error **err)
{
	struct cc_network_record **nets = NULL;
	size_t nn = 0;
	struct cc_lease *l = NULL;
	size_t nl = 0;
	if (cc_store_network_list(s, &nets, &nn, err) < 0)
		return -1;
	if (cc_store_lease_list(s, NULL, &l, &nl, err) < 0) {
		cc_network_record_list_free(nets, nn);
		return -1;
	}
	int rc = -1;
	size_t n = 0, cap = 0;
	struct cc_dns_record *recs = NULL;
	_cleanup_free_ char *dir = cc_network_dns_dir(s);
	if (dir == NULL) {
		cc_error_set(err, ENOMEM, "update the networks' names");
		goto out;
	}
	for (size_t i = 0; i < nl; i++) {
		if (l[i].names == NULL || strlen(l[i].names) > NAMES_MAX)
			continue;
		uint32_t server = 0;
		for (size_t k = 0; k < nn && server == 0; k++) {
			struct in_addr a;
			if (strcmp(nets[k]->bridge, l[i].network) == 0 && inet_pton(AF_INET, nets[k]->gateway, &a) == 1)
				server = ntohl(a.s_addr);
		}
		if (server == 0) /* the default bridge: no names, as docker's */
			continue;
		char *save = NULL;
		for (char *w = strtok_r(l[i].names, " ", &save); w != NULL; w = strtok_r(NULL, " ", &save)) {
			if (!cc_dns_name_valid(w)) /* checked when given; a row from elsewhere */
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 32;
				struct cc_dns_record *nv = realloc(recs, cap * sizeof(*nv));
				if (nv == NULL) {
					cc_error_set(err, ENOMEM, "update the networks' names");
					goto out;
				}
				recs = nv;
			}
			recs[n++] = (struct cc_dns_record){ .server = server, .name = w, .ip = l[i].ip };
		}
	}
	rc = cc_dns_update(dir, recs, n, err);
	if (rc < 0)
		cc_error_prefix(err, "the networks' DNS");
out:
	free(recs);
	cc_lease_list_free(l, nl);
	cc_network_record_list_free(nets, nn);
	return rc;
}
