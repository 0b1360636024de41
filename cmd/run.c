/* ccontainer run: resolve (or pull) the image, describe the container to the
 * runtime, run it in the foreground, and record it. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "container/container.h"
#include "net.h"
#include "runtime/runtime.h"
#include "util/env.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "container/crilog.h"

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
	struct cmd_net_opts net; /* -p, -P, --dns, --add-host */
	/* what run_opts_check makes of them */
	enum cc_net_mode net_mode;
	struct cc_bind_mount *binds; /* each source a copy of its -v (target, mode inside) */
	size_t n_binds;
	struct cc_tmpfs_mount *tmpfs; /* each target a copy of its --tmpfs */
	size_t n_tmpfs;
	bool no_new_privs;
	const char *seccomp;
	struct cc_rlimit *ulimits;
	size_t n_ulimits;
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
	free(o->ulimits);
	o->binds = NULL;
	o->tmpfs = NULL;
	o->ulimits = NULL;
	o->n_binds = o->n_tmpfs = o->n_ulimits = 0;
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

static int add_ulimit(struct run_opts *o, const char *arg)
{
	cc_error *e = NULL;
	struct cc_rlimit r;
	if (cc_runtime_parse_ulimit(arg, &r, &e) < 0)
		return cmd_fail(e, EXIT_CC_ERROR);
	/* a later --ulimit for the same name wins, as in docker */
	for (size_t i = 0; i < o->n_ulimits; i++) {
		if (o->ulimits[i].resource == r.resource) {
			o->ulimits[i] = r;
			return 0;
		}
	}
	o->ulimits[o->n_ulimits++] = r;
	return 0;
}

/* What the table cannot say about the values: each -v, --tmpfs,
 * --security-opt, --ulimit, --log-opt parsed, --cpus, --network and -w
 * checked, the resources gathered.  0, or the status after the error. */
static int run_opts_check(struct run_opts *o)
{
	int rc = 0;
	o->binds = calloc(o->volumes.n + 1, sizeof(*o->binds));
	o->tmpfs = calloc(o->tmpfs_specs.n + 1, sizeof(*o->tmpfs));
	o->ulimits = calloc(o->ulimit_specs.n + 1, sizeof(*o->ulimits));
	if (o->binds == NULL || o->tmpfs == NULL || o->ulimits == NULL)
		return cmd_failf(EXIT_CC_ERROR, "out of memory");
	if (o->stop_signal != NULL && cmd_parse_signal(o->stop_signal) < 0)
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
		rc = add_ulimit(o, o->ulimit_specs.v[i]);
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

static int write_text(const char *dir, const char *name, const char *text, cc_error **err)
{
	_cleanup_free_ char *p = NULL;
	if (asprintf(&p, "%s/%s", dir, name) < 0)
		return cc_error_set(err, ENOMEM, "write '%s'", name);
	/* The container's own files die with it: no fsync on the start path. */
	return cc_write_file(p, text, strlen(text), 0644, err);
}

struct hook_ctx {
	struct cc_store *store;
	const struct cc_container_record *rec; /* for the start event */
	bool started;                           /* the row says "running" */
	struct cc_crilog *log;                  /* a foreground run's log, or NULL */
	int64_t started_at;
	const char *id;
	struct cmd_net *net;
	const char *hosts_file, *hostname, *name;
};

static int record_started(pid_t pid, void *data, cc_error **err)
{
	struct hook_ctx *h = data;
	if (cc_store_container_started(h->store, h->id, (int)pid, cc_pid_start_time((int)pid), err) < 0)
		return -1;
	h->started = true;
	h->started_at = time(NULL);
	return 0;
}

/* A foreground run is logged as a detached one is (docker's json-file
 * logs it too): what reaches the terminal goes to ctr.log as well. */
static void on_output(void *data, int fd, const char *buf, size_t n)
{
	struct hook_ctx *h = data;
	cc_crilog_write(h->log, fd, buf, n);
}

/* docker's start event: once the command runs (not for one not found) */
static void on_exec(pid_t pid, void *data)
{
	struct hook_ctx *h = data;
	(void)pid;
	cmd_container_event(h->store, h->rec, "start", NULL);
}

/* While the container sets itself up: record its pid unless on_created
 * did, and keep the store's WAL short for the next command. */
static int after_created(pid_t pid, void *data, cc_error **err)
{
	struct hook_ctx *h = data;
	if (h->net->mode != CC_NET_BRIDGE && record_started(pid, data, err) < 0)
		return -1;
	cc_store_checkpoint(h->store);
	return 0;
}

/* Bridge networking: the veth goes in before the container runs anything. */
static int on_created(pid_t pid, void *data, cc_error **err)
{
	struct hook_ctx *h = data;
	/* "running" first: the network's lease must never exist for a row
	 * that a concurrent sweep would take for a dead container (net.h) */
	if (record_started(pid, data, err) < 0)
		return -1;
	return cmd_net_on_created(h->net, h->store, h->id, pid, h->hosts_file, h->hostname, h->name, err);
}

static char *join_argv(char *const *argv)
{
	struct cc_strbuf sb = { 0 };
	cc_strbuf_add(&sb, "", 0);
	for (char *const *a = argv; *a; a++)
		cc_strbuf_addf(&sb, "%s%s", a == argv ? "" : " ", *a);
	return cc_strbuf_steal(&sb);
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

static void remove_container(struct cc_store *s, const struct cc_container_record *c)
{
	cc_error *e = NULL;
	if (cc_store_container_remove(s, c->id, NULL, &e) < 0)
		cmd_warnf("remove container %.12s: %s", c->id, e ? e->msg : "");
	else
		cmd_container_event(s, c, "destroy", NULL);
	cc_error_free(e);
}


/* run, and the two halves of a detached start:
 *   existing_id == NULL: `ccontainer run ...` as the user typed it (with -d,
 *     it creates the container and hands it to a monitor);
 *   existing_id != NULL: `ccontainer __start ID` spawned by the monitor,
 *     re-reading the container's own run arguments, starting it detached
 *     and reporting "OK <pid>" (or "ERR <message>") on monitor_fd. */
static int run_main(const struct run_opts *op, char **pos, const char *existing_id, int monitor_fd)
{
	struct run_opts o = *op; /* a copy to read; the caller releases */
	enum cc_net_mode net = o.net_mode;
	const char *image = pos[0];
	char **user_args = pos + 1;
	int rc = 0;

	/* The identity first: the kernel's work for the container's own
	 * namespaces and cgroup overlaps ours on the store and the image
	 * below.  A detached start by `run -d` clones nothing itself (its
	 * __start does). */
	cc_error *e = NULL;
	char idbuf[65];
	if (existing_id) {
		snprintf(idbuf, sizeof(idbuf), "%s", existing_id);
	} else if (cc_random_hex(idbuf, 32, &e) < 0) {
		return cmd_fail(e, EXIT_CC_ERROR);
	}
	struct cc_runtime_prep_request prep_req = {
		.own_net = net != CC_NET_HOST, .container_id = idbuf, .resources = o.res, .privileged = o.privileged,
	};
	struct cc_runtime_prep *prep = (o.detach || o.create) && !existing_id ? NULL : cc_runtime_prepare(&prep_req);
	/* --cidfile: made before anything else (docker's refusal of one that
	 * exists), filled once the container is, removed when it is not */
	_cleanup_close_ int cidfd = -1;
	bool cid_written = false;
	if (o.cidfile != NULL && !existing_id &&
	    (cidfd = open(o.cidfile, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0) {
		cc_runtime_prep_release(prep);
		if (errno == EEXIST)
			return cmd_failf(EXIT_CC_ERROR,
					 "Container ID file found, make sure the other container isn't running or delete %s",
					 o.cidfile);
		return cmd_failf(EXIT_CC_ERROR, "create the container ID file '%s': %s", o.cidfile, strerror(errno));
	}

	struct cc_store *s = cmd_open_store();
	if (s == NULL) {
		cc_runtime_prep_release(prep);
		if (cidfd >= 0)
			(void)unlink(o.cidfile);
		return EXIT_CC_ERROR;
	}
	_cleanup_free_ char *image_id = NULL, *id = NULL, *dir = NULL, *cmdline = NULL, *resolv = NULL;
	_cleanup_free_ char *cfgtext = NULL, *hostname_file = NULL, *hosts_file = NULL, *resolv_file = NULL;
	_cleanup_free_ char *rundir = NULL;
	_cleanup_free_ char *seccomp_cache = NULL;
	struct cc_run_config *ic = NULL;
	struct cc_env env = { 0 }, labels = { 0 };
	_cleanup_strv_ char **canon = NULL;
	char **args = NULL;
	char name_buf[CC_CONTAINER_NAME_MAX + 1], hostname[65];
	char *upper = NULL, *work = NULL;
	_cleanup_free_ const char **lowers = NULL;
	bool row_added = false, oom_killed = false;
	int status = 0;
	json_t *cfgjson = NULL;
	struct cc_container_record *existing = NULL;
	struct cmd_net netw = { .mode = CC_NET_NONE }; /* released at out: */
	_cleanup_free_ char *hosts = NULL;
	_cleanup_close_ int run_lock = -1, logdir = -1;
	_cleanup_free_ char *lockpath = NULL;

	if (existing_id) {
		/* __start: the container exists; its image is the one it was created from. */
		if (cc_store_container_get(s, existing_id, &existing, &e) < 0) {
			rc = cmd_fail(e, EXIT_CC_ERROR);
			goto out;
		}
		image_id = strdup(existing->image_id);
	} else if ((rc = find_or_pull(s, image, &image_id)) != 0) {
		goto out;
	}
	if (cc_image_run_config(s, image_id, &ic, &e) < 0) {
		rc = cmd_fail(e, EXIT_CC_ERROR);
		goto out;
	}
	/* argv: entrypoint + (user args | image Cmd); --entrypoint drops the image's Cmd. */
	size_t n_ep = 0, n_cmd = 0;
	char *ep_override[2] = { (char *)o.entrypoint, NULL };
	char **ep = o.entrypoint ? (*o.entrypoint ? ep_override : NULL) : ic->entrypoint;
	char **cmdv = *user_args ? user_args : (o.entrypoint ? NULL : ic->cmd);
	while (ep && ep[n_ep])
		n_ep++;
	while (cmdv && cmdv[n_cmd])
		n_cmd++;
	if (n_ep + n_cmd == 0) {
		rc = cmd_failf(EXIT_CC_ERROR, "no command specified: the image has no Cmd or Entrypoint, give one after the image name");
		goto out;
	}
	args = calloc(n_ep + n_cmd + 1, sizeof(char *));
	if (args == NULL) {
		rc = cmd_failf(EXIT_CC_ERROR, "out of memory");
		goto out;
	}
	if (n_ep > 0) /* memcpy from NULL is undefined even for 0 bytes */
		memcpy(args, ep, n_ep * sizeof(char *));
	if (n_cmd > 0)
		memcpy(args + n_ep, cmdv, n_cmd * sizeof(char *));
	cmdline = join_argv(args);

	/* Identity (made above; __start's as the store has it) */
	if (existing)
		snprintf(idbuf, sizeof(idbuf), "%s", existing->id);
	id = strdup(idbuf);
	if (existing) {
		snprintf(name_buf, sizeof(name_buf), "%s", existing->name);
	} else if (o.name) {
		if (!cc_container_name_valid(o.name)) {
			rc = cmd_failf(EXIT_CC_ERROR, "invalid container name '%s': only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", o.name);
			goto out;
		}
		snprintf(name_buf, sizeof(name_buf), "%s", o.name);
	} else {
		generate_name(id, name_buf, sizeof(name_buf));
	}
	snprintf(hostname, sizeof(hostname), "%.64s", o.hostname ? o.hostname : id);
	if (!o.hostname)
		hostname[12] = '\0';

	/* Environment: image Env, PATH default, HOSTNAME, --env-file, -e. */
	for (char **v = ic->env; v && *v; v++)
		if (cc_env_set(&env, *v, &e) < 0)
			goto env_failed;
	/* docker's defaults, which the image's Env overrides: PATH, HOSTNAME,
	 * and TERM=xterm with -t. */
	char hn_env[80];
	snprintf(hn_env, sizeof(hn_env), "HOSTNAME=%s", hostname);
	if (cc_env_set_default(&env, DEFAULT_PATH, &e) < 0 || cc_env_set_default(&env, hn_env, &e) < 0 ||
	    (o.tty && cc_env_set_default(&env, "TERM=xterm", &e) < 0))
		goto env_failed;
	for (size_t i = 0; i < o.env_files.n; i++)
		if (cc_env_file(&env, o.env_files.v[i], &e) < 0)
			goto env_failed;
	for (size_t i = 0; i < o.env.n; i++)
		if (cc_env_set(&env, o.env.v[i], &e) < 0)
			goto env_failed;
	/* Labels: the image's, then --label-file, then --label */
	for (char **v = ic->labels; v && *v; v++)
		if (cc_env_set_label(&labels, *v, &e) < 0)
			goto env_failed;
	for (size_t i = 0; i < o.label_files.n; i++)
		if (cc_env_label_file(&labels, o.label_files.v[i], &e) < 0)
			goto env_failed;
	for (size_t i = 0; i < o.labels.n; i++)
		if (cc_env_set_label(&labels, o.labels.v[i], &e) < 0)
			goto env_failed;
	if (cc_env_finish(&env, &e) < 0 || cc_env_finish(&labels, &e) < 0) {
env_failed:
		rc = cmd_fail(e, EXIT_CC_ERROR);
		goto out;
	}

	/* The container's directory and its own files. */
	dir = cc_store_container_path(s, id);
	if (dir == NULL || asprintf(&upper, "%s/upper", dir) < 0 || asprintf(&work, "%s/work", dir) < 0) {
		rc = cmd_failf(EXIT_CC_ERROR, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < o.n_binds; i++) {
		struct stat st;
		if (stat(o.binds[i].source, &st) < 0 && (errno != ENOENT || cc_mkdir_p(o.binds[i].source, 0755, &e) < 0)) {
			if (e == NULL)
				cc_error_set(&e, errno, "bind source '%s'", o.binds[i].source);
			rc = cmd_fail(e, EXIT_CC_ERROR);
			goto out;
		}
	}
	/* Network options, and the host ports reserved: before the row, so a
	 * port in use fails with nothing to clean up. */
	if ((rc = cmd_net_prepare(&netw, s, &o.net, net, ic->exposed_ports, existing ? existing->config_json : NULL)))
		goto out;
	/* Args: the run options in the table's canonical form (cmd_unparse),
	 * then "--", the image and the command as given: what `start` parses
	 * again with the same table. */
	/* ... with the environment and labels as resolved now (docker fixes
	 * them at create): a start reads no env or label file again */
	struct run_opts stored = *op;
	stored.env = (struct cmd_strv){ .v = (const char **)env.v, .n = env.n };
	stored.labels = (struct cmd_strv){ .v = (const char **)labels.v, .n = labels.n };
	stored.env_files = stored.label_files = (struct cmd_strv){ 0 };
	canon = cmd_unparse(&cmd_run_verb, &stored);
	if (canon == NULL) {
		rc = cmd_failf(EXIT_CC_ERROR, "out of memory");
		goto out;
	}
	/* Everything from the command line and the image is bytes: cc_json_text
	 * (invalid UTF-8 as U+FFFD, as docker's API has it), never json_string,
	 * which refuses such bytes with a NULL that loses them silently. */
	cfgjson = json_pack("{s:o, s:o, s:o, s:s, s:o, s:b, s:b, s:b}", "Cmd", json_array(), "Env", json_array(),
			    "Hostname", cc_json_text(hostname), "Network", o.network, "Args", json_array(), "Tty", o.tty,
			    "OpenStdin", o.interactive, "AutoRemove", o.rm);
	for (char **a = canon; cfgjson && *a; a++)
		json_array_append_new(json_object_get(cfgjson, "Args"), cc_json_bytes(*a)); /* start runs them again */
	if (cfgjson)
		json_array_append_new(json_object_get(cfgjson, "Args"), json_string("--"));
	for (char **a = pos; cfgjson && *a; a++)
		json_array_append_new(json_object_get(cfgjson, "Args"), cc_json_bytes(*a));
	/* what exec needs to run more processes "like the container's":
	 * the same user and cwd by default, always the same privileges */
	if (cfgjson) {
		json_t *ca = json_array(), *cd = json_array();
		for (size_t i = 0; i < o.cap_add.n; i++)
			json_array_append_new(ca, cc_json_text(o.cap_add.v[i]));
		for (size_t i = 0; i < o.cap_drop.n; i++)
			json_array_append_new(cd, cc_json_text(o.cap_drop.v[i]));
		json_object_set_new(cfgjson, "CapAdd", ca);
		json_object_set_new(cfgjson, "CapDrop", cd);
		json_object_set_new(cfgjson, "Privileged", json_boolean(o.privileged));
		json_object_set_new(cfgjson, "NoNewPrivileges", json_boolean(o.no_new_privs));
		if (o.seccomp)
			json_object_set_new(cfgjson, "SeccompProfile", cc_json_text(o.seccomp));
		/* for inspect, in docker's shape */
		json_t *mounts = json_array();
		for (size_t i = 0; i < o.n_binds; i++)
			json_array_append_new(mounts, json_pack("{s:s, s:o, s:o, s:b}", "Type", "bind", "Source",
								cc_json_text(o.binds[i].source), "Destination",
								cc_json_text(o.binds[i].target),
								"RW", !o.binds[i].readonly));
		for (size_t i = 0; i < o.n_tmpfs; i++)
			json_array_append_new(mounts, json_pack("{s:s, s:s, s:o, s:b}", "Type", "tmpfs", "Source", "tmpfs",
								"Destination", cc_json_text(o.tmpfs[i].target), "RW", true));
		json_object_set_new(cfgjson, "Mounts", mounts);
		/* docker's shape; the monitor rotates the log by it */
		json_t *lopts = json_object();
		if (o.log_max_size)
			json_object_set_new(lopts, "max-size", json_string(o.log_max_size));
		if (o.log_max_file)
			json_object_set_new(lopts, "max-file", json_string(o.log_max_file));
		json_object_set_new(cfgjson, "LogConfig",
				    json_pack("{s:s, s:o}", "Type", o.log_driver ? o.log_driver : "json-file", "Config", lopts));
		/* what the monitor acts on: the restart policy, the healthcheck */
		json_object_set_new(cfgjson, "RestartPolicy", cc_restart_policy_json(&o.restart_policy));
		json_t *hc = NULL;
		if (!existing && (rc = run_healthcheck(s, image_id, &o, &hc)) != 0)
			goto out;
		if (hc != NULL)
			json_object_set_new(cfgjson, "Healthcheck", hc);
	}
	const char *eff_user = o.user ? o.user : ic->user, *eff_cwd = o.workdir ? o.workdir : ic->workdir;
	if (cfgjson && eff_user)
		json_object_set_new(cfgjson, "User", cc_json_text(eff_user));
	if (cfgjson && eff_cwd)
		json_object_set_new(cfgjson, "WorkingDir", cc_json_text(eff_cwd));
	for (char **a = args; cfgjson && *a; a++)
		json_array_append_new(json_object_get(cfgjson, "Cmd"), cc_json_text(*a));
	for (size_t i = 0; cfgjson && i < env.n; i++)
		json_array_append_new(json_object_get(cfgjson, "Env"), cc_json_text(env.v[i]));
	/* in key order, as docker's maps marshal */
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
	if (cfgjson)
		json_object_set_new(cfgjson, "Labels", lj);
	else
		json_decref(lj);
	if (cfgjson && o.stop_signal)
		json_object_set_new(cfgjson, "StopSignal", cc_json_text(o.stop_signal));
	if (cfgjson && o.stop_timeout != CMD_INT_UNSET)
		json_object_set_new(cfgjson, "StopTimeout", json_integer(o.stop_timeout));
	cmd_net_config_json(&netw, cfgjson);
	cfgtext = cfgjson ? json_dumps(cfgjson, JSON_COMPACT) : NULL;
	struct cc_container_record rec = { .id = id, .name = name_buf, .image_id = image_id, .image_name = (char *)image,
					   .command = cmdline, .config_json = cfgtext, .state = (char *)"created",
					   .created = time(NULL) };
	if (!existing && cc_store_container_add(s, &rec, &e) < 0) {
		rc = cmd_fail(e, EXIT_CC_ERROR);
		goto out;
	}
	if (!existing)
		cmd_container_event(s, &rec, "create", NULL);
	row_added = !existing;
	if (cidfd >= 0) {
		if (cc_write_all(cidfd, id, strlen(id)) < 0) {
			rc = cmd_failf(EXIT_CC_ERROR, "write the container ID file '%s': %s", o.cidfile, strerror(errno));
			goto out;
		}
		cid_written = true;
	}
	char hostname_nl[80];
	snprintf(hostname_nl, sizeof(hostname_nl), "%s\n", hostname);
	/* with bridge networking, on_created writes hosts again with the address */
	hosts = cmd_net_hosts(&netw, hostname, name_buf);
	resolv = cc_net_container_resolv(net == CC_NET_HOST, o.net.dns.v, o.net.dns.n);
	if (hosts == NULL || resolv == NULL) {
		rc = cmd_failf(EXIT_CC_ERROR, "out of memory");
		goto out;
	}
	/* No directory of its own for the root: the overlay is mounted on
	 * the container's directory, in the container's mount namespace.
	 * The files mounted on /etc are run-time state: the runroot's. */
	rundir = cmd_container_rundir(id);
	if (rundir == NULL || asprintf(&hostname_file, "%s/hostname", rundir) < 0 ||
	    asprintf(&hosts_file, "%s/hosts", rundir) < 0 || asprintf(&resolv_file, "%s/resolv.conf", rundir) < 0) {
		rc = cmd_failf(EXIT_CC_ERROR, "out of memory");
		goto out;
	}
	if (cc_mkdir_p(upper, 0755, &e) < 0 || cc_mkdir_p(work, 0700, &e) < 0 || cc_mkdir_p(rundir, 0700, &e) < 0 ||
	    write_text(rundir, "hostname", hostname_nl, &e) < 0 || write_text(rundir, "hosts", hosts, &e) < 0 ||
	    write_text(rundir, "resolv.conf", resolv, &e) < 0) {
		rc = cmd_fail(e, EXIT_CC_ERROR);
		goto out;
	}
	/* The mount targets, shared by every container of the store, go on
	 * top of the image's layers. */
	if (cc_runtime_lowers(cc_store_root(s), (const char *const *)ic->layer_dirs, ic->n_layers, &lowers, &e) < 0) {
		rc = cmd_fail(e, EXIT_CC_ERROR);
		goto out;
	}
	/* compiled seccomp programs are cached in the store: compiling the
	 * default profile costs more than the rest of the start */
	if (asprintf(&seccomp_cache, "%s/cache/seccomp", cc_store_root(s)) < 0)
		seccomp_cache = NULL;
	struct hook_ctx hook = { .store = s, .rec = existing ? existing : &rec, .id = id, .net = &netw,
				 .hosts_file = hosts_file, .hostname = hostname, .name = name_buf };
	struct cc_run_spec spec = {
		.lower_dirs = lowers,
		.n_lower = ic->n_layers + 1,
		.upper_dir = upper,
		.work_dir = work,
		.rootfs_dir = dir,
		.read_only = o.read_only,
		.volatile_upper = o.rm && !existing,
		.argv = args,
		.env = env.v,
		.cwd = o.workdir ? o.workdir : ic->workdir,
		.user = o.user ? o.user : ic->user,
		.hostname = hostname,
		.hostname_file = hostname_file,
		.hosts_file = hosts_file, /* with --network host a copy of the host's (docker) */
		.resolv_file = resolv_file,
		.binds = o.binds,
		.n_binds = o.n_binds,
		.tmpfs = o.tmpfs,
		.n_tmpfs = o.n_tmpfs,
		.net = net,
		.tty = o.tty,
		.interactive = o.interactive,
		.init = o.init,
		.privileged = o.privileged,
		.cap_add = o.cap_add.v,
		.cap_drop = o.cap_drop.v,
		.seccomp_profile = o.seccomp,
		.seccomp_cache_dir = seccomp_cache,
		.no_new_privileges = o.no_new_privs,
		.rlimits = o.ulimits,
		.n_rlimits = o.n_ulimits,
		.container_id = id,
		.resources = o.res,
		.ret_oom_killed = &oom_killed,
		/* without a bridge there is nothing the container must wait for:
		 * the pid is recorded while it sets up */
		.on_created = net == CC_NET_BRIDGE ? on_created : NULL,
		.after_created = after_created,
		.on_exec = on_exec,
		.hook_data = &hook,
		.prepared = prep,
	};
	if (existing) {
		/* __start: start it detached and tell the monitor its pid. */
		spec.detached = true;
		pid_t pid = -1;
		int pty = -1;
		if (cc_runtime_start(&spec, &pid, &pty, &e) < 0) {
			rc = cmd_exit_code(e);
			cmd_monitor_report(monitor_fd, -1, -1, NULL, 0, e);
			(void)cmd_container_finish(s, id, rc, false, true, NULL, NULL);
			cc_error_clear(&e);
		} else {
			/* the monitor holds the port reservations from here on */
			rc = cmd_monitor_report(monitor_fd, pid, pty, netw.fds, netw.n_ports, NULL) < 0 ? EXIT_CC_ERROR
													 : 0;
			cc_closep(&pty);
		}
		goto out;
	}
	if (o.detach || o.create) {
		/* The container belongs to its monitor from here on (create:
		 * to the one start spawns).  Its __start reserves the recorded
		 * host ports again: let go. */
		cmd_net_teardown(&netw);
		if (!o.create && cmd_spawn_monitor(s, &rec, &e) < 0) {
			rc = cmd_fail(e, cmd_exit_code(e));
			goto out;
		}
		printf("%s\n", id);
		row_added = false;
		rc = 0;
		goto out;
	}
	/* The lock says "someone is running this container" to ps/stop/rm, as
	 * a detached container's monitor does (see container.c). */
	if (asprintf(&lockpath, "%s/monitor.lock", dir) < 0 ||
	    (run_lock = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0 || flock(run_lock, LOCK_EX) < 0) {
		rc = cmd_failf(EXIT_CC_ERROR, "lock container %.12s: %s", id, strerror(errno));
		goto out;
	}
	/* without --rm the container stays: its output is logged */
	struct cc_crilog *log = NULL;
	bool log_none = o.log_driver != NULL && strcmp(o.log_driver, "none") == 0;
	if (!o.rm && !log_none && (logdir = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) >= 0 &&
	    (log = malloc(sizeof(*log))) != NULL) {
		int64_t max_size = 0;
		if (o.log_max_size != NULL && cc_parse_size(o.log_max_size, &max_size) < 0)
			max_size = 0;
		if (cc_crilog_open(log, logdir, cc_log_format_of(o.log_driver), max_size,
				   o.log_max_file ? atoi(o.log_max_file) : 1) < 0)
			cmd_warnf("container %.12s: its output is not logged: open its log: %s", id, strerror(errno));
		hook.log = log;
		spec.on_output = on_output;
	}
	int run_r = cc_runtime_run(&spec, &status, &e);
	if (log != NULL) {
		cc_crilog_flush(log, 1);
		cc_crilog_flush(log, 2);
		cc_crilog_close(log);
		free(log);
	}
	if (run_r < 0) {
		rc = cmd_exit_code(e);
		cmd_fail(e, rc);
		e = NULL;
		status = rc;
	} else {
		rc = status;
		/* docker: State.OOMKilled, and 137 when the kill took the command */
		if (oom_killed && status == 128 + SIGKILL)
			fprintf(stderr, "Error: container %.12s was OOM-killed (memory limit reached)\n", id);
		else if (oom_killed)
			cmd_warnf("a process of container %.12s was OOM-killed (memory limit reached)", id);
	}
	/* the runtime removed the cgroup; --rm removes the container here */
	bool removed = false;
	rec.state = (char *)(hook.started ? "running" : "created"); /* as the row has it: finish's events */
	rec.started = hook.started_at;
	if (cmd_container_finish_record(s, &rec, status, oom_killed, true, &removed, &e) < 0) {
		cmd_warnf("record container exit: %s", e->msg);
		cc_error_clear(&e);
	}
	if (removed)
		row_added = false;
out:
	cc_runtime_prep_release(prep);
	if (cidfd >= 0 && !cid_written)
		(void)unlink(o.cidfile);
	/* a foreground run's files go with it, whatever happened (finishing
	 * removed them already when it got that far); a detached container's
	 * belong to its monitor now */
	if (rundir != NULL && (!o.detach || o.create) && !existing)
		(void)cc_rm_rf(rundir, NULL);
	/* Without --rm the container stays (also one that failed to start), as in docker. */
	if (row_added && o.rm)
		remove_container(s, &rec);
	cmd_net_teardown(&netw);
	json_decref(cfgjson);
	free(upper);
	free(work);
	free(args);
	cc_env_release(&env);
	cc_env_release(&labels);
	cc_run_config_free(ic);
	cc_container_record_free(existing);
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
		rc = run_main(o, argv, NULL, -1);
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

/* A container's stored run arguments ("run" first) into o and its
 * positionals (the image, the command); 0, or the status after printing. */
static int parse_stored(int argc, char **argv, const char *id, struct run_opts *o, char ***ret_pos, int *ret_n)
{
	int rc = cmd_parse(&cmd_run_verb, "ccontainer run", argc, argv, o, ret_pos, ret_n);
	if (rc == 1 || (rc == 0 && *ret_n < 1))
		rc = cmd_failf(EXIT_CC_ERROR, "container %.12s: its stored run arguments name no image", id);
	return rc;
}

int cmd_run_existing(int argc, char **argv, const char *id, int monitor_fd)
{
	struct run_opts o = { 0 };
	_cleanup_free_ char **pos = NULL;
	int n = 0;
	int rc = parse_stored(argc, argv, id, &o, &pos, &n);
	if (rc == 0)
		rc = run_opts_check(&o);
	if (rc == 0)
		rc = run_main(&o, pos, id, monitor_fd);
	run_opts_release(&o);
	cmd_opts_release(&cmd_run_verb, &o);
	return rc;
}

int cmd_run_update(const struct cc_container_record *c, const struct cmd_run_update *u, struct cc_resources *ret_res,
		   char **ret_config)
{
	*ret_config = NULL;
	int argc = 0;
	char **argv = cmd_container_stored_args(c, &argc);
	struct run_opts o = { 0 };
	_cleanup_free_ char **pos = NULL;
	int n = 0, rc;
	if (argv == NULL)
		return cmd_failf(EXIT_CC_ERROR, "out of memory");
	rc = parse_stored(argc, argv, c->id, &o, &pos, &n);
	if (rc == 0) {
		if (u->memory != CMD_INT_UNSET)
			o.memory = u->memory;
		if (u->memory_swap != CMD_INT_UNSET)
			o.memory_swap = u->memory_swap;
		if (u->cpu_shares != CMD_INT_UNSET)
			o.cpu_shares = u->cpu_shares;
		if (u->pids_limit != CMD_INT_UNSET)
			o.pids_limit = u->pids_limit;
		if (u->cpus != NULL)
			o.cpus = u->cpus;
		if (u->restart != NULL)
			o.restart = u->restart;
		rc = run_opts_check(&o);
	}
	_cleanup_strv_ char **canon = rc == 0 ? cmd_unparse(&cmd_run_verb, &o) : NULL;
	json_t *cfg = NULL, *args = NULL;
	if (rc == 0 && (canon == NULL || (cfg = cmd_container_config(c)) == NULL || (args = json_array()) == NULL))
		rc = cmd_failf(EXIT_CC_ERROR, "out of memory");
	for (char **a = canon; rc == 0 && *a; a++)
		json_array_append_new(args, cc_json_bytes(*a));
	if (rc == 0) {
		json_array_append_new(args, json_string("--"));
		for (int i = 0; i < n; i++)
			json_array_append_new(args, cc_json_bytes(pos[i]));
		json_object_set(cfg, "Args", args);
		if (u->restart != NULL) /* what monitors read */
			json_object_set_new(cfg, "RestartPolicy", cc_restart_policy_json(&o.restart_policy));
		if ((*ret_config = json_dumps(cfg, JSON_COMPACT)) == NULL)
			rc = cmd_failf(EXIT_CC_ERROR, "out of memory");
	}
	if (rc == 0) {
		/* only what changed goes to the cgroup (zero: left alone) */
		*ret_res = (struct cc_resources){
			.memory = u->memory != CMD_INT_UNSET ? o.res.memory : 0,
			.memory_swap = u->memory_swap != CMD_INT_UNSET ? o.res.memory_swap : 0,
			.cpu_quota = u->cpus != NULL ? o.res.cpu_quota : 0,
			.cpu_period = u->cpus != NULL ? o.res.cpu_period : 0,
			.cpu_shares = u->cpu_shares != CMD_INT_UNSET ? o.res.cpu_shares : 0,
			.pids_limit = u->pids_limit != CMD_INT_UNSET ? o.res.pids_limit : 0,
		};
	}
	json_decref(args);
	json_decref(cfg);
	run_opts_release(&o);
	cmd_opts_release(&cmd_run_verb, &o);
	cc_strvfreep(&argv);
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
