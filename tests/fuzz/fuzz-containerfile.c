/* Containerfiles: parse, plan against a small context, and apply every
 * step to an image config as the builder does (the config and its history
 * are JSON, the recipe is bytes).
 *
 * The recipe parser bounds its input (CC_BUILD_MAX_RECIPE) itself, as
 * build reads the file; base images come from a table (any other name is
 * "no such image"), and the context is a directory made once. */
#include <sys/stat.h>
#include <unistd.h>

#include "build/build-internal.h"
#include "fuzz.h"
#include "util/util.h"

static char ctxdir[] = "/tmp/cc-fuzz-containerfile-XXXXXX";
static struct cc_ignore *ignore;

#define BASE_ID "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define TRIG_ID "sha256:2222222222222222222222222222222222222222222222222222222222222222"

static void cleanup(void)
{
	cc_ignore_free(ignore);
	cc_rm_rf(ctxdir, NULL);
}

static void put(const char *rel, const char *text)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", ctxdir, rel);
	if (cc_write_file(p, text, strlen(text), 0644, NULL) < 0)
		abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (mkdtemp(ctxdir) == NULL)
		abort();
	atexit(cleanup);
	char p[512];
	static const char *const dirs[] = { "src", "src/sub", "dir", "empty" };
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", ctxdir, dirs[i]);
		if (mkdir(p, 0755) < 0)
			abort();
	}
	put("a.txt", "a\n");
	put("b.txt", "b\n");
	put("src/main.c", "int main;\n");
	put("src/sub/x.h", "x\n");
	put("dir/x", "x\n");
	put("ignored.log", "log\n");
	put("app.tar", "not really a tar\n");
	snprintf(p, sizeof(p), "%s/link", ctxdir);
	if (symlink("a.txt", p) < 0)
		abort();
	snprintf(p, sizeof(p), "%s/dangling", ctxdir);
	if (symlink("../../etc/passwd", p) < 0)
		abort();
	const char *pats[] = { "*.log", "!keep.log", "dir/**" };
	if (cc_ignore_new(pats, 3, &ignore, NULL) < 0)
		abort();
	return 0;
}

static int base_image(const char *ref, const char *platform, char **ret_id, char **ret_config, void *data,
		      cc_error **err)
{
	(void)platform;
	(void)data;
	const char *cfg = NULL, *id = BASE_ID;
	if (strcmp(ref, "alpine") == 0 || strcmp(ref, "alpine:3.20") == 0) {
		cfg = "{\"config\":{\"Env\":[\"PATH=/usr/bin:/bin\",\"BASE=b\"],\"Cmd\":[\"/bin/sh\"]}}";
	} else if (strcmp(ref, "busybox") == 0) {
		id = TRIG_ID;
		cfg = "{\"config\":{\"WorkingDir\":\"/w\",\"Shell\":[\"/bin/ash\",\"-c\"],"
		      "\"OnBuild\":[\"ENV FROM_TRIGGER=1\",\"COPY a.txt /t/\",\"RUN echo $FROM_TRIGGER\"]}}";
	} else {
		return cc_error_setk(err, CC_ERR_NOT_FOUND, 0, "no such image: %s", ref);
	}
	*ret_id = strdup(id);
	*ret_config = strdup(cfg);
	if (*ret_id == NULL || *ret_config == NULL) {
		free(*ret_id);
		free(*ret_config);
		return cc_error_set(err, ENOMEM, "base image");
	}
	return 0;
}

/* What the builder does with a stage's config-visible steps. */
static void apply_steps(const struct cc_build_stage *bs)
{
	json_t *root = cc_bcfg_scratch();
	FUZZ_CHECK(root != NULL);
	static const char diff[] = "sha256:3333333333333333333333333333333333333333333333333333333333333333";
	for (size_t j = 0; j < bs->n_steps; j++) {
		const struct cc_build_step *st = &bs->steps[j];
		bool layer = st->kind == CC_I_RUN || st->kind == CC_I_COPY || st->kind == CC_I_ADD;
		cc_error *e = NULL;
		if (cc_bcfg_apply(root, st, "2024-01-02T03:04:05.000000000Z", layer ? diff : NULL, &e) < 0) {
			/* a recipe that planned is a config the builder can write */
			fprintf(stderr, "fuzz: step %s (line %d) planned but does not apply: %s\n", st->display,
				st->line, e ? e->msg : "?");
			abort();
		}
	}
	char *text = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
	FUZZ_CHECK(text != NULL);
	json_t *hist = json_object_get(root, "history");
	FUZZ_CHECK(json_array_size(hist) == bs->n_steps);
	free(text);
	json_decref(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cc_recipe *r = NULL;
	cc_error *e = NULL;
	if (cc_recipe_parse("Containerfile", (const char *)data, size, &r, &e) < 0) {
		FUZZ_CHECK(e != NULL && e->msg != NULL && e->kind == CC_ERR_INVALID && r == NULL);
		cc_error_free(e);
		return 0;
	}
	for (size_t i = 0; i < r->n; i++)
		FUZZ_CHECK(r->instrs[i].text != NULL && r->instrs[i].args != NULL &&
			   (r->instrs[i].json || r->instrs[i].args[0] != NULL));
	char *args[] = { (char *)"A=1", (char *)"HTTP_PROXY=http://proxy", (char *)"EMPTY=", NULL };
	struct cc_plan_options o = { .context = ctxdir, .ignore = ignore, .build_args = args,
				     .platform = "linux/amd64", .source = { .image = base_image } };
	struct cc_build_plan *p = NULL;
	if (cc_build_plan(r, &o, &p, &e) == 0) {
		FUZZ_CHECK(p->target < p->n_stages);
		for (size_t i = 0; i < p->n_stages; i++) {
			const struct cc_build_stage *bs = &p->stages[i];
			for (size_t j = 0; j < bs->n_steps; j++)
				FUZZ_CHECK(bs->steps[j].key != NULL && bs->steps[j].display != NULL);
			if (bs->needed)
				apply_steps(bs);
		}
		cc_build_plan_free(p);
	} else {
		FUZZ_CHECK(e != NULL && e->msg != NULL);
		cc_error_free(e);
	}
	cc_recipe_free(r);
	return 0;
}
