#!/usr/bin/env bats
#
# Volumes: the volume verbs, -v NAME:/path and anonymous volumes (their
# first mount filled from the image), --mount, --volumes-from, --shm-size,
# bind propagation (a shared tmpfs of the test's own, unmounted in teardown).

load helpers

setup_file() {
    file_setup
    start_registry
    seed_alpine library/alpine:latest
}

setup() {
    basic_setup
    skip_if_not_root "volumes need root (mounts, namespaces)"
    export CCONTAINER_REGISTRY_MIRROR=http://$REGISTRY
    run_cc pull -q alpine
}

teardown() {
    remove_all_containers
    prop_cleanup
    basic_teardown
}

# prop_setup: $PROP, a tmpfs in a shared peer group (what a host's
# `mount --make-shared` gives), with an empty directory sub/ to mount on.
prop_setup() {
    PROP=$BATS_TEST_TMPDIR/prop
    mkdir -p "$PROP"
    mount -t tmpfs -o size=1m cc-prop "$PROP"
    mount --make-shared "$PROP"
    mkdir -p "$PROP/sub"
}

# prop_cleanup: every mount at or under $PROP, deepest (and latest) first.
prop_cleanup() {
    [[ -n ${PROP:-} ]] || return 0
    local m
    while IFS= read -r m; do
        umount -l "$m" 2>/dev/null || true
    done < <(awk -v p="$PROP" '$5 == p || index($5, p "/") == 1 {print $5}' /proc/self/mountinfo | sort -r)
    PROP=
}

no_containers() {
    [[ -z $("$CC" --root "$CC_ROOT" ps -aq) ]]
}

@test "volume create, ls (filters, format, -q), inspect, rm" {
    run_cc volume create --label app=web --label tier data1
    is "$output" "data1"
    run_cc volume create data2
    # no name: a random one, not anonymous (prune without -a leaves it)
    run_cc volume create
    assert_match "$output" '^[0-9a-f]{64}$'
    local random=$output
    run_cc volume prune -f
    run_cc volume inspect --format '{{.Labels}}' "$random"
    is "$output" "map[]"
    run_cc volume rm "$random"
    # an existing name is that volume (docker's)
    run_cc volume create data1
    is "$output" "data1"
    run_cc volume ls
    assert_line_match "$output" '^DRIVER +VOLUME NAME$'
    assert_line_match "$output" '^local +data1$'
    run_cc volume ls -q
    is "$output" $'data1\ndata2'
    run_cc volume ls -q --filter label=app=web
    is "$output" "data1"
    run_cc volume ls -q --filter label=tier
    is "$output" "data1"
    run_cc volume ls -q --filter name=a2
    is "$output" "data2"
    run_cc volume ls -q --filter dangling=true
    is "$output" $'data1\ndata2'
    run_cc volume ls --format '{{.Name}} {{.Driver}} {{.Labels}}' --filter name=data1
    is "$output" "data1 local app=web,tier="
    run_cc volume inspect data1
    is "$(json_get "$output" '[0]["Name"]')" "data1"
    is "$(json_get "$output" '[0]["Driver"]')" "local"
    is "$(json_get "$output" '[0]["Scope"]')" "local"
    is "$(json_get "$output" '[0]["Mountpoint"]')" "$CC_ROOT/volumes/data1/_data"
    is "$(json_get "$output" '[0]["Labels"]')" '{"app":"web","tier":""}'
    is "$(json_get "$output" '[0]["Options"]')" "{}"
    assert_match "$(json_get "$output" '[0]["CreatedAt"]')" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T'
    [[ -d $CC_ROOT/volumes/data1/_data ]]
    run_cc volume inspect --format '{{.Name}}:{{.Driver}}' data2
    is "$output" "data2:local"
    run_cc 1 volume inspect nosuch
    assert_contains "$stderr" "no such volume"
    run_cc volume rm data1 data2
    is "$output" $'data1\ndata2'
    [[ ! -e $CC_ROOT/volumes/data1 ]]
    run_cc 1 volume rm data1
    assert_contains "$stderr" "get data1: no such volume"
    run_cc volume rm -f data1
    # names and options: docker's rules
    run_cc 1 volume create 'bad/name'
    assert_contains "$stderr" "includes invalid characters for a local volume name"
    run_cc 1 volume create x
    assert_contains "$stderr" "volume name is too short"
    run_cc 1 volume create -o type=tmpfs t1
    assert_contains "$stderr" "\"type\" is not supported"
    run_cc 1 volume create --driver other t1
    assert_contains "$stderr" "only"
    run_cc volume ls -q
    is "$output" ""
    # docker's events for them
    run_cc events --since 1h --until 0s --filter type=volume --filter volume=data1 --format '{{.Action}} {{.Actor.ID}} {{.Actor.Attributes.driver}}'
    is "$output" $'create data1 local\ndestroy data1 local'
}

@test "data in a named volume outlives its container; it is made on first use" {
    run_cc run --rm -v store:/store alpine sh -c 'echo kept > /store/f'
    run_cc volume ls -q
    is "$output" "store"
    run_cc run --name c2 -v store:/store:ro alpine cat /store/f
    is "$output" "kept"
    run_cc 1 run --rm -v store:/store:ro alpine sh -c 'echo x > /store/g'
    # in use by a stopped container: refused, -f or not
    run_cc 1 volume rm store
    assert_match "$stderr" "remove store: volume is in use - \[[0-9a-f]{64}\]"
    run_cc 1 volume rm -f store
    run_cc volume ls -q --filter dangling=false
    is "$output" "store"
    run_cc inspect c2
    is "$(json_get "$output" '[0]["Mounts"][0]["Type"]')" "volume"
    is "$(json_get "$output" '[0]["Mounts"][0]["Name"]')" "store"
    is "$(json_get "$output" '[0]["Mounts"][0]["Source"]')" "$CC_ROOT/volumes/store/_data"
    is "$(json_get "$output" '[0]["Mounts"][0]["Destination"]')" "/store"
    is "$(json_get "$output" '[0]["Mounts"][0]["Driver"]')" "local"
    is "$(json_get "$output" '[0]["Mounts"][0]["Mode"]')" "ro"
    is "$(json_get "$output" '[0]["Mounts"][0]["RW"]')" "false"
    is "$(json_get "$output" '[0]["HostConfig"]["Binds"]')" '["store:/store:ro"]'
    run_cc ps -a --format '{{.Mounts}} {{.LocalVolumes}}'
    is "$output" "store 1"
    is "$(stat -c %a "$CC_ROOT/volumes")" "700"
    # ps --filter volume: by name or destination
    run_cc ps -a --filter volume=store --format '{{.Names}}'
    is "$output" "c2"
    run_cc ps -a --filter volume=/store --format '{{.Names}}'
    is "$output" "c2"
    run_cc ps -a --filter volume=other --format '{{.Names}}'
    is "$output" ""
    # running: refused too
    run_cc run -d --name r1 -v store:/store alpine sleep 60
    run_cc rm c2
    run_cc 1 volume rm -f store
    assert_contains "$stderr" "volume is in use"
    run_cc rm -f r1
    run_cc volume rm store
    # a bad name for -v is docker's error, nothing is made
    run_cc 125 run --rm -v 'no$pe:/x' alpine true
    assert_contains "$stderr" "includes invalid characters"
}

@test "the image's content is copied into an empty volume on first mount; nocopy" {
    run_cc run --rm -v etcvol:/etc alpine true
    [[ -f $CC_ROOT/volumes/etcvol/_data/passwd ]]
    is "$(stat -c "%a %u:%g" "$CC_ROOT/volumes/etcvol/_data/shadow")" "640 0:42"
    run_cc run --rm -v etcvol:/etc alpine stat -c '%a %u:%g' /etc/shadow /etc
    assert_line_match "$output" '^640 0:42$'
    assert_line_match "$output" '^755 0:0$'
    # not empty any more: what the container wrote stays, no copy again
    run_cc run --rm -v etcvol:/etc alpine sh -c 'rm /etc/passwd'
    run_cc run --rm -v etcvol:/etc alpine sh -c 'test ! -e /etc/passwd'
    run_cc run --rm -v empty:/etc:nocopy alpine ls -A /etc
    is "$output" ""
    run_cc run --rm --mount type=volume,src=empty2,dst=/etc,volume-nocopy alpine ls -A /etc
    is "$output" ""
}

@test "hostile: a volume's first-mount copy resolves the target in the container's root, never the host's" {
    local ctx=$BATS_TEST_TMPDIR/hctx
    mkdir -p "$ctx"
    # the mount point is a symlink climbing out: it lands on the container's /etc
    printf 'FROM alpine\nRUN ln -s ../../../../../../etc /evil && ln -s /etc/shadow /etc/shadowlink\n' >"$ctx/Containerfile"
    run_cc build -q -t hostile-vol "$ctx"
    run_cc run --rm -v evilvol:/evil hostile-vol true
    local data=$CC_ROOT/volumes/evilvol/_data
    [[ -f $data/alpine-release ]] || die "the container's /etc was not copied"
    [[ ! -e $data/debian_version ]] || die "the host's /etc was copied into the volume"
    # a symlink inside is copied as a link, not as the file it names
    is "$(readlink "$data/shadowlink")" "/etc/shadow"
    is "$(stat -c %s "$data/shadow")" "$(run_cc run --rm hostile-vol stat -c %s /etc/shadow >&2; echo "$output")" \
        "shadow is the container's"
    run_cc run --rm -v evilvol:/evil hostile-vol sh -c 'cat /evil/alpine-release'
    assert_match "$output" '^3\.'
}

@test "anonymous volumes: -v /path and the image's VOLUME; rm -v and run --rm remove them" {
    local ctx=$BATS_TEST_TMPDIR/ctx
    mkdir -p "$ctx"
    printf 'FROM alpine\nRUN mkdir /data && echo seeded > /data/f && chown 123:45 /data/f && ln -s /etc/shadow /data/ln && chmod 4755 /data/f\nVOLUME /data\n' >"$ctx/Containerfile"
    run_cc build -q -t withvol "$ctx"
    run_cc run --name a1 withvol sh -c 'stat -c "%u:%g %a" /data/f; cat /data/f'
    is "$output" $'123:45 4755\nseeded'
    # a symlink is copied as one, never followed to the host's file
    local data
    data=$(ls -d "$CC_ROOT"/volumes/*/_data)
    is "$(readlink "$data/ln")" "/etc/shadow"
    [[ -L $data/ln ]]
    run_cc volume ls -q
    assert_match "$output" '^[0-9a-f]{64}$'
    local anon=$output
    run_cc volume inspect "$anon"
    is "$(json_get "$output" '[0]["Labels"]')" '{"com.docker.volume.anonymous":""}'
    run_cc inspect a1
    is "$(json_get "$output" '[0]["Mounts"][0]["Name"]')" "$anon"
    is "$(json_get "$output" '[0]["HostConfig"]["Binds"]')" "null"
    # rm without -v keeps it, as docker
    run_cc rm a1
    run_cc volume ls -q
    is "$output" "$anon"
    run_cc volume prune -f
    assert_contains "$output" "Deleted Volumes:"
    assert_contains "$output" "$anon"
    assert_contains "$output" "Total reclaimed space:"
    # rm -v
    run_cc run --name a2 -v /scratch alpine true
    run_cc volume ls -q
    assert_match "$output" '^[0-9a-f]{64}$'
    run_cc rm -v a2
    run_cc volume ls -q
    is "$output" ""
    # run --rm (foreground and detached)
    run_cc run --rm -v /scratch withvol true
    run_cc volume ls -q
    is "$output" ""
    run_cc run -d --rm --name d1 -v /scratch alpine sleep 0.3
    wait_until 20 no_containers
    run_cc volume ls -q
    is "$output" ""
    # a -v for the image's VOLUME target replaces the anonymous one
    run_cc run --rm -v named:/data withvol cat /data/f
    is "$output" "seeded"
    run_cc volume ls -q
    is "$output" "named"
}

@test "volume prune: anonymous unused ones without -a, all unused with -a; it asks unless -f" {
    run_cc volume create keep
    run_cc volume create used
    run_cc create --name holder -v used:/u -v /anon-used alpine true
    run_cc run --name gone -v /anon alpine true
    run_cc rm gone
    run_cc volume ls -q
    [[ $(wc -l <<<"$output") == 4 ]]
    # no answer: nothing removed
    run_cc volume prune
    assert_contains "$stderr" "Are you sure you want to continue?"
    run_cc volume ls -q
    [[ $(wc -l <<<"$output") == 4 ]]
    run_cc volume prune --help
    run_cc volume ls -q
    [[ $(wc -l <<<"$output") == 4 ]]
    run_cc volume prune -f
    run_cc volume ls -q
    [[ $(wc -l <<<"$output") == 3 ]]
    assert_line_match "$output" '^keep$'
    run_cc volume prune -a -f
    run_cc volume ls -q
    [[ $(wc -l <<<"$output") == 2 ]]
    assert_line_match "$output" '^used$'
    run_cc rm -v holder
    run_cc volume ls -q
    is "$output" "used"
}

@test "--mount bind, volume, tmpfs with their options and errors" {
    local host=$BATS_TEST_TMPDIR/host
    mkdir -p "$host"
    echo hello >"$host/f"
    run_cc run --rm --mount type=bind,source="$host",target=/h,readonly alpine sh -c 'cat /h/f; touch /h/x 2>&1 || echo ro'
    assert_contains "$output" "hello"
    assert_line_match "$output" "Read-only file system|ro"
    run_cc run --rm --mount type=bind,src="$host",dst=/h,bind-propagation=rprivate alpine sh -c 'echo w > /h/w'
    [[ -f $host/w ]]
    # -v makes a missing host directory (docker's), --mount does not (below)
    run_cc run --rm -v "$host/made/here":/m:rprivate alpine touch /m/x
    [[ -f $host/made/here/x ]]
    run_cc run --rm --mount type=volume,source=mv,destination=/m alpine sh -c 'echo v > /m/v'
    run_cc run --rm --mount src=mv,dst=/m,ro=true alpine cat /m/v
    is "$output" "v"
    run_cc run --rm --mount type=tmpfs,dst=/t,tmpfs-size=1m,tmpfs-mode=0700 alpine sh -c 'stat -c %a /t; df -k /t | tail -1'
    assert_line_match "$output" '^700$'
    assert_line_match "$output" ' 1024 '
    # errors, each one line
    run_cc 125 run --rm --mount type=bind,src=/nonexistent-cc,dst=/x alpine true
    is "$stderr" 'Error: invalid mount config for type "bind": bind source path does not exist: /nonexistent-cc'
    run_cc 125 run --rm --mount type=bind,dst=/x alpine true
    assert_contains "$stderr" "field Source must not be empty"
    run_cc 125 run --rm --mount type=volume,src=v1 alpine true
    assert_contains "$stderr" "target is required"
    run_cc 125 run --rm --mount type=tmpfs,src=x,dst=/t alpine true
    assert_contains "$stderr" "field Source must not be specified"
    run_cc 125 run --rm --mount type=volume,src=v1,dst=/t,tmpfs-size=1m alpine true
    assert_contains "$stderr" "field TmpfsOptions must not be specified"
    run_cc 125 run --rm --mount type=bind,src=/tmp,dst=/t,bind-propagation=rsharedx alpine true
    is "$stderr" 'Error: invalid mount config for type "bind": invalid propagation mode: rsharedx'
    run_cc 125 run --rm --mount type=volume,src=v1,dst=/t,bind-propagation=rslave alpine true
    assert_contains "$stderr" "field BindOptions must not be specified"
    run_cc 125 run --rm --mount type=nfs,dst=/t alpine true
    assert_contains "$stderr" "mount type 'nfs' is not supported"
    run_cc 125 run --rm --mount type=volume,dst=/t,bogus=1 alpine true
    assert_contains "$stderr" "unexpected key 'bogus'"
    run_cc 125 run --rm -v a1:/t --mount type=volume,src=a2,dst=/t alpine true
    assert_contains "$stderr" "Duplicate mount point: /t"
    run_cc 125 run --rm -v "$host":/t:nocopy alpine true
    assert_contains "$stderr" "invalid mode: nocopy"
    # none of the refused runs made a volume or a container
    run_cc volume ls -q
    is "$output" "mv"
    run_cc ps -aq
    is "$output" ""
}

@test "--volumes-from, and --shm-size in the container" {
    run_cc create --name src -v shared:/s -v /anon alpine true
    run_cc run --rm --volumes-from src alpine sh -c 'echo from > /s/f; echo a > /anon/a'
    run_cc run --rm --volumes-from src:ro alpine sh -c 'cat /s/f /anon/a; touch /s/x 2>/dev/null || echo ro'
    is "$output" $'from\na\nro'
    run_cc 125 run --rm --volumes-from nosuch alpine true
    assert_contains "$stderr" "No such container: nosuch"
    run_cc run --rm --shm-size 8m alpine sh -c 'df -k /dev/shm | tail -1'
    assert_match "$output" ' 8192 '
    run_cc run --rm alpine sh -c 'df -k /dev/shm | tail -1'
    assert_match "$output" ' 65536 '
    run_cc create --name shm --shm-size 2m alpine true
    run_cc inspect shm
    is "$(json_get "$output" '[0]["HostConfig"]["ShmSize"]')" "2097152"
}

@test "bind propagation: rslave sees the host's later mounts below the source, rprivate does not" {
    prop_setup
    run_cc run -d --name slave -v "$PROP":/data:rslave alpine sleep 300
    run_cc run -d --name mnt --mount type=bind,src="$PROP",dst=/data,bind-propagation=RSLAVE alpine sleep 300
    run_cc run -d --name priv -v "$PROP":/data alpine sleep 300
    run_cc run -d --name slave1 -v "$PROP":/data:slave,ro alpine sleep 300
    # a mount made on the host after the containers started
    mount -t tmpfs -o size=1m cc-prop-sub "$PROP/sub"
    echo later >"$PROP/sub/hello"
    local c
    for c in slave mnt slave1; do
        run_cc exec $c cat /data/sub/hello
        is "$output" "later" "$c sees the host's new mount"
    done
    run_cc exec priv ls -A /data/sub
    is "$output" "" "rprivate (the default) does not"
    # unmounting on the host reaches the slave copies too
    umount "$PROP/sub"
    run_cc exec slave ls -A /data/sub
    is "$output" "" "the host's unmount reached rslave"
    # docker's inspect: the bind's mode, rprivate by default
    run_cc inspect --format '{{range .Mounts}}{{.Propagation}}{{end}}' slave mnt priv slave1
    is "$output" $'rslave\nrslave\nrprivate\nslave'
    run_cc inspect slave
    is "$(json_get "$output" '[0]["HostConfig"]["Binds"]')" "[\"$PROP:/data\"]"
}

@test "bind propagation: rshared receives the host's mounts; the container's own never reach the host" {
    prop_setup
    run_cc run -d --name sh -v "$PROP":/data:rshared alpine sleep 300
    mount -t tmpfs -o size=1m cc-prop-sub "$PROP/sub"
    echo later >"$PROP/sub/hello"
    run_cc exec sh cat /data/sub/hello
    is "$output" "later"
    umount "$PROP/sub"
    # a privileged container mounting below its rshared bind: its own namespace only
    run_cc run --rm --privileged -v "$PROP":/data:rshared alpine \
        sh -c 'mount -t tmpfs inner /data/sub && touch /data/sub/inner && grep -c " /data/sub " /proc/self/mountinfo'
    is "$output" "1"
    [[ ! -e $PROP/sub/inner ]]
    assert_no_line_match "$(cat /proc/self/mountinfo)" " $PROP/sub "
    run_cc inspect --format '{{range .Mounts}}{{.Propagation}}{{end}}' sh
    is "$output" "rshared"
}

@test "bind propagation: the modes docker takes, its errors; volumes and tmpfs have none" {
    local host=$BATS_TEST_TMPDIR/host
    mkdir -p "$host"
    local m
    for m in private rprivate shared rshared slave rslave; do
        run_cc run --rm -v "$host":/h:$m alpine sh -c "echo $m > /h/$m"
        [[ -f $host/$m ]]
    done
    run_cc 125 run --rm -v "$host":/h:rfoo alpine true
    is "$stderr" "Error: invalid mode: rfoo"
    run_cc 125 run --rm -v "$host":/h:rslave,rshared alpine true
    is "$stderr" "Error: invalid mode: rslave,rshared"
    run_cc 125 run --rm -v vol:/h:rslave alpine true
    is "$stderr" "Error: invalid mode: rslave"
    run_cc 125 run --rm --mount type=bind,src="$host",dst=/h,bind-propagation=unbindable alpine true
    is "$stderr" 'Error: invalid mount config for type "bind": invalid propagation mode: unbindable'
    # inspect: "" for volumes (docker's), tmpfs is HostConfig.Tmpfs
    run_cc create --name c -v "$host":/h:ro,rslave -v vol:/v --tmpfs /t alpine true
    run_cc inspect c
    is "$(json_get "$output" '[0]["Mounts"][0]["Propagation"]')" "rslave"
    is "$(json_get "$output" '[0]["Mounts"][0]["RW"]')" "false"
    is "$(json_get "$output" '[0]["Mounts"][1]["Propagation"]')" ""
    # --volumes-from keeps a bind's propagation
    run_cc create --name d --volumes-from c alpine true
    run_cc inspect --format '{{range .Mounts}}{{.Destination}}={{.Propagation}} {{end}}' d
    is "$output" "/h=rslave /v= "
}
