#!/usr/bin/env bats
#
# inspect, container inspect, image inspect: docker's shapes, typed lookups,
# not-found messages and exit statuses.

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
}

teardown() {
    remove_all_containers
    basic_teardown
}

@test "inspect: docker's fields for a running container, no raw run argv" {
    run_cc run -d --name insp -e SECRET=hunter2 alpine sleep 100
    run_cc inspect insp
    is "$(jq -r '.[0].Name' <<<"$output")" "/insp" "Name with docker's leading /"
    is "$(jq -r '.[0].State.Running' <<<"$output")" "true" "State.Running"
    is "$(jq -r '.[0].State.Pid | type' <<<"$output")" "number" "State.Pid is a number"
    is "$(jq -r '.[0].Path' <<<"$output")" "sleep" "Path"
    is "$(jq -c '.[0].Args' <<<"$output")" '["100"]' "Args"
    is "$(jq -r '.[0].RestartCount' <<<"$output")" "0" "RestartCount"
    is "$(jq -r '.[0].LogPath' <<<"$output")" "$CC_ROOT/containers/$(jq -r '.[0].Id' <<<"$output")/ctr.log" "LogPath"
    is "$(jq -r '.[0].HostConfig.RestartPolicy.Name' <<<"$output")" "no" "RestartPolicy"
    is "$(jq -r '.[0].State.FinishedAt' <<<"$output")" "0001-01-01T00:00:00Z" "docker's zero time"
    is "$(jq -r '.[0].Config | has("Args")' <<<"$output")" "false" "no Config.Args"
    is "$(jq -r '[paths(type == "string") as $p | getpath($p) | select(contains("hunter2"))] | length' <<<"$output")" \
        "1" "the -e value only in Config.Env"
}

@test "container inspect IMAGE and image inspect CTR fail with docker's messages" {
    run_cc run -d --name typed alpine sleep 100
    run_cc 1 container inspect alpine
    is "$stderr" "Error: No such container: alpine" "container inspect of an image"
    run_cc 1 image inspect typed
    is "$stderr" "Error: No such image: typed" "image inspect of a container"
    run_cc inspect --type image alpine
    is "$(jq -r '.[0].RepoTags[0]' <<<"$output")" "alpine:latest" "--type image"
    run_cc 1 inspect --type image typed
    assert_contains "$stderr" "No such image: typed"
}

@test "inspect: several names, one missing: the found ones printed, exit 1" {
    run_cc run -d --name one alpine sleep 100
    run_cc 1 inspect one nosuch alpine
    is "$(jq -r 'length' <<<"$output")" "2" "two objects"
    assert_contains "$stderr" "Error: No such object: nosuch"
}

@test "inspect a b | head -c 10 ends quietly" {
    run_cc run -d --name p1 alpine sleep 100
    local err=$BATS_TEST_TMPDIR/pipe.err
    run bash -c "'$CC' --root '$CC_ROOT' inspect p1 alpine 2>'$err' | head -c 10"
    is "$output" "[
    {
  " "the first ten bytes"
    is "$(cat "$err")" "" "nothing on stderr"
}
