/* Unit tests for lib/runtime's pure parts (no root needed): user and group
 * resolution, PATH lookup classification, path handling inside a root fd,
 * the plan (validation), the legacy overlay options, the sync messages and
 * the masked path list.  Each fs test builds its own tree under a mkdtemp
 * directory and runs with openat2 and with the userspace fallback.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cmocka.h>

#include "runtime/runtime-internal.h"
#include "util/util.h"

struct tree {
	char dir[64];
	int fd;
};

static void write_file(const struct tree *t, const char *rel, const char *content, mode_t mode)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", t->dir, rel);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	assert_true(fd >= 0);
	assert_int_equal(cc_write_all(fd, content, strlen(content)), 0);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void make_dir(const struct tree *t, const char *rel)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", t->dir, rel);
	cc_error *err = NULL;
	assert_int_equal(cc_mkdir_p(path, 0755, &err), 0);
}

static void make_link(const struct tree *t, const char *target, const char *rel)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", t->dir, rel);
	assert_int_equal(symlink(target, path), 0);
}

static const char passwd[] =
	"root:x:0:0:root:/root:/bin/sh\n"
	"# a comment\n"
	"daemon:x:2:2:daemon:/sbin:/sbin/nologin\n"
	"broken line\n"
	"app:x:1000:1000:App:/home/app:/bin/sh\n"
	"nohome:x:1001:1001::/:/bin/sh\n"
	"nobody:x:65534:65534:nobody:/:/sbin/nologin\n";

static const char group[] =
	"root:x:0:root\n"
	"bin:x:1:root,bin,daemon\n"
	"daemon:x:2:root,bin,daemon\n"
	"wheel:x:10:root,app\n"
	"app:x:1000:\n"
	"staff:x:50:app\n"
	"nogroup:x:65534:\n";

static int setup_tree(void **state)
{
	struct tree *t = calloc(1, sizeof(*t));
	strcpy(t->dir, "/tmp/cc-test-runtime-XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	make_dir(t, "etc");
	write_file(t, "etc/passwd", passwd, 0644);
	write_file(t, "etc/group", group, 0644);
	make_dir(t, "bin");
	make_dir(t, "usr/bin");
	make_dir(t, "bin/adir");
	write_file(t, "bin/exe", "#!/bin/sh\n", 0755);
	write_file(t, "bin/noexec", "data\n", 0644);
	write_file(t, "usr/bin/exe2", "#!/bin/sh\n", 0700);
	write_file(t, "usr/bin/noexec", "#!/bin/sh\n", 0755); /* shadowed by /bin/noexec */
	t->fd = open(t->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(t->fd >= 0);
	cc_rt_no_openat2 = false;
	*state = t;
	return 0;
}

static int teardown_tree(void **state)
{
	struct tree *t = *state;
	cc_error *err = NULL;
	close(t->fd);
	assert_int_equal(cc_rm_rf(t->dir, &err), 0);
	free(t);
	cc_rt_no_openat2 = false;
	return 0;
}

/* Run a test body twice: with openat2, then with the userspace fallback. */
#define BOTH_RESOLVERS(body)                  \
	do {                                  \
		cc_rt_no_openat2 = false;     \
		body;                         \
		cc_rt_no_openat2 = true;      \
		body;                         \
		cc_rt_no_openat2 = false;     \
	} while (0)

/* --- users ----------------------------------------------------------------- */

static void resolve_ok(int rootfd, const char *spec, struct cc_rt_user *u)
{
	cc_error *err = NULL;
	int r = cc_rt_resolve_user(rootfd, spec, u, &err);
	if (r < 0)
		fail_msg("resolve '%s': %s", spec ? spec : "(null)", err->msg);
}

static bool has_group(const struct cc_rt_user *u, gid_t g)
{
	for (size_t i = 0; i < u->n_groups; i++)
		if (u->groups[i] == g)
			return true;
	return false;
}

static void test_user_root_default(void **state)
{
	struct tree *t = *state;
	BOTH_RESOLVERS({
		struct cc_rt_user u;
		resolve_ok(t->fd, NULL, &u);
		assert_int_equal(u.uid, 0);
		assert_int_equal(u.gid, 0);
		assert_string_equal(u.home, "/root");
		assert_string_equal(u.name, "root");
		/* docker's `id` as root: every group listing root */
		assert_int_equal(u.n_groups, 4);
		assert_int_equal(u.groups[0], 0);
		assert_true(has_group(&u, 0) && has_group(&u, 1) && has_group(&u, 2) && has_group(&u, 10));
		cc_rt_user_release(&u);
		resolve_ok(t->fd, "", &u);
		assert_int_equal(u.uid, 0);
		cc_rt_user_release(&u);
	});
}

static void test_user_by_name_and_uid(void **state)
{
	struct tree *t = *state;
	struct cc_rt_user u;
	resolve_ok(t->fd, "nobody", &u);
	assert_int_equal(u.uid, 65534);
	assert_int_equal(u.gid, 65534);
	assert_string_equal(u.home, "/");
	/* docker: the primary group is always a supplementary group too */
	assert_int_equal(u.n_groups, 1);
	assert_int_equal(u.groups[0], 65534);
	cc_rt_user_release(&u);

	/* a uid found in passwd gets its name, gid, home and groups */
	resolve_ok(t->fd, "1000", &u);
	assert_int_equal(u.uid, 1000);
	assert_int_equal(u.gid, 1000);
	assert_string_equal(u.home, "/home/app");
	assert_int_equal(u.n_groups, 3);
	assert_int_equal(u.groups[0], 1000);
	assert_true(has_group(&u, 10) && has_group(&u, 50));
	cc_rt_user_release(&u);

	/* a uid with no entry: used as it is, gid 0, home "/" */
	resolve_ok(t->fd, "4242", &u);
	assert_int_equal(u.uid, 4242);
	assert_int_equal(u.gid, 0);
	assert_string_equal(u.home, "/");
	assert_null(u.name);
	assert_int_equal(u.n_groups, 1);
	assert_int_equal(u.groups[0], 0);
	cc_rt_user_release(&u);
}

static void test_user_with_group(void **state)
{
	struct tree *t = *state;
	struct cc_rt_user u;
	resolve_ok(t->fd, "1000:1000", &u);
	assert_int_equal(u.uid, 1000);
	assert_int_equal(u.gid, 1000);
	/* an explicit group means no supplementary groups but itself */
	assert_int_equal(u.n_groups, 1);
	assert_int_equal(u.groups[0], 1000);
	cc_rt_user_release(&u);

	resolve_ok(t->fd, "daemon:wheel", &u);
	assert_int_equal(u.uid, 2);
	assert_int_equal(u.gid, 10);
	assert_int_equal(u.n_groups, 1);
	assert_int_equal(u.groups[0], 10);
	cc_rt_user_release(&u);

	resolve_ok(t->fd, "app:7777", &u);
	assert_int_equal(u.uid, 1000);
	assert_int_equal(u.gid, 7777);
	cc_rt_user_release(&u);

	resolve_ok(t->fd, "5000:5001", &u);
	assert_int_equal(u.uid, 5000);
	assert_int_equal(u.gid, 5001);
	cc_rt_user_release(&u);
}

static void test_user_unknown(void **state)
{
	struct tree *t = *state;
	struct cc_rt_user u;
	cc_error *err = NULL;
	assert_true(cc_rt_resolve_user(t->fd, "nobody2", &u, &err) < 0);
	assert_string_equal(err->msg, "unable to find user nobody2: no matching entries in passwd file");
	assert_int_equal(err->kind, CC_ERR_NOT_FOUND);
	cc_error_clear(&err);

	assert_true(cc_rt_resolve_user(t->fd, "root:nogroup2", &u, &err) < 0);
	assert_string_equal(err->msg, "unable to find group nogroup2: no matching entries in group file");
	cc_error_clear(&err);

	assert_true(cc_rt_resolve_user(t->fd, "99999999999", &u, &err) < 0);
	assert_int_equal(err->kind, CC_ERR_INVALID);
	cc_error_clear(&err);
}

/* An image's passwd or group that is not a plain, bounded file: one clear
 * error at once, never a read that does not end (a symlink to /dev/zero
 * made `run img id` grow without bound) or blocks (a FIFO). */
static void test_user_files_hostile(void **state)
{
	struct tree *t = *state;
	char path[512];
	snprintf(path, sizeof(path), "%s/etc/passwd", t->dir);
	struct {
		const char *what;
		const char *expect;
	} cases[] = {
		{ "zero", "the container's '/etc/passwd' is not a regular file" },
		{ "fifo", "the container's '/etc/passwd' is not a regular file" },
		{ "dir", "the container's '/etc/passwd' is not a regular file" },
		{ "big", "the container's '/etc/passwd' is larger than 16777216 bytes" },
		{ "loop", "open the container's '/etc/passwd': Too many levels of symbolic links" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(cc_rm_rf(path, NULL), 0);
		if (strcmp(cases[i].what, "zero") == 0) {
			/* the image's symlink to /dev/zero, resolved in the root:
			 * the tree's own /dev/zero (a device needs root to make) */
			if (geteuid() != 0)
				continue;
			make_dir(t, "dev");
			char dz[512];
			snprintf(dz, sizeof(dz), "%s/dev/zero", t->dir);
			(void)unlink(dz);
			assert_int_equal(mknod(dz, S_IFCHR | 0666, makedev(1, 5)), 0);
			assert_int_equal(symlink("/dev/zero", path), 0);
		} else if (strcmp(cases[i].what, "fifo") == 0) {
			assert_int_equal(mkfifo(path, 0644), 0);
		} else if (strcmp(cases[i].what, "dir") == 0) {
			assert_int_equal(mkdir(path, 0755), 0);
		} else if (strcmp(cases[i].what, "big") == 0) {
			int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
			assert_true(fd >= 0);
			assert_int_equal(ftruncate(fd, 16 * 1024 * 1024 + 1), 0);
			close(fd);
		} else {
			assert_int_equal(symlink("passwd", path), 0);
		}
		BOTH_RESOLVERS({
			struct cc_rt_user u;
			cc_error *err = NULL;
			assert_true(cc_rt_resolve_user(t->fd, "app", &u, &err) < 0);
			if (strcmp(err->msg, cases[i].expect) != 0)
				fail_msg("%s: '%s', expected '%s'", cases[i].what, err->msg, cases[i].expect);
			cc_error_clear(&err);
		});
	}
	assert_int_equal(cc_rm_rf(path, NULL), 0);
	write_file(t, "etc/passwd", passwd, 0644);
	/* an empty group file is no group file: -u app still resolves */
	write_file(t, "etc/group", "", 0644);
	struct cc_rt_user u;
	resolve_ok(t->fd, "app", &u);
	assert_int_equal(u.uid, 1000);
	cc_rt_user_release(&u);
}

static void test_user_files_stay_inside_root(void **state)
{
	struct tree *t = *state;
	/* passwd is a symlink climbing out of the root to a host file that
	 * knows "hostuser": inside the root it resolves to a missing file */
	char host[] = "/tmp/cc-test-hostpw-XXXXXX";
	int hfd = mkstemp(host);
	assert_true(hfd >= 0);
	const char line[] = "hostuser:x:777:777::/:/bin/sh\n";
	assert_int_equal(cc_write_all(hfd, line, sizeof(line) - 1), 0);
	close(hfd);
	char target[512];
	snprintf(target, sizeof(target), "../../../../../../../..%s", host);
	char path[512];
	snprintf(path, sizeof(path), "%s/etc/passwd", t->dir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(symlink(target, path), 0);
	BOTH_RESOLVERS({
		struct cc_rt_user u;
		cc_error *err = NULL;
		assert_true(cc_rt_resolve_user(t->fd, "hostuser", &u, &err) < 0);
		assert_int_equal(err->kind, CC_ERR_NOT_FOUND);
		cc_error_clear(&err);
		/* no passwd file at all: numeric ids still work */
		resolve_ok(t->fd, "0", &u);
		assert_string_equal(u.home, "/");
		cc_rt_user_release(&u);
	});
	unlink(host);
}

/* --- PATH lookup ------------------------------------------------------------ */

static void find_ok(int rootfd, const char *name, const char *path, const char *want)
{
	cc_error *err = NULL;
	char *got = NULL;
	if (cc_rt_find_executable(rootfd, name, path, &got, &err) < 0)
		fail_msg("find '%s': %s", name, err->msg);
	assert_string_equal(got, want);
	free(got);
}

static void find_fails(int rootfd, const char *name, const char *path, int kind, const char *msg)
{
	cc_error *err = NULL;
	char *got = NULL;
	assert_true(cc_rt_find_executable(rootfd, name, path, &got, &err) < 0);
	assert_null(got);
	assert_int_equal(err->kind, kind);
	assert_string_equal(err->msg, msg);
	cc_error_free(err);
}

static void test_find_executable(void **state)
{
	struct tree *t = *state;
	BOTH_RESOLVERS({
		find_ok(t->fd, "exe", "/bin:/usr/bin", "/bin/exe");
		find_ok(t->fd, "exe2", "/bin:/usr/bin", "/usr/bin/exe2");
		/* like Go's LookPath: a non-executable hit is skipped */
		find_ok(t->fd, "noexec", "/bin:/usr/bin", "/usr/bin/noexec");
		find_ok(t->fd, "exe", NULL, "/bin/exe"); /* default PATH */
		find_ok(t->fd, "/bin/exe", "/nowhere", "/bin/exe");
		find_fails(t->fd, "nosuch", "/bin:/usr/bin", CC_ERR_EXEC_NOTFOUND,
			   "exec: \"nosuch\": executable file not found in $PATH");
		find_fails(t->fd, "noexec", "/bin", CC_ERR_EXEC_NOTFOUND,
			   "exec: \"noexec\": executable file not found in $PATH");
		find_fails(t->fd, "adir", "/bin", CC_ERR_EXEC_NOTFOUND,
			   "exec: \"adir\": executable file not found in $PATH");
		find_fails(t->fd, "/bin/noexec", NULL, CC_ERR_EXEC_PERM,
			   "exec: \"/bin/noexec\": permission denied");
		find_fails(t->fd, "/bin/adir", NULL, CC_ERR_EXEC_PERM,
			   "exec: \"/bin/adir\": is a directory");
		find_fails(t->fd, "/bin/nosuch", NULL, CC_ERR_EXEC_NOTFOUND,
			   "exec: \"/bin/nosuch\": stat /bin/nosuch: no such file or directory");
		find_fails(t->fd, "", NULL, CC_ERR_EXEC_NOTFOUND,
			   "exec: \"\": executable file not found in $PATH");
	});
}

static void test_find_executable_inside_root(void **state)
{
	struct tree *t = *state;
	/* an absolute symlink means the container's /bin/sh, never the host's */
	make_link(t, "/../../../../bin/sh", "bin/hostsh");
	make_link(t, "/bin/exe", "usr/bin/viaabs");
	BOTH_RESOLVERS({
		find_fails(t->fd, "/bin/hostsh", NULL, CC_ERR_EXEC_NOTFOUND,
			   "exec: \"/bin/hostsh\": stat /bin/hostsh: no such file or directory");
		find_fails(t->fd, "hostsh", "/bin", CC_ERR_EXEC_NOTFOUND,
			   "exec: \"hostsh\": executable file not found in $PATH");
		find_ok(t->fd, "viaabs", "/usr/bin", "/usr/bin/viaabs");
	});
}

static void test_exec_error_kinds(void **state)
{
	(void)state;
	cc_error *err = NULL;
	assert_int_equal(cc_rt_exec_error("x", EACCES, &err), -EACCES);
	assert_int_equal(err->kind, CC_ERR_EXEC_PERM);
	assert_int_equal(err->errnum, EACCES);
	cc_error_clear(&err);
	cc_rt_exec_error("x", ENOENT, &err);
	assert_int_equal(err->kind, CC_ERR_EXEC_NOTFOUND);
	cc_error_clear(&err);
	cc_rt_exec_error("x", ENOEXEC, &err);
	assert_int_equal(err->kind, CC_ERR_GENERIC);
	assert_string_equal(err->msg, "exec: \"x\": Exec format error");
	cc_error_clear(&err);
}

static void test_env_build(void **state)
{
	(void)state;
	cc_error *err = NULL;
	char **env = NULL;
	char *in[] = { (char *)"A=1", NULL };
	assert_int_equal(cc_rt_env_build(in, "/home/app", &env, &err), 0);
	assert_string_equal(env[0], "A=1");
	assert_string_equal(cc_rt_env_get(env, "PATH"), CC_RT_DEFAULT_PATH);
	assert_string_equal(cc_rt_env_get(env, "HOME"), "/home/app");
	assert_null(env[3]);
	cc_strvfreep(&env);

	char *in2[] = { (char *)"PATH=/x", (char *)"HOME=/h", (char *)"PATHX=y", NULL };
	assert_int_equal(cc_rt_env_build(in2, "/home/app", &env, &err), 0);
	assert_string_equal(cc_rt_env_get(env, "PATH"), "/x");
	assert_string_equal(cc_rt_env_get(env, "HOME"), "/h");
	assert_null(env[3]);
	cc_strvfreep(&env);

	assert_int_equal(cc_rt_env_build(NULL, NULL, &env, &err), 0);
	assert_string_equal(env[0], "PATH=" CC_RT_DEFAULT_PATH);
	assert_null(env[1]);
	cc_strvfreep(&env);
}

/* --- paths inside the root ----------------------------------------------- */

static void test_clean_path(void **state)
{
	(void)state;
	static const char *const cases[][2] = {
		{ "/", "/" },         { "//a//b/", "/a/b" },     { "/a/./b/../c", "/a/c" },
		{ "/../../x", "/x" }, { "/a/b/../../..", "/" }, { "/a/..b/.c", "/a/..b/.c" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *c = cc_rt_clean_path(cases[i][0]);
		assert_string_equal(c, cases[i][1]);
		free(c);
	}
	assert_null(cc_rt_clean_path("relative"));
	assert_int_equal(cc_rt_path_depth("/"), 0);
	assert_int_equal(cc_rt_path_depth("/a"), 1);
	assert_int_equal(cc_rt_path_depth("/a/b/c"), 3);
}

static void test_make_in_root(void **state)
{
	struct tree *t = *state;
	make_link(t, "/../../../../../../tmp/cc-escape-test", "escape");
	make_link(t, "loop2", "loop1");
	make_link(t, "loop1", "loop2");
	BOTH_RESOLVERS({
		int fd = -1;
		struct stat st;
		assert_int_equal(cc_rt_make_in_root(t->fd, "/a/b/c", true, 0700, &fd), 0);
		assert_int_equal(fstat(fd, &st), 0);
		assert_true(S_ISDIR(st.st_mode));
		close(fd);
		assert_int_equal(cc_rt_make_in_root(t->fd, "/a/f/file.txt", false, 0755, &fd), 0);
		assert_int_equal(fstat(fd, &st), 0);
		assert_true(S_ISREG(st.st_mode));
		close(fd);
		/* through a dangling symlink climbing out: created inside */
		assert_int_equal(cc_rt_make_in_root(t->fd, "/escape/x/y", true, 0755, &fd), 0);
		close(fd);
		assert_int_equal(access("/tmp/cc-escape-test", F_OK), -1);
		assert_int_equal(cc_rt_make_in_root(t->fd, "/loop1/x", true, 0755, &fd), -ELOOP);
		/* openat2 with RESOLVE_NO_SYMLINKS, as for /proc /dev /sys */
		fd = cc_rt_open_in_root(t->fd, "/escape", O_PATH, RESOLVE_NO_SYMLINKS);
		assert_int_equal(fd, -ELOOP);
	});
	char p[512];
	snprintf(p, sizeof(p), "%s/tmp/cc-escape-test/x/y", t->dir);
	struct stat st;
	assert_int_equal(stat(p, &st), 0);
}

/* The init layer: exact modes whatever the umask, made once, a file in
 * its place refused, nothing left beside it. */
static void test_init_layer(void **state)
{
	struct tree *t = *state;
	mode_t old = umask(077);
	char *dir = NULL;
	cc_error *e = NULL;
	assert_int_equal(cc_rt_init_layer(t->dir, &dir, &e), 0);
	umask(old);
	static const struct { const char *p; mode_t m; } want[] = {
		{ "", S_IFDIR | 0755 },          { "dev", S_IFDIR | 0755 },       { "proc", S_IFDIR | 0555 },
		{ "sys", S_IFDIR | 0555 },       { "etc", S_IFDIR | 0755 },       { "etc/hosts", S_IFREG | 0644 },
		{ "etc/hostname", S_IFREG | 0644 }, { "etc/resolv.conf", S_IFREG | 0644 },
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		char p[600];
		snprintf(p, sizeof(p), "%s/%s", dir, want[i].p);
		struct stat st;
		assert_int_equal(lstat(p, &st), 0);
		assert_int_equal(st.st_mode, want[i].m);
	}
	/* again: the same directory, untouched */
	char *again = NULL;
	assert_int_equal(cc_rt_init_layer(t->dir, &again, &e), 0);
	assert_string_equal(again, dir);
	free(again);
	/* only the layer was added to the parent (no temporary left) */
	int n = 0;
	DIR *d = opendir(t->dir);
	struct dirent *de;
	while ((de = readdir(d)) != NULL)
		n += strncmp(de->d_name, ".init-layer", 11) == 0;
	closedir(d);
	assert_int_equal(n, 0);
	/* as a spec's lowers: on top of the image's, in one allocation */
	const char *image[] = { "/l/top", "/l/base" };
	const char **lowers = NULL;
	assert_int_equal(cc_runtime_lowers(t->dir, image, 2, &lowers, &e), 0);
	assert_string_equal(lowers[0], dir);
	assert_string_equal(lowers[1], "/l/top");
	assert_string_equal(lowers[2], "/l/base");
	free(lowers);
	/* something else under the name: an error, not a layer */
	assert_int_equal(cc_rm_rf(dir, NULL), 0);
	write_file(t, strrchr(dir, '/') + 1, "x", 0644);
	assert_true(cc_rt_init_layer(t->dir, &again, &e) < 0);
	assert_non_null(e);
	cc_error_free(e);
	free(dir);
}

/* --- plan ------------------------------------------------------------------ */

static void test_plan_validation(void **state)
{
	struct tree *t = *state;
	char *argv[] = { (char *)"sh", NULL };
	const char *lower[] = { "/l1", "/l2" };
	char hostfile[512], hostdir[512];
	snprintf(hostfile, sizeof(hostfile), "%s/etc/passwd", t->dir);
	snprintf(hostdir, sizeof(hostdir), "%s/bin", t->dir);
	struct cc_bind_mount binds[] = {
		{ .source = hostdir, .target = "/x/y/z" },
		{ .source = hostfile, .target = "/x/../w", .readonly = true },
		{ .source = hostdir, .target = "/x" },
	};
	struct cc_tmpfs_mount tmpfs[] = { { .target = "/run", .options = "size=1m,exec,ro" } };
	struct cc_run_spec s = {
		.lower_dirs = lower, .n_lower = 2, .upper_dir = "/u", .work_dir = "/w",
		.rootfs_dir = "/r", .argv = argv, .binds = binds, .n_binds = 3,
		.tmpfs = tmpfs, .n_tmpfs = 1, .hosts_file = hostfile,
	};
	struct cc_rt_plan p;
	cc_error *err = NULL;
	assert_int_equal(cc_rt_plan_build(&s, &p, &err), 0);
	assert_string_equal(p.cwd, "/");
	assert_int_equal(p.n_mounts, 5);
	assert_string_equal(p.mounts[0].target, "/etc/hosts");
	/* user mounts by depth, stable */
	assert_string_equal(p.mounts[1].target, "/w");
	assert_true(p.mounts[1].readonly && !p.mounts[1].source_is_dir);
	assert_string_equal(p.mounts[2].target, "/x");
	assert_true(p.mounts[2].source_is_dir);
	assert_string_equal(p.mounts[3].target, "/run");
	assert_int_equal(p.mounts[3].flags, MS_NOSUID | MS_NODEV | MS_RDONLY);
	assert_string_equal(p.mounts[3].data, "size=1m");
	assert_string_equal(p.mounts[4].target, "/x/y/z");
	assert_true(p.clone_flags & CLONE_NEWNET);
	cc_rt_plan_release(&p);

	s.cwd = "";
	assert_int_equal(cc_rt_plan_build(&s, &p, &err), 0);
	assert_string_equal(p.cwd, "/");
	cc_rt_plan_release(&p);

	s.net = CC_NET_HOST;
	s.cwd = "/a/./b/";
	s.n_binds = 0;
	assert_int_equal(cc_rt_plan_build(&s, &p, &err), 0);
	assert_false(p.clone_flags & CLONE_NEWNET);
	assert_string_equal(p.cwd, "/a/b");
	cc_rt_plan_release(&p);

	struct cc_run_spec b = s;
	b.rootfs_dir = "rel";
	assert_true(cc_rt_plan_build(&b, &p, &err) < 0);
	assert_int_equal(err->kind, CC_ERR_INVALID);
	cc_error_clear(&err);

	b = s;
	b.argv = (char *[]){ NULL };
	assert_true(cc_rt_plan_build(&b, &p, &err) < 0);
	assert_string_equal(err->msg, "no command specified");
	cc_error_clear(&err);

	b = s;
	b.binds = (struct cc_bind_mount[]){ { .source = "/nonexistent-cc-src", .target = "/x" } };
	b.n_binds = 1;
	assert_true(cc_rt_plan_build(&b, &p, &err) < 0);
	assert_string_equal(err->msg, "invalid mount config for type \"bind\": bind source path does "
				      "not exist: /nonexistent-cc-src");
	cc_error_clear(&err);

	b = s;
	b.binds = binds;
	b.n_binds = 1;
	b.tmpfs = (struct cc_tmpfs_mount[]){ { .target = "/x/y//z/" } };
	assert_true(cc_rt_plan_build(&b, &p, &err) < 0);
	assert_string_equal(err->msg, "duplicate mount point: /x/y//z/");
	cc_error_clear(&err);

	b = s;
	b.tmpfs = (struct cc_tmpfs_mount[]){ { .target = "/" } };
	assert_true(cc_rt_plan_build(&b, &p, &err) < 0);
	cc_error_clear(&err);

	b = s;
	b.tmpfs = (struct cc_tmpfs_mount[]){ { .target = "/t", .options = "bogus" } };
	assert_true(cc_rt_plan_build(&b, &p, &err) < 0);
	assert_string_equal(err->msg, "invalid tmpfs option 'bogus'");
	cc_error_clear(&err);

	b = s;
	b.n_lower = 0;
	b.upper_dir = NULL;
	assert_true(cc_rt_plan_build(&b, &p, &err) < 0);
	cc_error_clear(&err);
}

static void test_propagation(void **state)
{
	struct tree *t = *state;
	static const struct {
		const char *word;
		unsigned long flags;
	} ok[] = {
		{ "private", MS_PRIVATE }, { "rprivate", MS_PRIVATE | MS_REC }, { "shared", MS_SHARED },
		{ "rshared", MS_SHARED | MS_REC }, { "slave", MS_SLAVE }, { "rslave", MS_SLAVE | MS_REC },
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		unsigned long f = 0;
		assert_int_equal(cc_runtime_parse_propagation(ok[i].word, &f), 0);
		assert_int_equal(f, ok[i].flags);
	}
	const char *bad[] = { "", "RSLAVE", "rslave ", "unbindable", "runbindable", "ro", "slave,rshared" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		unsigned long f = 42;
		assert_int_equal(cc_runtime_parse_propagation(bad[i], &f), -EINVAL);
		assert_int_equal(f, 42);
	}
	assert_int_equal(cc_runtime_parse_propagation(NULL, &(unsigned long){ 0 }), -EINVAL);

	/* the plan: a bind's propagation (0: rprivate); only shared or slave
	 * make the namespace rslave */
	char *argv[] = { (char *)"sh", NULL };
	char hostdir[512];
	snprintf(hostdir, sizeof(hostdir), "%s/bin", t->dir);
	struct cc_bind_mount binds[] = {
		{ .source = hostdir, .target = "/a" },
		{ .source = hostdir, .target = "/b", .propagation = MS_PRIVATE },
	};
	struct cc_run_spec s = { .upper_dir = "/u", .rootfs_dir = "/r", .argv = argv, .binds = binds, .n_binds = 2 };
	struct cc_rt_plan p;
	cc_error *err = NULL;
	assert_int_equal(cc_rt_plan_build(&s, &p, &err), 0);
	assert_false(p.root_slave);
	assert_int_equal(p.mounts[0].propagation, MS_PRIVATE | MS_REC);
	assert_int_equal(p.mounts[1].propagation, MS_PRIVATE);
	cc_rt_plan_release(&p);
	binds[1].propagation = MS_SLAVE | MS_REC;
	assert_int_equal(cc_rt_plan_build(&s, &p, &err), 0);
	assert_true(p.root_slave);
	assert_int_equal(p.mounts[1].propagation, MS_SLAVE | MS_REC);
	cc_rt_plan_release(&p);
	binds[1].propagation = MS_SHARED;
	assert_int_equal(cc_rt_plan_build(&s, &p, &err), 0);
	assert_true(p.root_slave);
	cc_rt_plan_release(&p);
	/* flags that are no propagation, or two of them: refused */
	unsigned long wrong[] = { MS_RDONLY, MS_SLAVE | MS_SHARED, MS_REC, MS_BIND | MS_PRIVATE };
	for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
		binds[1].propagation = wrong[i];
		assert_true(cc_rt_plan_build(&s, &p, &err) < 0);
		assert_int_equal(err->kind, CC_ERR_INVALID);
		cc_error_clear(&err);
	}
	/* the domain name: setdomainname's bound */
	binds[1].propagation = 0;
	char longname[80];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	s.domainname = longname;
	assert_true(cc_rt_plan_build(&s, &p, &err) < 0);
	assert_int_equal(err->kind, CC_ERR_INVALID);
	cc_error_clear(&err);
	longname[64] = '\0';
	assert_int_equal(cc_rt_plan_build(&s, &p, &err), 0);
	cc_rt_plan_release(&p);
}

static void test_overlay_legacy_options(void **state)
{
	(void)state;
	cc_error *err = NULL;
	char *opts = NULL, *dir = NULL;
	const char *two[] = { "/l/top", "/l/bottom" };
	struct cc_run_spec s = { .lower_dirs = two, .n_lower = 2, .upper_dir = "/c/u",
				 .work_dir = "/c/w", .rootfs_dir = "/c/r" };
	assert_int_equal(cc_rt_overlay_legacy_options(&s, &opts, &dir, &err), 0);
	assert_string_equal(opts, "lowerdir=/l/top:/l/bottom,upperdir=/c/u,workdir=/c/w");
	assert_null(dir);
	free(opts);

	/* 50 layers of /var/lib/ccontainer/layers/<64 hex>: too long as
	 * absolute paths, fits relative to the common parent */
	enum { N = 50 };
	char *names[N];
	const char *lower[N];
	for (int i = 0; i < N; i++) {
		assert_true(asprintf(&names[i], "/var/lib/ccontainer/layers/%064d", i) > 0);
		lower[i] = names[i];
	}
	struct cc_run_spec l = { .lower_dirs = lower, .n_lower = N,
				 .upper_dir = "/var/lib/ccontainer/containers/c/upper",
				 .work_dir = "/var/lib/ccontainer/containers/c/work",
				 .rootfs_dir = "/r" };
	assert_int_equal(cc_rt_overlay_legacy_options(&l, &opts, &dir, &err), 0);
	assert_string_equal(dir, "/var/lib/ccontainer/");
	assert_true(strncmp(opts, "lowerdir=layers/000", 19) == 0);
	assert_non_null(strstr(opts, ",upperdir=containers/c/upper,workdir=containers/c/work"));
	assert_true(strlen(opts) < 4096);
	free(opts);
	free(dir);

	l.n_lower = N;
	l.upper_dir = "/elsewhere/upper"; /* common parent "/" is no help */
	assert_int_equal(cc_rt_overlay_legacy_options(&l, &opts, &dir, &err), -E2BIG);
	assert_non_null(strstr(err->msg, "50 layers do not fit"));
	cc_error_clear(&err);
	for (int i = 0; i < N; i++)
		free(names[i]);

	const char *colon[] = { "/a:b" };
	struct cc_run_spec c = { .lower_dirs = colon, .n_lower = 1, .rootfs_dir = "/r" };
	assert_true(cc_rt_overlay_legacy_options(&c, &opts, &dir, &err) < 0);
	assert_int_equal(err->kind, CC_ERR_INVALID);
	cc_error_clear(&err);
}

/* --- sync protocol ------------------------------------------------------- */

static void test_sync_messages(void **state)
{
	(void)state;
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_int_equal(cc_rt_sync_send(sv[1], CC_SYNC_PTY, devnull), 0);
	cc_error *e = NULL;
	cc_error_setk(&e, CC_ERR_EXEC_NOTFOUND, 0, "exec: \"foo\": executable file not found in $PATH");
	cc_rt_sync_send_error(sv[1], e);
	cc_error_free(e);
	close(sv[1]);

	struct cc_sync_msg m;
	int fd = -1;
	assert_int_equal(cc_rt_sync_recv(sv[0], &m, &fd), 1);
	assert_int_equal(m.type, CC_SYNC_PTY);
	assert_true(fd >= 0 && fd != devnull);
	assert_int_equal(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	close(fd);
	assert_int_equal(cc_rt_sync_recv(sv[0], &m, &fd), 1);
	assert_int_equal(m.type, CC_SYNC_ERROR);
	assert_int_equal(m.kind, CC_ERR_EXEC_NOTFOUND);
	assert_string_equal(m.msg, "exec: \"foo\": executable file not found in $PATH");
	assert_int_equal(fd, -1);
	assert_int_equal(cc_rt_sync_recv(sv[0], &m, &fd), 0); /* EOF */
	close(sv[0]);
	close(devnull);
}

/* --- masks ------------------------------------------------------------------ */

static void check_list(const char *const *list, size_t min)
{
	size_t n = 0;
	for (const char *const *p = list; *p != NULL; p++, n++) {
		char *clean = cc_rt_clean_path(*p);
		assert_string_equal(clean, *p); /* absolute and clean */
		free(clean);
		assert_true(cc_str_has_prefix(*p, "/proc/") || cc_str_has_prefix(*p, "/sys/"));
		for (const char *const *q = list; q != p; q++)
			assert_string_not_equal(*p, *q);
	}
	assert_true(n >= min);
}

static void test_masked_paths(void **state)
{
	(void)state;
	check_list(cc_rt_masked_paths, 11);
	check_list(cc_rt_readonly_paths, 5);
	bool kcore = false, sys = false;
	for (const char *const *p = cc_rt_masked_paths; *p != NULL; p++)
		kcore |= strcmp(*p, "/proc/kcore") == 0;
	for (const char *const *p = cc_rt_readonly_paths; *p != NULL; p++)
		sys |= strcmp(*p, "/proc/sys") == 0;
	assert_true(kcore && sys);
	/* no path is both masked and read-only */
	for (const char *const *p = cc_rt_masked_paths; *p != NULL; p++)
		for (const char *const *q = cc_rt_readonly_paths; *q != NULL; q++)
			assert_string_not_equal(*p, *q);
}

static void test_spec_errors_before_any_syscall(void **state)
{
	(void)state;
	/* invalid input fails in the plan, with nothing cloned */
	char *argv[] = { (char *)"true", NULL };
	struct cc_run_spec s = { .upper_dir = "/u", .rootfs_dir = "/r", .argv = argv,
				 .cwd = "relative" };
	int status = -7;
	cc_error *err = NULL;
	assert_true(cc_runtime_run(&s, &status, &err) < 0);
	assert_int_equal(err->kind, CC_ERR_INVALID);
	assert_string_equal(err->msg, "working directory 'relative' is not an absolute path");
	assert_int_equal(status, -7);
	cc_error_clear(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_user_root_default, setup_tree, teardown_tree),
		cmocka_unit_test_setup_teardown(test_user_by_name_and_uid, setup_tree, teardown_tree),
		cmocka_unit_test_setup_teardown(test_user_with_group, setup_tree, teardown_tree),
		cmocka_unit_test_setup_teardown(test_user_unknown, setup_tree, teardown_tree),
		cmocka_unit_test_setup_teardown(test_user_files_stay_inside_root, setup_tree, teardown_tree),
		cmocka_unit_test_setup_teardown(test_user_files_hostile, setup_tree, teardown_tree),
		cmocka_unit_test_setup_teardown(test_find_executable, setup_tree, teardown_tree),
		cmocka_unit_test_setup_teardown(test_find_executable_inside_root, setup_tree, teardown_tree),
		cmocka_unit_test(test_exec_error_kinds),
		cmocka_unit_test(test_env_build),
		cmocka_unit_test(test_clean_path),
		cmocka_unit_test_setup_teardown(test_make_in_root, setup_tree, teardown_tree),
		cmocka_unit_test_setup_teardown(test_init_layer, setup_tree, teardown_tree),
		cmocka_unit_test_setup_teardown(test_plan_validation, setup_tree, teardown_tree),
		cmocka_unit_test_setup_teardown(test_propagation, setup_tree, teardown_tree),
		cmocka_unit_test(test_overlay_legacy_options),
		cmocka_unit_test(test_sync_messages),
		cmocka_unit_test(test_masked_paths),
		cmocka_unit_test(test_spec_errors_before_any_syscall),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
