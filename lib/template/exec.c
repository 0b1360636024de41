/* The evaluator: Go's text/template/exec.go on JSON values.
 *
 * Values are owned json_t references, NULL for Go's invalid value ("<no
 * value>", a key an object does not have); a pipeline turns JSON null into
 * NULL as Go digs a nil out of an interface{}.  Every function returns 0 or
 * -1, the error kept in the state (first one only). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template-internal.h"

struct tvar {
	const char *name;
	json_t *v;
};

struct tstate {
	const struct cc_template *t;
	struct cc_strbuf *out;
	size_t out_base;
	const json_t *headers; /* the header row of a table: fields are headers */
	const json_t *root;    /* the data, dot at the start */
	const json_t *methods; /* name -> object: `.Name KEY` on the root (docker's .Label) */
	bool header;
	struct tvar *vars;
	size_t nvars, capvars;
	uint64_t steps, max_steps;
	size_t max_bytes;
	const struct node *at; /* what is evaluated, for messages */
	const char *calling;   /* the function called, for "error calling" */
	char *msg;
	bool oom;
};

/* "template: :LINE:COL: executing "" at <NODE>: " + message */
static int verrorf(struct tstate *st, const char *fmt, va_list ap)
{
	if (st->msg != NULL || st->oom)
		return -1;
	char *m = NULL;
	if (vasprintf(&m, fmt, ap) < 0) {
		st->oom = true;
		return -1;
	}
	if (st->at == NULL) {
		if (asprintf(&st->msg, "template: : %s", m) < 0)
			st->msg = NULL, st->oom = true;
		free(m);
		return -1;
	}
	size_t pos = st->at->pos, line = 1, col = pos;
	for (size_t i = 0; i < pos && i < st->t->len; i++)
		if (st->t->text[i] == '\n')
			line++, col = pos - i - 1;
	struct cc_strbuf ctx = { 0 };
	tp_node_string(&ctx, st->at);
	struct cc_strbuf one = { 0 }; /* one line, not too long */
	for (size_t i = 0; i < ctx.len && i < 200; i++) {
		if (ctx.buf[i] == '\n')
			cc_strbuf_add(&one, "\\n", 2);
		else
			cc_strbuf_add(&one, ctx.buf + i, 1);
	}
	if (ctx.len > 200)
		cc_strbuf_add(&one, "...", 3);
	cc_strbuf_add(&one, "", 0);
	if (one.oom || asprintf(&st->msg, "template: :%zu:%zu: executing \"\" at <%s>: %s", line, col, one.buf, m) < 0)
		st->msg = NULL, st->oom = true;
	for (char *c = st->msg; c && *c; c++) /* one line: a value printed in it may have more */
		if (*c == '\n' || *c == '\r')
			*c = ' ';
	cc_strbuf_release(&ctx);
	cc_strbuf_release(&one);
	free(m);
	return -1;
}

static int errorf(struct tstate *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int errorf(struct tstate *st, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	verrorf(st, fmt, ap);
	va_end(ap);
	return -1;
}

int tx_fail(struct tstate *st, const char *fmt, ...)
{
	char *m = NULL;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&m, fmt, ap);
	va_end(ap);
	if (r < 0)
		return tx_oom(st);
	errorf(st, "error calling %s: %s", st->calling, m);
	free(m);
	return -1;
}

int tx_oom(struct tstate *st)
{
	st->oom = true;
	return -1;
}

bool tx_fits(struct tstate *st, const struct cc_strbuf *sb)
{
	if (sb->oom) {
		tx_oom(st);
		return false;
	}
	size_t len = sb->len - (sb == st->out ? st->out_base : 0);
	if (st->max_bytes && len > st->max_bytes) {
		errorf(st, "output larger than %zu bytes", st->max_bytes);
		return false;
	}
	return true;
}

json_t *tx_string(struct tstate *st, const char *s, size_t n)
{
	json_t *j = json_stringn_nocheck(s ? s : "", n);
	if (j == NULL)
		tx_oom(st);
	return j;
}

/* Go's isTrue */
bool tx_truth(const json_t *v)
{
	switch (v ? json_typeof(v) : JSON_NULL) {
	case JSON_TRUE:
		return true;
	case JSON_INTEGER:
		return json_integer_value(v) != 0;
	case JSON_REAL:
		return json_real_value(v) != 0;
	case JSON_STRING:
		return json_string_length(v) > 0;
	case JSON_ARRAY:
		return json_array_size(v) > 0;
	case JSON_OBJECT:
		return json_object_size(v) > 0;
	default:
		return false;
	}
}

static json_t *ref(const json_t *v)
{
	return v ? json_incref((json_t *)v) : NULL;
}

static int step(struct tstate *st)
{
	if (st->max_steps && ++st->steps > st->max_steps)
		return errorf(st, "execution takes more than %llu steps", (unsigned long long)st->max_steps);
	return 0;
}

/* print-side errors of print.c */
static int printed(struct tstate *st, struct cc_strbuf *sb, int r)
{
	if (r == TV_DEEP)
		return errorf(st, "value nests deeper than %d", CC_TEMPLATE_MAX_DATA_DEPTH);
	return tx_fits(st, sb) ? 0 : -1;
}

/* ---- variables ---- */

static int push(struct tstate *st, const char *name, json_t *v)
{
	if (st->nvars == st->capvars) {
		size_t cap = st->capvars ? st->capvars * 2 : 16;
		struct tvar *nv = realloc(st->vars, cap * sizeof(*nv));
		if (nv == NULL) {
			json_decref(v);
			return tx_oom(st);
		}
		st->vars = nv;
		st->capvars = cap;
	}
	st->vars[st->nvars++] = (struct tvar){ name, v };
	return 0;
}

static void pop(struct tstate *st, size_t mark)
{
	while (st->nvars > mark)
		json_decref(st->vars[--st->nvars].v);
}

static struct tvar *find_var(struct tstate *st, const char *name)
{
	for (size_t i = st->nvars; i-- > 0;)
		if (strcmp(st->vars[i].name, name) == 0)
			return &st->vars[i];
	return NULL;
}

static int set_var(struct tstate *st, const char *name, json_t *v)
{
	struct tvar *var = find_var(st, name);
	if (var == NULL) {
		json_decref(v);
		return errorf(st, "undefined variable: %s", name);
	}
	json_decref(var->v);
	var->v = v;
	return 0;
}

/* ---- evaluation ---- */

static int eval_pipeline(struct tstate *st, json_t *dot, const struct node *pipe, bool decl, json_t **ret);
static int eval_arg(struct tstate *st, json_t *dot, enum arg_kind kind, const struct node *n, json_t **ret);

static const char *kind_name(enum arg_kind k)
{
	return k == K_STRING ? "string" : k == K_INT ? "int" : "interface {}";
}

static int not_a_function(struct tstate *st, const struct node *cmd, bool has_final)
{
	if (cmd == NULL || (cmd->nkid <= 1 && !has_final))
		return 0;
	struct cc_strbuf sb = { 0 };
	tp_node_string(&sb, cmd->kid[0]);
	errorf(st, "can't give argument to non-function %s", sb.buf ? sb.buf : "");
	cc_strbuf_release(&sb);
	return -1;
}

/* Go's validateType for the kind of parameter; takes v */
static int validate(struct tstate *st, json_t *v, enum arg_kind kind, json_t **ret)
{
	if (v == NULL) {
		if (kind == K_VALUE || kind == K_ANY) {
			*ret = kind == K_ANY ? json_null() : NULL;
			return 0;
		}
		return errorf(st, "invalid value; expected %s", kind_name(kind));
	}
	if ((kind == K_STRING && !json_is_string(v)) || (kind == K_INT && !json_is_integer(v))) {
		const char *got = json_is_null(v) ? "interface {}" : tv_type(v);
		json_decref(v);
		return errorf(st, "wrong type for value; expected %s; got %s", kind_name(kind), got);
	}
	*ret = v;
	return 0;
}

static int ideal_constant(struct tstate *st, const struct node *n, json_t **ret)
{
	st->at = n;
	if (n->lit == NULL)
		return errorf(st, "%.*s overflows int", (int)n->srclen, n->src);
	*ret = ref(n->lit);
	return 0;
}

/* The header row's value for a field chain: its last field's header */
static int header_of(struct tstate *st, const char *field, json_t **ret)
{
	const json_t *h = json_object_get(st->headers, field);
	if (json_is_string(h)) {
		*ret = ref(h);
		return 0;
	}
	struct cc_strbuf sb = { 0 };
	tt_map_upper(&sb, field, strlen(field));
	*ret = tx_string(st, sb.buf, sb.len);
	cc_strbuf_release(&sb);
	return *ret ? 0 : tx_oom(st);
}

static int eval_field(struct tstate *st, const char *name, size_t nargs, bool has_final, const json_t *receiver,
		      json_t **ret)
{
	*ret = NULL;
	if (receiver == NULL)
		return 0;
	if (json_is_null(receiver))
		return errorf(st, "nil pointer evaluating interface {}.%s", name);
	if (json_is_object(receiver)) {
		if (nargs > 1 || has_final)
			return errorf(st, "%s is not a method but has arguments", name);
		*ret = ref(json_object_get(receiver, name));
		if (*ret == NULL && st->t->missingkey_error)
			return errorf(st, "map has no entry for key \"%s\"", name);
		return 0;
	}
	return errorf(st, "can't evaluate field %s in type %s", name, tv_type(receiver));
}

static int eval_field_chain(struct tstate *st, const json_t *receiver, char *const *names, size_t n, size_t nargs,
			    bool has_final, json_t **ret)
{
	if (st->header)
		return header_of(st, names[n - 1], ret);
	json_t *r = ref(receiver);
	for (size_t i = 0; i < n; i++) {
		json_t *nr;
		bool last = i == n - 1;
		int k = eval_field(st, names[i], last ? nargs : 0, last && has_final, r, &nr);
		json_decref(r);
		if (k < 0)
			return -1;
		r = nr;
	}
	*ret = r;
	return 0;
}

static int eval_variable(struct tstate *st, const struct node *var, const struct node *cmd, bool has_final,
			 json_t **ret)
{
	st->at = var;
	struct tvar *v = find_var(st, var->name[0]);
	if (v == NULL)
		return errorf(st, "undefined variable: %s", var->name[0]);
	if (var->nname == 1) {
		if (not_a_function(st, cmd, has_final) < 0)
			return -1;
		*ret = ref(v->v);
		return 0;
	}
	return eval_field_chain(st, v->v, var->name + 1, var->nname - 1, cmd ? cmd->nkid : 0, has_final, ret);
}

static int eval_chain(struct tstate *st, json_t *dot, const struct node *chain, size_t nargs, bool has_final,
		      json_t **ret)
{
	st->at = chain;
	if (chain->pipe->type == N_NIL) {
		struct cc_strbuf sb = { 0 };
		tp_node_string(&sb, chain);
		errorf(st, "indirection through explicit nil in %s", sb.buf ? sb.buf : "");
		cc_strbuf_release(&sb);
		return -1;
	}
	json_t *v;
	if (eval_arg(st, dot, K_VALUE, chain->pipe, &v) < 0)
		return -1;
	st->at = chain;
	int r = eval_field_chain(st, v, chain->name, chain->nname, nargs, has_final, ret);
	json_decref(v);
	return r;
}

/* A function call: args[0] is the name, args[1..] its arguments (args NULL:
 * none), final the piped value when has_final; cmd is what "error calling"
 * points at. */
static int eval_function(struct tstate *st, json_t *dot, const struct node *ident, const struct node *cmd,
			 struct node *const *args, size_t nargs, bool has_final, json_t *final, json_t **ret)
{
	st->at = ident;
	const struct tfunc *f = ident->fn;
	bool header = st->header && f->hn > 0;
	size_t argn = nargs > 0 ? nargs - 1 : 0, num_in = argn + has_final;
	size_t nfixed = header ? f->hn : f->nfixed;
	if (!header && f->variadic) {
		if (num_in < nfixed)
			return errorf(st, "wrong number of args for %s: want at least %zu got %zu", f->name, nfixed, argn);
	} else if (num_in != nfixed) {
		return errorf(st, "wrong number of args for %s: want %zu got %zu", f->name, nfixed, num_in);
	}
	*ret = NULL;
	if (f->fn == NULL) { /* and, or: the first value that decides, evaluated as needed */
		bool is_or = f->name[0] == 'o';
		json_t *v = NULL;
		for (size_t i = 0; i < argn; i++) {
			json_decref(v);
			if (eval_arg(st, dot, K_VALUE, args[i + 1], &v) < 0)
				return -1;
			if (tx_truth(v) == is_or) {
				*ret = v;
				return 0;
			}
		}
		if (has_final) {
			json_decref(v);
			v = ref(final);
		}
		*ret = v;
		return 0;
	}
	json_t **vals = calloc(num_in ? num_in : 1, sizeof(*vals));
	if (vals == NULL)
		return tx_oom(st);
	int r = 0;
	for (size_t i = 0; i < num_in && r == 0; i++) {
		enum arg_kind k = header ? f->hkind[i] : i < f->nfixed ? f->kind[i] : f->rest;
		if (i < argn)
			r = eval_arg(st, dot, k, args[i + 1], &vals[i]);
		else
			r = validate(st, ref(final), k, &vals[i]);
	}
	if (r == 0) {
		st->at = cmd;
		st->calling = f->name;
		if (header)
			*ret = ref(vals[0]);
		else
			r = f->fn(st, vals, num_in, ret);
	}
	for (size_t i = 0; i < num_in; i++)
		json_decref(vals[i]);
	free(vals);
	return r;
}

/* A method of the root's (cc_template_exec_methods): its one string
 * argument, from the command or the pipe, looked up in the method's
 * object; "" when absent, as docker's Label returns. */
static int eval_method(struct tstate *st, json_t *dot, const struct node *cmd, const json_t *map, bool has_final,
		       json_t *final, json_t **ret)
{
	const struct node *first = cmd->kid[0];
	size_t argn = cmd->nkid - 1 + has_final;
	if (argn != 1)
		return errorf(st, "wrong number of args for %s: want 1 got %zu", first->name[0], argn);
	json_t *key = NULL;
	if (has_final) {
		if (!json_is_string(final))
			return errorf(st, "wrong type for value; expected string; got %s", tv_type(final));
		key = ref(final);
	} else if (eval_arg(st, dot, K_STRING, cmd->kid[1], &key) < 0) {
		return -1;
	}
	st->at = first;
	const json_t *v = json_object_get(map, json_string_value(key));
	json_decref(key);
	*ret = json_is_string(v) ? ref(v) : tx_string(st, "", 0);
	return *ret ? 0 : tx_oom(st);
}

static int eval_command(struct tstate *st, json_t *dot, const struct node *cmd, bool has_final, json_t *final,
			json_t **ret)
{
	const struct node *first = cmd->kid[0];
	*ret = NULL;
	if (step(st) < 0)
		return -1;
	switch (first->type) {
	case N_FIELD:
		st->at = first;
		if (first->nname == 1 && dot == st->root && st->methods != NULL && !st->header) {
			const json_t *m = json_object_get(st->methods, first->name[0]);
			if (json_is_object(m))
				return eval_method(st, dot, cmd, m, has_final, final, ret);
		}
		return eval_field_chain(st, dot, first->name, first->nname, cmd->nkid, has_final, ret);
	case N_CHAIN:
		return eval_chain(st, dot, first, cmd->nkid, has_final, ret);
	case N_IDENT:
		return eval_function(st, dot, first, cmd, cmd->kid, cmd->nkid, has_final, final, ret);
	case N_PIPE:
		if (not_a_function(st, cmd, has_final) < 0)
			return -1;
		return eval_pipeline(st, dot, first, true, ret);
	case N_VAR:
		return eval_variable(st, first, cmd, has_final, ret);
	default:
		break;
	}
	st->at = first;
	if (not_a_function(st, cmd, has_final) < 0)
		return -1;
	switch (first->type) {
	case N_BOOL:
	case N_STRING:
		*ret = ref(first->lit);
		return 0;
	case N_DOT:
		*ret = ref(dot);
		return 0;
	case N_NUMBER:
		return ideal_constant(st, first, ret);
	default:
		return errorf(st, "nil is not a command");
	}
}

static int eval_arg(struct tstate *st, json_t *dot, enum arg_kind kind, const struct node *n, json_t **ret)
{
	json_t *v = NULL;
	int r;
	st->at = n;
	*ret = NULL;
	switch (n->type) {
	case N_DOT:
		return validate(st, ref(dot), kind, ret);
	case N_NIL:
		if (kind == K_VALUE || kind == K_ANY) {
			*ret = kind == K_ANY ? json_null() : NULL;
			return 0;
		}
		return errorf(st, "cannot assign nil to %s", kind_name(kind));
	case N_FIELD:
		r = eval_field_chain(st, dot, n->name, n->nname, 1, false, &v);
		break;
	case N_VAR:
		r = eval_variable(st, n, NULL, false, &v);
		break;
	case N_PIPE:
		r = eval_pipeline(st, dot, n, true, &v);
		break;
	case N_IDENT:
		r = eval_function(st, dot, n, n, NULL, 0, false, NULL, &v);
		break;
	case N_CHAIN:
		r = eval_chain(st, dot, n, 0, false, &v);
		break;
	default: { /* a literal */
		struct cc_strbuf sb = { 0 };
		if (kind == K_STRING && n->type == N_STRING) {
			*ret = ref(n->lit);
			return 0;
		}
		if (kind == K_INT && n->type == N_NUMBER && n->is_int) {
			*ret = json_integer(n->lit_int);
			return *ret ? 0 : tx_oom(st);
		}
		if (kind == K_VALUE || kind == K_ANY) {
			if (n->type == N_NUMBER)
				return ideal_constant(st, n, ret);
			*ret = ref(n->lit);
			return 0;
		}
		tp_node_string(&sb, n);
		errorf(st, "expected %s; found %s", kind == K_INT ? "integer" : "string", sb.buf ? sb.buf : "");
		cc_strbuf_release(&sb);
		return -1;
	}
	}
	if (r < 0)
		return -1;
	st->at = n;
	return validate(st, v, kind, ret);
}

/* decl: declare or assign the pipeline's variables (range does its own) */
static int eval_pipeline(struct tstate *st, json_t *dot, const struct node *pipe, bool decl, json_t **ret)
{
	json_t *v = NULL;
	st->at = pipe;
	*ret = NULL;
	for (size_t i = 0; i < pipe->nkid; i++) {
		json_t *nv;
		int r = eval_command(st, dot, pipe->kid[i], i > 0, v, &nv);
		json_decref(v);
		if (r < 0)
			return -1;
		v = nv;
		if (v && json_is_null(v)) { /* nil out of an interface{}: invalid */
			json_decref(v);
			v = NULL;
		}
	}
	for (size_t i = 0; decl && i < pipe->nname; i++) {
		int r = pipe->assign ? set_var(st, pipe->name[i], ref(v)) : push(st, pipe->name[i], ref(v));
		if (r < 0) {
			json_decref(v);
			return -1;
		}
	}
	*ret = v;
	return 0;
}

/* ---- statements ---- */

enum { W_OK = 0, W_BREAK = 1, W_CONTINUE = 2 };

static int walk(struct tstate *st, json_t *dot, const struct node *n);

static int walk_if_with(struct tstate *st, json_t *dot, const struct node *n)
{
	size_t mark = st->nvars;
	json_t *v;
	int r = eval_pipeline(st, dot, n->pipe, true, &v);
	if (r == 0) {
		if (tx_truth(v))
			r = walk(st, n->type == N_WITH ? v : dot, n->list);
		else if (n->elist)
			r = walk(st, dot, n->elist);
	}
	json_decref(v);
	pop(st, mark);
	return r;
}

/* One pass of a range body: key and elem for the variables, elem as dot */
static int one_iteration(struct tstate *st, const struct node *n, json_t *key, json_t *elem)
{
	size_t mark = st->nvars;
	const struct node *pipe = n->pipe;
	int r = step(st);
	if (r == 0 && pipe->nname > 0) {
		json_t *first = pipe->nname == 2 ? key : elem;
		if (pipe->assign) {
			r = set_var(st, pipe->name[0], ref(first));
			if (r == 0 && pipe->nname == 2)
				r = set_var(st, pipe->name[1], ref(elem));
		} else { /* the variables pushed last, in order */
			size_t base = st->nvars - pipe->nname;
			json_decref(st->vars[base].v);
			st->vars[base].v = ref(first);
			if (pipe->nname == 2) {
				json_decref(st->vars[base + 1].v);
				st->vars[base + 1].v = ref(elem);
			}
		}
	}
	if (r == 0)
		r = walk(st, elem, n->list);
	pop(st, mark);
	json_decref(key);
	return r;
}

static int walk_range(struct tstate *st, json_t *dot, const struct node *n)
{
	size_t mark = st->nvars;
	json_t *v;
	if (eval_pipeline(st, dot, n->pipe, false, &v) < 0)
		return -1;
	int r = 0;
	for (size_t i = 0; !n->pipe->assign && i < n->pipe->nname && r == 0; i++)
		r = push(st, n->pipe->name[i], ref(v));
	bool ran = false;
	switch (v && r == 0 ? json_typeof(v) : JSON_NULL) {
	case JSON_ARRAY:
		for (size_t i = 0; i < json_array_size(v) && r != W_BREAK && r >= 0; i++) {
			json_t *k = json_integer((json_int_t)i);
			r = k ? one_iteration(st, n, k, json_array_get(v, i)) : tx_oom(st);
			ran = true;
		}
		break;
	case JSON_OBJECT: {
		struct tkey *keys;
		size_t nk;
		if (tv_sorted_keys(v, &keys, &nk) < 0) {
			r = tx_oom(st);
			break;
		}
		for (size_t i = 0; i < nk && r != W_BREAK && r >= 0; i++) {
			json_t *k = tx_string(st, keys[i].s, keys[i].n);
			r = k ? one_iteration(st, n, k, keys[i].v) : -1;
			ran = true;
		}
		free(keys);
		break;
	}
	case JSON_INTEGER: /* Go 1.22: 0 .. n-1 */
		if (n->pipe->nname > 1) {
			st->at = n->pipe;
			r = errorf(st, "can't use %" JSON_INTEGER_FORMAT " to iterate over more than one variable",
				   json_integer_value(v));
			break;
		}
		for (json_int_t i = 0; i < json_integer_value(v) && r != W_BREAK && r >= 0; i++) {
			json_t *e = json_integer(i);
			r = e ? one_iteration(st, n, NULL, e) : tx_oom(st);
			json_decref(e);
			ran = true;
		}
		break;
	case JSON_NULL: /* nothing to range over: {{else}} */
		break;
	default: {
		struct cc_strbuf sb = { 0 };
		(void)tv_print(&sb, v, 200);
		st->at = n->pipe;
		r = errorf(st, "range can't iterate over %.*s%s", sb.len > 200 ? 200 : (int)sb.len, sb.buf ? sb.buf : "",
			   sb.len > 200 ? "..." : "");
		cc_strbuf_release(&sb);
	}
	}
	if (r >= 0)
		r = 0;
	if (r == 0 && !ran && n->elist)
		r = walk(st, dot, n->elist);
	json_decref(v);
	pop(st, mark);
	return r;
}

static int walk(struct tstate *st, json_t *dot, const struct node *n)
{
	if (step(st) < 0)
		return -1;
	switch (n->type) {
	case N_LIST:
		for (size_t i = 0; i < n->nkid; i++) {
			int r = walk(st, dot, n->kid[i]);
			if (r != 0)
				return r;
		}
		return 0;
	case N_TEXT:
		cc_strbuf_add(st->out, n->text, n->len);
		return tx_fits(st, st->out) ? 0 : -1;
	case N_ACTION: {
		json_t *v;
		if (eval_pipeline(st, dot, n->pipe, true, &v) < 0)
			return -1;
		int r = 0;
		if (n->pipe->nname == 0) {
			st->at = n;
			r = printed(st, st->out, tv_print(st->out, v, st->max_bytes ? st->out_base + st->max_bytes : 0));
		}
		json_decref(v);
		return r;
	}
	case N_IF:
	case N_WITH:
		return walk_if_with(st, dot, n);
	case N_RANGE:
		return walk_range(st, dot, n);
	case N_BREAK:
		return W_BREAK;
	case N_CONTINUE:
		return W_CONTINUE;
	default:
		return errorf(st, "unexpected node");
	}
}

size_t tx_max(const struct tstate *st)
{
	return st->max_bytes;
}

static int execute(const struct cc_template *t, const json_t *data, const json_t *methods, bool header,
		   const json_t *headers, const struct cc_template_limits *lim, struct cc_strbuf *out, cc_error **err)
{
	struct tstate st = {
		.t = t,
		.out = out,
		.out_base = out->len,
		.headers = headers,
		.root = header ? headers : data,
		.methods = methods,
		.header = header,
		.max_steps = lim ? lim->max_steps : 0,
		.max_bytes = lim ? lim->max_bytes : 0,
	};
	json_t *dot = ref(header ? headers : data);
	int r = push(&st, "$", ref(dot));
	if (r == 0)
		r = walk(&st, dot, t->root) < 0 ? -1 : 0;
	pop(&st, 0);
	free(st.vars);
	json_decref(dot);
	if (r == 0 && out->oom)
		st.oom = true;
	if (st.oom) {
		free(st.msg);
		return cc_error_set(err, ENOMEM, "template");
	}
	if (r < 0) {
		r = cc_error_setk(err, CC_ERR_INVALID, 0, "%s", st.msg ? st.msg : "template: execution failed");
		free(st.msg);
		return r;
	}
	return 0;
}

int cc_template_exec(const struct cc_template *t, const json_t *data, struct cc_strbuf *out, cc_error **err)
{
	return execute(t, data, NULL, false, NULL, NULL, out, err);
}

int cc_template_exec_limited(const struct cc_template *t, const json_t *data, const struct cc_template_limits *lim,
			     struct cc_strbuf *out, cc_error **err)
{
	return execute(t, data, NULL, false, NULL, lim, out, err);
}

int cc_template_exec_methods(const struct cc_template *t, const json_t *data, const json_t *methods,
			     const struct cc_template_limits *lim, struct cc_strbuf *out, cc_error **err)
{
	return execute(t, data, methods, false, NULL, lim, out, err);
}

int tx_exec_header(const struct cc_template *t, const json_t *headers, const struct cc_template_limits *lim,
		   struct cc_strbuf *out, cc_error **err)
{
	return execute(t, NULL, NULL, true, headers, lim, out, err);
}
