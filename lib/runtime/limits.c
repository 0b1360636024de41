/* --ulimit: docker's names for the rlimits, parsing, and the child's
 * setrlimit() calls. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "security-internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static const struct {
	const char *name;
	int resource;
} rlimit_names[] = {
	{ "as", RLIMIT_AS },
	{ "core", RLIMIT_CORE },
	{ "cpu", RLIMIT_CPU },
	{ "data", RLIMIT_DATA },
	{ "fsize", RLIMIT_FSIZE },
	{ "locks", RLIMIT_LOCKS },
	{ "memlock", RLIMIT_MEMLOCK },
	{ "msgqueue", RLIMIT_MSGQUEUE },
	{ "nice", RLIMIT_NICE },
	{ "nofile", RLIMIT_NOFILE },
	{ "nproc", RLIMIT_NPROC },
	{ "rss", RLIMIT_RSS },
	{ "rtprio", RLIMIT_RTPRIO },
	{ "rttime", RLIMIT_RTTIME },
	{ "sigpending", RLIMIT_SIGPENDING },
	{ "stack", RLIMIT_STACK },
};

int cc_rt_rlimit_from_name(const char *name)
{
	for (size_t i = 0; i < sizeof(rlimit_names) / sizeof(rlimit_names[0]); i++)
		if (strcmp(name, rlimit_names[i].name) == 0)
			return rlimit_names[i].resource;
	return -1;
}

static int parse_value(const char *s, size_t len, uint64_t *ret)
{
	char buf[32];
	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (strcmp(buf, "-1") == 0 || strcmp(buf, "unlimited") == 0) {
		*ret = RLIM_INFINITY;
		return 0;
	}
	if (buf[0] < '0' || buf[0] > '9')
		return -EINVAL;
	char *end = NULL;
	errno = 0;
	unsigned long long v = strtoull(buf, &end, 10);
	if (errno != 0 || *end != '\0')
		return -EINVAL;
	*ret = v;
	return 0;
}

int cc_runtime_parse_ulimit(const char *arg, struct cc_rlimit *ret, cc_error **err)
{
	const char *eq = arg != NULL ? strchr(arg, '=') : NULL;
	if (eq == NULL)
		return cc_error_setk(err, CC_ERR_INVALID, 0,
				     "invalid ulimit argument '%s': expected NAME=SOFT[:HARD]",
				     arg != NULL ? arg : "");
	char name[16];
	size_t nl = (size_t)(eq - arg);
	if (nl == 0 || nl >= sizeof(name))
		return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid ulimit type in '%s'", arg);
	memcpy(name, arg, nl);
	name[nl] = '\0';
	int res = cc_rt_rlimit_from_name(name);
	if (res < 0)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid ulimit type: %s", name);
	const char *soft = eq + 1, *colon = strchr(soft, ':');
	struct cc_rlimit r = { .resource = res };
	if (parse_value(soft, colon != NULL ? (size_t)(colon - soft) : strlen(soft), &r.soft) < 0 ||
	    (colon != NULL && parse_value(colon + 1, strlen(colon + 1), &r.hard) < 0))
		return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid ulimit value in '%s'", arg);
	if (colon == NULL)
		r.hard = r.soft;
	if (r.soft > r.hard)
		return cc_error_setk(err, CC_ERR_INVALID, 0,
				     "ulimit soft limit must be less than or equal to hard limit: %s",
				     arg);
	*ret = r;
	return 0;
}

int cc_rt_rlimits_apply(const struct cc_rlimit *r, size_t n, cc_error **err)
{
	for (size_t i = 0; i < n; i++) {
		struct rlimit rl = { .rlim_cur = r[i].soft, .rlim_max = r[i].hard };
		if (setrlimit(r[i].resource, &rl) < 0) {
			const char *name = "?";
			for (size_t j = 0; j < sizeof(rlimit_names) / sizeof(rlimit_names[0]); j++)
				if (rlimit_names[j].resource == r[i].resource)
					name = rlimit_names[j].name;
			return cc_error_set(err, errno, "set ulimit %s=%" PRIu64 ":%" PRIu64, name,
					    r[i].soft, r[i].hard);
		}
	}
	return 0;
}
