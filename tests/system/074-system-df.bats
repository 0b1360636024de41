#!/usr/bin/env bats
#
# system df: docker's disk usage summary, -v and --format.

load helpers

setup_file() {
    file_setup
    start_registry
    seed_alpine library/alpine:latest
}

setup() {
    basic_setup
    export CCONTAINER_REGISTRY_MIRROR=http://$REGISTRY
}

teardown() {
    remove_all_containers
    basic_teardown
}

df_field() { # TYPE KEY: one field of df --format json
    run_cc system df --format json >&2
    jq -r --arg t "$1" "select(.Type == \$t) | .$2" <<<"$output"
}

@test "system df on an empty store: the header and four rows" {
    run_cc system df
    is "${lines[0]}" "TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE"
    is "${lines[1]}" "Images          0         0         0B        0B"
    is "${lines[2]}" "Containers      0         0         0B        0B"
    is "${lines[3]}" "Local Volumes   0         0         0B        0B"
    is "${lines[4]}" "Build Cache     0         0         0B        0B"
    is "${#lines[@]}" "5"
}

@test "system df counts images, containers and volumes; removal makes space reclaimable" {
    skip_if_not_root "containers need root"
    run_cc pull -q alpine
    run_cc volume create dfvol
    run_cc volume create dfunused
    run_cc run -d --name dfrun -v dfvol:/data alpine sh -c 'head -c 100000 /dev/zero >/data/f; head -c 200000 /dev/zero >/big; sleep 100'
    run_cc run --name dfstop alpine sh -c 'head -c 300000 /dev/zero >/stopped'
    wait_until 10 test -s "$CC_ROOT/volumes/dfvol/_data/f"
    wait_until 10 bash -c "[[ \$('$CC' --root '$CC_ROOT' system df --format '{{.Type}} {{.Size}}' | grep Containers) == 'Containers 500kB' ]]"

    run_cc system df
    assert_line_match "$output" '^Images +1 +1 +[0-9.]+[kM]B +0B \(0%\)$'
    assert_line_match "$output" '^Containers +2 +1 +500kB +300kB \(60%\)$'
    assert_line_match "$output" '^Local Volumes +2 +1 +100kB +0B \(0%\)$'
    assert_line_match "$output" '^Build Cache +0 +0 +0B +0B$'

    is "$(df_field Images TotalCount)" "1"
    is "$(df_field Images Active)" "1"
    is "$(df_field Containers TotalCount)" "2"
    is "$(df_field Containers Active)" "1"
    is "$(df_field Containers Reclaimable)" "300kB (60%)"
    is "$(df_field 'Local Volumes' TotalCount)" "2"
    is "$(df_field 'Local Volumes' Active)" "1"

    # the stopped container goes: nothing reclaimable among containers
    run_cc rm dfstop
    is "$(df_field Containers TotalCount)" "1"
    is "$(df_field Containers Size)" "200kB"
    is "$(df_field Containers Reclaimable)" "0B (0%)"

    # the running one goes: the image and its volume are unused
    run_cc rm -f dfrun
    is "$(df_field Images Active)" "0"
    assert_match "$(df_field Images Reclaimable)" '\(100%\)$'
    is "$(df_field 'Local Volumes' Active)" "0"
    is "$(df_field 'Local Volumes' Reclaimable)" "100kB (100%)"
}

@test "system df --format json and Go templates" {
    run_cc pull -q alpine
    run_cc system df --format json
    is "${#lines[@]}" "4"
    is "$(jq -r '.Type' <<<"$output" | paste -sd,)" "Images,Containers,Local Volumes,Build Cache"
    is "$(jq -r 'keys | join(",")' <<<"${lines[0]}")" "Active,Reclaimable,Size,TotalCount,Type"
    is "$(jq -r 'select(.Type == "Images") | .TotalCount' <<<"$output")" "1"
    run_cc system df --format '{{.Type}}\t{{.TotalCount}}'
    is "${lines[0]}" "Images	1"
    is "${lines[3]}" "Build Cache	0"
    run_cc system df --format 'table {{.Type}}\t{{.Active}}'
    assert_match "${lines[0]}" '^TYPE +ACTIVE$'
    is "${#lines[@]}" "5"
    run_cc '?' system df --format '{{.Type'
    isnt "$status" "0"
    assert_contains "$stderr" "template parsing error"
}

@test "system df -v: docker's four sections" {
    run_cc pull -q alpine
    run_cc volume create dfv
    run_cc system df -v
    assert_contains "$output" "Images space usage:"
    assert_line_match "$output" '^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE +SHARED SIZE +UNIQUE SIZE +CONTAINERS$'
    assert_line_match "$output" '^alpine +latest +[0-9a-f]{12} '
    assert_contains "$output" "Containers space usage:"
    assert_line_match "$output" '^CONTAINER ID +IMAGE +COMMAND +LOCAL VOLUMES +SIZE +CREATED +STATUS +NAMES$'
    assert_contains "$output" "Local Volumes space usage:"
    assert_line_match "$output" '^VOLUME NAME +LINKS +SIZE$'
    assert_line_match "$output" '^dfv +0 +0B$'
    assert_line_match "$output" '^Build cache usage: 0B$'
    assert_line_match "$output" '^CACHE ID +CACHE TYPE +SIZE +CREATED +LAST USED +USAGE +SHARED$'
}

@test "system df --help does nothing" {
    local root=$BATS_TEST_TMPDIR/fresh
    run "$CC" --root "$root" system df --help
    is "$status" "0"
    assert_contains "$output" "Usage:"
    assert_contains "$output" "--verbose"
    [[ ! -e $root ]] || die "--help made the store"
}
