/* The events log: docker's event stream without a daemon (store.h).
 *
 * Writers: every command that acts appends one line with one write(2),
 * under an exclusive flock of events.lock (a file of its own: a lock on
 * events.log itself would move with it when it is renamed, and a writer
 * that waited for it would have to start over, again and again while
 * others rotate).  Rotation happens after an append, still under the lock,
 * so no line goes to a file being renamed away and no two writers rename
 * at once.
 *
 * Readers trust nothing in the file: a line is at most CC_EVENTS_MAX_LINE
 * bytes and must be an event (cc_event_parse), else it is skipped. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store-internal.h"
#include "util/json.h"
#include "util/util.h"

int64_t cc_events_max_size(void)
{
	const char *env = secure_getenv("CCONTAINER_EVENTS_MAX_SIZE");
	int64_t v;
	if (env != NULL && *env != '\0' && cc_parse_size(env, &v) == 0 && v > 0)
		return v;
	return CC_EVENTS_DEFAULT_MAX_SIZE;
}

/* docker's event as its API sends it (events.Message, field order kept):
 * the deprecated status/id/from only where docker fills them. */
static json_t *event_json(const char *type, const char *action, const char *id, json_t *attrs, int64_t ns)
{
	json_t *ev = json_object(), *actor = json_object();
	bool old = strcmp(type, "container") == 0 || strcmp(type, "image") == 0;
	const char *from = NULL;
	if (strcmp(type, "container") == 0)
		from = json_string_value(json_object_get(attrs, "image"));
	if (ev == NULL || actor == NULL) {
		json_decref(ev);
		json_decref(actor);
		json_decref(attrs);
		return NULL;
	}
	if (old)
		json_object_set_new(ev, "status", cc_json_text(action));
	if (old && *id != '\0')
		json_object_set_new(ev, "id", cc_json_text(id));
	if (from != NULL && *from != '\0')
		json_object_set_new(ev, "from", json_string(from));
	json_object_set_new(ev, "Type", cc_json_text(type));
	json_object_set_new(ev, "Action", cc_json_text(action));
	json_object_set_new(actor, "ID", cc_json_text(id));
	json_object_set_new(actor, "Attributes", attrs != NULL ? attrs : json_object());
	json_object_set_new(ev, "Actor", actor);
	json_object_set_new(ev, "scope", json_string("local"));
	json_object_set_new(ev, "time", json_integer(ns / 1000000000LL));
	json_object_set_new(ev, "timeNano", json_integer(ns));
	return ev;
}

/* The line for an event at ns, newline included (malloc'd), or NULL. */
static char *event_line(const char *type, const char *action, const char *id, const char *const *attrs, int64_t ns,
			size_t *ret_len)
{
	json_t *a = json_object();
	if (a == NULL)
		return NULL;
	for (size_t i = 0; attrs != NULL && attrs[i] != NULL; i += 2)
		if (attrs[i + 1] != NULL && cc_json_set_text(a, attrs[i], cc_json_text(attrs[i + 1])) < 0) {
			json_decref(a);
			return NULL;
		}
	json_t *ev = event_json(type, action, id != NULL ? id : "", a, ns);
	if (ev == NULL)
		return NULL;
	char *text = json_dumps(ev, JSON_COMPACT);
	json_decref(ev);
	if (text == NULL)
		return NULL;
	size_t len = strlen(text);
	char *line = realloc(text, len + 2);
	if (line == NULL) {
		free(text);
		return NULL;
	}
	line[len] = '\n';
	line[len + 1] = '\0';
	*ret_len = len + 1;
	return line;
}

int cc_events_append(const char *root, const char *type, const char *action, const char *id,
		     const char *const *attrs, cc_error **err)
{
	_cleanup_free_ char *path = NULL, *old = NULL, *lock = NULL;
	if (asprintf(&path, "%s/" CC_EVENTS_LOG, root) < 0 || asprintf(&old, "%s/" CC_EVENTS_LOG_OLD, root) < 0 ||
	    asprintf(&lock, "%s/" CC_EVENTS_LOCK, root) < 0)
		return cc_error_set(err, ENOMEM, "events log: out of memory");
	int64_t cap = cc_events_max_size();
	_cleanup_close_ int lfd = open(lock, O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (lfd < 0)
		return cc_error_set(err, errno, "open '%s': %s", lock, strerror(errno));
	int r;
	while ((r = flock(lfd, LOCK_EX)) < 0 && errno == EINTR)
		;
	if (r < 0)
		return cc_error_set(err, errno, "lock '%s': %s", lock, strerror(errno));
	_cleanup_close_ int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return cc_error_set(err, errno, "open '%s': %s", path, strerror(errno));
	/* the time is taken under the lock: the file is in time order */
	size_t len = 0;
	_cleanup_free_ char *line = event_line(type, action, id, attrs, cc_wall_ns(), &len);
	if (line == NULL)
		return cc_error_set(err, ENOMEM, "events log: out of memory");
	if (len - 1 > CC_EVENTS_MAX_LINE)
		return cc_error_set(err, EMSGSIZE, "event %s %s: line of %zu bytes is too long", type, action, len);
	ssize_t n;
	while ((n = write(fd, line, len)) < 0 && errno == EINTR)
		;
	if (n < 0)
		return cc_error_set(err, errno, "write '%s': %s", path, strerror(errno));
	if ((size_t)n < len) {
		/* a full disk cut the line: end it, so that the next one is
		 * whole (readers skip this one) */
		(void)!write(fd, "\n", 1);
		return cc_error_set(err, ENOSPC, "write '%s': short write", path);
	}
	struct stat st;
	if (fstat(fd, &st) == 0 && st.st_size >= cap && rename(path, old) < 0)
		return cc_error_set(err, errno, "rotate '%s': %s", path, strerror(errno));
	return 0; /* closing lfd releases the lock */
}

int cc_store_event(struct cc_store *s, const char *type, const char *action, const char *id,
		   const char *const *attrs, cc_error **err)
{
	return cc_events_append(cc_store_root(s), type, action, id, attrs, err);
}

/* ---- reading ---- */

int cc_event_parse(const char *line, size_t len, json_t **ret, cc_error **err)
{
	json_error_t je;
	json_t *j = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
	if (j == NULL)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "event: %s", je.text);
	json_t *actor = json_object_get(j, "Actor");
	json_t *attrs = json_object_get(actor, "Attributes");
	const char *type = json_string_value(json_object_get(j, "Type"));
	const char *action = json_string_value(json_object_get(j, "Action"));
	const char *id = json_string_value(json_object_get(actor, "ID"));
	json_t *tn = json_object_get(j, "timeNano"), *t = json_object_get(j, "time");
	bool ok = json_is_object(j) && type != NULL && action != NULL && id != NULL && json_is_integer(tn) &&
		  json_is_integer(t) && (attrs == NULL || json_is_object(attrs));
	const char *k;
	json_t *v;
	if (ok && attrs != NULL)
		json_object_foreach(attrs, k, v)
			if (!json_is_string(v))
				ok = false;
	if (!ok) {
		json_decref(j);
		return cc_error_setk(err, CC_ERR_INVALID, 0, "event: not an event");
	}
	json_t *ev = event_json(type, action, id, attrs != NULL ? json_deep_copy(attrs) : json_object(),
				json_integer_value(tn));
	json_decref(j);
	if (ev == NULL)
		return cc_error_set(err, ENOMEM, "event: out of memory");
	*ret = ev;
	return 0;
}

/* The keys docker's events take (moby daemon/events/filter.go). */
static const char *const filter_keys[] = { "config", "container", "daemon", "event", "image",   "label",  "network",
					   "node",   "plugin",    "scope",  "secret", "service", "type", "volume" };

int cc_events_filter_add(struct cc_events_filter *f, const char *arg, cc_error **err)
{
	const char *eq = strchr(arg, '=');
	if (eq == NULL)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "bad format of filter (expected name=value)");
	size_t kl = (size_t)(eq - arg);
	bool known = false;
	for (size_t i = 0; i < sizeof(filter_keys) / sizeof(filter_keys[0]); i++)
		if (strlen(filter_keys[i]) == kl && strncmp(filter_keys[i], arg, kl) == 0)
			known = true;
	if (!known)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid filter '%.*s'", (int)kl, arg);
	struct cc_events_filter_kv *kv = realloc(f->kv, (f->n + 1) * sizeof(*kv));
	if (kv == NULL)
		return cc_error_set(err, ENOMEM, "out of memory");
	f->kv = kv;
	kv[f->n].key = strndup(arg, kl);
	kv[f->n].value = strdup(eq + 1);
	if (kv[f->n].key == NULL || kv[f->n].value == NULL) {
		free(kv[f->n].key);
		free(kv[f->n].value);
		return cc_error_set(err, ENOMEM, "out of memory");
	}
	f->n++;
	return 0;
}

void cc_events_filter_release(struct cc_events_filter *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->kv[i].key);
		free(f->kv[i].value);
	}
	free(f->kv);
	f->kv = NULL;
	f->n = 0;
}

static bool has_key(const struct cc_events_filter *f, const char *key)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->kv[i].key, key) == 0)
			return true;
	return false;
}

/* filters.Args.ExactMatch / FuzzyMatch (a value that is a prefix of source) */
static bool match(const struct cc_events_filter *f, const char *key, const char *source, bool fuzzy)
{
	if (source == NULL)
		source = "";
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->kv[i].key, key) == 0 &&
		    (strcmp(f->kv[i].value, source) == 0 || (fuzzy && cc_str_has_prefix(source, f->kv[i].value))))
			return true;
	return false;
}

/* An image name without its tag or digest, familiar (docker's stripTag:
 * reference.FamiliarName of the parsed reference). */
static char *strip_tag(const char *s)
{
	const char *at = strchr(s, '@');
	size_t n = at != NULL ? (size_t)(at - s) : strlen(s);
	const char *slash = memrchr(s, '/', n);
	const char *colon = memrchr(slash != NULL ? slash : s, ':', n - (size_t)((slash != NULL ? slash : s) - s));
	if (colon != NULL)
		n = (size_t)(colon - s);
	if (n > 18 && strncmp(s, "docker.io/library/", 18) == 0)
		s += 18, n -= 18;
	else if (n > 10 && strncmp(s, "docker.io/", 10) == 0)
		s += 10, n -= 10;
	return strndup(s, n);
}

static bool match_image(const struct cc_events_filter *f, const json_t *ev, const char *type, const json_t *attrs)
{
	if (!has_key(f, "image"))
		return true;
	const char *id = json_string_value(json_object_get(json_object_get(ev, "Actor"), "ID"));
	const char *name = json_string_value(json_object_get(attrs, strcmp(type, "image") == 0 ? "name" : "image"));
	if (match(f, "image", id, false) || match(f, "image", name, false))
		return true;
	_cleanup_free_ char *sid = strip_tag(id != NULL ? id : "");
	_cleanup_free_ char *sname = strip_tag(name != NULL ? name : "");
	return (sid != NULL && match(f, "image", sid, false)) || (sname != NULL && match(f, "image", sname, false));
}

/* filters.Args.MatchKVList: every label=K or label=K=V must hold */
static bool match_labels(const struct cc_events_filter *f, const json_t *attrs)
{
	for (size_t i = 0; i < f->n; i++) {
		if (strcmp(f->kv[i].key, "label") != 0)
			continue;
		const char *want = f->kv[i].value, *eq = strchr(want, '=');
		_cleanup_free_ char *k = eq != NULL ? strndup(want, (size_t)(eq - want)) : strdup(want);
		const char *v = k != NULL ? json_string_value(json_object_get(attrs, k)) : NULL;
		if (v == NULL || (eq != NULL && strcmp(eq + 1, v) != 0))
			return false;
	}
	return true;
}

bool cc_events_filter_match(const struct cc_events_filter *f, const json_t *ev)
{
	if (f == NULL || f->n == 0)
		return true;
	const char *type = json_string_value(json_object_get(ev, "Type"));
	const char *action = json_string_value(json_object_get(ev, "Action"));
	const json_t *actor = json_object_get(ev, "Actor");
	const json_t *attrs = json_object_get(actor, "Attributes");
	const char *id = json_string_value(json_object_get(actor, "ID"));
	const char *name = json_string_value(json_object_get(attrs, "name"));
	if (type == NULL || action == NULL)
		return false;
	/* event: exec_create, exec_start and health_status carry a suffix
	 * ("exec_start: sh"), so a filter naming one of them matches by prefix */
	bool fuzzy_event = match(f, "event", "exec_create", false) || match(f, "event", "exec_start", false) ||
			   match(f, "event", "health_status", false);
	if (has_key(f, "event") && !match(f, "event", action, fuzzy_event))
		return false;
	if (has_key(f, "type") && !match(f, "type", type, false))
		return false;
	if (has_key(f, "scope") && !match(f, "scope", "local", false))
		return false;
	/* an object's name or ID, by prefix (fuzzyMatchName) */
	static const char *const named[] = { "container", "volume",  "network", "daemon",
					     "plugin",    "node",    "service", "secret", "config" };
	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		if (has_key(f, named[i]) && !match(f, named[i], id, true) && !match(f, named[i], name, true))
			return false;
	return match_image(f, ev, type, attrs) && match_labels(f, attrs);
}

struct cc_events_reader {
	char *path, *old_path;
	int fd;          /* the file being read, -1 before it exists */
	int old_fd;      /* events.log.1, read first, or -1 */
	int ino;         /* inotify on the root when following, else -1 */
	bool follow;
	char *buf;       /* CC_EVENTS_MAX_LINE + 1 bytes: at most one line */
	size_t start, len;
	bool skipping;   /* in a line too long to keep: drop up to its newline */
	bool draining;   /* the name has a new file: reading the old one to its end */
};

void cc_events_reader_free(struct cc_events_reader *r)
{
	if (r == NULL)
		return;
	if (r->fd >= 0)
		close(r->fd);
	if (r->old_fd >= 0)
		close(r->old_fd);
	if (r->ino >= 0)
		close(r->ino);
	free(r->path);
	free(r->old_path);
	free(r->buf);
	free(r);
}

static bool same_file(int fd, const char *path)
{
	struct stat a, b;
	return fstat(fd, &a) == 0 && lstat(path, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

static int open_log(const char *path, cc_error **err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno != ENOENT)
		return cc_error_set(err, errno, "open '%s': %s", path, strerror(errno));
	return fd < 0 ? -1 : fd;
}

int cc_events_reader_open(const char *root, bool past, bool follow, struct cc_events_reader **ret, cc_error **err)
{
	struct cc_events_reader *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return cc_error_set(err, ENOMEM, "out of memory");
	r->fd = r->old_fd = r->ino = -1;
	r->follow = follow;
	if (asprintf(&r->path, "%s/" CC_EVENTS_LOG, root) < 0 || asprintf(&r->old_path, "%s/" CC_EVENTS_LOG_OLD, root) < 0 ||
	    (r->buf = malloc(CC_EVENTS_MAX_LINE + 1)) == NULL) {
		cc_events_reader_free(r);
		return cc_error_set(err, ENOMEM, "out of memory");
	}
	if (follow) {
		r->ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (r->ino < 0 ||
		    inotify_add_watch(r->ino, root, IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE) < 0) {
			int rc = cc_error_set(err, errno, "watch '%s': %s", root, strerror(errno));
			cc_events_reader_free(r);
			return rc;
		}
	}
	/* the two files as one view: a rotation between the two opens would
	 * make the old one the file opened as current, so look again */
	for (int round = 0; round < 8; round++) {
		if (r->fd >= 0)
			close(r->fd);
		if (r->old_fd >= 0)
			close(r->old_fd);
		r->old_fd = -1;
		if ((r->fd = open_log(r->path, err)) < -1 || (past && (r->old_fd = open_log(r->old_path, err)) < -1)) {
			cc_events_reader_free(r);
			return -1;
		}
		if (r->fd < 0 || same_file(r->fd, r->path))
			break;
	}
	if (!past && r->fd >= 0 && lseek(r->fd, 0, SEEK_END) < 0) {
		int rc = cc_error_set(err, errno, "seek '%s': %s", r->path, strerror(errno));
		cc_events_reader_free(r);
		return rc;
	}
	*ret = r;
	return 0;
}

int cc_events_reader_fd(const struct cc_events_reader *r)
{
	return r->ino;
}

void cc_events_reader_drain(struct cc_events_reader *r)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	while (r->ino >= 0 && read(r->ino, buf, sizeof(buf)) > 0)
		;
}

/* A complete line in the buffer: 1 and its bounds, else 0. */
static int take_line(struct cc_events_reader *r, const char **line, size_t *len)
{
	for (;;) {
		char *p = r->len > 0 ? memchr(r->buf + r->start, '\n', r->len) : NULL;
		if (p == NULL)
			return 0;
		size_t n = (size_t)(p - (r->buf + r->start));
		*line = r->buf + r->start;
		*len = n;
		r->start += n + 1;
		r->len -= n + 1;
		if (r->skipping) { /* the end of a line too long: dropped */
			r->skipping = false;
			continue;
		}
		return 1;
	}
}

/* Read more of fd into the buffer: bytes read, 0 at its end, -1 error. */
static ssize_t fill(struct cc_events_reader *r, int fd)
{
	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, r->len);
		r->start = 0;
	}
	if (r->len == CC_EVENTS_MAX_LINE + 1) {
		/* no newline in a whole buffer: a line too long, dropped */
		r->len = 0;
		r->skipping = true;
	}
	ssize_t n;
	while ((n = read(fd, r->buf + r->len, CC_EVENTS_MAX_LINE + 1 - r->len)) < 0 && errno == EINTR)
		;
	if (n > 0)
		r->len += (size_t)n;
	return n;
}

/* A file is done: what is left of it is not a line (a cut write). */
static void drop_partial(struct cc_events_reader *r)
{
	r->start = r->len = 0;
	r->skipping = false;
}

int cc_events_reader_next(struct cc_events_reader *r, json_t **ret, cc_error **err)
{
	for (;;) {
		const char *line;
		size_t len;
		while (take_line(r, &line, &len) == 1) {
			cc_error *e = NULL;
			if (len > 0 && cc_event_parse(line, len, ret, &e) == 0)
				return 1;
			cc_error_free(e); /* not an event: skipped */
		}
		int fd = r->old_fd >= 0 ? r->old_fd : r->fd;
		if (fd < 0) {
			/* no log yet: it may appear while we follow */
			if (!r->follow || (r->fd = open_log(r->path, err)) < -1)
				return r->follow ? -1 : 0;
			if (r->fd < 0)
				return 0;
			continue;
		}
		ssize_t n = fill(r, fd);
		if (n < 0)
			return cc_error_set(err, errno, "read '%s': %s", fd == r->old_fd ? r->old_path : r->path,
					    strerror(errno));
		if (n > 0)
			continue;
		if (fd == r->old_fd) { /* events.log.1 done: on to events.log */
			close(r->old_fd);
			r->old_fd = -1;
			drop_partial(r);
			continue;
		}
		if (!r->follow)
			return 0; /* the end (a partial line at the end is dropped) */
		if (!r->draining) {
			if (same_file(r->fd, r->path))
				return 0; /* the end for now: a partial line waits for its end */
			/* rotated (or gone): what was appended before the rename
			 * may have come after our last read, so read to the end
			 * once more */
			r->draining = true;
			continue;
		}
		/* this file is complete: on to the new one, from its start
		 * (every line in it came after the rename), or to none until
		 * the next writer makes it */
		r->draining = false;
		int nfd = open_log(r->path, err);
		if (nfd < -1)
			return -1;
		close(r->fd);
		r->fd = nfd;
		drop_partial(r);
	}
}
