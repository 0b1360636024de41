/* User and group resolution inside the container, as docker does it.
 *
 * The rules are runc's GetExecUser, which docker users rely on:
 *  - "" means root; "name" or "uid" is looked up in /etc/passwd (a number
 *    matches a name or a uid); a number with no entry is used as it is
 *    with gid 0 and home "/"; a name with no entry is an error
 *  - "user:group": the group is looked up in /etc/group by name or gid; a
 *    number with no entry is used as it is; a name with no entry is an error
 *  - supplementary groups are every group that lists the user's name, but
 *    only when no group was given explicitly
 *  - and docker puts the primary group first in the supplementary list
 *    (moby's getUser, since the fix for CVE-2022-36109): `id` shows
 *    "groups=65534(nobody)" for -u nobody, "groups=5678" for -u 1234:5678
 * The files are the container's, opened relative to its root fd, never the
 * host's (no getpwnam: NSS would read the host's files and load modules).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "runtime-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_ID 2147483647UL
/* enough for any sane passwd/group; bounds what an image can make us read */
#define MAX_LINES 1000000
#define MAX_ETC_SIZE (16 * 1024 * 1024)
#define MAX_GROUPS 65536

struct pw_entry {
	char *name;
	unsigned long uid, gid;
	char *home;
};

/* Parse a non-negative decimal id; -1 when s is not one. */
static int parse_id(const char *s, unsigned long *ret)
{
	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	char *end = NULL;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*ret = v;
	return 0;
}

/* Split a colon-separated line in place; returns the field count. */
static size_t split_fields(char *line, char **fields, size_t max)
{
	size_t n = 0;
	line[strcspn(line, "\n")] = '\0';
	char *p = line;
	while (n < max) {
		fields[n++] = p;
		char *c = strchr(p, ':');
		if (c == NULL)
			break;
		*c = '\0';
		p = c + 1;
	}
	return n;
}

/* The container's passwd or group, read whole into memory: a regular file
 * of at most MAX_ETC_SIZE bytes, opened without blocking (a FIFO), never a
 * device (/dev/zero would be read forever) or anything that grows while we
 * read it.  1 with *ret filled, 0 when there is none (or it is empty). */
struct etc_file {
	FILE *f;
	char *buf;
};

static void etc_close(struct etc_file *e)
{
	if (e->f != NULL)
		(void)fclose(e->f);
	free(e->buf);
}

static int open_etc(int rootfd, const char *path, struct etc_file *ret, cc_error **err)
{
	int fd = cc_rt_open_in_root(rootfd, path, O_RDONLY | O_NONBLOCK | O_NOCTTY, 0);
	if (fd < 0)
		return -fd == ENOENT ? 0 : cc_error_set(err, -fd, "open the container's '%s'", path);
	struct stat st;
	int r = 0;
	if (fstat(fd, &st) < 0)
		r = cc_error_set(err, errno, "stat the container's '%s'", path);
	else if (!S_ISREG(st.st_mode))
		r = cc_error_setk(err, CC_ERR_INVALID, 0, "the container's '%s' is not a regular file", path);
	else if (st.st_size > MAX_ETC_SIZE)
		r = cc_error_setk(err, CC_ERR_INVALID, 0, "the container's '%s' is larger than %d bytes", path,
				  MAX_ETC_SIZE);
	size_t len = 0;
	char *buf = r == 0 ? malloc(MAX_ETC_SIZE + 1) : NULL;
	if (r == 0 && buf == NULL)
		r = cc_error_set(err, ENOMEM, "read the container's '%s'", path);
	while (r == 0 && len <= MAX_ETC_SIZE) {
		ssize_t n = read(fd, buf + len, MAX_ETC_SIZE + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			r = cc_error_set(err, errno, "read the container's '%s'", path);
		else if (n == 0)
			break;
		else
			len += (size_t)n;
	}
	(void)close(fd);
	if (r == 0 && len > MAX_ETC_SIZE) /* it grew while we read it */
		r = cc_error_setk(err, CC_ERR_INVALID, 0, "the container's '%s' is larger than %d bytes", path,
				  MAX_ETC_SIZE);
	if (r == 0 && len == 0) {
		free(buf);
		return 0; /* empty: as good as missing */
	}
	FILE *f = r == 0 ? fmemopen(buf, len, "r") : NULL;
	if (r == 0 && f == NULL)
		r = cc_error_set(err, errno, "read the container's '%s'", path);
	if (r < 0) {
		free(buf);
		return r;
	}
	ret->f = f;
	ret->buf = buf;
	return 1;
}

/* Find the first passwd entry whose name is arg, or whose uid is arg when
 * arg is numeric.  Returns 1 found, 0 not found, negative on error. */
static int find_passwd(int rootfd, const char *arg, struct pw_entry *ret, cc_error **err)
{
	__attribute__((cleanup(etc_close))) struct etc_file ef = { 0 };
	int o = open_etc(rootfd, "/etc/passwd", &ef, err);
	if (o <= 0)
		return o;
	FILE *f = ef.f;
	unsigned long want = 0;
	bool numeric = parse_id(arg, &want) == 0;
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;
	for (int n = 0; n < MAX_LINES && getline(&line, &cap, f) > 0; n++) {
		char *fld[7];
		if (line[0] == '#' || split_fields(line, fld, 7) < 7)
			continue;
		unsigned long uid, gid;
		if (parse_id(fld[2], &uid) < 0 || parse_id(fld[3], &gid) < 0)
			continue;
		if (strcmp(fld[0], arg) != 0 && !(numeric && uid == want))
			continue;
		ret->name = strdup(fld[0]);
		ret->home = strdup(fld[5]);
		if (ret->name == NULL || ret->home == NULL) {
			free(ret->name);
			free(ret->home);
			return cc_error_set(err, ENOMEM, "read passwd file");
		}
		ret->uid = uid;
		ret->gid = gid;
		return 1;
	}
	if (ferror(f))
		return cc_error_set(err, EIO, "read passwd file");
	return 0;
}

static int add_group(struct cc_rt_user *u, gid_t gid)
{
	for (size_t i = 0; i < u->n_groups; i++)
		if (u->groups[i] == gid)
			return 0;
	if (u->n_groups >= MAX_GROUPS)
		return -E2BIG;
	gid_t *ng = realloc(u->groups, (u->n_groups + 1) * sizeof(gid_t));
	if (ng == NULL)
		return -ENOMEM;
	u->groups = ng;
	u->groups[u->n_groups++] = gid;
	return 0;
}

/* One pass over /etc/group: with group_arg, find that group (by name, or by
 * gid when numeric) into *ret_gid; without, collect every group listing
 * user_name as a member.  Returns 1 when group_arg matched, else 0. */
static int scan_groups(int rootfd, const char *group_arg, const char *user_name,
		       struct cc_rt_user *u, unsigned long *ret_gid, cc_error **err)
{
	__attribute__((cleanup(etc_close))) struct etc_file ef = { 0 };
	int o = open_etc(rootfd, "/etc/group", &ef, err);
	if (o <= 0)
		return o;
	FILE *f = ef.f;
	unsigned long want = 0;
	bool numeric = group_arg != NULL && parse_id(group_arg, &want) == 0;
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;
	for (int n = 0; n < MAX_LINES && getline(&line, &cap, f) > 0; n++) {
		char *fld[4];
		if (line[0] == '#' || split_fields(line, fld, 4) < 4)
			continue;
		unsigned long gid;
		if (parse_id(fld[2], &gid) < 0 || gid > MAX_ID)
			continue;
		if (group_arg != NULL) {
			if (strcmp(fld[0], group_arg) == 0 || (numeric && gid == want)) {
				*ret_gid = gid;
				return 1;
			}
			continue;
		}
		if (user_name == NULL)
			continue;
		char *save = NULL;
		for (char *m = strtok_r(fld[3], ",", &save); m != NULL; m = strtok_r(NULL, ",", &save)) {
			if (strcmp(m, user_name) != 0)
				continue;
			int r = add_group(u, (gid_t)gid);
			if (r < 0)
				return cc_error_set(err, -r, "read group file");
			break;
		}
	}
	if (ferror(f))
		return cc_error_set(err, EIO, "read group file");
	return 0;
}

void cc_rt_user_release(struct cc_rt_user *u)
{
	if (u == NULL)
		return;
	free(u->groups);
	free(u->home);
	free(u->name);
	*u = (struct cc_rt_user){ 0 };
}

int cc_rt_resolve_user(int rootfd, const char *spec, struct cc_rt_user *ret, cc_error **err)
{
	_cleanup_free_ char *copy = strdup(spec != NULL ? spec : "");
	if (copy == NULL)
		return cc_error_set(err, ENOMEM, "resolve user");
	char *user_arg = copy, *group_arg = NULL;
	char *colon = strchr(copy, ':');
	if (colon != NULL) {
		*colon = '\0';
		group_arg = colon + 1;
		if (*group_arg == '\0')
			group_arg = NULL;
	}
	bool implicit_root = *user_arg == '\0';
	if (implicit_root)
		user_arg = (char *)"0";

	struct cc_rt_user u = { .uid = 0, .gid = 0 };
	struct pw_entry pw = { 0 };
	int r = find_passwd(rootfd, user_arg, &pw, err);
	if (r < 0)
		return r;
	if (r > 0) {
		if (pw.uid > MAX_ID || pw.gid > MAX_ID) {
			free(pw.name);
			free(pw.home);
			return cc_error_setk(err, CC_ERR_INVALID, 0,
					     "uids and gids must be in range 0-%lu", MAX_ID);
		}
		u.uid = (uid_t)pw.uid;
		u.gid = (gid_t)pw.gid;
		u.name = pw.name;
		u.home = pw.home;
	} else {
		unsigned long uid;
		if (parse_id(user_arg, &uid) < 0)
			return cc_error_setk(err, CC_ERR_NOT_FOUND, 0,
					     "unable to find user %s: no matching entries in passwd file",
					     user_arg);
		if (uid > MAX_ID)
			return cc_error_setk(err, CC_ERR_INVALID, 0,
					     "uids and gids must be in range 0-%lu", MAX_ID);
		u.uid = (uid_t)uid;
	}
	if (u.home == NULL || u.home[0] == '\0') {
		free(u.home);
		u.home = strdup("/");
	}
	if (u.home == NULL) {
		cc_rt_user_release(&u);
		return cc_error_set(err, ENOMEM, "resolve user");
	}

	unsigned long gid = 0;
	r = scan_groups(rootfd, group_arg, u.name, &u, &gid, err);
	if (r < 0) {
		cc_rt_user_release(&u);
		return r;
	}
	if (group_arg != NULL) {
		if (r == 0 && parse_id(group_arg, &gid) < 0) {
			cc_rt_user_release(&u);
			return cc_error_setk(err, CC_ERR_NOT_FOUND, 0,
					     "unable to find group %s: no matching entries in group file",
					     group_arg);
		}
		if (gid > MAX_ID) {
			cc_rt_user_release(&u);
			return cc_error_setk(err, CC_ERR_INVALID, 0,
					     "uids and gids must be in range 0-%lu", MAX_ID);
		}
		u.gid = (gid_t)gid;
	}
	/* the primary group first, then the others (each once) */
	gid_t *groups = calloc(u.n_groups + 1, sizeof(gid_t));
	if (groups == NULL) {
		cc_rt_user_release(&u);
		return cc_error_set(err, ENOMEM, "resolve user");
	}
	size_t n = 0;
	groups[n++] = u.gid;
	for (size_t i = 0; i < u.n_groups; i++)
		if (u.groups[i] != u.gid)
			groups[n++] = u.groups[i];
	free(u.groups);
	u.groups = groups;
	u.n_groups = n;
	*ret = u;
	return 0;
}

int cc_rt_switch_user(const struct cc_rt_user *u, cc_error **err)
{
	/* Order matters: setgroups and setgid need CAP_SETGID, which setuid to
	 * a non-root uid drops, so the uid goes last. */
	if (setgroups(u->n_groups, u->groups) < 0)
		return cc_error_set(err, errno, "setgroups");
	if (setgid(u->gid) < 0)
		return cc_error_set(err, errno, "setgid %u", (unsigned)u->gid);
	if (setuid(u->uid) < 0)
		return cc_error_set(err, errno, "setuid %u", (unsigned)u->uid);
	return 0;
}
