/* Golden tests for the .dockerignore matcher: the tables of
 * moby/patternmatcher's patternmatcher_test.go (TestMatches,
 * multi-pattern cases, Go's filepath.Match cases) and of
 * moby/patternmatcher/ignorefile (ReadAll), with the results docker gets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "build/build.h"
#include "util/util.h"

enum want { FAIL, EXACT, INEXACT };

struct single {
	const char *pattern, *text;
	enum want want;
};

/* patternmatcher_test.go TestMatches (Linux) */
static const struct single matches_table[] = {
	{ "**", "file", EXACT },
	{ "**", "file/", EXACT },
	{ "**/", "file", EXACT },
	{ "**/", "file/", EXACT },
	{ "**", "/", EXACT },
	{ "**/", "/", EXACT },
	{ "**", "dir/file", EXACT },
	{ "**/", "dir/file", EXACT },
	{ "**", "dir/file/", EXACT },
	{ "**/", "dir/file/", EXACT },
	{ "**/**", "dir/file", EXACT },
	{ "**/**", "dir/file/", EXACT },
	{ "dir/**", "dir/file", EXACT },
	{ "dir/**", "dir/file/", EXACT },
	{ "dir/**", "dir/dir2/file", EXACT },
	{ "dir/**", "dir/dir2/file/", EXACT },
	{ "**/dir", "dir", EXACT },
	{ "**/dir", "dir/file", INEXACT },
	{ "**/dir2/*", "dir/dir2/file", EXACT },
	{ "**/dir2/*", "dir/dir2/file/", INEXACT },
	{ "**/dir2/**", "dir/dir2/dir3/file", EXACT },
	{ "**/dir2/**", "dir/dir2/dir3/file/", EXACT },
	{ "**file", "file", EXACT },
	{ "**file", "dir/file", EXACT },
	{ "**/file", "dir/file", EXACT },
	{ "**file", "dir/dir/file", EXACT },
	{ "**/file", "dir/dir/file", EXACT },
	{ "**/file*", "dir/dir/file", EXACT },
	{ "**/file*", "dir/dir/file.txt", EXACT },
	{ "**/file*txt", "dir/dir/file.txt", EXACT },
	{ "**/file*.txt", "dir/dir/file.txt", EXACT },
	{ "**/file*.txt*", "dir/dir/file.txt", EXACT },
	{ "**/**/*.txt", "dir/dir/file.txt", EXACT },
	{ "**/**/*.txt2", "dir/dir/file.txt", FAIL },
	{ "**/*.txt", "file.txt", EXACT },
	{ "**/**/*.txt", "file.txt", EXACT },
	{ "a**/*.txt", "a/file.txt", EXACT },
	{ "a**/*.txt", "a/dir/file.txt", EXACT },
	{ "a**/*.txt", "a/dir/dir/file.txt", EXACT },
	{ "a/*.txt", "a/dir/file.txt", FAIL },
	{ "a/*.txt", "a/file.txt", EXACT },
	{ "a/*.txt**", "a/file.txt", EXACT },
	{ "a[b-d]e", "ae", FAIL },
	{ "a[b-d]e", "ace", EXACT },
	{ "a[b-d]e", "aae", FAIL },
	{ "a[^b-d]e", "aze", EXACT },
	{ ".*", ".foo", EXACT },
	{ ".*", "foo", FAIL },
	{ "abc.def", "abcdef", FAIL },
	{ "abc.def", "abc.def", EXACT },
	{ "abc.def", "abcZdef", FAIL },
	{ "abc?def", "abcZdef", EXACT },
	{ "abc?def", "abcdef", FAIL },
	{ "**/foo/bar", "foo/bar", EXACT },
	{ "**/foo/bar", "dir/foo/bar", EXACT },
	{ "**/foo/bar", "dir/dir2/foo/bar", EXACT },
	{ "abc/**", "abc", FAIL },
	{ "abc/**", "abc/def", EXACT },
	{ "abc/**", "abc/def/ghi", EXACT },
	{ "**/.foo", ".foo", EXACT },
	{ "**/.foo", "bar.foo", FAIL },
	{ "a(b)c/def", "a(b)c/def", EXACT },
	{ "a(b)c/def", "a(b)c/xyz", FAIL },
	{ "a.|)$(}+{bc", "a.|)$(}+{bc", EXACT },
	{ "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
	  "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", EXACT },
	{ "dist/*.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", EXACT },
	{ "a\\\\", "a\\", EXACT },
	{ "a\\*b", "a*b", EXACT },
};

static struct cc_ignore *compile1(const char *pattern)
{
	struct cc_ignore *m = NULL;
	cc_error *e = NULL;
	const char *p[] = { pattern };
	if (cc_ignore_new(p, 1, &m, &e) < 0) {
		fprintf(stderr, "pattern '%s': %s\n", pattern, e->msg);
		cc_error_free(e);
		fail();
	}
	return m;
}

static void test_matches_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(matches_table) / sizeof(matches_table[0]); i++) {
		const struct single *t = &matches_table[i];
		struct cc_ignore *m = compile1(t->pattern);
		bool exact = cc_ignore_matches_exact(m, t->text);
		bool parent = cc_ignore_matches(m, t->text);
		if (exact != (t->want == EXACT) || parent != (t->want != FAIL)) {
			fprintf(stderr, "pattern '%s' text '%s': exact=%d parent=%d, want %d\n", t->pattern, t->text, exact,
				parent, t->want);
			fail();
		}
		cc_ignore_free(m);
	}
}

struct multi {
	const char *patterns[4];
	const char *text;
	bool match;
};

static const struct multi multi_table[] = {
	{ { "**", "!util/docker/web" }, "util/docker/web/foo", false },
	{ { "**", "!util/docker/web", "util/docker/web/foo" }, "util/docker/web/foo", true },
	{ { "**", "!dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl" },
	  "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", false },
	{ { "**", "!dist/*.whl" }, "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", false },
	/* the single-function tests at the top of patternmatcher_test.go */
	{ { "*" }, "fileutils.go", true },
	{ { "*.go" }, "fileutils.go", true },
	{ { "!fileutils.go", "*.go" }, "fileutils.go", true },
	{ { "docs", "!docs/README.md" }, "docs/README.md", false },
	{ { "docs/", "!docs/README.md" }, "docs/README.md", false },
	{ { "docs/*", "!docs/README.md" }, "docs/README.md", false },
	{ { "*.go", "!fileutils.go" }, "fileutils.go", false },
	{ { "  docs", "  !docs/README.md  " }, "docs/README.md", false },
	/* "exclude everything but" (buildah#3272) */
	{ { "**", "!keep", "!keep/**" }, "keep/sub/file", false },
	{ { "**", "!keep", "!keep/**" }, "other/file", true },
	{ { "*", "!src" }, "src/main.c", false },
	{ { "*", "!src" }, "README", true },
	/* a directory pattern covers what is below it */
	{ { "node_modules" }, "node_modules/x/y.js", true },
	{ { "build/" }, "build/out.o", true },
	{ { "*/temp*" }, "somedir/temporary.txt", true },
	{ { "*/temp*" }, "temp", false },
	{ { "*/*/temp*" }, "somedir/subdir/temporary.txt", true },
	{ { "temp?" }, "tempa", true },
	{ { "temp?" }, "temp/", false },
};

static void test_multi(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(multi_table) / sizeof(multi_table[0]); i++) {
		const struct multi *t = &multi_table[i];
		size_t n = 0;
		while (n < 4 && t->patterns[n])
			n++;
		struct cc_ignore *m = NULL;
		cc_error *e = NULL;
		assert_int_equal(cc_ignore_new(t->patterns, n, &m, &e), 0);
		if (cc_ignore_matches(m, t->text) != t->match) {
			fprintf(stderr, "case %zu ('%s' ...) text '%s': want %d\n", i, t->patterns[0], t->text, t->match);
			fail();
		}
		cc_ignore_free(m);
	}
}

struct gomatch {
	const char *pattern, *s;
	bool match, bad;
};

/* Go's filepath.Match cases as patternmatcher_test.go TestMatch runs them */
static const struct gomatch go_table[] = {
	{ "abc", "abc", true, false },
	{ "*", "abc", true, false },
	{ "*c", "abc", true, false },
	{ "a*", "a", true, false },
	{ "a*", "abc", true, false },
	{ "a*", "ab/c", true, false },
	{ "a*/b", "abc/b", true, false },
	{ "a*/b", "a/c/b", false, false },
	{ "a*b*c*d*e*/f", "axbxcxdxe/f", true, false },
	{ "a*b*c*d*e*/f", "axbxcxdxexxx/f", true, false },
	{ "a*b*c*d*e*/f", "axbxcxdxe/xxx/f", false, false },
	{ "a*b*c*d*e*/f", "axbxcxdxexxx/fff", false, false },
	{ "a*b?c*x", "abxbbxdbxebxczzx", true, false },
	{ "a*b?c*x", "abxbbxdbxebxczzy", false, false },
	{ "ab[c]", "abc", true, false },
	{ "ab[b-d]", "abc", true, false },
	{ "ab[e-g]", "abc", false, false },
	{ "ab[^c]", "abc", false, false },
	{ "ab[^b-d]", "abc", false, false },
	{ "ab[^e-g]", "abc", true, false },
	{ "a\\*b", "a*b", true, false },
	{ "a\\*b", "ab", false, false },
	{ "a?b", "a\xe2\x98\xba" "b", true, false },
	{ "a[^a]b", "a\xe2\x98\xba" "b", true, false },
	{ "a???b", "a\xe2\x98\xba" "b", false, false },
	{ "a[^a][^a][^a]b", "a\xe2\x98\xba" "b", false, false },
	{ "[a-\xce\xb6]*", "\xce\xb1", true, false },
	{ "*[a-\xce\xb6]", "A", false, false },
	{ "a?b", "a/b", false, false },
	{ "a*b", "a/b", false, false },
	{ "[\\]a]", "]", true, false },
	{ "[\\-]", "-", true, false },
	{ "[x\\-]", "x", true, false },
	{ "[x\\-]", "-", true, false },
	{ "[x\\-]", "z", false, false },
	{ "[\\-x]", "x", true, false },
	{ "[\\-x]", "-", true, false },
	{ "[\\-x]", "a", false, false },
	{ "[]a]", "]", false, true },
	{ "[-]", "-", false, true },
	{ "[x-]", "x", false, true },
	{ "[x-]", "-", false, true },
	{ "[x-]", "z", false, true },
	{ "[-x]", "x", false, true },
	{ "[-x]", "-", false, true },
	{ "[-x]", "a", false, true },
	{ "\\", "a", false, true },
	{ "[a-b-c]", "a", false, true },
	{ "[", "a", false, true },
	{ "[^", "a", false, true },
	{ "[^bc", "a", false, true },
	{ "a[", "a", false, true },
	{ "a[", "ab", false, true },
	{ "*x", "xxx", true, false },
};

static void test_go_match(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(go_table) / sizeof(go_table[0]); i++) {
		const struct gomatch *t = &go_table[i];
		struct cc_ignore *m = NULL;
		cc_error *e = NULL;
		const char *p[] = { t->pattern };
		int r = cc_ignore_new(p, 1, &m, &e);
		if (t->bad) {
			if (r == 0) {
				fprintf(stderr, "pattern '%s' should be a syntax error\n", t->pattern);
				fail();
			}
			assert_int_equal(e->kind, CC_ERR_INVALID);
			cc_error_free(e);
			continue;
		}
		if (r < 0) {
			fprintf(stderr, "pattern '%s': %s\n", t->pattern, e->msg);
			fail();
		}
		if (cc_ignore_matches(m, t->s) != t->match) {
			fprintf(stderr, "pattern '%s' text '%s': want %d\n", t->pattern, t->s, t->match);
			fail();
		}
		cc_ignore_free(m);
	}
}

static void test_errors(void **state)
{
	(void)state;
	struct cc_ignore *m = NULL;
	cc_error *e = NULL;
	const char *bang[] = { "!" };
	assert_int_not_equal(cc_ignore_new(bang, 1, &m, &e), 0);
	assert_non_null(strstr(e->msg, "illegal exclusion pattern"));
	cc_error_clear(&e);
	/* empty patterns are dropped; no patterns match nothing */
	const char *empty[] = { "", "   " };
	assert_int_equal(cc_ignore_new(empty, 2, &m, &e), 0);
	assert_int_equal(cc_ignore_count(m), 0);
	assert_false(cc_ignore_matches(m, "any/path/there"));
	assert_false(cc_ignore_has_exceptions(m));
	cc_ignore_free(m);
	const char *ex[] = { "docs", "!docs/README.md" };
	assert_int_equal(cc_ignore_new(ex, 2, &m, &e), 0);
	assert_true(cc_ignore_has_exceptions(m));
	cc_ignore_free(m);
}

/* ignorefile.ReadAll: comments, blanks, BOM, "!" spacing, leading "/",
 * cleaning (ignorefile_test.go plus the docs' examples). */
static void test_read_all(void **state)
{
	(void)state;
	static const char text[] = "\xef\xbb\xbf"
				   "test1\n"
				   "/test2\n"
				   "/a/file/here\n"
				   "\n"
				   "lastfile\n"
				   "# this is a comment\n"
				   "! /inverted/abs/path\n"
				   "!\n"
				   "! \n";
	struct cc_ignore *m = NULL;
	cc_error *e = NULL;
	/* "!" alone is an error, as in docker */
	assert_int_not_equal(cc_ignore_parse(text, sizeof(text) - 1, &m, &e), 0);
	cc_error_clear(&e);
	static const char ok[] = "\xef\xbb\xbf"
				 "test1\r\n"
				 "/test2\n"
				 "/a/file/here\n"
				 "\n"
				 "lastfile\n"
				 "# this is a comment\n"
				 " # not a comment: leading space\n"
				 "! /inverted/abs/path\n"
				 "dir/./sub/../x//y/\n";
	assert_int_equal(cc_ignore_parse(ok, sizeof(ok) - 1, &m, &e), 0);
	static const char *const want[] = { "test1", "test2", "a/file/here", "lastfile", "# not a comment: leading space",
					    "!inverted/abs/path", "dir/x/y" };
	assert_int_equal(cc_ignore_count(m), sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_string_equal(cc_ignore_pattern(m, i), want[i]);
	assert_true(cc_ignore_matches(m, "test2"));
	assert_true(cc_ignore_matches(m, "a/file/here/below"));
	assert_false(cc_ignore_matches(m, "inverted/abs/path"));
	cc_ignore_free(m);
}

/* Many stars: the matcher is linear in the path (as Go's RE2 is).  The
 * backtracking one tried every way to split the name between the stars:
 * for the misses below, C(60, 20) ways, which never finished.  (Found by
 * fuzz-ignore; its input is tests/fuzz/regress/ignore.) */
static void test_many_stars(void **state)
{
	(void)state;
	char pat[128] = "", name[128] = "", deep[256] = "";
	for (int i = 0; i < 20; i++)
		memcpy(pat + 2 * i, "*a", 2);
	memcpy(pat + 40, "*b", 3);
	memset(name, 'a', 60);
	struct cc_ignore *m = NULL;
	cc_error *e = NULL;
	const char *pats[] = { pat };
	assert_int_equal(cc_ignore_new(pats, 1, &m, &e), 0);
	assert_false(cc_ignore_matches(m, name));
	name[60] = 'b';
	assert_true(cc_ignore_matches_exact(m, name));
	name[30] = '/'; /* a star does not cross a "/" */
	assert_false(cc_ignore_matches_exact(m, name));
	cc_ignore_free(m);

	/* the same with "**" (any directories) and a miss at the end */
	const char *pats2[] = { "**/a**/a**/a**/a**/a**/a**/a**/a**/a**/a**/a**/a**/c" };
	assert_int_equal(cc_ignore_new(pats2, 1, &m, &e), 0);
	for (int i = 0; i < 40; i++)
		memcpy(deep + 2 * i, "a/", 2);
	deep[80] = 'b';
	assert_false(cc_ignore_matches(m, deep));
	deep[strlen(deep) - 1] = 'c';
	assert_true(cc_ignore_matches(m, deep));
	cc_ignore_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matches_table),
		cmocka_unit_test(test_multi),
		cmocka_unit_test(test_go_match),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_read_all),
		cmocka_unit_test(test_many_stars),
	};
	return cmocka_run_group_tests_name("ignore", tests, NULL, NULL);
}
