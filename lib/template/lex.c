/* The lexer: Go's text/template/parse/lex.go, state for state (text,
 * delimiters with their trim markers, comments, inside an action), run to
 * the end into an array. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template-internal.h"

struct lexer {
	const char *in;
	size_t len, pos, start;
	int line, start_line;
	int paren_depth;
	struct item *items;
	size_t n, cap;
	bool oom, done;
};

static bool is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Go's isAlphaNumeric: '_', letters, digits; any byte of a multi-byte
 * character counts (letters beyond ASCII, close enough). */
static bool is_alnum(int c)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

static int peek(const struct lexer *l)
{
	return l->pos < l->len ? (unsigned char)l->in[l->pos] : -1;
}

static bool has_prefix(const struct lexer *l, size_t at, const char *p)
{
	size_t n = strlen(p);
	return at <= l->len && l->len - at >= n && memcmp(l->in + at, p, n) == 0;
}

static void advance(struct lexer *l, size_t n)
{
	for (size_t i = 0; i < n && l->pos < l->len; i++)
		if (l->in[l->pos++] == '\n')
			l->line++;
}

static void ignore(struct lexer *l)
{
	l->start = l->pos;
	l->start_line = l->line;
}

static void emit_at(struct lexer *l, enum item_type t, size_t pos, size_t len, int line)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		struct item *ni = realloc(l->items, cap * sizeof(*ni));
		if (ni == NULL) {
			l->oom = true;
			l->done = true;
			return;
		}
		l->items = ni;
		l->cap = cap;
	}
	l->items[l->n++] = (struct item){ .type = t, .pos = pos, .len = len, .line = line };
}

static void emit(struct lexer *l, enum item_type t)
{
	emit_at(l, t, l->start, l->pos - l->start, l->start_line);
	ignore(l);
}

static void errorf(struct lexer *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void errorf(struct lexer *l, const char *fmt, ...)
{
	emit_at(l, IT_ERROR, l->start, 0, l->start_line);
	if (!l->oom) {
		va_list ap;
		va_start(ap, fmt);
		if (vasprintf(&l->items[l->n - 1].msg, fmt, ap) < 0) {
			l->items[l->n - 1].msg = NULL;
			l->oom = true;
		}
		va_end(ap);
	}
	l->done = true;
}

/* Go's %#U of the character at pos: U+007D '}' */
static void bad_char(struct lexer *l, const char *what)
{
	uint32_t cp;
	size_t n = l->pos < l->len ? tt_decode(l->in + l->pos, l->len - l->pos, &cp) : 0;
	if (n == 0)
		cp = 0xFFFD;
	if (n == 1 && cp == 0xFFFD) /* a byte that is not UTF-8: Go's RuneError */
		errorf(l, "%s U+FFFD '\xEF\xBF\xBD'", what);
	else if (tt_isprint(cp))
		errorf(l, "%s U+%04X '%.*s'", what, cp, (int)n, l->in + l->pos);
	else
		errorf(l, "%s U+%04X", what, cp);
}

/* "- " after "{{", " -" before "}}" */
static bool left_trim_marker(const struct lexer *l, size_t at)
{
	return l->len - at >= 2 && l->in[at] == '-' && is_space((unsigned char)l->in[at + 1]);
}

static bool right_trim_marker(const struct lexer *l, size_t at)
{
	return l->len - at >= 2 && is_space((unsigned char)l->in[at]) && l->in[at + 1] == '-';
}

/* At "}}" or " -}}"? */
static bool at_right_delim(const struct lexer *l, bool *trim)
{
	*trim = right_trim_marker(l, l->pos) && has_prefix(l, l->pos + 2, "}}");
	return *trim || has_prefix(l, l->pos, "}}");
}

static size_t left_trim_length(const struct lexer *l, size_t at)
{
	size_t n = 0;
	while (at + n < l->len && is_space((unsigned char)l->in[at + n]))
		n++;
	return n;
}

static void lex_text(struct lexer *l);
static void lex_inside(struct lexer *l);

static void lex_right_delim(struct lexer *l, bool trim)
{
	if (trim) {
		advance(l, 2);
		ignore(l);
	}
	advance(l, 2);
	emit(l, IT_RIGHT);
	if (trim) {
		advance(l, left_trim_length(l, l->pos));
		ignore(l);
	}
}

static void lex_comment(struct lexer *l)
{
	advance(l, 2);
	const char *end = memmem(l->in + l->pos, l->len - l->pos, "*/", 2);
	if (end == NULL) {
		errorf(l, "unclosed comment");
		return;
	}
	advance(l, (size_t)(end - (l->in + l->pos)) + 2);
	bool trim;
	if (!at_right_delim(l, &trim)) {
		errorf(l, "comment ends before closing delimiter");
		return;
	}
	ignore(l); /* the comment itself is not kept */
	if (trim)
		advance(l, 2);
	advance(l, 2);
	if (trim)
		advance(l, left_trim_length(l, l->pos));
	ignore(l);
}

static void lex_left_delim(struct lexer *l)
{
	advance(l, 2);
	bool trim = left_trim_marker(l, l->pos);
	size_t after = trim ? 2 : 0;
	if (has_prefix(l, l->pos + after, "/*")) {
		advance(l, after);
		ignore(l);
		lex_comment(l);
		return;
	}
	emit(l, IT_LEFT);
	advance(l, after);
	ignore(l);
	l->paren_depth = 0;
}

static void lex_text(struct lexer *l)
{
	const char *x = memmem(l->in + l->pos, l->len - l->pos, "{{", 2);
	if (x == NULL) {
		advance(l, l->len - l->pos);
		if (l->pos > l->start)
			emit(l, IT_TEXT);
		emit(l, IT_EOF);
		l->done = true;
		return;
	}
	size_t at = (size_t)(x - l->in);
	advance(l, at - l->pos);
	size_t end = at;
	if (left_trim_marker(l, at + 2))
		while (end > l->start && is_space((unsigned char)l->in[end - 1]))
			end--;
	if (end > l->start)
		emit_at(l, IT_TEXT, l->start, end - l->start, l->start_line);
	ignore(l);
	lex_left_delim(l);
}

static bool at_terminator(const struct lexer *l)
{
	int r = peek(l);
	if (r < 0 || is_space(r))
		return true;
	switch (r) {
	case '.': case ',': case '|': case ':': case ')': case '(':
		return true;
	}
	return has_prefix(l, l->pos, "}}");
}

static const struct {
	const char *word;
	enum item_type type;
} keywords[] = {
	{ "block", IT_BLOCK }, { "break", IT_BREAK }, { "continue", IT_CONTINUE }, { "define", IT_DEFINE },
	{ "else", IT_ELSE },   { "end", IT_END },     { "if", IT_IF },             { "nil", IT_NIL },
	{ "range", IT_RANGE }, { "template", IT_TEMPLATE }, { "with", IT_WITH },
};

static void lex_identifier(struct lexer *l)
{
	while (peek(l) >= 0 && is_alnum(peek(l)))
		advance(l, 1);
	if (!at_terminator(l)) {
		bad_char(l, "bad character");
		return;
	}
	size_t n = l->pos - l->start;
	const char *w = l->in + l->start;
	for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (strlen(keywords[i].word) == n && memcmp(keywords[i].word, w, n) == 0) {
			emit(l, keywords[i].type);
			return;
		}
	if ((n == 4 && memcmp(w, "true", 4) == 0) || (n == 5 && memcmp(w, "false", 5) == 0))
		emit(l, IT_BOOL);
	else
		emit(l, IT_IDENT);
}

/* after '.' or '$' */
static void lex_field_or_variable(struct lexer *l, enum item_type t)
{
	if (at_terminator(l)) {
		emit(l, t == IT_VAR ? IT_VAR : IT_DOT);
		return;
	}
	while (peek(l) >= 0 && is_alnum(peek(l)))
		advance(l, 1);
	if (!at_terminator(l)) {
		bad_char(l, "bad character");
		return;
	}
	emit(l, t);
}

static bool accept(struct lexer *l, const char *valid)
{
	int r = peek(l);
	if (r > 0 && strchr(valid, r)) {
		advance(l, 1);
		return true;
	}
	return false;
}

static void accept_run(struct lexer *l, const char *valid)
{
	while (accept(l, valid))
		;
}

static void lex_number(struct lexer *l)
{
	const char *digits = "0123456789_";
	accept(l, "+-");
	if (accept(l, "0")) {
		if (accept(l, "xX"))
			digits = "0123456789abcdefABCDEF_";
		else if (accept(l, "oO"))
			digits = "01234567_";
		else if (accept(l, "bB"))
			digits = "01_";
	}
	accept_run(l, digits);
	if (accept(l, "."))
		accept_run(l, digits);
	if (strlen(digits) == 11 && accept(l, "eE")) {
		accept(l, "+-");
		accept_run(l, "0123456789_");
	}
	if (strlen(digits) == 23 && accept(l, "pP")) {
		accept(l, "+-");
		accept_run(l, "0123456789_");
	}
	accept(l, "i");
	if (peek(l) >= 0 && is_alnum(peek(l))) {
		size_t n = 1;
		uint32_t cp;
		n = tt_decode(l->in + l->pos, l->len - l->pos, &cp);
		advance(l, n);
		struct cc_strbuf q = { 0 };
		tv_quote(&q, l->in + l->start, l->pos - l->start, false);
		errorf(l, "bad number syntax: %s", q.buf ? q.buf : "");
		cc_strbuf_release(&q);
		return;
	}
	emit(l, IT_NUMBER);
}

/* A "string" or 'c' literal up to its closing quote (Go's lexQuote and
 * lexChar: a backslash escapes anything but a newline). */
static void lex_quoted(struct lexer *l, int quote, enum item_type type, const char *unterminated)
{
	for (;;) {
		int r = peek(l);
		if (r == '\\') {
			advance(l, 1);
			r = peek(l);
			if (r >= 0 && r != '\n') {
				advance(l, 1);
				continue;
			}
		}
		if (r < 0 || r == '\n') {
			errorf(l, "%s", unterminated);
			return;
		}
		advance(l, 1);
		if (r == quote)
			break;
	}
	emit(l, type);
}

static void lex_raw_quote(struct lexer *l)
{
	const char *end = memchr(l->in + l->pos, '`', l->len - l->pos);
	if (end == NULL) {
		errorf(l, "unterminated raw quoted string");
		return;
	}
	advance(l, (size_t)(end - (l->in + l->pos)) + 1);
	emit(l, IT_RAW);
}

static void lex_space(struct lexer *l)
{
	size_t n = 0;
	while (peek(l) >= 0 && is_space(peek(l))) {
		advance(l, 1);
		n++;
	}
	/* the last space may belong to a " -}}" */
	if (right_trim_marker(l, l->pos - 1) && has_prefix(l, l->pos + 1, "}}")) {
		l->pos--; /* a space, never a newline we counted: see below */
		if (l->in[l->pos] == '\n')
			l->line--;
		if (n == 1)
			return;
	}
	emit(l, IT_SPACE);
}

static void lex_inside(struct lexer *l)
{
	bool trim;
	if (at_right_delim(l, &trim)) {
		if (l->paren_depth == 0)
			lex_right_delim(l, trim);
		else
			errorf(l, "unclosed left paren");
		return;
	}
	int r = peek(l);
	if (r < 0) {
		errorf(l, "unclosed action");
		return;
	}
	if (is_space(r)) {
		lex_space(l);
		return;
	}
	advance(l, 1);
	switch (r) {
	case '=':
		emit(l, IT_ASSIGN);
		return;
	case ':':
		if (peek(l) != '=') {
			errorf(l, "expected :=");
			return;
		}
		advance(l, 1);
		emit(l, IT_DECLARE);
		return;
	case '|':
		emit(l, IT_PIPE);
		return;
	case '"':
		lex_quoted(l, '"', IT_STRING, "unterminated quoted string");
		return;
	case '`':
		lex_raw_quote(l);
		return;
	case '$':
		lex_field_or_variable(l, IT_VAR);
		return;
	case '\'':
		lex_quoted(l, '\'', IT_CHARCONST, "unterminated character constant");
		return;
	case '(':
		emit(l, IT_LPAREN);
		l->paren_depth++;
		return;
	case ')':
		emit(l, IT_RPAREN);
		if (--l->paren_depth < 0)
			errorf(l, "unexpected right paren U+0029 ')'");
		return;
	case '.':
		if (l->pos >= l->len || l->in[l->pos] < '0' || l->in[l->pos] > '9') {
			lex_field_or_variable(l, IT_FIELD);
			return;
		}
		/* fall through: '.' starts a number */
	}
	if (r == '.' || r == '+' || r == '-' || (r >= '0' && r <= '9')) {
		l->pos--;
		lex_number(l);
	} else if (is_alnum(r)) {
		l->pos--;
		lex_identifier(l);
	} else if (r < 0x80 && r >= 0x20 && r < 0x7F) {
		emit(l, IT_CHAR);
	} else {
		l->pos--;
		bad_char(l, "unrecognized character in action:");
	}
}

int tl_lex(const char *text, size_t len, struct item **ret, size_t *ret_n)
{
	struct lexer l = { .in = text, .len = len, .line = 1, .start_line = 1 };
	bool inside = false;
	while (!l.done) {
		size_t before = l.n;
		if (!inside) {
			lex_text(&l);
			inside = l.n > before && l.items[l.n - 1].type == IT_LEFT;
		} else {
			lex_inside(&l);
			if (l.n > before && l.items[l.n - 1].type == IT_RIGHT)
				inside = false;
		}
	}
	if (l.oom) {
		tl_items_free(l.items, l.n);
		return -ENOMEM;
	}
	*ret = l.items;
	*ret_n = l.n;
	return 0;
}

void tl_items_free(struct item *items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(items[i].msg);
	free(items);
}
