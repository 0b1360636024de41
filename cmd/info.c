/* version, info (and system info): what the binary is and what the host and
 * the store offer, in docker's text layouts; --format json or a template. */
#include <dlfcn.h>
#include <signal.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "cmd.h"
#include "runtime/net.h"
#include "store/store.h"
#include "template/template.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/util.h"

#ifndef CC_VERSION
#define CC_VERSION "unknown"
#endif
#ifndef CC_GIT_COMMIT
#define CC_GIT_COMMIT ""
#endif
#ifndef CC_BUILD_DATE
#define CC_BUILD_DATE ""
#endif

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif

struct format_opts {
	const char *format;
};

/* A /proc/self/{u,g}id_map as podman's idMappings: [{ContainerID, HostID, Size}]. */
static json_t *id_map(const char *path)
{
	json_t *a = json_array();
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	unsigned long in, out, count;
	while (a != NULL && f != NULL && fscanf(f, "%lu %lu %lu", &in, &out, &count) == 3)
		json_array_append_new(a, json_pack("{s:I, s:I, s:I}", "ContainerID", (json_int_t)in, "HostID",
						   (json_int_t)out, "Size", (json_int_t)count));
	return a;
}

static const struct cmd_opt format_options[] = {
	OPT_STRING('f', "format", struct format_opts, format, "string",
		   "Format output using a Go template or \"json\""),
	OPT_END,
};

/* "v1", "v2" or "hybrid" (v1 controllers, cgroup2 at /sys/fs/cgroup/unified). */
static const char *cgroup_mode(void)
{
	struct statfs s;
	if (statfs("/sys/fs/cgroup", &s) == 0 && s.f_type == CGROUP2_SUPER_MAGIC)
		return "v2";
	if (statfs("/sys/fs/cgroup/unified", &s) == 0 && s.f_type == CGROUP2_SUPER_MAGIC)
		return "hybrid";
	return "v1";
}

/* A lazily loaded library's version: dlopen'ed here only (version may pay
 * for it; run never comes here).  NULL when absent. */
static void lib_version(json_t *libs, const char *key, const char *soname, const char *fn, int kind)
{
	void *h = dlopen(soname, RTLD_LAZY | RTLD_LOCAL);
	if (h == NULL)
		return;
	void *sym = fn ? dlsym(h, fn) : NULL;
	if (kind == 0 && sym) { /* const char *f(void) */
		const char *v = ((const char *(*)(void))sym)();
		if (v)
			json_object_set_new(libs, key, json_string(v));
	} else if (kind == 1 && sym) { /* OpenSSL_version(0) */
		const char *v = ((const char *(*)(int))sym)(0);
		if (v)
			json_object_set_new(libs, key, json_string(v));
	} else if (kind == 2 && sym) { /* seccomp_version() -> struct {unsigned major, minor, micro} * */
		const unsigned *v = ((const unsigned *(*)(void))sym)();
		if (v)
			json_object_set_new(libs, key, json_sprintf("%u.%u.%u", v[0], v[1], v[2]));
	} else {
		json_object_set_new(libs, key, json_string(soname));
	}
	dlclose(h);
}

static json_t *library_versions(void)
{
	json_t *libs = json_object();
	json_object_set_new(libs, "sqlite", json_string(sqlite3_libversion()));
	json_object_set_new(libs, "jansson", json_string(jansson_version_str()));
	lib_version(libs, "libcurl", "libcurl.so.4", "curl_version", 0);
	lib_version(libs, "libarchive", "libarchive.so.13", "archive_version_string", 0);
	lib_version(libs, "libseccomp", "libseccomp.so.2", "seccomp_version", 2);
	lib_version(libs, "libcrypto", "libcrypto.so.3", "OpenSSL_version", 1);
	lib_version(libs, "libnftables", "libnftables.so.1", NULL, 3);
	lib_version(libs, "libmnl", "libmnl.so.0", NULL, 3);
	return libs;
}

static const char *go_arch(const char *m)
{
	if (strcmp(m, "x86_64") == 0)
		return "amd64";
	if (strcmp(m, "aarch64") == 0)
		return "arm64";
	if (strcmp(m, "i686") == 0 || strcmp(m, "i386") == 0)
		return "386";
	return m;
}

/* docker's --format for version and info: "json" is {{json .}}, anything
 * else a Go template (lib/template) run once on the whole object, then a
 * newline.  A template that does not parse: "template parsing error: ...",
 * 64 (docker's); one that fails to run: what it wrote, the newline, then
 * Go's message, 1.  Returns the exit status. */
static int print_formatted(const char *format, json_t *data)
{
	struct cc_template *t = NULL;
	int rc = cmd_template_open(format, &t);
	if (rc != 0)
		return rc;
	struct cc_strbuf out = { 0 };
	cc_error *e = NULL;
	int r = cc_template_exec(t, data, &out, &e);
	cc_template_free(t);
	cc_strbuf_add(&out, "\n", 1);
	_cleanup_free_ char *text = cc_strbuf_steal(&out);
	if (text == NULL) {
		cc_error_free(e);
		return cmd_failf(1, "out of memory");
	}
	if (fputs(text, stdout) == EOF) {
		cc_error_free(e);
		return cmd_output_error(errno);
	}
	if (r < 0) {
		if (fflush(stdout) != 0)
			return cmd_output_error(errno);
		return e != NULL ? cmd_fail(e, 1) : cmd_failf(1, "out of memory");
	}
	return 0;
}

static int finish_output(void)
{
	if (fflush(stdout) != 0 || ferror(stdout))
		return cmd_output_error(errno);
	return 0;
}

/* ---- version ---- */

static json_t *version_data(void)
{
	struct utsname u;
	if (uname(&u) < 0)
		memset(&u, 0, sizeof(u));
	json_t *client = json_object();
	json_object_set_new(client, "Version", json_string(CC_VERSION));
	json_object_set_new(client, "GitCommit", json_string(CC_GIT_COMMIT));
	json_object_set_new(client, "BuildTime", json_string(CC_BUILD_DATE));
	json_object_set_new(client, "Context", json_string("default"));
	json_object_set_new(client, "Os", json_string("linux"));
	json_object_set_new(client, "Arch", json_string(go_arch(u.machine)));
	json_object_set_new(client, "StoreSchemaVersion", json_integer(cc_store_schema_version()));
	json_object_set_new(client, "KernelVersion", json_string(u.release));
	json_object_set_new(client, "CgroupVersion", json_string(cgroup_mode()));
	json_object_set_new(client, "Libraries", library_versions());
	json_t *root = json_object();
	json_object_set_new(root, "Client", client);
	return root;
}

static int version_action(void *opts, int argc, char **argv)
{
	(void)argc, (void)argv;
	struct format_opts *o = opts;
	json_t *d = version_data();
	if (d == NULL)
		return cmd_failf(1, "out of memory");
	int r;
	if (o->format && *o->format) {
		r = print_formatted(o->format, d);
	} else {
		json_t *c = json_object_get(d, "Client");
#define S(k) json_string_value(json_object_get(c, k))
		printf("Client:\n");
		printf(" Version:           %s\n", S("Version"));
		printf(" Git commit:        %s\n", *S("GitCommit") ? S("GitCommit") : "unknown");
		printf(" Built:             %s\n", *S("BuildTime") ? S("BuildTime") : "unknown");
		printf(" OS/Arch:           %s/%s\n", S("Os"), S("Arch"));
		printf(" Store schema:      %lld\n", (long long)json_integer_value(json_object_get(c, "StoreSchemaVersion")));
		printf(" Kernel:            %s\n", S("KernelVersion"));
		printf(" Cgroup version:    %s\n", S("CgroupVersion"));
		printf(" Libraries:\n");
		const char *k;
		json_t *v;
		json_object_foreach(json_object_get(c, "Libraries"), k, v)
			printf("  %-17s %s\n", k, json_string_value(v));
#undef S
		r = 0;
	}
	json_decref(d);
	return r ? r : finish_output();
}

const struct cmd_verb cmd_version_verb = {
	.name = "version",
	.usage = "[OPTIONS]",
	.summary = "Show the ccontainer version information",
	.description = "Client version, git commit, build date, store schema version, kernel, cgroup mode and\n"
		       "the versions of the libraries in use.",
	.opts = format_options,
	.opts_size = sizeof(struct format_opts),
	.flags = CMD_VERB_NO_STORE,
	.max_args = 0,
	.action = version_action,
};

/* ---- info ---- */

static const char *fs_name(long type)
{
	switch ((unsigned long)type) {
	case 0xEF53: return "extfs";
	case 0x58465342: return "xfs";
	case 0x9123683E: return "btrfs";
	case 0x01021994: return "tmpfs";
	case 0x794c7630: return "overlayfs";
	case 0x2FC12FC1: return "zfs";
	case 0x65735546: return "fuse";
	default: return "unknown";
	}
}

/* KEY="value" from /etc/os-release (quotes removed), or NULL. */
static char *os_release(const char *key)
{
	FILE *f = fopen("/etc/os-release", "re");
	if (f == NULL)
		f = fopen("/usr/lib/os-release", "re");
	if (f == NULL)
		return NULL;
	char *line = NULL, *ret = NULL;
	size_t cap = 0, kl = strlen(key);
	ssize_t n;
	while (ret == NULL && (n = getline(&line, &cap, f)) > 0) {
		if (strncmp(line, key, kl) != 0 || line[kl] != '=')
			continue;
		char *v = line + kl + 1;
		v[strcspn(v, "\n")] = '\0';
		size_t l = strlen(v);
		if (l >= 2 && (v[0] == '"' || v[0] == '\'') && v[l - 1] == v[0]) {
			v[l - 1] = '\0';
			v++;
		}
		ret = strdup(v);
	}
	free(line);
	fclose(f);
	return ret;
}

static long read_long(const char *path, long def)
{
	FILE *f = fopen(path, "re");
	long v = def;
	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = def;
		fclose(f);
	}
	return v;
}

static json_t *registry_mirrors(void)
{
	json_t *m = json_object();
	const char *env = secure_getenv("CCONTAINER_REGISTRY_MIRROR");
	if (env && *env)
		json_object_set_new(m, "docker.io", json_pack("[s]", env));
	const char *cfg = secure_getenv("CCONTAINER_REGISTRIES_CONF");
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	cc_error *e = NULL;
	if (cc_read_file(cfg && *cfg ? cfg : "/etc/ccontainer/registries.json", 1024 * 1024, &data, &len, &e) == 0) {
		json_t *root = json_loadb(data, len, 0, NULL);
		json_t *mirrors = json_object_get(root, "mirrors");
		const char *k;
		json_t *v;
		json_object_foreach(mirrors, k, v) {
			if (!json_is_array(v))
				continue;
			json_t *have = json_object_get(m, k);
			if (have)
				json_array_extend(have, v);
			else
				json_object_set(m, k, v);
		}
		json_decref(root);
	}
	cc_error_free(e);
	return m;
}

static int info_data(json_t **ret)
{
	struct cc_store *s = cmd_open_store();
	if (s == NULL)
		return 1;
	cc_error *e = NULL;
	char **ids = NULL;
	if (cc_store_image_list(s, &ids, &e) < 0) {
		cc_store_close(s);
		return cmd_fail(e, 1);
	}
	size_t n_images = 0;
	for (; ids && ids[n_images]; n_images++)
		free(ids[n_images]);
	free(ids);
	struct cc_container_record **cs = NULL;
	size_t n_cs = 0, running = 0, paused = 0;
	if (cc_store_container_list(s, &cs, &n_cs, &e) < 0) {
		cc_store_close(s);
		return cmd_fail(e, 1);
	}
	for (size_t i = 0; i < n_cs; i++) {
		if (cs[i]->state && strcmp(cs[i]->state, "running") == 0 && cs[i]->pid > 0 && kill(cs[i]->pid, 0) == 0)
			running++;
		else if (cs[i]->state && strcmp(cs[i]->state, "paused") == 0)
			paused++;
		cc_container_record_free(cs[i]);
	}
	free(cs);
	cc_store_close(s);

	struct utsname u;
	if (uname(&u) < 0)
		memset(&u, 0, sizeof(u));
	const char *root = cmd_store_root();
	struct statfs sf;
	const char *backing = statfs(root, &sf) == 0 ? fs_name(sf.f_type) : "unknown";
	struct cc_net_config net;
	cc_error *ne = NULL;
	char subnet[32] = "";
	if (cc_net_config_load(CC_NET_CONFIG_PATH, &net, &ne) == 0) {
		uint32_t a = net.subnet;
		snprintf(subnet, sizeof(subnet), "%u.%u.%u.%u/%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255,
			 net.prefix);
	} else {
		snprintf(net.bridge, sizeof(net.bridge), "%s", "");
	}
	cc_error_free(ne);
	_cleanup_free_ char *os = os_release("PRETTY_NAME");
	_cleanup_free_ char *os_ver = os_release("VERSION_ID");
	long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
	long max_userns = read_long("/proc/sys/user/max_user_namespaces", -1);
	long unpriv_userns = read_long("/proc/sys/kernel/unprivileged_userns_clone", -1);
	/* seccomp: the kernel has it when /proc/sys/kernel/seccomp exists */
	bool seccomp = access("/proc/sys/kernel/seccomp", F_OK) == 0;
	const char *mode = cgroup_mode();

	json_t *sec = json_array();
	if (seccomp)
		json_array_append_new(sec, json_string("name=seccomp,profile=builtin"));
	bool rootless = cc_rootless();
	if (rootless) /* docker's rootless daemon says so here */
		json_array_append_new(sec, json_string("name=rootless"));
	json_t *d = json_object();
	json_object_set_new(d, "ID", json_string(""));
	json_object_set_new(d, "Containers", json_integer((json_int_t)n_cs));
	json_object_set_new(d, "ContainersRunning", json_integer((json_int_t)running));
	json_object_set_new(d, "ContainersPaused", json_integer((json_int_t)paused));
	json_object_set_new(d, "ContainersStopped", json_integer((json_int_t)(n_cs - running - paused)));
	json_object_set_new(d, "Images", json_integer((json_int_t)n_images));
	json_object_set_new(d, "Driver", json_string("overlay"));
	json_object_set_new(d, "DriverStatus", json_pack("[[ss]]", "Backing Filesystem", backing));
	/* docker's Plugins: what ccontainer has in their place (no named
	 * volumes, no volume or authorization plugins) */
	json_object_set_new(d, "Plugins", json_pack("{s:[], s:[sss], s:n, s:[ss]}", "Volume", "Network", "bridge", "host",
						    "none", "Authorization", "Log", "json-file", "k8s-file"));
	json_object_set_new(d, "LoggingDriver", json_string("json-file"));
	json_object_set_new(d, "CgroupDriver", json_string("cgroupfs"));
	json_object_set_new(d, "CgroupVersion", json_string(strcmp(mode, "v2") == 0 ? "2" : "1"));
	json_object_set_new(d, "CgroupMode", json_string(mode));
	json_object_set_new(d, "KernelVersion", json_string(u.release));
	json_object_set_new(d, "OperatingSystem", json_string(os ? os : "Linux"));
	json_object_set_new(d, "OSVersion", json_string(os_ver ? os_ver : ""));
	json_object_set_new(d, "OSType", json_string("linux"));
	json_object_set_new(d, "Architecture", json_string(u.machine));
	json_object_set_new(d, "NCPU", json_integer(sysconf(_SC_NPROCESSORS_ONLN)));
	json_object_set_new(d, "MemTotal", json_integer((json_int_t)pages * psize));
	json_object_set_new(d, "DockerRootDir", json_string(root));
	json_object_set_new(d, "RunRoot", json_string(cmd_runroot()));
	json_object_set_new(d, "Name", cc_json_text(u.nodename));
	json_object_set_new(d, "SecurityOptions", sec);
	json_object_set_new(d, "SeccompProfile", json_string(seccomp ? "builtin" : ""));
	json_object_set_new(d, "UserNamespaces", json_boolean(max_userns != 0 && unpriv_userns != 0));
	json_object_set_new(d, "MaxUserNamespaces", json_integer(max_userns));
	/* rootless: podman's host.security.rootless, idMappings and its
	 * network helper */
	json_object_set_new(d, "Rootless", json_boolean(rootless));
	json_object_set_new(d, "IDMappings", json_pack("{s:o, s:o}", "UIDMap", id_map("/proc/self/uid_map"), "GIDMap",
						       id_map("/proc/self/gid_map")));
	const char *helper = cc_network_pasta_available() ? "pasta" : cc_network_slirp_available() ? "slirp4netns" : "";
	json_object_set_new(d, "NetworkHelper", json_string(rootless ? helper : ""));
	json_object_set_new(d, "BridgeName", json_string(net.bridge));
	json_object_set_new(d, "BridgeSubnet", json_string(subnet));
	json_object_set_new(d, "RegistryConfig", json_pack("{s:o}", "Mirrors", registry_mirrors()));
	json_object_set_new(d, "ServerVersion", json_string(CC_VERSION));
	json_object_set_new(d, "StoreSchemaVersion", json_integer(cc_store_schema_version()));
	json_object_set_new(d, "Warnings", json_null());
	/* docker's ClientInfo: the CLI's own part (Plugins [], never null) */
	json_object_set_new(d, "ClientInfo", json_pack("{s:b, s:s, s:s, s:s, s:[], s:n}", "Debug", cc_globals.debug,
						       "Version", CC_VERSION, "GitCommit", CC_GIT_COMMIT, "Context",
						       "default", "Plugins", "Warnings"));
	*ret = d;
	return 0;
}

static int info_action(void *opts, int argc, char **argv)
{
	(void)argc, (void)argv;
	struct format_opts *o = opts;
	json_t *d = NULL;
	int r = info_data(&d);
	if (r)
		return r;
	if (o->format && *o->format) {
		r = print_formatted(o->format, d);
	} else {
#define S(k) json_string_value(json_object_get(d, k))
#define I(k) (long long)json_integer_value(json_object_get(d, k))
		printf("Client:\n Version:    %s\n Context:    default\n\n", CC_VERSION);
		printf("Server:\n");
		printf(" Containers: %lld\n  Running: %lld\n  Paused: %lld\n  Stopped: %lld\n", I("Containers"),
		       I("ContainersRunning"), I("ContainersPaused"), I("ContainersStopped"));
		printf(" Images: %lld\n", I("Images"));
		printf(" Server Version: %s\n", S("ServerVersion"));
		printf(" Storage Driver: %s\n", S("Driver"));
		printf("  Backing Filesystem: %s\n",
		       json_string_value(json_array_get(json_array_get(json_object_get(d, "DriverStatus"), 0), 1)));
		printf("  Store Schema Version: %lld\n", I("StoreSchemaVersion"));
		printf(" Cgroup Driver: %s\n", S("CgroupDriver"));
		printf(" Cgroup Version: %s\n", S("CgroupVersion"));
		printf(" Cgroup Mode: %s\n", S("CgroupMode"));
		printf(" Security Options:\n");
		if (*S("SeccompProfile"))
			printf("  seccomp\n   Profile: %s\n", S("SeccompProfile"));
		if (json_is_true(json_object_get(d, "Rootless")))
			printf("  rootless\n");
		printf(" User Namespaces: %s\n", json_is_true(json_object_get(d, "UserNamespaces")) ? "true" : "false");
		printf(" Rootless: %s\n", json_is_true(json_object_get(d, "Rootless")) ? "true" : "false");
		if (json_is_true(json_object_get(d, "Rootless"))) {
			const char *which[] = { "UIDMap", "GIDMap" };
			for (int w = 0; w < 2; w++) {
				printf("  %s:", w ? "GID Map" : "UID Map");
				size_t i;
				json_t *m;
				json_array_foreach(json_object_get(json_object_get(d, "IDMappings"), which[w]), i, m)
					printf(" %lld->%lld (%lld)", (long long)json_integer_value(json_object_get(m, "ContainerID")),
					       (long long)json_integer_value(json_object_get(m, "HostID")),
					       (long long)json_integer_value(json_object_get(m, "Size")));
				printf("\n");
			}
		}
		if (json_is_true(json_object_get(d, "Rootless")))
			printf(" Network:\n  Helper: %s\n", *S("NetworkHelper") ? S("NetworkHelper") : "none");
		else
			printf(" Network:\n  Bridge: %s\n  Subnet: %s\n", S("BridgeName"), S("BridgeSubnet"));
		printf(" Kernel Version: %s\n", S("KernelVersion"));
		printf(" Operating System: %s\n", S("OperatingSystem"));
		printf(" OSType: %s\n", S("OSType"));
		printf(" Architecture: %s\n", S("Architecture"));
		printf(" CPUs: %lld\n", I("NCPU"));
		printf(" Total Memory: %.4gGiB\n", (double)I("MemTotal") / (1024.0 * 1024 * 1024));
		printf(" Docker Root Dir: %s\n", S("DockerRootDir"));
		printf(" Run Root: %s\n", S("RunRoot"));
		printf(" Registry Mirrors:\n");
		const char *k;
		json_t *v;
		json_object_foreach(json_object_get(json_object_get(d, "RegistryConfig"), "Mirrors"), k, v) {
			size_t i;
			json_t *m;
			json_array_foreach(v, i, m)
				printf("  %s: %s\n", k, json_string_value(m));
		}
#undef S
#undef I
	}
	json_decref(d);
	return r ? r : finish_output();
}

const struct cmd_verb cmd_info_verb = {
	.name = "info",
	.usage = "[OPTIONS]",
	.summary = "Display system-wide information",
	.description = "Store root and runroot, storage driver, counts of images and containers, cgroup,\n"
		       "seccomp, user namespace and network settings, registry mirrors, kernel and host.",
	.opts = format_options,
	.opts_size = sizeof(struct format_opts),
	.max_args = 0,
	.action = info_action,
};
