/* system check for unpacked layers: a layer directory against its blob.
 *
 * No record of the unpacked tree is kept: the blob is the record.  The
 * check reads the blob once (its sha256 and, uncompressed, its diff ID are
 * verified on the way) and builds what cc_layer_unpack_fd makes of it, by
 * the same rules (names cleaned, later entries replacing earlier ones,
 * whiteouts as 0/0 character devices removing what the layer itself put
 * there, opaque markers as trusted.overlay.opaque=y, hard links as the same
 * content, parents made on the way).  Then it walks the directory and
 * compares each entry: type, permission bits, owner, size and sha256 of
 * regular files, symlink targets, device numbers, whiteouts and opaque
 * markers, and what is there but should not be.  Not compared: times,
 * other xattrs, and the attributes of directories the tar only implies.
 * Sockets in a directory are ignored (build packs none, as docker).
 *
 * --repair unpacks the blob again into a staging dir and exchanges it with
 * the layer's directory in one rename (renameat2 RENAME_EXCHANGE), as a
 * missing directory is made: nothing in between is ever seen. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "image-internal.h"
#include "util/dl.h"
#include "util/util.h"

#define WH_PREFIX ".wh."
#define WH_OPAQUE ".wh..wh..opq"
#define READ_BLOCK (128 * 1024)
#define MAX_ENTRIES (4u << 20)
#define MAX_DIFFS 3

enum ent_type { T_REG, T_DIR, T_LNK, T_CHR, T_BLK, T_FIFO, T_WHITEOUT, T_IMPLIED_DIR };

struct ent {
	char *path;
	char *link;          /* symlink target */
	char sha[72];        /* regular files: "sha256:..." */
	int64_t size;
	unsigned mode;       /* permission bits */
	int64_t uid, gid;
	unsigned rmajor, rminor;
	unsigned char type;
	bool removed, seen, opaque, content_known;
};

struct model {
	struct ent *e;
	size_t n, cap;
	uint32_t *table;     /* index + 1 into e; 0 = empty */
	size_t tcap;         /* power of 2 */
};

static uint32_t hash_str(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static struct ent *model_find(const struct model *m, const char *path)
{
	if (m->tcap == 0)
		return NULL;
	for (size_t i = hash_str(path) & (m->tcap - 1);; i = (i + 1) & (m->tcap - 1)) {
		if (m->table[i] == 0)
			return NULL;
		struct ent *e = &m->e[m->table[i] - 1];
		if (strcmp(e->path, path) == 0)
			return e;
	}
}

static int model_grow(struct model *m)
{
	size_t ncap = m->tcap ? m->tcap * 2 : 1024;
	uint32_t *nt = calloc(ncap, sizeof(*nt));
	if (nt == NULL)
		return -1;
	for (size_t k = 0; k < m->n; k++) {
		size_t i = hash_str(m->e[k].path) & (ncap - 1);
		while (nt[i])
			i = (i + 1) & (ncap - 1);
		nt[i] = (uint32_t)(k + 1);
	}
	free(m->table);
	m->table = nt;
	m->tcap = ncap;
	return 0;
}

/* The entry for path, made (empty, removed) when absent.  NULL: out of memory or too many. */
static struct ent *model_get(struct model *m, const char *path)
{
	struct ent *e = model_find(m, path);
	if (e)
		return e;
	if (m->n >= MAX_ENTRIES)
		return NULL;
	if ((m->n + 1) * 10 > m->tcap * 7 && model_grow(m) < 0)
		return NULL;
	if (m->n == m->cap) {
		size_t nc = m->cap ? m->cap * 2 : 256;
		struct ent *ne = realloc(m->e, nc * sizeof(*ne));
		if (ne == NULL)
			return NULL;
		m->e = ne;
		m->cap = nc;
	}
	e = &m->e[m->n];
	*e = (struct ent){ .removed = true };
	if ((e->path = strdup(path)) == NULL)
		return NULL;
	size_t i = hash_str(path) & (m->tcap - 1);
	while (m->table[i])
		i = (i + 1) & (m->tcap - 1);
	m->table[i] = (uint32_t)(++m->n);
	return e;
}

static void model_free(struct model *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->e[i].path);
		free(m->e[i].link);
	}
	free(m->e);
	free(m->table);
}

/* Remove everything below path (the entry itself stays as it is). */
static void model_remove_below(struct model *m, const char *path)
{
	size_t n = strlen(path);
	for (size_t i = 0; i < m->n; i++)
		if (!m->e[i].removed && strncmp(m->e[i].path, path, n) == 0 && m->e[i].path[n] == '/')
			m->e[i].removed = true;
}

/* Put an entry at path, replacing what was there (a directory over a
 * directory keeps what is below it, as the unpack does). */
static struct ent *model_put(struct model *m, const char *path, unsigned char type)
{
	struct ent *e = model_get(m, path);
	if (e == NULL)
		return NULL;
	bool was_dir = !e->removed && (e->type == T_DIR || e->type == T_IMPLIED_DIR);
	bool is_dir = type == T_DIR || type == T_IMPLIED_DIR;
	if (!e->removed && was_dir && !is_dir)
		model_remove_below(m, path);
	bool keep_opaque = was_dir && is_dir && e->opaque;
	free(e->link);
	char *p = e->path;
	*e = (struct ent){ .path = p, .type = type, .opaque = keep_opaque };
	return e;
}

/* Parent directories the unpack makes on its way (when not there). */
static int model_parents(struct model *m, const char *path)
{
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *slash = strchr(buf, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		struct ent *e = model_find(m, buf);
		if (e == NULL || e->removed || (e->type != T_DIR && e->type != T_IMPLIED_DIR)) {
			/* the unpack refuses a path through a non-directory */
			if (e && !e->removed)
				return -2;
			if (model_put(m, buf, T_IMPLIED_DIR) == NULL)
				return -1;
		}
		*slash = '/';
	}
	return 0;
}

/* ---- reading the blob ---- */

struct reader {
	int fd;
	struct archive *outer;
	struct cc_sha256 *blob, *diff;
	char fbuf[READ_BLOCK];
	char buf[READ_BLOCK];
};

static la_ssize_t file_read(struct archive *a, void *data, const void **block)
{
	struct reader *r = data;
	ssize_t n;
	do
		n = read(r->fd, r->fbuf, sizeof(r->fbuf));
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		archive_set_error(a, errno, "read blob");
		return -1;
	}
	cc_sha256_update(r->blob, r->fbuf, (size_t)n);
	*block = r->fbuf;
	return n;
}

static la_ssize_t inner_read(struct archive *a, void *data, const void **block)
{
	struct reader *r = data;
	la_ssize_t n = archive_read_data(r->outer, r->buf, sizeof(r->buf));
	if (n < 0) {
		archive_set_error(a, archive_errno(r->outer), "%s", archive_error_string(r->outer));
		return -1;
	}
	cc_sha256_update(r->diff, r->buf, (size_t)n);
	*block = r->buf;
	return n;
}

static void hash_zeros(struct cc_sha256 *h, int64_t n)
{
	static const char zeros[4096];
	while (n > 0) {
		size_t k = n < (int64_t)sizeof(zeros) ? (size_t)n : sizeof(zeros);
		cc_sha256_update(h, zeros, k);
		n -= (int64_t)k;
	}
}

/* sha256 of an entry's data as the file on disk reads (holes as zeros) */
static int entry_data_hash(struct archive *in, int64_t size, char out[72], cc_error **err)
{
	struct cc_sha256 *h = cc_sha256_new();
	if (h == NULL)
		return cc_error_set(err, ENOMEM, "check layer");
	const void *buf;
	size_t len;
	la_int64_t off, pos = 0;
	int r;
	while ((r = archive_read_data_block(in, &buf, &len, &off)) == ARCHIVE_OK) {
		if (off > pos)
			hash_zeros(h, off - pos);
		cc_sha256_update(h, buf, len);
		pos = off + (la_int64_t)len;
	}
	if (r != ARCHIVE_EOF) {
		cc_sha256_free(h);
		return cc_error_setk(err, CC_ERR_VERIFY, 0, "read layer tar: %s", archive_error_string(in));
	}
	if (size > pos)
		hash_zeros(h, size - pos);
	cc_sha256_final(h, out);
	return 0;
}

static int model_entry(struct model *m, struct archive *in, struct archive_entry *ae, cc_error **err)
{
	const char *name = archive_entry_pathname(ae);
	char clean[4096];
	if (name == NULL || cc_layer_clean_path(name, clean, sizeof(clean)) < 0)
		return cc_error_setk(err, CC_ERR_VERIFY, 0, "the blob has a path escaping its root: '%s'",
				     name ? name : "(null)");
	if (clean[0] == '\0')
		return 0;
	int pr = model_parents(m, clean);
	if (pr == -1)
		return cc_error_set(err, ENOMEM, "check layer");
	if (pr == -2)
		return cc_error_setk(err, CC_ERR_VERIFY, 0, "the blob's entry '%s' lies behind a file", clean);
	const char *slash = strrchr(clean, '/');
	const char *base = slash ? slash + 1 : clean;
	if (cc_str_has_prefix(base, WH_PREFIX)) {
		char parent[4096];
		snprintf(parent, sizeof(parent), "%.*s", slash ? (int)(slash - clean) : 0, clean);
		if (strcmp(base, WH_OPAQUE) == 0) {
			if (parent[0]) {
				struct ent *p = model_find(m, parent);
				if (p)
					p->opaque = true;
			}
			return 0;
		}
		const char *vb = base + strlen(WH_PREFIX);
		if (*vb == '\0' || strcmp(vb, ".") == 0 || strcmp(vb, "..") == 0)
			return cc_error_setk(err, CC_ERR_VERIFY, 0, "the blob has an invalid whiteout '%s'", clean);
		/* clean without the ".wh." of its last component: always shorter */
		char victim[4096];
		size_t dirlen = (size_t)(base - clean);
		memcpy(victim, clean, dirlen);
		memcpy(victim + dirlen, base + strlen(WH_PREFIX), strlen(base + strlen(WH_PREFIX)) + 1);
		struct ent *w = model_put(m, victim, T_WHITEOUT);
		return w ? 0 : cc_error_set(err, ENOMEM, "check layer");
	}
	const char *hl = archive_entry_hardlink(ae);
	if (hl) {
		char hclean[4096];
		struct ent *t = NULL;
		if (cc_layer_clean_path(hl, hclean, sizeof(hclean)) == 0)
			t = model_find(m, hclean);
		struct ent copy = { 0 };
		bool have = t && !t->removed && t->type == T_REG;
		if (have)
			copy = *t;
		struct ent *e = model_put(m, clean, T_REG);
		if (e == NULL)
			return cc_error_set(err, ENOMEM, "check layer");
		if (have) {
			memcpy(e->sha, copy.sha, sizeof(e->sha));
			e->size = copy.size;
			e->mode = copy.mode;
			e->uid = copy.uid;
			e->gid = copy.gid;
			e->content_known = copy.content_known;
		}
		return 0;
	}
	unsigned char type;
	switch (archive_entry_filetype(ae)) {
	case AE_IFREG: type = T_REG; break;
	case AE_IFDIR: type = T_DIR; break;
	case AE_IFLNK: type = T_LNK; break;
	case AE_IFCHR: type = T_CHR; break;
	case AE_IFBLK: type = T_BLK; break;
	case AE_IFIFO: type = T_FIFO; break;
	default: return 0; /* sockets: nothing is made for them */
	}
	struct ent *e = model_put(m, clean, type);
	if (e == NULL)
		return cc_error_set(err, ENOMEM, "check layer");
	e->removed = false;
	e->mode = archive_entry_perm(ae) & 07777;
	e->uid = archive_entry_uid(ae);
	e->gid = archive_entry_gid(ae);
	if (type == T_REG) {
		e->size = archive_entry_size(ae);
		if (entry_data_hash(in, e->size, e->sha, err) < 0)
			return -1;
		e->content_known = true;
	} else if (type == T_LNK) {
		const char *t = archive_entry_symlink(ae);
		if ((e->link = strdup(t ? t : "")) == NULL)
			return cc_error_set(err, ENOMEM, "check layer");
	} else if (type == T_CHR || type == T_BLK) {
		e->rmajor = (unsigned)archive_entry_rdevmajor(ae);
		e->rminor = (unsigned)archive_entry_rdevminor(ae);
	}
	return 0;
}

/* What unpacking the blob makes, and its two digests. */
static int model_from_blob(const char *blob_path, struct model *m, char blob_digest[72], char diff_id[72],
			   cc_error **err)
{
	if (cc_dl_archive(err) < 0)
		return -1;
	struct reader *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return cc_error_set(err, ENOMEM, "check layer");
	int ret = 0;
	struct archive *in = NULL;
	r->fd = open(blob_path, O_RDONLY | O_CLOEXEC);
	r->blob = cc_sha256_new();
	r->diff = cc_sha256_new();
	r->outer = archive_read_new();
	in = archive_read_new();
	struct archive_entry *ae;
	if (r->fd < 0) {
		ret = cc_error_set(err, errno, "open '%s'", blob_path);
		goto out;
	}
	if (r->blob == NULL || r->diff == NULL || r->outer == NULL || in == NULL) {
		ret = cc_error_set(err, ENOMEM, "check layer");
		goto out;
	}
	archive_read_support_filter_gzip(r->outer);
	archive_read_support_filter_zstd(r->outer);
	archive_read_support_format_raw(r->outer);
	archive_read_support_format_empty(r->outer);
	if (archive_read_open(r->outer, r, NULL, file_read, NULL) != ARCHIVE_OK) {
		ret = cc_error_setk(err, CC_ERR_VERIFY, 0, "read layer: %s", archive_error_string(r->outer));
		goto out;
	}
	int rr = archive_read_next_header(r->outer, &ae);
	if (rr != ARCHIVE_EOF) {
		if (rr != ARCHIVE_OK) {
			ret = cc_error_setk(err, CC_ERR_VERIFY, 0, "read layer: %s", archive_error_string(r->outer));
			goto out;
		}
		archive_read_support_format_tar(in);
		archive_read_support_format_empty(in);
		if (archive_read_open(in, r, NULL, inner_read, NULL) != ARCHIVE_OK) {
			ret = cc_error_setk(err, CC_ERR_VERIFY, 0, "read layer tar: %s", archive_error_string(in));
			goto out;
		}
		for (;;) {
			int h = archive_read_next_header(in, &ae);
			if (h == ARCHIVE_EOF)
				break;
			if (h < ARCHIVE_WARN) {
				ret = cc_error_setk(err, CC_ERR_VERIFY, 0, "read layer tar: %s", archive_error_string(in));
				goto out;
			}
			if (model_entry(m, in, ae, err) < 0) {
				ret = -1;
				goto out;
			}
		}
	}
	/* the rest of the uncompressed stream (diff ID), and of the file (digest) */
	for (;;) {
		la_ssize_t n = archive_read_data(r->outer, r->buf, sizeof(r->buf));
		if (n == 0 || (n < 0 && rr == ARCHIVE_EOF))
			break;
		if (n < 0) {
			ret = cc_error_setk(err, CC_ERR_VERIFY, 0, "read layer: %s", archive_error_string(r->outer));
			goto out;
		}
		cc_sha256_update(r->diff, r->buf, (size_t)n);
	}
	for (;;) {
		ssize_t n = read(r->fd, r->fbuf, sizeof(r->fbuf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = cc_error_set(err, errno, "read '%s'", blob_path);
			goto out;
		}
		if (n == 0)
			break;
		cc_sha256_update(r->blob, r->fbuf, (size_t)n);
	}
	cc_sha256_final(r->blob, blob_digest);
	cc_sha256_final(r->diff, diff_id);
	r->blob = r->diff = NULL;
out:
	if (in)
		archive_read_free(in);
	if (r->outer)
		archive_read_free(r->outer);
	cc_sha256_free(r->blob);
	cc_sha256_free(r->diff);
	if (r->fd >= 0)
		close(r->fd);
	free(r);
	return ret;
}

/* ---- comparing the directory ---- */

struct diffs {
	char *first[MAX_DIFFS];
	size_t n;
};

static void differ(struct diffs *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void differ(struct diffs *d, const char *fmt, ...)
{
	if (d->n < MAX_DIFFS) {
		va_list ap;
		va_start(ap, fmt);
		if (vasprintf(&d->first[d->n], fmt, ap) < 0)
			d->first[d->n] = NULL;
		va_end(ap);
	}
	d->n++;
}

static const char *type_name(unsigned char t)
{
	static const char *const names[] = { "regular file", "directory", "symlink", "character device",
					     "block device", "fifo", "whiteout", "directory" };
	return t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}

static unsigned char stat_type(const struct stat *st)
{
	switch (st->st_mode & S_IFMT) {
	case S_IFREG: return T_REG;
	case S_IFDIR: return T_DIR;
	case S_IFLNK: return T_LNK;
	case S_IFCHR: return st->st_rdev == makedev(0, 0) ? T_WHITEOUT : T_CHR;
	case S_IFBLK: return T_BLK;
	case S_IFIFO: return T_FIFO;
	default: return 255;
	}
}

static int hash_fd(int fd, char out[72])
{
	struct cc_sha256 *h = cc_sha256_new();
	_cleanup_free_ char *buf = malloc(READ_BLOCK);
	if (h == NULL || buf == NULL) {
		cc_sha256_free(h);
		errno = ENOMEM;
		return -1;
	}
	for (;;) {
		ssize_t n = read(fd, buf, READ_BLOCK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			cc_sha256_free(h);
			errno = e;
			return -1;
		}
		if (n == 0)
			break;
		cc_sha256_update(h, buf, (size_t)n);
	}
	cc_sha256_final(h, out);
	return 0;
}

static void compare(int dfd, const char *name, const char *rel, const struct stat *st, struct ent *e,
		    struct diffs *d)
{
	unsigned char t = stat_type(st);
	bool want_dir = e->type == T_DIR || e->type == T_IMPLIED_DIR;
	if ((want_dir && t != T_DIR) || (!want_dir && t != e->type)) {
		differ(d, "'%s' is a %s, the blob has a %s", rel, t == 255 ? "socket" : type_name(t), type_name(e->type));
		return;
	}
	if (e->type == T_WHITEOUT || e->type == T_IMPLIED_DIR)
		return;
	/* what unpacking gave an owner this user namespace lacks: root, and
	 * no set-ID bits (layer.c) */
	int64_t uid = e->uid, gid = e->gid;
	unsigned mode = e->mode;
	if (cc_in_userns() && (!cc_id_mapped((unsigned long)uid, false) || !cc_id_mapped((unsigned long)gid, true))) {
		uid = cc_id_mapped((unsigned long)uid, false) ? uid : 0;
		gid = cc_id_mapped((unsigned long)gid, true) ? gid : 0;
		mode &= ~(unsigned)(S_ISUID | S_ISGID);
	}
	if (e->type != T_LNK && (st->st_mode & 07777) != mode) {
		differ(d, "'%s' has mode %04o, the blob %04o", rel, (unsigned)(st->st_mode & 07777), mode);
		return;
	}
	if ((int64_t)st->st_uid != uid || (int64_t)st->st_gid != gid) {
		differ(d, "'%s' is owned by %u:%u, the blob says %lld:%lld", rel, (unsigned)st->st_uid,
		       (unsigned)st->st_gid, (long long)e->uid, (long long)e->gid);
		return;
	}
	if (e->type == T_DIR) {
		char v[8];
		_cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		ssize_t l = fd >= 0 ? fgetxattr(fd, cc_overlay_opaque_xattr(), v, sizeof(v)) : -1;
		bool opaque = l == 1 && v[0] == 'y';
		if (opaque != e->opaque)
			differ(d, "'%s' is %s, the blob's is %s", rel, opaque ? "opaque" : "not opaque",
			       e->opaque ? "opaque" : "not");
	} else if (e->type == T_REG) {
		if (st->st_size != e->size) {
			differ(d, "'%s' has %lld bytes, the blob %lld", rel, (long long)st->st_size, (long long)e->size);
			return;
		}
		if (!e->content_known)
			return;
		char sha[72];
		_cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0 || hash_fd(fd, sha) < 0)
			differ(d, "'%s' cannot be read: %s", rel, strerror(errno));
		else if (strcmp(sha, e->sha) != 0)
			differ(d, "'%s' has other content than the blob's", rel);
	} else if (e->type == T_LNK) {
		char target[4096];
		ssize_t n = readlinkat(dfd, name, target, sizeof(target) - 1);
		if (n < 0 || (target[n] = '\0', strcmp(target, e->link ? e->link : "") != 0))
			differ(d, "'%s' points elsewhere than the blob's", rel);
	} else if (e->type == T_CHR || e->type == T_BLK) {
		if (major(st->st_rdev) != e->rmajor || minor(st->st_rdev) != e->rminor)
			differ(d, "'%s' is device %u:%u, the blob's %u:%u", rel, major(st->st_rdev), minor(st->st_rdev),
			       e->rmajor, e->rminor);
	}
}

static int walk(int dfd, const char *rel, struct model *m, struct diffs *d, cc_error **err)
{
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
	if (dir == NULL) {
		if (fd >= 0)
			close(fd);
		differ(d, "'%s' cannot be read: %s", *rel ? rel : "/", strerror(errno));
		return 0;
	}
	struct dirent *de;
	int r = 0;
	while (r == 0 && (de = readdir(dir)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		_cleanup_free_ char *path = NULL;
		if (asprintf(&path, "%s%s%s", rel, *rel ? "/" : "", de->d_name) < 0) {
			r = cc_error_set(err, ENOMEM, "check layer");
			break;
		}
		struct stat st;
		if (fstatat(dirfd(dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			differ(d, "'%s' cannot be read: %s", path, strerror(errno));
			continue;
		}
		if (S_ISSOCK(st.st_mode))
			continue;
		struct ent *e = model_find(m, path);
		if (e == NULL || e->removed) {
			differ(d, "'%s' is not in the blob", path);
			continue;
		}
		e->seen = true;
		compare(dirfd(dir), de->d_name, path, &st, e, d);
		if (S_ISDIR(st.st_mode) && (e->type == T_DIR || e->type == T_IMPLIED_DIR)) {
			_cleanup_close_ int sub = openat(dirfd(dir), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0)
				differ(d, "'%s' cannot be read: %s", path, strerror(errno));
			else
				r = walk(sub, path, m, d, err);
		}
	}
	closedir(dir);
	return r;
}

/* Compare dir with what blob unpacks to.  *ret_diffs: the differences. */
static int verify_layer(const char *dir, const char *blob_path, const char *blob, const char *diff_id,
			struct diffs *d, cc_error **err)
{
	struct model m = { 0 };
	char got_blob[72], got_diff[72];
	int r = model_from_blob(blob_path, &m, got_blob, got_diff, err);
	if (r == 0 && strcmp(got_blob, blob) != 0)
		r = cc_error_setk(err, CC_ERR_VERIFY, 0, "blob %s hashes to %s", blob, got_blob);
	if (r == 0 && strcmp(got_diff, diff_id) != 0)
		r = cc_error_setk(err, CC_ERR_VERIFY, 0, "blob %s unpacks to diff ID %s, the database says %s", blob,
				  got_diff, diff_id);
	if (r == 0) {
		_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			r = cc_error_set(err, errno, "open '%s'", dir);
		else
			r = walk(fd, "", &m, d, err);
	}
	for (size_t i = 0; r == 0 && i < m.n; i++)
		if (!m.e[i].removed && !m.e[i].seen)
			differ(d, "'%s' is missing", m.e[i].path);
	model_free(&m);
	return r;
}

/* Unpack the blob again and put it in the layer's place. */
static void rebuild(struct cc_store *s, struct cc_check *ck, const struct cc_check_layer *l, const char *blob)
{
	if (l->running) {
		cc_check_report(ck, CC_CHECK_UNREPAIRED, "layer %s: running container %.12s uses it: stop it, then repair again",
				l->chain_id, l->running);
		return;
	}
	_cleanup_free_ char *stage = NULL, *bp = cc_store_blob_path(s, blob);
	_cleanup_close_ int lock = -1, bfd = -1;
	cc_error *e = NULL;
	char diff[72];
	int64_t size = 0;
	if (bp == NULL)
		cc_error_set(&e, ENOMEM, "repair");
	else if ((bfd = open(bp, O_RDONLY | O_CLOEXEC)) < 0)
		cc_error_set(&e, errno, "open '%s'", bp);
	else if (cc_store_stage_dir(s, &stage, &lock, &e) == 0 && cc_layer_unpack_fd(bfd, stage, diff, &size, &e) == 0) {
		if (strcmp(diff, l->diff_id) != 0)
			cc_error_setk(&e, CC_ERR_VERIFY, 0, "blob %s unpacks to diff ID %s, the database says %s", blob, diff,
				      l->diff_id);
		else
			(void)cc_store_layer_replace(s, stage, l->chain_id, &e);
	}
	if (e) {
		if (stage)
			(void)cc_rm_rf(stage, NULL);
		cc_check_report(ck, CC_CHECK_UNREPAIRED, "layer %s: %s", l->chain_id, e->msg);
		cc_error_free(e);
		return;
	}
	cc_check_report(ck, CC_CHECK_REPAIRED, "layer %s: unpacked again from blob %s", l->chain_id, blob);
}

static int check_layer(struct cc_store *s, struct cc_check *ck, const struct cc_check_layer *l, cc_error **err)
{
	(void)err;
	_cleanup_free_ char *dir = cc_store_layer_path(s, l->chain_id);
	if (dir == NULL)
		return cc_error_set(err, ENOMEM, "check layer");
	/* The first blob that verifies is the record; a damaged blob is
	 * reported by the store's own blob check. */
	const char *blob = NULL;
	for (char **b = l->blobs; b && *b && blob == NULL; b++) {
		_cleanup_free_ char *bp = cc_store_blob_path(s, *b);
		if (bp == NULL)
			return cc_error_set(err, ENOMEM, "check layer");
		if (!l->dir_present) {
			if (access(bp, R_OK) == 0)
				blob = *b;
			continue;
		}
		struct diffs d = { .n = 0 };
		cc_error *e = NULL;
		if (verify_layer(dir, bp, *b, l->diff_id, &d, &e) < 0) {
			if (e && e->errnum == ENOMEM) {
				*err = e;
				return -1;
			}
			if (e && e->errnum != ENOENT)
				cc_check_report(ck, CC_CHECK_NOTE, "layer %s: not verified against blob %s: %s", l->chain_id,
						*b, e->msg);
			cc_error_free(e);
			for (size_t i = 0; i < d.n && i < MAX_DIFFS; i++)
				free(d.first[i]);
			continue;
		}
		blob = *b;
		if (d.n > 0) {
			cc_check_report(ck, CC_CHECK_PROBLEM, "layer %s: directory '%s' differs from blob %s: %s%s%s%s%s (%zu difference%s)",
					l->chain_id, dir, blob, d.first[0] ? d.first[0] : "?", d.n > 1 && d.first[1] ? "; " : "",
					d.n > 1 && d.first[1] ? d.first[1] : "", d.n > 2 && d.first[2] ? "; " : "",
					d.n > 2 && d.first[2] ? d.first[2] : "", d.n, d.n == 1 ? "" : "s");
			if (ck->repair)
				rebuild(s, ck, l, blob);
		}
		for (size_t i = 0; i < d.n && i < MAX_DIFFS; i++)
			free(d.first[i]);
	}
	if (!l->dir_present) {
		cc_check_report(ck, CC_CHECK_PROBLEM, "layer %s: directory '%s' is missing", l->chain_id, dir);
		if (ck->repair && blob)
			rebuild(s, ck, l, blob);
		else if (ck->repair)
			cc_check_report(ck, CC_CHECK_UNREPAIRED,
					"layer %s: no blob of it is left to unpack: remove its images (rmi) and pull them again",
					l->chain_id);
	}
	return 0;
}

int cc_image_check(struct cc_store *s, struct cc_check *ck, cc_error **err)
{
	ck->layer = check_layer;
	return cc_store_check(s, ck, err);
}
