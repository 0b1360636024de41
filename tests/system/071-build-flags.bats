#!/usr/bin/env bats
#
# build's flags CI uses (issue 19): --label, --iidfile, --pull, --platform,
# --add-host, -o/--output, --build-context, --secret with RUN
# --mount=type=secret, RUN --mount=type=cache|bind|tmpfs, builder prune,
# build - (a recipe or a tar context on stdin), and reproducible digests
# with --timestamp / SOURCE_DATE_EPOCH.

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
}

teardown() {
    local rc=0
    assert_store_tmp_empty || rc=1
    basic_teardown || rc=1
    return $rc
}

@test "build flags: --label, --iidfile, --platform, --pull=never, --add-host" {
    ctx=$(new_context l)
    recipe "$ctx" <<'EOF2'
FROM alpine
RUN grep -q 'myhost' /etc/hosts && echo added-host-ok
EOF2
    build_ok --label org.example.ci=yes --label two=2 --iidfile "$BATS_TEST_TMPDIR/iid" \
        --add-host myhost:10.1.2.3 --platform linux/$(uname -m | sed 's/x86_64/amd64/;s/aarch64/arm64/') "$ctx"
    assert_match "$output" "added-host-ok"
    [[ "$(cat "$BATS_TEST_TMPDIR/iid")" == "sha256:$ID" ]] || die "iidfile: $(cat "$BATS_TEST_TMPDIR/iid")"
    [[ "$(image_py "$ID" 'd[0]["Config"]["Labels"]["org.example.ci"]')" == yes ]] || die "label missing"
    run_cc 125 build --platform linux/s390x-nope "$ctx"
    assert_match "$stderr" "cross-builds are not supported"
    ctx2=$(new_context n)
    printf 'FROM localhost:1/not/here:1\n' >"$ctx2/Containerfile"
    run_cc 1 build --pull=never "$ctx2"
    assert_match "$stderr" "pull=never"
    run_cc 125 build --pull=sometimes "$ctx2"
    assert_match "$stderr" "invalid --pull"
}

@test "build flags: a secret is mounted in its RUN only, never in a layer, the cache key or history" {
    ctx=$(new_context s)
    secret=TOPSECRET-$RANDOM$RANDOM
    printf '%s' "$secret" >"$BATS_TEST_TMPDIR/secret.txt"
    recipe "$ctx" <<'EOF2'
FROM alpine
RUN --mount=type=secret,id=tok cat /run/secrets/tok > /dev/null && test "$(cat /run/secrets/tok)" != "" && echo seen && mkdir -p /out && ls -la /run/secrets
RUN --mount=type=secret,id=tok,env=TOK,target=/etc/tok.txt test -n "$TOK" && test -s /etc/tok.txt && echo env-seen
EOF2
    build_ok --secret id=tok,src="$BATS_TEST_TMPDIR/secret.txt" "$ctx"
    assert_match "$output" "seen"
    assert_match "$output" "env-seen"
    # not in any blob of the store (layers, configs, manifests), nor the database
    if grep -rl -- "$secret" "$CC_ROOT" 2>/dev/null; then die "secret found in the store"; fi
    for b in "$CC_ROOT"/blobs/sha256/*; do
        if gzip -dc "$b" 2>/dev/null | grep -q -- "$secret"; then die "secret in blob $b"; fi
    done
    run_cc inspect "$ID"
    [[ "$output" != *"$secret"* ]] || die "secret in inspect"
    [[ "$(image_py "$ID" 'd[0]["History"] if "History" in d[0] else ""')" != *"$secret"* ]] || die "secret in history"
    # the mount points it made are gone from the layers
    run layer_entries "$ID" -1
    [[ "$output" != *"run/secrets"* && "$output" != *"etc/tok.txt"* ]] || die "mount point in the layer: $output"
    # required and missing: a clear error
    printf 'FROM alpine\nRUN --mount=type=secret,id=nope,required=true true\n' >"$ctx/Containerfile"
    run_cc 1 build "$ctx"
    assert_match "$stderr" "secret nope not found"
}

@test "build flags: a cache mount persists across builds and builder prune removes it" {
    ctx=$(new_context c)
    recipe "$ctx" <<'EOF2'
FROM alpine
ARG N=1
RUN --mount=type=cache,target=/var/cache/x,id=cc1 echo "run $N" >> /var/cache/x/log && cat /var/cache/x/log
EOF2
    build_ok "$ctx"
    build_ok --build-arg N=2 "$ctx"
    assert_match "$output" "run 1"
    assert_match "$output" "run 2"
    run layer_entries "$ID" -1
    [[ "$output" != *"var/cache/x"* ]] || die "cache mount point in the layer: $output"
    run_cc builder prune --help
    run_cc builder prune -f
    assert_match "$output" "Deleted build cache mounts: 1"
    [[ ! -e "$CC_ROOT/cache/build-mounts" ]] || die "cache mounts left"
    build_ok --build-arg N=3 "$ctx"
    [[ "$output" != *"run 1"* ]] || die "cache survived prune"
    # -a: the step cache too (without it the same build is all cached)
    build_ok --build-arg N=3 "$ctx"
    assert_contains "$output" "Using cache"
    run_cc builder prune -a -f
    assert_match "$output" "Deleted build cache entries: [1-9]"
    build_ok --build-arg N=3 "$ctx"
    [[ "$output" != *"Using cache"* ]] || die "the step cache survived prune -a: $output"
}

@test "build flags: a cache mount from= a stage starts with its files, then keeps its own" {
    ctx=$(new_context cf)
    recipe "$ctx" <<'EOF2'
FROM alpine AS seed
RUN mkdir -p /seed/sub && echo seeded > /seed/sub/f
FROM alpine
ARG N=1
RUN --mount=type=cache,target=/c,id=cfrom,from=seed,source=/seed,uid=1000 \
    echo "run $N" >> /c/log && cat /c/sub/f /c/log && stat -c '%u %n' /c/sub/f
EOF2
    build_ok "$ctx"
    assert_match "$output" "seeded"
    assert_match "$output" "1000 /c/sub/f"
    # made once: the next build finds its own content, not the stage's again
    build_ok --build-arg N=2 "$ctx"
    assert_match "$output" "run 1"
    assert_match "$output" "run 2"
    run layer_entries "$ID" -1
    [[ "$output" != *"c/log"* ]] || die "the cache's files in the layer: $output"
    # from= a stage that does not exist: one line, nothing run
    recipe "$ctx" <<'EOF2'
FROM alpine
RUN --mount=type=cache,target=/c,from=nope true
EOF2
    run_cc 1 build "$ctx"
    is "$(grep -c '^Error' <<<"$stderr")" 1 "one error line"
    assert_contains "$stderr" "no build stage or image named 'nope'"
    run_cc builder prune -f
}

@test "build flags: RUN --mount bind (context, stage, rw discarded) and tmpfs" {
    ctx=$(new_context b)
    echo hello-bind >"$ctx/data.txt"
    recipe "$ctx" <<'EOF2'
FROM alpine AS s1
RUN echo from-stage > /made
FROM alpine
RUN --mount=type=bind,source=data.txt,target=/mnt/d.txt cat /mnt/d.txt
RUN --mount=type=bind,from=s1,source=/made,target=/m2 cat /m2
RUN --mount=type=bind,target=/ctx,rw touch /ctx/new && ls /ctx
RUN --mount=type=tmpfs,target=/scratch,size=1m touch /scratch/x && grep -q /scratch /proc/mounts && echo tmpfs-ok
RUN ! test -e /mnt/d.txt && ! test -e /scratch && echo clean
EOF2
    build_ok "$ctx"
    assert_match "$output" "hello-bind"
    assert_match "$output" "from-stage"
    assert_match "$output" "tmpfs-ok"
    assert_match "$output" "clean"
    [[ ! -e "$ctx/new" ]] || die "rw bind wrote into the context"
}

@test "build flags: -o local and tar contain the final stage's files" {
    ctx=$(new_context o)
    recipe "$ctx" <<'EOF2'
FROM alpine AS b
RUN echo artefact > /a.txt
FROM scratch
COPY --from=b /a.txt /out/a.txt
EOF2
    build_ok -o "$BATS_TEST_TMPDIR/outdir" "$ctx"
    [[ "$(cat "$BATS_TEST_TMPDIR/outdir/out/a.txt")" == artefact ]] || die "local output"
    build_ok --output type=tar,dest="$BATS_TEST_TMPDIR/out.tar" "$ctx"
    tar -tf "$BATS_TEST_TMPDIR/out.tar" | grep -q '^out/a.txt$' || die "tar output: $(tar -tf "$BATS_TEST_TMPDIR/out.tar")"
    run_cc 125 build --output type=registry "$ctx"
    assert_match "$stderr" "not supported"
}

@test "build flags: --build-context DIR for COPY --from, docker-image:// for FROM" {
    ctx=$(new_context m)
    other=$(new_context other)
    echo from-other >"$other/f.txt"
    recipe "$ctx" <<'EOF2'
FROM base
COPY --from=extra f.txt /f.txt
RUN cat /f.txt
EOF2
    build_ok --build-context extra="$other" --build-context base=docker-image://alpine "$ctx"
    assert_match "$output" "from-other"
}

@test "build flags: build - reads a recipe, or a tar context, from stdin" {
    run bash -c "printf 'FROM alpine\nRUN echo from-stdin\n' | timeout 60 '$CC' --root '$CC_ROOT' build -"
    [[ $status -eq 0 ]] || die "build - (recipe): $output"
    assert_match "$output" "from-stdin"
    ctx=$(new_context t)
    echo in-tar >"$ctx/x.txt"
    printf 'FROM alpine\nCOPY x.txt /x.txt\nRUN cat /x.txt\n' >"$ctx/Containerfile"
    run bash -c "tar -C '$ctx' -c . | timeout 60 '$CC' --root '$CC_ROOT' build -"
    [[ $status -eq 0 ]] || die "build - (tar): $output"
    assert_match "$output" "in-tar"
}

@test "build flags: --timestamp / SOURCE_DATE_EPOCH give the same digest in two stores" {
    a=$(new_context ra)
    b=$(new_context other-path/rb)
    for d in "$a" "$b"; do
        printf 'FROM alpine\nCOPY f.txt /f.txt\nRUN mkdir /o && echo x > /o/y\n' >"$d/Containerfile"
        echo same >"$d/f.txt"
    done
    touch -d @2000000000 "$a/f.txt"
    touch -d @2100000000 "$b/f.txt"
    build_ok --timestamp 1700000000 "$a"
    id1=$ID
    root2=$BATS_TEST_TMPDIR/store2
    run bash -c "SOURCE_DATE_EPOCH=1700000000 timeout 120 '$CC' --root '$root2' build '$b' 2>&1 | tail -1"
    id2=$output
    [[ "$id1" == "$id2" ]] || die "digests differ: $id1 vs $id2"
    [[ "$(image_py "$id1" 'd[0]["Created"]')" == 2023-11-14T22:13:20* ]] || die "created: $(image_py "$id1" 'd[0]["Created"]')"
    timeout 60 "$CC" --root "$root2" rmi -a -f >/dev/null 2>&1 || true
}
