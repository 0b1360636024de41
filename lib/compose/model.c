/* The merged tree into the model: every key checked against the ones the
 * specification defines (an unknown one is docker's "additional property
 * ... is not allowed"; one ccontainer does not implement yet is an error
 * of its own, never dropped), short syntax into long, paths made
 * absolute, profiles applied, references and dependency cycles checked. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "util/cleanup.h"
#include "util/strbuf.h"
#include "util/util.h"

#define OOM(err) cc_error_set((err), 12, "out of memory")

/* ---- small helpers ---- */

/* qsort, which must not be given NULL even for no elements (UBSan). */
static void sort_n(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}

int cy_strv_add(struct cc_compose_strv *v, const char *s)
{
	char **n = realloc(v->v, (v->n + 2) * sizeof(*n));
	if (n == NULL)
		return -1;
	v->v = n;
	if ((n[v->n] = strdup(s)) == NULL)
		return -1;
	n[++v->n] = NULL;
	return 0;
}

void cy_strv_release(struct cc_compose_strv *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->v[i]);
	free(v->v);
	v->v = NULL;
	v->n = 0;
}

static bool strv_has(const struct cc_compose_strv *v, const char *s)
{
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->v[i], s) == 0)
			return true;
	return false;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int kv_put(struct cc_compose_kvs *kv, const char *key, const char *value)
{
	for (size_t i = 0; i < kv->n; i++) {
		if (strcmp(kv->v[i].key, key) == 0) {
			char *v = value ? strdup(value) : NULL;
			if (value && v == NULL)
				return -1;
			free(kv->v[i].value);
			kv->v[i].value = v;
			return 0;
		}
	}
	struct cc_compose_kv *n = realloc(kv->v, (kv->n + 1) * sizeof(*n));
	if (n == NULL)
		return -1;
	kv->v = n;
	n[kv->n].key = strdup(key);
	n[kv->n].value = value ? strdup(value) : NULL;
	if (n[kv->n].key == NULL || (value && n[kv->n].value == NULL)) {
		free(n[kv->n].key);
		free(n[kv->n].value);
		return -1;
	}
	kv->n++;
	return 0;
}

static int cmp_kv(const void *a, const void *b)
{
	return strcmp(((const struct cc_compose_kv *)a)->key, ((const struct cc_compose_kv *)b)->key);
}

static const char *type_name(enum cy_type t)
{
	switch (t) {
	case CY_NULL: return "null";
	case CY_SCALAR: return "string";
	case CY_SEQ: return "array";
	default: return "object";
	}
}

/* The model's builder: the input and the path for messages. */
struct mb {
	const struct cc_compose_model_in *in;
	cc_error **err;
};

static int want(const struct cy_node *n, enum cy_type t, const char *path, cc_error **err)
{
	if (n->type != t)
		return cy_err(err, n, "%s must be a %s, not a %s", path, type_name(t), type_name(n->type));
	return 0;
}

static int get_str(const struct cy_node *n, const char *path, char **ret, cc_error **err)
{
	if (n->type == CY_NULL) {
		*ret = NULL;
		return 0;
	}
	if (want(n, CY_SCALAR, path, err) < 0)
		return -1;
	free(*ret);
	*ret = strdup(n->str);
	return *ret ? 0 : OOM(err);
}

static int get_bool(const struct cy_node *n, const char *path, bool *ret, cc_error **err)
{
	if (want(n, CY_SCALAR, path, err) < 0)
		return -1;
	const char *s = n->str;
	if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE") || !strcmp(s, "yes") || !strcmp(s, "on"))
		*ret = true;
	else if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE") || !strcmp(s, "no") || !strcmp(s, "off"))
		*ret = false;
	else
		return cy_err(err, n, "%s must be a boolean, not '%s'", path, s);
	return 0;
}

static int get_int(const struct cy_node *n, const char *path, int64_t min, int64_t max, int64_t *ret, cc_error **err)
{
	if (want(n, CY_SCALAR, path, err) < 0)
		return -1;
	char *end = NULL;
	errno = 0;
	long long v = strtoll(n->str, &end, 10);
	if (errno != 0 || end == n->str || *end != '\0' || v < min || v > max)
		return cy_err(err, n, "%s must be an integer from %lld to %lld, not '%s'", path, (long long)min, (long long)max, n->str);
	*ret = v;
	return 0;
}

static int get_duration(const struct cy_node *n, const char *path, char **ret, cc_error **err)
{
	if (want(n, CY_SCALAR, path, err) < 0)
		return -1;
	int64_t ns;
	if (cc_parse_go_duration(n->str, &ns) < 0 || ns < 0)
		return cy_err(err, n, "%s: invalid duration '%s'", path, n->str);
	free(*ret);
	*ret = strdup(n->str);
	return *ret ? 0 : OOM(err);
}

/* A string or a list of strings. */
static int get_strv(const struct cy_node *n, const char *path, bool string_ok, struct cc_compose_strv *ret, cc_error **err)
{
	cy_strv_release(ret);
	if (n->type == CY_NULL)
		return 0;
	if (n->type == CY_SCALAR && string_ok)
		return cy_strv_add(ret, n->str) < 0 ? OOM(err) : 0;
	if (want(n, CY_SEQ, path, err) < 0)
		return -1;
	for (size_t i = 0; i < n->n; i++) {
		if (n->kids[i]->type != CY_SCALAR)
			return cy_err(err, n->kids[i], "%s[%zu] must be a string, not a %s", path, i, type_name(n->kids[i]->type));
		if (cy_strv_add(ret, n->kids[i]->str) < 0)
			return OOM(err);
	}
	return 0;
}

/* A mapping of names to scalars or null, or a list of NAME[=VALUE]. */
static int get_kvs(struct mb *b, const struct cy_node *n, const char *path, bool resolve, struct cc_compose_kvs *kv)
{
	cc_error **err = b->err;
	if (n->type == CY_NULL)
		return 0;
	if (n->type == CY_SEQ) {
		for (size_t i = 0; i < n->n; i++) {
			const struct cy_node *k = n->kids[i];
			if (k->type != CY_SCALAR)
				return cy_err(err, k, "%s[%zu] must be a string", path, i);
			_cleanup_free_ char *key = strdup(k->str);
			if (key == NULL)
				return OOM(err);
			char *eq = strchr(key, '=');
			if (eq)
				*eq++ = '\0';
			const char *val = eq;
			if (val == NULL && resolve)
				val = b->in->lookup(key, b->in->lookup_ctx);
			if (kv_put(kv, key, val) < 0)
				return OOM(err);
		}
	} else if (n->type == CY_MAP) {
		for (size_t i = 0; i < n->n; i++) {
			const struct cy_node *k = n->kids[i];
			if (k->type != CY_SCALAR && k->type != CY_NULL)
				return cy_err(err, k, "%s.%s must be a string, number, boolean or null", path, k->key);
			const char *val = k->str;
			if (val == NULL && resolve)
				val = b->in->lookup(k->key, b->in->lookup_ctx);
			if (kv_put(kv, k->key, val) < 0)
				return OOM(err);
		}
	} else {
		return cy_err(err, n, "%s must be a mapping or a list", path);
	}
	sort_n(kv->v, kv->n, sizeof(*kv->v), cmp_kv);
	return 0;
}

/* Keys: known and supported, known but not supported yet, else unknown. */
static int check_keys(const struct cy_node *n, const char *path, const char *const *ok, const char *const *unsupported,
		      cc_error **err)
{
	if (n->type != CY_MAP)
		return cy_err(err, n, "%s must be a mapping, not a %s", path, type_name(n->type));
	for (size_t i = 0; i < n->n; i++) {
		const struct cy_node *k = n->kids[i];
		bool found = strncmp(k->key, "x-", 2) == 0;
		for (size_t j = 0; !found && ok[j]; j++)
			found = strcmp(ok[j], k->key) == 0;
		if (found)
			continue;
		for (size_t j = 0; unsupported && unsupported[j]; j++)
			if (strcmp(unsupported[j], k->key) == 0)
				return cy_err(err, k, "%s.%s is not supported by ccontainer compose yet", path, k->key);
		return cy_err(err, k, "%s additional property '%s' is not allowed", path, k->key);
	}
	return 0;
}

/* A clean absolute path: p against dir, "." and ".." folded, ~ as $HOME. */
static char *abs_path(struct mb *b, const char *dir, const char *p)
{
	struct cc_strbuf sb = { 0 };
	if (p[0] == '~' && (p[1] == '/' || p[1] == '\0')) {
		const char *home = b->in->lookup("HOME", b->in->lookup_ctx);
		cc_strbuf_addf(&sb, "%s/%s", home ? home : "/root", p + 1);
	} else if (p[0] == '/') {
		cc_strbuf_add(&sb, p, strlen(p));
	} else {
		cc_strbuf_addf(&sb, "%s/%s", dir, p);
	}
	char *raw = cc_strbuf_steal(&sb);
	if (raw == NULL)
		return NULL;
	char *out = malloc(strlen(raw) + 2);
	if (out == NULL) {
		free(raw);
		return NULL;
	}
	size_t o = 0;
	char *save = NULL;
	for (char *t = strtok_r(raw, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
		if (strcmp(t, ".") == 0)
			continue;
		if (strcmp(t, "..") == 0) {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
			continue;
		}
		out[o++] = '/';
		size_t l = strlen(t);
		memcpy(out + o, t, l);
		o += l;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
	free(raw);
	return out;
}

static const char *node_dir(struct mb *b, const struct cy_node *n)
{
	return n->file ? n->file->dir : b->in->project_dir;
}

/* ---- command lines: a string split as a POSIX shell would (no expansion) ---- */

static int shell_split(const struct cy_node *n, const char *path, struct cc_compose_strv *ret, cc_error **err)
{
	const char *s = n->str;
	struct cc_strbuf w = { 0 };
	bool in_word = false;
	int rc = 0;
	for (size_t i = 0;; i++) {
		char c = s[i];
		if (c == '\0' || c == ' ' || c == '\t' || c == '\n') {
			if (in_word) {
				char *word = cc_strbuf_steal(&w);
				if (word == NULL || cy_strv_add(ret, word) < 0)
					rc = OOM(err);
				free(word);
				in_word = false;
			}
			if (c == '\0' || rc < 0)
				break;
			continue;
		}
		in_word = true;
		if (c == '\\' && s[i + 1] != '\0') {
			cc_strbuf_add(&w, &s[++i], 1);
		} else if (c == '\'') {
			const char *e = strchr(s + i + 1, '\'');
			if (e == NULL) {
				rc = cy_err(err, n, "%s: unterminated quote", path);
				break;
			}
			cc_strbuf_add(&w, s + i + 1, (size_t)(e - s - i - 1));
			cc_strbuf_add(&w, "", 0);
			i = (size_t)(e - s);
		} else if (c == '"') {
			size_t j = i + 1;
			for (; s[j] && s[j] != '"'; j++) {
				if (s[j] == '\\' && s[j + 1] && strchr("\"\\$`", s[j + 1]))
					j++;
				cc_strbuf_add(&w, &s[j], 1);
			}
			if (s[j] != '"') {
				rc = cy_err(err, n, "%s: unterminated quote", path);
				break;
			}
			cc_strbuf_add(&w, "", 0);
			i = j;
		} else {
			cc_strbuf_add(&w, &c, 1);
		}
	}
	cc_strbuf_release(&w);
	return rc;
}

static int get_command(const struct cy_node *n, const char *path, bool *has, struct cc_compose_strv *ret, cc_error **err)
{
	cy_strv_release(ret);
	*has = n->type != CY_NULL;
	if (n->type == CY_SCALAR)
		return shell_split(n, path, ret, err);
	return get_strv(n, path, false, ret, err);
}

/* ---- ports ---- */

void cc_compose_ports_free(struct cc_compose_port *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(p[i].name);
		free(p[i].mode);
		free(p[i].host_ip);
		free(p[i].published);
		free(p[i].protocol);
		free(p[i].app_protocol);
	}
	free(p);
}

static int port_range(const char *s, size_t len, uint32_t *lo, uint32_t *hi)
{
	char buf[32];
	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	char *dash = strchr(buf, '-');
	char *end = NULL;
	unsigned long a = strtoul(buf, &end, 10), z;
	if (end == buf || (dash ? end != dash : *end != '\0') || !isdigit((unsigned char)buf[0]))
		return -1;
	if (dash) {
		if (!isdigit((unsigned char)dash[1]))
			return -1;
		z = strtoul(dash + 1, &end, 10);
		if (*end != '\0')
			return -1;
	} else {
		z = a;
	}
	if (a > 65535 || z > 65535 || z < a || (a == 0 && dash))
		return -1;
	*lo = (uint32_t)a;
	*hi = (uint32_t)z;
	return 0;
}

int cc_compose_parse_port(const char *s, struct cc_compose_port **ret, size_t *ret_n, cc_error **err)
{
	_cleanup_free_ char *copy = strdup(s);
	if (copy == NULL)
		return OOM(err);
	const char *proto = "tcp";
	char *slash = strrchr(copy, '/');
	if (slash != NULL) {
		*slash = '\0';
		proto = slash + 1;
		if (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0 && strcmp(proto, "sctp") != 0)
			return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid proto: %s", proto);
	}
	/* [IP:][HOST:]CONTAINER; an IPv6 address in brackets */
	char *ip = NULL, *host = NULL, *ctr = copy;
	if (copy[0] == '[') {
		char *close = strchr(copy, ']');
		if (close == NULL || close[1] != ':')
			return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid port '%s'", s);
		*close = '\0';
		ip = copy + 1;
		host = close + 2;
		char *c = strrchr(host, ':');
		if (c == NULL)
			return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid port '%s'", s);
		*c = '\0';
		ctr = c + 1;
	} else {
		char *c2 = strrchr(copy, ':');
		if (c2 != NULL) {
			*c2 = '\0';
			ctr = c2 + 1;
			char *c1 = strrchr(copy, ':');
			if (c1 != NULL) {
				*c1 = '\0';
				ip = copy;
				host = c1 + 1;
			} else {
				host = copy;
			}
		}
	}
	uint32_t clo, chi, hlo = 0, hhi = 0;
	if (port_range(ctr, strlen(ctr), &clo, &chi) < 0 || clo == 0)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid containerPort: %s", ctr);
	bool has_host = host != NULL && *host != '\0';
	if (has_host && port_range(host, strlen(host), &hlo, &hhi) < 0)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid hostPort: %s", host);
	size_t count = chi - clo + 1;
	if (has_host && count > 1 && hhi - hlo + 1 != count)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid ranges specified for container and host Ports: %s and %s", ctr, host);
	if (count > 65536)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid port '%s'", s);
	struct cc_compose_port *p = calloc(count, sizeof(*p));
	if (p == NULL)
		return OOM(err);
	bool oom = false;
	for (size_t i = 0; i < count; i++) {
		p[i].target = clo + (uint32_t)i;
		p[i].mode = strdup("ingress");
		p[i].protocol = strdup(proto);
		oom |= p[i].mode == NULL || p[i].protocol == NULL;
		if (ip != NULL && *ip != '\0')
			oom |= (p[i].host_ip = strdup(ip)) == NULL;
		if (has_host) {
			if (count > 1)
				oom |= asprintf(&p[i].published, "%u", hlo + (uint32_t)i) < 0;
			else
				oom |= (p[i].published = strdup(host)) == NULL;
		}
	}
	if (oom) {
		cc_compose_ports_free(p, count);
		return OOM(err);
	}
	*ret = p;
	*ret_n = count;
	return 0;
}

static int add_ports(struct cc_compose_service *s, struct cc_compose_port *p, size_t n, cc_error **err)
{
	struct cc_compose_port *v = realloc(s->ports, (s->n_ports + n) * sizeof(*v));
	if (v == NULL) {
		cc_compose_ports_free(p, n);
		return OOM(err);
	}
	s->ports = v;
	memcpy(v + s->n_ports, p, n * sizeof(*p));
	s->n_ports += n;
	free(p);
	return 0;
}

static int build_ports(struct mb *b, struct cc_compose_service *s, const struct cy_node *n, const char *path)
{
	cc_error **err = b->err;
	if (n->type == CY_NULL)
		return 0;
	if (want(n, CY_SEQ, path, err) < 0)
		return -1;
	for (size_t i = 0; i < n->n; i++) {
		const struct cy_node *k = n->kids[i];
		if (k->type == CY_SCALAR) {
			struct cc_compose_port *p = NULL;
			size_t np = 0;
			if (cc_compose_parse_port(k->str, &p, &np, err) < 0)
				return cc_error_prefix(err, "%s:%d: %s", k->file->name, k->line, path);
			if (add_ports(s, p, np, err) < 0)
				return -1;
			continue;
		}
		static const char *const keys[] = { "name", "mode", "host_ip", "target", "published", "protocol", "app_protocol", NULL };
		if (check_keys(k, path, keys, NULL, err) < 0)
			return -1;
		struct cc_compose_port *p = calloc(1, sizeof(*p));
		if (p == NULL)
			return OOM(err);
		int rc = 0;
		const struct cy_node *t = cy_get(k, "target");
		int64_t target = 0;
		if (t == NULL)
			rc = cy_err(err, k, "%s: target is required", path);
		else
			rc = get_int(t, "target", 1, 65535, &target, err);
		p->target = (uint32_t)target;
		const struct cy_node *v;
		if (rc == 0 && (v = cy_get(k, "published")) != NULL) {
			uint32_t lo, hi;
			if (v->type != CY_SCALAR || port_range(v->str, strlen(v->str), &lo, &hi) < 0)
				rc = cy_err(err, v, "%s: invalid published port '%s'", path, v->str ? v->str : "");
			else
				rc = get_str(v, "published", &p->published, err);
		}
		if (rc == 0 && (v = cy_get(k, "host_ip")) != NULL)
			rc = get_str(v, "host_ip", &p->host_ip, err);
		if (rc == 0 && (v = cy_get(k, "name")) != NULL)
			rc = get_str(v, "name", &p->name, err);
		if (rc == 0 && (v = cy_get(k, "app_protocol")) != NULL)
			rc = get_str(v, "app_protocol", &p->app_protocol, err);
		if (rc == 0 && (v = cy_get(k, "protocol")) != NULL) {
			rc = get_str(v, "protocol", &p->protocol, err);
			if (rc == 0 && p->protocol && strcmp(p->protocol, "tcp") && strcmp(p->protocol, "udp") && strcmp(p->protocol, "sctp"))
				rc = cy_err(err, v, "%s: invalid proto: %s", path, p->protocol);
		}
		if (rc == 0 && (v = cy_get(k, "mode")) != NULL) {
			rc = get_str(v, "mode", &p->mode, err);
			if (rc == 0 && p->mode && strcmp(p->mode, "ingress") && strcmp(p->mode, "host"))
				rc = cy_err(err, v, "%s: mode must be ingress or host", path);
		}
		if (rc == 0 && p->protocol == NULL && (p->protocol = strdup("tcp")) == NULL)
			rc = OOM(err);
		if (rc == 0 && p->mode == NULL && (p->mode = strdup("ingress")) == NULL)
			rc = OOM(err);
		if (rc < 0) {
			cc_compose_ports_free(p, 1);
			return rc;
		}
		if (add_ports(s, p, 1, err) < 0)
			return -1;
	}
	return 0;
}

/* ---- volumes ---- */

void cc_compose_volume_release(struct cc_compose_volume *v)
{
	free(v->source);
	free(v->target);
	free(v->consistency);
	free(v->propagation);
	free(v->selinux);
	free(v->subpath);
	memset(v, 0, sizeof(*v));
}

static bool is_bind_source(const char *s)
{
	return s[0] == '.' || s[0] == '/' || s[0] == '~';
}

static int volume_init(struct cc_compose_volume *v)
{
	memset(v, 0, sizeof(*v));
	v->tmpfs_size = -1;
	v->tmpfs_mode = -1;
	return 0;
}

static int parse_volume(struct mb *b, const char *s, const char *dir, struct cc_compose_volume *ret, cc_error **err)
{
	volume_init(ret);
	_cleanup_free_ char *copy = strdup(s);
	if (copy == NULL)
		return OOM(err);
	char *parts[4] = { 0 };
	size_t n = 0;
	char *save = NULL;
	for (char *t = strtok_r(copy, ":", &save); t; t = strtok_r(NULL, ":", &save)) {
		if (n == 3)
			return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid spec: %s: too many colons", s);
		parts[n++] = t;
	}
	if (n == 0)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid empty volume spec");
	const char *source = NULL, *target, *mode = NULL;
	if (n == 1) {
		target = parts[0];
	} else if (n == 2 && parts[1][0] != '/') {
		target = parts[0];
		mode = parts[1];
	} else {
		source = parts[0];
		target = parts[1];
		mode = n == 3 ? parts[2] : NULL;
	}
	if (target[0] != '/')
		return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid volume spec '%s': the target must be an absolute path", s);
	int rc = 0;
	ret->type = source && is_bind_source(source) ? CC_COMPOSE_MOUNT_BIND : CC_COMPOSE_MOUNT_VOLUME;
	if ((ret->target = strdup(target)) == NULL)
		rc = OOM(err);
	if (rc == 0 && source != NULL) {
		ret->source = ret->type == CC_COMPOSE_MOUNT_BIND ? (b ? abs_path(b, dir, source) : strdup(source)) : strdup(source);
		if (ret->source == NULL)
			rc = OOM(err);
	}
	if (ret->type == CC_COMPOSE_MOUNT_BIND)
		ret->create_host_path = true;
	char *msave = NULL;
	_cleanup_free_ char *modes = mode ? strdup(mode) : NULL;
	if (mode && modes == NULL)
		rc = OOM(err);
	for (char *m = modes ? strtok_r(modes, ",", &msave) : NULL; m && rc == 0; m = strtok_r(NULL, ",", &msave)) {
		if (strcmp(m, "ro") == 0)
			ret->read_only = true;
		else if (strcmp(m, "rw") == 0)
			ret->read_only = false;
		else if (strcmp(m, "z") == 0 || strcmp(m, "Z") == 0)
			rc = (ret->selinux = strdup(m)) ? 0 : OOM(err);
		else if (strcmp(m, "nocopy") == 0 && ret->type == CC_COMPOSE_MOUNT_VOLUME)
			ret->nocopy = true;
		else if (ret->type == CC_COMPOSE_MOUNT_BIND && (!strcmp(m, "shared") || !strcmp(m, "rshared") || !strcmp(m, "slave") ||
								 !strcmp(m, "rslave") || !strcmp(m, "private") || !strcmp(m, "rprivate")))
			rc = (ret->propagation = strdup(m)) ? 0 : OOM(err);
		else if (!strcmp(m, "consistent") || !strcmp(m, "cached") || !strcmp(m, "delegated"))
			rc = (ret->consistency = strdup(m)) ? 0 : OOM(err);
		else
			rc = cc_error_setk(err, CC_ERR_INVALID, 0, "invalid volume spec '%s': unknown mode '%s'", s, m);
	}
	if (rc < 0)
		cc_compose_volume_release(ret);
	return rc;
}

int cc_compose_parse_volume(const char *s, const char *dir, struct cc_compose_volume *ret, cc_error **err)
{
	int rc = parse_volume(NULL, s, dir, ret, err);
	if (rc == 0 && ret->type == CC_COMPOSE_MOUNT_BIND && ret->source[0] != '/' && dir != NULL) {
		/* without a model: plain join, no ~ */
		char *p = NULL;
		if (asprintf(&p, "%s/%s", dir, ret->source[0] == '.' && ret->source[1] == '/' ? ret->source + 2 : ret->source) < 0) {
			cc_compose_volume_release(ret);
			return OOM(err);
		}
		free(ret->source);
		ret->source = p;
	}
	return rc;
}

static int build_volume_long(struct mb *b, const struct cy_node *k, const char *path, struct cc_compose_volume *v)
{
	cc_error **err = b->err;
	static const char *const keys[] = { "type", "source", "target", "read_only", "consistency", "bind", "volume", "tmpfs", NULL };
	static const char *const unsup[] = { "image", NULL };
	if (check_keys(k, path, keys, unsup, err) < 0)
		return -1;
	volume_init(v);
	const struct cy_node *t = cy_get(k, "type"), *x;
	if (t == NULL || t->type != CY_SCALAR)
		return cy_err(err, k, "%s: type is required", path);
	if (strcmp(t->str, "volume") == 0)
		v->type = CC_COMPOSE_MOUNT_VOLUME;
	else if (strcmp(t->str, "bind") == 0)
		v->type = CC_COMPOSE_MOUNT_BIND;
	else if (strcmp(t->str, "tmpfs") == 0)
		v->type = CC_COMPOSE_MOUNT_TMPFS;
	else if (!strcmp(t->str, "npipe") || !strcmp(t->str, "cluster") || !strcmp(t->str, "image"))
		return cy_err(err, t, "%s: type %s is not supported by ccontainer compose", path, t->str);
	else
		return cy_err(err, t, "%s: invalid volume type '%s'", path, t->str);
	int rc = 0;
	if ((x = cy_get(k, "target")) == NULL)
		return cy_err(err, k, "%s: target is required", path);
	if ((rc = get_str(x, "target", &v->target, err)) < 0)
		goto out;
	if (v->target == NULL || v->target[0] != '/') {
		rc = cy_err(err, x, "%s: the target must be an absolute path", path);
		goto out;
	}
	if ((x = cy_get(k, "source")) != NULL) {
		if ((rc = get_str(x, "source", &v->source, err)) < 0)
			goto out;
		if (v->type == CC_COMPOSE_MOUNT_BIND && v->source) {
			char *p = abs_path(b, node_dir(b, x), v->source);
			if (p == NULL) {
				rc = OOM(err);
				goto out;
			}
			free(v->source);
			v->source = p;
		}
	}
	if (v->type == CC_COMPOSE_MOUNT_BIND && v->source == NULL) {
		rc = cy_err(err, k, "%s: a bind mount needs a source", path);
		goto out;
	}
	if ((x = cy_get(k, "read_only")) != NULL && (rc = get_bool(x, "read_only", &v->read_only, err)) < 0)
		goto out;
	if ((x = cy_get(k, "consistency")) != NULL && (rc = get_str(x, "consistency", &v->consistency, err)) < 0)
		goto out;
	if ((x = cy_get(k, "bind")) != NULL) {
		static const char *const bk[] = { "propagation", "create_host_path", "selinux", NULL };
		static const char *const bu[] = { "recursive", NULL };
		const struct cy_node *y;
		if ((rc = check_keys(x, "bind", bk, bu, err)) < 0)
			goto out;
		if ((y = cy_get(x, "propagation")) && (rc = get_str(y, "propagation", &v->propagation, err)) < 0)
			goto out;
		if ((y = cy_get(x, "create_host_path")) && (rc = get_bool(y, "create_host_path", &v->create_host_path, err)) < 0)
			goto out;
		if ((y = cy_get(x, "selinux")) && (rc = get_str(y, "selinux", &v->selinux, err)) < 0)
			goto out;
	}
	if ((x = cy_get(k, "volume")) != NULL) {
		static const char *const vk[] = { "nocopy", "subpath", NULL };
		const struct cy_node *y;
		if ((rc = check_keys(x, "volume", vk, NULL, err)) < 0)
			goto out;
		if ((y = cy_get(x, "nocopy")) && (rc = get_bool(y, "nocopy", &v->nocopy, err)) < 0)
			goto out;
		if ((y = cy_get(x, "subpath")) && (rc = get_str(y, "subpath", &v->subpath, err)) < 0)
			goto out;
	}
	if ((x = cy_get(k, "tmpfs")) != NULL) {
		static const char *const tk[] = { "size", "mode", NULL };
		const struct cy_node *y;
		if ((rc = check_keys(x, "tmpfs", tk, NULL, err)) < 0)
			goto out;
		if ((y = cy_get(x, "size")) != NULL) {
			if (y->type != CY_SCALAR || cc_parse_size(y->str, &v->tmpfs_size) < 0) {
				rc = cy_err(err, y, "%s: invalid tmpfs size", path);
				goto out;
			}
		}
		if ((y = cy_get(x, "mode")) != NULL) {
			char *end = NULL;
			long m = y->type == CY_SCALAR ? strtol(y->str, &end, 8) : -1;
			if (m < 0 || m > 07777 || end == NULL || *end != '\0') {
				rc = cy_err(err, y, "%s: invalid tmpfs mode", path);
				goto out;
			}
			v->tmpfs_mode = m;
		}
	}
out:
	if (rc < 0)
		cc_compose_volume_release(v);
	return rc;
}

static int build_volumes(struct mb *b, struct cc_compose_service *s, const struct cy_node *n, const char *path)
{
	cc_error **err = b->err;
	if (n->type == CY_NULL)
		return 0;
	if (want(n, CY_SEQ, path, err) < 0)
		return -1;
	s->volumes = calloc(n->n ? n->n : 1, sizeof(*s->volumes));
	if (s->volumes == NULL)
		return OOM(err);
	for (size_t i = 0; i < n->n; i++) {
		const struct cy_node *k = n->kids[i];
		int rc;
		if (k->type == CY_SCALAR) {
			rc = parse_volume(b, k->str, node_dir(b, k), &s->volumes[i], err);
			if (rc < 0)
				return cc_error_prefix(err, "%s:%d: %s", k->file->name, k->line, path);
		} else {
			rc = build_volume_long(b, k, path, &s->volumes[i]);
			if (rc < 0)
				return rc;
		}
		s->n_volumes++;
	}
	return 0;
}

/* ---- the rest of a service ---- */

static int build_build(struct mb *b, struct cc_compose_service *s, const struct cy_node *n, const char *path)
{
	cc_error **err = b->err;
	struct cc_compose_build *bd = calloc(1, sizeof(*bd));
	if (bd == NULL)
		return OOM(err);
	s->build = bd;
	const struct cy_node *ctx = n;
	if (n->type == CY_MAP) {
		static const char *const keys[] = { "context", "dockerfile", "args", "target", "labels", "secrets", NULL };
		static const char *const unsup[] = { "additional_contexts", "cache_from", "cache_to", "dockerfile_inline", "entitlements",
						     "extra_hosts", "isolation", "network", "no_cache", "platforms", "privileged", "pull",
						     "shm_size", "ssh", "tags", "ulimits", NULL };
		if (check_keys(n, path, keys, unsup, err) < 0)
			return -1;
		ctx = cy_get(n, "context");
		const struct cy_node *x;
		if ((x = cy_get(n, "dockerfile")) && get_str(x, "build.dockerfile", &bd->dockerfile, err) < 0)
			return -1;
		if ((x = cy_get(n, "target")) && get_str(x, "build.target", &bd->target, err) < 0)
			return -1;
		if ((x = cy_get(n, "args")) && get_kvs(b, x, "build.args", true, &bd->args) < 0)
			return -1;
		if ((x = cy_get(n, "labels")) && get_kvs(b, x, "build.labels", false, &bd->labels) < 0)
			return -1;
		if ((x = cy_get(n, "secrets")) && get_strv(x, "build.secrets", false, &bd->secrets, err) < 0)
			return -1;
	} else if (n->type != CY_SCALAR) {
		return cy_err(err, n, "%s must be a string or a mapping", path);
	}
	const char *c = ctx && ctx->type == CY_SCALAR ? ctx->str : ".";
	if (strstr(c, "://") != NULL || strncmp(c, "git@", 4) == 0 || strncmp(c, "github.com/", 11) == 0)
		bd->context = strdup(c);
	else
		bd->context = abs_path(b, ctx ? node_dir(b, ctx) : node_dir(b, n), c);
	if (bd->context == NULL)
		return OOM(err);
	if (bd->dockerfile == NULL && (bd->dockerfile = strdup("Dockerfile")) == NULL)
		return OOM(err);
	return 0;
}

static int cmp_attach(const void *a, const void *b)
{
	return strcmp(((const struct cc_compose_attach *)a)->network, ((const struct cc_compose_attach *)b)->network);
}

static int build_networks(struct mb *b, struct cc_compose_service *s, const struct cy_node *n, const char *path)
{
	cc_error **err = b->err;
	if (n->type != CY_SEQ && n->type != CY_MAP)
		return cy_err(err, n, "%s must be a list or a mapping", path);
	s->networks = calloc(n->n ? n->n : 1, sizeof(*s->networks));
	if (s->networks == NULL)
		return OOM(err);
	for (size_t i = 0; i < n->n; i++) {
		const struct cy_node *k = n->kids[i];
		struct cc_compose_attach *a = &s->networks[s->n_networks];
		a->priority = -1;
		const char *name = n->type == CY_MAP ? k->key : k->str;
		if (n->type == CY_SEQ && k->type != CY_SCALAR)
			return cy_err(err, k, "%s[%zu] must be a string", path, i);
		for (size_t j = 0; j < s->n_networks; j++)
			if (strcmp(s->networks[j].network, name) == 0)
				return cy_err(err, k, "%s: network %s listed twice", path, name);
		if ((a->network = strdup(name)) == NULL)
			return OOM(err);
		s->n_networks++;
		if (n->type == CY_SEQ || k->type == CY_NULL)
			continue;
		static const char *const keys[] = { "aliases", "ipv4_address", "ipv6_address", "priority", NULL };
		static const char *const unsup[] = { "link_local_ips", "mac_address", "driver_opts", "gw_priority", "interface_name", NULL };
		if (check_keys(k, path, keys, unsup, err) < 0)
			return -1;
		a->listed = true;
		const struct cy_node *x;
		if ((x = cy_get(k, "aliases")) && get_strv(x, "aliases", false, &a->aliases, err) < 0)
			return -1;
		if ((x = cy_get(k, "ipv4_address")) && get_str(x, "ipv4_address", &a->ipv4_address, err) < 0)
			return -1;
		if ((x = cy_get(k, "ipv6_address")) && get_str(x, "ipv6_address", &a->ipv6_address, err) < 0)
			return -1;
		if ((x = cy_get(k, "priority")) && get_int(x, "priority", INT32_MIN, INT32_MAX, &a->priority, err) < 0)
			return -1;
	}
	sort_n(s->networks, s->n_networks, sizeof(*s->networks), cmp_attach);
	return 0;
}

static int cmp_dep(const void *a, const void *b)
{
	return strcmp(((const struct cc_compose_dep *)a)->service, ((const struct cc_compose_dep *)b)->service);
}

static int build_depends(struct mb *b, struct cc_compose_service *s, const struct cy_node *n, const char *path)
{
	cc_error **err = b->err;
	if (n->type != CY_SEQ && n->type != CY_MAP)
		return cy_err(err, n, "%s must be a list or a mapping", path);
	s->depends_on = calloc(n->n ? n->n : 1, sizeof(*s->depends_on));
	if (s->depends_on == NULL)
		return OOM(err);
	for (size_t i = 0; i < n->n; i++) {
		const struct cy_node *k = n->kids[i];
		struct cc_compose_dep *d = &s->depends_on[s->n_depends_on];
		d->required = true;
		if (n->type == CY_SEQ && k->type != CY_SCALAR)
			return cy_err(err, k, "%s[%zu] must be a string", path, i);
		const char *name = n->type == CY_MAP ? k->key : k->str;
		for (size_t j = 0; j < s->n_depends_on; j++)
			if (strcmp(s->depends_on[j].service, name) == 0)
				return cy_err(err, k, "%s: %s listed twice", path, name);
		if ((d->service = strdup(name)) == NULL)
			return OOM(err);
		s->n_depends_on++;
		if (n->type == CY_SEQ || k->type == CY_NULL)
			continue;
		static const char *const keys[] = { "condition", "restart", "required", NULL };
		if (check_keys(k, path, keys, NULL, err) < 0)
			return -1;
		const struct cy_node *x;
		if ((x = cy_get(k, "condition")) != NULL) {
			if (want(x, CY_SCALAR, "condition", err) < 0)
				return -1;
			if (strcmp(x->str, "service_started") == 0)
				d->condition = CC_COMPOSE_SERVICE_STARTED;
			else if (strcmp(x->str, "service_healthy") == 0)
				d->condition = CC_COMPOSE_SERVICE_HEALTHY;
			else if (strcmp(x->str, "service_completed_successfully") == 0)
				d->condition = CC_COMPOSE_SERVICE_COMPLETED_SUCCESSFULLY;
			else
				return cy_err(err, x, "%s.%s.condition must be one of service_started, service_healthy, "
						      "service_completed_successfully, not '%s'",
					      path, name, x->str);
		}
		if ((x = cy_get(k, "restart")) && get_bool(x, "restart", &d->restart, err) < 0)
			return -1;
		if ((x = cy_get(k, "required")) && get_bool(x, "required", &d->required, err) < 0)
			return -1;
	}
	sort_n(s->depends_on, s->n_depends_on, sizeof(*s->depends_on), cmp_dep);
	return 0;
}

static int build_healthcheck(struct mb *b, struct cc_compose_service *s, const struct cy_node *n, const char *path)
{
	cc_error **err = b->err;
	static const char *const keys[] = { "test", "interval", "timeout", "start_period", "start_interval", "retries", "disable", NULL };
	if (check_keys(n, path, keys, NULL, err) < 0)
		return -1;
	struct cc_compose_healthcheck *h = &s->healthcheck;
	h->present = true;
	const struct cy_node *x;
	if ((x = cy_get(n, "test")) != NULL) {
		if (x->type == CY_SCALAR) {
			if (cy_strv_add(&h->test, "CMD-SHELL") < 0 || cy_strv_add(&h->test, x->str) < 0)
				return OOM(err);
		} else if (get_strv(x, "healthcheck.test", false, &h->test, err) < 0) {
			return -1;
		}
		if (h->test.n > 0 && strcmp(h->test.v[0], "CMD") && strcmp(h->test.v[0], "CMD-SHELL") && strcmp(h->test.v[0], "NONE"))
			return cy_err(err, x, "%s.test must start with CMD, CMD-SHELL or NONE", path);
	}
	if ((x = cy_get(n, "interval")) && get_duration(x, "healthcheck.interval", &h->interval, err) < 0)
		return -1;
	if ((x = cy_get(n, "timeout")) && get_duration(x, "healthcheck.timeout", &h->timeout, err) < 0)
		return -1;
	if ((x = cy_get(n, "start_period")) && get_duration(x, "healthcheck.start_period", &h->start_period, err) < 0)
		return -1;
	if ((x = cy_get(n, "start_interval")) && get_duration(x, "healthcheck.start_interval", &h->start_interval, err) < 0)
		return -1;
	if ((x = cy_get(n, "retries")) && get_int(x, "healthcheck.retries", 0, INT32_MAX, &h->retries, err) < 0)
		return -1;
	if ((x = cy_get(n, "disable")) && get_bool(x, "healthcheck.disable", &h->disable, err) < 0)
		return -1;
	return 0;
}

static int build_deploy(struct mb *b, struct cc_compose_service *s, const struct cy_node *n, const char *path)
{
	cc_error **err = b->err;
	static const char *const keys[] = { "resources", "replicas", NULL };
	static const char *const unsup[] = { "mode", "endpoint_mode", "labels", "rollback_config", "update_config", "restart_policy",
					     "placement", NULL };
	if (check_keys(n, path, keys, unsup, err) < 0)
		return -1;
	const struct cy_node *x;
	if ((x = cy_get(n, "replicas")) && get_int(x, "deploy.replicas", 0, 1000, &s->replicas, err) < 0)
		return -1;
	if ((x = cy_get(n, "resources")) == NULL)
		return 0;
	static const char *const rk[] = { "limits", NULL };
	static const char *const ru[] = { "reservations", NULL };
	if (check_keys(x, "deploy.resources", rk, ru, err) < 0)
		return -1;
	const struct cy_node *l = cy_get(x, "limits"), *y;
	if (l == NULL)
		return 0;
	static const char *const lk[] = { "memory", "cpus", "pids", NULL };
	if (check_keys(l, "deploy.resources.limits", lk, NULL, err) < 0)
		return -1;
	if ((y = cy_get(l, "memory")) != NULL) {
		if (y->type != CY_SCALAR || cc_parse_size(y->str, &s->mem_limit) < 0)
			return cy_err(err, y, "deploy.resources.limits.memory: invalid size '%s'", y->str ? y->str : "");
	}
	if ((y = cy_get(l, "cpus")) != NULL) {
		if (y->type != CY_SCALAR)
			return cy_err(err, y, "deploy.resources.limits.cpus must be a number");
		char *end = NULL;
		double c = strtod(y->str, &end);
		if (end == y->str || *end != '\0' || !(c > 0 && c <= 4096))
			return cy_err(err, y, "deploy.resources.limits.cpus: invalid number '%s'", y->str);
		if ((s->cpus = strdup(y->str)) == NULL)
			return OOM(err);
	}
	if ((y = cy_get(l, "pids")) && get_int(y, "deploy.resources.limits.pids", -1, INT64_MAX, &s->pids_limit, err) < 0)
		return -1;
	return 0;
}

static int cmp_ulimit(const void *a, const void *b)
{
	return strcmp(((const struct cc_compose_ulimit *)a)->name, ((const struct cc_compose_ulimit *)b)->name);
}

static int build_ulimits(struct mb *b, struct cc_compose_service *s, const struct cy_node *n, const char *path)
{
	cc_error **err = b->err;
	if (want(n, CY_MAP, path, err) < 0)
		return -1;
	s->ulimits = calloc(n->n ? n->n : 1, sizeof(*s->ulimits));
	if (s->ulimits == NULL)
		return OOM(err);
	for (size_t i = 0; i < n->n; i++) {
		const struct cy_node *k = n->kids[i];
		struct cc_compose_ulimit *u = &s->ulimits[s->n_ulimits];
		if ((u->name = strdup(k->key)) == NULL)
			return OOM(err);
		s->n_ulimits++;
		if (k->type == CY_SCALAR) {
			if (get_int(k, path, -1, INT64_MAX, &u->soft, err) < 0)
				return -1;
			u->hard = u->soft;
			u->single = true;
			continue;
		}
		static const char *const keys[] = { "soft", "hard", NULL };
		if (check_keys(k, path, keys, NULL, err) < 0)
			return -1;
		const struct cy_node *so = cy_get(k, "soft"), *ha = cy_get(k, "hard");
		if (so == NULL || ha == NULL)
			return cy_err(err, k, "%s.%s needs soft and hard", path, k->key);
		if (get_int(so, "soft", -1, INT64_MAX, &u->soft, err) < 0 || get_int(ha, "hard", -1, INT64_MAX, &u->hard, err) < 0)
			return -1;
	}
	sort_n(s->ulimits, s->n_ulimits, sizeof(*s->ulimits), cmp_ulimit);
	return 0;
}

static int read_env_files(struct mb *b, struct cc_compose_service *s, const struct cy_node *n, const char *path)
{
	cc_error **err = b->err;
	const struct cy_node *single = n;
	size_t count = n->type == CY_SEQ ? n->n : 1;
	for (size_t i = 0; i < count; i++) {
		const struct cy_node *k = n->type == CY_SEQ ? n->kids[i] : single;
		const struct cy_node *pn = k;
		bool required = true;
		if (k->type == CY_MAP) {
			static const char *const keys[] = { "path", "required", NULL };
			static const char *const unsup[] = { "format", NULL };
			if (check_keys(k, path, keys, unsup, err) < 0)
				return -1;
			pn = cy_get(k, "path");
			const struct cy_node *r = cy_get(k, "required");
			if (r && get_bool(r, "required", &required, err) < 0)
				return -1;
			if (pn == NULL)
				return cy_err(err, k, "%s: path is required", path);
		}
		if (pn->type != CY_SCALAR)
			return cy_err(err, pn, "%s must be a string or a list", path);
		_cleanup_free_ char *p = abs_path(b, node_dir(b, pn), pn->str);
		if (p == NULL)
			return OOM(err);
		_cleanup_free_ char *data = NULL;
		size_t len = 0;
		cc_error *e = NULL;
		if (cc_read_file(p, CC_COMPOSE_MAX_FILE, &data, &len, &e) < 0) {
			bool missing = e->errnum == ENOENT;
			cc_error_free(e);
			if (missing && !required)
				continue;
			return cy_err(err, pn, "env file %s not found", p);
		}
		struct cc_compose_kvs kv = { 0 };
		if (cc_compose_dotenv_parse(p, data, len, b->in->lookup, b->in->lookup_ctx, &kv, err) < 0)
			return -1;
		for (size_t j = 0; j < kv.n; j++) {
			if (kv_put(&s->environment, kv.v[j].key, kv.v[j].value) < 0) {
				cc_compose_kvs_release(&kv);
				return OOM(err);
			}
		}
		cc_compose_kvs_release(&kv);
		if (cy_strv_add(&s->env_file, p) < 0)
			return OOM(err);
	}
	return 0;
}

static const char *const service_keys[] = {
	"image", "build", "command", "entrypoint", "environment", "env_file", "ports", "expose", "volumes", "networks",
	"depends_on", "healthcheck", "restart", "deploy", "labels", "working_dir", "user", "hostname", "init", "read_only",
	"cap_add", "cap_drop", "security_opt", "ulimits", "tmpfs", "stop_signal", "stop_grace_period", "profiles", "secrets",
	"container_name", NULL,
};
/* The rest of the specification's service keys. */
static const char *const service_unsupported[] = {
	"annotations", "attach", "blkio_config", "cpu_count", "cpu_percent", "cpu_shares", "cpu_period", "cpu_quota",
	"cpu_rt_runtime", "cpu_rt_period", "cpus", "cpuset", "cgroup", "cgroup_parent", "configs", "credential_spec", "develop",
	"device_cgroup_rules", "devices", "dns", "dns_opt", "dns_search", "domainname", "driver_opts", "external_links",
	"extra_hosts", "gpus", "group_add", "ipc", "isolation", "label_file", "links", "logging", "mac_address", "mem_limit",
	"mem_reservation", "mem_swappiness", "memswap_limit", "models", "network_mode", "oom_kill_disable", "oom_score_adj", "pid",
	"pids_limit", "platform", "post_start", "pre_stop", "privileged", "provider", "pull_policy", "runtime", "scale",
	"shm_size", "stdin_open", "storage_opt", "sysctls", "tty", "use_api_socket", "userns_mode", "uts", "volumes_from",
	"mem_swap_limit", NULL,
};

static void service_release(struct cc_compose_service *s);

static int build_service(struct mb *b, const struct cy_node *n, struct cc_compose_service *s)
{
	cc_error **err = b->err;
	s->mem_limit = s->pids_limit = s->replicas = -1;
	s->init = -1;
	s->healthcheck.retries = -1;
	if ((s->name = strdup(n->key)) == NULL)
		return OOM(err);
	_cleanup_free_ char *path = NULL;
	if (asprintf(&path, "services.%s", n->key) < 0)
		return OOM(err);
	if (n->type == CY_NULL)
		return cy_err(err, n, "service \"%s\" has neither an image nor a build context specified", n->key);
	if (check_keys(n, path, service_keys, service_unsupported, err) < 0)
		return -1;
	int rc = 0;
	const struct cy_node *env_file = NULL, *environment = NULL;
	for (size_t i = 0; i < n->n && rc == 0; i++) {
		const struct cy_node *k = n->kids[i];
		const char *key = k->key;
		_cleanup_free_ char *kp = NULL;
		if (asprintf(&kp, "%s.%s", path, key) < 0)
			return OOM(err);
		if (strncmp(key, "x-", 2) == 0)
			continue;
		else if (!strcmp(key, "image"))
			rc = get_str(k, kp, &s->image, err);
		else if (!strcmp(key, "build"))
			rc = build_build(b, s, k, kp);
		else if (!strcmp(key, "command"))
			rc = get_command(k, kp, &s->has_command, &s->command, err);
		else if (!strcmp(key, "entrypoint"))
			rc = get_command(k, kp, &s->has_entrypoint, &s->entrypoint, err);
		else if (!strcmp(key, "environment"))
			environment = k;
		else if (!strcmp(key, "env_file"))
			env_file = k;
		else if (!strcmp(key, "ports"))
			rc = build_ports(b, s, k, kp);
		else if (!strcmp(key, "expose")) {
			if (k->type == CY_SEQ)
				for (size_t j = 0; j < k->n && rc == 0; j++) {
					uint32_t lo, hi;
					const struct cy_node *e = k->kids[j];
					const char *sl = e->type == CY_SCALAR ? strchr(e->str, '/') : NULL;
					if (e->type != CY_SCALAR ||
					    port_range(e->str, sl ? (size_t)(sl - e->str) : strlen(e->str), &lo, &hi) < 0)
						rc = cy_err(err, e, "%s: invalid port '%s'", kp, e->str ? e->str : "");
				}
			if (rc == 0)
				rc = get_strv(k, kp, false, &s->expose, err);
		} else if (!strcmp(key, "volumes"))
			rc = build_volumes(b, s, k, kp);
		else if (!strcmp(key, "networks"))
			rc = build_networks(b, s, k, kp);
		else if (!strcmp(key, "depends_on"))
			rc = build_depends(b, s, k, kp);
		else if (!strcmp(key, "healthcheck"))
			rc = build_healthcheck(b, s, k, kp);
		else if (!strcmp(key, "restart")) {
			rc = get_str(k, kp, &s->restart, err);
			const char *r = s->restart;
			if (rc == 0 && r && strcmp(r, "no") && strcmp(r, "always") && strcmp(r, "unless-stopped") &&
			    strcmp(r, "on-failure") && strncmp(r, "on-failure:", 11))
				rc = cy_err(err, k, "%s: invalid restart policy '%s'", kp, r);
		} else if (!strcmp(key, "deploy"))
			rc = build_deploy(b, s, k, kp);
		else if (!strcmp(key, "labels"))
			rc = get_kvs(b, k, kp, false, &s->labels);
		else if (!strcmp(key, "working_dir"))
			rc = get_str(k, kp, &s->working_dir, err);
		else if (!strcmp(key, "user"))
			rc = get_str(k, kp, &s->user, err);
		else if (!strcmp(key, "hostname"))
			rc = get_str(k, kp, &s->hostname, err);
		else if (!strcmp(key, "container_name"))
			rc = get_str(k, kp, &s->container_name, err);
		else if (!strcmp(key, "init")) {
			bool v = false;
			rc = get_bool(k, kp, &v, err);
			s->init = v;
		} else if (!strcmp(key, "read_only"))
			rc = get_bool(k, kp, &s->read_only, err);
		else if (!strcmp(key, "cap_add"))
			rc = get_strv(k, kp, false, &s->cap_add, err);
		else if (!strcmp(key, "cap_drop"))
			rc = get_strv(k, kp, false, &s->cap_drop, err);
		else if (!strcmp(key, "security_opt"))
			rc = get_strv(k, kp, false, &s->security_opt, err);
		else if (!strcmp(key, "tmpfs"))
			rc = get_strv(k, kp, true, &s->tmpfs, err);
		else if (!strcmp(key, "profiles"))
			rc = get_strv(k, kp, false, &s->profiles, err);
		else if (!strcmp(key, "ulimits"))
			rc = build_ulimits(b, s, k, kp);
		else if (!strcmp(key, "stop_signal"))
			rc = get_str(k, kp, &s->stop_signal, err);
		else if (!strcmp(key, "stop_grace_period"))
			rc = get_duration(k, kp, &s->stop_grace_period, err);
		else if (!strcmp(key, "secrets")) {
			if (k->type == CY_SEQ)
				for (size_t j = 0; j < k->n && rc == 0; j++)
					if (k->kids[j]->type == CY_MAP)
						rc = cy_err(err, k->kids[j], "%s: the long syntax (source, target, uid, gid, mode) is not "
									     "supported by ccontainer compose yet",
							    kp);
			if (rc == 0)
				rc = get_strv(k, kp, false, &s->secrets, err);
		}
	}
	if (rc < 0)
		return rc;
	if (env_file != NULL && read_env_files(b, s, env_file, "env_file") < 0)
		return -1;
	if (environment != NULL && get_kvs(b, environment, "environment", true, &s->environment) < 0)
		return -1;
	sort_n(s->environment.v, s->environment.n, sizeof(*s->environment.v), cmp_kv);
	if (s->image == NULL && s->build == NULL)
		return cy_err(err, n, "service \"%s\" has neither an image nor a build context specified", s->name);
	if (s->n_networks == 0) {
		s->networks = calloc(1, sizeof(*s->networks));
		if (s->networks == NULL || (s->networks[0].network = strdup("default")) == NULL)
			return OOM(err);
		s->networks[0].priority = -1;
		s->n_networks = 1;
	}
	return 0;
}

/* ---- top level ---- */

static int resource_name(const char *project, const char *key, const struct cy_node *n, bool external, char **ret,
			 cc_error **err)
{
	const struct cy_node *nm = cy_get(n, "name");
	if (nm != NULL)
		return get_str(nm, "name", ret, err);
	if (external)
		*ret = strdup(key);
	else if (asprintf(ret, "%s_%s", project, key) < 0)
		*ret = NULL;
	return *ret ? 0 : OOM(err);
}

static int build_network(struct mb *b, const char *project, const struct cy_node *n, struct cc_compose_network *net)
{
	cc_error **err = b->err;
	_cleanup_free_ char *path = NULL;
	if (asprintf(&path, "networks.%s", n->key) < 0 || (net->key = strdup(n->key)) == NULL)
		return OOM(err);
	if (n->type != CY_NULL) {
		static const char *const keys[] = { "name", "driver", "driver_opts", "external", "internal", "enable_ipv6", "labels", "ipam",
						    "attachable", NULL };
		static const char *const unsup[] = { "enable_ipv4", NULL };
		if (check_keys(n, path, keys, unsup, err) < 0)
			return -1;
		const struct cy_node *x;
		if ((x = cy_get(n, "external")) != NULL && get_bool(x, "external", &net->external, err) < 0)
			return -1;
		if ((x = cy_get(n, "internal")) != NULL && get_bool(x, "internal", &net->internal, err) < 0)
			return -1;
		if ((x = cy_get(n, "enable_ipv6")) != NULL && get_bool(x, "enable_ipv6", &net->enable_ipv6, err) < 0)
			return -1;
		if ((x = cy_get(n, "driver")) != NULL && get_str(x, "driver", &net->driver, err) < 0)
			return -1;
		if ((x = cy_get(n, "labels")) != NULL && get_kvs(b, x, "labels", false, &net->labels) < 0)
			return -1;
		if ((x = cy_get(n, "driver_opts")) != NULL && get_kvs(b, x, "driver_opts", false, &net->driver_opts) < 0)
			return -1;
		if ((x = cy_get(n, "ipam")) != NULL) {
			static const char *const ik[] = { "driver", "config", NULL };
			static const char *const iu[] = { "options", NULL };
			if (check_keys(x, "ipam", ik, iu, err) < 0)
				return -1;
			const struct cy_node *y;
			if ((y = cy_get(x, "driver")) != NULL && get_str(y, "ipam.driver", &net->ipam_driver, err) < 0)
				return -1;
			if ((y = cy_get(x, "config")) != NULL) {
				if (want(y, CY_SEQ, "ipam.config", err) < 0)
					return -1;
				net->ipam = calloc(y->n ? y->n : 1, sizeof(*net->ipam));
				if (net->ipam == NULL)
					return OOM(err);
				for (size_t i = 0; i < y->n; i++) {
					static const char *const ck[] = { "subnet", "gateway", "ip_range", NULL };
					static const char *const cu[] = { "aux_addresses", NULL };
					const struct cy_node *c = y->kids[i], *z;
					struct cc_compose_ipam *ip = &net->ipam[net->n_ipam++];
					if (check_keys(c, "ipam.config", ck, cu, err) < 0)
						return -1;
					if ((z = cy_get(c, "subnet")) && get_str(z, "subnet", &ip->subnet, err) < 0)
						return -1;
					if ((z = cy_get(c, "gateway")) && get_str(z, "gateway", &ip->gateway, err) < 0)
						return -1;
					if ((z = cy_get(c, "ip_range")) && get_str(z, "ip_range", &ip->ip_range, err) < 0)
						return -1;
				}
			}
		}
	}
	return resource_name(project, n->key, n, net->external, &net->name, err);
}

static int build_volume_def(struct mb *b, const char *project, const struct cy_node *n, struct cc_compose_volume_def *v)
{
	cc_error **err = b->err;
	_cleanup_free_ char *path = NULL;
	if (asprintf(&path, "volumes.%s", n->key) < 0 || (v->key = strdup(n->key)) == NULL)
		return OOM(err);
	if (n->type != CY_NULL) {
		static const char *const keys[] = { "name", "driver", "driver_opts", "external", "labels", NULL };
		if (check_keys(n, path, keys, NULL, err) < 0)
			return -1;
		const struct cy_node *x;
		if ((x = cy_get(n, "external")) != NULL && get_bool(x, "external", &v->external, err) < 0)
			return -1;
		if ((x = cy_get(n, "driver")) != NULL && get_str(x, "driver", &v->driver, err) < 0)
			return -1;
		if ((x = cy_get(n, "labels")) != NULL && get_kvs(b, x, "labels", false, &v->labels) < 0)
			return -1;
		if ((x = cy_get(n, "driver_opts")) != NULL && get_kvs(b, x, "driver_opts", false, &v->driver_opts) < 0)
			return -1;
	}
	return resource_name(project, n->key, n, v->external, &v->name, err);
}

static int build_secret(struct mb *b, const char *project, const struct cy_node *n, struct cc_compose_secret *s)
{
	cc_error **err = b->err;
	_cleanup_free_ char *path = NULL;
	if (asprintf(&path, "secrets.%s", n->key) < 0 || (s->key = strdup(n->key)) == NULL)
		return OOM(err);
	static const char *const keys[] = { "file", "name", NULL };
	static const char *const unsup[] = { "environment", "external", "content", "labels", "driver", "driver_opts",
					     "template_driver", NULL };
	if (check_keys(n, path, keys, unsup, err) < 0)
		return -1;
	const struct cy_node *f = cy_get(n, "file");
	if (f == NULL || f->type != CY_SCALAR)
		return cy_err(err, n, "%s: file is required", path);
	if ((s->file = abs_path(b, node_dir(b, f), f->str)) == NULL)
		return OOM(err);
	return resource_name(project, n->key, n, false, &s->name, err);
}

char *cc_compose_normalize_name(const char *s)
{
	size_t n = strlen(s);
	char *r = malloc(n + 1);
	if (r == NULL)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		char c = (char)tolower((unsigned char)s[i]);
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || ((c == '_' || c == '-') && o > 0))
			r[o++] = c;
	}
	r[o] = '\0';
	if (o == 0) {
		free(r);
		return NULL;
	}
	return r;
}

static int project_name(struct mb *b, const struct cy_node *root, char **ret)
{
	cc_error **err = b->err;
	const char *given = b->in->opts->project_name;
	const struct cy_node *at = NULL;
	if (given == NULL)
		given = b->in->lookup("COMPOSE_PROJECT_NAME", b->in->lookup_ctx);
	if (given != NULL && *given == '\0')
		given = NULL;
	if (given == NULL && (at = cy_get(root, "name")) != NULL) {
		if (at->type != CY_SCALAR)
			return cy_err(err, at, "name must be a string");
		given = at->str;
	}
	if (given != NULL) {
		char *n = cc_compose_normalize_name(given);
		if (n == NULL || strcmp(n, given) != 0) {
			free(n);
			if (at != NULL)
				return cy_err(err, at, "invalid project name \"%s\": it must contain only lowercase letters, digits, "
						       "dashes and underscores, and start with a letter or digit",
					      given);
			return cc_error_setk(err, CC_ERR_INVALID, 0,
					     "invalid project name \"%s\": it must contain only lowercase letters, digits, dashes "
					     "and underscores, and start with a letter or digit",
					     given);
		}
		*ret = n;
		return 0;
	}
	const char *base = strrchr(b->in->project_dir, '/');
	base = base ? base + 1 : b->in->project_dir;
	*ret = cc_compose_normalize_name(base);
	if (*ret == NULL)
		return cc_error_setk(err, CC_ERR_INVALID, 0,
				     "project name must not be empty: the directory's name \"%s\" has no usable character (use -p)", base);
	return 0;
}

static int cmp_service(const void *a, const void *b)
{
	return strcmp(((const struct cc_compose_service *)a)->name, ((const struct cc_compose_service *)b)->name);
}
static int cmp_network(const void *a, const void *b)
{
	return strcmp(((const struct cc_compose_network *)a)->key, ((const struct cc_compose_network *)b)->key);
}
static int cmp_volume_def(const void *a, const void *b)
{
	return strcmp(((const struct cc_compose_volume_def *)a)->key, ((const struct cc_compose_volume_def *)b)->key);
}
static int cmp_secret(const void *a, const void *b)
{
	return strcmp(((const struct cc_compose_secret *)a)->key, ((const struct cc_compose_secret *)b)->key);
}

static struct cc_compose_service *find_service(struct cc_compose_project *p, const char *name)
{
	for (size_t i = 0; i < p->n_services; i++)
		if (strcmp(p->services[i].name, name) == 0)
			return &p->services[i];
	return NULL;
}

/* depends_on cycles: DFS with colours; stack holds the path for the message. */
static int visit(struct cc_compose_project *p, size_t i, char *colour, size_t *stack, size_t depth, cc_error **err)
{
	if (colour[i] == 2)
		return 0;
	if (colour[i] == 1) {
		struct cc_strbuf sb = { 0 };
		size_t from = 0;
		while (from < depth && stack[from] != i)
			from++;
		for (size_t k = from; k < depth; k++)
			cc_strbuf_addf(&sb, "%s -> ", p->services[stack[k]].name);
		cc_strbuf_addf(&sb, "%s", p->services[i].name);
		_cleanup_free_ char *path = cc_strbuf_steal(&sb);
		return cc_error_setk(err, CC_ERR_INVALID, 0, "dependency cycle detected: %s", path ? path : p->services[i].name);
	}
	colour[i] = 1;
	stack[depth] = i;
	struct cc_compose_service *s = &p->services[i];
	for (size_t d = 0; d < s->n_depends_on; d++) {
		struct cc_compose_service *t = find_service(p, s->depends_on[d].service);
		if (t != NULL && visit(p, (size_t)(t - p->services), colour, stack, depth + 1, err) < 0)
			return -1;
	}
	colour[i] = 2;
	return 0;
}

static int check_cycles(struct cc_compose_project *p, cc_error **err)
{
	_cleanup_free_ char *colour = calloc(p->n_services + 1, 1);
	_cleanup_free_ size_t *stack = calloc(p->n_services + 1, sizeof(size_t));
	if (colour == NULL || stack == NULL)
		return OOM(err);
	for (size_t i = 0; i < p->n_services; i++)
		if (visit(p, i, colour, stack, 0, err) < 0)
			return -1;
	return 0;
}

static bool profile_active(const struct cc_compose_strv *active, const struct cc_compose_service *s)
{
	if (s->profiles.n == 0 || strv_has(active, "*"))
		return true;
	for (size_t i = 0; i < s->profiles.n; i++)
		if (strv_has(active, s->profiles.v[i]))
			return true;
	return false;
}

static int build_project(struct mb *b, struct cc_compose_project *p)
{
	cc_error **err = b->err;
	const struct cy_node *root = b->in->root;
	for (size_t i = 0; i < b->in->files->n; i++)
		if (cy_strv_add(&p->files, b->in->files->v[i]) < 0)
			return OOM(err);
	if ((p->working_dir = strdup(b->in->project_dir)) == NULL)
		return OOM(err);
	if (root != NULL && root->type == CY_MAP) {
		static const char *const keys[] = { "name", "services", "networks", "volumes", "secrets", "version", NULL };
		static const char *const unsup[] = { "configs", "include", "models", NULL };
		if (check_keys(root, "(root)", keys, unsup, err) < 0)
			return -1;
	}
	if (project_name(b, root, &p->name) < 0)
		return -1;
	/* the active profiles: --profile and $COMPOSE_PROFILES */
	struct cc_compose_strv active = { 0 };
	int rc = 0;
	for (size_t i = 0; i < b->in->opts->n_profiles && rc == 0; i++)
		rc = cy_strv_add(&active, b->in->opts->profiles[i]);
	const char *cp = b->in->lookup("COMPOSE_PROFILES", b->in->lookup_ctx);
	if (cp != NULL && rc == 0) {
		_cleanup_free_ char *copy = strdup(cp);
		char *save = NULL;
		for (char *t = copy ? strtok_r(copy, ",", &save) : NULL; t && rc == 0; t = strtok_r(NULL, ",", &save))
			rc = cy_strv_add(&active, t);
	}
	if (rc < 0) {
		cy_strv_release(&active);
		return OOM(err);
	}
	const struct cy_node *svcs = cy_get(root, "services");
	if (svcs != NULL && svcs->type != CY_NULL && want(svcs, CY_MAP, "services", err) < 0)
		goto fail;
	size_t ns = svcs && svcs->type == CY_MAP ? svcs->n : 0;
	p->services = calloc(ns ? ns : 1, sizeof(*p->services));
	if (p->services == NULL) {
		OOM(err);
		goto fail;
	}
	for (size_t i = 0; i < ns; i++) {
		struct cc_compose_service s = { 0 };
		if (build_service(b, svcs->kids[i], &s) < 0) {
			service_release(&s);
			goto fail;
		}
		for (size_t j = 0; j < s.profiles.n; j++)
			if (!strv_has(&p->all_profiles, s.profiles.v[j]) && cy_strv_add(&p->all_profiles, s.profiles.v[j]) < 0) {
				service_release(&s);
				OOM(err);
				goto fail;
			}
		if (!profile_active(&active, &s)) {
			if (cy_strv_add(&p->disabled, s.name) < 0) {
				service_release(&s);
				OOM(err);
				goto fail;
			}
			service_release(&s);
			continue;
		}
		p->services[p->n_services++] = s;
	}
	cy_strv_release(&active);
	sort_n(p->services, p->n_services, sizeof(*p->services), cmp_service);
	if (p->all_profiles.n)
		sort_n(p->all_profiles.v, p->all_profiles.n, sizeof(char *), cmp_str);
	if (p->disabled.n)
		sort_n(p->disabled.v, p->disabled.n, sizeof(char *), cmp_str);

	/* top-level networks, volumes, secrets */
	const struct cy_node *nets = cy_get(root, "networks"), *vols = cy_get(root, "volumes"), *secs = cy_get(root, "secrets");
	if ((nets && nets->type != CY_NULL && want(nets, CY_MAP, "networks", err) < 0) ||
	    (vols && vols->type != CY_NULL && want(vols, CY_MAP, "volumes", err) < 0) ||
	    (secs && secs->type != CY_NULL && want(secs, CY_MAP, "secrets", err) < 0))
		return -1;
	size_t nn = nets && nets->type == CY_MAP ? nets->n : 0;
	p->networks = calloc(nn + 1, sizeof(*p->networks));
	if (p->networks == NULL)
		return OOM(err);
	for (size_t i = 0; i < nn; i++) {
		if (build_network(b, p->name, nets->kids[i], &p->networks[p->n_networks++]) < 0)
			return -1;
	}
	bool uses_default = false;
	for (size_t i = 0; i < p->n_services; i++)
		for (size_t j = 0; j < p->services[i].n_networks; j++)
			uses_default |= strcmp(p->services[i].networks[j].network, "default") == 0;
	bool has_default = false;
	for (size_t i = 0; i < p->n_networks; i++)
		has_default |= strcmp(p->networks[i].key, "default") == 0;
	if (uses_default && !has_default) {
		struct cc_compose_network *d = &p->networks[p->n_networks++];
		if ((d->key = strdup("default")) == NULL || asprintf(&d->name, "%s_default", p->name) < 0) {
			d->name = NULL;
			return OOM(err);
		}
	}
	sort_n(p->networks, p->n_networks, sizeof(*p->networks), cmp_network);
	size_t nv = vols && vols->type == CY_MAP ? vols->n : 0;
	p->volumes = calloc(nv ? nv : 1, sizeof(*p->volumes));
	if (p->volumes == NULL)
		return OOM(err);
	for (size_t i = 0; i < nv; i++)
		if (build_volume_def(b, p->name, vols->kids[i], &p->volumes[p->n_volumes++]) < 0)
			return -1;
	sort_n(p->volumes, p->n_volumes, sizeof(*p->volumes), cmp_volume_def);
	size_t nsec = secs && secs->type == CY_MAP ? secs->n : 0;
	p->secrets = calloc(nsec ? nsec : 1, sizeof(*p->secrets));
	if (p->secrets == NULL)
		return OOM(err);
	for (size_t i = 0; i < nsec; i++)
		if (build_secret(b, p->name, secs->kids[i], &p->secrets[p->n_secrets++]) < 0)
			return -1;
	sort_n(p->secrets, p->n_secrets, sizeof(*p->secrets), cmp_secret);

	/* references */
	for (size_t i = 0; i < p->n_services; i++) {
		struct cc_compose_service *s = &p->services[i];
		for (size_t j = 0; j < s->n_depends_on; j++) {
			const char *d = s->depends_on[j].service;
			if (find_service(p, d) != NULL)
				continue;
			if (!s->depends_on[j].required)
				continue;
			if (strv_has(&p->disabled, d))
				return cc_error_setk(err, CC_ERR_INVALID, 0,
						     "service \"%s\" depends on service \"%s\", which its profiles leave out (--profile)",
						     s->name, d);
			return cc_error_setk(err, CC_ERR_INVALID, 0, "service \"%s\" depends on undefined service \"%s\"", s->name, d);
		}
		for (size_t j = 0; j < s->n_networks; j++) {
			bool found = false;
			for (size_t k = 0; k < p->n_networks && !found; k++)
				found = strcmp(p->networks[k].key, s->networks[j].network) == 0;
			if (!found)
				return cc_error_setk(err, CC_ERR_INVALID, 0, "service \"%s\" refers to undefined network %s", s->name,
						     s->networks[j].network);
		}
		for (size_t j = 0; j < s->n_volumes; j++) {
			const struct cc_compose_volume *v = &s->volumes[j];
			if (v->type != CC_COMPOSE_MOUNT_VOLUME || v->source == NULL)
				continue;
			bool found = false;
			for (size_t k = 0; k < p->n_volumes && !found; k++)
				found = strcmp(p->volumes[k].key, v->source) == 0;
			if (!found)
				return cc_error_setk(err, CC_ERR_INVALID, 0, "service \"%s\" refers to undefined volume %s", s->name,
						     v->source);
		}
		struct cc_compose_strv *lists[2] = { &s->secrets, s->build ? &s->build->secrets : NULL };
		for (size_t l = 0; l < 2; l++) {
			for (size_t j = 0; lists[l] && j < lists[l]->n; j++) {
				bool found = false;
				for (size_t k = 0; k < p->n_secrets && !found; k++)
					found = strcmp(p->secrets[k].key, lists[l]->v[j]) == 0;
				if (!found)
					return cc_error_setk(err, CC_ERR_INVALID, 0, "service \"%s\" refers to undefined secret %s",
							     s->name, lists[l]->v[j]);
			}
		}
	}
	return check_cycles(p, err);
fail:
	cy_strv_release(&active);
	return -1;
}

int cc_compose_model_build(const struct cc_compose_model_in *in, struct cc_compose_project **ret, cc_error **err)
{
	struct cc_compose_project *p = calloc(1, sizeof(*p));
	if (p == NULL)
		return OOM(err);
	struct mb b = { .in = in, .err = err };
	if (build_project(&b, p) < 0) {
		cc_compose_project_free(p);
		if (err && *err == NULL)
			return cc_error_set(err, 0, "compose: invalid project");
		return -1;
	}
	*ret = p;
	return 0;
}

/* ---- freeing ---- */

static void service_release(struct cc_compose_service *s)
{
	free(s->name);
	free(s->image);
	if (s->build) {
		free(s->build->context);
		free(s->build->dockerfile);
		free(s->build->target);
		cc_compose_kvs_release(&s->build->args);
		cc_compose_kvs_release(&s->build->labels);
		cy_strv_release(&s->build->secrets);
		free(s->build);
	}
	cy_strv_release(&s->command);
	cy_strv_release(&s->entrypoint);
	cc_compose_kvs_release(&s->environment);
	cy_strv_release(&s->env_file);
	cc_compose_ports_free(s->ports, s->n_ports);
	cy_strv_release(&s->expose);
	for (size_t i = 0; i < s->n_volumes; i++)
		cc_compose_volume_release(&s->volumes[i]);
	free(s->volumes);
	for (size_t i = 0; i < s->n_networks; i++) {
		free(s->networks[i].network);
		cy_strv_release(&s->networks[i].aliases);
		free(s->networks[i].ipv4_address);
		free(s->networks[i].ipv6_address);
	}
	free(s->networks);
	for (size_t i = 0; i < s->n_depends_on; i++)
		free(s->depends_on[i].service);
	free(s->depends_on);
	cy_strv_release(&s->healthcheck.test);
	free(s->healthcheck.interval);
	free(s->healthcheck.timeout);
	free(s->healthcheck.start_period);
	free(s->healthcheck.start_interval);
	free(s->restart);
	free(s->cpus);
	cc_compose_kvs_release(&s->labels);
	free(s->working_dir);
	free(s->user);
	free(s->hostname);
	free(s->container_name);
	cy_strv_release(&s->cap_add);
	cy_strv_release(&s->cap_drop);
	cy_strv_release(&s->security_opt);
	cy_strv_release(&s->tmpfs);
	cy_strv_release(&s->profiles);
	for (size_t i = 0; i < s->n_ulimits; i++)
		free(s->ulimits[i].name);
	free(s->ulimits);
	free(s->stop_signal);
	free(s->stop_grace_period);
	cy_strv_release(&s->secrets);
	memset(s, 0, sizeof(*s));
}

void cc_compose_project_free(struct cc_compose_project *p)
{
	if (p == NULL)
		return;
	free(p->name);
	free(p->working_dir);
	cy_strv_release(&p->files);
	for (size_t i = 0; i < p->n_services; i++)
		service_release(&p->services[i]);
	free(p->services);
	for (size_t i = 0; i < p->n_networks; i++) {
		struct cc_compose_network *n = &p->networks[i];
		free(n->key);
		free(n->name);
		free(n->driver);
		cc_compose_kvs_release(&n->labels);
		cc_compose_kvs_release(&n->driver_opts);
		free(n->ipam_driver);
		for (size_t j = 0; j < n->n_ipam; j++) {
			free(n->ipam[j].subnet);
			free(n->ipam[j].gateway);
			free(n->ipam[j].ip_range);
		}
		free(n->ipam);
	}
	free(p->networks);
	for (size_t i = 0; i < p->n_volumes; i++) {
		free(p->volumes[i].key);
		free(p->volumes[i].name);
		free(p->volumes[i].driver);
		cc_compose_kvs_release(&p->volumes[i].labels);
		cc_compose_kvs_release(&p->volumes[i].driver_opts);
	}
	free(p->volumes);
	for (size_t i = 0; i < p->n_secrets; i++) {
		free(p->secrets[i].key);
		free(p->secrets[i].name);
		free(p->secrets[i].file);
	}
	free(p->secrets);
	cy_strv_release(&p->all_profiles);
	cy_strv_release(&p->disabled);
	free(p);
}
