/* Image references (what users type, and what a build's FROM line or an
 * archive's manifest.json names), platforms (--platform, FROM --platform)
 * and registry auth challenges (WWW-Authenticate from a registry).
 *
 * Invariants: a parsed reference prints as a string that parses again to
 * the same string (normalisation is idempotent); every failure carries a
 * message. */
#include "fuzz.h"
#include "image/image.h"

/* argv strings and header values; cc_ref_parse refuses more than 4096 */
#define REF_MAX_INPUT 8192

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static void reference(const char *s)
{
	struct cc_ref *r = NULL;
	cc_error *e = NULL;
	if (cc_ref_parse(s, &r, &e) < 0) {
		FUZZ_CHECK(e != NULL && e->msg != NULL && r == NULL);
		cc_error_free(e);
		return;
	}
	FUZZ_CHECK(r->domain && r->path && (r->tag || r->digest));
	char *repo = cc_ref_repo(r), *str = cc_ref_string(r);
	FUZZ_CHECK(repo && str);
	char *fam = cc_ref_familiar_repo(repo);
	FUZZ_CHECK(fam != NULL);
	FUZZ_CHECK(cc_ref_api_host(r->domain) != NULL);

	struct cc_ref *again = NULL;
	if (cc_ref_parse(str, &again, &e) < 0) {
		fprintf(stderr, "fuzz: '%s' normalised to '%s', which does not parse: %s\n", s, str, e->msg);
		abort();
	}
	char *str2 = cc_ref_string(again);
	FUZZ_CHECK(str2 && strcmp(str, str2) == 0);
	/* the familiar name of the repository names the same repository */
	struct cc_ref *famref = NULL;
	if (cc_ref_parse(fam, &famref, &e) == 0) {
		char *repo2 = cc_ref_repo(famref);
		FUZZ_CHECK(repo2 && strcmp(repo, repo2) == 0);
		free(repo2);
		cc_ref_free(famref);
	} else {
		fprintf(stderr, "fuzz: familiar name '%s' of '%s' does not parse: %s\n", fam, repo, e->msg);
		abort();
	}
	free(str2);
	cc_ref_free(again);
	free(fam);
	free(repo);
	free(str);
	cc_ref_free(r);

	char **cand = cc_ref_candidates(s);
	FUZZ_CHECK(cand != NULL && cand[0] != NULL);
	for (char **c = cand; *c; c++)
		free(*c);
	free(cand);
}

static void platform(const char *s)
{
	struct cc_platform p;
	cc_error *e = NULL;
	if (cc_platform_parse(s, &p, &e) < 0) {
		FUZZ_CHECK(e != NULL && e->msg != NULL);
		cc_error_free(e);
		return;
	}
	FUZZ_CHECK(memchr(p.os, '\0', sizeof(p.os)) && memchr(p.arch, '\0', sizeof(p.arch)) &&
		   memchr(p.variant, '\0', sizeof(p.variant)));
}

static void challenge(const char *s)
{
	struct cc_challenge c = { 0 };
	cc_error *e = NULL;
	if (cc_challenge_parse(s, &c, &e) < 0) {
		FUZZ_CHECK(e != NULL && e->msg != NULL);
		cc_error_free(e);
	}
	cc_challenge_release(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > REF_MAX_INPUT)
		return 0;
	char *s = fuzz_cstr(data, size);
	reference(s);
	platform(s);
	challenge(s);
	free(s);
	return 0;
}
