#!/usr/bin/env bats
#
# Detached containers and their lifecycle: run -d, ps, logs, exec, stop, kill,
# start, restart, rm, wait, inspect, attach, and a monitor that dies.

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
    # never leave a container running
    remove_all_containers
    basic_teardown
}

LOOP='i=0; while true; do echo "line $i"; i=$((i+1)); sleep 0.1; done'

container_field() { # NAME PYEXPR (run_cc's log goes to stderr, only the value to stdout)
    run_cc inspect "$1" >&2
    python3 -c "import json,sys; d=json.load(sys.stdin)[0]; print($2)" <<<"$output"
}

@test "run -d prints the ID, ps shows it Up, logs show the lines" {
    run_cc run -d --name looper alpine sh -c "$LOOP"
    assert_match "$output" '^[0-9a-f]{64}$'
    local id=$output
    wait_for_log looper "line 3"
    run_cc ps
    assert_contains "$output" "${id:0:12}"
    assert_contains "$output" "Up "
    assert_contains "$output" "looper"
    run_cc ps -q
    is "$output" "${id:0:12}"
    run_cc logs --tail 2 looper
    is "$(wc -l <<<"$output")" "2" "--tail 2 prints two lines"
    run_cc logs -t looper
    assert_match "$(head -1 <<<"$output")" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z line 0$'
}

@test "logs keeps stdout and stderr apart, in the documented line format" {
    run_cc run -d --name both alpine sh -c 'echo out; echo err >&2; printf partial'
    run_cc wait both
    wait_for_log both partial
    # json-file, the default: docker's JSON lines
    local log=$CC_ROOT/containers/$(container_field both 'd["Id"]')/ctr.log
    assert_match "$(grep -F '"stdout"' "$log" | head -1)" '^\{"log":"out\\n","stream":"stdout","time":"[0-9T:.-]+Z"\}$'
    run grep -c '^{"log":"err\\n","stream":"stderr",' "$log"
    is "$output" "1"
    # k8s-file: CRI records
    run_cc run --name both-cri --log-driver k8s-file alpine sh -c 'echo out; echo err >&2'
    local clog=$CC_ROOT/containers/$(container_field both-cri 'd["Id"]')/ctr.log
    assert_match "$(grep -F ' stdout ' "$clog")" '^[0-9T:.-]+Z stdout F out$'
    run grep -c ' stderr F err$' "$clog"
    is "$output" "1"
    run_cc logs both
    assert_contains "$output" "out"
    run bash -c "'$CC' --root '$CC_ROOT' logs both 2>/dev/null"
    assert_contains "$output" "out"
    if [[ "$output" == *err* ]]; then die "stderr line went to stdout"; fi
}

@test "logs -f streams until the container exits" {
    run_cc run -d --name short alpine sh -c 'for i in 1 2 3 4 5; do echo tick $i; sleep 0.2; done'
    run_cc logs -f short
    assert_contains "$output" "tick 1"
    assert_contains "$output" "tick 5"
}

@test "exec runs ps inside and sees PID 1; its exit status is exec's" {
    run_cc run -d --name ex alpine sleep 100
    run_cc exec ex ps
    assert_match "$(sed -n 2p <<<"$output")" '^ +1 root .*sleep 100'
    run_cc 7 exec ex sh -c 'exit 7'
    run_cc 127 exec ex nosuchcommand
    run_cc exec -e FOO=bar -u nobody -w /tmp ex sh -c 'echo $FOO $(id -u) $(pwd)'
    is "$output" "bar 65534 /tmp"
}

@test "exec -it under a pseudo-terminal" {
    run_cc run -d --name tt alpine sleep 100
    run timeout 20 script -qec "'$CC' --root '$CC_ROOT' exec -it tt sh -c 'tty; echo ok'" /dev/null
    assert_contains "$output" "/dev/pts/"
    assert_contains "$output" "ok"
}

@test "stop ends a container within the timeout; one that ignores SIGTERM is killed after -t 1" {
    run_cc run -d --name polite alpine sh -c 'trap "exit 0" TERM; while true; do sleep 0.05; done'
    local t0=$SECONDS
    run_cc stop polite
    is "$output" "polite"
    (( SECONDS - t0 < 5 )) || die "stop took $((SECONDS - t0)) s"
    run_cc ps -a
    assert_contains "$output" "Exited (0)"

    run_cc run -d --name stubborn alpine sh -c "$LOOP"
    wait_for_log stubborn "line 1"
    t0=$SECONDS
    run_cc stop -t 1 stubborn
    (( SECONDS - t0 < 5 )) || die "stop -t 1 took $((SECONDS - t0)) s"
    run_cc ps -a
    assert_contains "$output" "Exited (137)"
}

@test "start brings a stopped container back with its writable layer" {
    run_cc run -d --name keeper alpine sh -c 'echo run >> /data.txt; sleep 100'
    run_cc stop -t 1 keeper
    run_cc start keeper
    run_cc ps
    assert_contains "$output" "keeper"
    run_cc exec keeper cat /data.txt
    is "$output" $'run\nrun' "the second start appended to the same file"
    run_cc restart -t 1 keeper
    run_cc exec keeper wc -l /data.txt
    assert_contains "$output" "3"
}

@test "kill -s sends a signal; rm refuses a running container without -f" {
    run_cc run -d --name k alpine sh -c 'trap "echo got-usr1" USR1; while true; do sleep 0.05; done'
    run_cc kill -s USR1 k
    wait_for_log k got-usr1
    run_cc 1 rm k
    assert_contains "$stderr" "container is running"
    run_cc rm -f k
    run_cc ps -aq
    is "$output" ""
    run ls "$CC_ROOT/containers"
    is "$output" ""
}

@test "wait prints the exit code of a container that exits 3" {
    run_cc run -d --name three alpine sh -c 'sleep 0.3; exit 3'
    run_cc wait three
    is "$output" "3"
    run_cc ps -a
    assert_contains "$output" "Exited (3)"
}

@test "inspect a container: state, pid, exit code" {
    run_cc run -d --name insp alpine sleep 100
    is "$(container_field insp 'd["State"]["Status"]')" "running"
    local pid
    pid=$(container_field insp 'd["State"]["Pid"]')
    [[ -d /proc/$pid ]] || die "pid $pid is not alive"
    run_cc kill insp
    run_cc wait insp
    is "$output" "137"
    is "$(container_field insp 'd["State"]["Status"]')" "exited"
    is "$(container_field insp 'd["State"]["ExitCode"]')" "137"
}

@test "names and ID prefixes are accepted; an ambiguous prefix is an error" {
    run_cc run -d --name pfx alpine sleep 100
    local id=$output
    run_cc exec "${id:0:5}" true
    run_cc 125 run -d --name pfx alpine true
    assert_contains "$stderr" "already in use"
}

@test "20 detached containers start at once, all run, all stop and go" {
    local pids=() i
    for i in $(seq 20); do
        timeout 60 "$CC" --root "$CC_ROOT" run -d --name "many$i" alpine sleep 100 >/dev/null 2>&1 &
        pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p" || die "a run -d failed"; done
    run_cc ps -q
    is "$(wc -l <<<"$output")" "20"
    run_cc stop -t 1 $(seq -f 'many%g' 20)
    run_cc ps -q
    is "$output" ""
    run_cc container prune -f
    run_cc ps -aq
    is "$output" ""
}

@test "kill -9 of a monitor: ps shows the container exited, rm leaves nothing" {
    run_cc run -d --name orphan alpine sleep 100
    local id=$output mon
    mon=$(pgrep -f "ccontainer-monitor .* $id ") || die "no monitor for $id"
    local cpid
    cpid=$(container_field orphan 'd["State"]["Pid"]')
    kill -9 "$mon"
    run_cc ps -a
    assert_contains "$output" "Exited"
    local i
    for i in $(seq 50); do
        [[ -d /proc/$cpid ]] || break
        sleep 0.1
    done
    [[ ! -d /proc/$cpid ]] || die "container process $cpid survived"
    run_cc rm orphan
    run ls "$CC_ROOT/containers"
    is "$output" ""
    run grep -c "$CC_ROOT" /proc/self/mountinfo
    is "$output" "0"
}

@test "attach to an -it container, detach with ctrl-p ctrl-q" {
    run_cc run -dit --name att alpine sh
    # tmux gives attach a real terminal; type a command, read it back, detach
    local sess=cc-attach-$$
    tmux new-session -d -s "$sess" -x 120 -y 20 "'$CC' --root '$CC_ROOT' attach att; sleep 5"
    local i ok=
    tmux send-keys -t "$sess" "echo hello-from-attach" Enter
    for i in $(seq 50); do
        if tmux capture-pane -p -t "$sess" | grep -q '^hello-from-attach'; then ok=1; break; fi
        sleep 0.1
    done
    tmux send-keys -t "$sess" C-p C-q
    for i in $(seq 50); do
        tmux capture-pane -p -t "$sess" | grep -q 'read escape sequence' && break
        sleep 0.1
    done
    local pane
    pane=$(tmux capture-pane -p -t "$sess")
    tmux kill-session -t "$sess" 2>/dev/null || true
    [[ -n $ok ]] || die "attach did not show the command's output: $pane"
    assert_contains "$pane" "read escape sequence"
    run_cc ps
    assert_contains "$output" "att"
}

@test "exec runs with the container's capabilities and seccomp profile" {
    run_cc run -d --name priv alpine sleep 100
    run_cc exec priv grep -E '^(CapEff|Seccomp):' /proc/self/status
    assert_contains "$output" "00000000a80425fb"
    assert_match "$output" 'Seccomp:[[:space:]]+2'
    run_cc 1 exec priv unshare -n true
    run_cc run -d --name priv2 --cap-drop NET_RAW alpine sleep 100
    run_cc exec priv2 grep '^CapEff' /proc/self/status
    assert_contains "$output" "00000000a80405fb"
}

@test "ps --format json: one object a line, docker's keys, every value a string" {
    run_cc run -d --name js1 alpine sleep 100
    run_cc run --name js2 alpine true
    run_cc ps -a --format json
    is "${#lines[@]}" 2 "one line per container"
    is "$(jq -sc 'map([.Names, .State]) | sort' <<<"$output")" '[["js1","running"],["js2","exited"]]'
    is "$(jq -c 'keys' <<<"${lines[0]}")" \
        '["Command","CreatedAt","ID","Image","Labels","LocalVolumes","Mounts","Names","Networks","Ports","RunningFor","Size","State","Status"]'
    is "$(jq -s 'map(.[] | type) | unique | join(",")' <<<"$output")" '"string"' "every value a string"
    is "$(jq -r 'select(.Names == "js1") | .Command' <<<"$output")" '"sleep 100"'
    assert_match "$(jq -r 'select(.Names == "js1") | .ID' <<<"$output")" '^[0-9a-f]{12}$'
}

@test "ps: filters, -n/--last, -l, --noheading, and COMMAND cut at 20 columns with the table aligned" {
    run_cc 3 run --name f1 alpine sh -c 'exit 3'
    run_cc run -d --name f2 alpine sleep 100
    run_cc run -d --name f3 alpine sh -c 'echo ééééééééééééééééééééééé; sleep 100'
    run_cc ps -a --filter status=exited --format json
    is "$(jq -r .Names <<<"$output")" "f1" "status=exited"
    run_cc ps -a --filter exited=3 -q
    is "${#lines[@]}" 1 "exited=3"
    run_cc ps -a --filter exited=0 -q
    is "$output" "" "exited=0"
    run_cc ps -a -f name=f2 -f name=f3 --format json
    is "$(jq -sc 'map(.Names) | sort' <<<"$output")" '["f2","f3"]' "two values of one key: either"
    run_cc ps -a -f name=f2 -f status=exited -q
    is "$output" "" "two keys: both"
    run_cc ps -a -f ancestor=alpine -q
    is "${#lines[@]}" 3 "ancestor"
    run_cc ps -a -f since=f1 --format json
    is "$(jq -sc 'map(.Names) | sort' <<<"$output")" '["f2","f3"]' "since"
    run_cc ps -a -f before=f2 --format json
    is "$(jq -r .Names <<<"$output")" "f1" "before"
    run_cc ps -a -f network=none -q
    is "$output" "" "network"
    run_cc 125 ps -f bogus=1
    is "$stderr" "Error: invalid filter 'bogus'"
    run_cc 125 ps -f status=sleepy
    run_cc ps -n 1 --format json
    is "$(jq -r .Names <<<"$output")" "f3" "--last 1"
    run_cc ps -l -q
    is "${#lines[@]}" 1 "--latest"
    run_cc ps -a --noheading
    is "${#lines[@]}" 3 "--noheading"
    # every row's NAMES column starts where the header's does, in characters
    run_cc ps
    local col
    col=$(awk 'NR==1 { print index($0, "NAMES") }' <<<"$output")
    local LC_ALL=C.UTF-8 # ${l:N} counts characters
    while IFS= read -r l; do
        is "${l:col-1}" "${l##* }" "NAMES aligned"
    done < <(tail -n +2 <<<"$output")
    # docker: the daemon's command (arguments with a space in single quotes)
    # cut to 19 runes and "…" (20 columns, formatter.Ellipsis), then quoted
    assert_contains "$output" '"sh -c '"'"'echo ééééééé…"' "cut at 20 columns"
}

@test "inspect a container shows its mounts" {
    mkdir -p "$BATS_TEST_TMPDIR/vol"
    run_cc run --name mnts -v "$BATS_TEST_TMPDIR/vol:/data:ro" --tmpfs /scratch --network none alpine true
    run_cc inspect mnts
    is "$(jq -c '[.[0].Mounts[] | [.Type, .Source, .Destination, .RW]]' <<<"$output")" \
        "[[\"bind\",\"$BATS_TEST_TMPDIR/vol\",\"/data\",false]]" "Mounts: the bind (docker lists --tmpfs in HostConfig only)"
    is "$(jq -c '.[0].HostConfig.Tmpfs' <<<"$output")" '{"/scratch":""}' "HostConfig.Tmpfs"
}

@test "run -d and start: a command not found exits 127, one not executable 126, as in the foreground" {
    run_cc 127 run -d --name nf alpine nosuchcommand
    assert_contains "$stderr" 'exec: "nosuchcommand": executable file not found in $PATH'
    run_cc 126 run -d --name ne alpine /etc/passwd
    assert_contains "$stderr" 'exec: "/etc/passwd": permission denied'
    run_cc 127 start nf
    run_cc ps -a
    assert_contains "$output" "Exited (127)"
    assert_contains "$output" "Exited (126)"
}

@test "the exit status survives a ccontainer that is gone when the container exits" {
    # run -d from a copy of the binary that is removed while the container
    # runs: its monitor cannot exec __cleanup, but wrote the status first
    local bin=$BATS_TEST_TMPDIR/bin
    mkdir -p "$bin"
    cp "$CC" "$bin/ccontainer"
    cp "$(dirname "$CC")/ccontainer-monitor" "$bin/ccontainer-monitor"
    run timeout 30 "$bin/ccontainer" --root "$CC_ROOT" run -d --name gone alpine sh -c 'sleep 1; exit 3'
    is "$status" 0
    local id=$output
    rm "$bin/ccontainer"
    # the monitor holds the lock until it is done; then ps finishes it
    local i
    for i in $(seq 100); do
        [[ -e "$CC_ROOT/containers/$id/exit" ]] && ! pgrep -f "ccontainer-monitor .* $id " >/dev/null && break
        sleep 0.1
    done
    is "$(cat "$CC_ROOT/containers/$id/exit")" "3" "the monitor's record"
    run_cc ps -a
    assert_contains "$output" "Exited (3)"
    run_cc wait gone
    is "$output" "3"
    is "$(net_lease_count)" 0 "leases left"
    run_cc rm gone
}

@test "start of a container whose image config is gone names the cause" {
    run_cc run -d --name cfgless alpine true
    run_cc wait cfgless
    local cfg
    cfg=$(container_field cfgless 'd["Image"]')
    rm "$CC_ROOT/blobs/sha256/${cfg#sha256:}"
    run_cc 1 start cfgless
    assert_match "$stderr" "^Error: read config of image $cfg: open '.*': No such file or directory$"
}

@test "run -d and start keep arguments that are not UTF-8 byte for byte" {
    # the stored run arguments are JSON; such an argument was dropped
    # (jansson refuses the string), so the container ran without it
    run_cc run -d --name bytes alpine sh -c 'printf %s "$1" | od -An -tx1' sh $'a\xffb'
    run_cc wait bytes
    is "$output" 0 "exit code"
    run_cc logs bytes
    is "$(echo $output)" "61 ff 62" "the argument the container got"
    run_cc start bytes
    run_cc wait bytes
    run_cc logs bytes
    is "$(echo $output)" "61 ff 62 61 ff 62" "and again after start"
}

@test "container verbs on tables: flags after names, -a/--all, --ignore, kill -s by number, stop -s, rm -t" {
    run_cc run -d --name one alpine sh -c 'trap "echo got-usr2" USR2; trap "echo got-term; exit 3" TERM; while true; do sleep 0.05; done'
    run_cc run -d --name two alpine sleep 600
    # a signal by number and by its SIG name; flags after the name
    run_cc kill one -s 12
    wait_for_log one got-usr2
    run_cc 125 kill -s NOSUCH one
    assert_contains "$stderr" "invalid signal: NOSUCH"
    # stop -s chooses the signal; the trap's status is the container's
    run_cc stop one -s SIGTERM -t 5
    is "$output" "one"
    run_cc wait one
    is "$output" "3"
    # rm c -f: the flag after the name removes c, never "no such container: -f"
    run_cc rm two -f -t 1
    is "$output" "two"
    assert_not_contains "$stderr" "No such container"
    # --ignore: a missing name is no error; without it, exit 1
    run_cc rm --ignore nosuch one
    is "$output" "one"
    run_cc 1 rm nosuch
    is "$stderr" "Error: No such container: nosuch"
    # -a with names is refused; -a alone covers every container
    run_cc run -d --name three alpine sleep 600
    run_cc 125 stop -a three
    run_cc stop -a -t 1
    run_cc ps -q
    is "$output" ""
    run_cc rm --all
    run_cc ps -aq
    is "$output" ""
    run_cc 125 rm
    assert_contains "$stderr" "requires at least 1 argument"
}

@test "start, stop, rm --filter (podman): ps's filters over the named containers, or over all" {
    run_cc run --name ex1 alpine true
    run_cc 3 run --name ex2 alpine sh -c 'exit 3'
    run_cc run -d --name up1 alpine sleep 600
    run_cc inspect -f '{{.Id}}' ex2
    local id2=$output
    # no names: every container that passes
    run_cc start --filter exited=3
    is "$output" "$id2" "start --filter exited=3 starts ex2 alone, echoing its ID"
    run_cc wait ex2
    run_cc ps -a --filter status=exited --format '{{.Names}}'
    is "$(sort <<<"$output")" "ex1"$'\n'"ex2" "ex1 never started"
    # names: those of them that pass
    run_cc stop -t 1 --filter name=up up1 ex1
    is "$output" "up1" "stop: only the named one that passes"
    run_cc rm --filter status=exited --filter name=ex ex1
    is "$output" "ex1"
    run_cc ps -a --format '{{.Names}}'
    is "$(sort <<<"$output")" "ex2"$'\n'"up1" "the others stay"
    run_cc 125 start --filter bogus=1
    is "$stderr" "Error: invalid filter 'bogus'"
    run_cc 125 rm --filter noequals
    assert_contains "$stderr" "bad format of filter (expected name=value): noequals"
}

@test "container prune asks first; --help never removes; -f does not ask" {
    run_cc run --name stopped1 alpine true
    run_cc container prune --help
    assert_contains "$output" "--force"
    run_cc ps -aq
    is "${#lines[@]}" 1 "prune --help removed nothing"
    # no answer (stdin closed) and "n" keep it
    run_cc container prune
    assert_contains "$stderr" "Are you sure you want to continue? [y/N]"
    run_cc ps -aq
    is "${#lines[@]}" 1 "kept without an answer"
    echo n >"$BATS_TEST_TMPDIR/no"
    CC_STDIN=$BATS_TEST_TMPDIR/no run_cc container prune
    run_cc ps -aq
    is "${#lines[@]}" 1 "kept on n"
    echo y >"$BATS_TEST_TMPDIR/yes"
    CC_STDIN=$BATS_TEST_TMPDIR/yes run_cc container prune
    assert_contains "$output" "Deleted Containers:"
    run_cc ps -aq
    is "$output" "" "removed on y"
    run_cc run --name stopped2 alpine true
    run_cc container prune -f
    assert_contains "$output" "Deleted Containers:"
    run_cc ps -aq
    is "$output" ""
}

@test "run and exec: the words after the image or container are the command's, never ccontainer's flags" {
    # a hostile or careless command line: help, global and verb flags after the image
    run_cc run --rm alpine sh -c 'echo "$*"' sh --help -h --root=/nonexistent --rm=false -itd
    is "$output" "--help -h --root=/nonexistent --rm=false -itd"
    run_cc run -d --name words alpine sleep 100
    run_cc exec words sh -c 'echo "$*"' sh --help -h -d -- -u
    is "$output" "--help -h -d -- -u"
    # and before it, --help prints help and runs nothing
    run_cc run --help
    assert_contains "$output" "Usage:"
    run_cc exec --help
    assert_contains "$output" "Usage:"
    run_cc ps -aq
    is "${#lines[@]}" 1 "only the detached container exists"
}

@test "rename: running and stopped containers; docker's errors" {
    run_cc run -d --name before alpine sleep 600
    run_cc inspect -f '{{.Id}}' before
    local id=$output
    run_cc rename before after
    is "$output" "" "rename prints nothing"
    run_cc inspect -f '{{.Name}} {{.State.Running}}' "$id"
    is "$output" "/after true" "renamed while running"
    run_cc exec after true
    run_cc 1 inspect before
    run_cc run --name other alpine true
    run_cc 1 rename after other
    assert_contains "$stderr" 'Conflict. The container name "/other" is already in use by container "'
    run_cc 1 rename after after
    is "$stderr" "Error: Renaming a container with the same name as its current name"
    run_cc 1 rename after 'bad name'
    assert_contains "$stderr" "Invalid container name (bad name), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"
    run_cc 1 rename nosuch x
    is "$stderr" "Error: No such container: nosuch"
    run_cc stop -t 0 after
    run_cc container rename after again
    run_cc start again
    run_cc ps --format '{{.Names}}'
    is "$output" "again" "a renamed container starts under its new name"
}

@test "wait --condition not-running|next-exit|removed" {
    run_cc 3 run --name w1 alpine sh -c 'exit 3'
    run_cc wait --condition not-running w1
    is "$output" "3" "not-running: at once for an exited container"
    # next-exit: the run that has not ended yet, here one that has not started
    local out=$BATS_TEST_TMPDIR/next
    "$CC" --root "$CC_ROOT" wait --condition next-exit w1 >"$out" 2>&1 &
    local pid=$!
    sleep 0.3
    kill -0 "$pid" || die "wait --condition next-exit returned before the next exit: $(cat "$out")"
    run_cc start w1
    wait "$pid" || die "wait --condition next-exit failed: $(cat "$out")"
    is "$(cat "$out")" "3" "the next exit's code"
    # removed: waits for rm
    out=$BATS_TEST_TMPDIR/removed
    "$CC" --root "$CC_ROOT" wait --condition=removed w1 >"$out" 2>&1 &
    pid=$!
    sleep 0.3
    kill -0 "$pid" || die "wait --condition removed returned before rm: $(cat "$out")"
    run_cc rm w1
    wait "$pid" || die "wait --condition removed failed: $(cat "$out")"
    is "$(cat "$out")" "3" "removed: the last exit code"
    run_cc 125 wait --condition bogus w1
    assert_contains "$stderr" 'invalid condition "bogus"'
}

@test "create, then start: run's options; --cidfile; --stop-signal and --stop-timeout" {
    local cid=$BATS_TEST_TMPDIR/cid
    run_cc create --name made --cidfile "$cid" --stop-signal USR1 --stop-timeout 3 -e K=v alpine \
        sh -c 'trap "echo got-usr1; exit 5" USR1; echo "K=$K"; while true; do sleep 0.05; done'
    local id=$output
    is "$(cat "$cid")" "$id" "--cidfile holds the ID"
    run_cc ps -a --format '{{.Names}} {{.State}} {{.Status}}'
    is "$output" "made created Created" "created, not running"
    run_cc inspect -f '{{.State.Status}} {{.Config.StopSignal}} {{.Config.StopTimeout}}' made
    is "$output" "created USR1 3"
    run_cc start made
    wait_for_log made "K=v"
    run_cc stop made
    run_cc inspect -f '{{.State.ExitCode}}' made
    is "$output" "5" "stop sent the container's --stop-signal"
    run_cc logs made
    assert_contains "$output" "got-usr1"
    # a cidfile that exists: docker's refusal, nothing made
    run_cc 125 run --rm --cidfile "$cid" alpine true
    is "$stderr" "Error: Container ID file found, make sure the other container isn't running or delete $cid"
    run_cc ps -aq
    is "${#lines[@]}" 1 "nothing new"
    run_cc 125 create --stop-signal NOPE alpine true
    is "$stderr" "Error: invalid signal: NOPE"
    run_cc 125 create -d alpine true
    assert_contains "$stderr" "unknown shorthand flag: 'd' in -d"
    run_cc create --help
    assert_not_contains "$output" "--detach" "create takes run's options but --detach"
    run_cc create --help
    assert_contains "$output" "Usage:  ccontainer create [OPTIONS] IMAGE [COMMAND] [ARG...]"
}

@test "stop -t: the container's --stop-timeout when not given; -1 waits" {
    run_cc run -d --name st --stop-timeout 1 alpine sleep 600
    local start=$SECONDS
    run_cc stop st # sleep as PID 1 ignores SIGTERM: SIGKILL after the container's 1 s
    (( SECONDS - start < 8 )) || die "stop took $((SECONDS - start)) s, not about 1"
    run_cc inspect -f '{{.State.ExitCode}}' st
    is "$output" "137"
    run_cc 125 stop -t -2 st
    assert_contains "$stderr" "invalid timeout -2"
}

@test "create resolves env and label files once; --cidfile in a missing directory leaves nothing" {
    printf 'FROM_FILE=first\n' >"$BATS_TEST_TMPDIR/env"
    printf 'tier=first\n' >"$BATS_TEST_TMPDIR/labels"
    run_cc create --name once --env-file "$BATS_TEST_TMPDIR/env" --label-file "$BATS_TEST_TMPDIR/labels" \
        alpine sh -c 'echo "FROM_FILE=$FROM_FILE"'
    printf 'FROM_FILE=second\n' >"$BATS_TEST_TMPDIR/env"
    rm "$BATS_TEST_TMPDIR/labels"
    run_cc start once
    run_cc wait once
    run_cc logs once
    is "$output" "FROM_FILE=first" "the environment as it was at create"
    run_cc inspect -f '{{.Config.Labels.tier}}' once
    is "$output" "first"
    run_cc 125 run --rm --cidfile "$BATS_TEST_TMPDIR/no/such/dir/cid" alpine true
    assert_contains "$stderr" "create the container ID file"
    run_cc ps -aq
    is "${#lines[@]}" 1 "no container made"
    run_cc create --name sig --stop-signal SIGRTMIN+3 alpine true
    run_cc inspect -f '{{.Config.StopSignal}}' sig
    is "$output" "SIGRTMIN+3"
}

@test "start -a: the output from the start on, the container's exit status; -i: stdin too" {
    run_cc create --name sa alpine sh -c 'echo first; echo err >&2; sleep 0.3; echo last; exit 4'
    run_cc 4 start -a sa
    is "$output" "first"$'\n'"last" "stdout, none of it lost"
    is "$stderr" "err" "stderr apart"
    run_cc 4 start --attach sa
    is "$output" "first"$'\n'"last" "a second start shows its own run only"
    run_cc create -i --name si alpine head -n1
    echo "one-line" >"$BATS_TEST_TMPDIR/in"
    CC_STDIN=$BATS_TEST_TMPDIR/in run_cc start -ai si
    is "$output" "one-line" "-i: stdin reaches the container"
    run_cc 125 start -a sa si
    assert_contains "$stderr" "you cannot start and attach multiple containers at once"
}

# The resolved spec (lib/container): what a start reads, never the command line.
spec_sql() { # NAME SQL-EXPRESSION-OVER-config_json
    sqlite3 "$CC_ROOT/store.db" "UPDATE containers SET config_json = $2 WHERE name = '$1'"
}

@test "a container keeps its resolved spec; one an older ccontainer made (run arguments) is upgraded at its start" {
    run_cc create --name spec1 -e FOO=bar --memory 64m --ulimit nofile=512:1024 alpine sh -c 'echo "$FOO"; ulimit -n'
    local cfg
    cfg=$(sqlite3 -readonly "$CC_ROOT/store.db" "SELECT config_json FROM containers WHERE name = 'spec1'")
    is "$(jq -r '.Spec.Version' <<<"$cfg")" "1" "the spec's version"
    is "$(jq -c '.Spec.Argv' <<<"$cfg")" '["sh","-c","echo \"$FOO\"; ulimit -n"]' "the command, resolved"
    is "$(jq -r '.Spec.Memory' <<<"$cfg")" "67108864" "the limit, in bytes"
    is "$(jq -r 'has("Args")' <<<"$cfg")" "false" "no run arguments are stored"
    run_cc start -a spec1
    is "$output" $'bar\n512'

    # the same container as an older ccontainer stored it: its run arguments, no spec
    spec_sql spec1 "json_set(json_remove(config_json, '\$.Spec'), '\$.Args',
        json('[\"--env=FOO=old\",\"--memory=32m\",\"--ulimit=nofile=256:1024\",\"--\",\"alpine\",\"sh\",\"-c\",\"echo \\\"\$FOO\\\"; ulimit -n\"]'))"
    # inspect reads them without storing anything
    run_cc inspect --format '{{.HostConfig.Memory}} {{index .Config.Cmd 2}}' spec1
    is "$output" '33554432 echo "$FOO"; ulimit -n'
    cfg=$(sqlite3 -readonly "$CC_ROOT/store.db" "SELECT config_json FROM containers WHERE name = 'spec1'")
    is "$(jq -r 'has("Spec")' <<<"$cfg")" "false" "inspect stored nothing"
    # the start makes the spec from them and stores it in their place
    run_cc start -a spec1
    is "$output" $'old\n256'
    cfg=$(sqlite3 -readonly "$CC_ROOT/store.db" "SELECT config_json FROM containers WHERE name = 'spec1'")
    is "$(jq -r '.Spec.Version, .Spec.Memory, has("Args")' <<<"$cfg" | tr '\n' ' ')" "1 33554432 false " \
        "the spec replaced the run arguments"
    run_cc start -a spec1
    is "$output" $'old\n256' "and the next start reads the spec"
}

@test "a spec this ccontainer cannot read is refused in one line, and nothing starts" {
    run_cc create --name spec2 alpine true
    spec_sql spec2 "json_set(config_json, '\$.Spec.Version', 99)"
    run_cc 1 start spec2
    assert_contains "$stderr" "spec is version 99, this ccontainer knows up to 1: it was created by a newer ccontainer"
    is "$(grep -c '^Error' <<<"$stderr")" "1" "one error line"
    run_cc inspect --format '{{.State.Status}}' spec2
    is "$output" "created"
    spec_sql spec2 "json_set(config_json, '\$.Spec.Version', 1, '\$.Spec.Argv', json('[]'))"
    run_cc 1 start spec2
    assert_contains "$stderr" "'Argv' is not a command"
    # and neither spec nor run arguments
    spec_sql spec2 "json_remove(config_json, '\$.Spec')"
    run_cc 1 start spec2
    assert_contains "$stderr" "has neither a spec nor its run arguments"
    run_cc rm spec2
}

@test "update changes the spec a later start uses (040 checks the cgroup)" {
    run_cc create --name spec3 --memory 64m alpine true
    run_cc update --memory 96m --cpus 0.5 --restart on-failure:2 spec3
    local cfg
    cfg=$(sqlite3 -readonly "$CC_ROOT/store.db" "SELECT config_json FROM containers WHERE name = 'spec3'")
    is "$(jq -r '[.Spec.Memory, .Spec.NanoCpus, .Spec.CpuQuota, .RestartPolicy.Name, .RestartPolicy.MaximumRetryCount] | join(" ")' <<<"$cfg")" \
        "100663296 500000000 50000 on-failure 2"
    run_cc inspect --format '{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{.HostConfig.RestartPolicy.Name}}' spec3
    is "$output" "100663296 500000000 on-failure"
}

@test "two rm -f of one container at once: it goes once, one destroy event" {
    run_cc run -d --name twice alpine sleep 600
    local id=$output
    "$CC" --root "$CC_ROOT" rm -f twice >"$BATS_TEST_TMPDIR/a.out" 2>"$BATS_TEST_TMPDIR/a.err" &
    local a=$!
    "$CC" --root "$CC_ROOT" rm -f twice >"$BATS_TEST_TMPDIR/b.out" 2>"$BATS_TEST_TMPDIR/b.err" &
    local b=$!
    local ra=0 rb=0
    wait "$a" || ra=$?
    wait "$b" || rb=$?
    # at least one says it removed it; the other did too or says why not, in one line
    [[ $ra -eq 0 || $rb -eq 0 ]] || die "neither rm succeeded: $(cat "$BATS_TEST_TMPDIR"/[ab].err)"
    for f in a b; do
        [[ ! -s $BATS_TEST_TMPDIR/$f.err ]] || grep -Eq 'No such container|already in progress' "$BATS_TEST_TMPDIR/$f.err" ||
            die "unexpected: $(cat "$BATS_TEST_TMPDIR/$f.err")"
    done
    run_cc 1 inspect twice
    run_cc events --since 0 --until 0s --filter "container=$id" --filter event=destroy --format '{{.Action}}'
    is "$output" "destroy" "one destroy event"
}
