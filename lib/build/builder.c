/* cc_build(): a plan executed against the store.
 *
 * Order of business:
 *   1. read and parse the recipe, the ignore file, the -t names: nothing
 *      touches the store yet;
 *   2. plan: base images resolved (pulled when missing), every step
 *      resolved and checked, COPY sources hashed;
 *   3. take the store's shared lock (gc waits), make a staging dir under
 *      tmp/, and run the stages the target needs, step by step.
 *
 * Each step has a cache key: sha256 over the parent image ID, the step's
 * resolved form (instruction after substitution, ARG values for RUN, the
 * content digest of COPY sources, the source image of --from).  A hit
 * makes the cached image the parent of the next step without loading it;
 * a fully cached build reads a few rows and writes nothing but tags.
 *
 * A miss runs the step: RUN in a container (cc_runtime_run, host network,
 * output streamed), COPY/ADD into an overlay mounted here (in a mount
 * namespace of our own, unshared on first use, so no mount outlives the
 * process), config-only steps on the JSON.  RUN/COPY/ADD then pack the
 * overlay's upper dir into a layer blob and rename the dir itself into
 * layers/<chain-id>: it already is in the store's (overlay) format.  Every
 * step's image is recorded (untagged) and cached.
 *
 * Failure at any point: mounts are undone, the staging dir is removed;
 * what was committed before stays (complete images, useful as cache).
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "build-internal.h"
#include "util/env.h"
#include "util/strbuf.h"
#include "image/image.h"
#include "runtime/net.h"
#include "util/dl.h"
#include "runtime/runtime.h"

#define MAX_MOUNTS 48

struct cur {
	char *id;                      /* NULL: scratch, nothing yet */
	bool base;                     /* id is the stage's base: its OnBuild goes */
	struct cc_image_record *rec;   /* loaded when needed */
	json_t *cfg;                   /* the config of id, loaded when needed */
};

struct builder {
	struct cc_store *s;
	const struct cc_build_options *o;
	struct cc_recipe *recipe;
	struct cc_build_plan *plan;
	struct cc_ignore *ign;
	int ctxfd;
	char *context;
	char *tmp;                     /* staging dir under the store's tmp/ */
	unsigned seq;
	bool ns;                       /* in our own mount namespace */
	char *mounts[MAX_MOUNTS];      /* mounted now, unmounted before tmp goes */
	char **stage_ids;
	char **tags;                   /* normalised -t names */
	struct cc_build_context *contexts;  /* --build-context, directories made absolute */
	char *stdin_ctx;               /* the context unpacked from stdin (under tmp) */
	char *stdin_recipe;            /* build -: the recipe read from stdin */
	size_t stdin_recipe_len;
	char *hostname_file;
	char *hosts_file[2], *resolv_file[2]; /* [1]: a RUN on the host's network */
	char *extra_hosts;             /* --add-host lines of the hosts files */
	char hostname[16];
	size_t stage_no, n_stages;     /* for events */
	int run_status;
};

static void emit(struct builder *b, enum cc_build_event_kind kind, size_t step, size_t n_steps, const char *text,
		 const char *id)
{
	if (b->o->event == NULL)
		return;
	struct cc_build_event ev = { .kind = kind, .stage = b->stage_no, .n_stages = b->n_stages, .step = step,
				     .n_steps = n_steps, .text = text, .image_id = id };
	b->o->event(&ev, b->o->event_data);
}

static bool cancelled(const struct builder *b)
{
	return b->o->cancel && *b->o->cancel;
}

static void cur_release(struct cur *c)
{
	free(c->id);
	cc_image_record_free(c->rec);
	json_decref(c->cfg);
	*c = (struct cur){ 0 };
}

static int cur_set(struct cur *c, const char *id)
{
	char *n = id ? strdup(id) : NULL;
	if (id && n == NULL)
		return -ENOMEM;
	cur_release(c);
	c->id = n;
	c->base = false;
	return 0;
}

static int cur_load(struct builder *b, struct cur *c, cc_error **err)
{
	if (c->id && c->rec == NULL && cc_store_image_get(b->s, c->id, &c->rec, err) < 0)
		return -1;
	if (c->cfg == NULL) {
		if (c->id) {
			if (cc_bcfg_load(b->s, c->rec, &c->cfg, err) < 0)
				return -1;
			/* the base's triggers ran (as the plan's first steps); the
			 * stage's own ONBUILDs accumulate from here on */
			if (c->base)
				json_object_del(json_object_get(c->cfg, "config"), "OnBuild");
			return 0;
		}
		c->cfg = cc_bcfg_scratch();
		if (c->cfg == NULL)
			return cc_error_set(err, ENOMEM, "image config");
	}
	return 0;
}

/* Layer dirs of the current image, topmost first (overlay lowerdir order). */
static char **layer_dirs(struct builder *b, const struct cc_image_record *r)
{
	char **v = calloc((r ? r->n_layers : 0) + 1, sizeof(char *));
	for (size_t i = 0; v && r && i < r->n_layers; i++) {
		v[i] = cc_store_layer_path(b->s, r->layers[r->n_layers - 1 - i].chain_id);
		if (v[i] == NULL)
			cc_strvfreep(&v);
	}
	return v;
}

static int new_dir(struct builder *b, const char *what, mode_t mode, char **ret, cc_error **err)
{
	char *p = NULL;
	if (asprintf(&p, "%s/%s%u", b->tmp, what, b->seq++) < 0)
		return cc_error_set(err, ENOMEM, "staging dir");
	if (mkdir(p, mode) < 0 || chmod(p, mode) < 0) {
		int e = errno;
		free(p);
		return cc_error_set(err, e, "create staging dir");
	}
	*ret = p;
	return 0;
}

/* A mount namespace of our own: what we mount dies with us, whatever
 * happens, and nothing propagates to the host. */
static int ensure_ns(struct builder *b, cc_error **err)
{
	if (b->ns)
		return 0;
	if (unshare(CLONE_NEWNS) < 0)
		return cc_error_set(err, errno, "unshare mount namespace (building needs root)");
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return cc_error_set(err, errno, "make / a slave mount");
	b->ns = true;
	return 0;
}

static int mount_root(struct builder *b, char *const *lowers, const char *upper, const char *work,
		      const char *root, cc_error **err)
{
	size_t slot = 0;
	while (slot < MAX_MOUNTS && b->mounts[slot])
		slot++;
	if (slot == MAX_MOUNTS)
		return cc_error_set(err, EBUSY, "too many mounts");
	if (ensure_ns(b, err) < 0)
		return -1;
	struct cc_run_spec spec = { .lower_dirs = (const char *const *)lowers, .n_lower = cc_strv_len(lowers),
				    .upper_dir = upper, .work_dir = work, .rootfs_dir = root };
	if (cc_runtime_mount_root(&spec, err) < 0)
		return -1;
	b->mounts[slot] = strdup(root);
	if (b->mounts[slot] == NULL) {
		(void)cc_runtime_unmount_root(root, NULL);
		return cc_error_set(err, ENOMEM, "mount");
	}
	return 0;
}

static int unmount_root(struct builder *b, const char *root, cc_error **err)
{
	for (size_t i = 0; i < MAX_MOUNTS; i++) {
		if (b->mounts[i] && strcmp(b->mounts[i], root) == 0) {
			if (cc_runtime_unmount_root(root, err) < 0)
				return -1;
			free(b->mounts[i]);
			b->mounts[i] = NULL;
		}
	}
	return 0;
}

/* ---- committing ------------------------------------------------------------ */

static char *now_rfc3339(const struct builder *b)
{
	char buf[64];
	if (b->o->timestamp >= 0) {
		/* --timestamp / SOURCE_DATE_EPOCH: the same date on any machine */
		time_t t = (time_t)b->o->timestamp;
		struct tm tm;
		if (gmtime_r(&t, &tm) == NULL || strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
			return NULL;
		return strdup(buf);
	}
	cc_rfc3339_now(buf, sizeof(buf));
	return strdup(buf);
}

/* The step's image: the config changed (and a layer on top, when given). */
static int commit(struct builder *b, struct cur *c, const struct cc_build_step *st, const struct cc_layer_record *layer,
		  cc_error **err)
{
	if (cur_load(b, c, err) < 0)
		return -1;
	_cleanup_free_ char *created = now_rfc3339(b);
	if (created == NULL || cc_bcfg_apply(c->cfg, st, created, layer ? layer->diff_id : NULL, err) < 0)
		return created ? -1 : cc_error_set(err, ENOMEM, "commit");
	size_t n = c->rec ? c->rec->n_layers : 0;
	_cleanup_free_ struct cc_layer_record *layers = calloc(n + 1, sizeof(*layers));
	if (layers == NULL)
		return cc_error_set(err, ENOMEM, "commit");
	for (size_t i = 0; i < n; i++)
		layers[i] = c->rec->layers[i];
	if (layer)
		layers[n++] = *layer;
	char *id = NULL;
	if (cc_bcfg_commit(b->s, c->cfg, layers, n, false, &id, err) < 0)
		return -1;
	/* the JSON is the new image's config now; the record is reloaded lazily */
	free(c->id);
	c->id = id;
	c->base = false;
	cc_image_record_free(c->rec);
	c->rec = NULL;
	return 0;
}

/* Pack upper, store the blob, make upper the layer dir, commit. */
static int commit_layer(struct builder *b, struct cur *c, const struct cc_build_step *st, const char *upper,
			cc_error **err)
{
	if (cur_load(b, c, err) < 0)
		return -1;
	_cleanup_free_ char *tmpblob = NULL;
	if (asprintf(&tmpblob, "%s/blob%u", b->tmp, b->seq++) < 0)
		return cc_error_set(err, ENOMEM, "commit layer");
	struct cc_packed_layer pl;
	struct cc_pack_opts po = { .clamp_mtime = b->o->timestamp };
	if (cc_layer_pack(upper, tmpblob, &po, &pl, b->o->cancel, err) < 0)
		return -1;
	if (cc_store_blob_commit(b->s, tmpblob, pl.blob_digest, pl.blob_size, err) < 0)
		return cc_error_prefix(err, "store layer blob");
	char chain[72];
	if (c->rec && c->rec->n_layers > 0) {
		_cleanup_free_ char *text = NULL;
		if (asprintf(&text, "%s %s", c->rec->layers[c->rec->n_layers - 1].chain_id, pl.diff_id) < 0)
			return cc_error_set(err, ENOMEM, "commit layer");
		cc_sha256_digest(text, strlen(text), chain);
	} else {
		memcpy(chain, pl.diff_id, sizeof(chain));
	}
	if (cc_store_layer_commit(b->s, upper, chain, err) < 0)
		return -1;
	struct cc_layer_record l = { .blob_digest = pl.blob_digest, .media_type = (char *)CC_MT_OCI_LAYER_GZIP,
				     .blob_size = pl.blob_size, .diff_id = pl.diff_id, .chain_id = chain,
				     .unpacked_size = pl.unpacked_size };
	return commit(b, c, st, &l, err);
}

/* ---- RUN ------------------------------------------------------------------- */

static int exit_status_for(const cc_error *e)
{
	if (e && e->kind == CC_ERR_EXEC_NOTFOUND)
		return 127;
	if (e && e->kind == CC_ERR_EXEC_PERM)
		return 126;
	return 125;
}

/* The hostname, hosts and resolv.conf files RUN steps get: one set for
 * steps on the host's network, one for the others (bridge or none). */
static int write_run_files(struct builder *b, bool host_net, cc_error **err)
{
	int k = host_net ? 1 : 0;
	if (b->hosts_file[k])
		return 0;
	if (b->hostname_file == NULL) {
		char id[13];
		_cleanup_free_ char *hn = NULL;
		if (cc_random_hex(id, 6, err) < 0)
			return -1;
		snprintf(b->hostname, sizeof(b->hostname), "%s", id);
		if (asprintf(&hn, "%s\n", b->hostname) < 0 || asprintf(&b->hostname_file, "%s/hostname", b->tmp) < 0)
			return cc_error_set(err, ENOMEM, "container files");
		if (cc_write_file(b->hostname_file, hn, strlen(hn), 0644, err) < 0)
			return -1;
	}
	_cleanup_free_ char *hosts = NULL, *resolv = NULL;
	size_t hl = 0;
	cc_error *e = NULL;
	/* the host's /etc/hosts with the host's network; else ours (a bridge
	 * step's gets its address when net_attach writes it) */
	if (!host_net || cc_read_file("/etc/hosts", 1 << 20, &hosts, &hl, &e) < 0) {
		cc_error_clear(&e);
		free(hosts);
		if (asprintf(&hosts, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\t%s\n",
			     b->hostname) < 0)
			hosts = NULL;
		hl = hosts ? strlen(hosts) : 0;
	}
	/* docker's rules: the host's resolvers, without loopback ones unless
	 * the step shares the host's network */
	resolv = cc_net_container_resolv(host_net, NULL);
	size_t rl = resolv ? strlen(resolv) : 0;
	/* --add-host: lines of their own (a bridge step's hosts file is
	 * written again when it gets its address: net_attach adds them) */
	if (b->extra_hosts == NULL) {
		struct cc_strbuf xh = { 0 };
		cc_strbuf_add(&xh, "", 0);
		for (char *const *a = b->o->add_hosts; a && *a; a++) {
			char line[1024];
			if (cc_net_parse_add_host(*a, NULL, line, sizeof(line), err) < 0) {
				free(cc_strbuf_steal(&xh));
				return cc_error_prefix(err, "--add-host");
			}
			cc_strbuf_addf(&xh, "%s", line);
		}
		if ((b->extra_hosts = cc_strbuf_steal(&xh)) == NULL)
			return cc_error_set(err, ENOMEM, "container files");
	}
	if (hosts != NULL && b->extra_hosts[0]) {
		char *nh = NULL;
		if (asprintf(&nh, "%s%s", hosts, b->extra_hosts) < 0)
			nh = NULL;
		free(hosts);
		hosts = nh;
		hl = hosts ? strlen(hosts) : 0;
	}
	if (hosts == NULL || resolv == NULL || asprintf(&b->hosts_file[k], "%s/hosts%d", b->tmp, k) < 0 ||
	    asprintf(&b->resolv_file[k], "%s/resolv%d.conf", b->tmp, k) < 0)
		return cc_error_set(err, ENOMEM, "container files");
	/* copies: a RUN that writes /etc/hosts must not write the host's */
	if (cc_write_file(b->hosts_file[k], hosts, hl, 0644, err) < 0 ||
	    cc_write_file(b->resolv_file[k], resolv, rl, 0644, err) < 0)
		return -1;
	return 0;
}

struct run_net {
	struct builder *b;
	const char *id;
	bool attached;
};

/* The runtime's on_created hook of a bridge RUN step. */
static int run_net_attach(pid_t pid, void *data, cc_error **err)
{
	struct run_net *n = data;
	const struct cc_build_options *o = n->b->o;
	if (o->net_attach == NULL)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "RUN on the bridge network: no way to attach it");
	if (o->net_attach(pid, n->id, n->b->hosts_file[0], n->b->hostname, n->b->extra_hosts, o->net_data, err) < 0)
		return -1;
	n->attached = true;
	return 0;
}

/* ---- RUN --mount ---------------------------------------------------------- */

/* What a RUN step's --mount flags set up, undone after the step. */
struct step_mounts {
	struct cc_bind_mount binds[34];
	size_t n_binds;
	struct cc_tmpfs_mount tmpfs[32];
	size_t n_tmpfs;
	char *paths[32];       /* sources, secret files, tmpfs options (freed) */
	size_t n_paths;
	char *roots[32];       /* overlay roots mounted here (unmounted) */
	size_t n_roots;
	int locks[32];         /* cache mounts' flocks */
	size_t n_locks;
	char **env;            /* secrets given as environment variables */
};

static const char *keep_path(struct step_mounts *sm, char *p)
{
	if (p == NULL || sm->n_paths >= sizeof(sm->paths) / sizeof(sm->paths[0])) {
		free(p);
		return NULL;
	}
	sm->paths[sm->n_paths++] = p;
	return p;
}

static void step_mounts_release(struct builder *b, struct step_mounts *sm)
{
	for (size_t i = 0; i < sm->n_roots; i++) {
		(void)unmount_root(b, sm->roots[i], NULL);
		free(sm->roots[i]);
	}
	for (size_t i = 0; i < sm->n_paths; i++) {
		if (cc_str_has_prefix(sm->paths[i], b->tmp) && strstr(sm->paths[i], "/secret"))
			(void)unlink(sm->paths[i]); /* a secret's file goes at once */
		free(sm->paths[i]);
	}
	for (size_t i = 0; i < sm->n_locks; i++)
		cc_closep(&sm->locks[i]);
	cc_strvfreep(&sm->env);
	*sm = (struct step_mounts){ 0 };
}

/* The host path of rel inside root, symlinks resolved inside it. */
static int path_in_root(const char *root, const char *rel, char **ret, cc_error **err)
{
	_cleanup_close_ int rfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rfd < 0)
		return cc_error_set(err, errno, "open '%s'", root);
	_cleanup_close_ int fd = cc_open_in_root(rfd, rel, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return cc_error_setk(err, fd == -ENOENT ? CC_ERR_NOT_FOUND : CC_ERR_GENERIC, -fd,
				     "mount source '%s' not found", rel);
	char link[64], buf[4096];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, buf, sizeof(buf) - 1);
	if (n < 0)
		return cc_error_set(err, errno, "resolve mount source '%s'", rel);
	buf[n] = '\0';
	*ret = strdup(buf);
	return *ret ? 0 : cc_error_set(err, ENOMEM, "mount");
}

/* An overlay of lowers with a scratch upper: what it shows, writable,
 * every write discarded with the scratch dir. */
static int scratch_root(struct builder *b, struct step_mounts *sm, char *const *lowers, char **ret, cc_error **err)
{
	_cleanup_free_ char *u = NULL, *w = NULL, *r = NULL;
	if (sm->n_roots >= sizeof(sm->roots) / sizeof(sm->roots[0]))
		return cc_error_set(err, EBUSY, "too many mounts");
	if (new_dir(b, "u", 0755, &u, err) < 0 || new_dir(b, "w", 0700, &w, err) < 0 || new_dir(b, "r", 0755, &r, err) < 0 ||
	    mount_root(b, lowers, u, w, r, err) < 0)
		return -1;
	sm->roots[sm->n_roots++] = strdup(r);
	if (sm->roots[sm->n_roots - 1] == NULL) {
		sm->n_roots--;
		(void)unmount_root(b, r, NULL);
		return cc_error_set(err, ENOMEM, "mount");
	}
	*ret = steal_ptr(&r);
	return 0;
}

static const struct cc_build_secret *find_secret(const struct builder *b, const char *id)
{
	for (size_t i = 0; i < b->o->n_secrets; i++)
		if (strcmp(b->o->secrets[i].id, id) == 0)
			return &b->o->secrets[i];
	return NULL;
}

/* A secret's value: its file, or its variable; *ret NULL when absent. */
static int secret_value(const struct cc_build_secret *sec, char **ret, size_t *ret_len, cc_error **err)
{
	*ret = NULL;
	if (sec->src)
		return cc_read_file(sec->src, CC_BUILD_MAX_SECRET, ret, ret_len, err) < 0
			       ? cc_error_prefix(err, "secret '%s'", sec->id)
			       : 0;
	const char *v = getenv(sec->env);
	if (v == NULL)
		return 0;
	if (strlen(v) > CC_BUILD_MAX_SECRET)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "secret '%s': larger than %d bytes", sec->id, CC_BUILD_MAX_SECRET);
	*ret = strdup(v);
	*ret_len = strlen(v);
	return *ret ? 0 : cc_error_set(err, ENOMEM, "secret");
}

static int mount_secret(struct builder *b, struct step_mounts *sm, const struct cc_run_mount *m, cc_error **err)
{
	const struct cc_build_secret *sec = find_secret(b, m->id);
	_cleanup_free_ char *val = NULL;
	size_t len = 0;
	if (sec && secret_value(sec, &val, &len, err) < 0)
		return -1;
	if (val == NULL) {
		if (m->required)
			return cc_error_setk(err, CC_ERR_NOT_FOUND, 0, "secret %s not found (give it with --secret id=%s,src=FILE)",
					     m->id, m->id);
		return 0; /* as BuildKit: an optional secret that is not there is not mounted */
	}
	if (m->env) {
		char *kv = NULL;
		if (asprintf(&kv, "%s=%s", m->env, val) < 0 || cc_strv_take(&sm->env, kv) < 0)
			return cc_error_set(err, ENOMEM, "secret");
	}
	if (m->target == NULL)
		return 0;
	char *path = NULL;
	if (asprintf(&path, "%s/secret%u", b->tmp, b->seq++) < 0 || keep_path(sm, path) == NULL)
		return cc_error_set(err, ENOMEM, "secret");
	mode_t mode = m->mode >= 0 ? (mode_t)m->mode : 0400;
	if (cc_write_file(path, val, len, mode, err) < 0)
		return cc_error_prefix(err, "secret '%s'", m->id);
	explicit_bzero(val, len);
	if (chmod(path, mode) < 0 || chown(path, m->uid >= 0 ? (uid_t)m->uid : 0, m->gid >= 0 ? (gid_t)m->gid : 0) < 0)
		return cc_error_set(err, errno, "secret '%s'", m->id);
	sm->binds[sm->n_binds++] = (struct cc_bind_mount){ .source = path, .target = m->target, .readonly = true };
	return 0;
}

/* A new cache directory's first content (cache,from=STAGE|IMAGE|CONTEXT):
 * from's source (its root when none) copied into dst as COPY copies a
 * directory's content, owned by the mount's uid/gid (0:0 when not given). */
static int seed_cache(struct builder *b, struct step_mounts *sm, const struct cc_run_mount *m, const char *dst,
		      cc_error **err)
{
	_cleanup_free_ char *root = NULL;
	const char *srcdir = NULL;
	if (m->from_stage >= 0 || m->from_image) {
		const char *id = m->from_stage >= 0 ? b->stage_ids[m->from_stage] : m->from_image;
		struct cc_image_record *rec = NULL;
		if (id && cc_store_image_get(b->s, id, &rec, err) < 0)
			return -1;
		_cleanup_strv_ char **lowers = layer_dirs(b, rec);
		cc_image_record_free(rec);
		if (lowers == NULL)
			return cc_error_set(err, ENOMEM, "cache mount");
		if (lowers[0] == NULL) /* FROM scratch and nothing: nothing to copy */
			return 0;
		if (scratch_root(b, sm, lowers, &root, err) < 0)
			return -1;
		srcdir = root;
	} else if (m->from_context >= 0) {
		srcdir = b->contexts[m->from_context].dir;
	} else {
		return 0;
	}
	_cleanup_close_ int srcfd = -1, dstfd = -1;
	if (cc_copy_open_root(srcdir, &srcfd, err) < 0 || cc_copy_open_root(dst, &dstfd, err) < 0)
		return -1;
	char *const sources[] = { (char *)(m->source ? m->source : "."), NULL };
	const struct cc_copy_opts o = { .chown = true, .uid = m->uid >= 0 ? (uid_t)m->uid : 0,
					.gid = m->gid >= 0 ? (gid_t)m->gid : 0, .chmod = -1, .cancel = b->o->cancel };
	if (cc_copy_run(srcfd, NULL, sources, NULL, 0, dstfd, "/", &o, err) < 0)
		return cc_error_prefix(err, "cache mount from '%s'", m->from);
	return 0;
}

/* The persistent directory of a cache mount: cache/build-mounts/<sha256
 * of its id>, made (with mode, uid, gid) under a temporary name and
 * renamed into place, kept across builds until `builder prune`. */
static int mount_cache(struct builder *b, struct step_mounts *sm, const struct cc_run_mount *m, cc_error **err)
{
	char digest[72];
	cc_sha256_digest(m->id, strlen(m->id), digest);
	_cleanup_free_ char *base = NULL, *dir = NULL, *lock = NULL;
	if (asprintf(&base, "%s/cache/build-mounts", cc_store_root(b->s)) < 0 ||
	    asprintf(&dir, "%s/%s", base, digest + 7) < 0 || asprintf(&lock, "%s.lock", dir) < 0)
		return cc_error_set(err, ENOMEM, "cache mount");
	if (cc_mkdir_p(base, 0700, err) < 0)
		return cc_error_prefix(err, "cache mount");
	int lfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (lfd < 0)
		return cc_error_set(err, errno, "cache mount: open '%s'", lock);
	sm->locks[sm->n_locks++] = lfd;
	int op = m->sharing == CC_SHARING_SHARED ? LOCK_SH : m->sharing == CC_SHARING_LOCKED ? LOCK_EX : LOCK_EX | LOCK_NB;
	bool fresh = false;
	while (flock(lfd, op) < 0) {
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK)
			return cc_error_set(err, errno, "cache mount: lock '%s'", lock);
		fresh = true; /* private and in use: a fresh one for this step */
		break;
	}
	struct stat st;
	if (fresh) {
		free(dir);
		dir = NULL;
		if (new_dir(b, "cache", 0755, &dir, err) < 0 || seed_cache(b, sm, m, dir, err) < 0)
			return -1;
	} else if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		/* made and seeded under a name of this process's, then renamed
		 * into place: another build making it at once wins or loses whole */
		_cleanup_free_ char *tmp = NULL;
		if (asprintf(&tmp, "%s.new-%d", dir, (int)getpid()) < 0)
			return cc_error_set(err, ENOMEM, "cache mount");
		(void)cc_rm_rf(tmp, NULL);
		mode_t mode = m->mode >= 0 ? (mode_t)m->mode : 0755;
		if (mkdir(tmp, 0700) < 0 ||
		    chown(tmp, m->uid >= 0 ? (uid_t)m->uid : 0, m->gid >= 0 ? (gid_t)m->gid : 0) < 0 || chmod(tmp, mode) < 0) {
			int e = errno;
			(void)rmdir(tmp);
			return cc_error_set(err, e, "cache mount: create '%s'", tmp);
		}
		if (seed_cache(b, sm, m, tmp, err) < 0) {
			(void)cc_rm_rf(tmp, NULL);
			return -1;
		}
		if (rename(tmp, dir) < 0) {
			int e = errno;
			(void)cc_rm_rf(tmp, NULL);
			if (!(e == ENOTEMPTY || e == EEXIST) || lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
				return cc_error_set(err, e, "cache mount: create '%s'", dir);
		}
	}
	const char *src = keep_path(sm, steal_ptr(&dir));
	if (src == NULL)
		return cc_error_set(err, ENOMEM, "cache mount");
	sm->binds[sm->n_binds++] = (struct cc_bind_mount){ .source = src, .target = m->target, .readonly = m->readonly };
	return 0;
}

static int mount_bind(struct builder *b, struct step_mounts *sm, const struct cc_run_mount *m, cc_error **err)
{
	_cleanup_free_ char *root = NULL, *src = NULL;
	if (m->from_stage >= 0 || m->from_image) {
		const char *id = m->from_stage >= 0 ? b->stage_ids[m->from_stage] : m->from_image;
		struct cc_image_record *rec = NULL;
		if (id && cc_store_image_get(b->s, id, &rec, err) < 0)
			return -1;
		_cleanup_strv_ char **lowers = layer_dirs(b, rec);
		cc_image_record_free(rec);
		if (lowers == NULL)
			return cc_error_set(err, ENOMEM, "mount");
		if (lowers[0] == NULL) { /* FROM scratch and nothing: an empty root */
			if (new_dir(b, "empty", 0755, &root, err) < 0)
				return -1;
		} else if (scratch_root(b, sm, lowers, &root, err) < 0) {
			return -1;
		}
	} else {
		const char *dir = m->from_context >= 0 ? b->contexts[m->from_context].dir
			: b->stdin_ctx ? b->stdin_ctx : b->context;
		if (m->readonly) {
			root = strdup(dir);
			if (root == NULL)
				return cc_error_set(err, ENOMEM, "mount");
		} else {
			/* rw over the context: writes go to a scratch dir, never the context */
			char *const lowers[] = { (char *)dir, NULL };
			if (scratch_root(b, sm, lowers, &root, err) < 0)
				return -1;
		}
	}
	if (path_in_root(root, m->source, &src, err) < 0)
		return -1;
	const char *kept = keep_path(sm, steal_ptr(&src));
	if (kept == NULL)
		return cc_error_set(err, ENOMEM, "mount");
	sm->binds[sm->n_binds++] = (struct cc_bind_mount){ .source = kept, .target = m->target, .readonly = m->readonly };
	return 0;
}

static int step_mounts_setup(struct builder *b, const struct cc_build_step *st, struct step_mounts *sm, cc_error **err)
{
	for (size_t i = 0; i < st->n_mounts; i++) {
		const struct cc_run_mount *m = &st->mounts[i];
		int r = 0;
		switch (m->type) {
		case CC_MOUNT_SECRET:
			r = mount_secret(b, sm, m, err);
			break;
		case CC_MOUNT_CACHE:
			r = mount_cache(b, sm, m, err);
			break;
		case CC_MOUNT_BIND:
			r = mount_bind(b, sm, m, err);
			break;
		case CC_MOUNT_TMPFS: {
			char *opt = NULL;
			if (m->size > 0 && (asprintf(&opt, "size=%lld", (long long)m->size) < 0 || keep_path(sm, opt) == NULL))
				return cc_error_set(err, ENOMEM, "mount");
			sm->tmpfs[sm->n_tmpfs++] = (struct cc_tmpfs_mount){ .target = m->target, .options = opt };
			break;
		}
		}
		if (r < 0)
			return cc_error_prefix(err, "RUN --mount %s", m->target ? m->target : m->id);
	}
	return 0;
}

/* Mount points the runtime made for the step (docker removes those it
 * created): from the target up, each entry of the upper dir that is empty
 * and either absent from the lower layers or a plain copy-up of a lower
 * directory (same owner and mode, not opaque) goes. */
static void prune_mount_points(const char *upper, const char *const *lowers, size_t n_lowers,
			       const struct cc_build_step *st)
{
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < st->n_mounts; i++) {
			const char *t = st->mounts[i].target;
			if (t == NULL || t[0] != '/')
				continue;
			char rel[4096];
			snprintf(rel, sizeof(rel), "%s", t + 1);
			bool first = true;
			while (rel[0]) {
				char up[4400];
				struct stat ust, lst;
				snprintf(up, sizeof(up), "%s/%s", upper, rel);
				if (lstat(up, &ust) < 0)
					break;
				bool in_lower = false;
				for (size_t k = 0; k < n_lowers && !in_lower; k++) {
					char lp[4400];
					snprintf(lp, sizeof(lp), "%s/%s", lowers[k], rel);
					in_lower = lstat(lp, &lst) == 0;
				}
				if (S_ISDIR(ust.st_mode)) {
					char v[4];
					if (in_lower && (!S_ISDIR(lst.st_mode) || lst.st_mode != ust.st_mode || lst.st_uid != ust.st_uid ||
							 lst.st_gid != ust.st_gid || lgetxattr(up, cc_overlay_opaque_xattr(), v, sizeof(v)) >= 0))
						break;
					if (rmdir(up) < 0)
						break;
				} else if (first && !in_lower && S_ISREG(ust.st_mode) && ust.st_size == 0) {
					if (unlink(up) < 0)
						break;
				} else {
					break;
				}
				first = false;
				char *slash = strrchr(rel, '/');
				if (slash == NULL)
					break;
				*slash = '\0';
			}
		}
	}
}

static int run_step(struct builder *b, struct cur *c, const struct cc_build_step *st, size_t step, size_t n_steps,
		    cc_error **err)
{
	/* RUN --network=none|host for this step, else the build's */
	enum cc_net_mode net_mode = st->network >= 0 ? (enum cc_net_mode)st->network : b->o->network;
	/* rootless: no bridge of ours; pasta instead (attached the same way) */
	if (net_mode == CC_NET_BRIDGE && cc_rootless())
		net_mode = CC_NET_PASTA;
	int nk = net_mode == CC_NET_HOST ? 1 : 0;
	if (cur_load(b, c, err) < 0 || write_run_files(b, net_mode == CC_NET_HOST, err) < 0)
		return -1;
	_cleanup_free_ char *upper = NULL, *work = NULL, *root = NULL, *script = NULL;
	_cleanup_strv_ char **image_lowers = layer_dirs(b, c->rec), **env = NULL, **argv = cc_strv_dup(st->argv);
	if (image_lowers == NULL || argv == NULL)
		return cc_error_set(err, ENOMEM, "run");
	/* What RUN mounts on is there already, below the step's upper dir
	 * (the init layer): nothing made to mount on can end up in the layer. */
	_cleanup_free_ const char **lowers = NULL;
	size_t n_lowers = cc_strv_len(image_lowers) + 1;
	if (cc_runtime_lowers(cc_store_root(b->s), (const char *const *)image_lowers, n_lowers - 1, &lowers, err) < 0)
		return -1;
	if (new_dir(b, "u", 0755, &upper, err) < 0 || new_dir(b, "w", 0700, &work, err) < 0 ||
	    new_dir(b, "r", 0755, &root, err) < 0)
		return -1;
	json_t *cfg = json_object_get(c->cfg, "config");
	/* the image's Env, then what the step adds where the image has nothing */
	struct cc_env merged = { 0 };
	size_t i;
	json_t *e;
	int er = 0;
	json_array_foreach(json_object_get(cfg, "Env"), i, e) if (er == 0 && json_is_string(e))
		er = cc_env_set(&merged, json_string_value(e), err);
	for (char **a = st->run_env; er == 0 && a && *a; a++)
		er = cc_env_set_default(&merged, *a, err);
	if (er < 0 || cc_env_finish(&merged, err) < 0) {
		cc_env_release(&merged);
		return -1;
	}
	env = steal_ptr(&merged.v);
	struct step_mounts sm = { 0 };
	if (st->script) {
		if (asprintf(&script, "%s/script%u", b->tmp, b->seq++) < 0)
			return cc_error_set(err, ENOMEM, "run");
		if (cc_write_file(script, st->script, strlen(st->script), 0755, err) < 0)
			return -1;
		/* under /dev (a tmpfs in the container): nothing lands in the layer */
		sm.binds[sm.n_binds++] = (struct cc_bind_mount){ .source = script, .target = "/dev/pipes/script", .readonly = true };
		if (cc_strv_push(&argv, "/dev/pipes/script") < 0)
			return cc_error_set(err, ENOMEM, "run");
	}
	if (step_mounts_setup(b, st, &sm, err) < 0) {
		step_mounts_release(b, &sm);
		return cc_error_prefix(err, "building at STEP \"%s\"", st->display);
	}
	/* a secret given as a variable: in this step's environment only */
	for (char **kv = sm.env; kv && *kv; kv++) {
		if (cc_strv_setenv(&env, *kv) < 0) {
			step_mounts_release(b, &sm);
			return cc_error_set(err, ENOMEM, "run");
		}
	}
	const char *wd = json_string_value(json_object_get(cfg, "WorkingDir"));
	const char *user = json_string_value(json_object_get(cfg, "User"));
	/* The same isolation as `run` (docker's capabilities, seccomp profile,
	 * masks), and a cgroup of the step's own: its device allowlist keeps
	 * the step off the host's devices (without one there is no MKNOD). */
	char id[65];
	if (cc_random_hex(id, 32, err) < 0)
		return -1;
	_cleanup_free_ char *seccomp_cache = NULL;
	if (asprintf(&seccomp_cache, "%s/cache/seccomp", cc_store_root(b->s)) < 0)
		return cc_error_set(err, ENOMEM, "run");
	struct run_net net = { .b = b, .id = id };
	struct cc_run_spec spec = {
		.lower_dirs = lowers,
		.n_lower = n_lowers,
		.upper_dir = upper,
		.work_dir = work,
		.rootfs_dir = root,
		.argv = argv,
		.env = env,
		.cwd = wd && *wd ? wd : NULL,
		.user = user && *user ? user : NULL,
		.hostname = b->hostname,
		.hostname_file = b->hostname_file,
		.hosts_file = b->hosts_file[nk],
		.resolv_file = b->resolv_file[nk],
		.binds = sm.n_binds ? sm.binds : NULL,
		.n_binds = sm.n_binds,
		.tmpfs = sm.n_tmpfs ? sm.tmpfs : NULL,
		.n_tmpfs = sm.n_tmpfs,
		.net = net_mode,
		.container_id = id,
		.seccomp_cache_dir = seccomp_cache,
		.on_created = net_mode == CC_NET_BRIDGE || net_mode == CC_NET_PASTA ? run_net_attach : NULL,
		.hook_data = &net,
	};
	emit(b, CC_BUILD_EV_RUN_START, step, n_steps, st->display, NULL);
	int saved[2] = { -1, -1 };
	if (b->o->output_fd >= 0) {
		saved[0] = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
		saved[1] = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
		if (saved[0] < 0 || saved[1] < 0 || dup2(b->o->output_fd, STDOUT_FILENO) < 0 ||
		    dup2(b->o->output_fd, STDERR_FILENO) < 0) {
			int en = errno;
			if (saved[0] >= 0)
				(void)dup2(saved[0], STDOUT_FILENO);
			if (saved[1] >= 0)
				(void)dup2(saved[1], STDERR_FILENO);
			cc_closep(&saved[0]);
			cc_closep(&saved[1]);
			step_mounts_release(b, &sm);
			return cc_error_set(err, en, "redirect RUN output");
		}
	}
	int status = 0;
	cc_error *re = NULL;
	int r = cc_runtime_run(&spec, &status, &re);
	cc_strvfreep(&env);
	step_mounts_release(b, &sm);
	if (r == 0 && status == 0 && st->n_mounts)
		prune_mount_points(upper, lowers, n_lowers, st);
	if (net.attached && b->o->net_detach != NULL)
		b->o->net_detach(id, b->o->net_data);
	if (saved[0] >= 0) {
		(void)dup2(saved[0], STDOUT_FILENO);
		(void)dup2(saved[1], STDERR_FILENO);
		cc_closep(&saved[0]);
		cc_closep(&saved[1]);
	}
	(void)rmdir(root);
	if (r < 0) {
		b->run_status = exit_status_for(re);
		r = cc_error_setk(err, CC_ERR_GENERIC, re->errnum, "building at STEP \"%s\": %s", st->display, re->msg);
		cc_error_free(re);
		return r;
	}
	if (status != 0) {
		b->run_status = status;
		return cc_error_set(err, 0, "building at STEP \"%s\": exit status %d", st->display, status);
	}
	if (cc_rm_rf(work, err) < 0)
		return -1;
	return commit_layer(b, c, st, upper, err);
}

/* ---- COPY / ADD ------------------------------------------------------------ */

/* An ADD URL fetched before its step's cache key is computed. */
struct fetched {
	char *path;        /* in the staging dir */
	char *name;        /* the file name the URL's path ends with */
	int64_t mtime;     /* Last-Modified, -1 when none */
};

static void fetched_release(struct fetched *f, size_t n)
{
	for (size_t i = 0; f && i < n; i++) {
		if (f[i].path)
			(void)unlink(f[i].path);
		free(f[i].path);
		free(f[i].name);
	}
	free(f);
}

/* The file name docker gives an ADD URL: the last element of its path. */
static char *url_file_name(const char *url)
{
	const char *p = strstr(url, "://");
	p = p ? p + 3 : url;
	p += strcspn(p, "/?#"); /* past the host */
	size_t n = strcspn(p, "?#");
	while (n > 0 && p[n - 1] == '/')
		n--;
	size_t i = n;
	while (i > 0 && p[i - 1] != '/')
		i--;
	if (n == i)
		return NULL;
	char *name = strndup(p + i, n - i);
	if (name && (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)) {
		free(name);
		return NULL;
	}
	return name;
}

/* Download a step's URLs; *ret_digest covers their content (the cache
 * key's), and --checksum is verified here, before any layer exists. */
static int fetch_urls(struct builder *b, const struct cc_build_step *st, struct fetched **ret, char ret_digest[72],
		      cc_error **err)
{
	size_t n = cc_strv_len(st->urls);
	struct fetched *f = calloc(n, sizeof(*f));
	struct cc_sha256 *h = cc_sha256_new();
	if (f == NULL || h == NULL) {
		free(f);
		if (h)
			cc_sha256_free(h);
		return cc_error_set(err, ENOMEM, "ADD");
	}
	for (size_t i = 0; i < n; i++) {
		char digest[72];
		f[i].name = url_file_name(st->urls[i]);
		if (f[i].name == NULL) {
			cc_error_setk(err, CC_ERR_INVALID, 0, "cannot determine a file name from URL '%s'", st->urls[i]);
			goto fail;
		}
		if (asprintf(&f[i].path, "%s/fetch%u", b->tmp, b->seq++) < 0) {
			f[i].path = NULL;
			cc_error_set(err, ENOMEM, "ADD");
			goto fail;
		}
		if (cc_build_fetch(st->urls[i], f[i].path, &f[i].mtime, digest, b->o->cancel, err) < 0) {
			free(f[i].path);
			f[i].path = NULL;
			goto fail;
		}
		if (st->checksum && strcmp(st->checksum, digest) != 0) {
			cc_error_setk(err, CC_ERR_INVALID, 0, "ADD '%s': checksum mismatch: expected %s, got %s", st->urls[i],
				      st->checksum, digest);
			goto fail;
		}
		char mt[32];
		snprintf(mt, sizeof(mt), "%lld", (long long)f[i].mtime);
		cc_sha256_update(h, st->urls[i], strlen(st->urls[i]) + 1);
		cc_sha256_update(h, digest, strlen(digest) + 1);
		cc_sha256_update(h, mt, strlen(mt) + 1);
	}
	cc_sha256_final(h, ret_digest);
	*ret = f;
	return 0;
fail:
	cc_sha256_free(h);
	fetched_release(f, n);
	return cc_error_prefix(err, "building at STEP \"%s\"", st->display);
}

static int copy_step(struct builder *b, struct cur *c, const struct cc_build_step *st, const struct fetched *fetched,
		     cc_error **err)
{
	if (cur_load(b, c, err) < 0)
		return -1;
	_cleanup_free_ char *upper = NULL, *work = NULL, *root = NULL, *stage = NULL;
	_cleanup_free_ char *supper = NULL, *swork = NULL, *sroot = NULL;
	_cleanup_strv_ char **lowers = layer_dirs(b, c->rec), **slowers = NULL, **expanded = NULL;
	_cleanup_close_ int rootfd = -1, srcfd = -1;
	struct cc_image_record *srec = NULL;
	int r = -1;
	if (lowers == NULL)
		return cc_error_set(err, ENOMEM, "copy");
	if (new_dir(b, "u", 0755, &upper, err) < 0 || new_dir(b, "w", 0700, &work, err) < 0 ||
	    new_dir(b, "r", 0755, &root, err) < 0 || new_dir(b, "x", 0700, &stage, err) < 0)
		return -1;
	if (mount_root(b, lowers, upper, work, root, err) < 0)
		return -1;
	rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		cc_error_set(err, errno, "open '%s'", root);
		goto out;
	}
	char *const *sources = st->list;
	const struct cc_ignore *ign = b->ign;
	srcfd = b->ctxfd >= 0 ? fcntl(b->ctxfd, F_DUPFD_CLOEXEC, 3) : -1;
	if (st->from_context >= 0) {
		/* a directory build context (no ignore file applies) */
		cc_closep(&srcfd);
		ign = NULL;
		if (cc_copy_open_root(b->contexts[st->from_context].dir, &srcfd, err) < 0)
			goto out;
	}
	const char *sid = st->from_stage >= 0 ? b->stage_ids[st->from_stage] : st->from_image;
	if (st->from_stage >= 0 || st->from_image) {
		cc_closep(&srcfd);
		ign = NULL;
		if (sid && cc_store_image_get(b->s, sid, &srec, err) < 0)
			goto out;
		slowers = layer_dirs(b, srec);
		if (slowers == NULL) {
			cc_error_set(err, ENOMEM, "copy");
			goto out;
		}
		if (new_dir(b, "u", 0755, &supper, err) < 0 || new_dir(b, "w", 0700, &swork, err) < 0 ||
		    new_dir(b, "r", 0755, &sroot, err) < 0 || mount_root(b, slowers, supper, swork, sroot, err) < 0)
			goto out;
		srcfd = open(sroot, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (srcfd < 0) {
			cc_error_set(err, errno, "open '%s'", sroot);
			goto out;
		}
		char where[300];
		if (st->from_stage >= 0 && b->plan->stages[st->from_stage].name)
			snprintf(where, sizeof(where), "stage '%s'", b->plan->stages[st->from_stage].name);
		else if (st->from_stage >= 0)
			snprintf(where, sizeof(where), "stage %d", st->from_stage);
		else
			snprintf(where, sizeof(where), "image %.19s", st->from_image ? st->from_image : "");
		if (st->list[0] && cc_copy_expand(srcfd, NULL, st->list, where, &expanded, err) < 0)
			goto out;
		sources = expanded;
		size_t n = cc_strv_len(expanded) + st->n_files;
		if (n > 1 && st->value[strlen(st->value) - 1] != '/') {
			cc_error_setk(err, CC_ERR_INVALID, 0,
				      "when using %s with more than one source file, the destination must be a directory and end with a /",
				      cc_instr_name(st->kind));
			goto out;
		}
	}
	struct cc_copy_opts co = { .chmod = st->chmod, .chmod_sym = st->chmod_sym, .extract = st->kind == CC_I_ADD,
				   .stage_dir = stage, .cancel = b->o->cancel };
	if (st->chown && cc_copy_resolve_chown(rootfd, st->chown, &co.uid, &co.gid, err) < 0)
		goto out;
	co.chown = st->chown != NULL;
	const char *wd = json_string_value(json_object_get(json_object_get(c->cfg, "config"), "WorkingDir"));
	if (wd && *wd && cc_copy_mkdir_in_root(rootfd, wd, err) < 0)
		goto out;
	if (cc_copy_run(srcfd, ign, sources, st->files, st->n_files, rootfd, st->value, &co, err) < 0)
		goto out;
	/* ADD URLs: never extracted, 0600 unless --chmod, Last-Modified */
	for (size_t i = 0; fetched && st->urls && st->urls[i]; i++) {
		_cleanup_close_ int ffd = open(fetched[i].path, O_RDONLY | O_CLOEXEC);
		if (ffd < 0) {
			cc_error_set(err, errno, "open '%s'", fetched[i].path);
			goto out;
		}
		if (cc_copy_put_fetched(ffd, fetched[i].name, fetched[i].mtime, rootfd, st->value, st->n_sources, &co, err) < 0)
			goto out;
	}
	r = 0;
out:
	cc_closep(&rootfd);
	cc_closep(&srcfd);
	cc_image_record_free(srec);
	/* unmount before anything is removed: rm -rf would walk into layers */
	if (sroot && unmount_root(b, sroot, r == 0 ? err : NULL) < 0)
		r = -1;
	if (unmount_root(b, root, r == 0 ? err : NULL) < 0)
		r = -1;
	if (r < 0)
		return cc_error_prefix(err, "building at STEP \"%s\"", st->display);
	(void)rmdir(root);
	if (cc_rm_rf(work, err) < 0)
		return -1;
	return commit_layer(b, c, st, upper, err);
}

/* ---- WORKDIR ------------------------------------------------------------------ */

/* WORKDIR makes its directory, as docker and BuildKit do, owned by the
 * current USER (resolved in the image), even when nothing uses it: a layer
 * when it made something, a config-only step when it existed. */
static int workdir_step(struct builder *b, struct cur *c, const struct cc_build_step *st, cc_error **err)
{
	if (cur_load(b, c, err) < 0)
		return -1;
	_cleanup_free_ char *upper = NULL, *work = NULL, *root = NULL;
	_cleanup_strv_ char **lowers = layer_dirs(b, c->rec);
	_cleanup_close_ int rootfd = -1;
	bool created = false;
	int r = -1;
	if (lowers == NULL)
		return cc_error_set(err, ENOMEM, "workdir");
	if (new_dir(b, "u", 0755, &upper, err) < 0 || new_dir(b, "w", 0700, &work, err) < 0 ||
	    new_dir(b, "r", 0755, &root, err) < 0 || mount_root(b, lowers, upper, work, root, err) < 0)
		return -1;
	rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		cc_error_set(err, errno, "open '%s'", root);
		goto out;
	}
	int dfd = cc_open_in_root(rootfd, st->value, O_PATH | O_DIRECTORY);
	if (dfd >= 0) {
		close(dfd);
		r = 0;
		goto out;
	}
	const char *user = json_string_value(json_object_get(json_object_get(c->cfg, "config"), "User"));
	uid_t uid = 0;
	gid_t gid = 0;
	if (user && *user && cc_copy_resolve_chown(rootfd, user, &uid, &gid, err) < 0) {
		cc_error *e = *err;
		*err = NULL;
		cc_error_setk(err, CC_ERR_INVALID, 0, "WORKDIR %s: USER %s: %s", st->value, user,
			      strstr(e->msg, "unable to find") ? strstr(e->msg, "unable to find") : e->msg);
		cc_error_free(e);
		goto out;
	}
	r = cc_copy_mkdir_owned(rootfd, st->value, uid, gid, &created, err);
out:
	cc_closep(&rootfd);
	if (unmount_root(b, root, r == 0 ? err : NULL) < 0)
		r = -1;
	if (r < 0)
		return cc_error_prefix(err, "building at STEP \"%s\"", st->display);
	(void)rmdir(root);
	if (cc_rm_rf(work, err) < 0)
		return -1;
	if (created)
		return commit_layer(b, c, st, upper, err);
	if (cc_rm_rf(upper, err) < 0)
		return -1;
	return commit(b, c, st, NULL, err);
}

/* ---- the steps ---------------------------------------------------------------- */

static void cache_key(const struct builder *b, const char *parent, const struct cc_build_step *st, const char *from_id,
		      const char *fetched,
		      char out[72])
{
	struct cc_sha256 *h = cc_sha256_new();
	static const char v[] = "ccontainer build cache v1\n";
	cc_sha256_update(h, v, sizeof(v) - 1);
	cc_sha256_update(h, parent ? parent : "scratch", strlen(parent ? parent : "scratch") + 1);
	cc_sha256_update(h, st->key, strlen(st->key) + 1);
	if (from_id)
		cc_sha256_update(h, from_id, strlen(from_id) + 1);
	/* RUN --mount from a stage: what that stage built */
	for (size_t i = 0; i < st->n_mounts; i++) {
		const char *sid = st->mounts[i].from_stage >= 0 ? b->stage_ids[st->mounts[i].from_stage] : NULL;
		if (st->mounts[i].from_stage >= 0)
			cc_sha256_update(h, sid ? sid : "scratch", strlen(sid ? sid : "scratch") + 1);
	}
	/* --timestamp changes the layers' file times and the dates */
	if (b->o->timestamp >= 0) {
		char ts[40];
		snprintf(ts, sizeof(ts), "timestamp %lld", (long long)b->o->timestamp);
		cc_sha256_update(h, ts, strlen(ts) + 1);
	}
	if (fetched)
		cc_sha256_update(h, fetched, strlen(fetched) + 1);
	cc_sha256_final(h, out);
}

static int run_stage(struct builder *b, size_t si, cc_error **err)
{
	struct cc_build_stage *bs = &b->plan->stages[si];
	struct cur c = { 0 };
	size_t n_steps = bs->n_steps + 1;
	const char *base = bs->base_stage >= 0 ? b->stage_ids[bs->base_stage] : bs->base_id;
	if (cur_set(&c, base) < 0)
		return cc_error_set(err, ENOMEM, "build");
	c.base = true;
	emit(b, CC_BUILD_EV_STEP, 1, n_steps, bs->display, NULL);
	for (size_t k = 0; k < bs->n_steps; k++) {
		const struct cc_build_step *st = &bs->steps[k];
		if (cancelled(b)) {
			cur_release(&c);
			return cc_error_set(err, EINTR, "build interrupted");
		}
		emit(b, CC_BUILD_EV_STEP, k + 2, n_steps, st->display, NULL);
		if (st->kind == CC_I_ARG)
			continue; /* no image change: its values are in the later steps' keys */
		const char *from_id = st->from_stage >= 0 ? b->stage_ids[st->from_stage] : NULL;
		char key[72], fetched_digest[72];
		struct fetched *fetched = NULL;
		if (st->urls && fetch_urls(b, st, &fetched, fetched_digest, err) < 0) {
			cur_release(&c);
			return -1;
		}
		cache_key(b, c.id, st, st->from_stage >= 0 ? (from_id ? from_id : "scratch") : NULL,
			  fetched ? fetched_digest : NULL, key);
		if (!b->o->no_cache) {
			_cleanup_free_ char *hit = NULL;
			cc_error *e = NULL;
			if (cc_store_cache_get(b->s, key, &hit, &e) == 0) {
				fetched_release(fetched, cc_strv_len(st->urls));
				if (cur_set(&c, hit) < 0) {
					cur_release(&c);
					return cc_error_set(err, ENOMEM, "build");
				}
				emit(b, CC_BUILD_EV_CACHED, k + 2, n_steps, st->display, hit);
				emit(b, CC_BUILD_EV_DONE, k + 2, n_steps, st->display, hit);
				continue;
			}
			if (e->kind != CC_ERR_NOT_FOUND) {
				fetched_release(fetched, cc_strv_len(st->urls));
				cur_release(&c);
				*err = e;
				return -1;
			}
			cc_error_free(e);
		}
		int r;
		if (st->kind == CC_I_RUN)
			r = run_step(b, &c, st, k + 2, n_steps, err);
		else if (st->kind == CC_I_COPY || st->kind == CC_I_ADD)
			r = copy_step(b, &c, st, fetched, err);
		else if (st->kind == CC_I_WORKDIR)
			r = workdir_step(b, &c, st, err);
		else
			r = commit(b, &c, st, NULL, err);
		fetched_release(fetched, cc_strv_len(st->urls));
		if (r < 0 || cc_store_cache_put(b->s, key, c.id, err) < 0) {
			cur_release(&c);
			return -1;
		}
		emit(b, CC_BUILD_EV_DONE, k + 2, n_steps, st->display, c.id);
	}
	if (c.id == NULL && si == b->plan->target) {
		/* FROM scratch and nothing else: an empty image */
		_cleanup_free_ char *created = now_rfc3339(b);
		c.cfg = cc_bcfg_scratch();
		if (created == NULL || c.cfg == NULL) {
			cur_release(&c);
			return cc_error_set(err, ENOMEM, "build");
		}
		json_object_set_new(c.cfg, "created", json_string(created));
		if (cc_bcfg_commit(b->s, c.cfg, NULL, 0, false, &c.id, err) < 0) {
			cur_release(&c);
			return -1;
		}
	}
	b->stage_ids[si] = steal_ptr(&c.id);
	cur_release(&c);
	return 0;
}

/* ---- setup ----------------------------------------------------------------- */

static int read_recipe(struct builder *b, char **ret_path, char **ret_text, size_t *ret_len, cc_error **err)
{
	const char *f = b->o->file;
	if (b->stdin_recipe) {
		*ret_path = strdup("<stdin>");
		*ret_text = steal_ptr(&b->stdin_recipe);
		*ret_len = b->stdin_recipe_len;
		return *ret_path ? 0 : cc_error_set(err, ENOMEM, "read recipe");
	}
	if (f && strcmp(f, "-") == 0) {
		size_t cap = 65536, len = 0;
		char *buf = malloc(cap + 1);
		for (;;) {
			if (buf == NULL)
				return cc_error_set(err, ENOMEM, "read recipe");
			if (len == cap) {
				if (cap > CC_BUILD_MAX_RECIPE) {
					free(buf);
					return cc_error_setk(err, CC_ERR_INVALID, 0, "recipe on stdin larger than %d bytes",
							     CC_BUILD_MAX_RECIPE);
				}
				cap *= 2;
				char *nb = realloc(buf, cap + 1);
				if (nb == NULL)
					free(buf);
				buf = nb;
				continue;
			}
			ssize_t n = read(STDIN_FILENO, buf + len, cap - len);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				int e = errno;
				free(buf);
				return cc_error_set(err, e, "read recipe from stdin");
			}
			if (n == 0)
				break;
			len += (size_t)n;
		}
		buf[len] = '\0';
		*ret_path = strdup("<stdin>");
		*ret_text = buf;
		*ret_len = len;
		return *ret_path ? 0 : cc_error_set(err, ENOMEM, "read recipe");
	}
	_cleanup_free_ char *path = NULL;
	if (f && b->stdin_ctx && f[0] != '/') {
		/* -f names a file of the context that came on stdin */
		if (asprintf(&path, "%s/%s", b->stdin_ctx, f) < 0)
			path = NULL;
	} else if (f) {
		path = strdup(f);
	} else {
		static const char *const names[] = { "Containerfile", "Dockerfile" };
		for (size_t i = 0; i < 2 && path == NULL; i++) {
			char *p = NULL; /* as the user named the context: for messages */
			if (asprintf(&p, "%s/%s", b->stdin_ctx ? b->stdin_ctx : b->o->context ? b->o->context : ".", names[i]) < 0)
				return cc_error_set(err, ENOMEM, "read recipe");
			if (access(p, F_OK) == 0)
				path = p;
			else
				free(p);
		}
		if (path == NULL)
			return cc_error_setk(err, CC_ERR_NOT_FOUND, 0,
					     "no Containerfile or Dockerfile in '%s' (use -f FILE)", b->context);
	}
	if (path == NULL)
		return cc_error_set(err, ENOMEM, "read recipe");
	if (cc_read_file(path, CC_BUILD_MAX_RECIPE, ret_text, ret_len, err) < 0)
		return cc_error_prefix(err, "read recipe");
	*ret_path = steal_ptr(&path);
	return 0;
}

/* build -: stdin is a tar archive (maybe compressed) of the context, or
 * else the recipe with an empty context.  Both land in the staging dir,
 * so the store's lock and staging are taken first.  Bounded: a recipe by
 * CC_BUILD_MAX_RECIPE, an archive by CC_BUILD_MAX_STDIN_CONTEXT bytes. */
#define CC_BUILD_MAX_STDIN_CONTEXT (4LL << 30)
static bool looks_like_archive(const unsigned char *d, size_t n)
{
	return (n >= 2 && d[0] == 0x1f && d[1] == 0x8b) || (n >= 3 && memcmp(d, "BZh", 3) == 0) ||
	       (n >= 6 && memcmp(d, "\xfd" "7zXZ\0", 6) == 0) || (n >= 4 && memcmp(d, "\x28\xb5\x2f\xfd", 4) == 0) ||
	       (n >= 262 && memcmp(d + 257, "ustar", 5) == 0);
}

static int read_stdin_context(struct builder *b, cc_error **err)
{
	if (b->o->file && strcmp(b->o->file, "-") == 0)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "build -: stdin cannot be both the context and the recipe (-f -)");
	if (cc_store_lock(b->s, false, err) < 0 || cc_store_layer_stage(b->s, &b->tmp, err) < 0)
		return -1;
	size_t cap = CC_BUILD_MAX_RECIPE + 1, len = 0;
	_cleanup_free_ char *buf = malloc(cap + 1);
	if (buf == NULL)
		return cc_error_set(err, ENOMEM, "read stdin");
	while (len < cap) {
		ssize_t n = read(STDIN_FILENO, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cc_error_set(err, errno, "read the context from stdin");
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	if (new_dir(b, "ctx", 0755, &b->stdin_ctx, err) < 0)
		return -1;
	if (!looks_like_archive((const unsigned char *)buf, len)) {
		if (len > CC_BUILD_MAX_RECIPE)
			return cc_error_setk(err, CC_ERR_INVALID, 0, "recipe on stdin larger than %d bytes", CC_BUILD_MAX_RECIPE);
		b->stdin_recipe = steal_ptr(&buf);
		b->stdin_recipe_len = len;
		return 0;
	}
	_cleanup_close_ int fd = open(b->tmp, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0)
		return cc_error_set(err, errno, "spool the context from stdin");
	int64_t total = (int64_t)len;
	if (cc_write_all(fd, buf, len) < 0)
		return cc_error_set(err, errno, "spool the context from stdin");
	for (;;) {
		ssize_t n = read(STDIN_FILENO, buf, cap);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cc_error_set(err, errno, "read the context from stdin");
		if (n == 0)
			break;
		total += n;
		if (total > CC_BUILD_MAX_STDIN_CONTEXT)
			return cc_error_setk(err, CC_ERR_INVALID, 0, "context on stdin larger than %lld bytes",
					     (long long)CC_BUILD_MAX_STDIN_CONTEXT);
		if (cc_write_all(fd, buf, (size_t)n) < 0)
			return cc_error_set(err, errno, "spool the context from stdin");
	}
	if (lseek(fd, 0, SEEK_SET) != 0)
		return cc_error_set(err, errno, "spool the context from stdin");
	char diff[72];
	int64_t size;
	if (cc_layer_unpack_fd(fd, b->stdin_ctx, diff, &size, err) < 0)
		return cc_error_prefix(err, "unpack the context from stdin");
	return 0;
}

/* <recipe>.containerignore, <recipe>.dockerignore, then the context's. */
static int read_ignore(struct builder *b, const char *recipe, cc_error **err)
{
	char *cands[4] = { NULL };
	int r = 0;
	if (strcmp(recipe, "<stdin>") != 0 && (asprintf(&cands[0], "%s.containerignore", recipe) < 0 ||
					       asprintf(&cands[1], "%s.dockerignore", recipe) < 0))
		r = cc_error_set(err, ENOMEM, "ignore file");
	if (r == 0 && (asprintf(&cands[2], "%s/.containerignore", b->context) < 0 ||
		       asprintf(&cands[3], "%s/.dockerignore", b->context) < 0))
		r = cc_error_set(err, ENOMEM, "ignore file");
	for (size_t i = 0; r == 0 && i < 4; i++) {
		if (cands[i] == NULL || access(cands[i], F_OK) < 0)
			continue;
		_cleanup_free_ char *text = NULL;
		size_t len = 0;
		if (cc_read_file(cands[i], CC_BUILD_MAX_IGNORE, &text, &len, err) < 0 ||
		    cc_ignore_parse(text, len, &b->ign, err) < 0)
			r = cc_error_prefix(err, "%s", cands[i]);
		break;
	}
	for (size_t i = 0; i < 4; i++)
		free(cands[i]);
	return r;
}

static int source_image(const char *ref, const char *platform, char **ret_id, char **ret_config, void *data,
			cc_error **err)
{
	struct builder *b = data;
	_cleanup_free_ char *id = NULL;
	cc_error *e = NULL;
	/* --build-context NAME=docker-image://REF stands for the image NAME */
	for (size_t i = 0; i < b->o->n_contexts; i++) {
		if (strcasecmp(b->contexts[i].name, ref) != 0)
			continue;
		if (b->contexts[i].image == NULL)
			return cc_error_setk(err, CC_ERR_INVALID, 0,
					     "build context '%s' is a directory: FROM a directory is not supported (COPY --from=%s is)",
					     ref, b->contexts[i].name);
		ref = b->contexts[i].image;
		break;
	}
	bool have = cc_image_resolve(b->s, ref, &id, &e) == 0;
	/* a name that is also an ambiguous ID prefix ("0") is a name to
	 * pull, as for docker, whose lookup by ID prefix just fails */
	if (!have && e->kind == CC_ERR_INVALID && strstr(e->msg, "ambiguous"))
		e->kind = CC_ERR_NOT_FOUND;
	if (!have && e->kind != CC_ERR_NOT_FOUND) {
		*err = e;
		return -1;
	}
	cc_error_free(e);
	e = NULL;
	if (!have && b->o->pull_policy == CC_BUILD_PULL_NEVER)
		return cc_error_setk(err, CC_ERR_NOT_FOUND, 0, "image '%s' is not in the store and --pull=never forbids pulling it",
				     ref);
	const char *hex = cc_str_has_prefix(ref, "sha256:") ? ref + 7 : ref;
	bool by_id = have && strlen(hex) >= 12 && strncmp(id + 7, hex, strlen(hex)) == 0;
	if (!have || (b->o->pull_policy == CC_BUILD_PULL_ALWAYS && !by_id)) {
		free(id);
		id = NULL;
		struct cc_ref *r = NULL;
		if (cc_ref_parse(ref, &r, err) < 0)
			return -1;
		cc_ref_free(r);
		if (b->o->pull) {
			if (b->o->pull(b->s, ref, platform, &id, b->o->pull_data, err) < 0)
				return -1;
		} else {
			struct cc_pull_options po = { .platform = platform, .jobs = 3, .tls_verify = b->o->tls_verify };
			struct cc_pull_result res;
			if (cc_image_pull(b->s, ref, &po, &res, err) < 0)
				return -1;
			id = steal_ptr(&res.image_id);
			cc_pull_result_release(&res);
		}
	}
	struct cc_image_record *rec = NULL;
	size_t len = 0;
	if (cc_store_image_get(b->s, id, &rec, err) < 0)
		return -1;
	int r = cc_store_read_blob(b->s, rec->config_digest, CC_CONFIG_MAX, ret_config, &len, err);
	cc_image_record_free(rec);
	if (r < 0)
		return -1;
	*ret_id = steal_ptr(&id);
	return 0;
}

/* Steps commit OCI images (the cache is shared by both formats); the
 * result gets the manifest --format asked for, unless it has it. */
static int recommit_as(struct builder *b, const char *id, bool docker, char **ret_id, cc_error **err)
{
	struct cur c = { 0 };
	if (cur_set(&c, id) < 0)
		return cc_error_set(err, ENOMEM, "build");
	int rc = cur_load(b, &c, err);
	/* --label: on the result's config, without a history entry (as docker) */
	bool labels = b->o->labels && b->o->labels[0];
	if (rc == 0 && labels) {
		json_t *cfg = json_object_get(c.cfg, "config");
		json_t *l = json_object_get(cfg, "Labels");
		if (!json_is_object(l)) {
			l = json_object();
			if (l == NULL || json_object_set_new(cfg, "Labels", l) < 0)
				rc = cc_error_set(err, ENOMEM, "build");
		}
		for (char *const *kv = b->o->labels; rc == 0 && *kv; kv++) {
			const char *eq = strchr(*kv, '=');
			_cleanup_free_ char *k = strndup(*kv, eq ? (size_t)(eq - *kv) : strlen(*kv));
			if (k == NULL || json_object_set_new(l, k, json_string(eq ? eq + 1 : "")) < 0)
				rc = cc_error_set(err, ENOMEM, "build");
		}
	}
	if (rc == 0 && (labels || (strcmp(c.rec->manifest_media_type, CC_MT_DOCKER_MANIFEST) == 0) != docker)) {
		_cleanup_free_ struct cc_layer_record *layers = calloc(c.rec->n_layers + 1, sizeof(*layers));
		_cleanup_free_ char *nid = NULL;
		if (layers == NULL)
			rc = cc_error_set(err, ENOMEM, "build");
		for (size_t i = 0; layers && i < c.rec->n_layers; i++)
			layers[i] = c.rec->layers[i];
		if (rc == 0)
			rc = cc_bcfg_commit(b->s, c.cfg, layers, c.rec->n_layers, docker, &nid, err);
		if (rc == 0)
			*ret_id = steal_ptr(&nid);
	}
	cur_release(&c);
	return rc;
}

static int normalise_tags(struct builder *b, cc_error **err)
{
	b->tags = calloc(1, sizeof(char *));
	if (b->tags == NULL)
		return cc_error_set(err, ENOMEM, "tags");
	for (char *const *t = b->o->tags; t && *t; t++) {
		struct cc_ref *r = NULL;
		if (cc_ref_parse(*t, &r, err) < 0)
			return cc_error_prefix(err, "invalid tag '%s'", *t);
		bool digest = r->digest != NULL;
		char *name = cc_ref_string(r);
		cc_ref_free(r);
		if (digest) {
			free(name);
			return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid tag '%s': a tag cannot have a digest", *t);
		}
		if (cc_strv_take(&b->tags, name) < 0)
			return cc_error_set(err, ENOMEM, "tags");
	}
	return 0;
}

/* -o/--output: the result's filesystem as a tar (type=tar, "-": stdout)
 * or unpacked into a directory (type=local).  The tar is made in the
 * staging dir first; a file destination appears only when complete. */
static int export_image(struct builder *b, const char *id, const struct cc_build_output *out, cc_error **err)
{
	struct cc_image_record *rec = NULL;
	if (id && cc_store_image_get(b->s, id, &rec, err) < 0)
		return -1;
	_cleanup_strv_ char **lowers = layer_dirs(b, rec);
	cc_image_record_free(rec);
	_cleanup_free_ char *root = NULL, *upper = NULL, *work = NULL, *tarp = NULL;
	if (lowers == NULL || asprintf(&tarp, "%s/export%u.tar", b->tmp, b->seq++) < 0)
		return cc_error_set(err, ENOMEM, "export");
	int r = -1;
	if (new_dir(b, "r", 0755, &root, err) < 0)
		return -1;
	if (lowers[0]) {
		if (new_dir(b, "u", 0755, &upper, err) < 0 || new_dir(b, "w", 0700, &work, err) < 0 ||
		    mount_root(b, lowers, upper, work, root, err) < 0)
			return -1;
	}
	struct cc_pack_opts po = { .clamp_mtime = b->o->timestamp, .plain = true };
	struct cc_packed_layer pl;
	r = cc_layer_pack(root, tarp, &po, &pl, b->o->cancel, err);
	if (lowers[0] && unmount_root(b, root, r == 0 ? err : NULL) < 0)
		r = -1;
	if (r < 0)
		return cc_error_prefix(err, "export the image's filesystem");
	_cleanup_close_ int fd = open(tarp, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cc_error_set(err, errno, "open '%s'", tarp);
	if (out->type == CC_OUTPUT_LOCAL) {
		if (cc_mkdir_p(out->dest, 0755, err) < 0)
			return cc_error_prefix(err, "--output");
		char diff[72];
		int64_t size;
		if (cc_layer_unpack_fd(fd, out->dest, diff, &size, err) < 0)
			return cc_error_prefix(err, "--output '%s'", out->dest);
		return 0;
	}
	bool to_stdout = strcmp(out->dest, "-") == 0;
	_cleanup_free_ char *tmp = NULL;
	if (!to_stdout && asprintf(&tmp, "%s.tmp-%d", out->dest, (int)getpid()) < 0)
		return cc_error_set(err, ENOMEM, "export");
	_cleanup_close_ int ofd = to_stdout ? fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3)
					    : open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (ofd < 0)
		return cc_error_set(err, errno, "--output: create '%s'", to_stdout ? "stdout" : tmp);
	char buf[65536];
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || cc_write_all(ofd, buf, (size_t)n) < 0) {
			int e = errno;
			if (!to_stdout)
				(void)unlink(tmp);
			return cc_error_set(err, e, "--output: write '%s'", out->dest);
		}
	}
	if (!to_stdout && (fsync(ofd) < 0 || rename(tmp, out->dest) < 0)) {
		int e = errno;
		(void)unlink(tmp);
		return cc_error_set(err, e, "--output: write '%s'", out->dest);
	}
	return 0;
}

void cc_build_result_release(struct cc_build_result *r)
{
	if (r == NULL)
		return;
	free(r->image_id);
	r->image_id = NULL;
}

static int build(struct builder *b, struct cc_build_result *ret, cc_error **err)
{
	_cleanup_free_ char *recipe_path = NULL, *text = NULL;
	size_t len = 0;
	if (normalise_tags(b, err) < 0 || read_recipe(b, &recipe_path, &text, &len, err) < 0 ||
	    cc_recipe_parse(recipe_path, text, len, &b->recipe, err) < 0 || read_ignore(b, recipe_path, err) < 0)
		return -1;
	/* --build-arg K=V, or NAME: the value from our environment (as -e) */
	struct cc_env merged = { 0 };
	for (char *const *a = b->o->build_args; a && *a; a++) {
		if (cc_env_set(&merged, *a, err) < 0) {
			cc_env_release(&merged);
			return -1;
		}
	}
	if (cc_env_finish(&merged, err) < 0)
		return -1;
	_cleanup_strv_ char **args = steal_ptr(&merged.v);
	struct cc_platform pf;
	cc_platform_host(&pf);
	char platform[100];
	snprintf(platform, sizeof(platform), "%s/%s%s%s", pf.os, pf.arch, pf.variant[0] ? "/" : "", pf.variant);
	struct cc_plan_options po = { .context = b->context, .ignore = b->ign, .build_args = args, .target = b->o->target,
				      .platform = platform, .source = { .image = source_image, .data = b },
				      .contexts = b->contexts, .n_contexts = b->o->n_contexts };
	if (cc_build_plan(b->recipe, &po, &b->plan, err) < 0)
		return -1;
	if (b->plan->unused_args[0]) {
		struct cc_strbuf sb = { 0 };
		cc_strbuf_addf(&sb, "one or more build args were not consumed:");
		for (char **u = b->plan->unused_args; *u; u++)
			cc_strbuf_addf(&sb, " %s", *u);
		_cleanup_free_ char *msg = cc_strbuf_steal(&sb);
		if (msg)
			emit(b, CC_BUILD_EV_WARNING, 0, 0, msg, NULL);
	}
	if (b->tmp == NULL && (cc_store_lock(b->s, false, err) < 0 || cc_store_layer_stage(b->s, &b->tmp, err) < 0))
		return -1;
	b->stage_ids = calloc(b->plan->n_stages, sizeof(char *));
	if (b->stage_ids == NULL)
		return cc_error_set(err, ENOMEM, "build");
	for (size_t i = 0; i < b->plan->n_stages; i++)
		b->n_stages += b->plan->stages[i].needed;
	for (size_t i = 0; i < b->plan->n_stages; i++) {
		if (!b->plan->stages[i].needed)
			continue;
		b->stage_no++;
		if (run_stage(b, i, err) < 0)
			return -1;
	}
	const char *id = b->plan->stages[b->plan->target].base_id;
	if (b->stage_ids[b->plan->target])
		id = b->stage_ids[b->plan->target];
	_cleanup_free_ char *final = NULL;
	if (id && (b->stage_ids[b->plan->target] || (b->o->labels && b->o->labels[0]))) {
		if (recommit_as(b, id, b->o->docker_format, &final, err) < 0)
			return -1;
		if (final)
			id = final;
	}
	if (b->o->output && export_image(b, id, b->o->output, err) < 0)
		return -1;
	emit(b, CC_BUILD_EV_COMMIT, 0, 0, b->tags[0], id);
	for (char **t = b->tags; *t; t++) {
		if (cc_store_tag_set(b->s, *t, id, NULL, err) < 0)
			return -1;
		emit(b, CC_BUILD_EV_TAGGED, 0, 0, *t, id);
	}
	ret->image_id = strdup(id);
	return ret->image_id ? 0 : cc_error_set(err, ENOMEM, "build");
}

int cc_build(struct cc_store *s, const struct cc_build_options *o, struct cc_build_result *ret, cc_error **err)
{
	struct builder b = { .s = s, .o = o, .ctxfd = -1 };
	*ret = (struct cc_build_result){ 0 };
	int r = -1;
	bool from_stdin = o->context && strcmp(o->context, "-") == 0;
	r = 0;
	if (o->n_contexts && (b.contexts = calloc(o->n_contexts, sizeof(*b.contexts))) == NULL)
		r = cc_error_set(err, ENOMEM, "build");
	/* --build-context directories: absolute, checked now */
	for (size_t i = 0; r == 0 && i < o->n_contexts; i++) {
		b.contexts[i].name = o->contexts[i].name;
		b.contexts[i].image = o->contexts[i].image;
		if (o->contexts[i].dir && (b.contexts[i].dir = realpath(o->contexts[i].dir, NULL)) == NULL)
			r = cc_error_setk(err, errno == ENOENT ? CC_ERR_NOT_FOUND : CC_ERR_GENERIC, errno,
					  "build context '%s': '%s'", o->contexts[i].name, o->contexts[i].dir);
	}
	if (r == 0 && from_stdin && read_stdin_context(&b, err) < 0)
		r = -1;
	if (r == 0 && (b.context = realpath(from_stdin ? b.stdin_ctx : o->context ? o->context : ".", NULL)) == NULL)
		r = cc_error_setk(err, errno == ENOENT ? CC_ERR_NOT_FOUND : CC_ERR_GENERIC, errno, "build context '%s'",
				  o->context ? o->context : ".");
	if (r == 0)
		r = cc_copy_open_root(b.context, &b.ctxfd, err) < 0 ? -1 : build(&b, ret, err);
	for (size_t i = 0; b.contexts && i < o->n_contexts; i++)
		free(b.contexts[i].dir);
	free(b.contexts);
	free(b.stdin_ctx);
	free(b.stdin_recipe);
	ret->run_status = b.run_status;
	for (size_t i = 0; i < MAX_MOUNTS; i++) {
		if (b.mounts[i])
			(void)cc_runtime_unmount_root(b.mounts[i], NULL); /* detached if busy: rm below is safe */
		free(b.mounts[i]);
	}
	if (b.tmp) {
		cc_error *e = NULL;
		if (cc_rm_rf(b.tmp, r == 0 ? err : &e) < 0)
			r = -1;
		cc_error_free(e);
		cc_store_unlock(s);
	}
	if (r < 0)
		cc_build_result_release(ret);
	for (size_t i = 0; b.stage_ids && i < b.plan->n_stages; i++)
		free(b.stage_ids[i]);
	free(b.stage_ids);
	cc_build_plan_free(b.plan);
	cc_recipe_free(b.recipe);
	cc_ignore_free(b.ign);
	cc_strvfreep(&b.tags);
	free(b.hostname_file);
	for (size_t i = 0; i < 2; i++) {
		free(b.hosts_file[i]);
		free(b.resolv_file[i]);
	}
	free(b.extra_hosts);
	free(b.tmp);
	free(b.context);
	cc_closep(&b.ctxfd);
	return r;
}
