/* The container's cgroup: which layout the host has, and the dispatch to
 * the v1 or v2 manager.
 *
 * The layout is read from mountinfo every time, never assumed:
 *   - v1 hierarchies carrying controllers we use -> the v1 manager; with a
 *     cgroup2 mount beside them (systemd's "hybrid": /sys/fs/cgroup/unified
 *     with few or no controllers) it also joins a cgroup there, so that
 *     tools tracking processes through the unified hierarchy see it;
 *   - otherwise a cgroup2 mount -> the v2 manager;
 *   - neither: no cgroup, and any requested limit is an error.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "cgroup-internal.h"
#include "runtime.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/util.h"

#define DEFAULT_ROOT "/sys/fs/cgroup"
#define MOUNTINFO_LINE_MAX 8192
#define MOUNTINFO_LINES_MAX 100000

/* --- file helpers ---------------------------------------------------------- */

int cc_rt_cg_write(const char *dir, const char *file, const char *value, cc_error **err)
{
	char path[4096];
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, file) >= sizeof(path))
		return cc_error_set(err, ENAMETOOLONG, "cgroup file '%s/%s'", dir, file);
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return cc_error_set(err, errno, "open '%s'", path);
	size_t len = strlen(value);
	ssize_t n = write(fd, value, len);
	if (n < 0)
		return cc_error_set(err, errno, "write '%s' to '%s'", value, path);
	if ((size_t)n != len)
		return cc_error_set(err, EIO, "write '%s' to '%s': short write", value, path);
	return 0;
}

int cc_rt_cg_read(const char *dir, const char *file, char **ret, cc_error **err)
{
	char path[4096];
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, file) >= sizeof(path))
		return cc_error_set(err, ENAMETOOLONG, "cgroup file '%s/%s'", dir, file);
	size_t len;
	return cc_read_file(path, 64 * 1024, ret, &len, err);
}

int64_t cc_rt_cg_read_key(const char *dir, const char *file, const char *key)
{
	_cleanup_free_ char *text = NULL;
	cc_error *e = NULL;
	if (cc_rt_cg_read(dir, file, &text, &e) < 0) {
		cc_error_free(e);
		return -1;
	}
	size_t kl = strlen(key);
	for (char *line = text; line != NULL && *line != '\0';) {
		char *nl = strchr(line, '\n');
		if (strncmp(line, key, kl) == 0 && line[kl] == ' ')
			return strtoll(line + kl + 1, NULL, 10);
		line = nl != NULL ? nl + 1 : NULL;
	}
	return -1;
}

int cc_rt_cg_mkdir(const char *path, cc_error **err)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return cc_error_set(err, errno, "create cgroup '%s'", path);
	return 0;
}

static void kill_procs(const char *path)
{
	_cleanup_free_ char *procs = NULL;
	cc_error *e = NULL;
	if (cc_rt_cg_read(path, "cgroup.procs", &procs, &e) < 0) {
		cc_error_free(e);
		return;
	}
	/* only what is still in the container's own cgroup: its processes */
	for (char *p = procs; *p != '\0';) {
		char *end = NULL;
		long pid = strtol(p, &end, 10);
		if (end == p)
			break;
		if (pid > 1)
			(void)kill((pid_t)pid, SIGKILL);
		p = end;
		while (*p == '\n')
			p++;
	}
}

int cc_rt_cg_rmdir(const char *path, cc_error **err)
{
	/* The container's processes die with its PID 1, but the kernel may
	 * still be tearing the last ones down: retry briefly on EBUSY, and
	 * after a while kill whatever is left in it. */
	for (int i = 0; i < 200; i++) {
		if (rmdir(path) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			return cc_error_set(err, errno, "remove cgroup '%s'", path);
		if (i >= 20)
			kill_procs(path);
		struct timespec ts = { .tv_nsec = i < 10 ? 1000000 : 10000000 };
		(void)nanosleep(&ts, NULL);
	}
	return cc_error_set(err, EBUSY, "remove cgroup '%s'", path);
}

uint64_t cc_rt_cg_shares_to_weight(uint64_t shares)
{
	if (shares < 2)
		shares = 2;
	if (shares > 262144)
		shares = 262144;
	return 1 + ((shares - 2) * 9999) / 262142;
}

/* --- layout detection ------------------------------------------------------ */

/* mountinfo escapes space, tab, newline and backslash as \ooo */
static void unescape(char *s)
{
	char *o = s;
	for (char *p = s; *p != '\0'; p++) {
		if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' &&
		    p[3] >= '0' && p[3] <= '7') {
			*o++ = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
			p += 3;
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
}

static unsigned v1_controllers(const char *superopts)
{
	static const struct {
		const char *name;
		unsigned bit;
	} names[] = {
		{ "cpu", CC_RT_CG_CPU },         { "cpuacct", CC_RT_CG_CPUACCT },
		{ "memory", CC_RT_CG_MEMORY },   { "pids", CC_RT_CG_PIDS },
		{ "devices", CC_RT_CG_DEVICES }, { "blkio", CC_RT_CG_BLKIO },
		{ "freezer", CC_RT_CG_FREEZER },
	};
	unsigned bits = 0;
	const char *p = superopts;
	while (*p != '\0') {
		size_t len = strcspn(p, ",");
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strlen(names[i].name) == len && strncmp(p, names[i].name, len) == 0)
				bits |= names[i].bit;
		p += len;
		if (*p == ',')
			p++;
	}
	return bits;
}

/* mountpoint, moved under cfg->root when that overrides the default */
static char *rebase(const char *mnt, const char *root)
{
	size_t dl = strlen(DEFAULT_ROOT);
	if (root == NULL || strcmp(root, DEFAULT_ROOT) == 0 || strncmp(mnt, DEFAULT_ROOT, dl) != 0 ||
	    (mnt[dl] != '\0' && mnt[dl] != '/'))
		return strdup(mnt);
	char *out = NULL;
	if (asprintf(&out, "%s%s", root, mnt + dl) < 0)
		return NULL;
	return out;
}

static int parse_line(struct cc_rt_cgroup *cg, char *line, const char *root, cc_error **err)
{
	/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS */
	char *f[6] = { 0 }, *save = NULL, *tok;
	size_t n = 0;
	for (tok = strtok_r(line, " \n", &save); tok != NULL; tok = strtok_r(NULL, " \n", &save)) {
		if (n < 6)
			f[n++] = tok;
		else if (strcmp(tok, "-") == 0)
			break;
	}
	if (n < 6)
		return 0;
	char *fstype = tok != NULL ? strtok_r(NULL, " \n", &save) : NULL;
	char *source = fstype != NULL ? strtok_r(NULL, " \n", &save) : NULL;
	char *superopts = source != NULL ? strtok_r(NULL, " \n", &save) : NULL;
	if (superopts == NULL)
		return 0;
	char *mnt = f[4];
	unescape(mnt);
	if (strcmp(fstype, "cgroup2") == 0) {
		if (cg->unified != NULL)
			return 0; /* the first mount of it */
		if ((cg->unified = rebase(mnt, root)) == NULL)
			return cc_error_set(err, ENOMEM, "cgroup layout");
		return 0;
	}
	if (strcmp(fstype, "cgroup") != 0)
		return 0;
	unsigned ctl = v1_controllers(superopts);
	if (ctl == 0)
		return 0; /* name=systemd and other named hierarchies */
	for (size_t i = 0; i < cg->n_v1; i++)
		if (cg->v1[i].controllers == ctl)
			return 0; /* the same hierarchy mounted again */
	if (cg->n_v1 >= CC_RT_CG_MAX_HIER)
		return 0;
	struct cc_rt_cgroup_hier *h = &cg->v1[cg->n_v1];
	if ((h->mount = rebase(mnt, root)) == NULL)
		return cc_error_set(err, ENOMEM, "cgroup layout");
	h->controllers = ctl;
	cg->n_v1++;
	return 0;
}

int cc_rt_cgroup_init(struct cc_rt_cgroup *cg, const struct cc_rt_cgroup_config *cfg,
		      const char *id, cc_error **err)
{
	const char *mountinfo = cfg != NULL && cfg->mountinfo != NULL ? cfg->mountinfo
								    : "/proc/self/mountinfo";
	const char *root = cfg != NULL ? cfg->root : NULL;
	*cg = (struct cc_rt_cgroup){ 0 };
	if (id == NULL || id[0] == '\0' || strchr(id, '/') != NULL || strcmp(id, ".") == 0 ||
	    strcmp(id, "..") == 0)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid cgroup name '%s'", id ? id : "");
	if ((cg->id = strdup(id)) == NULL)
		return cc_error_set(err, ENOMEM, "cgroup");

	_cleanup_fclose_ FILE *f = fopen(mountinfo, "re");
	if (f == NULL)
		return cc_error_set(err, errno, "open '%s'", mountinfo);
	char line[MOUNTINFO_LINE_MAX];
	int r = 0;
	for (size_t n = 0; r == 0 && n < MOUNTINFO_LINES_MAX && fgets(line, sizeof(line), f) != NULL; n++) {
		if (strchr(line, '\n') == NULL && !feof(f)) {
			/* an absurdly long line: skip the rest of it */
			int c;
			while ((c = fgetc(f)) != EOF && c != '\n')
				;
			continue;
		}
		r = parse_line(cg, line, root, err);
	}
	if (r < 0)
		return r;
	/* A hybrid host's unified hierarchy freezes (cgroup.freeze is a
	 * core file of every cgroup2 cgroup): no v1 freezer cgroup to make,
	 * join and remove at every start for it.  FIXME: kernels before 5.2
	 * have no cgroup.freeze (probe for it if they matter). */
	if (cg->unified != NULL) {
		size_t k = 0;
		for (size_t i = 0; i < cg->n_v1; i++) {
			if (cg->v1[i].controllers == CC_RT_CG_FREEZER)
				free(cg->v1[i].mount);
			else
				cg->v1[k++] = cg->v1[i];
		}
		for (size_t i = k; i < cg->n_v1; i++)
			cg->v1[i] = (struct cc_rt_cgroup_hier){ 0 };
		cg->n_v1 = k;
	}
	if (cg->n_v1 > 0) {
		cg->layout = cg->unified != NULL ? CC_RT_CGROUP_HYBRID : CC_RT_CGROUP_V1;
		cg->ops = &cc_rt_cgroup_v1_ops;
	} else if (cg->unified != NULL) {
		cg->layout = CC_RT_CGROUP_V2;
		cg->ops = &cc_rt_cgroup_v2_ops;
	}
	/* Rootless: the hierarchies are root's.  FIXME: a delegated cgroup
	 * v2 subtree (systemd --user's Delegate=yes) would give limits. */
	if (cfg == NULL && cc_rootless()) {
		cg->ops = NULL;
		cg->rootless = true;
		return 0;
	}
	if (cg->unified != NULL &&
	    asprintf(&cg->path, "%s/" CC_RT_CGROUP_PARENT "/%s", cg->unified, id) < 0) {
		cg->path = NULL;
		return cc_error_set(err, ENOMEM, "cgroup");
	}
	for (size_t i = 0; i < cg->n_v1; i++) {
		if (asprintf(&cg->v1[i].path, "%s/" CC_RT_CGROUP_PARENT "/%s", cg->v1[i].mount, id) < 0) {
			cg->v1[i].path = NULL;
			return cc_error_set(err, ENOMEM, "cgroup");
		}
	}
	return 0;
}

/* A ccontainer process killed with SIGKILL cannot remove its container's
 * cgroup (the container dies with it, through PDEATHSIG).  Every start
 * sweeps such leftovers while its own container sets itself up: a
 * container cgroup (64 hex digits) without processes, older than a minute,
 * is one (a live container always has its init in it; a younger one may
 * be a start between mkdir and its child's move, of this or of another
 * store).  Best effort; nothing here is an error. */
#define STALE_SECONDS 60

static void sweep_parent(const char *mount, const char *own_id)
{
	char parent[4096];
	if ((size_t)snprintf(parent, sizeof(parent), "%s/" CC_RT_CGROUP_PARENT, mount) >= sizeof(parent))
		return;
	_cleanup_closedir_ DIR *d = opendir(parent);
	if (d == NULL)
		return;
	time_t now = time(NULL);
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (strlen(de->d_name) != 64 || !cc_is_hex(de->d_name, 64) || strcmp(de->d_name, own_id) == 0)
			continue;
		struct stat st;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode) ||
		    now - st.st_mtime < STALE_SECONDS)
			continue;
		char path[4096 + 256 + 2];
		(void)snprintf(path, sizeof(path), "%s/%.64s", parent, de->d_name);
		_cleanup_free_ char *procs = NULL;
		cc_error *e = NULL;
		if (cc_rt_cg_read(path, "cgroup.procs", &procs, &e) < 0) {
			cc_error_free(e);
			continue;
		}
		if (procs[0] == '\0')
			(void)rmdir(path); /* EBUSY: someone just moved in */
	}
}

void cc_rt_cgroup_sweep(const struct cc_rt_cgroup *cg)
{
	for (size_t i = 0; i < cg->n_v1; i++)
		sweep_parent(cg->v1[i].mount, cg->id);
	if (cg->unified != NULL)
		sweep_parent(cg->unified, cg->id);
}

static int no_cgroups(const struct cc_rt_cgroup *cg, const struct cc_resources *res, cc_error **err)
{
	if (!(res->memory || res->memory_swap || res->cpu_quota || res->cpu_shares || res->pids_limit))
		return 0;
	if (cg->rootless)
		return cc_error_setk(err, CC_ERR_INVALID, 0,
				     "resource limits (--memory, --cpus, --cpu-shares, --pids-limit) need cgroups, "
				     "and a rootless container has none here: the cgroup hierarchies are root's (no "
				     "delegated cgroup v2 subtree for this user)");
	return cc_error_set(err, ENOENT, "resource limits need cgroups, and none are mounted");
}

int cc_rt_cgroup_create(struct cc_rt_cgroup *cg, const struct cc_resources *res, bool privileged,
			cc_error **err)
{
	if (cg->ops == NULL)
		return no_cgroups(cg, res, err);
	return cg->ops->create(cg, res, privileged, err);
}

int cc_rt_cgroup_oom_killed(struct cc_rt_cgroup *cg, bool *ret, cc_error **err)
{
	*ret = false;
	if (cg->ops == NULL)
		return 0;
	return cg->ops->oom_killed(cg, ret, err);
}

int cc_rt_cgroup_destroy(struct cc_rt_cgroup *cg, cc_error **err)
{
	if (cg->ops == NULL)
		return 0;
	return cg->ops->destroy(cg, err);
}

void cc_rt_cgroup_release(struct cc_rt_cgroup *cg)
{
	if (cg == NULL)
		return;
	if (cg->join.open) {
		cc_closep(&cg->join.into);
		cc_closep(&cg->join.procs);
		for (size_t i = 0; i < CC_RT_CG_MAX_HIER; i++)
			cc_closep(&cg->join.tasks[i]);
	}
	for (size_t i = 0; i < cg->n_v1; i++) {
		free(cg->v1[i].mount);
		free(cg->v1[i].path);
	}
	free(cg->id);
	free(cg->unified);
	free(cg->path);
	*cg = (struct cc_rt_cgroup){ 0 };
}

/* --- the child's own move (see struct cc_rt_cgroup_join) ------------------ */

static int open_in(const char *dir, const char *file, int flags, cc_error **err)
{
	char path[4096];
	if ((size_t)snprintf(path, sizeof(path), "%s%s%s", dir, file[0] ? "/" : "", file) >= sizeof(path))
		return cc_error_set(err, ENAMETOOLONG, "cgroup file '%s/%s'", dir, file);
	int fd = open(path, flags | O_CLOEXEC);
	if (fd < 0)
		return cc_error_set(err, errno, "open '%s'", path);
	return fd;
}

int cc_rt_cgroup_open_join(struct cc_rt_cgroup *cg, cc_error **err)
{
	struct cc_rt_cgroup_join *j = &cg->join;
	if (cg->ops == NULL || j->open)
		return 0;
	j->open = true;
	j->into = j->procs = -1;
	for (size_t i = 0; i < CC_RT_CG_MAX_HIER; i++)
		j->tasks[i] = -1;
	int r;
	for (size_t i = 0; i < cg->n_v1; i++) {
		if ((r = open_in(cg->v1[i].path, "tasks", O_WRONLY, err)) < 0)
			return r;
		j->tasks[i] = r;
	}
	if (cg->path != NULL) {
		if ((r = open_in(cg->path, "", O_PATH | O_DIRECTORY, err)) < 0)
			return r;
		j->into = r;
		if ((r = open_in(cg->path, "cgroup.procs", O_WRONLY, err)) < 0)
			return r;
		j->procs = r;
	}
	return 0;
}

int cc_rt_cgroup_clone_fd(const struct cc_rt_cgroup *cg)
{
	return cg->join.open ? cg->join.into : -1;
}

static int write_zero(int fd, const char *dir, const char *file, cc_error **err)
{
	ssize_t n;
	do
		n = write(fd, "0", 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		return cc_error_set(err, n < 0 ? errno : EIO, "move into cgroup '%s' (%s)", dir, file);
	return 0;
}

int cc_rt_cgroup_join(const struct cc_rt_cgroup *cg, bool placed, cc_error **err)
{
	const struct cc_rt_cgroup_join *j = &cg->join;
	if (!j->open)
		return 0;
	int r;
	for (size_t i = 0; i < cg->n_v1; i++)
		if ((r = write_zero(j->tasks[i], cg->v1[i].path, "tasks", err)) < 0)
			return r;
	if (!placed && j->procs >= 0 && (r = write_zero(j->procs, cg->path, "cgroup.procs", err)) < 0)
		return r;
	return 0;
}

/* --- for cc_runtime_start's callers ---------------------------------------- */

int cc_runtime_cgroup_cleanup(const char *container_id, bool *ret_oom_killed, cc_error **err)
{
	struct cc_rt_cgroup cg;
	int r = cc_rt_cgroup_init(&cg, NULL, container_id, err);
	bool oom = false;
	if (r == 0 && cg.ops != NULL) {
		cc_error *e = NULL;
		if (cc_rt_cgroup_oom_killed(&cg, &oom, &e) < 0)
			cc_error_free(e); /* already gone: nothing to report */
		r = cc_rt_cgroup_destroy(&cg, err);
	}
	cc_rt_cgroup_release(&cg);
	if (r == 0 && ret_oom_killed != NULL)
		*ret_oom_killed = oom;
	return r;
}
