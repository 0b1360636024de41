/* What a registry returns to an upload (push): the Location of the next
 * step and the upload's Range.  Input: an endpoint line, then the value.
 *
 * Invariants: a Location is either refused or resolves to an http(s) URL
 * without control bytes or spaces, "same origin" only when it starts with
 * the endpoint; a Range gives -1 or an offset >= 0; the URL with the
 * digest added keeps the URL as its prefix. */
#include "fuzz.h"
#include "image/image-internal.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 8192)
		return 0;
	char *s = fuzz_cstr(data, size);
	char *nl = strchr(s, '\n');
	const char *ep = "http://127.0.0.1:5000", *value = s;
	if (nl) {
		*nl = '\0';
		ep = s;
		value = nl + 1;
	}
	char *url = NULL;
	bool same = false;
	if (cc_upload_location_resolve(ep, value, &url, &same) == 0) {
		FUZZ_CHECK(url != NULL);
		FUZZ_CHECK(strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0);
		for (const char *p = url; *p; p++)
			FUZZ_CHECK((unsigned char)*p > ' ' && (unsigned char)*p < 0x7f);
		if (same)
			FUZZ_CHECK(strncasecmp(url, ep, strlen(ep)) == 0);
		char *d = cc_upload_url_with_digest(url, "sha256:00");
		FUZZ_CHECK(d != NULL && strstr(d, "digest=sha256:00") != NULL);
		free(d);
		free(url);
	} else {
		FUZZ_CHECK(url == NULL);
	}
	int64_t off = cc_upload_range_next(value);
	FUZZ_CHECK(off >= -1);
	(void)cc_registry_is_loopback(value);
	free(s);
	return 0;
}
