/* ccontainer pull, and the progress display shared with run. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"

struct layer_line {
	char id[13];
	const char *status;
	int64_t cur, total;
};

struct display {
	bool tty;
	size_t n;
	struct layer_line *lines;
	size_t drawn;          /* lines on screen from the last redraw */
	uint64_t last_draw;
};

static void bar(char *out, size_t outlen, int64_t cur, int64_t total)
{
	char a[32], b[32];
	int width = 40, fill = total > 0 ? (int)(cur * width / total) : 0;
	char bars[64];
	for (int i = 0; i < width; i++)
		bars[i] = i < fill ? '=' : (i == fill ? '>' : ' ');
	bars[width] = '\0';
	cc_human_size((uint64_t)cur, a, sizeof(a));
	cc_human_size((uint64_t)total, b, sizeof(b));
	snprintf(out, outlen, "[%s] %s/%s", bars, a, b);
}

static void redraw(struct display *d, bool force)
{
	uint64_t now = cc_now_ns();
	if (!force && now - d->last_draw < 100000000ULL)
		return;
	d->last_draw = now;
	if (d->drawn)
		fprintf(stderr, "\033[%zuA", d->drawn);
	for (size_t i = 0; i < d->n; i++) {
		struct layer_line *l = &d->lines[i];
		char extra[160] = "";
		if (l->status && strcmp(l->status, "Downloading") == 0)
			bar(extra, sizeof(extra), l->cur, l->total);
		fprintf(stderr, "\r\033[K%s: %s %s\n", l->id, l->status ? l->status : "Waiting", extra);
	}
	d->drawn = d->n;
	fflush(stderr);
}

static void on_progress(const struct cc_pull_progress *p, void *data)
{
	struct display *d = data;
	if (p->event == CC_PULL_RESOLVED) {
		free(d->lines);
		d->n = p->n_layers;
		d->lines = calloc(d->n + 1, sizeof(*d->lines));
		d->drawn = 0;
		return;
	}
	if (d->lines == NULL || p->index >= d->n)
		return;
	struct layer_line *l = &d->lines[p->index];
	const char *hex = strchr(p->digest, ':');
	snprintf(l->id, sizeof(l->id), "%.12s", hex ? hex + 1 : p->digest);
	l->cur = p->current;
	l->total = p->total;
	const char *status = NULL;
	switch (p->event) {
	case CC_PULL_EXISTS: status = "Already exists"; break;
	case CC_PULL_WAITING: status = "Pulling fs layer"; break;
	case CC_PULL_PROGRESS: status = "Downloading"; break;
	case CC_PULL_RESUMING: status = "Resuming download"; break;
	case CC_PULL_VERIFYING: status = "Verifying Checksum"; break;
	case CC_PULL_DONE: status = "Pull complete"; break;
	default: break;
	}
	bool changed = status != l->status;
	l->status = status;
	if (d->tty) {
		redraw(d, changed && p->event != CC_PULL_PROGRESS);
	} else if (changed && p->event != CC_PULL_PROGRESS && p->event != CC_PULL_VERIFYING) {
		if (p->event == CC_PULL_RESUMING)
			fprintf(stderr, "%s: Resuming download at %lld bytes\n", l->id, (long long)p->current);
		else
			fprintf(stderr, "%s: %s\n", l->id, status);
	}
}

int cmd_do_pull(struct cc_store *s, const char *ref, const struct cc_pull_options *base, bool quiet,
		struct cc_pull_result *ret, cc_error **err)
{
	struct cc_pull_options o = *base;
	struct display d = { .tty = isatty(STDERR_FILENO) == 1 };
	if (!quiet) {
		o.progress = on_progress;
		o.progress_data = &d;
		struct cc_ref *r = NULL;
		cc_error *e = NULL;
		if (cc_ref_parse(ref, &r, &e) == 0)
			fprintf(stderr, "%s: Pulling from %s\n", r->digest ? r->digest : r->tag, r->path);
		cc_ref_free(r);
		cc_error_free(e);
	}
	int rc = cc_image_pull(s, ref, &o, ret, err);
	if (rc == 0) {
		/* docker: the reference as given (familiar) and its repository,
		 * on every pull that succeeds, up to date or not */
		_cleanup_free_ char *fam = cmd_familiar_ref(ret->ref);
		_cleanup_free_ char *repo = fam != NULL ? strdup(fam) : NULL;
		if (repo != NULL) {
			char *at = strchr(repo, '@'), *slash = strrchr(repo, '/');
			char *colon = strrchr(slash != NULL ? slash : repo, ':');
			if (at != NULL)
				*at = '\0';
			else if (colon != NULL)
				*colon = '\0';
		}
		if (fam != NULL)
			cmd_image_event(s, "pull", fam, repo);
	}
	if (d.tty && d.lines)
		redraw(&d, true);
	free(d.lines);
	return rc;
}

struct pull_opts {
	bool quiet, all_tags, tls_verify;
	const char *platform, *authfile;
	int64_t jobs;
};

static const struct cmd_opt pull_options[] = {
	OPT_BOOL('a', "all-tags", struct pull_opts, all_tags, "Download all tagged images in the repository (not supported)"),
	OPT_BOOL('q', "quiet", struct pull_opts, quiet, "Suppress verbose output"),
	OPT_STRING(0, "platform", struct pull_opts, platform, "string", "Set platform (os/arch[/variant])"),
	OPT_INT('j', "jobs", struct pull_opts, jobs, "int", "Layers downloaded at once (1 to 64)", .def = "3"),
	OPT_BOOL(0, "tls-verify", struct pull_opts, tls_verify, "Require HTTPS and verify certificates", .def = "true"),
	OPT_STRING(0, "authfile", struct pull_opts, authfile, "file", "Credentials file (as REGISTRY_AUTH_FILE)",
		   .complete = CMD_COMPLETE_FILE),
	OPT_END,
};

static int pull_action(void *opts, int argc, char **argv)
{
	struct pull_opts *o = opts;
	(void)argc;
	if (o->all_tags)
		return cmd_usagef("--all-tags is not supported: pull each tag by name");
	if (o->jobs < 1 || o->jobs > 64)
		return cmd_usagef("invalid --jobs '%lld': expected 1 to 64", (long long)o->jobs);
	if (o->authfile && setenv("REGISTRY_AUTH_FILE", o->authfile, 1) < 0)
		return cmd_failf(EXIT_CC_ERROR, "--authfile: %s", strerror(errno));
	struct cc_pull_options po = { .jobs = (int)o->jobs, .tls_verify = o->tls_verify, .platform = o->platform };
	bool quiet = o->quiet;
	struct cc_store *s = cmd_open_store();
	if (s == NULL)
		return EXIT_CC_ERROR;
	struct cc_pull_result res;
	cc_error *e = NULL;
	int rc = cmd_do_pull(s, argv[0], &po, quiet, &res, &e);
	cc_store_close(s);
	if (rc < 0)
		return cmd_fail(e, EXIT_CC_ERROR);
	if (quiet) {
		printf("%s\n", res.image_id);
	} else {
		_cleanup_free_ char *fam = NULL;
		const char *colon = res.ref;
		/* familiar form of the reference for the status line, as docker prints it */
		char *at = strchr(res.ref, '@');
		char *last_colon = strrchr(res.ref, ':');
		size_t repo_len = at ? (size_t)(at - res.ref) : (last_colon && !strchr(last_colon, '/') ? (size_t)(last_colon - res.ref) : strlen(res.ref));
		_cleanup_free_ char *repo = strndup(res.ref, repo_len);
		fam = repo ? cc_ref_familiar_repo(repo) : NULL;
		colon = res.ref + repo_len;
		printf("Digest: %s\n", res.digest);
		printf("Status: %s for %s%s\n", res.up_to_date ? "Image is up to date" : "Downloaded newer image",
		       fam ? fam : repo, colon);
		printf("%s\n", res.ref);
	}
	cc_pull_result_release(&res);
	return 0;
}

const struct cmd_verb cmd_pull_verb = {
	.name = "pull",
	.usage = "[OPTIONS] NAME[:TAG|@DIGEST]",
	.summary = "Download an image from a registry",
	.opts = pull_options,
	.opts_size = sizeof(struct pull_opts),
	.min_args = 1,
	.max_args = 1,
	.complete_args = CMD_COMPLETE_IMAGE,
	.action = pull_action,
};
