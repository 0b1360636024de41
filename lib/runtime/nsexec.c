/* exec: a further process inside a running container.
 *
 * The caller opens the target's namespaces and root first (before anything
 * changes), joins its pid namespace for its children only, and clones the
 * child here.  The child joins the cgroups and the other namespaces, enters
 * the container's root, and then takes the same steps as the container's
 * first process from stdio on (see child.c). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "runtime-internal.h"
#include "security-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

static const char *const ns_names[CC_RT_NS_MAX] = {
	[CC_RT_NS_CGROUP] = "cgroup", [CC_RT_NS_IPC] = "ipc", [CC_RT_NS_UTS] = "uts",
	[CC_RT_NS_NET] = "net",       [CC_RT_NS_PID] = "pid", [CC_RT_NS_MNT] = "mnt",
};
static const int ns_flags[CC_RT_NS_MAX] = {
	[CC_RT_NS_CGROUP] = CLONE_NEWCGROUP, [CC_RT_NS_IPC] = CLONE_NEWIPC, [CC_RT_NS_UTS] = CLONE_NEWUTS,
	[CC_RT_NS_NET] = CLONE_NEWNET,       [CC_RT_NS_PID] = CLONE_NEWPID, [CC_RT_NS_MNT] = CLONE_NEWNS,
};

void cc_rt_nsexec_close(struct cc_rt_nsexec *ns)
{
	for (int i = 0; i < CC_RT_NS_MAX; i++)
		cc_closep(&ns->fds[i]);
	cc_closep(&ns->root);
}

int cc_rt_nsexec_open(pid_t target, struct cc_rt_nsexec *ret, cc_error **err)
{
	struct cc_rt_nsexec ns = { .target = target, .root = -1 };
	char path[64];
	for (int i = 0; i < CC_RT_NS_MAX; i++) {
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)target, ns_names[i]);
		ns.fds[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (ns.fds[i] < 0 && !(errno == ENOENT && i == CC_RT_NS_CGROUP)) {
			int e = errno;
			cc_rt_nsexec_close(&ns);
			return cc_error_set(err, e, "open '%s' (is the container running?)", path);
		}
	}
	snprintf(path, sizeof(path), "/proc/%d/root", (int)target);
	ns.root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)target);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, ns.cgroups, sizeof(ns.cgroups) - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (ns.root < 0 || n < 0) {
		int e = errno;
		cc_rt_nsexec_close(&ns);
		return cc_error_set(err, e, "open the root and cgroups of container process %d", (int)target);
	}
	ns.cgroups[n] = '\0';
	*ret = ns;
	return 0;
}

/* Join every cgroup the target is in: "ID:controllers:/path" lines, with
 * v2's "0::/path" under /sys/fs/cgroup (pure v2) or /sys/fs/cgroup/unified
 * (hybrid).  Hierarchies that are not mounted here are skipped. */
static int join_cgroups(const char *cgroups, cc_error **err)
{
	struct statfs sfs;
	bool pure_v2 = statfs("/sys/fs/cgroup", &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC;
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", cgroups);
	char *save = NULL;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(line, ':');
		char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (c2 == NULL)
			continue;
		*c2 = '\0';
		const char *ctrl = c1 + 1, *cg = c2 + 1;
		char dir[4200];
		if (*ctrl == '\0')
			snprintf(dir, sizeof(dir), "/sys/fs/cgroup%s%s", pure_v2 ? "" : "/unified", cg);
		else if (strncmp(ctrl, "name=", 5) == 0)
			snprintf(dir, sizeof(dir), "/sys/fs/cgroup/%s%s", ctrl + 5, cg);
		else
			snprintf(dir, sizeof(dir), "/sys/fs/cgroup/%s%s", ctrl, cg);
		/* v1: "0" to "tasks" moves just this (single-threaded) process
		 * and skips the kernel's slow global lock (struct
		 * cc_rt_cgroup_join); v2 has no such file for domain cgroups */
		char procs[4300];
		snprintf(procs, sizeof(procs), "%s/%s", dir, *ctrl == '\0' ? "cgroup.procs" : "tasks");
		int fd = open(procs, O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			continue; /* hierarchy not mounted here */
		ssize_t w = write(fd, "0", 1);
		int e = errno;
		close(fd);
		if (w < 0 && strstr(cg, "/ccontainer/") != NULL)
			return cc_error_set(err, e, "join cgroup '%s'", dir);
	}
	return 0;
}

static __attribute__((noreturn)) void fail(int sock, cc_error *err)
{
	cc_rt_sync_send_error(sock, err);
	cc_error_free(err);
	_exit(125);
}

void cc_rt_nsexec_child(const struct cc_rt_plan *plan, int sock, void *data)
{
	const struct cc_rt_nsexec *ns = data;
	const struct cc_run_spec *s = plan->spec;
	cc_error *err = NULL;

	/* 1. Die with the exec command (as the container's first process does
	 *    with run); dispositions back to default, mask kept until exec.
	 *    We are in the container's pid namespace from birth: non-dumpable
	 *    already (spawn), and no fd of the caller's stays open a moment
	 *    longer than needed (the store's database, say). */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		_exit(125);
	int keep[CC_RT_NS_MAX + 2];
	size_t nkeep = 0;
	keep[nkeep++] = sock;
	keep[nkeep++] = ns->root;
	for (int i = 0; i < CC_RT_NS_MAX; i++)
		if (ns->fds[i] >= 0)
			keep[nkeep++] = ns->fds[i];
	int cr = cc_rt_close_fds_except(keep, nkeep);
	if (cr < 0) {
		cc_error_set(&err, -cr, "close the caller's files");
		fail(sock, err);
	}
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			(void)signal(sig, SIG_DFL);

	/* 2. Cgroups before the mount namespace: /sys/fs/cgroup must still be
	 *    the host's view for the paths in /proc/<target>/cgroup. */
	if (join_cgroups(ns->cgroups, &err) < 0)
		fail(sock, err);

	/* 3. Namespaces; mount last, since it changes what paths mean. */
	for (int i = 0; i < CC_RT_NS_MAX; i++) {
		if (i == CC_RT_NS_PID || ns->fds[i] < 0)
			continue;
		if (setns(ns->fds[i], ns_flags[i]) < 0) {
			cc_error_set(&err, errno, "join the %s namespace of the container", ns_names[i]);
			fail(sock, err);
		}
	}

	/* 4. The container's root (pivoted there): through the fd opened while
	 *    /proc still showed the host's view. */
	if (fchdir(ns->root) < 0 || chroot(".") < 0 || chdir("/") < 0) {
		cc_error_set(&err, errno, "enter the container's root");
		fail(sock, err);
	}

	/* 5. A session of its own: no controlling terminal of the caller's
	 *    (TIOCSTI into the caller's shell), and with -t the pty becomes
	 *    it; /dev/console stays the container's first process's.  A
	 *    terminal as stdio without -t came as pipes (tty.c). */
	if (setsid() < 0) {
		cc_error_set(&err, errno, "setsid");
		fail(sock, err);
	}
	if (s->tty) {
		if (cc_rt_tty_child(sock, false, &err) < 0)
			fail(sock, err);
	} else if (!s->interactive) {
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (null < 0 || dup2(null, STDIN_FILENO) < 0) {
			cc_error_set(&err, errno, "open '/dev/null' as stdin");
			fail(sock, err);
		}
		close(null);
	}
	struct cc_rt_exec_target t;
	cc_rt_child_prepare_exec(plan, sock, &t);
	/* capabilities, no_new_privs, seccomp: the last step before execve */
	if (cc_rt_child_privileges_final(plan, t.uid, &err) < 0)
		fail(sock, err);
	cc_rt_exec_command(t.path, s->argv, t.envp, sock);
}
