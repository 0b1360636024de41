/* Manifests and indexes as a registry serves them (or an archive holds
 * them), with the Content-Type that came along, then the platform choice
 * over an index.
 *
 * Input: the first byte picks the Content-Type from a table (the registry
 * client passes what the server said, which may be anything); the rest is
 * the body.  Bounded by CC_MANIFEST_MAX, as the registry client caps it. */
#include "fuzz.h"
#include "image/image.h"
#include "util/util.h"

static const char *const content_types[] = {
	NULL,
	"",
	"application/json",
	"application/json; charset=utf-8",
	CC_MT_OCI_INDEX,
	CC_MT_OCI_MANIFEST,
	CC_MT_DOCKER_LIST,
	CC_MT_DOCKER_MANIFEST,
	CC_MT_DOCKER_MANIFEST " ; x=y",
	"application/vnd.docker.distribution.manifest.v1+prettyjws",
	"text/html",
	";",
	" \t",
};

static const char *const platforms[] = { "linux/amd64", "linux/arm64", "linux/arm/v7", "linux/arm/v5",
					 "windows/amd64", "linux/riscv64/x" };

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static void check_descriptor(const struct cc_descriptor *d)
{
	FUZZ_CHECK(d->digest && cc_str_has_prefix(d->digest, "sha256:") && d->size >= 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size - 1 > CC_MANIFEST_MAX)
		return 0;
	const char *ct = content_types[data[0] % (sizeof(content_types) / sizeof(content_types[0]))];
	struct cc_manifest *m = NULL;
	cc_error *e = NULL;
	if (cc_manifest_parse((const char *)data + 1, size - 1, ct, &m, &e) < 0) {
		FUZZ_CHECK(e != NULL && e->msg != NULL && m == NULL);
		cc_error_free(e);
		return 0;
	}
	FUZZ_CHECK(m->media_type != NULL);
	for (size_t i = 0; i < m->n_entries; i++)
		check_descriptor(&m->entries[i]);
	if (!m->is_index) {
		check_descriptor(&m->config);
		FUZZ_CHECK(m->n_entries <= 1000);
	} else {
		struct cc_platform host;
		cc_platform_host(&host);
		for (size_t i = 0; i <= sizeof(platforms) / sizeof(platforms[0]); i++) {
			struct cc_platform p = host;
			if (i > 0)
				FUZZ_CHECK(cc_platform_parse(platforms[i - 1], &p, NULL) == 0);
			const struct cc_descriptor *d = NULL;
			if (cc_manifest_select(m, &p, &d, &e) == 0) {
				FUZZ_CHECK(d >= m->entries && d < m->entries + m->n_entries && !d->attestation);
				FUZZ_CHECK(strcmp(d->os, p.os) == 0 && strcmp(d->arch, p.arch) == 0);
			} else {
				FUZZ_CHECK(e != NULL && e->kind == CC_ERR_NOT_FOUND);
				cc_error_clear(&e);
			}
		}
	}
	cc_manifest_free(m);
	return 0;
}
