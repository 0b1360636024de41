/* A cache of compiled seccomp programs, so that the start path does not pay
 * for libseccomp: the default profile with docker's three x86 arches takes
 * about 11 ms to compile here, reading it back about 0.05 ms.
 *
 * One file per program, <dir>/<key>.bpf, where key is a SHA-256 over
 * everything the program depends on: the profile's content (so an edited
 * built-in profile or JSON file never hits an old entry), the capability
 * set, the native arch, libseccomp's version (its syscall tables) and the
 * kernel release (minKernel rules).  The file holds a header with a
 * SHA-256 of the instructions; anything that does not verify is ignored
 * and rewritten.  Writes are atomic (temp file, rename) and best effort.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "security-internal.h"

#include <errno.h>
#include <fcntl.h>
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

#define CACHE_MAGIC "CCSCBPF1"

struct cache_header {
	char magic[8];
	uint32_t n_insns;
	uint32_t zero;
	unsigned char sha256[32];
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

int cc_rt_sc_cache_key(const struct cc_rt_sc_profile *p, uint64_t caps, char out[65])
{
	EVP_MD_CTX *h = EVP_MD_CTX_new();
	if (h == NULL || EVP_DigestInit_ex(h, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(h);
		return -ENOMEM;
	}
	put_str(h, "ccontainer seccomp program v1");
	const struct scmp_version *v = seccomp_version();
	put(h, v, sizeof(*v));
	struct utsname u;
	if (uname(&u) == 0)
		put_str(h, u.release);
	uint32_t native = seccomp_arch_native();
	put(h, &native, sizeof(native));
	put(h, &caps, sizeof(caps));
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

static int digest(const void *data, size_t len, unsigned char md[32])
{
	unsigned int mdlen = 0;
	if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
		return -EIO;
	return 0;
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
	unsigned char md[32];
	if (n != (ssize_t)size || digest(f, size, md) < 0 || memcmp(md, hdr.sha256, 32) != 0)
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
	if (digest(filter, size, hdr.sha256) < 0)
		return;
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
