/* Unit tests for layer unpacking: whiteouts, opaque dirs, containment,
 * diff IDs, compression; and `system check` of unpacked layers.  Whiteouts need root (mknod, trusted.* xattrs):
 * those cases skip without it. */
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <cmocka.h>

#include "image/image-internal.h"
#include "image/image.h"
#include "store/store.h"
#include "util/util.h"

enum kind { F, D, L, H };
struct ent {
	enum kind k;
	const char *path;
	const char *data; /* file content, or link target */
};

/* Write a tar (optionally gzip or zstd) of the entries to path; return the
 * sha256 of the uncompressed tar in diff. */
static void make_tar(const char *path, const struct ent *ents, size_t n, const char *filter, char diff[72])
{
	/* uncompressed first, to know the diff ID */
	size_t cap = 1 << 20, used = 0;
	char *buf = malloc(cap);
	struct archive *a = archive_write_new();
	archive_write_set_format_pax_restricted(a);
	assert_int_equal(archive_write_open_memory(a, buf, cap, &used), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		archive_entry_set_pathname(e, ents[i].path);
		archive_entry_set_mtime(e, 1000, 0);
		switch (ents[i].k) {
		case F:
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_perm(e, 0644);
			archive_entry_set_size(e, (la_int64_t)strlen(ents[i].data));
			break;
		case D:
			archive_entry_set_filetype(e, AE_IFDIR);
			archive_entry_set_perm(e, 0755);
			break;
		case L:
			archive_entry_set_filetype(e, AE_IFLNK);
			archive_entry_set_perm(e, 0777);
			archive_entry_set_symlink(e, ents[i].data);
			break;
		case H:
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_perm(e, 0644);
			archive_entry_set_hardlink(e, ents[i].data);
			break;
		}
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		if (ents[i].k == F)
			archive_write_data(a, ents[i].data, strlen(ents[i].data));
		archive_entry_free(e);
	}
	archive_write_close(a);
	archive_write_free(a);
	cc_sha256_digest(buf, used, diff);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	if (filter == NULL) {
		assert_int_equal(cc_write_all(fd, buf, used), 0);
	} else {
		/* compress the same bytes */
		size_t ccap = cap + 4096, cused = 0;
		char *cbuf = malloc(ccap);
		struct archive *w = archive_write_new();
		archive_write_set_format_raw(w);
		if (strcmp(filter, "gzip") == 0)
			archive_write_add_filter_gzip(w);
		else
			archive_write_add_filter_zstd(w);
		archive_write_set_bytes_in_last_block(w, 1);
		assert_int_equal(archive_write_open_memory(w, cbuf, ccap, &cused), ARCHIVE_OK);
		struct archive_entry *e = archive_entry_new();
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_pathname(e, "data");
		archive_entry_set_size(e, (la_int64_t)used);
		archive_write_header(w, e);
		archive_write_data(w, buf, used);
		archive_entry_free(e);
		archive_write_close(w);
		archive_write_free(w);
		assert_int_equal(cc_write_all(fd, cbuf, cused), 0);
		free(cbuf);
	}
	close(fd);
	free(buf);
}

struct fixture {
	char dir[64];
	char tar[128];
	char out[128];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/cc-layer-test-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->tar, sizeof(f->tar), "%s/layer.tar", f->dir);
	snprintf(f->out, sizeof(f->out), "%s/out", f->dir);
	mkdir(f->out, 0755);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	cc_error *e = NULL;
	(void)cc_rm_rf(f->dir, &e);
	cc_error_free(e);
	free(f);
	return 0;
}

static int unpack(struct fixture *f, char diff[72], cc_error **e)
{
	int fd = open(f->tar, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	int64_t size = 0;
	int rc = cc_layer_unpack_fd(fd, f->out, diff, &size, e);
	close(fd);
	return rc;
}

static void test_plain_and_compressed(void **state)
{
	struct fixture *f = *state;
	const struct ent ents[] = {
		{ D, "./etc/", NULL }, { F, "./etc/motd", "hello\n" }, { L, "./etc/link", "/etc/motd" },
		{ H, "./etc/hard", "./etc/motd" }, { F, "/abs/contained", "x" },
	};
	const char *filters[] = { NULL, "gzip", "zstd" };
	for (size_t i = 0; i < 3; i++) {
		char want[72], got[72];
		cc_error *e = NULL;
		make_tar(f->tar, ents, sizeof(ents) / sizeof(ents[0]), filters[i], want);
		int rc = unpack(f, got, &e);
		if (rc < 0)
			print_error("unpack (%s): %s\n", filters[i] ? filters[i] : "tar", e->msg);
		assert_int_equal(rc, 0);
		assert_string_equal(got, want); /* diff ID = sha256 of the uncompressed tar */
		char p[256], buf[64];
		snprintf(p, sizeof(p), "%s/etc/motd", f->out);
		char *data = NULL;
		assert_int_equal(cc_read_file(p, 100, &data, NULL, &e), 0);
		assert_string_equal(data, "hello\n");
		free(data);
		snprintf(p, sizeof(p), "%s/etc/link", f->out);
		ssize_t n = readlink(p, buf, sizeof(buf) - 1);
		assert_true(n > 0);
		buf[n] = '\0';
		assert_string_equal(buf, "/etc/motd"); /* symlinks are kept as they are */
		struct stat a, b;
		snprintf(p, sizeof(p), "%s/etc/hard", f->out);
		assert_int_equal(stat(p, &a), 0);
		snprintf(p, sizeof(p), "%s/etc/motd", f->out);
		assert_int_equal(stat(p, &b), 0);
		assert_int_equal(a.st_ino, b.st_ino);
		snprintf(p, sizeof(p), "%s/abs/contained", f->out); /* absolute names land inside */
		assert_int_equal(access(p, F_OK), 0);
		assert_int_equal(cc_rm_rf(f->out, &e), 0);
		mkdir(f->out, 0755);
	}
}

static void test_whiteouts(void **state)
{
	struct fixture *f = *state;
	if (geteuid() != 0)
		skip();
	/* the opaque marker comes after a sibling: order must not matter */
	const struct ent ents[] = {
		{ D, "etc/", NULL }, { F, "etc/.wh.motd", "" }, { D, "opt/", NULL }, { F, "opt/new", "n" },
		{ F, "opt/.wh..wh..opq", "" }, { F, "deep/dir/.wh.gone", "" },
	};
	char want[72], got[72];
	cc_error *e = NULL;
	make_tar(f->tar, ents, sizeof(ents) / sizeof(ents[0]), "gzip", want);
	assert_int_equal(unpack(f, got, &e), 0);
	assert_string_equal(got, want);
	char p[256], v[8];
	struct stat st;
	snprintf(p, sizeof(p), "%s/etc/motd", f->out);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(st.st_rdev, makedev(0, 0));
	snprintf(p, sizeof(p), "%s/etc/.wh.motd", f->out);
	assert_int_not_equal(access(p, F_OK), 0);
	snprintf(p, sizeof(p), "%s/opt", f->out);
	assert_int_equal(getxattr(p, "trusted.overlay.opaque", v, sizeof(v)), 1);
	assert_int_equal(v[0], 'y');
	snprintf(p, sizeof(p), "%s/opt/new", f->out);
	assert_int_equal(access(p, F_OK), 0);
	snprintf(p, sizeof(p), "%s/opt/.wh..wh..opq", f->out);
	assert_int_not_equal(access(p, F_OK), 0);
	snprintf(p, sizeof(p), "%s/deep/dir/gone", f->out);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISCHR(st.st_mode));
}

static void expect_refused(struct fixture *f, const struct ent *ents, size_t n, const char *outside)
{
	char want[72], got[72];
	cc_error *e = NULL;
	make_tar(f->tar, ents, n, NULL, want);
	int rc = unpack(f, got, &e);
	assert_int_not_equal(rc, 0);
	assert_non_null(e);
	cc_error_free(e);
	if (outside)
		assert_int_not_equal(access(outside, F_OK), 0);
}

static void test_escapes(void **state)
{
	struct fixture *f = *state;
	char outside[256];
	snprintf(outside, sizeof(outside), "%s/escaped", f->dir);
	const struct ent dotdot[] = { { F, "../escaped", "x" } };
	expect_refused(f, dotdot, 1, outside);
	const struct ent deep[] = { { D, "a/", NULL }, { F, "a/../../escaped", "x" } };
	expect_refused(f, deep, 2, outside);
	/* a symlink to the parent, then a file through it */
	char target[128];
	snprintf(target, sizeof(target), "%s", f->dir);
	const struct ent through[] = { { L, "link", target }, { F, "link/escaped", "x" } };
	expect_refused(f, through, 2, outside);
	const struct ent rel[] = { { L, "up", ".." }, { F, "up/escaped", "x" } };
	expect_refused(f, rel, 2, outside);
	/* a whiteout through a symlink */
	const struct ent wh[] = { { L, "wl", target }, { F, "wl/.wh.layer.tar", "" } };
	expect_refused(f, wh, 2, NULL);
	assert_int_equal(access(f->tar, F_OK), 0);
	/* hard links out of the layer */
	const struct ent hard[] = { { H, "h", "../../../etc/passwd" } };
	expect_refused(f, hard, 1, NULL);
	const struct ent hard2[] = { { L, "s", "/etc" }, { H, "h2", "s/passwd" } };
	expect_refused(f, hard2, 2, NULL);
}

static void test_garbage(void **state)
{
	struct fixture *f = *state;
	int fd = open(f->tar, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	const char junk[] = "\x1f\x8b this is not really gzip at all, just bytes";
	assert_int_equal(cc_write_all(fd, junk, sizeof(junk)), 0);
	close(fd);
	char got[72];
	cc_error *e = NULL;
	assert_int_not_equal(unpack(f, got, &e), 0);
	assert_int_equal(e->kind, CC_ERR_VERIFY);
	cc_error_free(e);
}

static int unpack_limited(struct fixture *f, int64_t max_layer, char diff[72], cc_error **e)
{
	struct cc_unpack_limits l = { .max_layer = max_layer, .min_free = 0 };
	int fd = open(f->tar, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	int64_t size = 0;
	int rc = cc_layer_unpack_fd_limits(fd, f->out, &l, diff, &size, e);
	close(fd);
	(void)cc_rm_rf(f->out, NULL);
	mkdir(f->out, 0755);
	return rc;
}

static int64_t file_size(const char *p)
{
	struct stat st;
	assert_int_equal(stat(p, &st), 0);
	return st.st_size;
}

/* The cap counts every uncompressed byte: a layer exactly at it unpacks,
 * one byte more does not, and a big file is refused from its header (before
 * its data is read or written). */
static void test_cap(void **state)
{
	struct fixture *f = *state;
	char *big = malloc(300001);
	memset(big, 'z', 300000);
	big[300000] = '\0';
	const struct ent ents[] = { { D, "d/", NULL }, { F, "d/big", big }, { F, "small", "s" } };
	char want[72], got[72];
	make_tar(f->tar, ents, 3, NULL, want);
	int64_t tar_size = file_size(f->tar);
	make_tar(f->tar, ents, 3, "gzip", want);
	assert_true(file_size(f->tar) < tar_size / 50); /* a (small) bomb */
	cc_error *e = NULL;
	assert_int_equal(unpack_limited(f, tar_size, got, &e), 0);
	assert_string_equal(got, want);
	assert_int_not_equal(unpack_limited(f, tar_size - 1, got, &e), 0);
	char msg[128];
	snprintf(msg, sizeof(msg), "expands beyond %lld bytes (limit " CC_ENV_MAX_LAYER_SIZE "=%lld)",
		 (long long)(tar_size - 1), (long long)(tar_size - 1));
	assert_non_null(strstr(e->msg, msg));
	cc_error_clear(&e);
	/* d/big's header says 300000 bytes: refused there, by name */
	assert_int_not_equal(unpack_limited(f, 200000, got, &e), 0);
	assert_string_equal(e->msg, "'d/big': expands beyond 200000 bytes (limit " CC_ENV_MAX_LAYER_SIZE "=200000)");
	assert_int_equal(e->kind, CC_ERR_VERIFY);
	cc_error_clear(&e);
	free(big);
}

/* Headers count too: many empty files are no way around the cap. */
static void test_cap_counts_headers(void **state)
{
	struct fixture *f = *state;
	enum { N = 1500 };
	struct ent *ents = calloc(N, sizeof(*ents));
	char (*names)[32] = calloc(N, 32);
	for (size_t i = 0; i < N; i++) {
		snprintf(names[i], 32, "empty-%zu", i);
		ents[i] = (struct ent){ F, names[i], "" };
	}
	char want[72], got[72];
	make_tar(f->tar, ents, N, "zstd", want);
	cc_error *e = NULL;
	assert_int_not_equal(unpack_limited(f, 256 * 1024, got, &e), 0);
	assert_non_null(strstr(e->msg, "expands beyond 262144 bytes (limit " CC_ENV_MAX_LAYER_SIZE "=256k)"));
	cc_error_clear(&e);
	assert_int_equal(unpack_limited(f, 0, got, &e), 0); /* 0: no cap */
	assert_string_equal(got, want);
	free(ents);
	free(names);
}

/* ---- system check of unpacked layers (lib/image/layer-check.c) ---- */

struct lines {
	char text[8192];
};

static void collect(enum cc_check_kind kind, const char *line, void *data)
{
	struct lines *l = data;
	static const char *const k[] = { "P ", "N ", "R ", "U " };
	size_t n = strlen(l->text);
	snprintf(l->text + n, sizeof(l->text) - n, "%s%s\n", k[kind], line);
}

/* check (with or without repair); returns its problem count, lines in *l */
static int layer_check(struct cc_store *s, bool repair, struct lines *l)
{
	struct cc_check ck = { .repair = repair, .report = collect, .data = l };
	cc_error *e = NULL;
	l->text[0] = '\0';
	int rc = cc_image_check(s, &ck, &e);
	if (rc < 0)
		print_error("check: %s\n", e->msg);
	assert_int_equal(rc, 0);
	if (repair)
		assert_int_equal(ck.unrepaired, 0);
	return ck.problems;
}

/* A one-layer image recorded in a store under f->dir, as pull makes it. */
static struct cc_store *layer_store(struct fixture *f, const struct ent *ents, size_t n, char layer_dir[256])
{
	char diff[72], blob[72], cfg_digest[72], man_digest[72];
	cc_error *e = NULL;
	make_tar(f->tar, ents, n, "gzip", diff);
	char root[128];
	snprintf(root, sizeof(root), "%s/store", f->dir);
	struct cc_store *s = NULL;
	assert_int_equal(cc_store_open(root, &s, &e), 0);
	char *data = NULL;
	size_t len = 0;
	assert_int_equal(cc_read_file(f->tar, 1 << 20, &data, &len, &e), 0);
	cc_sha256_digest(data, len, blob);
	free(data);
	assert_int_equal(cc_store_blob_commit(s, f->tar, blob, (int64_t)len, &e), 0);
	char *stage = NULL, *bp = cc_store_blob_path(s, blob), got[72];
	int64_t size = 0;
	assert_int_equal(cc_store_layer_stage(s, &stage, &e), 0);
	int fd = open(bp, O_RDONLY | O_CLOEXEC);
	assert_int_equal(cc_layer_unpack_fd(fd, stage, got, &size, &e), 0);
	close(fd);
	assert_string_equal(got, diff);
	assert_int_equal(cc_store_layer_commit(s, stage, diff, &e), 0);
	free(stage);
	free(bp);
	const char *cfg = "{\"rootfs\":{}}", *man = "{\"manifest\":1}";
	cc_sha256_digest(cfg, strlen(cfg), cfg_digest);
	cc_sha256_digest(man, strlen(man), man_digest);
	assert_int_equal(cc_store_put_blob(s, cfg_digest, cfg, strlen(cfg), &e), 0);
	assert_int_equal(cc_store_put_blob(s, man_digest, man, strlen(man), &e), 0);
	struct cc_layer_record l = { .blob_digest = blob, .media_type = (char *)CC_MT_OCI_LAYER_GZIP,
				     .blob_size = (int64_t)len, .diff_id = diff, .chain_id = diff, .unpacked_size = size };
	struct cc_image_record r = { .id = cfg_digest, .manifest_digest = man_digest,
				     .manifest_size = (int64_t)strlen(man), .config_digest = cfg_digest,
				     .config_size = (int64_t)strlen(cfg), .n_layers = 1, .layers = &l };
	assert_int_equal(cc_store_record_image(s, &r, "localhost/t:1", NULL, NULL, &e), 0);
	char *dir = cc_store_layer_path(s, diff);
	snprintf(layer_dir, 256, "%s", dir);
	free(dir);
	return s;
}

static void put_file(const char *dir, const char *name, const char *data)
{
	char p[512];
	cc_error *e = NULL;
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	assert_int_equal(cc_write_file(p, data, strlen(data), 0644, &e), 0);
}

static void test_check_layer_content(void **state)
{
	struct fixture *f = *state;
	/* a later entry replaces an earlier one; a hard link has its target's content */
	const struct ent ents[] = {
		{ D, "./etc/", NULL }, { F, "./etc/motd", "first\n" }, { L, "./etc/link", "/etc/motd" },
		{ F, "bin/busybox", "not really busybox\n" }, { F, "./etc/motd", "hello\n" },
		{ H, "./etc/hard", "./etc/motd" }, { F, "implied/parent/file", "x" },
	};
	char dir[256], p[512];
	struct lines l;
	struct cc_store *s = layer_store(f, ents, sizeof(ents) / sizeof(ents[0]), dir);
	assert_int_equal(layer_check(s, false, &l), 0);

	/* what issue 13 found: a file deleted from a layer went unnoticed */
	snprintf(p, sizeof(p), "%s/bin/busybox", dir);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(layer_check(s, false, &l), 1);
	assert_non_null(strstr(l.text, "'bin/busybox' is missing"));
	assert_int_equal(layer_check(s, true, &l), 1);
	assert_non_null(strstr(l.text, "R layer sha256:"));
	assert_int_equal(layer_check(s, false, &l), 0);
	char *data = NULL;
	cc_error *e = NULL;
	assert_int_equal(cc_read_file(p, 100, &data, NULL, &e), 0);
	assert_string_equal(data, "not really busybox\n");
	free(data);

	/* same size, other bytes; a mode; an extra file; a symlink retargeted */
	put_file(dir, "etc/motd", "hellO\n");
	assert_int_equal(layer_check(s, false, &l), 1);
	assert_non_null(strstr(l.text, "'etc/motd' has other content"));
	snprintf(p, sizeof(p), "%s/etc", dir);
	assert_int_equal(chmod(p, 0700), 0);
	put_file(dir, "extra", "x");
	snprintf(p, sizeof(p), "%s/etc/link", dir);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(symlink("/elsewhere", p), 0);
	assert_int_equal(layer_check(s, false, &l), 1);
	assert_non_null(strstr(l.text, "(5 differences)"));
	assert_non_null(strstr(l.text, "'etc' has mode 0700, the blob 0755"));
	assert_int_equal(layer_check(s, true, &l), 1);
	assert_int_equal(layer_check(s, false, &l), 0);

	/* the whole directory gone: unpacked again from the blob */
	assert_int_equal(cc_rm_rf(dir, &e), 0);
	assert_int_equal(layer_check(s, false, &l), 1);
	assert_non_null(strstr(l.text, "is missing"));
	assert_int_equal(layer_check(s, true, &l), 1);
	assert_int_equal(layer_check(s, false, &l), 0);
	snprintf(p, sizeof(p), "%s/implied/parent/file", dir);
	assert_int_equal(access(p, F_OK), 0);
	cc_store_close(s);
}

static void test_check_layer_whiteouts(void **state)
{
	struct fixture *f = *state;
	if (geteuid() != 0)
		skip();
	/* a whiteout of what the layer itself put there earlier, an opaque dir */
	const struct ent ents[] = {
		{ D, "etc/", NULL }, { F, "etc/motd", "m" }, { F, "etc/.wh.motd", "" }, { D, "opt/", NULL },
		{ F, "opt/new", "n" }, { F, "opt/.wh..wh..opq", "" }, { F, "deep/dir/.wh.gone", "" },
	};
	char dir[256], p[512];
	struct lines l;
	struct cc_store *s = layer_store(f, ents, sizeof(ents) / sizeof(ents[0]), dir);
	assert_int_equal(layer_check(s, false, &l), 0);
	snprintf(p, sizeof(p), "%s/opt", dir);
	assert_int_equal(removexattr(p, "trusted.overlay.opaque"), 0);
	snprintf(p, sizeof(p), "%s/deep/dir/gone", dir);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(layer_check(s, false, &l), 1);
	assert_non_null(strstr(l.text, "'opt' is not opaque"));
	assert_non_null(strstr(l.text, "'deep/dir/gone' is missing"));
	assert_int_equal(layer_check(s, true, &l), 1);
	assert_int_equal(layer_check(s, false, &l), 0);
	cc_store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_plain_and_compressed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_whiteouts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_escapes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cap_counts_headers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_layer_content, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_layer_whiteouts, setup, teardown),
	};
	return cmocka_run_group_tests_name("layer", tests, NULL, NULL);
}
