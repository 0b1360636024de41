/* The container's log, in CRI records (crilog.h).  Plain libc. */
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

int cc_crilog_open(struct cc_crilog *l, int dirfd, long long max_size, int max_files)
{
	memset(l, 0, sizeof(*l));
	l->dirfd = dirfd;
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

static void record(struct cc_crilog *l, int fd, const char *text, size_t n, char tag)
{
	struct timespec ts;
	struct tm tm;
	char head[96];
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t h = strftime(head, sizeof(head), "%Y-%m-%dT%H:%M:%S", &tm);
	h += (size_t)snprintf(head + h, sizeof(head) - h, ".%09ldZ %s %c ", ts.tv_nsec,
			      fd == 2 ? "stderr" : "stdout", tag);
	/* one write per record: readers never see half a line from us */
	static char rec[CC_CRILOG_LINE_MAX + 128];
	memcpy(rec, head, h);
	memcpy(rec + h, text, n);
	rec[h + n] = '\n';
	if (l->max_size > 0 && l->size > 0 && l->size + (long long)(h + n + 1) > l->max_size)
		rotate(l);
	if (l->fd < 0)
		(void)open_current(l); /* a rotation that could not make the new file: try again */
	if (l->fd >= 0)
		l->size += (long long)cc_write_full(l->fd, rec, h + n + 1);
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
			record(l, fd, s->buf, len, 'F');
			s->len = 0;
			continue;
		}
		if (s->len == sizeof(s->buf)) {
			record(l, fd, s->buf, s->len, 'P');
			s->len = 0;
		}
		s->buf[s->len++] = c;
	}
}

void cc_crilog_flush(struct cc_crilog *l, int fd)
{
	struct cc_crilog_stream *s = &l->stream[fd == 2];
	if (s->len > 0)
		record(l, fd, s->buf, s->len, 'P');
	s->len = 0;
}

void cc_crilog_close(struct cc_crilog *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
}
