#!/usr/bin/env bats
#
# ccontainer pull through tests/fixtures/faultproxy.py, a proxy in front of
# the test registry that injects one fault per rule: connection resets,
# stalls, 429/503 with Retry-After, 5xx, short bodies, a wrong Content-Range,
# a drip, endless and oversized bodies.  Each test asserts the exact outcome:
# the pull completes (and the image verifies and runs), or it fails with one
# line that names what failed and why and leaves nothing half-done but the
# kept tmp/<hex>.partial.  Timing claims (Retry-After) are checked in the
# proxy's request log, never against a wall-clock bound on ccontainer; the
# low-speed limit is shortened to 1 s through its environment knob, and
# CC_TIMEOUT only guards against hangs.

load helpers

setup_file() {
    file_setup
    start_registry
    seed_alpine test/alpine:latest
    local dir summary manifest
    dir=$(build_image alpine)
    summary=$dir/summary.json
    export LAYER LAYER_SIZE CONFIG CONFIG_SIZE
    LAYER=$(jq -r '.images[0].layers[0].digest' "$summary")
    LAYER_SIZE=$(jq -r '.images[0].layers[0].size' "$summary")
    CONFIG=$(jq -r '.images[0].config_digest' "$summary")
    manifest=$(jq -r '.images[0].digest' "$summary")
    CONFIG_SIZE=$(jq -r .config.size "$dir/blobs/sha256/${manifest#sha256:}")
}

setup() {
    basic_setup
    # Cut a transfer after 1 s under 1 KiB/s (default 30 s).
    export CCONTAINER_REGISTRY_LOW_SPEED_TIME=1
    # Hang guard: every pull here ends within seconds; before the fixes a
    # stalled or dripping transfer held a pull for 30 s and more.
    export CC_TIMEOUT=25
    BLOB_GET="GET /v2/test/alpine/blobs/$LAYER"
}

# faults RULE-BODY...: a fault proxy in front of the registry with these
# rules; each argument is a JSON object body, e.g. '"match": "...", "fault": "reset"'.
faults() {
    local -a rules=()
    local r
    for r in "$@"; do
        rules+=("{$r}")
    done
    start_faultproxy --prefix F --upstream "$REGISTRY" "${rules[@]}"
    IMAGE=$F/test/alpine:latest
}

# proxy_log ERE: the proxy's log lines that match, once ccontainer's
# connections are all closed (a handler logs when it ends).
proxy_log() {
    grep -E -- "$1" "$F_PROXY_LOG" || true
}

# count_log ERE: how many lines of the proxy's log match.
count_log() {
    local n
    n=$(grep -cE -- "$1" "$F_PROXY_LOG") || true
    echo "${n:-0}"
}

# wait_log ERE [N]: wait (bounded) until N (default 1) lines match.
wait_log() {
    local want=${2:-1}
    wait_until 10 test "$(count_log "$1")" -ge "$want"
}

# field LINE NAME: the value of NAME=... in a proxy log line.
field() {
    local re="(^| )$2=([^ ]*)"
    [[ "$1" =~ $re ]] && echo "${BASH_REMATCH[2]}"
}

# epoch LINE: the time a proxy log line's request arrived.
epoch() {
    echo "${1%% *}"
}

# assert_not_before T1 T2 WHAT: T1 >= T2 (epoch seconds with fractions).
assert_not_before() {
    if ! awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; then
        die "$3: request at $1 came before the allowed $2"
    fi
}

# assert_pulled: the image is complete, verifies, and runs.
assert_pulled() {
    run_cc inspect "$IMAGE"
    is "$(json_get "$output" '[0]["Id"]')" "$CONFIG" "image ID"
    run_cc system check
    run_cc run --rm --network none "$IMAGE" cat /etc/alpine-release
    is "$output" "3.20.3" "alpine-release in the pulled image"
}

# assert_one_error ERE: exactly one "Error:" line on stderr, matching ERE.
assert_one_error() {
    local errors
    # shellcheck disable=SC2154  # set by run_cc
    errors=$(grep -c '^Error: ' <<<"$stderr") || true
    is "$errors" 1 "number of Error lines on stderr"
    assert_line_match "$stderr" "$1" "the error line"
}

# assert_nothing_half_done [--partial]: no image, a clean store, and in
# tmp/ at most the layer's partial download (required with --partial).
assert_nothing_half_done() {
    run_cc images -q
    is "$output" "" "images after the failed pull"
    run_cc system check
    local left='' path
    for path in "$CC_ROOT"/tmp/* "$CC_ROOT"/tmp/.[!.]*; do
        [[ -e "$path" && "$path" != "$CC_ROOT/tmp/${LAYER#sha256:}.partial" ]] && left+="${path##*/} "
    done
    is "$left" "" "tmp/ besides the layer's partial"
    if [[ "${1:-}" == --partial ]]; then
        [[ -s "$CC_ROOT/tmp/${LAYER#sha256:}.partial" ]] || die "the layer's partial download was not kept"
    fi
}

###############################################################################
# Broken connections

@test "fault: a connection reset 12 times mid-blob, each after progress: resumed every time" {
    faults "\"match\": \"$BLOB_GET\", \"fault\": \"reset\", \"at\": 200000, \"times\": 12"
    run_cc pull "$IMAGE"
    is "$(count_log "$BLOB_GET .* fault=reset")" 12 "resets injected"
    # Every request after the first resumes from further on.
    local offsets
    offsets=$(proxy_log "$BLOB_GET " | sed -n 's/.* range=bytes=\([0-9]*\)-.*/\1/p')
    is "$(wc -l <<<"$offsets")" 12 "blob requests with a Range"
    is "$(sort -n -u <<<"$offsets")" "$offsets" "Range offsets, each past the last"
    assert_pulled
}

@test "fault: every request reset at once after some progress: gives up after 5 attempts, keeps the partial" {
    faults "\"match\": \"$BLOB_GET\", \"fault\": \"reset\", \"at\": 300000" \
        "\"match\": \"$BLOB_GET\", \"fault\": \"reset\", \"at\": -1, \"times\": 0"
    run_cc 1 pull "$IMAGE"
    assert_one_error "^Error: blob $LAYER: no progress after 5 attempts: registry 127\.0\.0\.1:[0-9]+ is unreachable: .*[Rr]eset"
    is "$(count_log "$BLOB_GET ")" 6 "blob requests: one with progress, five without"
    assert_nothing_half_done --partial

    # The next pull, from the registry itself, resumes from the partial.
    local before
    before=$(count_range_gets "$LAYER")
    IMAGE=$REGISTRY/test/alpine:latest
    run_cc pull "$IMAGE"
    is "$(count_range_gets "$LAYER")" $((before + 1)) "Range requests for the layer by the next pull"
    assert_pulled
}

@test "fault: stalls before the answer and mid-blob are cut by the low-speed limit and retried" {
    faults "\"match\": \"HEAD /v2/test/alpine/manifests/latest\", \"fault\": \"stall\", \"at\": -1" \
        "\"match\": \"$BLOB_GET\", \"fault\": \"stall\", \"at\": 1000"
    run_cc pull "$IMAGE"
    wait_log "fault=stall client-hung-up" 2
    is "$(count_log "HEAD /v2/test/alpine/manifests/latest status=200")" 1 "HEAD answered after the stalled one"
    local resumed
    resumed=$(proxy_log "$BLOB_GET .*status=206" | head -1)
    [[ -n "$resumed" ]] || die "no Range request after the stalled blob transfer"
    assert_match "$(field "$resumed" range)" '^bytes=[1-9][0-9]*-$' "Range of the request after the stall"
    assert_pulled
}

###############################################################################
# Retry-After

@test "fault: 429 with Retry-After in seconds: the retry waits that long" {
    faults "\"match\": \"HEAD /v2/test/alpine/manifests/latest\", \"fault\": \"status\", \"status\": 429, \"retry_after\": \"1\""
    run_cc pull "$IMAGE"
    local refused retry
    refused=$(proxy_log "HEAD /v2/test/alpine/manifests/latest status=429")
    retry=$(proxy_log "HEAD /v2/test/alpine/manifests/latest status=200")
    [[ -n "$refused" && -n "$retry" ]] || die "expected a 429 and a retry in the log"
    assert_not_before "$(epoch "$retry")" "$(field "$refused" retry_at)" "retry after 'Retry-After: 1'"
    assert_pulled
}

@test "fault: 429 on the blob with Retry-After as an HTTP-date: the retry waits until then" {
    faults "\"match\": \"$BLOB_GET\", \"fault\": \"status\", \"status\": 429, \"retry_after_date\": 1"
    run_cc pull "$IMAGE"
    local refused retry
    refused=$(proxy_log "$BLOB_GET .*status=429")
    retry=$(proxy_log "$BLOB_GET .*status=200")
    [[ -n "$refused" && -n "$retry" ]] || die "expected a 429 and a retry in the log"
    assert_not_before "$(epoch "$retry")" "$(field "$refused" retry_at)" "retry after an HTTP-date Retry-After"
    assert_pulled
}

@test "fault: 503 with Retry-After on the config, twice: each retry waits" {
    faults "\"match\": \"GET /v2/test/alpine/blobs/$CONFIG\", \"fault\": \"status\", \"status\": 503, \"retry_after\": \"1\", \"times\": 2"
    run_cc pull "$IMAGE"
    local -a reqs
    mapfile -t reqs < <(proxy_log "GET /v2/test/alpine/blobs/$CONFIG ")
    is "${#reqs[@]}" 3 "config requests"
    assert_not_before "$(epoch "${reqs[1]}")" "$(field "${reqs[0]}" retry_at)" "first retry"
    assert_not_before "$(epoch "${reqs[2]}")" "$(field "${reqs[1]}" retry_at)" "second retry"
    assert_pulled
}

@test "fault: 429 asking for more than the wait budget fails at once, with one line" {
    faults "\"match\": \"HEAD /v2/test/alpine/manifests/latest\", \"fault\": \"status\", \"status\": 429, \"retry_after\": \"3600\", \"times\": 0"
    run_cc 1 pull "$IMAGE"
    assert_one_error "^Error: toomanyrequests: 127\.0\.0\.1:[0-9]+ refused $F/test/alpine:latest: pull rate limit reached \(.*\); it asked to retry after 3600 s \(Retry-After\), more than the 60 s a request may wait \(CCONTAINER_REGISTRY_MAX_WAIT\)$"
    is "$(count_log "HEAD /v2/test/alpine/manifests/latest")" 1 "requests sent to a registry that said 'in an hour'"
    assert_nothing_half_done
}

###############################################################################
# Server errors

@test "fault: 500 on every blob request: three attempts, then one line" {
    faults "\"match\": \"$BLOB_GET\", \"fault\": \"status\", \"status\": 500, \"times\": 0"
    run_cc 1 pull "$IMAGE"
    assert_one_error "^Error: blob $LAYER: registry answered HTTP 500 after 3 attempts$"
    is "$(count_log "$BLOB_GET ")" 3 "blob requests"
    assert_nothing_half_done
}

###############################################################################
# Bodies that lie

@test "fault: answers that end early keep what came and resume from it" {
    # First a body delimited by the close (it looks complete), then one cut
    # short of its Content-Length.
    faults "\"match\": \"$BLOB_GET\", \"fault\": \"short\", \"at\": 1048576, \"length\": false" \
        "\"match\": \"$BLOB_GET\", \"fault\": \"short\", \"at\": 1048576"
    run_cc pull "$IMAGE"
    local -a reqs
    mapfile -t reqs < <(proxy_log "$BLOB_GET ")
    is "${#reqs[@]}" 3 "blob requests"
    is "$(field "${reqs[1]}" range)" "bytes=1048576-" "Range after the close-delimited short body"
    is "$(field "${reqs[2]}" range)" "bytes=2097152-" "Range after the body cut short of its length"
    assert_pulled
}

@test "fault: a 206 with a wrong Content-Range is refused from its headers and asked again" {
    faults "\"match\": \"$BLOB_GET\", \"fault\": \"short\", \"at\": 1048576" \
        "\"match\": \"$BLOB_GET\", \"fault\": \"badrange\", \"shift\": 100"
    run_cc pull "$IMAGE"
    wait_log "fault=badrange"
    local -a reqs
    mapfile -t reqs < <(proxy_log "$BLOB_GET ")
    is "${#reqs[@]}" 3 "blob requests"
    assert_match "${reqs[1]}" "fault=badrange hung-up-before-body$" "the wrong 206 (its body must not be read)"
    is "$(field "${reqs[2]}" range)" "$(field "${reqs[1]}" range)" "Range of the request after the wrong 206"
    assert_pulled
}

@test "fault: a 206 with a wrong Content-Range every time: one line, the partial kept" {
    faults "\"match\": \"$BLOB_GET\", \"fault\": \"short\", \"at\": 1048576" \
        "\"match\": \"$BLOB_GET\", \"fault\": \"badrange\", \"times\": 0"
    run_cc 1 pull "$IMAGE"
    assert_one_error "^Error: blob $LAYER: no progress after 5 attempts: registry answered range 'bytes 1048577-[0-9]+/$LAYER_SIZE' for a request from byte 1048576$"
    wait_log "fault=badrange" 5
    is "$(count_log "fault=badrange hung-up-before-body$")" 5 "wrong 206s whose body was not read"
    assert_nothing_half_done --partial
}

@test "fault: a blob dripping one byte at a time is cut by the low-speed limit and resumed" {
    faults "\"match\": \"$BLOB_GET\", \"fault\": \"drip\", \"at\": 1000, \"interval\": 0.4"
    run_cc pull "$IMAGE"
    wait_log "fault=drip client-hung-up"
    local resumed
    resumed=$(proxy_log "$BLOB_GET .*status=206" | head -1)
    [[ -n "$resumed" ]] || die "no Range request after the drip"
    assert_match "$(field "$resumed" range)" '^bytes=[1-9][0-9]*-$' "Range of the request after the drip"
    assert_pulled
}

@test "fault: a blob that only ever drips: gives up after 5 attempts, one line" {
    faults "\"match\": \"$BLOB_GET\", \"fault\": \"drip\", \"interval\": 0.3, \"times\": 0"
    run_cc 1 pull "$IMAGE"
    assert_one_error "^Error: blob $LAYER: no progress after 5 attempts: transfer from 127\.0\.0\.1:[0-9]+ broke off: Operation too slow\. Less than 1024 bytes/sec transferred the last 1 seconds$"
    wait_log "fault=drip client-hung-up" 5
    is "$(count_log "$BLOB_GET ")" 5 "blob requests"
    assert_nothing_half_done --partial
}

@test "fault: an endless blob stops at the manifest's size, one line, nothing kept" {
    faults "\"match\": \"$BLOB_GET\", \"fault\": \"endless\""
    run_cc 1 pull "$IMAGE"
    assert_one_error "^Error: blob $LAYER: registry sent more than the manifest's $LAYER_SIZE bytes$"
    assert_nothing_half_done
    assert_file_absent "$CC_ROOT/tmp/${LAYER#sha256:}.partial"
}

@test "fault: a blob whose Content-Length is over the manifest's size is refused before its body" {
    faults "\"match\": \"$BLOB_GET\", \"fault\": \"oversize\", \"extra\": 5"
    run_cc 1 pull "$IMAGE"
    assert_one_error "^Error: blob $LAYER: registry answered with $((LAYER_SIZE + 5)) bytes, 5 more than the manifest's size \($LAYER_SIZE\)$"
    wait_log "fault=oversize"
    assert_match "$(proxy_log "fault=oversize")" "hung-up-before-body$" "the oversized answer (its body must not be read)"
    assert_nothing_half_done
}

@test "fault: an endless config stops at the manifest's size, one line" {
    faults "\"match\": \"GET /v2/test/alpine/blobs/$CONFIG\", \"fault\": \"endless\""
    run_cc 1 pull "$IMAGE"
    assert_one_error "^Error: config $CONFIG: registry sent more than the manifest's $CONFIG_SIZE bytes$"
    assert_nothing_half_done
}

@test "fault knobs: a malformed CCONTAINER_REGISTRY_* value fails with one line, before any request" {
    faults
    CCONTAINER_REGISTRY_LOW_SPEED_TIME=soon run_cc 1 pull "$IMAGE"
    assert_one_error "^Error: invalid CCONTAINER_REGISTRY_LOW_SPEED_TIME 'soon': expected a number from 1 to 86400$"
    is "$(count_log "/v2/")" 0 "requests sent"
    assert_nothing_half_done
}
