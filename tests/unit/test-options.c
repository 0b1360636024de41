/* The option-table parser (cmd/options.c): docker's (pflag) rules, table-
 * driven over a test verb.  cmd_usagef and friends are stubbed here: the
 * messages are recorded, so each case can check the one it expects. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../cmd/cmd.h"

/* ---- stubs of cmd/main.c ---- */
static char last_msg[512];
static bool last_usage;
const struct cmd_verb cmd_root_verb = { .name = "ccontainer" };
int cmd_usagef(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(last_msg, sizeof(last_msg), fmt, ap);
	va_end(ap);
	last_usage = true;
	return 125;
}
int cmd_failf(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(last_msg, sizeof(last_msg), fmt, ap);
	va_end(ap);
	return code;
}
int cmd_fail_take(cc_error **e, int code)
{
	cc_error_free(*e);
	*e = NULL;
	return code;
}
const cc_error *cmd_last_error(void) { return NULL; }
bool cmd_last_error_was_usage(void) { return last_usage; }
const char *cmd_store_root(void) { return "/nonexistent"; }

/* ---- the test verb ---- */
struct t_opts {
	bool force, interactive, tty, detach, privileged;
	const char *name;
	int64_t time, memory, timeout, pids_limit;
	struct cmd_strv publish, env;
};

static const struct cmd_opt t_options[] = {
	OPT_BOOL('f', "force", struct t_opts, force, "force"),
	OPT_BOOL('i', "interactive", struct t_opts, interactive, "interactive"),
	OPT_BOOL('t', "tty", struct t_opts, tty, "tty"),
	OPT_BOOL('d', "detach", struct t_opts, detach, "detach"),
	OPT_BOOL(0, "privileged", struct t_opts, privileged, "privileged"),
	OPT_STRING(0, "name", struct t_opts, name, "string", "name"),
	OPT_INT(0, "time", struct t_opts, time, "int", "time", .def = "10"),
	OPT_INT(0, "pids-limit", struct t_opts, pids_limit, "int", "pids"),
	OPT_BYTES('m', "memory", struct t_opts, memory, "bytes", "memory"),
	OPT_DURATION(0, "timeout", struct t_opts, timeout, "duration", "timeout"),
	OPT_LIST('p', "publish", struct t_opts, publish, "list", "publish"),
	OPT_LIST('e', "env", struct t_opts, env, "list", "env"),
	OPT_END,
};
static const struct cmd_verb t_verb = {
	.name = "t", .usage = "[OPTIONS] A [B...]", .opts = t_options, .opts_size = sizeof(struct t_opts),
	.min_args = 0, .max_args = -1,
};
static const struct cmd_verb t_stop_verb = {
	.name = "ts", .usage = "[OPTIONS] IMAGE [COMMAND...]", .opts = t_options, .opts_size = sizeof(struct t_opts),
	.flags = CMD_VERB_STOP_AT_ARG, .min_args = 1, .max_args = -1,
};
static int noop_action(void *opts, int argc, char **argv)
{
	(void)opts, (void)argc, (void)argv;
	return 0;
}
static const struct cmd_verb t_two_verb = {
	.name = "t2", .opts = t_options, .opts_size = sizeof(struct t_opts), .min_args = 2, .max_args = 2,
	.action = noop_action,
};
static const struct cmd_verb t_none_verb = {
	.name = "t0", .opts = t_options, .opts_size = sizeof(struct t_opts), .max_args = 0, .action = noop_action,
};
static const struct cmd_verb t_min_verb = {
	.name = "t1", .opts = t_options, .opts_size = sizeof(struct t_opts), .min_args = 1, .max_args = -1,
	.action = noop_action,
};
/* a verb with its own -h (run's --hostname) */
struct h_opts {
	const char *hostname;
};
static const struct cmd_opt h_options[] = {
	OPT_STRING('h', "hostname", struct h_opts, hostname, "string", "hostname"),
	OPT_END,
};
static const struct cmd_verb h_verb = {
	.name = "th", .opts = h_options, .opts_size = sizeof(struct h_opts), .max_args = -1,
};

/* opts and positionals as one line */
static void dump(const struct t_opts *o, char **args, int n, char *out, size_t size)
{
	int k = snprintf(out, size, "f=%d i=%d t=%d d=%d P=%d name=%s time=%lld pids=%lld m=%lld to=%lld p=", o->force,
			 o->interactive, o->tty, o->detach, o->privileged, o->name ? o->name : "-", (long long)o->time,
			 (long long)o->pids_limit, (long long)o->memory, (long long)o->timeout);
	for (size_t i = 0; i < o->publish.n; i++)
		k += snprintf(out + k, size - k, "%s%s", i ? "," : "", o->publish.v[i]);
	k += snprintf(out + k, size - k, " e=");
	for (size_t i = 0; i < o->env.n; i++)
		k += snprintf(out + k, size - k, "%s%s", i ? "," : "", o->env.v[i]);
	k += snprintf(out + k, size - k, " args=");
	for (int i = 0; i < n; i++)
		k += snprintf(out + k, size - k, "%s%s", i ? "," : "", args[i]);
}

struct tcase {
	const struct cmd_verb *verb;
	const char *argv; /* space-separated, after the verb name */
	int rc;
	const char *want; /* dump when rc 0; the message when rc 125 */
};

#define D "f=0 i=0 t=0 d=0 P=0 name=- time=10 pids=0 m=0 to=0 p= e="
static const struct tcase cases[] = {
	{ &t_verb, "a b", 0, D " args=a,b" },
	{ &t_verb, "-f a", 0, "f=1 i=0 t=0 d=0 P=0 name=- time=10 pids=0 m=0 to=0 p= e= args=a" },
	{ &t_verb, "a -f", 0, "f=1 i=0 t=0 d=0 P=0 name=- time=10 pids=0 m=0 to=0 p= e= args=a" },
	{ &t_verb, "a --name x b", 0, "f=0 i=0 t=0 d=0 P=0 name=x time=10 pids=0 m=0 to=0 p= e= args=a,b" },
	{ &t_verb, "--name=x a", 0, "f=0 i=0 t=0 d=0 P=0 name=x time=10 pids=0 m=0 to=0 p= e= args=a" },
	{ &t_verb, "-- -f a", 0, D " args=-f,a" },
	{ &t_verb, "a -- --name", 0, D " args=a,--name" },
	{ &t_verb, "-itd", 0, "f=0 i=1 t=1 d=1 P=0 name=- time=10 pids=0 m=0 to=0 p= e= args=" },
	{ &t_verb, "-p8080:80 -p=1:2 --publish 3:4 --publish=5:6", 0,
	  "f=0 i=0 t=0 d=0 P=0 name=- time=10 pids=0 m=0 to=0 p=8080:80,1:2,3:4,5:6 e= args=" },
	{ &t_verb, "-dp 80:80", 0, "f=0 i=0 t=0 d=1 P=0 name=- time=10 pids=0 m=0 to=0 p=80:80 e= args=" },
	{ &t_verb, "--force=true", 0, "f=1 i=0 t=0 d=0 P=0 name=- time=10 pids=0 m=0 to=0 p= e= args=" },
	{ &t_verb, "-f --force=false", 0, D " args=" },
	{ &t_verb, "--force=1", 0, "f=1 i=0 t=0 d=0 P=0 name=- time=10 pids=0 m=0 to=0 p= e= args=" },
	{ &t_verb, "-f --force=0", 0, D " args=" },
	{ &t_verb, "-t=false", 0, D " args=" },
	{ &t_verb, "--force=bad", 125, "invalid argument \"bad\" for \"-f, --force\" flag: not a boolean (true or false)" },
	{ &t_verb, "--time 3 --time=5", 0, "f=0 i=0 t=0 d=0 P=0 name=- time=5 pids=0 m=0 to=0 p= e= args=" },
	{ &t_verb, "-m 64m --timeout 1m30s", 0, "f=0 i=0 t=0 d=0 P=0 name=- time=10 pids=0 m=67108864 to=90000 p= e= args=" },
	{ &t_verb, "-m 1g --timeout 2", 0, "f=0 i=0 t=0 d=0 P=0 name=- time=10 pids=0 m=1073741824 to=2000 p= e= args=" },
	{ &t_verb, "--time x", 125, NULL },
	{ &t_verb, "-m lots", 125, NULL },
	{ &t_verb, "--timeout forever", 125, NULL },
	{ &t_verb, "--nope", 125, "unknown flag: --nope" },
	{ &t_verb, "-Z", 125, "unknown shorthand flag: 'Z' in -Z" },
	{ &t_verb, "--pri", 125, "unknown flag: --pri" },
	{ &t_verb, "--pid 5", 125, "unknown flag: --pid" },
	{ &t_verb, "--name", 125, "flag needs an argument: --name" },
	{ &t_verb, "-p", 125, "flag needs an argument: 'p' in -p" },
	{ &t_verb, "-e A=1 x -e B=2", 0, "f=0 i=0 t=0 d=0 P=0 name=- time=10 pids=0 m=0 to=0 p= e=A=1,B=2 args=x" },
	{ &t_verb, "--help", 1, NULL },
	{ &t_verb, "a -h", 1, NULL },
	{ &t_stop_verb, "-it img sh -c -f", 0, "f=0 i=1 t=1 d=0 P=0 name=- time=10 pids=0 m=0 to=0 p= e= args=img,sh,-c,-f" },
	{ &t_stop_verb, "img --name x", 0, D " args=img,--name,x" },
	{ &t_two_verb, "a -f b", 0, "f=1 i=0 t=0 d=0 P=0 name=- time=10 pids=0 m=0 to=0 p= e= args=a,b" },
};

static int failures;
#undef fail_msg
#define fail_msg(...) (print_error(__VA_ARGS__), print_error("\n"), failures++)

static void run_case(const struct tcase *c)
{
	char buf[256], *argv[32], *save = NULL;
	int argc = 0;
	argv[argc++] = (char *)c->verb->name;
	snprintf(buf, sizeof(buf), "%s", c->argv);
	for (char *w = strtok_r(buf, " ", &save); w && argc < 31; w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	argv[argc] = NULL;
	struct t_opts o;
	memset(&o, 0, sizeof(o));
	char **args = NULL, path[64];
	int n = 0;
	snprintf(path, sizeof(path), "ccontainer %s", c->verb->name);
	last_msg[0] = '\0';
	last_usage = false;
	FILE *saved = stdout;
	stdout = fopen("/dev/null", "w"); /* help text */
	int rc = cmd_parse(c->verb, path, argc, argv, &o, &args, &n);
	fclose(stdout);
	stdout = saved;
	char got[512];
	if (rc != c->rc)
		fail_msg("'%s': rc %d, want %d (message: %s)", c->argv, rc, c->rc, last_msg);
	if (rc == 0) {
		dump(&o, args, n, got, sizeof(got));
		if (strcmp(got, c->want) != 0)
			fail_msg("'%s':\n got  %s\n want %s", c->argv, got, c->want);
	} else if (rc == 125 && c->want && strcmp(last_msg, c->want) != 0) {
		fail_msg("'%s': message\n got  %s\n want %s", c->argv, last_msg, c->want);
	}
	cmd_opts_release(c->verb, &o);
	free(args);
}

static void test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
	assert_int_equal(failures, 0);
}

static void run_count(const struct cmd_verb *v, int argc, char **argv, int want_rc, const char *want)
{
	last_msg[0] = '\0';
	char path[64];
	snprintf(path, sizeof(path), "ccontainer %s", v->name);
	int rc = cmd_verb_run(v, path, argc, argv);
	assert_int_equal(rc, want_rc);
	if (want)
		assert_string_equal(last_msg, want);
}

static void test_arg_counts(void **state)
{
	(void)state;
	char *one[] = { (char *)"t2", (char *)"a", NULL }, *three[] = { (char *)"t2", (char *)"a", (char *)"b", (char *)"c", NULL }, *two[] = { (char *)"t2", (char *)"a", (char *)"-f", (char *)"b", NULL };
	run_count(&t_two_verb, 2, one, 125, "\"ccontainer t2\" requires exactly 2 arguments.");
	run_count(&t_two_verb, 4, three, 125, "\"ccontainer t2\" requires exactly 2 arguments.");
	run_count(&t_two_verb, 4, two, 0, NULL);
	char *z[] = { (char *)"t0", (char *)"x", NULL };
	run_count(&t_none_verb, 2, z, 125, "\"ccontainer t0\" accepts no arguments.");
	char *m[] = { (char *)"t1", (char *)"-f", NULL };
	run_count(&t_min_verb, 2, m, 125, "\"ccontainer t1\" requires at least 1 argument.");
}

static void test_own_h(void **state)
{
	(void)state;
	char *argv[] = { (char *)"th", (char *)"-h", (char *)"box", (char *)"x", NULL };
	struct h_opts o = { 0 };
	char **args = NULL;
	int n = 0;
	assert_int_equal(cmd_parse(&h_verb, "ccontainer th", 4, argv, &o, &args, &n), 0);
	assert_string_equal(o.hostname, "box");
	assert_int_equal(n, 1);
	free(args);
	char *help[] = { (char *)"th", (char *)"--help", NULL };
	FILE *saved = stdout;
	stdout = fopen("/dev/null", "w");
	int rc = cmd_parse(&h_verb, "ccontainer th", 2, help, &o, &args, &n);
	fclose(stdout);
	stdout = saved;
	assert_int_equal(rc, 1);
	free(args);
}

static void test_values(void **state)
{
	(void)state;
	int64_t v = 0;
	assert_int_equal(cmd_parse_bytes("--m", "512", &v), 0);
	assert_int_equal(v, 512);
	assert_int_equal(cmd_parse_bytes("--m", "10k", &v), 0);
	assert_int_equal(v, 10240);
	assert_int_equal(cmd_parse_bytes("--m", "-1", &v) != 0 || v == -1, 1);
	assert_int_equal(cmd_parse_duration("--t", "1.5s", &v), 0);
	assert_int_equal(v, 1500);
	assert_int_equal(cmd_parse_duration("--t", "1h30m", &v), 0);
	assert_int_equal(v, 5400000);
	assert_int_equal(cmd_parse_duration("--t", "10", &v), 0);
	assert_int_equal(v, 10000);
	assert_int_equal(cmd_parse_duration("--t", "3x", &v), 125);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_arg_counts),
		cmocka_unit_test(test_own_h),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
