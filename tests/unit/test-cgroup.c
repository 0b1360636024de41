/* Unit tests for the container's cgroup (no root needed): layout detection
 * from mountinfo (v2, v1, co-mounted v1, hybrid, none), and the files the
 * v2 and v1 managers write, against a fake cgroupfs in a temporary
 * directory.  The fake tree holds the files the kernel would create (the
 * managers never create files, only directories), all empty at first.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "runtime/cgroup-internal.h"
#include "util/util.h"

#define ID "c0ffee"

struct fake {
	char dir[64];
	char mountinfo[128];
};

static void put(const struct fake *f, const char *rel, const char *content)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", f->dir, rel);
	char *slash = strrchr(path, '/');
	*slash = '\0';
	cc_error *e = NULL;
	assert_int_equal(cc_mkdir_p(path, 0755, &e), 0);
	*slash = '/';
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	close(fd);
}

static char *get(const struct fake *f, const char *rel)
{
	static char buf[4096];
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", f->dir, rel);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n < 0 ? 0 : n] = '\0';
	return buf;
}

static void mountinfo(struct fake *f, const char *text)
{
	snprintf(f->mountinfo, sizeof(f->mountinfo), "%s.mountinfo", f->dir);
	int fd = open(f->mountinfo, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static int setup(void **state)
{
	struct fake *f = calloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/cc-test-cgroup-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fake *f = *state;
	cc_error *e = NULL;
	assert_int_equal(cc_rm_rf(f->dir, &e), 0);
	if (f->mountinfo[0] != '\0')
		unlink(f->mountinfo);
	free(f);
	return 0;
}

static void init(struct fake *f, struct cc_rt_cgroup *cg)
{
	struct cc_rt_cgroup_config cfg = { .mountinfo = f->mountinfo, .root = f->dir };
	cc_error *e = NULL;
	int r = cc_rt_cgroup_init(cg, &cfg, ID, &e);
	if (r < 0)
		fail_msg("init: %s", e->msg);
}

#define V2_MOUNTINFO                                                                             \
	"24 30 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"          \
	"28 24 0:25 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 " \
	"rw,nsdelegate,memory_recursiveprot\n"

/* this machine's layout: v1 controllers and an almost empty unified */
#define HYBRID_MOUNTINFO                                                                      \
	"31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"                 \
	"32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"                \
	"33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"        \
	"34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"          \
	"35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"          \
	"36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices\n"        \
	"37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer\n"        \
	"39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"              \
	"40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"   \
	"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"

static void test_layout_v2(void **state)
{
	struct fake *f = *state;
	mountinfo(f, V2_MOUNTINFO);
	struct cc_rt_cgroup cg;
	init(f, &cg);
	assert_int_equal(cg.layout, CC_RT_CGROUP_V2);
	assert_ptr_equal(cg.ops, &cc_rt_cgroup_v2_ops);
	assert_string_equal(cg.unified, f->dir);
	char want[256];
	snprintf(want, sizeof(want), "%s/ccontainer/" ID, f->dir);
	assert_string_equal(cg.path, want);
	assert_int_equal(cg.n_v1, 0);
	cc_rt_cgroup_release(&cg);
}

static void test_layout_hybrid(void **state)
{
	struct fake *f = *state;
	mountinfo(f, HYBRID_MOUNTINFO);
	struct cc_rt_cgroup cg;
	init(f, &cg);
	assert_int_equal(cg.layout, CC_RT_CGROUP_HYBRID);
	assert_ptr_equal(cg.ops, &cc_rt_cgroup_v1_ops);
	/* cpu, cpuacct, memory, devices, pids; not cpuset, name=systemd, nor
	 * freezer: the unified hierarchy's cgroup.freeze pauses */
	assert_int_equal(cg.n_v1, 5);
	char want[256];
	snprintf(want, sizeof(want), "%s/memory/ccontainer/" ID, f->dir);
	bool found = false;
	for (size_t i = 0; i < cg.n_v1; i++)
		if (cg.v1[i].controllers == CC_RT_CG_MEMORY) {
			assert_string_equal(cg.v1[i].path, want);
			found = true;
		}
	assert_true(found);
	snprintf(want, sizeof(want), "%s/unified/ccontainer/" ID, f->dir);
	assert_string_equal(cg.path, want);
	cc_rt_cgroup_release(&cg);
}

static void test_layout_v1_comounted_and_escaped(void **state)
{
	struct fake *f = *state;
	mountinfo(f, "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:9 - cgroup cgroup rw,cpu,cpuacct\n"
		     "33 31 0:29 / /mnt/cpu\\040copy rw,relatime - cgroup cgroup rw,cpu,cpuacct\n"
		     "35 31 0:32 / /srv/cg\\040mem rw,relatime - cgroup cgroup rw,memory\n");
	struct cc_rt_cgroup cg;
	init(f, &cg);
	assert_int_equal(cg.layout, CC_RT_CGROUP_V1);
	assert_int_equal(cg.n_v1, 2); /* the second mount of cpu,cpuacct is the same hierarchy */
	assert_int_equal(cg.v1[0].controllers, CC_RT_CG_CPU | CC_RT_CG_CPUACCT);
	char want[256];
	snprintf(want, sizeof(want), "%s/cpu,cpuacct", f->dir);
	assert_string_equal(cg.v1[0].mount, want);
	/* outside /sys/fs/cgroup: taken as it is, unescaped */
	assert_string_equal(cg.v1[1].mount, "/srv/cg mem");
	assert_null(cg.path);
	cc_rt_cgroup_release(&cg);
}

static void test_layout_none(void **state)
{
	struct fake *f = *state;
	mountinfo(f, "24 30 0:22 / /sys rw - sysfs sysfs rw\n");
	struct cc_rt_cgroup cg;
	init(f, &cg);
	assert_int_equal(cg.layout, CC_RT_CGROUP_NONE);
	cc_error *e = NULL;
	struct cc_resources none = { 0 }, mem = { .memory = 64 << 20 };
	assert_int_equal(cc_rt_cgroup_create(&cg, &none, false, &e), 0);
	assert_true(cc_rt_cgroup_create(&cg, &mem, false, &e) < 0);
	assert_non_null(strstr(e->msg, "need cgroups"));
	cc_error_clear(&e);
	assert_int_equal(cc_rt_cgroup_destroy(&cg, &e), 0);
	cc_rt_cgroup_release(&cg);

	struct cc_rt_cgroup_config cfg = { .mountinfo = f->mountinfo, .root = f->dir };
	assert_true(cc_rt_cgroup_init(&cg, &cfg, "../escape", &e) < 0);
	assert_int_equal(e->kind, CC_ERR_INVALID);
	cc_error_clear(&e);
	cc_rt_cgroup_release(&cg);
}

/* the files the kernel would give the root, ccontainer and the container */
static void v2_tree(struct fake *f, bool swap)
{
	put(f, "cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n");
	put(f, "cgroup.subtree_control", "");
	put(f, "ccontainer/cgroup.subtree_control", "");
	static const char *const files[] = { "memory.max", "cpu.max", "cpu.weight", "pids.max",
					     "cgroup.procs", "memory.events" };
	char rel[128];
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(rel, sizeof(rel), "ccontainer/" ID "/%s", files[i]);
		put(f, rel, "");
	}
	if (swap)
		put(f, "ccontainer/" ID "/memory.swap.max", "");
}

static void test_v2_create_writes_limits(void **state)
{
	struct fake *f = *state;
	mountinfo(f, V2_MOUNTINFO);
	v2_tree(f, true);
	struct cc_rt_cgroup cg;
	init(f, &cg);
	struct cc_resources res = { .memory = 64 << 20, .memory_swap = 96 << 20, .cpu_quota = 50000,
				    .cpu_period = 100000, .cpu_shares = 512, .pids_limit = 20 };
	cc_error *e = NULL;
	if (cc_rt_cgroup_create(&cg, &res, false, &e) < 0)
		fail_msg("create: %s", e->msg);
	assert_string_equal(get(f, "ccontainer/" ID "/memory.max"), "67108864");
	/* v2 limits swap alone: memory-swap minus memory */
	assert_string_equal(get(f, "ccontainer/" ID "/memory.swap.max"), "33554432");
	assert_string_equal(get(f, "ccontainer/" ID "/cpu.max"), "50000 100000");
	/* 1 + ((512 - 2) * 9999) / 262142 */
	assert_string_equal(get(f, "ccontainer/" ID "/cpu.weight"), "20");
	assert_string_equal(get(f, "ccontainer/" ID "/pids.max"), "20");
	assert_string_equal(get(f, "cgroup.subtree_control"), "+cpu +memory +pids +io");
	assert_string_equal(get(f, "ccontainer/cgroup.subtree_control"), "+cpu +memory +pids +io");

	/* the child's own move: clone into the directory, or "0" to cgroup.procs */
	assert_int_equal(cc_rt_cgroup_open_join(&cg, &e), 0);
	assert_true(cc_rt_cgroup_clone_fd(&cg) >= 0);
	assert_int_equal(cc_rt_cgroup_join(&cg, true, &e), 0);
	assert_string_equal(get(f, "ccontainer/" ID "/cgroup.procs"), "");
	assert_int_equal(cc_rt_cgroup_join(&cg, false, &e), 0);
	assert_string_equal(get(f, "ccontainer/" ID "/cgroup.procs"), "0");

	bool oom = true;
	put(f, "ccontainer/" ID "/memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 0\n");
	assert_int_equal(cc_rt_cgroup_oom_killed(&cg, &oom, &e), 0);
	assert_false(oom);
	put(f, "ccontainer/" ID "/memory.events", "low 0\nhigh 0\nmax 9\noom 2\noom_kill 1\noom_group_kill 0\n");
	assert_int_equal(cc_rt_cgroup_oom_killed(&cg, &oom, &e), 0);
	assert_true(oom);
	cc_rt_cgroup_release(&cg);
}

static void test_v2_unlimited_and_defaults(void **state)
{
	struct fake *f = *state;
	mountinfo(f, V2_MOUNTINFO);
	v2_tree(f, true);
	/* controllers already enabled in the root: nothing written there */
	put(f, "cgroup.subtree_control", "cpu io memory pids\n");
	struct cc_rt_cgroup cg;
	init(f, &cg);
	struct cc_resources res = { .memory = 64 << 20, .memory_swap = -1, .pids_limit = -1 };
	cc_error *e = NULL;
	assert_int_equal(cc_rt_cgroup_create(&cg, &res, false, &e), 0);
	assert_string_equal(get(f, "ccontainer/" ID "/memory.swap.max"), "max");
	assert_string_equal(get(f, "ccontainer/" ID "/pids.max"), "max");
	assert_string_equal(get(f, "ccontainer/" ID "/cpu.max"), "");   /* untouched */
	assert_string_equal(get(f, "ccontainer/" ID "/cpu.weight"), ""); /* untouched */
	assert_string_equal(get(f, "cgroup.subtree_control"), "cpu io memory pids\n");
	cc_rt_cgroup_release(&cg);
}

static void test_v2_missing_swap_file_tolerated(void **state)
{
	struct fake *f = *state;
	mountinfo(f, V2_MOUNTINFO);
	v2_tree(f, false); /* a kernel without swap accounting */
	struct cc_rt_cgroup cg;
	init(f, &cg);
	struct cc_resources res = { .memory = 32 << 20, .memory_swap = 64 << 20 };
	cc_error *e = NULL;
	if (cc_rt_cgroup_create(&cg, &res, false, &e) < 0)
		fail_msg("create: %s", e->msg);
	assert_string_equal(get(f, "ccontainer/" ID "/memory.max"), "33554432");
	cc_rt_cgroup_release(&cg);
}

static void test_v2_missing_controller(void **state)
{
	struct fake *f = *state;
	mountinfo(f, V2_MOUNTINFO);
	v2_tree(f, true);
	put(f, "cgroup.controllers", "cpu memory\n");
	struct cc_rt_cgroup cg;
	init(f, &cg);
	struct cc_resources res = { .pids_limit = 10 };
	cc_error *e = NULL;
	assert_true(cc_rt_cgroup_create(&cg, &res, false, &e) < 0);
	assert_non_null(strstr(e->msg, "pids cgroup controller is not available"));
	cc_error_clear(&e);
	/* without a pids limit the missing controller does not matter */
	struct cc_resources mem = { .memory = 8 << 20 };
	assert_int_equal(cc_rt_cgroup_create(&cg, &mem, false, &e), 0);
	assert_string_equal(get(f, "cgroup.subtree_control"), "+cpu +memory");
	cc_rt_cgroup_release(&cg);
}

static void test_shares_to_weight(void **state)
{
	(void)state;
	assert_int_equal(cc_rt_cg_shares_to_weight(2), 1);
	assert_int_equal(cc_rt_cg_shares_to_weight(1024), 39);
	assert_int_equal(cc_rt_cg_shares_to_weight(262144), 10000);
	assert_int_equal(cc_rt_cg_shares_to_weight(0), 1);
	assert_int_equal(cc_rt_cg_shares_to_weight(1u << 30), 10000);
}

static void test_v1_create_writes_limits(void **state)
{
	struct fake *f = *state;
	mountinfo(f, HYBRID_MOUNTINFO);
	static const char *const files[] = {
		"memory/ccontainer/" ID "/memory.limit_in_bytes",
		"memory/ccontainer/" ID "/memory.memsw.limit_in_bytes",
		"memory/ccontainer/" ID "/memory.oom_control",
		"memory/ccontainer/" ID "/cgroup.procs",
		"memory/ccontainer/" ID "/tasks",
		"cpu/ccontainer/" ID "/cpu.shares",
		"cpu/ccontainer/" ID "/cpu.cfs_period_us",
		"cpu/ccontainer/" ID "/cpu.cfs_quota_us",
		"cpu/ccontainer/" ID "/cgroup.procs",
		"cpu/ccontainer/" ID "/tasks",
		"cpuacct/ccontainer/" ID "/cgroup.procs",
		"cpuacct/ccontainer/" ID "/tasks",
		"pids/ccontainer/" ID "/pids.max",
		"pids/ccontainer/" ID "/cgroup.procs",
		"pids/ccontainer/" ID "/tasks",
		"devices/ccontainer/" ID "/devices.deny",
		"devices/ccontainer/" ID "/devices.allow",
		"devices/ccontainer/" ID "/cgroup.procs",
		"devices/ccontainer/" ID "/tasks",
		"unified/ccontainer/" ID "/cgroup.procs",
	};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		put(f, files[i], "");
	struct cc_rt_cgroup cg;
	init(f, &cg);
	struct cc_resources res = { .memory = 32 << 20, .memory_swap = 64 << 20, .cpu_quota = 50000,
				    .cpu_period = 100000, .cpu_shares = 512, .pids_limit = 20 };
	cc_error *e = NULL;
	if (cc_rt_cgroup_create(&cg, &res, false, &e) < 0)
		fail_msg("create: %s", e->msg);
	assert_string_equal(get(f, "memory/ccontainer/" ID "/memory.limit_in_bytes"), "33554432");
	/* v1 limits memory + swap together */
	assert_string_equal(get(f, "memory/ccontainer/" ID "/memory.memsw.limit_in_bytes"), "67108864");
	assert_string_equal(get(f, "cpu/ccontainer/" ID "/cpu.shares"), "512");
	assert_string_equal(get(f, "cpu/ccontainer/" ID "/cpu.cfs_period_us"), "100000");
	assert_string_equal(get(f, "cpu/ccontainer/" ID "/cpu.cfs_quota_us"), "50000");
	assert_string_equal(get(f, "pids/ccontainer/" ID "/pids.max"), "20");
	assert_string_equal(get(f, "devices/ccontainer/" ID "/devices.deny"), "a");

	/* v1: "0" to every hierarchy's tasks (the fast self-move); the
	 * unified part by clone, or else "0" to its cgroup.procs */
	assert_int_equal(cc_rt_cgroup_open_join(&cg, &e), 0);
	assert_true(cc_rt_cgroup_clone_fd(&cg) >= 0);
	assert_int_equal(cc_rt_cgroup_join(&cg, true, &e), 0);
	assert_string_equal(get(f, "memory/ccontainer/" ID "/tasks"), "0");
	assert_string_equal(get(f, "devices/ccontainer/" ID "/tasks"), "0");
	assert_string_equal(get(f, "memory/ccontainer/" ID "/cgroup.procs"), "");
	assert_string_equal(get(f, "unified/ccontainer/" ID "/cgroup.procs"), "");
	assert_int_equal(cc_rt_cgroup_join(&cg, false, &e), 0);
	assert_string_equal(get(f, "unified/ccontainer/" ID "/cgroup.procs"), "0");

	bool oom = false;
	put(f, "memory/ccontainer/" ID "/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n");
	assert_int_equal(cc_rt_cgroup_oom_killed(&cg, &oom, &e), 0);
	assert_true(oom);
	cc_rt_cgroup_release(&cg);
}

/* --- pause: the freezers ---------------------------------------------------- */

#define V1_FREEZER_MOUNTINFO                                                                  \
	"32 31 0:29 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"          \
	"37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer\n"

static void test_v2_freeze_thaw(void **state)
{
	struct fake *f = *state;
	mountinfo(f, V2_MOUNTINFO);
	put(f, "ccontainer/" ID "/cgroup.freeze", "0\n");
	/* the kernel's answer, written ahead: the wait reads it */
	put(f, "ccontainer/" ID "/cgroup.events", "populated 1\nfrozen 1\n");
	struct cc_rt_cgroup cg;
	init(f, &cg);
	cc_error *e = NULL;
	if (cc_rt_cgroup_freeze(&cg, true, 100, &e) < 0)
		fail_msg("freeze: %s", e->msg);
	assert_string_equal(get(f, "ccontainer/" ID "/cgroup.freeze"), "1\n");
	bool frozen = false;
	assert_int_equal(cc_rt_cgroup_frozen(&cg, &frozen, &e), 0);
	assert_true(frozen);
	/* thawing waits for "frozen 0" */
	assert_true(cc_rt_cgroup_freeze(&cg, false, 30, &e) < 0);
	assert_int_equal(e->errnum, ETIMEDOUT);
	cc_error_clear(&e);
	put(f, "ccontainer/" ID "/cgroup.events", "populated 1\nfrozen 0\n");
	assert_int_equal(cc_rt_cgroup_freeze(&cg, false, 100, &e), 0);
	assert_string_equal(get(f, "ccontainer/" ID "/cgroup.freeze"), "0\n");
	assert_int_equal(cc_rt_cgroup_frozen(&cg, &frozen, &e), 0);
	assert_false(frozen);
	/* a freeze the kernel never completes is undone */
	assert_true(cc_rt_cgroup_freeze(&cg, true, 30, &e) < 0);
	assert_non_null(strstr(e->msg, "did not freeze"));
	cc_error_clear(&e);
	assert_string_equal(get(f, "ccontainer/" ID "/cgroup.freeze"), "0\n");
	cc_rt_cgroup_release(&cg);
}

/* update: only the limits given are written, into the existing cgroup */
static void test_v2_update(void **state)
{
	struct fake *f = *state;
	mountinfo(f, V2_MOUNTINFO);
	put(f, "ccontainer/" ID "/memory.max", "33554432\n");
	put(f, "ccontainer/" ID "/pids.max", "20\n");
	put(f, "ccontainer/" ID "/cpu.max", "max 100000\n");
	struct cc_rt_cgroup cg;
	init(f, &cg);
	cc_error *e = NULL;
	const struct cc_resources res = { .memory = 67108864, .cpu_quota = 50000, .cpu_period = 100000 };
	if (cg.ops->update(&cg, &res, &e) < 0)
		fail_msg("update: %s", e->msg);
	assert_string_equal(get(f, "ccontainer/" ID "/memory.max"), "67108864\n");
	assert_string_equal(get(f, "ccontainer/" ID "/cpu.max"), "50000 100000"); /* written over "max 100000\n" */
	assert_string_equal(get(f, "ccontainer/" ID "/pids.max"), "20\n");
	cc_rt_cgroup_release(&cg);
}

static void test_hybrid_freezes_unified(void **state)
{
	struct fake *f = *state;
	mountinfo(f, HYBRID_MOUNTINFO);
	put(f, "unified/ccontainer/" ID "/cgroup.freeze", "0");
	put(f, "unified/ccontainer/" ID "/cgroup.events", "populated 1\nfrozen 1\n");
	struct cc_rt_cgroup cg;
	init(f, &cg);
	for (size_t i = 0; i < cg.n_v1; i++)
		assert_int_not_equal(cg.v1[i].controllers, CC_RT_CG_FREEZER);
	cc_error *e = NULL;
	if (cc_rt_cgroup_freeze(&cg, true, 100, &e) < 0)
		fail_msg("freeze: %s", e->msg);
	assert_string_equal(get(f, "unified/ccontainer/" ID "/cgroup.freeze"), "1");
	cc_rt_cgroup_release(&cg);
}

static void test_v1_freezer(void **state)
{
	struct fake *f = *state;
	mountinfo(f, V1_FREEZER_MOUNTINFO);
	put(f, "freezer/ccontainer/" ID "/freezer.state", "THAWED\n");
	struct cc_rt_cgroup cg;
	init(f, &cg);
	assert_int_equal(cg.layout, CC_RT_CGROUP_V1);
	assert_int_equal(cg.n_v1, 2); /* no unified hierarchy: the freezer is joined */
	cc_error *e = NULL;
	bool frozen = true;
	assert_int_equal(cc_rt_cgroup_frozen(&cg, &frozen, &e), 0);
	assert_false(frozen);
	if (cc_rt_cgroup_freeze(&cg, true, 100, &e) < 0)
		fail_msg("freeze: %s", e->msg);
	assert_string_equal(get(f, "freezer/ccontainer/" ID "/freezer.state"), "FROZEN\n");
	assert_int_equal(cc_rt_cgroup_frozen(&cg, &frozen, &e), 0);
	assert_true(frozen);
	/* FREEZING counts as paused */
	put(f, "freezer/ccontainer/" ID "/freezer.state", "FREEZING\n");
	assert_int_equal(cc_rt_cgroup_frozen(&cg, &frozen, &e), 0);
	assert_true(frozen);
	put(f, "freezer/ccontainer/" ID "/freezer.state", "FROZEN\n"); /* a fake file keeps a longer tail */
	assert_int_equal(cc_rt_cgroup_freeze(&cg, false, 100, &e), 0);
	assert_string_equal(get(f, "freezer/ccontainer/" ID "/freezer.state"), "THAWED\n");
	cc_rt_cgroup_release(&cg);
}

static void test_no_freezer(void **state)
{
	struct fake *f = *state;
	mountinfo(f, "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n");
	struct cc_rt_cgroup cg;
	init(f, &cg);
	cc_error *e = NULL;
	assert_true(cc_rt_cgroup_freeze(&cg, true, 10, &e) < 0);
	assert_int_equal(e->errnum, ENOTSUP);
	cc_error_clear(&e);
	cc_rt_cgroup_release(&cg);
}

/* --- top and stats ------------------------------------------------------------ */

static void test_procs_sorted(void **state)
{
	struct fake *f = *state;
	mountinfo(f, V2_MOUNTINFO);
	put(f, "ccontainer/" ID "/cgroup.procs", "12\n3\n7\n");
	struct cc_rt_cgroup cg;
	init(f, &cg);
	pid_t *pids = NULL;
	size_t n = 0;
	cc_error *e = NULL;
	assert_int_equal(cc_rt_cgroup_procs(&cg, &pids, &n, &e), 0);
	assert_int_equal(n, 3);
	assert_int_equal(pids[0], 3);
	assert_int_equal(pids[1], 7);
	assert_int_equal(pids[2], 12);
	free(pids);
	cc_rt_cgroup_release(&cg);
}

static void test_parsers(void **state)
{
	(void)state;
	bool found = false;
	const char *mstat = "anon 4096\nfile 8192\nkernel_stack 16384\ninactive_file 2048\nactive_file 6144\n";
	assert_int_equal(cc_rt_cg_key_value(mstat, "inactive_file", &found), 2048);
	assert_true(found);
	assert_int_equal(cc_rt_cg_key_value(mstat, "file", NULL), 8192); /* not "file_mapped" */
	assert_int_equal(cc_rt_cg_key_value(mstat, "shmem", &found), 0);
	assert_false(found);
	assert_true(cc_rt_cg_u64("max\n") == UINT64_MAX);
	assert_int_equal(cc_rt_cg_u64("1048576\n"), 1048576);
	assert_int_equal(cc_rt_cg_u64("junk"), 0);

	uint64_t rd = 1, wr = 1;
	cc_rt_cg_parse_io_stat("8:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n"
			       "253:0 rbytes=100 wbytes=1 rios=1 wios=1 dbytes=5 dios=1\n",
			       &rd, &wr);
	assert_int_equal(rd, 4196);
	assert_int_equal(wr, 8193);
	cc_rt_cg_parse_io_stat("", &rd, &wr);
	assert_int_equal(rd + wr, 0);
	cc_rt_cg_parse_blkio("8:0 Read 4096\n8:0 Write 512\n8:0 Sync 4608\n8:0 Async 0\n8:0 Discard 0\n"
			     "8:0 Total 4608\n8:16 Read 1\n8:16 Write 2\nTotal 4611\n",
			     &rd, &wr);
	assert_int_equal(rd, 4097);
	assert_int_equal(wr, 514);
}

static void test_v2_stats(void **state)
{
	struct fake *f = *state;
	mountinfo(f, V2_MOUNTINFO);
	put(f, "ccontainer/" ID "/cpu.stat", "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n");
	put(f, "ccontainer/" ID "/memory.current", "10485760\n");
	put(f, "ccontainer/" ID "/memory.stat", "anon 8388608\nfile 2097152\ninactive_file 1048576\n");
	put(f, "ccontainer/" ID "/memory.max", "max\n");
	put(f, "ccontainer/" ID "/io.stat", "8:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n");
	put(f, "ccontainer/" ID "/pids.current", "3\n");
	struct cc_rt_cgroup cg;
	init(f, &cg);
	struct cc_cgroup_stats st;
	cc_error *e = NULL;
	const uint64_t host = 8ULL << 30;
	assert_int_equal(cc_rt_cgroup_stats(&cg, host, &st, &e), 0);
	assert_int_equal(st.cpu_ns, 1500000);
	assert_int_equal(st.mem_usage, 10485760 - 1048576);
	assert_true(st.mem_limit == host); /* "max": the host's */
	assert_int_equal(st.blk_read, 4096);
	assert_int_equal(st.blk_write, 8192);
	assert_int_equal(st.pids, 3);
	put(f, "ccontainer/" ID "/memory.max", "33554432\n");
	assert_int_equal(cc_rt_cgroup_stats(&cg, host, &st, &e), 0);
	assert_int_equal(st.mem_limit, 33554432);
	/* a controller not enabled there: its files are missing, zeros */
	char path[512];
	snprintf(path, sizeof(path), "%s/ccontainer/" ID "/io.stat", f->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/ccontainer/" ID "/pids.current", f->dir);
	unlink(path);
	assert_int_equal(cc_rt_cgroup_stats(&cg, host, &st, &e), 0);
	assert_int_equal(st.blk_read + st.blk_write + st.pids, 0);
	assert_int_equal(st.cpu_ns, 1500000);
	cc_rt_cgroup_release(&cg);
}

static void test_v1_stats(void **state)
{
	struct fake *f = *state;
	mountinfo(f, HYBRID_MOUNTINFO "38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio\n");
	put(f, "cpuacct/ccontainer/" ID "/cpuacct.usage", "123456789\n");
	put(f, "memory/ccontainer/" ID "/memory.usage_in_bytes", "5242880\n");
	put(f, "memory/ccontainer/" ID "/memory.stat", "cache 4096\ninactive_file 1\ntotal_inactive_file 1048576\n");
	put(f, "memory/ccontainer/" ID "/memory.limit_in_bytes", "9223372036854771712\n");
	put(f, "blkio/ccontainer/" ID "/blkio.throttle.io_service_bytes_recursive",
	    "8:0 Read 4096\n8:0 Write 512\n8:0 Sync 4608\n8:0 Async 0\n8:0 Total 4608\nTotal 4608\n");
	put(f, "pids/ccontainer/" ID "/pids.current", "2\n");
	struct cc_rt_cgroup cg;
	init(f, &cg);
	assert_int_equal(cg.n_v1, 6); /* blkio joined too */
	struct cc_cgroup_stats st;
	cc_error *e = NULL;
	const uint64_t host = 8ULL << 30;
	assert_int_equal(cc_rt_cgroup_stats(&cg, host, &st, &e), 0);
	assert_int_equal(st.cpu_ns, 123456789);
	assert_int_equal(st.mem_usage, 5242880 - 1048576);
	assert_true(st.mem_limit == host); /* v1's "unlimited" is a huge number */
	assert_int_equal(st.blk_read, 4096);
	assert_int_equal(st.blk_write, 512);
	assert_int_equal(st.pids, 2);
	put(f, "memory/ccontainer/" ID "/memory.limit_in_bytes", "67108864\n");
	assert_int_equal(cc_rt_cgroup_stats(&cg, host, &st, &e), 0);
	assert_int_equal(st.mem_limit, 67108864);
	cc_rt_cgroup_release(&cg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_layout_v2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_layout_hybrid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_layout_v1_comounted_and_escaped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_layout_none, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_create_writes_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_unlimited_and_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_missing_swap_file_tolerated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_missing_controller, setup, teardown),
		cmocka_unit_test(test_shares_to_weight),
		cmocka_unit_test_setup_teardown(test_v1_create_writes_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_freeze_thaw, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_update, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hybrid_freezes_unified, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v1_freezer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_freezer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_procs_sorted, setup, teardown),
		cmocka_unit_test(test_parsers),
		cmocka_unit_test_setup_teardown(test_v2_stats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v1_stats, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
