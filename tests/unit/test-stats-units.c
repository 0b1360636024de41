/* Unit tests for the units `stats` prints (docker's go-units): memory in
 * binary units with four significant digits, I/O in decimal ones with
 * three. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/util.h"

/* stats' units: docker's units.BytesSize and HumanSizeWithPrecision(3) */
static void test_stats_sizes(void **state)
{
	(void)state;
	char b[32];
	cc_bytes_size(1.5 * 1024 * 1024, b, sizeof(b));
	assert_string_equal(b, "1.5MiB");
	cc_bytes_size(8233017344.0, b, sizeof(b));
	assert_string_equal(b, "7.668GiB");
	cc_bytes_size(0, b, sizeof(b));
	assert_string_equal(b, "0B");
	cc_bytes_size(1023, b, sizeof(b));
	assert_string_equal(b, "1023B");
	cc_bytes_size(1024, b, sizeof(b));
	assert_string_equal(b, "1KiB");
	cc_bytes_size(483328, b, sizeof(b));
	assert_string_equal(b, "472KiB");
	cc_human_size(1234, b, sizeof(b));
	assert_string_equal(b, "1.23kB");
	cc_human_size(0, b, sizeof(b));
	assert_string_equal(b, "0B");
	cc_human_size(656, b, sizeof(b));
	assert_string_equal(b, "656B");
	cc_human_size(12345678, b, sizeof(b));
	assert_string_equal(b, "12.3MB");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stats_sizes),
	};
	return cmocka_run_group_tests_name("stats-units", tests, NULL, NULL);
}
