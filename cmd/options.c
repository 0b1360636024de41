/* The option tables (options.h): docker's parsing rules, help, man pages
 * and completion, all from the same tables. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "options.h"

/* ---- values ---- */

static int bad_value(const char *flag, const char *arg, const char *why)
{
	return cmd_usagef("invalid argument \"%s\" for \"%s\" flag: %s", arg, flag, why);
}

/* strconv.ParseBool's spellings, as pflag takes them. */
static int parse_bool(const char *arg, bool *ret)
{
	static const char *const yes[] = { "1", "t", "T", "true", "TRUE", "True" };
	static const char *const no[] = { "0", "f", "F", "false", "FALSE", "False" };
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcmp(arg, yes[i]) == 0)
			return *ret = true, 0;
		if (strcmp(arg, no[i]) == 0)
			return *ret = false, 0;
	}
	return -1;
}

static int parse_int(const char *flag, const char *arg, int64_t *ret)
{
	char *end = NULL;
	errno = 0;
	long long v = strtoll(arg, &end, 10);
	if (*arg == '\0' || *end != '\0' || errno != 0)
		return bad_value(flag, arg, errno == ERANGE ? "value out of range" : "not an integer");
	*ret = v;
	return 0;
}

/* strtod over a plain decimal, DIGITS[.DIGITS] or .DIGITS, only: not the
 * hexadecimal, exponents, signs, leading blanks, "inf" and "nan" it also
 * takes.  *end as strtod's; v < 0 (refused) when p starts no decimal. */
static double decimal(const char *p, char **end)
{
	size_t len = strspn(p, "0123456789"), digits = len;
	if (p[len] == '.') {
		size_t frac = strspn(p + len + 1, "0123456789");
		digits += frac;
		len += 1 + frac;
	}
	if (digits == 0)
		return *end = (char *)p, -1;
	errno = 0;
	double v = strtod(p, end);
	if (*end != p + len)
		return *end = (char *)p, -1;
	return v;
}

int cmd_parse_bytes(const char *flag, const char *arg, int64_t *ret)
{
	char *end = NULL;
	double v = decimal(arg, &end);
	if (end == arg || errno != 0 || !isfinite(v) || v < 0)
		return bad_value(flag, arg, "not a size (512, 10k, 64m, 1g)");
	double mult = 1;
	const char *u = end;
	switch (tolower((unsigned char)*u)) {
	case '\0': break;
	case 'b': mult = 1; break;
	case 'k': mult = 1024.0; break;
	case 'm': mult = 1024.0 * 1024; break;
	case 'g': mult = 1024.0 * 1024 * 1024; break;
	case 't': mult = 1024.0 * 1024 * 1024 * 1024; break;
	case 'p': mult = 1024.0 * 1024 * 1024 * 1024 * 1024; break;
	default: return bad_value(flag, arg, "not a size (512, 10k, 64m, 1g)");
	}
	if (*u != '\0') {
		u++;
		if (mult > 1 && (*u == 'b' || *u == 'B') && u[1] == '\0') /* 64mb, 1GB */
			u++;
		if (mult > 1 && (*u == 'i' || *u == 'I') && (u[1] == 'b' || u[1] == 'B') && u[2] == '\0') /* 1GiB */
			u += 2;
		if (*u != '\0')
			return bad_value(flag, arg, "not a size (512, 10k, 64m, 1g)");
	}
	if (v * mult >= 9.2e18)
		return bad_value(flag, arg, "value out of range");
	*ret = (int64_t)(v * mult);
	return 0;
}

int cmd_parse_duration(const char *flag, const char *arg, int64_t *ret_ms)
{
	char *end = NULL;
	double v = decimal(arg, &end);
	if (end != arg && *end == '\0' && errno == 0 && isfinite(v)) { /* a bare number: seconds */
		if (v < 0 || v > 9e15)
			return bad_value(flag, arg, "value out of range");
		*ret_ms = (int64_t)(v * 1000);
		return 0;
	}
	/* Go's time.ParseDuration: [number unit]... with h, m, s, ms, us, ns */
	int64_t ns;
	if (cc_parse_go_duration(arg, &ns) < 0 || ns < 0 || arg[0] == '+')
		return bad_value(flag, arg, "not a duration (10s, 1m30s, 2h)");
	*ret_ms = ns / 1000000;
	return 0;
}

/* ---- the parser ---- */

/* An option of v's table that v does not take (.without: create shares
 * run's table but for --detach). */
static bool left_out(const struct cmd_verb *v, const struct cmd_opt *o)
{
	for (const char *const *w = v->without; w != NULL && *w != NULL; w++)
		if (strcmp(*w, o->long_name) == 0)
			return true;
	return false;
}

/* Shown in help, completion and man pages */
static bool shown(const struct cmd_verb *v, const struct cmd_opt *o)
{
	return !(o->flags & CMD_OPT_HIDDEN) && !left_out(v, o);
}

static const struct cmd_opt *find_long(const struct cmd_verb *v, const char *name, size_t len)
{
	for (const struct cmd_opt *o = v->opts; o != NULL && o->type != CMD_OPT_END; o++)
		if (strlen(o->long_name) == len && strncmp(o->long_name, name, len) == 0)
			return left_out(v, o) ? NULL : o;
	return NULL;
}

static const struct cmd_opt *find_short(const struct cmd_verb *v, char c)
{
	for (const struct cmd_opt *o = v->opts; o != NULL && o->type != CMD_OPT_END; o++)
		if (o->short_name == c && !left_out(v, o))
			return o;
	return NULL;
}

/* -h is help unless the verb uses it (run's -h is --hostname, as docker's). */
static bool short_h_is_help(const struct cmd_verb *v)
{
	return find_short(v, 'h') == NULL;
}

static int strv_push(struct cmd_strv *l, const char *s)
{
	const char **nv = realloc(l->v, (l->n + 2) * sizeof(*nv));
	if (nv == NULL)
		return cmd_failf(EXIT_CC_ERROR, "out of memory");
	nv[l->n++] = s;
	nv[l->n] = NULL;
	l->v = nv;
	return 0;
}

/* The name a message gives the flag: "--name" or "-n, --name" as pflag. */
static void flag_label(const struct cmd_opt *o, char *buf, size_t len)
{
	if (o->short_name)
		snprintf(buf, len, "-%c, --%s", o->short_name, o->long_name);
	else
		snprintf(buf, len, "--%s", o->long_name);
}

static int set_value(const struct cmd_opt *o, void *opts, const char *arg)
{
	char label[96];
	flag_label(o, label, sizeof(label));
	void *t = (char *)opts + o->offset;
	switch (o->type) {
	case CMD_OPT_BOOL:
		if (parse_bool(arg, t) < 0)
			return bad_value(label, arg, "not a boolean (true or false)");
		return 0;
	case CMD_OPT_STRING: *(const char **)t = arg; return 0;
	case CMD_OPT_INT: return parse_int(label, arg, t);
	case CMD_OPT_BYTES:
		if ((o->flags & CMD_OPT_MINUS_ONE) && strcmp(arg, "-1") == 0)
			return *(int64_t *)t = -1, 0;
		return cmd_parse_bytes(label, arg, t);
	case CMD_OPT_DURATION: return cmd_parse_duration(label, arg, t);
	case CMD_OPT_MAP:
		if (*arg == '\0' || *arg == '=')
			return bad_value(label, arg, "not KEY=VALUE");
		return strv_push(t, arg);
	case CMD_OPT_LIST: return strv_push(t, arg);
	case CMD_OPT_CALLBACK: return o->cb(opts, arg);
	case CMD_OPT_END: break;
	}
	return cmd_failf(EXIT_CC_ERROR, "internal: flag --%s has no type", o->long_name);
}

static int unknown(const char *path, const char *fmt, const char *a, char c)
{
	char msg[256];
	if (c)
		snprintf(msg, sizeof(msg), fmt, c, a);
	else
		snprintf(msg, sizeof(msg), fmt, a);
	int rc = cmd_usagef("%s", msg);
	fprintf(stderr, "See '%s --help'.\n", path);
	return rc;
}

int cmd_parse(const struct cmd_verb *v, const char *path, int argc, char **argv, void *opts, char ***ret_args,
	      int *ret_n)
{
	*ret_args = NULL;
	*ret_n = 0;
	for (const struct cmd_opt *o = v->opts; o != NULL && o->type != CMD_OPT_END; o++) {
		if (o->def == NULL && (o->flags & CMD_OPT_UNSET) && (o->type == CMD_OPT_INT || o->type == CMD_OPT_BYTES || o->type == CMD_OPT_DURATION))
			*(int64_t *)((char *)opts + o->offset) = CMD_INT_UNSET;
		if (o->def == NULL)
			continue;
		int rc = set_value(o, opts, o->def);
		if (rc != 0)
			return rc;
	}
	char **args = calloc((size_t)argc + 1, sizeof(char *));
	if (args == NULL)
		return cmd_failf(EXIT_CC_ERROR, "out of memory");
	int n = 0, rc = 0;
	bool hflag = short_h_is_help(v);
	for (int i = 1; i < argc && rc == 0; i++) {
		char *a = argv[i];
		if ((v->flags & CMD_VERB_STOP_AT_ARG) && n > 0) {
			args[n++] = a;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			while (++i < argc)
				args[n++] = argv[i];
			break;
		}
		if (a[0] != '-' || a[1] == '\0') {
			args[n++] = a;
			continue;
		}
		if (a[1] == '-') {
			const char *name = a + 2, *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);
			const struct cmd_opt *o = find_long(v, name, len);
			if (o == NULL) {
				if (len == 4 && strncmp(name, "help", 4) == 0) {
					rc = 1;
					break;
				}
				rc = unknown(path, "unknown flag: %s", a, 0);
				break;
			}
			if (o->type == CMD_OPT_BOOL || (!eq && (o->flags & CMD_OPT_BARE_TRUE)))
				rc = set_value(o, opts, eq ? eq + 1 : "true");
			else if (eq)
				rc = set_value(o, opts, eq + 1);
			else if (i + 1 < argc)
				rc = set_value(o, opts, argv[++i]);
			else
				rc = unknown(path, "flag needs an argument: %s", a, 0);
			continue;
		}
		/* shorthands: -itd, -p8080:80, -p=8080:80, -t=false */
		for (const char *s = a + 1; *s != '\0' && rc == 0; s++) {
			const struct cmd_opt *o = find_short(v, *s);
			if (o == NULL) {
				if (*s == 'h' && hflag) {
					rc = 1;
					break;
				}
				rc = unknown(path, "unknown shorthand flag: '%c' in %s", a, *s);
				break;
			}
			if (o->type == CMD_OPT_BOOL) {
				if (s[1] == '=') {
					rc = set_value(o, opts, s + 2);
					break;
				}
				rc = set_value(o, opts, "true");
				continue;
			}
			if (s[1] != '\0')
				rc = set_value(o, opts, s[1] == '=' ? s + 2 : s + 1);
			else if (i + 1 < argc)
				rc = set_value(o, opts, argv[++i]);
			else
				rc = unknown(path, "flag needs an argument: '%c' in %s", a, *s);
			break;
		}
	}
	if (rc != 0) {
		free(args);
		return rc;
	}
	*ret_args = args;
	*ret_n = n;
	return 0;
}

void cmd_opts_release(const struct cmd_verb *v, void *opts)
{
	if (opts == NULL)
		return;
	for (const struct cmd_opt *o = v->opts; o != NULL && o->type != CMD_OPT_END; o++) {
		if (o->type != CMD_OPT_LIST && o->type != CMD_OPT_MAP)
			continue;
		struct cmd_strv *l = (struct cmd_strv *)((char *)opts + o->offset);
		free(l->v);
		l->v = NULL;
		l->n = 0;
	}
}

static int check_count(const struct cmd_verb *v, const char *path, int n)
{
	int rc = 0;
	if (v->min_args == v->max_args && n != v->min_args) {
		if (v->min_args == 0)
			rc = cmd_usagef("\"%s\" accepts no arguments.", path);
		else
			rc = cmd_usagef("\"%s\" requires exactly %d argument%s.", path, v->min_args, v->min_args == 1 ? "" : "s");
	} else if (n < v->min_args) {
		rc = cmd_usagef("\"%s\" requires at least %d argument%s.", path, v->min_args, v->min_args == 1 ? "" : "s");
	} else if (v->max_args >= 0 && n > v->max_args) {
		rc = cmd_usagef("\"%s\" requires at most %d argument%s.", path, v->max_args, v->max_args == 1 ? "" : "s");
	}
	if (rc != 0)
		fprintf(stderr, "See '%s --help'.\n\nUsage:  %s %s\n\n%s\n", path, path, v->usage ? v->usage : "",
			v->summary ? v->summary : "");
	return rc;
}

const struct cmd_entry *cmd_find_entry(const struct cmd_verb *group, const char *name)
{
	for (const struct cmd_entry *e = group->sub; e != NULL && e->name != NULL; e++)
		if (strcmp(e->name, name) == 0)
			return e;
	return NULL;
}

static int run_group(const struct cmd_verb *g, const char *path, int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		cmd_print_help(g, path, stdout);
		return 0;
	}
	const struct cmd_entry *e = cmd_find_entry(g, argv[1]);
	if (e == NULL || (e->verb->flags & CMD_VERB_HIDDEN && argv[1][0] != '_')) {
		int rc = cmd_usagef("unknown command \"%s\" for \"%s\"", argv[1], path);
		fprintf(stderr, "See '%s --help'.\n", path);
		return rc;
	}
	char *sub = NULL;
	if (asprintf(&sub, "%s %s", path, e->name) < 0)
		return cmd_failf(EXIT_CC_ERROR, "out of memory");
	int rc = cmd_verb_run(e->verb, sub, argc - 1, argv + 1);
	free(sub);
	return rc;
}

/* docker: only run, create and exec tell 125/126/127 apart; any other verb
 * that failed (and said so) exits 1, a usage error 125. */
static int verb_status(const struct cmd_verb *v, int rc)
{
	if (!(v->flags & CMD_VERB_RUNLIKE) && rc == EXIT_CC_ERROR && cmd_last_error() != NULL &&
	    !cmd_last_error_was_usage())
		return 1;
	return rc;
}

int cmd_verb_run(const struct cmd_verb *v, const char *path, int argc, char **argv)
{
	if (v->sub != NULL)
		return run_group(v, path, argc, argv);
	void *opts = calloc(1, v->opts_size ? v->opts_size : 1);
	if (opts == NULL)
		return cmd_failf(EXIT_CC_ERROR, "out of memory");
	char **args = NULL;
	int n = 0;
	int rc = cmd_parse(v, path, argc, argv, opts, &args, &n);
	if (rc == 1) {
		cmd_print_help(v, path, stdout);
		rc = 0;
	} else if (rc == 0 && (rc = check_count(v, path, n)) == 0) {
		rc = verb_status(v, v->action(opts, n, args));
	}
	cmd_opts_release(v, opts);
	free(opts);
	free(args);
	return rc;
}

/* ---- help ---- */

static const char *value_name(const struct cmd_opt *o)
{
	if (o->type == CMD_OPT_BOOL)
		return NULL;
	if (o->argname)
		return o->argname;
	switch (o->type) {
	case CMD_OPT_INT: return "int";
	case CMD_OPT_BYTES: return "bytes";
	case CMD_OPT_DURATION: return "duration";
	case CMD_OPT_LIST: return "list";
	case CMD_OPT_MAP: return "map";
	default: return "string";
	}
}

static void opt_left(const struct cmd_opt *o, char *buf, size_t len)
{
	const char *vn = value_name(o);
	snprintf(buf, len, "%c%c%c --%s%s%s", o->short_name ? '-' : ' ', o->short_name ? o->short_name : ' ',
		 o->short_name ? ',' : ' ', o->long_name, vn ? " " : "", vn ? vn : "");
}

static void print_options(const struct cmd_verb *v, const char *title, FILE *f)
{
	const struct cmd_opt *opts = v->opts;
	size_t w = 0;
	char left[128];
	bool any = false;
	for (const struct cmd_opt *o = opts; o != NULL && o->type != CMD_OPT_END; o++) {
		if (!shown(v, o))
			continue;
		opt_left(o, left, sizeof(left));
		if (strlen(left) > w)
			w = strlen(left);
		any = true;
	}
	if (!any)
		return;
	fprintf(f, "\n%s:\n", title);
	for (const struct cmd_opt *o = opts; o != NULL && o->type != CMD_OPT_END; o++) {
		if (!shown(v, o))
			continue;
		opt_left(o, left, sizeof(left));
		fprintf(f, "  %-*s   %s", (int)w, left, o->help ? o->help : "");
		if (o->def != NULL && o->type != CMD_OPT_BOOL)
			fprintf(f, " (default %s%s%s)", o->type == CMD_OPT_STRING ? "\"" : "", o->def,
				o->type == CMD_OPT_STRING ? "\"" : "");
		fputc('\n', f);
	}
}

/* Every path in the tree that runs verb v (aliases included), for help. */
static void collect_paths(const struct cmd_verb *g, const char *prefix, const struct cmd_verb *v, char *buf,
			  size_t len)
{
	for (const struct cmd_entry *e = g->sub; e != NULL && e->name != NULL; e++) {
		char p[160];
		snprintf(p, sizeof(p), "%s %s", prefix, e->name);
		if (e->verb == v) {
			size_t at = strlen(buf);
			snprintf(buf + at, len - at, "%s%s", at ? ", " : "", p);
		} else if (e->verb->sub != NULL) {
			collect_paths(e->verb, p, v, buf, len);
		}
	}
}

static void print_commands(const struct cmd_verb *g, bool groups, FILE *f)
{
	bool any = false;
	for (const struct cmd_entry *e = g->sub; e != NULL && e->name != NULL; e++) {
		if (e->alias || (e->verb->flags & CMD_VERB_HIDDEN) || (e->verb->sub != NULL) != groups)
			continue;
		if (!any)
			fprintf(f, "\n%s:\n", groups ? "Management Commands" : "Commands");
		any = true;
		fprintf(f, "  %-11s %s\n", e->name, e->verb->summary ? e->verb->summary : "");
	}
}

void cmd_print_help(const struct cmd_verb *v, const char *path, FILE *f)
{
	if (v->sub != NULL) {
		fprintf(f, "Usage:  %s %s\n\n%s\n", path, v->usage ? v->usage : "COMMAND", v->summary ? v->summary : "");
		if (v->description)
			fprintf(f, "\n%s\n", v->description);
		print_commands(v, true, f);
		print_commands(v, false, f);
		print_options(v, v == &cmd_root_verb ? "Global Options" : "Options", f);
		fprintf(f, "\nRun '%s COMMAND --help' for more information on a command.\n", path);
		return;
	}
	fprintf(f, "Usage:  %s %s\n\n%s\n", path, v->usage ? v->usage : "", v->summary ? v->summary : "");
	if (v->description)
		fprintf(f, "\n%s\n", v->description);
	char aliases[1024] = "";
	collect_paths(&cmd_root_verb, "ccontainer", v, aliases, sizeof(aliases));
	if (strchr(aliases, ',') != NULL)
		fprintf(f, "\nAliases:\n  %s\n", aliases);
	print_options(v, "Options", f);
}

/* ---- confirmation ---- */

bool cmd_confirm(const char *what)
{
	fprintf(stderr, "WARNING! %s\nAre you sure you want to continue? [y/N] ", what);
	fflush(stderr);
	char line[64];
	if (fgets(line, sizeof(line), stdin) == NULL) {
		fputc('\n', stderr);
		return false;
	}
	line[strcspn(line, "\r\n")] = '\0';
	return strcasecmp(line, "y") == 0 || strcasecmp(line, "yes") == 0;
}

/* ---- help VERB ---- */

static int help_action(void *opts, int argc, char **argv)
{
	(void)opts;
	const struct cmd_verb *v = &cmd_root_verb;
	char path[256] = "ccontainer";
	for (int i = 0; i < argc; i++) {
		const struct cmd_entry *e = v->sub ? cmd_find_entry(v, argv[i]) : NULL;
		if (e == NULL || (e->verb->flags & CMD_VERB_HIDDEN)) {
			int rc = cmd_usagef("unknown help topic \"%s\"", argv[i]);
			fprintf(stderr, "See 'ccontainer --help'.\n");
			return rc;
		}
		size_t at = strlen(path);
		snprintf(path + at, sizeof(path) - at, " %s", e->name);
		v = e->verb;
	}
	cmd_print_help(v, path, stdout);
	return 0;
}

const struct cmd_verb cmd_help_verb = {
	.name = "help",
	.usage = "[COMMAND [SUBCOMMAND]]",
	.summary = "Help about any command",
	.flags = CMD_VERB_NO_STORE,
	.max_args = -1,
	.action = help_action,
};

/* ---- man pages ---- */

static void roff(FILE *f, const char *s)
{
	bool bol = true;
	for (; s != NULL && *s != '\0'; s++) {
		if (bol && (*s == '.' || *s == '\''))
			fputs("\\&", f);
		if (*s == '\\')
			fputs("\\e", f);
		else if (*s == '-')
			fputs("\\-", f);
		else
			fputc(*s, f);
		bol = *s == '\n';
	}
}

static int write_man(const struct cmd_verb *v, const char *path, const char *dir)
{
	char name[256];
	snprintf(name, sizeof(name), "%s", path);
	for (char *p = name; *p; p++)
		if (*p == ' ')
			*p = '-';
	_cleanup_free_ char *file = NULL;
	if (asprintf(&file, "%s/%s.1", dir, name) < 0)
		return cmd_failf(EXIT_CC_ERROR, "out of memory");
	FILE *f = fopen(file, "we");
	if (f == NULL)
		return cmd_failf(EXIT_CC_ERROR, "write %s: %s", file, strerror(errno));
	char upper[256];
	snprintf(upper, sizeof(upper), "%s", name);
	for (char *p = upper; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	fprintf(f, ".TH %s 1 \"\" \"ccontainer\" \"ccontainer manual\"\n.SH NAME\n", upper);
	roff(f, name);
	fputs(" \\- ", f);
	roff(f, v->summary);
	fputs("\n.SH SYNOPSIS\n\\fB", f);
	roff(f, path);
	fputs("\\fR ", f);
	roff(f, v->sub ? "COMMAND" : v->usage);
	fputs("\n.SH DESCRIPTION\n", f);
	roff(f, v->description ? v->description : v->summary);
	fputc('\n', f);
	if (v->sub != NULL) {
		fputs(".SH COMMANDS\n", f);
		for (const struct cmd_entry *e = v->sub; e->name != NULL; e++) {
			if (e->alias || (e->verb->flags & CMD_VERB_HIDDEN))
				continue;
			fprintf(f, ".TP\n\\fB%s-%s\\fR(1)\n", name, e->name);
			roff(f, e->verb->summary);
			fputc('\n', f);
		}
	}
	bool any = false;
	for (const struct cmd_opt *o = v->opts; o != NULL && o->type != CMD_OPT_END; o++) {
		if (!shown(v, o))
			continue;
		if (!any)
			fputs(v == &cmd_root_verb ? ".SH GLOBAL OPTIONS\n" : ".SH OPTIONS\n", f);
		any = true;
		const char *vn = value_name(o);
		fputs(".TP\n", f);
		if (o->short_name)
			fprintf(f, "\\fB\\-%c\\fR, ", o->short_name);
		fputs("\\fB\\-\\-", f);
		roff(f, o->long_name);
		fputs("\\fR", f);
		if (vn) {
			fputs(" \\fI", f);
			roff(f, vn);
			fputs("\\fR", f);
		}
		fputc('\n', f);
		roff(f, o->help);
		if (o->def && o->type != CMD_OPT_BOOL) {
			fputs(" (default ", f);
			roff(f, o->def);
			fputc(')', f);
		}
		fputc('\n', f);
	}
	fputs(".SH SEE ALSO\n\\fBccontainer\\fR(1)\n", f);
	if (fclose(f) != 0)
		return cmd_failf(EXIT_CC_ERROR, "write %s: %s", file, strerror(errno));
	if (v->sub != NULL) {
		for (const struct cmd_entry *e = v->sub; e->name != NULL; e++) {
			if (e->alias || (e->verb->flags & CMD_VERB_HIDDEN))
				continue;
			char sub[256];
			snprintf(sub, sizeof(sub), "%s %s", path, e->name);
			int rc = write_man(e->verb, sub, dir);
			if (rc != 0)
				return rc;
		}
	}
	return 0;
}

static int man_action(void *opts, int argc, char **argv)
{
	(void)opts;
	(void)argc;
	cc_error *e = NULL;
	if (cc_mkdir_p(argv[0], 0755, &e) < 0)
		return cmd_fail(e, EXIT_CC_ERROR);
	return write_man(&cmd_root_verb, "ccontainer", argv[0]);
}

const struct cmd_verb cmd_man_verb = {
	.name = "__man",
	.usage = "DIR",
	.summary = "Write the man pages into DIR",
	.flags = CMD_VERB_HIDDEN | CMD_VERB_NO_STORE,
	.min_args = 1,
	.max_args = 1,
	.action = man_action,
};

/* ---- completion ---- */

static void complete_flags(const struct cmd_verb *v, const char *cur)
{
	size_t n = strlen(cur);
	for (const struct cmd_opt *o = v->opts; o != NULL && o->type != CMD_OPT_END; o++) {
		if (!shown(v, o))
			continue;
		char buf[128];
		snprintf(buf, sizeof(buf), "--%s", o->long_name);
		if (strncmp(buf, cur, n) == 0)
			printf("%s\n", buf);
		if (o->short_name && n == 1) /* "-": the short spellings too */
			printf("-%c\n", o->short_name);
	}
	if (strncmp("--help", cur, n) == 0)
		printf("--help\n");
}

static void complete_kind(enum cmd_complete k, const char *words, const char *cur)
{
	size_t n = strlen(cur);
	switch (k) {
	case CMD_COMPLETE_FILE: printf("__files__\n"); return;
	case CMD_COMPLETE_DIR: printf("__dirs__\n"); return;
	case CMD_COMPLETE_WORDS: {
		_cleanup_free_ char *copy = strdup(words ? words : "");
		char *save = NULL;
		for (char *w = copy ? strtok_r(copy, " ", &save) : NULL; w; w = strtok_r(NULL, " ", &save))
			if (strncmp(w, cur, n) == 0)
				printf("%s\n", w);
		return;
	}
	case CMD_COMPLETE_CONTAINER:
	case CMD_COMPLETE_RUNNING:
	case CMD_COMPLETE_IMAGE: break;
	case CMD_COMPLETE_NONE: return;
	}
	/* names from the store; nothing when there is none (no error) */
	struct cc_store *s = NULL;
	cc_error *e = NULL;
	if (cc_store_open(cmd_store_root(), &s, &e) < 0) {
		cc_error_free(e);
		return;
	}
	if (k == CMD_COMPLETE_IMAGE) {
		_cleanup_strv_ char **ids = NULL;
		if (cc_store_image_list(s, &ids, &e) == 0) {
			for (char **id = ids; *id; id++) {
				struct cc_image_record *r = NULL;
				if (cc_store_image_get(s, *id, &r, NULL) < 0)
					continue;
				for (char **t = r->tags; t && *t; t++)
					if (strncmp(*t, cur, n) == 0)
						printf("%s\n", *t);
				cc_image_record_free(r);
			}
		}
	} else {
		struct cc_container_record **cs = NULL;
		size_t nc = 0;
		if (cc_store_container_list(s, &cs, &nc, &e) == 0) {
			for (size_t i = 0; i < nc; i++) {
				if ((k != CMD_COMPLETE_RUNNING || strcmp(cs[i]->state, "running") == 0) &&
				    strncmp(cs[i]->name, cur, n) == 0)
					printf("%s\n", cs[i]->name);
				cc_container_record_free(cs[i]);
			}
			free(cs);
		}
	}
	cc_error_free(e);
	cc_store_close(s);
}

/* __complete WORD... CUR: the candidates for CUR, one a line ("__files__"
 * or "__dirs__": the shell completes paths). */
static int complete_action(void *opts, int argc, char **argv)
{
	(void)opts;
	const struct cmd_verb *v = &cmd_root_verb;
	const struct cmd_opt *pending = NULL;
	bool positional = false;
	const char *cur = argc > 0 ? argv[argc - 1] : "";
	for (int i = 0; i < argc - 1; i++) {
		const char *w = argv[i];
		if (pending != NULL) {
			pending = NULL;
			continue;
		}
		if (strcmp(w, "--") == 0) {
			positional = true;
			continue;
		}
		if (w[0] == '-' && w[1] != '\0' && !positional) {
			const struct cmd_opt *o = NULL;
			if (w[1] == '-') {
				const char *eq = strchr(w + 2, '=');
				o = eq ? NULL : find_long(v, w + 2, strlen(w + 2));
			} else if (w[2] == '\0') {
				o = find_short(v, w[1]);
			}
			if (o != NULL && o->type != CMD_OPT_BOOL)
				pending = o;
			continue;
		}
		if (v->sub != NULL) {
			const struct cmd_entry *e = cmd_find_entry(v, w);
			if (e == NULL)
				return 0;
			v = e->verb;
			continue;
		}
		positional = true;
		if (v->flags & CMD_VERB_STOP_AT_ARG) /* the command's own words */
			return 0;
	}
	if (pending != NULL) {
		complete_kind(pending->complete, pending->words, cur);
		return 0;
	}
	if (cur[0] == '-' && !positional) {
		complete_flags(v, cur);
		return 0;
	}
	if (v->sub != NULL) {
		for (const struct cmd_entry *e = v->sub; e->name != NULL; e++)
			if (!e->alias && !(e->verb->flags & CMD_VERB_HIDDEN) && strncmp(e->name, cur, strlen(cur)) == 0)
				printf("%s\n", e->name);
		return 0;
	}
	complete_kind(v->complete_args, v->arg_words, cur);
	return 0;
}

const struct cmd_verb cmd_complete_verb = {
	.name = "__complete",
	.usage = "[WORD...] CURRENT",
	.summary = "Complete a command line (for the shell scripts of `completion`)",
	.flags = CMD_VERB_HIDDEN | CMD_VERB_STOP_AT_ARG,
	.max_args = -1,
	.action = complete_action,
};

static const char bash_script[] =
	"# bash completion for ccontainer (ccontainer completion bash)\n"
	"_ccontainer() {\n"
	"\tlocal cur=\"${COMP_WORDS[COMP_CWORD]}\" IFS=$'\\n' out\n"
	"\tout=$(\"${COMP_WORDS[0]}\" __complete -- \"${COMP_WORDS[@]:1:COMP_CWORD}\" 2>/dev/null)\n"
	"\tcase \"$out\" in\n"
	"\t__files__*) COMPREPLY=($(compgen -f -- \"$cur\")) ;;\n"
	"\t__dirs__*) COMPREPLY=($(compgen -d -- \"$cur\")) ;;\n"
	"\t*) COMPREPLY=($out) ;;\n"
	"\tesac\n"
	"}\n"
	"complete -F _ccontainer ccontainer\n";

static const char zsh_script[] =
	"#compdef ccontainer\n"
	"# zsh completion for ccontainer (ccontainer completion zsh)\n"
	"_ccontainer() {\n"
	"\tlocal -a out\n"
	"\tout=(\"${(@f)$(${words[1]} __complete -- \"${(@)words[2,CURRENT]}\" 2>/dev/null)}\")\n"
	"\tcase $out[1] in\n"
	"\t__files__) _files ;;\n"
	"\t__dirs__) _files -/ ;;\n"
	"\t*) compadd -- $out ;;\n"
	"\tesac\n"
	"}\n"
	"if [ \"$funcstack[1]\" = \"_ccontainer\" ]; then _ccontainer \"$@\"; else compdef _ccontainer ccontainer; fi\n";

static const char fish_script[] =
	"# fish completion for ccontainer (ccontainer completion fish)\n"
	"function __ccontainer_complete\n"
	"\tset -l words (commandline -opc) (commandline -ct)\n"
	"\tset -l out (ccontainer __complete -- $words[2..-1] 2>/dev/null)\n"
	"\tswitch \"$out[1]\"\n"
	"\tcase __files__\n"
	"\t\t__fish_complete_path (commandline -ct)\n"
	"\tcase __dirs__\n"
	"\t\t__fish_complete_directories (commandline -ct)\n"
	"\tcase '*'\n"
	"\t\tprintf '%s\\n' $out\n"
	"\tend\n"
	"end\n"
	"complete -c ccontainer -f -a '(__ccontainer_complete)'\n";

static int completion_action(void *opts, int argc, char **argv)
{
	(void)opts;
	(void)argc;
	if (strcmp(argv[0], "bash") == 0)
		fputs(bash_script, stdout);
	else if (strcmp(argv[0], "zsh") == 0)
		fputs(zsh_script, stdout);
	else if (strcmp(argv[0], "fish") == 0)
		fputs(fish_script, stdout);
	else
		return cmd_usagef("no completion for shell \"%s\" (bash, zsh or fish)", argv[0]);
	return 0;
}

const struct cmd_verb cmd_completion_verb = {
	.name = "completion",
	.usage = "bash|zsh|fish",
	.summary = "Print a shell completion script",
	.description = "Completes verbs, flags, and the names of containers and images in the store.\n"
		       "bash: source <(ccontainer completion bash); `make install` installs all three.",
	.flags = CMD_VERB_NO_STORE,
	.min_args = 1,
	.max_args = 1,
	.complete_args = CMD_COMPLETE_WORDS,
	.arg_words = "bash zsh fish",
	.action = completion_action,
};
