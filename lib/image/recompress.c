/* A layer blob in another compression, for push --compression-format
 * (image.h: cc_image_recompress_layer).  One streaming pass: the stored
 * blob is decompressed by libarchive (gzip, zstd, or none: the raw format
 * takes the tar as it is) and compressed again into a temp file of the
 * store, hashed as it is written; the file becomes a blob of the store
 * only when it is whole and flushed. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image-internal.h"
#include "util/dl.h"
#include "util/util.h"

#define IO_BUF (256 * 1024)

struct out {
	int fd;
	struct cc_sha256 *h;
	int64_t size;
	int write_errno;
};

static la_ssize_t out_write(struct archive *a, void *data, const void *buf, size_t n)
{
	(void)a;
	struct out *o = data;
	if (cc_write_all(o->fd, buf, n) < 0) {
		o->write_errno = errno;
		return -1;
	}
	cc_sha256_update(o->h, buf, n);
	o->size += (int64_t)n;
	return (la_ssize_t)n;
}

/* The cache's name for a recompressed blob. */
static char *cache_path(struct cc_store *s, const char *digest, const char *format, int level)
{
	char *p = NULL;
	const char *hex = strncmp(digest, "sha256:", 7) == 0 ? digest + 7 : digest;
	if (asprintf(&p, "%s/cache/recompress/%s-%s-%d", cc_store_root(s), hex, format, level) < 0)
		return NULL;
	return p;
}

/* A digest the cache remembers, when its blob is (still) in the store. */
static int cached(struct cc_store *s, const char *path, char **ret_digest, int64_t *ret_size)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	cc_error *e = NULL;
	if (cc_read_file(path, 128, &text, &len, &e) < 0) {
		cc_error_free(e);
		return 0;
	}
	text[strcspn(text, "\n")] = '\0';
	if (strncmp(text, "sha256:", 7) != 0 || strlen(text) != 71 || !cc_store_blob_present(s, text))
		return 0;
	_cleanup_free_ char *bp = cc_store_blob_path(s, text);
	struct stat st;
	if (bp == NULL || stat(bp, &st) < 0)
		return 0;
	*ret_digest = steal_ptr(&text);
	*ret_size = st.st_size;
	return 1;
}

int cc_image_recompress_layer(struct cc_store *s, const char *digest, const char *format, int level,
			      char **ret_digest, int64_t *ret_size, cc_error **err)
{
	*ret_digest = NULL;
	*ret_size = 0;
	bool zstd = strcmp(format, "zstd") == 0;
	if (!zstd && strcmp(format, "gzip") != 0)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "unknown compression '%s': gzip or zstd", format);
	_cleanup_free_ char *cpath = cache_path(s, digest, format, level);
	if (cpath == NULL)
		return cc_error_set(err, ENOMEM, "recompress layer");
	if (cached(s, cpath, ret_digest, ret_size))
		return 0;
	if (cc_dl_archive(err) < 0)
		return -1;
	_cleanup_free_ char *src = cc_store_blob_path(s, digest), *tmp = NULL, *buf = malloc(IO_BUF), *dir = NULL;
	_cleanup_close_ int in = src != NULL ? open(src, O_RDONLY | O_CLOEXEC) : -1;
	if (src == NULL || buf == NULL)
		return cc_error_set(err, ENOMEM, "recompress layer");
	if (in < 0)
		return cc_error_set(err, errno, "open blob %s", digest);
	struct out o = { .fd = -1, .h = cc_sha256_new() };
	struct archive *r = archive_read_new(), *w = archive_write_new();
	struct archive_entry *entry = archive_entry_new();
	int rc = -1;
	if (o.h == NULL || r == NULL || w == NULL || entry == NULL) {
		cc_error_set(err, ENOMEM, "recompress layer");
		goto out;
	}
	if (cc_store_tmp_file(s, "recompress", &o.fd, &tmp, err) < 0)
		goto out;
	archive_read_support_filter_gzip(r);
	archive_read_support_filter_zstd(r);
	archive_read_support_format_raw(r);
	struct archive_entry *re = NULL;
	if (archive_read_open_fd(r, in, IO_BUF) != ARCHIVE_OK || archive_read_next_header(r, &re) != ARCHIVE_OK) {
		cc_error_setk(err, CC_ERR_VERIFY, 0, "blob %s: %s", digest, archive_error_string(r));
		goto out;
	}
	char opt[64];
	archive_write_set_format_raw(w);
	if (zstd)
		archive_write_add_filter_zstd(w);
	else
		archive_write_add_filter_gzip(w);
	/* gzip without a time stamp: the same bytes on every machine */
	if (!zstd)
		(void)archive_write_set_options(w, "gzip:!timestamp");
	if (level >= 0) {
		snprintf(opt, sizeof(opt), "%s:compression-level=%d", format, level);
		if (archive_write_set_options(w, opt) != ARCHIVE_OK) {
			cc_error_setk(err, CC_ERR_INVALID, 0, "%s compression level %d: %s", format, level,
				      archive_error_string(w));
			goto out;
		}
	}
	archive_write_set_bytes_in_last_block(w, 1);
	archive_entry_set_filetype(entry, AE_IFREG);
	archive_entry_set_pathname(entry, "layer.tar");
	if (archive_write_open(w, &o, NULL, out_write, NULL) != ARCHIVE_OK || archive_write_header(w, entry) != ARCHIVE_OK) {
		cc_error_set(err, o.write_errno, "compress layer: %s", archive_error_string(w));
		goto out;
	}
	for (;;) {
		la_ssize_t n = archive_read_data(r, buf, IO_BUF);
		if (n < 0) {
			cc_error_setk(err, CC_ERR_VERIFY, 0, "blob %s: %s", digest, archive_error_string(r));
			goto out;
		}
		if (n == 0)
			break;
		if (archive_write_data(w, buf, (size_t)n) != n) {
			cc_error_set(err, o.write_errno, "compress layer: %s", archive_error_string(w));
			goto out;
		}
	}
	if (archive_write_finish_entry(w) < ARCHIVE_WARN || archive_write_close(w) != ARCHIVE_OK) {
		cc_error_set(err, o.write_errno, "compress layer: %s", archive_error_string(w));
		goto out;
	}
	if (fsync(o.fd) < 0) {
		cc_error_set(err, errno, "fsync '%s'", tmp);
		goto out;
	}
	char d[72];
	cc_sha256_final(o.h, d);
	o.h = NULL;
	if (cc_store_blob_commit(s, tmp, d, o.size, err) < 0)
		goto out;
	/* remembered for the next push; losing that only costs the work again */
	if ((dir = strdup(cpath)) != NULL) {
		*strrchr(dir, '/') = '\0';
		cc_error *e = NULL;
		if (cc_mkdir_p(dir, 0755, &e) < 0 || cc_write_file_atomic(cpath, d, strlen(d), 0644, &e) < 0)
			cc_error_free(e);
	}
	if ((*ret_digest = strdup(d)) == NULL) {
		cc_error_set(err, ENOMEM, "recompress layer");
		goto out;
	}
	*ret_size = o.size;
	rc = 0;
out:
	if (rc < 0 && tmp != NULL)
		(void)unlink(tmp);
	cc_closep(&o.fd);
	cc_sha256_free(o.h);
	if (r)
		archive_read_free(r);
	if (w)
		archive_write_free(w);
	if (entry)
		archive_entry_free(entry);
	return rc;
}
