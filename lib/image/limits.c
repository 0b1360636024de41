/* How far unpacking may go: a cap on what one layer expands to, and a
 * reserve of free space (and inodes) left on the store's filesystem.
 *
 * A gzip layer of a few MB can expand to GBs (a bomb, or only a file of
 * zeros): the cap counts every uncompressed byte of the stream, so neither
 * file data nor the tar's own headers (millions of empty entries) get past
 * it.  The reserve keeps the filesystem's last few percent for everything
 * else: it is looked up with statvfs every CC_GUARD_CHECK_BYTES written or
 * CC_GUARD_CHECK_ENTRIES entries (not at each write), and each entry's size,
 * known from its header before any of it is written, is checked against
 * what was free then, less what was written since.
 *
 * No bound on the compression ratio: a legitimate layer holding a large
 * file of zeros (a preallocated image, a sparse lastlog) compresses as
 * well as a bomb does, and what a bomb can do is bounded by the two limits
 * above anyway. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "image-internal.h"
#include "util/util.h"

static int parse_limit(const char *var, const char *value, bool percent_ok, int64_t *ret_bytes, int *ret_percent,
		       cc_error **err)
{
	size_t n = strlen(value);
	*ret_percent = -1;
	if (percent_ok && n > 1 && value[n - 1] == '%') {
		char *end = NULL;
		errno = 0;
		long p = strtol(value, &end, 10);
		if (errno == 0 && end == value + n - 1 && p >= 0 && p <= 50 && value[0] != '-' && value[0] != '+') {
			*ret_percent = (int)p;
			*ret_bytes = 0;
			return 0;
		}
		return cc_error_setk(err, CC_ERR_INVALID, 0, "%s='%s': not a percentage from 0%% to 50%%", var, value);
	}
	if (cc_parse_size(value, ret_bytes) < 0)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "%s='%s': not a size (a number of bytes, or with k, m, g, t%s)",
				     var, value, percent_ok ? ", or a percentage of the filesystem" : "");
	return 0;
}

int cc_unpack_limits_get(struct cc_unpack_limits *l, cc_error **err)
{
	*l = (struct cc_unpack_limits){ .max_layer = CC_MAX_LAYER_SIZE_DEFAULT,
					.min_free = -1,
					.min_free_percent = CC_MIN_FREE_PERCENT_DEFAULT };
	const char *v = secure_getenv(CC_ENV_MAX_LAYER_SIZE);
	int pct;
	if (v && *v && parse_limit(CC_ENV_MAX_LAYER_SIZE, v, false, &l->max_layer, &pct, err) < 0)
		return -1;
	v = secure_getenv(CC_ENV_MIN_FREE_SPACE);
	if (v && *v) {
		int64_t bytes = 0;
		if (parse_limit(CC_ENV_MIN_FREE_SPACE, v, true, &bytes, &pct, err) < 0)
			return -1;
		l->min_free = pct >= 0 ? -1 : bytes;
		l->min_free_percent = pct >= 0 ? pct : 0;
	}
	return 0;
}

void cc_space_reserve(const struct cc_unpack_limits *l, uint64_t fs_bytes, uint64_t fs_inodes, int64_t *ret_bytes,
		      uint64_t *ret_inodes)
{
	if (l->min_free >= 0) {
		/* an absolute reserve; inodes keep the default share (none when off) */
		*ret_bytes = l->min_free;
		*ret_inodes = l->min_free > 0 ? fs_inodes / 100 * CC_MIN_FREE_PERCENT_DEFAULT : 0;
		return;
	}
	/* divide first: no overflow for any filesystem size */
	uint64_t b = fs_bytes / 100 * (uint64_t)l->min_free_percent + fs_bytes % 100 * (uint64_t)l->min_free_percent / 100;
	*ret_bytes = b > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)b;
	*ret_inodes = fs_inodes / 100 * (uint64_t)l->min_free_percent +
		      fs_inodes % 100 * (uint64_t)l->min_free_percent / 100;
}

static int refresh(struct cc_space_guard *g, cc_error **err)
{
	if (g->fd < 0)
		return 0; /* the numbers are the caller's (unit tests) */
	struct statvfs v;
	if (fstatvfs(g->fd, &v) < 0)
		return cc_error_set(err, errno, "statvfs of the store's filesystem");
	uint64_t frsize = v.f_frsize ? v.f_frsize : v.f_bsize;
	uint64_t avail = (uint64_t)v.f_bavail * frsize;
	g->avail = avail > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)avail;
	g->avail_inodes = v.f_favail;
	g->since = 0;
	g->entries_since = 0;
	g->has_inodes = v.f_files > 0; /* btrfs and others: no fixed inode table */
	g->block = frsize > 0 && frsize <= (1 << 20) ? (int64_t)frsize : 4096;
	if (!g->sized) {
		cc_space_reserve(&g->limits, (uint64_t)v.f_blocks * frsize, v.f_files, &g->reserve, &g->reserve_inodes);
		g->sized = true;
	}
	return 0;
}

int cc_space_guard_init(struct cc_space_guard *g, int fd, const struct cc_unpack_limits *l, cc_error **err)
{
	*g = (struct cc_space_guard){ .fd = fd, .limits = *l, .block = 4096 };
	g->enabled = l->min_free > 0 || (l->min_free < 0 && l->min_free_percent > 0);
	if (!g->enabled || fd < 0)
		return 0;
	if (refresh(g, err) < 0)
		return -1;
	return cc_space_guard_entry(g, 0, err); /* below the reserve already? */
}

void cc_size_spelling(int64_t bytes, char *out, size_t len)
{
	static const char units[] = "kmgt";
	int u = -1;
	while (u < 3 && bytes > 0 && bytes % 1024 == 0) {
		bytes /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(out, len, "%lld", (long long)bytes);
	else
		snprintf(out, len, "%lld%c", (long long)bytes, units[u]);
}

static int too_big(const struct cc_space_guard *g, cc_error **err)
{
	char lim[32];
	cc_size_spelling(g->limits.max_layer, lim, sizeof(lim));
	return cc_error_setk(err, CC_ERR_VERIFY, 0, "expands beyond %lld bytes (limit %s=%s)",
			     (long long)g->limits.max_layer, CC_ENV_MAX_LAYER_SIZE, lim);
}

int cc_space_guard_expand(struct cc_space_guard *g, int64_t n, cc_error **err)
{
	if (n < 0 || g->expanded > INT64_MAX - n)
		return too_big(g, err);
	g->expanded += n;
	if (g->limits.max_layer > 0 && g->expanded > g->limits.max_layer)
		return too_big(g, err);
	return 0;
}

int cc_space_guard_at_least(const struct cc_space_guard *g, int64_t pos, int64_t n, cc_error **err)
{
	if (g->limits.max_layer > 0 && (pos < 0 || n < 0 || pos > INT64_MAX - n || pos + n > g->limits.max_layer))
		return too_big(g, err);
	return 0;
}

/* Would `need` more bytes leave less than the reserve? */
static bool short_of_space(const struct cc_space_guard *g, int64_t need)
{
	int64_t left = g->avail - g->since;
	return left < need || left - need < g->reserve;
}

/* Would one more inode leave less than the reserve of inodes? */
static bool short_of_inodes(const struct cc_space_guard *g)
{
	return g->has_inodes && g->avail_inodes < g->entries_since + 1 + g->reserve_inodes;
}

int cc_space_guard_entry(struct cc_space_guard *g, int64_t bytes, cc_error **err)
{
	if (!g->enabled)
		return 0;
	if (bytes < 0)
		bytes = 0;
	/* what the entry takes on disk: its data in whole blocks */
	int64_t need = bytes > INT64_MAX - g->block ? INT64_MAX : (bytes + g->block - 1) / g->block * g->block;
	if (g->since > INT64_MAX - need || g->since + need >= CC_GUARD_CHECK_BYTES ||
	    g->entries_since >= CC_GUARD_CHECK_ENTRIES || short_of_space(g, need) || short_of_inodes(g)) {
		/* look again before deciding: others may have freed space */
		if (refresh(g, err) < 0)
			return -1;
	}
	if (short_of_space(g, need)) {
		char free_text[32], need_text[32], keep[32];
		int64_t left = g->avail - g->since;
		cc_human_size((uint64_t)(left > 0 ? left : 0), free_text, sizeof(free_text));
		cc_human_size((uint64_t)need, need_text, sizeof(need_text));
		cc_human_size((uint64_t)g->reserve, keep, sizeof(keep));
		return cc_error_set(err, ENOSPC,
				    "the store's filesystem is nearly full (%s free, %s needed, %s kept free: %s)",
				    free_text, need_text, keep, CC_ENV_MIN_FREE_SPACE);
	}
	if (short_of_inodes(g))
		return cc_error_set(err, ENOSPC,
				    "the store's filesystem is nearly out of inodes (%llu free, %llu kept free: %s)",
				    (unsigned long long)g->avail_inodes, (unsigned long long)g->reserve_inodes,
				    CC_ENV_MIN_FREE_SPACE);
	g->since += need;
	g->entries_since++;
	return 0;
}
