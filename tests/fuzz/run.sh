#!/usr/bin/env bash
# Run libFuzzer targets built by `make FUZZ=1` (build-fuzz/fuzz/fuzz-NAME).
#
#   FUZZ_TIME=60 bash tests/fuzz/run.sh [NAME...]   fuzz each NAME for FUZZ_TIME s
#   FUZZ_TIME=0  bash tests/fuzz/run.sh [NAME...]   replay seeds and regressions once
#
# Seeds are tests/fuzz/corpus/NAME (read only); what the fuzzer finds goes
# to build-fuzz/corpus/NAME and is reused by the next run; a crash is
# written to build-fuzz/crashes/NAME-* and fails the run.  A crash that is
# fixed keeps its input in tests/fuzz/regress/NAME (replayed by `make unit`
# and here).  Prints one summary line per target: executions, corpus, rate.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
bin=build-fuzz/fuzz
time=${FUZZ_TIME:-60}
targets=("$@")
if ((${#targets[@]} == 0)); then
    for f in tests/fuzz/fuzz-*.c; do
        n=${f##*/fuzz-}
        targets+=("${n%.c}")
    done
fi

# Largest input per target, as the real callers bound them (or tighter,
# where a bigger input only costs time: a tar stream of 64 KiB already
# holds hundreds of entries).
max_len() {
    case $1 in
    reference) echo 4200 ;;
    tar) echo 65536 ;;
    *) echo 16384 ;;
    esac
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$(cd "$(dirname "$0")" && pwd)/lsan.supp}

rc=0
summary=()
for t in "${targets[@]}"; do
    exe=$bin/fuzz-$t
    if [[ ! -x $exe ]]; then
        echo "fuzz: no target '$t' ($exe)" >&2
        rc=1
        continue
    fi
    seeds=tests/fuzz/corpus/$t
    regress=tests/fuzz/regress/$t
    dict=()
    [[ -f tests/fuzz/$t.dict ]] && dict=(-dict="tests/fuzz/$t.dict")
    log=build-fuzz/fuzz-$t.log
    # fuzz-tar unpacks as nobody when run as root (see there): a crash in
    # the middle is written with that identity
    mkdir -p build-fuzz/crashes && chmod 1777 build-fuzz/crashes
    if ((time == 0)); then
        inputs=()
        shopt -s nullglob
        for d in "$seeds" "$regress"; do
            [[ -d $d ]] && inputs+=("$d"/*)
        done
        echo "=== fuzz-$t: replaying ${#inputs[@]} inputs"
        ((${#inputs[@]} > 0)) || continue
        if ! "$exe" -runs=0 -rss_limit_mb=2048 "${inputs[@]}" >"$log" 2>&1; then
            tail -n 40 "$log"
            echo "fuzz-$t: FAILED (log: $log)"
            rc=1
        fi
        continue
    fi
    work=build-fuzz/corpus/$t
    mkdir -p "$work"
    dirs=("$work" "$seeds")
    [[ -d $regress ]] && dirs+=("$regress")
    echo "=== fuzz-$t: ${time}s"
    "$exe" -max_total_time="$time" -max_len="$(max_len "$t")" -timeout=20 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="build-fuzz/crashes/$t-" "${dict[@]}" "${dirs[@]}" >"$log" 2>&1
    status=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    corpus=$(find "$work" -type f | wc -l)
    line=$(printf '%-14s %10s execs %8s/s  corpus %5s  ' "$t" "${execs:-?}" "${rate:-?}" "$corpus")
    if ((status != 0)); then
        tail -n 60 "$log"
        crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
        line+="FAILED (status $status${crash:+, input $crash}; log $log)"
        rc=1
    else
        line+=ok
    fi
    echo "$line"
    summary+=("$line")
done
if ((${#summary[@]} > 0)); then
    echo "=== fuzz summary (${time}s per target)"
    printf '%s\n' "${summary[@]}"
fi
exit "$rc"
