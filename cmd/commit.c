/* ccontainer commit CONTAINER [REPOSITORY[:TAG]]: a new image from a
 * container's changes (docker commit).  The image and layer work is
 * lib/build's (cc_build_commit); here: the container's settings that the
 * image keeps, the pause around the packing, the tag, the ID printed. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build/build.h"
#include "cmd.h"
#include "image/image.h"

struct commit_opts {
	const char *message, *author, *format;
	struct cmd_strv changes;
	bool pause;
};

static const struct cmd_opt commit_options[] = {
	OPT_STRING('a', "author", struct commit_opts, author, "string",
		   "Author (e.g., \"John Hannibal Smith <hannibal@a-team.com>\")"),
	OPT_LIST('c', "change", struct commit_opts, changes, "list", "Apply Dockerfile instruction to the created image"),
	OPT_STRING(0, "format", struct commit_opts, format, "string", "Image format: oci or docker", .def = "oci",
		   .complete = CMD_COMPLETE_WORDS, .words = "oci docker"),
	OPT_STRING('m', "message", struct commit_opts, message, "string", "Commit message"),
	OPT_BOOL('p', "pause", struct commit_opts, pause, "Pause container during commit", .def = "true"),
	OPT_END,
};

static json_t *slice(const json_t *a, size_t from, size_t to)
{
	if (from >= to)
		return json_null();
	json_t *o = json_array();
	for (size_t i = from; o != NULL && i < to; i++)
		if (json_array_append(o, json_array_get(a, i)) < 0) {
			json_decref(o);
			return NULL;
		}
	return o;
}

/* What docker's commit keeps of the container's config. */
static json_t *kept_config(const struct cc_container_record *c, const struct cc_container_spec *sp)
{
	json_t *cfg = cc_container_config(c), *o = json_object();
	const json_t *cmd = json_object_get(cfg, "Cmd");
	size_t total = json_array_size(cmd), n_ep = sp->n_entrypoint < total ? sp->n_entrypoint : total;
	json_t *ep = slice(cmd, 0, n_ep), *rest = slice(cmd, n_ep, total);
	int bad = o == NULL || ep == NULL || rest == NULL;
	bad |= json_object_set_new(o, "Entrypoint", ep);
	bad |= json_object_set_new(o, "Cmd", rest);
	static const char *const keys[] = { "Env", "WorkingDir", "User", "Labels", "StopSignal" };
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		json_t *v = json_object_get(cfg, keys[i]);
		if (v != NULL && !json_is_null(v))
			bad |= json_object_set(o, keys[i], v);
	}
	json_decref(cfg);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static int commit_action(void *opts, int argc, char **argv)
{
	struct commit_opts *o = opts;
	bool docker = strcmp(o->format, "docker") == 0;
	if (!docker && strcmp(o->format, "oci") != 0)
		return cmd_usagef("unrecognized image type \"%s\": expected oci or docker", o->format);
	cc_error *e = NULL;
	_cleanup_free_ char *name = NULL;
	if (argc > 1) {
		struct cc_ref *ref = NULL;
		if (cc_ref_parse(argv[1], &ref, &e) < 0)
			return cmd_fail(e, EXIT_CC_ERROR);
		if (ref->digest) {
			cc_ref_free(ref);
			return cmd_failf(EXIT_CC_ERROR, "invalid reference format: '%s' has a digest", argv[1]);
		}
		name = cc_ref_string(ref);
		cc_ref_free(ref);
		if (name == NULL)
			return cmd_failf(EXIT_CC_ERROR, "commit: out of memory");
	}
	struct cc_store *s = cmd_open_store();
	if (s == NULL)
		return EXIT_CC_ERROR;
	int rc = 0;
	struct cc_container_spec sp = { 0 };
	bool have_spec = false, paused = false;
	json_t *kept = NULL;
	_cleanup_free_ char *dir = NULL, *upper = NULL, *id = NULL;
	struct cc_container_record *c = cmd_container_get(s, argv[0]);
	if (c == NULL) {
		rc = EXIT_CC_ERROR;
		goto out;
	}
	if (cmd_container_spec(s, c, false, &sp, &e) < 0) {
		rc = cmd_fail(e, EXIT_CC_ERROR);
		goto out;
	}
	have_spec = true;
	kept = kept_config(c, &sp);
	dir = cc_store_container_path(s, c->id);
	if (kept == NULL || dir == NULL || asprintf(&upper, "%s/upper", dir) < 0) {
		upper = NULL;
		rc = cmd_failf(EXIT_CC_ERROR, "commit: out of memory");
		goto out;
	}
	/* docker: a running container is frozen while its files are read */
	if (o->pause && cc_container_is_running(c) && !cc_container_is_paused(c) && cc_container_pid_alive(c)) {
		if (cc_container_pause(s, c, &e) < 0) {
			rc = cmd_fail(e, EXIT_CC_ERROR);
			goto out;
		}
		paused = true;
	}
	struct cc_commit_options co = { .upper = upper, .image_id = c->image_id, .config = kept,
					.created_by = c->command, .comment = o->message, .author = o->author,
					.changes = (char *const *)o->changes.v, .docker_format = docker,
					.cancel = NULL };
	int r = cc_build_commit(s, &co, &id, &e);
	if (paused) {
		cc_error *ue = NULL;
		if (cc_container_unpause(s, c, &ue) < 0) {
			if (r == 0)
				r = -1, e = ue;
			else
				cc_error_free(ue);
		}
	}
	if (r == 0 && name != NULL && cc_store_tag_set(s, name, id, NULL, &e) < 0)
		r = -1;
	if (r < 0) {
		rc = cmd_fail(e, EXIT_CC_ERROR);
		goto out;
	}
	cc_container_event(s, c, "commit", NULL);
	printf("%s\n", id);
out:
	json_decref(kept);
	if (have_spec)
		cc_container_spec_release(&sp);
	cc_container_record_free(c);
	cc_store_close(s);
	return rc;
}

const struct cmd_verb cmd_commit_verb = {
	.name = "commit",
	.usage = "[OPTIONS] CONTAINER [REPOSITORY[:TAG]]",
	.summary = "Create a new image from a container's changes",
	.description = "The container's image with one more layer: what the container added, changed and deleted. "
		       "The image keeps the container's command, environment, working directory, user and labels; "
		       "-c applies CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME or WORKDIR "
		       "over them.",
	.opts = commit_options,
	.opts_size = sizeof(struct commit_opts),
	.min_args = 1,
	.max_args = 2,
	.complete_args = CMD_COMPLETE_CONTAINER,
	.action = commit_action,
};
