/* The common part of a lazily loaded library's wrappers (see dl.h), for
 * the lib/ files that wrap one:
 *
 *   #define FOO_FUNCS(X) X(int, foo_open, (const char *p), (p)) ...
 *   #define FOO_BY_HAND(X) X(foo_printf)      (or CC_DL_NONE)
 *   CC_DL_LIBRARY(cc_dl_foo, "libfoo.so.1", FOO_FUNCS, FOO_BY_HAND)
 *
 * defines the symbol table, the loader cc_dl_foo() and, for every entry
 * of FOO_FUNCS, a function with the library's own name and prototype that
 * loads the library if need be and forwards to it.  Symbols listed in the
 * last argument are resolved too, for wrappers the file writes itself
 * (variadic ones), with dl_need() and dl_syms[IDX_name]. */
#ifndef CC_UTIL_DL_WRAP_H
#define CC_UTIL_DL_WRAP_H

#include "util/dl.h"

#define CC_DL_NONE(X)

#define CC_DL_IDX_(ret, name, params, args) IDX_##name,
#define CC_DL_NAME_(ret, name, params, args) #name,
#define CC_DL_XIDX_(name) IDX_##name,
#define CC_DL_XNAME_(name) #name,
#define CC_DL_WRAP_(ret, name, params, args)   \
	ret name params                         \
	{                                       \
		dl_need();                      \
		ret(*fp) params;                \
		*(void **)&fp = dl_syms[IDX_##name]; \
		return fp args;                 \
	}

#define CC_DL_LIBRARY(LOADER, SONAME, FUNCS, BY_HAND)                                       \
	enum { FUNCS(CC_DL_IDX_) BY_HAND(CC_DL_XIDX_) N_SYMS };                               \
	static const char *const dl_names[] = { FUNCS(CC_DL_NAME_) BY_HAND(CC_DL_XNAME_) };    \
	static void *dl_syms[N_SYMS];                                                         \
	static int dl_state;                                                                  \
	int LOADER(cc_error **err)                                                            \
	{                                                                                     \
		return cc_dl_load(SONAME, dl_names, dl_syms, N_SYMS, &dl_state, err);         \
	}                                                                                     \
	static void dl_need(void)                                                             \
	{                                                                                     \
		cc_dl_need(LOADER);                                                           \
	}                                                                                     \
	FUNCS(CC_DL_WRAP_)

#endif
