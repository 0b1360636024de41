#!/usr/bin/env bats
#
# Malicious images (issue 13), served by the loopback registry: whiteouts
# and opaque markers through symlinks, device nodes, overlay xattrs forged
# in the tar, passwd files that are loops or devices.  The escapes by "..",
# absolute names, symlink-then-file and hard links out are in 010-pull.bats
# (check_no_escape); bombs in 025-store-limits.bats; the probes from inside
# a running container in 045-escapes.bats.  Whatever an image holds, the
# host stays as it was, and the store stays consistent (system check).

load helpers

setup_file() {
    file_setup
    start_registry
    # a layer that whites out and makes opaque through symlinks out of the root
    seed_json test/wh-symlink '{"images": [{"layers": [ALPINE_LAYER,
      {"compression": "gzip", "entries": [
        {"type": "symlink", "path": "wl", "target": "/etc"},
        {"type": "whiteout", "path": "wl/passwd"},
        {"type": "opaque", "path": "wl"},
        {"type": "symlink", "path": "rl", "target": "../../../../../../../../etc"},
        {"type": "whiteout", "path": "rl/hostname"},
        {"type": "opaque", "path": "rl"},
        {"type": "file", "path": "marker", "content": "layer 2\n"}]}]}]}'
    seed_json test/devices '{"images": [{"layers": [ALPINE_LAYER,
      {"compression": "gzip", "entries": [
        {"type": "chardev", "path": "mem", "major": 1, "minor": 1},
        {"type": "chardev", "path": "kmsg", "major": 1, "minor": 11},
        {"type": "blockdev", "path": "disk", "major": 8, "minor": 0},
        {"type": "blockdev", "path": "loop", "major": 7, "minor": 0},
        {"type": "fifo", "path": "fifo"}]}]}]}'
    seed_json test/xattrs '{"images": [{"layers": [ALPINE_LAYER,
      {"compression": "gzip", "entries": [
        {"type": "dir", "path": "etc", "xattrs": {"trusted.overlay.opaque": "y"}},
        {"type": "dir", "path": "redir", "xattrs": {"trusted.overlay.redirect": "/etc"}},
        {"type": "file", "path": "meta", "content": "m", "xattrs": {"trusted.overlay.metacopy": "",
                                                                 "trusted.overlay.origin": "x"}},
        {"type": "file", "path": "kept", "content": "k", "xattrs": {"user.note": "fine"}}]}]}]}'
    seed_json test/pw-loop '{"images": [{"layers": [ALPINE_LAYER,
      {"compression": "gzip", "entries": [
        {"type": "symlink", "path": "etc/passwd", "target": "passwd"}]}]}]}'
    seed_json test/pw-zero '{"images": [{"layers": [ALPINE_LAYER,
      {"compression": "gzip", "entries": [
        {"type": "symlink", "path": "etc/passwd", "target": "/dev/zero"},
        {"type": "symlink", "path": "etc/group", "target": "../../../../dev/urandom"}]}]}]}'
    seed_json test/pw-fifo '{"images": [{"layers": [ALPINE_LAYER,
      {"compression": "gzip", "entries": [
        {"type": "fifo", "path": "etc/passwd"}]}]}]}'
}

setup() {
    basic_setup
    skip_if_not_root "images with devices and xattrs need root"
}

teardown() {
    remove_all_containers
    basic_teardown
}

host_state() {
    sha256sum /etc/passwd /etc/hostname
    getfattr --absolute-names -d -m 'trusted\.overlay' /etc 2>/dev/null
    stat -c '%n %F' /etc/passwd /etc/hostname
}

@test "malicious: whiteouts and opaque markers through symlinks leave the host alone" {
    local before
    before=$(host_state)
    run_cc '?' pull "$REGISTRY/test/wh-symlink"
    is "$(host_state)" "$before" "the host's /etc"
    if ((status == 0)); then
        run_cc run --rm --network none "$REGISTRY/test/wh-symlink" sh -c 'cat /marker; grep -c root /etc/passwd; ls /etc | wc -l'
        is "${lines[0]}" "layer 2"
        isnt "${lines[2]}" "0" "the image's /etc made empty"
        run_cc system check
    else
        is "$status" 1
        run_cc system check
    fi
}

@test "malicious: device nodes in a layer are unusable in the container" {
    run_cc pull "$REGISTRY/test/devices"
    run_cc run --rm --network none "$REGISTRY/test/devices" sh -c '
        for d in mem kmsg disk loop; do head -c1 /$d >/dev/null 2>&1 && echo "$d=read" || echo "$d=denied"; done'
    for d in mem kmsg disk loop; do
        assert_line_match "$output" "^$d=denied$"
    done
    run_cc system check
}

@test "malicious: overlay xattrs forged in the tar are dropped" {
    run_cc pull "$REGISTRY/test/xattrs"
    run_cc inspect "$REGISTRY/test/xattrs"
    local dir
    dir=$(jq -r '.[0].Layers[-1].Dir' <<<"$output")
    [[ -d "$dir" ]] || die "no layer dir '$dir'"
    run getfattr --absolute-names -R -d -m 'trusted\.overlay' "$dir"
    is "$output" "" "trusted.overlay.* in the layer"
    # a forged opaque does not hide the lower /etc, a forged redirect leads nowhere
    run_cc run --rm --network none "$REGISTRY/test/xattrs" sh -c 'ls /etc/passwd; ls /redir | wc -l; cat /kept'
    assert_contains "$output" "/etc/passwd"
    is "${lines[1]}" "0" "entries in /redir"
    run_cc system check
}

@test "malicious: a passwd that loops, is a device or a FIFO: one clear error at once" {
    local img
    for img in pw-loop pw-zero pw-fifo; do
        run_cc pull -q "$REGISTRY/test/$img"
    done
    CC_TIMEOUT=20 run_cc 125 run --rm --network none "$REGISTRY/test/pw-loop" id
    is "$stderr" "Error: open the container's '/etc/passwd': Too many levels of symbolic links"
    CC_TIMEOUT=20 run_cc 125 run --rm --network none "$REGISTRY/test/pw-zero" id
    is "$stderr" "Error: the container's '/etc/passwd' is not a regular file"
    CC_TIMEOUT=20 run_cc 125 run --rm --network none -u 0:0 "$REGISTRY/test/pw-zero" id
    is "$stderr" "Error: the container's '/etc/passwd' is not a regular file"
    CC_TIMEOUT=20 run_cc 125 run --rm --network none "$REGISTRY/test/pw-fifo" id
    is "$stderr" "Error: the container's '/etc/passwd' is not a regular file"
    # a numeric user is looked up in passwd too (runc's rules): same error
    CC_TIMEOUT=20 run_cc 125 run --rm --network none -u 1234:1234 "$REGISTRY/test/pw-zero" id
    is "$stderr" "Error: the container's '/etc/passwd' is not a regular file"
}
