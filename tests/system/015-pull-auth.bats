#!/usr/bin/env bats
#
# ccontainer pull against registries that demand credentials:
#  - Bearer tokens: tests/fixtures/tokenserver.py in front of a plain
#    docker-registry issues the tokens and enforces them (one proxy per test,
#    so its request log holds only that test's requests);
#  - Basic auth: docker-registry with `auth: htpasswd` (bcrypt).
# login/logout use REGISTRY_AUTH_FILE, which basic_setup points into the
# test's tmpdir.

load helpers

AUTH_USER=ccuser
AUTH_PASS=cc-secret

setup_file() {
    file_setup
    start_registry
    seed_alpine test/alpine:latest

    htpasswd -Bbn "$AUTH_USER" "$AUTH_PASS" >"$BATS_FILE_TMPDIR/htpasswd"
    start_registry --prefix AUTHREG --htpasswd "$BATS_FILE_TMPDIR/htpasswd"
    seed_alpine test/alpine:latest --registry "$AUTHREG" --creds "$AUTH_USER:$AUTH_PASS"
}

# auth_file_has KEY: "True" when REGISTRY_AUTH_FILE has credentials for KEY.
auth_file_has() {
    python3 -c '
import json, os, sys
path = os.environ["REGISTRY_AUTH_FILE"]
auths = json.load(open(path)).get("auths", {}) if os.path.exists(path) else {}
print(sys.argv[1] in auths)' "$1"
}

###############################################################################
# Bearer tokens

@test "fixture: the token proxy answers 401 with a Bearer challenge (curl, no ccontainer)" {
    start_proxy --prefix TOKREG --upstream "$REGISTRY" --token
    local headers
    headers=$(curl -s -o /dev/null -D - --max-time 10 "http://$TOKREG/v2/test/alpine/manifests/latest")
    assert_line_match "$headers" '^HTTP/1\.1 401 '
    assert_contains "$headers" \
        "WWW-Authenticate: Bearer realm=\"http://$TOKREG/token\",service=\"test-registry\",scope=\"repository:test/alpine:pull\""
}

@test "pull: Bearer token flow, and every registry request carries the token" {
    start_proxy --prefix TOKREG --upstream "$REGISTRY" --token
    run_cc pull "$TOKREG/test/alpine:latest"
    is "${output##*$'\n'}" "$TOKREG/test/alpine:latest" "last line of pull"

    log_sync --prefix TOKREG
    local log layer
    log=$(<"$TOKREG_PROXY_LOG")
    layer=$(fixture_get alpine '["images"][0]["layers"][0]["digest"]')
    assert_line_match "$log" '^[^ ]+ GET /token\?.*scope=repository(:|%3A)test(/|%2F)alpine(:|%3A)pull' \
        "token request with the repository scope"
    assert_line_match "$log" '^[^ ]+ GET /token\?.*service=test-registry' "token request with the service"
    assert_line_match "$log" '^[^ ]+ (GET|HEAD) /v2/test/alpine/manifests/[^ ]+ auth=bearer status=200 ' \
        "manifest request with the token"
    assert_line_match "$log" "^[^ ]+ GET /v2/test/alpine/blobs/$layer auth=bearer status=200 " \
        "layer request with the token"
    assert_no_line_match "$log" '^[^ ]+ [A-Z]+ /v2/test/alpine/[^ ]+ auth=bearer-invalid ' \
        "requests with a refused token"
}

@test "pull: Bearer token flow with credentials from login" {
    start_proxy --prefix TOKREG --upstream "$REGISTRY" --token --token-user "$AUTH_USER:$AUTH_PASS"
    run_cc 1 pull "$TOKREG/test/alpine:latest"

    run_cc login -u "$AUTH_USER" -p "$AUTH_PASS" "$TOKREG"
    run_cc pull "$TOKREG/test/alpine:latest"

    log_sync --prefix TOKREG
    assert_line_match "$(<"$TOKREG_PROXY_LOG")" '^[^ ]+ GET /token\?[^ ]* auth=basic status=200 ' \
        "token request with Basic credentials"
}

###############################################################################
# Basic auth (htpasswd)

@test "pull: an htpasswd registry without credentials fails with 1" {
    run_cc 1 pull "$AUTHREG/test/alpine:latest"
    run_cc images -q
    is "$output" "" "images after the refused pull"
}

@test "login -u -p writes a 0600 auth file, and pull uses it" {
    run_cc login -u "$AUTH_USER" -p "$AUTH_PASS" "$AUTHREG"
    [[ -f "$REGISTRY_AUTH_FILE" ]] || die "login did not create '$REGISTRY_AUTH_FILE'"
    is "$(stat -c %a "$REGISTRY_AUTH_FILE")" 600 "mode of the auth file"
    is "$(json_get "$(<"$REGISTRY_AUTH_FILE")" "[\"auths\"][\"$AUTHREG\"][\"auth\"]")" \
        "$(printf '%s' "$AUTH_USER:$AUTH_PASS" | base64)" "auths[\"$AUTHREG\"].auth"

    run_cc pull "$AUTHREG/test/alpine:latest"
    is "${output##*$'\n'}" "$AUTHREG/test/alpine:latest" "last line of pull"
}

@test "login --password-stdin, then logout removes the credentials" {
    printf '%s\n' "$AUTH_PASS" >"$BATS_TEST_TMPDIR/password"
    CC_STDIN=$BATS_TEST_TMPDIR/password run_cc login -u "$AUTH_USER" --password-stdin "$AUTHREG"
    is "$(auth_file_has "$AUTHREG")" True "credentials stored after login"

    run_cc logout "$AUTHREG"
    is "$(auth_file_has "$AUTHREG")" False "credentials stored after logout"
    run_cc 1 pull "$AUTHREG/test/alpine:latest"
}
