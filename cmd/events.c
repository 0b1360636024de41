/* ccontainer events (system events): docker's event stream, read from the
 * store's events log (lib/store/events.c), and the helpers the verbs call
 * to record what they do. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "template/template.h"
#include "util/json.h"

/* ---- recording ---- */

static void record(struct cc_store *s, const char *type, const char *action, const char *id,
		   const char *const *attrs)
{
	cc_error *e = NULL;
	/* an event that cannot be recorded never fails what it records */
	if (cc_store_event(s, type, action, id, attrs, &e) < 0 && cc_globals.debug)
		fprintf(stderr, "DEBU[0000] events: %s\n", e->msg);
	cc_error_free(e);
}

char *cmd_familiar_ref(const char *name)
{
	char *repo = NULL, *tag = NULL, *out = NULL;
	const char *at = strchr(name, '@');
	if (at != NULL) { /* repo@sha256:... */
		_cleanup_free_ char *r = strndup(name, (size_t)(at - name));
		_cleanup_free_ char *fam = r != NULL ? cc_ref_familiar_repo(r) : NULL;
		return asprintf(&out, "%s%s", fam != NULL ? fam : name, fam != NULL ? at : "") < 0 ? NULL : out;
	}
	cmd_split_tag(name, &repo, &tag);
	if (repo != NULL && tag != NULL && strcmp(tag, "<none>") == 0)
		out = steal_ptr(&repo);
	else if (repo != NULL && tag != NULL && asprintf(&out, "%s:%s", repo, tag) < 0)
		out = NULL;
	free(repo);
	free(tag);
	return out;
}

void cmd_image_event(struct cc_store *s, const char *action, const char *id, const char *name)
{
	record(s, "image", action, id, (const char *const[]){ "name", name, NULL });
}

/* ---- events ---- */

struct events_opts {
	const char *since, *until, *format;
	struct cmd_strv filter;
};

static const struct cmd_opt events_options[] = {
	OPT_LIST('f', "filter", struct events_opts, filter, "filter", "Filter output based on conditions provided"),
	OPT_STRING(0, "format", struct events_opts, format, "string",
		   "Format output: json (an object a line) or a Go TEMPLATE (.Type .Action .Actor.ID .Actor.Attributes .Time ...)"),
	OPT_STRING(0, "since", struct events_opts, since, "string", "Show all events created since timestamp"),
	OPT_STRING(0, "until", struct events_opts, until, "string", "Stream events until this timestamp"),
	OPT_END,
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* docker's text line (cli/command/system/events.go prettyPrintEvent):
 * the time as jsonmessage.RFC3339NanoFixed in local time, type, action,
 * actor, then the attributes sorted by key. */
static void text_line(const json_t *ev, struct cc_strbuf *out)
{
	int64_t ns = json_integer_value(json_object_get(ev, "timeNano"));
	time_t secs = (time_t)(ns / 1000000000LL);
	long frac = (long)(ns % 1000000000LL);
	if (frac < 0) {
		frac += 1000000000L;
		secs--;
	}
	struct tm tm;
	char when[64] = "", zone[32] = "Z";
	if (localtime_r(&secs, &tm) != NULL) {
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
		long off = tm.tm_gmtoff;
		if (off != 0)
			snprintf(zone, sizeof(zone), "%c%02ld:%02ld", off < 0 ? '-' : '+', labs(off) / 3600,
				 labs(off) % 3600 / 60);
	}
	const json_t *actor = json_object_get(ev, "Actor");
	cc_strbuf_addf(out, "%s.%09ld%s %s %s %s", when, frac, zone, json_string_value(json_object_get(ev, "Type")),
		       json_string_value(json_object_get(ev, "Action")), json_string_value(json_object_get(actor, "ID")));
	const json_t *attrs = json_object_get(actor, "Attributes");
	size_t n = json_object_size(attrs);
	if (n == 0)
		return;
	const char **keys = calloc(n, sizeof(*keys));
	if (keys == NULL) {
		out->oom = true;
		return;
	}
	size_t i = 0;
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)attrs, k, v) keys[i++] = k;
	qsort(keys, n, sizeof(*keys), cmp_str);
	cc_strbuf_add(out, " (", 2);
	for (i = 0; i < n; i++)
		cc_strbuf_addf(out, "%s%s=%s", i > 0 ? ", " : "", keys[i],
			       json_string_value(json_object_get(attrs, keys[i])));
	cc_strbuf_add(out, ")", 1);
	free(keys);
}

/* The event as a template sees it: docker's events.Message, by its Go
 * field names (every field there, "" when docker's would be empty). */
static json_t *template_view(const json_t *ev)
{
	const json_t *actor = json_object_get(ev, "Actor");
	const json_t *attrs = json_object_get(actor, "Attributes");
	const char *const strs[][2] = { { "Status", "status" }, { "ID", "id" }, { "From", "from" },
				      { "Type", "Type" },     { "Action", "Action" } };
	json_t *o = json_object();
	for (size_t i = 0; o != NULL && i < sizeof(strs) / sizeof(strs[0]); i++) {
		const char *v = json_string_value(json_object_get(ev, strs[i][1]));
		json_object_set_new(o, strs[i][0], json_string(v != NULL ? v : ""));
	}
	json_t *a = json_object();
	json_object_set_new(a, "ID", json_string(actor != NULL ? json_string_value(json_object_get(actor, "ID")) : ""));
	json_object_set_new(a, "Attributes", attrs != NULL ? json_deep_copy(attrs) : json_object());
	json_object_set_new(o, "Actor", a);
	json_object_set_new(o, "Scope", json_string("local"));
	json_object_set(o, "Time", json_object_get(ev, "time"));
	json_object_set(o, "TimeNano", json_object_get(ev, "timeNano"));
	return o;
}

/* An empty event (docker checks a template on events.Message{}). */
static json_t *empty_event(void)
{
	return json_pack("{s:s, s:s, s:{s:s, s:{}}, s:i, s:i}", "Type", "", "Action", "", "Actor", "ID", "",
			 "Attributes", "time", 0, "timeNano", 0);
}

enum out_kind { OUT_TEXT, OUT_JSON, OUT_TEMPLATE };

/* Print one event, a line, flushed (`events | head -3`): 0, or errno of
 * a failed write. */
static int print_event(const json_t *ev, enum out_kind kind, const struct cc_template *t)
{
	struct cc_strbuf out = { 0 };
	if (kind == OUT_TEXT) {
		struct cc_strbuf raw = { 0 };
		text_line(ev, &raw);
		/* attributes come from images and containers (labels): shown,
		 * never acted on by a terminal */
		_cleanup_free_ char *line = cc_strbuf_steal(&raw);
		_cleanup_free_ char *safe = line != NULL ? cc_safe_text(line) : NULL;
		if (safe == NULL)
			return ENOMEM;
		cc_strbuf_add(&out, safe, strlen(safe));
	} else if (kind == OUT_JSON) {
		_cleanup_free_ char *j = json_dumps(ev, JSON_COMPACT);
		if (j == NULL)
			return ENOMEM;
		cc_strbuf_add(&out, j, strlen(j));
	} else {
		json_t *view = template_view(ev);
		cc_error *e = NULL;
		/* docker writes what the template made before an error, then the
		 * newline, and goes on */
		if (view == NULL || cc_template_exec(t, view, &out, &e) < 0)
			cc_error_free(e);
		json_decref(view);
	}
	cc_strbuf_add(&out, "\n", 1);
	_cleanup_free_ char *line = cc_strbuf_steal(&out);
	if (line == NULL)
		return ENOMEM;
	if (fputs(line, stdout) == EOF || fflush(stdout) != 0)
		return errno != 0 ? errno : EIO;
	return 0;
}

static int events_action(void *opts, int argc, char **argv)
{
	struct events_opts *o = opts;
	(void)argc;
	(void)argv;
	int64_t now = cc_wall_ns(), since = 0, until = 0;
	const char *const names[] = { "since", "until" };
	const char *const values[] = { o->since, o->until };
	int64_t *const into[] = { &since, &until };
	for (size_t i = 0; i < 2; i++) {
		if (values[i] == NULL || *values[i] == '\0')
			continue;
		if (cc_parse_timestamp(values[i], now, into[i]) < 0)
			return cmd_usagef("invalid value for \"%s\": failed to parse value as time or duration: \"%s\"",
					  names[i], values[i]);
		if (*into[i] <= 0)
			*into[i] = 1; /* the epoch itself: still a bound */
	}
	if (until != 0 && until < since)
		return cmd_failf(1, "`since` time (%s) cannot be after `until` time (%s)", o->since, o->until);
	struct cc_events_filter flt = { 0 };
	cc_error *e = NULL;
	for (size_t i = 0; i < o->filter.n; i++)
		if (cc_events_filter_add(&flt, o->filter.v[i], &e) < 0) {
			cc_events_filter_release(&flt);
			return cmd_fail(e, 1);
		}
	enum out_kind kind = OUT_TEXT;
	struct cc_template *t = NULL;
	if (o->format != NULL && *o->format != '\0' && cc_format_is_json(o->format)) {
		kind = OUT_JSON;
	} else if (o->format != NULL && *o->format != '\0') {
		kind = OUT_TEMPLATE;
		/* docker parses the template and runs it on an empty event,
		 * status 64 when either fails.  Its event is a Go struct, so a
		 * field it lacks fails there too; on our JSON view it is "<no
		 * value>", as a missing attribute is in both (Attributes is a
		 * map): missingkey=error would fail {{.Actor.Attributes.name}} */
		struct cc_strbuf sink = { 0 };
		json_t *empty = empty_event(), *view = empty != NULL ? template_view(empty) : NULL;
		int rc = cc_template_parse(o->format, &t, &e);
		if (rc == 0)
			rc = cc_template_exec(t, view, &sink, &e);
		cc_strbuf_release(&sink);
		json_decref(empty);
		json_decref(view);
		if (rc < 0) {
			_cleanup_free_ char *msg = cc_safe_text(e != NULL ? e->msg : "out of memory");
			fprintf(stderr, "Error parsing format: %s\n", msg != NULL ? msg : "out of memory");
			cc_error_free(e);
			cc_template_free(t);
			cc_events_filter_release(&flt);
			return 64;
		}
	}
	struct cc_store *s = cmd_open_store();
	if (s == NULL) {
		cc_template_free(t);
		cc_events_filter_release(&flt);
		return EXIT_CC_ERROR;
	}
	/* the log is all we need: no database connection held while following */
	_cleanup_free_ char *root = strdup(cc_store_root(s));
	cc_store_close(s);
	/* docker: past events only with --since or --until; following ends at
	 * --until, at once when it has passed */
	bool past = since != 0 || until != 0;
	bool follow = until == 0 || until > now;
	struct cc_events_reader *r = NULL;
	int rc = 0, sfd = -1;
	sigset_t mask, old_mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	if (root == NULL) {
		rc = cmd_failf(EXIT_CC_ERROR, "out of memory");
		goto out;
	}
	if (follow) {
		/* SIGINT and SIGTERM end the stream: an exit, status 0 */
		sigprocmask(SIG_BLOCK, &mask, &old_mask);
		sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
		if (sfd < 0) {
			rc = cmd_failf(EXIT_CC_ERROR, "signalfd: %s", strerror(errno));
			goto out;
		}
	}
	if (cc_events_reader_open(root, past, follow, &r, &e) < 0) {
		rc = cmd_fail(e, EXIT_CC_ERROR);
		goto out;
	}
	for (;;) {
		json_t *ev = NULL;
		int n;
		while ((n = cc_events_reader_next(r, &ev, &e)) == 1) {
			int64_t tn = json_integer_value(json_object_get(ev, "timeNano"));
			int werr = 0;
			if ((since == 0 || tn >= since) && (until == 0 || tn <= until) && cc_events_filter_match(&flt, ev))
				werr = print_event(ev, kind, t);
			json_decref(ev);
			if (werr != 0) {
				rc = cmd_output_error(werr);
				goto out;
			}
		}
		if (n < 0) {
			rc = cmd_fail(e, EXIT_CC_ERROR);
			goto out;
		}
		if (!follow)
			break;
		int timeout = -1;
		if (until != 0) {
			int64_t left = until - cc_wall_ns();
			if (left <= 0)
				break;
			timeout = (int)((left + 999999) / 1000000);
		}
		struct pollfd p[2] = { { .fd = cc_events_reader_fd(r), .events = POLLIN },
				       { .fd = sfd, .events = POLLIN } };
		int pr = poll(p, 2, timeout);
		if (pr < 0 && errno != EINTR) {
			rc = cmd_failf(EXIT_CC_ERROR, "poll: %s", strerror(errno));
			goto out;
		}
		if (pr > 0 && (p[1].revents & POLLIN)) {
			/* taken, so that unblocking does not deliver it */
			struct signalfd_siginfo si;
			(void)!read(sfd, &si, sizeof(si));
			break;
		}
		cc_events_reader_drain(r);
		/* past --until: one last read for what came before it */
		if (until != 0 && cc_wall_ns() >= until)
			follow = false;
	}
out:
	if (sfd >= 0) {
		close(sfd);
		sigprocmask(SIG_SETMASK, &old_mask, NULL);
	}
	cc_events_reader_free(r);
	cc_template_free(t);
	cc_events_filter_release(&flt);
	return rc;
}

const struct cmd_verb cmd_events_verb = {
	.name = "events",
	.usage = "[OPTIONS]",
	.summary = "Get real time events from the server",
	.description = "There is no daemon: every command records what it does in the store's events log\n"
		       "(events.log, rotated at $CCONTAINER_EVENTS_MAX_SIZE, default 1m), which this reads.\n"
		       "Without --since or --until no past events are shown; without --until new ones are\n"
		       "followed until SIGINT or SIGTERM.",
	.opts = events_options,
	.opts_size = sizeof(struct events_opts),
	.min_args = 0,
	.max_args = 0,
	.action = events_action,
};
