/* Registry authentication: WWW-Authenticate challenges and credential files. */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image.h"
#include "util/util.h"

#define AUTH_FILE_MAX (1024 * 1024)

void cc_challenge_release(struct cc_challenge *c)
{
	free(c->scheme);
	free(c->realm);
	free(c->service);
	free(c->scope);
	memset(c, 0, sizeof(*c));
}

/* RFC 7235 auth-params: key=value or key="quoted, value", comma separated. */
int cc_challenge_parse(const char *header, struct cc_challenge *ret, cc_error **err)
{
	struct cc_challenge c = { 0 };
	const char *p = header;
	while (isspace((unsigned char)*p))
		p++;
	const char *start = p;
	while (*p && !isspace((unsigned char)*p))
		p++;
	if (p == start)
		return cc_error_set(err, 0, "empty WWW-Authenticate challenge");
	c.scheme = strndup(start, (size_t)(p - start));
	while (*p) {
		while (*p == ',' || isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		const char *key = p;
		while (*p && *p != '=' && *p != ',' && !isspace((unsigned char)*p))
			p++;
		size_t keylen = (size_t)(p - key);
		while (isspace((unsigned char)*p))
			p++;
		if (*p != '=') {
			cc_challenge_release(&c);
			return cc_error_set(err, 0, "malformed WWW-Authenticate challenge '%s'", header);
		}
		p++;
		while (isspace((unsigned char)*p))
			p++;
		char value[2048];
		size_t n = 0;
		if (*p == '"') {
			p++;
			while (*p && *p != '"') {
				if (*p == '\\' && p[1])
					p++;
				if (n < sizeof(value) - 1)
					value[n++] = *p;
				p++;
			}
			if (*p != '"') {
				cc_challenge_release(&c);
				return cc_error_set(err, 0, "unterminated quote in WWW-Authenticate challenge '%s'", header);
			}
			p++;
		} else {
			while (*p && *p != ',' && !isspace((unsigned char)*p)) {
				if (n < sizeof(value) - 1)
					value[n++] = *p;
				p++;
			}
		}
		value[n] = '\0';
		char **slot = NULL;
		if (keylen == 5 && strncasecmp(key, "realm", 5) == 0)
			slot = &c.realm;
		else if (keylen == 7 && strncasecmp(key, "service", 7) == 0)
			slot = &c.service;
		else if (keylen == 5 && strncasecmp(key, "scope", 5) == 0)
			slot = &c.scope;
		if (slot) {
			free(*slot);
			*slot = strdup(value);
		}
	}
	if (strcasecmp(c.scheme, "Bearer") == 0 && c.realm == NULL) {
		cc_challenge_release(&c);
		return cc_error_set(err, 0, "Bearer challenge without realm: '%s'", header);
	}
	*ret = c;
	return 0;
}

char *cc_auth_file_path(void)
{
	const char *f = secure_getenv("REGISTRY_AUTH_FILE");
	if (f && *f)
		return strdup(f);
	const char *xdg = secure_getenv("XDG_RUNTIME_DIR");
	char *p = NULL;
	if (xdg && *xdg) {
		if (asprintf(&p, "%s/containers/auth.json", xdg) < 0)
			return NULL;
		return p;
	}
	const char *home = secure_getenv("HOME");
	if (asprintf(&p, "%s/.docker/config.json", home && *home ? home : "/root") < 0)
		return NULL;
	return p;
}

/* The keys a domain may be stored under. */
static bool key_matches(const char *key, const char *domain)
{
	if (strcmp(domain, "docker.io") == 0 &&
	    (strcmp(key, "https://index.docker.io/v1/") == 0 || strcmp(key, "index.docker.io") == 0 ||
	     strcmp(key, "registry-1.docker.io") == 0))
		return true;
	const char *k = key;
	if (cc_str_has_prefix(k, "https://"))
		k += 8;
	else if (cc_str_has_prefix(k, "http://"))
		k += 7;
	size_t n = strlen(domain);
	return strncmp(k, domain, n) == 0 && (k[n] == '\0' || k[n] == '/');
}

static int lookup_in_file(const char *path, const char *domain, char **ret_user, char **ret_pass, cc_error **err)
{
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	cc_error *e = NULL;
	if (cc_read_file(path, AUTH_FILE_MAX, &data, &len, &e) < 0) {
		bool missing = e->kind == CC_ERR_NOT_FOUND;
		if (missing) {
			cc_error_free(e);
			return 0;
		}
		*err = e;
		return -1;
	}
	json_error_t je;
	json_t *root = json_loadb(data, len, 0, &je);
	if (root == NULL)
		return cc_error_set(err, 0, "parse auth file '%s': %s (line %d)", path, je.text, je.line);
	json_t *auths = json_object_get(root, "auths");
	const char *key;
	json_t *val;
	int found = 0;
	json_object_foreach(auths, key, val) {
		if (!key_matches(key, domain))
			continue;
		const char *b64 = json_string_value(json_object_get(val, "auth"));
		if (b64 == NULL)
			continue;
		size_t n = strlen(b64);
		_cleanup_free_ unsigned char *dec = malloc(n + 4);
		if (dec == NULL)
			break;
		int dn = EVP_DecodeBlock(dec, (const unsigned char *)b64, (int)n);
		if (dn < 0) {
			json_decref(root);
			return cc_error_set(err, 0, "auth file '%s': entry '%s' is not valid base64", path, key);
		}
		while (n > 0 && b64[n - 1] == '=') { /* EVP_DecodeBlock counts padding as zero bytes */
			n--;
			dn--;
		}
		dec[dn] = '\0';
		char *colon = strchr((char *)dec, ':');
		if (colon == NULL) {
			json_decref(root);
			return cc_error_set(err, 0, "auth file '%s': entry '%s' is not user:password", path, key);
		}
		*colon = '\0';
		*ret_user = strdup((char *)dec);
		*ret_pass = strdup(colon + 1);
		found = 1;
		break;
	}
	json_decref(root);
	return found;
}

int cc_auth_lookup(const char *domain, char **ret_user, char **ret_pass, cc_error **err)
{
	*ret_user = *ret_pass = NULL;
	char *paths[3] = { NULL, NULL, NULL };
	const char *f = secure_getenv("REGISTRY_AUTH_FILE");
	const char *xdg = secure_getenv("XDG_RUNTIME_DIR");
	const char *home = secure_getenv("HOME");
	if (f && *f)
		paths[0] = strdup(f);
	if (xdg && *xdg && asprintf(&paths[1], "%s/containers/auth.json", xdg) < 0)
		paths[1] = NULL;
	if (asprintf(&paths[2], "%s/.docker/config.json", home && *home ? home : "/root") < 0)
		paths[2] = NULL;
	int r = 0;
	for (int i = 0; i < 3 && r == 0; i++)
		if (paths[i])
			r = lookup_in_file(paths[i], domain, ret_user, ret_pass, err);
	for (int i = 0; i < 3; i++)
		free(paths[i]);
	return r < 0 ? -1 : 0;
}

int cc_auth_save(const char *domain, const char *user, const char *pass, char **ret_path, cc_error **err)
{
	_cleanup_free_ char *path = cc_auth_file_path();
	if (path == NULL)
		return cc_error_set(err, ENOMEM, "auth file");
	json_t *root = NULL;
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	cc_error *e = NULL;
	if (cc_read_file(path, AUTH_FILE_MAX, &data, &len, &e) == 0) {
		json_error_t je;
		root = json_loadb(data, len, 0, &je);
		if (root == NULL || !json_is_object(root)) {
			json_decref(root);
			return cc_error_set(err, 0, "parse auth file '%s': %s", path, je.text);
		}
	} else if (e->kind != CC_ERR_NOT_FOUND) {
		*err = e;
		return -1;
	} else {
		cc_error_free(e);
		root = json_object();
	}
	json_t *auths = json_object_get(root, "auths");
	if (!json_is_object(auths)) {
		auths = json_object();
		json_object_set_new(root, "auths", auths);
	}
	const char *key = strcmp(domain, "docker.io") == 0 ? "https://index.docker.io/v1/" : domain;
	int ret = 0;
	if (user) {
		_cleanup_free_ char *plain = NULL;
		if (asprintf(&plain, "%s:%s", user, pass ? pass : "") < 0) {
			json_decref(root);
			return cc_error_set(err, ENOMEM, "auth file");
		}
		size_t n = strlen(plain);
		_cleanup_free_ unsigned char *b64 = malloc(4 * ((n + 2) / 3) + 1);
		if (b64 == NULL) {
			json_decref(root);
			return cc_error_set(err, ENOMEM, "auth file");
		}
		EVP_EncodeBlock(b64, (const unsigned char *)plain, (int)n);
		json_object_set_new(auths, key, json_pack("{s:s}", "auth", (char *)b64));
	} else {
		/* Remove every key that names this registry. */
		const char *k;
		json_t *v;
		void *tmp;
		int removed = 0;
		json_object_foreach_safe(auths, tmp, k, v) {
			if (key_matches(k, domain)) {
				json_object_del(auths, k);
				removed++;
			}
		}
		if (removed == 0) {
			json_decref(root);
			return cc_error_setk(err, CC_ERR_NOT_FOUND, 0, "not logged in to %s", domain);
		}
	}
	char *out = json_dumps(root, JSON_INDENT(1));
	json_decref(root);
	if (out == NULL)
		return cc_error_set(err, ENOMEM, "auth file");
	_cleanup_free_ char *dir = strdup(path);
	char *slash = dir ? strrchr(dir, '/') : NULL;
	if (slash) {
		*slash = '\0';
		if (*dir && cc_mkdir_p(dir, 0700, err) < 0)
			ret = -1;
	}
	if (ret == 0) {
		size_t olen = strlen(out);
		out[olen] = '\n';
		ret = cc_write_file_atomic(path, out, olen + 1, 0600, err);
	}
	free(out);
	if (ret == 0 && ret_path)
		*ret_path = strdup(path);
	return ret;
}
