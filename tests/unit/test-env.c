/* Unit tests for lib/util/env.c: docker's environment merge and env files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/env.h"
#include "util/util.h"

static void test_set_replaces_in_place(void **state)
{
	(void)state;
	struct cc_env e = { 0 };
	cc_error *err = NULL;
	assert_int_equal(cc_env_set(&e, "A=1", &err), 0);
	assert_int_equal(cc_env_set(&e, "B=2", &err), 0);
	assert_int_equal(cc_env_set(&e, "A=3", &err), 0);
	assert_int_equal(e.n, 2);
	assert_string_equal(e.v[0], "A=3");
	assert_string_equal(e.v[1], "B=2");
	assert_null(e.v[2]);
	assert_string_equal(cc_env_get(&e, "A", 1), "3");
	assert_null(cc_env_get(&e, "AB", 2));
	/* AB is not A */
	assert_int_equal(cc_env_set(&e, "AB=x", &err), 0);
	assert_int_equal(e.n, 3);
	assert_int_equal(cc_env_set_default(&e, "B=default", &err), 0);
	assert_string_equal(cc_env_get(&e, "B", 1), "2");
	assert_int_equal(cc_env_set_default(&e, "C=default", &err), 0);
	assert_string_equal(cc_env_get(&e, "C", 1), "default");
	/* values keep '=' and may be empty */
	assert_int_equal(cc_env_set(&e, "D=a=b", &err), 0);
	assert_string_equal(cc_env_get(&e, "D", 1), "a=b");
	assert_int_equal(cc_env_set(&e, "E=", &err), 0);
	assert_string_equal(cc_env_get(&e, "E", 1), "");
	cc_env_release(&e);
}

static void test_bare_name_and_errors(void **state)
{
	(void)state;
	struct cc_env e = { 0 };
	cc_error *err = NULL;
	setenv("CC_TEST_ENV_HOST", "from-host", 1);
	unsetenv("CC_TEST_ENV_UNSET");
	assert_int_equal(cc_env_set(&e, "CC_TEST_ENV_HOST", &err), 0);
	assert_int_equal(cc_env_set(&e, "CC_TEST_ENV_UNSET", &err), 0);
	assert_int_equal(e.n, 1);
	assert_string_equal(e.v[0], "CC_TEST_ENV_HOST=from-host");
	assert_true(cc_env_set(&e, "=x", &err) < 0);
	assert_non_null(err);
	assert_non_null(strstr(err->msg, "'=x'"));
	cc_error_clear(&err);
	cc_env_release(&e);
	/* nothing set yet: still an empty array */
	assert_int_equal(cc_env_finish(&e, &err), 0);
	assert_non_null(e.v);
	assert_null(e.v[0]);
	cc_env_release(&e);
}

static void test_many(void **state)
{
	(void)state;
	struct cc_env e = { 0 };
	cc_error *err = NULL;
	char kv[32];
	for (int i = 0; i < 5000; i++) { /* more than run's old limit of 1024 */
		snprintf(kv, sizeof(kv), "K%d=%d", i, i);
		assert_int_equal(cc_env_set(&e, kv, &err), 0);
	}
	assert_int_equal(e.n, 5000);
	assert_string_equal(cc_env_get(&e, "K4999", 5), "4999");
	assert_null(e.v[5000]);
	cc_env_release(&e);
}

static char *write_tmp(const char *text, size_t len)
{
	char *path = strdup("/tmp/cc-test-env-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	return path;
}

static void test_file(void **state)
{
	(void)state;
	struct cc_env e = { 0 };
	cc_error *err = NULL;
	setenv("CC_TEST_ENV_HOST", "h", 1);
	const char text[] = "# a comment\n\n  A=1\r\nB=two words\n\t# indented comment\nCC_TEST_ENV_HOST\nA=2\nC=";
	char *path = write_tmp(text, sizeof(text) - 1);
	assert_int_equal(cc_env_file(&e, path, &err), 0);
	assert_int_equal(e.n, 4);
	assert_string_equal(e.v[0], "A=2");
	assert_string_equal(e.v[1], "B=two words");
	assert_string_equal(e.v[2], "CC_TEST_ENV_HOST=h");
	assert_string_equal(e.v[3], "C=");
	unlink(path);
	free(path);
	cc_env_release(&e);

	/* labels: a bare KEY is KEY= (not this process's value) */
	path = write_tmp(text, sizeof(text) - 1);
	assert_int_equal(cc_env_set_label(&e, "A=0", &err), 0);
	assert_int_equal(cc_env_label_file(&e, path, &err), 0);
	assert_int_equal(cc_env_set_label(&e, "D", &err), 0);
	assert_int_equal(e.n, 5);
	assert_string_equal(e.v[0], "A=2");
	assert_string_equal(e.v[2], "CC_TEST_ENV_HOST=");
	assert_string_equal(e.v[4], "D=");
	assert_true(cc_env_set_label(&e, "=x", &err) < 0);
	assert_non_null(strstr(err->msg, "invalid label '=x'"));
	cc_error_clear(&err);
	unlink(path);
	free(path);
	cc_env_release(&e);

	/* a line without a name: the file and the line in the message */
	const char bad[] = "A=1\n\n=oops\n";
	path = write_tmp(bad, sizeof(bad) - 1);
	assert_true(cc_env_file(&e, path, &err) < 0);
	assert_non_null(strstr(err->msg, path));
	assert_non_null(strstr(err->msg, "line 3"));
	cc_error_clear(&err);
	unlink(path);
	free(path);
	cc_env_release(&e);

	/* a line too long */
	size_t n = CC_ENV_LINE_MAX + 10;
	char *big = malloc(n);
	memset(big, 'x', n);
	big[0] = 'L';
	big[1] = '=';
	path = write_tmp(big, n);
	assert_true(cc_env_file(&e, path, &err) < 0);
	assert_non_null(strstr(err->msg, "line 1"));
	cc_error_clear(&err);
	unlink(path);
	free(path);
	free(big);

	/* a file too big */
	n = CC_ENV_FILE_MAX + 1;
	big = malloc(n);
	for (size_t i = 0; i < n; i++)
		big[i] = i % 16 == 15 ? '\n' : 'a';
	path = write_tmp(big, n);
	assert_true(cc_env_file(&e, path, &err) < 0);
	assert_non_null(strstr(err->msg, "larger than"));
	cc_error_clear(&err);
	unlink(path);
	free(path);
	free(big);

	/* a missing file */
	assert_true(cc_env_file(&e, "/nonexistent/env-file", &err) < 0);
	assert_non_null(strstr(err->msg, "/nonexistent/env-file"));
	cc_error_clear(&err);
	cc_env_release(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_replaces_in_place),
		cmocka_unit_test(test_bare_name_and_errors),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_file),
	};
	return cmocka_run_group_tests_name("env", tests, NULL, NULL);
}
