/* Unit tests for the events log (lib/store/events.c): append and read
 * back, rotation at the cap, concurrent appends, untrusted lines, filters,
 * and the --since/--until values `events` takes. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "store/store.h"
#include "util/util.h"

static int setup(void **state)
{
	char *dir = strdup("/tmp/cc-events-test-XXXXXX");
	if (dir == NULL || mkdtemp(dir) == NULL)
		return -1;
	unsetenv("CCONTAINER_EVENTS_MAX_SIZE");
	*state = dir;
	return 0;
}

static int teardown(void **state)
{
	cc_error *e = NULL;
	(void)cc_rm_rf(*state, &e);
	cc_error_free(e);
	free(*state);
	unsetenv("CCONTAINER_EVENTS_MAX_SIZE");
	return 0;
}

static void append(const char *dir, const char *type, const char *action, const char *id, const char *const *attrs)
{
	cc_error *e = NULL;
	int rc = cc_events_append(dir, type, action, id, attrs, &e);
	if (rc < 0)
		print_error("append: %s\n", e->msg);
	assert_int_equal(rc, 0);
}

/* Every event the log has now, from the start. */
static size_t read_all(const char *dir, json_t **out, size_t max)
{
	struct cc_events_reader *r = NULL;
	cc_error *e = NULL;
	assert_int_equal(cc_events_reader_open(dir, true, false, &r, &e), 0);
	size_t n = 0;
	json_t *ev;
	int rc;
	while ((rc = cc_events_reader_next(r, &ev, &e)) == 1) {
		if (n < max)
			out[n] = ev;
		else
			json_decref(ev);
		n++;
	}
	assert_int_equal(rc, 0);
	cc_events_reader_free(r);
	return n;
}

static const char *str(const json_t *ev, const char *path)
{
	/* "Actor.Attributes.name" */
	char buf[128];
	snprintf(buf, sizeof(buf), "%s", path);
	const json_t *j = ev;
	for (char *save = NULL, *k = strtok_r(buf, ".", &save); k; k = strtok_r(NULL, ".", &save))
		j = json_object_get(j, k);
	return json_string_value(j);
}

static void test_round_trip(void **state)
{
	const char *dir = *state;
	append(dir, "image", "pull", "alpine:latest", (const char *[]){ "name", "alpine", NULL });
	append(dir, "container", "die", "abc123",
	       (const char *[]){ "exitCode", "3", "image", "alpine", "name", "web", "skipped", NULL, NULL });
	json_t *ev[4] = { 0 };
	assert_int_equal(read_all(dir, ev, 4), 2);
	assert_string_equal(str(ev[0], "Type"), "image");
	assert_string_equal(str(ev[0], "Action"), "pull");
	assert_string_equal(str(ev[0], "status"), "pull");
	assert_string_equal(str(ev[0], "id"), "alpine:latest");
	assert_null(json_object_get(ev[0], "from")); /* containers only */
	assert_string_equal(str(ev[0], "Actor.ID"), "alpine:latest");
	assert_string_equal(str(ev[0], "Actor.Attributes.name"), "alpine");
	assert_string_equal(str(ev[0], "scope"), "local");
	json_int_t t = json_integer_value(json_object_get(ev[0], "time"));
	json_int_t tn = json_integer_value(json_object_get(ev[0], "timeNano"));
	assert_true(t > 1600000000);
	assert_true(tn / 1000000000 == t);
	assert_string_equal(str(ev[1], "from"), "alpine");
	assert_string_equal(str(ev[1], "Actor.Attributes.exitCode"), "3");
	assert_null(json_object_get(json_object_get(json_object_get(ev[1], "Actor"), "Attributes"), "skipped"));
	assert_true(json_integer_value(json_object_get(ev[1], "timeNano")) >= tn);
	/* the file is private: events name images and containers */
	char path[256];
	struct stat st;
	snprintf(path, sizeof(path), "%s/events.log", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	json_decref(ev[0]);
	json_decref(ev[1]);
}

static void test_rotation(void **state)
{
	const char *dir = *state;
	setenv("CCONTAINER_EVENTS_MAX_SIZE", "1k", 1);
	char id[32];
	for (int i = 0; i < 100; i++) {
		snprintf(id, sizeof(id), "img%03d", i);
		append(dir, "image", "tag", id, (const char *[]){ "name", "x", NULL });
	}
	char path[256];
	struct stat st;
	snprintf(path, sizeof(path), "%s/events.log.1", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_size >= 1024 && st.st_size < 1024 + 400);
	snprintf(path, sizeof(path), "%s/events.log.2", dir);
	assert_int_equal(stat(path, &st), -1); /* one old generation only */
	snprintf(path, sizeof(path), "%s/events.log", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_size < 1024);
	/* what is kept reads in order, ending with the last one */
	json_t *ev[100] = { 0 };
	size_t n = read_all(dir, ev, 100);
	assert_true(n > 5 && n < 100);
	for (size_t i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "img%03zu", 100 - n + i);
		assert_string_equal(str(ev[i], "Actor.ID"), id);
		json_decref(ev[i]);
	}
}

/* kids processes append each events at once; returns what the log keeps,
 * checked: whole events, each child's in its own order. */
static size_t concurrent_round(const char *dir, int kids, int each, bool *ret_all_last)
{
	/* a long attribute makes lines big enough for writes to interleave
	 * if they could */
	static char big[3000];
	memset(big, 'x', sizeof(big) - 1);
	pid_t pids[16];
	for (int k = 0; k < kids; k++) {
		pids[k] = fork();
		assert_true(pids[k] >= 0);
		if (pids[k] == 0) {
			char id[32];
			for (int i = 0; i < each; i++) {
				snprintf(id, sizeof(id), "k%d-%d", k, i);
				cc_error *e = NULL;
				if (cc_events_append(dir, "image", "tag", id, (const char *[]){ "name", big, NULL }, &e) < 0) {
					fprintf(stderr, "child %d: %s\n", k, e->msg);
					_exit(1);
				}
			}
			_exit(0);
		}
	}
	for (int k = 0; k < kids; k++) {
		int st;
		assert_int_equal(waitpid(pids[k], &st, 0), pids[k]);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	size_t max = (size_t)kids * (size_t)each;
	json_t **ev = calloc(max, sizeof(*ev));
	assert_non_null(ev);
	size_t n = read_all(dir, ev, max);
	assert_true(n > 0 && n <= max);
	int last[16];
	for (int k = 0; k < kids; k++)
		last[k] = -1;
	for (size_t i = 0; i < n; i++) {
		int k, j;
		assert_int_equal(sscanf(str(ev[i], "Actor.ID"), "k%d-%d", &k, &j), 2);
		assert_true(k >= 0 && k < kids && j > last[k]);
		last[k] = j;
		assert_int_equal(strlen(str(ev[i], "Actor.Attributes.name")), sizeof(big) - 1);
		json_decref(ev[i]);
	}
	free(ev);
	*ret_all_last = true;
	for (int k = 0; k < kids; k++)
		*ret_all_last = *ret_all_last && last[k] == each - 1;
	return n;
}

static void test_concurrent(void **state)
{
	const char *dir = *state;
	bool all_last;
	/* under the cap: every line kept, whole */
	setenv("CCONTAINER_EVENTS_MAX_SIZE", "64m", 1);
	assert_int_equal(concurrent_round(dir, 8, 200, &all_last), 8 * 200);
	assert_true(all_last);
	char path[256];
	snprintf(path, sizeof(path), "%s/events.log", dir);
	assert_int_equal(unlink(path), 0);
	/* rotating all the time: still whole lines in order, two files at most */
	setenv("CCONTAINER_EVENTS_MAX_SIZE", "16k", 1);
	size_t n = concurrent_round(dir, 8, 100, &all_last);
	assert_true(n >= 5 && n <= 2 * (16 + 4) * 1024 / 3000);
	snprintf(path, sizeof(path), "%s/events.log.2", dir);
	assert_int_equal(access(path, F_OK), -1);
}

static void test_untrusted_lines(void **state)
{
	const char *dir = *state;
	append(dir, "image", "tag", "one", NULL);
	char path[256];
	snprintf(path, sizeof(path), "%s/events.log", dir);
	FILE *f = fopen(path, "a");
	assert_non_null(f);
	fputs("not json\n", f);
	fputs("{\"Type\":\"image\"}\n", f);                                      /* no Action */
	fputs("{\"Type\":\"image\",\"Action\":\"x\",\"Actor\":{\"ID\":\"a\",\"Attributes\":{\"n\":1}},"
	      "\"time\":1,\"timeNano\":1}\n", f);                                  /* attribute not a string */
	fputs("[1,2]\n", f);
	fputs("\n", f);
	for (int i = 0; i < CC_EVENTS_MAX_LINE + 100; i++) /* a line too long */
		fputc(i == 0 ? '{' : 'x', f);
	fputc('\n', f);
	fclose(f);
	append(dir, "image", "tag", "two", NULL);
	json_t *ev[8] = { 0 };
	assert_int_equal(read_all(dir, ev, 8), 2);
	assert_string_equal(str(ev[0], "Actor.ID"), "one");
	assert_string_equal(str(ev[1], "Actor.ID"), "two");
	json_decref(ev[0]);
	json_decref(ev[1]);
}

static void test_follow(void **state)
{
	const char *dir = *state;
	setenv("CCONTAINER_EVENTS_MAX_SIZE", "600", 1);
	append(dir, "image", "tag", "before", NULL);
	struct cc_events_reader *r = NULL;
	cc_error *e = NULL;
	json_t *ev = NULL;
	/* not past: starts at the end */
	assert_int_equal(cc_events_reader_open(dir, false, true, &r, &e), 0);
	assert_true(cc_events_reader_fd(r) >= 0);
	assert_int_equal(cc_events_reader_next(r, &ev, &e), 0);
	/* through several rotations, nothing is lost when read between appends */
	char id[32];
	for (int i = 0; i < 20; i++) {
		snprintf(id, sizeof(id), "after%d", i);
		append(dir, "image", "tag", id, NULL);
		assert_int_equal(cc_events_reader_next(r, &ev, &e), 1);
		assert_string_equal(str(ev, "Actor.ID"), id);
		json_decref(ev);
		assert_int_equal(cc_events_reader_next(r, &ev, &e), 0);
		cc_events_reader_drain(r);
	}
	/* two appends with a rotation between them, read after both */
	append(dir, "image", "tag", "x1", NULL);
	append(dir, "image", "tag", "x2", NULL);
	append(dir, "image", "tag", "x3", NULL);
	for (int i = 1; i <= 3; i++) {
		snprintf(id, sizeof(id), "x%d", i);
		assert_int_equal(cc_events_reader_next(r, &ev, &e), 1);
		assert_string_equal(str(ev, "Actor.ID"), id);
		json_decref(ev);
	}
	cc_events_reader_free(r);
}

static json_t *mk(const char *type, const char *action, const char *id, const char *const *attrs)
{
	json_t *a = json_object();
	for (size_t i = 0; attrs && attrs[i]; i += 2)
		json_object_set_new(a, attrs[i], json_string(attrs[i + 1]));
	char *line = NULL;
	json_t *ev = json_pack("{s:s, s:s, s:{s:s, s:o}, s:i, s:i}", "Type", type, "Action", action, "Actor", "ID", id,
			       "Attributes", a, "time", 1, "timeNano", 1000000000);
	line = json_dumps(ev, JSON_COMPACT);
	json_decref(ev);
	json_t *out = NULL;
	cc_error *e = NULL;
	assert_int_equal(cc_event_parse(line, strlen(line), &out, &e), 0);
	free(line);
	return out;
}

static bool passes(const json_t *ev, const char *const *filters)
{
	struct cc_events_filter f = { 0 };
	cc_error *e = NULL;
	for (size_t i = 0; filters[i]; i++)
		assert_int_equal(cc_events_filter_add(&f, filters[i], &e), 0);
	bool ok = cc_events_filter_match(&f, ev);
	cc_events_filter_release(&f);
	return ok;
}

#define F(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void test_filters(void **state)
{
	(void)state;
	json_t *pull = mk("image", "pull", "localhost:5000/alpine:latest", F("name", "localhost:5000/alpine"));
	json_t *tag = mk("image", "tag", "sha256:abcd", F("name", "myimg:v1"));
	json_t *die = mk("container", "die", "0123456789ab",
			 F("name", "web", "image", "alpine:3", "exitCode", "0", "com.example", "yes"));
	json_t *exec = mk("container", "exec_start: sh -c true", "0123456789ab", F("name", "web", "image", "alpine"));
	assert_true(passes(pull, F("type=image")));
	assert_false(passes(die, F("type=image")));
	assert_true(passes(die, F("type=image", "type=container"))); /* one key ORs */
	assert_true(passes(tag, F("event=tag")));
	assert_false(passes(tag, F("event=ta")));                    /* exact */
	assert_true(passes(exec, F("event=exec_start")));            /* docker's prefix for exec_* */
	assert_false(passes(tag, F("event=tag", "type=container"))); /* keys AND */
	/* image: the ID, the name, and both without their tag */
	assert_true(passes(pull, F("image=localhost:5000/alpine")));
	assert_true(passes(pull, F("image=localhost:5000/alpine:latest")));
	assert_true(passes(tag, F("image=myimg")));
	assert_true(passes(tag, F("image=sha256:abcd")));
	assert_true(passes(die, F("image=alpine")));
	assert_false(passes(die, F("image=busybox")));
	/* container: name or ID, by prefix */
	assert_true(passes(die, F("container=web")));
	assert_true(passes(die, F("container=0123")));
	assert_false(passes(die, F("container=db")));
	assert_false(passes(tag, F("container=web")));
	/* label: each must hold */
	assert_true(passes(die, F("label=com.example")));
	assert_true(passes(die, F("label=com.example=yes")));
	assert_false(passes(die, F("label=com.example=no")));
	assert_false(passes(die, F("label=com.example", "label=other")));
	assert_true(passes(die, F("scope=local")));
	/* bad filters */
	struct cc_events_filter f = { 0 };
	cc_error *e = NULL;
	assert_true(cc_events_filter_add(&f, "bogus=1", &e) < 0);
	assert_string_equal(e->msg, "invalid filter 'bogus'");
	cc_error_clear(&e);
	assert_true(cc_events_filter_add(&f, "event", &e) < 0);
	cc_error_clear(&e);
	cc_events_filter_release(&f);
	json_decref(pull);
	json_decref(tag);
	json_decref(die);
	json_decref(exec);
}

/* --since/--until: docker's GetTimestamp, as cc_parse_timestamp reads it */
static void test_since_until(void **state)
{
	(void)state;
	int64_t now = 1700000000LL * 1000000000LL, t;
	assert_int_equal(cc_parse_timestamp("10m", now, &t), 0);
	assert_true(t == now - 600LL * 1000000000LL);
	assert_int_equal(cc_parse_timestamp("1h30m", now, &t), 0);
	assert_true(t == now - 5400LL * 1000000000LL);
	assert_int_equal(cc_parse_timestamp("0s", now, &t), 0);
	assert_true(t == now);
	assert_int_equal(cc_parse_timestamp("1700000000.5", now, &t), 0);
	assert_true(t == 1700000000LL * 1000000000LL + 500000000LL);
	assert_int_equal(cc_parse_timestamp("2023-11-14T22:13:20Z", now, &t), 0);
	assert_true(t == now);
	assert_int_equal(cc_parse_timestamp("2023-11-14T22:13:20.25+01:00", now, &t), 0);
	assert_true(t == now - 3600LL * 1000000000LL + 250000000LL);
	assert_true(cc_parse_timestamp("yesterday", now, &t) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rotation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_untrusted_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_follow, setup, teardown),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_since_until),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
