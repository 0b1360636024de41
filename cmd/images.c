/* Image verbs: images, inspect, tag, rmi, image prune, import, system check. */
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"

#define USAGE_RETURN(text)                 \
	do {                               \
		printf("Usage: %s\n", text); \
		return 0;                  \
	} while (0)

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

int cmd_images(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "digests", no_argument, NULL, 'd' },
		{ "no-trunc", no_argument, NULL, 'n' },
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool quiet = false, digests = false, notrunc = false, all = false;
	int c;
	while ((c = getopt_long(argc, argv, "+:qah", opts, NULL)) != -1) {
		switch (c) {
		case 'q': quiet = true; break;
		case 'd': digests = true; break;
		case 'n': notrunc = true; break;
		case 'a': all = true; break;
		case 'h': USAGE_RETURN("ccontainer images [-a] [-q] [--digests] [--no-trunc]");
		default: return cmd_bad_flag(c, argv);
		}
	}
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
		if (r->tags == NULL || r->tags[0] == NULL) {
			char *repo = NULL;
			if (r->repo_digests && r->repo_digests[0]) {
				char *at = strchr(r->repo_digests[0], '@');
				_cleanup_free_ char *full = at ? strndup(r->repo_digests[0], (size_t)(at - r->repo_digests[0])) : NULL;
				repo = full ? cc_ref_familiar_repo(full) : NULL;
			}
			const char *row[] = { repo ? repo : "<none>", "<none>", digest, idcol, created, size };
			const char *row5[] = { repo ? repo : "<none>", "<none>", idcol, created, size };
			table_add(t, digests ? row : row5);
			free(repo);
		}
		for (char **tag = r->tags; tag && *tag; tag++) {
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
		table_print(t, true);
	table_free(t);
	cc_store_close(s);
	return rc;
}



int cmd_tag(int argc, char **argv)
{
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
		USAGE_RETURN("ccontainer tag SOURCE_IMAGE TARGET_IMAGE[:TAG]");
	if (argc != 3)
		return cmd_failf(EXIT_CC_ERROR, "\"tag\" requires exactly 2 arguments: ccontainer tag SOURCE TARGET");
	struct cc_ref *ref = NULL;
	cc_error *e = NULL;
	if (cc_ref_parse(argv[2], &ref, &e) < 0)
		return cmd_fail(e, EXIT_CC_ERROR);
	if (ref->digest) {
		cc_ref_free(ref);
		return cmd_failf(EXIT_CC_ERROR, "refusing to create a tag with a digest reference: '%s'", argv[2]);
	}
	_cleanup_free_ char *name = cc_ref_string(ref);
	cc_ref_free(ref);
	struct cc_store *s = cmd_open_store();
	if (s == NULL)
		return EXIT_CC_ERROR;
	_cleanup_free_ char *id = NULL;
	int rc = 0;
	if (cc_image_resolve(s, argv[1], &id, &e) < 0 || cc_store_tag_set(s, name, id, NULL, &e) < 0)
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
		char *at = strchr(*d, '@');
		_cleanup_free_ char *full = at ? strndup(*d, (size_t)(at - *d)) : NULL;
		_cleanup_free_ char *fam = full ? cc_ref_familiar_repo(full) : NULL;
		printf("Untagged: %s%s\n", fam ? fam : *d, at ? at : "");
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

int cmd_rmi(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool force = false;
	int c;
	while ((c = getopt_long(argc, argv, "+:fh", opts, NULL)) != -1) {
		switch (c) {
		case 'f': force = true; break;
		case 'h': USAGE_RETURN("ccontainer rmi [-f] IMAGE [IMAGE...]");
		default: return cmd_bad_flag(c, argv);
		}
	}
	if (optind >= argc)
		return cmd_failf(EXIT_CC_ERROR, "\"rmi\" requires at least 1 argument");
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
	for (int i = optind; i < argc; i++) {
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

static int image_prune(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool all = false;
	int c;
	while ((c = getopt_long(argc, argv, "+:fah", opts, NULL)) != -1) {
		switch (c) {
		case 'f': break;
		case 'a': all = true; break;
		case 'h': USAGE_RETURN("ccontainer image prune [-a] [-f]");
		default: return cmd_bad_flag(c, argv);
		}
	}
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

int cmd_import(int argc, char **argv)
{
	int c;
	while ((c = getopt(argc, argv, "+:h")) != -1) {
		if (c == 'h')
			USAGE_RETURN("ccontainer import TARBALL [REPOSITORY[:TAG]]");
		return cmd_bad_flag(c, argv);
	}
	if (optind >= argc || argc - optind > 2)
		return cmd_failf(EXIT_CC_ERROR, "\"import\" requires 1 or 2 arguments: ccontainer import TARBALL [REF]");
	struct cc_store *s = cmd_open_store();
	if (s == NULL)
		return EXIT_CC_ERROR;
	_cleanup_free_ char *id = NULL;
	cc_error *e = NULL;
	int rc = 0;
	if (cc_image_import(s, argv[optind], optind + 1 < argc ? argv[optind + 1] : NULL, &id, &e) < 0)
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

static int system_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "repair", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool repair = false;
	int c;
	while ((c = getopt_long(argc, argv, "+:rh", opts, NULL)) != -1) {
		switch (c) {
		case 'r': repair = true; break;
		case 'h': USAGE_RETURN("ccontainer system check [--repair]");
		default: return cmd_bad_flag(c, argv);
		}
	}
	if (optind < argc)
		return cmd_failf(EXIT_CC_ERROR, "\"system check\" takes no arguments");
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



static int system_prune_raw(int argc, char **argv)
{
	return image_prune(argc, argv);
}

CMD_LEGACY_VERB(cmd_images_verb, "images", "[OPTIONS] [REPOSITORY[:TAG]]", "List images", cmd_images);
CMD_LEGACY_VERB(cmd_tag_verb, "tag", "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]", "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE", cmd_tag);
CMD_LEGACY_VERB(cmd_rmi_verb, "rmi", "[OPTIONS] IMAGE [IMAGE...]", "Remove one or more images", cmd_rmi);
CMD_LEGACY_VERB(cmd_import_verb, "import", "[OPTIONS] file|URL|- [REPOSITORY[:TAG]]", "Import the contents from a tarball to create a filesystem image", cmd_import);
CMD_LEGACY_VERB(cmd_image_prune_verb, "prune", "[OPTIONS]", "Remove unused images", image_prune);
CMD_LEGACY_VERB(cmd_system_prune_verb, "prune", "[OPTIONS]", "Remove unused data", system_prune_raw);
CMD_LEGACY_VERB(cmd_system_check_verb, "check", "[OPTIONS]", "Check the store's consistency", system_check);
