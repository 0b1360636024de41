#!/usr/bin/env bats
#
# The image verbs: images, inspect, tag, rmi, image prune, system check, import.

load helpers

setup_file() {
    file_setup
    start_registry
    seed_alpine test/alpine:latest
    seed_multilayer test/layers:latest
}

alpine_id() {
    fixture_get alpine '["images"][0]["config_digest"]'
}

# pull_alpine: pull $REGISTRY/test/alpine:latest; sets $ALPINE (the ref) and $ID.
pull_alpine() {
    ALPINE=$REGISTRY/test/alpine:latest
    run_cc pull -q "$ALPINE"
    ID=$output
    is "$ID" "$(alpine_id)" "image ID from pull -q"
}

# blob_files: the files under $CC_ROOT/blobs/sha256, one hex name per line, sorted.
blob_files() {
    find "$CC_ROOT/blobs/sha256" -mindepth 1 -maxdepth 1 -type f -printf '%f\n' 2>/dev/null | sort
}

###############################################################################
# images

@test "images: lists a pulled image with its 12-hex ID" {
    pull_alpine
    run_cc images
    assert_match "${lines[0]}" '^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE$' "header"
    is "${#lines[@]}" 2 "lines of output"
    assert_match "${lines[1]}" "^$(regex_quote "$REGISTRY/test/alpine") +latest +${ID:7:12} " "image row"
}

@test "images -q prints one 12-hex ID per image" {
    pull_alpine
    run_cc pull "$REGISTRY/test/layers:latest"
    local layers_id
    layers_id=$(fixture_get multilayer '["images"][0]["config_digest"]')

    run_cc images -q
    is "${#lines[@]}" 2 "lines of images -q"
    local line
    for line in "${lines[@]}"; do
        assert_match "$line" '^[0-9a-f]{12}$' "images -q line"
    done
    is "$(printf '%s\n' "${lines[@]}" | sort)" "$(printf '%s\n' "${ID:7:12}" "${layers_id:7:12}" | sort)" \
        "IDs from images -q"
}

@test "images --digests adds the manifest digest" {
    pull_alpine
    run_cc images --digests
    assert_match "${lines[0]}" '^REPOSITORY +TAG +.*DIGEST.* +IMAGE ID +CREATED +SIZE$' "header"
    assert_contains "${lines[1]}" "$(fixture_get alpine '["digest"]')" "image row"
    assert_contains "${lines[1]}" "${ID:7:12}" "image row"
}

@test "images --format json: Digest with --digests or a template naming it; digest-only rows" {
    pull_alpine
    local digest
    digest=$(fixture_get alpine '["digest"]')
    run_cc images --format json
    is "$(jq -r .Digest <<<"$output")" "<none>" "without --digests"
    run_cc images --format json --digests
    is "$(jq -r .Digest <<<"$output")" "$digest" "with --digests"
    run_cc images --format '{{.Repository}} {{.Tag}} {{.Digest}}'
    is "$output" "$REGISTRY/test/alpine latest $digest" "a template naming .Digest gets it (docker's needDigest)"
    run_cc images --filter "reference=$REGISTRY/test/*" -q
    is "$output" "${ID:7:12}" "reference filter on a registry name"
    # no tag left, known by its digest: docker's row with Tag <none>
    run_cc untag "$ALPINE"
    run_cc images --format json
    is "$(jq -r '.Repository + "|" + .Tag + "|" + .Digest' <<<"$output")" "$REGISTRY/test/alpine|<none>|" \
        "digest-only without --digests: an empty Digest"
    run_cc images --format json --digests
    is "$(jq -r '.Repository + "|" + .Tag + "|" + .Digest' <<<"$output")" "$REGISTRY/test/alpine|<none>|$digest" \
        "digest-only with --digests"
    # docker's daemon: no tag is dangling=true; a digest is a reference, so
    # dangling=false lists it too (only an image with neither is left out)
    run_cc images -q --filter dangling=true
    is "$output" "${ID:7:12}" "no tag: dangling=true lists it"
    run_cc images -q --filter dangling=false
    is "$output" "${ID:7:12}" "a digest: dangling=false lists it too"
}

###############################################################################
# inspect

@test "inspect: identity, config and platform of a pulled image" {
    pull_alpine
    run_cc inspect "$ALPINE"
    local json=$output
    is "$(json_len "$json" '')" 1 "objects in the array"
    is "$(json_get "$json" '[0]["Id"]')" "$ID" "Id"
    is "$(json_get "$json" '[0]["RepoTags"]')" "[\"$ALPINE\"]" "RepoTags"
    is "$(json_get "$json" '[0]["RepoDigests"]')" \
        "[\"$REGISTRY/test/alpine@$(fixture_get alpine '["digest"]')\"]" "RepoDigests"
    is "$(json_get "$json" '[0]["Config"]["Cmd"]')" '["/bin/sh"]' "Config.Cmd"
    assert_contains "$(json_get "$json" '[0]["Config"]["Env"]')" '"PATH=/usr/local/sbin:' "Config.Env"
    is "$(json_get "$json" '[0]["Architecture"]')" amd64 "Architecture"
    is "$(json_get "$json" '[0]["Os"]')" linux "Os"
    assert_match "$(json_get "$json" '[0]["Size"]')" '^[1-9][0-9]*$' "Size"
    is "$(json_get "$json" '[0]["RootFS"]["Type"]')" layers "RootFS.Type"
    is "$(json_get "$json" '[0]["RootFS"]["Layers"]')" "$(fixture_get alpine '["images"][0]["diff_ids"]')" \
        "RootFS.Layers"
}

@test "inspect: a layer's digest, diff ID, chain ID, media type and unpacked dir" {
    pull_alpine
    run_cc inspect "$ID"
    local json=$output diff_id
    diff_id=$(fixture_get alpine '["images"][0]["diff_ids"][0]')
    is "$(json_len "$json" '[0]["Layers"]')" 1 "number of layers"
    is "$(json_get "$json" '[0]["Layers"][0]["Digest"]')" \
        "$(fixture_get alpine '["images"][0]["layers"][0]["digest"]')" "Layers[0].Digest"
    is "$(json_get "$json" '[0]["Layers"][0]["DiffID"]')" "$diff_id" "Layers[0].DiffID"
    is "$(json_get "$json" '[0]["Layers"][0]["ChainID"]')" "$diff_id" "Layers[0].ChainID (= DiffID for layer 0)"
    is "$(json_get "$json" '[0]["Layers"][0]["MediaType"]')" application/vnd.oci.image.layer.v1.tar+gzip \
        "Layers[0].MediaType"
    assert_match "$(json_get "$json" '[0]["Layers"][0]["Size"]')" '^[1-9][0-9]*$' "Layers[0].Size"

    local dir
    dir=$(json_get "$json" '[0]["Layers"][0]["Dir"]')
    is "$(realpath -m "$dir")" "$(realpath -m "$CC_ROOT/layers/${diff_id#sha256:}")" "Layers[0].Dir"
    is "$(cat "$dir/etc/alpine-release")" 3.20.3 "etc/alpine-release in the layer dir"
}

@test "inspect: an unknown image fails" {
    run_cc '?' inspect "$REGISTRY/test/never-pulled:latest"
    isnt "$status" 0 "exit code"
    assert_line_match "$stderr" '^Error: ' "stderr"
}

###############################################################################
# tag and rmi

@test "tag: a second name for the same image" {
    pull_alpine
    run_cc tag "$ALPINE" "$REGISTRY/test/other:v1"
    run_cc inspect "$REGISTRY/test/other:v1"
    is "$(json_get "$output" '[0]["Id"]')" "$ID" "Id through the new name"
    assert_contains "$(json_get "$output" '[0]["RepoTags"]')" "\"$REGISTRY/test/other:v1\"" "RepoTags"
    assert_contains "$(json_get "$output" '[0]["RepoTags"]')" "\"$ALPINE\"" "RepoTags"

    run_cc images
    assert_line_match "$output" "^$(regex_quote "$REGISTRY/test/other") +v1 +${ID:7:12} " "images"
    assert_line_match "$output" "^$(regex_quote "$REGISTRY/test/alpine") +latest +${ID:7:12} " "images"
}

@test "tag: a short name is normalised to docker.io" {
    pull_alpine
    run_cc tag "$ALPINE" myalpine:v1
    run_cc inspect myalpine:v1
    is "$(json_get "$output" '[0]["Id"]')" "$ID" "Id"
    run_cc inspect docker.io/library/myalpine:v1
    is "$(json_get "$output" '[0]["Id"]')" "$ID" "Id through the full name"
}

@test "rmi: of an image that has another tag only untags" {
    pull_alpine
    run_cc tag "$ALPINE" "$REGISTRY/test/other:v1"
    run_cc rmi "$REGISTRY/test/other:v1"
    assert_line_match "$output" "^Untagged: $(regex_quote "$REGISTRY/test/other:v1")$" "rmi output"
    assert_no_line_match "$output" '^Deleted: ' "rmi output"

    run_cc inspect "$ALPINE"
    is "$(json_get "$output" '[0]["Id"]')" "$ID" "the image is still there"
    run_cc '?' inspect "$REGISTRY/test/other:v1"
    isnt "$status" 0 "exit code of inspect of the removed tag"
}

@test "rmi: of the last tag deletes the image" {
    pull_alpine
    run_cc rmi "$ALPINE"
    assert_line_match "$output" "^Untagged: $(regex_quote "$ALPINE")$" "rmi output"
    assert_line_match "$output" "^Deleted: $ID$" "rmi output"
    run_cc images -q
    is "$output" "" "images -q after rmi"
}

@test "rmi -f: by ID removes every tag and the image" {
    pull_alpine
    run_cc tag "$ALPINE" "$REGISTRY/test/other:v1"
    run_cc rmi -f "${ID:7:12}"
    assert_line_match "$output" "^Untagged: $(regex_quote "$ALPINE")$" "rmi output"
    assert_line_match "$output" "^Untagged: $(regex_quote "$REGISTRY/test/other:v1")$" "rmi output"
    assert_line_match "$output" "^Deleted: $ID$" "rmi output"
    run_cc images -q
    is "$output" "" "images -q after rmi -f"
}

@test "rmi: of an unknown image fails" {
    run_cc '?' rmi "$REGISTRY/test/never-pulled:latest"
    isnt "$status" 0 "exit code"
    assert_line_match "$stderr" '^Error: ' "stderr"
}

###############################################################################
# image prune

@test "image prune: after rmi, no blob and no layer is left" {
    pull_alpine
    run_cc rmi "$ALPINE"
    run_cc image prune -f
    is "$(blob_files)" "" "files in blobs/sha256"
    is "$(find "$CC_ROOT/layers" -mindepth 1 -maxdepth 1 2>/dev/null)" "" "entries in layers/"
    run_cc system check
}

@test "image prune: removes the blobs of an image whose tag moved, keeps shared layers" {
    seed_alpine test/prune:latest
    run_cc pull -q "$REGISTRY/test/prune:latest"
    local old_id=$output

    # Re-point the tag at the zstd image (same first diff ID as alpine, so the
    # same chain ID and layer dir, but other blobs).
    seed_zstd test/prune:latest
    run_cc pull -q "$REGISTRY/test/prune:latest"
    isnt "$output" "$old_id" "image ID after the tag moved"

    run_cc image prune -f
    local gone
    for gone in "$(fixture_get alpine '["digest"]')" "$(fixture_get alpine '["images"][0]["config_digest"]')" \
        "$(fixture_get alpine '["images"][0]["layers"][0]["digest"]')"; do
        assert_file_absent "$CC_ROOT/blobs/sha256/${gone#sha256:}"
    done

    run_cc inspect "$REGISTRY/test/prune:latest"
    local i dir
    for i in 0 1; do
        dir=$(json_get "$output" "[0][\"Layers\"][$i][\"Dir\"]")
        [[ -d "$dir" ]] || die "layer dir '$dir' of the remaining image was pruned"
    done
    is "$(cat "$dir/zstd-marker")" "zstd layer" "zstd-marker in the remaining image's top layer"
    run_cc system check
}

###############################################################################
# system check

@test "system check: clean after a pull" {
    pull_alpine
    run_cc system check
    assert_match "$output" '(^|[^[:alpha:]])ok([^[:alpha:]]|$)' "system check output"
}

@test "system check: detects a flipped byte in a blob" {
    pull_alpine
    local layer blob
    layer=$(fixture_get alpine '["images"][0]["layers"][0]["digest"]')
    blob=$CC_ROOT/blobs/sha256/${layer#sha256:}
    [[ -f "$blob" ]] || die "layer blob not stored at '$blob'"
    local size
    size=$(stat -c %s "$blob")
    flip_byte "$blob"
    is "$(stat -c %s "$blob")" "$size" "blob size after flipping a byte"

    run_cc '?' system check
    isnt "$status" 0 "exit code of system check on an altered blob"
    assert_contains "$output$stderr" "${layer:7:12}" "system check report names the blob"
}

@test "system check: a file deleted from a layer is found, --repair unpacks the layer again" {
    pull_alpine
    local dir
    dir=$(json_get "$(timeout 30 "$CC" --root "$CC_ROOT" inspect "$ALPINE")" '[0]["Layers"][0]["Dir"]')
    [[ -f "$dir/bin/busybox" ]] || die "no bin/busybox in '$dir'"
    rm "$dir/bin/busybox"

    run_cc 1 system check
    assert_line_match "$output" "^layer sha256:[0-9a-f]{64}: directory '.*' differs from blob .*'bin/busybox' is missing" \
        "system check output"
    assert_contains "$stderr" "found 1 problem" "summary"

    run_cc system check --repair
    assert_line_match "$output" '^  repaired: layer sha256:[0-9a-f]{64}: unpacked again from blob' "repair output"
    assert_line_match "$output" '^ok: store is consistent after 1 repair$' "repair summary"
    run_cc system check
    run_cc run --rm --network none "$ALPINE" /bin/busybox echo whole again
    is "$output" "whole again" "a container of the repaired image"
}

@test "system check: a database that lost its WAL, and an emptied one, are found and repaired" {
    pull_alpine
    # the pull's rows are in the WAL (commands do not checkpoint on close)
    [[ -s "$CC_ROOT/store.db-wal" ]] || die "no WAL to lose"
    rm -f "$CC_ROOT/store.db-wal" "$CC_ROOT/store.db-shm"
    run_cc images -q
    is "$output" "" "images after the WAL is lost"
    run_cc 1 system check
    assert_line_match "$output" "^blob sha256:[0-9a-f]{64}: file '.*' has no row \(the database lost it" "a blob"
    assert_line_match "$output" "^layer sha256:[0-9a-f]{64}: directory '.*' has no row" "the layer"
    run_cc system check --repair
    assert_line_match "$output" '^ok: store is consistent after [0-9]+ repairs$' "repair summary"
    run_cc system check
    assert_no_line_match "$output" 'has no row' "system check after the repair"
    # what was lost comes back by a pull (the blobs kept are used)
    pull_alpine
    run_cc run --name keep --network none "$ALPINE" true
    run_cc system check

    # an emptied database file: images, tags and the container are gone
    : >"$CC_ROOT/store.db"
    rm -f "$CC_ROOT/store.db-wal" "$CC_ROOT/store.db-shm"
    run_cc 1 system check
    assert_line_match "$output" "^layer sha256:[0-9a-f]{64}: directory '.*' has no row" "the layer"
    assert_line_match "$output" "^container directory '$(regex_quote "$CC_ROOT")/containers/[0-9a-f]{64}' has no row" \
        "the container"
    run_cc system check --repair
    run_cc system check
    assert_no_line_match "$output" 'has no row' "system check after the repair"
    is "$(find "$CC_ROOT/containers" -mindepth 1 | wc -l)" 0 "container directories after the repair"
}

@test "system check: a container whose directory is gone" {
    pull_alpine
    run_cc run --name gone --network none "$ALPINE" true
    run_cc ps -aq --no-trunc
    local id=$output
    assert_match "$id" '^[0-9a-f]{64}$' "container ID"
    rm -rf "${CC_ROOT:?}/containers/$id"
    run_cc 1 system check
    assert_line_match "$output" "^container ${id:0:12} \(gone\): directory '.*' is missing" "system check output"
    run_cc system check --repair
    run_cc ps -aq
    is "$output" "" "containers after the repair"
    run_cc system check
}

@test "a damaged database: one error naming the database and sqlite's reason" {
    pull_alpine
    run_cc images -q
    # the images table's page becomes garbage (after moving the WAL in)
    python3 - "$CC_ROOT/store.db" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
page = db.execute("SELECT rootpage FROM sqlite_master WHERE name='images'").fetchone()[0]
size = db.execute("PRAGMA page_size").fetchone()[0]
db.close()
with open(sys.argv[1], "r+b") as f:
    f.seek((page - 1) * size)
    f.write(b"\xff" * size)
EOF
    run_cc 1 images
    is "${#stderr_lines[@]}" 1 "lines of stderr"
    assert_match "$stderr" "^Error: store database '$(regex_quote "$CC_ROOT")/store.db': .*database disk image is malformed$" \
        "the error"
    assert_not_contains "$stderr" "Cannot allocate memory" "the error"
    run_cc 1 system check
    assert_line_match "$output" "^database '.*store.db': " "system check output"
    # every verb that loops over its arguments reports each, never crashes
    run_cc 1 rmi alpine nope
    assert_line_match "$stderr" "^Error: .*database disk image is malformed" "rmi on a damaged database"
    run_cc 1 rmi -f alpine alpine
    run_cc 1 inspect alpine nope
}

@test "verbs over several arguments: each missing one is its own error line, no crash" {
    run_cc 1 rmi nope1 nope2 nope3
    is "$stderr" "Error: No such image: nope1
Error: No such image: nope2
Error: No such image: nope3"
    run_cc 1 rm nope1 nope2
    is "${#stderr_lines[@]}" 2 "rm: one line per missing container"
    run_cc 1 stop nope1 nope2
    is "${#stderr_lines[@]}" 2 "stop: one line per missing container"
    run_cc 1 kill nope1 nope2
    is "${#stderr_lines[@]}" 2 "kill: one line per missing container"
    run_cc '?' wait nope1 nope2
    is "${#stderr_lines[@]}" 2 "wait: one line per missing container"
    run_cc '?' inspect nope1 nope2
    assert_not_contains "$stderr" "unknown error"
    run_cc 1 tag nope1 x:1
}

###############################################################################
# import

@test "import: the Alpine minirootfs becomes a one-layer image" {
    local tarball diff_id
    tarball=$(alpine_tarball)
    diff_id=$(fixture_get alpine '["images"][0]["diff_ids"][0]')

    run_cc import "$tarball" localhost/imported:1
    local id=${output##*$'\n'}
    assert_match "$id" '^sha256:[0-9a-f]{64}$' "import output"

    run_cc inspect localhost/imported:1
    is "$(json_get "$output" '[0]["Id"]')" "$id" "Id"
    is "$(json_len "$output" '[0]["Layers"]')" 1 "number of layers"
    is "$(json_get "$output" '[0]["RootFS"]["Layers"]')" "[\"$diff_id\"]" "RootFS.Layers"
    local dir
    dir=$(json_get "$output" '[0]["Layers"][0]["Dir"]')
    is "$(cat "$dir/etc/alpine-release")" 3.20.3 "etc/alpine-release in the layer dir"

    run_cc images
    assert_line_match "$output" "^localhost/imported +1 +${id:7:12} " "images"
    run_cc system check
}

@test "import: a file name that is not UTF-8 goes into the history as docker writes it" {
    # was: "Error: import config: Cannot allocate memory" (the history's
    # comment names the file, and jansson refuses such a string)
    local tarball=$BATS_TEST_TMPDIR/$'root\xff.tar'
    cp "$(alpine_tarball)" "$tarball"
    run_cc import "$tarball" localhost/bytes:1
    run_cc inspect localhost/bytes:1
    is "$(jq -r '.[0].History[0].comment' <<<"$output")" "Imported from ${tarball%$'\xff.tar'}"$'\xef\xbf\xbd.tar' \
        "comment, U+FFFD for the byte"
}

@test "images REPO[:TAG] lists only that repository; rmi \$(images -q REPO) removes only it" {
    pull_alpine
    run_cc pull -q "$REGISTRY/test/layers:latest"
    local layers_id=$output
    run_cc tag "$ALPINE" localhost/mine:1
    run_cc tag "$ALPINE" localhost/mine:2
    run_cc images localhost/mine
    is "${#lines[@]}" 3 "header and two tags"
    assert_match "${lines[1]}" "^localhost/mine +[12] "
    run_cc images localhost/mine:2
    is "${#lines[@]}" 2 "header and one tag"
    assert_match "${lines[1]}" "^localhost/mine +2 +${ID:7:12} "
    run_cc images --noheading localhost/mine:2
    is "${#lines[@]}" 1 "--noheading"
    run_cc images -q localhost/nosuch
    is "$output" "" "no such repository: nothing"
    # flags after the repository, as docker parses them
    run_cc images "$REGISTRY/test/layers" -q
    is "$output" "${layers_id:7:12}"
    run_cc rmi -f $(timeout 30 "$CC" --root "$CC_ROOT" images -q "$REGISTRY/test/layers")
    run_cc images -q
    is "$output" "${ID:7:12}" "alpine (and its tags) kept"
}

@test "image prune and system prune ask first; --help and N keep everything; -f does not ask" {
    pull_alpine
    run_cc rmi "$ALPINE"
    local before
    before=$(blob_files)
    run_cc image prune --help
    assert_contains "$output" "--force"
    run_cc image prune
    assert_contains "$stderr" "WARNING! This will remove all dangling images."
    assert_contains "$stderr" "Are you sure you want to continue? [y/N]"
    echo n >"$BATS_TEST_TMPDIR/no"
    CC_STDIN=$BATS_TEST_TMPDIR/no run_cc system prune
    run_cc system check --help
    assert_contains "$output" "--repair"
    is "$(blob_files)" "$before" "nothing removed"
    echo y >"$BATS_TEST_TMPDIR/yes"
    CC_STDIN=$BATS_TEST_TMPDIR/yes run_cc image prune
    is "$(blob_files)" "" "removed on y"
    run_cc system prune -f
}
