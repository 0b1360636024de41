/* Unit tests for the limits on unpacking (lib/image/limits.c): parsing the
 * environment, the reserve's arithmetic, and the guard's decisions on given
 * statvfs numbers (fd -1: no statvfs, the test's numbers stand). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "image/image-internal.h"
#include "util/util.h"

static void test_size_spelling(void **state)
{
	(void)state;
	static const struct {
		int64_t bytes;
		const char *text;
	} cases[] = {
		{ 0, "0" },           { 1000, "1000" },          { 1024, "1k" },
		{ 1536 * 1024, "1536k" }, { 8 << 20, "8m" },     { 64LL << 30, "64g" },
		{ 3LL << 40, "3t" },  { 1LL << 50, "1024t" },    { 1025, "1025" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[32];
		cc_size_spelling(cases[i].bytes, out, sizeof(out));
		assert_string_equal(out, cases[i].text);
		int64_t back = -1;
		assert_int_equal(cc_parse_size(out, &back), 0); /* reads back exactly */
		assert_int_equal(back, cases[i].bytes);
	}
}

static void test_limits_from_env(void **state)
{
	(void)state;
	struct cc_unpack_limits l;
	cc_error *e = NULL;
	unsetenv(CC_ENV_MAX_LAYER_SIZE);
	unsetenv(CC_ENV_MIN_FREE_SPACE);
	assert_int_equal(cc_unpack_limits_get(&l, &e), 0);
	assert_int_equal(l.max_layer, 64LL << 30);
	assert_int_equal(l.min_free, -1);
	assert_int_equal(l.min_free_percent, 2);

	setenv(CC_ENV_MAX_LAYER_SIZE, "8m", 1);
	setenv(CC_ENV_MIN_FREE_SPACE, "5%", 1);
	assert_int_equal(cc_unpack_limits_get(&l, &e), 0);
	assert_int_equal(l.max_layer, 8 << 20);
	assert_int_equal(l.min_free, -1);
	assert_int_equal(l.min_free_percent, 5);

	setenv(CC_ENV_MAX_LAYER_SIZE, "0", 1); /* no cap */
	setenv(CC_ENV_MIN_FREE_SPACE, "100m", 1);
	assert_int_equal(cc_unpack_limits_get(&l, &e), 0);
	assert_int_equal(l.max_layer, 0);
	assert_int_equal(l.min_free, 100 << 20);

	static const char *const bad_size[] = { "lots", "-1", "nan", "1x", "5%", "1e30" };
	for (size_t i = 0; i < sizeof(bad_size) / sizeof(bad_size[0]); i++) {
		setenv(CC_ENV_MAX_LAYER_SIZE, bad_size[i], 1);
		assert_int_not_equal(cc_unpack_limits_get(&l, &e), 0);
		assert_non_null(strstr(e->msg, CC_ENV_MAX_LAYER_SIZE "='"));
		assert_int_equal(e->kind, CC_ERR_INVALID);
		cc_error_clear(&e);
	}
	unsetenv(CC_ENV_MAX_LAYER_SIZE);
	static const char *const bad_free[] = { "60%", "-2%", "2.5%", "%", "x%", "lots" };
	for (size_t i = 0; i < sizeof(bad_free) / sizeof(bad_free[0]); i++) {
		setenv(CC_ENV_MIN_FREE_SPACE, bad_free[i], 1);
		assert_int_not_equal(cc_unpack_limits_get(&l, &e), 0);
		assert_non_null(strstr(e->msg, CC_ENV_MIN_FREE_SPACE "='"));
		cc_error_clear(&e);
	}
	unsetenv(CC_ENV_MIN_FREE_SPACE);
}

static void test_reserve(void **state)
{
	(void)state;
	struct cc_unpack_limits pct = { .max_layer = 0, .min_free = -1, .min_free_percent = 2 };
	int64_t b;
	uint64_t i;
	cc_space_reserve(&pct, 64 << 20, 1000, &b, &i);
	assert_int_equal(b, 1342177); /* 2% of 64 MiB, rounded down */
	assert_int_equal(i, 20);
	cc_space_reserve(&pct, 99, 99, &b, &i); /* below 100: no rounding to 0 of the whole */
	assert_int_equal(b, 1);
	assert_int_equal(i, 1);
	cc_space_reserve(&pct, UINT64_MAX, UINT64_MAX, &b, &i); /* no overflow */
	assert_true(b > 0);
	assert_int_equal((uint64_t)b, UINT64_MAX / 100 * 2 + UINT64_MAX % 100 * 2 / 100);
	assert_true(i > UINT64_MAX / 51 && i < UINT64_MAX / 49);
	struct cc_unpack_limits abs = { .max_layer = 0, .min_free = 500 << 20, .min_free_percent = 0 };
	cc_space_reserve(&abs, 10LL << 30, 1000, &b, &i);
	assert_int_equal(b, 500 << 20);
	assert_int_equal(i, 20); /* inodes keep the default share */
}

/* A guard on made-up numbers: 10 MiB free, 1 MiB to keep, 4 KiB blocks. */
static void guard_on(struct cc_space_guard *g, const struct cc_unpack_limits *l)
{
	cc_error *e = NULL;
	assert_int_equal(cc_space_guard_init(g, -1, l, &e), 0);
	g->avail = 10 << 20;
	g->reserve = 1 << 20;
	g->block = 4096;
}

static void test_guard_space(void **state)
{
	(void)state;
	struct cc_unpack_limits l = { .max_layer = 0, .min_free = 1 << 20 };
	struct cc_space_guard g;
	cc_error *e = NULL;
	guard_on(&g, &l);
	assert_true(g.enabled);
	assert_int_equal(cc_space_guard_entry(&g, 8 << 20, &e), 0);
	assert_int_equal(cc_space_guard_entry(&g, (1 << 20) - 4096, &e), 0);
	assert_int_equal(cc_space_guard_entry(&g, 1, &e), 0); /* one block: exactly the reserve left */
	assert_int_equal(g.since, 9 << 20);
	assert_int_equal(cc_space_guard_entry(&g, 0, &e), 0); /* no data: no block */
	int r = cc_space_guard_entry(&g, 1, &e);                /* a block into the reserve */
	assert_int_equal(r, -ENOSPC);
	assert_int_equal(e->errnum, ENOSPC);
	assert_string_equal(e->msg, "the store's filesystem is nearly full (1.05MB free, 4.1kB needed, 1.05MB kept free: "
				    "CCONTAINER_MIN_FREE_SPACE): No space left on device");
	cc_error_clear(&e);
	/* more than the filesystem has at all, and sizes that would overflow */
	guard_on(&g, &l);
	assert_int_equal(cc_space_guard_entry(&g, 11 << 20, &e), -ENOSPC);
	cc_error_clear(&e);
	assert_int_equal(cc_space_guard_entry(&g, INT64_MAX, &e), -ENOSPC);
	cc_error_clear(&e);
	assert_int_equal(cc_space_guard_entry(&g, -5, &e), 0); /* nonsense sizes count as none */
}

static void test_guard_inodes(void **state)
{
	(void)state;
	struct cc_unpack_limits l = { .max_layer = 0, .min_free = 1 };
	struct cc_space_guard g;
	cc_error *e = NULL;
	guard_on(&g, &l);
	g.reserve = 0;
	g.has_inodes = true;
	g.avail_inodes = 10;
	g.reserve_inodes = 5;
	for (int i = 0; i < 5; i++)
		assert_int_equal(cc_space_guard_entry(&g, 0, &e), 0);
	assert_int_equal(cc_space_guard_entry(&g, 0, &e), -ENOSPC);
	assert_non_null(strstr(e->msg, "nearly out of inodes (10 free, 5 kept free"));
	cc_error_clear(&e);
	g.has_inodes = false; /* btrfs: f_files 0, nothing to count */
	assert_int_equal(cc_space_guard_entry(&g, 0, &e), 0);
}

static void test_guard_disabled(void **state)
{
	(void)state;
	struct cc_unpack_limits zero = { .max_layer = 0, .min_free = 0 };
	struct cc_unpack_limits zero_pct = { .max_layer = 0, .min_free = -1, .min_free_percent = 0 };
	struct cc_space_guard g;
	cc_error *e = NULL;
	assert_int_equal(cc_space_guard_init(&g, -1, &zero, &e), 0);
	assert_false(g.enabled);
	assert_int_equal(cc_space_guard_entry(&g, INT64_MAX, &e), 0);
	assert_int_equal(cc_space_guard_init(&g, -1, &zero_pct, &e), 0);
	assert_false(g.enabled);
	assert_int_equal(cc_space_guard_expand(&g, INT64_MAX, &e), 0); /* no cap either */
}

static void test_guard_cap(void **state)
{
	(void)state;
	struct cc_unpack_limits l = { .max_layer = 1000, .min_free = 0 };
	struct cc_space_guard g;
	cc_error *e = NULL;
	assert_int_equal(cc_space_guard_init(&g, -1, &l, &e), 0);
	assert_int_equal(cc_space_guard_at_least(&g, 500, 500, &e), 0);
	assert_int_not_equal(cc_space_guard_at_least(&g, 500, 501, &e), 0);
	assert_string_equal(e->msg, "expands beyond 1000 bytes (limit CCONTAINER_MAX_LAYER_SIZE=1000)");
	assert_int_equal(e->kind, CC_ERR_VERIFY);
	cc_error_clear(&e);
	assert_int_not_equal(cc_space_guard_at_least(&g, INT64_MAX, INT64_MAX, &e), 0);
	cc_error_clear(&e);
	assert_int_not_equal(cc_space_guard_at_least(&g, 0, -1, &e), 0);
	cc_error_clear(&e);
	assert_int_equal(g.expanded, 0); /* at_least only looks */
	assert_int_equal(cc_space_guard_expand(&g, 600, &e), 0);
	assert_int_equal(cc_space_guard_expand(&g, 400, &e), 0);
	assert_int_not_equal(cc_space_guard_expand(&g, 1, &e), 0);
	cc_error_clear(&e);
	/* no overflow past INT64_MAX, cap or not */
	struct cc_unpack_limits none = { .max_layer = 0, .min_free = 0 };
	assert_int_equal(cc_space_guard_init(&g, -1, &none, &e), 0);
	assert_int_equal(cc_space_guard_expand(&g, INT64_MAX, &e), 0);
	assert_int_not_equal(cc_space_guard_expand(&g, 1, &e), 0);
	cc_error_clear(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_size_spelling), cmocka_unit_test(test_limits_from_env),
		cmocka_unit_test(test_reserve),       cmocka_unit_test(test_guard_space),
		cmocka_unit_test(test_guard_inodes),  cmocka_unit_test(test_guard_disabled),
		cmocka_unit_test(test_guard_cap),
	};
	return cmocka_run_group_tests_name("limits", tests, NULL, NULL);
}
