#include "util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int cc_mkdir_p(const char *path, mode_t mode, cc_error **err)
{
	struct stat st0;
	if (stat(path, &st0) == 0 && S_ISDIR(st0.st_mode))
		return 0; /* the common case: one syscall */
	_cleanup_free_ char *p = strdup(path);
	if (p == NULL)
		return cc_error_set(err, ENOMEM, "mkdir '%s'", path);
	size_t len = strlen(p);
	while (len > 1 && p[len - 1] == '/')
		p[--len] = '\0';
	/* usually only the last component is missing */
	if (mkdir(p, mode) == 0)
		return 0;
	if (errno != ENOENT && errno != EEXIST)
		return cc_error_set(err, errno, "create directory '%s'", p);
	if (errno == ENOENT) { /* a parent is missing too: from the top */
		for (char *s = p + 1;; s++) {
			if (*s != '/' && *s != '\0')
				continue;
			char c = *s;
			*s = '\0';
			if (mkdir(p, mode) < 0 && errno != EEXIST)
				return cc_error_set(err, errno, "create directory '%s'", p);
			*s = c;
			if (c == '\0')
				break;
		}
	}
	/* EEXIST above: something that may not be a directory */
	struct stat st;
	if (stat(path, &st) < 0)
		return cc_error_set(err, errno, "create directory '%s'", path);
	if (!S_ISDIR(st.st_mode))
		return cc_error_set(err, ENOTDIR, "create directory '%s'", path);
	return 0;
}

int cc_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int cc_read_file(const char *path, size_t max, char **ret_buf, size_t *ret_len, cc_error **err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cc_error_setk(err, errno == ENOENT ? CC_ERR_NOT_FOUND : CC_ERR_GENERIC, errno,
				     "open '%s'", path);
	struct stat st;
	if (fstat(fd, &st) < 0)
		return cc_error_set(err, errno, "stat '%s'", path);
	if ((size_t)st.st_size > max)
		return cc_error_set(err, EFBIG, "read '%s' (limit %zu bytes)", path, max);
	size_t cap = (size_t)st.st_size + 1, len = 0;
	_cleanup_free_ char *buf = malloc(cap + 1);
	if (buf == NULL)
		return cc_error_set(err, ENOMEM, "read '%s'", path);
	for (;;) {
		if (len == cap) {
			if (cap > max)
				return cc_error_set(err, EFBIG, "read '%s' (limit %zu bytes)", path, max);
			cap *= 2;
			char *nb = realloc(buf, cap + 1);
			if (nb == NULL)
				return cc_error_set(err, ENOMEM, "read '%s'", path);
			buf = nb;
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return cc_error_set(err, errno, "read '%s'", path);
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > max)
		return cc_error_set(err, EFBIG, "read '%s' (limit %zu bytes)", path, max);
	buf[len] = '\0';
	*ret_buf = steal_ptr(&buf);
	if (ret_len)
		*ret_len = len;
	return 0;
}

int cc_write_file(const char *path, const void *data, size_t len, mode_t mode, cc_error **err)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return cc_error_set(err, errno, "create '%s'", path);
	if (cc_write_all(fd, data, len) < 0)
		return cc_error_set(err, errno, "write '%s'", path);
	return 0;
}

int cc_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode, cc_error **err)
{
	_cleanup_free_ char *tmp = NULL;
	char rnd[17];
	if (cc_random_hex(rnd, 8, err) < 0)
		return -1;
	if (asprintf(&tmp, "%s.tmp-%s", path, rnd) < 0)
		return cc_error_set(err, ENOMEM, "write '%s'", path);
	_cleanup_close_ int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		return cc_error_set(err, errno, "create '%s'", tmp);
	if (fchmod(fd, mode) < 0 || cc_write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		int e = errno;
		(void)unlink(tmp);
		return cc_error_set(err, e, "write '%s'", tmp);
	}
	if (rename(tmp, path) < 0) {
		int e = errno;
		(void)unlink(tmp);
		return cc_error_set(err, e, "rename '%s' to '%s'", tmp, path);
	}
	return 0;
}

/* A reference to a directory about to be removed, into *keep (when given
 * and not full); -1 otherwise. */
static int keep_ref(int dfd, const char *name, const struct cc_kept *keep)
{
	if (keep == NULL || keep->n >= CC_KEPT_MAX)
		return -1;
	return openat(dfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

static void keep_add(struct cc_kept *keep, int *fd)
{
	if (*fd >= 0 && keep != NULL && keep->n < CC_KEPT_MAX)
		keep->fd[keep->n++] = steal_fd(fd);
	cc_closep(fd);
}

static int rm_rf_at(int dfd, const char *name, struct cc_kept *keep, cc_error **err)
{
	/* Most entries are files, and most directories are empty by the time
	 * they are reached: try the cheap removals first. */
	if (unlinkat(dfd, name, 0) == 0 || errno == ENOENT)
		return 0;
	int e = errno; /* a directory: EISDIR (EPERM elsewhere in POSIX) */
	if (e != EISDIR && e != EPERM)
		return cc_error_set(err, e, "remove '%s'", name);
	_cleanup_close_ int ref = keep_ref(dfd, name, keep);
	if (unlinkat(dfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT) {
		keep_add(keep, &ref);
		return 0;
	}
	if (errno == ENOTDIR) /* not a directory after all: the first error stands */
		return cc_error_set(err, e, "remove '%s'", name);
	if (errno != ENOTEMPTY && errno != EEXIST)
		return cc_error_set(err, errno, "remove directory '%s'", name);
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return cc_error_set(err, errno, "open '%s'", name);
	_cleanup_closedir_ DIR *d = fdopendir(fd);
	if (d == NULL) {
		e = errno;
		close(fd);
		return cc_error_set(err, e, "open '%s'", name);
	}
	struct dirent *de;
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (rm_rf_at(dirfd(d), de->d_name, keep, err) < 0)
			return -1;
	}
	if (errno != 0)
		return cc_error_set(err, errno, "read directory '%s'", name);
	if (unlinkat(dfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return cc_error_set(err, errno, "remove directory '%s'", name);
	keep_add(keep, &ref);
	return 0;
}

int cc_rm_rf_at(int dfd, const char *name, cc_error **err)
{
	return rm_rf_at(dfd, name, NULL, err);
}

int cc_rm_rf(const char *path, cc_error **err)
{
	if (rm_rf_at(AT_FDCWD, path, NULL, err) < 0)
		return cc_error_prefix(err, "remove '%s'", path);
	return 0;
}

int cc_rm_rf_keep(const char *path, struct cc_kept *keep, cc_error **err)
{
	if (rm_rf_at(AT_FDCWD, path, keep, err) < 0)
		return cc_error_prefix(err, "remove '%s'", path);
	return 0;
}

/* --- cc_kept_release_async ------------------------------------------------ */

/* The helper shares our memory (CLONE_VM) but not our fd table: a copy of
 * it, taken at clone time.  What it reads is set before the clone and not
 * touched after, and it makes raw system calls only: it runs on its own
 * stack, alongside us, with our thread pointer. */
static struct {
	int keep[CC_KEPT_MAX + 1]; /* ascending: the kept fds and wait_fd */
	size_t n_keep;
	int wait_fd;
} release;
static char release_stack[16384] __attribute__((aligned(64)));

__attribute__((no_sanitize("address", "undefined"))) static int release_main(void *unused)
{
	(void)unused;
	/* Everything else first, on its own: stdio (a pipe someone reads to
	 * its end) and locks must not wait for the slow part. */
	unsigned int lo = 0;
	for (size_t i = 0; i < release.n_keep; i++) {
		unsigned int k = (unsigned int)release.keep[i];
		if (k > lo)
			(void)syscall(SYS_close_range, lo, k - 1, 0);
		lo = k + 1;
	}
	(void)syscall(SYS_close_range, lo, ~0U, 0);
	/* Until the caller has closed its own references (EOF): ours are then
	 * the last, and the release happens here. */
	char c;
	for (int i = 0; i < 100 && syscall(SYS_read, release.wait_fd, &c, 1) < 0; i++)
		; /* EINTR; bounded, as errno is not ours to read */
	(void)syscall(SYS_close_range, 0, ~0U, 0);
	(void)syscall(SYS_exit, 0);
	return 0;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

void cc_kept_release_async(struct cc_kept *keep)
{
	static bool used;
	int p[2] = { -1, -1 };
	if (keep->n > 0 && !used && pipe2(p, O_CLOEXEC) == 0) {
		used = true;
		memcpy(release.keep, keep->fd, keep->n * sizeof(int));
		release.keep[keep->n] = p[0];
		release.n_keep = keep->n + 1;
		qsort(release.keep, release.n_keep, sizeof(int), cmp_int);
		release.wait_fd = p[0];
		/* bound here, so that the helper never enters the dynamic linker */
		(void)syscall(SYS_getpid);
		/* Exit signal 0: nobody waits for it; once we are gone, init (or
		 * the nearest subreaper) reaps it.  If the clone fails, the
		 * closes below release everything right here. */
		(void)clone(release_main, release_stack + sizeof(release_stack), CLONE_VM, NULL);
	}
	for (size_t i = 0; i < keep->n; i++)
		cc_closep(&keep->fd[i]);
	keep->n = 0;
	cc_closep(&p[0]);
	cc_closep(&p[1]); /* EOF for the helper: its references are the last */
}

int cc_random_hex(char *out, size_t nbytes, cc_error **err)
{
	unsigned char buf[64];
	if (nbytes > sizeof(buf))
		return cc_error_set(err, EINVAL, "random id too long");
	size_t got = 0;
	while (got < nbytes) {
		ssize_t n = getrandom(buf + got, nbytes - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return cc_error_set(err, errno, "getrandom");
		}
		got += (size_t)n;
	}
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < nbytes; i++) {
		out[2 * i] = hex[buf[i] >> 4];
		out[2 * i + 1] = hex[buf[i] & 15];
	}
	out[2 * nbytes] = '\0';
	return 0;
}

void cc_human_size(uint64_t bytes, char *out, size_t outlen)
{
	static const char *units[] = { "B", "kB", "MB", "GB", "TB", "PB" };
	double v = (double)bytes;
	size_t u = 0;
	while (v >= 1000.0 && u < 5) {
		v /= 1000.0;
		u++;
	}
	if (u == 0)
		snprintf(out, outlen, "%lluB", (unsigned long long)bytes);
	else
		snprintf(out, outlen, "%.3g%s", v, units[u]);
}

void cc_bytes_size(double v, char *out, size_t outlen)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB" };
	size_t u = 0;
	while (v >= 1024.0 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024.0;
		u++;
	}
	snprintf(out, outlen, "%.4g%s", v, units[u]);
}

/* go-units' HumanDuration, as docker prints "Up 2 hours": hours rounded to
 * the nearest, the longer units counted from them. */
void cc_human_ago(int64_t s, char *out, size_t outlen)
{
	int64_t hours = (s + 1800) / 3600;
	if (s < 1)
		snprintf(out, outlen, "Less than a second");
	else if (s == 1)
		snprintf(out, outlen, "1 second");
	else if (s < 60)
		snprintf(out, outlen, "%lld seconds", (long long)s);
	else if (s / 60 == 1)
		snprintf(out, outlen, "About a minute");
	else if (s / 60 < 60)
		snprintf(out, outlen, "%lld minutes", (long long)(s / 60));
	else if (hours == 1)
		snprintf(out, outlen, "About an hour");
	else if (hours < 48)
		snprintf(out, outlen, "%lld hours", (long long)hours);
	else if (hours < 24 * 7 * 2)
		snprintf(out, outlen, "%lld days", (long long)(hours / 24));
	else if (hours < 24 * 30 * 2)
		snprintf(out, outlen, "%lld weeks", (long long)(hours / 24 / 7));
	else if (hours < 24 * 365 * 2)
		snprintf(out, outlen, "%lld months", (long long)(hours / 24 / 30));
	else
		snprintf(out, outlen, "%lld years", (long long)(s / 3600 / 24 / 365));
}

int cc_parse_size(const char *s, int64_t *ret)
{
	char *end = NULL;
	errno = 0;
	double v = strtod(s, &end);
	if (errno != 0 || end == s || v < 0)
		return -1;
	int64_t mult = 1;
	switch (*end) {
	case '\0': break;
	case 'b': case 'B': mult = 1; end++; break;
	case 'k': case 'K': mult = 1024; end++; break;
	case 'm': case 'M': mult = 1024 * 1024; end++; break;
	case 'g': case 'G': mult = 1024LL * 1024 * 1024; end++; break;
	case 't': case 'T': mult = 1024LL * 1024 * 1024 * 1024; end++; break;
	default: return -1;
	}
	if (mult > 1 && (*end == 'b' || *end == 'B'))
		end++;
	if (*end != '\0')
		return -1;
	double r = v * (double)mult;
	if (!(r >= 0 && r <= 9.2e18)) /* NaN fails both */
		return -1;
	*ret = (int64_t)r;
	return 0;
}

uint64_t cc_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void cc_rfc3339_now(char *out, size_t outlen)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	char base[32];
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, outlen, "%s.%09ldZ", base, ts.tv_nsec);
}

int64_t cc_parse_rfc3339(const char *s)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	if (s == NULL)
		return -1;
	const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (p == NULL)
		return -1;
	int64_t t = (int64_t)timegm(&tm);
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	if (*p == '+' || *p == '-') {
		int hh = 0, mm = 0;
		if (sscanf(p + 1, "%d:%d", &hh, &mm) >= 1) {
			int off = hh * 3600 + mm * 60;
			t += (*p == '+') ? -off : off;
		}
	}
	return t;
}

uint64_t cc_pid_start_time(int pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* the command name may hold spaces and parens: fields start after the last ')' */
	char *p = strrchr(buf, ')');
	if (p == NULL)
		return 0;
	p++;
	for (int field = 3; field < 22 && p; field++) /* p: the space before field 3 */
		p = strchr(p + 1, ' ');
	return p ? strtoull(p + 1, NULL, 10) : 0;
}

char *cc_helper_path(const char *name, const char *env)
{
	const char *v = env ? secure_getenv(env) : NULL;
	if (v && *v)
		return strdup(v);
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		char *slash = strrchr(self, '/');
		char *p = NULL;
		if (slash) {
			*slash = '\0';
			/* next to the binary (build tree), or PREFIX/libexec/ccontainer */
			if (asprintf(&p, "%s/%s", self, name) >= 0 && access(p, X_OK) == 0)
				return p;
			free(p);
			p = NULL;
			if (asprintf(&p, "%s/../libexec/ccontainer/%s", self, name) >= 0 && access(p, X_OK) == 0)
				return p;
			free(p);
		}
	}
	char *p = NULL;
	return asprintf(&p, "/usr/local/libexec/ccontainer/%s", name) >= 0 ? p : NULL;
}

int cc_str_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

int cc_is_hex(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return 0;
	}
	return s[len] == '\0';
}

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#define CC_SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL)

bool cc_self_is_sealed(void)
{
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	int seals = fcntl(fd, F_GET_SEALS);
	(void)close(fd);
	return seals >= 0 && (seals & CC_SEALS) == CC_SEALS;
}

int cc_reexec_sealed(char *const *argv, cc_error **err)
{
	int src = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (src < 0)
		return cc_error_set(err, errno, "open '/proc/self/exe'");
	struct stat st;
	int mfd = -1, e = 0;
	if (fstat(src, &st) < 0) {
		e = errno;
		goto out;
	}
	mfd = memfd_create("ccontainer", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	if (mfd < 0 && errno == EINVAL)
		mfd = memfd_create("ccontainer", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0) {
		e = errno;
		goto out;
	}
	for (off_t left = st.st_size; left > 0;) {
		ssize_t n = sendfile(mfd, src, NULL, (size_t)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			e = n < 0 ? errno : EIO;
			goto out;
		}
		left -= n;
	}
	if (fcntl(mfd, F_ADD_SEALS, CC_SEALS) < 0) {
		e = errno;
		goto out;
	}
	extern char **environ;
	syscall(SYS_execveat, mfd, "", argv, environ, AT_EMPTY_PATH);
	e = errno;
out:
	(void)close(src);
	if (mfd >= 0)
		(void)close(mfd);
	return cc_error_set(err, e, "run from a sealed copy of ccontainer");
}

/* Length of the valid UTF-8 sequence at p (1-4), or 0 when it is not one
 * (overlong forms, surrogates and values past U+10FFFF included). */
static size_t utf8_len(const unsigned char *p)
{
	unsigned c = p[0];
	size_t n;
	unsigned min;
	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0) {
		n = 2;
		min = 0x80;
		c &= 0x1f;
	} else if ((c & 0xf0) == 0xe0) {
		n = 3;
		min = 0x800;
		c &= 0x0f;
	} else if ((c & 0xf8) == 0xf0) {
		n = 4;
		min = 0x10000;
		c &= 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	return n;
}

char *cc_safe_text(const char *s)
{
	if (s == NULL)
		s = "";
	size_t len = strlen(s);
	/* at most 6 bytes out for one in ("\u009b" for 2 bytes, "\xNN" for 1) */
	char *out = malloc(len * 4 + 1);
	if (out == NULL)
		return NULL;
	const unsigned char *p = (const unsigned char *)s;
	char *o = out;
	while (*p) {
		size_t n = utf8_len(p);
		if (n == 0 || *p < 0x20 || *p == 0x7f) {
			o += sprintf(o, "\\x%02x", *p);
			p++;
		} else if (n == 2 && p[0] == 0xc2 && p[1] < 0xa0) {
			o += sprintf(o, "\\u00%02x", p[1]); /* C1: U+0080..U+009F */
			p += 2;
		} else {
			memcpy(o, p, n);
			o += n;
			p += n;
		}
	}
	*o = '\0';
	return out;
}

int64_t cc_wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int cc_parse_go_duration(const char *s, int64_t *ret_ns)
{
	static const struct {
		const char *name;
		int64_t ns;
	} units[] = { { "ns", 1 }, { "us", 1000 }, { "\xc2\xb5s", 1000 }, { "\xce\xbcs", 1000 }, { "ms", 1000000 },
		      { "s", 1000000000LL }, { "m", 60000000000LL }, { "h", 3600000000000LL } };
	const char *p = s;
	bool neg = false;
	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	if (strcmp(p, "0") == 0) {
		*ret_ns = 0;
		return 0;
	}
	if (*p == '\0')
		return -EINVAL;
	double total = 0;
	while (*p != '\0') {
		/* [0-9]*(\.[0-9]*)? with a digit somewhere, as Go's */
		double n = 0, scale = 1;
		bool any = false;
		for (; isdigit((unsigned char)*p); p++, any = true)
			n = n * 10 + (*p - '0');
		if (*p == '.')
			for (p++; isdigit((unsigned char)*p); p++, any = true)
				n += (*p - '0') * (scale /= 10);
		if (!any)
			return -EINVAL;
		size_t best = 0;
		int64_t mult = 0;
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			size_t l = strlen(units[i].name);
			if (l > best && strncmp(p, units[i].name, l) == 0)
				best = l, mult = units[i].ns;
		}
		if (best == 0)
			return -EINVAL;
		p += best;
		total += n * (double)mult;
		if (total > 9.2e18)
			return -EINVAL;
	}
	*ret_ns = neg ? -(int64_t)total : (int64_t)total;
	return 0;
}

/* "[.frac]" at *p: nanoseconds, p moved past it */
static int64_t frac_ns(const char **p)
{
	int64_t ns = 0, scale = 100000000;
	if (**p != '.')
		return 0;
	for ((*p)++; isdigit((unsigned char)**p); (*p)++, scale /= 10)
		ns += scale * (**p - '0');
	return ns;
}

int cc_parse_timestamp(const char *s, int64_t now_ns, int64_t *ret_ns)
{
	int64_t d;
	if (s == NULL || *s == '\0')
		return -EINVAL;
	if (strcmp(s, "0") != 0 && cc_parse_go_duration(s, &d) == 0) {
		*ret_ns = now_ns - d;
		return 0;
	}
	/* Unix seconds, with an optional fraction */
	size_t digits = strspn(s, "0123456789");
	if (digits > 0 && digits <= 12 && (s[digits] == '\0' || s[digits] == '.')) {
		const char *p = s + digits;
		int64_t ns = frac_ns(&p);
		long long secs = strtoll(s, NULL, 10);
		if (*p == '\0') {
			if (secs > INT64_MAX / 1000000000LL - 1)
				return -EINVAL; /* past the year 2262 */
			*ret_ns = secs * 1000000000LL + ns;
			return 0;
		}
	}
	struct tm tm = { 0 };
	const char *p = strptime(s, "%Y-%m-%d", &tm);
	if (p == NULL || s[0] == '-' || s[0] == '+')
		return -EINVAL;
	int64_t ns = 0;
	if (*p == 'T') {
		int n = 0;
		if (sscanf(p + 1, "%2d%n", &tm.tm_hour, &n) != 1 || n != 2)
			return -EINVAL;
		p += 3;
		if (*p == ':') {
			if (sscanf(p + 1, "%2d%n", &tm.tm_min, &n) != 1 || n != 2)
				return -EINVAL;
			p += 3;
			if (*p == ':') {
				if (sscanf(p + 1, "%2d%n", &tm.tm_sec, &n) != 1 || n != 2)
					return -EINVAL;
				p += 3;
				ns = frac_ns(&p);
			}
		}
		if (tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
			return -EINVAL;
	}
	int64_t t;
	if (*p == 'Z' || *p == 'z') {
		t = (int64_t)timegm(&tm);
		p++;
	} else if (*p == '+' || *p == '-') {
		int hh = 0, mm = 0, n = 0;
		if (sscanf(p + 1, "%2d:%2d%n", &hh, &mm, &n) != 2 || n != 5 || hh > 23 || mm > 59)
			return -EINVAL;
		int off = hh * 3600 + mm * 60;
		t = (int64_t)timegm(&tm) + (*p == '+' ? -off : off);
		p += 6;
	} else {
		tm.tm_isdst = -1;
		t = (int64_t)mktime(&tm);
	}
	if (*p != '\0')
		return -EINVAL;
	*ret_ns = t * 1000000000LL + ns;
	return 0;
}

static int userns_cached = -1;

bool cc_in_userns(void)
{
	if (userns_cached >= 0)
		return userns_cached;
	char buf[256];
	_cleanup_close_ int fd = open("/proc/self/uid_map", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (n <= 0) {
		userns_cached = 0; /* no /proc: not something to guess at */
		return false;
	}
	buf[n] = '\0';
	unsigned long a, b, c;
	int k = 0;
	/* the initial namespace's map: "0 0 4294967295" and nothing else */
	userns_cached = !(sscanf(buf, "%lu %lu %lu %n", &a, &b, &c, &k) == 3 && a == 0 && b == 0 && c == 4294967295UL &&
		   buf[k] == '\0');
	return userns_cached;
}

/* The IDs a namespace's map gives (inside ranges), read once. */
struct idmap {
	bool read;
	size_t n;
	unsigned long first[340], count[340]; /* the kernel's most lines */
};

static void idmap_read(struct idmap *m, const char *path)
{
	m->read = true;
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	unsigned long in, out, count;
	while (f != NULL && m->n < 340 && fscanf(f, "%lu %lu %lu", &in, &out, &count) == 3) {
		m->first[m->n] = in;
		m->count[m->n++] = count;
	}
}

static struct idmap maps[2];

void cc_userns_changed(void)
{
	userns_cached = -1;
	maps[0] = maps[1] = (struct idmap){ 0 };
}

bool cc_id_mapped(unsigned long id, bool gid)
{
	struct idmap *m = &maps[gid];
	if (!m->read)
		idmap_read(m, gid ? "/proc/self/gid_map" : "/proc/self/uid_map");
	if (m->n == 0)
		return true; /* nothing to go by */
	for (size_t i = 0; i < m->n; i++)
		if (id >= m->first[i] && id - m->first[i] < m->count[i])
			return true;
	return false;
}

const char *cc_overlay_xattr_prefix(void)
{
	return cc_in_userns() ? "user.overlay." : "trusted.overlay.";
}

const char *cc_overlay_opaque_xattr(void)
{
	return cc_in_userns() ? "user.overlay.opaque" : "trusted.overlay.opaque";
}

bool cc_is_overlay_xattr(const char *name)
{
	return cc_str_has_prefix(name, "trusted.overlay.") || cc_str_has_prefix(name, "user.overlay.");
}
