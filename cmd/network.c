/* ccontainer network create|ls|inspect|rm|prune|connect|disconnect:
 * docker's network verbs over lib/network's objects.  Errors a daemon would
 * answer with exit 1, as docker's do. */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "network/network.h"
#include "template/template.h"
#include "util/json.h"
#include "util/strbuf.h"

#define BRIDGE_NAME_OPT "com.docker.network.bridge.name"

/* ---- create ---- */

struct create_opts {
	const char *driver, *subnet, *gateway, *ip_range;
	bool internal, ipv6, attachable;
	struct cmd_strv labels, opts;
};

static int create_action(void *opts, int argc, char **argv)
{
	(void)argc;
	struct create_opts *o = opts;
	if (o->driver != NULL && strcmp(o->driver, "bridge") != 0)
		return cmd_failf(1, "network driver '%s' is not supported: ccontainer has the bridge driver only", o->driver);
	if (o->ipv6)
		return cmd_failf(1, "IPv6 networks are not supported");
	json_t *labels = cmd_kv_object(&o->labels), *dopts = cmd_kv_object(&o->opts);
	int rc = 0;
	struct cc_store *s = NULL;
	const char *bridge = NULL;
	const char *k;
	json_t *v;
	_cleanup_free_ char *ltext = NULL, *otext = NULL;
	if (labels == NULL || dopts == NULL) {
		rc = cmd_failf(EXIT_CC_ERROR, "out of memory");
		goto out;
	}
	json_object_foreach(dopts, k, v) {
		if (strcmp(k, BRIDGE_NAME_OPT) == 0)
			bridge = json_string_value(v);
		else if (strcmp(k, "com.docker.network.bridge.enable_ip_masquerade") != 0 &&
			 strcmp(k, "com.docker.network.driver.mtu") != 0) {
			rc = cmd_failf(1, "network option '%s' is not supported (%s is)", k, BRIDGE_NAME_OPT);
			goto out;
		}
	}
	if ((s = cmd_open_store()) == NULL) {
		rc = EXIT_CC_ERROR;
		goto out;
	}
	ltext = json_object_size(labels) ? json_dumps(labels, JSON_COMPACT) : NULL;
	otext = json_object_size(dopts) ? json_dumps(dopts, JSON_COMPACT) : NULL;
	struct cc_network_create c = { .name = argv[0], .subnet = o->subnet, .gateway = o->gateway,
				       .ip_range = o->ip_range, .bridge = bridge, .internal = o->internal,
				       .labels_json = ltext, .options_json = otext };
	struct cc_network_record *r = NULL;
	cc_error *e = NULL;
	if (cc_network_create(s, &c, &r, &e) < 0) {
		rc = cmd_fail(e, 1);
	} else {
		cc_network_event(s, "create", r, NULL);
		printf("%s\n", r->id);
	}
	cc_network_record_free(r);
out:
	json_decref(labels);
	json_decref(dopts);
	cc_store_close(s);
	return rc;
}

static const struct cmd_opt create_options[] = {
	OPT_BOOL(0, "attachable", struct create_opts, attachable, "Enable manual container attachment (always)"),
	OPT_STRING('d', "driver", struct create_opts, driver, "string", "Driver to manage the Network (bridge)"),
	OPT_STRING(0, "gateway", struct create_opts, gateway, "string", "IPv4 Gateway for the master subnet"),
	OPT_BOOL(0, "internal", struct create_opts, internal, "Restrict external access to the network"),
	OPT_STRING(0, "ip-range", struct create_opts, ip_range, "string", "Allocate container ip from a sub-range"),
	OPT_BOOL(0, "ipv6", struct create_opts, ipv6, "Enable IPv6 networking (not supported)"),
	OPT_MAP(0, "label", struct create_opts, labels, "list", "Set metadata on a network"),
	OPT_MAP('o', "opt", struct create_opts, opts, "map", "Set driver specific options (" BRIDGE_NAME_OPT ")"),
	OPT_STRING(0, "subnet", struct create_opts, subnet, "string",
		   "Subnet in CIDR format that represents a network segment"),
	OPT_END,
};

const struct cmd_verb cmd_network_create_verb = {
	.name = "create",
	.usage = "[OPTIONS] NETWORK",
	.summary = "Create a network",
	.description = "A bridge network of its own: a bridge, a subnet (10.89.N.0/24 when not given), isolation from "
		       "the other networks, and names: its containers resolve each other by name, short ID and alias.",
	.opts = create_options,
	.opts_size = sizeof(struct create_opts),
	.min_args = 1,
	.max_args = 1,
	.action = create_action,
};

/* ---- ls ---- */

struct ls_opts {
	struct cmd_strv filter;
	const char *format;
	bool quiet, no_trunc;
};

struct ls_filter {
	const char *const *names, *const *ids, *const *labels, *const *drivers;
	size_t n_names, n_ids, n_labels, n_drivers;
	int type; /* -1 any, 0 builtin, 1 custom */
	int dangling;
};

static int ls_filter_parse(const struct cmd_strv *f, struct ls_filter *t, const char **buf)
{
	*t = (struct ls_filter){ .type = -1, .dangling = -1 };
	/* one buffer, four lists of at most f->n each */
	const char **names = buf, **ids = buf + f->n, **labels = buf + 2 * f->n, **drivers = buf + 3 * f->n;
	t->names = names, t->ids = ids, t->labels = labels, t->drivers = drivers;
	for (size_t i = 0; i < f->n; i++) {
		const char *a = f->v[i], *eq = strchr(a, '=');
		if (eq == NULL)
			return cmd_usagef("invalid argument \"%s\" for \"-f, --filter\" flag: bad format of filter (expected name=value)", a);
		size_t kl = (size_t)(eq - a);
		const char *v = eq + 1;
		if (kl == 4 && strncmp(a, "name", 4) == 0)
			names[t->n_names++] = v;
		else if (kl == 2 && strncmp(a, "id", 2) == 0)
			ids[t->n_ids++] = v;
		else if (kl == 5 && strncmp(a, "label", 5) == 0)
			labels[t->n_labels++] = v;
		else if (kl == 6 && strncmp(a, "driver", 6) == 0)
			drivers[t->n_drivers++] = v;
		else if (kl == 4 && strncmp(a, "type", 4) == 0 && (strcmp(v, "custom") == 0 || strcmp(v, "builtin") == 0))
			t->type = strcmp(v, "custom") == 0;
		else if (kl == 8 && strncmp(a, "dangling", 8) == 0 &&
			 (strcmp(v, "true") == 0 || strcmp(v, "false") == 0 || strcmp(v, "1") == 0 || strcmp(v, "0") == 0))
			t->dangling = strcmp(v, "true") == 0 || strcmp(v, "1") == 0;
		else
			return cmd_failf(EXIT_CC_ERROR, "invalid filter '%.*s'", (int)kl, a);
	}
	return 0;
}

static const char *driver_of(const struct cc_network_record *r)
{
	return strcmp(r->name, "host") == 0 ? "host" : strcmp(r->name, "none") == 0 ? "null" : "bridge";
}

static json_t *parse_obj(const char *text)
{
	json_t *o = text != NULL ? json_loads(text, 0, NULL) : NULL;
	if (!json_is_object(o)) {
		json_decref(o);
		o = json_object();
	}
	return o;
}

static bool network_used(struct cc_store *s, const struct cc_network_record *r)
{
	_cleanup_strv_ char **users = NULL;
	cc_error *e = NULL;
	if (cc_store_network_users(s, r->name, &users, &e) < 0) {
		cc_error_free(e);
		return true; /* never prune what cannot be checked */
	}
	return users[0] != NULL;
}

static bool ls_match(struct cc_store *s, const struct ls_filter *f, const struct cc_network_record *r)
{
	bool builtin = cc_network_builtin(r->name), ok = true;
	if (f->type >= 0 && f->type == builtin)
		return false;
	if (f->dangling >= 0 && (builtin || network_used(s, r) == (f->dangling == 1)))
		return false;
	for (size_t k = 0; k < f->n_names && (k == 0 || !ok); k++) /* any name matches */
		ok = strstr(r->name, f->names[k]) != NULL;
	for (size_t k = 0; ok && k < f->n_ids && (k == 0 || !ok); k++)
		ok = strncmp(r->id, f->ids[k], strlen(f->ids[k])) == 0;
	for (size_t k = 0; ok && k < f->n_drivers; k++)
		ok = strcmp(driver_of(r), f->drivers[k]) == 0;
	if (ok && f->n_labels > 0) {
		json_t *lj = parse_obj(r->labels_json);
		for (size_t k = 0; ok && k < f->n_labels; k++)
			ok = cmd_label_match(lj, f->labels[k]);
		json_decref(lj);
	}
	return ok;
}

static char *created_text(int64_t t)
{
	char buf[64];
	time_t tt = (time_t)t;
	struct tm tm;
	if (localtime_r(&tt, &tm) == NULL || strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S %z %Z", &tm) == 0)
		snprintf(buf, sizeof(buf), "%lld", (long long)t);
	return strdup(buf);
}

static int ls_action(void *opts, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	struct ls_opts *o = opts;
	_cleanup_free_ const char **buf = calloc(4 * o->filter.n + 1, sizeof(char *));
	if (buf == NULL)
		return cmd_failf(EXIT_CC_ERROR, "out of memory");
	struct ls_filter flt;
	int rc = ls_filter_parse(&o->filter, &flt, buf);
	if (rc != 0)
		return rc;
	const char *fmt = o->format;
	if (fmt == NULL || *fmt == '\0' || strcmp(fmt, "table") == 0)
		fmt = o->quiet ? "{{.ID}}" : "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}";
	json_t *headers = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ID", "NETWORK ID", "Name", "NAME",
				    "Driver", "DRIVER", "Scope", "SCOPE", "IPv6", "IPV6", "Internal", "INTERNAL", "Labels",
				    "LABELS", "CreatedAt", "CREATED AT", "Subnet", "SUBNET");
	struct cc_format *f = NULL;
	cc_error *e = NULL;
	if (headers == NULL || cc_format_open(fmt, NULL, headers, &f, &e) < 0) {
		json_decref(headers);
		return e ? cmd_fail(e, EXIT_CC_ERROR) : cmd_failf(EXIT_CC_ERROR, "out of memory");
	}
	json_decref(headers);
	struct cc_store *s = cmd_open_store();
	struct cc_network_record **list = NULL;
	size_t n = 0;
	if (s == NULL)
		rc = EXIT_CC_ERROR;
	else if (cc_network_list(s, &list, &n, &e) < 0)
		rc = cmd_fail(e, EXIT_CC_ERROR);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		const struct cc_network_record *r = list[i];
		if (!ls_match(s, &flt, r))
			continue;
		json_t *lj = parse_obj(r->labels_json);
		struct cc_strbuf lt = { 0 };
		cc_strbuf_add(&lt, "", 0);
		const char *k;
		json_t *lv;
		json_object_foreach(lj, k, lv)
			cc_strbuf_addf(&lt, "%s%s=%s", lt.len ? "," : "", k, json_string_value(lv) ? json_string_value(lv) : "");
		json_decref(lj);
		char id[65];
		snprintf(id, sizeof(id), o->no_trunc ? "%s" : "%.12s", r->id);
		_cleanup_free_ char *at = created_text(r->created);
		json_t *row = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ID", id, "Name", r->name,
					"Driver", driver_of(r), "Scope", "local", "IPv6", "false", "Internal",
					r->internal ? "true" : "false", "Labels", lt.buf ? lt.buf : "", "CreatedAt",
					at ? at : "", "Subnet", r->subnet);
		cc_strbuf_release(&lt);
		if (row == NULL || cc_format_row(f, row, &e) < 0)
			rc = e ? cmd_fail(e, EXIT_CC_ERROR) : cmd_failf(EXIT_CC_ERROR, "out of memory");
		json_decref(row);
	}
	cc_network_record_list_free(list, n);
	if (rc == 0 && cc_format_flush(f, stdout, &e) < 0)
		rc = cmd_fail(e, EXIT_CC_ERROR);
	cc_format_free(f);
	cc_store_close(s);
	return rc;
}

static const struct cmd_opt ls_options[] = {
	OPT_LIST('f', "filter", struct ls_opts, filter, "filter",
		 "Provide filter values (name, id, label, driver, type=custom|builtin, dangling)"),
	OPT_STRING(0, "format", struct ls_opts, format, "string", "Pretty-print networks using a Go template"),
	OPT_BOOL(0, "no-trunc", struct ls_opts, no_trunc, "Do not truncate the output"),
	OPT_BOOL('q', "quiet", struct ls_opts, quiet, "Only display network IDs"),
	OPT_END,
};

const struct cmd_verb cmd_network_ls_verb = {
	.name = "ls",
	.usage = "[OPTIONS]",
	.summary = "List networks",
	.opts = ls_options,
	.opts_size = sizeof(struct ls_opts),
	.action = ls_action,
};

/* ---- inspect ---- */

struct inspect_opts {
	const char *format;
};

static int lookup_network(struct cc_store *s, const char *ref, void *data, json_t **ret)
{
	(void)data;
	struct cc_network_record *r = NULL;
	cc_error *e = NULL;
	*ret = NULL;
	if (cc_network_get(s, ref, &r, &e) < 0)
		return cmd_fail(e, 1);
	*ret = cc_network_inspect(s, r);
	cc_network_record_free(r);
	return *ret != NULL ? 0 : cmd_failf(EXIT_CC_ERROR, "out of memory");
}

static int inspect_action(void *opts, int argc, char **argv)
{
	return cmd_inspect_objects(((struct inspect_opts *)opts)->format, argc, argv, lookup_network, NULL);
}

static const struct cmd_opt inspect_options[] = {
	OPT_STRING('f', "format", struct inspect_opts, format, "string", "Format the output using the given Go template"),
	OPT_END,
};

const struct cmd_verb cmd_network_inspect_verb = {
	.name = "inspect",
	.usage = "[OPTIONS] NETWORK [NETWORK...]",
	.summary = "Display detailed information on one or more networks",
	.opts = inspect_options,
	.opts_size = sizeof(struct inspect_opts),
	.min_args = 1,
	.max_args = -1,
	.action = inspect_action,
};

/* ---- rm ---- */

struct rm_opts {
	bool force;
};

/* The row, bridge and rules; the event. */
static int remove_one(struct cc_store *s, const char *ref, cc_error **err)
{
	struct cc_network_record *r = NULL;
	if (cc_network_get(s, ref, &r, err) < 0)
		return -1;
	int rc = cc_network_remove(s, r->id, false, err);
	if (rc == 0)
		cc_network_event(s, "destroy", r, NULL);
	cc_network_record_free(r);
	return rc;
}

static int rm_action(void *opts, int argc, char **argv)
{
	struct rm_opts *o = opts;
	struct cc_store *s = cmd_open_store();
	if (s == NULL)
		return EXIT_CC_ERROR;
	int rc = 0;
	for (int i = 0; i < argc; i++) {
		cc_error *e = NULL;
		if (remove_one(s, argv[i], &e) < 0) {
			if (o->force && e->kind == CC_ERR_NOT_FOUND)
				cc_error_free(e);
			else
				rc = cmd_fail(e, 1);
		} else {
			printf("%s\n", argv[i]);
		}
	}
	cc_store_close(s);
	return rc;
}

static const struct cmd_opt rm_options[] = {
	OPT_BOOL('f', "force", struct rm_opts, force, "Do not error if the network does not exist"),
	OPT_END,
};

const struct cmd_verb cmd_network_rm_verb = {
	.name = "rm",
	.usage = "[OPTIONS] NETWORK [NETWORK...]",
	.summary = "Remove one or more networks",
	.description = "A network that a container is on, running or not, cannot be removed; its bridge and rules go with it.",
	.opts = rm_options,
	.opts_size = sizeof(struct rm_opts),
	.min_args = 1,
	.max_args = -1,
	.action = rm_action,
};

/* ---- prune ---- */

struct prune_opts {
	bool force;
	struct cmd_strv filter;
};

static int prune_action(void *opts, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	struct prune_opts *o = opts;
	_cleanup_free_ const char **buf = calloc(4 * o->filter.n + 1, sizeof(char *));
	if (buf == NULL)
		return cmd_failf(EXIT_CC_ERROR, "out of memory");
	struct ls_filter flt;
	int rc = ls_filter_parse(&o->filter, &flt, buf);
	if (rc != 0)
		return rc;
	if (!o->force && !cmd_confirm("This will remove all custom networks not used by at least one container."))
		return 0;
	struct cc_store *s = cmd_open_store();
	if (s == NULL)
		return EXIT_CC_ERROR;
	struct cc_network_record **list = NULL;
	size_t n = 0;
	cc_error *e = NULL;
	if (cc_store_network_list(s, &list, &n, &e) < 0) {
		cc_store_close(s);
		return cmd_fail(e, EXIT_CC_ERROR);
	}
	bool header = false;
	for (size_t i = 0; i < n; i++) {
		if (!ls_match(s, &flt, list[i]) || network_used(s, list[i]))
			continue;
		if (remove_one(s, list[i]->id, &e) < 0) {
			if (e->kind != CC_ERR_IN_USE && e->kind != CC_ERR_NOT_FOUND)
				rc = cmd_fail(e, EXIT_CC_ERROR);
			else
				cc_error_clear(&e);
			continue;
		}
		if (!header)
			printf("Deleted Networks:\n");
		header = true;
		printf("%s\n", list[i]->name);
	}
	cc_network_record_list_free(list, n);
	cc_store_close(s);
	return rc;
}

static const struct cmd_opt prune_options[] = {
	OPT_LIST(0, "filter", struct prune_opts, filter, "filter", "Provide filter values (e.g. \"label=<key>=<value>\")"),
	OPT_BOOL('f', "force", struct prune_opts, force, "Do not prompt for confirmation"),
	OPT_END,
};

const struct cmd_verb cmd_network_prune_verb = {
	.name = "prune",
	.usage = "[OPTIONS]",
	.summary = "Remove all unused networks",
	.opts = prune_options,
	.opts_size = sizeof(struct prune_opts),
	.action = prune_action,
};

/* ---- connect, disconnect ---- */

struct connect_opts {
	const char *ip;
	struct cmd_strv aliases;
	bool force;
};

static int connect_action(void *opts, int argc, char **argv)
{
	(void)argc;
	struct connect_opts *o = opts;
	struct cc_store *s = cmd_open_store();
	if (s == NULL)
		return EXIT_CC_ERROR;
	struct cc_container_record *c = cmd_container_get(s, argv[1]);
	int rc = c == NULL ? 1 : 0;
	_cleanup_free_ char **aliases = calloc(o->aliases.n + 1, sizeof(char *));
	for (size_t i = 0; aliases != NULL && i < o->aliases.n; i++)
		aliases[i] = (char *)o->aliases.v[i];
	cc_error *e = NULL;
	if (rc == 0 && aliases == NULL)
		rc = cmd_failf(EXIT_CC_ERROR, "out of memory");
	else if (rc == 0 && cc_container_network_connect(s, c, argv[0], o->ip, aliases, &e) < 0)
		rc = cmd_fail(e, 1);
	cc_container_record_free(c);
	cc_store_close(s);
	return rc;
}

static const struct cmd_opt connect_options[] = {
	OPT_LIST(0, "alias", struct connect_opts, aliases, "strings", "Add network-scoped alias for the container"),
	OPT_STRING(0, "ip", struct connect_opts, ip, "string", "IPv4 address (e.g., 172.30.100.104)"),
	OPT_END,
};

const struct cmd_verb cmd_network_connect_verb = {
	.name = "connect",
	.usage = "[OPTIONS] NETWORK CONTAINER",
	.summary = "Connect a container to a network",
	.description = "A running container gets one more interface (eth1, eth2, ...) at once; a stopped one is on the network from its next start.",
	.opts = connect_options,
	.opts_size = sizeof(struct connect_opts),
	.min_args = 2,
	.max_args = 2,
	.action = connect_action,
};

static int disconnect_action(void *opts, int argc, char **argv)
{
	(void)argc;
	struct connect_opts *o = opts;
	struct cc_store *s = cmd_open_store();
	if (s == NULL)
		return EXIT_CC_ERROR;
	struct cc_container_record *c = cmd_container_get(s, argv[1]);
	int rc = c == NULL ? 1 : 0;
	cc_error *e = NULL;
	if (rc == 0 && cc_container_network_disconnect(s, c, argv[0], &e) < 0) {
		if (o->force && e->kind == CC_ERR_NOT_FOUND)
			cc_error_free(e);
		else
			rc = cmd_fail(e, 1);
	}
	cc_container_record_free(c);
	cc_store_close(s);
	return rc;
}

static const struct cmd_opt disconnect_options[] = {
	OPT_BOOL('f', "force", struct connect_opts, force, "Force the container to disconnect from a network"),
	OPT_END,
};

const struct cmd_verb cmd_network_disconnect_verb = {
	.name = "disconnect",
	.usage = "[OPTIONS] NETWORK CONTAINER",
	.summary = "Disconnect a container from a network",
	.opts = disconnect_options,
	.opts_size = sizeof(struct connect_opts),
	.min_args = 2,
	.max_args = 2,
	.action = disconnect_action,
};
