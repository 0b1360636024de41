/* Column tables for list output. */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

struct table {
	int ncols;
	size_t nrows, cap;
	char **cells; /* row-major, row 0 = headers */
};

struct table *table_new(int ncols, const char *const *headers)
{
	struct table *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->ncols = ncols;
	table_add(t, headers);
	return t;
}

void table_add(struct table *t, const char *const *cells)
{
	if (t == NULL)
		return;
	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		char **nc = realloc(t->cells, cap * (size_t)t->ncols * sizeof(char *));
		if (nc == NULL)
			return;
		t->cells = nc;
		t->cap = cap;
	}
	for (int i = 0; i < t->ncols; i++)
		t->cells[t->nrows * (size_t)t->ncols + (size_t)i] = cc_safe_text(cells[i]); /* may come from an image */
	t->nrows++;
}

/* Columns on a terminal: UTF-8 characters, not bytes ("…" is one). */
static size_t text_width(const char *s)
{
	size_t n = 0;
	for (; s != NULL && *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

void table_print(struct table *t, bool headers)
{
	if (t == NULL)
		return;
	size_t width[32] = { 0 };
	for (size_t r = 0; r < t->nrows; r++)
		for (int c = 0; c < t->ncols && c < 32; c++) {
			const char *s = t->cells[r * (size_t)t->ncols + (size_t)c];
			size_t n = text_width(s);
			if (n > width[c])
				width[c] = n;
		}
	for (size_t r = headers ? 0 : 1; r < t->nrows; r++) {
		for (int c = 0; c < t->ncols; c++) {
			const char *s = t->cells[r * (size_t)t->ncols + (size_t)c];
			if (c == t->ncols - 1)
				printf("%s\n", s ? s : "");
			else
				printf("%s%*s", s ? s : "", (int)(width[c] - text_width(s) + 3), "");
		}
	}
}

void table_free(struct table *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->nrows * (size_t)t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}
