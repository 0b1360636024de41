#!/usr/bin/env bats
#
# ccontainer build (issue 7), save and load: every instruction, layers and
# whiteouts, the cache (hits, misses, mtime-only changes, ignored files),
# .dockerignore, heredocs, multi-stage, recipe errors with file and line,
# failing RUNs, the Containerfile-examples, and conformance with skopeo and
# podman.  FROM alpine comes from a loopback registry through
# CCONTAINER_REGISTRY_MIRROR; nothing else leaves the machine.  Containers
# run with --network none (build's RUN steps get a bridge address): these tests
# are about images, not networking.

load helpers
load helpers.build

setup_file() {
    file_setup
    start_registry
    seed_alpine library/alpine:latest
}

setup() {
    basic_setup
    skip_if_not_root "build needs root (mounts, namespaces)"
    export CCONTAINER_REGISTRY_MIRROR=http://$REGISTRY
    EXAMPLES=$REPO_ROOT/Containerfile-examples
    HELPER=$REPO_ROOT/build/tests/cc-test-helper
}

teardown() {
    local rc=0
    podman_cleanup
    assert_store_tmp_empty || rc=1
    basic_teardown || rc=1
    return $rc
}

###############################################################################
# Instructions

@test "build: every config instruction lands in the image config" {
    local ctx
    ctx=$(new_context every)
    recipe "$ctx" <<'EOF'
FROM alpine
MAINTAINER someone@example.com
LABEL one=1 "two words"="a b"
ENV A=1 B="x y"
ENV C=$A-${B}
EXPOSE 80 53/udp 8000-8001
VOLUME ["/data", "/logs"]
USER nobody
WORKDIR /srv
WORKDIR app
STOPSIGNAL SIGINT
HEALTHCHECK --interval=30s --timeout=5s --retries=2 CMD wget -q -O- localhost || exit 1
SHELL ["/bin/sh", "-ec"]
ENTRYPOINT ["/bin/echo"]
CMD ["hello"]
ONBUILD RUN echo triggered
EOF
    build_ok -t every "$ctx"
    local cfg='[0]["Config"]'
    is "$(image_field every "$cfg[\"Labels\"][\"two words\"]")" "a b" "Labels"
    is "$(image_field every "$cfg[\"Env\"][-3:]")" '["A=1","B=x y","C=1-x y"]' "Env"
    is "$(image_py every 'sorted(d[0]["Config"]["ExposedPorts"])')" '["53/udp","80/tcp","8000/tcp","8001/tcp"]' "ExposedPorts"
    is "$(image_py every 'sorted(d[0]["Config"]["Volumes"])')" '["/data","/logs"]' "Volumes"
    is "$(image_field every "$cfg[\"User\"]")" nobody "User"
    is "$(image_field every "$cfg[\"WorkingDir\"]")" /srv/app "WorkingDir (relative to the previous one)"
    is "$(image_field every "$cfg[\"StopSignal\"]")" SIGINT "StopSignal"
    is "$(image_field every "$cfg[\"Healthcheck\"]")" \
        '{"Interval":30000000000,"Retries":2,"Test":["CMD-SHELL","wget -q -O- localhost || exit 1"],"Timeout":5000000000}' \
        "Healthcheck (kept, not dropped as podman's OCI format does)"
    is "$(image_field every "$cfg[\"Shell\"]")" '["/bin/sh","-ec"]' "Shell"
    is "$(image_field every "$cfg[\"Entrypoint\"]")" '["/bin/echo"]' "Entrypoint"
    is "$(image_field every "$cfg[\"Cmd\"]")" '["hello"]' "Cmd"
    is "$(image_field every "$cfg[\"OnBuild\"]")" '["RUN echo triggered"]' "OnBuild"

    # config-only steps are empty_layer history entries; the one layer added
    # is WORKDIR's: /srv/app did not exist (alpine has /srv), so it was made
    is "$(image_field every '[0]["RootFS"]["Layers"].__len__()')" 2 "layers (alpine's and WORKDIR app's)"
    is "$(image_py every '[h.get("empty_layer", False) for h in d[0]["History"]][1:].count(True)')" 14 \
        "empty_layer history entries"
    # and it runs: ENTRYPOINT + CMD, as nobody, in the WORKDIR
    run_cc run --rm --network none every
    is "$output" "hello" "output of the image's entrypoint and cmd"
    run_cc run --rm --network none --entrypoint sh every -c 'echo $(id -un) $(pwd) $C'
    is "$output" "nobody /srv/app 1-x y" "user, working dir and env in the container"
}

@test "build: RUN shell and exec forms, SHELL, USER, WORKDIR, output streamed" {
    local ctx
    ctx=$(new_context run)
    recipe "$ctx" <<'EOF'
FROM alpine
RUN echo "shell form: $0" && echo to-stderr >&2
RUN ["/bin/echo", "exec form", "$HOME"]
SHELL ["/bin/sh", "-xc"]
RUN echo traced
WORKDIR /made/by/workdir
RUN pwd > /pwd.txt
USER nobody
RUN id -un > /tmp/who.txt && cat /tmp/who.txt
EOF
    build_ok "$ctx"
    assert_line_match "$output" '^STEP 1/9: FROM alpine$' "step lines"
    assert_line_match "$output" '^STEP 3/9: RUN \["/bin/echo", "exec form", "\$HOME"\]$' "step lines"
    assert_line_match "$output" '^shell form: /bin/sh$' "RUN output"
    assert_line_match "$output" '^exec form \$HOME$' "exec form: no shell, no expansion"
    assert_line_match "$output" '^nobody$' "USER applies to RUN"
    assert_line_match "$stderr" '^to-stderr$' "RUN's stderr"
    assert_line_match "$stderr" '^\+ echo traced$' "SHELL changes the shell form"
    run_cc run --rm --network none "$ID" cat /pwd.txt
    is "$output" "/made/by/workdir" "WORKDIR exists and is the RUN's cwd"
}

@test "build: COPY and ADD follow docker's rules for files, directories, globs, owners" {
    local ctx
    ctx=$(new_context copy)
    mkdir -p "$ctx/dir/sub" "$ctx/tree"
    echo a >"$ctx/a.txt"
    echo b >"$ctx/b.txt"
    echo c >"$ctx/dir/c.txt"
    echo d >"$ctx/dir/sub/d.txt"
    echo archived >"$ctx/tree/inside.txt"
    ln -s c.txt "$ctx/dir/link"
    chmod 0640 "$ctx/a.txt"
    tar -czf "$ctx/bundle.tar.gz" -C "$ctx/tree" .
    recipe "$ctx" <<'EOF'
FROM alpine
WORKDIR /w
COPY a.txt .
COPY a.txt /renamed
COPY *.txt /globbed/
COPY dir /contents
COPY dir/ /contents-slash/
COPY --chown=nobody:nogroup --chmod=0600 b.txt /owned/
COPY ["a.txt", "/json form/"]
ADD bundle.tar.gz /extracted/
ADD a.txt /added
COPY --chown=1234 b.txt /numeric
EOF
    build_ok "$ctx"
    run_cc run --rm --network none "$ID" sh -c '
        stat -c "%n %a %U:%G" /w/a.txt /renamed /owned/b.txt
        stat -c "%n %a %u:%g" /numeric
        ls /globbed | tr "\n" " "; echo
        ls -A /contents | tr "\n" " "; echo
        readlink /contents/link; cat /contents/sub/d.txt
        ls -A /contents-slash | tr "\n" " "; echo
        cat "/json form/a.txt" /extracted/inside.txt /added'
    is "${lines[0]}" "/w/a.txt 640 root:root" "relative dest is under WORKDIR; mode kept; owner 0:0"
    is "${lines[1]}" "/renamed 640 root:root" "dest without a slash: the file's new name"
    is "${lines[2]}" "/owned/b.txt 600 nobody:nogroup" "--chown with names from the image, --chmod"
    is "${lines[3]}" "/numeric 644 1234:1234" "--chown=UID: the gid is the uid"
    is "${lines[4]}" "a.txt b.txt " "glob into a directory"
    is "${lines[5]}" "c.txt link sub " "a directory source copies its contents"
    is "${lines[6]}" "c.txt" "symlinks inside a copied dir stay symlinks"
    is "${lines[7]}" "d" "nested files"
    is "${lines[8]}" "c.txt link sub " "trailing slash on the source: same"
    is "${lines[9]}" "a" "JSON form with a space in the destination"
    is "${lines[10]}" "archived" "ADD extracts a local tar archive"
    is "${lines[11]}" "a" "ADD of a plain file copies it"
}

@test "build: ARG and ENV substitution, --build-arg, ARG before FROM, unused args" {
    local ctx
    ctx=$(new_context args)
    recipe "$ctx" <<'EOF'
ARG IMG=alpine
ARG TAG
FROM ${IMG}:${TAG:-latest}
ARG TAG
ARG ONE=1
ARG TWO=${ONE}2
ENV ENVVAR=from-env ONE=env-wins
RUN echo "tag=$TAG one=$ONE two=$TWO env=$ENVVAR" > /args.txt
ENV COPIED=${TWO}
CMD cat /args.txt; env | grep -E '^(ONE|TWO|COPIED)=' | sort
EOF
    build_ok --build-arg TWO=override --build-arg UNUSED=x "$ctx"
    assert_line_match "$stderr" '^Warning: one or more build args were not consumed: UNUSED$' "unused build arg"
    run_cc run --rm --network none "$ID"
    is "${lines[0]}" "tag= one=env-wins two=override env=from-env" "values seen by RUN (ENV wins over ARG)"
    is "${lines[1]}" "COPIED=override" "ENV from an ARG is kept in the image"
    is "${lines[2]}" "ONE=env-wins" "ARG values are not in the image's environment"
    is "${#lines[@]}" 3 "lines of output"
}

@test "build: heredocs in RUN and COPY" {
    local ctx
    ctx=$(new_context heredoc)
    recipe "$ctx" <<'RECIPE'
FROM alpine
ARG WHO=heredoc
RUN <<EOT
set -e
echo "first line from a $WHO"
echo second > /second.txt
EOT
RUN <<EOT
#!/bin/sh -e
echo "script $0"
EOT
COPY <<EOF /etc/expanded.txt
who=${WHO}
EOF
COPY <<'EOF' <<-LITERAL /etc/
	kept $WHO
EOF
	tabbed $WHO
	LITERAL
RUN cat <<A > /a.txt && cat /a.txt
from a shell heredoc
A
RECIPE
    build_ok "$ctx"
    assert_line_match "$output" '^first line from a heredoc$' "RUN <<EOF runs the script through the shell"
    assert_line_match "$output" '^script /dev/pipes/script$' "a #! script runs as a file with its interpreter"
    assert_line_match "$output" '^from a shell heredoc$' "a heredoc the shell handles"
    run_cc run --rm --network none "$ID" sh -c 'cat /second.txt /etc/expanded.txt /etc/EOF /etc/LITERAL'
    is "${lines[0]}" "second"
    is "${lines[1]}" "who=heredoc" "COPY heredoc: variables expanded"
    is "${lines[2]}" "	kept \$WHO" "quoted delimiter: no expansion"
    is "${lines[3]}" "tabbed heredoc" "<<- strips leading tabs"
}

@test "build: multi-stage, COPY --from a stage and an image, --target" {
    local ctx
    ctx=$(new_context multi)
    recipe "$ctx" <<'EOF'
FROM alpine AS base
RUN echo base > /base.txt

FROM base AS builder
RUN mkdir /out && echo artefact > /out/app.txt && echo junk > /junk

FROM alpine AS unused
RUN exit 1

FROM alpine
COPY --from=builder /out/app.txt /app.txt
COPY --from=0 /base.txt /from-index.txt
COPY --from=alpine /etc/alpine-release /release
EOF
    build_ok -t multi "$ctx"
    assert_not_contains "$output" "exit 1" "a stage the target does not need is skipped"
    assert_line_match "$output" '^\[1/3\] STEP 1/2: FROM alpine AS base$' "stage numbering"
    run_cc run --rm --network none multi sh -c 'cat /app.txt /from-index.txt; test -s /release && echo release; test -e /junk || echo no-junk'
    is "$output" $'artefact\nbase\nrelease\nno-junk' "what the final stage has"

    build_ok --target builder -t multi-builder "$ctx"
    run_cc run --rm --network none multi-builder cat /junk
    is "$output" "junk" "--target builds up to that stage"
}

@test "build: FROM scratch with a static binary, RUN in exec form" {
    local ctx
    ctx=$(new_context scratch)
    cp "$HELPER" "$ctx/helper"
    recipe "$ctx" <<'EOF'
FROM scratch
COPY helper /helper
RUN ["/helper", "exit", "0"]
ENTRYPOINT ["/helper"]
CMD ["pid"]
EOF
    build_ok -t tiny "$ctx"
    run_cc run --rm --network none tiny
    assert_match "$output" '^pid=1 ' "the scratch image runs"
    is "$(layer_entries tiny -1)" "" "a RUN that changed nothing: an empty layer (no mount stubs)"
    is "$(image_field tiny '[0]["RootFS"]["Layers"][-1]')" \
        "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef" "the canonical empty layer"
}

###############################################################################
# Layers, cache

@test "build: a file deleted in a later layer is absent (whiteout, opaque dir)" {
    local ctx
    ctx=$(new_context whiteout)
    recipe "$ctx" <<'EOF'
FROM alpine
RUN mkdir -p /d/sub && echo 1 > /d/one && echo 2 > /d/sub/two && echo keep > /keep
RUN rm /d/one /etc/motd && rm -r /d/sub
RUN rm -r /usr/local && mkdir /usr/local && echo new > /usr/local/fresh
EOF
    build_ok -t wh "$ctx"
    output=$(layer_entries wh -2)
    assert_line_match "$output" '^f etc/\.wh\.motd$' "whiteout for a file of the base"
    assert_line_match "$output" '^f d/\.wh\.one$' "whiteout for a file of an earlier build layer"
    assert_line_match "$output" '^f d/\.wh\.sub$' "whiteout for a directory"
    output=$(layer_entries wh -1)
    assert_line_match "$output" '^f usr/local/\.wh\.\.wh\.\.opq$' "a replaced directory is opaque"
    run_cc run --rm --network none wh sh -c 'ls -A /d; ls -A /usr/local; test -e /etc/motd || echo no-motd; cat /keep'
    is "$output" $'fresh\nno-motd\nkeep' "deleted files are absent in the container"
}

@test "build: the cache: hits, no RUN and no new layer; invalidation on a changed file" {
    local ctx
    ctx=$(new_context cache)
    echo v1 >"$ctx/data.txt"
    echo log >"$ctx/debug.log"
    printf '%s\n' '*.log' >"$ctx/.dockerignore"
    recipe "$ctx" <<'EOF'
FROM alpine
RUN echo ran-first-run
COPY . /ctx/
RUN echo ran-after-copy && cat /ctx/data.txt
CMD ["cat", "/ctx/data.txt"]
EOF
    build_ok -t cached "$ctx"
    local first=$ID
    assert_line_match "$output" '^ran-first-run$'
    local counts
    counts=$(store_counts)

    # unchanged: every step from the cache, nothing run, nothing written
    build_ok -t cached "$ctx"
    is "$ID" "$first" "image ID of a fully cached rebuild"
    assert_no_line_match "$output" '^ran-' "no RUN ran"
    is "$(grep -c -- '---> Using cache' <<<"$output")" 4 "steps reused"
    is "$(store_counts)" "$counts" "layers and blobs in the store"

    # mtime only, and a change to an ignored file: still cached
    touch -d '2001-01-01' "$ctx/data.txt"
    echo more >>"$ctx/debug.log"
    build_ok "$ctx"
    is "$ID" "$first" "after touch and an ignored change"

    # a changed source: COPY and what follows rebuild, what precedes is reused
    echo v2 >"$ctx/data.txt"
    build_ok -t cached "$ctx"
    isnt "$ID" "$first" "image ID after a change"
    assert_no_line_match "$output" '^ran-first-run$' "the RUN before the COPY is cached"
    assert_line_match "$output" '^ran-after-copy$' "the RUN after the COPY runs again"
    run_cc run --rm --network none cached
    is "$output" "v2" "the new content"

    # a mode change is a change
    chmod 0600 "$ctx/data.txt"
    build_ok "$ctx"
    assert_line_match "$output" '^ran-after-copy$' "a mode change invalidates"

    # --no-cache runs everything
    build_ok --no-cache "$ctx"
    assert_line_match "$output" '^ran-first-run$' "--no-cache"
    assert_not_contains "$output" "Using cache" "--no-cache"
}

@test "build: the cache survives between invocations and keys on build args" {
    local ctx
    ctx=$(new_context cache-args)
    recipe "$ctx" <<'EOF'
FROM alpine
ARG MODE=a
RUN echo "mode $MODE"
EOF
    build_ok "$ctx"
    local a=$ID
    build_ok --build-arg MODE=b "$ctx"
    isnt "$ID" "$a" "another build arg value"
    assert_line_match "$output" '^mode b$'
    build_ok --build-arg MODE=a "$ctx"
    is "$ID" "$a" "back to the first value: cached"
    assert_no_line_match "$output" '^mode a$' "no RUN ran"
}

@test "build: images hides build intermediates, images -a shows them" {
    local ctx
    ctx=$(new_context intermediates)
    recipe "$ctx" <<'EOF'
FROM alpine
ENV STEP=1
RUN true
EOF
    build_ok -t final "$ctx"
    run_cc images
    is "${#lines[@]}" 3 "header, alpine, final"
    assert_line_match "$output" '^final +latest ' "images"
    run_cc images -a
    is "${#lines[@]}" 4 "with -a: the ENV step's intermediate image too"
    run_cc image prune -f
    run_cc images -a
    is "${#lines[@]}" 4 "image prune keeps the build cache"
    run_cc image prune -a -f
    run_cc images -a
    is "${#lines[@]}" 1 "image prune -a removes it (and every unused image)"
}

###############################################################################
# .dockerignore

@test "build: .dockerignore follows docker's rules" {
    local ctx
    ctx=$(new_context ignore)
    mkdir -p "$ctx/src/deep" "$ctx/node_modules/x" "$ctx/docs"
    touch "$ctx/src/a.c" "$ctx/src/deep/b.c" "$ctx/src/deep/b.o" "$ctx/node_modules/x/y.js" \
        "$ctx/docs/keep.md" "$ctx/docs/drop.md" "$ctx/secret.env" "$ctx/top.o" "$ctx/README"
    cat >"$ctx/.dockerignore" <<'EOF'
# comment
**/*.o
node_modules
/secret.env
docs
!docs/keep.md
EOF
    recipe "$ctx" <<'EOF'
FROM alpine
COPY . /ctx/
EOF
    build_ok "$ctx"
    run_cc run --rm --network none "$ID" sh -c 'cd /ctx && find . -type f | sort'
    is "$output" $'./.dockerignore\n./Containerfile\n./README\n./docs/keep.md\n./src/a.c\n./src/deep/b.c' \
        "files copied"

    # an explicitly named ignored file is not in the context
    recipe "$ctx" <<'EOF'
FROM alpine
COPY secret.env /
EOF
    run_cc 1 build "$ctx"
    assert_line_match "$stderr" "^Error: .*Containerfile:2: COPY: 'secret.env': no such file or directory in the build context \\(or excluded by \\.dockerignore\\)$"
}

###############################################################################
# Errors

@test "build: recipe errors name the file and line, before anything runs" {
    local ctx
    ctx=$(new_context errors)
    echo x >"$ctx/present.txt"
    local -a cases=(
        "FROB x|Containerfile:3: unknown instruction: FROB"
        'CMD ["a", 1]|Containerfile:3: CMD: when using JSON array syntax, arrays must be comprised of strings only'
        "WORKDIR|Containerfile:3: WORKDIR requires at least one argument"
        "COPY --from=nosuchstage /a /b|Containerfile:3: COPY --from=nosuchstage: no build stage or image named 'nosuchstage'"
        "COPY missing.txt /|Containerfile:3: COPY: 'missing.txt': no such file or directory"
        "COPY present.txt present.txt /dir|Containerfile:3: when using COPY with more than one source file"
        "ENV X=\${UNCLOSED|Containerfile:3: syntax error: missing '}'"
    )
    local c
    for c in "${cases[@]}"; do
        printf 'FROM alpine\nRUN echo must-not-run\n%s\n' "${c%%|*}" >"$ctx/Containerfile"
        run_cc 1 build "$ctx"
        assert_line_match "$stderr" "^Error: .*/$(regex_quote "${c#*|}")" "error for '${c%%|*}'"
        assert_not_contains "$output" "STEP" "no step ran for '${c%%|*}'"
        assert_not_contains "$output" "must-not-run"
    done
    # -f names the file in the message
    printf 'FROM alpine\nBOGUS\n' >"$ctx/Other.dockerfile"
    run_cc 1 build -f "$ctx/Other.dockerfile" "$ctx"
    assert_line_match "$stderr" "^Error: .*Other\\.dockerfile:2: unknown instruction: BOGUS$"
}

@test "build: a failing RUN stops the build with its status and the step" {
    local ctx
    ctx=$(new_context fail)
    recipe "$ctx" <<'EOF'
FROM alpine
RUN echo before
RUN echo failing >&2; exit 3
RUN echo after
EOF
    run_cc 3 build -t never "$ctx"
    assert_line_match "$stderr" '^Error: building at STEP "RUN echo failing >&2; exit 3": exit status 3$'
    assert_line_match "$stderr" '^failing$' "the RUN's own output"
    assert_not_contains "$output" "after"
    run_cc '?' inspect never
    isnt "$status" 0 "no image is tagged"
    # what succeeded is cached
    recipe "$ctx" <<'EOF'
FROM alpine
RUN echo before
RUN nosuchcommand
EOF
    run_cc 127 build "$ctx"
    assert_line_match "$output" 'Using cache' "the first RUN comes from the cache"
    assert_line_match "$stderr" '^Error: building at STEP "RUN nosuchcommand": exit status 127$'
}

@test "build: -q prints only the image ID" {
    local ctx
    ctx=$(new_context quiet)
    recipe "$ctx" <<'EOF'
FROM alpine
RUN echo noisy
EOF
    run_cc build -q -t quiet "$ctx"
    assert_match "$output" '^[0-9a-f]{64}$' "the whole output"
    is "$stderr" "" "stderr"
    is "sha256:$output" "$(image_field quiet '[0]["Id"]')" "the ID printed is the image's"
}

@test "build: bytes that are not UTF-8: config as docker writes it, RUN gets the bytes, the cache keys on them" {
    # Was: "Error: image history: Cannot allocate memory" (jansson refuses
    # such strings); and the cache key lost the command, so two such RUNs
    # over the same parent shared one cache entry.
    local ctx
    ctx=$(new_context bytes)
    printf '%s\n' 'FROM alpine' $'RUN printf \'\xff\' > /f' $'LABEL note=caf\xe9' >"$ctx/Containerfile"
    build_ok -t bytes "$ctx"
    local out
    out=$(timeout 30 "$CC" --root "$CC_ROOT" inspect bytes) || die "inspect bytes"
    # docker (Go's encoding/json) writes each invalid byte as U+FFFD
    is "$(jq -r '.[0].Config.Labels.note' <<<"$out")" $'caf\xef\xbf\xbd' "the label"
    is "$(jq -r '.[0].History[-2].created_by' <<<"$out")" $'RUN /bin/sh -c printf \'\xef\xbf\xbd\' > /f' \
        "created_by of the RUN"
    run_cc run --rm --network none bytes od -An -tx1 /f
    is "$(echo $output)" "ff" "what the RUN wrote: the byte itself"

    # the same recipe with another byte is another step
    printf '%s\n' 'FROM alpine' $'RUN printf \'\xfe\' > /f' $'LABEL note=caf\xe9' >"$ctx/Containerfile"
    build_ok -t bytes2 "$ctx"
    assert_not_match "$output" 'Using cache' "no cache hit for a different command"
    run_cc run --rm --network none bytes2 od -An -tx1 /f
    is "$(echo $output)" "fe" "what the second RUN wrote"
}

###############################################################################
# Containerfile-examples: each builds offline and runs

@test "examples: tcp-service answers over TCP with busybox nc" {
    build_ok -t tcp-service "$EXAMPLES/tcp-service"
    local port
    port=$(free_port)
    cc_bg svc run --rm --network host -e PORT="$port" tcp-service
    local reply
    ask() {
        reply=$(python3 - "$port" <<'EOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2)
s.sendall(b"ping\n")
print(s.makefile().readline().strip())
EOF
        ) 2>/dev/null
    }
    wait_until 20 ask
    assert_match "$reply" '^hello from [0-9a-f]+: ping$' "the service's answer"
    is "$(image_field tcp-service '[0]["Config"]["Healthcheck"]["Test"][0]')" CMD "healthcheck kept"
}

@test "examples: shell-tool takes ENTRYPOINT and CMD" {
    build_ok -t shell-tool "$EXAMPLES/shell-tool"
    assert_line_match "$output" '^Hello, build-time-check!$' "the RUN used the tool"
    run_cc run --rm --network none shell-tool
    is "$output" "Hello, world!" "default CMD"
    run_cc run --rm --network none shell-tool you and me
    is "$output" "Hello, you and me!" "arguments replace CMD"
}

@test "examples: nonroot-service runs as its user in its WORKDIR" {
    build_ok -t nonroot "$EXAMPLES/nonroot-service"
    run_cc run --rm --network none nonroot
    is "$output" "user=app uid=1000 pwd=/home/app/data state=started"
    is "$(image_field nonroot '[0]["Config"]["Volumes"]')" '{"/home/app/data":{}}' "Volumes"
}

@test "examples: multi-stage copies the artefact from the builder" {
    build_ok --build-arg VERSION=2.0.1 -t multi-stage "$EXAMPLES/multi-stage"
    run_cc run --rm --network none multi-stage
    is "$output" $'app 2.0.1\ndocs: Built in a builder stage.'
    run_cc run --rm --network none multi-stage sh -c 'test -e /build || echo no-build-dir'
    is "$output" "no-build-dir" "the builder's sources stay in the builder"
}

@test "examples: args-env substitutes ARG and ENV" {
    build_ok -t args-env "$EXAMPLES/args-env"
    run_cc run --rm --network none args-env
    is "$output" $'version 1.0.0 built by nobody in /opt/app\nAPP_VERSION=1.0.0'
    build_ok --build-arg VERSION=2.0 --build-arg BUILD_USER= -t args-env2 "$EXAMPLES/args-env"
    run_cc run --rm --network none args-env2
    is "$output" $'version 2.0 built by someone in /opt/app\nAPP_VERSION=2.0'
    is "$(image_field args-env2 '[0]["Config"]["Labels"]["org.opencontainers.image.version"]')" 2.0 "label"
}

@test "build --format docker|oci: the result's manifest, the cache shared" {
    local ctx
    ctx=$(new_context fmt)
    recipe "$ctx" <<'EOF'
FROM alpine
RUN echo layer > /f
CMD ["cat", "/f"]
EOF
    local q="SELECT i.manifest_media_type || ' ' || group_concat(DISTINCT il.media_type) FROM images i
             JOIN image_layers il ON il.image_id = i.id WHERE i.id = "
    build_ok --format docker -t fmt-docker "$ctx"
    local id=$ID
    is "$(sqlite3 -readonly "$CC_ROOT/store.db" "$q'sha256:$id'")" \
        "application/vnd.docker.distribution.manifest.v2+json application/vnd.docker.image.rootfs.diff.tar.gzip" \
        "docker schema 2 manifest and layers"
    run_cc save -o "$BATS_TEST_TMPDIR/d.tar" fmt-docker
    timeout 60 skopeo inspect "docker-archive:$BATS_TEST_TMPDIR/d.tar" >/dev/null || die "skopeo refused the image"
    # the same steps, cached, as OCI: the same image ID, an OCI manifest
    build_ok --format oci -t fmt-oci "$ctx"
    is "$ID" "$id" "image ID (the config) is the same"
    is "$(sqlite3 -readonly "$CC_ROOT/store.db" "$q'sha256:$id'")" \
        "application/vnd.oci.image.manifest.v1+json application/vnd.oci.image.layer.v1.tar+gzip" "OCI again"
    run_cc 125 build --format v1 -t x "$ctx"
    assert_contains "$stderr" 'unrecognized image type "v1"'
}

###############################################################################
# save / load, and other tools

@test "save/load: both formats round-trip and skopeo accepts them" {
    build_ok -t roundtrip "$EXAMPLES/shell-tool"
    local id=$ID
    run_cc save -o "$BATS_TEST_TMPDIR/docker.tar" roundtrip
    run_cc save --format oci-archive -o "$BATS_TEST_TMPDIR/oci.tar" roundtrip
    local out
    out=$(timeout 60 skopeo inspect "docker-archive:$BATS_TEST_TMPDIR/docker.tar") || die "skopeo: docker-archive refused"
    is "$(json_get "$out" '["Layers"].__len__()')" 3 "layers skopeo sees (docker-archive)"
    out=$(timeout 60 skopeo inspect --config "oci-archive:$BATS_TEST_TMPDIR/oci.tar") || die "skopeo: oci-archive refused"
    is "$(json_get "$out" '["config"]["Entrypoint"]')" '["/usr/local/bin/greet"]' "config skopeo reads (oci-archive)"
    # docker >= 25 layout in the docker-archive too
    tar -tf "$BATS_TEST_TMPDIR/docker.tar" >"$BATS_TEST_TMPDIR/list"
    file_contains "$BATS_TEST_TMPDIR/list" '^manifest\.json$' || die "no manifest.json"
    file_contains "$BATS_TEST_TMPDIR/list" '^index\.json$' || die "no index.json"
    file_contains "$BATS_TEST_TMPDIR/list" '^oci-layout$' || die "no oci-layout"

    local fmt
    for fmt in docker oci; do
        export CC_ROOT=$BATS_TEST_TMPDIR/root-$fmt
        run_cc load -i "$BATS_TEST_TMPDIR/$fmt.tar"
        is "$output" "Loaded image: roundtrip:latest" "load ($fmt)"
        run_cc images -q --no-trunc
        is "$output" "sha256:$id" "same image ID after save and load ($fmt)"
        run_cc run --rm --network none roundtrip loaded
        is "$output" "Hello, loaded!" "runs after load ($fmt)"
    done
}

@test "save/load: podman loads and runs the image with the same output" {
    command -v podman >/dev/null || skip "podman is not installed (tests/install-deps.sh installs it)"
    command -v runc >/dev/null || skip "runc is not installed (tests/install-deps.sh installs it)"
    build_ok -t conformance "$EXAMPLES/nonroot-service"
    run_cc run --rm --network none conformance
    local ours=$output
    run_cc save -o "$BATS_TEST_TMPDIR/img.tar" conformance
    local out rc=0
    out=$(podman_t load -i "$BATS_TEST_TMPDIR/img.tar" 2>&1) || rc=$?
    is "$rc" 0 "podman load: $out"
    assert_line_match "$out" '^Loaded image: (docker\.io/library/)?conformance:latest$' "podman load"
    rc=0
    out=$(podman_t run --rm --network none --ulimit nofile=1024:1024 --ulimit nproc=1000:1000 \
        docker.io/library/conformance:latest 2>&1) || rc=$?
    is "$rc" 0 "podman run: $out"
    is "$out" "$ours" "output under podman and under ccontainer"
}
