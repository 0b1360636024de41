/* libcrypto, loaded on first use (see util/dl.h): loading it costs about
 * 1 ms at every start, and `run` of a stored image never hashes anything.
 * Each wrapper has OpenSSL's own prototype and forwards to the resolved
 * symbol. */
#include <openssl/evp.h>

#include "util/dl-wrap.h"

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

CC_DL_LIBRARY(cc_dl_crypto, "libcrypto.so.3", CRYPTO_FUNCS, CC_DL_NONE)
