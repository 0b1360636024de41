#include "json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at s (n > 0 bytes left), or 0. */
static size_t seq_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	if (c < 0x80)
		return 1;
	size_t len;
	unsigned char lo = 0x80, hi = 0xbf; /* the second byte's range */
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		if (c == 0xe0)
			lo = 0xa0; /* overlong */
		else if (c == 0xed)
			hi = 0x9f; /* surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		if (c == 0xf0)
			lo = 0x90; /* overlong */
		else if (c == 0xf4)
			hi = 0x8f; /* above U+10FFFF */
	} else {
		return 0;
	}
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

bool cc_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		size_t l = seq_len(p + i, n - i);
		if (l == 0)
			return false;
		i += l;
	}
	return true;
}

char *cc_utf8_coerce(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	/* at most 3 bytes (U+FFFD) for each byte in */
	if (n > (SIZE_MAX - 1) / 3)
		return NULL;
	char *out = malloc(3 * n + 1), *o = out;
	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < n;) {
		size_t l = seq_len(p + i, n - i);
		if (l == 0) {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		} else {
			memcpy(o, p + i, l);
			o += l;
			i += l;
		}
	}
	*o = '\0';
	return out;
}

json_t *cc_json_text(const char *s)
{
	if (s == NULL)
		return NULL;
	if (cc_utf8_valid(s, strlen(s)))
		return json_string(s);
	char *c = cc_utf8_coerce(s);
	json_t *j = c ? json_string(c) : NULL;
	free(c);
	return j;
}

int cc_json_set_text(json_t *o, const char *key, json_t *v)
{
	if (cc_utf8_valid(key, strlen(key)))
		return json_object_set_new(o, key, v);
	char *c = cc_utf8_coerce(key);
	if (c == NULL) {
		json_decref(v);
		return -1;
	}
	int r = json_object_set_new(o, c, v);
	free(c);
	return r;
}

json_t *cc_json_bytes(const char *s)
{
	if (s == NULL)
		return NULL;
	size_t n = strlen(s);
	if (cc_utf8_valid(s, n))
		return json_string(s);
	if (n > (SIZE_MAX - 1) / 2)
		return NULL;
	static const char digits[] = "0123456789abcdef";
	char *hex = malloc(2 * n + 1);
	if (hex == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		hex[2 * i] = digits[(unsigned char)s[i] >> 4];
		hex[2 * i + 1] = digits[(unsigned char)s[i] & 15];
	}
	hex[2 * n] = '\0';
	json_t *j = json_pack("{s:s}", "hex", hex);
	free(hex);
	return j;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

char *cc_json_bytes_value(const json_t *j)
{
	if (json_is_string(j))
		return strdup(json_string_value(j));
	const char *hex = json_string_value(json_object_get(j, "hex"));
	size_t n = hex ? strlen(hex) : 1;
	if (n % 2)
		return NULL;
	char *out = malloc(n / 2 + 1);
	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
			free(out);
			return NULL;
		}
		out[i] = (char)(hi << 4 | lo);
	}
	out[n / 2] = '\0';
	return out;
}

json_t *cc_json_object_or_empty(const char *text)
{
	json_t *o = text != NULL ? json_loads(text, 0, NULL) : NULL;
	if (!json_is_object(o)) {
		json_decref(o);
		o = json_object();
	}
	return o;
}
