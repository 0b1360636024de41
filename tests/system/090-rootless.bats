#!/usr/bin/env bats
#
# Rootless: ccontainer as an ordinary user.  The file makes a user with a
# subordinate ID range (and one without), runs ccontainer as them
# (runuser, a clean environment: the store and runroot are their XDG
# defaults), and removes them, their pause process and their files again.
# pasta needs /dev/net/tun usable by everyone (Debian's 0666; this VM has
# 0600): set for the file, restored after.

load helpers

RL_USER=ccrltest
RL_USER2=ccrltest2

setup_file() {
    file_setup
    start_registry
    seed_alpine library/alpine:latest
    command -v newuidmap >/dev/null || die "newuidmap is not installed (Debian: uidmap)"
    command -v pasta >/dev/null || die "pasta is not installed (Debian: passt)"
    local u
    for u in $RL_USER $RL_USER2; do
        if id "$u" >/dev/null 2>&1; then
            die "user $u exists already: not ours to use"
        fi
        useradd -m -s /bin/sh "$u"
    done
    # useradd gives a range where login.defs says so (Debian does); the
    # first user keeps or gets one, the second has none
    sed -i "/^$RL_USER2:/d" /etc/subuid /etc/subgid
    if ! grep -q "^$RL_USER:" /etc/subuid || ! grep -q "^$RL_USER:" /etc/subgid; then
        local top
        top=$(awk -F: '{ e = $2 + $3; if (e > m) m = e } END { print (m > 300000 ? m : 300000) }' /etc/subuid /etc/subgid)
        sed -i "/^$RL_USER:/d" /etc/subuid /etc/subgid
        echo "$RL_USER:$top:65536" >>/etc/subuid
        echo "$RL_USER:$top:65536" >>/etc/subgid
    fi
    export RL_START RL_COUNT
    RL_START=$(awk -F: -v u=$RL_USER '$1 == u { print $2; exit }' /etc/subuid)
    RL_COUNT=$(awk -F: -v u=$RL_USER '$1 == u { print $3; exit }' /etc/subuid)
    [[ $(awk -F: -v u=$RL_USER '$1 == u { print $2 ":" $3; exit }' /etc/subgid) == "$RL_START:$RL_COUNT" ]] ||
        die "the test user's subgid range differs from its subuid range"
    export RL_UID RL_UID2 RL_TUN_MODE
    RL_UID=$(id -u $RL_USER)
    RL_UID2=$(id -u $RL_USER2)
    RL_TUN_MODE=$(stat -c %a /dev/net/tun)
    chmod 0666 /dev/net/tun
    # the binaries, and files the tests share with the users, where they
    # can reach them (bats' own directories are root's alone)
    export RL_DIR RL_BIN
    RL_DIR=$(mktemp -d /tmp/ccrl.XXXXXX)
    RL_BIN=$RL_DIR/bin
    mkdir -p "$RL_BIN"
    local bin=${CCONTAINER_BINARY:-$CC}
    cp "$bin" "$(dirname "$bin")/ccontainer-monitor" "$RL_BIN/"
    chmod 0755 "$RL_DIR" "$RL_BIN" "$RL_BIN"/*
    local who
    for who in 1 2; do
        local name=$RL_USER
        [[ $who == 1 ]] || name=$RL_USER2
        cat >"$RL_BIN/as-$who" <<EOF
#!/bin/sh
exec runuser -u $name -- env -i HOME=/home/$name PATH=/usr/bin:/bin \
    CCONTAINER_REGISTRY_MIRROR=http://$REGISTRY $RL_BIN/ccontainer "\$@"
EOF
        chmod 0755 "$RL_BIN/as-$who"
    done
}

teardown_file() {
    local u uid
    for u in $RL_USER $RL_USER2; do
        uid=$(id -u "$u" 2>/dev/null) || continue
        # what the user's ccontainer started: its containers, then its
        # pause process (by the pid it recorded)
        "$RL_BIN/as-${u#ccrltest}" rm -af >/dev/null 2>&1 || true
        local pf=/tmp/ccontainer-run-$uid/pause.pid
        [[ -f $pf ]] && kill "$(cut -d' ' -f1 "$pf")" 2>/dev/null || true
        rm -rf "/tmp/ccontainer-run-$uid"
        userdel -r "$u" >/dev/null 2>&1 || true
    done
    sed -i "/^$RL_USER:/d; /^$RL_USER2:/d" /etc/subuid /etc/subgid
    [[ -z ${RL_DIR:-} ]] || rm -rf "$RL_DIR"
    [[ -z ${RL_TUN_MODE:-} ]] || chmod "$RL_TUN_MODE" /dev/net/tun
    file_teardown
}

setup() {
    basic_setup
    # run_cc as the user: their store (--root is their default's path)
    export CC=$RL_BIN/as-1 CC_ROOT=/home/$RL_USER/.local/share/ccontainer
}

teardown() {
    "$RL_BIN/as-1" rm -af >/dev/null 2>&1 || true
    basic_teardown
}

# The host IDs owning anything in the user's store that are neither the
# user's nor in the user's range (none is the point).
foreign_owners() {
    find "$CC_ROOT" \( ! -uid "$RL_UID" -a \( -uid -$((RL_START)) -o -uid +$((RL_START + RL_COUNT - 1)) \) \) \
        -printf '%U %p\n' 2>/dev/null | head -5
}

@test "rootless: info says so, with the user's ID maps, the XDG store and pasta" {
    run_cc info --format '{{.Rootless}}|{{.DockerRootDir}}|{{.RunRoot}}|{{.NetworkHelper}}|{{json .IDMappings.UIDMap}}'
    is "$output" "true|/home/$RL_USER/.local/share/ccontainer|/tmp/ccontainer-run-$RL_UID|pasta|[{\"ContainerID\":0,\"HostID\":$RL_UID,\"Size\":1},{\"ContainerID\":1,\"HostID\":$RL_START,\"Size\":$RL_COUNT}]"
    run_cc info
    assert_line_match "$output" '^ Rootless: true$'
    # one pause process holds the namespace, owned by the user
    local pid
    pid=$(cut -d' ' -f1 /tmp/ccontainer-run-$RL_UID/pause.pid)
    is "$(stat -c %u /proc/$pid)" "$RL_UID"
    is "$(stat -c %a /tmp/ccontainer-run-$RL_UID)" "700"
}

@test "rootless: pull, images, run --rm, run -d, exec, logs, stop, rm" {
    run_cc pull -q alpine
    run_cc images --format '{{.Repository}}:{{.Tag}}'
    is "$output" "alpine:latest"
    # root inside is the user, the range is 1 and up
    run_cc run --rm --network none alpine sh -c 'id -u; tr -s " " < /proc/self/uid_map'
    is "${lines[0]}" "0"
    assert_match "${lines[1]}" "^ ?0 $RL_UID 1$"
    assert_match "${lines[2]}" "^ ?1 $RL_START $RL_COUNT$"
    run_cc run -d --name d1 alpine sh -c 'echo started; exec sleep 300'
    run_cc exec d1 sh -c 'echo from-exec; ps -o pid,comm | grep -c sleep'
    is "$output" $'from-exec\n1'
    wait_until 10 "$CC" logs d1
    run_cc logs d1
    is "$output" "started"
    run_cc stop -t 1 d1
    run_cc inspect -f '{{.State.Status}}' d1
    is "$output" "exited"
    run_cc rm d1
    run_cc ps -aq
    is "$output" ""
    [[ -z $(foreign_owners) ]] || die "the store has files of host IDs outside the user's: $(foreign_owners)"
}

@test "rootless: relative paths are the user's working directory's (build ., save -o)" {
    run_cc pull -q alpine
    local d=$RL_DIR/cwd
    mkdir -p "$d"
    printf 'FROM alpine\nCOPY hello /hello\n' >"$d/Containerfile"
    echo from-cwd >"$d/hello"
    chmod -R a+rX "$d"
    chmod a+w "$d"
    local env="env -i HOME=/home/$RL_USER PATH=/usr/bin:/bin"
    run runuser -u "$RL_USER" -- sh -c "cd '$d' && $env $RL_BIN/ccontainer build -q -t rlcwd . &&
        $env $RL_BIN/ccontainer run --rm --network none rlcwd cat /hello && $env $RL_BIN/ccontainer save -o img.tar rlcwd"
    echo "$output"
    is "$status" "0"
    is "${lines[-1]}" "from-cwd"
    [[ -s $d/img.tar ]] || die "save -o img.tar did not write into the working directory"
}

@test "rootless: build with RUN adduser keeps the other ID's files, mapped into the user's range" {
    run_cc pull -q alpine
    local ctx=$RL_DIR/ctx
    mkdir -p "$ctx"
    # (the host's loopback is pasta's gateway address, as rootless podman's)
    printf 'FROM alpine\nRUN adduser -D -u 1234 bob && touch /home/bob/f && chown bob:bob /home/bob/f\nRUN wget -q -T 5 -O /dev/null http://$(ip route | awk "/default/ {print \\$3}"):%s/v2/ && echo net-ok\n' \
        "${REGISTRY##*:}" >"$ctx/Containerfile"
    chmod -R a+rX "$ctx"
    run_cc build -t rlb "$ctx"
    assert_contains "$output" "net-ok"
    run_cc run --rm --network none rlb stat -c '%u:%g %n' /home/bob/f
    is "$output" "1234:1234 /home/bob/f"
    # on the host: the range's ID for 1234
    local f
    f=$(find "$CC_ROOT/layers" -path '*/home/bob/f' | head -1)
    [[ -n $f ]] || die "no layer has /home/bob/f"
    is "$(stat -c %u:%g "$f")" "$((RL_START + 1233)):$((RL_START + 1233))"
    [[ -z $(foreign_owners) ]] || die "the store has files of host IDs outside the user's: $(foreign_owners)"
}

@test "rootless: a published port is reachable from the host through pasta; DNS goes through it" {
    run_cc pull -q alpine
    local port=$((30000 + RANDOM % 20000))
    # two mappings, one with an address: each its own (pasta's address
    # would apply to a whole list)
    run_cc run -d --name web -p "127.0.0.1:$port:80" -p "$((port + 1)):81" alpine sh -c \
        'nc -lk -p 81 -e echo other & exec nc -lk -p 80 -e echo hello-rootless'
    local got2=""
    for _ in $(seq 50); do
        got2=$(python3 -c 'import socket,sys; s=socket.create_connection(("127.0.0.1",int(sys.argv[1])),2); print(s.recv(64).decode().strip())' "$((port + 1))" 2>/dev/null) && [[ -n $got2 ]] && break
        sleep 0.1
    done
    is "$got2" "other"
    # the second one is on every address, the first on loopback only
    ss -Hltn "sport = :$((port + 1))" | grep -q '\*:\|0\.0\.0\.0:' || die "port $((port + 1)) is not on every address"
    ss -Hltn "sport = :$port" | grep -q '127\.0\.0\.1:' || die "port $port is not on 127.0.0.1"
    run_cc inspect -f '{{.HostConfig.NetworkMode}}' web
    is "$output" "pasta"
    local got=""
    for _ in $(seq 50); do
        got=$(python3 -c 'import socket,sys; s=socket.create_connection(("127.0.0.1",int(sys.argv[1])),2); print(s.recv(64).decode().strip())' "$port" 2>/dev/null) && [[ -n $got ]] && break
        sleep 0.1
    done
    is "$got" "hello-rootless"
    run_cc exec web cat /etc/resolv.conf
    assert_line_match "$output" '^nameserver 169\.254\.1\.1$'
    # the container reaches the host's loopback (the registry) through
    # pasta's gateway address
    run_cc exec web sh -c "wget -q -T 5 -O /dev/null http://\$(ip route | awk '/default/ {print \$3}'):${REGISTRY##*:}/v2/ && echo reached"
    is "$output" "reached"
    run_cc rm -f web
    # pasta went with it
    ! pgrep -u "$RL_UID" -x passt.avx2 -r R,S >/dev/null || die "pasta is still running"
}

@test "rootless: --network slirp4netns (pasta's fallback): a published port, DNS, the host's loopback" {
    run_cc pull -q alpine
    local port=$((30000 + RANDOM % 20000))
    run_cc run -d --name sl --network slirp4netns -p "127.0.0.1:$port:80" alpine nc -lk -p 80 -e echo hello-slirp
    run_cc inspect -f '{{.HostConfig.NetworkMode}}' sl
    is "$output" "slirp4netns"
    local got=""
    for _ in $(seq 50); do
        got=$(python3 -c 'import socket,sys; s=socket.create_connection(("127.0.0.1",int(sys.argv[1])),2); print(s.recv(64).decode().strip())' "$port" 2>/dev/null) && [[ -n $got ]] && break
        sleep 0.1
    done
    is "$got" "hello-slirp"
    run_cc exec sl cat /etc/resolv.conf
    assert_line_match "$output" '^nameserver 10\.0\.2\.3$'
    run_cc exec sl sh -c "wget -q -T 5 -O /dev/null http://10.0.2.2:${REGISTRY##*:}/v2/ && echo reached"
    is "$output" "reached"
    run_cc rm -f sl
    ! pgrep -u "$RL_UID" -x slirp4netns -r R,S >/dev/null || die "slirp4netns is still running"
    [[ -z $(ls /tmp/ccontainer-run-$RL_UID/ | grep slirp) ]] || die "slirp4netns's files are left"
}

@test "rootless: limits are refused with the reason; bridge is pasta, user networks are refused" {
    run_cc pull -q alpine
    run_cc 125 run --rm --memory 64m alpine true
    assert_contains "$stderr" "a rootless container has none here"
    run_cc 125 run --rm --pids-limit 10 alpine true
    assert_contains "$stderr" "need cgroups"
    # bridge is pasta here (podman's rootless default); user networks wait
    run_cc run --rm --network bridge alpine sh -c 'grep -c eth0 /proc/net/dev'
    is "$output" "1"
    run_cc 1 network create rlnet
    is "$stderr" "Error: rootless: user-defined networks are not supported yet (a rootless container has pasta, none or host)"
    run_cc 125 run --rm --network pasta --ip 10.1.2.3 alpine true
    # --userns: host (the user's namespace) is what there is
    run_cc run --rm --network none --userns host alpine true
    run_cc 125 run --rm --network none --userns keep-id alpine true
    is "$stderr" "Error: --userns=keep-id is not supported yet (only host: the user's own namespace)"
}

@test "rootless: root in the container is not root on the host" {
    run_cc pull -q alpine
    local d=$RL_DIR/hostfiles
    mkdir -p "$d"
    echo original >"$d/rootfile"
    chmod 0755 "$d"
    chmod 0644 "$d/rootfile"
    run_cc 1 run --rm -v "$d/rootfile:/x" alpine sh -c 'echo changed >> /x'
    assert_contains "$stderr$output" "ermission denied"
    is "$(cat "$d/rootfile")" "original"
    # a host file only root may read stays unreadable
    run_cc 1 run --rm -v /etc/shadow:/shadow:ro alpine cat /shadow
    assert_contains "$stderr$output" "ermission denied"
    # root's files show as nobody's, and chown of them is refused
    run_cc 1 run --rm -v "$d/rootfile:/x" alpine sh -c 'stat -c %u /x; chown 0 /x'
    assert_contains "$output" "65534"
}

@test "rootless: a user without a subuid range gets the single-ID mapping, with a warning" {
    # the first command makes the namespace, and says why it is so small
    run "$RL_BIN/as-2" info --format '{{json .IDMappings.UIDMap}}'
    echo "$output"
    assert_contains "$output" "no subuid range for user $RL_USER2"
    assert_contains "$output" "[{\"ContainerID\":0,\"HostID\":$RL_UID2,\"Size\":1}]"
}

@test "rootless: nothing of the host's reaches the container: environment, fds, the binary (pasta too)" {
    run_cc pull -q alpine
    # PID 1 of a pasta container: fds 0-2 only (pasta's namespace fd and
    # the re-exec's mark stay outside)
    run_cc run -d --name hx alpine sh -c 'exec sleep 300'
    run_cc exec hx sh -c 'ls /proc/1/fd | tr "\n" " "; echo; env | grep -c -e CCONTAINER -e ROOTLESS; readlink /proc/$$/exe'
    is "${lines[0]}" "0 1 2 "
    is "${lines[1]}" "0"
    is "${lines[2]}" "/bin/busybox"
    # the exec'd process cannot open the host's ccontainer through /proc
    run_cc 1 exec hx sh -c 'for p in /proc/[0-9]*; do cat $p/exe >/dev/null 2>&1 && readlink $p/exe; done | grep -v busybox'
    run_cc rm -f hx
}
