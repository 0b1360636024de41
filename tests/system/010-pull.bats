#!/usr/bin/env bats
#
# ccontainer pull: against Debian's docker-registry on 127.0.0.1, seeded with
# mkimage.py + skopeo (see helpers.registry.bash).  One registry serves the
# file; every test gets a fresh store.

load helpers

setup_file() {
    file_setup
    start_registry
    seed_alpine library/alpine:latest
    seed_alpine library/alpine:3.20
    seed_alpine test/alpine:latest
    seed_alpine test/alpine:v2s2 --format v2s2
    seed_alpine test/alpine:oci --format oci
    seed_alpine test/concurrent:latest
    seed_multiarch test/multi:latest
    seed_zstd test/zstd:latest
    seed_multilayer test/layers:latest
    seed_corrupt test/corrupt:latest
    seed_bad_diffid test/baddiff:latest
    seed_escape test/escape:latest
    local v
    for v in "${ESCAPE_VECTORS[@]}"; do
        seed_escape "test/escape-$v:latest" --vector "$v"
    done
}

# The last line of $output.
last_line() {
    echo "${output##*$'\n'}"
}

alpine_id() {
    fixture_get alpine '["images"][0]["config_digest"]'
}

# inspect_field REF PYEXPR: run_cc inspect REF, then a field of it.
inspect_field() {
    run_cc inspect "$1" >&2 || return
    json_get "$output" "$2"
}

###############################################################################
# Tags, digests, output

@test "pull: cold pull of 'alpine' through CCONTAINER_REGISTRY_MIRROR" {
    export CCONTAINER_REGISTRY_MIRROR=http://$REGISTRY
    run_cc pull alpine

    local n=${#lines[@]}
    ((n >= 3)) || die "pull printed $n lines; expected Digest, Status and the reference last"
    is "${lines[n - 3]}" "Digest: $(fixture_get alpine '["digest"]')" "third-last line"
    assert_match "${lines[n - 2]}" '^Status: Downloaded newer image for (docker\.io/library/)?alpine(:latest)?$' \
        "second-last line"
    is "${lines[n - 1]}" "docker.io/library/alpine:latest" "last line"

    local id
    id=$(alpine_id)
    run_cc images
    assert_line_match "$output" "^(docker\.io/library/)?alpine +latest +${id:7:12} " "images"
}

@test "pull: a warm pull fetches no blob and says up to date" {
    export CCONTAINER_REGISTRY_MIRROR=http://$REGISTRY
    run_cc pull alpine
    local before after
    before=$(count_blob_gets)

    run_cc pull alpine
    after=$(count_blob_gets)
    is "$after" "$before" "blob GETs in the registry log after the warm pull"
    assert_line_match "$output" '^Status: Image is up to date for (docker\.io/library/)?alpine(:latest)?$'
    is "$(last_line)" "docker.io/library/alpine:latest" "last line"
}

@test "pull: a second tag of the same image through the mirror" {
    export CCONTAINER_REGISTRY_MIRROR=http://$REGISTRY
    run_cc pull alpine:3.20
    is "$(last_line)" "docker.io/library/alpine:3.20" "last line"
    is "$(inspect_field alpine:3.20 '[0]["Id"]')" "$(alpine_id)" "image ID"
}

@test "pull -q prints only the image ID" {
    run_cc pull -q "$REGISTRY/test/alpine:latest"
    is "$output" "$(alpine_id)" "output of pull -q"
}

@test "pull: by digest" {
    local digest
    digest=$(remote_digest "$REGISTRY/test/alpine:latest")
    run_cc pull "$REGISTRY/test/alpine@$digest"
    assert_line_match "$output" "^Digest: $digest$"
    is "$(last_line)" "$REGISTRY/test/alpine@$digest" "last line"

    run_cc inspect "$REGISTRY/test/alpine@$digest"
    is "$(json_get "$output" '[0]["Id"]')" "$(alpine_id)" "image ID"
    assert_contains "$(json_get "$output" '[0]["RepoDigests"]')" "\"$REGISTRY/test/alpine@$digest\"" \
        "RepoDigests"
}

@test "pull: by tag and digest" {
    local digest
    digest=$(remote_digest "$REGISTRY/test/alpine:latest")
    run_cc pull "$REGISTRY/test/alpine:latest@$digest"
    assert_line_match "$output" "^Digest: $digest$"
    is "$(inspect_field "$REGISTRY/test/alpine@$digest" '[0]["Id"]')" "$(alpine_id)" "image ID"
}

@test "pull: with tag and digest the digest wins over a tag the registry lacks" {
    local digest
    digest=$(remote_digest "$REGISTRY/test/alpine:latest")
    run_cc pull "$REGISTRY/test/alpine:no-such-tag@$digest"
    assert_line_match "$output" "^Digest: $digest$"
}

@test "pull: an unknown tag fails with 'not found' and the reference" {
    run_cc 1 pull "$REGISTRY/test/alpine:no-such-tag"
    assert_contains "$stderr" "not found" "stderr"
    assert_contains "$stderr" "test/alpine:no-such-tag" "stderr"
    run_cc images -q
    is "$output" "" "images after a failed pull"
}

@test "pull: an unknown repository fails with 125" {
    run_cc 1 pull "$REGISTRY/test/no-such-repo:latest"
    assert_contains "$stderr" "test/no-such-repo" "stderr"
}

@test "pull: a registry that is down fails with 125, quickly, naming the host" {
    local port
    port=$(free_port)
    local start=$SECONDS
    run_cc 1 pull "127.0.0.1:$port/test/alpine:latest"
    assert_le $((SECONDS - start)) 60 "seconds taken to give up on a closed port"
    assert_contains "$stderr" "127.0.0.1:$port" "stderr"
}

###############################################################################
# Manifest types and compression

@test "pull: multi-arch index selects the host platform and skips the attestation" {
    skip_if_not_host_arch amd64
    run_cc pull "$REGISTRY/test/multi:latest"
    assert_line_match "$output" "^Digest: $(fixture_get multiarch '["digest"]')$" \
        "pull by tag prints the index digest"

    run_cc inspect "$REGISTRY/test/multi:latest"
    is "$(json_get "$output" '[0]["Architecture"]')" amd64 "Architecture"
    is "$(json_get "$output" '[0]["Os"]')" linux "Os"
    is "$(json_get "$output" '[0]["Id"]')" "$(fixture_get multiarch '["images"][0]["config_digest"]')" "Id"
}

@test "pull --platform linux/arm64 selects the arm64 manifest" {
    run_cc pull --platform linux/arm64 "$REGISTRY/test/multi:latest"
    run_cc inspect "$REGISTRY/test/multi:latest"
    is "$(json_get "$output" '[0]["Architecture"]')" arm64 "Architecture"
    is "$(json_get "$output" '[0]["Id"]')" "$(fixture_get multiarch '["images"][1]["config_digest"]')" "Id"

    local dir
    dir=$(json_get "$output" '[0]["Layers"][0]["Dir"]')
    is "$(cat "$dir/etc/arch")" arm64 "etc/arch in the arm64 layer"
}

@test "pull --platform linux/s390x fails and lists the available platforms" {
    run_cc 1 pull --platform linux/s390x "$REGISTRY/test/multi:latest"
    assert_contains "$stderr" "no matching manifest for linux/s390x" "stderr"
    assert_contains "$stderr" "linux/amd64" "stderr lists the platforms"
    assert_contains "$stderr" "linux/arm64" "stderr lists the platforms"
    run_cc images -q
    is "$output" "" "images after a failed pull"
}

@test "pull: Docker schema2 manifest" {
    local digest
    digest=$(remote_digest "$REGISTRY/test/alpine:v2s2")
    run_cc pull "$REGISTRY/test/alpine:v2s2"
    assert_line_match "$output" "^Digest: $digest$"

    run_cc inspect "$REGISTRY/test/alpine:v2s2"
    is "$(json_get "$output" '[0]["Id"]')" "$(alpine_id)" "Id (same config as the OCI image)"
    is "$(json_get "$output" '[0]["Layers"][0]["MediaType"]')" \
        application/vnd.docker.image.rootfs.diff.tar.gzip "layer media type"
    local dir
    dir=$(json_get "$output" '[0]["Layers"][0]["Dir"]')
    is "$(cat "$dir/etc/alpine-release")" 3.20.3 "etc/alpine-release"
}

@test "pull: OCI manifest" {
    local digest
    digest=$(remote_digest "$REGISTRY/test/alpine:oci")
    run_cc pull "$REGISTRY/test/alpine:oci"
    assert_line_match "$output" "^Digest: $digest$"

    run_cc inspect "$REGISTRY/test/alpine:oci"
    is "$(json_get "$output" '[0]["Layers"][0]["MediaType"]')" \
        application/vnd.oci.image.layer.v1.tar+gzip "layer media type"
    local dir
    dir=$(json_get "$output" '[0]["Layers"][0]["Dir"]')
    is "$(cat "$dir/etc/alpine-release")" 3.20.3 "etc/alpine-release"
}

@test "pull: zstd-compressed layers" {
    run_cc pull "$REGISTRY/test/zstd:latest"
    run_cc inspect "$REGISTRY/test/zstd:latest"
    is "$(json_get "$output" '[0]["Layers"][0]["MediaType"]')" \
        application/vnd.oci.image.layer.v1.tar+zstd "media type of layer 0"
    is "$(json_get "$output" '[0]["RootFS"]["Layers"]')" "$(fixture_get zstd '["images"][0]["diff_ids"]')" \
        "diff IDs"
    local dir0 dir1
    dir0=$(json_get "$output" '[0]["Layers"][0]["Dir"]')
    dir1=$(json_get "$output" '[0]["Layers"][1]["Dir"]')
    is "$(cat "$dir0/etc/alpine-release")" 3.20.3 "etc/alpine-release in layer 0"
    is "$(cat "$dir1/zstd-marker")" "zstd layer" "zstd-marker in layer 1"
}

###############################################################################
# Layers: chain IDs, whiteouts, opaque directories, uncompressed

@test "pull: multi-layer image records each layer under its chain ID" {
    run_cc pull "$REGISTRY/test/layers:latest"
    run_cc inspect "$REGISTRY/test/layers:latest"
    local json=$output
    is "$(json_len "$json" '[0]["Layers"]')" 3 "number of layers"
    is "$(json_get "$json" '[0]["RootFS"]["Layers"]')" "$(fixture_get multilayer '["images"][0]["diff_ids"]')" \
        "RootFS.Layers"

    local -a diff_ids chains
    mapfile -t diff_ids < <(fixture_lines multilayer '["images"][0]["diff_ids"]')
    mapfile -t chains < <(chain_ids "${diff_ids[@]}")
    local i
    for i in 0 1 2; do
        is "$(json_get "$json" "[0][\"Layers\"][$i][\"DiffID\"]")" "${diff_ids[i]}" "Layers[$i].DiffID"
        is "$(json_get "$json" "[0][\"Layers\"][$i][\"ChainID\"]")" "${chains[i]}" "Layers[$i].ChainID"
        is "$(json_get "$json" "[0][\"Layers\"][$i][\"Digest\"]")" \
            "$(fixture_get multilayer "[\"images\"][0][\"layers\"][$i][\"digest\"]")" "Layers[$i].Digest"
        is "$(realpath -m "$(json_get "$json" "[0][\"Layers\"][$i][\"Dir\"]")")" \
            "$(realpath -m "$CC_ROOT/layers/${chains[i]#sha256:}")" "Layers[$i].Dir"
    done
    is "$(json_get "$json" '[0]["Layers"][2]["MediaType"]')" application/vnd.oci.image.layer.v1.tar \
        "media type of the uncompressed layer"
}

@test "pull: a whiteout becomes a 0/0 character device, with no .wh. file left" {
    skip_if_not_root "overlay whiteouts (mknod 0/0) need root"
    run_cc pull "$REGISTRY/test/layers:latest"
    run_cc inspect "$REGISTRY/test/layers:latest"
    local dir
    dir=$(json_get "$output" '[0]["Layers"][1]["Dir"]')
    is "$(stat -c '%F %t,%T' "$dir/etc/motd")" "character special file 0,0" "etc/motd in layer 1"

    local i d wh
    for i in 0 1 2; do
        d=$(json_get "$output" "[0][\"Layers\"][$i][\"Dir\"]")
        wh=$(find "$d" -name '.wh.*')
        is "$wh" "" ".wh.* files in layer $i"
    done
}

@test "pull: an opaque directory gets trusted.overlay.opaque=y, wherever the marker is in the tar" {
    skip_if_not_root "trusted.* xattrs need root"
    run_cc pull "$REGISTRY/test/layers:latest"
    run_cc inspect "$REGISTRY/test/layers:latest"
    local dir sub
    dir=$(json_get "$output" '[0]["Layers"][1]["Dir"]')
    # etc/periodic: marker before the new file; usr/local: marker after it.
    for sub in etc/periodic usr/local; do
        is "$(python3 -c 'import os, sys; print(os.getxattr(sys.argv[1], "trusted.overlay.opaque").decode())' \
            "$dir/$sub" 2>&1)" y "trusted.overlay.opaque on $sub"
        is "$(cat "$dir/$sub/new-in-layer2")" layer2 "$sub/new-in-layer2"
        assert_file_absent "$dir/$sub/.wh..wh..opq"
    done
    # Alpine's own etc/periodic/daily lives in layer 0 only.
    local lower
    lower=$(json_get "$output" '[0]["Layers"][0]["Dir"]')
    [[ -d "$lower/etc/periodic/daily" ]] || die "etc/periodic/daily missing from layer 0"
    assert_file_absent "$dir/etc/periodic/daily"
}

@test "pull: an uncompressed layer is unpacked" {
    run_cc pull "$REGISTRY/test/layers:latest"
    run_cc inspect "$REGISTRY/test/layers:latest"
    local dir
    dir=$(json_get "$output" '[0]["Layers"][2]["Dir"]')
    is "$(cat "$dir/layer3-marker")" "layer3, uncompressed" "layer3-marker"
    is "$(stat -c %F "$dir/etc/motd")" "regular file" "etc/motd recreated in layer 2"
}

@test "pull --jobs 1 of a multi-layer image" {
    run_cc pull --jobs 1 "$REGISTRY/test/layers:latest"
    is "$(inspect_field "$REGISTRY/test/layers:latest" '[0]["Id"]')" \
        "$(fixture_get multilayer '["images"][0]["config_digest"]')" "image ID"
    run_cc system check
}

###############################################################################
# Verification failures

@test "pull: a blob whose bytes do not match its digest is refused" {
    run_cc 1 pull "$REGISTRY/test/corrupt:latest"
    assert_match "$stderr" '[Dd]igest mismatch|[Vv]erif' "stderr"
    run_cc images -q
    is "$output" "" "images after the refused pull"
    run_cc system check
}

@test "pull: a config whose diff ID does not match the layer is refused" {
    run_cc 1 pull "$REGISTRY/test/baddiff:latest"
    run_cc images -q
    is "$output" "" "images after the refused pull"
    run_cc system check
}

# check_no_escape REF: pull REF (an escape fixture); it may fail (125) or
# succeed, but nothing may be written outside the layer directory.
check_no_escape() {
    local ref=$1
    # Leftovers of an earlier, broken run would hide a new escape.
    rm -f "${ESCAPE_TARGETS[@]}"
    local passwd_before
    passwd_before=$(sha256_file /etc/passwd)

    run_cc '?' pull "$ref"
    local pull_status=$status
    if ((pull_status != 0)); then
        is "$pull_status" 1 "exit code when the escape layer is refused (docker: 1)"
    fi

    assert_file_absent "${ESCAPE_TARGETS[@]}" \
        "$CC_ROOT/../escape-dotdot" "$CC_ROOT/escape-dotdot" "$CC_ROOT/layers/escape-dotdot" \
        "$CC_ROOT/tmp/escape-dotdot"
    is "$(sha256_file /etc/passwd)" "$passwd_before" "/etc/passwd unchanged"

    # Anything by those names must sit inside a layer (or staging) directory.
    local root path stray=''
    root=$(regex_quote "$CC_ROOT")
    while IFS= read -r path; do
        [[ "$path" =~ ^$root/layers/[0-9a-f]{64}/. || "$path" =~ ^$root/tmp/[^/]+/. ]] ||
            stray+="$path"$'\n'
    done < <(find "$BATS_TEST_TMPDIR" \( -name escape-dotdot -o -name abs-escape \
        -o -name 'escaped-through-*' \) -print)
    is "$stray" "" "escape entries outside a layer directory"

    if ((pull_status == 0)); then
        run_cc inspect "$ref"
        local dir link
        dir=$(json_get "$output" '[0]["Layers"][0]["Dir"]')
        for link in hardlink-passwd hardlink-abs; do
            if [[ -e "$dir/$link" ]]; then
                isnt "$(stat -c %d:%i "$dir/$link")" "$(stat -c %d:%i /etc/passwd)" \
                    "$link must not be the host's /etc/passwd"
            fi
        done
        for link in link rlink; do
            if [[ -e "$dir/$link" || -L "$dir/$link" ]]; then
                [[ -L "$dir/$link" ]] || die "'$link' should be a symlink, is $(stat -c %F "$dir/$link")"
            fi
        done
        is "$(cat "$dir/inside")" "a normal file" "the harmless entry"
    fi
    run_cc system check
}

@test "pull: a layer with every escape vector cannot write outside its directory" {
    check_no_escape "$REGISTRY/test/escape:latest"
}

@test "pull: escape via '../' in an entry name" {
    check_no_escape "$REGISTRY/test/escape-dotdot:latest"
}

@test "pull: escape via an absolute entry name" {
    check_no_escape "$REGISTRY/test/escape-abs:latest"
}

@test "pull: escape via a symlink to / then a file beneath it" {
    check_no_escape "$REGISTRY/test/escape-symlink:latest"
}

@test "pull: escape via a relative symlink climbing out, then a file beneath it" {
    check_no_escape "$REGISTRY/test/escape-relsymlink:latest"
}

@test "pull: escape via a hardlink to ../../etc/passwd" {
    check_no_escape "$REGISTRY/test/escape-hardlink:latest"
}

@test "pull: escape via a hardlink to /etc/passwd" {
    check_no_escape "$REGISTRY/test/escape-hardlink-abs:latest"
}

###############################################################################
# Concurrency and interruption

@test "pull: two concurrent pulls of one image both succeed and fetch the layer once" {
    local layer before after p1 p2 rc1 rc2
    layer=$(fixture_get alpine '["images"][0]["layers"][0]["digest"]')
    before=$(count_blob_gets "$layer")

    cc_bg pull1 pull "$REGISTRY/test/concurrent:latest"
    p1=$CC_BG_PID
    cc_bg pull2 pull "$REGISTRY/test/concurrent:latest"
    p2=$CC_BG_PID
    wait_bg "$p1"
    rc1=$status
    wait_bg "$p2"
    rc2=$status
    cat "$BATS_TEST_TMPDIR"/pull1.* "$BATS_TEST_TMPDIR"/pull2.*
    is "$rc1" 0 "exit code of the first pull"
    is "$rc2" 0 "exit code of the second pull"

    after=$(count_blob_gets "$layer")
    assert_le $((after - before)) 1 "GETs of the layer blob by the two pulls"
    run_cc system check
    run_cc images -q
    is "$output" "$(alpine_id | cut -c8-19)" "images -q"
}

@test "pull: killed with SIGKILL mid-download, the next pull completes" {
    local size=$((60 * 1024 * 1024))
    seed_big test/big:latest --size "$size"
    local layer
    layer=$(fixture_get "big-$size" '["images"][0]["layers"][0]["digest"]')
    # ~4 MB/s: the 60 MiB blob takes ~15 s, so there is time to kill the pull.
    start_proxy --prefix SLOW --upstream "$REGISTRY" --throttle 4000000

    cc_bg pull1 pull "$SLOW/test/big:latest"
    local pid=$CC_BG_PID
    wait_until 60 file_contains "$SLOW_PROXY_LOG" "^progress GET /v2/test/big/blobs/$layer sent=8388608$"
    kill -9 "$pid"
    wait_bg "$pid" 10
    is "$status" 137 "exit status of the killed pull"

    proxy_throttle --prefix SLOW 0
    run_cc pull "$SLOW/test/big:latest"
    run_cc system check
    is "$(inspect_field "$SLOW/test/big:latest" '[0]["Id"]')" \
        "$(fixture_get "big-$size" '["images"][0]["config_digest"]')" "image ID"

    log_sync --prefix SLOW
    if file_contains "$SLOW_PROXY_LOG" "GET /v2/test/big/blobs/$layer auth=none status=206 range=bytes=[1-9]"; then
        echo "# the second pull resumed the layer with a Range request" >&3
    else
        echo "# note: the second pull downloaded the layer from the start (no Range request)" >&3
    fi
}
