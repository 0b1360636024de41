/* ccontainer save / load: images to and from one tar file. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"

#define MAX_SAVE 256

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

int cmd_save(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *output = NULL;
	enum cc_archive_format fmt = CC_ARCHIVE_DOCKER;
	int c;
	while ((c = getopt_long(argc, argv, "+:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': output = optarg; break;
		case 'F':
			if (strcmp(optarg, "docker-archive") == 0)
				fmt = CC_ARCHIVE_DOCKER;
			else if (strcmp(optarg, "oci-archive") == 0)
				fmt = CC_ARCHIVE_OCI;
			else
				return cmd_failf(EXIT_CC_ERROR, "unknown format '%s' (docker-archive or oci-archive)", optarg);
			break;
		case 'h':
			printf("Usage: ccontainer save [-o FILE] [--format docker-archive|oci-archive] IMAGE [IMAGE...]\n");
			return 0;
		default: return cmd_bad_flag(c, argv);
		}
	}
	if (optind >= argc)
		return cmd_failf(EXIT_CC_ERROR, "\"save\" requires at least 1 argument: ccontainer save [OPTIONS] IMAGE [IMAGE...]");
	if (argc - optind > MAX_SAVE)
		return cmd_failf(EXIT_CC_ERROR, "too many images (limit %d)", MAX_SAVE);
	if (output == NULL && isatty(STDOUT_FILENO))
		return cmd_failf(EXIT_CC_ERROR, "cowardly refusing to save to a terminal: use -o FILE or redirect");
	struct cc_store *s = cmd_open_store();
	if (s == NULL)
		return EXIT_CC_ERROR;
	struct cc_save_image imgs[MAX_SAVE];
	char *owned[2 * MAX_SAVE];
	size_t n = 0, n_owned = 0;
	cc_error *e = NULL;
	int rc = 0;
	for (int i = optind; i < argc && rc == 0; i++) {
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
	for (size_t i = 0; i < n_owned; i++)
		free(owned[i]);
	cc_store_close(s);
	return rc;
}

static void on_loaded(const char *name, const char *id, void *data)
{
	(void)data;
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

int cmd_load(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "input", required_argument, NULL, 'i' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *input = NULL;
	bool quiet = false;
	int c;
	while ((c = getopt_long(argc, argv, "+:i:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'i': input = optarg; break;
		case 'q': quiet = true; break;
		case 'h':
			printf("Usage: ccontainer load [-i FILE] [-q]\n");
			return 0;
		default: return cmd_bad_flag(c, argv);
		}
	}
	if (optind != argc)
		return cmd_failf(EXIT_CC_ERROR, "\"load\" takes no arguments: ccontainer load [-i FILE]");
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
	if (cc_image_load(s, fd >= 0 ? fd : STDIN_FILENO, quiet ? NULL : on_loaded, NULL, &e) < 0)
		rc = cmd_fail(e, EXIT_CC_ERROR);
	cc_store_close(s);
	return rc;
}

CMD_LEGACY_VERB(cmd_save_verb, "save", "[OPTIONS] IMAGE [IMAGE...]", "Save one or more images to a tar archive", cmd_save);
CMD_LEGACY_VERB(cmd_load_verb, "load", "[OPTIONS]", "Load an image from a tar archive or STDIN", cmd_load);
