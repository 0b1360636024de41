/* The store: sqlite metadata plus content-addressed files (see store.h). */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store-internal.h"
#include "util/util.h"

#define SCHEMA_VERSION 7

/* Version 1.  Each later version appends a migration; never edit a shipped one. */
static const char *const migrations[] = {
	("CREATE TABLE blobs(digest TEXT PRIMARY KEY, size INTEGER NOT NULL, media_type TEXT);"
	"CREATE TABLE layers(chain_id TEXT PRIMARY KEY, diff_id TEXT NOT NULL, parent TEXT,"
	"  size INTEGER NOT NULL);"
	"CREATE TABLE images(id TEXT PRIMARY KEY, manifest_digest TEXT NOT NULL,"
	"  manifest_media_type TEXT, manifest_size INTEGER, config_digest TEXT NOT NULL,"
	"  config_size INTEGER, created TEXT, os TEXT, arch TEXT, variant TEXT,"
	"  size INTEGER NOT NULL DEFAULT 0, added INTEGER NOT NULL);"
	"CREATE TABLE image_layers(image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,"
	"  idx INTEGER NOT NULL, chain_id TEXT NOT NULL, blob_digest TEXT NOT NULL,"
	"  media_type TEXT, blob_size INTEGER, PRIMARY KEY(image_id, idx));"
	"CREATE INDEX image_layers_chain ON image_layers(chain_id);"
	"CREATE INDEX image_layers_blob ON image_layers(blob_digest);"
	"CREATE TABLE tags(name TEXT PRIMARY KEY,"
	"  image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE, digest TEXT);"
	"CREATE INDEX tags_image ON tags(image_id);"
	"CREATE TABLE repo_digests(name TEXT PRIMARY KEY,"
	"  image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE, digest TEXT NOT NULL);"
	"CREATE INDEX repo_digests_image ON repo_digests(image_id);"
	"CREATE TABLE containers(id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, image_id TEXT NOT NULL,"
	"  image_name TEXT, command TEXT, config_json TEXT, state TEXT NOT NULL,"
	"  created INTEGER NOT NULL, started INTEGER NOT NULL DEFAULT 0,"
	"  finished INTEGER NOT NULL DEFAULT 0, pid INTEGER NOT NULL DEFAULT 0,"
	"  exit_code INTEGER NOT NULL DEFAULT 0, oom_killed INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX containers_image ON containers(image_id);"),
	/* 2: address leases for bridge networking */
	("CREATE TABLE leases(network TEXT NOT NULL, ip TEXT NOT NULL, container_id TEXT NOT NULL,"
	"  created INTEGER NOT NULL, PRIMARY KEY(network, ip));"
	"CREATE INDEX leases_container ON leases(container_id);"),
	/* 3: build cache: a step's key -> the image (config) it produced */
	("CREATE TABLE build_cache(key TEXT PRIMARY KEY, image_id TEXT NOT NULL, created INTEGER NOT NULL);"
	"CREATE INDEX build_cache_image ON build_cache(image_id);"),
	/* 4: the container process's start time, so a recycled pid is never taken for it */
	"ALTER TABLE containers ADD COLUMN pid_start INTEGER NOT NULL DEFAULT 0;",
	/* 5: where a blob came from or went to ("registry/repo"), for push's
	 * cross-repository mounts; pulls before it are seeded from repo_digests */
	("CREATE TABLE blob_sources(digest TEXT NOT NULL, repo TEXT NOT NULL, added INTEGER NOT NULL,"
	"  PRIMARY KEY(digest, repo));"
	"INSERT OR IGNORE INTO blob_sources(digest, repo, added)"
	"  SELECT l.blob_digest, substr(d.name, 1, instr(d.name, '@') - 1), 0"
	"  FROM image_layers l JOIN repo_digests d ON d.image_id = l.image_id WHERE instr(d.name, '@') > 1;"),
	/* 6: named and anonymous volumes (their data: volumes/<name>/_data) */
	("CREATE TABLE volumes(name TEXT PRIMARY KEY, created INTEGER NOT NULL, labels_json TEXT,"
	"  options_json TEXT, anonymous INTEGER NOT NULL DEFAULT 0);"),
	/* 7: user-defined networks (the default "bridge" stays network.json's) */
	("CREATE TABLE networks(name TEXT PRIMARY KEY, id TEXT NOT NULL UNIQUE, bridge TEXT NOT NULL UNIQUE,"
	"  subnet TEXT NOT NULL UNIQUE, gateway TEXT NOT NULL, ip_range TEXT, internal INTEGER NOT NULL DEFAULT 0,"
	"  created INTEGER NOT NULL, labels_json TEXT, options_json TEXT);"
	/* the names a container answers to on a network (DNS): "name id12 alias..." */
	"ALTER TABLE leases ADD COLUMN names TEXT;"),
};

/* errno for what sqlite reports: only the codes that mean one (a full
 * disk, memory, an I/O error with the system's own errno); the rest
 * (SQLITE_CORRUPT, SQLITE_NOTADB, "no such table") are said in sqlite's
 * words, never as an errno they are not. */
static int sql_errno(struct cc_store *s, int code)
{
	switch (code & 0xff) {
	case SQLITE_FULL: return ENOSPC;
	case SQLITE_NOMEM: return ENOMEM;
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN: return sqlite3_system_errno(s->db) > 0 ? sqlite3_system_errno(s->db) : 0;
	default: return 0;
	}
}

/* "store database '<root>/store.db': <what>: <sqlite's reason>" */
int cc_store_sql_error(struct cc_store *s, cc_error **err, const char *what)
{
	int code = sqlite3_extended_errcode(s->db);
	int e = sql_errno(s, code);
	const char *msg = sqlite3_errmsg(s->db);
	/* sqlite's text for an I/O error is generic; errno says the rest */
	return cc_error_set(err, e, "store database '%s/store.db': %s%s%s", s->root, what ? what : "", what ? ": " : "",
			    code == SQLITE_OK ? "unexpected result" : msg);
}

int cc_store_exec(struct cc_store *s, const char *sql, cc_error **err)
{
	char *msg = NULL;
	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		int e = sql_errno(s, sqlite3_extended_errcode(s->db));
		int r = cc_error_set(err, e, "store database '%s/store.db': %s", s->root,
				     msg ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return r;
	}
	return 0;
}

int cc_store_prepare(struct cc_store *s, sqlite3_stmt **st, const char *sql, cc_error **err)
{
	if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK)
		return cc_store_sql_error(s, err, "prepare");
	return 0;
}

int cc_store_begin(struct cc_store *s, cc_error **err)
{
	return cc_store_exec(s, "BEGIN IMMEDIATE", err);
}

int cc_store_commit(struct cc_store *s, cc_error **err)
{
	if (cc_store_exec(s, "COMMIT", err) < 0) {
		(void)sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return 0;
}

void cc_store_rollback(struct cc_store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		(void)sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

char *cc_store_col_strdup(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	return t ? strdup((const char *)t) : NULL;
}

int cc_store_schema_version(void)
{
	return SCHEMA_VERSION;
}

static int schema_version(struct cc_store *s)
{
	sqlite3_stmt *st = NULL;
	int version = -1;
	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return version;
}

static int migrate(struct cc_store *s, cc_error **err)
{
	/* The common case reads one pragma and writes nothing. */
	if (schema_version(s) == SCHEMA_VERSION)
		return 0;
	if (cc_store_begin(s, err) < 0)
		return -1;
	int version = schema_version(s); /* again, now that we hold the write lock */
	if (version < 0) {
		cc_store_rollback(s);
		return cc_store_sql_error(s, err, "read schema version");
	}
	if (version > SCHEMA_VERSION) {
		cc_store_rollback(s);
		return cc_error_set(err, 0, "store '%s' has schema version %d, newer than this ccontainer (%d)",
				    s->root, version, SCHEMA_VERSION);
	}
	for (int v = version; v < SCHEMA_VERSION; v++) {
		if (cc_store_exec(s, migrations[v], err) < 0) {
			cc_store_rollback(s);
			return cc_error_prefix(err, "migrate store to version %d", v + 1);
		}
	}
	if (version != SCHEMA_VERSION) {
		char sql[64];
		snprintf(sql, sizeof(sql), "PRAGMA user_version=%d", SCHEMA_VERSION);
		if (cc_store_exec(s, sql, err) < 0) {
			cc_store_rollback(s);
			return -1;
		}
	}
	return cc_store_commit(s, err);
}

/* The WAL's length after each commit of ours, in place of sqlite's own
 * autocheckpoint (the two exclude each other).  A checkpoint at commit
 * time is paid by whoever commits, fsyncs included, and the first write
 * after a complete one syncs the WAL's new header too: so commits only
 * checkpoint past a generous bound, and the idle-time checkpoint
 * (cc_store_checkpoint) waits until the WAL is worth it. */
#define WAL_CHECKPOINT_IDLE 32     /* frames: ~3 runs' worth */
#define WAL_CHECKPOINT_COMMIT 1000 /* frames: ~4 MiB, read again by every open */

static int wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct cc_store *s = arg;
	s->wal_frames = frames;
	if (frames >= WAL_CHECKPOINT_COMMIT &&
	    sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL) == SQLITE_OK)
		s->wal_frames = 0;
	return SQLITE_OK;
}

int cc_store_open(const char *root, struct cc_store **ret_store, cc_error **err)
{
	static const char *const subdirs[] = { "blobs/sha256", "layers", "containers", "tmp" };
	if (cc_mkdir_p(root, 0700, err) < 0)
		return cc_error_prefix(err, "open store");
	struct cc_store *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return cc_error_set(err, ENOMEM, "open store");
	s->lock_fd = -1;
	pthread_mutex_init(&s->mu, NULL);
	s->root = realpath(root, NULL);
	if (s->root == NULL) {
		int e = errno;
		cc_store_close(s);
		return cc_error_set(err, e, "open store '%s'", root);
	}
	for (size_t i = 0; i < sizeof(subdirs) / sizeof(subdirs[0]); i++) {
		_cleanup_free_ char *p = NULL;
		if (asprintf(&p, "%s/%s", s->root, subdirs[i]) < 0 || cc_mkdir_p(p, 0700, err) < 0) {
			cc_store_close(s);
			return cc_error_set(err, ENOMEM, "open store '%s'", root);
		}
	}
	_cleanup_free_ char *dbpath = NULL;
	if (asprintf(&dbpath, "%s/store.db", s->root) < 0) {
		cc_store_close(s);
		return cc_error_set(err, ENOMEM, "open store");
	}
	if (sqlite3_open_v2(dbpath, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		int r = cc_error_set(err, 0, "open store database '%s': %s", dbpath,
				     s->db ? sqlite3_errmsg(s->db) : "out of memory");
		cc_store_close(s);
		return r;
	}
	sqlite3_busy_timeout(s->db, 60000);
	/* Every command is a short-lived process: checkpointing the WAL on each
	 * close would cost two fsyncs per command.  sqlite checkpoints by size. */
	(void)sqlite3_db_config(s->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	/* journal_mode=WAL can report SQLITE_BUSY while another process creates
	 * the database; the busy handler does not cover it, so retry briefly. */
	int rc = SQLITE_BUSY;
	for (int i = 0; i < 200 && rc == SQLITE_BUSY; i++) {
		rc = sqlite3_exec(s->db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
		if (rc == SQLITE_BUSY)
			usleep(10000);
	}
	/* No checkpoint on close (above) means the next process to open the
	 * database re-reads the WAL: it is kept short by cc_store_checkpoint
	 * (idle time) and, as a bound, by wal_hook (at commit). */
	sqlite3_wal_hook(s->db, wal_hook, s);
	if (rc != SQLITE_OK || cc_store_exec(s, "PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL", err) < 0 ||
	    migrate(s, err) < 0) {
		if (rc != SQLITE_OK)
			cc_store_sql_error(s, err, NULL);
		cc_store_close(s);
		return cc_error_prefix(err, "open store '%s'", root);
	}
	*ret_store = s;
	return 0;
}

void cc_store_close(struct cc_store *s)
{
	if (s == NULL)
		return;
	if (s->db)
		sqlite3_close_v2(s->db);
	cc_closep(&s->lock_fd);
	for (size_t i = 0; i < s->n_held; i++) {
		free(s->held[i].path);
		cc_closep(&s->held[i].fd);
	}
	free(s->held);
	pthread_mutex_destroy(&s->mu);
	free(s->root);
	free(s->runroot);
	free(s);
}

void cc_store_checkpoint(struct cc_store *s)
{
	if (s->wal_frames >= WAL_CHECKPOINT_IDLE &&
	    sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL) == SQLITE_OK)
		s->wal_frames = 0;
}

const char *cc_store_root(const struct cc_store *s)
{
	return s->root;
}

int cc_store_lock(struct cc_store *s, bool exclusive, cc_error **err)
{
	if (s->lock_fd < 0) {
		_cleanup_free_ char *p = NULL;
		if (asprintf(&p, "%s/lock", s->root) < 0)
			return cc_error_set(err, ENOMEM, "lock store");
		s->lock_fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (s->lock_fd < 0)
			return cc_error_set(err, errno, "lock store '%s'", p);
	}
	while (flock(s->lock_fd, exclusive ? LOCK_EX : LOCK_SH) < 0) {
		if (errno != EINTR)
			return cc_error_set(err, errno, "lock store '%s'", s->root);
	}
	/* Every command that adds or removes content comes here first: what
	 * a killed one left in tmp/ goes now, not at the next prune. */
	cc_store_sweep_staging(s);
	return 0;
}

void cc_store_unlock(struct cc_store *s)
{
	if (s->lock_fd >= 0)
		(void)flock(s->lock_fd, LOCK_UN);
}

const char *cc_store_digest_hex(const char *digest)
{
	const char *c = strchr(digest, ':');
	return c ? c + 1 : digest;
}

char *cc_store_blob_path(const struct cc_store *s, const char *digest)
{
	char *p = NULL;
	if (asprintf(&p, "%s/blobs/sha256/%s", s->root, cc_store_digest_hex(digest)) < 0)
		return NULL;
	return p;
}

char *cc_store_layer_path(const struct cc_store *s, const char *chain_id)
{
	char *p = NULL;
	if (asprintf(&p, "%s/layers/%s", s->root, cc_store_digest_hex(chain_id)) < 0)
		return NULL;
	return p;
}

char *cc_store_container_path(const struct cc_store *s, const char *id)
{
	char *p = NULL;
	if (asprintf(&p, "%s/containers/%s", s->root, id) < 0)
		return NULL;
	return p;
}

bool cc_store_container_locked(const struct cc_store *s, const char *id)
{
	_cleanup_free_ char *p = NULL;
	if (asprintf(&p, "%s/containers/%s/" CC_CONTAINER_LOCK_FILE, s->root, id) < 0)
		return false;
	_cleanup_close_ int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (flock(fd, LOCK_SH | LOCK_NB) == 0) {
		(void)flock(fd, LOCK_UN);
		return false;
	}
	return errno == EWOULDBLOCK;
}

int cc_store_set_runroot(struct cc_store *s, const char *runroot, cc_error **err)
{
	char *r = strdup(runroot);
	if (r == NULL)
		return cc_error_set(err, ENOMEM, "set the runroot");
	free(s->runroot);
	s->runroot = r;
	return 0;
}

const char *cc_store_runroot(const struct cc_store *s)
{
	return s->runroot != NULL ? s->runroot : CC_STORE_DEFAULT_RUNROOT;
}

char *cc_store_container_rundir(const struct cc_store *s, const char *id)
{
	char *p = NULL;
	return asprintf(&p, "%s/%s", cc_store_runroot(s), id) < 0 ? NULL : p;
}

char *cc_store_tmp_path(const struct cc_store *s, const char *name)
{
	char *p = NULL;
	if (asprintf(&p, "%s/tmp/%s", s->root, name) < 0)
		return NULL;
	return p;
}

bool cc_store_blob_present(struct cc_store *s, const char *digest)
{
	_cleanup_free_ char *p = cc_store_blob_path(s, digest);
	return p && access(p, F_OK) == 0;
}

bool cc_store_layer_present(struct cc_store *s, const char *chain_id)
{
	_cleanup_free_ char *p = cc_store_layer_path(s, chain_id);
	struct stat st;
	return p && stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int r = fsync(fd);
	close(fd);
	return r;
}

int cc_store_note_blob(struct cc_store *s, const char *digest, int64_t size, cc_error **err)
{
	pthread_mutex_lock(&s->mu);
	int r = cc_store_run(s, err, "INSERT OR IGNORE INTO blobs(digest,size,media_type) VALUES(?,?,NULL)", "si",
			     digest, size);
	pthread_mutex_unlock(&s->mu);
	return r < 0 ? cc_error_prefix(err, "record blob %s", digest) : 0;
}

int cc_store_note_layer(struct cc_store *s, const char *chain_id, cc_error **err)
{
	/* diff_id '' until an image records the layer (cc_store_record_image) */
	pthread_mutex_lock(&s->mu);
	int r = cc_store_run(s, err, "INSERT OR IGNORE INTO layers(chain_id,diff_id,parent,size) VALUES(?,'',NULL,0)",
			     "s", chain_id);
	pthread_mutex_unlock(&s->mu);
	return r < 0 ? cc_error_prefix(err, "record layer %s", chain_id) : 0;
}

int cc_store_blob_commit(struct cc_store *s, const char *path, const char *digest, int64_t size, cc_error **err)
{
	if (!cc_digest_valid(digest))
		return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid digest '%s'", digest);
	_cleanup_free_ char *dst = cc_store_blob_path(s, digest);
	if (dst == NULL)
		return cc_error_set(err, ENOMEM, "store blob %s", digest);
	if (cc_store_note_blob(s, digest, size, err) < 0)
		return -1;
	if (chmod(path, 0644) < 0 || rename(path, dst) < 0)
		return cc_error_set(err, errno, "store blob %s: rename '%s' to '%s'", digest, path, dst);
	_cleanup_free_ char *dir = NULL;
	if (asprintf(&dir, "%s/blobs/sha256", s->root) >= 0)
		(void)fsync_dir(dir); /* best effort: the image's rows are written after, and checked on read */
	return 0;
}

int cc_store_put_blob(struct cc_store *s, const char *digest, const void *data, size_t len, cc_error **err)
{
	char actual[72];
	if (!cc_digest_valid(digest))
		return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid digest '%s'", digest);
	cc_sha256_digest(data, len, actual);
	if (strcmp(actual, digest) != 0)
		return cc_error_setk(err, CC_ERR_VERIFY, 0, "digest mismatch for %s: content hashes to %s", digest,
				     actual);
	if (cc_store_blob_present(s, digest))
		return 0;
	/* Written in tmp/ under a lock (a kill leaves nothing in blobs/ and a
	 * stale temp file the next command removes), then moved in. */
	_cleanup_free_ char *tmp = NULL;
	_cleanup_close_ int fd = -1;
	if (cc_store_tmp_create(s, "blob", false, &tmp, &fd, err) < 0)
		return cc_error_prefix(err, "store blob %s", digest);
	if (cc_write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		int e = errno;
		(void)unlink(tmp);
		return cc_error_set(err, e, "store blob %s: write '%s'", digest, tmp);
	}
	if (cc_store_blob_commit(s, tmp, digest, (int64_t)len, err) < 0) {
		(void)unlink(tmp);
		return -1;
	}
	return 0;
}

int cc_store_read_blob(struct cc_store *s, const char *digest, size_t max, char **ret_data, size_t *ret_len,
		       cc_error **err)
{
	_cleanup_free_ char *p = cc_store_blob_path(s, digest);
	if (p == NULL)
		return cc_error_set(err, ENOMEM, "read blob");
	return cc_read_file(p, max, ret_data, ret_len, err);
}

int cc_store_partial_open(struct cc_store *s, const char *digest, int *ret_fd, off_t *ret_size, cc_error **err)
{
	char name[96];
	snprintf(name, sizeof(name), "%s.partial", cc_store_digest_hex(digest));
	_cleanup_free_ char *p = cc_store_tmp_path(s, name);
	if (p == NULL)
		return cc_error_set(err, ENOMEM, "open partial blob");
	for (;;) {
		_cleanup_close_ int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0)
			return cc_error_set(err, errno, "open '%s'", p);
		while (flock(fd, LOCK_EX) < 0)
			if (errno != EINTR)
				return cc_error_set(err, errno, "lock '%s'", p);
		/* The holder we waited for may have committed (renamed) the file:
		 * then our fd refers to the renamed inode.  Start over on the path. */
		struct stat a, b;
		if (fstat(fd, &a) < 0)
			return cc_error_set(err, errno, "stat '%s'", p);
		if (stat(p, &b) < 0 || a.st_ino != b.st_ino || a.st_dev != b.st_dev) {
			if (cc_store_blob_present(s, digest)) {
				*ret_fd = steal_fd(&fd);
				*ret_size = -1; /* already committed by someone else */
				return 0;
			}
			continue;
		}
		*ret_size = a.st_size;
		*ret_fd = steal_fd(&fd);
		return 0;
	}
}

int cc_store_partial_commit(struct cc_store *s, const char *digest, int fd, cc_error **err)
{
	char name[96];
	snprintf(name, sizeof(name), "%s.partial", cc_store_digest_hex(digest));
	_cleanup_free_ char *tmp = cc_store_tmp_path(s, name);
	_cleanup_free_ char *dst = cc_store_blob_path(s, digest);
	if (tmp == NULL || dst == NULL)
		return cc_error_set(err, ENOMEM, "commit blob");
	struct stat st;
	if (fsync(fd) < 0 || fstat(fd, &st) < 0)
		return cc_error_set(err, errno, "fsync '%s'", tmp);
	if (fchmod(fd, 0644) < 0)
		return cc_error_set(err, errno, "chmod '%s'", tmp);
	if (cc_store_note_blob(s, digest, st.st_size, err) < 0)
		return -1;
	if (rename(tmp, dst) < 0)
		return cc_error_set(err, errno, "rename '%s' to '%s'", tmp, dst);
	_cleanup_free_ char *dir = NULL;
	if (asprintf(&dir, "%s/blobs/sha256", s->root) >= 0)
		(void)fsync_dir(dir); /* best effort: the rows are written after, and checked on read */
	return 0;
}

void cc_store_partial_discard(struct cc_store *s, const char *digest)
{
	char name[96];
	snprintf(name, sizeof(name), "%s.partial", cc_store_digest_hex(digest));
	_cleanup_free_ char *p = cc_store_tmp_path(s, name);
	if (p)
		(void)unlink(p);
}

int cc_store_layer_stage(struct cc_store *s, char **ret_path, cc_error **err)
{
	char *p = NULL;
	int fd = -1;
	if (cc_store_tmp_create(s, "stage", true, &p, &fd, err) < 0)
		return cc_error_prefix(err, "create staging directory");
	/* The lock lives as long as the staging: until commit, or the store
	 * is closed (every exit path of a command, a kill included). */
	pthread_mutex_lock(&s->mu);
	struct cc_store_held *nh = realloc(s->held, (s->n_held + 1) * sizeof(*nh));
	if (nh != NULL) {
		s->held = nh;
		s->held[s->n_held++] = (struct cc_store_held){ .path = p, .fd = fd };
	}
	pthread_mutex_unlock(&s->mu);
	if (nh == NULL || (*ret_path = strdup(p)) == NULL) {
		if (nh == NULL) {
			(void)rmdir(p);
			free(p);
			close(fd);
		}
		return cc_error_set(err, ENOMEM, "create staging directory");
	}
	return 0;
}

/* Drop the lock of a staging dir that is committed (or gone). */
static void stage_release(struct cc_store *s, const char *path)
{
	pthread_mutex_lock(&s->mu);
	for (size_t i = 0; i < s->n_held; i++) {
		if (strcmp(s->held[i].path, path) == 0) {
			free(s->held[i].path);
			cc_closep(&s->held[i].fd);
			s->held[i] = s->held[--s->n_held];
			break;
		}
	}
	pthread_mutex_unlock(&s->mu);
}

int cc_store_layer_commit(struct cc_store *s, const char *staged, const char *chain_id, cc_error **err)
{
	_cleanup_free_ char *dst = cc_store_layer_path(s, chain_id);
	if (dst == NULL)
		return cc_error_set(err, ENOMEM, "commit layer");
	/* Its row first: a directory in layers/ always has one. */
	if (cc_store_note_layer(s, chain_id, err) < 0)
		return -1;
	if (rename(staged, dst) < 0) {
		if (errno == EEXIST || errno == ENOTEMPTY) {
			/* Complete already: a layer dir only ever appears by this rename. */
			int r = cc_rm_rf(staged, err);
			stage_release(s, staged);
			return r;
		}
		return cc_error_set(err, errno, "rename layer '%s' to '%s'", staged, dst);
	}
	_cleanup_free_ char *dir = NULL;
	if (asprintf(&dir, "%s/layers", s->root) >= 0)
		(void)fsync_dir(dir); /* best effort, as for blobs */
	stage_release(s, staged);
	return 0;
}

void cc_image_record_free(struct cc_image_record *r)
{
	if (r == NULL)
		return;
	free(r->id);
	free(r->manifest_digest);
	free(r->manifest_media_type);
	free(r->config_digest);
	free(r->created);
	free(r->os);
	free(r->arch);
	free(r->variant);
	for (size_t i = 0; i < r->n_layers; i++) {
		struct cc_layer_record *l = &r->layers[i];
		free(l->blob_digest);
		free(l->media_type);
		free(l->diff_id);
		free(l->chain_id);
	}
	free(r->layers);
	cc_strvfreep(&r->tags);
	cc_strvfreep(&r->repo_digests);
	free(r);
}

static int bind_text(sqlite3_stmt *st, int i, const char *v)
{
	return v ? sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, i);
}

/* Run one statement with text/int64 parameters described by fmt ('s' text, 'i' int64). */
int cc_store_run(struct cc_store *s, cc_error **err, const char *sql, const char *fmt, ...)
{
	sqlite3_stmt *st = NULL;
	if (cc_store_prepare(s, &st, sql, err) < 0)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	for (int i = 0; fmt[i]; i++) {
		if (fmt[i] == 's')
			bind_text(st, i + 1, va_arg(ap, const char *));
		else
			sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
	}
	va_end(ap);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		if (rc == SQLITE_CONSTRAINT)
			return cc_error_setk(err, CC_ERR_IN_USE, 0, "store database '%s/store.db': %s", s->root,
					     sqlite3_errmsg(s->db));
		return cc_store_sql_error(s, err, "write");
	}
	return 0;
}

int cc_store_record_image(struct cc_store *s, const struct cc_image_record *r, const char *tag,
			  const char *tag_digest, const char *repo_digest, cc_error **err)
{
	/* Readers trust rows only: every file must exist before the rows do. */
	if (!cc_store_blob_present(s, r->manifest_digest) || !cc_store_blob_present(s, r->config_digest))
		return cc_error_set(err, ENOENT, "record image %s: manifest or config blob missing", r->id);
	for (size_t i = 0; i < r->n_layers; i++)
		if (!cc_store_layer_present(s, r->layers[i].chain_id))
			return cc_error_set(err, ENOENT, "record image %s: layer %s missing", r->id,
					    r->layers[i].chain_id);
	if (cc_store_begin(s, err) < 0)
		return -1;
#define RUN(...) do { if (cc_store_run(s, err, __VA_ARGS__) < 0) goto on_error; } while (0)
	/* Rows of content noted before its file was moved in get their media
	 * types (and layers their diff ID) now. */
#define BLOB_ROW "INSERT INTO blobs(digest,size,media_type) VALUES(?,?,?) ON CONFLICT(digest) DO UPDATE SET " \
		 "media_type=coalesce(blobs.media_type, excluded.media_type)"
	RUN(BLOB_ROW, "sis", r->manifest_digest, (int64_t)r->manifest_size, r->manifest_media_type);
	RUN(BLOB_ROW, "sis", r->config_digest, (int64_t)r->config_size, "application/vnd.oci.image.config.v1+json");
	RUN("INSERT OR REPLACE INTO images(id,manifest_digest,manifest_media_type,manifest_size,config_digest,"
	    "config_size,created,os,arch,variant,size,added) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
	    "sssisisssssi", r->id, r->manifest_digest, r->manifest_media_type, (int64_t)r->manifest_size,
	    r->config_digest, (int64_t)r->config_size, r->created, r->os, r->arch, r->variant, (int64_t)r->size,
	    (int64_t)time(NULL));
	RUN("DELETE FROM image_layers WHERE image_id=?", "s", r->id);
	for (size_t i = 0; i < r->n_layers; i++) {
		const struct cc_layer_record *l = &r->layers[i];
		RUN(BLOB_ROW, "sis", l->blob_digest, (int64_t)l->blob_size, l->media_type);
		RUN("INSERT INTO layers(chain_id,diff_id,parent,size) VALUES(?,?,?,?) ON CONFLICT(chain_id) DO UPDATE"
		    " SET diff_id=excluded.diff_id, parent=excluded.parent,"
		    " size=CASE WHEN layers.diff_id='' OR layers.size=0 THEN excluded.size ELSE layers.size END",
		    "sssi", l->chain_id, l->diff_id, i > 0 ? r->layers[i - 1].chain_id : NULL,
		    (int64_t)l->unpacked_size);
		RUN("INSERT INTO image_layers(image_id,idx,chain_id,blob_digest,media_type,blob_size)"
		    " VALUES(?,?,?,?,?,?)", "sisssi", r->id, (int64_t)i, l->chain_id, l->blob_digest, l->media_type,
		    (int64_t)l->blob_size);
	}
	/* Cached layers keep the size recorded when they were unpacked. */
	RUN("UPDATE images SET size=(SELECT coalesce(sum(l.size),0) FROM image_layers il JOIN layers l"
	    " ON l.chain_id=il.chain_id WHERE il.image_id=?1) WHERE id=?1", "s", r->id);
	if (tag)
		RUN("INSERT OR REPLACE INTO tags(name,image_id,digest) VALUES(?,?,?)", "sss", tag, r->id, tag_digest);
	if (repo_digest) {
		const char *at = strchr(repo_digest, '@');
		RUN("INSERT OR REPLACE INTO repo_digests(name,image_id,digest) VALUES(?,?,?)", "sss", repo_digest,
		    r->id, at ? at + 1 : repo_digest);
	}
#undef RUN
#undef BLOB_ROW
	return cc_store_commit(s, err);
on_error:
	cc_store_rollback(s);
	return cc_error_prefix(err, "record image %s", r->id);
}

int cc_store_tag_get(struct cc_store *s, const char *name, char **ret_image_id, char **ret_digest, cc_error **err)
{
	sqlite3_stmt *st = NULL;
	if (cc_store_prepare(s, &st, "SELECT image_id, digest FROM tags WHERE name=?", err) < 0)
		return -1;
	bind_text(st, 1, name);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (ret_image_id)
			*ret_image_id = cc_store_col_strdup(st, 0);
		if (ret_digest)
			*ret_digest = cc_store_col_strdup(st, 1);
		sqlite3_finalize(st);
		return 0;
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return cc_error_setk(err, CC_ERR_NOT_FOUND, 0, "No such image: %s", name);
	return cc_store_sql_error(s, err, "read tag");
}

int cc_store_tag_set(struct cc_store *s, const char *name, const char *image_id, const char *digest,
		     cc_error **err)
{
	return cc_store_run(s, err, "INSERT OR REPLACE INTO tags(name,image_id,digest) VALUES(?,?,?)", "sss", name,
			    image_id, digest);
}

int cc_store_untag(struct cc_store *s, const char *name, cc_error **err)
{
	if (cc_store_run(s, err, "DELETE FROM tags WHERE name=?", "s", name) < 0)
		return -1;
	if (sqlite3_changes(s->db) == 0)
		return cc_error_setk(err, CC_ERR_NOT_FOUND, 0, "No such image: %s", name);
	return 0;
}

static int collect_strings(struct cc_store *s, const char *sql, const char *arg, char ***ret, cc_error **err);

int cc_store_blob_source_add(struct cc_store *s, const char *digest, const char *repo, cc_error **err)
{
	return cc_store_run(s, err, "INSERT OR REPLACE INTO blob_sources(digest,repo,added) VALUES(?,?,?)", "ssi", digest,
			    repo, (int64_t)time(NULL));
}

int cc_store_blob_sources(struct cc_store *s, const char *digest, char ***ret, cc_error **err)
{
	return collect_strings(s, "SELECT repo FROM blob_sources WHERE digest=? ORDER BY added DESC, repo", digest, ret,
			       err);
}

int cc_store_repo_digest_add(struct cc_store *s, const char *repo_digest, const char *image_id, cc_error **err)
{
	const char *at = strchr(repo_digest, '@');
	return cc_store_run(s, err, "INSERT OR REPLACE INTO repo_digests(name,image_id,digest) VALUES(?,?,?)", "sss",
			    repo_digest, image_id, at ? at + 1 : repo_digest);
}

static int query_one_string(struct cc_store *s, const char *sql, const char *arg, char **ret, cc_error **err)
{
	sqlite3_stmt *st = NULL;
	if (cc_store_prepare(s, &st, sql, err) < 0)
		return -1;
	bind_text(st, 1, arg);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*ret = cc_store_col_strdup(st, 0);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return cc_store_sql_error(s, err, "query");
}

int cc_store_find_by_digest(struct cc_store *s, const char *repo, const char *digest, char **ret_image_id,
			    cc_error **err)
{
	_cleanup_free_ char *name = NULL;
	if (asprintf(&name, "%s@%s", repo, digest) < 0)
		return cc_error_set(err, ENOMEM, "find image");
	int r = query_one_string(s, "SELECT image_id FROM repo_digests WHERE name=?", name, ret_image_id, err);
	if (r != 0)
		return r < 0 ? r : 0;
	/* Same content under another repository name is the same image. */
	r = query_one_string(s,
			     "SELECT image_id FROM repo_digests WHERE digest=?1 UNION "
			     "SELECT id FROM images WHERE manifest_digest=?1 LIMIT 1",
			     digest, ret_image_id, err);
	if (r < 0)
		return r;
	if (r == 0)
		return cc_error_setk(err, CC_ERR_NOT_FOUND, 0, "No such image: %s", name);
	return 0;
}

int cc_store_resolve_image(struct cc_store *s, const char *const *names, size_t n_names, const char *raw,
			   char **ret_id, cc_error **err)
{
	for (size_t i = 0; i < n_names; i++) {
		int r = query_one_string(s, "SELECT image_id FROM tags WHERE name=?1 UNION ALL "
					 "SELECT image_id FROM repo_digests WHERE name=?1 LIMIT 1",
					 names[i], ret_id, err);
		if (r != 0)
			return r < 0 ? r : 0;
	}
	/* An image ID, full or a unique prefix, with or without "sha256:". */
	const char *hex = cc_str_has_prefix(raw, "sha256:") ? raw + 7 : raw;
	size_t n = strlen(hex);
	if (n == 0 || n > 64 || !cc_is_hex(hex, n))
		return cc_error_setk(err, CC_ERR_NOT_FOUND, 0, "No such image: %s", raw);
	sqlite3_stmt *st = NULL;
	if (cc_store_prepare(s, &st, "SELECT id FROM images WHERE substr(id,8,?1)=?2 LIMIT 2", err) < 0)
		return -1;
	sqlite3_bind_int(st, 1, (int)n);
	bind_text(st, 2, hex);
	char *found = NULL;
	int count = 0, rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (count++ == 0)
			found = cc_store_col_strdup(st, 0);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(found);
		return cc_store_sql_error(s, err, "resolve image");
	}
	if (count > 1) {
		free(found);
		return cc_error_setk(err, CC_ERR_INVALID, 0, "image ID prefix '%s' is ambiguous", raw);
	}
	if (count == 0)
		return cc_error_setk(err, CC_ERR_NOT_FOUND, 0, "No such image: %s", raw);
	*ret_id = found;
	return 0;
}

static int collect_strings(struct cc_store *s, const char *sql, const char *arg, char ***ret, cc_error **err)
{
	sqlite3_stmt *st = NULL;
	if (cc_store_prepare(s, &st, sql, err) < 0)
		return -1;
	if (arg)
		bind_text(st, 1, arg);
	size_t n = 0, cap = 8;
	char **v = calloc(cap + 1, sizeof(char *));
	int rc = SQLITE_NOMEM;
	while (v && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			char **nv = realloc(v, (cap * 2 + 1) * sizeof(char *));
			if (nv == NULL) {
				rc = SQLITE_NOMEM;
				break;
			}
			v = nv;
			cap *= 2;
		}
		v[n++] = cc_store_col_strdup(st, 0);
		v[n] = NULL;
	}
	if (v == NULL || rc == SQLITE_NOMEM) {
		sqlite3_finalize(st);
		cc_strvfreep(&v);
		return cc_error_set(err, ENOMEM, "store database: list");
	}
	if (rc != SQLITE_DONE) {
		/* a damaged database: say so, in sqlite's words */
		cc_store_sql_error(s, err, "read");
		sqlite3_finalize(st);
		cc_strvfreep(&v);
		return -1;
	}
	sqlite3_finalize(st);
	*ret = v;
	return 0;
}

int cc_store_image_get(struct cc_store *s, const char *id, struct cc_image_record **ret, cc_error **err)
{
	sqlite3_stmt *st = NULL;
	if (cc_store_prepare(s, &st,
			     "SELECT id,manifest_digest,manifest_media_type,manifest_size,config_digest,config_size,"
			     "created,os,arch,variant,size FROM images WHERE id=?", err) < 0)
		return -1;
	bind_text(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		if (rc == SQLITE_DONE)
			return cc_error_setk(err, CC_ERR_NOT_FOUND, 0, "No such image: %s", id);
		return cc_store_sql_error(s, err, "read image");
	}
	struct cc_image_record *r = calloc(1, sizeof(*r));
	if (r == NULL) {
		sqlite3_finalize(st);
		return cc_error_set(err, ENOMEM, "read image");
	}
	r->id = cc_store_col_strdup(st, 0);
	r->manifest_digest = cc_store_col_strdup(st, 1);
	r->manifest_media_type = cc_store_col_strdup(st, 2);
	r->manifest_size = sqlite3_column_int64(st, 3);
	r->config_digest = cc_store_col_strdup(st, 4);
	r->config_size = sqlite3_column_int64(st, 5);
	r->created = cc_store_col_strdup(st, 6);
	r->os = cc_store_col_strdup(st, 7);
	r->arch = cc_store_col_strdup(st, 8);
	r->variant = cc_store_col_strdup(st, 9);
	r->size = sqlite3_column_int64(st, 10);
	sqlite3_finalize(st);

	if (cc_store_prepare(s, &st,
			     "SELECT il.blob_digest, il.media_type, il.blob_size, l.diff_id, il.chain_id, l.size "
			     "FROM image_layers il JOIN layers l ON l.chain_id = il.chain_id "
			     "WHERE il.image_id=? ORDER BY il.idx", err) < 0)
		goto on_error;
	bind_text(st, 1, id);
	size_t cap = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (r->n_layers == cap) {
			cap = cap ? cap * 2 : 8;
			struct cc_layer_record *nl = realloc(r->layers, cap * sizeof(*nl));
			if (nl == NULL) {
				rc = SQLITE_NOMEM;
				break;
			}
			r->layers = nl;
		}
		struct cc_layer_record *l = &r->layers[r->n_layers++];
		l->blob_digest = cc_store_col_strdup(st, 0);
		l->media_type = cc_store_col_strdup(st, 1);
		l->blob_size = sqlite3_column_int64(st, 2);
		l->diff_id = cc_store_col_strdup(st, 3);
		l->chain_id = cc_store_col_strdup(st, 4);
		l->unpacked_size = sqlite3_column_int64(st, 5);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		cc_store_sql_error(s, err, "read image layers");
		goto on_error;
	}
	if (collect_strings(s, "SELECT name FROM tags WHERE image_id=? ORDER BY name", id, &r->tags, err) < 0 ||
	    collect_strings(s, "SELECT name FROM repo_digests WHERE image_id=? ORDER BY name", id, &r->repo_digests,
			    err) < 0)
		goto on_error;
	*ret = r;
	return 0;
on_error:
	cc_image_record_free(r);
	return -1;
}

int cc_store_image_list(struct cc_store *s, char ***ret_ids, cc_error **err)
{
	return collect_strings(s, "SELECT id FROM images ORDER BY added DESC, id", NULL, ret_ids, err);
}

int cc_store_image_users(struct cc_store *s, const char *id, int *ret_count, cc_error **err)
{
	sqlite3_stmt *st = NULL;
	if (cc_store_prepare(s, &st, "SELECT count(*) FROM containers WHERE image_id=?", err) < 0)
		return -1;
	bind_text(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*ret_count = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : cc_store_sql_error(s, err, "count containers");
}

int cc_store_image_delete(struct cc_store *s, const char *id, cc_error **err)
{
	return cc_store_run(s, err, "DELETE FROM images WHERE id=?", "s", id);
}
