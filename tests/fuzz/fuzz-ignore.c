/* .dockerignore / .containerignore: the file's text (from the build
 * context, so from whoever wrote the repository) compiled, then matched
 * against paths (also the context's: file names).
 *
 * Input: the ignore file, then a NUL byte, then paths one a line.  The
 * ignore file is bounded by cc_ignore_parse (CC_BUILD_MAX_IGNORE) as build
 * reads it; a path by PATH_MAX, as a walk of the context produces them. */
#include <limits.h>

#include "build/build.h"
#include "fuzz.h"

#define MAX_PATHS 64

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t tlen = nul ? (size_t)(nul - data) : size;
	struct cc_ignore *m = NULL;
	cc_error *e = NULL;
	if (cc_ignore_parse((const char *)data, tlen, &m, &e) < 0) {
		FUZZ_CHECK(e != NULL && e->msg != NULL && m == NULL);
		cc_error_free(e);
		return 0;
	}
	for (size_t i = 0; i < cc_ignore_count(m); i++)
		FUZZ_CHECK(cc_ignore_pattern(m, i) != NULL);
	(void)cc_ignore_has_exceptions(m);
	if (nul) {
		const char *p = (const char *)nul + 1, *end = (const char *)data + size;
		for (size_t n = 0; p <= end && n < MAX_PATHS; n++) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
			if (len < PATH_MAX) {
				char *path = fuzz_cstr((const uint8_t *)p, len);
				bool any = cc_ignore_matches(m, path);
				bool exact = cc_ignore_matches_exact(m, path);
				/* a path that matches itself also matches with its parents
				 * considered, unless an exception re-includes it on the way */
				FUZZ_CHECK(!exact || any || cc_ignore_has_exceptions(m));
				free(path);
			}
			if (nl == NULL)
				break;
			p = nl + 1;
		}
	}
	cc_ignore_free(m);
	return 0;
}
