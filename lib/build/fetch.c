/* ADD of an http(s) URL: the download.
 *
 * libcurl (dlopen'ed, util/dl.h) writes the body into a file of the
 * build's staging dir while it is hashed; the size is bounded
 * (CC_BUILD_MAX_ADD_URL), redirects are followed (http and https only),
 * a stalled transfer fails, and a build's cancel flag stops it.  Docker's
 * rules for what the file becomes (name, mode 0600, mtime from
 * Last-Modified) are applied by the caller with what this returns.
 */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build-internal.h"
#include "util/dl.h"

struct sink {
	int fd;
	int64_t size, max;
	bool too_big;
	int write_errno;
	struct cc_sha256 *h;
	volatile sig_atomic_t *cancel;
};

static size_t on_body(char *p, size_t sz, size_t n, void *data)
{
	struct sink *k = data;
	size_t len = sz * n;
	if (k->size + (int64_t)len > k->max) {
		k->too_big = true;
		return 0;
	}
	if (cc_write_all(k->fd, p, len) < 0) {
		k->write_errno = errno;
		return 0;
	}
	cc_sha256_update(k->h, p, len);
	k->size += (int64_t)len;
	return len;
}

static int on_progress(void *data, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	(void)dt;
	(void)dn;
	(void)ut;
	(void)un;
	struct sink *k = data;
	return k->cancel && *k->cancel ? 1 : 0;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void)
{
	(void)curl_global_init(CURL_GLOBAL_DEFAULT);
}

int cc_build_fetch(const char *url, const char *path, int64_t *ret_mtime, char digest[72],
		   volatile sig_atomic_t *cancel, cc_error **err)
{
	if (cc_dl_curl(err) < 0)
		return -1;
	pthread_once(&curl_once, curl_init_once);
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return cc_error_set(err, errno, "create '%s'", path);
	struct sink k = { .fd = fd, .max = CC_BUILD_MAX_ADD_URL, .h = cc_sha256_new(), .cancel = cancel };
	CURL *c = curl_easy_init();
	if (c == NULL || k.h == NULL) {
		if (c)
			curl_easy_cleanup(c);
		if (k.h)
			cc_sha256_free(k.h);
		return cc_error_set(err, ENOMEM, "ADD '%s'", url);
	}
	char errbuf[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "ccontainer");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &k);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, &k);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FILETIME, 1L);
	/* a size the server announces is refused before anything is read */
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)CC_BUILD_MAX_ADD_URL);
	CURLcode rc = curl_easy_perform(c);
	long status = 0;
	curl_off_t ft = -1;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(c, CURLINFO_FILETIME_T, &ft);
	curl_easy_cleanup(c);
	int r = 0;
	if (k.too_big || rc == CURLE_FILESIZE_EXCEEDED)
		r = cc_error_setk(err, CC_ERR_INVALID, EFBIG, "ADD '%s': larger than %lld bytes", url,
				  (long long)CC_BUILD_MAX_ADD_URL);
	else if (k.write_errno)
		r = cc_error_set(err, k.write_errno, "ADD '%s': write '%s'", url, path);
	else if (rc == CURLE_ABORTED_BY_CALLBACK)
		r = cc_error_set(err, EINTR, "build interrupted");
	else if (rc != CURLE_OK)
		r = cc_error_set(err, 0, "ADD '%s': %s", url, errbuf[0] ? errbuf : curl_easy_strerror(rc));
	else if (status < 200 || status >= 300)
		r = cc_error_setk(err, status == 404 ? CC_ERR_NOT_FOUND : CC_ERR_GENERIC, 0,
				  "ADD '%s': invalid response status %ld", url, status);
	else if (fsync(fd) < 0)
		r = cc_error_set(err, errno, "ADD '%s': write '%s'", url, path);
	if (r < 0) {
		cc_sha256_free(k.h);
		(void)unlink(path);
		return -1;
	}
	cc_sha256_final(k.h, digest);
	*ret_mtime = ft >= 0 ? (int64_t)ft : -1;
	return 0;
}
