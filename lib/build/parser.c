/* Recipe text -> instructions, following BuildKit's dockerfile parser:
 *
 *   - parser directives (# escape=` , # syntax=..., # check=...) only at the
 *     very top, before any other line;
 *   - comment lines ("#" after optional blanks) and blank lines are dropped,
 *     also in the middle of a continued instruction;
 *   - a line ending in the escape character (blanks after it allowed)
 *     continues on the next line;
 *   - RUN, COPY and ADD take heredocs: each "<<WORD" / "<<-WORD" /
 *     "<<'WORD'" word opens one, in order, on the lines that follow;
 *   - leading "--flag[=value]" words are flags (quotes removed);
 *   - an argument starting with "[" whose first JSON value is an array of
 *     strings is the exec form (text after that value is ignored, as Go's
 *     json.Decoder does for BuildKit); an array with anything but strings
 *     is an error; text that does not parse as JSON is the shell form
 *     (`RUN [ "a" = "a" ] && echo same`), for RUN, CMD, ENTRYPOINT and
 *     HEALTHCHECK CMD, and whitespace-separated words for COPY, ADD and
 *     VOLUME, as BuildKit's parseMaybeJSON / parseMaybeJSONToList have it.
 *     SHELL alone requires the JSON form.
 *
 * Everything is checked here that needs no context: the error names the
 * file and line, and nothing has run yet.
 */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build-internal.h"

/* ---- string vectors ---------------------------------------------------------- */

size_t cc_strv_len(char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

int cc_strv_take(char ***v, char *s)
{
	if (s == NULL)
		return -ENOMEM;
	size_t n = cc_strv_len(*v);
	char **nv = realloc(*v, (n + 2) * sizeof(char *));
	if (nv == NULL) {
		free(s);
		return -ENOMEM;
	}
	nv[n] = s;
	nv[n + 1] = NULL;
	*v = nv;
	return 0;
}

int cc_strv_push(char ***v, const char *s)
{
	if (s == NULL)
		return 0;
	return cc_strv_take(v, strdup(s));
}

char **cc_strv_dup(char *const *v)
{
	size_t n = cc_strv_len(v);
	char **d = calloc(n + 1, sizeof(char *));
	for (size_t i = 0; d && i < n; i++) {
		d[i] = strdup(v[i]);
		if (d[i] == NULL) {
			cc_strvfreep(&d);
			return NULL;
		}
	}
	return d;
}

const char *cc_strv_getenv(char *const *v, const char *key, size_t keylen)
{
	const char *found = NULL;
	for (size_t i = 0; v && v[i]; i++)
		if (strncmp(v[i], key, keylen) == 0 && v[i][keylen] == '=')
			found = v[i] + keylen + 1;
	return found;
}

int cc_strv_setenv(char ***v, const char *kv)
{
	const char *eq = strchr(kv, '=');
	size_t kl = eq ? (size_t)(eq - kv) : strlen(kv);
	for (size_t i = 0; *v && (*v)[i]; i++) {
		if (strncmp((*v)[i], kv, kl) == 0 && (*v)[i][kl] == '=') {
			char *d = strdup(kv);
			if (d == NULL)
				return -ENOMEM;
			free((*v)[i]);
			(*v)[i] = d;
			return 0;
		}
	}
	return cc_strv_push(v, kv);
}

int cc_recipe_error(cc_error **err, const char *file, int line, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "%s:%d: %s", file, line, msg);
	return cc_error_setk(err, CC_ERR_INVALID, 0, "%s: %s", file, msg);
}

/* ---- instructions ------------------------------------------------------------- */

static const struct {
	const char *name;
	enum cc_instr_kind kind;
} keywords[] = {
	{ "FROM", CC_I_FROM },         { "RUN", CC_I_RUN },
	{ "COPY", CC_I_COPY },         { "ADD", CC_I_ADD },
	{ "ENV", CC_I_ENV },           { "ARG", CC_I_ARG },
	{ "WORKDIR", CC_I_WORKDIR },   { "CMD", CC_I_CMD },
	{ "ENTRYPOINT", CC_I_ENTRYPOINT }, { "USER", CC_I_USER },
	{ "LABEL", CC_I_LABEL },       { "EXPOSE", CC_I_EXPOSE },
	{ "VOLUME", CC_I_VOLUME },     { "SHELL", CC_I_SHELL },
	{ "STOPSIGNAL", CC_I_STOPSIGNAL }, { "HEALTHCHECK", CC_I_HEALTHCHECK },
	{ "ONBUILD", CC_I_ONBUILD },   { "MAINTAINER", CC_I_MAINTAINER },
};

const char *cc_instr_name(enum cc_instr_kind k)
{
	for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (keywords[i].kind == k)
			return keywords[i].name;
	return "?";
}

static int lookup_keyword(const char *s, size_t n, enum cc_instr_kind *ret)
{
	for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++) {
		if (strlen(keywords[i].name) == n && strncasecmp(keywords[i].name, s, n) == 0) {
			*ret = keywords[i].kind;
			return 0;
		}
	}
	return -1;
}

static void instr_release(struct cc_instr *in)
{
	free(in->text);
	cc_strvfreep(&in->flags);
	cc_strvfreep(&in->args);
	for (size_t i = 0; i < in->n_heredocs; i++) {
		free(in->heredocs[i].name);
		free(in->heredocs[i].data);
	}
	free(in->heredocs);
}

void cc_recipe_free(struct cc_recipe *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n; i++)
		instr_release(&r->instrs[i]);
	free(r->instrs);
	free(r->file);
	free(r);
}

/* ---- lines -------------------------------------------------------------------- */

struct lexer {
	const char *file;
	const char *p, *end;
	int line;           /* number of the line next_line() returns next */
	char escape;
};

/* One physical line (without "\n" or "\r\n"); 0 at the end. */
static int next_line(struct lexer *lx, const char **ret, size_t *ret_len, int *ret_no)
{
	if (lx->p >= lx->end)
		return 0;
	const char *s = lx->p;
	const char *nl = memchr(s, '\n', (size_t)(lx->end - s));
	size_t len = nl ? (size_t)(nl - s) : (size_t)(lx->end - s);
	lx->p = nl ? nl + 1 : lx->end;
	if (len > 0 && s[len - 1] == '\r')
		len--;
	*ret = s;
	*ret_len = len;
	*ret_no = lx->line++;
	return 1;
}

static bool is_blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isspace((unsigned char)s[i]))
			return false;
	return true;
}

static bool is_comment(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && isspace((unsigned char)s[i]))
		i++;
	return i < n && s[i] == '#';
}

/* Length of the line without a trailing escape character (and the blanks
 * after it), or -1 when it does not continue. */
static ssize_t continued(const char *s, size_t n, char escape)
{
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n > 0 && s[n - 1] == escape)
		return (ssize_t)(n - 1);
	return -1;
}

/* "# name=value" at the top of the file. */
static int directive(const char *s, size_t n, char *name, size_t nlen, char *value, size_t vlen)
{
	size_t i = 0;
	if (n == 0 || s[0] != '#')
		return 0;
	i++;
	while (i < n && isspace((unsigned char)s[i]))
		i++;
	size_t k = i;
	if (i >= n || !isalpha((unsigned char)s[i]))
		return 0;
	while (i < n && isalnum((unsigned char)s[i]))
		i++;
	size_t kl = i - k;
	while (i < n && isspace((unsigned char)s[i]))
		i++;
	if (i >= n || s[i] != '=')
		return 0;
	i++;
	while (i < n && isspace((unsigned char)s[i]))
		i++;
	size_t e = n;
	while (e > i && isspace((unsigned char)s[e - 1]))
		e--;
	if (e == i || kl >= nlen || e - i >= vlen)
		return 0;
	for (size_t j = 0; j < kl; j++)
		name[j] = (char)tolower((unsigned char)s[k + j]);
	name[kl] = '\0';
	memcpy(value, s + i, e - i);
	value[e - i] = '\0';
	return 1;
}

static int directives(struct lexer *lx, cc_error **err)
{
	bool seen_escape = false, seen_syntax = false, seen_check = false;
	for (;;) {
		struct lexer save = *lx;
		const char *s;
		size_t n;
		int no;
		if (!next_line(lx, &s, &n, &no))
			return 0;
		char name[32], value[256];
		if (!directive(s, n, name, sizeof(name), value, sizeof(value))) {
			*lx = save;
			return 0;
		}
		bool *seen = strcmp(name, "escape") == 0   ? &seen_escape
			     : strcmp(name, "syntax") == 0 ? &seen_syntax
			     : strcmp(name, "check") == 0  ? &seen_check
							   : NULL;
		if (seen == NULL) { /* an unknown directive is a comment, and ends the directives */
			*lx = save;
			return 0;
		}
		if (*seen)
			return cc_recipe_error(err, lx->file, no, "only one %s parser directive can be used", name);
		*seen = true;
		if (seen == &seen_escape) {
			if (strcmp(value, "\\") != 0 && strcmp(value, "`") != 0)
				return cc_recipe_error(err, lx->file, no, "invalid escape token '%s' does not match ` or \\",
						       value);
			lx->escape = value[0];
		}
	}
}

/* ---- flags: BuildKit's extractBuilderFlags ------------------------------------------ */

static int extract_flags(const char *line, const char **ret_rest, char ***ret_flags)
{
	enum { IN_SPACES, IN_WORD, IN_QUOTE } phase = IN_SPACES;
	_cleanup_strv_ char **words = calloc(1, sizeof(char *));
	size_t len = strlen(line), wl = 0;
	_cleanup_free_ char *word = malloc(len + 1);
	char quote = 0;
	bool blank_ok = false;
	if (words == NULL || word == NULL)
		return -ENOMEM;
	word[0] = '\0';
	for (size_t pos = 0; pos <= len; pos++) {
		char ch = pos < len ? line[pos] : '\0';
		if (phase == IN_SPACES) {
			if (pos == len)
				break;
			if (isspace((unsigned char)ch))
				continue;
			if (ch != '-' || pos + 1 == len || line[pos + 1] != '-') {
				*ret_rest = line + pos;
				*ret_flags = steal_ptr(&words);
				return 0;
			}
			phase = IN_WORD;
		}
		if (pos == len) {
			if (strcmp(word, "--") != 0 && (blank_ok || wl > 0) && cc_strv_push(&words, word) < 0)
				return -ENOMEM;
			break;
		}
		if (phase == IN_WORD) {
			if (isspace((unsigned char)ch)) {
				phase = IN_SPACES;
				if (strcmp(word, "--") == 0) {
					*ret_rest = line + pos;
					while (isspace((unsigned char)**ret_rest))
						(*ret_rest)++;
					*ret_flags = steal_ptr(&words);
					return 0;
				}
				if ((blank_ok || wl > 0) && cc_strv_push(&words, word) < 0)
					return -ENOMEM;
				wl = 0;
				word[0] = '\0';
				blank_ok = false;
				continue;
			}
			if (ch == '\'' || ch == '"') {
				quote = ch;
				blank_ok = true;
				phase = IN_QUOTE;
				continue;
			}
			if (ch == '\\') {
				if (pos + 1 == len)
					continue;
				ch = line[++pos];
			}
			word[wl++] = ch;
			word[wl] = '\0';
			continue;
		}
		/* IN_QUOTE */
		if (ch == quote) {
			phase = IN_WORD;
			continue;
		}
		if (ch == '\\') {
			if (pos + 1 == len) {
				phase = IN_WORD;
				continue;
			}
			ch = line[++pos];
		}
		word[wl++] = ch;
		word[wl] = '\0';
	}
	*ret_rest = line + len;
	*ret_flags = steal_ptr(&words);
	return 0;
}

/* ---- heredocs -------------------------------------------------------------------------- */

/* A word "<<NAME", "<<-NAME", "<<'NAME'", "<<\"NAME\"" (optionally after a
 * file descriptor number): a heredoc.  Returns 1 and fills h, 0 when the
 * word is something else. */
static int heredoc_word(const char *w, struct cc_heredoc *h)
{
	while (isdigit((unsigned char)*w))
		w++;
	if (w[0] != '<' || w[1] != '<')
		return 0;
	w += 2;
	bool chomp = *w == '-';
	if (chomp)
		w++;
	if (*w == '\0' || strchr(w, '<'))
		return 0;
	size_t n = strlen(w);
	char *name = malloc(n + 1);
	if (name == NULL)
		return -ENOMEM;
	size_t o = 0;
	bool quoted = false;
	for (size_t i = 0; i < n; i++) {
		if (w[i] == '"' || w[i] == '\'') {
			quoted = true;
			continue;
		}
		if (w[i] == '\\' && i + 1 < n) {
			quoted = true;
			i++;
		}
		name[o++] = w[i];
	}
	name[o] = '\0';
	if (o == 0) {
		free(name);
		return 0;
	}
	*h = (struct cc_heredoc){ .name = name, .expand = !quoted, .chomp = chomp };
	return 1;
}

static int read_heredocs(struct lexer *lx, struct cc_instr *in, const char *rest, cc_error **err)
{
	_cleanup_strv_ char **words = NULL;
	if (cc_parse_words(rest, '\\', &words, err) < 0)
		return cc_error_prefix(err, "%s:%d", lx->file, in->line);
	for (char **w = words; w && *w; w++) {
		struct cc_heredoc h;
		int r = heredoc_word(*w, &h);
		if (r < 0)
			return cc_error_set(err, ENOMEM, "parse heredoc");
		if (r == 0)
			continue;
		struct cc_heredoc *nh = realloc(in->heredocs, (in->n_heredocs + 1) * sizeof(*nh));
		if (nh == NULL) {
			free(h.name);
			return cc_error_set(err, ENOMEM, "parse heredoc");
		}
		in->heredocs = nh;
		in->heredocs[in->n_heredocs++] = h;
	}
	for (size_t i = 0; i < in->n_heredocs; i++) {
		struct cc_heredoc *h = &in->heredocs[i];
		size_t cap = 256, len = 0;
		h->data = malloc(cap);
		if (h->data == NULL)
			return cc_error_set(err, ENOMEM, "parse heredoc");
		h->data[0] = '\0';
		bool done = false;
		const char *s;
		size_t n;
		int no;
		while (next_line(lx, &s, &n, &no)) {
			const char *t = s;
			size_t tn = n;
			if (h->chomp)
				while (tn > 0 && *t == '\t') {
					t++;
					tn--;
				}
			if (tn == strlen(h->name) && memcmp(t, h->name, tn) == 0) {
				done = true;
				break;
			}
			if (len + n + 2 > CC_BUILD_MAX_LINE * 4)
				return cc_recipe_error(err, lx->file, in->line, "heredoc '%s' is too long", h->name);
			if (len + n + 2 > cap) {
				while (len + n + 2 > cap)
					cap *= 2;
				char *nd = realloc(h->data, cap);
				if (nd == NULL)
					return cc_error_set(err, ENOMEM, "parse heredoc");
				h->data = nd;
			}
			memcpy(h->data + len, s, n);
			len += n;
			h->data[len++] = '\n';
			h->data[len] = '\0';
		}
		if (!done)
			return cc_recipe_error(err, lx->file, in->line, "unterminated heredoc '%s'", h->name);
	}
	return 0;
}

/* ---- JSON (exec) form -------------------------------------------------------------------- */

static bool json_capable(enum cc_instr_kind k)
{
	return k == CC_I_RUN || k == CC_I_CMD || k == CC_I_ENTRYPOINT || k == CC_I_SHELL || k == CC_I_COPY ||
	       k == CC_I_ADD || k == CC_I_VOLUME;
}

/* BuildKit's parseJSON: 1: the text's first JSON value is an array of
 * strings (ret set); 0: not JSON (the caller falls back to the shell
 * form); -1: an array with something else than strings (msg). */
static int parse_json_array(const char *s, char ***ret, char *msg, size_t msglen)
{
	while (isspace((unsigned char)*s))
		s++;
	if (*s != '[')
		return 0;
	json_error_t je;
	json_t *a = json_loads(s, JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK, &je);
	if (a == NULL || !json_is_array(a)) {
		json_decref(a);
		return 0;
	}
	char **v = calloc(json_array_size(a) + 1, sizeof(char *));
	size_t i;
	json_t *e;
	json_array_foreach(a, i, e) {
		if (!json_is_string(e)) {
			snprintf(msg, msglen, "when using JSON array syntax, arrays must be comprised of strings only");
			cc_strvfreep(&v);
			json_decref(a);
			return -1;
		}
		if (v && (v[i] = strdup(json_string_value(e))) == NULL)
			cc_strvfreep(&v);
	}
	json_decref(a);
	if (v == NULL) {
		snprintf(msg, msglen, "out of memory");
		return -1;
	}
	*ret = v;
	return 1;
}

/* ---- one instruction ------------------------------------------------------------------- */

static int parse_instruction(struct lexer *lx, const char *logical, int line, struct cc_instr *in, cc_error **err)
{
	const char *s = logical;
	while (isspace((unsigned char)*s))
		s++;
	const char *kw = s;
	while (*s && !isspace((unsigned char)*s))
		s++;
	size_t kwlen = (size_t)(s - kw);
	in->line = line;
	size_t tl = strlen(kw);
	while (tl > 0 && isspace((unsigned char)kw[tl - 1]))
		tl--;
	in->text = strndup(kw, tl);
	if (in->text == NULL)
		return cc_error_set(err, ENOMEM, "parse recipe");
	if (lookup_keyword(kw, kwlen, &in->kind) < 0)
		return cc_recipe_error(err, lx->file, line, "unknown instruction: %.*s", (int)kwlen, kw);
	while (isspace((unsigned char)*s))
		s++;
	const char *rest = NULL;
	if (extract_flags(s, &rest, &in->flags) < 0)
		return cc_error_set(err, ENOMEM, "parse recipe");
	_cleanup_free_ char *args = strdup(rest);
	if (args == NULL)
		return cc_error_set(err, ENOMEM, "parse recipe");
	size_t al = strlen(args);
	while (al > 0 && isspace((unsigned char)args[al - 1]))
		args[--al] = '\0';
	const char *name = cc_instr_name(in->kind);

	if ((in->kind == CC_I_RUN || in->kind == CC_I_COPY || in->kind == CC_I_ADD) && strstr(args, "<<") &&
	    read_heredocs(lx, in, args, err) < 0)
		return -1;
	if (al == 0)
		return cc_recipe_error(err, lx->file, line, "%s requires at least one argument", name);
	if (json_capable(in->kind) && in->n_heredocs == 0) {
		char msg[256];
		int r = parse_json_array(args, &in->args, msg, sizeof(msg));
		if (r > 0) {
			in->json = true;
			return 0;
		}
		if (r < 0)
			return cc_recipe_error(err, lx->file, line, "%s: %s", name, msg);
		if (in->kind == CC_I_SHELL)
			return cc_recipe_error(err, lx->file, line, "SHELL requires the arguments to be in JSON form");
	}
	if (in->kind == CC_I_ONBUILD) {
		const char *t = args;
		size_t n = strcspn(t, " \t");
		enum cc_instr_kind k;
		if (lookup_keyword(t, n, &k) < 0)
			return cc_recipe_error(err, lx->file, line, "ONBUILD: unknown instruction: %.*s", (int)n, t);
		if (k == CC_I_ONBUILD || k == CC_I_FROM || k == CC_I_MAINTAINER)
			return cc_recipe_error(err, lx->file, line, "%s isn't allowed as an ONBUILD trigger",
					       cc_instr_name(k));
	}
	in->args = calloc(2, sizeof(char *));
	if (in->args == NULL || (in->args[0] = steal_ptr(&args)) == NULL)
		return cc_error_set(err, ENOMEM, "parse recipe");
	return 0;
}

int cc_recipe_parse(const char *file, const char *text, size_t len, struct cc_recipe **ret, cc_error **err)
{
	if (len > CC_BUILD_MAX_RECIPE)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "%s: larger than %d bytes", file, CC_BUILD_MAX_RECIPE);
	if (memchr(text, '\0', len))
		return cc_error_setk(err, CC_ERR_INVALID, 0, "%s: contains a NUL byte, not a text file", file);
	struct cc_recipe *r = calloc(1, sizeof(*r));
	if (r == NULL || (r->file = strdup(file)) == NULL) {
		cc_recipe_free(r);
		return cc_error_set(err, ENOMEM, "parse recipe");
	}
	struct lexer lx = { .file = file, .p = text, .end = text + len, .line = 1, .escape = '\\' };
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		lx.p += 3;
	if (directives(&lx, err) < 0) {
		cc_recipe_free(r);
		return -1;
	}
	r->escape = lx.escape;
	size_t cap = 0;
	const char *s;
	size_t n;
	int no;
	while (next_line(&lx, &s, &n, &no)) {
		if (is_blank(s, n) || is_comment(s, n))
			continue;
		size_t cur = 0, lcap = n + 1;
		_cleanup_free_ char *logical = malloc(lcap);
		if (logical == NULL) {
			cc_recipe_free(r);
			return cc_error_set(err, ENOMEM, "parse recipe");
		}
		const char *piece = s;
		size_t plen = n;
		bool more = true;
		while (more) {
			ssize_t c = continued(piece, plen, lx.escape);
			size_t take = c >= 0 ? (size_t)c : plen;
			if (cur + take + 1 > CC_BUILD_MAX_LINE) {
				cc_recipe_free(r);
				return cc_recipe_error(err, file, no, "instruction longer than %d bytes", CC_BUILD_MAX_LINE);
			}
			if (cur + take + 1 > lcap) {
				lcap = (cur + take + 1) * 2;
				char *nl = realloc(logical, lcap);
				if (nl == NULL) {
					cc_recipe_free(r);
					return cc_error_set(err, ENOMEM, "parse recipe");
				}
				logical = nl;
			}
			memcpy(logical + cur, piece, take);
			cur += take;
			logical[cur] = '\0';
			more = false;
			if (c < 0)
				break;
			/* the next line that is neither a comment nor blank continues it */
			int dummy;
			while (next_line(&lx, &piece, &plen, &dummy)) {
				if (is_comment(piece, plen) || is_blank(piece, plen))
					continue;
				more = true;
				break;
			}
		}
		if (r->n == CC_BUILD_MAX_INSTRUCTIONS) {
			cc_recipe_free(r);
			return cc_recipe_error(err, file, no, "more than %d instructions", CC_BUILD_MAX_INSTRUCTIONS);
		}
		if (r->n == cap) {
			cap = cap ? cap * 2 : 16;
			struct cc_instr *ni = realloc(r->instrs, cap * sizeof(*ni));
			if (ni == NULL) {
				cc_recipe_free(r);
				return cc_error_set(err, ENOMEM, "parse recipe");
			}
			r->instrs = ni;
		}
		struct cc_instr *in = &r->instrs[r->n++];
		*in = (struct cc_instr){ 0 };
		if (parse_instruction(&lx, logical, no, in, err) < 0) {
			cc_recipe_free(r);
			return -1;
		}
	}
	*ret = r;
	return 0;
}
