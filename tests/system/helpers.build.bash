# -*- bash -*-
#
# helpers.build.bash: for 070-build.bats (sourced after helpers.bash).
#
#   new_context NAME              an empty build context under the test dir
#   recipe DIR [FILE]             stdin becomes DIR/FILE (default Containerfile)
#   build_ok ARGS...              run_cc build ARGS, then ID = the last line
#   image_field REF PYEXPR        a field of `inspect REF` (d[0]... form)
#   image_py REF EXPR             any python expression over d = inspect's JSON
#   layer_entries REF INDEX       "TYPE PATH" of each entry of the image's layer
#                                 INDEX (python's list index: -1 is the top)
#   store_counts                  "LAYERS BLOBS" in the store
#   assert_store_tmp_empty        nothing left under the store's tmp/
#   podman_t ARGS...              podman with its own store under the test dir
#   podman_cleanup                its images and mounts gone (teardown)

new_context() {
    local d=$BATS_TEST_TMPDIR/$1
    mkdir -p "$d"
    echo "$d"
}

recipe() {
    cat >"$1/${2:-Containerfile}"
}

# build_ok ARGS...: a build that must succeed; sets ID to the image ID it
# printed last (64 hex, as podman prints it).
build_ok() {
    run_cc build "$@"
    ID=${lines[${#lines[@]} - 1]:-}
    assert_match "$ID" '^[0-9a-f]{64}$' "last line of build output (the image ID)"
}

image_field() {
    local out
    out=$(timeout 30 "$CC" --root "$CC_ROOT" inspect "$1") || {
        die "inspect $1 failed"
        return
    }
    json_get "$out" "$2"
}

image_py() {
    local out
    out=$(timeout 30 "$CC" --root "$CC_ROOT" inspect "$1") || {
        die "inspect $1 failed"
        return
    }
    python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
v = eval(sys.argv[1], {"d": d})
print(v if isinstance(v, str) else json.dumps(v, separators=(",", ":")))
' "$2" <<<"$out"
}

layer_entries() {
    local out
    out=$(timeout 30 "$CC" --root "$CC_ROOT" inspect "$1") || {
        die "inspect $1 failed"
        return
    }
    printf '%s' "$out" >"$BATS_TEST_TMPDIR/.inspect.json"
    python3 - "$CC_ROOT" "$2" "$BATS_TEST_TMPDIR/.inspect.json" <<'EOF'
import json, sys, tarfile
root, idx = sys.argv[1], int(sys.argv[2])
layer = json.load(open(sys.argv[3]))[0]["Layers"][idx]
path = root + "/blobs/sha256/" + layer["Digest"].split(":")[1]
with tarfile.open(path) as t:
    for m in t.getmembers():
        kind = "d" if m.isdir() else "l" if m.issym() else "h" if m.islnk() else "f" if m.isfile() else "o"
        print(kind, m.name.rstrip("/"))
EOF
}

store_counts() {
    local l b
    l=$(find "$CC_ROOT/layers" -mindepth 1 -maxdepth 1 | wc -l)
    b=$(find "$CC_ROOT/blobs/sha256" -mindepth 1 -maxdepth 1 | wc -l)
    echo "$l $b"
}

assert_store_tmp_empty() {
    local left
    left=$(find "$CC_ROOT/tmp" -mindepth 1 -maxdepth 1 -printf '%f ')
    [[ -z "$left" ]] || die "left behind in $CC_ROOT/tmp: $left"
}

# podman with a store of its own, runc and cgroupfs: what works here.  Our
# REGISTRY_AUTH_FILE (which need not exist) is not podman's business.
podman_t() {
    echo "$BATS_TEST_TMPDIR" >>"$BATS_TEST_TMPDIR/.podman-used"
    timeout 120 env -u REGISTRY_AUTH_FILE podman --root "$BATS_TEST_TMPDIR/podman" \
        --runroot "$BATS_TEST_TMPDIR/podman-run" --storage-driver overlay --runtime runc \
        --cgroup-manager cgroupfs "$@"
}

# podman_cleanup: remove podman's images and the mounts its overlay driver
# leaves on its own store (a private bind of .../podman/overlay).
podman_cleanup() {
    [[ -f "$BATS_TEST_TMPDIR/.podman-used" ]] || return 0
    podman_t rmi -a -f >/dev/null 2>&1 || true
    local dir _id _parent _dev _root mnt _rest
    dir=$(realpath -m "$BATS_TEST_TMPDIR/podman")
    while read -r _id _parent _dev _root mnt _rest; do
        mnt=$(printf '%b' "${mnt//\\/\\0}")
        [[ "$mnt" == "$dir" || "$mnt" == "$dir"/* ]] && echo "$mnt"
    done </proc/self/mountinfo | sort -r | while read -r mnt; do
        umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null || true
    done
}
