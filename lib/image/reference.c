/* Image references, normalised as docker's distribution/reference does. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "util/util.h"

#define REF_MAX 4096

void cc_ref_free(struct cc_ref *r)
{
	if (r == NULL)
		return;
	free(r->domain);
	free(r->path);
	free(r->tag);
	free(r->digest);
	free(r);
}

/* One path component: [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)* */
static bool valid_component(const char *s, size_t n)
{
	if (n == 0 || (!islower((unsigned char)s[0]) && !isdigit((unsigned char)s[0])))
		return false;
	size_t i = 0;
	while (i < n) {
		while (i < n && (islower((unsigned char)s[i]) || isdigit((unsigned char)s[i])))
			i++;
		if (i == n)
			return true;
		/* separator */
		size_t start = i;
		if (s[i] == '.') {
			i++;
		} else if (s[i] == '_') {
			i++;
			if (i < n && s[i] == '_')
				i++;
		} else if (s[i] == '-') {
			while (i < n && s[i] == '-')
				i++;
		} else {
			return false;
		}
		if (i == start || i == n || !(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i])))
			return false;
	}
	return true;
}

static bool valid_path(const char *p)
{
	for (;;) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);
		if (!valid_component(p, n))
			return false;
		if (!slash)
			return true;
		p = slash + 1;
	}
}

/* [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127} */
static bool valid_tag(const char *t)
{
	size_t n = strlen(t);
	if (n == 0 || n > 128 || !(isalnum((unsigned char)t[0]) || t[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!(isalnum((unsigned char)t[i]) || t[i] == '_' || t[i] == '.' || t[i] == '-'))
			return false;
	return true;
}

static bool valid_domain(const char *d)
{
	size_t n = strlen(d);
	if (n == 0 || n > 255)
		return false;
	if (d[0] == '[') { /* [ipv6]:port */
		const char *end = strchr(d, ']');
		if (!end)
			return false;
		for (const char *p = d + 1; p < end; p++)
			if (!isxdigit((unsigned char)*p) && *p != ':' && *p != '.')
				return false;
		d = end + 1;
		if (*d == '\0')
			return true;
		if (*d != ':')
			return false;
		d++;
		for (; *d; d++)
			if (!isdigit((unsigned char)*d))
				return false;
		return true;
	}
	const char *colon = strchr(d, ':');
	/* dot-separated labels of [a-zA-Z0-9-], not starting or ending with '-' */
	const char *end = colon ? colon : d + n;
	const char *label = d;
	for (const char *p = d; p <= end; p++) {
		if (p == end || *p == '.') {
			if (p == label || label[0] == '-' || p[-1] == '-')
				return false;
			label = p + 1;
		} else if (!isalnum((unsigned char)*p) && *p != '-') {
			return false;
		}
	}
	if (colon) {
		if (colon[1] == '\0')
			return false;
		for (const char *p = colon + 1; *p; p++)
			if (!isdigit((unsigned char)*p))
				return false;
	}
	return true;
}

int cc_ref_parse(const char *s, struct cc_ref **ret, cc_error **err)
{
	if (s == NULL || *s == '\0')
		return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid reference format: repository name must have at least one component");
	if (strlen(s) > REF_MAX)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid reference format: too long");
	_cleanup_free_ char *buf = strdup(s);
	struct cc_ref *r = calloc(1, sizeof(*r));
	if (buf == NULL || r == NULL) {
		free(r);
		return cc_error_set(err, ENOMEM, "parse reference");
	}
	char *at = strchr(buf, '@');
	if (at) {
		*at = '\0';
		if (!cc_digest_valid(at + 1)) {
			cc_ref_free(r);
			return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid reference format: bad digest in '%s'", s);
		}
		r->digest = strdup(at + 1);
	}
	/* A tag is after the last ':' that follows the last '/'. */
	char *slash = strrchr(buf, '/');
	char *colon = strrchr(slash ? slash : buf, ':');
	if (colon) {
		*colon = '\0';
		if (!valid_tag(colon + 1)) {
			cc_ref_free(r);
			return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid reference format: bad tag in '%s'", s);
		}
		r->tag = strdup(colon + 1);
	}
	char *name = buf, *first = strchr(name, '/');
	if (first) {
		size_t n = (size_t)(first - name);
		bool is_domain = (n == 9 && strncmp(name, "localhost", 9) == 0) || memchr(name, '.', n) ||
				 memchr(name, ':', n) || memchr(name, '[', n);
		for (size_t i = 0; i < n && !is_domain; i++)
			if (isupper((unsigned char)name[i]))
				is_domain = true;
		if (is_domain) {
			r->domain = strndup(name, n);
			name = first + 1;
		}
	}
	if (r->domain == NULL)
		r->domain = strdup("docker.io");
	if (r->domain && strcmp(r->domain, "index.docker.io") == 0) {
		free(r->domain);
		r->domain = strdup("docker.io");
	}
	if (r->domain && strcmp(r->domain, "docker.io") == 0 && strchr(name, '/') == NULL) {
		if (asprintf(&r->path, "library/%s", name) < 0)
			r->path = NULL;
	} else {
		r->path = strdup(name);
	}
	if (r->domain == NULL || r->path == NULL) {
		cc_ref_free(r);
		return cc_error_set(err, ENOMEM, "parse reference");
	}
	if (!valid_domain(r->domain)) {
		int e = cc_error_setk(err, CC_ERR_INVALID, 0, "invalid reference format: bad registry host in '%s'", s);
		cc_ref_free(r);
		return e;
	}
	if (!valid_path(r->path)) {
		bool upper = false;
		for (const char *p = r->path; *p; p++)
			upper |= isupper((unsigned char)*p) != 0;
		int e = cc_error_setk(err, CC_ERR_INVALID, 0, "invalid reference format%s: '%s'",
				      upper ? ": repository name must be lowercase" : "", s);
		cc_ref_free(r);
		return e;
	}
	if (r->tag == NULL && r->digest == NULL)
		r->tag = strdup("latest");
	*ret = r;
	return 0;
}

char *cc_ref_repo(const struct cc_ref *r)
{
	char *s = NULL;
	if (asprintf(&s, "%s/%s", r->domain, r->path) < 0)
		return NULL;
	return s;
}

char *cc_ref_string(const struct cc_ref *r)
{
	char *s = NULL;
	int n;
	if (r->digest) /* name:tag@digest: the digest wins, as in docker */
		n = asprintf(&s, "%s/%s@%s", r->domain, r->path, r->digest);
	else
		n = asprintf(&s, "%s/%s:%s", r->domain, r->path, r->tag);
	return n < 0 ? NULL : s;
}

/* Whether the first component of a path would be read as a registry host
 * ("ndex.io/x" is the registry ndex.io, not docker.io/ndex.io/x). */
static bool looks_like_domain(const char *path)
{
	size_t n = strcspn(path, "/");
	return path[n] == '/' && (memchr(path, '.', n) || memchr(path, ':', n) ||
				  (n == 9 && strncmp(path, "localhost", 9) == 0));
}

char *cc_ref_familiar_repo(const char *repo)
{
	if (cc_str_has_prefix(repo, "docker.io/library/") && strchr(repo + 18, '/') == NULL)
		return strdup(repo + 18);
	/* only where the short form names the same repository again (it is
	 * parsed back by load, and by a user copying it) */
	if (cc_str_has_prefix(repo, "docker.io/") && !looks_like_domain(repo + 10))
		return strdup(repo + 10);
	return strdup(repo);
}

const char *cc_ref_api_host(const char *domain)
{
	return strcmp(domain, "docker.io") == 0 ? "registry-1.docker.io" : domain;
}

char **cc_ref_candidates(const char *s)
{
	char **v = calloc(2, sizeof(char *));
	if (v == NULL)
		return NULL;
	struct cc_ref *r = NULL;
	cc_error *e = NULL;
	if (cc_ref_parse(s, &r, &e) == 0) {
		v[0] = cc_ref_string(r);
		cc_ref_free(r);
	}
	cc_error_free(e);
	return v;
}
