/* Address leases for bridge networking. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store-internal.h"

int cc_store_lease(struct cc_store *s, const char *network, uint32_t first, uint32_t last, const char *container_id,
		   uint32_t *ret_ip, cc_error **err)
{
	if (first > last)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "lease: empty address range");
	if (cc_store_begin(s, err) < 0)
		return -1;
	sqlite3_stmt *st = NULL;
	if (cc_store_prepare(s, &st, "SELECT ip FROM leases WHERE network=?", err) < 0) {
		cc_store_rollback(s);
		return -1;
	}
	sqlite3_bind_text(st, 1, network, -1, SQLITE_TRANSIENT);
	/* A bitmap of the range: leases are few, the range at most a /16. */
	uint64_t span = (uint64_t)last - first + 1;
	if (span > (1u << 24)) {
		sqlite3_finalize(st);
		cc_store_rollback(s);
		return cc_error_setk(err, CC_ERR_INVALID, 0, "lease: address range too large");
	}
	unsigned char *used = calloc((size_t)(span + 7) / 8, 1);
	int rc;
	while (used && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct in_addr a;
		const char *t = (const char *)sqlite3_column_text(st, 0);
		if (t && inet_pton(AF_INET, t, &a) == 1) {
			uint32_t ip = ntohl(a.s_addr);
			if (ip >= first && ip <= last)
				used[(ip - first) / 8] |= (unsigned char)(1u << ((ip - first) % 8));
		}
	}
	sqlite3_finalize(st);
	if (used == NULL) {
		cc_store_rollback(s);
		return cc_error_set(err, ENOMEM, "lease");
	}
	uint64_t i = 0;
	while (i < span && (used[i / 8] & (1u << (i % 8))))
		i++;
	free(used);
	if (i == span) {
		cc_store_rollback(s);
		return cc_error_setk(err, CC_ERR_IN_USE, 0, "no free address left in network '%s'", network);
	}
	uint32_t ip = first + (uint32_t)i;
	struct in_addr a = { .s_addr = htonl(ip) };
	char text[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &a, text, sizeof(text));
	if (cc_store_run(s, err, "INSERT INTO leases(network, ip, container_id, created) VALUES(?,?,?,?)", "sssi",
			 network, text, container_id, (int64_t)time(NULL)) < 0) {
		cc_store_rollback(s);
		return -1;
	}
	if (cc_store_commit(s, err) < 0)
		return -1;
	*ret_ip = ip;
	return 0;
}

int cc_store_lease_release(struct cc_store *s, const char *container_id, cc_error **err)
{
	return cc_store_run(s, err, "DELETE FROM leases WHERE container_id=?", "s", container_id);
}

int cc_store_lease_set_names(struct cc_store *s, const char *network, const char *container_id, const char *names,
			     cc_error **err)
{
	return cc_store_run(s, err, "UPDATE leases SET names=? WHERE network=? AND container_id=?", "sss", names,
			    network, container_id);
}

int cc_store_lease_release_on(struct cc_store *s, const char *network, const char *container_id, cc_error **err)
{
	return cc_store_run(s, err, "DELETE FROM leases WHERE network=? AND container_id=?", "ss", network,
			    container_id);
}

void cc_lease_list_free(struct cc_lease *l, size_t n)
{
	for (size_t i = 0; l != NULL && i < n; i++) {
		free(l[i].container_id);
		free(l[i].network);
		free(l[i].names);
	}
	free(l);
}

int cc_store_lease_list(struct cc_store *s, const char *network, struct cc_lease **ret, size_t *ret_n,
			cc_error **err)
{
	sqlite3_stmt *st = NULL;
	if (cc_store_prepare(s, &st,
			     network != NULL ? "SELECT container_id, ip, network, names FROM leases WHERE network=? ORDER BY ip"
					     : "SELECT container_id, ip, network, names FROM leases ORDER BY network, ip",
			     err) < 0)
		return -1;
	if (network != NULL)
		sqlite3_bind_text(st, 1, network, -1, SQLITE_TRANSIENT);
	struct cc_lease *v = NULL;
	size_t n = 0, cap = 0;
	int rc;
	bool nomem = false;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct in_addr a;
		const char *t = (const char *)sqlite3_column_text(st, 1);
		if (t == NULL || inet_pton(AF_INET, t, &a) != 1)
			continue;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			struct cc_lease *nv = realloc(v, nc * sizeof(*nv));
			if (nv == NULL) {
				nomem = true;
				break;
			}
			v = nv;
			cap = nc;
		}
		v[n].container_id = cc_store_col_strdup(st, 0);
		v[n].network = cc_store_col_strdup(st, 2);
		v[n].names = sqlite3_column_type(st, 3) == SQLITE_NULL ? NULL : cc_store_col_strdup(st, 3);
		v[n].ip = ntohl(a.s_addr);
		if (v[n].container_id == NULL || v[n].network == NULL) {
			free(v[n].container_id);
			free(v[n].network);
			nomem = true;
			break;
		}
		n++;
	}
	sqlite3_finalize(st);
	if (nomem || (rc != SQLITE_DONE && rc != SQLITE_ROW)) {
		cc_lease_list_free(v, n);
		return nomem ? cc_error_set(err, ENOMEM, "list leases") : cc_store_sql_error(s, err, "list leases");
	}
	*ret = v;
	*ret_n = n;
	return 0;
}
