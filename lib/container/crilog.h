/* A container's log as its monitor and a foreground run write it (plain
 * libc: the monitor links it): containers/<id>/ctr.log in one of two
 * formats, one record a line.
 *
 * json-file (docker's default driver, and ours), one JSON object a line as
 * docker's jsonfilelog writes it:
 *     {"log":"<text>\n","stream":"stdout|stderr","time":"<RFC 3339 UTC, ns>"}
 * "log" is the line with its "\n"; a partial line (longer than
 * CC_CRILOG_LINE_MAX, or cut by the container's exit) has none, and the
 * next record of the stream continues it.  The text is escaped as docker
 * escapes it: '"' '\\' "\n" "\r", other control bytes and '<' '>' '&' as
 * \u00XX, U+2028/U+2029 as \u2028/\u2029, and each byte that is not
 * UTF-8 as \ufffd (U+FFFD).  The time is Go's RFC3339Nano (no trailing
 * zeros in the fraction).
 *
 * k8s-file (podman's, the CRI format):
 *     <RFC 3339 UTC time with nanoseconds> <stdout|stderr> <F|P> <text>
 * (P: a partial line that the next record of the stream continues).
 *
 * Both are rotated at max_size: ctr.log.K-1 becomes ctr.log.K ... ctr.log
 * becomes ctr.log.1 (the oldest of max_files in all goes; with one file the
 * log is cut) and a new ctr.log starts.  A record is one write(2) and never
 * split between files. */
#ifndef CC_CONTAINER_CRILOG_H
#define CC_CONTAINER_CRILOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CC_CRILOG_LINE_MAX (16 * 1024)

enum cc_log_format {
	CC_LOG_JSON, /* json-file: docker's JSON lines */
	CC_LOG_CRI,  /* k8s-file: CRI records */
};

struct cc_crilog_stream {
	char buf[CC_CRILOG_LINE_MAX]; /* the line so far */
	size_t len;
};

struct cc_crilog {
	int dirfd; /* the container's directory (not owned) */
	int fd;    /* ctr.log, or -1 */
	enum cc_log_format format;
	long long size, max_size; /* bytes in ctr.log; its cap (0: none) */
	int max_files;            /* >= 1 */
	struct cc_crilog_stream stream[2]; /* stdout, stderr */
};

/* The format of a --log-driver ("k8s-file": CRI; json-file, anything else
 * or NULL: JSON) and its name, as the monitor's argument carries it. */
enum cc_log_format cc_log_format_of(const char *driver);
const char *cc_log_format_name(enum cc_log_format f);

/* write(2) until all of p is written or an error other than EINTR:
 * how much was written (plain libc; the monitor's too). */
size_t cc_write_full(int fd, const char *p, size_t n);
/* Open (append to) dirfd's ctr.log.  0, or -errno (the log stays closed;
 * writing tries again). */
int cc_crilog_open(struct cc_crilog *l, int dirfd, enum cc_log_format format, long long max_size, int max_files);
/* Bytes of the container's fd (1: stdout, 2: stderr): whole lines become
 * records, the rest waits for its line's end.  A pty's "\r\n" ends a line
 * (the "\r" is not logged). */
void cc_crilog_write(struct cc_crilog *l, int fd, const char *data, size_t n);
/* What a stream holds of an unfinished line, as a partial record. */
void cc_crilog_flush(struct cc_crilog *l, int fd);
void cc_crilog_close(struct cc_crilog *l);

/* ---- docker's JSON lines ---- */

/* The most p[0..n) escapes to (6 bytes a byte: \u00XX, \ufffd). */
#define CC_JSONLOG_ESCAPED_MAX(n) ((n) * 6)
/* p[0..n) as the inside of a JSON string, docker's escaping (above), into
 * out (room for CC_JSONLOG_ESCAPED_MAX(n)); the length written. */
size_t cc_jsonlog_escape(const char *p, size_t n, char *out);
/* A time as Go's RFC3339Nano in UTC ("2026-12-06T03:54:44.12345Z": the
 * fraction without trailing zeros, none when 0), or with fixed = true
 * always nine digits (docker's `logs -t`).  NUL-terminated; its length,
 * 0 when it does not fit (out of 40 bytes always does). */
size_t cc_log_time_format(int64_t sec, long nsec, bool fixed, char *out, size_t outlen);

/* One line of a json-file log (without its "\n"), parsed. */
struct cc_jsonlog_rec {
	int fd;          /* 1: stdout, 2: stderr */
	size_t log_len;  /* the decoded "log" in out */
	bool partial;    /* "log" does not end with "\n": the next record continues it */
	char time[64];   /* "time", NUL-terminated */
};

/* Parse line[0..n): a JSON object with "stream" ("stdout" or "stderr"),
 * "time" (a string) and optionally "log" (a string, decoded into out,
 * which has room for n bytes: decoding never grows); other members are
 * skipped (nesting up to 32 deep).  0, or -1 when it is not such a record
 * (malformed JSON, a missing or odd member, bytes after the object). */
int cc_jsonlog_parse(const char *line, size_t n, char *out, struct cc_jsonlog_rec *rec);

#endif
