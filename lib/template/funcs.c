/* The functions: Go's builtins (text/template/funcs.go) and docker's
 * (docker/cli templates/templates.go), with their messages. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "template-internal.h"

/* A string made in sb as the result; sb released. */
static int result(struct tstate *st, struct cc_strbuf *sb, int printed, json_t **ret)
{
	int r = 0;
	if (printed == TV_DEEP)
		r = tx_fail(st, "value nests deeper than %d", CC_TEMPLATE_MAX_DATA_DEPTH);
	else if (!tx_fits(st, sb))
		r = -1;
	else if ((*ret = tx_string(st, sb->buf, sb->len)) == NULL)
		r = -1;
	cc_strbuf_release(sb);
	return r;
}

static int boolean(struct tstate *st, bool b, json_t **ret)
{
	(void)st;
	*ret = json_boolean(b);
	return 0;
}

/* ---- Go's builtins ---- */

static int fn_not(struct tstate *st, json_t **a, size_t n, json_t **ret)
{
	(void)n;
	return boolean(st, !tx_truth(a[0]), ret);
}

static int fn_len(struct tstate *st, json_t **a, size_t n, json_t **ret)
{
	(void)n;
	size_t len;
	switch (a[0] ? json_typeof(a[0]) : JSON_NULL) {
	case JSON_STRING:
		len = json_string_length(a[0]);
		break;
	case JSON_ARRAY:
		len = json_array_size(a[0]);
		break;
	case JSON_OBJECT:
		len = json_object_size(a[0]);
		break;
	case JSON_NULL:
		return tx_fail(st, a[0] ? "len of nil pointer" : "len of untyped nil");
	default:
		return tx_fail(st, "len of type %s", tv_type(a[0]));
	}
	*ret = json_integer((json_int_t)len);
	return *ret ? 0 : tx_oom(st);
}

/* Go's indexArg: an int index into something of length cap */
static int index_arg(struct tstate *st, const json_t *index, size_t cap, size_t *ret)
{
	if (index == NULL || json_is_null(index))
		return tx_fail(st, "cannot index slice/array with nil");
	if (!json_is_integer(index))
		return tx_fail(st, "cannot index slice/array with type %s", tv_type(index));
	json_int_t x = json_integer_value(index);
	if (x < 0 || (uint64_t)x > cap)
		return tx_fail(st, "index out of range: %" JSON_INTEGER_FORMAT, x);
	*ret = (size_t)x;
	return 0;
}

static int fn_index(struct tstate *st, json_t **a, size_t n, json_t **ret)
{
	json_t *item = a[0];
	if (item == NULL || json_is_null(item))
		return tx_fail(st, "index of untyped nil");
	json_incref(item);
	for (size_t i = 1; i < n; i++) {
		json_t *next = NULL;
		size_t x;
		int r = 0;
		switch (json_typeof(item)) {
		case JSON_ARRAY:
		case JSON_STRING: {
			size_t len = json_is_array(item) ? json_array_size(item) : json_string_length(item);
			r = index_arg(st, a[i], len, &x);
			if (r == 0 && x == len)
				r = tx_fail(st, "index out of range: %zu", x);
			if (r == 0 && json_is_array(item))
				next = json_incref(json_array_get(item, x));
			else if (r == 0 && (next = json_integer((unsigned char)json_string_value(item)[x])) == NULL)
				r = tx_oom(st);
			break;
		}
		case JSON_OBJECT:
			if (a[i] == NULL || json_is_null(a[i]))
				r = tx_fail(st, "value is nil; should be of type string");
			else if (!json_is_string(a[i]))
				r = tx_fail(st, "value has type %s; should be string", tv_type(a[i]));
			else if ((next = json_object_getn(item, json_string_value(a[i]), json_string_length(a[i]))))
				json_incref(next);
			else
				next = json_null(); /* the zero value of interface{} */
			break;
		case JSON_NULL:
			r = tx_fail(st, "index of nil pointer");
			break;
		default:
			r = tx_fail(st, "can't index item of type %s", tv_type(item));
		}
		json_decref(item);
		if (r < 0)
			return -1;
		item = next;
	}
	*ret = item;
	return 0;
}

static int fn_slice(struct tstate *st, json_t **a, size_t n, json_t **ret)
{
	json_t *item = a[0];
	if (item == NULL || json_is_null(item))
		return tx_fail(st, "slice of untyped nil");
	if (n - 1 > 3)
		return tx_fail(st, "too many slice indexes: %zu", n - 1);
	size_t len;
	if (json_is_string(item)) {
		if (n - 1 == 3)
			return tx_fail(st, "cannot 3-index slice a string");
		len = json_string_length(item);
	} else if (json_is_array(item)) {
		len = json_array_size(item);
	} else {
		return tx_fail(st, "can't slice item of type %s", tv_type(item));
	}
	size_t idx[3] = { 0, len, len };
	for (size_t i = 1; i < n; i++)
		if (index_arg(st, a[i], len, &idx[i - 1]) < 0)
			return -1;
	if (idx[0] > idx[1])
		return tx_fail(st, "invalid slice index: %zu > %zu", idx[0], idx[1]);
	if (n - 1 == 3 && idx[1] > idx[2])
		return tx_fail(st, "invalid slice index: %zu > %zu", idx[1], idx[2]);
	if (json_is_string(item)) {
		*ret = tx_string(st, json_string_value(item) + idx[0], idx[1] - idx[0]);
		return *ret ? 0 : -1;
	}
	json_t *s = json_array();
	for (size_t i = idx[0]; s && i < idx[1]; i++)
		if (json_array_append(s, json_array_get(item, i)) < 0) {
			json_decref(s);
			s = NULL;
		}
	*ret = s;
	return s ? 0 : tx_oom(st);
}

/* basicKind: NIL for nil and <no value>, OTHER for arrays and objects */
enum kind { K_NIL, K_BOOL, K_INTK, K_FLOAT, K_STR, K_OTHER };

static enum kind basic_kind(const json_t *v)
{
	switch (v ? json_typeof(v) : JSON_NULL) {
	case JSON_TRUE:
	case JSON_FALSE:
		return K_BOOL;
	case JSON_INTEGER:
		return K_INTK;
	case JSON_REAL:
		return K_FLOAT;
	case JSON_STRING:
		return K_STR;
	case JSON_NULL:
		return K_NIL;
	default:
		return K_OTHER;
	}
}

static int eq2(struct tstate *st, const json_t *x, const json_t *y, bool *ret)
{
	enum kind k1 = basic_kind(x), k2 = basic_kind(y);
	*ret = false;
	if ((k1 == K_NIL || k1 == K_OTHER) && (k2 == K_NIL || k2 == K_OTHER)) {
		/* Go: both "invalid kind": a nil equals a nil, not a slice or a
		 * map; slices and maps do not compare */
		if (k1 == K_NIL || k2 == K_NIL) {
			*ret = k1 == k2;
			return 0;
		}
		if (json_typeof(x) == json_typeof(y))
			return tx_fail(st, "non-comparable type %s", tv_type(x));
		return tx_fail(st, "non-comparable types %s, %s", tv_type(x), tv_type(y));
	}
	if (k1 != k2)
		return k1 == K_NIL || k2 == K_NIL ? 0 : tx_fail(st, "incompatible types for comparison");
	switch (k1) {
	case K_BOOL:
		*ret = json_is_true(x) == json_is_true(y);
		break;
	case K_INTK:
		*ret = json_integer_value(x) == json_integer_value(y);
		break;
	case K_FLOAT:
		*ret = json_real_value(x) == json_real_value(y);
		break;
	default:
		*ret = json_string_length(x) == json_string_length(y) &&
		       memcmp(json_string_value(x), json_string_value(y), json_string_length(x)) == 0;
	}
	return 0;
}

static int fn_eq(struct tstate *st, json_t **a, size_t n, json_t **ret)
{
	if (n < 2)
		return tx_fail(st, "missing argument for comparison");
	for (size_t i = 1; i < n; i++) {
		bool t;
		if (eq2(st, a[0], a[i], &t) < 0)
			return -1;
		if (t)
			return boolean(st, true, ret);
	}
	return boolean(st, false, ret);
}

static int fn_ne(struct tstate *st, json_t **a, size_t n, json_t **ret)
{
	bool t;
	(void)n;
	if (eq2(st, a[0], a[1], &t) < 0)
		return -1;
	return boolean(st, !t, ret);
}

static int lt2(struct tstate *st, const json_t *x, const json_t *y, bool *ret)
{
	enum kind k1 = basic_kind(x), k2 = basic_kind(y);
	if (k1 == K_NIL || k1 == K_OTHER || k2 == K_NIL || k2 == K_OTHER)
		return tx_fail(st, "invalid type for comparison");
	if (k1 != k2)
		return tx_fail(st, "incompatible types for comparison");
	switch (k1) {
	case K_INTK:
		*ret = json_integer_value(x) < json_integer_value(y);
		return 0;
	case K_FLOAT:
		*ret = json_real_value(x) < json_real_value(y);
		return 0;
	case K_STR: {
		size_t nx = json_string_length(x), ny = json_string_length(y);
		int c = memcmp(json_string_value(x), json_string_value(y), nx < ny ? nx : ny);
		*ret = c < 0 || (c == 0 && nx < ny);
		return 0;
	}
	default:
		return tx_fail(st, "invalid type for comparison");
	}
}

static int fn_lt(struct tstate *st, json_t **a, size_t n, json_t **ret)
{
	bool t;
	(void)n;
	return lt2(st, a[0], a[1], &t) < 0 ? -1 : boolean(st, t, ret);
}

static int le2(struct tstate *st, const json_t *x, const json_t *y, bool *ret)
{
	if (lt2(st, x, y, ret) < 0)
		return -1;
	return *ret ? 0 : eq2(st, x, y, ret);
}

static int fn_le(struct tstate *st, json_t **a, size_t n, json_t **ret)
{
	bool t;
	(void)n;
	return le2(st, a[0], a[1], &t) < 0 ? -1 : boolean(st, t, ret);
}

static int fn_gt(struct tstate *st, json_t **a, size_t n, json_t **ret)
{
	bool t;
	(void)n;
	return le2(st, a[0], a[1], &t) < 0 ? -1 : boolean(st, !t, ret);
}

static int fn_ge(struct tstate *st, json_t **a, size_t n, json_t **ret)
{
	bool t;
	(void)n;
	return lt2(st, a[0], a[1], &t) < 0 ? -1 : boolean(st, !t, ret);
}

static int fn_print(struct tstate *st, json_t **a, size_t n, json_t **ret)
{
	struct cc_strbuf sb = { 0 };
	return result(st, &sb, tv_sprint(&sb, a, n, false, tx_max(st)), ret);
}

static int fn_println(struct tstate *st, json_t **a, size_t n, json_t **ret)
{
	struct cc_strbuf sb = { 0 };
	return result(st, &sb, tv_sprint(&sb, a, n, true, tx_max(st)), ret);
}

static int fn_printf(struct tstate *st, json_t **a, size_t n, json_t **ret)
{
	struct cc_strbuf sb = { 0 };
	int r = tv_sprintf(&sb, json_string_value(a[0]), json_string_length(a[0]), a + 1, n - 1, tx_max(st));
	return result(st, &sb, r, ret);
}

/* evalArgs of html, js, urlquery: one string as it is, else fmt.Sprint */
static int eval_args(struct tstate *st, json_t **a, size_t n, struct cc_strbuf *sb)
{
	if (n == 1 && json_is_string(a[0])) {
		cc_strbuf_add(sb, json_string_value(a[0]), json_string_length(a[0]));
		return 0;
	}
	int r = tv_sprint(sb, a, n, false, tx_max(st));
	if (r == TV_DEEP)
		return tx_fail(st, "value nests deeper than %d", CC_TEMPLATE_MAX_DATA_DEPTH);
	return tx_fits(st, sb) ? 0 : -1;
}

static int fn_html(struct tstate *st, json_t **a, size_t n, json_t **ret)
{
	struct cc_strbuf in = { 0 }, sb = { 0 };
	if (eval_args(st, a, n, &in) < 0) {
		cc_strbuf_release(&in);
		return -1;
	}
	cc_strbuf_add(&sb, "", 0);
	for (size_t i = 0; i < in.len; i++) {
		switch (in.buf[i]) {
		case '"': cc_strbuf_add(&sb, "&#34;", 5); break;
		case '\'': cc_strbuf_add(&sb, "&#39;", 5); break;
		case '&': cc_strbuf_add(&sb, "&amp;", 5); break;
		case '<': cc_strbuf_add(&sb, "&lt;", 4); break;
		case '>': cc_strbuf_add(&sb, "&gt;", 4); break;
		case '\0': cc_strbuf_add(&sb, "\xEF\xBF\xBD", 3); break;
		default: cc_strbuf_add(&sb, in.buf + i, 1);
		}
	}
	cc_strbuf_release(&in);
	return result(st, &sb, 0, ret);
}

static int fn_js(struct tstate *st, json_t **a, size_t n, json_t **ret)
{
	struct cc_strbuf in = { 0 }, sb = { 0 };
	if (eval_args(st, a, n, &in) < 0) {
		cc_strbuf_release(&in);
		return -1;
	}
	cc_strbuf_add(&sb, "", 0);
	for (size_t i = 0; i < in.len;) {
		uint32_t r;
		size_t l = tt_decode(in.buf + i, in.len - i, &r);
		switch (r) {
		case '\\': cc_strbuf_add(&sb, "\\\\", 2); break;
		case '\'': cc_strbuf_add(&sb, "\\'", 2); break;
		case '"': cc_strbuf_add(&sb, "\\\"", 2); break;
		case '<': cc_strbuf_add(&sb, "\\u003C", 6); break;
		case '>': cc_strbuf_add(&sb, "\\u003E", 6); break;
		case '&': cc_strbuf_add(&sb, "\\u0026", 6); break;
		case '=': cc_strbuf_add(&sb, "\\u003D", 6); break;
		default:
			if (r < ' ' || (r >= 0x80 && !tt_isprint(r)))
				cc_strbuf_addf(&sb, "\\u%04X", r);
			else
				cc_strbuf_add(&sb, in.buf + i, l);
		}
		i += l;
	}
	cc_strbuf_release(&in);
	return result(st, &sb, 0, ret);
}

static int fn_urlquery(struct tstate *st, json_t **a, size_t n, json_t **ret)
{
	struct cc_strbuf in = { 0 }, sb = { 0 };
	if (eval_args(st, a, n, &in) < 0) {
		cc_strbuf_release(&in);
		return -1;
	}
	cc_strbuf_add(&sb, "", 0);
	for (size_t i = 0; i < in.len; i++) {
		unsigned char c = (unsigned char)in.buf[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("-_.~", c))
			cc_strbuf_add(&sb, in.buf + i, 1);
		else if (c == ' ')
			cc_strbuf_add(&sb, "+", 1);
		else
			cc_strbuf_addf(&sb, "%%%02X", c);
	}
	cc_strbuf_release(&in);
	return result(st, &sb, 0, ret);
}

/* ---- docker's ---- */

static int fn_json(struct tstate *st, json_t **a, size_t n, json_t **ret)
{
	struct cc_strbuf sb = { 0 };
	(void)n;
	return result(st, &sb, tv_json(&sb, a[0], tx_max(st)), ret);
}

static int fn_split(struct tstate *st, json_t **a, size_t n, json_t **ret)
{
	(void)n;
	const char *s = json_string_value(a[0]), *sep = json_string_value(a[1]);
	size_t len = json_string_length(a[0]), slen = json_string_length(a[1]);
	json_t *list = json_array();
	size_t start = 0;
	for (size_t i = 0; list && i < len;) {
		size_t l = 0;
		if (slen == 0) { /* one element a character, a stray byte alone */
			uint32_t cp;
			l = tt_decode(s + i, len - i, &cp);
			if (json_array_append_new(list, tx_string(st, s + i, l)) < 0)
				goto oom;
			i += l;
			start = i;
			continue;
		}
		if (len - i >= slen && memcmp(s + i, sep, slen) == 0) {
			if (json_array_append_new(list, tx_string(st, s + start, i - start)) < 0)
				goto oom;
			i += slen;
			start = i;
		} else {
			i++;
		}
	}
	if (list && slen != 0 && json_array_append_new(list, tx_string(st, s + start, len - start)) < 0)
		goto oom;
	if (list == NULL)
		return tx_oom(st);
	*ret = list;
	return 0;
oom:
	json_decref(list);
	return tx_oom(st);
}

static int str_cmp(const void *a, const void *b)
{
	const struct cc_strbuf *x = a, *y = b;
	int c = memcmp(x->buf, y->buf, x->len < y->len ? x->len : y->len);
	return c ? c : (x->len > y->len) - (x->len < y->len);
}

static int fn_join(struct tstate *st, json_t **a, size_t n, json_t **ret)
{
	(void)n;
	json_t *elems = a[0];
	const char *sep = json_string_value(a[1]);
	size_t slen = json_string_length(a[1]);
	struct cc_strbuf sb = { 0 };
	int r = 0;
	cc_strbuf_add(&sb, "", 0);
	if (json_is_array(elems)) {
		for (size_t i = 0; i < json_array_size(elems) && r == 0; i++) {
			if (i)
				cc_strbuf_add(&sb, sep, slen);
			json_t *e = json_array_get(elems, i);
			r = tv_sprint(&sb, &e, 1, false, tx_max(st));
		}
		return result(st, &sb, r, ret);
	}
	if (json_is_object(elems)) { /* the values, printed, in sorted order */
		size_t nv = json_object_size(elems), k = 0;
		struct cc_strbuf *vals = calloc(nv ? nv : 1, sizeof(*vals));
		if (vals == NULL)
			return tx_oom(st);
		for (void *it = json_object_iter(elems); it && k < nv && r == 0; it = json_object_iter_next(elems, it)) {
			json_t *e = json_object_iter_value(it);
			r = tv_sprint(&vals[k], &e, 1, false, tx_max(st));
			cc_strbuf_add(&vals[k++], "", 0);
		}
		bool oom = false;
		for (size_t i = 0; i < k; i++)
			oom |= vals[i].oom;
		if (!oom && r == 0)
			qsort(vals, k, sizeof(*vals), str_cmp);
		for (size_t i = 0; i < k; i++) {
			if (i)
				cc_strbuf_add(&sb, sep, slen);
			if (!oom)
				cc_strbuf_add(&sb, vals[i].buf, vals[i].len);
			cc_strbuf_release(&vals[i]);
		}
		free(vals);
		if (oom)
			sb.oom = true;
		return result(st, &sb, r, ret);
	}
	cc_strbuf_release(&sb);
	if (elems == NULL || json_is_null(elems)) {
		*ret = tx_string(st, "", 0);
		return *ret ? 0 : -1;
	}
	return tx_fail(st, "expected slice, got %s", tv_type(elems));
}

static int mapped(struct tstate *st, json_t **a, void (*f)(struct cc_strbuf *, const char *, size_t), json_t **ret)
{
	struct cc_strbuf sb = { 0 };
	cc_strbuf_add(&sb, "", 0);
	f(&sb, json_string_value(a[0]), json_string_length(a[0]));
	return result(st, &sb, 0, ret);
}

static int fn_title(struct tstate *st, json_t **a, size_t n, json_t **ret)
{
	(void)n;
	return mapped(st, a, tt_map_title, ret);
}

static int fn_lower(struct tstate *st, json_t **a, size_t n, json_t **ret)
{
	(void)n;
	return mapped(st, a, tt_map_lower, ret);
}

static int fn_upper(struct tstate *st, json_t **a, size_t n, json_t **ret)
{
	(void)n;
	return mapped(st, a, tt_map_upper, ret);
}

/* padWithSpace: spaces around a string that is not empty */
static int fn_pad(struct tstate *st, json_t **a, size_t n, json_t **ret)
{
	(void)n;
	json_int_t left = json_integer_value(a[1]), right = json_integer_value(a[2]);
	size_t len = json_string_length(a[0]);
	if (len == 0)
		return *ret = json_incref(a[0]), 0;
	if (left < 0 || right < 0)
		return tx_fail(st, "strings: negative Repeat count");
	size_t max = tx_max(st);
	if ((uint64_t)left > SIZE_MAX / 4 || (uint64_t)right > SIZE_MAX / 4 ||
	    (max && (uint64_t)left + (uint64_t)right + len > max))
		return tx_fail(st, "strings: Repeat output length overflow");
	struct cc_strbuf sb = { 0 };
	char spaces[64];
	memset(spaces, ' ', sizeof(spaces));
	for (size_t k = (size_t)left; k > 0 && !sb.oom;) {
		size_t c = k < sizeof(spaces) ? k : sizeof(spaces);
		cc_strbuf_add(&sb, spaces, c);
		k -= c;
	}
	cc_strbuf_add(&sb, json_string_value(a[0]), len);
	for (size_t k = (size_t)right; k > 0 && !sb.oom;) {
		size_t c = k < sizeof(spaces) ? k : sizeof(spaces);
		cc_strbuf_add(&sb, spaces, c);
		k -= c;
	}
	return result(st, &sb, 0, ret);
}

/* truncateWithLength: the first length bytes */
static int fn_truncate(struct tstate *st, json_t **a, size_t n, json_t **ret)
{
	(void)n;
	json_int_t length = json_integer_value(a[1]);
	size_t len = json_string_length(a[0]);
	if ((json_int_t)len < length || (length >= 0 && (size_t)length == len))
		return *ret = json_incref(a[0]), 0;
	if (length < 0)
		return tx_fail(st, "runtime error: slice bounds out of range [:%" JSON_INTEGER_FORMAT "]", length);
	*ret = tx_string(st, json_string_value(a[0]), (size_t)length);
	return *ret ? 0 : -1;
}

#define V K_VALUE
#define A K_ANY
#define S K_STRING
#define I K_INT

static const struct tfunc funcs[] = {
	/* name, fn, fixed, variadic, kinds, rest, header arity, header kinds */
	{ "and", NULL, 1, true, { V }, V, 0, { 0 } },
	{ "html", fn_html, 0, true, { 0 }, A, 0, { 0 } },
	{ "index", fn_index, 1, true, { V }, V, 0, { 0 } },
	{ "js", fn_js, 0, true, { 0 }, A, 0, { 0 } },
	{ "len", fn_len, 1, false, { V }, V, 0, { 0 } },
	{ "not", fn_not, 1, false, { V }, V, 0, { 0 } },
	{ "or", NULL, 1, true, { V }, V, 0, { 0 } },
	{ "print", fn_print, 0, true, { 0 }, A, 0, { 0 } },
	{ "printf", fn_printf, 1, true, { S }, A, 0, { 0 } },
	{ "println", fn_println, 0, true, { 0 }, A, 0, { 0 } },
	{ "slice", fn_slice, 1, true, { V }, V, 0, { 0 } },
	{ "urlquery", fn_urlquery, 0, true, { 0 }, A, 0, { 0 } },
	{ "eq", fn_eq, 1, true, { V }, V, 0, { 0 } },
	{ "ge", fn_ge, 2, false, { V, V }, V, 0, { 0 } },
	{ "gt", fn_gt, 2, false, { V, V }, V, 0, { 0 } },
	{ "le", fn_le, 2, false, { V, V }, V, 0, { 0 } },
	{ "lt", fn_lt, 2, false, { V, V }, V, 0, { 0 } },
	{ "ne", fn_ne, 2, false, { V, V }, V, 0, { 0 } },
	/* docker's; the header row's versions take a string and give it back */
	{ "json", fn_json, 1, false, { A }, A, 1, { S } },
	{ "split", fn_split, 2, false, { S, S }, S, 2, { S, S } },
	{ "join", fn_join, 2, false, { A, S }, S, 2, { S, S } },
	{ "title", fn_title, 1, false, { S }, S, 1, { S } },
	{ "lower", fn_lower, 1, false, { S }, S, 1, { S } },
	{ "upper", fn_upper, 1, false, { S }, S, 1, { S } },
	{ "pad", fn_pad, 3, false, { S, I, I }, S, 0, { 0 } },
	{ "truncate", fn_truncate, 2, false, { S, I }, S, 2, { S, I } },
};

const struct tfunc *tf_lookup(const char *name)
{
	for (size_t i = 0; i < sizeof(funcs) / sizeof(funcs[0]); i++)
		if (strcmp(funcs[i].name, name) == 0)
			return &funcs[i];
	return NULL;
}
