#!/usr/bin/env bats
#
# events (system events): what the image verbs record in the store's events
# log, read back with docker's formats and filters, followed, rotated.

load helpers

setup_file() {
    file_setup
    start_registry
    seed_alpine test/alpine:latest
}

# docker's time stamp: RFC3339NanoFixed, local time (Z in UTC)
TS='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}(Z|[+-][0-9]{2}:[0-9]{2})'

# pull_alpine: pull $REGISTRY/test/alpine:latest quietly; sets $ALPINE and $ID.
pull_alpine() {
    ALPINE=$REGISTRY/test/alpine:latest
    run_cc pull -q "$ALPINE"
    ID=$output
}

@test "events: pull, tag, rmi in order, in docker's text format" {
    pull_alpine
    run_cc tag "$ALPINE" myimg:v1
    run_cc rmi myimg:v1
    run_cc rmi "$ALPINE"
    run_cc events --since 1m --until 0s
    local repo=$REGISTRY/test/alpine
    assert_match "${lines[0]}" "^$TS image pull $(regex_quote "$ALPINE") \(name=$(regex_quote "$repo")\)$" "pull"
    assert_match "${lines[1]}" "^$TS image tag $ID \(name=myimg:v1\)$" "tag"
    assert_match "${lines[2]}" "^$TS image untag $ID \(name=myimg:v1\)$" "rmi of one of two names: untag"
    assert_match "${lines[3]}" "^$TS image untag $ID \(name=$(regex_quote "$ALPINE")\)$" "rmi: untag its name"
    assert_match "${lines[4]}" "^$TS image untag $ID \(name=$(regex_quote "$repo")@sha256:[0-9a-f]{64}\)$" \
        "rmi: untag its repo digest"
    assert_match "${lines[5]}" "^$TS image delete $ID \(name=$ID\)$" "rmi: delete"
    is "${#lines[@]}" 6 "events in all"

    # system events is the same verb; without --since/--until nothing from
    # the past is shown (docker's): --until alone shows the past up to it
    run_cc system events --until 0s
    is "${#lines[@]}" 6 "system events --until 0s"
}

@test "events --format json and Go templates" {
    pull_alpine
    run_cc tag "$ALPINE" myimg:v1
    run_cc events --since 1m --until 0s --format json
    is "${#lines[@]}" 2 "lines"
    is "$(jq -r '.Type' <<<"${lines[1]}")" image ".Type"
    is "$(jq -r '.Action' <<<"${lines[1]}")" tag ".Action"
    is "$(jq -r '.status' <<<"${lines[1]}")" tag "old-style .status"
    is "$(jq -r '.id' <<<"${lines[1]}")" "$ID" "old-style .id"
    is "$(jq -r '.Actor.ID' <<<"${lines[1]}")" "$ID" ".Actor.ID"
    is "$(jq -r '.Actor.Attributes.name' <<<"${lines[1]}")" myimg:v1 ".Actor.Attributes.name"
    is "$(jq -r '.scope' <<<"${lines[1]}")" local ".scope"
    is "$(jq -r '(.timeNano / 1000000000 | floor) == .time' <<<"${lines[1]}")" true ".time and .timeNano"
    is "$(jq -r '.Actor.Attributes.name' <<<"${lines[0]}")" "$REGISTRY/test/alpine" "pull's name"

    run_cc events --since 1m --until 0s --format '{{json .}}'
    is "$(jq -r '.Action' <<<"${lines[1]}")" tag "{{json .}} is json"

    run_cc events --since 1m --until 0s --format '{{.Type}} {{.Action}} {{.Actor.ID}} {{.Actor.Attributes.name}} {{.Status}} {{.ID}}'
    is "${lines[1]}" "image tag $ID myimg:v1 tag $ID" "template"
    run_cc events --since 1m --until 0s --format '{{.TimeNano}} {{.Time}} {{.From}}|{{.Scope}}'
    assert_match "${lines[0]}" '^[0-9]{19} [0-9]{10} \|local$' "template's times"

    run_cc events --since 1m --until 0s --format '{{.Actor.Attributes.nope}}'
    is "${lines[0]}" "<no value>" "an attribute the event does not have"

    # docker checks a template (parsed, run on an empty event): status 64
    run_cc 64 events --since 1m --until 0s --format '{{.Action'
    assert_match "$stderr" '^Error parsing format: template: ' "a template that does not parse"
    run_cc 64 events --format '{{index .Actor.ID 5}}'
    assert_match "$stderr" '^Error parsing format: template: ' "a template that fails on an empty event"
}

@test "events --filter: event, type, image; keys AND, values OR" {
    pull_alpine
    run_cc tag "$ALPINE" myimg:v1
    run_cc tag "$ALPINE" other:v2
    run_cc events --since 1m --until 0s --filter event=tag --format '{{.Action}} {{.Actor.Attributes.name}}'
    is "$output" "tag myimg:v1
tag other:v2" "event=tag"
    run_cc events --since 1m --until 0s --filter type=image --format '{{.Action}}'
    is "$output" "pull
tag
tag" "type=image"
    run_cc events --since 1m --until 0s --filter type=container
    is "$output" "" "type=container"
    run_cc events --since 1m --until 0s --filter image=myimg --format '{{.Action}} {{.Actor.Attributes.name}}'
    is "$output" "tag myimg:v1" "image=REPO (the tag stripped)"
    run_cc events --since 1m --until 0s --filter "image=$REGISTRY/test/alpine" --format '{{.Action}}'
    is "$output" "pull" "image= the pulled repository"
    run_cc events --since 1m --until 0s --filter "image=$ID" --format '{{.Action}}'
    is "$output" "tag
tag" "image=ID"
    run_cc events --since 1m --until 0s --filter event=pull --filter event=tag --format '{{.Action}}'
    is "$output" "pull
tag
tag" "one key twice: OR"
    run_cc events --since 1m --until 0s --filter event=pull --filter image=myimg
    is "$output" "" "two keys: AND"

    run_cc 1 events --since 1m --until 0s --filter bogus=1
    is "$stderr" "Error: invalid filter 'bogus'" "unknown key"
    run_cc 1 events --filter event
    is "$stderr" "Error: bad format of filter (expected name=value)" "no ="
    run_cc 125 events --since yesterday
    assert_contains "$stderr" 'failed to parse value as time or duration: "yesterday"' "bad --since"
    run_cc 1 events --since 1m --until 2m
    assert_contains "$stderr" 'cannot be after `until` time' "--since after --until"
}

@test "events follows new events until killed" {
    pull_alpine
    cc_bg follow events --format '{{.Action}} {{.Actor.Attributes.name}}'
    local pid=$CC_BG_PID out=$BATS_TEST_TMPDIR/follow.out
    # the follower is ready once it watches the store: its inotify fd
    wait_until 10 follower_watching "$pid"
    run_cc tag "$ALPINE" followed:v1
    wait_until 10 file_contains "$out" '^tag followed:v1$'
    run_cc rmi followed:v1
    wait_until 10 file_contains "$out" '^untag followed:v1$'
    # nothing from before it started (the pull)
    run cat "$out"
    is "$output" "tag followed:v1
untag followed:v1" "followed events"
    kill -TERM "$pid"
    wait_bg "$pid" 10
    is "$status" 0 "SIGTERM ends events quietly"
}

# follower_watching PID: PID has an inotify fd open
follower_watching() {
    local fd
    for fd in /proc/"$1"/fd/*; do
        [[ "$(readlink "$fd" 2>/dev/null)" == "anon_inode:inotify" ]] && return 0
    done
    return 1
}

@test "events --until in the past exits at once" {
    pull_alpine
    local start=$SECONDS
    run_cc events --since 1h --until 0s --format '{{.Action}}'
    is "$output" "pull" "the past up to --until"
    run_cc events --until 2000-01-01T00:00:00Z
    is "$output" "" "nothing before 2000"
    assert_le $((SECONDS - start)) 5 "seconds taken"
    # --until in the future: follows until then, then ends by itself
    cc_bg until events --until "$(date -u -d '+4 seconds' +%Y-%m-%dT%H:%M:%SZ)" --format '{{.Action}}'
    local pid=$CC_BG_PID
    wait_until 10 follower_watching "$pid"
    run_cc tag "$ALPINE" soon:v1
    wait_bg "$pid" 10
    is "$status" 0 "ended at --until"
    # docker: with --until, the past up to it too (since the start)
    run cat "$BATS_TEST_TMPDIR/until.out"
    is "$output" "pull
tag" "what came before --until"
}

@test "events skips lines that are not events" {
    pull_alpine
    {
        echo 'not json'
        echo '{"Type":"image","Action":"tag"}'
        head -c 70000 /dev/zero | tr '\0' 'x'
        echo
    } >>"$CC_ROOT/events.log"
    run_cc tag "$ALPINE" after:v1
    run_cc events --since 1m --until 0s --format '{{.Action}}'
    is "$output" "pull
tag" "the events, without the junk"
}

@test "events log rotation: one old generation, reading and following go on" {
    export CCONTAINER_EVENTS_MAX_SIZE=1k
    pull_alpine
    cc_bg follow events --format '{{.Actor.Attributes.name}}'
    local pid=$CC_BG_PID out=$BATS_TEST_TMPDIR/follow.out
    wait_until 10 follower_watching "$pid"
    local i
    for i in $(seq 1 12); do
        run_cc tag "$ALPINE" "rot:v$i"
        # each one seen before the next: no two rotations between reads
        wait_until 10 file_contains "$out" "^rot:v$i\$"
    done
    run cat "$out"
    is "$output" "$(printf 'rot:v%s\n' $(seq 1 12))" "followed across rotations"
    [[ -f "$CC_ROOT/events.log.1" ]] || die "no events.log.1"
    assert_file_absent "$CC_ROOT/events.log.2"
    local size
    size=$(stat -c %s "$CC_ROOT/events.log")
    assert_le "$size" 1024 "events.log size"
    run_cc events --since 1h --until 0s --format '{{.Actor.Attributes.name}}'
    is "${lines[-1]}" "rot:v12" "the newest event is read"
    assert_le "${#lines[@]}" 12 "older events are dropped"
    kill -TERM "$pid"
    wait_bg "$pid" 10
}

@test "events: import, save, load and image prune are recorded" {
    local tarball id
    tarball=$(alpine_tarball)
    run_cc import "$tarball" localhost/imported:1
    id=$output
    run_cc save -o "$BATS_TEST_TMPDIR/img.tar" localhost/imported:1
    run_cc rmi localhost/imported:1
    run_cc load -q -i "$BATS_TEST_TMPDIR/img.tar"
    run_cc untag localhost/imported:1
    run_cc image prune -f
    run_cc events --since 1m --until 0s --format '{{.Type}} {{.Action}} {{.Actor.ID}} {{.Actor.Attributes.name}}'
    is "$output" "image tag $id localhost/imported:1
image import $id $id
image save $id localhost/imported:1
image untag $id localhost/imported:1
image delete $id $id
image load $id localhost/imported:1
image untag $id localhost/imported:1
image delete $id $id
image prune  <no value>" "events of import, save, rmi, load, untag, prune"
    run_cc events --since 1m --until 0s --filter event=prune --format json
    assert_match "$(jq -r '.Actor.Attributes.reclaimed' <<<"$output")" '^[1-9][0-9]*$' "prune's reclaimed bytes"
}

@test "events: a container's lifecycle in order, with docker's attributes" {
    pull_alpine
    run_cc tag "$ALPINE" alp
    run_cc run -d --name ev -l team=a alp sleep 600
    local id
    run_cc inspect -f '{{.Id}}' ev
    id=$output
    run_cc exec ev true
    run_cc pause ev
    run_cc unpause ev
    run_cc kill -s USR1 ev
    run_cc stop -t 1 ev # sleep as PID 1 ignores SIGTERM: SIGKILL after the second
    run_cc rename ev ev2
    run_cc start ev2
    run_cc restart -t 0 ev2
    run_cc rm -f ev2
    run_cc 3 run --rm --name ev3 alp sh -c 'exit 3'
    run_cc events --since 1m --until 0s --filter type=container --format '{{.Action}} {{.Actor.Attributes.name}}'
    local want=(
        "create ev" "start ev" "exec_create: true ev" "exec_start: true ev" "pause ev" "unpause ev"
        "kill ev" "kill ev" "kill ev" "die ev" "stop ev" "rename ev2" "start ev2"
        "kill ev2" "kill ev2" "die ev2" "stop ev2" "start ev2" "restart ev2"
        "kill ev2" "die ev2" "destroy ev2" "create ev3" "start ev3" "die ev3" "destroy ev3"
    )
    is "$output" "$(printf '%s\n' "${want[@]}")" "the actions in order"
    run_cc events --since 1m --until 0s --filter container=ev2 --filter event=die --format json
    is "$(jq -r '[.Actor.ID, .Actor.Attributes.exitCode, .Actor.Attributes.team, .Actor.Attributes.image, .status, .id] | join(" ")' <<<"${lines[0]}")" \
        "$id 137 a alp die $id" "die: ID, exitCode, labels, image, docker's old fields"
    run_cc events --since 1m --until 0s --filter event=kill --format '{{.Actor.Attributes.signal}}'
    is "$(head -3 <<<"$output")" "10"$'\n'"15"$'\n'"9" "kill: the signal's number"
    run_cc events --since 1m --until 0s --filter event=rename --format '{{.Actor.Attributes.oldName}}'
    is "$output" "/ev" "rename: the old name with docker's slash"
    run_cc events --since 1m --until 0s --filter container=ev3 --filter event=die --format '{{.Actor.Attributes.exitCode}}'
    is "$output" "3" "a foreground run's exit code"
}
