/* Lazy loading of shared libraries that only some commands need.
 *
 * libcurl and libarchive (with their dependency chains) cost ~6 ms of
 * dynamic loading at every start, libcrypto ~1 ms, libnftables ~0.6 ms,
 * libseccomp ~0.2 ms, libmnl ~0.08 ms (libfyaml: only compose), yet `run` of a stored image
 * without a bridge touches none of them.  They are dlopen()ed on first use
 * instead, as systemd does for optional libraries; the wrappers keep the
 * libraries' own names and prototypes, so the code using them reads as
 * usual.  (sqlite and jansson, which every command needs, are linked
 * statically instead: see the Makefile.) */
#ifndef CC_UTIL_DL_H
#define CC_UTIL_DL_H

#include "error.h"

/* Load a library and resolve its symbols once (thread-safe).  syms[i] is
 * filled with the address of names[i]. */
int cc_dl_load(const char *soname, const char *const *names, void **syms, int n, int *state, cc_error **err);

/* For the wrappers: load, or abort with one line.  Reaching a wrapper
 * without the loader having run is a bug in ccontainer, not a user error. */
void cc_dl_need(int (*load)(cc_error **err));

/* The modules' loaders: call before the first use (idempotent). */
int cc_dl_curl(cc_error **err);
int cc_dl_archive(cc_error **err);
int cc_dl_crypto(cc_error **err);
int cc_dl_nftables(cc_error **err);
int cc_dl_seccomp(cc_error **err);
int cc_dl_mnl(cc_error **err);
int cc_dl_fyaml(cc_error **err); /* lib/compose: libfyaml.so.0 */

#endif
