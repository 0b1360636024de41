/* An overlay upper dir -> an OCI layer blob (tar, gzip'd), in one pass.
 *
 * Two libarchive writers are chained, mirroring the reader in
 * lib/image/layer.c: the tar writer's output callback hashes every
 * uncompressed byte (the diff ID) and feeds a raw-format writer with the
 * gzip filter, whose output callback hashes the compressed bytes (the blob
 * digest) and writes them to the blob file.  Neither pads its last block,
 * so an empty layer is the canonical 1024 zero bytes.
 *
 * overlayfs -> OCI: a 0/0 character device NAME is a deletion, written as
 * an empty regular file ".wh.NAME"; a directory with
 * trusted.overlay.opaque=y hides everything below it, written as the
 * directory's entry followed at once by "DIR/.wh..wh..opq".  Other
 * trusted.overlay.* xattrs (origin, impure) are bookkeeping of the mount
 * that made the dir: they are neither packed nor kept.  redirect and
 * metacopy entries would mean the dir is not self-contained; overlay is
 * mounted without them, so meeting one is an error, not a silent loss.
 *
 * Entries are written in name order, so the same tree gives the same tar.
 *
 * A failed write of the blob (ENOSPC...) is reported with its errno, not
 * as the tar writer's EIO; the blob is fsynced and the upper dir flushed
 * (syncfs) before the caller renames either into the store.
 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "build-internal.h"
#include "util/dl.h"

#define PACK_BUF (256 * 1024)

struct hardlink {
	dev_t dev;
	ino_t ino;
	char *path;
};

struct packer {
	struct archive *tar, *gz;
	struct cc_sha256 *diff, *blob;
	int fd;
	int64_t blob_size, unpacked;
	struct hardlink *links;
	size_t n_links;
	char *buf;
	char *root;               /* the upper dir */
	const char *blob_path;
	int write_errno;          /* the blob's first failed write */
	int64_t clamp;            /* -1, or the latest mtime written */
	bool keep;                /* the upper dir is read, never changed */
	volatile sig_atomic_t *cancel;
	cc_error **err;
};

static la_ssize_t gz_out(struct archive *a, void *data, const void *buf, size_t n)
{
	struct packer *p = data;
	if (cc_write_all(p->fd, buf, n) < 0) {
		p->write_errno = errno;
		archive_set_error(a, p->write_errno, "write layer blob");
		return -1;
	}
	cc_sha256_update(p->blob, buf, n);
	p->blob_size += (int64_t)n;
	return (la_ssize_t)n;
}

static la_ssize_t tar_out(struct archive *a, void *data, const void *buf, size_t n)
{
	struct packer *p = data;
	cc_sha256_update(p->diff, buf, n);
	if (p->gz == NULL)
		return gz_out(a, data, buf, n);
	if (archive_write_data(p->gz, buf, n) < 0) {
		int e = p->write_errno ? p->write_errno : archive_errno(p->gz);
		archive_set_error(a, e > 0 ? e : EIO, "compress layer: %s", archive_error_string(p->gz));
		return -1;
	}
	return (la_ssize_t)n;
}

static int tar_fail(struct packer *p, const char *what)
{
	if (p->write_errno) /* the disk, not the tar: say so (ENOSPC as ENOSPC) */
		return cc_error_set(p->err, p->write_errno, "pack layer: write blob '%s' (at '%s')", p->blob_path, what);
	int e = archive_errno(p->tar);
	return cc_error_set(p->err, e > 0 ? e : 0, "write layer: %s: %s", what, archive_error_string(p->tar));
}

/* xattrs of path onto e, without trusted.overlay.* (user.overlay.* in a
 * rootless store); those are removed from
 * the file (opaque kept).  *opaque tells whether the dir is opaque. */
static int xattrs(struct packer *p, const char *path, struct archive_entry *e, bool *opaque)
{
	char names[8192];
	ssize_t n = llistxattr(path, names, sizeof(names));
	if (n < 0)
		return errno == ENOTSUP ? 0 : cc_error_set(p->err, errno, "list xattrs of '%s'", path);
	for (char *name = names; name < names + n; name += strlen(name) + 1) {
		/* overlay's own: trusted.overlay.*, or user.overlay.* in a
		 * rootless store (elsewhere user.overlay.* is a file's own) */
		const char *ov = cc_overlay_xattr_prefix();
		if (cc_str_has_prefix(name, ov)) {
			const char *k = name + strlen(ov);
			if (strcmp(k, "opaque") == 0) {
				char v[8];
				ssize_t l = lgetxattr(path, name, v, sizeof(v));
				if (opaque)
					*opaque = l == 1 && v[0] == 'y';
				continue;
			}
			if (strcmp(k, "redirect") == 0 || strcmp(k, "metacopy") == 0)
				return cc_error_set(p->err, ENOTSUP, "'%s' is an overlay %s entry, which a layer cannot carry",
						    path, k);
			if (!p->keep && lremovexattr(path, name) < 0 && errno != ENODATA)
				return cc_error_set(p->err, errno, "remove xattr %s of '%s'", name, path);
			continue;
		}
		if (e == NULL)
			continue;
		char value[65536];
		ssize_t l = lgetxattr(path, name, value, sizeof(value));
		if (l < 0)
			return cc_error_set(p->err, errno, "read xattr %s of '%s'", name, path);
		archive_entry_xattr_add_entry(e, name, value, (size_t)l);
	}
	return 0;
}

static struct archive_entry *new_entry(const struct packer *p, const char *name, const struct stat *st, unsigned type)
{
	struct archive_entry *e = archive_entry_new();
	if (e == NULL)
		return NULL;
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, st->st_mode & 07777);
	archive_entry_set_uid(e, st->st_uid);
	archive_entry_set_gid(e, st->st_gid);
	if (p->clamp >= 0 && st->st_mtim.tv_sec >= p->clamp)
		archive_entry_set_mtime(e, p->clamp, 0);
	else
		archive_entry_set_mtime(e, st->st_mtim.tv_sec, p->clamp >= 0 ? 0 : st->st_mtim.tv_nsec);
	return e;
}

/* A regular empty file: whiteouts and opaque markers. */
static int marker(struct packer *p, const char *name, const struct stat *st)
{
	struct archive_entry *e = new_entry(p, name, st, AE_IFREG);
	if (e == NULL)
		return cc_error_set(p->err, ENOMEM, "pack layer");
	archive_entry_set_size(e, 0);
	int r = archive_write_header(p->tar, e);
	archive_entry_free(e);
	return r < ARCHIVE_WARN ? tar_fail(p, name) : 0;
}

static int pack_dir(struct packer *p, int dfd, const char *rel);

static int pack_entry(struct packer *p, int dfd, const char *name, const char *rel)
{
	struct stat st;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return cc_error_set(p->err, errno, "stat '%s'", rel);
	_cleanup_free_ char *full = NULL, *dirname = NULL;
	if (asprintf(&full, "%s/%s", p->root, rel) < 0)
		return cc_error_set(p->err, ENOMEM, "pack layer");
	if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {
		const char *slash = strrchr(rel, '/');
		_cleanup_free_ char *wh = NULL;
		if (asprintf(&wh, "%.*s.wh.%s", slash ? (int)(slash - rel + 1) : 0, rel, name) < 0)
			return cc_error_set(p->err, ENOMEM, "pack layer");
		return marker(p, wh, &st);
	}
	if (S_ISSOCK(st.st_mode))
		return 0; /* docker does not pack sockets either */
	unsigned type = S_ISDIR(st.st_mode)   ? AE_IFDIR
			: S_ISREG(st.st_mode) ? AE_IFREG
			: S_ISLNK(st.st_mode) ? AE_IFLNK
			: S_ISCHR(st.st_mode) ? AE_IFCHR
			: S_ISBLK(st.st_mode) ? AE_IFBLK
					      : AE_IFIFO;
	if (S_ISDIR(st.st_mode) && asprintf(&dirname, "%s/", rel) < 0)
		return cc_error_set(p->err, ENOMEM, "pack layer");
	struct archive_entry *e = new_entry(p, dirname ? dirname : rel, &st, type);
	if (e == NULL)
		return cc_error_set(p->err, ENOMEM, "pack layer");
	bool opaque = false;
	_cleanup_close_ int fd = -1;
	bool data = false;
	if (xattrs(p, full, e, &opaque) < 0) {
		archive_entry_free(e);
		return -1;
	}
	if (S_ISREG(st.st_mode)) {
		const char *first = NULL;
		if (st.st_nlink > 1) {
			for (size_t i = 0; i < p->n_links && !first; i++)
				if (p->links[i].dev == st.st_dev && p->links[i].ino == st.st_ino)
					first = p->links[i].path;
			if (first == NULL) {
				struct hardlink *nl = realloc(p->links, (p->n_links + 1) * sizeof(*nl));
				char *copy = strdup(rel);
				if (nl == NULL || copy == NULL) {
					free(copy);
					if (nl)
						p->links = nl;
					archive_entry_free(e);
					return cc_error_set(p->err, ENOMEM, "pack layer");
				}
				p->links = nl;
				p->links[p->n_links++] = (struct hardlink){ st.st_dev, st.st_ino, copy };
			}
		}
		if (first) {
			archive_entry_set_hardlink(e, first);
			archive_entry_set_size(e, 0);
		} else {
			archive_entry_set_size(e, st.st_size);
			p->unpacked += st.st_size;
			data = st.st_size > 0;
			if (data && (fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
				archive_entry_free(e);
				return cc_error_set(p->err, errno, "open '%s'", rel);
			}
		}
	} else if (S_ISLNK(st.st_mode)) {
		char target[4096];
		ssize_t n = readlinkat(dfd, name, target, sizeof(target) - 1);
		if (n < 0) {
			archive_entry_free(e);
			return cc_error_set(p->err, errno, "readlink '%s'", rel);
		}
		target[n] = '\0';
		archive_entry_set_symlink(e, target);
	} else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
		archive_entry_set_rdevmajor(e, major(st.st_rdev));
		archive_entry_set_rdevminor(e, minor(st.st_rdev));
	}
	int r = archive_write_header(p->tar, e);
	archive_entry_free(e);
	if (r < ARCHIVE_WARN)
		return tar_fail(p, rel);
	if (data) {
		int64_t left = st.st_size;
		while (left > 0) {
			ssize_t n = read(fd, p->buf, PACK_BUF);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return cc_error_set(p->err, n < 0 ? errno : EIO, "read '%s'%s", rel,
						    n == 0 ? ": file shrank while packing" : "");
			if (n > left)
				n = (ssize_t)left;
			if (archive_write_data(p->tar, p->buf, (size_t)n) < 0)
				return tar_fail(p, rel);
			left -= n;
		}
	}
	if (S_ISDIR(st.st_mode)) {
		if (opaque) {
			_cleanup_free_ char *opq = NULL;
			if (asprintf(&opq, "%s/.wh..wh..opq", rel) < 0)
				return cc_error_set(p->err, ENOMEM, "pack layer");
			if (marker(p, opq, &st) < 0)
				return -1;
		}
		_cleanup_close_ int sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			return cc_error_set(p->err, errno, "open '%s'", rel);
		return pack_dir(p, sub, rel);
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int pack_dir(struct packer *p, int dfd, const char *rel)
{
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (d == NULL) {
		if (fd >= 0)
			close(fd);
		return cc_error_set(p->err, errno, "read '%s'", *rel ? rel : "/");
	}
	_cleanup_strv_ char **names = calloc(1, sizeof(char *));
	struct dirent *de;
	while (names && (de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") && cc_strv_push(&names, de->d_name) < 0)
			cc_strvfreep(&names);
	closedir(d);
	if (names == NULL)
		return cc_error_set(p->err, ENOMEM, "pack layer");
	qsort(names, cc_strv_len(names), sizeof(char *), cmp_str);
	for (char **n = names; *n; n++) {
		if (p->cancel && *p->cancel)
			return cc_error_set(p->err, EINTR, "interrupted");
		_cleanup_free_ char *r = NULL;
		if (asprintf(&r, "%s%s%s", rel, *rel ? "/" : "", *n) < 0)
			return cc_error_set(p->err, ENOMEM, "pack layer");
		if (pack_entry(p, dfd, *n, r) < 0)
			return -1;
	}
	return 0;
}

int cc_layer_pack(const char *upper, const char *blob_path, const struct cc_pack_opts *po, struct cc_packed_layer *ret,
		  volatile sig_atomic_t *cancel, cc_error **err)
{
	if (cc_dl_archive(err) < 0)
		return -1;
	bool plain = po && po->plain;
	struct packer p = { .fd = -1, .cancel = cancel, .err = err, .blob_path = blob_path,
			    .clamp = po ? po->clamp_mtime : -1, .keep = po && po->keep_upper };
	struct archive_entry *raw = NULL;
	int rc = -1;
	_cleanup_close_ int rootfd = open(upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	p.root = strdup(upper);
	p.buf = malloc(PACK_BUF);
	p.diff = cc_sha256_new();
	p.blob = cc_sha256_new();
	p.tar = archive_write_new();
	p.gz = plain ? NULL : archive_write_new();
	raw = archive_entry_new();
	if (!p.root || !p.buf || !p.diff || !p.blob || !p.tar || (!plain && !p.gz) || !raw) {
		cc_error_set(err, ENOMEM, "pack layer");
		goto out;
	}
	if (rootfd < 0) {
		cc_error_set(err, errno, "open '%s'", upper);
		goto out;
	}
	p.fd = open(blob_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (p.fd < 0) {
		cc_error_set(err, errno, "create '%s'", blob_path);
		goto out;
	}
	if (!plain) {
		archive_write_set_format_raw(p.gz);
		archive_write_add_filter_gzip(p.gz);
		(void)archive_write_set_options(p.gz, "gzip:!timestamp"); /* older libarchive: a timestamp, still valid */
		archive_write_set_bytes_in_last_block(p.gz, 1);
	}
	archive_entry_set_filetype(raw, AE_IFREG);
	archive_entry_set_pathname(raw, "layer.tar");
	if (!plain && (archive_write_open(p.gz, &p, NULL, gz_out, NULL) != ARCHIVE_OK ||
		       archive_write_header(p.gz, raw) != ARCHIVE_OK)) {
		cc_error_set(err, p.write_errno, "compress layer: %s", archive_error_string(p.gz));
		goto out;
	}
	archive_write_set_format_pax_restricted(p.tar);
	archive_write_set_bytes_in_last_block(p.tar, 1);
	if (archive_write_open(p.tar, &p, NULL, tar_out, NULL) != ARCHIVE_OK) {
		tar_fail(&p, "open");
		goto out;
	}
	/* the root itself: only its overlay bookkeeping goes */
	if (xattrs(&p, upper, NULL, NULL) < 0 || pack_dir(&p, rootfd, "") < 0)
		goto out;
	if (archive_write_close(p.tar) != ARCHIVE_OK) {
		tar_fail(&p, "close");
		goto out;
	}
	if (!plain && (archive_write_finish_entry(p.gz) < ARCHIVE_WARN || archive_write_close(p.gz) != ARCHIVE_OK)) {
		if (p.write_errno)
			cc_error_set(err, p.write_errno, "pack layer: write blob '%s'", blob_path);
		else
			cc_error_set(err, 0, "compress layer: %s", archive_error_string(p.gz));
		goto out;
	}
	if (fsync(p.fd) < 0) {
		cc_error_set(err, errno, "fsync '%s'", blob_path);
		goto out;
	}
	/* The upper dir becomes the layer dir: on disk first, and any error
	 * writing it back (not yet reported to anyone) fails the layer. */
	if (syncfs(rootfd) < 0) {
		cc_error_set(err, errno, "flush '%s'", upper);
		goto out;
	}
	cc_sha256_final(p.diff, ret->diff_id);
	cc_sha256_final(p.blob, ret->blob_digest);
	p.diff = p.blob = NULL;
	ret->blob_size = p.blob_size;
	ret->unpacked_size = p.unpacked;
	rc = 0;
out:
	if (p.tar)
		archive_write_free(p.tar);
	if (p.gz)
		archive_write_free(p.gz);
	if (raw)
		archive_entry_free(raw);
	cc_sha256_free(p.diff);
	cc_sha256_free(p.blob);
	for (size_t i = 0; i < p.n_links; i++)
		free(p.links[i].path);
	free(p.links);
	free(p.buf);
	free(p.root);
	if (p.fd >= 0) {
		close(p.fd);
		if (rc < 0)
			(void)unlink(blob_path);
	}
	return rc;
}
