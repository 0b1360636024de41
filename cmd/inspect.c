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
#include "network/network.h"
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

static json_t *strv_json(char *const *v, bool null_when_empty)
{
	if ((v == NULL || v[0] == NULL) && null_when_empty)
		return json_null();
	json_t *a = json_array();
	for (char *const *p = v; p != NULL && *p; p++)
		json_array_append_new(a, cc_json_text(*p));
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
 * command (entrypoint + command, as it runs) where the spec says. */
static void split_command(const json_t *cfg, const struct cc_container_spec *sp, json_t **ret_ep, json_t **ret_cmd)
{
	const json_t *cmd = json_object_get(cfg, "Cmd");
	size_t total = json_array_size(cmd), n_ep = sp->n_entrypoint < total ? sp->n_entrypoint : total;
	*ret_ep = array_slice(cmd, 0, n_ep);
	*ret_cmd = array_slice(cmd, n_ep, total);
}

/* docker's PortBindings: what -p asked for ({"80/tcp": [{"HostIp": "",
 * "HostPort": "8080"}]}), host ports not given left "". */
static json_t *port_bindings(const struct cc_container_spec *sp, json_t *exposed)
{
	json_t *pb = json_object();
	_cleanup_free_ struct cc_port_map *maps = calloc(CC_NET_MAX_PORTS, sizeof(*maps));
	for (char *const *pub = sp->publish; maps != NULL && pub != NULL && *pub; pub++) {
		size_t n = 0;
		cc_error *e = NULL;
		if (cc_net_parse_publish(*pub, maps, CC_NET_MAX_PORTS, &n, &e) < 0) {
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

/* docker's Ulimits: [{"Name": "nofile", "Hard": 2048, "Soft": 1024}] (the
 * spec's have one for a name: the last given). */
static json_t *ulimits_json(const struct cc_container_spec *sp)
{
	if (sp->ulimits == NULL || sp->ulimits[0] == NULL)
		return json_null();
	json_t *a = json_array();
	for (char *const *ul = sp->ulimits; *ul; ul++) {
		struct cc_rlimit r;
		cc_error *e = NULL;
		if (cc_runtime_parse_ulimit(*ul, &r, &e) < 0) {
			cc_error_free(e);
			continue;
		}
		_cleanup_free_ char *name = strndup(*ul, strcspn(*ul, "="));
		json_array_append_new(a, json_pack("{s:o, s:I, s:I}", "Name", cc_json_text(name ? name : ""), "Hard",
						   (json_int_t)(r.hard == RLIM_INFINITY ? -1 : (json_int_t)r.hard), "Soft",
						   (json_int_t)(r.soft == RLIM_INFINITY ? -1 : (json_int_t)r.soft)));
	}
	return a;
}

/* HostConfig.RestartPolicy as the config keeps it. */
static json_t *restart_policy(const json_t *cfg)
{
	json_t *rp = json_object_get(cfg, "RestartPolicy");
	if (json_is_object(rp))
		return json_incref(rp);
	return json_pack("{s:s, s:i}", "Name", "no", "MaximumRetryCount", 0);
}

/* docker's Binds: the bind mounts as -v gives them. */
static json_t *binds_json(const struct cc_container_spec *sp)
{
	json_t *a = NULL;
	for (size_t i = 0; i < sp->n_mounts; i++) {
		const struct cc_container_mount *m = &sp->mounts[i];
		_cleanup_free_ char *b = NULL;
		/* docker: the -v of named volumes by their name; anonymous ones are not Binds */
		if (m->tmpfs || m->anonymous ||
		    asprintf(&b, "%s:%s%s", m->volume ? m->volume : m->source, m->target, m->readonly ? ":ro" : "") < 0)
			continue;
		if (a == NULL)
			a = json_array();
		json_array_append_new(a, cc_json_text(b));
	}
	return a != NULL ? a : json_null();
}

static json_t *host_config(const json_t *cfg, const struct cc_container_spec *sp, json_t *exposed)
{
	json_t *hc = json_object();
	json_object_set_new(hc, "Binds", binds_json(sp));
	json_object_set_new(hc, "ContainerIDFile", json_string(""));
	json_t *lc = json_object_get(cfg, "LogConfig");
	json_object_set_new(hc, "LogConfig",
			    json_is_object(lc) ? json_incref(lc) : json_pack("{s:s, s:{}}", "Type", "json-file", "Config"));
	const char *mode = json_string_value(json_object_get(cfg, "Network"));
	json_object_set_new(hc, "NetworkMode", cc_json_text(mode ? mode : "bridge"));
	json_object_set_new(hc, "PortBindings", port_bindings(sp, exposed));
	json_object_set_new(hc, "RestartPolicy", restart_policy(cfg));
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
	json_object_set_new(hc, "Dns", strv_json(sp->dns, false));
	json_object_set_new(hc, "DnsOptions", strv_json(sp->dns_options, false));
	json_object_set_new(hc, "DnsSearch", strv_json(sp->dns_search, false));
	json_object_set_new(hc, "ExtraHosts", strv_json(sp->extra_hosts, true));
	json_object_set_new(hc, "GroupAdd", json_null());
	json_object_set_new(hc, "IpcMode", json_string("private"));
	json_object_set_new(hc, "Cgroup", json_string(""));
	json_object_set_new(hc, "Links", json_null());
	json_object_set_new(hc, "OomScoreAdj", json_integer(0));
	json_object_set_new(hc, "PidMode", json_string(""));
	json_object_set_new(hc, "Privileged", json_boolean(json_is_true(json_object_get(cfg, "Privileged"))));
	json_object_set_new(hc, "PublishAllPorts", json_boolean(sp->publish_all));
	json_object_set_new(hc, "ReadonlyRootfs", json_boolean(sp->read_only));
	json_object_set_new(hc, "SecurityOpt", strv_json(sp->security_opt, true));
	json_t *t = NULL;
	for (size_t i = 0; i < sp->n_mounts; i++) {
		const struct cc_container_mount *m = &sp->mounts[i];
		_cleanup_free_ char *key = m->tmpfs ? cc_utf8_coerce(m->target) : NULL;
		if (key != NULL && (t != NULL || (t = json_object()) != NULL))
			json_object_set_new(t, key, cc_json_text(m->options != NULL ? m->options : ""));
	}
	if (t != NULL) /* docker: omitted when empty */
		json_object_set_new(hc, "Tmpfs", t);
	json_object_set_new(hc, "UTSMode", json_string(""));
	json_object_set_new(hc, "UsernsMode", json_string(""));
	json_object_set_new(hc, "ShmSize", json_integer(sp->shm_size > 0 ? sp->shm_size : SHM_SIZE_DEFAULT));
	json_object_set_new(hc, "Isolation", json_string(""));
	int64_t memory = sp->res.memory, swap = sp->res.memory_swap;
	if (swap == 0 && memory > 0)
		swap = 2 * memory; /* docker's default, and the runtime's (cc_resources) */
	json_object_set_new(hc, "CpuShares", json_integer(sp->res.cpu_shares));
	json_object_set_new(hc, "Memory", json_integer(memory));
	json_object_set_new(hc, "NanoCpus", json_integer(sp->nano_cpus));
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
	int64_t pl = sp->res.pids_limit;
	json_object_set_new(hc, "PidsLimit", pl == 0 ? json_null() : json_integer(pl < 0 ? -1 : pl));
	json_object_set_new(hc, "Ulimits", ulimits_json(sp));
	if (sp->init) /* docker: omitted unless set */
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
		if (type != NULL && strcmp(type, "volume") == 0) { /* start.c wrote docker's shape */
			json_array_append(out, m);
			continue;
		}
		if (type == NULL || strcmp(type, "bind") != 0)
			continue;
		bool rw = !json_is_false(json_object_get(m, "RW"));
		/* start.c wrote the bind's propagation (docker's default: rprivate) */
		const char *prop = json_string_value(json_object_get(m, "Propagation"));
		json_array_append_new(out, json_pack("{s:s, s:O, s:O, s:s, s:b, s:o}", "Type", "bind", "Source",
						     json_object_get(m, "Source"), "Destination",
						     json_object_get(m, "Destination"), "Mode", rw ? "" : "ro", "RW", rw,
						     "Propagation", cc_json_text(prop != NULL && *prop ? prop : "rprivate")));
	}
	return out;
}

static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A copy of o with its keys in order, as Go marshals a map. */
static json_t *sorted_object(json_t *o)
{
	size_t n = json_object_size(o), i = 0;
	_cleanup_free_ const char **keys = calloc(n + 1, sizeof(char *));
	json_t *out = json_object();
	const char *k;
	json_t *v;
	if (keys == NULL || out == NULL) {
		json_decref(out);
		return json_incref(o);
	}
	json_object_foreach(o, k, v)
		keys[i++] = k;
	qsort(keys, n, sizeof(*keys), key_cmp);
	for (i = 0; i < n; i++)
		json_object_set(out, keys[i], json_object_get(o, keys[i]));
	return out;
}

/* docker's Config of a container: the image's, with what run changed. */
static json_t *container_config(const struct cc_container_record *c, const json_t *cfg,
				const struct cc_container_spec *sp, const json_t *image_cfg, json_t *exposed)
{
	const json_t *ic = json_object_get(image_cfg, "config");
	bool detach = sp->detach, in = json_is_true(json_object_get(cfg, "OpenStdin"));
	json_t *ep = NULL, *cmd = NULL;
	split_command(cfg, sp, &ep, &cmd);
	const char *image = c->image_name;
	json_t *o = json_object();
	json_object_set_new(o, "Hostname", json_or_null(json_object_get(cfg, "Hostname")));
	json_object_set_new(o, "Domainname", cc_json_text(sp->domainname != NULL ? sp->domainname : ""));
	const json_t *user = json_object_get(cfg, "User"), *wd = json_object_get(cfg, "WorkingDir");
	json_object_set_new(o, "User", user ? json_incref((json_t *)user) : json_string(""));
	json_object_set_new(o, "AttachStdin", json_boolean(!detach && in));
	json_object_set_new(o, "AttachStdout", json_boolean(!detach));
	json_object_set_new(o, "AttachStderr", json_boolean(!detach));
	if (json_object_size(exposed) > 0) /* docker: omitted when empty */
		json_object_set_new(o, "ExposedPorts", sorted_object(exposed));
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

/* docker's NetworkSettings: cc_network_settings's (addresses while the
 * container holds its leases) and what docker adds around them. */
static json_t *network_settings(struct cc_store *s, const struct cc_container_record *c,
				const struct cc_container_spec *sp)
{
	const char *mode = sp->network != NULL ? sp->network : "bridge";
	json_t *o = cc_network_settings(s, c, mode, sp->networks, sp->n_networks);
	if (o == NULL)
		return NULL;
	bool running = (strcmp(c->state, "running") == 0 || cc_container_is_paused(c)) && c->pid > 0;
	char key[64] = "";
	if (running && strcmp(mode, "host") != 0)
		snprintf(key, sizeof(key), "/proc/%d/ns/net", c->pid);
	const json_t *dflt = json_object_get(json_object_get(o, "Networks"), "bridge");
	const json_t *epid = json_object_get(dflt, "EndpointID");
	json_object_set_new(o, "SandboxID", json_string(""));
	json_object_set_new(o, "SandboxKey", json_string(key));
	json_object_set_new(o, "HairpinMode", json_false());
	json_object_set_new(o, "LinkLocalIPv6Address", json_string(""));
	json_object_set_new(o, "LinkLocalIPv6PrefixLen", json_integer(0));
	json_object_set_new(o, "SecondaryIPAddresses", json_null());
	json_object_set_new(o, "SecondaryIPv6Addresses", json_null());
	json_object_set_new(o, "EndpointID", json_string(json_is_string(epid) ? json_string_value(epid) : ""));
	json_object_set_new(o, "GlobalIPv6Address", json_string(""));
	json_object_set_new(o, "GlobalIPv6PrefixLen", json_integer(0));
	json_object_set_new(o, "IPv6Gateway", json_string(""));
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
	json_t *cfg = cc_container_config(c);
	json_t *image_cfg = image_config(s, c->image_id);
	/* the spec as stored (one an older ccontainer made, as it would be) */
	struct cc_container_spec sp = { 0 };
	cc_error *se = NULL;
	if (cmd_container_spec(s, c, false, &sp, &se) < 0)
		cc_error_free(se);
	char created[64], started[64], finished[64];
	fmt_time((uint64_t)c->created, created, sizeof(created));
	fmt_time((uint64_t)c->started, started, sizeof(started));
	fmt_time((uint64_t)c->finished, finished, sizeof(finished));
	_cleanup_free_ char *dir = cc_store_container_path(s, c->id);
	_cleanup_free_ char *rundir = cc_store_container_rundir(s, c->id);
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
	bool paused = cc_container_is_paused(c), running = strcmp(c->state, "running") == 0 || paused;
	/* docker: a container waiting for its restart is Running and Restarting */
	bool restarting = strcmp(c->state, "restarting") == 0;
	/* the image's exposed ports and the published ones */
	json_t *exposed = json_object();
	json_t *iexp = json_object_get(json_object_get(image_cfg, "config"), "ExposedPorts");
	if (json_is_object(iexp))
		json_object_update(exposed, iexp);
	for (char *const *x = sp.expose; x != NULL && *x; x++) /* --expose's */
		json_object_set_new(exposed, *x, json_object());
	json_t *hc = host_config(cfg, &sp, exposed);
	json_t *o = json_pack(
		"{s:s, s:s, s:o, s:o, s:{s:s, s:b, s:b, s:b, s:b, s:b, s:i, s:i, s:s, s:s, s:s}, s:s, s:s, s:s, s:s, s:s, s:o, s:I, s:s, s:s, s:s, s:s, s:s, s:n}",
		"Id", c->id, "Created", created, "Path", cc_json_text(path), "Args", args, "State", "Status", c->state,
		"Running", running || restarting, "Paused", paused, "Restarting", restarting, "OOMKilled", c->oom_killed, "Dead", 0, "Pid",
		running ? c->pid : 0, "ExitCode", c->exit_code, "Error", "", "StartedAt", started, "FinishedAt",
		finished, "Image", c->image_id, "ResolvConfPath", resolv ? resolv : "", "HostnamePath",
		hostname ? hostname : "", "HostsPath", hosts ? hosts : "", "LogPath", log ? log : "", "Name",
		cc_json_text(name ? name : c->name), "RestartCount",
		(json_int_t)cc_container_restart_count(s, c->id), "Driver", "overlay",
		"Platform", "linux", "MountLabel", "", "ProcessLabel", "", "AppArmorProfile", "", "ExecIDs");
	json_t *health = o != NULL ? cc_container_health(s, c, cfg) : NULL;
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
		json_object_set_new(o, "Config", container_config(c, cfg, &sp, image_cfg, exposed));
		json_object_set_new(o, "NetworkSettings", network_settings(s, c, &sp));
	}
	json_decref(hc);
	json_decref(exposed);
	cc_container_spec_release(&sp);
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
int cmd_inspect_objects(const char *format, int argc, char **argv, cmd_inspect_lookup lookup, void *data)
{
	format = format ? format : "";
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
		int r = lookup(s, argv[i], data, &obj);
		if (obj == NULL) {
			rc = r != 0 ? r : EXIT_CC_ERROR;
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

struct lookup_data {
	enum inspect_kind kind;
	bool size;
};

/* containers first, as docker inspect does */
static int lookup_any(struct cc_store *s, const char *ref, void *data, json_t **ret)
{
	const struct lookup_data *d = data;
	if (d->kind != INSPECT_IMAGE && container_lookup(s, ref, d->size, ret) == 0)
		return 0;
	if (d->kind != INSPECT_CONTAINER && (*ret = image_lookup(s, ref)) != NULL)
		return 0;
	*ret = NULL;
	return cmd_failf(EXIT_CC_ERROR, "No such %s: %s",
			 d->kind == INSPECT_CONTAINER ? "container" : d->kind == INSPECT_IMAGE ? "image" : "object", ref);
}

static int inspect_run(const struct inspect_opts *o, enum inspect_kind kind, int argc, char **argv)
{
	struct lookup_data d = { .kind = kind, .size = o->size };
	return cmd_inspect_objects(o->format, argc, argv, lookup_any, &d);
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
