/* Unit tests for lib/image: references, auth challenges, manifests,
 * platform selection, chain IDs, tar path cleaning.  No root, no network. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "image/image-internal.h"
#include "image/image.h"

static void check_ref(const char *in, const char *domain, const char *path, const char *tag, const char *digest)
{
	struct cc_ref *r = NULL;
	cc_error *e = NULL;
	int rc = cc_ref_parse(in, &r, &e);
	if (rc != 0)
		print_error("parse '%s': %s\n", in, e ? e->msg : "?");
	assert_int_equal(rc, 0);
	assert_string_equal(r->domain, domain);
	assert_string_equal(r->path, path);
	if (tag)
		assert_string_equal(r->tag, tag);
	else
		assert_null(r->tag);
	if (digest)
		assert_string_equal(r->digest, digest);
	else
		assert_null(r->digest);
	cc_ref_free(r);
}

#define D64 "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void test_ref_normalise(void **state)
{
	(void)state;
	check_ref("alpine", "docker.io", "library/alpine", "latest", NULL);
	check_ref("alpine:3.20", "docker.io", "library/alpine", "3.20", NULL);
	check_ref("user/app", "docker.io", "user/app", "latest", NULL);
	check_ref("index.docker.io/library/alpine", "docker.io", "library/alpine", "latest", NULL);
	check_ref("docker.io/alpine", "docker.io", "library/alpine", "latest", NULL);
	check_ref("localhost/app", "localhost", "app", "latest", NULL);
	check_ref("localhost:5000/a/b:v1", "localhost:5000", "a/b", "v1", NULL);
	check_ref("127.0.0.1:5000/test/alpine:latest", "127.0.0.1:5000", "test/alpine", "latest", NULL);
	check_ref("quay.io/x/y", "quay.io", "x/y", "latest", NULL);
	check_ref("[::1]:5000/a", "[::1]:5000", "a", "latest", NULL);
	check_ref("alpine@" D64, "docker.io", "library/alpine", NULL, D64);
	check_ref("alpine:3.20@" D64, "docker.io", "library/alpine", "3.20", D64);
	check_ref("my-app__x/sub.1-2", "docker.io", "my-app__x/sub.1-2", "latest", NULL);
}

static void test_ref_string(void **state)
{
	(void)state;
	struct cc_ref *r = NULL;
	cc_error *e = NULL;
	assert_int_equal(cc_ref_parse("alpine:3.20@" D64, &r, &e), 0);
	char *s = cc_ref_string(r);
	assert_string_equal(s, "docker.io/library/alpine@" D64); /* the digest wins */
	free(s);
	s = cc_ref_repo(r);
	assert_string_equal(s, "docker.io/library/alpine");
	char *fam = cc_ref_familiar_repo(s);
	assert_string_equal(fam, "alpine");
	free(fam);
	free(s);
	cc_ref_free(r);
	fam = cc_ref_familiar_repo("docker.io/user/app");
	assert_string_equal(fam, "user/app");
	free(fam);
	fam = cc_ref_familiar_repo("localhost:5000/app");
	assert_string_equal(fam, "localhost:5000/app");
	free(fam);
	/* found by fuzz-reference: "ndex.ry/busybox" would be another registry */
	fam = cc_ref_familiar_repo("docker.io/ndex.ry/busybox");
	assert_string_equal(fam, "docker.io/ndex.ry/busybox");
	free(fam);
	fam = cc_ref_familiar_repo("docker.io/localhost/x");
	assert_string_equal(fam, "docker.io/localhost/x");
	free(fam);
	assert_string_equal(cc_ref_api_host("docker.io"), "registry-1.docker.io");
	assert_string_equal(cc_ref_api_host("quay.io"), "quay.io");
}

static void test_ref_invalid(void **state)
{
	(void)state;
	const char *bad[] = { "", "Alpine", "alpine:", "alpine@sha256:abc", "-alpine", "a//b", "alpine:bad tag",
			      "alpine::x", "a..b/c", "my.app_x/y", "-host.io/x", "host-.io/x", "alpine@md5:0123", "host:port:bad/x", "a_-b" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cc_ref *r = NULL;
		cc_error *e = NULL;
		int rc = cc_ref_parse(bad[i], &r, &e);
		if (rc == 0)
			print_error("'%s' parsed but is invalid\n", bad[i]);
		assert_int_not_equal(rc, 0);
		assert_non_null(e);
		assert_int_equal(e->kind, CC_ERR_INVALID);
		assert_non_null(strstr(e->msg, "invalid reference format"));
		cc_error_free(e);
	}
	/* 5000 characters: refused, not crashed */
	char *big = malloc(5001);
	memset(big, 'a', 5000);
	big[5000] = '\0';
	struct cc_ref *r = NULL;
	cc_error *e = NULL;
	assert_int_not_equal(cc_ref_parse(big, &r, &e), 0);
	cc_error_free(e);
	free(big);
}

static void test_challenge(void **state)
{
	(void)state;
	struct cc_challenge c;
	cc_error *e = NULL;
	assert_int_equal(cc_challenge_parse("Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
					    "scope=\"repository:library/alpine:pull,push\"", &c, &e), 0);
	assert_string_equal(c.scheme, "Bearer");
	assert_string_equal(c.realm, "https://auth.docker.io/token");
	assert_string_equal(c.service, "registry.docker.io");
	assert_string_equal(c.scope, "repository:library/alpine:pull,push");
	cc_challenge_release(&c);

	assert_int_equal(cc_challenge_parse("Basic realm=\"Registry Realm\"", &c, &e), 0);
	assert_string_equal(c.scheme, "Basic");
	assert_string_equal(c.realm, "Registry Realm");
	assert_null(c.scope);
	cc_challenge_release(&c);

	assert_int_equal(cc_challenge_parse("Bearer realm=http://127.0.0.1:1/token, service = svc", &c, &e), 0);
	assert_string_equal(c.realm, "http://127.0.0.1:1/token");
	assert_string_equal(c.service, "svc");
	cc_challenge_release(&c);

	assert_int_not_equal(cc_challenge_parse("Bearer service=\"x\"", &c, &e), 0); /* no realm */
	cc_error_clear(&e);
	assert_int_not_equal(cc_challenge_parse("Bearer realm=\"unterminated", &c, &e), 0);
	cc_error_clear(&e);
	assert_int_not_equal(cc_challenge_parse("", &c, &e), 0);
	cc_error_clear(&e);
}

static const char index_json[] =
	"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
	"{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:1111111111111111111111111111111111111111111111111111111111111111\",\"size\":100,"
	"\"platform\":{\"architecture\":\"arm\",\"os\":\"linux\",\"variant\":\"v6\"}},"
	"{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:2222222222222222222222222222222222222222222222222222222222222222\",\"size\":100,"
	"\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}},"
	"{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:3333333333333333333333333333333333333333333333333333333333333333\",\"size\":100,"
	"\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\"}},"
	"{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:4444444444444444444444444444444444444444444444444444444444444444\",\"size\":100,"
	"\"platform\":{\"architecture\":\"unknown\",\"os\":\"unknown\"},"
	"\"annotations\":{\"vnd.docker.reference.type\":\"attestation-manifest\"}},"
	"{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:5555555555555555555555555555555555555555555555555555555555555555\",\"size\":100,"
	"\"platform\":{\"architecture\":\"arm\",\"os\":\"linux\",\"variant\":\"v7\"}}]}";

static const char *select_for(const char *platform, cc_error **e)
{
	static char out[80];
	struct cc_manifest *m = NULL;
	assert_int_equal(cc_manifest_parse(index_json, strlen(index_json), CC_MT_OCI_INDEX, &m, e), 0);
	assert_true(m->is_index);
	assert_int_equal(m->n_entries, 5);
	struct cc_platform p;
	assert_int_equal(cc_platform_parse(platform, &p, e), 0);
	const struct cc_descriptor *d = NULL;
	int rc = cc_manifest_select(m, &p, &d, e);
	if (rc == 0)
		snprintf(out, sizeof(out), "%s", d->digest + 7);
	cc_manifest_free(m);
	return rc == 0 ? out : NULL;
}

static void test_platform_select(void **state)
{
	(void)state;
	cc_error *e = NULL;
	assert_string_equal(select_for("linux/amd64", &e), "2222222222222222222222222222222222222222222222222222222222222222");
	/* arm64 without a variant in the index matches arm64/v8 */
	assert_string_equal(select_for("linux/arm64", &e), "3333333333333333333333333333333333333333333333333333333333333333");
	assert_string_equal(select_for("linux/arm64/v8", &e), "3333333333333333333333333333333333333333333333333333333333333333");
	/* exact variant beats a lower compatible one; v8 32-bit takes v7 */
	assert_string_equal(select_for("linux/arm/v7", &e), "5555555555555555555555555555555555555555555555555555555555555555");
	assert_string_equal(select_for("linux/arm/v6", &e), "1111111111111111111111111111111111111111111111111111111111111111");
	assert_string_equal(select_for("linux/arm/v8", &e), "5555555555555555555555555555555555555555555555555555555555555555");
	/* the attestation entry is never chosen, and a missing platform lists what exists */
	assert_null(select_for("unknown/unknown", &e));
	cc_error_clear(&e);
	assert_null(select_for("linux/s390x", &e));
	assert_int_equal(e->kind, CC_ERR_NOT_FOUND);
	assert_non_null(strstr(e->msg, "no matching manifest for linux/s390x"));
	assert_non_null(strstr(e->msg, "linux/amd64"));
	assert_non_null(strstr(e->msg, "linux/arm/v7"));
	assert_null(strstr(e->msg, "unknown"));
	cc_error_clear(&e);
	struct cc_platform p;
	assert_int_not_equal(cc_platform_parse("linux", &p, &e), 0);
	cc_error_clear(&e);
	cc_platform_host(&p);
	assert_string_equal(p.os, "linux");
}

static void test_manifest_parse(void **state)
{
	(void)state;
	const char man[] =
		"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\","
		"\"config\":{\"mediaType\":\"application/vnd.docker.container.image.v1+json\",\"size\":7,"
		"\"digest\":\"sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"},"
		"\"layers\":[{\"mediaType\":\"application/vnd.docker.image.rootfs.diff.tar.gzip\",\"size\":10,"
		"\"digest\":\"sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\"}]}";
	struct cc_manifest *m = NULL;
	cc_error *e = NULL;
	assert_int_equal(cc_manifest_parse(man, strlen(man), CC_MT_DOCKER_MANIFEST "; charset=utf-8", &m, &e), 0);
	assert_false(m->is_index);
	assert_int_equal(m->n_entries, 1);
	assert_int_equal(m->config.size, 7);
	assert_string_equal(m->entries[0].media_type, CC_MT_DOCKER_LAYER);
	cc_manifest_free(m);

	/* OCI manifest without mediaType: Content-Type decides */
	const char oci[] = "{\"schemaVersion\":2,\"config\":{\"size\":1,\"digest\":\"sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"},\"layers\":[]}";
	assert_int_equal(cc_manifest_parse(oci, strlen(oci), CC_MT_OCI_MANIFEST, &m, &e), 0);
	assert_string_equal(m->media_type, CC_MT_OCI_MANIFEST);
	cc_manifest_free(m);

	/* mismatch between body and Content-Type, schema 1, garbage, bad digest */
	assert_int_not_equal(cc_manifest_parse(man, strlen(man), CC_MT_OCI_INDEX, &m, &e), 0);
	assert_int_equal(e->kind, CC_ERR_VERIFY);
	cc_error_clear(&e);
	const char s1[] = "{\"schemaVersion\":1,\"mediaType\":\"application/vnd.docker.distribution.manifest.v1+prettyjws\"}";
	assert_int_not_equal(cc_manifest_parse(s1, strlen(s1), NULL, &m, &e), 0);
	assert_non_null(strstr(e->msg, "schema 1"));
	cc_error_clear(&e);
	assert_int_not_equal(cc_manifest_parse("{not json", 9, NULL, &m, &e), 0);
	cc_error_clear(&e);
	const char bad[] = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
			   "\"config\":{\"size\":1,\"digest\":\"md5:abc\"},\"layers\":[]}";
	assert_int_not_equal(cc_manifest_parse(bad, strlen(bad), NULL, &m, &e), 0);
	cc_error_clear(&e);
}

static void test_config_and_chain(void **state)
{
	(void)state;
	const char cfg[] =
		"{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"2024-09-06T12:00:00Z\","
		"\"rootfs\":{\"type\":\"layers\",\"diff_ids\":["
		"\"sha256:1111111111111111111111111111111111111111111111111111111111111111\","
		"\"sha256:2222222222222222222222222222222222222222222222222222222222222222\"]}}";
	struct cc_image_config *c = NULL;
	cc_error *e = NULL;
	assert_int_equal(cc_image_config_parse(cfg, strlen(cfg), &c, &e), 0);
	assert_int_equal(c->n_diff_ids, 2);
	assert_string_equal(c->arch, "amd64");
	char **chains = NULL;
	assert_int_equal(cc_chain_ids(c->diff_ids, c->n_diff_ids, &chains, &e), 0);
	assert_string_equal(chains[0], c->diff_ids[0]);
	/* ChainID(L0|L1) = sha256("<chain0> <diff1>") */
	char want[72], buf[160];
	int n = snprintf(buf, sizeof(buf), "%s %s", c->diff_ids[0], c->diff_ids[1]);
	cc_sha256_digest(buf, (size_t)n, want);
	assert_string_equal(chains[1], want);
	for (char **p = chains; *p; p++)
		free(*p);
	free(chains);
	cc_image_config_free(c);
	assert_int_not_equal(cc_image_config_parse("{\"rootfs\":{}}", 13, &c, &e), 0);
	cc_error_clear(&e);
}

static void test_clean_path(void **state)
{
	(void)state;
	char out[256];
	assert_int_equal(cc_layer_clean_path("./etc/passwd", out, sizeof(out)), 0);
	assert_string_equal(out, "etc/passwd");
	assert_int_equal(cc_layer_clean_path("/abs/x/", out, sizeof(out)), 0);
	assert_string_equal(out, "abs/x");
	assert_int_equal(cc_layer_clean_path("./", out, sizeof(out)), 0);
	assert_string_equal(out, "");
	assert_int_equal(cc_layer_clean_path("a//./b", out, sizeof(out)), 0);
	assert_string_equal(out, "a/b");
	assert_int_equal(cc_layer_clean_path("../escape", out, sizeof(out)), -1);
	assert_int_equal(cc_layer_clean_path("a/../../b", out, sizeof(out)), -1);
	assert_int_equal(cc_layer_clean_path("a/..", out, sizeof(out)), -1);
	assert_int_equal(cc_layer_clean_path("..a/b..", out, sizeof(out)), 0);
	assert_string_equal(out, "..a/b..");
}

static void check_location(const char *ep, const char *loc, const char *want, bool want_same)
{
	char *url = NULL;
	bool same = !want_same;
	int r = cc_upload_location_resolve(ep, loc, &url, &same);
	if (want == NULL) {
		assert_int_equal(r, -1);
		assert_null(url);
		return;
	}
	assert_int_equal(r, 0);
	assert_string_equal(url, want);
	assert_true(same == want_same);
	free(url);
}

static void test_upload_location(void **state)
{
	(void)state;
	const char *ep = "http://127.0.0.1:5000";
	check_location(ep, "/v2/a/blobs/uploads/u1?_state=x", "http://127.0.0.1:5000/v2/a/blobs/uploads/u1?_state=x", true);
	check_location(ep, "http://127.0.0.1:5000/v2/a/blobs/uploads/u1", "http://127.0.0.1:5000/v2/a/blobs/uploads/u1", true);
	check_location(ep, "HTTP://127.0.0.1:5000/v2/x", "HTTP://127.0.0.1:5000/v2/x", true);
	/* another host, port or scheme: allowed, but no credentials go there */
	check_location(ep, "https://s3.example/bucket/up?sig=1", "https://s3.example/bucket/up?sig=1", false);
	check_location(ep, "http://127.0.0.1:5001/v2/x", "http://127.0.0.1:5001/v2/x", false);
	check_location(ep, "http://127.0.0.1:50000/v2/x", "http://127.0.0.1:50000/v2/x", false);
	check_location(ep, "https://127.0.0.1:5000/v2/x", "https://127.0.0.1:5000/v2/x", false);
	check_location(ep, "http://127.0.0.1:5000", "http://127.0.0.1:5000", true);
	/* refused: relative paths, other schemes, userinfo, control bytes, empty */
	check_location(ep, "v2/a/blobs/uploads/u1", NULL, false);
	check_location(ep, "//evil.example/v2/x", NULL, false);
	check_location(ep, "ftp://h/x", NULL, false);
	check_location(ep, "file:///etc/passwd", NULL, false);
	check_location(ep, "http://user@evil/x", NULL, false);
	check_location(ep, "http:///x", NULL, false);
	check_location(ep, "/v2/a\r\nX-Injected: 1", NULL, false);
	check_location(ep, "/v2/a b", NULL, false);
	check_location(ep, "", NULL, false);
	check_location("not-a-url", "/v2/x", NULL, false);

	char *u = cc_upload_url_with_digest("http://h/v2/a/blobs/uploads/u", "sha256:ab");
	assert_string_equal(u, "http://h/v2/a/blobs/uploads/u?digest=sha256:ab");
	free(u);
	u = cc_upload_url_with_digest("http://h/up?_state=s", "sha256:ab");
	assert_string_equal(u, "http://h/up?_state=s&digest=sha256:ab");
	free(u);
	u = cc_upload_url_with_digest("http://h/up?", "sha256:ab");
	assert_string_equal(u, "http://h/up?digest=sha256:ab");
	free(u);
}

static void test_upload_range(void **state)
{
	(void)state;
	assert_int_equal(cc_upload_range_next(""), 0);
	assert_int_equal(cc_upload_range_next("0-0"), 0);
	assert_int_equal(cc_upload_range_next("0-1023"), 1024);
	assert_int_equal(cc_upload_range_next(" 0-8388607 "), 8388608);
	assert_int_equal(cc_upload_range_next("bytes=0-99"), 100);
	assert_int_equal(cc_upload_range_next("1-99"), -1);     /* uploads start at 0 */
	assert_int_equal(cc_upload_range_next("0-"), -1);
	assert_int_equal(cc_upload_range_next("-5"), -1);
	assert_int_equal(cc_upload_range_next("0-5x"), -1);
	assert_int_equal(cc_upload_range_next("0--5"), -1);
	assert_int_equal(cc_upload_range_next("0-99999999999999999999"), -1);
	assert_int_equal(cc_upload_range_next("bytes 0-5"), -1);
}

static void test_loopback(void **state)
{
	(void)state;
	assert_true(cc_registry_is_loopback("localhost"));
	assert_true(cc_registry_is_loopback("localhost:5000"));
	assert_true(cc_registry_is_loopback("127.0.0.1:5000"));
	assert_true(cc_registry_is_loopback("127.1.2.3"));
	assert_true(cc_registry_is_loopback("[::1]:5000"));
	assert_true(cc_registry_is_loopback("[::1]"));
	assert_false(cc_registry_is_loopback("localhost.example.com"));
	assert_false(cc_registry_is_loopback("localhostx:5000"));
	assert_false(cc_registry_is_loopback("127.example.com"));
	assert_false(cc_registry_is_loopback("[::10]:5000"));
	assert_false(cc_registry_is_loopback("docker.io"));
}

static void test_retry_after(void **state)
{
	(void)state;
	const time_t t = 784111777; /* Sun, 06 Nov 1994 08:49:37 GMT */
	assert_int_equal(cc_retry_after_parse("5", t), 5);
	assert_int_equal(cc_retry_after_parse(" 120 ", t), 120);
	assert_int_equal(cc_retry_after_parse("0", t), 0);
	assert_int_equal(cc_retry_after_parse("99999999999999999999999", t), 1000000000);
	assert_int_equal(cc_retry_after_parse("-1", t), -1);
	assert_int_equal(cc_retry_after_parse("1.5", t), -1);
	assert_int_equal(cc_retry_after_parse("5s", t), -1);
	assert_int_equal(cc_retry_after_parse("", t), -1);
	assert_int_equal(cc_retry_after_parse("soon", t), -1);
	/* The three HTTP-date forms, 10 s ahead. */
	assert_int_equal(cc_retry_after_parse("Sun, 06 Nov 1994 08:49:37 GMT", t - 10), 10);
	assert_int_equal(cc_retry_after_parse("Sunday, 06-Nov-94 08:49:37 GMT", t - 10), 10);
	assert_int_equal(cc_retry_after_parse("Sun Nov  6 08:49:37 1994", t - 10), 10);
	/* In the past: retry now. */
	assert_int_equal(cc_retry_after_parse("Sun, 06 Nov 1994 08:49:37 GMT", t + 3600), 0);
	/* Two-digit years within 50 years ahead are in this century. */
	const time_t y2026 = 1767225600; /* Thu, 01 Jan 2026 00:00:00 GMT */
	assert_int_equal(cc_retry_after_parse("Tuesday, 01-Jan-30 00:00:00 GMT", y2026), 4 * 365 * 86400 + 86400);
	assert_int_equal(cc_retry_after_parse("Friday, 01-Jan-99 00:00:00 GMT", y2026), 0);
	/* Malformed dates are not dates. */
	assert_int_equal(cc_retry_after_parse("Sun, 06 Nov 1994 08:49:37 PST", t), -1);
	assert_int_equal(cc_retry_after_parse("Sun, 31 Feb 1994 08:49:37 GMT", t), -1);
	assert_int_equal(cc_retry_after_parse("Sun, 06 Foo 1994 08:49:37 GMT", t), -1);
	assert_int_equal(cc_retry_after_parse("Sun, 06 Nov 1994 25:49:37 GMT", t), -1);
	assert_int_equal(cc_retry_after_parse("Sun, 06 Nov 1994 08:49:37 GMT x", t), -1);
	assert_int_equal(cc_retry_after_parse("Sun, 06 Nov 1994", t), -1);
}

static void test_blob_response_check(void **state)
{
	(void)state;
	char why[256];
#define CHECK(st, cr, cl, off, size) cc_blob_response_check(st, cr, cl, off, size, why, sizeof(why))
	/* 200: the whole blob; longer than the manifest says is refused. */
	assert_int_equal(CHECK(200, "", -1, 0, 1000), CC_BLOB_OK);
	assert_int_equal(CHECK(200, "", 1000, 0, 1000), CC_BLOB_OK);
	assert_int_equal(CHECK(200, "", 1000, 400, 1000), CC_BLOB_OK); /* Range ignored: skipped */
	assert_int_equal(CHECK(200, "", 600, 0, 1000), CC_BLOB_OK);    /* short: resumed later */
	assert_int_equal(CHECK(200, "", 1005, 0, 1000), CC_BLOB_TOO_BIG);
	assert_string_equal(why, "registry answered with 1005 bytes, 5 more than the manifest's size (1000)");
	/* 206: exactly the range asked for. */
	assert_int_equal(CHECK(206, "bytes 100-999/1000", 900, 100, 1000), CC_BLOB_OK);
	assert_int_equal(CHECK(206, "bytes 100-999/1000", -1, 100, 1000), CC_BLOB_OK);
	assert_int_equal(CHECK(206, "bytes 100-999/*", -1, 100, 1000), CC_BLOB_OK);
	assert_int_equal(CHECK(206, "Bytes 100-499/1000", 400, 100, 1000), CC_BLOB_OK); /* a shorter range */
	assert_int_equal(CHECK(206, "bytes 0-999/1000", 1000, 0, 1000), CC_BLOB_OK);
	assert_int_equal(CHECK(206, "bytes 101-999/1000", 899, 100, 1000), CC_BLOB_BAD_RANGE);
	assert_string_equal(why, "registry answered range 'bytes 101-999/1000' for a request from byte 100");
	assert_int_equal(CHECK(206, "bytes 0-999/1000", 1000, 100, 1000), CC_BLOB_BAD_RANGE);
	assert_int_equal(CHECK(206, "bytes 100-999/1000", 5, 100, 1000), CC_BLOB_BAD_RANGE);
	assert_int_equal(CHECK(206, "", -1, 100, 1000), CC_BLOB_BAD_RANGE);
	assert_int_equal(CHECK(206, "items 100-999/1000", -1, 100, 1000), CC_BLOB_BAD_RANGE);
	assert_int_equal(CHECK(206, "bytes 100-99/1000", -1, 100, 1000), CC_BLOB_BAD_RANGE);
	assert_int_equal(CHECK(206, "bytes 100-999/1000x", -1, 100, 1000), CC_BLOB_BAD_RANGE);
	assert_int_equal(CHECK(206, "bytes -100-999/1000", -1, 100, 1000), CC_BLOB_BAD_RANGE);
	assert_int_equal(CHECK(206, "bytes 100-999", -1, 100, 1000), CC_BLOB_BAD_RANGE);
	assert_int_equal(CHECK(206, "bytes 1000000000000000000000-9/10", -1, 100, 1000), CC_BLOB_BAD_RANGE);
	/* 206 of a blob that is not the manifest's size. */
	assert_int_equal(CHECK(206, "bytes 100-1999/2000", 1900, 100, 1000), CC_BLOB_TOO_BIG);
	assert_int_equal(CHECK(206, "bytes 100-1999/*", 1900, 100, 1000), CC_BLOB_TOO_BIG);
	/* Other statuses are the caller's to judge. */
	assert_int_equal(CHECK(404, "", 10, 0, 1000), CC_BLOB_OK);
#undef CHECK
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ref_normalise),
		cmocka_unit_test(test_ref_string),
		cmocka_unit_test(test_ref_invalid),
		cmocka_unit_test(test_challenge),
		cmocka_unit_test(test_platform_select),
		cmocka_unit_test(test_manifest_parse),
		cmocka_unit_test(test_config_and_chain),
		cmocka_unit_test(test_clean_path),
		cmocka_unit_test(test_retry_after),
		cmocka_unit_test(test_upload_location),
		cmocka_unit_test(test_upload_range),
		cmocka_unit_test(test_loopback),
		cmocka_unit_test(test_blob_response_check),
	};
	return cmocka_run_group_tests_name("image", tests, NULL, NULL);
}
