/* The loader: files found and read, interpolated, `extends` resolved,
 * merged by the compose specification's rules, then the model built
 * (model.c). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compose-internal.h"
#include "model.h"
#include "util/cleanup.h"
#include "util/strbuf.h"
#include "util/util.h"

extern char **environ;

/* ---- variables: the environment over the .env file ---- */

struct vars {
	const char *const *environ;
	struct cc_compose_kvs dotenv;
};

static const char *vars_lookup(const char *name, void *p)
{
	const struct vars *v = p;
	size_t n = strlen(name);
	for (const char *const *e = v->environ; e && *e; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	for (size_t i = 0; i < v->dotenv.n; i++)
		if (strcmp(v->dotenv.v[i].key, name) == 0)
			return v->dotenv.v[i].value;
	return NULL;
}

static const char *env_only_lookup(const char *name, void *p)
{
	const struct vars *v = p;
	size_t n = strlen(name);
	for (const char *const *e = v->environ; e && *e; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

/* ---- interpolation over a tree ---- */

static int interp_tree(struct cy_node *n, struct vars *v, struct cc_strbuf *path, cc_error **err)
{
	size_t mark = path->len;
	int rc = 0;
	if (n->type == CY_SCALAR) {
		if (strchr(n->str, '$') == NULL)
			return 0;
		char *r = NULL;
		rc = cc_compose_interpolate(n->str, vars_lookup, v, &r, err);
		if (rc < 0)
			return cc_error_prefix(err, "%s:%d: %s", n->file->name, n->line, path->buf ? path->buf : "");
		free(n->str);
		n->str = r;
		return 0;
	}
	for (size_t i = 0; i < n->n && rc == 0; i++) {
		struct cy_node *k = n->kids[i];
		if (n->type == CY_MAP)
			cc_strbuf_addf(path, "%s%s", path->len ? "." : "", k->key);
		else
			cc_strbuf_addf(path, "[%zu]", i);
		rc = interp_tree(k, v, path, err);
		path->len = mark;
		if (path->buf)
			path->buf[mark] = '\0';
	}
	return rc;
}

/* ---- merging (the compose specification's merge.md) ---- */

static struct cy_node *scalar(struct cy_ctx *c, const struct cy_node *at, const char *key, const char *s)
{
	struct cy_node *n = cy_new(c, s ? CY_SCALAR : CY_NULL, at->file, at->line);
	if (n == NULL)
		return NULL;
	if ((key && (n->key = strdup(key)) == NULL) || (s && (n->str = strdup(s)) == NULL)) {
		cy_free(n);
		return NULL;
	}
	return n;
}

/* environment, labels, args: a list of KEY=VALUE into a mapping (in place). */
static int list_to_map(struct cy_ctx *c, struct cy_node *n, bool split_eq, cc_error **err)
{
	if (n->type != CY_SEQ)
		return 0;
	struct cy_node **kids = n->kids;
	size_t count = n->n;
	n->kids = NULL;
	n->n = n->cap = 0;
	n->type = CY_MAP;
	int rc = 0;
	for (size_t i = 0; i < count; i++) {
		struct cy_node *k = kids[i];
		if (rc == 0 && k->type != CY_SCALAR) {
			rc = cy_err(err, k, "a list entry must be a string");
		} else if (rc == 0) {
			char *eq = split_eq ? strchr(k->str, '=') : NULL;
			if (eq)
				*eq = '\0';
			struct cy_node *e = scalar(c, k, k->str, eq ? eq + 1 : NULL);
			if (e == NULL) {
				rc = cy_err(err, k, "out of memory (or more than %d nodes)", CC_COMPOSE_MAX_NODES);
			} else {
				struct cy_node *old = cy_take(n, e->key);
				cy_free(old);
				if (cy_add(n, e) < 0) {
					cy_free(e);
					rc = cc_error_set(err, 12, "out of memory");
				}
			}
		}
		cy_free(k);
	}
	free(kids);
	return rc;
}

/* The unique key of a ports, volumes or secrets entry (merge.md). */
static char *unique_key(const char *attr, const struct cy_node *n)
{
	if (n->type == CY_SCALAR) {
		if (strcmp(attr, "volumes") == 0) {
			/* [SOURCE:]TARGET[:MODE] */
			const char *s = n->str, *c1 = strchr(s, ':');
			if (c1 == NULL)
				return strdup(s);
			const char *c2 = strchr(c1 + 1, ':');
			return c2 ? strndup(c1 + 1, (size_t)(c2 - c1 - 1)) : strdup(c1 + 1);
		}
		if (strcmp(attr, "ports") == 0) {
			struct cc_compose_port *p = NULL;
			size_t np = 0;
			cc_error *e = NULL;
			if (cc_compose_parse_port(n->str, &p, &np, &e) < 0 || np == 0) {
				cc_error_free(e);
				return strdup(n->str);
			}
			char *k = NULL;
			if (asprintf(&k, "%s|%u|%s|%s", p[0].host_ip ? p[0].host_ip : "", p[0].target, p[0].published ? p[0].published : "",
				     p[0].protocol ? p[0].protocol : "tcp") < 0)
				k = NULL;
			cc_compose_ports_free(p, np);
			return k;
		}
		return strdup(n->str); /* secrets: the name is the target */
	}
	if (n->type != CY_MAP)
		return NULL;
	const struct cy_node *t = cy_get(n, "target");
	if (strcmp(attr, "ports") == 0) {
		const struct cy_node *ip = cy_get(n, "host_ip"), *pub = cy_get(n, "published"), *proto = cy_get(n, "protocol");
		char *k = NULL;
		if (asprintf(&k, "%s|%s|%s|%s", ip && ip->str ? ip->str : "", t && t->str ? t->str : "", pub && pub->str ? pub->str : "",
			     proto && proto->str ? proto->str : "tcp") < 0)
			k = NULL;
		return k;
	}
	if (strcmp(attr, "secrets") == 0 && (t == NULL || t->str == NULL))
		t = cy_get(n, "source");
	return t && t->str ? strdup(t->str) : NULL;
}

static int merge(struct cy_ctx *c, struct cy_node *base, struct cy_node *over, int depth, const char *attr, cc_error **err);

static int merge_unique(struct cy_ctx *c, struct cy_node *base, struct cy_node *over, const char *attr, cc_error **err)
{
	for (size_t i = 0; i < over->n; i++) {
		_cleanup_free_ char *k = unique_key(attr, over->kids[i]);
		struct cy_node *copy = cy_copy(c, over->kids[i], err);
		if (copy == NULL)
			return -1;
		bool replaced = false;
		for (size_t j = 0; k && j < base->n; j++) {
			_cleanup_free_ char *bk = unique_key(attr, base->kids[j]);
			if (bk && strcmp(bk, k) == 0) {
				cy_free(base->kids[j]);
				base->kids[j] = copy;
				replaced = true;
				break;
			}
		}
		if (!replaced && cy_add(base, copy) < 0) {
			cy_free(copy);
			return cc_error_set(err, 12, "out of memory");
		}
	}
	return 0;
}

static bool is_kv_attr(const char *a)
{
	return strcmp(a, "environment") == 0 || strcmp(a, "labels") == 0 || strcmp(a, "args") == 0;
}
static bool is_name_list_attr(const char *a)
{
	return strcmp(a, "depends_on") == 0 || strcmp(a, "networks") == 0;
}

/* Replace base's contents by a copy of over's (keeping base's key). */
static int replace(struct cy_ctx *c, struct cy_node *base, const struct cy_node *over, cc_error **err)
{
	struct cy_node *copy = cy_copy(c, over, err);
	if (copy == NULL)
		return -1;
	char *key = base->key;
	base->key = NULL;
	for (size_t i = 0; i < base->n; i++)
		cy_free(base->kids[i]);
	free(base->kids);
	free(base->str);
	free(copy->key);
	*base = *copy;
	base->key = key;
	base->flags &= ~(unsigned)(CY_OVERRIDE | CY_RESET);
	free(copy);
	return 0;
}

/* attr: the key base sits under ("" at the top). */
static int merge(struct cy_ctx *c, struct cy_node *base, struct cy_node *over, int depth, const char *attr, cc_error **err)
{
	if (depth > CC_COMPOSE_MAX_DEPTH)
		return cy_err(err, over, "nested deeper than %d", CC_COMPOSE_MAX_DEPTH);
	if (over->flags & CY_OVERRIDE)
		return replace(c, base, over, err);
	if (is_kv_attr(attr)) {
		if (list_to_map(c, base, true, err) < 0 || list_to_map(c, over, true, err) < 0)
			return -1;
	} else if (is_name_list_attr(attr)) {
		if (list_to_map(c, base, false, err) < 0 || list_to_map(c, over, false, err) < 0)
			return -1;
	}
	if (base->type == CY_MAP && over->type == CY_MAP) {
		for (size_t i = 0; i < over->n; i++) {
			struct cy_node *o = over->kids[i];
			if (o->flags & CY_RESET) {
				cy_free(cy_take(base, o->key));
				continue;
			}
			struct cy_node *b = cy_get(base, o->key);
			if (b == NULL) {
				struct cy_node *copy = cy_copy(c, o, err);
				if (copy == NULL)
					return -1;
				if (cy_add(base, copy) < 0) {
					cy_free(copy);
					return cc_error_set(err, 12, "out of memory");
				}
				continue;
			}
			if (merge(c, b, o, depth + 1, o->key, err) < 0)
				return -1;
		}
		return 0;
	}
	if (base->type == CY_SEQ && over->type == CY_SEQ) {
		if (strcmp(attr, "command") == 0 || strcmp(attr, "entrypoint") == 0 || strcmp(attr, "test") == 0)
			return replace(c, base, over, err);
		if (strcmp(attr, "ports") == 0 || strcmp(attr, "volumes") == 0 || strcmp(attr, "secrets") == 0)
			return merge_unique(c, base, over, attr, err);
		for (size_t i = 0; i < over->n; i++) {
			struct cy_node *copy = cy_copy(c, over->kids[i], err);
			if (copy == NULL)
				return -1;
			if (cy_add(base, copy) < 0) {
				cy_free(copy);
				return cc_error_set(err, 12, "out of memory");
			}
		}
		return 0;
	}
	return replace(c, base, over, err);
}

/* ---- reading files ---- */

struct loader {
	struct cy_ctx c;
	const struct cc_compose_opts *o;
	const char *workdir;
	const struct cc_compose_source *src; /* in memory, or NULL */
	size_t n_src;
	struct vars vars;
	/* files already parsed and interpolated, for extends */
	struct parsed {
		char *path;
		struct cy_node *root;
	} *parsed;
	size_t n_parsed;
};

static int read_source(struct loader *l, const char *path, char **ret, size_t *ret_len, cc_error **err)
{
	if (l->src != NULL) {
		size_t wl = strlen(l->workdir);
		if (strncmp(path, l->workdir, wl) == 0 && path[wl] == '/')
			path += wl + 1;
		for (size_t i = 0; i < l->n_src; i++) {
			if (strcmp(l->src[i].name, path) == 0) {
				if (l->src[i].len > CC_COMPOSE_MAX_FILE)
					return cc_error_setk(err, CC_ERR_INVALID, 0, "%s: larger than %d bytes", path, CC_COMPOSE_MAX_FILE);
				char *d = malloc(l->src[i].len + 1);
				if (d == NULL)
					return cc_error_set(err, 12, "out of memory");
				memcpy(d, l->src[i].data, l->src[i].len);
				d[l->src[i].len] = '\0';
				*ret = d;
				*ret_len = l->src[i].len;
				return 0;
			}
		}
		return cc_error_setk(err, CC_ERR_NOT_FOUND, ENOENT, "open %s: no such file or directory", path);
	}
	if (strcmp(path, "-") == 0) {
		struct cc_strbuf sb = { 0 };
		char buf[8192];
		ssize_t r;
		while ((r = read(0, buf, sizeof(buf))) > 0) {
			cc_strbuf_add(&sb, buf, (size_t)r);
			if (sb.len > CC_COMPOSE_MAX_FILE) {
				cc_strbuf_release(&sb);
				return cc_error_setk(err, CC_ERR_INVALID, 0, "-: larger than %d bytes", CC_COMPOSE_MAX_FILE);
			}
		}
		if (r < 0) {
			cc_strbuf_release(&sb);
			return cc_error_set(err, errno, "read standard input");
		}
		*ret_len = sb.len;
		*ret = cc_strbuf_steal(&sb);
		return *ret ? 0 : cc_error_set(err, 12, "out of memory");
	}
	return cc_read_file(path, CC_COMPOSE_MAX_FILE, ret, ret_len, err);
}

static int join_path(const char *dir, const char *p, char **ret)
{
	if (p[0] == '/' || strcmp(p, "-") == 0)
		*ret = strdup(p);
	else if (asprintf(ret, "%s/%s", dir, p) < 0)
		*ret = NULL;
	return *ret ? 0 : -1;
}

/* Parse and interpolate a file once. */
static int load_file(struct loader *l, const char *path, const char *dir, struct cy_node **ret, cc_error **err)
{
	for (size_t i = 0; i < l->n_parsed; i++) {
		if (strcmp(l->parsed[i].path, path) == 0) {
			*ret = l->parsed[i].root;
			return 0;
		}
	}
	if (l->n_parsed >= 64)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "more than 64 compose files");
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	int rc = read_source(l, path, &data, &len, err);
	if (rc < 0)
		return rc;
	/* messages name the file as given, relative to the working directory */
	const char *shown = path;
	size_t wl = strlen(l->workdir);
	if (strncmp(path, l->workdir, wl) == 0 && path[wl] == '/')
		shown = path + wl + 1;
	const struct cy_file *f = cy_file_add(&l->c, shown, dir);
	if (f == NULL)
		return cc_error_set(err, 12, "out of memory");
	struct cy_node *root = NULL;
	rc = cy_parse(&l->c, f, data, len, &root, err);
	if (rc < 0)
		return rc;
	if (root->type != CY_MAP && root->type != CY_NULL) {
		rc = cy_err(err, root, "top-level object must be a mapping");
		cy_free(root);
		return rc;
	}
	struct cc_strbuf path_sb = { 0 };
	rc = interp_tree(root, &l->vars, &path_sb, err);
	cc_strbuf_release(&path_sb);
	if (rc < 0) {
		cy_free(root);
		return rc;
	}
	struct parsed *p = realloc(l->parsed, (l->n_parsed + 1) * sizeof(*p));
	if (p == NULL || (p[l->n_parsed].path = strdup(path)) == NULL) {
		if (p)
			l->parsed = p;
		cy_free(root);
		return cc_error_set(err, 12, "out of memory");
	}
	l->parsed = p;
	p[l->n_parsed].root = root;
	l->n_parsed++;
	*ret = root;
	return 0;
}

/* ---- extends ---- */

static int resolve_extends(struct loader *l, struct cy_node *root, struct cy_node *svc, const char *dir, int depth,
			   cc_error **err);

/* The service `name` of the file at path (NULL: root), extends resolved. */
static int base_service(struct loader *l, struct cy_node *root, const struct cy_node *ext, const char *file,
			const char *name, const char *dir, int depth, struct cy_node **ret, cc_error **err)
{
	const char *bdir = dir;
	_cleanup_free_ char *path = NULL, *fdir = NULL;
	if (file != NULL) {
		if (join_path(dir, file, &path) < 0)
			return cc_error_set(err, 12, "out of memory");
		fdir = strdup(path);
		if (fdir == NULL)
			return cc_error_set(err, 12, "out of memory");
		char *slash = strrchr(fdir, '/');
		if (slash != NULL)
			*slash = '\0';
		bdir = fdir;
		int rc = load_file(l, path, fdir, &root, err);
		if (rc < 0)
			return cc_error_prefix(err, "%s:%d: extends", ext->file->name, ext->line);
	}
	struct cy_node *b = cy_get(cy_get(root, "services"), name);
	if (b == NULL || b->type != CY_MAP)
		return cy_err(err, ext, "cannot extend service \"%s\": no such service%s%s", name, file ? " in " : "", file ? file : "");
	struct cy_node *copy = cy_copy(&l->c, b, err);
	if (copy == NULL)
		return -1;
	int rc = resolve_extends(l, root, copy, bdir, depth + 1, err);
	if (rc < 0) {
		cy_free(copy);
		return rc;
	}
	*ret = copy;
	return 0;
}

static int resolve_extends(struct loader *l, struct cy_node *root, struct cy_node *svc, const char *dir, int depth, cc_error **err)
{
	struct cy_node *ext = cy_get(svc, "extends");
	if (ext == NULL)
		return 0;
	if (depth > CC_COMPOSE_MAX_EXTENDS)
		return cy_err(err, ext, "extends: more than %d levels (a cycle?)", CC_COMPOSE_MAX_EXTENDS);
	const char *name = NULL, *file = NULL;
	if (ext->type == CY_SCALAR) {
		name = ext->str;
	} else if (ext->type == CY_MAP) {
		for (size_t i = 0; i < ext->n; i++) {
			struct cy_node *k = ext->kids[i];
			if (strcmp(k->key, "service") == 0 && k->type == CY_SCALAR)
				name = k->str;
			else if (strcmp(k->key, "file") == 0 && k->type == CY_SCALAR)
				file = k->str;
			else
				return cy_err(err, k, "services.%s.extends additional property '%s' is not allowed", svc->key, k->key);
		}
	}
	if (name == NULL)
		return cy_err(err, ext, "services.%s.extends: a service name is required", svc->key);
	struct cy_node *base = NULL;
	int rc = base_service(l, root, ext, file, name, dir, depth, &base, err);
	if (rc < 0)
		return rc;
	struct cy_node *own = cy_take(svc, "extends");
	cy_free(own);
	rc = merge(&l->c, base, svc, 1, "", err);
	if (rc == 0)
		rc = replace(&l->c, svc, base, err);
	cy_free(base);
	return rc;
}

/* ---- discovery ---- */

static const char *const default_names[] = { "compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml" };
static const char *const override_names[] = { "compose.override.yaml", "compose.override.yml", "docker-compose.override.yaml",
					      "docker-compose.override.yml" };

static bool exists(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}



/* Find the files: -f, $COMPOSE_FILE, or the default names in dir or above. */
static int discover(struct loader *l, const char *cwd, struct cc_compose_strv *files, cc_error **err)
{
	const struct cc_compose_opts *o = l->o;
	const char *base = o->project_directory ? o->project_directory : cwd;
	_cleanup_free_ char *abs_base = NULL;
	if (join_path(cwd, base, &abs_base) < 0)
		return cc_error_set(err, 12, "out of memory");
	if (o->n_files > 0) {
		for (size_t i = 0; i < o->n_files; i++) {
			_cleanup_free_ char *p = NULL;
			if (join_path(cwd, o->files[i], &p) < 0 || cy_strv_add(files, p) < 0)
				return cc_error_set(err, 12, "out of memory");
		}
		return 0;
	}
	const char *cf = env_only_lookup("COMPOSE_FILE", &l->vars);
	if (cf == NULL)
		cf = vars_lookup("COMPOSE_FILE", &l->vars);
	if (cf != NULL && *cf != '\0') {
		_cleanup_free_ char *copy = strdup(cf);
		if (copy == NULL)
			return cc_error_set(err, 12, "out of memory");
		char *save = NULL;
		for (char *t = strtok_r(copy, ":", &save); t; t = strtok_r(NULL, ":", &save)) {
			_cleanup_free_ char *p = NULL;
			if (join_path(abs_base, t, &p) < 0 || cy_strv_add(files, p) < 0)
				return cc_error_set(err, 12, "out of memory");
		}
		return 0;
	}
	if (l->src != NULL) {
		for (size_t i = 0; i < l->n_src; i++) {
			_cleanup_free_ char *p = NULL;
			if (join_path(abs_base, l->src[i].name, &p) < 0 || cy_strv_add(files, p) < 0)
				return cc_error_set(err, 12, "out of memory");
		}
		return 0;
	}
	_cleanup_free_ char *dir = strdup(abs_base);
	if (dir == NULL)
		return cc_error_set(err, 12, "out of memory");
	for (;;) {
		for (size_t i = 0; i < 4; i++) {
			_cleanup_free_ char *p = NULL;
			if (join_path(dir, default_names[i], &p) < 0)
				return cc_error_set(err, 12, "out of memory");
			if (!exists(p))
				continue;
			if (cy_strv_add(files, p) < 0)
				return cc_error_set(err, 12, "out of memory");
			_cleanup_free_ char *ov = NULL;
			if (join_path(dir, override_names[i], &ov) < 0)
				return cc_error_set(err, 12, "out of memory");
			if (exists(ov) && cy_strv_add(files, ov) < 0)
				return cc_error_set(err, 12, "out of memory");
			return 0;
		}
		char *slash = strrchr(dir, '/');
		if (slash == NULL || slash == dir || o->project_directory != NULL)
			break;
		*slash = '\0';
	}
	return cc_error_setk(err, CC_ERR_NOT_FOUND, ENOENT,
			     "no configuration file provided: not found (compose.yaml, compose.yml, docker-compose.yaml or "
			     "docker-compose.yml in %s or above)",
			     abs_base);
}

static int read_dotenv(struct loader *l, const char *path, bool must, cc_error **err)
{
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	cc_error *e = NULL;
	if (cc_read_file(path, CC_COMPOSE_MAX_FILE, &data, &len, &e) < 0) {
		if (!must && e->errnum == ENOENT) {
			cc_error_free(e);
			return 0;
		}
		if (err && *err == NULL)
			*err = e;
		else
			cc_error_free(e);
		return -1;
	}
	struct cc_compose_kvs kv = { 0 };
	int rc = cc_compose_dotenv_parse(path, data, len, env_only_lookup, &l->vars, &kv, err);
	if (rc < 0)
		return rc;
	/* later files win */
	for (size_t i = 0; i < kv.n; i++) {
		struct cc_compose_kv *d = NULL;
		for (size_t j = 0; j < l->vars.dotenv.n; j++)
			if (strcmp(l->vars.dotenv.v[j].key, kv.v[i].key) == 0)
				d = &l->vars.dotenv.v[j];
		if (d != NULL) {
			free(d->value);
			d->value = steal_ptr(&kv.v[i].value);
			continue;
		}
		struct cc_compose_kv *nv = realloc(l->vars.dotenv.v, (l->vars.dotenv.n + 1) * sizeof(*nv));
		if (nv == NULL) {
			cc_compose_kvs_release(&kv);
			return cc_error_set(err, 12, "out of memory");
		}
		l->vars.dotenv.v = nv;
		nv[l->vars.dotenv.n].key = steal_ptr(&kv.v[i].key);
		nv[l->vars.dotenv.n].value = steal_ptr(&kv.v[i].value);
		l->vars.dotenv.n++;
	}
	cc_compose_kvs_release(&kv);
	return 0;
}

static void loader_release(struct loader *l)
{
	for (size_t i = 0; i < l->n_parsed; i++) {
		free(l->parsed[i].path);
		cy_free(l->parsed[i].root);
	}
	free(l->parsed);
	while (l->c.files) {
		struct cy_file *f = l->c.files;
		l->c.files = f->next;
		free(f->name);
		free(f->dir);
		free(f);
	}
	cc_compose_kvs_release(&l->vars.dotenv);
}

static int load(const struct cc_compose_opts *o, const char *cwd_in, const struct cc_compose_source *src, size_t n_src,
		const char *dotenv, struct cc_compose_project **ret, cc_error **err)
{
	struct loader l = { .o = o, .src = src, .n_src = n_src };
	l.vars.environ = o->environ ? o->environ : (const char *const *)environ;
	char cwdbuf[PATH_MAX];
	const char *cwd = cwd_in ? cwd_in : o->cwd;
	if (cwd == NULL) {
		if (getcwd(cwdbuf, sizeof(cwdbuf)) == NULL)
			return cc_error_set(err, errno, "getcwd");
		cwd = cwdbuf;
	}
	l.workdir = cwd;
	struct cc_compose_strv files = { 0 };
	struct cy_node *merged = NULL;
	char *projdir = NULL;
	int rc = discover(&l, cwd, &files, err);
	if (rc < 0)
		goto out;
	/* the project directory: --project-directory, or the first file's */
	if (o->project_directory != NULL) {
		if (join_path(cwd, o->project_directory, &projdir) < 0) {
			rc = cc_error_set(err, 12, "out of memory");
			goto out;
		}
	} else {
		projdir = strcmp(files.v[0], "-") == 0 ? strdup(cwd) : strdup(files.v[0]);
		if (projdir == NULL) {
			rc = cc_error_set(err, 12, "out of memory");
			goto out;
		}
		char *slash = strrchr(projdir, '/');
		if (slash != NULL && strcmp(files.v[0], "-") != 0)
			*slash = slash == projdir ? '/' : '\0';
		if (slash == projdir)
			projdir[1] = '\0';
	}
	char *rp = src == NULL ? realpath(projdir, NULL) : NULL;
	if (rp != NULL) {
		free(projdir);
		projdir = rp;
	}
	/* .env: --env-file, else the project directory's */
	if (dotenv != NULL) {
		rc = cc_compose_dotenv_parse(".env", dotenv, strlen(dotenv), env_only_lookup, &l.vars, &l.vars.dotenv, err);
	} else if (o->n_env_files > 0) {
		for (size_t i = 0; i < o->n_env_files && rc == 0; i++) {
			_cleanup_free_ char *p = NULL;
			if (join_path(cwd, o->env_files[i], &p) < 0)
				rc = cc_error_set(err, 12, "out of memory");
			else
				rc = read_dotenv(&l, p, true, err);
		}
	} else if (src == NULL) {
		_cleanup_free_ char *p = NULL;
		if (join_path(projdir, ".env", &p) < 0)
			rc = cc_error_set(err, 12, "out of memory");
		else
			rc = read_dotenv(&l, p, false, err);
	}
	if (rc < 0)
		goto out;
	for (size_t i = 0; i < files.n; i++) {
		struct cy_node *root = NULL;
		rc = load_file(&l, files.v[i], projdir, &root, err);
		if (rc < 0)
			goto out;
		/* extends within each file, before the files merge */
		struct cy_node *svcs = cy_get(root, "services");
		for (size_t j = 0; svcs && svcs->type == CY_MAP && j < svcs->n && rc == 0; j++)
			if (svcs->kids[j]->type == CY_MAP)
				rc = resolve_extends(&l, root, svcs->kids[j], projdir, 0, err);
		if (rc < 0)
			goto out;
		if (merged == NULL) {
			merged = cy_copy(&l.c, root, err);
			if (merged == NULL) {
				rc = -1;
				goto out;
			}
		} else if (root->type == CY_MAP) {
			if (merged->type != CY_MAP) {
				cy_free(merged);
				merged = cy_copy(&l.c, root, err);
				if (merged == NULL) {
					rc = -1;
					goto out;
				}
			} else {
				rc = merge(&l.c, merged, root, 0, "", err);
				if (rc < 0)
					goto out;
			}
		}
	}
	struct cc_compose_model_in in = {
		.root = merged,
		.files = &files,
		.project_dir = projdir,
		.opts = o,
		.lookup = vars_lookup,
		.lookup_ctx = &l.vars,
	};
	rc = cc_compose_model_build(&in, ret, err);
out:
	cy_free(merged);
	free(projdir);
	cy_strv_release(&files);
	loader_release(&l);
	return rc;
}

int cc_compose_load(const struct cc_compose_opts *opts, struct cc_compose_project **ret, cc_error **err)
{
	return load(opts, NULL, NULL, 0, NULL, ret, err);
}

int cc_compose_load_sources(const struct cc_compose_opts *opts, const char *working_dir, const struct cc_compose_source *src,
			    size_t n_src, const char *dotenv, struct cc_compose_project **ret, cc_error **err)
{
	return load(opts, working_dir, src, n_src, dotenv, ret, err);
}
