/* What Go prints for the values a template handles: fmt's %v and printf
 * verbs (fmt/print.go, fmt/format.go, strconv's shortest floats), and
 * encoding/json as docker's json function writes it.
 *
 * Not done: %#v as Go syntax (it prints as %v), %b and %p of floats and
 * composites (bad verb), strconv.IsPrint's exact tables (tt_isprint). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template-internal.h"

struct spec {
	bool minus, plus, sharp, sharp_v, space, zero, wid_present, prec_present;
	int wid, prec;
};

struct pp {
	struct cc_strbuf *sb;
	size_t max;
	int err;
};

#define NIL_ANGLE "<nil>"

const char *tv_type(const json_t *v)
{
	switch (v ? json_typeof(v) : JSON_NULL) {
	case JSON_OBJECT:
		return "map[string]interface {}";
	case JSON_ARRAY:
		return "[]interface {}";
	case JSON_STRING:
		return "string";
	case JSON_INTEGER:
		return "int";
	case JSON_REAL:
		return "float64";
	case JSON_TRUE:
	case JSON_FALSE:
		return "bool";
	default:
		return NIL_ANGLE;
	}
}

static int key_cmp(const void *a, const void *b)
{
	const struct tkey *x = a, *y = b;
	int c = memcmp(x->s, y->s, x->n < y->n ? x->n : y->n);
	return c ? c : (x->n > y->n) - (x->n < y->n);
}

int tv_sorted_keys(const json_t *obj, struct tkey **ret, size_t *ret_n)
{
	size_t n = json_object_size(obj), i = 0;
	struct tkey *k = calloc(n ? n : 1, sizeof(*k));
	if (k == NULL)
		return -ENOMEM;
	for (void *it = json_object_iter((json_t *)obj); it && i < n; it = json_object_iter_next((json_t *)obj, it))
		k[i++] = (struct tkey){ json_object_iter_key(it), json_object_iter_key_len(it), json_object_iter_value(it) };
	qsort(k, i, sizeof(*k), key_cmp);
	*ret = k;
	*ret_n = i;
	return 0;
}

static bool over(struct pp *p)
{
	if (p->err == 0 && p->max && p->sb->len > p->max)
		p->err = TV_BIG;
	return p->err != 0 || p->sb->oom;
}

/* ---- padding (fmt.pad: width in characters) ---- */

static void padding(struct pp *p, int n, char c)
{
	char buf[64];
	memset(buf, c, sizeof(buf));
	while (n > 0 && !over(p)) {
		int k = n < (int)sizeof(buf) ? n : (int)sizeof(buf);
		cc_strbuf_add(p->sb, buf, (size_t)k);
		n -= k;
	}
}

static void pad(struct pp *p, const struct spec *f, const char *s, size_t n)
{
	size_t w = f->wid_present ? tt_runes(s, n) : 0;
	if (!f->wid_present || (size_t)f->wid <= w) {
		cc_strbuf_add(p->sb, s, n);
		return;
	}
	int fill = f->wid - (int)w;
	if (f->minus) {
		cc_strbuf_add(p->sb, s, n);
		padding(p, fill, ' ');
	} else {
		padding(p, fill, f->zero ? '0' : ' ');
		cc_strbuf_add(p->sb, s, n);
	}
}

static void pad_str(struct pp *p, const struct spec *f, const char *s)
{
	pad(p, f, s, strlen(s));
}

/* ---- strconv quoting ---- */

static void quote_with(struct cc_strbuf *sb, const char *s, size_t n, char q, bool ascii)
{
	static const char hex[] = "0123456789abcdef";
	cc_strbuf_add(sb, &q, 1);
	for (size_t i = 0; i < n;) {
		uint32_t r;
		size_t l = tt_decode(s + i, n - i, &r);
		if (l == 1 && (unsigned char)s[i] >= 0x80) { /* not UTF-8 */
			char e[4] = { '\\', 'x', hex[(unsigned char)s[i] >> 4], hex[s[i] & 15] };
			cc_strbuf_add(sb, e, 4);
		} else if (r == (uint32_t)q || r == '\\') {
			char e[2] = { '\\', (char)r };
			cc_strbuf_add(sb, e, 2);
		} else if (ascii ? r < 0x80 && tt_isprint(r) : tt_isprint(r)) {
			cc_strbuf_add(sb, s + i, l);
		} else {
			const char *esc = NULL;
			switch (r) {
			case '\a': esc = "\\a"; break;
			case '\b': esc = "\\b"; break;
			case '\f': esc = "\\f"; break;
			case '\n': esc = "\\n"; break;
			case '\r': esc = "\\r"; break;
			case '\t': esc = "\\t"; break;
			case '\v': esc = "\\v"; break;
			}
			if (esc)
				cc_strbuf_add(sb, esc, 2);
			else if (r < ' ' || r == 0x7F)
				cc_strbuf_addf(sb, "\\x%02x", r);
			else if (r < 0x10000)
				cc_strbuf_addf(sb, "\\u%04x", r);
			else
				cc_strbuf_addf(sb, "\\U%08x", r);
		}
		i += l;
	}
	cc_strbuf_add(sb, &q, 1);
}

void tv_quote(struct cc_strbuf *sb, const char *s, size_t n, bool ascii)
{
	quote_with(sb, s, n, '"', ascii);
}

static bool can_backquote(const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		uint32_t r;
		size_t l = tt_decode(s + i, n - i, &r);
		if ((l == 1 && (unsigned char)s[i] >= 0x80) || r == '`' || r == 0xFEFF || r == 0x7F ||
		    (r < ' ' && r != '\t'))
			return false;
		i += l;
	}
	return true;
}

/* ---- bad verbs ---- */

static void print_arg(struct pp *p, const json_t *v, uint32_t verb, const struct spec *f, int depth);

static void bad_verb(struct pp *p, uint32_t verb, const json_t *v, const struct spec *f)
{
	cc_strbuf_add(p->sb, "%!", 2);
	tt_encode(p->sb, verb);
	cc_strbuf_add(p->sb, "(", 1);
	if (v == NULL || json_is_null(v)) {
		cc_strbuf_add(p->sb, NIL_ANGLE, 5);
	} else {
		cc_strbuf_addf(p->sb, "%s=", tv_type(v));
		print_arg(p, v, 'v', f, 1);
	}
	cc_strbuf_add(p->sb, ")", 1);
}

/* ---- integers ---- */

static void fmt_integer(struct pp *p, const struct spec *f, json_int_t v, int base, uint32_t verb)
{
	const char *digits = verb == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
	bool neg = v < 0;
	unsigned long long u = neg ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	int prec = 0;
	if (f->prec_present) {
		prec = f->prec;
		if (prec == 0 && u == 0) {
			padding(p, f->wid_present ? f->wid : 0, ' ');
			return;
		}
	} else if (f->zero && f->wid_present) {
		prec = f->wid;
		if (neg || f->plus || f->space)
			prec--;
	}
	size_t cap = 80 + (size_t)(prec > 0 ? prec : 0);
	char *buf = malloc(cap);
	if (buf == NULL) {
		p->sb->oom = true;
		return;
	}
	size_t i = cap;
	do {
		buf[--i] = digits[u % (unsigned)base];
		u /= (unsigned)base;
	} while (u);
	while (i > 4 && (int)(cap - i) < prec)
		buf[--i] = '0';
	if (f->sharp) {
		if (base == 2) {
			buf[--i] = 'b';
			buf[--i] = '0';
		} else if (base == 8 && buf[i] != '0') {
			buf[--i] = '0';
		} else if (base == 16) {
			buf[--i] = verb == 'X' ? 'X' : 'x';
			buf[--i] = '0';
		}
	}
	if (verb == 'O') {
		buf[--i] = 'o';
		buf[--i] = '0';
	}
	if (neg)
		buf[--i] = '-';
	else if (f->plus)
		buf[--i] = '+';
	else if (f->space)
		buf[--i] = ' ';
	struct spec nz = *f;
	nz.zero = false; /* zeros were done as precision */
	pad(p, &nz, buf + i, cap - i);
	free(buf);
}

static void fmt_rune(struct pp *p, const struct spec *f, json_int_t v, uint32_t verb)
{
	uint32_t r = v < 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF) ? 0xFFFD : (uint32_t)v;
	struct cc_strbuf sb = { 0 };
	if (verb == 'c') {
		tt_encode(&sb, r);
	} else if (verb == 'q') {
		struct cc_strbuf one = { 0 };
		tt_encode(&one, r);
		quote_with(&sb, one.buf ? one.buf : "", one.len, '\'', f->plus);
		cc_strbuf_release(&one);
	} else { /* U */
		cc_strbuf_addf(&sb, "U+%0*llX", f->prec_present && f->prec > 4 ? f->prec : 4,
			       (unsigned long long)(v < 0 ? 0 : v));
		if (f->sharp && r == (uint64_t)v && tt_isprint(r)) {
			cc_strbuf_add(&sb, " '", 2);
			tt_encode(&sb, r);
			cc_strbuf_add(&sb, "'", 1);
		}
	}
	if (sb.oom)
		p->sb->oom = true;
	else
		pad(p, f, sb.buf, sb.len);
	cc_strbuf_release(&sb);
}

static void print_int(struct pp *p, const struct spec *f, json_int_t v, uint32_t verb)
{
	switch (verb) {
	case 'v': case 'd':
		return fmt_integer(p, f, v, 10, verb);
	case 'b':
		return fmt_integer(p, f, v, 2, verb);
	case 'o': case 'O':
		return fmt_integer(p, f, v, 8, verb);
	case 'x': case 'X':
		return fmt_integer(p, f, v, 16, verb);
	case 'c': case 'q': case 'U':
		return fmt_rune(p, f, v, verb);
	}
	json_t *j = json_integer(v);
	bad_verb(p, verb, j, f);
	json_decref(j);
}

/* ---- floats ---- */

/* The shortest decimal digits that read back as v (v finite, not 0):
 * digits, their count, and the decimal point's place (Go's decimal). */
static void shortest(double v, char *digs, int *nd, int *dp)
{
	char buf[40];
	v = fabs(v);
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*e", prec - 1, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	int n = 0;
	char *e = strchr(buf, 'e');
	for (char *c = buf; c < e; c++)
		if (*c != '.')
			digs[n++] = *c;
	while (n > 1 && digs[n - 1] == '0')
		n--;
	*nd = n;
	*dp = atoi(e + 1) + 1;
}

static void fmt_e(struct cc_strbuf *sb, const char *digs, int nd, int dp, int prec, char e)
{
	char c = nd > 0 ? digs[0] : '0';
	cc_strbuf_add(sb, &c, 1);
	if (prec > 0) {
		cc_strbuf_add(sb, ".", 1);
		for (int i = 1; i <= prec; i++) {
			c = i < nd ? digs[i] : '0';
			cc_strbuf_add(sb, &c, 1);
		}
	}
	int exp = nd == 0 ? 0 : dp - 1;
	cc_strbuf_addf(sb, "%c%c%02d", e, exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
}

static void fmt_f(struct cc_strbuf *sb, const char *digs, int nd, int dp, int prec)
{
	if (dp > 0) {
		for (int i = 0; i < dp; i++) {
			char c = i < nd ? digs[i] : '0';
			cc_strbuf_add(sb, &c, 1);
		}
	} else {
		cc_strbuf_add(sb, "0", 1);
	}
	if (prec > 0) {
		cc_strbuf_add(sb, ".", 1);
		for (int i = 1; i <= prec; i++) {
			int j = dp + i - 1;
			char c = j >= 0 && j < nd ? digs[j] : '0';
			cc_strbuf_add(sb, &c, 1);
		}
	}
}

/* strconv.FormatFloat(v, verb, prec, 64) with a sign always ('+' or '-')
 * in front, as fmt wants it; verb one of e E f g G x X. */
static void format_float(struct cc_strbuf *sb, double v, char verb, int prec)
{
	if (isnan(v)) {
		cc_strbuf_add(sb, "+NaN", 4);
		return;
	}
	cc_strbuf_add(sb, signbit(v) ? "-" : "+", 1);
	if (isinf(v)) {
		cc_strbuf_add(sb, "Inf", 3);
		return;
	}
	double a = fabs(v);
	if (verb == 'x' || verb == 'X') {
		char buf[64], *pe;
		snprintf(buf, sizeof(buf), verb == 'x' ? "%.*a" : "%.*A", prec < 0 ? 13 : prec, a);
		if (prec < 0)
			snprintf(buf, sizeof(buf), verb == 'x' ? "%a" : "%A", a);
		pe = strpbrk(buf, "pP");
		if (pe != NULL && strlen(pe) == 3) { /* Go: two exponent digits */
			cc_strbuf_add(sb, buf, (size_t)(pe - buf) + 2);
			cc_strbuf_add(sb, "0", 1);
			cc_strbuf_add(sb, pe + 2, 1);
		} else {
			cc_strbuf_addf(sb, "%s", buf);
		}
		return;
	}
	if (prec >= 0) {
		char fmt[8] = { '%', '.', '*', verb == 'F' ? 'f' : verb, '\0' };
		int n = snprintf(NULL, 0, fmt, prec, a);
		char *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
		if (buf == NULL) {
			sb->oom = true;
			return;
		}
		snprintf(buf, (size_t)n + 1, fmt, prec, a);
		cc_strbuf_add(sb, buf, (size_t)n);
		free(buf);
		return;
	}
	char digs[40];
	int nd = 0, dp = 0;
	if (a != 0)
		shortest(a, digs, &nd, &dp);
	char e = verb == 'E' || verb == 'G' ? 'E' : 'e';
	switch (verb) {
	case 'e': case 'E':
		fmt_e(sb, digs, nd, dp, nd > 0 ? nd - 1 : 0, e);
		break;
	case 'f': case 'F':
		fmt_f(sb, digs, nd, dp, nd - dp > 0 ? nd - dp : 0);
		break;
	default: { /* g, G: %e when the exponent is < -4 or >= 6 (shortest) */
		int exp = dp - 1;
		if (nd > 0 && (exp < -4 || exp >= 6))
			fmt_e(sb, digs, nd, dp, nd - 1, e);
		else
			fmt_f(sb, digs, nd, dp, nd - dp > 0 ? nd - dp : 0);
	}
	}
}

static void fmt_float(struct pp *p, const struct spec *f, double v, uint32_t verb)
{
	int prec;
	switch (verb) {
	case 'v':
		verb = 'g';
		prec = -1;
		break;
	case 'g': case 'G': case 'x': case 'X':
		prec = -1;
		break;
	case 'e': case 'E': case 'f': case 'F':
		prec = 6;
		break;
	default: {
		json_t *j = json_real(v);
		bad_verb(p, verb, j, f);
		json_decref(j);
		return;
	}
	}
	if (f->prec_present)
		prec = f->prec;
	struct cc_strbuf num = { 0 };
	format_float(&num, v, (char)verb, prec);
	if (num.oom) {
		p->sb->oom = true;
		return;
	}
	char *s = num.buf;
	if (f->space && s[0] == '+' && !f->plus)
		s[0] = ' ';
	struct spec g = *f;
	if (s[1] == 'I' || s[1] == 'N') { /* no zeros before Inf, NaN */
		g.zero = false;
		if (s[1] == 'N' && !f->space && !f->plus)
			s++;
		pad(p, &g, s, strlen(s));
	} else if (f->plus || s[0] != '+') {
		size_t n = strlen(s);
		if (f->zero && f->wid_present && (size_t)f->wid > n) {
			cc_strbuf_add(p->sb, s, 1);
			padding(p, f->wid - (int)n, '0');
			cc_strbuf_add(p->sb, s + 1, n - 1);
		} else {
			pad(p, f, s, n);
		}
	} else {
		pad(p, f, s + 1, strlen(s + 1));
	}
	cc_strbuf_release(&num);
}

/* ---- strings ---- */

/* the first prec characters */
static size_t truncate_runes(const struct spec *f, const char *s, size_t n)
{
	if (!f->prec_present)
		return n;
	size_t i = 0;
	uint32_t cp;
	for (int k = 0; k < f->prec && i < n; k++)
		i += tt_decode(s + i, n - i, &cp);
	return i;
}

static void fmt_string(struct pp *p, const struct spec *f, const json_t *v, uint32_t verb)
{
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);
	struct cc_strbuf sb = { 0 };
	if (verb == 'v' && f->sharp_v)
		verb = 'q';
	switch (verb) {
	case 'v':
	case 's':
		pad(p, f, s, truncate_runes(f, s, n));
		return;
	case 'x':
	case 'X': {
		size_t len = f->prec_present && (size_t)f->prec < n ? (size_t)f->prec : n;
		const char *digits = verb == 'x' ? "0123456789abcdef" : "0123456789ABCDEF";
		for (size_t i = 0; i < len; i++) {
			if (f->space && i > 0)
				cc_strbuf_add(&sb, " ", 1);
			if (f->sharp && (f->space || i == 0))
				cc_strbuf_add(&sb, verb == 'x' ? "0x" : "0X", 2);
			char h[2] = { digits[(unsigned char)s[i] >> 4], digits[s[i] & 15] };
			cc_strbuf_add(&sb, h, 2);
		}
		break;
	}
	case 'q': {
		size_t len = truncate_runes(f, s, n);
		if (f->sharp && !f->sharp_v && can_backquote(s, len)) {
			cc_strbuf_add(&sb, "`", 1);
			cc_strbuf_add(&sb, s, len);
			cc_strbuf_add(&sb, "`", 1);
		} else {
			quote_with(&sb, s, len, '"', f->plus);
		}
		break;
	}
	default:
		bad_verb(p, verb, v, f);
		return;
	}
	if (sb.oom)
		p->sb->oom = true;
	else
		pad(p, f, sb.buf ? sb.buf : "", sb.len);
	cc_strbuf_release(&sb);
}

/* ---- any value ---- */

static void print_arg(struct pp *p, const json_t *v, uint32_t verb, const struct spec *f, int depth)
{
	if (over(p))
		return;
	if (depth > CC_TEMPLATE_MAX_DATA_DEPTH) {
		p->err = TV_DEEP;
		return;
	}
	if (v == NULL || json_is_null(v)) {
		if (depth > 0) /* a nil inside a slice or map: "<nil>", unpadded */
			cc_strbuf_add(p->sb, NIL_ANGLE, 5);
		else if (verb == 'v' || verb == 'T')
			pad_str(p, f, NIL_ANGLE);
		else
			bad_verb(p, verb, NULL, f);
		return;
	}
	if (verb == 'T' && depth == 0) {
		pad_str(p, f, tv_type(v));
		return;
	}
	switch (json_typeof(v)) {
	case JSON_TRUE:
	case JSON_FALSE:
		if (verb == 't' || verb == 'v')
			pad_str(p, f, json_is_true(v) ? "true" : "false");
		else
			bad_verb(p, verb, v, f);
		return;
	case JSON_INTEGER:
		print_int(p, f, json_integer_value(v), verb);
		return;
	case JSON_REAL:
		fmt_float(p, f, json_real_value(v), verb);
		return;
	case JSON_STRING:
		fmt_string(p, f, v, verb);
		return;
	case JSON_ARRAY:
		if (verb == 'T' || verb == 'p') {
			bad_verb(p, verb, v, f);
			return;
		}
		cc_strbuf_add(p->sb, "[", 1);
		for (size_t i = 0; i < json_array_size(v) && !over(p); i++) {
			if (i)
				cc_strbuf_add(p->sb, " ", 1);
			print_arg(p, json_array_get(v, i), verb, f, depth + 1);
		}
		cc_strbuf_add(p->sb, "]", 1);
		return;
	case JSON_OBJECT: {
		if (verb == 'T' || verb == 'p') {
			bad_verb(p, verb, v, f);
			return;
		}
		struct tkey *k;
		size_t n;
		if (tv_sorted_keys(v, &k, &n) < 0) {
			p->sb->oom = true;
			return;
		}
		cc_strbuf_add(p->sb, "map[", 4);
		for (size_t i = 0; i < n && !over(p); i++) {
			if (i)
				cc_strbuf_add(p->sb, " ", 1);
			json_t *key = json_stringn_nocheck(k[i].s, k[i].n);
			if (key == NULL)
				p->sb->oom = true;
			print_arg(p, key, verb, f, depth + 1);
			json_decref(key);
			cc_strbuf_add(p->sb, ":", 1);
			print_arg(p, k[i].v, verb, f, depth + 1);
		}
		cc_strbuf_add(p->sb, "]", 1);
		free(k);
		return;
	}
	default:
		return;
	}
}

static int done(struct pp *p)
{
	over(p);
	return p->err;
}

int tv_print(struct cc_strbuf *sb, const json_t *v, size_t max)
{
	struct pp p = { .sb = sb, .max = max };
	if (v == NULL)
		cc_strbuf_add(sb, "<no value>", 10);
	else
		print_arg(&p, v, 'v', &(struct spec){ 0 }, 0);
	return done(&p);
}

int tv_sprint(struct cc_strbuf *sb, json_t *const *args, size_t n, bool ln, size_t max)
{
	struct pp p = { .sb = sb, .max = max };
	bool prev_string = false;
	cc_strbuf_add(sb, "", 0);
	for (size_t i = 0; i < n && !over(&p); i++) {
		bool is_string = args[i] && json_is_string(args[i]);
		if (i > 0 && (ln || (!is_string && !prev_string)))
			cc_strbuf_add(sb, " ", 1);
		print_arg(&p, args[i], 'v', &(struct spec){ 0 }, 0);
		prev_string = is_string;
	}
	if (ln)
		cc_strbuf_add(sb, "\n", 1);
	return done(&p);
}

/* ---- Sprintf (fmt.doPrintf) ---- */

#define TOO_LARGE(x) ((x) > 1000000 || (x) < -1000000)

static bool parsenum(const char *s, size_t *i, size_t end, int *num)
{
	bool isnum = false;
	*num = 0;
	while (*i < end && s[*i] >= '0' && s[*i] <= '9') {
		if (TOO_LARGE(*num)) {
			*num = 0;
			*i = end;
			return false;
		}
		*num = *num * 10 + (s[*i] - '0');
		isnum = true;
		(*i)++;
	}
	return isnum;
}

struct printf_state {
	size_t argn;
	bool reordered, good_argn;
};

/* [n] before a verb, width or precision */
static bool arg_number(struct printf_state *ps, const char *s, size_t *i, size_t end, size_t nargs)
{
	if (*i >= end || s[*i] != '[')
		return false;
	ps->reordered = true;
	size_t j = *i + 1;
	while (j < end && s[j] != ']')
		j++;
	if (end - *i < 3 || j >= end) {
		ps->good_argn = false;
		(*i)++;
		return false;
	}
	size_t k = *i + 1;
	int n;
	bool ok = parsenum(s, &k, j, &n) && k == j;
	*i = j + 1;
	if (ok && n >= 1 && (size_t)n <= nargs) {
		ps->argn = (size_t)n - 1;
		return true;
	}
	ps->good_argn = false;
	return ok;
}

static bool int_from_arg(json_t *const *args, size_t n, size_t *argn, int *num)
{
	bool is_int = false;
	*num = 0;
	if (*argn < n) {
		const json_t *a = args[*argn];
		if (a && json_is_integer(a) && !TOO_LARGE(json_integer_value(a))) {
			*num = (int)json_integer_value(a);
			is_int = true;
		}
		(*argn)++;
	}
	return is_int;
}

int tv_sprintf(struct cc_strbuf *sb, const char *s, size_t end, json_t *const *args, size_t nargs, size_t max)
{
	struct pp p = { .sb = sb, .max = max };
	struct printf_state ps = { 0 };
	cc_strbuf_add(sb, "", 0);
	for (size_t i = 0; i < end && !over(&p);) {
		ps.good_argn = true;
		size_t lasti = i;
		while (i < end && s[i] != '%')
			i++;
		cc_strbuf_add(sb, s + lasti, i - lasti);
		if (i >= end)
			break;
		i++;
		struct spec f = { 0 };
		for (; i < end; i++) {
			char c = s[i];
			if (c == '#')
				f.sharp = true;
			else if (c == '0')
				f.zero = !f.minus;
			else if (c == '+')
				f.plus = true;
			else if (c == '-')
				f.minus = true, f.zero = false;
			else if (c == ' ')
				f.space = true;
			else
				break;
		}
		bool after_index = arg_number(&ps, s, &i, end, nargs);
		if (i < end && s[i] == '*') {
			i++;
			f.wid_present = int_from_arg(args, nargs, &ps.argn, &f.wid);
			if (!f.wid_present)
				cc_strbuf_add(sb, "%!(BADWIDTH)", 12);
			if (f.wid < 0) {
				f.wid = -f.wid;
				f.minus = true;
				f.zero = false;
			}
			after_index = false;
		} else {
			f.wid_present = parsenum(s, &i, end, &f.wid);
			if (after_index && f.wid_present)
				ps.good_argn = false;
		}
		if (i + 1 <= end && i < end && s[i] == '.') {
			i++;
			if (after_index)
				ps.good_argn = false;
			after_index = arg_number(&ps, s, &i, end, nargs);
			if (i < end && s[i] == '*') {
				i++;
				f.prec_present = int_from_arg(args, nargs, &ps.argn, &f.prec);
				if (f.prec < 0) {
					f.prec = 0;
					f.prec_present = false;
				}
				if (!f.prec_present)
					cc_strbuf_add(sb, "%!(BADPREC)", 11);
				after_index = false;
			} else {
				f.prec_present = parsenum(s, &i, end, &f.prec);
				if (!f.prec_present) {
					f.prec = 0;
					f.prec_present = true;
				}
			}
		}
		if (!after_index)
			after_index = arg_number(&ps, s, &i, end, nargs);
		if (i >= end) {
			cc_strbuf_add(sb, "%!(NOVERB)", 10);
			break;
		}
		uint32_t verb;
		i += tt_decode(s + i, end - i, &verb);
		if (verb == '%') {
			cc_strbuf_add(sb, "%", 1);
		} else if (!ps.good_argn) {
			cc_strbuf_add(sb, "%!", 2);
			tt_encode(sb, verb);
			cc_strbuf_add(sb, "(BADINDEX)", 10);
		} else if (ps.argn >= nargs) {
			cc_strbuf_add(sb, "%!", 2);
			tt_encode(sb, verb);
			cc_strbuf_add(sb, "(MISSING)", 9);
		} else {
			if (verb == 'v' && f.sharp) {
				f.sharp = false;
				f.sharp_v = true;
			}
			print_arg(&p, args[ps.argn++], verb, &f, 0);
		}
	}
	if (!ps.reordered && ps.argn < nargs && !over(&p)) {
		cc_strbuf_add(sb, "%!(EXTRA ", 9);
		for (size_t k = ps.argn; k < nargs; k++) {
			if (k > ps.argn)
				cc_strbuf_add(sb, ", ", 2);
			if (args[k] == NULL || json_is_null(args[k])) {
				cc_strbuf_add(sb, NIL_ANGLE, 5);
			} else {
				cc_strbuf_addf(sb, "%s=", tv_type(args[k]));
				print_arg(&p, args[k], 'v', &(struct spec){ 0 }, 0);
			}
		}
		cc_strbuf_add(sb, ")", 1);
	}
	return done(&p);
}

/* ---- encoding/json ---- */

static void json_str(struct cc_strbuf *sb, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	cc_strbuf_add(sb, "\"", 1);
	size_t start = 0;
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		const char *esc = NULL;
		char u[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
		size_t l = 1;
		if (c < 0x80) {
			switch (c) {
			case '"': esc = "\\\""; break;
			case '\\': esc = "\\\\"; break;
			case '\n': esc = "\\n"; break;
			case '\r': esc = "\\r"; break;
			case '\t': esc = "\\t"; break;
			case '\b': esc = "\\b"; break;
			case '\f': esc = "\\f"; break;
			default:
				if (c < 0x20)
					esc = u;
			}
		} else {
			uint32_t r;
			l = tt_decode(s + i, n - i, &r);
			if (l == 1) /* not UTF-8 */
				esc = "\\ufffd";
			else if (r == 0x2028 || r == 0x2029)
				esc = r == 0x2028 ? "\\u2028" : "\\u2029";
		}
		if (esc == NULL) {
			i += l;
			continue;
		}
		cc_strbuf_add(sb, s + start, i - start);
		cc_strbuf_add(sb, esc, esc == u ? 6 : strlen(esc));
		i += l;
		start = i;
	}
	cc_strbuf_add(sb, s + start, n - start);
	cc_strbuf_add(sb, "\"", 1);
}

static void json_float(struct cc_strbuf *sb, double v)
{
	char digs[40];
	int nd = 0, dp = 0;
	double a = fabs(v);
	if (!isfinite(v)) { /* Go's json refuses them; JSON cannot hold them */
		cc_strbuf_add(sb, "null", 4);
		return;
	}
	if (signbit(v))
		cc_strbuf_add(sb, "-", 1);
	if (a != 0)
		shortest(a, digs, &nd, &dp);
	if (a != 0 && (a < 1e-6 || a >= 1e21)) {
		struct cc_strbuf e = { 0 };
		fmt_e(&e, digs, nd, dp, nd - 1, 'e');
		if (e.oom) {
			sb->oom = true;
			return;
		}
		size_t n = e.len; /* e-07 -> e-7, as Go cleans it */
		if (n >= 4 && e.buf[n - 4] == 'e' && e.buf[n - 3] == '-' && e.buf[n - 2] == '0') {
			e.buf[n - 2] = e.buf[n - 1];
			n--;
		}
		cc_strbuf_add(sb, e.buf, n);
		cc_strbuf_release(&e);
	} else {
		fmt_f(sb, digs, nd, dp, nd - dp > 0 ? nd - dp : 0);
	}
}

static void json_value(struct pp *p, const json_t *v, int depth)
{
	if (over(p))
		return;
	if (depth > CC_TEMPLATE_MAX_DATA_DEPTH) {
		p->err = TV_DEEP;
		return;
	}
	switch (v ? json_typeof(v) : JSON_NULL) {
	case JSON_OBJECT: {
		const char *sep = "{";
		for (void *it = json_object_iter((json_t *)v); it && !over(p);
		     it = json_object_iter_next((json_t *)v, it)) {
			cc_strbuf_add(p->sb, sep, 1);
			sep = ",";
			json_str(p->sb, json_object_iter_key(it), json_object_iter_key_len(it));
			cc_strbuf_add(p->sb, ":", 1);
			json_value(p, json_object_iter_value(it), depth + 1);
		}
		cc_strbuf_add(p->sb, *sep == '{' ? "{}" : "}", *sep == '{' ? 2 : 1);
		return;
	}
	case JSON_ARRAY:
		cc_strbuf_add(p->sb, "[", 1);
		for (size_t i = 0; i < json_array_size(v) && !over(p); i++) {
			if (i)
				cc_strbuf_add(p->sb, ",", 1);
			json_value(p, json_array_get(v, i), depth + 1);
		}
		cc_strbuf_add(p->sb, "]", 1);
		return;
	case JSON_STRING:
		json_str(p->sb, json_string_value(v), json_string_length(v));
		return;
	case JSON_INTEGER:
		cc_strbuf_addf(p->sb, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return;
	case JSON_REAL:
		json_float(p->sb, json_real_value(v));
		return;
	case JSON_TRUE:
		cc_strbuf_add(p->sb, "true", 4);
		return;
	case JSON_FALSE:
		cc_strbuf_add(p->sb, "false", 5);
		return;
	default:
		cc_strbuf_add(p->sb, "null", 4);
		return;
	}
}

int tv_json(struct cc_strbuf *sb, const json_t *v, size_t max)
{
	struct pp p = { .sb = sb, .max = max };
	json_value(&p, v, 0);
	return done(&p);
}
