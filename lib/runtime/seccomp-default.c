/* The built-in seccomp profile: an allowlist equivalent to docker's default
 * (moby profiles/seccomp/default.json), written as C data so that the start
 * path does not parse JSON.  Everything not listed fails with EPERM; a
 * syscall newer than every one named here fails with ENOSYS (the prologue
 * seccomp.c adds), clone3 explicitly so.  Capabilities widen it: a rule with
 * caps_include applies only when the container holds all of them, one with
 * caps_exclude only when it holds none.
 *
 * io_uring_setup, io_uring_enter and io_uring_register are not allowed (as
 * in moby 25+): io_uring's ring bypasses the filter for the operations it
 * submits and has been a steady source of kernel privilege escalations.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "security-internal.h"

#include <errno.h>
#include <linux/capability.h>
#include <seccomp.h>

#define NAMES(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define CAP(c) (UINT64_C(1) << (c))
#define ALLOW .action = SCMP_ACT_ALLOW, .errno_ret = -1

/* Namespace flags of clone(2): CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC |
 * NEWUSER | NEWPID | NEWNET.  Without CAP_SYS_ADMIN clone is allowed only
 * when none of them is set. */
#define CLONE_NS_FLAGS UINT64_C(0x7E020000)

static const struct cc_rt_sc_rule rules[] = {
	{ ALLOW,
	  .names = NAMES("accept", "accept4", "access", "adjtimex", "alarm", "bind", "brk",
			 "capget", "capset", "chdir", "chmod", "chown", "chown32", "clock_adjtime",
			 "clock_adjtime64", "clock_getres", "clock_getres_time64", "clock_gettime",
			 "clock_gettime64", "clock_nanosleep", "clock_nanosleep_time64", "close",
			 "close_range", "connect", "copy_file_range", "creat", "dup", "dup2", "dup3",
			 "epoll_create", "epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_pwait",
			 "epoll_pwait2", "epoll_wait", "epoll_wait_old", "eventfd", "eventfd2", "execve",
			 "execveat", "exit", "exit_group", "faccessat", "faccessat2", "fadvise64",
			 "fadvise64_64", "fallocate", "fanotify_mark", "fchdir", "fchmod", "fchmodat",
			 "fchown", "fchown32", "fchownat", "fcntl", "fcntl64", "fdatasync", "fgetxattr",
			 "flistxattr", "flock", "fork", "fremovexattr", "fsetxattr", "fstat", "fstat64",
			 "fstatat64", "fstatfs", "fstatfs64", "fsync", "ftruncate", "ftruncate64",
			 "futex", "futex_time64", "futex_waitv", "futimesat", "getcpu", "getcwd",
			 "getdents", "getdents64", "getegid", "getegid32", "geteuid", "geteuid32",
			 "getgid", "getgid32", "getgroups", "getgroups32", "getitimer", "getpeername",
			 "getpgid", "getpgrp", "getpid", "getppid", "getpriority", "getrandom",
			 "getresgid", "getresgid32", "getresuid", "getresuid32", "getrlimit",
			 "get_robust_list", "getrusage", "getsid", "getsockname", "getsockopt",
			 "get_thread_area", "gettid", "gettimeofday", "getuid", "getuid32", "getxattr",
			 "inotify_add_watch", "inotify_init", "inotify_init1", "inotify_rm_watch",
			 "io_cancel", "ioctl", "io_destroy", "io_getevents", "io_pgetevents",
			 "io_pgetevents_time64", "ioprio_get", "ioprio_set", "io_setup", "io_submit",
			 "ipc", "kill",
			 "landlock_add_rule", "landlock_create_ruleset", "landlock_restrict_self",
			 "lchown", "lchown32", "lgetxattr", "link", "linkat", "listen", "listxattr",
			 "llistxattr", "_llseek", "lremovexattr", "lseek", "lsetxattr", "lstat",
			 "lstat64", "madvise", "membarrier", "memfd_create", "memfd_secret", "mincore",
			 "mkdir", "mkdirat", "mknod", "mknodat", "mlock", "mlock2", "mlockall", "mmap",
			 "mmap2", "mprotect", "mq_getsetattr", "mq_notify", "mq_open", "mq_timedreceive",
			 "mq_timedreceive_time64", "mq_timedsend", "mq_timedsend_time64", "mq_unlink",
			 "mremap", "msgctl", "msgget", "msgrcv", "msgsnd", "msync", "munlock",
			 "munlockall", "munmap", "name_to_handle_at", "nanosleep", "newfstatat",
			 "_newselect", "open", "openat", "openat2", "pause", "pidfd_open",
			 "pidfd_send_signal", "pipe", "pipe2", "pkey_alloc", "pkey_free",
			 "pkey_mprotect", "poll", "ppoll", "ppoll_time64", "prctl", "pread64", "preadv",
			 "preadv2", "prlimit64", "process_mrelease", "pselect6", "pselect6_time64",
			 "pwrite64", "pwritev", "pwritev2", "read", "readahead", "readlink",
			 "readlinkat", "readv", "recv", "recvfrom", "recvmmsg", "recvmmsg_time64",
			 "recvmsg", "remap_file_pages", "removexattr", "rename", "renameat",
			 "renameat2", "restart_syscall", "rmdir", "rseq", "rt_sigaction",
			 "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn",
			 "rt_sigsuspend", "rt_sigtimedwait", "rt_sigtimedwait_time64",
			 "rt_tgsigqueueinfo", "sched_getaffinity", "sched_getattr", "sched_getparam",
			 "sched_get_priority_max", "sched_get_priority_min", "sched_getscheduler",
			 "sched_rr_get_interval", "sched_rr_get_interval_time64", "sched_setaffinity",
			 "sched_setattr", "sched_setparam", "sched_setscheduler", "sched_yield",
			 "seccomp", "select", "semctl", "semget", "semop", "semtimedop",
			 "semtimedop_time64", "send", "sendfile", "sendfile64", "sendmmsg", "sendmsg",
			 "sendto", "setfsgid", "setfsgid32", "setfsuid", "setfsuid32", "setgid",
			 "setgid32", "setgroups", "setgroups32", "setitimer", "setpgid", "setpriority",
			 "setregid", "setregid32", "setresgid", "setresgid32", "setresuid",
			 "setresuid32", "setreuid", "setreuid32", "setrlimit", "set_robust_list",
			 "setsid", "setsockopt", "set_thread_area", "set_tid_address", "setuid",
			 "setuid32", "setxattr", "shmat", "shmctl", "shmdt", "shmget", "shutdown",
			 "sigaltstack", "signalfd", "signalfd4", "sigprocmask", "sigreturn",
			 "socketcall", "socketpair", "splice", "stat", "stat64", "statfs", "statfs64",
			 "statx", "symlink", "symlinkat", "sync", "sync_file_range", "syncfs",
			 "sysinfo", "tee", "tgkill", "time", "timer_create", "timer_delete",
			 "timer_getoverrun", "timer_gettime", "timer_gettime64", "timer_settime",
			 "timer_settime64", "timerfd_create", "timerfd_gettime", "timerfd_gettime64",
			 "timerfd_settime", "timerfd_settime64", "times", "tkill", "truncate",
			 "truncate64", "ugetrlimit", "umask", "uname", "unlink", "unlinkat", "utime",
			 "utimensat", "utimensat_time64", "utimes", "vfork", "vmsplice", "wait4",
			 "waitid", "waitpid", "write", "writev") },
	{ ALLOW, .names = NAMES("process_vm_readv", "process_vm_writev", "ptrace"),
	  .min_kernel = "4.8" },
	/* AF_VSOCK (40) sockets reach the host */
	{ ALLOW, .names = NAMES("socket"), .n_args = 1,
	  .args = { { .index = 0, .value = 40, .op = SCMP_CMP_NE } } },
	/* personality: PER_LINUX, PER_LINUX32, UNAME26 variants, query */
	{ ALLOW, .names = NAMES("personality"), .n_args = 1,
	  .args = { { .index = 0, .value = 0, .op = SCMP_CMP_EQ } } },
	{ ALLOW, .names = NAMES("personality"), .n_args = 1,
	  .args = { { .index = 0, .value = 8, .op = SCMP_CMP_EQ } } },
	{ ALLOW, .names = NAMES("personality"), .n_args = 1,
	  .args = { { .index = 0, .value = 0x20000, .op = SCMP_CMP_EQ } } },
	{ ALLOW, .names = NAMES("personality"), .n_args = 1,
	  .args = { { .index = 0, .value = 0x20008, .op = SCMP_CMP_EQ } } },
	{ ALLOW, .names = NAMES("personality"), .n_args = 1,
	  .args = { { .index = 0, .value = 0xffffffff, .op = SCMP_CMP_EQ } } },
	{ ALLOW, .names = NAMES("sync_file_range2", "swapcontext"), .arches_include = NAMES("ppc64le") },
	{ ALLOW,
	  .names = NAMES("arm_fadvise64_64", "arm_sync_file_range", "sync_file_range2", "breakpoint",
			 "cacheflush", "set_tls"),
	  .arches_include = NAMES("arm", "arm64") },
	{ ALLOW, .names = NAMES("arch_prctl"), .arches_include = NAMES("amd64", "x32") },
	{ ALLOW, .names = NAMES("modify_ldt"), .arches_include = NAMES("amd64", "x32", "x86") },
	{ ALLOW, .names = NAMES("s390_pci_mmio_read", "s390_pci_mmio_write", "s390_runtime_instr"),
	  .arches_include = NAMES("s390", "s390x") },
	{ ALLOW, .names = NAMES("riscv_flush_icache"), .arches_include = NAMES("riscv64") },
	{ ALLOW, .names = NAMES("open_by_handle_at"), .caps_include = CAP(CAP_DAC_READ_SEARCH) },
	{ ALLOW,
	  .names = NAMES("bpf", "clone", "clone3", "fanotify_init", "fsconfig", "fsmount", "fsopen",
			 "fspick", "lookup_dcookie", "mount", "mount_setattr", "move_mount",
			 "open_tree", "perf_event_open", "quotactl", "quotactl_fd", "setdomainname",
			 "sethostname", "setns", "syslog", "umount", "umount2", "unshare"),
	  .caps_include = CAP(CAP_SYS_ADMIN) },
	{ ALLOW, .names = NAMES("clone"), .n_args = 1,
	  .args = { { .index = 0, .value = CLONE_NS_FLAGS, .value_two = 0, .op = SCMP_CMP_MASKED_EQ } },
	  .caps_exclude = CAP(CAP_SYS_ADMIN), .arches_exclude = NAMES("s390", "s390x") },
	/* s390 has clone's first two arguments swapped */
	{ ALLOW, .names = NAMES("clone"), .n_args = 1,
	  .args = { { .index = 1, .value = CLONE_NS_FLAGS, .value_two = 0, .op = SCMP_CMP_MASKED_EQ } },
	  .caps_exclude = CAP(CAP_SYS_ADMIN), .arches_include = NAMES("s390", "s390x") },
	/* clone3's flags live in memory seccomp cannot inspect: ENOSYS makes
	 * libcs fall back to clone, which the rule above can check */
	{ .names = NAMES("clone3"), .action = SCMP_ACT_ERRNO(ENOSYS), .errno_ret = ENOSYS,
	  .caps_exclude = CAP(CAP_SYS_ADMIN) },
	{ ALLOW, .names = NAMES("reboot"), .caps_include = CAP(CAP_SYS_BOOT) },
	{ ALLOW, .names = NAMES("chroot"), .caps_include = CAP(CAP_SYS_CHROOT) },
	{ ALLOW, .names = NAMES("delete_module", "init_module", "finit_module"),
	  .caps_include = CAP(CAP_SYS_MODULE) },
	{ ALLOW, .names = NAMES("acct"), .caps_include = CAP(CAP_SYS_PACCT) },
	{ ALLOW,
	  .names = NAMES("kcmp", "pidfd_getfd", "process_madvise", "process_vm_readv",
			 "process_vm_writev", "ptrace"),
	  .caps_include = CAP(CAP_SYS_PTRACE) },
	{ ALLOW, .names = NAMES("iopl", "ioperm"), .caps_include = CAP(CAP_SYS_RAWIO) },
	{ ALLOW, .names = NAMES("settimeofday", "stime", "clock_settime", "clock_settime64"),
	  .caps_include = CAP(CAP_SYS_TIME) },
	{ ALLOW, .names = NAMES("vhangup"), .caps_include = CAP(CAP_SYS_TTY_CONFIG) },
	{ ALLOW, .names = NAMES("get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node"),
	  .caps_include = CAP(CAP_SYS_NICE) },
	{ ALLOW, .names = NAMES("syslog"), .caps_include = CAP(CAP_SYSLOG) },
	{ ALLOW, .names = NAMES("bpf"), .caps_include = CAP(39) /* CAP_BPF */ },
	{ ALLOW, .names = NAMES("perf_event_open"), .caps_include = CAP(38) /* CAP_PERFMON */ },
};

const struct cc_rt_sc_profile cc_rt_sc_default_profile = {
	.default_action = SCMP_ACT_ERRNO(EPERM),
	.default_errno = EPERM,
	/* docker's archMap: the native arch and the ones it can also run */
#if defined(__x86_64__)
	.arches = { SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32 },
	.n_arches = 3,
#elif defined(__aarch64__)
	.arches = { SCMP_ARCH_AARCH64, SCMP_ARCH_ARM },
	.n_arches = 2,
#elif defined(__s390x__)
	.arches = { SCMP_ARCH_S390X, SCMP_ARCH_S390 },
	.n_arches = 2,
#endif
	.rules = rules,
	.n_rules = sizeof(rules) / sizeof(rules[0]),
};
