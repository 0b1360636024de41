/* ccontainer run: resolve (or pull) the image, describe the container to the
 * runtime, run it in the foreground, and record it. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "container/container.h"
#include "network/network.h"
#include "runtime/runtime.h"
#include "util/env.h"
#include "util/json.h"
#include "util/strbuf.h"

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

struct run_opts {
	/* the table's (run_options below) */
	bool rm, interactive, tty, init, read_only, detach, privileged;
	const char *name, *hostname, *workdir, *user, *network, *cpus, *log_driver;
	const char *entrypoint; /* NULL: the image's; "": none */
	struct cmd_strv env, env_files, volumes, tmpfs_specs, cap_add, cap_drop, security_opts, ulimit_specs, log_opts;
	struct cmd_strv labels, label_files;
	const char *cidfile, *stop_signal;
	int64_t stop_timeout;
	/* not the table's: `create` makes the container and leaves it */
	bool create;
	int64_t memory, memory_swap, cpu_shares, pids_limit;
	struct {
		struct cmd_strv publish, dns, add_host; /* -p, --dns, --add-host */
		bool publish_all;                       /* -P */
	} net;
	/* what run_opts_check makes of them */
	enum cc_net_mode net_mode;
	struct cc_bind_mount *binds; /* each source a copy of its -v (target, mode inside) */
	size_t n_binds;
	struct cc_tmpfs_mount *tmpfs; /* each target a copy of its --tmpfs */
	size_t n_tmpfs;
	bool no_new_privs;
	const char *seccomp;
	struct cc_resources res;
	/* --log-opt: what LogConfig records (pointers into argv) */
	const char *log_max_size, *log_max_file;
	/* --restart, --health-*, --no-healthcheck (lib/container) */
	const char *restart, *health_cmd;
	int64_t health_interval, health_timeout, health_start_period, health_start_interval, health_retries;
	bool no_healthcheck;
	struct cc_restart_policy restart_policy;
};

static void run_opts_release(struct run_opts *o)
{
	for (size_t i = 0; i < o->n_binds; i++)
		free((char *)o->binds[i].source);
	for (size_t i = 0; i < o->n_tmpfs; i++)
		free((char *)o->tmpfs[i].target);
	free(o->binds);
	free(o->tmpfs);
	o->binds = NULL;
	o->tmpfs = NULL;
	o->n_binds = o->n_tmpfs = 0;
}

/* -v SRC:DST[:ro|rw] with an absolute host path. */
static int parse_volume(struct run_opts *o, const char *arg)
{
	_cleanup_free_ char *copy = strdup(arg);
	if (copy == NULL)
		return cmd_failf(EXIT_CC_ERROR, "out of memory");
	char *src = copy, *dst = strchr(copy, ':'), *mode = NULL;
	if (dst == NULL)
		return cmd_failf(EXIT_CC_ERROR, "invalid volume '%s': expected SRC:DST[:ro]", arg);
	*dst++ = '\0';
	mode = strchr(dst, ':');
	if (mode)
		*mode++ = '\0';
	if (src[0] != '/')
		return cmd_failf(EXIT_CC_ERROR, "invalid volume '%s': named volumes are not supported, give an absolute host path", arg);
	if (dst[0] != '/')
		return cmd_failf(EXIT_CC_ERROR, "invalid volume '%s': the destination must be an absolute path", arg);
	bool ro = false;
	if (mode && *mode) {
		char *save = NULL;
		for (char *m = strtok_r(mode, ",", &save); m; m = strtok_r(NULL, ",", &save)) {
			if (strcmp(m, "ro") == 0)
				ro = true;
			else if (strcmp(m, "rw") == 0)
				ro = false;
			else if (strcmp(m, "z") && strcmp(m, "Z") && strcmp(m, "rprivate") && strcmp(m, "private"))
				return cmd_failf(EXIT_CC_ERROR, "invalid volume '%s': unknown mode '%s'", arg, m);
		}
	}
	o->binds[o->n_binds++] = (struct cc_bind_mount){ .source = steal_ptr(&copy), .target = dst, .readonly = ro };
	return 0;
}

static int parse_tmpfs(struct run_opts *o, const char *arg)
{
	_cleanup_free_ char *copy = strdup(arg);
	if (copy == NULL)
		return cmd_failf(EXIT_CC_ERROR, "out of memory");
	char *opts = strchr(copy, ':');
	if (opts)
		*opts++ = '\0';
	if (copy[0] != '/')
		return cmd_failf(EXIT_CC_ERROR, "invalid --tmpfs '%s': the destination must be an absolute path", arg);
	o->tmpfs[o->n_tmpfs++] = (struct cc_tmpfs_mount){ .target = steal_ptr(&copy), .options = opts };
	return 0;
}

/* --security-opt seccomp=unconfined|PROFILE.json, no-new-privileges[=BOOL]
 * (docker also takes ':' for '='). */
static int parse_security_opt(struct run_opts *o, const char *arg)
{
	size_t kl = strcspn(arg, "=:");
	const char *val = arg[kl] != '\0' ? arg + kl + 1 : NULL;
	if (kl == 7 && strncmp(arg, "seccomp", 7) == 0 && val != NULL && *val != '\0') {
		o->seccomp = val;
		return 0;
	}
	if (kl == 17 && strncmp(arg, "no-new-privileges", 17) == 0) {
		if (val == NULL || strcmp(val, "true") == 0)
			o->no_new_privs = true;
		else if (strcmp(val, "false") == 0)
			o->no_new_privs = false;
		else
			return cmd_failf(EXIT_CC_ERROR, "invalid --security-opt '%s': expected no-new-privileges[=true|false]", arg);
		return 0;
	}
	return cmd_failf(EXIT_CC_ERROR, "invalid --security-opt '%s': supported are seccomp=unconfined, seccomp=PROFILE.json and no-new-privileges", arg);
}

/* --cpus 0.5: docker's NanoCPUs as a CFS quota over a 100 ms period. */
static int parse_cpus(struct run_opts *o, const char *arg)
{
	char *end = NULL;
	errno = 0;
	double v = strtod(arg, &end);
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (errno != 0 || end == arg || *end != '\0' || !(v >= 0.01))
		return cmd_failf(EXIT_CC_ERROR, "invalid value '%s' for --cpus: expected a number of CPUs like 0.5 or 2", arg);
	if (ncpu > 0 && v > (double)ncpu)
		return cmd_failf(EXIT_CC_ERROR, "range of CPUs is from 0.01 to %ld.00, as there are only %ld CPUs available", ncpu, ncpu);
	o->res.cpu_period = 100000;
	o->res.cpu_quota = (int64_t)(v * 100000.0 + 0.5);
	return 0;
}

static int check_ulimit(const char *arg)
{
	cc_error *e = NULL;
	struct cc_rlimit r;
	return cc_runtime_parse_ulimit(arg, &r, &e) < 0 ? cmd_fail(e, EXIT_CC_ERROR) : 0;
}

/* What the table cannot say about the values: each -v, --tmpfs,
 * --security-opt, --ulimit, --log-opt parsed, --cpus, --network and -w
 * checked, the resources gathered.  0, or the status after the error. */
static int run_opts_check(struct run_opts *o)
{
	int rc = 0;
	o->binds = calloc(o->volumes.n + 1, sizeof(*o->binds));
	o->tmpfs = calloc(o->tmpfs_specs.n + 1, sizeof(*o->tmpfs));
	if (o->binds == NULL || o->tmpfs == NULL)
		return cmd_failf(EXIT_CC_ERROR, "out of memory");
	if (o->stop_signal != NULL && cc_container_parse_signal(o->stop_signal) < 0)
		return cmd_failf(EXIT_CC_ERROR, "invalid signal: %s", o->stop_signal);
	if (o->stop_timeout != CMD_INT_UNSET && (o->stop_timeout < -1 || o->stop_timeout > 86400))
		return cmd_failf(EXIT_CC_ERROR, "invalid --stop-timeout %lld: seconds from 0 to 86400, or -1",
				 (long long)o->stop_timeout);
	for (size_t i = 0; rc == 0 && i < o->volumes.n; i++)
		rc = parse_volume(o, o->volumes.v[i]);
	for (size_t i = 0; rc == 0 && i < o->tmpfs_specs.n; i++)
		rc = parse_tmpfs(o, o->tmpfs_specs.v[i]);
	for (size_t i = 0; rc == 0 && i < o->security_opts.n; i++)
		rc = parse_security_opt(o, o->security_opts.v[i]);
	for (size_t i = 0; rc == 0 && i < o->ulimit_specs.n; i++)
		rc = check_ulimit(o->ulimit_specs.v[i]);
	if (rc == 0 && o->cpus != NULL)
		rc = parse_cpus(o, o->cpus);
	if (rc == 0 && o->log_driver != NULL)
		rc = cmd_log_driver(o->log_driver);
	for (size_t i = 0; rc == 0 && i < o->log_opts.n; i++)
		rc = cmd_log_opt(o->log_opts.v[i], &o->log_max_size, &o->log_max_file);
	if (rc == 0 && o->restart != NULL) {
		cc_error *e = NULL;
		if (cc_restart_policy_parse(o->restart, &o->restart_policy, &e) < 0)
			rc = cmd_fail(e, EXIT_CC_ERROR);
		else if (o->rm && o->restart_policy.kind != CC_RESTART_NO)
			rc = cmd_failf(EXIT_CC_ERROR, "Conflicting options: --restart and --rm");
	}
	if (rc != 0)
		return rc;
	o->res.memory = o->memory; /* 0: no limit, as docker's --memory 0 */
	o->res.memory_swap = o->memory_swap;
	o->res.cpu_shares = o->cpu_shares;
	o->res.pids_limit = o->pids_limit < 0 ? -1 : o->pids_limit; /* docker: 0 or -1 is unlimited */
	if (strcmp(o->network, "none") == 0)
		o->net_mode = CC_NET_NONE;
	else if (strcmp(o->network, "host") == 0)
		o->net_mode = CC_NET_HOST;
	else if (strcmp(o->network, "bridge") == 0)
		o->net_mode = CC_NET_BRIDGE;
	else
		return cmd_failf(EXIT_CC_ERROR, "network mode '%s' is not supported (use bridge, none or host)", o->network);
	if (o->workdir && o->workdir[0] != '/')
		return cmd_failf(EXIT_CC_ERROR, "the working directory '%s' is invalid, it needs to be an absolute path", o->workdir);
	return 0;
}

static const char *const adjectives[] = { "brave", "calm", "eager", "fancy", "gentle", "happy", "jolly", "keen",
					  "lucid", "merry", "nifty", "proud", "quirky", "serene", "witty", "zen" };
static const char *const nouns[] = { "turing", "hopper", "lovelace", "ritchie", "thompson", "torvalds", "knuth",
				     "dijkstra", "liskov", "hamilton", "shannon", "babbage", "kernighan", "pike",
				     "wirth", "cerf" };

static void generate_name(const char *id, char *out, size_t outlen)
{
	unsigned a = (unsigned)strtoul((char[]){ id[0], id[1], 0 }, NULL, 16);
	unsigned b = (unsigned)strtoul((char[]){ id[2], id[3], 0 }, NULL, 16);
	snprintf(out, outlen, "%s_%s_%.4s", adjectives[a % 16], nouns[b % 16], id + 4);
}

static int label_cmp(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	size_t kx = strcspn(x, "="), ky = strcspn(y, "=");
	int c = memcmp(x, y, kx < ky ? kx : ky);
	return c != 0 ? c : (kx > ky) - (kx < ky);
}

/* Resolve the image, pulling it when absent (docker's "Unable to find image"). */
static int find_or_pull(struct cc_store *s, const char *image, char **ret_id)
{
	cc_error *e = NULL;
	if (cc_image_resolve(s, image, ret_id, &e) == 0)
		return 0;
	if (e->kind != CC_ERR_NOT_FOUND)
		return cmd_fail(e, EXIT_CC_ERROR);
	cc_error_clear(&e);
	struct cc_ref *ref = NULL;
	if (cc_ref_parse(image, &ref, &e) < 0)
		return cmd_fail(e, EXIT_CC_ERROR);
	cc_ref_free(ref);
	fprintf(stderr, "Unable to find image '%s' locally\n", image);
	struct cc_pull_options po = { .jobs = 3, .tls_verify = true };
	struct cc_pull_result res;
	if (cmd_do_pull(s, image, &po, false, &res, &e) < 0)
		return cmd_fail(e, EXIT_CC_ERROR);
	*ret_id = steal_ptr(&res.image_id);
	cc_pull_result_release(&res);
	return 0;
}

/* The Healthcheck the container keeps: the image's with the flags over it
 * (lib/container); *ret NULL when there is none. */
static int run_healthcheck(struct cc_store *s, const char *image_id, const struct run_opts *o, json_t **ret)
{
	struct cc_image_record *r = NULL;
	cc_error *e = NULL;
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	json_t *ic = NULL;
	if (cc_store_image_get(s, image_id, &r, &e) == 0 &&
	    cc_store_read_blob(s, r->config_digest, CC_CONFIG_MAX, &data, &len, &e) == 0)
		ic = json_loadb(data, len, 0, NULL);
	cc_error_clear(&e);
	cc_image_record_free(r);
	const struct cc_health_flags f = {
		.cmd = o->health_cmd,
		.interval_ns = o->health_interval * 1000000,
		.timeout_ns = o->health_timeout * 1000000,
		.start_period_ns = o->health_start_period * 1000000,
		.start_interval_ns = o->health_start_interval * 1000000,
		.retries = o->health_retries,
		.none = o->no_healthcheck,
	};
	int rc = cc_health_merge(json_object_get(json_object_get(ic, "config"), "Healthcheck"), &f, ret, &e);
	json_decref(ic);
	return rc < 0 ? cmd_fail(e, EXIT_CC_ERROR) : 0;
}

static char **strv_dup(const char *const *v, size_t n)
{
	char **out = calloc(n + 1, sizeof(char *));
	for (size_t i = 0; out != NULL && i < n; i++) {
		if ((out[i] = strdup(v[i])) == NULL) {
			cc_strvfreep(&out);
			return NULL;
		}
	}
	return out;
}

static char *strdup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

/* The --ulimit values (checked), a later one for a resource replacing the
 * earlier (as docker applies them), in their order. */
static char **ulimit_texts(const struct run_opts *o)
{
	char **out = calloc(o->ulimit_specs.n + 1, sizeof(char *));
	size_t n = 0;
	for (size_t i = 0; out != NULL && i < o->ulimit_specs.n; i++) {
		struct cc_rlimit r, later;
		bool replaced = false;
		if (cc_runtime_parse_ulimit(o->ulimit_specs.v[i], &r, NULL) < 0)
			continue;
		for (size_t k = i + 1; k < o->ulimit_specs.n && !replaced; k++)
			replaced = cc_runtime_parse_ulimit(o->ulimit_specs.v[k], &later, NULL) == 0 &&
				   later.resource == r.resource;
		if (!replaced && (out[n++] = strdup(o->ulimit_specs.v[i])) == NULL)
			cc_strvfreep(&out);
	}
	return out;
}

/* What run resolves once, at create, into the container's spec: the
 * command (the image's Entrypoint and Cmd under --entrypoint and the
 * arguments), the environment (the image's, docker's defaults, --env-file,
 * -e), the options as the runtime takes them.  0, or the status after
 * printing. */
static int build_spec(const struct run_opts *o, char **pos, const struct cc_run_config *ic, const char *id,
		      struct cc_container_spec *sp)
{
	char **user_args = pos + 1;
	cc_error *e = NULL;
	struct cc_env env = { 0 };
	/* argv: entrypoint + (user args | image Cmd); --entrypoint drops the image's Cmd. */
	size_t n_ep = 0, n_cmd = 0;
	char *ep_override[2] = { (char *)o->entrypoint, NULL };
	char **ep = o->entrypoint ? (*o->entrypoint ? ep_override : NULL) : ic->entrypoint;
	char **cmdv = *user_args ? user_args : (o->entrypoint ? NULL : ic->cmd);
	while (ep && ep[n_ep])
		n_ep++;
	while (cmdv && cmdv[n_cmd])
		n_cmd++;
	if (n_ep + n_cmd == 0)
		return cmd_failf(EXIT_CC_ERROR, "no command specified: the image has no Cmd or Entrypoint, give one after the image name");
	if ((sp->argv = calloc(n_ep + n_cmd + 1, sizeof(char *))) == NULL)
		goto nomem;
	for (size_t i = 0; i < n_ep + n_cmd; i++)
		if ((sp->argv[i] = strdup(i < n_ep ? ep[i] : cmdv[i - n_ep])) == NULL)
			goto nomem;
	sp->n_entrypoint = n_ep;
	char hostname[65];
	snprintf(hostname, sizeof(hostname), "%.64s", o->hostname ? o->hostname : id);
	if (!o->hostname)
		hostname[12] = '\0';
	/* Environment: image Env, then docker's defaults that the image's Env
	 * overrides (PATH, HOSTNAME, TERM=xterm with -t), --env-file, -e. */
	for (char **v = ic->env; v && *v; v++)
		if (cc_env_set(&env, *v, &e) < 0)
			goto failed;
	char hn_env[80];
	snprintf(hn_env, sizeof(hn_env), "HOSTNAME=%s", hostname);
	if (cc_env_set_default(&env, DEFAULT_PATH, &e) < 0 || cc_env_set_default(&env, hn_env, &e) < 0 ||
	    (o->tty && cc_env_set_default(&env, "TERM=xterm", &e) < 0))
		goto failed;
	for (size_t i = 0; i < o->env_files.n; i++)
		if (cc_env_file(&env, o->env_files.v[i], &e) < 0)
			goto failed;
	for (size_t i = 0; i < o->env.n; i++)
		if (cc_env_set(&env, o->env.v[i], &e) < 0)
			goto failed;
	if (cc_env_finish(&env, &e) < 0)
		goto failed;
	sp->env = steal_ptr(&env.v); /* NULL-terminated (cc_env_finish) */
	env = (struct cc_env){ 0 };
	if ((sp->hostname = strdup(hostname)) == NULL)
		goto nomem;
	const char *user = o->user ? o->user : ic->user, *cwd = o->workdir ? o->workdir : ic->workdir;
	if ((user && (sp->user = strdup(user)) == NULL) || (cwd && (sp->workdir = strdup(cwd)) == NULL))
		goto nomem;
	sp->tty = o->tty;
	sp->open_stdin = o->interactive;
	sp->detach = o->detach; /* create attaches, as docker's: not detached */
	sp->init = o->init;
	sp->read_only = o->read_only;
	sp->privileged = o->privileged;
	sp->no_new_privileges = o->no_new_privs;
	sp->autoremove = o->rm;
	sp->res = o->res;
	if (o->cpus != NULL)
		sp->nano_cpus = (int64_t)llround(strtod(o->cpus, NULL) * 1e9);
	if ((sp->mounts = calloc(o->n_binds + o->n_tmpfs + 1, sizeof(*sp->mounts))) == NULL)
		goto nomem;
	for (size_t i = 0; i < o->n_binds; i++) {
		struct cc_container_mount *m = &sp->mounts[sp->n_mounts++];
		m->readonly = o->binds[i].readonly;
		if ((m->source = strdup(o->binds[i].source)) == NULL || (m->target = strdup(o->binds[i].target)) == NULL)
			goto nomem;
	}
	for (size_t i = 0; i < o->n_tmpfs; i++) {
		struct cc_container_mount *m = &sp->mounts[sp->n_mounts++];
		m->tmpfs = true;
		if ((m->target = strdup(o->tmpfs[i].target)) == NULL ||
		    (o->tmpfs[i].options && (m->options = strdup(o->tmpfs[i].options)) == NULL))
			goto nomem;
	}
	if ((sp->cap_add = strv_dup(o->cap_add.v, o->cap_add.n)) == NULL ||
	    (sp->cap_drop = strv_dup(o->cap_drop.v, o->cap_drop.n)) == NULL ||
	    (sp->security_opt = strv_dup(o->security_opts.v, o->security_opts.n)) == NULL ||
	    (sp->dns = strv_dup(o->net.dns.v, o->net.dns.n)) == NULL ||
	    (sp->extra_hosts = strv_dup(o->net.add_host.v, o->net.add_host.n)) == NULL ||
	    (sp->publish = strv_dup(o->net.publish.v, o->net.publish.n)) == NULL ||
	    (sp->ulimits = ulimit_texts(o)) == NULL || (sp->network = strdup(o->network)) == NULL ||
	    (o->seccomp && (sp->seccomp = strdup_or_null(o->seccomp)) == NULL))
		goto nomem;
	sp->publish_all = o->net.publish_all;
	sp->version = CC_CONTAINER_SPEC_VERSION;
	return 0;
nomem:
	cc_error_set(&e, ENOMEM, "the container's spec");
failed:
	cc_env_release(&env);
	cc_container_spec_release(sp);
	return cmd_fail(e, EXIT_CC_ERROR);
}

/* The labels: the image's, then --label-file, then --label, in key order
 * as docker's maps marshal.  0, or the status after printing. */
static int build_labels(const struct run_opts *o, const struct cc_run_config *ic, json_t **ret)
{
	struct cc_env labels = { 0 };
	cc_error *e = NULL;
	*ret = NULL;
	for (char **v = ic->labels; v && *v; v++)
		if (cc_env_set_label(&labels, *v, &e) < 0)
			goto failed;
	for (size_t i = 0; i < o->label_files.n; i++)
		if (cc_env_label_file(&labels, o->label_files.v[i], &e) < 0)
			goto failed;
	for (size_t i = 0; i < o->labels.n; i++)
		if (cc_env_set_label(&labels, o->labels.v[i], &e) < 0)
			goto failed;
	if (cc_env_finish(&labels, &e) < 0)
		goto failed;
	if (labels.n > 1)
		qsort(labels.v, labels.n, sizeof(*labels.v), label_cmp);
	json_t *lj = json_object();
	for (size_t i = 0; lj && i < labels.n; i++) {
		size_t kl = strcspn(labels.v[i], "=");
		_cleanup_free_ char *k = strndup(labels.v[i], kl);
		_cleanup_free_ char *key = k ? cc_utf8_coerce(k) : NULL;
		if (key != NULL)
			json_object_set_new(lj, key, cc_json_text(labels.v[i] + kl + 1));
	}
	cc_env_release(&labels);
	if (lj == NULL)
		return cmd_failf(EXIT_CC_ERROR, "out of memory");
	*ret = lj;
	return 0;
failed:
	cc_env_release(&labels);
	return cmd_fail(e, EXIT_CC_ERROR);
}

/* run and create: the options into the container's spec (lib/container),
 * then the engine creates it and starts it in the foreground, or hands it
 * to a monitor (-d), or leaves it (create). */
static int run_main(const struct run_opts *op, char **pos)
{
	const struct run_opts *o = op;
	const char *image = pos[0];
	bool foreground = !o->detach && !o->create;
	int rc = 0;

	/* The identity first: the kernel's work for the container's own
	 * namespaces and cgroup overlaps ours on the store and the image
	 * below.  A detached start clones nothing here (its __start does). */
	cc_error *e = NULL;
	char id[65];
	if (cc_random_hex(id, 32, &e) < 0)
		return cmd_fail(e, EXIT_CC_ERROR);
	struct cc_runtime_prep_request prep_req = {
		.own_net = o->net_mode != CC_NET_HOST, .container_id = id, .resources = o->res, .privileged = o->privileged,
	};
	struct cc_runtime_prep *prep = foreground ? cc_runtime_prepare(&prep_req) : NULL;
	/* --cidfile: made before anything else (docker's refusal of one that
	 * exists), filled once the container is, removed when it is not */
	_cleanup_close_ int cidfd = -1;
	bool cid_written = false;
	if (o->cidfile != NULL && (cidfd = open(o->cidfile, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0) {
		cc_runtime_prep_release(prep);
		if (errno == EEXIST)
			return cmd_failf(EXIT_CC_ERROR,
					 "Container ID file found, make sure the other container isn't running or delete %s",
					 o->cidfile);
		return cmd_failf(EXIT_CC_ERROR, "create the container ID file '%s': %s", o->cidfile, strerror(errno));
	}
	struct cc_store *s = cmd_open_store();
	if (s == NULL) {
		cc_runtime_prep_release(prep);
		if (cidfd >= 0)
			(void)unlink(o->cidfile);
		return EXIT_CC_ERROR;
	}
	_cleanup_free_ char *image_id = NULL;
	struct cc_run_config *ic = NULL;
	struct cc_container_spec spec = { 0 };
	struct cc_container_record *rec = NULL;
	struct cc_network net = { .mode = CC_NET_NONE }; /* released at out: */
	struct cc_container_start st = { .foreground = true, .prepared = prep };
	json_t *labels = NULL, *hc = NULL;
	char name[CC_CONTAINER_NAME_MAX + 1];

	if ((rc = find_or_pull(s, image, &image_id)) != 0)
		goto out;
	if (cc_image_run_config(s, image_id, &ic, &e) < 0) {
		rc = cmd_fail(e, EXIT_CC_ERROR);
		goto out;
	}
	if ((rc = build_spec(o, pos, ic, id, &spec)) != 0 || (rc = build_labels(o, ic, &labels)) != 0 ||
	    (rc = run_healthcheck(s, image_id, o, &hc)) != 0)
		goto out;
	if (o->name)
		snprintf(name, sizeof(name), "%s", o->name);
	else
		generate_name(id, name, sizeof(name));
	const struct cc_container_new n = {
		.id = id, .name = o->name ? o->name : name, .image_id = image_id, .image_name = image, .spec = &spec,
		.exposed = ic->exposed_ports, .labels = labels, .healthcheck = hc, .restart = o->restart_policy,
		.stop_signal = o->stop_signal, .stop_timeout = o->stop_timeout,
		.stop_timeout_set = o->stop_timeout != CMD_INT_UNSET, .log_driver = o->log_driver,
		.log_max_size = o->log_max_size, .log_max_file = o->log_max_file,
	};
	if (cc_container_create(s, &n, &net, &rec, &e) < 0) {
		rc = cmd_fail(e, EXIT_CC_ERROR);
		goto out;
	}
	if (cidfd >= 0) {
		if (cc_write_all(cidfd, id, strlen(id)) < 0) {
			rc = cmd_failf(EXIT_CC_ERROR, "write the container ID file '%s': %s", o->cidfile, strerror(errno));
			goto out;
		}
		cid_written = true;
	}
	if (!foreground) {
		/* The container belongs to its monitor from here on (create:
		 * to the one start spawns).  Its __start reserves the recorded
		 * host ports again: let go. */
		cc_network_teardown(&net);
		if (o->detach && cc_container_spawn_monitor(s, rec, &e) < 0) {
			rc = cmd_fail(e, cc_container_exit_code(e));
			goto out;
		}
		printf("%s\n", id);
		goto out;
	}
	st.image = ic; /* read above: not again */
	if (cc_container_start(s, rec, &spec, &net, &st, &e) < 0) {
		rc = cc_container_exit_code(e);
		cmd_fail(e, rc);
	} else {
		rc = st.status;
		/* docker: State.OOMKilled, and 137 when the kill took the command */
		if (st.oom_killed && st.status == 128 + SIGKILL)
			fprintf(stderr, "Error: container %.12s was OOM-killed (memory limit reached)\n", id);
		else if (st.oom_killed)
			cmd_warnf("a process of container %.12s was OOM-killed (memory limit reached)", id);
		/* --restart: it goes on in the background, run returns (docker) */
		if (!st.removed && o->restart_policy.kind != CC_RESTART_NO &&
		    cc_container_restart_foreground(s, rec, st.status, &e) < 0)
			cmd_warnf("restart container %.12s: %s", id, e->msg);
		cc_error_clear(&e);
	}
out:
	cc_runtime_prep_release(prep);
	if (cidfd >= 0 && !cid_written)
		(void)unlink(o->cidfile);
	/* Without --rm the container stays (also one that failed to start), as
	 * in docker; with it, one that did not get as far as finishing goes. */
	if (rec != NULL && o->rm && !st.removed && (rc != 0 || foreground) &&
	    cc_container_remove(s, rec, true, 0, &e) < 0) {
		cmd_warnf("remove container %.12s: %s", rec->id, e->msg);
		cc_error_clear(&e);
	}
	cc_network_teardown(&net);
	json_decref(labels);
	json_decref(hc);
	cc_container_spec_release(&spec);
	cc_container_record_free(rec);
	cc_run_config_free(ic);
	cc_store_close(s);
	return rc;
}

static const struct cmd_opt run_options[] = {
	OPT_LIST(0, "add-host", struct run_opts, net.add_host, "list", "Add a custom host-to-IP mapping (host:ip; ip host-gateway: the bridge)"),
	OPT_LIST(0, "cap-add", struct run_opts, cap_add, "list", "Add Linux capabilities"),
	OPT_LIST(0, "cap-drop", struct run_opts, cap_drop, "list", "Drop Linux capabilities"),
	OPT_INT('c', "cpu-shares", struct run_opts, cpu_shares, "int", "CPU shares (relative weight)"),
	OPT_STRING(0, "cidfile", struct run_opts, cidfile, "string", "Write the container ID to the file",
		   .complete = CMD_COMPLETE_FILE),
	OPT_STRING(0, "cpus", struct run_opts, cpus, "decimal", "Number of CPUs"),
	OPT_BOOL('d', "detach", struct run_opts, detach, "Run container in background and print container ID"),
	OPT_LIST(0, "dns", struct run_opts, net.dns, "list", "Set custom DNS servers"),
	OPT_STRING(0, "entrypoint", struct run_opts, entrypoint, "string", "Overwrite the default ENTRYPOINT of the image"),
	OPT_LIST('e', "env", struct run_opts, env, "list", "Set environment variables"),
	OPT_LIST(0, "env-file", struct run_opts, env_files, "list", "Read in a file of environment variables", .complete = CMD_COMPLETE_FILE),
	OPT_STRING(0, "health-cmd", struct run_opts, health_cmd, "string", "Command to run to check health"),
	OPT_DURATION(0, "health-interval", struct run_opts, health_interval, "duration",
		     "Time between running the check (ms|s|m|h) (default 30s)"),
	OPT_INT(0, "health-retries", struct run_opts, health_retries, "int",
		"Consecutive failures needed to report unhealthy"),
	OPT_DURATION(0, "health-start-interval", struct run_opts, health_start_interval, "duration",
		     "Time between running the check during the start period (ms|s|m|h) (default 5s)"),
	OPT_DURATION(0, "health-start-period", struct run_opts, health_start_period, "duration",
		     "Start period for the container to initialize before starting health-retries countdown (ms|s|m|h) (default 0s)"),
	OPT_DURATION(0, "health-timeout", struct run_opts, health_timeout, "duration",
		     "Maximum time to allow one check to run (ms|s|m|h) (default 30s)"),
	OPT_STRING('h', "hostname", struct run_opts, hostname, "string", "Container host name"),
	OPT_BOOL(0, "init", struct run_opts, init, "Run an init inside the container that forwards signals and reaps processes"),
	OPT_BOOL('i', "interactive", struct run_opts, interactive, "Keep STDIN open even if not attached"),
	OPT_MAP('l', "label", struct run_opts, labels, "list", "Set meta data on a container"),
	OPT_LIST(0, "label-file", struct run_opts, label_files, "list", "Read in a line delimited file of labels",
		 .complete = CMD_COMPLETE_FILE),
	OPT_STRING(0, "log-driver", struct run_opts, log_driver, "string", "Logging driver for the container (json-file, k8s-file, none)",
		   .complete = CMD_COMPLETE_WORDS, .words = "json-file k8s-file none"),
	OPT_LIST(0, "log-opt", struct run_opts, log_opts, "list", "Log driver options (max-size=10m, max-file=3)"),
	OPT_BYTES('m', "memory", struct run_opts, memory, "bytes", "Memory limit"),
	OPT_BYTES(0, "memory-swap", struct run_opts, memory_swap, "bytes",
		  "Swap limit equal to memory plus swap: '-1' to enable unlimited swap", .flags = CMD_OPT_MINUS_ONE),
	OPT_STRING(0, "name", struct run_opts, name, "string", "Assign a name to the container"),
	OPT_STRING(0, "network", struct run_opts, network, "network", "Connect a container to a network (bridge, host, none)",
		   .def = "bridge", .complete = CMD_COMPLETE_WORDS, .words = "bridge host none"),
	OPT_STRING(0, "net", struct run_opts, network, "network", "Same as --network", .flags = CMD_OPT_HIDDEN),
	OPT_BOOL(0, "no-healthcheck", struct run_opts, no_healthcheck, "Disable any container-specified HEALTHCHECK"),
	OPT_INT(0, "pids-limit", struct run_opts, pids_limit, "int", "Tune container pids limit (set -1 for unlimited)"),
	OPT_BOOL(0, "privileged", struct run_opts, privileged, "Give extended privileges to this container"),
	OPT_LIST('p', "publish", struct run_opts, net.publish, "list", "Publish a container's port(s) to the host"),
	OPT_BOOL('P', "publish-all", struct run_opts, net.publish_all, "Publish all exposed ports to random ports"),
	OPT_BOOL(0, "read-only", struct run_opts, read_only, "Mount the container's root filesystem as read only"),
	OPT_STRING(0, "restart", struct run_opts, restart, "string",
		   "Restart policy to apply when a container exits (no, on-failure[:max-retries], always, unless-stopped)",
		   .complete = CMD_COMPLETE_WORDS, .words = "no on-failure always unless-stopped"),
	OPT_BOOL(0, "rm", struct run_opts, rm, "Automatically remove the container when it exits"),
	OPT_LIST(0, "security-opt", struct run_opts, security_opts, "list", "Security Options"),
	OPT_STRING(0, "stop-signal", struct run_opts, stop_signal, "string", "Signal to stop the container (default: the image's, else SIGTERM)"),
	OPT_INT(0, "stop-timeout", struct run_opts, stop_timeout, "int",
		"Timeout (in seconds) to stop a container (default 10; -1: no limit)", .flags = CMD_OPT_UNSET),
	OPT_LIST(0, "tmpfs", struct run_opts, tmpfs_specs, "list", "Mount a tmpfs directory"),
	OPT_BOOL('t', "tty", struct run_opts, tty, "Allocate a pseudo-TTY"),
	OPT_LIST(0, "ulimit", struct run_opts, ulimit_specs, "ulimit", "Ulimit options"),
	OPT_STRING('u', "user", struct run_opts, user, "string", "Username or UID (format: <name|uid>[:<group|gid>])"),
	OPT_LIST('v', "volume", struct run_opts, volumes, "list", "Bind mount a volume"),
	OPT_STRING('w', "workdir", struct run_opts, workdir, "string", "Working directory inside the container"),
	OPT_END,
};

static int run_action(void *opts, int argc, char **argv)
{
	(void)argc;
	struct run_opts *o = opts;
	int rc = run_opts_check(o);
	if (rc == 0)
		rc = run_main(o, argv);
	run_opts_release(o);
	return rc;
}

/* docker create: run's flags, the container made and left "created" for
 * `start` (which starts it as run -d would). */
static int create_action(void *opts, int argc, char **argv)
{
	struct run_opts *o = opts;
	o->create = true;
	return run_action(opts, argc, argv);
}

/* A container an older ccontainer created keeps its run arguments
 * ("Args") instead of a spec: they are parsed with run's table once more,
 * resolved against its image as run resolves them, and the spec made from
 * them replaces them in the row. */
static int upgrade_spec(struct cc_store *s, const struct cc_container_record *c, json_t *cfg, bool store,
			struct cc_container_spec *ret, cc_error **err)
{
	const json_t *args = json_object_get(cfg, "Args");
	size_t n = json_array_size(args);
	if (n == 0)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "it has neither a spec nor its run arguments");
	_cleanup_strv_ char **argv = calloc(n + 2, sizeof(char *));
	if (argv == NULL || (argv[0] = strdup("run")) == NULL)
		return cc_error_set(err, ENOMEM, "read its stored run arguments");
	for (size_t i = 0; i < n; i++)
		if ((argv[i + 1] = cc_json_bytes_value(json_array_get(args, i))) == NULL)
			return cc_error_setk(err, CC_ERR_INVALID, 0, "its stored run arguments are damaged");
	struct run_opts o = { 0 };
	_cleanup_free_ char **pos = NULL;
	int npos = 0, rc;
	struct cc_run_config *ic = NULL;
	/* What run's parsing prints goes nowhere: the one line said is the
	 * error returned (the last printed, cmd_last_error). */
	fflush(stderr);
	int saved = dup(STDERR_FILENO), null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (saved >= 0 && null >= 0)
		dup2(null, STDERR_FILENO);
	rc = cmd_parse(&cmd_run_verb, "ccontainer run", (int)n + 1, argv, &o, &pos, &npos);
	if (rc == 0 && npos < 1)
		rc = cmd_failf(EXIT_CC_ERROR, "they name no image");
	if (rc == 0)
		rc = run_opts_check(&o);
	if (rc == 0 && cc_image_run_config(s, c->image_id, &ic, err) < 0)
		rc = -1;
	if (rc == 0)
		rc = build_spec(&o, pos, ic, c->id, ret);
	fflush(stderr);
	if (saved >= 0 && null >= 0)
		dup2(saved, STDERR_FILENO);
	if (saved >= 0)
		close(saved);
	if (null >= 0)
		close(null);
	if (rc > 0 && cmd_last_error() != NULL)
		cc_error_setk(err, CC_ERR_INVALID, 0, "its stored run arguments cannot be used: %s", cmd_last_error()->msg);
	/* the hostname it was given then (a generated one is the ID's) */
	const char *hn = json_string_value(json_object_get(cfg, "Hostname"));
	if (rc == 0 && hn != NULL && ret->hostname != NULL && strcmp(hn, ret->hostname) != 0) {
		free(ret->hostname);
		if ((ret->hostname = strdup(hn)) == NULL)
			rc = -1;
	}
	json_t *sj = rc == 0 && store ? cc_container_spec_to_json(ret) : NULL;
	_cleanup_free_ char *text = NULL;
	if (sj != NULL) {
		json_object_set_new(cfg, "Spec", sj);
		json_object_del(cfg, "Args");
		text = json_dumps(cfg, JSON_COMPACT);
	}
	if (rc == 0 && store && (text == NULL || cc_store_container_set_config(s, c->id, text, err) < 0))
		rc = -1;
	cc_run_config_free(ic);
	run_opts_release(&o);
	cmd_opts_release(&cmd_run_verb, &o);
	if (rc != 0) {
		cc_container_spec_release(ret);
		if (err != NULL && *err == NULL)
			cc_error_setk(err, CC_ERR_INVALID, 0, "its stored run arguments cannot be used");
		return -1;
	}
	return 0;
}

int cmd_container_spec(struct cc_store *s, const struct cc_container_record *c, bool store,
		       struct cc_container_spec *ret, cc_error **err)
{
	json_t *cfg = cc_container_config(c);
	const json_t *sj = json_object_get(cfg, "Spec");
	int rc = sj != NULL ? cc_container_spec_from_json(sj, ret, err) : upgrade_spec(s, c, cfg, store, ret, err);
	json_decref(cfg);
	if (rc < 0 && err != NULL && *err != NULL)
		cc_error_prefix(err, "container %.12s", c->id);
	return rc;
}

int cmd_run_update(struct cc_store *s, const struct cc_container_record *c, const struct cmd_run_update *u,
		   struct cc_resources *ret_res, char **ret_config)
{
	*ret_config = NULL;
	struct cc_container_spec spec = { 0 };
	struct run_opts o = { 0 };
	cc_error *e = NULL;
	int rc = 0;
	if (cmd_container_spec(s, c, true, &spec, &e) < 0)
		return cmd_fail(e, EXIT_CC_ERROR);
	*ret_res = (struct cc_resources){ 0 }; /* only what changed goes to the cgroup */
	if (u->memory != CMD_INT_UNSET)
		spec.res.memory = ret_res->memory = u->memory;
	if (u->memory_swap != CMD_INT_UNSET)
		spec.res.memory_swap = ret_res->memory_swap = u->memory_swap;
	if (u->cpu_shares != CMD_INT_UNSET)
		spec.res.cpu_shares = ret_res->cpu_shares = u->cpu_shares;
	if (u->pids_limit != CMD_INT_UNSET)
		spec.res.pids_limit = ret_res->pids_limit = u->pids_limit < 0 ? -1 : u->pids_limit;
	if (u->cpus != NULL && (rc = parse_cpus(&o, u->cpus)) == 0) {
		spec.res.cpu_quota = ret_res->cpu_quota = o.res.cpu_quota;
		spec.res.cpu_period = ret_res->cpu_period = o.res.cpu_period;
		spec.nano_cpus = (int64_t)llround(strtod(u->cpus, NULL) * 1e9);
	}
	struct cc_restart_policy policy;
	if (rc == 0 && u->restart != NULL) {
		if (cc_restart_policy_parse(u->restart, &policy, &e) < 0)
			rc = cmd_fail(e, EXIT_CC_ERROR);
		else if (spec.autoremove && policy.kind != CC_RESTART_NO)
			rc = cmd_failf(EXIT_CC_ERROR, "Conflicting options: --restart and --rm");
	}
	json_t *cfg = rc == 0 ? cc_container_config(c) : NULL;
	json_t *sj = rc == 0 ? cc_container_spec_to_json(&spec) : NULL;
	if (rc == 0 && (cfg == NULL || sj == NULL))
		rc = cmd_failf(EXIT_CC_ERROR, "out of memory");
	if (rc == 0) {
		json_object_set(cfg, "Spec", sj);
		json_object_del(cfg, "Args"); /* an older container's, upgraded above */
		if (u->restart != NULL) /* what monitors read */
			json_object_set_new(cfg, "RestartPolicy", cc_restart_policy_json(&policy));
		if ((*ret_config = json_dumps(cfg, JSON_COMPACT)) == NULL)
			rc = cmd_failf(EXIT_CC_ERROR, "out of memory");
	}
	json_decref(sj);
	json_decref(cfg);
	cc_container_spec_release(&spec);
	return rc;
}

const struct cmd_verb cmd_run_verb = {
	.name = "run",
	.usage = "[OPTIONS] IMAGE [COMMAND] [ARG...]",
	.summary = "Create and run a new container from an image",
	.description = "PID 1 ignores signals it has no handler for: use --init to make Ctrl-C and\n"
		       "`ccontainer stop` work for programs that do not handle SIGINT/SIGTERM.",
	.opts = run_options,
	.opts_size = sizeof(struct run_opts),
	.flags = CMD_VERB_STOP_AT_ARG | CMD_VERB_RUNLIKE,
	.min_args = 1,
	.max_args = -1,
	.complete_args = CMD_COMPLETE_IMAGE,
	.action = run_action,
};

const struct cmd_verb cmd_create_verb = {
	.name = "create",
	.usage = "[OPTIONS] IMAGE [COMMAND] [ARG...]",
	.summary = "Create a new container",
	.description = "`start` starts it as `run -d` would.",
	.opts = run_options,
	.opts_size = sizeof(struct run_opts),
	.without = (const char *const[]){ "detach", NULL },
	.flags = CMD_VERB_STOP_AT_ARG | CMD_VERB_RUNLIKE,
	.min_args = 1,
	.max_args = -1,
	.complete_args = CMD_COMPLETE_IMAGE,
	.action = create_action,
};
