/* Unit tests for lib/container: restart policies (parsing, decisions,
 * docker's backoff), the healthcheck's state record, the container's log
 * writer (docker's JSON lines: escaping, time stamps, parsing back; CRI
 * records; rotation), the resolved spec's persistence, and the engine (its
 * state machine; reconcile and finish on a store of its own, without the
 * CLI). */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <fcntl.h>
#include <unistd.h>

#include "container/container.h"
#include "container/monitor.h"
#include "util/util.h"
#include "container/crilog.h"

static void parse_ok(const char *text, enum cc_restart_kind kind, int max)
{
	struct cc_restart_policy p;
	cc_error *e = NULL;
	if (cc_restart_policy_parse(text, &p, &e) < 0)
		fail_msg("%s: %s", text, e->msg);
	assert_int_equal(p.kind, kind);
	assert_int_equal(p.max_retries, max);
	assert_int_equal(cc_restart_policy_from_text(text, &p), 0);
	assert_int_equal(p.kind, kind);
}

static void parse_bad(const char *text, const char *msg)
{
	struct cc_restart_policy p;
	cc_error *e = NULL;
	assert_true(cc_restart_policy_parse(text, &p, &e) < 0);
	if (strstr(e->msg, msg) == NULL)
		fail_msg("%s: '%s' lacks '%s'", text, e->msg, msg);
	assert_int_equal(e->kind, CC_ERR_INVALID);
	cc_error_free(e);
	assert_int_equal(cc_restart_policy_from_text(text, &p), -1);
}

static void test_policy_parse(void **state)
{
	(void)state;
	parse_ok("no", CC_RESTART_NO, 0);
	parse_ok("always", CC_RESTART_ALWAYS, 0);
	parse_ok("unless-stopped", CC_RESTART_UNLESS_STOPPED, 0);
	parse_ok("on-failure", CC_RESTART_ON_FAILURE, 0);
	parse_ok("on-failure:3", CC_RESTART_ON_FAILURE, 3);
	parse_ok("on-failure:0", CC_RESTART_ON_FAILURE, 0);
	parse_ok("always:0", CC_RESTART_ALWAYS, 0);
	parse_bad("on-failure:-1", "cannot be negative");
	parse_bad("always:2", "can only be used with 'on-failure'");
	parse_bad("on-failure:x", "must be an integer");
	parse_bad(":3", "no policy provided before colon");
	parse_bad("sometimes", "unknown policy 'sometimes'");
	parse_bad("", "unknown policy ''");

	char buf[32];
	struct cc_restart_policy p = { CC_RESTART_ON_FAILURE, 3 };
	cc_restart_policy_format(&p, buf, sizeof(buf));
	assert_string_equal(buf, "on-failure:3");
	p = (struct cc_restart_policy){ CC_RESTART_UNLESS_STOPPED, 0 };
	cc_restart_policy_format(&p, buf, sizeof(buf));
	assert_string_equal(buf, "unless-stopped");
	assert_string_equal(cc_restart_policy_name(CC_RESTART_ON_FAILURE), "on-failure");
}

static void test_policy_decide(void **state)
{
	(void)state;
	struct cc_restart_policy no = { CC_RESTART_NO, 0 }, of3 = { CC_RESTART_ON_FAILURE, 3 },
				 of = { CC_RESTART_ON_FAILURE, 0 }, al = { CC_RESTART_ALWAYS, 0 },
				 us = { CC_RESTART_UNLESS_STOPPED, 0 };
	assert_false(cc_restart_should(&no, 1, 0, false));
	/* on-failure:3: exactly three restarts of a failing container */
	int count = 0;
	while (cc_restart_should(&of3, 1, count, false))
		count++;
	assert_int_equal(count, 3);
	assert_false(cc_restart_should(&of3, 0, 0, false)); /* success ends it */
	assert_true(cc_restart_should(&of, 1, 1000, false)); /* no count: no limit */
	assert_false(cc_restart_should(&of, 0, 0, false));
	/* always, unless-stopped: any exit, never after a stop by hand */
	assert_true(cc_restart_should(&al, 0, 50, false));
	assert_true(cc_restart_should(&al, 137, 0, false));
	assert_true(cc_restart_should(&us, 0, 0, false));
	assert_false(cc_restart_should(&al, 0, 0, true));
	assert_false(cc_restart_should(&us, 137, 0, true));
	assert_false(cc_restart_should(&of3, 1, 0, true));
}

static void test_backoff(void **state)
{
	(void)state;
	int64_t want[] = { 100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 51200, 60000, 60000, 60000 };
	int64_t d = 0;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		d = cc_restart_next_delay(d, 50);
		assert_int_equal(d, want[i]);
	}
	/* a run of 10 s or more starts it again from 100 ms */
	assert_int_equal(cc_restart_next_delay(60000, 10000), 100);
	assert_int_equal(cc_restart_next_delay(60000, 9999), 60000);
	assert_int_equal(cc_restart_next_delay(800, 20000), 100);
	assert_int_equal(cc_restart_next_delay(800, 9000), 1600);
}

static json_t *step(json_t *h, int exit_code, bool in_start, int retries, const char *out)
{
	struct cc_health_result r = { .start_ns = 1700000000123456789LL, .end_ns = 1700000000500000000LL,
				      .exit_code = exit_code, .output = out, .output_len = strlen(out) };
	json_t *n = cc_health_update(h, &r, in_start, retries);
	assert_non_null(n);
	json_decref(h);
	return n;
}

static void test_health(void **state)
{
	(void)state;
	assert_string_equal(cc_health_status(NULL), "starting");
	json_t *h = NULL;
	/* failures in the start period do not count */
	h = step(h, 1, true, 2, "no");
	h = step(h, 1, true, 2, "no");
	assert_string_equal(cc_health_status(h), "starting");
	assert_int_equal(json_integer_value(json_object_get(h, "FailingStreak")), 0);
	/* after it they do: retries 2 makes it unhealthy at the second */
	h = step(h, 1, false, 2, "no");
	assert_string_equal(cc_health_status(h), "starting");
	h = step(h, 1, false, 2, "no");
	assert_string_equal(cc_health_status(h), "unhealthy");
	assert_int_equal(json_integer_value(json_object_get(h, "FailingStreak")), 2);
	/* one success: healthy, streak 0; a failure in "start period" time once
	 * healthy counts (docker: only while starting) */
	h = step(h, 0, false, 2, "ok\n");
	assert_string_equal(cc_health_status(h), "healthy");
	assert_int_equal(json_integer_value(json_object_get(h, "FailingStreak")), 0);
	h = step(h, 1, true, 2, "no");
	assert_string_equal(cc_health_status(h), "healthy");
	assert_int_equal(json_integer_value(json_object_get(h, "FailingStreak")), 1);
	/* the log keeps the last 5, oldest first, in docker's shape */
	json_t *log = json_object_get(h, "Log");
	assert_int_equal(json_array_size(log), 5);
	json_t *last = json_array_get(log, 4), *prev = json_array_get(log, 3);
	assert_int_equal(json_integer_value(json_object_get(last, "ExitCode")), 1);
	assert_string_equal(json_string_value(json_object_get(prev, "Output")), "ok\n");
	assert_string_equal(json_string_value(json_object_get(last, "Start")), "2023-11-14T22:13:20.123456789Z");
	assert_string_equal(json_string_value(json_object_get(last, "End")), "2023-11-14T22:13:20.5Z");
	json_decref(h);

	/* output is cut at 4 KiB */
	char *big = malloc(CC_HEALTH_OUTPUT_MAX * 2 + 1);
	assert_non_null(big);
	memset(big, 'x', CC_HEALTH_OUTPUT_MAX * 2);
	big[CC_HEALTH_OUTPUT_MAX * 2] = '\0';
	h = step(NULL, 0, false, 3, big);
	assert_int_equal(strlen(json_string_value(json_object_get(json_array_get(json_object_get(h, "Log"), 0), "Output"))),
			 CC_HEALTH_OUTPUT_MAX);
	json_decref(h);
	free(big);
}

static void test_health_config(void **state)
{
	(void)state;
	struct cc_health_config c;
	cc_error *e = NULL;
	json_t *j = json_loads("{\"Test\": [\"CMD-SHELL\", \"true\"], \"Interval\": 1000000000}", 0, NULL);
	assert_int_equal(cc_health_config_from_json(j, &c, &e), 1);
	assert_string_equal(c.test[0], "CMD-SHELL");
	assert_string_equal(c.test[1], "true");
	assert_null(c.test[2]);
	assert_int_equal(c.interval_ns, 1000000000LL);
	assert_int_equal(c.timeout_ns, CC_HEALTH_DEFAULT_TIMEOUT_NS);
	assert_int_equal(c.start_period_ns, 0);
	assert_int_equal(c.retries, 3);
	cc_health_config_release(&c);
	json_decref(j);
	j = json_loads("{\"Test\": [\"NONE\"]}", 0, NULL);
	assert_int_equal(cc_health_config_from_json(j, &c, &e), 0);
	json_decref(j);
	assert_int_equal(cc_health_config_from_json(NULL, &c, &e), 0);
	j = json_loads("{\"Test\": [\"WHAT\", \"x\"]}", 0, NULL);
	assert_true(cc_health_config_from_json(j, &c, &e) < 0);
	cc_error_free(e);
	json_decref(j);
}


/* ---- the spec ---- */

static char **strv(const char *a, const char *b)
{
	char **v = calloc(3, sizeof(char *));
	v[0] = a ? strdup(a) : NULL;
	v[1] = a && b ? strdup(b) : NULL;
	return v;
}

static void assert_strv_equal(char **a, char **b)
{
	if (a == NULL || b == NULL) {
		assert_true(a == b || (a != NULL && a[0] == NULL) || (b != NULL && b[0] == NULL));
		return;
	}
	size_t i = 0;
	for (; a[i] && b[i]; i++)
		assert_string_equal(a[i], b[i]);
	assert_null(a[i]);
	assert_null(b[i]);
}

static void fill_spec(struct cc_container_spec *sp)
{
	memset(sp, 0, sizeof(*sp));
	sp->version = CC_CONTAINER_SPEC_VERSION;
	/* bytes that are not UTF-8 survive, in a command and the environment */
	sp->argv = strv("/bin/ent\xff", "arg \"quoted\"");
	sp->n_entrypoint = 1;
	sp->env = strv("PATH=/bin", "X=\xc3\x28");
	sp->user = strdup("1000:1000");
	sp->workdir = strdup("/w");
	sp->hostname = strdup("host");
	sp->tty = sp->open_stdin = sp->detach = sp->init = sp->read_only = true;
	sp->privileged = false;
	sp->no_new_privileges = true;
	sp->cap_add = strv("NET_ADMIN", NULL);
	sp->cap_drop = strv("MKNOD", "CHOWN");
	sp->seccomp = strdup("unconfined");
	sp->security_opt = strv("seccomp=unconfined", "no-new-privileges");
	sp->ulimits = strv("nofile=1024:2048", NULL);
	sp->res = (struct cc_resources){ .memory = 1 << 26, .memory_swap = -1, .cpu_quota = 50000,
					 .cpu_period = 100000, .cpu_shares = 512, .pids_limit = 64 };
	sp->nano_cpus = 500000000;
	sp->network = strdup("bridge");
	sp->dns = strv("1.1.1.1", NULL);
	sp->extra_hosts = strv("db:10.0.0.2", NULL);
	sp->publish = strv("8080:80", "53:53/udp");
	sp->publish_all = true;
	sp->autoremove = true;
	sp->domainname = strdup("example.com");
	sp->dns_search = strv("example.com", "corp.example");
	sp->dns_options = strv("ndots:2", NULL);
	sp->expose = strv("7000/udp", "80/tcp");
	sp->shm_size = 8 << 20;
	sp->mounts = calloc(4, sizeof(*sp->mounts));
	sp->mounts[0] = (struct cc_container_mount){ .source = strdup("/srv"), .target = strdup("/data"), .readonly = true,
						     .propagation = strdup("rslave") };
	sp->mounts[1] = (struct cc_container_mount){ .tmpfs = true, .target = strdup("/run"), .options = strdup("size=1m") };
	sp->mounts[2] = (struct cc_container_mount){ .source = strdup("/store/volumes/db/_data"), .target = strdup("/db"),
						     .volume = strdup("db"), .mode = strdup("z") };
	sp->mounts[3] = (struct cc_container_mount){ .source = strdup("/store/volumes/0a/_data"), .target = strdup("/anon"),
						     .volume = strdup("0a"), .anonymous = true, .nocopy = true,
						     .readonly = true };
	sp->n_mounts = 4;
}

static json_t *round_trip_json(const struct cc_container_spec *sp)
{
	json_t *j = cc_container_spec_to_json(sp);
	assert_non_null(j);
	/* through text, as the store keeps it */
	char *text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	assert_non_null(text);
	j = json_loads(text, 0, NULL);
	free(text);
	assert_non_null(j);
	return j;
}

static void test_spec_round_trip(void **state)
{
	(void)state;
	struct cc_container_spec a, b;
	fill_spec(&a);
	json_t *j = round_trip_json(&a);
	assert_int_equal(json_integer_value(json_object_get(j, "Version")), CC_CONTAINER_SPEC_VERSION);
	cc_error *e = NULL;
	if (cc_container_spec_from_json(j, &b, &e) < 0)
		fail_msg("%s", e->msg);
	json_decref(j);
	assert_int_equal(b.version, CC_CONTAINER_SPEC_VERSION);
	assert_strv_equal(a.argv, b.argv);
	assert_int_equal(b.n_entrypoint, 1);
	assert_strv_equal(a.env, b.env);
	assert_string_equal(b.user, "1000:1000");
	assert_string_equal(b.workdir, "/w");
	assert_string_equal(b.hostname, "host");
	assert_true(b.tty && b.open_stdin && b.detach && b.init && b.read_only && b.no_new_privileges);
	assert_false(b.privileged);
	assert_strv_equal(a.cap_add, b.cap_add);
	assert_strv_equal(a.cap_drop, b.cap_drop);
	assert_string_equal(b.seccomp, "unconfined");
	assert_strv_equal(a.security_opt, b.security_opt);
	assert_strv_equal(a.ulimits, b.ulimits);
	assert_memory_equal(&a.res, &b.res, sizeof(a.res));
	assert_int_equal(b.nano_cpus, 500000000);
	assert_string_equal(b.network, "bridge");
	assert_strv_equal(a.dns, b.dns);
	assert_strv_equal(a.extra_hosts, b.extra_hosts);
	assert_strv_equal(a.publish, b.publish);
	assert_true(b.publish_all && b.autoremove);
	assert_string_equal(b.domainname, "example.com");
	assert_strv_equal(a.dns_search, b.dns_search);
	assert_strv_equal(a.dns_options, b.dns_options);
	assert_strv_equal(a.expose, b.expose);
	assert_int_equal(b.n_mounts, 4);
	assert_string_equal(b.mounts[0].propagation, "rslave");
	assert_null(b.mounts[2].propagation);
	assert_int_equal(b.shm_size, 8 << 20);
	assert_null(b.mounts[0].volume);
	assert_string_equal(b.mounts[2].volume, "db");
	assert_string_equal(b.mounts[2].source, "/store/volumes/db/_data");
	assert_string_equal(b.mounts[2].mode, "z");
	assert_false(b.mounts[2].anonymous || b.mounts[2].nocopy || b.mounts[2].readonly);
	assert_string_equal(b.mounts[3].volume, "0a");
	assert_true(b.mounts[3].anonymous && b.mounts[3].nocopy && b.mounts[3].readonly);
	assert_false(b.mounts[0].tmpfs);
	assert_string_equal(b.mounts[0].source, "/srv");
	assert_string_equal(b.mounts[0].target, "/data");
	assert_true(b.mounts[0].readonly);
	assert_true(b.mounts[1].tmpfs);
	assert_null(b.mounts[1].source);
	assert_string_equal(b.mounts[1].options, "size=1m");

	/* the runtime's lists from the mounts */
	struct cc_bind_mount *binds = NULL;
	struct cc_tmpfs_mount *tmpfs = NULL;
	size_t nb = 0, nt = 0;
	assert_int_equal(cc_container_spec_mounts(&b, &binds, &nb, &tmpfs, &nt, &e), 0);
	assert_int_equal(nb, 3);
	assert_int_equal(nt, 1);
	assert_string_equal(binds[0].target, "/data");
	assert_false(binds[0].copy_up);
	assert_int_equal(binds[0].propagation, MS_SLAVE | MS_REC);
	assert_int_equal(binds[1].propagation, 0); /* rprivate */
	/* a volume's data is filled from the image unless nocopy */
	assert_string_equal(binds[1].source, "/store/volumes/db/_data");
	assert_true(binds[1].copy_up);
	assert_false(binds[2].copy_up);
	assert_true(binds[2].readonly);
	assert_string_equal(tmpfs[0].target, "/run");
	free(binds);
	free(tmpfs);

	/* and the same JSON again */
	json_t *ja = cc_container_spec_to_json(&a), *jb = cc_container_spec_to_json(&b);
	assert_true(json_equal(ja, jb));
	json_decref(ja);
	json_decref(jb);
	cc_container_spec_release(&a);
	cc_container_spec_release(&b);
}

static void spec_bad(const char *text, int kind, const char *msg)
{
	json_t *j = text != NULL ? json_loads(text, 0, NULL) : NULL;
	if (text != NULL)
		assert_non_null(j);
	struct cc_container_spec sp;
	cc_error *e = NULL;
	assert_int_equal(cc_container_spec_from_json(j, &sp, &e), -1);
	json_decref(j);
	assert_non_null(e);
	assert_int_equal(e->kind, kind);
	if (strstr(e->msg, msg) == NULL)
		fail_msg("%s: '%s' lacks '%s'", text ? text : "NULL", e->msg, msg);
	cc_error_free(e);
	assert_null(sp.argv); /* nothing half-made */
}

static void test_spec_versions(void **state)
{
	(void)state;
	/* version 1 as its first writers wrote it: only what was set, every
	 * other member its default */
	json_t *j = json_loads("{\"Version\": 1, \"Argv\": [\"sh\", {\"hex\": \"ff\"}], \"Network\": \"none\"}", 0, NULL);
	struct cc_container_spec sp;
	cc_error *e = NULL;
	if (cc_container_spec_from_json(j, &sp, &e) < 0)
		fail_msg("%s", e->msg);
	json_decref(j);
	assert_string_equal(sp.argv[0], "sh");
	assert_string_equal(sp.argv[1], "\xff");
	assert_null(sp.argv[2]);
	assert_null(sp.env);
	assert_null(sp.user);
	assert_false(sp.tty);
	assert_int_equal(sp.n_mounts, 0);
	assert_int_equal(sp.res.memory, 0);
	assert_string_equal(sp.network, "none");
	cc_container_spec_release(&sp);

	spec_bad(NULL, CC_ERR_NOT_FOUND, "older ccontainer");
	spec_bad("[]", CC_ERR_INVALID, "not an object");
	spec_bad("{\"Argv\": [\"sh\"]}", CC_ERR_INVALID, "no valid version");
	spec_bad("{\"Version\": 2, \"Argv\": [\"sh\"]}", CC_ERR_INVALID, "newer ccontainer");
	spec_bad("{\"Version\": 1}", CC_ERR_INVALID, "'Argv' is not a command");
	spec_bad("{\"Version\": 1, \"Argv\": []}", CC_ERR_INVALID, "'Argv'");
	spec_bad("{\"Version\": 1, \"Argv\": \"sh\"}", CC_ERR_INVALID, "'Argv' is not a list");
	spec_bad("{\"Version\": 1, \"Argv\": [\"sh\", 3]}", CC_ERR_INVALID, "'Argv'");
	spec_bad("{\"Version\": 1, \"Argv\": [\"sh\"], \"Tty\": \"yes\"}", CC_ERR_INVALID, "'Tty' is not true or false");
	spec_bad("{\"Version\": 1, \"Argv\": [\"sh\"], \"Memory\": \"1g\"}", CC_ERR_INVALID, "'Memory' is not an integer");
	spec_bad("{\"Version\": 1, \"Argv\": [\"sh\"], \"EntrypointLen\": 2}", CC_ERR_INVALID, "EntrypointLen");
	spec_bad("{\"Version\": 1, \"Argv\": [\"sh\"], \"Mounts\": [{\"Type\": \"overlay\", \"Target\": \"/x\"}]}",
		 CC_ERR_INVALID, "Mounts");
	/* a volume names its volume and has its data as source */
	spec_bad("{\"Version\": 1, \"Argv\": [\"sh\"], \"Mounts\": [{\"Type\": \"volume\", \"Source\": \"/d\", \"Target\": \"/x\"}]}",
		 CC_ERR_INVALID, "name their volume");
	spec_bad("{\"Version\": 1, \"Argv\": [\"sh\"], \"Mounts\": [{\"Type\": \"bind\", \"Source\": \"/d\", \"Target\": \"/x\", \"Volume\": \"v\"}]}",
		 CC_ERR_INVALID, "name their volume");
	spec_bad("{\"Version\": 1, \"Argv\": [\"sh\"], \"ShmSize\": \"64m\"}", CC_ERR_INVALID, "'ShmSize' is not an integer");
	spec_bad("{\"Version\": 1, \"Argv\": [\"sh\"], \"Mounts\": [{\"Type\": \"bind\", \"Source\": \"/a\", \"Target\": \"x\"}]}",
		 CC_ERR_INVALID, "absolute targets");
	spec_bad("{\"Version\": 1, \"Argv\": [\"sh\"], \"Mounts\": [{\"Type\": \"bind\", \"Target\": \"/x\"}]}",
		 CC_ERR_INVALID, "Mounts");
	/* propagation: docker's words, only on binds */
	spec_bad("{\"Version\": 1, \"Argv\": [\"sh\"], \"Mounts\": [{\"Type\": \"bind\", \"Source\": \"/a\", \"Target\": \"/x\", \"Propagation\": \"runbindable\"}]}",
		 CC_ERR_INVALID, "propagation");
	spec_bad("{\"Version\": 1, \"Argv\": [\"sh\"], \"Mounts\": [{\"Type\": \"tmpfs\", \"Target\": \"/x\", \"Propagation\": \"rslave\"}]}",
		 CC_ERR_INVALID, "propagation only on binds");
	spec_bad("{\"Version\": 1, \"Argv\": [\"sh\"], \"Mounts\": [{\"Type\": \"volume\", \"Volume\": \"v\", \"Source\": \"/d\", \"Target\": \"/x\", \"Propagation\": \"rslave\"}]}",
		 CC_ERR_INVALID, "propagation only on binds");
	spec_bad("{\"Version\": 1, \"Argv\": [\"sh\"], \"Domainname\": \"a b\"}", CC_ERR_INVALID, "'Domainname' is not a domain name");
	spec_bad("{\"Version\": 1, \"Argv\": [\"sh\"], \"Domainname\": \"-a.com\"}", CC_ERR_INVALID, "'Domainname'");
	spec_bad("{\"Version\": 1, \"Argv\": [\"sh\"], \"DnsSearch\": [\"a\\nnameserver 1.2.3.4\"]}", CC_ERR_INVALID,
		 "'DnsSearch' is not a list of search domains");
	spec_bad("{\"Version\": 1, \"Argv\": [\"sh\"], \"DnsSearch\": \"a.com\"}", CC_ERR_INVALID, "'DnsSearch' is not a list");
	spec_bad("{\"Version\": 1, \"Argv\": [\"sh\"], \"DnsOptions\": [\"ndots:1\\nnameserver 1.2.3.4\"]}", CC_ERR_INVALID,
		 "'DnsOptions'");
	spec_bad("{\"Version\": 1, \"Argv\": [\"sh\"], \"Expose\": [\"80-90/tcp\"]}", CC_ERR_INVALID, "'Expose'");
	spec_bad("{\"Version\": 1, \"Argv\": [\"sh\"], \"Expose\": [\"80/sctp\"]}", CC_ERR_INVALID, "'Expose'");
}

static void test_domainname_valid(void **state)
{
	(void)state;
	const char *good[] = { "example.com", "a", "x-1.example", "123" };
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(cc_container_domainname_valid(good[i]));
	char longn[70];
	memset(longn, 'a', sizeof(longn) - 1);
	longn[sizeof(longn) - 1] = '\0';
	longn[64] = '\0';
	const char *bad[] = { "", ".", "a.", ".a", "a..b", "-a", "a-", "a b", "a_b", "a\n", longn };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(cc_container_domainname_valid(bad[i]));
	assert_false(cc_container_domainname_valid(NULL));
	longn[30] = '.';
	assert_true(cc_container_domainname_valid(longn)); /* 64, labels under 64 */
	longn[30] = 'a';
	longn[63] = '\0';
	assert_true(cc_container_domainname_valid(longn)); /* a 63-byte label */
}

/* ---- the engine ---- */

static void test_state_machine(void **state)
{
	(void)state;
	/* the moves, as a table: rows from, columns to (created running
	 * paused restarting exited removing dead) */
	static const char allowed[7][8] = {
		/* created    */ "0100110",
		/* running    */ "0111100",
		/* paused     */ "0100100",
		/* restarting */ "0101100",
		/* exited     */ "0101110",
		/* removing   */ "0000001",
		/* dead       */ "0000010",
	};
	for (int from = 0; from < 7; from++) {
		assert_int_equal(cc_container_state_parse(cc_container_state_name((enum cc_container_state)from)), from);
		for (int to = 0; to < 7; to++) {
			bool ok = cc_container_transition_ok((enum cc_container_state)from, (enum cc_container_state)to);
			if (ok != (allowed[from][to] == '1'))
				fail_msg("%s -> %s: %s", cc_container_state_name((enum cc_container_state)from),
					 cc_container_state_name((enum cc_container_state)to), ok ? "allowed" : "refused");
		}
	}
	assert_int_equal(cc_container_state_parse("zombie"), -1);
	assert_int_equal(cc_container_state_parse(NULL), -1);
	assert_false(cc_container_transition_ok((enum cc_container_state)42, CC_STATE_RUNNING));
	assert_int_equal(cc_container_exit_code(NULL), 125);
}

struct engine_fixture {
	char dir[64];
	struct cc_store *s;
};

static int engine_setup(void **state)
{
	struct engine_fixture *f = calloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/cc-test-engine-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	cc_error *e = NULL;
	char run[96];
	snprintf(run, sizeof(run), "%s/run", f->dir);
	if (cc_store_open(f->dir, &f->s, &e) < 0 || cc_store_set_runroot(f->s, run, &e) < 0) {
		fprintf(stderr, "%s\n", e->msg);
		return -1;
	}
	*state = f;
	return 0;
}

static int engine_teardown(void **state)
{
	struct engine_fixture *f = *state;
	cc_store_close(f->s);
	(void)cc_rm_rf(f->dir, NULL);
	free(f);
	return 0;
}

/* A container row as a start leaves it: "running" with the pid of a
 * process that has exited since (its monitor gone too: nobody holds the
 * lock), and its spec. */
static void add_dead_running(struct cc_store *s, const char *id, const char *name, bool autoremove)
{
	struct cc_container_spec sp;
	fill_spec(&sp);
	sp.autoremove = autoremove;
	free(sp.network);
	sp.network = strdup("none");
	json_t *cfg = json_pack("{s:o, s:b, s:s}", "Spec", cc_container_spec_to_json(&sp), "AutoRemove", autoremove,
				"Network", "none");
	char *text = json_dumps(cfg, JSON_COMPACT);
	json_decref(cfg);
	cc_container_spec_release(&sp);
	struct cc_container_record rec = { .id = (char *)id, .name = (char *)name, .image_id = (char *)"sha256:0",
					   .image_name = (char *)"img", .command = (char *)"sh",
					   .config_json = text, .state = (char *)"created", .created = 1 };
	cc_error *e = NULL;
	if (cc_store_container_add(s, &rec, &e) < 0)
		fail_msg("%s", e->msg);
	free(text);
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	uint64_t start = cc_pid_start_time(pid);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	assert_int_equal(cc_store_container_started(s, id, pid, start, &e), 0);
	char *dir = cc_store_container_path(s, id);
	assert_int_equal(cc_mkdir_p(dir, 0700, &e), 0);
	free(dir);
}

static struct cc_container_record *get(struct cc_store *s, const char *id)
{
	struct cc_container_record *c = NULL;
	cc_error *e = NULL;
	if (cc_store_container_get(s, id, &c, &e) < 0)
		fail_msg("%s", e->msg);
	return c;
}

static void test_engine_reconcile(void **state)
{
	struct engine_fixture *f = *state;
	cc_error *e = NULL;
	const char *id1 = "1111111111111111111111111111111111111111111111111111111111111111";
	const char *id2 = "2222222222222222222222222222222222222222222222222222222222222222";
	const char *id3 = "3333333333333333333333333333333333333333333333333333333333333333";

	/* the monitor recorded the exit, then died before finishing it */
	add_dead_running(f->s, id1, "one", false);
	char *dir = cc_store_container_path(f->s, id1), *exitp = NULL;
	assert_true(asprintf(&exitp, "%s/" CC_MON_EXIT_FILE, dir) > 0);
	assert_int_equal(cc_write_file(exitp, "7\n", 2, 0600, &e), 0);
	free(exitp);
	free(dir);
	struct cc_container_record *c = get(f->s, id1);
	assert_true(cc_container_is_running(c));
	assert_false(cc_store_container_locked(f->s, id1));
	if (cc_container_reconcile(f->s, c, &e) < 0)
		fail_msg("%s", e->msg);
	assert_string_equal(c->state, "exited");
	assert_int_equal(c->exit_code, 7);
	cc_container_record_free(c);
	c = get(f->s, id1);
	assert_string_equal(c->state, "exited");
	assert_int_equal(c->exit_code, 7);
	/* a second reconcile changes nothing; exited may not pause */
	assert_int_equal(cc_container_reconcile(f->s, c, &e), 0);
	assert_int_equal(c->exit_code, 7);
	assert_int_equal(cc_container_set_state(f->s, c, CC_STATE_PAUSED, 0, false, &e), -1);
	assert_int_equal(e->kind, CC_ERR_INVALID);
	assert_non_null(strstr(e->msg, "cannot go from exited to paused"));
	cc_error_clear(&e);
	/* exited -> restarting -> running are moves a restart makes */
	assert_int_equal(cc_container_set_state(f->s, c, CC_STATE_RESTARTING, 7, false, &e), 0);
	cc_container_record_free(c);
	c = get(f->s, id1);
	assert_string_equal(c->state, "restarting");
	/* a restarting container whose monitor died is exited */
	assert_int_equal(cc_container_reconcile(f->s, c, &e), 0);
	assert_string_equal(c->state, "exited");
	cc_container_record_free(c);

	/* no exit recorded: the status of a container killed (255: its
	 * process was gone already) */
	add_dead_running(f->s, id2, "two", false);
	c = get(f->s, id2);
	assert_int_equal(cc_container_reconcile(f->s, c, &e), 0);
	assert_string_equal(c->state, "exited");
	assert_int_equal(c->exit_code, 255);
	cc_container_record_free(c);

	/* AutoRemove: finishing removes it (and its directory) */
	add_dead_running(f->s, id3, "three", true);
	c = get(f->s, id3);
	assert_int_equal(cc_container_reconcile(f->s, c, &e), 0);
	cc_container_record_free(c);
	assert_int_equal(cc_store_container_get(f->s, id3, &c, &e), -1);
	assert_int_equal(e->kind, CC_ERR_NOT_FOUND);
	cc_error_clear(&e);
	dir = cc_store_container_path(f->s, id3);
	struct stat st;
	assert_int_equal(stat(dir, &st), -1);
	free(dir);
	/* finishing what is gone already is done: it is removed */
	bool removed = false;
	assert_int_equal(cc_container_finish(f->s, id3, 0, false, true, &removed, &e), 0);
	assert_true(removed);

	/* stopped by hand, and the restart count */
	assert_false(cc_container_stopped_by_hand(f->s, id1));
	cc_container_mark_stopped(f->s, id1, true);
	assert_true(cc_container_stopped_by_hand(f->s, id1));
	cc_container_mark_stopped(f->s, id1, false);
	assert_false(cc_container_stopped_by_hand(f->s, id1));
	assert_int_equal(cc_container_restart_count(f->s, id1), 0);

	/* remove: a paused container may not start; an exited one goes, with
	 * one destroy event; started again it would be refused */
	c = get(f->s, id1);
	assert_int_equal(cc_container_remove(f->s, c, false, 0, &e), 0);
	cc_container_record_free(c);
	assert_int_equal(cc_store_container_get(f->s, id1, &c, &e), -1);
	cc_error_clear(&e);
	char *events = NULL, *evpath = NULL;
	size_t len = 0;
	assert_true(asprintf(&evpath, "%s/events.log", f->dir) > 0);
	assert_int_equal(cc_read_file(evpath, 1 << 20, &events, &len, &e), 0);
	int destroys = 0;
	for (char *l = events; (l = strstr(l, "\"Action\":\"destroy\"")) != NULL; l++)
		destroys += strstr(l, id1) != NULL && (strchr(l, '\n') == NULL || strstr(l, id1) < strchr(l, '\n'));
	assert_int_equal(destroys, 1);
	free(events);
	free(evpath);
}

static void escape_is(const char *in, size_t n, const char *want)
{
	char out[256];
	assert_true(CC_JSONLOG_ESCAPED_MAX(n) <= sizeof(out));
	size_t m = cc_jsonlog_escape(in, n, out);
	if (m != strlen(want) || memcmp(out, want, m) != 0)
		fail_msg("escaped to '%.*s', want '%s'", (int)m, out, want);
}

#define ESCAPE_IS(lit, want) escape_is(lit, sizeof(lit) - 1, want)

static void test_jsonlog_escape(void **state)
{
	(void)state;
	ESCAPE_IS("plain text 123", "plain text 123");
	ESCAPE_IS("", "");
	/* docker's: \" \\ \n \r short, other control bytes and <>& as \u00XX */
	ESCAPE_IS("a\"b\\c", "a\\\"b\\\\c");
	ESCAPE_IS("\n\r\t\b\f", "\\n\\r\\u0009\\u0008\\u000c");
	ESCAPE_IS("\x01\x1b\x1f\x7f", "\\u0001\\u001b\\u001f\x7f");
	ESCAPE_IS("<a&b>", "\\u003ca\\u0026b\\u003e");
	ESCAPE_IS("\0x", "\\u0000x");
	/* valid UTF-8 stays, U+2028/U+2029 are escaped */
	ESCAPE_IS("\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80", "\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80");
	ESCAPE_IS("\xe2\x80\xa8\xe2\x80\xa9\xe2\x80\xaa", "\\u2028\\u2029\xe2\x80\xaa");
	ESCAPE_IS("\xef\xbf\xbd", "\xef\xbf\xbd");
	/* each byte that is not UTF-8 is U+FFFD, as Go's decoder takes them */
	ESCAPE_IS("\xff", "\\ufffd");
	ESCAPE_IS("a\xc3(", "a\\ufffd(");
	ESCAPE_IS("\xc0\xaf", "\\ufffd\\ufffd");         /* overlong */
	ESCAPE_IS("\xe0\x80\xaf", "\\ufffd\\ufffd\\ufffd"); /* overlong */
	ESCAPE_IS("\xed\xa0\x80", "\\ufffd\\ufffd\\ufffd"); /* a surrogate */
	ESCAPE_IS("\xf4\x90\x80\x80", "\\ufffd\\ufffd\\ufffd\\ufffd"); /* past U+10FFFF */
	ESCAPE_IS("\xe2\x82", "\\ufffd\\ufffd");          /* cut short */
	ESCAPE_IS("\xf0\x9f\x98", "\\ufffd\\ufffd\\ufffd");
	ESCAPE_IS("\x80x", "\\ufffdx");
}

static void test_log_time(void **state)
{
	(void)state;
	char t[64];
	/* 2026-12-06T03:54:44Z */
	assert_int_equal(cc_log_time_format(1796529284, 123456789, false, t, sizeof(t)), 30);
	assert_string_equal(t, "2026-12-06T03:54:44.123456789Z");
	cc_log_time_format(1796529284, 120000000, false, t, sizeof(t));
	assert_string_equal(t, "2026-12-06T03:54:44.12Z");
	cc_log_time_format(1796529284, 0, false, t, sizeof(t));
	assert_string_equal(t, "2026-12-06T03:54:44Z");
	cc_log_time_format(1796529284, 120000000, true, t, sizeof(t));
	assert_string_equal(t, "2026-12-06T03:54:44.120000000Z");
	cc_log_time_format(1796529284, 0, true, t, sizeof(t));
	assert_string_equal(t, "2026-12-06T03:54:44.000000000Z");
	assert_int_equal(cc_log_time_format(1796529284, 5, true, t, 25), 0);
}

static int parse(const char *line, char *out, struct cc_jsonlog_rec *rec)
{
	return cc_jsonlog_parse(line, strlen(line), out, rec);
}

static void test_jsonlog_parse(void **state)
{
	(void)state;
	char out[256];
	struct cc_jsonlog_rec r;
	assert_int_equal(parse("{\"log\":\"hi\\n\",\"stream\":\"stdout\",\"time\":\"2026-12-06T03:54:44.1Z\"}", out, &r), 0);
	assert_int_equal(r.fd, 1);
	assert_int_equal(r.log_len, 3);
	assert_memory_equal(out, "hi\n", 3);
	assert_false(r.partial);
	assert_string_equal(r.time, "2026-12-06T03:54:44.1Z");
	/* any order, other members skipped, white space */
	assert_int_equal(parse(" { \"time\" : \"t\" , \"attrs\":{\"a\":[1,-2.5e3,true,null,{}],\"b\":\"}\"}, "
			       "\"stream\":\"stderr\", \"log\":\"part\" } ", out, &r), 0);
	assert_int_equal(r.fd, 2);
	assert_int_equal(r.log_len, 4);
	assert_true(r.partial);
	/* escapes: short ones, \u, a surrogate pair, a lone surrogate */
	assert_int_equal(parse("{\"log\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0001\\u00e9\\ud83d\\ude00\\ud800x\","
			       "\"stream\":\"stdout\",\"time\":\"t\"}", out, &r), 0);
	const char want[] = "\"\\/\b\f\n\r\t\x01\xc3\xa9\xf0\x9f\x98\x80\xef\xbf\xbdx";
	assert_int_equal(r.log_len, sizeof(want) - 1);
	assert_memory_equal(out, want, sizeof(want) - 1);
	/* no "log": an empty partial record (docker omits an empty one) */
	assert_int_equal(parse("{\"stream\":\"stdout\",\"time\":\"t\"}", out, &r), 0);
	assert_int_equal(r.log_len, 0);
	assert_true(r.partial);
	/* not records */
	const char *bad[] = {
		"", "{", "{}", "[]", "x", "{\"log\":\"x\",\"time\":\"t\"}", "{\"log\":\"x\",\"stream\":\"stdout\"}",
		"{\"log\":\"x\",\"stream\":\"stdin\",\"time\":\"t\"}", "{\"log\":\"x\",\"stream\":\"stdout\",\"time\":\"\"}",
		"{\"log\":\"x\",\"stream\":\"stdout\",\"time\":\"t\"} x", "{\"log\":\"x\",\"stream\":\"stdout\",\"time\":\"t\"",
		"{\"log\":\"\\x\",\"stream\":\"stdout\",\"time\":\"t\"}", "{\"log\":\"\\u12\",\"stream\":\"stdout\",\"time\":\"t\"}",
		"{\"log\":\"a\tb\",\"stream\":\"stdout\",\"time\":\"t\"}", "{\"log\":1,\"stream\":\"stdout\",\"time\":\"t\"}",
		"{\"log\":\"x\",\"stream\":\"stdout\",\"time\":\"t\",}", "{\"log\":\"x\" \"stream\":\"stdout\",\"time\":\"t\"}",
		"{\"log\":\"x\",\"stream\":\"stdout\",\"time\":\"\\u0000\"}",
		"{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]],\"stream\":\"stdout\",\"time\":\"t\"}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (parse(bad[i], out, &r) == 0)
			fail_msg("'%s' parsed", bad[i]);
}

/* The whole of dir's file name, NUL-terminated (free it). */
static char *slurp(int dfd, const char *name, size_t *ret_len)
{
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	size_t cap = 1 << 20, len = 0;
	char *b = malloc(cap + 1);
	assert_non_null(b);
	ssize_t r;
	while ((r = read(fd, b + len, cap - len)) > 0)
		len += (size_t)r;
	close(fd);
	b[len] = '\0';
	*ret_len = len;
	return b;
}

static void test_crilog_writer(void **state)
{
	(void)state;
	char tmpl[] = "/tmp/cc-crilog-XXXXXX";
	assert_non_null(mkdtemp(tmpl));
	int dfd = open(tmpl, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(dfd >= 0);
	struct cc_crilog *l = malloc(sizeof(*l));
	assert_non_null(l);

	/* json-file: whole lines, "\r\n" as "\n", a partial flush, both streams */
	assert_int_equal(cc_crilog_open(l, dfd, CC_LOG_JSON, 0, 1), 0);
	cc_crilog_write(l, 1, "a\"b\xff\r\nhal", 9);
	cc_crilog_write(l, 2, "err\n", 4);
	cc_crilog_write(l, 1, "f", 1);
	cc_crilog_flush(l, 1);
	cc_crilog_flush(l, 2);
	cc_crilog_close(l);
	size_t len;
	char *text = slurp(dfd, "ctr.log", &len);
	char *line = text, *nl;
	const char *want_log[] = { "a\"b\xef\xbf\xbd\n", "err\n", "half" };
	const int want_fd[] = { 1, 2, 1 };
	for (int i = 0; i < 3; i++) {
		nl = strchr(line, '\n');
		assert_non_null(nl);
		char out[256];
		struct cc_jsonlog_rec r;
		assert_int_equal(cc_jsonlog_parse(line, (size_t)(nl - line), out, &r), 0);
		assert_int_equal(r.fd, want_fd[i]);
		assert_int_equal(r.log_len, strlen(want_log[i]));
		assert_memory_equal(out, want_log[i], r.log_len);
		assert_int_equal(r.partial, i == 2);
		if (i == 0)
			assert_true(strncmp(line, "{\"log\":\"a\\\"b\\ufffd\\n\",\"stream\":\"stdout\",\"time\":\"", 47) == 0);
		line = nl + 1;
	}
	assert_int_equal(*line, '\0');
	free(text);
	assert_int_equal(unlinkat(dfd, "ctr.log", 0), 0);

	/* a line longer than 16 KiB: partial records without "\n", as docker splits */
	assert_int_equal(cc_crilog_open(l, dfd, CC_LOG_JSON, 0, 1), 0);
	char *big = malloc(CC_CRILOG_LINE_MAX + 11);
	assert_non_null(big);
	memset(big, 'x', CC_CRILOG_LINE_MAX + 10);
	big[CC_CRILOG_LINE_MAX + 10] = '\n';
	cc_crilog_write(l, 1, big, CC_CRILOG_LINE_MAX + 11);
	cc_crilog_close(l);
	free(big);
	text = slurp(dfd, "ctr.log", &len);
	assert_true(strncmp(text, "{\"log\":\"xxx", 11) == 0);
	nl = strchr(text, '\n');
	assert_non_null(nl);
	/* the first record: 16 KiB of text, no "\n" */
	assert_true(strncmp(text + 8 + CC_CRILOG_LINE_MAX, "\",\"stream\":\"stdout\"", 19) == 0);
	/* the second: the rest, with it */
	assert_true(strncmp(nl + 1, "{\"log\":\"xxxxxxxxxx\\n\",\"stream\":\"stdout\"", 38) == 0);
	free(text);
	assert_int_equal(unlinkat(dfd, "ctr.log", 0), 0);

	/* k8s-file: CRI records */
	assert_int_equal(cc_crilog_open(l, dfd, CC_LOG_CRI, 0, 1), 0);
	cc_crilog_write(l, 2, "e\"\\\n", 4);
	cc_crilog_write(l, 1, "p", 1);
	cc_crilog_flush(l, 1);
	cc_crilog_close(l);
	text = slurp(dfd, "ctr.log", &len);
	assert_int_equal(len, 2 * 31 + strlen("stderr F e\"\\\n") + strlen("stdout P p\n"));
	assert_memory_equal(text + 31, "stderr F e\"\\\n", 13);
	assert_memory_equal(text + 31 + 13 + 31, "stdout P p\n", 11);
	free(text);
	assert_int_equal(unlinkat(dfd, "ctr.log", 0), 0);

	/* rotation at max-size: files are whole records, max-file in all */
	assert_int_equal(cc_crilog_open(l, dfd, CC_LOG_JSON, 1000, 3), 0);
	for (int i = 0; i < 200; i++) {
		char b[32];
		int n = snprintf(b, sizeof(b), "line %d\n", i);
		cc_crilog_write(l, 1, b, (size_t)n);
	}
	cc_crilog_close(l);
	const char *names[] = { "ctr.log", "ctr.log.1", "ctr.log.2" };
	for (int i = 0; i < 3; i++) {
		text = slurp(dfd, names[i], &len);
		assert_true(len > 0 && len <= 1000);
		assert_int_equal(text[len - 1], '\n');
		assert_int_equal(text[0], '{');
		free(text);
		assert_int_equal(unlinkat(dfd, names[i], 0), 0);
	}
	assert_true(faccessat(dfd, "ctr.log.3", F_OK, 0) < 0);
	free(l);
	close(dfd);
	assert_int_equal(rmdir(tmpl), 0);
}

/* cp's arguments, docker's splitCpArg */
static void test_cp_split_arg(void **state)
{
	(void)state;
	static const struct {
		const char *arg, *ctr, *path;
	} cases[] = {
		{ "web:/etc/hosts", "web", "/etc/hosts" },
		{ "web:rel/x", "web", "rel/x" },
		{ "web:", "web", "" },
		{ ":/x", "", "/x" },
		{ "a:b:c", "a", "b:c" },
		{ "/abs/with:colon", NULL, "/abs/with:colon" },
		{ "./rel:colon", NULL, "./rel:colon" },
		{ "plain", NULL, "plain" },
		{ "-", NULL, "-" },
		{ "", NULL, "" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *ctr = NULL;
		const char *path = NULL;
		int r = cc_cp_split_arg(cases[i].arg, &ctr, &path);
		assert_int_equal(r, cases[i].ctr != NULL ? 1 : 0);
		if (cases[i].ctr != NULL)
			assert_string_equal(ctr, cases[i].ctr);
		else
			assert_null(ctr);
		assert_string_equal(path, cases[i].path);
		free(ctr);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy_parse),  cmocka_unit_test(test_policy_decide),
		cmocka_unit_test(test_backoff),       cmocka_unit_test(test_health),
		cmocka_unit_test(test_health_config), cmocka_unit_test(test_spec_round_trip),
		cmocka_unit_test(test_spec_versions),
		cmocka_unit_test(test_domainname_valid), cmocka_unit_test(test_state_machine),
		cmocka_unit_test_setup_teardown(test_engine_reconcile, engine_setup, engine_teardown),
		cmocka_unit_test(test_jsonlog_escape), cmocka_unit_test(test_log_time),
		cmocka_unit_test(test_jsonlog_parse),  cmocka_unit_test(test_crilog_writer),
		cmocka_unit_test(test_cp_split_arg),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
