/* .containerignore / .dockerignore: a port of moby/patternmatcher.
 *
 * patternmatcher turns each cleaned pattern into one of four matchers:
 * exact string, prefix (a pattern ending in a double star after only
 * literal characters), suffix (a pattern starting with a double star), or
 * a regular expression built from the pattern: a star is "[^/]*", "?" is
 * "[^/]", a double star followed by more is "(.*SLASH)?" and at the end
 * ".*", [...] is passed through as a Go regexp class, "\x" is x.  We keep
 * the same classification and run the regular expression as a small
 * token list with backtracking, so the class semantics are Go's (a negated
 * class matches "/" too) and not POSIX regcomp()'s.  Syntax is checked
 * first with Go's filepath.Match rules, as patternmatcher does.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "build-internal.h"

enum match_type { M_EXACT, M_PREFIX, M_SUFFIX, M_REGEXP };

enum tok_kind {
	T_LIT,      /* one byte */
	T_STAR,     /* [^/]* */
	T_QMARK,    /* [^/]: one character */
	T_ANY_DIRS, /* (.*\/)? */
	T_ANY,      /* .* */
	T_CLASS,    /* [...] */
};

struct range {
	uint32_t lo, hi;
};

struct tok {
	enum tok_kind kind;
	unsigned char c;
	bool negate;
	struct range *ranges;
	size_t n_ranges;
};

struct pattern {
	char *text;          /* cleaned, without "!" */
	bool exclusion;
	enum match_type type;
	struct tok *toks;
	size_t n_toks;
};

struct cc_ignore {
	struct pattern *p;
	size_t n;
	bool exceptions;
	char **display;      /* text with "!" restored */
};

/* ---- UTF-8, as Go decodes it (an invalid byte is one U+FFFD) ------------- */

static size_t decode_rune(const unsigned char *s, size_t len, uint32_t *r)
{
	if (len == 0) {
		*r = 0;
		return 0;
	}
	unsigned char c = s[0];
	size_t n;
	uint32_t v;
	if (c < 0x80) {
		*r = c;
		return 1;
	} else if ((c & 0xe0) == 0xc0) {
		n = 2;
		v = c & 0x1f;
	} else if ((c & 0xf0) == 0xe0) {
		n = 3;
		v = c & 0x0f;
	} else if ((c & 0xf8) == 0xf0) {
		n = 4;
		v = c & 0x07;
	} else {
		*r = 0xfffd;
		return 1;
	}
	if (len < n) {
		*r = 0xfffd;
		return 1;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*r = 0xfffd;
			return 1;
		}
		v = (v << 6) | (s[i] & 0x3f);
	}
	*r = v;
	return n;
}

/* ---- Go's filepath.Clean --------------------------------------------------- */

char *cc_go_clean(const char *path)
{
	size_t n = strlen(path);
	if (n == 0)
		return strdup(".");
	bool rooted = path[0] == '/';
	char *out = malloc(n + 2);
	if (out == NULL)
		return NULL;
	size_t w = 0, r = 0, dotdot = 0;
	if (rooted) {
		out[w++] = '/';
		r = 1;
		dotdot = 1;
	}
	while (r < n) {
		if (path[r] == '/') {
			r++;
		} else if (path[r] == '.' && (r + 1 == n || path[r + 1] == '/')) {
			r++;
		} else if (path[r] == '.' && path[r + 1] == '.' && (r + 2 == n || path[r + 2] == '/')) {
			r += 2;
			if (w > dotdot) {
				w--;
				while (w > dotdot && out[w] != '/')
					w--;
			} else if (!rooted) {
				if (w > 0)
					out[w++] = '/';
				out[w++] = '.';
				out[w++] = '.';
				dotdot = w;
			}
		} else {
			if ((rooted && w != 1) || (!rooted && w != 0))
				out[w++] = '/';
			for (; r < n && path[r] != '/'; r++)
				out[w++] = path[r];
		}
	}
	if (w == 0)
		out[w++] = '.';
	out[w] = '\0';
	return out;
}

/* ---- Go's filepath.Match syntax check -------------------------------------- */

/* getEsc: one class bound; -1 on a bad pattern. */
static int get_esc(const char **chunk, const char *end)
{
	const char *c = *chunk;
	if (c >= end || *c == '-' || *c == ']')
		return -1;
	if (*c == '\\') {
		c++;
		if (c >= end)
			return -1;
	}
	uint32_t r;
	size_t n = decode_rune((const unsigned char *)c, (size_t)(end - c), &r);
	if (r == 0xfffd && n == 1 && (unsigned char)*c >= 0x80)
		return -1;
	c += n;
	if (c >= end)
		return -1;
	*chunk = c;
	return 0;
}

/* matchChunk in "failed" mode: only the syntax is checked. */
static int chunk_valid(const char *c, const char *end)
{
	while (c < end) {
		if (*c == '[') {
			c++;
			if (c < end && *c == '^')
				c++;
			int nrange = 0;
			for (;;) {
				if (c < end && *c == ']' && nrange > 0) {
					c++;
					break;
				}
				if (get_esc(&c, end) < 0)
					return -1;
				if (*c == '-') {
					c++;
					if (get_esc(&c, end) < 0)
						return -1;
				}
				nrange++;
			}
		} else if (*c == '\\') {
			c++;
			if (c >= end)
				return -1;
			c++;
		} else {
			c++;
		}
	}
	return 0;
}

static int go_match_syntax(const char *pattern)
{
	const char *p = pattern, *end = pattern + strlen(pattern);
	while (p < end) {
		while (p < end && *p == '*')
			p++;
		bool inrange = false;
		const char *q = p;
		for (; q < end; q++) {
			if (*q == '\\') {
				if (q + 1 < end)
					q++;
			} else if (*q == '[') {
				inrange = true;
			} else if (*q == ']') {
				inrange = false;
			} else if (*q == '*' && !inrange) {
				break;
			}
		}
		if (chunk_valid(p, q) < 0)
			return -1;
		p = q;
	}
	return 0;
}

/* ---- compile --------------------------------------------------------------- */

static int add_tok(struct pattern *p, struct tok t)
{
	struct tok *n = realloc(p->toks, (p->n_toks + 1) * sizeof(*n));
	if (n == NULL)
		return -ENOMEM;
	p->toks = n;
	p->toks[p->n_toks++] = t;
	return 0;
}

static int add_lit(struct pattern *p, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (add_tok(p, (struct tok){ .kind = T_LIT, .c = (unsigned char)s[i] }) < 0)
			return -ENOMEM;
	return 0;
}

/* A Go regexp class from the pattern text after "[" (syntax already
 * checked): "^" negates, "\x" is x, "a-z" a range, "]" ends. */
static int add_class(struct pattern *p, const char **pos, const char *end)
{
	const char *c = *pos;
	struct tok t = { .kind = T_CLASS };
	if (c < end && *c == '^') {
		t.negate = true;
		c++;
	}
	while (c < end && *c != ']') {
		uint32_t lo, hi;
		if (*c == '\\')
			c++;
		c += decode_rune((const unsigned char *)c, (size_t)(end - c), &lo);
		hi = lo;
		if (c + 1 < end && *c == '-' && c[1] != ']') {
			c++;
			if (*c == '\\')
				c++;
			c += decode_rune((const unsigned char *)c, (size_t)(end - c), &hi);
		}
		struct range *nr = realloc(t.ranges, (t.n_ranges + 1) * sizeof(*nr));
		if (nr == NULL) {
			free(t.ranges);
			return -ENOMEM;
		}
		t.ranges = nr;
		t.ranges[t.n_ranges++] = (struct range){ lo, hi };
	}
	if (c < end)
		c++; /* ']' */
	*pos = c;
	if (add_tok(p, t) < 0) {
		free(t.ranges);
		return -ENOMEM;
	}
	return 0;
}

/* patternmatcher's Pattern.compile(), producing tokens instead of a regexp. */
static int compile(struct pattern *p)
{
	const char *s = p->text, *end = s + strlen(s);
	enum match_type type = M_EXACT;
	for (size_t i = 0; s < end; i++) {
		char ch = *s;
		if (ch == '*') {
			s++;
			if (s < end && *s == '*') {
				s++;
				if (s < end && *s == '/')
					s++;
				if (s == end) {
					if (type == M_EXACT) {
						type = M_PREFIX;
					} else {
						if (add_tok(p, (struct tok){ .kind = T_ANY }) < 0)
							return -ENOMEM;
						type = M_REGEXP;
					}
				} else {
					if (add_tok(p, (struct tok){ .kind = T_ANY_DIRS }) < 0)
						return -ENOMEM;
					type = M_REGEXP;
				}
				if (i == 0)
					type = M_SUFFIX;
			} else {
				if (add_tok(p, (struct tok){ .kind = T_STAR }) < 0)
					return -ENOMEM;
				type = M_REGEXP;
			}
		} else if (ch == '?') {
			s++;
			if (add_tok(p, (struct tok){ .kind = T_QMARK }) < 0)
				return -ENOMEM;
			type = M_REGEXP;
		} else if (ch == '\\') {
			s++;
			if (s < end) {
				uint32_t r;
				size_t n = decode_rune((const unsigned char *)s, (size_t)(end - s), &r);
				if (add_lit(p, s, n) < 0)
					return -ENOMEM;
				s += n;
				type = M_REGEXP;
			} else if (add_lit(p, "\\", 1) < 0) {
				return -ENOMEM;
			}
		} else if (ch == '[') {
			s++;
			if (add_class(p, &s, end) < 0)
				return -ENOMEM;
			type = M_REGEXP;
		} else {
			uint32_t r;
			size_t n = decode_rune((const unsigned char *)s, (size_t)(end - s), &r);
			if (add_lit(p, s, n) < 0)
				return -ENOMEM;
			s += n;
		}
	}
	p->type = type;
	return 0;
}

/* ---- match ----------------------------------------------------------------- */

static bool class_has(const struct tok *t, uint32_t r)
{
	bool in = false;
	for (size_t i = 0; i < t->n_ranges && !in; i++)
		in = t->ranges[i].lo <= r && r <= t->ranges[i].hi;
	return in != t->negate;
}

/* The token list as an NFA, run over the path once (Go's regexp package
 * is RE2: linear too).  Backtracking over the tokens, as this file did,
 * takes exponential time in the number of stars: "*a*a*a...*b" against
 * a long name ran for minutes (fuzz-ignore found it).
 *
 * States: S(i) "token i is next" for i in 0..nt (S(nt) accepts), and D(i)
 * "inside the .* of the (.*\/)? at token i".  The semantics are those of
 * the tokens: a literal is one byte, ? and a class one rune, * any bytes
 * but "/", (.*\/)? nothing or anything ending in "/", .* anything. */
#define RE_AHEAD 5 /* a rune is at most 4 bytes: positions k..k+4 */

struct re_run {
	const struct tok *t;
	size_t nt, m;       /* m = 2 * nt + 1 states */
	bool *set[RE_AHEAD];
	bool any[RE_AHEAD];
};

/* Add S(i) and what it reaches without input. */
static void re_enter(struct re_run *r, size_t slot, size_t i)
{
	bool *set = r->set[slot];
	for (; !set[i]; i++) {
		set[i] = true;
		r->any[slot] = true;
		if (i == r->nt)
			return;
		enum tok_kind k = r->t[i].kind;
		if (k == T_ANY_DIRS) {
			set[r->nt + 1 + i] = true;
		} else if (k != T_STAR && k != T_ANY) {
			return;
		}
	}
}

static bool re_match(const struct tok *t, size_t nt, const char *s, size_t len)
{
	struct re_run r = { .t = t, .nt = nt, .m = 2 * nt + 1 };
	bool stack[RE_AHEAD * 64];
	bool *mem = r.m <= 64 ? stack : calloc(RE_AHEAD, r.m);
	if (mem == NULL)
		return false; /* no memory: match nothing, as for a path that fits no pattern */
	memset(mem, 0, RE_AHEAD * r.m);
	for (size_t i = 0; i < RE_AHEAD; i++)
		r.set[i] = mem + i * r.m;
	re_enter(&r, 0, 0);
	bool ok = false;
	for (size_t k = 0;; k++) {
		size_t cur = k % RE_AHEAD, next = (k + 1) % RE_AHEAD;
		bool *set = r.set[cur];
		if (k == len) {
			ok = set[nt];
			break;
		}
		if (!r.any[cur]) {
			/* a rune token may still land further ahead */
			bool ahead = false;
			for (size_t j = 1; j < RE_AHEAD; j++)
				ahead |= r.any[(k + j) % RE_AHEAD];
			if (!ahead)
				break;
			continue;
		}
		unsigned char c = (unsigned char)s[k];
		for (size_t i = 0; i < nt; i++) {
			if (set[nt + 1 + i]) { /* D(i) */
				r.set[next][nt + 1 + i] = true;
				r.any[next] = true;
				if (c == '/')
					re_enter(&r, next, i + 1);
			}
			if (!set[i])
				continue;
			switch (t[i].kind) {
			case T_LIT:
				if (c == t[i].c)
					re_enter(&r, next, i + 1);
				break;
			case T_QMARK:
			case T_CLASS: {
				uint32_t rune;
				size_t n = decode_rune((const unsigned char *)s + k, len - k, &rune);
				if (t[i].kind == T_QMARK ? rune != '/' : class_has(&t[i], rune))
					re_enter(&r, (k + n) % RE_AHEAD, i + 1);
				break;
			}
			case T_STAR:
				if (c != '/')
					re_enter(&r, next, i);
				break;
			case T_ANY:
				re_enter(&r, next, i);
				break;
			case T_ANY_DIRS:
				break; /* consumes through D(i) */
			}
		}
		memset(set, 0, r.m);
		r.any[cur] = false;
	}
	if (mem != stack)
		free(mem);
	return ok;
}

static bool pattern_match(const struct pattern *p, const char *path, size_t len)
{
	size_t pl = strlen(p->text);
	switch (p->type) {
	case M_EXACT:
		return len == pl && memcmp(path, p->text, pl) == 0;
	case M_PREFIX:
		return len >= pl - 2 && memcmp(path, p->text, pl - 2) == 0;
	case M_SUFFIX: {
		const char *suffix = p->text + 2;
		size_t sl = pl - 2;
		if (len >= sl && memcmp(path + len - sl, suffix, sl) == 0)
			return true;
		return sl > 0 && suffix[0] == '/' && len == sl - 1 && memcmp(path, suffix + 1, sl - 1) == 0;
	}
	case M_REGEXP:
		return re_match(p->toks, p->n_toks, path, len);
	}
	return false;
}

static bool matches(const struct cc_ignore *m, const char *file, bool parents)
{
	if (m == NULL)
		return false;
	size_t len = strlen(file);
	/* filepath.Dir(file): everything before the last "/" ("." when none) */
	const char *slash = strrchr(file, '/');
	bool matched = false;
	for (size_t i = 0; i < m->n; i++) {
		const struct pattern *p = &m->p[i];
		if (p->exclusion != matched)
			continue;
		bool match = pattern_match(p, file, len);
		if (!match && parents && slash != NULL && slash != file) {
			/* each parent prefix "a", "a/b", ... of Dir(file) */
			for (const char *c = file; c <= slash && !match; c++)
				if (*c == '/' && c != file)
					match = pattern_match(p, file, (size_t)(c - file));
		}
		if (match)
			matched = !p->exclusion;
	}
	return matched;
}

bool cc_ignore_matches(const struct cc_ignore *m, const char *path)
{
	return matches(m, path, true);
}

bool cc_ignore_matches_exact(const struct cc_ignore *m, const char *path)
{
	return matches(m, path, false);
}

bool cc_ignore_has_exceptions(const struct cc_ignore *m)
{
	return m != NULL && m->exceptions;
}

size_t cc_ignore_count(const struct cc_ignore *m)
{
	return m ? m->n : 0;
}

const char *cc_ignore_pattern(const struct cc_ignore *m, size_t i)
{
	return m && i < m->n ? m->display[i] : NULL;
}

void cc_ignore_free(struct cc_ignore *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->n; i++) {
		for (size_t j = 0; j < m->p[i].n_toks; j++)
			free(m->p[i].toks[j].ranges);
		free(m->p[i].toks);
		free(m->p[i].text);
		free(m->display[i]);
	}
	free(m->p);
	free(m->display);
	free(m);
}

static char *trim_space(const char *s, size_t len)
{
	while (len > 0 && strchr(" \t\r\n\v\f", *s)) {
		s++;
		len--;
	}
	while (len > 0 && strchr(" \t\r\n\v\f", s[len - 1]))
		len--;
	return strndup(s, len);
}

int cc_ignore_new(const char *const *patterns, size_t n, struct cc_ignore **ret, cc_error **err)
{
	struct cc_ignore *m = calloc(1, sizeof(*m));
	if (m == NULL || (n > 0 && ((m->p = calloc(n, sizeof(*m->p))) == NULL ||
				    (m->display = calloc(n, sizeof(char *))) == NULL))) {
		cc_ignore_free(m);
		return cc_error_set(err, ENOMEM, "ignore patterns");
	}
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *t = trim_space(patterns[i], strlen(patterns[i]));
		if (t == NULL) {
			cc_ignore_free(m);
			return cc_error_set(err, ENOMEM, "ignore patterns");
		}
		if (*t == '\0')
			continue;
		_cleanup_free_ char *clean = cc_go_clean(t);
		if (clean == NULL) {
			cc_ignore_free(m);
			return cc_error_set(err, ENOMEM, "ignore patterns");
		}
		struct pattern *p = &m->p[m->n];
		const char *body = clean;
		if (clean[0] == '!') {
			if (clean[1] == '\0') {
				cc_ignore_free(m);
				return cc_error_setk(err, CC_ERR_INVALID, 0, "illegal exclusion pattern: \"!\"");
			}
			p->exclusion = true;
			m->exceptions = true;
			body = clean + 1;
		}
		if (go_match_syntax(body) < 0) {
			cc_ignore_free(m);
			return cc_error_setk(err, CC_ERR_INVALID, 0, "syntax error in pattern '%s'", body);
		}
		p->text = strdup(body);
		m->display[m->n] = strdup(clean);
		m->n++;
		if (p->text == NULL || m->display[m->n - 1] == NULL || compile(p) < 0) {
			cc_ignore_free(m);
			return cc_error_set(err, ENOMEM, "ignore patterns");
		}
	}
	*ret = m;
	return 0;
}

int cc_ignore_parse(const char *text, size_t len, struct cc_ignore **ret, cc_error **err)
{
	if (len > CC_BUILD_MAX_IGNORE)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "ignore file larger than %d bytes", CC_BUILD_MAX_IGNORE);
	_cleanup_strv_ char **pats = calloc(1, sizeof(char *));
	size_t n = 0;
	if (pats == NULL)
		return cc_error_set(err, ENOMEM, "ignore file");
	const char *p = text, *end = text + len;
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		const char *line = p;
		size_t ll = (size_t)(le - line);
		p = nl ? nl + 1 : end;
		if (ll > 0 && line[ll - 1] == '\r')
			ll--; /* bufio.ScanLines drops a trailing \r */
		if (ll > 0 && line[0] == '#')
			continue;
		_cleanup_free_ char *pat = trim_space(line, ll);
		if (pat == NULL)
			return cc_error_set(err, ENOMEM, "ignore file");
		if (*pat == '\0')
			continue;
		bool invert = pat[0] == '!';
		_cleanup_free_ char *body = invert ? trim_space(pat + 1, strlen(pat + 1)) : strdup(pat);
		if (body == NULL)
			return cc_error_set(err, ENOMEM, "ignore file");
		if (*body) {
			char *c = cc_go_clean(body);
			if (c == NULL)
				return cc_error_set(err, ENOMEM, "ignore file");
			free(body);
			body = c;
			if (strlen(body) > 1 && body[0] == '/')
				memmove(body, body + 1, strlen(body));
		}
		char *final = NULL;
		if (asprintf(&final, "%s%s", invert ? "!" : "", body) < 0)
			return cc_error_set(err, ENOMEM, "ignore file");
		char **np = realloc(pats, (n + 2) * sizeof(char *));
		if (np == NULL) {
			free(final);
			return cc_error_set(err, ENOMEM, "ignore file");
		}
		pats = np;
		pats[n++] = final;
		pats[n] = NULL;
	}
	return cc_ignore_new((const char *const *)pats, n, ret, err);
}
