/* Container lifecycle verbs: ps, stop, kill, start, restart, rm, wait,
 * container prune, attach, and the monitor's two internal steps (__start,
 * __cleanup).  What they do to a container is lib/container's engine; here
 * are their options, their output and their exit statuses. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "container/container.h"
#include "container/monitor.h"
#include "util/strbuf.h"
#include "network/network.h"
#include "util/json.h"
#include "template/template.h"

/* ---- state (lib/container's engine) ---- */

void cmd_container_reconcile(struct cc_store *s, struct cc_container_record *c)
{
	cc_error *e = NULL;
	if (cc_container_reconcile(s, c, &e) < 0 && e != NULL)
		cmd_warnf("%s", e->msg);
	cc_error_free(e);
}

/* Look up and reconcile one container; prints the error itself. */
static struct cc_container_record *get_container(struct cc_store *s, const char *ref)
{
	struct cc_container_record *c = NULL;
	cc_error *e = NULL;
	if (cc_store_container_get(s, ref, &c, &e) < 0) {
		cmd_fail(e, EXIT_CC_ERROR);
		return NULL;
	}
	cmd_container_reconcile(s, c);
	return c;
}

struct cc_container_record *cmd_container_get(struct cc_store *s, const char *ref)
{
	return get_container(s, ref);
}

/* ccontainer __start ID: spawned by the monitor with its socket on fd 3. */
static int internal_start_action(void *opts, int argc, char **argv)
{
	(void)opts;
	(void)argc;
	const char *fdenv = getenv("CCONTAINER_MONITOR_FD");
	int fd = fdenv ? atoi(fdenv) : -1;
	if (fd < 3)
		return cmd_failf(EXIT_CC_ERROR, "__start is run by the container monitor only");
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	cc_error *e = NULL;
	struct cc_store *s = NULL;
	struct cc_container_record *c = NULL;
	struct cc_container_spec spec = { 0 };
	int rc = 0;
	if (cc_store_open(cmd_store_root(), &s, &e) < 0 || cc_store_set_runroot(s, cmd_runroot(), &e) < 0 ||
	    cc_store_container_get(s, argv[0], &c, &e) < 0 || cmd_container_spec(s, c, true, &spec, &e) < 0) {
		cc_container_monitor_report(fd, -1, -1, NULL, 0, e);
		rc = cmd_fail(e, EXIT_CC_ERROR);
	} else if (cc_container_start_monitored(s, c->id, &spec, fd, &e) < 0) {
		rc = cmd_fail(e, cc_container_exit_code(e));
	}
	cc_container_spec_release(&spec);
	cc_container_record_free(c);
	cc_store_close(s);
	return rc;
}

struct cleanup_opts {
	bool restarting;
};

/* ccontainer __cleanup [--restarting] ID STATUS: exec'd by the monitor
 * after the exit; with --restarting, run by it before it starts the
 * container again (restart policy): the state is then "restarting". */
static int internal_cleanup_action(void *opts, int argc, char **argv)
{
	bool restarting = ((struct cleanup_opts *)opts)->restarting;
	(void)argc;
	char *end = NULL;
	errno = 0;
	long status = strtol(argv[1], &end, 10);
	if (errno != 0 || end == argv[1] || *end != '\0' || status < 0 || status > INT_MAX)
		return cmd_usagef("__cleanup: invalid exit status '%s'", argv[1]);
	struct cc_store *s = cmd_open_store();
	if (s == NULL)
		return EXIT_CC_ERROR;
	cc_error *e = NULL;
	struct cc_container_record *c = NULL;
	int rc = 0;
	if (cc_container_finish(s, argv[0], (int)status, false, false, NULL, &e) < 0)
		rc = cmd_fail(e, EXIT_CC_ERROR);
	else if (restarting && (cc_store_container_get(s, argv[0], &c, &e) < 0 ||
				cc_container_set_state(s, c, CC_STATE_RESTARTING, (int)status, false, &e) < 0))
		rc = cmd_fail(e, EXIT_CC_ERROR);
	cc_container_record_free(c);
	cc_store_close(s);
	return rc;
}

/* ---- ps ---- */

void cmd_container_status_text(const struct cc_container_record *c, char *out, size_t outlen)
{
	char ago[64];
	time_t now = time(NULL);
	if (cc_container_is_running(c)) {
		cc_human_ago((int64_t)now - c->started, ago, sizeof(ago));
		snprintf(out, outlen, cc_container_is_paused(c) ? "Up %s (Paused)" : "Up %s", ago);
	} else if (strcmp(c->state, "exited") == 0 || strcmp(c->state, "restarting") == 0) {
		cc_human_ago((int64_t)now - c->finished, ago, sizeof(ago));
		snprintf(out, outlen, c->state[0] == 'r' ? "Restarting (%d) %s ago" : "Exited (%d) %s ago", c->exit_code, ago);
	} else if (strcmp(c->state, "removing") == 0) {
		snprintf(out, outlen, "Removal In Progress"); /* docker's State.String */
	} else if (strcmp(c->state, "dead") == 0) {
		snprintf(out, outlen, "Dead");
	} else {
		snprintf(out, outlen, "Created");
	}
}

/* docker's DisplayablePorts (cli/command/formatter/container.go): sorted by
 * container port, host address, host port, protocol; a port published on
 * the same number is grouped with its neighbours ("0.0.0.0:80-81->80-81/tcp"),
 * then the others ("0.0.0.0:8080->80/tcp"); ", " between them. */
struct ps_port {
	const char *ip, *proto;
	long long pub, priv;
};

static int ps_port_cmp(const void *a, const void *b)
{
	const struct ps_port *x = a, *y = b;
	int c;
	if (x->priv != y->priv)
		return x->priv < y->priv ? -1 : 1;
	if ((c = strcmp(x->ip, y->ip)) != 0)
		return c;
	if (x->pub != y->pub)
		return x->pub < y->pub ? -1 : 1;
	return strcmp(x->proto, y->proto);
}

static void ps_host_port(struct cc_strbuf *sb, const char *ip, const char *port)
{
	cc_strbuf_addf(sb, strchr(ip, ':') ? "[%s]:%s" : "%s:%s", ip, port); /* net.JoinHostPort */
}

static void ps_port_group(struct cc_strbuf *sb, const struct ps_port *p, long long first, long long last)
{
	char range[48];
	if (first == last)
		snprintf(range, sizeof(range), "%lld", first);
	else
		snprintf(range, sizeof(range), "%lld-%lld", first, last);
	if (sb->len > 0)
		cc_strbuf_add(sb, ", ", 2);
	if (p->ip[0] != '\0') {
		ps_host_port(sb, p->ip, range);
		cc_strbuf_addf(sb, "->%s/%s", range, p->proto);
	} else {
		cc_strbuf_addf(sb, "%s/%s", range, p->proto);
	}
}

char *cmd_container_ports_text(const struct cc_container_record *c)
{
	json_t *cfg = cc_container_config(c);
	json_t *ports = json_object_get(cfg, "Ports");
	size_t n = json_array_size(ports), i;
	struct ps_port *v = calloc(n + 1, sizeof(*v));
	struct cc_strbuf sb = { 0 }, mapped = { 0 };
	cc_strbuf_add(&sb, "", 0);
	json_t *p;
	if (v == NULL) {
		json_decref(cfg);
		return NULL;
	}
	json_array_foreach(ports, i, p) {
		const char *hip = json_string_value(json_object_get(p, "HostIp"));
		const char *proto = json_string_value(json_object_get(p, "Protocol"));
		v[i] = (struct ps_port){ hip && *hip ? hip : "0.0.0.0", proto ? proto : "tcp",
					 json_integer_value(json_object_get(p, "HostPort")),
					 json_integer_value(json_object_get(p, "ContainerPort")) };
		if (!json_is_integer(json_object_get(p, "HostPort")))
			v[i].ip = ""; /* exposed, not published: "80/tcp" */
	}
	qsort(v, n, sizeof(*v), ps_port_cmp);
	/* groups by "ip/proto", in the order their first port came */
	bool *done = calloc(n + 1, sizeof(*done));
	for (i = 0; done && i < n; i++) {
		if (v[i].ip[0] != '\0' && v[i].pub != v[i].priv) {
			if (mapped.len > 0)
				cc_strbuf_add(&mapped, ", ", 2);
			char port[24];
			snprintf(port, sizeof(port), "%lld", v[i].pub);
			ps_host_port(&mapped, v[i].ip, port);
			cc_strbuf_addf(&mapped, "->%lld/%s", v[i].priv, v[i].proto);
			done[i] = true;
		}
	}
	/* docker keeps one open group a key: a port that does not extend it
	 * closes it (written at once), the groups left open are written last */
	struct cc_strbuf closed = { 0 };
	size_t *open_at = calloc(n + 1, sizeof(*open_at)), nopen = 0;
	long long *first = calloc(n + 1, sizeof(*first)), *last = calloc(n + 1, sizeof(*last));
	for (i = 0; open_at && first && last && i < n; i++) {
		if (done[i])
			continue;
		size_t k;
		for (k = 0; k < nopen; k++)
			if (strcmp(v[open_at[k]].ip, v[i].ip) == 0 && strcmp(v[open_at[k]].proto, v[i].proto) == 0)
				break;
		if (k == nopen) {
			open_at[nopen] = i, first[nopen] = last[nopen] = v[i].priv;
			nopen++;
		} else if (v[i].priv == last[k] + 1) {
			last[k] = v[i].priv;
		} else {
			ps_port_group(&closed, &v[open_at[k]], first[k], last[k]);
			open_at[k] = i, first[k] = last[k] = v[i].priv;
		}
	}
	if (closed.len > 0)
		cc_strbuf_add(&sb, closed.buf, closed.len);
	for (size_t k = 0; k < nopen; k++)
		ps_port_group(&sb, &v[open_at[k]], first[k], last[k]);
	if (mapped.len > 0) {
		if (sb.len > 0)
			cc_strbuf_add(&sb, ", ", 2);
		cc_strbuf_add(&sb, mapped.buf, mapped.len);
	}
	if (done == NULL || open_at == NULL || first == NULL || last == NULL)
		sb.oom = true;
	cc_strbuf_release(&closed);
	cc_strbuf_release(&mapped);
	free(done);
	free(open_at);
	free(first);
	free(last);
	free(v);
	json_decref(cfg);
	return cc_strbuf_steal(&sb);
}

struct ps_opts {
	bool all, quiet, notrunc, latest, noheading, size;
	int64_t last;
	const char *format, *sort;
	struct cmd_strv filter;
};

/* docker's ps filters: the same key ORs (label: ANDs, as docker's
 * MatchKVList), different keys AND. */
struct ps_filter {
	const char *key, *value;
};
static const char *const ps_filter_keys[] = { "id", "name", "label", "status", "exited", "ancestor", "before",
					      "since", "network", "volume", "health", "restart-policy", NULL };
static const char *const ps_health[] = { "starting", "healthy", "unhealthy", "none", NULL };
static const char *const ps_policies[] = { "no", "on-failure", "always", "unless-stopped", NULL };
static const char *const ps_states[] = { "created", "restarting", "running", "removing", "paused", "exited", "dead", NULL };

static bool in_list(const char *const *l, const char *v)
{
	for (; *l; l++)
		if (strcmp(*l, v) == 0)
			return true;
	return false;
}

static int ps_parse_filters(const struct cmd_strv *f, struct ps_filter **ret)
{
	*ret = calloc(f->n + 1, sizeof(**ret));
	if (*ret == NULL)
		return cmd_failf(EXIT_CC_ERROR, "out of memory");
	for (size_t i = 0; i < f->n; i++) {
		const char *eq = strchr(f->v[i], '=');
		if (eq == NULL)
			return cmd_usagef("bad format of filter (expected name=value): %s", f->v[i]);
		char *key = strndup(f->v[i], (size_t)(eq - f->v[i]));
		if (key == NULL)
			return cmd_failf(EXIT_CC_ERROR, "out of memory");
		(*ret)[i] = (struct ps_filter){ key, eq + 1 };
		if (!in_list(ps_filter_keys, key))
			return cmd_usagef("invalid filter '%s'", key);
		if (strcmp(key, "status") == 0 && !in_list(ps_states, eq + 1))
			return cmd_usagef("invalid filter 'status=%s': created, restarting, running, removing, paused, exited or dead",
					  eq + 1);
		if (strcmp(key, "health") == 0 && !in_list(ps_health, eq + 1))
			return cmd_usagef("invalid filter 'health=%s': starting, healthy, unhealthy or none", eq + 1);
		if (strcmp(key, "restart-policy") == 0 && !in_list(ps_policies, eq + 1))
			return cmd_usagef("invalid filter 'restart-policy=%s': no, on-failure, always or unless-stopped", eq + 1);
	}
	return 0;
}

static void ps_free_filters(struct ps_filter *f)
{
	for (size_t i = 0; f != NULL && f[i].key != NULL; i++)
		free((char *)f[i].key);
	free(f);
}

/* ps's list, newest first (created, then insertion order), for before/since. */
struct ps_list {
	struct cc_container_record **v;
	size_t n;
};

/* The position in the list of the container a before/since filter names
 * (-1: none): since=X is what comes before it, before=X what comes after. */
static ssize_t ps_ref_index(struct cc_store *s, const struct ps_list *l, const char *ref)
{
	struct cc_container_record *c = NULL;
	cc_error *e = NULL;
	if (cc_store_container_get(s, ref, &c, &e) < 0) {
		cc_error_free(e);
		return -1;
	}
	ssize_t at = -1;
	for (size_t i = 0; i < l->n && at < 0; i++)
		if (strcmp(l->v[i]->id, c->id) == 0)
			at = (ssize_t)i;
	cc_container_record_free(c);
	return at;
}

/* docker's filters.Match: the value exactly, or as a regular expression
 * anywhere in it (Go's RE2; POSIX extended here, the same for what people
 * write: ^, $, ., [], *, +, ?, |); one that does not compile matches nothing */
static bool filter_match(const char *pattern, const char *source)
{
	if (strcmp(pattern, source) == 0)
		return true;
	regex_t re;
	if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
		return false;
	bool m = regexec(&re, source, 0, NULL, 0) == 0;
	regfree(&re);
	return m;
}

/* docker's NETWORKS column: the networks a container is on, by name
 * ("bridge", "host", "none", or its endpoints'), comma-separated. */
static char *ps_networks(const json_t *cfg)
{
	const char *mode = json_string_value(json_object_get(cfg, "Network"));
	const json_t *eps = json_object_get(json_object_get(cfg, "Spec"), "Networks");
	if (!cc_network_mode_bridged(mode) || !json_is_array(eps))
		return strdup(mode ? mode : "bridge");
	struct cc_strbuf sb = { 0 };
	cc_strbuf_add(&sb, "", 0);
	size_t i;
	const json_t *e;
	json_array_foreach(eps, i, e) {
		const char *n = json_string_value(json_object_get(e, "Name"));
		if (n != NULL)
			cc_strbuf_addf(&sb, "%s%s", sb.len ? "," : "", n);
	}
	return cc_strbuf_steal(&sb);
}

static bool ps_one_matches(struct cc_store *s, const struct ps_list *l, size_t at, const json_t *cfg, const char *key,
			   const char *v)
{
	const struct cc_container_record *r = l->v[at];
	if (strcmp(key, "id") == 0)
		return filter_match(v, r->id);
	if (strcmp(key, "name") == 0) { /* with and without docker's leading slash */
		_cleanup_free_ char *slashed = NULL;
		return filter_match(v, r->name) || (asprintf(&slashed, "/%s", r->name) >= 0 && filter_match(v, slashed));
	}
	if (strcmp(key, "status") == 0)
		return strcmp(r->state, v) == 0;
	if (strcmp(key, "exited") == 0)
		return strcmp(r->state, "exited") == 0 && atoi(v) == r->exit_code;
	if (strcmp(key, "ancestor") == 0) {
		const char *id = strchr(r->image_id, ':');
		id = id ? id + 1 : r->image_id;
		return (r->image_name && strcmp(r->image_name, v) == 0) ||
		       (strlen(v) >= 4 && strncmp(id, strncmp(v, "sha256:", 7) == 0 ? v + 7 : v, strlen(v) - (strncmp(v, "sha256:", 7) == 0 ? 7 : 0)) == 0);
	}
	if (strcmp(key, "before") == 0 || strcmp(key, "since") == 0) {
		ssize_t ref = ps_ref_index(s, l, v);
		return ref >= 0 && (key[0] == 'b' ? (ssize_t)at > ref : (ssize_t)at < ref);
	}
	if (strcmp(key, "label") == 0) {
		const json_t *labels = json_object_get(cfg, "Labels");
		const char *eq = strchr(v, '=');
		_cleanup_free_ char *k = eq ? strndup(v, (size_t)(eq - v)) : strdup(v);
		const char *have = k ? json_string_value(json_object_get(labels, k)) : NULL;
		return have != NULL && (eq == NULL || strcmp(have, eq + 1) == 0);
	}
	if (strcmp(key, "network") == 0) {
		_cleanup_free_ char *nets = ps_networks(cfg);
		for (char *save = NULL, *w = nets ? strtok_r(nets, ",", &save) : NULL; w; w = strtok_r(NULL, ",", &save))
			if (strcmp(w, v) == 0)
				return true;
		return false;
	}
	if (strcmp(key, "health") == 0) { /* docker: "none" for a container without a check */
		json_t *h = cc_container_health(s, r, cfg);
		bool m = strcmp(h != NULL ? cc_health_status(h) : "none", v) == 0;
		json_decref(h);
		return m;
	}
	if (strcmp(key, "restart-policy") == 0) { /* podman's */
		struct cc_restart_policy p;
		cc_restart_policy_from_config(cfg, &p);
		return strcmp(cc_restart_policy_name(p.kind), v) == 0;
	}
	if (strcmp(key, "volume") == 0) { /* docker: a volume's name or a mount's destination */
		size_t i;
		json_t *m;
		json_array_foreach(json_object_get(json_object_get(cfg, "Spec"), "Mounts"), i, m) {
			const char *name = json_string_value(json_object_get(m, "Volume"));
			const char *dst = json_string_value(json_object_get(m, "Target"));
			if ((name != NULL && strcmp(name, v) == 0) || (dst != NULL && strcmp(dst, v) == 0))
				return true;
		}
	}
	return false;
}

static bool ps_matches(struct cc_store *s, const struct ps_list *l, size_t at, const struct ps_filter *f)
{
	if (f == NULL || f[0].key == NULL)
		return true;
	json_t *cfg = cc_container_config(l->v[at]);
	bool ok = true;
	for (size_t i = 0; ok && f[i].key != NULL; i++) {
		if (strcmp(f[i].key, "label") == 0) { /* every label given */
			ok = ps_one_matches(s, l, at, cfg, f[i].key, f[i].value);
			continue;
		}
		bool seen = false, any = false; /* the first of its key decides for all of them */
		for (size_t j = 0; j < i && !seen; j++)
			seen = strcmp(f[j].key, f[i].key) == 0;
		if (seen)
			continue;
		for (size_t j = i; f[j].key != NULL && !any; j++)
			any = strcmp(f[j].key, f[i].key) == 0 && ps_one_matches(s, l, at, cfg, f[j].key, f[j].value);
		ok = any;
	}
	json_decref(cfg);
	return ok;
}

/* docker's units.HumanSizeWithPrecision(size, 3): decimal units, %.3g */
static void ps_human_size(double size, char *out, size_t outlen)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB" };
	size_t i = 0;
	while (size >= 1000.0 && i + 1 < sizeof(units) / sizeof(units[0])) {
		size /= 1000.0;
		i++;
	}
	snprintf(out, outlen, "%.3g%s", size, units[i]);
}

/* docker's directory.Size: the bytes of everything but directories,
 * a hard-linked inode once. */
static int64_t ps_dir_size(int dirfd, ino_t **seen, size_t *nseen, int depth)
{
	int64_t total = 0;
	DIR *d = fdopendir(dirfd);
	if (d == NULL) {
		close(dirfd);
		return 0;
	}
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		struct stat st;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			int fd = depth < 256 ? openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
			if (fd >= 0)
				total += ps_dir_size(fd, seen, nseen, depth + 1);
			continue;
		}
		if (st.st_size == 0)
			continue;
		if (st.st_nlink > 1) {
			bool dup = false;
			for (size_t i = 0; i < *nseen && !dup; i++)
				dup = (*seen)[i] == st.st_ino;
			if (dup)
				continue;
			ino_t *n = realloc(*seen, (*nseen + 1) * sizeof(**seen));
			if (n != NULL) {
				*seen = n;
				n[(*nseen)++] = st.st_ino;
			}
		}
		total += st.st_size;
	}
	closedir(d);
	return total;
}

int64_t cmd_dir_size(const char *path)
{
	int fd = path != NULL ? open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
	if (fd < 0)
		return 0;
	ino_t *seen = NULL;
	size_t nseen = 0;
	int64_t total = ps_dir_size(fd, &seen, &nseen, 0);
	free(seen);
	return total;
}

/* docker's ps SIZE: "2B (virtual 7.8MB)": what the container wrote (its
 * upper directory), and that with its image. */
static void ps_size_text(struct cc_store *s, const struct cc_container_record *r, char *out, size_t outlen)
{
	int64_t rw = 0, image = 0;
	_cleanup_free_ char *dir = cc_store_container_path(s, r->id);
	_cleanup_free_ char *upper = NULL;
	if (dir != NULL && asprintf(&upper, "%s/upper", dir) >= 0) {
		int fd = open(upper, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		ino_t *seen = NULL;
		size_t nseen = 0;
		if (fd >= 0)
			rw = ps_dir_size(fd, &seen, &nseen, 0);
		free(seen);
	}
	struct cc_image_record *img = NULL;
	cc_error *e = NULL;
	if (r->image_id != NULL && cc_store_image_get(s, r->image_id, &img, &e) == 0) {
		image = img->size;
		cc_image_record_free(img);
	}
	cc_error_free(e);
	char srw[32], sv[32];
	ps_human_size((double)rw, srw, sizeof(srw));
	ps_human_size((double)(rw + image), sv, sizeof(sv));
	if (rw + image > 0)
		snprintf(out, outlen, "%s (virtual %s)", srw, sv);
	else
		snprintf(out, outlen, "%s", srw);
}

/* docker's Summary.Command: the path and its arguments, those with a space
 * in single quotes (moby's container view) */
static char *ps_command(const struct cc_container_record *r, const json_t *cfg)
{
	const json_t *argv = json_object_get(cfg, "Cmd");
	if (json_array_size(argv) == 0)
		return strdup(r->command ? r->command : "");
	struct cc_strbuf sb = { 0 };
	cc_strbuf_add(&sb, "", 0);
	size_t i;
	const json_t *a;
	json_array_foreach(argv, i, a) {
		const char *s = json_string_value(a);
		s = s ? s : "";
		cc_strbuf_addf(&sb, i == 0 || !strchr(s, ' ') ? "%s%s" : "%s'%s'", i ? " " : "", s);
	}
	return cc_strbuf_steal(&sb);
}

/* docker's ContainerContext.Image: with trunc, the familiar name without
 * its digest (a tag kept), or the short ID when that is what was given */
static char *ps_image(const struct cc_container_record *r, bool trunc)
{
	const char *img = r->image_name && *r->image_name ? r->image_name : r->image_id;
	if (img == NULL || *img == '\0')
		return strdup("<no image>");
	if (!trunc)
		return strdup(img);
	const char *id = r->image_id ? r->image_id : "";
	if (cc_str_has_prefix(id, "sha256:"))
		id = id + 7;
	const char *bare = cc_str_has_prefix(img, "sha256:") ? img + 7 : img;
	if (strncmp(bare, id, 12) == 0 && strlen(bare) >= 12 && strspn(bare, "0123456789abcdef") == strlen(bare))
		return strndup(bare, 12);
	const char *at = strchr(img, '@');
	size_t n = at ? (size_t)(at - img) : strlen(img);
	if (strncmp(img, "docker.io/library/", 18) == 0)
		img += 18, n -= 18;
	else if (strncmp(img, "docker.io/", 10) == 0)
		img += 10, n -= 10;
	return strndup(img, n);
}

static int ps_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static json_t *ps_labels(const json_t *cfg)
{
	const json_t *labels = json_object_get(cfg, "Labels");
	size_t n = json_object_size(labels), k = 0;
	char **v = calloc(n + 1, sizeof(*v));
	const char *key;
	json_t *val;
	struct cc_strbuf sb = { 0 };
	cc_strbuf_add(&sb, "", 0);
	json_object_foreach((json_t *)labels, key, val) {
		if (v != NULL && asprintf(&v[k], "%s=%s", key, json_string_value(val) ? json_string_value(val) : "") >= 0)
			k++;
	}
	if (v != NULL)
		qsort(v, k, sizeof(*v), ps_strcmp);
	for (size_t i = 0; i < k; i++) {
		cc_strbuf_addf(&sb, "%s%s", i ? "," : "", v[i]);
		free(v[i]);
	}
	free(v);
	_cleanup_free_ char *s = cc_strbuf_steal(&sb);
	return cc_json_text(s ? s : "");
}

/* docker's Mounts: each mount's name or source (a tmpfs is no mount point),
 * cut at 15 columns with trunc; ",". */
static json_t *ps_mounts(const json_t *cfg, bool trunc)
{
	struct cc_strbuf sb = { 0 };
	cc_strbuf_add(&sb, "", 0);
	size_t i, k = 0;
	const json_t *m;
	json_array_foreach(json_object_get(cfg, "Mounts"), i, m) {
		const char *type = json_string_value(json_object_get(m, "Type"));
		if (type != NULL && strcmp(type, "tmpfs") == 0)
			continue;
		const char *name = json_string_value(json_object_get(m, "Name"));
		if (name == NULL || *name == '\0')
			name = json_string_value(json_object_get(m, "Source"));
		_cleanup_free_ char *cut = trunc ? cc_ellipsis(name ? name : "", 15) : NULL;
		cc_strbuf_addf(&sb, "%s%s", k++ ? "," : "", cut ? cut : name ? name : "");
	}
	_cleanup_free_ char *s = cc_strbuf_steal(&sb);
	return cc_json_text(s ? s : "");
}

/* ContainerContext's methods for a template, as cc_template_exec_methods
 * takes them: {{.Label "KEY"}}.  ps keeps them in the row as "_methods"
 * until the row is formatted. */
static json_t *ps_methods(const json_t *cfg)
{
	const json_t *labels = json_object_get(cfg, "Labels");
	return json_pack("{s:o}", "Label", json_is_object(labels) ? json_deep_copy(labels) : json_object());
}

/* One row of ps as docker's ContainerContext gives it: every value a
 * string, the keys in the order docker's JSON has them (sorted).  r NULL:
 * docker's empty context, which a --format is tried on first. */
static json_t *ps_row(struct cc_store *s, const struct cc_container_record *r, bool trunc, bool size, time_t now)
{
	if (r == NULL)
		return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "Command",
				 "\"\"", "CreatedAt", "1970-01-01 00:00:00 +0000 UTC", "ID", "", "Image", "<no image>",
				 "Labels", "", "LocalVolumes", "0", "Mounts", "", "Names", "", "Networks", "", "Ports", "",
				 "RunningFor", "", "Size", "0B", "State", "", "Status", "");
	char sid[65], created[80], status[96], createdat[80] = "", sizetext[96] = "0B";
	const char *id = cc_str_has_prefix(r->id, "sha256:") ? r->id + 7 : r->id;
	snprintf(sid, sizeof(sid), trunc ? "%.12s" : "%s", trunc ? id : r->id);
	cc_human_ago((int64_t)now - r->created, created, sizeof(created) - 4);
	strncat(created, " ago", sizeof(created) - strlen(created) - 1);
	cmd_container_status_text(r, status, sizeof(status));
	if (cc_container_is_running(r) && !cc_container_is_paused(r)) { /* docker's State.String */
		json_t *cfg = cc_container_config(r), *h = cc_container_health(s, r, cfg);
		if (h != NULL) {
			const char *hs = cc_health_status(h);
			size_t l = strlen(status);
			snprintf(status + l, sizeof(status) - l, strcmp(hs, "starting") == 0 ? " (health: %s)" : " (%s)", hs);
		}
		json_decref(h);
		json_decref(cfg);
	}
	struct tm tm;
	time_t t = (time_t)r->created;
	if (localtime_r(&t, &tm)) /* Go's time.Time.String(), in local time as docker's */
		strftime(createdat, sizeof(createdat), "%Y-%m-%d %H:%M:%S %z %Z", &tm);
	if (size)
		ps_size_text(s, r, sizetext, sizeof(sizetext));
	json_t *cfg = cc_container_config(r);
	_cleanup_free_ char *cmdline = ps_command(r, cfg);
	_cleanup_free_ char *cut = cmdline && trunc ? cc_ellipsis(cmdline, 20) : NULL;
	_cleanup_free_ char *command = cc_go_quote(cut ? cut : cmdline ? cmdline : "");
	_cleanup_free_ char *ports = cmd_container_ports_text(r);
	_cleanup_free_ char *image = ps_image(r, trunc);
	_cleanup_free_ char *net = ps_networks(cfg);
	size_t mi, n_vol = 0;
	const json_t *mj;
	json_array_foreach(json_object_get(cfg, "Mounts"), mi, mj) /* docker's LocalVolumes: the local driver's */
		n_vol += json_object_get(mj, "Name") != NULL;
	char local_vols[24];
	snprintf(local_vols, sizeof(local_vols), "%zu", n_vol);
	json_t *row = json_pack("{s:o, s:s, s:s, s:o, s:o, s:s, s:o, s:o, s:o, s:o, s:s, s:s, s:s, s:s}", "Command",
				cc_json_text(command ? command : ""), "CreatedAt", createdat, "ID", sid, "Image",
				cc_json_text(image ? image : ""), "Labels", ps_labels(cfg), "LocalVolumes", local_vols, "Mounts",
				ps_mounts(cfg, trunc), "Names", cc_json_text(r->name), "Networks",
				cc_json_text(net ? net : "bridge"), "Ports", cc_json_text(ports ? ports : ""), "RunningFor",
				created, "Size", sizetext, "State", r->state, "Status", status);
	if (row != NULL)
		json_object_set_new(row, "_methods", ps_methods(cfg));
	json_decref(cfg);
	return row;
}

/* podman's ps --sort */
static const char *const ps_sort_keys[] = { "command", "created", "id", "image", "names", "runningfor", "size",
					    "status", NULL };
static const char *ps_sort_by;

static int ps_sort_cmp(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	const char *k = ps_sort_by;
	int c = 0;
	if (strcmp(k, "created") == 0 || strcmp(k, "runningfor") == 0) {
		/* created: newest first; runningfor: started earliest first (podman) */
		json_int_t cx = json_integer_value(json_object_get(x, k[0] == 'c' ? "_created" : "_started"));
		json_int_t cy = json_integer_value(json_object_get(y, k[0] == 'c' ? "_created" : "_started"));
		c = cx == cy ? 0 : (cx < cy) == (k[0] == 'c') ? 1 : -1;
	} else if (strcmp(k, "size") == 0) {
		json_int_t sx = json_integer_value(json_object_get(x, "_size")), sy = json_integer_value(json_object_get(y, "_size"));
		c = sx == sy ? 0 : sx < sy ? -1 : 1;
	} else {
		const char *field = strcmp(k, "command") == 0 ? "_command" : strcmp(k, "id") == 0 ? "_id" :
				    strcmp(k, "image") == 0 ? "Image" : strcmp(k, "names") == 0 ? "Names" : "Status";
		c = strcmp(json_string_value(json_object_get(x, field)) ?: "", json_string_value(json_object_get(y, field)) ?: "");
	}
	if (c == 0) /* stable: the list's order */
		c = json_integer_value(json_object_get(x, "_at")) < json_integer_value(json_object_get(y, "_at")) ? -1 : 1;
	return c;
}

static const char ps_default_table[] = "table {{.ID}}\\t{{.Image}}\\t{{.Command}}\\t{{.RunningFor}}\\t{{.Status}}\\t{{.Ports}}\\t{{.Names}}";
static const char ps_raw[] = "container_id: {{.ID}}\nimage: {{.Image}}\ncommand: {{.Command}}\ncreated_at: {{.CreatedAt}}\n"
			     "state: {{- pad .State 1 0}}\nstatus: {{- pad .Status 1 0}}\nnames: {{.Names}}\n"
			     "labels: {{- pad .Labels 1 0}}\nports: {{- pad .Ports 1 0}}\n";

/* docker's formatter: the header of each field ps has */
static json_t *ps_headers(void)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ID",
			 "CONTAINER ID", "Names", "NAMES", "Image", "IMAGE", "Command", "COMMAND", "CreatedAt",
			 "CREATED AT", "RunningFor", "CREATED", "Ports", "PORTS", "State", "STATE", "Status", "STATUS",
			 "Size", "SIZE", "Labels", "LABELS", "Mounts", "MOUNTS", "LocalVolumes", "LOCAL VOLUMES",
			 "Networks", "NETWORKS", "Platform", "PLATFORM", "HealthStatus", "HEALTH STATUS");
}

/* docker validates a --format before it lists anything: the template as
 * given, run once on an empty container (exit 1 either way). */
static int ps_check_format(const char *format)
{
	struct cc_template *t = NULL;
	cc_error *e = NULL;
	if (cc_template_parse(format, &t, &e) < 0) {
		cc_error_prefix(&e, "failed to parse template");
		return cmd_fail(e, EXIT_CC_ERROR);
	}
	cc_template_set_missingkey_error(t);
	json_t *zero = ps_row(NULL, NULL, true, false, 0), *methods = ps_methods(NULL);
	struct cc_strbuf out = { 0 };
	int r = cc_template_exec_methods(t, zero, methods, NULL, &out, &e);
	cc_strbuf_release(&out);
	json_decref(methods);
	json_decref(zero);
	cc_template_free(t);
	if (r < 0) {
		if (e == NULL)
			return cmd_failf(EXIT_CC_ERROR, "out of memory");
		cc_error_prefix(&e, "failed to execute template");
		return cmd_fail(e, EXIT_CC_ERROR);
	}
	return 0;
}

static int ps_action(void *opts, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	struct ps_opts *o = opts;
	if (o->sort != NULL && !in_list(ps_sort_keys, o->sort))
		return cmd_usagef("invalid option for --sort, options are: command, created, id, image, names, runningfor, "
				  "size, or status");
	bool custom = o->format != NULL && *o->format != '\0';
	if (custom && o->quiet)
		fprintf(stderr, "WARNING: Ignoring custom format, because both --format and --quiet are set.\n");
	int rc = custom ? ps_check_format(o->format) : 0;
	if (rc != 0)
		return rc;
	/* docker asks for sizes when told to or when the template uses .Size
	 * ({{json .}} does; "json" does not: it is no template) */
	bool size = o->size ||
		    (custom && !o->quiet && !cc_format_is_json(o->format) ? strstr(o->format, "Size") != NULL : false) ||
		    (custom && !o->quiet && cc_format_is_json(o->format) && strstr(o->format, "json .")) ||
		    (o->sort && strcmp(o->sort, "size") == 0);
	const char *format = o->format;
	_cleanup_free_ char *deftable = NULL, *raw = NULL;
	if (asprintf(&deftable, "%s%s", ps_default_table, o->size ? "\\t{{.Size}}" : "") < 0 ||
	    asprintf(&raw, "%s%s", o->quiet ? "container_id: {{.ID}}" : ps_raw, o->quiet ? "" : o->size ? "size: {{.Size}}\\n" : "") < 0)
		return cmd_failf(EXIT_CC_ERROR, "out of memory");
	if (o->quiet)
		format = "{{.ID}}";
	if (format != NULL && strcmp(format, "raw") == 0)
		format = raw;
	if (o->latest && o->last == -1)
		o->last = 1;
	struct ps_filter *filters = NULL;
	rc = ps_parse_filters(&o->filter, &filters);
	if (rc != 0) {
		ps_free_filters(filters);
		return rc;
	}
	json_t *headers = ps_headers();
	struct cc_format *f = NULL;
	cc_error *e = NULL;
	if (cc_format_open(format, deftable, headers, &f, &e) < 0) {
		json_decref(headers);
		ps_free_filters(filters);
		return cmd_fail(e, EXIT_CC_ERROR);
	}
	json_decref(headers);
	cc_format_missingkey_error(f);
	if (o->noheading)
		cc_format_no_header(f);
	struct cc_store *s = cmd_open_store();
	if (s == NULL) {
		cc_format_free(f);
		ps_free_filters(filters);
		return EXIT_CC_ERROR;
	}
	struct cc_container_record **list = NULL;
	size_t n = 0;
	if (cc_store_container_list(s, &list, &n, &e) < 0) { /* newest first */
		cc_format_free(f);
		ps_free_filters(filters);
		cc_store_close(s);
		return cmd_fail(e, EXIT_CC_ERROR);
	}
	json_t **rows = calloc(n + 1, sizeof(*rows));
	size_t nrows = 0;
	time_t now = time(NULL);
	for (size_t i = 0; rows != NULL && i < n; i++) {
		struct cc_container_record *r = list[i];
		cmd_container_reconcile(s, r);
		/* -n/--last: the newest N, whatever their state (docker) */
		bool live = cc_container_is_running(r) || strcmp(r->state, "restarting") == 0; /* docker: restarting is running */
		if ((!o->all && o->last <= 0 && !live) || (o->last > 0 && (int64_t)nrows >= o->last) ||
		    !ps_matches(s, &(struct ps_list){ list, n }, i, filters))
			continue;
		json_t *row = ps_row(s, r, !o->notrunc, size, now);
		if (row == NULL)
			break;
		rows[nrows++] = row;
		if (o->sort != NULL) { /* what --sort compares that the row does not show */
			json_t *cfg = cc_container_config(r);
			_cleanup_free_ char *cmdline = ps_command(r, cfg);
			json_decref(cfg);
			json_object_set_new(row, "_command", cc_json_text(cmdline ? cmdline : ""));
			json_object_set_new(row, "_id", json_string(r->id));
			json_object_set_new(row, "_created", json_integer(r->created));
			json_object_set_new(row, "_started", json_integer(r->started));
			json_object_set_new(row, "_at", json_integer((json_int_t)i));
		}
	}
	if (o->sort != NULL) {
		ps_sort_by = o->sort;
		qsort(rows, nrows, sizeof(*rows), ps_sort_cmp);
		for (size_t i = 0; i < nrows; i++)
			json_object_del(rows[i], "_command"), json_object_del(rows[i], "_id"),
				json_object_del(rows[i], "_created"), json_object_del(rows[i], "_started"),
				json_object_del(rows[i], "_at");
	}
	rc = rows == NULL ? cmd_failf(EXIT_CC_ERROR, "out of memory") : 0;
	/* docker writes nothing when a row fails: "template parsing error: ..." */
	for (size_t i = 0; rc == 0 && i < nrows; i++) {
		json_t *methods = json_incref(json_object_get(rows[i], "_methods"));
		json_object_del(rows[i], "_methods");
		if (cc_format_row_methods(f, rows[i], methods, &e) < 0)
			rc = cmd_fail(e, EXIT_CC_ERROR);
		json_decref(methods);
	}
	int w = rc == 0 ? cc_format_flush(f, stdout, &e) : 0;
	if (w < 0) {
		cc_error_free(e);
		rc = cmd_output_error(-w);
	}
	for (size_t i = 0; rows != NULL && i < nrows; i++)
		json_decref(rows[i]);
	free(rows);
	cc_format_free(f);
	for (size_t i = 0; i < n; i++)
		cc_container_record_free(list[i]);
	free(list);
	ps_free_filters(filters);
	cc_store_close(s);
	return rc;
}

/* ---- signals: stop, kill ---- */

/* The options of the verbs over a list of containers (stop, restart, kill,
 * start, rm, wait): each verb's table uses some of them. */
struct ctr_opts {
	int64_t time;       /* stop, restart, rm: seconds before SIGKILL */
	const char *signal; /* kill, stop */
	bool all;           /* podman's -a/--all: every container */
	bool ignore;        /* podman's --ignore: a missing name is no error */
	bool force, volumes;
	int sig;            /* parsed from signal */
	struct cmd_strv filter; /* podman's --filter: ps's filters on the containers named, or on all */
	bool attach, interactive; /* start -a, -i */
};

/* What each_one skips quietly (not echoed, no error). */
#define EACH_SKIPPED (-1)

/* One container of a list verb: fn, then its name echoed as docker does. */
static int each_one(struct cc_store *s, struct cc_container_record *c, const char *ref, struct ctr_opts *o,
		    int (*fn)(struct cc_store *, struct cc_container_record *, struct ctr_opts *), bool echo)
{
	/* ref may be c's own ID, which a reconcile reads again */
	_cleanup_free_ char *echoed = strdup(ref);
	cmd_container_reconcile(s, c);
	int r = fn(s, c, o);
	if (r == EACH_SKIPPED)
		return 0;
	if (r == 0 && echo)
		printf("%s\n", echoed ? echoed : c->id);
	return r;
}

/* Does the container pass --filter?  ps's filters, over ps's list (for
 * before/since). */
static bool each_matches(struct cc_store *s, const struct ps_list *l, const struct ps_filter *f, const char *id)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i]->id, id) == 0)
			return ps_matches(s, l, i, f);
	return false;
}

/* fn over the named containers, or every one with --all (by ID); a missing
 * name is "No such container" (1) unless --ignore.  With --filter, only
 * those of them that pass it (every container when none is named). */
static int each_container(const char *verb, struct ctr_opts *o, int argc, char **argv,
			  int (*fn)(struct cc_store *, struct cc_container_record *, struct ctr_opts *), bool echo)
{
	if (o->all && argc > 0)
		return cmd_usagef("when using the --all switch, you may not pass any container names or IDs");
	if (!o->all && argc == 0 && o->filter.n == 0)
		return cmd_usagef("\"%s\" requires at least 1 argument (or --all).", verb);
	struct ps_filter *filters = NULL;
	int rc = ps_parse_filters(&o->filter, &filters);
	if (rc != 0) {
		ps_free_filters(filters);
		return rc;
	}
	struct cc_store *s = cmd_open_store();
	if (s == NULL) {
		ps_free_filters(filters);
		return EXIT_CC_ERROR;
	}
	cc_error *e = NULL;
	struct ps_list l = { 0 };
	if ((o->all || o->filter.n > 0) && cc_store_container_list(s, &l.v, &l.n, &e) < 0) {
		ps_free_filters(filters);
		cc_store_close(s);
		return cmd_fail(e, EXIT_CC_ERROR);
	}
	if (o->all || argc == 0) {
		for (size_t i = 0; i < l.n; i++) {
			if (!ps_matches(s, &l, i, filters))
				continue;
			int r = each_one(s, l.v[i], l.v[i]->id, o, fn, echo);
			rc = r != 0 ? r : rc;
		}
	}
	for (int i = 0; i < argc; i++) {
		struct cc_container_record *c = NULL;
		if (cc_store_container_get(s, argv[i], &c, &e) < 0) {
			if (o->ignore && e->kind == CC_ERR_NOT_FOUND)
				cc_error_clear(&e);
			else
				rc = cmd_fail(e, EXIT_CC_ERROR);
			continue;
		}
		if (filters[0].key == NULL || each_matches(s, &l, filters, c->id)) {
			int r = each_one(s, c, argv[i], o, fn, echo);
			rc = r != 0 ? r : rc;
		}
		cc_container_record_free(c);
	}
	for (size_t i = 0; i < l.n; i++)
		cc_container_record_free(l.v[i]);
	free(l.v);
	ps_free_filters(filters);
	cc_store_close(s);
	return rc;
}

/* -t: seconds from 0 to a day; for stop and restart also unset (the
 * container's) and -1 (no limit, docker's) */
static int check_time(struct ctr_opts *o)
{
	if (o->time == CMD_INT_UNSET || o->time == -1 ? false : o->time < 0 || o->time > 86400)
		return cmd_usagef("invalid timeout %lld: seconds from 0 to 86400, or -1", (long long)o->time);
	return 0;
}

/* stop's and restart's -t: given, else the container's --stop-timeout,
 * else docker's 10 s; -1 waits for ever */
static int stop_timeout(const struct cc_container_record *c, int64_t given)
{
	return given != CMD_INT_UNSET ? (int)given : cc_container_stop_timeout(c);
}

/* What an engine operation returned, printed: 0, or the status. */
static int done(int r, cc_error **e, int code)
{
	return r < 0 ? cmd_fail(*e, code) : 0;
}

static int stop_cb(struct cc_store *s, struct cc_container_record *c, struct ctr_opts *o)
{
	cc_error *e = NULL;
	return done(cc_container_stop(s, c, stop_timeout(c, o->time), o->sig, &e), &e, EXIT_CC_ERROR);
}

static int parse_signal_opt(struct ctr_opts *o, int dflt)
{
	o->sig = dflt;
	if (o->signal != NULL && (o->sig = cc_container_parse_signal(o->signal)) < 0)
		return cmd_usagef("invalid signal: %s", o->signal);
	return 0;
}

static int stop_action(void *opts, int argc, char **argv)
{
	struct ctr_opts *o = opts;
	int rc = check_time(o);
	if (rc == 0)
		rc = parse_signal_opt(o, 0); /* 0: the container's stop signal */
	return rc != 0 ? rc : each_container("stop", o, argc, argv, stop_cb, true);
}

static int kill_cb(struct cc_store *s, struct cc_container_record *c, struct ctr_opts *o)
{
	cc_error *e = NULL;
	return done(cc_container_kill(s, c, o->sig, &e), &e, EXIT_CC_ERROR);
}

static int kill_action(void *opts, int argc, char **argv)
{
	struct ctr_opts *o = opts;
	int rc = parse_signal_opt(o, SIGKILL);
	return rc != 0 ? rc : each_container("kill", o, argc, argv, kill_cb, true);
}

/* ---- start, restart ---- */

static int start_one(struct cc_store *s, struct cc_container_record *c)
{
	cc_error *e = NULL;
	int r = cc_container_start_detached(s, c, &e);
	return r < 0 ? cmd_fail(e, cc_container_exit_code(e)) : 0;
}

static int start_cb(struct cc_store *s, struct cc_container_record *c, struct ctr_opts *o)
{
	/* The boot service's `start --all --filter restart-policy=always`:
	 * a container stopped by hand stays stopped (docker's unless-stopped
	 * at a daemon's start; contrib/systemd/ccontainer-restart.service). */
	for (size_t i = 0; o->all && i < o->filter.n; i++)
		if (strncmp(o->filter.v[i], "restart-policy=", 15) == 0 && cc_container_stopped_by_hand(s, c->id))
			return EACH_SKIPPED;
	return start_one(s, c);
}

static int attach_action(void *opts, int argc, char **argv);
struct attach_opts {
	bool no_stdin, sig_proxy;
	const char *detach_keys;
};

/* start -a / -i: one container, started, then attached (docker): with a
 * terminal or -i through its attach socket, else its log from the start
 * on (nothing it wrote before we connect is lost), followed until it
 * exits; the container's exit status. */
static int start_attached(struct ctr_opts *o, const char *ref)
{
	struct cc_store *s = cmd_open_store();
	if (s == NULL)
		return EXIT_CC_ERROR;
	struct cc_container_record *c = get_container(s, ref);
	int rc = c == NULL ? EXIT_CC_ERROR : 0;
	bool tty = false;
	if (rc == 0) {
		json_t *cfg = cc_container_config(c);
		tty = json_is_true(json_object_get(cfg, "Tty"));
		json_decref(cfg);
	}
	int64_t since = cc_wall_ns();
	if (rc == 0)
		rc = start_one(s, c);
	if (rc == 0 && (tty || o->interactive)) {
		cc_container_record_free(c);
		cc_store_close(s);
		struct attach_opts ao = { .no_stdin = !o->interactive, .sig_proxy = true, .detach_keys = "ctrl-p,ctrl-q" };
		char *argv[] = { (char *)ref, NULL };
		return attach_action(&ao, 1, argv);
	}
	if (rc == 0)
		rc = cmd_logs_follow(s, c, since);
	if (rc == 0) {
		cc_container_wait_stopped(s, c->id, -1);
		cc_container_record_free(c);
		c = get_container(s, ref);
		rc = c ? c->exit_code : EXIT_CC_ERROR;
	}
	cc_container_record_free(c);
	cc_store_close(s);
	return rc;
}

static int start_action(void *opts, int argc, char **argv)
{
	struct ctr_opts *o = opts;
	if (o->attach || o->interactive) {
		if (argc != 1 || o->all)
			return cmd_usagef("you cannot start and attach multiple containers at once");
		return start_attached(o, argv[0]);
	}
	return each_container("start", opts, argc, argv, start_cb, true);
}

static int restart_cb(struct cc_store *s, struct cc_container_record *c, struct ctr_opts *o)
{
	cc_error *e = NULL;
	int r = done(cc_container_stop(s, c, stop_timeout(c, o->time), 0, &e), &e, EXIT_CC_ERROR);
	if (r == 0 && (r = start_one(s, c)) == 0)
		cc_container_event(s, c, "restart", NULL);
	return r;
}

static int restart_action(void *opts, int argc, char **argv)
{
	int rc = check_time(opts);
	return rc != 0 ? rc : each_container("restart", opts, argc, argv, restart_cb, true);
}

/* ---- rm, prune, wait ---- */

static int remove_one(struct cc_store *s, struct cc_container_record *c, bool force, int timeout)
{
	cc_error *e = NULL;
	return done(cc_container_remove(s, c, force, timeout, &e), &e, EXIT_CC_ERROR);
}

static int rm_cb(struct cc_store *s, struct cc_container_record *c, struct ctr_opts *o)
{
	if (!o->volumes)
		return remove_one(s, c, o->force, (int)o->time);
	/* -v: its anonymous volumes after it (docker's) */
	json_t *cfg = cc_container_config(c);
	_cleanup_strv_ char **anon = cc_container_anonymous_volumes(cfg);
	json_decref(cfg);
	int rc = remove_one(s, c, o->force, (int)o->time);
	if (rc == 0)
		cc_container_remove_volumes(s, anon);
	return rc;
}

static int rm_action(void *opts, int argc, char **argv)
{
	int rc = check_time(opts);
	return rc != 0 ? rc : each_container("rm", opts, argc, argv, rm_cb, true);
}

struct prune_opts {
	bool force;
};

static int prune_action(void *opts, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (!((struct prune_opts *)opts)->force && !cmd_confirm("This will remove all stopped containers."))
		return 0;
	struct cc_store *s = cmd_open_store();
	if (s == NULL)
		return EXIT_CC_ERROR;
	struct cc_container_record **list = NULL;
	size_t n = 0;
	cc_error *e = NULL;
	if (cc_store_container_list(s, &list, &n, &e) < 0) {
		cc_store_close(s);
		return cmd_fail(e, EXIT_CC_ERROR);
	}
	int rc = 0;
	bool header = false;
	for (size_t i = 0; i < n; i++) {
		cmd_container_reconcile(s, list[i]);
		/* a container waiting for its restart is not stopped (docker) */
		if (!cc_container_is_running(list[i]) && strcmp(list[i]->state, "restarting") != 0) {
			if (!header)
				printf("Deleted Containers:\n");
			header = true;
			if (remove_one(s, list[i], false, 0) == 0)
				printf("%s\n", list[i]->id);
			else
				rc = EXIT_CC_ERROR;
		}
		cc_container_record_free(list[i]);
	}
	free(list);
	cc_store_close(s);
	return rc;
}

struct wait_opts {
	const char *condition;
};

/* The container's row again (NULL: gone), reconciled, quietly. */
static struct cc_container_record *wait_poll(struct cc_store *s, const char *id)
{
	struct cc_container_record *c = NULL;
	cc_error *e = NULL;
	if (cc_store_container_get(s, id, &c, &e) < 0) {
		cc_error_free(e);
		return NULL;
	}
	cmd_container_reconcile(s, c);
	return c;
}

/* docker's wait conditions (the API's; podman's --condition names them
 * too): not-running returns at once for a container that is not running;
 * next-exit waits for the end of a run that has not ended yet (one not
 * started yet included); removed waits for the row to go.  The exit code
 * printed is the last one seen. */
static int wait_one(struct cc_store *s, const char *ref, const char *cond)
{
	struct cc_container_record *c = get_container(s, ref);
	if (c == NULL)
		return EXIT_CC_ERROR;
	_cleanup_free_ char *id = strdup(c->id);
	/* a run is known by its process's start time, which stays after it exits */
	uint64_t run = c->pid_start;
	int64_t finished = c->finished;
	bool running = cc_container_is_running(c);
	bool next = strcmp(cond, "next-exit") == 0, removed = strcmp(cond, "removed") == 0;
	int code = c->exit_code;
	for (;;) {
		if (cc_container_is_running(c)) {
			cc_container_wait_stopped(s, c->id, -1);
		} else if (!next && !removed) {
			break;
		} else {
			struct timespec ts = { 0, 50 * 1000000L };
			nanosleep(&ts, NULL);
		}
		cc_container_record_free(c);
		c = id ? wait_poll(s, id) : NULL;
		if (c == NULL)
			break;
		code = c->exit_code;
		/* a new run that ended, or a start that failed (finished moved) */
		if (next && !cc_container_is_running(c) && (running || c->pid_start != run || c->finished != finished) &&
		    strcmp(c->state, "exited") == 0)
			break;
	}
	if (c == NULL && !removed) {
		/* removed by --rm: its code is gone with it */
		return cmd_failf(EXIT_CC_ERROR, "No such container: %s", ref);
	}
	cc_container_record_free(c);
	printf("%d\n", code);
	return 0;
}

static int wait_action(void *opts, int argc, char **argv)
{
	struct wait_opts *o = opts;
	static const char *const conds[] = { "not-running", "next-exit", "removed", NULL };
	if (!in_list(conds, o->condition))
		return cmd_usagef("invalid condition \"%s\": not-running, next-exit or removed", o->condition);
	struct cc_store *s = cmd_open_store();
	if (s == NULL)
		return EXIT_CC_ERROR;
	int rc = 0;
	for (int i = 0; i < argc; i++) {
		int r = wait_one(s, argv[i], o->condition);
		rc = r != 0 ? r : rc;
	}
	cc_store_close(s);
	return rc;
}


/* ---- attach ---- */

/* docker's --detach-keys: comma-separated "ctrl-<a-z@[\]^_>" or single
 * characters (term.ToBytes).  Fills keys (at most max), or prints. */
static int parse_detach_keys(const char *spec, unsigned char *keys, size_t max, size_t *ret_n)
{
	static const char ctrl[] = "@abcdefghijklmnopqrstuvwxyz[\\]^_"; /* index: the control code */
	size_t n = 0;
	const char *p = spec;
	for (;;) {
		size_t len = strcspn(p, ",");
		int code = -1;
		if (len == 1) {
			code = (unsigned char)p[0];
		} else if (len == 6 && strncasecmp(p, "ctrl-", 5) == 0) {
			const char *c = strchr(ctrl, tolower((unsigned char)p[5]));
			if (c != NULL && p[5] != '\0')
				code = (int)(c - ctrl);
		}
		if (code < 0 || n >= max)
			return cmd_failf(EXIT_CC_ERROR,
					 "invalid --detach-keys '%s': give ctrl-<a-z, @, [, \\, ], ^ or _> or single characters, "
					 "comma-separated (default \"ctrl-p,ctrl-q\")",
					 spec);
		keys[n++] = (unsigned char)code;
		if (p[len] == '\0')
			break;
		p += len + 1;
	}
	*ret_n = n;
	return 0;
}

static int attach_action(void *opts, int argc, char **argv)
{
	(void)argc;
	struct attach_opts *o = opts;
	unsigned char keys[32];
	size_t n_keys = 0;
	int rc = parse_detach_keys(o->detach_keys, keys, sizeof(keys), &n_keys);
	if (rc != 0)
		return rc;
	struct cc_store *s = cmd_open_store();
	if (s == NULL)
		return EXIT_CC_ERROR;
	struct cc_container_record *ct = get_container(s, argv[0]);
	if (ct == NULL) {
		cc_store_close(s);
		return EXIT_CC_ERROR;
	}
	_cleanup_free_ char *dir = cc_store_container_path(s, ct->id);
	_cleanup_close_ int dfd = dir ? open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
	_cleanup_close_ int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	_cleanup_close_ int sfd = -1;
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	sigset_t proxied, saved_mask;
	bool masked = false;
	/* through /proc/self/fd: the container's path may not fit sun_path */
	snprintf(addr.sun_path, sizeof(addr.sun_path), "/proc/self/fd/%d/attach.sock", dfd);
	if (!cc_container_is_running(ct) || dfd < 0 || sock < 0 || connect(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		rc = cmd_failf(EXIT_CC_ERROR, "you cannot attach to a stopped container, start it first");
		goto out;
	}
	cc_container_event(s, ct, "attach", NULL);
	/* --sig-proxy: SIGINT and SIGTERM sent to attach go to the container's
	 * process, as kill sends them; not for a container with a terminal
	 * (docker's rule: ^C is a byte for that terminal) */
	json_t *cfg = cc_container_config(ct);
	bool tty = json_is_true(json_object_get(cfg, "Tty"));
	/* docker attaches stdin only to a container that keeps it open (-i) */
	bool in_open = !o->no_stdin && json_is_true(json_object_get(cfg, "OpenStdin"));
	json_decref(cfg);
	if (o->sig_proxy && !tty) {
		sigemptyset(&proxied);
		sigaddset(&proxied, SIGINT);
		sigaddset(&proxied, SIGTERM);
		if (sigprocmask(SIG_BLOCK, &proxied, &saved_mask) == 0) {
			masked = true;
			sfd = signalfd(-1, &proxied, SFD_CLOEXEC);
		}
	}
	struct termios saved;
	bool raw = in_open && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0;
	if (raw) {
		struct termios t = saved;
		cfmakeraw(&t);
		(void)tcsetattr(STDIN_FILENO, TCSANOW, &t);
	}
	bool detached = false;
	size_t matched = 0; /* bytes of the detach keys seen (held back) */
	for (;;) {
		struct pollfd p[3] = { { .fd = sock, .events = POLLIN },
				       { .fd = in_open ? STDIN_FILENO : -1, .events = POLLIN },
				       { .fd = sfd, .events = POLLIN } };
		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		char buf[4096];
		if (p[0].revents) {
			ssize_t n = read(sock, buf, sizeof(buf));
			if (n <= 0)
				break;
			if (cc_write_all(STDOUT_FILENO, buf, (size_t)n) < 0)
				break;
		}
		if (p[2].revents) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
				struct cc_container_record *now = cmd_container_get(s, ct->id);
				cc_error *ke = NULL;
				/* an error is printed; attach goes on until the end */
				if (now != NULL && cc_container_kill(s, now, (int)si.ssi_signo, &ke) < 0)
					cmd_fail(ke, EXIT_CC_ERROR);
				cc_container_record_free(now);
			}
		}
		if (p[1].revents) {
			ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n <= 0) {
				/* the end of our stdin, to the monitor: with StdinOnce it
				 * closes the container's; the output goes on to its end */
				in_open = false;
				(void)shutdown(sock, SHUT_WR);
				continue;
			}
			/* the detach keys (ctrl-p ctrl-q) detach, as in docker: their
			 * bytes are held back until the sequence completes or breaks */
			char out[sizeof(buf) + sizeof(keys)];
			size_t no = 0;
			for (ssize_t i = 0; i < n && !detached; i++) {
				unsigned char c = (unsigned char)buf[i];
				if (c == keys[matched]) {
					if (++matched == n_keys)
						detached = true;
					continue;
				}
				memcpy(out + no, keys, matched);
				no += matched;
				matched = 0;
				if (c == keys[0]) {
					matched = 1;
					if (n_keys == 1)
						detached = true;
				} else {
					out[no++] = (char)c;
				}
			}
			if (no > 0)
				(void)cc_write_all(sock, out, no);
			if (detached)
				break;
		}
	}
	if (raw)
		(void)tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	if (detached) {
		fprintf(stderr, "\nread escape sequence\n");
	} else {
		cc_container_wait_stopped(s, ct->id, 10000);
		cc_container_record_free(ct);
		ct = get_container(s, argv[0]);
		rc = ct ? ct->exit_code : 0;
	}
out:
	if (masked)
		(void)sigprocmask(SIG_SETMASK, &saved_mask, NULL);
	cc_container_record_free(ct);
	cc_store_close(s);
	return rc;
}

static const struct cmd_opt attach_options[] = {
	OPT_STRING(0, "detach-keys", struct attach_opts, detach_keys, "string", "Override the key sequence for detaching a container",
		   .def = "ctrl-p,ctrl-q"),
	OPT_BOOL(0, "no-stdin", struct attach_opts, no_stdin, "Do not attach STDIN"),
	OPT_BOOL(0, "sig-proxy", struct attach_opts, sig_proxy, "Proxy SIGINT and SIGTERM to the process (not with a TTY)", .def = "true"),
	OPT_END,
};
const struct cmd_verb cmd_attach_verb = {
	.name = "attach",
	.usage = "[OPTIONS] CONTAINER",
	.summary = "Attach local standard input, output, and error streams to a running container",
	.opts = attach_options,
	.opts_size = sizeof(struct attach_opts),
	.min_args = 1,
	.max_args = 1,
	.complete_args = CMD_COMPLETE_RUNNING,
	.action = attach_action,
};
const struct cmd_verb cmd_internal_start_verb = {
	.name = "__start",
	.usage = "ID",
	.summary = "A detached container's start (its monitor's)",
	.flags = CMD_VERB_HIDDEN | CMD_VERB_RUNLIKE,
	.min_args = 1,
	.max_args = 1,
	.action = internal_start_action,
};
static const struct cmd_opt cleanup_options[] = {
	OPT_BOOL(0, "restarting", struct cleanup_opts, restarting, "The monitor starts it again (restart policy)"),
	OPT_END,
};
const struct cmd_verb cmd_internal_cleanup_verb = {
	.name = "__cleanup",
	.usage = "[--restarting] ID STATUS",
	.summary = "A detached container's end (its monitor's)",
	.opts = cleanup_options,
	.opts_size = sizeof(struct cleanup_opts),
	.flags = CMD_VERB_HIDDEN,
	.min_args = 2,
	.max_args = 2,
	.action = internal_cleanup_action,
};

/* ---- the tables ---- */

#define CTR_ALL OPT_BOOL('a', "all", struct ctr_opts, all, "Every container (podman)")
#define CTR_IGNORE OPT_BOOL(0, "ignore", struct ctr_opts, ignore, "A missing container is not an error (podman)")
#define CTR_FILTER                                                                                      \
	OPT_LIST(0, "filter", struct ctr_opts, filter, "filter",                                        \
		 "Only the containers that pass these ps filters (podman), of those named or of all")
#define CTR_TIME(h) OPT_INT('t', "time", struct ctr_opts, time, "int", h, .flags = CMD_OPT_UNSET)

static const struct cmd_opt stop_options[] = {
	CTR_ALL,
	CTR_IGNORE,
	CTR_FILTER,
	OPT_STRING('s', "signal", struct ctr_opts, signal, "string", "Signal to send to the container (default: its StopSignal)"),
	CTR_TIME("Seconds to wait before killing the container (default: its --stop-timeout, else 10; -1: no limit)"),
	OPT_INT(0, "timeout", struct ctr_opts, time, "int", "Same as --time", .flags = CMD_OPT_HIDDEN),
	OPT_END,
};
const struct cmd_verb cmd_stop_verb = {
	.name = "stop", .usage = "[OPTIONS] CONTAINER [CONTAINER...]", .summary = "Stop one or more running containers",
	.opts = stop_options, .opts_size = sizeof(struct ctr_opts), .max_args = -1,
	.complete_args = CMD_COMPLETE_RUNNING, .action = stop_action,
};

static const struct cmd_opt restart_options[] = {
	CTR_ALL,
	CTR_TIME("Seconds to wait before killing the container (default: its --stop-timeout, else 10; -1: no limit)"),
	OPT_INT(0, "timeout", struct ctr_opts, time, "int", "Same as --time", .flags = CMD_OPT_HIDDEN),
	OPT_END,
};
const struct cmd_verb cmd_restart_verb = {
	.name = "restart", .usage = "[OPTIONS] CONTAINER [CONTAINER...]", .summary = "Restart one or more containers",
	.opts = restart_options, .opts_size = sizeof(struct ctr_opts), .max_args = -1,
	.complete_args = CMD_COMPLETE_CONTAINER, .action = restart_action,
};

static const struct cmd_opt kill_options[] = {
	CTR_ALL,
	OPT_STRING('s', "signal", struct ctr_opts, signal, "string", "Signal to send to the container (a name or a number)",
		   .def = "KILL", .complete = CMD_COMPLETE_WORDS, .words = "HUP INT QUIT KILL USR1 USR2 TERM STOP CONT WINCH"),
	OPT_END,
};
const struct cmd_verb cmd_kill_verb = {
	.name = "kill", .usage = "[OPTIONS] CONTAINER [CONTAINER...]", .summary = "Kill one or more running containers",
	.opts = kill_options, .opts_size = sizeof(struct ctr_opts), .max_args = -1,
	.complete_args = CMD_COMPLETE_RUNNING, .action = kill_action,
};

static const struct cmd_opt start_options[] = {
	OPT_BOOL(0, "all", struct ctr_opts, all, "Every container (podman)"),
	OPT_BOOL('a', "attach", struct ctr_opts, attach, "Attach STDOUT/STDERR and forward signals"),
	OPT_BOOL('i', "interactive", struct ctr_opts, interactive, "Attach container's STDIN"),
	CTR_FILTER,
	OPT_END,
};
const struct cmd_verb cmd_start_verb = {
	.name = "start", .usage = "[OPTIONS] CONTAINER [CONTAINER...]", .summary = "Start one or more stopped containers",
	.opts = start_options, .opts_size = sizeof(struct ctr_opts), .max_args = -1,
	.complete_args = CMD_COMPLETE_CONTAINER, .action = start_action,
};

static const struct cmd_opt rm_options[] = {
	CTR_ALL,
	OPT_BOOL('f', "force", struct ctr_opts, force, "Force the removal of a running container (uses SIGKILL)"),
	CTR_IGNORE,
	OPT_INT('t', "time", struct ctr_opts, time, "int",
		"With --force, seconds to wait for the stop signal before SIGKILL (podman)"),
	OPT_BOOL('v', "volumes", struct ctr_opts, volumes, "Remove anonymous volumes associated with the container"),
	CTR_FILTER,
	OPT_END,
};
const struct cmd_verb cmd_rm_verb = {
	.name = "rm", .usage = "[OPTIONS] CONTAINER [CONTAINER...]", .summary = "Remove one or more containers",
	.opts = rm_options, .opts_size = sizeof(struct ctr_opts), .max_args = -1,
	.complete_args = CMD_COMPLETE_CONTAINER, .action = rm_action,
};

static const struct cmd_opt wait_options[] = {
	OPT_STRING(0, "condition", struct wait_opts, condition, "string",
		   "What to wait for: not-running, next-exit or removed (docker's API conditions)", .def = "not-running",
		   .complete = CMD_COMPLETE_WORDS, .words = "not-running next-exit removed"),
	OPT_END,
};
const struct cmd_verb cmd_wait_verb = {
	.name = "wait", .usage = "[OPTIONS] CONTAINER [CONTAINER...]",
	.summary = "Block until one or more containers stop, then print their exit codes",
	.opts = wait_options, .opts_size = sizeof(struct wait_opts),
	.min_args = 1, .max_args = -1, .complete_args = CMD_COMPLETE_CONTAINER, .action = wait_action,
};

static const struct cmd_opt prune_options[] = {
	OPT_BOOL('f', "force", struct prune_opts, force, "Do not prompt for confirmation"),
	OPT_END,
};
const struct cmd_verb cmd_container_prune_verb = {
	.name = "prune", .usage = "[OPTIONS]", .summary = "Remove all stopped containers",
	.opts = prune_options, .opts_size = sizeof(struct prune_opts), .action = prune_action,
};

static const struct cmd_opt ps_options[] = {
	OPT_BOOL('a', "all", struct ps_opts, all, "Show all containers (default shows just running)"),
	OPT_LIST('f', "filter", struct ps_opts, filter, "filter",
		 "Filter output based on conditions provided (id, name, label, status, exited, ancestor, before, since, "
		 "network, volume, health, restart-policy)"),
	OPT_STRING(0, "format", struct ps_opts, format, "string",
		   "Format output: table, table TEMPLATE, json (an object a line), raw or a Go TEMPLATE"),
	OPT_INT('n', "last", struct ps_opts, last, "int", "Show n last created containers (includes all states)", .def = "-1"),
	OPT_BOOL('l', "latest", struct ps_opts, latest, "Show the latest created container (includes all states)"),
	OPT_BOOL(0, "no-trunc", struct ps_opts, notrunc, "Don't truncate output"),
	OPT_BOOL(0, "noheading", struct ps_opts, noheading, "Do not print column headings (podman)"),
	OPT_BOOL('q', "quiet", struct ps_opts, quiet, "Only display container IDs"),
	OPT_BOOL('s', "size", struct ps_opts, size, "Display total file sizes"),
	OPT_STRING(0, "sort", struct ps_opts, sort, "string",
		   "Sort output by: command, created, id, image, names, runningfor, size, or status (podman)",
		   .complete = CMD_COMPLETE_WORDS, .words = "command created id image names runningfor size status"),
	OPT_END,
};
const struct cmd_verb cmd_ps_verb = {
	.name = "ps", .usage = "[OPTIONS]", .summary = "List containers", .opts = ps_options,
	.opts_size = sizeof(struct ps_opts), .action = ps_action,
};
