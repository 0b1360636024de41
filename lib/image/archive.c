/* save and load: images as one tar, in the two layouts other tools use.
 *
 * docker-archive, as docker >= 25 writes it (moby PR #44598): an OCI
 * image layout (oci-layout, index.json, blobs/sha256/...) whose layers are
 * uncompressed tars named by their diff ID, plus docker's manifest.json
 * ({Config, RepoTags, Layers} pointing into the same blobs).  Old docker,
 * podman and skopeo read manifest.json; new docker reads either.
 *
 * oci-archive: the OCI image layout with the stored blobs byte for byte
 * (manifest, config, compressed layers), so digests survive the trip.
 *
 * load takes either (and docker's pre-25 layout: manifest.json with
 * "<id>/layer.tar" paths, symlinks between them), compressed or not.  The
 * archive is unpacked into a staging dir under the store's tmp/ first
 * (entries cannot leave it: libarchive's SECURE_* checks, names cleaned,
 * files read back with RESOLVE_IN_ROOT), then every blob is verified:
 * manifest and config against their digests, layers against the config's
 * diff IDs while they are unpacked.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "image-internal.h"
#include "util/dl.h"
#include "util/util.h"

#define IO_BUF (256 * 1024)
#define MT_OCI_LAYOUT_INDEX CC_MT_OCI_INDEX

/* ---- writing a tar ----------------------------------------------------- */

struct tarw {
	struct archive *a;
	int fd;
	char *buf;
	char **written;           /* blob paths already in the tar */
	size_t n_written;
	cc_error **err;
};

static la_ssize_t tar_out(struct archive *a, void *data, const void *buf, size_t n)
{
	struct tarw *t = data;
	if (cc_write_all(t->fd, buf, n) < 0) {
		archive_set_error(a, errno, "write archive");
		return -1;
	}
	return (la_ssize_t)n;
}

static int tar_fail(struct tarw *t, const char *what)
{
	int e = archive_errno(t->a);
	return cc_error_set(t->err, e > 0 ? e : 0, "write archive: %s: %s", what, archive_error_string(t->a));
}

static int tar_header(struct tarw *t, const char *name, unsigned type, int64_t size)
{
	struct archive_entry *e = archive_entry_new();
	if (e == NULL)
		return cc_error_set(t->err, ENOMEM, "write archive");
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, type == AE_IFDIR ? 0755 : 0644);
	archive_entry_set_size(e, type == AE_IFDIR ? 0 : size);
	archive_entry_set_mtime(e, 0, 0); /* reproducible, as docker writes them */
	int r = archive_write_header(t->a, e);
	archive_entry_free(e);
	return r < ARCHIVE_WARN ? tar_fail(t, name) : 0;
}

static int tar_bytes(struct tarw *t, const char *name, const void *data, size_t len)
{
	if (tar_header(t, name, AE_IFREG, (int64_t)len) < 0)
		return -1;
	if (len && archive_write_data(t->a, data, len) < 0)
		return tar_fail(t, name);
	return 0;
}

static int tar_fd(struct tarw *t, const char *name, int fd, int64_t size)
{
	if (tar_header(t, name, AE_IFREG, size) < 0)
		return -1;
	int64_t left = size;
	while (left > 0) {
		ssize_t n = read(fd, t->buf, IO_BUF);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return cc_error_set(t->err, n < 0 ? errno : EIO, "read '%s'", name);
		if (n > left)
			n = (ssize_t)left;
		if (archive_write_data(t->a, t->buf, (size_t)n) < 0)
			return tar_fail(t, name);
		left -= n;
	}
	return 0;
}

static bool tar_has(struct tarw *t, const char *name)
{
	for (size_t i = 0; i < t->n_written; i++)
		if (strcmp(t->written[i], name) == 0)
			return true;
	return false;
}

static int tar_mark(struct tarw *t, const char *name)
{
	char **n = realloc(t->written, (t->n_written + 1) * sizeof(char *));
	if (n == NULL)
		return cc_error_set(t->err, ENOMEM, "write archive");
	t->written = n;
	t->written[t->n_written] = strdup(name);
	if (t->written[t->n_written] == NULL)
		return cc_error_set(t->err, ENOMEM, "write archive");
	t->n_written++;
	return 0;
}

static const char *hex_of(const char *digest)
{
	const char *c = strchr(digest, ':');
	return c ? c + 1 : digest;
}

/* A stored blob as blobs/sha256/<hex>, once. */
static int tar_blob(struct cc_store *s, struct tarw *t, const char *digest)
{
	char name[128];
	snprintf(name, sizeof(name), "blobs/sha256/%s", hex_of(digest));
	if (tar_has(t, name))
		return 0;
	_cleanup_free_ char *path = cc_store_blob_path(s, digest);
	_cleanup_close_ int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return cc_error_set(t->err, errno, "open blob %s", digest);
	if (tar_fd(t, name, fd, st.st_size) < 0)
		return -1;
	return tar_mark(t, name);
}

/* A layer as its uncompressed tar, blobs/sha256/<diff id hex>, once.  The
 * tar is decompressed into an unnamed file first (its size goes in the
 * header) and checked against the diff ID on the way. */
static int tar_layer_uncompressed(struct cc_store *s, struct tarw *t, const struct cc_layer_record *l,
				  int64_t *ret_size)
{
	char name[128];
	snprintf(name, sizeof(name), "blobs/sha256/%s", hex_of(l->diff_id));
	_cleanup_free_ char *path = cc_store_blob_path(s, l->blob_digest), *tmpdir = NULL;
	_cleanup_close_ int in = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	if (in < 0)
		return cc_error_set(t->err, errno, "open blob %s", l->blob_digest);
	if (asprintf(&tmpdir, "%s/tmp", cc_store_root(s)) < 0)
		return cc_error_set(t->err, ENOMEM, "save");
	_cleanup_close_ int tmp = open(tmpdir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (tmp < 0)
		return cc_error_set(t->err, errno, "create a temporary file in '%s'", tmpdir);
	struct archive *a = archive_read_new();
	if (a == NULL)
		return cc_error_set(t->err, ENOMEM, "save");
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_format_raw(a);
	archive_read_support_format_empty(a);
	struct archive_entry *e;
	struct cc_sha256 *h = cc_sha256_new();
	int64_t size = 0;
	int r = 0;
	if (h == NULL || archive_read_open_fd(a, in, IO_BUF) != ARCHIVE_OK) {
		r = cc_error_set(t->err, h ? 0 : ENOMEM, "read layer %s", l->blob_digest);
	} else if (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		for (;;) {
			la_ssize_t n = archive_read_data(a, t->buf, IO_BUF);
			if (n < 0) {
				r = cc_error_set(t->err, 0, "read layer %s: %s", l->blob_digest, archive_error_string(a));
				break;
			}
			if (n == 0)
				break;
			cc_sha256_update(h, t->buf, (size_t)n);
			if (cc_write_all(tmp, t->buf, (size_t)n) < 0) {
				r = cc_error_set(t->err, errno, "write a temporary file");
				break;
			}
			size += n;
		}
	}
	archive_read_free(a);
	char diff[72];
	if (h)
		cc_sha256_final(h, diff);
	if (r < 0)
		return r;
	if (strcmp(diff, l->diff_id) != 0)
		return cc_error_setk(t->err, CC_ERR_VERIFY, 0, "layer %s decompresses to %s, not its diff ID %s",
				     l->blob_digest, diff, l->diff_id);
	*ret_size = size;
	if (tar_has(t, name))
		return 0;
	if (lseek(tmp, 0, SEEK_SET) < 0)
		return cc_error_set(t->err, errno, "rewind a temporary file");
	if (tar_fd(t, name, tmp, size) < 0)
		return -1;
	return tar_mark(t, name);
}

/* "docker.io/library/alpine:latest" -> "alpine:latest" */
static char *familiar_name(const char *name)
{
	const char *colon = strrchr(name, ':');
	size_t rl = colon && !strchr(colon, '/') ? (size_t)(colon - name) : strlen(name);
	_cleanup_free_ char *repo = strndup(name, rl);
	_cleanup_free_ char *fam = repo ? cc_ref_familiar_repo(repo) : NULL;
	char *out = NULL;
	if (fam == NULL || asprintf(&out, "%s%s", fam, name + rl) < 0)
		return NULL;
	return out;
}

static json_t *ref_annotations(const char *name)
{
	if (name == NULL)
		return NULL;
	const char *colon = strrchr(name, ':');
	const char *tag = colon && !strchr(colon, '/') ? colon + 1 : "latest";
	return json_pack("{s:s, s:s}", "io.containerd.image.name", name, "org.opencontainers.image.ref.name", tag);
}

static const char *oci_layer_type(const char *mt, bool gzip_default)
{
	if (mt == NULL)
		return gzip_default ? CC_MT_OCI_LAYER_GZIP : CC_MT_OCI_LAYER;
	if (strcmp(mt, CC_MT_DOCKER_LAYER) == 0)
		return CC_MT_OCI_LAYER_GZIP;
	if (strcmp(mt, CC_MT_DOCKER_FOREIGN) == 0)
		return "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
	return mt;
}

static int put_json(struct tarw *t, json_t *j, const char *name_or_null, char digest[72],
		    size_t *ret_size)
{
	_cleanup_free_ char *text = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	if (text == NULL)
		return cc_error_set(t->err, ENOMEM, "save");
	size_t len = strlen(text);
	if (digest)
		cc_sha256_digest(text, len, digest);
	char name[128];
	if (name_or_null == NULL)
		snprintf(name, sizeof(name), "blobs/sha256/%s", hex_of(digest));
	if (ret_size)
		*ret_size = len;
	if (tar_has(t, name_or_null ? name_or_null : name))
		return 0;
	if (tar_bytes(t, name_or_null ? name_or_null : name, text, len) < 0)
		return -1;
	return name_or_null ? 0 : tar_mark(t, name);
}

/* One image into the tar; its index.json descriptor (and manifest.json
 * entry for docker-archive) appended to index / mjson. */
static int save_one(struct cc_store *s, struct tarw *t, const struct cc_save_image *img, enum cc_archive_format fmt,
		    json_t *index, json_t *mjson)
{
	struct cc_image_record *r = NULL;
	if (cc_store_image_get(s, img->id, &r, t->err) < 0)
		return -1;
	int rc = -1;
	json_t *layers = json_array(), *paths = json_array(), *man = NULL, *desc = NULL;
	char mdigest[72];
	size_t msize = 0;
	const char *mtype = CC_MT_OCI_MANIFEST;
	if (layers == NULL || paths == NULL) {
		cc_error_set(t->err, ENOMEM, "save");
		goto out;
	}
	if (tar_blob(s, t, r->config_digest) < 0)
		goto out;
	for (size_t i = 0; i < r->n_layers; i++) {
		const struct cc_layer_record *l = &r->layers[i];
		if (fmt == CC_ARCHIVE_DOCKER) {
			int64_t size = 0;
			if (tar_layer_uncompressed(s, t, l, &size) < 0)
				goto out;
			json_array_append_new(layers, json_pack("{s:s, s:s, s:I}", "mediaType", CC_MT_OCI_LAYER, "digest",
								l->diff_id, "size", (json_int_t)size));
			char p[128];
			snprintf(p, sizeof(p), "blobs/sha256/%s", hex_of(l->diff_id));
			json_array_append_new(paths, json_string(p));
		} else {
			if (tar_blob(s, t, l->blob_digest) < 0)
				goto out;
			json_array_append_new(layers, json_pack("{s:s, s:s, s:I}", "mediaType", oci_layer_type(l->media_type, true),
								"digest", l->blob_digest, "size", (json_int_t)l->blob_size));
		}
	}
	bool stored_oci = r->manifest_media_type && strcmp(r->manifest_media_type, CC_MT_OCI_MANIFEST) == 0;
	if (fmt == CC_ARCHIVE_OCI && stored_oci) {
		/* the manifest as stored: digests survive the trip */
		if (tar_blob(s, t, r->manifest_digest) < 0)
			goto out;
		snprintf(mdigest, sizeof(mdigest), "%s", r->manifest_digest);
		msize = (size_t)r->manifest_size;
	} else {
		man = json_pack("{s:i, s:s, s:{s:s, s:s, s:I}, s:O}", "schemaVersion", 2, "mediaType", CC_MT_OCI_MANIFEST,
				"config", "mediaType", CC_MT_OCI_CONFIG, "digest", r->config_digest, "size",
				(json_int_t)r->config_size, "layers", layers);
		if (put_json(t, man, NULL, mdigest, &msize) < 0)
			goto out;
	}
	desc = json_pack("{s:s, s:s, s:I}", "mediaType", mtype, "digest", mdigest, "size", (json_int_t)msize);
	json_t *ann = ref_annotations(img->name);
	if (desc == NULL) {
		json_decref(ann);
		cc_error_set(t->err, ENOMEM, "save");
		goto out;
	}
	if (ann)
		json_object_set_new(desc, "annotations", ann);
	json_array_append(json_object_get(index, "manifests"), desc);
	if (fmt == CC_ARCHIVE_DOCKER) {
		char cfgpath[128];
		snprintf(cfgpath, sizeof(cfgpath), "blobs/sha256/%s", hex_of(r->config_digest));
		_cleanup_free_ char *fam = img->name ? familiar_name(img->name) : NULL;
		json_t *tags = fam ? json_pack("[s]", fam) : json_null();
		json_array_append_new(mjson, json_pack("{s:s, s:o, s:O}", "Config", cfgpath, "RepoTags", tags, "Layers", paths));
	}
	rc = 0;
out:
	json_decref(layers);
	json_decref(paths);
	json_decref(man);
	json_decref(desc);
	cc_image_record_free(r);
	return rc;
}

int cc_image_save(struct cc_store *s, const struct cc_save_image *images, size_t n, enum cc_archive_format fmt, int fd,
		  cc_error **err)
{
	if (cc_dl_archive(err) < 0 || cc_store_lock(s, false, err) < 0)
		return -1;
	struct tarw t = { .fd = fd, .err = err, .buf = malloc(IO_BUF), .a = archive_write_new() };
	json_t *index = json_pack("{s:i, s:s, s:[]}", "schemaVersion", 2, "mediaType", MT_OCI_LAYOUT_INDEX, "manifests");
	json_t *mjson = json_array();
	int rc = -1;
	if (t.buf == NULL || t.a == NULL || index == NULL || mjson == NULL) {
		cc_error_set(err, ENOMEM, "save");
		goto out;
	}
	archive_write_set_format_pax_restricted(t.a);
	archive_write_set_bytes_in_last_block(t.a, 1);
	if (archive_write_open(t.a, &t, NULL, tar_out, NULL) != ARCHIVE_OK) {
		tar_fail(&t, "open");
		goto out;
	}
	if (tar_header(&t, "blobs/", AE_IFDIR, 0) < 0 || tar_header(&t, "blobs/sha256/", AE_IFDIR, 0) < 0)
		goto out;
	for (size_t i = 0; i < n; i++)
		if (save_one(s, &t, &images[i], fmt, index, mjson) < 0)
			goto out;
	static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
	if (tar_bytes(&t, "oci-layout", layout, sizeof(layout) - 1) < 0 || put_json(&t, index, "index.json", NULL, NULL) < 0)
		goto out;
	if (fmt == CC_ARCHIVE_DOCKER && put_json(&t, mjson, "manifest.json", NULL, NULL) < 0)
		goto out;
	if (archive_write_close(t.a) != ARCHIVE_OK) {
		tar_fail(&t, "close");
		goto out;
	}
	rc = 0;
out:
	if (t.a)
		archive_write_free(t.a);
	for (size_t i = 0; i < t.n_written; i++)
		free(t.written[i]);
	free(t.written);
	free(t.buf);
	json_decref(index);
	json_decref(mjson);
	cc_store_unlock(s);
	return rc;
}

/* ---- load ---------------------------------------------------------------- */

static int open_in(int rootfd, const char *path, int flags)
{
	const char *rel = path;
	while (*rel == '/')
		rel++;
	struct open_how how = { .flags = (uint64_t)(flags | O_CLOEXEC), .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	long fd = syscall(SYS_openat2, rootfd, *rel ? rel : ".", &how, sizeof(how));
	return fd < 0 ? -errno : (int)fd;
}

/* Unpack the archive (any compression libarchive reads) into dir.  Each
 * entry is a blob: none may be larger than a layer may expand to, and
 * none may eat into the free space the store keeps (limits.c). */
static int unpack_archive(int fd, const char *dir, cc_error **err)
{
	struct archive *in = archive_read_new(), *out = archive_write_disk_new();
	struct cc_unpack_limits limits;
	struct cc_space_guard guard;
	int ret = 0;
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (in == NULL || out == NULL) {
		ret = cc_error_set(err, ENOMEM, "load");
		goto done;
	}
	if (dfd < 0) {
		ret = cc_error_set(err, errno, "open '%s'", dir);
		goto done;
	}
	if (cc_unpack_limits_get(&limits, err) < 0 || cc_space_guard_init(&guard, dfd, &limits, err) < 0) {
		ret = -1;
		goto done;
	}
	archive_read_support_filter_gzip(in);
	archive_read_support_filter_bzip2(in);
	archive_read_support_filter_xz(in);
	archive_read_support_filter_zstd(in);
	archive_read_support_format_tar(in);
	/* names are cleaned and made relative to dir first (the absolute
	 * staging prefix is ours, so no SECURE_NOABSOLUTEPATHS) */
	archive_write_disk_set_options(out, ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT);
	if (archive_read_open_fd(in, fd, IO_BUF) != ARCHIVE_OK) {
		ret = cc_error_setk(err, CC_ERR_INVALID, 0, "read archive: %s", archive_error_string(in));
		goto done;
	}
	struct archive_entry *e;
	char clean[4096], full[8192];
	for (;;) {
		int r = archive_read_next_header(in, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			ret = cc_error_setk(err, CC_ERR_INVALID, 0, "read archive: %s", archive_error_string(in));
			break;
		}
		unsigned type = archive_entry_filetype(e);
		if (type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK)
			continue;
		if (cc_layer_clean_path(archive_entry_pathname(e), clean, sizeof(clean)) < 0) {
			ret = cc_error_setk(err, CC_ERR_INVALID, 0, "archive entry '%s' escapes the archive",
					    archive_entry_pathname(e));
			break;
		}
		if (clean[0] == '\0')
			continue;
		if (archive_entry_hardlink(e))
			continue; /* none in the layouts we read */
		int64_t size = type == AE_IFREG ? archive_entry_size(e) : 0;
		if (cc_space_guard_at_least(&guard, 0, size, err) < 0 || cc_space_guard_entry(&guard, size, err) < 0) {
			ret = cc_error_prefix(err, "archive entry '%s'", clean);
			break;
		}
		snprintf(full, sizeof(full), "%s/%s", dir, clean);
		archive_entry_set_pathname(e, full);
		r = archive_write_header(out, e);
		int we = 0;
		if (r < ARCHIVE_WARN || (r == ARCHIVE_WARN && cc_disk_errno(archive_errno(out)))) {
			we = archive_errno(out);
			ret = cc_error_set(err, we > 0 ? we : 0, "unpack '%s': %s", clean, archive_error_string(out));
			break;
		}
		if (archive_entry_size(e) > 0) {
			if ((r = cc_archive_copy_data(in, out, &we)) != ARCHIVE_EOF) {
				if (we)
					ret = cc_error_set(err, we, "unpack '%s'", clean);
				else
					ret = cc_error_setk(err, CC_ERR_INVALID, 0, "read archive: '%s': %s", clean,
							    archive_error_string(in));
				break;
			}
		}
		r = archive_write_finish_entry(out);
		if (r < ARCHIVE_WARN || (r == ARCHIVE_WARN && cc_disk_errno(archive_errno(out)))) {
			we = archive_errno(out);
			ret = cc_error_set(err, we > 0 ? we : 0, "unpack '%s': %s", clean, archive_error_string(out));
			break;
		}
	}
	if (archive_write_close(out) != ARCHIVE_OK && ret == 0) {
		int we = archive_errno(out);
		ret = cc_error_set(err, we > 0 ? we : 0, "unpack archive: %s", archive_error_string(out));
	}
done:
	if (in)
		archive_read_free(in);
	if (out)
		archive_write_free(out);
	return ret;
}

static int read_in(int rootfd, const char *path, size_t max, char **ret, size_t *ret_len, cc_error **err)
{
	_cleanup_close_ int fd = open_in(rootfd, path, O_RDONLY);
	if (fd < 0)
		return cc_error_setk(err, CC_ERR_INVALID, -fd, "archive: '%s' missing", path);
	char fdpath[64];
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
	return cc_read_file(fdpath, max, ret, ret_len, err);
}

struct load_ctx {
	struct cc_store *s;
	int root;                  /* the unpacked archive */
	void (*loaded)(const char *name, const char *id, void *data);
	void *data;
	cc_error **err;
};

/* Store and unpack one layer file; check it against the diff ID.  The blob
 * is copied to tmp/ and unpacked from there: it goes into blobs/ only after
 * the layer directory is written, flushed and verified, right before the
 * layer directory goes into layers/. */
static int load_layer(struct load_ctx *c, const char *path, const char *want_digest, const char *diff_id,
		      const char *chain_id, struct cc_layer_record *ret)
{
	_cleanup_close_ int fd = open_in(c->root, path, O_RDONLY);
	if (fd < 0)
		return cc_error_setk(c->err, CC_ERR_INVALID, -fd, "archive: layer '%s' missing", path);
	const char *mt = CC_MT_OCI_LAYER;
	_cleanup_free_ char *tmpblob = NULL, *stage = NULL;
	_cleanup_close_ int bfd = -1, tmplock = -1;
	if (cc_image_stage_blob_fd(c->s, fd, "load", ret->blob_digest, &ret->blob_size, &mt, &tmpblob, &tmplock,
				   c->err) < 0)
		return -1;
	int r = 0;
	if (want_digest && strcmp(want_digest, ret->blob_digest) != 0)
		r = cc_error_setk(c->err, CC_ERR_VERIFY, 0, "archive: blob '%s' hashes to %s", path, ret->blob_digest);
	ret->media_type = (char *)mt;
	ret->unpacked_size = 0;
	bool present = r == 0 && cc_store_layer_present(c->s, chain_id);
	if (r == 0 && !present) {
		char diff[72];
		if (cc_store_layer_stage(c->s, &stage, c->err) < 0)
			r = -1;
		else if ((bfd = open(tmpblob, O_RDONLY | O_CLOEXEC)) < 0)
			r = cc_error_set(c->err, errno, "open '%s'", tmpblob);
		else if (cc_layer_unpack_fd(bfd, stage, diff, &ret->unpacked_size, c->err) < 0)
			r = cc_error_prefix(c->err, "layer %s", ret->blob_digest);
		else if (strcmp(diff, diff_id) != 0)
			r = cc_error_setk(c->err, CC_ERR_VERIFY, 0, "archive: layer '%s' has diff ID %s, the config says %s",
					  path, diff, diff_id);
	}
	if (r == 0 && cc_store_blob_commit(c->s, tmpblob, ret->blob_digest, ret->blob_size, c->err) < 0)
		r = -1;
	if (r == 0) {
		free(tmpblob);
		tmpblob = NULL;
	}
	if (r == 0 && !present)
		r = cc_store_layer_commit(c->s, stage, chain_id, c->err);
	if (r == 0) {
		free(stage);
		stage = NULL;
	}
	if (tmpblob)
		(void)unlink(tmpblob);
	if (stage)
		(void)cc_rm_rf(stage, NULL);
	return r;
}

/* Record one image from its config text and layer files. */
static int load_image(struct load_ctx *c, const char *config, size_t config_len, const char *manifest_text,
		      const char *manifest_mt, char *const *layer_paths, char *const *layer_digests, char *const *names)
{
	char cdigest[72], mdigest[72];
	cc_sha256_digest(config, config_len, cdigest);
	struct cc_image_config *cfg = NULL;
	if (cc_image_config_parse(config, config_len, &cfg, c->err) < 0)
		return -1;
	size_t n = 0;
	while (layer_paths[n])
		n++;
	char **chains = NULL;
	struct cc_layer_record *layers = calloc(n + 1, sizeof(*layers));
	char (*digests)[72] = calloc(n + 1, 72);
	json_t *man = NULL;
	_cleanup_free_ char *mtext = NULL;
	int rc = -1;
	if (layers == NULL || digests == NULL) {
		cc_error_set(c->err, ENOMEM, "load");
		goto out;
	}
	if (cfg->n_diff_ids != n) {
		cc_error_setk(c->err, CC_ERR_VERIFY, 0, "archive: the config lists %zu layers, the manifest %zu",
			      cfg->n_diff_ids, n);
		goto out;
	}
	if (cc_chain_ids(cfg->diff_ids, n, &chains, c->err) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		layers[i].blob_digest = digests[i];
		layers[i].diff_id = cfg->diff_ids[i];
		layers[i].chain_id = chains[i];
		if (load_layer(c, layer_paths[i], layer_digests ? layer_digests[i] : NULL, cfg->diff_ids[i], chains[i],
			       &layers[i]) < 0)
			goto out;
	}
	if (manifest_text) {
		mtext = strdup(manifest_text);
	} else {
		man = json_pack("{s:i, s:s, s:{s:s, s:s, s:I}, s:[]}", "schemaVersion", 2, "mediaType", CC_MT_OCI_MANIFEST,
				"config", "mediaType", CC_MT_OCI_CONFIG, "digest", cdigest, "size", (json_int_t)config_len,
				"layers");
		for (size_t i = 0; man && i < n; i++)
			json_array_append_new(json_object_get(man, "layers"),
					      json_pack("{s:s, s:s, s:I}", "mediaType", layers[i].media_type, "digest",
							layers[i].blob_digest, "size", (json_int_t)layers[i].blob_size));
		mtext = man ? json_dumps(man, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
		manifest_mt = CC_MT_OCI_MANIFEST;
	}
	if (mtext == NULL) {
		cc_error_set(c->err, ENOMEM, "load");
		goto out;
	}
	cc_sha256_digest(mtext, strlen(mtext), mdigest);
	if (cc_store_put_blob(c->s, cdigest, config, config_len, c->err) < 0 ||
	    cc_store_put_blob(c->s, mdigest, mtext, strlen(mtext), c->err) < 0)
		goto out;
	struct cc_image_record rec = { .id = cdigest, .manifest_digest = mdigest, .manifest_media_type = (char *)manifest_mt,
				       .manifest_size = (int64_t)strlen(mtext), .config_digest = cdigest,
				       .config_size = (int64_t)config_len, .created = cfg->created, .os = cfg->os,
				       .arch = cfg->arch, .variant = cfg->variant, .n_layers = n, .layers = layers };
	if (cc_store_record_image(c->s, &rec, NULL, NULL, NULL, c->err) < 0)
		goto out;
	bool named = false;
	for (char *const *nm = names; nm && *nm; nm++) {
		struct cc_ref *ref = NULL;
		cc_error *e = NULL;
		if (cc_ref_parse(*nm, &ref, &e) < 0) {
			cc_error_free(e); /* a name we cannot use: the image still loads */
			continue;
		}
		_cleanup_free_ char *full = ref->digest ? NULL : cc_ref_string(ref);
		cc_ref_free(ref);
		if (full == NULL)
			continue;
		if (cc_store_tag_set(c->s, full, cdigest, NULL, c->err) < 0)
			goto out;
		named = true;
		if (c->loaded)
			c->loaded(full, cdigest, c->data);
	}
	if (!named && c->loaded)
		c->loaded(NULL, cdigest, c->data);
	rc = 0;
out:
	json_decref(man);
	cc_strvfreep(&chains);
	free(layers);
	free(digests);
	cc_image_config_free(cfg);
	return rc;
}

static int load_docker(struct load_ctx *c, json_t *mj)
{
	if (!json_is_array(mj))
		return cc_error_setk(c->err, CC_ERR_INVALID, 0, "archive: manifest.json is not a list");
	size_t i;
	json_t *ent;
	json_array_foreach(mj, i, ent) {
		const char *cfgpath = json_string_value(json_object_get(ent, "Config"));
		json_t *ls = json_object_get(ent, "Layers");
		if (cfgpath == NULL || !json_is_array(ls))
			return cc_error_setk(c->err, CC_ERR_INVALID, 0, "archive: manifest.json entry %zu lacks Config or Layers", i);
		_cleanup_free_ char *config = NULL;
		size_t clen = 0;
		if (read_in(c->root, cfgpath, CC_CONFIG_MAX, &config, &clen, c->err) < 0)
			return -1;
		_cleanup_strv_ char **paths = calloc(json_array_size(ls) + 1, sizeof(char *));
		_cleanup_strv_ char **names = calloc(json_array_size(json_object_get(ent, "RepoTags")) + 1, sizeof(char *));
		if (paths == NULL || names == NULL)
			return cc_error_set(c->err, ENOMEM, "load");
		size_t j;
		json_t *v;
		json_array_foreach(ls, j, v) {
			if (!json_is_string(v) || (paths[j] = strdup(json_string_value(v))) == NULL)
				return cc_error_setk(c->err, CC_ERR_INVALID, 0, "archive: bad layer path in manifest.json");
		}
		size_t k = 0;
		json_array_foreach(json_object_get(ent, "RepoTags"), j, v) if (json_is_string(v) &&
									     (names[k] = strdup(json_string_value(v))) != NULL) k++;
		if (load_image(c, config, clen, NULL, NULL, paths, NULL, names) < 0)
			return -1;
	}
	return 0;
}

static int blob_path(const char *digest, char *out, size_t len)
{
	if (!cc_digest_valid(digest))
		return -1;
	snprintf(out, len, "blobs/sha256/%s", digest + 7);
	return 0;
}

static int load_oci_manifest(struct load_ctx *c, const struct cc_descriptor *d, char *const *names, int depth)
{
	char path[128];
	if (blob_path(d->digest, path, sizeof(path)) < 0)
		return cc_error_setk(c->err, CC_ERR_INVALID, 0, "archive: bad digest '%s' in index.json", d->digest);
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	char dg[72];
	if (read_in(c->root, path, CC_MANIFEST_MAX, &text, &len, c->err) < 0)
		return -1;
	cc_sha256_digest(text, len, dg);
	if (strcmp(dg, d->digest) != 0)
		return cc_error_setk(c->err, CC_ERR_VERIFY, 0, "archive: manifest %s hashes to %s", d->digest, dg);
	struct cc_manifest *m = NULL;
	if (cc_manifest_parse(text, len, d->media_type, &m, c->err) < 0)
		return -1;
	int r;
	if (m->is_index) {
		struct cc_platform host;
		cc_platform_host(&host);
		const struct cc_descriptor *pick = NULL;
		r = depth > 2 ? cc_error_setk(c->err, CC_ERR_INVALID, 0, "archive: indexes nested too deep")
			      : cc_manifest_select(m, &host, &pick, c->err);
		if (r == 0)
			r = load_oci_manifest(c, pick, names, depth + 1);
		cc_manifest_free(m);
		return r;
	}
	_cleanup_free_ char *config = NULL;
	size_t clen = 0;
	char cpath[128];
	_cleanup_strv_ char **paths = calloc(m->n_entries + 1, sizeof(char *));
	_cleanup_strv_ char **digests = calloc(m->n_entries + 1, sizeof(char *));
	r = paths && digests ? 0 : cc_error_set(c->err, ENOMEM, "load");
	if (r == 0 && blob_path(m->config.digest, cpath, sizeof(cpath)) < 0)
		r = cc_error_setk(c->err, CC_ERR_INVALID, 0, "archive: bad config digest");
	if (r == 0)
		r = read_in(c->root, cpath, CC_CONFIG_MAX, &config, &clen, c->err);
	if (r == 0) {
		cc_sha256_digest(config, clen, dg);
		if (strcmp(dg, m->config.digest) != 0)
			r = cc_error_setk(c->err, CC_ERR_VERIFY, 0, "archive: config %s hashes to %s", m->config.digest, dg);
	}
	for (size_t i = 0; r == 0 && i < m->n_entries; i++) {
		char lp[128];
		if (blob_path(m->entries[i].digest, lp, sizeof(lp)) < 0 || (paths[i] = strdup(lp)) == NULL ||
		    (digests[i] = strdup(m->entries[i].digest)) == NULL)
			r = cc_error_setk(c->err, CC_ERR_INVALID, 0, "archive: bad layer digest");
	}
	if (r == 0)
		r = load_image(c, config, clen, text, m->media_type ? m->media_type : CC_MT_OCI_MANIFEST, paths, digests,
			       names);
	cc_manifest_free(m);
	return r;
}

static int load_oci(struct load_ctx *c, json_t *index)
{
	json_t *ms = json_object_get(index, "manifests");
	if (!json_is_array(ms))
		return cc_error_setk(c->err, CC_ERR_INVALID, 0, "archive: index.json has no manifests");
	size_t i;
	json_t *d;
	json_array_foreach(ms, i, d) {
		struct cc_descriptor desc = { .media_type = (char *)json_string_value(json_object_get(d, "mediaType")),
					      .digest = (char *)json_string_value(json_object_get(d, "digest")) };
		if (desc.digest == NULL)
			return cc_error_setk(c->err, CC_ERR_INVALID, 0, "archive: index.json entry %zu has no digest", i);
		json_t *ann = json_object_get(d, "annotations");
		const char *full = json_string_value(json_object_get(ann, "io.containerd.image.name"));
		const char *ref = json_string_value(json_object_get(ann, "org.opencontainers.image.ref.name"));
		/* ref.name is often only a tag ("latest"): a name only with a repository */
		const char *name = full ? full : (ref && strpbrk(ref, "/:") ? ref : NULL);
		char *names[2] = { (char *)name, NULL };
		if (load_oci_manifest(c, &desc, names, 0) < 0)
			return -1;
	}
	return 0;
}

int cc_image_load(struct cc_store *s, int fd, void (*loaded)(const char *name, const char *id, void *data), void *data,
		  cc_error **err)
{
	if (cc_dl_archive(err) < 0 || cc_store_lock(s, false, err) < 0)
		return -1;
	_cleanup_free_ char *stage = NULL, *text = NULL;
	int rc = -1;
	if (cc_store_layer_stage(s, &stage, err) < 0)
		goto out;
	if (unpack_archive(fd, stage, err) < 0)
		goto out;
	struct load_ctx c = { .s = s, .loaded = loaded, .data = data, .err = err };
	c.root = open(stage, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c.root < 0) {
		cc_error_set(err, errno, "open '%s'", stage);
		goto out;
	}
	size_t len = 0;
	cc_error *e = NULL;
	const char *which = "manifest.json";
	if (read_in(c.root, which, CC_MANIFEST_MAX, &text, &len, &e) < 0) {
		cc_error_clear(&e);
		which = "index.json";
		if (read_in(c.root, which, CC_MANIFEST_MAX, &text, &len, &e) < 0) {
			cc_error_free(e);
			close(c.root);
			cc_error_setk(err, CC_ERR_INVALID, 0, "not a docker-archive or oci-archive: no manifest.json or index.json");
			goto out;
		}
	}
	json_error_t je;
	json_t *j = json_loadb(text, len, 0, &je);
	if (j == NULL) {
		close(c.root);
		cc_error_setk(err, CC_ERR_INVALID, 0, "archive: %s: %s", which, je.text);
		goto out;
	}
	rc = strcmp(which, "manifest.json") == 0 ? load_docker(&c, j) : load_oci(&c, j);
	json_decref(j);
	close(c.root);
out:
	if (stage)
		(void)cc_rm_rf(stage, NULL); /* staging only: a leftover is swept by prune */
	cc_store_unlock(s);
	return rc;
}
