# -*- bash -*-
#
# helpers.network.bash: bridge networking fixtures for tests/system/05*.bats.
#
# Each test file gets a bridge and a subnet of its own (CCONTAINER_NETWORK_
# BRIDGE / _SUBNET), so it neither touches the default cc0 nor collides with
# containers other stores run at the same time; net_file_teardown removes the
# bridge and the file's nftables chains.  `ip` and `nft` are fine here, in the
# tests; the product never runs them.
#
#   net_file_setup / net_file_teardown
#   net_owner                 the store's tag in nftables chain names
#   net_container_chains      this store's per-container chains (one per line)
#   net_lease_count           rows in the store's leases table
#   net_veths                 veth ports on the file's bridge (one per line)
#   net_assert_clean [SECS]   no chain, lease or veth left (veths may take a
#                             moment: they go with the namespace)
#   tcp_read HOST PORT        what a TCP server sends (bash /dev/tcp)
#   udp_ask HOST PORT         send a datagram, print the answer
#   wait_tcp HOST PORT TEXT   poll until the server answers with TEXT
#   seed_exposed REPO:TAG     an Alpine image with ExposedPorts 80/tcp, 53/udp

net_file_setup() {
    # 'cct' + 5 digits: unique enough per run, 8 chars, a valid name
    export CCONTAINER_NETWORK_BRIDGE=cct$(printf '%05d' $((($$ + RANDOM) % 100000)))
    local third
    for third in $(shuf -i 20-250 -n 40); do
        # a /24 no route on the host uses yet
        if ! ip -4 route show | grep -q "^10\.231\.$third\."; then
            export CCONTAINER_NETWORK_SUBNET=10.231.$third.0/24
            export NET_GATEWAY=10.231.$third.1
            export NET_PREFIX=10.231.$third.
            return 0
        fi
    done
    die "no free 10.231.X.0/24 subnet for the test bridge"
}

net_file_teardown() {
    local br=${CCONTAINER_NETWORK_BRIDGE:-}
    [[ -n $br ]] || return 0
    ip link del "$br" 2>/dev/null || true
    local hex chain
    hex=$(python3 -c 'import ipaddress,sys; n=ipaddress.ip_network(sys.argv[1]); print("%08x_%d" % (int(n.network_address), n.prefixlen))' "$CCONTAINER_NETWORK_SUBNET")
    for chain in "n_${br}_${hex}_post" "n_${br}_${hex}_guard" "n_${br}_${hex}_fwd" "n_${br}_${hex}_in"; do
        nft delete chain ip ccontainer "$chain" 2>/dev/null || true
    done
    nft delete element ip ccontainer bridges "{ \"$br\" }" 2>/dev/null || true
}

net_owner() {
    local real
    real=$(realpath "$CC_ROOT")
    printf '%s' "$real" | sha256sum | cut -c1-8
}

net_container_chains() {
    local owner
    owner=$(net_owner)
    nft list table ip ccontainer 2>/dev/null | grep -o "chain c_${owner}_[0-9a-f]*_[a-z]*" | cut -d' ' -f2 || true
}

net_lease_count() {
    python3 - "$CC_ROOT/store.db" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=30)
print(db.execute("SELECT count(*) FROM leases").fetchone()[0])
EOF
}

net_veths() {
    ip -o link show master "$CCONTAINER_NETWORK_BRIDGE" type veth 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1
}

_net_no_veths() {
    [[ -z "$(net_veths)" ]]
}

net_assert_clean() {
    local secs=${1:-10}
    is "$(net_container_chains)" "" "nftables chains of this store's containers"
    is "$(net_lease_count)" "0" "address leases in the store"
    wait_until "$secs" _net_no_veths
}

tcp_read() {
    timeout 5 bash -c 'exec 3<>"/dev/tcp/$1/$2" && cat <&3' _ "$1" "$2" 2>/dev/null
}

udp_ask() {
    python3 - "$1" "$2" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1)
s.sendto(b"ping\n", (sys.argv[1], int(sys.argv[2])))
try:
    print(s.recvfrom(1000)[0].decode().strip())
except OSError:
    pass
EOF
}

_tcp_answers() {
    [[ "$(tcp_read "$1" "$2")" == "$3" ]]
}

wait_tcp() {
    wait_until "${4:-30}" _tcp_answers "$1" "$2" "$3"
}

seed_exposed() {
    local ref=$1 tarball dir
    tarball=$(alpine_tarball) || return
    dir=$BATS_FILE_TMPDIR/exposed-oci
    if [[ ! -d $dir ]]; then
        timeout 120 python3 "$FIXTURES/mkimage.py" "$dir" >/dev/null <<EOF || { die "mkimage.py failed"; return; }
{"images": [{"config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
  "Cmd": ["/bin/sh"], "ExposedPorts": {"80/tcp": {}, "53/udp": {}}},
  "layers": [{"blob": "$tarball"}]}]}
EOF
    fi
    push_layout "$dir" "$ref"
}
