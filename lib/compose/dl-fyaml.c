/* libfyaml, loaded on first use (see util/dl.h): only `compose` reads
 * YAML, so no other verb maps it.  Each wrapper has libfyaml's own
 * prototype and forwards to the resolved symbol. */
#include <libfyaml.h>

#include "util/dl-wrap.h"

typedef struct fy_parser P;
typedef struct fy_event E;
typedef struct fy_token T;
typedef struct fy_diag D;

#define FYAML_FUNCS(X)                                                                     \
	X(P *, fy_parser_create, (const struct fy_parse_cfg *cfg), (cfg))                   \
	X(void, fy_parser_destroy, (P * p), (p))                                            \
	X(int, fy_parser_set_string, (P * p, const char *s, size_t n), (p, s, n))           \
	X(E *, fy_parser_parse, (P * p), (p))                                               \
	X(void, fy_parser_event_free, (P * p, E * e), (p, e))                               \
	X(bool, fy_parser_get_stream_error, (P * p), (p))                                   \
	X(enum fy_scalar_style, fy_token_scalar_style, (T * t), (t))                        \
	X(const char *, fy_token_get_text, (T * t, size_t *n), (t, n))                      \
	X(const struct fy_mark *, fy_event_start_mark, (E * e), (e))                        \
	X(const char *, fy_tag_token_handle0, (T * t), (t))                                 \
	X(const char *, fy_tag_token_suffix0, (T * t), (t))                                 \
	X(D *, fy_diag_create, (const struct fy_diag_cfg *cfg), (cfg))                      \
	X(void, fy_diag_destroy, (D * d), (d))

CC_DL_LIBRARY(cc_dl_fyaml, "libfyaml.so.0", FYAML_FUNCS, CC_DL_NONE)
