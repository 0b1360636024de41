/* Create a container from its resolved spec, and start it: in the
 * foreground (run) or detached under its monitor (__start).  container.h. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "container/container.h"
#include "container/crilog.h"
#include "image/image.h"
#include "network/network.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/util.h"

static size_t strv_len(char *const *v)
{
	size_t n = 0;
	while (v != NULL && v[n] != NULL)
		n++;
	return n;
}

static json_t *text_array(char *const *v)
{
	json_t *a = json_array();
	for (char *const *p = v; a != NULL && p != NULL && *p; p++)
		json_array_append_new(a, cc_json_text(*p));
	return a;
}

static char *join_argv(char *const *argv)
{
	struct cc_strbuf sb = { 0 };
	cc_strbuf_add(&sb, "", 0);
	for (char *const *a = argv; *a; a++)
		cc_strbuf_addf(&sb, "%s%s", a == argv ? "" : " ", *a);
	return cc_strbuf_steal(&sb);
}

/* docker's view of a container for ps, inspect, exec and the monitor (text:
 * everything from outside through cc_json_text, invalid UTF-8 as U+FFFD,
 * as docker's API has it), with the spec itself under "Spec". */
static json_t *config_json(const struct cc_container_new *n, const struct cc_network *net)
{
	const struct cc_container_spec *sp = n->spec;
	json_t *cfg = json_object();
	if (cfg == NULL)
		return NULL;
	json_t *mounts = json_array();
	for (size_t i = 0; mounts != NULL && i < sp->n_mounts; i++) {
		const struct cc_container_mount *m = &sp->mounts[i];
		if (m->tmpfs)
			json_array_append_new(mounts, json_pack("{s:s, s:s, s:o, s:b}", "Type", "tmpfs", "Source", "tmpfs",
								"Destination", cc_json_text(m->target), "RW", true));
		else if (m->volume != NULL) /* docker's shape for a volume */
			json_array_append_new(mounts, json_pack("{s:s, s:o, s:o, s:o, s:s, s:o, s:b, s:s}", "Type", "volume",
								"Name", cc_json_text(m->volume), "Source",
								cc_json_text(m->source), "Destination",
								cc_json_text(m->target), "Driver", "local", "Mode",
								cc_json_text(m->mode ? m->mode : ""), "RW", !m->readonly,
								"Propagation", ""));
		else
			json_array_append_new(mounts, json_pack("{s:s, s:o, s:o, s:o, s:b, s:s}", "Type", "bind", "Source",
								cc_json_text(m->source), "Destination",
								cc_json_text(m->target), "Mode",
								cc_json_text(m->mode ? m->mode : ""), "RW", !m->readonly,
								"Propagation", m->propagation ? m->propagation : "rprivate"));
	}
	json_t *lopts = json_object();
	if (lopts != NULL && n->log_max_size != NULL)
		json_object_set_new(lopts, "max-size", cc_json_text(n->log_max_size));
	if (lopts != NULL && n->log_max_file != NULL)
		json_object_set_new(lopts, "max-file", cc_json_text(n->log_max_file));
	json_object_set_new(cfg, "Cmd", text_array(sp->argv));
	json_object_set_new(cfg, "Env", text_array(sp->env));
	json_object_set_new(cfg, "Hostname", cc_json_text(sp->hostname != NULL ? sp->hostname : ""));
	json_object_set_new(cfg, "Network", cc_json_text(sp->network != NULL ? sp->network : "bridge"));
	json_object_set_new(cfg, "Tty", json_boolean(sp->tty));
	json_object_set_new(cfg, "OpenStdin", json_boolean(sp->open_stdin));
	/* docker's CLI: -i attached (run -i, create -i), not with -d */
	json_object_set_new(cfg, "StdinOnce", json_boolean(sp->open_stdin && !sp->detach));
	json_object_set_new(cfg, "AutoRemove", json_boolean(sp->autoremove));
	json_object_set_new(cfg, "CapAdd", text_array(sp->cap_add));
	json_object_set_new(cfg, "CapDrop", text_array(sp->cap_drop));
	json_object_set_new(cfg, "Privileged", json_boolean(sp->privileged));
	json_object_set_new(cfg, "NoNewPrivileges", json_boolean(sp->no_new_privileges));
	if (sp->seccomp != NULL)
		json_object_set_new(cfg, "SeccompProfile", cc_json_text(sp->seccomp));
	json_object_set_new(cfg, "Mounts", mounts);
	/* docker's shape; the monitor rotates the log by it */
	json_object_set_new(cfg, "LogConfig",
			    json_pack("{s:o, s:o}", "Type", cc_json_text(n->log_driver ? n->log_driver : "json-file"),
				      "Config", lopts));
	/* what the monitor acts on: the restart policy, the healthcheck */
	json_object_set_new(cfg, "RestartPolicy", cc_restart_policy_json(&n->restart));
	if (n->healthcheck != NULL)
		json_object_set(cfg, "Healthcheck", n->healthcheck);
	if (sp->user != NULL)
		json_object_set_new(cfg, "User", cc_json_text(sp->user));
	if (sp->workdir != NULL)
		json_object_set_new(cfg, "WorkingDir", cc_json_text(sp->workdir));
	json_object_set_new(cfg, "Labels", n->labels != NULL ? json_incref(n->labels) : json_object());
	if (n->stop_signal != NULL)
		json_object_set_new(cfg, "StopSignal", cc_json_text(n->stop_signal));
	if (n->stop_timeout_set)
		json_object_set_new(cfg, "StopTimeout", json_integer(n->stop_timeout));
	cc_network_config_json(net, cfg);
	json_t *spec = cc_container_spec_to_json(sp);
	if (spec == NULL || json_object_set_new(cfg, "Spec", spec) < 0) {
		json_decref(cfg);
		return NULL;
	}
	return cfg;
}

static struct cc_network_opts net_opts(const struct cc_container_spec *sp)
{
	bool join = sp->network != NULL && strncmp(sp->network, "container:", 10) == 0;
	return (struct cc_network_opts){ .publish = sp->publish, .publish_all = sp->publish_all, .dns = sp->dns,
					 .add_host = sp->extra_hosts, .endpoints = sp->networks,
					 .n_endpoints = sp->n_networks, .join = join ? sp->network + 10 : NULL,
					 .slirp = sp->network != NULL && strcmp(sp->network, "slirp4netns") == 0 };
}

/* The spec's network (checked where it is made: run, and loading). */
static enum cc_net_mode net_mode(const struct cc_container_spec *sp)
{
	if (sp->network != NULL && strcmp(sp->network, "none") == 0)
		return CC_NET_NONE;
	if (sp->network != NULL && strcmp(sp->network, "host") == 0)
		return CC_NET_HOST;
	if (sp->network != NULL && strncmp(sp->network, "container:", 10) == 0)
		return CC_NET_JOIN;
	if (sp->network != NULL && (strcmp(sp->network, "pasta") == 0 || strcmp(sp->network, "slirp4netns") == 0))
		return CC_NET_PASTA;
	return CC_NET_BRIDGE;
}

/* A record of our own (what the row now has): no read back on the start path. */
static struct cc_container_record *record_dup(const struct cc_container_record *r)
{
	struct cc_container_record *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	*c = *r;
	c->id = strdup(r->id);
	c->name = strdup(r->name);
	c->image_id = strdup(r->image_id);
	c->image_name = r->image_name ? strdup(r->image_name) : NULL;
	c->command = strdup(r->command);
	c->config_json = strdup(r->config_json);
	c->state = strdup(r->state);
	if (!c->id || !c->name || !c->image_id || (r->image_name && !c->image_name) || !c->command || !c->config_json ||
	    !c->state) {
		cc_container_record_free(c);
		return NULL;
	}
	return c;
}

int cc_container_create(struct cc_store *s, const struct cc_container_new *n, struct cc_network *net,
			struct cc_container_record **ret, cc_error **err)
{
	*ret = NULL;
	const struct cc_container_spec *sp = n->spec;
	if (!cc_container_name_valid(n->name))
		return cc_error_setk(err, CC_ERR_INVALID, 0,
				     "invalid container name '%s': only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", n->name);
	/* Network options, and the host ports reserved: before the row, so a
	 * port in use fails with nothing to clean up. */
	struct cc_network_opts no = net_opts(sp);
	/* -P publishes the image's exposed ports and --expose's */
	size_t n_img = strv_len(n->exposed), n_flag = strv_len(sp->expose);
	_cleanup_free_ char **exposed = calloc(n_img + n_flag + 1, sizeof(char *));
	if (exposed == NULL)
		return cc_error_set(err, ENOMEM, "create the container");
	if (n_img > 0)
		memcpy(exposed, n->exposed, n_img * sizeof(char *));
	if (n_flag > 0)
		memcpy(exposed + n_img, sp->expose, n_flag * sizeof(char *));
	if (cc_network_prepare(net, s, &no, net_mode(sp), exposed, NULL, err) < 0)
		return -1;
	json_t *cfg = config_json(n, net);
	_cleanup_free_ char *cfgtext = cfg != NULL ? json_dumps(cfg, JSON_COMPACT) : NULL;
	json_decref(cfg);
	_cleanup_free_ char *cmdline = join_argv(sp->argv);
	_cleanup_free_ char *dir = cc_store_container_path(s, n->id), *upper = NULL, *work = NULL;
	if (cfgtext == NULL || cmdline == NULL || dir == NULL || asprintf(&upper, "%s/upper", dir) < 0 ||
	    asprintf(&work, "%s/work", dir) < 0)
		return cc_error_set(err, ENOMEM, "create the container");
	struct cc_container_record rec = { .id = (char *)n->id, .name = (char *)n->name, .image_id = (char *)n->image_id,
					   .image_name = (char *)n->image_name, .command = cmdline,
					   .config_json = cfgtext, .state = (char *)"created", .created = time(NULL) };
	if (cc_store_container_add(s, &rec, err) < 0)
		return -1;
	cc_container_event(s, &rec, "create", NULL);
	/* its own directories; the overlay is mounted on the directory
	 * itself, in the container's mount namespace */
	cc_error *e = NULL;
	if (cc_mkdir_p(upper, 0755, &e) < 0 || cc_mkdir_p(work, 0700, &e) < 0 || (*ret = record_dup(&rec)) == NULL) {
		if (e == NULL)
			cc_error_set(&e, ENOMEM, "create the container");
		struct cc_kept kept = { .n = 0 };
		if (cc_store_container_remove(s, n->id, &kept, NULL) == 0)
			cc_container_event(s, &rec, "destroy", NULL);
		cc_kept_release_async(&kept);
		*err = e;
		return -1;
	}
	return 0;
}

/* ---- start ---- */

struct hook_ctx {
	struct cc_store *store;
	struct cc_container_record *rec;
	struct cc_container_start *st;
	struct cc_crilog *log; /* a foreground run's log, or NULL */
	struct cc_network *net;
	const char *hosts_file, *hostname;
};

static int record_started(pid_t pid, void *data, cc_error **err)
{
	struct hook_ctx *h = data;
	if (cc_store_container_started(h->store, h->rec->id, (int)pid, cc_pid_start_time((int)pid), err) < 0)
		return -1;
	h->st->started = true;
	h->st->started_at = time(NULL);
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
	cc_container_event(h->store, h->rec, "start", NULL);
}

/* While the container sets itself up: record its pid unless on_created
 * did, and keep the store's WAL short for the next command. */
static int after_created(pid_t pid, void *data, cc_error **err)
{
	struct hook_ctx *h = data;
	if (h->net->mode != CC_NET_BRIDGE && h->net->mode != CC_NET_PASTA && record_started(pid, data, err) < 0)
		return -1;
	cc_store_checkpoint(h->store);
	return 0;
}

/* Bridge networking: the veth goes in before the container runs anything. */
static int on_created(pid_t pid, void *data, cc_error **err)
{
	struct hook_ctx *h = data;
	/* "running" first: the network's lease must never exist for a row
	 * that a concurrent sweep would take for a dead container (network.h) */
	if (record_started(pid, data, err) < 0)
		return -1;
	return cc_network_on_created(h->net, h->store, h->rec->id, pid, h->hosts_file, h->hostname, h->rec->name,
				     err);
}

static int write_text(const char *dir, const char *name, const char *text, cc_error **err)
{
	_cleanup_free_ char *p = NULL;
	if (asprintf(&p, "%s/%s", dir, name) < 0)
		return cc_error_set(err, ENOMEM, "write '%s'", name);
	/* The container's own files die with it: no fsync on the start path. */
	return cc_write_file(p, text, strlen(text), 0644, err);
}

/* Open the foreground run's log as its config says; NULL when it has none
 * (--rm, --log-driver none).  One that cannot be opened is a warning (its
 * writes try again). */
static struct cc_crilog *open_log(const struct cc_container_record *c, const struct cc_container_spec *sp, int dirfd)
{
	json_t *cfg = cc_container_config(c);
	int64_t max_size = 0;
	int max_file = 1;
	cc_error *e = NULL;
	int lr = cc_container_log_limits(cfg, &max_size, &max_file, &e);
	enum cc_log_format format =
		cc_log_format_of(json_string_value(json_object_get(json_object_get(cfg, "LogConfig"), "Type")));
	json_decref(cfg);
	if (lr < 0) {
		cc_warnf("container %.12s: its output is not logged: %s", c->id, e->msg);
		cc_error_free(e);
		return NULL;
	}
	if (sp->autoremove || max_file == 0)
		return NULL;
	struct cc_crilog *log = malloc(sizeof(*log));
	if (log == NULL)
		return NULL;
	if (cc_crilog_open(log, dirfd, format, max_size, max_file) < 0)
		cc_warnf("container %.12s: its output is not logged: open its log: %s", c->id, strerror(errno));
	return log;
}

/* A file of the running container whose network namespace is joined. */
static char *joined_file(struct cc_store *s, const char *id, const char *name)
{
	_cleanup_free_ char *dir = cc_store_container_rundir(s, id), *p = NULL;
	char *text = NULL;
	size_t len = 0;
	cc_error *e = NULL;
	if (dir == NULL || asprintf(&p, "%s/%s", dir, name) < 0 || cc_read_file(p, 64 * 1024, &text, &len, &e) < 0) {
		cc_error_free(e);
		return NULL;
	}
	return text;
}

int cc_container_start(struct cc_store *s, struct cc_container_record *c, const struct cc_container_spec *sp,
		       struct cc_network *net, struct cc_container_start *st, cc_error **err)
{
	int rc = -1;
	const char *id = c->id;
	enum cc_net_mode mode = net_mode(sp);
	struct cc_run_config *ic = NULL;
	_cleanup_free_ const char **lowers = NULL;
	_cleanup_free_ struct cc_bind_mount *binds = NULL;
	_cleanup_free_ struct cc_tmpfs_mount *tmpfs = NULL;
	_cleanup_free_ struct cc_rlimit *rlimits = NULL;
	_cleanup_free_ char *dir = cc_store_container_path(s, id), *rundir = cc_store_container_rundir(s, id);
	_cleanup_free_ char *upper = NULL, *work = NULL, *hostname_file = NULL, *hosts_file = NULL, *resolv_file = NULL;
	_cleanup_free_ char *seccomp_cache = NULL, *hosts = NULL, *resolv = NULL, *lockpath = NULL;
	_cleanup_close_ int run_lock = -1, logdir = -1;
	struct cc_crilog *log = NULL;
	size_t n_binds = 0, n_tmpfs = 0, n_rlimits = strv_len(sp->ulimits);
	bool rundir_made = false;
	st->started = false;
	st->oom_killed = false;
	st->pid = -1;
	st->pty = -1;
	st->status = 0;

	if (dir == NULL || rundir == NULL || asprintf(&upper, "%s/upper", dir) < 0 || asprintf(&work, "%s/work", dir) < 0 ||
	    asprintf(&hostname_file, "%s/hostname", rundir) < 0 || asprintf(&hosts_file, "%s/hosts", rundir) < 0 ||
	    asprintf(&resolv_file, "%s/resolv.conf", rundir) < 0 ||
	    asprintf(&seccomp_cache, "%s/cache/seccomp", cc_store_root(s)) < 0 ||
	    (rlimits = calloc(n_rlimits + 1, sizeof(*rlimits))) == NULL) {
		cc_error_set(err, ENOMEM, "start container %.12s", id);
		goto out;
	}
	for (size_t i = 0; i < n_rlimits; i++)
		if (cc_runtime_parse_ulimit(sp->ulimits[i], &rlimits[i], err) < 0)
			goto out;
	if (cc_container_spec_mounts(sp, &binds, &n_binds, &tmpfs, &n_tmpfs, err) < 0)
		goto out;
	/* docker makes a missing bind source a directory, at each start */
	for (size_t i = 0; i < n_binds; i++) {
		struct stat sb;
		if (stat(binds[i].source, &sb) < 0 && (errno != ENOENT || cc_mkdir_p(binds[i].source, 0755, err) < 0)) {
			if (err != NULL && *err == NULL)
				cc_error_set(err, errno, "bind source '%s'", binds[i].source);
			goto out;
		}
	}
	/* the image's layers: the caller's run config when it has it */
	const struct cc_run_config *image = st->image;
	if (image == NULL) {
		if (cc_image_run_config(s, c->image_id, &ic, err) < 0)
			goto out;
		image = ic;
	}
	/* The mount targets, shared by every container of the store, go on
	 * top of the image's layers. */
	if (cc_runtime_lowers(cc_store_root(s), (const char *const *)image->layer_dirs, image->n_layers, &lowers, err) < 0)
		goto out;
	/* The files mounted on /etc are run-time state: the runroot's.  With
	 * bridge networking, on_created writes hosts again with the address. */
	char hostname_nl[80];
	snprintf(hostname_nl, sizeof(hostname_nl), "%s\n", sp->hostname != NULL ? sp->hostname : "");
	/* --dns, --dns-search, --dns-option */
	const struct cc_resolv_opts ro = {
		.dns = (const char *const *)sp->dns, .n_dns = strv_len(sp->dns),
		.search = (const char *const *)sp->dns_search, .n_search = strv_len(sp->dns_search),
		.options = (const char *const *)sp->dns_options, .n_options = strv_len(sp->dns_options),
	};
	if (mode == CC_NET_JOIN) {
		/* the other container's files, as docker shares them */
		hosts = joined_file(s, sp->network + 10, "hosts");
		resolv = joined_file(s, sp->network + 10, "resolv.conf");
	}
	if (hosts == NULL)
		hosts = cc_network_hosts(net, sp->hostname != NULL ? sp->hostname : "", c->name);
	if (resolv == NULL)
		resolv = cc_network_resolv(net, &ro);
	if (hosts == NULL || resolv == NULL ||
	    cc_network_set_names(net, c->id, c->name, sp->networks, sp->n_networks) < 0) {
		cc_error_set(err, ENOMEM, "start container %.12s", id);
		goto out;
	}
	if (cc_mkdir_p(upper, 0755, err) < 0 || cc_mkdir_p(work, 0700, err) < 0 || cc_mkdir_p(rundir, 0700, err) < 0)
		goto out;
	rundir_made = true;
	if (write_text(rundir, "hostname", hostname_nl, err) < 0 || write_text(rundir, "hosts", hosts, err) < 0 ||
	    write_text(rundir, "resolv.conf", resolv, err) < 0)
		goto out;

	struct hook_ctx hook = { .store = s, .rec = c, .st = st, .net = net, .hosts_file = hosts_file,
				 .hostname = sp->hostname != NULL ? sp->hostname : "" };
	struct cc_run_spec spec = {
		.lower_dirs = lowers,
		.n_lower = image->n_layers + 1,
		.upper_dir = upper,
		.work_dir = work,
		.rootfs_dir = dir,
		.read_only = sp->read_only,
		.volatile_upper = sp->autoremove && st->foreground,
		.argv = sp->argv,
		.env = sp->env,
		.cwd = sp->workdir,
		.user = sp->user,
		.hostname = sp->hostname,
		.domainname = sp->domainname,
		.hostname_file = hostname_file,
		.hosts_file = hosts_file, /* with --network host a copy of the host's (docker) */
		.resolv_file = resolv_file,
		.binds = binds,
		.n_binds = n_binds,
		.tmpfs = tmpfs,
		.n_tmpfs = n_tmpfs,
		.shm_size = sp->shm_size,
		.net = mode,
		.netns_fd = net->join_fd,
		.tty = sp->tty,
		.interactive = sp->open_stdin,
		.init = sp->init,
		.privileged = sp->privileged,
		.cap_add = (const char **)sp->cap_add,
		.cap_drop = (const char **)sp->cap_drop,
		.seccomp_profile = sp->seccomp,
		/* compiled seccomp programs are cached in the store: compiling
		 * the default profile costs more than the rest of the start */
		.seccomp_cache_dir = seccomp_cache,
		.no_new_privileges = sp->no_new_privileges,
		.rlimits = rlimits,
		.n_rlimits = n_rlimits,
		.container_id = id,
		.resources = sp->res,
		.ret_oom_killed = &st->oom_killed,
		/* without a bridge there is nothing the container must wait for:
		 * the pid is recorded while it sets up */
		.on_created = mode == CC_NET_BRIDGE || mode == CC_NET_PASTA ? on_created : NULL,
		.after_created = after_created,
		.on_exec = on_exec,
		.hook_data = &hook,
		.prepared = st->prepared,
	};
	if (!st->foreground) {
		spec.detached = true;
		if (cc_runtime_start(&spec, &st->pid, &st->pty, err) < 0) {
			/* the row may say running already (on_created): finished */
			cc_error *fe = NULL;
			if (cc_container_finish(s, id, cc_container_exit_code(err != NULL ? *err : NULL), false, true, NULL,
						&fe) < 0)
				cc_error_free(fe);
			rundir_made = false; /* finish removed it */
			goto out;
		}
		rc = 0;
		goto out;
	}
	/* The lock says "someone is running this container" to ps/stop/rm, as
	 * a detached container's monitor does. */
	if (asprintf(&lockpath, "%s/" CC_CONTAINER_LOCK_FILE, dir) < 0 ||
	    (run_lock = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0 || flock(run_lock, LOCK_EX) < 0) {
		cc_error_set(err, errno, "lock container %.12s", id);
		goto out;
	}
	/* without --rm the container stays: its output is logged */
	if ((logdir = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) >= 0 &&
	    (log = open_log(c, sp, logdir)) != NULL) {
		hook.log = log;
		spec.on_output = on_output;
	}
	cc_error *re = NULL;
	int run_r = cc_runtime_run(&spec, &st->status, &re);
	if (log != NULL) {
		cc_crilog_flush(log, 1);
		cc_crilog_flush(log, 2);
		cc_crilog_close(log);
		free(log);
	}
	if (run_r < 0)
		st->status = cc_container_exit_code(re);
	/* the runtime removed the cgroup; --rm removes the container here */
	free(c->state);
	c->state = strdup(st->started ? "running" : "created"); /* as the row has it: finish's events */
	c->started = st->started_at;
	cc_error *fe = NULL;
	if (cc_container_finish_record(s, c, st->status, st->oom_killed, true, &st->removed, &fe) < 0) {
		cc_warnf("record container exit: %s", fe->msg);
		cc_error_free(fe);
	}
	rundir_made = false; /* finishing removed it */
	if (run_r < 0) {
		*err = re;
		goto out;
	}
	rc = 0;
out:
	/* a foreground run's files go with it, whatever happened */
	if (rundir_made && (st->foreground || rc < 0))
		(void)cc_rm_rf(rundir, NULL);
	cc_run_config_free(ic);
	return rc;
}

int cc_container_start_monitored(struct cc_store *s, const char *id, const struct cc_container_spec *sp,
				 int monitor_fd, cc_error **err)
{
	struct cc_container_record *c = NULL;
	struct cc_network net = { .mode = CC_NET_NONE };
	struct cc_container_start st = { .foreground = false };
	int rc = -1;
	if (cc_store_container_get(s, id, &c, err) == 0) {
		/* the same host ports as its first start (also the ones -P picked) */
		struct cc_network_opts no = net_opts(sp);
		if (cc_network_prepare(&net, s, &no, net_mode(sp), NULL, c->config_json, err) == 0 &&
		    cc_container_start(s, c, sp, &net, &st, err) == 0)
			rc = 0;
	}
	if (rc == 0) {
		/* the monitor holds the port reservations from here on */
		if (cc_container_monitor_report(monitor_fd, st.pid, st.pty, net.fds, net.n_ports, NULL) < 0)
			rc = cc_error_set(err, errno, "report to the container's monitor");
		cc_closep(&st.pty);
	} else {
		cc_container_monitor_report(monitor_fd, -1, -1, NULL, 0, err != NULL ? *err : NULL);
	}
	cc_network_teardown(&net);
	cc_container_record_free(c);
	return rc;
}
