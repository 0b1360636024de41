#!/usr/bin/env bats
#
# The command line itself: the tree (every verb's --help), help, the global
# options, unknown verbs and flags, shell completion and the man pages.
# Help must never touch the store: every verb's --help runs over a seeded
# store that must come out byte for byte as it went in.

load helpers

# The first word of each line of the SECTION ("Commands", "Management
# Commands") of a help text on stdin.
help_section() {
    awk -v s="$1:" '$0 == s { on = 1; next } on && /^$/ { on = 0 } on { print $1 }'
}

# Names, types, modes, sizes, link targets and contents of everything under DIR.
tree_state() {
    local dir=$1
    (
        cd "$dir" || exit 1
        find . -printf '%p %y %M %s %l\n' | sed -e '/ d /s/ [0-9]* $/ - /' | LC_ALL=C sort
        find . -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum
    )
}

# One image (imported: no registry) and one exited container.
seed_store() {
    run_cc import "$(alpine_tarball)" localhost/cli:1
    run_cc run --name cli-done --network none localhost/cli:1 true
    run_cc ps -a
    assert_line_match "$output" " Exited \(0\) .* cli-done$" "the seeded container"
}

@test "--help: every verb and sub-verb of the tree, the store untouched" {
    seed_store
    local before after verb sub n=0
    before=$(tree_state "$CC_ROOT")

    run_cc --help
    assert_contains "$output" "Management Commands:"
    local -a groups verbs
    mapfile -t groups < <(help_section "Management Commands" <<<"$output")
    mapfile -t verbs < <(help_section "Commands" <<<"$output")
    is "${groups[*]}" "container image system builder healthcheck network volume" "the groups"
    ((${#verbs[@]} >= 20)) || die "only ${#verbs[@]} verbs in 'ccontainer --help': ${verbs[*]}"

    local -a paths=("${verbs[@]}")
    for verb in "${groups[@]}"; do
        paths+=("$verb")
        run_cc "$verb" --help
        assert_match "$output" "^Usage:  ccontainer $verb COMMAND" "$verb --help"
        local -a subs
        mapfile -t subs < <(help_section "Commands" <<<"$output")
        ((${#subs[@]} >= 1)) || die "'$verb --help' lists ${#subs[@]} verbs" # healthcheck: run
        for sub in "${subs[@]}"; do
            paths+=("$verb $sub")
        done
    done

    local p
    for p in "${paths[@]}"; do
        # shellcheck disable=SC2086  # "container ls" is two words
        run_cc $p --help
        assert_line_match "$output" "^Usage: +ccontainer $p( |$)" "'$p --help' on stdout"
        case "$p" in
        run | exec | create | "container run" | "container exec" | "container create") ;; # run's -h is --hostname
        *)
            # shellcheck disable=SC2086
            run_cc $p -h
            assert_line_match "$output" "^Usage: +ccontainer $p( |$)" "'$p -h' on stdout"
            ;;
        esac
        # shellcheck disable=SC2086
        run_cc help $p
        assert_line_match "$output" "^Usage: +ccontainer $p( |$)" "'help $p'"
        n=$((n + 1))
    done
    ((n >= 40)) || die "only $n command paths walked"

    after=$(tree_state "$CC_ROOT")
    is "$after" "$before" "the store after $n --help calls"
}

@test "help container ls: usage, summary, aliases" {
    run_cc help container ls
    is "${lines[0]}" "Usage:  ccontainer container ls [OPTIONS]" "usage line"
    is "${lines[2]}" "List containers" "summary"
    assert_contains "$output" "Aliases:"
    assert_contains "$output" "ccontainer container ls, ccontainer container list, ccontainer container ps, ccontainer ps"
    is "$stderr" "" "stderr"

    run_cc 125 help nosuchverb
    assert_contains "$stderr" 'Error: unknown help topic "nosuchverb"'
}

@test "no verb: the help, exit 0" {
    local plain
    run_cc
    plain=$output
    is "${lines[0]}" "Usage:  ccontainer [OPTIONS] COMMAND"
    assert_contains "$output" "Management Commands:"
    assert_contains "$output" "Global Options:"
    is "$stderr" "" "stderr"
    run_cc --help
    is "$output" "$plain" "--help"
    run_cc -h
    is "$output" "$plain" "-h"
    run_cc help
    is "$output" "$plain" "help"
}

@test "unknown verb: Error: unknown command, 125" {
    run_cc 125 nosuchverb
    is "${stderr_lines[0]}" 'Error: unknown command "nosuchverb" for "ccontainer"'
    is "$output" "" "stdout"
    run_cc 125 container nosuchverb
    is "${stderr_lines[0]}" 'Error: unknown command "nosuchverb" for "ccontainer container"'
    # hidden verbs are not found by their look-alikes
    run_cc 125 start_
    assert_contains "$stderr" "unknown command"
}

@test "unknown global flag: one error line and a hint, 125" {
    run_cc 125 --bogus ps
    is "${#stderr_lines[@]}" 2 "stderr lines: $stderr"
    is "${stderr_lines[0]}" "Error: unknown flag: --bogus"
    is "${stderr_lines[1]}" "See 'ccontainer --help'."
    is "$output" "" "stdout"

    run_cc 125 -X ps
    is "${stderr_lines[0]}" "Error: unknown shorthand flag: 'X' in -X"

    # no prefixes: --ro is not --root
    run_cc 125 --ro /tmp ps
    is "${stderr_lines[0]}" "Error: unknown flag: --ro"
}

@test "--log-level: the levels accepted, anything else refused" {
    local lvl
    for lvl in debug info warn error; do
        run_cc --log-level "$lvl" ps -a
        assert_line_match "$output" "^CONTAINER ID" "ps after --log-level $lvl"
    done
    run_cc --log-level=debug ps -q
    run_cc -l debug ps -q
    run_cc -D ps -q

    run_cc 125 --log-level bogus ps
    is "${#stderr_lines[@]}" 1 "stderr lines: $stderr"
    assert_match "${stderr_lines[0]}" '^Error: invalid argument "bogus" for "-l, --log-level" flag'
    is "$output" "" "stdout"

    run_cc 125 --log-level
    is "${stderr_lines[0]}" "Error: flag needs an argument: --log-level"
}

# complete WORD... : what the bash script offers, the last word the current one
complete_bash() {
    # shellcheck disable=SC2016  # expanded by the inner bash
    timeout 30 bash -c '
        set -e
        source <("$0" completion bash)
        COMP_WORDS=("$0" "$@")
        COMP_CWORD=$#
        COMPREPLY=()
        _ccontainer
        printf "%s\n" "${COMPREPLY[@]}"' "$CC" "$@"
}

@test "completion bash: verbs, sub-verbs, flags, values, container names" {
    run_cc completion bash
    assert_contains "$output" "complete -F _ccontainer ccontainer"
    bash -n <<<"$output" || die "completion bash: not valid bash"

    is "$(complete_bash con)" "container" "con"
    is "$(complete_bash container l)" "logs
ls" "container l"
    is "$(complete_bash container ls)" "ls" "container ls"
    is "$(complete_bash image t)" "tag" "image t"
    is "$(complete_bash --log-level '')" "trace
debug
info
warn
error
fatal
panic" "--log-level ''"
    is "$(complete_bash --log-level d)" "debug" "--log-level d"
    is "$(complete_bash -l w)" "warn" "-l w"
    is "$(complete_bash --log-level debug con)" "container" "a verb after a global flag's value"
    is "$(complete_bash --ro)" "--root" "--ro"
    is "$(complete_bash --r)" "--root
--runroot" "--r"
    is "$(complete_bash completion '')" "bash
zsh
fish" "completion ''"
    # hidden verbs are not offered
    is "$(complete_bash __)" "" "__"
    is "$(complete_bash nosuchverb '')" "" "under an unknown verb"

    # a container's name from the store (CCONTAINER_ROOT, basic_setup)
    seed_store
    local verb
    for verb in rm start logs wait "container rm"; do
        # shellcheck disable=SC2086
        is "$(complete_bash $verb cli-)" "cli-done" "$verb cli-"
    done
    is "$(complete_bash rm nomatch)" "" "rm nomatch"
    is "$(complete_bash stop cli-)" "" "stop: running containers only"
}

@test "completion zsh, fish: scripts, syntax-checked where the shell is installed" {
    run_cc completion zsh
    is "${lines[0]}" "#compdef ccontainer" "zsh's first line"
    if command -v zsh >/dev/null; then
        zsh -n <<<"$output" || die "completion zsh: not valid zsh"
    fi
    run_cc completion fish
    is "${lines[0]}" "# fish completion for ccontainer (ccontainer completion fish)" "fish's first line"
    assert_contains "$output" "complete -c ccontainer"
    if command -v fish >/dev/null; then
        fish --no-execute <<<"$output" || die "completion fish: not valid fish"
    fi

    run_cc 125 completion tcsh
    assert_contains "$stderr" 'no completion for shell "tcsh"'
    run_cc 125 completion
    assert_contains "$stderr" 'requires exactly 1 argument'
}

@test "__man DIR: a page for the tool and for each command path" {
    local dir=$BATS_TEST_TMPDIR/man f
    run_cc __man "$dir"
    for f in ccontainer ccontainer-container ccontainer-container-ls ccontainer-image-ls ccontainer-run ccontainer-ps; do
        [[ -s "$dir/$f.1" ]] || die "no $dir/$f.1: $(ls "$dir")"
        local upper=${f^^}
        assert_match "$(head -n1 "$dir/$f.1")" "^\.TH $upper 1 " "$f.1's header"
        assert_contains "$(<"$dir/$f.1")" ".SH NAME"
    done
    assert_contains "$(<"$dir/ccontainer.1")" ".SH GLOBAL OPTIONS"
    assert_contains "$(<"$dir/ccontainer-container.1")" '\fBccontainer-container-ls\fR(1)'
    # no page for a hidden verb or an alias
    assert_file_absent "$dir/ccontainer-__start.1"
    assert_file_absent "$dir/ccontainer-container-list.1"
    if command -v groff >/dev/null; then
        local w
        w=$(groff -man -z -ww "$dir/ccontainer-container-ls.1" 2>&1) || die "groff: $w"
        is "$w" "" "groff's warnings"
    fi
}

@test "version: docker's layout, fields and --format" {
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
    run_cc version --format '{{json .Client}}'
    is "$(jq -r .Os <<<"$output")" linux "{{json .Client}}"
    run_cc version -f '{{.Client.Os}}/{{.Client.Arch}} {{if .Client.Libraries.sqlite}}sqlite{{end}}'
    is "$output" "linux/$HOST_ARCH sqlite" "any template: if, two fields"
    run_cc 64 version -f '{{.Client.Os'
    is "$stderr" "Error: template parsing error: template: :1: unclosed action" "a template that does not parse"
    run_cc 1 version -f 'os={{index .Client 1}}'
    is "$output" "os=" "what the template wrote before it failed"
    is "${#stderr_lines[@]}" 1 "one line"
    assert_contains "$stderr" 'executing "" at <index .Client 1>'
}

@test "info: counts, driver, paths and --format" {
    seed_store
    run_cc info
    assert_line_match "$output" '^ Containers: 1$' "Containers"
    assert_line_match "$output" '^  Stopped: 1$' "Stopped"
    assert_line_match "$output" '^ Images: 1$' "Images"
    assert_line_match "$output" '^ Storage Driver: overlay$' "driver"
    assert_line_match "$output" "^ Docker Root Dir: $(regex_quote "$CC_ROOT")\$" "root"
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
    is "$(jq -r .RunRoot <<<"$output")" "$CC_RUNROOT" "RunRoot"
    is "$(jq -r .BridgeName <<<"$output")" "${CCONTAINER_NETWORK_BRIDGE:-cc0}" "BridgeName"
    run_cc info --format '{{json .}}'
    is "$(jq -r .DockerRootDir <<<"$output")" "$CC_ROOT" "{{json .}}"
    run_cc info --format '{{range .Plugins.Network}}{{.}} {{end}}|{{len .Plugins.Log}}|{{.ClientInfo.Context}}'
    is "$output" "bridge host none |2|default" "range, len, ClientInfo"
    run_cc info --format '{{.Containers}} {{.Images}} {{.Name}}'
    is "$output" "1 1 $(uname -n)" "numbers and Name"
    is "$(jq -c .ClientInfo.Plugins <<<"$(timeout 20 "$CC" --root "$CC_ROOT" info -f json)")" "[]" "ClientInfo.Plugins []"
    run_cc 64 info --format '{{.Driver'
    is "${#stderr_lines[@]}" 1 "a parse error is one line"
}

@test "output cut by a closed pipe ends quietly" {
    seed_store
    local err=$BATS_TEST_TMPDIR/err
    timeout 20 "$CC" --root "$CC_ROOT" inspect cli-done localhost/cli:1 2>"$err" | head -c1 >/dev/null
    is "$(<"$err")" "" "stderr of inspect | head -c1"
    timeout 20 "$CC" --root "$CC_ROOT" version 2>"$err" | head -c1 >/dev/null
    is "$(<"$err")" "" "stderr of version | head -c1"
}

@test "make install installs binary, man pages and completions" {
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
