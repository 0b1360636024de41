/* Unit tests for lib/util: text made safe for a terminal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/util.h"

static void safe_is(const char *in, const char *want)
{
	char *got = cc_safe_text(in);
	assert_non_null(got);
	if (strcmp(got, want) != 0)
		fail_msg("cc_safe_text: got '%s', want '%s'", got, want);
	free(got);
}

static void test_safe_text(void **state)
{
	(void)state;
	safe_is("", "");
	safe_is(NULL, "");
	safe_is("plain ascii: /bin/sh -c 'echo hi'", "plain ascii: /bin/sh -c 'echo hi'");
	/* UTF-8 stays as it is */
	safe_is("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3");
	/* C0 controls, DEL: shown, never acted on; one line */
	safe_is("\x1b[2J\x1b]0;owned\x07", "\\x1b[2J\\x1b]0;owned\\x07");
	safe_is("a\nb\rc\td\x7f", "a\\x0ab\\x0dc\\x09d\\x7f");
	/* C1 controls (CSI, OSC) in UTF-8 form */
	safe_is("\xc2\x9b" "31m\xc2\x9d", "\\u009b31m\\u009d");
	safe_is("\xc2\xa0", "\xc2\xa0"); /* U+00A0 is printable */
	/* bytes that are not UTF-8: a raw CSI, overlong, surrogate, truncated */
	safe_is("\x9b" "31m", "\\x9b31m");
	safe_is("\xc0\xaf", "\\xc0\\xaf");
	safe_is("\xed\xa0\x80", "\\xed\\xa0\\x80");
	safe_is("x\xe2\x82", "x\\xe2\\x82");
	safe_is("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"); /* past U+10FFFF */
}

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
		cmocka_unit_test(test_safe_text),
		cmocka_unit_test(test_stats_sizes),
	};
	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
