/* Parsers of build's flags and of RUN --mount: the comma-separated
 * key=value syntax buildx and BuildKit share (a CSV record: a field may be
 * double-quoted, "" inside it is a quote).  Pure functions over strings;
 * every error is one line naming the part that is wrong.
 *
 * RUN flags: only --mount is parsed here; another RUN flag gets a parser
 * of its own beside cc_run_mount_parse and a line in steps.c's step_run.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build-internal.h"

#define MAX_SPEC 8192   /* one flag value */
#define MAX_FIELDS 32

/* Split a CSV record into fields (malloc'd, NULL-terminated). */
static int csv_fields(const char *spec, const char *what, char ***ret, cc_error **err)
{
	size_t len = strlen(spec);
	if (len > MAX_SPEC)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid %s: longer than %d bytes", what, MAX_SPEC);
	char **v = calloc(1, sizeof(char *));
	char *buf = malloc(len + 1);
	if (v == NULL || buf == NULL) {
		free(v);
		free(buf);
		return cc_error_set(err, ENOMEM, "parse %s", what);
	}
	const char *p = spec;
	size_t n = 0;
	for (;;) {
		size_t o = 0;
		if (*p == '"') {
			p++;
			for (;;) {
				if (*p == '\0') {
					free(buf);
					cc_strvfreep(&v);
					return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid %s '%s': unterminated quote", what, spec);
				}
				if (*p == '"' && p[1] == '"') {
					buf[o++] = '"';
					p += 2;
				} else if (*p == '"') {
					p++;
					break;
				} else {
					buf[o++] = *p++;
				}
			}
			if (*p != ',' && *p != '\0') {
				free(buf);
				cc_strvfreep(&v);
				return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid %s '%s': text after a closing quote", what, spec);
			}
		} else {
			while (*p && *p != ',')
				buf[o++] = *p++;
		}
		buf[o] = '\0';
		if (++n > MAX_FIELDS || cc_strv_push(&v, buf) < 0) {
			free(buf);
			cc_strvfreep(&v);
			return n > MAX_FIELDS ? cc_error_setk(err, CC_ERR_INVALID, 0, "invalid %s: more than %d fields", what, MAX_FIELDS)
					      : cc_error_set(err, ENOMEM, "parse %s", what);
		}
		if (*p == '\0')
			break;
		p++; /* the comma */
	}
	free(buf);
	*ret = v;
	return 0;
}

/* Go's strconv.ParseBool. */
static int parse_bool(const char *s, bool *ret)
{
	static const char *const t[] = { "1", "t", "T", "TRUE", "true", "True", NULL };
	static const char *const f[] = { "0", "f", "F", "FALSE", "false", "False", NULL };
	for (size_t i = 0; t[i]; i++) {
		if (strcmp(s, t[i]) == 0) {
			*ret = true;
			return 0;
		}
		if (strcmp(s, f[i]) == 0) {
			*ret = false;
			return 0;
		}
	}
	return -1;
}

static int parse_id_num(const char *s, int64_t *ret)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (*s == '\0' || *end || errno || v < 0 || v > UINT32_MAX - 1)
		return -1;
	*ret = v;
	return 0;
}

static int dup_value(char **dst, const char *v, cc_error **err)
{
	char *n = strdup(v);
	if (n == NULL)
		return cc_error_set(err, ENOMEM, "parse mount");
	free(*dst);
	*dst = n;
	return 0;
}

void cc_run_mount_release(struct cc_run_mount *m)
{
	if (m == NULL)
		return;
	free(m->target);
	free(m->source);
	free(m->from);
	free(m->id);
	free(m->env);
	free(m->from_image);
	*m = (struct cc_run_mount){ .from_stage = -1, .from_context = -1, .mode = -1, .uid = -1, .gid = -1 };
}

static int mount_field(struct cc_run_mount *m, const char *spec, const char *field, bool *ro_given, cc_error **err)
{
	const char *eq = strchr(field, '=');
	size_t kl = eq ? (size_t)(eq - field) : strlen(field);
	char key[32];
	if (kl == 0 || kl >= sizeof(key))
		return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid mount '%s': unexpected field '%s'", spec, field);
	for (size_t i = 0; i < kl; i++)
		key[i] = (char)tolower((unsigned char)field[i]);
	key[kl] = '\0';
	const char *val = eq ? eq + 1 : NULL;
	/* flags that may stand alone */
	if (strcmp(key, "ro") == 0 || strcmp(key, "readonly") == 0 || strcmp(key, "rw") == 0 ||
	    strcmp(key, "readwrite") == 0 || strcmp(key, "required") == 0) {
		bool b = true;
		if (val && parse_bool(val, &b) < 0)
			return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid mount '%s': invalid value for %s: '%s'", spec,
					     key, val);
		if (key[0] == 'r' && key[1] == 'w')
			m->readonly = !b;
		else if (strcmp(key, "readwrite") == 0)
			m->readonly = !b;
		else if (strcmp(key, "required") == 0)
			m->required = b;
		else
			m->readonly = b;
		if (strcmp(key, "required") != 0)
			*ro_given = true;
		return 0;
	}
	if (val == NULL)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid mount '%s': '%s' needs a value (%s=...)", spec, key, key);
	if (strcmp(key, "type") == 0)
		return 0; /* read first, by the caller */
	if (strcmp(key, "target") == 0 || strcmp(key, "dst") == 0 || strcmp(key, "destination") == 0)
		return dup_value(&m->target, val, err);
	if (strcmp(key, "source") == 0 || strcmp(key, "src") == 0)
		return dup_value(&m->source, val, err);
	if (strcmp(key, "from") == 0)
		return dup_value(&m->from, val, err);
	if (strcmp(key, "id") == 0)
		return dup_value(&m->id, val, err);
	if (strcmp(key, "env") == 0)
		return dup_value(&m->env, val, err);
	if (strcmp(key, "sharing") == 0) {
		if (strcmp(val, "shared") == 0)
			m->sharing = CC_SHARING_SHARED;
		else if (strcmp(val, "private") == 0)
			m->sharing = CC_SHARING_PRIVATE;
		else if (strcmp(val, "locked") == 0)
			m->sharing = CC_SHARING_LOCKED;
		else
			return cc_error_setk(err, CC_ERR_INVALID, 0,
					     "invalid mount '%s': sharing must be shared, private or locked, not '%s'", spec, val);
		return 0;
	}
	if (strcmp(key, "mode") == 0) {
		char *end;
		errno = 0;
		long v = strtol(val, &end, 8);
		if (*val == '\0' || *end || errno || v < 0 || v > 07777)
			return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid mount '%s': mode must be octal, not '%s'", spec, val);
		m->mode = (int)v;
		return 0;
	}
	if (strcmp(key, "uid") == 0 || strcmp(key, "gid") == 0) {
		if (parse_id_num(val, key[0] == 'u' ? &m->uid : &m->gid) < 0)
			return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid mount '%s': %s must be a number, not '%s'", spec,
					     key, val);
		return 0;
	}
	if (strcmp(key, "size") == 0) {
		if (cc_parse_size(val, &m->size) < 0 || m->size < 0)
			return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid mount '%s': invalid size '%s'", spec, val);
		return 0;
	}
	return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid mount '%s': unexpected key '%s'", spec, key);
}

/* Which keys each type takes (BuildKit's list; others are errors). */
static bool key_allowed(enum cc_run_mount_type t, const struct cc_run_mount *m, const char **bad)
{
	switch (t) {
	case CC_MOUNT_BIND:
		*bad = m->id ? "id" : m->sharing != CC_SHARING_SHARED ? "sharing" : m->mode >= 0 ? "mode"
		       : m->uid >= 0 ? "uid" : m->gid >= 0 ? "gid" : m->size ? "size" : m->env ? "env" : m->required ? "required" : NULL;
		break;
	case CC_MOUNT_CACHE:
		*bad = m->size ? "size" : m->env ? "env" : m->required ? "required" : NULL;
		break;
	case CC_MOUNT_TMPFS:
		*bad = m->source ? "source" : m->from ? "from" : m->id ? "id" : m->sharing != CC_SHARING_SHARED ? "sharing"
		       : m->mode >= 0 ? "mode" : m->uid >= 0 ? "uid" : m->gid >= 0 ? "gid" : m->env ? "env"
		       : m->required ? "required" : NULL;
		break;
	case CC_MOUNT_SECRET:
		*bad = m->source ? "source" : m->from ? "from" : m->sharing != CC_SHARING_SHARED ? "sharing"
		       : m->size ? "size" : NULL;
		break;
	}
	return *bad == NULL;
}

int cc_run_mount_parse(const char *spec, struct cc_run_mount *ret, cc_error **err)
{
	struct cc_run_mount m = { .from_stage = -1, .from_context = -1, .mode = -1, .uid = -1, .gid = -1 };
	_cleanup_strv_ char **fields = NULL;
	if (csv_fields(spec, "mount", &fields, err) < 0)
		return -1;
	const char *type = "bind";
	for (char **f = fields; *f; f++)
		if (strncasecmp(*f, "type=", 5) == 0)
			type = *f + 5;
	if (strcmp(type, "bind") == 0)
		m.type = CC_MOUNT_BIND;
	else if (strcmp(type, "cache") == 0)
		m.type = CC_MOUNT_CACHE;
	else if (strcmp(type, "tmpfs") == 0)
		m.type = CC_MOUNT_TMPFS;
	else if (strcmp(type, "secret") == 0)
		m.type = CC_MOUNT_SECRET;
	else if (strcmp(type, "ssh") == 0)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "RUN --mount=type=ssh is not supported");
	else
		return cc_error_setk(err, CC_ERR_INVALID, 0,
				     "invalid mount '%s': unknown type '%s' (bind, cache, tmpfs or secret)", spec, type);
	/* a bind is read-only unless rw; the others are writable */
	m.readonly = m.type == CC_MOUNT_BIND;
	bool ro_given = false;
	for (char **f = fields; *f; f++) {
		if (**f == '\0')
			continue;
		if (mount_field(&m, spec, *f, &ro_given, err) < 0) {
			cc_run_mount_release(&m);
			return -1;
		}
	}
	const char *bad = NULL;
	if (!key_allowed(m.type, &m, &bad) || ((m.type == CC_MOUNT_TMPFS || m.type == CC_MOUNT_SECRET) && ro_given)) {
		int r = cc_error_setk(err, CC_ERR_INVALID, 0, "invalid mount '%s': %s does not apply to type=%s", spec,
				      bad ? bad : "ro/rw", type);
		cc_run_mount_release(&m);
		return r;
	}
	if (m.type == CC_MOUNT_SECRET) {
		/* id defaults to the target's base name, target to /run/secrets/ID */
		if (m.id == NULL && m.target) {
			const char *slash = strrchr(m.target, '/');
			m.id = strdup(slash ? slash + 1 : m.target);
		}
		if (m.id == NULL || m.id[0] == '\0') {
			cc_run_mount_release(&m);
			return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid mount '%s': a secret needs id= or target=", spec);
		}
		if (m.target == NULL && m.env == NULL && asprintf(&m.target, "/run/secrets/%s", m.id) < 0)
			m.target = NULL;
		if (m.target == NULL && m.env == NULL) {
			cc_run_mount_release(&m);
			return cc_error_set(err, ENOMEM, "parse mount");
		}
		if (strchr(m.id, '/') || strcmp(m.id, ".") == 0 || strcmp(m.id, "..") == 0) {
			int r = cc_error_setk(err, CC_ERR_INVALID, 0, "invalid mount '%s': invalid secret id '%s'", spec, m.id);
			cc_run_mount_release(&m);
			return r;
		}
	}
	if (m.type != CC_MOUNT_SECRET && (m.target == NULL || m.target[0] == '\0')) {
		cc_run_mount_release(&m);
		return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid mount '%s': target= is required", spec);
	}
	if (m.target && m.target[0] == '\0') {
		cc_run_mount_release(&m);
		return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid mount '%s': target= is empty", spec);
	}
	if (m.env && (m.env[0] == '\0' || strchr(m.env, '='))) {
		int r = cc_error_setk(err, CC_ERR_INVALID, 0, "invalid mount '%s': invalid env name '%s'", spec, m.env);
		cc_run_mount_release(&m);
		return r;
	}
	if (m.type == CC_MOUNT_CACHE && m.id == NULL && (m.id = strdup(m.target)) == NULL) {
		cc_run_mount_release(&m);
		return cc_error_set(err, ENOMEM, "parse mount");
	}
	*ret = m;
	return 0;
}

/* ---- --secret ------------------------------------------------------------ */

void cc_build_secret_release(struct cc_build_secret *s)
{
	if (s == NULL)
		return;
	free(s->id);
	free(s->src);
	free(s->env);
	*s = (struct cc_build_secret){ 0 };
}

int cc_build_secret_parse(const char *spec, struct cc_build_secret *ret, cc_error **err)
{
	struct cc_build_secret s = { 0 };
	_cleanup_strv_ char **fields = NULL;
	if (csv_fields(spec, "--secret", &fields, err) < 0)
		return -1;
	const char *type = NULL, *src = NULL;
	int r = 0;
	for (char **f = fields; r == 0 && *f; f++) {
		const char *eq = strchr(*f, '=');
		if (eq == NULL) {
			r = cc_error_setk(err, CC_ERR_INVALID, 0, "invalid --secret '%s': expected key=value, not '%s'", spec, *f);
			break;
		}
		size_t kl = (size_t)(eq - *f);
		const char *v = eq + 1;
		if (kl == 4 && strncmp(*f, "type", 4) == 0) {
			if (strcmp(v, "file") && strcmp(v, "env"))
				r = cc_error_setk(err, CC_ERR_INVALID, 0, "invalid --secret '%s': type must be file or env, not '%s'",
						  spec, v);
			type = v;
		} else if (kl == 2 && strncmp(*f, "id", 2) == 0) {
			free(s.id);
			if ((s.id = strdup(v)) == NULL)
				r = cc_error_set(err, ENOMEM, "parse --secret");
		} else if ((kl == 3 && strncmp(*f, "src", 3) == 0) || (kl == 6 && strncmp(*f, "source", 6) == 0)) {
			src = v;
		} else if (kl == 3 && strncmp(*f, "env", 3) == 0) {
			free(s.env);
			if ((s.env = strdup(v)) == NULL)
				r = cc_error_set(err, ENOMEM, "parse --secret");
		} else {
			r = cc_error_setk(err, CC_ERR_INVALID, 0, "invalid --secret '%s': unexpected key '%.*s'", spec, (int)kl, *f);
		}
	}
	if (r == 0 && (s.id == NULL || s.id[0] == '\0' || strchr(s.id, '/')))
		r = cc_error_setk(err, CC_ERR_INVALID, 0, "invalid --secret '%s': id= is required (a name without '/')", spec);
	if (r == 0 && src) {
		/* type=env: src names the variable */
		char **dst = type && strcmp(type, "env") == 0 ? &s.env : &s.src;
		free(*dst);
		if ((*dst = strdup(src)) == NULL)
			r = cc_error_set(err, ENOMEM, "parse --secret");
	}
	if (r == 0 && s.src && s.env)
		r = cc_error_setk(err, CC_ERR_INVALID, 0, "invalid --secret '%s': give src= or env=, not both", spec);
	if (r == 0 && s.src == NULL && s.env == NULL) {
		if (type && strcmp(type, "file") == 0)
			r = cc_error_setk(err, CC_ERR_INVALID, 0, "invalid --secret '%s': type=file needs src=", spec);
		else if ((s.env = strdup(s.id)) == NULL) /* buildx: the variable named as the id */
			r = cc_error_set(err, ENOMEM, "parse --secret");
	}
	if (r == 0 && ((s.src && s.src[0] == '\0') || (s.env && (s.env[0] == '\0' || strchr(s.env, '=')))))
		r = cc_error_setk(err, CC_ERR_INVALID, 0, "invalid --secret '%s': empty or invalid source", spec);
	if (r < 0) {
		cc_build_secret_release(&s);
		return -1;
	}
	*ret = s;
	return 0;
}

/* ---- --output ------------------------------------------------------------ */

void cc_build_output_release(struct cc_build_output *o)
{
	if (o == NULL)
		return;
	free(o->dest);
	o->dest = NULL;
}

int cc_build_output_parse(const char *spec, struct cc_build_output *ret, cc_error **err)
{
	struct cc_build_output o = { .type = CC_OUTPUT_LOCAL };
	if (spec[0] == '\0')
		return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid --output '': expected type=local,dest=DIR, type=tar,dest=FILE, DIR or -");
	if (strchr(spec, '=') == NULL && strchr(spec, ',') == NULL) {
		/* docker's short forms: "-" is a tar on stdout, anything else a directory */
		o.type = strcmp(spec, "-") == 0 ? CC_OUTPUT_TAR : CC_OUTPUT_LOCAL;
		if ((o.dest = strdup(spec)) == NULL)
			return cc_error_set(err, ENOMEM, "parse --output");
		*ret = o;
		return 0;
	}
	_cleanup_strv_ char **fields = NULL;
	if (csv_fields(spec, "--output", &fields, err) < 0)
		return -1;
	const char *type = NULL;
	int r = 0;
	for (char **f = fields; r == 0 && *f; f++) {
		const char *eq = strchr(*f, '=');
		size_t kl = eq ? (size_t)(eq - *f) : strlen(*f);
		if (eq && kl == 4 && strncmp(*f, "type", 4) == 0) {
			type = eq + 1;
		} else if (eq && ((kl == 4 && strncmp(*f, "dest", 4) == 0) || (kl == 11 && strncmp(*f, "destination", 11) == 0))) {
			free(o.dest);
			if ((o.dest = strdup(eq + 1)) == NULL)
				r = cc_error_set(err, ENOMEM, "parse --output");
		} else {
			r = cc_error_setk(err, CC_ERR_INVALID, 0, "invalid --output '%s': unexpected field '%.*s'", spec, (int)kl, *f);
		}
	}
	if (r == 0 && type == NULL)
		r = cc_error_setk(err, CC_ERR_INVALID, 0, "invalid --output '%s': type= is required (local or tar)", spec);
	else if (r == 0 && strcmp(type, "local") == 0)
		o.type = CC_OUTPUT_LOCAL;
	else if (r == 0 && strcmp(type, "tar") == 0)
		o.type = CC_OUTPUT_TAR;
	else if (r == 0)
		r = cc_error_setk(err, CC_ERR_INVALID, 0, "invalid --output '%s': type '%s' is not supported (local or tar)", spec,
				  type);
	if (r == 0 && (o.dest == NULL || o.dest[0] == '\0'))
		r = cc_error_setk(err, CC_ERR_INVALID, 0, "invalid --output '%s': dest= is required", spec);
	if (r == 0 && o.type == CC_OUTPUT_LOCAL && strcmp(o.dest, "-") == 0)
		r = cc_error_setk(err, CC_ERR_INVALID, 0, "invalid --output '%s': type=local needs a directory, not -", spec);
	if (r < 0) {
		cc_build_output_release(&o);
		return -1;
	}
	*ret = o;
	return 0;
}

/* ---- --build-context ----------------------------------------------------- */

void cc_build_context_release(struct cc_build_context *c)
{
	if (c == NULL)
		return;
	free(c->name);
	free(c->dir);
	free(c->image);
	*c = (struct cc_build_context){ 0 };
}

int cc_build_context_parse(const char *spec, struct cc_build_context *ret, cc_error **err)
{
	const char *eq = strchr(spec, '=');
	if (eq == NULL || eq == spec || eq[1] == '\0')
		return cc_error_setk(err, CC_ERR_INVALID, 0,
				     "invalid --build-context '%s': expected NAME=DIR or NAME=docker-image://REF", spec);
	struct cc_build_context c = { .name = strndup(spec, (size_t)(eq - spec)) };
	if (c.name == NULL)
		return cc_error_set(err, ENOMEM, "parse --build-context");
	for (char *p = c.name; *p; p++) {
		*p = (char)tolower((unsigned char)*p);
		if (!(isalnum((unsigned char)*p) || *p == '-' || *p == '_' || *p == '.' || *p == '/' || *p == ':' || *p == '@')) {
			int r = cc_error_setk(err, CC_ERR_INVALID, 0, "invalid --build-context '%s': invalid name '%.*s'", spec,
					      (int)(eq - spec), spec);
			cc_build_context_release(&c);
			return r;
		}
	}
	const char *v = eq + 1;
	int r = 0;
	if (cc_str_has_prefix(v, "docker-image://")) {
		v += strlen("docker-image://");
		if (*v == '\0')
			r = cc_error_setk(err, CC_ERR_INVALID, 0, "invalid --build-context '%s': no image reference", spec);
		else if ((c.image = strdup(v)) == NULL)
			r = cc_error_set(err, ENOMEM, "parse --build-context");
	} else if (cc_str_has_prefix(v, "oci-layout://") || cc_str_has_prefix(v, "target:") ||
		   cc_str_has_prefix(v, "http://") || cc_str_has_prefix(v, "https://") || cc_str_has_prefix(v, "git@") ||
		   cc_str_has_prefix(v, "git://") || cc_str_has_prefix(v, "input:")) {
		r = cc_error_setk(err, CC_ERR_INVALID, 0,
				  "invalid --build-context '%s': only a directory or docker-image://REF is supported", spec);
	} else if ((c.dir = strdup(v)) == NULL) {
		r = cc_error_set(err, ENOMEM, "parse --build-context");
	}
	if (r < 0) {
		cc_build_context_release(&c);
		return -1;
	}
	*ret = c;
	return 0;
}
