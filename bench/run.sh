#!/usr/bin/env bash
# Side-by-side benchmarks of ccontainer against its peers and the floor.
#
#   make bench            (as root; ROUNDS=N to change the sample count,
#                          BENCH_ONLY=startup,... to run some cases only)
#
# Every case runs ccontainer and each peer alternately, round by round, after
# one warm-up round, so machine noise hits all tools alike.  Results go to
# bench/results/: raw samples, results.md (median, interquartile range,
# ratio ccontainer/peer; below 1 means ccontainer is faster) and ratios.png.
# Only loopback is used: a private registry on 127.0.0.1 serves the images.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
CC="$repo/ccontainer"
ROUNDS=${ROUNDS:-15}
# BENCH_ONLY=startup,network runs only those cases (startup pull push large disk
# memory scale network usernet build volume cp-in cp-out compose rootless) and reports to
# results/partial/, leaving the full report alone (BENCH_OUT=DIR: there instead,
# leaving the last partial report alone too).
BENCH_ONLY=${BENCH_ONLY:-}
want() { [[ -z $BENCH_ONLY || ,$BENCH_ONLY, == *,$1,* ]]; }
out="$here/results"
[[ -n $BENCH_ONLY ]] && out="$here/results/partial"
[[ -n ${BENCH_OUT:-} ]] && out=$(realpath -m "$BENCH_OUT")
work=$(mktemp -d /tmp/ccbench.XXXXXX)
# Run-time state (ccontainer's and podman's runroot) on a tmpfs, where a
# usual host has /run; this VM's /run is a directory of the root
# filesystem.  Both tools get the same.
if [[ $(stat -f -c %T /dev/shm 2>/dev/null) == tmpfs ]]; then
    runbase=$(mktemp -d /dev/shm/ccbench-run.XXXXXX)
else
    runbase=$work/run
fi
export CCONTAINER_RUNROOT=$runbase/cc
samples="$work/samples"
mkdir -p "$samples" "$out"
: >"$samples/cases.tsv"
notes=()
pids=()

cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    umount -R "$work"/mnt 2>/dev/null
    rm -rf "$work" "$runbase"
}
trap cleanup EXIT

say() { printf '%s\n' "$*" >&2; }
note() { notes+=("$*"); say "note: $*"; }

[[ $EUID -eq 0 ]] || { say "bench: run as root"; exit 1; }
[[ -x $CC ]] || { say "bench: build first (make)"; exit 1; }

# Peers from Debian, installed when missing; what cannot be had is noted.
need=()
# (catatonit: podman's --init, which the compose case's services use)
for pkg in podman golang-github-containernetworking-plugin-dnsname runc buildah skopeo docker-registry libarchive-tools curl python3 gnuplot-nox \
    podman-compose catatonit; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || need+=("$pkg")
done
if ((${#need[@]})); then
    say "bench: installing ${need[*]}"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}") >/dev/null 2>&1 ||
        note "could not install some of: ${need[*]}"
fi
have() { command -v "$1" >/dev/null 2>&1; }

# ---- registry on loopback, seeded with Alpine by independent tools ----
alpine_tar="$repo/../shared/images/alpine-minirootfs-3.20.3-x86_64.tar.gz"
[[ -f $alpine_tar ]] || { say "bench: $alpine_tar missing"; exit 1; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
reg="127.0.0.1:$port"
cat >"$work/registry.yml" <<EOF
version: 0.1
log: {level: error}
storage: {filesystem: {rootdirectory: $work/registry}}
http: {addr: $reg}
EOF
docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -sf "http://$reg/v2/" >/dev/null && break; sleep 0.05; done
printf '{"images":[{"config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["/bin/sh"]},"layers":[{"blob":"%s"}]}]}' \
    "$alpine_tar" | python3 "$repo/tests/fixtures/mkimage.py" "$work/alpine-oci" >/dev/null
skopeo copy -q --preserve-digests --dest-tls-verify=false oci:"$work/alpine-oci":latest \
    docker://"$reg"/library/alpine:latest || { say "bench: seeding the registry failed"; exit 1; }
export CCONTAINER_REGISTRY_MIRROR="http://$reg"

# ---- the harness ----
# register CASE TOOL ROLE DESCRIPTION PREPARE COMMAND
declare -a C_CASE C_TOOL C_PREP C_CMD
register() {
    C_CASE+=("$1"); C_TOOL+=("$2"); C_PREP+=("$5"); C_CMD+=("$6")
    printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$samples/cases.tsv"
}
# measure CASE: alternate every tool of the case for a warm-up and ROUNDS
# rounds.  Each round starts one tool further along, so that no tool always
# runs right after the same other one (podman, say, whose clean-up
# processes outlive its command and compete with the next one for CPU).
measure() {
    local case=$1 r i j t0 t1 idx=()
    say "bench: $case"
    # the set-up's writes (images, rootfs copies) must not still be on
    # their way to the disk while metadata-heavy commands are timed
    sync
    for i in "${!C_CASE[@]}"; do
        [[ ${C_CASE[$i]} == "$case" ]] && idx+=("$i")
    done
    for ((r = 0; r <= ROUNDS; r++)); do
        for ((j = 0; j < ${#idx[@]}; j++)); do
            i=${idx[$(((j + r) % ${#idx[@]}))]}
            bash -c "${C_PREP[$i]}" >/dev/null 2>&1
            t0=$EPOCHREALTIME
            if ! bash -c "${C_CMD[$i]}" >/dev/null 2>"$work/err"; then
                note "$case/${C_TOOL[$i]} failed: $(tail -1 "$work/err")"
                continue
            fi
            t1=$EPOCHREALTIME
            ((r == 0)) && continue
            python3 -c "print(f'{$t1 - $t0:.6f}')" >>"$samples/${case}__${C_TOOL[$i]}.txt"
        done
    done
}

P="podman --root $work/podman/root --runroot $runbase/podman/run --storage-driver overlay --cgroup-manager cgroupfs --runtime runc"
PODMAN_RUN="$P run --rm --ulimit nofile=1024:1024 --ulimit nproc=1000:1000"
CCR="$CC --root $work/cc"
# what several cases use: Alpine unpacked (floor, runc bundle) and pulled
mkdir -p "$work/rootfs" "$work/bundle/rootfs"
tar -xzf "$alpine_tar" -C "$work/rootfs"
tar -xzf "$alpine_tar" -C "$work/bundle/rootfs"
$CCR pull -q alpine >/dev/null
have podman && $P pull -q --tls-verify=false "$reg/library/alpine:latest" >/dev/null 2>&1

# 1. startup
if want startup; then
register startup ccontainer self "ccontainer run --rm --network none alpine /bin/true" "" \
    "$CCR run --rm --network none alpine /bin/true"
register startup floor floor "unshare -fpmnui chroot ROOTFS /bin/true" "" \
    "unshare -fpmnui chroot $work/rootfs /bin/true"
if have runc; then
    (cd "$work/bundle" && runc spec && python3 - <<'EOF'
import json
c = json.load(open("config.json"))
c["process"]["terminal"] = False
c["process"]["args"] = ["/bin/true"]
json.dump(c, open("config.json", "w"))
EOF
    )
    register startup runc peer "runc run (prepared bundle)" "runc delete -f ccbench >/dev/null 2>&1" \
        "cd $work/bundle && runc run ccbench"
else
    note "runc not available: startup against runc not run"
fi
have podman && register startup podman peer "podman run --rm (runc, cgroupfs)" "" \
    "$PODMAN_RUN --network none $reg/library/alpine:latest /bin/true"
measure startup
fi # startup

# 3. pull: cold and warm
if want pull; then
register pull-cold ccontainer self "ccontainer pull alpine (cold)" "rm -rf $work/cc-pull" \
    "$CC --root $work/cc-pull pull -q alpine"
have podman && register pull-cold podman peer "podman pull (cold)" "rm -rf $work/pp" \
    "podman --root $work/pp/root --runroot $runbase/pp/run --storage-driver overlay pull -q --tls-verify=false $reg/library/alpine:latest"
have skopeo && register pull-cold skopeo peer "skopeo copy to an OCI dir (cold)" "rm -rf $work/sk" \
    "skopeo copy -q --src-tls-verify=false docker://$reg/library/alpine:latest oci:$work/sk:latest"
layer=$(python3 -c "import json;m=json.load(open('$work/alpine-oci/summary.json'));print(m['images'][0]['layers'][0]['digest'])" 2>/dev/null)
if [[ -n $layer ]] && have bsdtar; then
    register pull-cold floor floor "floor: curl the blob, piped to bsdtar -x" "rm -rf $work/fl; mkdir -p $work/fl" \
        "curl -sf http://$reg/v2/library/alpine/blobs/$layer | bsdtar -xf - -C $work/fl"
else
    note "floor for pull not run (no summary.json layer digest or bsdtar)"
fi
measure pull-cold

$CC --root "$work/cc-warm" pull -q alpine >/dev/null
have podman && podman --root "$work/pw/root" --runroot "$runbase/pw/run" --storage-driver overlay pull -q --tls-verify=false "$reg/library/alpine:latest" >/dev/null 2>&1
register pull-warm ccontainer self "ccontainer pull alpine (cached)" "" "$CC --root $work/cc-warm pull -q alpine"
have podman && register pull-warm podman peer "podman pull (cached)" "" \
    "podman --root $work/pw/root --runroot $runbase/pw/run --storage-driver overlay pull -q --tls-verify=false $reg/library/alpine:latest"
measure pull-warm
fi # pull

# 3b. push: cold (to an emptied second registry, so every blob goes up)
# and warm (the registry has every blob: HEADs and the manifest only)
if want push; then
preg_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
preg="127.0.0.1:$preg_port"
cat >"$work/registry-push.yml" <<EOF
version: 0.1
log: {level: error}
storage: {filesystem: {rootdirectory: $work/registry-push}, delete: {enabled: true}}
http: {addr: $preg}
EOF
docker-registry serve "$work/registry-push.yml" >"$work/registry-push.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -sf "http://$preg/v2/" >/dev/null && break; sleep 0.05; done
$CC --root "$work/cc-push" pull -q alpine >/dev/null
$CC --root "$work/cc-push" tag alpine "$preg/bench/alpine:latest" >/dev/null
have podman && podman --root "$work/pp-push/root" --runroot "$runbase/pp-push/run" --storage-driver overlay \
    pull -q --tls-verify=false "$reg/library/alpine:latest" >/dev/null 2>&1
wipe="rm -rf $work/registry-push/docker"
register push-cold ccontainer self "ccontainer push alpine (cold)" "$wipe" \
    "$CC --root $work/cc-push push -q $preg/bench/alpine:latest"
have podman && register push-cold podman peer "podman push (cold)" "$wipe" \
    "podman --root $work/pp-push/root --runroot $runbase/pp-push/run --storage-driver overlay push -q --tls-verify=false $reg/library/alpine:latest $preg/bench/alpine:latest"
have skopeo && register push-cold skopeo peer "skopeo copy from an OCI dir (cold)" "$wipe" \
    "skopeo copy -q --preserve-digests --dest-tls-verify=false oci:$work/alpine-oci:latest docker://$preg/bench/alpine:latest"
measure push-cold
$CC --root "$work/cc-push" push -q "$preg/bench/alpine:latest" >/dev/null
register push-warm ccontainer self "ccontainer push alpine (warm: blobs present)" "" \
    "$CC --root $work/cc-push push -q $preg/bench/alpine:latest"
have podman && register push-warm podman peer "podman push (warm)" "" \
    "podman --root $work/pp-push/root --runroot $runbase/pp-push/run --storage-driver overlay push -q --tls-verify=false $reg/library/alpine:latest $preg/bench/alpine:latest"
have skopeo && register push-warm skopeo peer "skopeo copy from an OCI dir (warm)" "" \
    "skopeo copy -q --preserve-digests --dest-tls-verify=false oci:$work/alpine-oci:latest docker://$preg/bench/alpine:latest"
measure push-warm
fi # push

# 4. cold pull of a large generated image: about 200 MB in 6 layers of
# deterministic pseudo-random data (incompressible, so the bytes are real),
# built by mkimage.py and pushed by skopeo, never by ccontainer.
if want large; then
say "bench: building the large image"
python3 - >"$work/big-spec.json" <<'EOF2'
import json
layers = [{"compression": "gzip", "entries": [{"type": "random", "path": f"data/blob{i}", "size": 34 * 1000 * 1000, "seed": i}]}
          for i in range(6)]
print(json.dumps({"images": [{"config": {"Cmd": ["/bin/sh"]}, "layers": layers}]}))
EOF2
if python3 "$repo/tests/fixtures/mkimage.py" --spec "$work/big-spec.json" "$work/big-oci" >/dev/null &&
    skopeo copy -q --preserve-digests --dest-tls-verify=false oci:"$work/big-oci":latest \
        docker://"$reg"/bench/big:latest; then
    LARGE_ROUNDS=${LARGE_ROUNDS:-3}
    register pull-large ccontainer self "ccontainer pull, 200 MB in 6 layers (cold)" "rm -rf $work/cc-big" \
        "$CC --root $work/cc-big pull -q $reg/bench/big:latest"
    have podman && register pull-large podman peer "podman pull, 200 MB in 6 layers (cold)" "rm -rf $work/pb" \
        "podman --root $work/pb/root --runroot $runbase/pb/run --storage-driver overlay pull -q --tls-verify=false $reg/bench/big:latest"
    ROUNDS=$LARGE_ROUNDS measure pull-large
    note "pull-large ran $LARGE_ROUNDS rounds (LARGE_ROUNDS)"
    # and pushed cold to the push registry (with the push case): every blob goes up
    if want push && [[ -n ${preg:-} ]]; then
        $CC --root "$work/cc-bigp" pull -q "$reg/bench/big:latest" >/dev/null &&
            $CC --root "$work/cc-bigp" tag "$reg/bench/big:latest" "$preg/bench/big:latest" >/dev/null
        have podman && podman --root "$work/pbp/root" --runroot "$runbase/pbp/run" --storage-driver overlay \
            pull -q --tls-verify=false "$reg/bench/big:latest" >/dev/null 2>&1
        wipe="rm -rf $work/registry-push/docker"
        register push-large ccontainer self "ccontainer push, 200 MB in 6 layers (cold)" "$wipe" \
            "$CC --root $work/cc-bigp push -q $preg/bench/big:latest"
        have podman && register push-large podman peer "podman push, 200 MB in 6 layers (cold)" "$wipe" \
            "podman --root $work/pbp/root --runroot $runbase/pbp/run --storage-driver overlay push -q --tls-verify=false $reg/bench/big:latest $preg/bench/big:latest"
        ROUNDS=$LARGE_ROUNDS measure push-large
        rm -rf "$work/cc-bigp" "$work/pbp"
    fi
    rm -rf "$work/big-oci" "$work/cc-big" "$work/pb"
else
    note "case 'large image pull' not run: building or pushing the image failed"
fi
fi # large

# record CASE TOOL ROLE DESC UNIT VALUE: a sample that is not a duration
record() {
    grep -q "^$1	$2	" "$samples/cases.tsv" 2>/dev/null ||
        printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" >>"$samples/cases.tsv"
    echo "$6" >>"$samples/${1}__${2}.txt"
}
dd_rate() { # prints MB/s from dd's stderr summary on stdin
    python3 -c '
import re, sys
t = sys.stdin.read()
m = re.search(r"copied, ([0-9.]+) s", t) or re.search(r"([0-9.]+) seconds", t)
b = re.search(r"^(\d+) bytes", t, re.M)
print(f"{int(b.group(1)) / float(m.group(1)) / 1e6:.1f}" if m and b else "")'
}

# 7. disk: sequential write inside the container's overlay (MB/s; higher is better)
if want disk; then
say "bench: disk"
# Without --rm: both tools mount the writable layer of a --rm container
# "volatile" (it is thrown away at exit), where fsync does not reach the
# disk; a kept container's does.
DD='dd if=/dev/zero of=/tmp/f bs=1M count=256 conv=fsync 2>&1; rm -f /tmp/f'
for r in $(seq 3); do
    v=$($CCR run --name "ccdd$r" --network none alpine sh -c "$DD" | dd_rate)
    $CCR rm "ccdd$r" >/dev/null 2>&1
    [[ -n $v ]] && record disk ccontainer self "dd 256 MB into a container's overlay, fsync (MB/s)" MBps "$v"
    if have podman; then
        v=$($P run --name "ccdd$r" --ulimit nofile=1024:1024 --ulimit nproc=1000:1000 --network none \
            "$reg/library/alpine:latest" sh -c "$DD" 2>/dev/null | dd_rate)
        $P rm -f "ccdd$r" >/dev/null 2>&1
        [[ -n $v ]] && record disk podman peer "podman: dd into its overlay, fsync (MB/s)" MBps "$v"
    fi
    v=$(dd if=/dev/zero of="$work/ddf" bs=1M count=256 conv=fsync 2>&1 | dd_rate); rm -f "$work/ddf"
    [[ -n $v ]] && record disk host floor "host: dd into the same filesystem (MB/s)" MBps "$v"
done
fi # disk

# 8. memory: resident size of the per-container supervisor, idle (kB; lower is better)
if want memory; then
say "bench: supervisor memory"
cid=$($CCR run -d --network none alpine sleep 600)
mon=$(pgrep -f "ccontainer-monitor .* $cid " | head -1)
if [[ -n $mon ]]; then
    record supervisor-rss ccontainer self "ccontainer-monitor resident size (kB)" kB "$(awk '/VmRSS/ {print $2}' /proc/$mon/status)"
fi
$CCR rm -f "$cid" >/dev/null 2>&1
# the same with a restart policy and a healthcheck on its timer (issue 14: under 1 MB)
cid=$($CCR run -d --network none --restart always --health-cmd true --health-interval 1s alpine sleep 600)
mon=$(pgrep -f "ccontainer-monitor .* $cid " | head -1)
if [[ -n $mon ]]; then
    sleep 2.5 # a couple of checks done
    record supervisor-rss-service ccontainer self "ccontainer-monitor resident size with --restart and a healthcheck (kB)" kB \
        "$(awk '/VmRSS/ {print $2}' /proc/$mon/status)"
fi
$CCR rm -f "$cid" >/dev/null 2>&1
if have podman; then
    pid=$($P run -d --ulimit nofile=1024:1024 --ulimit nproc=1000:1000 --network none "$reg/library/alpine:latest" sleep 600 2>/dev/null)
    cm=$(pgrep -f "conmon .*${pid:0:12}" | head -1)
    [[ -n $cm ]] && record supervisor-rss podman peer "conmon resident size (kB)" kB "$(awk '/VmRSS/ {print $2}' /proc/$cm/status)"
    [[ -n $pid ]] && $P rm -f "$pid" >/dev/null 2>&1
fi
fi # memory

# 9. scale: startup with 1000 images in the store, and 50 containers at once
if want scale; then
say "bench: scale"
register startup-1000-images ccontainer self "run --rm /bin/true, store with 1 image" "" \
    "$CCR run --rm --network none alpine /bin/true"
# 999 more images: the same layer re-imported under new tags costs one row each
tarball=$work/tiny.tar
tar -cf "$tarball" -C "$work/rootfs" etc/hostname 2>/dev/null
mkdir -p "$work/cc1000"
$CC --root "$work/cc1000" pull -q alpine >/dev/null
for i in $(seq 999); do
    printf '%s' "$i" >"$work/rootfs-tag"
    tar -cf "$work/t.tar" -C "$work" rootfs-tag
    $CC --root "$work/cc1000" import "$work/t.tar" "many/img$i:latest" >/dev/null || break
done
register startup-1000-images ccontainer-1000 peer "run --rm /bin/true, store with 1000 images" "" \
    "$CC --root $work/cc1000 run --rm --network none alpine /bin/true"
measure startup-1000-images
t0=$EPOCHREALTIME
fails=0
many=()
for i in $(seq 50); do
    $CCR run --rm --network none alpine /bin/true >/dev/null 2>&1 &
    many+=($!)
done
for j in "${many[@]}"; do wait "$j" || fails=$((fails + 1)); done
t1=$EPOCHREALTIME
record concurrent-50 ccontainer self "50 containers started at once: total time (s)" s "$(python3 -c "print(f'{$t1 - $t0:.3f}')")"
note "50 concurrent run --rm: $fails failed"
fi # scale

# 10. network: startup with the default (bridge) network, ping round trip and
# TCP throughput from a container to the host.  ccontainer runs in its default
# mode on a bridge of the bench's own (env), so it shares no addresses with
# containers other stores on this host may be running; podman uses its default
# network.  The floor is a bare veth pair between two namespaces made here with
# `ip netns` (the product never runs `ip` or `nft`; the bench may).  Traffic
# stays on the host: bridges, veths and the host's own addresses.
if want network; then
say "bench: network"
NET_ROUNDS=${NET_ROUNDS:-50}
nbr=ccbench$$
nsub=10.79.$((RANDOM % 200 + 20)).0/24
ngw=${nsub%.0/24}.1
CCN="env CCONTAINER_NETWORK_BRIDGE=$nbr CCONTAINER_NETWORK_SUBNET=$nsub $CCR"
fa=ccbench-a-$$ fb=ccbench-b-$$
net_cleanup() {
    ip netns del "$fa" 2>/dev/null
    ip netns del "$fb" 2>/dev/null
    ip link del "$nbr" 2>/dev/null
    local hex
    hex=$(python3 -c 'import ipaddress,sys; n=ipaddress.ip_network(sys.argv[1]); print("%08x_%d" % (int(n.network_address), n.prefixlen))' "$nsub")
    nft delete chain ip ccontainer "n_${nbr}_${hex}_post" 2>/dev/null
    nft delete chain ip ccontainer "n_${nbr}_${hex}_guard" 2>/dev/null
}
trap 'net_cleanup; cleanup' EXIT
ip netns add "$fa" && ip netns add "$fb" &&
    ip link add veth-cb-a netns "$fa" type veth peer name veth-cb-b netns "$fb" &&
    ip -n "$fa" addr add 10.99.77.1/30 dev veth-cb-a && ip -n "$fb" addr add 10.99.77.2/30 dev veth-cb-b &&
    ip -n "$fa" link set veth-cb-a up && ip -n "$fb" link set veth-cb-b up &&
    ip -n "$fa" link set lo up && ip -n "$fb" link set lo up || note "floor veth pair could not be set up"
pgw=$($P network inspect podman 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["subnets"][0]["gateway"])' 2>/dev/null)
pgw=${pgw:-10.88.0.1}

register startup-bridge ccontainer self "ccontainer run --rm alpine /bin/true (default network: bridge)" "" \
    "$CCN run --rm alpine /bin/true"
have podman && register startup-bridge podman peer "podman run --rm (runc, cgroupfs, default network)" "" \
    "$PODMAN_RUN $reg/library/alpine:latest /bin/true"
ROUNDS=$NET_ROUNDS measure startup-bridge
note "startup-bridge ran $NET_ROUNDS rounds (NET_ROUNDS)"

# ping -c 20 to the gateway (the host): average round trip, in µs
ping_avg() { # on stdin: busybox ping output; prints the average in µs
    python3 -c '
import re, sys
m = re.search(r"= [0-9.]+/([0-9.]+)/", sys.stdin.read())
print(f"{float(m.group(1)) * 1000:.0f}" if m else "")'
}
PING="ping -c 20 -i 0.2"
for r in $(seq "${NET_PING_ROUNDS:-9}"); do
    v=$($CCN run --rm alpine $PING "$ngw" 2>/dev/null | ping_avg)
    [[ -n $v ]] && record ping-rtt ccontainer self "ping container -> host, avg of 20 (µs)" us "$v"
    if have podman; then
        v=$($PODMAN_RUN "$reg/library/alpine:latest" $PING "$pgw" 2>/dev/null | ping_avg)
        [[ -n $v ]] && record ping-rtt podman peer "podman: ping container -> host (µs)" us "$v"
    fi
    v=$(ip netns exec "$fa" chroot "$work/rootfs" $PING 10.99.77.2 2>/dev/null | ping_avg)
    [[ -n $v ]] && record ping-rtt veth floor "bare veth pair between two namespaces (µs)" us "$v"
done

# TCP: 200 MB from busybox nc in the container to a receiver on the host,
# timed by the receiver from the first byte to EOF (MB/s)
cat >"$work/recv.py" <<'EOF'
import socket, sys, time
host, port, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((host, port))
s.listen(1)
s.settimeout(60)
open(out + ".ready", "w").close()
c, _ = s.accept()
c.settimeout(60)
buf = bytearray(1 << 20)
n, t0 = 0, None
while True:
    k = c.recv_into(buf)
    if not k:
        break
    if t0 is None:
        t0 = time.monotonic()
    n += k
with open(out, "w") as f:
    f.write(f"{n / (time.monotonic() - t0) / 1e6:.1f}\n" if n else "\n")
EOF
# tcp_rate NETNS|- LISTEN_ADDR TARGET SENDER: a receiver (in NETNS, or on the
# host for -), then `SENDER TARGET PORT`; prints MB/s.  Receiver and sender
# are pinned to different CPUs: on a small machine where the scheduler puts
# them decides the result more than the network path does (unpinned, the
# same tool varied by ±20% from run to run).
PIN_RX=() PIN_TX=
if (($(nproc) >= 2)) && have taskset; then PIN_RX=(taskset -c 0) PIN_TX=1; fi
tcp_rate() {
    local ns=$1 addr=$2 target=$3 sender=$4 port rx=$work/rx
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    rm -f "$rx" "$rx.ready"
    if [[ $ns == - ]]; then
        timeout 90 "${PIN_RX[@]}" python3 "$work/recv.py" "$addr" "$port" "$rx" &
    else
        timeout 90 ip netns exec "$ns" "${PIN_RX[@]}" python3 "$work/recv.py" "$addr" "$port" "$rx" &
    fi
    local rpid=$!
    for _ in $(seq 100); do [[ -e $rx.ready ]] && break; sleep 0.05; done
    ( [[ -z $PIN_TX ]] || taskset -pc "$PIN_TX" "$BASHPID" >/dev/null; "$sender" "$target" "$port" >/dev/null 2>&1 )
    wait "$rpid"
    cat "$rx" 2>/dev/null
}
DD="dd if=/dev/zero bs=1M count=200 2>/dev/null"
send_cc() { $CCN run --rm alpine sh -c "$DD | nc $1 $2"; }
send_podman() { $PODMAN_RUN "$reg/library/alpine:latest" sh -c "$DD | nc $1 $2"; }
# the minimal rootfs has no /dev/zero: dd runs outside the chroot, nc inside
send_floor() { ip netns exec "$fa" sh -c "$DD | chroot $work/rootfs nc $1 $2"; }
for r in $(seq "${NET_TCP_ROUNDS:-9}"); do
    v=$(tcp_rate - 0.0.0.0 "$ngw" send_cc)
    [[ -n $v ]] && record tcp-throughput ccontainer self "TCP container -> host, busybox nc, 200 MB (MB/s)" MBps "$v"
    if have podman; then
        v=$(tcp_rate - 0.0.0.0 "$pgw" send_podman)
        [[ -n $v ]] && record tcp-throughput podman peer "podman: TCP container -> host (MB/s)" MBps "$v"
    fi
    v=$(tcp_rate "$fb" 10.99.77.2 10.99.77.2 send_floor)
    [[ -n $v ]] && record tcp-throughput veth floor "bare veth pair between two namespaces (MB/s)" MBps "$v"
done
net_cleanup
fi # network

# user-defined networks: start-up on one, and name resolution between two
# containers on it (docker's embedded DNS: ccontainer-dns; podman's
# aardvark-dns), each against podman's own network of the same kind
if want usernet; then
unet=ccbench-net-$$
usub=10.78.$((RANDOM % 200 + 20))
$CCR network create --subnet "$usub.0/24" "$unet" >/dev/null || note "usernet: network create failed"
# podman's on the next /24: two bridges with one subnet would share routes
psub=${usub%.*}.$((${usub##*.} + 1))
have podman && { $P network create --subnet "$psub.0/24" "$unet" >/dev/null 2>&1 ||
    $P network create "$unet" >/dev/null 2>&1 || note "usernet: podman network create failed"; }
usernet_cleanup() {
    $CCR rm -f ccb-web ccb-client >/dev/null 2>&1
    $CCR network rm "$unet" >/dev/null 2>&1
    if have podman; then
        $P rm -f -t 0 ccb-web ccb-client >/dev/null 2>&1
        $P network rm -f "$unet" >/dev/null 2>&1
    fi
}
register startup-usernet ccontainer self "ccontainer run --rm --network NET alpine /bin/true (a user-defined network)" "" \
    "$CCR run --rm --network $unet alpine /bin/true"
have podman && register startup-usernet podman peer "podman run --rm --network NET (user-defined network; CNI here, Debian podman 4.3)" "" \
    "$PODMAN_RUN --network $unet $reg/library/alpine:latest /bin/true"
ROUNDS=${NET_ROUNDS:-30} measure startup-usernet

# 100 lookups of the other container's name from inside one container, timed
# around the whole loop (the same busybox nslookup in both tools); per lookup
DNS_N=100
DNS_LOOP="i=0; while [ \$i -lt $DNS_N ]; do nslookup -type=a ccb-web >/dev/null || exit 1; i=\$((i+1)); done"
$CCR run -d --name ccb-web --network "$unet" alpine sleep 3600 >/dev/null &&
    $CCR run -d --name ccb-client --network "$unet" alpine sleep 3600 >/dev/null || note "usernet: containers failed"
if have podman; then
    $P run -d --name ccb-web --network "$unet" --ulimit nofile=1024:1024 --ulimit nproc=1000:1000 \
        "$reg/library/alpine:latest" sleep 3600 >/dev/null 2>&1 &&
        $P run -d --name ccb-client --network "$unet" --ulimit nofile=1024:1024 --ulimit nproc=1000:1000 \
            "$reg/library/alpine:latest" sleep 3600 >/dev/null 2>&1 || note "usernet: podman containers failed"
fi
for r in $(seq 0 "${DNS_ROUNDS:-9}"); do
    for tool in ccontainer podman; do
        [[ $tool == podman ]] && ! have podman && continue
        cli=$CCR
        [[ $tool == podman ]] && cli=$P
        t0=$EPOCHREALTIME
        if ! $cli exec ccb-client sh -c "$DNS_LOOP" >/dev/null 2>&1; then
            note "dns-lookup/$tool failed"
            continue
        fi
        t1=$EPOCHREALTIME
        ((r == 0)) && continue # warm-up
        v=$(python3 -c "print(f'{($t1 - $t0) / $DNS_N * 1e6:.0f}')")
        if [[ $tool == podman ]]; then
            record dns-lookup podman peer "podman: the same, dnsname/dnsmasq (µs)" us "$v"
        else
            record dns-lookup ccontainer self "nslookup of another container's name on a user network, per lookup (µs)" us "$v"
        fi
    done
done
usernet_cleanup
fi # usernet

# 11. build: Containerfile-examples/nonroot-service (2 RUN, COPY --chown,
# config steps) built cold (only the base image in the store, no cache) and
# rebuilt fully cached, against buildah bud --layers (overlay, chroot
# isolation: what works here; base from the same loopback registry).
if want build; then
say "bench: build"
bdir=$repo/Containerfile-examples/nonroot-service
$CC --root "$work/cc-build-base" pull -q alpine >/dev/null
register build-cold ccontainer self "ccontainer build (cold: only the base image in the store)" \
    "rm -rf $work/cc-build && cp -a $work/cc-build-base $work/cc-build" \
    "$CC --root $work/cc-build build -q -t bench-build $bdir"
B="buildah --root $work/b --runroot $runbase/br --storage-driver overlay"
B_BUD="$B bud --layers --pull=never --isolation chroot -q -t bench-build $bdir"
if have buildah; then
    register build-cold buildah peer "buildah bud --layers (cold: only the base image in the store)" \
        "$B rmi -a -f; $B pull -q --tls-verify=false $reg/library/alpine:latest && $B tag $reg/library/alpine:latest docker.io/library/alpine:latest" \
        "$B_BUD"
else
    note "buildah not available: build cases run without it"
fi
measure build-cold
# cached: the last cold round left a complete cache; rebuild unchanged
$CC --root "$work/cc-build" build -q -t bench-build "$bdir" >/dev/null
register build-cached ccontainer self "ccontainer build (fully cached rebuild)" "" \
    "$CC --root $work/cc-build build -q -t bench-build $bdir"
if have buildah; then
    bash -c "$B_BUD" >/dev/null 2>&1
    register build-cached buildah peer "buildah bud --layers (fully cached rebuild)" "" "$B_BUD"
fi
measure build-cached
if have buildah; then # its overlay driver keeps a bind mount on its store
    $B rmi -a -f >/dev/null 2>&1
    umount "$work/b/overlay" 2>/dev/null
fi
fi # build

# target CASE PEER TEXT LIMIT: a line in results.md on the case's target from
# the issues: ccontainer's median ÷ PEER's, against LIMIT (at most)
target() {
    local r
    r=$(python3 - "$samples" "$1" "$2" <<'EOF2'
import statistics, sys
from pathlib import Path
d, case, peer = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
try:
    m = [statistics.median(float(x) for x in (d / f"{case}__{t}.txt").read_text().split()) for t in ("ccontainer", peer)]
    print(f"{m[0] / m[1]:.2f}")
except (OSError, ValueError, statistics.StatisticsError):
    pass
EOF2
    )
    if [[ -z $r ]]; then
        note "target ($1): $3: not measured"
    elif python3 -c "import sys; sys.exit(0 if $r <= $4 else 1)"; then
        note "target ($1): $3: $r of $2, met"
    else
        note "target ($1): $3: $r of $2, not met"
    fi
}

# 12. volume: start-up with a named volume mounted (made beforehand, so the
# rounds measure mounting it, not making it or its first copy of the image's
# content), and the plain start-up of the same rounds for reference
if want volume; then
$CCR volume create benchvol >/dev/null
have podman && $P volume create benchvol >/dev/null 2>&1
register volume ccontainer self "ccontainer run --rm --network none -v benchvol:/data alpine /bin/true" "" \
    "$CCR run --rm --network none -v benchvol:/data alpine /bin/true"
have podman && register volume podman peer "podman run --rm -v benchvol:/data (runc, cgroupfs)" "" \
    "$PODMAN_RUN --network none -v benchvol:/data $reg/library/alpine:latest /bin/true"
register volume ccontainer-plain peer "reference: ccontainer run --rm --network none alpine /bin/true (no volume)" "" \
    "$CCR run --rm --network none alpine /bin/true"
have podman && register volume podman-plain peer "reference: podman run --rm (no volume)" "" \
    "$PODMAN_RUN --network none $reg/library/alpine:latest /bin/true"
measure volume
target volume podman "run --rm with a named volume: under a tenth of podman (run --rm's target)" 0.1
$CCR volume rm benchvol >/dev/null 2>&1
have podman && $P volume rm -f benchvol >/dev/null 2>&1
fi # volume

# 13. cp into and out of a stopped container: a 100 MB tree of 2000 files of
# mixed sizes in 3 levels of directories, generated once from a fixed seed.
# Into: the container is made again before every round, outside the timing,
# so every round copies to a fresh /dst; out: the previous round's copy is
# removed first.  The floor is cp -a between two directories of the same
# filesystem.  A sync after each preparation: no round starts with the last
# one's writes still on their way to the disk.
if want cp-in || want cp-out; then
say "bench: building the cp tree"
python3 - "$work/cpsrc/tree" <<'EOF2'
import os, random, sys
root, rng = sys.argv[1], random.Random(20261206)
dirs = [root] + [os.path.join(root, f"d{i:02d}", f"s{j}") for i in range(20) for j in range(3)]
# 1700 small (0.1-16 kB), 280 medium (16 kB-500 kB), 20 large (1-6 MB), scaled to 100 MB
sizes = [rng.randint(100, 16000) for _ in range(1700)] + [rng.randint(16000, 500000) for _ in range(280)] + \
        [rng.randint(1000000, 6000000) for _ in range(20)]
k = 100 * 1000 * 1000 / sum(sizes)
for d in dirs:
    os.makedirs(d, exist_ok=True)
for i, s in enumerate(sizes):
    with open(os.path.join(rng.choice(dirs), f"f{i:04d}.bin"), "wb") as f:
        f.write(rng.randbytes(max(1, int(s * k))))
EOF2
CPC="create --network none --name cpbench"
PCREATE="$P create --ulimit nofile=1024:1024 --ulimit nproc=1000:1000 --network none --name cpbench $reg/library/alpine:latest /bin/true"
if want cp-in; then
    register cp-in ccontainer self "ccontainer cp TREE ctr:/dst, 100 MB in 2000 files (stopped container)" \
        "$CCR rm -f cpbench; $CCR $CPC alpine /bin/true; sync" "$CCR cp $work/cpsrc/tree cpbench:/dst"
    have podman && register cp-in podman peer "podman cp TREE ctr:/dst (stopped container)" \
        "$P rm -f cpbench; $PCREATE; sync" "$P cp $work/cpsrc/tree cpbench:/dst"
    register cp-in floor floor "floor: cp -a TREE on the same filesystem" \
        "rm -rf $work/cpfloor; mkdir -p $work/cpfloor; sync" "cp -a $work/cpsrc/tree $work/cpfloor/dst"
    measure cp-in
    target cp-in podman "cp into a stopped container: at most half of podman's time" 0.5
    $CCR rm -f cpbench >/dev/null 2>&1
    have podman && $P rm -f cpbench >/dev/null 2>&1
fi
if want cp-out; then
    $CCR $CPC alpine /bin/true >/dev/null && $CCR cp "$work/cpsrc/tree" cpbench:/src >/dev/null ||
        note "cp-out: the ccontainer source container could not be made"
    if have podman; then
        $PCREATE >/dev/null 2>&1 && $P cp "$work/cpsrc/tree" cpbench:/src >/dev/null 2>&1 ||
            note "cp-out: the podman source container could not be made"
    fi
    register cp-out ccontainer self "ccontainer cp ctr:/src DIR, 100 MB in 2000 files (stopped container)" \
        "rm -rf $work/cpout-cc; mkdir -p $work/cpout-cc; sync" "$CCR cp cpbench:/src $work/cpout-cc/dst"
    have podman && register cp-out podman peer "podman cp ctr:/src DIR (stopped container)" \
        "rm -rf $work/cpout-p; mkdir -p $work/cpout-p; sync" "$P cp cpbench:/src $work/cpout-p/dst"
    register cp-out floor floor "floor: cp -a TREE on the same filesystem" \
        "rm -rf $work/cpfloor; mkdir -p $work/cpfloor; sync" "cp -a $work/cpsrc/tree $work/cpfloor/dst"
    measure cp-out
    target cp-out podman "cp out of a stopped container: at most half of podman's time" 0.5
    $CCR rm -f cpbench >/dev/null 2>&1
    have podman && $P rm -f cpbench >/dev/null 2>&1
fi
rm -rf "$work/cpsrc" "$work/cpfloor" "$work/cpout-cc" "$work/cpout-p"
fi # cp

# 14. compose: `up -d` of a three-service project until all three run, then
# `down`, against podman-compose on the same file.  One service is built
# (a Containerfile FROM the bench's alpine), two run the pulled alpine; web
# depends on db being healthy, db's check is `true` (CMD form), interval 1s,
# start_period 10s, start_interval 100ms (COMPOSE_START_INTERVAL).  Every
# service runs `sleep` under `init: true`, so SIGTERM ends it at once.
# What is warm: the image is pulled into both stores before any round; the
# built image is built by each tool in the warm-up round and present in the
# measured ones (neither tool rebuilds a present image on `up`: no build is
# timed).  What is cold: every container (and ccontainer's project
# network, which `down` removes; podman-compose 1.0.3's `down` leaves its
# network, so it makes it in the warm-up round only).  Each round runs, per
# tool, `up -d` (timed), a check that the three containers run (not timed),
# `down` (timed).  podman-compose 1.0.3 (Debian) waits for nothing but its
# own `sleep(1)` after each `podman run -d`: it ignores depends_on's
# conditions (order only), passes no start_interval (podman 4.3 has none),
# and podman runs no healthcheck here anyway (it needs systemd timers).
# ccontainer's `up -d` does wait for db to be healthy.  Two reference rows:
# podman-compose up -d with time.sleep patched out (what its podman
# commands themselves cost), and podman-compose down followed by `podman
# network rm` (the work ccontainer's down does; the network is made again
# untimed, so podman-compose's up rows find it as they always do).
if want compose; then
say "bench: compose"
if ! have podman-compose; then
    note "compose: podman-compose not available: ccontainer measured alone"
fi
cdir=$work/compose
cproj=ccbc$$
csub=10.76.$((RANDOM % 200 + 20)).0/24
mkdir -p "$cdir/web"
cat >"$cdir/web/Containerfile" <<EOF
FROM $reg/library/alpine:latest
RUN echo built >/built
CMD ["sleep", "3600"]
EOF
cat >"$cdir/compose.yaml" <<EOF
services:
  db:
    image: $reg/library/alpine:latest
    command: ["sleep", "3600"]
    init: true
    healthcheck:
      test: ["CMD", "true"]
      interval: 1s
      start_period: 10s
      start_interval: ${COMPOSE_START_INTERVAL:-100ms}
  web:
    build:
      context: ./web
      dockerfile: Containerfile
    init: true
    depends_on:
      db:
        condition: service_healthy
  cache:
    image: $reg/library/alpine:latest
    command: ["sleep", "3600"]
    init: true
networks:
  default:
    ipam:
      config:
        - subnet: $csub
EOF
$CCR pull -q "$reg/library/alpine:latest" >/dev/null || note "compose: ccontainer could not pull $reg/library/alpine"
CC_COMPOSE="$CCR compose -f $cdir/compose.yaml -p $cproj"
PCA="--podman-args=--root=$work/podman/root --podman-args=--runroot=$runbase/podman/run"
PCA+=" --podman-args=--storage-driver=overlay --podman-args=--cgroup-manager=cgroupfs --podman-args=--runtime=runc"
PCA+=" --podman-run-args=--ulimit=nofile=1024:1024 --podman-run-args=--ulimit=nproc=1000:1000"
P_COMPOSE="podman-compose -f $cdir/compose.yaml -p $cproj $PCA"
# podman-compose's own interpreter (its #! line), not the first python3 on PATH
pc_py=$(sed -n '1s/^#! *//p' "$(command -v podman-compose 2>/dev/null || echo /dev/null)" 2>/dev/null)
P_COMPOSE_NS="${pc_py:-/usr/bin/python3} -c 'import sys, time; time.sleep = lambda s: None; sys.argv[0] = \"podman-compose\"; import podman_compose; podman_compose.main()' -f $cdir/compose.yaml -p $cproj $PCA"
# running containers of the project: 3 expected after up, 0 after down
cc_running() { $CCR ps -q --filter "label=com.docker.compose.project=$cproj" 2>/dev/null | wc -l; }
p_running() { $P ps -q --filter "label=io.podman.compose.project=$cproj" 2>/dev/null | wc -l; }
# podman's network of the project and what CNI leaves of it: the dnsname
# plugin's INPUT rule for its bridge (one: the bridge's name may be another
# podman network's right after), the bridge if podman could not remove it,
# host-local's lease directory
pnet_remove() {
    local net=${cproj}_default br
    br=$(python3 -c 'import json, sys
print(next((p.get("bridge", "") for p in json.load(open(sys.argv[1]))["plugins"] if p.get("type") == "bridge"), ""))' \
        "/etc/cni/net.d/$net.conflist" 2>/dev/null)
    [[ -n $br ]] && iptables -D INPUT -i "$br" -p udp -m udp --dport 53 -j ACCEPT 2>/dev/null
    $P network rm -f "$net" >/dev/null 2>&1 || { [[ -n $br ]] && ip link del "$br" 2>/dev/null; }
    rm -rf "/var/lib/cni/networks/$net"
}
compose_cleanup() {
    $CC_COMPOSE down >/dev/null 2>&1
    if have podman-compose; then
        $P_COMPOSE down >/dev/null 2>&1
        pnet_remove
        $P rmi -f "${cproj}_web" >/dev/null 2>&1
    fi
}
trap 'compose_cleanup; cleanup' EXIT
compose_tools=(ccontainer)
have podman-compose && compose_tools+=(podman-compose podman-compose-nosleep)
printf '%s\t%s\t%s\t%s\t%s\n' compose-up ccontainer self \
    "ccontainer compose up -d: 3 services (1 built, 2 pulled), web waits for db healthy" s >>"$samples/cases.tsv"
printf '%s\t%s\t%s\t%s\t%s\n' compose-down ccontainer self "ccontainer compose down (3 containers and the network)" s >>"$samples/cases.tsv"
if have podman-compose; then
    printf '%s\t%s\t%s\t%s\t%s\n' compose-up podman-compose peer \
        "podman-compose 1.0.3 up -d (waits for no health; 1 s pause after each podman run)" s >>"$samples/cases.tsv"
    printf '%s\t%s\t%s\t%s\t%s\n' compose-up podman-compose-nosleep peer \
        "reference: podman-compose up -d with its pauses patched out" s >>"$samples/cases.tsv"
    printf '%s\t%s\t%s\t%s\t%s\n' compose-down podman-compose peer "podman-compose 1.0.3 down (3 containers; keeps its network)" s >>"$samples/cases.tsv"
    printf '%s\t%s\t%s\t%s\t%s\n' compose-down podman-compose-netrm peer \
        "reference: podman-compose down, then podman network rm (what ccontainer's down does too)" s >>"$samples/cases.tsv"
fi
# podman-compose's network as it makes it (assert_cnt_nets), made again
# untimed after the reference's network rm: its up rows find it, as always
pnet_again() {
    $P network create --label "io.podman.compose.project=$cproj" --label "com.docker.compose.project=$cproj" \
        "${cproj}_default" >/dev/null 2>&1
}
COMPOSE_ROUNDS=${COMPOSE_ROUNDS:-$ROUNDS}
cd "$cdir" || exit 1
sync
for ((r = 0; r <= COMPOSE_ROUNDS; r++)); do
    for ((j = 0; j < ${#compose_tools[@]}; j++)); do
        tool=${compose_tools[$(((j + r) % ${#compose_tools[@]}))]}
        case $tool in
        ccontainer) c=$CC_COMPOSE running=cc_running ;;
        podman-compose) c=$P_COMPOSE running=p_running ;;
        podman-compose-nosleep) c=$P_COMPOSE_NS running=p_running ;;
        esac
        t0=$EPOCHREALTIME
        if ! bash -c "$c up -d" >/dev/null 2>"$work/err"; then
            note "compose-up/$tool failed: $(tail -1 "$work/err")"
            bash -c "$c down" >/dev/null 2>&1
            continue
        fi
        t1=$EPOCHREALTIME
        n=$($running)
        ((n == 3)) || note "compose-up/$tool: $n of 3 containers running after up -d"
        t2=$EPOCHREALTIME
        if ! bash -c "$c down" >/dev/null 2>"$work/err"; then
            note "compose-down/$tool failed: $(tail -1 "$work/err")"
            continue
        fi
        t3=$EPOCHREALTIME
        t4=
        if [[ $tool == podman-compose ]] && $P network rm -f "${cproj}_default" >/dev/null 2>&1; then
            t4=$EPOCHREALTIME
            pnet_again
        fi
        n=$($running)
        ((n == 0)) || note "compose-down/$tool: $n containers still running after down"
        ((r == 0)) && continue # warm-up: builds the web image
        python3 -c "print(f'{$t1 - $t0:.6f}')" >>"$samples/compose-up__${tool}.txt"
        [[ $tool == podman-compose-nosleep ]] ||
            python3 -c "print(f'{$t3 - $t2:.6f}')" >>"$samples/compose-down__${tool}.txt"
        [[ -n $t4 ]] && python3 -c "print(f'{$t4 - $t2:.6f}')" >>"$samples/compose-down__podman-compose-netrm.txt"
    done
done
cd "$repo" || exit 1
note "compose ran $COMPOSE_ROUNDS rounds (COMPOSE_ROUNDS); db's start_interval ${COMPOSE_START_INTERVAL:-100ms}"
target compose-up podman-compose "compose up -d of the 3-service project: at most a tenth of podman-compose's time" 0.1
target compose-down podman-compose "compose down of the same: at most a tenth of podman-compose's time" 0.1
compose_cleanup
trap cleanup EXIT
fi # compose

# 15. rootless: start-up as an ordinary user (made here, with a subuid
# range, removed at the end), ccontainer against rootless podman and the
# rootless floor (unshare -Ur -fpm chroot), --network none and with the
# default rootless network (pasta for both).  pasta needs /dev/net/tun
# usable by the user (Debian's 0666; restored after).
if want rootless; then
RL_USER=ccbenchrl
if id "$RL_USER" >/dev/null 2>&1; then
    note "rootless: user $RL_USER exists already, not ours: rootless case not run"
elif ! have newuidmap || ! have pasta; then
    note "rootless: newuidmap (uidmap) or pasta (passt) missing: rootless case not run"
else
    useradd -m -s /bin/sh "$RL_USER"
    if ! grep -q "^$RL_USER:" /etc/subuid; then
        top=$(awk -F: '{ e = $2 + $3; if (e > m) m = e } END { print (m > 400000 ? m : 400000) }' /etc/subuid /etc/subgid)
        echo "$RL_USER:$top:65536" >>/etc/subuid
        echo "$RL_USER:$top:65536" >>/etc/subgid
    fi
    rl_uid=$(id -u "$RL_USER")
    tun_mode=$(stat -c %a /dev/net/tun)
    chmod 0666 /dev/net/tun
    rl_dir=$(mktemp -d /tmp/ccbench-rl.XXXXXX)
    chmod 0755 "$rl_dir"
    cp "$CC" "$repo/ccontainer-monitor" "$rl_dir/"
    mkdir -p "$rl_dir/rootfs"
    runuser -u "$RL_USER" -- tar -xzf "$alpine_tar" -C "$rl_dir/rootfs" 2>/dev/null ||
        tar -xzf "$alpine_tar" -C "$rl_dir/rootfs"
    chmod -R a+rX "$rl_dir"
    AS="runuser -u $RL_USER -- env -i HOME=/home/$RL_USER PATH=/usr/bin:/bin"
    RLCC="$AS $rl_dir/ccontainer"
    RLP="$AS podman --runtime runc --cgroup-manager cgroupfs"
    $RLCC pull -q "$reg/library/alpine:latest" >/dev/null 2>&1 &&
        $RLCC tag "$reg/library/alpine:latest" alpine >/dev/null 2>&1 ||
        note "rootless: ccontainer could not pull alpine as $RL_USER"
    rl_podman=false
    if have podman && $RLP pull -q --tls-verify=false "$reg/library/alpine:latest" >/dev/null 2>&1 &&
        $RLP run --rm --network none "$reg/library/alpine:latest" /bin/true >/dev/null 2>&1; then
        rl_podman=true
    else
        note "rootless: podman could not run as $RL_USER: $($RLP run --rm --network none "$reg/library/alpine:latest" /bin/true 2>&1 | tail -1)"
    fi
    register rl-startup ccontainer self "rootless ccontainer run --rm --network none alpine /bin/true" "" \
        "$RLCC run --rm --network none alpine /bin/true"
    register rl-startup floor floor "rootless floor: unshare -Ur -fpm chroot ROOTFS /bin/true" "" \
        "$AS unshare -Ur -fpm /usr/sbin/chroot $rl_dir/rootfs /bin/true"
    # every row runs through runuser (as root, for the user): its own cost,
    # to read the rows without it
    register rl-startup wrapper peer "reference: the runuser wrapper alone (runuser ... /bin/true)" "" \
        "$AS /bin/true"
    $rl_podman && register rl-startup podman peer "rootless podman run --rm --network none (runc, cgroupfs)" "" \
        "$RLP run --rm --network none $reg/library/alpine:latest /bin/true"
    measure rl-startup
    target rl-startup podman "rootless start-up: under a tenth of rootless podman" 0.1
    target rl-startup floor "rootless start-up: at most 3x the rootless floor" 3
    register rl-pasta ccontainer self "rootless ccontainer run --rm alpine /bin/true (pasta)" "" \
        "$RLCC run --rm alpine /bin/true"
    # podman 4.3 (Debian 12's) has no pasta: its rootless default, slirp4netns
    $rl_podman && register rl-pasta podman peer "rootless podman run --rm (its default network: slirp4netns in 4.3)" "" \
        "$RLP run --rm $reg/library/alpine:latest /bin/true"
    measure rl-pasta
    target rl-pasta podman "rootless start-up with pasta: under a tenth of rootless podman" 0.1
    # what the user's ccontainer and podman left: their containers, their
    # pause processes (by the pids they recorded), the user
    $RLCC rm -af >/dev/null 2>&1
    pf=/tmp/ccontainer-run-$rl_uid/pause.pid
    [[ -f $pf ]] && kill "$(cut -d' ' -f1 "$pf")" 2>/dev/null
    ppf=/tmp/podman-run-$rl_uid/libpod/tmp/pause.pid
    [[ -f $ppf ]] && kill "$(cat "$ppf")" 2>/dev/null
    rm -rf "/tmp/podman-run-$rl_uid" "/tmp/containers-user-$rl_uid"
    rm -rf "/tmp/ccontainer-run-$rl_uid" "$rl_dir"
    userdel -r "$RL_USER" >/dev/null 2>&1
    sed -i "/^$RL_USER:/d" /etc/subuid /etc/subgid
    chmod "$tun_mode" /dev/net/tun
fi
fi # rootless

# ---- report ----
{
    echo "# ccontainer benchmark results"
    echo
    echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r); $(date -u +%Y-%m-%d)."
    echo "Each case ran its tools alternately, one warm-up round then $ROUNDS measured rounds."
    echo "Ratio = ccontainer's median ÷ the tool's median: for times and sizes below 1 means ccontainer is"
    echo "faster or smaller; for throughputs (MB/s) above 1 means ccontainer moves more."
    echo
    python3 "$here/stats.py" "$samples"
    echo
    for n in "${notes[@]}"; do echo "- $n"; done
} >"$out/results.md"
cp "$samples"/*.txt "$samples/cases.tsv" "$out/" 2>/dev/null
if have gnuplot; then
    python3 - "$samples" >"$work/ratios.dat" <<'EOF'
import csv, statistics, sys
from pathlib import Path
d = Path(sys.argv[1])
rows = [r[:4] for r in csv.reader(open(d / "cases.tsv"), delimiter="\t")]  # record() adds a unit
med = {}
for case, tool, role, desc in rows:
    f = d / f"{case}__{tool}.txt"
    if f.exists() and f.read_text().split():
        med[(case, tool)] = statistics.median(float(x) for x in f.read_text().split())
for case, tool, role, desc in rows:
    if tool != "ccontainer" and (case, tool) in med and (case, "ccontainer") in med:
        print(f'"{case} vs {tool}" {med[(case, "ccontainer")] / med[(case, tool)]:.3f}')
EOF
    gnuplot <<EOF
set terminal pngcairo size 1100,600
set output "$out/ratios.png"
set title "ccontainer ÷ other tool (times and sizes: lower is better; MB/s: higher is better; 1 = same)"
set style fill solid 0.6
set boxwidth 0.6
set yrange [0:*]
set grid y
set xtics font ",8" rotate by -40 left
set bmargin 9
plot "$work/ratios.dat" using 0:2:xtic(1) with boxes notitle, 1 with lines lc rgb "red" title "parity"
EOF
fi
cat "$out/results.md"
