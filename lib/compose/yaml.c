/* YAML into the loader's tree (compose-internal.h), by libfyaml's event
 * parser.  Anchors and aliases are expanded here, by copying, and every
 * copied node counts against CC_COMPOSE_MAX_NODES: a file of nested
 * aliases ("billion laughs") fails instead of growing without bound.
 * YAML 1.1's merge key (`<<: *base`), which compose files use for shared
 * blocks, is applied here too. */
#include <libfyaml.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose-internal.h"
#include "util/cleanup.h"
#include "util/dl.h"
#include "util/strbuf.h"

struct cy_node *cy_new(struct cy_ctx *c, enum cy_type t, const struct cy_file *f, int line)
{
	if (c != NULL && ++c->nodes > CC_COMPOSE_MAX_NODES)
		return NULL;
	struct cy_node *n = calloc(1, sizeof(*n));
	if (n == NULL)
		return NULL;
	n->type = t;
	n->file = f;
	n->line = line;
	return n;
}

void cy_free(struct cy_node *n)
{
	if (n == NULL)
		return;
	for (size_t i = 0; i < n->n; i++)
		cy_free(n->kids[i]);
	free(n->kids);
	free(n->key);
	free(n->str);
	free(n);
}

int cy_add(struct cy_node *p, struct cy_node *kid)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 4;
		struct cy_node **k = realloc(p->kids, cap * sizeof(*k));
		if (k == NULL)
			return -1;
		p->kids = k;
		p->cap = cap;
	}
	p->kids[p->n++] = kid;
	return 0;
}

struct cy_node *cy_get(const struct cy_node *map, const char *key)
{
	if (map == NULL || map->type != CY_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++)
		if (strcmp(map->kids[i]->key, key) == 0)
			return map->kids[i];
	return NULL;
}

struct cy_node *cy_take(struct cy_node *map, const char *key)
{
	if (map == NULL || map->type != CY_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++) {
		if (strcmp(map->kids[i]->key, key) == 0) {
			struct cy_node *k = map->kids[i];
			memmove(&map->kids[i], &map->kids[i + 1], (map->n - i - 1) * sizeof(*map->kids));
			map->n--;
			return k;
		}
	}
	return NULL;
}

struct cy_node *cy_copy(struct cy_ctx *c, const struct cy_node *n, cc_error **err)
{
	struct cy_node *r = cy_new(c, n->type, n->file, n->line);
	if (r == NULL) {
		cc_error_setk(err, CC_ERR_INVALID, 0, "%s:%d: more than %d YAML nodes (aliases expanded)",
			      n->file ? n->file->name : "compose", n->line, CC_COMPOSE_MAX_NODES);
		return NULL;
	}
	r->flags = n->flags;
	if ((n->key && (r->key = strdup(n->key)) == NULL) || (n->str && (r->str = strdup(n->str)) == NULL)) {
		cy_free(r);
		cc_error_set(err, 12, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < n->n; i++) {
		struct cy_node *k = cy_copy(c, n->kids[i], err);
		if (k == NULL || cy_add(r, k) < 0) {
			if (k != NULL) {
				cy_free(k);
				cc_error_set(err, 12, "out of memory");
			}
			cy_free(r);
			return NULL;
		}
	}
	return r;
}

const struct cy_file *cy_file_add(struct cy_ctx *c, const char *name, const char *dir)
{
	for (struct cy_file *f = c->files; f; f = f->next)
		if (strcmp(f->name, name) == 0 && strcmp(f->dir, dir) == 0)
			return f;
	struct cy_file *f = calloc(1, sizeof(*f));
	if (f == NULL)
		return NULL;
	f->name = strdup(name);
	f->dir = strdup(dir);
	if (f->name == NULL || f->dir == NULL) {
		free(f->name);
		free(f->dir);
		free(f);
		return NULL;
	}
	f->next = c->files;
	c->files = f;
	return f;
}

int cy_err(cc_error **err, const struct cy_node *n, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r < 0)
		return cc_error_set(err, 12, "out of memory");
	if (n != NULL && n->file != NULL)
		r = cc_error_setk(err, CC_ERR_INVALID, 0, "%s:%d: %s", n->file->name, n->line, msg);
	else
		r = cc_error_setk(err, CC_ERR_INVALID, 0, "%s", msg);
	free(msg);
	return r;
}

/* The parser's state while one document is turned into a tree. */
struct anchor {
	char *name;
	struct cy_node *node; /* owned: copied at each alias */
};
struct yp {
	struct cy_ctx *c;
	const struct cy_file *f;
	struct fy_parser *p;
	struct anchor *anchors;
	size_t n_anchors;
	char diag[512]; /* libfyaml's first error message */
	cc_error **err;
};

/* libfyaml's events, counted: an event we fail to free would be a leak
 * LSan cannot tell from libfyaml's own (tests/fuzz/lsan.supp hides those,
 * whose stacks stop in the library), so the fuzz target checks the count
 * instead. */
static long live_events;

long cc_compose_yaml_live_events(void)
{
	return __atomic_load_n(&live_events, __ATOMIC_RELAXED);
}

static struct fy_event *ev_next(struct yp *y)
{
	struct fy_event *e = fy_parser_parse(y->p);
	if (e != NULL)
		__atomic_add_fetch(&live_events, 1, __ATOMIC_RELAXED);
	return e;
}

static void ev_free(struct yp *y, struct fy_event *e)
{
	__atomic_sub_fetch(&live_events, 1, __ATOMIC_RELAXED);
	fy_parser_event_free(y->p, e);
}

static void diag_out(struct fy_diag *d, void *user, const char *buf, size_t len)
{
	(void)d;
	struct yp *y = user;
	if (y->diag[0] != '\0' || len == 0 || memchr(buf, ':', len) == NULL)
		return;
	if (len >= sizeof(y->diag))
		len = sizeof(y->diag) - 1;
	memcpy(y->diag, buf, len);
	y->diag[len] = '\0';
}

/* libfyaml's message is "<input>:LINE:COL: error: TEXT": keep LINE and TEXT. */
static int syntax_error(struct yp *y, int fallback_line)
{
	int line = fallback_line;
	const char *text = "invalid YAML";
	char *e = strstr(y->diag, ": error: ");
	if (e != NULL) {
		text = e + strlen(": error: ");
		char *nl = strchr(e + 1, '\n');
		if (nl)
			*nl = '\0';
		*e = '\0';
		/* back over ":COL" and ":LINE" */
		char *c2 = strrchr(y->diag, ':');
		if (c2 != NULL) {
			*c2 = '\0';
			char *c1 = strrchr(y->diag, ':');
			if (c1 != NULL)
				line = atoi(c1 + 1);
		}
	}
	return cc_error_setk(y->err, CC_ERR_INVALID, 0, "%s:%d: yaml: %s", y->f->name, line, text);
}

static int ev_line(struct fy_event *e)
{
	const struct fy_mark *m = fy_event_start_mark(e);
	return m ? m->line + 1 : 0;
}

static char *tok_str(struct fy_token *t)
{
	size_t n = 0;
	const char *s = t ? fy_token_get_text(t, &n) : NULL;
	if (s == NULL)
		return strdup("");
	return strndup(s, n);
}

static unsigned tag_flags(struct fy_token *tag)
{
	if (tag == NULL)
		return 0;
	const char *h = fy_tag_token_handle0(tag), *s = fy_tag_token_suffix0(tag);
	if (h == NULL || s == NULL || strcmp(h, "!") != 0)
		return 0;
	if (strcmp(s, "reset") == 0)
		return CY_RESET;
	if (strcmp(s, "override") == 0)
		return CY_OVERRIDE;
	return 0;
}

static int add_anchor(struct yp *y, struct fy_token *anchor, const struct cy_node *n)
{
	if (anchor == NULL)
		return 0;
	_cleanup_free_ char *name = tok_str(anchor);
	struct cy_node *copy = cy_copy(y->c, n, y->err);
	if (name == NULL || copy == NULL) {
		cy_free(copy);
		return cc_error_set(y->err, 12, "out of memory");
	}
	struct anchor *a = realloc(y->anchors, (y->n_anchors + 1) * sizeof(*a));
	if (a == NULL) {
		cy_free(copy);
		return cc_error_set(y->err, 12, "out of memory");
	}
	y->anchors = a;
	a[y->n_anchors].name = steal_ptr(&name);
	a[y->n_anchors].node = copy;
	y->n_anchors++;
	return 0;
}

static int too_many(struct yp *y, int line)
{
	return cc_error_setk(y->err, CC_ERR_INVALID, 0, "%s:%d: more than %d YAML nodes (aliases expanded)", y->f->name, line,
			     CC_COMPOSE_MAX_NODES);
}

static int parse_node(struct yp *y, struct fy_event *e, int depth, struct cy_node **ret);

/* A mapping's `<<` entry: the entries of the aliased mapping(s) not set. */
static int apply_merge_key(struct yp *y, struct cy_node *map, struct cy_node *src)
{
	if (src->type == CY_SEQ) {
		for (size_t i = 0; i < src->n; i++)
			if (apply_merge_key(y, map, src->kids[i]) < 0)
				return -1;
		return 0;
	}
	if (src->type != CY_MAP)
		return cc_error_setk(y->err, CC_ERR_INVALID, 0, "%s:%d: yaml: a merge key (<<) needs a mapping", y->f->name, src->line);
	for (size_t i = 0; i < src->n; i++) {
		if (cy_get(map, src->kids[i]->key) != NULL)
			continue;
		struct cy_node *k = cy_copy(y->c, src->kids[i], y->err);
		if (k == NULL)
			return -1;
		if (cy_add(map, k) < 0) {
			cy_free(k);
			return cc_error_set(y->err, 12, "out of memory");
		}
	}
	return 0;
}

static int parse_children(struct yp *y, struct cy_node *n, int depth)
{
	_cleanup_free_ struct cy_node **merges = NULL;
	size_t n_merges = 0;
	int rc = 0;
	for (;;) {
		struct fy_event *e = ev_next(y);
		if (e == NULL) {
			rc = syntax_error(y, n->line);
			goto out;
		}
		if (e->type == FYET_SEQUENCE_END || e->type == FYET_MAPPING_END) {
			ev_free(y, e);
			break;
		}
		char *key = NULL;
		int key_line = ev_line(e);
		if (n->type == CY_MAP) {
			if (e->type != FYET_SCALAR) {
				ev_free(y, e);
				rc = cc_error_setk(y->err, CC_ERR_INVALID, 0, "%s:%d: yaml: a mapping's key must be a scalar", y->f->name,
						   key_line);
				goto out;
			}
			key = tok_str(e->scalar.value);
			ev_free(y, e);
			if (key == NULL) {
				rc = cc_error_set(y->err, 12, "out of memory");
				goto out;
			}
			e = ev_next(y);
			if (e == NULL) {
				free(key);
				rc = syntax_error(y, key_line);
				goto out;
			}
		}
		struct cy_node *kid = NULL;
		rc = parse_node(y, e, depth + 1, &kid);
		if (rc < 0) {
			free(key);
			goto out;
		}
		if (key != NULL && strcmp(key, "<<") == 0) {
			free(key);
			struct cy_node **m = realloc(merges, (n_merges + 1) * sizeof(*m));
			if (m == NULL) {
				cy_free(kid);
				rc = cc_error_set(y->err, 12, "out of memory");
				goto out;
			}
			merges = m;
			merges[n_merges++] = kid;
			continue;
		}
		kid->key = key;
		if (key != NULL && cy_get(n, key) != NULL) {
			rc = cc_error_setk(y->err, CC_ERR_INVALID, 0, "%s:%d: yaml: mapping key '%s' already defined", y->f->name,
					   key_line, key);
			cy_free(kid);
			goto out;
		}
		/* an entry's line is its key's: where `web:` is, not its first child */
		if (key != NULL)
			kid->line = key_line;
		if (cy_add(n, kid) < 0) {
			cy_free(kid);
			rc = cc_error_set(y->err, 12, "out of memory");
			goto out;
		}
	}
	for (size_t i = 0; i < n_merges && rc == 0; i++)
		rc = apply_merge_key(y, n, merges[i]);
out:
	for (size_t i = 0; i < n_merges; i++)
		cy_free(merges[i]);
	return rc;
}

/* e: the node's first event (freed here). */
static int parse_node(struct yp *y, struct fy_event *e, int depth, struct cy_node **ret)
{
	int line = ev_line(e);
	if (depth > CC_COMPOSE_MAX_DEPTH) {
		ev_free(y, e);
		return cc_error_setk(y->err, CC_ERR_INVALID, 0, "%s:%d: yaml: nested deeper than %d", y->f->name, line,
				     CC_COMPOSE_MAX_DEPTH);
	}
	struct cy_node *n = NULL;
	struct fy_token *anchor = NULL;
	int rc = 0;
	switch (e->type) {
	case FYET_ALIAS: {
		_cleanup_free_ char *name = tok_str(e->alias.anchor);
		ev_free(y, e);
		if (name == NULL)
			return cc_error_set(y->err, 12, "out of memory");
		for (size_t i = y->n_anchors; i-- > 0;) {
			if (strcmp(y->anchors[i].name, name) == 0) {
				n = cy_copy(y->c, y->anchors[i].node, y->err);
				if (n == NULL)
					return -1;
				n->line = line;
				*ret = n;
				return 0;
			}
		}
		return cc_error_setk(y->err, CC_ERR_INVALID, 0, "%s:%d: yaml: unknown anchor '%s'", y->f->name, line, name);
	}
	case FYET_SCALAR: {
		enum fy_scalar_style st = fy_token_scalar_style(e->scalar.value);
		bool null = false;
		if (st == FYSS_PLAIN && e->scalar.tag == NULL) {
			size_t len = 0;
			const char *s = fy_token_get_text(e->scalar.value, &len);
			null = s == NULL || len == 0 || (len == 1 && s[0] == '~') ||
			       (len == 4 && (memcmp(s, "null", 4) == 0 || memcmp(s, "Null", 4) == 0 || memcmp(s, "NULL", 4) == 0));
		}
		n = cy_new(y->c, null ? CY_NULL : CY_SCALAR, y->f, line);
		if (n == NULL) {
			ev_free(y, e);
			return too_many(y, line);
		}
		n->flags = tag_flags(e->scalar.tag) | (st != FYSS_PLAIN ? CY_QUOTED : 0);
		if (!null && (n->str = tok_str(e->scalar.value)) == NULL)
			rc = cc_error_set(y->err, 12, "out of memory");
		anchor = e->scalar.anchor;
		break;
	}
	case FYET_SEQUENCE_START:
	case FYET_MAPPING_START: {
		bool seq = e->type == FYET_SEQUENCE_START;
		n = cy_new(y->c, seq ? CY_SEQ : CY_MAP, y->f, line);
		if (n == NULL) {
			ev_free(y, e);
			return too_many(y, line);
		}
		n->flags = tag_flags(seq ? e->sequence_start.tag : e->mapping_start.tag);
		anchor = seq ? e->sequence_start.anchor : e->mapping_start.anchor;
		rc = parse_children(y, n, depth);
		break;
	}
	default:
		ev_free(y, e);
		return syntax_error(y, line);
	}
	if (rc == 0)
		rc = add_anchor(y, anchor, n);
	ev_free(y, e);
	if (rc < 0) {
		cy_free(n);
		return rc;
	}
	*ret = n;
	return 0;
}

int cy_parse(struct cy_ctx *c, const struct cy_file *f, const char *data, size_t len, struct cy_node **ret, cc_error **err)
{
	if (len > CC_COMPOSE_MAX_FILE)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "%s: larger than %d bytes", f->name, CC_COMPOSE_MAX_FILE);
	/* libfyaml 0.7.12 can loop for ever in its directive scanner on a
	 * malformed %-line (fuzz-compose's find).  Compose files have no use
	 * for %YAML or %TAG, and a line can only start with '%' in YAML as a
	 * directive (or inside a multi-line scalar, where compose files indent
	 * it): such a line is refused before libfyaml sees it. */
	for (size_t i = 0, line = 1; i < len; i++) {
		/* a line's start: the file's (after a BOM too), or after any
		 * line break libfyaml knows: \n, \r, and NEL, LS, PS */
		const unsigned char *u = (const unsigned char *)data;
		bool starts = i == 0 || u[i - 1] == '\n' || u[i - 1] == '\r' ||
			      (i == 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) ||
			      (i >= 2 && u[i - 2] == 0xC2 && u[i - 1] == 0x85) ||
			      (i >= 3 && u[i - 3] == 0xE2 && u[i - 2] == 0x80 && (u[i - 1] == 0xA8 || u[i - 1] == 0xA9));
		if (data[i] == '%' && starts)
			return cc_error_setk(err, CC_ERR_INVALID, 0, "%s:%zu: yaml: directives (%%YAML, %%TAG) are not supported in compose files",
					     f->name, line);
		if (data[i] == '\n' || (data[i] == '\r' && (i + 1 == len || data[i + 1] != '\n')))
			line++;
	}
	int rc = cc_dl_fyaml(err);
	if (rc < 0)
		return rc;
	struct yp y = { .c = c, .f = f, .err = err };
	struct fy_diag_cfg dc;
	memset(&dc, 0, sizeof(dc));
	dc.output_fn = diag_out;
	dc.user = &y;
	dc.level = FYET_ERROR;
	dc.module_mask = ~0u;
	dc.show_position = true;
	struct fy_diag *diag = fy_diag_create(&dc);
	if (diag == NULL)
		return cc_error_set(err, 12, "yaml: out of memory");
	struct fy_parse_cfg pc = { .flags = FYPCF_QUIET | FYPCF_DEFAULT_VERSION_1_2, .diag = diag };
	y.p = fy_parser_create(&pc);
	if (y.p == NULL) {
		fy_diag_destroy(diag);
		return cc_error_set(err, 12, "yaml: out of memory");
	}
	struct cy_node *root = NULL;
	/* An empty buffer: libfyaml wants a non-NULL string. */
	if (fy_parser_set_string(y.p, len ? data : "", len) != 0) {
		rc = cc_error_set(err, 12, "yaml: out of memory");
		goto out;
	}
	int docs = 0;
	for (;;) {
		struct fy_event *e = ev_next(&y);
		if (e == NULL) {
			if (fy_parser_get_stream_error(y.p))
				rc = syntax_error(&y, 1);
			break;
		}
		enum fy_event_type t = e->type;
		if (t == FYET_STREAM_START || t == FYET_STREAM_END || t == FYET_DOCUMENT_END) {
			ev_free(&y, e);
			continue;
		}
		if (t == FYET_DOCUMENT_START) {
			int line = ev_line(e);
			ev_free(&y, e);
			if (++docs > 1) {
				rc = cc_error_setk(err, CC_ERR_INVALID, 0, "%s:%d: yaml: more than one document", f->name, line);
				break;
			}
			continue;
		}
		struct cy_node *n = NULL;
		rc = parse_node(&y, e, 0, &n);
		if (rc < 0)
			break;
		cy_free(root);
		root = n;
	}
out:
	for (size_t i = 0; i < y.n_anchors; i++) {
		free(y.anchors[i].name);
		cy_free(y.anchors[i].node);
	}
	free(y.anchors);
	fy_parser_destroy(y.p);
	fy_diag_destroy(diag);
	if (rc < 0) {
		cy_free(root);
		return rc;
	}
	if (root == NULL && (root = cy_new(c, CY_NULL, f, 1)) == NULL)
		return cc_error_set(err, 12, "out of memory");
	*ret = root;
	return 0;
}
