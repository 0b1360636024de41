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

@test "run --restart in the foreground: run returns the first exit, the container goes on under a monitor" {
    run_cc 1 run --name fgflaky --restart on-failure:2 alpine sh -c 'echo run; exit 1'
    is "$output" "run" "the first run's output, in the foreground"
    # docker's daemon restarts it while `docker run` returns: here its monitor
    wait_until 30 field_is fgflaky 'd["State"]["Status"] + " " + str(d["RestartCount"])' "exited 2"
    local id
    id=$(container_field fgflaky 'd["Id"]')
    wait_until 10 no_monitor "$id"
    run_cc logs fgflaky
    is "$(grep -c '^run$' <<<"$output")" "3" "three runs' output in its log"
    # a run that ends well, or a policy that does not say so: nothing goes on
    run_cc run --name fgok --restart on-failure alpine true
    is "$(container_field fgok 'd["State"]["Status"] + " " + str(d["RestartCount"])')" "exited 0"
    run_cc events --since 0 --until 0s --filter container=fgok --format '{{.Action}}'
    is "$(tr '\n' ' ' <<<"$output")" "create start die " "fgok started once"
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

@test "healthcheck: starting, then healthy; ps shows it, --filter health=healthy finds it" {
    run_cc run -d --name hok --health-cmd 'echo fine' --health-interval 1s alpine sleep 1000
    run_cc ps --format '{{.Names}} {{.Status}}'
    assert_match "$output" '^hok Up .* \(health: starting\)$'
    run_cc ps --filter health=starting --format '{{.Names}}'
    is "$output" "hok"
    wait_until 20 field_is hok 'd["State"]["Health"]["Status"]' "healthy"
    run_cc ps --format '{{.Names}} {{.Status}}'
    assert_match "$output" '^hok Up .* \(healthy\)$'
    run_cc ps --filter health=healthy --format '{{.Names}}'
    is "$output" "hok"
    run_cc ps --filter health=unhealthy --format '{{.Names}}'
    is "$output" ""
    run_cc inspect --format '{{json .Config.Healthcheck}}' hok
    is "$output" '{"Test":["CMD-SHELL","echo fine"],"Interval":1000000000}'
    is "$(container_field hok 'repr((d["State"]["Health"]["Log"][0]["ExitCode"], d["State"]["Health"]["Log"][0]["Output"]))')" \
        "(0, 'fine\\n')"
    run_cc events --since 1h --until 0s --filter event=health_status --format '{{.Action}}'
    is "$output" "health_status: healthy"
}

@test "healthcheck: a failing check with retries 2 makes it unhealthy; the log keeps 5" {
    run_cc run -d --name hbad --health-cmd 'echo bad; exit 1' --health-interval 1s --health-retries 2 alpine sleep 1000
    wait_until 20 field_is hbad 'd["State"]["Health"]["Status"]' "unhealthy"
    run_cc ps --format '{{.Names}} {{.Status}}'
    assert_match "$output" '^hbad Up .* \(unhealthy\)$'
    run_cc ps -a --filter health=unhealthy --format '{{.Names}}'
    is "$output" "hbad"
    is "$(container_field hbad 'repr((d["State"]["Health"]["FailingStreak"] >= 2, d["State"]["Health"]["Log"][-1]["Output"]))')" \
        "(True, 'bad\\n')"
    wait_until 20 field_is hbad 'len(d["State"]["Health"]["Log"])' "5"
    sleep 1.5
    is "$(container_field hbad 'len(d["State"]["Health"]["Log"])')" "5"
}

@test "healthcheck run: 0 healthy, 1 otherwise; the timeout kills the check; none without a check" {
    run_cc run -d --name hrun --health-cmd 'test -e /tmp/ok' --health-interval 1h --health-retries 1 alpine sleep 1000
    run_cc 1 healthcheck run hrun
    is "$output" "unhealthy"
    run_cc exec hrun touch /tmp/ok
    run_cc healthcheck run hrun
    is "$output" ""
    is "$(container_field hrun 'repr((d["State"]["Health"]["Status"], d["State"]["Health"]["FailingStreak"]))')" "('healthy', 0)"

    run_cc run -d --name hslow --health-cmd 'sleep 30' --health-timeout 1s --health-interval 1h alpine sleep 1000
    local t0=$SECONDS
    run_cc 1 healthcheck run hslow
    is "$output" "starting" "a first failure with 3 retries"
    assert_le $((SECONDS - t0)) 6 "the timeout cut the check short"
    is "$(container_field hslow 'repr((d["State"]["Health"]["Log"][0]["ExitCode"], d["State"]["Health"]["Log"][0]["Output"]))')" \
        "(-1, 'Health check exceeded timeout (1s)')"

    run_cc run -d --name hnone alpine sleep 1000
    run_cc 125 healthcheck run hnone
    assert_contains "$stderr" "has no defined healthcheck"
    run_cc ps --filter health=none --format '{{.Names}}'
    is "$output" "hnone"
    is "$(container_field hnone '"Health" in d["State"]')" "False"
}

@test "healthcheck: the image's HEALTHCHECK is used; --no-healthcheck disables it" {
    local ctx
    ctx=$(new_context hc)
    recipe "$ctx" <<'EOT'
FROM alpine
HEALTHCHECK --interval=1s CMD ["true"]
EOT
    build_ok -t hcimg "$ctx"
    run_cc run -d --name himg hcimg sleep 1000
    wait_until 20 field_is himg 'd["State"]["Health"]["Status"]' "healthy"
    is "$(container_field himg 'd["Config"]["Healthcheck"]["Test"]')" "['CMD', 'true']"

    run_cc run -d --name hoff --no-healthcheck hcimg sleep 1000
    local id
    id=$(container_field hoff 'd["Id"]')
    sleep 1.5
    is "$(container_field hoff '"Health" in d["State"]')" "False"
    run_cc ps --filter health=none --format '{{.Names}}'
    is "$output" "hoff"
    # no timer in its monitor: its arguments say interval 0
    pgrep -af "ccontainer-monitor .* $id " | grep -Eq ' 0 0 0 json-file 0$' || die "monitor of hoff has a health timer"
    run_cc 125 run --no-healthcheck --health-cmd true alpine true
    assert_contains "$stderr" "--no-healthcheck conflicts with --health-* options"
}

@test "the monitor stays under 1 MB resident with a restart policy and a healthcheck" {
    run_cc run -d --name small --restart always --health-cmd true --health-interval 1s alpine sleep 1000
    local id=$output pid
    wait_until 20 field_is small 'd["State"]["Health"]["Status"]' "healthy"
    pid=$(container_field small 'd["State"]["Pid"]')
    kill -9 "$pid"
    wait_until 20 field_is small 'd["State"]["Status"] + " " + str(d["RestartCount"])' "running 1"
    local mon rss
    mon=$(monitor_of "$id")
    rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$mon/status")
    echo "monitor VmRSS: $rss kB" >&3
    assert_le "$rss" 1023 "monitor resident size in kB"
}

@test "update --restart: a running container's monitor takes the new policy at its next exit, later starts keep it" {
    run_cc run -d --name upr alpine sh -c 'sleep 1; exit 3'
    run_cc update --restart on-failure:2 upr
    is "$output" "upr"
    run_cc inspect -f '{{.HostConfig.RestartPolicy.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}}' upr
    is "$output" "on-failure 2" "inspect shows the new policy at once"
    wait_until 30 field_is upr 'd["State"]["Status"] + " " + str(d["RestartCount"])' "exited 2"
    run_cc ps -a --filter restart-policy=on-failure --format '{{.Names}}'
    is "$output" "upr" "ps's filter sees it"
    run_cc 1 update --restart bogus upr
    assert_contains "$stderr" "bogus"
    run_cc run --rm -d --name rmr alpine sleep 600
    run_cc 1 update --restart always rmr
    assert_contains "$stderr" "Conflicting options: --restart and --rm"
    run_cc rm -f rmr
}

@test "a monitor whose store is deleted under it ends its container and makes nothing anew" {
    # what a teardown that removes a whole store does to a running
    # always-restarting, health-checked container: its monitor must not
    # restart it, check it, or record its exit into a store made again
    local root=$BATS_TEST_TMPDIR/gone-root
    "$CC" --root "$root" pull -q alpine >/dev/null
    local id
    id=$("$CC" --root "$root" run -d --restart always --health-cmd true --health-interval 1s alpine sleep 1000)
    local mon
    mon=$(pgrep -f "ccontainer-monitor .*$id" | head -1)
    [[ -n $mon ]] || die "no monitor for $id"
    wait_until 10 test -e "$root/containers/$id/health.json"
    rm -rf "$root"
    wait_until 10 sh -c "! kill -0 $mon 2>/dev/null"
    sleep 1.5 # a health tick later: nothing made anew
    [[ ! -e $root ]] || die "the deleted store was made again: $(find "$root" | head -5)"
}
