/* libnftables, loaded on first use (see util/dl.h): with libnftnl,
 * libxtables and libgmp it costs about 0.6 ms at every start, and only
 * bridge networking needs it.  Each wrapper has libnftables' own
 * prototype and forwards to the resolved symbol. */
#include <nftables/libnftables.h>

#include "util/dl.h"

typedef struct nft_ctx N;

#define NFT_FUNCS(X)                                                                  \
	X(N *, nft_ctx_new, (uint32_t flags), (flags))                                 \
	X(void, nft_ctx_free, (N * c), (c))                                            \
	X(int, nft_ctx_buffer_output, (N * c), (c))                                    \
	X(int, nft_ctx_buffer_error, (N * c), (c))                                     \
	X(const char *, nft_ctx_get_error_buffer, (N * c), (c))                        \
	X(int, nft_run_cmd_from_buffer, (N * c, const char *buf), (c, buf))

enum {
#define IDX(ret, name, params, args) IDX_##name,
	NFT_FUNCS(IDX) N_SYMS
#undef IDX
};

static const char *const names[] = {
#define NAME(ret, name, params, args) #name,
	NFT_FUNCS(NAME)
#undef NAME
};

static void *syms[N_SYMS];
static int state;

int cc_dl_nftables(cc_error **err)
{
	return cc_dl_load("libnftables.so.1", names, syms, N_SYMS, &state, err);
}

static void need(void)
{
	cc_dl_need(cc_dl_nftables);
}

#define WRAP(ret, name, params, args)            \
	ret name params                           \
	{                                         \
		need();                           \
		ret(*fp) params;                  \
		*(void **)&fp = syms[IDX_##name]; \
		return fp args;                   \
	}
NFT_FUNCS(WRAP)
#undef WRAP
