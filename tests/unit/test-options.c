/* Unit tests for cmd/options.c: the parser's rules (docker's, spf13/pflag)
 * over a test verb's table, and the value parsers (bytes, durations).
 * The error helpers options.c takes from cmd/main.c are stubbed here: they
 * keep the last message for the cases to check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../cmd/cmd.h"

/* ---- stubs for what options.c uses from cmd/main.c ---- */

static char last_msg[512];
static bool last_usage;
static bool have_error;

static int stub_record(bool usage, const char *fmt, va_list ap)
{
	vsnprintf(last_msg, sizeof(last_msg), fmt, ap);
	last_usage = usage;
	have_error = true;
	return EXIT_CC_ERROR;
}

int cmd_usagef(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = stub_record(true, fmt, ap);
	va_end(ap);
	return rc;
}

int cmd_failf(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	stub_record(false, fmt, ap);
	va_end(ap);
	return code;
}

int cmd_fail_take(cc_error **e, int code)
{
	snprintf(last_msg, sizeof(last_msg), "%s", *e != NULL && (*e)->msg ? (*e)->msg : "unknown error");
	last_usage = false;
	have_error = true;
	cc_error_clear(e);
	return code;
}

const cc_error *cmd_last_error(void)
{
	return NULL;
}

bool cmd_last_error_was_usage(void)
{
	return last_usage;
}

const char *cmd_store_root(void)
{
	return "/nonexistent/ccontainer-test-options";
}

static const struct cmd_entry root_entries[] = { { NULL, NULL, false } };
const struct cmd_verb cmd_root_verb = { .name = "ccontainer", .summary = "test", .sub = root_entries };

static FILE *devnull;

static void reset_error(void)
{
	last_msg[0] = '\0';
	last_usage = false;
	have_error = false;
}

/* ---- the test verbs ---- */

struct t_opts {
	bool interactive, tty, detach, privileged, rm;
	const char *name, *pid, *format, *level;
	int64_t pids_limit, count, memory, timeout;
	struct cmd_strv publish, env, label;
	const char *hostname;
};

static int level_cb(void *opts, const char *arg)
{
	if (strcmp(arg, "debug") != 0 && strcmp(arg, "info") != 0)
		return cmd_usagef("bad level \"%s\"", arg);
	((struct t_opts *)opts)->level = arg;
	return 0;
}

#define COMMON_OPTS                                                                                          \
	OPT_BOOL('i', "interactive", struct t_opts, interactive, "Keep STDIN open"),                         \
	OPT_BOOL('t', "tty", struct t_opts, tty, "Allocate a pseudo-TTY"),                                   \
	OPT_BOOL('d', "detach", struct t_opts, detach, "Run in the background"),                             \
	OPT_BOOL(0, "privileged", struct t_opts, privileged, "Extended privileges"),                         \
	OPT_BOOL(0, "rm", struct t_opts, rm, "Remove when it exits"),                                        \
	OPT_STRING('n', "name", struct t_opts, name, "string", "A name"),                                    \
	OPT_STRING(0, "pid", struct t_opts, pid, "string", "PID namespace"),                                 \
	OPT_INT(0, "pids-limit", struct t_opts, pids_limit, "int", "PIDs limit"),                            \
	OPT_INT('c', "count", struct t_opts, count, "int", "A count", .def = "5"),                           \
	OPT_STRING(0, "format", struct t_opts, format, "string", "Format", .def = "table"),                  \
	OPT_LIST('p', "publish", struct t_opts, publish, "list", "Publish a port"),                          \
	OPT_LIST('e', "env", struct t_opts, env, "list", "Set a variable"),                                  \
	OPT_MAP('l', "label", struct t_opts, label, "map", "Set a label"),                                   \
	OPT_BYTES('m', "memory", struct t_opts, memory, "bytes", "Memory limit"),                            \
	OPT_DURATION(0, "timeout", struct t_opts, timeout, "duration", "Timeout", .def = "10"),              \
	OPT_CALLBACK(0, "level", level_cb, "string", "A level", .def = "info")

static const struct cmd_opt t_options[] = {
	COMMON_OPTS,
	OPT_END,
};

static const struct cmd_opt h_options[] = {
	COMMON_OPTS,
	OPT_STRING('h', "hostname", struct t_opts, hostname, "string", "Container host name"),
	OPT_END,
};

static int t_action(void *opts, int argc, char **argv)
{
	(void)opts;
	(void)argc;
	(void)argv;
	return 0;
}

/* flags anywhere */
static const struct cmd_verb any_verb = {
	.name = "any", .usage = "[OPTIONS] ARG...", .summary = "flags anywhere", .opts = t_options,
	.opts_size = sizeof(struct t_opts), .max_args = -1, .action = t_action,
};
/* run, exec: flags end at the first positional */
static const struct cmd_verb stop_verb = {
	.name = "stop", .usage = "[OPTIONS] IMAGE [COMMAND] [ARG...]", .summary = "flags before the image",
	.opts = t_options, .opts_size = sizeof(struct t_opts), .flags = CMD_VERB_STOP_AT_ARG, .max_args = -1,
	.action = t_action,
};
/* -h is the verb's own (run -h HOSTNAME) */
static const struct cmd_verb h_verb = {
	.name = "hverb", .usage = "[OPTIONS] ARG...", .summary = "-h is --hostname", .opts = h_options,
	.opts_size = sizeof(struct t_opts), .flags = CMD_VERB_STOP_AT_ARG, .max_args = -1, .action = t_action,
};
/* no table at all */
static const struct cmd_verb bare_verb = {
	.name = "bare", .usage = "ARG...", .summary = "no options", .max_args = -1, .action = t_action,
};

/* ---- the cases ---- */

static void strv_dump(char *buf, size_t len, const char *key, const struct cmd_strv *l)
{
	size_t at = strlen(buf);
	at += (size_t)snprintf(buf + at, len - at, " %s=[", key);
	for (size_t i = 0; i < l->n && at < len; i++)
		at += (size_t)snprintf(buf + at, len - at, "%s%s", i ? "," : "", l->v[i]);
	if (at < len)
		snprintf(buf + at, len - at, "]");
	if (l->n > 0)
		assert_null(l->v[l->n]);
}

/* The parsed options as "key=value" words, for the cases to look into. */
static void dump(const struct t_opts *o, char *buf, size_t len)
{
	snprintf(buf, len,
		 "i=%d t=%d d=%d privileged=%d rm=%d name=%s pid=%s format=%s level=%s pids-limit=%lld count=%lld "
		 "memory=%lld timeout=%lld hostname=%s",
		 o->interactive, o->tty, o->detach, o->privileged, o->rm, o->name ? o->name : "-",
		 o->pid ? o->pid : "-", o->format ? o->format : "-", o->level ? o->level : "-",
		 (long long)o->pids_limit, (long long)o->count, (long long)o->memory, (long long)o->timeout,
		 o->hostname ? o->hostname : "-");
	strv_dump(buf, len, "p", &o->publish);
	strv_dump(buf, len, "e", &o->env);
	strv_dump(buf, len, "l", &o->label);
}

/* Is each space-separated word of want a word of got? */
static bool has_words(const char *got, const char *want)
{
	char w[128];
	for (const char *p = want; *p != '\0';) {
		while (*p == ' ')
			p++;
		size_t n = strcspn(p, " ");
		if (n == 0)
			break;
		snprintf(w, sizeof(w), "%.*s", (int)n, p);
		p += n;
		bool found = false;
		size_t wl = strlen(w);
		for (const char *g = got; (g = strstr(g, w)) != NULL; g++) {
			if ((g == got || g[-1] == ' ') && (g[wl] == ' ' || g[wl] == '\0')) {
				found = true;
				break;
			}
		}
		if (!found)
			return false;
	}
	return true;
}

struct pcase {
	const struct cmd_verb *verb;
	const char *argv; /* space-separated, after the verb's name; "''" is an empty word */
	int rc;           /* 0, 1 (help) or 125 */
	const char *args; /* the positionals joined by '|' (rc 0) */
	const char *opts; /* words of dump() that must be there (rc 0) */
	const char *err;  /* a substring of the message (rc 125) */
};

#define V_ANY &any_verb
#define V_STOP &stop_verb
#define V_H &h_verb
#define V_BARE &bare_verb

static const struct pcase cases[] = {
	/* positionals and flags in every order */
	{ V_ANY, "", 0, "", "i=0 t=0 d=0 name=- count=5 format=table timeout=10000 level=info p=[] e=[] l=[]", NULL },
	{ V_ANY, "a b", 0, "a|b", "i=0 name=-", NULL },
	{ V_ANY, "-i a b", 0, "a|b", "i=1", NULL },
	{ V_ANY, "a -i b", 0, "a|b", "i=1", NULL },
	{ V_ANY, "a b -i", 0, "a|b", "i=1", NULL },
	{ V_ANY, "--name x a", 0, "a", "name=x", NULL },
	{ V_ANY, "a --name x", 0, "a", "name=x", NULL },
	{ V_ANY, "a --name x b -t", 0, "a|b", "name=x t=1", NULL },
	{ V_ANY, "-n x a -n y", 0, "a", "name=y", NULL }, /* the last one wins */
	{ V_ANY, "- a", 0, "-|a", "", NULL },           /* "-" is a positional (stdin) */
	{ V_ANY, "''", 0, "", "", NULL },               /* an empty word too */
	/* -- ends the flags */
	{ V_ANY, "-- -i --name", 0, "-i|--name", "i=0 name=-", NULL },
	{ V_ANY, "a -- -i", 0, "a|-i", "i=0", NULL },
	{ V_ANY, "-t -- --help", 0, "--help", "t=1", NULL },
	{ V_ANY, "--name -- a", 0, "a", "name=--", NULL }, /* a value may be "--" */
	{ V_ANY, "--", 0, "", "", NULL },
	/* bundles, attached values, = */
	{ V_ANY, "-itd a", 0, "a", "i=1 t=1 d=1", NULL },
	{ V_ANY, "-dit", 0, "", "i=1 t=1 d=1", NULL },
	{ V_ANY, "-p8080:80 a", 0, "a", "p=[8080:80]", NULL },
	{ V_ANY, "-p=8080:80", 0, "", "p=[8080:80]", NULL },
	{ V_ANY, "-p 8080:80", 0, "", "p=[8080:80]", NULL },
	{ V_ANY, "-itp 8080:80 a", 0, "a", "i=1 t=1 p=[8080:80]", NULL },
	{ V_ANY, "-itp8080:80 a", 0, "a", "i=1 t=1 p=[8080:80]", NULL },
	{ V_ANY, "-nfoo", 0, "", "name=foo", NULL },
	{ V_ANY, "-n=foo", 0, "", "name=foo", NULL },
	{ V_ANY, "-n -i", 0, "", "name=-i i=0", NULL }, /* a value may start with - */
	{ V_ANY, "--name=foo", 0, "", "name=foo", NULL },
	{ V_ANY, "--name=", 0, "", "name=", NULL },
	{ V_ANY, "--name=a=b", 0, "", "name=a=b", NULL },
	{ V_ANY, "--name --x", 0, "", "name=--x", NULL },
	{ V_ANY, "--pids-limit=100 --pid host", 0, "", "pids-limit=100 pid=host", NULL },
	{ V_ANY, "--pids-limit -1", 0, "", "pids-limit=-1", NULL },
	/* booleans */
	{ V_ANY, "--privileged", 0, "", "privileged=1", NULL },
	{ V_ANY, "--privileged=true", 0, "", "privileged=1", NULL },
	{ V_ANY, "--privileged=false", 0, "", "privileged=0", NULL },
	{ V_ANY, "--privileged=1", 0, "", "privileged=1", NULL },
	{ V_ANY, "--privileged=0", 0, "", "privileged=0", NULL },
	{ V_ANY, "--privileged=t", 0, "", "privileged=1", NULL },
	{ V_ANY, "--privileged=F", 0, "", "privileged=0", NULL },
	{ V_ANY, "--privileged=TRUE", 0, "", "privileged=1", NULL },
	{ V_ANY, "--privileged true", 0, "true", "privileged=1", NULL }, /* no = : true is a positional */
	{ V_ANY, "--privileged --privileged=false", 0, "", "privileged=0", NULL },
	{ V_ANY, "--privileged=bad", 125, NULL, NULL, "invalid argument \"bad\" for \"--privileged\" flag" },
	{ V_ANY, "--privileged=yes", 125, NULL, NULL, "not a boolean" },
	{ V_ANY, "--privileged=", 125, NULL, NULL, "not a boolean" },
	{ V_ANY, "-t=false", 0, "", "t=0", NULL },
	{ V_ANY, "-t=true", 0, "", "t=1", NULL },
	{ V_ANY, "-t=0", 0, "", "t=0", NULL },
	{ V_ANY, "-it=false", 0, "", "i=1 t=0", NULL },
	{ V_ANY, "-t=maybe", 125, NULL, NULL, "invalid argument \"maybe\" for \"-t, --tty\" flag" },
	/* unknown flags */
	{ V_ANY, "--bogus", 125, NULL, NULL, "unknown flag: --bogus" },
	{ V_ANY, "a --bogus=1 b", 125, NULL, NULL, "unknown flag: --bogus=1" },
	{ V_ANY, "-x", 125, NULL, NULL, "unknown shorthand flag: 'x' in -x" },
	{ V_ANY, "-ixt", 125, NULL, NULL, "unknown shorthand flag: 'x' in -ixt" },
	{ V_ANY, "---", 125, NULL, NULL, "unknown flag: ---" },
	/* no prefixes: exact long names only */
	{ V_ANY, "--pri", 125, NULL, NULL, "unknown flag: --pri" },
	{ V_ANY, "--privilege", 125, NULL, NULL, "unknown flag: --privilege" },
	{ V_ANY, "--pids 5", 125, NULL, NULL, "unknown flag: --pids" },
	{ V_ANY, "--pid-limit 5", 125, NULL, NULL, "unknown flag: --pid-limit" },
	{ V_ANY, "--pid host", 0, "", "pid=host pids-limit=0", NULL },
	{ V_ANY, "--he", 125, NULL, NULL, "unknown flag: --he" },
	{ V_ANY, "--Name x", 125, NULL, NULL, "unknown flag: --Name" },
	/* missing values */
	{ V_ANY, "--name", 125, NULL, NULL, "flag needs an argument: --name" },
	{ V_ANY, "a --pids-limit", 125, NULL, NULL, "flag needs an argument: --pids-limit" },
	{ V_ANY, "-n", 125, NULL, NULL, "flag needs an argument: 'n' in -n" },
	{ V_ANY, "-itn", 125, NULL, NULL, "flag needs an argument: 'n' in -itn" },
	{ V_ANY, "-p", 125, NULL, NULL, "flag needs an argument: 'p' in -p" },
	/* bad values */
	{ V_ANY, "--pids-limit ten", 125, NULL, NULL, "invalid argument \"ten\" for \"--pids-limit\" flag" },
	{ V_ANY, "--pids-limit 1x", 125, NULL, NULL, "not an integer" },
	{ V_ANY, "--pids-limit=", 125, NULL, NULL, "not an integer" },
	{ V_ANY, "--pids-limit 99999999999999999999", 125, NULL, NULL, "value out of range" },
	{ V_ANY, "-c x", 125, NULL, NULL, "invalid argument \"x\" for \"-c, --count\" flag" },
	{ V_ANY, "--level bogus", 125, NULL, NULL, "bad level \"bogus\"" },
	{ V_ANY, "--level debug", 0, "", "level=debug", NULL },
	{ V_ANY, "-l =x", 125, NULL, NULL, "not KEY=VALUE" },
	{ V_ANY, "--label=", 125, NULL, NULL, "not KEY=VALUE" },
	/* STOP_AT_ARG: flags end at the first positional */
	{ V_STOP, "-it img sh -c 'x'", 0, "img|sh|-c|'x'", "i=1 t=1", NULL },
	{ V_STOP, "img -it", 0, "img|-it", "i=0 t=0", NULL },
	{ V_STOP, "img --help", 0, "img|--help", "", NULL },
	{ V_STOP, "img -h", 0, "img|-h", "", NULL },
	{ V_STOP, "img --bogus", 0, "img|--bogus", "", NULL },
	{ V_STOP, "img -- x", 0, "img|--|x", "", NULL },
	{ V_STOP, "--name n img --name m", 0, "img|--name|m", "name=n", NULL },
	{ V_STOP, "-- -i img", 0, "-i|img", "i=0", NULL },
	{ V_STOP, "--rm -d img", 0, "img", "rm=1 d=1", NULL },
	{ V_STOP, "--bogus img", 125, NULL, NULL, "unknown flag: --bogus" },
	{ V_STOP, "--help img", 1, NULL, NULL, NULL },
	/* lists accumulate, in order */
	{ V_ANY, "-p 1:1 --publish 2:2 -p3:3 --publish=4:4 -p=5:5", 0, "", "p=[1:1,2:2,3:3,4:4,5:5]", NULL },
	{ V_ANY, "-e A=1 x -e B -p 1:1", 0, "x", "e=[A=1,B] p=[1:1]", NULL },
	{ V_ANY, "-l a=b --label c -l=d=", 0, "", "l=[a=b,c,d=]", NULL },
	/* defaults applied, then overridden */
	{ V_ANY, "x", 0, "x", "count=5 format=table timeout=10000 level=info", NULL },
	{ V_ANY, "-c 7 --format json --timeout 2m", 0, "", "count=7 format=json timeout=120000", NULL },
	{ V_ANY, "--count=-3 --timeout=500ms", 0, "", "count=-3 timeout=500", NULL },
	{ V_ANY, "--timeout 0", 0, "", "timeout=0", NULL },
	/* bytes */
	{ V_ANY, "-m 512", 0, "", "memory=512", NULL },
	{ V_ANY, "-m 10k", 0, "", "memory=10240", NULL },
	{ V_ANY, "--memory=64m", 0, "", "memory=67108864", NULL },
	{ V_ANY, "-m1g", 0, "", "memory=1073741824", NULL },
	{ V_ANY, "-m 1.5g", 0, "", "memory=1610612736", NULL },
	{ V_ANY, "-m 64MB", 0, "", "memory=67108864", NULL },
	{ V_ANY, "-m bad", 125, NULL, NULL, "invalid argument \"bad\" for \"-m, --memory\" flag" },
	{ V_ANY, "-m 10x", 125, NULL, NULL, "not a size" },
	{ V_ANY, "-m -1", 125, NULL, NULL, "not a size" },
	/* durations */
	{ V_ANY, "--timeout 10", 0, "", "timeout=10000", NULL },
	{ V_ANY, "--timeout 1.5s", 0, "", "timeout=1500", NULL },
	{ V_ANY, "--timeout 1h30m", 0, "", "timeout=5400000", NULL },
	{ V_ANY, "--timeout bad", 125, NULL, NULL, "invalid argument \"bad\" for \"--timeout\" flag" },
	{ V_ANY, "--timeout 5x", 125, NULL, NULL, "not a duration" },
	/* help: --help anywhere, -h unless the verb has its own */
	{ V_ANY, "--help", 1, NULL, NULL, NULL },
	{ V_ANY, "a --help b", 1, NULL, NULL, NULL },
	{ V_ANY, "-h", 1, NULL, NULL, NULL },
	{ V_ANY, "a -h", 1, NULL, NULL, NULL },
	{ V_ANY, "-ih", 1, NULL, NULL, NULL },
	{ V_ANY, "-- --help", 0, "--help", "", NULL },
	{ V_ANY, "--name --help", 0, "", "name=--help", NULL }, /* a value, not the flag */
	{ V_ANY, "--help=true", 1, NULL, NULL, NULL },
	{ V_H, "-h web img", 0, "img", "hostname=web", NULL },
	{ V_H, "-hweb img", 0, "img", "hostname=web", NULL },
	{ V_H, "--hostname=web img", 0, "img", "hostname=web", NULL },
	{ V_H, "--help", 1, NULL, NULL, NULL },
	{ V_H, "-h", 125, NULL, NULL, "flag needs an argument: 'h' in -h" },
	{ V_H, "img --help", 0, "img|--help", "", NULL },
	/* a verb with no table */
	{ V_BARE, "a b", 0, "a|b", "", NULL },
	{ V_BARE, "--help", 1, NULL, NULL, NULL },
	{ V_BARE, "-h", 1, NULL, NULL, NULL },
	{ V_BARE, "-x", 125, NULL, NULL, "unknown shorthand flag: 'x' in -x" },
	{ V_BARE, "--x", 125, NULL, NULL, "unknown flag: --x" },
	{ V_BARE, "-- -x", 0, "-x", "", NULL },
};

/* Split a case's words; "''" is an empty word. */
static int split(const char *verb, const char *s, char **argv, int max, char *buf, size_t len)
{
	snprintf(buf, len, "%s", s);
	int n = 0;
	argv[n++] = (char *)verb;
	char *save = NULL;
	for (char *w = strtok_r(buf, " ", &save); w != NULL && n < max - 1; w = strtok_r(NULL, " ", &save))
		argv[n++] = strcmp(w, "''") == 0 ? w + 2 : w;
	argv[n] = NULL;
	return n;
}

static void run_case(const struct pcase *c)
{
	char buf[512], *argv[64];
	int argc = split(c->verb->name, c->argv, argv, 64, buf, sizeof(buf));
	struct t_opts o;
	memset(&o, 0, sizeof(o));
	char **args = (char **)0x1;
	int n = -1;
	reset_error();
	FILE *saved = stderr; /* "See '... --help'." */
	stderr = devnull;
	int rc = cmd_parse(c->verb, c->verb->name, argc, argv, &o, &args, &n);
	stderr = saved;
	if (rc != c->rc)
		fail_msg("%s %s: rc %d, want %d (%s)", c->verb->name, c->argv, rc, c->rc, last_msg);
	if (rc != 0) {
		assert_null(args);
		assert_int_equal(n, 0);
		if (rc == 125) {
			if (!have_error || !last_usage)
				fail_msg("%s %s: 125 without a usage error", c->verb->name, c->argv);
			if (c->err && strstr(last_msg, c->err) == NULL)
				fail_msg("%s %s: message '%s', want '%s'", c->verb->name, c->argv, last_msg, c->err);
		}
		cmd_opts_release(c->verb, &o);
		return;
	}
	if (have_error)
		fail_msg("%s %s: rc 0 but an error: %s", c->verb->name, c->argv, last_msg);
	assert_non_null(args);
	char got[512] = "";
	for (int i = 0; i < n; i++) {
		size_t at = strlen(got);
		snprintf(got + at, sizeof(got) - at, "%s%s", i ? "|" : "", args[i]);
	}
	assert_null(args[n]);
	if (strcmp(got, c->args) != 0)
		fail_msg("%s %s: args '%s', want '%s'", c->verb->name, c->argv, got, c->args);
	char d[1024];
	dump(&o, d, sizeof(d));
	if (!has_words(d, c->opts))
		fail_msg("%s %s: options '%s', want '%s'", c->verb->name, c->argv, d, c->opts);
	free(args);
	cmd_opts_release(c->verb, &o);
	assert_int_equal(o.publish.n, 0);
	assert_null(o.publish.v);
}

static void test_parse_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
}

/* Positionals point into argv, strings too: nothing is copied. */
static void test_parse_pointers(void **state)
{
	(void)state;
	char a0[] = "any", a1[] = "--name=web", a2[] = "img", a3[] = "-p", a4[] = "1:2";
	char *argv[] = { a0, a1, a2, a3, a4, NULL };
	struct t_opts o = { 0 };
	char **args = NULL;
	int n = 0;
	reset_error();
	assert_int_equal(cmd_parse(&any_verb, "ccontainer any", 5, argv, &o, &args, &n), 0);
	assert_int_equal(n, 1);
	assert_ptr_equal(args[0], a2);
	assert_ptr_equal(o.name, a1 + 7);
	assert_int_equal(o.publish.n, 1);
	assert_ptr_equal(o.publish.v[0], a4);
	free(args);
	cmd_opts_release(&any_verb, &o);
	cmd_opts_release(&any_verb, NULL); /* harmless */
}

/* cmd_verb_run: help is exit 0, a count error 125. */
static int seen_argc = -1;
static int count_action(void *opts, int argc, char **argv)
{
	(void)argv;
	seen_argc = argc;
	return ((struct t_opts *)opts)->count == 5 ? 0 : 3;
}

static void test_verb_run(void **state)
{
	(void)state;
	const struct cmd_verb v = {
		.name = "two", .usage = "A B", .summary = "exactly two", .opts = t_options,
		.opts_size = sizeof(struct t_opts), .min_args = 2, .max_args = 2, .action = count_action,
	};
	char a0[] = "two", a1[] = "x", a2[] = "y", a3[] = "z", h[] = "--help", c[] = "-c3";
	char *ok[] = { a0, a1, a2, NULL }, *three[] = { a0, a1, a2, a3, NULL }, *one[] = { a0, a1, NULL };
	char *help[] = { a0, a1, h, NULL }, *cnt[] = { a0, c, a1, a2, NULL };
	FILE *saved = stdout, *saved_err = stderr;
	stdout = devnull; /* the help */
	stderr = devnull;
	reset_error();
	assert_int_equal(cmd_verb_run(&v, "ccontainer two", 3, ok), 0);
	assert_int_equal(seen_argc, 2);
	seen_argc = -1;
	assert_int_equal(cmd_verb_run(&v, "ccontainer two", 3, help), 0);
	assert_int_equal(seen_argc, -1);
	assert_int_equal(cmd_verb_run(&v, "ccontainer two", 4, cnt), 3);
	reset_error();
	assert_int_equal(cmd_verb_run(&v, "ccontainer two", 4, three), 125);
	assert_non_null(strstr(last_msg, "requires exactly 2 arguments"));
	reset_error();
	assert_int_equal(cmd_verb_run(&v, "ccontainer two", 2, one), 125);
	assert_non_null(strstr(last_msg, "requires exactly 2 arguments"));
	stdout = saved;
	stderr = saved_err;
}

/* ---- the value parsers directly ---- */

struct vcase {
	const char *in;
	int64_t want; /* -1: refused */
};

static void test_parse_bytes(void **state)
{
	(void)state;
	static const struct vcase v[] = {
		{ "0", 0 },
		{ "512", 512 },
		{ "512b", 512 },
		{ "10k", 10240 },
		{ "10K", 10240 },
		{ "10kb", 10240 },
		{ "64m", 64LL << 20 },
		{ "64M", 64LL << 20 },
		{ "64mb", 64LL << 20 },
		{ "64MiB", 64LL << 20 },
		{ "1g", 1LL << 30 },
		{ "1G", 1LL << 30 },
		{ "1.5g", 3LL << 29 },
		{ "0.5k", 512 },
		{ "2t", 2LL << 40 },
		{ "1p", 1LL << 50 },
		{ "", -1 },
		{ "bad", -1 },
		{ "g", -1 },
		{ "10x", -1 },
		{ "10kx", -1 },
		{ "10 k", -1 },
		{ "-1", -1 },
		{ "-1k", -1 },
		{ "1bb", -1 },
		{ "1bib", -1 },
		{ "nan", -1 },
		{ "inf", -1 },
		{ "99999999999p", -1 },
		/* strtod's other spellings are not sizes */
		{ "0x10", -1 },
		{ " 1", -1 },
		{ "1e3", -1 },
		{ "1e3k", -1 },
		{ "+1", -1 },
		{ "infinity", -1 },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		int64_t got = -7;
		reset_error();
		int rc = cmd_parse_bytes("--memory", v[i].in, &got);
		if (v[i].want < 0) {
			if (rc != 125 || !have_error || strstr(last_msg, "for \"--memory\" flag") == NULL)
				fail_msg("bytes '%s': rc %d, got %lld, want refused (%s)", v[i].in, rc, (long long)got,
					 last_msg);
			assert_int_equal(got, -7);
		} else if (rc != 0 || got != v[i].want) {
			fail_msg("bytes '%s': rc %d, got %lld, want %lld", v[i].in, rc, (long long)got,
				 (long long)v[i].want);
		}
	}
}

static void test_parse_duration(void **state)
{
	(void)state;
	static const struct vcase v[] = {
		{ "0", 0 },
		{ "10", 10000 },
		{ "1.5", 1500 },
		{ "1.5s", 1500 },
		{ "10s", 10000 },
		{ "2m", 120000 },
		{ "1h", 3600000 },
		{ "1h30m", 5400000 },
		{ "1m30s", 90000 },
		{ "500ms", 500 },
		{ "1s500ms", 1500 },
		{ "2000us", 2 },
		{ "3000000ns", 3 },
		{ "0s", 0 },
		{ "", -1 },
		{ "bad", -1 },
		{ "s", -1 },
		{ "10x", -1 },
		{ "1h30", -1 },
		{ "-1", -1 },
		{ "-1s", -1 },
		{ "1m-1s", -1 },
		{ "1 s", -1 },
		{ "nan", -1 },
		{ "inf", -1 },
		{ "1e300", -1 },
		{ "1e300h", -1 },
		{ ".5s", 500 },
		{ "0x10", -1 },
		{ "0x10s", -1 },
		{ " 10", -1 },
		{ "1e3", -1 },
		{ "1e3s", -1 },
		{ "1s 2s", -1 },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		int64_t got = -7;
		reset_error();
		int rc = cmd_parse_duration("--time", v[i].in, &got);
		if (v[i].want < 0) {
			if (rc != 125 || !have_error || strstr(last_msg, "for \"--time\" flag") == NULL)
				fail_msg("duration '%s': rc %d, got %lld, want refused (%s)", v[i].in, rc, (long long)got,
					 last_msg);
			assert_int_equal(got, -7);
		} else if (rc != 0 || got != v[i].want) {
			fail_msg("duration '%s': rc %d, got %lld, want %lld", v[i].in, rc, (long long)got,
				 (long long)v[i].want);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_parse_pointers),
		cmocka_unit_test(test_verb_run),
		cmocka_unit_test(test_parse_bytes),
		cmocka_unit_test(test_parse_duration),
	};
	devnull = fopen("/dev/null", "we");
	if (devnull == NULL)
		return 1;
	int rc = cmocka_run_group_tests_name("options", tests, NULL, NULL);
	fclose(devnull);
	return rc;
}
