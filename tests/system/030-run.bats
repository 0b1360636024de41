#!/usr/bin/env bats
#
# ccontainer run (issue 3): exit codes, the image config and every override,
# namespaces, mounts, --rm and what stays without it, signals, --init,
# whiteouts, masks, leaks over many runs, 100+ layers.  -t is in
# 031-run-tty.bats.  All as root, on images from a loopback registry.

load helpers

setup_file() {
    file_setup
    start_registry
    seed_alpine library/alpine:latest
    seed_alpine test/alpine:latest
    seed_configured test/configured:latest
    seed_whiteouts test/whiteouts:latest
    seed_layers 110 test/layers110:latest
}

setup() {
    basic_setup
    skip_if_not_root "run needs root"
    IMG=$REGISTRY/test/alpine:latest
    CFG=$REGISTRY/test/configured:latest
    HELPER=$REPO_ROOT/build/tests/cc-test-helper
}

teardown() {
    local rc=0
    kill_background
    process_leak_check || rc=1
    basic_teardown || rc=1
    return $rc
}

###############################################################################
# Helpers of this file

# pull_img REF...: pull quietly (so the run output is only the container's).
pull_img() {
    local ref
    for ref in "$@"; do
        run_cc pull -q "$ref" >/dev/null || return
    done
}

# procs_in_store: processes of this test's store, one "PID CMDLINE" a line:
# root or cwd under $CC_ROOT, or in another mount namespace that has
# something of $CC_ROOT mounted (a container's process sees its root as
# "/", but its overlay's upperdir names the store).  Containers of other
# stores on the machine do not count.
procs_in_store() {
    local root self_mnt d p t hit
    root=$(realpath -m "$CC_ROOT")
    self_mnt=$(readlink /proc/self/ns/mnt)
    for d in /proc/[0-9]*; do
        p=${d#/proc/}
        hit=
        for t in root cwd; do
            t=$(readlink "$d/$t" 2>/dev/null) || continue
            [[ "$t" != "$root" && "$t" != "$root"/* ]] || hit=1
        done
        if [[ -z "$hit" && "$(readlink "$d/ns/mnt" 2>/dev/null)" != "$self_mnt" ]] &&
            grep -qF -- "$root/" "$d/mountinfo" 2>/dev/null; then
            hit=1
        fi
        [[ -z "$hit" ]] || echo "$p $(tr '\0' ' ' <"$d/cmdline" 2>/dev/null)"
    done
}

process_leak_check() {
    local left
    left=$(procs_in_store)
    [[ -z "$left" ]] && return 0
    local pid
    while read -r pid _; do
        kill -9 "$pid" 2>/dev/null || true
    done <<<"$left"
    die "processes left with their root or cwd under $CC_ROOT:"$'\n'"$left"
}

# container_ids: the directories under $CC_ROOT/containers.
container_ids() {
    ls -1 "$CC_ROOT/containers" 2>/dev/null || true
}

# container_rows [COLUMNS]: rows of the containers table, '|'-separated.
container_rows() {
    python3 - "$CC_ROOT/store.db" "${1:-id,name,state,exit_code}" <<'EOF'
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
for row in db.execute("SELECT %s FROM containers ORDER BY created" % sys.argv[2]):
    print("|".join(str(c) for c in row))
EOF
}

# child_of PID: the first child of PID (from /proc), or nothing.
child_of() {
    local c
    c=$(cat "/proc/$1/task/$1/children" 2>/dev/null) || return 0
    echo "${c%% *}"
}

# comm_is PID NAME
comm_is() {
    [[ "$(cat "/proc/$1/comm" 2>/dev/null)" == "$2" ]]
}

# wait_for_command PARENT NAME: wait until PARENT's child has exec'd NAME; prints its pid.
wait_for_command() {
    local parent=$1 name=$2 child deadline=$((SECONDS + 20))
    while ((SECONDS < deadline)); do
        child=$(child_of "$parent")
        if [[ -n "$child" ]] && comm_is "$child" "$name"; then
            echo "$child"
            return 0
        fi
        sleep 0.05
    done
    die "no child of $parent became '$name' within 20s"
}

###############################################################################
# Pulling and exit codes

@test "run: pulls a missing image through the mirror, then runs the command" {
    export CCONTAINER_REGISTRY_MIRROR=http://$REGISTRY
    run_cc run --rm alpine echo hello from alpine
    assert_contains "$stderr" "Unable to find image 'alpine' locally" "stderr"
    is "${lines[-1]}" "hello from alpine" "last line of run"

    # The second run finds it in the store: no pull output.
    run_cc run --rm alpine echo again
    is "$output" "again" "output of the second run"
    assert_not_contains "$stderr" "Unable to find image" "stderr of the second run"
}

@test "run: the command's exit code is run's (0, 1, 42)" {
    pull_img "$IMG"
    run_cc 0 run --rm "$IMG" true
    run_cc 1 run --rm "$IMG" false
    run_cc 1 run --rm "$IMG" sh -c 'exit 1'
    run_cc 42 run --rm "$IMG" sh -c 'exit 42'
    run_cc 255 run --rm "$IMG" sh -c 'exit 255'
}

@test "run: a command that is not found exits 127 with docker's message" {
    pull_img "$IMG"
    run_cc 127 run --rm "$IMG" no-such-command arg
    is "$stderr" 'Error: exec: "no-such-command": executable file not found in $PATH' "stderr"
    is "$output" "" "stdout"

    run_cc 127 run --rm "$IMG" /no/such/file
    assert_contains "$stderr" 'exec: "/no/such/file": stat /no/such/file: no such file or directory' "stderr"
}

@test "run: a command that cannot be executed exits 126" {
    pull_img "$IMG"
    run_cc 126 run --rm "$IMG" /etc/passwd
    assert_contains "$stderr" 'exec: "/etc/passwd": permission denied' "stderr"

    run_cc 126 run --rm "$IMG" /etc
    assert_contains "$stderr" '"/etc"' "stderr for a directory"
}

@test "run: ccontainer's own failures exit 125 with one Error line" {
    pull_img "$IMG"
    run_cc 125 run --no-such-option "$IMG" true
    assert_contains "$stderr" "no-such-option" "stderr for an unknown option"

    run_cc 125 run
    run_cc 125 run -w relative/dir "$IMG" true
    # a relative source is a volume's name (docker's): this one is not one
    run_cc 125 run -v ./relative:/x "$IMG" true
    assert_contains "$stderr" "includes invalid characters for a local volume name" "stderr for a relative -v source"
    run_cc 125 run -u no-such-user "$IMG" true
    assert_contains "$stderr" "no-such-user" "stderr for an unknown user"

    # Nothing is left of the failed starts but their (non --rm) records.
    is "$(cc_mounts)" "" "mounts after failed starts"
}

@test "run: an unknown image on a registry that is down exits 125" {
    local port
    port=$(free_port)
    run_cc 125 run --rm "127.0.0.1:$port/test/alpine:latest" true
    assert_contains "$stderr" "127.0.0.1:$port" "stderr"
    is "$(container_ids)" "" "container directories"
    is "$(container_rows)" "" "container rows"
}

@test "run: death by a signal is 128+N" {
    pull_img "$IMG"
    # The command is not PID 1 under --init, so it can kill itself.
    run_cc 137 run --rm --init "$IMG" sh -c 'kill -KILL $$'
    run_cc 143 run --rm --init "$IMG" sh -c 'kill -TERM $$'
    # A shell reporting its child's death is a plain exit status.
    run_cc 130 run --rm "$IMG" sh -c 'sh -c "kill -INT \$\$"; exit $?'
}

###############################################################################
# PATH

@test "run: the command is looked up with the container's PATH, not the host's" {
    pull_img "$IMG"
    local hostbin=$BATS_TEST_TMPDIR/hostbin
    mkdir -p "$hostbin"
    printf '#!/bin/sh\necho host-only\n' >"$hostbin/cc-host-only-cmd"
    chmod 755 "$hostbin/cc-host-only-cmd"
    [[ "$(PATH=$hostbin:$PATH command -v cc-host-only-cmd)" == "$hostbin/cc-host-only-cmd" ]] ||
        die "the host cannot find its own command"

    PATH=$hostbin:$PATH run_cc 127 run --rm "$IMG" cc-host-only-cmd
    is "$stderr" 'Error: exec: "cc-host-only-cmd": executable file not found in $PATH' "stderr"

    # The same directory in the container's PATH does not help either: it
    # is the host's directory, not the container's.
    PATH=$hostbin:$PATH run_cc 127 run --rm -e "PATH=$hostbin:/usr/bin:/bin" "$IMG" cc-host-only-cmd

    # The container's PATH decides: without /bin, ls is not found.
    run_cc 127 run --rm -e PATH=/nowhere "$IMG" ls
    # and with a directory of the container's own it is.
    run_cc run --rm -e PATH=/nowhere:/bin "$IMG" ls /etc/alpine-release
    is "$output" "/etc/alpine-release" "ls with the container's PATH"
}

@test "run: the image's PATH finds the image's own commands" {
    pull_img "$CFG"
    run_cc run --rm --entrypoint imgtool "$CFG"
    is "$output" "imgtool-ran" "output of imgtool (only on the image's PATH)"
}

###############################################################################
# The image config and its overrides

@test "run: Entrypoint, Cmd, WorkingDir, User and Env from the image config" {
    pull_img "$CFG"
    run_cc run --rm "$CFG"
    is "${lines[0]}" "args=from-cmd" "Entrypoint runs with the image's Cmd"
    is "${lines[1]}" "pwd=/srv/app" "WorkingDir (absent from alpine, created)"
    is "${lines[2]}" "user=nobody:nobody" "User"
    is "${lines[3]}" "FOO=bar" "Env"
    is "${lines[4]}" "PATH=/opt/imgbin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" "PATH from Env"

    # The image's env, HOSTNAME and HOME (nobody's) are all there.
    run_cc run --rm --entrypoint env "$CFG"
    assert_line_match "$output" '^FOO=bar$'
    assert_line_match "$output" '^HOSTNAME=[0-9a-f]{12}$'
    assert_line_match "$output" '^HOME=/$'
}

@test "run: WorkingDir is created when missing, root-owned, and not in the image" {
    pull_img "$CFG"
    run_cc run --rm --entrypoint stat "$CFG" -c '%U %a' /srv/app
    is "$output" "root 755" "owner and mode of the created WorkingDir"
    run_cc run --rm -w /a/b/c --entrypoint pwd "$CFG"
    is "$output" "/a/b/c" "-w with a deep missing directory"
}

@test "run: arguments after the image replace Cmd, not Entrypoint" {
    pull_img "$CFG"
    run_cc run --rm "$CFG" one 'two words'
    is "${lines[0]}" "args=one two words" "args"
}

@test "run: --entrypoint replaces Entrypoint and drops the image's Cmd" {
    pull_img "$CFG"
    # With the image's Cmd, `id from-cmd` would fail.
    run_cc run --rm --entrypoint id "$CFG"
    is "$output" "uid=65534(nobody) gid=65534(nobody) groups=65534(nobody)" "id as the image's user"

    run_cc run --rm --entrypoint /bin/echo "$CFG" a b
    is "$output" "a b" "--entrypoint with arguments"

    # An empty --entrypoint clears it; the arguments are the whole command.
    run_cc run --rm --entrypoint "" "$CFG" echo plain
    is "$output" "plain" "--entrypoint ''"
    run_cc 125 run --rm --entrypoint "" "$CFG"
    assert_contains "$stderr" "no command specified" "stderr with neither"
}

@test "run: -w overrides WorkingDir" {
    pull_img "$CFG"
    run_cc run --rm -w /tmp "$CFG"
    is "${lines[1]}" "pwd=/tmp" "pwd with -w /tmp"
    run_cc run --rm --workdir /tmp/../var/./empty "$CFG"
    is "${lines[1]}" "pwd=/var/empty" "pwd with an uncleaned -w"
}

@test "run: -u overrides User: name, uid, uid:gid, user:group, supplementary groups" {
    pull_img "$CFG" "$IMG"
    run_cc run --rm -u root --entrypoint id "$CFG"
    is "$output" "uid=0(root) gid=0(root) groups=0(root),1(bin),2(daemon),3(sys),4(adm),6(disk),10(wheel),11(floppy),20(dialout),26(tape),27(video)" "-u root"
    run_cc run --rm -u 0 --entrypoint id "$CFG" -u
    is "$output" "0" "-u 0"
    run_cc run --rm -u 1234 --entrypoint id "$CFG"
    is "$output" "uid=1234 gid=0(root) groups=0(root)" "-u 1234 (no passwd entry)"
    run_cc run --rm -u 1234:5678 --entrypoint id "$CFG"
    is "$output" "uid=1234 gid=5678 groups=5678" "-u 1234:5678"
    run_cc run --rm -u nobody:wheel --entrypoint id "$CFG"
    is "$output" "uid=65534(nobody) gid=10(wheel) groups=10(wheel)" "-u nobody:wheel"
    run_cc run --rm -u bin "$IMG" id
    is "$output" "uid=1(bin) gid=1(bin) groups=1(bin),2(daemon),3(sys)" "-u bin (supplementary groups)"
    run_cc run --rm -u daemon:65534 "$IMG" id
    is "$output" "uid=2(daemon) gid=65534(nobody) groups=65534(nobody)" "-u daemon:65534"
    # The home directory comes from the container's passwd.
    run_cc run --rm -u bin "$IMG" sh -c 'echo $HOME'
    is "$output" "/bin" "HOME of bin"

    run_cc 125 run --rm -u nobody:no-such-group "$IMG" id
    assert_contains "$stderr" "no-such-group" "stderr for an unknown group"
}

@test "run: -e K=V, -e K from the host, --env-file; later ones win" {
    pull_img "$CFG"
    local envfile=$BATS_TEST_TMPDIR/env.list
    cat >"$envfile" <<'EOF'
# a comment, then a blank line

FROM_FILE=file value
OVERRIDDEN=from-file
HOST_VAR_FOR_FILE
EOF
    HOST_VAR=from-host HOST_VAR_FOR_FILE=also-host \
        run_cc run --rm --env-file "$envfile" -e FOO=override -e NEW=1 -e HOST_VAR \
        -e OVERRIDDEN=from-flag -e UNSET_ON_HOST_CC --entrypoint env "$CFG"
    assert_line_match "$output" '^FOO=override$' "image Env overridden by -e"
    assert_line_match "$output" '^NEW=1$'
    assert_line_match "$output" '^HOST_VAR=from-host$' "-e K takes the host's value"
    assert_line_match "$output" '^FROM_FILE=file value$' "--env-file"
    assert_line_match "$output" '^HOST_VAR_FOR_FILE=also-host$' "a bare name in --env-file"
    assert_line_match "$output" '^OVERRIDDEN=from-flag$' "-e wins over --env-file"
    assert_no_line_match "$output" '^OVERRIDDEN=from-file$'
    assert_no_line_match "$output" '^UNSET_ON_HOST_CC=' "-e K unset on the host"
    assert_no_line_match "$output" '^FOO=bar$'
    is "$(grep -c '^FOO=' <<<"$output")" 1 "FOO appears once"

    # Nothing of the host's environment leaks in otherwise.
    HOST_SECRET=leak run_cc run --rm --entrypoint env "$CFG"
    assert_no_line_match "$output" '^HOST_SECRET='

    run_cc 125 run --rm --env-file "$BATS_TEST_TMPDIR/no-such-file" "$CFG"
}

###############################################################################
# Namespaces

@test "run: the command is PID 1 and host processes are invisible" {
    pull_img "$IMG"
    run_cc run --rm "$IMG" ps -o pid,comm
    is "$output" $'PID   COMMAND\n    1 ps' "ps inside the container"

    run_cc run --rm -v "$HELPER:/helper:ro" "$IMG" /helper pid
    is "$output" "pid=1 ppid=0" "pid and ppid of the command"

    # /proc shows the container's pid namespace only.
    run_cc run --rm "$IMG" sh -c 'ls /proc | grep -c "^[0-9]"'
    assert_le "$output" 3 "processes in /proc inside the container"
}

@test "run: the default hostname is the short container ID; --hostname sets it" {
    pull_img "$IMG"
    run_cc run "$IMG" sh -c 'hostname; cat /etc/hostname; echo $HOSTNAME; grep -c "$(hostname)" /etc/hosts'
    local id
    id=$(container_ids)
    assert_match "$id" '^[0-9a-f]{64}$' "the container's ID"
    is "$output" "${id:0:12}"$'\n'"${id:0:12}"$'\n'"${id:0:12}"$'\n1' "hostname, /etc/hostname, \$HOSTNAME, /etc/hosts"

    run_cc run --rm --hostname my-host.example "$IMG" sh -c 'hostname; cat /etc/hostname; echo $HOSTNAME'
    is "$output" $'my-host.example\nmy-host.example\nmy-host.example' "with --hostname"
    run_cc run --rm -h short "$IMG" hostname
    is "$output" "short" "with -h"

    # The host's hostname is untouched.
    is "$(hostname)" "$(cat /proc/sys/kernel/hostname)" "host hostname"
    isnt "$(hostname)" "short" "host hostname"
}

@test "run --network none: the network namespace has only lo, up" {
    pull_img "$IMG"
    run_cc run --rm --network none "$IMG" sh -c 'ls /sys/class/net; cat /sys/class/net/lo/operstate'
    assert_line_match "$output" '^lo$'
    assert_no_line_match "$output" '^(eth|ens|enp|wl)'
}

###############################################################################
# Mounts

@test "run: -v read-write: writes inside are visible on the host" {
    pull_img "$IMG"
    local vol=$BATS_TEST_TMPDIR/vol
    mkdir -p "$vol"
    echo from-host >"$vol/host-file"
    run_cc run --rm -v "$vol:/data" "$IMG" sh -c 'cat /data/host-file; echo from-container >/data/new-file'
    is "$output" "from-host" "host file read inside"
    is "$(cat "$vol/new-file")" "from-container" "file written inside, read on the host"

    # A missing host directory is created, as docker does.
    run_cc run --rm -v "$BATS_TEST_TMPDIR/created/by/run:/data:rw" "$IMG" touch /data/x
    [[ -f "$BATS_TEST_TMPDIR/created/by/run/x" ]] || die "missing bind source was not created"

    # A missing target is created, also deep.
    run_cc run --rm -v "$vol:/new/deep/target" "$IMG" cat /new/deep/target/host-file
    is "$output" "from-host" "bind on a missing target"
}

@test "run: -v :ro: writes fail, the host file is unchanged" {
    pull_img "$IMG"
    local vol=$BATS_TEST_TMPDIR/vol
    mkdir -p "$vol"
    echo original >"$vol/file"
    run_cc 1 run --rm -v "$vol:/data:ro" "$IMG" sh -c 'cat /data/file; echo changed >/data/file'
    is "$output" "original" "file read through the ro bind"
    assert_contains "$stderr" "Read-only file system" "stderr"
    is "$(cat "$vol/file")" "original" "host file after the failed write"
    run_cc 1 run --rm -v "$vol:/data:ro" "$IMG" touch /data/new
    assert_file_absent "$vol/new"
    run_cc run --rm -v "$vol:/data:ro" "$IMG" sh -c 'grep " /data " /proc/mounts'
    assert_match "$output" ' ro[, ]' "/data in /proc/mounts"
}

@test "run: a file bind mount, read-write and read-only" {
    pull_img "$IMG"
    local f=$BATS_TEST_TMPDIR/config.txt
    echo v1 >"$f"
    run_cc run --rm -v "$f:/etc/app/config.txt" "$IMG" sh -c 'cat /etc/app/config.txt; echo v2 >/etc/app/config.txt'
    is "$output" "v1" "bound file read inside"
    is "$(cat "$f")" "v2" "host file after a write inside"
    run_cc run --rm -v "$f:/etc/app/config.txt" "$IMG" sh -c 'test -f /etc/app/config.txt && ! test -d /etc/app/config.txt && echo file'
    is "$output" "file" "the target is a regular file"

    run_cc 1 run --rm -v "$f:/etc/motd:ro" "$IMG" sh -c 'cat /etc/motd; echo v3 >/etc/motd'
    is "$output" "v2" "file bound over an image file"
    is "$(cat "$f")" "v2" "host file after a write through :ro"
}

@test "run: --tmpfs mounts an empty, writable tmpfs with docker's flags" {
    pull_img "$IMG"
    run_cc run --rm --tmpfs /scratch "$IMG" sh -c 'ls -A /scratch; echo x >/scratch/f && cat /scratch/f; grep " /scratch " /proc/mounts'
    is "${lines[0]}" "x" "write and read in the tmpfs"
    assert_match "${lines[1]}" '^tmpfs /scratch tmpfs rw,nosuid,nodev,noexec' "/proc/mounts line"

    # Over an existing image directory, which it hides.
    run_cc run --rm --tmpfs /etc/apk:size=1m "$IMG" sh -c 'ls -A /etc/apk | wc -l; grep " /etc/apk " /proc/mounts'
    is "${lines[0]}" "0" "entries of /etc/apk under the tmpfs"
    assert_match "${lines[1]}" 'size=1024k' "size option"
}

@test "run: --read-only: / is read-only, a --tmpfs /tmp is writable" {
    pull_img "$IMG"
    run_cc 1 run --rm --read-only "$IMG" touch /newfile
    assert_contains "$stderr" "Read-only file system" "stderr"
    run_cc 1 run --rm --read-only "$IMG" touch /tmp/x
    run_cc run --rm --read-only --tmpfs /tmp "$IMG" sh -c 'touch /tmp/x && echo tmp-ok'
    is "$output" "tmp-ok" "write to a --tmpfs under --read-only"
    # /dev is still writable (docker's /dev is a tmpfs of its own).
    run_cc run --rm --read-only "$IMG" sh -c 'echo x >/dev/shm/f && echo shm-ok'
    is "$output" "shm-ok" "write to /dev/shm under --read-only"
    # -w still works (created before the root turns read-only).
    run_cc run --rm --read-only -w /made/for/cwd "$IMG" pwd
    is "$output" "/made/for/cwd" "pwd under --read-only"
}

@test "run: /etc/hosts and /etc/resolv.conf are the container's own files" {
    pull_img "$IMG"
    run_cc run --rm --hostname hh "$IMG" sh -c 'cat /etc/hosts; echo ok >>/etc/hosts'
    assert_line_match "$output" '^127\.0\.0\.1[[:space:]]+localhost'
    assert_line_match "$output" '[[:space:]]hh([[:space:]]|$)'
    run_cc run --rm "$IMG" test -f /etc/resolv.conf
}

@test "run --network host: /etc/hosts is a copy of the host's, never the host's file" {
    # docker gives the container a copy (cmd_net_hosts)
    pull_img "$IMG"
    run_cc run --rm --network host "$IMG" sh -c 'stat -c "%d:%i" /etc/hosts; cat /etc/hosts'
    # (not written to: with the bug this would be the host's own file)
    isnt "${lines[0]}" "$(stat -c '%d:%i' /etc/hosts)" "device:inode of /etc/hosts inside"
    is "$(tail -n +2 <<<"$output")" "$(cat /etc/hosts)" "content of /etc/hosts inside"
}

@test "run --read-only: /etc/hosts, /etc/hostname, /etc/resolv.conf are read-only too" {
    pull_img "$IMG"
    run_cc run --rm --read-only "$IMG" sh -c 'for f in hosts hostname resolv.conf; do echo >>/etc/$f 2>/dev/null && echo "$f writable"; done; true'
    is "$output" "" "writable /etc files under --read-only"
    run_cc run --rm "$IMG" sh -c 'for f in hosts hostname resolv.conf; do echo >>/etc/$f && echo "$f writable"; done'
    is "$output" $'hosts writable\nhostname writable\nresolv.conf writable' "without --read-only"
}

@test "run: masked paths and read-only /proc paths" {
    pull_img "$IMG"
    run_cc run --rm "$IMG" sh -c 'wc -c </proc/keys; wc -c </proc/timer_list; ls -A /sys/firmware | wc -l'
    is "$output" $'0\n0\n0' "/proc/keys, /proc/timer_list, /sys/firmware"
    run_cc 1 run --rm "$IMG" sh -c 'echo 1 >/proc/sys/kernel/ns_last_pid'
    assert_contains "$stderr" "Read-only file system" "write to /proc/sys"
    run_cc 1 run --rm "$IMG" sh -c 'echo h >/proc/sysrq-trigger'
    run_cc 1 run --rm "$IMG" sh -c 'touch /sys/x'
    run_cc run --rm "$IMG" sh -c 'grep -E " /proc/(sys|keys) " /proc/mounts | cut -d" " -f2,4 | cut -d, -f1'
    assert_line_match "$output" '^/proc/sys ro$'
}

@test "run: /dev has docker's nodes and its own devpts" {
    pull_img "$IMG"
    run_cc run --rm "$IMG" sh -c 'ls /dev | tr "\n" " "; echo; readlink /dev/ptmx; grep " /dev/pts " /proc/mounts | cut -d" " -f3'
    local n
    for n in null zero full random urandom tty ptmx pts shm mqueue fd stdin stdout stderr; do
        assert_match "${lines[0]}" "(^| )$n " "/dev has $n"
    done
    is "${lines[1]}" "pts/ptmx" "/dev/ptmx"
    is "${lines[2]}" "devpts" "/dev/pts"
    run_cc run --rm "$IMG" sh -c 'echo x >/dev/null && head -c 4 /dev/zero | wc -c'
    is "$output" "4" "/dev/null and /dev/zero work"
}

###############################################################################
# The container's record

@test "run --rm leaves no directory, row or mount behind" {
    pull_img "$IMG"
    run_cc run --rm "$IMG" sh -c 'echo x >/written-in-upper'
    is "$(container_ids)" "" "container directories after --rm"
    is "$(container_rows)" "" "container rows after --rm"
    is "$(cc_mounts)" "" "mounts under the store"
    is "$(ls -A "$CC_RUNROOT")" "" "run-time files after --rm"
    # a writable layer that is thrown away is not synced: overlay's "volatile"
    run_cc run --rm "$IMG" sh -c 'grep " / / " /proc/self/mountinfo'
    assert_match "$output" ' - overlay .*,(fsync=)?volatile(,|$)' "the root mount of a --rm container"

    # also when the command fails, is not found, or the start fails
    run_cc 3 run --rm "$IMG" sh -c 'exit 3'
    run_cc 127 run --rm "$IMG" no-such-command
    run_cc 125 run --rm -u no-such-user "$IMG" true
    echo file >"$BATS_TEST_TMPDIR/a-file"
    run_cc 125 run --rm -v "$BATS_TEST_TMPDIR/a-file:/etc" "$IMG" true
    is "$(container_ids)" "" "container directories after failed --rm runs"
    is "$(container_rows)" "" "container rows after failed --rm runs"
    is "$(ls -A "$CC_RUNROOT")" "" "run-time files after failed --rm runs"
}

@test "run: the files mounted on /etc live in the runroot while the container runs" {
    pull_img "$IMG"
    # the default: /run/ccontainer (a tmpfs on a usual host)
    run env -u CCONTAINER_RUNROOT "$CC" run --rm --hostname h1 "$IMG" sh -c 'grep " /etc/hostname " /proc/self/mountinfo; cat /etc/hostname'
    is "$status" "0" "run with the default runroot"
    assert_match "${lines[0]}" " /run/ccontainer/[0-9a-f]{64}/hostname /etc/hostname " "the source of /etc/hostname"
    is "${lines[1]}" "h1" "/etc/hostname"
    local id=${lines[0]#* /run/ccontainer/}
    id=${id%%/*}
    [[ ! -e "/run/ccontainer/$id" ]] || die "/run/ccontainer/$id is left after --rm"
    # --runroot, and a kept container: the files exist only while it runs,
    # and its next start makes them again
    local rr=$BATS_TEST_TMPDIR/other-run
    run_cc --runroot "$rr" run -d --name lives "$IMG" sleep 300
    id=$output
    is "$(ls "$rr/$id" | tr '\n' ' ')" "hostname hosts resolv.conf " "the running container's files"
    is "$(ls -A "$CC_RUNROOT")" "" "the other runroot"
    run_cc --runroot "$rr" stop -t 1 lives
    [[ ! -e "$rr/$id" ]] || die "$rr/$id is left after stop"
    run_cc --runroot "$rr" start lives
    [[ -f "$rr/$id/hosts" ]] || die "start did not make the files again"
    run_cc --runroot "$rr" rm -f lives
    [[ ! -e "$rr/$id" ]] || die "$rr/$id is left after rm -f"
}

@test "run without --rm records the container and keeps its directory" {
    pull_img "$IMG"
    run_cc 7 run --name kept "$IMG" sh -c 'echo data >/in-upper; exit 7'
    local id
    id=$(container_ids)
    assert_match "$id" '^[0-9a-f]{64}$' "one container directory"
    [[ -f "$CC_ROOT/containers/$id/upper/in-upper" ]] || die "the writable layer is gone"
    is "$(container_rows id,name,state,exit_code)" "$id|kept|exited|7" "the container's row"
    is "$(cc_mounts)" "" "mounts under the store"

    # The name is unique.
    run_cc 125 run --name kept "$IMG" true
    assert_contains "$stderr" "kept" "stderr for a name in use"
    is "$(container_rows name | wc -l)" 1 "rows after the refused name"

    # A generated name otherwise.
    run_cc run "$IMG" true
    assert_match "$(container_rows name | tail -1)" '^[a-z]+_[a-z]+_[0-9a-f]{4}$' "generated name"

    # a kept writable layer must survive a crash: no "volatile" (which would
    # also refuse to mount it again)
    run_cc run --name kept2 "$IMG" sh -c 'grep " / / " /proc/self/mountinfo'
    assert_no_line_match "$output" 'volatile' "the root mount of a kept container"
}

@test "run: mount targets come from the shared init layer, never the container's writable layer" {
    pull_img "$IMG"
    # Alpine's minirootfs has no /etc/resolv.conf: it is mounted on all the same
    run_cc run --name targets "$IMG" sh -c 'cat /etc/resolv.conf >/dev/null && ls -ld /etc /proc /sys /dev'
    local id
    id=$(container_ids)
    is "$(ls -A "$CC_ROOT/containers/$id/upper")" "" "the writable layer of a container that wrote nothing"
    [[ ! -e "$CC_ROOT/containers/$id/rootfs" ]] || die "a rootfs directory was made (the overlay goes on the container's own)"
    is "$(cd "$CC_ROOT/init-layer-1" && find . | sort | tr '\n' ' ')" \
        ". ./dev ./etc ./etc/hostname ./etc/hosts ./etc/resolv.conf ./proc ./sys " "the init layer"
    # writes under /etc land in the writable layer, never in the shared one
    run_cc run --name writer "$IMG" sh -c 'echo x >/etc/new-file; echo y >>/etc/hosts'
    id=$(container_rows id,name | awk -F'|' '$2 == "writer" {print $1}')
    is "$(cat "$CC_ROOT/containers/$id/upper/etc/new-file")" "x" "the file written under /etc"
    is "$(find "$CC_ROOT/init-layer-1" -type f -size +0c)" "" "non-empty files in the init layer"
    [[ ! -e "$CC_ROOT/init-layer-1/etc/new-file" ]] || die "a write landed in the init layer"
}

@test "rmi refuses an image that a container uses, unless -f" {
    pull_img "$IMG"
    run_cc run "$IMG" true
    local id
    id=$(container_ids)
    run_cc 1 rmi "$IMG"
    assert_contains "$stderr" "container" "stderr of rmi"
    run_cc images -q
    isnt "$output" "" "images after the refused rmi"

    run_cc rmi -f "$IMG"
}

###############################################################################
# Signals

@test "run: SIGTERM to ccontainer reaches the container (sleep exits 143)" {
    pull_img "$IMG"
    cc_bg sleeper run --rm "$IMG" sleep 100
    local pid=$CC_BG_PID
    wait_for_command "$pid" sleep >/dev/null
    kill -TERM "$pid"
    wait_bg "$pid" 20
    is "$status" 143 "exit code after SIGTERM"
    is "$(container_ids)" "" "container directories after --rm"
}

@test "run: SIGINT to ccontainer reaches the container (exit 130)" {
    pull_img "$IMG"
    cc_bg sleeper run --rm "$IMG" sleep 100
    local pid=$CC_BG_PID
    wait_for_command "$pid" sleep >/dev/null
    kill -INT "$pid"
    wait_bg "$pid" 20
    is "$status" 130 "exit code after SIGINT"
}

@test "run: every forwarded signal reaches a command that handles them" {
    pull_img "$IMG"
    cc_bg sig run --rm -v "$HELPER:/helper:ro" "$IMG" /helper signals
    local pid=$CC_BG_PID sig
    wait_until 20 file_contains "$BATS_TEST_TMPDIR/sig.out" '^ready$'
    for sig in HUP USR1 USR2 QUIT INT; do
        kill -"$sig" "$pid"
        wait_until 10 file_contains "$BATS_TEST_TMPDIR/sig.out" "^$sig\$"
    done
    kill -TERM "$pid"
    wait_bg "$pid" 20
    is "$status" 0 "exit code (the helper exits 0 after TERM)"
    is "$(tr '\n' ' ' <"$BATS_TEST_TMPDIR/sig.out")" "ready HUP USR1 USR2 QUIT INT TERM " "signals seen"
}

@test "run: SIGKILL of ccontainer takes the container along" {
    pull_img "$IMG"
    cc_bg killed run --rm "$IMG" sleep 100
    local pid=$CC_BG_PID child
    child=$(wait_for_command "$pid" sleep)
    kill -KILL "$pid"
    wait_bg "$pid" 20
    is "$status" 137 "exit code of the killed ccontainer"
    wait_until 10 eval "! kill -0 $child 2>/dev/null"
    is "$(cc_mounts)" "" "mounts under the store"
}

@test "run: a container killed with SIGKILL from the host exits 137 and --rm cleans up" {
    pull_img "$IMG"
    cc_bg victim run --rm "$IMG" sleep 100
    local pid=$CC_BG_PID child
    child=$(wait_for_command "$pid" sleep)
    # (the leak check would see this one)
    assert_match "$(procs_in_store)" "(^|$'\n')$child sleep 100 " "processes of the store while it runs"
    kill -KILL "$child"
    wait_bg "$pid" 20
    is "$status" 137 "exit code of run"
    is "$(container_ids)" "" "container directories after --rm"
    is "$(container_rows)" "" "container rows after --rm"
}

@test "run --init: signals reach the command through init" {
    pull_img "$IMG"
    cc_bg sleeper run --rm --init "$IMG" sleep 100
    local pid=$CC_BG_PID
    wait_until 20 eval "[[ -n \"\$(child_of \"\$(child_of $pid)\")\" ]]"
    wait_for_command "$(child_of "$pid")" sleep >/dev/null
    kill -TERM "$pid"
    wait_bg "$pid" 20
    is "$status" 143 "exit code after SIGTERM with --init"
}

###############################################################################
# --init

@test "run --init: PID 1 is the init, which reaps zombies" {
    pull_img "$IMG"
    run_cc run --rm --init "$IMG" ps -o pid,comm
    is "${lines[1]}" "    1 ccontainer-init" "PID 1 with --init"
    assert_match "${lines[2]}" '^ +[0-9]+ ps$' "the command"

    run_cc run --rm --init -v "$HELPER:/helper:ro" "$IMG" /helper zombies 3
    is "$output" "zombies=0" "zombies left with --init"
    # Without --init the helper itself is PID 1 and reaps nothing.
    run_cc run --rm -v "$HELPER:/helper:ro" "$IMG" /helper zombies 3
    is "$output" "zombies=3" "zombies left without --init"

    run_cc run --rm --init "$IMG" sh -c 'for i in 1 2 3; do (sleep 0.1 &) ; done; sleep 0.5; ps -o stat | grep -c Z || true'
    is "$output" "0" "zombies from the shell loop"
}

@test "run --init: exit codes and stdio pass through" {
    pull_img "$IMG"
    run_cc 42 run --rm --init "$IMG" sh -c 'echo out; echo err >&2; exit 42'
    is "$output" "out" "stdout"
    is "$stderr" "err" "stderr"
    run_cc 127 run --rm --init "$IMG" no-such-command
    is "$stderr" 'Error: exec: "no-such-command": executable file not found in $PATH' "stderr"
}

###############################################################################
# stdio

@test "run: stdin is /dev/null without -i, the caller's with -i" {
    pull_img "$IMG"
    echo piped-in >"$BATS_TEST_TMPDIR/in"
    CC_STDIN=$BATS_TEST_TMPDIR/in run_cc run --rm "$IMG" cat
    is "$output" "" "stdin without -i"
    CC_STDIN=$BATS_TEST_TMPDIR/in run_cc run --rm -i "$IMG" cat
    is "$output" "piped-in" "stdin with -i"
    run_cc 1 run --rm "$IMG" tty
    is "$output" "not a tty" "tty without -t"
}

@test "run: only stdio is open in the container" {
    pull_img "$IMG"
    run_cc run --rm -v "$HELPER:/helper:ro" "$IMG" /helper fds
    is "${#lines[@]}" 3 "open fds: $output"
}

###############################################################################
# Layers

@test "run: whiteouts hide deleted files, an opaque dir shows only new content" {
    local img=$REGISTRY/test/whiteouts:latest
    pull_img "$img"
    run_cc run --rm "$img" sh -c '
        for f in /etc/motd /etc/issue /etc/apk/keys /layer2-marker; do
            if [ -e "$f" ]; then echo "present $f"; else echo "absent $f"; fi
        done
        ls -A /etc/periodic | tr "\n" " "; echo
        cat /etc/apk/arch
        find / -xdev -name ".wh.*" | wc -l'
    is "${lines[0]}" "absent /etc/motd" "whiteout in the middle layer"
    is "${lines[1]}" "absent /etc/issue" "whiteout in the top layer"
    is "${lines[2]}" "absent /etc/apk/keys" "whiteout of a directory"
    is "${lines[3]}" "absent /layer2-marker" "file of layer 2 deleted in layer 3"
    is "${lines[4]}" "new-in-layer2 new-in-layer3 " "the opaque /etc/periodic"
    is "${lines[5]}" "x86_64" "a sibling of the deleted directory"
    is "${lines[6]}" "0" "whiteout files visible in the container"

    # The image has no Env: docker's default PATH.
    run_cc run --rm "$img" sh -c 'echo $PATH'
    is "$output" "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" "PATH of an image without Env"

    # Deleting a lower file inside the container does not touch the layer.
    run_cc run --rm "$img" sh -c 'rm /etc/apk/arch && ! test -e /etc/apk/arch && echo gone'
    is "$output" "gone" "rm of a lower file"
    run_cc run --rm "$img" cat /etc/apk/arch
    is "$output" "x86_64" "the lower file in the next container"
}

@test "run: an image with 111 layers" {
    local img=$REGISTRY/test/layers110:latest
    pull_img "$img"
    run_cc run --rm "$img" sh -c 'cat /which-layer; ls /layers | wc -l; cat /layers/1 /layers/110'
    is "$output" $'110\n110\n1\n110' "which-layer, number of layer files, first and last"
}

###############################################################################
# Leaks

@test "run: 200 sequential runs leave no mount, namespace, directory, row or process" {
    pull_img "$IMG"
    local i rc
    for ((i = 0; i < 200; i++)); do
        rc=0
        timeout 30 "$CC" --root "$CC_ROOT" run --rm "$IMG" true </dev/null || rc=$?
        ((rc == 0)) || die "run $i exited $rc"
    done
    is "$(container_ids)" "" "container directories"
    is "$(container_rows)" "" "container rows"
    is "$(cc_mounts)" "" "mounts under the store"
    is "$(ls -A "$CC_RUNROOT")" "" "run-time files"
    # A container's namespaces live as long as one of its processes.
    is "$(procs_in_store)" "" "processes (and so namespaces) of the store"
}
