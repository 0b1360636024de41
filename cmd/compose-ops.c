/* The compose verbs over a project's containers: ps, ls, logs (and up's
 * attached output), start, stop, restart, kill, rm, exec, run, top, port,
 * images, build, pull, push (compose.h).  Each one works on the
 * containers the project's labels name, through the same library calls
 * (or verbs) as the container verbs. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "compose.h"
#include "template/template.h"
#include "util/strbuf.h"

/* The project and its containers, the store open; 0 or the status. */
struct proj {
	struct cc_compose_project *p;
	struct cc_store *s;
	struct compose_ctrs cs;
	bool *sel;
};

static void proj_release(struct proj *j)
{
	compose_ctrs_release(&j->cs);
	cc_store_close(j->s);
	cc_compose_project_free(j->p);
	free(j->sel);
}

/* services: the arguments naming services (checked); oneoff: one-off
 * containers too; only_running. */
static int proj_open(struct proj *j, int argc, char **argv, bool oneoff, bool only_running)
{
	*j = (struct proj){ 0 };
	int rc = compose_load(&j->p);
	if (rc == 0)
		rc = compose_check_services(j->p, argc, argv);
	if (rc == 0 && (j->s = cmd_open_store()) == NULL)
		rc = 1;
	if (rc == 0)
		rc = compose_containers(j->s, j->p->name, &j->cs);
	if (rc == 0 && (j->sel = calloc(j->cs.n ? j->cs.n : 1, sizeof(bool))) == NULL)
		rc = cmd_failf(1, "out of memory");
	for (size_t i = 0; rc == 0 && i < j->cs.n; i++)
		j->sel[i] = compose_selected(&j->cs.v[i], argc, argv) && (oneoff || !j->cs.v[i].oneoff) &&
			    (!only_running || cc_container_is_running(j->cs.v[i].rec));
	if (rc != 0)
		proj_release(j);
	return rc;
}

/* A table's rows out (when rc is 0) and the format freed: the status. */
static int format_done(struct cc_format *f, int rc)
{
	cc_error *e = NULL;
	if (rc == 0 && cc_format_flush(f, stdout, &e) < 0)
		rc = e && e->kind == EPIPE ? cmd_output_error(EPIPE) : cmd_fail(e, 1);
	cc_format_free(f);
	return rc;
}

/* ---- ps ---- */

struct ps_opts {
	bool all, quiet, services, no_trunc;
	const char *format;
	struct cmd_strv status, filter;
};

static json_t *ps_object(struct cc_store *s, const struct compose_ctr *c, const char *project)
{
	char status[128];
	cmd_container_status_text(c->rec, status, sizeof(status));
	_cleanup_free_ char *ports = cmd_container_ports_text(c->rec);
	json_t *cfg = cc_container_config(c->rec);
	json_t *h = cc_container_health(s, c->rec, cfg);
	const json_t *labels = json_object_get(cfg, "Labels");
	struct cc_strbuf lt = { 0 };
	cc_strbuf_add(&lt, "", 0);
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)labels, k, v)
		cc_strbuf_addf(&lt, "%s%s=%s", lt.len ? "," : "", k, json_string_value(v) ? json_string_value(v) : "");
	_cleanup_free_ char *ltext = cc_strbuf_steal(&lt);
	_cleanup_free_ char *image = cmd_familiar_ref(c->rec->image_name ? c->rec->image_name : "");
	char created[64];
	cc_human_ago((int64_t)time(NULL) - c->rec->created, created, sizeof(created) - 4);
	strncat(created, " ago", sizeof(created) - strlen(created) - 1);
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:s}", "ID",
			      c->rec->id, "Name", c->rec->name, "Names", c->rec->name, "Image", image ? image : "",
			      "Command", c->rec->command ? c->rec->command : "", "Project", project, "Service",
			      c->service, "State", c->rec->state, "Status", status, "Health", h ? cc_health_status(h) : "",
			      "RunningFor", created, "ExitCode", c->rec->exit_code, "Labels", ltext ? ltext : "",
			      "Ports", ports ? ports : "", "CreatedAt", "");
	if (o != NULL) {
		char when[64];
		time_t t = (time_t)c->rec->created;
		struct tm tm;
		if (localtime_r(&t, &tm) && strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %z %Z", &tm) > 0)
			json_object_set_new(o, "CreatedAt", json_string(when));
	}
	json_decref(h);
	json_decref(cfg);
	return o;
}

static bool ps_status_wanted(const struct ps_opts *o, const struct compose_ctr *c)
{
	size_t n = o->status.n + o->filter.n;
	if (n == 0)
		return true;
	for (size_t i = 0; i < o->status.n; i++)
		if (strcmp(o->status.v[i], c->rec->state) == 0)
			return true;
	for (size_t i = 0; i < o->filter.n; i++)
		if (strncmp(o->filter.v[i], "status=", 7) == 0 && strcmp(o->filter.v[i] + 7, c->rec->state) == 0)
			return true;
	return false;
}

static int ps_action(void *opts, int argc, char **argv)
{
	struct ps_opts *o = opts;
	for (size_t i = 0; i < o->filter.n; i++)
		if (strncmp(o->filter.v[i], "status=", 7) != 0)
			return cmd_usagef("invalid filter '%s' (compose ps filters by status=)", o->filter.v[i]);
	struct proj j;
	int rc = proj_open(&j, argc, argv, true, false);
	if (rc != 0)
		return rc;
	if (o->services) {
		for (size_t i = 0; i < j.p->n_services; i++)
			for (size_t k = 0; k < j.cs.n; k++)
				if (j.sel[k] && strcmp(j.cs.v[k].service, j.p->services[i].name) == 0 &&
				    cc_container_is_running(j.cs.v[k].rec)) {
					printf("%s\n", j.p->services[i].name);
					break;
				}
		proj_release(&j);
		return fflush(stdout) == 0 ? 0 : cmd_output_error(errno);
	}
	const char *format = o->quiet ? "{{.ID}}" : strcmp(o->format, "table") == 0 ? NULL : o->format;
	json_t *headers = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "Name", "NAME", "Image", "IMAGE",
				    "Command", "COMMAND", "Service", "SERVICE", "RunningFor", "CREATED", "Status",
				    "STATUS", "Ports", "PORTS", "ID", "CONTAINER ID", "State", "STATE", "Project",
				    "PROJECT");
	struct cc_format *f = NULL;
	cc_error *e = NULL;
	if (headers == NULL ||
	    cc_format_open(format, "table {{.Name}}\t{{.Image}}\t{{.Command}}\t{{.Service}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}",
			   headers, &f, &e) < 0) {
		json_decref(headers);
		proj_release(&j);
		if (e == NULL)
			return cmd_failf(1, "out of memory");
		cc_error_prefix(&e, "failed to parse template");
		return cmd_fail(e, 1);
	}
	json_decref(headers);
	for (size_t i = 0; i < j.cs.n && rc == 0; i++) {
		const struct compose_ctr *c = &j.cs.v[i];
		/* docker compose: a status asked for implies -a */
		bool all = o->all || o->status.n > 0 || o->filter.n > 0;
		if (!j.sel[i] || (!all && !cc_container_is_running(c->rec)) || !ps_status_wanted(o, c))
			continue;
		json_t *row = ps_object(j.s, c, j.p->name);
		if (row == NULL) {
			rc = cmd_failf(1, "out of memory");
			break;
		}
		const char *cmd = json_string_value(json_object_get(row, "Command"));
		_cleanup_free_ char *quoted = cmd ? cc_go_quote(cmd) : NULL;
		_cleanup_free_ char *cut = quoted && !o->no_trunc ? cc_ellipsis(quoted, 20) : NULL;
		if (cut || quoted)
			json_object_set_new(row, "Command", json_string(cut ? cut : quoted));
		if (cc_format_row(f, row, &e) < 0)
			rc = cmd_fail(e, 1);
		json_decref(row);
	}
	rc = format_done(f, rc);
	proj_release(&j);
	return rc;
}

static const struct cmd_opt ps_options[] = {
	OPT_BOOL('a', "all", struct ps_opts, all, "Show all stopped containers (including those created by the run command)"),
	OPT_LIST(0, "filter", struct ps_opts, filter, "string", "Filter services by a property (status=running)"),
	OPT_STRING(0, "format", struct ps_opts, format, "string",
		   "Format the output. Values: [table | json | TEMPLATE]", .def = "table"),
	OPT_BOOL(0, "no-trunc", struct ps_opts, no_trunc, "Don't truncate output"),
	OPT_BOOL('q', "quiet", struct ps_opts, quiet, "Only display IDs"),
	OPT_BOOL(0, "services", struct ps_opts, services, "Display services"),
	OPT_LIST(0, "status", struct ps_opts, status, "stringArray",
		 "Filter services by status. Values: [paused | restarting | removing | running | dead | created | exited]"),
	OPT_END,
};

const struct cmd_verb compose_ps_verb = {
	.name = "ps", .usage = "[OPTIONS] [SERVICE...]", .summary = "List containers", .opts = ps_options,
	.opts_size = sizeof(struct ps_opts), .flags = CMD_VERB_NO_STORE, .max_args = -1, .action = ps_action,
};

/* ---- ls ---- */

struct ls_opts {
	bool all, quiet;
	const char *format;
};

static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* An object's keys, sorted and NULL-ended (the object's strings); NULL
 * when out of memory. */
static const char **sorted_keys(const json_t *o)
{
	const char **v = calloc(json_object_size(o) + 1, sizeof(char *));
	size_t n = 0;
	const char *k;
	const json_t *x;
	if (v == NULL)
		return NULL;
	json_object_foreach((json_t *)o, k, x)
		v[n++] = k;
	qsort(v, n, sizeof(*v), key_cmp);
	return v;
}

static int ls_action(void *opts, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	struct ls_opts *o = opts;
	if (strcmp(o->format, "table") != 0 && strcmp(o->format, "json") != 0)
		return cmd_usagef("invalid --format '%s' (table or json)", o->format);
	struct cc_store *s = cmd_open_store();
	if (s == NULL)
		return 1;
	struct cc_container_record **all = NULL;
	size_t n = 0;
	cc_error *e = NULL;
	if (cc_store_container_list(s, &all, &n, &e) < 0) {
		cc_store_close(s);
		return cmd_fail(e, 1);
	}
	/* project -> {running, exited, ..., files} */
	json_t *projects = json_object();
	for (size_t i = 0; i < n; i++) {
		cmd_container_reconcile(s, all[i]);
		json_t *cfg = cc_container_config(all[i]);
		const json_t *l = json_object_get(cfg, "Labels");
		const char *proj = json_string_value(json_object_get(l, COMPOSE_LABEL_PROJECT));
		const char *files = json_string_value(json_object_get(l, "com.docker.compose.project.config_files"));
		if (proj && projects) {
			json_t *p = json_object_get(projects, proj);
			if (p == NULL) {
				p = json_object();
				json_object_set_new(projects, proj, p);
			}
			json_t *counts = json_object_get(p, "counts");
			if (counts == NULL)
				json_object_set_new(p, "counts", counts = json_object());
			json_int_t k = json_integer_value(json_object_get(counts, all[i]->state));
			json_object_set_new(counts, all[i]->state, json_integer(k + 1));
			if (files && json_object_get(p, "files") == NULL)
				json_object_set_new(p, "files", json_string(files));
		}
		json_decref(cfg);
		cc_container_record_free(all[i]);
	}
	free(all);
	cc_store_close(s);
	if (projects == NULL)
		return cmd_failf(1, "out of memory");
	/* docker compose's order: projects by name, each one's states by
	 * name ("exited(1), running(2)") */
	json_t *out = json_array();
	const char **names = sorted_keys(projects);
	for (size_t k = 0; names && names[k]; k++) {
		json_t *p = json_object_get(projects, names[k]);
		json_t *counts = json_object_get(p, "counts");
		if (!o->all && json_object_get(counts, "running") == NULL)
			continue;
		struct cc_strbuf st = { 0 };
		cc_strbuf_add(&st, "", 0);
		const char **states = sorted_keys(counts);
		for (size_t m = 0; states && states[m]; m++)
			cc_strbuf_addf(&st, "%s%s(%lld)", st.len ? ", " : "", states[m],
				       (long long)json_integer_value(json_object_get(counts, states[m])));
		free(states);
		_cleanup_free_ char *status = cc_strbuf_steal(&st);
		const char *files = json_string_value(json_object_get(p, "files"));
		json_array_append_new(out, json_pack("{s:s, s:s, s:s}", "Name", names[k], "Status", status ? status : "",
						     "ConfigFiles", files ? files : ""));
	}
	free(names);
	size_t i;
	json_t *row;
	if (strcmp(o->format, "json") == 0 && !o->quiet) {
		char *text = json_dumps(out, JSON_COMPACT);
		printf("%s\n", text ? text : "[]");
		free(text);
	} else if (o->quiet) {
		json_array_foreach(out, i, row)
			printf("%s\n", json_string_value(json_object_get(row, "Name")));
	} else {
		/* docker's tabwriter: a column is 20 wide, or its widest cell
		 * and 3 spaces */
		int wn = (int)strlen("NAME") + 3, ws = (int)strlen("STATUS") + 3;
		json_array_foreach(out, i, row) {
			int nw = (int)strlen(json_string_value(json_object_get(row, "Name"))) + 3;
			int st = (int)strlen(json_string_value(json_object_get(row, "Status"))) + 3;
			wn = nw > wn ? nw : wn;
			ws = st > ws ? st : ws;
		}
		wn = wn < 20 ? 20 : wn;
		ws = ws < 20 ? 20 : ws;
		printf("%-*s%-*s%s\n", wn, "NAME", ws, "STATUS", "CONFIG FILES");
		json_array_foreach(out, i, row)
			printf("%-*s%-*s%s\n", wn, json_string_value(json_object_get(row, "Name")), ws,
			       json_string_value(json_object_get(row, "Status")),
			       json_string_value(json_object_get(row, "ConfigFiles")));
	}
	json_decref(out);
	json_decref(projects);
	return fflush(stdout) == 0 ? 0 : cmd_output_error(errno);
}

static const struct cmd_opt ls_options[] = {
	OPT_BOOL('a', "all", struct ls_opts, all, "Show all stopped Compose projects"),
	OPT_STRING(0, "format", struct ls_opts, format, "string", "Format the output. Values: [table | json]", .def = "table"),
	OPT_BOOL('q', "quiet", struct ls_opts, quiet, "Only display project names"),
	OPT_END,
};

const struct cmd_verb compose_ls_verb = {
	.name = "ls", .usage = "[OPTIONS]", .summary = "List running compose projects", .opts = ls_options,
	.opts_size = sizeof(struct ls_opts), .flags = CMD_VERB_NO_STORE, .action = ls_action,
};

/* ---- logs, and up's attached output ---- */

/* docker compose's colours, one a service */
static const char *const colours[] = { "36", "33", "32", "35", "34", "96", "93", "92", "95", "94" };

struct stream {
	int fd;
	const struct cc_container_record *rec;
	const char *colour; /* NULL: none */
	char prefix[160];
	size_t plen;
	char *part; /* a line not ended yet */
	size_t n_part;
};

static void emit(const struct stream *st, const char *line, size_t n, bool nl)
{
	struct cc_strbuf sb = { 0 };
	cc_strbuf_add(&sb, st->prefix, st->plen);
	cc_strbuf_add(&sb, line, n);
	if (nl)
		cc_strbuf_add(&sb, "\n", 1);
	if (sb.buf)
		(void)cc_write_all(STDOUT_FILENO, sb.buf, sb.len);
	cc_strbuf_release(&sb);
}

/* docker compose's "NAME exited with code N" when an attached
 * container's log ends (its state read again: the monitor has gone); the
 * code, or -1. */
static int emit_exit(const struct stream *st)
{
	struct cc_store *s = cmd_open_store();
	struct cc_container_record *c = s ? cmd_container_get(s, st->rec->id) : NULL;
	int code = -1;
	if (c != NULL) {
		cmd_container_reconcile(s, c);
		char line[256];
		int n = st->colour ? snprintf(line, sizeof(line), "\033[%sm%s exited with code %d\033[0m\n", st->colour,
					       c->name, c->exit_code)
				   : snprintf(line, sizeof(line), "%s exited with code %d\n", c->name, c->exit_code);
		if (n > 0)
			(void)cc_write_all(STDOUT_FILENO, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
		code = c->exit_code;
	}
	cc_container_record_free(c);
	cc_store_close(s);
	return code;
}

/* Each container's log (logs -f style, its own process) into a pipe, the
 * lines here with "name  | " before them.  With exits, a log's end is
 * said as docker compose's up says it, and with stop_on_first the first
 * end returns (--abort-on-container-exit), its container's exit code in
 * *first_exit.  Returns when every log has ended, or at SIGINT/SIGTERM
 * (*interrupted). */
static int multiplex(struct compose_ctrs *cs, const bool *sel, long tail, bool follow, bool timestamps, bool colour,
		     bool prefix, bool exits, bool stop_on_first, int *first_exit, bool *interrupted)
{
	size_t n = 0, width = 0;
	for (size_t i = 0; i < cs->n; i++)
		if (sel[i]) {
			n++;
			size_t w = strlen(cs->v[i].rec->name);
			width = w > width ? w : width;
		}
	struct stream *st = calloc(n ? n : 1, sizeof(*st));
	pid_t *kids = calloc(n ? n : 1, sizeof(pid_t));
	if (st == NULL || kids == NULL) {
		free(st);
		free(kids);
		return cmd_failf(1, "out of memory");
	}
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	size_t k = 0, service_no = 0;
	const char *last_service = NULL;
	fflush(stdout);
	fflush(stderr);
	for (size_t i = 0; i < cs->n; i++) {
		if (!sel[i])
			continue;
		if (last_service == NULL || strcmp(last_service, cs->v[i].service) != 0) {
			if (last_service)
				service_no++;
			last_service = cs->v[i].service;
		}
		int pfd[2];
		if (pipe2(pfd, O_CLOEXEC) < 0)
			continue;
		pid_t p = fork();
		if (p == 0) {
			sigprocmask(SIG_SETMASK, &old, NULL);
			signal(SIGINT, SIG_DFL);
			(void)dup2(pfd[1], STDOUT_FILENO);
			(void)dup2(pfd[1], STDERR_FILENO);
			struct cc_store *cs2 = cmd_open_store();
			int r = cs2 ? cmd_logs_print(cs2, cs->v[i].rec, tail, follow, timestamps, 0) : 1;
			cc_store_close(cs2);
			fflush(stdout);
			_exit(r);
		}
		close(pfd[1]);
		if (p < 0) {
			close(pfd[0]);
			continue;
		}
		kids[k] = p;
		st[k].fd = pfd[0];
		st[k].rec = cs->v[i].rec;
		st[k].colour = colour ? colours[service_no % 10] : NULL;
		const char *name = cs->v[i].rec->name;
		if (!prefix)
			st[k].plen = 0;
		else if (colour)
			st[k].plen = (size_t)snprintf(st[k].prefix, sizeof(st[k].prefix), "\033[%sm%-*s  |\033[0m ",
						      colours[service_no % 10], (int)width, name);
		else
			st[k].plen = (size_t)snprintf(st[k].prefix, sizeof(st[k].prefix), "%-*s  | ", (int)width, name);
		if (st[k].plen >= sizeof(st[k].prefix))
			st[k].plen = sizeof(st[k].prefix) - 1;
		k++;
	}
	int sfd = signalfd(-1, &block, SFD_CLOEXEC | SFD_NONBLOCK);
	size_t open_n = k;
	struct pollfd *pf = calloc(k + 1, sizeof(*pf));
	while (pf != NULL && open_n > 0) {
		size_t m = 0;
		for (size_t i = 0; i < k; i++)
			pf[m++] = (struct pollfd){ .fd = st[i].fd, .events = POLLIN };
		pf[m++] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		if (poll(pf, m, -1) < 0 && errno != EINTR)
			break;
		if (sfd >= 0 && (pf[m - 1].revents & POLLIN)) {
			*interrupted = true;
			break;
		}
		bool stop = false;
		for (size_t i = 0; i < k; i++) {
			if (st[i].fd < 0 || !(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			char buf[8192];
			ssize_t r = read(st[i].fd, buf, sizeof(buf));
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				if (st[i].n_part)
					emit(&st[i], st[i].part, st[i].n_part, true);
				free(st[i].part);
				st[i].part = NULL;
				st[i].n_part = 0;
				close(st[i].fd);
				st[i].fd = -1;
				open_n--;
				int code = exits ? emit_exit(&st[i]) : -1;
				if (stop_on_first && !stop && first_exit)
					*first_exit = code;
				stop |= stop_on_first;
				continue;
			}
			size_t start = 0;
			for (size_t b = 0; b < (size_t)r; b++) {
				if (buf[b] != '\n')
					continue;
				if (st[i].n_part) {
					char *joined = realloc(st[i].part, st[i].n_part + (b - start));
					if (joined) {
						memcpy(joined + st[i].n_part, buf + start, b - start);
						emit(&st[i], joined, st[i].n_part + (b - start), true);
					}
					free(joined ? joined : st[i].part);
					st[i].part = NULL;
					st[i].n_part = 0;
				} else {
					emit(&st[i], buf + start, b - start, true);
				}
				start = b + 1;
			}
			if (start < (size_t)r && st[i].n_part + ((size_t)r - start) < (1 << 20)) {
				char *more = realloc(st[i].part, st[i].n_part + ((size_t)r - start));
				if (more) {
					memcpy(more + st[i].n_part, buf + start, (size_t)r - start);
					st[i].part = more;
					st[i].n_part += (size_t)r - start;
				}
			}
		}
		if (stop)
			break;
	}
	free(pf);
	for (size_t i = 0; i < k; i++) {
		if (st[i].fd >= 0)
			close(st[i].fd);
		free(st[i].part);
		(void)kill(kids[i], SIGTERM);
		while (waitpid(kids[i], NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (sfd >= 0)
		close(sfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	free(st);
	free(kids);
	return 0;
}

struct logs_opts {
	bool follow, timestamps, no_color, no_log_prefix;
	const char *tail;
	int64_t index;
};

static bool use_colour(bool no_color)
{
	const char *nc = getenv("NO_COLOR");
	return !no_color && (nc == NULL || nc[0] == '\0') && isatty(STDOUT_FILENO);
}

static int logs_action(void *opts, int argc, char **argv)
{
	struct logs_opts *o = opts;
	long tail = -1;
	if (strcmp(o->tail, "all") != 0) {
		char *end;
		errno = 0;
		long v = strtol(o->tail, &end, 10);
		if (*o->tail == '\0' || *end != '\0' || errno != 0 || v < 0)
			return cmd_usagef("invalid --tail '%s'", o->tail);
		tail = v;
	}
	struct proj j;
	int rc = proj_open(&j, argc, argv, true, false);
	if (rc != 0)
		return rc;
	for (size_t i = 0; i < j.cs.n; i++)
		if (o->index > 0 && j.cs.v[i].number != o->index)
			j.sel[i] = false;
	bool interrupted = false;
	rc = multiplex(&j.cs, j.sel, tail, o->follow, o->timestamps, use_colour(o->no_color), !o->no_log_prefix, false,
		       false, NULL, &interrupted);
	proj_release(&j);
	return interrupted ? 130 : rc;
}

static const struct cmd_opt logs_options[] = {
	OPT_BOOL('f', "follow", struct logs_opts, follow, "Follow log output"),
	OPT_INT(0, "index", struct logs_opts, index, "int", "index of the container if service has multiple replicas"),
	OPT_BOOL(0, "no-color", struct logs_opts, no_color, "Produce monochrome output"),
	OPT_BOOL(0, "no-log-prefix", struct logs_opts, no_log_prefix, "Don't print prefix in logs"),
	OPT_STRING('n', "tail", struct logs_opts, tail, "string",
		   "Number of lines to show from the end of the logs for each container", .def = "all"),
	OPT_BOOL('t', "timestamps", struct logs_opts, timestamps, "Show timestamps"),
	OPT_END,
};

const struct cmd_verb compose_logs_verb = {
	.name = "logs", .usage = "[OPTIONS] [SERVICE...]", .summary = "View output from containers",
	.opts = logs_options, .opts_size = sizeof(struct logs_opts), .flags = CMD_VERB_NO_STORE, .max_args = -1,
	.action = logs_action,
};

static int stop_one(struct cc_store *s, struct cc_container_record *c, const void *arg)
{
	int timeout = *(const int *)arg;
	if (!cc_container_is_running(c))
		return 0;
	compose_progress("Container", c->name, "Stopping");
	cc_error *e = NULL;
	if (cc_container_stop(s, c, timeout >= 0 ? timeout : cc_container_stop_timeout(c), cc_container_stop_signal(s, c),
			      &e) < 0)
		return cmd_fail(e, 1);
	compose_progress("Container", c->name, "Stopped");
	return 0;
}

int compose_attach(struct cc_store *s, const struct cc_compose_project *p, const bool *want, bool no_color,
		   bool no_prefix, bool abort_on_exit, int timeout)
{
	struct compose_ctrs cs = { 0 };
	int rc = compose_containers(s, p->name, &cs);
	if (rc != 0)
		return rc;
	bool *sel = calloc(cs.n ? cs.n : 1, sizeof(bool));
	if (sel == NULL) {
		compose_ctrs_release(&cs);
		return cmd_failf(1, "out of memory");
	}
	struct cc_strbuf names = { 0 };
	for (size_t i = 0; i < cs.n; i++) {
		const struct cc_compose_service *sv = compose_service(p, cs.v[i].service);
		sel[i] = !cs.v[i].oneoff && sv != NULL && want[sv - p->services];
		if (sel[i])
			cc_strbuf_addf(&names, "%s%s", names.len ? ", " : "", cs.v[i].rec->name);
	}
	printf("Attaching to %s\n", names.buf ? names.buf : "");
	cc_strbuf_release(&names);
	bool interrupted = false;
	int first_exit = -1;
	rc = multiplex(&cs, sel, -1, true, false, use_colour(no_color), !no_prefix, true, abort_on_exit, &first_exit,
		       &interrupted);
	if (interrupted || abort_on_exit) {
		/* docker compose: Ctrl-C (or the first exit) stops the project */
		if (interrupted)
			fprintf(stderr, "Gracefully stopping... (press Ctrl+C again to force)\n");
		else
			fprintf(stderr, "Aborting on container exit...\n");
		compose_ctrs_release(&cs);
		rc = compose_containers(s, p->name, &cs);
		bool *again = rc == 0 ? calloc(cs.n ? cs.n : 1, sizeof(bool)) : NULL;
		for (size_t i = 0; again && i < cs.n; i++) {
			const struct cc_compose_service *sv = compose_service(p, cs.v[i].service);
			again[i] = !cs.v[i].oneoff && sv != NULL && want[sv - p->services];
		}
		if (again)
			rc = compose_each_parallel(&cs, again, stop_one, &timeout);
		free(again);
		if (interrupted)
			rc = 130;
		else if (rc == 0 && first_exit > 0)
			rc = first_exit; /* docker compose's status: the first to end's */
	}
	free(sel);
	compose_ctrs_release(&cs);
	return rc;
}

/* ---- start, stop, restart, kill, rm ---- */

struct ctl_opts {
	int64_t timeout;
	const char *signal;
	bool force, stop, volumes;
};

static int start_one(struct cc_store *s, struct cc_container_record *c, const void *arg)
{
	(void)arg;
	if (cc_container_is_running(c))
		return 0;
	compose_progress("Container", c->name, "Starting");
	cc_error *e = NULL;
	if (cc_container_start_detached(s, c, &e) < 0)
		return cmd_fail(e, 1);
	compose_progress("Container", c->name, "Started");
	return 0;
}

static int restart_one(struct cc_store *s, struct cc_container_record *c, const void *arg)
{
	int rc = stop_one(s, c, arg);
	if (rc == 0) {
		compose_progress("Container", c->name, "Restarting");
		cmd_container_reconcile(s, c);
		rc = start_one(s, c, NULL);
	}
	return rc;
}

static int kill_one(struct cc_store *s, struct cc_container_record *c, const void *arg)
{
	if (!cc_container_is_running(c))
		return 0;
	compose_progress("Container", c->name, "Killing");
	cc_error *e = NULL;
	if (cc_container_kill(s, c, *(const int *)arg, &e) < 0)
		return cmd_fail(e, 1);
	compose_progress("Container", c->name, "Killed");
	return 0;
}

enum ctl_order {
	CTL_PARALLEL, /* every container at once (kill) */
	CTL_DEPS_FIRST, /* a service after what it depends on (restart) */
	CTL_DEPS_FIRST_WAIT, /* and once their conditions hold (start, as up) */
	CTL_DEPENDENTS_FIRST, /* a service after what depends on it (stop) */
};

struct ctl_wave {
	struct proj *j;
	compose_each_fn fn;
	const void *arg;
	bool wait;
};

/* One service's turn: its selected containers, side by side. */
static int ctl_service(const struct cc_compose_project *p, size_t i, const bool *want, const void *arg)
{
	const struct ctl_wave *w = arg;
	if (w->wait && compose_wait_dependencies(p, &p->services[i], want) != 0)
		return 1;
	bool *mine = calloc(w->j->cs.n ? w->j->cs.n : 1, sizeof(bool));
	if (mine == NULL)
		return cmd_failf(1, "out of memory");
	for (size_t k = 0; k < w->j->cs.n; k++)
		mine[k] = w->j->sel[k] && strcmp(w->j->cs.v[k].service, p->services[i].name) == 0;
	int rc = compose_each_parallel(&w->j->cs, mine, w->fn, w->arg);
	free(mine);
	return rc;
}

static int ctl(int argc, char **argv, compose_each_fn fn, const void *arg, bool only_running, enum ctl_order order)
{
	struct proj j;
	int rc = proj_open(&j, argc, argv, false, only_running);
	if (rc != 0)
		return rc;
	if (order == CTL_PARALLEL) {
		rc = compose_each_parallel(&j.cs, j.sel, fn, arg);
		proj_release(&j);
		return rc;
	}
	/* the services in dependency order (docker compose's), then the
	 * containers of services the files no longer have */
	bool *want = calloc(j.p->n_services ? j.p->n_services : 1, sizeof(bool));
	bool *orphan = calloc(j.cs.n ? j.cs.n : 1, sizeof(bool));
	if (want == NULL || orphan == NULL)
		rc = cmd_failf(1, "out of memory");
	for (size_t k = 0; rc == 0 && k < j.cs.n; k++) {
		const struct cc_compose_service *sv = compose_service(j.p, j.cs.v[k].service);
		if (sv != NULL)
			want[sv - j.p->services] |= j.sel[k];
		else
			orphan[k] = j.sel[k];
	}
	struct ctl_wave w = { .j = &j, .fn = fn, .arg = arg, .wait = order == CTL_DEPS_FIRST_WAIT };
	if (rc == 0)
		rc = compose_in_waves(j.p, want, order == CTL_DEPENDENTS_FIRST, ctl_service, &w);
	if (rc == 0)
		rc = compose_each_parallel(&j.cs, orphan, fn, arg);
	free(want);
	free(orphan);
	proj_release(&j);
	return rc;
}

static int start_action(void *opts, int argc, char **argv)
{
	(void)opts;
	return ctl(argc, argv, start_one, NULL, false, CTL_DEPS_FIRST_WAIT);
}

static int stop_action(void *opts, int argc, char **argv)
{
	int t = (int)((struct ctl_opts *)opts)->timeout;
	return ctl(argc, argv, stop_one, &t, true, CTL_DEPENDENTS_FIRST);
}

static int restart_action(void *opts, int argc, char **argv)
{
	int t = (int)((struct ctl_opts *)opts)->timeout;
	return ctl(argc, argv, restart_one, &t, false, CTL_DEPS_FIRST);
}

static int kill_action(void *opts, int argc, char **argv)
{
	struct ctl_opts *o = opts;
	int sig = cc_container_parse_signal(o->signal);
	if (sig <= 0)
		return cmd_usagef("invalid signal: %s", o->signal);
	return ctl(argc, argv, kill_one, &sig, true, CTL_PARALLEL);
}

static int rm_action(void *opts, int argc, char **argv)
{
	struct ctl_opts *o = opts;
	struct proj j;
	int rc = proj_open(&j, argc, argv, true, false);
	if (rc != 0)
		return rc;
	if (o->stop) {
		int t = -1;
		rc = compose_each_parallel(&j.cs, j.sel, stop_one, &t);
		compose_ctrs_release(&j.cs);
		if (rc == 0)
			rc = compose_containers(j.s, j.p->name, &j.cs);
		free(j.sel);
		j.sel = calloc(j.cs.n ? j.cs.n : 1, sizeof(bool));
		for (size_t i = 0; j.sel && i < j.cs.n; i++)
			j.sel[i] = compose_selected(&j.cs.v[i], argc, argv);
	}
	struct cc_strbuf names = { 0 };
	for (size_t i = 0; rc == 0 && j.sel && i < j.cs.n; i++) {
		if (j.sel[i] && cc_container_is_running(j.cs.v[i].rec))
			j.sel[i] = false; /* docker compose rm: stopped ones only */
		if (j.sel[i])
			cc_strbuf_addf(&names, "%s%s", names.len ? ", " : "", j.cs.v[i].rec->name);
	}
	if (rc == 0 && names.len == 0) {
		fprintf(stderr, "No stopped containers\n");
	} else if (rc == 0) {
		bool go = o->force;
		if (!go) {
			fprintf(stderr, "Going to remove %s\n? Are you sure? [y/N] ", names.buf);
			char line[16] = "";
			go = fgets(line, sizeof(line), stdin) != NULL && (line[0] == 'y' || line[0] == 'Y');
		}
		for (size_t i = 0; go && i < j.cs.n; i++) {
			if (!j.sel[i])
				continue;
			json_t *cfg = o->volumes ? cc_container_config(j.cs.v[i].rec) : NULL;
			_cleanup_strv_ char **anon = cfg ? cc_container_anonymous_volumes(cfg) : NULL;
			json_decref(cfg);
			compose_progress("Container", j.cs.v[i].rec->name, "Removing");
			cc_error *e = NULL;
			if (cc_container_remove(j.s, j.cs.v[i].rec, false, 0, &e) < 0) {
				rc = cmd_fail(e, 1);
				continue;
			}
			if (anon)
				cc_container_remove_volumes(j.s, anon);
			compose_progress("Container", j.cs.v[i].rec->name, "Removed");
		}
	}
	cc_strbuf_release(&names);
	proj_release(&j);
	return rc;
}

static const struct cmd_opt start_options[] = { OPT_END };
static const struct cmd_opt stop_options[] = {
	OPT_INT('t', "timeout", struct ctl_opts, timeout, "int", "Specify a shutdown timeout in seconds", .def = "-1"),
	OPT_END,
};
static const struct cmd_opt kill_options[] = {
	OPT_STRING('s', "signal", struct ctl_opts, signal, "string", "SIGNAL to send to the container", .def = "SIGKILL"),
	OPT_END,
};
static const struct cmd_opt rm_options[] = {
	OPT_BOOL('f', "force", struct ctl_opts, force, "Don't ask to confirm removal"),
	OPT_BOOL('s', "stop", struct ctl_opts, stop, "Stop the containers, if required, before removing"),
	OPT_BOOL('v', "volumes", struct ctl_opts, volumes, "Remove any anonymous volumes attached to containers"),
	OPT_END,
};

const struct cmd_verb compose_start_verb = {
	.name = "start", .usage = "[SERVICE...]", .summary = "Start services", .opts = start_options,
	.opts_size = sizeof(struct ctl_opts), .flags = CMD_VERB_NO_STORE, .max_args = -1, .action = start_action,
};
const struct cmd_verb compose_stop_verb = {
	.name = "stop", .usage = "[OPTIONS] [SERVICE...]", .summary = "Stop services", .opts = stop_options,
	.opts_size = sizeof(struct ctl_opts), .flags = CMD_VERB_NO_STORE, .max_args = -1, .action = stop_action,
};
const struct cmd_verb compose_restart_verb = {
	.name = "restart", .usage = "[OPTIONS] [SERVICE...]", .summary = "Restart service containers",
	.opts = stop_options, .opts_size = sizeof(struct ctl_opts), .flags = CMD_VERB_NO_STORE, .max_args = -1,
	.action = restart_action,
};
const struct cmd_verb compose_kill_verb = {
	.name = "kill", .usage = "[OPTIONS] [SERVICE...]", .summary = "Force stop service containers",
	.opts = kill_options, .opts_size = sizeof(struct ctl_opts), .flags = CMD_VERB_NO_STORE, .max_args = -1,
	.action = kill_action,
};
const struct cmd_verb compose_rm_verb = {
	.name = "rm", .usage = "[OPTIONS] [SERVICE...]", .summary = "Removes stopped service containers",
	.opts = rm_options, .opts_size = sizeof(struct ctl_opts), .flags = CMD_VERB_NO_STORE, .max_args = -1,
	.action = rm_action,
};

/* ---- exec, run ---- */

/* The running container number index (0: the first) of a service. */
static struct cc_container_record *service_container(struct proj *j, const char *service, int64_t index)
{
	for (size_t i = 0; i < j->cs.n; i++) {
		const struct compose_ctr *c = &j->cs.v[i];
		if (!c->oneoff && strcmp(c->service, service) == 0 && (index > 0 ? c->number == index : true) &&
		    cc_container_is_running(c->rec))
			return c->rec;
	}
	return NULL;
}

struct exec_opts {
	bool detach, no_tty, privileged, interactive, tty;
	struct cmd_strv env;
	const char *user, *workdir;
	int64_t index;
};

/* argv for a verb: fixed words, then the user's */
struct args {
	char **v;
	int n;
	size_t cap;
};

static void args_add(struct args *a, const char *s)
{
	if ((size_t)a->n + 2 > a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 32;
		char **v = realloc(a->v, cap * sizeof(char *));
		if (v == NULL)
			return;
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n++] = (char *)s;
	a->v[a->n] = NULL;
}

/* flag and value, when there is a value; flag and each of a list */
static void args_opt(struct args *a, const char *flag, const char *value)
{
	if (value == NULL)
		return;
	args_add(a, flag);
	args_add(a, value);
}

static void args_list(struct args *a, const char *flag, const struct cmd_strv *l)
{
	for (size_t i = 0; i < l->n; i++)
		args_opt(a, flag, l->v[i]);
}

static int exec_action(void *opts, int argc, char **argv)
{
	struct exec_opts *o = opts;
	struct proj j;
	int rc = proj_open(&j, 1, argv, false, true);
	if (rc != 0)
		return rc;
	struct cc_container_record *c = service_container(&j, argv[0], o->index);
	if (c == NULL) {
		proj_release(&j);
		return cmd_failf(1, "service \"%s\" is not running", argv[0]);
	}
	struct args a = { 0 };
	args_add(&a, "exec");
	/* docker compose: a terminal when this is one, unless -T */
	bool tty = !o->no_tty && !o->detach && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
	if (!o->detach)
		args_add(&a, "-i");
	if (tty)
		args_add(&a, "-t");
	if (o->detach)
		args_add(&a, "-d");
	if (o->privileged)
		args_add(&a, "--privileged");
	args_list(&a, "-e", &o->env);
	args_opt(&a, "-u", o->user);
	args_opt(&a, "-w", o->workdir);
	char id[65];
	snprintf(id, sizeof(id), "%s", c->id);
	args_add(&a, id);
	for (int i = 1; i < argc; i++)
		args_add(&a, argv[i]);
	/* exec opens the store itself, and nothing of ours may go into the
	 * container's process */
	proj_release(&j);
	rc = a.v ? cmd_verb_run(&cmd_exec_verb, "ccontainer compose exec", a.n, a.v) : cmd_failf(1, "out of memory");
	free(a.v);
	return rc;
}

static const struct cmd_opt exec_options[] = {
	OPT_BOOL('d', "detach", struct exec_opts, detach, "Detached mode: Run command in the background"),
	OPT_LIST('e', "env", struct exec_opts, env, "stringArray", "Set environment variables"),
	OPT_INT(0, "index", struct exec_opts, index, "int", "Index of the container if service has multiple replicas"),
	OPT_BOOL('i', "interactive", struct exec_opts, interactive, "Keep STDIN open even if not attached", .def = "true",
		 .flags = CMD_OPT_HIDDEN),
	OPT_BOOL('T', "no-TTY", struct exec_opts, no_tty,
		 "Disable pseudo-TTY allocation. By default `compose exec` allocates a TTY."),
	OPT_BOOL(0, "privileged", struct exec_opts, privileged, "Give extended privileges to the process"),
	OPT_BOOL('t', "tty", struct exec_opts, tty, "Allocate a pseudo-TTY (the default on a terminal)", .flags = CMD_OPT_HIDDEN),
	OPT_STRING('u', "user", struct exec_opts, user, "string", "Run the command as this user"),
	OPT_STRING('w', "workdir", struct exec_opts, workdir, "string", "Path to workdir directory for this command"),
	OPT_END,
};

const struct cmd_verb compose_exec_verb = {
	.name = "exec", .usage = "[OPTIONS] SERVICE COMMAND [ARGS...]",
	.summary = "Execute a command in a running container", .opts = exec_options,
	.opts_size = sizeof(struct exec_opts), .flags = CMD_VERB_NO_STORE | CMD_VERB_STOP_AT_ARG, .min_args = 2,
	.max_args = -1, .action = exec_action,
};

struct run_opts {
	bool detach, rm, no_deps, no_tty, service_ports, interactive, tty, build, quiet_pull;
	struct cmd_strv env, labels, volumes, publish;
	const char *name, *user, *workdir, *entrypoint;
};

static int compose_run_action(void *opts, int argc, char **argv)
{
	struct run_opts *o = opts;
	struct cc_compose_project *p = NULL;
	int rc = compose_load(&p);
	if (rc != 0)
		return rc;
	const struct cc_compose_service *sv = compose_service(p, argv[0]);
	if (sv == NULL) {
		cc_compose_project_free(p);
		return cmd_failf(1, "no such service: %s", argv[0]);
	}
	/* its dependencies up (docker compose run), then its own networks,
	 * volumes and image by the same path with the service itself left out */
	if (!o->no_deps && sv->n_depends_on > 0) {
		struct args d = { 0 };
		for (size_t i = 0; i < sv->n_depends_on; i++)
			if (compose_service(p, sv->depends_on[i].service))
				args_add(&d, sv->depends_on[i].service);
		rc = d.n ? compose_up_detached(d.n, d.v) : 0;
		free(d.v);
	}
	struct cc_store *s = rc == 0 ? cmd_open_store() : NULL;
	if (rc == 0 && s == NULL)
		rc = 1;
	bool *want = calloc(p->n_services ? p->n_services : 1, sizeof(bool));
	if (rc == 0 && want == NULL)
		rc = cmd_failf(1, "out of memory");
	if (rc == 0) {
		want[sv - p->services] = true;
		rc = compose_ensure_resources(s, p, want);
	}
	if (rc == 0)
		rc = compose_build_services(s, p, want, o->build, NULL);
	/* the service as run sees it: no ports unless --service-ports, no
	 * restart policy, the command and entrypoint given here */
	struct cc_compose_service one = *sv;
	if (!o->service_ports) {
		one.n_ports = 0;
	}
	one.restart = NULL;
	if (argc > 1)
		one.has_command = false;
	if (o->entrypoint)
		one.has_entrypoint = false;
	char suffix[13] = "";
	cc_error *e = NULL;
	char id[65];
	if (rc == 0 && cc_random_hex(id, 32, &e) < 0)
		rc = cmd_fail(e, 1);
	snprintf(suffix, sizeof(suffix), "%.12s", rc == 0 ? id : "");
	_cleanup_free_ char *image = compose_image_name(p, sv);
	char *name = NULL;
	if (rc == 0 && (o->name ? (name = strdup(o->name)) == NULL
				: asprintf(&name, "%s-%s-run-%s", p->name, sv->name, suffix) < 0)) {
		name = NULL;
		rc = cmd_failf(1, "out of memory");
	}
	char **cargs = NULL;
	if (rc == 0 && cc_compose_create_args(p, &one, image, name, 1, true, &cargs, &e) < 0)
		rc = cmd_fail(e, 1);
	if (rc == 0) {
		/* the image's place: after the flags, before the entrypoint's
		 * rest and the command */
		int n = 0;
		while (cargs[n])
			n++;
		int img = n - 1 - (one.has_entrypoint && one.entrypoint.n > 1 ? (int)one.entrypoint.n - 1 : 0) -
			  (one.has_command ? (int)one.command.n : 0);
		struct args a = { 0 };
		args_add(&a, "run");
		if (o->detach)
			args_add(&a, "-d");
		if (o->rm)
			args_add(&a, "--rm");
		bool tty = !o->no_tty && !o->detach && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
		if (!o->detach)
			args_add(&a, "-i");
		if (tty)
			args_add(&a, "-t");
		for (int i = 0; i < img; i++)
			args_add(&a, cargs[i]);
		args_list(&a, "-e", &o->env);
		args_list(&a, "-l", &o->labels);
		args_list(&a, "-v", &o->volumes);
		args_list(&a, "-p", &o->publish);
		args_opt(&a, "-u", o->user);
		args_opt(&a, "-w", o->workdir);
		args_opt(&a, "--entrypoint", o->entrypoint);
		for (int i = img; i < n; i++)
			args_add(&a, cargs[i]);
		for (int i = 1; i < argc; i++)
			args_add(&a, argv[i]);
		cc_store_close(s);
		s = NULL;
		rc = a.v ? cmd_verb_run(&cmd_run_verb, "ccontainer compose run", a.n, a.v) : cmd_failf(1, "out of memory");
		free(a.v);
	}
	cc_strvfreep(&cargs);
	free(name);
	free(want);
	cc_store_close(s);
	cc_compose_project_free(p);
	return rc;
}

static const struct cmd_opt run_options[] = {
	OPT_BOOL(0, "build", struct run_opts, build, "Build image before starting container"),
	OPT_BOOL('d', "detach", struct run_opts, detach, "Run container in background and print container ID"),
	OPT_STRING(0, "entrypoint", struct run_opts, entrypoint, "string", "Override the entrypoint of the image"),
	OPT_LIST('e', "env", struct run_opts, env, "stringArray", "Set environment variables"),
	OPT_BOOL('i', "interactive", struct run_opts, interactive, "Keep STDIN open even if not attached", .def = "true",
		 .flags = CMD_OPT_HIDDEN),
	OPT_LIST('l', "label", struct run_opts, labels, "stringArray", "Add or override a label"),
	OPT_STRING(0, "name", struct run_opts, name, "string", "Assign a name to the container"),
	OPT_BOOL('T', "no-TTY", struct run_opts, no_tty,
		 "Disable pseudo-TTY allocation (default: auto-detected)"),
	OPT_BOOL(0, "no-deps", struct run_opts, no_deps, "Don't start linked services"),
	OPT_LIST('p', "publish", struct run_opts, publish, "stringArray", "Publish a container's port(s) to the host"),
	OPT_BOOL(0, "quiet-pull", struct run_opts, quiet_pull, "Pull without printing progress information"),
	OPT_BOOL(0, "rm", struct run_opts, rm, "Automatically remove the container when it exits"),
	OPT_BOOL('P', "service-ports", struct run_opts, service_ports,
		 "Run command with all service's ports enabled and mapped to the host"),
	OPT_BOOL('t', "tty", struct run_opts, tty, "Allocate a pseudo-TTY", .flags = CMD_OPT_HIDDEN),
	OPT_STRING('u', "user", struct run_opts, user, "string", "Run as specified username or uid"),
	OPT_LIST('v', "volume", struct run_opts, volumes, "stringArray", "Bind mount a volume"),
	OPT_STRING('w', "workdir", struct run_opts, workdir, "string", "Working directory inside the container"),
	OPT_END,
};

const struct cmd_verb compose_run_verb = {
	.name = "run", .usage = "[OPTIONS] SERVICE [COMMAND] [ARGS...]",
	.summary = "Run a one-off command on a service", .opts = run_options, .opts_size = sizeof(struct run_opts),
	.flags = CMD_VERB_NO_STORE | CMD_VERB_STOP_AT_ARG, .min_args = 1, .max_args = -1,
	.action = compose_run_action,
};

/* ---- top, port, images ---- */

static int top_action(void *opts, int argc, char **argv)
{
	(void)opts;
	struct proj j;
	int rc = proj_open(&j, argc, argv, false, true);
	if (rc != 0)
		return rc;
	/* top opens the store itself: ours is closed first */
	struct args names = { 0 };
	for (size_t i = 0; i < j.cs.n; i++)
		if (j.sel[i])
			args_add(&names, strdup(j.cs.v[i].rec->name));
	proj_release(&j);
	for (int i = 0; i < names.n; i++) {
		if (names.v[i] == NULL)
			continue;
		printf("%s\n", names.v[i]);
		fflush(stdout);
		char *args[] = { (char *)"top", names.v[i], NULL };
		if (cmd_verb_run(&cmd_top_verb, "ccontainer compose top", 2, args) != 0)
			rc = 1;
		printf("\n");
		free(names.v[i]);
	}
	free(names.v);
	return fflush(stdout) == 0 ? rc : cmd_output_error(errno);
}

static const struct cmd_opt no_options[] = { OPT_END };

const struct cmd_verb compose_top_verb = {
	.name = "top", .usage = "[SERVICES...]", .summary = "Display the running processes", .opts = no_options,
	.flags = CMD_VERB_NO_STORE, .max_args = -1, .action = top_action,
};

struct port_opts {
	const char *protocol;
	int64_t index;
};

static int port_action(void *opts, int argc, char **argv)
{
	(void)argc;
	struct port_opts *o = opts;
	struct proj j;
	int rc = proj_open(&j, 1, argv, false, true);
	if (rc != 0)
		return rc;
	struct cc_container_record *c = service_container(&j, argv[0], o->index);
	if (c == NULL) {
		proj_release(&j);
		return cmd_failf(1, "service \"%s\" is not running", argv[0]);
	}
	char spec[64], id[65];
	snprintf(spec, sizeof(spec), "%s/%s", argv[1], o->protocol);
	snprintf(id, sizeof(id), "%s", c->id);
	proj_release(&j);
	char *args[] = { (char *)"port", id, strchr(argv[1], '/') ? argv[1] : spec, NULL };
	return cmd_verb_run(&cmd_port_verb, "ccontainer compose port", 3, args);
}

static const struct cmd_opt port_options[] = {
	OPT_INT(0, "index", struct port_opts, index, "int", "Index of the container if service has multiple replicas"),
	OPT_STRING(0, "protocol", struct port_opts, protocol, "string", "tcp or udp", .def = "tcp"),
	OPT_END,
};

const struct cmd_verb compose_port_verb = {
	.name = "port", .usage = "[OPTIONS] SERVICE PRIVATE_PORT", .summary = "Print the public port for a port binding",
	.opts = port_options, .opts_size = sizeof(struct port_opts), .flags = CMD_VERB_NO_STORE, .min_args = 2,
	.max_args = 2, .action = port_action,
};

struct images_opts {
	bool quiet;
	const char *format;
};

static int images_action(void *opts, int argc, char **argv)
{
	struct images_opts *o = opts;
	struct proj j;
	int rc = proj_open(&j, argc, argv, false, false);
	if (rc != 0)
		return rc;
	json_t *headers = json_pack("{s:s, s:s, s:s, s:s, s:s}", "ContainerName", "CONTAINER", "Repository",
				    "REPOSITORY", "Tag", "TAG", "ID", "IMAGE ID", "Size", "SIZE");
	struct cc_format *f = NULL;
	cc_error *e = NULL;
	const char *format = o->quiet ? "{{.ID}}" : strcmp(o->format, "table") == 0 ? NULL : o->format;
	if (headers == NULL ||
	    cc_format_open(format, "table {{.ContainerName}}\t{{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.Size}}", headers, &f,
			   &e) < 0) {
		json_decref(headers);
		proj_release(&j);
		return e ? cmd_fail(e, 1) : cmd_failf(1, "out of memory");
	}
	json_decref(headers);
	for (size_t i = 0; i < j.cs.n && rc == 0; i++) {
		if (!j.sel[i])
			continue;
		const struct cc_container_record *c = j.cs.v[i].rec;
		char *repo = NULL, *tag = NULL;
		_cleanup_free_ char *familiar = cmd_familiar_ref(c->image_name ? c->image_name : "");
		cmd_split_tag(familiar ? familiar : "", &repo, &tag);
		struct cc_image_record *ir = NULL;
		char size[32] = "";
		if (cc_store_image_get(j.s, c->image_id, &ir, &e) == 0) {
			cc_human_size((double)ir->size, size, sizeof(size));
			cc_image_record_free(ir);
		}
		cc_error_clear(&e);
		/* "alpine" as the user wrote it is alpine:latest */
		bool digest = familiar && strchr(familiar, '@') != NULL;
		const char *iid = c->image_id ? c->image_id : "";
		if (strncmp(iid, "sha256:", 7) == 0)
			iid += 7;
		char short_id[13];
		snprintf(short_id, sizeof(short_id), "%.12s", iid);
		json_t *row = json_pack("{s:s, s:s, s:s, s:s, s:s}", "ContainerName", c->name, "Repository",
					repo ? repo : "", "Tag",
					tag && (strcmp(tag, "<none>") != 0 || digest) ? tag : "latest", "ID",
					o->quiet ? iid : short_id, "Size", size);
		free(repo);
		free(tag);
		if (row == NULL || cc_format_row(f, row, &e) < 0)
			rc = e ? cmd_fail(e, 1) : cmd_failf(1, "out of memory");
		json_decref(row);
	}
	rc = format_done(f, rc);
	proj_release(&j);
	return rc;
}

static const struct cmd_opt images_options[] = {
	OPT_STRING(0, "format", struct images_opts, format, "string", "Format the output. Values: [table | json]",
		   .def = "table"),
	OPT_BOOL('q', "quiet", struct images_opts, quiet, "Only display IDs"),
	OPT_END,
};

const struct cmd_verb compose_images_verb = {
	.name = "images", .usage = "[OPTIONS] [SERVICE...]", .summary = "List images used by the created containers",
	.opts = images_options, .opts_size = sizeof(struct images_opts), .flags = CMD_VERB_NO_STORE, .max_args = -1,
	.action = images_action,
};

/* ---- build, pull, push ---- */

struct images_io_opts {
	bool no_cache, pull, quiet, ignore_failures, include_deps;
	struct cmd_strv build_args;
};

static int build_action(void *opts, int argc, char **argv)
{
	struct images_io_opts *o = opts;
	struct cc_compose_project *p = NULL;
	int rc = compose_load(&p);
	bool *want = rc == 0 ? calloc(p->n_services ? p->n_services : 1, sizeof(bool)) : NULL;
	struct cc_store *s = NULL;
	if (rc == 0 && want == NULL)
		rc = cmd_failf(1, "out of memory");
	if (rc == 0)
		rc = compose_selected_services(p, argc, argv, true, want);
	if (rc == 0 && (s = cmd_open_store()) == NULL)
		rc = 1;
	struct args extra = { 0 };
	if (o->no_cache)
		args_add(&extra, "--no-cache");
	if (o->pull)
		args_add(&extra, "--pull=always");
	if (o->quiet)
		args_add(&extra, "-q");
	for (size_t i = 0; i < o->build_args.n; i++) {
		args_add(&extra, "--build-arg");
		args_add(&extra, o->build_args.v[i]);
	}
	if (rc == 0)
		rc = compose_build_services(s, p, want, true, (const char *const *)extra.v);
	free(extra.v);
	cc_store_close(s);
	free(want);
	cc_compose_project_free(p);
	return rc;
}

static int pull_push(int argc, char **argv, const struct images_io_opts *o, bool push)
{
	struct cc_compose_project *p = NULL;
	int rc = compose_load(&p);
	bool *want = rc == 0 ? calloc(p->n_services ? p->n_services : 1, sizeof(bool)) : NULL;
	struct cc_store *s = NULL;
	if (rc == 0 && want == NULL)
		rc = cmd_failf(1, "out of memory");
	if (rc == 0)
		rc = compose_selected_services(p, argc, argv, !o->include_deps, want);
	if (rc == 0 && (s = cmd_open_store()) == NULL)
		rc = 1;
	for (size_t i = 0; rc == 0 && i < p->n_services; i++) {
		const struct cc_compose_service *sv = &p->services[i];
		/* pull: what is not built here; push: what is, under its image: */
		if (!want[i] || sv->image == NULL || (push ? sv->build == NULL : sv->build != NULL))
			continue;
		cc_error *e = NULL;
		int r;
		compose_progress("Image", sv->image, push ? "Pushing" : "Pulling");
		if (push) {
			struct cc_push_options po = { .jobs = 3, .tls_verify = true, .compression_level = -1 };
			r = cmd_push_image(s, sv->image, sv->image, &po, true, NULL);
		} else {
			struct cc_pull_options po = { .jobs = 3, .tls_verify = true };
			struct cc_pull_result res;
			r = cmd_do_pull(s, sv->image, &po, true, &res, &e) < 0 ? cmd_fail(e, 1) : 0;
			if (r == 0)
				cc_pull_result_release(&res);
		}
		if (r != 0 && !o->ignore_failures)
			rc = 1;
		else if (r == 0)
			compose_progress("Image", sv->image, push ? "Pushed" : "Pulled");
	}
	cc_store_close(s);
	free(want);
	cc_compose_project_free(p);
	return rc;
}

static int pull_action(void *opts, int argc, char **argv)
{
	return pull_push(argc, argv, opts, false);
}

static int push_action(void *opts, int argc, char **argv)
{
	return pull_push(argc, argv, opts, true);
}

static const struct cmd_opt build_options[] = {
	OPT_LIST(0, "build-arg", struct images_io_opts, build_args, "stringArray", "Set build-time variables for services"),
	OPT_BOOL(0, "no-cache", struct images_io_opts, no_cache, "Do not use cache when building the image"),
	OPT_BOOL(0, "pull", struct images_io_opts, pull, "Always attempt to pull a newer version of the image"),
	OPT_BOOL('q', "quiet", struct images_io_opts, quiet, "Don't print anything to STDOUT"),
	OPT_END,
};
static const struct cmd_opt pull_options[] = {
	OPT_BOOL(0, "ignore-pull-failures", struct images_io_opts, ignore_failures, "Pull what it can and ignores images with pull failures"),
	OPT_BOOL(0, "include-deps", struct images_io_opts, include_deps, "Also pull services declared as dependencies"),
	OPT_BOOL('q', "quiet", struct images_io_opts, quiet, "Pull without printing progress information"),
	OPT_END,
};
static const struct cmd_opt push_options[] = {
	OPT_BOOL(0, "ignore-push-failures", struct images_io_opts, ignore_failures, "Push what it can and ignores images with push failures"),
	OPT_BOOL(0, "include-deps", struct images_io_opts, include_deps, "Also push images of services declared as dependencies"),
	OPT_BOOL('q', "quiet", struct images_io_opts, quiet, "Push without printing progress information"),
	OPT_END,
};

const struct cmd_verb compose_build_verb = {
	.name = "build", .usage = "[OPTIONS] [SERVICE...]", .summary = "Build or rebuild services",
	.opts = build_options, .opts_size = sizeof(struct images_io_opts), .flags = CMD_VERB_NO_STORE, .max_args = -1,
	.action = build_action,
};
const struct cmd_verb compose_pull_verb = {
	.name = "pull", .usage = "[OPTIONS] [SERVICE...]", .summary = "Pull service images", .opts = pull_options,
	.opts_size = sizeof(struct images_io_opts), .flags = CMD_VERB_NO_STORE, .max_args = -1, .action = pull_action,
};
const struct cmd_verb compose_push_verb = {
	.name = "push", .usage = "[OPTIONS] [SERVICE...]", .summary = "Push service images", .opts = push_options,
	.opts_size = sizeof(struct images_io_opts), .flags = CMD_VERB_NO_STORE, .max_args = -1, .action = push_action,
};
