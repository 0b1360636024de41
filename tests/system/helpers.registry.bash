# -*- bash -*-
#
# helpers.registry.bash: loopback registries and test images, sourced by
# helpers.bash.  Seeding uses independent tools only (tests/fixtures/mkimage.py
# and skopeo), never ccontainer.
#
#   start_registry [--prefix P] [--htpasswd FILE] [--tls CERT KEY] [--token [--token-user U:P]] [--throttle BPS]
#   make_tls_cert DIR                          a CA (DIR/ca.crt) and a 127.0.0.1 cert signed by it (DIR/server.{crt,key})
#   start_proxy --prefix P --upstream HOST:PORT [--token [--token-user U:P]] [--throttle BPS]
#   start_faultproxy --prefix P --upstream HOST:PORT [RULE-JSON...]
#   stop_registry [--prefix P]
#   proxy_throttle [--prefix P] BPS
#   count_blob_gets [--prefix P] [DIGEST]      GET .../blobs/sha256:... lines in P's registry log
#   count_range_gets [--prefix P] [DIGEST]     those answered 206 (a Range resume)
#   log_sync [--prefix P]                      wait until P's logs caught up
#   seed_alpine | seed_multiarch | seed_zstd | seed_multilayer | seed_corrupt |
#   seed_bad_diffid | seed_escape | seed_big |
#   seed_configured | seed_whiteouts          REPO:TAG [--format oci|v2s2] [--registry HOST:PORT] [--creds U:P]
#   seed_layers N REPO:TAG [...]               alpine under N more tiny layers
#   fixture_get KEY PYEXPR                     field of a fixture's mkimage summary
#   remote_digest HOST/REPO:TAG [--creds U:P]  sha256 of the manifest bytes the registry serves
#   registry_blob_path [--prefix P] DIGEST     the blob's data file in P's storage
#   alpine_tarball                             path of the verified minirootfs tarball
#
# A registry started with prefix P (default REGISTRY) exports:
#   P            HOST:PORT clients use (the proxy's, with --token/--throttle)
#   P_BACKEND    HOST:PORT of docker-registry itself (seed here)
#   P_LOG        docker-registry's log (with its access log)
#   P_STORAGE    its filesystem storage root
#   P_DIR, P_PID
#   P_PROXY_LOG, P_PROXY_PID, P_PROXY_DIR   with a proxy in front
# Registries started from setup_file serve the whole file and are stopped by
# file_teardown; those started inside a test are stopped by basic_teardown.

ALPINE_TARBALL_NAME=alpine-minirootfs-3.20.3-x86_64.tar.gz
ALPINE_URL=https://dl-cdn.alpinelinux.org/alpine/v3.20/releases/x86_64/$ALPINE_TARBALL_NAME
ALPINE_SHA512=9d5405f61f8a6ebc02461ba75346fbf1a63a4eab8510a0158dd321cee0c4dafe28c2a3d2cb7c3d75e2a8130dae0c3c92382f5b6adeea309eafc97621c5bf6400
SHARED_IMAGES=$REPO_ROOT/../shared/images
TEST_CACHE=${CC_TEST_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/ccontainer-tests}
DOCKER_REGISTRY_BIN=${DOCKER_REGISTRY_BIN:-/usr/bin/docker-registry}
# The environment docker-registry runs with.  It must not inherit ours: it
# reads REGISTRY_<SECTION>_<KEY> variables as config overrides, and we export
# REGISTRY_LOG, REGISTRY_DIR, ... ourselves.
SERVICE_ENV=(env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8)

###############################################################################
# Services: background processes recorded per scope, stopped by PID only.

# _service_record PID MATCH DIR: remember a process (MATCH must appear in its
# command line, which guards against PID reuse) and its temp dir.
_service_record() {
    echo "$1 $2 $3" >>"${CC_SCOPE_DIR:?}/.services"
}

# _service_stop PID MATCH: SIGTERM, bounded wait, then SIGKILL.
_service_stop() {
    local pid=$1 match=$2 cmdline i
    [[ -r /proc/$pid/cmdline ]] || return 0
    cmdline=$(tr '\0' ' ' </proc/"$pid"/cmdline 2>/dev/null) || return 0
    [[ "$cmdline" == *"$match"* ]] || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    for ((i = 0; i < 50; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# stop_services SCOPEDIR: stop every service recorded in SCOPEDIR, remove their dirs.
stop_services() {
    local file=$1/.services pid match dir
    [[ -f $file ]] || return 0
    while read -r pid match dir; do
        _service_stop "$pid" "$match"
        [[ -z "$dir" ]] || rm -rf "$dir"
    done <"$file"
    rm -f "$file"
}

###############################################################################
# docker-registry

_registry_config() {
    local dir=$1 port=$2 htpasswd=$3 tls_cert=${4:-} tls_key=${5:-}
    cat <<EOF
version: 0.1
log:
  level: info
  formatter: text
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: $dir/storage
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:$port
  secret: ccontainer-tests-not-secret
EOF
    if [[ -n "$tls_cert" ]]; then
        cat <<EOF
  tls:
    certificate: $tls_cert
    key: $tls_key
EOF
    fi
    if [[ -n "$htpasswd" ]]; then
        cat <<EOF
auth:
  htpasswd:
    realm: ccontainer-test-realm
    path: $htpasswd
EOF
    fi
}

# _http_code URL: the HTTP status (000 when nothing answers).
_http_code() {
    curl -s -o /dev/null --max-time 2 -w '%{http_code}' "$1" 2>/dev/null || true
}

# _wait_ready PID ADDR [LOGFILE LOGLINE]: bounded wait until PID is alive,
# LOGFILE has LOGLINE (when given) and http://ADDR/v2/ answers anything.
_wait_ready() {
    local pid=$1 addr=$2 log=${3:-} logline=${4:-}
    local deadline=$((SECONDS + 20)) code
    while ((SECONDS < deadline)); do
        kill -0 "$pid" 2>/dev/null || return 1
        if [[ -z "$log" ]] || file_contains "$log" "$logline"; then
            code=$(_http_code "http://$addr/v2/")
            if [[ "$code" != 000 && -n "$code" ]]; then
                kill -0 "$pid" 2>/dev/null || return 1
                return 0
            fi
        fi
        sleep 0.1
    done
    return 1
}

# start_registry [--prefix P] [--htpasswd FILE] [--token [--token-user U:P]] [--throttle BPS]
#
# Starts Debian's docker-registry on a free 127.0.0.1 port with its own
# storage dir and log.  --htpasswd turns on Basic auth (bcrypt entries, see
# `htpasswd -Bbn`).  --token or --throttle put tests/fixtures/tokenserver.py in
# front (see start_proxy); P is then the proxy's address.
start_registry() {
    local prefix=REGISTRY htpasswd='' token='' token_user='' throttle='' tls_cert='' tls_key=''
    while (($#)); do
        case "$1" in
        --prefix) prefix=$2; shift 2 ;;
        --htpasswd) htpasswd=$2; shift 2 ;;
        --tls) tls_cert=$2; tls_key=$3; shift 3 ;;
        --token) token=1; shift ;;
        --token-user) token_user=$2; shift 2 ;;
        --throttle) throttle=$2; shift 2 ;;
        *) die "start_registry: unknown option '$1'"; return ;;
        esac
    done
    [[ -x "$DOCKER_REGISTRY_BIN" ]] || { die "'$DOCKER_REGISTRY_BIN' not found (apt-get install docker-registry)"; return; }

    local dir port pid log
    dir=$(mktemp -d "${CC_SCOPE_DIR:?}/registry.XXXXXX")
    mkdir -p "$dir/storage"
    log=$dir/registry.log
    # A free port can be taken between free_port and the bind: retry.
    for _ in 1 2 3 4 5; do
        port=$(free_port)
        _registry_config "$dir" "$port" "$htpasswd" "$tls_cert" "$tls_key" >"$dir/config.yml"
        "${SERVICE_ENV[@]}" "$DOCKER_REGISTRY_BIN" serve "$dir/config.yml" \
            </dev/null >>"$log" 2>&1 3>&- &
        pid=$!
        _service_record "$pid" "$dir/config.yml" "$dir"
        if _wait_ready "$pid" "127.0.0.1:$port" "$log" "listening on 127\.0\.0\.1:$port"; then
            break
        fi
        _service_stop "$pid" "$dir/config.yml"
        pid=
    done
    if [[ -z "$pid" ]]; then
        die "docker-registry did not start; its log:"$'\n'"$(tail -20 "$log")"
        return
    fi
    echo "# registry $prefix: 127.0.0.1:$port pid $pid ($dir)"
    declare -gx "$prefix=127.0.0.1:$port"
    declare -gx "${prefix}_BACKEND=127.0.0.1:$port"
    declare -gx "${prefix}_PID=$pid"
    declare -gx "${prefix}_DIR=$dir"
    declare -gx "${prefix}_LOG=$log"
    declare -gx "${prefix}_STORAGE=$dir/storage"

    if [[ -n "$token" || -n "$throttle" ]]; then
        start_proxy --prefix "$prefix" --upstream "127.0.0.1:$port" \
            ${token:+--token} ${token_user:+--token-user "$token_user"} \
            ${throttle:+--throttle "$throttle"}
    fi
}

# make_tls_cert DIR: a self-signed CA and a server certificate for
# 127.0.0.1 (IP SAN) signed by it: DIR/ca.crt, DIR/server.crt, DIR/server.key.
make_tls_cert() {
    local d=$1
    mkdir -p "$d"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=ccontainer-test-ca \
        -keyout "$d/ca.key" -out "$d/ca.crt" 2>/dev/null || { die "openssl: CA"; return; }
    openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout "$d/server.key" \
        -out "$d/server.csr" 2>/dev/null || { die "openssl: CSR"; return; }
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$d/ext.cnf"
    openssl x509 -req -in "$d/server.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial \
        -days 2 -extfile "$d/ext.cnf" -out "$d/server.crt" 2>/dev/null || { die "openssl: sign"; return; }
}

# start_proxy --prefix P --upstream HOST:PORT [--token [--token-user U:P]] [--throttle BPS] [--upload-throttle BPS]
#
# Starts tests/fixtures/tokenserver.py in front of a registry: with --token it
# demands Bearer tokens it issues itself (realm http://127.0.0.1:PORT/token,
# service "test-registry"); without, it is a plain proxy (for --throttle).
# Exports P (its address), P_BACKEND (the upstream), P_PROXY_LOG, P_PROXY_PID,
# P_PROXY_DIR.
start_proxy() {
    local prefix='' upstream='' token='' token_user='' throttle=0 upload_throttle=0
    while (($#)); do
        case "$1" in
        --prefix) prefix=$2; shift 2 ;;
        --upstream) upstream=$2; shift 2 ;;
        --token) token=1; shift ;;
        --token-user) token_user=$2; shift 2 ;;
        --throttle) throttle=$2; shift 2 ;;
        --upload-throttle) upload_throttle=$2; shift 2 ;;
        *) die "start_proxy: unknown option '$1'"; return ;;
        esac
    done
    [[ -n "$prefix" && -n "$upstream" ]] || { die "start_proxy: --prefix and --upstream are required"; return; }

    local dir pid port
    dir=$(mktemp -d "${CC_SCOPE_DIR:?}/proxy.XXXXXX")
    local -a args=(--upstream "$upstream" --port-file "$dir/port" --log "$dir/requests.log"
        --throttle "$throttle" --upload-throttle "$upload_throttle")
    [[ -n "$token" ]] || args+=(--no-auth)
    [[ -z "$token_user" ]] || args+=(--user "$token_user")
    : >"$dir/requests.log"
    "${SERVICE_ENV[@]}" python3 "$FIXTURES/tokenserver.py" "${args[@]}" \
        </dev/null >"$dir/stderr.log" 2>&1 3>&- &
    pid=$!
    _service_record "$pid" "$dir/port" "$dir"
    local deadline=$((SECONDS + 20))
    while [[ ! -s "$dir/port" ]] && kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
        sleep 0.1
    done
    port=$(cat "$dir/port" 2>/dev/null || true)
    if [[ -z "$port" ]] || ! _wait_ready "$pid" "127.0.0.1:$port"; then
        die "tokenserver.py did not start:"$'\n'"$(cat "$dir/stderr.log")"
        return
    fi
    echo "# proxy $prefix: 127.0.0.1:$port -> $upstream pid $pid${token:+ (token auth)}"
    declare -gx "$prefix=127.0.0.1:$port"
    declare -gx "${prefix}_BACKEND=$upstream"
    declare -gx "${prefix}_PROXY_PID=$pid"
    declare -gx "${prefix}_PROXY_DIR=$dir"
    declare -gx "${prefix}_PROXY_LOG=$dir/requests.log"
}

# start_faultproxy --prefix P --upstream HOST:PORT [RULE-JSON...]
#
# Starts tests/fixtures/faultproxy.py in front of a registry with the given
# fault rules (each a JSON object, see the fixture's docstring).  Exports P
# (its address), P_BACKEND, P_PROXY_LOG, P_PROXY_PID, P_PROXY_DIR, like
# start_proxy; stop_registry --prefix P (or the scope's teardown) stops it.
start_faultproxy() {
    local prefix='' upstream=''
    while (($#)); do
        case "$1" in
        --prefix) prefix=$2; shift 2 ;;
        --upstream) upstream=$2; shift 2 ;;
        *) break ;;
        esac
    done
    [[ -n "$prefix" && -n "$upstream" ]] || { die "start_faultproxy: --prefix and --upstream are required"; return; }
    local dir pid port rules='' rule
    dir=$(mktemp -d "${CC_SCOPE_DIR:?}/faultproxy.XXXXXX")
    for rule in "$@"; do
        rules+=${rules:+,}$rule
    done
    echo "[$rules]" >"$dir/rules.json"
    : >"$dir/requests.log"
    "${SERVICE_ENV[@]}" python3 "$FIXTURES/faultproxy.py" --upstream "$upstream" \
        --port-file "$dir/port" --log "$dir/requests.log" --rules "$dir/rules.json" \
        </dev/null >"$dir/stderr.log" 2>&1 3>&- &
    pid=$!
    _service_record "$pid" "$dir/port" "$dir"
    local deadline=$((SECONDS + 20))
    while [[ ! -s "$dir/port" ]] && kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
        sleep 0.1
    done
    port=$(cat "$dir/port" 2>/dev/null || true)
    if [[ -z "$port" ]] || ! kill -0 "$pid" 2>/dev/null; then
        die "faultproxy.py did not start:"$'\n'"$(cat "$dir/stderr.log")"
        return
    fi
    echo "# faultproxy $prefix: 127.0.0.1:$port -> $upstream pid $pid rules $rules"
    declare -gx "$prefix=127.0.0.1:$port"
    declare -gx "${prefix}_BACKEND=$upstream"
    declare -gx "${prefix}_PROXY_PID=$pid"
    declare -gx "${prefix}_PROXY_DIR=$dir"
    declare -gx "${prefix}_PROXY_LOG=$dir/requests.log"
}

# stop_registry [--prefix P]: stop P's proxy and registry (by their PIDs) and
# remove their temp dirs.
stop_registry() {
    local prefix=REGISTRY
    [[ "${1:-}" != --prefix ]] || prefix=$2
    local v
    v=${prefix}_PROXY_PID
    if [[ -n "${!v:-}" ]]; then
        local d=${prefix}_PROXY_DIR
        _service_stop "${!v}" "${!d}/port"
        rm -rf "${!d}"
    fi
    v=${prefix}_PID
    if [[ -n "${!v:-}" ]]; then
        local d=${prefix}_DIR
        _service_stop "${!v}" "${!d}/config.yml"
        rm -rf "${!d}"
    fi
    unset "$prefix" "${prefix}_BACKEND" "${prefix}_PID" "${prefix}_DIR" "${prefix}_LOG" \
        "${prefix}_STORAGE" "${prefix}_PROXY_PID" "${prefix}_PROXY_DIR" "${prefix}_PROXY_LOG"
}

# proxy_throttle [--prefix P] BPS: change the proxy's body throttle (0 = off).
proxy_throttle() {
    local prefix=REGISTRY
    if [[ "$1" == --prefix ]]; then
        prefix=$2
        shift 2
    fi
    local code
    code=$(_http_code "http://${!prefix}/_control/throttle?bps=$1")
    is "$code" 200 "proxy_throttle $prefix $1"
}

###############################################################################
# Registry logs
#
# docker-registry 2.8 writes, for every request, a logrus line
#   time="..." level=info msg="response completed" ... http.request.method=GET
#       http.request.uri="/v2/NAME/blobs/sha256:HEX" ... http.response.status=200 ...
# and an Apache combined-format access-log line
#   127.0.0.1 - - [29/Nov/2026:23:45:10 +0000] "GET /v2/NAME/blobs/sha256:HEX HTTP/1.1" 200 3490290 "" "UA"
# We count the access-log lines.  A line is written when the handler
# returns, which can be a moment after the client has read the whole body,
# hence log_sync.

# log_sync [--prefix P]: make a marker request to P's registry (and proxy) and
# wait until it shows in the log(s), so earlier requests are logged too.
log_sync() {
    local prefix=REGISTRY
    [[ "${1:-}" != --prefix ]] || prefix=$2
    local backend=${prefix}_BACKEND log=${prefix}_LOG plog=${prefix}_PROXY_LOG
    local marker=sync-$RANDOM$RANDOM
    if [[ -n "${!log:-}" ]]; then
        _http_code "http://${!backend}/v2/$marker/tags/list" >/dev/null
        wait_until 10 file_contains "${!log}" "GET /v2/$marker/tags/list"
    fi
    if [[ -n "${!plog:-}" ]]; then
        _http_code "http://${!prefix}/v2/$marker/p/tags/list" >/dev/null
        wait_until 10 file_contains "${!plog}" "GET /v2/$marker/p/tags/list"
    fi
}

# _count_lines FILE ERE: number of matching lines (0 when none).
_count_lines() {
    local n
    n=$(grep -cE -- "$2" "$1" 2>/dev/null) || true
    echo "${n:-0}"
}

# _count_gets STATUS-ERE [--prefix P] [DIGEST]: blob GETs (any blob, or
# DIGEST) answered with a matching status in P's registry access log.
_count_gets() {
    local status=$1 prefix=REGISTRY
    shift
    if [[ "${1:-}" == --prefix ]]; then
        prefix=$2
        shift 2
    fi
    local digest=${1:-}
    [[ -n "$digest" ]] || digest='sha256:[0-9a-f]{64}'
    local log=${prefix}_LOG
    log_sync --prefix "$prefix" >&2
    _count_lines "${!log}" "\"GET /v2/[^ \"]+/blobs/$digest HTTP/[0-9.]+\" $status "
}

# count_blob_gets [--prefix P] [DIGEST]: GET requests for blobs.
count_blob_gets() { _count_gets '[0-9]+' "$@"; }

# count_range_gets [--prefix P] [DIGEST]: blob GETs answered 206 Partial Content.
count_range_gets() { _count_gets 206 "$@"; }

###############################################################################
# The Alpine minirootfs

# alpine_tarball: print the path of the verified tarball.  From ../shared/images
# beside the repo (checked against its SHA512SUMS), else downloaded once into
# $TEST_CACHE and checked against the pinned sha512.
alpine_tarball() {
    local shared=$SHARED_IMAGES/$ALPINE_TARBALL_NAME expect=$ALPINE_SHA512 path
    if [[ -f "$shared" ]]; then
        path=$shared
        if [[ -f "$SHARED_IMAGES/SHA512SUMS" ]]; then
            local sum name
            while read -r sum name; do
                [[ "$name" != "$ALPINE_TARBALL_NAME" ]] || expect=$sum
            done <"$SHARED_IMAGES/SHA512SUMS"
        fi
    else
        path=$TEST_CACHE/$ALPINE_TARBALL_NAME
        if [[ ! -f "$path" ]]; then
            mkdir -p "$TEST_CACHE"
            local tmp=$path.tmp.$$
            if ! curl -fsSL --retry 2 --max-time 300 -o "$tmp" "$ALPINE_URL"; then
                rm -f "$tmp"
                die "cannot download $ALPINE_URL (and $shared is absent)"
                return
            fi
            mv -f "$tmp" "$path"
        fi
    fi
    # Hash once per bats run.
    local stamp=${BATS_RUN_TMPDIR:-${BATS_FILE_TMPDIR:?}}/.alpine-verified
    if [[ "$(cat "$stamp" 2>/dev/null)" != "$path $expect" ]]; then
        local actual
        actual=$(sha512sum "$path")
        actual=${actual%% *}
        if [[ "$actual" != "$expect" ]]; then
            [[ "$path" == "$shared" ]] || rm -f "$path"
            die "sha512 mismatch for $path: got $actual, expected $expect"
            return
        fi
        echo "$path $expect" >"$stamp"
    fi
    echo "$path"
}

###############################################################################
# Fixture images: specs for tests/fixtures/mkimage.py

# Files the multi-layer fixture changes in Alpine: etc/motd is deleted
# (whiteout); etc/periodic and usr/local become opaque.  In usr/local the
# opaque marker comes after the new file, which the spec says must still win.
_fixture_spec() {
    local key=$1 tarball
    tarball=$(alpine_tarball) || return
    local alpine_layer="{\"blob\": \"$tarball\"}"
    case "$key" in
    alpine)
        echo "{\"images\": [{\"layers\": [$alpine_layer]}]}"
        ;;
    multiarch)
        cat <<EOF
{"attestation": true, "images": [
  {"os": "linux", "architecture": "amd64", "layers": [$alpine_layer]},
  {"os": "linux", "architecture": "arm64", "variant": "v8", "layers": [
    {"compression": "gzip", "entries": [
      {"type": "dir", "path": "etc"},
      {"type": "file", "path": "etc/arch", "content": "arm64\n"},
      {"type": "file", "path": "bin/sh", "content": "#!fake arm64 shell\n", "mode": 493}]}]}
]}
EOF
        ;;
    zstd)
        cat <<EOF
{"images": [{"layers": [
  {"blob": "$tarball", "recompress": "zstd"},
  {"compression": "zstd", "entries": [
    {"type": "file", "path": "zstd-marker", "content": "zstd layer\n"}]}]}]}
EOF
        ;;
    multilayer)
        cat <<EOF
{"images": [{"layers": [
  $alpine_layer,
  {"compression": "gzip", "entries": [
    {"type": "whiteout", "path": "etc/motd"},
    {"type": "dir", "path": "etc/periodic"},
    {"type": "opaque", "path": "etc/periodic"},
    {"type": "file", "path": "etc/periodic/new-in-layer2", "content": "layer2\n"},
    {"type": "dir", "path": "usr/local"},
    {"type": "file", "path": "usr/local/new-in-layer2", "content": "layer2\n"},
    {"type": "opaque", "path": "usr/local"},
    {"type": "file", "path": "layer2-marker", "content": "layer2\n"}]},
  {"compression": "none", "entries": [
    {"type": "file", "path": "layer3-marker", "content": "layer3, uncompressed\n"},
    {"type": "file", "path": "etc/motd", "content": "motd is back in layer3\n"}]}]}]}
EOF
        ;;
    corrupt)
        # A layer of its own (registry blobs are shared between repos), gzip,
        # altered in the registry's storage after the push.
        cat <<EOF
{"images": [{"layers": [
  {"compression": "gzip", "entries": [
    {"type": "file", "path": "corrupt-marker", "content": "this blob is altered in the registry\n"},
    {"type": "random", "path": "payload", "size": 262144, "seed": 4242}]}]}]}
EOF
        ;;
    baddiffid)
        cat <<EOF
{"images": [{"bad_diff_ids": true, "layers": [
  {"compression": "gzip", "entries": [
    {"type": "file", "path": "baddiffid-marker", "content": "config lists a wrong diff id\n"}]}]}]}
EOF
        ;;
    escape)
        # Every vector at once (an extractor may stop at the first one).
        cat <<EOF
{"images": [{"layers": [
  {"compression": "gzip", "entries": [
    {"type": "file", "path": "inside", "content": "a normal file\n"},
    {"type": "file", "path": "../escape-dotdot", "content": "escaped via ..\n"},
    {"type": "file", "path": "/abs-escape", "content": "escaped via absolute path\n"},
    {"type": "symlink", "path": "link", "target": "/"},
    {"type": "file", "path": "link/tmp/escaped-through-symlink", "content": "escaped via symlink\n"},
    {"type": "hardlink", "path": "hardlink-passwd", "target": "../../etc/passwd"}]}]}]}
EOF
        ;;
    escape-*)
        # One vector each, after a harmless entry.
        local entries
        case "${key#escape-}" in
        dotdot) entries='{"type": "file", "path": "../escape-dotdot", "content": "escaped via ..\n"}' ;;
        abs) entries='{"type": "file", "path": "/abs-escape", "content": "escaped via absolute path\n"}' ;;
        symlink)
            entries='{"type": "symlink", "path": "link", "target": "/"},
              {"type": "file", "path": "link/tmp/escaped-through-symlink", "content": "escaped via symlink\n"}'
            ;;
        relsymlink)
            entries='{"type": "symlink", "path": "rlink", "target": "../../../../../../../../../../.."},
              {"type": "file", "path": "rlink/tmp/escaped-through-relsymlink", "content": "escaped via relative symlink\n"}'
            ;;
        hardlink) entries='{"type": "hardlink", "path": "hardlink-passwd", "target": "../../etc/passwd"}' ;;
        hardlink-abs) entries='{"type": "hardlink", "path": "hardlink-abs", "target": "/etc/passwd"}' ;;
        *) die "unknown escape vector '${key#escape-}'"; return ;;
        esac
        cat <<EOF
{"images": [{"layers": [
  {"compression": "gzip", "entries": [
    {"type": "file", "path": "inside", "content": "a normal file\n"},
    $entries]}]}]}
EOF
        ;;
    big-*)
        # One layer of incompressible data, for interrupted downloads.
        cat <<EOF
{"images": [{"layers": [
  {"compression": "gzip", "entries": [
    {"type": "random", "path": "big.bin", "size": ${key#big-}, "seed": 7},
    {"type": "file", "path": "big-marker", "content": "big\n"}]}]}]}
EOF
        ;;
    configured)
        # An image whose config sets everything `run` honours (030-run.bats).
        # /opt/imgbin is only on the image's PATH; "show" prints what the
        # process got.  /srv/app does not exist in Alpine: run creates it.
        cat <<EOF
{"images": [{"config": {
    "Entrypoint": ["/opt/imgbin/show"],
    "Cmd": ["from-cmd"],
    "WorkingDir": "/srv/app",
    "User": "nobody",
    "Env": ["FOO=bar", "PATH=/opt/imgbin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},
  "layers": [
  $alpine_layer,
  {"compression": "gzip", "entries": [
    {"type": "dir", "path": "opt/imgbin"},
    {"type": "file", "path": "opt/imgbin/show", "mode": 493, "content": "#!/bin/sh\necho \"args=\$*\"\necho \"pwd=\$(pwd)\"\necho \"user=\$(id -un):\$(id -gn)\"\necho \"FOO=\${FOO-unset}\"\necho \"PATH=\$PATH\"\n"},
    {"type": "file", "path": "opt/imgbin/imgtool", "mode": 493, "content": "#!/bin/sh\necho imgtool-ran\n"}]}]}]}
EOF
        ;;
    whiteouts)
        # Deletions in the middle and top layers, and an opaque directory.
        # Its config has no Env: run must supply docker's default PATH.
        cat <<EOF
{"images": [{"config": {"Cmd": ["/bin/sh"]}, "layers": [
  $alpine_layer,
  {"compression": "gzip", "entries": [
    {"type": "whiteout", "path": "etc/motd"},
    {"type": "whiteout", "path": "etc/apk/keys"},
    {"type": "dir", "path": "etc/periodic"},
    {"type": "opaque", "path": "etc/periodic"},
    {"type": "file", "path": "etc/periodic/new-in-layer2", "content": "layer2\n"},
    {"type": "file", "path": "layer2-marker", "content": "layer2\n"}]},
  {"compression": "none", "entries": [
    {"type": "whiteout", "path": "etc/issue"},
    {"type": "whiteout", "path": "layer2-marker"},
    {"type": "file", "path": "etc/periodic/new-in-layer3", "content": "layer3\n"}]}]}]}
EOF
        ;;
    layers-*)
        # Alpine under N tiny layers: layer i adds layers/i and rewrites
        # which-layer, so the topmost must win.
        local n=${key#layers-} i
        printf '{"images": [{"layers": [%s' "$alpine_layer"
        for ((i = 1; i <= n; i++)); do
            printf ',\n  {"compression": "gzip", "entries": [{"type": "dir", "path": "layers"}, {"type": "file", "path": "layers/%d", "content": "%d\\n"}, {"type": "file", "path": "which-layer", "content": "%d\\n"}]}' "$i" "$i" "$i"
        done
        printf ']}]}\n'
        ;;
    *)
        die "unknown fixture '$key'"
        ;;
    esac
}

# build_image KEY: build fixture KEY's OCI layout once per bats run; print its dir.
build_image() {
    local key=$1
    local cache=${BATS_RUN_TMPDIR:-${BATS_FILE_TMPDIR:?}}/images
    local dir=$cache/$key
    if [[ ! -f "$dir/summary.json" ]]; then
        mkdir -p "$cache"
        local tmp spec
        tmp=$(mktemp -d "$cache/.$key.XXXXXX")
        spec=$(_fixture_spec "$key") || return
        if ! timeout 300 python3 "$FIXTURES/mkimage.py" "$tmp" <<<"$spec" >"$tmp.summary" 2>"$tmp.err"; then
            die "mkimage.py failed for '$key':"$'\n'"$(cat "$tmp.err")"
            return
        fi
        rm -f "$tmp.summary" "$tmp.err"
        # Atomic publish; if someone else won the race, use theirs.
        mv -T "$tmp" "$dir" 2>/dev/null || rm -rf "$tmp"
    fi
    echo "$dir"
}

# fixture_get KEY PYEXPR: a field of fixture KEY's summary.json, e.g.
#   fixture_get alpine '["images"][0]["config_digest"]'
# Summary: {"digest", "mediaType", "images": [{"digest", "platform",
# "config_digest", "diff_ids", "layers": [{"digest", "diff_id", "size",
# "mediaType", "compression"}]}], "index_entries": [...]}
fixture_get() {
    local dir
    dir=$(build_image "$1") || return
    json_get "$(<"$dir/summary.json")" "$2"
}

# fixture_lines KEY PYEXPR: the elements of a list in fixture KEY's summary, one per line.
fixture_lines() {
    local dir
    dir=$(build_image "$1") || return
    json_lines "$(<"$dir/summary.json")" "$2"
}

# push_layout DIR REPO:TAG [--registry HOST:PORT] [--format oci|v2s2] [--all] [--creds U:P]
#
# skopeo copy oci:DIR docker://HOST/REPO:TAG.  Without --format the manifests
# are pushed byte for byte (--preserve-digests: skopeo fails rather than
# re-compress or re-serialise); --format v2s2 converts to Docker schema2.
push_layout() {
    local dir=$1 ref=$2
    shift 2
    local registry=${REGISTRY_BACKEND:-${REGISTRY:-}} format='' all='' creds=''
    while (($#)); do
        case "$1" in
        --registry) registry=$2; shift 2 ;;
        --format) format=$2; shift 2 ;;
        --all) all=1; shift ;;
        --creds) creds=$2; shift 2 ;;
        *) die "push_layout: unknown option '$1'"; return ;;
        esac
    done
    [[ -n "$registry" ]] || { die "push_layout: no registry (start_registry first)"; return; }
    [[ "$ref" == *:* ]] || ref=$ref:latest
    local -a cmd=(timeout 120 skopeo --insecure-policy copy --quiet --retry-times 2
        --dest-tls-verify=false)
    [[ -z "$all" ]] || cmd+=(--all)
    [[ -z "$creds" ]] || cmd+=(--dest-creds "$creds")
    case "$format" in
    '' | oci) cmd+=(--preserve-digests) ;;
    v2s2) cmd+=(--format v2s2) ;;
    *) die "push_layout: unknown format '$format'"; return ;;
    esac
    # mkimage.py records the image under ref name "latest" in index.json.
    local out rc=0
    out=$("${cmd[@]}" "oci:$dir:latest" "docker://$registry/$ref" 2>&1) || rc=$?
    if ((rc != 0)); then
        die "skopeo push of $dir to $registry/$ref failed ($rc):"$'\n'"$out"
        return
    fi
    echo "# seeded $registry/$ref${format:+ ($format)} from $(basename "$dir")"
}

# _seed KEY REPO:TAG [push_layout options]
_seed() {
    local key=$1 ref=$2 dir
    shift 2
    dir=$(build_image "$key") || return
    push_layout "$dir" "$ref" "$@"
}

seed_alpine() { _seed alpine "$@"; }
# seed_json REPO:TAG SPEC [push_layout options]: an image from a mkimage.py
# spec given inline (a malicious layer, say); "ALPINE_LAYER" in SPEC stands
# for the Alpine minirootfs layer.
seed_json() {
    local ref=$1 spec=$2 key dir
    shift 2
    spec=${spec//ALPINE_LAYER/"{\"blob\": \"$(alpine_tarball)\"}"}
    key=json-$(sha256sum <<<"$spec" | cut -c1-16)
    dir=${BATS_RUN_TMPDIR:-${BATS_FILE_TMPDIR:?}}/images/$key
    if [[ ! -f "$dir/summary.json" ]]; then
        mkdir -p "$dir.tmp"
        if ! timeout 300 python3 "$FIXTURES/mkimage.py" "$dir.tmp" <<<"$spec" >/dev/null 2>"$dir.err"; then
            die "mkimage.py failed for $ref:"$'\n'"$(cat "$dir.err")"
            return
        fi
        mv -T "$dir.tmp" "$dir" 2>/dev/null || rm -rf "$dir.tmp"
    fi
    push_layout "$dir" "$ref" "$@"
}
seed_zstd() { _seed zstd "$@"; }
seed_multilayer() { _seed multilayer "$@"; }
seed_bad_diffid() { _seed baddiffid "$@"; }
# seed_escape REPO:TAG [--vector dotdot|abs|symlink|relsymlink|hardlink|hardlink-abs] [...]:
# a layer trying to write outside its directory; without --vector, all at once.
seed_escape() {
    local ref=$1 key=escape
    shift
    if [[ "${1:-}" == --vector ]]; then
        key=escape-$2
        shift 2
    fi
    _seed "$key" "$ref" "$@"
}
# The host paths the escape fixtures aim at, and the single-vector fixtures.
# shellcheck disable=SC2034
ESCAPE_TARGETS=(/abs-escape /tmp/escaped-through-symlink /tmp/escaped-through-relsymlink)
# shellcheck disable=SC2034
ESCAPE_VECTORS=(dotdot abs symlink relsymlink hardlink hardlink-abs)
# For 030-run.bats: an image config with Entrypoint/Cmd/WorkingDir/User/Env,
# whiteouts and an opaque dir, and alpine under N extra layers.
seed_configured() { _seed configured "$@"; }
seed_whiteouts() { _seed whiteouts "$@"; }
seed_layers() {
    local n=$1
    shift
    _seed "layers-$n" "$@"
}
# seed_multiarch REPO:TAG [...]: OCI index (amd64 alpine, arm64 v8, attestation).
seed_multiarch() { _seed multiarch "$@" --all; }

# seed_big REPO:TAG [--size BYTES] [...]: one gzip layer of BYTES random bytes (60 MiB).
seed_big() {
    local ref=$1 size=$((60 * 1024 * 1024))
    shift
    if [[ "${1:-}" == --size ]]; then
        size=$2
        shift 2
    fi
    _seed "big-$size" "$ref" "$@"
}

# seed_corrupt REPO:TAG [--prefix P] [...]: push the "corrupt" fixture to P's
# registry, then alter its layer blob in P's storage: byte 4 (the gzip
# header's MTIME) is flipped, so the size is unchanged, the data still
# decompresses to the same tar (same diff ID), and only the digest check of
# the compressed bytes can notice.
seed_corrupt() {
    local ref=$1 prefix=REGISTRY
    shift
    if [[ "${1:-}" == --prefix ]]; then
        prefix=$2
        shift 2
    fi
    local backend=${prefix}_BACKEND
    _seed corrupt "$ref" --registry "${!backend}" "$@" || return
    local digest path
    digest=$(fixture_get corrupt '["images"][0]["layers"][0]["digest"]') || return
    path=$(registry_blob_path --prefix "$prefix" "$digest")
    [[ -f "$path" ]] || { die "blob $digest not found in registry storage ($path)"; return; }
    flip_byte "$path" 4
    local now
    now=$(sha256_file "$path")
    isnt "$now" "$digest" "digest of the altered registry blob"
}

# registry_blob_path [--prefix P] DIGEST: docker-registry's data file for DIGEST.
registry_blob_path() {
    local prefix=REGISTRY
    if [[ "$1" == --prefix ]]; then
        prefix=$2
        shift 2
    fi
    local storage=${prefix}_STORAGE hex=${1#sha256:}
    echo "${!storage}/docker/registry/v2/blobs/sha256/${hex:0:2}/$hex/data"
}

# remote_manifest HOST/REPO:TAG|@DIGEST [--creds U:P]: the raw manifest bytes.
remote_manifest() {
    local ref=$1
    shift
    local -a cmd=(timeout 60 skopeo --insecure-policy inspect --raw --tls-verify=false)
    [[ "${1:-}" != --creds ]] || cmd+=(--creds "$2")
    "${cmd[@]}" "docker://$ref"
}

# remote_digest HOST/REPO:TAG [--creds U:P]: sha256 of the exact manifest bytes.
remote_digest() {
    local f=${BATS_TEST_TMPDIR:-${BATS_FILE_TMPDIR:?}}/.remote-manifest
    remote_manifest "$@" >"$f" || { die "skopeo inspect --raw $1 failed"; return; }
    sha256_file "$f"
}
