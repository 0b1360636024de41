/* Volumes: their rows and directories, in-use checks (container.h). */
#include <errno.h>
#include <ftw.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "container/container.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/util.h"

#define VOLUME_OPTS_MAX 64

/* docker's volume events (create, destroy); one that cannot be recorded
 * never fails what it records */
static void volume_event(struct cc_store *s, const char *action, const char *name)
{
	cc_error *e = NULL;
	(void)cc_store_event(s, "volume", action, name, (const char *const[]){ "driver", "local", NULL }, &e);
	cc_error_free(e);
}

static int check_options(const char *name, const json_t *options, cc_error **err)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)options, k, v) {
		if (strcmp(k, "type") == 0 || strcmp(k, "device") == 0 || strcmp(k, "o") == 0)
			return cc_error_setk(err, CC_ERR_INVALID, 0,
					     "create %s: the local driver's option \"%s\" is not supported: ccontainer's volumes are directories of the store (no mount options)",
					     name, k);
		return cc_error_setk(err, CC_ERR_INVALID, 0, "create %s: invalid option key: \"%s\"", name, k);
	}
	return 0;
}

/* <root>/volumes/<name>/_data made fresh (what a crash left is replaced:
 * the caller owns the name, its row is in) */
static int make_dirs(struct cc_store *s, const char *name, cc_error **err)
{
	_cleanup_free_ char *dir = cc_store_volume_dir(s, name);
	_cleanup_free_ char *data = cc_store_volume_data(s, name);
	if (dir == NULL || data == NULL)
		return cc_error_set(err, ENOMEM, "create volume %s", name);
	if (access(dir, F_OK) == 0 && cc_rm_rf(dir, err) < 0)
		return -1;
	/* volumes/ itself root's only, as the store's root: an image's
	 * set-id files and device nodes copied into a volume are no one
	 * else's way in */
	char *slash = strrchr(dir, '/');
	*slash = '\0';
	int r = cc_mkdir_p(dir, 0700, err);
	*slash = '/';
	if (r < 0 || (mkdir(dir, 0701) < 0 && errno != EEXIST))
		return r < 0 ? -1 : cc_error_set(err, errno, "create volume %s: '%s'", name, dir);
	if (mkdir(data, 0755) < 0)
		return cc_error_set(err, errno, "create volume %s: '%s'", name, data);
	return 0;
}

int cc_volume_create(struct cc_store *s, const char *name, const json_t *labels, const json_t *options,
		     struct cc_volume_record **ret, bool *ret_created, cc_error **err)
{
	char anon[65];
	bool anonymous = name == NULL;
	*ret = NULL;
	if (ret_created != NULL)
		*ret_created = false;
	if (anonymous) {
		if (cc_random_hex(anon, 32, err) < 0)
			return -1;
		name = anon;
	}
	if (!cc_volume_name_valid(name))
		return cc_error_setk(err, CC_ERR_INVALID, 0,
				     strlen(name) < 2 ? "create %s: volume name is too short, names should be at least two alphanumeric characters"
						      : "create %s: \"%s\" includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute path",
				     name, name);
	if (options != NULL && (!json_is_object(options) || json_object_size(options) > VOLUME_OPTS_MAX))
		return cc_error_setk(err, CC_ERR_INVALID, 0, "create %s: invalid options", name);
	if (options != NULL && check_options(name, options, err) < 0)
		return -1;
	if (!anonymous && cc_store_volume_get(s, name, ret, err) == 0)
		return 0;
	if (!anonymous && (*err)->kind != CC_ERR_NOT_FOUND)
		return -1;
	cc_error_clear(err);
	json_t *lj = labels != NULL ? json_deep_copy(labels) : json_object();
	if (lj == NULL || (anonymous && json_object_set_new(lj, CC_VOLUME_ANON_LABEL, json_string("")) < 0)) {
		json_decref(lj);
		return cc_error_set(err, ENOMEM, "create volume %s", name);
	}
	_cleanup_free_ char *ltext = json_dumps(lj, JSON_COMPACT | JSON_SORT_KEYS);
	_cleanup_free_ char *otext = options != NULL ? json_dumps(options, JSON_COMPACT | JSON_SORT_KEYS) : strdup("{}");
	json_decref(lj);
	struct cc_volume_record v = { .name = (char *)name, .created = time(NULL), .labels_json = ltext,
				      .options_json = otext, .anonymous = anonymous };
	if (ltext == NULL || otext == NULL)
		return cc_error_set(err, ENOMEM, "create volume %s", name);
	/* The row first: its primary key decides who makes the directory
	 * (two runs of -v NAME: one creates, the other finds it). */
	if (cc_store_volume_add(s, &v, err) < 0) {
		if (anonymous || (*err)->kind != CC_ERR_IN_USE)
			return -1;
		cc_error_clear(err);
		return cc_store_volume_get(s, name, ret, err);
	}
	if (make_dirs(s, name, err) < 0) {
		cc_error *e = NULL;
		if (cc_store_volume_delete(s, name, &e) < 0)
			cc_error_free(e);
		return -1;
	}
	if (ret_created != NULL)
		*ret_created = true;
	volume_event(s, "create", name);
	return cc_store_volume_get(s, name, ret, err);
}

int cc_volume_remove(struct cc_store *s, const char *name, cc_error **err)
{
	struct cc_volume_record *v = NULL;
	if (cc_store_volume_get(s, name, &v, err) < 0)
		return -1;
	cc_volume_record_free(v);
	_cleanup_strv_ char **users = NULL;
	if (cc_store_volume_delete_unused(s, name, &users, err) < 0)
		return -1;
	if (users[0] != NULL) {
		struct cc_strbuf list = { 0 };
		for (char **u = users; *u; u++)
			cc_strbuf_addf(&list, "%s%s", u != users ? ", " : "", *u);
		int r = cc_error_setk(err, CC_ERR_IN_USE, 0, "remove %s: volume is in use - [%s]", name,
				      list.buf ? list.buf : "");
		cc_strbuf_release(&list);
		return r;
	}
	volume_event(s, "destroy", name);
	/* the row is gone: a directory that stays is said, and replaced by
	 * the next create of the name */
	_cleanup_free_ char *dir = cc_store_volume_dir(s, name);
	cc_error *e = NULL;
	if (dir == NULL || cc_rm_rf(dir, &e) < 0) {
		cc_warnf("remove the data of volume %s: %s", name, e ? e->msg : "out of memory");
		cc_error_free(e);
	}
	return 0;
}

static int64_t du_total;

static int du_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)path;
	(void)ftw;
	if (flag == FTW_F && S_ISREG(st->st_mode))
		du_total += st->st_size;
	return 0;
}

int64_t cc_volume_size(struct cc_store *s, const char *name)
{
	_cleanup_free_ char *data = cc_store_volume_data(s, name);
	du_total = 0;
	if (data == NULL || nftw(data, du_one, 16, FTW_PHYS) != 0)
		return 0;
	return du_total;
}

char **cc_container_anonymous_volumes(const json_t *cfg)
{
	const json_t *mounts = json_object_get(json_object_get(cfg, "Spec"), "Mounts");
	char **out = calloc(json_array_size(mounts) + 1, sizeof(char *));
	size_t n = 0, i;
	json_t *m;
	json_array_foreach(mounts, i, m) {
		const char *name = json_string_value(json_object_get(m, "Volume"));
		if (out == NULL || name == NULL || !json_is_true(json_object_get(m, "Anonymous")))
			continue;
		if ((out[n++] = strdup(name)) == NULL) {
			cc_strvfreep(&out);
			return NULL;
		}
	}
	return out;
}

void cc_container_remove_volumes(struct cc_store *s, char *const *names)
{
	for (char *const *p = names; p != NULL && *p; p++) {
		cc_error *e = NULL;
		if (cc_volume_remove(s, *p, &e) < 0 && e->kind != CC_ERR_NOT_FOUND)
			cc_warnf("%s", e->msg);
		cc_error_free(e);
	}
}
