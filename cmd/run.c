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

/* A mount as run resolves it: -v, --mount, --tmpfs, --volumes-from, the
 * image's VOLUME. */
enum run_mount_kind { RUN_MOUNT_BIND, RUN_MOUNT_VOLUME, RUN_MOUNT_TMPFS };
struct run_mount {
	enum run_mount_kind kind;
	char *source;   /* bind: the host path; volume: its name, NULL: anonymous (made at create) */
	char *target;   /* without a trailing '/' */
	char *options;  /* tmpfs: mount data */
	char *mode;     /* -v's mode text (inspect's Mode) */
	char *data;     /* volume: its _data, once resolved */
	char *propagation; /* bind: -v's or --mount's propagation word, NULL: rprivate */
	bool readonly, nocopy, anonymous;
	bool make_source; /* -v's bind: a missing host directory is made (docker's; not --mount's) */
};

struct run_opts {
	/* the table's (run_options below) */
	bool rm, interactive, tty, init, read_only, detach, privileged;
	const char *name, *hostname, *workdir, *user, *cpus, *log_driver;
	struct cmd_strv networks, aliases;      /* --network (repeatable), --network-alias */
	const char *ip, *mac;                   /* --ip, --mac-address: the first network's */
	const char *entrypoint; /* NULL: the image's; "": none */
	struct cmd_strv env, env_files, volumes, mount_specs, volumes_from, tmpfs_specs, cap_add, cap_drop, security_opts, ulimit_specs, log_opts;
	struct cmd_strv labels, label_files;
	const char *cidfile, *stop_signal, *userns;
	int64_t stop_timeout;
	/* not the table's: `create` makes the container and leaves it */
	bool create;
	int64_t memory, memory_swap, cpu_shares, pids_limit, shm_size;
	struct {
		struct cmd_strv publish, dns, add_host; /* -p, --dns, --add-host */
		bool publish_all;                       /* -P */
	} net;
	/* what run_opts_check makes of them */
	enum cc_net_mode net_mode;
	const char *network;      /* the mode: bridge, host, none, container:X, or the first network */
	struct run_ep {
		const char *network, *ip, *mac;
		const char *aliases[17];
		size_t n_aliases;
		char *buf;        /* the name=…,alias=… form's copy */
	} eps[CC_NET_MAX_ENDPOINTS];
	size_t n_eps;
	struct run_mount *mounts; /* -v, --mount, --tmpfs in their order */
	size_t n_mounts;
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
	/* the table's: --dns-search, --dns-option (--dns-opt), --domainname, --expose (run_check_dns_expose) */
	struct cmd_strv dns_search, dns_options, expose;
	const char *domainname;
};

static void run_mount_release(struct run_mount *m)
{
	free(m->source);
	free(m->target);
	free(m->options);
	free(m->mode);
	free(m->data);
	free(m->propagation);
	memset(m, 0, sizeof(*m));
}

static void run_opts_release(struct run_opts *o)
{
	for (size_t i = 0; i < o->n_mounts; i++)
		run_mount_release(&o->mounts[i]);
	free(o->mounts);
	o->mounts = NULL;
	o->n_mounts = 0;
	for (size_t i = 0; i < o->n_eps; i++)
		free(o->eps[i].buf);
	o->n_eps = 0;
}

/* A mount's target as compared for duplicates: no trailing '/'. */
static char *clean_target(const char *t)
{
	char *c = strdup(t);
	size_t n = c ? strlen(c) : 0;
	while (n > 1 && c[n - 1] == '/')
		c[--n] = '\0';
	return c;
}

/* docker's propagation modes (cc_runtime_parse_propagation). */
static bool propagation_word(const char *m)
{
	unsigned long flags;
	return cc_runtime_parse_propagation(m, &flags) == 0;
}

/* -v /path (an anonymous volume), -v NAME:/path (a named one, made on
 * first use), -v /host:/path (a bind), each with [:ro|rw|z|Z|nocopy|propagation]. */
static int parse_volume(struct run_opts *o, const char *arg)
{
	_cleanup_free_ char *copy = strdup(arg);
	if (copy == NULL)
		return cmd_failf(EXIT_CC_ERROR, "out of memory");
	char *src = copy, *dst = strchr(copy, ':'), *mode = NULL;
	if (dst == NULL) { /* one part: an anonymous volume at it */
		dst = copy;
		src = NULL;
	} else {
		*dst++ = '\0';
		if ((mode = strchr(dst, ':')) != NULL)
			*mode++ = '\0';
	}
	if (src != NULL && *src == '\0')
		return cmd_failf(EXIT_CC_ERROR, "invalid volume specification: '%s'", arg);
	if (dst[0] != '/')
		return cmd_failf(EXIT_CC_ERROR, "invalid volume '%s': the destination must be an absolute path", arg);
	bool bind = src != NULL && src[0] == '/';
	if (src != NULL && !bind && !cc_volume_name_valid(src))
		return cmd_failf(EXIT_CC_ERROR,
				 "create %s: \"%s\" includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute path",
				 src, src);
	struct run_mount m = { .kind = bind ? RUN_MOUNT_BIND : RUN_MOUNT_VOLUME, .anonymous = src == NULL,
			       .make_source = bind };
	if (mode && *mode) {
		_cleanup_free_ char *mcopy = strdup(mode);
		char *save = NULL;
		for (char *w = mcopy ? strtok_r(mcopy, ",", &save) : NULL; w; w = strtok_r(NULL, ",", &save)) {
			int rc = 0;
			if (strcmp(w, "ro") == 0)
				m.readonly = true;
			else if (strcmp(w, "rw") == 0)
				m.readonly = false;
			else if (strcmp(w, "nocopy") == 0 && !bind)
				m.nocopy = true;
			else if (propagation_word(w) && bind && m.propagation == NULL)
				rc = (m.propagation = strdup(w)) == NULL ? cmd_failf(EXIT_CC_ERROR, "out of memory") : 0;
			else if (propagation_word(w) && bind) /* docker: one propagation mode */
				rc = cmd_failf(EXIT_CC_ERROR, "invalid mode: %s", mode);
			else if (strcmp(w, "z") != 0 && strcmp(w, "Z") != 0) /* no SELinux: nothing to relabel */
				rc = cmd_failf(EXIT_CC_ERROR, "invalid mode: %s", w);
			if (rc != 0) {
				run_mount_release(&m);
				return rc;
			}
		}
	}
	if ((src != NULL && (m.source = strdup(src)) == NULL) || (m.target = clean_target(dst)) == NULL ||
	    (m.mode = strdup(mode ? mode : bind ? "" : "z")) == NULL) {
		run_mount_release(&m);
		return cmd_failf(EXIT_CC_ERROR, "out of memory");
	}
	o->mounts[o->n_mounts++] = m;
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
	struct run_mount m = { .kind = RUN_MOUNT_TMPFS, .target = clean_target(copy) };
	if (m.target == NULL || (opts && (m.options = strdup(opts)) == NULL)) {
		run_mount_release(&m);
		return cmd_failf(EXIT_CC_ERROR, "out of memory");
	}
	o->mounts[o->n_mounts++] = m;
	return 0;
}

static bool bool_word(const char *v, bool *ret)
{
	if (v == NULL || strcmp(v, "1") == 0 || strcmp(v, "true") == 0) {
		*ret = true;
		return true;
	}
	if (strcmp(v, "0") == 0 || strcmp(v, "false") == 0) {
		*ret = false;
		return true;
	}
	return false;
}

#define MOUNT_FAIL(...) \
	do { \
		run_mount_release(&m); \
		return cmd_failf(EXIT_CC_ERROR, __VA_ARGS__); \
	} while (0)

/* --mount type=bind|volume|tmpfs,source=,target=,readonly,... (docker's
 * csv: opts/mount.go, then the daemon's checks of each type's fields). */
static int parse_mount(struct run_opts *o, const char *arg)
{
	_cleanup_free_ char *copy = strdup(arg);
	if (copy == NULL)
		return cmd_failf(EXIT_CC_ERROR, "out of memory");
	struct run_mount m = { .kind = RUN_MOUNT_VOLUME };
	const char *type = "volume", *src = NULL, *dst = NULL, *prop = NULL;
	bool bind_opts = false, vol_opts = false, tmpfs_opts = false, ro = false;
	int64_t size = 0;
	long tmode = -1;
	char *save = NULL;
	for (char *f = strtok_r(copy, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
		char *v = strchr(f, '=');
		if (v != NULL)
			*v++ = '\0';
		if (strcmp(f, "readonly") == 0 || strcmp(f, "ro") == 0) {
			if (!bool_word(v, &ro))
				MOUNT_FAIL("invalid argument \"%s\" for \"--mount\" flag: invalid value for %s: %s", arg, f, v);
			continue;
		}
		if (strcmp(f, "volume-nocopy") == 0) {
			if (!bool_word(v, &m.nocopy))
				MOUNT_FAIL("invalid argument \"%s\" for \"--mount\" flag: invalid value for volume-nocopy: %s", arg, v);
			vol_opts = true;
			continue;
		}
		if (v == NULL)
			MOUNT_FAIL("invalid argument \"%s\" for \"--mount\" flag: invalid field '%s' must be a key=value pair", arg, f);
		if (strcmp(f, "type") == 0)
			type = v;
		else if (strcmp(f, "source") == 0 || strcmp(f, "src") == 0)
			src = v;
		else if (strcmp(f, "target") == 0 || strcmp(f, "dst") == 0 || strcmp(f, "destination") == 0)
			dst = v;
		else if (strcmp(f, "bind-propagation") == 0) {
			for (char *c = v; *c; c++) /* docker's CLI lowers it */
				*c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
			prop = v;
			bind_opts = true;
		} else if (strcmp(f, "consistency") == 0) {
			/* docker takes it and ignores it on Linux */
		} else if (strcmp(f, "tmpfs-size") == 0) {
			if (cmd_parse_bytes("--mount tmpfs-size", v, &size) != 0 || size <= 0)
				MOUNT_FAIL("invalid argument \"%s\" for \"--mount\" flag: invalid value for tmpfs-size: %s", arg, v);
			tmpfs_opts = true;
		} else if (strcmp(f, "tmpfs-mode") == 0) {
			char *end = NULL;
			errno = 0;
			tmode = strtol(v, &end, 8);
			if (errno != 0 || end == v || *end != '\0' || tmode < 0 || tmode > 07777)
				MOUNT_FAIL("invalid argument \"%s\" for \"--mount\" flag: invalid value for tmpfs-mode: %s", arg, v);
			tmpfs_opts = true;
		} else if (strcmp(f, "volume-driver") == 0) {
			if (strcmp(v, "local") != 0)
				MOUNT_FAIL("invalid argument \"%s\" for \"--mount\" flag: volume driver '%s' is not supported (only local)", arg, v);
			vol_opts = true;
		} else if (strcmp(f, "volume-opt") == 0 || strcmp(f, "volume-label") == 0 || strcmp(f, "bind-recursive") == 0 ||
			   strcmp(f, "bind-nonrecursive") == 0 || strcmp(f, "volume-subpath") == 0) {
			MOUNT_FAIL("invalid argument \"%s\" for \"--mount\" flag: '%s' is not supported by ccontainer", arg, f);
		} else
			MOUNT_FAIL("invalid argument \"%s\" for \"--mount\" flag: unexpected key '%s' in '%s=%s'", arg, f, f, v);
	}
	if (strcmp(type, "bind") == 0)
		m.kind = RUN_MOUNT_BIND;
	else if (strcmp(type, "tmpfs") == 0)
		m.kind = RUN_MOUNT_TMPFS;
	else if (strcmp(type, "volume") != 0)
		MOUNT_FAIL("invalid argument \"%s\" for \"--mount\" flag: mount type '%s' is not supported (bind, volume, tmpfs)", arg, type);
	if (dst == NULL || *dst == '\0')
		MOUNT_FAIL("invalid argument \"%s\" for \"--mount\" flag: target is required", arg);
	if (dst[0] != '/')
		MOUNT_FAIL("invalid mount config for type \"%s\": invalid mount path: '%s' mount path must be absolute", type, dst);
	if (m.kind != RUN_MOUNT_BIND && bind_opts)
		MOUNT_FAIL("invalid mount config for type \"%s\": field BindOptions must not be specified", type);
	if (m.kind != RUN_MOUNT_VOLUME && vol_opts)
		MOUNT_FAIL("invalid mount config for type \"%s\": field VolumeOptions must not be specified", type);
	if (m.kind != RUN_MOUNT_TMPFS && tmpfs_opts)
		MOUNT_FAIL("invalid mount config for type \"%s\": field TmpfsOptions must not be specified", type);
	if (m.kind == RUN_MOUNT_TMPFS && src != NULL && *src != '\0')
		MOUNT_FAIL("invalid mount config for type \"tmpfs\": field Source must not be specified");
	if (m.kind == RUN_MOUNT_BIND && (src == NULL || *src == '\0'))
		MOUNT_FAIL("invalid mount config for type \"bind\": field Source must not be empty");
	if (m.kind == RUN_MOUNT_BIND && src[0] != '/')
		MOUNT_FAIL("invalid mount config for type \"bind\": invalid mount path: '%s' mount path must be absolute", src);
	struct stat st;
	if (m.kind == RUN_MOUNT_BIND && stat(src, &st) < 0) /* --mount's rule, unlike -v's */
		MOUNT_FAIL("invalid mount config for type \"bind\": bind source path does not exist: %s", src);
	if (m.kind == RUN_MOUNT_VOLUME && src != NULL && *src != '\0' && !cc_volume_name_valid(src))
		MOUNT_FAIL("create %s: \"%s\" includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute path",
			   src, src);
	if (prop != NULL && !propagation_word(prop))
		MOUNT_FAIL("invalid mount config for type \"bind\": invalid propagation mode: %s", prop);
	if (prop != NULL && (m.propagation = strdup(prop)) == NULL)
		MOUNT_FAIL("out of memory");
	m.readonly = ro;
	m.anonymous = m.kind == RUN_MOUNT_VOLUME && (src == NULL || *src == '\0');
	if ((m.target = clean_target(dst)) == NULL || (m.kind != RUN_MOUNT_TMPFS && !m.anonymous && (m.source = strdup(src)) == NULL) ||
	    (m.mode = strdup("")) == NULL)
		MOUNT_FAIL("out of memory");
	if (m.kind == RUN_MOUNT_TMPFS) {
		char opts[96] = "";
		size_t l = 0;
		if (size > 0)
			l += (size_t)snprintf(opts + l, sizeof(opts) - l, "size=%lld", (long long)size);
		if (tmode >= 0)
			l += (size_t)snprintf(opts + l, sizeof(opts) - l, "%smode=%lo", l ? "," : "", (unsigned long)tmode);
		if (ro)
			snprintf(opts + l, sizeof(opts) - l, "%sro", l ? "," : "");
		if (opts[0] != '\0' && (m.options = strdup(opts)) == NULL)
			MOUNT_FAIL("out of memory");
	}
	o->mounts[o->n_mounts++] = m;
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

/* --dns-search, --dns-option, --domainname, --expose: docker's checks
 * (pflag's words for the first two).  0, or the status after the error. */
static int run_check_dns_expose(const struct run_opts *o)
{
	if (o->dns_search.n > CC_NET_MAX_DNS_SEARCH)
		return cmd_failf(EXIT_CC_ERROR, "too many --dns-search domains (limit %d)", CC_NET_MAX_DNS_SEARCH);
	for (size_t i = 0; i < o->dns_search.n; i++)
		if (!cc_net_dns_search_valid(o->dns_search.v[i]))
			return cmd_failf(EXIT_CC_ERROR, "invalid argument \"%s\" for \"--dns-search\" flag: %s is not a valid domain",
					 o->dns_search.v[i], o->dns_search.v[i]);
	if (o->dns_options.n > CC_NET_MAX_DNS_OPTIONS)
		return cmd_failf(EXIT_CC_ERROR, "too many --dns-option values (limit %d)", CC_NET_MAX_DNS_OPTIONS);
	for (size_t i = 0; i < o->dns_options.n; i++)
		if (!cc_net_dns_option_valid(o->dns_options.v[i]))
			return cmd_failf(EXIT_CC_ERROR,
					 "invalid argument \"%s\" for \"--dns-option\" flag: an option is one word of printable ASCII (ndots:2, rotate)",
					 o->dns_options.v[i]);
	if (o->domainname != NULL && !cc_container_domainname_valid(o->domainname))
		return cmd_failf(EXIT_CC_ERROR,
				 "invalid --domainname '%s': labels of letters, digits and '-' joined by '.', at most 64 bytes",
				 o->domainname);
	_cleanup_free_ struct cc_port_map *maps = calloc(CC_NET_MAX_PORTS, sizeof(*maps));
	size_t n = 0;
	if (maps == NULL)
		return cmd_failf(EXIT_CC_ERROR, "out of memory");
	for (size_t i = 0; i < o->expose.n; i++) {
		cc_error *e = NULL;
		if (cc_net_parse_expose(o->expose.v[i], maps, CC_NET_MAX_PORTS, &n, &e) < 0)
			return cmd_fail(e, EXIT_CC_ERROR);
	}
	return 0;
}

/* What the table cannot say about the values: each -v, --tmpfs,
 * --security-opt, --ulimit, --log-opt parsed, --cpus, --network and -w
 * checked, the resources gathered.  0, or the status after the error. */
/* One --network value: NAME, or docker's NAME=…,alias=…,ip=…,mac-address=…
 * form (name=NET,alias=A,...), into o->eps[o->n_eps]. */
static int network_item(struct run_opts *o, const char *v)
{
	if (o->n_eps == CC_NET_MAX_ENDPOINTS)
		return cmd_failf(EXIT_CC_ERROR, "too many networks (limit %d)", CC_NET_MAX_ENDPOINTS);
	struct run_ep *e = &o->eps[o->n_eps];
	*e = (struct run_ep){ .network = v };
	if (strchr(v, '=') == NULL) {
		o->n_eps++;
		return 0;
	}
	e->network = NULL;
	if ((e->buf = strdup(v)) == NULL)
		return cmd_failf(EXIT_CC_ERROR, "out of memory");
	o->n_eps++; /* its buf is run_opts_release's from here */
	char *save = NULL;
	for (char *f = strtok_r(e->buf, ",", &save); f != NULL; f = strtok_r(NULL, ",", &save)) {
		char *val = strchr(f, '=');
		if (val == NULL)
			return cmd_failf(EXIT_CC_ERROR, "invalid argument \"%s\" for \"--network\" flag: invalid field '%s' must be a key=value pair", v, f);
		*val++ = '\0';
		if (strcmp(f, "name") == 0)
			e->network = val;
		else if (strcmp(f, "alias") == 0 && e->n_aliases < 16)
			e->aliases[e->n_aliases++] = val;
		else if (strcmp(f, "ip") == 0)
			e->ip = val;
		else if (strcmp(f, "mac-address") == 0)
			e->mac = val;
		else if (strcmp(f, "driver-opt") != 0)
			return cmd_failf(EXIT_CC_ERROR, "invalid argument for \"--network\" flag: unknown field '%s'", f);
	}
	if (e->network == NULL)
		return cmd_failf(EXIT_CC_ERROR, "invalid argument for \"--network\" flag: network name is required");
	return 0;
}

/* --network (any number), --ip, --mac-address, --network-alias: the mode
 * and the endpoints of the spec. */
static int networks_check(struct run_opts *o)
{
	o->n_eps = 0;
	for (size_t i = 0; i < o->networks.n; i++) {
		int rc = network_item(o, o->networks.v[i]);
		if (rc != 0)
			return rc;
	}
	const char *first = o->n_eps > 0 ? o->eps[0].network : "bridge";
	/* rootless: no bridge of ours on the host; pasta is the default, as
	 * rootless podman's */
	if (cc_rootless() && (strcmp(first, "bridge") == 0 || strcmp(first, "default") == 0)) {
		first = cc_network_rootless_default();
		if (o->n_eps > 0)
			o->eps[0].network = first;
	}
	o->network = first;
	if (strcmp(first, "none") == 0)
		o->net_mode = CC_NET_NONE;
	else if (strcmp(first, "pasta") == 0 || strcmp(first, "slirp4netns") == 0)
		o->net_mode = CC_NET_PASTA;
	else if (strcmp(first, "host") == 0)
		o->net_mode = CC_NET_HOST;
	else if (strncmp(first, "container:", 10) == 0)
		o->net_mode = CC_NET_JOIN;
	else
		o->net_mode = CC_NET_BRIDGE;
	if (strcmp(first, "default") == 0)
		o->network = o->eps[0].network = "bridge";
	if (o->net_mode != CC_NET_BRIDGE) {
		if (o->net_mode == CC_NET_PASTA && !cc_rootless())
			return cmd_failf(EXIT_CC_ERROR, "--network %s is for rootless containers (as root: bridge)", first);
		if (o->n_eps > 1)
			return cmd_failf(EXIT_CC_ERROR, "conflicting options: cannot attach both user-defined and non-user-defined network-modes");
		if (o->ip != NULL || o->mac != NULL || o->aliases.n > 0 || (o->n_eps > 0 && o->eps[0].n_aliases > 0))
			return cmd_failf(EXIT_CC_ERROR, "conflicting options: %s and the network mode",
					 o->ip ? "--ip" : o->mac ? "--mac-address" : "--network-alias");
		if (o->net_mode == CC_NET_JOIN && (o->hostname != NULL || o->net.dns.n > 0 || o->net.add_host.n > 0))
			return cmd_failf(EXIT_CC_ERROR, "conflicting options: %s and the network mode",
					 o->hostname ? "hostname" : o->net.dns.n ? "dns" : "add-host");
		if (o->net_mode == CC_NET_JOIN && o->network[10] == '\0')
			return cmd_failf(EXIT_CC_ERROR, "invalid network mode '%s': the container is missing", o->network);
		return 0;
	}
	for (size_t i = 0; i < o->n_eps; i++) {
		const char *n = o->eps[i].network;
		if (strcmp(n, "host") == 0 || strcmp(n, "none") == 0 || strncmp(n, "container:", 10) == 0)
			return cmd_failf(EXIT_CC_ERROR, "conflicting options: cannot attach both user-defined and non-user-defined network-modes");
		if (!cc_network_name_valid(n))
			return cmd_failf(EXIT_CC_ERROR, "network %s not found", n);
	}
	if (o->n_eps == 0)
		o->eps[o->n_eps++] = (struct run_ep){ .network = "bridge" };
	if (o->ip != NULL)
		o->eps[0].ip = o->ip;
	if (o->mac != NULL)
		o->eps[0].mac = o->mac;
	for (size_t i = 0; i < o->aliases.n && o->eps[0].n_aliases < 16; i++)
		o->eps[0].aliases[o->eps[0].n_aliases++] = o->aliases.v[i];
	return 0;
}

/* --network container:NAME: the spec names the container by its ID, so a
 * rename never changes whose namespace it joins. */
static int resolve_join(struct cc_store *s, struct cc_container_spec *sp)
{
	if (sp->network == NULL || strncmp(sp->network, "container:", 10) != 0)
		return 0;
	struct cc_container_record *c = NULL;
	cc_error *e = NULL;
	if (cc_store_container_get(s, sp->network + 10, &c, &e) < 0)
		return cmd_fail(e, EXIT_CC_ERROR);
	char *mode = NULL;
	if (asprintf(&mode, "container:%s", c->id) < 0) {
		cc_container_record_free(c);
		return cmd_failf(EXIT_CC_ERROR, "out of memory");
	}
	cc_container_record_free(c);
	free(sp->network);
	sp->network = mode;
	return 0;
}

static int run_opts_check(struct run_opts *o)
{
	int rc = 0;
	o->mounts = calloc(o->volumes.n + o->mount_specs.n + o->tmpfs_specs.n + 1, sizeof(*o->mounts));
	if (o->mounts == NULL)
		return cmd_failf(EXIT_CC_ERROR, "out of memory");
	if (o->shm_size < 0)
		return cmd_failf(EXIT_CC_ERROR, "invalid --shm-size: it must be a positive size");
	/* --userns: "host" (or empty) is what a container gets, as root and
	 * rootless (the user's namespace); podman's others are not here yet */
	if (o->userns != NULL && o->userns[0] != '\0' && strcmp(o->userns, "host") != 0)
		return cmd_failf(EXIT_CC_ERROR, "--userns=%s is not supported yet (only host: %s)", o->userns,
				 cc_rootless() ? "the user's own namespace" : "the host's user namespace");
	if (o->stop_signal != NULL && cc_container_parse_signal(o->stop_signal) < 0)
		return cmd_failf(EXIT_CC_ERROR, "invalid signal: %s", o->stop_signal);
	if (o->stop_timeout != CMD_INT_UNSET && (o->stop_timeout < -1 || o->stop_timeout > 86400))
		return cmd_failf(EXIT_CC_ERROR, "invalid --stop-timeout %lld: seconds from 0 to 86400, or -1",
				 (long long)o->stop_timeout);
	for (size_t i = 0; rc == 0 && i < o->volumes.n; i++)
		rc = parse_volume(o, o->volumes.v[i]);
	for (size_t i = 0; rc == 0 && i < o->mount_specs.n; i++)
		rc = parse_mount(o, o->mount_specs.v[i]);
	for (size_t i = 0; rc == 0 && i < o->tmpfs_specs.n; i++)
		rc = parse_tmpfs(o, o->tmpfs_specs.v[i]);
	/* docker: one mount per target among the user's */
	for (size_t i = 0; rc == 0 && i < o->n_mounts; i++)
		for (size_t k = i + 1; rc == 0 && k < o->n_mounts; k++)
			if (strcmp(o->mounts[i].target, o->mounts[k].target) == 0)
				rc = cmd_failf(EXIT_CC_ERROR, "Duplicate mount point: %s", o->mounts[k].target);
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
	if (rc == 0)
		rc = run_check_dns_expose(o);
	if (rc != 0)
		return rc;
	o->res.memory = o->memory; /* 0: no limit, as docker's --memory 0 */
	o->res.memory_swap = o->memory_swap;
	o->res.cpu_shares = o->cpu_shares;
	o->res.pids_limit = o->pids_limit < 0 ? -1 : o->pids_limit; /* docker: 0 or -1 is unlimited */
	if ((rc = networks_check(o)) != 0)
		return rc;
	/* docker: a container joining another's network has its resolv.conf
	 * and its ports */
	if (o->net_mode == CC_NET_JOIN && (o->dns_search.n > 0 || o->dns_options.n > 0))
		return cmd_failf(EXIT_CC_ERROR, "conflicting options: dns and the network mode");
	if (o->net_mode == CC_NET_JOIN && o->expose.n > 0)
		return cmd_failf(EXIT_CC_ERROR, "conflicting options: port exposing and the container type network mode");
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

/* Their part of the spec (checked): search domains as docker keeps them
 * (without the trailing dot), each exposed port on its own.  -1: no memory. */
static int run_spec_dns_expose(const struct run_opts *o, struct cc_container_spec *sp)
{
	_cleanup_free_ struct cc_port_map *maps = calloc(CC_NET_MAX_PORTS, sizeof(*maps));
	size_t n = 0;
	for (size_t i = 0; maps != NULL && i < o->expose.n; i++)
		if (cc_net_parse_expose(o->expose.v[i], maps, CC_NET_MAX_PORTS, &n, NULL) < 0)
			return -1; /* run_check_dns_expose took it */
	if (maps == NULL || (sp->dns_search = strv_dup(o->dns_search.v, o->dns_search.n)) == NULL ||
	    (sp->dns_options = strv_dup(o->dns_options.v, o->dns_options.n)) == NULL ||
	    (sp->expose = calloc(n + 1, sizeof(char *))) == NULL ||
	    (o->domainname != NULL && (sp->domainname = strdup(o->domainname)) == NULL))
		return -1;
	for (char **d = sp->dns_search; *d; d++) {
		size_t l = strlen(*d);
		if (l > 1 && (*d)[l - 1] == '.')
			(*d)[l - 1] = '\0';
	}
	for (size_t i = 0; i < n; i++) {
		char key[32];
		cc_net_format_container_port(&maps[i], key, sizeof(key));
		if ((sp->expose[i] = strdup(key)) == NULL)
			return -1;
	}
	return 0;
}

/* What run resolves once, at create, into the container's spec: the
 * command (the image's Entrypoint and Cmd under --entrypoint and the
 * arguments), the environment (the image's, docker's defaults, --env-file,
 * -e), the options as the runtime takes them.  0, or the status after
 * printing. */
static int build_spec(const struct run_opts *o, char **pos, const struct cc_run_config *ic, const char *id,
		      const struct run_mount *mounts, size_t n_mounts, struct cc_container_spec *sp)
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
	sp->shm_size = o->shm_size;
	if ((sp->mounts = calloc(n_mounts + 1, sizeof(*sp->mounts))) == NULL)
		goto nomem;
	for (size_t i = 0; i < n_mounts; i++) {
		const struct run_mount *rm = &mounts[i];
		struct cc_container_mount *m = &sp->mounts[sp->n_mounts++];
		m->tmpfs = rm->kind == RUN_MOUNT_TMPFS;
		m->readonly = rm->readonly;
		m->nocopy = rm->nocopy;
		m->anonymous = rm->anonymous;
		const char *src = rm->kind == RUN_MOUNT_VOLUME ? rm->data : rm->source;
		if ((m->target = strdup(rm->target)) == NULL || (!m->tmpfs && (src == NULL || (m->source = strdup(src)) == NULL)) ||
		    (rm->options && (m->options = strdup(rm->options)) == NULL) ||
		    (rm->mode && (m->mode = strdup(rm->mode)) == NULL) ||
		    (rm->kind == RUN_MOUNT_BIND && rm->propagation && (m->propagation = strdup(rm->propagation)) == NULL) ||
		    (rm->kind == RUN_MOUNT_VOLUME && (m->volume = strdup(rm->source)) == NULL))
			goto nomem;
	}
	if ((sp->cap_add = strv_dup(o->cap_add.v, o->cap_add.n)) == NULL ||
	    (sp->cap_drop = strv_dup(o->cap_drop.v, o->cap_drop.n)) == NULL ||
	    (sp->security_opt = strv_dup(o->security_opts.v, o->security_opts.n)) == NULL ||
	    (sp->dns = strv_dup(o->net.dns.v, o->net.dns.n)) == NULL ||
	    (sp->extra_hosts = strv_dup(o->net.add_host.v, o->net.add_host.n)) == NULL ||
	    (sp->publish = strv_dup(o->net.publish.v, o->net.publish.n)) == NULL ||
	    (sp->ulimits = ulimit_texts(o)) == NULL || (sp->network = strdup(o->network)) == NULL ||
	    (o->n_eps > 0 && (sp->networks = calloc(o->n_eps, sizeof(*sp->networks))) == NULL) ||
	    (o->seccomp && (sp->seccomp = strdup_or_null(o->seccomp)) == NULL))
		goto nomem;
	for (size_t i = 0; o->net_mode == CC_NET_BRIDGE && i < o->n_eps; i++) {
		const struct run_ep *f = &o->eps[i];
		struct cc_container_endpoint *t = &sp->networks[sp->n_networks++];
		if ((t->network = strdup(f->network)) == NULL || (f->ip && (t->ip = strdup(f->ip)) == NULL) ||
		    (f->mac && (t->mac = strdup(f->mac)) == NULL) ||
		    (f->n_aliases > 0 && (t->aliases = strv_dup(f->aliases, f->n_aliases)) == NULL))
			goto nomem;
	}
	sp->publish_all = o->net.publish_all;
	if (run_spec_dns_expose(o, sp) < 0)
		goto nomem;
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

static int mount_copy(const struct run_mount *from, struct run_mount *to)
{
	*to = (struct run_mount){ .kind = from->kind, .readonly = from->readonly, .nocopy = from->nocopy,
				  .anonymous = from->anonymous, .make_source = from->make_source };
	if ((from->source && (to->source = strdup(from->source)) == NULL) || (to->target = strdup(from->target)) == NULL ||
	    (from->options && (to->options = strdup(from->options)) == NULL) ||
	    (from->mode && (to->mode = strdup(from->mode)) == NULL) ||
	    (from->propagation && (to->propagation = strdup(from->propagation)) == NULL)) {
		run_mount_release(to);
		return -1;
	}
	return 0;
}

/* m into the list: one for the same target is replaced (a later source wins). */
static void mount_put(struct run_mount *list, size_t *n, struct run_mount *m)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp(list[i].target, m->target) == 0) {
			run_mount_release(&list[i]);
			list[i] = *m;
			return;
		}
	list[(*n)++] = *m;
}

/* --volumes-from CTR[:ro|rw]: its bind and volume mounts (not its tmpfs),
 * read-only or read-write as given, else as they are there. */
static int volumes_from(struct cc_store *s, const char *arg, struct run_mount **list, size_t *n, size_t *cap)
{
	_cleanup_free_ char *ref = strdup(arg);
	if (ref == NULL)
		return cmd_failf(EXIT_CC_ERROR, "out of memory");
	char *mode = strchr(ref, ':');
	int ro = -1;
	if (mode != NULL) {
		*mode++ = '\0';
		if (strcmp(mode, "ro") == 0)
			ro = 1;
		else if (strcmp(mode, "rw") == 0)
			ro = 0;
		else
			return cmd_failf(EXIT_CC_ERROR, "invalid --volumes-from '%s': the mode must be ro or rw", arg);
	}
	struct cc_container_record *c = cmd_container_get(s, ref);
	if (c == NULL)
		return EXIT_CC_ERROR;
	struct cc_container_spec sp = { 0 };
	cc_error *e = NULL;
	int rc = cmd_container_spec(s, c, false, &sp, &e) < 0 ? cmd_fail(e, EXIT_CC_ERROR) : 0;
	cc_container_record_free(c);
	if (rc == 0 && *n + sp.n_mounts > *cap) {
		size_t nc = *n + sp.n_mounts + 8;
		struct run_mount *nl = realloc(*list, nc * sizeof(**list));
		if (nl == NULL)
			rc = cmd_failf(EXIT_CC_ERROR, "out of memory");
		else {
			*list = nl;
			*cap = nc;
		}
	}
	for (size_t i = 0; rc == 0 && i < sp.n_mounts; i++) {
		const struct cc_container_mount *cm = &sp.mounts[i];
		if (cm->tmpfs)
			continue;
		/* the volume stays the other container's: not anonymous here */
		struct run_mount from = { .kind = cm->volume ? RUN_MOUNT_VOLUME : RUN_MOUNT_BIND,
					  .source = cm->volume ? cm->volume : cm->source, .target = cm->target,
					  .mode = cm->mode, .readonly = ro >= 0 ? ro == 1 : cm->readonly, .nocopy = true,
					  .propagation = cm->propagation };
		struct run_mount m;
		if (mount_copy(&from, &m) < 0)
			rc = cmd_failf(EXIT_CC_ERROR, "out of memory");
		else
			mount_put(*list, n, &m);
	}
	cc_container_spec_release(&sp);
	return rc;
}

/* The container's mounts: the image's VOLUMEs (anonymous volumes), then
 * --volumes-from's, then the user's, a later one for a target replacing an
 * earlier (docker's order); each volume resolved to its _data, a named one
 * made when missing, an anonymous one made (its name added to *made, which
 * the caller removes again when the container is not made).  0, or the
 * status after printing. */
static int resolve_mounts(struct cc_store *s, const struct run_opts *o, const struct cc_run_config *ic,
			  struct run_mount **ret, size_t *ret_n, char ***made)
{
	size_t n_img = 0, n = 0, cap;
	while (ic->volumes && ic->volumes[n_img])
		n_img++;
	cap = n_img + o->n_mounts + 1;
	struct run_mount *list = calloc(cap, sizeof(*list));
	*made = calloc(cap + 1, sizeof(char *));
	int rc = list == NULL || *made == NULL ? cmd_failf(EXIT_CC_ERROR, "out of memory") : 0;
	for (size_t i = 0; rc == 0 && i < n_img; i++) {
		if (ic->volumes[i][0] != '/')
			continue;
		struct run_mount m = { .kind = RUN_MOUNT_VOLUME, .anonymous = true, .target = clean_target(ic->volumes[i]),
				       .mode = strdup("") };
		if (m.target == NULL || m.mode == NULL) {
			run_mount_release(&m);
			rc = cmd_failf(EXIT_CC_ERROR, "out of memory");
		} else
			mount_put(list, &n, &m);
	}
	for (size_t i = 0; rc == 0 && i < o->volumes_from.n; i++)
		rc = volumes_from(s, o->volumes_from.v[i], &list, &n, &cap);
	if (rc == 0 && n + o->n_mounts > cap) {
		struct run_mount *nl = realloc(list, (n + o->n_mounts + 1) * sizeof(*list));
		if (nl == NULL)
			rc = cmd_failf(EXIT_CC_ERROR, "out of memory");
		else
			list = nl;
	}
	for (size_t i = 0; rc == 0 && i < o->n_mounts; i++) {
		struct run_mount m;
		if (mount_copy(&o->mounts[i], &m) < 0)
			rc = cmd_failf(EXIT_CC_ERROR, "out of memory");
		else
			mount_put(list, &n, &m);
	}
	size_t n_made = 0;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		struct run_mount *m = &list[i];
		struct stat st;
		if (m->kind == RUN_MOUNT_BIND && m->make_source && stat(m->source, &st) < 0 && errno == ENOENT) {
			cc_error *e = NULL;
			if (cc_mkdir_p(m->source, 0755, &e) < 0)
				rc = cmd_fail(e, EXIT_CC_ERROR);
		}
		if (m->kind != RUN_MOUNT_VOLUME)
			continue;
		cc_error *e = NULL;
		struct cc_volume_record *v = NULL;
		bool created = false;
		if (cc_volume_create(s, m->anonymous ? NULL : m->source, NULL, NULL, &v, &created, &e) < 0) {
			rc = cmd_fail(e, EXIT_CC_ERROR);
			break;
		}
		/* an anonymous volume named (compose's recreate hands the old
		 * container's on) stays anonymous: `rm -v` takes it (docker's
		 * rule is the volume's label) */
		if (v->anonymous)
			m->anonymous = true;
		if (m->anonymous && created && ((*made)[n_made] = strdup(v->name)) != NULL)
			n_made++;
		free(m->source);
		m->source = strdup(v->name);
		m->data = cc_store_volume_data(s, v->name);
		cc_volume_record_free(v);
		if (m->source == NULL || m->data == NULL)
			rc = cmd_failf(EXIT_CC_ERROR, "out of memory");
	}
	if (rc != 0) {
		for (size_t i = 0; i < n; i++)
			run_mount_release(&list[i]);
		free(list);
		return rc;
	}
	*ret = list;
	*ret_n = n;
	return 0;
}

/* run and create: the options into the container's spec (lib/container),
 * then the engine creates it and starts it in the foreground, or hands it
 * to a monitor (-d), or leaves it (create). */
/* cmd_create_quiet: the ID is not printed */
static bool create_quiet;

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
		.own_net = o->net_mode != CC_NET_HOST && o->net_mode != CC_NET_JOIN, .container_id = id, .resources = o->res, .privileged = o->privileged,
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
	struct run_mount *mounts = NULL;
	size_t n_mounts = 0;
	_cleanup_strv_ char **anon_made = NULL;

	if ((rc = find_or_pull(s, image, &image_id)) != 0)
		goto out;
	if (cc_image_run_config(s, image_id, &ic, &e) < 0) {
		rc = cmd_fail(e, EXIT_CC_ERROR);
		goto out;
	}
	if ((rc = resolve_mounts(s, o, ic, &mounts, &n_mounts, &anon_made)) != 0 ||
	    (rc = build_spec(o, pos, ic, id, mounts, n_mounts, &spec)) != 0 || (rc = resolve_join(s, &spec)) != 0 ||
	    (rc = build_labels(o, ic, &labels)) != 0 || (rc = run_healthcheck(s, image_id, o, &hc)) != 0)
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
		if (!create_quiet)
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
	/* anonymous volumes made for a container that was not made go again */
	if (rec == NULL)
		cc_container_remove_volumes(s, anon_made);
	for (size_t i = 0; i < n_mounts; i++)
		run_mount_release(&mounts[i]);
	free(mounts);
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
	OPT_LIST(0, "dns-opt", struct run_opts, dns_options, "list", "Same as --dns-option", .flags = CMD_OPT_HIDDEN),
	OPT_LIST(0, "dns-option", struct run_opts, dns_options, "list", "Set DNS options"),
	OPT_LIST(0, "dns-search", struct run_opts, dns_search, "list", "Set custom DNS search domains"),
	OPT_STRING(0, "domainname", struct run_opts, domainname, "string", "Container NIS domain name"),
	OPT_STRING(0, "entrypoint", struct run_opts, entrypoint, "string", "Overwrite the default ENTRYPOINT of the image"),
	OPT_LIST('e', "env", struct run_opts, env, "list", "Set environment variables"),
	OPT_LIST(0, "env-file", struct run_opts, env_files, "list", "Read in a file of environment variables", .complete = CMD_COMPLETE_FILE),
	OPT_LIST(0, "expose", struct run_opts, expose, "list", "Expose a port or a range of ports"),
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
	OPT_LIST(0, "mount", struct run_opts, mount_specs, "mount", "Attach a filesystem mount to the container"),
	OPT_STRING(0, "name", struct run_opts, name, "string", "Assign a name to the container"),
	OPT_LIST(0, "network", struct run_opts, networks, "network",
		 "Connect a container to a network (bridge, host, none, container:NAME, or a network's name)",
		 .complete = CMD_COMPLETE_WORDS, .words = "bridge host none"),
	OPT_LIST(0, "net", struct run_opts, networks, "network", "Same as --network", .flags = CMD_OPT_HIDDEN),
	OPT_LIST(0, "network-alias", struct run_opts, aliases, "list", "Add network-scoped alias for the container"),
	OPT_LIST(0, "net-alias", struct run_opts, aliases, "list", "Same as --network-alias", .flags = CMD_OPT_HIDDEN),
	OPT_STRING(0, "ip", struct run_opts, ip, "string", "IPv4 address (e.g., 172.30.100.104)"),
	OPT_STRING(0, "mac-address", struct run_opts, mac, "string", "Container MAC address (e.g., 92:d0:c6:0a:29:33)"),
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
	OPT_BYTES(0, "shm-size", struct run_opts, shm_size, "bytes", "Size of /dev/shm"),
	OPT_STRING(0, "stop-signal", struct run_opts, stop_signal, "string", "Signal to stop the container (default: the image's, else SIGTERM)"),
	OPT_INT(0, "stop-timeout", struct run_opts, stop_timeout, "int",
		"Timeout (in seconds) to stop a container (default 10; -1: no limit)", .flags = CMD_OPT_UNSET),
	OPT_LIST(0, "tmpfs", struct run_opts, tmpfs_specs, "list", "Mount a tmpfs directory"),
	OPT_BOOL('t', "tty", struct run_opts, tty, "Allocate a pseudo-TTY"),
	OPT_LIST(0, "ulimit", struct run_opts, ulimit_specs, "ulimit", "Ulimit options"),
	OPT_STRING('u', "user", struct run_opts, user, "string", "Username or UID (format: <name|uid>[:<group|gid>])"),
	OPT_STRING(0, "userns", struct run_opts, userns, "string",
		   "User namespace to use (host: the host's, or rootless the user's; auto and keep-id are not supported yet)",
		   .complete = CMD_COMPLETE_WORDS, .words = "host"),
	OPT_LIST('v', "volume", struct run_opts, volumes, "list", "Bind mount a volume"),
	OPT_LIST(0, "volumes-from", struct run_opts, volumes_from, "list", "Mount volumes from the specified container(s)"),
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

int cmd_create_quiet(const char *path, int argc, char **argv)
{
	create_quiet = true;
	int rc = cmd_verb_run(&cmd_create_verb, path, argc, argv);
	create_quiet = false;
	return rc;
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
		rc = build_spec(&o, pos, ic, c->id, o.mounts, o.n_mounts, ret);
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
