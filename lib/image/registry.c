/* Registry HTTP client on libcurl: auth challenges, retries, blob streaming. */
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "image-internal.h"
#include "util/dl.h"
#include "util/util.h"

/* Requests without a Retry-After: three tries.  With one, as many as the
 * wait budget allows, up to RA_ATTEMPTS. */
#define ATTEMPTS 3
#define RA_ATTEMPTS 8
#define ERROR_BODY_MAX (64 * 1024)
#define TOKEN_MAX (64 * 1024)
/* Defaults of the CCONTAINER_REGISTRY_* knobs (see cc_registry_new). */
#define LOW_SPEED_LIMIT 1024L /* bytes per second ... */
#define LOW_SPEED_TIME 30L    /* ... over this many seconds, else the transfer is cut */
#define CONNECT_TIMEOUT 15L
#define MAX_WAIT 60L          /* seconds of Retry-After one request may wait in all */
#define USER_AGENT "ccontainer/0.1"
#define SYSTEM_CA "/etc/ssl/certs/ca-certificates.crt"
#define CERTS_D "/etc/ccontainer/certs.d"
#define CONFIG_FILE "/etc/ccontainer/registries.json"

struct cc_registry {
	char *domain;
	char *endpoint;
	bool tls_verify;
	char *ca_bundle;      /* system CAs + certs.d/<domain>/ca.crt, when the latter exists */
	size_t ca_len;
	char *user, *pass;
	pthread_mutex_t lock; /* guards auth and the share's locks */
	char *auth_header;    /* "Authorization: Bearer ..." or "... Basic ..." */
	char *token_scope;
	char *push_repo;      /* push: token scope repository:<push_repo>:pull,push */
	char *extra_scope;    /* and this one too (a mount's source) */
	/* A loopback registry asked in plain HTTP first switches to HTTPS
	 * once when its port turns out to speak TLS (see tls_fallback). */
	bool tls_switchable;
	bool plain_ok, probed; /* answered in plain HTTP already; probed HTTPS once */
	char *old_endpoint;   /* the http:// one, kept alive for readers */
	CURLSH *share;
	pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST];
	long low_speed_limit, low_speed_time, connect_timeout, max_wait;
};

static int parse_digits(const char **p, int64_t *ret);

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void)
{
	(void)curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void share_lock(CURL *h, curl_lock_data d, curl_lock_access a, void *u)
{
	(void)h;
	(void)a;
	pthread_mutex_lock(&((struct cc_registry *)u)->share_locks[d]);
}

static void share_unlock(CURL *h, curl_lock_data d, void *u)
{
	(void)h;
	pthread_mutex_unlock(&((struct cc_registry *)u)->share_locks[d]);
}

void cc_http_release(struct cc_http *h)
{
	free(h->body);
	memset(h, 0, sizeof(*h));
}

bool cc_registry_is_loopback(const char *domain)
{
	/* the host without its port: localhost, 127.0.0.0/8, [::1] */
	size_t n = strlen(domain);
	if (domain[0] == '[') {
		const char *close = strchr(domain, ']');
		return close && (size_t)(close - domain) == 4 && strncmp(domain, "[::1]", 5) == 0 &&
		       (close[1] == '\0' || close[1] == ':');
	}
	const char *colon = strchr(domain, ':');
	size_t hl = colon ? (size_t)(colon - domain) : n;
	if (hl == 9 && strncmp(domain, "localhost", 9) == 0)
		return true;
	if (hl < 7 || strncmp(domain, "127.", 4) != 0)
		return false;
	for (size_t i = 4; i < hl; i++)
		if (!(isdigit((unsigned char)domain[i]) || domain[i] == '.'))
			return false;
	return true;
}

static bool is_loopback(const char *domain)
{
	return cc_registry_is_loopback(domain);
}

/* Mirrors: CCONTAINER_REGISTRY_MIRROR for docker.io, then the config file
 * {"mirrors": {"docker.io": ["https://mirror.example"], "quay.io": [...]}}. */
char **cc_registry_endpoints(const char *domain, bool tls_verify)
{
	(void)tls_verify;
	size_t n = 0;
	char **v = calloc(18, sizeof(char *));
	if (v == NULL)
		return NULL;
	const char *env = secure_getenv("CCONTAINER_REGISTRY_MIRROR");
	if (env && *env && strcmp(domain, "docker.io") == 0)
		v[n++] = strdup(env);
	const char *cfg = secure_getenv("CCONTAINER_REGISTRIES_CONF");
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	cc_error *e = NULL;
	if (cc_read_file(cfg && *cfg ? cfg : CONFIG_FILE, 1024 * 1024, &data, &len, &e) == 0) {
		json_t *root = json_loadb(data, len, 0, NULL);
		json_t *list = json_object_get(json_object_get(root, "mirrors"), domain);
		size_t i;
		json_t *m;
		json_array_foreach(list, i, m) {
			if (json_is_string(m) && n < 16)
				v[n++] = strdup(json_string_value(m));
		}
		json_decref(root);
	}
	cc_error_free(e);
	/* Loopback registries speak plain HTTP without a flag, as docker allows. */
	const char *scheme = is_loopback(domain) ? "http" : "https";
	if (asprintf(&v[n], "%s://%s", scheme, cc_ref_api_host(domain)) < 0)
		v[n] = NULL;
	for (size_t i = 0; i < n; i++) { /* strip trailing slashes of mirror URLs */
		size_t l = v[i] ? strlen(v[i]) : 0;
		while (l > 0 && v[i][l - 1] == '/')
			v[i][--l] = '\0';
	}
	return v;
}

/* A numeric knob from the environment: unset or empty gives def. */
static int env_long(const char *name, long def, long min, long max, long *ret, cc_error **err)
{
	const char *v = secure_getenv(name);
	*ret = def;
	if (v == NULL || *v == '\0')
		return 0;
	char *end = NULL;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < min || n > max)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid %s '%s': expected a number from %ld to %ld", name, v,
				     min, max);
	*ret = n;
	return 0;
}

int cc_registry_new(const char *domain, const char *endpoint, bool tls_verify, struct cc_registry **ret,
		    cc_error **err)
{
	/* Tests shorten these; an operator on a slow link may lengthen them. */
	long lsl, lst, ct, mw;
	if (env_long("CCONTAINER_REGISTRY_LOW_SPEED_LIMIT", LOW_SPEED_LIMIT, 1, 1L << 30, &lsl, err) < 0 ||
	    env_long("CCONTAINER_REGISTRY_LOW_SPEED_TIME", LOW_SPEED_TIME, 1, 86400, &lst, err) < 0 ||
	    env_long("CCONTAINER_REGISTRY_CONNECT_TIMEOUT", CONNECT_TIMEOUT, 1, 3600, &ct, err) < 0 ||
	    env_long("CCONTAINER_REGISTRY_MAX_WAIT", MAX_WAIT, 0, 86400, &mw, err) < 0)
		return -1;
	if (cc_dl_curl(err) < 0)
		return -1;
	pthread_once(&curl_once, curl_init_once);
	struct cc_registry *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return cc_error_set(err, ENOMEM, "registry client");
	r->domain = strdup(domain);
	r->endpoint = strdup(endpoint);
	r->tls_verify = tls_verify;
	r->low_speed_limit = lsl;
	r->low_speed_time = lst;
	r->connect_timeout = ct;
	r->max_wait = mw;
	r->tls_switchable = cc_str_has_prefix(endpoint, "http://") && is_loopback(domain) &&
			    strcmp(endpoint + 7, cc_ref_api_host(domain)) == 0;
	pthread_mutex_init(&r->lock, NULL);
	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&r->share_locks[i], NULL);
	r->share = curl_share_init();
	if (r->domain == NULL || r->endpoint == NULL || r->share == NULL) {
		cc_registry_free(r);
		return cc_error_set(err, ENOMEM, "registry client");
	}
	curl_share_setopt(r->share, CURLSHOPT_LOCKFUNC, share_lock);
	curl_share_setopt(r->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
	curl_share_setopt(r->share, CURLSHOPT_USERDATA, r);
	curl_share_setopt(r->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
	curl_share_setopt(r->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	curl_share_setopt(r->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);

	/* docker's certs.d layout: extra CAs for this registry, on top of the system's. */
	_cleanup_free_ char *host = NULL, *ca = NULL;
	const char *h = strstr(endpoint, "://");
	host = strdup(h ? h + 3 : endpoint);
	const char *certs_d = secure_getenv("CCONTAINER_CERTS_D");
	if (certs_d == NULL || *certs_d == '\0')
		certs_d = CERTS_D;
	if (host && asprintf(&ca, "%s/%s/ca.crt", certs_d, host) >= 0 && access(ca, R_OK) == 0) {
		char *sys = NULL, *extra = NULL;
		size_t sl = 0, el = 0;
		cc_error *e = NULL;
		if (cc_read_file(SYSTEM_CA, 16 * 1024 * 1024, &sys, &sl, &e) < 0) {
			cc_error_clear(&e);
			sys = strdup("");
			sl = 0;
		}
		if (cc_read_file(ca, 1024 * 1024, &extra, &el, &e) == 0 && sys) {
			r->ca_bundle = malloc(sl + el + 2);
			if (r->ca_bundle) {
				memcpy(r->ca_bundle, sys, sl);
				r->ca_bundle[sl] = '\n';
				memcpy(r->ca_bundle + sl + 1, extra, el);
				r->ca_len = sl + el + 1;
			}
		}
		cc_error_free(e);
		free(sys);
		free(extra);
	}
	if (cc_auth_lookup(domain, &r->user, &r->pass, err) < 0) {
		cc_registry_free(r);
		return -1;
	}
	*ret = r;
	return 0;
}

void cc_registry_free(struct cc_registry *r)
{
	if (r == NULL)
		return;
	if (r->share)
		curl_share_cleanup(r->share);
	free(r->domain);
	free(r->endpoint);
	free(r->ca_bundle);
	free(r->user);
	free(r->pass);
	free(r->auth_header);
	free(r->token_scope);
	free(r->push_repo);
	free(r->extra_scope);
	free(r->old_endpoint);
	pthread_mutex_destroy(&r->lock);
	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_destroy(&r->share_locks[i]);
	free(r);
}

int cc_registry_set_credentials(struct cc_registry *r, const char *user, const char *pass, cc_error **err)
{
	free(r->user);
	free(r->pass);
	r->user = strdup(user);
	r->pass = strdup(pass ? pass : "");
	if (r->user == NULL || r->pass == NULL)
		return cc_error_set(err, ENOMEM, "credentials");
	return 0;
}

const char *cc_registry_endpoint(const struct cc_registry *r)
{
	return r->endpoint;
}

int cc_registry_set_push(struct cc_registry *r, const char *repo, const char *extra, cc_error **err)
{
	pthread_mutex_lock(&r->lock);
	free(r->push_repo);
	free(r->extra_scope);
	r->push_repo = repo ? strdup(repo) : NULL;
	r->extra_scope = extra ? strdup(extra) : NULL;
	bool oom = (repo && r->push_repo == NULL) || (extra && r->extra_scope == NULL);
	pthread_mutex_unlock(&r->lock);
	return oom ? cc_error_set(err, ENOMEM, "registry client") : 0;
}

/* ---- upload URLs and ranges: pure functions, unit-tested ---- */

/* Length of "scheme://authority" at the start of url, 0 when it is not one. */
static size_t origin_len(const char *url)
{
	size_t sl;
	if (strncasecmp(url, "http://", 7) == 0)
		sl = 7;
	else if (strncasecmp(url, "https://", 8) == 0)
		sl = 8;
	else
		return 0;
	size_t a = strcspn(url + sl, "/?#");
	if (a == 0)
		return 0;
	for (size_t i = 0; i < a; i++) {
		unsigned char ch = (unsigned char)url[sl + i];
		if (ch <= ' ' || ch >= 0x7f || ch == '@' || ch == '\\')
			return 0; /* no userinfo, no control bytes */
	}
	return sl + a;
}

static bool url_chars_ok(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

int cc_upload_location_resolve(const char *endpoint, const char *location, char **ret_url, bool *ret_same_origin)
{
	*ret_url = NULL;
	*ret_same_origin = false;
	size_t el = origin_len(endpoint);
	if (el == 0 || endpoint[el] != '\0' || location == NULL || *location == '\0' || strlen(location) > 4096 ||
	    !url_chars_ok(location))
		return -1;
	if (location[0] == '/' && location[1] != '/') {
		if (asprintf(ret_url, "%s%s", endpoint, location) < 0) {
			*ret_url = NULL;
			return -1;
		}
		*ret_same_origin = true;
		return 0;
	}
	size_t ll = origin_len(location);
	if (ll == 0 || (location[ll] != '\0' && location[ll] != '/' && location[ll] != '?'))
		return -1;
	*ret_url = strdup(location);
	if (*ret_url == NULL)
		return -1;
	*ret_same_origin = ll == el && strncasecmp(location, endpoint, el) == 0;
	return 0;
}

char *cc_upload_url_with_digest(const char *url, const char *digest)
{
	char *out = NULL;
	const char *q = strchr(url, '?');
	size_t ul = strcspn(url, "#");
	if (asprintf(&out, "%.*s%sdigest=%s", (int)ul, url, q == NULL ? "?" : (url[ul - 1] == '?' || url[ul - 1] == '&' ? "" : "&"),
		     digest) < 0)
		return NULL;
	return out;
}

int64_t cc_upload_range_next(const char *value)
{
	const char *p = value;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0')
		return 0;
	if (strncasecmp(p, "bytes=", 6) == 0)
		p += 6;
	int64_t first = 0, last = 0;
	if (parse_digits(&p, &first) < 0 || *p++ != '-' || parse_digits(&p, &last) < 0)
		return -1;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != '\0' || first != 0 || last < first || last >= INT64_MAX - 1)
		return -1;
	/* distribution answers "0-0" for an empty upload (and for one byte) */
	return last == 0 ? 0 : last + 1;
}

/* ---- header values: pure functions, unit-tested ---- */

/* 1 to 18 decimal digits at *p (no sign, no space), advancing *p. */
static int parse_digits(const char **p, int64_t *ret)
{
	const char *s = *p;
	int64_t v = 0;
	int n = 0;
	while (*s >= '0' && *s <= '9') {
		if (++n > 18)
			return -1;
		v = v * 10 + (*s++ - '0');
	}
	if (n == 0)
		return -1;
	*p = s;
	*ret = v;
	return 0;
}

static int month_index(const char *m)
{
	static const char names[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	for (int i = 0; i < 12; i++)
		if (strcmp(m, names[i]) == 0)
			return i;
	return -1;
}

#define RETRY_AFTER_CAP 1000000000LL

int64_t cc_retry_after_parse(const char *value, time_t now)
{
	const char *v = value;
	while (*v == ' ' || *v == '\t')
		v++;
	if (*v >= '0' && *v <= '9') {
		/* delay-seconds; a number too long for 18 digits is "very long" */
		const char *q = v;
		int64_t n = 0;
		while (*q >= '0' && *q <= '9')
			q++;
		const char *end = q;
		while (*end == ' ' || *end == '\t')
			end++;
		if (*end != '\0')
			return -1;
		q = v;
		if (parse_digits(&q, &n) < 0)
			return RETRY_AFTER_CAP;
		return n > RETRY_AFTER_CAP ? RETRY_AFTER_CAP : n;
	}
	/* HTTP-date, RFC 9110 5.6.7: IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT",
	 * obsolete RFC 850 "Sunday, 06-Nov-94 08:49:37 GMT" and asctime
	 * "Sun Nov  6 08:49:37 1994". */
	char wk[16], mon[4], tz[4];
	int d = 0, y = 0, H = 0, M = 0, S = 0, used = -1;
	if (sscanf(v, "%15[A-Za-z], %2d %3[A-Za-z] %4d %2d:%2d:%2d %3[A-Z]%n", wk, &d, mon, &y, &H, &M, &S, tz,
		   &used) == 8 && used > 0) {
		if (strlen(wk) != 3)
			return -1;
	} else if (used = -1, sscanf(v, "%15[A-Za-z], %2d-%3[A-Za-z]-%2d %2d:%2d:%2d %3[A-Z]%n", wk, &d, mon, &y, &H,
				     &M, &S, tz, &used) == 8 && used > 0) {
		/* Two-digit years: RFC 9110 says one more than 50 years ahead is in the past. */
		struct tm cur;
		gmtime_r(&now, &cur);
		int century = (cur.tm_year + 1900) / 100 * 100;
		y += century;
		if (y > cur.tm_year + 1900 + 50)
			y -= 100;
	} else if (used = -1, sscanf(v, "%15[A-Za-z] %3[A-Za-z] %2d %2d:%2d:%2d %4d%n", wk, mon, &d, &H, &M, &S, &y,
				     &used) == 7 && used > 0) {
		snprintf(tz, sizeof(tz), "GMT"); /* asctime has no zone: it is GMT */
	} else {
		return -1;
	}
	const char *rest = v + used;
	while (*rest == ' ' || *rest == '\t')
		rest++;
	int mi = month_index(mon);
	if (*rest != '\0' || strcmp(tz, "GMT") != 0 || mi < 0 || d < 1 || d > 31 || H > 23 || M > 59 || S > 60 ||
	    y < 1900 || y > 9999)
		return -1;
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mi, .tm_mday = d, .tm_hour = H, .tm_min = M, .tm_sec = S };
	time_t t = timegm(&tm);
	if (t == (time_t)-1 || tm.tm_mday != d) /* 31 Feb and such roll over */
		return -1;
	if (t <= now)
		return 0;
	return (int64_t)t - (int64_t)now > RETRY_AFTER_CAP ? RETRY_AFTER_CAP : (int64_t)t - (int64_t)now;
}

int cc_blob_response_check(long status, const char *content_range, int64_t content_length, int64_t offset,
			   int64_t size, char *why, size_t whylen)
{
	if (status == 200) {
		/* The whole blob (a registry may ignore Range; the client skips). */
		if (content_length > size) {
			snprintf(why, whylen, "registry answered with %lld bytes, %lld more than the manifest's size (%lld)",
				 (long long)content_length, (long long)(content_length - size), (long long)size);
			return CC_BLOB_TOO_BIG;
		}
		return CC_BLOB_OK;
	}
	if (status != 206)
		return CC_BLOB_OK;
	/* "bytes FIRST-LAST/TOTAL", TOTAL may be an asterisk (RFC 9110 14.4) */
	const char *p = content_range;
	int64_t first = -1, last = -1, total = -1;
	bool ok = strncasecmp(p, "bytes ", 6) == 0;
	if (ok) {
		p += 6;
		ok = parse_digits(&p, &first) == 0 && *p++ == '-' && parse_digits(&p, &last) == 0 && *p++ == '/';
	}
	if (ok) {
		if (*p == '*')
			p++;
		else
			ok = parse_digits(&p, &total) == 0;
		ok = ok && *p == '\0' && last >= first;
	}
	if (!ok) {
		snprintf(why, whylen, "registry answered 206 with Content-Range '%.64s' for a request from byte %lld",
			 content_range, (long long)offset);
		return CC_BLOB_BAD_RANGE;
	}
	if (total >= 0 && total != size) {
		snprintf(why, whylen, "registry says the blob is %lld bytes (Content-Range '%.64s'), the manifest says %lld",
			 (long long)total, content_range, (long long)size);
		return CC_BLOB_TOO_BIG;
	}
	if (last >= size) {
		snprintf(why, whylen, "registry sent bytes up to %lld (Content-Range '%.64s'), more than the manifest's size (%lld)",
			 (long long)last, content_range, (long long)size);
		return CC_BLOB_TOO_BIG;
	}
	if (first != offset || (content_length >= 0 && content_length != last - first + 1)) {
		snprintf(why, whylen, "registry answered range '%.64s'%s for a request from byte %lld", content_range,
			 content_length >= 0 && content_length != last - first + 1 ? " with a different Content-Length" : "",
			 (long long)offset);
		return CC_BLOB_BAD_RANGE;
	}
	return CC_BLOB_OK;
}

void cc_http_retry_note(const struct cc_http *h, char *buf, size_t len)
{
	buf[0] = '\0';
	if (h->refused_wait > 0)
		snprintf(buf, len,
			 "; it asked to retry after %lld s (Retry-After), more than the %lld s a request may wait"
			 " (CCONTAINER_REGISTRY_MAX_WAIT)%s",
			 (long long)h->refused_wait, (long long)h->max_wait, h->attempts > 1 ? ", after earlier retries" : "");
	else if (h->attempts > 1)
		snprintf(buf, len, " after %d attempts", h->attempts);
}

/* ---- one HTTP exchange ---- */

struct xfer {
	struct cc_http *resp;
	size_t max;
	bool overflow;
	bool error_body_cut;  /* an error answer's body was cut at ERROR_BODY_MAX */
	int64_t content_length; /* of the current response, -1 when not sent */
	/* blob streaming */
	cc_blob_sink sink;
	void *sink_data;
	int64_t size;        /* the manifest's size of the blob */
	int64_t skip;        /* bytes to drop (registry ignored Range) */
	int64_t want_offset;
	bool sink_failed;
	int64_t delivered;
	int reject;          /* CC_BLOB_* of a response refused from its headers */
	char reject_why[256];
	/* uploads */
	const struct cc_upload_body *up;
	int64_t up_pos;
	bool up_failed;
	bool no_auth;        /* the URL is not the registry's: no Authorization */
	const char *const *extra;
	CURLcode last_rc;
	long connect_timeout; /* 0: the client's */
};

static void copy_header_value(char *dst, size_t dstlen, const char *v, size_t n)
{
	while (n > 0 && isspace((unsigned char)*v))
		v++, n--;
	while (n > 0 && isspace((unsigned char)v[n - 1]))
		n--;
	if (n >= dstlen)
		n = dstlen - 1;
	memcpy(dst, v, n);
	dst[n] = '\0';
}

static size_t on_header(char *buf, size_t size, size_t nitems, void *data)
{
	struct xfer *x = data;
	size_t n = size * nitems;
	struct cc_http *h = x->resp;
	if (n >= 5 && strncmp(buf, "HTTP/", 5) == 0) {
		/* A new response (after a redirect or 100): forget the previous headers. */
		h->content_type[0] = h->docker_digest[0] = h->www_auth[0] = '\0';
		h->content_range[0] = h->location[0] = h->retry_after[0] = '\0';
		h->range[0] = h->upload_uuid[0] = '\0';
		x->content_length = -1;
		return n;
	}
	const char *colon = memchr(buf, ':', n);
	if (colon == NULL)
		return n;
	size_t kl = (size_t)(colon - buf);
	const char *v = colon + 1;
	size_t vl = n - kl - 1;
#define HDR(name, field)                                                      \
	if (kl == strlen(name) && strncasecmp(buf, name, kl) == 0) {          \
		copy_header_value(h->field, sizeof(h->field), v, vl);         \
		return n;                                                      \
	}
	HDR("content-type", content_type);
	HDR("docker-content-digest", docker_digest);
	HDR("www-authenticate", www_auth);
	HDR("ratelimit-limit", rl_limit);
	HDR("ratelimit-remaining", rl_remaining);
	HDR("content-range", content_range);
	HDR("location", location);
	HDR("retry-after", retry_after);
	HDR("range", range);
	HDR("docker-upload-uuid", upload_uuid);
#undef HDR
	if (kl == 14 && strncasecmp(buf, "content-length", kl) == 0) {
		char num[32];
		copy_header_value(num, sizeof(num), v, vl);
		const char *q = num;
		if (parse_digits(&q, &x->content_length) < 0 || *q != '\0')
			x->content_length = -1;
	}
	return n;
}

static size_t on_body(char *buf, size_t size, size_t nmemb, void *data)
{
	struct xfer *x = data;
	size_t n = size * nmemb;
	if (x->sink) {
		/* Only the final 200/206 body is the blob; error bodies are kept. */
		struct cc_http *h = x->resp;
		if (h->status == 200 || h->status == 206) {
			const char *p = buf;
			size_t len = n;
			if (x->skip > 0) {
				size_t drop = (size_t)x->skip < len ? (size_t)x->skip : len;
				p += drop;
				len -= drop;
				x->skip -= (int64_t)drop;
			}
			if (len > 0 && x->sink(p, len, x->sink_data) < 0) {
				x->sink_failed = true;
				return 0; /* aborts the transfer */
			}
			x->delivered += (int64_t)len;
			return n;
		}
	}
	/* An error answer's body is only read for its first lines. */
	bool ok = x->resp->status >= 200 && x->resp->status < 300;
	if (!ok && x->resp->len + n > ERROR_BODY_MAX) {
		x->error_body_cut = true;
		return 0;
	}
	if (x->resp->len + n > x->max) {
		x->overflow = true;
		return 0;
	}
	char *nb = realloc(x->resp->body, x->resp->len + n + 1);
	if (nb == NULL)
		return 0;
	x->resp->body = nb;
	memcpy(nb + x->resp->len, buf, n);
	x->resp->len += n;
	nb[x->resp->len] = '\0';
	return n;
}

/* For blob streams the status must be known before the first body byte. */
static size_t on_header_status(char *buf, size_t size, size_t nitems, void *data)
{
	struct xfer *x = data;
	size_t n = size * nitems;
	if (n >= 12 && strncmp(buf, "HTTP/", 5) == 0) {
		const char *sp = memchr(buf, ' ', n);
		if (sp)
			x->resp->status = strtol(sp + 1, NULL, 10);
		/* A registry that ignores Range sends the whole blob: skip what we have. */
		x->skip = (x->sink && x->resp->status == 200) ? x->want_offset : 0;
	}
	/* The blank line that ends a blob's final response: judge it before
	 * its first body byte (a redirect's or a 1xx's headers end too). */
	if (x->sink && (n == 2 || n == 1) && (buf[0] == '\r' || buf[0] == '\n') &&
	    (x->resp->status == 200 || x->resp->status == 206)) {
		x->reject = cc_blob_response_check(x->resp->status, x->resp->content_range, x->content_length,
						   x->want_offset, x->size, x->reject_why, sizeof(x->reject_why));
		if (x->reject != CC_BLOB_OK)
			return 0; /* aborts the transfer, no body read */
	}
	return on_header(buf, size, nitems, data);
}

static size_t on_read(char *buf, size_t size, size_t nitems, void *data)
{
	struct xfer *x = data;
	const struct cc_upload_body *b = x->up;
	int64_t left = b->len - x->up_pos;
	size_t want = size * nitems;
	if (left <= 0)
		return 0;
	if ((int64_t)want > left)
		want = (size_t)left;
	size_t got = 0;
	if (b->fd < 0) {
		memcpy(buf, b->mem + b->off + x->up_pos, want);
		got = want;
	} else {
		while (got < want) {
			ssize_t n = pread(b->fd, buf + got, want - got, b->off + x->up_pos + (int64_t)got);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				x->up_failed = true;
				return CURL_READFUNC_ABORT;
			}
			got += (size_t)n;
		}
	}
	x->up_pos += (int64_t)got;
	if (b->sent)
		__atomic_add_fetch(b->sent, (int64_t)got, __ATOMIC_RELAXED);
	return got;
}

static int on_seek(void *data, curl_off_t offset, int origin)
{
	struct xfer *x = data;
	if (origin != SEEK_SET || offset < 0 || offset > x->up->len)
		return CURL_SEEKFUNC_CANTSEEK;
	x->up_pos = offset;
	return CURL_SEEKFUNC_OK;
}

static CURL *new_easy(struct cc_registry *r, const char *url, struct xfer *x, struct curl_slist *hdrs,
		      const char *method)
{
	bool head = strcmp(method, "HEAD") == 0;
	CURL *c = curl_easy_init();
	if (c == NULL)
		return NULL;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_SHARE, r->share);
	curl_easy_setopt(c, CURLOPT_USERAGENT, USER_AGENT);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header_status);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, x->connect_timeout > 0 ? x->connect_timeout : r->connect_timeout);
	/* Less than 1 KiB/s for 30 s (waiting for the answer included) cuts
	 * the transfer: a registry that drips bytes or stalls does not hold a
	 * pull forever, a slow but live link passes. */
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, r->low_speed_limit);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, r->low_speed_time);
	/* Redirects (blob CDNs): libcurl drops Authorization when the host
	 * changes; CURLOPT_UNRESTRICTED_AUTH stays off on purpose. */
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, NULL);
	if (head)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	bool put = strcmp(method, "PUT") == 0, patch = strcmp(method, "PATCH") == 0;
	curl_off_t blen = x->up ? (curl_off_t)x->up->len : 0;
	if (put || patch || strcmp(method, "POST") == 0) {
		/* Uploads follow no redirect: the registry's Location is the next step. */
		curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
		if (x->up) {
			curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
			curl_easy_setopt(c, CURLOPT_READDATA, x);
			curl_easy_setopt(c, CURLOPT_SEEKFUNCTION, on_seek);
			curl_easy_setopt(c, CURLOPT_SEEKDATA, x);
		}
		if (put || patch) {
			curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
			curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, blen);
			if (patch)
				curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "PATCH");
		} else {
			curl_easy_setopt(c, CURLOPT_POST, 1L);
			curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, blen);
			if (x->up == NULL)
				curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
		}
	} else if (!head && strcmp(method, "GET") != 0) {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	}
	if (!r->tls_verify) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	} else if (r->ca_bundle) {
		struct curl_blob blob = { .data = r->ca_bundle, .len = r->ca_len, .flags = CURL_BLOB_NOCOPY };
		curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &blob);
	}
	return c;
}

static bool transient_curl(CURLcode rc)
{
	return rc == CURLE_COULDNT_CONNECT || rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_RECV_ERROR ||
	       rc == CURLE_SEND_ERROR || rc == CURLE_GOT_NOTHING || rc == CURLE_PARTIAL_FILE ||
	       rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_HTTP2 || rc == CURLE_HTTP2_STREAM;
}

static bool transient_status(long s)
{
	return s == 408 || s == 429 || s == 500 || s == 502 || s == 503 || s == 504;
}

static void sleep_ms(int64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Without a Retry-After: 200 ms, 400 ms for errors; 1 s, 2 s for 429. */
static int64_t backoff_ms(long status, int attempt)
{
	return (status == 429 ? 1000 : 200) << (attempt - 1);
}

static char *host_of(const char *endpoint)
{
	const char *h = strstr(endpoint, "://");
	return strdup(h ? h + 3 : endpoint);
}

static int net_error(struct cc_registry *r, CURLcode rc, const char *errbuf, const struct xfer *x, cc_error **err)
{
	_cleanup_free_ char *host = host_of(r->endpoint);
	const char *why = errbuf && *errbuf ? errbuf : curl_easy_strerror(rc);
	if (rc == CURLE_PEER_FAILED_VERIFICATION)
		return cc_error_setk(err, CC_ERR_NETWORK, EKEYREJECTED,
				     "registry %s: TLS certificate verification failed: %s (its CA belongs in "
				     CERTS_D "/%s/ca.crt; or --tls-verify=false)",
				     host ? host : r->endpoint, why, host ? host : "HOST");
	if (x->resp->status == 0)
		return cc_error_setk(err, CC_ERR_NETWORK, 0, "registry %s is unreachable: %s", host ? host : r->endpoint,
				     why);
	return cc_error_setk(err, CC_ERR_NETWORK, 0, "transfer from %s broke off%s: %s", host ? host : r->endpoint,
			     x->sink ? "" : " mid-answer", why);
}

/* Perform one exchange with the current credentials.  Retried: 429, 408
 * and 5xx answers (after their Retry-After when they send one and the
 * budget holds it, else with a short backoff), and transport failures of
 * requests that are not blob streams (fetch_layer resumes those). */
static int perform(struct cc_registry *r, const char *method, const char *url, const char *accept,
		   const char *range, struct xfer *x, cc_error **err)
{
	int64_t waited_ms = 0;
	for (int attempt = 1;; attempt++) {
		struct curl_slist *hdrs = NULL;
		char line[4096];
		if (accept) {
			snprintf(line, sizeof(line), "Accept: %s", accept);
			hdrs = curl_slist_append(hdrs, line);
		}
		if (range)
			hdrs = curl_slist_append(hdrs, range);
		for (const char *const *e = x->extra; e && *e; e++)
			hdrs = curl_slist_append(hdrs, *e);
		if (x->up)
			hdrs = curl_slist_append(hdrs, "Expect:"); /* no 100-continue round trip */
		pthread_mutex_lock(&r->lock);
		if (r->auth_header && !x->no_auth)
			hdrs = curl_slist_append(hdrs, r->auth_header);
		pthread_mutex_unlock(&r->lock);
		x->up_pos = 0;
		x->up_failed = false;
		cc_http_release(x->resp);
		x->overflow = x->error_body_cut = false;
		x->reject = CC_BLOB_OK;
		x->content_length = -1;
		char errbuf[CURL_ERROR_SIZE] = "";
		CURL *c = new_easy(r, url, x, hdrs, method);
		if (c == NULL) {
			curl_slist_free_all(hdrs);
			return cc_error_set(err, ENOMEM, "registry request");
		}
		curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
		CURLcode rc = curl_easy_perform(c);
		x->last_rc = rc;
		long status = 0;
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_cleanup(c);
		curl_slist_free_all(hdrs);
		x->resp->status = status;
		x->resp->attempts = attempt;
		x->resp->waited_ms = waited_ms;
		x->resp->refused_wait = 0;
		x->resp->max_wait = r->max_wait;
		if (x->sink_failed)
			return -1;
		if (x->up_failed)
			return cc_error_set(err, errno ? errno : EIO, "read the blob being uploaded");
		if (x->reject != CC_BLOB_OK)
			return cc_error_setk(err, x->reject == CC_BLOB_TOO_BIG ? CC_ERR_VERIFY : CC_ERR_NETWORK, 0, "%s",
					     x->reject_why);
		if (x->overflow) {
			int ret = cc_error_setk(err, CC_ERR_VERIFY, 0, "registry sent more than %zu bytes", x->max);
			if (*err)
				(*err)->errnum = EFBIG; /* tells callers to name their limit */
			return ret;
		}
		if (rc != CURLE_OK && !(x->error_body_cut && rc == CURLE_WRITE_ERROR)) {
			/* A blob stream is resumed by the caller, from what it got. */
			if (x->sink == NULL && (x->up == NULL || x->up->len == 0) && transient_curl(rc) &&
			    attempt < ATTEMPTS) {
				sleep_ms(backoff_ms(0, attempt));
				waited_ms += backoff_ms(0, attempt);
				continue;
			}
			return net_error(r, rc, errbuf, x, err);
		}
		if (!transient_status(status) || x->delivered > 0)
			return 0;
		int64_t ra = x->resp->retry_after[0] ? cc_retry_after_parse(x->resp->retry_after, time(NULL)) : -1;
		if (ra >= 0) {
			/* Honour it, or give up at once: retrying sooner is what it forbids. */
			if (waited_ms + ra * 1000 > (int64_t)r->max_wait * 1000) {
				x->resp->refused_wait = ra;
				return 0;
			}
			if (attempt >= RA_ATTEMPTS)
				return 0;
			sleep_ms(ra * 1000);
			waited_ms += ra * 1000;
			continue;
		}
		if (attempt >= ATTEMPTS)
			return 0;
		sleep_ms(backoff_ms(status, attempt));
		waited_ms += backoff_ms(status, attempt);
	}
}

static char *url_escape(const char *s)
{
	CURL *c = curl_easy_init();
	char *e = c ? curl_easy_escape(c, s, 0) : NULL;
	char *out = e ? strdup(e) : NULL;
	curl_free(e);
	if (c)
		curl_easy_cleanup(c);
	return out;
}

static char *basic_header(const char *user, const char *pass)
{
	_cleanup_free_ char *plain = NULL;
	if (asprintf(&plain, "%s:%s", user, pass ? pass : "") < 0)
		return NULL;
	size_t n = strlen(plain);
	_cleanup_free_ unsigned char *b64 = malloc(4 * ((n + 2) / 3) + 1);
	if (b64 == NULL)
		return NULL;
	EVP_EncodeBlock(b64, (const unsigned char *)plain, (int)n);
	char *h = NULL;
	if (asprintf(&h, "Authorization: Basic %s", b64) < 0)
		return NULL;
	return h;
}

/* Answer a challenge: Basic uses the stored credentials, Bearer fetches a
 * token from the realm for the scope (the challenge's, else repo:pull). */
static int authenticate(struct cc_registry *r, const char *challenge, const char *repo, cc_error **err)
{
	struct cc_challenge ch;
	if (cc_challenge_parse(challenge, &ch, err) < 0)
		return cc_error_prefix(err, "registry %s", r->domain);
	int ret = 0;
	char *header = NULL;
	if (strcasecmp(ch.scheme, "Basic") == 0) {
		if (r->user == NULL) {
			ret = cc_error_setk(err, CC_ERR_AUTH, 0,
					    "unauthorized: registry %s requires credentials (run 'ccontainer login %s')",
					    r->domain, r->domain);
			goto out;
		}
		header = basic_header(r->user, r->pass);
	} else if (strcasecmp(ch.scheme, "Bearer") == 0) {
		_cleanup_free_ char *scope = NULL, *extra = NULL;
		pthread_mutex_lock(&r->lock);
		/* A push asks for pull,push on its repository whatever the
		 * challenge of the request at hand said (a HEAD's says pull),
		 * so one token serves the whole push; plus the mount source's pull. */
		if (r->push_repo) {
			_cleanup_free_ char *prefix = NULL;
			if (asprintf(&prefix, "repository:%s:", r->push_repo) >= 0 &&
			    (ch.scope == NULL || cc_str_has_prefix(ch.scope, prefix)) &&
			    asprintf(&scope, "%spull,push", prefix) < 0)
				scope = NULL;
			if (r->extra_scope)
				extra = strdup(r->extra_scope);
		}
		pthread_mutex_unlock(&r->lock);
		if (scope == NULL && ch.scope)
			scope = strdup(ch.scope);
		else if (scope == NULL && repo && asprintf(&scope, "repository:%s:pull", repo) < 0)
			scope = NULL;
		_cleanup_free_ char *url = NULL, *esvc = ch.service ? url_escape(ch.service) : NULL;
		_cleanup_free_ char *escope = scope ? url_escape(scope) : NULL;
		/* extra: scopes separated by spaces, each its own scope= */
		_cleanup_free_ char *eextra = NULL;
		for (char *save = NULL, *t = extra ? strtok_r(extra, " ", &save) : NULL; t; t = strtok_r(NULL, " ", &save)) {
			_cleanup_free_ char *et = url_escape(t);
			char *joined = NULL;
			if (et == NULL || asprintf(&joined, "%s&scope=%s", eextra ? eextra : "", et) < 0)
				break;
			free(eextra);
			eextra = joined;
		}
		if (asprintf(&url, "%s%s%s%s%s%s%s", ch.realm, strchr(ch.realm, '?') ? "&" : "?",
			     esvc ? "service=" : "", esvc ? esvc : "", escope ? (esvc ? "&scope=" : "scope=") : "",
			     escope ? escope : "", eextra ? eextra : "") < 0) {
			ret = cc_error_set(err, ENOMEM, "token request");
			goto out;
		}
		struct cc_http resp = { 0 };
		struct xfer x = { .resp = &resp, .max = TOKEN_MAX };
		/* The token endpoint gets Basic credentials when we have them, never a stale token. */
		pthread_mutex_lock(&r->lock);
		char *saved = r->auth_header;
		r->auth_header = r->user ? basic_header(r->user, r->pass) : NULL;
		pthread_mutex_unlock(&r->lock);
		int pr = perform(r, "GET", url, "application/json", NULL, &x, err);
		pthread_mutex_lock(&r->lock);
		free(r->auth_header);
		r->auth_header = saved;
		pthread_mutex_unlock(&r->lock);
		if (pr < 0) {
			cc_http_release(&resp);
			ret = cc_error_prefix(err, "get token from %s", ch.realm);
			goto out;
		}
		if (resp.status != 200) {
			ret = cc_error_setk(err, CC_ERR_AUTH, 0, "get token from %s: HTTP %ld%s", ch.realm, resp.status,
					    resp.status == 401 ? " (credentials rejected)" : "");
			cc_http_release(&resp);
			goto out;
		}
		json_t *root = json_loadb(resp.body ? resp.body : "", resp.len, 0, NULL);
		const char *tok = json_string_value(json_object_get(root, "token"));
		if (tok == NULL || *tok == '\0')
			tok = json_string_value(json_object_get(root, "access_token"));
		if (tok && asprintf(&header, "Authorization: Bearer %s", tok) < 0)
			header = NULL;
		json_decref(root);
		cc_http_release(&resp);
		if (tok == NULL) {
			ret = cc_error_setk(err, CC_ERR_AUTH, 0, "token response from %s has no token", ch.realm);
			goto out;
		}
	} else {
		ret = cc_error_setk(err, CC_ERR_AUTH, 0, "registry %s: unsupported auth scheme '%s'", r->domain, ch.scheme);
		goto out;
	}
	if (header == NULL) {
		ret = cc_error_set(err, ENOMEM, "auth header");
		goto out;
	}
	pthread_mutex_lock(&r->lock);
	free(r->auth_header);
	r->auth_header = header;
	pthread_mutex_unlock(&r->lock);
out:
	cc_challenge_release(&ch);
	return ret;
}

static int auth_retry(struct cc_registry *r, const char *method, const char *url, const char *accept,
		      const char *range, const char *repo, struct xfer *x, cc_error **err)
{
	_cleanup_free_ char *sent = NULL;
	pthread_mutex_lock(&r->lock);
	sent = r->auth_header ? strdup(r->auth_header) : NULL;
	pthread_mutex_unlock(&r->lock);
	if (perform(r, method, url, accept, range, x, err) < 0)
		return -1;
	if (x->resp->status != 401 || x->resp->www_auth[0] == '\0')
		return 0;
	/* Another thread may have refreshed the token meanwhile: only fetch
	 * a new one if ours is still the one that was refused. */
	pthread_mutex_lock(&r->lock);
	bool same = (sent == NULL && r->auth_header == NULL) ||
		    (sent && r->auth_header && strcmp(sent, r->auth_header) == 0);
	pthread_mutex_unlock(&r->lock);
	if (same && authenticate(r, x->resp->www_auth, repo, err) < 0)
		return -1;
	return perform(r, method, url, accept, range, x, err);
}

/* A loopback registry is asked in plain HTTP first (docker's localhost is
 * an insecure registry).  When what came back looks like a TLS port's
 * answer to plain HTTP (Go's 400 "Client sent an HTTP request to an HTTPS
 * server", nginx's 400, a TLS alert curl cannot read, a closed connection),
 * /v2/ is asked over HTTPS; if that answers at all, the client switches to
 * HTTPS for good (1).  A certificate that does not verify is that error
 * (-1); anything else leaves the first answer standing (0).  No credentials
 * are sent before the switch: the first request carries none. */
static int tls_fallback(struct cc_registry *r, int rc, const struct xfer *x, cc_error **err)
{
	pthread_mutex_lock(&r->lock);
	bool skip = !r->tls_switchable || r->old_endpoint != NULL || r->plain_ok || r->probed;
	r->probed = true;
	pthread_mutex_unlock(&r->lock);
	if (skip)
		return 0;
	bool tls_like = rc < 0 ? (x->last_rc == CURLE_GOT_NOTHING || x->last_rc == CURLE_UNSUPPORTED_PROTOCOL ||
				  x->last_rc == CURLE_WEIRD_SERVER_REPLY || x->last_rc == CURLE_RECV_ERROR ||
				  x->last_rc == CURLE_PARTIAL_FILE)
			       : x->resp->status == 400;
	if (!tls_like)
		return 0;
	_cleanup_free_ char *https = NULL, *url = NULL;
	if (asprintf(&https, "https://%s", r->endpoint + 7) < 0 || asprintf(&url, "%s/v2/", https) < 0)
		return 0;
	struct cc_http h = { 0 };
	struct xfer px = { .resp = &h, .max = ERROR_BODY_MAX, .no_auth = true, .connect_timeout = 3 };
	cc_error *e = NULL;
	int pr = perform(r, "GET", url, "application/json", NULL, &px, &e);
	cc_http_release(&h);
	if (pr < 0) {
		if (px.last_rc == CURLE_PEER_FAILED_VERIFICATION) {
			if (err && *err)
				cc_error_clear(err);
			*err = e;
			return -1;
		}
		cc_error_free(e);
		return 0;
	}
	pthread_mutex_lock(&r->lock);
	r->old_endpoint = r->endpoint;
	r->endpoint = steal_ptr(&https);
	pthread_mutex_unlock(&r->lock);
	if (err && *err)
		cc_error_clear(err);
	return 1;
}

/* auth_retry for a path on the registry, with the loopback TLS switch. */
static int exchange(struct cc_registry *r, const char *method, const char *path_or_url, const char *accept,
		    const char *range, const char *repo, struct xfer *x, cc_error **err)
{
	bool is_path = path_or_url[0] == '/';
	for (int round = 0;; round++) {
		_cleanup_free_ char *url = NULL;
		if (is_path) {
			pthread_mutex_lock(&r->lock);
			int n = asprintf(&url, "%s%s", r->endpoint, path_or_url);
			pthread_mutex_unlock(&r->lock);
			if (n < 0)
				return cc_error_set(err, ENOMEM, "registry request");
		}
		int rc = auth_retry(r, method, is_path ? url : path_or_url, accept, range, repo, x, err);
		if (rc == 0 && x->resp->status != 400 && x->resp->status != 0) {
			pthread_mutex_lock(&r->lock);
			r->plain_ok = true; /* this port speaks HTTP: no TLS probe later */
			pthread_mutex_unlock(&r->lock);
		}
		if (!is_path || round > 0 || x->delivered > 0)
			return rc;
		int f = tls_fallback(r, rc, x, err);
		if (f < 0)
			return -1;
		if (f == 0)
			return rc;
	}
}

int cc_registry_request(struct cc_registry *r, const char *method, const char *path, const char *accept,
			size_t max, const char *repo, struct cc_http *ret, cc_error **err)
{
	memset(ret, 0, sizeof(*ret));
	struct xfer x = { .resp = ret, .max = max };
	return exchange(r, method, path, accept, NULL, repo, &x, err);
}

int cc_registry_send(struct cc_registry *r, const char *method, const char *path_or_url, const char *const *headers,
		     const struct cc_upload_body *body, size_t max, const char *repo, struct cc_http *ret,
		     cc_error **err)
{
	memset(ret, 0, sizeof(*ret));
	struct xfer x = { .resp = ret, .max = max, .up = body, .extra = headers };
	if (path_or_url[0] != '/') {
		/* An upload's Location: credentials only on the registry's own origin. */
		pthread_mutex_lock(&r->lock);
		size_t el = strlen(r->endpoint);
		x.no_auth = !(strncasecmp(path_or_url, r->endpoint, el) == 0 &&
			      (path_or_url[el] == '/' || path_or_url[el] == '?' || path_or_url[el] == '\0'));
		pthread_mutex_unlock(&r->lock);
	}
	return exchange(r, method, path_or_url, NULL, NULL, repo, &x, err);
}

int cc_registry_blob(struct cc_registry *r, const char *repo, const char *digest, int64_t size, int64_t offset,
		     cc_blob_sink sink, void *data, bool *ret_resumable, cc_error **err)
{
	*ret_resumable = false;
	_cleanup_free_ char *url = NULL;
	if (asprintf(&url, "/v2/%s/blobs/%s", repo, digest) < 0)
		return cc_error_set(err, ENOMEM, "blob request");
	char range[64];
	snprintf(range, sizeof(range), "Range: bytes=%lld-", (long long)offset);
	struct cc_http resp = { 0 };
	struct xfer x = { .resp = &resp, .max = ERROR_BODY_MAX, .sink = sink, .sink_data = data, .size = size,
			  .want_offset = offset };
	/* The sink sees bytes from `offset` on, whether the registry honours
	 * Range (206) or not (200, skipped in on_header_status). */
	int ret = 0;
	char note[256];
	if (exchange(r, "GET", url, NULL, offset > 0 ? range : NULL, repo, &x, err) < 0) {
		/* Cut off, too slow, or a 206 of another range: ask again. */
		*ret_resumable = !x.sink_failed && (*err)->kind == CC_ERR_NETWORK;
		ret = -1;
	} else if (resp.status == 200 || resp.status == 206) {
		ret = 0;
	} else if (resp.status == 416 && offset > 0) {
		ret = cc_error_setk(err, CC_ERR_VERIFY, 0, "registry refused resume at byte %lld (HTTP 416)",
				    (long long)offset);
	} else if (resp.status == 404) {
		ret = cc_error_setk(err, CC_ERR_NOT_FOUND, 0, "blob not found in %s", repo);
	} else if (resp.status == 401 || resp.status == 403) {
		ret = cc_error_setk(err, CC_ERR_AUTH, 0, "unauthorized: access to the blob in %s denied", repo);
	} else {
		cc_http_retry_note(&resp, note, sizeof(note));
		ret = cc_error_setk(err, CC_ERR_NETWORK, 0, "registry answered HTTP %ld%s", resp.status, note);
	}
	cc_http_release(&resp);
	return ret;
}
