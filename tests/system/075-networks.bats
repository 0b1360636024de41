#!/usr/bin/env bats
#
# User-defined networks: network create/ls/inspect/rm/prune/connect/
# disconnect, run --network NAME (several), --ip, --mac-address,
# --network-alias, --network container:X, --internal, isolation between
# networks, and cleanup (no bridge, chain or lease left).  Traffic stays on
# the networks the tests create.

load helpers
load helpers.network

setup_file() {
    file_setup
    net_file_setup
    start_registry
    seed_alpine library/alpine:latest
}

teardown_file() {
    file_teardown
    net_file_teardown
}

setup() {
    basic_setup
    export CCONTAINER_REGISTRY_MIRROR=http://$REGISTRY
    run_cc pull -q alpine
}

teardown() {
    kill_background
    remove_all_containers
    remove_networks
    basic_teardown
}

# The store's user-defined networks' bridges (from its database).
store_bridges() {
    [[ -f $CC_ROOT/store.db ]] || return 0
    python3 - "$CC_ROOT/store.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=30)
try:
    for (b,) in db.execute("SELECT bridge FROM networks"):
        print(b)
except sqlite3.OperationalError:
    pass
PY
}

# network rm of every user network, then by hand whatever a failure left.
remove_networks() {
    local bridges b
    bridges=$(store_bridges)
    "$CCONTAINER_BINARY" --root "$CC_ROOT" network prune -f >/dev/null 2>&1 || true
    for b in $bridges; do
        ip link del "$b" 2>/dev/null || true
        nft -a list table ip ccontainer 2>/dev/null | grep -o "chain n_${b}_[0-9a-f]*_[0-9]*_[a-z]*" |
            cut -d' ' -f2 | while read -r c; do nft delete chain ip ccontainer "$c" 2>/dev/null || true; done
        nft delete element ip ccontainer bridges "{ \"$b\" }" 2>/dev/null || true
    done
}

# A /24 that no route on the host uses: 10.232.N.0/24, N from the arguments'
# offset so that two in one test differ.
free_subnet() {
    local third
    for third in $(shuf -i 20-250 -n 60); do
        if ! ip -4 route show | grep -q "^10\.232\.$third\."; then
            echo "10.232.$third"
            return 0
        fi
    done
    die "no free 10.232.X.0/24 subnet"
}

# No interface, chain or set element left for bridge $1.
assert_bridge_gone() {
    run ip link show "$1"
    isnt "$status" "0" "bridge $1 still exists"
    run nft list table ip ccontainer
    assert_not_contains "$output" "n_$1_"
    assert_not_contains "$output" "\"$1\""
}

MYIP='ip -4 -o addr show eth0 | awk "{print \$4}" | cut -d/ -f1'

@test "network create, ls, inspect, rm: docker's shapes; the bridge and its rules go with rm" {
    local sub
    sub=$(free_subnet)
    run_cc network create --subnet "$sub.0/24" --gateway "$sub.254" --ip-range "$sub.128/25" \
        --label team=a --label tier -o com.docker.network.bridge.name=cct-mine mine
    local id=$output
    assert_match "$id" '^[0-9a-f]{64}$'
    run_cc network create auto
    run_cc network ls
    is "${lines[0]}" "NETWORK ID     NAME      DRIVER    SCOPE"
    assert_line_match "^${id:0:12}   mine      bridge    local$"
    assert_line_match "^[0-9a-f]{12}   bridge    bridge    local$"
    assert_line_match "^[0-9a-f]{12}   host      host      local$"
    assert_line_match "^[0-9a-f]{12}   none      null      local$"
    run_cc network ls --filter type=custom --format '{{.Name}} {{.Driver}} {{.Internal}}'
    is "$output" $'auto bridge false\nmine bridge false'
    run_cc network ls -q --no-trunc --filter label=team=a
    is "$output" "$id"
    run_cc network ls --filter name=mi --format '{{.Name}}'
    is "$output" "mine"

    run_cc network inspect mine
    is "$(jq -r '.[0].Name, .[0].Id, .[0].Driver, .[0].Scope, .[0].Internal' <<<"$output" | tr '\n' ' ')" \
        "mine $id bridge local false "
    is "$(jq -c '.[0].IPAM.Config' <<<"$output")" "[{\"Subnet\":\"$sub.0/24\",\"Gateway\":\"$sub.254\",\"IPRange\":\"$sub.128/25\"}]"
    is "$(jq -c '.[0].Labels' <<<"$output")" '{"team":"a","tier":""}'
    is "$(jq -r '.[0].Options["com.docker.network.bridge.name"]' <<<"$output")" "cct-mine"
    run_cc network inspect -f '{{.Name}} {{len .Containers}}' "${id:0:10}" auto
    is "$output" $'mine 0\nauto 0'
    run_cc network inspect -f '{{(index .IPAM.Config 0).Subnet}}' auto
    assert_match "$output" '^10\.89\.[0-9]+\.0/24$'

    # containers get addresses from the range, the bridge exists while used
    run_cc run --rm --network mine alpine sh -c "$MYIP; ip route"
    assert_match "${lines[0]}" "^${sub//./\\.}\.(12[89]|1[3-9][0-9]|2[0-4][0-9]|25[0-3])$"
    assert_contains "$output" "default via $sub.254 dev eth0"
    ip link show cct-mine >/dev/null

    run_cc network rm mine auto
    is "$output" $'mine\nauto'
    assert_bridge_gone cct-mine
    run_cc 1 network inspect mine
    is "$stderr" "Error: network mine not found"
    run_cc network rm -f mine
    run_cc network ls --filter type=custom -q
    is "$output" ""
    net_assert_clean
}

@test "network create: errors are docker's, one line, and leave nothing" {
    local sub
    sub=$(free_subnet)
    run_cc network create --subnet "$sub.0/24" one
    run_cc 1 network create one
    is "$stderr" "Error: network with name one already exists"
    run_cc 1 network create --subnet "$sub.0/25" two
    is "$stderr" "Error: invalid pool request: Pool overlaps with other one on this address space"
    run_cc 1 network create --subnet "$sub.1/24" two
    assert_contains "$stderr" "host bits are set"
    run_cc 1 network create --gateway 10.1.1.1 two
    is "$stderr" "Error: --gateway requires --subnet"
    run_cc 1 network create --driver overlay two
    assert_contains "$stderr" "bridge driver only"
    run_cc 1 network create 'bad name'
    assert_contains "$stderr" "invalid network name"
    run_cc 1 network create bridge
    assert_contains "$stderr" "pre-defined network"
    run_cc 1 network rm bridge
    is "$stderr" "Error: bridge is a pre-defined network and cannot be removed"
    run_cc 1 network rm nosuch
    is "$stderr" "Error: network nosuch not found"
    run_cc network ls --filter type=custom --format '{{.Name}}'
    is "$output" "one"
}

@test "networks are isolated: containers reach each other on theirs, not across networks or from the default bridge" {
    local a b
    a=$(free_subnet)
    run_cc network create --subnet "$a.0/24" neta
    b=$(free_subnet)
    [[ $b != "$a" ]] || b=$(free_subnet)
    run_cc network create --subnet "$b.0/24" netb
    run_cc run -d --name srv --network neta alpine nc -lk -p 80 -e echo hello
    run_cc inspect -f '{{.NetworkSettings.Networks.neta.IPAddress}}' srv
    local ip=$output
    assert_match "$ip" "^${a//./\\.}\."
    run_cc run --rm --network neta alpine nc -w 3 "$ip" 80
    is "$output" "hello"
    # --dns-search and --dns-option with the network's own resolver too
    run_cc run --rm --network neta --dns-search example.com --dns-option ndots:2 alpine cat /etc/resolv.conf
    assert_line_match "$output" '^search example\.com$'
    assert_line_match "$output" '^options ndots:2$'
    run_cc 1 run --rm --network netb alpine nc -w 2 "$ip" 80
    is "$output" ""
    run_cc 1 run --rm alpine nc -w 2 "$ip" 80
    is "$output" ""
    # a user network's container is not on the default bridge's inspect fields
    run_cc inspect -f '{{.Id}}' srv
    local id=$output
    run_cc inspect -f '{{.NetworkSettings.IPAddress}}|{{.HostConfig.NetworkMode}}|{{json .NetworkSettings.Networks.neta.DNSNames}}' srv
    is "$output" "|neta|[\"srv\",\"${id:0:12}\"]"
    run_cc ps --filter network=neta --format '{{.Names}} {{.Networks}}'
    is "$output" "srv neta"
    run_cc ps --filter network=netb -q
    is "$output" ""
}

@test "network rm of a network in use fails; prune removes only unused networks" {
    local sub
    sub=$(free_subnet)
    run_cc network create --subnet "$sub.0/24" used
    run_cc network create unused
    run_cc create --name holder --network used alpine true
    run_cc 1 network rm used
    assert_match "$stderr" "^Error: error while removing network: network used id [0-9a-f]{64} has active endpoints$"
    run_cc network prune -f
    is "$output" $'Deleted Networks:\nunused'
    run_cc rm holder
    run_cc network rm used
    run_cc network ls --filter type=custom -q
    is "$output" ""
}

@test "--ip, --mac-address and --network-alias; several --network flags give eth0, eth1" {
    local a b
    a=$(free_subnet)
    run_cc network create --subnet "$a.0/24" na
    b=$(free_subnet)
    [[ $b != "$a" ]] || b=$(free_subnet)
    run_cc network create --subnet "$b.0/24" nb
    run_cc run --rm --network na --ip "$a.77" --mac-address 92:d0:c6:0a:29:33 alpine \
        sh -c "$MYIP; cat /sys/class/net/eth0/address"
    is "$output" "$a.77"$'\n'"92:d0:c6:0a:29:33"
    run_cc run -d --name two --network na --network nb --network-alias web alpine sleep 600
    run_cc exec two sh -c 'ip -4 -o addr | awk "{print \$2, \$4}"; ip route | grep default'
    assert_line_match "^eth0 ${a//./\\.}\.[0-9]+/24$"
    assert_line_match "^eth1 ${b//./\\.}\.[0-9]+/24$"
    assert_line_match "^default via $a.1 dev eth0"
    run_cc inspect two
    is "$(jq -r '.[0].NetworkSettings.Networks | keys | join(",")' <<<"$output")" "na,nb"
    is "$(jq -c '.[0].NetworkSettings.Networks.na.Aliases' <<<"$output")" '["web"]'
    # an address in use, one outside the subnet, --ip on the default bridge
    run_cc run -d --name fixed --network na --ip "$a.77" alpine sleep 600
    run_cc 125 run --rm --network na --ip "$a.77" alpine true
    assert_contains "$stderr" "Address already in use"
    run_cc 125 run --rm --network na --ip 10.1.2.3 alpine true
    assert_contains "$stderr" "does not belong to"
    run_cc 125 run --rm --ip 10.77.0.99 alpine true
    is "${stderr_lines[-1]}" "Error: user specified IP address is supported on user defined networks only"
    run_cc 125 run --rm --network na --mac-address 01:00:5e:00:00:01 alpine true
    assert_contains "$stderr" "multicast"
    run_cc 125 run --rm --network nosuch alpine true
    is "${stderr_lines[-1]}" "Error: network nosuch not found"
    run_cc 125 run --rm --network na --network-alias 'bad alias' alpine true
    assert_contains "$stderr" 'invalid network alias "bad alias"'
    run_cc 125 run --rm --network host --network na alpine true
    assert_contains "$stderr" "cannot attach both user-defined and non-user-defined network-modes"
    run_cc rm -f two fixed
    net_assert_clean
}

@test "network connect and disconnect: a running container gets and loses eth1; a stopped one at its next start" {
    local a b
    a=$(free_subnet)
    run_cc network create --subnet "$a.0/24" ca
    b=$(free_subnet)
    [[ $b != "$a" ]] || b=$(free_subnet)
    run_cc network create --subnet "$b.0/24" cb
    run_cc run -d --name srv --network ca alpine nc -lk -p 80 -e echo hi
    run_cc network connect --alias other cb srv
    run_cc exec srv sh -c 'ip -4 -o addr show eth1 | awk "{print \$4}"'
    assert_match "$output" "^${b//./\\.}\.[0-9]+/24$"
    local ip=${output%/*}
    run_cc run --rm --network cb alpine nc -w 3 "$ip" 80
    is "$output" "hi"
    run_cc inspect -f '{{json .NetworkSettings.Networks.cb.Aliases}}' srv
    is "$output" '["other"]'
    run_cc 1 network connect cb srv
    assert_contains "$stderr" "already exists in network cb"
    run_cc network disconnect cb srv
    run_cc 1 exec srv test -e /sys/class/net/eth1
    run_cc 1 run --rm --network cb alpine nc -w 2 "$ip" 80
    run_cc inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}' srv
    is "$output" "ca "
    run_cc 1 network disconnect cb srv
    assert_contains "$stderr" "is not connected to network cb"
    # a stopped container: on the network from its next start
    run_cc create --name later --network ca alpine sh -c "ip -4 -o addr | awk '{print \$2}'"
    run_cc network connect cb later
    run_cc start -a later
    is "$(echo "$output" | tr '\n' ' ')" "lo eth0 eth1 "
    run_cc rm -f srv later
    net_assert_clean
}

@test "--network container:X shares X's network namespace: localhost and the address" {
    run_cc run -d --name base alpine nc -lk -p 8080 -e echo shared
    run_cc inspect -f '{{.NetworkSettings.IPAddress}}' base
    local ip=$output
    run_cc run --rm --network container:base alpine sh -c "nc -w 3 127.0.0.1 8080; $MYIP"
    is "$output" "shared"$'\n'"$ip"
    run_cc 125 run --rm --network container:nosuch alpine true
    assert_contains "$stderr" "nosuch"
    run_cc stop -t 0 base
    run_cc 125 run --rm --network container:base alpine true
    assert_contains "$stderr" "is not running"
    run_cc 125 run --rm --network container:base --hostname h alpine true
    assert_contains "$stderr" "conflicting options: hostname and the network mode"
}

@test "--internal: no route out, and nothing comes in from other networks" {
    local sub
    sub=$(free_subnet)
    run_cc network create --internal --subnet "$sub.0/24" sealed
    run_cc network inspect -f '{{.Internal}}' sealed
    is "$output" "true"
    run_cc 1 run --rm --network sealed alpine sh -c "ip route | grep -c default; nc -w 2 $NET_GATEWAY 9"
    is "${lines[0]}" "0" "no default route"
    run_cc run -d --name in --network sealed alpine nc -lk -p 80 -e echo inside
    run_cc inspect -f '{{.NetworkSettings.Networks.sealed.IPAddress}}' in
    local ip=$output
    run_cc run --rm --network sealed alpine nc -w 3 "$ip" 80
    is "$output" "inside"
    run_cc 1 run --rm alpine nc -w 2 "$ip" 80
    is "$output" ""
}

@test "names on a user network: by name, short ID and alias, not across networks, none on the default bridge" {
    local a b
    a=$(free_subnet)
    run_cc network create --subnet "$a.0/24" dnsa
    b=$(free_subnet)
    [[ $b != "$a" ]] || b=$(free_subnet)
    run_cc network create --subnet "$b.0/24" dnsb
    run_cc run -d --name web --network dnsa --network-alias www.example alpine nc -lk -p 80 -e echo from-web
    local id=$output
    run_cc inspect -f '{{.NetworkSettings.Networks.dnsa.IPAddress}}' web
    local ip=$output
    run_cc run --rm --network dnsa alpine sh -c \
        'cat /etc/resolv.conf; for n in web WEB www.example '"${id:0:12}"'; do nslookup -type=a $n | grep -A1 "^Name:" | tail -1; done; nc -w 3 web 80'
    assert_contains "$output" "nameserver $a.1"
    is "$(grep -c "^Address: $ip\$" <<<"$output")" "4" "web, WEB, the alias and the short ID"
    assert_contains "$output" "from-web"
    # not from another network, nor from the default bridge
    run_cc 1 run --rm --network dnsb alpine nslookup -type=a web
    assert_not_contains "$output" "$ip"
    run_cc 1 run --rm alpine nslookup -type=a web
    assert_not_contains "$output" "$ip"
    # a second container is found at once, and is gone with it
    run_cc run -d --name db --network dnsa alpine sleep 600
    run_cc run --rm --network dnsa alpine nslookup -type=a db
    assert_contains "$output" "Name:"
    run_cc rm -f db
    run_cc 1 run --rm --network dnsa alpine nslookup -type=a db
    # connect: the name appears on the other network too
    run_cc network connect --alias webb dnsb web
    run_cc run --rm --network dnsb alpine sh -c 'nc -w 3 webb 80; nc -w 3 web 80'
    is "$output" $'from-web\nfrom-web'
    run_cc rm -f web
    # no containers left: no resolver left for this store
    wait_until 10 _no_resolver
}

_no_resolver() {
    ! pgrep -f "ccontainer-dns .*$(net_owner)" >/dev/null
}

@test "a network's resolver answers its own bridge only; a container cannot send from an address not its own" {
    local a b
    a=$(free_subnet)
    run_cc network create --subnet "$a.0/24" guarda
    b=$(free_subnet)
    [[ $b != "$a" ]] || b=$(free_subnet)
    run_cc network create --subnet "$b.0/24" guardb
    run_cc run -d --name gweb --network guarda alpine sleep 600
    run_cc run --rm --network guarda alpine nslookup -type=a gweb "$a.1"
    assert_contains "$output" "Name:"
    # guardb's container asks guarda's resolver directly: no answer
    run_cc 1 run --rm --network guardb alpine nslookup -type=a -timeout=1 -retry=1 gweb "$a.1"
    assert_not_contains "$output" "Name:"

    # A UDP listener on guarda's gateway records who sent what; a container
    # that gives itself a second address cannot send from it.
    local log=$BATS_TEST_TMPDIR/udp.log port=$((20000 + RANDOM % 20000))
    python3 - "$a.1" "$port" "$log" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
s.settimeout(20)
with open(sys.argv[3], "w", buffering=1) as f:
    f.write("ready\n")
    try:
        while True:
            data, peer = s.recvfrom(100)
            f.write("%s %s\n" % (peer[0], data.decode().strip()))
            if data.startswith(b"end"):
                break
    except socket.timeout:
        pass
PY
    local listener=$!
    echo "$listener" >>"$BATS_TEST_TMPDIR/.bg-pids"
    wait_until 10 grep -q ready "$log"
    run_cc run --rm --network guarda --cap-add NET_ADMIN alpine sh -c \
        "ip addr add 10.99.99.9/32 dev eth0 && echo spoofed | nc -u -w 1 -s 10.99.99.9 $a.1 $port; echo end | nc -u -w 1 $a.1 $port"
    wait "$listener" || true
    cat "$log" >&2
    assert_contains "$(cat "$log")" " end"
    assert_not_contains "$(cat "$log")" "spoofed"
}
