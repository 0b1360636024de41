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

static void test_go_duration(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		int64_t ns;
	} ok[] = { { "0", 0 }, { "1s", 1000000000LL }, { "1h30m", 5400000000000LL }, { "1.5s", 1500000000LL },
		   { "300ms", 300000000LL }, { "-10m", -600000000000LL }, { "2us", 2000 }, { "2\xc2\xb5s", 2000 },
		   { "7ns", 7 }, { ".5h", 1800000000000LL }, { "1m0.5s", 60500000000LL }, { "1.s", 1000000000LL } };
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		int64_t ns = -42;
		if (cc_parse_go_duration(ok[i].in, &ns) != 0 || ns != ok[i].ns)
			fail_msg("%s: %lld", ok[i].in, (long long)ns);
	}
	static const char *const bad[] = { "", "s", "1", "1x", "1h-1m", "--1s", ".s", "1e3s", "h1", "1 s", "99999999999h" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t ns;
		if (cc_parse_go_duration(bad[i], &ns) == 0)
			fail_msg("%s accepted", bad[i]);
	}
}

static void test_timestamp(void **state)
{
	(void)state;
	setenv("TZ", "UTC", 1);
	const int64_t now = 1700000000LL * 1000000000LL, S = 1000000000LL;
	static const struct {
		const char *in;
		int64_t ns;
	} ok[] = {
		{ "10m", now - 600 * S },
		{ "-1h", now + 3600 * S },
		{ "0", 0 },
		{ "1700000000", now },
		{ "1700000000.25", now + 250000000 },
		{ "2023-11-14", 1699920000LL * S },
		{ "2023-11-14T22", 1700000000LL * S - 13 * 60 * S - 20 * S },
		{ "2023-11-14T22:13", now - 20 * S },
		{ "2023-11-14T22:13:20", now },
		{ "2023-11-14T22:13:20Z", now },
		{ "2023-11-14T22:13:20.5Z", now + 500000000 },
		{ "2023-11-14T22:13:20.123456789Z", now + 123456789 },
		{ "2023-11-15T00:13:20+02:00", now },
		{ "2023-11-14T21:13:20-01:00", now },
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		int64_t ns = -42;
		if (cc_parse_timestamp(ok[i].in, now, &ns) != 0 || ns != ok[i].ns)
			fail_msg("%s: %lld, want %lld", ok[i].in, (long long)ns, (long long)ok[i].ns);
	}
	static const char *const bad[] = { "", "yesterday", "2023-13-01x", "2023-11-14T25:00", "2023-11-14T22:13:20+2",
					   "2023-11-14 22:13", "1700000000x", "1.2.3",
					   "10000000000" /* past 2262: int64 nanoseconds overflow */ };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t ns;
		if (cc_parse_timestamp(bad[i], now, &ns) == 0)
			fail_msg("%s accepted", bad[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_safe_text),
		cmocka_unit_test(test_go_duration),
		cmocka_unit_test(test_timestamp),
	};
	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
