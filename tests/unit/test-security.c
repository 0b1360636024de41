/* Unit tests for the container's privileges (no root needed): capability
 * names and docker's --cap-add/--cap-drop rules, --ulimit parsing, seccomp
 * profiles in docker's JSON format, and the compiled program itself, loaded
 * (with no_new_privs) in a forked child that then probes a few syscalls.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <linux/capability.h>
#include <seccomp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "runtime/security-internal.h"

#define BIT(c) (UINT64_C(1) << (c))

static void test_cap_names(void **state)
{
	(void)state;
	assert_int_equal(cc_rt_cap_from_name("NET_ADMIN"), CAP_NET_ADMIN);
	assert_int_equal(cc_rt_cap_from_name("net_admin"), CAP_NET_ADMIN);
	assert_int_equal(cc_rt_cap_from_name("CAP_NET_ADMIN"), CAP_NET_ADMIN);
	assert_int_equal(cc_rt_cap_from_name("cap_Sys_Admin"), CAP_SYS_ADMIN);
	assert_int_equal(cc_rt_cap_from_name("CHOWN"), 0);
	assert_int_equal(cc_rt_cap_from_name("CHECKPOINT_RESTORE"), 40);
	assert_int_equal(cc_rt_cap_from_name("NOPE"), -EINVAL);
	assert_int_equal(cc_rt_cap_from_name("CAP_"), -EINVAL);
	assert_int_equal(cc_rt_cap_from_name("ALL"), -EINVAL);
	assert_int_equal(cc_rt_cap_from_name(""), -EINVAL);
	assert_string_equal(cc_rt_cap_name(CAP_NET_RAW), "CAP_NET_RAW");
	assert_null(cc_rt_cap_name(64));
}

static void test_caps_default_matches_docker(void **state)
{
	(void)state;
	/* docker's CapEff for root: 0x00000000a80425fb */
	static const char *const names[] = { "CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD",
					     "NET_RAW", "SETGID", "SETUID", "SETFCAP", "SETPCAP",
					     "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE" };
	uint64_t m = 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		m |= BIT(cc_rt_cap_from_name(names[i]));
	assert_true(m == CC_RT_CAPS_DEFAULT);
	assert_true(CC_RT_CAPS_DEFAULT == UINT64_C(0xa80425fb));
}

static void test_caps_compute(void **state)
{
	(void)state;
	uint64_t all = (BIT(41) - 1), caps = 0;
	cc_error *err = NULL;

	assert_int_equal(cc_rt_caps_compute(NULL, NULL, all, &caps, &err), 0);
	assert_true(caps == CC_RT_CAPS_DEFAULT);

	const char *add[] = { "sys_admin", "CAP_NET_ADMIN", NULL };
	const char *drop[] = { "net_raw", "CAP_MKNOD", NULL };
	assert_int_equal(cc_rt_caps_compute(add, drop, all, &caps, &err), 0);
	assert_true(caps == ((CC_RT_CAPS_DEFAULT | BIT(CAP_SYS_ADMIN) | BIT(CAP_NET_ADMIN)) &
			     ~(BIT(CAP_NET_RAW) | BIT(CAP_MKNOD))));

	const char *drop_all[] = { "ALL", NULL };
	const char *add_one[] = { "NET_BIND_SERVICE", NULL };
	assert_int_equal(cc_rt_caps_compute(add_one, drop_all, all, &caps, &err), 0);
	assert_true(caps == BIT(CAP_NET_BIND_SERVICE));

	const char *add_all[] = { "all", NULL };
	const char *drop_one[] = { "SYS_MODULE", NULL };
	assert_int_equal(cc_rt_caps_compute(add_all, drop_one, all, &caps, &err), 0);
	assert_true(caps == (all & ~BIT(CAP_SYS_MODULE)));

	/* what the kernel (or our bounding set) lacks is never held */
	assert_int_equal(cc_rt_caps_compute(add_all, NULL, BIT(0) | BIT(5), &caps, &err), 0);
	assert_true(caps == (BIT(0) | BIT(5)));

	const char *bad[] = { "NET_ADMIN", "CAP_FLY", NULL };
	assert_true(cc_rt_caps_compute(bad, NULL, all, &caps, &err) < 0);
	assert_int_equal(err->kind, CC_ERR_INVALID);
	assert_string_equal(err->msg, "unknown capability: \"CAP_FLY\"");
	cc_error_clear(&err);
}

static void test_ulimit_parse(void **state)
{
	(void)state;
	struct cc_rlimit r;
	cc_error *err = NULL;
	assert_int_equal(cc_runtime_parse_ulimit("nofile=1024:2048", &r, &err), 0);
	assert_int_equal(r.resource, RLIMIT_NOFILE);
	assert_true(r.soft == 1024 && r.hard == 2048);
	assert_int_equal(cc_runtime_parse_ulimit("nproc=64", &r, &err), 0);
	assert_true(r.resource == RLIMIT_NPROC && r.soft == 64 && r.hard == 64);
	assert_int_equal(cc_runtime_parse_ulimit("core=-1", &r, &err), 0);
	assert_true(r.resource == RLIMIT_CORE && r.soft == RLIM_INFINITY && r.hard == RLIM_INFINITY);
	assert_int_equal(cc_runtime_parse_ulimit("memlock=1:unlimited", &r, &err), 0);
	assert_true(r.soft == 1 && r.hard == RLIM_INFINITY);

	static const char *const bad[] = { "nofile", "=1", "bogus=1", "nofile=", "nofile=x",
					   "nofile=1:", "nofile=10:5", "nofile=1:2:3", "nofile=-2" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_true(cc_runtime_parse_ulimit(bad[i], &r, &err) < 0);
		assert_int_equal(err->kind, CC_ERR_INVALID);
		cc_error_clear(&err);
	}
}

static const char small_profile[] =
	"{\n"
	"  \"defaultAction\": \"SCMP_ACT_ERRNO\",\n"
	"  \"defaultErrnoRet\": 1,\n"
	"  \"archMap\": [\n"
	"    {\"architecture\": \"SCMP_ARCH_X86_64\", \"subArchitectures\": [\"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"]},\n"
	"    {\"architecture\": \"SCMP_ARCH_AARCH64\", \"subArchitectures\": [\"SCMP_ARCH_ARM\"]}\n"
	"  ],\n"
	"  \"syscalls\": [\n"
	"    {\"names\": [\"read\", \"write\", \"exit_group\"], \"action\": \"SCMP_ACT_ALLOW\"},\n"
	"    {\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 13,\n"
	"     \"comment\": \"ignored\"},\n"
	"    {\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ALLOW\",\n"
	"     \"args\": [{\"index\": 0, \"value\": 8, \"op\": \"SCMP_CMP_EQ\"}]},\n"
	"    {\"names\": [\"clone\"], \"action\": \"SCMP_ACT_ALLOW\",\n"
	"     \"args\": [{\"index\": 0, \"value\": 2114060288, \"valueTwo\": 0, \"op\": \"SCMP_CMP_MASKED_EQ\"}],\n"
	"     \"excludes\": {\"caps\": [\"CAP_SYS_ADMIN\"], \"arches\": [\"s390x\"]}},\n"
	"    {\"names\": [\"mount\"], \"action\": \"SCMP_ACT_ALLOW\",\n"
	"     \"includes\": {\"caps\": [\"CAP_SYS_ADMIN\"], \"minKernel\": \"4.8\"}},\n"
	"    {\"name\": \"getpid\", \"action\": \"SCMP_ACT_ALLOW\"}\n"
	"  ]\n"
	"}\n";

static void test_profile_parse(void **state)
{
	(void)state;
	struct cc_rt_sc_profile p;
	cc_error *err = NULL;
	assert_int_equal(cc_rt_sc_profile_parse(small_profile, strlen(small_profile), "t.json", &p, &err), 0);
	assert_true(p.default_action == SCMP_ACT_ERRNO(1));
	assert_int_equal(p.default_errno, 1);
#if defined(__x86_64__)
	assert_int_equal(p.n_arches, 3);
	assert_true(p.arches[0] == SCMP_ARCH_X86_64 && p.arches[1] == SCMP_ARCH_X86 &&
		    p.arches[2] == SCMP_ARCH_X32);
#endif
	assert_int_equal(p.n_rules, 6);
	assert_string_equal(p.rules[0].names[0], "read");
	assert_string_equal(p.rules[0].names[2], "exit_group");
	assert_null(p.rules[0].names[3]);
	assert_true(p.rules[0].action == SCMP_ACT_ALLOW);
	assert_true(p.rules[1].action == SCMP_ACT_ERRNO(13));
	assert_int_equal(p.rules[1].errno_ret, 13);
	assert_int_equal(p.rules[2].n_args, 1);
	assert_true(p.rules[2].args[0].value == 8 && p.rules[2].args[0].op == SCMP_CMP_EQ);
	assert_true(p.rules[3].args[0].value == 2114060288 && p.rules[3].args[0].value_two == 0 &&
		    p.rules[3].args[0].op == SCMP_CMP_MASKED_EQ);
	assert_true(p.rules[3].caps_exclude == BIT(CAP_SYS_ADMIN));
	assert_string_equal(p.rules[3].arches_exclude[0], "s390x");
	assert_true(p.rules[4].caps_include == BIT(CAP_SYS_ADMIN));
	assert_string_equal(p.rules[4].min_kernel, "4.8");
	assert_string_equal(p.rules[5].names[0], "getpid");

	void *f = NULL;
	size_t n = 0;
	assert_int_equal(cc_rt_sc_compile(&p, CC_RT_CAPS_DEFAULT, &f, &n, &err), 0);
	assert_true(n > 10 && n <= 4096);
	free(f);
	cc_rt_sc_profile_release(&p);
	cc_rt_sc_profile_release(&p); /* twice is fine */
}

static void expect_parse_error(const char *json, const char *msg_part)
{
	struct cc_rt_sc_profile p;
	cc_error *err = NULL;
	assert_true(cc_rt_sc_profile_parse(json, strlen(json), "bad.json", &p, &err) < 0);
	assert_int_equal(err->kind, CC_ERR_INVALID);
	if (strstr(err->msg, msg_part) == NULL)
		fail_msg("error '%s' lacks '%s'", err->msg, msg_part);
	assert_true(strncmp(err->msg, "seccomp profile 'bad.json'", 26) == 0);
	cc_error_clear(&err);
}

static void test_profile_errors(void **state)
{
	(void)state;
	expect_parse_error("[]", "not a JSON object");
	expect_parse_error("{", "line 1");
	expect_parse_error("{\"syscalls\": []}", "no 'defaultAction'");
	expect_parse_error("{\"defaultAction\": \"SCMP_ACT_FLY\"}", "unknown action 'SCMP_ACT_FLY'");
	expect_parse_error("{\"defaultAction\": \"SCMP_ACT_NOTIFY\"}", "not supported");
	expect_parse_error("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_VAX\"]}",
			   "unknown architecture 'SCMP_ARCH_VAX'");
	expect_parse_error("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"action\": \"SCMP_ACT_ERRNO\"}]}",
			   "no 'names'");
	expect_parse_error("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [1], \"action\": \"SCMP_ACT_ERRNO\"}]}",
			   "array of strings");
	expect_parse_error("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"]}]}",
			   "no 'action'");
	expect_parse_error("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
			   "\"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 6, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}]}",
			   "'index' must be 0 to 5");
	expect_parse_error("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
			   "\"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_ABOUT\"}]}]}",
			   "unknown argument operator 'SCMP_CMP_ABOUT'");
	expect_parse_error("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": -3}", "errno number");
	expect_parse_error("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"defaultAction\": \"SCMP_ACT_ALLOW\"}", "duplicate");
}

static void test_profile_file_bounded(void **state)
{
	(void)state;
	char path[] = "/tmp/cc-test-profile-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	/* 5 MiB of whitespace: more than the 4 MiB a profile may have */
	static char chunk[65536];
	memset(chunk, ' ', sizeof(chunk));
	for (int i = 0; i < 80; i++)
		assert_int_equal(write(fd, chunk, sizeof(chunk)), (ssize_t)sizeof(chunk));
	close(fd);
	struct cc_rt_sc_profile p;
	cc_error *err = NULL;
	assert_true(cc_rt_sc_profile_load(path, &p, &err) < 0);
	assert_int_equal(err->kind, CC_ERR_INVALID);
	cc_error_clear(&err);
	unlink(path);
	assert_true(cc_rt_sc_profile_load("/nonexistent/profile.json", &p, &err) < 0);
	assert_int_equal(err->kind, CC_ERR_INVALID);
	cc_error_clear(&err);
}

/* Load the program in a child (no_new_privs: no root needed) and report
 * errno of a few probes as the exit code: 0 = all as expected. */
static int probe_in_child(const void *f, size_t n, uint64_t caps)
{
	pid_t pid = fork();
	if (pid == 0) {
		cc_error *err = NULL;
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || cc_rt_sc_load(f, n, &err) < 0)
			_exit(100);
		/* beyond every syscall the profile names: ENOSYS (runc's prologue) */
		if (syscall(1000) != -1 || errno != ENOSYS)
			_exit(1);
		/* clone3 without CAP_SYS_ADMIN: ENOSYS, so libcs fall back to clone */
		if (!(caps & BIT(CAP_SYS_ADMIN)) && (syscall(SYS_clone3, NULL, 0) != -1 || errno != ENOSYS))
			_exit(2);
		/* known but not allowed: EPERM */
		if (syscall(SYS_keyctl, 0, 0, 0, 0, 0) != -1 || errno != EPERM)
			_exit(3);
		/* unshare of a namespace without CAP_SYS_ADMIN: EPERM from the filter */
		if (!(caps & BIT(CAP_SYS_ADMIN)) && (syscall(SYS_unshare, 0) != -1 || errno != EPERM))
			_exit(4);
		/* AF_VSOCK sockets are refused, others work */
		if (syscall(SYS_socket, 40, 1, 0) != -1 || errno != EPERM)
			_exit(5);
		if (syscall(SYS_getpid) <= 0)
			_exit(6);
		/* io_uring: refused (moby 25+), whatever the capabilities */
		if (syscall(SYS_io_uring_setup, 1, NULL) != -1 || errno != EPERM)
			_exit(7);
		if (syscall(SYS_io_uring_enter, -1, 0, 0, 0, NULL, 0) != -1 || errno != EPERM)
			_exit(8);
		_exit(0);
	}
	int st = 0;
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static void test_default_profile_program(void **state)
{
	(void)state;
	void *f = NULL;
	size_t n = 0;
	cc_error *err = NULL;
	assert_int_equal(cc_rt_sc_compile(&cc_rt_sc_default_profile, CC_RT_CAPS_DEFAULT, &f, &n, &err), 0);
	assert_true(n > 100 && n <= 4096);
	assert_int_equal(probe_in_child(f, n, CC_RT_CAPS_DEFAULT), 0);
	free(f);

	/* with CAP_SYS_ADMIN the profile widens: unshare, clone3 allowed */
	uint64_t admin = CC_RT_CAPS_DEFAULT | BIT(CAP_SYS_ADMIN);
	assert_int_equal(cc_rt_sc_compile(&cc_rt_sc_default_profile, admin, &f, &n, &err), 0);
	assert_int_equal(probe_in_child(f, n, admin), 0);
	free(f);
}

static void test_cache(void **state)
{
	(void)state;
	char dir[] = "/tmp/cc-test-sccache-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char k1[CC_RT_SC_KEY_MAX], k2[CC_RT_SC_KEY_MAX], k3[CC_RT_SC_KEY_MAX], k4[CC_RT_SC_KEY_MAX];
	assert_int_equal(cc_rt_sc_cache_key(&cc_rt_sc_default_profile, CC_RT_CAPS_DEFAULT, k1), 0);
	assert_int_equal(cc_rt_sc_cache_key(&cc_rt_sc_default_profile, CC_RT_CAPS_DEFAULT, k2), 0);
	assert_int_equal(cc_rt_sc_cache_key(&cc_rt_sc_default_profile, CC_RT_CAPS_DEFAULT | 1 << 21, k3), 0);
	assert_string_equal(k1, k2);
	assert_string_not_equal(k1, k3);
	/* a file name; the built-in profile is named without hashing at run time */
	assert_true(k1[0] == 'd' && strchr(k1, '/') == NULL);
	/* a profile from a file: by its content */
	static const char json[] = "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":"
				   "[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\"}]}";
	struct cc_rt_sc_profile prof;
	cc_error *perr = NULL;
	assert_int_equal(cc_rt_sc_profile_parse(json, strlen(json), "test", &prof, &perr), 0);
	assert_int_equal(cc_rt_sc_cache_key(&prof, CC_RT_CAPS_DEFAULT, k4), 0);
	assert_true(k4[0] == 'p');
	assert_string_not_equal(k1, k4);
	cc_rt_sc_profile_release(&prof);

	void *f = NULL, *g = NULL;
	size_t n = 0, m = 0;
	assert_true(cc_rt_sc_cache_read(dir, k1, &g, &m) < 0);
	cc_error *err = NULL;
	assert_int_equal(cc_rt_sc_compile(&cc_rt_sc_default_profile, CC_RT_CAPS_DEFAULT, &f, &n, &err), 0);
	cc_rt_sc_cache_write(dir, k1, f, n);
	assert_int_equal(cc_rt_sc_cache_read(dir, k1, &g, &m), 0);
	assert_int_equal(m, n);
	assert_memory_equal(f, g, n * 8);
	free(g);

	/* a damaged entry is not used: a longer or shorter file, a wrong header */
	char path[512];
	snprintf(path, sizeof(path), "%s/%s.bpf", dir, k1);
	FILE *fp = fopen(path, "a");
	assert_non_null(fp);
	fputc(0x5a, fp);
	fclose(fp);
	assert_true(cc_rt_sc_cache_read(dir, k1, &g, &m) < 0);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(truncate(path, st.st_size - 9), 0);
	assert_true(cc_rt_sc_cache_read(dir, k1, &g, &m) < 0);
	cc_rt_sc_cache_write(dir, k1, f, n);
	assert_int_equal(cc_rt_sc_cache_read(dir, k1, &g, &m), 0);
	free(g);
	fp = fopen(path, "r+");
	assert_non_null(fp);
	fputc('X', fp);
	fclose(fp);
	assert_true(cc_rt_sc_cache_read(dir, k1, &g, &m) < 0);
	free(f);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cap_names),
		cmocka_unit_test(test_caps_default_matches_docker),
		cmocka_unit_test(test_caps_compute),
		cmocka_unit_test(test_ulimit_parse),
		cmocka_unit_test(test_profile_parse),
		cmocka_unit_test(test_profile_errors),
		cmocka_unit_test(test_profile_file_bounded),
		cmocka_unit_test(test_default_profile_program),
		cmocka_unit_test(test_cache),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
