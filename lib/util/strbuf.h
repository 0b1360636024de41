/* A growing string (git's strbuf): for lists of any length, never a fixed
 * buffer that cuts them off.  Out of memory sticks: every later call is a
 * no-op and cc_strbuf_steal returns NULL. */
#ifndef CC_UTIL_STRBUF_H
#define CC_UTIL_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

struct cc_strbuf {
	char *buf;  /* NUL-terminated once anything was added; may be NULL */
	size_t len, cap;
	bool oom;
};

void cc_strbuf_add(struct cc_strbuf *sb, const char *s, size_t n);
void cc_strbuf_addf(struct cc_strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The string ("" when nothing was added), owned by the caller; NULL when
 * memory ran out.  sb is empty afterwards. */
char *cc_strbuf_steal(struct cc_strbuf *sb);
void cc_strbuf_release(struct cc_strbuf *sb);

#endif
