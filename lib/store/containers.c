/* Container rows. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store-internal.h"
#include "util/util.h"

void cc_container_record_free(struct cc_container_record *c)
{
	if (c == NULL)
		return;
	free(c->id);
	free(c->name);
	free(c->image_id);
	free(c->image_name);
	free(c->command);
	free(c->config_json);
	free(c->state);
	free(c);
}

bool cc_container_name_valid(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > CC_CONTAINER_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      (i > 0 && (c == '_' || c == '.' || c == '-'))))
			return false;
	}
	return true;
}

int cc_store_container_set_config(struct cc_store *s, const char *id, const char *config_json, cc_error **err)
{
	return cc_store_run(s, err, "UPDATE containers SET config_json=? WHERE id=?", "ss", config_json, id);
}

int cc_store_container_rename(struct cc_store *s, const char *id, const char *name, cc_error **err)
{
	if (!cc_container_name_valid(name))
		return cc_error_setk(err, CC_ERR_INVALID, 0, "Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
				     name);
	int r = cc_store_run(s, err, "UPDATE containers SET name=? WHERE id=?", "ss", name, id);
	if (r < 0 && *err && (*err)->kind == CC_ERR_IN_USE) {
		cc_error_clear(err);
		struct cc_container_record *other = NULL;
		(void)cc_store_container_get(s, name, &other, err);
		cc_error_clear(err);
		r = cc_error_setk(err, CC_ERR_IN_USE, 0,
				  "Error when allocating new name: Conflict. The container name \"/%s\" is already in use by "
				  "container \"%s\". You have to remove (or rename) that container to be able to reuse that name.",
				  name, other ? other->id : "?");
		cc_container_record_free(other);
	}
	return r;
}

int cc_store_container_add(struct cc_store *s, const struct cc_container_record *c, cc_error **err)
{
	int r = cc_store_run(s, err,
			     "INSERT INTO containers(id,name,image_id,image_name,command,config_json,state,created)"
			     " VALUES(?,?,?,?,?,?,?,?)",
			     "sssssssi", c->id, c->name, c->image_id, c->image_name, c->command, c->config_json,
			     c->state, (int64_t)c->created);
	if (r < 0 && *err && (*err)->kind == CC_ERR_IN_USE) {
		cc_error_clear(err);
		return cc_error_setk(err, CC_ERR_IN_USE, 0,
				     "the container name \"/%s\" is already in use by another container", c->name);
	}
	return r;
}

int cc_store_container_update_state(struct cc_store *s, const char *id, const char *state, int pid, int exit_code,
				    bool oom_killed, cc_error **err)
{
	int64_t now = time(NULL);
	if (strcmp(state, "running") == 0)
		return cc_store_run(s, err,
				    "UPDATE containers SET state=?, pid=?, started=?, exit_code=0, oom_killed=0 WHERE id=?",
				    "siis", state, (int64_t)pid, now, id);
	return cc_store_run(s, err, "UPDATE containers SET state=?, pid=?, finished=?, exit_code=?, oom_killed=? WHERE id=?",
			    "siiiis", state, (int64_t)pid, now, (int64_t)exit_code, (int64_t)oom_killed, id);
}

int cc_store_container_set_paused(struct cc_store *s, const char *id, bool paused, cc_error **err)
{
	return cc_store_run(s, err, "UPDATE containers SET state=? WHERE id=? AND state=?", "sss",
			    paused ? "paused" : "running", id, paused ? "running" : "paused");
}

int cc_store_container_started(struct cc_store *s, const char *id, int pid, uint64_t pid_start, cc_error **err)
{
	return cc_store_run(s, err,
			    "UPDATE containers SET state='running', pid=?, pid_start=?, started=?, exit_code=0, oom_killed=0"
			    " WHERE id=?", "iiis", (int64_t)pid, (int64_t)pid_start, (int64_t)time(NULL), id);
}

int cc_store_container_delete(struct cc_store *s, const char *id, cc_error **err)
{
	return cc_store_run(s, err, "DELETE FROM containers WHERE id=?", "s", id);
}

#define CONTAINER_COLS \
	"id,name,image_id,image_name,command,config_json,state,created,started,finished,pid,exit_code,oom_killed,pid_start"

static struct cc_container_record *row_to_container(sqlite3_stmt *st)
{
	struct cc_container_record *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->id = cc_store_col_strdup(st, 0);
	c->name = cc_store_col_strdup(st, 1);
	c->image_id = cc_store_col_strdup(st, 2);
	c->image_name = cc_store_col_strdup(st, 3);
	c->command = cc_store_col_strdup(st, 4);
	c->config_json = cc_store_col_strdup(st, 5);
	c->state = cc_store_col_strdup(st, 6);
	c->created = sqlite3_column_int64(st, 7);
	c->started = sqlite3_column_int64(st, 8);
	c->finished = sqlite3_column_int64(st, 9);
	c->pid = sqlite3_column_int(st, 10);
	c->exit_code = sqlite3_column_int(st, 11);
	c->oom_killed = sqlite3_column_int(st, 12) != 0;
	c->pid_start = (uint64_t)sqlite3_column_int64(st, 13);
	return c;
}

int cc_store_container_get(struct cc_store *s, const char *ref, struct cc_container_record **ret, cc_error **err)
{
	size_t n = strlen(ref);
	if (n == 0 || n > 128)
		return cc_error_setk(err, CC_ERR_NOT_FOUND, 0, "No such container: %s", ref);
	sqlite3_stmt *st = NULL;
	/* Exact name or ID first, then a unique ID prefix. */
	if (cc_store_prepare(s, &st, "SELECT " CONTAINER_COLS " FROM containers WHERE name=?1 OR id=?1 "
			     "UNION ALL SELECT " CONTAINER_COLS " FROM containers WHERE substr(id,1,?2)=?1 "
			     "AND NOT EXISTS (SELECT 1 FROM containers WHERE name=?1 OR id=?1) LIMIT 2", err) < 0)
		return -1;
	sqlite3_bind_text(st, 1, ref, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 2, (int)n);
	struct cc_container_record *found = NULL;
	int count = 0, rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (count++ == 0)
			found = row_to_container(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		cc_container_record_free(found);
		return cc_store_sql_error(s, err, "read container");
	}
	if (count > 1) {
		cc_container_record_free(found);
		return cc_error_setk(err, CC_ERR_INVALID, 0, "multiple containers found with provided prefix: %s", ref);
	}
	if (count == 0 || found == NULL)
		return cc_error_setk(err, CC_ERR_NOT_FOUND, 0, "No such container: %s", ref);
	*ret = found;
	return 0;
}

int cc_store_container_list(struct cc_store *s, struct cc_container_record ***ret, size_t *ret_n, cc_error **err)
{
	sqlite3_stmt *st = NULL;
	if (cc_store_prepare(s, &st, "SELECT " CONTAINER_COLS " FROM containers ORDER BY created DESC, rowid DESC", err) < 0)
		return -1;
	struct cc_container_record **v = NULL;
	size_t n = 0, cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			struct cc_container_record **nv = realloc(v, cap * sizeof(*nv));
			if (nv == NULL) {
				rc = SQLITE_NOMEM;
				break;
			}
			v = nv;
		}
		v[n] = row_to_container(st);
		if (v[n] == NULL) {
			rc = SQLITE_NOMEM;
			break;
		}
		n++;
	}
	int r = 0;
	if (rc == SQLITE_NOMEM)
		r = cc_error_set(err, ENOMEM, "list containers");
	else if (rc != SQLITE_DONE)
		r = cc_store_sql_error(s, err, "list containers");
	sqlite3_finalize(st);
	if (r < 0) {
		for (size_t i = 0; i < n; i++)
			cc_container_record_free(v[i]);
		free(v);
		return r;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}
