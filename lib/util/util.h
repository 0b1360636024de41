/* Small helpers shared by every module: files, strings, ids.
 * Everything here is fd-safe (O_CLOEXEC) and reports through cc_error. */
#ifndef CC_UTIL_UTIL_H
#define CC_UTIL_UTIL_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cleanup.h"
#include "error.h"

#define CC_DIGEST_HEX_LEN 64

/* mkdir -p; mode for directories created. */
int cc_mkdir_p(const char *path, mode_t mode, cc_error **err);
/* Read a whole file, at most max bytes (error if larger).  Result is NUL-terminated. */
int cc_read_file(const char *path, size_t max, char **ret_buf, size_t *ret_len, cc_error **err);
/* Write data to path (create or truncate, no fsync): for files nobody needs after a crash. */
int cc_write_file(const char *path, const void *data, size_t len, mode_t mode, cc_error **err);
/* Write data to path atomically: temp file in the same directory, fsync, rename. */
int cc_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode, cc_error **err);
/* Write all bytes to fd, retrying on EINTR and short writes. */
int cc_write_all(int fd, const void *buf, size_t len);
/* Remove a directory tree without following symlinks.  Missing path is not an error. */
int cc_rm_rf(const char *path, cc_error **err);
/* Remove the contents of dirfd's tree entry `name` (relative to dirfd). */
int cc_rm_rf_at(int dirfd, const char *name, cc_error **err);

/* cc_rm_rf, keeping a reference (O_PATH) to the first CC_KEPT_MAX
 * directories it removes.  Removing a directory is quick; releasing it can
 * be slow: freeing its block waits for the device on a filesystem mounted
 * with "discard" and without a journal.  cc_kept_release_async then hands
 * the last references to a short-lived helper process, so that wait is
 * not the caller's: the names are gone already, only the space comes back
 * a moment later.  Once per process; later calls release synchronously. */
#define CC_KEPT_MAX 32
struct cc_kept {
	int fd[CC_KEPT_MAX];
	size_t n;
};
int cc_rm_rf_keep(const char *path, struct cc_kept *keep, cc_error **err);
void cc_kept_release_async(struct cc_kept *keep);
/* n random bytes as 2n lowercase hex chars into out (size >= 2n+1). */
int cc_random_hex(char *out, size_t nbytes, cc_error **err);
/* Human readable size ("5.37MB" like docker: SI units). */
void cc_human_size(uint64_t bytes, char *out, size_t outlen);
/* docker's units.BytesSize ("1.5MiB", "7.668GiB": binary units, %.4g),
 * what stats shows of memory. */
void cc_bytes_size(double bytes, char *out, size_t outlen);
/* "3 minutes ago" style duration since t (seconds). */
void cc_human_ago(int64_t seconds, char *out, size_t outlen);
/* Parse "64m", "1g", "512k", "100" into bytes. */
int cc_parse_size(const char *s, int64_t *ret);
/* Monotonic time in nanoseconds. */
uint64_t cc_now_ns(void);
/* Wall clock as RFC3339 UTC with nanoseconds ("2024-01-02T03:04:05.123456789Z"). */
void cc_rfc3339_now(char *out, size_t outlen);
/* Parse an RFC3339 timestamp into unix seconds; returns -1 on parse failure. */
int64_t cc_parse_rfc3339(const char *s);
/* A Go duration ("1h30m", "1.5s", "-10m", "300ms", "0"; units ns us µs ms
 * s m h) in nanoseconds.  -1 (EINVAL) when it is not one, or overflows. */
int cc_parse_go_duration(const char *s, int64_t *ret_ns);
/* docker's --since/--until/until= (GetTimestamp): a Go duration back from
 * now_ns ("10m"; "0" is not one), Unix seconds with an optional fraction
 * ("1700000000.5"), or a date and time: YYYY-MM-DD, then optionally
 * THH, THH:MM, THH:MM:SS with a fraction, then Z or +HH:MM/-HH:MM; without
 * a zone it is local time, as docker reads it.  Nanoseconds since the
 * epoch; -1 (EINVAL) when it is none of these. */
int cc_parse_timestamp(const char *s, int64_t now_ns, int64_t *ret_ns);
/* Wall clock in nanoseconds since the epoch. */
int64_t cc_wall_ns(void);
/* Start time of a process (/proc/PID/stat field 22, clock ticks since boot);
 * 0 when it does not exist. */
uint64_t cc_pid_start_time(int pid);
/* Is this process running from a memfd sealed against writes (what
 * cc_reexec_sealed makes)? */
bool cc_self_is_sealed(void);
/* Execute this program again, with argv and the current environment, from
 * a copy of its binary in a memfd sealed against every change (runc's and
 * crun's answer to CVE-2019-5736): a process in a container that may look
 * at ours through /proc then finds an immutable anonymous file, not the
 * host's binary.  Returns only on failure. */
int cc_reexec_sealed(char *const *argv, cc_error **err);
/* Text from an image, a registry or a container made safe to print on a
 * terminal, on one line: control characters (C0, DEL, C1 such as CSI) and
 * bytes that are not UTF-8 become \xNN (C1 as \u00NN), so that an escape
 * sequence is shown, never acted on.  malloc'd; NULL without memory. */
char *cc_safe_text(const char *s);
/* A helper binary of ours (ccontainer-monitor, ccontainer-dns): $env when
 * set (secure_getenv), else name next to /proc/self/exe (the build tree),
 * else ../libexec/ccontainer/name from there (an install), else
 * /usr/local/libexec/ccontainer/name.  malloc'd; NULL without memory. */
char *cc_helper_path(const char *name, const char *env);
int cc_str_has_prefix(const char *s, const char *prefix);
/* Is this process in a user namespace other than the initial one (a
 * rootless ccontainer's, or one it was started in)?  Read once. */
bool cc_in_userns(void);
/* Read it again (after joining a user namespace). */
void cc_userns_changed(void);
/* overlayfs's own xattrs: trusted.overlay.* as root, user.overlay.* in a
 * user namespace (where overlay is mounted with userxattr). */
const char *cc_overlay_xattr_prefix(void);
const char *cc_overlay_opaque_xattr(void);
/* Does the namespace's uid (gid) map give this ID? */
bool cc_id_mapped(unsigned long id, bool gid);
/* Either kind (what an image's layer must never set). */
bool cc_is_overlay_xattr(const char *name);
int cc_is_hex(const char *s, size_t len);

#endif
