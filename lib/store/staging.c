/* tmp/: staging that a lock says is in use, and what is left when it is not.
 *
 * Every entry a command makes under tmp/ (staging dirs, temp files, a
 * container directory being removed) is created and flocked (exclusive)
 * before it is used, and stays locked until it is committed or removed.
 * The lock dies with its process, so an entry whose lock is free was left
 * by a command that was killed: the next command that adds or removes
 * content removes it (cc_store_sweep_staging, called by cc_store_lock and
 * cc_store_container_remove).  tmp/<hex>.partial files are the exception:
 * a killed pull's download, kept (unlocked) for the next pull to resume;
 * `image prune` removes them.
 *
 * A sweeper only removes an entry while it holds the entry's lock, and a
 * creator checks after locking that its entry still has a name (nlink):
 * a sweep between mkdir and flock costs the creator a retry, nothing else. */
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

int cc_store_tmp_create(struct cc_store *s, const char *prefix, bool dir, char **ret_path, int *ret_fd,
			cc_error **err)
{
	for (int attempt = 0; attempt < 100; attempt++) {
		char rnd[17], name[64];
		if (cc_random_hex(rnd, 8, err) < 0)
			return -1;
		snprintf(name, sizeof(name), "%s-%s", prefix, rnd);
		char *p = cc_store_tmp_path(s, name);
		if (p == NULL)
			return cc_error_set(err, ENOMEM, "create '%s/tmp/%s'", s->root, name);
		int fd;
		if (dir) {
			if (mkdir(p, 0755) < 0) {
				int e = errno;
				free(p);
				if (e == EEXIST)
					continue;
				return cc_error_set(err, e, "create '%s/tmp/%s'", s->root, name);
			}
			fd = open(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		} else {
			fd = open(p, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
			if (fd < 0 && errno == EEXIST) {
				free(p);
				continue;
			}
		}
		if (fd < 0) {
			int e = errno;
			free(p);
			if (e == ENOENT)
				continue; /* swept before we opened it */
			return cc_error_set(err, e, "create '%s/tmp/%s'", s->root, name);
		}
		while (flock(fd, LOCK_EX) < 0) {
			if (errno != EINTR) {
				int e = errno;
				close(fd);
				free(p);
				return cc_error_set(err, e, "lock '%s/tmp/%s'", s->root, name);
			}
		}
		struct stat st;
		if (fstat(fd, &st) < 0 || st.st_nlink == 0) {
			/* a sweeper took it between creation and lock */
			close(fd);
			free(p);
			continue;
		}
		*ret_path = p;
		*ret_fd = fd;
		return 0;
	}
	return cc_error_set(err, EAGAIN, "create a staging entry in '%s/tmp'", s->root);
}

int cc_store_tmp_file(struct cc_store *s, const char *prefix, int *ret_fd, char **ret_path, cc_error **err)
{
	return cc_store_tmp_create(s, prefix, false, ret_path, ret_fd, err);
}

bool cc_store_entry_stale(int dfd, const char *name, int *ret_fd)
{
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		/* a symlink or something unopenable: nobody can hold it */
		if (ret_fd)
			*ret_fd = -1;
		return errno == ELOOP || errno == EACCES || errno == ENXIO;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		close(fd);
		if (ret_fd)
			*ret_fd = -1;
		return false;
	}
	if (ret_fd)
		*ret_fd = fd;
	else
		close(fd);
	return true;
}

/* tmp/rm-<id> without its lock: a removal that was killed after moving the
 * directory away.  The row goes too (if it is still there): that is what
 * the command was doing. */
int cc_store_container_rows_delete(struct cc_store *s, const char *id, cc_error **err)
{
	if (cc_store_begin(s, err) < 0)
		return -1;
	if (cc_store_run(s, err, "DELETE FROM leases WHERE container_id=?", "s", id) < 0 ||
	    cc_store_run(s, err, "DELETE FROM containers WHERE id=?", "s", id) < 0) {
		cc_store_rollback(s);
		return -1;
	}
	return cc_store_commit(s, err);
}

static void finish_removal(struct cc_store *s, const char *id)
{
	cc_error *e = NULL;
	(void)cc_store_container_rows_delete(s, id, &e);
	cc_error_free(e);
}

static bool container_id_valid(const char *id)
{
	size_t n = strlen(id);
	return n > 0 && n <= 64 && cc_is_hex(id, n);
}

void cc_store_sweep_staging(struct cc_store *s)
{
	_cleanup_free_ char *dir = cc_store_tmp_path(s, "");
	if (dir == NULL)
		return;
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return;
	_cleanup_strv_ char **stale = NULL;
	cc_error *le = NULL;
	if (cc_store_list_dir(dir, &stale, &le) < 0) {
		cc_error_free(le);
		return;
	}
	for (char **n = stale; n && *n; n++) {
		size_t len = strlen(*n);
		if (len > 8 && strcmp(*n + len - 8, ".partial") == 0)
			continue; /* partial downloads are kept to resume */
		if (len > 7 && strcmp(*n + len - 7, ".upload") == 0)
			continue; /* so are the URLs of unfinished uploads (push) */
		int fd = -1;
		if (!cc_store_entry_stale(dfd, *n, &fd))
			continue;
		if (cc_str_has_prefix(*n, CC_STORE_RM_PREFIX) && container_id_valid(*n + strlen(CC_STORE_RM_PREFIX)))
			finish_removal(s, *n + strlen(CC_STORE_RM_PREFIX));
		cc_error *e = NULL;
		(void)cc_rm_rf_at(dfd, *n, &e); /* best effort: the next sweep tries again */
		cc_error_free(e);
		cc_closep(&fd);
	}
}

int cc_store_container_remove(struct cc_store *s, const char *id, struct cc_kept *keep, cc_error **err)
{
	if (!container_id_valid(id))
		return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid container ID '%s'", id);
	_cleanup_free_ char *dir = cc_store_container_path(s, id);
	char name[80];
	snprintf(name, sizeof(name), CC_STORE_RM_PREFIX "%s", id);
	_cleanup_free_ char *trash = cc_store_tmp_path(s, name);
	if (dir == NULL || trash == NULL)
		return cc_error_set(err, ENOMEM, "remove container %.12s", id);
	/* The directory goes first, by one rename into tmp/ with its lock held:
	 * a kill after it leaves a stale tmp/rm-<id>, whose sweep deletes the
	 * row too; a kill before it leaves the container as it was.  Never a
	 * row with half a directory, nor a directory without its row. */
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0) {
		while (flock(fd, LOCK_EX) < 0)
			if (errno != EINTR)
				return cc_error_set(err, errno, "lock '%s'", dir);
		if (rename(dir, trash) < 0) {
			if (errno != EEXIST && errno != ENOTEMPTY)
				return cc_error_set(err, errno, "remove container %.12s: rename '%s' to '%s'", id, dir, trash);
			/* what an earlier, killed removal left: it goes first */
			if (cc_rm_rf(trash, err) < 0)
				return -1;
			if (rename(dir, trash) < 0)
				return cc_error_set(err, errno, "remove container %.12s: rename '%s' to '%s'", id, dir,
						    trash);
		}
	} else if (errno == ENOENT) {
		/* gone already, or moved by a removal that was killed: take that over */
		fd = open(trash, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0)
			while (flock(fd, LOCK_EX) < 0)
				if (errno != EINTR)
					return cc_error_set(err, errno, "lock '%s'", trash);
	} else {
		return cc_error_set(err, errno, "remove container %.12s: open '%s'", id, dir);
	}
	if (cc_store_container_rows_delete(s, id, err) < 0)
		return -1;
	if (fd >= 0 && (keep ? cc_rm_rf_keep(trash, keep, err) : cc_rm_rf(trash, err)) < 0)
		return -1; /* the row is gone: the next sweep removes the rest */
	return 0;
}
