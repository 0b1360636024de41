/* `compose config`: the model in docker compose config's shape (its keys,
 * their order: services' keys sorted, the long forms), as YAML or JSON.
 * The model becomes a jansson tree first; the YAML is written from it by
 * hand (block style, strings quoted only where YAML would read them as
 * something else), so no YAML emitter is needed. */
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose-internal.h"
#include "util/strbuf.h"

/* jansson's setters steal; a NULL value (out of memory) is caught at the end by json_dumps failing or the caller's check */
static void set(json_t *o, const char *k, json_t *v)
{
	if (v != NULL)
		json_object_set_new(o, k, v);
}
static void set_str(json_t *o, const char *k, const char *s)
{
	if (s != NULL)
		set(o, k, json_string(s));
}
static json_t *strv(const struct cc_compose_strv *v)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < v->n; i++)
		json_array_append_new(a, json_string(v->v[i]));
	return a;
}
static json_t *kvs(const struct cc_compose_kvs *kv)
{
	json_t *o = json_object();
	for (size_t i = 0; o && i < kv->n; i++)
		set(o, kv->v[i].key, kv->v[i].value ? json_string(kv->v[i].value) : json_null());
	return o;
}

static json_t *port_json(const struct cc_compose_port *p)
{
	json_t *o = json_object();
	set_str(o, "name", p->name);
	set_str(o, "mode", p->mode);
	set_str(o, "host_ip", p->host_ip);
	set(o, "target", json_integer(p->target));
	set_str(o, "published", p->published);
	set_str(o, "protocol", p->protocol);
	set_str(o, "app_protocol", p->app_protocol);
	return o;
}

static json_t *volume_json(const struct cc_compose_volume *v)
{
	static const char *const types[] = { "volume", "bind", "tmpfs" };
	json_t *o = json_object();
	set_str(o, "type", types[v->type]);
	set_str(o, "source", v->source);
	set_str(o, "target", v->target);
	if (v->read_only)
		set(o, "read_only", json_true());
	set_str(o, "consistency", v->consistency);
	if (v->type == CC_COMPOSE_MOUNT_BIND) {
		json_t *b = json_object();
		set_str(b, "propagation", v->propagation);
		set(b, "create_host_path", json_boolean(v->create_host_path));
		set_str(b, "selinux", v->selinux);
		set(o, "bind", b);
	} else if (v->type == CC_COMPOSE_MOUNT_VOLUME) {
		json_t *b = json_object();
		if (v->nocopy)
			set(b, "nocopy", json_true());
		set_str(b, "subpath", v->subpath);
		set(o, "volume", b);
	} else if (v->tmpfs_size >= 0 || v->tmpfs_mode >= 0) {
		json_t *b = json_object();
		if (v->tmpfs_size >= 0)
			set(b, "size", json_integer(v->tmpfs_size));
		if (v->tmpfs_mode >= 0)
			set(b, "mode", json_integer(v->tmpfs_mode));
		set(o, "tmpfs", b);
	}
	return o;
}

static json_t *service_json(const struct cc_compose_service *s)
{
	/* keys in sorted order, as docker prints them */
	json_t *o = json_object();
	if (s->build) {
		json_t *b = json_object();
		set_str(b, "context", s->build->context);
		set_str(b, "dockerfile", s->build->dockerfile);
		if (s->build->args.n)
			set(b, "args", kvs(&s->build->args));
		if (s->build->labels.n)
			set(b, "labels", kvs(&s->build->labels));
		set_str(b, "target", s->build->target);
		if (s->build->secrets.n) {
			json_t *a = json_array();
			for (size_t i = 0; i < s->build->secrets.n; i++) {
				json_t *e = json_object();
				set_str(e, "source", s->build->secrets.v[i]);
				json_array_append_new(a, e);
			}
			set(b, "secrets", a);
		}
		set(o, "build", b);
	}
	if (s->cap_add.n)
		set(o, "cap_add", strv(&s->cap_add));
	if (s->cap_drop.n)
		set(o, "cap_drop", strv(&s->cap_drop));
	if (s->has_command)
		set(o, "command", strv(&s->command));
	set_str(o, "container_name", s->container_name);
	if (s->n_depends_on) {
		static const char *const conds[] = { "service_started", "service_healthy", "service_completed_successfully" };
		json_t *d = json_object();
		for (size_t i = 0; i < s->n_depends_on; i++) {
			json_t *e = json_object();
			set_str(e, "condition", conds[s->depends_on[i].condition]);
			if (s->depends_on[i].restart)
				set(e, "restart", json_true());
			set(e, "required", json_boolean(s->depends_on[i].required));
			set(d, s->depends_on[i].service, e);
		}
		set(o, "depends_on", d);
	}
	if (s->replicas >= 0 || s->mem_limit >= 0 || s->cpus || s->pids_limit >= 0) {
		json_t *d = json_object();
		if (s->replicas >= 0)
			set(d, "replicas", json_integer(s->replicas));
		if (s->mem_limit >= 0 || s->cpus || s->pids_limit >= 0) {
			json_t *l = json_object();
			if (s->cpus)
				set(l, "cpus", json_real(strtod(s->cpus, NULL)));
			if (s->mem_limit >= 0) {
				char buf[32];
				snprintf(buf, sizeof(buf), "%lld", (long long)s->mem_limit);
				set_str(l, "memory", buf);
			}
			if (s->pids_limit >= 0)
				set(l, "pids", json_integer(s->pids_limit));
			json_t *r = json_object();
			set(r, "limits", l);
			set(d, "resources", r);
		}
		set(o, "deploy", d);
	}
	if (s->has_entrypoint)
		set(o, "entrypoint", strv(&s->entrypoint));
	if (s->env_file.n) {
		json_t *a = json_array();
		for (size_t i = 0; i < s->env_file.n; i++) {
			json_t *e = json_object();
			set_str(e, "path", s->env_file.v[i]);
			set(e, "required", json_true());
			json_array_append_new(a, e);
		}
		set(o, "env_file", a);
	}
	if (s->environment.n)
		set(o, "environment", kvs(&s->environment));
	if (s->expose.n)
		set(o, "expose", strv(&s->expose));
	if (s->healthcheck.present) {
		const struct cc_compose_healthcheck *h = &s->healthcheck;
		json_t *e = json_object();
		if (h->test.n)
			set(e, "test", strv(&h->test));
		set_str(e, "timeout", h->timeout);
		set_str(e, "interval", h->interval);
		if (h->retries >= 0)
			set(e, "retries", json_integer(h->retries));
		set_str(e, "start_period", h->start_period);
		set_str(e, "start_interval", h->start_interval);
		if (h->disable)
			set(e, "disable", json_true());
		set(o, "healthcheck", e);
	}
	set_str(o, "hostname", s->hostname);
	set_str(o, "image", s->image);
	if (s->init >= 0)
		set(o, "init", json_boolean(s->init));
	if (s->labels.n)
		set(o, "labels", kvs(&s->labels));
	json_t *nets = json_object();
	for (size_t i = 0; i < s->n_networks; i++) {
		const struct cc_compose_attach *a = &s->networks[i];
		if (!a->listed) {
			set(nets, a->network, json_null());
			continue;
		}
		json_t *e = json_object();
		if (a->aliases.n)
			set(e, "aliases", strv(&a->aliases));
		set_str(e, "ipv4_address", a->ipv4_address);
		set_str(e, "ipv6_address", a->ipv6_address);
		if (a->priority >= 0)
			set(e, "priority", json_integer(a->priority));
		set(nets, a->network, e);
	}
	set(o, "networks", nets);
	if (s->n_ports) {
		json_t *a = json_array();
		for (size_t i = 0; i < s->n_ports; i++)
			json_array_append_new(a, port_json(&s->ports[i]));
		set(o, "ports", a);
	}
	if (s->profiles.n)
		set(o, "profiles", strv(&s->profiles));
	if (s->read_only)
		set(o, "read_only", json_true());
	set_str(o, "restart", s->restart);
	if (s->secrets.n) {
		json_t *a = json_array();
		for (size_t i = 0; i < s->secrets.n; i++) {
			json_t *e = json_object();
			set_str(e, "source", s->secrets.v[i]);
			json_array_append_new(a, e);
		}
		set(o, "secrets", a);
	}
	if (s->security_opt.n)
		set(o, "security_opt", strv(&s->security_opt));
	set_str(o, "stop_grace_period", s->stop_grace_period);
	set_str(o, "stop_signal", s->stop_signal);
	if (s->tmpfs.n)
		set(o, "tmpfs", strv(&s->tmpfs));
	if (s->n_ulimits) {
		json_t *u = json_object();
		for (size_t i = 0; i < s->n_ulimits; i++) {
			const struct cc_compose_ulimit *l = &s->ulimits[i];
			if (l->single) {
				set(u, l->name, json_integer(l->soft));
			} else {
				json_t *e = json_object();
				set(e, "soft", json_integer(l->soft));
				set(e, "hard", json_integer(l->hard));
				set(u, l->name, e);
			}
		}
		set(o, "ulimits", u);
	}
	set_str(o, "user", s->user);
	if (s->n_volumes) {
		json_t *a = json_array();
		for (size_t i = 0; i < s->n_volumes; i++)
			json_array_append_new(a, volume_json(&s->volumes[i]));
		set(o, "volumes", a);
	}
	set_str(o, "working_dir", s->working_dir);
	return o;
}

static json_t *project_json(const struct cc_compose_project *p)
{
	json_t *o = json_object();
	set_str(o, "name", p->name);
	json_t *svcs = json_object();
	for (size_t i = 0; i < p->n_services; i++)
		set(svcs, p->services[i].name, service_json(&p->services[i]));
	set(o, "services", svcs);
	if (p->n_networks) {
		json_t *n = json_object();
		for (size_t i = 0; i < p->n_networks; i++) {
			const struct cc_compose_network *w = &p->networks[i];
			json_t *e = json_object();
			set_str(e, "name", w->name);
			set_str(e, "driver", w->driver);
			if (w->driver_opts.n)
				set(e, "driver_opts", kvs(&w->driver_opts));
			if (w->ipam_driver || w->n_ipam) {
				json_t *ipam = json_object();
				set_str(ipam, "driver", w->ipam_driver);
				if (w->n_ipam) {
					json_t *a = json_array();
					for (size_t j = 0; j < w->n_ipam; j++) {
						json_t *c = json_object();
						set_str(c, "subnet", w->ipam[j].subnet);
						set_str(c, "gateway", w->ipam[j].gateway);
						set_str(c, "ip_range", w->ipam[j].ip_range);
						json_array_append_new(a, c);
					}
					set(ipam, "config", a);
				}
				set(e, "ipam", ipam);
			}
			if (w->external)
				set(e, "external", json_true());
			if (w->internal)
				set(e, "internal", json_true());
			if (w->enable_ipv6)
				set(e, "enable_ipv6", json_true());
			if (w->labels.n)
				set(e, "labels", kvs(&w->labels));
			set(n, w->key, e);
		}
		set(o, "networks", n);
	}
	if (p->n_volumes) {
		json_t *n = json_object();
		for (size_t i = 0; i < p->n_volumes; i++) {
			const struct cc_compose_volume_def *v = &p->volumes[i];
			json_t *e = json_object();
			set_str(e, "name", v->name);
			set_str(e, "driver", v->driver);
			if (v->driver_opts.n)
				set(e, "driver_opts", kvs(&v->driver_opts));
			if (v->external)
				set(e, "external", json_true());
			if (v->labels.n)
				set(e, "labels", kvs(&v->labels));
			set(n, v->key, e);
		}
		set(o, "volumes", n);
	}
	if (p->n_secrets) {
		json_t *n = json_object();
		for (size_t i = 0; i < p->n_secrets; i++) {
			json_t *e = json_object();
			set_str(e, "name", p->secrets[i].name);
			set_str(e, "file", p->secrets[i].file);
			set(n, p->secrets[i].key, e);
		}
		set(o, "secrets", n);
	}
	return o;
}

/* ---- YAML ---- */

static bool looks_special(const char *s)
{
	static const char *const words[] = { "true", "false", "yes", "no", "on", "off", "null", "~", "y", "n", NULL };
	for (size_t i = 0; words[i]; i++)
		if (strcasecmp(s, words[i]) == 0)
			return true;
	/* anything a YAML reader could take for a number */
	char *end = NULL;
	(void)strtod(s, &end);
	if (end != s && *end == '\0')
		return true;
	if ((s[0] == '.' || s[0] == '+' || s[0] == '-') && strcasestr(s, "inf"))
		return true;
	if (strcasecmp(s, ".nan") == 0)
		return true;
	if (s[0] == '0' && (s[1] == 'o' || s[1] == 'x' || s[1] == 'b'))
		return true;
	/* YAML 1.1's sexagesimal numbers (digits and ':') and dates */
	bool digits = isdigit((unsigned char)s[0]);
	for (const char *p = s; *p && digits; p++)
		digits = isdigit((unsigned char)*p) || *p == ':' || *p == '_';
	if (digits)
		return true;
	return strlen(s) >= 8 && isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[1]) && isdigit((unsigned char)s[2]) &&
	       isdigit((unsigned char)s[3]) && s[4] == '-';
}

static bool needs_quotes(const char *s)
{
	if (*s == '\0' || looks_special(s))
		return true;
	if (strchr("-?:,[]{}#&*!|>'\"%@` \t", s[0]))
		return s[0] != '-' || s[1] == ' ' || s[1] == '\0' || strncmp(s, "---", 3) == 0;
	size_t n = strlen(s);
	if (s[n - 1] == ' ' || s[n - 1] == ':' || s[n - 1] == '\t')
		return true;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return true;
		if ((*p == ':' && (p[1] == ' ' || p[1] == '\t')) || (*p == '#' && (p[-1] == ' ' || p[-1] == '\t')))
			return true;
	}
	return false;
}

static void put_string(struct cc_strbuf *sb, const char *s)
{
	if (!needs_quotes(s)) {
		cc_strbuf_add(sb, s, strlen(s));
		return;
	}
	cc_strbuf_add(sb, "\"", 1);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': cc_strbuf_add(sb, "\\\"", 2); break;
		case '\\': cc_strbuf_add(sb, "\\\\", 2); break;
		case '\n': cc_strbuf_add(sb, "\\n", 2); break;
		case '\t': cc_strbuf_add(sb, "\\t", 2); break;
		case '\r': cc_strbuf_add(sb, "\\r", 2); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				cc_strbuf_addf(sb, "\\x%02x", *p);
			else
				cc_strbuf_add(sb, (const char *)p, 1);
		}
	}
	cc_strbuf_add(sb, "\"", 1);
}

static void put_scalar(struct cc_strbuf *sb, json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_STRING: put_string(sb, json_string_value(v)); break;
	case JSON_INTEGER: cc_strbuf_addf(sb, "%" JSON_INTEGER_FORMAT, json_integer_value(v)); break;
	case JSON_REAL: cc_strbuf_addf(sb, "%g", json_real_value(v)); break;
	case JSON_TRUE: cc_strbuf_add(sb, "true", 4); break;
	case JSON_FALSE: cc_strbuf_add(sb, "false", 5); break;
	case JSON_NULL: cc_strbuf_add(sb, "null", 4); break;
	case JSON_OBJECT: cc_strbuf_add(sb, "{}", 2); break;
	case JSON_ARRAY: cc_strbuf_add(sb, "[]", 2); break;
	}
}

static bool is_block(json_t *v)
{
	return (json_is_object(v) && json_object_size(v) > 0) || (json_is_array(v) && json_array_size(v) > 0);
}

static void yaml_node(struct cc_strbuf *sb, json_t *v, int indent, bool inline_first);

static void yaml_object(struct cc_strbuf *sb, json_t *o, int indent, bool inline_first)
{
	const char *k;
	json_t *v;
	bool first = true;
	json_object_foreach(o, k, v) {
		if (!(first && inline_first))
			cc_strbuf_addf(sb, "%*s", indent, "");
		first = false;
		put_string(sb, k);
		cc_strbuf_add(sb, ":", 1);
		if (is_block(v)) {
			cc_strbuf_add(sb, "\n", 1);
			yaml_node(sb, v, indent + 2, false);
		} else {
			cc_strbuf_add(sb, " ", 1);
			put_scalar(sb, v);
			cc_strbuf_add(sb, "\n", 1);
		}
	}
}

static void yaml_node(struct cc_strbuf *sb, json_t *v, int indent, bool inline_first)
{
	if (json_is_object(v)) {
		yaml_object(sb, v, indent, inline_first);
		return;
	}
	size_t i;
	json_t *e;
	json_array_foreach(v, i, e) {
		cc_strbuf_addf(sb, "%*s- ", indent, "");
		if (json_is_object(e) && json_object_size(e) > 0) {
			yaml_object(sb, e, indent + 2, true);
		} else if (json_is_array(e) && json_array_size(e) > 0) {
			cc_strbuf_add(sb, "\n", 1);
			yaml_node(sb, e, indent + 2, false);
		} else {
			put_scalar(sb, e);
			cc_strbuf_add(sb, "\n", 1);
		}
	}
}

int cc_compose_to_text(const struct cc_compose_project *p, bool json, char **ret, cc_error **err)
{
	json_t *o = project_json(p);
	if (o == NULL)
		return cc_error_set(err, 12, "out of memory");
	char *out = NULL;
	if (json) {
		char *d = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		if (d != NULL && asprintf(&out, "%s\n", d) < 0)
			out = NULL;
		free(d);
	} else {
		struct cc_strbuf sb = { 0 };
		yaml_node(&sb, o, 0, false);
		out = cc_strbuf_steal(&sb);
	}
	json_decref(o);
	if (out == NULL)
		return cc_error_set(err, 12, "out of memory");
	*ret = out;
	return 0;
}
