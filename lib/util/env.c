/* Environment lists (env.h). */
#include "env.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "util.h"

void cc_env_release(struct cc_env *e)
{
	for (size_t i = 0; i < e->n; i++)
		free(e->v[i]);
	free(e->v);
	*e = (struct cc_env){ 0 };
}

static ssize_t find(const struct cc_env *e, const char *key, size_t keylen)
{
	for (size_t i = 0; i < e->n; i++)
		if (strncmp(e->v[i], key, keylen) == 0 && e->v[i][keylen] == '=')
			return (ssize_t)i;
	return -1;
}

const char *cc_env_get(const struct cc_env *e, const char *key, size_t keylen)
{
	ssize_t i = find(e, key, keylen);
	return i < 0 ? NULL : e->v[i] + keylen + 1;
}

static int grow(struct cc_env *e, cc_error **err)
{
	if (e->n + 2 <= e->cap)
		return 0;
	size_t cap = e->cap ? e->cap * 2 : 32;
	char **nv = realloc(e->v, cap * sizeof(*nv));
	if (nv == NULL)
		return cc_error_set(err, ENOMEM, "environment");
	e->v = nv;
	e->cap = cap;
	return 0;
}

/* Take kv (malloc'd, KEY=VALUE). */
static int put(struct cc_env *e, char *kv, size_t keylen, bool replace, cc_error **err)
{
	ssize_t i = find(e, kv, keylen);
	if (i >= 0) {
		if (replace) {
			free(e->v[i]);
			e->v[i] = kv;
		} else {
			free(kv);
		}
		return 0;
	}
	if (grow(e, err) < 0) {
		free(kv);
		return -1;
	}
	e->v[e->n++] = kv;
	e->v[e->n] = NULL;
	return 0;
}

/* label: a bare KEY is KEY= (docker's labels), not this process's value */
static int set(struct cc_env *e, const char *kv, bool replace, bool label, cc_error **err)
{
	const char *eq = strchr(kv, '=');
	size_t klen = eq ? (size_t)(eq - kv) : strlen(kv);
	if (klen == 0)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid %s '%s'", label ? "label" : "environment variable", kv);
	char *val = NULL;
	if (eq == NULL && label) {
		if (asprintf(&val, "%s=", kv) < 0)
			val = NULL;
	} else if (eq == NULL) { /* NAME: this process's value, or nothing */
		const char *host = getenv(kv);
		if (host == NULL)
			return 0;
		if (asprintf(&val, "%s=%s", kv, host) < 0)
			val = NULL;
	} else {
		val = strdup(kv);
	}
	if (val == NULL)
		return cc_error_set(err, ENOMEM, "environment");
	return put(e, val, klen, replace, err);
}

int cc_env_set(struct cc_env *e, const char *kv, cc_error **err)
{
	return set(e, kv, true, false, err);
}

int cc_env_set_default(struct cc_env *e, const char *kv, cc_error **err)
{
	return set(e, kv, false, false, err);
}

int cc_env_set_label(struct cc_env *e, const char *kv, cc_error **err)
{
	return set(e, kv, true, true, err);
}

static int read_file(struct cc_env *e, const char *path, bool label, cc_error **err)
{
	const char *what = label ? "label file" : "env file";
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	cc_error *re = NULL;
	if (cc_read_file(path, CC_ENV_FILE_MAX, &buf, &len, &re) < 0) {
		int errnum = re ? re->errnum : 0;
		cc_error_free(re);
		if (errnum == EFBIG)
			return cc_error_setk(err, CC_ERR_INVALID, 0, "%s '%s': larger than %d bytes", what, path,
					     CC_ENV_FILE_MAX);
		return cc_error_set(err, errnum, "open %s '%s'", what, path);
	}
	if (memchr(buf, '\0', len) != NULL)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "%s '%s': not a text file (a NUL byte)", what, path);
	size_t lineno = 0;
	for (char *p = buf, *next; p < buf + len; p = next) {
		lineno++;
		char *nl = memchr(p, '\n', (size_t)(buf + len - p));
		next = nl ? nl + 1 : buf + len;
		if (nl)
			*nl = '\0';
		if ((size_t)(next - p) > CC_ENV_LINE_MAX)
			return cc_error_setk(err, CC_ERR_INVALID, 0, "%s '%s', line %zu: longer than %d bytes", what, path,
					     lineno, CC_ENV_LINE_MAX);
		size_t l = strlen(p);
		if (l > 0 && p[l - 1] == '\r') /* a file from Windows */
			p[l - 1] = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0' || *p == '#')
			continue;
		if (*p == '=')
			return cc_error_setk(err, CC_ERR_INVALID, 0, "%s '%s', line %zu: invalid %s '%s' (no name)", what,
					     path, lineno, label ? "label" : "environment variable", p);
		if (set(e, p, true, label, err) < 0)
			return -1;
	}
	return 0;
}

int cc_env_file(struct cc_env *e, const char *path, cc_error **err)
{
	return read_file(e, path, false, err);
}

int cc_env_label_file(struct cc_env *e, const char *path, cc_error **err)
{
	return read_file(e, path, true, err);
}

int cc_env_finish(struct cc_env *e, cc_error **err)
{
	if (e->v != NULL)
		return 0;
	return grow(e, err) < 0 ? -1 : (e->v[0] = NULL, 0);
}
