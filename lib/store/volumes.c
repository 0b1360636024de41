/* Volume rows (store.h); the directories are lib/container's (volume.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store-internal.h"
#include "util/cleanup.h"
#include "util/util.h"

void cc_volume_record_free(struct cc_volume_record *v)
{
	if (v == NULL)
		return;
	free(v->name);
	free(v->labels_json);
	free(v->options_json);
	free(v);
}

bool cc_volume_name_valid(const char *name)
{
	size_t n = strlen(name);
	if (n < 2 || n > CC_VOLUME_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      (i > 0 && (c == '_' || c == '.' || c == '-'))))
			return false;
	}
	return true;
}

int cc_store_volume_add(struct cc_store *s, const struct cc_volume_record *v, cc_error **err)
{
	int r = cc_store_run(s, err,
			     "INSERT INTO volumes(name,created,labels_json,options_json,anonymous) VALUES(?,?,?,?,?)",
			     "sissi", v->name, v->created, v->labels_json, v->options_json, (int64_t)v->anonymous);
	if (r < 0 && *err && (*err)->kind == CC_ERR_IN_USE) {
		cc_error_clear(err);
		return cc_error_setk(err, CC_ERR_IN_USE, 0, "a volume named %s already exists", v->name);
	}
	return r;
}

#define VOLUME_COLS "name,created,labels_json,options_json,anonymous"

static struct cc_volume_record *row_to_volume(sqlite3_stmt *st)
{
	struct cc_volume_record *v = calloc(1, sizeof(*v));
	if (v == NULL)
		return NULL;
	v->name = cc_store_col_strdup(st, 0);
	v->created = sqlite3_column_int64(st, 1);
	v->labels_json = cc_store_col_strdup(st, 2);
	v->options_json = cc_store_col_strdup(st, 3);
	v->anonymous = sqlite3_column_int(st, 4) != 0;
	if (v->name == NULL) {
		cc_volume_record_free(v);
		return NULL;
	}
	return v;
}

int cc_store_volume_get(struct cc_store *s, const char *name, struct cc_volume_record **ret, cc_error **err)
{
	sqlite3_stmt *st = NULL;
	if (strlen(name) > CC_VOLUME_NAME_MAX)
		return cc_error_setk(err, CC_ERR_NOT_FOUND, 0, "get %.64s...: no such volume", name);
	if (cc_store_prepare(s, &st, "SELECT " VOLUME_COLS " FROM volumes WHERE name=?", err) < 0)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	struct cc_volume_record *v = rc == SQLITE_ROW ? row_to_volume(st) : NULL;
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return cc_error_setk(err, CC_ERR_NOT_FOUND, 0, "get %s: no such volume", name);
	if (rc != SQLITE_ROW)
		return cc_store_sql_error(s, err, "read volume");
	if (v == NULL)
		return cc_error_set(err, ENOMEM, "read volume %s", name);
	*ret = v;
	return 0;
}

int cc_store_volume_list(struct cc_store *s, struct cc_volume_record ***ret, size_t *ret_n, cc_error **err)
{
	sqlite3_stmt *st = NULL;
	if (cc_store_prepare(s, &st, "SELECT " VOLUME_COLS " FROM volumes ORDER BY name", err) < 0)
		return -1;
	struct cc_volume_record **v = NULL;
	size_t n = 0, cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			struct cc_volume_record **nv = realloc(v, cap * sizeof(*nv));
			if (nv == NULL) {
				rc = SQLITE_NOMEM;
				break;
			}
			v = nv;
		}
		if ((v[n] = row_to_volume(st)) == NULL) {
			rc = SQLITE_NOMEM;
			break;
		}
		n++;
	}
	int r = 0;
	if (rc == SQLITE_NOMEM)
		r = cc_error_set(err, ENOMEM, "list volumes");
	else if (rc != SQLITE_DONE)
		r = cc_store_sql_error(s, err, "list volumes");
	sqlite3_finalize(st);
	if (r < 0) {
		for (size_t i = 0; i < n; i++)
			cc_volume_record_free(v[i]);
		free(v);
		return r;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

int cc_store_volume_delete(struct cc_store *s, const char *name, cc_error **err)
{
	return cc_store_run(s, err, "DELETE FROM volumes WHERE name=?", "s", name);
}

int cc_store_volume_users(struct cc_store *s, const char *name, char ***ret_ids, cc_error **err)
{
	sqlite3_stmt *st = NULL;
	/* the spec's mounts name their volume (lib/container/spec.c) */
	if (cc_store_prepare(s, &st,
			     "SELECT id FROM containers WHERE json_valid(config_json) AND EXISTS (SELECT 1 FROM "
			     "json_each(config_json, '$.Spec.Mounts') WHERE json_extract(value, '$.Volume') = ?) "
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
	if (ids == NULL || (rc == SQLITE_ROW)) {
		sqlite3_finalize(st);
		cc_strvfreep(&ids);
		return cc_error_set(err, ENOMEM, "the containers of volume %s", name);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		cc_strvfreep(&ids);
		return cc_store_sql_error(s, err, "the containers of a volume");
	}
	*ret_ids = ids;
	return 0;
}

char *cc_store_volume_dir(const struct cc_store *s, const char *name)
{
	char *p = NULL;
	return asprintf(&p, "%s/volumes/%s", s->root, name) < 0 ? NULL : p;
}

char *cc_store_volume_data(const struct cc_store *s, const char *name)
{
	char *p = NULL;
	return asprintf(&p, "%s/volumes/%s/_data", s->root, name) < 0 ? NULL : p;
}

int cc_store_volume_delete_unused(struct cc_store *s, const char *name, char ***ret_users, cc_error **err)
{
	*ret_users = NULL;
	if (cc_store_begin(s, err) < 0)
		return -1;
	if (cc_store_volume_users(s, name, ret_users, err) < 0) {
		cc_store_rollback(s);
		return -1;
	}
	if ((*ret_users)[0] != NULL) {
		cc_store_rollback(s);
		return 0;
	}
	if (cc_store_volume_delete(s, name, err) < 0 || cc_store_commit(s, err) < 0) {
		cc_store_rollback(s);
		cc_strvfreep(ret_users);
		return -1;
	}
	return 0;
}
