/* Layer unpacking: one streaming pass over a (compressed) tar.
 *
 * Two libarchive readers are chained: the outer one only decompresses (raw
 * format, gzip/zstd/none sniffed), and the inner one reads tar from it
 * through a callback that hashes every uncompressed byte, so the diff ID is
 * known when the last entry is written and nothing is buffered whole.
 *
 * OCI whiteouts become overlayfs whiteouts: `.wh.NAME` is a 0:0 character
 * device NAME, `DIR/.wh..wh..opq` sets trusted.overlay.opaque=y on DIR (in a
 * rootless store user.overlay.opaque, as overlay's userxattr reads it) (order
 * in the tar does not matter for either).  Containment: entries with `..`
 * components are refused, absolute names are taken relative to the layer,
 * parents are walked with O_NOFOLLOW so no entry is written through a
 * symlink, and libarchive's SECURE_* checks guard the regular path.
 *
 * Limits (limits.c): every uncompressed byte counts against the layer's cap
 * (CCONTAINER_MAX_LAYER_SIZE), and each entry is checked against the free
 * space the store's filesystem must keep (CCONTAINER_MIN_FREE_SPACE).
 *
 * Write errors: libarchive's disk writer reports a failed write(2) as
 * ARCHIVE_WARN, and its finish step then extends the file to its size with
 * zeros.  Every warning from writing data fails the layer; a warning from
 * the metadata steps (owner, mode, times, xattrs) fails it when its errno
 * says the disk failed (ENOSPC, EDQUOT, EIO, ...) and is harmless
 * otherwise (an xattr the filesystem cannot hold, as before).  Once every
 * entry is written the filesystem is flushed (syncfs on an fd opened before
 * the first write, so writeback errors since then are reported), so an
 * unpack that returns 0 is on disk. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "image-internal.h"
#include "util/dl.h"
#include "util/util.h"

#define WH_PREFIX ".wh."
#define WH_OPAQUE ".wh..wh..opq"
#define READ_BLOCK (128 * 1024)

struct unpack_ctx {
	struct archive *outer;
	struct cc_sha256 *diff;
	struct cc_space_guard guard;
	cc_error *limit_err;     /* the cap was hit inside the read callback */
	bool unmapped_said;      /* the warning about unmapped owners, given */
	char buf[READ_BLOCK];
};

static la_ssize_t inner_read(struct archive *a, void *data, const void **block)
{
	struct unpack_ctx *c = data;
	if (c->limit_err) {
		archive_set_error(a, EFBIG, "%s", c->limit_err->msg);
		return -1;
	}
	la_ssize_t n = archive_read_data(c->outer, c->buf, sizeof(c->buf));
	if (n < 0) {
		archive_set_error(a, archive_errno(c->outer), "%s", archive_error_string(c->outer));
		return -1;
	}
	if (cc_space_guard_expand(&c->guard, n, &c->limit_err) < 0) {
		archive_set_error(a, EFBIG, "%s", c->limit_err->msg);
		return -1;
	}
	cc_sha256_update(c->diff, c->buf, (size_t)n);
	*block = c->buf;
	return n;
}

/* errno values that mean the disk failed, not that a detail did not fit */
bool cc_disk_errno(int e)
{
	return e == ENOSPC || e == EDQUOT || e == EIO || e == EFBIG || e == EROFS || e == ENOMEM || e == EMLINK;
}

/* A warning from the disk writer's header or finish step: data loss, or a
 * detail the filesystem could not hold?  libarchive drops the errno of a
 * failed setxattr: for those, a filesystem without a free block is taken
 * as ENOSPC. */
static int warn_errno(struct archive *out, int rootfd)
{
	int e = archive_errno(out);
	if (e > 0 && cc_disk_errno(e))
		return e;
	const char *msg = archive_error_string(out);
	struct statvfs v;
	if (msg && cc_str_has_prefix(msg, "Cannot restore extended attributes") && fstatvfs(rootfd, &v) == 0 &&
	    v.f_bfree == 0)
		return ENOSPC;
	return 0;
}

/* Normalise a tar member name into a relative path inside the layer.
 * Returns NULL for names that climb out ("..") and "" for the root. */
int cc_layer_clean_path(const char *name, char *out, size_t outlen)
{
	size_t o = 0;
	const char *p = name;
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *end = strchr(p, '/');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (n == 1 && p[0] == '.') {
			/* skip */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			return -1;
		} else {
			if (o + n + 2 > outlen)
				return -1;
			if (o)
				out[o++] = '/';
			memcpy(out + o, p, n);
			o += n;
		}
		p += n;
	}
	out[o] = '\0';
	return 0;
}

/* Open directory `rel` beneath rootfd without following any symlink,
 * creating missing components when create is set. */
static int open_dir_beneath(int rootfd, const char *rel, bool create, int *ret_fd)
{
	int fd = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return -errno;
	char comp[256];
	const char *p = rel;
	while (*p) {
		const char *end = strchr(p, '/');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (n >= sizeof(comp)) {
			close(fd);
			return -ENAMETOOLONG;
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		int nfd = openat(fd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0 && errno == ENOENT && create) {
			if (mkdirat(fd, comp, 0755) < 0 && errno != EEXIST) {
				int e = errno;
				close(fd);
				return -e;
			}
			nfd = openat(fd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		int e = errno;
		close(fd);
		if (nfd < 0)
			return e == ELOOP ? -ENOTDIR : -e; /* a symlink on the way: refuse */
		fd = nfd;
		p += n;
		if (*p == '/')
			p++;
	}
	*ret_fd = fd;
	return 0;
}

static void split_parent(char *path, const char **parent, const char **base)
{
	char *slash = strrchr(path, '/');
	if (slash) {
		*slash = '\0';
		*parent = path;
		*base = slash + 1;
	} else {
		*parent = "";
		*base = path;
	}
}

/* Apply a whiteout entry (name already cleaned).  Returns 0 or -errno. */
static int apply_whiteout(int rootfd, char *clean, cc_error **err)
{
	const char *parent, *base;
	split_parent(clean, &parent, &base);
	_cleanup_close_ int pfd = -1;
	int r = open_dir_beneath(rootfd, parent, true, &pfd);
	if (r < 0)
		return cc_error_set(err, -r, "layer whiteout '%s/%s': parent directory", parent, base);
	if (strcmp(base, WH_OPAQUE) == 0) {
		/* O_PATH fds do not take xattrs; go through /proc/self/fd. */
		char proc[64];
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
		if (setxattr(proc, cc_overlay_opaque_xattr(), "y", 1, 0) < 0)
			return cc_error_set(err, errno, "mark '%s' opaque", *parent ? parent : "/");
		return 0;
	}
	const char *victim = base + strlen(WH_PREFIX);
	if (*victim == '\0' || strcmp(victim, ".") == 0 || strcmp(victim, "..") == 0)
		return cc_error_set(err, EINVAL, "layer has an invalid whiteout '%s'", base);
	_cleanup_close_ int dfd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return cc_error_set(err, errno, "open '%s'", parent);
	if (cc_rm_rf_at(dfd, victim, err) < 0)
		return -1;
	if (mknodat(dfd, victim, S_IFCHR | 0000, makedev(0, 0)) < 0)
		return cc_error_set(err, errno, "create whiteout for '%s/%s'", parent, victim);
	return 0;
}

/* Drop xattrs that would steer overlayfs from an entry: trusted.overlay.*,
 * and in a rootless store (overlay's userxattr) user.overlay.* too. */
static bool steers_overlay(const char *name)
{
	return cc_in_userns() ? cc_is_overlay_xattr(name) : cc_str_has_prefix(name, "trusted.overlay.");
}

static void filter_xattrs(struct archive_entry *e)
{
	if (archive_entry_xattr_reset(e) == 0)
		return;
	const char *name;
	const void *value;
	size_t size;
	bool bad = false;
	while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK)
		bad |= steers_overlay(name);
	if (!bad)
		return;
	struct archive_entry *copy = archive_entry_clone(e);
	archive_entry_xattr_clear(e);
	archive_entry_xattr_reset(copy);
	while (archive_entry_xattr_next(copy, &name, &value, &size) == ARCHIVE_OK)
		if (!steers_overlay(name))
			archive_entry_xattr_add_entry(e, name, value, size);
	archive_entry_free(copy);
}

/* Refuse a hardlink whose target lies behind a symlink or outside. */
static int check_hardlink(int rootfd, const char *target, cc_error **err)
{
	char clean[4096];
	if (cc_layer_clean_path(target, clean, sizeof(clean)) < 0 || clean[0] == '\0')
		return cc_error_setk(err, CC_ERR_VERIFY, 0, "layer has a hard link escaping its root: '%s'", target);
	const char *parent, *base;
	split_parent(clean, &parent, &base);
	_cleanup_close_ int pfd = -1;
	if (open_dir_beneath(rootfd, parent, false, &pfd) < 0)
		return cc_error_setk(err, CC_ERR_VERIFY, 0, "layer has a hard link to '%s' through a symlink or missing directory",
				     target);
	return 0;
}

int cc_archive_copy_data(struct archive *in, struct archive *out, int *ret_write_errno)
{
	const void *buf;
	size_t len;
	la_int64_t off;
	int r;
	*ret_write_errno = 0;
	while ((r = archive_read_data_block(in, &buf, &len, &off)) == ARCHIVE_OK) {
		/* libarchive 3 says ARCHIVE_OK, 4 the byte count.  ARCHIVE_WARN is
		 * a failed write(2) (or data cut off): the file would be left
		 * short and later padded with zeros. */
		la_ssize_t w = archive_write_data_block(out, buf, len, off);
		if (w != ARCHIVE_OK && (w < 0 || (size_t)w != len)) {
			int e = archive_errno(out);
			*ret_write_errno = e > 0 ? e : EIO;
			return w < ARCHIVE_WARN ? (int)w : ARCHIVE_FAILED;
		}
	}
	return r;
}

/* The entry just written failed: name it and say why.  ENOSPC and the
 * like win over libarchive's wording ("Write failed"). */
static int write_fail(cc_error **err, struct archive *out, const char *clean, int e)
{
	if (e > 0 && cc_disk_errno(e))
		return cc_error_set(err, e, "write '%s'", clean);
	return cc_error_setk(err, CC_ERR_VERIFY, e > 0 ? e : 0, "unpack '%s': %s", clean, archive_error_string(out));
}

static int extract_entries(struct unpack_ctx *c, struct archive *in, const char *dir, int rootfd, int64_t *size,
			   cc_error **err)
{
	struct archive *out = archive_write_disk_new();
	if (out == NULL)
		return cc_error_set(err, ENOMEM, "unpack layer");
	archive_write_disk_set_options(out, ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME |
						    ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_ACL |
						    ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
						    ARCHIVE_EXTRACT_UNLINK);
	/* No user/group lookup is installed: owners stay numeric, since the
	 * layer's /etc/passwd is what counts, not the host's. */
	int ret = 0;
	struct archive_entry *e;
	char clean[4096], full[8192];
	for (;;) {
		int r = archive_read_next_header(in, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			if (c->limit_err) {
				*err = c->limit_err;
				c->limit_err = NULL;
				ret = -1;
				break;
			}
			ret = cc_error_setk(err, CC_ERR_VERIFY, archive_errno(in) > 0 ? archive_errno(in) : 0,
					    "read layer tar: %s", archive_error_string(in));
			break;
		}
		const char *name = archive_entry_pathname(e);
		if (name == NULL || cc_layer_clean_path(name, clean, sizeof(clean)) < 0) {
			ret = cc_error_setk(err, CC_ERR_VERIFY, 0, "layer has a path escaping its root: '%s'",
					    name ? name : "(null)");
			break;
		}
		if (clean[0] == '\0')
			continue; /* the layer root itself */
		const char *hl = archive_entry_hardlink(e);
		int64_t data = archive_entry_filetype(e) == AE_IFREG && !hl ? archive_entry_size(e) : 0;
		/* Before any of it is written: past the cap (its data is still to
		 * be read), or past the free space the store must keep? */
		if (cc_space_guard_at_least(&c->guard, archive_read_header_position(in), data, err) < 0 ||
		    cc_space_guard_entry(&c->guard, data, err) < 0) {
			cc_error_prefix(err, "'%s'", clean);
			ret = -1;
			break;
		}
		const char *base = strrchr(clean, '/');
		base = base ? base + 1 : clean;
		if (cc_str_has_prefix(base, WH_PREFIX)) {
			if (apply_whiteout(rootfd, clean, err) < 0) {
				ret = -1;
				break;
			}
			continue;
		}
		/* Parents are walked without following symlinks before libarchive
		 * touches the path, so nothing lands outside through an earlier
		 * symlink entry (libarchive's SECURE_SYMLINKS checks this too). */
		{
			char tmp[4096];
			snprintf(tmp, sizeof(tmp), "%s", clean);
			const char *parent, *b;
			split_parent(tmp, &parent, &b);
			_cleanup_close_ int pfd = -1;
			int rr = open_dir_beneath(rootfd, parent, true, &pfd);
			if (rr < 0 && cc_disk_errno(-rr)) {
				ret = cc_error_set(err, -rr, "create directory '%s'", parent);
				break;
			}
			if (rr < 0) {
				ret = cc_error_setk(err, CC_ERR_VERIFY, -rr, "layer entry '%s' lies behind a symlink or file",
						    name);
				break;
			}
		}
		snprintf(full, sizeof(full), "%s/%s", dir, clean);
		archive_entry_set_pathname(e, full);
		if (hl) {
			if (check_hardlink(rootfd, hl, err) < 0) {
				ret = -1;
				break;
			}
			char hclean[4096], hfull[8192];
			(void)cc_layer_clean_path(hl, hclean, sizeof(hclean));
			snprintf(hfull, sizeof(hfull), "%s/%s", dir, hclean);
			archive_entry_set_hardlink(e, hfull);
		}
		filter_xattrs(e);
		/* a rootless store with fewer IDs than the image uses: the
		 * others become root's (the user's), said once */
		if (cc_in_userns() && (!cc_id_mapped((unsigned long)archive_entry_uid(e), false) ||
				       !cc_id_mapped((unsigned long)archive_entry_gid(e), true))) {
			if (!c->unmapped_said)
				cc_warnf("layer file '%s' is owned by %lld:%lld, which this user's ID range does not "
					 "have: it and any other such file become root's (0:0)",
					 clean, (long long)archive_entry_uid(e), (long long)archive_entry_gid(e));
			c->unmapped_said = true;
			if (!cc_id_mapped((unsigned long)archive_entry_uid(e), false))
				archive_entry_set_uid(e, 0);
			if (!cc_id_mapped((unsigned long)archive_entry_gid(e), true))
				archive_entry_set_gid(e, 0);
			/* another ID's set-ID bits are not root's to have */
			archive_entry_set_perm(e, archive_entry_perm(e) & ~(mode_t)(S_ISUID | S_ISGID));
		}
		*size += data;
		r = archive_write_header(out, e);
		if (r < ARCHIVE_WARN) {
			ret = write_fail(err, out, clean, archive_errno(out));
			break;
		}
		int we;
		if (r == ARCHIVE_WARN && (we = warn_errno(out, rootfd)) != 0) {
			ret = write_fail(err, out, clean, we);
			break;
		}
		if (archive_entry_size(e) > 0 && !hl) {
			if ((r = cc_archive_copy_data(in, out, &we)) != ARCHIVE_EOF) {
				if (c->limit_err) {
					*err = c->limit_err;
					c->limit_err = NULL;
					ret = -1;
				} else if (we) {
					ret = write_fail(err, out, clean, we);
				} else {
					ret = cc_error_setk(err, CC_ERR_VERIFY, archive_errno(in) > 0 ? archive_errno(in) : 0,
							    "read layer tar: '%s': %s", clean, archive_error_string(in));
				}
				break;
			}
		}
		r = archive_write_finish_entry(out);
		if (r < ARCHIVE_WARN || (r == ARCHIVE_WARN && (we = warn_errno(out, rootfd)) != 0)) {
			ret = write_fail(err, out, clean, r < ARCHIVE_WARN ? archive_errno(out) : we);
			break;
		}
	}
	/* close applies deferred directory modes and times */
	if (archive_write_close(out) != ARCHIVE_OK && ret == 0) {
		int e2 = archive_errno(out);
		ret = cc_error_set(err, e2 > 0 ? e2 : 0, "finish layer: %s", archive_error_string(out));
	}
	archive_write_free(out);
	return ret;
}

int cc_layer_unpack_fd(int fd, const char *dir, char ret_diff_id[72], int64_t *ret_size, cc_error **err)
{
	struct cc_unpack_limits l;
	if (cc_unpack_limits_get(&l, err) < 0)
		return -1;
	return cc_layer_unpack_fd_limits(fd, dir, &l, ret_diff_id, ret_size, err);
}

int cc_layer_unpack_fd_limits(int fd, const char *dir, const struct cc_unpack_limits *limits, char ret_diff_id[72],
			      int64_t *ret_size, cc_error **err)
{
	if (cc_dl_archive(err) < 0)
		return -1;
	struct unpack_ctx *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return cc_error_set(err, ENOMEM, "unpack layer");
	c->diff = cc_sha256_new();
	c->outer = archive_read_new();
	struct archive *in = archive_read_new();
	int ret = 0;
	int64_t size = 0;
	_cleanup_close_ int rootfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct archive_entry *raw;
	if (c->diff == NULL || c->outer == NULL || in == NULL) {
		ret = cc_error_set(err, ENOMEM, "unpack layer");
		goto out;
	}
	if (rootfd < 0) {
		ret = cc_error_set(err, errno, "open layer directory '%s'", dir);
		goto out;
	}
	if (cc_space_guard_init(&c->guard, rootfd, limits, err) < 0) {
		ret = -1;
		goto out;
	}
	/* Only built-in decoders: never an external program. */
	archive_read_support_filter_gzip(c->outer);
	archive_read_support_filter_zstd(c->outer);
	archive_read_support_format_raw(c->outer);
	archive_read_support_format_empty(c->outer);
	if (archive_read_open_fd(c->outer, fd, READ_BLOCK) != ARCHIVE_OK) {
		ret = cc_error_setk(err, CC_ERR_VERIFY, 0, "read layer: %s", archive_error_string(c->outer));
		goto out;
	}
	int r = archive_read_next_header(c->outer, &raw);
	if (r == ARCHIVE_EOF)
		goto drain; /* an empty stream: nothing to unpack */
	if (r != ARCHIVE_OK) {
		ret = cc_error_setk(err, CC_ERR_VERIFY, 0, "read layer: %s", archive_error_string(c->outer));
		goto out;
	}
	archive_read_support_format_tar(in);
	archive_read_support_format_empty(in);
	if (archive_read_open(in, c, NULL, inner_read, NULL) != ARCHIVE_OK) {
		ret = cc_error_setk(err, CC_ERR_VERIFY, 0, "read layer tar: %s", archive_error_string(in));
		goto out;
	}
	ret = extract_entries(c, in, dir, rootfd, &size, err);
	if (ret < 0)
		goto out;
drain:
	/* The tar end marker may come before the end of the stream: hash the
	 * rest so the diff ID covers every uncompressed byte. */
	for (;;) {
		la_ssize_t n = archive_read_data(c->outer, c->buf, sizeof(c->buf));
		if (n == 0 || (n < 0 && r == ARCHIVE_EOF))
			break;
		if (n < 0) {
			ret = cc_error_setk(err, CC_ERR_VERIFY, 0, "read layer: %s", archive_error_string(c->outer));
			goto out;
		}
		if (cc_space_guard_expand(&c->guard, n, err) < 0) {
			ret = -1;
			goto out;
		}
		cc_sha256_update(c->diff, c->buf, (size_t)n);
	}
	/* On disk before anyone renames it into the store; writeback errors
	 * since rootfd was opened (before the first write) are reported here. */
	if (syncfs(rootfd) < 0) {
		ret = cc_error_set(err, errno, "flush layer directory '%s'", dir);
		goto out;
	}
	cc_sha256_final(c->diff, ret_diff_id);
	c->diff = NULL;
	*ret_size = size;
out:
	cc_error_free(c->limit_err);
	cc_sha256_free(c->diff);
	if (in)
		archive_read_free(in);
	if (c->outer)
		archive_read_free(c->outer);
	free(c);
	return ret;
}
