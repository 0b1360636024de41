#include "strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool grow(struct cc_strbuf *sb, size_t more)
{
	if (sb->oom)
		return false;
	if (sb->len + more + 1 <= sb->cap)
		return true;
	size_t cap = sb->cap ? sb->cap : 64;
	while (cap < sb->len + more + 1) {
		if (cap > ((size_t)-1) / 2) {
			sb->oom = true;
			return false;
		}
		cap *= 2;
	}
	char *nb = realloc(sb->buf, cap);
	if (nb == NULL) {
		sb->oom = true;
		return false;
	}
	sb->buf = nb;
	sb->cap = cap;
	return true;
}

void cc_strbuf_add(struct cc_strbuf *sb, const char *s, size_t n)
{
	if (!grow(sb, n))
		return;
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void cc_strbuf_addf(struct cc_strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		sb->oom = true;
		return;
	}
	if (!grow(sb, (size_t)n))
		return;
	va_start(ap, fmt);
	(void)vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

char *cc_strbuf_steal(struct cc_strbuf *sb)
{
	char *out = sb->oom ? NULL : sb->buf != NULL ? sb->buf : strdup("");
	if (sb->oom)
		free(sb->buf);
	*sb = (struct cc_strbuf){ 0 };
	return out;
}

void cc_strbuf_release(struct cc_strbuf *sb)
{
	free(sb->buf);
	*sb = (struct cc_strbuf){ 0 };
}
