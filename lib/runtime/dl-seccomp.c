/* libseccomp, loaded on first use (see util/dl.h): only compiling a seccomp
 * program needs it, and `run` finds the default profile's program in the
 * cache (seccomp-cache.c); loading it costs ~0.2 ms at every start.  Each
 * wrapper has libseccomp's own prototype and forwards to the resolved
 * symbol. */
#include <seccomp.h>

#include "util/dl-wrap.h"

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

CC_DL_LIBRARY(cc_dl_seccomp, "libseccomp.so.2", SECCOMP_FUNCS, CC_DL_NONE)
