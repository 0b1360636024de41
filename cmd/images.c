/* Image verbs: images, tag, rmi, import, image prune, system prune, system check. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"


/* A repo digest "repo@sha256:..." as docker shows it: the familiar repo
 * (free it; NULL when d has no '@' or without memory) and *ret_at, the
 * "@sha256:..." part of d. */
char *cmd_split_digest(const char *d, const char **ret_at)
{
	const char *at = strchr(d, '@');
	*ret_at = at ? at : "";
	_cleanup_free_ char *full = at ? strndup(d, (size_t)(at - d)) : NULL;
	return full ? cc_ref_familiar_repo(full) : NULL;
}

/* Split a stored tag name "repo:tag" into its familiar repo and the tag. */
void cmd_split_tag(const char *name, char **repo, char **tag)
{
	const char *colon = strrchr(name, ':');
	if (colon && strchr(colon, '/') == NULL) {
		_cleanup_free_ char *r = strndup(name, (size_t)(colon - name));
		*repo = r ? cc_ref_familiar_repo(r) : NULL;
		*tag = strdup(colon + 1);
	} else {
		*repo = cc_ref_familiar_repo(name);
		*tag = strdup("<none>");
	}
}

static const char *short_id(const char *id, char out[13])
{
	const char *hex = strchr(id, ':');
	snprintf(out, 13, "%.12s", hex ? hex + 1 : id);
	return out;
}

struct images_opts {
	bool quiet, digests, notrunc, all, noheading;
};

/* images REPOSITORY[:TAG]: does name (a tag, "repo:tag") match what was asked? */
static bool tag_matches(const char *name, const char *want)
{
	if (want == NULL)
		return true;
	_cleanup_free_ char *repo = NULL, *tg = NULL, *wrepo = NULL, *wtag = NULL;
	cmd_split_tag(name, &repo, &tg);
	const char *colon = strrchr(want, ':');
	bool has_tag = colon != NULL && strchr(colon, '/') == NULL;
	if (has_tag)
		cmd_split_tag(want, &wrepo, &wtag);
	else
		wrepo = cc_ref_familiar_repo(want);
	if (repo == NULL || tg == NULL || wrepo == NULL)
		return false;
	return strcmp(repo, wrepo) == 0 && (!has_tag || (wtag != NULL && strcmp(tg, wtag) == 0));
}

static bool any_tag_matches(char **tags, const char *want)
{
	for (char **t = tags; t && *t; t++)
		if (tag_matches(*t, want))
			return true;
	return false;
}

static int images_action(void *opts, int argc, char **argv)
{
	struct images_opts *o = opts;
	bool quiet = o->quiet, digests = o->digests, notrunc = o->notrunc, all = o->all;
	const char *want = argc > 0 ? argv[0] : NULL;
	struct cc_store *s = cmd_open_store();
	if (s == NULL)
		return EXIT_CC_ERROR;
	cc_error *e = NULL;
	_cleanup_strv_ char **ids = NULL;
	if (cc_store_image_list(s, &ids, &e) < 0) {
		cc_store_close(s);
		return cmd_fail(e, EXIT_CC_ERROR);
	}
	static const char *const hdr_plain[] = { "REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE" };
	static const char *const hdr_dig[] = { "REPOSITORY", "TAG", "DIGEST", "IMAGE ID", "CREATED", "SIZE" };
	struct table *t = table_new(digests ? 6 : 5, digests ? hdr_dig : hdr_plain);
	time_t now = time(NULL);
	int rc = 0;
	for (char **id = ids; *id; id++) {
		struct cc_image_record *r = NULL;
		if (cc_store_image_get(s, *id, &r, &e) < 0) {
			rc = cmd_fail(e, EXIT_CC_ERROR);
			break;
		}
		/* images REPO[:TAG]: only the images with a matching tag */
		if (want != NULL && !any_tag_matches(r->tags, want)) {
			cc_image_record_free(r);
			continue;
		}
		/* build's intermediate images (untagged, in the build cache): only with -a */
		bool cached = false;
		if (!all && (r->tags == NULL || r->tags[0] == NULL) && cc_store_cache_has_image(s, *id, &cached, &e) < 0) {
			cc_image_record_free(r);
			rc = cmd_fail(e, EXIT_CC_ERROR);
			break;
		}
		if (cached) {
			cc_image_record_free(r);
			continue;
		}
		char sid[13];
		if (quiet) {
			printf("%s\n", notrunc ? r->id : short_id(r->id, sid));
			cc_image_record_free(r);
			continue;
		}
		char created[64] = "N/A", size[32];
		int64_t ct = cc_parse_rfc3339(r->created);
		if (ct > 0) {
			cc_human_ago((int64_t)now - ct, created, sizeof(created) - 4);
			strcat(created, " ago");
		}
		cc_human_size((uint64_t)(r->size > 0 ? r->size : 0), size, sizeof(size));
		const char *digest = "<none>";
		if (r->repo_digests && r->repo_digests[0]) {
			const char *at = strchr(r->repo_digests[0], '@');
			digest = at ? at + 1 : digest;
		}
		const char *idcol = notrunc ? r->id : short_id(r->id, sid);
		if (want == NULL && (r->tags == NULL || r->tags[0] == NULL)) {
			char *repo = NULL;
			const char *at;
			if (r->repo_digests && r->repo_digests[0])
				repo = cmd_split_digest(r->repo_digests[0], &at);
			const char *row[] = { repo ? repo : "<none>", "<none>", digest, idcol, created, size };
			const char *row5[] = { repo ? repo : "<none>", "<none>", idcol, created, size };
			table_add(t, digests ? row : row5);
			free(repo);
		}
		for (char **tag = r->tags; tag && *tag; tag++) {
			if (!tag_matches(*tag, want))
				continue;
			char *repo = NULL, *tg = NULL;
			cmd_split_tag(*tag, &repo, &tg);
			const char *row[] = { repo, tg, digest, idcol, created, size };
			const char *row5[] = { repo, tg, idcol, created, size };
			table_add(t, digests ? row : row5);
			free(repo);
			free(tg);
		}
		cc_image_record_free(r);
	}
	if (!quiet && rc == 0)
		table_print(t, !o->noheading);
	table_free(t);
	cc_store_close(s);
	return rc;
}



static int tag_action(void *opts, int argc, char **argv)
{
	(void)opts;
	(void)argc;
	struct cc_ref *ref = NULL;
	cc_error *e = NULL;
	if (cc_ref_parse(argv[1], &ref, &e) < 0)
		return cmd_fail(e, EXIT_CC_ERROR);
	if (ref->digest) {
		cc_ref_free(ref);
		return cmd_failf(EXIT_CC_ERROR, "refusing to create a tag with a digest reference: '%s'", argv[1]);
	}
	_cleanup_free_ char *name = cc_ref_string(ref);
	cc_ref_free(ref);
	struct cc_store *s = cmd_open_store();
	if (s == NULL)
		return EXIT_CC_ERROR;
	_cleanup_free_ char *id = NULL;
	int rc = 0;
	if (cc_image_resolve(s, argv[0], &id, &e) < 0 || cc_store_tag_set(s, name, id, NULL, &e) < 0)
		rc = cmd_fail(e, EXIT_CC_ERROR);
	cc_store_close(s);
	return rc;
}

/* Delete an image by ID: print its tags as untagged, then the image. */
static int delete_image(struct cc_store *s, const char *id, cc_error **err)
{
	struct cc_image_record *r = NULL;
	if (cc_store_image_get(s, id, &r, err) < 0)
		return -1;
	for (char **t = r->tags; t && *t; t++) {
		char *repo = NULL, *tg = NULL;
		cmd_split_tag(*t, &repo, &tg);
		printf("Untagged: %s:%s\n", repo, tg);
		free(repo);
		free(tg);
	}
	for (char **d = r->repo_digests; d && *d; d++) {
		const char *at;
		_cleanup_free_ char *fam = cmd_split_digest(*d, &at);
		printf("Untagged: %s%s\n", fam ? fam : *d, fam ? at : "");
	}
	cc_image_record_free(r);
	if (cc_store_image_delete(s, id, err) < 0)
		return -1;
	printf("Deleted: %s\n", id);
	return 0;
}

/* The short ID of one container that uses image id ("" when none). */
static void first_user(struct cc_store *s, const char *id, char out[13])
{
	struct cc_container_record **list = NULL;
	size_t n = 0;
	cc_error *e = NULL;
	out[0] = '\0';
	if (cc_store_container_list(s, &list, &n, &e) < 0) {
		cc_error_free(e);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (out[0] == '\0' && strcmp(list[i]->image_id, id) == 0)
			snprintf(out, 13, "%.12s", list[i]->id);
		cc_container_record_free(list[i]);
	}
	free(list);
}

struct rmi_opts {
	bool force, noprune;
};

static int rmi_action(void *opts, int argc, char **argv)
{
	bool force = ((struct rmi_opts *)opts)->force;
	struct cc_store *s = cmd_open_store();
	if (s == NULL)
		return EXIT_CC_ERROR;
	cc_error *e = NULL;
	/* Removal waits for adders (pull, import) to finish, then frees content. */
	if (cc_store_lock(s, true, &e) < 0) {
		cc_store_close(s);
		return cmd_fail(e, EXIT_CC_ERROR);
	}
	int rc = 0;
	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i];
		_cleanup_free_ char *id = NULL;
		if (cc_image_resolve(s, arg, &id, &e) < 0) {
			rc = cmd_fail(e, EXIT_CC_ERROR);
			continue;
		}
		struct cc_image_record *r = NULL;
		if (cc_store_image_get(s, id, &r, &e) < 0) {
			rc = cmd_fail(e, EXIT_CC_ERROR);
			continue;
		}
		size_t ntags = 0;
		while (r->tags && r->tags[ntags])
			ntags++;
		/* Which tag did the user name, if any? */
		_cleanup_strv_ char **cands = cc_ref_candidates(arg);
		const char *named_tag = NULL;
		for (char **t = r->tags; t && *t && cands && cands[0]; t++)
			if (strcmp(*t, cands[0]) == 0)
				named_tag = *t;
		int users = 0;
		if (cc_store_image_users(s, id, &users, &e) < 0) {
			cc_image_record_free(r);
			rc = cmd_fail(e, EXIT_CC_ERROR);
			continue;
		}
		char sid[13];
		if (named_tag && ntags > 1) {
			/* Another name still refers to it: only untag, as docker does. */
			char *repo = NULL, *tg = NULL;
			cmd_split_tag(named_tag, &repo, &tg);
			if (cc_store_untag(s, named_tag, &e) < 0)
				rc = cmd_fail(e, EXIT_CC_ERROR);
			else
				printf("Untagged: %s:%s\n", repo, tg);
			free(repo);
			free(tg);
		} else if (!named_tag && ntags > 1 && !force) {
			rc = cmd_failf(EXIT_CC_ERROR,
				       "conflict: unable to delete %s (must be forced) - image is referenced in multiple repositories",
				       short_id(id, sid));
		} else if (users > 0 && !force) {
			char user_id[13] = "";
			first_user(s, id, user_id);
			rc = cmd_failf(EXIT_CC_ERROR,
				       "conflict: unable to delete %s (must be forced) - image is being used by container %s%s",
				       short_id(id, sid), user_id, users > 1 ? " and others" : "");
		} else if (users > 0) {
			/* -f on an image a container uses: its names go, the image stays
			 * (dangling) until the container is removed, as in docker */
			for (char **t = r->tags; t && *t; t++) {
				char *repo = NULL, *tg = NULL;
				cmd_split_tag(*t, &repo, &tg);
				if (cc_store_untag(s, *t, &e) < 0)
					rc = cmd_fail(e, EXIT_CC_ERROR);
				else
					printf("Untagged: %s:%s\n", repo, tg);
				free(repo);
				free(tg);
				e = NULL;
			}
		} else if (delete_image(s, id, &e) < 0) {
			rc = cmd_fail(e, EXIT_CC_ERROR);
		}
		cc_image_record_free(r);
	}
	struct cc_gc_report rep;
	if (cc_store_gc(s, false, &rep, &e) < 0)
		rc = cmd_fail(e, EXIT_CC_ERROR);
	cc_store_close(s);
	return rc;
}

struct prune_opts {
	bool all, force;
};

static int image_prune(void *opts, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	struct prune_opts *o = opts;
	bool all = o->all;
	if (!o->force && !cmd_confirm(all ? "This will remove all images without at least one container associated to them."
					  : "This will remove all dangling images."))
		return 0;
	struct cc_store *s = cmd_open_store();
	if (s == NULL)
		return EXIT_CC_ERROR;
	cc_error *e = NULL;
	int rc = 0;
	if (cc_store_lock(s, true, &e) < 0) {
		cc_store_close(s);
		return cmd_fail(e, EXIT_CC_ERROR);
	}
	/* Dangling images (no tag) go, or with -a every image no container uses. */
	_cleanup_strv_ char **ids = NULL;
	if (cc_store_image_list(s, &ids, &e) < 0) {
		cc_store_close(s);
		return cmd_fail(e, EXIT_CC_ERROR);
	}
	for (char **id = ids; *id && rc == 0; id++) {
		struct cc_image_record *r = NULL;
		int users = 0;
		if (cc_store_image_get(s, *id, &r, &e) < 0 || cc_store_image_users(s, *id, &users, &e) < 0) {
			cc_image_record_free(r);
			rc = cmd_fail(e, EXIT_CC_ERROR);
			break;
		}
		bool dangling = r->tags == NULL || r->tags[0] == NULL, cached = false;
		cc_image_record_free(r);
		/* build cache intermediates are not dangling (docker's parents): -a removes them */
		if (dangling && !all && cc_store_cache_has_image(s, *id, &cached, &e) < 0) {
			rc = cmd_fail(e, EXIT_CC_ERROR);
			break;
		}
		dangling = dangling && !cached;
		if ((dangling || all) && users == 0 && delete_image(s, *id, &e) < 0)
			rc = cmd_fail(e, EXIT_CC_ERROR);
	}
	struct cc_gc_report rep = { 0 };
	if (rc == 0 && cc_store_gc(s, true, &rep, &e) < 0)
		rc = cmd_fail(e, EXIT_CC_ERROR);
	if (rc == 0) {
		char sz[32];
		cc_human_size((uint64_t)rep.bytes, sz, sizeof(sz));
		printf("Removed %d blobs, %d layers, %d temporary files\nTotal reclaimed space: %s\n", rep.blobs,
		       rep.layers, rep.tmp, sz);
	}
	cc_store_close(s);
	return rc;
}

static int import_action(void *opts, int argc, char **argv)
{
	(void)opts;
	struct cc_store *s = cmd_open_store();
	if (s == NULL)
		return EXIT_CC_ERROR;
	_cleanup_free_ char *id = NULL;
	cc_error *e = NULL;
	int rc = 0;
	if (cc_image_import(s, argv[0], argc > 1 ? argv[1] : NULL, &id, &e) < 0)
		rc = cmd_fail(e, EXIT_CC_ERROR);
	else
		printf("%s\n", id);
	cc_store_close(s);
	return rc;
}

/* One line of the check; names in it may come from an image (layer
 * entries): control characters are shown as '?'. */
static void report_line(enum cc_check_kind kind, const char *line, void *data)
{
	bool quiet = data != NULL;
	static const char *const prefix[] = { "", "note: ", "  repaired: ", "  not repaired: " };
	if (quiet)
		return;
	fputs(prefix[kind], stdout);
	for (const unsigned char *p = (const unsigned char *)line; *p; p++)
		putchar(*p < 0x20 || *p == 0x7f ? '?' : *p);
	putchar('\n');
}

struct check_opts {
	bool repair;
};

static int system_check(void *opts, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	bool repair = ((struct check_opts *)opts)->repair;
	struct cc_store *s = cmd_open_store();
	if (s == NULL)
		return EXIT_CC_ERROR;
	cc_error *e = NULL;
	struct cc_check ck = { .repair = repair, .report = report_line };
	int rc = cc_image_check(s, &ck, &e);
	/* after repairs, a second pass says whether the store is consistent now */
	struct cc_check again = { .report = report_line, .data = &again };
	if (rc == 0 && repair && ck.problems > 0)
		rc = cc_image_check(s, &again, &e);
	cc_store_close(s);
	if (rc < 0)
		return cmd_fail(e, EXIT_CC_ERROR);
	if (ck.problems == 0) {
		printf("ok: store is consistent\n");
		return 0;
	}
	if (repair && again.problems == 0) {
		printf("ok: store is consistent after %d repair%s\n", ck.repaired, ck.repaired == 1 ? "" : "s");
		return 0;
	}
	if (repair)
		fprintf(stderr, "Error: store check found %d problem%s; %d remain%s after repair\n", ck.problems,
			ck.problems == 1 ? "" : "s", again.problems, again.problems == 1 ? "s" : "");
	else
		fprintf(stderr, "Error: store check found %d problem%s ('system check --repair' repairs what it can)\n",
			ck.problems, ck.problems == 1 ? "" : "s");
	return 1;
}

static int system_prune(void *opts, int argc, char **argv)
{
	struct prune_opts *o = opts;
	if (!o->force && !cmd_confirm("This will remove:\n  - all stopped containers' images no container uses\n"
				      "  - all dangling images\n  - unused blobs and layers"))
		return 0;
	o->force = true; /* asked once */
	return image_prune(o, argc, argv);
}

/* ---- the tables ---- */

static const struct cmd_opt images_options[] = {
	OPT_BOOL('a', "all", struct images_opts, all, "Show all images (default hides build's intermediate images)"),
	OPT_BOOL(0, "digests", struct images_opts, digests, "Show digests"),
	OPT_BOOL(0, "no-trunc", struct images_opts, notrunc, "Don't truncate output"),
	OPT_BOOL('n', "noheading", struct images_opts, noheading, "Do not print column headings (podman)"),
	OPT_BOOL('q', "quiet", struct images_opts, quiet, "Only show image IDs"),
	OPT_END,
};
const struct cmd_verb cmd_images_verb = {
	.name = "images", .usage = "[OPTIONS] [REPOSITORY[:TAG]]", .summary = "List images",
	.opts = images_options, .opts_size = sizeof(struct images_opts), .max_args = 1,
	.complete_args = CMD_COMPLETE_IMAGE, .action = images_action,
};

const struct cmd_verb cmd_tag_verb = {
	.name = "tag", .usage = "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
	.summary = "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE", .min_args = 2, .max_args = 2,
	.complete_args = CMD_COMPLETE_IMAGE, .action = tag_action,
};

static const struct cmd_opt rmi_options[] = {
	OPT_BOOL('f', "force", struct rmi_opts, force, "Force removal of the image"),
	OPT_BOOL(0, "no-prune", struct rmi_opts, noprune, "Do not delete untagged parents (accepted; images have none here)"),
	OPT_END,
};
const struct cmd_verb cmd_rmi_verb = {
	.name = "rmi", .usage = "[OPTIONS] IMAGE [IMAGE...]", .summary = "Remove one or more images",
	.opts = rmi_options, .opts_size = sizeof(struct rmi_opts), .min_args = 1, .max_args = -1,
	.complete_args = CMD_COMPLETE_IMAGE, .action = rmi_action,
};

const struct cmd_verb cmd_import_verb = {
	.name = "import", .usage = "file [REPOSITORY[:TAG]]",
	.summary = "Import the contents from a tarball to create a filesystem image", .min_args = 1, .max_args = 2,
	.complete_args = CMD_COMPLETE_FILE, .action = import_action,
};

static const struct cmd_opt image_prune_options[] = {
	OPT_BOOL('a', "all", struct prune_opts, all, "Remove all unused images, not just dangling ones"),
	OPT_BOOL('f', "force", struct prune_opts, force, "Do not prompt for confirmation"),
	OPT_END,
};
const struct cmd_verb cmd_image_prune_verb = {
	.name = "prune", .usage = "[OPTIONS]", .summary = "Remove unused images",
	.opts = image_prune_options, .opts_size = sizeof(struct prune_opts), .action = image_prune,
};
const struct cmd_verb cmd_system_prune_verb = {
	.name = "prune", .usage = "[OPTIONS]", .summary = "Remove unused data",
	.opts = image_prune_options, .opts_size = sizeof(struct prune_opts), .action = system_prune,
};

static const struct cmd_opt check_options[] = {
	OPT_BOOL(0, "repair", struct check_opts, repair, "Repair what can be repaired"),
	OPT_END,
};
const struct cmd_verb cmd_system_check_verb = {
	.name = "check", .usage = "[OPTIONS]", .summary = "Check the store's consistency",
	.opts = check_options, .opts_size = sizeof(struct check_opts), .action = system_check,
};
