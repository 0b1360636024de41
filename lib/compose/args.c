/* A service's containers as `create` arguments: the model (compose.h)
 * into run's flags, so that a compose container is exactly what the same
 * `ccontainer create` would make (and is checked by the same code).
 * compose.h: cc_compose_create_args. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose.h"
#include "util/strbuf.h"
#include "util/cleanup.h"
#include "util/util.h"

struct argv_b {
	char **v;
	size_t n, cap;
	bool oom;
};

static void push(struct argv_b *a, char *s)
{
	if (s == NULL || a->oom) {
		free(s);
		a->oom = true;
		return;
	}
	if (a->n + 2 > a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 32;
		char **v = realloc(a->v, cap * sizeof(*v));
		if (v == NULL) {
			free(s);
			a->oom = true;
			return;
		}
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

static void add(struct argv_b *a, const char *s)
{
	push(a, strdup(s));
}

static void addf(struct argv_b *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void addf(struct argv_b *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	push(a, s);
}

static void flag(struct argv_b *a, const char *name, const char *value)
{
	add(a, name);
	add(a, value);
}

/* The healthcheck as run's --health-* flags; the test in podman's JSON
 * form when it is an exec one. */
static int health_flags(struct argv_b *a, const struct cc_compose_healthcheck *h, cc_error **err)
{
	if (!h->present)
		return 0;
	if (h->disable || (h->test.n > 0 && strcmp(h->test.v[0], "NONE") == 0)) {
		add(a, "--no-healthcheck");
		return 0;
	}
	if (h->test.n > 0) {
		if (strcmp(h->test.v[0], "CMD-SHELL") == 0 && h->test.n == 2) {
			flag(a, "--health-cmd", h->test.v[1]);
		} else if (strcmp(h->test.v[0], "CMD") == 0 && h->test.n >= 2) {
			struct cc_strbuf sb = { 0 };
			cc_strbuf_add(&sb, "[", 1);
			for (size_t i = 0; i < h->test.n; i++) {
				cc_strbuf_add(&sb, i ? ",\"" : "\"", i ? 2 : 1);
				for (const char *c = h->test.v[i]; *c; c++) {
					if (*c == '"' || *c == '\\')
						cc_strbuf_addf(&sb, "\\%c", *c);
					else if ((unsigned char)*c < 0x20)
						cc_strbuf_addf(&sb, "\\u%04x", (unsigned char)*c);
					else
						cc_strbuf_add(&sb, c, 1);
				}
				cc_strbuf_add(&sb, "\"", 1);
			}
			cc_strbuf_add(&sb, "]", 1);
			add(a, "--health-cmd");
			push(a, cc_strbuf_steal(&sb));
		} else {
			return cc_error_setk(err, CC_ERR_INVALID, 0,
					     "healthcheck.test must be [\"CMD\", ...], [\"CMD-SHELL\", \"...\"] or [\"NONE\"]");
		}
	}
	if (h->interval)
		flag(a, "--health-interval", h->interval);
	if (h->timeout)
		flag(a, "--health-timeout", h->timeout);
	if (h->start_period)
		flag(a, "--health-start-period", h->start_period);
	if (h->start_interval)
		flag(a, "--health-start-interval", h->start_interval);
	if (h->retries >= 0)
		addf(a, "--health-retries=%lld", (long long)h->retries);
	return 0;
}

static const struct cc_compose_network *network_of(const struct cc_compose_project *p, const char *key)
{
	for (size_t i = 0; i < p->n_networks; i++)
		if (strcmp(p->networks[i].key, key) == 0)
			return &p->networks[i];
	return NULL;
}

static const struct cc_compose_volume_def *volume_of(const struct cc_compose_project *p, const char *key)
{
	for (size_t i = 0; i < p->n_volumes; i++)
		if (strcmp(p->volumes[i].key, key) == 0)
			return &p->volumes[i];
	return NULL;
}

static const struct cc_compose_secret *secret_of(const struct cc_compose_project *p, const char *key)
{
	for (size_t i = 0; i < p->n_secrets; i++)
		if (strcmp(p->secrets[i].key, key) == 0)
			return &p->secrets[i];
	return NULL;
}

static int volume_flags(struct argv_b *a, const struct cc_compose_project *p, const struct cc_compose_service *sv,
			cc_error **err)
{
	for (size_t i = 0; i < sv->n_volumes; i++) {
		const struct cc_compose_volume *v = &sv->volumes[i];
		if (strchr(v->target, ',') || (v->source && strchr(v->source, ',')))
			return cc_error_setk(err, CC_ERR_INVALID, 0, "service %s: volume %s: a comma in a path is not supported",
					     sv->name, v->target);
		if (v->subpath)
			return cc_error_setk(err, CC_ERR_INVALID, 0,
					     "service %s: volume %s: subpath is not supported by ccontainer yet", sv->name,
					     v->target);
		switch (v->type) {
		case CC_COMPOSE_MOUNT_BIND:
			if (v->create_host_path && strchr(v->source, ':') == NULL && strchr(v->target, ':') == NULL) {
				/* -v makes a missing host directory, as compose does */
				struct cc_strbuf o = { 0 };
				cc_strbuf_add(&o, "", 0);
				if (v->read_only)
					cc_strbuf_add(&o, "ro", 2);
				if (v->propagation)
					cc_strbuf_addf(&o, "%s%s", o.len ? "," : "", v->propagation);
				if (v->selinux)
					cc_strbuf_addf(&o, "%s%s", o.len ? "," : "", v->selinux);
				_cleanup_free_ char *opts = cc_strbuf_steal(&o);
				add(a, "-v");
				addf(a, "%s:%s%s%s", v->source, v->target, opts && opts[0] ? ":" : "", opts ? opts : "");
			} else {
				add(a, "--mount");
				addf(a, "type=bind,source=%s,target=%s%s%s%s", v->source, v->target, v->read_only ? ",readonly" : "",
				     v->propagation ? ",bind-propagation=" : "", v->propagation ? v->propagation : "");
			}
			break;
		case CC_COMPOSE_MOUNT_VOLUME: {
			const struct cc_compose_volume_def *d = v->source ? volume_of(p, v->source) : NULL;
			if (v->source && d == NULL)
				return cc_error_setk(err, CC_ERR_INVALID, 0, "service %s refers to undefined volume %s", sv->name,
						     v->source);
			add(a, "--mount");
			addf(a, "type=volume%s%s,target=%s%s%s", d ? ",source=" : "", d ? d->name : "", v->target,
			     v->read_only ? ",readonly" : "", v->nocopy ? ",volume-nocopy" : "");
			break;
		}
		case CC_COMPOSE_MOUNT_TMPFS:
			add(a, "--mount");
			if (v->tmpfs_size >= 0 && v->tmpfs_mode >= 0)
				addf(a, "type=tmpfs,target=%s,tmpfs-size=%lld,tmpfs-mode=%llo", v->target,
				     (long long)v->tmpfs_size, (long long)v->tmpfs_mode);
			else if (v->tmpfs_size >= 0)
				addf(a, "type=tmpfs,target=%s,tmpfs-size=%lld", v->target, (long long)v->tmpfs_size);
			else if (v->tmpfs_mode >= 0)
				addf(a, "type=tmpfs,target=%s,tmpfs-mode=%llo", v->target, (long long)v->tmpfs_mode);
			else
				addf(a, "type=tmpfs,target=%s", v->target);
			break;
		}
	}
	for (size_t i = 0; i < sv->secrets.n; i++) {
		const struct cc_compose_secret *s = secret_of(p, sv->secrets.v[i]);
		if (s == NULL || s->file == NULL)
			return cc_error_setk(err, CC_ERR_INVALID, 0, "service %s refers to undefined secret %s", sv->name,
					     sv->secrets.v[i]);
		add(a, "--mount");
		addf(a, "type=bind,source=%s,target=/run/secrets/%s,readonly", s->file, s->key);
	}
	return 0;
}

static void network_flags(struct argv_b *a, const struct cc_compose_project *p, const struct cc_compose_service *sv)
{
	for (size_t i = 0; i < sv->n_networks; i++) {
		const struct cc_compose_attach *at = &sv->networks[i];
		const struct cc_compose_network *n = network_of(p, at->network);
		struct cc_strbuf sb = { 0 };
		/* docker compose: the service's name is an alias on each */
		cc_strbuf_addf(&sb, "name=%s,alias=%s", n ? n->name : at->network, sv->name);
		for (size_t j = 0; j < at->aliases.n; j++)
			cc_strbuf_addf(&sb, ",alias=%s", at->aliases.v[j]);
		if (at->ipv4_address)
			cc_strbuf_addf(&sb, ",ip=%s", at->ipv4_address);
		add(a, "--network");
		push(a, cc_strbuf_steal(&sb));
	}
}

static void port_flags(struct argv_b *a, const struct cc_compose_service *sv)
{
	for (size_t i = 0; i < sv->n_ports; i++) {
		const struct cc_compose_port *pt = &sv->ports[i];
		const char *proto = pt->protocol ? pt->protocol : "tcp";
		add(a, "-p");
		if (pt->host_ip && pt->published)
			addf(a, "%s:%s:%u/%s", pt->host_ip, pt->published, (unsigned)pt->target, proto);
		else if (pt->host_ip)
			addf(a, "%s::%u/%s", pt->host_ip, (unsigned)pt->target, proto);
		else if (pt->published)
			addf(a, "%s:%u/%s", pt->published, (unsigned)pt->target, proto);
		else
			addf(a, "%u/%s", (unsigned)pt->target, proto);
	}
}

int cc_compose_create_args(const struct cc_compose_project *p, const struct cc_compose_service *sv, const char *image,
			   const char *name, int number, bool oneoff, char ***ret, cc_error **err)
{
	*ret = NULL;
	struct argv_b a = { 0 };
	flag(&a, "--name", name);
	addf(&a, "--label=com.docker.compose.project=%s", p->name);
	addf(&a, "--label=com.docker.compose.service=%s", sv->name);
	addf(&a, "--label=com.docker.compose.container-number=%d", number);
	addf(&a, "--label=com.docker.compose.oneoff=%s", oneoff ? "True" : "False");
	addf(&a, "--label=com.docker.compose.project.working_dir=%s", p->working_dir);
	struct cc_strbuf files = { 0 };
	cc_strbuf_add(&files, "", 0);
	for (size_t i = 0; i < p->files.n; i++)
		cc_strbuf_addf(&files, "%s%s", i ? "," : "", p->files.v[i]);
	_cleanup_free_ char *ftext = cc_strbuf_steal(&files);
	addf(&a, "--label=com.docker.compose.project.config_files=%s", ftext ? ftext : "");
	if (sv->n_depends_on > 0) {
		struct cc_strbuf d = { 0 };
		for (size_t i = 0; i < sv->n_depends_on; i++) {
			const struct cc_compose_dep *dep = &sv->depends_on[i];
			static const char *const cond[] = { "service_started", "service_healthy",
							    "service_completed_successfully" };
			cc_strbuf_addf(&d, "%s%s:%s:%s", i ? "," : "", dep->service, cond[dep->condition],
				       dep->restart ? "true" : "false");
		}
		_cleanup_free_ char *dt = cc_strbuf_steal(&d);
		addf(&a, "--label=com.docker.compose.depends_on=%s", dt ? dt : "");
	}
	for (size_t i = 0; i < sv->labels.n; i++)
		addf(&a, "--label=%s=%s", sv->labels.v[i].key, sv->labels.v[i].value ? sv->labels.v[i].value : "");
	for (size_t i = 0; i < sv->environment.n; i++) {
		add(&a, "-e");
		if (sv->environment.v[i].value)
			addf(&a, "%s=%s", sv->environment.v[i].key, sv->environment.v[i].value);
		else
			add(&a, sv->environment.v[i].key); /* from ccontainer's environment, as docker */
	}
	network_flags(&a, p, sv);
	port_flags(&a, sv);
	for (size_t i = 0; i < sv->expose.n; i++)
		flag(&a, "--expose", sv->expose.v[i]);
	if (volume_flags(&a, p, sv, err) < 0 || health_flags(&a, &sv->healthcheck, err) < 0)
		goto fail;
	if (sv->restart && strcmp(sv->restart, "no") != 0)
		flag(&a, "--restart", sv->restart);
	if (sv->mem_limit >= 0)
		addf(&a, "--memory=%lld", (long long)sv->mem_limit);
	if (sv->cpus)
		flag(&a, "--cpus", sv->cpus);
	if (sv->pids_limit >= 0)
		addf(&a, "--pids-limit=%lld", (long long)sv->pids_limit);
	if (sv->working_dir)
		flag(&a, "--workdir", sv->working_dir);
	if (sv->user)
		flag(&a, "--user", sv->user);
	if (sv->hostname)
		flag(&a, "--hostname", sv->hostname);
	if (sv->init == 1)
		add(&a, "--init");
	if (sv->read_only)
		add(&a, "--read-only");
	for (size_t i = 0; i < sv->cap_add.n; i++)
		flag(&a, "--cap-add", sv->cap_add.v[i]);
	for (size_t i = 0; i < sv->cap_drop.n; i++)
		flag(&a, "--cap-drop", sv->cap_drop.v[i]);
	for (size_t i = 0; i < sv->security_opt.n; i++)
		flag(&a, "--security-opt", sv->security_opt.v[i]);
	for (size_t i = 0; i < sv->n_ulimits; i++) {
		const struct cc_compose_ulimit *u = &sv->ulimits[i];
		add(&a, "--ulimit");
		addf(&a, "%s=%lld:%lld", u->name, (long long)u->soft, (long long)u->hard);
	}
	for (size_t i = 0; i < sv->tmpfs.n; i++)
		flag(&a, "--tmpfs", sv->tmpfs.v[i]);
	if (sv->stop_signal)
		flag(&a, "--stop-signal", sv->stop_signal);
	if (sv->stop_grace_period) {
		/* a Go duration, in whole seconds rounded up (--stop-timeout) */
		int64_t ns = 0;
		long long secs = cc_parse_go_duration(sv->stop_grace_period, &ns) < 0 || ns < 0
					 ? -1
					 : (long long)((ns + 999999999) / 1000000000);
		if (secs < 0) {
			cc_error_setk(err, CC_ERR_INVALID, 0, "service %s: stop_grace_period: invalid duration '%s'", sv->name,
				      sv->stop_grace_period);
			goto fail;
		}
		addf(&a, "--stop-timeout=%lld", secs);
	}
	/* The entrypoint's first word is --entrypoint, the rest goes before
	 * the command (docker's argv is the same).  An empty one resets the
	 * image's. */
	if (sv->has_entrypoint)
		flag(&a, "--entrypoint", sv->entrypoint.n ? sv->entrypoint.v[0] : "");
	add(&a, image);
	for (size_t i = 1; sv->has_entrypoint && i < sv->entrypoint.n; i++)
		add(&a, sv->entrypoint.v[i]);
	for (size_t i = 0; sv->has_command && i < sv->command.n; i++)
		add(&a, sv->command.v[i]);
	if (a.oom) {
		cc_error_set(err, ENOMEM, "service %s", sv->name);
		goto fail;
	}
	*ret = a.v;
	return 0;
fail:
	for (size_t i = 0; i < a.n; i++)
		free(a.v[i]);
	free(a.v);
	return -1;
}
