/* Unit tests for lib/container: restart policies (parsing, decisions,
 * docker's backoff) and the healthcheck's state record. */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "container/container.h"

static void parse_ok(const char *text, enum cc_restart_kind kind, int max)
{
	struct cc_restart_policy p;
	cc_error *e = NULL;
	if (cc_restart_policy_parse(text, &p, &e) < 0)
		fail_msg("%s: %s", text, e->msg);
	assert_int_equal(p.kind, kind);
	assert_int_equal(p.max_retries, max);
	assert_int_equal(cc_restart_policy_from_text(text, &p), 0);
	assert_int_equal(p.kind, kind);
}

static void parse_bad(const char *text, const char *msg)
{
	struct cc_restart_policy p;
	cc_error *e = NULL;
	assert_true(cc_restart_policy_parse(text, &p, &e) < 0);
	if (strstr(e->msg, msg) == NULL)
		fail_msg("%s: '%s' lacks '%s'", text, e->msg, msg);
	assert_int_equal(e->kind, CC_ERR_INVALID);
	cc_error_free(e);
	assert_int_equal(cc_restart_policy_from_text(text, &p), -1);
}

static void test_policy_parse(void **state)
{
	(void)state;
	parse_ok("no", CC_RESTART_NO, 0);
	parse_ok("always", CC_RESTART_ALWAYS, 0);
	parse_ok("unless-stopped", CC_RESTART_UNLESS_STOPPED, 0);
	parse_ok("on-failure", CC_RESTART_ON_FAILURE, 0);
	parse_ok("on-failure:3", CC_RESTART_ON_FAILURE, 3);
	parse_ok("on-failure:0", CC_RESTART_ON_FAILURE, 0);
	parse_ok("always:0", CC_RESTART_ALWAYS, 0);
	parse_bad("on-failure:-1", "cannot be negative");
	parse_bad("always:2", "can only be used with 'on-failure'");
	parse_bad("on-failure:x", "must be an integer");
	parse_bad(":3", "no policy provided before colon");
	parse_bad("sometimes", "unknown policy 'sometimes'");
	parse_bad("", "unknown policy ''");

	char buf[32];
	struct cc_restart_policy p = { CC_RESTART_ON_FAILURE, 3 };
	cc_restart_policy_format(&p, buf, sizeof(buf));
	assert_string_equal(buf, "on-failure:3");
	p = (struct cc_restart_policy){ CC_RESTART_UNLESS_STOPPED, 0 };
	cc_restart_policy_format(&p, buf, sizeof(buf));
	assert_string_equal(buf, "unless-stopped");
	assert_string_equal(cc_restart_policy_name(CC_RESTART_ON_FAILURE), "on-failure");
}

static void test_policy_decide(void **state)
{
	(void)state;
	struct cc_restart_policy no = { CC_RESTART_NO, 0 }, of3 = { CC_RESTART_ON_FAILURE, 3 },
				 of = { CC_RESTART_ON_FAILURE, 0 }, al = { CC_RESTART_ALWAYS, 0 },
				 us = { CC_RESTART_UNLESS_STOPPED, 0 };
	assert_false(cc_restart_should(&no, 1, 0, false));
	/* on-failure:3: exactly three restarts of a failing container */
	int count = 0;
	while (cc_restart_should(&of3, 1, count, false))
		count++;
	assert_int_equal(count, 3);
	assert_false(cc_restart_should(&of3, 0, 0, false)); /* success ends it */
	assert_true(cc_restart_should(&of, 1, 1000, false)); /* no count: no limit */
	assert_false(cc_restart_should(&of, 0, 0, false));
	/* always, unless-stopped: any exit, never after a stop by hand */
	assert_true(cc_restart_should(&al, 0, 50, false));
	assert_true(cc_restart_should(&al, 137, 0, false));
	assert_true(cc_restart_should(&us, 0, 0, false));
	assert_false(cc_restart_should(&al, 0, 0, true));
	assert_false(cc_restart_should(&us, 137, 0, true));
	assert_false(cc_restart_should(&of3, 1, 0, true));
}

static void test_backoff(void **state)
{
	(void)state;
	int64_t want[] = { 100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 51200, 60000, 60000, 60000 };
	int64_t d = 0;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		d = cc_restart_next_delay(d, 50);
		assert_int_equal(d, want[i]);
	}
	/* a run of 10 s or more starts it again from 100 ms */
	assert_int_equal(cc_restart_next_delay(60000, 10000), 100);
	assert_int_equal(cc_restart_next_delay(60000, 9999), 60000);
	assert_int_equal(cc_restart_next_delay(800, 20000), 100);
	assert_int_equal(cc_restart_next_delay(800, 9000), 1600);
}

static json_t *step(json_t *h, int exit_code, bool in_start, int retries, const char *out)
{
	struct cc_health_result r = { .start_ns = 1700000000123456789LL, .end_ns = 1700000000500000000LL,
				      .exit_code = exit_code, .output = out, .output_len = strlen(out) };
	json_t *n = cc_health_update(h, &r, in_start, retries);
	assert_non_null(n);
	json_decref(h);
	return n;
}

static void test_health(void **state)
{
	(void)state;
	assert_string_equal(cc_health_status(NULL), "starting");
	json_t *h = NULL;
	/* failures in the start period do not count */
	h = step(h, 1, true, 2, "no");
	h = step(h, 1, true, 2, "no");
	assert_string_equal(cc_health_status(h), "starting");
	assert_int_equal(json_integer_value(json_object_get(h, "FailingStreak")), 0);
	/* after it they do: retries 2 makes it unhealthy at the second */
	h = step(h, 1, false, 2, "no");
	assert_string_equal(cc_health_status(h), "starting");
	h = step(h, 1, false, 2, "no");
	assert_string_equal(cc_health_status(h), "unhealthy");
	assert_int_equal(json_integer_value(json_object_get(h, "FailingStreak")), 2);
	/* one success: healthy, streak 0; a failure in "start period" time once
	 * healthy counts (docker: only while starting) */
	h = step(h, 0, false, 2, "ok\n");
	assert_string_equal(cc_health_status(h), "healthy");
	assert_int_equal(json_integer_value(json_object_get(h, "FailingStreak")), 0);
	h = step(h, 1, true, 2, "no");
	assert_string_equal(cc_health_status(h), "healthy");
	assert_int_equal(json_integer_value(json_object_get(h, "FailingStreak")), 1);
	/* the log keeps the last 5, oldest first, in docker's shape */
	json_t *log = json_object_get(h, "Log");
	assert_int_equal(json_array_size(log), 5);
	json_t *last = json_array_get(log, 4), *prev = json_array_get(log, 3);
	assert_int_equal(json_integer_value(json_object_get(last, "ExitCode")), 1);
	assert_string_equal(json_string_value(json_object_get(prev, "Output")), "ok\n");
	assert_string_equal(json_string_value(json_object_get(last, "Start")), "2023-11-14T22:13:20.123456789Z");
	assert_string_equal(json_string_value(json_object_get(last, "End")), "2023-11-14T22:13:20.5Z");
	json_decref(h);

	/* output is cut at 4 KiB */
	char *big = malloc(CC_HEALTH_OUTPUT_MAX * 2 + 1);
	assert_non_null(big);
	memset(big, 'x', CC_HEALTH_OUTPUT_MAX * 2);
	big[CC_HEALTH_OUTPUT_MAX * 2] = '\0';
	h = step(NULL, 0, false, 3, big);
	assert_int_equal(strlen(json_string_value(json_object_get(json_array_get(json_object_get(h, "Log"), 0), "Output"))),
			 CC_HEALTH_OUTPUT_MAX);
	json_decref(h);
	free(big);
}

static void test_health_config(void **state)
{
	(void)state;
	struct cc_health_config c;
	cc_error *e = NULL;
	json_t *j = json_loads("{\"Test\": [\"CMD-SHELL\", \"true\"], \"Interval\": 1000000000}", 0, NULL);
	assert_int_equal(cc_health_config_from_json(j, &c, &e), 1);
	assert_string_equal(c.test[0], "CMD-SHELL");
	assert_string_equal(c.test[1], "true");
	assert_null(c.test[2]);
	assert_int_equal(c.interval_ns, 1000000000LL);
	assert_int_equal(c.timeout_ns, CC_HEALTH_DEFAULT_TIMEOUT_NS);
	assert_int_equal(c.start_period_ns, 0);
	assert_int_equal(c.retries, 3);
	cc_health_config_release(&c);
	json_decref(j);
	j = json_loads("{\"Test\": [\"NONE\"]}", 0, NULL);
	assert_int_equal(cc_health_config_from_json(j, &c, &e), 0);
	json_decref(j);
	assert_int_equal(cc_health_config_from_json(NULL, &c, &e), 0);
	j = json_loads("{\"Test\": [\"WHAT\", \"x\"]}", 0, NULL);
	assert_true(cc_health_config_from_json(j, &c, &e) < 0);
	cc_error_free(e);
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy_parse),  cmocka_unit_test(test_policy_decide),
		cmocka_unit_test(test_backoff),       cmocka_unit_test(test_health),
		cmocka_unit_test(test_health_config),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
