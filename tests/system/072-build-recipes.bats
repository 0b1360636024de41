#!/usr/bin/env bats
#
# ccontainer build: what real recipes expect (issue 19) — RUN --network and
# --security, ADD of http(s) URLs (served from a loopback python
# http.server), WORKDIR made in the image and owned by USER, ONBUILD
# accumulating, optional globs, BuildKit's exec-form fallback, the default
# PATH, a directory replaced by a symlink, hard links, symbolic --chmod,
# directories excluded by .dockerignore, and messages.  Each from a recipe
# of its own; where buildah (the peer installed here) can build the same
# recipe, its output is compared (buildah 1.28 with vfs and chroot
# isolation; where it differs from BuildKit, BuildKit's documented
# behaviour is what counts, and the test says so).

load helpers
load helpers.build

setup_file() {
    file_setup
    start_registry
    seed_alpine library/alpine:latest
    # the files ADD fetches: a loopback web server of this file's own
    WEB_DIR=$BATS_FILE_TMPDIR/web
    mkdir -p "$WEB_DIR/dl"
    printf 'tool v1\n' >"$WEB_DIR/dl/tool.sh"
    touch -d '2001-02-03 04:05:06 UTC' "$WEB_DIR/dl/tool.sh"
    printf 'other\n' >"$WEB_DIR/dl/other.txt"
    local port pid i
    for _ in 1 2 3 4 5; do
        port=$(free_port)
        python3 -m http.server --bind 127.0.0.1 --directory "$WEB_DIR" "$port" \
            </dev/null >"$BATS_FILE_TMPDIR/web.log" 2>&1 3>&- &
        pid=$!
        _service_record "$pid" "http.server" ""
        for ((i = 0; i < 50; i++)); do
            curl -fsS -o /dev/null "http://127.0.0.1:$port/dl/tool.sh" 2>/dev/null && break 2
            sleep 0.1
        done
        _service_stop "$pid" "http.server"
    done
    export WEB_DIR WEB="127.0.0.1:$port"
}

teardown_file() {
    file_teardown
}

setup() {
    basic_setup
    skip_if_not_root "build needs root (mounts, namespaces)"
    export CCONTAINER_REGISTRY_MIRROR=http://$REGISTRY
}

teardown() {
    local rc=0
    buildah_cleanup
    assert_store_tmp_empty || rc=1
    basic_teardown || rc=1
    return $rc
}

# buildah_bud CTX: build CTX's Containerfile with buildah (its own vfs store
# under the test dir, chroot isolation, the loopback registry as "alpine");
# $output is what it printed, $status its exit code.
buildah_bud() {
    local ctx=$1
    sed -e "s|^FROM alpine|FROM $REGISTRY/library/alpine|" "$ctx/Containerfile" >"$ctx/Containerfile.buildah"
    echo "$BATS_TEST_TMPDIR" >>"$BATS_TEST_TMPDIR/.buildah-used"
    status=0
    output=$(timeout 300 env -u REGISTRY_AUTH_FILE buildah --root "$BATS_TEST_TMPDIR/buildah" \
        --runroot "$BATS_TEST_TMPDIR/buildah-run" --storage-driver vfs bud --tls-verify=false \
        --isolation chroot --layers=false -f "$ctx/Containerfile.buildah" "$ctx" 2>&1) || status=$?
    printf '%s\n' "$output" | sed -e 's/^/[buildah] /'
}

buildah_cleanup() {
    [[ -f "$BATS_TEST_TMPDIR/.buildah-used" ]] || return 0
    timeout 60 buildah --root "$BATS_TEST_TMPDIR/buildah" --runroot "$BATS_TEST_TMPDIR/buildah-run" \
        --storage-driver vfs rmi -a -f >/dev/null 2>&1 || true
}

# the lines of $1 that start with "$2" (RUN output markers), in order
marked() {
    grep -E "^$2" <<<"$1" || true
}

###############################################################################
# RUN --network, --security

@test "build recipes: RUN --network=none|host|default per step, --security=sandbox, insecure refused" {
    local ctx
    ctx=$(new_context network)
    recipe "$ctx" <<'EOF'
FROM alpine
RUN --network=none echo "none: $(ls /sys/class/net | tr '\n' ' ')"
RUN --network=host echo "host: $(ls /sys/class/net | tr '\n' ' ')"
RUN --network=default --security=sandbox echo "default: $(ls /sys/class/net | grep -c eth0)"
RUN echo "build's: $(ls /sys/class/net | tr '\n' ' ')"
EOF
    build_ok --network none "$ctx"
    assert_line_match "$output" '^none: lo $' "--network=none: only lo"
    is "$(marked "$output" 'host: ')" "host: $(ls /sys/class/net | tr '\n' ' ')" "--network=host: the host's interfaces"
    assert_line_match "$output" '^default: 0$' "--network=default: the build's (--network none here)"
    assert_line_match "$output" "^build's: lo $" "no flag: the build's network"

    # the flag is part of the step: a different network is a different step
    sed -i 's/^RUN --network=none /RUN --network=host /' "$ctx/Containerfile"
    build_ok --network none "$ctx"
    is "$(marked "$output" 'none: ')" "none: $(ls /sys/class/net | tr '\n' ' ')" "no cached result for another network"

    recipe "$ctx" <<'EOF'
FROM alpine
RUN --security=insecure echo never
EOF
    run_cc 1 build "$ctx"
    is "${stderr_lines[-1]}" "Error: $ctx/Containerfile:2: RUN --security=insecure: the security.insecure entitlement is not granted (ccontainer build never grants it)" \
        "insecure is refused before anything runs"
    assert_not_contains "$output" "never" "nothing ran"

    recipe "$ctx" <<'EOF'
FROM alpine
RUN --network=bridge echo never
EOF
    run_cc 1 build "$ctx"
    assert_line_match "$stderr" 'Containerfile:2: invalid network mode "bridge" \(RUN --network takes default, none or host\)$' \
        "BuildKit's values only"
}

###############################################################################
# ADD of a URL

@test "build recipes: ADD http(s) URL — name, 0600, Last-Modified mtime, --checksum, --chown/--chmod, cache" {
    local ctx sum
    ctx=$(new_context add-url)
    sum=$(sha256sum "$WEB_DIR/dl/tool.sh" | cut -d' ' -f1)
    recipe "$ctx" <<EOF
FROM alpine
ADD http://$WEB/dl/tool.sh /opt/
ADD http://$WEB/dl/tool.sh?version=1 /usr/local/bin/renamed
ADD --checksum=sha256:$sum --chown=nobody:nobody --chmod=0755 http://$WEB/dl/tool.sh /srv/
ADD http://$WEB/dl/other.txt http://$WEB/dl/tool.sh /multi/
RUN stat -c 'f %n %a %U %Y %s' /opt/tool.sh /usr/local/bin/renamed /srv/tool.sh /multi/other.txt /multi/tool.sh
EOF
    build_ok "$ctx"
    assert_line_match "$output" '^f /opt/tool.sh 600 root 981173106 8$' "name from the URL, 0600, mtime from Last-Modified"
    assert_line_match "$output" '^f /usr/local/bin/renamed 600 root 981173106 8$' "a destination without / is the file"
    assert_line_match "$output" '^f /srv/tool.sh 755 nobody 981173106 8$' "--checksum verified; --chown and --chmod apply"
    assert_line_match "$output" '^f /multi/other.txt 600 root ' "several URLs into a directory"

    # the same recipe again: the content did not change, every step cached
    build_ok "$ctx"
    assert_no_line_match "$output" '^f ' "cached (RUN did not run again)"
    # the content changed: the ADD runs again (the URL's content is in the key)
    printf 'tool v2\n' >"$WEB_DIR/dl/other.txt"
    build_ok "$ctx"
    assert_line_match "$output" '^f /multi/other.txt 600 root ' "a changed download misses the cache"

    # compare with buildah (1.28 has no --checksum: a recipe without it)
    recipe "$ctx" <<EOF
FROM alpine
ADD http://$WEB/dl/tool.sh /opt/
ADD http://$WEB/dl/tool.sh?version=1 /usr/local/bin/renamed
RUN stat -c 'f %n %a %U %Y %s' /opt/tool.sh /usr/local/bin/renamed
EOF
    build_ok "$ctx"
    local ours
    ours=$(marked "$output" 'f ')
    is "$(wc -l <<<"$ours")" 2 "our two lines"
    buildah_bud "$ctx"
    ((status == 0)) || die "buildah failed"
    is "$(marked "$output" 'f ')" "$ours" "buildah agrees: names, 0600, Last-Modified"
}

@test "build recipes: ADD --checksum mismatch, a missing URL, git URLs and --keep-git-dir refused" {
    local ctx
    ctx=$(new_context add-url-bad)
    recipe "$ctx" <<EOF
FROM alpine
RUN echo before
ADD --checksum=sha256:0000000000000000000000000000000000000000000000000000000000000000 http://$WEB/dl/tool.sh /opt/
EOF
    run_cc 1 build "$ctx"
    assert_line_match "$stderr" "^Error: building at STEP \"ADD --checksum=.*\": ADD 'http://$WEB/dl/tool.sh': checksum mismatch: expected sha256:0{64}, got sha256:[0-9a-f]{64}$" \
        "checksum verified before the layer"
    # nothing of the ADD in the store: only alpine's layer and RUN's
    is "$(store_counts | cut -d' ' -f1)" 2 "a failed ADD leaves no layer"

    recipe "$ctx" <<EOF
FROM alpine
ADD http://$WEB/dl/missing.sh /opt/
EOF
    run_cc 1 build "$ctx"
    assert_line_match "$stderr" "ADD 'http://$WEB/dl/missing.sh': invalid response status 404$" "404"

    recipe "$ctx" <<'EOF'
FROM alpine
ADD https://github.com/moby/buildkit.git#v0.12.0 /src
EOF
    run_cc 1 build "$ctx"
    is "${stderr_lines[-1]}" "Error: $ctx/Containerfile:2: ADD of a git repository is not supported ('https://github.com/moby/buildkit.git#v0.12.0')" "git URL"
    recipe "$ctx" <<'EOF'
FROM alpine
ADD --keep-git-dir=true https://github.com/moby/buildkit.git /src
EOF
    run_cc 1 build "$ctx"
    is "${stderr_lines[-1]}" "Error: $ctx/Containerfile:2: ADD --keep-git-dir is not supported: ccontainer does not ADD git repositories" "--keep-git-dir"
}

###############################################################################
# WORKDIR

@test "build recipes: WORKDIR makes its directory owned by USER (USER nobody, the Node pattern)" {
    local ctx
    ctx=$(new_context workdir)
    mkdir -p "$ctx/src"
    echo '{"name":"app"}' >"$ctx/package.json"
    echo 'console.log(1)' >"$ctx/src/index.js"
    recipe "$ctx" <<'EOF'
FROM alpine
RUN adduser -D -u 1000 node
USER nobody
WORKDIR /app
RUN touch /app/x && stat -c 'w %n %U:%G %a' /app /app/x
USER node
WORKDIR /home/node/app
COPY --chown=node:node package.json ./
COPY --chown=node:node src ./src
RUN touch made-by-node && stat -c 'w %n %U:%G' /home/node/app /home/node/app/package.json /home/node/app/src made-by-node
WORKDIR /unused/by/anyone
EOF
    build_ok -t wd "$ctx"
    assert_line_match "$output" '^w /app nobody:nobody 755$' "USER nobody + WORKDIR /app: nobody's"
    assert_line_match "$output" '^w /app/x nobody:nobody 644$' "RUN touch /app/x works"
    assert_line_match "$output" '^w /home/node/app node:node$' "the Node pattern"
    assert_line_match "$output" '^w /home/node/app/src node:node$' "COPY --chown"
    assert_line_match "$output" '^w made-by-node node:node$' "node writes in its WORKDIR"
    run_cc run --rm --network none --user root wd stat -c '%U:%G %a' /unused/by/anyone /unused
    is "$output" $'node:node 755\nnode:node 755' "an unused WORKDIR exists too, owned by USER (parents as well, as BuildKit)"
    # an existing directory is left as it is, and adds no layer
    recipe "$ctx" <<'EOF'
FROM alpine
USER nobody
WORKDIR /tmp
EOF
    build_ok -t wd2 "$ctx"
    is "$(image_field wd2 '[0]["RootFS"]["Layers"].__len__()')" 1 "WORKDIR of an existing directory: no layer"
    run_cc run --rm --network none wd2 stat -c '%U %a' /tmp
    is "$output" "root 1777" "left as it was"

    ctx=$(new_context workdir-buildah)
    recipe "$ctx" <<'EOF'
FROM alpine
USER nobody
WORKDIR /app
RUN touch /app/x && stat -c 'w %n %U:%G' /app /app/x
EOF
    build_ok "$ctx"
    local ours
    ours=$(marked "$output" 'w ')
    buildah_bud "$ctx"
    ((status == 0)) || die "buildah failed"
    is "$ours" "$(marked "$output" 'w ')" "buildah agrees"
}

###############################################################################
# ONBUILD

@test "build recipes: every ONBUILD accumulates in order, followed by other instructions; triggers run downstream" {
    local ctx
    ctx=$(new_context onbuild)
    recipe "$ctx" <<'EOF'
FROM alpine
ONBUILD RUN echo first > /first
ONBUILD ENV SECOND=2
LABEL after=onbuild
ONBUILD RUN echo "third: $SECOND"
CMD ["sh"]
EOF
    build_ok -t parent "$ctx"
    is "$(image_field parent '[0]["Config"]["OnBuild"]')" \
        '["RUN echo first > /first","ENV SECOND=2","RUN echo \"third: $SECOND\""]' "all three, in order"
    local child
    child=$(new_context onbuild-child)
    recipe "$child" <<'EOF'
FROM parent
RUN cat /first
EOF
    build_ok -t child "$child"
    assert_line_match "$output" '^third: 2$' "the triggers ran, in order"
    assert_line_match "$output" '^first$' "before the child's own steps"
    is "$(image_py child 'd[0]["Config"].get("OnBuild")')" "null" "triggers do not pass to grandchildren"
}

###############################################################################
# Globs, exec form, PATH

@test "build recipes: an optional glob that matches nothing (COPY package.json yarn.lock* ./)" {
    local ctx
    ctx=$(new_context glob)
    echo '{}' >"$ctx/package.json"
    recipe "$ctx" <<'EOF'
FROM alpine
WORKDIR /app
COPY package.json yarn.lock* ./
RUN echo "g $(ls /app | tr '\n' ' ')"
EOF
    build_ok "$ctx"
    assert_line_match "$output" '^g package.json $' "what matches is copied"
    local ours
    ours=$(marked "$output" 'g ')
    buildah_bud "$ctx"
    ((status == 0)) || die "buildah failed"
    is "$(marked "$output" 'g ')" "$ours" "buildah agrees"

    recipe "$ctx" <<'EOF'
FROM alpine
COPY yarn.lock* *.nomatch /app/
EOF
    run_cc 1 build "$ctx"
    is "${stderr_lines[-1]}" "Error: $ctx/Containerfile:2: COPY: no source files were specified ('yarn.lock*' matches nothing in the build context)" \
        "nothing matches at all: docker's error"
}

@test "build recipes: exec form that is not JSON is the shell form (BuildKit)" {
    local ctx
    ctx=$(new_context execform)
    recipe "$ctx" <<'EOF'
FROM alpine
RUN [ "a" = "a" ] && echo same
RUN ["echo", "exec", "$HOME"]
SHELL ["/bin/sh", "-c"]
CMD [ "$HOME" != "" ] && echo cmd-shell-form
ENTRYPOINT [ -n "x" ] && exec "$0" "$@"
EOF
    build_ok -t ef "$ctx"
    assert_line_match "$output" '^same$' "RUN [ ... ] && ...: shell form"
    assert_line_match "$output" '^exec \$HOME$' "valid JSON stays the exec form"
    is "$(image_field ef '[0]["Config"]["Cmd"]')" '["/bin/sh","-c","[ \"$HOME\" != \"\" ] && echo cmd-shell-form"]' "CMD"
    is "$(image_field ef '[0]["Config"]["Entrypoint"]')" '["/bin/sh","-c","[ -n \"x\" ] && exec \"$0\" \"$@\""]' "ENTRYPOINT"
    local ours
    ours=$(marked "$output" 'same')
    buildah_bud "$ctx"
    ((status == 0)) || die "buildah failed"
    is "$(marked "$output" 'same')" "$ours" "buildah agrees"

    recipe "$ctx" <<'EOF'
FROM alpine
CMD ["a", 1]
EOF
    run_cc 1 build "$ctx"
    is "${stderr_lines[-1]}" "Error: $ctx/Containerfile:2: CMD: when using JSON array syntax, arrays must be comprised of strings only" \
        "a JSON array of other things is an error (BuildKit's)"
}

@test "build recipes: the default PATH when the base image has none" {
    local ctx
    ctx=$(new_context nopath)
    # a base without PATH (without any Env): alpine's layer in a docker
    # archive whose config has none, loaded
    run_cc pull alpine
    local blob
    blob=$(image_py alpine 'd[0]["Layers"][0]["Digest"].split(":")[1]')
    python3 - "$CC_ROOT/blobs/sha256/$blob" "$BATS_TEST_TMPDIR/bare.tar" <<'PY'
import gzip, hashlib, io, json, sys, tarfile
layer = gzip.open(sys.argv[1]).read()
diff = "sha256:" + hashlib.sha256(layer).hexdigest()
cfg = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Cmd": ["/bin/sh"]},
                  "rootfs": {"type": "layers", "diff_ids": [diff]}}).encode()
man = json.dumps([{"Config": "config.json", "RepoTags": ["bare:latest"], "Layers": ["layer.tar"]}]).encode()
with tarfile.open(sys.argv[2], "w") as t:
    for name, data in (("config.json", cfg), ("layer.tar", layer), ("manifest.json", man)):
        i = tarfile.TarInfo(name)
        i.size = len(data)
        t.addfile(i, io.BytesIO(data))
PY
    run_cc load -i "$BATS_TEST_TMPDIR/bare.tar"
    is "$(image_py bare:latest 'd[0]["Config"].get("Env")')" "null" "the loaded base has no Env"
    recipe "$ctx" <<'EOF'
FROM bare
ENV PATH=/opt/bin:$PATH
RUN mkdir /made && echo "path $PATH"
EOF
    build_ok -t withpath "$ctx"
    assert_line_match "$output" '^path /opt/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin$' \
        "ENV PATH=/opt/bin:\$PATH then RUN mkdir works"
    # without ENV: the config gets the default PATH, as BuildKit's and buildah's
    recipe "$ctx" <<'EOF'
FROM bare
RUN mkdir /made
EOF
    build_ok -t defpath "$ctx"
    is "$(image_py defpath '[e for e in d[0]["Config"]["Env"] if e.startswith("PATH=")]')" \
        '["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]' "the default PATH in the config"
}

###############################################################################
# COPY: symlinks over directories, hard links, --chmod, excluded directories

@test "build recipes: COPY replaces a directory with a symlink, as docker" {
    local ctx
    ctx=$(new_context symdir)
    mkdir -p "$ctx/one/d" "$ctx/two"
    echo x >"$ctx/one/d/file"
    ln -s /etc "$ctx/two/d"
    recipe "$ctx" <<'EOF'
FROM alpine
COPY one /t/
COPY two /t/
RUN echo "s $(readlink /t/d)"
EOF
    build_ok "$ctx"
    assert_line_match "$output" '^s /etc$' "the directory became the symlink"
    local ours
    ours=$(marked "$output" 's ')
    buildah_bud "$ctx"
    ((status == 0)) || die "buildah failed"
    is "$(marked "$output" 's ')" "$ours" "buildah agrees"
}

@test "build recipes: hard links in the context stay hard links in the layer" {
    local ctx
    ctx=$(new_context hardlinks)
    mkdir -p "$ctx/app/sub"
    echo data >"$ctx/app/a"
    ln "$ctx/app/a" "$ctx/app/b"
    ln "$ctx/app/a" "$ctx/app/sub/c"
    echo single >"$ctx/app/d"
    recipe "$ctx" <<'EOF'
FROM alpine
COPY --chmod=0640 app /app
RUN echo "h $(stat -c '%h %i' /app/a | cut -d' ' -f1) $(stat -c %i /app/a /app/b /app/sub/c | sort -u | wc -l) $(stat -c '%h %a' /app/d /app/sub/c | tr '\n' ' ')"
EOF
    build_ok -t hl "$ctx"
    assert_line_match "$output" '^h 3 1 1 640 3 640 $' "three names of one file; the other single"
    layer_entries hl -2 >"$BATS_TEST_TMPDIR/entries"
    assert_match "$(grep -c '^h app/' "$BATS_TEST_TMPDIR/entries")" '^2$' "the layer's tar has two hard link entries"
    local ours
    ours=$(marked "$output" 'h ')
    buildah_bud "$ctx"
    ((status == 0)) || die "buildah failed"
    is "$(marked "$output" 'h ')" "$ours" "buildah agrees"
}

@test "build recipes: COPY --chmod with symbolic modes (BuildKit)" {
    local ctx
    ctx=$(new_context chmod)
    mkdir -p "$ctx/bin"
    echo '#!/bin/sh' >"$ctx/bin/run"
    echo 'data' >"$ctx/bin/data"
    chmod 0644 "$ctx/bin/run" "$ctx/bin/data"
    chmod 0755 "$ctx/bin"
    recipe "$ctx" <<'EOF'
FROM alpine
COPY --chmod=u+x bin/run /x/run
COPY --chmod=go-w,a+X bin /y/
COPY --chmod=a=r bin/data /z
RUN stat -c 'm %n %a' /x/run /y /y/data /y/run /z
EOF
    build_ok "$ctx"
    assert_line_match "$output" '^m /x/run 744$' "u+x"
    assert_line_match "$output" '^m /y/data 644$' "a+X: no x on a file without any"
    assert_line_match "$output" '^m /z 444$' "a=r"
    # BuildKit applies the mode to the copied directory's contents; the
    # directory /y itself is the destination (created 0755)
    assert_line_match "$output" '^m /y 755$' "the destination directory"
}

@test "build recipes: an explicit COPY of a directory excluded by .dockerignore fails as with docker" {
    local ctx
    ctx=$(new_context excluded)
    mkdir -p "$ctx/a/b" "$ctx/a/keep"
    echo 1 >"$ctx/a/b/file"
    echo 2 >"$ctx/a/keep/file"
    printf 'a\n!a/keep\n' >"$ctx/.dockerignore"
    recipe "$ctx" <<'EOF'
FROM alpine
COPY a/b /b
EOF
    run_cc 1 build "$ctx"
    is "${stderr_lines[-1]}" "Error: $ctx/Containerfile:2: COPY: 'a/b': no such file or directory in the build context (or excluded by .dockerignore)" \
        "a/b is not in the context docker sends"
    recipe "$ctx" <<'EOF'
FROM alpine
COPY a /a
RUN find /a | sort | sed 's/^/e /'
EOF
    build_ok "$ctx"
    assert_line_match "$output" '^e /a/keep/file$' "what ! re-includes is copied"
    assert_no_line_match "$output" '^e /a/b' "the excluded part is not"
}

###############################################################################
# Messages

@test "build recipes: messages — a path missing in a --from stage, FROM of a name like an ID prefix" {
    local ctx
    ctx=$(new_context messages)
    recipe "$ctx" <<'EOF'
FROM alpine AS builder
RUN echo hi > /out
FROM alpine
COPY --from=builder /nope /x
EOF
    run_cc 1 build "$ctx"
    is "${stderr_lines[-1]}" "Error: building at STEP \"COPY --from=builder /nope /x\": 'nope': no such file or directory in stage 'builder'" \
        "the stage is named, not the build context"
    # a name that is an ambiguous ID prefix ("0" with two IDs starting 0):
    # make enough images that some hex digit starts two of them
    {
        echo "FROM alpine"
        for i in $(seq 24); do echo "LABEL l$i=$i"; done
    } >"$ctx/Containerfile"
    build_ok "$ctx"
    local prefix
    prefix=$("$CC" --root "$CC_ROOT" images -a -q --no-trunc | sed 's/^sha256://' | cut -c1 | sort | uniq -d |
        grep -E '^[0-9]$' | head -1 || true)
    [[ -n "$prefix" ]] || skip "no decimal digit starts two image IDs this time"
    run_cc '?' tag "$prefix" probe:x
    assert_contains "$stderr" "ambiguous" "'$prefix' is an ambiguous ID prefix here"
    echo "FROM $prefix" >"$ctx/Containerfile"
    run_cc 1 build "$ctx"
    assert_not_contains "$stderr" "ambiguous" "FROM never takes it for an ID prefix"
    assert_line_match "$stderr" "^Error: .*Containerfile:1: FROM $prefix: " "a pull error naming the image, as docker's"
}
