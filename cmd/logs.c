/* ccontainer logs, and the log options of run (--log-driver, --log-opt).
 *
 * A detached container's monitor writes containers/<id>/ctr.log, one
 * record per line: docker's JSON lines for json-file
 * ({"log":"<text>\n","stream":"stdout","time":"..."}), CRI records for
 * k8s-file ("<time> <stdout|stderr> <F|P> <text>"); each line is read as
 * what it looks like (JSON when it starts with '{'), so a log written
 * before json-file had its own format still reads.  With --log-opt
 * max-size the monitor rotates it: ctr.log.1 is the newest file rotated out,
 * ctr.log.<max-file - 1> the oldest (docs/ARCHITECTURE.md).  `logs` reads
 * them in bounded memory whatever their size: the files are streamed in
 * chunks, --tail N scans backwards from the end in chunks for N lines, and
 * -f follows ctr.log across rotations.  A record's text goes to fd 1 or 2
 * with write(2), in the order of the log: no stdio buffer holds stdout
 * back while stderr goes out. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <linux/kcmp.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "container/crilog.h"
#include "container/monitor.h"

#define LOG_CHUNK (64 * 1024)
/* "<time> <stream> <tag> ": a line whose first 128 bytes hold no such head
 * is not a record (the monitor's time stamps are 30 bytes) */
#define LOG_HEAD_MAX 128
/* A JSON line longer than this is not a record (the monitor's longest is
 * about 96 KiB: 16 KiB of text, each byte escaped to at most 6) */
#define LOG_JSON_MAX (1024 * 1024)

/* ---- the log options (run) ---- */

int cmd_log_driver(const char *arg)
{
	if (strcmp(arg, "json-file") == 0 || strcmp(arg, "k8s-file") == 0 || strcmp(arg, "none") == 0)
		return 0;
	return cmd_failf(EXIT_CC_ERROR,
			 "log driver '%s' is not supported: ccontainer's monitor writes the log itself (use json-file, k8s-file or none)",
			 arg);
}

int cmd_log_opt(const char *arg, const char **ret_max_size, const char **ret_max_file)
{
	const char *eq = strchr(arg, '=');
	if (eq == NULL || eq == arg)
		return cmd_failf(EXIT_CC_ERROR, "invalid --log-opt '%s': expected KEY=VALUE (max-size=10m, max-file=3)", arg);
	size_t kl = (size_t)(eq - arg);
	const char *v = eq + 1;
	/* docker takes one option per flag: "max-size=10m,max-file=3" is a bad size */
	const char *hint = strchr(v, ',') ? " (give each option its own --log-opt)" : "";
	if (kl == 8 && strncmp(arg, "max-size", kl) == 0) {
		int64_t n;
		if (cc_parse_size(v, &n) < 0 || n <= 0)
			return cmd_failf(EXIT_CC_ERROR, "invalid --log-opt '%s': max-size must be a positive size like 10k, 10m or 1g%s",
					 arg, hint);
		*ret_max_size = v;
		return 0;
	}
	if (kl == 8 && strncmp(arg, "max-file", kl) == 0) {
		int n;
		if (cc_container_parse_max_file(v, &n) < 0)
			return cmd_failf(EXIT_CC_ERROR, "invalid --log-opt '%s': max-file must be an integer from 1 to %d%s", arg,
					 CC_MON_LOG_FILES_MAX, hint);
		*ret_max_file = v;
		return 0;
	}
	return cmd_failf(EXIT_CC_ERROR, "unknown log opt '%.*s' for the json-file log driver (supported: max-size, max-file)",
			 (int)kl, arg);
}

/* ---- output: each record's text to fd 1 or 2, in log order ---- */

struct out {
	int fd;      /* the fd what buf holds goes to */
	int err;     /* errno of a failed write: nothing more is written */
	bool merged; /* fd 1 and 2 lead to the same place: all goes to fd 1 */
	bool null[3]; /* fd 1 or 2 is /dev/null: what goes there is dropped */
	size_t len;
	char buf[LOG_CHUNK];
};

static void out_write(struct out *o, int fd, const char *p, size_t n)
{
	while (n > 0 && o->err == 0) {
		ssize_t w = write(fd, p, n);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
		} else if (w < 0 && errno == EAGAIN) {
			/* a non-blocking pipe we were handed */
			struct pollfd pfd = { .fd = fd, .events = POLLOUT };
			(void)poll(&pfd, 1, -1);
		} else if (w == 0 || errno != EINTR) {
			o->err = w < 0 ? errno : EIO;
		}
	}
}

static void out_flush(struct out *o)
{
	if (o->len > 0)
		out_write(o, o->fd, o->buf, o->len);
	o->len = 0;
}

/* Is writing to fd 1 the same as writing to fd 2 (2>&1)?  For a pipe, a
 * socket or a terminal the same inode is the same place; a file also needs
 * the same open file (its offset). */
static bool same_output(void)
{
	struct stat o, e;
	if (fstat(STDOUT_FILENO, &o) < 0 || fstat(STDERR_FILENO, &e) < 0 || o.st_dev != e.st_dev || o.st_ino != e.st_ino)
		return false;
	if (S_ISFIFO(o.st_mode) || S_ISSOCK(o.st_mode) || S_ISCHR(o.st_mode))
		return true;
	pid_t self = getpid();
	return S_ISREG(o.st_mode) && syscall(SYS_kcmp, self, self, KCMP_FILE, STDOUT_FILENO, STDERR_FILENO) == 0;
}

static bool is_dev_null(int fd)
{
	struct stat st;
	return fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3);
}

/* Records of one stream in a row go out in one write; a record of the
 * other stream sends what is held first. */
static void out_add(struct out *o, int fd, const char *p, size_t n)
{
	if (o->null[fd])
		return; /* and what the other fd holds can wait */
	if (o->fd != fd && !o->merged) {
		out_flush(o);
		o->fd = fd;
	}
	if (o->len + n > sizeof(o->buf)) {
		out_flush(o);
		if (n >= sizeof(o->buf)) {
			out_write(o, fd, p, n);
			return;
		}
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
}

/* ---- records ---- */

struct head {
	size_t ts_len; /* the time stamp's */
	size_t len;    /* "<time> <stream> <tag> " */
	int fd;        /* 1: stdout, 2: stderr */
	bool partial;  /* P: the next record of the stream continues the line */
};

/* Does p[0..n) start with a record's head? */
static int parse_head(const char *p, size_t n, struct head *h)
{
	const char *sp = memchr(p, ' ', n);
	if (sp == NULL || sp == p)
		return -1;
	const char *st = sp + 1;
	if ((size_t)(p + n - st) < 9) /* "stdout F " */
		return -1;
	if (memcmp(st, "stdout ", 7) == 0)
		h->fd = STDOUT_FILENO;
	else if (memcmp(st, "stderr ", 7) == 0)
		h->fd = STDERR_FILENO;
	else
		return -1;
	if ((st[7] != 'F' && st[7] != 'P') || st[8] != ' ')
		return -1;
	h->partial = st[7] == 'P';
	h->ts_len = (size_t)(sp - p);
	h->len = h->ts_len + 10;
	return 0;
}

/* Forward: the bytes of the log in, the records' text out.  Only a record's
 * head is held (LOG_HEAD_MAX); its text is passed on as it comes, so a
 * record of any length takes no more memory than a short one. */
struct parser {
	enum { P_HEAD, P_TEXT, P_SKIP, P_JSON } state;
	bool timestamps, details;
	int64_t since, until; /* ns since the epoch; 0: none */
	bool past_until;      /* a record after --until was seen: stop */
	int spaces;
	size_t hlen;
	struct head h;
	bool in_line[3]; /* per fd: a P record's line goes on (no time stamp again) */
	char head[LOG_HEAD_MAX];
	/* a JSON line so far (P_JSON), and its "log" decoded: up to LOG_JSON_MAX */
	char *jline, *jtext;
	size_t jlen, jcap;
};

static void parser_release(struct parser *p)
{
	free(p->jline);
	free(p->jtext);
	p->jline = p->jtext = NULL;
	p->jlen = p->jcap = 0;
}

/* Room for n bytes in a and b (each NULL or holding *cap): 0, or -1 past
 * LOG_JSON_MAX or without memory. */
static int json_room(char **a, char **b, size_t *cap, size_t n)
{
	if (n <= *cap)
		return 0;
	if (n > LOG_JSON_MAX)
		return -1;
	size_t c = *cap > 0 ? *cap : 4096;
	while (c < n)
		c *= 2;
	if (c > LOG_JSON_MAX)
		c = LOG_JSON_MAX;
	char *na = realloc(*a, c);
	if (na == NULL)
		return -1;
	*a = na;
	char *nb = realloc(*b, c);
	if (nb == NULL)
		return -1;
	*b = nb;
	*cap = c;
	return 0;
}

/* The digits p[0..n) as a number, or -1. */
static int digits(const char *p, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

/* The writers' form, "YYYY-MM-DDTHH:MM:SS[.fraction]Z" (UTC, 1970 to
 * 9999), in ns without strptime and timegm (a time stamp per record adds
 * up over millions); -1 for anything else. */
static int64_t record_ns_fast(const char *p, size_t n)
{
	if (n < 20 || p[4] != '-' || p[7] != '-' || p[10] != 'T' || p[13] != ':' || p[16] != ':' || p[n - 1] != 'Z')
		return -1;
	int y = digits(p, 4), mo = digits(p + 5, 2), d = digits(p + 8, 2);
	int h = digits(p + 11, 2), mi = digits(p + 14, 2), sec = digits(p + 17, 2);
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 ||
	    sec > 59)
		return -1;
	int64_t frac = 0;
	if (n > 20) {
		size_t fl = n - 21; /* between '.' and 'Z' */
		if (p[19] != '.' || fl < 1 || fl > 9 || digits(p + 20, (int)fl) < 0)
			return -1;
		frac = digits(p + 20, (int)fl);
		for (size_t i = fl; i < 9; i++)
			frac *= 10;
	}
	/* days since the epoch of a proleptic Gregorian date (Howard Hinnant's) */
	int yy = mo <= 2 ? y - 1 : y;
	int era = yy / 400, yoe = yy - era * 400;
	int doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	int64_t days = (int64_t)era * 146097 + doe - 719468;
	return ((days * 24 + h) * 60 + mi) * 60 * 1000000000LL + (int64_t)sec * 1000000000LL + frac;
}

/* A record's time stamp ("2026-12-06T01:02:03.123456789Z") in ns; -1 when
 * it is not one. */
static int64_t record_ns(const char *p, size_t n)
{
	int64_t fast = record_ns_fast(p, n);
	if (fast >= 0)
		return fast;
	char ts[LOG_HEAD_MAX];
	if (n == 0 || n >= sizeof(ts))
		return -1;
	memcpy(ts, p, n);
	ts[n] = '\0';
	int64_t ns;
	return ts[n - 1] == 'Z' && cc_parse_timestamp(ts, 0, &ns) == 0 ? ns : -1;
}

/* --since, --until: is the record with time stamp ts[0..n) in?  docker
 * compares each message's own time: before since is skipped, after until
 * ends the read. */
static bool record_wanted(struct parser *p, const char *ts, size_t n, int64_t *ret_ns)
{
	if (p->since == 0 && p->until == 0)
		return true;
	int64_t t = record_ns(ts, n);
	if (ret_ns != NULL)
		*ret_ns = t;
	if (t < 0)
		return false;
	if (p->until != 0 && t > p->until) {
		p->past_until = true;
		return false;
	}
	return p->since == 0 || t >= p->since;
}

/* Where a file ends in the middle of a record (a monitor killed while
 * writing it), the next file starts with a record of its own. */
static void parser_next_file(struct parser *p)
{
	p->state = P_HEAD;
	p->hlen = 0;
	p->spaces = 0;
	p->jlen = 0;
}

/* The JSON line in p->jline, as a record: its text out. */
static void json_record(struct parser *p, struct out *o)
{
	struct cc_jsonlog_rec rec;
	if (cc_jsonlog_parse(p->jline, p->jlen, p->jtext, &rec) < 0)
		return; /* not a record: `logs` prints nothing of it */
	size_t tlen = strlen(rec.time);
	int64_t t = -2; /* not parsed yet */
	if (!record_wanted(p, rec.time, tlen, &t))
		return;
	if (p->timestamps && !p->in_line[rec.fd]) {
		/* docker's -t: always nine digits, whatever the log holds (the
		 * monitor's own time stamps with nine are printed as they are) */
		char ts[64];
		size_t n = 0;
		bool nine = tlen == 30 && rec.time[19] == '.' && rec.time[29] == 'Z';
		if (!nine && t == -2)
			t = record_ns(rec.time, tlen);
		if (!nine && t >= 0)
			n = cc_log_time_format(t / 1000000000LL, (long)(t % 1000000000LL), true, ts, sizeof(ts));
		if (n > 0)
			out_add(o, rec.fd, ts, n);
		else
			out_add(o, rec.fd, rec.time, tlen);
		out_add(o, rec.fd, " ", 1);
	}
	if (p->details && !p->in_line[rec.fd])
		out_add(o, rec.fd, " ", 1);
	out_add(o, rec.fd, p->jtext, rec.log_len);
	p->in_line[rec.fd] = rec.partial;
}

static void feed(struct parser *p, struct out *o, const char *d, size_t n)
{
	size_t i = 0;
	while (i < n && o->err == 0 && !p->past_until) {
		if (p->state == P_HEAD) {
			char c = d[i++];
			if (c == '{' && p->hlen == 0) {
				/* docker's JSON line: held whole, then parsed */
				p->state = P_JSON;
				p->jlen = 0;
				i--;
				continue;
			}
			if (c == '\n' || p->hlen == sizeof(p->head)) {
				/* not a record: a line without a head, or too long a head */
				p->state = c == '\n' ? P_HEAD : P_SKIP;
				p->hlen = 0;
				p->spaces = 0;
				continue;
			}
			p->head[p->hlen++] = c;
			if (c == ' ' && ++p->spaces == 3) {
				if (parse_head(p->head, p->hlen, &p->h) < 0 || p->h.len != p->hlen ||
				    !record_wanted(p, p->head, p->h.ts_len, NULL)) {
					p->state = P_SKIP;
				} else {
					if (p->timestamps && !p->in_line[p->h.fd])
						out_add(o, p->h.fd, p->head, p->h.ts_len + 1);
					/* docker's --details: the log's attributes (none
					 * here) and a space before each line */
					if (p->details && !p->in_line[p->h.fd])
						out_add(o, p->h.fd, " ", 1);
					p->state = P_TEXT;
				}
				p->hlen = 0;
				p->spaces = 0;
			}
			continue;
		}
		const char *nl = memchr(d + i, '\n', n - i);
		size_t end = nl != NULL ? (size_t)(nl - d) : n;
		if (p->state == P_TEXT) {
			out_add(o, p->h.fd, d + i, end - i);
			if (nl != NULL) {
				if (!p->h.partial)
					out_add(o, p->h.fd, "\n", 1);
				p->in_line[p->h.fd] = p->h.partial;
			}
		} else if (p->state == P_JSON) {
			if (json_room(&p->jline, &p->jtext, &p->jcap, p->jlen + (end - i)) < 0) {
				p->state = P_SKIP; /* too long a line: not a record */
			} else {
				memcpy(p->jline + p->jlen, d + i, end - i);
				p->jlen += end - i;
				if (nl != NULL)
					json_record(p, o);
			}
		}
		if (nl == NULL)
			break;
		i = end + 1;
		p->state = P_HEAD;
	}
}

/* ---- --tail: backwards ---- */

/* Lines are counted as docker does: a line ends with an F record, and
 * text at the very end without one (P records: the container exited
 * mid-line, or is writing one) is a line too. */
struct tail {
	long want;
	long lines;
	bool pending; /* records after the last boundary seen belong to an uncounted line */
	char *jline, *jtext; /* a JSON record read whole, and its text */
	size_t jcap;
};

/* Is the JSON line [s, end) a record, and a partial one?  0 or 1 for
 * that, -1 when it is not a record (or longer than LOG_JSON_MAX, or no
 * memory for it), -2 with *err when it cannot be read. */
static int tail_json(int fd, struct tail *t, const char *buf, off_t bpos, size_t blen, off_t s, off_t end,
		     cc_error **err)
{
	size_t len = (size_t)(end - s);
	const char *line;
	if (json_room(&t->jline, &t->jtext, &t->jcap, len) < 0)
		return -1;
	if (s >= bpos && end <= bpos + (off_t)blen) {
		line = buf + (s - bpos);
	} else {
		size_t got = 0;
		while (got < len) {
			ssize_t r = pread(fd, t->jline + got, len - got, s + (off_t)got);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				cc_error_set(err, r < 0 ? errno : EIO, "read log");
				return -2;
			}
			got += (size_t)r;
		}
		line = t->jline;
	}
	struct cc_jsonlog_rec rec;
	if (cc_jsonlog_parse(line, len, t->jtext, &rec) < 0)
		return -1;
	return rec.partial;
}

/* The record [s, next) (next - 1 is its newline), found scanning
 * backwards; buf holds [bpos, bpos + blen) of the file.  1 with *ret_off
 * when the tail starts right after it. */
static int tail_look(int fd, struct tail *t, const char *buf, off_t bpos, size_t blen, off_t s, off_t next,
		     off_t *ret_off, cc_error **err)
{
	size_t n = (size_t)(next - 1 - s) < LOG_HEAD_MAX ? (size_t)(next - 1 - s) : LOG_HEAD_MAX;
	char tmp[LOG_HEAD_MAX];
	const char *p = tmp;
	if (s >= bpos && s + (off_t)n <= bpos + (off_t)blen) {
		p = buf + (s - bpos);
	} else {
		/* its head is in the chunk read before (a record across two) */
		ssize_t r;
		do
			r = pread(fd, tmp, n, s);
		while (r < 0 && errno == EINTR);
		if (r < 0)
			return cc_error_set(err, errno, "read log");
		n = (size_t)r;
	}
	struct head h;
	if (n > 0 && p[0] == '{') {
		int r = tail_json(fd, t, buf, bpos, blen, s, next - 1, err);
		if (r == -2)
			return -1;
		if (r < 0)
			return 0;
		h.partial = r == 1;
	} else if (parse_head(p, n, &h) < 0) {
		return 0; /* not a record: `logs` prints nothing of it */
	}
	if (!h.partial && t->pending && ++t->lines == t->want) {
		*ret_off = next;
		return 1;
	}
	t->pending = true;
	return 0;
}

/* Scan one file from its end back, chunk by chunk.  Bytes after its last
 * newline are a record still being written: not counted.  1 with *ret_off
 * where the tail starts in this file, 0 when it takes the whole file. */
static int tail_scan(int fd, struct tail *t, char *buf, off_t *ret_off, cc_error **err)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return cc_error_set(err, errno, "stat log");
	off_t pos = st.st_size, next = -1; /* next: where the record after the current one starts */
	size_t len = 0;
	while (pos > 0) {
		len = pos > LOG_CHUNK ? LOG_CHUNK : (size_t)pos;
		pos -= (off_t)len;
		size_t got = 0;
		while (got < len) {
			ssize_t r = pread(fd, buf + got, len - got, pos + (off_t)got);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				return cc_error_set(err, r < 0 ? errno : EIO, "read log");
			got += (size_t)r;
		}
		for (size_t i = len; i-- > 0;) {
			if (buf[i] != '\n')
				continue;
			off_t s = pos + (off_t)i + 1;
			if (next >= 0) {
				int r = tail_look(fd, t, buf, pos, len, s, next, ret_off, err);
				if (r != 0)
					return r;
			}
			next = s;
		}
	}
	if (next > 0) /* the file's first record */
		return tail_look(fd, t, buf, 0, len, 0, next, ret_off, err);
	return 0;
}

/* ---- the files ---- */

struct logfile {
	int fd;
	dev_t dev;
	ino_t ino;
};

static void log_name(char *out, size_t outlen, int k)
{
	if (k == 0)
		snprintf(out, outlen, "ctr.log");
	else
		snprintf(out, outlen, "ctr.log.%d", k);
}

/* The inode that has name k now (0: none). */
static ino_t name_ino(int dfd, int k, dev_t *ret_dev)
{
	char name[32];
	struct stat st;
	log_name(name, sizeof(name), k);
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	if (ret_dev != NULL)
		*ret_dev = st.st_dev;
	return st.st_ino;
}

static int open_log(int dfd, int k, struct logfile *f, cc_error **err)
{
	char name[32];
	struct stat st;
	log_name(name, sizeof(name), k);
	/* O_NONBLOCK: something that is not a file never hangs the open */
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return errno == ENOENT ? 0 : cc_error_set(err, errno, "open log file '%s'", name);
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return cc_error_set(err, e, "stat log file '%s'", name);
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return cc_error_setk(err, CC_ERR_INVALID, 0, "log file '%s' is not a regular file", name);
	}
	*f = (struct logfile){ .fd = fd, .dev = st.st_dev, .ino = st.st_ino };
	return 1;
}

static void close_files(struct logfile *files, size_t *n)
{
	for (size_t i = 0; i < *n; i++)
		close(files[i].fd);
	*n = 0;
}

/* The log's files, newest (ctr.log) first, as one consistent view: the
 * monitor may rotate while they are opened, so every name is looked at
 * again afterwards and the whole is done again when one moved.  A name
 * missing in between (a rotation in progress, or one a killed monitor
 * left unfinished) is skipped. */
static int open_chain(int dfd, struct logfile *files, size_t *ret_n, cc_error **err)
{
	size_t n = 0;
	int at[CC_MON_LOG_FILES_MAX];
	for (int attempt = 0; attempt < 50; attempt++) {
		close_files(files, &n);
		for (int k = 0; k < CC_MON_LOG_FILES_MAX; k++) {
			int r = open_log(dfd, k, &files[n], err);
			if (r < 0) {
				close_files(files, &n);
				return -1;
			}
			if (r > 0)
				at[n++] = k;
		}
		bool same = true;
		size_t j = 0;
		for (int k = 0; k < CC_MON_LOG_FILES_MAX && same; k++) {
			dev_t dev = 0;
			ino_t ino = name_ino(dfd, k, &dev);
			bool opened = j < n && at[j] == k;
			same = opened ? ino == files[j].ino && dev == files[j].dev : ino == 0;
			j += opened;
		}
		if (same)
			break;
		struct timespec ts = { 0, 2 * 1000000L };
		nanosleep(&ts, NULL);
	}
	/* still moving after 50 tries: one file seen under two names is read once */
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		bool dup = false;
		for (size_t k = 0; k < m && !dup; k++)
			dup = files[k].ino == files[i].ino && files[k].dev == files[i].dev;
		if (dup)
			close(files[i].fd);
		else
			files[m++] = files[i];
	}
	*ret_n = m;
	return 0;
}

/* The file that follows cur (ctr.log when -f started) once the monitor
 * rotated it: 1 with *ret, 0 when cur is still the newest (or nothing
 * newer shows up).  Rotation renames the oldest first, ctr.log last, then
 * makes a new ctr.log: the one after cur is the name just below cur's,
 * taken once both names are seen in place after opening it.  When cur is
 * gone (max-file=1 cuts the log; or a reader too slow for max-file files)
 * the oldest file left follows it. */
static int successor(int dfd, const struct logfile *cur, struct logfile *ret, cc_error **err)
{
	dev_t dev = 0;
	ino_t ino = name_ino(dfd, 0, &dev);
	if (ino == cur->ino && dev == cur->dev)
		return 0;
	for (int attempt = 0; attempt < 100; attempt++) {
		if (attempt > 0) {
			struct timespec ts = { 0, 1000000L };
			nanosleep(&ts, NULL);
		}
		int j = -1, oldest = -1;
		ino_t inos[CC_MON_LOG_FILES_MAX];
		for (int k = 0; k < CC_MON_LOG_FILES_MAX; k++) {
			inos[k] = name_ino(dfd, k, &dev);
			if (inos[k] != 0)
				oldest = k;
			if (inos[k] == cur->ino && dev == cur->dev)
				j = k;
		}
		if (j == 0)
			return 0;
		int target = j > 0 ? j - 1 : oldest;
		/* a gap below cur is a rotation under way; after a while, one a
		 * killed monitor left */
		while (attempt >= 50 && target > 0 && inos[target] == 0)
			target--;
		if (target < 0 || inos[target] == 0)
			continue;
		int r = open_log(dfd, target, ret, err);
		if (r < 0)
			return -1;
		if (r == 0)
			continue;
		if (name_ino(dfd, target, &dev) == ret->ino && dev == ret->dev &&
		    (j < 0 || (name_ino(dfd, j, &dev) == cur->ino && dev == cur->dev)))
			return 1;
		close(ret->fd);
	}
	return 0;
}

/* Print fd from where it is to its end.  1: something was read. */
static int print_to_end(int fd, struct parser *p, struct out *o, char *buf, cc_error **err)
{
	int any = 0;
	while (o->err == 0 && !p->past_until) {
		ssize_t r = read(fd, buf, LOG_CHUNK);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return cc_error_set(err, errno, "read log");
		if (r == 0)
			break;
		feed(p, o, buf, (size_t)r);
		out_flush(o);
		any = 1;
	}
	return any;
}

/* ---- logs ---- */

struct logs_opts {
	bool follow, timestamps, details;
	long tail; /* -1: all */
	int64_t since, until; /* ns since the epoch; 0: none */
};

static int logs_run(struct cc_store *s, const struct cc_container_record *ct, const struct logs_opts *lo,
		    struct out *o, char *buf, cc_error **err)
{
	_cleanup_free_ char *dir = cc_store_container_path(s, ct->id);
	_cleanup_close_ int dfd = dir != NULL ? open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
	if (dfd < 0 && (dir == NULL || errno != ENOENT))
		return cc_error_set(err, dir == NULL ? ENOMEM : errno, "open the directory of container %.12s", ct->id);
	_cleanup_free_ struct logfile *files = calloc(CC_MON_LOG_FILES_MAX, sizeof(*files));
	size_t n = 0;
	if (files == NULL)
		return cc_error_set(err, ENOMEM, "logs");
	/* a container created and never started has no directory, or no log */
	if (dfd >= 0 && open_chain(dfd, files, &n, err) < 0)
		return -1;
	struct parser p = { .timestamps = lo->timestamps, .details = lo->details, .since = lo->since, .until = lo->until };
	/* where to start: files[first] at off (files[0] is the newest) */
	size_t first = n > 0 ? n - 1 : 0;
	off_t off = 0;
	int rc = 0;
	if (n > 0 && lo->tail == 0) {
		struct stat st;
		first = 0;
		off = fstat(files[0].fd, &st) == 0 ? st.st_size : 0;
	} else if (n > 0 && lo->tail > 0) {
		struct tail t = { .want = lo->tail };
		for (size_t i = 0; i < n && rc == 0; i++) {
			rc = tail_scan(files[i].fd, &t, buf, &off, err);
			if (rc > 0)
				first = i;
		}
		free(t.jline);
		free(t.jtext);
		if (rc < 0)
			goto out;
		if (rc == 0)
			off = 0;
		rc = 0;
	}
	for (size_t i = first + 1; i-- > 0 && o->err == 0 && !p.past_until;) {
		if (lseek(files[i].fd, i == first ? off : 0, SEEK_SET) < 0) {
			rc = cc_error_set(err, errno, "seek log");
			goto out;
		}
		if (print_to_end(files[i].fd, &p, o, buf, err) < 0) {
			rc = -1;
			goto out;
		}
		if (i > 0)
			parser_next_file(&p);
	}
	if (!lo->follow)
		goto out;
	/* -f: ctr.log (the newest file seen) from where it ended, and the files
	 * that follow it as the monitor rotates, until the monitor is gone and
	 * what it wrote is read. */
	struct logfile cur = { .fd = -1 };
	if (n > 0) {
		cur = files[0];
		for (size_t i = 1; i < n; i++)
			close(files[i].fd);
		n = 0;
	}
	while (o->err == 0 && !p.past_until) {
		/* -f --until: until that time comes, as docker follows */
		if (lo->until != 0 && cc_wall_ns() > lo->until)
			break;
		bool alive = cc_store_container_locked(s, ct->id);
		if (cur.fd < 0 && dfd >= 0 && open_log(dfd, 0, &cur, err) < 0) {
			rc = -1;
			break;
		}
		if (cur.fd >= 0) {
			int r = print_to_end(cur.fd, &p, o, buf, err);
			if (r < 0) {
				rc = -1;
				break;
			}
			if (r > 0)
				continue; /* more came: look again before waiting */
			struct logfile next;
			r = successor(dfd, &cur, &next, err);
			if (r < 0) {
				rc = -1;
				break;
			}
			if (r > 0) {
				/* rotated: what was written before the rename is in cur */
				if (print_to_end(cur.fd, &p, o, buf, err) < 0) {
					close(next.fd);
					rc = -1;
					break;
				}
				close(cur.fd);
				cur = next;
				parser_next_file(&p);
				continue;
			}
		}
		if (!alive)
			break; /* read once more after the monitor is gone: done */
		struct timespec ts = { 0, 50 * 1000000L };
		nanosleep(&ts, NULL);
	}
	if (cur.fd >= 0)
		close(cur.fd);
out:
	parser_release(&p);
	close_files(files, &n);
	return rc;
}

struct logs_cli {
	bool follow, timestamps, details;
	const char *tail, *since, *until;
};

static const struct cmd_opt logs_options[] = {
	OPT_BOOL(0, "details", struct logs_cli, details, "Show extra details provided to logs"),
	OPT_BOOL('f', "follow", struct logs_cli, follow, "Follow log output"),
	OPT_STRING(0, "since", struct logs_cli, since, "string",
		   "Show logs since timestamp (e.g. \"2013-01-02T13:23:37Z\") or relative (e.g. \"42m\" for 42 minutes)"),
	OPT_STRING('n', "tail", struct logs_cli, tail, "string", "Number of lines to show from the end of the logs", .def = "all"),
	OPT_BOOL('t', "timestamps", struct logs_cli, timestamps, "Show timestamps"),
	OPT_STRING(0, "until", struct logs_cli, until, "string",
		   "Show logs before a timestamp (e.g. \"2013-01-02T13:23:37Z\") or relative (e.g. \"42m\" for 42 minutes)"),
	OPT_END,
};

static int print_logs(struct cc_store *s, const struct cc_container_record *ct, const struct logs_opts *lo);

static int logs_action(void *opts, int argc, char **argv)
{
	struct logs_cli *cli = opts;
	struct logs_opts lo = { .tail = -1, .follow = cli->follow, .timestamps = cli->timestamps, .details = cli->details };
	(void)argc;
	int64_t now = cc_wall_ns();
	const char *const times[] = { cli->since, cli->until };
	int64_t *const into[] = { &lo.since, &lo.until };
	for (size_t i = 0; i < 2; i++) {
		if (times[i] == NULL || *times[i] == '\0')
			continue;
		if (cc_parse_timestamp(times[i], now, into[i]) < 0)
			return cmd_usagef("invalid value for \"%s\": failed to parse value as time or duration: \"%s\"",
					  i == 0 ? "since" : "until", times[i]);
		if (*into[i] == 0)
			*into[i] = 1; /* the epoch itself: still a bound */
	}
	if (strcmp(cli->tail, "all") != 0) {
		size_t len = strlen(cli->tail);
		if (len == 0 || strspn(cli->tail, "0123456789") != len)
			return cmd_usagef("invalid --tail '%s'", cli->tail);
		errno = 0;
		long long v = strtoll(cli->tail, NULL, 10);
		/* more lines than any log has is all of it */
		lo.tail = errno == ERANGE || v > LONG_MAX ? LONG_MAX : (long)v;
	}
	struct cc_store *s = cmd_open_store();
	if (s == NULL)
		return EXIT_CC_ERROR;
	struct cc_container_record *ct = cmd_container_get(s, argv[0]);
	if (ct == NULL) {
		cc_store_close(s);
		return EXIT_CC_ERROR;
	}
	json_t *cfg = cc_container_config(ct);
	bool none = cc_container_log_none(cfg);
	json_decref(cfg);
	int rc = none ? cmd_failf(EXIT_CC_ERROR, "configured logging driver does not support reading") : print_logs(s, ct, &lo);
	cc_container_record_free(ct);
	cc_store_close(s);
	return rc;
}

int cmd_logs_print(struct cc_store *s, const struct cc_container_record *ct, long tail, bool follow, bool timestamps,
		   int64_t since_ns)
{
	const struct logs_opts lo = { .tail = tail, .follow = follow, .timestamps = timestamps, .since = since_ns };
	return print_logs(s, ct, &lo);
}

int cmd_logs_follow(struct cc_store *s, const struct cc_container_record *ct, int64_t since_ns)
{
	const struct logs_opts lo = { .tail = -1, .follow = true, .since = since_ns };
	return print_logs(s, ct, &lo);
}

/* The log of ct to fd 1 and 2 as lo says; the exit status. */
static int print_logs(struct cc_store *s, const struct cc_container_record *ct, const struct logs_opts *lo)
{
	_cleanup_free_ struct out *o = malloc(sizeof(*o));
	_cleanup_free_ char *buf = malloc(LOG_CHUNK);
	int rc = 0;
	cc_error *e = NULL;
	if (o == NULL || buf == NULL) {
		rc = cmd_failf(EXIT_CC_ERROR, "logs: out of memory");
	} else {
		*o = (struct out){ .fd = STDOUT_FILENO, .merged = same_output() };
		o->null[STDOUT_FILENO] = is_dev_null(STDOUT_FILENO);
		o->null[STDERR_FILENO] = is_dev_null(STDERR_FILENO);
		if (logs_run(s, ct, lo, o, buf, &e) < 0) {
			out_flush(o);
			cc_error_prefix(&e, "logs of container %s", ct->name);
			rc = cmd_fail(e, EXIT_CC_ERROR);
		} else {
			out_flush(o);
		}
		/* a reader that went away (logs | head) ends us quietly, as it
		 * ends docker; any other failed write is an error */
		if (rc == 0 && o->err != 0 && o->err != EPIPE)
			rc = cmd_failf(EXIT_CC_ERROR, "write output: %s", strerror(o->err));
	}
	return rc;
}

const struct cmd_verb cmd_logs_verb = {
	.name = "logs",
	.usage = "[OPTIONS] CONTAINER",
	.summary = "Fetch the logs of a container",
	.opts = logs_options,
	.opts_size = sizeof(struct logs_cli),
	.min_args = 1,
	.max_args = 1,
	.complete_args = CMD_COMPLETE_CONTAINER,
	.action = logs_action,
};
