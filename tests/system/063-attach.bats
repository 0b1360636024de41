#!/usr/bin/env bats
#
# stdin of a container through its monitor's attach socket, docker's
# StdinOnce: set for -i attached (run -i, create -i), not for run -di; with
# it, the first attached client's stdin EOF closes the container's stdin
# (not a terminal's); without it, the stdin stays open for the next attach.

load helpers

setup_file() {
    file_setup
    start_registry
    seed_alpine library/alpine:latest
}

setup() {
    basic_setup
    export CCONTAINER_REGISTRY_MIRROR=http://$REGISTRY
    run_cc pull -q alpine
    # a hang must fail the test, not the suite
    export CC_TIMEOUT=20
}

teardown() {
    remove_all_containers
    basic_teardown
}

# attach_bg NAME STDIN_FILE ARGS...: `attach ARGS` in the background with
# that stdin; $ATTACH_PID; output in NAME.out / NAME.err.
attach_bg() {
    local name=$1 in=$2
    shift 2
    echo "[$(timestamp)] \$ ccontainer --root $CC_ROOT attach $* <$in &    # $name"
    "$CC" --root "$CC_ROOT" attach "$@" <"$in" >"$BATS_TEST_TMPDIR/$name.out" 2>"$BATS_TEST_TMPDIR/$name.err" 3>&- &
    ATTACH_PID=$!
    echo "$ATTACH_PID" >>"$BATS_TEST_TMPDIR/.bg-pids"
}

running() { # NAME: true when the container is running
    [[ "$("$CC" --root "$CC_ROOT" inspect -f '{{.State.Running}}' "$1" 2>/dev/null)" == true ]]
}

exited() { # NAME
    [[ "$("$CC" --root "$CC_ROOT" inspect -f '{{.State.Status}}' "$1" 2>/dev/null)" == exited ]]
}

# stays_running NAME SECONDS: still running all that time
stays_running() {
    local i
    for i in $(seq $(($2 * 10))); do
        running "$1" || die "$1 is no longer running: its stdin was closed?"
        sleep 0.1
    done
}

@test "create -i, start -ai: the client's stdin EOF closes the container's stdin (StdinOnce)" {
    run_cc create -i --name c alpine cat
    run_cc inspect -f '{{.Config.OpenStdin}} {{.Config.StdinOnce}} {{.Config.AttachStdin}}' c
    is "$output" "true true true" "create -i: StdinOnce, as docker's CLI sets it"
    printf 'hi\n' >"$BATS_TEST_TMPDIR/in"
    CC_STDIN=$BATS_TEST_TMPDIR/in run_cc 0 start -ai c
    is "$output" "hi" "cat got the input, then its EOF"
    wait_until 5 exited c
    run_cc inspect -f '{{.State.ExitCode}}' c
    is "$output" 0
    # a second start: a new stdin, closed again by the next client's EOF
    printf 'again\n' >"$BATS_TEST_TMPDIR/in"
    CC_STDIN=$BATS_TEST_TMPDIR/in run_cc 0 start -ai c
    is "$output" "again"
    # an empty stdin: closed at once
    run_cc 0 start -ai c
    is "$output" ""
}

@test "create -i, start, attach: the attach's stdin EOF ends the container; a --no-stdin client closes nothing" {
    run_cc create -i --name n alpine sh -c 'cat; echo done'
    run_cc start n
    # a client without stdin (its /dev/null is not read): nothing closed
    attach_bg quiet /dev/null --no-stdin n
    local quiet=$ATTACH_PID
    sleep 1
    stays_running n 1
    # a second client at once, with stdin: both get the output
    printf 'bye\n' >"$BATS_TEST_TMPDIR/in"
    CC_STDIN=$BATS_TEST_TMPDIR/in run_cc 0 attach n
    assert_contains "$output" "bye"
    assert_contains "$output" "done"
    wait_bg "$quiet" 10
    is "$status" 0 "the --no-stdin client ends with the container's status"
    assert_contains "$(cat "$BATS_TEST_TMPDIR/quiet.out")" "done" "the --no-stdin client saw the output too"
}

@test "run -di, attach: no StdinOnce, the stdin stays open for the next attach (docker)" {
    run_cc run -di --name d alpine sh -c 'while read l; do echo "got $l"; done; echo eof'
    run_cc inspect -f '{{.Config.OpenStdin}} {{.Config.StdinOnce}} {{.Config.AttachStdin}}' d
    is "$output" "true false false" "run -d: no StdinOnce"
    printf 'one\n' >"$BATS_TEST_TMPDIR/one"
    attach_bg first "$BATS_TEST_TMPDIR/one" --sig-proxy=false d
    wait_for_log d "got one"
    stays_running d 1
    kill -KILL "$ATTACH_PID"
    wait "$ATTACH_PID" || true
    # the next client's stdin still reaches the same stdin
    printf 'two\n' >"$BATS_TEST_TMPDIR/two"
    attach_bg second "$BATS_TEST_TMPDIR/two" --sig-proxy=false d
    wait_for_log d "got two"
    stays_running d 1
    wait_until 5 grep -q "got two" "$BATS_TEST_TMPDIR/second.out"
    run_cc logs d
    assert_not_contains "$output" "eof" "the container's stdin was never closed"
    run_cc stop -t 1 d
    wait_bg "$ATTACH_PID" 10
    is "$status" 137 "attach ends with the container's status"
}

@test "StdinOnce: detaching (--detach-keys) or a killed client does not close the stdin" {
    run_cc create -i --name k alpine sh -c 'while read l; do echo "got $l"; done; echo eof'
    run_cc start k
    printf 'abc\nq' >"$BATS_TEST_TMPDIR/detach"
    CC_STDIN=$BATS_TEST_TMPDIR/detach run_cc 0 attach --detach-keys q k
    assert_contains "$stderr" "read escape sequence"
    wait_for_log k "got abc"
    stays_running k 1
    # a client that dies is not an EOF of its stdin: the fifo never ends
    mkfifo "$BATS_TEST_TMPDIR/fifo"
    exec 4<>"$BATS_TEST_TMPDIR/fifo"
    attach_bg killed "$BATS_TEST_TMPDIR/fifo" --sig-proxy=false k
    echo xyz >&4
    wait_for_log k "got xyz"
    kill -KILL "$ATTACH_PID"
    wait "$ATTACH_PID" || true
    exec 4>&-
    stays_running k 1
    # then an EOF closes it
    printf 'last\n' >"$BATS_TEST_TMPDIR/in"
    CC_STDIN=$BATS_TEST_TMPDIR/in run_cc 0 attach k
    is "$output" "got last"$'\n'"eof"
    wait_until 5 exited k
}

@test "create -it: a terminal's stdin is not closed at the client's EOF (docker: CloseStdin && !TTY)" {
    run_cc create -it --name t alpine sh -c 'read l; echo "got $l"; read m; echo never'
    run_cc inspect -f '{{.Config.Tty}} {{.Config.StdinOnce}}' t
    is "$output" "true true"
    run_cc start t
    printf 'one\n' >"$BATS_TEST_TMPDIR/in"
    attach_bg tty "$BATS_TEST_TMPDIR/in" t
    wait_for_log t "got one"
    stays_running t 2
    kill -KILL "$ATTACH_PID"
    wait "$ATTACH_PID" || true
    run_cc logs t
    assert_not_contains "$output" "never"
}

@test "inspect: Config.StdinOnce as docker's CLI sets it" {
    run_cc run -i --name fg alpine true
    run_cc run -d --name bg alpine true
    run_cc create --name plain alpine true
    run_cc inspect -f '{{.Name}} {{.Config.StdinOnce}}' fg bg plain
    is "$output" "/fg true"$'\n'"/bg false"$'\n'"/plain false"
}
