/* import: a rootfs tarball becomes a one-layer image, like `docker import`.
 * The tarball is stored as its layer blob byte for byte (its compression
 * decides the media type): copied into tmp/, unpacked from there, and
 * moved into blobs/ once the layer is verified. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image-internal.h"
#include "util/json.h"
#include "util/util.h"

static const char *sniff_media_type(const unsigned char *b, size_t n)
{
	if (n >= 2 && b[0] == 0x1f && b[1] == 0x8b)
		return CC_MT_OCI_LAYER_GZIP;
	if (n >= 4 && b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd)
		return CC_MT_OCI_LAYER_ZSTD;
	return CC_MT_OCI_LAYER;
}

int cc_image_stage_blob_fd(struct cc_store *s, int src, const char *what, char digest[72], int64_t *ret_size,
			   const char **ret_mt, char **ret_tmp, int *ret_lock, cc_error **err)
{
	_cleanup_free_ char *tmp = NULL;
	_cleanup_close_ int out = -1; /* its flock marks tmp in use (a stale one is swept) */
	if (cc_store_tmp_file(s, what, &out, &tmp, err) < 0)
		return cc_error_prefix(err, "%s", what);
	struct cc_sha256 *h = cc_sha256_new();
	_cleanup_free_ unsigned char *buf = malloc(256 * 1024);
	if (h == NULL || buf == NULL) {
		cc_sha256_free(h);
		(void)unlink(tmp);
		return cc_error_set(err, ENOMEM, "%s", what);
	}
	int64_t total = 0;
	*ret_mt = CC_MT_OCI_LAYER;
	for (;;) {
		ssize_t n = read(src, buf, 256 * 1024);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			cc_sha256_free(h);
			(void)unlink(tmp);
			return cc_error_set(err, e, "%s: read", what);
		}
		if (n > 0 && cc_write_all(out, buf, (size_t)n) < 0) {
			int e = errno;
			cc_sha256_free(h);
			(void)unlink(tmp);
			return cc_error_set(err, e, "%s: copy into the store ('%s')", what, tmp);
		}
		if (n == 0)
			break;
		if (total == 0)
			*ret_mt = sniff_media_type(buf, (size_t)n);
		cc_sha256_update(h, buf, (size_t)n);
		total += n;
	}
	cc_sha256_final(h, digest);
	if (fsync(out) < 0) {
		int e = errno;
		(void)unlink(tmp);
		return cc_error_set(err, e, "%s: flush '%s'", what, tmp);
	}
	*ret_size = total;
	*ret_tmp = steal_ptr(&tmp);
	*ret_lock = steal_fd(&out);
	return 0;
}

int cc_image_import(struct cc_store *s, const char *tarball, const char *reference, char **ret_image_id,
		    cc_error **err)
{
	struct cc_ref *ref = NULL;
	if (reference && cc_ref_parse(reference, &ref, err) < 0)
		return -1;
	_cleanup_free_ char *tagname = ref ? cc_ref_string(ref) : NULL;
	cc_ref_free(ref);
	_cleanup_close_ int src = open(tarball, O_RDONLY | O_CLOEXEC);
	if (src < 0)
		return cc_error_setk(err, errno == ENOENT ? CC_ERR_NOT_FOUND : CC_ERR_GENERIC, errno, "open '%s'", tarball);
	if (cc_store_lock(s, false, err) < 0)
		return -1;
	char blob[72], diff[72];
	int64_t blob_size = 0, unpacked = 0;
	const char *mt = CC_MT_OCI_LAYER;
	_cleanup_free_ char *stage = NULL, *tmpblob = NULL, *config = NULL, *manifest = NULL, *comment = NULL;
	int rc = -1;
	_cleanup_close_ int tmplock = -1;
	/* The blob waits in tmp/ until its layer is written, flushed and
	 * verified; both go into the store after that. */
	if (cc_image_stage_blob_fd(s, src, "import", blob, &blob_size, &mt, &tmpblob, &tmplock, err) < 0 ||
	    cc_store_layer_stage(s, &stage, err) < 0)
		goto out;
	{
		_cleanup_close_ int bfd = open(tmpblob, O_RDONLY | O_CLOEXEC);
		if (bfd < 0) {
			cc_error_set(err, errno, "open '%s'", tmpblob);
			goto out;
		}
		if (cc_layer_unpack_fd(bfd, stage, diff, &unpacked, err) < 0) {
			cc_error_prefix(err, "import '%s': layer %s", tarball, blob);
			goto out;
		}
	}
	if (cc_store_blob_commit(s, tmpblob, blob, blob_size, err) < 0)
		goto out;
	free(tmpblob);
	tmpblob = NULL;
	if (cc_store_layer_commit(s, stage, diff, err) < 0)
		goto out;
	free(stage);
	stage = NULL;

	struct cc_platform p;
	cc_platform_host(&p);
	char created[64];
	cc_rfc3339_now(created, sizeof(created));
	if (asprintf(&comment, "Imported from %s", tarball) < 0)
		goto out;
	/* the path is bytes: "o" with cc_json_text, since "s" refuses non-UTF-8 */
	json_t *cfg = json_pack("{s:s, s:s, s:s, s:{s:[s]}, s:{s:s, s:[s]}, s:[{s:s, s:o}]}", "created", created,
				"architecture", p.arch, "os", p.os, "config", "Env",
				"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "rootfs", "type",
				"layers", "diff_ids", diff, "history", "created", created, "comment", cc_json_text(comment));
	config = cfg ? json_dumps(cfg, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(cfg);
	if (config == NULL) {
		cc_error_set(err, ENOMEM, "import config");
		goto out;
	}
	char config_digest[72], manifest_digest[72];
	cc_sha256_digest(config, strlen(config), config_digest);
	json_t *man = json_pack("{s:i, s:s, s:{s:s, s:s, s:I}, s:[{s:s, s:s, s:I}]}", "schemaVersion", 2, "mediaType",
				CC_MT_OCI_MANIFEST, "config", "mediaType", CC_MT_OCI_CONFIG, "digest", config_digest,
				"size", (json_int_t)strlen(config), "layers", "mediaType", mt, "digest", blob, "size",
				(json_int_t)blob_size);
	manifest = man ? json_dumps(man, JSON_COMPACT) : NULL;
	json_decref(man);
	if (manifest == NULL) {
		cc_error_set(err, ENOMEM, "import manifest");
		goto out;
	}
	cc_sha256_digest(manifest, strlen(manifest), manifest_digest);
	if (cc_store_put_blob(s, config_digest, config, strlen(config), err) < 0 ||
	    cc_store_put_blob(s, manifest_digest, manifest, strlen(manifest), err) < 0)
		goto out;
	struct cc_layer_record layer = { .blob_digest = blob, .media_type = (char *)mt, .blob_size = blob_size,
					 .diff_id = diff, .chain_id = diff, .unpacked_size = unpacked };
	struct cc_image_record rec = { .id = config_digest, .manifest_digest = manifest_digest,
				       .manifest_media_type = (char *)CC_MT_OCI_MANIFEST,
				       .manifest_size = (int64_t)strlen(manifest), .config_digest = config_digest,
				       .config_size = (int64_t)strlen(config), .created = created, .os = p.os,
				       .arch = p.arch, .n_layers = 1, .layers = &layer };
	if (cc_store_record_image(s, &rec, tagname, NULL, NULL, err) < 0)
		goto out;
	*ret_image_id = strdup(config_digest);
	rc = 0;
out:
	if (tmpblob)
		(void)unlink(tmpblob);
	if (stage)
		(void)cc_rm_rf(stage, NULL);
	cc_store_unlock(s);
	return rc;
}
