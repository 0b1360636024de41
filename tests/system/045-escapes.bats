#!/usr/bin/env bats
#
# Escape probes from inside a container (issue 13): what a process in the
# container can reach of the processes that enter it (exec, --init), of the
# caller's terminal, and of the host's devices from a build's RUN step.  Each
# probe is cc-test-helper (tests/helper), bind-mounted read-only.

load helpers
load helpers.build

setup_file() {
    file_setup
    start_registry
    seed_alpine library/alpine:latest
}

setup() {
    basic_setup
    skip_if_not_root "containers need root"
    export CCONTAINER_REGISTRY_MIRROR=http://$REGISTRY
    run_cc pull -q alpine
    HELPER=$REPO_ROOT/build/tests/cc-test-helper
    # the host's binary, as the container would find it through /proc
    SELF=$(stat -L -c '%d:%i' "$CC")
}

teardown() {
    remove_all_containers
    basic_teardown
}

# watch_execs NAME N [RUN-FLAGS...]: a container running the exewatch probe,
# N execs into it, then the probe's report in $output.
watch_execs() {
    local name=$1 n=$2
    shift 2
    run_cc run -d --name "$name" --network none "$@" -v "$HELPER:/helper:ro" alpine \
        /helper exewatch "$SELF" 600
    wait_for_log "$name" ready
    local i
    for i in $(seq "$n"); do
        run_cc exec "$name" true
        run_cc exec -u 1000 "$name" true
    done
    run_cc exec "$name" /helper pid # one more, after which all were seen
    run_cc logs "$name"
}

@test "exec: the joining process never shows the host binary, the store or its memory to the container" {
    watch_execs watch 15
    assert_contains "$output" ready
    assert_not_contains "$output" LEAK
}

@test "exec: a container with CAP_SYS_PTRACE cannot reach the host binary or the store either" {
    # Non-dumpable does not stop CAP_SYS_PTRACE: the exec then runs from a
    # sealed copy of ccontainer, with the store closed.
    watch_execs tracer 5 --cap-add SYS_PTRACE
    assert_contains "$output" ready
    assert_not_contains "$output" LEAK
    # the host binary is untouched, and exec still works and reports
    is "$(stat -L -c '%d:%i' "$CC")" "$SELF"
    run_cc 7 exec tracer sh -c 'exit 7'
    run_cc 127 exec tracer nosuchcommand
}

@test "exec: no fd of the caller's reaches the command" {
    run_cc run -d --name fds --network none -v "$HELPER:/helper:ro" alpine sleep 600
    run timeout 20 "$CC" --root "$CC_ROOT" exec fds /helper fds 7</etc/hostname 8>"$BATS_TEST_TMPDIR/x"
    is "$status" 0
    assert_not_contains "$output" "/etc/hostname"
    assert_not_contains "$output" "$BATS_TEST_TMPDIR"
    assert_not_contains "$output" "store.db"
}

@test "healthcheck: its checks never show the host binary to the container, nor hand it a host fd" {
    # the probe as the container's process; the checks join it every second
    run_cc run -d --name hwatch --network none --health-cmd "/helper fds" --health-interval 1s \
        -v "$HELPER:/helper:ro" alpine /helper exewatch "$SELF" 600
    wait_for_log hwatch ready
    local i
    for i in $(seq 60); do
        run_cc inspect -f '{{len .State.Health.Log}}' hwatch
        [[ $output -ge 4 ]] && break
        sleep 0.25
    done
    [[ $output -ge 4 ]] || die "only $output checks ran"
    run_cc logs hwatch
    assert_contains "$output" ready
    assert_not_contains "$output" LEAK
    # what a check's process holds: its stdio and nothing of the monitor's
    run_cc inspect -f '{{range .State.Health.Log}}{{.Output}}{{end}}' hwatch
    assert_contains "$output" "1 pipe:[" "the checks' own fds are listed"
    assert_not_contains "$output" "store.db"
    assert_not_contains "$output" "ctr.log"
    assert_not_contains "$output" "attach.sock"
    assert_not_contains "$output" "socket:" "no socket of the monitor's (attach, port reservations)"
}

@test "a logged foreground run: the container's stdout and stderr are pipes, never the caller's files" {
    # stdout a host file, fd 7 another: bats' run would capture stdout itself
    timeout 20 "$CC" --root "$CC_ROOT" run --name fglog --network none -v "$HELPER:/helper:ro" alpine \
        /helper fds 7</etc/hostname >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" ||
        die "run failed: $(cat "$BATS_TEST_TMPDIR/err")"
    local out
    out=$(cat "$BATS_TEST_TMPDIR/out")
    assert_match "$out" $'^0 /dev/null\n1 pipe:\\[[0-9]+\\]\n2 pipe:\\[[0-9]+\\]$' "fd 1 and 2 are pipes, and no other fd"
    assert_not_contains "$out" "$BATS_TEST_TMPDIR"
    assert_not_contains "$out" "/etc/hostname"
    assert_not_contains "$out" "store.db"
    assert_not_contains "$out" "ctr.log"
}

@test "--init: PID 1 is a sealed copy of the init, with the container's environment only" {
    CC_SECRET_PROBE=leaked-from-the-caller run_cc run --rm --init --cap-add SYS_PTRACE \
        -v "$HELPER:/helper:ro" alpine sh -c \
        'readlink /proc/1/exe; /helper openw /proc/1/exe; tr "\0" "\n" </proc/1/environ; cat /proc/1/comm'
    assert_match "${lines[0]}" '^/memfd:ccontainer-init'
    assert_match "${lines[1]}" '^openw (ETXTBSY|EPERM|EACCES)$'
    assert_contains "$output" "HOME=/root"
    assert_not_contains "$output" "CC_SECRET_PROBE"
    assert_not_contains "$output" "CCONTAINER_"
    is "${lines[-1]}" "ccontainer-init"
    # and it still is an init: zombies reaped, the status passed on
    run_cc run --rm --init -v "$HELPER:/helper:ro" alpine /helper zombies 3
    is "$output" "zombies=0"
    run_cc 5 run --rm --init alpine sh -c 'exit 5'
    run_cc 127 run --rm --init alpine nosuchcommand
}

# in_tty CMD: run the shell command CMD with a pseudo-terminal as stdio
in_tty() {
    run timeout 30 script -qec "$1" /dev/null
    output=${output//$'\r'/}
    echo "$output"
}

@test "exec and run without -t: no host terminal as stdio or controlling terminal (TIOCSTI)" {
    run_cc run -d --name t --privileged --network none -v "$HELPER:/helper:ro" alpine sleep 600
    local base="'$CC' --root '$CC_ROOT'" args
    for args in "exec t /helper ttyprobe" "exec -i t /helper ttyprobe" "exec -u 1000 t /helper ttyprobe" \
        "run --rm --privileged --network none -v $HELPER:/helper:ro alpine /helper ttyprobe" \
        "run --rm -i --privileged --network none -v $HELPER:/helper:ro alpine /helper ttyprobe"; do
        in_tty "$base $args"
        is "$status" 0 "$args"
        assert_contains "$output" "isatty=000 ctty=0" "$args"
        assert_not_contains "$output" "tiocsti" "$args"
    done
    # what is typed still reaches -i, through the pipe
    in_tty "printf 'typed\\n' | $base exec -i t cat"
    assert_contains "$output" typed
    # and -t still gives the container its own terminal
    in_tty "$base exec -it t /helper ttyprobe"
    assert_match "$output" 'isatty=111 ctty=[1-9]'
}

###############################################################################
# build: RUN steps are isolated as `run` is

@test "build RUN: docker's capabilities, seccomp, masks, and no host device through mknod" {
    local ctx
    ctx=$(new_context isolated)
    recipe "$ctx" <<'EOF2'
FROM alpine
RUN grep -E '^(CapEff|Seccomp):' /proc/self/status; \
    echo keys=$(stat -c %t:%T /proc/keys); \
    for n in 'vcs c 7 0' 'tty0 c 4 0' 'loop0 b 7 0' 'sda b 8 0' 'mem c 1 1'; do \
      set -- $n; \
      if mknod /tmp/$1 $2 $3 $4 2>/dev/null; then \
        head -c1 /tmp/$1 >/dev/null 2>&1 && echo "$1=read" || echo "$1=denied"; \
        (printf x >/tmp/$1) 2>/dev/null && echo "$1=written" || echo "$1=unwritable"; \
      else echo "$1=nomknod"; fi; \
    done
EOF2
    run_cc build --no-cache "$ctx"
    assert_contains "$output" "CapEff:	00000000a80425fb"
    assert_match "$output" 'Seccomp:	2'
    assert_contains "$output" "keys=1:3"
    local dev
    for dev in vcs tty0 loop0 sda mem; do
        assert_not_contains "$output" "$dev=read"
        assert_not_contains "$output" "$dev=written"
    done
    # the step's cgroup is gone with it
    local left
    left=$(find /sys/fs/cgroup -maxdepth 3 -path '*/ccontainer/*' -newer "$ctx/Containerfile" -type d \
        -name '[0-9a-f]*' 2>/dev/null | head -5)
    is "$left" "" "cgroups left by the build"
}

@test "build RUN: its own network (bridge) by default; --network host and none as asked" {
    local ctx hostns
    hostns=$(readlink /proc/self/ns/net)
    ctx=$(new_context net)
    recipe "$ctx" <<'EOF2'
FROM alpine
RUN echo "netns=$(readlink /proc/self/ns/net)"; echo "ifaces=$(ls /sys/class/net | tr '\n' ' ')"
EOF2
    run_cc build --no-cache "$ctx"
    assert_match "$output" 'netns=net:\[[0-9]+\]'
    assert_not_contains "$output" "netns=$hostns"
    assert_contains "$output" "ifaces=eth0 lo "
    is "$(net_lease_count)" 0 "leases left by the build"
    run_cc build --no-cache --network none "$ctx"
    assert_contains "$output" "ifaces=lo "
    run_cc build --no-cache --network host "$ctx"
    assert_contains "$output" "netns=$hostns"
    run_cc 125 build --network bogus "$ctx"
    assert_contains "$stderr" "invalid --network 'bogus'"
}

@test "build: a symlink in the context never reads a file .dockerignore excludes" {
    local ctx
    ctx=$(new_context ign)
    echo "top secret" >"$ctx/secret.txt"
    mkdir -p "$ctx/private" "$ctx/public"
    echo "also secret" >"$ctx/private/key"
    echo "fine" >"$ctx/public/ok"
    ln -s secret.txt "$ctx/link"
    ln -s private "$ctx/dirlink"
    ln -s ../private/key "$ctx/public/keylink"
    printf 'secret.txt\nprivate\n' >"$ctx/.dockerignore"
    recipe "$ctx" <<'EOF2'
FROM alpine
COPY link /x
EOF2
    run_cc 1 build "$ctx"
    assert_contains "$stderr" "'link': no such file or directory in the build context"
    recipe "$ctx" <<'EOF2'
FROM alpine
COPY dirlink/key /x
EOF2
    run_cc 1 build "$ctx"
    assert_contains "$stderr" "excluded by .dockerignore"
    recipe "$ctx" <<'EOF2'
FROM alpine
COPY dirlink /d
EOF2
    run_cc 1 build "$ctx"
    # inside a copied directory a symlink stays a symlink (never followed)
    recipe "$ctx" <<'EOF2'
FROM alpine
COPY public /p
RUN cat /p/ok; readlink /p/keylink; cat /p/keylink 2>&1 || true
EOF2
    run_cc build "$ctx"
    assert_contains "$output" "fine"
    assert_contains "$output" "../private/key"
    assert_not_contains "$output" "secret"
    # the build did not leave the secret anywhere in the store
    run grep -rl "top secret\|also secret" "$CC_ROOT/layers"
    is "$output" "" "files in the store holding the ignored content"
}

###############################################################################
# hostile images

@test "run: an image whose /etc/passwd is /dev/zero, a FIFO or huge fails at once with one line" {
    local ctx
    ctx=$(new_context pw)
    recipe "$ctx" <<'EOF2'
FROM alpine
RUN ln -sf /dev/zero /etc/passwd
EOF2
    build_ok -t zero "$ctx"
    recipe "$ctx" <<'EOF2'
FROM alpine
RUN rm /etc/group && mkfifo /etc/group
EOF2
    build_ok -t fifo "$ctx"
    recipe "$ctx" <<'EOF2'
FROM alpine
RUN head -c 20000000 /dev/zero | tr '\0' 'x' >>/etc/passwd
EOF2
    build_ok -t big "$ctx"
    CC_TIMEOUT=20 run_cc 125 run --rm --network none zero id
    is "$stderr" "Error: the container's '/etc/passwd' is not a regular file"
    CC_TIMEOUT=20 run_cc 125 run --rm --network none -u 0:0 fifo id
    is "$stderr" "Error: the container's '/etc/group' is not a regular file"
    CC_TIMEOUT=20 run_cc 125 run --rm --network none big id
    is "$stderr" "Error: the container's '/etc/passwd' is larger than 16777216 bytes"
    # exec reads the same files
    run_cc run -d --name z --network none -u 0:0 alpine sleep 600
    run_cc exec z sh -c 'ln -sf /dev/zero /etc/passwd'
    CC_TIMEOUT=20 run_cc 125 exec z id
    is "$stderr" "Error: the container's '/etc/passwd' is not a regular file"
}

# has_raw_control TEXT: does TEXT hold a terminal control character (other
# than newline)?
has_raw_control() {
    LC_ALL=C grep -q $'[\x01-\x09\x0b-\x1f\x7f]\|\xc2[\x80-\x9f]' <<<"$1"
}

@test "untrusted text reaches the terminal quoted: an image's Cmd in ps and errors, tar names" {
    local ctx
    ctx=$(new_context ansi)
    recipe "$ctx" <<'EOF2'
FROM alpine
CMD ["/bin/sh", "-c", "sleep 600 # \u001b]0;owned\u0007\u001b[2J\u009b31m"]
EOF2
    build_ok -t ansi "$ctx"
    run_cc run -d --name ansi --network none ansi
    run_cc ps --no-trunc
    # docker's COMMAND is Go's strconv.Quote of the command line: BEL is \a
    assert_contains "$output" 'sleep 600 # \x1b]0;owned\a\x1b[2J\u009b31m'
    if has_raw_control "$output"; then die "ps printed a raw control character"; fi
    recipe "$ctx" <<'EOF2'
FROM alpine
ENTRYPOINT ["\u001b[31mnosuch"]
EOF2
    build_ok -t ansi2 "$ctx"
    run_cc 127 run --rm --network none ansi2
    assert_contains "$stderr" '\x1b[31mnosuch'
    if has_raw_control "$stderr"; then die "the error printed a raw control character"; fi
    # a layer whose member names escape the root, named with escapes
    python3 - "$BATS_TEST_TMPDIR/evil.tar" <<'EOF2'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    data = b"x"
    ti = tarfile.TarInfo("../\x1b[2Jevil\x07")
    ti.size = len(data)
    t.addfile(ti, io.BytesIO(data))
EOF2
    run_cc 1 import "$BATS_TEST_TMPDIR/evil.tar" evil:1
    assert_contains "$stderr" '\x1b[2Jevil\x07'
    if has_raw_control "$stderr"; then die "the error printed a raw control character"; fi
}
