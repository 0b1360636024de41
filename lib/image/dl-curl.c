/* libcurl, loaded on first use (see util/dl.h).  Each wrapper has libcurl's
 * own prototype and forwards to the resolved symbol. */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/dl-wrap.h"

#define CURL_FUNCS(X)                                                                           \
	X(CURLcode, curl_global_init, (long flags), (flags))                                     \
	X(CURLSH *, curl_share_init, (void), ())                                                 \
	X(CURLSHcode, curl_share_cleanup, (CURLSH * sh), (sh))                                   \
	X(CURL *, curl_easy_init, (void), ())                                                    \
	X(CURLcode, curl_easy_perform, (CURL * c), (c))                                          \
	X(void, curl_easy_cleanup, (CURL * c), (c))                                              \
	X(const char *, curl_easy_strerror, (CURLcode code), (code))                             \
	X(struct curl_slist *, curl_slist_append, (struct curl_slist * l, const char *s), (l, s)) \
	X(void, curl_slist_free_all, (struct curl_slist * l), (l))                               \
	X(char *, curl_easy_escape, (CURL * c, const char *s, int n), (c, s, n))                 \
	X(void, curl_free, (void *p), (p))

/* variadic: wrapped by hand below */
#define VAR_FUNCS(X) X(curl_easy_setopt) X(curl_easy_getinfo) X(curl_share_setopt)

CC_DL_LIBRARY(cc_dl_curl, "libcurl.so.4", CURL_FUNCS, VAR_FUNCS)

/* The variadic ones take exactly one argument whose type the option encodes. */
CURLcode curl_easy_setopt(CURL *c, CURLoption opt, ...)
{
	dl_need();
	va_list ap;
	va_start(ap, opt);
	CURLcode (*fp)(CURL *, CURLoption, ...);
	*(void **)&fp = dl_syms[IDX_curl_easy_setopt];
	CURLcode r;
	/* longs below 10000, curl_off_t in 30000..39999; objects, function
	 * pointers and blobs are all pointer-sized (POSIX requires function
	 * pointers to convert to void * and back). */
	if (opt < CURLOPTTYPE_OBJECTPOINT)
		r = fp(c, opt, va_arg(ap, long));
	else if (opt >= CURLOPTTYPE_OFF_T && opt < CURLOPTTYPE_BLOB)
		r = fp(c, opt, va_arg(ap, curl_off_t));
	else
		r = fp(c, opt, va_arg(ap, void *));
	va_end(ap);
	return r;
}

CURLcode curl_easy_getinfo(CURL *c, CURLINFO info, ...)
{
	dl_need();
	va_list ap;
	va_start(ap, info);
	CURLcode (*fp)(CURL *, CURLINFO, ...);
	*(void **)&fp = dl_syms[IDX_curl_easy_getinfo];
	CURLcode r = fp(c, info, va_arg(ap, void *));
	va_end(ap);
	return r;
}

CURLSHcode curl_share_setopt(CURLSH *sh, CURLSHoption opt, ...)
{
	dl_need();
	va_list ap;
	va_start(ap, opt);
	CURLSHcode (*fp)(CURLSH *, CURLSHoption, ...);
	*(void **)&fp = dl_syms[IDX_curl_share_setopt];
	CURLSHcode r;
	if (opt == CURLSHOPT_SHARE || opt == CURLSHOPT_UNSHARE)
		r = fp(sh, opt, va_arg(ap, int));
	else
		r = fp(sh, opt, va_arg(ap, void *));
	va_end(ap);
	return r;
}
