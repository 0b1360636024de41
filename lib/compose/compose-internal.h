/* lib/compose internals: the YAML tree the loader works on before the
 * model is built.  Every node remembers its file and line, so an error
 * found after merging still names where the value was written. */
#ifndef CC_COMPOSE_INTERNAL_H
#define CC_COMPOSE_INTERNAL_H

#include "compose.h"

enum cy_type { CY_NULL, CY_SCALAR, CY_SEQ, CY_MAP };

/* A file read: its name for messages and the directory its relative
 * paths are resolved against (the project directory for -f files, its
 * own directory for a file `extends` names). */
struct cy_file {
	char *name;
	char *dir;
	struct cy_file *next;
};

#define CY_RESET 0x1    /* !reset: the merge clears the value */
#define CY_OVERRIDE 0x2 /* !override: the merge replaces, never merges */
#define CY_QUOTED 0x4   /* a quoted scalar (never a number, bool or null) */

struct cy_node {
	enum cy_type type;
	unsigned flags;
	char *key; /* a mapping's entry: its key */
	char *str; /* CY_SCALAR */
	const struct cy_file *file;
	int line;
	struct cy_node **kids; /* CY_SEQ items, CY_MAP entries (key set) */
	size_t n, cap;
};

/* The loader's shared state: the node budget, the files. */
struct cy_ctx {
	size_t nodes;
	struct cy_file *files;
};

struct cy_node *cy_new(struct cy_ctx *c, enum cy_type t, const struct cy_file *f, int line);
void cy_free(struct cy_node *n);
struct cy_node *cy_copy(struct cy_ctx *c, const struct cy_node *n, cc_error **err);
int cy_add(struct cy_node *parent, struct cy_node *kid);
struct cy_node *cy_get(const struct cy_node *map, const char *key);
/* Remove a mapping's entry, returning it (the caller frees). */
struct cy_node *cy_take(struct cy_node *map, const char *key);
const struct cy_file *cy_file_add(struct cy_ctx *c, const char *name, const char *dir);

/* Parse one YAML document into *ret (a CY_NULL node for an empty file). */
int cy_parse(struct cy_ctx *c, const struct cy_file *f, const char *data, size_t len, struct cy_node **ret,
	     cc_error **err);

/* libfyaml events not freed yet (0 between parses): the fuzz target's
 * leak check for them. */
long cc_compose_yaml_live_events(void);

/* A string list's append (a copy; -1 without memory) and release. */
int cy_strv_add(struct cc_compose_strv *v, const char *s);
void cy_strv_release(struct cc_compose_strv *v);

/* "file:line: " prefix for errors about a node. */
int cy_err(cc_error **err, const struct cy_node *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
