/* The parser: Go's text/template/parse/parse.go over the lexer's items,
 * into a node tree (template-internal.h).  Messages are Go's. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template-internal.h"
#include "util/cleanup.h"

struct parser {
	const char *text;
	struct item *it;
	size_t n, i, hi; /* items, the next one, the furthest one looked at */
	char **vars;     /* variables in scope ("$" first) */
	size_t nvars, capvars;
	int range_depth, depth, action_line;
	char *err; /* the first error */
	bool oom;
};

#define FAIL(p) ((p)->err != NULL || (p)->oom)

static void errorf(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void errorf(struct parser *p, const char *fmt, ...)
{
	if (FAIL(p))
		return;
	char *msg = NULL;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r < 0 || asprintf(&p->err, "template: :%d: %s", p->it[p->hi].line, msg) < 0) {
		p->err = NULL;
		p->oom = true;
	}
	free(msg);
}

/* The items end with IT_EOF or IT_ERROR, which reads again and again. */
static struct item *next(struct parser *p)
{
	size_t k = p->i < p->n ? p->i : p->n - 1;
	if (k > p->hi)
		p->hi = k;
	p->i = k + 1;
	return &p->it[k];
}

static struct item *peek(struct parser *p)
{
	struct item *t = next(p);
	p->i--;
	return t;
}

static void backup(struct parser *p)
{
	if (p->i > 0)
		p->i--;
}

static struct item *next_nonspace(struct parser *p)
{
	struct item *t;
	do
		t = next(p);
	while (t->type == IT_SPACE);
	return t;
}

static struct item *peek_nonspace(struct parser *p)
{
	struct item *t = next_nonspace(p);
	backup(p);
	return t;
}

/* Go's item.String() */
static void item_string(struct cc_strbuf *sb, const struct parser *p, const struct item *t)
{
	if (t->type == IT_EOF) {
		cc_strbuf_add(sb, "EOF", 3);
	} else if (t->type == IT_ERROR) {
		cc_strbuf_addf(sb, "%s", t->msg ? t->msg : "");
	} else if (t->type > IT_KEYWORD) {
		cc_strbuf_addf(sb, "<%.*s>", (int)t->len, p->text + t->pos);
	} else if (tt_runes(p->text + t->pos, t->len) > 10) {
		/* %.10q...: the first 10 characters, quoted */
		size_t n = 0;
		uint32_t cp;
		for (int k = 0; k < 10; k++)
			n += tt_decode(p->text + t->pos + n, t->len - n, &cp);
		tv_quote(sb, p->text + t->pos, n, false);
		cc_strbuf_add(sb, "...", 3);
	} else {
		tv_quote(sb, p->text + t->pos, t->len, false);
	}
}

static void unexpected(struct parser *p, const struct item *t, const char *context)
{
	struct cc_strbuf sb = { 0 };
	item_string(&sb, p, t);
	if (t->type == IT_ERROR) {
		if (p->action_line != 0 && p->action_line != t->line) {
			size_t n = t->msg ? strlen(t->msg) : 0;
			bool action = n >= 7 && strcmp(t->msg + n - 7, " action") == 0;
			errorf(p, "%s%s started at :%d", sb.buf ? sb.buf : "", action ? "" : " in action",
			       p->action_line);
		} else {
			errorf(p, "%s", sb.buf ? sb.buf : "");
		}
	} else {
		errorf(p, "unexpected %s in %s", sb.buf ? sb.buf : "", context);
	}
	cc_strbuf_release(&sb);
}

static struct item *expect(struct parser *p, enum item_type type, const char *context)
{
	struct item *t = next_nonspace(p);
	if (t->type != type)
		unexpected(p, t, context);
	return t;
}

/* ---- nodes ---- */

static struct node *new_node(struct parser *p, enum node_type type, size_t pos, int line)
{
	struct node *n = calloc(1, sizeof(*n));
	if (n == NULL) {
		p->oom = true;
		return NULL;
	}
	n->type = type;
	n->pos = pos;
	n->line = line;
	return n;
}

/* grow an array of n elements to room for n + 1: capacities are powers of 2 */
static bool grow(void **arr, size_t n, size_t size)
{
	size_t cap;
	if (n == 0)
		cap = 4;
	else if (n >= 4 && (n & (n - 1)) == 0)
		cap = n * 2;
	else
		return true;
	void *na = realloc(*arr, cap * size);
	if (na == NULL)
		return false;
	*arr = na;
	return true;
}

static void add_kid(struct parser *p, struct node *n, struct node *kid)
{
	if (kid == NULL)
		return;
	if (!grow((void **)&n->kid, n->nkid, sizeof(*n->kid))) {
		p->oom = true;
		tp_node_free(kid);
		return;
	}
	n->kid[n->nkid++] = kid;
}

static void add_name(struct parser *p, struct node *n, const char *s, size_t len)
{
	char *c = strndup(s, len);
	if (c == NULL || !grow((void **)&n->name, n->nname, sizeof(*n->name))) {
		free(c);
		p->oom = true;
		return;
	}
	n->name[n->nname++] = c;
}

/* ".A.B" or "$x.A" into names */
static void add_names(struct parser *p, struct node *n, const char *s, size_t len)
{
	size_t start = 0;
	if (len > 0 && s[0] == '.')
		start = 1;
	for (size_t i = start; i <= len; i++)
		if (i == len || s[i] == '.') {
			add_name(p, n, s + start, i - start);
			start = i + 1;
		}
}

static void push_var(struct parser *p, const char *s, size_t len)
{
	char *c = strndup(s, len);
	if (c == NULL || !grow((void **)&p->vars, p->nvars, sizeof(*p->vars))) {
		free(c);
		p->oom = true;
		return;
	}
	p->vars[p->nvars++] = c;
}

static void pop_vars(struct parser *p, size_t n)
{
	while (p->nvars > n)
		free(p->vars[--p->nvars]);
}

void tp_node_free(struct node *n)
{
	if (n == NULL)
		return;
	tp_node_free(n->pipe);
	tp_node_free(n->list);
	tp_node_free(n->elist);
	for (size_t i = 0; i < n->nkid; i++)
		tp_node_free(n->kid[i]);
	free(n->kid);
	for (size_t i = 0; i < n->nname; i++)
		free(n->name[i]);
	free(n->name);
	free(n->text);
	json_decref(n->lit);
	free(n);
}

/* ---- literals ---- */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* strconv.UnquoteChar: one character or escape of s[*i..n) in a literal
 * quoted by q; its value in *cp, *byte when it is a single byte (\x, \ooo).
 * false: invalid syntax. */
static bool unquote_char(const char *s, size_t n, size_t *i, char q, uint32_t *cp, bool *byte)
{
	*byte = false;
	unsigned char c = (unsigned char)s[*i];
	if (c == (unsigned char)q && (q == '\'' || q == '"'))
		return false;
	if (c != '\\') {
		*i += tt_decode(s + *i, n - *i, cp);
		return true;
	}
	if (++*i >= n)
		return false;
	c = (unsigned char)s[(*i)++];
	int digits = 0;
	switch (c) {
	case 'a': *cp = '\a'; return true;
	case 'b': *cp = '\b'; return true;
	case 'f': *cp = '\f'; return true;
	case 'n': *cp = '\n'; return true;
	case 'r': *cp = '\r'; return true;
	case 't': *cp = '\t'; return true;
	case 'v': *cp = '\v'; return true;
	case '\\': *cp = '\\'; return true;
	case '\'': case '"':
		*cp = c;
		return c == (unsigned char)q;
	case 'x': digits = 2; break;
	case 'u': digits = 4; break;
	case 'U': digits = 8; break;
	case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
		uint32_t v = c - '0';
		for (int k = 0; k < 2; k++) {
			if (*i >= n || s[*i] < '0' || s[*i] > '7')
				return false;
			v = v * 8 + (uint32_t)(s[(*i)++] - '0');
		}
		if (v > 255)
			return false;
		*cp = v;
		*byte = true;
		return true;
	}
	default:
		return false;
	}
	uint32_t v = 0;
	for (int k = 0; k < digits; k++) {
		if (*i >= n || hexval((unsigned char)s[*i]) < 0)
			return false;
		v = v * 16 + (uint32_t)hexval((unsigned char)s[(*i)++]);
	}
	if (c == 'x') {
		*byte = true;
	} else if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
		return false;
	}
	*cp = v;
	return true;
}

/* strconv.Unquote of a "..." or `...` literal into n->text; false: invalid */
static bool unquote(struct parser *p, struct node *n, const char *s, size_t len)
{
	struct cc_strbuf sb = { 0 };
	cc_strbuf_add(&sb, "", 0);
	if (s[0] == '`') {
		for (size_t i = 1; i + 1 < len; i++)
			if (s[i] != '\r')
				cc_strbuf_add(&sb, s + i, 1);
	} else {
		for (size_t i = 1; i + 1 < len;) {
			uint32_t cp;
			bool byte;
			if (!unquote_char(s, len - 1, &i, '"', &cp, &byte)) {
				cc_strbuf_release(&sb);
				return false;
			}
			if (byte) {
				char b = (char)cp;
				cc_strbuf_add(&sb, &b, 1);
			} else {
				tt_encode(&sb, cp);
			}
		}
	}
	if (sb.oom) {
		p->oom = true;
		cc_strbuf_release(&sb);
		return true;
	}
	n->len = sb.len;
	n->text = cc_strbuf_steal(&sb);
	n->lit = json_stringn_nocheck(n->text, n->len);
	if (n->lit == NULL)
		p->oom = true;
	return true;
}

/* Go's integer literal syntax, '_' between digits (or after the base
 * prefix), into digits without '_'; false when misplaced. */
static bool strip_underscores(const char *s, size_t n, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '_') {
			out[o++] = s[i];
			continue;
		}
		bool before = i > 0 && (hexval((unsigned char)s[i - 1]) >= 0 || strchr("xXoObB", s[i - 1]));
		bool after = i + 1 < n && hexval((unsigned char)s[i + 1]) >= 0;
		if (!before || !after)
			return false;
	}
	out[o] = '\0';
	return true;
}

/* strconv.ParseUint/ParseInt(s, 0, 64) as far as these literals go: the
 * magnitude in *mag; 0, -1 for bad syntax, 1 when beyond 64 bits */
static int parse_go_int(const char *s, unsigned long long *mag, bool *neg)
{
	const char *d = s;
	*neg = false;
	if (*d == '+' || *d == '-')
		*neg = *d++ == '-';
	int base = 10;
	if (d[0] == '0' && (d[1] == 'x' || d[1] == 'X'))
		base = 16, d += 2;
	else if (d[0] == '0' && (d[1] == 'o' || d[1] == 'O'))
		base = 8, d += 2;
	else if (d[0] == '0' && (d[1] == 'b' || d[1] == 'B'))
		base = 2, d += 2;
	else if (d[0] == '0' && d[1] != '\0')
		base = 8, d += 1;
	if (*d == '\0')
		return -1;
	unsigned long long v = 0;
	bool big = false;
	for (; *d; d++) {
		int h = hexval((unsigned char)*d);
		if (h < 0 || h >= base)
			return -1;
		if (v > (ULLONG_MAX - (unsigned)h) / (unsigned)base)
			big = true;
		v = v * (unsigned)base + (unsigned)h;
	}
	*mag = v;
	return big ? 1 : 0;
}

static bool parse_float(const char *s, double *ret)
{
	char *end;
	const char *d = s + (*s == '+' || *s == '-');
	/* strtod takes "inf", "nan" and hex without 'p': Go's literals are none of these */
	if (!((*d >= '0' && *d <= '9') || *d == '.'))
		return false;
	if ((d[0] == '0' && (d[1] == 'x' || d[1] == 'X')) && !strpbrk(d, "pP"))
		return false;
	if (strpbrk(d, "oObB"))
		return false;
	errno = 0;
	*ret = strtod(s, &end);
	return *end == '\0' && errno == 0 && isfinite(*ret);
}

/* Go's newNumber and, for lit, what idealConstant makes of it */
static void number_value(struct parser *p, struct node *n, const char *d, const char *quoted)
{
	unsigned long long mag;
	bool neg;
	double f;
	int r = parse_go_int(d, &mag, &neg);
	if (r == 0 && (neg ? mag <= (1ULL << 63) : mag <= (unsigned long long)INT64_MAX)) {
		n->is_int = true;
		n->lit_int = neg ? (json_int_t)(0 - mag) : (json_int_t)mag;
		if ((n->lit = json_integer(n->lit_int)) == NULL)
			p->oom = true;
	} else if (r == 0 && !neg) {
		/* a uint64 beyond int: "overflows int" where it is used */
	} else if (parse_float(d, &f)) {
		if (!strpbrk(d, ".eEpP")) {
			errorf(p, "integer overflow: %s", quoted);
			return;
		}
		if (f >= -9223372036854775808.0 && f < 9223372036854775808.0 && f == (double)(json_int_t)f) {
			n->is_int = true;
			n->lit_int = (json_int_t)f;
		}
		if ((n->lit = json_real(f)) == NULL)
			p->oom = true;
	} else {
		errorf(p, "illegal number syntax: %s", quoted);
	}
}

static struct node *number(struct parser *p, const struct item *t)
{
	const char *s = p->text + t->pos;
	struct node *n = new_node(p, N_NUMBER, t->pos, t->line);
	if (n == NULL)
		return NULL;
	n->src = s;
	n->srclen = t->len;
	if (t->type == IT_CHARCONST) {
		size_t i = 1;
		uint32_t cp;
		bool byte;
		if (!unquote_char(s, t->len, &i, '\'', &cp, &byte)) {
			errorf(p, "invalid syntax");
		} else if (i != t->len - 1) {
			errorf(p, "malformed character constant: %.*s", (int)t->len, s);
		} else {
			n->is_int = true;
			n->lit_int = cp;
			if ((n->lit = json_integer(cp)) == NULL)
				p->oom = true;
		}
		return n;
	}
	_cleanup_free_ char *d = malloc(t->len + 1);
	struct cc_strbuf q = { 0 };
	tv_quote(&q, s, t->len, false);
	if (d == NULL || q.oom)
		p->oom = true;
	else if (s[t->len - 1] == 'i')
		errorf(p, "complex number %s is not supported", q.buf);
	else if (!strip_underscores(s, t->len, d))
		errorf(p, "illegal number syntax: %s", q.buf);
	else
		number_value(p, n, d, q.buf);
	cc_strbuf_release(&q);
	return n;
}

/* ---- the grammar ---- */

static struct node *pipeline(struct parser *p, const char *context, enum item_type end);
static struct node *item_list(struct parser *p, struct node **ret_next);
static struct node *if_control(struct parser *p);
static struct node *with_control(struct parser *p);

static bool enter(struct parser *p)
{
	if (++p->depth > CC_TEMPLATE_MAX_DEPTH) {
		errorf(p, "template nests deeper than %d", CC_TEMPLATE_MAX_DEPTH);
		return false;
	}
	return true;
}

static struct node *term(struct parser *p)
{
	struct item *t = next_nonspace(p);
	const char *s = p->text + t->pos;
	struct node *n = NULL;
	switch (t->type) {
	case IT_IDENT: {
		_cleanup_free_ char *name = strndup(s, t->len);
		if (name == NULL) {
			p->oom = true;
			return NULL;
		}
		const struct tfunc *fn = tf_lookup(name);
		if (fn == NULL) {
			struct cc_strbuf q = { 0 };
			tv_quote(&q, s, t->len, false);
			errorf(p, "function %s not defined", q.buf ? q.buf : "");
			cc_strbuf_release(&q);
			return NULL;
		}
		if ((n = new_node(p, N_IDENT, t->pos, t->line)) != NULL) {
			n->fn = fn;
			add_name(p, n, s, t->len);
		}
		return n;
	}
	case IT_DOT:
		return new_node(p, N_DOT, t->pos, t->line);
	case IT_NIL:
		return new_node(p, N_NIL, t->pos, t->line);
	case IT_VAR: {
		size_t k;
		for (k = 0; k < p->nvars; k++)
			if (strlen(p->vars[k]) == t->len && memcmp(p->vars[k], s, t->len) == 0)
				break;
		if (k == p->nvars) {
			struct cc_strbuf q = { 0 };
			tv_quote(&q, s, t->len, false);
			errorf(p, "undefined variable %s", q.buf ? q.buf : "");
			cc_strbuf_release(&q);
			return NULL;
		}
		if ((n = new_node(p, N_VAR, t->pos, t->line)) != NULL)
			add_name(p, n, s, t->len);
		return n;
	}
	case IT_FIELD:
		if ((n = new_node(p, N_FIELD, t->pos, t->line)) != NULL)
			add_names(p, n, s, t->len);
		return n;
	case IT_BOOL:
		if ((n = new_node(p, N_BOOL, t->pos, t->line)) != NULL) {
			n->src = s;
			n->srclen = t->len;
			n->lit = json_boolean(t->len == 4);
		}
		return n;
	case IT_CHARCONST:
	case IT_NUMBER:
		return number(p, t);
	case IT_LPAREN:
		if (!enter(p))
			return NULL;
		n = pipeline(p, "parenthesized pipeline", IT_RPAREN);
		p->depth--;
		return n;
	case IT_STRING:
	case IT_RAW:
		if ((n = new_node(p, N_STRING, t->pos, t->line)) == NULL)
			return NULL;
		n->src = s;
		n->srclen = t->len;
		if (!unquote(p, n, s, t->len))
			errorf(p, "invalid syntax");
		return n;
	default:
		backup(p);
		return NULL;
	}
}

static struct node *operand(struct parser *p)
{
	struct node *n = term(p);
	if (n == NULL || FAIL(p) || peek(p)->type != IT_FIELD)
		return n;
	struct node *chain = new_node(p, N_CHAIN, peek(p)->pos, peek(p)->line);
	if (chain == NULL) {
		tp_node_free(n);
		return NULL;
	}
	while (peek(p)->type == IT_FIELD) {
		struct item *f = next(p);
		add_names(p, chain, p->text + f->pos, f->len);
	}
	switch (n->type) {
	case N_FIELD:
	case N_VAR:
		/* more fields on the original, at the chain's position (Go's) */
		for (size_t i = 0; i < chain->nname; i++)
			add_name(p, n, chain->name[i], strlen(chain->name[i]));
		n->pos = chain->pos;
		tp_node_free(chain);
		return n;
	case N_BOOL:
	case N_STRING:
	case N_NUMBER:
	case N_NIL:
	case N_DOT: {
		struct cc_strbuf sb = { 0 }, q = { 0 };
		tp_node_string(&sb, n);
		tv_quote(&q, sb.buf ? sb.buf : "", sb.len, false);
		errorf(p, "unexpected . after term %s", q.buf ? q.buf : "");
		cc_strbuf_release(&sb);
		cc_strbuf_release(&q);
		tp_node_free(n);
		tp_node_free(chain);
		return NULL;
	}
	default:
		chain->pipe = n;
		return chain;
	}
}

static struct node *command(struct parser *p)
{
	struct node *cmd = new_node(p, N_CMD, peek_nonspace(p)->pos, peek_nonspace(p)->line);
	if (cmd == NULL)
		return NULL;
	for (;;) {
		peek_nonspace(p);
		add_kid(p, cmd, operand(p));
		if (FAIL(p))
			break;
		struct item *t = next(p);
		if (t->type == IT_SPACE)
			continue;
		if (t->type == IT_RIGHT || t->type == IT_RPAREN)
			backup(p);
		else if (t->type != IT_PIPE)
			unexpected(p, t, "operand");
		break;
	}
	if (!FAIL(p) && cmd->nkid == 0)
		errorf(p, "empty command");
	return cmd;
}

static void check_pipeline(struct parser *p, struct node *pipe, const char *context)
{
	if (pipe->nkid == 0) {
		errorf(p, "missing value for %s", context);
		return;
	}
	for (size_t i = 1; i < pipe->nkid; i++)
		switch (pipe->kid[i]->kid[0]->type) {
		case N_BOOL:
		case N_DOT:
		case N_NIL:
		case N_NUMBER:
		case N_STRING:
			errorf(p, "non executable command in pipeline stage %zu", i + 1);
			return;
		default:
			break;
		}
}

static struct node *pipeline(struct parser *p, const char *context, enum item_type end)
{
	struct item *first = peek_nonspace(p);
	struct node *pipe = new_node(p, N_PIPE, first->pos, first->line);
	if (pipe == NULL)
		return NULL;
	for (;;) { /* declarations: $x := / $x = / $i, $e := (range) */
		struct item *v = peek_nonspace(p);
		if (v->type != IT_VAR)
			break;
		size_t vi = p->i;
		next(p);
		struct item *nx = peek_nonspace(p);
		if (nx->type == IT_ASSIGN || nx->type == IT_DECLARE) {
			pipe->assign = nx->type == IT_ASSIGN;
			next_nonspace(p);
			add_name(p, pipe, p->text + v->pos, v->len);
			push_var(p, p->text + v->pos, v->len);
			break;
		}
		if (nx->type == IT_CHAR && p->text[nx->pos] == ',') {
			next_nonspace(p);
			add_name(p, pipe, p->text + v->pos, v->len);
			push_var(p, p->text + v->pos, v->len);
			if (strcmp(context, "range") == 0 && pipe->nname < 2) {
				enum item_type t = peek_nonspace(p)->type;
				if (t == IT_VAR || t == IT_RIGHT || t == IT_RPAREN)
					continue;
				errorf(p, "range can only initialize variables");
			} else {
				errorf(p, "too many declarations in %s", context);
			}
			break;
		}
		p->i = vi; /* an argument, not a declaration */
		break;
	}
	while (!FAIL(p)) {
		struct item *t = next_nonspace(p);
		if (t->type == end) {
			check_pipeline(p, pipe, context);
			break;
		}
		switch (t->type) {
		case IT_BOOL: case IT_CHARCONST: case IT_DOT: case IT_FIELD: case IT_IDENT: case IT_NUMBER:
		case IT_NIL: case IT_RAW: case IT_STRING: case IT_VAR: case IT_LPAREN:
			backup(p);
			add_kid(p, pipe, command(p));
			break;
		default:
			unexpected(p, t, context);
		}
	}
	return pipe;
}

/* {{if}}, {{range}}, {{with}} after the keyword */
static struct node *control(struct parser *p, enum node_type type, const char *context)
{
	size_t nvars = p->nvars;
	struct node *pipe = NULL, *list = NULL, *elist = NULL, *nx = NULL;
	if (!enter(p))
		return NULL;
	pipe = pipeline(p, context, IT_RIGHT);
	if (FAIL(p))
		goto out;
	if (type == N_RANGE)
		p->range_depth++;
	list = item_list(p, &nx);
	if (type == N_RANGE)
		p->range_depth--;
	if (FAIL(p))
		goto out;
	if (nx->type == N_LIST) { /* {{else}} (N_LIST marks it, see action) */
		enum item_type t = peek(p)->type;
		if ((type == N_IF && t == IT_IF) || (type == N_WITH && t == IT_WITH)) {
			/* {{else if b}}: {{else}}{{if b}}...{{end}} with one {{end}} */
			next(p);
			elist = new_node(p, N_LIST, nx->pos, nx->line);
			if (elist != NULL)
				add_kid(p, elist, type == N_IF ? if_control(p) : with_control(p));
		} else {
			struct node *nx2 = NULL;
			elist = item_list(p, &nx2);
			if (!FAIL(p) && nx2->type != N_BREAK)
				errorf(p, "expected end; found {{else}}");
			tp_node_free(nx2);
		}
	}
out:
	tp_node_free(nx);
	pop_vars(p, nvars);
	p->depth--;
	struct node *n = FAIL(p) ? NULL : new_node(p, type, pipe->pos, pipe->line);
	if (n == NULL) {
		tp_node_free(pipe);
		tp_node_free(list);
		tp_node_free(elist);
		return NULL;
	}
	n->pipe = pipe;
	n->list = list;
	n->elist = elist;
	return n;
}

static struct node *if_control(struct parser *p)
{
	return control(p, N_IF, "if");
}

static struct node *with_control(struct parser *p)
{
	return control(p, N_WITH, "with");
}

/* {{end}} and {{else}} come back as markers (*marker 1 and 2, an N_BREAK
 * and an N_LIST node with their position) for item_list to stop at. */
static struct node *action(struct parser *p, int *marker)
{
	*marker = 0;
	struct item *t = next_nonspace(p);
	switch (t->type) {
	case IT_BREAK:
	case IT_CONTINUE: {
		const char *what = t->type == IT_BREAK ? "{{break}}" : "{{continue}}";
		struct item *r = next_nonspace(p);
		if (r->type != IT_RIGHT) {
			unexpected(p, r, what);
			return NULL;
		}
		if (p->range_depth == 0) {
			errorf(p, "%s outside {{range}}", what);
			return NULL;
		}
		return new_node(p, t->type == IT_BREAK ? N_BREAK : N_CONTINUE, t->pos, t->line);
	}
	case IT_ELSE: {
		struct item *k = peek_nonspace(p);
		if (k->type != IT_IF && k->type != IT_WITH)
			k = expect(p, IT_RIGHT, "else");
		*marker = 2;
		return FAIL(p) ? NULL : new_node(p, N_LIST, k->pos, k->line);
	}
	case IT_END: {
		struct item *r = expect(p, IT_RIGHT, "end");
		*marker = 1;
		return FAIL(p) ? NULL : new_node(p, N_BREAK, r->pos, r->line);
	}
	case IT_IF:
		return if_control(p);
	case IT_RANGE:
		return control(p, N_RANGE, "range");
	case IT_WITH:
		return with_control(p);
	case IT_DEFINE:
	case IT_TEMPLATE:
	case IT_BLOCK:
		errorf(p, "{{%.*s}} is not supported", (int)t->len, p->text + t->pos);
		return NULL;
	default:
		break;
	}
	backup(p);
	struct item *first = peek(p);
	struct node *n = new_node(p, N_ACTION, first->pos, first->line);
	if (n != NULL)
		n->pipe = pipeline(p, "command", IT_RIGHT);
	return n;
}

/* text or {{action}}; *marker 1 for {{end}}, 2 for {{else}} */
static struct node *text_or_action(struct parser *p, int *marker)
{
	*marker = 0;
	struct item *t = next_nonspace(p);
	if (t->type == IT_TEXT) {
		struct node *n = new_node(p, N_TEXT, t->pos, t->line);
		if (n != NULL) {
			n->text = strndup(p->text + t->pos, t->len);
			n->len = t->len;
			if (n->text == NULL)
				p->oom = true;
		}
		return n;
	}
	if (t->type == IT_LEFT) {
		p->action_line = t->line;
		struct node *n = action(p, marker);
		p->action_line = 0;
		return n;
	}
	unexpected(p, t, "input");
	return NULL;
}

/* Items up to {{end}} or {{else}}: the list, and in *ret_next the marker
 * (N_BREAK for {{end}}, N_LIST for {{else}}). */
static struct node *item_list(struct parser *p, struct node **ret_next)
{
	struct node *list = new_node(p, N_LIST, peek_nonspace(p)->pos, peek_nonspace(p)->line);
	*ret_next = NULL;
	while (!FAIL(p) && peek_nonspace(p)->type != IT_EOF) {
		int marker;
		struct node *n = text_or_action(p, &marker);
		if (marker) {
			*ret_next = n;
			if (n == NULL)
				break;
			return list;
		}
		add_kid(p, list, n);
	}
	if (!FAIL(p))
		errorf(p, "unexpected EOF");
	return list;
}

static struct node *parse_root(struct parser *p)
{
	struct node *root = new_node(p, N_LIST, 0, 1);
	while (!FAIL(p) && peek(p)->type != IT_EOF) {
		int marker;
		struct node *n = text_or_action(p, &marker);
		if (marker) {
			tp_node_free(n);
			if (!FAIL(p))
				errorf(p, "unexpected %s", marker == 1 ? "{{end}}" : "{{else}}");
			break;
		}
		add_kid(p, root, n);
	}
	return root;
}

int cc_template_parse(const char *text, struct cc_template **ret, cc_error **err)
{
	struct cc_template *t = calloc(1, sizeof(*t));
	if (t == NULL || (t->text = strdup(text)) == NULL) {
		free(t);
		return cc_error_set(err, ENOMEM, "template");
	}
	t->len = strlen(text);
	struct parser p = { .text = t->text };
	int r = tl_lex(t->text, t->len, &p.it, &p.n);
	if (r < 0) {
		cc_template_free(t);
		return cc_error_set(err, -r, "template");
	}
	push_var(&p, "$", 1);
	t->root = parse_root(&p);
	pop_vars(&p, 0);
	free(p.vars);
	tl_items_free(p.it, p.n);
	if (FAIL(&p)) {
		cc_template_free(t);
		if (p.err == NULL)
			return cc_error_set(err, ENOMEM, "template");
		r = cc_error_setk(err, CC_ERR_INVALID, 0, "%s", p.err);
		free(p.err);
		return r;
	}
	*ret = t;
	return 0;
}

void cc_template_free(struct cc_template *t)
{
	if (t == NULL)
		return;
	tp_node_free(t->root);
	free(t->text);
	free(t);
}

/* ---- Node.String() ---- */

static void names_string(struct cc_strbuf *sb, const struct node *n, size_t from, bool dot_first)
{
	for (size_t i = from; i < n->nname; i++) {
		if (i > from || dot_first)
			cc_strbuf_add(sb, ".", 1);
		cc_strbuf_addf(sb, "%s", n->name[i]);
	}
}

void tp_node_string(struct cc_strbuf *sb, const struct node *n)
{
	static const char *const branch[] = { [N_IF] = "if", [N_RANGE] = "range", [N_WITH] = "with" };
	switch (n->type) {
	case N_LIST:
		for (size_t i = 0; i < n->nkid; i++)
			tp_node_string(sb, n->kid[i]);
		break;
	case N_TEXT:
		tv_quote(sb, n->text, n->len, false);
		break;
	case N_ACTION:
		cc_strbuf_add(sb, "{{", 2);
		tp_node_string(sb, n->pipe);
		cc_strbuf_add(sb, "}}", 2);
		break;
	case N_IF:
	case N_RANGE:
	case N_WITH:
		cc_strbuf_addf(sb, "{{%s ", branch[n->type]);
		tp_node_string(sb, n->pipe);
		cc_strbuf_add(sb, "}}", 2);
		tp_node_string(sb, n->list);
		if (n->elist) {
			cc_strbuf_add(sb, "{{else}}", 8);
			tp_node_string(sb, n->elist);
		}
		cc_strbuf_add(sb, "{{end}}", 7);
		break;
	case N_BREAK:
		cc_strbuf_add(sb, "{{break}}", 9);
		break;
	case N_CONTINUE:
		cc_strbuf_add(sb, "{{continue}}", 12);
		break;
	case N_PIPE:
		for (size_t i = 0; i < n->nname; i++)
			cc_strbuf_addf(sb, "%s%s", i ? ", " : "", n->name[i]);
		if (n->nname)
			cc_strbuf_addf(sb, " %s ", n->assign ? "=" : ":=");
		for (size_t i = 0; i < n->nkid; i++) {
			if (i)
				cc_strbuf_add(sb, " | ", 3);
			tp_node_string(sb, n->kid[i]);
		}
		break;
	case N_CMD:
		for (size_t i = 0; i < n->nkid; i++) {
			if (i)
				cc_strbuf_add(sb, " ", 1);
			bool paren = n->kid[i]->type == N_PIPE;
			if (paren)
				cc_strbuf_add(sb, "(", 1);
			tp_node_string(sb, n->kid[i]);
			if (paren)
				cc_strbuf_add(sb, ")", 1);
		}
		break;
	case N_FIELD:
		names_string(sb, n, 0, true);
		break;
	case N_VAR:
	case N_IDENT:
		names_string(sb, n, 0, false);
		break;
	case N_CHAIN:
		if (n->pipe->type == N_PIPE)
			cc_strbuf_add(sb, "(", 1);
		tp_node_string(sb, n->pipe);
		if (n->pipe->type == N_PIPE)
			cc_strbuf_add(sb, ")", 1);
		names_string(sb, n, 0, true);
		break;
	case N_DOT:
		cc_strbuf_add(sb, ".", 1);
		break;
	case N_NIL:
		cc_strbuf_add(sb, "nil", 3);
		break;
	case N_BOOL:
	case N_NUMBER:
	case N_STRING:
		cc_strbuf_add(sb, n->src, n->srclen);
		break;
	}
}

void cc_template_set_missingkey_error(struct cc_template *t)
{
	t->missingkey_error = true;
}
