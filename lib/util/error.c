#include "error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int error_vset(cc_error **err, int kind, int errnum, const char *fmt, va_list ap)
{
	int ret = errnum > 0 ? -errnum : -1;
	if (err == NULL || *err != NULL)
		return ret;
	cc_error *e = calloc(1, sizeof(*e));
	if (e == NULL)
		return ret;
	char *base = NULL;
	if (vasprintf(&base, fmt, ap) < 0)
		base = NULL;
	if (base != NULL && errnum > 0) {
		char *full = NULL;
		if (asprintf(&full, "%s: %s", base, strerror(errnum)) >= 0) {
			free(base);
			base = full;
		}
	}
	e->msg = base ? base : strdup("out of memory");
	e->errnum = errnum;
	e->kind = kind;
	*err = e;
	return ret;
}

int cc_error_set(cc_error **err, int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = error_vset(err, CC_ERR_GENERIC, errnum, fmt, ap);
	va_end(ap);
	return r;
}

int cc_error_setk(cc_error **err, int kind, int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = error_vset(err, kind, errnum, fmt, ap);
	va_end(ap);
	return r;
}

int cc_error_prefix(cc_error **err, const char *fmt, ...)
{
	if (err == NULL || *err == NULL)
		return -1;
	cc_error *e = *err;
	int ret = e->errnum > 0 ? -e->errnum : -1;
	char *pre = NULL, *full = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&pre, fmt, ap);
	va_end(ap);
	if (n < 0)
		return ret;
	if (asprintf(&full, "%s: %s", pre, e->msg) >= 0) {
		free(e->msg);
		e->msg = full;
	}
	free(pre);
	return ret;
}

void cc_error_free(cc_error *e)
{
	if (e == NULL)
		return;
	free(e->msg);
	free(e);
}

void cc_error_clear(cc_error **err)
{
	if (err == NULL)
		return;
	cc_error_free(*err);
	*err = NULL;
}

static void (*note_handler)(enum cc_note_level level, const char *msg);

void cc_set_note_handler(void (*handler)(enum cc_note_level level, const char *msg))
{
	note_handler = handler;
}

static void note(enum cc_note_level level, const char *fmt, va_list ap)
{
	char *msg = NULL;
	if (note_handler == NULL || vasprintf(&msg, fmt, ap) < 0)
		return;
	note_handler(level, msg);
	free(msg);
}

void cc_warnf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	note(CC_NOTE_WARNING, fmt, ap);
	va_end(ap);
}

void cc_debugf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	note(CC_NOTE_DEBUG, fmt, ap);
	va_end(ap);
}
