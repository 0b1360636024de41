/* Interpolation as the compose specification defines it, and docker's
 * .env syntax. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "compose-internal.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

static bool name_start(char c)
{
	return c == '_' || isalpha((unsigned char)c);
}
static bool name_char(char c)
{
	return c == '_' || isalnum((unsigned char)c);
}

static int interp(const char *s, size_t len, cc_compose_lookup_fn lookup, void *ctx, int depth, struct cc_strbuf *out,
		  cc_error **err);

/* s[0..len) is the inside of ${...}. */
static int braced(const char *s, size_t len, cc_compose_lookup_fn lookup, void *ctx, int depth, struct cc_strbuf *out,
		  cc_error **err)
{
	size_t i = 0;
	while (i < len && name_char(s[i]))
		i++;
	if (i == 0 || !name_start(s[0]))
		return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid interpolation format for \"${%.*s}\"", (int)(len > 64 ? 64 : len), s);
	_cleanup_free_ char *name = strndup(s, i);
	if (name == NULL)
		return cc_error_set(err, 12, "out of memory");
	const char *val = lookup(name, ctx);
	if (i == len) {
		if (val == NULL)
			cc_debugf("compose: the \"%s\" variable is not set, defaulting to a blank string", name);
		else
			cc_strbuf_add(out, val, strlen(val));
		return 0;
	}
	bool colon = s[i] == ':';
	if (colon)
		i++;
	if (i >= len || strchr("-?+", s[i]) == NULL)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid interpolation format for \"${%.*s}\"", (int)(len > 64 ? 64 : len), s);
	char op = s[i++];
	const char *arg = s + i;
	size_t arg_len = len - i;
	bool set = val != NULL && (!colon || val[0] != '\0');
	switch (op) {
	case '-':
		if (set) {
			cc_strbuf_add(out, val, strlen(val));
			return 0;
		}
		return interp(arg, arg_len, lookup, ctx, depth + 1, out, err);
	case '+':
		if (!set)
			return 0;
		return interp(arg, arg_len, lookup, ctx, depth + 1, out, err);
	default: /* '?' */
		if (set) {
			cc_strbuf_add(out, val, strlen(val));
			return 0;
		}
		struct cc_strbuf m = { 0 };
		int rc = interp(arg, arg_len, lookup, ctx, depth + 1, &m, err);
		if (rc < 0) {
			cc_strbuf_release(&m);
			return rc;
		}
		_cleanup_free_ char *msg = cc_strbuf_steal(&m);
		return cc_error_setk(err, CC_ERR_INVALID, 0, "required variable %s is missing a value%s%s", name,
				     msg && *msg ? ": " : "", msg ? msg : "");
	}
}

static int interp(const char *s, size_t len, cc_compose_lookup_fn lookup, void *ctx, int depth, struct cc_strbuf *out,
		  cc_error **err)
{
	if (depth > 16)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "interpolation nested deeper than 16");
	for (size_t i = 0; i < len;) {
		if (out->len > CC_COMPOSE_MAX_VALUE)
			return cc_error_setk(err, CC_ERR_INVALID, 0, "a value is longer than %d bytes after interpolation",
					     CC_COMPOSE_MAX_VALUE);
		const char *d = memchr(s + i, '$', len - i);
		if (d == NULL) {
			cc_strbuf_add(out, s + i, len - i);
			break;
		}
		size_t at = (size_t)(d - s);
		cc_strbuf_add(out, s + i, at - i);
		i = at + 1;
		if (i < len && s[i] == '$') {
			cc_strbuf_add(out, "$", 1);
			i++;
		} else if (i < len && s[i] == '{') {
			/* the matching brace: ${A:-${B}} nests */
			size_t j = i + 1;
			int level = 1;
			for (; j < len; j++) {
				if (s[j] == '{' && s[j - 1] == '$')
					level++;
				else if (s[j] == '}' && --level == 0)
					break;
			}
			if (j >= len)
				return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid interpolation format for \"%.*s\": no closing brace",
						     (int)(len - at > 64 ? 64 : len - at), s + at);
			int rc = braced(s + i + 1, j - i - 1, lookup, ctx, depth, out, err);
			if (rc < 0)
				return rc;
			i = j + 1;
		} else if (i < len && name_start(s[i])) {
			size_t j = i;
			while (j < len && name_char(s[j]))
				j++;
			_cleanup_free_ char *name = strndup(s + i, j - i);
			if (name == NULL)
				return cc_error_set(err, 12, "out of memory");
			const char *val = lookup(name, ctx);
			if (val != NULL)
				cc_strbuf_add(out, val, strlen(val));
			else
				cc_debugf("compose: the \"%s\" variable is not set, defaulting to a blank string", name);
			i = j;
		} else {
			/* a lone '$' (end, or before a non-name): kept, as docker does */
			cc_strbuf_add(out, "$", 1);
		}
	}
	if (out->oom)
		return cc_error_set(err, 12, "out of memory");
	return 0;
}

int cc_compose_interpolate(const char *s, cc_compose_lookup_fn lookup, void *ctx, char **ret, cc_error **err)
{
	struct cc_strbuf sb = { 0 };
	int rc = interp(s, strlen(s), lookup, ctx, 0, &sb, err);
	if (rc == 0 && sb.len > CC_COMPOSE_MAX_VALUE)
		rc = cc_error_setk(err, CC_ERR_INVALID, 0, "a value is longer than %d bytes after interpolation", CC_COMPOSE_MAX_VALUE);
	if (rc < 0) {
		cc_strbuf_release(&sb);
		return rc;
	}
	char *r = cc_strbuf_steal(&sb);
	if (r == NULL)
		return cc_error_set(err, 12, "out of memory");
	*ret = r;
	return 0;
}

void cc_compose_kvs_release(struct cc_compose_kvs *kv)
{
	for (size_t i = 0; i < kv->n; i++) {
		free(kv->v[i].key);
		free(kv->v[i].value);
	}
	free(kv->v);
	kv->v = NULL;
	kv->n = 0;
}

/* .env: earlier keys are visible to later values, then lookup. */
struct dotenv_ctx {
	struct cc_compose_kvs *kv;
	cc_compose_lookup_fn lookup;
	void *ctx;
};

static const char *dotenv_lookup(const char *name, void *p)
{
	struct dotenv_ctx *d = p;
	for (size_t i = d->kv->n; i-- > 0;)
		if (strcmp(d->kv->v[i].key, name) == 0)
			return d->kv->v[i].value;
	return d->lookup ? d->lookup(name, d->ctx) : NULL;
}

static int kv_set(struct cc_compose_kvs *kv, char *key, char *value)
{
	for (size_t i = 0; i < kv->n; i++) {
		if (strcmp(kv->v[i].key, key) == 0) {
			free(key);
			free(kv->v[i].value);
			kv->v[i].value = value;
			return 0;
		}
	}
	struct cc_compose_kv *v = realloc(kv->v, (kv->n + 1) * sizeof(*v));
	if (v == NULL) {
		free(key);
		free(value);
		return -1;
	}
	kv->v = v;
	kv->v[kv->n].key = key;
	kv->v[kv->n].value = value;
	kv->n++;
	return 0;
}

int cc_compose_dotenv_parse(const char *name, const char *text, size_t len, cc_compose_lookup_fn lookup, void *ctx,
			    struct cc_compose_kvs *ret, cc_error **err)
{
	struct cc_compose_kvs kv = { 0 };
	struct dotenv_ctx dc = { .kv = &kv, .lookup = lookup, .ctx = ctx };
	size_t i = 0;
	int line = 1, rc = 0;
	if (len > CC_COMPOSE_MAX_FILE) {
		rc = cc_error_setk(err, CC_ERR_INVALID, 0, "%s: larger than %d bytes", name, CC_COMPOSE_MAX_FILE);
		goto fail;
	}
	while (i < len) {
		int at_line = line;
		/* leading blanks */
		while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r'))
			i++;
		if (i >= len)
			break;
		if (text[i] == '\n' || text[i] == '#') {
			while (i < len && text[i] != '\n')
				i++;
			if (i < len) {
				i++;
				line++;
			}
			continue;
		}
		if (len - i > 7 && memcmp(text + i, "export", 6) == 0 && (text[i + 6] == ' ' || text[i + 6] == '\t')) {
			i += 7;
			while (i < len && (text[i] == ' ' || text[i] == '\t'))
				i++;
		}
		size_t k0 = i;
		while (i < len && text[i] != '=' && text[i] != '\n' && text[i] != ' ' && text[i] != '\t' && text[i] != ':')
			i++;
		size_t k1 = i;
		while (i < len && (text[i] == ' ' || text[i] == '\t'))
			i++;
		if (k1 == k0) {
			rc = cc_error_setk(err, CC_ERR_INVALID, 0, "%s:%d: unexpected character \"%c\" in variable name", name, at_line,
					   text[k0]);
			goto fail;
		}
		for (size_t j = k0; j < k1; j++) {
			if (!name_char(text[j]) && text[j] != '.' && text[j] != '-') {
				rc = cc_error_setk(err, CC_ERR_INVALID, 0, "%s:%d: unexpected character \"%c\" in variable name", name,
						   at_line, text[j]);
				goto fail;
			}
		}
		char *key = strndup(text + k0, k1 - k0);
		if (key == NULL) {
			rc = cc_error_set(err, 12, "out of memory");
			goto fail;
		}
		if (i >= len || text[i] == '\n' || text[i] == '#') {
			/* KEY alone: the caller's environment's value, if any */
			const char *v = lookup ? lookup(key, ctx) : NULL;
			while (i < len && text[i] != '\n')
				i++;
			if (v == NULL) {
				free(key);
				continue;
			}
			char *val = strdup(v);
			if (val == NULL || kv_set(&kv, key, val) < 0) {
				if (val == NULL)
					free(key);
				rc = cc_error_set(err, 12, "out of memory");
				goto fail;
			}
			continue;
		}
		if (text[i] != '=' && text[i] != ':') {
			free(key);
			rc = cc_error_setk(err, CC_ERR_INVALID, 0, "%s:%d: unexpected character \"%c\" in variable name", name, at_line,
					   text[i]);
			goto fail;
		}
		i++;
		while (i < len && (text[i] == ' ' || text[i] == '\t'))
			i++;
		struct cc_strbuf raw = { 0 };
		bool expand = true;
		if (i < len && (text[i] == '\'' || text[i] == '"')) {
			char q = text[i++];
			expand = q == '"';
			for (;;) {
				if (i >= len) {
					free(key);
					cc_strbuf_release(&raw);
					rc = cc_error_setk(err, CC_ERR_INVALID, 0, "%s:%d: unterminated quoted value", name, at_line);
					goto fail;
				}
				char ch = text[i++];
				if (ch == q)
					break;
				if (ch == '\n')
					line++;
				if (q == '"' && ch == '\\' && i < len) {
					char e = text[i++];
					switch (e) {
					case 'n': cc_strbuf_add(&raw, "\n", 1); break;
					case 'r': cc_strbuf_add(&raw, "\r", 1); break;
					case 't': cc_strbuf_add(&raw, "\t", 1); break;
					case '"': cc_strbuf_add(&raw, "\"", 1); break;
					case '\\': cc_strbuf_add(&raw, "\\", 1); break;
					case '$': cc_strbuf_add(&raw, "$$", 2); break;
					default: cc_strbuf_add(&raw, "\\", 1); cc_strbuf_add(&raw, &e, 1); break;
					}
					continue;
				}
				if (!expand && ch == '$') {
					cc_strbuf_add(&raw, "$", 1);
					continue;
				}
				cc_strbuf_add(&raw, &ch, 1);
			}
			/* the rest of the line: blanks and a comment only */
			while (i < len && text[i] != '\n')
				i++;
		} else {
			size_t v0 = i;
			while (i < len && text[i] != '\n') {
				if (text[i] == '#' && i > v0 && (text[i - 1] == ' ' || text[i - 1] == '\t'))
					break;
				i++;
			}
			size_t v1 = i;
			while (v1 > v0 && (text[v1 - 1] == ' ' || text[v1 - 1] == '\t' || text[v1 - 1] == '\r'))
				v1--;
			cc_strbuf_add(&raw, text + v0, v1 - v0);
			while (i < len && text[i] != '\n')
				i++;
		}
		char *rawv = cc_strbuf_steal(&raw);
		if (rawv == NULL) {
			free(key);
			rc = cc_error_set(err, 12, "out of memory");
			goto fail;
		}
		char *val = NULL;
		if (expand) {
			rc = cc_compose_interpolate(rawv, dotenv_lookup, &dc, &val, err);
			free(rawv);
			if (rc < 0) {
				free(key);
				cc_error_prefix(err, "%s:%d", name, at_line);
				goto fail;
			}
		} else {
			val = rawv;
		}
		if (kv_set(&kv, key, val) < 0) {
			rc = cc_error_set(err, 12, "out of memory");
			goto fail;
		}
	}
	*ret = kv;
	return 0;
fail:
	cc_compose_kvs_release(&kv);
	return rc;
}
