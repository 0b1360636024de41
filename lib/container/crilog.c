/* The container's log, in docker's JSON lines or CRI records (crilog.h).
 * Plain libc. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crilog.h"

size_t cc_write_full(int fd, const char *p, size_t n)
{
	size_t done = 0;
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		p += w;
		n -= (size_t)w;
		done += (size_t)w;
	}
	return done;
}

static int open_current(struct cc_crilog *l)
{
	struct stat st;
	l->fd = openat(l->dirfd, "ctr.log", O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (l->fd < 0)
		return -errno;
	l->size = fstat(l->fd, &st) == 0 ? st.st_size : 0;
	return 0;
}

enum cc_log_format cc_log_format_of(const char *driver)
{
	return driver != NULL && strcmp(driver, "k8s-file") == 0 ? CC_LOG_CRI : CC_LOG_JSON;
}

const char *cc_log_format_name(enum cc_log_format f)
{
	return f == CC_LOG_CRI ? "k8s-file" : "json-file";
}

int cc_crilog_open(struct cc_crilog *l, int dirfd, enum cc_log_format format, long long max_size, int max_files)
{
	memset(l, 0, sizeof(*l));
	l->dirfd = dirfd;
	l->format = format;
	l->fd = -1;
	l->max_size = max_size > 0 ? max_size : 0;
	l->max_files = max_files >= 1 ? max_files : 1;
	return open_current(l);
}

/* The oldest file goes first and ctr.log last, so a follower (logs -f)
 * finds the file after its own just below its own's name. */
static void rotate(struct cc_crilog *l)
{
	char from[32], to[32];
	if (l->max_files > 1) {
		snprintf(to, sizeof(to), "ctr.log.%d", l->max_files - 1);
		(void)unlinkat(l->dirfd, to, 0);
		for (int k = l->max_files - 1; k >= 1; k--) {
			if (k == 1)
				snprintf(from, sizeof(from), "ctr.log");
			else
				snprintf(from, sizeof(from), "ctr.log.%d", k - 1);
			snprintf(to, sizeof(to), "ctr.log.%d", k);
			(void)renameat(l->dirfd, from, l->dirfd, to);
		}
	} else {
		(void)unlinkat(l->dirfd, "ctr.log", 0);
	}
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	(void)open_current(l);
}

size_t cc_log_time_format(int64_t sec, long nsec, bool fixed, char *out, size_t outlen)
{
	struct tm tm;
	time_t t = (time_t)sec;
	if (outlen == 0 || gmtime_r(&t, &tm) == NULL)
		return 0;
	size_t h = strftime(out, outlen, "%Y-%m-%dT%H:%M:%S", &tm);
	if (h == 0)
		return 0;
	char frac[16];
	int fl = 0;
	if (fixed || nsec != 0) {
		fl = snprintf(frac, sizeof(frac), ".%09ld", nsec);
		while (!fixed && fl > 1 && frac[fl - 1] == '0')
			fl--;
	}
	if (h + (size_t)fl + 2 > outlen)
		return 0;
	memcpy(out + h, frac, (size_t)fl);
	h += (size_t)fl;
	out[h++] = 'Z';
	out[h] = '\0';
	return h;
}

/* The length of the UTF-8 sequence at s[0..n) as Go's utf8.DecodeRune
 * takes it (no overlong forms, no surrogates, nothing past U+10FFFF); 0
 * when it is not one. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char b = s[0];
	size_t len;
	unsigned char lo = 0x80, hi = 0xBF;
	if (b < 0x80)
		return 1;
	if (b >= 0xC2 && b <= 0xDF)
		len = 2;
	else if (b >= 0xE0 && b <= 0xEF)
		len = 3;
	else if (b >= 0xF0 && b <= 0xF4)
		len = 4;
	else
		return 0;
	if (b == 0xE0)
		lo = 0xA0;
	else if (b == 0xED)
		hi = 0x9F;
	else if (b == 0xF0)
		lo = 0x90;
	else if (b == 0xF4)
		hi = 0x8F;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return len;
}

size_t cc_jsonlog_escape(const char *p, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)p;
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		unsigned char b = s[i];
		if (b < 0x80) {
			if (b >= 0x20 && b != '\\' && b != '"' && b != '<' && b != '>' && b != '&') {
				out[o++] = (char)b;
			} else if (b == '\\' || b == '"') {
				out[o++] = '\\';
				out[o++] = (char)b;
			} else if (b == '\n' || b == '\r') {
				out[o++] = '\\';
				out[o++] = b == '\n' ? 'n' : 'r';
			} else {
				memcpy(out + o, "\\u00", 4);
				out[o + 4] = hex[b >> 4];
				out[o + 5] = hex[b & 0xF];
				o += 6;
			}
			i++;
			continue;
		}
		size_t len = utf8_seq(s + i, n - i);
		if (len == 0) {
			memcpy(out + o, "\\ufffd", 6);
			o += 6;
			i++;
		} else if (len == 3 && b == 0xE2 && s[i + 1] == 0x80 && (s[i + 2] == 0xA8 || s[i + 2] == 0xA9)) {
			/* U+2028, U+2029: line separators to JavaScript */
			memcpy(out + o, s[i + 2] == 0xA8 ? "\\u2028" : "\\u2029", 6);
			o += 6;
			i += 3;
		} else {
			memcpy(out + o, s + i, len);
			o += len;
			i += len;
		}
	}
	return o;
}

/* Room for the longest record of either format. */
#define REC_HEAD_MAX 128
#define REC_MAX (CC_JSONLOG_ESCAPED_MAX(CC_CRILOG_LINE_MAX) + 2 * REC_HEAD_MAX)

static void record(struct cc_crilog *l, int fd, const char *text, size_t n, bool partial)
{
	struct timespec ts;
	char tbuf[64];
	/* one write per record: readers never see half a line from us */
	static char rec[REC_MAX];
	const char *stream = fd == 2 ? "stderr" : "stdout";
	size_t len;
	if (n > CC_CRILOG_LINE_MAX)
		n = CC_CRILOG_LINE_MAX; /* never: the streams hold no more */
	clock_gettime(CLOCK_REALTIME, &ts);
	if (l->format == CC_LOG_CRI) {
		size_t tl = cc_log_time_format(ts.tv_sec, ts.tv_nsec, true, tbuf, sizeof(tbuf));
		int h = snprintf(rec, REC_HEAD_MAX, "%.*s %s %c ", (int)tl, tbuf, stream, partial ? 'P' : 'F');
		if (h < 0 || h >= REC_HEAD_MAX)
			return;
		len = (size_t)h;
		memcpy(rec + len, text, n);
		len += n;
	} else {
		size_t tl = cc_log_time_format(ts.tv_sec, ts.tv_nsec, false, tbuf, sizeof(tbuf));
		memcpy(rec, "{\"log\":\"", 8);
		len = 8 + cc_jsonlog_escape(text, n, rec + 8);
		int t = snprintf(rec + len, REC_MAX - len, "%s\",\"stream\":\"%s\",\"time\":\"%.*s\"}", partial ? "" : "\\n",
				 stream, (int)tl, tbuf);
		if (t < 0 || (size_t)t >= REC_MAX - len)
			return;
		len += (size_t)t;
	}
	rec[len++] = '\n';
	if (l->max_size > 0 && l->size > 0 && l->size + (long long)len > l->max_size)
		rotate(l);
	if (l->fd < 0)
		(void)open_current(l); /* a rotation that could not make the new file: try again */
	if (l->fd >= 0)
		l->size += (long long)cc_write_full(l->fd, rec, len);
}

void cc_crilog_write(struct cc_crilog *l, int fd, const char *data, size_t n)
{
	struct cc_crilog_stream *s = &l->stream[fd == 2];
	for (size_t i = 0; i < n; i++) {
		char c = data[i];
		if (c == '\n') {
			size_t len = s->len;
			if (len > 0 && s->buf[len - 1] == '\r') /* pty line endings */
				len--;
			record(l, fd, s->buf, len, false);
			s->len = 0;
			continue;
		}
		if (s->len == sizeof(s->buf)) {
			record(l, fd, s->buf, s->len, true);
			s->len = 0;
		}
		s->buf[s->len++] = c;
	}
}

void cc_crilog_flush(struct cc_crilog *l, int fd)
{
	struct cc_crilog_stream *s = &l->stream[fd == 2];
	if (s->len > 0)
		record(l, fd, s->buf, s->len, true);
	s->len = 0;
}

void cc_crilog_close(struct cc_crilog *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
}

/* ---- reading docker's JSON lines ---- */

#define JSON_DEPTH_MAX 32

struct jp {
	const char *p, *end;
};

static void jp_ws(struct jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\r' || *j->p == '\n'))
		j->p++;
}

static int hex4(const char *p, unsigned *v)
{
	unsigned r = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		unsigned d;
		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return -1;
		r = r << 4 | d;
	}
	*v = r;
	return 0;
}

/* Append bytes to out (room for cap; NULL: only counted). */
static void put(char *out, size_t cap, size_t *len, const char *p, size_t n)
{
	if (out != NULL && *len + n <= cap)
		memcpy(out + *len, p, n);
	*len += n;
}

static size_t utf8_encode(unsigned c, char *o)
{
	if (c < 0x80) {
		o[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		o[0] = (char)(0xC0 | c >> 6);
		o[1] = (char)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c < 0x10000) {
		o[0] = (char)(0xE0 | c >> 12);
		o[1] = (char)(0x80 | (c >> 6 & 0x3F));
		o[2] = (char)(0x80 | (c & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | c >> 18);
	o[1] = (char)(0x80 | (c >> 12 & 0x3F));
	o[2] = (char)(0x80 | (c >> 6 & 0x3F));
	o[3] = (char)(0x80 | (c & 0x3F));
	return 4;
}

/* A string at j->p (its '"'), decoded into out (room for cap; the decoded
 * length in *len even past cap; out NULL: skipped).  0, or -1 when it is
 * malformed.  An escape decodes to no more bytes than it takes; a lone
 * surrogate is U+FFFD, as Go decodes it. */
static int jp_string(struct jp *j, char *out, size_t cap, size_t *len)
{
	*len = 0;
	if (j->p >= j->end || *j->p != '"')
		return -1;
	j->p++;
	while (j->p < j->end) {
		const char *q = j->p;
		while (q < j->end && *q != '"' && *q != '\\' && (unsigned char)*q >= 0x20)
			q++;
		put(out, cap, len, j->p, (size_t)(q - j->p));
		j->p = q;
		if (q == j->end || (unsigned char)*q < 0x20)
			return -1;
		if (*q == '"') {
			j->p++;
			return 0;
		}
		/* an escape */
		if (j->end - q < 2)
			return -1;
		char c = q[1], e;
		j->p = q + 2;
		switch (c) {
		case '"': case '\\': case '/': e = c; break;
		case 'b': e = '\b'; break;
		case 'f': e = '\f'; break;
		case 'n': e = '\n'; break;
		case 'r': e = '\r'; break;
		case 't': e = '\t'; break;
		case 'u': {
			unsigned u, lo;
			if (j->end - j->p < 4 || hex4(j->p, &u) < 0)
				return -1;
			j->p += 4;
			if (u >= 0xD800 && u <= 0xDBFF && j->end - j->p >= 6 && j->p[0] == '\\' && j->p[1] == 'u' &&
			    hex4(j->p + 2, &lo) == 0 && lo >= 0xDC00 && lo <= 0xDFFF) {
				u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
				j->p += 6;
			} else if (u >= 0xD800 && u <= 0xDFFF) {
				u = 0xFFFD;
			}
			char enc[4];
			put(out, cap, len, enc, utf8_encode(u, enc));
			continue;
		}
		default:
			return -1;
		}
		put(out, cap, len, &e, 1);
	}
	return -1;
}

static int jp_value(struct jp *j, int depth);

/* An object or an array at j->p, skipped. */
static int jp_container(struct jp *j, int depth)
{
	char close = *j->p == '{' ? '}' : ']';
	bool object = close == '}';
	size_t len;
	if (depth >= JSON_DEPTH_MAX)
		return -1;
	j->p++;
	jp_ws(j);
	if (j->p < j->end && *j->p == close) {
		j->p++;
		return 0;
	}
	for (;;) {
		if (object) {
			if (jp_string(j, NULL, 0, &len) < 0)
				return -1;
			jp_ws(j);
			if (j->p >= j->end || *j->p != ':')
				return -1;
			j->p++;
		}
		if (jp_value(j, depth + 1) < 0)
			return -1;
		jp_ws(j);
		if (j->p >= j->end)
			return -1;
		if (*j->p == close) {
			j->p++;
			return 0;
		}
		if (*j->p != ',')
			return -1;
		j->p++;
	}
}

/* Any value at j->p (after white space), skipped. */
static int jp_value(struct jp *j, int depth)
{
	size_t len;
	jp_ws(j);
	if (j->p >= j->end)
		return -1;
	char c = *j->p;
	if (c == '"')
		return jp_string(j, NULL, 0, &len);
	if (c == '{' || c == '[')
		return jp_container(j, depth);
	/* a number or a literal: taken loosely (the value is not used) */
	const char *start = j->p;
	while (j->p < j->end && strchr("+-.0123456789eEabcdfhilnorstuE", *j->p) != NULL && *j->p != '\0')
		j->p++;
	return j->p > start ? 0 : -1;
}

int cc_jsonlog_parse(const char *line, size_t n, char *out, struct cc_jsonlog_rec *rec)
{
	struct jp j = { line, line + n };
	bool have_stream = false, have_time = false;
	memset(rec, 0, sizeof(*rec));
	jp_ws(&j);
	if (j.p >= j.end || *j.p != '{')
		return -1;
	j.p++;
	jp_ws(&j);
	if (j.p < j.end && *j.p == '}') {
		return -1; /* no members: no stream */
	}
	for (;;) {
		char key[8];
		size_t klen, len;
		jp_ws(&j);
		if (jp_string(&j, key, sizeof(key), &klen) < 0)
			return -1;
		jp_ws(&j);
		if (j.p >= j.end || *j.p != ':')
			return -1;
		j.p++;
		jp_ws(&j);
		if (klen == 3 && memcmp(key, "log", 3) == 0) {
			if (jp_string(&j, out, n, &len) < 0 || len > n)
				return -1;
			rec->log_len = len;
		} else if (klen == 6 && memcmp(key, "stream", 6) == 0) {
			char st[8];
			if (jp_string(&j, st, sizeof(st), &len) < 0 || len != 6)
				return -1;
			if (memcmp(st, "stdout", 6) == 0)
				rec->fd = 1;
			else if (memcmp(st, "stderr", 6) == 0)
				rec->fd = 2;
			else
				return -1;
			have_stream = true;
		} else if (klen == 4 && memcmp(key, "time", 4) == 0) {
			if (jp_string(&j, rec->time, sizeof(rec->time) - 1, &len) < 0 || len == 0 ||
			    len >= sizeof(rec->time) || memchr(rec->time, '\0', len) != NULL)
				return -1;
			rec->time[len] = '\0';
			have_time = true;
		} else if (jp_value(&j, 1) < 0) {
			return -1;
		}
		jp_ws(&j);
		if (j.p >= j.end)
			return -1;
		if (*j.p == '}') {
			j.p++;
			break;
		}
		if (*j.p != ',')
			return -1;
		j.p++;
	}
	jp_ws(&j);
	if (j.p != j.end || !have_stream || !have_time)
		return -1;
	rec->partial = rec->log_len == 0 || out[rec->log_len - 1] != '\n';
	return 0;
}
