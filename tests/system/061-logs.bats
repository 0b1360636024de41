#!/usr/bin/env bats
#
# logs: the order of stdout and stderr records, large logs in bounded memory
# (--tail from the end, the whole log streamed), records longer than a read,
# and the log's rotation by --log-opt max-size / max-file (the monitor's),
# read back by logs, logs --tail and logs -f; both formats: docker's JSON
# lines (json-file, the default) and CRI records (k8s-file), and a log
# that mixes them.

load helpers

setup_file() {
    file_setup
    start_registry
    seed_alpine library/alpine:latest
}

setup() {
    basic_setup
    export CCONTAINER_REGISTRY_MIRROR=http://$REGISTRY
    run_cc pull -q alpine
}

teardown() {
    remove_all_containers
    basic_teardown
}

# cid NAME: the container's full ID (run_cc's log goes to stderr)
cid() {
    run_cc inspect "$1" >&2
    jq -r '.[0].Id' <<<"$output"
}

# peak_rss ARGS...: the peak resident size (KiB) of `ccontainer ARGS`, its
# output dropped
peak_rss() {
    local f=$BATS_TEST_TMPDIR/.rss
    timeout 120 /usr/bin/time -o "$f" -f %M "$CC" --root "$CC_ROOT" "$@" >/dev/null 2>&1 ||
        die "ccontainer $* failed"
    tail -1 "$f"
}

# log_files NAME: the container's log files, one name a line
log_files() {
    (cd "$CC_ROOT/containers/$(cid "$1")" && ls -1 ctr.log*)
}

# records FILE: each whole record of a log, either format, as "<stream> <text>"
# (the text with its newline, as logs prints it)
records() {
    if [[ $(head -c 1 "$1") == "{" ]]; then
        jq -j '.stream + " " + .log' "$1"
    else
        sed -E 's/^[^ ]+ (stdout|stderr) F /\1 /' "$1"
    fi
}

# fabricate_log FILE N: N stdout records "line 1".."line N" (a stopped
# container's log, written directly: the format is plain text)
fabricate_log() {
    awk -v n="$2" 'BEGIN { for (i = 1; i <= n; i++) printf "2024-01-02T03:04:05.123456789Z stdout F line %d\n", i }' >"$1"
}

@test "logs into a pipe keeps the order of the log: stdout and stderr records interleaved" {
    local driver
    for driver in json-file k8s-file; do
        run_cc run -d --name "alt-$driver" --log-driver "$driver" alpine sh -c \
            'i=1; while [ $i -le 400 ]; do echo "out $i"; echo "err $i" >&2; [ $((i % 10)) = 0 ] && usleep 2000; i=$((i+1)); done'
        run_cc wait "alt-$driver"
        local log
        log=$CC_ROOT/containers/$(cid "alt-$driver")/ctr.log
        # the log itself switches streams often, else this shows nothing
        local switches
        switches=$(records "$log" | awk '$1 != prev { n++; prev = $1 } END { print n }')
        assert_le 20 "$switches" "stream switches in the $driver log"
        local expected
        expected=$(records "$log" | sed -E 's/^[a-z]+ //')
        is "$(wc -l <<<"$expected")" 800 "records in the $driver log"
        run bash -c "timeout 60 '$CC' --root '$CC_ROOT' logs alt-$driver 2>&1 | cat"
        is "$status" 0
        is "$output" "$expected" "$driver: logs 2>&1 | cat is the log's order"
        # two open files, each appending: every record is its own write, in order
        local f=$BATS_TEST_TMPDIR/both-$driver
        run bash -c "timeout 60 '$CC' --root '$CC_ROOT' logs alt-$driver >>'$f' 2>>'$f'"
        is "$status" 0
        is "$(cat "$f")" "$expected" "$driver: logs >>f 2>>f is the log's order"
        # and each stream alone still goes where it belongs
        run bash -c "timeout 60 '$CC' --root '$CC_ROOT' logs alt-$driver 2>/dev/null | cat"
        is "$output" "$(records "$log" | sed -n 's/^stdout //p')"
    done
}

@test "a log larger than 64 MiB: --tail reads from the end, the whole log streams, memory stays small" {
    run_cc run --name big alpine true
    run_cc run --name small alpine true
    local big small
    big=$CC_ROOT/containers/$(cid big)/ctr.log
    small=$CC_ROOT/containers/$(cid small)/ctr.log
    fabricate_log "$big" 2000000
    fabricate_log "$small" 10
    assert_le $((64 * 1024 * 1024)) "$(stat -c %s "$big")" "size of the fabricated log"

    run_cc logs --tail 3 big
    is "$output" $'line 1999998\nline 1999999\nline 2000000'
    run_cc logs --tail 0 big
    is "$output" ""

    # every line, in order, not only the last part
    run bash -c "timeout 120 '$CC' --root '$CC_ROOT' logs big | awk 'NR == 1 { first = \$0 } END { print NR, first, \$0 }'"
    is "$output" "2000000 line 1 line 2000000"

    # bounded memory: what a tiny log takes, plus little (a read buffer)
    local base tail all
    base=$(peak_rss logs --tail 3 small)
    tail=$(peak_rss logs --tail 3 big)
    all=$(peak_rss logs big)
    echo "peak RSS (KiB): tiny log $base, --tail 3 $tail, whole log $all"
    assert_le "$tail" $((base + 16384)) "peak RSS (KiB) of logs --tail 3 of the large log"
    assert_le "$all" $((base + 16384)) "peak RSS (KiB) of logs of the large log"

    # a reader that goes away ends logs quietly
    run bash -c "set -o pipefail; timeout 60 '$CC' --root '$CC_ROOT' logs big 2>'$BATS_TEST_TMPDIR/err' | head -2"
    is "$status" 0 "logs | head"
    is "$output" $'line 1\nline 2'
    is "$(cat "$BATS_TEST_TMPDIR/err")" "" "stderr of logs | head"
}

# logs_to NAME ARGS...: `ccontainer logs ARGS` into $BATS_TEST_TMPDIR/NAME.out
# and NAME.err (too long to show when an assertion fails)
logs_to() {
    local name=$1
    shift
    timeout 60 "$CC" --root "$CC_ROOT" logs "$@" >"$BATS_TEST_TMPDIR/$name.out" 2>"$BATS_TEST_TMPDIR/$name.err" ||
        die "ccontainer logs $* failed: $(cat "$BATS_TEST_TMPDIR/$name.err")"
}

# same_file WHAT ACTUAL EXPECTED: the files are equal (their sizes shown if not)
same_file() {
    cmp -s "$2" "$3" || die "$1: $(stat -c %s "$2") bytes differ from the $(stat -c %s "$3") expected"
}

@test "records longer than a read, partial lines, -t once per line, --tail counts lines" {
    run_cc run --name long alpine true
    local log ts1=2024-01-02T03:04:05.000000001Z ts2=2024-01-02T03:04:05.000000002Z x t=$BATS_TEST_TMPDIR
    log=$CC_ROOT/containers/$(cid long)/ctr.log
    x=$(head -c 200000 /dev/zero | tr '\0' x)
    {
        echo "$ts1 stdout F first"
        echo "$ts1 stdout P $x"
        echo "$ts2 stdout F -end"
        echo "not a record"
        echo "$ts2 stderr F on stderr"
        echo "$ts2 stdout F $x$x"
        printf '%s stdout P %s\n' "$ts2" "no newline at exit"
    } >"$log"
    printf '%s\n' first "$x-end" "$x$x" >"$t/want.out"
    printf 'no newline at exit' >>"$t/want.out"
    logs_to all long
    same_file "logs" "$t/all.out" "$t/want.out"
    is "$(cat "$t/all.err")" "on stderr"
    logs_to tail2 --tail 2 long
    tail -n 2 "$t/want.out" >"$t/want2.out"
    same_file "--tail 2" "$t/tail2.out" "$t/want2.out"
    is "$(cat "$t/tail2.err")" ""
    logs_to tail4 --tail 4 long
    tail -n 3 "$t/want.out" >"$t/want4.out"
    same_file "--tail 4" "$t/tail4.out" "$t/want4.out"
    is "$(cat "$t/tail4.err")" "on stderr"
    logs_to ts -t --tail 4 long
    printf '%s\n' "$ts1 $x-end" "$ts2 $x$x" "$ts2 no newline at exit" >"$t/wantts.out"
    truncate -s -1 "$t/wantts.out"
    same_file "-t: the time stamp once for the joined line" "$t/ts.out" "$t/wantts.out"
    is "$(cat "$t/ts.err")" "$ts2 on stderr"
}

@test "--log-opt max-size, max-file: the monitor rotates, logs reads the files oldest first, also with --tail" {
    local driver
    for driver in json-file k8s-file; do
        local name=rot-$driver flag=()
        # json-file is the default
        [[ $driver == json-file ]] || flag=(--log-driver "$driver")
        run_cc run -d --name "$name" "${flag[@]}" --log-opt max-size=10k --log-opt max-file=3 alpine sh -c \
            'i=1; while [ $i -le 2000 ]; do echo "line $i"; i=$((i+1)); done'
        run_cc wait "$name"
        is "$(log_files "$name" | tr '\n' ' ')" "ctr.log ctr.log.1 ctr.log.2 " "$driver: files"
        local dir f record
        dir=$CC_ROOT/containers/$(cid "$name")
        if [[ $driver == json-file ]]; then
            record='^\{"log":"line [0-9]+\\n","stream":"stdout","time":"[0-9T:.-]+Z"\}$'
        else
            record='^[0-9T:.-]+Z stdout F line [0-9]+$'
        fi
        for f in "$dir"/ctr.log*; do
            assert_le "$(stat -c %s "$f")" 10240 "size of $f"
            # records are never split: every file is whole records
            run grep -cvE "$record" "$f"
            is "$output" 0 "lines of $f that are not whole $driver records"
        done
        run_cc logs "$name"
        local first=${lines[0]#line }
        assert_le 250 "${#lines[@]}" "$driver: lines kept (three files' worth)"
        is "$output" "$(seq "$first" 2000 | sed 's/^/line /')" "$driver: the last lines, in order, none twice"
        run_cc logs --tail 200 "$name"
        is "$output" "$(seq 1801 2000 | sed 's/^/line /')" "$driver: --tail across files"
        run_cc inspect "$name"
        is "$(jq -c '(.[0].HostConfig // .[0]).LogConfig' <<<"$output")" \
            '{"Type":"'"$driver"'","Config":{"max-size":"10k","max-file":"3"}}'
    done
}

@test "max-file=1 cuts ctr.log at max-size, and start rotates by the container's limits too" {
    run_cc run -d --name cut --log-opt max-size=2k alpine seq 1 500
    run_cc wait cut
    is "$(log_files cut)" "ctr.log" "files"
    local log
    log=$CC_ROOT/containers/$(cid cut)/ctr.log
    assert_le "$(stat -c %s "$log")" 2048 "size of ctr.log"
    run_cc logs cut
    is "$output" "$(seq "${lines[0]}" 500)"
    run_cc start cut
    run_cc wait cut
    is "$(log_files cut)" "ctr.log" "files after start"
    assert_le "$(stat -c %s "$log")" 2048 "size of ctr.log after start"
    run_cc logs --tail 1 cut
    is "$output" "500"
}

@test "--log-driver json-file|k8s-file are taken; bad --log-opt and drivers fail with one line, nothing made" {
    run_cc run --rm --log-driver json-file --log-opt max-size=1m --log-opt max-file=2 alpine true
    run_cc run --rm --log-driver k8s-file alpine true
    local bad
    for bad in max-size=abc max-size=0 max-size=-1 max-size= max-file=0 max-file=x max-file=101 max-file= \
        compress=true max-size =3 max-size=10m,max-file=3; do
        run_cc 125 run -d --log-opt "$bad" alpine true
        is "${#stderr_lines[@]}" 1 "lines of stderr for --log-opt $bad"
        assert_match "$stderr" "^Error: (invalid --log-opt '$(regex_quote "$bad")'|unknown log opt 'compress')"
    done
    assert_contains "$stderr" "give each option its own --log-opt"
    run_cc 125 run -d --log-driver syslog alpine true
    is "$stderr" "Error: log driver 'syslog' is not supported: ccontainer's monitor writes the log itself (use json-file, k8s-file or none)"
    run_cc ps -aq
    is "$output" "" "containers"
    is "$(ls "$CC_ROOT/containers")" "" "container directories"
}

@test "logs -f follows ctr.log across rotations and misses no line" {
    run_cc run -d --name fol --log-opt max-size=2k --log-opt max-file=100 alpine sh -c \
        'sleep 1; i=1; while [ $i -le 2000 ]; do echo $i; [ $((i % 100)) = 0 ] && usleep 20000; i=$((i+1)); done'
    run_cc logs -f fol
    is "${#lines[@]}" 2000 "lines"
    is "$output" "$(seq 1 2000)" "every line once, in order"
    assert_le 20 "$(log_files fol | wc -l)" "files the log was rotated into"
}

@test "logs --since, --until (docker's timestamps and durations), --details" {
    export TZ=UTC # a time without a zone is local time
    run_cc run --name tl alpine true
    local log
    log=$CC_ROOT/containers/$(cid tl)/ctr.log
    {
        echo "2024-01-02T03:04:05.000000001Z stdout F one"
        echo "2024-01-02T03:04:06.500000000Z stdout P tw"
        echo "2024-01-02T03:04:06.500000001Z stdout F o"
        echo "2024-01-02T03:04:07.000000000Z stdout F three"
        echo "not a record"
    } >"$log"
    run_cc logs --since 2024-01-02T03:04:06Z tl
    is "$output" "two"$'\n'"three" "--since an RFC 3339 time"
    run_cc logs --since 2024-01-02T03:04:06.500000001Z tl
    is "$output" "o"$'\n'"three" "--since to the nanosecond: each record by its own time"
    run_cc logs --until 2024-01-02T03:04:06.9Z tl
    is "$output" "one"$'\n'"two" "--until"
    run_cc logs --since 1704164646 --until 1704164646.9 tl
    is "$output" "two" "Unix seconds with a fraction"
    run_cc logs --since 2024-01-02T05:04:06+02:00 --until 2024-01-02T03:04:06 tl
    is "$output" "" "a zone, and local time without one (TZ is UTC here)"
    run_cc logs --since 1h tl
    is "$output" "" "a duration back from now: nothing that recent"
    run_cc logs --until 1h tl
    is "$output" "one"$'\n'"two"$'\n'"three" "--until 1h ago: all of these"
    run_cc logs --tail 2 --since 2024-01-02T03:04:05.5Z tl
    is "$output" "two"$'\n'"three" "--tail and --since together"
    run_cc logs --details tl
    is "$output" " one"$'\n'" two"$'\n'" three" "--details: a space for the (absent) attributes"
    run_cc logs -t --details --until 2024-01-02T03:04:06Z tl
    is "$output" "2024-01-02T03:04:05.000000001Z  one" "-t then --details"
    run_cc 125 logs --since yesterday tl
    is "$stderr" 'Error: invalid value for "since": failed to parse value as time or duration: "yesterday"'
}

@test "logs -f --until stops following at that time" {
    run_cc run -d --name fu alpine sh -c 'while true; do echo tick; sleep 0.2; done'
    wait_for_log fu tick
    local start=$SECONDS
    run_cc logs -f --until -2s fu
    assert_contains "$output" "tick" "-f --until 2 s from now: follows, then stops"
    (( SECONDS - start < 30 )) || die "logs -f --until did not stop"
    run_cc logs -f --until 1h fu
    is "$output" "" "-f --until an hour ago: nothing, and no following"
}

@test "a foreground run is logged as a detached one is; its output still reaches us at once" {
    run_cc run --name fg alpine sh -c 'echo out1; echo err1 >&2; echo out2; printf tail'
    is "$output" "out1"$'\n'"out2"$'\n'"tail" "stdout as it was"
    is "$stderr" "err1" "stderr as it was"
    run_cc logs fg
    is "$output" "out1"$'\n'"out2"$'\n'"tail" "logs: stdout"
    is "$stderr" "err1" "logs: stderr"
    run_cc logs -t fg
    assert_match "${lines[0]}" '^[0-9-]{10}T[0-9:.]{18}Z out1$' "time stamps"
    # -t: the pty's output, one stream
    CC_STDIN=/dev/null run_cc run --name fgt -t alpine sh -c 'echo tty1; echo tty2 >&2'
    run_cc logs fgt
    is "$output" "tty1"$'\n'"tty2" "a terminal's output, CR LF as LF"
    # --log-opt applies to it too
    run_cc run --name fgr --log-opt max-size=200 --log-opt max-file=2 alpine sh -c 'for i in $(seq 1 40); do echo line-$i; done'
    local dir
    dir=$CC_ROOT/containers/$(cid fgr)
    [[ -f $dir/ctr.log.1 ]] || die "not rotated: $(ls "$dir")"
    run_cc logs fgr
    is "${lines[-1]}" "line-40" "the newest line kept"
}

@test "--log-driver none: nothing logged, logs refuses as docker's" {
    run_cc run -d --name nolog --log-driver none alpine sh -c 'echo hidden'
    run_cc wait nolog
    run_cc 1 logs nolog
    is "$stderr" "Error: configured logging driver does not support reading"
    [[ ! -s $CC_ROOT/containers/$(cid nolog)/ctr.log ]] || die "a log was written"
    run_cc run --name nolog2 --log-driver none alpine echo shown
    is "$output" "shown" "the foreground output still reaches us"
    [[ ! -e $CC_ROOT/containers/$(cid nolog2)/ctr.log ]] || die "a foreground log was written"
    run_cc inspect -f '{{.HostConfig.LogConfig.Type}}' nolog
    is "$output" "none"
}

@test "json-file (the default) writes docker's JSON lines; logs prints what k8s-file's does" {
    # pauses where the stream changes: the monitor reads two pipes
    local script='echo out1; usleep 100000; echo err1 >&2; usleep 100000; echo; echo "  spaced  "; usleep 100000
        echo err2 >&2; usleep 100000; printf "no newline"'
    run_cc run -d --name jf alpine sh -c "$script"
    run_cc run -d --name kf --log-driver k8s-file alpine sh -c "$script"
    run_cc wait jf
    run_cc wait kf
    local jlog klog
    jlog=$CC_ROOT/containers/$(cid jf)/ctr.log
    klog=$CC_ROOT/containers/$(cid kf)/ctr.log
    # each line a JSON object: log, stream, time, in docker's order
    run jq -c '[.log, .stream]' "$jlog"
    is "$output" '["out1\n","stdout"]
["err1\n","stderr"]
["\n","stdout"]
["  spaced  \n","stdout"]
["err2\n","stderr"]
["no newline","stdout"]' "the records of the json-file log"
    run jq -r 'keys_unsorted | join(",")' "$jlog"
    is "$(sort -u <<<"$output")" "log,stream,time" "members"
    # Go's RFC3339Nano: UTC, the fraction without trailing zeros
    run jq -r .time "$jlog"
    local t
    for t in "${lines[@]}"; do
        assert_match "$t" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{0,8}[1-9])?Z$' "time"
    done
    [[ $(head -c 1 "$klog") != "{" ]] || die "k8s-file wrote JSON"
    is "$(head -1 "$klog" | cut -d' ' -f2-)" "stdout F out1" "the k8s-file log is CRI"
    # logs: the same bytes on the same streams, for both
    local d
    for d in jf kf; do
        timeout 60 "$CC" --root "$CC_ROOT" logs "$d" >"$BATS_TEST_TMPDIR/$d.out" 2>"$BATS_TEST_TMPDIR/$d.err" ||
            die "logs $d failed"
    done
    printf 'out1\n\n  spaced  \nno newline' >"$BATS_TEST_TMPDIR/want.out"
    same_file "stdout of logs jf" "$BATS_TEST_TMPDIR/jf.out" "$BATS_TEST_TMPDIR/want.out"
    same_file "stdout of logs kf" "$BATS_TEST_TMPDIR/kf.out" "$BATS_TEST_TMPDIR/want.out"
    is "$(cat "$BATS_TEST_TMPDIR/jf.err")" "err1"$'\n'"err2" "stderr of logs jf"
    is "$(cat "$BATS_TEST_TMPDIR/kf.err")" "err1"$'\n'"err2" "stderr of logs kf"
    run_cc logs -t jf
    assert_match "${lines[0]}" '^[0-9-]{10}T[0-9:]{8}\.[0-9]{9}Z out1$' "-t: docker's nine digits"
    run_cc logs --tail 3 jf
    is "$output" "  spaced  "$'\n'"no newline" "--tail 3 (stdout)"
    is "$stderr" "err2" "--tail 3 (stderr)"
    run_cc inspect -f '{{.HostConfig.LogConfig.Type}}' jf
    is "$output" "json-file"
}

@test "json-file: quotes, backslashes, control bytes, invalid UTF-8 and long lines round-trip as docker's" {
    # \001 ESC TAB CR in a line, '<&>' (docker escapes them), é (valid), U+2028,
    # \377 and a \303 without its continuation (not UTF-8: U+FFFD)
    run_cc run --name esc alpine sh -c \
        'printf "q\"b\\\\c \001\033[1m\t\r<&> \303\251 \342\200\250 \377 \303( end\n"; printf "%040000d\n" 7 >&2'
    local log
    log=$CC_ROOT/containers/$(cid esc)/ctr.log
    # the record exactly as docker writes it
    is "$(head -1 "$log" | sed -E 's/"time":"[^"]*"/"time":T/')" \
        '{"log":"q\"b\\c \u0001\u001b[1m\u0009\r\u003c\u0026\u003e é \u2028 \ufffd \ufffd( end\n","stream":"stdout","time":T}' \
        "the escaped record"
    run jq -r '.log' <(head -1 "$log")
    is "$status" 0 "jq reads it"
    local t=$BATS_TEST_TMPDIR
    printf 'q"b\\c \001\033[1m\t\r<&> \303\251 \342\200\250 \357\277\275 \357\277\275( end\n' >"$t/want.out"
    printf '%040000d\n' 7 >"$t/want.err"
    logs_to esc esc
    same_file "stdout: each byte back, invalid UTF-8 as U+FFFD" "$t/esc.out" "$t/want.out"
    same_file "stderr: the long line joined" "$t/esc.err" "$t/want.err"
    # a line past 16 KiB is split as docker splits it: partial records without "\n"
    run jq -c 'select(.stream == "stderr") | [(.log | length), (.log | endswith("\n"))]' "$log"
    is "$output" '[16384,false]
[16384,false]
[7233,true]' "the long line's records"
    logs_to esct -t --tail 1 esc
    [[ $(wc -l <"$t/esct.err") == 1 ]] || die "-t --tail 1: the joined line is one line"
    assert_match "$(cut -c1-31 "$t/esct.err")" '^[0-9-]{10}T[0-9:.]{18}Z $' "-t: one time stamp"
}

@test "a log mixing JSON lines and CRI records reads line by line: --since, --until, --tail, -t, --details; bad lines skipped" {
    export TZ=UTC
    run_cc run --name mix alpine true
    local log t=$BATS_TEST_TMPDIR
    log=$CC_ROOT/containers/$(cid mix)/ctr.log
    {
        echo '2024-01-02T03:04:05.000000001Z stdout F one'
        echo '{"log":"tw","stream":"stdout","time":"2024-01-02T03:04:06.5Z"}'
        echo '{"time":"2024-01-02T03:04:06.500000001Z","stream":"stdout","attrs":{"a":[1,{"b":null}]},"log":"o\n"}'
        echo '{"log":"broken\n","stream":"stdout","time":"2024-01-02T03:04:06.6Z"'
        echo '{"log":"no stream\n","time":"2024-01-02T03:04:06.6Z"}'
        echo '{"log":"bad \x escape\n","stream":"stdout","time":"2024-01-02T03:04:06.6Z"}'
        echo '{"log":"err \u00e9\ud83d\ude00\n","stream":"stderr","time":"2024-01-02T03:04:06.7Z"}'
        echo '{"log":"three\n","stream":"stdout","time":"2024-01-02T03:04:07Z"} trailing'
        echo '{"log":"three\n","stream":"stdout","time":"2024-01-02T03:04:07Z"}'
        echo 'not a record'
        printf '{"log":"%0200000d\\n","stream":"stdout","time":"2024-01-02T03:04:08Z"}\n' 4
    } >"$log"
    run_cc logs mix
    is "${lines[*]:0:3}" "one two three" "the records' text, bad lines skipped"
    is "${#lines[@]}" 4 "lines"
    is "${#lines[3]}" 200000 "a JSON line longer than a read"
    is "$stderr" "err é😀" "stderr, \\u escapes and a surrogate pair"
    run_cc logs --since 2024-01-02T03:04:06Z --until 2024-01-02T03:04:07Z mix
    is "$output" "two"$'\n'"three" "--since, --until"
    is "$stderr" "err é😀"
    run_cc logs --since 2024-01-02T03:04:06.500000001Z --until 2024-01-02T03:04:07.5Z mix
    is "$output" "o"$'\n'"three" "--since to the nanosecond"
    run_cc logs --tail 4 mix
    is "${lines[*]:0:2}" "two three" "--tail 4 (stdout): the joined line counts once"
    is "${#lines[@]}" 3 "--tail 4: lines of stdout"
    is "$stderr" "err é😀" "--tail 4 (stderr)"
    run_cc logs --tail 1 --until 2024-01-02T03:04:07Z mix
    is "$output" "" "--tail 1 is the last line, after --until"
    run_cc logs -t --details --until 2024-01-02T03:04:07Z mix
    is "$output" "2024-01-02T03:04:05.000000001Z  one
2024-01-02T03:04:06.500000000Z  two
2024-01-02T03:04:07.000000000Z  three" "-t (nine digits) then --details"
    is "$stderr" "2024-01-02T03:04:06.700000000Z  err é😀"
}
