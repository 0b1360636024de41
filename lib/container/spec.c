/* The resolved container spec and its JSON (container.h). */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "container/container.h"
#include "runtime/net.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/util.h"

static void strv_free(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

bool cc_container_domainname_valid(const char *name)
{
	size_t n = name != NULL ? strlen(name) : 0;
	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0, label = 0; i <= n; i++) {
		char c = i < n ? name[i] : '.';
		if (c == '.') {
			if (label == 0 || label > 63 || name[i - 1] == '-' || name[i - label] == '-')
				return false;
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-') {
			label++;
		} else {
			return false;
		}
	}
	return true;
}

void cc_container_spec_release(struct cc_container_spec *s)
{
	char ***lists[] = { &s->argv, &s->env, &s->cap_add, &s->cap_drop, &s->security_opt, &s->ulimits,
			    &s->dns, &s->extra_hosts, &s->publish, &s->dns_search, &s->dns_options, &s->expose };
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		strv_free(*lists[i]);
	for (size_t i = 0; i < s->n_mounts; i++) {
		free(s->mounts[i].source);
		free(s->mounts[i].target);
		free(s->mounts[i].options);
		free(s->mounts[i].volume);
		free(s->mounts[i].mode);
		free(s->mounts[i].propagation);
	}
	free(s->mounts);
	for (size_t i = 0; i < s->n_networks; i++)
		cc_container_endpoint_release(&s->networks[i]);
	free(s->networks);
	char **strs[] = { &s->user, &s->workdir, &s->hostname, &s->seccomp, &s->network, &s->domainname };
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		free(*strs[i]);
	memset(s, 0, sizeof(*s));
}

/* ---- to JSON ---- */

/* Members are added only when set: a reader takes an absent one as its
 * default, which is what lets an older version load. */
static bool put(json_t *o, const char *key, json_t *v)
{
	return v != NULL && json_object_set_new(o, key, v) == 0;
}

static bool put_str(json_t *o, const char *key, const char *v)
{
	return v == NULL || put(o, key, cc_json_bytes(v));
}

static bool put_strv(json_t *o, const char *key, char *const *v)
{
	if (v == NULL)
		return true;
	json_t *a = json_array();
	for (char *const *p = v; a != NULL && *p; p++)
		if (json_array_append_new(a, cc_json_bytes(*p)) < 0) {
			json_decref(a);
			a = NULL;
		}
	return put(o, key, a);
}

static bool put_bool(json_t *o, const char *key, bool v)
{
	return !v || put(o, key, json_true());
}

static bool put_int(json_t *o, const char *key, int64_t v)
{
	return v == 0 || put(o, key, json_integer((json_int_t)v));
}

json_t *cc_container_spec_to_json(const struct cc_container_spec *s)
{
	json_t *o = json_object(), *mounts = json_array();
	bool ok = o != NULL && mounts != NULL;
	for (size_t i = 0; ok && i < s->n_mounts; i++) {
		const struct cc_container_mount *m = &s->mounts[i];
		json_t *mj = json_object();
		ok = mj != NULL && put(mj, "Type", json_string(m->tmpfs ? "tmpfs" : m->volume ? "volume" : "bind")) &&
		     put_str(mj, "Source", m->source) && put_str(mj, "Target", m->target) &&
		     put_str(mj, "Options", m->options) && put_bool(mj, "ReadOnly", m->readonly) &&
		     put_str(mj, "Volume", m->volume) && put_bool(mj, "Anonymous", m->anonymous) &&
		     put_bool(mj, "NoCopy", m->nocopy) && put_str(mj, "Mode", m->mode) &&
		     put_str(mj, "Propagation", m->propagation) &&
		     json_array_append(mounts, mj) == 0;
		json_decref(mj);
	}
	ok = ok && put(o, "Version", json_integer(CC_CONTAINER_SPEC_VERSION)) && put_strv(o, "Argv", s->argv) &&
	     put_int(o, "EntrypointLen", (int64_t)s->n_entrypoint) && put_strv(o, "Env", s->env) &&
	     put_str(o, "User", s->user) && put_str(o, "WorkingDir", s->workdir) &&
	     put_str(o, "Hostname", s->hostname) && put_str(o, "Domainname", s->domainname) &&
	     put_bool(o, "Tty", s->tty) &&
	     put_bool(o, "OpenStdin", s->open_stdin) && put_bool(o, "Detach", s->detach) &&
	     put_bool(o, "Init", s->init) && put_bool(o, "ReadOnly", s->read_only) &&
	     (s->n_mounts == 0 || put(o, "Mounts", json_incref(mounts))) && put_int(o, "ShmSize", s->shm_size) &&
	     put_bool(o, "Privileged", s->privileged) &&
	     put_bool(o, "NoNewPrivileges", s->no_new_privileges) && put_strv(o, "CapAdd", s->cap_add) &&
	     put_strv(o, "CapDrop", s->cap_drop) && put_str(o, "Seccomp", s->seccomp) &&
	     put_strv(o, "SecurityOpt", s->security_opt) && put_strv(o, "Ulimits", s->ulimits) &&
	     put_int(o, "Memory", s->res.memory) && put_int(o, "MemorySwap", s->res.memory_swap) &&
	     put_int(o, "CpuQuota", s->res.cpu_quota) && put_int(o, "CpuPeriod", s->res.cpu_period) &&
	     put_int(o, "CpuShares", s->res.cpu_shares) && put_int(o, "PidsLimit", s->res.pids_limit) &&
	     put_int(o, "NanoCpus", s->nano_cpus) && put_str(o, "Network", s->network) &&
	     put_strv(o, "Dns", s->dns) && put_strv(o, "ExtraHosts", s->extra_hosts) &&
	     put_strv(o, "Publish", s->publish) && put_bool(o, "PublishAll", s->publish_all) &&
	     put_strv(o, "DnsSearch", s->dns_search) && put_strv(o, "DnsOptions", s->dns_options) &&
	     put_strv(o, "Expose", s->expose) &&
	     put_bool(o, "AutoRemove", s->autoremove);
	json_decref(mounts);
	if (ok && cc_network_mode_bridged(s->network)) {
		json_t *eps = json_array();
		for (size_t i = 0; eps != NULL && i < s->n_networks; i++) {
			const struct cc_container_endpoint *e = &s->networks[i];
			json_t *ep = json_object();
			if (ep == NULL || !put_str(ep, "Name", e->network) || !put_strv(ep, "Aliases", e->aliases) ||
			    !put_str(ep, "IPAddress", e->ip) || !put_str(ep, "MacAddress", e->mac) ||
			    json_array_append_new(eps, ep) < 0) {
				json_decref(eps);
				eps = NULL;
			}
		}
		ok = put(o, "Networks", eps);
	}
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* ---- from JSON ---- */

struct reader {
	const json_t *o;
	cc_error **err;
	bool failed;
};

static void bad(struct reader *r, const char *key, const char *what)
{
	if (!r->failed)
		cc_error_setk(r->err, CC_ERR_INVALID, 0, "the container's spec: '%s' is not %s", key, what);
	r->failed = true;
}

static void nomem(struct reader *r)
{
	if (!r->failed)
		cc_error_set(r->err, ENOMEM, "load the container's spec");
	r->failed = true;
}

static char *get_bytes(struct reader *r, const json_t *v, const char *key)
{
	if (v == NULL || json_is_null(v))
		return NULL;
	char *s = cc_json_bytes_value(v);
	if (s == NULL)
		bad(r, key, "a string");
	return s;
}

static char *get_str(struct reader *r, const char *key)
{
	return get_bytes(r, json_object_get(r->o, key), key);
}

static char **get_strv(struct reader *r, const char *key)
{
	const json_t *a = json_object_get(r->o, key);
	if (a == NULL || json_is_null(a))
		return NULL;
	if (!json_is_array(a)) {
		bad(r, key, "a list");
		return NULL;
	}
	char **v = calloc(json_array_size(a) + 1, sizeof(char *));
	if (v == NULL) {
		nomem(r);
		return NULL;
	}
	for (size_t i = 0; i < json_array_size(a); i++) {
		if ((v[i] = get_bytes(r, json_array_get(a, i), key)) == NULL) {
			if (!r->failed)
				bad(r, key, "a list of strings");
			strv_free(v);
			return NULL;
		}
	}
	return v;
}

static bool get_bool(struct reader *r, const char *key)
{
	const json_t *v = json_object_get(r->o, key);
	if (v != NULL && !json_is_boolean(v))
		bad(r, key, "true or false");
	return json_is_true(v);
}

static int64_t get_int(struct reader *r, const char *key)
{
	const json_t *v = json_object_get(r->o, key);
	if (v != NULL && !json_is_integer(v))
		bad(r, key, "an integer");
	return (int64_t)json_integer_value(v);
}

int cc_container_spec_from_json(const json_t *j, struct cc_container_spec *ret, cc_error **err)
{
	memset(ret, 0, sizeof(*ret));
	if (j == NULL)
		return cc_error_setk(err, CC_ERR_NOT_FOUND, 0, "the container has no spec: it was created by an older ccontainer");
	if (!json_is_object(j))
		return cc_error_setk(err, CC_ERR_INVALID, 0, "the container's spec is not an object");
	json_int_t version = json_integer_value(json_object_get(j, "Version"));
	if (version < 1)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "the container's spec has no valid version");
	if (version > CC_CONTAINER_SPEC_VERSION)
		return cc_error_setk(err, CC_ERR_INVALID, 0,
				     "the container's spec is version %lld, this ccontainer knows up to %d: it was created by a newer ccontainer",
				     (long long)version, CC_CONTAINER_SPEC_VERSION);
	struct reader r = { .o = j, .err = err };
	struct cc_container_spec *s = ret;
	s->version = (int)version;
	s->argv = get_strv(&r, "Argv");
	s->n_entrypoint = (size_t)get_int(&r, "EntrypointLen");
	s->env = get_strv(&r, "Env");
	s->user = get_str(&r, "User");
	s->workdir = get_str(&r, "WorkingDir");
	s->hostname = get_str(&r, "Hostname");
	s->domainname = get_str(&r, "Domainname");
	s->tty = get_bool(&r, "Tty");
	s->open_stdin = get_bool(&r, "OpenStdin");
	s->detach = get_bool(&r, "Detach");
	s->init = get_bool(&r, "Init");
	s->read_only = get_bool(&r, "ReadOnly");
	s->shm_size = get_int(&r, "ShmSize");
	s->privileged = get_bool(&r, "Privileged");
	s->no_new_privileges = get_bool(&r, "NoNewPrivileges");
	s->cap_add = get_strv(&r, "CapAdd");
	s->cap_drop = get_strv(&r, "CapDrop");
	s->seccomp = get_str(&r, "Seccomp");
	s->security_opt = get_strv(&r, "SecurityOpt");
	s->ulimits = get_strv(&r, "Ulimits");
	s->res.memory = get_int(&r, "Memory");
	s->res.memory_swap = get_int(&r, "MemorySwap");
	s->res.cpu_quota = get_int(&r, "CpuQuota");
	s->res.cpu_period = get_int(&r, "CpuPeriod");
	s->res.cpu_shares = get_int(&r, "CpuShares");
	s->res.pids_limit = get_int(&r, "PidsLimit");
	s->nano_cpus = get_int(&r, "NanoCpus");
	s->network = get_str(&r, "Network");
	s->dns = get_strv(&r, "Dns");
	s->extra_hosts = get_strv(&r, "ExtraHosts");
	s->publish = get_strv(&r, "Publish");
	s->publish_all = get_bool(&r, "PublishAll");
	s->dns_search = get_strv(&r, "DnsSearch");
	s->dns_options = get_strv(&r, "DnsOptions");
	s->expose = get_strv(&r, "Expose");
	s->autoremove = get_bool(&r, "AutoRemove");
	const json_t *mounts = json_object_get(j, "Mounts");
	if (mounts != NULL && !json_is_array(mounts))
		bad(&r, "Mounts", "a list");
	size_t nm = json_array_size(mounts);
	if (!r.failed && nm > 0 && (s->mounts = calloc(nm, sizeof(*s->mounts))) == NULL)
		nomem(&r);
	for (size_t i = 0; !r.failed && i < nm; i++) {
		struct reader mr = { .o = json_array_get(mounts, i), .err = err };
		struct cc_container_mount *m = &s->mounts[s->n_mounts++];
		const char *type = json_string_value(json_object_get(mr.o, "Type"));
		if (!json_is_object(mr.o) || type == NULL ||
		    (strcmp(type, "bind") != 0 && strcmp(type, "tmpfs") != 0 && strcmp(type, "volume") != 0)) {
			bad(&r, "Mounts", "a list of bind, volume and tmpfs mounts");
			break;
		}
		m->tmpfs = strcmp(type, "tmpfs") == 0;
		m->source = get_str(&mr, "Source");
		m->target = get_str(&mr, "Target");
		m->options = get_str(&mr, "Options");
		m->readonly = get_bool(&mr, "ReadOnly");
		m->volume = get_str(&mr, "Volume");
		m->anonymous = get_bool(&mr, "Anonymous");
		m->nocopy = get_bool(&mr, "NoCopy");
		m->mode = get_str(&mr, "Mode");
		m->propagation = get_str(&mr, "Propagation");
		unsigned long pflags;
		if (!mr.failed && m->propagation != NULL &&
		    (strcmp(type, "bind") != 0 || cc_runtime_parse_propagation(m->propagation, &pflags) < 0))
			bad(&mr, "Mounts", "a list of mounts with a bind's propagation only on binds");
		if (!mr.failed && (m->target == NULL || m->target[0] != '/' || (!m->tmpfs && m->source == NULL)))
			bad(&mr, "Mounts", "a list of mounts with absolute targets");
		if (!mr.failed && (strcmp(type, "volume") == 0) != (m->volume != NULL))
			bad(&mr, "Mounts", "a list of volume mounts that name their volume");
		r.failed |= mr.failed;
	}
	if (!r.failed && s->network != NULL && !cc_network_name_valid(s->network) &&
	    !(strncmp(s->network, "container:", 10) == 0 && strlen(s->network) == 74 && cc_is_hex(s->network + 10, 64)))
		bad(&r, "Network", "bridge, host, none, container:ID or a network's name");
	const json_t *eps = json_object_get(j, "Networks");
	if (!r.failed && eps != NULL && (!json_is_array(eps) || json_array_size(eps) > CC_NET_MAX_ENDPOINTS ||
					 !cc_network_mode_bridged(s->network)))
		bad(&r, "Networks", "a list of networks of a bridged container");
	size_t ne = eps != NULL ? json_array_size(eps) : 1; /* absent: the Network */
	if (!r.failed && cc_network_mode_bridged(s->network) && ne > 0 &&
	    (s->networks = calloc(ne, sizeof(*s->networks))) == NULL)
		nomem(&r);
	if (!r.failed && cc_network_mode_bridged(s->network) && eps == NULL &&
	    (s->networks[s->n_networks++].network = strdup(s->network ? s->network : "bridge")) == NULL)
		nomem(&r);
	for (size_t i = 0; !r.failed && eps != NULL && i < ne; i++) {
		struct reader er = { .o = json_array_get(eps, i), .err = err };
		struct cc_container_endpoint *e = &s->networks[s->n_networks++];
		if (!json_is_object(er.o)) {
			bad(&r, "Networks", "a list of objects");
			break;
		}
		e->network = get_str(&er, "Name");
		e->aliases = get_strv(&er, "Aliases");
		e->ip = get_str(&er, "IPAddress");
		e->mac = get_str(&er, "MacAddress");
		if (!er.failed && (e->network == NULL || !cc_network_name_valid(e->network)))
			bad(&er, "Networks", "a list of networks with names");
		r.failed |= er.failed;
	}
	if (!r.failed && s->domainname != NULL && !cc_container_domainname_valid(s->domainname))
		bad(&r, "Domainname", "a domain name");
	size_t n_search = 0, n_opts = 0;
	for (char **p = s->dns_search; !r.failed && p != NULL && *p; p++)
		if (!cc_net_dns_search_valid(*p) || ++n_search > CC_NET_MAX_DNS_SEARCH)
			bad(&r, "DnsSearch", "a list of search domains");
	for (char **p = s->dns_options; !r.failed && p != NULL && *p; p++)
		if (!cc_net_dns_option_valid(*p) || ++n_opts > CC_NET_MAX_DNS_OPTIONS)
			bad(&r, "DnsOptions", "a list of resolver options");
	for (char **p = s->expose; !r.failed && p != NULL && *p; p++) {
		struct cc_port_map pm;
		if (cc_net_parse_exposed(*p, &pm, NULL) < 0 || p - s->expose >= CC_NET_MAX_PORTS)
			bad(&r, "Expose", "a list of ports (PORT/tcp, PORT/udp)");
	}
	if (!r.failed && (s->argv == NULL || s->argv[0] == NULL))
		bad(&r, "Argv", "a command");
	if (!r.failed && s->n_entrypoint > 0) {
		size_t n = 0;
		while (s->argv[n] != NULL)
			n++;
		if (s->n_entrypoint > n)
			bad(&r, "EntrypointLen", "within Argv");
	}
	if (r.failed) {
		cc_container_spec_release(s);
		return -1;
	}
	return 0;
}

int cc_container_spec_mounts(const struct cc_container_spec *s, struct cc_bind_mount **ret_binds, size_t *ret_nb,
			     struct cc_tmpfs_mount **ret_tmpfs, size_t *ret_nt, cc_error **err)
{
	*ret_binds = calloc(s->n_mounts + 1, sizeof(**ret_binds));
	*ret_tmpfs = calloc(s->n_mounts + 1, sizeof(**ret_tmpfs));
	*ret_nb = *ret_nt = 0;
	if (*ret_binds == NULL || *ret_tmpfs == NULL) {
		free(*ret_binds);
		free(*ret_tmpfs);
		*ret_binds = NULL;
		*ret_tmpfs = NULL;
		return cc_error_set(err, ENOMEM, "the container's mounts");
	}
	for (size_t i = 0; i < s->n_mounts; i++) {
		const struct cc_container_mount *m = &s->mounts[i];
		if (m->tmpfs)
			(*ret_tmpfs)[(*ret_nt)++] = (struct cc_tmpfs_mount){ .target = m->target, .options = m->options };
		else
			(*ret_binds)[(*ret_nb)++] = (struct cc_bind_mount){
				.source = m->source, .target = m->target, .readonly = m->readonly,
				.copy_up = m->volume != NULL && !m->nocopy,
			};
		/* checked when the spec was loaded or made */
		if (!m->tmpfs && m->propagation != NULL &&
		    cc_runtime_parse_propagation(m->propagation, &(*ret_binds)[*ret_nb - 1].propagation) < 0) {
			free(*ret_binds);
			free(*ret_tmpfs);
			*ret_binds = NULL;
			*ret_tmpfs = NULL;
			return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid bind propagation '%s' for '%s'",
					     m->propagation, m->target);
		}
	}
	return 0;
}
