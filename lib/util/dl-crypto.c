/* libcrypto, loaded on first use (see util/dl.h): loading it costs about
 * 1 ms at every start, and `run` of a stored image never hashes anything.
 * Each wrapper has OpenSSL's own prototype and forwards to the resolved
 * symbol. */
#include <openssl/evp.h>

#include "util/dl.h"

typedef EVP_MD_CTX C;
typedef unsigned char U;

#define CRYPTO_FUNCS(X)                                                                                  \
	X(C *, EVP_MD_CTX_new, (void), ())                                                                \
	X(void, EVP_MD_CTX_free, (C * c), (c))                                                            \
	X(const EVP_MD *, EVP_sha256, (void), ())                                                         \
	X(int, EVP_DigestInit_ex, (C * c, const EVP_MD *t, ENGINE *e), (c, t, e))                         \
	X(int, EVP_DigestUpdate, (C * c, const void *d, size_t n), (c, d, n))                             \
	X(int, EVP_DigestFinal_ex, (C * c, U *md, unsigned int *n), (c, md, n))                           \
	X(int, EVP_Digest, (const void *d, size_t n, U *md, unsigned int *mn, const EVP_MD *t, ENGINE *e), \
	  (d, n, md, mn, t, e))                                                                           \
	X(int, EVP_EncodeBlock, (U * t, const U *f, int n), (t, f, n))                                    \
	X(int, EVP_DecodeBlock, (U * t, const U *f, int n), (t, f, n))

enum {
#define IDX(ret, name, params, args) IDX_##name,
	CRYPTO_FUNCS(IDX) N_SYMS
#undef IDX
};

static const char *const names[] = {
#define NAME(ret, name, params, args) #name,
	CRYPTO_FUNCS(NAME)
#undef NAME
};

static void *syms[N_SYMS];
static int state;

int cc_dl_crypto(cc_error **err)
{
	return cc_dl_load("libcrypto.so.3", names, syms, N_SYMS, &state, err);
}

static void need(void)
{
	cc_dl_need(cc_dl_crypto);
}

#define WRAP(ret, name, params, args)            \
	ret name params                           \
	{                                         \
		need();                           \
		ret(*fp) params;                  \
		*(void **)&fp = syms[IDX_##name]; \
		return fp args;                   \
	}
CRYPTO_FUNCS(WRAP)
#undef WRAP
