/* compose up, create and down: the project's networks, volumes, images
 * and containers brought to what the files say (compose.h).
 *
 * A service's container is exactly `ccontainer create` with the arguments
 * lib/compose makes of the service (cc_compose_create_args), run in this
 * process; its config hash (com.docker.compose.config-hash) is the hash of
 * those arguments and the image's ID, so an unchanged service is left
 * alone and a changed one (or a rebuilt image) is recreated.  Services
 * start in waves: each wave is every service whose dependencies' conditions
 * hold, its services converged in parallel (a process each). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "compose.h"
#include "util/strbuf.h"

static void strv_free(char **v)
{
	cc_strvfreep(&v);
}

/* ---- networks and volumes ---- */

static json_t *object_labels(const struct cc_compose_kvs *user, const char *kind_key, const char *key,
			     const char *project)
{
	json_t *o = json_object();
	for (size_t i = 0; o && i < user->n; i++)
		json_object_set_new(o, user->v[i].key, json_string(user->v[i].value ? user->v[i].value : ""));
	if (o) {
		json_object_set_new(o, kind_key, json_string(key));
		json_object_set_new(o, COMPOSE_LABEL_PROJECT, json_string(project));
	}
	return o;
}

static bool service_uses_network(const struct cc_compose_service *sv, const char *key)
{
	for (size_t i = 0; i < sv->n_networks; i++)
		if (strcmp(sv->networks[i].network, key) == 0)
			return true;
	return false;
}

static bool service_uses_volume(const struct cc_compose_service *sv, const char *key)
{
	for (size_t i = 0; i < sv->n_volumes; i++)
		if (sv->volumes[i].type == CC_COMPOSE_MOUNT_VOLUME && sv->volumes[i].source &&
		    strcmp(sv->volumes[i].source, key) == 0)
			return true;
	return false;
}

static int ensure_networks(struct cc_store *s, const struct cc_compose_project *p, const bool *want)
{
	for (size_t i = 0; i < p->n_networks; i++) {
		const struct cc_compose_network *n = &p->networks[i];
		bool used = false;
		for (size_t j = 0; j < p->n_services && !used; j++)
			used = want[j] && service_uses_network(&p->services[j], n->key);
		if (!used)
			continue;
		struct cc_network_record *r = NULL;
		cc_error *e = NULL;
		if (cc_network_get(s, n->name, &r, &e) == 0) {
			cc_network_record_free(r);
			continue;
		}
		if (e->kind != CC_ERR_NOT_FOUND)
			return cmd_fail(e, 1);
		cc_error_clear(&e);
		if (n->external)
			return cmd_failf(1, "network %s declared as external, but could not be found", n->name);
		if (n->driver && strcmp(n->driver, "bridge") != 0)
			return cmd_failf(1, "network %s: driver %s is not supported (only bridge)", n->key, n->driver);
		if (n->enable_ipv6)
			return cmd_failf(1, "network %s: enable_ipv6 is not supported", n->key);
		json_t *labels = object_labels(&n->labels, COMPOSE_LABEL_NETWORK, n->key, p->name);
		json_t *opts = json_object();
		for (size_t k = 0; opts && k < n->driver_opts.n; k++)
			json_object_set_new(opts, n->driver_opts.v[k].key,
					    json_string(n->driver_opts.v[k].value ? n->driver_opts.v[k].value : ""));
		_cleanup_free_ char *lt = labels ? json_dumps(labels, JSON_COMPACT) : NULL;
		_cleanup_free_ char *ot = opts ? json_dumps(opts, JSON_COMPACT) : NULL;
		const char *bridge = opts ? json_string_value(json_object_get(opts, "com.docker.network.bridge.name")) : NULL;
		struct cc_network_create c = {
			.name = n->name, .internal = n->internal, .labels_json = lt, .options_json = ot, .bridge = bridge,
		};
		if (n->n_ipam > 0) {
			c.subnet = n->ipam[0].subnet;
			c.gateway = n->ipam[0].gateway;
			c.ip_range = n->ipam[0].ip_range;
		}
		int rc = (lt == NULL || ot == NULL) ? cc_error_set(&e, ENOMEM, "create network %s", n->name)
						    : cc_network_create(s, &c, &r, &e);
		json_decref(labels);
		json_decref(opts);
		if (rc < 0)
			return cmd_fail(e, 1);
		cc_network_record_free(r);
		compose_progress("Network", n->name, "Created");
	}
	return 0;
}

static int ensure_volumes(struct cc_store *s, const struct cc_compose_project *p, const bool *want)
{
	for (size_t i = 0; i < p->n_volumes; i++) {
		const struct cc_compose_volume_def *v = &p->volumes[i];
		bool used = false;
		for (size_t j = 0; j < p->n_services && !used; j++)
			used = want[j] && service_uses_volume(&p->services[j], v->key);
		if (!used)
			continue;
		cc_error *e = NULL;
		struct cc_volume_record *r = NULL;
		if (v->external) {
			if (cc_store_volume_get(s, v->name, &r, &e) < 0) {
				if (e->kind != CC_ERR_NOT_FOUND)
					return cmd_fail(e, 1);
				cc_error_clear(&e);
				return cmd_failf(1, "external volume \"%s\" not found", v->name);
			}
			cc_volume_record_free(r);
			continue;
		}
		if (v->driver && strcmp(v->driver, "local") != 0)
			return cmd_failf(1, "volume %s: driver %s is not supported (only local)", v->key, v->driver);
		json_t *labels = object_labels(&v->labels, COMPOSE_LABEL_VOLUME, v->key, p->name);
		json_t *opts = json_object();
		for (size_t k = 0; opts && k < v->driver_opts.n; k++)
			json_object_set_new(opts, v->driver_opts.v[k].key,
					    json_string(v->driver_opts.v[k].value ? v->driver_opts.v[k].value : ""));
		bool created = false;
		int rc = labels && opts ? cc_volume_create(s, v->name, labels, opts, &r, &created, &e)
					: cc_error_set(&e, ENOMEM, "create volume %s", v->name);
		json_decref(labels);
		json_decref(opts);
		if (rc < 0)
			return cmd_fail(e, 1);
		cc_volume_record_free(r);
		if (created)
			compose_progress("Volume", v->name, "Created");
	}
	return 0;
}

int compose_ensure_resources(struct cc_store *s, const struct cc_compose_project *p, const bool *want)
{
	int rc = ensure_networks(s, p, want);
	return rc != 0 ? rc : ensure_volumes(s, p, want);
}

/* ---- images ---- */

static int build_service(const struct cc_compose_project *p, const struct cc_compose_service *sv, const char *image,
			 const char *const *extra)
{
	const struct cc_compose_build *b = sv->build;
	size_t n_extra = 0;
	while (extra && extra[n_extra])
		n_extra++;
	struct cmd_argv {
		char **v;
		size_t n;
	} a = { calloc(8 + n_extra + 2 * (b->args.n + b->labels.n + b->secrets.n) + 4, sizeof(char *)), 0 };
	if (a.v == NULL)
		return cmd_failf(1, "out of memory");
	char **own = calloc(b->args.n + b->labels.n + b->secrets.n + 2, sizeof(char *));
	size_t n_own = 0;
	if (own == NULL) {
		free(a.v);
		return cmd_failf(1, "out of memory");
	}
	a.v[a.n++] = (char *)"build";
	a.v[a.n++] = (char *)"-t";
	a.v[a.n++] = (char *)image;
	for (size_t i = 0; i < n_extra; i++)
		a.v[a.n++] = (char *)extra[i];
	char *df = NULL;
	if (b->dockerfile && (b->dockerfile[0] == '/' ? (df = strdup(b->dockerfile)) == NULL
						       : asprintf(&df, "%s/%s", b->context, b->dockerfile) < 0))
		df = NULL;
	/* the model's default "Dockerfile": build's own choice (Containerfile,
	 * then Dockerfile) when there is none, as podman compose */
	if (df && strcmp(b->dockerfile, "Dockerfile") == 0 && access(df, F_OK) < 0) {
		free(df);
		df = NULL;
	}
	if (df) {
		a.v[a.n++] = (char *)"-f";
		a.v[a.n++] = own[n_own++] = df;
	}
	if (b->target) {
		a.v[a.n++] = (char *)"--target";
		a.v[a.n++] = b->target;
	}
	int rc = 0;
	for (size_t i = 0; i < b->args.n; i++) {
		a.v[a.n++] = (char *)"--build-arg";
		if (b->args.v[i].value == NULL)
			a.v[a.n++] = b->args.v[i].key;
		else if (asprintf(&own[n_own], "%s=%s", b->args.v[i].key, b->args.v[i].value) >= 0)
			a.v[a.n++] = own[n_own++];
		else
			rc = cmd_failf(1, "out of memory");
	}
	for (size_t i = 0; i < b->labels.n; i++) {
		a.v[a.n++] = (char *)"--label";
		if (asprintf(&own[n_own], "%s=%s", b->labels.v[i].key, b->labels.v[i].value ? b->labels.v[i].value : "") >= 0)
			a.v[a.n++] = own[n_own++];
		else
			rc = cmd_failf(1, "out of memory");
	}
	for (size_t i = 0; i < b->secrets.n && rc == 0; i++) {
		const struct cc_compose_secret *sec = NULL;
		for (size_t k = 0; k < p->n_secrets; k++)
			if (strcmp(p->secrets[k].key, b->secrets.v[i]) == 0)
				sec = &p->secrets[k];
		if (sec == NULL || sec->file == NULL) {
			rc = cmd_failf(1, "service %s: build secret %s is not a file-based top-level secret", sv->name,
				       b->secrets.v[i]);
			break;
		}
		a.v[a.n++] = (char *)"--secret";
		if (asprintf(&own[n_own], "id=%s,src=%s", sec->key, sec->file) >= 0)
			a.v[a.n++] = own[n_own++];
		else
			rc = cmd_failf(1, "out of memory");
	}
	a.v[a.n++] = b->context;
	a.v[a.n] = NULL;
	if (rc == 0) {
		compose_progress("Service", sv->name, "Building");
		/* build's own output goes to stderr: stdout is up's */
		fflush(stdout);
		int saved = dup(STDOUT_FILENO);
		if (saved >= 0)
			(void)dup2(STDERR_FILENO, STDOUT_FILENO);
		rc = cmd_verb_run(&cmd_build_verb, "ccontainer compose build", (int)a.n, a.v);
		fflush(stdout);
		if (saved >= 0) {
			(void)dup2(saved, STDOUT_FILENO);
			close(saved);
		}
		if (rc != 0)
			rc = cmd_failf(1, "service \"%s\" failed to build", sv->name);
		else
			compose_progress("Service", sv->name, "Built");
	}
	for (size_t i = 0; i < n_own; i++)
		free(own[i]);
	free(own);
	free(a.v);
	return rc;
}

int compose_build_services(struct cc_store *s, const struct cc_compose_project *p, const bool *want, bool always,
			   const char *const *extra)
{
	for (size_t i = 0; i < p->n_services; i++) {
		const struct cc_compose_service *sv = &p->services[i];
		if (!want[i] || sv->build == NULL)
			continue;
		_cleanup_free_ char *image = compose_image_name(p, sv);
		if (image == NULL)
			return cmd_failf(1, "out of memory");
		char *id = NULL;
		cc_error *e = NULL;
		if (!always && cc_image_resolve(s, image, &id, &e) == 0) {
			free(id);
			continue;
		}
		cc_error_clear(&e);
		int rc = build_service(p, sv, image, extra);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* The image's ID, pulled when missing (a service with build: is built
 * before, or fails here). */
static int service_image(struct cc_store *s, const struct cc_compose_project *p, const struct cc_compose_service *sv,
			 char **ret_name, char **ret_id)
{
	*ret_id = NULL;
	if ((*ret_name = compose_image_name(p, sv)) == NULL)
		return cmd_failf(1, "out of memory");
	cc_error *e = NULL;
	if (cc_image_resolve(s, *ret_name, ret_id, &e) == 0)
		return 0;
	if (e->kind != CC_ERR_NOT_FOUND || sv->build != NULL)
		return cmd_fail(e, 1);
	cc_error_clear(&e);
	compose_progress("Image", *ret_name, "Pulling");
	struct cc_pull_options po = { .jobs = 3, .tls_verify = true };
	struct cc_pull_result res;
	if (cmd_do_pull(s, *ret_name, &po, true, &res, &e) < 0)
		return cmd_fail(e, 1);
	*ret_id = steal_ptr(&res.image_id);
	cc_pull_result_release(&res);
	compose_progress("Image", *ret_name, "Pulled");
	return 0;
}

/* ---- containers ---- */

struct plan {
	const struct cc_compose_service *sv;
	char *image, *image_id;
	size_t idx;
};

/* The create arguments of container n of the service with its hash label
 * first; *ret_hash the hash. */
static int service_args(const struct cc_compose_project *p, const struct plan *pl, const char *name, int n,
			bool oneoff, char ***ret, char ret_hash[72])
{
	char **args = NULL;
	cc_error *e = NULL;
	if (cc_compose_create_args(p, pl->sv, pl->image, name, n, oneoff, &args, &e) < 0)
		return cmd_fail(e, 1);
	struct cc_strbuf sb = { 0 };
	cc_strbuf_add(&sb, pl->image_id, strlen(pl->image_id) + 1);
	size_t count = 0;
	/* com.docker.compose.project.working_dir and .config_files */
	static const char where[] = "--label=" COMPOSE_LABEL_PROJECT ".";
	for (char **a = args; *a; a++, count++) {
		/* the name and number differ between replicas, not their
		 * config; nor is where the project's files are (docker's hash
		 * is of the service alone: -f another.yaml recreates nothing) */
		if (a != args + 1 && strncmp(*a, where, sizeof(where) - 1) != 0)
			cc_strbuf_add(&sb, *a, strlen(*a) + 1);
	}
	size_t len = sb.len;
	_cleanup_free_ char *text = cc_strbuf_steal(&sb);
	if (text == NULL) {
		strv_free(args);
		return cmd_failf(1, "out of memory");
	}
	char digest[72];
	cc_sha256_digest(text, len, digest);
	const char *hex = strchr(digest, ':') ? strchr(digest, ':') + 1 : digest;
	snprintf(ret_hash, 72, "%s", hex);
	/* "create", the hash label, the image label, then the rest */
	char **out = calloc(count + 4, sizeof(char *));
	if (out == NULL || asprintf(&out[1], "--label=" COMPOSE_LABEL_HASH "=%s", hex) < 0 ||
	    asprintf(&out[2], "--label=com.docker.compose.image=%s", pl->image_id) < 0 ||
	    (out[0] = strdup("create")) == NULL) {
		if (out)
			strv_free(out);
		strv_free(args);
		return cmd_failf(1, "out of memory");
	}
	memcpy(out + 3, args, count * sizeof(char *));
	free(args);
	*ret = out;
	return 0;
}

/* Is target one of the image's VOLUMEs (a trailing slash aside)? */
static bool image_volume(const struct cc_run_config *ic, const char *target)
{
	size_t tl = strlen(target);
	for (char **v = ic ? ic->volumes : NULL; v && *v; v++) {
		size_t vl = strlen(*v);
		while (vl > 1 && (*v)[vl - 1] == '/')
			vl--;
		if (vl == tl && strncmp(*v, target, tl) == 0)
			return true;
	}
	return false;
}

/* The anonymous volumes of a container being recreated that its new one
 * takes over (docker compose keeps a database's VOLUME data across a
 * recreate): "--mount" values for each target where the new one has an
 * anonymous volume too, the service's or the image's VOLUME, as docker
 * compose's rule is; *ret_drop the others' names (removed after). */
static int inherited_volumes(struct cc_store *s, const struct plan *pl, const struct cc_container_record *old,
			     char ***ret, char ***ret_drop)
{
	const struct cc_compose_service *sv = pl->sv;
	*ret = *ret_drop = NULL;
	struct cc_run_config *ic = NULL;
	cc_error *e = NULL;
	if (cc_image_run_config(s, pl->image_id, &ic, &e) < 0)
		cc_error_clear(&e); /* then only the service's own count */
	json_t *cfg = cc_container_config(old);
	const json_t *mounts = json_object_get(json_object_get(cfg, "Spec"), "Mounts");
	size_t n = json_array_size(mounts), k = 0, d = 0, i;
	char **out = calloc(n + 1, sizeof(char *)), **drop = calloc(n + 1, sizeof(char *));
	json_t *m;
	int rc = out && drop ? 0 : cmd_failf(1, "out of memory");
	json_array_foreach(mounts, i, m) {
		const char *name = json_string_value(json_object_get(m, "Volume"));
		const char *target = json_string_value(json_object_get(m, "Target"));
		if (rc != 0 || name == NULL || target == NULL || !json_is_true(json_object_get(m, "Anonymous")))
			continue;
		bool taken = false, anonymous = image_volume(ic, target);
		for (size_t v = 0; v < sv->n_volumes; v++) {
			const struct cc_compose_volume *cv = &sv->volumes[v];
			if (strcmp(cv->target, target) != 0)
				continue;
			if (cv->type == CC_COMPOSE_MOUNT_VOLUME && cv->source == NULL)
				anonymous = true;
			else
				taken = true;
		}
		if (taken || !anonymous || strchr(target, ',') != NULL) {
			if ((drop[d++] = strdup(name)) == NULL)
				rc = cmd_failf(1, "out of memory");
		} else if (asprintf(&out[k++], "type=volume,source=%s,target=%s", name, target) < 0) {
			out[--k] = NULL;
			rc = cmd_failf(1, "out of memory");
		}
	}
	json_decref(cfg);
	cc_run_config_free(ic);
	if (rc != 0) {
		strv_free(out);
		strv_free(drop);
		return rc;
	}
	*ret = out;
	*ret_drop = drop;
	return 0;
}

/* inherit: --mount values put just before the image, so that they win
 * over the image's VOLUMEs at the same targets. */
static int create_container(struct cc_store *s, const struct cc_compose_project *p, const struct plan *pl,
			    const char *name, int n, bool oneoff, char *const *inherit, struct cc_container_record **ret)
{
	char **args = NULL, hash[72];
	int rc = service_args(p, pl, name, n, oneoff, &args, hash);
	if (rc != 0)
		return rc;
	int argc = 0, n_inherit = 0;
	while (args[argc])
		argc++;
	/* the service's own anonymous volume at an inherited target becomes
	 * the inherited one (its options kept); the rest are added */
	char *rest[64] = { NULL };
	for (size_t i = 0; inherit && inherit[i]; i++) {
		const char *t = strstr(inherit[i], ",target=");
		bool replaced = false;
		for (int a = 0; t && a + 1 < argc && !replaced; a++) {
			const char *v = args[a + 1];
			size_t tl = strlen(t + 8);
			if (strcmp(args[a], "--mount") != 0 || strncmp(v, "type=volume,target=", 19) != 0 ||
			    strncmp(v + 19, t + 8, tl) != 0 || (v[19 + tl] != '\0' && v[19 + tl] != ','))
				continue;
			char *nv = NULL;
			if (asprintf(&nv, "%s%s", inherit[i], v + 19 + tl) < 0) {
				strv_free(args);
				return cmd_failf(1, "out of memory");
			}
			free(args[a + 1]);
			args[a + 1] = nv;
			replaced = true;
		}
		if (!replaced && n_inherit < 64)
			rest[n_inherit++] = inherit[i];
	}
	if (n_inherit > 0) {
		const struct cc_compose_service *sv = pl->sv;
		int img = argc - 1 - (sv->has_entrypoint && sv->entrypoint.n > 1 ? (int)sv->entrypoint.n - 1 : 0) -
			  (sv->has_command ? (int)sv->command.n : 0);
		char **more = calloc((size_t)argc + 2 * (size_t)n_inherit + 1, sizeof(char *));
		if (more == NULL) {
			strv_free(args);
			return cmd_failf(1, "out of memory");
		}
		int m = 0;
		for (int i = 0; i < img; i++)
			more[m++] = args[i];
		for (int i = 0; i < n_inherit; i++) {
			more[m++] = strdup("--mount");
			more[m++] = strdup(rest[i]);
		}
		for (int i = img; i < argc; i++)
			more[m++] = args[i];
		free(args);
		args = more;
		argc = m;
		for (int i = 0; i < argc; i++)
			if (args[i] == NULL) {
				/* a failed strdup: the rest is freed by its count */
				for (int j = 0; j < argc; j++)
					free(args[j]);
				free(args);
				return cmd_failf(1, "out of memory");
			}
	}
	rc = cmd_create_quiet("ccontainer compose up", argc, args);
	strv_free(args);
	if (rc != 0)
		return rc;
	if ((*ret = cmd_container_get(s, name)) == NULL)
		return 1;
	compose_progress("Container", name, "Created");
	return 0;
}

static int start_container(struct cc_store *s, struct cc_container_record *c)
{
	cc_error *e = NULL;
	if (cc_container_start_detached(s, c, &e) < 0)
		return cmd_fail(e, 1);
	compose_progress("Container", c->name, "Started");
	return 0;
}

static void remove_container(struct cc_store *s, struct cc_container_record *c, int timeout, bool volumes)
{
	json_t *cfg = volumes ? cc_container_config(c) : NULL;
	_cleanup_strv_ char **anon = cfg ? cc_container_anonymous_volumes(cfg) : NULL;
	json_decref(cfg);
	cc_error *e = NULL;
	if (cc_container_remove(s, c, true, timeout, &e) < 0) {
		cmd_warnf("remove container %s: %s", c->name, e->msg);
		cc_error_free(e);
		return;
	}
	if (anon)
		cc_container_remove_volumes(s, anon);
	compose_progress("Container", c->name, "Removed");
}

struct up_opts {
	bool detach, build, no_build, force_recreate, no_recreate, no_deps, remove_orphans, wait, no_start, quiet_pull;
	bool renew_anon_volumes;
	bool abort_on_exit, no_color, no_log_prefix;
	int64_t timeout, wait_timeout;
	struct cmd_strv scale;
	const char *pull;
};

/* One service: each replica created, recreated or started as needed,
 * surplus replicas removed.  Runs in a process of its own. */
static int converge(const struct cc_compose_project *p, const struct plan *pl, const struct up_opts *o,
		    const struct compose_ctrs *have)
{
	struct cc_store *s = cmd_open_store();
	if (s == NULL)
		return 1;
	const struct cc_compose_service *sv = pl->sv;
	int replicas = sv->replicas < 0 ? 1 : (int)sv->replicas;
	int rc = 0;
	for (int n = 1; n <= replicas && rc == 0; n++) {
		_cleanup_free_ char *name = compose_container_name(p, sv, n);
		char **args = NULL, hash[72];
		if (name == NULL || (rc = service_args(p, pl, name, n, false, &args, hash)) != 0)
			break;
		strv_free(args);
		const struct compose_ctr *h = NULL;
		for (size_t i = 0; i < have->n; i++)
			if (!have->v[i].oneoff && have->v[i].number == n && strcmp(have->v[i].service, sv->name) == 0)
				h = &have->v[i];
		struct cc_container_record *cur = h ? h->rec : NULL;
		if (cur != NULL && !o->force_recreate &&
		    (o->no_recreate || (h->hash != NULL && strcmp(h->hash, hash) == 0))) {
			if (cc_container_is_running(cur))
				compose_progress("Container", cur->name, "Running");
			else if (!o->no_start)
				rc = start_container(s, cur);
			continue;
		}
		_cleanup_strv_ char **inherit = NULL, **drop = NULL;
		if (cur != NULL) {
			compose_progress("Container", cur->name, "Recreate");
			/* -V: new anonymous volumes, the old ones go with it */
			if (!o->renew_anon_volumes && (rc = inherited_volumes(s, pl, cur, &inherit, &drop)) != 0)
				break;
			remove_container(s, cur, o->timeout >= 0 ? (int)o->timeout : cc_container_stop_timeout(cur),
					 o->renew_anon_volumes);
			cc_container_remove_volumes(s, drop);
		}
		struct cc_container_record *c = NULL;
		rc = create_container(s, p, pl, name, n, false, inherit, &c);
		if (rc == 0 && !o->no_start)
			rc = start_container(s, c);
		cc_container_record_free(c);
	}
	/* fewer replicas than before */
	for (size_t i = 0; i < have->n && rc == 0; i++)
		if (!have->v[i].oneoff && strcmp(have->v[i].service, sv->name) == 0 && have->v[i].number > replicas)
			remove_container(s, have->v[i].rec, o->timeout >= 0 ? (int)o->timeout : 10, true);
	cc_store_close(s);
	return rc;
}

/* ---- waiting for dependencies ---- */

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* 1: the condition holds for every container of the service, 0: not yet,
 * -1: it never will (printed). */
static int condition_holds(struct cc_store *s, const char *project, const struct cc_compose_dep *d)
{
	struct compose_ctrs all = { 0 };
	if (compose_containers(s, project, &all) != 0)
		return -1;
	int rc = 1;
	size_t seen = 0;
	for (size_t i = 0; i < all.n && rc == 1; i++) {
		const struct compose_ctr *c = &all.v[i];
		if (c->oneoff || strcmp(c->service, d->service) != 0)
			continue;
		seen++;
		bool running = cc_container_is_running(c->rec);
		switch (d->condition) {
		case CC_COMPOSE_SERVICE_STARTED:
			rc = running || strcmp(c->rec->state, "exited") == 0;
			break;
		case CC_COMPOSE_SERVICE_COMPLETED_SUCCESSFULLY:
			if (strcmp(c->rec->state, "exited") == 0 && c->rec->exit_code != 0) {
				cmd_failf(1, "service \"%s\" didn't complete successfully: exit %d", d->service,
					  c->rec->exit_code);
				rc = -1;
			} else {
				rc = strcmp(c->rec->state, "exited") == 0;
			}
			break;
		case CC_COMPOSE_SERVICE_HEALTHY: {
			json_t *cfg = cc_container_config(c->rec);
			json_t *h = cc_container_health(s, c->rec, cfg);
			const char *st = h ? cc_health_status(h) : NULL;
			if (h == NULL) {
				cmd_failf(1, "dependency failed to start: container %s has no healthcheck configured",
					  c->rec->name);
				rc = -1;
			} else if (strcmp(st, "unhealthy") == 0) {
				cmd_failf(1, "dependency failed to start: container %s is unhealthy", c->rec->name);
				rc = -1;
			} else if (!running) {
				cmd_failf(1, "dependency failed to start: container %s exited (%d)", c->rec->name,
					  c->rec->exit_code);
				rc = -1;
			} else {
				rc = strcmp(st, "healthy") == 0;
			}
			json_decref(h);
			json_decref(cfg);
			break;
		}
		}
	}
	compose_ctrs_release(&all);
	return rc == 1 && seen == 0 ? 0 : rc;
}

/* Run the check of each running container of a service now, recording
 * it only when it passes (`healthcheck run --probe`): a dependent starts
 * as soon as the check passes, not at the check's next interval. */
static void probe_service(struct cc_store *s, const char *project, const char *service)
{
	struct compose_ctrs all = { 0 };
	if (compose_containers(s, project, &all) != 0)
		return;
	for (size_t i = 0; i < all.n; i++) {
		const struct compose_ctr *c = &all.v[i];
		if (c->oneoff || strcmp(c->service, service) != 0 || !cc_container_is_running(c->rec))
			continue;
		fflush(stdout);
		fflush(stderr);
		pid_t k = fork();
		if (k == 0) {
			int null = open("/dev/null", O_RDWR | O_CLOEXEC);
			if (null >= 0) {
				(void)dup2(null, STDOUT_FILENO);
				(void)dup2(null, STDERR_FILENO);
			}
			execl("/proc/self/exe", "ccontainer", "--root", cmd_store_root(), "--runroot", cmd_runroot(),
			      "healthcheck", "run", "--probe", c->rec->id, (char *)NULL);
			_exit(125);
		}
		if (k > 0)
			while (waitpid(k, NULL, 0) < 0 && errno == EINTR)
				;
	}
	compose_ctrs_release(&all);
}

int compose_wait_dependencies(const struct cc_compose_project *p, const struct cc_compose_service *sv, const bool *want)
{
	struct cc_store *s = NULL;
	int rc = 0;
	for (size_t i = 0; i < sv->n_depends_on && rc == 0; i++) {
		const struct cc_compose_dep *d = &sv->depends_on[i];
		const struct cc_compose_service *ds = compose_service(p, d->service);
		if (ds == NULL || !want[ds - p->services] || d->condition == CC_COMPOSE_SERVICE_STARTED)
			continue;
		if (s == NULL && (s = cmd_open_store()) == NULL)
			return 1;
		_cleanup_free_ char *first = compose_container_name(p, ds, 1);
		compose_progress("Container", first ? first : d->service, "Waiting");
		long delay = 10;
		int r;
		while ((r = condition_holds(s, p->name, d)) == 0) {
			if (d->condition == CC_COMPOSE_SERVICE_HEALTHY) {
				probe_service(s, p->name, d->service);
				if ((r = condition_holds(s, p->name, d)) != 0)
					break;
			}
			sleep_ms(delay);
			if (delay < 200)
				delay *= 2;
		}
		if (r < 0)
			rc = 1;
		else
			compose_progress("Container", first ? first : d->service,
					 d->condition == CC_COMPOSE_SERVICE_HEALTHY ? "Healthy" : "Exited");
	}
	cc_store_close(s);
	return rc;
}

/* ---- up ---- */

/* The services named and, unless no_deps, what they depend on. */
int compose_selected_services(const struct cc_compose_project *p, int argc, char **argv, bool no_deps, bool *want)
{
	int rc = compose_check_services(p, argc, argv);
	if (rc != 0)
		return rc;
	for (size_t i = 0; i < p->n_services; i++)
		want[i] = argc == 0;
	for (int a = 0; a < argc; a++)
		want[compose_service(p, argv[a]) - p->services] = true;
	for (bool grew = !no_deps; grew;) {
		grew = false;
		for (size_t i = 0; i < p->n_services; i++)
			for (size_t j = 0; want[i] && j < p->services[i].n_depends_on; j++) {
				const struct cc_compose_service *d = compose_service(p, p->services[i].depends_on[j].service);
				if (d != NULL && !want[d - p->services]) {
					want[d - p->services] = true;
					grew = true;
				}
			}
	}
	return 0;
}

int compose_in_waves(const struct cc_compose_project *p, const bool *want, bool reverse, compose_wave_fn fn,
		     const void *arg)
{
	size_t n = p->n_services;
	bool *done = calloc(n ? n : 1, sizeof(bool)), *ready = calloc(n ? n : 1, sizeof(bool));
	pid_t *kids = calloc(n ? n : 1, sizeof(pid_t));
	int rc = done && ready && kids ? 0 : cmd_failf(1, "out of memory");
	size_t left = 0;
	for (size_t i = 0; i < n; i++)
		left += want[i];
	while (rc == 0 && left > 0) {
		/* a wave: what depends on nothing left to do (reverse: what
		 * nothing left to do depends on) */
		size_t nk = 0;
		for (size_t i = 0; i < n; i++) {
			ready[i] = want[i] && !done[i];
			for (size_t k = 0; ready[i] && k < n; k++) {
				if (k == i || !want[k] || done[k])
					continue;
				const struct cc_compose_service *from = &p->services[reverse ? k : i];
				const char *to = p->services[reverse ? i : k].name;
				for (size_t j = 0; ready[i] && j < from->n_depends_on; j++)
					if (strcmp(from->depends_on[j].service, to) == 0)
						ready[i] = false;
			}
		}
		fflush(stdout);
		fflush(stderr);
		for (size_t i = 0; i < n && rc == 0; i++) {
			if (!ready[i])
				continue;
			pid_t k = fork();
			if (k < 0) {
				rc = cmd_failf(1, "fork: %s", strerror(errno));
				break;
			}
			if (k == 0) {
				int r = fn(p, i, want, arg);
				fflush(stdout);
				fflush(stderr);
				_exit(r);
			}
			kids[nk++] = k;
			done[i] = true;
			left--;
		}
		if (nk == 0 && rc == 0)
			rc = cmd_failf(1, "dependency cycle between services");
		if (compose_wait_all(kids, nk) != 0)
			rc = 1;
	}
	free(done);
	free(ready);
	free(kids);
	return rc;
}

struct converge_arg {
	const struct up_opts *o;
	const struct plan *plans;
	const struct compose_ctrs *have;
};

/* One service's turn in up: its dependencies' conditions (create starts
 * nothing, so waits for none), then its containers. */
static int converge_one(const struct cc_compose_project *p, size_t i, const bool *want, const void *arg)
{
	const struct converge_arg *a = arg;
	int r = a->o->no_start ? 0 : compose_wait_dependencies(p, &p->services[i], want);
	return r != 0 ? r : converge(p, &a->plans[i], a->o, a->have);
}

static int converge_all(struct cc_store *s, const struct cc_compose_project *p, const struct up_opts *o, const bool *want)
{
	size_t n = p->n_services;
	struct plan *plans = calloc(n ? n : 1, sizeof(*plans));
	struct compose_ctrs have = { 0 };
	int rc = plans ? 0 : cmd_failf(1, "out of memory");
	for (size_t i = 0; i < n && rc == 0; i++) {
		plans[i] = (struct plan){ .sv = &p->services[i], .idx = i };
		if (want[i])
			rc = service_image(s, p, &p->services[i], &plans[i].image, &plans[i].image_id);
	}
	if (rc == 0)
		rc = compose_containers(s, p->name, &have);
	struct converge_arg a = { .o = o, .plans = plans, .have = &have };
	if (rc == 0)
		rc = compose_in_waves(p, want, false, converge_one, &a);
	compose_ctrs_release(&have);
	for (size_t i = 0; plans && i < n; i++) {
		free(plans[i].image);
		free(plans[i].image_id);
	}
	free(plans);
	return rc;
}

/* Containers of the project whose service the files no longer have:
 * removed with remove, else named in a warning (docker's). */
static void orphans(struct cc_store *s, const struct cc_compose_project *p, bool remove, int timeout)
{
	struct compose_ctrs have = { 0 };
	if (compose_containers(s, p->name, &have) != 0)
		return;
	struct cc_strbuf names = { 0 };
	for (size_t i = 0; i < have.n; i++) {
		if (compose_service(p, have.v[i].service) != NULL)
			continue;
		if (remove)
			remove_container(s, have.v[i].rec, timeout, true);
		else
			cc_strbuf_addf(&names, "%s%s", names.len ? " " : "", have.v[i].rec->name);
	}
	if (names.len)
		cmd_warnf("Found orphan containers ([%s]) for this project. If you removed or renamed this service in "
			  "your compose file, you can run this command with the --remove-orphans flag to clean it up.",
			  names.buf);
	cc_strbuf_release(&names);
	compose_ctrs_release(&have);
}

/* Does a service depend on this one with service_completed_successfully
 * (a one-shot: its successful end is what --wait waits for)? */
static bool completion_expected(const struct cc_compose_project *p, const char *service)
{
	for (size_t i = 0; i < p->n_services; i++)
		for (size_t j = 0; j < p->services[i].n_depends_on; j++)
			if (p->services[i].depends_on[j].condition == CC_COMPOSE_SERVICE_COMPLETED_SUCCESSFULLY &&
			    strcmp(p->services[i].depends_on[j].service, service) == 0)
				return true;
	return false;
}

/* --wait: every container of the services running, and healthy when it
 * has a check; one others wait to complete successfully has done so
 * (docker compose's conditions for --wait). */
static int wait_running(struct cc_store *s, const struct cc_compose_project *p, const bool *want, int64_t timeout_s)
{
	int64_t deadline = timeout_s > 0 ? (int64_t)time(NULL) + timeout_s : 0;
	long delay = 10;
	for (;;) {
		struct compose_ctrs have = { 0 };
		if (compose_containers(s, p->name, &have) != 0)
			return 1;
		int pending = 0, failed = 0;
		for (size_t i = 0; i < have.n; i++) {
			const struct compose_ctr *c = &have.v[i];
			const struct cc_compose_service *sv = compose_service(p, c->service);
			if (c->oneoff || sv == NULL || !want[sv - p->services])
				continue;
			if (!cc_container_is_running(c->rec) && completion_expected(p, c->service) &&
			    strcmp(c->rec->state, "exited") == 0 && c->rec->exit_code == 0)
				continue;
			if (!cc_container_is_running(c->rec)) {
				cmd_failf(1, "container %s exited (%d)", c->rec->name, c->rec->exit_code);
				failed++;
				continue;
			}
			json_t *cfg = cc_container_config(c->rec);
			json_t *h = cc_container_health(s, c->rec, cfg);
			const char *st = h ? cc_health_status(h) : "healthy";
			if (strcmp(st, "unhealthy") == 0) {
				cmd_failf(1, "container %s is unhealthy", c->rec->name);
				failed++;
			} else if (strcmp(st, "healthy") != 0) {
				pending++;
			}
			json_decref(h);
			json_decref(cfg);
		}
		compose_ctrs_release(&have);
		if (failed)
			return 1;
		if (pending == 0)
			return 0;
		if (deadline && time(NULL) >= deadline)
			return cmd_failf(1, "timeout waiting for the services to be healthy");
		sleep_ms(delay);
		if (delay < 200)
			delay *= 2;
	}
}

static int up_common(struct up_opts *o, int argc, char **argv, bool create_only)
{
	struct cc_compose_project *p = NULL;
	int rc = compose_load(&p);
	if (rc != 0)
		return rc;
	bool *want = calloc(p->n_services ? p->n_services : 1, sizeof(bool));
	struct cc_store *s = want ? cmd_open_store() : NULL;
	if (want == NULL)
		rc = cmd_failf(1, "out of memory");
	else if (s == NULL)
		rc = 1;
	if (rc == 0)
		rc = compose_selected_services(p, argc, argv, o->no_deps, want);
	/* --scale SERVICE=NUM over deploy.replicas */
	for (size_t i = 0; rc == 0 && i < o->scale.n; i++) {
		const char *eq = strchr(o->scale.v[i], '=');
		char *end = NULL;
		long num = eq ? strtol(eq + 1, &end, 10) : -1;
		_cleanup_free_ char *svc = eq ? strndup(o->scale.v[i], (size_t)(eq - o->scale.v[i])) : NULL;
		const struct cc_compose_service *sv = svc ? compose_service(p, svc) : NULL;
		if (eq == NULL || end == eq + 1 || *end != '\0' || num < 0 || num > 1000)
			rc = cmd_usagef("invalid --scale '%s': SERVICE=NUM", o->scale.v[i]);
		else if (sv == NULL)
			rc = cmd_failf(1, "no such service: %s", svc);
		else if (num > 1 && sv->container_name)
			rc = cmd_failf(1, "service %s has a container_name: it cannot be scaled", svc);
		else
			p->services[sv - p->services].replicas = num;
	}
	o->no_start = create_only;
	if (rc == 0)
		rc = compose_ensure_resources(s, p, want);
	if (rc == 0 && !o->no_build)
		rc = compose_build_services(s, p, want, o->build, NULL);
	if (rc == 0)
		rc = converge_all(s, p, o, want);
	if (rc == 0)
		orphans(s, p, o->remove_orphans, o->timeout >= 0 ? (int)o->timeout : 10);
	if (rc == 0 && o->wait)
		rc = wait_running(s, p, want, o->wait_timeout);
	if (rc == 0 && !create_only && !o->detach && !o->wait)
		rc = compose_attach(s, p, want, o->no_color, o->no_log_prefix, o->abort_on_exit,
				    o->timeout >= 0 ? (int)o->timeout : -1);
	cc_store_close(s);
	free(want);
	cc_compose_project_free(p);
	return rc;
}

int compose_up_detached(int argc, char **argv)
{
	struct up_opts o = { .detach = true, .timeout = -1 };
	return up_common(&o, argc, argv, false);
}

static int up_action(void *opts, int argc, char **argv)
{
	struct up_opts *o = opts;
	if (o->build && o->no_build)
		return cmd_usagef("--build and --no-build are incompatible");
	if (o->force_recreate && o->no_recreate)
		return cmd_usagef("--force-recreate and --no-recreate are incompatible");
	if (o->detach && o->abort_on_exit)
		return cmd_usagef("--abort-on-container-exit and --detach are incompatible");
	return up_common(o, argc, argv, false);
}

static int create_action(void *opts, int argc, char **argv)
{
	return up_common(opts, argc, argv, true);
}

static const struct cmd_opt up_options[] = {
	OPT_BOOL(0, "abort-on-container-exit", struct up_opts, abort_on_exit,
		 "Stops all containers if any container was stopped. Incompatible with -d"),
	OPT_BOOL(0, "build", struct up_opts, build, "Build images before starting containers"),
	OPT_BOOL('d', "detach", struct up_opts, detach, "Detached mode: Run containers in the background"),
	OPT_BOOL(0, "force-recreate", struct up_opts, force_recreate,
		 "Recreate containers even if their configuration and image haven't changed"),
	OPT_BOOL(0, "no-build", struct up_opts, no_build, "Don't build an image, even if it's policy"),
	OPT_BOOL(0, "no-color", struct up_opts, no_color, "Produce monochrome output"),
	OPT_BOOL(0, "no-deps", struct up_opts, no_deps, "Don't start linked services"),
	OPT_BOOL(0, "no-log-prefix", struct up_opts, no_log_prefix, "Don't print prefix in logs"),
	OPT_BOOL(0, "no-recreate", struct up_opts, no_recreate,
		 "If containers already exist, don't recreate them. Incompatible with --force-recreate"),
	OPT_STRING(0, "pull", struct up_opts, pull, "string", "Pull image before running (\"missing\")",
		   .def = "missing", .complete = CMD_COMPLETE_WORDS, .words = "missing"),
	OPT_BOOL(0, "quiet-pull", struct up_opts, quiet_pull, "Pull without printing progress information"),
	OPT_BOOL(0, "remove-orphans", struct up_opts, remove_orphans,
		 "Remove containers for services not defined in the Compose file"),
	OPT_BOOL('V', "renew-anon-volumes", struct up_opts, renew_anon_volumes,
		 "Recreate anonymous volumes instead of retrieving data from the previous containers"),
	OPT_LIST(0, "scale", struct up_opts, scale, "scale", "Scale SERVICE to NUM instances. Overrides the deploy.replicas setting"),
	OPT_INT('t', "timeout", struct up_opts, timeout, "int",
		"Use this timeout in seconds for container shutdown when attached or when containers are already running",
		.def = "-1"),
	OPT_BOOL(0, "wait", struct up_opts, wait, "Wait for services to be running|healthy. Implies detached mode."),
	OPT_INT(0, "wait-timeout", struct up_opts, wait_timeout, "int", "Maximum duration in seconds to wait for the project to be running|healthy"),
	OPT_END,
};

const struct cmd_verb compose_up_verb = {
	.name = "up",
	.usage = "[OPTIONS] [SERVICE...]",
	.summary = "Create and start containers",
	.opts = up_options,
	.opts_size = sizeof(struct up_opts),
	.flags = CMD_VERB_NO_STORE,
	.min_args = 0,
	.max_args = -1,
	.action = up_action,
};

static const struct cmd_opt create_options[] = {
	OPT_BOOL(0, "build", struct up_opts, build, "Build images before starting containers"),
	OPT_BOOL(0, "force-recreate", struct up_opts, force_recreate,
		 "Recreate containers even if their configuration and image haven't changed"),
	OPT_BOOL(0, "no-build", struct up_opts, no_build, "Don't build an image, even if it's policy"),
	OPT_BOOL(0, "no-recreate", struct up_opts, no_recreate,
		 "If containers already exist, don't recreate them. Incompatible with --force-recreate"),
	OPT_BOOL(0, "remove-orphans", struct up_opts, remove_orphans,
		 "Remove containers for services not defined in the Compose file"),
	OPT_BOOL('V', "renew-anon-volumes", struct up_opts, renew_anon_volumes,
		 "Recreate anonymous volumes instead of retrieving data from the previous containers"),
	OPT_INT('t', "timeout", struct up_opts, timeout, "int", "Timeout in seconds for container shutdown", .def = "-1"),
	OPT_END,
};

const struct cmd_verb compose_create_verb = {
	.name = "create",
	.usage = "[OPTIONS] [SERVICE...]",
	.summary = "Creates containers for a service",
	.opts = create_options,
	.opts_size = sizeof(struct up_opts),
	.flags = CMD_VERB_NO_STORE,
	.min_args = 0,
	.max_args = -1,
	.action = create_action,
};

/* ---- down ---- */

struct down_opts {
	bool volumes, remove_orphans;
	const char *rmi;
	int64_t timeout;
};

struct down_rm {
	bool volumes;
	int timeout;
};

static int down_one(struct cc_store *s, struct cc_container_record *c, const void *arg)
{
	const struct down_rm *d = arg;
	if (cc_container_is_running(c))
		compose_progress("Container", c->name, "Stopping");
	remove_container(s, c, d->timeout >= 0 ? d->timeout : cc_container_stop_timeout(c), d->volumes);
	return 0;
}

/* Stop and remove containers, dependents first, each level in parallel. */
static int remove_in_order(const struct cc_compose_project *p, struct compose_ctrs *have, bool volumes, int timeout)
{
	size_t n = have->n;
	bool *gone = calloc(n ? n : 1, sizeof(bool)), *ready = calloc(n ? n : 1, sizeof(bool));
	if (gone == NULL || ready == NULL) {
		free(gone);
		free(ready);
		return cmd_failf(1, "out of memory");
	}
	const struct down_rm d = { .volumes = volumes, .timeout = timeout };
	size_t left = n;
	int rc = 0;
	while (left > 0) {
		/* a container goes when no container left depends on its service */
		size_t nr = 0;
		for (size_t i = 0; i < n; i++) {
			ready[i] = !gone[i];
			for (size_t j = 0; ready[i] && j < n; j++) {
				if (gone[j] || j == i)
					continue;
				const struct cc_compose_service *sj = compose_service(p, have->v[j].service);
				for (size_t k = 0; sj && k < sj->n_depends_on; k++)
					if (strcmp(sj->depends_on[k].service, have->v[i].service) == 0)
						ready[i] = false;
			}
			nr += ready[i];
		}
		if (nr == 0) /* a cycle in an old project: the rest at once */
			for (size_t i = 0; i < n; i++)
				nr += ready[i] = !gone[i];
		for (size_t i = 0; i < n; i++)
			if (ready[i]) {
				gone[i] = true;
				left--;
			}
		if (compose_each_parallel(have, ready, down_one, &d) != 0)
			rc = 1;
	}
	free(gone);
	free(ready);
	return rc;
}

static int down_action(void *opts, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	struct down_opts *o = opts;
	if (o->rmi && strcmp(o->rmi, "local") != 0 && strcmp(o->rmi, "all") != 0)
		return cmd_usagef("invalid value for --rmi: %s (local or all)", o->rmi);
	struct cc_compose_project *p = NULL;
	int rc = compose_load(&p);
	if (rc != 0)
		return rc;
	struct cc_store *s = cmd_open_store();
	if (s == NULL) {
		cc_compose_project_free(p);
		return 1;
	}
	struct compose_ctrs have = { 0 };
	rc = compose_containers(s, p->name, &have);
	if (rc == 0) {
		/* the files' services (and their one-off containers); orphans
		 * with --remove-orphans */
		size_t k = 0;
		struct cc_strbuf left = { 0 };
		for (size_t i = 0; i < have.n; i++) {
			if (compose_service(p, have.v[i].service) != NULL || o->remove_orphans)
				have.v[k++] = have.v[i];
			else {
				cc_strbuf_addf(&left, "%s%s", left.len ? " " : "", have.v[i].rec->name);
				cc_container_record_free(have.v[i].rec);
				free(have.v[i].service);
				free(have.v[i].hash);
			}
		}
		have.n = k;
		if (left.len)
			cmd_warnf("Found orphan containers ([%s]) for this project. If you removed or renamed this service "
				  "in your compose file, you can run this command with the --remove-orphans flag to clean it up.",
				  left.buf);
		cc_strbuf_release(&left);
		rc = remove_in_order(p, &have, o->volumes, (int)o->timeout);
	}
	for (size_t i = 0; i < p->n_networks && rc == 0; i++) {
		const struct cc_compose_network *n = &p->networks[i];
		if (n->external)
			continue;
		struct cc_network_record *r = NULL;
		cc_error *e = NULL;
		if (cc_network_get(s, n->name, &r, &e) < 0) {
			cc_error_free(e);
			continue;
		}
		cc_network_record_free(r);
		compose_progress("Network", n->name, "Removing");
		if (cc_network_remove(s, n->name, false, &e) < 0) {
			/* docker compose: a network an orphan (or any other
			 * container) still uses is left, with a warning */
			if (e->kind == CC_ERR_IN_USE)
				compose_progress("Network", n->name, "Resource is still in use");
			else
				rc = cmd_fail(e, 1);
			cc_error_clear(&e);
		} else {
			compose_progress("Network", n->name, "Removed");
		}
	}
	for (size_t i = 0; i < p->n_volumes && rc == 0 && o->volumes; i++) {
		const struct cc_compose_volume_def *v = &p->volumes[i];
		if (v->external)
			continue;
		cc_error *e = NULL;
		if (cc_volume_remove(s, v->name, &e) < 0) {
			if (e->kind != CC_ERR_NOT_FOUND) {
				cmd_warnf("remove volume %s: %s", v->name, e->msg);
				rc = 1;
			}
			cc_error_free(e);
		} else {
			compose_progress("Volume", v->name, "Removed");
		}
	}
	for (size_t i = 0; i < p->n_services && rc == 0 && o->rmi; i++) {
		const struct cc_compose_service *sv = &p->services[i];
		if (strcmp(o->rmi, "local") == 0 && sv->image != NULL)
			continue; /* local: only the images compose named itself */
		_cleanup_free_ char *image = compose_image_name(p, sv);
		char *id = NULL;
		cc_error *e = NULL;
		if (image == NULL || cc_image_resolve(s, image, &id, &e) < 0) {
			cc_error_free(e);
			continue;
		}
		free(id);
		char *args[] = { (char *)"rmi", image, NULL };
		fflush(stdout);
		int saved = dup(STDOUT_FILENO);
		if (saved >= 0)
			(void)dup2(STDERR_FILENO, STDOUT_FILENO);
		int r = cmd_verb_run(&cmd_rmi_verb, "ccontainer compose down", 2, args);
		fflush(stdout);
		if (saved >= 0) {
			(void)dup2(saved, STDOUT_FILENO);
			close(saved);
		}
		if (r == 0)
			compose_progress("Image", image, "Removed");
	}
	compose_ctrs_release(&have);
	cc_store_close(s);
	cc_compose_project_free(p);
	return rc;
}

static const struct cmd_opt down_options[] = {
	OPT_BOOL(0, "remove-orphans", struct down_opts, remove_orphans,
		 "Remove containers for services not defined in the Compose file"),
	OPT_STRING(0, "rmi", struct down_opts, rmi, "string",
		   "Remove images used by services. \"local\" remove only images that don't have a custom tag (\"local\"|\"all\")",
		   .complete = CMD_COMPLETE_WORDS, .words = "local all"),
	OPT_INT('t', "timeout", struct down_opts, timeout, "int", "Specify a shutdown timeout in seconds", .def = "-1"),
	OPT_BOOL('v', "volumes", struct down_opts, volumes,
		 "Remove named volumes declared in the \"volumes\" section of the Compose file and anonymous volumes attached to containers"),
	OPT_END,
};

const struct cmd_verb compose_down_verb = {
	.name = "down",
	.usage = "[OPTIONS] [SERVICES]",
	.summary = "Stop and remove containers, networks",
	.opts = down_options,
	.opts_size = sizeof(struct down_opts),
	.flags = CMD_VERB_NO_STORE,
	.min_args = 0,
	.max_args = 0,
	.action = down_action,
};
