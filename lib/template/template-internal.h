/* lib/template inside: lexer (lex.c), parser and node tree (parse.c),
 * evaluator (exec.c), functions (funcs.c), Go's fmt and encoding/json
 * printing (print.c), UTF-8 text (text.c), docker's --format (format.c).
 *
 * A value is a json_t reference the holder owns, or NULL for Go's invalid
 * reflect.Value, "<no value>" (a key an object does not have).  JSON null is
 * Go's nil interface.  Integers are Go ints, reals float64, strings are
 * bytes (json_stringn_nocheck: what a function makes need not be UTF-8). */
#ifndef CC_TEMPLATE_INTERNAL_H
#define CC_TEMPLATE_INTERNAL_H

#include <stdarg.h>

#include "template.h"

/* ---- lex.c ---- */
enum item_type {
	IT_ERROR, /* text: the message */
	IT_EOF,
	IT_TEXT,
	IT_LEFT,
	IT_RIGHT,
	IT_SPACE,
	IT_IDENT,
	IT_FIELD,
	IT_VAR,
	IT_STRING,
	IT_RAW,
	IT_CHARCONST,
	IT_NUMBER,
	IT_BOOL,
	IT_ASSIGN,
	IT_DECLARE,
	IT_PIPE,
	IT_LPAREN,
	IT_RPAREN,
	IT_CHAR,
	IT_KEYWORD, /* only a divider: items after it print as <word> */
	IT_BLOCK,
	IT_BREAK,
	IT_CONTINUE,
	IT_DOT,
	IT_DEFINE,
	IT_ELSE,
	IT_END,
	IT_IF,
	IT_NIL,
	IT_RANGE,
	IT_TEMPLATE,
	IT_WITH,
};

struct item {
	enum item_type type;
	size_t pos, len; /* its text in the template: text + pos, len bytes */
	int line;
	char *msg; /* IT_ERROR: malloc'd */
};

/* Lex all of text (len bytes) into *ret: a lexical error is an IT_ERROR
 * item, the last one (the parser meets it where Go's would); otherwise the
 * last is IT_EOF.  Comments are dropped.  -ENOMEM only. */
int tl_lex(const char *text, size_t len, struct item **ret, size_t *ret_n);
void tl_items_free(struct item *items, size_t n);

/* ---- parse.c ---- */
enum node_type {
	N_LIST,
	N_TEXT,
	N_ACTION,
	N_IF,
	N_RANGE,
	N_WITH,
	N_BREAK,
	N_CONTINUE,
	N_PIPE,
	N_CMD,
	N_FIELD,
	N_VAR,
	N_CHAIN,
	N_IDENT,
	N_DOT,
	N_NIL,
	N_BOOL,
	N_NUMBER,
	N_STRING,
};

struct tfunc;

struct node {
	enum node_type type;
	size_t pos; /* byte offset in the template, for messages */
	int line;
	struct node *pipe, *list, *elist; /* ACTION: pipe; IF, RANGE, WITH: all three
					     (elist may be NULL); CHAIN: pipe is the term */
	struct node **kid;                /* LIST: items; PIPE: commands; CMD: arguments */
	size_t nkid;
	char **name;                      /* FIELD: fields; VAR: "$x" then fields; CHAIN: fields;
					     PIPE: declared variables; IDENT: the function */
	size_t nname;
	bool assign;                      /* PIPE: "=" rather than ":=" */
	const char *src;                  /* NUMBER, STRING, BOOL: spelling in the template */
	size_t srclen;
	char *text;                       /* TEXT: the text; STRING: the value */
	size_t len;
	json_t *lit;                      /* BOOL, NUMBER, STRING: the value as Go's untyped
					     constant becomes (NULL: a number too large for int) */
	bool is_int;                      /* NUMBER: fits an int parameter (lit_int) */
	json_int_t lit_int;
	const struct tfunc *fn;           /* IDENT */
};

struct cc_template {
	char *text;
	size_t len;
	struct node *root;
	bool missingkey_error; /* Go's Option("missingkey=error") */
};

/* Go's Node.String(), for "at <...>" in messages. */
void tp_node_string(struct cc_strbuf *sb, const struct node *n);
void tp_node_free(struct node *n);

/* ---- exec.c / funcs.c ---- */
enum arg_kind {
	K_VALUE,  /* reflect.Value (the builtins): <no value> stays */
	K_ANY,    /* interface{}: <no value> is nil */
	K_STRING, /* string */
	K_INT,    /* int */
};

struct tstate;
/* A function: args[i] are values of the kinds asked for (NULL only for
 * K_VALUE); *ret a new reference (NULL: <no value>).  -1 with tx_fail(). */
typedef int (*tfunc_fn)(struct tstate *st, json_t **args, size_t n, json_t **ret);

struct tfunc {
	const char *name;
	tfunc_fn fn;
	unsigned char nfixed;
	bool variadic;
	enum arg_kind kind[3], rest; /* fixed parameters, the variadic ones */
	/* docker's header functions: the same name, returning its first
	 * argument; hkind the kinds of their parameters (0 parameters: none) */
	unsigned char hn;
	enum arg_kind hkind[2];
};

const struct tfunc *tf_lookup(const char *name);
/* "error calling NAME: " + message, for the function now called */
int tx_fail(struct tstate *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A string value; NULL without memory (then tx_oom). */
json_t *tx_string(struct tstate *st, const char *s, size_t n);
/* The budget for strings: false (and the error set) when sb may not grow
 * to that length or ran out of memory. */
bool tx_fits(struct tstate *st, const struct cc_strbuf *sb);
int tx_oom(struct tstate *st);
/* the bound on strings a function makes (0: none) */
size_t tx_max(const struct tstate *st);
/* format.c: the header row of a table, with headers as fields */
int tx_exec_header(const struct cc_template *t, const json_t *headers, const struct cc_template_limits *lim,
		   struct cc_strbuf *out, cc_error **err);
bool tx_truth(const json_t *v);

/* ---- print.c: Go's fmt and encoding/json for these values ----
 * The writers return 0, TV_DEEP when a value nests deeper than
 * CC_TEMPLATE_MAX_DATA_DEPTH, TV_BIG when sb grew past max (0: no bound;
 * checked as they go, so a string never grows far past it). */
enum { TV_DEEP = -1, TV_BIG = -2 };
/* The Go type a value stands for ("string", "int", "float64", "bool",
 * "[]interface {}", "map[string]interface {}"; "<nil>" for nil). */
const char *tv_type(const json_t *v);
/* fmt.Sprint (ln: fmt.Sprintln) of the values */
int tv_sprint(struct cc_strbuf *sb, json_t *const *args, size_t n, bool ln, size_t max);
/* fmt.Sprintf */
int tv_sprintf(struct cc_strbuf *sb, const char *format, size_t flen, json_t *const *args, size_t n, size_t max);
/* %v of one value, what an action prints: NULL is "<no value>" */
int tv_print(struct cc_strbuf *sb, const json_t *v, size_t max);
/* encoding/json, compact, SetEscapeHTML(false) (docker's json); objects in
 * their own key order (the order the verbs give, docker's field order) */
int tv_json(struct cc_strbuf *sb, const json_t *v, size_t max);
/* strconv.Quote (ascii: QuoteToASCII) */
void tv_quote(struct cc_strbuf *sb, const char *s, size_t n, bool ascii);
/* An object's members in Go's sorted key order (bytewise) */
struct tkey {
	const char *s;
	size_t n;
	json_t *v;
};
int tv_sorted_keys(const json_t *obj, struct tkey **ret, size_t *ret_n);

/* ---- text.c ---- */
/* Decode one UTF-8 character of s[0..n) (n > 0) as Go does: *cp is
 * U+FFFD with length 1 for a byte that does not start a valid sequence. */
size_t tt_decode(const char *s, size_t n, uint32_t *cp);
void tt_encode(struct cc_strbuf *sb, uint32_t cp);
size_t tt_runes(const char *s, size_t n);
/* unicode.ToUpper, ToLower, ToTitle */
uint32_t tt_upper(uint32_t cp);
uint32_t tt_lower(uint32_t cp);
uint32_t tt_title(uint32_t cp);
/* strings.ToUpper, ToLower, Title of s (invalid bytes become U+FFFD) */
void tt_map_upper(struct cc_strbuf *sb, const char *s, size_t n);
void tt_map_lower(struct cc_strbuf *sb, const char *s, size_t n);
void tt_map_title(struct cc_strbuf *sb, const char *s, size_t n);
/* strconv.IsPrint, close enough (see text.c) */
bool tt_isprint(uint32_t cp);

#endif
