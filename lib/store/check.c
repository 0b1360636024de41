/* system check: the store against itself, and --repair.
 *
 * What is compared (store.h has the rules that make it hold):
 *   - the database: PRAGMA integrity_check and foreign_key_check;
 *   - blobs: every row's file re-hashed (name and size); every blob an image
 *     uses has a row; every file in blobs/sha256 has a row;
 *   - layers: every layer an image uses has its directory (and, through the
 *     hook lib/image installs, the directory matches the layer's blob); every
 *     directory in layers/ has a row;
 *   - containers: every row has its directory (except a container never
 *     started, whose directory start makes, and one whose removal was
 *     interrupted), every directory its row, every container its image;
 *     every lease its container;
 *   - tmp/: stale staging and partial downloads, as notes.
 *
 * The check takes no lock and reads while others write, so what looks like
 * a file without a row (or a row without a file) is looked at again before
 * it is called a problem: every add and removal orders its steps so that a
 * second look sees a consistent pair.  --repair holds the exclusive store
 * lock; each repair is one rename or one transaction, or a staging dir that
 * is renamed in when complete, so a kill during a repair leaves the store
 * as consistent as before it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store-internal.h"
#include "util/util.h"

void cc_check_report(struct cc_check *ck, enum cc_check_kind kind, const char *fmt, ...)
{
	char *line = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) < 0)
		line = NULL;
	va_end(ap);
	switch (kind) {
	case CC_CHECK_PROBLEM: ck->problems++; break;
	case CC_CHECK_NOTE: ck->notes++; break;
	case CC_CHECK_REPAIRED: ck->repaired++; break;
	case CC_CHECK_UNREPAIRED: ck->unrepaired++; break;
	}
	if (ck->report)
		ck->report(kind, line ? line : fmt, ck->data);
	free(line);
}

int cc_store_hash_file(const char *path, char out[72], int64_t *size)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct cc_sha256 *h = cc_sha256_new();
	if (h == NULL) {
		errno = ENOMEM;
		return -1;
	}
	_cleanup_free_ char *buf = malloc(256 * 1024);
	if (buf == NULL) {
		cc_sha256_free(h);
		errno = ENOMEM;
		return -1;
	}
	ssize_t n;
	*size = 0;
	while ((n = read(fd, buf, 256 * 1024)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			cc_sha256_free(h);
			errno = e;
			return -1;
		}
		cc_sha256_update(h, buf, (size_t)n);
		*size += n;
	}
	cc_sha256_final(h, out);
	return 0;
}

int cc_store_stage_dir(struct cc_store *s, char **ret_path, int *ret_fd, cc_error **err)
{
	return cc_store_tmp_create(s, "stage", true, ret_path, ret_fd, err);
}

int cc_store_layer_replace(struct cc_store *s, const char *staged, const char *chain_id, cc_error **err)
{
	_cleanup_free_ char *dst = cc_store_layer_path(s, chain_id);
	if (dst == NULL)
		return cc_error_set(err, ENOMEM, "replace layer");
	if (cc_store_note_layer(s, chain_id, err) < 0)
		return -1;
	if (renameat2(AT_FDCWD, staged, AT_FDCWD, dst, RENAME_EXCHANGE) == 0)
		return cc_rm_rf(staged, err); /* the old content, now at the staging name */
	if (errno != ENOENT)
		return cc_error_set(err, errno, "replace layer '%s' with '%s'", dst, staged);
	if (rename(staged, dst) < 0)
		return cc_error_set(err, errno, "rename layer '%s' to '%s'", staged, dst);
	return 0;
}

/* ---- helpers ---- */

/* All rows of a query (first ncols columns as text, NULL as ""), in one
 * flat NULL-terminated vector: row i is v[i*ncols .. i*ncols+ncols-1]. */
static int rows(struct cc_store *s, const char *sql, const char *arg, int ncols, char ***ret, size_t *ret_n,
		cc_error **err)
{
	sqlite3_stmt *st = NULL;
	if (cc_store_prepare(s, &st, sql, err) < 0)
		return -1;
	if (arg)
		sqlite3_bind_text(st, 1, arg, -1, SQLITE_TRANSIENT);
	size_t n = 0, cap = 0;
	char **v = NULL;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((n + 1) * (size_t)ncols + 1 > cap) {
			size_t nc = cap ? cap * 2 : 64;
			while (nc < (n + 1) * (size_t)ncols + 1)
				nc *= 2;
			char **nv = realloc(v, nc * sizeof(char *));
			if (nv == NULL) {
				rc = SQLITE_NOMEM;
				break;
			}
			v = nv;
			cap = nc;
		}
		bool ok = true;
		for (int c = 0; c < ncols; c++) {
			const unsigned char *t = sqlite3_column_text(st, c);
			v[n * (size_t)ncols + (size_t)c] = strdup(t ? (const char *)t : "");
			ok = ok && v[n * (size_t)ncols + (size_t)c] != NULL;
		}
		v[(n + 1) * (size_t)ncols] = NULL;
		n++;
		if (!ok) {
			rc = SQLITE_NOMEM;
			break;
		}
	}
	int r = 0;
	if (rc == SQLITE_NOMEM)
		r = cc_error_set(err, ENOMEM, "check store");
	else if (rc != SQLITE_DONE)
		r = cc_store_sql_error(s, err, "check");
	sqlite3_finalize(st);
	if (r < 0) {
		for (size_t i = 0; v && i < n * (size_t)ncols; i++)
			free(v[i]);
		free(v);
		return r;
	}
	if (v == NULL && (v = calloc(1, sizeof(char *))) == NULL)
		return cc_error_set(err, ENOMEM, "check store");
	*ret = v;
	*ret_n = n;
	return 0;
}

static void rows_free(char **v, size_t n, int ncols)
{
	for (size_t i = 0; v && i < n * (size_t)ncols; i++)
		free(v[i]);
	free(v);
}

static int exists(struct cc_store *s, const char *sql, const char *arg, bool *ret, cc_error **err)
{
	int r = 0;
	if (cc_store_row_exists(s, sql, arg, &r, err) < 0)
		return -1;
	*ret = r != 0;
	return 0;
}

static bool path_is(const char *path, mode_t type)
{
	struct stat st;
	return lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == type;
}

static bool path_exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

/* One locked staging dir per check: where repairs move what they remove. */
struct trash {
	char *path;
	int lock;
	int fd;
};

static int trash_open(struct cc_store *s, struct trash *t, cc_error **err)
{
	if (t->fd >= 0)
		return 0;
	if (cc_store_tmp_create(s, "repair", true, &t->path, &t->lock, err) < 0)
		return -1;
	t->fd = open(t->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return t->fd < 0 ? cc_error_set(err, errno, "open '%s'", t->path) : 0;
}

/* Move path into the trash (one rename: it is gone from its place at once). */
static int trash_move(struct cc_store *s, struct trash *t, const char *path, cc_error **err)
{
	if (trash_open(s, t, err) < 0)
		return -1;
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	char name[300];
	static unsigned seq;
	snprintf(name, sizeof(name), "%u-%s", seq++, base);
	if (renameat(AT_FDCWD, path, t->fd, name) < 0 && errno != ENOENT)
		return cc_error_set(err, errno, "move '%s' out of the store", path);
	return 0;
}

static void trash_close(struct trash *t)
{
	if (t->path) {
		cc_error *e = NULL;
		(void)cc_rm_rf(t->path, &e); /* a leftover is stale staging: swept later */
		cc_error_free(e);
	}
	free(t->path);
	cc_closep(&t->fd);
	cc_closep(&t->lock);
}

/* One image (short ID) that uses a blob, for the messages. */
static void blob_user(struct cc_store *s, const char *digest, char out[16])
{
	char **v = NULL;
	size_t n = 0;
	cc_error *e = NULL;
	snprintf(out, 16, "?");
	if (rows(s, "SELECT id FROM images WHERE manifest_digest=?1 OR config_digest=?1 UNION "
		 "SELECT image_id FROM image_layers WHERE blob_digest=?1 UNION "
		 "SELECT image_id FROM tags WHERE digest=?1 UNION SELECT image_id FROM repo_digests WHERE digest=?1 "
		 "LIMIT 1", digest, 1, &v, &n, &e) == 0 && n > 0)
		snprintf(out, 16, "%.12s", v[0] + (strncmp(v[0], "sha256:", 7) == 0 ? 7 : 0));
	cc_error_free(e);
	rows_free(v, n, 1);
}

/* ---- the database ---- */

static int check_database(struct cc_store *s, struct cc_check *ck, cc_error **err)
{
	sqlite3_stmt *st = NULL;
	if (cc_store_prepare(s, &st, "PRAGMA integrity_check", err) < 0)
		return -1;
	int rc, bad = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);
		if (t == NULL || strcmp(t, "ok") == 0)
			continue;
		/* one problem per line of sqlite's text */
		for (const char *l = t; *l;) {
			size_t n = strcspn(l, "\n");
			if (n > 0 && strncmp(l, "*** in database", 15) != 0)
				cc_check_report(ck, CC_CHECK_PROBLEM, "database '%s/store.db': %.*s", s->root, (int)n, l);
			l += n + (l[n] == '\n');
		}
		bad++;
	}
	if (rc != SQLITE_DONE) {
		cc_check_report(ck, CC_CHECK_PROBLEM, "database '%s/store.db': %s", s->root, sqlite3_errmsg(s->db));
		bad++;
	}
	sqlite3_finalize(st);
	if (bad && ck->repair)
		cc_check_report(ck, CC_CHECK_UNREPAIRED,
				"database '%s/store.db': sqlite cannot read all of it; restore it from a backup", s->root);
	if (bad)
		return 1; /* the rows cannot be compared with anything */
	/* Rows that point at an image that is not there (foreign keys). */
	char **v = NULL;
	size_t n = 0;
	if (rows(s, "SELECT \"table\", rowid, parent FROM pragma_foreign_key_check", NULL, 3, &v, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const char *table = v[i * 3], *rowid = v[i * 3 + 1], *parent = v[i * 3 + 2];
		cc_check_report(ck, CC_CHECK_PROBLEM, "database: a row of %s (rowid %s) refers to a missing %s row",
				table, rowid, parent);
		if (!ck->repair)
			continue;
		/* only the tables whose rows are names of an image: the name goes */
		if (strcmp(table, "tags") && strcmp(table, "repo_digests") && strcmp(table, "image_layers")) {
			cc_check_report(ck, CC_CHECK_UNREPAIRED, "database: %s rows are not removed by a repair", table);
			continue;
		}
		char sql[80];
		snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE rowid=?", table);
		cc_error *e = NULL;
		if (cc_store_run(s, &e, sql, "i", (int64_t)strtoll(rowid, NULL, 10)) < 0) {
			cc_check_report(ck, CC_CHECK_UNREPAIRED, "database: %s", e->msg);
			cc_error_free(e);
		} else {
			cc_check_report(ck, CC_CHECK_REPAIRED, "database: removed the %s row (rowid %s)", table, rowid);
		}
	}
	rows_free(v, n, 3);
	return 0;
}

/* ---- blobs ---- */

#define IS_LIVE "EXISTS (WITH live(d) AS (" CC_STORE_LIVE_BLOBS ") SELECT 1 FROM live WHERE d=?1)"

static int check_blob_rows(struct cc_store *s, struct cc_check *ck, cc_error **err)
{
	char **v = NULL;
	size_t n = 0;
	if (rows(s, "WITH live(d) AS (" CC_STORE_LIVE_BLOBS ") SELECT digest, size, digest IN (SELECT d FROM live) "
		 "FROM blobs ORDER BY digest", NULL, 3, &v, &n, err) < 0)
		return -1;
	int r = 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		const char *digest = v[i * 3];
		int64_t want = strtoll(v[i * 3 + 1], NULL, 10);
		bool live = strcmp(v[i * 3 + 2], "1") == 0;
		_cleanup_free_ char *p = cc_store_blob_path(s, digest);
		if (p == NULL) {
			r = cc_error_set(err, ENOMEM, "check store");
			break;
		}
		char actual[72], user[16];
		int64_t got = 0;
		if (cc_store_hash_file(p, actual, &got) < 0) {
			int e = errno;
			if (e == ENOENT) {
				/* a row whose file is not there is content no image uses
				 * (an add that was killed), unless an image uses it */
				bool still = false;
				if (!live || exists(s, "SELECT " IS_LIVE, digest, &still, err) < 0 || !still ||
				    path_exists(p))
					continue;
			}
			blob_user(s, digest, user);
			if (e == ENOENT)
				cc_check_report(ck, CC_CHECK_PROBLEM, "blob %s: file '%s' is missing (image %s uses it)", digest,
						p, user);
			else
				cc_check_report(ck, CC_CHECK_PROBLEM, "blob %s: cannot read '%s': %s", digest, p, strerror(e));
			if (ck->repair)
				cc_check_report(ck, CC_CHECK_UNREPAIRED,
						"blob %s: remove image %s (rmi) and pull it again", digest, user);
			continue;
		}
		if (strcmp(actual, digest) != 0) {
			cc_check_report(ck, CC_CHECK_PROBLEM, "blob %s: content hashes to %s (file '%s' is corrupt)", digest,
					actual, p);
			if (!ck->repair)
				continue;
			if (live) {
				blob_user(s, digest, user);
				cc_check_report(ck, CC_CHECK_UNREPAIRED, "blob %s: remove image %s (rmi) and pull it again",
						digest, user);
			} else if (unlink(p) < 0) {
				cc_check_report(ck, CC_CHECK_UNREPAIRED, "blob %s: remove '%s': %s", digest, p, strerror(errno));
			} else {
				/* its row stays: content no image uses, as after a killed add */
				cc_check_report(ck, CC_CHECK_REPAIRED, "blob %s: removed the corrupt file (no image uses it)",
						digest);
			}
			continue;
		}
		if (want > 0 && got != want) {
			cc_check_report(ck, CC_CHECK_PROBLEM, "blob %s: size %lld, database says %lld", digest,
					(long long)got, (long long)want);
			if (!ck->repair)
				continue;
			cc_error *e = NULL;
			if (cc_store_run(s, &e, "UPDATE blobs SET size=? WHERE digest=?", "is", got, digest) < 0) {
				cc_check_report(ck, CC_CHECK_UNREPAIRED, "blob %s: %s", digest, e->msg);
				cc_error_free(e);
			} else {
				cc_check_report(ck, CC_CHECK_REPAIRED, "blob %s: recorded its size, %lld", digest,
						(long long)got);
			}
		}
	}
	rows_free(v, n, 3);
	return r;
}

/* Record a blob file that has no row, when its content is its name. */
static void adopt_blob(struct cc_store *s, struct cc_check *ck, const char *digest, const char *path,
		       const char *what)
{
	char actual[72];
	int64_t size = 0;
	cc_error *e = NULL;
	if (cc_store_hash_file(path, actual, &size) < 0) {
		cc_check_report(ck, CC_CHECK_UNREPAIRED, "blob %s: read '%s': %s", digest, path, strerror(errno));
	} else if (strcmp(actual, digest) != 0) {
		if (unlink(path) < 0)
			cc_check_report(ck, CC_CHECK_UNREPAIRED, "blob %s: remove '%s': %s", digest, path, strerror(errno));
		else
			cc_check_report(ck, CC_CHECK_REPAIRED, "blob %s: removed the file: its content hashes to %s",
					digest, actual);
	} else if (cc_store_run(s, &e, "INSERT OR IGNORE INTO blobs(digest,size,media_type) VALUES(?,?,NULL)", "si",
				digest, size) < 0) {
		cc_check_report(ck, CC_CHECK_UNREPAIRED, "blob %s: %s", digest, e->msg);
		cc_error_free(e);
	} else {
		cc_check_report(ck, CC_CHECK_REPAIRED, "blob %s: %s", digest, what);
	}
}

static int check_blob_files(struct cc_store *s, struct cc_check *ck, cc_error **err)
{
	/* Blobs an image uses that have no row. */
	char **v = NULL;
	size_t n = 0;
	if (rows(s, "SELECT d FROM (SELECT manifest_digest AS d FROM images UNION SELECT config_digest FROM images "
		 "UNION SELECT blob_digest FROM image_layers) WHERE d NOT IN (SELECT digest FROM blobs) ORDER BY d",
		 NULL, 1, &v, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		cc_check_report(ck, CC_CHECK_PROBLEM, "blob %s: an image uses it but it has no row", v[i]);
		if (!ck->repair)
			continue;
		_cleanup_free_ char *p = cc_store_blob_path(s, v[i]);
		if (p && path_is(p, S_IFREG)) {
			adopt_blob(s, ck, v[i], p, "recorded");
		} else {
			char user[16];
			blob_user(s, v[i], user);
			cc_check_report(ck, CC_CHECK_UNREPAIRED, "blob %s: no file either: remove image %s (rmi) and pull it again",
					v[i], user);
		}
	}
	rows_free(v, n, 1);

	/* Files without rows. */
	_cleanup_free_ char *dir = NULL;
	_cleanup_strv_ char **names = NULL;
	if (asprintf(&dir, "%s/blobs/sha256", s->root) < 0)
		return cc_error_set(err, ENOMEM, "check store");
	if (cc_store_list_dir(dir, &names, err) < 0)
		return -1;
	for (char **name = names; *name; name++) {
		char digest[300], path[4400];
		snprintf(digest, sizeof(digest), "sha256:%s", *name);
		snprintf(path, sizeof(path), "%s/%s", dir, *name);
		if (!cc_digest_valid(digest)) {
			/* a write of an older version that was killed, or junk */
			cc_check_report(ck, CC_CHECK_NOTE, "stray file '%s' ('image prune' removes it)", path);
			if (ck->repair && unlink(path) == 0)
				cc_check_report(ck, CC_CHECK_REPAIRED, "removed '%s'", path);
			continue;
		}
		bool row = false;
		if (exists(s, "SELECT 1 FROM blobs WHERE digest=?1", digest, &row, err) < 0)
			return -1;
		/* a second look: gc moves a file out before it drops the row */
		if (row || !path_exists(path) ||
		    (exists(s, "SELECT 1 FROM blobs WHERE digest=?1", digest, &row, err) == 0 && row))
			continue;
		cc_check_report(ck, CC_CHECK_PROBLEM,
				"blob %s: file '%s' has no row (the database lost it: emptied, or its WAL lost)", digest,
				path);
		if (ck->repair)
			adopt_blob(s, ck, digest, path, "recorded as content no image uses ('image prune' removes it)");
	}
	return 0;
}

/* ---- layers ---- */

static bool container_running(const char *dir);

static int check_layers(struct cc_store *s, struct cc_check *ck, struct trash *t, cc_error **err)
{
	char **v = NULL;
	size_t n = 0;
	if (rows(s, "SELECT chain_id, diff_id FROM layers WHERE chain_id IN (SELECT chain_id FROM image_layers) "
		 "ORDER BY chain_id", NULL, 2, &v, &n, err) < 0)
		return -1;
	int r = 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		const char *chain = v[i * 2];
		char **blobs = NULL;
		size_t nb = 0;
		if (rows(s, "SELECT DISTINCT blob_digest FROM image_layers WHERE chain_id=? ORDER BY blob_digest", chain, 1,
			 &blobs, &nb, err) < 0) {
			r = -1;
			break;
		}
		struct cc_check_layer l = { .chain_id = chain, .diff_id = v[i * 2 + 1], .blobs = blobs,
					    .dir_present = cc_store_layer_present(s, chain) };
		char **users = NULL;
		size_t nu = 0;
		if (ck->repair && rows(s, "SELECT DISTINCT c.id FROM containers c JOIN image_layers il ON "
				       "il.image_id = c.image_id WHERE il.chain_id=? AND c.state IN ('running','paused')",
				       chain, 1, &users, &nu, err) < 0) {
			rows_free(blobs, nb, 1);
			r = -1;
			break;
		}
		for (size_t u = 0; u < nu && l.running == NULL; u++) {
			_cleanup_free_ char *cdir = cc_store_container_path(s, users[u]);
			if (cdir && container_running(cdir))
				l.running = users[u];
		}
		_cleanup_free_ char *p = cc_store_layer_path(s, chain);
		if (ck->layer) {
			r = ck->layer(s, ck, &l, err);
		} else if (!l.dir_present) {
			bool still = false;
			if (exists(s, "SELECT 1 FROM image_layers WHERE chain_id=?1", chain, &still, err) < 0)
				r = -1;
			else if (still && !cc_store_layer_present(s, chain)) {
				cc_check_report(ck, CC_CHECK_PROBLEM, "layer %s: directory '%s' is missing", chain, p ? p : "");
				if (ck->repair)
					cc_check_report(ck, CC_CHECK_UNREPAIRED, "layer %s: cannot be unpacked here", chain);
			}
		}
		rows_free(blobs, nb, 1);
		rows_free(users, nu, 1);
	}
	rows_free(v, n, 2);
	if (r < 0)
		return -1;

	if (rows(s, "SELECT image_id, chain_id FROM image_layers WHERE chain_id NOT IN (SELECT chain_id FROM layers) "
		 "ORDER BY image_id, idx", NULL, 2, &v, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		cc_check_report(ck, CC_CHECK_PROBLEM, "image %s: layer %s has no row", v[i * 2], v[i * 2 + 1]);
		if (ck->repair)
			cc_check_report(ck, CC_CHECK_UNREPAIRED, "image %s: remove it (rmi) and pull it again", v[i * 2]);
	}
	rows_free(v, n, 2);

	/* Directories: rows both ways. */
	_cleanup_free_ char *dir = NULL;
	_cleanup_strv_ char **names = NULL;
	if (asprintf(&dir, "%s/layers", s->root) < 0)
		return cc_error_set(err, ENOMEM, "check store");
	if (cc_store_list_dir(dir, &names, err) < 0)
		return -1;
	for (char **name = names; *name; name++) {
		char chain[300], path[4400];
		snprintf(chain, sizeof(chain), "sha256:%s", *name);
		snprintf(path, sizeof(path), "%s/%s", dir, *name);
		bool row = false, used = false;
		if (!cc_digest_valid(chain) || !path_is(path, S_IFDIR)) {
			cc_check_report(ck, CC_CHECK_PROBLEM, "stray entry '%s' in layers/", path);
			goto remove;
		}
		if (exists(s, "SELECT 1 FROM layers WHERE chain_id=?1", chain, &row, err) < 0 ||
		    exists(s, "SELECT 1 FROM image_layers WHERE chain_id=?1", chain, &used, err) < 0)
			return -1;
		if (row && !used) {
			cc_check_report(ck, CC_CHECK_NOTE,
					"layer %s is used by no image (kept from an interrupted pull or a removed image; "
					"'image prune' removes it)",
					chain);
			continue;
		}
		if (row || !path_exists(path) ||
		    (exists(s, "SELECT 1 FROM layers WHERE chain_id=?1", chain, &row, err) == 0 && row))
			continue;
		cc_check_report(ck, CC_CHECK_PROBLEM,
				"layer %s: directory '%s' has no row (the database lost it: emptied, or its WAL lost)", chain,
				path);
	remove:
		if (!ck->repair)
			continue;
		cc_error *e = NULL;
		if (trash_move(s, t, path, &e) < 0) {
			cc_check_report(ck, CC_CHECK_UNREPAIRED, "'%s': %s", path, e->msg);
			cc_error_free(e);
		} else {
			cc_check_report(ck, CC_CHECK_REPAIRED, "removed '%s' (a pull unpacks a layer again from its blob)", path);
		}
	}
	return 0;
}

/* ---- containers and leases ---- */

static bool container_running(const char *dir)
{
	_cleanup_free_ char *p = NULL;
	if (asprintf(&p, "%s/monitor.lock", dir) < 0)
		return false;
	_cleanup_close_ int fd = open(p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (flock(fd, LOCK_SH | LOCK_NB) == 0)
		return false;
	return errno == EWOULDBLOCK;
}

static void delete_container_row(struct cc_store *s, struct cc_check *ck, const char *id, const char *what)
{
	cc_error *e = NULL;
	if (cc_store_container_rows_delete(s, id, &e) < 0) {
		cc_check_report(ck, CC_CHECK_UNREPAIRED, "container %.12s: %s", id, e->msg);
		cc_error_free(e);
	} else {
		cc_check_report(ck, CC_CHECK_REPAIRED, "container %.12s: %s", id, what);
	}
}

static int check_containers(struct cc_store *s, struct cc_check *ck, struct trash *t, cc_error **err)
{
	char **v = NULL;
	size_t n = 0;
	if (rows(s, "SELECT id, name, state, started, image_id, image_id IN (SELECT id FROM images) FROM containers "
		 "ORDER BY created, id", NULL, 6, &v, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const char *id = v[i * 6], *name = v[i * 6 + 1], *state = v[i * 6 + 2];
		bool never_started = strcmp(state, "created") == 0 && strcmp(v[i * 6 + 3], "0") == 0;
		_cleanup_free_ char *dir = cc_store_container_path(s, id);
		char rm[100];
		snprintf(rm, sizeof(rm), CC_STORE_RM_PREFIX "%s", id);
		_cleanup_free_ char *trash = cc_store_tmp_path(s, rm);
		if (dir == NULL || trash == NULL) {
			rows_free(v, n, 6);
			return cc_error_set(err, ENOMEM, "check store");
		}
		if (strcmp(v[i * 6 + 5], "1") != 0) {
			cc_check_report(ck, CC_CHECK_PROBLEM, "container %.12s (%s): its image %s is not in the store", id,
					name, v[i * 6 + 4]);
			if (ck->repair)
				cc_check_report(ck, CC_CHECK_UNREPAIRED, "container %.12s (%s): remove it (rm)", id, name);
		}
		if (path_is(dir, S_IFDIR))
			continue;
		bool row = false;
		if (exists(s, "SELECT 1 FROM containers WHERE id=?1", id, &row, err) < 0) {
			rows_free(v, n, 6);
			return -1;
		}
		if (!row || path_is(dir, S_IFDIR))
			continue; /* removed meanwhile */
		if (path_exists(trash)) {
			cc_check_report(ck, CC_CHECK_NOTE,
					"container %.12s (%s): its removal was interrupted; the next command that adds or "
					"removes content (or rm) finishes it",
					id, name);
			if (ck->repair) {
				cc_error *e = NULL;
				if (cc_store_container_remove(s, id, NULL, &e) < 0) {
					cc_check_report(ck, CC_CHECK_UNREPAIRED, "container %.12s: %s", id, e->msg);
					cc_error_free(e);
				} else {
					cc_check_report(ck, CC_CHECK_REPAIRED, "container %.12s (%s): removed", id, name);
				}
			}
			continue;
		}
		if (never_started)
			continue; /* start makes its directory */
		cc_check_report(ck, CC_CHECK_PROBLEM,
				"container %.12s (%s): directory '%s' is missing (its writable layer and log are gone)", id,
				name, dir);
		if (ck->repair)
			delete_container_row(s, ck, id, "removed its row (nothing else of it was left)");
	}
	rows_free(v, n, 6);

	_cleanup_free_ char *dir = NULL;
	_cleanup_strv_ char **names = NULL;
	if (asprintf(&dir, "%s/containers", s->root) < 0)
		return cc_error_set(err, ENOMEM, "check store");
	if (cc_store_list_dir(dir, &names, err) < 0)
		return -1;
	for (char **name = names; *name; name++) {
		char path[4400];
		snprintf(path, sizeof(path), "%s/%s", dir, *name);
		bool row = false;
		if (exists(s, "SELECT 1 FROM containers WHERE id=?1", *name, &row, err) < 0)
			return -1;
		/* a second look: rm moves the directory out before it drops the row */
		if (row || !path_exists(path) ||
		    (exists(s, "SELECT 1 FROM containers WHERE id=?1", *name, &row, err) == 0 && row))
			continue;
		bool running = container_running(path);
		cc_check_report(ck, CC_CHECK_PROBLEM,
				"container directory '%s' has no row (the database lost it: emptied, or its WAL lost)%s", path,
				running ? "; its container is running" : "");
		if (!ck->repair)
			continue;
		if (running) {
			cc_check_report(ck, CC_CHECK_UNREPAIRED,
					"'%s': its monitor holds monitor.lock: stop that process, then repair again", path);
			continue;
		}
		/* Its configuration was in the row: nothing to restore it from.
		 * Removed, as podman's check --repair removes storage that no
		 * container record owns. */
		cc_error *e = NULL;
		if (trash_move(s, t, path, &e) < 0) {
			cc_check_report(ck, CC_CHECK_UNREPAIRED, "'%s': %s", path, e->msg);
			cc_error_free(e);
		} else {
			cc_check_report(ck, CC_CHECK_REPAIRED,
					"removed '%s' (the container's configuration was in the lost row)", path);
		}
	}

	/* A build's RUN step holds a lease named "build-PID-START-..." for as
	 * long as the building process lives (cmd/net.c), without a row; the
	 * network sweep releases those of builds that are gone. */
	if (rows(s, "SELECT network, ip, container_id FROM leases WHERE container_id NOT IN (SELECT id FROM containers) "
		 "AND container_id NOT LIKE 'build-%' ORDER BY network, ip", NULL, 3, &v, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		cc_check_report(ck, CC_CHECK_PROBLEM, "lease of %s on network %s: container %.12s does not exist",
				v[i * 3 + 1], v[i * 3], v[i * 3 + 2]);
		if (!ck->repair)
			continue;
		cc_error *e = NULL;
		if (cc_store_run(s, &e, "DELETE FROM leases WHERE network=? AND ip=?", "ss", v[i * 3], v[i * 3 + 1]) < 0) {
			cc_check_report(ck, CC_CHECK_UNREPAIRED, "lease of %s: %s", v[i * 3 + 1], e->msg);
			cc_error_free(e);
		} else {
			cc_check_report(ck, CC_CHECK_REPAIRED, "lease of %s on network %s: released", v[i * 3 + 1], v[i * 3]);
		}
	}
	rows_free(v, n, 3);
	return 0;
}

/* ---- tmp/ ---- */

static int check_tmp(struct cc_store *s, struct cc_check *ck, const struct trash *t, cc_error **err)
{
	_cleanup_free_ char *dir = NULL;
	_cleanup_strv_ char **names = NULL;
	if (asprintf(&dir, "%s/tmp", s->root) < 0)
		return cc_error_set(err, ENOMEM, "check store");
	if (cc_store_list_dir(dir, &names, err) < 0)
		return -1;
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return cc_error_set(err, errno, "open '%s'", dir);
	for (char **name = names; *name; name++) {
		char path[4400];
		snprintf(path, sizeof(path), "%s/%s", dir, *name);
		if (t->path && strcmp(t->path, path) == 0)
			continue;
		_cleanup_close_ int fd = -1;
		if (!cc_store_entry_stale(dfd, *name, &fd))
			continue; /* in use */
		char size[32];
		cc_human_size((uint64_t)cc_store_tree_size(dfd, *name), size, sizeof(size));
		size_t len = strlen(*name);
		if (len > 8 && strcmp(*name + len - 8, ".partial") == 0) {
			cc_check_report(ck, CC_CHECK_NOTE,
					"partial download '%s' (%s) is kept for a pull to resume ('image prune' removes it)",
					path, size);
			continue;
		}
		cc_check_report(ck, CC_CHECK_NOTE,
				"stale staging '%s' (%s) left by an interrupted command; the next command that adds or "
				"removes content removes it",
				path, size);
		if (!ck->repair)
			continue;
		cc_error *e = NULL;
		if (cc_rm_rf_at(dfd, *name, &e) < 0) {
			cc_check_report(ck, CC_CHECK_UNREPAIRED, "'%s': %s", path, e->msg);
			cc_error_free(e);
		} else {
			cc_check_report(ck, CC_CHECK_REPAIRED, "removed '%s'", path);
		}
	}
	return 0;
}

int cc_store_check(struct cc_store *s, struct cc_check *ck, cc_error **err)
{
	/* Repairs hold the exclusive lock: no add or removal runs meanwhile.
	 * Interrupted container removals are finished first (they would
	 * otherwise look like rows without directories). */
	if (ck->repair) {
		if (cc_store_lock(s, true, err) < 0)
			return -1;
	}
	struct trash t = { .fd = -1, .lock = -1 };
	int r = check_database(s, ck, err);
	if (r == 0 && (check_blob_rows(s, ck, err) < 0 || check_blob_files(s, ck, err) < 0 ||
		       check_layers(s, ck, &t, err) < 0 || check_containers(s, ck, &t, err) < 0 ||
		       check_tmp(s, ck, &t, err) < 0))
		r = -1;
	if (r > 0)
		r = 0;
	trash_close(&t);
	if (ck->repair)
		cc_store_unlock(s);
	return r;
}
