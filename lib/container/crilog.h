/* A container's log as its monitor and a foreground run write it (plain
 * libc: the monitor links it).  containers/<id>/ctr.log, one CRI record a
 * line:
 *     <RFC 3339 UTC time with nanoseconds> <stdout|stderr> <F|P> <text>
 * (P: a partial line that the next record of the stream continues: lines
 * longer than CC_CRILOG_LINE_MAX, or text cut by the container's exit),
 * rotated at max_size: ctr.log.K-1 becomes ctr.log.K ... ctr.log becomes
 * ctr.log.1 (the oldest of max_files in all goes; with one file the log is
 * cut) and a new ctr.log starts.  A record is one write(2) and never split
 * between files. */
#ifndef CC_CONTAINER_CRILOG_H
#define CC_CONTAINER_CRILOG_H

#include <stddef.h>

#define CC_CRILOG_LINE_MAX (16 * 1024)

struct cc_crilog_stream {
	char buf[CC_CRILOG_LINE_MAX]; /* the line so far */
	size_t len;
};

struct cc_crilog {
	int dirfd; /* the container's directory (not owned) */
	int fd;    /* ctr.log, or -1 */
	long long size, max_size; /* bytes in ctr.log; its cap (0: none) */
	int max_files;            /* >= 1 */
	struct cc_crilog_stream stream[2]; /* stdout, stderr */
};

/* write(2) until all of p is written or an error other than EINTR:
 * how much was written (plain libc; the monitor's too). */
size_t cc_write_full(int fd, const char *p, size_t n);
/* Open (append to) dirfd's ctr.log.  0, or -errno (the log stays closed;
 * writing tries again). */
int cc_crilog_open(struct cc_crilog *l, int dirfd, long long max_size, int max_files);
/* Bytes of the container's fd (1: stdout, 2: stderr): whole lines become F
 * records, the rest waits for its line's end.  A pty's "\r\n" ends a line. */
void cc_crilog_write(struct cc_crilog *l, int fd, const char *data, size_t n);
/* What a stream holds of an unfinished line, as a P record (its end). */
void cc_crilog_flush(struct cc_crilog *l, int fd);
void cc_crilog_close(struct cc_crilog *l);

#endif
