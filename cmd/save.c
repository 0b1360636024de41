/* ccontainer save / load: images to and from one tar file. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"

/* The normalised name when what the user typed is one of the image's tags. */
static char *named_tag(struct cc_store *s, const char *arg, const char *id)
{
	_cleanup_strv_ char **cands = cc_ref_candidates(arg);
	if (cands == NULL || cands[0] == NULL)
		return NULL;
	_cleanup_free_ char *tid = NULL;
	cc_error *e = NULL;
	if (cc_store_tag_get(s, cands[0], &tid, NULL, &e) < 0) {
		cc_error_free(e);
		return NULL;
	}
	return strcmp(tid, id) == 0 ? strdup(cands[0]) : NULL;
}

struct save_opts {
	const char *output, *format;
};

static const struct cmd_opt save_options[] = {
	OPT_STRING('o', "output", struct save_opts, output, "string", "Write to a file, instead of STDOUT", .complete = CMD_COMPLETE_FILE),
	OPT_STRING(0, "format", struct save_opts, format, "string", "Archive format: docker-archive or oci-archive",
		   .def = "docker-archive", .complete = CMD_COMPLETE_WORDS, .words = "docker-archive oci-archive"),
	OPT_END,
};

static int save_action(void *opts, int argc, char **argv)
{
	struct save_opts *o = opts;
	const char *output = o->output;
	enum cc_archive_format fmt = CC_ARCHIVE_DOCKER;
	if (strcmp(o->format, "docker-archive") == 0)
		fmt = CC_ARCHIVE_DOCKER;
	else if (strcmp(o->format, "oci-archive") == 0)
		fmt = CC_ARCHIVE_OCI;
	else
		return cmd_usagef("unknown format '%s' (docker-archive or oci-archive)", o->format);
	if (output == NULL && isatty(STDOUT_FILENO))
		return cmd_failf(EXIT_CC_ERROR, "cowardly refusing to save to a terminal: use -o FILE or redirect");
	struct cc_store *s = cmd_open_store();
	if (s == NULL)
		return EXIT_CC_ERROR;
	_cleanup_free_ struct cc_save_image *imgs = calloc((size_t)argc, sizeof(*imgs));
	_cleanup_free_ char **owned = calloc(2 * (size_t)argc, sizeof(*owned));
	if (imgs == NULL || owned == NULL) {
		cc_store_close(s);
		return cmd_failf(EXIT_CC_ERROR, "out of memory");
	}
	size_t n = 0, n_owned = 0;
	cc_error *e = NULL;
	int rc = 0;
	for (int i = 0; i < argc && rc == 0; i++) {
		char *id = NULL;
		if (cc_image_resolve(s, argv[i], &id, &e) < 0) {
			rc = cmd_fail(e, EXIT_CC_ERROR);
			break;
		}
		owned[n_owned++] = id;
		char *name = named_tag(s, argv[i], id);
		if (name)
			owned[n_owned++] = name;
		imgs[n++] = (struct cc_save_image){ .id = id, .name = name };
	}
	_cleanup_free_ char *tmp = NULL;
	int fd = STDOUT_FILENO;
	if (rc == 0 && output) {
		/* written beside, renamed into place: no half archive under the name */
		if (asprintf(&tmp, "%s.tmp-XXXXXX", output) < 0) {
			rc = cmd_failf(EXIT_CC_ERROR, "out of memory");
		} else if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
			rc = cmd_failf(EXIT_CC_ERROR, "create '%s': %s", tmp, strerror(errno));
			free(tmp);
			tmp = NULL;
		} else if (fchmod(fd, 0644) < 0) {
			rc = cmd_failf(EXIT_CC_ERROR, "chmod '%s': %s", tmp, strerror(errno));
		}
	}
	if (rc == 0 && cc_image_save(s, imgs, n, fmt, fd, &e) < 0)
		rc = cmd_fail(e, EXIT_CC_ERROR);
	if (tmp) {
		if (rc == 0 && (fsync(fd) < 0 || rename(tmp, output) < 0))
			rc = cmd_failf(EXIT_CC_ERROR, "write '%s': %s", output, strerror(errno));
		if (rc != 0)
			(void)unlink(tmp);
		close(fd);
	}
	/* docker: a save per image, once the archive is whole */
	for (size_t i = 0; rc == 0 && i < n; i++) {
		_cleanup_free_ char *fam = imgs[i].name != NULL ? cmd_familiar_ref(imgs[i].name) : NULL;
		cmd_image_event(s, "save", imgs[i].id, fam != NULL ? fam : imgs[i].id);
	}
	for (size_t i = 0; i < n_owned; i++)
		free(owned[i]);
	cc_store_close(s);
	return rc;
}

struct load_ui {
	struct cc_store *s;
	bool quiet;
};

static void on_loaded(const char *name, const char *id, void *data)
{
	struct load_ui *ui = data;
	/* docker: a load per image (by its name when the archive gives one) */
	_cleanup_free_ char *shown = name != NULL ? cmd_familiar_ref(name) : NULL;
	cmd_image_event(ui->s, "load", id, shown != NULL ? shown : id);
	if (ui->quiet)
		return;
	if (name == NULL) {
		printf("Loaded image ID: %s\n", id);
		return;
	}
	const char *colon = strrchr(name, ':');
	size_t rl = colon && !strchr(colon, '/') ? (size_t)(colon - name) : strlen(name);
	_cleanup_free_ char *repo = strndup(name, rl);
	_cleanup_free_ char *fam = repo ? cc_ref_familiar_repo(repo) : NULL;
	printf("Loaded image: %s%s\n", fam ? fam : name, name + rl);
}

struct load_opts {
	const char *input;
	bool quiet;
};

static const struct cmd_opt load_options[] = {
	OPT_STRING('i', "input", struct load_opts, input, "string", "Read from tar archive file, instead of STDIN", .complete = CMD_COMPLETE_FILE),
	OPT_BOOL('q', "quiet", struct load_opts, quiet, "Suppress the load output"),
	OPT_END,
};

static int load_action(void *opts, int argc, char **argv)
{
	struct load_opts *o = opts;
	const char *input = o->input;
	bool quiet = o->quiet;
	(void)argc;
	(void)argv;
	_cleanup_close_ int fd = -1;
	if (input) {
		fd = open(input, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return cmd_failf(EXIT_CC_ERROR, "open '%s': %s", input, strerror(errno));
	} else if (isatty(STDIN_FILENO)) {
		return cmd_failf(EXIT_CC_ERROR, "requested load from stdin, but stdin is empty: use -i FILE or redirect");
	}
	struct cc_store *s = cmd_open_store();
	if (s == NULL)
		return EXIT_CC_ERROR;
	cc_error *e = NULL;
	int rc = 0;
	struct load_ui ui = { .s = s, .quiet = quiet };
	if (cc_image_load(s, fd >= 0 ? fd : STDIN_FILENO, on_loaded, &ui, &e) < 0)
		rc = cmd_fail(e, EXIT_CC_ERROR);
	cc_store_close(s);
	return rc;
}

const struct cmd_verb cmd_save_verb = {
	.name = "save",
	.usage = "[OPTIONS] IMAGE [IMAGE...]",
	.summary = "Save one or more images to a tar archive (streamed to STDOUT by default)",
	.opts = save_options,
	.opts_size = sizeof(struct save_opts),
	.min_args = 1,
	.max_args = -1,
	.complete_args = CMD_COMPLETE_IMAGE,
	.action = save_action,
};
const struct cmd_verb cmd_load_verb = {
	.name = "load",
	.usage = "[OPTIONS]",
	.summary = "Load an image from a tar archive or STDIN",
	.opts = load_options,
	.opts_size = sizeof(struct load_opts),
	.min_args = 0,
	.max_args = 0,
	.action = load_action,
};
