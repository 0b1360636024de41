#!/usr/bin/env bats
#
# kill -9 at random moments of pull, build, run, run -d, rm and rmi: after
# each kill, `system check` must find the store consistent (stale staging
# may be noted), the next command must work, and once a command that adds
# or removes content ran, no staging may be left in tmp/.
#
# The moments come from a seeded RNG: the seed is printed, and
# CC_KILL9_SEED=N replays a run.  CC_KILL9_ROUNDS (default 4) kills per verb.

load helpers
load helpers.build

KILL9_ROUNDS=${CC_KILL9_ROUNDS:-4}

setup_file() {
    file_setup
    start_registry
    seed_alpine test/alpine:latest
    seed_layers 6 test/layers:latest
    seed_big test/big:latest --size $((6 * 1024 * 1024))
    # ~6 MB/s: the big layer takes about a second to arrive
    start_proxy --prefix SLOW --upstream "$REGISTRY" --throttle 6000000
    export KILL9_SEED=${CC_KILL9_SEED:-$(( $(date +%s) % 100000 ))}
    echo "# kill -9 seed: $KILL9_SEED (CC_KILL9_SEED=$KILL9_SEED replays it)" >&3
}

setup() {
    basic_setup
    # one stream of moments per test, from the file's seed and the test's number
    RANDOM=$((KILL9_SEED + BATS_TEST_NUMBER * 7919))
    echo "# seed $KILL9_SEED, test $BATS_TEST_NUMBER"
}

teardown() {
    remove_all_containers
    basic_teardown
}

# kill_at MAX_MS NAME ARGS...: start ccontainer ARGS in the background and
# SIGKILL it after a random 0..MAX_MS ms (or let it finish first).
kill_at() {
    local max=$1 name=$2
    shift 2
    local ms=$((RANDOM % (max + 1)))
    cc_bg "$name" "$@"
    local pid=$CC_BG_PID
    sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
    kill -9 "$pid" 2>/dev/null || true
    wait_bg "$pid" 30
    echo "# killed '$*' after ${ms} ms: rc=$status"
    echo "#   $1: kill after ${ms} ms, rc=$status" >&3
    # it died by the kill, or it had finished: never a crash of its own
    ((status == 137 || status == 0)) || {
        cat "$BATS_TEST_TMPDIR/$name.err"
        die "'$*' exited $status before the kill"
    }
}

# check_clean: system check finds no problem (notes are fine).
check_clean() {
    run_cc system check
    assert_line_match "$output" '^ok: store is consistent$' "system check after a kill"
}

# assert_no_staging: tmp/ holds nothing but partial downloads (kept to resume).
assert_no_staging() {
    local left
    left=$(find "$CC_ROOT/tmp" -mindepth 1 -maxdepth 1 ! -name '*.partial' -printf '%f ' 2>/dev/null)
    [[ -z "$left" ]] || die "staging left in $CC_ROOT/tmp after a writing command: $left"
}

# container_rows: "ID STATE STARTED NAME" of each container row, read from
# the database itself (no command runs, so nothing is reconciled first).
container_rows() {
    python3 - "$CC_ROOT/store.db" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=30)
for r in db.execute("SELECT id, state, started, name FROM containers"):
    print(*r)
EOF
}

# assert_containers_whole: every container row has its whole directory
# (upper/ and work/), or none while its removal waits in tmp/rm-<id> or
# before its first start; every container directory has its row.
assert_containers_whole() {
    local rows id state started name dir
    rows=$(container_rows)
    while read -r id state started name; do
        [[ -n $id ]] || continue
        dir=$CC_ROOT/containers/$id
        if [[ -d $dir ]]; then
            [[ -d $dir/upper && -d $dir/work ]] ||
                die "container $name ($state): its directory lost upper/ or work/: $(ls "$dir")"
        elif [[ ! -d $CC_ROOT/tmp/rm-$id ]] && ! [[ $state == created && $started == 0 ]]; then
            die "container $name ($state): a row without its directory"
        fi
    done <<<"$rows"
    for dir in "$CC_ROOT"/containers/*; do
        [[ -e $dir ]] || continue
        grep -q "^${dir##*/} " <<<"$rows" || die "container directory $dir has no row"
    done
}

# rootfs_files REF: how many files a container of REF sees (its layers whole?)
rootfs_files() {
    run_cc run --rm --network none "$1" sh -c 'find / -xdev -type f | wc -l' >/dev/null
    echo "$output"
}

@test "kill -9: pull, at random moments" {
    local i
    for ((i = 0; i < KILL9_ROUNDS; i++)); do
        # windows about as long as each command takes here
        local ref=$SLOW/test/big:latest ms=1300
        ((i % 2 == 0)) || { ref=$REGISTRY/test/layers:latest; ms=200; }
        kill_at $ms pull pull "$ref"
        check_clean
        run_cc pull -q "$ref"
        check_clean
        assert_no_staging
        run_cc rmi "$ref"
        run_cc image prune -f
        check_clean
    done
}

@test "kill -9: build, at random moments" {
    run_cc pull -q "$REGISTRY/test/alpine:latest"
    local ctx i
    ctx=$(new_context ctx)
    head -c 300000 /dev/urandom >"$ctx/data.bin"
    cat >"$ctx/Containerfile" <<EOF
FROM $REGISTRY/test/alpine:latest
ARG ROUND=0
RUN i=0; while [ \$i -lt 200 ]; do echo \$i > /f\$i; i=\$((i+1)); done; echo \$ROUND > /round
COPY data.bin /data.bin
RUN dd if=/dev/urandom of=/big bs=64k count=64 2>/dev/null && rm /f1
EOF
    for ((i = 0; i < KILL9_ROUNDS; i++)); do
        kill_at 350 build build --build-arg ROUND=$i -t localhost/k9:$i "$ctx"
        check_clean
        run_cc build --build-arg ROUND=$i -t localhost/k9:$i "$ctx"
        check_clean
        assert_no_staging
        run_cc run --rm --network none localhost/k9:$i cat /round
        is "$output" "$i" "/round in the image built after the kill"
    done
}

@test "kill -9: run, at random moments" {
    run_cc pull -q "$REGISTRY/test/alpine:latest"
    local i
    for ((i = 0; i < KILL9_ROUNDS; i++)); do
        kill_at 150 run run --rm "$REGISTRY/test/alpine:latest" \
            sh -c 'i=0; while [ $i -lt 300 ]; do echo $i > /f$i; i=$((i+1)); done'
        assert_containers_whole
        check_clean
        # the next commands: one that looks at containers, one that runs one
        run_cc ps -a
        run_cc run --rm "$REGISTRY/test/alpine:latest" true
        check_clean
    done
    remove_all_containers
    run_cc ps -aq
    is "$output" "" "containers left after rm -f of each"
    check_clean
    net_assert_clean
}

@test "kill -9: run -d, at random moments" {
    run_cc pull -q "$REGISTRY/test/alpine:latest"
    local i
    for ((i = 0; i < KILL9_ROUNDS; i++)); do
        kill_at 120 rund run -d "$REGISTRY/test/alpine:latest" sleep 60
        assert_containers_whole
        check_clean
        run_cc run -d "$REGISTRY/test/alpine:latest" sleep 60
        check_clean
    done
    remove_all_containers
    run_cc ps -aq
    is "$output" "" "containers left after rm -f of each"
    check_clean
    assert_no_staging
    net_assert_clean
}

@test "kill -9: rm, at random moments" {
    run_cc pull -q "$REGISTRY/test/alpine:latest"
    local i id
    for ((i = 0; i < KILL9_ROUNDS; i++)); do
        # a container whose writable layer takes a moment to remove
        run_cc run --name "gone$i" --network none "$REGISTRY/test/alpine:latest" \
            sh -c 'mkdir /d; i=0; while [ $i -lt 2000 ]; do echo $i > /d/f$i; i=$((i+1)); done'
        run_cc run -d --name "up$i" "$REGISTRY/test/alpine:latest" sleep 60
        local gone
        gone=$(container_rows | awk -v n="gone$i" '$4 == n {print $1}')
        kill_at 250 rm rm -f "gone$i" "up$i"
        assert_containers_whole
        # a container is there whole, or not at all
        if [[ -d $CC_ROOT/containers/$gone ]]; then
            is "$(find "$CC_ROOT/containers/$gone/upper/d" -type f | wc -l)" 2000 \
                "files of a container the killed rm left"
        fi
        check_clean
        # the next rm finishes what the killed one began
        run_cc '?' rm -f "gone$i" "up$i"
        run_cc ps -aq
        is "$output" "" "containers after the second rm"
        check_clean
        assert_no_staging
    done
    net_assert_clean
}

@test "kill -9: rmi, at random moments" {
    local i want
    run_cc pull -q "$REGISTRY/test/layers:latest"
    want=$(rootfs_files "$REGISTRY/test/layers:latest")
    for ((i = 0; i < KILL9_ROUNDS; i++)); do
        run_cc pull -q "$REGISTRY/test/layers:latest"
        run_cc pull -q "$REGISTRY/test/big:latest"
        kill_at 80 rmi rmi "$REGISTRY/test/layers:latest" "$REGISTRY/test/big:latest"
        check_clean
        # the next pull works whatever the rmi had done
        run_cc pull -q "$REGISTRY/test/layers:latest"
        check_clean
        assert_no_staging
        run_cc run --rm --network none "$REGISTRY/test/layers:latest" cat /which-layer
        is "$output" "6" "the top layer's file after the pull"
        is "$(rootfs_files "$REGISTRY/test/layers:latest")" "$want" "files in the image's layers after the pull"
        run_cc '?' rmi "$REGISTRY/test/layers:latest" "$REGISTRY/test/big:latest"
        run_cc image prune -f
        check_clean
    done
}
