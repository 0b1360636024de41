/* A container's stored settings as lib/container's types: the restart
 * policy from --restart (with docker's checks and messages), the
 * healthcheck from a Healthcheck object. */
#include <errno.h>
#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container/container.h"
#include "util/json.h"

int cc_restart_policy_parse(const char *text, struct cc_restart_policy *ret, cc_error **err)
{
	size_t nl = strcspn(text, ":");
	char name[64];
	snprintf(name, sizeof(name), "%.*s", (int)(nl < 63 ? nl : 63), text);
	if (text[nl] == ':' && nl == 0)
		return cc_error_setk(err, CC_ERR_INVALID, 0,
				     "invalid restart policy format: no policy provided before colon");
	struct cc_restart_policy p;
	if (cc_restart_policy_from_text(name, &p) < 0)
		return cc_error_setk(err, CC_ERR_INVALID, 0,
				     "invalid restart policy: unknown policy '%s'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'",
				     name);
	if (text[nl] == ':' && text[nl + 1] != '\0') {
		char *end = NULL;
		errno = 0;
		long n = strtol(text + nl + 1, &end, 10);
		if (errno != 0 || *end != '\0' || n > 1000000000L || n < -1000000000L)
			return cc_error_setk(err, CC_ERR_INVALID, 0,
					     "invalid restart policy format: maximum retry count must be an integer");
		if (p.kind == CC_RESTART_ON_FAILURE && n < 0)
			return cc_error_setk(err, CC_ERR_INVALID, 0,
					     "invalid restart policy: maximum retry count cannot be negative");
		if (p.kind != CC_RESTART_ON_FAILURE && n != 0)
			return cc_error_setk(err, CC_ERR_INVALID, 0,
					     "invalid restart policy: maximum retry count can only be used with 'on-failure'%s",
					     n < 0 ? " and cannot be negative" : "");
		p.max_retries = (int)n;
	}
	*ret = p;
	return 0;
}

void cc_health_config_release(struct cc_health_config *h)
{
	for (char **t = h->test; t && *t; t++)
		free(*t);
	free(h->test);
	h->test = NULL;
}

static int64_t ns_or(const json_t *o, const char *key, int64_t dflt)
{
	json_int_t v = json_integer_value(json_object_get(o, key));
	return v > 0 ? (int64_t)v : dflt;
}

int cc_health_config_from_json(const json_t *hc, struct cc_health_config *ret, cc_error **err)
{
	*ret = (struct cc_health_config){ 0 };
	if (!json_is_object(hc))
		return 0;
	const json_t *test = json_object_get(hc, "Test");
	size_t n = json_array_size(test);
	const char *kind = json_string_value(json_array_get(test, 0));
	if (n == 0 || kind == NULL || strcmp(kind, "NONE") == 0)
		return 0;
	if (strcmp(kind, "CMD") != 0 && strcmp(kind, "CMD-SHELL") != 0)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "healthcheck: unknown test kind '%s' (CMD, CMD-SHELL or NONE)",
				     kind);
	if (n < 2)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "healthcheck: %s without a command", kind);
	char **t = calloc(n + 1, sizeof(char *));
	if (t == NULL)
		return cc_error_set(err, ENOMEM, "healthcheck");
	for (size_t i = 0; i < n; i++) {
		const char *v = json_string_value(json_array_get(test, i));
		if ((t[i] = strdup(v ? v : "")) == NULL) {
			ret->test = t;
			cc_health_config_release(ret);
			return cc_error_set(err, ENOMEM, "healthcheck");
		}
	}
	ret->test = t;
	ret->interval_ns = ns_or(hc, "Interval", CC_HEALTH_DEFAULT_INTERVAL_NS);
	ret->timeout_ns = ns_or(hc, "Timeout", CC_HEALTH_DEFAULT_TIMEOUT_NS);
	ret->start_period_ns = ns_or(hc, "StartPeriod", 0);
	ret->start_interval_ns = ns_or(hc, "StartInterval", CC_HEALTH_DEFAULT_START_INTERVAL_NS);
	json_int_t r = json_integer_value(json_object_get(hc, "Retries"));
	ret->retries = r > 0 && r < 1000000 ? (int)r : CC_HEALTH_DEFAULT_RETRIES;
	return 1;
}

json_t *cc_restart_policy_json(const struct cc_restart_policy *p)
{
	return json_pack("{s:s, s:i}", "Name", cc_restart_policy_name(p->kind), "MaximumRetryCount", p->max_retries);
}

void cc_restart_policy_from_config(const json_t *cfg, struct cc_restart_policy *ret)
{
	const json_t *rp = json_object_get(cfg, "RestartPolicy");
	const char *name = json_string_value(json_object_get(rp, "Name"));
	*ret = (struct cc_restart_policy){ .kind = CC_RESTART_NO };
	if (name == NULL || cc_restart_policy_from_text(name, ret) < 0)
		return;
	json_int_t max = json_integer_value(json_object_get(rp, "MaximumRetryCount"));
	if (ret->kind == CC_RESTART_ON_FAILURE && max > 0 && max < 1000000000)
		ret->max_retries = (int)max;
}

/* --health-cmd: a shell command (["CMD-SHELL", cmd]), or as podman a
 * JSON array of strings: an exec form (["CMD", ...], or its words with
 * "CMD" put first); a shell test such as "[ -f /x ]" is no JSON. */
static json_t *health_test(const char *cmd)
{
	if (cmd[0] == '[') {
		json_t *v = json_loads(cmd, JSON_REJECT_DUPLICATES, NULL);
		size_t n = json_array_size(v), i;
		for (i = 0; i < n && json_is_string(json_array_get(v, i)); i++)
			;
		if (n > 0 && i == n) {
			const char *k = json_string_value(json_array_get(v, 0));
			if (strcmp(k, "CMD") == 0 || strcmp(k, "CMD-SHELL") == 0 || strcmp(k, "NONE") == 0)
				return v;
			if (json_array_insert_new(v, 0, json_string("CMD")) == 0)
				return v;
		}
		json_decref(v);
	}
	return json_pack("[s, o]", "CMD-SHELL", cc_json_text(cmd));
}

int cc_health_merge(const json_t *image_hc, const struct cc_health_flags *f, json_t **ret, cc_error **err)
{
	*ret = NULL;
	static const struct {
		const char *flag;
		size_t off;
	} neg[] = {
		{ "--health-interval", offsetof(struct cc_health_flags, interval_ns) },
		{ "--health-timeout", offsetof(struct cc_health_flags, timeout_ns) },
		{ "--health-start-period", offsetof(struct cc_health_flags, start_period_ns) },
		{ "--health-start-interval", offsetof(struct cc_health_flags, start_interval_ns) },
		{ "--health-retries", offsetof(struct cc_health_flags, retries) },
	};
	bool any = f->cmd != NULL;
	for (size_t i = 0; i < sizeof(neg) / sizeof(neg[0]); i++) {
		int64_t v = *(const int64_t *)(const void *)((const char *)f + neg[i].off);
		if (v < 0)
			return cc_error_setk(err, CC_ERR_INVALID, 0, "%s cannot be negative", neg[i].flag);
		any |= v != 0;
	}
	if (f->none && any)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "--no-healthcheck conflicts with --health-* options");
	if (f->none) {
		*ret = json_pack("{s:[s]}", "Test", "NONE");
		return *ret != NULL ? 0 : cc_error_set(err, ENOMEM, "healthcheck");
	}
	json_t *hc = json_is_object(image_hc) ? json_deep_copy(image_hc) : json_object();
	if (hc == NULL)
		return cc_error_set(err, ENOMEM, "healthcheck");
	if (f->cmd != NULL)
		json_object_set_new(hc, "Test", health_test(f->cmd));
	if (f->interval_ns > 0)
		json_object_set_new(hc, "Interval", json_integer(f->interval_ns));
	if (f->timeout_ns > 0)
		json_object_set_new(hc, "Timeout", json_integer(f->timeout_ns));
	if (f->start_period_ns > 0)
		json_object_set_new(hc, "StartPeriod", json_integer(f->start_period_ns));
	if (f->start_interval_ns > 0)
		json_object_set_new(hc, "StartInterval", json_integer(f->start_interval_ns));
	if (f->retries > 0)
		json_object_set_new(hc, "Retries", json_integer(f->retries));
	if (json_array_size(json_object_get(hc, "Test")) == 0) {
		json_decref(hc); /* no check: only times, which mean nothing */
		return 0;
	}
	*ret = hc;
	return 0;
}
