#!/usr/bin/env bats
#
# Isolation and resource limits of `run`: capabilities, seccomp, masks,
# devices, --privileged, no-new-privileges, --ulimit, and the cgroup limits
# (memory and OOM, pids, cpus), measured from the host side.
#
# The image is the Alpine minirootfs imported into each test's fresh store
# (no registry needed), with --network none: these tests are about isolation,
# not networking.  Syscall probes that busybox cannot make come from a
# small static C program compiled here and bind-mounted into the container.

load helpers

setup_file() {
    file_setup
    PROBE=$BATS_FILE_TMPDIR/probe
    export PROBE
    cat >"$BATS_FILE_TMPDIR/probe.c" <<'EOF'
/* Prints NAME=RESULT for each syscall: 0, or the errno's name.
 * "probe forkbomb": a fork bomb that holds on to what it got. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/reboot.h>

static void show(const char *name, long r)
{
	printf("%s=%s\n", name, r < 0 ? strerrorname_np(errno) : "0");
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "forkbomb") == 0) {
		/* every process forks forever; a refused fork is retried 10 ms
		 * later, so the tree grows to the limit and stays there */
		for (;;)
			if (fork() < 0)
				usleep(10000);
	}
	show("unknown1000", syscall(1000));
	show("clone3", syscall(435, NULL, 0));           /* bad args: EINVAL unconfined */
	show("fchmodat2", syscall(452, AT_FDCWD, "/nonexistent", 0755, 0));
	show("keyctl", syscall(SYS_keyctl, 0 /* GET_KEYRING_ID */, -3, 0, 0, 0));
	show("add_key", syscall(SYS_add_key, "user", "cc", "x", 1, -3));
	show("init_module", syscall(SYS_init_module, NULL, 0, ""));
	show("finit_module", syscall(SYS_finit_module, -1, "", 0));
	show("delete_module", syscall(SYS_delete_module, "cc_nonexistent", 0));
	show("kexec_load", syscall(SYS_kexec_load, 0, 0, NULL, 0));
	show("bpf", syscall(SYS_bpf, 5 /* PROG_LOAD */, NULL, 0));
	show("perf_event_open", syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0));
	show("mount", syscall(SYS_mount, "none", "/mnt", "tmpfs", 0, NULL));
	show("umount2", syscall(SYS_umount2, "/nonexistent", 0));
	show("pivot_root", syscall(SYS_pivot_root, "/nonexistent", "/nonexistent"));
	show("unshare", syscall(SYS_unshare, CLONE_NEWNET));
	show("setns", syscall(SYS_setns, -1, CLONE_NEWNET));
	show("swapoff", syscall(SYS_swapoff, "/nonexistent"));
	show("swapon", syscall(SYS_swapon, "/nonexistent", 0));
	show("acct", syscall(SYS_acct, NULL));
	show("settimeofday", syscall(SYS_settimeofday, NULL, NULL));
	show("clock_settime", syscall(SYS_clock_settime, 0, NULL));
	show("open_by_handle_at", syscall(SYS_open_by_handle_at, -1, NULL, 0));
	/* CAD_OFF: harmless even where it is allowed (EINVAL in a pid namespace) */
	show("reboot", syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_CAD_OFF, NULL));
	show("vsock", syscall(SYS_socket, 40, 1, 0));
	/* io_uring (moby 25+ denies it): a real ring with 1 entry, then the
	 * other two on an fd that is not a ring (EBADF when allowed) */
	char params[120] = { 0 };
	show("io_uring_setup", syscall(SYS_io_uring_setup, 1, params));
	show("io_uring_enter", syscall(SYS_io_uring_enter, -1, 0, 0, 0, NULL, 0));
	show("io_uring_register", syscall(SYS_io_uring_register, -1, 0, NULL, 0));
	show("getpid", syscall(SYS_getpid));
	return 0;
}
EOF
    gcc -static -O1 -o "$PROBE" "$BATS_FILE_TMPDIR/probe.c" ||
        die "cannot build the static syscall probe (gcc -static)"
}

setup() {
    basic_setup
    run_cc import "$(alpine_tarball)" alpine:latest
    CG_IDS=()
}

teardown() {
    # the container cgroups this test saw must be gone
    local id d leaked=
    for id in "${CG_IDS[@]}"; do
        for d in /sys/fs/cgroup/*/ccontainer/"$id" /sys/fs/cgroup/ccontainer/"$id"; do
            [[ -d $d ]] && leaked+=" $d"
        done
    done
    basic_teardown
    [[ -z $leaked ]] || die "cgroups left behind:$leaked"
}

###############################################################################
# cgroup helpers, for either layout

# v1 (or hybrid) has the controllers as directories under /sys/fs/cgroup
cg_v1() { [[ -d /sys/fs/cgroup/pids && -d /sys/fs/cgroup/memory ]]; }

# init_pid: the container's first process, a child of ccontainer ($CC_BG_PID)
init_pid() {
    local kids
    kids=$(cat "/proc/$CC_BG_PID/task/$CC_BG_PID/children" 2>/dev/null) || return 1
    kids=${kids%% *}
    [[ -n $kids ]] && echo "$kids"
}

# wait_in_cgroup: poll until the container runs in its own cgroup, set $CG_ID
wait_in_cgroup() {
    local i pid line
    for i in $(seq 100); do
        if pid=$(init_pid) && [[ -r /proc/$pid/cgroup ]]; then
            while IFS= read -r line; do
                if [[ $line =~ /ccontainer/([0-9a-f]{64})$ ]]; then
                    CG_ID=${BASH_REMATCH[1]}
                    CG_IDS+=("$CG_ID")
                    return 0
                fi
            done <"/proc/$pid/cgroup"
        fi
        sleep 0.1
    done
    die "the container never showed up in a ccontainer/<id> cgroup"
}

# cg_dir CONTROLLER: the container's cgroup directory for it
cg_dir() {
    if cg_v1; then
        echo "/sys/fs/cgroup/$1/ccontainer/$CG_ID"
    else
        echo "/sys/fs/cgroup/ccontainer/$CG_ID"
    fi
}

# cpu_usage_ns: CPU time the container used so far
cpu_usage_ns() {
    if cg_v1; then
        cat "$(cg_dir cpuacct)/cpuacct.usage"
    else
        local k v
        while read -r k v; do
            [[ $k == usage_usec ]] && echo $((v * 1000))
        done <"$(cg_dir cpu)/cpu.stat"
    fi
}

pids_current() { cat "$(cg_dir pids)/pids.current"; }

# stop_bg: SIGTERM to ccontainer (forwarded; PID 1 without a handler gets
# the default action), then wait for it, bounded
stop_bg() {
    kill -TERM "$CC_BG_PID" 2>/dev/null || true
    wait_bg "$CC_BG_PID" 20
}

###############################################################################
# Capabilities

@test "isolation: root gets docker's default capability set, nothing inheritable or ambient" {
    run_cc run --network none --rm alpine grep ^Cap /proc/self/status
    assert_line_match "$output" '^CapInh:[[:space:]]+0000000000000000$'
    assert_line_match "$output" '^CapPrm:[[:space:]]+00000000a80425fb$'
    assert_line_match "$output" '^CapEff:[[:space:]]+00000000a80425fb$'
    assert_line_match "$output" '^CapBnd:[[:space:]]+00000000a80425fb$'
    assert_line_match "$output" '^CapAmb:[[:space:]]+0000000000000000$'
}

@test "isolation: a non-root user holds no capabilities, the bounding set is the configured one" {
    run_cc run --network none --rm -u nobody alpine grep ^Cap /proc/self/status
    assert_line_match "$output" '^CapPrm:[[:space:]]+0000000000000000$'
    assert_line_match "$output" '^CapEff:[[:space:]]+0000000000000000$'
    assert_line_match "$output" '^CapBnd:[[:space:]]+00000000a80425fb$'

    # NET_ADMIN (bit 12) added, NET_RAW (bit 13) dropped: 0xa80425fb + 0x1000 - 0x2000
    run_cc run --network none --rm -u nobody --cap-add net_admin --cap-drop CAP_NET_RAW alpine grep ^CapBnd /proc/self/status
    assert_match "$output" '00000000a80415fb$'
    run_cc run --network none --rm --cap-drop ALL --cap-add CHOWN alpine grep ^CapEff /proc/self/status
    assert_match "$output" '0000000000000001$'
}

@test "isolation: ping works as root (NET_RAW) and stops working with --cap-drop NET_RAW" {
    run_cc run --network none --rm alpine ping -c1 -W2 127.0.0.1
    assert_contains "$output" "1 packets received"
    run_cc 1 run --network none --rm --cap-drop NET_RAW alpine ping -c1 -W2 127.0.0.1
    assert_contains "$stderr" "permission denied"
}

@test "isolation: an unknown capability is one clear error" {
    run_cc 125 run --network none --rm --cap-add CAP_FLY alpine true
    is "${#stderr_lines[@]}" 1 "number of stderr lines"
    assert_contains "$stderr" 'unknown capability: "CAP_FLY"'
}

###############################################################################
# Seccomp and the other restrictions

@test "isolation: the default profile denies with EPERM, unknown syscalls and clone3 get ENOSYS" {
    run_cc run --network none --rm -v "$PROBE:/probe:ro" alpine /probe
    local sc
    for sc in keyctl add_key init_module finit_module delete_module kexec_load bpf perf_event_open \
        mount umount2 pivot_root unshare setns swapoff swapon acct settimeofday clock_settime \
        open_by_handle_at reboot vsock io_uring_setup io_uring_enter io_uring_register; do
        assert_line_match "$output" "^$sc=EPERM$" "$sc in a default container"
    done
    assert_line_match "$output" '^unknown1000=ENOSYS$'
    assert_line_match "$output" '^clone3=ENOSYS$'
    # newer than every syscall the profile names: ENOSYS, so libcs fall back
    assert_line_match "$output" '^fchmodat2=ENOSYS$'
    assert_line_match "$output" '^getpid=0$'
}

@test "isolation: seccomp=unconfined lifts the filter (keyctl works, clone3 reaches the kernel)" {
    run_cc run --network none --rm --security-opt seccomp=unconfined -v "$PROBE:/probe:ro" alpine /probe
    assert_line_match "$output" '^keyctl=0$'
    assert_line_match "$output" '^io_uring_enter=EBADF$'
    assert_line_match "$output" '^clone3=EINVAL$'
    assert_line_match "$output" '^unknown1000=ENOSYS$'
    # still no capability for these
    assert_line_match "$output" '^mount=EPERM$'
}

@test "isolation: mount, unshare, reboot, /proc/sys and /proc/keys from busybox in a default container" {
    run_cc run --network none --rm alpine sh -c '
        mount -t tmpfs none /mnt 2>/dev/null && echo mount=ok || echo mount=denied
        unshare -n true 2>/dev/null && echo unshare=ok || echo unshare=denied
        reboot -f 2>/dev/null; echo reboot=$?
        (echo x >/proc/sys/kernel/hostname) 2>/dev/null && echo hostname=ok || echo hostname=denied
        [ -e /proc/kcore ] && echo kcore=$(stat -c %t:%T /proc/kcore) || echo kcore=absent
        echo keys=$(stat -c %F:%t:%T /proc/keys)
        echo timer_list=$(stat -c %t:%T /proc/timer_list)'
    assert_line_match "$output" '^mount=denied$'
    assert_line_match "$output" '^unshare=denied$'
    assert_line_match "$output" '^reboot=1$'
    assert_line_match "$output" '^hostname=denied$'
    # /proc/kcore does not exist on this kernel; where it does it is /dev/null (1:3)
    assert_line_match "$output" '^kcore=(absent|1:3)$'
    assert_line_match "$output" '^keys=character special file:1:3$' "/proc/keys masked with /dev/null"
    assert_line_match "$output" '^timer_list=1:3$'
}

@test "isolation: mknod works but the device cgroup denies using the node (docker's allowlist)" {
    cg_v1 || skip "device allowlist implemented for the cgroup v1 devices controller only"
    [[ -d /sys/fs/cgroup/devices ]] || skip "no devices controller"
    run_cc run --network none --rm alpine sh -c '
        mknod /tmp/kmsg c 1 11 && echo mknod=ok
        head -c1 /tmp/kmsg >/dev/null 2>/tmp/err; echo kmsg=$?; cat /tmp/err
        mknod /tmp/null c 1 3 && echo x >/tmp/null && echo null=ok'
    assert_line_match "$output" '^mknod=ok$'
    assert_line_match "$output" '^kmsg=1$'
    assert_contains "$output" "Operation not permitted"
    assert_line_match "$output" '^null=ok$'
}

@test "isolation: CAP_SYS_ADMIN widens the profile; a custom profile can deny unshare again" {
    run_cc run --network none --rm --cap-add SYS_ADMIN alpine unshare -n true
    run_cc run --network none --rm --security-opt seccomp=unconfined --cap-add SYS_ADMIN alpine unshare -n true

    local prof=$BATS_TEST_TMPDIR/deny-unshare.json
    cat >"$prof" <<'EOF'
{
  "defaultAction": "SCMP_ACT_ALLOW",
  "syscalls": [
    {"names": ["unshare"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
    {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}
  ]
}
EOF
    run_cc 1 run --network none --rm --security-opt "seccomp=$prof" --cap-add SYS_ADMIN alpine unshare -n true
    assert_contains "$stderr" "Operation not permitted"
    run_cc 1 run --network none --rm --security-opt "seccomp=$prof" alpine mkdir /tmp/x
    assert_contains "$stderr" "Permission denied"
}

@test "isolation: a bad seccomp profile or option is one clear error" {
    local prof=$BATS_TEST_TMPDIR/bad.json
    echo '{"defaultAction": "SCMP_ACT_FLY"}' >"$prof"
    run_cc 125 run --network none --rm --security-opt "seccomp=$prof" alpine true
    is "${#stderr_lines[@]}" 1 "number of stderr lines"
    assert_contains "$stderr" "unknown action 'SCMP_ACT_FLY'"
    run_cc 125 run --network none --rm --security-opt seccomp=/nonexistent.json alpine true
    assert_contains "$stderr" "/nonexistent.json"
    run_cc 125 run --network none --rm --security-opt apparmor=x alpine true
    is "${#stderr_lines[@]}" 1 "number of stderr lines"
}

@test "isolation: --privileged has every capability, no seccomp, host devices, /sys rw, no masks" {
    run_cc run --network none --rm --privileged -v "$PROBE:/probe:ro" alpine sh -c '
        mount -t tmpfs none /mnt && echo mount=ok && umount /mnt
        grep ^CapEff /proc/self/status
        /probe | grep -E "^(keyctl|clone3|io_uring_enter)="
        [ -e /dev/kmsg ] && echo kmsg=present
        head -c0 /dev/kmsg && echo kmsg=usable
        grep -E " /sys (sysfs|[^ ]+) " /proc/mounts | grep -q "rw," && echo sys=rw
        [ -e /proc/keys ] && stat -c keys=%t:%T /proc/keys'
    assert_line_match "$output" '^mount=ok$'
    local capeff
    capeff=$(grep -o 'CapBnd:[[:space:]]*[0-9a-f]*' /proc/self/status | grep -o '[0-9a-f]*$')
    assert_line_match "$output" "^CapEff:[[:space:]]+$capeff$" "all of the host's bounding set"
    assert_line_match "$output" '^keyctl=0$'
    assert_line_match "$output" '^io_uring_enter=EBADF$'
    assert_line_match "$output" '^clone3=EINVAL$'
    assert_line_match "$output" '^kmsg=present$'
    assert_line_match "$output" '^kmsg=usable$'
    assert_line_match "$output" '^sys=rw$'
    assert_no_line_match "$output" '^keys=1:3$' "/proc/keys not masked"
}

@test "isolation: --security-opt no-new-privileges sets NoNewPrivs" {
    run_cc run --network none --rm alpine grep ^NoNewPrivs /proc/self/status
    assert_match "$output" 'NoNewPrivs:[[:space:]]+0$'
    run_cc run --network none --rm --security-opt no-new-privileges alpine grep ^NoNewPrivs /proc/self/status
    assert_match "$output" 'NoNewPrivs:[[:space:]]+1$'
    # with the flag the filter loads without CAP_SYS_ADMIN, for a user too
    run_cc run --network none --rm --security-opt no-new-privileges=true -u nobody -v "$PROBE:/probe:ro" alpine /probe
    assert_line_match "$output" '^keyctl=EPERM$'
}

@test "isolation: --ulimit sets soft and hard limits" {
    run_cc run --network none --rm --ulimit nofile=1024:2048 --ulimit core=0 --ulimit nproc=512 alpine \
        sh -c 'echo $(ulimit -n) $(ulimit -Hn) $(ulimit -c) $(ulimit -u)'
    is "$output" "1024 2048 0 512"
    run_cc 125 run --network none --rm --ulimit nofile=10:5 alpine true
    assert_contains "$stderr" "soft limit must be less than or equal to hard limit"
    run_cc 125 run --network none --rm --ulimit bogus=1 alpine true
    assert_contains "$stderr" "invalid ulimit type: bogus"
}

###############################################################################
# Resources

@test "limits: --memory 32m: a process allocating past it is OOM-killed, exit 137 and one line" {
    run_cc 137 run --network none --name oomer --memory 32m alpine sh -c 'x=$(head -c 100000000 /dev/zero | tr "\0" a); echo survived'
    assert_not_contains "$output" "survived"
    assert_line_match "$stderr" '^Error: container [0-9a-f]{12} was OOM-killed'
    is "${#stderr_lines[@]}" 1 "number of stderr lines"
    run_cc inspect oomer
    is "$(json_get "$output" '[0]["State"]["OOMKilled"]')" "true" "State.OOMKilled"
    is "$(json_get "$output" '[0]["State"]["ExitCode"]')" "137" "State.ExitCode"
    run_cc rm oomer
}

@test "limits: the memory limits are in the container's cgroup, which is gone after exit" {
    cc_bg mem run --network none --rm --memory 64m --memory-swap 96m --cpu-shares 512 alpine sleep 30
    wait_in_cgroup
    if cg_v1; then
        is "$(cat "$(cg_dir memory)/memory.limit_in_bytes")" 67108864 "memory.limit_in_bytes"
        if [[ -e $(cg_dir memory)/memory.memsw.limit_in_bytes ]]; then
            is "$(cat "$(cg_dir memory)/memory.memsw.limit_in_bytes")" 100663296 "memsw"
        fi
        is "$(cat "$(cg_dir cpu)/cpu.shares")" 512 "cpu.shares"
        # hybrid: also tracked in the unified hierarchy
        if [[ -d /sys/fs/cgroup/unified ]]; then
            [[ -d /sys/fs/cgroup/unified/ccontainer/$CG_ID ]] || die "no unified cgroup"
        fi
    else
        is "$(cat "$(cg_dir memory)/memory.max")" 67108864 "memory.max"
        is "$(cat "$(cg_dir memory)/cpu.weight")" 20 "cpu.weight"
    fi
    # the container sees its own cgroup as the root
    local pid
    pid=$(init_pid)
    assert_match "$(readlink "/proc/$pid/ns/cgroup")" '^cgroup:'
    isnt "$(readlink "/proc/$pid/ns/cgroup")" "$(readlink /proc/self/ns/cgroup)" "cgroup namespace"
    stop_bg
    local d
    for d in /sys/fs/cgroup/*/ccontainer/"$CG_ID" /sys/fs/cgroup/ccontainer/"$CG_ID"; do
        assert_file_absent "$d"
    done
}

@test "limits: update changes a running container's cgroup and what later starts use" {
    run_cc run -d --network none --name upd --memory 32m --pids-limit 20 alpine sleep 600
    run_cc inspect -f '{{.Id}}' upd
    CG_ID=$output
    CG_IDS+=("$CG_ID")
    run_cc update --memory 64m --pids-limit 40 --cpu-shares 512 upd
    is "$output" "upd" "update echoes the name"
    local mem pids
    if cg_v1; then
        mem=$(cg_dir memory)/memory.limit_in_bytes pids=$(cg_dir pids)/pids.max
        is "$(cat "$(cg_dir cpu)/cpu.shares")" 512 "cpu.shares"
    else
        mem=$(cg_dir memory)/memory.max pids=$(cg_dir pids)/pids.max
    fi
    is "$(cat "$mem")" 67108864 "the memory limit of the running container"
    is "$(cat "$pids")" 40 "its pids limit"
    run_cc inspect -f '{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}} {{.HostConfig.CpuShares}}' upd
    is "$output" "67108864 40 512" "inspect"
    run_cc stop -t 0 upd
    run_cc start upd
    is "$(cat "$mem")" 67108864 "a later start keeps it"
    # the kernel's refusal changes nothing
    run_cc 1 update --memory 1 upd
    assert_contains "$stderr" "update the cgroup of container"
    run_cc inspect -f '{{.HostConfig.Memory}}' upd
    is "$output" "67108864" "nothing stored after a refusal"
    run_cc 125 update upd
    assert_contains "$stderr" "you must provide one or more flags"
    run_cc 1 update --cpus lots upd
    assert_contains "$stderr" "--cpus"
    run_cc rm -f upd
}

@test "limits: the container is in its own cgroup in every hierarchy, from its first instruction" {
    # the child moves itself ("0" to v1 tasks, CLONE_INTO_CGROUP for cgroup2),
    # and the cgroup is made ahead in a thread: both must end in the same place
    cc_bg cgall run --network none --rm --pids-limit 50 alpine sleep 30
    wait_in_cgroup
    local pid line n=0
    pid=$(init_pid)
    while IFS= read -r line; do
        case $line in
        *:name=*:*) continue ;; # named hierarchies (systemd) are not ours
        [0-9]*:cpu:* | *:cpuacct:* | *:memory:* | *:pids:* | *:devices:* | 0::*)
            assert_match "$line" "/ccontainer/$CG_ID\$"
            n=$((n + 1))
            ;;
        esac
    done <"/proc/$pid/cgroup"
    ((n >= 1)) || die "no hierarchy of ours in /proc/$pid/cgroup"
    is "$(cat "$(cg_dir pids)/pids.max")" 50 "pids.max"
    # one process in it: the container's (nothing of ccontainer's stayed)
    if cg_v1; then
        is "$(cat "$(cg_dir pids)/tasks")" "$pid" "tasks"
    else
        is "$(cat "$(cg_dir pids)/cgroup.procs")" "$pid" "cgroup.procs"
    fi
    stop_bg
}

@test "limits: a start that fails after its cgroup was made ahead leaves no cgroup" {
    # the cgroup is made in a thread while the store is read; a failure
    # after that (here: a bind source that cannot be created) must undo it
    local before after
    before=$(ls -d /sys/fs/cgroup/*/ccontainer/* /sys/fs/cgroup/ccontainer/* 2>/dev/null | sort)
    run_cc 125 run --network none --rm --memory 64m -v /proc/1/no/such/dir:/x alpine true
    assert_contains "$stderr" "create directory '/proc/1/no'"
    after=$(ls -d /sys/fs/cgroup/*/ccontainer/* /sys/fs/cgroup/ccontainer/* 2>/dev/null | sort)
    is "$after" "$before" "cgroups after the failed start"
}

@test "limits: a fork bomb under --pids-limit 20 stays at 20 tasks and the host stays responsive" {
    # the probe's fork bomb: a shell's would die at its first refused fork
    cc_bg bomb run --network none --rm --pids-limit 20 -v "$PROBE:/probe:ro" alpine /probe forkbomb
    wait_in_cgroup
    is "$(cat "$(cg_dir pids)/pids.max")" 20 "pids.max"
    local i cur max=0 refused=0 k v
    for i in $(seq 30); do # about 3 s
        cur=$(pids_current)
        ((cur > max)) && max=$cur
        sleep 0.1
    done
    # forks the limit refused (pids.events "max N")
    while read -r k v; do
        [[ $k == max ]] && refused=$v
    done <"$(cg_dir pids)/pids.events"
    echo "# pids.current peaked at $max; $refused forks refused by pids.max" >&3
    assert_le "$max" 20 "tasks in the container"
    assert_le 15 "$max" "tasks in the container (the bomb grew)"
    assert_le 1 "$refused" "forks refused at the limit"
    # the host still forks and answers quickly
    local t0=$SECONDS
    timeout 5 sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do /bin/true; done' || die "host unresponsive"
    assert_le $((SECONDS - t0)) 2 "seconds for 10 forks on the host"
    stop_bg
}

@test "limits: a busy loop under --cpus 0.5 gets about half a CPU" {
    cc_bg spin run --network none --rm --cpus 0.5 alpine sh -c 'while :; do :; done'
    wait_in_cgroup
    if cg_v1; then
        is "$(cat "$(cg_dir cpu)/cpu.cfs_quota_us")" 50000 "cpu.cfs_quota_us"
        is "$(cat "$(cg_dir cpu)/cpu.cfs_period_us")" 100000 "cpu.cfs_period_us"
    else
        is "$(cat "$(cg_dir cpu)/cpu.max")" "50000 100000" "cpu.max"
    fi
    sleep 0.5 # let the loop get going: the measure below is what counts
    local a b t0 t1
    a=$(cpu_usage_ns)
    t0=$(date +%s%N)
    sleep 2
    b=$(cpu_usage_ns)
    t1=$(date +%s%N)
    stop_bg
    local permille=$(((b - a) * 1000 / (t1 - t0)))
    echo "# --cpus 0.5: $permille/1000 of a CPU over $(((t1 - t0) / 1000000)) ms" >&3
    assert_le 300 "$permille" "CPU share (per mille), lower bound"
    assert_le "$permille" 700 "CPU share (per mille), upper bound"
}

@test "limits: bad resource values are one clear error each" {
    run_cc 125 run --network none --rm --memory lots alpine true
    assert_contains "$stderr" 'invalid argument "lots" for "-m, --memory" flag: not a size'
    run_cc 125 run --network none --rm --memory 1m alpine true
    assert_contains "$stderr" "Minimum memory limit allowed is 6MB"
    run_cc 125 run --network none --rm --memory 64m --memory-swap 32m alpine true
    assert_contains "$stderr" "Minimum memoryswap limit should be larger than memory limit"
    run_cc 125 run --network none --rm --cpus 0 alpine true
    assert_contains "$stderr" "--cpus"
    run_cc 125 run --network none --rm --cpus 1000 alpine true
    assert_contains "$stderr" "range of CPUs"
    run_cc 125 run --network none --rm --pids-limit many alpine true
    is "${#stderr_lines[@]}" 1 "number of stderr lines"
}
