/* Parse, then act: the spec is validated and compiled into a plan in the
 * caller's process, before the first namespace or mount syscall, so bad
 * input is a CC_ERR_INVALID error with nothing to undo, and the child (a
 * copy of this process) only executes a list it can trust.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "runtime-internal.h"
#include "security-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

struct tmpfs_flag {
	const char *name;
	unsigned long set, clear;
};

static const struct tmpfs_flag tmpfs_flags[] = {
	{ "ro", MS_RDONLY, 0 },      { "rw", 0, MS_RDONLY },
	{ "nosuid", MS_NOSUID, 0 },  { "suid", 0, MS_NOSUID },
	{ "nodev", MS_NODEV, 0 },    { "dev", 0, MS_NODEV },
	{ "noexec", MS_NOEXEC, 0 },  { "exec", 0, MS_NOEXEC },
	{ "sync", MS_SYNCHRONOUS, 0 }, { "async", 0, MS_SYNCHRONOUS },
	{ "noatime", MS_NOATIME, 0 }, { "atime", 0, MS_NOATIME },
	{ "nodiratime", MS_NODIRATIME, 0 }, { "diratime", 0, MS_NODIRATIME },
	{ "relatime", MS_RELATIME, 0 }, { "norelatime", 0, MS_RELATIME },
	{ "strictatime", MS_STRICTATIME, 0 },
};

int cc_rt_parse_tmpfs_options(const char *opts, unsigned long *ret_flags, char **ret_data,
			      cc_error **err)
{
	/* docker's --tmpfs default: rw,nosuid,nodev,noexec (tmpfs itself
	 * defaults to mode 1777 and half of RAM) */
	unsigned long flags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
	_cleanup_free_ char *copy = strdup(opts != NULL ? opts : "");
	_cleanup_free_ char *data = calloc(1, strlen(opts != NULL ? opts : "") + 1);
	if (copy == NULL || data == NULL)
		return cc_error_set(err, ENOMEM, "parse tmpfs options");
	size_t dl = 0;
	char *save = NULL;
	for (char *tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		bool known = false;
		for (size_t i = 0; i < sizeof(tmpfs_flags) / sizeof(tmpfs_flags[0]); i++) {
			if (strcmp(tok, tmpfs_flags[i].name) == 0) {
				flags = (flags & ~tmpfs_flags[i].clear) | tmpfs_flags[i].set;
				known = true;
				break;
			}
		}
		if (known)
			continue;
		if (strchr(tok, '=') == NULL)
			return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid tmpfs option '%s'", tok);
		if (dl > 0)
			data[dl++] = ',';
		size_t tl = strlen(tok);
		memcpy(data + dl, tok, tl + 1);
		dl += tl;
	}
	*ret_flags = flags;
	*ret_data = steal_ptr(&data);
	return 0;
}

int cc_runtime_parse_propagation(const char *word, unsigned long *flags)
{
	static const struct {
		const char *name;
		unsigned long flags;
	} modes[] = {
		{ "private", MS_PRIVATE }, { "rprivate", MS_PRIVATE | MS_REC },
		{ "shared", MS_SHARED },   { "rshared", MS_SHARED | MS_REC },
		{ "slave", MS_SLAVE },     { "rslave", MS_SLAVE | MS_REC },
	};
	for (size_t i = 0; word != NULL && i < sizeof(modes) / sizeof(modes[0]); i++)
		if (strcmp(word, modes[i].name) == 0) {
			*flags = modes[i].flags;
			return 0;
		}
	return -EINVAL;
}

void cc_rt_plan_release(struct cc_rt_plan *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->n_mounts; i++) {
		free(p->mounts[i].target);
		free(p->mounts[i].data);
	}
	free(p->mounts);
	free((char *)p->cwd);
	free(p->seccomp_filter);
	cc_rt_ns_close(&p->ns);
	*p = (struct cc_rt_plan){ 0 };
}

static int need_abs(const char *what, const char *path, cc_error **err)
{
	if (path == NULL || path[0] != '/')
		return cc_error_setk(err, CC_ERR_INVALID, 0, "%s '%s' is not an absolute path", what,
				     path != NULL ? path : "(null)");
	return 0;
}

static int add_mount(struct cc_rt_plan *p, const struct cc_rt_mount *m, cc_error **err)
{
	struct cc_rt_mount *nm = realloc(p->mounts, (p->n_mounts + 1) * sizeof(*nm));
	if (nm == NULL)
		return cc_error_set(err, ENOMEM, "plan mounts");
	p->mounts = nm;
	p->mounts[p->n_mounts++] = *m;
	return 0;
}

static int add_etc_file(struct cc_rt_plan *p, const char *source, const char *target,
			cc_error **err)
{
	if (source == NULL)
		return 0;
	int r = need_abs("file", source, err);
	if (r < 0)
		return r;
	struct stat st;
	if (stat(source, &st) < 0)
		return cc_error_setk(err, CC_ERR_INVALID, errno, "container file '%s'", source);
	/* With a read-only root these are read-only too, as in docker (which
	 * makes every mount but the user's and /dev, /proc read-only). */
	struct cc_rt_mount m = { .kind = CC_RT_MOUNT_BIND, .source = source, .target = strdup(target),
				 .readonly = p->spec->read_only };
	if (m.target == NULL)
		return cc_error_set(err, ENOMEM, "plan mounts");
	if ((r = add_mount(p, &m, err)) < 0)
		free(m.target);
	return r;
}

/* A user mount's target: absolute, cleaned, not "/", not given twice. */
static int user_target(const struct cc_rt_plan *p, size_t first_user, const char *target,
		       char **ret, cc_error **err)
{
	int r = need_abs("mount target", target, err);
	if (r < 0)
		return r;
	char *clean = cc_rt_clean_path(target);
	if (clean == NULL)
		return cc_error_set(err, ENOMEM, "plan mounts");
	if (strcmp(clean, "/") == 0) {
		free(clean);
		return cc_error_setk(err, CC_ERR_INVALID, 0,
				     "invalid mount config: destination can't be '/'");
	}
	for (size_t i = first_user; i < p->n_mounts; i++) {
		if (strcmp(p->mounts[i].target, clean) == 0) {
			free(clean);
			return cc_error_setk(err, CC_ERR_INVALID, 0, "duplicate mount point: %s", target);
		}
	}
	*ret = clean;
	return 0;
}

/* Stable insertion sort of mounts[from..] by depth: "/a" before "/a/b". */
static void sort_by_depth(struct cc_rt_mount *m, size_t from, size_t n)
{
	for (size_t i = from + 1; i < n; i++) {
		struct cc_rt_mount cur = m[i];
		size_t d = cc_rt_path_depth(cur.target), j = i;
		while (j > from && cc_rt_path_depth(m[j - 1].target) > d) {
			m[j] = m[j - 1];
			j--;
		}
		m[j] = cur;
	}
}

static int build(const struct cc_run_spec *s, struct cc_rt_plan *p, cc_error **err)
{
	int r;
	if (s->argv == NULL || s->argv[0] == NULL)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "no command specified");
	if ((r = need_abs("rootfs dir", s->rootfs_dir, err)) < 0)
		return r;
	if (s->n_lower > 0 && s->lower_dirs == NULL)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "%zu lower dirs but no list", s->n_lower);
	for (size_t i = 0; i < s->n_lower; i++)
		if ((r = need_abs("lower dir", s->lower_dirs[i], err)) < 0)
			return r;
	if (s->n_lower == 0 && s->upper_dir == NULL)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "no layers and no upper dir for the root");
	if (s->upper_dir != NULL && (r = need_abs("upper dir", s->upper_dir, err)) < 0)
		return r;
	if (s->upper_dir != NULL && s->n_lower > 0 && (r = need_abs("work dir", s->work_dir, err)) < 0)
		return r;
	if (s->hostname != NULL && strlen(s->hostname) > HOST_NAME_MAX)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid hostname '%s': longer than %d",
				     s->hostname, HOST_NAME_MAX);
	/* setdomainname's bound, the kernel's __NEW_UTS_LEN as for the host name */
	if (s->domainname != NULL && strlen(s->domainname) > HOST_NAME_MAX)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid domain name '%s': longer than %d",
				     s->domainname, HOST_NAME_MAX);
	if (s->net != CC_NET_NONE && s->net != CC_NET_HOST && s->net != CC_NET_BRIDGE && s->net != CC_NET_JOIN &&
	    s->net != CC_NET_PASTA)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid network mode %d", (int)s->net);
	if (s->net == CC_NET_JOIN && s->netns_fd < 0)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "joining a network namespace needs its fd");

	/* NULL or "" (an image without WorkingDir) is "/", as in docker */
	bool has_cwd = s->cwd != NULL && s->cwd[0] != '\0';
	if (has_cwd && (r = need_abs("working directory", s->cwd, err)) < 0)
		return r;
	p->cwd = cc_rt_clean_path(has_cwd ? s->cwd : "/");
	if (p->cwd == NULL)
		return cc_error_set(err, ENOMEM, "plan");

	if ((r = add_etc_file(p, s->hostname_file, "/etc/hostname", err)) < 0 ||
	    (r = add_etc_file(p, s->hosts_file, "/etc/hosts", err)) < 0 ||
	    (r = add_etc_file(p, s->resolv_file, "/etc/resolv.conf", err)) < 0)
		return r;
	size_t first_user = p->n_mounts;

	for (size_t i = 0; i < s->n_binds; i++) {
		const struct cc_bind_mount *b = &s->binds[i];
		if ((r = need_abs("bind source", b->source, err)) < 0)
			return r;
		struct stat st;
		if (stat(b->source, &st) < 0)
			return cc_error_setk(err, CC_ERR_INVALID, 0,
					     "invalid mount config for type \"bind\": bind source path does not exist: %s",
					     b->source);
		unsigned long prop = b->propagation & ~MS_REC;
		if (b->propagation != 0 && ((b->propagation & ~(MS_REC | MS_PRIVATE | MS_SHARED | MS_SLAVE)) != 0 ||
					    (prop != MS_PRIVATE && prop != MS_SHARED && prop != MS_SLAVE)))
			return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid propagation flags %#lx for bind '%s'",
					     b->propagation, b->target);
		struct cc_rt_mount m = { .kind = CC_RT_MOUNT_BIND, .source = b->source,
					 .source_is_dir = S_ISDIR(st.st_mode), .readonly = b->readonly,
					 .copy_up = b->copy_up && S_ISDIR(st.st_mode),
					 .propagation = b->propagation != 0 ? b->propagation : MS_PRIVATE | MS_REC };
		if (prop == MS_SHARED || prop == MS_SLAVE)
			p->root_slave = true;
		if ((r = user_target(p, first_user, b->target, &m.target, err)) < 0)
			return r;
		if ((r = add_mount(p, &m, err)) < 0) {
			free(m.target);
			return r;
		}
	}
	for (size_t i = 0; i < s->n_tmpfs; i++) {
		const struct cc_tmpfs_mount *t = &s->tmpfs[i];
		struct cc_rt_mount m = { .kind = CC_RT_MOUNT_TMPFS };
		if ((r = cc_rt_parse_tmpfs_options(t->options, &m.flags, &m.data, err)) < 0)
			return r;
		if ((r = user_target(p, first_user, t->target, &m.target, err)) < 0 ||
		    (r = add_mount(p, &m, err)) < 0) {
			free(m.data);
			free(m.target);
			return r;
		}
	}
	sort_by_depth(p->mounts, first_user, p->n_mounts);

	p->clone_flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC;
	if (s->net != CC_NET_HOST && s->net != CC_NET_JOIN)
		p->clone_flags |= CLONE_NEWNET;
	/* what the caller's thread made already, the child joins instead */
	cc_rt_prep_take_ns(s->prepared, p->clone_flags, &p->ns);
	p->clone_flags &= ~p->ns.made;
	if (s->net == CC_NET_JOIN) {
		/* --network container:X: joined like a namespace made ahead (its
		 * lo is up already: the other container brought it up) */
		int fd = fcntl(s->netns_fd, F_DUPFD_CLOEXEC, 3);
		if (fd < 0)
			return cc_error_set(err, errno, "the network namespace to join");
		p->ns.fds[0] = fd; /* prepare.c's kinds[0] */
		p->ns.made |= CLONE_NEWNET;
		p->ns.lo_up = true;
	}
	/* not in clone: see the cgroup step in child.c */
	p->unshare_cgroupns = true;
	struct statfs sf;
	p->host_cgroup2 = statfs("/sys/fs/cgroup", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC;
	/* capabilities, the compiled seccomp program, rlimits, resources */
	return cc_rt_plan_security(s, p, err);
}

int cc_rt_plan_build(const struct cc_run_spec *spec, struct cc_rt_plan *ret, cc_error **err)
{
	if (spec == NULL)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "no run spec");
	struct cc_rt_plan p = { .spec = spec };
	int r = build(spec, &p, err);
	if (r < 0) {
		cc_rt_plan_release(&p);
		return r;
	}
	*ret = p;
	return 0;
}
