/* ccontainer rename OLD NEW: a container's name, running or not. */
#include <string.h>

#include "cmd.h"

static int rename_action(void *opts, int argc, char **argv)
{
	(void)opts;
	(void)argc;
	if (argv[0][0] == '\0' || argv[1][0] == '\0')
		return cmd_failf(EXIT_CC_ERROR, "Neither old nor new names may be empty");
	struct cc_store *s = cmd_open_store();
	if (s == NULL)
		return EXIT_CC_ERROR;
	int rc = 0;
	cc_error *e = NULL;
	struct cc_container_record *c = cmd_container_get(s, argv[0]);
	if (c == NULL)
		rc = EXIT_CC_ERROR;
	else if (strcmp(c->name, argv[1]) == 0)
		rc = cmd_failf(EXIT_CC_ERROR, "Renaming a container with the same name as its current name");
	else if (cc_store_container_rename(s, c->id, argv[1], &e) < 0)
		rc = cmd_fail(e, EXIT_CC_ERROR);
	else {
		_cleanup_free_ char *old = NULL;
		if (asprintf(&old, "/%s", c->name) >= 0) {
			free(c->name);
			c->name = strdup(argv[1]);
			if (c->name != NULL)
				cc_container_event(s, c, "rename", (const char *const[]){ "oldName", old, NULL });
		}
	}
	cc_container_record_free(c);
	cc_store_close(s);
	return rc;
}

const struct cmd_verb cmd_rename_verb = {
	.name = "rename",
	.usage = "CONTAINER NEW_NAME",
	.summary = "Rename a container",
	.min_args = 2,
	.max_args = 2,
	.complete_args = CMD_COMPLETE_CONTAINER,
	.action = rename_action,
};
