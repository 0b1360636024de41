/* Private to lib/store. */
#ifndef CC_STORE_INTERNAL_H
#define CC_STORE_INTERNAL_H

#include <sqlite3.h>
#include <stdarg.h>

#include "store.h"

struct cc_store {
	char *root;
	sqlite3 *db;
	int lock_fd;
	int wal_frames;   /* frames in the WAL after our last commit (wal_hook) */
};

int cc_store_sql_error(struct cc_store *s, cc_error **err, const char *what);
int cc_store_exec(struct cc_store *s, const char *sql, cc_error **err);
int cc_store_prepare(struct cc_store *s, sqlite3_stmt **st, const char *sql, cc_error **err);
int cc_store_begin(struct cc_store *s, cc_error **err);
int cc_store_commit(struct cc_store *s, cc_error **err);
void cc_store_rollback(struct cc_store *s);
char *cc_store_col_strdup(sqlite3_stmt *st, int col);
/* One statement with parameters: fmt has 's' (text, NULL allowed) or 'i' (int64) per parameter. */
int cc_store_run(struct cc_store *s, cc_error **err, const char *sql, const char *fmt, ...);
char *cc_store_tmp_path(const struct cc_store *s, const char *name);

#endif
