/* lib/runtime/rootless.c: /etc/subuid lines (cc_subid_lookup), and the
 * defaults a rootless user gets from the environment. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "runtime/runtime.h"
#include "util/util.h"

static char *write_tmp(const char *text)
{
	char *path = strdup("/tmp/cc-test-subid.XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(cc_write_all(fd, text, strlen(text)), 0);
	close(fd);
	return path;
}

static void test_subid_lookup(void **state)
{
	(void)state;
	char *f = write_tmp("root:1:2\n"
			    "alice:100000:65536\n"
			    "bob:junk:65536\n"   /* not a number: skipped */
			    "bob:200000:0\n"     /* an empty range: skipped */
			    "bob:4294967295:2\n" /* past 2^32: skipped */
			    "1005:300000:1000\r\n"
			    "bob:400000:500\n"
			    "alice:900000:5\n");
	struct cc_idrange r = { 0 };
	cc_error *e = NULL;
	assert_int_equal(cc_subid_lookup(f, "alice", 1001, &r, &e), 1);
	assert_int_equal(r.start, 100000);
	assert_int_equal(r.count, 65536); /* the first line counts */
	assert_int_equal(cc_subid_lookup(f, "bob", 1002, &r, &e), 1);
	assert_int_equal(r.start, 400000);
	assert_int_equal(r.count, 500);
	/* by the uid, as shadow's tools allow */
	assert_int_equal(cc_subid_lookup(f, "carol", 1005, &r, &e), 1);
	assert_int_equal(r.start, 300000);
	assert_int_equal(r.count, 1000);
	assert_int_equal(cc_subid_lookup(f, "dave", 1006, &r, &e), 0);
	assert_int_equal(cc_subid_lookup(f, NULL, 1006, &r, &e), 0);
	unlink(f);
	free(f);
	/* no file: no range, no error */
	assert_int_equal(cc_subid_lookup("/nonexistent/subuid", "alice", 1001, &r, &e), 0);
	assert_null(e);
}

static void test_defaults(void **state)
{
	(void)state;
	/* computed once per process: this test sets the environment first */
	setenv("XDG_DATA_HOME", "/home/u/data", 1);
	setenv("XDG_CONFIG_HOME", "/home/u/conf", 1);
	setenv("HOME", "/home/u", 1);
	unsetenv("XDG_RUNTIME_DIR");
	assert_string_equal(cc_rootless_default_root(), "/home/u/data/ccontainer");
	assert_string_equal(cc_rootless_default_config(), "/home/u/conf/ccontainer");
	char want[64];
	snprintf(want, sizeof(want), "/tmp/ccontainer-run-%u", (unsigned)getuid());
	assert_string_equal(cc_rootless_default_runroot(), want);
	/* the same on later calls, whatever the environment says by then */
	setenv("XDG_DATA_HOME", "/elsewhere", 1);
	assert_string_equal(cc_rootless_default_root(), "/home/u/data/ccontainer");
}

static void test_overlay_xattrs(void **state)
{
	(void)state;
	assert_true(cc_is_overlay_xattr("trusted.overlay.opaque"));
	assert_true(cc_is_overlay_xattr("user.overlay.redirect"));
	assert_false(cc_is_overlay_xattr("user.overlayish"));
	assert_false(cc_is_overlay_xattr("security.capability"));
	/* outside a user namespace (the unit tests' case): trusted.* */
	if (!cc_in_userns())
		assert_string_equal(cc_overlay_opaque_xattr(), "trusted.overlay.opaque");
	else
		assert_string_equal(cc_overlay_opaque_xattr(), "user.overlay.opaque");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_subid_lookup),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_overlay_xattrs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
