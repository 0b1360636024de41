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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_safe_text),
	};
	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
