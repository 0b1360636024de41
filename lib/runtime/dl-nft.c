/* libnftables, loaded on first use (see util/dl.h): with libnftnl,
 * libxtables and libgmp it costs about 0.6 ms at every start, and only
 * bridge networking needs it.  Each wrapper has libnftables' own
 * prototype and forwards to the resolved symbol. */
#include <nftables/libnftables.h>

#include "util/dl-wrap.h"

typedef struct nft_ctx N;

#define NFT_FUNCS(X)                                                                  \
	X(N *, nft_ctx_new, (uint32_t flags), (flags))                                 \
	X(void, nft_ctx_free, (N * c), (c))                                            \
	X(int, nft_ctx_buffer_output, (N * c), (c))                                    \
	X(int, nft_ctx_buffer_error, (N * c), (c))                                     \
	X(const char *, nft_ctx_get_error_buffer, (N * c), (c))                        \
	X(int, nft_run_cmd_from_buffer, (N * c, const char *buf), (c, buf))

CC_DL_LIBRARY(cc_dl_nftables, "libnftables.so.1", NFT_FUNCS, CC_DL_NONE)
