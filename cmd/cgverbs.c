/* The verbs that look into a running container's cgroup: pause, unpause,
 * top and stats.  The cgroup work is lib/runtime's (cgroup-ctl.c,
 * procinfo.c); here: parse, call, print.
 *
 * A paused container is "paused" in the store: its cgroup frozen, its
 * process alive (ps, inspect and the reconcile in container.c count it as
 * running).  stop, kill and rm -f signal it, then thaw it (docker's order),
 * so that the signal is taken. */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "runtime/runtime.h"
#include "template/template.h"
#include "util/json.h"
#include "util/strbuf.h"

/* ---- state ---- */

/* Its process runs (running or paused, and the recorded pid is its). */
static bool live(const struct cc_container_record *c)
{
	return cc_container_is_running(c) && cc_container_pid_alive(c);
}

/* ---- pause, unpause ---- */

struct pause_opts {
	bool unused;
};

static const struct cmd_opt pause_options[] = {
	OPT_END,
};

static int pause_one(struct cc_store *s, struct cc_container_record *c)
{
	cc_error *e = NULL;
	return cc_container_pause(s, c, &e) < 0 ? cmd_fail(e, EXIT_CC_ERROR) : 0;
}

static int unpause_one(struct cc_store *s, struct cc_container_record *c)
{
	cc_error *e = NULL;
	return cc_container_unpause(s, c, &e) < 0 ? cmd_fail(e, EXIT_CC_ERROR) : 0;
}

static int each(int argc, char **argv, int (*fn)(struct cc_store *, struct cc_container_record *))
{
	struct cc_store *s = cmd_open_store();
	if (s == NULL)
		return EXIT_CC_ERROR;
	int rc = 0;
	for (int i = 0; i < argc; i++) {
		struct cc_container_record *c = cmd_container_get(s, argv[i]);
		int r = c == NULL ? EXIT_CC_ERROR : fn(s, c);
		if (r == 0)
			printf("%s\n", argv[i]);
		else
			rc = r;
		cc_container_record_free(c);
	}
	cc_store_close(s);
	return rc;
}

static int pause_action(void *opts, int argc, char **argv)
{
	(void)opts;
	return each(argc, argv, pause_one);
}

static int unpause_action(void *opts, int argc, char **argv)
{
	(void)opts;
	return each(argc, argv, unpause_one);
}

const struct cmd_verb cmd_pause_verb = {
	.name = "pause", .usage = "CONTAINER [CONTAINER...]",
	.summary = "Pause all processes within one or more containers",
	.description = "Freezes the container's cgroup (cgroup2's cgroup.freeze, or the v1 freezer).",
	.opts = pause_options, .opts_size = sizeof(struct pause_opts), .min_args = 1, .max_args = -1,
	.complete_args = CMD_COMPLETE_RUNNING, .action = pause_action,
};

const struct cmd_verb cmd_unpause_verb = {
	.name = "unpause", .usage = "CONTAINER [CONTAINER...]",
	.summary = "Unpause all processes within one or more containers",
	.opts = pause_options, .opts_size = sizeof(struct pause_opts), .min_args = 1, .max_args = -1,
	.complete_args = CMD_COMPLETE_CONTAINER, .action = unpause_action,
};

/* ---- top ---- */

/* Host clock facts the columns need. */
struct host_clock {
	long hz;
	double uptime;  /* seconds */
	time_t boot;    /* /proc/stat's btime */
	time_t now;
	long page_kb;
};

static void host_clock(struct host_clock *h)
{
	*h = (struct host_clock){ 0 };
	h->hz = sysconf(_SC_CLK_TCK);
	if (h->hz <= 0)
		h->hz = 100;
	h->page_kb = sysconf(_SC_PAGESIZE) / 1024;
	h->now = time(NULL);
	_cleanup_free_ char *up = NULL, *stat = NULL;
	size_t len = 0;
	cc_error *e = NULL;
	if (cc_read_file("/proc/uptime", 4096, &up, &len, &e) == 0)
		h->uptime = strtod(up, NULL);
	cc_error_clear(&e);
	h->boot = h->now - (time_t)h->uptime;
	if (cc_read_file("/proc/stat", 1 << 20, &stat, &len, &e) == 0) {
		const char *b = strstr(stat, "\nbtime ");
		if (b != NULL)
			h->boot = (time_t)strtoll(b + 7, NULL, 10);
	}
	cc_error_clear(&e);
}

/* seconds since the process started */
static double elapsed(const struct host_clock *h, const struct cc_proc_info *p)
{
	double e = h->uptime - (double)p->start_ticks / (double)h->hz;
	return e > 0 ? e : 0;
}

enum top_field {
	F_PID, F_PPID, F_USER, F_UID, F_COMM, F_ARGS, F_ETIME, F_TIME, F_PCPU, F_VSZ, F_RSS, F_STAT, F_TTY,
	F_NICE, F_STIME, F_C, F_UIDNAME,
};

/* procps's names and headers; the AIX descriptors (%p...) podman takes */
static const struct {
	const char *name, *aix, *header;
	enum top_field f;
} top_fields[] = {
	{ "pid", "%p", "PID", F_PID },          { "tgid", NULL, "PID", F_PID },
	{ "ppid", "%P", "PPID", F_PPID },       { "user", "%U", "USER", F_USER },
	{ "euser", NULL, "EUSER", F_USER },     { "uname", NULL, "USER", F_USER },
	{ "uid", NULL, "UID", F_UID },          { "euid", NULL, "EUID", F_UID },
	{ "comm", "%c", "COMMAND", F_COMM },    { "ucomm", NULL, "COMMAND", F_COMM },
	{ "args", "%a", "COMMAND", F_ARGS },    { "cmd", NULL, "CMD", F_ARGS },
	{ "command", NULL, "COMMAND", F_ARGS }, { "etime", "%t", "ELAPSED", F_ETIME },
	{ "time", "%x", "TIME", F_TIME },       { "cputime", NULL, "TIME", F_TIME },
	{ "pcpu", "%C", "%CPU", F_PCPU },       { "%cpu", NULL, "%CPU", F_PCPU },
	{ "vsz", "%z", "VSZ", F_VSZ },          { "vsize", NULL, "VSZ", F_VSZ },
	{ "rss", NULL, "RSS", F_RSS },          { "rssize", NULL, "RSS", F_RSS },
	{ "stat", NULL, "STAT", F_STAT },       { "tty", "%y", "TT", F_TTY },
	{ "tt", NULL, "TT", F_TTY },            { "nice", "%n", "NI", F_NICE },
	{ "ni", NULL, "NI", F_NICE },           { "stime", NULL, "STIME", F_STIME },
	{ "start_time", NULL, "START", F_STIME }, { "c", NULL, "C", F_C },
};
#define N_TOP_FIELDS (sizeof(top_fields) / sizeof(top_fields[0]))
#define TOP_MAX_COLS 64

struct top_cols {
	size_t n;
	enum top_field f[TOP_MAX_COLS];
	const char *header[TOP_MAX_COLS];
};

/* ps -ef: UID PID PPID C STIME TTY TIME CMD */
static void top_default(struct top_cols *c)
{
	static const struct { enum top_field f; const char *h; } ef[] = {
		{ F_UIDNAME, "UID" }, { F_PID, "PID" }, { F_PPID, "PPID" }, { F_C, "C" },
		{ F_STIME, "STIME" }, { F_TTY, "TTY" }, { F_TIME, "TIME" }, { F_ARGS, "CMD" },
	};
	c->n = 0;
	for (size_t i = 0; i < sizeof(ef) / sizeof(ef[0]); i++) {
		c->f[c->n] = ef[i].f;
		c->header[c->n++] = ef[i].h;
	}
}

/* One descriptor ("pid", "%p", "args=CMDLINE": a header of one's own). */
static int top_add(struct top_cols *c, const char *word, size_t len)
{
	const char *eq = memchr(word, '=', len);
	size_t nl = eq != NULL ? (size_t)(eq - word) : len;
	for (size_t i = 0; i < N_TOP_FIELDS; i++) {
		bool by_name = strlen(top_fields[i].name) == nl && strncasecmp(word, top_fields[i].name, nl) == 0;
		bool by_aix = top_fields[i].aix != NULL && strlen(top_fields[i].aix) == nl &&
			      strncmp(word, top_fields[i].aix, nl) == 0;
		if (!by_name && !by_aix)
			continue;
		if (c->n >= TOP_MAX_COLS)
			return cmd_failf(EXIT_CC_ERROR, "too many ps fields");
		c->f[c->n] = top_fields[i].f;
		/* a custom header is the rest of the list (ps's rule); kept as a pointer into argv */
		c->header[c->n++] = eq != NULL ? eq + 1 : top_fields[i].header;
		return 0;
	}
	return cmd_failf(EXIT_CC_ERROR, "unknown ps field '%.*s' (known: pid, ppid, user, uid, comm, args, etime, "
			 "time, pcpu, vsz, rss, stat, tty, nice, stime, c)", (int)nl, word);
}

/* A list: "pid,args", "pid user", "%p %a". */
static int top_add_list(struct top_cols *c, const char *list)
{
	for (const char *p = list; *p != '\0';) {
		p += strspn(p, ", ");
		if (*p == '\0')
			break;
		const char *eq = strchr(p, '=');
		size_t len = strcspn(p, ", ");
		if (eq != NULL && (size_t)(eq - p) < len)
			len = strlen(p); /* "comm=NAME, WITH COMMAS": to the end */
		int r = top_add(c, p, len);
		if (r != 0)
			return r;
		p += len;
	}
	return 0;
}

/* ps's options as docker passes them to ps: -ef (the default), -e, -f, -A,
 * -o LIST (-oLIST, -eo LIST, repeatable); podman's bare descriptors. */
static int top_parse(int argc, char **argv, struct top_cols *c)
{
	c->n = 0;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] == '-' && a[1] != '\0') {
			for (const char *p = a + 1; *p != '\0'; p++) {
				if (*p == 'e' || *p == 'f' || *p == 'A' || *p == 'a' || *p == 'x')
					continue; /* every process, full format: what top lists anyway */
				if (*p != 'o')
					return cmd_failf(EXIT_CC_ERROR, "unsupported ps option '%s' (ps -ef and -o FIELDS are)", a);
				const char *list = p[1] == '=' ? p + 2 : p[1] != '\0' ? p + 1 : NULL;
				if (list == NULL) {
					if (i + 1 >= argc)
						return cmd_failf(EXIT_CC_ERROR, "ps option -o needs a list of fields");
					list = argv[++i];
				}
				int r = top_add_list(c, list);
				if (r != 0)
					return r;
				break;
			}
		} else {
			int r = top_add_list(c, a);
			if (r != 0)
				return r;
		}
	}
	if (c->n == 0)
		top_default(c);
	return 0;
}

static void fmt_duration(uint64_t secs, bool hours_always, char *out, size_t len)
{
	uint64_t d = secs / 86400, h = (secs / 3600) % 24, m = (secs / 60) % 60, s = secs % 60;
	if (d > 0)
		snprintf(out, len, "%" PRIu64 "-%02" PRIu64 ":%02" PRIu64 ":%02" PRIu64, d, h, m, s);
	else if (h > 0 || hours_always)
		snprintf(out, len, "%02" PRIu64 ":%02" PRIu64 ":%02" PRIu64, h, m, s);
	else
		snprintf(out, len, "%02" PRIu64 ":%02" PRIu64, m, s);
}

static void fmt_tty(unsigned tty_nr, char *out, size_t len)
{
	unsigned maj = major(tty_nr), min = minor(tty_nr);
	if (tty_nr == 0)
		snprintf(out, len, "?");
	else if (maj >= 136 && maj <= 143)
		snprintf(out, len, "pts/%u", min + (maj - 136) * 256);
	else if (maj == 4 && min < 64)
		snprintf(out, len, "tty%u", min);
	else if (maj == 4)
		snprintf(out, len, "ttyS%u", min - 64);
	else
		snprintf(out, len, "?");
}

static char *top_cell(const struct host_clock *h, const struct cc_proc_info *p, enum top_field f)
{
	char buf[128];
	uint64_t cpu_ticks = p->utime + p->stime;
	double secs = elapsed(h, p);
	switch (f) {
	case F_PID:
		snprintf(buf, sizeof(buf), "%d", (int)p->pid);
		break;
	case F_PPID:
		snprintf(buf, sizeof(buf), "%d", (int)p->ppid);
		break;
	case F_USER:
	case F_UIDNAME: {
		struct passwd *pw = getpwuid(p->uid);
		if (pw == NULL)
			snprintf(buf, sizeof(buf), "%u", (unsigned)p->uid);
		else if (f == F_UIDNAME && strlen(pw->pw_name) > 8) /* ps -f: 8 columns, cut with '+' */
			snprintf(buf, sizeof(buf), "%.7s+", pw->pw_name);
		else
			snprintf(buf, sizeof(buf), "%s", pw->pw_name);
		break;
	}
	case F_UID:
		snprintf(buf, sizeof(buf), "%u", (unsigned)p->uid);
		break;
	case F_COMM:
		return strdup(p->comm);
	case F_ARGS:
		if (p->args != NULL && p->args[0] != '\0')
			return strdup(p->args);
		snprintf(buf, sizeof(buf), "[%s]", p->comm);
		break;
	case F_ETIME:
		fmt_duration((uint64_t)secs, false, buf, sizeof(buf));
		break;
	case F_TIME:
		fmt_duration(cpu_ticks / (uint64_t)h->hz, true, buf, sizeof(buf));
		break;
	case F_PCPU: {
		/* procps: CPU time over the time since start, in tenths */
		uint64_t tenths = secs >= 1 ? (uint64_t)((double)cpu_ticks * 1000.0 / (double)h->hz / secs) : 0;
		if (tenths > 999)
			tenths = 999;
		snprintf(buf, sizeof(buf), "%" PRIu64 ".%" PRIu64, tenths / 10, tenths % 10);
		break;
	}
	case F_C: {
		uint64_t pc = secs >= 1 ? (uint64_t)((double)cpu_ticks * 100.0 / (double)h->hz / secs) : 0;
		snprintf(buf, sizeof(buf), "%" PRIu64, pc > 99 ? 99 : pc);
		break;
	}
	case F_VSZ:
		snprintf(buf, sizeof(buf), "%" PRIu64, p->vsize / 1024);
		break;
	case F_RSS:
		snprintf(buf, sizeof(buf), "%" PRIu64, p->rss_pages * (uint64_t)h->page_kb);
		break;
	case F_STAT: {
		size_t n = 0;
		buf[n++] = p->state;
		if (p->nice < 0)
			buf[n++] = '<';
		else if (p->nice > 0)
			buf[n++] = 'N';
		if (p->session_leader)
			buf[n++] = 's';
		if (p->multithreaded)
			buf[n++] = 'l';
		if (p->fg_pgrp)
			buf[n++] = '+';
		buf[n] = '\0';
		break;
	}
	case F_TTY:
		fmt_tty(p->tty_nr, buf, sizeof(buf));
		break;
	case F_NICE:
		snprintf(buf, sizeof(buf), "%ld", p->nice);
		break;
	case F_STIME: {
		/* procps: HH:MM today (the last 24 hours), MonDD this year, else the year */
		time_t start = h->boot + (time_t)(p->start_ticks / (uint64_t)h->hz);
		struct tm tm;
		const char *fmt = h->now - start < 24 * 3600 ? "%H:%M" : h->now - start < 365 * 24 * 3600 ? "%b%d" : "%Y";
		if (localtime_r(&start, &tm) == NULL || strftime(buf, sizeof(buf), fmt, &tm) == 0)
			snprintf(buf, sizeof(buf), "?");
		break;
	}
	default:
		buf[0] = '\0';
	}
	return strdup(buf);
}

/* docker's top table: tabwriter minwidth 20, padding 3; the last column
 * not padded. */
static int top_print(char ***rows, size_t nrows, size_t ncols)
{
	size_t width[TOP_MAX_COLS] = { 0 };
	for (size_t r = 0; r < nrows; r++)
		for (size_t c = 0; c + 1 < ncols; c++) {
			size_t w = cc_text_width(rows[r][c]) + 3;
			if (w > width[c])
				width[c] = w;
		}
	for (size_t c = 0; c < ncols; c++)
		if (width[c] < 20)
			width[c] = 20;
	for (size_t r = 0; r < nrows; r++) {
		for (size_t c = 0; c < ncols; c++) {
			fputs(rows[r][c], stdout);
			if (c + 1 < ncols)
				for (size_t w = cc_text_width(rows[r][c]); w < width[c]; w++)
					putchar(' ');
		}
		putchar('\n');
	}
	if (ferror(stdout) || fflush(stdout) != 0)
		return cmd_output_error(errno);
	return 0;
}

struct top_opts {
	bool unused;
};

static const struct cmd_opt top_options[] = {
	OPT_END,
};

static int top_action(void *opts, int argc, char **argv)
{
	(void)opts;
	struct top_cols cols;
	int rc = top_parse(argc - 1, argv + 1, &cols);
	if (rc != 0)
		return rc;
	struct cc_store *s = cmd_open_store();
	if (s == NULL)
		return EXIT_CC_ERROR;
	struct cc_container_record *c = cmd_container_get(s, argv[0]);
	cc_store_close(s);
	if (c == NULL)
		return EXIT_CC_ERROR;
	if (!live(c)) {
		rc = cmd_failf(EXIT_CC_ERROR, "container %s is not running", c->id);
		cc_container_record_free(c);
		return rc;
	}
	pid_t *pids = NULL;
	size_t n = 0;
	cc_error *e = NULL;
	if (cc_runtime_cgroup_pids(c->id, &pids, &n, &e) < 0) {
		cc_container_record_free(c);
		return cmd_fail(e, EXIT_CC_ERROR);
	}
	cc_container_record_free(c);
	struct host_clock h;
	host_clock(&h);
	char ***rows = calloc(n + 1, sizeof(*rows));
	size_t nrows = 0;
	if (rows == NULL || (rows[0] = calloc(cols.n, sizeof(char *))) == NULL) {
		rc = cmd_failf(EXIT_CC_ERROR, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < cols.n; i++)
		rows[0][i] = strdup(cols.header[i]);
	nrows = 1;
	for (size_t i = 0; i < n; i++) {
		struct cc_proc_info p;
		if (cc_runtime_proc_info(pids[i], &p, &e) < 0) {
			cc_error_clear(&e); /* gone since cgroup.procs was read */
			continue;
		}
		char **row = calloc(cols.n, sizeof(char *));
		if (row == NULL) {
			cc_proc_info_release(&p);
			rc = cmd_failf(EXIT_CC_ERROR, "out of memory");
			goto out;
		}
		for (size_t k = 0; k < cols.n; k++) {
			_cleanup_free_ char *cell = top_cell(&h, &p, cols.f[k]);
			/* the container's own text, for a terminal */
			row[k] = cell != NULL ? cc_safe_text(cell) : NULL;
			if (row[k] == NULL)
				row[k] = strdup("");
		}
		rows[nrows++] = row;
		cc_proc_info_release(&p);
	}
	for (size_t r = 0; r < nrows; r++)
		for (size_t k = 0; k < cols.n; k++)
			if (rows[r][k] == NULL) {
				rc = cmd_failf(EXIT_CC_ERROR, "out of memory");
				goto out;
			}
	rc = top_print(rows, nrows, cols.n);
out:
	for (size_t r = 0; rows != NULL && r < nrows; r++) {
		for (size_t k = 0; k < cols.n; k++)
			free(rows[r][k]);
		free(rows[r]);
	}
	if (rows != NULL && nrows == 0)
		free(rows[0]);
	free(rows);
	free(pids);
	return rc;
}

const struct cmd_verb cmd_top_verb = {
	.name = "top", .usage = "CONTAINER [ps OPTIONS]",
	.summary = "Display the running processes of a container",
	.description = "Lists the processes of the container's cgroup with their host PIDs, read from /proc "
		       "(ps is not run): by default ps -ef's columns, UID PID PPID C STIME TTY TIME CMD; with "
		       "-o LIST (or podman's bare descriptors) the fields pid, ppid, user, uid, comm, args, etime, "
		       "time, pcpu, vsz, rss, stat, tty, nice, stime, c, or the AIX ones (%p %P %U %c %a %t %x %C %z %y %n).",
	.opts = top_options, .opts_size = sizeof(struct top_opts), .flags = CMD_VERB_STOP_AT_ARG,
	.min_args = 1, .max_args = -1, .complete_args = CMD_COMPLETE_RUNNING, .action = top_action,
};

/* ---- stats ---- */

struct stats_opts {
	bool all, no_stream, no_trunc;
	const char *format;
};

static const struct cmd_opt stats_options[] = {
	OPT_BOOL('a', "all", struct stats_opts, all, "Show all containers (default shows just running)"),
	OPT_STRING(0, "format", struct stats_opts, format, "string",
		   "Format output: table, table TEMPLATE, json (an object a line) or a Go TEMPLATE "
		   "(.Container .Name .ID .CPUPerc .MemUsage .MemPerc .NetIO .BlockIO .PIDs)"),
	OPT_BOOL(0, "no-stream", struct stats_opts, no_stream, "Disable streaming stats and only pull the first result"),
	OPT_BOOL(0, "no-trunc", struct stats_opts, no_trunc, "Do not truncate output"),
	OPT_END,
};

static const char stats_default_table[] =
	"table {{.ID}}\\t{{.Name}}\\t{{.CPUPerc}}\\t{{.MemUsage}}\\t{{.MemPerc}}\\t{{.NetIO}}\\t{{.BlockIO}}\\t{{.PIDs}}";

/* The interval between the two samples a CPU % needs (--no-stream and
 * the first screen): docker's daemon takes them a second apart; a quarter
 * of one keeps `stats --no-stream` quick and is as accurate, since the
 * system's time is measured, not assumed. */
#define STATS_FIRST_INTERVAL_MS 250

struct stats_sample {
	bool live;
	uint64_t at_ns; /* CLOCK_MONOTONIC */
	struct cc_cgroup_stats cg;
	uint64_t rx, tx;
};

struct stats_entry {
	struct cc_container_record *c;
	char *container; /* as named, or the short ID */
	struct stats_sample prev, cur;
};

static void stats_sample(const struct cc_container_record *c, bool host_net, struct stats_sample *out)
{
	*out = (struct stats_sample){ .at_ns = cc_now_ns() };
	if (!live(c))
		return;
	cc_error *e = NULL;
	if (cc_runtime_cgroup_stats(c->id, &out->cg, &e) < 0) {
		cc_error_clear(&e);
		return;
	}
	out->live = true;
	/* --network host: the host's counters are not the container's (docker shows 0B too) */
	if (!host_net && cc_runtime_net_io(c->pid, &out->rx, &out->tx, &e) < 0)
		cc_error_clear(&e);
}

static bool host_network(const struct cc_container_record *c)
{
	json_t *cfg = cc_container_config(c);
	const char *net = json_string_value(json_object_get(cfg, "Network"));
	bool host = net != NULL && strcmp(net, "host") == 0;
	json_decref(cfg);
	return host;
}

static json_t *stats_row(const struct stats_entry *s, bool trunc)
{
	char cpu[32] = "0.00%", mem[96] = "0B / 0B", memp[32] = "0.00%", net[96] = "0B / 0B", blk[96] = "0B / 0B",
	     pids[32] = "0", a[40], b[40];
	const struct stats_sample *p = &s->prev, *c = &s->cur;
	if (c->live) {
		/* docker: container CPU time over the system's (its CPU times,
		 * elapsed time × online CPUs) × online CPUs × 100: CPU time
		 * over elapsed time, 100% a CPU */
		double cpu_pct = 0;
		if (p->live && c->at_ns > p->at_ns && c->cg.cpu_ns >= p->cg.cpu_ns)
			cpu_pct = (double)(c->cg.cpu_ns - p->cg.cpu_ns) / (double)(c->at_ns - p->at_ns) * 100.0;
		snprintf(cpu, sizeof(cpu), "%.2f%%", cpu_pct);
		cc_bytes_size((double)c->cg.mem_usage, a, sizeof(a));
		cc_bytes_size((double)c->cg.mem_limit, b, sizeof(b));
		snprintf(mem, sizeof(mem), "%s / %s", a, b);
		snprintf(memp, sizeof(memp), "%.2f%%",
			 c->cg.mem_limit > 0 ? (double)c->cg.mem_usage / (double)c->cg.mem_limit * 100.0 : 0.0);
		cc_human_size(c->rx, a, sizeof(a));
		cc_human_size(c->tx, b, sizeof(b));
		snprintf(net, sizeof(net), "%s / %s", a, b);
		cc_human_size(c->cg.blk_read, a, sizeof(a));
		cc_human_size(c->cg.blk_write, b, sizeof(b));
		snprintf(blk, sizeof(blk), "%s / %s", a, b);
		snprintf(pids, sizeof(pids), "%" PRIu64, c->cg.pids);
	}
	char id[65];
	snprintf(id, sizeof(id), trunc ? "%.12s" : "%s", s->c->id);
	const char *name = s->c->name[0] == '/' ? s->c->name + 1 : s->c->name;
	/* docker's keys, in the order its json writes them (sorted) */
	return json_pack("{s:s, s:s, s:o, s:s, s:s, s:s, s:o, s:s, s:s}", "BlockIO", blk, "CPUPerc", cpu, "Container",
			 cc_json_text(s->container), "ID", id, "MemPerc", memp, "MemUsage", mem, "Name",
			 cc_json_text(name[0] != '\0' ? name : "--"), "NetIO", net, "PIDs", pids);
}

static json_t *stats_headers(void)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "Container", "CONTAINER", "ID", "CONTAINER ID",
			 "Name", "NAME", "CPUPerc", "CPU %", "MemUsage", "MEM USAGE / LIMIT", "MemPerc", "MEM %", "NetIO",
			 "NET I/O", "BlockIO", "BLOCK I/O", "PIDs", "PIDS");
}

static void stats_free(struct stats_entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		cc_container_record_free(v[i].c);
		free(v[i].container);
	}
	free(v);
}

/* The containers: those named (each must exist), else the running ones
 * (-a: all); prev samples carried over by ID. */
static int stats_list(struct cc_store *s, const struct stats_opts *o, int argc, char **argv,
		      struct stats_entry *old, size_t nold, struct stats_entry **ret, size_t *ret_n)
{
	struct stats_entry *v = NULL;
	size_t n = 0;
	int rc = 0;
	cc_error *e = NULL;
	if (argc > 0) {
		v = calloc((size_t)argc, sizeof(*v));
		for (int i = 0; v != NULL && i < argc; i++) {
			struct cc_container_record *c = cmd_container_get(s, argv[i]);
			if (c == NULL) {
				rc = EXIT_CC_ERROR;
				continue;
			}
			v[n].c = c;
			v[n++].container = strdup(argv[i]);
		}
	} else {
		struct cc_container_record **list = NULL;
		size_t nl = 0;
		if (cc_store_container_list(s, &list, &nl, &e) < 0)
			return cmd_fail(e, EXIT_CC_ERROR);
		v = calloc(nl + 1, sizeof(*v));
		for (size_t i = 0; i < nl; i++) {
			cmd_container_reconcile(s, list[i]);
			if (v == NULL || (!o->all && !live(list[i]))) {
				cc_container_record_free(list[i]);
				continue;
			}
			v[n].c = list[i];
			v[n++].container = strndup(list[i]->id, 12);
		}
		free(list);
	}
	if (v == NULL) {
		stats_free(v, n);
		return cmd_failf(EXIT_CC_ERROR, "out of memory");
	}
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < nold; k++)
			if (strcmp(old[k].c->id, v[i].c->id) == 0)
				v[i].prev = old[k].cur;
	*ret = v;
	*ret_n = n;
	return rc;
}

static int stats_print(const struct stats_opts *o, const struct stats_entry *v, size_t n, bool clear)
{
	json_t *headers = stats_headers();
	struct cc_format *f = NULL;
	cc_error *e = NULL;
	int rc = 0;
	if (cc_format_open(o->format, stats_default_table, headers, &f, &e) < 0) {
		json_decref(headers);
		return cmd_fail(e, EXIT_CC_ERROR);
	}
	json_decref(headers);
	cc_format_missingkey_error(f);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		json_t *row = stats_row(&v[i], !o->no_trunc);
		if (row == NULL)
			rc = cmd_failf(EXIT_CC_ERROR, "out of memory");
		else if (cc_format_row(f, row, &e) < 0)
			rc = cmd_fail(e, EXIT_CC_ERROR);
		json_decref(row);
	}
	if (rc == 0 && clear)
		fputs("\033[2J\033[H", stdout); /* docker's screen refresh */
	int w = rc == 0 ? cc_format_flush(f, stdout, &e) : 0;
	if (w < 0) {
		cc_error_free(e);
		rc = cmd_output_error(-w);
	} else if (rc == 0 && fflush(stdout) != 0) {
		rc = cmd_output_error(errno);
	}
	cc_format_free(f);
	return rc;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int stats_action(void *opts, int argc, char **argv)
{
	struct stats_opts *o = opts;
	if (o->all && argc > 0)
		o->all = false; /* docker: names win */
	struct cc_store *s = cmd_open_store();
	if (s == NULL)
		return EXIT_CC_ERROR;
	struct stats_entry *v = NULL;
	size_t n = 0;
	int rc = stats_list(s, o, argc, argv, NULL, 0, &v, &n);
	if (rc != 0 && n == 0) {
		stats_free(v, n);
		cc_store_close(s);
		return rc;
	}
	int listed = rc;
	/* the first screen: two samples STATS_FIRST_INTERVAL_MS apart */
	for (size_t i = 0; i < n; i++)
		stats_sample(v[i].c, host_network(v[i].c), &v[i].prev);
	sleep_ms(STATS_FIRST_INTERVAL_MS);
	for (size_t i = 0; i < n; i++)
		stats_sample(v[i].c, host_network(v[i].c), &v[i].cur);
	rc = stats_print(o, v, n, !o->no_stream);
	while (rc == 0 && !o->no_stream) {
		sleep_ms(1000);
		struct stats_entry *nv = NULL;
		size_t nn = 0;
		int r = stats_list(s, o, argc, argv, v, n, &nv, &nn);
		if (r != 0 && nn == 0) {
			rc = r;
			break;
		}
		stats_free(v, n);
		v = nv;
		n = nn;
		for (size_t i = 0; i < n; i++)
			stats_sample(v[i].c, host_network(v[i].c), &v[i].cur);
		rc = stats_print(o, v, n, true);
	}
	stats_free(v, n);
	cc_store_close(s);
	return rc != 0 ? rc : listed;
}

const struct cmd_verb cmd_stats_verb = {
	.name = "stats", .usage = "[OPTIONS] [CONTAINER...]",
	.summary = "Display a live stream of container(s) resource usage statistics",
	.description = "CPU % is the container's CPU time over the elapsed time between two samples (100% is one "
		       "CPU), the first two 250 ms apart, then a second; memory usage leaves out the inactive file "
		       "cache, as docker's; NET I/O is the container's interfaces but lo; BLOCK I/O is the cgroup's "
		       "(blkio on v1, io.stat on v2).",
	.opts = stats_options, .opts_size = sizeof(struct stats_opts), .min_args = 0, .max_args = -1,
	.complete_args = CMD_COMPLETE_RUNNING, .action = stats_action,
};
