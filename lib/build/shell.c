/* docker's shell-word lexer (moby/buildkit frontend/dockerfile/shell), for
 * the instructions docker expands variables in.  Not a shell: no command
 * substitution, no globbing, no field splitting beyond ProcessWords.
 *
 *   'single'   literal, no escapes
 *   "double"   $ expansions; the escape character escapes " $ and itself
 *   \x         x (the escape character is \ or ` per "# escape=")
 *   $NAME ${NAME} ${NAME:-w} ${NAME-w} ${NAME:+w} ${NAME+w} ${NAME:?w}
 *   ${NAME?w}  w is itself processed (quotes, nested $)
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "build-internal.h"

struct buf {
	char *s;
	size_t len, cap;
};

static int buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t nc = (b->len + n + 1) * 2;
		char *ns = realloc(b->s, nc);
		if (ns == NULL)
			return -ENOMEM;
		b->s = ns;
		b->cap = nc;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
	return 0;
}

static int buf_addc(struct buf *b, char c)
{
	return buf_add(b, &c, 1);
}

/* The words being built by ProcessWords. */
struct words {
	char **v;
	struct buf cur;
	bool in_word;
};

static int words_end(struct words *w)
{
	if (!w->in_word)
		return 0;
	int r = cc_strv_push(&w->v, w->cur.s ? w->cur.s : "");
	w->cur.len = 0;
	if (w->cur.s)
		w->cur.s[0] = '\0';
	w->in_word = false;
	return r;
}

/* addChar: whitespace ends the word. */
static int words_char(struct words *w, char c)
{
	if (isspace((unsigned char)c))
		return words_end(w);
	w->in_word = true;
	return buf_addc(&w->cur, c);
}

static int words_raw(struct words *w, const char *s, size_t n)
{
	w->in_word = true;
	return buf_add(&w->cur, s, n);
}

static int words_string(struct words *w, const char *s)
{
	for (; *s; s++)
		if (words_char(w, *s) < 0)
			return -ENOMEM;
	return 0;
}

struct lex {
	const char *p;
	char escape;
	char *const *env;
	cc_error **err;
};

static int lex_fail(struct lex *l, const char *msg)
{
	return cc_error_setk(l->err, CC_ERR_INVALID, 0, "%s", msg);
}

static const char *getenv_n(struct lex *l, const char *name, size_t n)
{
	return cc_strv_getenv(l->env, name, n);
}

static int process_stop_on(struct lex *l, char stop, struct buf *out, struct words *w);

/* $NAME, ${...}: the value into out. */
static int process_dollar(struct lex *l, struct buf *out)
{
	l->p++; /* '$' */
	if (*l->p != '{') {
		const char *n = l->p;
		if (isdigit((unsigned char)*n)) {
			while (isdigit((unsigned char)*l->p))
				l->p++;
		} else if (*n && strchr("@*#?-$!", *n)) {
			l->p++;
		} else {
			while (*l->p && (isalnum((unsigned char)*l->p) || *l->p == '_' || (unsigned char)*l->p >= 0x80))
				l->p++;
		}
		size_t len = (size_t)(l->p - n);
		if (len == 0)
			return buf_addc(out, '$');
		const char *v = getenv_n(l, n, len);
		return v ? buf_add(out, v, strlen(v)) : 0;
	}
	l->p++; /* '{' */
	if (*l->p == '\0')
		return lex_fail(l, "syntax error: missing '}'");
	if (*l->p == '{' || *l->p == '}' || *l->p == ':')
		return lex_fail(l, "syntax error: bad substitution");
	const char *n = l->p;
	if (isdigit((unsigned char)*n)) {
		while (isdigit((unsigned char)*l->p))
			l->p++;
	} else if (strchr("@*#?-$!", *n)) {
		l->p++;
	} else {
		while (*l->p && (isalnum((unsigned char)*l->p) || *l->p == '_' || (unsigned char)*l->p >= 0x80))
			l->p++;
	}
	size_t nl = (size_t)(l->p - n);
	char ch = *l->p;
	if (ch == '\0')
		return lex_fail(l, "syntax error: missing '}'");
	l->p++;
	if (ch == '}') {
		const char *v = getenv_n(l, n, nl);
		return v ? buf_add(out, v, strlen(v)) : 0;
	}
	bool colon = ch == ':';
	char mod = colon ? *l->p++ : ch;
	if (mod != '-' && mod != '+' && mod != '?') {
		if (!colon)
			return lex_fail(l, "syntax error: missing ':' in substitution");
		char msg[64];
		snprintf(msg, sizeof(msg), "unsupported modifier (%c) in substitution", mod ? mod : ' ');
		return lex_fail(l, msg);
	}
	struct buf word = { 0 };
	if (process_stop_on(l, '}', &word, NULL) < 0) {
		free(word.s);
		return -1;
	}
	const char *v = getenv_n(l, n, nl);
	const char *w = word.s ? word.s : "";
	bool set = v != NULL, nonempty = v != NULL && *v != '\0';
	bool have = colon ? nonempty : set;
	int r = 0;
	switch (mod) {
	case '-':
		r = have ? buf_add(out, v, strlen(v)) : buf_add(out, w, strlen(w));
		break;
	case '+':
		r = have ? buf_add(out, w, strlen(w)) : 0;
		break;
	case '?':
		if (!have) {
			char msg[512];
			snprintf(msg, sizeof(msg), "%.*s: %s", (int)nl, n,
				 *w ? w : (set ? "is not allowed to be empty" : "is not allowed to be unset"));
			free(word.s);
			return lex_fail(l, msg);
		}
		r = buf_add(out, v, strlen(v));
		break;
	}
	free(word.s);
	return r < 0 ? cc_error_set(l->err, ENOMEM, "expand") : 0;
}

static int process_single_quote(struct lex *l, struct buf *out)
{
	l->p++;
	const char *end = strchr(l->p, '\'');
	if (end == NULL)
		return lex_fail(l, "unexpected end of statement while looking for matching single-quote");
	if (buf_add(out, l->p, (size_t)(end - l->p)) < 0)
		return cc_error_set(l->err, ENOMEM, "expand");
	l->p = end + 1;
	return 0;
}

static int process_double_quote(struct lex *l, struct buf *out)
{
	l->p++;
	for (;;) {
		char ch = *l->p;
		if (ch == '\0')
			return lex_fail(l, "unexpected end of statement while looking for matching double-quote");
		if (ch == '"') {
			l->p++;
			return 0;
		}
		if (ch == '$') {
			if (process_dollar(l, out) < 0)
				return -1;
			continue;
		}
		l->p++;
		if (ch == l->escape) {
			char nx = *l->p;
			if (nx == '\0')
				continue;
			if (nx == '"' || nx == '$' || nx == l->escape) {
				ch = nx;
				l->p++;
			}
		}
		if (buf_addc(out, ch) < 0)
			return cc_error_set(l->err, ENOMEM, "expand");
	}
}

static int process_stop_on(struct lex *l, char stop, struct buf *out, struct words *w)
{
	while (*l->p) {
		char ch = *l->p;
		if (stop && ch == stop) {
			l->p++;
			return 0;
		}
		if (ch == '\'' || ch == '"' || ch == '$') {
			struct buf tmp = { 0 };
			int r = ch == '\'' ? process_single_quote(l, &tmp)
				: ch == '"' ? process_double_quote(l, &tmp)
					    : process_dollar(l, &tmp);
			if (r < 0) {
				free(tmp.s);
				return -1;
			}
			const char *t = tmp.s ? tmp.s : "";
			r = buf_add(out, t, strlen(t));
			if (r == 0 && w)
				r = ch == '$' ? words_string(w, t) : words_raw(w, t, strlen(t));
			free(tmp.s);
			if (r < 0)
				return cc_error_set(l->err, ENOMEM, "expand");
			continue;
		}
		l->p++;
		int r;
		if (ch == l->escape) {
			ch = *l->p;
			if (ch == '\0')
				break;
			l->p++;
			r = w ? words_raw(w, &ch, 1) : 0;
		} else {
			r = w ? words_char(w, ch) : 0;
		}
		if (r < 0 || buf_addc(out, ch) < 0)
			return cc_error_set(l->err, ENOMEM, "expand");
	}
	if (stop) {
		char msg[96];
		snprintf(msg, sizeof(msg), "unexpected end of statement while looking for matching %c", stop);
		return lex_fail(l, msg);
	}
	return 0;
}

int cc_shell_word(const char *word, char escape, char *const *env, char **ret, cc_error **err)
{
	struct lex l = { .p = word, .escape = escape, .env = env, .err = err };
	struct buf out = { 0 };
	if (process_stop_on(&l, 0, &out, NULL) < 0) {
		free(out.s);
		return -1;
	}
	*ret = out.s ? out.s : strdup("");
	if (*ret == NULL)
		return cc_error_set(err, ENOMEM, "expand");
	return 0;
}

int cc_shell_words(const char *text, char escape, char *const *env, char ***ret, cc_error **err)
{
	struct lex l = { .p = text, .escape = escape, .env = env, .err = err };
	struct buf out = { 0 };
	struct words w = { .v = calloc(1, sizeof(char *)) };
	int r = w.v ? process_stop_on(&l, 0, &out, &w) : cc_error_set(err, ENOMEM, "expand");
	if (r == 0 && words_end(&w) < 0)
		r = cc_error_set(err, ENOMEM, "expand");
	free(out.s);
	free(w.cur.s);
	if (r < 0) {
		cc_strvfreep(&w.v);
		return -1;
	}
	*ret = w.v;
	return 0;
}

/* BuildKit's parseWords (parser/line_parsers.go). */
int cc_parse_words(const char *rest, char escape, char ***ret, cc_error **err)
{
	enum { IN_SPACES, IN_WORD, IN_QUOTE } phase = IN_SPACES;
	char **words = calloc(1, sizeof(char *));
	struct buf word = { 0 };
	char quote = 0;
	bool blank_ok = false;
	size_t len = strlen(rest);
	int r = words ? buf_add(&word, "", 0) : -ENOMEM;
	for (size_t pos = 0; r == 0 && pos <= len; pos++) {
		char ch = pos < len ? rest[pos] : '\0';
		if (phase == IN_SPACES) {
			if (pos == len)
				break;
			if (isspace((unsigned char)ch))
				continue;
			phase = IN_WORD;
		}
		if (pos == len) {
			if (blank_ok || word.len > 0)
				r = cc_strv_push(&words, word.s);
			break;
		}
		if (phase == IN_WORD) {
			if (isspace((unsigned char)ch)) {
				phase = IN_SPACES;
				if (blank_ok || word.len > 0)
					r = cc_strv_push(&words, word.s);
				word.len = 0;
				word.s[0] = '\0';
				blank_ok = false;
				continue;
			}
			if (ch == '\'' || ch == '"') {
				quote = ch;
				blank_ok = true;
				phase = IN_QUOTE;
			}
			if (ch == escape) {
				if (pos + 1 == len)
					continue;
				r = buf_addc(&word, ch);
				ch = rest[++pos];
			}
			if (r == 0)
				r = buf_addc(&word, ch);
			continue;
		}
		if (ch == quote)
			phase = IN_WORD;
		if (ch == escape && quote != '\'') {
			if (pos + 1 == len) {
				phase = IN_WORD;
				continue;
			}
			r = buf_addc(&word, ch);
			ch = rest[++pos];
		}
		if (r == 0)
			r = buf_addc(&word, ch);
	}
	free(word.s);
	if (r < 0) {
		cc_strvfreep(&words);
		return cc_error_set(err, ENOMEM, "split words");
	}
	*ret = words;
	return 0;
}
