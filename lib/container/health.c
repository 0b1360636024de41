/* A container's State.Health as docker's daemon keeps it (moby
 * daemon/health.go, handleProbeResult): the status, the failing streak
 * and the last results. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "container/container.h"
#include "util/json.h"

/* Go's time.RFC3339Nano in UTC, trailing zeros of the fraction dropped. */
static void fmt_ns(int64_t ns, char *out, size_t len)
{
	time_t sec = (time_t)(ns / 1000000000LL);
	long frac = (long)(ns % 1000000000LL);
	struct tm tm;
	gmtime_r(&sec, &tm);
	size_t n = strftime(out, len, "%Y-%m-%dT%H:%M:%S", &tm);
	if (frac > 0 && n + 11 < len) {
		char f[16];
		snprintf(f, sizeof(f), ".%09ld", frac);
		size_t fl = strlen(f);
		while (fl > 1 && f[fl - 1] == '0')
			f[--fl] = '\0';
		memcpy(out + n, f, fl + 1);
		n += fl;
	}
	if (n + 2 <= len)
		memcpy(out + n, "Z", 2);
}

const char *cc_health_status(const json_t *health)
{
	/* a literal, never health's own string: it outlives health */
	const char *st = json_string_value(json_object_get(health, "Status"));
	if (st != NULL && strcmp(st, "healthy") == 0)
		return "healthy";
	if (st != NULL && strcmp(st, "unhealthy") == 0)
		return "unhealthy";
	return "starting";
}

json_t *cc_health_update(const json_t *health, const struct cc_health_result *r, bool in_start_period, int retries)
{
	const char *status = cc_health_status(health);
	json_int_t streak = json_integer_value(json_object_get(health, "FailingStreak"));
	const json_t *old = json_object_get(health, "Log");
	char start[48], end[48];
	fmt_ns(r->start_ns, start, sizeof(start));
	fmt_ns(r->end_ns, end, sizeof(end));
	size_t olen = r->output_len > CC_HEALTH_OUTPUT_MAX ? CC_HEALTH_OUTPUT_MAX : r->output_len;
	char *out = strndup(r->output != NULL ? r->output : "", r->output != NULL ? olen : 0); /* a NUL ends it */
	json_t *log = json_array();
	json_t *entry = out == NULL ? NULL
				    : json_pack("{s:s, s:s, s:i, s:o}", "Start", start, "End", end, "ExitCode",
						r->exit_code, "Output", cc_json_text(out));
	free(out);
	if (log == NULL || entry == NULL) {
		json_decref(log);
		json_decref(entry);
		return NULL;
	}
	size_t n = json_array_size(old);
	for (size_t i = n >= CC_HEALTH_LOG_MAX ? n - (CC_HEALTH_LOG_MAX - 1) : 0; i < n; i++)
		json_array_append(log, json_array_get(old, i));
	json_array_append_new(log, entry);
	if (r->exit_code == 0) {
		streak = 0;
		status = "healthy";
	} else if (!(strcmp(status, "starting") == 0 && in_start_period)) {
		/* failures in the start period do not count, while it is starting */
		if (++streak >= retries)
			status = "unhealthy";
	}
	return json_pack("{s:s, s:I, s:o}", "Status", status, "FailingStreak", streak, "Log", log);
}
