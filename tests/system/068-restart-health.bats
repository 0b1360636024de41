#!/usr/bin/env bats
#
# Restart policies (run --restart, carried out by each container's monitor,
# the boot service's `start --all --filter restart-policy=...`) and
# healthchecks (run --health-*, the image's HEALTHCHECK, `healthcheck run`,
# State.Health, ps's (healthy) and --filter health=).

load helpers
load helpers.build

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

container_field() { # NAME PYEXPR
    run_cc inspect "$1" >&2
    python3 -c "import json,sys; d=json.load(sys.stdin)[0]; print($2)" <<<"$output"
}

field_is() { # NAME PYEXPR VALUE: true when the field has that value now
    local v
    v=$("$CC" --root "$CC_ROOT" inspect "$1" 2>/dev/null |
        python3 -c "import json,sys; d=json.load(sys.stdin)[0]; print($2)" 2>/dev/null) || return 1
    [[ "$v" == "$3" ]]
}

monitor_of() { # ID: the pid of its monitor
    pgrep -f "ccontainer-monitor .* $1 " || die "no monitor for $1"
}

no_monitor() { # ID|ROOT: true when no monitor of it runs
    ! pgrep -f "ccontainer-monitor .* $1 " >/dev/null
}

@test "--restart: docker's checks" {
    run_cc 125 run --rm --restart always alpine true
    assert_contains "$stderr" "Conflicting options: --restart and --rm"
    run_cc 125 run --restart on-failure:-1 alpine true
    assert_contains "$stderr" "maximum retry count cannot be negative"
    run_cc 125 run --restart always:3 alpine true
    assert_contains "$stderr" "maximum retry count can only be used with 'on-failure'"
    run_cc 125 run --restart sometimes alpine true
    assert_contains "$stderr" "unknown policy 'sometimes'"
    run_cc 125 ps --filter restart-policy=sometimes
    run_cc run --rm --restart no alpine true
}

@test "on-failure:3: a command that exits 1 restarts exactly 3 times" {
    run_cc run -d --name flaky --restart on-failure:3 alpine sh -c 'echo run; exit 1'
    run_cc inspect --format '{{json .HostConfig.RestartPolicy}}' flaky
    is "$output" '{"Name":"on-failure","MaximumRetryCount":3}'
    # 100 + 200 + 400 ms of backoff, and the starts
    wait_until 30 field_is flaky 'd["State"]["Status"] + " " + str(d["RestartCount"])' "exited 3"
    # and it stays so: its monitor is done
    local id
    id=$(container_field flaky 'd["Id"]')
    wait_until 10 no_monitor "$id"
    is "$(container_field flaky 'd["State"]["ExitCode"]')" "1"
    is "$(container_field flaky 'd["RestartCount"]')" "3"
    run_cc logs flaky
    is "$(grep -c '^run$' <<<"$output")" "4" "four runs' output"
    run_cc ps -a --filter restart-policy=on-failure --format '{{.Names}}'
    is "$output" "flaky"
    run_cc ps -a --filter restart-policy=always --format '{{.Names}}'
    is "$output" ""
}

@test "each restart starts afresh: published port, network lease, cgroup" {
    local port
    port=$(free_port)
    run_cc run -d --name porty --restart on-failure:2 -p "$port:80" alpine sh -c 'echo "run $(hostname -i)"; exit 1'
    wait_until 30 field_is porty 'd["State"]["Status"] + " " + str(d["RestartCount"])' "exited 2"
    local id
    id=$(container_field porty 'd["Id"]')
    wait_until 10 no_monitor "$id"
    run_cc logs porty
    is "$(grep -c '^run [0-9.]*$' <<<"$output")" "3" "three runs, each with an address"
    # nothing of the last run is held: the port is free, the cgroup gone
    python3 -c "import socket; s=socket.socket(); s.bind(('0.0.0.0', $port))"
    run find /sys/fs/cgroup -name "*$id*"
    is "$output" ""
}

@test "on-failure: a command that succeeds is not restarted" {
    run_cc run -d --name fine --restart on-failure alpine true
    wait_until 10 field_is fine 'd["State"]["Status"]' "exited"
    local id
    id=$(container_field fine 'd["Id"]')
    wait_until 10 no_monitor "$id"
    is "$(container_field fine 'd["RestartCount"]')" "0"
}

@test "always: kill -9 of its process from the host brings it back; stop stops it for good" {
    run_cc run -d --name keeper --restart always alpine sleep 1000
    local id=$output pid
    pid=$(container_field keeper 'd["State"]["Pid"]')
    kill -9 "$pid"
    wait_until 20 field_is keeper 'd["State"]["Status"] + " " + str(d["RestartCount"])' "running 1"
    local pid2
    pid2=$(container_field keeper 'd["State"]["Pid"]')
    isnt "$pid2" "$pid" "a new process"
    is "$(container_field keeper 'd["HostConfig"]["RestartPolicy"]["Name"]')" "always"
    run_cc stop -t 1 keeper
    is "$(container_field keeper 'd["State"]["Status"]')" "exited"
    # longer than the next backoff (200 ms): it stays exited
    sleep 1
    is "$(container_field keeper 'd["State"]["Status"]')" "exited"
    no_monitor "$id" || die "a monitor is left"
    # start clears the stop: restarts again
    run_cc start keeper
    is "$(container_field keeper 'd["RestartCount"]')" "0" "start resets RestartCount"
    pid=$(container_field keeper 'd["State"]["Pid"]')
    kill -9 "$pid"
    wait_until 20 field_is keeper 'd["State"]["Status"] + " " + str(d["RestartCount"])' "running 1"
}

@test "a restarting container: ps and inspect say so; rm -f removes it" {
    # always, exiting at once: it spends most of its time waiting
    run_cc run -d --name looping --restart always alpine sh -c 'exit 3'
    wait_until 30 field_is looping 'd["State"]["Status"] + " " + str(d["RestartCount"] >= 5)' "restarting True"
    run_cc inspect --format '{{.State.Restarting}} {{.State.Running}} {{.State.ExitCode}}' looping
    is "$output" "true true 3"
    run_cc ps --filter status=restarting --format '{{.Names}} {{.Status}}'
    assert_match "$output" '^looping Restarting \(3\) .* ago$'
    run_cc rm -f looping
    run_cc ps -aq
    is "$output" ""
    no_monitor "$CC_ROOT" || die "a monitor is left"
}

@test "kill stops an always container for good too" {
    run_cc run -d --name killed --restart unless-stopped alpine sleep 1000
    run_cc kill killed
    wait_until 10 field_is killed 'd["State"]["Status"]' "exited"
    sleep 1
    is "$(container_field killed 'd["State"]["Status"] + " " + str(d["RestartCount"])')" "exited 0"
}

@test "boot: start --all --filter restart-policy=... brings back what a reboot took" {
    run_cc run -d --name a1 --restart always alpine sleep 1000
    run_cc run -d --name u1 --restart unless-stopped alpine sleep 1000
    run_cc run -d --name a2 --restart always alpine sleep 1000
    run_cc run -d --name n1 alpine sleep 1000
    run_cc run -d --name f1 --restart on-failure alpine sleep 1000
    run_cc stop -t 0 a2
    # the reboot: every monitor and container process gone at once
    local name id mon pid
    for name in a1 u1 n1 f1; do
        id=$(container_field $name 'd["Id"]')
        pid=$(container_field $name 'd["State"]["Pid"]')
        mon=$(monitor_of "$id")
        kill -9 "$mon" "$pid"
    done
    run_cc ps -a --format '{{.Names}} {{.State}}'
    assert_not_contains "$output" "running"
    # the boot service's command (contrib/systemd/ccontainer-restart.service)
    run_cc start --all --filter restart-policy=always --filter restart-policy=unless-stopped
    is "$(sort <<<"$output" | tr '\n' ' ')" "$(printf '%s\n' "$(container_field a1 'd["Id"]')" "$(container_field u1 'd["Id"]')" | sort | tr '\n' ' ')" "exactly a1 and u1"
    run_cc ps --format '{{.Names}}'
    is "$(sort <<<"$output" | tr '\n' ' ')" "a1 u1 "
    run_cc ps -a --filter status=exited --format '{{.Names}}'
    is "$(sort <<<"$output" | tr '\n' ' ')" "a2 f1 n1 "
    grep -q -- "start --all --filter restart-policy=always --filter restart-policy=unless-stopped" \
        "$BATS_TEST_DIRNAME/../../contrib/systemd/ccontainer-restart.service"
}
