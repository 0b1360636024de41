/* A process environment as docker merges it: KEY=VALUE strings, a later
 * value for a KEY replacing the earlier one in place (run: the image's Env,
 * then --env-file, then -e; exec: the container's, then --env-file, then
 * -e; build: the image's, then the step's).  Growable, no fixed limit. */
#ifndef CC_UTIL_ENV_H
#define CC_UTIL_ENV_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* An env file may be at most this big, and each of its lines this long. */
#define CC_ENV_FILE_MAX (1024 * 1024)
#define CC_ENV_LINE_MAX (64 * 1024)

struct cc_env {
	char **v; /* NULL-terminated once anything was set; owned */
	size_t n, cap;
};

void cc_env_release(struct cc_env *e);
/* The value of key (keylen bytes), or NULL. */
const char *cc_env_get(const struct cc_env *e, const char *key, size_t keylen);
/* KEY=VALUE: set (the first KEY replaced in place, else appended).  A bare
 * KEY (docker's -e NAME, an env file's NAME line) takes this process's
 * value, or sets nothing when it has none.  An empty KEY is an error. */
int cc_env_set(struct cc_env *e, const char *kv, cc_error **err);
/* KEY=VALUE set only when KEY has no value yet (an image's defaults). */
int cc_env_set_default(struct cc_env *e, const char *kv, cc_error **err);
/* docker's --env-file: one KEY=VALUE or KEY a line, leading blanks
 * ignored, blank lines and lines starting with '#' skipped.  At most
 * CC_ENV_FILE_MAX bytes, lines CC_ENV_LINE_MAX; errors name the file and
 * the line. */
int cc_env_file(struct cc_env *e, const char *path, cc_error **err);
/* docker's labels kept the same way (the image's, then --label-file, then
 * --label): a bare KEY is KEY with an empty value. */
int cc_env_set_label(struct cc_env *e, const char *kv, cc_error **err);
int cc_env_label_file(struct cc_env *e, const char *path, cc_error **err);
/* The NULL-terminated array (never NULL but without memory: then -1). */
int cc_env_finish(struct cc_env *e, cc_error **err);

#endif
