/* compose files: YAML (libfyaml, anchors expanded under the node budget),
 * interpolation, .env, the merge of two files, extends, and the model with
 * its checks, each service as create's arguments, then `compose config`'s
 * output in both formats.
 *
 * Input: compose.yaml, then optionally a NUL and a .env, then optionally a
 * NUL and an override file merged over the first (-f a -f b).  Each is
 * bounded by CC_COMPOSE_MAX_FILE as the loader reads files.  The whole
 * input is also interpolated as one value. */
#include "compose/compose.h"
#include "compose/compose-internal.h"
#include "fuzz.h"

static const char *const fuzz_env[] = { "HOME=/home/fuzz", "A=a", "EMPTY=", "TAG=1", NULL };

static const char *fuzz_lookup(const char *name, void *ctx)
{
	(void)ctx;
	size_t n = strlen(name);
	for (const char *const *e = fuzz_env; *e; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 256 * 1024)
		return 0;
	char *buf = malloc(size + 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';

	/* the input as one value */
	char *out = NULL;
	cc_error *e = NULL;
	if (cc_compose_interpolate(buf, fuzz_lookup, NULL, &out, &e) < 0) {
		FUZZ_CHECK(e != NULL && e->msg != NULL && out == NULL);
		cc_error_free(e);
		e = NULL;
	} else {
		FUZZ_CHECK(out != NULL && strlen(out) <= CC_COMPOSE_MAX_VALUE);
		free(out);
	}

	/* compose.yaml \0 .env \0 override.yaml */
	const char *parts[3] = { buf, NULL, NULL };
	size_t lens[3] = { strlen(buf), 0, 0 };
	for (int i = 1; i < 3; i++) {
		const char *prev_end = parts[i - 1] + lens[i - 1];
		if (prev_end >= buf + size)
			break;
		parts[i] = prev_end + 1;
		lens[i] = strlen(parts[i]);
	}
	struct cc_compose_source src[2] = {
		{ .name = "compose.yaml", .data = parts[0], .len = lens[0] },
		{ .name = "override.yaml", .data = parts[2] ? parts[2] : "", .len = lens[2] },
	};
	const char *files[] = { "compose.yaml", "override.yaml" };
	struct cc_compose_opts o = { .files = files, .n_files = parts[2] ? 2 : 1, .environ = fuzz_env };
	struct cc_compose_project *p = NULL;
	if (cc_compose_load_sources(&o, "/fuzz/proj", src, 2, parts[1] ? parts[1] : "", &p, &e) < 0) {
		FUZZ_CHECK(e != NULL && e->msg != NULL && p == NULL);
		FUZZ_CHECK(cc_compose_yaml_live_events() == 0);
		cc_error_free(e);
		free(buf);
		return 0;
	}
	FUZZ_CHECK(p->name != NULL && p->name[0] != '\0');
	for (size_t i = 0; i < p->n_services; i++) {
		FUZZ_CHECK(p->services[i].image != NULL || p->services[i].build != NULL);
		FUZZ_CHECK(p->services[i].n_networks > 0);
	}
	for (size_t i = 0; i < p->n_services; i++) {
		char **args = NULL;
		if (cc_compose_create_args(p, &p->services[i], "img", "n-1", 1, i % 2, &args, &e) < 0) {
			FUZZ_CHECK(e != NULL && args == NULL);
			cc_error_free(e);
			e = NULL;
			continue;
		}
		for (char **a = args; *a; a++)
			free(*a);
		free(args);
	}
	for (int json = 0; json < 2; json++) {
		char *text = NULL;
		FUZZ_CHECK(cc_compose_to_text(p, json, &text, &e) == 0);
		FUZZ_CHECK(text != NULL);
		free(text);
	}
	cc_compose_project_free(p);
	FUZZ_CHECK(cc_compose_yaml_live_events() == 0);
	free(buf);
	return 0;
}
