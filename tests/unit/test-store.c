/* Unit tests for lib/store on a temporary directory: blobs, layers, images,
 * tags, resolution, gc, check (and --repair), staging, containers. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "store/store.h"
#include "util/util.h"

struct fixture {
	char dir[64];
	struct cc_store *s;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/cc-store-test-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	cc_error *e = NULL;
	if (cc_store_open(f->dir, &f->s, &e) < 0) {
		print_error("open: %s\n", e->msg);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	cc_store_close(f->s);
	cc_error *e = NULL;
	(void)cc_rm_rf(f->dir, &e);
	cc_error_free(e);
	free(f);
	return 0;
}

/* Store a small blob and return its digest in out. */
static void put(struct cc_store *s, const char *data, char out[72])
{
	cc_error *e = NULL;
	cc_sha256_digest(data, strlen(data), out);
	assert_int_equal(cc_store_put_blob(s, out, data, strlen(data), &e), 0);
}

/* Make a one-layer image whose layer dir holds one file; returns its ID. */
static void make_image(struct cc_store *s, const char *seed, const char *tag, char id[72])
{
	cc_error *e = NULL;
	char manifest[72], layer_blob[72], diff[72];
	char text[128];
	int64_t config_size = snprintf(text, sizeof(text), "config %s", seed);
	put(s, text, id);
	int64_t manifest_size = snprintf(text, sizeof(text), "manifest %s", seed);
	put(s, text, manifest);
	int64_t layer_size = snprintf(text, sizeof(text), "layer %s", seed);
	put(s, text, layer_blob);
	snprintf(text, sizeof(text), "diff %s", seed);
	cc_sha256_digest(text, strlen(text), diff);
	char *stage = NULL;
	assert_int_equal(cc_store_layer_stage(s, &stage, &e), 0);
	char file[512];
	snprintf(file, sizeof(file), "%s/hello", stage);
	assert_int_equal(cc_write_file_atomic(file, "hi", 2, 0644, &e), 0);
	assert_int_equal(cc_store_layer_commit(s, stage, diff, &e), 0);
	free(stage);
	struct cc_layer_record l = { .blob_digest = layer_blob, .media_type = (char *)"x", .blob_size = layer_size,
				     .diff_id = diff, .chain_id = diff, .unpacked_size = 2 };
	struct cc_image_record r = { .id = id, .manifest_digest = manifest, .manifest_size = manifest_size,
				     .config_digest = id, .config_size = config_size, .created = (char *)"2024-01-01T00:00:00Z",
				     .n_layers = 1, .layers = &l };
	char rd[200];
	snprintf(rd, sizeof(rd), "docker.io/library/x@%s", manifest);
	assert_int_equal(cc_store_record_image(s, &r, tag, manifest, rd, &e), 0);
}

static void test_put_blob_verifies(void **state)
{
	struct fixture *f = *state;
	cc_error *e = NULL;
	char d[72];
	cc_sha256_digest("abc", 3, d);
	assert_string_equal(d, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_int_not_equal(cc_store_put_blob(f->s, d, "abd", 3, &e), 0);
	assert_int_equal(e->kind, CC_ERR_VERIFY);
	cc_error_clear(&e);
	assert_false(cc_store_blob_present(f->s, d));
	assert_int_equal(cc_store_put_blob(f->s, d, "abc", 3, &e), 0);
	assert_true(cc_store_blob_present(f->s, d));
	char *data = NULL;
	size_t len = 0;
	assert_int_equal(cc_store_read_blob(f->s, d, 100, &data, &len, &e), 0);
	assert_memory_equal(data, "abc", 3);
	free(data);
	assert_int_not_equal(cc_store_put_blob(f->s, "sha256:xyz", "abc", 3, &e), 0);
	cc_error_clear(&e);
}

static void test_image_roundtrip(void **state)
{
	struct fixture *f = *state;
	cc_error *e = NULL;
	char id[72];
	make_image(f->s, "one", "docker.io/library/x:latest", id);
	struct cc_image_record *r = NULL;
	assert_int_equal(cc_store_image_get(f->s, id, &r, &e), 0);
	assert_int_equal(r->n_layers, 1);
	assert_int_equal(r->size, 2);
	assert_string_equal(r->tags[0], "docker.io/library/x:latest");
	assert_non_null(r->repo_digests[0]);
	cc_image_record_free(r);

	char *got = NULL, *digest = NULL;
	assert_int_equal(cc_store_tag_get(f->s, "docker.io/library/x:latest", &got, &digest, &e), 0);
	assert_string_equal(got, id);
	free(got);
	free(digest);
	/* by tag, by full ID, by prefix */
	const char *names[] = { "docker.io/library/x:latest" };
	assert_int_equal(cc_store_resolve_image(f->s, names, 1, "x", &got, &e), 0);
	assert_string_equal(got, id);
	free(got);
	assert_int_equal(cc_store_resolve_image(f->s, NULL, 0, id, &got, &e), 0);
	free(got);
	char prefix[16];
	snprintf(prefix, sizeof(prefix), "%.10s", id + 7);
	assert_int_equal(cc_store_resolve_image(f->s, NULL, 0, prefix, &got, &e), 0);
	assert_string_equal(got, id);
	free(got);
	assert_int_not_equal(cc_store_resolve_image(f->s, NULL, 0, "nosuch", &got, &e), 0);
	assert_int_equal(e->kind, CC_ERR_NOT_FOUND);
	cc_error_clear(&e);
	/* an ambiguous prefix is an error, not a guess */
	char id2[72];
	for (int i = 0; i < 40; i++) {
		char seed[16];
		snprintf(seed, sizeof(seed), "s%d", i);
		make_image(f->s, seed, NULL, id2);
	}
	int ambiguous = 0;
	for (char c = '0'; c <= 'f'; c = (c == '9' ? 'a' : c + 1)) {
		char one[2] = { c, 0 };
		got = NULL;
		if (cc_store_resolve_image(f->s, NULL, 0, one, &got, &e) < 0 && e->kind == CC_ERR_INVALID)
			ambiguous++;
		else
			free(got);
		cc_error_clear(&e);
	}
	assert_true(ambiguous > 0);
}

static void test_gc_and_check(void **state)
{
	struct fixture *f = *state;
	cc_error *e = NULL;
	char keep[72], drop[72];
	make_image(f->s, "keep", "docker.io/library/keep:latest", keep);
	make_image(f->s, "drop", "docker.io/library/drop:latest", drop);
	struct cc_check ck = { 0 };
	assert_int_equal(cc_store_check(f->s, &ck, &e), 0);
	assert_int_equal(ck.problems, 0);

	assert_int_equal(cc_store_image_delete(f->s, drop, &e), 0);
	struct cc_gc_report rep;
	assert_int_equal(cc_store_gc(f->s, true, &rep, &e), 0);
	assert_int_equal(rep.blobs, 3);  /* config, manifest, layer blob */
	assert_int_equal(rep.layers, 1);
	assert_false(cc_store_blob_present(f->s, drop));
	assert_true(cc_store_blob_present(f->s, keep));
	struct cc_image_record *r = NULL;
	assert_int_equal(cc_store_image_get(f->s, keep, &r, &e), 0);
	assert_true(cc_store_layer_present(f->s, r->layers[0].chain_id));
	/* a flipped byte in a blob is found, named and counted */
	char *p = cc_store_blob_path(f->s, r->layers[0].blob_digest);
	assert_int_equal(cc_write_file_atomic(p, "lbyer keep", 10, 0644, &e), 0); /* same size, one byte off */
	free(p);
	ck = (struct cc_check){ 0 };
	assert_int_equal(cc_store_check(f->s, &ck, &e), 0);
	assert_int_equal(ck.problems, 1);
	/* a missing layer directory too */
	char *l = cc_store_layer_path(f->s, r->layers[0].chain_id);
	assert_int_equal(cc_rm_rf(l, &e), 0);
	free(l);
	ck = (struct cc_check){ 0 };
	assert_int_equal(cc_store_check(f->s, &ck, &e), 0);
	assert_int_equal(ck.problems, 2);
	cc_image_record_free(r);
}

static void test_partial(void **state)
{
	struct fixture *f = *state;
	cc_error *e = NULL;
	char d[72];
	cc_sha256_digest("payload", 7, d);
	int fd = -1;
	off_t have = -2;
	assert_int_equal(cc_store_partial_open(f->s, d, &fd, &have, &e), 0);
	assert_int_equal(have, 0);
	assert_int_equal(write(fd, "pay", 3), 3);
	close(fd);
	/* a second open sees what the first left: the resume point */
	assert_int_equal(cc_store_partial_open(f->s, d, &fd, &have, &e), 0);
	assert_int_equal(have, 3);
	assert_int_equal(pwrite(fd, "load", 4, 3), 4);
	assert_int_equal(cc_store_partial_commit(f->s, d, fd, &e), 0);
	close(fd);
	assert_true(cc_store_blob_present(f->s, d));
}

static void test_containers(void **state)
{
	struct fixture *f = *state;
	cc_error *e = NULL;
	struct cc_container_record c = { .id = (char *)"abcdef0123456789", .name = (char *)"web", .image_id = (char *)"sha256:1",
					 .command = (char *)"sh", .state = (char *)"created", .created = 1 };
	assert_int_equal(cc_store_container_add(f->s, &c, &e), 0);
	c.id = (char *)"abcdef9999";
	assert_int_not_equal(cc_store_container_add(f->s, &c, &e), 0);
	assert_int_equal(e->kind, CC_ERR_IN_USE);
	assert_non_null(strstr(e->msg, "already in use"));
	cc_error_clear(&e);
	c.name = (char *)"db";
	assert_int_equal(cc_store_container_add(f->s, &c, &e), 0);
	struct cc_container_record *got = NULL;
	assert_int_equal(cc_store_container_get(f->s, "web", &got, &e), 0);
	assert_string_equal(got->id, "abcdef0123456789");
	cc_container_record_free(got);
	assert_int_equal(cc_store_container_get(f->s, "abcdef0", &got, &e), 0);
	assert_string_equal(got->name, "web");
	cc_container_record_free(got);
	assert_int_not_equal(cc_store_container_get(f->s, "abcdef", &got, &e), 0);
	assert_int_equal(e->kind, CC_ERR_INVALID);
	cc_error_clear(&e);
	assert_int_equal(cc_store_container_update_state(f->s, "abcdef9999", "exited", 0, 3, true, &e), 0);
	assert_int_equal(cc_store_container_get(f->s, "db", &got, &e), 0);
	assert_int_equal(got->exit_code, 3);
	assert_true(got->oom_killed);
	cc_container_record_free(got);
	int users = 0;
	assert_int_equal(cc_store_image_users(f->s, "sha256:1", &users, &e), 0);
	assert_int_equal(users, 2);
	assert_int_equal(cc_store_container_delete(f->s, "abcdef9999", &e), 0);
}

/* Volume rows; which containers use one is read from their specs. */
static void test_volumes(void **state)
{
	struct fixture *f = *state;
	cc_error *e = NULL;
	assert_true(cc_volume_name_valid("db"));
	assert_true(cc_volume_name_valid("a_b.c-d"));
	assert_false(cc_volume_name_valid("a"));
	assert_false(cc_volume_name_valid("_ab"));
	assert_false(cc_volume_name_valid("a/b"));
	assert_false(cc_volume_name_valid("../x"));
	struct cc_volume_record v = { .name = (char *)"data", .created = 7, .labels_json = (char *)"{\"a\":\"b\"}",
				      .options_json = (char *)"{}" };
	assert_int_equal(cc_store_volume_add(f->s, &v, &e), 0);
	assert_int_not_equal(cc_store_volume_add(f->s, &v, &e), 0);
	assert_int_equal(e->kind, CC_ERR_IN_USE);
	cc_error_clear(&e);
	v.name = (char *)"anon";
	v.anonymous = true;
	assert_int_equal(cc_store_volume_add(f->s, &v, &e), 0);
	struct cc_volume_record **list = NULL;
	size_t n = 0;
	assert_int_equal(cc_store_volume_list(f->s, &list, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[0]->name, "anon"); /* by name */
	assert_true(list[0]->anonymous);
	assert_string_equal(list[1]->labels_json, "{\"a\":\"b\"}");
	assert_int_equal(list[1]->created, 7);
	for (size_t i = 0; i < n; i++)
		cc_volume_record_free(list[i]);
	free(list);
	struct cc_volume_record *got = NULL;
	assert_int_not_equal(cc_store_volume_get(f->s, "nope", &got, &e), 0);
	assert_int_equal(e->kind, CC_ERR_NOT_FOUND);
	assert_string_equal(e->msg, "get nope: no such volume");
	cc_error_clear(&e);
	/* a container whose spec mounts it uses it, whatever its state */
	struct cc_container_record c = {
		.id = (char *)"0123456789ab", .name = (char *)"user", .image_id = (char *)"sha256:1", .state = (char *)"exited",
		.config_json = (char *)"{\"Spec\":{\"Version\":1,\"Mounts\":[{\"Type\":\"volume\",\"Volume\":\"data\","
				       "\"Source\":\"/x\",\"Target\":\"/d\"}]}}",
	};
	assert_int_equal(cc_store_container_add(f->s, &c, &e), 0);
	char **users = NULL;
	assert_int_equal(cc_store_volume_delete_unused(f->s, "data", &users, &e), 0);
	assert_non_null(users[0]);
	assert_string_equal(users[0], "0123456789ab");
	assert_null(users[1]);
	cc_strvfreep(&users);
	assert_int_equal(cc_store_volume_get(f->s, "data", &got, &e), 0); /* still there */
	cc_volume_record_free(got);
	assert_int_equal(cc_store_volume_delete_unused(f->s, "anon", &users, &e), 0);
	assert_null(users[0]);
	cc_strvfreep(&users);
	assert_int_not_equal(cc_store_volume_get(f->s, "anon", &got, &e), 0);
	cc_error_clear(&e);
	assert_int_equal(cc_store_container_delete(f->s, c.id, &e), 0);
	assert_int_equal(cc_store_volume_delete_unused(f->s, "data", &users, &e), 0);
	assert_null(users[0]);
	cc_strvfreep(&users);
	char *dir = cc_store_volume_data(f->s, "data");
	assert_non_null(strstr(dir, "/volumes/data/_data"));
	free(dir);
}

static void test_reopen_keeps_schema(void **state)
{
	struct fixture *f = *state;
	cc_error *e = NULL;
	char id[72];
	make_image(f->s, "persist", "docker.io/library/p:1", id);
	cc_store_close(f->s);
	assert_int_equal(cc_store_open(f->dir, &f->s, &e), 0);
	char *got = NULL;
	assert_int_equal(cc_store_tag_get(f->s, "docker.io/library/p:1", &got, NULL, &e), 0);
	assert_string_equal(got, id);
	free(got);
}

/* util's mkdir -p: the store's directories are made with it */
static void test_mkdir_p(void **state)
{
	(void)state;
	char dir[] = "/tmp/cc-test-mkdir-XXXXXX", path[128];
	assert_non_null(mkdtemp(dir));
	cc_error *e = NULL;
	struct stat st;
	snprintf(path, sizeof(path), "%s/a", dir); /* only the last one missing */
	assert_int_equal(cc_mkdir_p(path, 0700, &e), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700);
	snprintf(path, sizeof(path), "%s/a/b/c/d/", dir); /* several, trailing slash */
	assert_int_equal(cc_mkdir_p(path, 0755, &e), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(cc_mkdir_p(path, 0755, &e), 0); /* exists */
	snprintf(path, sizeof(path), "%s/f", dir); /* a file in the way */
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	assert_true(cc_mkdir_p(path, 0755, &e) < 0);
	assert_int_equal(e->errnum, ENOTDIR);
	cc_error_free(e);
	e = NULL;
	snprintf(path, sizeof(path), "%s/f/g", dir);
	assert_true(cc_mkdir_p(path, 0755, &e) < 0);
	cc_error_free(e);
	e = NULL;
	/* rm -rf: files, a symlink to a directory (removed, never followed),
	 * empty and full directories, one without any permission bits */
	char target[] = "/tmp/cc-test-rmrf-target-XXXXXX";
	assert_non_null(mkdtemp(target));
	snprintf(path, sizeof(path), "%s/a/b/link", dir);
	assert_int_equal(symlink(target, path), 0);
	snprintf(path, sizeof(path), "%s/a/b/c/d/file", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/a/b/e", dir); /* as overlay's work/work */
	assert_int_equal(mkdir(path, 0), 0);
	assert_int_equal(cc_rm_rf(dir, &e), 0);
	assert_int_equal(stat(dir, &st), -1);
	assert_int_equal(stat(target, &st), 0); /* the link's target stays */
	assert_int_equal(rmdir(target), 0);
	assert_int_equal(cc_rm_rf(dir, &e), 0); /* already gone: fine */
}

/* cc_rm_rf_keep: the tree is gone at once; the first CC_KEPT_MAX
 * directories stay referenced until cc_kept_release_async hands them to a
 * helper, which exits once it has dropped them. */
static void test_rm_rf_keep(void **state)
{
	(void)state;
	char dir[] = "/tmp/cc-test-keep-XXXXXX", path[128];
	assert_non_null(mkdtemp(dir));
	for (int i = 0; i < 40; i++) {
		snprintf(path, sizeof(path), "%s/d%02d", dir, i);
		assert_int_equal(mkdir(path, 0700), 0);
	}
	snprintf(path, sizeof(path), "%s/d00/sub", dir);
	assert_int_equal(mkdir(path, 0), 0);
	snprintf(path, sizeof(path), "%s/d01/file", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	struct cc_kept keep = { .n = 0 };
	cc_error *e = NULL;
	assert_int_equal(cc_rm_rf_keep(dir, &keep, &e), 0);
	struct stat st;
	assert_int_equal(stat(dir, &st), -1);
	assert_int_equal(keep.n, CC_KEPT_MAX); /* 42 directories: the rest released at once */
	for (size_t i = 0; i < keep.n; i++) {
		assert_int_equal(fstat(keep.fd[i], &st), 0);
		assert_true(S_ISDIR(st.st_mode));
		assert_int_equal(st.st_nlink, 0); /* removed, only referenced */
	}
	int fds[CC_KEPT_MAX];
	memcpy(fds, keep.fd, sizeof(fds));
	cc_kept_release_async(&keep);
	assert_int_equal(keep.n, 0);
	for (size_t i = 0; i < CC_KEPT_MAX; i++)
		assert_int_equal(fcntl(fds[i], F_GETFD), -1); /* ours are closed */
	int wst;
	pid_t helper = waitpid(-1, &wst, __WALL);
	assert_true(helper > 0);
	assert_true(WIFEXITED(wst) && WEXITSTATUS(wst) == 0);
	/* once per process: a second release happens in the caller */
	assert_non_null(mkdtemp(strcpy(dir, "/tmp/cc-test-keep-XXXXXX")));
	assert_int_equal(cc_rm_rf_keep(dir, &keep, &e), 0);
	assert_int_equal(keep.n, 1);
	cc_kept_release_async(&keep);
	assert_int_equal(waitpid(-1, &wst, __WALL | WNOHANG), -1);
}

/* ---- system check: rows against files both ways, staging, repair ---- */

struct lines {
	char text[16384];
};

static void collect(enum cc_check_kind kind, const char *line, void *data)
{
	struct lines *l = data;
	static const char *const k[] = { "P ", "N ", "R ", "U " };
	size_t n = strlen(l->text);
	snprintf(l->text + n, sizeof(l->text) - n, "%s%s\n", k[kind], line);
}

static struct cc_check check(struct cc_store *s, bool repair, struct lines *l)
{
	struct cc_check ck = { .repair = repair, .report = collect, .data = l };
	cc_error *e = NULL;
	l->text[0] = '\0';
	int rc = cc_store_check(s, &ck, &e);
	if (rc < 0)
		print_error("check: %s\n", e->msg);
	assert_int_equal(rc, 0);
	return ck;
}

/* A container row (started once, exited) and its directory. */
static void make_container(struct cc_store *s, const char *id, const char *name, const char *image)
{
	cc_error *e = NULL;
	struct cc_container_record c = { .id = (char *)id, .name = (char *)name, .image_id = (char *)image,
					 .command = (char *)"sh", .state = (char *)"created", .created = 1 };
	assert_int_equal(cc_store_container_add(s, &c, &e), 0);
	assert_int_equal(cc_store_container_started(s, id, 1, 1, &e), 0);
	assert_int_equal(cc_store_container_update_state(s, id, "exited", 0, 0, false, &e), 0);
	char *dir = cc_store_container_path(s, id), p[512];
	snprintf(p, sizeof(p), "%s/upper", dir);
	assert_int_equal(cc_mkdir_p(p, 0755, &e), 0);
	snprintf(p, sizeof(p), "%s/work", dir);
	assert_int_equal(cc_mkdir_p(p, 0700, &e), 0);
	free(dir);
}

static bool exists_path(const char *p)
{
	struct stat st;
	return lstat(p, &st) == 0;
}

static void test_check_containers(void **state)
{
	struct fixture *f = *state;
	cc_error *e = NULL;
	char id[72];
	struct lines l;
	make_image(f->s, "c", "docker.io/library/c:1", id);
	make_container(f->s, "aaaa000000000000000000000000000000000000000000000000000000000001", "one", id);
	make_container(f->s, "aaaa000000000000000000000000000000000000000000000000000000000002", "two", id);
	/* never started: its directory comes with its first start */
	struct cc_container_record fresh = { .id = (char *)"aaaa000000000000000000000000000000000000000000000000000000000003",
					     .name = (char *)"three", .image_id = id, .state = (char *)"created", .created = 2 };
	assert_int_equal(cc_store_container_add(f->s, &fresh, &e), 0);
	assert_int_equal(check(f->s, false, &l).problems, 0);

	/* a row whose directory is gone, and a directory without its row */
	char *dir = cc_store_container_path(f->s, "aaaa000000000000000000000000000000000000000000000000000000000001");
	assert_int_equal(cc_rm_rf(dir, &e), 0);
	char *orphan = cc_store_container_path(f->s, "bbbb000000000000000000000000000000000000000000000000000000000009");
	assert_int_equal(cc_mkdir_p(orphan, 0700, &e), 0);
	struct cc_check ck = check(f->s, false, &l);
	assert_int_equal(ck.problems, 2);
	assert_non_null(strstr(l.text, "P container aaaa00000000 (one): directory"));
	assert_non_null(strstr(l.text, "has no row"));
	ck = check(f->s, true, &l);
	assert_int_equal(ck.problems, 2);
	assert_int_equal(ck.repaired, 2);
	assert_int_equal(check(f->s, false, &l).problems, 0);
	assert_false(exists_path(orphan));
	struct cc_container_record *got = NULL;
	assert_int_not_equal(cc_store_container_get(f->s, "one", &got, &e), 0);
	cc_error_clear(&e);
	assert_int_equal(cc_store_container_get(f->s, "two", &got, &e), 0);
	cc_container_record_free(got);
	free(dir);
	free(orphan);
}

/* What issue 13 found: an emptied database (or a lost WAL) looked "ok". */
static void test_check_lost_database(void **state)
{
	struct fixture *f = *state;
	cc_error *e = NULL;
	char id[72], path[256];
	struct lines l;
	make_image(f->s, "lost", "docker.io/library/lost:1", id);
	make_container(f->s, "cccc000000000000000000000000000000000000000000000000000000000001", "c", id);
	assert_int_equal(check(f->s, false, &l).problems, 0);
	cc_store_close(f->s);
	const char *files[] = { "store.db", "store.db-wal", "store.db-shm" };
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", f->dir, files[i]);
		(void)unlink(path);
	}
	assert_int_equal(cc_store_open(f->dir, &f->s, &e), 0);
	struct cc_check ck = check(f->s, false, &l);
	assert_int_equal(ck.problems, 5); /* config, manifest and layer blobs, the layer, the container */
	assert_non_null(strstr(l.text, "the database lost it"));
	/* repair: blobs whose content is their name are recorded again (as
	 * content no image uses), the rest goes; then all is consistent */
	ck = check(f->s, true, &l);
	assert_int_equal(ck.repaired, 5);
	assert_int_equal(ck.unrepaired, 0);
	assert_int_equal(check(f->s, false, &l).problems, 0);
	assert_true(cc_store_blob_present(f->s, id));
	struct cc_gc_report rep;
	assert_int_equal(cc_store_gc(f->s, true, &rep, &e), 0);
	assert_int_equal(rep.blobs, 3);
	assert_false(cc_store_blob_present(f->s, id));
	assert_int_equal(check(f->s, false, &l).problems, 0);
}

/* Staging held by a live process is left alone; a dead one's is a note,
 * and the next command that takes the store lock removes it. */
static void test_stale_staging(void **state)
{
	struct fixture *f = *state;
	cc_error *e = NULL;
	struct lines l;
	char *mine = NULL;
	assert_int_equal(cc_store_layer_stage(f->s, &mine, &e), 0);
	int pfd[2];
	assert_int_equal(pipe(pfd), 0);
	pid_t pid = fork();
	if (pid == 0) {
		/* as a pull killed mid-layer: staging made, never committed */
		struct cc_store *s = NULL;
		char *stage = NULL, p[512];
		cc_error *ce = NULL;
		if (cc_store_open(f->dir, &s, &ce) < 0 || cc_store_layer_stage(s, &stage, &ce) < 0)
			_exit(1);
		snprintf(p, sizeof(p), "%s/file", stage);
		if (cc_write_file(p, "x", 1, 0644, &ce) < 0 || write(pfd[1], stage, strlen(stage)) < 0)
			_exit(1);
		_exit(0); /* no close, no cleanup: the kernel drops the lock */
	}
	close(pfd[1]);
	char dead[512] = "";
	assert_true(read(pfd[0], dead, sizeof(dead) - 1) > 0);
	close(pfd[0]);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_true(exists_path(dead));
	/* a partial download (kept for resume) */
	char d[72];
	int fd = -1;
	off_t have = 0;
	cc_sha256_digest("resume me", 9, d);
	assert_int_equal(cc_store_partial_open(f->s, d, &fd, &have, &e), 0);
	assert_int_equal(write(fd, "res", 3), 3);
	close(fd);

	struct cc_check ck = check(f->s, false, &l);
	assert_int_equal(ck.problems, 0);
	assert_int_equal(ck.notes, 2);
	assert_non_null(strstr(l.text, "N stale staging"));
	assert_non_null(strstr(l.text, "N partial download"));
	assert_null(strstr(l.text, mine)); /* ours is in use */

	assert_int_equal(cc_store_lock(f->s, false, &e), 0);
	cc_store_unlock(f->s);
	assert_false(exists_path(dead));
	assert_true(exists_path(mine));
	ck = check(f->s, false, &l);
	assert_int_equal(ck.notes, 1); /* the partial stays until prune */
	struct cc_gc_report rep;
	assert_int_equal(cc_store_gc(f->s, true, &rep, &e), 0);
	assert_int_equal(rep.tmp, 1);
	assert_true(exists_path(mine));
	free(mine);
}

/* A removal killed after it moved the directory into tmp/: the row still
 * there is no problem, and the next sweep finishes the removal. */
static void test_interrupted_removal(void **state)
{
	struct fixture *f = *state;
	cc_error *e = NULL;
	char id[72], trash[512];
	struct lines l;
	const char *cid = "dddd000000000000000000000000000000000000000000000000000000000001";
	make_image(f->s, "rm", "docker.io/library/rm:1", id);
	make_container(f->s, cid, "going", id);
	char *dir = cc_store_container_path(f->s, cid);
	snprintf(trash, sizeof(trash), "%s/tmp/rm-%s", f->dir, cid);
	assert_int_equal(rename(dir, trash), 0);
	struct cc_check ck = check(f->s, false, &l);
	assert_int_equal(ck.problems, 0);
	assert_non_null(strstr(l.text, "N container dddd00000000 (going): its removal was interrupted"));
	cc_store_sweep_staging(f->s);
	assert_false(exists_path(trash));
	struct cc_container_record *got = NULL;
	assert_int_not_equal(cc_store_container_get(f->s, "going", &got, &e), 0);
	cc_error_clear(&e);
	/* and the API itself: directory and row gone, nothing left in tmp/ */
	make_container(f->s, cid, "again", id);
	assert_int_equal(cc_store_container_remove(f->s, cid, NULL, &e), 0);
	assert_false(exists_path(dir));
	assert_false(exists_path(trash));
	assert_int_not_equal(cc_store_container_get(f->s, "again", &got, &e), 0);
	cc_error_clear(&e);
	assert_int_equal(check(f->s, false, &l).problems, 0);
	free(dir);
}

/* Rows before files: a layer committed by a pull that never recorded its
 * image has its row (content no image uses); gc drops both. */
static void test_rows_before_files(void **state)
{
	struct fixture *f = *state;
	cc_error *e = NULL;
	struct lines l;
	char *stage = NULL, chain[72];
	cc_sha256_digest("unrecorded", 10, chain);
	assert_int_equal(cc_store_layer_stage(f->s, &stage, &e), 0);
	assert_int_equal(cc_store_layer_commit(f->s, stage, chain, &e), 0);
	free(stage);
	char d[72];
	put(f->s, "a blob no image uses", d);
	struct cc_check ck = check(f->s, false, &l);
	assert_int_equal(ck.problems, 0);
	assert_non_null(strstr(l.text, "is used by no image"));
	struct cc_gc_report rep;
	assert_int_equal(cc_store_gc(f->s, false, &rep, &e), 0);
	assert_int_equal(rep.layers, 1);
	assert_int_equal(rep.blobs, 1);
	assert_false(cc_store_layer_present(f->s, chain));
	ck = check(f->s, false, &l);
	assert_int_equal(ck.problems + ck.notes, 0);
	/* a file in blobs/ or layers/ without its row is a problem */
	char *lp = cc_store_layer_path(f->s, chain);
	assert_int_equal(mkdir(lp, 0755), 0);
	free(lp);
	assert_int_equal(check(f->s, false, &l).problems, 1);
}

/* What issue 13 found: a damaged database said "Cannot allocate memory". */
static void test_damaged_database_error(void **state)
{
	struct fixture *f = *state;
	cc_error *e = NULL;
	char id[72], path[256];
	make_image(f->s, "dmg", "docker.io/library/dmg:1", id);
	cc_store_close(f->s);
	f->s = NULL;
	snprintf(path, sizeof(path), "%s/store.db", f->dir);
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT rootpage FROM sqlite_master WHERE name='images'", -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int page = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	/* the whole page: sqlite does not check every cell pointer of a page
	 * it reads, so a few bytes may go unnoticed */
	char junk[4096];
	memset(junk, 0xff, sizeof(junk));
	assert_int_equal(pwrite(fd, junk, sizeof(junk), (off_t)(page - 1) * 4096), (ssize_t)sizeof(junk));
	close(fd);
	assert_int_equal(cc_store_open(f->dir, &f->s, &e), 0);
	char **ids = NULL;
	assert_int_not_equal(cc_store_image_list(f->s, &ids, &e), 0);
	assert_int_not_equal(e->errnum, ENOMEM);
	assert_non_null(strstr(e->msg, "store.db"));
	assert_non_null(strstr(e->msg, "malformed"));
	cc_error_clear(&e);
	struct lines l;
	struct cc_check ck = check(f->s, true, &l);
	assert_true(ck.problems > 0);
	assert_true(ck.unrepaired > 0);
	assert_non_null(strstr(l.text, "restore it from a backup"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mkdir_p),
		cmocka_unit_test(test_rm_rf_keep),
		cmocka_unit_test_setup_teardown(test_put_blob_verifies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_image_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gc_and_check, setup, teardown),
		cmocka_unit_test_setup_teardown(test_partial, setup, teardown),
		cmocka_unit_test_setup_teardown(test_containers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_volumes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen_keeps_schema, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_containers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_lost_database, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_staging, setup, teardown),
		cmocka_unit_test_setup_teardown(test_interrupted_removal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rows_before_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damaged_database_error, setup, teardown),
	};
	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
