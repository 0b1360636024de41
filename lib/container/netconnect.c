/* network connect / disconnect: a container's spec gains or loses an
 * endpoint, and a running container its veth.  See container.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "container/container.h"
#include "util/cleanup.h"

/* The container's spec, and its config to write it back into. */
static int load(struct cc_container_record *c, json_t **ret_cfg, struct cc_container_spec *sp, cc_error **err)
{
	*ret_cfg = cc_container_config(c);
	if (*ret_cfg == NULL)
		return cc_error_set(err, ENOMEM, "the container's configuration");
	if (cc_container_spec_from_json(json_object_get(*ret_cfg, "Spec"), sp, err) < 0) {
		json_decref(*ret_cfg);
		return -1;
	}
	if (!cc_network_mode_bridged(sp->network)) {
		cc_container_spec_release(sp);
		json_decref(*ret_cfg);
		return cc_error_setk(err, CC_ERR_INVALID, 0, "container %s is on network mode %s: it cannot be connected to networks",
				     c->name, sp->network);
	}
	return 0;
}

static int save(struct cc_store *s, struct cc_container_record *c, json_t *cfg, const struct cc_container_spec *sp,
		cc_error **err)
{
	json_t *spec = cc_container_spec_to_json(sp);
	if (spec == NULL || json_object_set_new(cfg, "Spec", spec) < 0)
		return cc_error_set(err, ENOMEM, "the container's spec");
	_cleanup_free_ char *text = json_dumps(cfg, JSON_COMPACT);
	if (text == NULL)
		return cc_error_set(err, ENOMEM, "the container's spec");
	return cc_store_container_set_config(s, c->id, text, err);
}

/* docker's network event: the network's ID, its name and the container's */
void cc_network_event(struct cc_store *s, const char *action, const struct cc_network_record *r, const char *container)
{
	cc_error *e = NULL;
	(void)cc_store_event(s, "network", action, r->id,
			     (const char *const[]){ "name", r->name, "type", "bridge", "container", container, NULL }, &e);
	cc_error_free(e);
}

static ssize_t find(const struct cc_container_spec *sp, const char *network)
{
	for (size_t i = 0; i < sp->n_networks; i++)
		if (strcmp(sp->networks[i].network, network) == 0)
			return (ssize_t)i;
	return -1;
}

int cc_container_network_connect(struct cc_store *s, struct cc_container_record *c, const char *network,
				 const char *ip, char *const *aliases, cc_error **err)
{
	struct cc_network_record *r = NULL;
	if (cc_network_get(s, network, &r, err) < 0)
		return -1;
	json_t *cfg = NULL;
	struct cc_container_spec sp = { 0 };
	int rc = -1;
	if (load(c, &cfg, &sp, err) < 0) {
		cc_network_record_free(r);
		return -1;
	}
	if (strcmp(r->name, "host") == 0 || strcmp(r->name, "none") == 0) {
		cc_error_setk(err, CC_ERR_INVALID, 0, "container cannot be disconnected from host network or connected to host network");
		goto out;
	}
	if (find(&sp, r->name) >= 0) {
		cc_error_setk(err, CC_ERR_IN_USE, 0, "endpoint with name %s already exists in network %s", c->name, r->name);
		goto out;
	}
	if (sp.n_networks >= CC_NET_MAX_ENDPOINTS) {
		cc_error_setk(err, CC_ERR_INVALID, 0, "container %s is on too many networks (limit %d)", c->name,
			      CC_NET_MAX_ENDPOINTS);
		goto out;
	}
	struct cc_container_endpoint *nv = realloc(sp.networks, (sp.n_networks + 1) * sizeof(*nv));
	if (nv == NULL) {
		cc_error_set(err, ENOMEM, "connect %s", c->name);
		goto out;
	}
	sp.networks = nv;
	struct cc_container_endpoint *e = &sp.networks[sp.n_networks];
	*e = (struct cc_container_endpoint){ 0 };
	size_t na = 0;
	while (aliases != NULL && aliases[na] != NULL)
		na++;
	if ((e->network = strdup(r->name)) == NULL || (ip != NULL && (e->ip = strdup(ip)) == NULL) ||
	    (na > 0 && (e->aliases = calloc(na + 1, sizeof(char *))) == NULL)) {
		cc_container_endpoint_release(e);
		cc_error_set(err, ENOMEM, "connect %s", c->name);
		goto out;
	}
	for (size_t i = 0; i < na; i++)
		if ((e->aliases[i] = strdup(aliases[i])) == NULL) {
			cc_container_endpoint_release(e);
			cc_error_set(err, ENOMEM, "connect %s", c->name);
			goto out;
		}
	sp.n_networks++;
	/* a running container gets its veth first: a failure there leaves
	 * the spec as it was */
	if (cc_container_is_running(c) && c->pid > 0 && cc_network_connect(s, c->id, c->name, c->pid, e, err) < 0)
		goto out;
	if (save(s, c, cfg, &sp, err) < 0) {
		if (cc_container_is_running(c))
			(void)cc_network_disconnect(s, c->id, r->name, NULL);
		goto out;
	}
	cc_network_event(s, "connect", r, c->id);
	rc = 0;
out:
	cc_container_spec_release(&sp);
	json_decref(cfg);
	cc_network_record_free(r);
	return rc;
}

int cc_container_network_disconnect(struct cc_store *s, struct cc_container_record *c, const char *network,
				    cc_error **err)
{
	struct cc_network_record *r = NULL;
	if (cc_network_get(s, network, &r, err) < 0)
		return -1;
	json_t *cfg = NULL;
	struct cc_container_spec sp = { 0 };
	int rc = -1;
	if (load(c, &cfg, &sp, err) < 0) {
		cc_network_record_free(r);
		return -1;
	}
	ssize_t i = find(&sp, r->name);
	if (i < 0) {
		cc_error_setk(err, CC_ERR_INVALID, 0, "container %s is not connected to network %s", c->id, r->name);
		goto out;
	}
	if (cc_container_is_running(c) && cc_network_disconnect(s, c->id, r->name, err) < 0)
		goto out;
	cc_container_endpoint_release(&sp.networks[i]);
	memmove(&sp.networks[i], &sp.networks[i + 1], (sp.n_networks - (size_t)i - 1) * sizeof(*sp.networks));
	sp.n_networks--;
	if (save(s, c, cfg, &sp, err) < 0)
		goto out;
	cc_network_event(s, "disconnect", r, c->id);
	rc = 0;
out:
	cc_container_spec_release(&sp);
	json_decref(cfg);
	cc_network_record_free(r);
	return rc;
}
