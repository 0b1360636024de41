#!/usr/bin/env bats
#
# Smoke tier: the binary runs, the store works, and the fixtures work.
# Fails fast and cheaply; everything else builds on these.

load helpers

setup_file() {
    file_setup
    start_registry
    seed_alpine test/alpine:latest
}

@test "smoke: the ccontainer binary is built" {
    [[ -x "$CC" ]] || die "'$CC' is missing or not executable (run make)"
}

@test "smoke: images on an empty store prints only the header" {
    run_cc images
    assert_match "${lines[0]:-}" '^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE$' "images header"
    is "${#lines[@]}" 1 "number of lines from images on an empty store"

    run_cc images -q
    is "$output" "" "images -q on an empty store"
}

@test "smoke: an unknown command fails with an 'Error: ' line" {
    run_cc '?' no-such-command
    isnt "$status" 0 "exit code of an unknown command"
    assert_line_match "$stderr" '^Error: ' "stderr"
}

@test "smoke: fixture registry serves the seeded alpine (skopeo, no ccontainer)" {
    is "$(remote_digest "$REGISTRY/test/alpine:latest")" "$(fixture_get alpine '["digest"]')" \
        "digest of the seeded manifest"
}

@test "smoke: pull from the loopback registry" {
    run_cc pull "$REGISTRY/test/alpine:latest"
    is "${output##*$'\n'}" "$REGISTRY/test/alpine:latest" "last line of pull"

    local id
    id=$(fixture_get alpine '["images"][0]["config_digest"]')
    run_cc images -q
    is "$output" "${id:7:12}" "images -q after one pull"
}

@test "smoke: CCONTAINER_ROOT selects the store like --root" {
    run_cc pull -q "$REGISTRY/test/alpine:latest"
    local id=$output

    # Not through run_cc, which always passes --root.
    local out rc=0
    out=$(CCONTAINER_ROOT=$CC_ROOT timeout "$CC_TIMEOUT" "$CC" images -q </dev/null) || rc=$?
    is "$rc" 0 "exit code of 'CCONTAINER_ROOT=... ccontainer images -q'"
    is "$out" "${id:7:12}" "images -q with the store chosen by CCONTAINER_ROOT"
}
