#!/usr/bin/env bats
#
# ccontainer push: to Debian's docker-registry on 127.0.0.1 (plain, htpasswd,
# behind the token proxy, behind TLS), checked with skopeo and podman.
# Images reach the store by pull (seeded with mkimage.py + skopeo) or import.

load helpers

AUTH_USER=ccuser
AUTH_PASS=cc-secret

setup_file() {
    file_setup
    start_registry
    seed_alpine test/alpine:latest
    htpasswd -Bbn "$AUTH_USER" "$AUTH_PASS" >"$BATS_FILE_TMPDIR/htpasswd"
    start_registry --prefix AUTHREG --htpasswd "$BATS_FILE_TMPDIR/htpasswd"
    make_tls_cert "$BATS_FILE_TMPDIR/tls"
    start_registry --prefix TLSREG --htpasswd "$BATS_FILE_TMPDIR/htpasswd" \
        --tls "$BATS_FILE_TMPDIR/tls/server.crt" "$BATS_FILE_TMPDIR/tls/server.key"
}

alpine_layer() {
    fixture_get alpine '["images"][0]["layers"][0]["digest"]'
}

# blob_uploads [METHODS-ERE]: requests to blob uploads in the registry's access log.
blob_uploads() {
    log_sync >&2
    _count_lines "$REGISTRY_LOG" "\"(${1:-PATCH|PUT|POST}) /v2/[^ \"]+/blobs/uploads/"
}

pull_alpine() {
    run_cc pull -q "$REGISTRY/test/alpine:latest"
}

@test "push: a pulled image keeps every digest; skopeo reads it; a second push uploads nothing" {
    pull_alpine
    run_cc tag "$REGISTRY/test/alpine:latest" "$REGISTRY/copy/alpine:1"
    local before all_before
    before=$(blob_uploads 'PATCH|PUT')
    run_cc push "$REGISTRY/copy/alpine:1"
    assert_line_match "$stderr" '^[0-9a-f]{12}: Preparing$'
    assert_line_match "$stderr" '^[0-9a-f]{12}: Mounted from test/alpine$' 'pulled from test/alpine: mounted'
    local digest
    digest=$(remote_digest "$REGISTRY/test/alpine:latest")
    assert_line_match "$output" "^1: digest: $digest size: [0-9]+\$" "docker's final line"
    is "$(remote_digest "$REGISTRY/copy/alpine:1")" "$digest" "manifest digest kept"
    local layer
    layer=$(alpine_layer)
    run skopeo inspect --tls-verify=false "docker://$REGISTRY/copy/alpine:1"
    is "$status" 0 "skopeo inspect"
    assert_contains "$output" "$layer"
    # the registry had every blob in another repository: mounts, no data
    is "$(blob_uploads 'PATCH|PUT')" "$before" 'no blob data uploaded'
    all_before=$(blob_uploads)
    run_cc push "$REGISTRY/copy/alpine:1"
    assert_line_match "$stderr" '^[0-9a-f]{12}: Layer already exists$'
    is "$(blob_uploads)" "$all_before" 'second push: no POST/PATCH/PUT of blobs'
}

@test "push: an imported image, then a second repository of the same registry mounts its blobs" {
    mkdir -p "$BATS_TEST_TMPDIR/rootfs/etc"
    echo pushed-by-ccontainer >"$BATS_TEST_TMPDIR/rootfs/etc/hello"
    python3 -c 'import sys, tarfile
with tarfile.open(sys.argv[1], "w:gz") as t: t.add(sys.argv[2], arcname=".")' \
        "$BATS_TEST_TMPDIR/rootfs.tgz" "$BATS_TEST_TMPDIR/rootfs"
    run_cc import "$BATS_TEST_TMPDIR/rootfs.tgz" "$REGISTRY/imp/one:v1"
    run_cc push "$REGISTRY/imp/one:v1"
    assert_line_match "$stderr" '^[0-9a-f]{12}: Pushed$'
    run_cc tag "$REGISTRY/imp/one:v1" "$REGISTRY/imp/two:v1"
    run_cc push "$REGISTRY/imp/two:v1"
    assert_line_match "$stderr" '^[0-9a-f]{12}: Mounted from imp/one$'
    log_sync
    assert_line_match "$(<"$REGISTRY_LOG")" '"POST /v2/imp/two/blobs/uploads/\?mount=sha256:[0-9a-f]{64}&from=imp/one HTTP/1.1" 201 ' \
        "cross-repository mount answered 201"
    run skopeo inspect --tls-verify=false "docker://$REGISTRY/imp/two:v1"
    is "$status" 0 "skopeo inspect of the mounted image"
}

@test "push: podman pulls and runs what was pushed" {
    pull_alpine
    run_cc push "$REGISTRY/test/alpine:latest" "$REGISTRY/podman/alpine:run"
    local proot=$BATS_TEST_TMPDIR/podman
    local -a pm=(env -u REGISTRY_AUTH_FILE podman --root "$proot/root" --runroot "$proot/run" --storage-driver vfs
        --runtime runc --cgroup-manager cgroupfs)
    run timeout 120 "${pm[@]}" pull --tls-verify=false "$REGISTRY/podman/alpine:run"
    is "$status" 0 "podman pull: $output"
    run timeout 120 "${pm[@]}" run --rm --net none --ulimit nofile=1024:1024 --ulimit nproc=1000:1000 \
        "$REGISTRY/podman/alpine:run" cat /etc/alpine-release
    is "$status" 0 "podman run: $output"
    assert_line_match "$output" '^3\.20\.3$'
    "${pm[@]}" rmi -a -f >/dev/null 2>&1 || true
    rm -rf "$proot" 2>/dev/null || true
}

@test "push -q prints the digest reference; --digestfile; --format v2s2 converts the manifest" {
    pull_alpine
    run_cc push -q --digestfile "$BATS_TEST_TMPDIR/digest" "$REGISTRY/test/alpine:latest" "$REGISTRY/q/alpine:1"
    local digest
    digest=$(<"$BATS_TEST_TMPDIR/digest")
    is "$output" "$REGISTRY/q/alpine@$digest" "-q: one line"
    is "$stderr" "" "-q: nothing on stderr"
    is "$(remote_digest "$REGISTRY/q/alpine@$digest")" "$digest" "pushed by digest too"
    run_cc push -q --format v2s2 "$REGISTRY/test/alpine:latest" "$REGISTRY/q/alpine:v2s2"
    run skopeo inspect --raw --tls-verify=false "docker://$REGISTRY/q/alpine:v2s2"
    assert_contains "$output" 'application/vnd.docker.distribution.manifest.v2+json'
    run_cc push -q --format oci "$REGISTRY/test/alpine:latest" "$REGISTRY/q/alpine:oci"
    run skopeo inspect --raw --tls-verify=false "docker://$REGISTRY/q/alpine:oci"
    assert_contains "$output" 'application/vnd.oci.image.manifest.v1+json'
}

@test "push --all-tags pushes every local tag of the repository" {
    pull_alpine
    run_cc tag "$REGISTRY/test/alpine:latest" "$REGISTRY/all/alpine:a"
    run_cc tag "$REGISTRY/test/alpine:latest" "$REGISTRY/all/alpine:b"
    run_cc push --all-tags "$REGISTRY/all/alpine"
    assert_line_match "$output" '^a: digest: sha256:[0-9a-f]{64} size: [0-9]+$'
    assert_line_match "$output" '^b: digest: sha256:[0-9a-f]{64} size: [0-9]+$'
    run skopeo list-tags --tls-verify=false "docker://$REGISTRY/all/alpine"
    assert_contains "$output" '"a"'
    assert_contains "$output" '"b"'
    run_cc 125 push --all-tags "$REGISTRY/all/alpine:a"
}

@test "push: usage and local errors" {
    run_cc 125 push "$REGISTRY/nothere/x:1"
    is "${#stderr_lines[@]}" 1 "one line"
    run_cc 125 push --jobs 0 x
    run_cc 125 push --format docker x
    run_cc push --help
    assert_contains "$output" "--digestfile"
}

@test "push errors: denied and name unknown, one line each" {
    pull_alpine
    start_faultproxy --prefix FP --upstream "$REGISTRY" \
        '{"match": "HEAD /v2/den/", "fault": "status", "status": 403, "times": 0}' \
        '{"match": "POST /v2/unk/", "fault": "status", "status": 404, "code": "NAME_UNKNOWN", "message": "repository name not known to registry", "times": 0}'
    run_cc tag "$REGISTRY/test/alpine:latest" "$FP/den/x:1"
    run_cc 125 push "$FP/den/x:1"
    is "$(grep -c '^Error' <<<"$stderr")" 1 "one error line"
    is "${stderr_lines[-1]}" "Error: denied: requested access to the resource is denied"
    run_cc tag "$REGISTRY/test/alpine:latest" "$FP/unk/x:1"
    run_cc 125 push "$FP/unk/x:1"
    is "$(grep -c '^Error' <<<"$stderr")" 1 "one error line"
    is "${stderr_lines[-1]}" "Error: name unknown: repository name not known to registry"
}

@test "push: htpasswd registry, with login --authfile and push --authfile" {
    pull_alpine
    run_cc tag "$REGISTRY/test/alpine:latest" "$AUTHREG/auth/alpine:1"
    run_cc 125 push "$AUTHREG/auth/alpine:1"
    is "${#stderr_lines[@]}" 1 "one line"
    assert_contains "$stderr" "login"
    run_cc login --authfile "$BATS_TEST_TMPDIR/other.json" -u "$AUTH_USER" -p "$AUTH_PASS" "$AUTHREG"
    [[ -f "$BATS_TEST_TMPDIR/other.json" ]] || die "--authfile not written"
    run_cc push --authfile "$BATS_TEST_TMPDIR/other.json" "$AUTHREG/auth/alpine:1"
    is "$(remote_digest "$AUTHREG/auth/alpine:1" --creds "$AUTH_USER:$AUTH_PASS")" \
        "$(remote_digest "$REGISTRY/test/alpine:latest")" "pushed with basic auth"
}

@test "push: Bearer token with the push scope" {
    pull_alpine
    start_proxy --prefix TOKREG --upstream "$REGISTRY" --token
    run_cc tag "$REGISTRY/test/alpine:latest" "$TOKREG/tok/alpine:1"
    run_cc push "$TOKREG/tok/alpine:1"
    log_sync --prefix TOKREG
    assert_line_match "$(<"$TOKREG_PROXY_LOG")" '^[^ ]+ GET /token\?.*scope=repository(:|%3A)tok(/|%2F)alpine(:|%3A)pull(,|%2C)push' \
        "token request with pull,push"
    assert_line_match "$(<"$TOKREG_PROXY_LOG")" '^[^ ]+ PUT /v2/tok/alpine/manifests/1 auth=bearer status=201 '
}

@test "push: TLS registry on loopback: certs.d CA works, without it a certificate error; --tls-verify=false for login, pull, push" {
    pull_alpine
    run_cc tag "$REGISTRY/test/alpine:latest" "$TLSREG/tls/alpine:1"
    export CCONTAINER_CERTS_D=$BATS_TEST_TMPDIR/certs.d
    run_cc 1 login -u "$AUTH_USER" -p "$AUTH_PASS" "$TLSREG"
    assert_contains "$stderr" "certificate"
    is "${#stderr_lines[@]}" 1 "one line"
    run_cc login --tls-verify=false -u "$AUTH_USER" -p "$AUTH_PASS" "$TLSREG"
    run_cc 125 push "$TLSREG/tls/alpine:1"
    assert_contains "$stderr" "certificate"
    run_cc push --tls-verify=false "$TLSREG/tls/alpine:1"
    mkdir -p "$CCONTAINER_CERTS_D/$TLSREG"
    cp "$BATS_FILE_TMPDIR/tls/ca.crt" "$CCONTAINER_CERTS_D/$TLSREG/ca.crt"
    run_cc push "$TLSREG/tls/alpine:1" "$TLSREG/tls/alpine:2"
    run_cc rmi "$TLSREG/tls/alpine:1"
    run_cc pull --tls-verify=false "$TLSREG/tls/alpine:2"
    run_cc pull "$TLSREG/tls/alpine:1"
}

@test "push: killed with SIGKILL mid-upload, the next push resumes where the registry stands" {
    # ~100 MB of incompressible data in one uncompressed layer
    mkdir -p "$BATS_TEST_TMPDIR/big"
    head -c $((100 * 1024 * 1024)) /dev/urandom >"$BATS_TEST_TMPDIR/big/data"
    python3 -c 'import sys, tarfile
with tarfile.open(sys.argv[1], "w") as t: t.add(sys.argv[2], arcname="data")' \
        "$BATS_TEST_TMPDIR/big.tar" "$BATS_TEST_TMPDIR/big/data"
    rm -rf "$BATS_TEST_TMPDIR/big"
    run_cc import "$BATS_TEST_TMPDIR/big.tar" big:1
    rm -f "$BATS_TEST_TMPDIR/big.tar"
    # 40 MB/s through the proxy: 8 MiB chunks, killed after 3 of 13 went
    start_proxy --prefix SLOW --upstream "$REGISTRY" --upload-throttle $((40 * 1024 * 1024))
    export CCONTAINER_PUSH_CHUNK_SIZE=8m
    cc_bg push1 push big:1 "$SLOW/big/data:1"
    wait_until 60 eval '(( $(grep -c "PATCH /v2/big/data/blobs/uploads/.* status=202" "$SLOW_PROXY_LOG") >= 3 ))'
    kill -KILL "$CC_BG_PID"
    wait_bg "$CC_BG_PID" 10
    run_cc push big:1 "$SLOW/big/data:1"
    assert_line_match "$stderr" '^[0-9a-f]{12}: Resuming upload at [0-9]+ bytes$'
    local total size
    log_sync --prefix SLOW
    total=$(awk '{for (i = 1; i <= NF; i++) if ($i ~ /^recv=/) s += substr($i, 6)} END {print s + 0}' "$SLOW_PROXY_LOG")
    size=$((100 * 1024 * 1024 + 10240))
    echo "# bytes received by the registry's proxy: $total for an image of ~$size" >&3
    assert_le "$total" $((size * 13 / 10)) "bytes sent in total"
    run skopeo inspect --tls-verify=false "docker://$SLOW/big/data:1"
    is "$status" 0 "skopeo inspect of the resumed push"
}

@test "build --push builds, then pushes the -t tags" {
    mkdir -p "$BATS_TEST_TMPDIR/ctx"
    printf 'FROM %s/test/alpine:latest\nLABEL pushed=yes\n' "$REGISTRY" >"$BATS_TEST_TMPDIR/ctx/Containerfile"
    run_cc build --push -t "$REGISTRY/built/app:1" "$BATS_TEST_TMPDIR/ctx"
    assert_line_match "$output" '^1: digest: sha256:[0-9a-f]{64} size: [0-9]+$'
    run skopeo inspect --tls-verify=false "docker://$REGISTRY/built/app:1"
    is "$status" 0 "skopeo inspect of the built image"
    assert_contains "$output" '"pushed": "yes"'
    run_cc 125 build --push "$BATS_TEST_TMPDIR/ctx"
}

@test "push --compression-format zstd: layers recompressed (same tar), podman runs it; a second push uploads nothing" {
    pull_alpine
    local gz
    gz=$(alpine_layer)
    run_cc push --compression-format zstd --format oci "$REGISTRY/test/alpine:latest" "$REGISTRY/zstd/alpine:1"
    assert_line_match "$output" '^1: digest: sha256:[0-9a-f]{64} size: [0-9]+$'
    run skopeo inspect --raw --tls-verify=false "docker://$REGISTRY/zstd/alpine:1"
    is "$status" 0 "skopeo inspect --raw"
    is "$(jq -r '.layers[0].mediaType' <<<"$output")" "application/vnd.oci.image.layer.v1.tar+zstd" "a zstd layer"
    local zd
    zd=$(jq -r '.layers[0].digest' <<<"$output")
    [[ $zd != "$gz" ]] || die "the zstd layer has the gzip layer's digest"
    # the same tar inside: the config (diff IDs) is the image's own
    is "$(jq -r '.config.digest' <<<"$output")" \
        "$(skopeo inspect --raw --tls-verify=false "docker://$REGISTRY/test/alpine:latest" | jq -r '.config.digest')" "same config"
    local proot=$BATS_TEST_TMPDIR/podman
    local -a pm=(env -u REGISTRY_AUTH_FILE podman --root "$proot/root" --runroot "$proot/run" --storage-driver vfs
        --runtime runc --cgroup-manager cgroupfs)
    run timeout 120 "${pm[@]}" pull --tls-verify=false "$REGISTRY/zstd/alpine:1"
    is "$status" 0 "podman pulls the zstd image: $output"
    run timeout 120 "${pm[@]}" run --rm --net none --ulimit nofile=1024:1024 --ulimit nproc=1000:1000 \
        "$REGISTRY/zstd/alpine:1" cat /etc/alpine-release
    is "$status" 0 "podman runs it: $output"
    assert_line_match "$output" '^3\.20\.3$'
    "${pm[@]}" rmi -a -f >/dev/null 2>&1 || true
    rm -rf "$proot" 2>/dev/null || true
    # the recompressed blob is kept: pushed again, nothing goes up, and the digest is the same
    local all_before
    all_before=$(blob_uploads)
    run_cc push --compression-format zstd --format oci "$REGISTRY/test/alpine:latest" "$REGISTRY/zstd/alpine:1"
    assert_line_match "$stderr" '^[0-9a-f]{12}: Layer already exists$'
    is "$(blob_uploads)" "$all_before" 'no POST/PATCH/PUT of blobs'
    # a level is a recompression too; zstd in a v2s2 manifest is refused
    run_cc push --compression-format gzip --compression-level 9 "$REGISTRY/test/alpine:latest" "$REGISTRY/gz9/alpine:1"
    run skopeo inspect --raw --tls-verify=false "docker://$REGISTRY/gz9/alpine:1"
    is "$(jq -r '.layers[0].mediaType' <<<"$output")" "$(skopeo inspect --raw --tls-verify=false "docker://$REGISTRY/test/alpine:latest" | jq -r '.layers[0].mediaType')" "gzip stays gzip"
    run_cc 125 push --compression-format zstd --format v2s2 "$REGISTRY/test/alpine:latest" "$REGISTRY/zstd/alpine:2"
    assert_contains "$stderr" "zstd layers need an OCI manifest"
    run_cc 125 push --compression-format gzip --compression-level 12 "$REGISTRY/test/alpine:latest"
    assert_contains "$stderr" "gzip takes 0 to 9"
}
