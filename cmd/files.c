/* ccontainer cp, export, diff: a container's files from outside it
 * (lib/container/files.c does the work; every path in the container is
 * resolved in it). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "container/container.h"

struct cp_opts {
	bool archive, follow, quiet;
};

static const struct cmd_opt cp_options[] = {
	OPT_BOOL('a', "archive", struct cp_opts, archive, "Archive mode (copy all uid/gid information)"),
	OPT_BOOL('L', "follow-link", struct cp_opts, follow, "Always follow symbol link in SRC_PATH"),
	OPT_BOOL('q', "quiet", struct cp_opts, quiet, "Suppress progress output during copy"),
	OPT_END,
};

static int cp_action(void *opts, int argc, char **argv)
{
	const struct cp_opts *co = opts;
	(void)argc;
	_cleanup_free_ char *sctr = NULL, *dctr = NULL;
	const char *spath = NULL, *dpath = NULL;
	int a = cc_cp_split_arg(argv[0], &sctr, &spath), b = cc_cp_split_arg(argv[1], &dctr, &dpath);
	if (a < 0 || b < 0)
		return cmd_failf(1, "out of memory");
	if (a == 1 && b == 1)
		return cmd_failf(1, "copying between containers is not supported");
	if (a == 0 && b == 0)
		return cmd_failf(1, "must specify at least one container source");
	const char *ctr = a == 1 ? sctr : dctr;
	const char *cpath = a == 1 ? spath : dpath;
	if (*ctr == '\0')
		return cmd_failf(1, "empty container name in \"%s\"", a == 1 ? argv[0] : argv[1]);
	if (*cpath == '\0')
		return cmd_failf(1, "filesystem path in the container cannot be empty");
	if (a == 0 && *spath == '\0')
		return cmd_failf(1, "source path cannot be empty");
	if (b == 0 && *dpath == '\0')
		return cmd_failf(1, "destination path cannot be empty");
	if (a == 1 && strcmp(dpath, "-") == 0 && isatty(STDOUT_FILENO))
		return cmd_failf(1, "cowardly refusing to write a tar stream to a terminal");
	struct cc_cp_opts o = {
		.from_container = a == 1,
		.src = spath,
		.dst = dpath,
		.src_fd = a == 0 && strcmp(spath, "-") == 0 ? STDIN_FILENO : -1,
		.dst_fd = a == 1 && strcmp(dpath, "-") == 0 ? STDOUT_FILENO : -1,
		.archive = co->archive,
		.follow = co->follow,
		.ctr_name = ctr,
	};
	struct cc_store *s = cmd_open_store();
	if (s == NULL)
		return 1;
	int rc = 0;
	cc_error *e = NULL;
	struct cc_container_record *c = cmd_container_get(s, ctr);
	if (c == NULL)
		rc = 1;
	else if (cc_container_cp(s, c, &o, &e) < 0)
		rc = cmd_fail(e, 1);
	cc_container_record_free(c);
	cc_store_close(s);
	return rc;
}

const struct cmd_verb cmd_cp_verb = {
	.name = "cp",
	.usage = "[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n  ccontainer cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH",
	.summary = "Copy files/folders between a container and the local filesystem",
	.description = "Use '-' as the source to read a tar archive from stdin and extract it to a directory "
		       "destination in a container.\nUse '-' as the destination to stream a tar archive of a "
		       "container source to stdout.",
	.opts = cp_options,
	.opts_size = sizeof(struct cp_opts),
	.min_args = 2,
	.max_args = 2,
	.complete_args = CMD_COMPLETE_FILE,
	.action = cp_action,
};

struct export_opts {
	const char *output;
};

static const struct cmd_opt export_options[] = {
	OPT_STRING('o', "output", struct export_opts, output, "string", "Write to a file, instead of STDOUT",
		   .complete = CMD_COMPLETE_FILE),
	OPT_END,
};

static int export_action(void *opts, int argc, char **argv)
{
	const struct export_opts *eo = opts;
	(void)argc;
	if (eo->output == NULL && isatty(STDOUT_FILENO))
		return cmd_failf(1, "cowardly refusing to save to a terminal. Use the -o flag or redirect");
	struct cc_store *s = cmd_open_store();
	if (s == NULL)
		return 1;
	int rc = 0;
	cc_error *e = NULL;
	_cleanup_free_ char *tmp = NULL;
	int fd = STDOUT_FILENO;
	struct cc_container_record *c = cmd_container_get(s, argv[0]);
	if (c == NULL) {
		rc = 1;
		goto out;
	}
	if (eo->output != NULL) {
		/* written aside and renamed in: no half file under the name */
		if (asprintf(&tmp, "%s.tmp-%d", eo->output, (int)getpid()) < 0) {
			rc = cmd_failf(1, "out of memory");
			goto out;
		}
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0) {
			rc = cmd_failf(1, "failed to export container: open %s: %s", eo->output, strerror(errno));
			goto out;
		}
	}
	if (cc_container_export(s, c, fd, NULL, &e) < 0)
		rc = cmd_fail(e, 1);
	if (eo->output != NULL) {
		if (rc == 0 && (fsync(fd) < 0 || close(fd) < 0))
			rc = cmd_failf(1, "failed to export container: write %s: %s", eo->output, strerror(errno));
		else if (rc != 0)
			close(fd);
		if (rc == 0 && rename(tmp, eo->output) < 0)
			rc = cmd_failf(1, "failed to export container: rename %s: %s", eo->output, strerror(errno));
		if (rc != 0)
			(void)unlink(tmp);
	}
out:
	cc_container_record_free(c);
	cc_store_close(s);
	return rc;
}

const struct cmd_verb cmd_export_verb = {
	.name = "export",
	.usage = "[OPTIONS] CONTAINER",
	.summary = "Export a container's filesystem as a tar archive",
	.opts = export_options,
	.opts_size = sizeof(struct export_opts),
	.min_args = 1,
	.max_args = 1,
	.complete_args = CMD_COMPLETE_CONTAINER,
	.action = export_action,
};

static void diff_line(void *ctx, char kind, const char *path)
{
	(void)ctx;
	_cleanup_free_ char *safe = cc_safe_text(path);
	printf("%c %s\n", kind, safe != NULL ? safe : path);
}

static int diff_action(void *opts, int argc, char **argv)
{
	(void)opts;
	(void)argc;
	struct cc_store *s = cmd_open_store();
	if (s == NULL)
		return 1;
	int rc = 0;
	cc_error *e = NULL;
	struct cc_container_record *c = cmd_container_get(s, argv[0]);
	if (c == NULL)
		rc = 1;
	else if (cc_container_diff(s, c, diff_line, NULL, &e) < 0)
		rc = cmd_fail(e, 1);
	cc_container_record_free(c);
	cc_store_close(s);
	return rc;
}

const struct cmd_verb cmd_diff_verb = {
	.name = "diff",
	.usage = "CONTAINER",
	.summary = "Inspect changes to files or directories on a container's filesystem",
	.min_args = 1,
	.max_args = 1,
	.complete_args = CMD_COMPLETE_CONTAINER,
	.action = diff_action,
};
