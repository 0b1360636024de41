/* Image configs: what pull and load take from a config blob
 * (cc_image_config_parse, then chain IDs), what run takes from it
 * (cc_run_config_parse), and what a build takes from its base image
 * (Env, WorkingDir, User, Shell and the ONBUILD triggers, which are recipe
 * text from the image and run through the recipe parser and the plan).
 *
 * Bounded by CC_CONFIG_MAX, as the store's reader caps a config blob. */
#include <unistd.h>

#include "build/build.h"
#include "fuzz.h"
#include "image/image.h"
#include "util/util.h"

static char ctxdir[] = "/tmp/cc-fuzz-config-XXXXXX";
static const char *cur_config;
static size_t cur_len;

#define BASE_ID "sha256:1111111111111111111111111111111111111111111111111111111111111111"

static void cleanup(void)
{
	cc_rm_rf(ctxdir, NULL);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* the context a build has: empty, so triggers' COPY finds nothing */
	if (mkdtemp(ctxdir) == NULL)
		abort();
	atexit(cleanup);
	return 0;
}

static int base_image(const char *ref, const char *platform, char **ret_id, char **ret_config, void *data,
		      cc_error **err)
{
	(void)platform;
	(void)data;
	if (strcmp(ref, "base") != 0)
		return cc_error_setk(err, CC_ERR_NOT_FOUND, 0, "no such image: %s", ref);
	*ret_id = strdup(BASE_ID);
	*ret_config = strndup(cur_config, cur_len);
	if (*ret_id == NULL || *ret_config == NULL) {
		free(*ret_id);
		free(*ret_config);
		return cc_error_set(err, ENOMEM, "base image");
	}
	return 0;
}

static void image_config(const char *data, size_t size)
{
	struct cc_image_config *c = NULL;
	cc_error *e = NULL;
	if (cc_image_config_parse(data, size, &c, &e) < 0) {
		FUZZ_CHECK(e != NULL && e->msg != NULL && c == NULL);
		cc_error_free(e);
		return;
	}
	char **chain = NULL;
	if (c->n_diff_ids > 0) {
		FUZZ_CHECK(cc_chain_ids(c->diff_ids, c->n_diff_ids, &chain, &e) == 0);
		for (size_t i = 0; i < c->n_diff_ids; i++)
			FUZZ_CHECK(chain[i] && strlen(chain[i]) == 71 && cc_str_has_prefix(chain[i], "sha256:"));
		FUZZ_CHECK(chain[c->n_diff_ids] == NULL);
		cc_strvfreep(&chain);
	}
	cc_image_config_free(c);
}

static void run_config(const char *data, size_t size)
{
	struct cc_run_config *c = NULL;
	cc_error *e = NULL;
	if (cc_run_config_parse(data, size, &c, &e) < 0) {
		FUZZ_CHECK(e != NULL && e->msg != NULL);
		cc_error_free(e);
		return;
	}
	FUZZ_CHECK(c->env != NULL && c->exposed_ports != NULL && c->layer_dirs != NULL);
	cc_run_config_free(c);
}

static void build_on(const char *data, size_t size)
{
	static const char recipe[] = "FROM base\nRUN true\nENV A=$A:x\nWORKDIR sub\nUSER u\nCMD [\"c\"]\n"
				     "FROM base AS two\nRUN [\"x\"]\n";
	cur_config = data;
	cur_len = size;
	struct cc_recipe *r = NULL;
	cc_error *e = NULL;
	FUZZ_CHECK(cc_recipe_parse("Containerfile", recipe, sizeof(recipe) - 1, &r, &e) == 0);
	char *args[] = { (char *)"A=1", NULL };
	struct cc_plan_options o = { .context = ctxdir, .build_args = args, .platform = "linux/amd64",
				     .source = { .image = base_image } };
	struct cc_build_plan *p = NULL;
	if (cc_build_plan(r, &o, &p, &e) == 0) {
		for (size_t i = 0; i < p->n_stages; i++)
			for (size_t j = 0; j < p->stages[i].n_steps; j++)
				FUZZ_CHECK(p->stages[i].steps[j].key != NULL);
		cc_build_plan_free(p);
	} else {
		FUZZ_CHECK(e != NULL && e->msg != NULL);
		cc_error_free(e);
	}
	cc_recipe_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > CC_CONFIG_MAX)
		return 0;
	image_config((const char *)data, size);
	run_config((const char *)data, size);
	/* the builder hands the plan the config as a C string */
	if (memchr(data, '\0', size) == NULL)
		build_on((const char *)data, size);
	return 0;
}
