/* lib/compose: interpolation, .env, short syntax, merge rules, extends,
 * profiles and errors with their file and line, from files in memory
 * (cc_compose_load_sources). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "compose/compose.h"

static const char *const test_env[] = { "HOME=/home/u", "FOO=foo", "EMPTY=", "TAG=1.0", NULL };

static const char *lookup(const char *name, void *ctx)
{
	(void)ctx;
	size_t n = strlen(name);
	for (const char *const *e = test_env; *e; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

static void expect_interp(const char *in, const char *want)
{
	char *out = NULL;
	cc_error *e = NULL;
	int rc = cc_compose_interpolate(in, lookup, NULL, &out, &e);
	if (rc < 0)
		fail_msg("%s: %s", in, e->msg);
	assert_string_equal(out, want);
	free(out);
}

static void expect_interp_error(const char *in, const char *msg)
{
	char *out = NULL;
	cc_error *e = NULL;
	assert_true(cc_compose_interpolate(in, lookup, NULL, &out, &e) < 0);
	assert_null(out);
	assert_non_null(strstr(e->msg, msg));
	cc_error_free(e);
}

static void test_interpolation(void **state)
{
	(void)state;
	expect_interp("plain", "plain");
	expect_interp("${FOO}", "foo");
	expect_interp("$FOO/bar", "foo/bar");
	expect_interp("a${FOO}b", "afoob");
	expect_interp("${NOPE}", "");
	expect_interp("${NOPE:-def}", "def");
	expect_interp("${EMPTY:-def}", "def");
	expect_interp("${EMPTY-def}", "");
	expect_interp("${NOPE-def}", "def");
	expect_interp("${FOO:-def}", "foo");
	expect_interp("${FOO:+alt}", "alt");
	expect_interp("${EMPTY:+alt}", "");
	expect_interp("${EMPTY+alt}", "alt");
	expect_interp("${NOPE+alt}", "");
	expect_interp("${FOO:?err}", "foo");
	expect_interp("${EMPTY?err}", "");
	expect_interp("$$FOO", "$FOO");
	expect_interp("$${FOO}", "${FOO}");
	expect_interp("cost: 5$", "cost: 5$");
	expect_interp("${NOPE:-${FOO}-x}", "foo-x");
	expect_interp("${NOPE:-${ALSO:-deep}}", "deep");
	expect_interp("nginx:${TAG:-latest}", "nginx:1.0");
	expect_interp_error("${NOPE:?must be set}", "required variable NOPE is missing a value: must be set");
	expect_interp_error("${EMPTY:?}", "required variable EMPTY is missing a value");
	expect_interp_error("${NOPE?x}", "required variable NOPE");
	expect_interp_error("${FOO", "no closing brace");
	expect_interp_error("${}", "invalid interpolation format");
	expect_interp_error("${1A}", "invalid interpolation format");
	expect_interp_error("${FOO:x}", "invalid interpolation format");
}

static const char *kv_get(const struct cc_compose_kvs *kv, const char *k)
{
	for (size_t i = 0; i < kv->n; i++)
		if (strcmp(kv->v[i].key, k) == 0)
			return kv->v[i].value ? kv->v[i].value : "(null)";
	return NULL;
}

static void test_dotenv(void **state)
{
	(void)state;
	const char *text = "# comment\n"
			   "\n"
			   "A=1\n"
			   "export B=two words  \n"
			   "C='single $FOO ${A}'\n"
			   "D=\"double ${A} \\n $FOO\"\n"
			   "E=value # comment\n"
			   "F=val#ue\n"
			   "G=\"multi\nline\"\n"
			   "H=${A}${B:-x}\n"
			   "FOO\n"
			   "  I = spaced\n"
			   "J=\n"
			   "K=\"quoted # not a comment\" # comment\n";
	struct cc_compose_kvs kv = { 0 };
	cc_error *e = NULL;
	int rc = cc_compose_dotenv_parse(".env", text, strlen(text), lookup, NULL, &kv, &e);
	if (rc < 0)
		fail_msg("%s", e->msg);
	assert_string_equal(kv_get(&kv, "A"), "1");
	assert_string_equal(kv_get(&kv, "B"), "two words");
	assert_string_equal(kv_get(&kv, "C"), "single $FOO ${A}");
	assert_string_equal(kv_get(&kv, "D"), "double 1 \n foo");
	assert_string_equal(kv_get(&kv, "E"), "value");
	assert_string_equal(kv_get(&kv, "F"), "val#ue");
	assert_string_equal(kv_get(&kv, "G"), "multi\nline");
	assert_string_equal(kv_get(&kv, "H"), "1two words");
	assert_string_equal(kv_get(&kv, "FOO"), "foo");
	assert_string_equal(kv_get(&kv, "I"), "spaced");
	assert_string_equal(kv_get(&kv, "J"), "");
	assert_string_equal(kv_get(&kv, "K"), "quoted # not a comment");
	cc_compose_kvs_release(&kv);

	const char *bad[] = { "A=\"open\n", "BAD-=x\nA B=1\n", "=x\n", "X=${NOPE:?no}\n" };
	const char *msg[] = { ".env:1: unterminated", ".env:2: unexpected character", ".env:1: unexpected", ".env:1: required" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		e = NULL;
		assert_true(cc_compose_dotenv_parse(".env", bad[i], strlen(bad[i]), lookup, NULL, &kv, &e) < 0);
		if (strstr(e->msg, msg[i]) == NULL)
			fail_msg("%s: %s", bad[i], e->msg);
		cc_error_free(e);
	}
}

static void test_ports(void **state)
{
	(void)state;
	struct cc_compose_port *p = NULL;
	size_t n = 0;
	cc_error *e = NULL;
	assert_int_equal(cc_compose_parse_port("80", &p, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_int_equal(p[0].target, 80);
	assert_null(p[0].published);
	assert_string_equal(p[0].protocol, "tcp");
	cc_compose_ports_free(p, n);
	assert_int_equal(cc_compose_parse_port("127.0.0.1:8080:80/udp", &p, &n, &e), 0);
	assert_string_equal(p[0].host_ip, "127.0.0.1");
	assert_string_equal(p[0].published, "8080");
	assert_string_equal(p[0].protocol, "udp");
	cc_compose_ports_free(p, n);
	assert_int_equal(cc_compose_parse_port("[::1]:53:53/udp", &p, &n, &e), 0);
	assert_string_equal(p[0].host_ip, "::1");
	assert_string_equal(p[0].published, "53");
	cc_compose_ports_free(p, n);
	assert_int_equal(cc_compose_parse_port("127.0.0.1::5000", &p, &n, &e), 0);
	assert_null(p[0].published);
	assert_int_equal(p[0].target, 5000);
	cc_compose_ports_free(p, n);
	assert_int_equal(cc_compose_parse_port("9000-9002:8000-8002", &p, &n, &e), 0);
	assert_int_equal(n, 3);
	assert_int_equal(p[2].target, 8002);
	assert_string_equal(p[2].published, "9002");
	cc_compose_ports_free(p, n);
	assert_int_equal(cc_compose_parse_port("8000-8010:80", &p, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_string_equal(p[0].published, "8000-8010");
	cc_compose_ports_free(p, n);
	const char *bad[] = { "", "0", "70000", "80/icmp", "a:b", "1-2:3-5", "9-1", "[::1:80" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		e = NULL;
		p = NULL;
		if (cc_compose_parse_port(bad[i], &p, &n, &e) == 0)
			fail_msg("port '%s' accepted", bad[i]);
		assert_null(p);
		cc_error_free(e);
	}
}

static void test_volumes(void **state)
{
	(void)state;
	struct cc_compose_volume v;
	cc_error *e = NULL;
	assert_int_equal(cc_compose_parse_volume("/data", "/proj", &v, &e), 0);
	assert_int_equal(v.type, CC_COMPOSE_MOUNT_VOLUME);
	assert_null(v.source);
	cc_compose_volume_release(&v);
	assert_int_equal(cc_compose_parse_volume("db:/var/lib/db:ro", "/proj", &v, &e), 0);
	assert_int_equal(v.type, CC_COMPOSE_MOUNT_VOLUME);
	assert_string_equal(v.source, "db");
	assert_true(v.read_only);
	cc_compose_volume_release(&v);
	assert_int_equal(cc_compose_parse_volume("./src:/app:rw,z", "/proj", &v, &e), 0);
	assert_int_equal(v.type, CC_COMPOSE_MOUNT_BIND);
	assert_string_equal(v.source, "/proj/src");
	assert_string_equal(v.selinux, "z");
	assert_true(v.create_host_path);
	assert_false(v.read_only);
	cc_compose_volume_release(&v);
	assert_int_equal(cc_compose_parse_volume("/data:ro", "/proj", &v, &e), 0);
	assert_string_equal(v.target, "/data");
	assert_true(v.read_only);
	cc_compose_volume_release(&v);
	const char *bad[] = { "rel:rel", "a:/b:bogus", "a:/b:c:d", "" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		e = NULL;
		if (cc_compose_parse_volume(bad[i], "/proj", &v, &e) == 0)
			fail_msg("volume '%s' accepted", bad[i]);
		cc_error_free(e);
	}
}

/* Load sources (name, text, ...; NULL-terminated) in /proj: the first
 * n_files of them as -f files (0: all). */
static size_t n_files;
static struct cc_compose_project *load(cc_error **e, const char *const *profiles, size_t n_profiles, ...)
{
	struct cc_compose_source src[8];
	const char *files[8];
	size_t n = 0;
	va_list ap;
	va_start(ap, n_profiles);
	const char *name;
	while ((name = va_arg(ap, const char *)) != NULL && n < 8) {
		const char *data = va_arg(ap, const char *);
		src[n] = (struct cc_compose_source){ .name = name, .data = data, .len = strlen(data) };
		files[n] = name;
		n++;
	}
	va_end(ap);
	struct cc_compose_opts o = { .files = files, .n_files = n_files ? n_files : n, .environ = test_env, .profiles = profiles, .n_profiles = n_profiles };
	struct cc_compose_project *p = NULL;
	if (cc_compose_load_sources(&o, "/proj", src, n, "DOTENV=from-dotenv\nFOO=dotenv-loses\n", &p, e) < 0)
		return NULL;
	return p;
}

static const struct cc_compose_service *svc(const struct cc_compose_project *p, const char *name)
{
	for (size_t i = 0; i < p->n_services; i++)
		if (strcmp(p->services[i].name, name) == 0)
			return &p->services[i];
	fail_msg("no service %s", name);
	return NULL;
}

static void test_merge(void **state)
{
	(void)state;
	cc_error *e = NULL;
	struct cc_compose_project *p = load(&e, NULL, 0, "a.yaml",
					    "services:\n"
					    "  web:\n"
					    "    image: a\n"
					    "    command: [a, b]\n"
					    "    environment: [X=1, Y=2]\n"
					    "    ports: ['80:80', '443:443']\n"
					    "    volumes: ['v:/data', './a:/a']\n"
					    "    cap_add: [A]\n"
					    "    labels: {l1: a}\n"
					    "    depends_on: [db]\n"
					    "  db:\n"
					    "    image: db\n"
					    "volumes:\n"
					    "  v:\n",
					    "b.yaml",
					    "services:\n"
					    "  web:\n"
					    "    image: b\n"
					    "    command: [c]\n"
					    "    environment: {Y: '3', Z: '${DOTENV}-${FOO}'}\n"
					    "    ports: ['80:80', '8080:8080']\n"
					    "    volumes: ['./b:/data']\n"
					    "    cap_add: [B]\n"
					    "    labels: [l2=b]\n"
					    "    depends_on:\n"
					    "      db:\n"
					    "        condition: service_healthy\n"
					    "  db:\n"
					    "    ports: !reset []\n",
					    NULL);
	if (p == NULL)
		fail_msg("%s", e->msg);
	assert_string_equal(p->name, "proj");
	const struct cc_compose_service *w = svc(p, "web");
	assert_string_equal(w->image, "b");
	assert_int_equal(w->command.n, 1);
	assert_string_equal(w->command.v[0], "c");
	assert_string_equal(kv_get(&w->environment, "X"), "1");
	assert_string_equal(kv_get(&w->environment, "Y"), "3");
	assert_string_equal(kv_get(&w->environment, "Z"), "from-dotenv-foo");
	assert_int_equal(w->n_ports, 3);
	assert_int_equal(w->n_volumes, 2);
	assert_int_equal(w->volumes[0].type, CC_COMPOSE_MOUNT_BIND);
	assert_string_equal(w->volumes[0].source, "/proj/b");
	assert_string_equal(w->volumes[0].target, "/data");
	assert_int_equal(w->cap_add.n, 2);
	assert_string_equal(kv_get(&w->labels, "l1"), "a");
	assert_string_equal(kv_get(&w->labels, "l2"), "b");
	assert_int_equal(w->n_depends_on, 1);
	assert_int_equal(w->depends_on[0].condition, CC_COMPOSE_SERVICE_HEALTHY);
	assert_int_equal(svc(p, "db")->n_ports, 0);
	cc_compose_project_free(p);
}

static void test_extends_profiles(void **state)
{
	(void)state;
	cc_error *e = NULL;
	const char *main_yaml = "services:\n"
				"  app:\n"
				"    extends: {file: base.yaml, service: base}\n"
				"    environment: {B: app}\n"
				"  two:\n"
				"    extends: app\n"
				"    command: echo 'a b' \"c d\"\n"
				"  dbg:\n"
				"    image: x\n"
				"    profiles: [debug]\n";
	const char *base_yaml = "services:\n"
				"  base:\n"
				"    image: base\n"
				"    environment: {A: base, B: base}\n"
				"    volumes: ['./d:/d']\n";
	n_files = 1;
	struct cc_compose_project *p = load(&e, NULL, 0, "compose.yaml", main_yaml, "sub/base.yaml", base_yaml, NULL);
	assert_null(p); /* base.yaml is sub/base.yaml: not found */
	assert_non_null(strstr(e->msg, "compose.yaml:3: extends"));
	cc_error_free(e);
	e = NULL;
	const char *const prof[] = { "debug" };
	n_files = 1;
	p = load(&e, prof, 1, "compose.yaml", main_yaml, "base.yaml", base_yaml, NULL);
	if (p == NULL)
		fail_msg("%s", e->msg);
	assert_int_equal(p->n_services, 3);
	const struct cc_compose_service *a = svc(p, "app"), *t = svc(p, "two");
	assert_string_equal(a->image, "base");
	assert_string_equal(kv_get(&a->environment, "A"), "base");
	assert_string_equal(kv_get(&a->environment, "B"), "app");
	assert_string_equal(t->image, "base");
	assert_int_equal(t->command.n, 3);
	assert_string_equal(t->command.v[1], "a b");
	assert_string_equal(t->command.v[2], "c d");
	assert_string_equal(a->volumes[0].source, "/proj/d");
	cc_compose_project_free(p);
	p = load(&e, NULL, 0, "compose.yaml", main_yaml, "base.yaml", base_yaml, NULL);
	assert_non_null(p);
	assert_int_equal(p->n_services, 2);
	assert_int_equal(p->disabled.n, 1);
	assert_int_equal(p->all_profiles.n, 1);
	cc_compose_project_free(p);
	n_files = 0;
}

static void expect_error(const char *yaml, const char *msg)
{
	cc_error *e = NULL;
	struct cc_compose_project *p = load(&e, NULL, 0, "c.yaml", yaml, NULL);
	if (p != NULL)
		fail_msg("accepted: %s", yaml);
	if (strstr(e->msg, msg) == NULL)
		fail_msg("'%s' has no '%s'", e->msg, msg);
	cc_error_free(e);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("services:\n  web:\n    image: x\n    foo: 1\n", "c.yaml:4: services.web additional property 'foo' is not allowed");
	expect_error("services:\n  web:\n    image: '${NOPE:?set it}'\n", "c.yaml:3: services.web.image: required variable NOPE");
	expect_error("services:\n  web:\n    image: [x\n", "c.yaml:");
	expect_error("services:\n  web:\n    image: x\n    privileged: true\n", "c.yaml:4: services.web.privileged is not supported");
	expect_error("foo: 1\n", "c.yaml:1: (root) additional property 'foo'");
	expect_error("services:\n  web:\n    build: {context: ., squash: true}\n", "c.yaml:3: services.web.build additional property 'squash'");
	expect_error("services:\n  web:\n    image: x\n    ports: ['99999']\n", "c.yaml:4: services.web.ports: invalid containerPort");
	expect_error("services:\n  web:\n    image: x\n    depends_on: [db]\n", "depends on undefined service \"db\"");
	expect_error("services:\n  web:\n    image: x\n    networks: [n]\n", "undefined network n");
	expect_error("services:\n  web:\n    image: x\n    secrets: [s]\n", "undefined secret s");
	expect_error("services:\n  web:\n    image: x\n    depends_on: [web]\n", "dependency cycle detected: web -> web");
	expect_error("services:\n  web:\n    restart: sometimes\n    image: x\n", "c.yaml:3: services.web.restart: invalid restart policy");
	expect_error("services:\n  web:\n    command: x\n", "c.yaml:2: service \"web\" has neither an image nor a build context");
	expect_error("services:\n  web:\n    image: x\n    healthcheck: {interval: soon}\n", "c.yaml:4: healthcheck.interval: invalid duration");
	expect_error("services:\n  web:\n    image: x\n    extends: web\n", "extends: more than");
	expect_error("a: &a [x, *a]\n", "unknown anchor");
	expect_error("name: Bad!\nservices: {}\n", "c.yaml:1: invalid project name");
	/* depth: 100 nested sequences */
	char deep[256];
	memset(deep, '[', 100);
	deep[100] = '\0';
	expect_error(deep, "c.yaml:");
}

static void test_names(void **state)
{
	(void)state;
	char *n = cc_compose_normalize_name("My_App-2.0");
	assert_string_equal(n, "my_app-20");
	free(n);
	n = cc_compose_normalize_name("--x");
	assert_string_equal(n, "x");
	free(n);
	assert_null(cc_compose_normalize_name("..."));
}

static void test_output(void **state)
{
	(void)state;
	cc_error *e = NULL;
	struct cc_compose_project *p = load(&e, NULL, 0, "c.yaml",
					    "services:\n  w:\n    image: x\n    environment: {A: 'yes', B: '', C: 'a: b', D: '-x', E: '1.5'}\n", NULL);
	assert_non_null(p);
	char *text = NULL;
	assert_int_equal(cc_compose_to_text(p, false, &text, &e), 0);
	assert_non_null(strstr(text, "      A: \"yes\"\n      B: \"\"\n      C: \"a: b\"\n      D: -x\n      E: \"1.5\"\n"));
	free(text);
	assert_int_equal(cc_compose_to_text(p, true, &text, &e), 0);
	assert_non_null(strstr(text, "\"A\": \"yes\""));
	free(text);
	cc_compose_project_free(p);
}

/* A service as create's arguments: every field into its flag. */
static void test_create_args(void **state)
{
	(void)state;
	cc_error *e = NULL;
	struct cc_compose_project *p = load(&e, NULL, 0, "compose.yaml",
		"name: demo\n"
		"services:\n"
		"  web:\n"
		"    image: alpine\n"
		"    entrypoint: [\"/bin/sh\", \"-c\"]\n"
		"    command: [\"echo hi\"]\n"
		"    environment: {A: \"1\", B: null}\n"
		"    ports: [\"127.0.0.1:8080:80\", \"9000/udp\"]\n"
		"    volumes: [\"data:/data:ro\", \"./src:/src\", {type: tmpfs, target: /t, tmpfs: {size: 1024}}]\n"
		"    networks: {front: {aliases: [w], ipv4_address: 10.5.0.9}}\n"
		"    healthcheck: {test: [\"CMD\", \"wget\", \"-q\", \"x\\\"y\"], interval: 2s, retries: 4}\n"
		"    restart: on-failure:3\n"
		"    deploy: {resources: {limits: {memory: 64m, cpus: \"0.5\", pids: 50}}}\n"
		"    stop_grace_period: 1m30s\n"
		"    user: \"1000\"\n"
		"    init: true\n"
		"    ulimits: {nofile: {soft: 100, hard: 200}}\n"
		"    labels: {x: y}\n"
		"    depends_on: {db: {condition: service_healthy}}\n"
		"  db:\n"
		"    image: alpine\n"
		"    healthcheck: {test: \"true\"}\n"
		"networks:\n"
		"  front: {}\n"
		"volumes:\n"
		"  data: {}\n", NULL);
	if (p == NULL)
		fail_msg("%s", e->msg);
	char **args = NULL;
	if (cc_compose_create_args(p, svc(p, "web"), "alpine", "demo-web-1", 1, false, &args, &e) < 0)
		fail_msg("%s", e->msg);
	char *all = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&all, &len);
	for (char **a = args; *a; a++)
		fprintf(f, "%s%s", a == args ? "" : "|", *a);
	fclose(f);
	static const char *const want[] = {
		"--name|demo-web-1|",
		"--label=com.docker.compose.project=demo|",
		"--label=com.docker.compose.service=web|",
		"--label=com.docker.compose.container-number=1|",
		"--label=com.docker.compose.oneoff=False|",
		"--label=com.docker.compose.project.working_dir=/proj|",
		"--label=com.docker.compose.depends_on=db:service_healthy:false|",
		"--label=x=y|",
		"-e|A=1|-e|B|",
		"--network|name=demo_front,alias=web,alias=w,ip=10.5.0.9|",
		"-p|127.0.0.1:8080:80/tcp|-p|9000/udp|",
		"--mount|type=volume,source=demo_data,target=/data,readonly|",
		"-v|/proj/src:/src|",
		"--mount|type=tmpfs,target=/t,tmpfs-size=1024|",
		"--health-cmd|[\"CMD\",\"wget\",\"-q\",\"x\\\"y\"]|--health-interval|2s|--health-retries=4|",
		"--restart|on-failure:3|--memory=67108864|--cpus|0.5|--pids-limit=50|",
		"--user|1000|--init|",
		"--ulimit|nofile=100:200|",
		"--stop-timeout=90|",
		"--entrypoint|/bin/sh|alpine|-c|echo hi",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (strstr(all, want[i]) == NULL)
			fail_msg("missing '%s' in %s", want[i], all);
	assert_true(strlen(all) > strlen("--entrypoint|/bin/sh|alpine|-c|echo hi") &&
		    strcmp(all + strlen(all) - strlen("--entrypoint|/bin/sh|alpine|-c|echo hi"),
			   "--entrypoint|/bin/sh|alpine|-c|echo hi") == 0);
	free(all);
	for (char **a = args; *a; a++)
		free(*a);
	free(args);

	/* a one-off container, and an empty entrypoint resets the image's */
	struct cc_compose_service one = *svc(p, "db");
	one.has_entrypoint = true;
	one.entrypoint.n = 0;
	assert_int_equal(cc_compose_create_args(p, &one, "alpine", "demo-db-run-1", 1, true, &args, &e), 0);
	bool oneoff = false, reset = false;
	for (char **a = args; *a; a++) {
		oneoff |= strcmp(*a, "--label=com.docker.compose.oneoff=True") == 0;
		reset |= strcmp(*a, "--entrypoint") == 0 && a[1] && a[1][0] == '\0';
		if (strcmp(*a, "--health-cmd") == 0)
			assert_string_equal(a[1], "true");
	}
	assert_true(oneoff && reset);
	for (char **a = args; *a; a++)
		free(*a);
	free(args);

	/* what run has no flag for is an error naming the service */
	struct cc_compose_service bad = *svc(p, "db");
	struct cc_compose_volume v = { .type = CC_COMPOSE_MOUNT_VOLUME, .source = (char *)"data",
				       .target = (char *)"/x", .subpath = (char *)"sub", .tmpfs_size = -1,
				       .tmpfs_mode = -1 };
	bad.volumes = &v;
	bad.n_volumes = 1;
	assert_int_equal(cc_compose_create_args(p, &bad, "alpine", "n", 1, false, &args, &e), -1);
	assert_null(args);
	assert_non_null(strstr(e->msg, "service db: volume /x: subpath"));
	cc_error_free(e);
	cc_compose_project_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_interpolation), cmocka_unit_test(test_dotenv), cmocka_unit_test(test_ports),
		cmocka_unit_test(test_volumes),       cmocka_unit_test(test_merge),  cmocka_unit_test(test_extends_profiles),
		cmocka_unit_test(test_errors),        cmocka_unit_test(test_names),  cmocka_unit_test(test_output), cmocka_unit_test(test_create_args),
	};
	return cmocka_run_group_tests_name("compose", tests, NULL, NULL);
}
