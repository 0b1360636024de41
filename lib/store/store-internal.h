/* Private to lib/store. */
#ifndef CC_STORE_INTERNAL_H
#define CC_STORE_INTERNAL_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdint.h>

#include "store.h"

/* A staging entry under tmp/ this process holds the flock of. */
struct cc_store_held {
	char *path;
	int fd;
};

struct cc_store {
	char *root;
	char *runroot; /* NULL: CC_STORE_DEFAULT_RUNROOT */
	sqlite3 *db;
	int lock_fd;
	int wal_frames;   /* frames in the WAL after our last commit (wal_hook) */
	/* pull's worker threads commit blobs and layers (one row each, then a
	 * rename) while the main thread waits: the connection is opened
	 * without sqlite's own mutex, so those statements take this one. */
	pthread_mutex_t mu;
	struct cc_store_held *held; /* staging dirs made by cc_store_layer_stage */
	size_t n_held;
};

int cc_store_sql_error(struct cc_store *s, cc_error **err, const char *what);
int cc_store_exec(struct cc_store *s, const char *sql, cc_error **err);
int cc_store_prepare(struct cc_store *s, sqlite3_stmt **st, const char *sql, cc_error **err);
int cc_store_begin(struct cc_store *s, cc_error **err);
int cc_store_commit(struct cc_store *s, cc_error **err);
void cc_store_rollback(struct cc_store *s);
/* A container's row and its leases, in one transaction (staging.c). */
int cc_store_container_rows_delete(struct cc_store *s, const char *id, cc_error **err);
char *cc_store_col_strdup(sqlite3_stmt *st, int col);
/* One statement with parameters: fmt has 's' (text, NULL allowed) or 'i' (int64) per parameter. */
int cc_store_run(struct cc_store *s, cc_error **err, const char *sql, const char *fmt, ...);
char *cc_store_tmp_path(const struct cc_store *s, const char *name);
const char *cc_store_digest_hex(const char *digest);

/* Record content some add is about to put in place (rows before files: a
 * file in blobs/ or layers/ always has its row; a row whose file is not
 * there yet is content no image uses).  Thread-safe (s->mu). */
int cc_store_note_blob(struct cc_store *s, const char *digest, int64_t size, cc_error **err);
int cc_store_note_layer(struct cc_store *s, const char *chain_id, cc_error **err);

/* staging.c: tmp/<prefix>-<random>, created and flocked (exclusive) so that
 * no sweeper takes it; *ret_fd holds the lock. */
int cc_store_tmp_create(struct cc_store *s, const char *prefix, bool dir, char **ret_path, int *ret_fd,
			cc_error **err);
/* Is the flock of this entry of dfd free (nobody uses it)?  When it is,
 * *ret_fd (if given) holds it exclusively; -1 when it is not. */
bool cc_store_entry_stale(int dfd, const char *name, int *ret_fd);
/* tmp/rm-<id>: a container directory being removed */
#define CC_STORE_RM_PREFIX "rm-"

/* gc.c helpers, shared with check.c */
int cc_store_list_dir(const char *path, char ***ret, cc_error **err);
int64_t cc_store_tree_size(int dfd, const char *name);
int cc_store_row_exists(struct cc_store *s, const char *sql, const char *arg, int *ret, cc_error **err);
int cc_store_hash_file(const char *path, char out[72], int64_t *size);
/* Blobs some row still needs (SQL: one column d). */
#define CC_STORE_LIVE_BLOBS                                                              \
	"SELECT manifest_digest AS d FROM images UNION SELECT config_digest FROM images " \
	"UNION SELECT blob_digest FROM image_layers UNION SELECT digest FROM tags "       \
	"WHERE digest IS NOT NULL UNION SELECT digest FROM repo_digests"

#endif
