/* docker's --format for list verbs (cli/command/formatter/formatter.go)
 * and the tabwriter its tables go through (tabwriter.NewWriter(out, 10, 1,
 * 3, ' ', 0), widths in display columns as docker's go-runewidth fork). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "template-internal.h"
#include "util/util.h"

#define TAB_MINWIDTH 10
#define TAB_PADDING 3

enum fmode { F_TEMPLATE, F_TABLE, F_JSON };

struct cc_format {
	enum fmode mode;
	struct cc_template *t;
	json_t *headers;
	struct cc_strbuf buf; /* rows formatted, not written yet */
	bool header_done;
	struct cc_template_limits lim;
};

void cc_format_set_limits(struct cc_format *f, const struct cc_template_limits *lim)
{
	f->lim = *lim;
}

bool cc_format_is_json(const char *format)
{
	if (format == NULL)
		return false;
	while (*format == ' ')
		format++;
	size_t n = strlen(format);
	while (n > 0 && format[n - 1] == ' ')
		n--;
	return (n == 4 && memcmp(format, "json", 4) == 0) || (n == 10 && memcmp(format, "{{json .}}", 10) == 0) ||
	       (n == 12 && memcmp(format, "{{ json . }}", 12) == 0);
}

void cc_format_no_header(struct cc_format *f)
{
	f->header_done = true;
}

void cc_format_missingkey_error(struct cc_format *f)
{
	if (f->t != NULL)
		cc_template_set_missingkey_error(f->t);
}

char *cc_ellipsis(const char *s, size_t max)
{
	struct cc_strbuf sb = { 0 };
	cc_strbuf_add(&sb, "", 0);
	size_t n = strlen(s), width = 0, cut = 0;
	bool found = false;
	uint32_t cp;
	if (max == 0 || n == 0)
		return cc_strbuf_steal(&sb);
	if (max == 1) {
		tt_decode(s, n, &cp);
		tt_encode(&sb, cp);
		return cc_strbuf_steal(&sb);
	}
	/* docker: the longest run of runes that fits in max - 1 columns, when
	 * the next rune would not, and the whole string fits in no more than max */
	for (size_t i = 0; i < n;) {
		size_t len = tt_decode(s + i, n - i, &cp);
		size_t w = cc_text_width_n(s + i, len) == 2 ? 2 : 1;
		if (!found && width <= max - 1 && width + w > max - 1 && i > 0) {
			cut = i;
			found = true;
		}
		width += w;
		i += len;
	}
	if (width <= max || !found) {
		cc_strbuf_add(&sb, s, n);
		return cc_strbuf_steal(&sb);
	}
	for (size_t i = 0; i < cut;) {
		i += tt_decode(s + i, cut - i, &cp);
		tt_encode(&sb, cp);
	}
	cc_strbuf_add(&sb, "…", strlen("…"));
	return cc_strbuf_steal(&sb);
}

char *cc_go_quote(const char *s)
{
	struct cc_strbuf sb = { 0 };
	tv_quote(&sb, s, strlen(s), false);
	return cc_strbuf_steal(&sb);
}

bool cc_format_is_table(const struct cc_format *f)
{
	return f->mode == F_TABLE;
}

/* docker's templateString: after "table", trimmed of spaces, \t and \n
 * (two characters each) made a tab and a newline */
static char *template_text(const char *format)
{
	const char *s = format, *e;
	while (*s == ' ')
		s++;
	e = s + strlen(s);
	while (e > s && e[-1] == ' ')
		e--;
	struct cc_strbuf sb = { 0 };
	cc_strbuf_add(&sb, "", 0);
	for (const char *p = s; p < e; p++) {
		if (p[0] == '\\' && p + 1 < e && (p[1] == 't' || p[1] == 'n')) {
			cc_strbuf_add(&sb, p[1] == 't' ? "\t" : "\n", 1);
			p++;
		} else {
			cc_strbuf_add(&sb, p, 1);
		}
	}
	return cc_strbuf_steal(&sb);
}

int cc_format_open(const char *format, const char *default_table, const json_t *headers, struct cc_format **ret,
		   cc_error **err)
{
	if (format == NULL || *format == '\0' || strcmp(format, "table") == 0)
		format = default_table;
	if (format == NULL)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "no format");
	struct cc_format *f = calloc(1, sizeof(*f));
	if (f == NULL)
		return cc_error_set(err, ENOMEM, "format");
	f->headers = headers ? json_incref((json_t *)headers) : json_object();
	if (f->headers == NULL) {
		free(f);
		return cc_error_set(err, ENOMEM, "format");
	}
	if (strcmp(format, "json") == 0) {
		f->mode = F_JSON;
		*ret = f;
		return 0;
	}
	f->mode = cc_str_has_prefix(format, "table") ? F_TABLE : F_TEMPLATE;
	char *text = template_text(f->mode == F_TABLE ? format + 5 : format);
	if (text == NULL) {
		cc_format_free(f);
		return cc_error_set(err, ENOMEM, "format");
	}
	int r = cc_template_parse(text, &f->t, err);
	free(text);
	if (r < 0) {
		cc_format_free(f);
		return r == -ENOMEM ? r : cc_error_prefix(err, "template parsing error");
	}
	*ret = f;
	return 0;
}

int cc_format_row(struct cc_format *f, const json_t *row, cc_error **err)
{
	return cc_format_row_methods(f, row, NULL, err);
}

int cc_format_row_methods(struct cc_format *f, const json_t *row, const json_t *methods, cc_error **err)
{
	size_t mark = f->buf.len;
	int r = 0;
	if (f->mode == F_JSON) {
		r = tv_json(&f->buf, row, 0);
		if (r == TV_DEEP)
			r = cc_error_setk(err, CC_ERR_INVALID, 0, "json: value nests deeper than %d",
					  CC_TEMPLATE_MAX_DATA_DEPTH);
	} else {
		r = cc_template_exec_methods(f->t, row, methods, &f->lim, &f->buf, err);
		if (r < 0 && r != -ENOMEM)
			cc_error_prefix(err, "template parsing error"); /* docker's words, for both */
	}
	cc_strbuf_add(&f->buf, "\n", 1);
	if (r == 0 && f->buf.oom)
		r = cc_error_set(err, ENOMEM, "format");
	if (r < 0 && !f->buf.oom) { /* nothing of a failed row */
		f->buf.len = mark;
		if (f->buf.buf)
			f->buf.buf[mark] = '\0';
	}
	return r;
}

/* ---- the tabwriter ---- */

struct cell {
	char *text; /* made safe for a terminal */
	size_t width;
	size_t run; /* which column block it belongs to (not for a line's last cell) */
};

struct line {
	size_t first, n; /* cells[first .. first+n) */
};

static char *safe_cell(const char *s, size_t n)
{
	struct cc_strbuf sb = { 0 };
	cc_strbuf_add(&sb, "", 0);
	for (size_t i = 0; i <= n;) { /* a NUL would end cc_safe_text's string */
		const char *z = memchr(s + i, '\0', n - i);
		size_t end = z ? (size_t)(z - s) : n;
		char *part = strndup(s + i, end - i), *safe = part ? cc_safe_text(part) : NULL;
		if (safe == NULL)
			sb.oom = true;
		else
			cc_strbuf_add(&sb, safe, strlen(safe));
		free(part);
		free(safe);
		if (z == NULL)
			break;
		cc_strbuf_add(&sb, "\\x00", 4);
		i = end + 1;
	}
	return cc_strbuf_steal(&sb);
}

/* Lines at '\n', cells at '\t'.  A column is a run of consecutive lines
 * that have a cell there before their last: its width is its widest cell
 * plus TAB_PADDING, at least TAB_MINWIDTH (Go's tabwriter computes the same
 * blocks recursively, column by column).  The text after the last newline
 * is a last line without one. */
static int tabwrite(const char *text, size_t len, struct cc_strbuf *out)
{
	struct cell *cells = NULL;
	struct line *lines = NULL;
	size_t *widths = NULL;
	size_t ncells = 0, capcells = 0, nlines = 0, caplines = 0, nruns = 0, capruns = 0;
	int r = 0;
	for (size_t pos = 0; pos <= len && r == 0;) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		if (nlines == caplines) {
			caplines = caplines ? caplines * 2 : 16;
			struct line *nlp = realloc(lines, caplines * sizeof(*nlp));
			if (nlp == NULL) {
				r = -ENOMEM;
				break;
			}
			lines = nlp;
		}
		struct line *ln = &lines[nlines++];
		*ln = (struct line){ .first = ncells };
		const struct line *prev = nlines > 1 ? &lines[nlines - 2] : NULL;
		for (size_t c = pos; r == 0;) {
			const char *tab = memchr(text + c, '\t', end - c);
			size_t cend = tab ? (size_t)(tab - text) : end;
			if (ncells == capcells) {
				capcells = capcells ? capcells * 2 : 64;
				struct cell *nc = realloc(cells, capcells * sizeof(*nc));
				if (nc == NULL) {
					r = -ENOMEM;
					break;
				}
				cells = nc;
			}
			struct cell *cl = &cells[ncells];
			cl->text = safe_cell(text + c, cend - c);
			if (cl->text == NULL) {
				r = -ENOMEM;
				break;
			}
			cl->width = cc_text_width(cl->text);
			ncells++;
			ln->n++;
			if (tab == NULL)
				break;
			c = cend + 1;
		}
		/* the column blocks of this line's tab-terminated cells */
		for (size_t k = 0; r == 0 && k + 1 < ln->n; k++) {
			struct cell *cl = &cells[ln->first + k];
			if (prev && k + 1 < prev->n) {
				cl->run = cells[prev->first + k].run;
			} else {
				if (nruns == capruns) {
					capruns = capruns ? capruns * 2 : 16;
					size_t *nw = realloc(widths, capruns * sizeof(*nw));
					if (nw == NULL) {
						r = -ENOMEM;
						break;
					}
					widths = nw;
				}
				cl->run = nruns;
				widths[nruns++] = TAB_MINWIDTH;
			}
			if (cl->width + TAB_PADDING > widths[cl->run])
				widths[cl->run] = cl->width + TAB_PADDING;
		}
		if (nl == NULL)
			break;
		pos = end + 1;
	}
	static const char spaces[64] = "                                                               ";
	for (size_t l = 0; r == 0 && l < nlines; l++) {
		const struct line *ln = &lines[l];
		for (size_t k = 0; k < ln->n; k++) {
			const struct cell *cl = &cells[ln->first + k];
			cc_strbuf_add(out, cl->text, strlen(cl->text));
			if (k + 1 == ln->n)
				break;
			for (size_t pad = widths[cl->run] - cl->width; pad > 0 && !out->oom;) {
				size_t c = pad < 63 ? pad : 63;
				cc_strbuf_add(out, spaces, c);
				pad -= c;
			}
		}
		if (l + 1 < nlines)
			cc_strbuf_add(out, "\n", 1);
	}
	for (size_t i = 0; i < ncells; i++)
		free(cells[i].text);
	free(cells);
	free(lines);
	free(widths);
	if (r == 0 && out->oom)
		r = -ENOMEM;
	return r;
}

int cc_format_flush(struct cc_format *f, FILE *out, cc_error **err)
{
	struct cc_strbuf table = { 0 };
	const char *data = f->buf.buf;
	size_t len = f->buf.len;
	if (f->mode == F_TABLE) {
		struct cc_strbuf text = { 0 };
		if (!f->header_done) {
			cc_error *ignored = NULL; /* docker: a header row cut short is no error */
			(void)tx_exec_header(f->t, f->headers, &f->lim, &text, &ignored);
			cc_error_free(ignored);
			cc_strbuf_add(&text, "\n", 1);
			f->header_done = true;
		}
		cc_strbuf_add(&text, f->buf.buf ? f->buf.buf : "", f->buf.len);
		int r = text.oom ? -ENOMEM : tabwrite(text.buf, text.len, &table);
		cc_strbuf_release(&text);
		if (r < 0) {
			cc_strbuf_release(&table);
			return cc_error_set(err, -r, "format");
		}
		data = table.buf;
		len = table.len;
	}
	int r = 0;
	errno = 0;
	if (len > 0 && (fwrite(data, 1, len, out) != len || fflush(out) != 0))
		r = cc_error_set(err, errno ? errno : EIO, "write");
	cc_strbuf_release(&table);
	cc_strbuf_release(&f->buf);
	return r;
}

void cc_format_free(struct cc_format *f)
{
	if (f == NULL)
		return;
	cc_template_free(f->t);
	json_decref(f->headers);
	cc_strbuf_release(&f->buf);
	free(f);
}
