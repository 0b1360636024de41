/* The container log's JSON lines (docker's json-file, lib/container/crilog.h):
 * cc_jsonlog_parse on the input as one line (what `logs` does with each line
 * of ctr.log that starts with '{'), and the writer's escaping of the input
 * as a record's text.
 *
 * Invariants: a parsed record names stdout or stderr, has a time and a
 * "log" no longer than the line; the input escaped as a record's text
 * parses back, to valid UTF-8: the input itself when it is valid UTF-8,
 * and what it decodes to goes through escaping and parsing unchanged
 * (invalid bytes become U+FFFD once and for all). */
#include "fuzz.h"
#include "container/crilog.h"

/* logs holds a JSON line of up to 1 MiB; the monitor writes at most
 * CC_JSONLOG_ESCAPED_MAX(CC_CRILOG_LINE_MAX) of text */
#define JSONLOG_MAX_INPUT (1024 * 1024)

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

/* Is p[0..n) valid UTF-8 (RFC 3629: no surrogates, no overlong forms,
 * nothing past U+10FFFF)?  Written apart from the code under test. */
static int valid_utf8(const unsigned char *p, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned c = p[i], len, cp;
		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xE0) == 0xC0)
			len = 2, cp = c & 0x1F;
		else if ((c & 0xF0) == 0xE0)
			len = 3, cp = c & 0x0F;
		else if ((c & 0xF8) == 0xF0)
			len = 4, cp = c & 0x07;
		else
			return 0;
		if (n - i < len)
			return 0;
		for (unsigned k = 1; k < len; k++) {
			if ((p[i + k] & 0xC0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i + k] & 0x3F);
		}
		static const unsigned min[] = { 0, 0, 0x80, 0x800, 0x10000 };
		if (cp < min[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		i += len;
	}
	return 1;
}

static void parse_line(const uint8_t *data, size_t size)
{
	char *out = malloc(size + 1);
	if (out == NULL)
		abort();
	struct cc_jsonlog_rec rec;
	if (cc_jsonlog_parse((const char *)data, size, out, &rec) == 0) {
		FUZZ_CHECK(rec.fd == 1 || rec.fd == 2);
		FUZZ_CHECK(rec.log_len <= size);
		size_t tl = strnlen(rec.time, sizeof(rec.time));
		FUZZ_CHECK(tl > 0 && tl < sizeof(rec.time));
		FUZZ_CHECK(rec.partial == (rec.log_len == 0 || out[rec.log_len - 1] != '\n'));
	}
	free(out);
}

static void round_trip(const uint8_t *data, size_t size)
{
	static const char head[] = "{\"log\":\"", tail[] = "\",\"stream\":\"stderr\",\"time\":\"2026-12-06T03:54:44.5Z\"}";
	size_t cap = sizeof(head) + CC_JSONLOG_ESCAPED_MAX(size) + sizeof(tail);
	char *line = malloc(cap), *out = malloc(cap), *again = malloc(cap);
	if (line == NULL || out == NULL || again == NULL)
		abort();
	memcpy(line, head, sizeof(head) - 1);
	size_t n = sizeof(head) - 1;
	size_t esc = cc_jsonlog_escape((const char *)data, size, line + n);
	FUZZ_CHECK(esc <= CC_JSONLOG_ESCAPED_MAX(size));
	for (size_t i = 0; i < esc; i++)
		FUZZ_CHECK((unsigned char)line[n + i] >= 0x20 && line[n + i] != '<' && line[n + i] != '>' &&
			   line[n + i] != '&');
	n += esc;
	memcpy(line + n, tail, sizeof(tail) - 1);
	n += sizeof(tail) - 1;

	struct cc_jsonlog_rec rec;
	FUZZ_CHECK(cc_jsonlog_parse(line, n, out, &rec) == 0);
	FUZZ_CHECK(rec.fd == 2 && strcmp(rec.time, "2026-12-06T03:54:44.5Z") == 0);
	if (valid_utf8(data, size))
		FUZZ_CHECK(rec.log_len == size && memcmp(out, data, size) == 0);
	FUZZ_CHECK(valid_utf8((const unsigned char *)out, rec.log_len));
	/* what was decoded goes through again unchanged */
	memcpy(again, head, sizeof(head) - 1);
	size_t m = sizeof(head) - 1;
	m += cc_jsonlog_escape(out, rec.log_len, again + m);
	memcpy(again + m, tail, sizeof(tail) - 1);
	m += sizeof(tail) - 1;
	struct cc_jsonlog_rec rec2;
	char *out2 = malloc(m);
	if (out2 == NULL)
		abort();
	FUZZ_CHECK(cc_jsonlog_parse(again, m, out2, &rec2) == 0);
	FUZZ_CHECK(rec2.log_len == rec.log_len && memcmp(out2, out, rec.log_len) == 0);
	free(out2);
	free(line);
	free(out);
	free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > JSONLOG_MAX_INPUT)
		return 0;
	parse_line(data, size);
	round_trip(data, size);
	return 0;
}
