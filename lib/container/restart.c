/* Restart policies and their backoff, as docker's restart manager
 * (moby daemon/restartmanager) decides them.  libc only: the monitor
 * (cmd/monitor) is built with this file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container/container.h"

static const char *const names[] = {
	[CC_RESTART_NO] = "no",
	[CC_RESTART_ON_FAILURE] = "on-failure",
	[CC_RESTART_ALWAYS] = "always",
	[CC_RESTART_UNLESS_STOPPED] = "unless-stopped",
};

int cc_restart_policy_from_text(const char *text, struct cc_restart_policy *ret)
{
	struct cc_restart_policy p = { .kind = CC_RESTART_NO };
	if (text == NULL)
		return -1;
	size_t nl = strcspn(text, ":");
	size_t k;
	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
		if (strlen(names[k]) == nl && strncmp(text, names[k], nl) == 0)
			break;
	if (k == sizeof(names) / sizeof(names[0]))
		return -1;
	p.kind = (enum cc_restart_kind)k;
	if (text[nl] == ':') {
		char *end = NULL;
		long n = strtol(text + nl + 1, &end, 10);
		if (end == text + nl + 1 || *end != '\0' || n < 0 || n > 1000000000L)
			return -1;
		/* docker: a count only with on-failure (0 is "no count" everywhere) */
		if (n != 0 && p.kind != CC_RESTART_ON_FAILURE)
			return -1;
		p.max_retries = (int)n;
	}
	*ret = p;
	return 0;
}

const char *cc_restart_policy_name(enum cc_restart_kind kind)
{
	return (size_t)kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "no";
}

int cc_restart_policy_format(const struct cc_restart_policy *p, char *buf, size_t len)
{
	if (p->kind == CC_RESTART_ON_FAILURE && p->max_retries > 0)
		return snprintf(buf, len, "on-failure:%d", p->max_retries);
	return snprintf(buf, len, "%s", cc_restart_policy_name(p->kind));
}

bool cc_restart_should(const struct cc_restart_policy *p, int exit_code, int restart_count, bool manually_stopped)
{
	if (manually_stopped)
		return false;
	switch (p->kind) {
	case CC_RESTART_ALWAYS:
	case CC_RESTART_UNLESS_STOPPED:
		return true;
	case CC_RESTART_ON_FAILURE:
		return exit_code != 0 && (p->max_retries == 0 || restart_count < p->max_retries);
	case CC_RESTART_NO:
	default:
		return false;
	}
}

int64_t cc_restart_next_delay(int64_t prev_delay_ms, int64_t ran_ms)
{
	if (ran_ms >= CC_RESTART_RESET_RUN_MS)
		prev_delay_ms = 0;
	int64_t d = prev_delay_ms <= 0 ? CC_RESTART_DELAY_FIRST_MS
		    : prev_delay_ms < CC_RESTART_DELAY_MAX_MS ? prev_delay_ms * 2 : prev_delay_ms;
	return d > CC_RESTART_DELAY_MAX_MS ? CC_RESTART_DELAY_MAX_MS : d;
}
