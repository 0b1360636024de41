/* Network rows (store.h); bridges, rules and addresses are lib/network's. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store-internal.h"
#include "util/cleanup.h"
#include "util/util.h"

void cc_network_record_free(struct cc_network_record *n)
{
	if (n == NULL)
		return;
	free(n->name);
	free(n->id);
	free(n->bridge);
	free(n->subnet);
	free(n->gateway);
	free(n->ip_range);
	free(n->labels_json);
	free(n->options_json);
	free(n);
}

void cc_network_record_list_free(struct cc_network_record **v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++)
		cc_network_record_free(v[i]);
	free(v);
}

bool cc_network_name_valid(const char *name)
{
	size_t n = strlen(name);
	if (n < 1 || n > CC_NETWORK_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      (i > 0 && (c == '_' || c == '.' || c == '-'))))
			return false;
	}
	return true;
}

int cc_store_network_add(struct cc_store *s, const struct cc_network_record *n, cc_error **err)
{
	int r = cc_store_run(s, err,
			     "INSERT INTO networks(name,id,bridge,subnet,gateway,ip_range,internal,created,labels_json,"
			     "options_json) VALUES(?,?,?,?,?,?,?,?,?,?)",
			     "ssssssiiss", n->name, n->id, n->bridge, n->subnet, n->gateway, n->ip_range,
			     (int64_t)n->internal, n->created, n->labels_json, n->options_json);
	if (r < 0 && *err && (*err)->kind == CC_ERR_IN_USE) {
		cc_error_clear(err);
		return cc_error_setk(err, CC_ERR_IN_USE, 0,
				     "network with name %s already exists (or its bridge %s or subnet %s is taken)",
				     n->name, n->bridge, n->subnet);
	}
	return r;
}

#define NETWORK_COLS "name,id,bridge,subnet,gateway,ip_range,internal,created,labels_json,options_json"

static struct cc_network_record *row_to_network(sqlite3_stmt *st)
{
	struct cc_network_record *n = calloc(1, sizeof(*n));
	if (n == NULL)
		return NULL;
	n->name = cc_store_col_strdup(st, 0);
	n->id = cc_store_col_strdup(st, 1);
	n->bridge = cc_store_col_strdup(st, 2);
	n->subnet = cc_store_col_strdup(st, 3);
	n->gateway = cc_store_col_strdup(st, 4);
	n->ip_range = cc_store_col_strdup(st, 5);
	n->internal = sqlite3_column_int(st, 6) != 0;
	n->created = sqlite3_column_int64(st, 7);
	n->labels_json = cc_store_col_strdup(st, 8);
	n->options_json = cc_store_col_strdup(st, 9);
	if (n->name == NULL || n->id == NULL || n->bridge == NULL || n->subnet == NULL || n->gateway == NULL) {
		cc_network_record_free(n);
		return NULL;
	}
	return n;
}

/* The rows of a query with at most one text parameter. */
static int network_rows(struct cc_store *s, const char *sql, const char *arg, struct cc_network_record ***ret,
			size_t *ret_n, cc_error **err)
{
	sqlite3_stmt *st = NULL;
	if (cc_store_prepare(s, &st, sql, err) < 0)
		return -1;
	if (arg != NULL)
		sqlite3_bind_text(st, 1, arg, -1, SQLITE_TRANSIENT);
	struct cc_network_record **v = NULL;
	size_t n = 0, cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			struct cc_network_record **nv = realloc(v, cap * sizeof(*nv));
			if (nv == NULL) {
				rc = SQLITE_NOMEM;
				break;
			}
			v = nv;
		}
		if ((v[n] = row_to_network(st)) == NULL) {
			rc = SQLITE_NOMEM;
			break;
		}
		n++;
	}
	int r = 0;
	if (rc == SQLITE_NOMEM)
		r = cc_error_set(err, ENOMEM, "list networks");
	else if (rc != SQLITE_DONE)
		r = cc_store_sql_error(s, err, "list networks");
	sqlite3_finalize(st);
	if (r < 0) {
		cc_network_record_list_free(v, n);
		return r;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

int cc_store_network_list(struct cc_store *s, struct cc_network_record ***ret, size_t *ret_n, cc_error **err)
{
	return network_rows(s, "SELECT " NETWORK_COLS " FROM networks ORDER BY name", NULL, ret, ret_n, err);
}

static bool hex_prefix(const char *p)
{
	size_t n = strlen(p);
	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
			return false;
	return true;
}

int cc_store_network_get(struct cc_store *s, const char *ref, struct cc_network_record **ret, cc_error **err)
{
	if (strlen(ref) > CC_NETWORK_NAME_MAX)
		return cc_error_setk(err, CC_ERR_NOT_FOUND, 0, "network %.64s... not found", ref);
	struct cc_network_record **v = NULL;
	size_t n = 0;
	/* docker's order: the full ID, the name, then a unique ID prefix */
	if (network_rows(s, "SELECT " NETWORK_COLS " FROM networks WHERE id=?1 OR name=?1 ORDER BY id=?1 DESC", ref,
			 &v, &n, err) < 0)
		return -1;
	if (n == 0 && hex_prefix(ref)) {
		free(v);
		v = NULL;
		_cleanup_free_ char *pattern = NULL;
		if (asprintf(&pattern, "%s*", ref) < 0)
			return cc_error_set(err, ENOMEM, "find network");
		if (network_rows(s, "SELECT " NETWORK_COLS " FROM networks WHERE id GLOB ?", pattern, &v, &n, err) < 0)
			return -1;
		if (n > 1) {
			cc_network_record_list_free(v, n);
			return cc_error_setk(err, CC_ERR_INVALID, 0, "network %s is ambiguous (%zu matches found based on ID prefix)",
					     ref, n);
		}
	}
	if (n == 0) {
		free(v);
		return cc_error_setk(err, CC_ERR_NOT_FOUND, 0, "network %s not found", ref);
	}
	*ret = v[0];
	for (size_t i = 1; i < n; i++)
		cc_network_record_free(v[i]);
	free(v);
	return 0;
}

int cc_store_network_users(struct cc_store *s, const char *name, char ***ret_ids, cc_error **err)
{
	sqlite3_stmt *st = NULL;
	/* the spec names its networks (lib/container/spec.c): Network for the
	 * first, Networks for every one */
	if (cc_store_prepare(s, &st,
			     "SELECT id FROM containers WHERE json_valid(config_json) AND "
			     "(json_extract(config_json, '$.Spec.Network') = ?1 OR EXISTS (SELECT 1 FROM "
			     "json_each(config_json, '$.Spec.Networks') WHERE json_extract(value, '$.Name') = ?1)) "
			     "ORDER BY created, rowid",
			     err) < 0)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	char **ids = calloc(1, sizeof(char *));
	size_t n = 0;
	int rc = SQLITE_ROW;
	while (ids != NULL && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		char **nv = realloc(ids, (n + 2) * sizeof(char *));
		if (nv == NULL)
			break;
		ids = nv;
		if ((ids[n] = cc_store_col_strdup(st, 0)) == NULL)
			break;
		ids[++n] = NULL;
	}
	if (ids == NULL || rc == SQLITE_ROW) {
		sqlite3_finalize(st);
		cc_strvfreep(&ids);
		return cc_error_set(err, ENOMEM, "the containers of network %s", name);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		cc_strvfreep(&ids);
		return cc_store_sql_error(s, err, "the containers of a network");
	}
	*ret_ids = ids;
	return 0;
}

int cc_store_network_delete_unused(struct cc_store *s, const char *name, char ***ret_users, cc_error **err)
{
	*ret_users = NULL;
	if (cc_store_begin(s, err) < 0)
		return -1;
	if (cc_store_network_users(s, name, ret_users, err) < 0) {
		cc_store_rollback(s);
		return -1;
	}
	if ((*ret_users)[0] != NULL) {
		cc_store_rollback(s);
		return 0;
	}
	if (cc_store_run(s, err, "DELETE FROM networks WHERE name=?", "s", name) < 0 || cc_store_commit(s, err) < 0) {
		cc_store_rollback(s);
		cc_strvfreep(ret_users);
		return -1;
	}
	return 0;
}
