/* A cache of compiled seccomp programs, so that the start path does not pay
 * for libseccomp: the default profile with docker's three x86 arches takes
 * about 11 ms to compile here, reading it back about 0.05 ms.
 *
 * One file per program, <dir>/<key>.bpf.  The key names everything the
 * program depends on: the profile, then the capability set, the native
 * arch, libseccomp (its syscall tables) and the kernel release (minKernel
 * rules).  The built-in profile is named by a hash of the sources that
 * define and compile it, taken at build time (CC_SC_SOURCE_ID, see the
 * Makefile), so that `run` hashes nothing and loads neither libcrypto
 * (~2.5 ms with OpenSSL's initialisation) nor libseccomp; a profile file is
 * named by a SHA-256 over its parsed content.  Writes are atomic (temp
 * file, fsync, rename) and best effort; a file whose header or size does
 * not match is ignored and rewritten, and the kernel checks the program
 * itself when it is loaded.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "security-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/filter.h>
#include <openssl/evp.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "util/util.h"

#if !defined(CC_SC_SOURCE_ID) || !defined(CC_LIBSECCOMP_FILE)
#error "CC_SC_SOURCE_ID, CC_LIBSECCOMP_FILE: the Makefile passes them"
#endif

#define CACHE_MAGIC "CCSCBPF2"

struct cache_header {
	char magic[8];
	uint32_t n_insns;
	uint32_t zero;
};

static void put(EVP_MD_CTX *h, const void *data, size_t len)
{
	(void)EVP_DigestUpdate(h, data, len); /* cannot fail for sha256 in memory */
}

static void put_str(EVP_MD_CTX *h, const char *s)
{
	/* with the terminating NUL, so that ("ab","c") and ("a","bc") differ */
	if (s == NULL)
		put(h, "\xff", 1);
	else
		put(h, s, strlen(s) + 1);
}

static void put_list(EVP_MD_CTX *h, const char *const *v)
{
	for (; v != NULL && *v != NULL; v++)
		put_str(h, *v);
	put(h, "\xfe", 1);
}

/* The native arch as libseccomp names it, known at build time for the
 * usual ones (SCMP_ARCH_* are the kernel's AUDIT_ARCH_* values). */
static uint32_t native_arch(void)
{
#if defined(__x86_64__) && !defined(__ILP32__)
	return SCMP_ARCH_X86_64;
#elif defined(__aarch64__)
	return SCMP_ARCH_AARCH64;
#else
	return seccomp_arch_native();
#endif
}

/* Which libseccomp compiles the programs (its syscall tables): the file's
 * identity, which any upgrade changes, so that a cache hit needs no
 * loading; the library's own version when the file is not where the
 * build found it. */
static void libseccomp_identity(char *buf, size_t size)
{
	struct stat st;
	if (stat(CC_LIBSECCOMP_FILE, &st) == 0) {
		(void)snprintf(buf, size, "f%" PRIx64 ".%" PRIx64 ".%" PRIx64 ".%" PRIx64, (uint64_t)st.st_dev,
			       (uint64_t)st.st_ino, (uint64_t)st.st_size, (uint64_t)st.st_mtime);
		return;
	}
	const struct scmp_version *v = seccomp_version();
	(void)snprintf(buf, size, "v%u.%u.%u", v->major, v->minor, v->micro);
}

/* The profile's content; only for profiles read from a file. */
static int profile_digest(const struct cc_rt_sc_profile *p, char out[65])
{
	EVP_MD_CTX *h = EVP_MD_CTX_new();
	if (h == NULL || EVP_DigestInit_ex(h, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(h);
		return -ENOMEM;
	}
	put(h, &p->default_action, sizeof(p->default_action));
	put(h, &p->default_errno, sizeof(p->default_errno));
	put(h, p->arches, p->n_arches * sizeof(p->arches[0]));
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct cc_rt_sc_rule *r = &p->rules[i];
		put_list(h, r->names);
		put(h, &r->action, sizeof(r->action));
		put(h, &r->errno_ret, sizeof(r->errno_ret));
		for (size_t j = 0; j < r->n_args; j++) {
			put(h, &r->args[j].index, sizeof(r->args[j].index));
			put(h, &r->args[j].value, sizeof(r->args[j].value));
			put(h, &r->args[j].value_two, sizeof(r->args[j].value_two));
			put(h, &r->args[j].op, sizeof(r->args[j].op));
		}
		put(h, &r->caps_include, sizeof(r->caps_include));
		put(h, &r->caps_exclude, sizeof(r->caps_exclude));
		put(h, &r->never, sizeof(r->never));
		put_list(h, r->arches_include);
		put_list(h, r->arches_exclude);
		put_str(h, r->min_kernel);
	}
	unsigned char md[32];
	unsigned int len = 0;
	int ok = EVP_DigestFinal_ex(h, md, &len);
	EVP_MD_CTX_free(h);
	if (ok != 1 || len != 32)
		return -EIO;
	for (size_t i = 0; i < 32; i++)
		(void)snprintf(out + 2 * i, 3, "%02x", md[i]);
	return 0;
}

int cc_rt_sc_cache_key(const struct cc_rt_sc_profile *p, uint64_t caps, char out[CC_RT_SC_KEY_MAX])
{
	char profile[66] = "d" CC_SC_SOURCE_ID;
	if (p != &cc_rt_sc_default_profile) {
		profile[0] = 'p';
		int r = profile_digest(p, profile + 1);
		if (r < 0)
			return r;
	}
	/* the kernel release as it may appear in a file name */
	struct utsname u;
	char rel[sizeof(u.release)] = "unknown";
	if (uname(&u) == 0)
		(void)snprintf(rel, sizeof(rel), "%s", u.release);
	for (char *c = rel; *c != '\0'; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
		      *c == '.' || *c == '-' || *c == '+'))
			*c = '_';
	char lib[80];
	libseccomp_identity(lib, sizeof(lib));
	int n = snprintf(out, CC_RT_SC_KEY_MAX, "%s-%016" PRIx64 "-%08" PRIx32 "-%s-%s", profile, caps,
			 native_arch(), lib, rel);
	return n > 0 && n < CC_RT_SC_KEY_MAX ? 0 : -ENAMETOOLONG;
}

int cc_rt_sc_cache_read(const char *dir, const char *key, void **ret_filter, size_t *ret_len)
{
	char path[4096];
	if ((size_t)snprintf(path, sizeof(path), "%s/%s.bpf", dir, key) >= sizeof(path))
		return -ENAMETOOLONG;
	_cleanup_close_ int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct cache_header hdr;
	if (read(fd, &hdr, sizeof(hdr)) != (ssize_t)sizeof(hdr) ||
	    memcmp(hdr.magic, CACHE_MAGIC, sizeof(hdr.magic)) != 0 || hdr.n_insns == 0 ||
	    hdr.n_insns > BPF_MAXINSNS || hdr.zero != 0)
		return -EINVAL;
	size_t size = hdr.n_insns * sizeof(struct sock_filter);
	_cleanup_free_ void *f = malloc(size + 1);
	if (f == NULL)
		return -ENOMEM;
	/* one byte more than expected: a longer file is not ours */
	ssize_t n = read(fd, f, size + 1);
	if (n != (ssize_t)size)
		return -EINVAL;
	*ret_filter = steal_ptr(&f);
	*ret_len = hdr.n_insns;
	return 0;
}

void cc_rt_sc_cache_write(const char *dir, const char *key, const void *filter, size_t len)
{
	if (len == 0 || len > BPF_MAXINSNS)
		return;
	struct cache_header hdr = { .n_insns = (uint32_t)len };
	memcpy(hdr.magic, CACHE_MAGIC, sizeof(hdr.magic));
	size_t size = len * sizeof(struct sock_filter);
	_cleanup_free_ char *buf = malloc(sizeof(hdr) + size), *path = NULL;
	if (buf == NULL || asprintf(&path, "%s/%s.bpf", dir, key) < 0)
		return;
	memcpy(buf, &hdr, sizeof(hdr));
	memcpy(buf + sizeof(hdr), filter, size);
	cc_error *e = NULL;
	/* a cache: a failure only means compiling again next time */
	if (cc_mkdir_p(dir, 0700, &e) < 0 || cc_write_file_atomic(path, buf, sizeof(hdr) + size, 0600, &e) < 0)
		cc_error_free(e);
}
