/* Garbage collection and consistency checks for the store. */
#include <dirent.h>
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

int64_t cc_store_tree_size(int dfd, const char *name)
{
	struct stat st;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	if (!S_ISDIR(st.st_mode))
		return st.st_size;
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0;
	DIR *d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return 0;
	}
	int64_t total = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			total += cc_store_tree_size(dirfd(d), de->d_name);
	closedir(d);
	return total;
}

/* Names (hex) present as files/dirs in a store subdirectory. */
int cc_store_list_dir(const char *path, char ***ret, cc_error **err)
{
	_cleanup_closedir_ DIR *d = opendir(path);
	if (d == NULL)
		return cc_error_set(err, errno, "open '%s'", path);
	size_t n = 0, cap = 16;
	char **v = calloc(cap + 1, sizeof(char *));
	if (v == NULL)
		return cc_error_set(err, ENOMEM, "list '%s'", path);
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **nv = realloc(v, (cap * 2 + 1) * sizeof(char *));
			if (nv == NULL) {
				cc_strvfreep(&v);
				return cc_error_set(err, ENOMEM, "list '%s'", path);
			}
			v = nv;
			cap *= 2;
		}
		if ((v[n] = strdup(de->d_name)) == NULL) {
			cc_strvfreep(&v);
			return cc_error_set(err, ENOMEM, "list '%s'", path);
		}
		v[++n] = NULL;
	}
	*ret = v;
	return 0;
}

int cc_store_row_exists(struct cc_store *s, const char *sql, const char *arg, int *ret, cc_error **err)
{
	sqlite3_stmt *st = NULL;
	if (cc_store_prepare(s, &st, sql, err) < 0)
		return -1;
	sqlite3_bind_text(st, 1, arg, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return cc_store_sql_error(s, err, "query");
	*ret = rc == SQLITE_ROW;
	return 0;
}

/* Move what no image uses out of sub (layers/ or blobs/sha256/) into trash:
 * entries whose name the query (?1 = "sha256:<name>") does not find. */
static int move_unused(struct cc_store *s, const char *sub, const char *live_sql, int tfd, int *count,
		       int64_t *bytes, cc_error **err)
{
	_cleanup_free_ char *dir = NULL;
	if (asprintf(&dir, "%s/%s", s->root, sub) < 0)
		return cc_error_set(err, ENOMEM, "gc");
	_cleanup_strv_ char **names = NULL;
	if (cc_store_list_dir(dir, &names, err) < 0)
		return -1;
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return cc_error_set(err, errno, "open '%s'", dir);
	const char *tag = strchr(sub, '/') ? "blob-" : "layer-";
	for (char **n = names; *n; n++) {
		char digest[300], dst[300];
		int live = 0;
		snprintf(digest, sizeof(digest), "sha256:%s", *n);
		if (cc_store_row_exists(s, live_sql, digest, &live, err) < 0)
			return -1;
		if (live)
			continue;
		snprintf(dst, sizeof(dst), "%s%s", tag, *n);
		int64_t size = cc_store_tree_size(dfd, *n);
		if (renameat(dfd, *n, tfd, dst) < 0) {
			if (errno == ENOENT)
				continue;
			return cc_error_set(err, errno, "gc: move '%s/%s' out", dir, *n);
		}
		*bytes += size;
		(*count)++;
	}
	return 0;
}

/* Everything in tmp/ nobody holds, partial downloads included. */
static int sweep_tmp(struct cc_store *s, int *count, int64_t *bytes, cc_error **err)
{
	_cleanup_free_ char *dir = NULL;
	if (asprintf(&dir, "%s/tmp", s->root) < 0)
		return cc_error_set(err, ENOMEM, "gc");
	_cleanup_strv_ char **names = NULL;
	if (cc_store_list_dir(dir, &names, err) < 0)
		return -1;
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return cc_error_set(err, errno, "open '%s'", dir);
	for (char **n = names; *n; n++) {
		_cleanup_close_ int fd = -1;
		if (!cc_store_entry_stale(dfd, *n, &fd))
			continue; /* in use */
		*bytes += cc_store_tree_size(dfd, *n);
		if (cc_rm_rf_at(dfd, *n, err) < 0)
			return cc_error_prefix(err, "remove '%s/%s'", dir, *n);
		(*count)++;
	}
	return 0;
}

int cc_store_gc(struct cc_store *s, bool orphans, struct cc_gc_report *ret, cc_error **err)
{
	struct cc_gc_report rep = { 0 };
	/* Files first (moved into a trash dir in tmp/, one rename each), rows
	 * after, in one transaction, then the trash: a kill at any point leaves
	 * rows of content no image uses and no file (dropped by the next gc),
	 * and stale staging (removed by the next command), never a file in
	 * blobs/ or layers/ without its row.  The exclusive lock keeps adders
	 * out, so nothing becomes used meanwhile. */
	if (orphans && sweep_tmp(s, &rep.tmp, &rep.bytes, err) < 0)
		return -1;
	if (cc_store_exec(s, "DELETE FROM build_cache WHERE image_id NOT IN (SELECT id FROM images)", err) < 0)
		return -1;
	_cleanup_free_ char *trash = NULL;
	_cleanup_close_ int tlock = -1;
	if (cc_store_tmp_create(s, "gc", true, &trash, &tlock, err) < 0)
		return -1;
	_cleanup_close_ int tfd = open(trash, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (tfd < 0)
		return cc_error_set(err, errno, "open '%s'", trash);
	if (move_unused(s, "layers", "SELECT 1 FROM image_layers WHERE chain_id=?1", tfd, &rep.layers, &rep.bytes,
			err) < 0 ||
	    move_unused(s, "blobs/sha256", "WITH live(d) AS (" CC_STORE_LIVE_BLOBS ") SELECT 1 FROM live WHERE d=?1",
			tfd, &rep.blobs, &rep.bytes, err) < 0)
		return -1; /* rows kept: a row without its file is content no image uses */
	if (cc_store_begin(s, err) < 0)
		return -1;
	if (cc_store_exec(s,
			  "DELETE FROM layers WHERE chain_id NOT IN (SELECT chain_id FROM image_layers);"
			  "DELETE FROM blobs WHERE digest NOT IN (" CC_STORE_LIVE_BLOBS ");",
			  err) < 0) {
		cc_store_rollback(s);
		return -1;
	}
	if (cc_store_commit(s, err) < 0)
		return -1;
	int r = cc_rm_rf(trash, err);
	if (r == 0 && ret)
		*ret = rep;
	return r;
}
