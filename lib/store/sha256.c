#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "store.h"
#include "util/util.h"

struct cc_sha256 {
	EVP_MD_CTX *ctx;
};

struct cc_sha256 *cc_sha256_new(void)
{
	struct cc_sha256 *h = calloc(1, sizeof(*h));
	if (h == NULL)
		return NULL;
	h->ctx = EVP_MD_CTX_new();
	if (h->ctx == NULL || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(h->ctx);
		free(h);
		return NULL;
	}
	return h;
}

void cc_sha256_update(struct cc_sha256 *h, const void *data, size_t len)
{
	if (len > 0)
		(void)EVP_DigestUpdate(h->ctx, data, len); /* cannot fail for sha256 in memory */
}

void cc_sha256_final(struct cc_sha256 *h, char out[72])
{
	unsigned char md[32];
	unsigned int n = 0;
	static const char hex[] = "0123456789abcdef";
	(void)EVP_DigestFinal_ex(h->ctx, md, &n);
	memcpy(out, "sha256:", 7);
	for (int i = 0; i < 32; i++) {
		out[7 + 2 * i] = hex[md[i] >> 4];
		out[8 + 2 * i] = hex[md[i] & 15];
	}
	out[71] = '\0';
	cc_sha256_free(h);
}

void cc_sha256_free(struct cc_sha256 *h)
{
	if (h == NULL)
		return;
	EVP_MD_CTX_free(h->ctx);
	free(h);
}

void cc_sha256_digest(const void *data, size_t len, char out[72])
{
	struct cc_sha256 *h = cc_sha256_new();
	if (h == NULL) {
		out[0] = '\0';
		return;
	}
	cc_sha256_update(h, data, len);
	cc_sha256_final(h, out);
}

bool cc_digest_valid(const char *digest)
{
	return digest != NULL && strncmp(digest, "sha256:", 7) == 0 && strlen(digest) == 71 &&
	       cc_is_hex(digest + 7, 64);
}
