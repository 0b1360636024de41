#!/usr/bin/env bats
#
# ps through docker's --format: the default table, table TEMPLATE, json,
# plain templates, raw, --noheading, -q, --no-trunc, -s, --sort, template
# errors, and the values docker's CLI formatter gives each field.

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

@test "ps --format: a plain template, a row a line; table TEMPLATE: a header row and columns" {
    run_cc run -d --name web alpine sleep 1000
    run_cc run --name done alpine true
    run_cc ps --format '{{.Names}}'
    is "$output" "web" "running only"
    run_cc ps -a --format '{{.Names}} {{.State}}'
    is "$(sort <<<"$output")" $'done exited\nweb running'
    run_cc ps -a --format 'table {{.ID}}\t{{.Names}}'
    is "${lines[0]}" "CONTAINER ID   NAMES" "header row"
    is "${#lines[@]}" 3
    local l
    for l in "${lines[@]:1}"; do
        assert_match "$l" '^[0-9a-f]{12}   (web|done)$' "ID column 12 wide and 3 spaces"
    done
    # a column is at least 10 wide (docker's tabwriter minwidth)
    run_cc ps --format 'table {{.Names}}\t{{.State}}'
    is "$output" $'NAMES     STATE\nweb       running'
    # \n in a template is a newline, as docker's
    run_cc ps --format '{{.Names}}\n--'
    is "$output" $'web\n--'
}

@test "ps --format json: one compact object a line; every value a string, docker's" {
    run_cc run -d --name js alpine sleep 1000
    run_cc 4 run --name ex alpine sh -c 'exit 4'
    run_cc ps -a --format json
    is "${#lines[@]}" 2
    is "$(jq -r .Names <<<"${lines[0]}")" "ex" "newest first"
    is "$(jq -r 'select(.Names == "js") | .State | type' <<<"$output")" "string"
    is "$(jq -r 'select(.Names == "js") | .State' <<<"$output")" "running"
    is "$(jq -r 'select(.Names == "ex") | .State' <<<"$output")" "exited"
    assert_match "$(jq -r 'select(.Names == "ex") | .Status' <<<"$output")" '^Exited \(4\) .* ago$'
    assert_match "$(jq -r 'select(.Names == "js") | .Status' <<<"$output")" '^Up '
    assert_match "$(jq -r 'select(.Names == "js") | .RunningFor' <<<"$output")" ' ago$'
    assert_match "$(jq -r 'select(.Names == "js") | .CreatedAt' <<<"$output")" \
        '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} [-+][0-9]{4} [A-Z0-9+-]+$'
    is "$(jq -r 'select(.Names == "js") | [.Image, .Command, .Networks, .Size, .LocalVolumes, .Labels] | join("|")' <<<"$output")" \
        'alpine|"sleep 1000"|bridge|0B|0|'
    # compact: no space after a colon or comma outside of values
    assert_match "${lines[0]}" '^\{"Command":"\\"sh -c '"'"'exit 4'"'"'\\"","CreatedAt":'
    # {{json .}} is the same object
    run_cc ps --format '{{json .}}'
    is "$(jq -r '.Names' <<<"$output")" "js"
}

@test "ps --noheading drops the header row of any table; -q is the IDs alone" {
    run_cc run -d --name nh alpine sleep 1000
    run_cc ps --noheading
    is "${#lines[@]}" 1
    assert_match "$output" '^[0-9a-f]{12}   alpine    "sleep 1000"   .* nh$'
    run_cc ps --noheading --format 'table {{.Names}}\t{{.Status}}'
    assert_match "$output" '^nh        Up '
    run_cc ps -q --noheading
    assert_match "$output" '^[0-9a-f]{12}$'
    # -q wins over --format, as docker's, with docker's warning
    run_cc ps -q --format '{{.Names}}'
    assert_match "$output" '^[0-9a-f]{12}$'
    is "$stderr" "WARNING: Ignoring custom format, because both --format and --quiet are set."
}

@test "ps: COMMAND is docker's, cut at 20 columns and quoted; --no-trunc shows it all" {
    run_cc run -d --name long alpine sh -c 'sleep 1000; echo abcdefghij'
    run_cc ps --format '{{.Command}}'
    is "$output" '"sh -c '"'"'sleep 1000; …"' "19 characters and …, then quoted"
    run_cc ps
    assert_contains "${lines[1]}" '"sh -c '"'"'sleep 1000; …"'
    run_cc ps --no-trunc --format '{{.ID}} {{.Command}}'
    assert_match "$output" '^[0-9a-f]{64} "sh -c '"'"'sleep 1000; echo abcdefghij'"'"'"$'
    run_cc ps --no-trunc
    assert_match "${lines[1]}" '^[0-9a-f]{64}   alpine    "sh -c '"'"'sleep 1000; echo abcdefghij'"'"'"   '
}

@test "ps: a template error is one line and exit 1, as docker's; nothing is listed" {
    run_cc run -d --name te alpine sleep 1000
    run_cc 1 ps --format '{{.Names'
    is "$output" ""
    is "$stderr" "Error: failed to parse template: template: :1: unclosed action"
    run_cc 1 ps --format 'table {{.ID}}\t{{nosuchfunc .Names}}'
    is "$stderr" 'Error: failed to parse template: template: :1: function "nosuchfunc" not defined'
    # docker tries the template on an empty container first
    run_cc 1 ps --format '{{index .Names 3}}'
    is "$output" ""
    assert_match "$stderr" '^Error: failed to execute template: template: :1:2: executing "" at <index .Names 3>: error calling index: '
    # a field docker's container has not: an error before anything is listed
    run_cc 1 ps --format '{{.ID}} {{.Nosuch}}'
    is "$output" ""
    is "$stderr" 'Error: failed to execute template: template: :1:10: executing "" at <.Nosuch>: map has no entry for key "Nosuch"'
    # one that fails on a row only: nothing is written
    run_cc 1 ps --format '{{.Names}}{{if .ID}}{{index .Names 9}}{{end}}'
    is "$output" ""
    assert_match "$stderr" '^Error: template parsing error: template: :1:'
}

@test "ps -s: SIZE as docker's; raw; --sort (podman)" {
    run_cc run --name s1 alpine sh -c 'head -c 2000 /dev/zero > /big'
    run_cc run --name s2 alpine true
    run_cc ps -a -s --format '{{.Names}} {{.Size}}'
    assert_line_match "$output" '^s1 2kB \(virtual [0-9.]+MB\)$'
    assert_line_match "$output" '^s2 0B \(virtual [0-9.]+MB\)$'
    run_cc ps -a -s
    assert_match "${lines[0]}" '   NAMES     SIZE$'
    # .Size in a template asks for sizes, as docker's
    run_cc ps -a --format '{{.Size}}' --filter name=s1
    assert_match "$output" '^2kB \(virtual '
    run_cc ps -a --format json --filter name=s1
    is "$(jq -r .Size <<<"$output")" "0B" "json is no template: no sizes"
    run_cc ps -aq --filter name=s1
    local id=$output
    run_cc ps -a --format raw --filter name=s1
    is "${lines[0]}" "container_id: $id"
    is "${lines[4]}" "state: exited"
    is "${lines[6]}" "names: s1"
    run_cc ps -a --sort names --format '{{.Names}}'
    is "$output" $'s1\ns2'
    run_cc ps -a --sort created --format '{{.Names}}'
    is "$output" $'s2\ns1'
    run_cc 125 ps --sort bogus
    assert_contains "$stderr" "invalid option for --sort"
}

@test "ps --filter: several of one key are either, of different keys both" {
    run_cc run -d --name a1 alpine sleep 1000
    run_cc run --name a2 alpine true
    run_cc 2 run --name a3 alpine sh -c 'exit 2'
    run_cc ps -a -f name=a1 -f name=a2 --format '{{.Names}}'
    is "$(sort <<<"$output")" $'a1\na2'
    run_cc ps -a -f name=a1 -f name=a2 -f status=exited --format '{{.Names}}'
    is "$output" "a2"
    run_cc ps -a -f status=exited -f status=running -f exited=2 --format '{{.Names}}'
    is "$output" "a3"
    # name and id are docker's regular expressions, the name with or without its slash
    run_cc run --name ba1 alpine true
    run_cc ps -a -f name=a1 --format '{{.Names}}'
    is "$(sort <<<"$output")" $'a1\nba1' "unanchored: anywhere in the name"
    run_cc ps -a -f 'name=^a1$' --format '{{.Names}}'
    is "$output" "a1" "anchored: the whole name"
    run_cc ps -a -f 'name=^/a[23]$' --format '{{.Names}}'
    is "$(sort <<<"$output")" $'a2\na3' "docker's leading slash, a class"
    run_cc ps -a -f 'name=(' --format '{{.Names}}'
    is "$output" "" "a pattern that does not compile matches nothing"
    run_cc inspect -f '{{.Id}}' a2
    run_cc ps -a -f "id=^${output:0:10}" --format '{{.Names}}'
    is "$output" "a2" "an ID prefix"
}

@test "ps: PORTS as docker's DisplayablePorts (same-number ports grouped first, then the others)" {
    run_cc run -d --name pp -p 127.0.0.1:28080:80 -p 127.0.0.1:29000:29000 -p 127.0.0.1:29001:29001 alpine sleep 1000
    run_cc ps --format '{{.Ports}}'
    is "$output" "127.0.0.1:29000-29001->29000-29001/tcp, 127.0.0.1:28080->80/tcp"
}

@test "ps --format: {{.Label KEY}} as docker's ContainerContext.Label; Labels sorted" {
    local ctx
    ctx=$(new_context labels)
    recipe "$ctx" <<'EOF2'
FROM alpine
LABEL com.example.tier=web zz=last "with space"="a b"
EOF2
    build_ok -t labelled "$ctx"
    run_cc run -d --name lab labelled sleep 1000
    run_cc ps --format '{{.Label "com.example.tier"}}|{{.Label "nosuch"}}|{{"zz" | .Label}}|{{.Labels}}'
    is "$output" "web||last|com.example.tier=web,with space=a b,zz=last" "Label and Labels"
    run_cc ps --format 'table {{.Names}}\t{{.Label "com.example.tier"}}'
    assert_match "${lines[0]}" '^NAMES +LABEL$' "the header"
    assert_match "${lines[1]}" '^lab +web$' "the row"
    run_cc ps --format json
    is "$(jq -r 'has("_methods") or has("Label")' <<<"$output")" false "json rows carry no methods"
    run_cc 1 ps --format '{{.Label}}'
    assert_contains "$stderr" 'wrong number of args for Label: want 1 got 0'
    run_cc 1 ps --format '{{.Label 3}}'
    assert_contains "$stderr" 'expected string; found 3'
}

@test "run --label, -l, --label-file over the image's labels: inspect, ps --filter label, .Label" {
    local ctx
    ctx=$(new_context labels2)
    recipe "$ctx" <<'EOF2'
FROM alpine
LABEL tier=img keep=image
EOF2
    build_ok -t labelled2 "$ctx"
    printf '# a comment\n\nfrom.file=yes\ntier=file\nbare\n' >"$BATS_TEST_TMPDIR/labels"
    run_cc run -d --name l1 --label-file "$BATS_TEST_TMPDIR/labels" -l tier=flag --label empty= labelled2 sleep 1000
    run_cc run -d --name l2 labelled2 sleep 1000
    run_cc inspect -f '{{json .Config.Labels}}' l1
    is "$output" '{"bare":"","empty":"","from.file":"yes","keep":"image","tier":"flag"}' \
        "the image's, then the file's, then the flags'"
    run_cc ps --filter label=tier=flag --format '{{.Names}}'
    is "$output" "l1" "label=KEY=VALUE"
    run_cc ps --filter label=keep --format '{{.Names}}'
    is "$(sort <<<"$output")" "l1"$'\n'"l2" "label=KEY: both have the image's"
    run_cc ps --filter label=from.file=yes --filter label=keep=image --format '{{.Names}} {{.Label "tier"}}'
    is "$output" "l1 flag" "labels AND"
    run_cc stop -t 0 l1
    run_cc start l1
    run_cc inspect -f '{{.Config.Labels.tier}}' l1
    is "$output" "flag" "kept across a start"
    run_cc 125 run --rm -l =x alpine true
    assert_contains "$stderr" 'invalid argument "=x" for "-l, --label" flag'
    run_cc 125 run --rm --label-file /nonexistent alpine true
    assert_contains "$stderr" "open label file '/nonexistent'"
}
