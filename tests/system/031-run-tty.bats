#!/usr/bin/env bats
#
# ccontainer run -t / -it (issue 3) under a pseudo-terminal: script(1) for
# one-shot commands and piped input, tmux for typing, ^C, window size
# changes, and the host terminal's state after the container exits.

load helpers

setup_file() {
    file_setup
    start_registry
    seed_alpine test/alpine:latest
}

setup() {
    basic_setup
    skip_if_not_root "run needs root"
    command -v script >/dev/null || skip "script (util-linux) is not installed"
    IMG=$REGISTRY/test/alpine:latest
    HELPER=$REPO_ROOT/build/tests/cc-test-helper
    TMUX_SOCK=$BATS_TEST_TMPDIR/tmux.sock
    run_cc pull -q "$IMG"
}

teardown() {
    # Only the tmux server this test started, by its own socket.
    if [[ -S "$TMUX_SOCK" ]]; then
        timeout 10 tmux -S "$TMUX_SOCK" kill-server 2>/dev/null || true
    fi
    basic_teardown
}

# in_script [STDIN-FILE] -- CCONTAINER-ARGS...: run ccontainer under
# `script` (a fresh pty as its terminal).  Sets $status and $output (with
# the pty's \r removed).
in_script() {
    local input=/dev/null
    if [[ "$1" != -- ]]; then
        input=$1
        shift
    fi
    shift
    local cmd arg
    cmd="$(printf '%q ' "$CC" --root "$CC_ROOT" "$@")"
    echo "[$(timestamp)] \$ script -qec '$cmd' /dev/null <$input"
    status=0
    output=$(timeout --kill-after=10 "$CC_TIMEOUT" script -qec "$cmd" /dev/null <"$input" 2>&1) || status=$?
    output=${output//$'\r'/}
    printf '%s\n' "$output"
    echo "[$(timestamp)] [rc=$status]"
    : "$arg"
}

# tmux_start SHELL-COMMAND: a detached tmux session, 100x30, on our own socket.
tmux_start() {
    echo "[$(timestamp)] tmux: $1"
    timeout 10 tmux -S "$TMUX_SOCK" -f /dev/null new-session -d -s cc -x 100 -y 30 "$1"
}

tmux_screen() {
    timeout 10 tmux -S "$TMUX_SOCK" capture-pane -p -t cc 2>/dev/null
}

tmux_keys() {
    timeout 10 tmux -S "$TMUX_SOCK" send-keys -t cc "$@"
}

# screen_has ERE: some line of the visible pane matches.
screen_has() {
    grep -Eq -- "$1" <<<"$(tmux_screen)"
}

# wait_screen ERE: bounded wait until the pane shows ERE.
wait_screen() {
    local deadline=$((SECONDS + 20))
    until screen_has "$1"; do
        if ((SECONDS >= deadline)); then
            die "the screen never showed /$1/; it shows:"$'\n'"$(tmux_screen)"
            return
        fi
        sleep 0.1
    done
}

# A command line for tmux: ccontainer ARGS, then its exit code and the
# terminal's settings (as the shell in the pane sees them afterwards)
# written to files, then wait for the test to end the session.
tmux_cc_command() {
    local cc
    cc="$(printf '%q ' "$CC" --root "$CC_ROOT" "$@")"
    echo "stty sane; stty -a >$BATS_TEST_TMPDIR/stty.before; $cc; echo \$? >$BATS_TEST_TMPDIR/rc.tmp; stty -a >$BATS_TEST_TMPDIR/stty.after; mv $BATS_TEST_TMPDIR/rc.tmp $BATS_TEST_TMPDIR/rc; sleep 600"
}

# descendant PID COMM: the first process named COMM under PID (by /proc).
descendant() {
    local todo=("$1") p c
    while ((${#todo[@]})); do
        p=${todo[0]}
        todo=("${todo[@]:1}")
        for c in $(cat "/proc/$p/task/$p/children" 2>/dev/null); do
            if [[ "$(cat "/proc/$c/comm" 2>/dev/null)" == "$2" ]]; then
                echo "$c"
                return 0
            fi
            todo+=("$c")
        done
    done
    return 1
}

# wait_descendant COMM: bounded wait until the tmux pane runs COMM somewhere
# below its shell; prints its pid.
wait_descendant() {
    local pane_pid deadline=$((SECONDS + 20))
    pane_pid=$(timeout 10 tmux -S "$TMUX_SOCK" display -p -t cc '#{pane_pid}')
    while ((SECONDS < deadline)); do
        descendant "$pane_pid" "$1" && return 0
        sleep 0.1
    done
    die "no '$1' below the tmux pane; the screen:"$'\n'"$(tmux_screen)"
}

# shell_ready: an interactive busybox sh asks the terminal for the cursor
# position at its first prompt and can swallow keys typed before the answer
# (it does so outside containers too): clear the line and ask until it
# answers.
shell_ready() {
    local i deadline
    for ((i = 0; i < 20; i++)); do
        tmux_keys C-u "echo ready-\$((40+$i))" Enter
        deadline=$((SECONDS + 2))
        while ((SECONDS < deadline)); do
            screen_has "^ready-$((40 + i))\$" && return 0
            sleep 0.1
        done
    done
    die "the shell never answered; the screen:"$'\n'"$(tmux_screen)"
}

rc_file_written() {
    [[ -s "$BATS_TEST_TMPDIR/rc" ]]
}

# The flags of `stty -a` output that raw mode changes.
stty_flags() {
    tr -s ' ;\n' '\n' <"$1" | grep -xE -- '-?(icanon|echo|isig|icrnl|opost)' | sort | tr '\n' ' '
}

###############################################################################

@test "run -t: the command's stdio is the container's pty" {
    in_script -- run --rm -t "$IMG" sh -c 'tty; test -t 0 && echo stdin-tty; test -t 1 && echo stdout-tty; test -t 2 && echo stderr-tty'
    is "$status" 0 "exit code"
    assert_line_match "$output" '^/dev/pts/[0-9]+$' "tty inside the container"
    assert_line_match "$output" '^stdin-tty$'
    assert_line_match "$output" '^stdout-tty$'
    assert_line_match "$output" '^stderr-tty$'

    # docker's TERM for -t, unless the image or -e sets one
    in_script -- run --rm -t "$IMG" sh -c 'echo "TERM=$TERM"'
    is "$output" "TERM=xterm" "TERM with -t"
    in_script -- run --rm -t -e TERM=vt100 "$IMG" sh -c 'echo "TERM=$TERM"'
    is "$output" "TERM=vt100" "TERM with -t -e TERM=vt100"
    run_cc run --rm "$IMG" sh -c 'echo "TERM=${TERM-unset}"'
    is "$output" "TERM=unset" "TERM without -t"

    # The container's own devpts: a fresh instance, so its first pty is 0.
    in_script -- run --rm -t "$IMG" sh -c 'ls /dev/pts | tr "\n" " "'
    assert_line_match "$output" '^0 ptmx $' "entries of the container's /dev/pts"

    # /dev/console is the pty too
    in_script -- run --rm -t "$IMG" sh -c 'test -c /dev/console && echo console-ok'
    assert_line_match "$output" '^console-ok$'
}

@test "run -t: the exit code comes through" {
    in_script -- run --rm -t "$IMG" sh -c 'exit 42'
    is "$status" 42 "exit code under -t"
    in_script -- run --rm -t "$IMG" no-such-command
    is "$status" 127 "exit code under -t for a missing command"
}

@test "run -t with stdout a pipe: all output arrives, then the exit code" {
    local out rc=0
    out=$(timeout 60 "$CC" --root "$CC_ROOT" run --rm -t "$IMG" sh -c 'seq 1 100000; exit 3' </dev/null |
        tr -d '\r' | sed -n '1p;$p' | tr '\n' ' '; exit "${PIPESTATUS[0]}") || rc=$?
    is "$out" "1 100000 " "first and last line"
    is "$rc" 3 "exit code"
}

@test "run -t: the window size of the host terminal" {
    # The size must be there before the command starts: it looks at once.
    # Several rounds, since a late copy only loses the race now and then.
    local cmd i
    cmd="stty rows 33 cols 77; $(printf '%q ' "$CC" --root "$CC_ROOT" run --rm -t -v "$HELPER:/helper:ro" "$IMG" /helper tty)"
    for ((i = 0; i < 10; i++)); do
        status=0
        output=$(timeout 60 script -qec "$cmd" /dev/null </dev/null 2>&1) || status=$?
        output=${output//$'\r'/}
        echo "$output"
        is "$status" 0 "exit code" || return
        is "$output" "tty=111 33x77" "helper's view of its terminal (round $i)" || return
    done
}

@test "run -t: without -t nothing is a tty even under a terminal" {
    in_script -- run --rm "$IMG" sh -c 'test -t 0 || echo stdin-not-tty; tty'
    assert_line_match "$output" '^stdin-not-tty$'
    assert_line_match "$output" '^not a tty$'
}

@test "run -it: input from script's stdin reaches the shell in the container" {
    printf 'echo hello-$((6*7))\nexit 3\n' >"$BATS_TEST_TMPDIR/input"
    in_script "$BATS_TEST_TMPDIR/input" -- run --rm -it "$IMG" sh
    is "$status" 3 "exit code of the interactive shell"
    assert_line_match "$output" '^hello-42$' "the shell's answer"
}

@test "run -i without -t: piped input under a terminal" {
    printf 'line one\nline two\n' >"$BATS_TEST_TMPDIR/input"
    CC_STDIN=$BATS_TEST_TMPDIR/input run_cc run --rm -i "$IMG" sh -c 'cat; test -t 0 || echo not-a-tty'
    is "$output" $'line one\nline two\nnot-a-tty' "output"
}

@test "run -it under tmux: typing, ^C, window size, exit code, terminal restored" {
    command -v tmux >/dev/null || skip "tmux is not installed"
    tmux_start "$(tmux_cc_command run --rm -it "$IMG" sh)"
    wait_screen '^/ #( |$)'
    shell_ready

    tmux_keys 'echo typed-$((6*7))' Enter
    wait_screen '^typed-42$'

    # ^C goes through the pty: the shell's foreground command gets SIGINT.
    # (An interactive shell drops the rest of an interrupted line, so $?
    # is asked for on the next one.)
    tmux_keys 'sleep 100' Enter
    wait_descendant sleep >/dev/null
    tmux_keys C-c
    tmux_keys 'echo after-sleep-$?' Enter
    wait_screen '^after-sleep-130$'

    # The window size, and a change of it (SIGWINCH).
    local size
    size=$(timeout 10 tmux -S "$TMUX_SOCK" display -p -t cc '#{pane_height} #{pane_width}')
    tmux_keys 'echo size=$(stty size)' Enter
    wait_screen "^size=$size\$"
    timeout 10 tmux -S "$TMUX_SOCK" resize-window -t cc -x 120 -y 40
    size=$(timeout 10 tmux -S "$TMUX_SOCK" display -p -t cc '#{pane_height} #{pane_width}')
    [[ "$size" == "40 120" || "$size" == "39 120" ]] || die "tmux did not resize: $size"
    tmux_keys 'clear; echo resized=$(stty size)' Enter
    wait_screen "^resized=$size\$"

    tmux_keys 'exit 5' Enter
    wait_until 20 rc_file_written
    is "$(cat "$BATS_TEST_TMPDIR/rc")" 5 "exit code of run -it"
    is "$(stty_flags "$BATS_TEST_TMPDIR/stty.before")" "echo icanon icrnl isig opost " "terminal flags before"
    is "$(stty_flags "$BATS_TEST_TMPDIR/stty.after")" "$(stty_flags "$BATS_TEST_TMPDIR/stty.before")" \
        "terminal flags after the container exited"
    is "$(container_dirs)" "" "container directories after --rm"
}

@test "run -it under tmux: the terminal is restored when ccontainer gets SIGTERM" {
    command -v tmux >/dev/null || skip "tmux is not installed"
    tmux_start "$(tmux_cc_command run --rm -it "$IMG" sleep 100)"
    # the pane's shell -> ccontainer -> sleep (the container's PID 1)
    wait_descendant sleep >/dev/null
    local cc_pid
    cc_pid=$(wait_descendant ccontainer)
    kill -TERM "$cc_pid"
    wait_until 20 rc_file_written
    is "$(cat "$BATS_TEST_TMPDIR/rc")" 143 "exit code after SIGTERM"
    is "$(stty_flags "$BATS_TEST_TMPDIR/stty.after")" "$(stty_flags "$BATS_TEST_TMPDIR/stty.before")" \
        "terminal flags after SIGTERM"
}

@test "run -it --init under tmux: ^C reaches the command, not only init" {
    command -v tmux >/dev/null || skip "tmux is not installed"
    tmux_start "$(tmux_cc_command run --rm -it --init "$IMG" sleep 100)"
    # ccontainer -> ccontainer-init -> sleep
    wait_descendant sleep >/dev/null
    tmux_keys C-c
    wait_until 20 rc_file_written
    is "$(cat "$BATS_TEST_TMPDIR/rc")" 130 "exit code after ^C"
}

container_dirs() {
    ls -1 "$CC_ROOT/containers" 2>/dev/null || true
}
