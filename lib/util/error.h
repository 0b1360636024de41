/* ccontainer error model.
 *
 * Every fallible function returns int (0 on success, negative on failure)
 * and takes `cc_error **err` as its last argument.  On failure it stores one
 * heap-allocated cc_error there (what failed, on what, why) and returns the
 * negative value that cc_error_set() produced.  Only cmd/ prints errors and
 * picks exit codes; lib/ never exits and never prints: it reports warnings
 * through cc_warnf, which cmd/ prints.
 */
#ifndef CC_UTIL_ERROR_H
#define CC_UTIL_ERROR_H

#include <stdarg.h>

typedef struct cc_error {
	int errnum;  /* errno value, or 0 for errors the code made up */
	int kind;    /* CC_ERR_* category, lets cmd/ choose an exit code */
	char *msg;   /* one line, lowercase, no trailing period */
} cc_error;

enum {
	CC_ERR_GENERIC = 0,
	CC_ERR_NOT_FOUND,     /* unknown image, tag, container */
	CC_ERR_AUTH,          /* unauthorized / denied */
	CC_ERR_NETWORK,       /* connection, timeout */
	CC_ERR_VERIFY,        /* digest or size mismatch */
	CC_ERR_INVALID,       /* bad user input */
	CC_ERR_IN_USE,        /* object is referenced */
	CC_ERR_EXEC_NOTFOUND, /* container command not found: 127 */
	CC_ERR_EXEC_PERM,     /* container command not executable: 126 */
};

/* Store a new error in *err (if err is non-NULL and *err is NULL) and return
 * a negative value (-errnum, or -1 when errnum is 0). */
int cc_error_set(cc_error **err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Same, with a category. */
int cc_error_setk(cc_error **err, int kind, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Prepend "context: " to an existing error; returns the error's negative value. */
int cc_error_prefix(cc_error **err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void cc_error_free(cc_error *e);
/* Free *err and set it to NULL. */
void cc_error_clear(cc_error **err);

/* What went wrong beside an action that still succeeded (a cgroup that
 * could not be removed after a container's exit, a sweep that failed):
 * lib/ reports it here and goes on; the handler cmd/ sets prints it
 * ("Warning: ..."; debug: only with --debug).  Without a handler nothing
 * is said.  One line, as an error's message. */
enum cc_note_level { CC_NOTE_DEBUG, CC_NOTE_WARNING };
void cc_set_note_handler(void (*handler)(enum cc_note_level level, const char *msg));
void cc_warnf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cc_debugf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
