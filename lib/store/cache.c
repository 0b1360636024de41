/* Build cache rows.  Entries whose image is gone are ignored (and dropped by gc). */
#include <stdlib.h>
#include <time.h>

#include "store-internal.h"

int cc_store_cache_get(struct cc_store *s, const char *key, char **ret_image_id, cc_error **err)
{
	sqlite3_stmt *st = NULL;
	if (cc_store_prepare(s, &st, "SELECT c.image_id FROM build_cache c JOIN images i ON i.id = c.image_id "
			     "WHERE c.key=?", err) < 0)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*ret_image_id = cc_store_col_strdup(st, 0);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return cc_error_setk(err, CC_ERR_NOT_FOUND, 0, "no cache entry");
	return cc_store_sql_error(s, err, "read build cache");
}

int cc_store_cache_put(struct cc_store *s, const char *key, const char *image_id, cc_error **err)
{
	return cc_store_run(s, err, "INSERT OR REPLACE INTO build_cache(key, image_id, created) VALUES(?,?,?)", "ssi",
			    key, image_id, (int64_t)time(NULL));
}

int cc_store_cache_has_image(struct cc_store *s, const char *image_id, bool *ret, cc_error **err)
{
	sqlite3_stmt *st = NULL;
	if (cc_store_prepare(s, &st, "SELECT 1 FROM build_cache WHERE image_id=? LIMIT 1", err) < 0)
		return -1;
	sqlite3_bind_text(st, 1, image_id, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return cc_store_sql_error(s, err, "read build cache");
	*ret = rc == SQLITE_ROW;
	return 0;
}

int cc_store_cache_clear(struct cc_store *s, int64_t *ret_n, cc_error **err)
{
	*ret_n = 0;
	sqlite3_stmt *st = NULL;
	if (cc_store_prepare(s, &st, "SELECT count(*) FROM build_cache", err) < 0)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		*ret_n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return cc_store_exec(s, "DELETE FROM build_cache", err);
}
