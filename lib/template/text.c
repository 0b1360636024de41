/* UTF-8 text as Go reads it: decoding, display width, case mapping. */
#include <stdlib.h>
#include <string.h>

#include "template-internal.h"

struct urange {
	uint32_t lo, hi;
};

#define CASE_ALT 0x7fffffff /* alternating upper/lower pairs from lo */
struct ucase {
	uint32_t lo, hi;
	int32_t dupper, dlower, dtitle;
};

#include "unicode-tables.h"

size_t tt_decode(const char *s, size_t n, uint32_t *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	*cp = 0xFFFD;
	if (u[0] < 0x80) {
		*cp = u[0];
		return 1;
	}
	size_t len;
	uint32_t c, min;
	if (u[0] >= 0xC2 && u[0] <= 0xDF) {
		len = 2, c = u[0] & 0x1F, min = 0x80;
	} else if (u[0] >= 0xE0 && u[0] <= 0xEF) {
		len = 3, c = u[0] & 0x0F, min = 0x800;
	} else if (u[0] >= 0xF0 && u[0] <= 0xF4) {
		len = 4, c = u[0] & 0x07, min = 0x10000;
	} else {
		return 1;
	}
	if (n < len)
		return 1;
	for (size_t i = 1; i < len; i++) {
		if ((u[i] & 0xC0) != 0x80)
			return 1;
		c = (c << 6) | (u[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 1;
	*cp = c;
	return len;
}

void tt_encode(struct cc_strbuf *sb, uint32_t cp)
{
	char b[4];
	size_t n;
	if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		cp = 0xFFFD;
	if (cp < 0x80) {
		b[0] = (char)cp, n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xC0 | (cp >> 6)), b[1] = (char)(0x80 | (cp & 0x3F)), n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xE0 | (cp >> 12)), b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[2] = (char)(0x80 | (cp & 0x3F)), n = 3;
	} else {
		b[0] = (char)(0xF0 | (cp >> 18)), b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), b[3] = (char)(0x80 | (cp & 0x3F)), n = 4;
	}
	cc_strbuf_add(sb, b, n);
}

size_t tt_runes(const char *s, size_t n)
{
	size_t count = 0;
	uint32_t cp;
	for (size_t i = 0; i < n; count++)
		i += tt_decode(s + i, n - i, &cp);
	return count;
}

static bool in_ranges(const struct urange *r, size_t n, uint32_t cp)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cp < r[mid].lo)
			hi = mid;
		else if (cp > r[mid].hi)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static size_t rune_width(uint32_t cp)
{
	if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
		return 0;
	if (cp < 0x300)
		return 1;
	if (in_ranges(zero_width, NELEM(zero_width), cp))
		return 0;
	return in_ranges(double_width, NELEM(double_width), cp) ? 2 : 1;
}

size_t cc_text_width_n(const char *s, size_t n)
{
	size_t w = 0;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		i += tt_decode(s + i, n - i, &cp); /* a stray byte is U+FFFD: 1 */
		w += rune_width(cp);
	}
	return w;
}

size_t cc_text_width(const char *s)
{
	return s ? cc_text_width_n(s, strlen(s)) : 0;
}

enum { UPPER, LOWER, TITLE };

static uint32_t to_case(int which, uint32_t cp)
{
	if (cp < 0x80) {
		if (which == LOWER)
			return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
		return cp >= 'a' && cp <= 'z' ? cp - 32 : cp;
	}
	size_t lo = 0, hi = NELEM(case_table);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct ucase *c = &case_table[mid];
		if (cp < c->lo) {
			hi = mid;
		} else if (cp > c->hi) {
			lo = mid + 1;
		} else {
			int32_t d = which == UPPER ? c->dupper : which == LOWER ? c->dlower : c->dtitle;
			if (d == CASE_ALT) { /* lo upper, lo+1 its lower case, ... */
				bool upper = ((cp - c->lo) & 1) == 0;
				if (which == LOWER)
					return upper ? cp + 1 : cp;
				return upper ? cp : cp - 1;
			}
			return (uint32_t)((int32_t)cp + d);
		}
	}
	return cp;
}

uint32_t tt_upper(uint32_t cp)
{
	return to_case(UPPER, cp);
}
uint32_t tt_lower(uint32_t cp)
{
	return to_case(LOWER, cp);
}
uint32_t tt_title(uint32_t cp)
{
	return to_case(TITLE, cp);
}

static bool is_ascii(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return false;
	return true;
}

/* strings.Map: a byte that is not UTF-8 becomes U+FFFD */
static void map_runes(struct cc_strbuf *sb, const char *s, size_t n, uint32_t (*f)(uint32_t))
{
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		i += tt_decode(s + i, n - i, &cp);
		tt_encode(sb, f(cp));
	}
}

void tt_map_upper(struct cc_strbuf *sb, const char *s, size_t n)
{
	if (!is_ascii(s, n))
		return map_runes(sb, s, n, tt_upper);
	for (size_t i = 0; i < n; i++) {
		char c = s[i] >= 'a' && s[i] <= 'z' ? (char)(s[i] - 32) : s[i];
		cc_strbuf_add(sb, &c, 1);
	}
}

void tt_map_lower(struct cc_strbuf *sb, const char *s, size_t n)
{
	if (!is_ascii(s, n))
		return map_runes(sb, s, n, tt_lower);
	for (size_t i = 0; i < n; i++) {
		char c = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] + 32) : s[i];
		cc_strbuf_add(sb, &c, 1);
	}
}

static bool is_space(uint32_t cp)
{
	switch (cp) {
	case '\t': case '\n': case '\v': case '\f': case '\r': case ' ': case 0x85: case 0xA0:
	case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000:
		return true;
	}
	return cp >= 0x2000 && cp <= 0x200A;
}

/* strings.Title's isSeparator: ASCII other than letters, digits and '_';
 * beyond ASCII, spaces only (letters and digits are not, and Go treats
 * everything else as not either). */
static bool is_separator(uint32_t cp)
{
	if (cp < 0x80)
		return !((cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || cp == '_');
	return is_space(cp);
}

void tt_map_title(struct cc_strbuf *sb, const char *s, size_t n)
{
	uint32_t prev = ' ';
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		i += tt_decode(s + i, n - i, &cp);
		tt_encode(sb, is_separator(prev) ? tt_title(cp) : cp);
		prev = cp;
	}
}

/* strconv.IsPrint without Go's tables: letters, marks, numbers, punctuation,
 * symbols and ' '.  Not printable here: controls, spaces other than ' ',
 * format characters, surrogates, private use and noncharacters; an
 * unassigned code point counts as printable (Go says it is not). */
bool tt_isprint(uint32_t cp)
{
	if (cp < 0x80)
		return cp >= 0x20 && cp < 0x7F;
	if (cp <= 0xA0 || cp == 0xAD || is_space(cp))
		return false;
	if ((cp >= 0x2000 && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2060 && cp <= 0x206F))
		return false;
	if ((cp >= 0xD800 && cp <= 0xF8FF) || cp == 0xFEFF || (cp >= 0xFFF9 && cp <= 0xFFFB))
		return false;
	if ((cp & 0xFFFE) == 0xFFFE || (cp >= 0xE0000 && cp <= 0xE007F) || cp >= 0xF0000)
		return false;
	return cp <= 0x10FFFF;
}
