/* A running container's cgroup, from outside: freeze and thaw (pause,
 * unpause), its processes (top) and its counters (stats).
 *
 * The freezer: cgroup2's cgroup.freeze wherever the container has a
 * cgroup2 cgroup (pure v2, and the unified part of a hybrid host, where it
 * works without any controller), else the v1 freezer hierarchy.  Writing
 * cgroup.freeze only asks: the kernel says it is done with "frozen 1" in
 * cgroup.events.  A v1 freezer reads FREEZING until every task stopped;
 * the write is repeated while waiting, as runc does, since a task that
 * forks at the wrong moment can leave it FREEZING for good otherwise.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "cgroup-internal.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

#include "util/util.h"

#define FREEZE_TIMEOUT_MS 5000

/* --- parsers --------------------------------------------------------------- */

uint64_t cc_rt_cg_key_value(const char *text, const char *key, bool *found)
{
	size_t kl = strlen(key);
	if (found != NULL)
		*found = false;
	for (const char *line = text; line != NULL && *line != '\0';) {
		if (strncmp(line, key, kl) == 0 && line[kl] == ' ') {
			if (found != NULL)
				*found = true;
			return strtoull(line + kl + 1, NULL, 10);
		}
		line = strchr(line, '\n');
		if (line != NULL)
			line++;
	}
	return 0;
}

uint64_t cc_rt_cg_u64(const char *text)
{
	if (text == NULL)
		return 0;
	text += strspn(text, " \t");
	if (strncmp(text, "max", 3) == 0)
		return UINT64_MAX;
	if (!isdigit((unsigned char)*text))
		return 0;
	return strtoull(text, NULL, 10);
}

void cc_rt_cg_parse_io_stat(const char *text, uint64_t *ret_read, uint64_t *ret_write)
{
	uint64_t rd = 0, wr = 0;
	for (const char *p = text; p != NULL && *p != '\0';) {
		const char *eol = strchr(p, '\n');
		size_t len = eol != NULL ? (size_t)(eol - p) : strlen(p);
		/* "MAJ:MIN key=value ..." */
		for (size_t i = 0; i < len;) {
			while (i < len && p[i] == ' ')
				i++;
			size_t w = i;
			while (w < len && p[w] != ' ')
				w++;
			if (w - i > 7 && strncmp(p + i, "rbytes=", 7) == 0)
				rd += strtoull(p + i + 7, NULL, 10);
			else if (w - i > 7 && strncmp(p + i, "wbytes=", 7) == 0)
				wr += strtoull(p + i + 7, NULL, 10);
			i = w;
		}
		p = eol != NULL ? eol + 1 : NULL;
	}
	*ret_read = rd;
	*ret_write = wr;
}

void cc_rt_cg_parse_blkio(const char *text, uint64_t *ret_read, uint64_t *ret_write)
{
	uint64_t rd = 0, wr = 0;
	for (const char *p = text; p != NULL && *p != '\0';) {
		char dev[32], op[16];
		unsigned long long v;
		/* "Total N" has two fields and is skipped: docker sums the devices */
		if (sscanf(p, "%31s %15s %llu", dev, op, &v) == 3) {
			if (strcmp(op, "Read") == 0)
				rd += v;
			else if (strcmp(op, "Write") == 0)
				wr += v;
		}
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	*ret_read = rd;
	*ret_write = wr;
}

/* --- the freezer ----------------------------------------------------------- */

static const char *v1_dir(const struct cc_rt_cgroup *cg, unsigned bit)
{
	for (size_t i = 0; i < cg->n_v1; i++)
		if (cg->v1[i].controllers & bit)
			return cg->v1[i].path;
	return NULL;
}

/* Does dir/file exist? */
static bool has_file(const char *dir, const char *file)
{
	char path[4096];
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, file) >= sizeof(path))
		return false;
	return access(path, F_OK) == 0;
}

static void nap_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };
	(void)nanosleep(&ts, NULL);
}

/* The unified cgroup to freeze, if the container has one that can. */
static const char *v2_freezer(const struct cc_rt_cgroup *cg)
{
	return cg->path != NULL && has_file(cg->path, "cgroup.freeze") ? cg->path : NULL;
}

static int v2_state(const char *dir, bool *ret, cc_error **err)
{
	_cleanup_free_ char *ev = NULL;
	int r = cc_rt_cg_read(dir, "cgroup.events", &ev, err);
	if (r < 0)
		return r;
	*ret = cc_rt_cg_key_value(ev, "frozen", NULL) == 1;
	return 0;
}

static int v2_freeze(const char *dir, bool freeze, int timeout_ms, cc_error **err)
{
	int r = cc_rt_cg_write(dir, "cgroup.freeze", freeze ? "1" : "0", err);
	if (r < 0)
		return r;
	for (int waited = 0;; waited += 10) {
		bool frozen = false;
		if ((r = v2_state(dir, &frozen, err)) < 0)
			return r;
		if (frozen == freeze)
			return 0;
		if (waited >= timeout_ms)
			break;
		nap_ms(10);
	}
	if (freeze) {
		cc_error *e = NULL;
		if (cc_rt_cg_write(dir, "cgroup.freeze", "0", &e) < 0)
			cc_error_free(e); /* the error below says enough */
	}
	return cc_error_set(err, ETIMEDOUT, "cgroup '%s' did not %s in %d ms", dir, freeze ? "freeze" : "thaw",
			    timeout_ms);
}

/* freezer.state: THAWED, FREEZING or FROZEN */
static int v1_state(const char *dir, char **ret, cc_error **err)
{
	int r = cc_rt_cg_read(dir, "freezer.state", ret, err);
	if (r < 0)
		return r;
	(*ret)[strcspn(*ret, " \n")] = '\0';
	return 0;
}

static int v1_freeze(const char *dir, bool freeze, int timeout_ms, cc_error **err)
{
	const char *want = freeze ? "FROZEN" : "THAWED";
	for (int waited = 0;; waited += 10) {
		int r = cc_rt_cg_write(dir, "freezer.state", want, err);
		if (r < 0)
			return r;
		_cleanup_free_ char *st = NULL;
		if ((r = v1_state(dir, &st, err)) < 0)
			return r;
		if (strcmp(st, want) == 0)
			return 0;
		if (waited >= timeout_ms)
			break;
		nap_ms(10);
	}
	if (freeze) {
		cc_error *e = NULL;
		if (cc_rt_cg_write(dir, "freezer.state", "THAWED", &e) < 0)
			cc_error_free(e);
	}
	return cc_error_set(err, ETIMEDOUT, "cgroup '%s' did not %s in %d ms", dir, freeze ? "freeze" : "thaw",
			    timeout_ms);
}

int cc_rt_cgroup_freeze(const struct cc_rt_cgroup *cg, bool freeze, int timeout_ms, cc_error **err)
{
	const char *dir = v2_freezer(cg);
	if (dir != NULL)
		return v2_freeze(dir, freeze, timeout_ms, err);
	if ((dir = v1_dir(cg, CC_RT_CG_FREEZER)) != NULL)
		return v1_freeze(dir, freeze, timeout_ms, err);
	return cc_error_set(err, ENOTSUP, "no cgroup freezer for container %.12s", cg->id ? cg->id : "");
}

int cc_rt_cgroup_frozen(const struct cc_rt_cgroup *cg, bool *ret, cc_error **err)
{
	*ret = false;
	const char *dir = v2_freezer(cg);
	if (dir != NULL) {
		/* asked to freeze counts, frozen or not yet */
		_cleanup_free_ char *want = NULL;
		int r = cc_rt_cg_read(dir, "cgroup.freeze", &want, err);
		if (r < 0)
			return r;
		*ret = cc_rt_cg_u64(want) == 1;
		return 0;
	}
	if ((dir = v1_dir(cg, CC_RT_CG_FREEZER)) != NULL) {
		_cleanup_free_ char *st = NULL;
		int r = v1_state(dir, &st, err);
		if (r < 0)
			return r;
		*ret = strcmp(st, "THAWED") != 0;
	}
	return 0;
}

/* --- processes ------------------------------------------------------------- */

static int pid_cmp(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
	return (x > y) - (x < y);
}

int cc_rt_cgroup_procs(const struct cc_rt_cgroup *cg, pid_t **ret, size_t *ret_n, cc_error **err)
{
	const char *dir = cg->path;
	if (dir == NULL && cg->n_v1 > 0)
		dir = cg->v1[0].path;
	if (dir == NULL)
		return cc_error_set(err, ENOTSUP, "no cgroup for container %.12s", cg->id ? cg->id : "");
	char path[4096];
	if ((size_t)snprintf(path, sizeof(path), "%s/cgroup.procs", dir) >= sizeof(path))
		return cc_error_set(err, ENAMETOOLONG, "cgroup '%s'", dir);
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	/* pid_max is at most 2^22: a line is at most 8 bytes */
	int r = cc_read_file(path, 64 << 20, &text, &len, err);
	if (r < 0)
		return r;
	size_t cap = 16, n = 0;
	pid_t *v = malloc(cap * sizeof(*v));
	if (v == NULL)
		return cc_error_set(err, ENOMEM, "cgroup processes");
	for (char *p = text; *p != '\0';) {
		char *end = NULL;
		long pid = strtol(p, &end, 10);
		if (end == p)
			break;
		if (n == cap) {
			pid_t *nv = realloc(v, 2 * cap * sizeof(*v));
			if (nv == NULL) {
				free(v);
				return cc_error_set(err, ENOMEM, "cgroup processes");
			}
			v = nv;
			cap *= 2;
		}
		if (pid > 0)
			v[n++] = (pid_t)pid;
		p = end + strspn(end, "\n");
	}
	qsort(v, n, sizeof(*v), pid_cmp);
	*ret = v;
	*ret_n = n;
	return 0;
}

/* --- counters -------------------------------------------------------------- */

/* dir/file's whole text, or NULL when it cannot be read (a controller the
 * host does not have, or has not enabled there: a 0 in stats). */
static char *read_opt(const char *dir, const char *file)
{
	if (dir == NULL)
		return NULL;
	char *text = NULL;
	cc_error *e = NULL;
	if (cc_rt_cg_read(dir, file, &text, &e) < 0) {
		cc_error_free(e);
		return NULL;
	}
	return text;
}

static void mem_from(uint64_t usage, const char *stat, const char *inactive_key, uint64_t limit, uint64_t host_mem,
		     struct cc_cgroup_stats *st)
{
	/* docker: the inactive file cache is not counted, when it is smaller */
	uint64_t inactive = stat != NULL ? cc_rt_cg_key_value(stat, inactive_key, NULL) : 0;
	st->mem_usage = inactive < usage ? usage - inactive : usage;
	st->mem_limit = limit;
	/* v1 says "no limit" with a huge page-aligned number, v2 with "max" */
	if (host_mem > 0 && (limit == 0 || limit > host_mem))
		st->mem_limit = host_mem;
}

static void v2_stats(const char *dir, uint64_t host_mem, struct cc_cgroup_stats *st)
{
	_cleanup_free_ char *cpu = read_opt(dir, "cpu.stat"), *cur = read_opt(dir, "memory.current"),
			    *mstat = read_opt(dir, "memory.stat"), *max = read_opt(dir, "memory.max"),
			    *io = read_opt(dir, "io.stat"), *pids = read_opt(dir, "pids.current");
	if (cpu != NULL)
		st->cpu_ns = cc_rt_cg_key_value(cpu, "usage_usec", NULL) * 1000;
	if (cur != NULL)
		mem_from(cc_rt_cg_u64(cur), mstat, "inactive_file", max != NULL ? cc_rt_cg_u64(max) : 0, host_mem, st);
	if (io != NULL)
		cc_rt_cg_parse_io_stat(io, &st->blk_read, &st->blk_write);
	if (pids != NULL)
		st->pids = cc_rt_cg_u64(pids);
}

static void v1_stats(const struct cc_rt_cgroup *cg, uint64_t host_mem, struct cc_cgroup_stats *st)
{
	const char *cpu_dir = v1_dir(cg, CC_RT_CG_CPUACCT), *mem_dir = v1_dir(cg, CC_RT_CG_MEMORY),
		   *blk_dir = v1_dir(cg, CC_RT_CG_BLKIO), *pids_dir = v1_dir(cg, CC_RT_CG_PIDS);
	_cleanup_free_ char *cpu = read_opt(cpu_dir, "cpuacct.usage"), *use = read_opt(mem_dir, "memory.usage_in_bytes"),
			    *mstat = read_opt(mem_dir, "memory.stat"), *lim = read_opt(mem_dir, "memory.limit_in_bytes"),
			    *blk = read_opt(blk_dir, "blkio.throttle.io_service_bytes_recursive"),
			    *pids = read_opt(pids_dir, "pids.current");
	if (cpu != NULL)
		st->cpu_ns = cc_rt_cg_u64(cpu);
	else if (cg->path != NULL) { /* hybrid without cpuacct: the unified cpu.stat */
		_cleanup_free_ char *u = read_opt(cg->path, "cpu.stat");
		if (u != NULL)
			st->cpu_ns = cc_rt_cg_key_value(u, "usage_usec", NULL) * 1000;
	}
	if (use != NULL)
		mem_from(cc_rt_cg_u64(use), mstat, "total_inactive_file", lim != NULL ? cc_rt_cg_u64(lim) : 0, host_mem, st);
	if (blk == NULL)
		blk = read_opt(blk_dir, "blkio.throttle.io_service_bytes");
	if (blk != NULL)
		cc_rt_cg_parse_blkio(blk, &st->blk_read, &st->blk_write);
	if (pids != NULL)
		st->pids = cc_rt_cg_u64(pids);
}

int cc_rt_cgroup_stats(const struct cc_rt_cgroup *cg, uint64_t host_mem, struct cc_cgroup_stats *ret,
		       cc_error **err)
{
	(void)err;
	*ret = (struct cc_cgroup_stats){ .mem_limit = host_mem };
	if (cg->layout == CC_RT_CGROUP_V2)
		v2_stats(cg->path, host_mem, ret);
	else if (cg->n_v1 > 0)
		v1_stats(cg, host_mem, ret);
	return 0;
}

/* --- by container ID ------------------------------------------------------- */

static int open_cg(const char *id, struct cc_rt_cgroup *cg, cc_error **err)
{
	int r = cc_rt_cgroup_init(cg, NULL, id, err);
	if (r < 0)
		cc_rt_cgroup_release(cg);
	return r;
}

int cc_runtime_cgroup_freeze(const char *container_id, bool freeze, cc_error **err)
{
	struct cc_rt_cgroup cg;
	int r = open_cg(container_id, &cg, err);
	if (r < 0)
		return r;
	r = cc_rt_cgroup_freeze(&cg, freeze, FREEZE_TIMEOUT_MS, err);
	cc_rt_cgroup_release(&cg);
	return r;
}

int cc_runtime_cgroup_update(const char *container_id, const struct cc_resources *res, cc_error **err)
{
	struct cc_rt_cgroup cg;
	int r = open_cg(container_id, &cg, err);
	if (r < 0)
		return r;
	if (cg.ops == NULL || cg.ops->update == NULL)
		r = cc_error_set(err, ENOTSUP, "no cgroup filesystem to update container %.12s in", container_id);
	else if ((r = cg.ops->update(&cg, res, err)) < 0)
		cc_error_prefix(err, "update the cgroup of container %.12s", container_id);
	cc_rt_cgroup_release(&cg);
	return r;
}

int cc_runtime_cgroup_frozen(const char *container_id, bool *ret, cc_error **err)
{
	struct cc_rt_cgroup cg;
	*ret = false;
	int r = open_cg(container_id, &cg, err);
	if (r < 0)
		return r;
	r = cc_rt_cgroup_frozen(&cg, ret, err);
	cc_rt_cgroup_release(&cg);
	return r;
}

int cc_runtime_cgroup_pids(const char *container_id, pid_t **ret, size_t *ret_n, cc_error **err)
{
	struct cc_rt_cgroup cg;
	int r = open_cg(container_id, &cg, err);
	if (r < 0)
		return r;
	r = cc_rt_cgroup_procs(&cg, ret, ret_n, err);
	cc_rt_cgroup_release(&cg);
	return r;
}

int cc_runtime_cgroup_stats(const char *container_id, struct cc_cgroup_stats *ret, cc_error **err)
{
	struct cc_rt_cgroup cg;
	int r = open_cg(container_id, &cg, err);
	if (r < 0)
		return r;
	struct sysinfo si;
	uint64_t host = sysinfo(&si) == 0 ? (uint64_t)si.totalram * si.mem_unit : 0;
	r = cc_rt_cgroup_stats(&cg, host, ret, err);
	cc_rt_cgroup_release(&cg);
	return r;
}
