/* libseccomp, loaded on first use (see util/dl.h): only compiling a seccomp
 * program needs it, and `run` finds the default profile's program in the
 * cache (seccomp-cache.c); loading it costs ~0.2 ms at every start.  Each
 * wrapper has libseccomp's own prototype and forwards to the resolved
 * symbol. */
#include <seccomp.h>

#include "util/dl.h"

typedef scmp_filter_ctx F;
typedef const struct scmp_arg_cmp A;

#define SECCOMP_FUNCS(X)                                                                               \
	X(const struct scmp_version *, seccomp_version, (void), ())                                     \
	X(F, seccomp_init, (uint32_t a), (a))                                                           \
	X(void, seccomp_release, (F c), (c))                                                            \
	X(uint32_t, seccomp_arch_native, (void), ())                                                    \
	X(int, seccomp_arch_add, (F c, uint32_t a), (c, a))                                             \
	X(int, seccomp_attr_set, (F c, enum scmp_filter_attr t, uint32_t v), (c, t, v))                 \
	X(int, seccomp_syscall_resolve_name_arch, (uint32_t a, const char *n), (a, n))                   \
	X(int, seccomp_syscall_resolve_name, (const char *n), (n))                                      \
	X(int, seccomp_rule_add_array, (F c, uint32_t a, int s, unsigned int n, A *v), (c, a, s, n, v)) \
	X(int, seccomp_export_bpf, (const F c, int fd), (c, fd))

enum {
#define IDX(ret, name, params, args) IDX_##name,
	SECCOMP_FUNCS(IDX) N_SYMS
#undef IDX
};

static const char *const names[] = {
#define NAME(ret, name, params, args) #name,
	SECCOMP_FUNCS(NAME)
#undef NAME
};

static void *syms[N_SYMS];
static int state;

int cc_dl_seccomp(cc_error **err)
{
	return cc_dl_load("libseccomp.so.2", names, syms, N_SYMS, &state, err);
}

static void need(void)
{
	cc_dl_need(cc_dl_seccomp);
}

#define WRAP(ret, name, params, args)            \
	ret name params                           \
	{                                         \
		need();                           \
		ret(*fp) params;                  \
		*(void **)&fp = syms[IDX_##name]; \
		return fp args;                   \
	}
SECCOMP_FUNCS(WRAP)
#undef WRAP
