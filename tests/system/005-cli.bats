#!/usr/bin/env bats
#
# The command line as a whole: help on every verb (walked from --help, so a
# new verb is covered) never touching the store, help/unknown messages,
# completion, version, info, make install, a closed pipe.

load helpers

# One seeded store for the file: an image and a stopped container.
setup_file() {
    file_setup
    export SEED_ROOT=$BATS_FILE_TMPDIR/seed
    export SEED_RUNROOT=$BATS_FILE_TMPDIR/seedrun
    mkdir -p "$SEED_ROOT"
    timeout 120 "$CC" --root "$SEED_ROOT" --runroot "$SEED_RUNROOT" import "$(alpine_tarball)" localhost/cli:1 >/dev/null
    timeout 120 "$CC" --root "$SEED_ROOT" --runroot "$SEED_RUNROOT" run --name stopped1 --network none \
        localhost/cli:1 true >/dev/null
}

setup() {
    basic_setup
    export CC_ROOT=$SEED_ROOT CCONTAINER_ROOT=$SEED_ROOT
    export CC_RUNROOT=$SEED_RUNROOT CCONTAINER_RUNROOT=$SEED_RUNROOT
}

# names, modes, sizes and contents of every file under the store, the db included
store_hash() {
    (cd "$1" && find . -printf '%p %m %s %y\n' | LC_ALL=C sort &&
        find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum) | sha256sum
}

# verbs listed in a --help output's Commands sections
list_verbs() {
    awk '/^(Management )?Commands:/ {on=1; next} /^$/ {on=0} on && /^  [a-z]/ {print $1}' <<<"$1"
}

@test "cli: --help and -h on every verb and sub-verb print usage, exit 0, leave the store unchanged" {
    local before verbs groups v s n=0
    before=$(store_hash "$SEED_ROOT")
    run_cc --help
    assert_match "$output" "Management Commands:" "root help"
    verbs=$(list_verbs "$output")
    groups=$(awk '/^Management Commands:/ {on=1; next} /^$/ {on=0} on && /^  [a-z]/ {print $1}' <<<"$output")
    [[ -n "$verbs" ]] || die "no verbs parsed from --help"
    local paths=()
    for v in $verbs; do paths+=("$v"); done
    for g in $groups; do
        run_cc "$g" --help
        assert_match "$output" "Usage: +ccontainer $g" "$g --help usage"
        for s in $(list_verbs "$output"); do paths+=("$g $s"); done
    done
    for v in "${paths[@]}"; do
        # shellcheck disable=SC2086
        run_cc 0 $v --help
        assert_match "$output" "Usage: +ccontainer $v" "usage line of '$v --help'"
        # shellcheck disable=SC2086
        if ! grep -qx "$v" <<<"$groups" && [[ $(timeout 10 "$CC" __complete -- $v -- 2>/dev/null | grep -c '^--') -gt 0 ]]; then
            assert_match "$output" "Options:" "'$v --help' lists its options"
        fi
        # -h is help unless the verb has a flag of its own named -h
        if ! grep -qE '^ +-h, --[a-z]' <<<"$output" || grep -qE '^ +-h, --help' <<<"$output"; then
            # shellcheck disable=SC2086
            run_cc 0 $v -h
            assert_match "$output" "Usage: +ccontainer $v" "usage line of '$v -h'"
        fi
        n=$((n + 1))
    done
    assert_le 40 "$n" "verbs and sub-verbs walked"
    is "$(store_hash "$SEED_ROOT")" "$before" "store after every --help"
}

@test "cli: help VERB, help container ls, unknown verb and flag" {
    run_cc help rm
    assert_match "${lines[0]}" "^Usage: +ccontainer rm" "help rm"
    run_cc help container ls
    assert_match "${lines[0]}" "^Usage: +ccontainer container ls" "help container ls"
    run_cc 125 no-such-verb
    assert_contains "$stderr" "no-such-verb" "unknown verb message"
    run_cc 125 info --no-such-flag
    is "${stderr_lines[0]}" "Error: unknown flag: --no-such-flag" "unknown flag line"
    is "${stderr_lines[1]}" "See 'ccontainer info --help'." "unknown flag hint"
    run_cc 125 version -Q
    assert_match "${stderr_lines[0]}" "^Error: unknown shorthand flag: 'Q'" "unknown short flag"
}

@test "cli: global flags: --log-level debug accepted; an unknown one is one error line" {
    run_cc --log-level debug version --format '{{.Client.Os}}'
    is "$output" "linux" "version under --log-level debug"
    run_cc 125 --no-such-global ps
    is "${#stderr_lines[@]}" 2 "stderr lines: the error and the hint, no usage"
    assert_match "${stderr_lines[0]}" "^Error: unknown flag: --no-such-global" "error line"
}

@test "cli: bash completion completes verbs, flags, container and image names" {
    local script=$BATS_TEST_TMPDIR/c.bash
    "$CC" completion bash >"$script"
    bash -n "$script" || die "bash completion script does not parse"
    comp() { # words... -> COMPREPLY, one per line
        CCONTAINER_ROOT=$SEED_ROOT PATH=$(dirname "$CC"):$PATH bash -c '
            source "$1"; shift
            COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
            f=$(complete -p ccontainer | sed -E "s/.*-F ([^ ]+).*/\1/"); $f ccontainer "${COMP_WORDS[-1]}" "${COMP_WORDS[-2]}"
            printf "%s\n" "${COMPREPLY[@]}"' _ "$script" "$@"
    }
    assert_line_match "$(comp ccontainer ver)" '^version *$' "verbs"
    assert_line_match "$(comp ccontainer version --f)" '^--format *$' "version --f"
    assert_line_match "$(comp ccontainer rm st)" '^stopped1 *$' "container names"
    assert_line_match "$(comp ccontainer rmi localhost/c)" '^localhost/cli:1 *$' "image names"
}

@test "cli: zsh and fish completion scripts parse" {
    "$CC" completion zsh >"$BATS_TEST_TMPDIR/_cc"
    "$CC" completion fish >"$BATS_TEST_TMPDIR/cc.fish"
    assert_match "$(head -1 "$BATS_TEST_TMPDIR/_cc")" "^#compdef ccontainer" "zsh header"
    assert_contains "$(<"$BATS_TEST_TMPDIR/cc.fish")" "complete -c ccontainer" "fish script"
    if command -v zsh >/dev/null; then zsh -n "$BATS_TEST_TMPDIR/_cc" || die "zsh -n"; fi
    if command -v fish >/dev/null; then fish -n "$BATS_TEST_TMPDIR/cc.fish" || die "fish -n"; fi
    run_cc __complete -- version --f
    assert_line_match "$output" '^--format' "__complete version --f"
}

@test "cli: version: docker's layout, fields and --format" {
    run_cc version
    is "${lines[0]}" "Client:" "first line"
    assert_line_match "$output" '^ Version: +[^ ]+' "Version"
    assert_line_match "$output" "^ OS/Arch: +linux/$HOST_ARCH\$" "OS/Arch"
    assert_line_match "$output" "^ Kernel: +$(regex_quote "$(uname -r)")\$" "Kernel"
    assert_line_match "$output" '^ Store schema: +[0-9]+$' "Store schema"
    assert_line_match "$output" '^ Cgroup version: +(v1|v2|hybrid)$' "cgroup"
    assert_line_match "$output" "^  sqlite +$(sqlite3 --version 2>/dev/null | cut -d' ' -f1 || echo '[0-9.]+')" "sqlite"
    run_cc version --format json
    is "$(jq -r .Client.Arch <<<"$output")" "$HOST_ARCH" "json Arch"
    is "$(jq -r .Client.KernelVersion <<<"$output")" "$(uname -r)" "json kernel"
    is "$(jq -r '.Client.Libraries | has("jansson")' <<<"$output")" true "jansson listed"
    run_cc version --format '{{.Client.Os}}'
    is "$output" "linux" "template"
}

@test "cli: info: counts, driver, paths and --format" {
    run_cc info
    assert_line_match "$output" '^ Containers: 1$' "Containers"
    assert_line_match "$output" '^  Stopped: 1$' "Stopped"
    assert_line_match "$output" '^ Images: 1$' "Images"
    assert_line_match "$output" '^ Storage Driver: overlay$' "driver"
    assert_line_match "$output" "^ Docker Root Dir: $(regex_quote "$SEED_ROOT")\$" "root"
    run_cc info --format '{{.Driver}}'
    is "$output" "overlay" "info --format .Driver"
    run_cc system info --format json
    is "$(jq -r .Containers <<<"$output")" 1 "Containers"
    is "$(jq -r .ContainersStopped <<<"$output")" 1 "ContainersStopped"
    is "$(jq -r .ContainersRunning <<<"$output")" 0 "ContainersRunning"
    is "$(jq -r .Images <<<"$output")" 1 "Images"
    is "$(jq -r .CgroupDriver <<<"$output")" cgroupfs "CgroupDriver"
    is "$(jq -r .NCPU <<<"$output")" "$(nproc)" "NCPU"
    is "$(jq -r .KernelVersion <<<"$output")" "$(uname -r)" "KernelVersion"
    is "$(jq -r .RunRoot <<<"$output")" "$SEED_RUNROOT" "RunRoot"
    is "$(jq -r .BridgeName <<<"$output")" "${CCONTAINER_NETWORK_BRIDGE:-cc0}" "BridgeName"
    run_cc info --format '{{json .}}'
    is "$(jq -r .DockerRootDir <<<"$output")" "$SEED_ROOT" "{{json .}}"
}

@test "cli: output cut by a closed pipe ends quietly" {
    local err=$BATS_TEST_TMPDIR/err
    timeout 20 "$CC" inspect stopped1 localhost/cli:1 2>"$err" | head -c1 >/dev/null
    is "$(<"$err")" "" "stderr of inspect | head -c1"
    timeout 20 "$CC" version 2>"$err" | head -c1 >/dev/null
    is "$(<"$err")" "" "stderr of version | head -c1"
}

@test "cli: make install installs binary, man pages and completions" {
    local d=$BATS_TEST_TMPDIR/dest
    make -s -C "$REPO_ROOT" install DESTDIR="$d" PREFIX=/usr >/dev/null
    [[ -x $d/usr/bin/ccontainer ]] || die "binary"
    [[ -s $d/usr/share/bash-completion/completions/ccontainer ]] || die "bash completion"
    [[ -s $d/usr/share/zsh/site-functions/_ccontainer ]] || die "zsh completion"
    [[ -s $d/usr/share/fish/vendor_completions.d/ccontainer.fish ]] || die "fish completion"
    local page=$d/usr/share/man/man1/ccontainer-run.1
    assert_match "$(head -1 "$page")" '^\.TH CCONTAINER-RUN 1' "roff header"
    if command -v man >/dev/null && command -v groff >/dev/null; then
        assert_contains "$(MANWIDTH=80 man -l "$page" 2>/dev/null)" "ccontainer-run" "man -l renders"
    fi
}
