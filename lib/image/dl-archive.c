/* libarchive, loaded on first use (see util/dl.h).  Each wrapper has
 * libarchive's own prototype and forwards to the resolved symbol. */
#include <archive.h>
#include <archive_entry.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/dl-wrap.h"

typedef struct archive A;
typedef struct archive_entry E;

#define ARCHIVE_FUNCS(X)                                                                                      \
	X(E *, archive_entry_clone, (E * e), (e))                                                              \
	X(__LA_MODE_T, archive_entry_filetype, (E * e), (e))                                                   \
	X(void, archive_entry_free, (E * e), (e))                                                              \
	X(E *, archive_entry_new, (void), ())                                                                  \
	X(void, archive_entry_set_filetype, (E * e, unsigned int t), (e, t))                                   \
	X(time_t, archive_entry_mtime, (E * e), (e))                                                           \
	X(long, archive_entry_mtime_nsec, (E * e), (e))                                                        \
	X(void, archive_entry_set_gid, (E * e, la_int64_t g), (e, g))                                          \
	X(void, archive_entry_set_mtime, (E * e, time_t t, long n), (e, t, n))                                 \
	X(void, archive_entry_set_perm, (E * e, __LA_MODE_T m), (e, m))                                        \
	X(void, archive_entry_set_rdevmajor, (E * e, dev_t d), (e, d))                                         \
	X(void, archive_entry_set_rdevminor, (E * e, dev_t d), (e, d))                                         \
	X(void, archive_entry_set_size, (E * e, la_int64_t z), (e, z))                                         \
	X(void, archive_entry_set_symlink, (E * e, const char *s), (e, s))                                     \
	X(void, archive_entry_set_uid, (E * e, la_int64_t u), (e, u))                                          \
	X(const char *, archive_entry_hardlink, (E * e), (e))                                                  \
	X(__LA_MODE_T, archive_entry_perm, (E * e), (e))                                                       \
	X(dev_t, archive_entry_rdevmajor, (E * e), (e))                                                        \
	X(dev_t, archive_entry_rdevminor, (E * e), (e))                                                        \
	X(const char *, archive_entry_symlink, (E * e), (e))                                                   \
	X(la_int64_t, archive_entry_uid, (E * e), (e))                                                         \
	X(la_int64_t, archive_entry_gid, (E * e), (e))                                                         \
	X(const char *, archive_entry_pathname, (E * e), (e))                                                  \
	X(void, archive_entry_set_hardlink, (E * e, const char *s), (e, s))                                    \
	X(void, archive_entry_set_pathname, (E * e, const char *s), (e, s))                                    \
	X(la_int64_t, archive_entry_size, (E * e), (e))                                                        \
	X(void, archive_entry_xattr_add_entry, (E * e, const char *n, const void *v, size_t z), (e, n, v, z))  \
	X(void, archive_entry_xattr_clear, (E * e), (e))                                                       \
	X(int, archive_entry_xattr_next, (E * e, const char **n, const void **v, size_t *z), (e, n, v, z))     \
	X(int, archive_entry_xattr_reset, (E * e), (e))                                                        \
	X(int, archive_errno, (A * a), (a))                                                                    \
	X(const char *, archive_error_string, (A * a), (a))                                                    \
	X(la_ssize_t, archive_read_data, (A * a, void *b, size_t n), (a, b, n))                                \
	X(int, archive_read_data_block, (A * a, const void **b, size_t *n, la_int64_t *o), (a, b, n, o))       \
	X(int, archive_read_free, (A * a), (a))                                                                \
	X(A *, archive_read_new, (void), ())                                                                   \
	X(int, archive_read_next_header, (A * a, E **e), (a, e))                                               \
	X(la_int64_t, archive_read_header_position, (A * a), (a))                                              \
	X(int, archive_read_open, (A * a, void *d, archive_open_callback *o, archive_read_callback *r,         \
				   archive_close_callback *c), (a, d, o, r, c))                                \
	X(int, archive_read_open_fd, (A * a, int fd, size_t bs), (a, fd, bs))                                  \
	X(int, archive_read_support_filter_gzip, (A * a), (a))                                                 \
	X(int, archive_read_support_filter_bzip2, (A * a), (a))                                                \
	X(int, archive_read_support_filter_xz, (A * a), (a))                                                   \
	X(int, archive_read_support_filter_zstd, (A * a), (a))                                                 \
	X(int, archive_read_support_format_empty, (A * a), (a))                                                \
	X(int, archive_read_support_format_raw, (A * a), (a))                                                  \
	X(int, archive_read_support_format_tar, (A * a), (a))                                                  \
	X(int, archive_write_add_filter_gzip, (A * a), (a))                                                    \
	X(int, archive_write_add_filter_zstd, (A * a), (a))                                                    \
	X(int, archive_write_close, (A * a), (a))                                                              \
	X(la_ssize_t, archive_write_data, (A * a, const void *b, size_t n), (a, b, n))                         \
	X(la_ssize_t, archive_write_data_block, (A * a, const void *b, size_t n, la_int64_t o), (a, b, n, o))  \
	X(A *, archive_write_disk_new, (void), ())                                                             \
	X(int, archive_write_disk_set_options, (A * a, int f), (a, f))                                         \
	X(int, archive_write_finish_entry, (A * a), (a))                                                       \
	X(int, archive_write_free, (A * a), (a))                                                               \
	X(A *, archive_write_new, (void), ())                                                                  \
	X(int, archive_write_open, (A * a, void *d, archive_open_callback *o, archive_write_callback *w,       \
				   archive_close_callback *c), (a, d, o, w, c))                                \
	X(int, archive_write_set_bytes_in_last_block, (A * a, int n), (a, n))                                  \
	X(int, archive_write_set_format_pax_restricted, (A * a), (a))                                          \
	X(int, archive_write_set_format_raw, (A * a), (a))                                                     \
	X(int, archive_write_set_options, (A * a, const char *o), (a, o))                                      \
	X(int, archive_write_header, (A * a, E * e), (a, e))

#define BY_HAND(X) X(archive_set_error)
CC_DL_LIBRARY(cc_dl_archive, "libarchive.so.13", ARCHIVE_FUNCS, BY_HAND)

void archive_set_error(A *a, int err, const char *fmt, ...)
{
	dl_need();
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	void (*fp)(A *, int, const char *, ...);
	*(void **)&fp = dl_syms[IDX_archive_set_error];
	fp(a, err, "%s", msg);
}
