/* Unit tests for what top and stats build on: the units stats prints
 * (docker's go-units: memory in binary units with four significant digits,
 * I/O in decimal ones with three), and the /proc readers (on this very
 * process). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include <cmocka.h>

#include "runtime/runtime.h"
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

static void test_proc_info_self(void **state)
{
	(void)state;
	struct cc_proc_info p;
	cc_error *e = NULL;
	if (cc_runtime_proc_info(getpid(), &p, &e) < 0)
		fail_msg("proc info: %s", e->msg);
	assert_int_equal(p.pid, getpid());
	assert_int_equal(p.ppid, getppid());
	assert_int_equal(p.uid, geteuid());
	assert_string_equal(p.comm, "test-cgverbs");
	assert_non_null(strstr(p.args, "test-cgverbs"));
	assert_true(p.state == 'R');
	assert_true(p.vsize > 0 && p.rss_pages > 0 && p.start_ticks > 0);
	assert_true(p.nthreads >= 1);
	cc_proc_info_release(&p);
	assert_true(cc_runtime_proc_info(0x7ffffff0, &p, &e) < 0); /* no such process */
	cc_error_clear(&e);
	uint64_t rx = 1, tx = 1;
	assert_int_equal(cc_runtime_net_io(getpid(), &rx, &tx, &e), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stats_sizes),
		cmocka_unit_test(test_proc_info_self),
	};
	return cmocka_run_group_tests_name("cgverbs", tests, NULL, NULL);
}
