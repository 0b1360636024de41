/* inspect: containers and images in docker's JSON shapes, as JSON or through
 * a --format template (lib/template), as docker's cli/command/inspect does. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cmd.h"
#include "net.h"
#include "runtime/net.h"
#include "runtime/runtime.h"
#include "template/template.h"
#include "util/json.h"
#include "util/strbuf.h"

/* docker's default /dev/shm size, which the runtime mounts (mount.c) */
#define SHM_SIZE_DEFAULT 67108864

int cmd_template_open(const char *format, struct cc_template **ret)
{
	cc_error *e = NULL;
	*ret = NULL;
	if (cc_template_parse(strcmp(format, "json") == 0 ? "{{json .}}" : format, ret, &e) == 0)
		return 0;
	if (e == NULL)
		return cmd_failf(EXIT_CC_ERROR, "out of memory");
	int rc = cmd_failf(64, "template parsing error: %s", e->msg);
	cc_error_free(e);
	return rc;
}

static void fmt_time(uint64_t secs, char *buf, size_t n)
{
	struct tm tm;
	time_t t = (time_t)secs;
	/* docker's zero time when unset */
	if (secs == 0 || gmtime_r(&t, &tm) == NULL || strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, n, "0001-01-01T00:00:00Z");
}

/* ---- the run's options, from the stored Args ----
 *
 * The container's config row keeps what a start needs in docker-like keys
 * (Cmd merged with the entrypoint, Env, Hostname, Network, Mounts, ...) and
 * the run arguments as given (Args), which a start parses again.  What only
 * Args has (--memory, --entrypoint, -p as typed, ...) is read by parsing
 * them with cmd_parse over the run verb's own option table: each option
 * becomes a bool or a list of its raw values (whatever the table's type,
 * callbacks included), so nothing the run verb's parser does runs here.
 * Args are canonical (cmd_unparse: --name=value) since run has its table;
 * older containers' are the argv as typed, which the same table takes. */
struct run_slot {
	bool b;
	struct cmd_strv l;
};

struct run_args {
	struct cmd_opt *opts; /* derived: every option a bool or a list */
	struct run_slot *slots;
	size_t n;
	char **argv; /* "run" and the stored Args (bytes) */
	int argc;
	char **pos; /* image, command...: pointers into argv */
	int n_pos;
	bool parsed;
};

static void run_args_release(struct run_args *ra)
{
	if (ra->slots != NULL)
		for (size_t i = 0; i < ra->n; i++)
			free(ra->slots[i].l.v);
	for (int i = 0; ra->argv != NULL && i < ra->argc; i++)
		free(ra->argv[i]);
	free(ra->argv);
	free(ra->pos);
	free(ra->slots);
	free(ra->opts);
	memset(ra, 0, sizeof(*ra));
}

static void run_args_parse(struct run_args *ra, const json_t *stored)
{
	memset(ra, 0, sizeof(*ra));
	const struct cmd_opt *src = cmd_run_verb.opts;
	size_t n = 0;
	while (src[n].type != CMD_OPT_END)
		n++;
	if (!json_is_array(stored))
		return;
	ra->n = n;
	ra->opts = calloc(n + 1, sizeof(*ra->opts));
	ra->slots = calloc(n + 1, sizeof(*ra->slots));
	ra->argv = calloc(json_array_size(stored) + 2, sizeof(char *));
	if (ra->opts == NULL || ra->slots == NULL || ra->argv == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		struct cmd_opt *d = &ra->opts[i];
		d->short_name = src[i].short_name;
		d->long_name = src[i].long_name;
		d->flags = src[i].flags;
		d->def = src[i].def;
		if (src[i].type == CMD_OPT_BOOL) {
			d->type = CMD_OPT_BOOL;
			d->offset = i * sizeof(struct run_slot) + offsetof(struct run_slot, b);
		} else {
			d->type = CMD_OPT_LIST;
			d->offset = i * sizeof(struct run_slot) + offsetof(struct run_slot, l);
		}
	}
	ra->opts[n].type = CMD_OPT_END;
	ra->argv[ra->argc++] = strdup("run");
	size_t i;
	json_t *a;
	json_array_foreach(stored, i, a) {
		char *v = cc_json_bytes_value(a);
		if (v == NULL)
			return;
		ra->argv[ra->argc++] = v;
	}
	if (ra->argv[0] == NULL)
		return;
	const struct cmd_verb v = { .name = "run", .opts = ra->opts, .opts_size = (n + 1) * sizeof(struct run_slot),
				    .flags = CMD_VERB_STOP_AT_ARG };
	/* run took these arguments once; one this table does not know (an
	 * older spelling) leaves the values unknown, quietly */
	fflush(stderr);
	int saved = dup(STDERR_FILENO), null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (saved >= 0 && null >= 0)
		dup2(null, STDERR_FILENO);
	int rc = cmd_parse(&v, "ccontainer run", ra->argc, ra->argv, ra->slots, &ra->pos, &ra->n_pos);
	if (saved >= 0 && null >= 0)
		dup2(saved, STDERR_FILENO);
	if (saved >= 0)
		close(saved);
	if (null >= 0)
		close(null);
	ra->parsed = rc == 0;
}

static const struct run_slot *run_slot(const struct run_args *ra, const char *name)
{
	for (size_t i = 0; ra->parsed && i < ra->n; i++)
		if (ra->opts[i].long_name != NULL && strcmp(ra->opts[i].long_name, name) == 0)
			return &ra->slots[i];
	return NULL;
}

/* Every value given for a flag that takes one (empty when none). */
static struct cmd_strv run_list(const struct run_args *ra, const char *name)
{
	const struct run_slot *s = run_slot(ra, name);
	return s != NULL ? s->l : (struct cmd_strv){ 0 };
}

/* The last value given, or NULL. */
static const char *run_last(const struct run_args *ra, const char *name)
{
	struct cmd_strv l = run_list(ra, name);
	return l.n > 0 ? l.v[l.n - 1] : NULL;
}

static bool run_bool(const struct run_args *ra, const char *name)
{
	const struct run_slot *s = run_slot(ra, name);
	return s != NULL && s->b;
}

static json_t *strv_json(struct cmd_strv l, bool null_when_empty)
{
	if (l.n == 0 && null_when_empty)
		return json_null();
	json_t *a = json_array();
	for (size_t i = 0; i < l.n; i++)
		json_array_append_new(a, cc_json_text(l.v[i]));
	return a;
}

/* ---- containers ---- */

/* The whole config blob of an image (new reference), or NULL. */
static json_t *image_config(struct cc_store *s, const char *image_id)
{
	struct cc_image_record *r = NULL;
	cc_error *e = NULL;
	json_t *j = NULL;
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	if (image_id != NULL && cc_store_image_get(s, image_id, &r, &e) == 0 &&
	    cc_store_read_blob(s, r->config_digest, CC_CONFIG_MAX, &data, &len, &e) == 0)
		j = json_loadb(data, len, 0, NULL);
	cc_error_free(e);
	cc_image_record_free(r);
	return j;
}

static json_t *json_or_null(json_t *v)
{
	return v != NULL ? json_incref(v) : json_null();
}

static json_t *array_slice(const json_t *a, size_t from, size_t to)
{
	if (to <= from)
		return json_null();
	json_t *r = json_array();
	for (size_t i = from; i < to; i++)
		json_array_append(r, json_array_get(a, i));
	return r;
}

/* docker's Config.Entrypoint and Config.Cmd, split out of the stored
 * command (entrypoint + command, as it runs). */
static void split_command(const json_t *cfg, const struct run_args *ra, const json_t *image_cfg, json_t **ret_ep,
			  json_t **ret_cmd)
{
	const json_t *cmd = json_object_get(cfg, "Cmd");
	size_t total = json_array_size(cmd), n_ep = 0;
	const char *ep = run_last(ra, "entrypoint");
	size_t n_user = ra->parsed && ra->n_pos > 0 ? (size_t)ra->n_pos - 1 : 0;
	if (ep != NULL) {
		n_ep = *ep != '\0' ? 1 : 0;
	} else if (n_user > 0) {
		n_ep = n_user <= total ? total - n_user : 0;
	} else {
		/* the image's entrypoint, when the command starts with it */
		const json_t *iep = json_object_get(json_object_get(image_cfg, "config"), "Entrypoint");
		size_t k = json_array_size(iep);
		bool prefix = k <= total;
		for (size_t i = 0; prefix && i < k; i++)
			prefix = json_equal(json_array_get(iep, i), json_array_get(cmd, i));
		n_ep = prefix ? k : 0;
	}
	if (n_ep > total)
		n_ep = total;
	*ret_ep = array_slice(cmd, 0, n_ep);
	*ret_cmd = array_slice(cmd, n_ep, total);
}

/* docker's PortBindings: what -p asked for ({"80/tcp": [{"HostIp": "",
 * "HostPort": "8080"}]}), host ports not given left "". */
static json_t *port_bindings(const struct run_args *ra, json_t *exposed)
{
	json_t *pb = json_object();
	struct cmd_strv l = run_list(ra, "publish");
	_cleanup_free_ struct cc_port_map *maps = calloc(CC_NET_MAX_PORTS, sizeof(*maps));
	for (size_t i = 0; maps != NULL && i < l.n; i++) {
		size_t n = 0;
		cc_error *e = NULL;
		if (cc_net_parse_publish(l.v[i], maps, CC_NET_MAX_PORTS, &n, &e) < 0) {
			cc_error_free(e);
			continue;
		}
		for (size_t k = 0; k < n; k++) {
			char cport[32], hip[INET_ADDRSTRLEN] = "", hport[8] = "";
			cc_net_format_container_port(&maps[k], cport, sizeof(cport));
			if (maps[k].host_ip != 0) {
				struct in_addr a = { .s_addr = htonl(maps[k].host_ip) };
				inet_ntop(AF_INET, &a, hip, sizeof(hip));
			}
			if (maps[k].host_port != 0)
				snprintf(hport, sizeof(hport), "%u", (unsigned)maps[k].host_port);
			json_t *list = json_object_get(pb, cport);
			if (list == NULL) {
				list = json_array();
				json_object_set_new(pb, cport, list);
			}
			json_array_append_new(list, json_pack("{s:s, s:s}", "HostIp", hip, "HostPort", hport));
			if (exposed != NULL)
				json_object_set_new(exposed, cport, json_object());
		}
	}
	return pb;
}

static int64_t parse_size_or(const char *v, int64_t dflt)
{
	int64_t r;
	if (v == NULL)
		return dflt;
	if (strcmp(v, "-1") == 0)
		return -1;
	return cc_parse_size(v, &r) == 0 ? r : dflt;
}

static int64_t parse_int_or(const char *v, int64_t dflt)
{
	char *end = NULL;
	if (v == NULL)
		return dflt;
	errno = 0;
	long long r = strtoll(v, &end, 10);
	return errno == 0 && end != v && *end == '\0' ? r : dflt;
}

/* docker's Ulimits: [{"Name": "nofile", "Hard": 2048, "Soft": 1024}], a later
 * one for the same name replacing the earlier (as run applies them). */
static json_t *ulimits_json(const struct run_args *ra)
{
	struct cmd_strv l = run_list(ra, "ulimit");
	if (l.n == 0)
		return json_null();
	json_t *a = json_array();
	for (size_t i = 0; i < l.n; i++) {
		struct cc_rlimit r;
		cc_error *e = NULL;
		if (cc_runtime_parse_ulimit(l.v[i], &r, &e) < 0) {
			cc_error_free(e);
			continue;
		}
		_cleanup_free_ char *name = strndup(l.v[i], strcspn(l.v[i], "="));
		json_t *u = json_pack("{s:o, s:I, s:I}", "Name", cc_json_text(name ? name : ""), "Hard",
				      (json_int_t)(r.hard == RLIM_INFINITY ? -1 : (json_int_t)r.hard), "Soft",
				      (json_int_t)(r.soft == RLIM_INFINITY ? -1 : (json_int_t)r.soft));
		size_t k;
		json_t *old;
		bool replaced = false;
		json_array_foreach(a, k, old) {
			if (json_equal(json_object_get(old, "Name"), json_object_get(u, "Name"))) {
				json_array_set(a, k, u);
				replaced = true;
				break;
			}
		}
		if (!replaced)
			json_array_append(a, u);
		json_decref(u);
	}
	return a;
}

/* --restart NAME[:MAX] (when run has it), else what the config says. */
static json_t *restart_policy(const struct run_args *ra, const json_t *cfg)
{
	const char *r = run_last(ra, "restart");
	if (r != NULL) {
		size_t nl = strcspn(r, ":");
		_cleanup_free_ char *name = strndup(r, nl);
		int64_t max = r[nl] == ':' ? parse_int_or(r + nl + 1, 0) : 0;
		return json_pack("{s:o, s:I}", "Name", cc_json_text(name ? name : "no"), "MaximumRetryCount",
				 (json_int_t)max);
	}
	json_t *rp = json_object_get(cfg, "RestartPolicy");
	if (json_is_object(rp))
		return json_incref(rp);
	return json_pack("{s:s, s:i}", "Name", "no", "MaximumRetryCount", 0);
}

static json_t *host_config(const json_t *cfg, const struct run_args *ra, json_t *exposed)
{
	json_t *hc = json_object();
	json_object_set_new(hc, "Binds", strv_json(run_list(ra, "volume"), true));
	json_object_set_new(hc, "ContainerIDFile", json_string(""));
	json_t *lc = json_object_get(cfg, "LogConfig");
	json_object_set_new(hc, "LogConfig",
			    json_is_object(lc) ? json_incref(lc) : json_pack("{s:s, s:{}}", "Type", "json-file", "Config"));
	const char *mode = json_string_value(json_object_get(cfg, "Network"));
	json_object_set_new(hc, "NetworkMode", cc_json_text(mode ? mode : "bridge"));
	json_object_set_new(hc, "PortBindings", port_bindings(ra, exposed));
	json_object_set_new(hc, "RestartPolicy", restart_policy(ra, cfg));
	json_object_set_new(hc, "AutoRemove", json_boolean(json_is_true(json_object_get(cfg, "AutoRemove"))));
	json_object_set_new(hc, "VolumeDriver", json_string(""));
	json_object_set_new(hc, "VolumesFrom", json_null());
	json_object_set_new(hc, "ConsoleSize", json_pack("[i, i]", 0, 0));
	const char *caps[] = { "CapAdd", "CapDrop" };
	for (size_t i = 0; i < 2; i++) {
		json_t *c = json_object_get(cfg, caps[i]);
		json_object_set_new(hc, caps[i], json_array_size(c) > 0 ? json_incref(c) : json_null());
	}
	json_object_set_new(hc, "CgroupnsMode", json_string("private"));
	json_object_set_new(hc, "Dns", strv_json(run_list(ra, "dns"), false));
	json_object_set_new(hc, "DnsOptions", json_array());
	json_object_set_new(hc, "DnsSearch", json_array());
	json_object_set_new(hc, "ExtraHosts", strv_json(run_list(ra, "add-host"), true));
	json_object_set_new(hc, "GroupAdd", json_null());
	json_object_set_new(hc, "IpcMode", json_string("private"));
	json_object_set_new(hc, "Cgroup", json_string(""));
	json_object_set_new(hc, "Links", json_null());
	json_object_set_new(hc, "OomScoreAdj", json_integer(0));
	json_object_set_new(hc, "PidMode", json_string(""));
	json_object_set_new(hc, "Privileged", json_boolean(json_is_true(json_object_get(cfg, "Privileged"))));
	json_object_set_new(hc, "PublishAllPorts", json_boolean(run_bool(ra, "publish-all")));
	json_object_set_new(hc, "ReadonlyRootfs", json_boolean(run_bool(ra, "read-only")));
	json_object_set_new(hc, "SecurityOpt", strv_json(run_list(ra, "security-opt"), true));
	struct cmd_strv tl = run_list(ra, "tmpfs");
	if (tl.n > 0) { /* docker: omitted when empty */
		json_t *t = json_object();
		for (size_t i = 0; i < tl.n; i++) {
			size_t dl = strcspn(tl.v[i], ":");
			_cleanup_free_ char *dst = strndup(tl.v[i], dl);
			_cleanup_free_ char *key = dst ? cc_utf8_coerce(dst) : NULL;
			if (key != NULL)
				json_object_set_new(t, key, cc_json_text(tl.v[i][dl] == ':' ? tl.v[i] + dl + 1 : ""));
		}
		json_object_set_new(hc, "Tmpfs", t);
	}
	json_object_set_new(hc, "UTSMode", json_string(""));
	json_object_set_new(hc, "UsernsMode", json_string(""));
	json_object_set_new(hc, "ShmSize", json_integer(SHM_SIZE_DEFAULT));
	json_object_set_new(hc, "Isolation", json_string(""));
	int64_t memory = parse_size_or(run_last(ra, "memory"), 0);
	int64_t swap = parse_size_or(run_last(ra, "memory-swap"), 0);
	if (swap == 0 && memory > 0)
		swap = 2 * memory; /* docker's default, and the runtime's (cc_resources) */
	const char *cpus = run_last(ra, "cpus");
	double ncpu = cpus ? strtod(cpus, NULL) : 0;
	json_object_set_new(hc, "CpuShares", json_integer(parse_int_or(run_last(ra, "cpu-shares"), 0)));
	json_object_set_new(hc, "Memory", json_integer(memory));
	json_object_set_new(hc, "NanoCpus", json_integer(ncpu > 0 ? (json_int_t)llround(ncpu * 1e9) : 0));
	json_object_set_new(hc, "CgroupParent", json_string(""));
	json_object_set_new(hc, "BlkioWeight", json_integer(0));
	json_object_set_new(hc, "BlkioWeightDevice", json_array());
	json_object_set_new(hc, "BlkioDeviceReadBps", json_array());
	json_object_set_new(hc, "BlkioDeviceWriteBps", json_array());
	json_object_set_new(hc, "BlkioDeviceReadIOps", json_array());
	json_object_set_new(hc, "BlkioDeviceWriteIOps", json_array());
	json_object_set_new(hc, "CpuPeriod", json_integer(0));
	json_object_set_new(hc, "CpuQuota", json_integer(0));
	json_object_set_new(hc, "CpuRealtimePeriod", json_integer(0));
	json_object_set_new(hc, "CpuRealtimeRuntime", json_integer(0));
	json_object_set_new(hc, "CpusetCpus", json_string(""));
	json_object_set_new(hc, "CpusetMems", json_string(""));
	json_object_set_new(hc, "Devices", json_array());
	json_object_set_new(hc, "DeviceCgroupRules", json_null());
	json_object_set_new(hc, "DeviceRequests", json_null());
	json_object_set_new(hc, "MemoryReservation", json_integer(0));
	json_object_set_new(hc, "MemorySwap", json_integer(swap));
	json_object_set_new(hc, "MemorySwappiness", json_null());
	json_object_set_new(hc, "OomKillDisable", json_null());
	const char *pids = run_last(ra, "pids-limit");
	int64_t pl = parse_int_or(pids, 0);
	json_object_set_new(hc, "PidsLimit", pids == NULL ? json_null() : json_integer(pl <= 0 ? -1 : pl));
	json_object_set_new(hc, "Ulimits", ulimits_json(ra));
	if (run_bool(ra, "init")) /* docker: omitted unless set */
		json_object_set_new(hc, "Init", json_true());
	return hc;
}

/* docker's Mounts: the bind mounts (--tmpfs is HostConfig.Tmpfs). */
static json_t *mounts_json(const json_t *cfg)
{
	json_t *out = json_array();
	size_t i;
	json_t *m;
	json_array_foreach(json_object_get(cfg, "Mounts"), i, m) {
		const char *type = json_string_value(json_object_get(m, "Type"));
		if (type == NULL || strcmp(type, "bind") != 0)
			continue;
		bool rw = !json_is_false(json_object_get(m, "RW"));
		json_array_append_new(out, json_pack("{s:s, s:O, s:O, s:s, s:b, s:s}", "Type", "bind", "Source",
						     json_object_get(m, "Source"), "Destination",
						     json_object_get(m, "Destination"), "Mode", rw ? "" : "ro", "RW", rw,
						     "Propagation", "rprivate"));
	}
	return out;
}

/* docker's Config of a container: the image's, with what run changed. */
static json_t *container_config(const struct cc_container_record *c, const json_t *cfg, const struct run_args *ra,
				const json_t *image_cfg, json_t *exposed)
{
	const json_t *ic = json_object_get(image_cfg, "config");
	bool detach = run_bool(ra, "detach"), in = json_is_true(json_object_get(cfg, "OpenStdin"));
	json_t *ep = NULL, *cmd = NULL;
	split_command(cfg, ra, image_cfg, &ep, &cmd);
	const char *image = ra->parsed && ra->n_pos > 0 ? ra->pos[0] : c->image_name;
	json_t *o = json_object();
	json_object_set_new(o, "Hostname", json_or_null(json_object_get(cfg, "Hostname")));
	json_object_set_new(o, "Domainname", json_string(""));
	const json_t *user = json_object_get(cfg, "User"), *wd = json_object_get(cfg, "WorkingDir");
	json_object_set_new(o, "User", user ? json_incref((json_t *)user) : json_string(""));
	json_object_set_new(o, "AttachStdin", json_boolean(!detach && in));
	json_object_set_new(o, "AttachStdout", json_boolean(!detach));
	json_object_set_new(o, "AttachStderr", json_boolean(!detach));
	if (json_object_size(exposed) > 0) /* docker: omitted when empty */
		json_object_set(o, "ExposedPorts", exposed);
	json_object_set_new(o, "Tty", json_boolean(json_is_true(json_object_get(cfg, "Tty"))));
	json_object_set_new(o, "OpenStdin", json_boolean(in));
	/* as run recorded it (docker's CLI: -i attached, not -d); an older container's from its run flags */
	const json_t *once = json_object_get(cfg, "StdinOnce");
	json_object_set_new(o, "StdinOnce", json_boolean(json_is_boolean(once) ? json_is_true(once) : !detach && in));
	json_object_set_new(o, "Env", json_or_null(json_object_get(cfg, "Env")));
	json_object_set_new(o, "Cmd", cmd);
	/* the container's own (run's --health-* over the image's), else the image's */
	const json_t *hc = json_object_get(cfg, "Healthcheck");
	if (!json_is_object(hc))
		hc = json_object_get(ic, "Healthcheck");
	if (json_is_object(hc))
		json_object_set(o, "Healthcheck", (json_t *)hc);
	json_object_set_new(o, "Image", cc_json_text(image ? image : ""));
	const json_t *vol = json_object_get(ic, "Volumes");
	json_object_set_new(o, "Volumes", json_is_object(vol) ? json_incref((json_t *)vol) : json_null());
	json_object_set_new(o, "WorkingDir", wd ? json_incref((json_t *)wd) : json_string(""));
	json_object_set_new(o, "Entrypoint", ep);
	json_object_set_new(o, "OnBuild", json_null());
	/* run stores the labels it resolved (the image's, --label-file,
	 * --label); a container from before has the image's */
	const json_t *labels = json_object_get(cfg, "Labels");
	if (!json_is_object(labels))
		labels = json_object_get(ic, "Labels");
	json_object_set_new(o, "Labels", json_is_object(labels) ? json_deep_copy(labels) : json_object());
	/* run --stop-signal, else the image's; --stop-timeout when given */
	const json_t *sig = json_object_get(cfg, "StopSignal");
	if (!json_is_string(sig))
		sig = json_object_get(ic, "StopSignal");
	if (json_is_string(sig))
		json_object_set(o, "StopSignal", (json_t *)sig);
	const json_t *stop_timeout = json_object_get(cfg, "StopTimeout");
	if (json_is_integer(stop_timeout))
		json_object_set(o, "StopTimeout", (json_t *)stop_timeout);
	return o;
}

static void sha_hex(const char *what, const char *a, const char *b, char out[65])
{
	char d[72];
	struct cc_sha256 *h = cc_sha256_new();
	if (h == NULL) {
		out[0] = '\0';
		return;
	}
	cc_sha256_update(h, what, strlen(what) + 1);
	cc_sha256_update(h, a, strlen(a) + 1);
	cc_sha256_update(h, b, strlen(b));
	cc_sha256_final(h, d);
	snprintf(out, 65, "%s", d + 7);
}

/* docker's NetworkSettings, from cmd_net_settings (the address while the
 * container holds its lease) and the network mode. */
static json_t *network_settings(struct cc_store *s, const struct cc_container_record *c, const json_t *cfg)
{
	json_t *ns = cmd_net_settings(s, c);
	const char *mode = json_string_value(json_object_get(cfg, "Network"));
	if (mode == NULL)
		mode = "bridge";
	bool running = (strcmp(c->state, "running") == 0 || cmd_container_paused(c)) && c->pid > 0;
	const char *ip = json_string_value(json_object_get(ns, "IPAddress"));
	const char *gw = json_string_value(json_object_get(ns, "Gateway"));
	const char *mac = json_string_value(json_object_get(ns, "MacAddress"));
	const char *bridge = json_string_value(json_object_get(ns, "Bridge"));
	json_int_t prefix = json_integer_value(json_object_get(ns, "IPPrefixLen"));
	ip = ip ? ip : "";
	gw = gw ? gw : "";
	mac = mac ? mac : "";
	char netid[65], epid[65] = "", key[64] = "";
	sha_hex("ccontainer network", mode, bridge ? bridge : "", netid);
	if (*ip)
		sha_hex("ccontainer endpoint", c->id, ip, epid);
	if (running && strcmp(mode, "host") != 0)
		snprintf(key, sizeof(key), "/proc/%d/ns/net", c->pid);
	json_t *ports = json_object_get(ns, "Ports");
	json_t *o = json_object();
	json_object_set_new(o, "Bridge", json_string(bridge ? bridge : ""));
	json_object_set_new(o, "SandboxID", json_string(""));
	json_object_set_new(o, "HairpinMode", json_false());
	json_object_set_new(o, "LinkLocalIPv6Address", json_string(""));
	json_object_set_new(o, "LinkLocalIPv6PrefixLen", json_integer(0));
	json_object_set_new(o, "Ports", json_is_object(ports) ? json_incref(ports) : json_object());
	json_object_set_new(o, "SandboxKey", json_string(key));
	json_object_set_new(o, "SecondaryIPAddresses", json_null());
	json_object_set_new(o, "SecondaryIPv6Addresses", json_null());
	bool bridged = strcmp(mode, "bridge") == 0;
	json_object_set_new(o, "EndpointID", json_string(bridged ? epid : ""));
	json_object_set_new(o, "Gateway", json_string(bridged ? gw : ""));
	json_object_set_new(o, "GlobalIPv6Address", json_string(""));
	json_object_set_new(o, "GlobalIPv6PrefixLen", json_integer(0));
	json_object_set_new(o, "IPAddress", json_string(bridged ? ip : ""));
	json_object_set_new(o, "IPPrefixLen", json_integer(bridged ? prefix : 0));
	json_object_set_new(o, "IPv6Gateway", json_string(""));
	json_object_set_new(o, "MacAddress", json_string(bridged ? mac : ""));
	json_t *nets = json_object();
	if (strncmp(mode, "container:", 10) != 0) /* docker: none for another's network */
		json_object_set_new(
			nets, mode,
			json_pack("{s:n, s:n, s:n, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:i, s:n, s:n}", "IPAMConfig",
				  "Links", "Aliases", "MacAddress", mac, "NetworkID", netid, "EndpointID", epid, "Gateway",
				  gw, "IPAddress", ip, "IPPrefixLen", prefix, "IPv6Gateway", "", "GlobalIPv6Address", "",
				  "GlobalIPv6PrefixLen", 0, "DriverOpts", "DNSNames"));
	json_object_set_new(o, "Networks", nets);
	json_decref(ns);
	return o;
}

static int64_t tree_bytes;
static int add_size(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)path, (void)ftw;
	if (flag == FTW_F || flag == FTW_SL)
		tree_bytes += st->st_size;
	return 0;
}

/* docker's SizeRw: the bytes of the files the container wrote (its upper
 * directory). */
static int64_t dir_bytes(const char *dir)
{
	tree_bytes = 0;
	if (dir != NULL)
		(void)nftw(dir, add_size, 32, FTW_PHYS);
	return tree_bytes;
}

static json_t *container_json(struct cc_store *s, const struct cc_container_record *c, bool size)
{
	json_t *cfg = cmd_container_config(c);
	json_t *image_cfg = image_config(s, c->image_id);
	struct run_args ra;
	run_args_parse(&ra, json_object_get(cfg, "Args"));
	char created[64], started[64], finished[64];
	fmt_time((uint64_t)c->created, created, sizeof(created));
	fmt_time((uint64_t)c->started, started, sizeof(started));
	fmt_time((uint64_t)c->finished, finished, sizeof(finished));
	_cleanup_free_ char *dir = cc_store_container_path(s, c->id);
	_cleanup_free_ char *rundir = cmd_container_rundir(c->id);
	_cleanup_free_ char *name = NULL, *log = NULL, *resolv = NULL, *hostname = NULL, *hosts = NULL;
	_cleanup_free_ char *upper = NULL, *work = NULL;
	if (asprintf(&name, "/%s", c->name) < 0)
		name = NULL;
	if (dir && (asprintf(&log, "%s/ctr.log", dir) < 0 || asprintf(&upper, "%s/upper", dir) < 0 ||
		    asprintf(&work, "%s/work", dir) < 0))
		log = upper = work = NULL;
	if (rundir && (asprintf(&resolv, "%s/resolv.conf", rundir) < 0 || asprintf(&hostname, "%s/hostname", rundir) < 0 ||
		       asprintf(&hosts, "%s/hosts", rundir) < 0))
		resolv = hostname = hosts = NULL;
	/* docker's Path (argv[0]) and Args (the rest): the command as it runs */
	json_t *cmd = json_object_get(cfg, "Cmd");
	json_t *args = json_array();
	const char *path = "";
	if (json_is_array(cmd) && json_array_size(cmd) > 0) {
		path = json_string_value(json_array_get(cmd, 0)) ? json_string_value(json_array_get(cmd, 0)) : "";
		for (size_t i = 1; i < json_array_size(cmd); i++)
			json_array_append(args, json_array_get(cmd, i));
	}
	/* docker: a paused container is Running and Paused, Status "paused" */
	bool paused = cmd_container_paused(c), running = strcmp(c->state, "running") == 0 || paused;
	/* docker: a container waiting for its restart is Running and Restarting */
	bool restarting = strcmp(c->state, "restarting") == 0;
	/* the image's exposed ports and the published ones */
	json_t *exposed = json_object();
	json_t *iexp = json_object_get(json_object_get(image_cfg, "config"), "ExposedPorts");
	if (json_is_object(iexp))
		json_object_update(exposed, iexp);
	json_t *hc = host_config(cfg, &ra, exposed);
	json_t *o = json_pack(
		"{s:s, s:s, s:o, s:o, s:{s:s, s:b, s:b, s:b, s:b, s:b, s:i, s:i, s:s, s:s, s:s}, s:s, s:s, s:s, s:s, s:s, s:o, s:I, s:s, s:s, s:s, s:s, s:s, s:n}",
		"Id", c->id, "Created", created, "Path", cc_json_text(path), "Args", args, "State", "Status", c->state,
		"Running", running || restarting, "Paused", paused, "Restarting", restarting, "OOMKilled", c->oom_killed, "Dead", 0, "Pid",
		running ? c->pid : 0, "ExitCode", c->exit_code, "Error", "", "StartedAt", started, "FinishedAt",
		finished, "Image", c->image_id, "ResolvConfPath", resolv ? resolv : "", "HostnamePath",
		hostname ? hostname : "", "HostsPath", hosts ? hosts : "", "LogPath", log ? log : "", "Name",
		cc_json_text(name ? name : c->name), "RestartCount",
		(json_int_t)cmd_container_restart_count(s, c->id), "Driver", "overlay",
		"Platform", "linux", "MountLabel", "", "ProcessLabel", "", "AppArmorProfile", "", "ExecIDs");
	json_t *health = o != NULL ? cmd_container_health(s, c, cfg) : NULL;
	if (health != NULL) /* docker: only for a container with a check */
		json_object_set_new(json_object_get(o, "State"), "Health", health);
	if (o != NULL) {
		json_object_set(o, "HostConfig", hc);
		json_object_set_new(o, "GraphDriver",
				    json_pack("{s:{s:s, s:s, s:s}, s:s}", "Data", "MergedDir", dir ? dir : "", "UpperDir",
					      upper ? upper : "", "WorkDir", work ? work : "", "Name", "overlay"));
		if (size) {
			int64_t rw = dir_bytes(upper);
			struct cc_image_record *r = NULL;
			cc_error *e = NULL;
			int64_t img = cc_store_image_get(s, c->image_id, &r, &e) == 0 ? r->size : 0;
			cc_error_free(e);
			cc_image_record_free(r);
			json_object_set_new(o, "SizeRw", json_integer(rw));
			json_object_set_new(o, "SizeRootFs", json_integer(rw + img));
		}
		json_object_set_new(o, "Mounts", mounts_json(cfg));
		json_object_set_new(o, "Config", container_config(c, cfg, &ra, image_cfg, exposed));
		json_object_set_new(o, "NetworkSettings", network_settings(s, c, cfg));
	}
	json_decref(hc);
	json_decref(exposed);
	run_args_release(&ra);
	json_decref(image_cfg);
	json_decref(cfg);
	return o;
}

json_t *cmd_container_json(struct cc_store *s, const struct cc_container_record *c)
{
	return container_json(s, c, false);
}

static int container_lookup(struct cc_store *s, const char *ref, bool size, json_t **ret)
{
	struct cc_container_record *c = NULL;
	cc_error *e = NULL;
	if (cc_store_container_get(s, ref, &c, &e) < 0) {
		cc_error_free(e);
		return -1;
	}
	cmd_container_reconcile(s, c);
	*ret = container_json(s, c, size);
	cc_container_record_free(c);
	return *ret ? 0 : -1;
}

int cmd_container_inspect_json(struct cc_store *s, const char *ref, json_t **ret)
{
	return container_lookup(s, ref, false, ret);
}

/* ---- images ---- */

/* docker's image Config: the image config's "config", its usual keys
 * present (null or "" when the image has none). */
static json_t *image_config_json(const json_t *ic)
{
	json_t *o = json_pack("{s:s, s:n, s:n, s:n, s:s, s:n, s:n, s:n}", "User", "", "Env", "Cmd", "Volumes",
			      "WorkingDir", "", "Entrypoint", "OnBuild", "Labels");
	if (o != NULL && json_is_object(ic))
		json_object_update(o, (json_t *)ic);
	return o;
}

static json_t *image_json(struct cc_store *s, struct cc_image_record *r, cc_error **err)
{
	_cleanup_free_ char *cfg = NULL;
	size_t len = 0;
	if (cc_store_read_blob(s, r->config_digest, CC_CONFIG_MAX, &cfg, &len, err) < 0)
		return NULL;
	json_t *config = json_loadb(cfg, len, 0, NULL);
	json_t *o = json_object();
	json_object_set_new(o, "Id", json_string(r->id));
	json_t *tags = json_array(), *dig = json_array(), *layers = json_array(), *diffs = json_array();
	for (char **t = r->tags; t && *t; t++) {
		char *repo = NULL, *tg = NULL;
		cmd_split_tag(*t, &repo, &tg);
		char *fam = NULL;
		if (repo && tg && asprintf(&fam, "%s:%s", repo, tg) >= 0)
			json_array_append_new(tags, cc_json_text(fam));
		free(fam);
		free(repo);
		free(tg);
	}
	for (char **d = r->repo_digests; d && *d; d++) {
		const char *at;
		_cleanup_free_ char *fam = cmd_split_digest(*d, &at);
		char *x = NULL;
		if (fam && asprintf(&x, "%s%s", fam, at) >= 0)
			json_array_append_new(dig, cc_json_text(x));
		free(x);
	}
	for (size_t i = 0; i < r->n_layers; i++) {
		struct cc_layer_record *l = &r->layers[i];
		_cleanup_free_ char *dir = cc_store_layer_path(s, l->chain_id);
		json_array_append_new(layers, json_pack("{s:s, s:s, s:s, s:I, s:s, s:s}", "Digest", l->blob_digest,
							"DiffID", l->diff_id, "ChainID", l->chain_id, "Size",
							(json_int_t)l->blob_size, "MediaType",
							l->media_type ? l->media_type : "", "Dir", dir ? dir : ""));
		json_array_append_new(diffs, json_string(l->diff_id));
	}
	const char *comment = json_string_value(json_object_get(config, "comment"));
	const char *author = json_string_value(json_object_get(config, "author"));
	json_object_set_new(o, "RepoTags", tags);
	json_object_set_new(o, "RepoDigests", dig);
	json_object_set_new(o, "Parent", json_string(""));
	json_object_set_new(o, "Comment", cc_json_text(comment ? comment : ""));
	json_object_set_new(o, "Created", cc_json_text(r->created ? r->created : ""));
	json_object_set_new(o, "DockerVersion", json_string(""));
	json_object_set_new(o, "Author", cc_json_text(author ? author : ""));
	json_object_set_new(o, "Config", image_config_json(json_object_get(config, "config")));
	json_object_set_new(o, "Architecture", cc_json_text(r->arch ? r->arch : ""));
	if (r->variant)
		json_object_set_new(o, "Variant", cc_json_text(r->variant));
	json_object_set_new(o, "Os", cc_json_text(r->os ? r->os : ""));
	json_object_set_new(o, "Size", json_integer(r->size));
	json_object_set_new(o, "RootFS", json_pack("{s:s, s:o}", "Type", "layers", "Layers", diffs));
	json_object_set_new(o, "Metadata", json_pack("{s:s}", "LastTagTime", "0001-01-01T00:00:00Z"));
	/* ccontainer's own: where the image came from and its layers on disk */
	json_object_set_new(o, "ManifestDigest", json_string(r->manifest_digest));
	json_object_set_new(o, "ManifestMediaType", json_string(r->manifest_media_type ? r->manifest_media_type : ""));
	if (json_object_get(config, "history"))
		json_object_set(o, "History", json_object_get(config, "history"));
	json_object_set_new(o, "Layers", layers);
	json_decref(config);
	return o;
}

static json_t *image_lookup(struct cc_store *s, const char *ref)
{
	_cleanup_free_ char *id = NULL;
	cc_error *e = NULL;
	struct cc_image_record *r = NULL;
	json_t *o = NULL;
	if (cc_image_resolve(s, ref, &id, &e) == 0 && cc_store_image_get(s, id, &r, &e) == 0)
		o = image_json(s, r, &e);
	cc_error_free(e);
	cc_image_record_free(r);
	return o;
}

/* ---- the verbs ---- */

enum inspect_kind { INSPECT_ANY, INSPECT_CONTAINER, INSPECT_IMAGE };

struct inspect_opts {
	const char *format;
	const char *type;
	bool size;
};

#define FORMAT_HELP "Format output using a custom template ('json' for the JSON array)"

static const struct cmd_opt inspect_options[] = {
	OPT_STRING('f', "format", struct inspect_opts, format, "string", FORMAT_HELP),
	OPT_BOOL('s', "size", struct inspect_opts, size, "Display total file sizes if the type is container"),
	OPT_STRING(0, "type", struct inspect_opts, type, "string", "Return JSON for specified type (container or image)",
		   .complete = CMD_COMPLETE_WORDS, .words = "container image"),
	OPT_END,
};

static const struct cmd_opt container_inspect_options[] = {
	OPT_STRING('f', "format", struct inspect_opts, format, "string", FORMAT_HELP),
	OPT_BOOL('s', "size", struct inspect_opts, size, "Display total file sizes"),
	OPT_END,
};

static const struct cmd_opt image_inspect_options[] = {
	OPT_STRING('f', "format", struct inspect_opts, format, "string", FORMAT_HELP),
	OPT_BOOL('s', "size", struct inspect_opts, size, "Accepted for docker's compatibility (no effect on images)",
		 .flags = CMD_OPT_HIDDEN),
	OPT_END,
};

static int write_out(const char *text, size_t len)
{
	if (fwrite(text, 1, len, stdout) != len || fflush(stdout) != 0)
		return cmd_output_error(errno);
	return 0;
}

/* docker's inspect: without --format an indented JSON array, with "json" a
 * compact one (both "[]" when nothing was found); with a template, each
 * object through it followed by a newline (a lone newline when nothing
 * was printed).  A template that does not parse fails before any lookup
 * (64); one that fails on an object leaves that object out, says why, and
 * the verb exits 1, as a name that was not found does. */
static int inspect_run(const struct inspect_opts *o, enum inspect_kind kind, int argc, char **argv)
{
	const char *format = o->format ? o->format : "";
	bool as_json = *format == '\0' || strcmp(format, "json") == 0;
	struct cc_template *t = NULL;
	int rc;
	if (!as_json && (rc = cmd_template_open(format, &t)) != 0)
		return rc;
	/* Not missingkey=error: docker's typed objects have fields their JSON
	 * omits when empty (Config.StopSignal, HostConfig.Init, ...), which
	 * print as "" or <nil> there; a field missing here prints <no value>. */
	struct cc_store *s = cmd_open_store();
	if (s == NULL) {
		cc_template_free(t);
		return EXIT_CC_ERROR;
	}
	json_t *arr = json_array();
	struct cc_strbuf out = { 0 };
	rc = 0;
	for (int i = 0; i < argc; i++) {
		json_t *obj = NULL;
		/* containers first, as docker inspect does */
		if (kind != INSPECT_IMAGE && container_lookup(s, argv[i], o->size, &obj) == 0) {
		} else if (kind != INSPECT_CONTAINER && (obj = image_lookup(s, argv[i])) != NULL) {
		} else {
			rc = cmd_failf(EXIT_CC_ERROR, "No such %s: %s",
				       kind == INSPECT_CONTAINER ? "container" : kind == INSPECT_IMAGE ? "image" : "object",
				       argv[i]);
			continue;
		}
		if (as_json) {
			json_array_append_new(arr, obj);
			continue;
		}
		struct cc_strbuf one = { 0 };
		cc_error *e = NULL;
		if (cc_template_exec(t, obj, &one, &e) < 0) {
			rc = e != NULL ? cmd_failf(1, "template parsing error: %s", e->msg) : cmd_failf(1, "out of memory");
			cc_error_free(e);
		} else {
			cc_strbuf_add(&out, one.buf ? one.buf : "", one.len);
			cc_strbuf_add(&out, "\n", 1);
		}
		cc_strbuf_release(&one);
		json_decref(obj);
	}
	cc_store_close(s);
	cc_template_free(t);
	int wr;
	if (as_json) {
		size_t flags = *format == '\0' ? JSON_INDENT(4) | JSON_PRESERVE_ORDER : JSON_COMPACT | JSON_PRESERVE_ORDER;
		char *text = json_dumps(arr, flags);
		cc_strbuf_add(&out, text ? text : "[]", text ? strlen(text) : 2);
		cc_strbuf_add(&out, "\n", 1);
		free(text);
	} else if (out.len == 0) {
		cc_strbuf_add(&out, "\n", 1);
	}
	json_decref(arr);
	if (out.oom)
		wr = cmd_failf(EXIT_CC_ERROR, "out of memory");
	else
		wr = write_out(out.buf, out.len);
	cc_strbuf_release(&out);
	return wr != 0 ? wr : rc;
}

static int inspect_action(void *opts, int argc, char **argv)
{
	const struct inspect_opts *o = opts;
	enum inspect_kind kind = INSPECT_ANY;
	if (o->type && *o->type) {
		if (strcmp(o->type, "container") == 0)
			kind = INSPECT_CONTAINER;
		else if (strcmp(o->type, "image") == 0)
			kind = INSPECT_IMAGE;
		else
			return cmd_usagef("\"%s\" is not a valid value for --type", o->type);
	}
	return inspect_run(o, kind, argc, argv);
}

static int container_inspect_action(void *opts, int argc, char **argv)
{
	return inspect_run(opts, INSPECT_CONTAINER, argc, argv);
}

static int image_inspect_action(void *opts, int argc, char **argv)
{
	return inspect_run(opts, INSPECT_IMAGE, argc, argv);
}

const struct cmd_verb cmd_inspect_verb = {
	.name = "inspect", .usage = "[OPTIONS] NAME|ID [NAME|ID...]",
	.summary = "Return low-level information on containers and images", .opts = inspect_options,
	.opts_size = sizeof(struct inspect_opts), .min_args = 1, .max_args = -1,
	.complete_args = CMD_COMPLETE_CONTAINER, .action = inspect_action,
};
const struct cmd_verb cmd_container_inspect_verb = {
	.name = "inspect", .usage = "[OPTIONS] CONTAINER [CONTAINER...]",
	.summary = "Display detailed information on one or more containers", .opts = container_inspect_options,
	.opts_size = sizeof(struct inspect_opts), .min_args = 1, .max_args = -1,
	.complete_args = CMD_COMPLETE_CONTAINER, .action = container_inspect_action,
};
const struct cmd_verb cmd_image_inspect_verb = {
	.name = "inspect", .usage = "[OPTIONS] IMAGE [IMAGE...]",
	.summary = "Display detailed information on one or more images", .opts = image_inspect_options,
	.opts_size = sizeof(struct inspect_opts), .min_args = 1, .max_args = -1,
	.complete_args = CMD_COMPLETE_IMAGE, .action = image_inspect_action,
};
