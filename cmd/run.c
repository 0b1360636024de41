/* ccontainer run: resolve (or pull) the image, describe the container to the
 * runtime, run it in the foreground, and record it. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "net.h"
#include "runtime/runtime.h"
#include "util/json.h"

#define MAX_MOUNTS 64
#define MAX_ENV 1024
#define MAX_CAPS 64
#define MAX_ULIMITS 32
#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

struct run_opts {
	bool rm, interactive, tty, init, read_only, detach;
	const char *name, *hostname, *workdir, *user, *entrypoint, *network;
	bool entrypoint_set;
	const char *env[MAX_ENV];
	size_t n_env;
	const char *env_files[16];
	size_t n_env_files;
	struct cc_bind_mount binds[MAX_MOUNTS];
	size_t n_binds;
	struct cc_tmpfs_mount tmpfs[MAX_MOUNTS];
	size_t n_tmpfs;
	char *owned[2 * MAX_MOUNTS]; /* strings split out of -v/--tmpfs arguments */
	size_t n_owned;
	/* privileges and resources */
	bool privileged, no_new_privs;
	const char *seccomp;
	const char *cap_add[MAX_CAPS + 1], *cap_drop[MAX_CAPS + 1]; /* NULL-terminated */
	size_t n_cap_add, n_cap_drop;
	struct cc_rlimit ulimits[MAX_ULIMITS];
	size_t n_ulimits;
	struct cc_resources res;
	struct cmd_net_opts net;     /* -p, -P, --dns, --add-host */
	/* --log-driver, --log-opt: what LogConfig records (pointers into argv) */
	const char *log_driver, *log_max_size, *log_max_file;
};

static void run_opts_release(struct run_opts *o)
{
	for (size_t i = 0; i < o->n_owned; i++)
		free(o->owned[i]);
}

static char *own(struct run_opts *o, char *s)
{
	if (s && o->n_owned < sizeof(o->owned) / sizeof(o->owned[0]))
		o->owned[o->n_owned++] = s;
	return s;
}

/* -v SRC:DST[:ro|rw] with an absolute host path. */
static int parse_volume(struct run_opts *o, const char *arg)
{
	if (o->n_binds >= MAX_MOUNTS)
		return cmd_failf(EXIT_CC_ERROR, "too many -v options (limit %d)", MAX_MOUNTS);
	char *copy = own(o, strdup(arg));
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
		for (char *m = strtok(mode, ","); m; m = strtok(NULL, ",")) {
			if (strcmp(m, "ro") == 0)
				ro = true;
			else if (strcmp(m, "rw") == 0)
				ro = false;
			else if (strcmp(m, "z") && strcmp(m, "Z") && strcmp(m, "rprivate") && strcmp(m, "private"))
				return cmd_failf(EXIT_CC_ERROR, "invalid volume '%s': unknown mode '%s'", arg, m);
		}
	}
	o->binds[o->n_binds++] = (struct cc_bind_mount){ .source = src, .target = dst, .readonly = ro };
	return 0;
}

static int parse_tmpfs(struct run_opts *o, const char *arg)
{
	if (o->n_tmpfs >= MAX_MOUNTS)
		return cmd_failf(EXIT_CC_ERROR, "too many --tmpfs options (limit %d)", MAX_MOUNTS);
	char *copy = own(o, strdup(arg));
	if (copy == NULL)
		return cmd_failf(EXIT_CC_ERROR, "out of memory");
	char *opts = strchr(copy, ':');
	if (opts)
		*opts++ = '\0';
	if (copy[0] != '/')
		return cmd_failf(EXIT_CC_ERROR, "invalid --tmpfs '%s': the destination must be an absolute path", arg);
	o->tmpfs[o->n_tmpfs++] = (struct cc_tmpfs_mount){ .target = copy, .options = opts };
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

/* --memory, --memory-swap: "64m", "1g", ...; -1 (swap only) is unlimited. */
static int parse_bytes(const char *opt, const char *arg, bool allow_unlimited, int64_t *ret)
{
	if (allow_unlimited && strcmp(arg, "-1") == 0) {
		*ret = -1;
		return 0;
	}
	if (cc_parse_size(arg, ret) < 0 || *ret <= 0)
		return cmd_failf(EXIT_CC_ERROR, "invalid value '%s' for %s: expected a size like 64m or 1g", arg, opt);
	return 0;
}

static int parse_int(const char *opt, const char *arg, int64_t *ret)
{
	char *end = NULL;
	errno = 0;
	long long v = strtoll(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0')
		return cmd_failf(EXIT_CC_ERROR, "invalid value '%s' for %s: expected an integer", arg, opt);
	*ret = v;
	return 0;
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

static int add_cap(const char **list, size_t *n, const char *opt, const char *arg)
{
	if (*n >= MAX_CAPS)
		return cmd_failf(EXIT_CC_ERROR, "too many %s options (limit %d)", opt, MAX_CAPS);
	list[(*n)++] = arg;
	list[*n] = NULL;
	return 0;
}

static int add_ulimit(struct run_opts *o, const char *arg)
{
	if (o->n_ulimits >= MAX_ULIMITS)
		return cmd_failf(EXIT_CC_ERROR, "too many --ulimit options (limit %d)", MAX_ULIMITS);
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

/* Environment: image first, then --env-file, then -e, later ones winning. */
struct envset {
	char *v[MAX_ENV + 2];
	size_t n;
};

static int env_set(struct envset *e, const char *kv)
{
	const char *eq = strchr(kv, '=');
	size_t klen = eq ? (size_t)(eq - kv) : strlen(kv);
	if (klen == 0)
		return cmd_failf(EXIT_CC_ERROR, "invalid environment variable '%s'", kv);
	_cleanup_free_ char *val = NULL;
	if (eq == NULL) { /* -e NAME takes the host's value, or nothing */
		const char *host = getenv(kv);
		if (host == NULL)
			return 0;
		if (asprintf(&val, "%s=%s", kv, host) < 0)
			return cmd_failf(EXIT_CC_ERROR, "out of memory");
	} else {
		val = strdup(kv);
	}
	for (size_t i = 0; i < e->n; i++) {
		if (strncmp(e->v[i], kv, klen) == 0 && e->v[i][klen] == '=') {
			free(e->v[i]);
			e->v[i] = steal_ptr(&val);
			return 0;
		}
	}
	if (e->n >= MAX_ENV)
		return cmd_failf(EXIT_CC_ERROR, "too many environment variables (limit %d)", MAX_ENV);
	e->v[e->n++] = steal_ptr(&val);
	return 0;
}

static int env_file(struct envset *e, const char *path)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	if (f == NULL)
		return cmd_failf(EXIT_CC_ERROR, "open env file '%s': %s", path, strerror(errno));
	char line[8192];
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		char *p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0' || *p == '#')
			continue;
		if (env_set(e, p) != 0)
			return EXIT_CC_ERROR;
	}
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
	const char *id;
	struct cmd_net *net;
	const char *hosts_file, *hostname, *name;
};

static int record_started(pid_t pid, void *data, cc_error **err)
{
	struct hook_ctx *h = data;
	return cc_store_container_started(h->store, h->id, (int)pid, cc_pid_start_time((int)pid), err);
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
	size_t n = 1;
	for (char *const *a = argv; *a; a++)
		n += strlen(*a) + 1;
	char *s = calloc(1, n);
	for (char *const *a = argv; s && *a; a++) {
		if (a != argv)
			strcat(s, " ");
		strcat(s, *a);
	}
	return s;
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

static void remove_container(struct cc_store *s, const char *id)
{
	cc_error *e = NULL;
	if (cc_store_container_remove(s, id, NULL, &e) < 0)
		cmd_warnf("remove container %.12s: %s", id, e ? e->msg : "");
	cc_error_free(e);
}


static int usage(void)
{
	printf("Usage: ccontainer run [OPTIONS] IMAGE [COMMAND [ARG...]]\n\n"
	       "Options:\n"
	       "  --rm                    remove the container when it exits\n"
	       "  --name NAME             name the container\n"
	       "  -i, --interactive       keep standard input open\n"
	       "  -t, --tty               allocate a pseudo-terminal\n"
	       "  -e, --env K[=V]         set an environment variable\n"
	       "      --env-file FILE     read environment variables from a file\n"
	       "  -v, --volume SRC:DST[:ro]  bind mount a host path\n"
	       "      --tmpfs DST[:OPTS]  mount a tmpfs\n"
	       "      --read-only         mount the root filesystem read-only\n"
	       "  -h, --hostname NAME     container host name\n"
	       "  -w, --workdir DIR       working directory inside the container\n"
	       "  -u, --user USER[:GROUP] user to run as\n"
	       "      --entrypoint CMD    override the image's entrypoint\n"
	       "      --init              run a small init as PID 1 (signals, zombies)\n"
	       "      --network MODE      bridge (default: own address on cc0, NAT), none, host\n"
	       "  -p, --publish [IP:]HOSTPORT:PORT[/udp]  publish a container port on the host\n"
	       "  -P, --publish-all       publish the image's exposed ports on free host ports\n"
	       "      --dns IP            nameserver for the container's /etc/resolv.conf\n"
	       "      --add-host HOST:IP  add a line to /etc/hosts (IP host-gateway: the bridge)\n"
	       "      --privileged        all capabilities, no seccomp, the host's devices\n"
	       "      --cap-add CAP       add a capability (NET_ADMIN, CAP_SYS_TIME, ALL)\n"
	       "      --cap-drop CAP      drop a capability (NET_RAW, ALL)\n"
	       "      --security-opt OPT  seccomp=unconfined, seccomp=PROFILE.json (docker's\n"
	       "                          format), no-new-privileges\n"
	       "      --ulimit NAME=SOFT[:HARD]  resource limit (nofile, nproc, core, ...)\n"
	       "  -m, --memory SIZE       memory limit (64m, 1g); OOM kills exit 137\n"
	       "      --memory-swap SIZE  memory plus swap limit (-1: unlimited swap)\n"
	       "      --cpus N            CPU quota in CPUs (0.5, 2)\n"
	       "  -c, --cpu-shares N      relative CPU weight (default 1024)\n"
	       "      --pids-limit N      maximum number of tasks (-1: unlimited)\n"
	       "      --log-opt KEY=VAL   rotate a detached container's log: max-size=10m (per\n"
	       "                          file), max-file=3 (files in all; default 1: cut)\n"
	       "      --log-driver NAME   json-file (default) or k8s-file: the same log\n"
	       "\nPID 1 ignores signals it has no handler for: use --init to make Ctrl-C and\n"
	       "`ccontainer stop` work for programs that do not handle SIGINT/SIGTERM.\n");
	return 0;
}

/* run, and the two halves of a detached start:
 *   existing_id == NULL: `ccontainer run ...` as the user typed it (with -d,
 *     it creates the container and hands it to a monitor);
 *   existing_id != NULL: `ccontainer __start ID` spawned by the monitor,
 *     re-reading the container's own run arguments, starting it detached
 *     and reporting "OK <pid>" (or "ERR <message>") on monitor_fd. */
static int run_main(int argc, char **argv, const char *existing_id, int monitor_fd)
{
	enum { O_RM = 1000, O_NAME, O_ENVFILE, O_TMPFS, O_RO, O_ENTRY, O_INIT, O_NET, O_HELP,
	       O_PRIV, O_CAPADD, O_CAPDROP, O_SECOPT, O_ULIMIT, O_MEMSWAP, O_CPUS, O_PIDS, O_DNS, O_ADDHOST,
	       O_LOGDRIVER, O_LOGOPT };
	static const struct option opts[] = {
		{ "rm", no_argument, NULL, O_RM },
		{ "detach", no_argument, NULL, 'd' },
		{ "name", required_argument, NULL, O_NAME },
		{ "interactive", no_argument, NULL, 'i' },
		{ "tty", no_argument, NULL, 't' },
		{ "env", required_argument, NULL, 'e' },
		{ "env-file", required_argument, NULL, O_ENVFILE },
		{ "volume", required_argument, NULL, 'v' },
		{ "tmpfs", required_argument, NULL, O_TMPFS },
		{ "read-only", no_argument, NULL, O_RO },
		{ "hostname", required_argument, NULL, 'h' },
		{ "workdir", required_argument, NULL, 'w' },
		{ "user", required_argument, NULL, 'u' },
		{ "entrypoint", required_argument, NULL, O_ENTRY },
		{ "init", no_argument, NULL, O_INIT },
		{ "network", required_argument, NULL, O_NET },
		{ "net", required_argument, NULL, O_NET },
		{ "help", no_argument, NULL, O_HELP },
		{ "privileged", no_argument, NULL, O_PRIV },
		{ "cap-add", required_argument, NULL, O_CAPADD },
		{ "cap-drop", required_argument, NULL, O_CAPDROP },
		{ "security-opt", required_argument, NULL, O_SECOPT },
		{ "ulimit", required_argument, NULL, O_ULIMIT },
		{ "memory", required_argument, NULL, 'm' },
		{ "memory-swap", required_argument, NULL, O_MEMSWAP },
		{ "cpus", required_argument, NULL, O_CPUS },
		{ "cpu-shares", required_argument, NULL, 'c' },
		{ "pids-limit", required_argument, NULL, O_PIDS },
		{ "publish", required_argument, NULL, 'p' },
		{ "publish-all", no_argument, NULL, 'P' },
		{ "dns", required_argument, NULL, O_DNS },
		{ "add-host", required_argument, NULL, O_ADDHOST },
		{ "log-driver", required_argument, NULL, O_LOGDRIVER },
		{ "log-opt", required_argument, NULL, O_LOGOPT },
		{ NULL, 0, NULL, 0 },
	};
	struct run_opts o = { .network = "bridge" };
	int c, rc = 0;
	while ((c = getopt_long(argc, argv, "+:dite:v:h:w:u:m:c:p:P", opts, NULL)) != -1) {
		switch (c) {
		case O_RM: o.rm = true; break;
		case 'd': o.detach = true; break;
		case O_NAME: o.name = optarg; break;
		case 'i': o.interactive = true; break;
		case 't': o.tty = true; break;
		case 'e':
			if (o.n_env >= MAX_ENV)
				return cmd_failf(EXIT_CC_ERROR, "too many -e options");
			o.env[o.n_env++] = optarg;
			break;
		case O_ENVFILE:
			if (o.n_env_files >= 16)
				return cmd_failf(EXIT_CC_ERROR, "too many --env-file options");
			o.env_files[o.n_env_files++] = optarg;
			break;
		case 'v': rc = parse_volume(&o, optarg); break;
		case O_TMPFS: rc = parse_tmpfs(&o, optarg); break;
		case O_RO: o.read_only = true; break;
		case 'h': o.hostname = optarg; break;
		case 'w': o.workdir = optarg; break;
		case 'u': o.user = optarg; break;
		case O_ENTRY: o.entrypoint = optarg; o.entrypoint_set = true; break;
		case O_INIT: o.init = true; break;
		case O_NET: o.network = optarg; break;
		case O_PRIV: o.privileged = true; break;
		case O_CAPADD: rc = add_cap(o.cap_add, &o.n_cap_add, "--cap-add", optarg); break;
		case O_CAPDROP: rc = add_cap(o.cap_drop, &o.n_cap_drop, "--cap-drop", optarg); break;
		case O_SECOPT: rc = parse_security_opt(&o, optarg); break;
		case O_ULIMIT: rc = add_ulimit(&o, optarg); break;
		case 'm': rc = parse_bytes("--memory", optarg, false, &o.res.memory); break;
		case O_MEMSWAP: rc = parse_bytes("--memory-swap", optarg, true, &o.res.memory_swap); break;
		case O_CPUS: rc = parse_cpus(&o, optarg); break;
		case 'c': rc = parse_int("--cpu-shares", optarg, &o.res.cpu_shares); break;
		case O_PIDS:
			if ((rc = parse_int("--pids-limit", optarg, &o.res.pids_limit)) == 0 && o.res.pids_limit <= 0)
				o.res.pids_limit = -1; /* docker: 0 or -1 is unlimited */
			break;
		case 'p': rc = cmd_net_opt(&o.net, 'p', optarg); break;
		case 'P': o.net.publish_all = true; break;
		case O_DNS: rc = cmd_net_opt(&o.net, 'd', optarg); break;
		case O_ADDHOST: rc = cmd_net_opt(&o.net, 'a', optarg); break;
		case O_LOGDRIVER:
			if ((rc = cmd_log_driver(optarg)) == 0)
				o.log_driver = optarg;
			break;
		case O_LOGOPT: rc = cmd_log_opt(optarg, &o.log_max_size, &o.log_max_file); break;
		case O_HELP: run_opts_release(&o); return usage();
		default: run_opts_release(&o); return cmd_bad_flag(c, argv);
		}
		if (rc != 0) {
			run_opts_release(&o);
			return rc;
		}
	}
	if (optind >= argc) {
		run_opts_release(&o);
		return cmd_failf(EXIT_CC_ERROR, "\"run\" requires at least 1 argument: ccontainer run [OPTIONS] IMAGE [COMMAND [ARG...]]");
	}
	enum cc_net_mode net;
	if (strcmp(o.network, "none") == 0)
		net = CC_NET_NONE;
	else if (strcmp(o.network, "host") == 0)
		net = CC_NET_HOST;
	else if (strcmp(o.network, "bridge") == 0)
		net = CC_NET_BRIDGE;
	else {
		run_opts_release(&o);
		return cmd_failf(EXIT_CC_ERROR, "network mode '%s' is not supported (use bridge, none or host)", o.network);
	}
	if (o.workdir && o.workdir[0] != '/') {
		run_opts_release(&o);
		return cmd_failf(EXIT_CC_ERROR, "the working directory '%s' is invalid, it needs to be an absolute path", o.workdir);
	}
	const char *image = argv[optind];
	char **user_args = argv + optind + 1;

	/* The identity first: the kernel's work for the container's own
	 * namespaces and cgroup overlaps ours on the store and the image
	 * below.  A detached start by `run -d` clones nothing itself (its
	 * __start does). */
	cc_error *e = NULL;
	char idbuf[65];
	if (existing_id) {
		snprintf(idbuf, sizeof(idbuf), "%s", existing_id);
	} else if (cc_random_hex(idbuf, 32, &e) < 0) {
		run_opts_release(&o);
		return cmd_fail(e, EXIT_CC_ERROR);
	}
	struct cc_runtime_prep_request prep_req = {
		.own_net = net != CC_NET_HOST, .container_id = idbuf, .resources = o.res, .privileged = o.privileged,
	};
	struct cc_runtime_prep *prep = o.detach && !existing_id ? NULL : cc_runtime_prepare(&prep_req);

	struct cc_store *s = cmd_open_store();
	if (s == NULL) {
		cc_runtime_prep_release(prep);
		run_opts_release(&o);
		return EXIT_CC_ERROR;
	}
	_cleanup_free_ char *image_id = NULL, *id = NULL, *dir = NULL, *cmdline = NULL, *resolv = NULL;
	_cleanup_free_ char *cfgtext = NULL, *hostname_file = NULL, *hosts_file = NULL, *resolv_file = NULL;
	_cleanup_free_ char *rundir = NULL;
	_cleanup_free_ char *seccomp_cache = NULL;
	struct cc_run_config *ic = NULL;
	struct envset env = { .n = 0 };
	char **args = NULL;
	char name_buf[128], hostname[65];
	char *upper = NULL, *work = NULL;
	_cleanup_free_ const char **lowers = NULL;
	bool row_added = false, oom_killed = false;
	int status = 0;
	json_t *cfgjson = NULL;
	struct cc_container_record *existing = NULL;
	struct cmd_net netw = { .mode = CC_NET_NONE }; /* released at out: */
	_cleanup_free_ char *hosts = NULL;
	_cleanup_close_ int run_lock = -1;
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
	char **ep = o.entrypoint_set ? (o.entrypoint && *o.entrypoint ? ep_override : NULL) : ic->entrypoint;
	char **cmdv = *user_args ? user_args : (o.entrypoint_set ? NULL : ic->cmd);
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
		size_t nl = strlen(o.name);
		bool ok = nl > 0 && nl < sizeof(name_buf);
		for (size_t i = 0; ok && i < nl; i++)
			ok = (o.name[i] >= 'a' && o.name[i] <= 'z') || (o.name[i] >= 'A' && o.name[i] <= 'Z') ||
			     (o.name[i] >= '0' && o.name[i] <= '9') || (i > 0 && strchr("_.-", o.name[i]));
		if (!ok) {
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
		if ((rc = env_set(&env, *v)) != 0)
			goto out;
	/* docker's defaults, which the image's Env overrides: PATH, HOSTNAME,
	 * and TERM=xterm with -t. */
	bool has_path = false, has_hostname = false, has_term = false;
	for (size_t i = 0; i < env.n; i++) {
		has_path |= cc_str_has_prefix(env.v[i], "PATH=");
		has_hostname |= cc_str_has_prefix(env.v[i], "HOSTNAME=");
		has_term |= cc_str_has_prefix(env.v[i], "TERM=");
	}
	char hn_env[80];
	snprintf(hn_env, sizeof(hn_env), "HOSTNAME=%s", hostname);
	if ((!has_path && (rc = env_set(&env, DEFAULT_PATH)) != 0) ||
	    (!has_hostname && (rc = env_set(&env, hn_env)) != 0) ||
	    (o.tty && !has_term && (rc = env_set(&env, "TERM=xterm")) != 0))
		goto out;
	for (size_t i = 0; i < o.n_env_files; i++)
		if ((rc = env_file(&env, o.env_files[i])) != 0)
			goto out;
	for (size_t i = 0; i < o.n_env; i++)
		if ((rc = env_set(&env, o.env[i])) != 0)
			goto out;

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
	/* Args: the run arguments as given, which `start` parses again. */
	/* Everything from the command line and the image is bytes: cc_json_text
	 * (invalid UTF-8 as U+FFFD, as docker's API has it), never json_string,
	 * which refuses such bytes with a NULL that loses them silently. */
	cfgjson = json_pack("{s:o, s:o, s:o, s:s, s:o, s:b, s:b, s:b}", "Cmd", json_array(), "Env", json_array(),
			    "Hostname", cc_json_text(hostname), "Network", o.network, "Args", json_array(), "Tty", o.tty,
			    "OpenStdin", o.interactive, "AutoRemove", o.rm);
	for (int i = 1; cfgjson && i < argc; i++)
		json_array_append_new(json_object_get(cfgjson, "Args"), cc_json_bytes(argv[i])); /* start runs them again */
	/* what exec needs to run more processes "like the container's":
	 * the same user and cwd by default, always the same privileges */
	if (cfgjson) {
		json_t *ca = json_array(), *cd = json_array();
		for (size_t i = 0; i < o.n_cap_add; i++)
			json_array_append_new(ca, cc_json_text(o.cap_add[i]));
		for (size_t i = 0; i < o.n_cap_drop; i++)
			json_array_append_new(cd, cc_json_text(o.cap_drop[i]));
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
	cmd_net_config_json(&netw, cfgjson);
	cfgtext = cfgjson ? json_dumps(cfgjson, JSON_COMPACT) : NULL;
	struct cc_container_record rec = { .id = id, .name = name_buf, .image_id = image_id, .image_name = (char *)image,
					   .command = cmdline, .config_json = cfgtext, .state = (char *)"created",
					   .created = time(NULL) };
	if (!existing && cc_store_container_add(s, &rec, &e) < 0) {
		rc = cmd_fail(e, EXIT_CC_ERROR);
		goto out;
	}
	row_added = !existing;
	char hostname_nl[80];
	snprintf(hostname_nl, sizeof(hostname_nl), "%s\n", hostname);
	/* with bridge networking, on_created writes hosts again with the address */
	hosts = cmd_net_hosts(&netw, hostname, name_buf);
	resolv = cc_net_container_resolv(net == CC_NET_HOST, o.net.dns, o.net.n_dns);
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
	env.v[env.n] = NULL;
	/* compiled seccomp programs are cached in the store: compiling the
	 * default profile costs more than the rest of the start */
	if (asprintf(&seccomp_cache, "%s/cache/seccomp", cc_store_root(s)) < 0)
		seccomp_cache = NULL;
	struct hook_ctx hook = { .store = s, .id = id, .net = &netw, .hosts_file = hosts_file, .hostname = hostname,
				 .name = name_buf };
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
		.cap_add = o.cap_add,
		.cap_drop = o.cap_drop,
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
	if (o.detach) {
		/* The container belongs to its monitor from here on.  Its
		 * __start reserves the recorded host ports again: let go. */
		cmd_net_teardown(&netw);
		if (cmd_spawn_monitor(s, &rec, &e) < 0) {
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
	if (cc_runtime_run(&spec, &status, &e) < 0) {
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
	if (cmd_container_finish_record(s, &rec, status, oom_killed, true, &removed, &e) < 0) {
		cmd_warnf("record container exit: %s", e->msg);
		cc_error_clear(&e);
	}
	if (removed)
		row_added = false;
out:
	cc_runtime_prep_release(prep);
	/* a foreground run's files go with it, whatever happened (finishing
	 * removed them already when it got that far); a detached container's
	 * belong to its monitor now */
	if (rundir != NULL && !o.detach && !existing)
		(void)cc_rm_rf(rundir, NULL);
	/* Without --rm the container stays (also one that failed to start), as in docker. */
	if (row_added && o.rm)
		remove_container(s, id);
	cmd_net_teardown(&netw);
	json_decref(cfgjson);
	free(upper);
	free(work);
	free(args);
	for (size_t i = 0; i < env.n; i++)
		free(env.v[i]);
	cc_run_config_free(ic);
	cc_container_record_free(existing);
	cc_store_close(s);
	run_opts_release(&o);
	return rc;
}

int cmd_run(int argc, char **argv)
{
	return run_main(argc, argv, NULL, -1);
}

int cmd_run_existing(int argc, char **argv, const char *id, int monitor_fd)
{
	return run_main(argc, argv, id, monitor_fd);
}

CMD_LEGACY_VERB(cmd_run_verb, "run", "[OPTIONS] IMAGE [COMMAND] [ARG...]", "Create and run a new container from an image", cmd_run, .flags = CMD_VERB_STOP_AT_ARG | CMD_VERB_RUNLIKE);
