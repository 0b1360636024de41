#!/usr/bin/env bats
# docker's parsing rules on the run-family verbs (issue 20): flags after
# positionals, stop at the command for exec, help that never acts.

load helpers

@test "exec --help lists its flags and exits 0" {
    run_cc 0 exec --help
    assert_contains "$output" "-e, --env list"
    assert_contains "$output" "-w, --workdir string"
}

@test "exec stops at the command: a --help after the container is the command's" {
    run_cc 125 exec nosuch sh --help
    assert_contains "$stderr" "nosuch"
    assert_not_contains "$stderr" "Usage:"
}

@test "pull --all-tags is refused in one line (usage error)" {
    run_cc 125 pull -a example.org/x
    assert_contains "$stderr" "--all-tags is not supported"
}

@test "save: flags after the image (save img -o f)" {
    run_cc 1 save nosuchimage -o "$BATS_TEST_TMPDIR/f.tar"
    assert_contains "$stderr" "nosuchimage"
    assert_not_contains "$stderr" "-o"
}

@test "logs: flags after the name (logs NAME --tail 1)" {
    run_cc 1 logs nosuchctr --tail 1
    assert_contains "$stderr" "nosuchctr"
    run_cc 125 logs nosuchctr --tail x
    assert_contains "$stderr" "invalid --tail 'x'"
}

@test "build: --format is oci or docker; flags after the context" {
    run_cc 125 build "$BATS_TEST_TMPDIR" --format bogus
    assert_contains "$stderr" 'unrecognized image type "bogus"'
}

@test "login/logout/port/load: --help exits 0 with their flags" {
    run_cc 0 login --help
    assert_contains "$output" "--password-stdin"
    run_cc 0 load --help
    assert_contains "$output" "-i, --input string"
    run_cc 0 port --help
    assert_contains "$output" "CONTAINER [PRIVATE_PORT[/PROTO]]"
}

###############################################################################
# run, __start and attach on their tables (an image from the test registry)

setup_file() {
    file_setup
    start_registry
    seed_alpine library/alpine:latest
}

teardown() {
    remove_all_containers
    basic_teardown
}

with_alpine() {
    export CCONTAINER_REGISTRY_MIRROR=http://$REGISTRY
    run_cc pull -q alpine
}

# set_stored_args NAME JSON-ARRAY: a container's stored run arguments, as an
# older ccontainer wrote them (the argv as typed)
set_stored_args() {
    python3 - "$CC_ROOT/store.db" "$1" "$2" <<'PY'
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
(cfg,) = db.execute("select config_json from containers where name = ?", (sys.argv[2],)).fetchone()
c = json.loads(cfg)
c["Args"] = json.loads(sys.argv[3])
c.pop("Spec", None)  # as an older ccontainer stored it: no spec
db.execute("update containers set config_json = ? where name = ?", (json.dumps(c), sys.argv[2]))
db.commit()
PY
}

@test "run: flags end at the image, the rest is the command's" {
    with_alpine
    run_cc run --rm --network none alpine ls -l /
    assert_line_match "$output" '^d[rwx-]{9} .* bin$' "ls -l got its -l"
    run_cc run --rm --network none alpine echo --rm -d --help
    is "$output" "--rm -d --help" "flags after the image"
    run_cc ps -aq
    is "$output" "" "no container left (--rm)"
}

@test "run --help prints the table and never acts" {
    run_cc 0 run --help
    assert_contains "$output" "-m, --memory bytes"
    assert_contains "$output" "--memory-swap bytes"
    assert_contains "$output" "-e, --env list"
    assert_contains "$output" "--network network"
    assert_contains "$output" "-p, --publish list"
    assert_no_line_match "$output" '^ +--net ' "--net is a hidden alias"
    run_cc 0 run -d --name nothing --help alpine true
    assert_contains "$output" "Usage:  ccontainer run [OPTIONS] IMAGE"
    run_cc ps -aq
    is "$output" "" "run --help created no container"
}

@test "run: --flag=BOOL, no prefixes, values by the table's types" {
    with_alpine
    run_cc run --rm=true --tty=false --network none alpine echo ok
    is "$output" "ok"
    run_cc ps -aq
    is "$output" "" "--rm=true removed it"
    run_cc run --net=none --rm alpine echo net-alias
    is "$output" "net-alias"
    run_cc 125 run --priv alpine true
    assert_contains "$stderr" "unknown flag: --priv"
    run_cc 125 run -m lots alpine true
    assert_contains "$stderr" 'invalid argument "lots" for "-m, --memory" flag:'
    run_cc 125 run --memory-swap=-2 alpine true
    assert_contains "$stderr" '"--memory-swap" flag'
    run_cc 125 run --cpu-shares many alpine true
    assert_contains "$stderr" 'invalid argument "many" for "-c, --cpu-shares" flag'
    run_cc 125 run
    assert_contains "$stderr" "requires at least 1 argument"
    run_cc ps -aq
    is "$output" "" "no container from the refused runs"
}

@test "run -d: start reads the stored spec (a value starting with '-', limits)" {
    with_alpine
    run_cc run -d --network none -e K=-x --name n --memory 64m alpine sh -c 'echo "K=$K"; sleep 600'
    wait_for_log n "K=-x"
    run_cc inspect n
    is "$(jq -c '.[0].HostConfig.Memory' <<<"$output")" 67108864 "Memory"
    run_cc stop -t 1 n
    run_cc start n
    run_cc exec n sh -c 'echo "$K"'
    is "$output" "-x" "K after stop and start"
    run_cc ps --format '{{.Names}}'
    is "$output" "n" "the name kept"
    run_cc inspect n
    is "$(jq -c '.[0].HostConfig.Memory' <<<"$output")" 67108864 "Memory after start"
}

@test "start: a container whose Args are the argv as an older ccontainer typed them" {
    with_alpine
    run_cc run -d --network none --name old alpine sleep 600
    run_cc stop -t 1 old
    set_stored_args old '["-di", "--rm=false", "--network", "none", "--memory", "64m", "-e", "K=V", "-eL=W",
        "--name", "old", "alpine", "sh", "-c", "echo \"K=$K L=$L\"; sleep 600"]'
    run_cc start old
    wait_for_log old "K=V L=W"
    run_cc inspect old
    is "$(jq -c '.[0].HostConfig.Memory' <<<"$output")" 67108864 "Memory from the old Args"

    # they were made into its spec at that start: Args are gone
    is "$(sqlite3 -readonly "$CC_ROOT/store.db" "SELECT coalesce(json_type(config_json, '\$.Args'), 'none') || '-' || json_extract(config_json, '\$.Spec.Version') FROM containers WHERE name = 'old'")" \
        "none-1" "Args replaced by a spec of version 1"

    # Args the table refuses: the start fails with the parser's message, in one line
    run_cc stop -t 1 old
    set_stored_args old '["--no-such-flag", "alpine", "true"]'
    run_cc 1 start old
    assert_contains "$stderr" "its stored run arguments cannot be used: unknown flag: --no-such-flag"
    is "${#stderr_lines[@]}" 1 "one error line"
}

@test "attach: --detach-keys is checked, --no-stdin prints the output" {
    run_cc 1 attach --detach-keys bogus nosuch
    is "${#stderr_lines[@]}" 1 "one error line"
    assert_contains "$stderr" "invalid --detach-keys 'bogus'"
    run_cc 1 attach --detach-keys ctrl-p,ctrl- nosuch
    assert_contains "$stderr" "--detach-keys"
    # a valid spec: the error is the container's
    run_cc 1 attach --detach-keys ctrl-a,x,ctrl-@ nosuch
    assert_contains "$stderr" "nosuch"
    run_cc 0 attach --help
    assert_contains "$output" "--no-stdin"
    assert_contains "$output" "--sig-proxy"

    with_alpine
    run_cc run -d --network none --name a alpine sh -c 'sleep 2; echo hello-attach; exit 3'
    run_cc 3 attach --no-stdin --sig-proxy=false a
    assert_contains "$output" "hello-attach"
}

@test "exec: --env-file and --privileged" {
    with_alpine
    run_cc run -d --network none --name e alpine sleep 600
    printf '# a comment\n\nA=1\n  B=two\n' >"$BATS_TEST_TMPDIR/env"
    run_cc exec --env-file "$BATS_TEST_TMPDIR/env" -e B=three e sh -c 'echo "$A $B"'
    is "$output" "1 three" "--env-file, then -e"
    run_cc 125 exec --env-file "$BATS_TEST_TMPDIR/no-such-file" e true
    assert_contains "$stderr" "no-such-file"

    run_cc run --rm --privileged --network none alpine grep CapEff /proc/self/status
    local all=$output
    run_cc exec e grep CapEff /proc/self/status
    local plain=$output
    run_cc exec --privileged e grep CapEff /proc/self/status
    is "$output" "$all" "exec --privileged: every capability"
    [[ "$plain" != "$all" ]] || die "exec without --privileged has every capability too"
    run_cc exec --privileged e grep Seccomp: /proc/self/status
    assert_match "$output" 'Seccomp:[[:space:]]+0' "no seccomp filter"
    run_cc exec e grep Seccomp: /proc/self/status
    assert_match "$output" 'Seccomp:[[:space:]]+2' "the container's filter otherwise"
}

@test "attach --sig-proxy: SIGTERM to attach goes to the container's process" {
    with_alpine
    run_cc run -d --network none --name sp alpine sh -c 'trap "echo got-term; exit 7" TERM; echo ready; while true; do sleep 0.2; done'
    wait_for_log sp ready
    "$CC" --root "$CC_ROOT" attach --no-stdin sp </dev/null >"$BATS_TEST_TMPDIR/attach.out" 2>&1 &
    local pid=$!
    sleep 1
    kill -TERM "$pid"
    local rc=0
    wait "$pid" || rc=$?
    is "$rc" 7 "attach exits with the container's status"
    assert_contains "$(cat "$BATS_TEST_TMPDIR/attach.out")" "got-term"
}
