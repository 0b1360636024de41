#!/usr/bin/env bats
#
# cp (both ways, running and stopped containers, tar streams, -a, -L, hostile
# symlinks), export and diff.

load helpers
load helpers.build

setup_file() {
    file_setup
    start_registry
    seed_alpine library/alpine:latest
}

setup() {
    basic_setup
    export CCONTAINER_REGISTRY_MIRROR=http://$REGISTRY
    run_cc pull -q alpine
}

teardown() {
    remove_all_containers
    basic_teardown
}

# a stopped container with hostile symlinks: /etc/x -> /etc/shadow,
# /tmp/escape -> /, /lnk -> /etc (a symlinked parent)
hostile() {
    run_cc run --name "$1" alpine sh -c "echo inside >/etc/inside; echo $1 >/etc/inside-$1; ln -s /etc/shadow /etc/x; ln -s / /tmp/escape; ln -s /etc /lnk; mkdir -p /d/sub; echo deep >/d/sub/f; chown 7:8 /d/sub/f"
}

@test "cp out of and into a stopped container: files, directories, tar streams" {
    hostile s1
    local out=$BATS_TEST_TMPDIR/out
    mkdir -p "$out"
    run_cc cp s1:/etc/inside "$out/inside.txt"
    is "$(cat "$out/inside.txt")" "inside"
    run_cc cp s1:/d "$out/"
    is "$(cat "$out/d/sub/f")" "deep"
    is "$(stat -c %u:%g "$out/d/sub/f")" "$(id -u):$(id -g)" "owned by the caller"
    run_cc cp -a s1:/d "$out/da"
    is "$(stat -c %u:%g "$out/da/sub/f")" "7:8" "-a keeps the owner"
    run_cc cp s1:/d/. "$out/contents"
    is "$(cat "$out/contents/sub/f")" "deep"
    # a tar stream on stdout
    run_cc cp s1:/d - >/dev/null
    "$CC" --root "$CC_ROOT" cp s1:/d - | tar -t | sort >"$out/list"
    is "$(cat "$out/list")" $'d/\nd/sub/\nd/sub/f'
    # into it
    echo host >"$out/h.txt"
    chown 5:6 "$out/h.txt"
    mkdir -p "$out/hd/x"; echo y >"$out/hd/x/y"
    run_cc cp "$out/h.txt" s1:/root/
    run_cc cp "$out/hd" s1:/newdir
    run_cc cp -a "$out/h.txt" s1:/keep.txt
    printf 'from tar\n' >"$out/t1"
    tar -C "$out" -cf "$out/in.tar" t1
    CC_STDIN=$out/in.tar run_cc cp - s1:/tmp
    run_cc start -a s1 >/dev/null || true
    run_cc run --rm alpine true
    run_cc cp s1:/root/h.txt "$out/back1"
    is "$(cat "$out/back1")" "host"
    run_cc cp -a s1:/root/h.txt "$out/back2"
    is "$(stat -c %u:%g "$out/back2")" "0:0" "into the container: root-owned"
    run_cc cp -a s1:/keep.txt "$out/back3"
    is "$(stat -c %u:%g "$out/back3")" "5:6" "-a kept the host file's owner"
    run_cc cp s1:/newdir/x/y "$out/back4"
    is "$(cat "$out/back4")" "y"
    run_cc cp s1:/tmp/t1 "$out/back5"
    is "$(cat "$out/back5")" "from tar"
    assert_file_absent "$CC_ROOT"/containers/*/merged
}

@test "cp in and out of a running container" {
    run_cc run -d --name r1 alpine sleep 60
    local out=$BATS_TEST_TMPDIR/out
    mkdir -p "$out"
    echo live >"$out/live.txt"
    run_cc cp "$out/live.txt" r1:/tmp/live.txt
    run_cc exec r1 cat /tmp/live.txt
    is "$output" "live"
    run_cc exec r1 stat -c %u:%g /tmp/live.txt
    is "$output" "0:0"
    run_cc exec r1 sh -c 'mkdir -p /w/a && echo run >/w/a/b && ln -s /etc/hostname /w/l'
    run_cc cp r1:/w "$out/w"
    is "$(cat "$out/w/a/b")" "run"
    is "$(readlink "$out/w/l")" "/etc/hostname" "a symlink stays a symlink"
    run_cc cp r1:/w/l "$out/l1"
    [ -L "$out/l1" ]
    run_cc cp -L r1:/w/l "$out/l2"
    [ ! -L "$out/l2" ]
    run_cc exec r1 cat /etc/hostname
    is "$(cat "$out/l2")" "$output" "-L: the container's file, not the host's"
}

@test "cp: hostile symlinks never reach the host" {
    hostile h1
    run_cc run -d --name h2 alpine sh -c 'echo h2 >/etc/inside-h2; ln -s /etc/shadow /etc/x; ln -s / /tmp/escape; ln -s /etc /lnk; sleep 60'
    local out=$BATS_TEST_TMPDIR/out
    mkdir -p "$out"
    local shadow_sum shadow_mtime
    shadow_sum=$(sha256sum /etc/shadow)
    shadow_mtime=$(stat -c %Y /etc/shadow)
    echo evil >"$out/evil"
    for c in h1 h2; do
        # out, following the link: the container's /etc/shadow, never the host's
        run_cc cp -L $c:/etc/x "$out/x-$c"
        run_cc exec h2 cat /etc/shadow
        local inner=$output
        is "$(cat "$out/x-$c")" "$(if [ $c = h2 ]; then echo "$inner"; else cat "$out/x-$c"; fi)"
        isnt "$(sha256sum <"$out/x-$c")" "$(sha256sum </etc/shadow)" "not the host's shadow"
        run_cc cp $c:/etc/x "$out/xl-$c"
        is "$(readlink "$out/xl-$c")" "/etc/shadow" "without -L the link itself"
        # in, through the links
        run_cc cp "$out/evil" $c:/etc/x
        run_cc cp "$out/evil" $c:/tmp/escape/etc/evil-$c
        run_cc cp "$out/evil" $c:/lnk/evil2-$c
        run_cc cp "$out/evil" $c:/tmp/escape/
        [ ! -e /etc/evil-$c ]
        [ ! -e /etc/evil2-$c ]
        run_cc cp $c:/tmp/escape/etc/evil-$c "$out/e-$c"
        is "$(cat "$out/e-$c")" "evil" "landed in the container's /etc"
        run_cc cp $c:/lnk/evil2-$c "$out/e2-$c"
        is "$(cat "$out/e2-$c")" "evil"
        # ".." stops at the container's root
        run_cc cp -L $c:/lnk/../../../../etc/inside-$c "$out/in-$c"
        is "$(cat "$out/in-$c")" "$c"
    done
    [ ! -e /evil ]
    is "$(sha256sum /etc/shadow)" "$shadow_sum" "the host's shadow untouched"
    is "$(stat -c %Y /etc/shadow)" "$shadow_mtime"
    # a tar stream whose entries try to leave: a symlink then a file through it
    mkdir -p "$out/t"; ln -s /etc "$out/t/up"
    python3 - "$out/bad.tar" <<'PY'
import sys, tarfile, io
with tarfile.open(sys.argv[1], "w") as t:
    i = tarfile.TarInfo("up"); i.type = tarfile.SYMTYPE; i.linkname = "/etc"; t.addfile(i)
    data = b"pwned\n"
    i = tarfile.TarInfo("up/pwned-by-tar"); i.size = len(data); t.addfile(i, io.BytesIO(data))
PY
    CC_STDIN=$out/bad.tar run_cc cp - h1:/tmp
    [ ! -e /etc/pwned-by-tar ]
    run_cc cp h1:/etc/pwned-by-tar "$out/p"
    is "$(cat "$out/p")" "pwned" "inside the container's own /etc"
}

@test "cp errors: docker's messages and statuses" {
    run_cc run --name e1 alpine true
    run_cc 1 cp e1:/nope "$BATS_TEST_TMPDIR/x"
    is "$stderr" "Error: Could not find the file /nope in container e1"
    run_cc 1 cp "$BATS_TEST_TMPDIR" e1:/no/such/dir
    assert_contains "$stderr" "Could not find the file /no/such/dir in container e1"
    run_cc 1 cp /etc/hostname nosuch:/tmp
    assert_contains "$stderr" "No such container"
    run_cc 1 cp a b
    is "$stderr" "Error: must specify at least one container source"
    run_cc 1 cp e1:/a e1:/b
    is "$stderr" "Error: copying between containers is not supported"
    run_cc 1 cp /nonexistent e1:/tmp
    assert_contains "$stderr" "/nonexistent"
    run_cc 1 cp e1:/etc "$BATS_TEST_TMPDIR/nodir/x"
    run_cc 1 cp e1:/etc /etc/hostname
    assert_contains "$stderr" "cannot copy a directory to a file"
    run_cc 125 cp --bogus e1:/a b
}

@test "export: the container's filesystem as a tar" {
    run_cc run --name x1 alpine sh -c 'echo exported >/root/e.txt; rm /etc/motd'
    run_cc export -o "$BATS_TEST_TMPDIR/x1.tar" x1
    tar -tf "$BATS_TEST_TMPDIR/x1.tar" | sort >"$BATS_TEST_TMPDIR/list"
    grep -qx 'root/e.txt' "$BATS_TEST_TMPDIR/list"
    grep -qx 'bin/busybox' "$BATS_TEST_TMPDIR/list"
    ! grep -qx 'etc/motd' "$BATS_TEST_TMPDIR/list"
    is "$(tar -xOf "$BATS_TEST_TMPDIR/x1.tar" root/e.txt)" "exported"
    # the same through stdout, and a running container (its /proc is not exported)
    run_cc run -d --name x2 alpine sleep 60
    "$CC" --root "$CC_ROOT" export x2 >"$BATS_TEST_TMPDIR/x2.tar"
    tar -tf "$BATS_TEST_TMPDIR/x2.tar" | grep -qx 'bin/busybox'
    ! tar -tf "$BATS_TEST_TMPDIR/x2.tar" | grep -q '^proc/.'
    run_cc 1 export nosuch
    assert_contains "$stderr" "No such container"
    [ ! -e "$BATS_TEST_TMPDIR/x1.tar.tmp"* ]
}

@test "diff: A, C and D from the upper dir, whiteouts and opaque dirs understood" {
    run_cc create --name d1 alpine true
    run_cc diff d1
    is "$output" ""
    run_cc run --name d2 alpine sh -c 'echo new >/root/added; echo x >>/etc/profile; rm /etc/motd; rm -rf /etc/apk; mkdir /etc/apk; touch /etc/apk/n'
    run_cc diff d2
    assert_line_match "$output" '^A /root/added$'
    assert_line_match "$output" '^C /root$'
    assert_line_match "$output" '^C /etc/profile$'
    assert_line_match "$output" '^D /etc/motd$'
    assert_line_match "$output" '^C /etc$'
    assert_line_match "$output" '^D /etc/apk$'
    assert_line_match "$output" '^A /etc/apk/n$'
    run_cc container diff d2
    run_cc 1 diff nosuch
}

@test "history of a built image: docker's columns, the recipe's steps newest first" {
    local ctx
    ctx=$(new_context ctx)
    head -c 300000 /dev/urandom >"$ctx/blob"
    recipe "$ctx" <<'REC'
FROM alpine
ENV A=1
COPY blob /blob
RUN echo a-long-command-line-that-docker-cuts-at-forty-five-columns >/x
LABEL l=v
REC
    build_ok -t hist "$ctx"
    run_cc history hist
    assert_match "${lines[0]}" '^IMAGE +CREATED +CREATED BY +SIZE +COMMENT$'
    assert_match "${lines[1]}" "^${ID:0:12} "
    assert_contains "${lines[1]}" "LABEL l=v"
    assert_match "${lines[1]}" ' 0B '
    assert_contains "${lines[2]}" "RUN"
    assert_contains "${lines[2]}" "…"
    assert_match "${lines[2]}" '^<missing> '
    assert_contains "${lines[3]}" "COPY blob /blob"
    assert_match "${lines[3]}" ' 30[0-9]kB '
    assert_contains "${lines[4]}" "ENV A=1"
    run_cc history --no-trunc --format '{{.ID}}|{{.CreatedBy}}|{{.Size}}' -H=false hist
    is "${lines[0]%%|*}" "sha256:$ID"
    assert_contains "${lines[1]}" "a-long-command-line-that-docker-cuts-at-forty-five-columns"
    assert_match "${lines[2]}" '\|30[0-9]{4}$'
    run_cc history -q hist
    is "${lines[0]}" "${ID:0:12}"
    is "${lines[1]}" "<missing>"
    run_cc image history --format json hist
    assert_contains "${lines[0]}" '"CreatedBy"'
    run_cc 1 history nosuch
}
