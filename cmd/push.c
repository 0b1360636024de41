/* ccontainer push (and image push): a stored image to a registry, or to an
 * archive (podman's oci-archive:/docker-archive: destinations). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"

struct push_opts {
	bool all_tags, quiet, tls_verify;
	const char *digestfile, *authfile, *format, *compression_format;
	int64_t jobs, compression_level;
};

static const struct cmd_opt push_options[] = {
	OPT_BOOL('a', "all-tags", struct push_opts, all_tags, "Push all tags of the repository"),
	OPT_STRING(0, "digestfile", struct push_opts, digestfile, "file", "Write the digest of the pushed manifest to FILE",
		   .complete = CMD_COMPLETE_FILE),
	OPT_BOOL('q', "quiet", struct push_opts, quiet, "Print only the pushed digest reference"),
	OPT_BOOL(0, "tls-verify", struct push_opts, tls_verify, "Require HTTPS and verify certificates", .def = "true"),
	OPT_STRING(0, "authfile", struct push_opts, authfile, "file", "Credentials file (as REGISTRY_AUTH_FILE)",
		   .complete = CMD_COMPLETE_FILE),
	OPT_INT('j', "jobs", struct push_opts, jobs, "int", "Layers uploaded at once (1 to 64)", .def = "3"),
	OPT_STRING('f', "format", struct push_opts, format, "string",
		   "Manifest type: oci or v2s2 (default: what the image has)", .complete = CMD_COMPLETE_WORDS,
		   .words = "oci v2s2"),
	OPT_STRING(0, "compression-format", struct push_opts, compression_format, "string",
		   "Layer compression: gzip or zstd (layers are recompressed only when they differ)",
		   .complete = CMD_COMPLETE_WORDS, .words = "gzip zstd"),
	OPT_INT(0, "compression-level", struct push_opts, compression_level, "int", "Compression level",
		.def = "-1"),
	OPT_END,
};

struct push_ui {
	bool quiet;
};

static void on_progress(const struct cc_push_progress *p, void *data)
{
	struct push_ui *ui = data;
	if (ui->quiet)
		return;
	const char *hex = strchr(p->digest, ':');
	char id[13];
	snprintf(id, sizeof(id), "%.12s", hex ? hex + 1 : p->digest);
	switch (p->event) {
	case CC_PUSH_PREPARING: fprintf(stderr, "%s: Preparing\n", id); break;
	case CC_PUSH_RESUMING: fprintf(stderr, "%s: Resuming upload at %lld bytes\n", id, (long long)p->current); break;
	case CC_PUSH_PUSHED: fprintf(stderr, "%s: Pushed\n", id); break;
	case CC_PUSH_EXISTS: fprintf(stderr, "%s: Layer already exists\n", id); break;
	case CC_PUSH_MOUNTED: {
		_cleanup_free_ char *safe = cc_safe_text(p->from ? p->from : "");
		fprintf(stderr, "%s: Mounted from %s\n", id, safe ? safe : "");
		break;
	}
	default: break;
	}
}

/* oci-archive:PATH and docker-archive:PATH, through save's code. */
static int push_archive(struct cc_store *s, const char *id, const char *name, enum cc_archive_format fmt,
			const char *path)
{
	if (*path == '\0')
		return cmd_usagef("the archive destination needs a path");
	_cleanup_free_ char *tmp = NULL;
	if (asprintf(&tmp, "%s.tmp-XXXXXX", path) < 0)
		return cmd_failf(EXIT_CC_ERROR, "out of memory");
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return cmd_failf(EXIT_CC_ERROR, "create '%s': %s", tmp, strerror(errno));
	struct cc_save_image img = { .id = id, .name = name };
	cc_error *e = NULL;
	int rc = 0;
	if (fchmod(fd, 0644) < 0)
		rc = cmd_failf(EXIT_CC_ERROR, "chmod '%s': %s", tmp, strerror(errno));
	else if (cc_image_save(s, &img, 1, fmt, fd, &e) < 0)
		rc = cmd_fail(e, EXIT_CC_ERROR);
	else if (fsync(fd) < 0 || rename(tmp, path) < 0)
		rc = cmd_failf(EXIT_CC_ERROR, "write '%s': %s", path, strerror(errno));
	if (rc != 0)
		(void)unlink(tmp);
	close(fd);
	return rc;
}

/* Every stored tag of repository `repo` ("localhost:5000/x"), sorted. */
static char **repo_tags(struct cc_store *s, const char *repo, cc_error **err)
{
	_cleanup_strv_ char **ids = NULL;
	if (cc_store_image_list(s, &ids, err) < 0)
		return NULL;
	size_t n = 0, cap = 8;
	char **out = calloc(cap + 1, sizeof(char *));
	size_t rl = strlen(repo);
	for (char **id = ids; out && id && *id; id++) {
		struct cc_image_record *r = NULL;
		if (cc_store_image_get(s, *id, &r, err) < 0) {
			cc_strvfreep(&out);
			return NULL;
		}
		for (char **t = r->tags; t && *t; t++) {
			if (strncmp(*t, repo, rl) != 0 || (*t)[rl] != ':' || strchr(*t + rl + 1, '/'))
				continue;
			if (n == cap) {
				char **nv = realloc(out, (2 * cap + 1) * sizeof(char *));
				if (nv == NULL)
					break;
				out = nv;
				cap *= 2;
			}
			out[n++] = strdup(*t);
			out[n] = NULL;
		}
		cc_image_record_free(r);
	}
	if (out == NULL)
		cc_error_set(err, ENOMEM, "push");
	return out;
}

int cmd_push_image(struct cc_store *s, const char *what, const char *dest, const struct cc_push_options *base,
		   bool quiet, const char *digestfile)
{
	_cleanup_free_ char *id = NULL;
	cc_error *e = NULL;
	if (cc_image_resolve(s, what, &id, &e) < 0)
		return cmd_fail(e, EXIT_CC_ERROR);
	struct push_ui ui = { .quiet = quiet };
	struct cc_push_options o = *base;
	o.progress = on_progress;
	o.progress_data = &ui;
	o.put_by_digest = digestfile != NULL;
	struct cc_ref *ref = NULL;
	if (cc_ref_parse(dest, &ref, &e) < 0)
		return cmd_fail(e, EXIT_CC_ERROR);
	_cleanup_free_ char *repo = cc_ref_repo(ref);
	_cleanup_free_ char *fam = repo ? cc_ref_familiar_repo(repo) : NULL;
	cc_ref_free(ref);
	if (!quiet)
		printf("The push refers to repository [%s]\n", repo ? repo : dest);
	fflush(stdout);
	struct cc_push_result res;
	if (cc_image_push(s, id, dest, &o, &res, &e) < 0)
		return cmd_fail(e, EXIT_CC_ERROR);
	int rc = 0;
	if (quiet)
		printf("%s@%s\n", repo ? repo : dest, res.digest);
	else
		printf("%s: digest: %s size: %lld\n", res.tag, res.digest, (long long)res.size);
	fflush(stdout);
	if (digestfile) {
		rc = cc_write_file_atomic(digestfile, res.digest, strlen(res.digest), 0644, &e) < 0 ? cmd_fail(e, EXIT_CC_ERROR) : 0;
	}
	_cleanup_free_ char *shown = NULL;
	if (asprintf(&shown, "%s:%s", fam ? fam : dest, res.tag) >= 0)
		cmd_image_event(s, "push", shown, fam ? fam : dest);
	cc_push_result_release(&res);
	return rc;
}

static int push_action(void *opts, int argc, char **argv)
{
	struct push_opts *o = opts;
	if (o->jobs < 1 || o->jobs > 64)
		return cmd_usagef("invalid --jobs '%lld': expected 1 to 64", (long long)o->jobs);
	if (o->format && strcmp(o->format, "oci") != 0 && strcmp(o->format, "v2s2") != 0)
		return cmd_usagef("invalid --format '%s': expected oci or v2s2", o->format);
	if (o->compression_format && strcmp(o->compression_format, "gzip") != 0 &&
	    strcmp(o->compression_format, "zstd") != 0)
		return cmd_usagef("invalid --compression-format '%s': expected gzip or zstd", o->compression_format);
	if (o->compression_level != -1 && o->compression_format == NULL)
		return cmd_usagef("--compression-level needs --compression-format");
	bool gz = o->compression_format && strcmp(o->compression_format, "gzip") == 0;
	if (o->compression_level != -1 && (o->compression_level < (gz ? 0 : 1) || o->compression_level > (gz ? 9 : 22)))
		return cmd_usagef("invalid --compression-level %lld: %s takes %s", (long long)o->compression_level,
				  o->compression_format, gz ? "0 to 9" : "1 to 22");
	const char *dest = argc > 1 ? argv[1] : NULL;
	if (o->all_tags && dest)
		return cmd_usagef("--all-tags takes a repository and no destination");
	if (o->authfile && setenv("REGISTRY_AUTH_FILE", o->authfile, 1) < 0)
		return cmd_failf(EXIT_CC_ERROR, "--authfile: %s", strerror(errno));
	if (dest && cc_str_has_prefix(dest, "docker://"))
		dest += 9;
	if (dest && cc_str_has_prefix(dest, "dir:"))
		return cmd_failf(EXIT_CC_ERROR, "the dir: destination is not supported: use oci-archive:PATH or docker-archive:PATH");

	struct cc_store *s = cmd_open_store();
	if (s == NULL)
		return EXIT_CC_ERROR;
	int rc = 0;
	cc_error *e = NULL;
	struct cc_push_options po = { .jobs = (int)o->jobs, .tls_verify = o->tls_verify, .format = o->format,
				      .compression = o->compression_format, .compression_level = (int)o->compression_level };
	if (dest && (cc_str_has_prefix(dest, "oci-archive:") || cc_str_has_prefix(dest, "docker-archive:"))) {
		bool oci = cc_str_has_prefix(dest, "oci-archive:");
		_cleanup_free_ char *id = NULL;
		_cleanup_strv_ char **cands = cc_ref_candidates(argv[0]);
		if (cc_image_resolve(s, argv[0], &id, &e) < 0)
			rc = cmd_fail(e, EXIT_CC_ERROR);
		else
			rc = push_archive(s, id, cands && cands[0] ? cands[0] : NULL, oci ? CC_ARCHIVE_OCI : CC_ARCHIVE_DOCKER,
					  strchr(dest, ':') + 1);
		cc_store_close(s);
		return rc;
	}
	_cleanup_strv_ char **cands = cc_ref_candidates(argv[0]);
	const char *name = cands && cands[0] ? cands[0] : NULL;
	if (o->all_tags) {
		/* docker push --all-tags REPO: every local tag of it */
		_cleanup_free_ char *repo = NULL;
		struct cc_ref *ref = NULL;
		if (name == NULL || cc_ref_parse(argv[0], &ref, &e) < 0) {
			cc_error_free(e);
			cc_store_close(s);
			return cmd_usagef("--all-tags needs a repository name, not '%s'", argv[0]);
		}
		bool tagged = strchr(argv[0] + (strrchr(argv[0], '/') ? strrchr(argv[0], '/') - argv[0] : 0), ':') != NULL;
		repo = cc_ref_repo(ref);
		cc_ref_free(ref);
		if (tagged || strchr(argv[0], '@')) {
			cc_store_close(s);
			return cmd_usagef("tag can't be used with --all-tags/-a");
		}
		_cleanup_strv_ char **tags = repo ? repo_tags(s, repo, &e) : NULL;
		if (tags == NULL) {
			rc = e ? cmd_fail(e, EXIT_CC_ERROR) : cmd_failf(EXIT_CC_ERROR, "out of memory");
		} else if (tags[0] == NULL) {
			rc = cmd_failf(EXIT_CC_ERROR, "An image does not exist locally with the tag: %s", argv[0]);
		}
		for (char **t = tags; rc == 0 && t && *t; t++)
			rc = cmd_push_image(s, *t, *t, &po, o->quiet, o->digestfile);
		cc_store_close(s);
		return rc;
	}
	if (dest == NULL) {
		/* the image's own name: it must be a stored tag (docker's rule) */
		_cleanup_free_ char *tid = NULL;
		if (name == NULL || strchr(argv[0], '@') || cc_store_tag_get(s, name, &tid, NULL, &e) < 0) {
			cc_error_free(e);
			cc_store_close(s);
			return cmd_failf(EXIT_CC_ERROR, "An image does not exist locally with the tag: %s", argv[0]);
		}
		dest = name;
	}
	rc = cmd_push_image(s, argv[0], dest, &po, o->quiet, o->digestfile);
	cc_store_close(s);
	return rc;
}

const struct cmd_verb cmd_push_verb = {
	.name = "push",
	.usage = "[OPTIONS] NAME[:TAG] [DESTINATION]",
	.summary = "Upload an image to a registry",
	.opts = push_options,
	.opts_size = sizeof(struct push_opts),
	/* the (and podman's) status for a failed push: 125 */
	.flags = CMD_VERB_RUNLIKE,
	.min_args = 1,
	.max_args = 2,
	.complete_args = CMD_COMPLETE_IMAGE,
	.action = push_action,
};
