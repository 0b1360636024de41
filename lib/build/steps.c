/* Instructions -> resolved steps (see plan.c for the stage level).
 *
 * One function per instruction family.  Each takes the simulated image
 * state (Env, ARGs in scope, WorkingDir, User, Shell), substitutes
 * variables where docker does (not in RUN, CMD, ENTRYPOINT: the shell does
 * it there), checks flags and arguments, and fills a cc_build_step with
 * final values.  A step's `key` is its canonical JSON: what the cache key
 * hashes besides the parent image.
 */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build-internal.h"
#include "util/json.h"

static const char *const proxy_args[] = { "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY",
					  "ftp_proxy",  "NO_PROXY",   "no_proxy",    "ALL_PROXY",   "all_proxy", NULL };

/* The environment for $VAR: ARGs, then Env (Env wins).  One allocation:
 * a base image's Env can be as long as its config allows, and appending
 * one by one walks the vector each time. */
static char **expand_env(const struct plan_state *s)
{
	size_t na = cc_strv_len(s->args), ne = cc_strv_len(s->env);
	char **e = calloc(na + ne + 1, sizeof(char *));
	for (size_t i = 0; e && i < na + ne; i++)
		if ((e[i] = strdup(i < na ? s->args[i] : s->env[i - na])) == NULL)
			cc_strvfreep(&e);
	return e;
}

const char *cc_plan_build_arg(struct plan_ctx *c, const char *name, bool consume)
{
	size_t nl = strlen(name);
	const char *v = NULL;
	for (size_t i = 0; c->build_args && c->build_args[i]; i++) {
		if (strncmp(c->build_args[i], name, nl) == 0 && c->build_args[i][nl] == '=') {
			v = c->build_args[i] + nl + 1;
			if (consume)
				c->consumed[i] = true;
		}
	}
	return v;
}

bool cc_plan_is_proxy_arg(const char *name, size_t n)
{
	for (const char *const *p = proxy_args; *p; p++)
		if (strlen(*p) == n && strncmp(*p, name, n) == 0)
			return true;
	return false;
}

/* ---- flags -------------------------------------------------------------- */

/* Value of --name (NULL: absent; "" for a bare --name). */
const char *cc_plan_flag(const struct cc_instr *in, const char *name)
{
	size_t n = strlen(name);
	const char *v = NULL;
	for (char **f = in->flags; f && *f; f++) {
		const char *s = *f + 2;
		if (strncmp(s, name, n) == 0 && (s[n] == '=' || s[n] == '\0'))
			v = s[n] == '=' ? s + n + 1 : "";
	}
	return v;
}

int cc_plan_check_flags(struct plan_ctx *c, const struct cc_instr *in, const char *const *allowed,
		       const char *const *unsupported)
{
	for (char **f = in->flags; f && *f; f++) {
		const char *s = *f + 2;
		size_t n = strcspn(s, "=");
		bool ok = false;
		for (const char *const *a = allowed; a && *a && !ok; a++)
			ok = strlen(*a) == n && strncmp(*a, s, n) == 0;
		if (ok)
			continue;
		for (const char *const *u = unsupported; u && *u; u++)
			if (strlen(*u) == n && strncmp(*u, s, n) == 0)
				return cc_recipe_error(c->err, c->r->file, in->line, "%s --%.*s is not supported",
						       cc_instr_name(in->kind), (int)n, s);
		return cc_recipe_error(c->err, c->r->file, in->line, "unknown flag: --%.*s", (int)n, s);
	}
	return 0;
}

/* ---- small parsers ------------------------------------------------------- */

/* Go's time.ParseDuration, into nanoseconds. */
static int parse_duration(const char *s, int64_t *ret)
{
	static const struct {
		const char *u;
		double ns;
	} units[] = { { "ns", 1 }, { "us", 1e3 }, { "µs", 1e3 }, { "ms", 1e6 }, { "s", 1e9 }, { "m", 60e9 }, { "h", 3600e9 } };
	double total = 0;
	if (strcmp(s, "0") == 0) {
		*ret = 0;
		return 0;
	}
	if (*s == '\0')
		return -1;
	while (*s) {
		char *end;
		double v = strtod(s, &end);
		if (end == s || v < 0)
			return -1;
		s = end;
		size_t best = 0, bl = 0;
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			size_t l = strlen(units[i].u);
			if (strncmp(s, units[i].u, l) == 0 && l > bl) {
				best = i;
				bl = l;
			}
		}
		if (bl == 0)
			return -1;
		total += v * units[best].ns;
		s += bl;
	}
	if (total > 9.2e18)
		return -1;
	*ret = (int64_t)total;
	return 0;
}

/* "80", "80/tcp", "8000-8002/udp" -> "N/proto" entries. */
static int expose_ports(const char *spec, char ***out)
{
	char proto[16] = "tcp";
	const char *slash = strchr(spec, '/');
	size_t nl = slash ? (size_t)(slash - spec) : strlen(spec);
	if (slash) {
		if (strlen(slash + 1) == 0 || strlen(slash + 1) >= sizeof(proto))
			return -EINVAL;
		for (size_t i = 0; slash[1 + i]; i++)
			proto[i] = (char)tolower((unsigned char)slash[1 + i]);
		proto[strlen(slash + 1)] = '\0';
		if (strcmp(proto, "tcp") && strcmp(proto, "udp") && strcmp(proto, "sctp"))
			return -EINVAL;
	}
	char num[32];
	if (nl == 0 || nl >= sizeof(num))
		return -EINVAL;
	memcpy(num, spec, nl);
	num[nl] = '\0';
	char *end;
	long lo = strtol(num, &end, 10), hi = lo;
	if (end == num)
		return -EINVAL;
	if (*end == '-') {
		char *e2;
		hi = strtol(end + 1, &e2, 10);
		if (e2 == end + 1 || *e2)
			return -EINVAL;
	} else if (*end) {
		return -EINVAL;
	}
	if (lo < 0 || hi > 65535 || lo > hi || hi - lo > 1024)
		return -EINVAL;
	for (long p = lo; p <= hi; p++) {
		char *e = NULL;
		if (asprintf(&e, "%ld/%s", p, proto) < 0 || cc_strv_take(out, e) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* WORKDIR-relative path to an absolute clean one; keep_slash keeps a
 * trailing "/" (COPY destinations that name a directory). */
static char *resolve_path(const char *workdir, const char *p, bool keep_slash)
{
	size_t pl = strlen(p);
	bool dir = keep_slash && (pl == 0 || p[pl - 1] == '/' || strcmp(p, ".") == 0 || strcmp(p, "..") == 0 ||
				  (pl >= 2 && strcmp(p + pl - 2, "/.") == 0));
	_cleanup_free_ char *joined = NULL;
	if (p[0] == '/')
		joined = strdup(p);
	else if (asprintf(&joined, "/%s/%s", workdir && *workdir ? workdir : "", p) < 0)
		joined = NULL;
	if (joined == NULL)
		return NULL;
	_cleanup_free_ char *clean = cc_go_clean(joined);
	if (clean == NULL)
		return NULL;
	char *out = NULL;
	if (asprintf(&out, "%s%s", clean, dir && strcmp(clean, "/") != 0 ? "/" : "") < 0)
		return NULL;
	return out;
}

/* The words of a shell-form argument, each through ProcessWord. */
static int expand_each(struct plan_ctx *c, const struct cc_instr *in, char *const *words, char *const *env,
		       char ***ret)
{
	char **out = calloc(1, sizeof(char *));
	if (out == NULL)
		return cc_error_set(c->err, ENOMEM, "plan");
	for (size_t i = 0; words && words[i]; i++) {
		char *w = NULL;
		if (cc_shell_word(words[i], c->r->escape, env, &w, c->err) < 0) {
			cc_strvfreep(&out);
			return cc_error_prefix(c->err, "%s:%d", c->r->file, in->line);
		}
		if (cc_strv_take(&out, w) < 0) {
			cc_strvfreep(&out);
			return cc_error_set(c->err, ENOMEM, "plan");
		}
	}
	*ret = out;
	return 0;
}

/* Shell form: argv = shell + [cmd]. */
static char **with_shell(char *const *shell, const char *cmd)
{
	char **v = cc_strv_dup(shell);
	if (v && cc_strv_push(&v, cmd) < 0)
		cc_strvfreep(&v);
	return v;
}

/* ENV/LABEL/ARG: "k=v" words, or docker's legacy "KEY value..." form. */
static int name_values(struct plan_ctx *c, const struct cc_instr *in, bool legacy_ok, char ***ret_keys, char ***ret_vals)
{
	_cleanup_strv_ char **words = NULL;
	if (cc_parse_words(in->args[0], c->r->escape, &words, c->err) < 0)
		return -1;
	const char *name = cc_instr_name(in->kind);
	if (words[0] == NULL)
		return cc_recipe_error(c->err, c->r->file, in->line, "%s requires at least one argument", name);
	char **keys = calloc(1, sizeof(char *)), **vals = calloc(1, sizeof(char *));
	int r = keys && vals ? 0 : -ENOMEM;
	if (r == 0 && !strchr(words[0], '=') && legacy_ok) {
		const char *rest = in->args[0];
		size_t kl = strcspn(rest, " \t");
		const char *v = rest + kl;
		while (*v == ' ' || *v == '\t')
			v++;
		if (*v == '\0') {
			cc_strvfreep(&keys);
			cc_strvfreep(&vals);
			return cc_recipe_error(c->err, c->r->file, in->line, "%s must have two arguments", name);
		}
		r = cc_strv_take(&keys, strndup(rest, kl));
		if (r == 0)
			r = cc_strv_push(&vals, v);
	} else {
		for (char **w = words; r == 0 && *w; w++) {
			char *eq = strchr(*w, '=');
			if (eq == NULL) {
				cc_strvfreep(&keys);
				cc_strvfreep(&vals);
				return cc_recipe_error(c->err, c->r->file, in->line,
						       "syntax error - can't find = in \"%s\", must be of the form: name=value",
						       *w);
			}
			r = cc_strv_take(&keys, strndup(*w, (size_t)(eq - *w)));
			if (r == 0)
				r = cc_strv_push(&vals, eq + 1);
		}
	}
	if (r < 0) {
		cc_strvfreep(&keys);
		cc_strvfreep(&vals);
		return cc_error_set(c->err, ENOMEM, "plan");
	}
	*ret_keys = keys;
	*ret_vals = vals;
	return 0;
}

/* ---- the cache key and display ------------------------------------------ */

/* The key must tell every two recipes apart, so bytes that are not UTF-8
 * are not coerced as in the config (where "\xff" and "\xfe" both become
 * U+FFFD) but kept: cc_json_bytes. */
static json_t *key_text(const char *s)
{
	return cc_json_bytes(s);
}

static json_t *strv_json(char *const *v)
{
	json_t *a = json_array();
	for (size_t i = 0; a && v && v[i]; i++) {
		if (json_array_append_new(a, key_text(v[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

/* What of a RUN --mount the cache key covers: how it is mounted and, for
 * a bind of the context, the digest of what it shows.  A secret is there
 * by its id only: its value is never part of the plan. */
static json_t *mount_key(const struct cc_run_mount *m)
{
	static const char *const types[] = { "bind", "cache", "tmpfs", "secret" };
	json_t *o = json_object();
	if (o == NULL)
		return NULL;
	int bad = json_object_set_new(o, "type", json_string(types[m->type]));
	if (m->target)
		bad |= json_object_set_new(o, "target", key_text(m->target));
	if (m->source)
		bad |= json_object_set_new(o, "source", key_text(m->source));
	if (m->from)
		bad |= json_object_set_new(o, "from", key_text(m->from));
	if (m->from_image)
		bad |= json_object_set_new(o, "from_image", key_text(m->from_image));
	if (m->id)
		bad |= json_object_set_new(o, "id", key_text(m->id));
	if (m->env)
		bad |= json_object_set_new(o, "env", key_text(m->env));
	if (m->content[0])
		bad |= json_object_set_new(o, "content", json_string(m->content));
	bad |= json_object_set_new(o, "ro", json_boolean(m->readonly));
	bad |= json_object_set_new(o, "required", json_boolean(m->required));
	bad |= json_object_set_new(o, "sharing", json_integer(m->sharing));
	bad |= json_object_set_new(o, "mode", json_integer(m->mode));
	bad |= json_object_set_new(o, "uid", json_integer(m->uid));
	bad |= json_object_set_new(o, "gid", json_integer(m->gid));
	bad |= json_object_set_new(o, "size", json_integer(m->size));
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int cc_plan_make_key(struct cc_build_step *st)
{
	json_t *k = json_object();
	if (k == NULL)
		return -ENOMEM;
	int bad = json_object_set_new(k, "kind", json_string(cc_instr_name(st->kind)));
	if (st->argv)
		bad |= json_object_set_new(k, "argv", strv_json(st->argv));
	if (st->run_env)
		bad |= json_object_set_new(k, "run_env", strv_json(st->run_env));
	if (st->script)
		bad |= json_object_set_new(k, "script", key_text(st->script));
	if (st->pairs)
		bad |= json_object_set_new(k, "pairs", strv_json(st->pairs));
	if (st->list)
		bad |= json_object_set_new(k, "list", strv_json(st->list));
	if (st->value)
		bad |= json_object_set_new(k, "value", key_text(st->value));
	if (st->health)
		bad |= json_object_set_new(k, "health", key_text(st->health));
	if (st->from_image)
		bad |= json_object_set_new(k, "from_image", key_text(st->from_image));
	if (st->chown)
		bad |= json_object_set_new(k, "chown", key_text(st->chown));
	if (st->chmod >= 0)
		bad |= json_object_set_new(k, "chmod", json_integer(st->chmod));
	if (st->chmod_sym)
		bad |= json_object_set_new(k, "chmod_sym", key_text(st->chmod_sym));
	if (st->network >= 0)
		bad |= json_object_set_new(k, "network", json_integer(st->network));
	if (st->urls)
		bad |= json_object_set_new(k, "urls", strv_json(st->urls));
	if (st->checksum)
		bad |= json_object_set_new(k, "checksum", key_text(st->checksum));
	if (st->reset_cmd)
		bad |= json_object_set_new(k, "reset_cmd", json_true());
	if (st->content[0])
		bad |= json_object_set_new(k, "content", json_string(st->content));
	if (st->from_context >= 0)
		bad |= json_object_set_new(k, "from_context", json_integer(st->from_context));
	if (st->n_mounts) {
		json_t *a = json_array();
		for (size_t i = 0; a && i < st->n_mounts; i++)
			if (json_array_append_new(a, mount_key(&st->mounts[i])) < 0) {
				json_decref(a);
				a = NULL;
			}
		bad |= json_object_set_new(k, "mounts", a);
	}
	if (st->n_files) {
		json_t *f = json_array();
		for (size_t i = 0; f && i < st->n_files; i++) {
			char *const pair[] = { st->files[i].name, st->files[i].data, NULL };
			if (json_array_append_new(f, strv_json(pair)) < 0) { /* takes the pair in any case */
				json_decref(f);
				f = NULL;
			}
		}
		bad |= json_object_set_new(k, "files", f);
	}
	st->key = bad ? NULL : json_dumps(k, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(k);
	return st->key ? 0 : -ENOMEM;
}

static void step_release(struct cc_build_step *st)
{
	free(st->display);
	free(st->key);
	cc_strvfreep(&st->argv);
	cc_strvfreep(&st->run_env);
	free(st->script);
	cc_strvfreep(&st->pairs);
	cc_strvfreep(&st->list);
	free(st->value);
	free(st->health);
	free(st->from_image);
	free(st->chown);
	free(st->chmod_sym);
	cc_strvfreep(&st->urls);
	free(st->checksum);
	for (size_t i = 0; i < st->n_files; i++) {
		free(st->files[i].name);
		free(st->files[i].data);
	}
	free(st->files);
	for (size_t i = 0; i < st->n_mounts; i++)
		cc_run_mount_release(&st->mounts[i]);
	free(st->mounts);
}

void cc_build_plan_free(struct cc_build_plan *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->n_stages; i++) {
		struct cc_build_stage *s = &p->stages[i];
		for (size_t j = 0; j < s->n_steps; j++)
			step_release(&s->steps[j]);
		free(s->steps);
		free(s->name);
		free(s->display);
		free(s->base);
		free(s->base_id);
		free(s->platform);
	}
	free(p->stages);
	cc_strvfreep(&p->unused_args);
	cc_strvfreep(&p->warnings);
	free(p);
}

/* ---- steps ------------------------------------------------------------------ */

/* Data of a heredoc, chomped (leading tabs off every line) for "<<-". */
static char *heredoc_data(const struct cc_heredoc *h)
{
	if (!h->chomp)
		return strdup(h->data);
	char *out = malloc(strlen(h->data) + 1);
	size_t o = 0;
	bool bol = true;
	for (const char *p = h->data; out && *p; p++) {
		if (bol && *p == '\t')
			continue;
		bol = *p == '\n';
		out[o++] = *p;
	}
	if (out)
		out[o] = '\0';
	return out;
}

static const struct cc_heredoc *find_heredoc(const struct cc_instr *in, const char *word)
{
	const char *w = word;
	while (isdigit((unsigned char)*w))
		w++;
	if (strncmp(w, "<<", 2) != 0)
		return NULL;
	w += 2;
	if (*w == '-')
		w++;
	char name[256];
	size_t o = 0;
	for (; *w && o + 1 < sizeof(name); w++)
		if (*w != '"' && *w != '\'' && *w != '\\')
			name[o++] = *w;
	name[o] = '\0';
	for (size_t i = 0; i < in->n_heredocs; i++)
		if (strcmp(in->heredocs[i].name, name) == 0)
			return &in->heredocs[i];
	return NULL;
}

/* RUN --network=default|none|host and --security=sandbox|insecure, with
 * BuildKit's values and messages.  --security=insecure needs the
 * security.insecure entitlement, which ccontainer build never grants: it
 * is refused here, before anything runs.  (RUN --mount is parsed
 * elsewhere: the flags are checked by the caller.) */
static int run_net_security(struct plan_ctx *c, const struct cc_instr *in, struct cc_build_step *st)
{
	const char *net = cc_plan_flag(in, "network"), *sec = cc_plan_flag(in, "security");
	st->network = -1;
	if (net) {
		if (strcmp(net, "none") == 0)
			st->network = CC_NET_NONE;
		else if (strcmp(net, "host") == 0)
			st->network = CC_NET_HOST;
		else if (strcmp(net, "default") != 0)
			return cc_recipe_error(c->err, c->r->file, in->line,
					       "invalid network mode \"%s\" (RUN --network takes default, none or host)", net);
	}
	if (sec) {
		if (strcmp(sec, "insecure") == 0)
			return cc_recipe_error(c->err, c->r->file, in->line,
					       "RUN --security=insecure: the security.insecure entitlement is not granted (ccontainer build never grants it)");
		if (strcmp(sec, "sandbox") != 0)
			return cc_recipe_error(c->err, c->r->file, in->line,
					       "security \"%s\" is not valid (RUN --security takes sandbox or insecure)", sec);
	}
	return 0;
}

static int run_mounts(struct plan_ctx *c, const struct cc_instr *in, size_t stage_idx, struct plan_state *s,
		      struct cc_build_step *st);

static int step_run(struct plan_ctx *c, const struct cc_instr *in, size_t stage_idx, struct plan_state *s,
		    struct cc_build_step *st)
{
	/* RUN's flags: each has its parser (--mount: run_mounts; --network,
	 * --security: run_net_security) */
	static const char *const allowed[] = { "mount", "network", "security", NULL };
	static const char *const unsupported[] = { NULL };
	if (cc_plan_check_flags(c, in, allowed, unsupported) < 0 || run_net_security(c, in, st) < 0 ||
	    run_mounts(c, in, stage_idx, s, st) < 0)
		return -1;
	if (in->json) {
		st->argv = cc_strv_dup(in->args);
	} else if (in->n_heredocs > 0) {
		_cleanup_strv_ char **words = NULL;
		if (cc_parse_words(in->args[0], '\\', &words, c->err) < 0)
			return -1;
		const struct cc_heredoc *h = cc_strv_len(words) == 1 ? find_heredoc(in, words[0]) : NULL;
		if (h != NULL && in->n_heredocs == 1) {
			_cleanup_free_ char *data = heredoc_data(h);
			if (data == NULL)
				return cc_error_set(c->err, ENOMEM, "plan");
			if (strncmp(data, "#!", 2) == 0) {
				/* a script with its interpreter: run as a file */
				size_t l = strcspn(data + 2, "\n");
				_cleanup_free_ char *line = strndup(data + 2, l);
				char *sp = line ? line + strspn(line, " \t") : NULL;
				if (sp == NULL)
					return cc_error_set(c->err, ENOMEM, "plan");
				char *arg = sp + strcspn(sp, " \t");
				if (*arg) {
					*arg++ = '\0';
					arg += strspn(arg, " \t");
					size_t al = strlen(arg);
					while (al > 0 && (arg[al - 1] == ' ' || arg[al - 1] == '\t'))
						arg[--al] = '\0';
				}
				if (*sp == '\0')
					return cc_recipe_error(c->err, c->r->file, in->line, "heredoc script has an empty #! line");
				st->argv = calloc(1, sizeof(char *));
				if (st->argv == NULL || cc_strv_push(&st->argv, sp) < 0 ||
				    (*arg && cc_strv_push(&st->argv, arg) < 0))
					return cc_error_set(c->err, ENOMEM, "plan");
				st->script = steal_ptr(&data);
			} else {
				st->argv = with_shell(s->shell, data);
			}
		} else {
			/* the shell handles the heredocs itself */
			_cleanup_free_ char *full = strdup(in->args[0]);
			for (size_t i = 0; full && i < in->n_heredocs; i++) {
				char *n = NULL;
				if (asprintf(&n, "%s\n%s%s", full, in->heredocs[i].data, in->heredocs[i].name) < 0)
					n = NULL;
				free(full);
				full = n;
			}
			if (full == NULL)
				return cc_error_set(c->err, ENOMEM, "plan");
			st->argv = with_shell(s->shell, full);
		}
	} else {
		st->argv = with_shell(s->shell, in->args[0]);
	}
	if (st->argv == NULL)
		return cc_error_set(c->err, ENOMEM, "plan");
	/* ARG values go to the environment unless ENV has the name */
	st->run_env = calloc(1, sizeof(char *));
	for (size_t i = 0; st->run_env && s->args && s->args[i]; i++) {
		size_t kl = strcspn(s->args[i], "=");
		if (cc_strv_getenv(s->env, s->args[i], kl) == NULL && cc_strv_push(&st->run_env, s->args[i]) < 0)
			cc_strvfreep(&st->run_env);
	}
	if (st->run_env == NULL)
		return cc_error_set(c->err, ENOMEM, "plan");
	return 0;
}

/* --from=NAME (COPY, RUN --mount): an earlier stage (by name or index),
 * a directory build context, else an image (or an image build context,
 * which the source callback maps). */
static int resolve_source(struct plan_ctx *c, const struct cc_instr *in, size_t stage_idx, const char *what,
			  const char *from, int *ret_stage, char **ret_image, int *ret_context)
{
	_cleanup_free_ char *lower = strdup(from);
	if (lower == NULL)
		return cc_error_set(c->err, ENOMEM, "plan");
	for (char *p = lower; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	for (size_t i = 0; i < c->plan->n_stages; i++) {
		const char *n = c->plan->stages[i].name;
		char idx[32];
		snprintf(idx, sizeof(idx), "%zu", i);
		if ((n && strcmp(n, lower) == 0) || strcmp(idx, from) == 0) {
			if (i >= stage_idx)
				return cc_recipe_error(c->err, c->r->file, in->line,
						       "%s=%s: stage %s is not an earlier stage", what, from, from);
			*ret_stage = (int)i;
			return 0;
		}
	}
	for (size_t i = 0; i < c->o->n_contexts; i++) {
		if (c->o->contexts[i].dir && strcmp(c->o->contexts[i].name, lower) == 0) {
			*ret_context = (int)i;
			return 0;
		}
	}
	_cleanup_free_ char *config = NULL;
	cc_error *e = NULL;
	if (c->o->source.image == NULL || c->o->source.image(from, NULL, ret_image, &config, c->o->source.data, &e) < 0) {
		int r = cc_recipe_error(c->err, c->r->file, in->line, "%s=%s: no build stage or image named '%s'%s%s",
					what, from, from, e ? ": " : "", e ? e->msg : "");
		cc_error_free(e);
		return r;
	}
	return 0;
}

/* The root a --from names, for planning: the context directory's fd
 * (-1 for a stage or an image: they are read when the step runs). */
static int open_from_root(struct plan_ctx *c, int from_context, int *ret_fd)
{
	*ret_fd = -1;
	if (from_context < 0)
		return 0;
	return cc_copy_open_root(c->o->contexts[from_context].dir, ret_fd, c->err);
}

/* RUN --mount: each parsed, variables substituted, targets made absolute
 * and distinct, from= resolved, a bind of a context hashed. */
static int run_mounts(struct plan_ctx *c, const struct cc_instr *in, size_t stage_idx, struct plan_state *s,
		      struct cc_build_step *st)
{
	_cleanup_strv_ char **env = expand_env(s);
	if (env == NULL)
		return cc_error_set(c->err, ENOMEM, "plan");
	for (char **f = in->flags; f && *f; f++) {
		const char *v = *f + 2;
		if (strncmp(v, "mount", 5) != 0 || (v[5] != '=' && v[5] != '\0'))
			continue;
		if (v[5] == '\0')
			return cc_recipe_error(c->err, c->r->file, in->line, "RUN --mount needs a value");
		if (st->n_mounts >= 32)
			return cc_recipe_error(c->err, c->r->file, in->line, "RUN: more than 32 --mount flags");
		struct cc_run_mount *nm = realloc(st->mounts, (st->n_mounts + 1) * sizeof(*nm));
		if (nm == NULL)
			return cc_error_set(c->err, ENOMEM, "plan");
		st->mounts = nm;
		struct cc_run_mount *m = &st->mounts[st->n_mounts];
		if (cc_run_mount_parse(v + 6, m, c->err) < 0)
			return cc_error_prefix(c->err, "%s:%d", c->r->file, in->line);
		st->n_mounts++;
		char **fields[] = { &m->target, &m->source, &m->from, &m->id, &m->env };
		for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
			char *x = NULL;
			if (*fields[i] == NULL)
				continue;
			if (cc_shell_word(*fields[i], c->r->escape, env, &x, c->err) < 0)
				return cc_error_prefix(c->err, "%s:%d", c->r->file, in->line);
			free(*fields[i]);
			*fields[i] = x;
		}
		if (m->target) {
			char *abs = resolve_path(s->workdir, m->target, false);
			if (abs == NULL)
				return cc_error_set(c->err, ENOMEM, "plan");
			free(m->target);
			m->target = abs;
			if (strcmp(abs, "/") == 0)
				return cc_recipe_error(c->err, c->r->file, in->line, "RUN --mount: cannot mount on /");
			for (size_t j = 0; j + 1 < st->n_mounts; j++)
				if (st->mounts[j].target && strcmp(st->mounts[j].target, abs) == 0)
					return cc_recipe_error(c->err, c->r->file, in->line, "RUN --mount: duplicate target %s", abs);
		}
		/* bind, and cache with from= (its first content): a source in from */
		if (m->type != CC_MOUNT_BIND && !(m->type == CC_MOUNT_CACHE && m->from))
			continue;
		/* the source, relative to the root of from (or the context) */
		_cleanup_free_ char *abs = NULL, *clean = NULL;
		if (asprintf(&abs, "/%s", m->source ? m->source : "") < 0 || (clean = cc_go_clean(abs)) == NULL)
			return cc_error_set(c->err, ENOMEM, "plan");
		free(m->source);
		m->source = strdup(clean[1] ? clean + 1 : ".");
		if (m->source == NULL)
			return cc_error_set(c->err, ENOMEM, "plan");
		if (m->from && resolve_source(c, in, stage_idx, "RUN --mount from", m->from, &m->from_stage, &m->from_image,
					      &m->from_context) < 0)
			return -1;
		if (m->from_stage >= 0 || m->from_image)
			continue;
		_cleanup_close_ int fd = -1;
		const struct cc_ignore *ign = m->from_context >= 0 ? NULL : c->o->ignore;
		if (open_from_root(c, m->from_context, &fd) < 0)
			return cc_error_prefix(c->err, "%s:%d: RUN --mount", c->r->file, in->line);
		char *const src[] = { m->source, NULL };
		if (cc_copy_digest(fd >= 0 ? fd : c->ctxfd, ign, src, m->content, NULL, c->err) < 0)
			return cc_error_prefix(c->err, "%s:%d: RUN --mount source '%s'", c->r->file, in->line, m->source);
	}
	return 0;
}

/* BuildKit's urlutil.IsURL: the two schemes ADD downloads. */
static bool is_http_source(const char *s)
{
	return strncasecmp(s, "http://", 7) == 0 || strncasecmp(s, "https://", 8) == 0;
}

/* What BuildKit's ADD would clone: git transports, and http(s) URLs whose
 * path ends in ".git" (a "#ref:subdir" fragment after it). */
static bool is_git_source(const char *s)
{
	if (cc_str_has_prefix(s, "git@") || cc_str_has_prefix(s, "git://") || cc_str_has_prefix(s, "ssh://"))
		return true;
	if (!is_http_source(s))
		return false;
	size_t n = strcspn(s, "#?");
	return n >= 4 && strncmp(s + n - 4, ".git", 4) == 0;
}

static int step_copy(struct plan_ctx *c, const struct cc_instr *in, size_t stage_idx, struct plan_state *s,
		     struct cc_build_step *st)
{
	bool add = in->kind == CC_I_ADD;
	static const char *const copy_ok[] = { "from", "chown", "chmod", "link", NULL };
	static const char *const copy_no[] = { "parents", "exclude", NULL };
	static const char *const add_ok[] = { "chown", "chmod", "link", "checksum", NULL };
	static const char *const add_no[] = { "from", NULL };
	const char *name = cc_instr_name(in->kind);
	if (add && cc_plan_flag(in, "keep-git-dir"))
		return cc_recipe_error(c->err, c->r->file, in->line,
				       "ADD --keep-git-dir is not supported: ccontainer does not ADD git repositories");
	if (cc_plan_check_flags(c, in, add ? add_ok : copy_ok, add ? add_no : copy_no) < 0)
		return -1;
	_cleanup_strv_ char **env = expand_env(s);
	_cleanup_strv_ char **raw = NULL, **words = NULL;
	if (env == NULL)
		return cc_error_set(c->err, ENOMEM, "plan");
	if (in->json) {
		raw = cc_strv_dup(in->args);
	} else if (cc_parse_words(in->args[0], c->r->escape, &raw, c->err) < 0) {
		return -1;
	}
	if (raw == NULL)
		return cc_error_set(c->err, ENOMEM, "plan");
	size_t n = cc_strv_len(raw);
	if (n < 2)
		return cc_recipe_error(c->err, c->r->file, in->line,
				       "%s requires at least two arguments, but only one was provided. Destination could not be determined",
				       name);
	/* heredoc sources become files; the rest are expanded */
	words = calloc(1, sizeof(char *));
	if (words == NULL)
		return cc_error_set(c->err, ENOMEM, "plan");
	for (size_t i = 0; i + 1 < n; i++) {
		const struct cc_heredoc *h = in->n_heredocs && !in->json ? find_heredoc(in, raw[i]) : NULL;
		if (h == NULL) {
			char *w = NULL;
			if (cc_shell_word(raw[i], c->r->escape, env, &w, c->err) < 0)
				return cc_error_prefix(c->err, "%s:%d", c->r->file, in->line);
			if (cc_strv_take(&words, w) < 0)
				return cc_error_set(c->err, ENOMEM, "plan");
			continue;
		}
		_cleanup_free_ char *data = heredoc_data(h);
		char *expanded = NULL;
		if (data == NULL)
			return cc_error_set(c->err, ENOMEM, "plan");
		if (h->expand) {
			if (cc_shell_word(data, c->r->escape, env, &expanded, c->err) < 0)
				return cc_error_prefix(c->err, "%s:%d", c->r->file, in->line);
		} else {
			expanded = steal_ptr(&data);
		}
		struct cc_copy_file *nf = realloc(st->files, (st->n_files + 1) * sizeof(*nf));
		if (nf == NULL) {
			free(expanded);
			return cc_error_set(c->err, ENOMEM, "plan");
		}
		st->files = nf;
		st->files[st->n_files++] = (struct cc_copy_file){ .name = strdup(h->name), .data = expanded };
		if (st->files[st->n_files - 1].name == NULL)
			return cc_error_set(c->err, ENOMEM, "plan");
	}
	_cleanup_free_ char *dest = NULL;
	if (cc_shell_word(raw[n - 1], c->r->escape, env, &dest, c->err) < 0)
		return cc_error_prefix(c->err, "%s:%d", c->r->file, in->line);
	if (*dest == '\0')
		return cc_recipe_error(c->err, c->r->file, in->line, "%s: the destination is empty", name);
	st->value = resolve_path(s->workdir, dest, true);
	if (st->value == NULL)
		return cc_error_set(c->err, ENOMEM, "plan");
	const char *chown = cc_plan_flag(in, "chown"), *chmod = cc_plan_flag(in, "chmod"), *from = cc_plan_flag(in, "from");
	if (chown) {
		if (cc_shell_word(chown, c->r->escape, env, &st->chown, c->err) < 0)
			return cc_error_prefix(c->err, "%s:%d", c->r->file, in->line);
		if (st->chown[0] == '\0' || st->chown[0] == ':' || strchr(strchr(st->chown, ':') ? strchr(st->chown, ':') + 1 : "", ':'))
			return cc_recipe_error(c->err, c->r->file, in->line, "invalid --chown '%s': expected USER[:GROUP]",
					       st->chown);
	}
	st->chmod = -1;
	if (chmod) {
		int m = -1;
		if (cc_chmod_check(chmod, &m) < 0)
			return cc_recipe_error(c->err, c->r->file, in->line,
					       "invalid --chmod '%s': expected an octal mode (0755) or a symbolic one (u+x,go-w)",
					       chmod);
		st->chmod = m;
		if (m < 0 && (st->chmod_sym = strdup(chmod)) == NULL)
			return cc_error_set(c->err, ENOMEM, "plan");
	}
	st->from_stage = -1;
	if (from) {
		_cleanup_free_ char *f = NULL;
		if (cc_shell_word(from, c->r->escape, c->meta, &f, c->err) < 0)
			return cc_error_prefix(c->err, "%s:%d", c->r->file, in->line);
		_cleanup_free_ char *what = NULL;
		if (asprintf(&what, "%s --from", name) < 0)
			return cc_error_set(c->err, ENOMEM, "plan");
		if (resolve_source(c, in, stage_idx, what, f, &st->from_stage, &st->from_image, &st->from_context) < 0)
			return -1;
	}
	/* sources: relative to the context (or the --from root); ".." cannot
	 * climb out of it, as with BuildKit */
	st->list = calloc(1, sizeof(char *));
	if (st->list == NULL)
		return cc_error_set(c->err, ENOMEM, "plan");
	for (char **w = words; *w; w++) {
		if (add && is_git_source(*w))
			return cc_recipe_error(c->err, c->r->file, in->line,
					       "ADD of a git repository is not supported ('%s')", *w);
		if (add && is_http_source(*w)) {
			if (cc_strv_push(&st->urls, *w) < 0)
				return cc_error_set(c->err, ENOMEM, "plan");
			continue;
		}
		_cleanup_free_ char *abs = NULL, *clean = NULL;
		if (asprintf(&abs, "/%s", *w) < 0 || (clean = cc_go_clean(abs)) == NULL)
			return cc_error_set(c->err, ENOMEM, "plan");
		if (cc_strv_push(&st->list, clean[1] ? clean + 1 : ".") < 0)
			return cc_error_set(c->err, ENOMEM, "plan");
	}
	bool dest_dir = st->value[strlen(st->value) - 1] == '/';
	if (st->from_stage < 0 && st->from_image == NULL && st->list[0]) {
		_cleanup_strv_ char **expanded = NULL;
		_cleanup_close_ int cfd = -1;
		if (open_from_root(c, st->from_context, &cfd) < 0)
			return cc_error_prefix(c->err, "%s:%d: %s", c->r->file, in->line, name);
		int rootfd = cfd >= 0 ? cfd : c->ctxfd;
		const struct cc_ignore *ign = cfd >= 0 ? NULL : c->o->ignore;
		if (cc_copy_expand(rootfd, ign, st->list, NULL, &expanded, c->err) < 0)
			return cc_error_prefix(c->err, "%s:%d: %s", c->r->file, in->line, name);
		cc_strvfreep(&st->list);
		st->list = steal_ptr(&expanded);
		if (cc_copy_digest(rootfd, ign, st->list, st->content, NULL, c->err) < 0)
			return cc_error_prefix(c->err, "%s:%d: %s", c->r->file, in->line, name);
	}
	st->n_sources = cc_strv_len(st->list) + st->n_files + cc_strv_len(st->urls);
	const char *checksum = add ? cc_plan_flag(in, "checksum") : NULL;
	if (checksum) {
		_cleanup_free_ char *sum = NULL;
		if (cc_shell_word(checksum, c->r->escape, env, &sum, c->err) < 0)
			return cc_error_prefix(c->err, "%s:%d", c->r->file, in->line);
		if (st->n_sources != 1 || cc_strv_len(st->urls) != 1)
			return cc_recipe_error(c->err, c->r->file, in->line,
					       "ADD --checksum needs exactly one source, an http(s) URL");
		if (!cc_str_has_prefix(sum, "sha256:") || strlen(sum) != 7 + 64 || !cc_is_hex(sum + 7, 64))
			return cc_recipe_error(c->err, c->r->file, in->line,
					       "invalid ADD --checksum '%s': expected sha256:<64 hex digits>", sum);
		st->checksum = steal_ptr(&sum);
	}
	if (st->n_sources > 1 && !dest_dir)
		return cc_recipe_error(c->err, c->r->file, in->line,
				       "when using %s with more than one source file, the destination must be a directory and end with a /",
				       name);
	return 0;
}

static int step_health(struct plan_ctx *c, const struct cc_instr *in, struct cc_build_step *st)
{
	static const char *const ok[] = { "interval", "timeout", "start-period", "start-interval", "retries", NULL };
	if (cc_plan_check_flags(c, in, ok, NULL) < 0)
		return -1;
	const char *a = in->args[0];
	size_t tl = strcspn(a, " \t");
	json_t *h = json_object();
	if (h == NULL)
		return cc_error_set(c->err, ENOMEM, "plan");
	if (tl == 4 && strncasecmp(a, "NONE", 4) == 0) {
		if (a[tl] != '\0' || in->flags[0] != NULL) {
			json_decref(h);
			return cc_recipe_error(c->err, c->r->file, in->line, "HEALTHCHECK NONE takes no arguments");
		}
		json_object_set_new(h, "Test", json_pack("[s]", "NONE"));
	} else if (tl == 3 && strncasecmp(a, "CMD", 3) == 0) {
		const char *rest = a + tl + strspn(a + tl, " \t");
		if (*rest == '\0') {
			json_decref(h);
			return cc_recipe_error(c->err, c->r->file, in->line, "HEALTHCHECK CMD requires a command");
		}
		json_error_t je;
		/* BuildKit's parseMaybeJSON: the first JSON value if it is an
		 * array (of strings only), else the shell form */
		json_t *arr = rest[0] == '[' ? json_loads(rest, JSON_DISABLE_EOF_CHECK, &je) : NULL;
		bool strings = json_is_array(arr) && json_array_size(arr) > 0;
		size_t i;
		json_t *e;
		json_array_foreach(arr, i, e) {
			if (!json_is_string(e)) {
				json_decref(arr);
				json_decref(h);
				return cc_recipe_error(c->err, c->r->file, in->line,
						       "HEALTHCHECK: when using JSON array syntax, arrays must be comprised of strings only");
			}
		}
		json_t *test = json_array();
		if (strings) {
			json_array_append_new(test, json_string("CMD"));
			json_array_extend(test, arr);
		} else {
			json_array_append_new(test, json_string("CMD-SHELL"));
			json_array_append_new(test, cc_json_text(rest));
		}
		json_decref(arr);
		json_object_set_new(h, "Test", test);
		static const struct {
			const char *flag, *key;
		} durs[] = { { "interval", "Interval" }, { "timeout", "Timeout" }, { "start-period", "StartPeriod" },
			     { "start-interval", "StartInterval" } };
		for (size_t k = 0; k < sizeof(durs) / sizeof(durs[0]); k++) {
			const char *v = cc_plan_flag(in, durs[k].flag);
			int64_t ns = 0;
			if (v == NULL)
				continue;
			if (parse_duration(v, &ns) < 0 || (ns != 0 && ns < 1000000)) {
				json_decref(h);
				return cc_recipe_error(c->err, c->r->file, in->line,
						       "HEALTHCHECK --%s=%s: expected a duration of at least 1ms (\"30s\", \"1m30s\")",
						       durs[k].flag, v);
			}
			if (ns)
				json_object_set_new(h, durs[k].key, json_integer(ns));
		}
		const char *retries = cc_plan_flag(in, "retries");
		if (retries) {
			char *end;
			long n = strtol(retries, &end, 10);
			if (*retries == '\0' || *end || n < 0 || n > 1000000) {
				json_decref(h);
				return cc_recipe_error(c->err, c->r->file, in->line, "HEALTHCHECK --retries=%s: expected a number",
						       retries);
			}
			if (n)
				json_object_set_new(h, "Retries", json_integer(n));
		}
	} else {
		json_decref(h);
		return cc_recipe_error(c->err, c->r->file, in->line, "unknown type \"%.*s\" in HEALTHCHECK (try CMD)",
				       (int)tl, a);
	}
	st->health = json_dumps(h, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(h);
	return st->health ? 0 : cc_error_set(c->err, ENOMEM, "plan");
}

/* ARG inside a stage (in_stage) or before the first FROM. */
int cc_plan_arg(struct plan_ctx *c, const struct cc_instr *in, struct plan_state *s, bool in_stage)
{
	if (cc_plan_check_flags(c, in, NULL, NULL) < 0)
		return -1;
	_cleanup_strv_ char **words = NULL;
	if (cc_parse_words(in->args[0], c->r->escape, &words, c->err) < 0)
		return -1;
	_cleanup_strv_ char **env = in_stage ? expand_env(s) : cc_strv_dup(c->meta);
	if (env == NULL)
		return cc_error_set(c->err, ENOMEM, "plan");
	for (char **w = words; *w; w++) {
		char *eq = strchr(*w, '=');
		_cleanup_free_ char *name = eq ? strndup(*w, (size_t)(eq - *w)) : strdup(*w);
		_cleanup_free_ char *dflt = NULL;
		if (name == NULL)
			return cc_error_set(c->err, ENOMEM, "plan");
		if (*name == '\0')
			return cc_recipe_error(c->err, c->r->file, in->line, "ARG names can not be blank");
		if (eq && cc_shell_word(eq + 1, c->r->escape, env, &dflt, c->err) < 0)
			return cc_error_prefix(c->err, "%s:%d", c->r->file, in->line);
		const char *v = cc_plan_build_arg(c, name, true);
		if (v == NULL)
			v = dflt;
		if (v == NULL && in_stage) {
			bool declared = false;
			for (char **m = c->meta_names; m && *m && !declared; m++)
				declared = strcmp(*m, name) == 0;
			if (declared)
				v = cc_strv_getenv(c->meta, name, strlen(name));
		}
		char ***vec = in_stage ? &s->args : &c->meta;
		if (!in_stage && cc_strv_push(&c->meta_names, name) < 0)
			return cc_error_set(c->err, ENOMEM, "plan");
		if (v == NULL) {
			/* declared without a value: unset (drop an older value) */
			size_t nl = strlen(name), k = 0;
			for (size_t i = 0; (*vec)[i]; i++) {
				if (strncmp((*vec)[i], name, nl) == 0 && (*vec)[i][nl] == '=')
					free((*vec)[i]);
				else
					(*vec)[k++] = (*vec)[i];
			}
			(*vec)[k] = NULL;
			continue;
		}
		_cleanup_free_ char *kv = NULL;
		if (asprintf(&kv, "%s=%s", name, v) < 0 || cc_strv_setenv(vec, kv) < 0)
			return cc_error_set(c->err, ENOMEM, "plan");
		/* env (the expansion environment) sees it for the next word */
		if (cc_strv_setenv(&env, kv) < 0)
			return cc_error_set(c->err, ENOMEM, "plan");
	}
	return 0;
}

int cc_plan_step(struct plan_ctx *c, const struct cc_instr *in, size_t stage_idx, struct plan_state *s,
			struct cc_build_step *st)
{
	st->kind = in->kind;
	st->line = in->line;
	st->chmod = -1;
	st->from_stage = -1;
	st->from_context = -1;
	st->network = -1;
	st->display = strdup(in->text);
	if (st->display == NULL)
		return cc_error_set(c->err, ENOMEM, "plan");
	const char *name = cc_instr_name(in->kind);
	_cleanup_strv_ char **env = expand_env(s);
	if (env == NULL)
		return cc_error_set(c->err, ENOMEM, "plan");
	switch (in->kind) {
	case CC_I_FROM:
		return 0;
	case CC_I_RUN:
		return step_run(c, in, stage_idx, s, st);
	case CC_I_COPY:
	case CC_I_ADD:
		return step_copy(c, in, stage_idx, s, st);
	case CC_I_ARG:
		return cc_plan_arg(c, in, s, true);
	case CC_I_ENV:
	case CC_I_LABEL: {
		if (cc_plan_check_flags(c, in, NULL, NULL) < 0)
			return -1;
		_cleanup_strv_ char **keys = NULL, **vals = NULL;
		if (name_values(c, in, true, &keys, &vals) < 0)
			return -1;
		st->pairs = calloc(1, sizeof(char *));
		if (st->pairs == NULL)
			return cc_error_set(c->err, ENOMEM, "plan");
		for (size_t i = 0; keys[i]; i++) {
			_cleanup_free_ char *k = NULL, *v = NULL, *kv = NULL;
			if (cc_shell_word(keys[i], c->r->escape, env, &k, c->err) < 0 ||
			    cc_shell_word(vals[i], c->r->escape, env, &v, c->err) < 0)
				return cc_error_prefix(c->err, "%s:%d", c->r->file, in->line);
			if (*k == '\0')
				return cc_recipe_error(c->err, c->r->file, in->line, "%s names can not be blank", name);
			if (in->kind == CC_I_ENV && strchr(k, '='))
				return cc_recipe_error(c->err, c->r->file, in->line, "ENV name '%s' contains '='", k);
			if (asprintf(&kv, "%s=%s", k, v) < 0 || cc_strv_setenv(&st->pairs, kv) < 0)
				return cc_error_set(c->err, ENOMEM, "plan");
		}
		if (in->kind == CC_I_ENV)
			for (char **p = st->pairs; *p; p++)
				if (cc_strv_setenv(&s->env, *p) < 0)
					return cc_error_set(c->err, ENOMEM, "plan");
		return 0;
	}
	case CC_I_WORKDIR:
	case CC_I_USER:
	case CC_I_STOPSIGNAL:
	case CC_I_MAINTAINER: {
		if (cc_plan_check_flags(c, in, NULL, NULL) < 0)
			return -1;
		_cleanup_free_ char *v = NULL;
		if (in->kind == CC_I_MAINTAINER)
			v = strdup(in->args[0]);
		else if (cc_shell_word(in->args[0], c->r->escape, env, &v, c->err) < 0)
			return cc_error_prefix(c->err, "%s:%d", c->r->file, in->line);
		if (v == NULL)
			return cc_error_set(c->err, ENOMEM, "plan");
		if (*v == '\0' || (in->kind != CC_I_MAINTAINER && strpbrk(v, " \t")))
			return cc_recipe_error(c->err, c->r->file, in->line, "%s requires exactly one argument", name);
		if (in->kind == CC_I_WORKDIR) {
			st->value = resolve_path(s->workdir, v, false);
			if (st->value == NULL)
				return cc_error_set(c->err, ENOMEM, "plan");
			free(s->workdir);
			s->workdir = strdup(st->value);
			return s->workdir ? 0 : cc_error_set(c->err, ENOMEM, "plan");
		}
		if (in->kind == CC_I_USER) {
			free(s->user);
			s->user = strdup(v);
			if (s->user == NULL)
				return cc_error_set(c->err, ENOMEM, "plan");
		}
		st->value = steal_ptr(&v);
		return 0;
	}
	case CC_I_CMD:
	case CC_I_ENTRYPOINT:
	case CC_I_SHELL:
		if (cc_plan_check_flags(c, in, NULL, NULL) < 0)
			return -1;
		st->argv = in->json ? cc_strv_dup(in->args) : with_shell(s->shell, in->args[0]);
		if (st->argv == NULL)
			return cc_error_set(c->err, ENOMEM, "plan");
		if (in->kind == CC_I_CMD)
			s->cmd_set = true;
		if (in->kind == CC_I_ENTRYPOINT)
			st->reset_cmd = !s->cmd_set;
		if (in->kind == CC_I_SHELL) {
			if (st->argv[0] == NULL)
				return cc_recipe_error(c->err, c->r->file, in->line, "SHELL requires at least one argument");
			cc_strvfreep(&s->shell);
			s->shell = cc_strv_dup(st->argv);
			if (s->shell == NULL)
				return cc_error_set(c->err, ENOMEM, "plan");
		}
		return 0;
	case CC_I_EXPOSE:
	case CC_I_VOLUME: {
		if (cc_plan_check_flags(c, in, NULL, NULL) < 0)
			return -1;
		_cleanup_strv_ char **words = NULL, **vals = NULL;
		if (in->json)
			words = cc_strv_dup(in->args);
		else if (cc_parse_words(in->args[0], c->r->escape, &words, c->err) < 0)
			return -1;
		if (words == NULL || expand_each(c, in, words, env, &vals) < 0)
			return words == NULL ? cc_error_set(c->err, ENOMEM, "plan") : -1;
		st->list = calloc(1, sizeof(char *));
		if (st->list == NULL)
			return cc_error_set(c->err, ENOMEM, "plan");
		for (char **v = vals; *v; v++) {
			if (**v == '\0')
				return cc_recipe_error(c->err, c->r->file, in->line, "%s: an empty %s", name,
						       in->kind == CC_I_EXPOSE ? "port" : "volume path");
			if (in->kind == CC_I_VOLUME) {
				if (cc_strv_push(&st->list, *v) < 0)
					return cc_error_set(c->err, ENOMEM, "plan");
				continue;
			}
			int r = expose_ports(*v, &st->list);
			if (r == -ENOMEM)
				return cc_error_set(c->err, ENOMEM, "plan");
			if (r < 0)
				return cc_recipe_error(c->err, c->r->file, in->line, "invalid port '%s' in EXPOSE", *v);
		}
		if (st->list[0] == NULL)
			return cc_recipe_error(c->err, c->r->file, in->line, "%s requires at least one argument", name);
		return 0;
	}
	case CC_I_HEALTHCHECK:
		return step_health(c, in, st);
	case CC_I_ONBUILD: {
		if (cc_plan_check_flags(c, in, NULL, NULL) < 0)
			return -1;
		const char *a = in->args[0];
		size_t kl = strcspn(a, " \t");
		st->value = strdup(a);
		if (st->value == NULL)
			return cc_error_set(c->err, ENOMEM, "plan");
		for (size_t i = 0; i < kl; i++)
			st->value[i] = (char)toupper((unsigned char)st->value[i]);
		return 0;
	}
	}
	return 0;
}
