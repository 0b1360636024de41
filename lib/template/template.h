/* Go text/template for docker's --format, on jansson values.
 *
 * The language is the part of Go's text/template that docker users write
 * (see docs/ARCHITECTURE.md, "--format templates"): text and {{actions}},
 * trim markers, comments, field chains, variables, if/else if/range/with
 * with else, break and continue, pipelines, parenthesised pipelines,
 * literals, Go's builtins (and or not len index slice eq ne lt le gt ge
 * print printf println html js urlquery) and docker's functions (json
 * split join title lower upper pad truncate).  No define/template/block.
 *
 * Data is JSON as Go would see it decoded into interface{}: an object is a
 * map[string]interface{} (a missing key is "<no value>", range and %v go in
 * sorted key order), an array a []interface{}, an integer an int, a real a
 * float64, null a nil interface.  Messages follow Go's: "template: :1:
 * unexpected \"}\" in operand" for the syntax, "template: :1:2: executing
 * \"\" at <index .X 1>: error calling index: ..." for execution (line, and
 * the byte column, counted from 0 as Go does).
 *
 * Templates and data may come from anyone: the parser nests at most
 * CC_TEMPLATE_MAX_DEPTH deep, printing and json nest at most
 * CC_TEMPLATE_MAX_DATA_DEPTH deep, and memory is the only bound on output
 * unless cc_template_exec_limited says otherwise. */
#ifndef CC_TEMPLATE_TEMPLATE_H
#define CC_TEMPLATE_TEMPLATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util/error.h"
#include "util/strbuf.h"

#define CC_TEMPLATE_MAX_DEPTH 100
#define CC_TEMPLATE_MAX_DATA_DEPTH 512

struct cc_template;

/* Parse text.  A syntax error: -1 (CC_ERR_INVALID) and one line in *err
 * that names the line and the problem, as Go says it. */
int cc_template_parse(const char *text, struct cc_template **ret, cc_error **err);
/* Execute with data as dot ($ too), appending to out.  data may be NULL
 * (Go's nil: every field is "<no value>").  An execution error: -1
 * (CC_ERR_INVALID) and one line in *err naming the line, column, action
 * and problem; out holds what was written before it, as Go's writer does.
 * Out of memory: -ENOMEM. */
int cc_template_exec(const struct cc_template *t, const json_t *data, struct cc_strbuf *out, cc_error **err);

/* Bounds for running templates nobody vetted (the fuzzer): how many
 * evaluation steps (actions, commands, iterations), how many bytes any one
 * string may grow to (out included).  0 is no bound. */
struct cc_template_limits {
	uint64_t max_steps;
	size_t max_bytes;
};
int cc_template_exec_limited(const struct cc_template *t, const json_t *data, const struct cc_template_limits *lim,
			     struct cc_strbuf *out, cc_error **err);
/* As cc_template_exec_limited (lim may be NULL), with methods on the
 * data: an object, name -> object, where `{{.Name "KEY"}}` (or `{{"KEY" |
 * .Name}}`) on the data itself is that object's KEY, "" when it has none:
 * docker's `{{.Label "com.example"}}` on ps and images rows. */
int cc_template_exec_methods(const struct cc_template *t, const json_t *data, const json_t *methods,
			     const struct cc_template_limits *lim, struct cc_strbuf *out, cc_error **err);
void cc_template_free(struct cc_template *t);
/* Go's Option("missingkey=error"): a field a map (object) lacks is an
 * execution error, "map has no entry for key \"X\"", not "<no value>".
 * docker's inspect and list formats fail so on a field they do not have. */
void cc_template_set_missingkey_error(struct cc_template *t);

/* docker's --format conventions, for list verbs (ps, images, version...):
 *   NULL, "" or "table": default_table;
 *   "table TEMPLATE": a table: a header row, then a row per cc_format_row,
 *     aligned by a tabwriter;
 *   "json": each row as compact JSON on a line of its own;
 *   anything else: TEMPLATE, run once per row, each followed by "\n".
 * As docker does, "table" is a prefix ("table{{.ID}}" is a table too), the
 * template is trimmed of spaces, and the two-character sequences \t and \n
 * become a tab and a newline (everywhere, quoted strings included).
 *
 * headers: a JSON object, field name -> header text ({"ID": "CONTAINER ID"});
 * the header row is the row template run on it, with json, split, join,
 * title, lower, upper and truncate leaving their first argument alone (as
 * docker's header functions do): {{.ID}} -> "CONTAINER ID".  A field chain
 * is the header of its last field; one with no entry is its name in upper
 * case ({{.State.Status}} -> "STATUS").  An execution error in the header
 * row cuts the row short, as docker's does, and is not an error.
 *
 * Table cells are cut at '\t', lines at '\n'; a column is as wide as its
 * widest cell in display columns (cc_text_width) plus 3, at least 10 (docker:
 * tabwriter minwidth 10, padding 3), for each block of consecutive lines
 * that have it; the last cell of a line is not padded.  A cell's text goes
 * through cc_safe_text (a table is for a terminal: an escape sequence in a
 * label is shown, not acted on); the template and json forms are written
 * as they are, for scripts. */
struct cc_format;
int cc_format_open(const char *format, const char *default_table, const json_t *headers, struct cc_format **ret,
		   cc_error **err);
/* Format one row.  An execution error: -1 with *err, and nothing of the
 * row is kept (docker prints nothing when a row fails; the caller decides). */
int cc_format_row(struct cc_format *f, const json_t *row, cc_error **err);
/* With methods on the row (cc_template_exec_methods); json rows leave them out. */
int cc_format_row_methods(struct cc_format *f, const json_t *row, const json_t *methods, cc_error **err);
/* Write what was formatted so far to out and forget it: a table writes its
 * header row (on the first flush only) and its rows aligned together;
 * -errno (EPIPE included, stdio's errno kept) with *err on a write error. */
int cc_format_flush(struct cc_format *f, FILE *out, cc_error **err);
void cc_format_free(struct cc_format *f);
/* A table without its header row (podman's --noheading); no effect on
 * the other forms.  Call it before the first flush. */
void cc_format_no_header(struct cc_format *f);
/* The row template's cc_template_set_missingkey_error. */
void cc_format_missingkey_error(struct cc_format *f);
/* Run the row (and header) templates within these bounds (default: none). */
void cc_format_set_limits(struct cc_format *f, const struct cc_template_limits *lim);
/* Is this a table (header row, tabwriter)? */
bool cc_format_is_table(const struct cc_format *f);
/* Does this --format ask for JSON: "json", or the template {{json .}}. */
bool cc_format_is_json(const char *format);

/* docker's formatter.Ellipsis: s cut to max display columns, the last
 * one an "…" (a rune is 2 columns when East Asian wide or fullwidth, else
 * 1, combining marks included; max 1: the first rune alone; a cut string
 * is its runes again, a byte that is not UTF-8 U+FFFD).  Free it; NULL
 * without memory. */
char *cc_ellipsis(const char *s, size_t max);
/* Go's strconv.Quote(s) (docker's ps COMMAND).  Free it; NULL without memory. */
char *cc_go_quote(const char *s);

/* Display width of UTF-8 text in terminal columns: East Asian wide and
 * fullwidth characters 2, combining marks, format and control characters 0,
 * everything else 1 ("…" included), a byte that is not UTF-8 1. */
size_t cc_text_width(const char *s);
size_t cc_text_width_n(const char *s, size_t n);

#endif
