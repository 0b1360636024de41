/* The merged tree into the model (model.c). */
#ifndef CC_COMPOSE_MODEL_H
#define CC_COMPOSE_MODEL_H

#include "compose-internal.h"

struct cc_compose_model_in {
	struct cy_node *root; /* merged; NULL when no file had content */
	const struct cc_compose_strv *files;
	const char *project_dir;
	const struct cc_compose_opts *opts;
	cc_compose_lookup_fn lookup; /* the environment, then .env */
	void *lookup_ctx;
};

int cc_compose_model_build(const struct cc_compose_model_in *in, struct cc_compose_project **ret, cc_error **err);

#endif
