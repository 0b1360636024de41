#!/usr/bin/env bats
#
# Bridge networking: addresses, /etc/hosts and resolv.conf, published TCP and
# UDP ports (127.0.0.1 and the host's own address), container to container,
# concurrency, cleanup after 200 runs and after a SIGKILL, and the error for
# a port in use.  Traffic stays on loopback, the host's own address and the
# test bridge: nothing is sent to outside addresses.

load helpers
load helpers.network

setup_file() {
    file_setup
    net_file_setup
    start_registry
    seed_alpine library/alpine:latest
    seed_exposed library/exposed:latest
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
    basic_teardown
}

# The container's IPv4 address, as the container itself sees it.
MYIP='ip -4 -o addr show eth0 | awk "{print \$4}" | cut -d/ -f1'

# bg_pid PID: have basic_teardown kill a helper process we started (by PID).
bg_pid() {
    echo "$1" >>"$BATS_TEST_TMPDIR/.bg-pids"
}

stop_bg() { # PID: SIGTERM to a cc_bg ccontainer, which forwards it
    kill -TERM "$1" 2>/dev/null || true
    wait_bg "$1" 30
}

@test "network: bridge is the default: eth0 with a leased address, lo up, default route via the gateway" {
    run_cc run --rm alpine sh -c "$MYIP; ip route; ip -o link show lo; cat /sys/class/net/eth0/address"
    assert_match "${lines[0]}" "^${NET_PREFIX//./\\.}([0-9]+)$" "the container's address"
    assert_contains "$output" "default via $NET_GATEWAY dev eth0"
    assert_match "$output" "lo: <LOOPBACK,UP"
    # the MAC follows the address (02:cc + the four bytes)
    local ip=${lines[0]} mac
    mac=$(printf '02:cc:%02x:%02x:%02x:%02x' ${ip//./ })
    assert_contains "$output" "$mac"
    net_assert_clean
}

@test "network: /etc/hosts has the name and address, --add-host adds lines, --dns sets resolv.conf" {
    run_cc run --rm --name web1 --hostname box --add-host db:192.0.2.10 --add-host gw=host-gateway \
        --dns 192.0.2.53 alpine sh -c "$MYIP; echo ---; cat /etc/hosts; echo ---; cat /etc/resolv.conf"
    local ip=${lines[0]}
    assert_match "$ip" "^${NET_PREFIX//./\\.}[0-9]+$"
    assert_line_match "$output" "^${ip//./\\.}	box web1$" "/etc/hosts"
    assert_line_match "$output" "^127\.0\.0\.1	localhost$" "/etc/hosts"
    assert_line_match "$output" "^192\.0\.2\.10	db$" "/etc/hosts"
    assert_line_match "$output" "^${NET_GATEWAY//./\\.}	gw$" "/etc/hosts (host-gateway)"
    local resolv=${output##*---$'\n'}
    is "$(grep '^nameserver' <<<"$resolv")" "nameserver 192.0.2.53" "resolv.conf with --dns"
}

@test "network: --dns-search and --dns-option (--dns-opt) write search and options, with --network host too; --domainname" {
    run_cc run --rm --dns 192.0.2.53 --dns-search example.com --dns-search corp.example. \
        --dns-option ndots:2 --dns-opt rotate alpine cat /etc/resolv.conf
    assert_line_match "$output" '^nameserver 192\.0\.2\.53$'
    assert_line_match "$output" '^search example\.com corp\.example$'
    assert_line_match "$output" '^options ndots:2 rotate$'
    is "$(grep -cE '^(search|domain|options)' <<<"$output")" "2" "one search line, one options line"
    run_cc run --rm --network host --dns-search example.com --dns-option ndots:3 alpine cat /etc/resolv.conf
    assert_line_match "$output" '^search example\.com$'
    assert_line_match "$output" '^options ndots:3$'
    # "." is docker's empty search list
    run_cc run --rm --dns-search . alpine cat /etc/resolv.conf
    assert_no_line_match "$output" '^(search|domain)'
    # in the spec: a start again writes them again; inspect shows them (docker: [] when none)
    run_cc create --name dnsc --dns-search example.com --dns-option ndots:2 --domainname example.org \
        alpine sh -c 'grep -E "^(search|options)" /etc/resolv.conf; cat /proc/sys/kernel/domainname'
    run_cc start -a dnsc
    is "$output" $'search example.com\noptions ndots:2\nexample.org'
    run_cc inspect --format '{{json .HostConfig.DnsSearch}} {{json .HostConfig.DnsOptions}} {{.Config.Domainname}}' dnsc
    is "$output" '["example.com"] ["ndots:2"] example.org'
    run_cc create --name plain alpine true
    run_cc inspect --format '{{json .HostConfig.DnsSearch}} {{json .HostConfig.DnsOptions}} [{{.Config.Domainname}}]' plain
    is "$output" '[] [] []'
    # the UTS domain name, as docker's
    run_cc run --rm --domainname example.com alpine cat /proc/sys/kernel/domainname
    is "$output" "example.com"
    # docker's checks
    run_cc 125 run --rm --dns-search 'a b' alpine true
    is "$stderr" 'Error: invalid argument "a b" for "--dns-search" flag: a b is not a valid domain'
    run_cc 125 run --rm --dns-search $'a.com\nnameserver 192.0.2.1' alpine true
    run_cc 125 run --rm --dns-search -bad.com alpine true
    run_cc 125 run --rm --dns-option 'ndots:1 rotate' alpine true
    assert_contains "$stderr" 'for "--dns-option" flag'
    run_cc 125 run --rm --dns-opt $'x\nnameserver 192.0.2.1' alpine true
    run_cc 125 run --rm --domainname 'bad name' alpine true
    assert_contains "$stderr" "invalid --domainname 'bad name'"
    run_cc 125 run --rm --domainname "$(printf 'a%.0s' {1..65})" alpine true
    run_cc ps -a --format '{{.Names}}'
    is "$(sort <<<"$output" | tr '\n' ' ')" "dnsc plain " "no container from the refused runs"
    # docker: a container joining another's network has that one's resolv.conf
    run_cc 125 run --rm --network container:dnsc --dns-search example.com alpine true
    is "$stderr" "Error: conflicting options: dns and the network mode"
    run_cc 125 run --rm --network container:dnsc --dns-option ndots:1 alpine true
    run_cc 125 run --rm --network container:dnsc --expose 80 alpine true
    is "$stderr" "Error: conflicting options: port exposing and the container type network mode"
}

@test "network: --expose adds to ExposedPorts and -P publishes it; docker's errors" {
    run_cc pull -q exposed
    run_cc create --name ex --expose 7000-7001/udp --expose 8080 --expose 80 exposed true
    run_cc inspect ex
    is "$(json_get "$output" '[0]["Config"]["ExposedPorts"]')" \
        '{"53/udp":{},"7000/udp":{},"7001/udp":{},"80/tcp":{},"8080/tcp":{}}'
    run_cc run -d --name pa -P --expose 7000-7001/udp --expose 8080 alpine sleep 300
    run_cc port pa
    is "${#lines[@]}" "3" "three ports published"
    assert_line_match "$output" '^7000/udp -> 0\.0\.0\.0:[0-9]+$'
    assert_line_match "$output" '^7001/udp -> 0\.0\.0\.0:[0-9]+$'
    assert_line_match "$output" '^8080/tcp -> 0\.0\.0\.0:[0-9]+$'
    # without -P an exposed port is only a note
    run_cc run -d --name nop --expose 8080 alpine sleep 300
    run_cc port nop
    is "$output" ""
    run_cc rm -f pa nop
    run_cc 125 run --rm --expose 8080:80 alpine true
    is "$stderr" "Error: invalid port format for --expose: 8080:80"
    run_cc 125 run --rm --expose 80000 alpine true
    is "$stderr" 'Error: invalid range format for --expose: 80000, error: strconv.ParseUint: parsing "80000": value out of range'
    run_cc 125 run --rm --expose 90-80 alpine true
    assert_contains "$stderr" "Invalid range specified for the Port: 90-80"
    net_assert_clean
}

@test "network: resolv.conf is the host's without loopback nameservers" {
    run_cc run --rm alpine cat /etc/resolv.conf
    assert_no_line_match "$output" '^nameserver[[:space:]]+(127\.|::1)' "container resolv.conf"
    # every nameserver the container gets is one of the host's (or resolved's upstream)
    local ns
    while read -r _ ns _; do
        if ! grep -qsE "^nameserver[[:space:]]+${ns//./\\.}([[:space:]]|$)" /etc/resolv.conf \
            /run/systemd/resolve/resolv.conf; then
            die "nameserver $ns is not the host's"
        fi
    done < <(grep '^nameserver' <<<"$output")
}

@test "network: --network none has only lo; --network host sees the host's interfaces" {
    run_cc run --rm --network none alpine ls /sys/class/net
    is "$output" "lo" "interfaces with --network none"
    local host_if
    host_if=$(ip -o link show | awk -F': ' '$2 != "lo" {print $2; exit}' | cut -d@ -f1)
    run_cc run --rm --network host alpine ls /sys/class/net
    assert_line_match "$output" "^${host_if}$" "interfaces with --network host"
    assert_line_match "$output" "^lo$" "interfaces with --network host"
    net_assert_clean
}

@test "network: a published TCP port answers on 127.0.0.1 and on the host's address; port lists them" {
    local p1 p2 hostip
    p1=$(free_port)
    p2=$(free_port)
    hostip=$(ip -4 -o addr show scope global | awk '{print $4; exit}' | cut -d/ -f1)
    [[ -n $hostip ]] || skip "the host has no global IPv4 address"
    cc_bg web run --rm --name web -p "127.0.0.1:$p1:80" -p "$p2:80" alpine nc -lk -p 80 -e sh -c 'echo hello'
    local pid=$CC_BG_PID
    wait_tcp 127.0.0.1 "$p1" hello
    is "$(tcp_read "$hostip" "$p2")" "hello" "via the host's address $hostip"
    is "$(tcp_read 127.0.0.1 "$p2")" "hello" "via 127.0.0.1 on a port published on every address"
    is "$(tcp_read "$hostip" "$p1")" "" "a port published on 127.0.0.1 only is not on $hostip"

    run_cc port web
    is "$output" "80/tcp -> 127.0.0.1:$p1"$'\n'"80/tcp -> 0.0.0.0:$p2"
    run_cc port web 80/tcp
    is "$output" "127.0.0.1:$p1"$'\n'"0.0.0.0:$p2"
    run_cc 1 port web 81
    run_cc ps
    assert_contains "$output" "127.0.0.1:$p1->80/tcp"
    is "$(net_container_chains | wc -l)" "2" "prerouting and output chains"

    # the reservation: nobody else can listen on the port meanwhile
    run python3 -c "import socket,sys; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', $p1)); s.listen()"
    isnt "$status" 0 "binding the published port on the host"

    stop_bg "$pid"
    net_assert_clean
    is "$(tcp_read 127.0.0.1 "$p1")" "" "nothing answers once the container is gone"
}

@test "network: a published UDP port answers on 127.0.0.1" {
    local p
    p=$(free_port)
    cc_bg udp run --rm -p "127.0.0.1:$p:53/udp" alpine sh -c 'while true; do nc -lu -p 53 -e echo pong; done'
    local pid=$CC_BG_PID
    _udp_pong() { [[ "$(udp_ask 127.0.0.1 "$p")" == pong ]]; }
    wait_until 30 _udp_pong
    stop_bg "$pid"
    net_assert_clean
}

@test "network: -P publishes the image's exposed ports on free host ports" {
    run_cc pull -q exposed
    cc_bg pp run --rm --name pp -P exposed nc -lk -p 80 -e sh -c 'echo exposed'
    local pid=$CC_BG_PID
    _two_ports() { run_cc '?' port pp && [[ $status == 0 && ${#lines[@]} == 2 ]]; }
    wait_until 30 _two_ports
    assert_line_match "$output" '^53/udp -> 0\.0\.0\.0:[0-9]+$'
    run_cc port pp 80
    assert_match "$output" '^0\.0\.0\.0:[0-9]+$'
    local hp=${output##*:}
    wait_tcp 127.0.0.1 "$hp" exposed
    stop_bg "$pid"
    net_assert_clean
}

@test "network: two containers ping each other by address" {
    local dir=$BATS_TEST_TMPDIR/shared
    mkdir -p "$dir"
    # me, then wait for the other's address, ping it, and stay until it is done too
    local script="me=\$($MYIP); echo \$me >/s/\$1.tmp && mv /s/\$1.tmp /s/\$1
        i=0; while [ ! -s /s/\$2 ] && [ \$i -lt 400 ]; do sleep 0.05; i=\$((i+1)); done
        ping -c 2 -W 2 \$(cat /s/\$2); rc=\$?; touch /s/\$1.done
        i=0; while [ ! -e /s/\$2.done ] && [ \$i -lt 400 ]; do sleep 0.05; i=\$((i+1)); done
        exit \$rc"
    cc_bg a run --rm -v "$dir:/s" alpine sh -c "$script" sh a b
    local pa=$CC_BG_PID
    cc_bg b run --rm -v "$dir:/s" alpine sh -c "$script" sh b a
    local pb=$CC_BG_PID
    wait_bg "$pa" 60
    is "$status" 0 "a pinged b ($(cat "$BATS_TEST_TMPDIR/a.out" "$BATS_TEST_TMPDIR/a.err"))"
    wait_bg "$pb" 60
    is "$status" 0 "b pinged a ($(cat "$BATS_TEST_TMPDIR/b.out" "$BATS_TEST_TMPDIR/b.err"))"
    isnt "$(cat "$dir/a")" "$(cat "$dir/b")" "the two addresses"
    assert_contains "$(cat "$BATS_TEST_TMPDIR/a.out")" "2 packets received"
    net_assert_clean
}

@test "network: a container reaches another's published port through the host (hairpin) and the gateway" {
    local p
    p=$(free_port)
    cc_bg srv run --rm -p "$p:80" alpine nc -lk -p 80 -e sh -c 'echo hairpin'
    local pid=$CC_BG_PID
    wait_tcp 127.0.0.1 "$p" hairpin
    local hostip
    hostip=$(ip -4 -o addr show scope global | awk '{print $4; exit}' | cut -d/ -f1)
    run_cc run --rm alpine sh -c "nc -w 3 $NET_GATEWAY $p </dev/null; nc -w 3 ${hostip:-$NET_GATEWAY} $p </dev/null"
    is "$output" $'hairpin\nhairpin'
    stop_bg "$pid"
    net_assert_clean
}

_count_ip_files() { # DIR N: N address files written
    local n
    n=$(find "$1" -name 'ip.*' ! -name '*.tmp' | wc -l)
    ((n == $2))
}

@test "network: 20 containers started at once get 20 distinct addresses" {
    local dir=$BATS_TEST_TMPDIR/shared i
    mkdir -p "$dir"
    local -a pids=()
    for i in $(seq 20); do
        cc_bg "c$i" run --rm -v "$dir:/s" alpine sh -c "$MYIP >/s/ip.\$1.tmp; mv /s/ip.\$1.tmp /s/ip.\$1
            i=0; while [ ! -e /s/go ] && [ \$i -lt 1200 ]; do sleep 0.05; i=\$((i+1)); done" sh "$i"
        pids+=("$CC_BG_PID")
    done
    wait_until 120 _count_ip_files "$dir" 20
    local addrs
    addrs=$(cat "$dir"/ip.[0-9]* | sort)
    is "$(sort -u <<<"$addrs" | wc -l)" "20" "distinct addresses among: $(echo $addrs)"
    assert_no_line_match "$addrs" '^$' "every container had an address"
    is "$(net_lease_count)" "20" "leases while they run"
    is "$(net_veths | wc -l)" "20" "veths on the bridge while they run"
    touch "$dir/go"
    for i in "${pids[@]}"; do
        wait_bg "$i" 60
        is "$status" 0 "exit status of a concurrent container"
    done
    net_assert_clean 20
}

@test "network: 200 sequential runs leave no veth, nft chain, lease or mount behind" {
    local before_chains before_veths p i rc t0 t1 owner
    # this store's containers' chains (other stores' and the bridges' may
    # come and go meanwhile: not this test's)
    owner=$(net_owner)
    before_chains=$(nft list table ip ccontainer 2>/dev/null | grep -c "chain c_${owner}_" || true)
    before_veths=$(net_veths | wc -l)
    is "$before_veths" "0" "veths on the test bridge before"
    p=$(free_port)
    t0=$EPOCHREALTIME
    for i in $(seq 200); do
        rc=0
        if ((i % 20 == 0)); then # now and then with a published port: chains come and go
            timeout 60 "$CC" --root "$CC_ROOT" run --rm -p "127.0.0.1:$p:80" alpine true </dev/null || rc=$?
        else
            timeout 60 "$CC" --root "$CC_ROOT" run --rm alpine true </dev/null || rc=$?
        fi
        ((rc == 0)) || die "run $i exited with $rc"
    done
    t1=$EPOCHREALTIME
    echo "# 200 runs: $(python3 -c "print(f'{($t1 - $t0) / 200 * 1000:.1f}')") ms each on average" >&3
    # veths go with their network namespaces: when they are all gone, so are the namespaces
    net_assert_clean 30
    is "$(nft list table ip ccontainer 2>/dev/null | grep -c "chain c_${owner}_" || true)" "$before_chains" "this store's container chains in table ip ccontainer"
    run_cc ps -aq
    is "$output" "" "containers left"
    is "$(cc_mounts)" "" "mounts under the store"
}

@test "network: a port in use fails with 125 before the container exists and leaves nothing" {
    local p
    p=$(free_port)
    python3 -c "
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $p)); s.listen()
open('$BATS_TEST_TMPDIR/listening', 'w').close()
time.sleep(60)" &
    bg_pid $!
    wait_until 10 test -e "$BATS_TEST_TMPDIR/listening"
    run_cc 125 run --rm -p "127.0.0.1:$p:80" alpine true
    is "${stderr_lines[-1]}" "Error: driver failed programming external connectivity: Bind for 127.0.0.1:$p/tcp failed: port is already allocated"
    run_cc 125 run -p "$p:80" alpine true
    assert_contains "$stderr" "port is already allocated"
    run_cc ps -aq
    is "$output" "" "no container was created"
    net_assert_clean
}

@test "network: bad -p, --dns and --add-host values fail with 125" {
    run_cc 125 run --rm -p 80:80:80 alpine true
    assert_contains "$stderr" "invalid port mapping '80:80:80'"
    run_cc 125 run --rm -p 70000:80 alpine true
    run_cc 125 run --rm -p 8000-8001:80 alpine true
    run_cc 125 run --rm -p 80/sctp alpine true
    run_cc 125 run --rm --network none -p 80 alpine true
    assert_contains "$stderr" "needs a bridge network"
    run_cc 125 run --rm --dns not-an-ip alpine true
    run_cc 125 run --rm --add-host nocolon alpine true
    run_cc 125 run --rm --network nosuch alpine true
    run_cc ps -aq
    is "$output" ""
}

@test "network: after ccontainer is SIGKILLed, the next start sweeps its rules and lease" {
    local p
    p=$(free_port)
    cc_bg victim run --rm -p "127.0.0.1:$p:80" alpine nc -lk -p 80 -e sh -c 'echo victim'
    local pid=$CC_BG_PID
    wait_tcp 127.0.0.1 "$p" victim
    kill -KILL "$pid"
    wait "$pid" 2>/dev/null || true
    # the container died with it (its veth with its namespace); rules and lease stay
    is "$(net_container_chains | wc -l)" "2" "chains left by the killed run"
    is "$(net_lease_count)" "1" "lease left by the killed run"
    run_cc run --rm alpine true
    is "$(net_container_chains)" "" "chains after the next start"
    is "$(net_lease_count)" "0" "leases after the next start"
    is "$(tcp_read 127.0.0.1 "$p")" "" "the stale DNAT is gone"
    net_assert_clean
}

@test "network: a detached container's port works and rm -f releases it" {
    local p
    p=$(free_port)
    run_cc run -d --name det -p "127.0.0.1:$p:80" alpine nc -lk -p 80 -e sh -c 'echo detached'
    wait_tcp 127.0.0.1 "$p" detached
    is "$(net_lease_count)" "1" "lease of the detached container"
    run_cc inspect det
    assert_match "$(json_get "$output" '[0]["NetworkSettings"]["IPAddress"]')" "^${NET_PREFIX//./\\.}[0-9]+$"
    is "$(json_get "$output" '[0]["NetworkSettings"]["Gateway"]')" "$NET_GATEWAY"
    is "$(json_get "$output" '[0]["NetworkSettings"]["Ports"]["80/tcp"][0]["HostPort"]')" "$p"
    run_cc rm -f det
    net_assert_clean
}

@test "network: a detached container holds its published ports: a second one is refused, across stores" {
    local p
    p=$(free_port)
    run_cc run -d --name first -p "$p:80" alpine sleep 600
    run_cc 125 run -d --name second -p "$p:80" alpine sleep 600
    is "${stderr_lines[-1]}" "Error: driver failed programming external connectivity: Bind for 0.0.0.0:$p/tcp failed: port is already allocated"
    run_cc 125 run --rm -p "127.0.0.1:$p:80" alpine true
    # another store on the same host is refused too
    CC_ROOT=$BATS_TEST_TMPDIR/other run_cc 125 run -d -p "$p:80" alpine true
    rm -rf "$BATS_TEST_TMPDIR/other"
    # the port comes back with the container, and the same goes after a restart
    run_cc stop -t 0 first
    run_cc run -d --name third -p "$p:80" alpine sleep 600
    run_cc 1 start first
    assert_contains "$stderr" "port is already allocated"
    run_cc rm -f third
    run_cc start first
    run_cc 125 run -d -p "$p:80" alpine true
}

@test "network: ps, port and inspect list every published port, 40 of them" {
    local base=$((20000 + RANDOM % 20000))
    run_cc run -d --name many -p "127.0.0.1:$base-$((base + 39)):1000-1039" alpine sleep 600
    run_cc ps --format json
    is "$(jq '.Ports | split(", ") | length' <<<"$output")" 40 "ports in ps --format json"
    run_cc port many
    is "${#lines[@]}" 40 "lines of port"
    run_cc inspect many
    is "$(jq '.[0].NetworkSettings.Ports | length' <<<"$output")" 40 "ports in inspect"
}
