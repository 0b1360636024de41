#!/usr/bin/env bats
#
# The verbs that look into a running container's cgroup: pause and unpause
# (the freezer), top (its processes, from /proc) and stats (its counters).

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

COUNTER='i=0; while true; do i=$((i+1)); echo $i > /tmp/c; sleep 0.05; done'

field() { # NAME GO-TEMPLATE: one inspect field, only the value on stdout
    run_cc inspect --format "$2" "$1" >&2
    echo "$output"
}

# the counter the container writes, read through its root from the host
counter() { # PID
    cat "/proc/$1/root/tmp/c"
}

counter_started() { # PID
    [[ -s /proc/$1/root/tmp/c ]]
}

@test "pause freezes the container and unpause thaws it; ps and inspect say paused" {
    run_cc run -d --name cnt alpine sh -c "$COUNTER"
    local id=$output pid
    pid=$(field cnt '{{.State.Pid}}')
    wait_until 10 counter_started "$pid"

    run_cc pause cnt
    is "$output" "cnt" "pause echoes the name"
    local a b
    a=$(counter "$pid")
    sleep 0.5
    b=$(counter "$pid")
    is "$b" "$a" "the counter does not advance while paused"

    is "$(field cnt '{{.State.Status}} {{.State.Paused}} {{.State.Running}}')" "paused true true"
    run_cc ps
    assert_match "$output" "Up .* \(Paused\)"
    run_cc ps --filter status=paused --format '{{.Names}} {{.State}}'
    is "$output" "cnt paused"
    run_cc ps --filter status=running -q
    is "$output" "" "a paused container is not running to the status filter"

    # a process joining a frozen cgroup would freeze: refused, as docker does
    run_cc '?' exec cnt true
    assert_contains "$stderr" "Container $id is paused, unpause the container before exec"
    ((status != 0)) || die "exec into a paused container succeeded"

    run_cc unpause cnt
    is "$output" "cnt"
    wait_until 10 bash -c "(( \$(cat /proc/$pid/root/tmp/c) > $b ))"
    is "$(field cnt '{{.State.Status}} {{.State.Paused}}')" "running false"
    run_cc exec cnt cat /tmp/c
    assert_match "$output" '^[0-9]+$'
}

@test "pause and unpause refuse containers in the wrong state, as docker does" {
    run_cc run -d --name made alpine true
    local made=$output
    run_cc wait made
    run_cc 1 pause made
    is "$stderr" "Error: container $made is not running"
    run_cc run -d --name up alpine sleep 100
    local up=$output
    run_cc 1 unpause up
    is "$stderr" "Error: Container $up is not paused"
    run_cc pause up
    run_cc 1 pause up
    is "$stderr" "Error: container $up is already paused"
    run_cc 1 start up
    assert_contains "$stderr" "cannot start a paused container, try unpause instead"
    run_cc 1 rm up
    assert_contains "$stderr" "container is paused and must be unpaused first"
    run_cc 1 pause nosuch
    assert_contains "$stderr" "No such container"
    # one failure among several: the others are done, exit 1
    run_cc 1 unpause up nosuch
    is "$output" "up"
    is "$(field up '{{.State.Status}}')" "running"
}

@test "stop, kill and rm -f work on a paused container" {
    run_cc run -d --name s1 alpine sleep 100
    run_cc run -d --name k1 alpine sleep 100
    run_cc run -d --name r1 alpine sleep 100
    run_cc pause s1 k1 r1
    run_cc stop -t 1 s1
    is "$(field s1 '{{.State.Status}} {{.State.Paused}}')" "exited false"
    run_cc kill k1
    run_cc wait k1
    is "$output" "137"
    is "$(field k1 '{{.State.Status}}')" "exited"
    run_cc rm -f r1
    run_cc ps -a --format '{{.Names}}'
    assert_not_contains "$output" "r1"
}

@test "top lists the container's processes with their host PIDs" {
    run_cc run -d --name tp alpine sleep 1000
    local pid
    pid=$(field tp '{{.State.Pid}}')
    run_cc top tp
    assert_match "${lines[0]}" '^UID +PID +PPID +C +STIME +TTY +TIME +CMD$'
    assert_match "${lines[1]}" "^root +$pid +[0-9]+ +[0-9]+ +[0-9:A-Za-z]+ +\? +[0-9:]+ +sleep 1000$"
    is "${#lines[@]}" "2"

    run_cc top tp -o pid,args
    assert_match "${lines[0]}" '^PID +COMMAND$'
    assert_match "${lines[1]}" "^$pid +sleep 1000$"
    # podman's bare descriptors, and the AIX ones
    run_cc top tp pid user comm
    assert_match "${lines[1]}" "^$pid +root +sleep$"
    run_cc top tp '%p %U %a'
    assert_match "${lines[1]}" "^$pid +root +sleep 1000$"
    run_cc top tp -o pid,ppid,uid,etime,time,pcpu,vsz,rss,stat
    assert_match "${lines[0]}" '^PID +PPID +UID +ELAPSED +TIME +%CPU +VSZ +RSS +STAT$'
    assert_match "${lines[1]}" "^$pid +[0-9]+ +0 +[0-9:]+ +[0-9:]+ +[0-9]+\.[0-9] +[0-9]+ +[0-9]+ +S"

    run_cc 1 top tp -o pid,bogus
    is "$stderr" "Error: unknown ps field 'bogus' (known: pid, ppid, user, uid, comm, args, etime, time, pcpu, vsz, rss, stat, tty, nice, stime, c)"
    run_cc run --name idle alpine true
    run_cc 1 top idle
    assert_contains "$stderr" "is not running"
}

@test "top sees the processes exec starts" {
    run_cc run -d --name tx alpine sleep 1000
    cc_bg ex exec tx sleep 777
    wait_until 10 bash -c "'$CC' --root '$CC_ROOT' top tx | grep -q 'sleep 777'"
    run_cc top tx -o args
    is "$output" "COMMAND
sleep 1000
sleep 777"
    run_cc kill tx
    wait_bg "$CC_BG_PID"
}

@test "stats --no-stream: a row per running container, docker's columns and units" {
    run_cc run -d --name st alpine sh -c 'x=$(head -c 2000000 /dev/zero | tr "\0" a); sleep 1000'
    local id=$output
    run_cc run --name idle alpine true
    sleep 0.5
    run_cc stats --no-stream
    assert_match "${lines[0]}" '^CONTAINER ID +NAME +CPU % +MEM USAGE / LIMIT +MEM % +NET I/O +BLOCK I/O +PIDS$'
    is "${#lines[@]}" "2" "only the running container"
    assert_match "${lines[1]}" "^${id:0:12} +st +[0-9]+\.[0-9]{2}% +[0-9.]+[KMG]iB / [0-9.]+[KMGT]iB +[0-9]+\.[0-9]{2}% +[0-9.]+[kMG]?B / [0-9.]+[kMG]?B +[0-9.]+[kMG]?B / [0-9.]+[kMG]?B +[0-9]+$"

    run_cc stats --no-stream --format '{{.Name}} {{.PIDs}}' st
    assert_match "$output" '^st [0-9]+$'
    local pids=${output#st }
    ((pids >= 1)) || die "PIDS is $pids"

    run_cc stats --no-stream --format json st
    is "$(jq -r '.Name' <<<"$output")" "st"
    is "$(jq -r '.ID' <<<"$output")" "${id:0:12}"
    is "$(jq -r '.Container' <<<"$output")" "st"
    assert_match "$(jq -r '.CPUPerc' <<<"$output")" '^[0-9]+\.[0-9]{2}%$'
    local mem
    mem=$(jq -r '.MemUsage' <<<"$output")
    assert_match "$mem" '^[0-9.]+[KMG]iB / '
    [[ "$mem" != 0B* ]] || die "memory usage is zero: $mem"
    assert_match "$(jq -r '.NetIO' <<<"$output")" '^[0-9.]+[kMG]?B / [0-9.]+[kMG]?B$'
    assert_match "$(jq -r '.BlockIO' <<<"$output")" '^[0-9.]+[kMG]?B / [0-9.]+[kMG]?B$'

    run_cc stats --no-stream --no-trunc --format '{{.ID}}' st
    is "$output" "$id"
    # -a: the stopped one too, with zeros
    run_cc stats --no-stream -a --format '{{.Name}} {{.CPUPerc}} {{.MemUsage}} {{.PIDs}}'
    assert_contains "$output" "idle 0.00% 0B / 0B 0"
    assert_contains "$output" "st "
    run_cc 1 stats --no-stream nosuch
    assert_contains "$stderr" "No such container"
}

@test "stats --no-stream --memory: the limit is the container's" {
    run_cc run -d --name lim --memory 64m alpine sleep 1000
    run_cc stats --no-stream --format '{{.MemUsage}}|{{.MemPerc}}' lim
    assert_match "$output" '^[0-9.]+[KM]iB / 64MiB\|[0-9]+\.[0-9]{2}%$'
}
