/* Recipe parsing, variable substitution and planning (no root, no store):
 * lines, continuations, comments, directives, heredocs, JSON forms,
 * flags, recipe errors with file and line, docker's $VAR rules, ARG
 * scope, stages, COPY sources against a temporary context. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "build/build-internal.h"
#include "util/json.h"
#include "util/util.h"

static struct cc_recipe *parse_ok(const char *text)
{
	struct cc_recipe *r = NULL;
	cc_error *e = NULL;
	if (cc_recipe_parse("Containerfile", text, strlen(text), &r, &e) < 0) {
		fprintf(stderr, "parse: %s\n", e->msg);
		cc_error_free(e);
		fail();
	}
	return r;
}

/* The error message of a failing parse. */
static char *parse_err(const char *text)
{
	struct cc_recipe *r = NULL;
	cc_error *e = NULL;
	if (cc_recipe_parse("Containerfile", text, strlen(text), &r, &e) == 0) {
		cc_recipe_free(r);
		fprintf(stderr, "expected a parse error for:\n%s\n", text);
		fail();
	}
	assert_int_equal(e->kind, CC_ERR_INVALID);
	char *m = strdup(e->msg);
	cc_error_free(e);
	return m;
}

static void test_lines(void **state)
{
	(void)state;
	struct cc_recipe *r = parse_ok("# a comment\n"
				       "\n"
				       "from alpine AS Build\n"
				       "  RUN echo one \\\n"
				       "# comment inside the instruction\n"
				       "\n"
				       "      two\n"
				       "Env A=1 \\\n"
				       "    B=2\n"
				       "CMD [\"echo\", \"c:\\\\dir\", \"a\\\"b\"]\n"
				       "COPY --from=build --chown=1:2 a b /dst/\n");
	assert_int_equal(r->n, 5);
	assert_int_equal(r->instrs[0].kind, CC_I_FROM);
	assert_int_equal(r->instrs[0].line, 3);
	assert_string_equal(r->instrs[0].args[0], "alpine AS Build");
	assert_int_equal(r->instrs[1].kind, CC_I_RUN);
	assert_int_equal(r->instrs[1].line, 4);
	assert_false(r->instrs[1].json);
	assert_string_equal(r->instrs[1].args[0], "echo one       two");
	assert_int_equal(r->instrs[2].line, 8);
	assert_string_equal(r->instrs[2].args[0], "A=1     B=2");
	assert_true(r->instrs[3].json);
	assert_string_equal(r->instrs[3].args[1], "c:\\dir");
	assert_string_equal(r->instrs[3].args[2], "a\"b");
	assert_null(r->instrs[3].args[3]);
	assert_string_equal(r->instrs[4].flags[0], "--from=build");
	assert_string_equal(r->instrs[4].flags[1], "--chown=1:2");
	assert_string_equal(r->instrs[4].args[0], "a b /dst/");
	cc_recipe_free(r);
}

static void test_escape_directive(void **state)
{
	(void)state;
	struct cc_recipe *r = parse_ok("# escape=`\n"
				       "FROM alpine\n"
				       "RUN echo a `\n"
				       "  b\n"
				       "RUN dir c:\\ \n");
	assert_int_equal(r->escape, '`');
	assert_int_equal(r->n, 3);
	assert_string_equal(r->instrs[1].args[0], "echo a   b");
	assert_string_equal(r->instrs[2].args[0], "dir c:\\");
	cc_recipe_free(r);
	/* a directive after another line is a comment */
	r = parse_ok("FROM alpine\n# escape=`\nRUN a \\\n b\n");
	assert_int_equal(r->escape, '\\');
	assert_int_equal(r->n, 2);
	cc_recipe_free(r);
}

static void test_heredocs(void **state)
{
	(void)state;
	struct cc_recipe *r = parse_ok("FROM alpine\n"
				       "RUN <<EOF\n"
				       "echo $HOME\n"
				       "  # not a comment here\n"
				       "EOF\n"
				       "RUN <<-'END' cat > /x\n"
				       "\tindented\n"
				       "\tEND\n"
				       "COPY <<A <<\"B\" /dir/\n"
				       "first\n"
				       "A\n"
				       "second $X\n"
				       "B\n"
				       "CMD [\"true\"]\n");
	assert_int_equal(r->n, 5);
	const struct cc_instr *run = &r->instrs[1];
	assert_int_equal(run->n_heredocs, 1);
	assert_string_equal(run->heredocs[0].name, "EOF");
	assert_string_equal(run->heredocs[0].data, "echo $HOME\n  # not a comment here\n");
	assert_true(run->heredocs[0].expand);
	const struct cc_instr *run2 = &r->instrs[2];
	assert_true(run2->heredocs[0].chomp);
	assert_false(run2->heredocs[0].expand);
	assert_string_equal(run2->heredocs[0].data, "\tindented\n");
	const struct cc_instr *copy = &r->instrs[3];
	assert_int_equal(copy->n_heredocs, 2);
	assert_string_equal(copy->heredocs[0].data, "first\n");
	assert_string_equal(copy->heredocs[1].name, "B");
	assert_false(copy->heredocs[1].expand);
	assert_int_equal(r->instrs[4].line, 14);
	cc_recipe_free(r);
}

static void test_parse_errors(void **state)
{
	(void)state;
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "FROM alpine\nFROB x\n", "Containerfile:2: unknown instruction: FROB" },
		{ "FROM alpine\n\nRUN\n", "Containerfile:3: RUN requires at least one argument" },
		{ "FROM alpine\nENTRYPOINT [\"a\", 1]\n",
		  "Containerfile:2: ENTRYPOINT: when using JSON array syntax, arrays must be comprised of strings only" },
		{ "FROM alpine\nCOPY [\"a\", null] /x\n", "Containerfile:2: COPY: when using JSON array syntax" },
		{ "FROM alpine\nSHELL /bin/bash -c\n", "Containerfile:2: SHELL requires the arguments to be in JSON form" },
		{ "FROM alpine\nSHELL [\"/bin/sh\", \"-c\"\n", "Containerfile:2: SHELL requires the arguments to be in JSON form" },
		{ "FROM alpine\nRUN <<EOF\necho\n", "Containerfile:2: unterminated heredoc 'EOF'" },
		{ "# escape=x\nFROM alpine\n", "Containerfile:1: invalid escape token" },
		{ "FROM alpine\nONBUILD FROM x\n", "Containerfile:2: FROM isn't allowed as an ONBUILD trigger" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *m = parse_err(cases[i].text);
		if (strncmp(m, cases[i].want, strlen(cases[i].want)) != 0) {
			fprintf(stderr, "case %zu: got '%s', want '%s...'\n", i, m, cases[i].want);
			free(m);
			fail();
		}
		free(m);
	}
	/* a shell test command is not an exec form */
	struct cc_recipe *r = parse_ok("FROM alpine\nRUN [ -f /etc/passwd ] && echo ok\n");
	assert_false(r->instrs[1].json);
	cc_recipe_free(r);
	/* BuildKit's parseMaybeJSON: what does not parse as JSON is the shell
	 * form, for every instruction that takes both */
	r = parse_ok("FROM alpine\n"
		     "RUN [ \"a\" = \"a\" ] && echo same\n"
		     "CMD [\"a\", ]\n"
		     "ENTRYPOINT [\"unterminated\n"
		     "VOLUME [/data\n"
		     "RUN [\"echo\", \"x\"] trailing text\n"
		     "CMD []\n");
	assert_false(r->instrs[1].json);
	assert_string_equal(r->instrs[1].args[0], "[ \"a\" = \"a\" ] && echo same");
	assert_false(r->instrs[2].json);
	assert_string_equal(r->instrs[2].args[0], "[\"a\", ]");
	assert_false(r->instrs[3].json);
	assert_false(r->instrs[4].json);
	/* the first JSON value counts, as Go's json.Decoder reads it */
	assert_true(r->instrs[5].json);
	assert_string_equal(r->instrs[5].args[1], "x");
	assert_null(r->instrs[5].args[2]);
	assert_true(r->instrs[6].json);
	assert_null(r->instrs[6].args[0]);
	cc_recipe_free(r);
}

static void test_shell_words(void **state)
{
	(void)state;
	char *env[] = { (char *)"A=apple", (char *)"EMPTY=", (char *)"SP=a b", NULL };
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "$A", "apple" },
		{ "${A}pie", "applepie" },
		{ "x${NOPE}y", "xy" },
		{ "${NOPE:-dflt}", "dflt" },
		{ "${EMPTY:-dflt}", "dflt" },
		{ "${EMPTY-dflt}", "" },
		{ "${A:+alt}", "alt" },
		{ "${NOPE:+alt}", "" },
		{ "${EMPTY+alt}", "alt" },
		{ "'$A'", "$A" },
		{ "\"$A\"", "apple" },
		{ "\\$A", "$A" },
		{ "\"a\\\"b\\$A\"", "a\"b$A" },
		{ "a\\ b", "a b" },
		{ "${NOPE:-${A}}", "apple" },
		{ "$", "$" },
		{ "100%", "100%" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *out = NULL;
		cc_error *e = NULL;
		if (cc_shell_word(cases[i].in, '\\', env, &out, &e) < 0) {
			fprintf(stderr, "'%s': %s\n", cases[i].in, e->msg);
			fail();
		}
		if (strcmp(out, cases[i].out) != 0) {
			fprintf(stderr, "'%s' -> '%s', want '%s'\n", cases[i].in, out, cases[i].out);
			fail();
		}
		free(out);
	}
	char **w = NULL;
	cc_error *e = NULL;
	assert_int_equal(cc_shell_words("x $SP \"q r\" ''", '\\', env, &w, &e), 0);
	assert_string_equal(w[0], "x");
	assert_string_equal(w[1], "a");
	assert_string_equal(w[2], "b");
	assert_string_equal(w[3], "q r");
	assert_string_equal(w[4], "");
	assert_null(w[5]);
	for (char **p = w; *p; p++)
		free(*p);
	free(w);
	char *out = NULL;
	assert_int_not_equal(cc_shell_word("\"open", '\\', env, &out, &e), 0);
	cc_error_clear(&e);
	assert_int_not_equal(cc_shell_word("${A", '\\', env, &out, &e), 0);
	cc_error_clear(&e);
	assert_int_not_equal(cc_shell_word("${NOPE:?must be set}", '\\', env, &out, &e), 0);
	assert_non_null(strstr(e->msg, "must be set"));
	cc_error_clear(&e);
}

/* ---- planning ---------------------------------------------------------------- */

#define ALPINE_ID "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define OTHER_ID "sha256:2222222222222222222222222222222222222222222222222222222222222222"

static const char *custom_config; /* the config of image "custom" */

static int fake_image(const char *ref, const char *platform, char **ret_id, char **ret_config, void *data,
		      cc_error **err)
{
	(void)platform;
	(void)data;
	if (strcmp(ref, "custom") == 0 && custom_config) {
		*ret_id = strdup(OTHER_ID);
		*ret_config = strdup(custom_config);
		return 0;
	}
	if (strcmp(ref, "alpine") == 0 || strcmp(ref, "alpine:3.20") == 0) {
		*ret_id = strdup(ALPINE_ID);
		*ret_config = strdup("{\"config\":{\"Env\":[\"PATH=/usr/bin:/bin\",\"BASEVAR=base\"],\"Cmd\":[\"/bin/sh\"]}}");
		return 0;
	}
	if (strcmp(ref, "busybox") == 0) {
		*ret_id = strdup(OTHER_ID);
		*ret_config = strdup("{\"config\":{\"WorkingDir\":\"/w\",\"OnBuild\":[\"ENV FROM_TRIGGER=1\"]}}");
		return 0;
	}
	return cc_error_setk(err, CC_ERR_NOT_FOUND, 0, "no such image: %s", ref);
}

struct ctxdir {
	char path[64];
};

static int setup_ctx(void **state)
{
	struct ctxdir *c = calloc(1, sizeof(*c));
	snprintf(c->path, sizeof(c->path), "/tmp/cc-plan-test-XXXXXX");
	if (mkdtemp(c->path) == NULL)
		return -1;
	char p[256];
	static const char *const files[] = { "a.txt", "b.txt", "src/main.c", "src/util.c", "ignored.log", "dir/x" };
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(p, sizeof(p), "%s/src", c->path);
		mkdir(p, 0755);
		snprintf(p, sizeof(p), "%s/dir", c->path);
		mkdir(p, 0755);
		snprintf(p, sizeof(p), "%s/%s", c->path, files[i]);
		FILE *f = fopen(p, "w");
		if (f == NULL)
			return -1;
		fprintf(f, "%s\n", files[i]);
		fclose(f);
	}
	*state = c;
	return 0;
}

static int teardown_ctx(void **state)
{
	struct ctxdir *c = *state;
	cc_rm_rf(c->path, NULL);
	free(c);
	return 0;
}

static struct cc_build_plan *plan(struct ctxdir *c, const char *text, char **args, const char *target, char **err_msg)
{
	struct cc_recipe *r = parse_ok(text);
	struct cc_ignore *ign = NULL;
	cc_error *e = NULL;
	const char *pats[] = { "*.log" };
	assert_int_equal(cc_ignore_new(pats, 1, &ign, &e), 0);
	struct cc_plan_options o = { .context = c->path, .ignore = ign, .build_args = args, .target = target,
				     .platform = "linux/amd64", .source = { .image = fake_image } };
	struct cc_build_plan *p = NULL;
	int rc = cc_build_plan(r, &o, &p, &e);
	cc_recipe_free(r);
	cc_ignore_free(ign);
	if (err_msg) {
		assert_int_not_equal(rc, 0);
		*err_msg = strdup(e->msg);
		cc_error_free(e);
		return NULL;
	}
	if (rc < 0) {
		fprintf(stderr, "plan: %s\n", e->msg);
		fail();
	}
	return p;
}

static const char *env_of(char **env, const char *key)
{
	size_t n = strlen(key);
	for (char **p = env; p && *p; p++)
		if (strncmp(*p, key, n) == 0 && (*p)[n] == '=')
			return *p + n + 1;
	return NULL;
}

static void test_plan_args(void **state)
{
	struct ctxdir *c = *state;
	char *args[] = { (char *)"VERSION=2.0", (char *)"UNUSED=1", NULL };
	struct cc_build_plan *p = plan(c,
				       "ARG TAG=3.20\n"
				       "ARG VERSION=1.0\n"
				       "FROM alpine:${TAG}\n"
				       "RUN echo $TAG\n"
				       "ARG TAG\n"
				       "ARG VERSION\n"
				       "ARG LOCAL=x${VERSION}\n"
				       "ENV LOCAL=fromenv APP=$VERSION-$BASEVAR\n"
				       "RUN echo run\n"
				       "LABEL version=$VERSION \"quoted key\"='v w'\n"
				       "WORKDIR /app\n"
				       "WORKDIR sub/../dir\n"
				       "USER ${NOPE:-nobody}\n"
				       "ARG TARGETARCH\n"
				       "RUN echo $TARGETARCH\n",
				       args, NULL, NULL);
	assert_int_equal(p->n_stages, 1);
	struct cc_build_stage *s = &p->stages[0];
	assert_string_equal(s->base, "alpine:3.20");
	assert_string_equal(s->base_id, ALPINE_ID);
	/* the first RUN sees no ARG: meta args are for FROM only */
	assert_null(s->steps[0].run_env[0]);
	/* the second: TAG and VERSION redeclared, LOCAL shadowed by ENV */
	struct cc_build_step *run = &s->steps[5];
	assert_int_equal(run->kind, CC_I_RUN);
	assert_string_equal(env_of(run->run_env, "TAG"), "3.20");
	assert_string_equal(env_of(run->run_env, "VERSION"), "2.0");
	assert_null(env_of(run->run_env, "LOCAL"));
	assert_string_equal(run->argv[0], "/bin/sh");
	assert_string_equal(run->argv[1], "-c");
	assert_string_equal(run->argv[2], "echo run");
	struct cc_build_step *envs = &s->steps[4];
	assert_string_equal(envs->pairs[0], "LOCAL=fromenv");
	assert_string_equal(envs->pairs[1], "APP=2.0-base");
	struct cc_build_step *label = &s->steps[6];
	assert_string_equal(label->pairs[0], "version=2.0");
	assert_string_equal(label->pairs[1], "quoted key=v w");
	assert_string_equal(s->steps[7].value, "/app");
	assert_string_equal(s->steps[8].value, "/app/dir");
	assert_string_equal(s->steps[9].value, "nobody");
	assert_string_equal(env_of(s->steps[11].run_env, "TARGETARCH"), "amd64");
	assert_string_equal(p->unused_args[0], "UNUSED");
	assert_null(p->unused_args[1]);
	cc_build_plan_free(p);
}

static void test_plan_config_steps(void **state)
{
	struct ctxdir *c = *state;
	struct cc_build_plan *p = plan(c,
				       "FROM alpine\n"
				       "ENTRYPOINT [\"/bin/tool\"]\n"
				       "CMD [\"--help\"]\n"
				       "SHELL [\"/bin/bash\", \"-eu\", \"-c\"]\n"
				       "CMD echo hi\n"
				       "ENTRYPOINT echo\n"
				       "EXPOSE 80 8000-8002/udp\n"
				       "VOLUME [\"/data\", \"/logs\"]\n"
				       "STOPSIGNAL SIGINT\n"
				       "HEALTHCHECK --interval=30s --retries=3 CMD [\"wget\", \"-q\", \"localhost\"]\n"
				       "HEALTHCHECK CMD curl -f localhost\n"
				       "ONBUILD run echo later\n",
				       NULL, NULL, NULL);
	struct cc_build_step *st = p->stages[0].steps;
	assert_true(st[0].reset_cmd); /* Cmd inherited from the base goes */
	assert_string_equal(st[0].argv[0], "/bin/tool");
	assert_string_equal(st[1].argv[0], "--help");
	assert_string_equal(st[2].argv[0], "/bin/bash");
	assert_string_equal(st[2].argv[1], "-eu");
	assert_string_equal(st[3].argv[0], "/bin/bash"); /* shell form uses the new SHELL */
	assert_string_equal(st[3].argv[3], "echo hi");
	assert_false(st[4].reset_cmd); /* CMD set in this stage: kept */
	assert_string_equal(st[5].list[0], "80/tcp");
	assert_string_equal(st[5].list[3], "8002/udp");
	assert_null(st[5].list[4]);
	assert_string_equal(st[6].list[1], "/logs");
	assert_string_equal(st[7].value, "SIGINT");
	assert_string_equal(st[8].health,
			    "{\"Interval\":30000000000,\"Retries\":3,\"Test\":[\"CMD\",\"wget\",\"-q\",\"localhost\"]}");
	assert_string_equal(st[9].health, "{\"Test\":[\"CMD-SHELL\",\"curl -f localhost\"]}");
	assert_string_equal(st[10].value, "RUN echo later");
	cc_build_plan_free(p);
}

/* A base image's config is the image's: a Shell without strings was "plan:
 * Cannot allocate memory"; an Env of 400k entries took minutes (each was
 * appended by walking the vector to its end). */
static void test_plan_base_config(void **state)
{
	struct ctxdir *c = *state;
	custom_config = "{\"config\":{\"Shell\":[1,{}],\"Env\":[\"A=1\",2]}}";
	struct cc_build_plan *p = plan(c, "FROM custom\nRUN echo\nENV B=$A\n", NULL, NULL, NULL);
	assert_string_equal(p->stages[0].steps[0].argv[0], "/bin/sh"); /* the default shell */
	assert_string_equal(p->stages[0].steps[1].pairs[0], "B=1");
	cc_build_plan_free(p);

	size_t n = 400000;
	char *big = malloc(n * 24 + 64), *o = big;
	assert_non_null(big);
	o += sprintf(o, "{\"config\":{\"Env\":[");
	for (size_t i = 0; i < n; i++)
		o += sprintf(o, "%s\"V%zu=%zu\"", i ? "," : "", i % 1000, i);
	sprintf(o, "]}}");
	custom_config = big;
	p = plan(c, "FROM custom\nENV X=$V999\n", NULL, NULL, NULL);
	assert_string_equal(p->stages[0].steps[0].pairs[0], "X=399999"); /* the last V999 wins */
	cc_build_plan_free(p);
	custom_config = NULL;
	free(big);
}

static void test_plan_copy(void **state)
{
	struct ctxdir *c = *state;
	struct cc_build_plan *p = plan(c,
				       "FROM alpine\n"
				       "WORKDIR /app\n"
				       "COPY *.txt ./\n"
				       "COPY src/ /usr/src/\n"
				       "COPY a.txt renamed\n"
				       "ADD --chown=app:app --chmod=750 src/*.c /opt/\n"
				       "COPY . /ctx\n"
				       "COPY <<EOF /etc/note\n"
				       "base is $BASEVAR\n"
				       "EOF\n",
				       NULL, NULL, NULL);
	struct cc_build_step *st = p->stages[0].steps;
	assert_string_equal(st[1].list[0], "a.txt");
	assert_string_equal(st[1].list[1], "b.txt");
	assert_null(st[1].list[2]);
	assert_string_equal(st[1].value, "/app/");
	assert_string_equal(st[2].value, "/usr/src/");
	assert_string_equal(st[3].value, "/app/renamed");
	assert_string_equal(st[4].chown, "app:app");
	assert_int_equal(st[4].chmod, 0750);
	assert_int_equal(st[4].n_sources, 2);
	assert_string_equal(st[5].list[0], ".");
	assert_string_equal(st[6].files[0].data, "base is base\n");
	assert_true(strncmp(st[1].content, "sha256:", 7) == 0);
	/* the same sources hash the same; a change in content does not */
	char before[72];
	memcpy(before, st[2].content, sizeof(before));
	cc_build_plan_free(p);
	const char *again = "FROM alpine\nCOPY src/ /usr/src/\n";
	p = plan(c, again, NULL, NULL, NULL);
	assert_string_equal(p->stages[0].steps[0].content, before);
	cc_build_plan_free(p);
	char f[256];
	snprintf(f, sizeof(f), "%s/src/main.c", c->path);
	FILE *fp = fopen(f, "w");
	fputs("changed\n", fp);
	fclose(fp);
	p = plan(c, again, NULL, NULL, NULL);
	assert_string_not_equal(p->stages[0].steps[0].content, before);
	cc_build_plan_free(p);
	/* an ignored file is not part of the digest */
	memcpy(before, "", 1);
	p = plan(c, "FROM alpine\nCOPY . /x/\n", NULL, NULL, NULL);
	char all[72];
	memcpy(all, p->stages[0].steps[0].content, sizeof(all));
	cc_build_plan_free(p);
	snprintf(f, sizeof(f), "%s/ignored.log", c->path);
	fp = fopen(f, "w");
	fputs("new log line\n", fp);
	fclose(fp);
	p = plan(c, "FROM alpine\nCOPY . /x/\n", NULL, NULL, NULL);
	assert_string_equal(p->stages[0].steps[0].content, all);
	cc_build_plan_free(p);
}

static void test_plan_stages(void **state)
{
	struct ctxdir *c = *state;
	struct cc_build_plan *p = plan(c,
				       "FROM alpine AS Builder\n"
				       "RUN make\n"
				       "FROM busybox AS unused\n"
				       "RUN never\n"
				       "FROM builder AS test\n"
				       "RUN test\n"
				       "FROM alpine\n"
				       "COPY --from=builder /out /bin/\n"
				       "COPY --from=0 /out2 /bin/\n",
				       NULL, NULL, NULL);
	assert_int_equal(p->n_stages, 4);
	assert_int_equal(p->target, 3);
	assert_true(p->stages[0].needed);
	assert_false(p->stages[1].needed);
	assert_false(p->stages[2].needed);
	assert_string_equal(p->stages[0].name, "builder");
	assert_int_equal(p->stages[2].base_stage, 0);
	assert_int_equal(p->stages[3].steps[0].from_stage, 0);
	assert_int_equal(p->stages[3].steps[1].from_stage, 0);
	cc_build_plan_free(p);
	p = plan(c, "FROM alpine AS a\nRUN a\nFROM busybox AS b\nRUN b\nFROM a AS c\n", NULL, "b", NULL);
	assert_int_equal(p->target, 1);
	assert_false(p->stages[0].needed);
	/* busybox's ONBUILD trigger runs first, with the FROM line */
	assert_int_equal(p->stages[1].steps[0].kind, CC_I_ENV);
	assert_string_equal(p->stages[1].steps[0].pairs[0], "FROM_TRIGGER=1");
	assert_int_equal(p->stages[1].steps[1].kind, CC_I_RUN);
	cc_build_plan_free(p);
	/* COPY --from an image */
	p = plan(c, "FROM alpine\nCOPY --from=busybox /bin/busybox /bin/\n", NULL, NULL, NULL);
	assert_string_equal(p->stages[0].steps[0].from_image, OTHER_ID);
	cc_build_plan_free(p);
}

static void test_plan_errors(void **state)
{
	struct ctxdir *c = *state;
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "RUN x\nFROM alpine\n", "Containerfile:1: RUN before the first FROM" },
		{ "FROM nosuch\n", "Containerfile:1: FROM nosuch: no such image" },
		{ "FROM alpine\nCOPY missing.txt /x\n", "Containerfile:2: COPY: 'missing.txt': no such file" },
		{ "FROM alpine\nCOPY ignored.log /x\n", "Containerfile:2: COPY: 'ignored.log': no such file" },
		{ "FROM alpine\nCOPY *.nomatch /x/\n", "Containerfile:2: COPY: no source files were specified" },
		{ "FROM alpine\nCOPY *.nomatch missing.txt /x/\n", "Containerfile:2: COPY: 'missing.txt': no such file" },
		{ "FROM alpine\nCOPY a.txt b.txt /x\n", "Containerfile:2: when using COPY with more than one source file" },
		{ "FROM alpine\nCOPY a.txt\n", "Containerfile:2: COPY requires at least two arguments" },
		{ "FROM alpine\nCOPY --from=nosuchstage /a /b\n", "Containerfile:2: COPY --from=nosuchstage: no build stage or image" },
		{ "FROM alpine AS first\nCOPY --from=later /a /b\nFROM alpine AS later\nFROM first\n",
		  "Containerfile:2: COPY --from=later: stage later is not an earlier stage" },
		{ "FROM alpine\nCOPY --frm=x a.txt /b\n", "Containerfile:2: unknown flag: --frm" },
		{ "FROM alpine\nRUN --mount=type=ssh true\n", "Containerfile:2: RUN --mount=type=ssh is not supported" },
		{ "FROM alpine\nRUN --mount=type=cache true\n", "Containerfile:2: invalid mount 'type=cache': target= is required" },
		{ "FROM alpine\nADD https://example.com/r.git /x\n", "Containerfile:2: ADD of a git repository is not supported" },
		{ "FROM alpine\nADD git@github.com:a/b /x\n", "Containerfile:2: ADD of a git repository is not supported" },
		{ "FROM alpine\nADD --keep-git-dir=true https://example.com/r.git /x\n",
		  "Containerfile:2: ADD --keep-git-dir is not supported" },
		{ "FROM alpine\nADD --checksum=sha256:00 http://example.com/x /x\n", "Containerfile:2: invalid ADD --checksum" },
		{ "FROM alpine\nADD --checksum=sha256:0000000000000000000000000000000000000000000000000000000000000000 a.txt /x\n",
		  "Containerfile:2: ADD --checksum needs exactly one source, an http(s) URL" },
		{ "FROM alpine\nCOPY --checksum=sha256:00 a.txt /x\n", "Containerfile:2: unknown flag: --checksum" },
		{ "FROM alpine\nRUN --network=bridge true\n", "Containerfile:2: invalid network mode \"bridge\"" },
		{ "FROM alpine\nRUN --security=insecure true\n", "Containerfile:2: RUN --security=insecure: the security.insecure entitlement is not granted" },
		{ "FROM alpine\nRUN --security=other true\n", "Containerfile:2: security \"other\" is not valid" },
		{ "FROM alpine\nCOPY --chmod=u+q a.txt /x\n", "Containerfile:2: invalid --chmod 'u+q'" },
		{ "FROM alpine\nCOPY --chmod=u a.txt /x\n", "Containerfile:2: invalid --chmod 'u'" },
		{ "FROM alpine\nEXPOSE 80/xyz\n", "Containerfile:2: invalid port '80/xyz'" },
		{ "FROM alpine\nENV A=\"unterminated\n", "Containerfile:2: unexpected end of statement" },
		{ "FROM alpine\nENV =x\n", "Containerfile:2: ENV names can not be blank" },
		{ "FROM alpine\nWORKDIR\t\n", "Containerfile:2: WORKDIR requires at least one argument" },
		{ "FROM alpine\nHEALTHCHECK --interval=5 CMD true\n", "Containerfile:2: HEALTHCHECK --interval=5" },
		{ "FROM alpine\nHEALTHCHECK WHAT true\n", "Containerfile:2: unknown type \"WHAT\" in HEALTHCHECK" },
		{ "FROM alpine AS a\nFROM alpine AS A\n", "Containerfile:2: duplicate stage name" },
		{ "FROM alpine as\n", "Containerfile:1: FROM requires either one or three arguments" },
		{ "FROM alpine\nCOPY --chmod=99 a.txt /x\n", "Containerfile:2: invalid --chmod '99'" },
		{ "# nothing\n", "Containerfile: no FROM instruction" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *m = NULL;
		struct cc_recipe *r = NULL;
		cc_error *e = NULL;
		if (cc_recipe_parse("Containerfile", cases[i].text, strlen(cases[i].text), &r, &e) < 0) {
			m = strdup(e->msg);
			cc_error_free(e);
		} else {
			cc_recipe_free(r);
			plan(c, cases[i].text, NULL, NULL, &m);
		}
		if (strncmp(m, cases[i].want, strlen(cases[i].want)) != 0) {
			fprintf(stderr, "case %zu: got '%s', want '%s...'\n", i, m, cases[i].want);
			free(m);
			fail();
		}
		free(m);
	}
	char *m = NULL;
	plan(c, "FROM alpine AS a\n", NULL, "nope", &m);
	assert_non_null(strstr(m, "target stage 'nope' could not be found"));
	free(m);
}

/* What real recipes expect (issue 19): RUN --network/--security, ADD of
 * URLs, symbolic --chmod, optional globs, the default PATH. */
static void test_plan_recipes(void **state)
{
	struct ctxdir *c = *state;
	custom_config = "{\"config\":{\"Env\":[\"HOME=/root\"]}}";
	struct cc_build_plan *p = plan(c,
				       "FROM custom\n"
				       "ENV PATH=/opt/bin:$PATH\n"
				       "RUN --network=none --security=sandbox true\n"
				       "RUN --network=host true\n"
				       "RUN --network=default true\n"
				       "COPY --chmod=u+x,go-w a.txt /x\n"
				       "COPY a.txt yarn.lock* /app/\n"
				       "ADD --checksum=sha256:abcdef0000000000000000000000000000000000000000000000000000000000 "
				       "https://example.com/dl/tool.tar.gz?x=1 /opt/\n"
				       "COPY --chmod=0640 a.txt /y\n",
				       NULL, NULL, NULL);
	struct cc_build_step *st = p->stages[0].steps;
	assert_string_equal(st[0].pairs[0], "PATH=/opt/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	assert_int_equal(st[1].network, CC_NET_NONE);
	assert_int_equal(st[2].network, CC_NET_HOST);
	assert_int_equal(st[3].network, -1);
	assert_non_null(strstr(st[1].key, "\"network\""));
	assert_null(strstr(st[3].key, "\"network\""));
	assert_int_equal(st[4].chmod, -1);
	assert_string_equal(st[4].chmod_sym, "u+x,go-w");
	assert_string_equal(st[5].list[0], "a.txt");
	assert_null(st[5].list[1]);
	assert_string_equal(st[6].urls[0], "https://example.com/dl/tool.tar.gz?x=1");
	assert_null(st[6].list[0]);
	assert_int_equal(st[6].n_sources, 1);
	assert_string_equal(st[6].checksum, "sha256:abcdef0000000000000000000000000000000000000000000000000000000000");
	assert_int_equal(st[7].chmod, 0640);
	assert_null(st[7].chmod_sym);
	cc_build_plan_free(p);
	custom_config = NULL;

	int m = 0;
	assert_int_equal(cc_chmod_check("755", &m), 0);
	assert_int_equal(m, 0755);
	assert_int_equal(cc_chmod_check("a=r", &m), 0);
	assert_int_equal(m, -1);
	assert_int_equal(cc_chmod_check("u+x,g=u,o-rwx", &m), 0);
	assert_int_equal(cc_chmod_check("", &m), -1);
	assert_int_equal(cc_chmod_check("u+x,", &m), -1);
	assert_int_equal(cc_chmod_check("+", &m), 0);
	assert_int_equal(cc_chmod_apply("u+x", 0644, false), 0744);
	assert_int_equal(cc_chmod_apply("go-w", 0666, false), 0644);
	assert_int_equal(cc_chmod_apply("a=r", 0755, true), 0444);
	assert_int_equal(cc_chmod_apply("a+X", 0644, false), 0644);
	assert_int_equal(cc_chmod_apply("a+X", 0644, true), 0755);
	assert_int_equal(cc_chmod_apply("a+X", 0744, false), 0755);
	assert_int_equal(cc_chmod_apply("g=u", 0740, false), 0770);
	assert_int_equal(cc_chmod_apply("u+s,+t", 0755, false), 05755);
	assert_int_equal(cc_chmod_apply("o=", 0777, false), 0770);
}

static void test_plan_heredoc_run(void **state)
{
	struct ctxdir *c = *state;
	struct cc_build_plan *p = plan(c,
				       "FROM alpine\n"
				       "RUN <<EOF\n"
				       "echo one\n"
				       "echo two\n"
				       "EOF\n"
				       "RUN <<EOF\n"
				       "#!/usr/bin/env python3 -u\n"
				       "print('hi')\n"
				       "EOF\n"
				       "RUN cat <<A > /a && cat <<B > /b\n"
				       "aaa\n"
				       "A\n"
				       "bbb\n"
				       "B\n",
				       NULL, NULL, NULL);
	struct cc_build_step *st = p->stages[0].steps;
	assert_string_equal(st[0].argv[2], "echo one\necho two\n");
	assert_string_equal(st[1].argv[0], "/usr/bin/env");
	assert_string_equal(st[1].argv[1], "python3 -u");
	assert_string_equal(st[1].script, "#!/usr/bin/env python3 -u\nprint('hi')\n");
	assert_string_equal(st[2].argv[2], "cat <<A > /a && cat <<B > /b\naaa\nA\nbbb\nB");
	cc_build_plan_free(p);
}

/* Recipes are bytes.  The image config (JSON) gets invalid UTF-8 as
 * U+FFFD, one per byte, as docker's and buildah's do; RUN gets the bytes
 * themselves; cache keys tell bytes apart that the config cannot.  (The
 * build said "image history: Cannot allocate memory"; fuzz-containerfile
 * found it again, tests/fuzz/regress/containerfile.) */
static void test_non_utf8(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "plain", "plain" },
		{ "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80" },
		{ "a\xff" "b", "a\xef\xbf\xbd" "b" },
		{ "\xe2\x82", "\xef\xbf\xbd\xef\xbf\xbd" },                     /* truncated */
		{ "\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd" },                     /* overlong */
		{ "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },     /* a surrogate */
		{ "\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" }, /* > U+10FFFF */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *c = cc_utf8_coerce(cases[i].in);
		assert_string_equal(c, cases[i].out);
		assert_true(cc_utf8_valid(c, strlen(c)));
		assert_int_equal(cc_utf8_valid(cases[i].in, strlen(cases[i].in)), strcmp(cases[i].in, cases[i].out) == 0);
		free(c);
	}

	struct ctxdir *c = *state;
	struct cc_build_plan *p = plan(c,
				       "FROM alpine\n"
				       "RUN echo \xff\n"
				       "RUN echo \xfe\n"
				       "ENV E=\xff\n"
				       "LABEL k\xfe=v\xff\n"
				       "VOLUME /v\xff\n"
				       "WORKDIR /w\xff\n"
				       "HEALTHCHECK CMD true \xff\n"
				       "CMD [\"x\"]\n",
				       NULL, NULL, NULL);
	struct cc_build_stage *bs = &p->stages[0];
	assert_int_equal(bs->n_steps, 8);
	assert_string_equal(bs->steps[0].argv[2], "echo \xff"); /* the shell gets the bytes */
	assert_string_not_equal(bs->steps[0].key, bs->steps[1].key);

	json_t *root = cc_bcfg_scratch();
	assert_non_null(root);
	for (size_t i = 0; i < bs->n_steps; i++) {
		cc_error *e = NULL;
		int r = cc_bcfg_apply(root, &bs->steps[i], "2024-01-02T03:04:05Z", NULL, &e);
		if (r < 0)
			fprintf(stderr, "apply step %zu: %s\n", i, e->msg);
		assert_int_equal(r, 0);
	}
	json_t *cfg = json_object_get(root, "config");
	json_t *hist = json_object_get(root, "history");
	assert_int_equal(json_array_size(hist), 8);
	assert_string_equal(json_string_value(json_object_get(json_array_get(hist, 0), "created_by")),
			    "RUN /bin/sh -c echo \xef\xbf\xbd");
	json_t *env = json_object_get(cfg, "Env");
	assert_string_equal(json_string_value(json_array_get(env, json_array_size(env) - 1)), "E=\xef\xbf\xbd");
	assert_string_equal(json_string_value(json_object_get(json_object_get(cfg, "Labels"), "k\xef\xbf\xbd")),
			    "v\xef\xbf\xbd");
	assert_non_null(json_object_get(json_object_get(cfg, "Volumes"), "/v\xef\xbf\xbd"));
	assert_string_equal(json_string_value(json_object_get(cfg, "WorkingDir")), "/w\xef\xbf\xbd");
	json_t *test = json_object_get(json_object_get(cfg, "Healthcheck"), "Test");
	assert_string_equal(json_string_value(json_array_get(test, 1)), "true \xef\xbf\xbd");
	char *text = json_dumps(root, JSON_COMPACT);
	assert_non_null(text);
	free(text);
	json_decref(root);
	cc_build_plan_free(p);
}

static void test_flag_parsers(void **state)
{
	(void)state;
	cc_error *e = NULL;
	struct cc_run_mount m;
	assert_int_equal(cc_run_mount_parse("type=cache,target=/c,sharing=locked,mode=0700,uid=5", &m, &e), 0);
	assert_int_equal(m.type, CC_MOUNT_CACHE);
	assert_string_equal(m.id, "/c");
	assert_int_equal(m.sharing, CC_SHARING_LOCKED);
	assert_int_equal(m.mode, 0700);
	assert_int_equal(m.uid, 5);
	cc_run_mount_release(&m);
	assert_int_equal(cc_run_mount_parse("type=secret,id=tok", &m, &e), 0);
	assert_string_equal(m.target, "/run/secrets/tok");
	cc_run_mount_release(&m);
	assert_int_equal(cc_run_mount_parse("\"source=a,b\",target=/t,rw", &m, &e), 0);
	assert_string_equal(m.source, "a,b");
	assert_false(m.readonly);
	cc_run_mount_release(&m);
	static const char *const bad[] = { "type=nope,target=/x", "type=tmpfs,target=/x,from=a", "type=cache,target=/x,mode=9",
					   "target=/x,bogus=1", "\"target=/x", "type=secret", NULL };
	for (size_t i = 0; bad[i]; i++) {
		assert_int_equal(cc_run_mount_parse(bad[i], &m, &e), -1);
		cc_error_free(e);
		e = NULL;
	}
	struct cc_build_secret sec;
	assert_int_equal(cc_build_secret_parse("id=a,src=/f", &sec, &e), 0);
	assert_string_equal(sec.src, "/f");
	cc_build_secret_release(&sec);
	assert_int_equal(cc_build_secret_parse("id=A", &sec, &e), 0);
	assert_string_equal(sec.env, "A");
	cc_build_secret_release(&sec);
	assert_int_equal(cc_build_secret_parse("src=/f", &sec, &e), -1);
	cc_error_free(e);
	e = NULL;
	struct cc_build_output o;
	assert_int_equal(cc_build_output_parse("out", &o, &e), 0);
	assert_int_equal(o.type, CC_OUTPUT_LOCAL);
	cc_build_output_release(&o);
	assert_int_equal(cc_build_output_parse("-", &o, &e), 0);
	assert_int_equal(o.type, CC_OUTPUT_TAR);
	cc_build_output_release(&o);
	assert_int_equal(cc_build_output_parse("type=tar,dest=x.tar", &o, &e), 0);
	assert_string_equal(o.dest, "x.tar");
	cc_build_output_release(&o);
	assert_int_equal(cc_build_output_parse("type=image", &o, &e), -1);
	cc_error_free(e);
	e = NULL;
	struct cc_build_context c;
	assert_int_equal(cc_build_context_parse("Base=docker-image://alpine:3", &c, &e), 0);
	assert_string_equal(c.name, "base");
	assert_string_equal(c.image, "alpine:3");
	cc_build_context_release(&c);
	assert_int_equal(cc_build_context_parse("x=../dir", &c, &e), 0);
	assert_string_equal(c.dir, "../dir");
	cc_build_context_release(&c);
	assert_int_equal(cc_build_context_parse("=dir", &c, &e), -1);
	cc_error_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_escape_directive),
		cmocka_unit_test(test_heredocs),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_shell_words),
		cmocka_unit_test_setup_teardown(test_plan_args, setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_plan_config_steps, setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_plan_base_config, setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_plan_copy, setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_plan_stages, setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_plan_errors, setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_plan_heredoc_run, setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_plan_recipes, setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_non_utf8, setup_ctx, teardown_ctx),
		cmocka_unit_test(test_flag_parsers),
	};
	return cmocka_run_group_tests_name("build-parser", tests, NULL, NULL);
}
