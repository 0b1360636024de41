/* --format templates (lib/template): the text is the user's or a script's,
 * the data comes from images and containers (labels, names, commands).
 *
 * Input: the format, then a NUL byte, then the row as JSON (a fixed row
 * when there is none or it does not parse).  The format is parsed and run
 * on the row twice (the same output and error both times), then used as a
 * --format (table, json or template) over two rows.  Execution is bounded
 * as cc_template_limits allows (steps and string sizes), so a template
 * that loops 2^60 times or pads to a terabyte is an error here, not a
 * timeout.  Invariants: an error has a message of one line that says
 * "template"; a table's lines all end in '\n'. */
#include "fuzz.h"
#include "template/template.h"

static const char fixed_row[] = "{\"ID\":\"4f6a1c2b9d8e\",\"Names\":\"web_1\",\"Args\":[\"-c\",\"x\"],\"N\":null,"
				"\"State\":{\"Pid\":1,\"Running\":true},\"L\":{\"a\":\"1\",\"b\":2.5},\"S\":\"日本…\"}";
static const struct cc_template_limits lim = { .max_steps = 20000, .max_bytes = 1 << 18 };

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static void check_error(const cc_error *e)
{
	FUZZ_CHECK(e != NULL && e->msg != NULL);
	FUZZ_CHECK(strchr(e->msg, '\n') == NULL);
	FUZZ_CHECK(e->errnum == ENOMEM || strstr(e->msg, "template") != NULL || strstr(e->msg, "json") != NULL);
}

static void run(const struct cc_template *t, const json_t *row)
{
	struct cc_strbuf out[2] = { { 0 }, { 0 } };
	cc_error *e[2] = { NULL, NULL };
	int r[2];
	for (int i = 0; i < 2; i++) {
		r[i] = cc_template_exec_limited(t, row, &lim, &out[i], &e[i]);
		if (r[i] < 0)
			check_error(e[i]);
	}
	FUZZ_CHECK(r[0] == r[1] && out[0].len == out[1].len);
	FUZZ_CHECK(out[0].len == 0 || memcmp(out[0].buf, out[1].buf, out[0].len) == 0);
	FUZZ_CHECK(r[0] == 0 || strcmp(e[0]->msg, e[1]->msg) == 0);
	for (int i = 0; i < 2; i++) {
		cc_error_free(e[i]);
		cc_strbuf_release(&out[i]);
	}
}

static void as_format(const char *format, const json_t *row)
{
	struct cc_format *f = NULL;
	cc_error *e = NULL;
	json_t *headers = json_pack("{s:s, s:s}", "ID", "CONTAINER ID", "Names", "NAMES");
	int r = cc_format_open(format, "table {{.ID}}\t{{.Names}}", headers, &f, &e);
	json_decref(headers);
	if (r < 0) {
		check_error(e);
		cc_error_free(e);
		return;
	}
	cc_format_set_limits(f, &lim);
	for (int i = 0; i < 2; i++)
		if (cc_format_row(f, row, &e) < 0) {
			check_error(e);
			cc_error_clear(&e);
		}
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	if (out == NULL)
		abort();
	r = cc_format_flush(f, out, &e);
	fclose(out);
	FUZZ_CHECK(r == 0 || e->errnum == ENOMEM);
	if (r == 0 && cc_format_is_table(f))
		FUZZ_CHECK(len > 0 && buf[len - 1] == '\n'); /* at least the header row */
	cc_error_free(e);
	free(buf);
	cc_format_free(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 16384)
		return 0;
	char *text = fuzz_cstr(data, size);
	const uint8_t *nul = memchr(data, '\0', size);
	json_t *row = NULL;
	if (nul != NULL)
		row = json_loadb((const char *)nul + 1, size - (size_t)(nul + 1 - data), JSON_DECODE_ANY, NULL);
	if (row == NULL)
		row = json_loads(fixed_row, 0, NULL);

	struct cc_template *t = NULL;
	cc_error *e = NULL;
	if (cc_template_parse(text, &t, &e) < 0) {
		check_error(e);
		FUZZ_CHECK(t == NULL);
		cc_error_free(e);
	} else {
		run(t, row);
		run(t, NULL);
		cc_template_free(t);
	}
	as_format(text, row);
	FUZZ_CHECK(cc_text_width(text) <= 2 * strlen(text));

	json_decref(row);
	free(text);
	return 0;
}
