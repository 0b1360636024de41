/* Text from outside into JSON.
 *
 * jansson holds only valid UTF-8: json_string() of other bytes returns
 * NULL, which callers took for a lack of memory (and json_object_set_new
 * and json_array_append_new drop a NULL silently).  Recipes, file names,
 * command lines and environments are bytes, so everything that puts them
 * into a config or a record goes through here.  Invalid bytes become
 * U+FFFD, one per byte, as Go's encoding/json writes a string: what docker
 * and buildah store for the same input. */
#ifndef CC_UTIL_JSON_H
#define CC_UTIL_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Whether s[0..n) is UTF-8 as Go decodes it and jansson accepts it (no
 * overlong forms, no surrogates, nothing above U+10FFFF). */
bool cc_utf8_valid(const char *s, size_t n);
/* A malloc'd copy of s in which every byte that does not start a valid
 * sequence is replaced by U+FFFD; NULL only without memory. */
char *cc_utf8_coerce(const char *s);
/* json_string(s), coerced when needed; NULL only without memory (or for
 * s == NULL). */
json_t *cc_json_text(const char *s);
/* json_object_set_new(o, key, v) with key coerced; takes v in every case.
 * -1 only without memory. */
int cc_json_set_text(json_t *o, const char *key, json_t *v);

/* Lossless, for records ccontainer reads back itself (cache keys, a
 * container's run arguments): a valid string as itself, other bytes as
 * {"hex": "..."}, which no string equals.  NULL only without memory. */
json_t *cc_json_bytes(const char *s);
/* The bytes back from cc_json_bytes' form (a string is taken as is);
 * malloc'd, NULL for anything else or without memory. */
char *cc_json_bytes_value(const json_t *j);
/* text parsed as a JSON object, or a new empty object when it is NULL or
 * not one (labels and options as stored); NULL only without memory. */
json_t *cc_json_object_or_empty(const char *text);

#endif
