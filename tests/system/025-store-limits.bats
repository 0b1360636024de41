#!/usr/bin/env bats
#
# A full disk and layers that expand too far (issue 13, items 7 and 8).
# Each test puts the store on a 64 MiB tmpfs of its own, so whatever the
# code under test does, it cannot fill the host's disk:
#   - import/load on a nearly full store fail with ENOSPC and commit nothing;
#     once space is freed the same import/load gives the real content
#   - a gzip bomb stops at CCONTAINER_MAX_LAYER_SIZE (import, pull) or, with
#     the defaults, at the free space the store keeps (CCONTAINER_MIN_FREE_SPACE)
#   - build's layer packing on a full store says ENOSPC

load helpers
load helpers.build

setup() {
    basic_setup
    skip_if_not_root "mounts a tmpfs for the store"
    STORE_FS=$BATS_TEST_TMPDIR/fs
    mkdir -p "$STORE_FS"
    mount -t tmpfs -o size=64m,mode=0700 cc-store-limits "$STORE_FS"
    export CC_ROOT=$STORE_FS/store
    export CCONTAINER_ROOT=$CC_ROOT
    mkdir -p "$CC_ROOT"
    run_cc images -q # the store's layout and database
}

teardown() {
    local rc=0
    basic_teardown || rc=1
    if [[ -n "${STORE_FS:-}" ]] && mountpoint -q "$STORE_FS"; then
        umount "$STORE_FS" || umount -l "$STORE_FS" || rc=1
    fi
    return $rc
}

# fill_store BYTES: leave about BYTES free on the store's filesystem (a file
# beside the store, not in it).
fill_store() {
    local want=$1 avail
    rm -f "$STORE_FS/filler"
    avail=$(($(stat -f -c '%a * %S' "$STORE_FS")))
    ((avail > want)) || { die "only $avail bytes free, wanted $want"; return; }
    fallocate -l $((avail - want)) "$STORE_FS/filler"
    echo "# store filesystem: $(($(stat -f -c '%a * %S' "$STORE_FS"))) bytes free"
}

free_store() {
    rm -f "$STORE_FS/filler"
}

# pattern_layer: $LAYER, a gzip tar with data.bin (24 MiB of a text pattern:
# not zeros, and it compresses to ~50 KB); $DATA_SHA is data.bin's sha256.
pattern_layer() {
    local src=$BATS_TEST_TMPDIR/pattern
    mkdir -p "$src"
    yes abcdefghij | head -c $((24 * 1024 * 1024)) >"$src/data.bin"
    DATA_SHA=$(sha256sum "$src/data.bin" | cut -d' ' -f1)
    LAYER=$BATS_TEST_TMPDIR/pattern.tar.gz
    tar -czf "$LAYER" -C "$src" data.bin
    rm -rf "$src"
}

# bomb_layer MiB: $BOMB, a gzip tar of one file of MiB MiB of zeros (~1000:1).
bomb_layer() {
    local src=$BATS_TEST_TMPDIR/bomb
    mkdir -p "$src"
    truncate -s "${1}M" "$src/zeros.bin" # sparse: the zeros come from tar
    BOMB=$BATS_TEST_TMPDIR/bomb.tar.gz
    tar -czf "$BOMB" -C "$src" zeros.bin
    rm -rf "$src"
}

# oci_layout_of BLOB: an OCI layout (mkimage.py) with BLOB as its one layer; sets $LAYOUT.
oci_layout_of() {
    LAYOUT=$(mktemp -d "$BATS_TEST_TMPDIR/layout.XXXXXX")
    timeout 120 python3 "$FIXTURES/mkimage.py" "$LAYOUT" <<<"{\"images\": [{\"layers\": [{\"blob\": \"$1\"}]}]}" \
        >/dev/null || die "mkimage.py failed"
}

layer_dirs() {
    find "$CC_ROOT/layers" -mindepth 1 -maxdepth 1 | wc -l
}

# assert_nothing_committed: no layer dir, no layer blob, no staging, no image.
assert_nothing_committed() {
    is "$(layer_dirs)" 0 "layer directories"
    assert_store_tmp_empty
    run_cc images -q
    is "$output" "" "images"
}

# assert_one_error_line REGEX: stderr is one line, matching REGEX.
assert_one_error_line() {
    is "${#stderr_lines[@]}" 1 "lines on stderr"
    assert_match "$stderr" "$1" "the error"
}

assert_check_clean() {
    run_cc system check
    assert_line_match "$output" '^ok' "system check"
}

###############################################################################
# A full disk

@test "import: a full store fails with ENOSPC and commits nothing; after freeing space the content is right" {
    pattern_layer
    fill_store $((12 * 1024 * 1024))
    # no reserve: the write itself must fail, and say so
    CCONTAINER_MIN_FREE_SPACE=0 run_cc 1 import "$LAYER" localhost/pattern:1
    assert_one_error_line "^Error: import '.*pattern\.tar\.gz': layer sha256:[0-9a-f]{64}: write 'data\.bin': No space left on device$"
    assert_nothing_committed
    is "$(find "$CC_ROOT/blobs/sha256" -type f | wc -l)" 0 "blobs"
    assert_check_clean

    free_store
    run_cc import "$LAYER" localhost/pattern:1
    local files
    files=$(find "$CC_ROOT/layers" -name data.bin)
    is "$(wc -l <<<"$files")" 1 "data.bin in the layers"
    is "$(sha256sum "$files" | cut -d' ' -f1)" "$DATA_SHA" "data.bin's content (not zeros)"
    assert_check_clean
}

@test "import: with the default reserve, a store too full for the layer fails before writing it" {
    pattern_layer
    fill_store $((12 * 1024 * 1024))
    run_cc 1 import "$LAYER" localhost/pattern:1
    assert_one_error_line "^Error: import '.*': layer sha256:[0-9a-f]{64}: 'data\.bin': the store's filesystem is nearly full \(.* free, .* needed, .* kept free: CCONTAINER_MIN_FREE_SPACE\): No space left on device$"
    assert_nothing_committed
    assert_check_clean
}

@test "load: a full store fails with ENOSPC (oci-archive and docker-archive); after freeing space the content is right" {
    pattern_layer
    oci_layout_of "$LAYER"
    local oci=$BATS_TEST_TMPDIR/pattern-oci.tar docker=$BATS_TEST_TMPDIR/pattern-docker.tar
    timeout 120 skopeo --insecure-policy copy --quiet "oci:$LAYOUT:latest" "oci-archive:$oci:localhost/pattern:oci"
    timeout 120 skopeo --insecure-policy copy --quiet "oci:$LAYOUT:latest" "docker-archive:$docker:localhost/pattern:docker"
    fill_store $((12 * 1024 * 1024))

    # oci-archive: the compressed layer fits, unpacking it does not
    CCONTAINER_MIN_FREE_SPACE=0 run_cc 1 load -i "$oci"
    assert_one_error_line "^Error: .*layer sha256:[0-9a-f]{64}: write 'data\.bin': No space left on device$"
    assert_nothing_committed
    # docker-archive: its uncompressed layer does not fit in the staging area
    CCONTAINER_MIN_FREE_SPACE=0 run_cc 1 load -i "$docker"
    assert_one_error_line "^Error: .*unpack '[^']+': No space left on device$"
    assert_nothing_committed
    assert_check_clean

    free_store
    run_cc load -i "$oci"
    local files
    files=$(find "$CC_ROOT/layers" -name data.bin)
    is "$(wc -l <<<"$files")" 1 "data.bin in the layers"
    is "$(sha256sum "$files" | cut -d' ' -f1)" "$DATA_SHA" "data.bin's content (not zeros)"
    assert_check_clean
}

@test "build: packing a layer on a full store reports ENOSPC and commits nothing" {
    local tarball
    tarball=$(alpine_tarball)
    run_cc import "$tarball" localhost/base:1
    local counts
    counts=$(store_counts)
    local ctx
    ctx=$(new_context ctx)
    # 20 MiB of random data: the RUN step's upper dir takes it, then its
    # gzip'd blob (as large) no longer fits
    recipe "$ctx" <<'EOF'
FROM localhost/base:1
RUN head -c 20971520 /dev/urandom >/big
EOF
    fill_store $((32 * 1024 * 1024))
    run_cc 1 build -t localhost/full:1 "$ctx"
    assert_match "$stderr" "No space left on device" "the error"
    assert_not_contains "$stderr" "Input/output error" "the error"
    is "$(store_counts)" "$counts" "layers and blobs in the store"
    assert_store_tmp_empty
    run_cc images -q
    is "${#lines[@]}" 1 "images (the base only)"
    assert_check_clean
}

###############################################################################
# Layers that expand too far

@test "import: a gzip bomb beyond CCONTAINER_MAX_LAYER_SIZE fails with one clear line and leaves nothing" {
    bomb_layer 96
    CCONTAINER_MAX_LAYER_SIZE=8m run_cc 1 import "$BOMB" localhost/bomb:1
    assert_one_error_line "^Error: import '.*bomb\.tar\.gz': layer sha256:[0-9a-f]{64}: 'zeros\.bin': expands beyond 8388608 bytes \(limit CCONTAINER_MAX_LAYER_SIZE=8m\)$"
    assert_nothing_committed
    is "$(find "$CC_ROOT/blobs/sha256" -type f | wc -l)" 0 "blobs"
    assert_check_clean

    # the same layer under a cap it fits in (the store keeps its reserve)
    bomb_layer 8
    CCONTAINER_MAX_LAYER_SIZE=9m run_cc import "$BOMB" localhost/bomb:2
    is "$(layer_dirs)" 1 "layer directories"

    CCONTAINER_MAX_LAYER_SIZE=lots run_cc 1 import "$BOMB" localhost/bomb:3
    assert_match "$stderr" "CCONTAINER_MAX_LAYER_SIZE='lots': not a size" "the error"
}

@test "import: with the default limits a gzip bomb stops at the store's reserve, not at ENOSPC" {
    bomb_layer 128
    run_cc 1 import "$BOMB" localhost/bomb:1
    assert_one_error_line "^Error: import '.*': layer sha256:[0-9a-f]{64}: 'zeros\.bin': the store's filesystem is nearly full \(.*\): No space left on device$"
    assert_nothing_committed
    # the filesystem still has its free space: nothing was written
    local avail
    avail=$(($(stat -f -c '%a * %S' "$STORE_FS")))
    assert_le $((60 * 1024 * 1024)) "$avail" "bytes free on the store's filesystem"
}

@test "pull: a gzip bomb layer fails with one clear line and leaves no layer, staging or partial blob" {
    start_registry
    bomb_layer 96
    oci_layout_of "$BOMB"
    push_layout "$LAYOUT" test/bomb:1
    local digest
    digest=$(jq -r '.images[0].layers[0].digest' "$LAYOUT/summary.json")
    CCONTAINER_MAX_LAYER_SIZE=8m run_cc 1 pull -q "$REGISTRY/test/bomb:1"
    assert_one_error_line "^Error: .*layer $digest: 'zeros\.bin': expands beyond 8388608 bytes \(limit CCONTAINER_MAX_LAYER_SIZE=8m\)$"
    assert_nothing_committed
    assert_file_absent "$CC_ROOT/blobs/sha256/${digest#sha256:}"
    assert_check_clean
}
