# -*- bash -*-
#
# helpers.bash: sourced (`load helpers`) by every tests/system/*.bats file.
#
# In the spirit of podman's test/system/helpers.bash:
#   run_cc [rc|'?'] ARGS...     run ./ccontainer under timeout, log, check the exit code
#   is / assert_match / assert_contains ...   assertions that print actual vs expected
#   basic_setup / basic_teardown              per-test tmpdir, store root, leak check
#   file_setup / file_teardown                per-file scope for registries
# Registry and image fixtures live in helpers.registry.bash (sourced below).
#
# Every external command is bounded by a timeout; waiting is done by polling
# in bounded loops, never by a bare sleep.

REPO_ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
FIXTURES=$REPO_ROOT/tests/fixtures

# The binary under test; CCONTAINER_BINARY overrides (e.g. build-san/ccontainer).
CC=${CCONTAINER_BINARY:-$REPO_ROOT/ccontainer}
# Seconds one ccontainer invocation may take.
CC_TIMEOUT=${CC_TIMEOUT:-120}

# Host platform in OCI/Go terms.
case "$(uname -m)" in
x86_64) HOST_ARCH=amd64 ;;
aarch64) HOST_ARCH=arm64 ;;
*) HOST_ARCH=$(uname -m) ;;
esac

# shellcheck source=tests/system/helpers.registry.bash
source "$BATS_TEST_DIRNAME/helpers.registry.bash"
# shellcheck source=tests/system/helpers.network.bash
source "$BATS_TEST_DIRNAME/helpers.network.bash"

###############################################################################
# Default hooks; a .bats file may define its own and call these.

setup_file() { file_setup; }
teardown_file() { file_teardown; }
setup() { basic_setup; }
teardown() { basic_teardown; }

# Per-file scope: services started from setup_file are recorded here and
# stopped by file_teardown.
file_setup() {
    export CC_SCOPE_DIR=$BATS_FILE_TMPDIR
    # Keep skopeo (used for seeding) away from the host's credentials.
    export REGISTRY_AUTH_FILE=$BATS_FILE_TMPDIR/seed-auth.json
    # Containers on the default network get a bridge and subnet of this
    # file's own, removed by file_teardown: never the host's cc0.
    net_file_setup
}

file_teardown() {
    stop_services "$BATS_FILE_TMPDIR"
    net_file_teardown
    # the table is ccontainer's own; drop it once no chain is left in it
    if nft list table ip ccontainer >/dev/null 2>&1 && ! nft list table ip ccontainer | grep -q 'chain '; then
        nft delete table ip ccontainer 2>/dev/null || true
    fi
}

# Per-test scope: a fresh store, auth file and tmpdir for every test, so
# tests are independent of each other and of the order they run in.
basic_setup() {
    export CC_SCOPE_DIR=$BATS_TEST_TMPDIR
    export CC_TMPDIR=$BATS_TEST_TMPDIR
    export CC_ROOT=$BATS_TEST_TMPDIR/root
    export CCONTAINER_ROOT=$CC_ROOT
    # running containers' files: per test too, so tests can see what is left
    export CC_RUNROOT=$BATS_TEST_TMPDIR/run
    export CCONTAINER_RUNROOT=$CC_RUNROOT
    export REGISTRY_AUTH_FILE=$BATS_TEST_TMPDIR/auth.json
    unset CCONTAINER_REGISTRY_MIRROR
    mkdir -p "$CC_ROOT"
}

basic_teardown() {
    local rc=0
    kill_background
    stop_services "$BATS_TEST_TMPDIR"
    leak_check || rc=1
    return $rc
}

###############################################################################
# Logging and failing

timestamp() {
    date +%T.%3N
}

# die MESSAGE...: fail the test with a framed message (bats shows it).
die() {
    {
        echo "#/vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv"
        echo "#| FAIL: $*"
        echo "#\\^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^"
    } >&2
    false
}

# _fail_diff DESCRIPTION EXPECTED-LABEL EXPECTED ACTUAL: multi-line diagnostics
_fail_diff() {
    local desc=$1 label=$2 expect=$3 actual=$4
    {
        echo "#/vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv"
        echo "#|     FAIL: $desc"
        printf '#| %9s: %s\n' "$label" "${expect%%$'\n'*}"
        local line first=1
        while IFS= read -r line; do
            if ((first)); then
                printf '#| %9s: %s\n' "actual" "$line"
                first=0
            else
                printf '#| %9s> %s\n' "" "$line"
            fi
        done <<<"$actual"
        echo "#\\^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^"
    } >&2
    false
}

###############################################################################
# Assertions.  Each takes an optional DESCRIPTION printed on failure.

# is ACTUAL EXPECTED [DESCRIPTION]: exact string equality.
is() {
    local actual=$1 expect=$2 desc=${3:-value}
    [[ "$actual" == "$expect" ]] && return 0
    _fail_diff "$desc" expected "$expect" "$actual"
}

# isnt ACTUAL UNEXPECTED [DESCRIPTION]
isnt() {
    local actual=$1 unexpected=$2 desc=${3:-value}
    [[ "$actual" != "$unexpected" ]] && return 0
    _fail_diff "$desc" "not" "$unexpected" "$actual"
}

# assert_match ACTUAL ERE [DESCRIPTION]: bash =~ (unanchored unless ^/$ used).
assert_match() {
    local actual=$1 regex=$2 desc=${3:-value}
    [[ "$actual" =~ $regex ]] && return 0
    _fail_diff "$desc" "=~" "$regex" "$actual"
}

assert_not_match() {
    local actual=$1 regex=$2 desc=${3:-value}
    [[ ! "$actual" =~ $regex ]] && return 0
    _fail_diff "$desc" "!~" "$regex" "$actual"
}

# assert_contains ACTUAL SUBSTRING [DESCRIPTION]: literal substring.
assert_contains() {
    local actual=$1 needle=$2 desc=${3:-value}
    [[ "$actual" == *"$needle"* ]] && return 0
    _fail_diff "$desc" contains "$needle" "$actual"
}

assert_not_contains() {
    local actual=$1 needle=$2 desc=${3:-value}
    [[ "$actual" != *"$needle"* ]] && return 0
    _fail_diff "$desc" "lacks" "$needle" "$actual"
}

# assert_line_match LINES ERE [DESCRIPTION]: some line of LINES matches ERE.
assert_line_match() {
    local text=$1 regex=$2 desc=${3:-output}
    local line
    while IFS= read -r line; do
        [[ "$line" =~ $regex ]] && return 0
    done <<<"$text"
    _fail_diff "$desc (no line matches)" "=~" "$regex" "$text"
}

# assert_no_line_match LINES ERE [DESCRIPTION]
assert_no_line_match() {
    local text=$1 regex=$2 desc=${3:-output}
    local line
    while IFS= read -r line; do
        if [[ "$line" =~ $regex ]]; then
            _fail_diff "$desc (line '$line' matches)" "!~" "$regex" "$text"
            return
        fi
    done <<<"$text"
    return 0
}

# assert_le A B [DESCRIPTION]: integer A <= B
assert_le() {
    local a=$1 b=$2 desc=${3:-value}
    ((a <= b)) && return 0
    _fail_diff "$desc" "<=" "$b" "$a"
}

# assert_file_absent PATH...: none of the paths exists (not even a dangling symlink).
assert_file_absent() {
    local p
    for p in "$@"; do
        if [[ -e "$p" || -L "$p" ]]; then
            die "'$p' exists but must not: $(ls -ld "$p" 2>&1)"
            return
        fi
    done
}

# regex_quote STRING: STRING with ERE metacharacters escaped.
regex_quote() {
    sed -e 's/[]\/$*.^|[(){}+?]/\\&/g' <<<"$1"
}

###############################################################################
# Running ccontainer

# run_cc [EXPECTED_RC|'?'] ARGS...
#
# Runs `timeout $CC_TIMEOUT $CC --root $CC_ROOT ARGS` and sets:
#   $status              exit code
#   $output, $lines[]    stdout
#   $stderr, $stderr_lines[]
# Logs the command, both streams and the exit code (bats shows it on failure).
# Fails when the exit code is not EXPECTED_RC (default 0; '?' accepts any
# exit, but not a death by signal, i.e. > 128: expect such codes explicitly),
# when 124 (timed out), when a sanitizer reported something, and, for
# expected 125, when stderr has no line starting with "Error: ".
# Stdin is /dev/null unless CC_STDIN names a file.
run_cc() {
    local expected_rc=0
    case "${1:-}" in
    '?') expected_rc=; shift ;;
    [0-9] | [0-9][0-9] | [0-9][0-9][0-9]) expected_rc=$1; shift ;;
    esac

    local out_file=$BATS_TEST_TMPDIR/.run_cc.stdout
    local err_file=$BATS_TEST_TMPDIR/.run_cc.stderr
    echo "[$(timestamp)] \$ ccontainer --root $CC_ROOT $*"
    status=0
    timeout --kill-after=10 "$CC_TIMEOUT" "$CC" --root "$CC_ROOT" "$@" \
        <"${CC_STDIN:-/dev/null}" >"$out_file" 2>"$err_file" || status=$?
    output=$(<"$out_file")
    stderr=$(<"$err_file")
    # shellcheck disable=SC2034  # for the tests, like bats' run
    lines=()
    # shellcheck disable=SC2034
    stderr_lines=()
    # shellcheck disable=SC2034
    [[ -z "$output" ]] || mapfile -t lines <<<"$output"
    # shellcheck disable=SC2034
    [[ -z "$stderr" ]] || mapfile -t stderr_lines <<<"$stderr"
    [[ -z "$output" ]] || printf '%s\n' "$output"
    [[ -z "$stderr" ]] || printf '%s\n' "$stderr" | sed -e 's/^/[stderr] /'
    echo "[$(timestamp)] [rc=$status]"

    if ((status == 124)) || ((status == 137 && expected_rc != 137)); then
        die "command timed out after ${CC_TIMEOUT}s (or was SIGKILLed): ccontainer $*"
        return
    fi
    if [[ -z "$expected_rc" ]] && ((status > 128)); then
        die "killed by signal $((status - 128)) (a crash?): ccontainer $*"
        return
    fi
    if [[ "$stderr" =~ (ERROR: (AddressSanitizer|LeakSanitizer)|runtime\ error:) ]]; then
        die "sanitizer report in stderr of: ccontainer $*"
        return
    fi
    if [[ -n "$expected_rc" ]] && ((status != expected_rc)); then
        local why=
        ((status <= 128)) || why=" (killed by signal $((status - 128)): a crash?)"
        die "exit code is $status$why; expected $expected_rc (ccontainer $*)"
        return
    fi
    if [[ "$expected_rc" == 125 ]]; then
        assert_line_match "$stderr" '^Error: ' "stderr of failing 'ccontainer $*'"
    fi
}

# Background ccontainer runs (for concurrency and kill tests).
#
# cc_bg NAME ARGS...: start `$CC --root $CC_ROOT ARGS` in the background (no
# timeout wrapper, so $CC_BG_PID is ccontainer itself and can be killed);
# stdout/stderr go to $BATS_TEST_TMPDIR/NAME.out / NAME.err.  basic_teardown
# kills whatever is left.
cc_bg() {
    local name=$1
    shift
    echo "[$(timestamp)] \$ ccontainer --root $CC_ROOT $* &    # $name"
    "$CC" --root "$CC_ROOT" "$@" </dev/null >"$BATS_TEST_TMPDIR/$name.out" \
        2>"$BATS_TEST_TMPDIR/$name.err" 3>&- &
    CC_BG_PID=$!
    echo "$CC_BG_PID" >>"$BATS_TEST_TMPDIR/.bg-pids"
}

# wait_bg PID [TIMEOUT]: wait (bounded) for a cc_bg process; sets $status.
wait_bg() {
    local pid=$1 timeout=${2:-$CC_TIMEOUT}
    local deadline=$((SECONDS + timeout))
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill -9 "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        die "background process $pid still running after ${timeout}s"
        return
    fi
    status=0
    wait "$pid" 2>/dev/null || status=$?
    echo "[$(timestamp)] [bg $pid rc=$status]"
}

# wait_for_log NAME TEXT: poll logs until TEXT shows (10 s at most)
wait_for_log() {
    local i
    for i in $(seq 100); do
        if "$CC" --root "$CC_ROOT" logs "$1" 2>/dev/null | grep -qF -- "$2"; then
            return 0
        fi
        sleep 0.1
    done
    die "logs of $1 never showed '$2'"
}

# remove_all_containers: force-remove every container of this test's store,
# so that no test leaves one running (and its network, cgroup) behind.
remove_all_containers() {
    local ids id
    ids=$(timeout 20 "$CC" --root "$CC_ROOT" ps -aq 2>/dev/null) || true
    for id in $ids; do
        timeout 20 "$CC" --root "$CC_ROOT" rm -f "$id" >/dev/null 2>&1 || true
    done
}

# kill_background: stop this test's cc_bg processes still running (by PID).
kill_background() {
    local f=$BATS_TEST_TMPDIR/.bg-pids pid
    [[ -f $f ]] || return 0
    # SIGTERM first: ccontainer forwards it and cleans up after its
    # container (cgroup, directory); SIGKILL only what is still there
    while read -r pid; do
        kill -TERM "$pid" 2>/dev/null || true
    done <"$f"
    while read -r pid; do
        local i
        for i in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            kill -9 "$pid" 2>/dev/null || true
        fi
        wait "$pid" 2>/dev/null || true
    done <"$f"
    rm -f "$f"
}

###############################################################################
# Waiting

# wait_until TIMEOUT_SECONDS CMD...: poll CMD every 0.1s until it succeeds.
wait_until() {
    local timeout=$1
    shift
    local deadline=$((SECONDS + timeout))
    until "$@"; do
        if ((SECONDS >= deadline)); then
            die "timed out after ${timeout}s waiting for: $*"
            return
        fi
        sleep 0.1
    done
}

# file_contains FILE ERE: true when some line of FILE matches (no pipeline).
file_contains() {
    [[ -f "$1" ]] && grep -Eq -- "$2" "$1"
}

###############################################################################
# Environment checks

skip_if_not_root() {
    if [[ $(id -u) != 0 ]]; then
        skip "${1:-test requires root}"
    fi
}

skip_if_not_host_arch() {
    local arch=$1
    if [[ $HOST_ARCH != "$arch" ]]; then
        skip "test assumes a $arch host (this is $HOST_ARCH)"
    fi
}

###############################################################################
# Leak check: nothing may stay mounted under the store root after a test.

# cc_mounts: mount points under $CC_ROOT, from /proc/self/mountinfo.
cc_mounts() {
    [[ -n "${CC_ROOT:-}" ]] || return 0
    local root
    root=$(realpath -m "$CC_ROOT")
    local _id _parent _dev _rootfs mnt _rest
    while read -r _id _parent _dev _rootfs mnt _rest; do
        mnt=$(printf '%b' "${mnt//\\/\\0}")   # unescape octal: \040 -> \0040 for %b
        if [[ "$mnt" == "$root" || "$mnt" == "$root"/* ]]; then
            echo "$mnt"
        fi
    done </proc/self/mountinfo
}

# leak_check: fail (and clean up, so tmpdir removal works) when a mount leaked.
leak_check() {
    local mounts
    mounts=$(cc_mounts)
    [[ -z "$mounts" ]] && return 0
    local m
    # Deepest first.
    while IFS= read -r m; do
        umount -l "$m" 2>/dev/null || true
    done < <(sort -r <<<"$mounts")
    die "mounts leaked under $CC_ROOT:"$'\n'"$mounts"
}

###############################################################################
# JSON (jq may be missing; python3 is a test dependency)

# json_get JSON PYEXPR: evaluate d<PYEXPR> on the parsed JSON; strings print
# raw, everything else as compact JSON.  Example: json_get "$output" '[0]["Id"]'
json_get() {
    python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
v = eval("d" + sys.argv[1], {"d": d})
print(v if isinstance(v, str) else json.dumps(v, separators=(",", ":")))
' "$2" <<<"$1"
}

# json_len JSON PYEXPR: len(d<PYEXPR>)
json_len() {
    python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
print(len(eval("d" + sys.argv[1], {"d": d})))
' "$2" <<<"$1"
}

# json_lines JSON PYEXPR: the elements of the list d<PYEXPR>, one per line.
json_lines() {
    python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
for v in eval("d" + sys.argv[1], {"d": d}):
    print(v if isinstance(v, str) else json.dumps(v, separators=(",", ":")))
' "$2" <<<"$1"
}

###############################################################################
# Small utilities

# free_port: a TCP port on 127.0.0.1 that nothing listened on a moment ago.
free_port() {
    python3 -c '
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# sha256_file FILE: "sha256:<hex>"
sha256_file() {
    local sum
    sum=$(sha256sum "$1")
    echo "sha256:${sum%% *}"
}

# flip_byte FILE [OFFSET]: invert one byte in place (size unchanged).
# Default offset: the middle of the file.
flip_byte() {
    python3 - "$1" "${2:-}" <<'EOF'
import os, sys
path, off = sys.argv[1], sys.argv[2]
size = os.path.getsize(path)
off = int(off) if off else size // 2
with open(path, "r+b") as f:
    f.seek(off)
    b = f.read(1)
    f.seek(off)
    f.write(bytes([b[0] ^ 0xff]))
EOF
}

# chain_ids DIFFID...: print the OCI ChainID of each prefix, one per line.
chain_ids() {
    python3 - "$@" <<'EOF'
import hashlib, sys
chain = None
for d in sys.argv[1:]:
    chain = d if chain is None else "sha256:" + hashlib.sha256((chain + " " + d).encode()).hexdigest()
    print(chain)
EOF
}

# digest_hex sha256:HEX -> HEX
digest_hex() {
    echo "${1#sha256:}"
}
