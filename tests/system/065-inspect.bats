#!/usr/bin/env bats
#
# inspect, container inspect, image inspect: docker's shapes, typed lookups,
# not-found messages and exit statuses; --format templates (docker's
# inspector: once per object, "json", template errors); HostConfig,
# NetworkSettings and Config as docker has them, on a private test bridge.

load helpers
load helpers.network
load helpers.build

# An image with both Entrypoint and Cmd, labels, exposed ports, volumes, a
# stop signal and a healthcheck.
INSP_SPEC='{"images": [{"config": {
    "Entrypoint": ["/bin/echo", "ep"], "Cmd": ["c1", "c2"],
    "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "IMGVAR=img"],
    "Labels": {"x": "label-x", "org.example.y": "why"},
    "ExposedPorts": {"8080/tcp": {}}, "Volumes": {"/data": {}}, "StopSignal": "SIGUSR1",
    "Healthcheck": {"Test": ["CMD", "true"], "Interval": 30000000000}},
  "layers": [ALPINE_LAYER]}]}'

setup_file() {
    file_setup
    net_file_setup
    start_registry
    seed_alpine library/alpine:latest
    seed_json library/insp:latest "$INSP_SPEC"
}

teardown_file() {
    file_teardown
    net_file_teardown
}

setup() {
    basic_setup
    export CCONTAINER_REGISTRY_MIRROR=http://$REGISTRY
    run_cc pull -q alpine
    run_cc pull -q insp
}

teardown() {
    remove_all_containers
    podman_cleanup
    basic_teardown
}

@test "inspect: docker's fields for a running container, no raw run argv" {
    run_cc run -d --name insp -e SECRET=hunter2 alpine sleep 100
    run_cc inspect insp
    is "$(jq -r '.[0].Name' <<<"$output")" "/insp" "Name with docker's leading /"
    is "$(jq -r '.[0].State.Running' <<<"$output")" "true" "State.Running"
    is "$(jq -r '.[0].State.Pid | type' <<<"$output")" "number" "State.Pid is a number"
    is "$(jq -r '.[0].Path' <<<"$output")" "sleep" "Path"
    is "$(jq -c '.[0].Args' <<<"$output")" '["100"]' "Args"
    is "$(jq -r '.[0].RestartCount' <<<"$output")" "0" "RestartCount"
    is "$(jq -r '.[0].LogPath' <<<"$output")" "$CC_ROOT/containers/$(jq -r '.[0].Id' <<<"$output")/ctr.log" "LogPath"
    is "$(jq -r '.[0].HostConfig.RestartPolicy.Name' <<<"$output")" "no" "RestartPolicy"
    is "$(jq -r '.[0].State.FinishedAt' <<<"$output")" "0001-01-01T00:00:00Z" "docker's zero time"
    is "$(jq -r '.[0].Config | has("Args")' <<<"$output")" "false" "no Config.Args"
    is "$(jq -r '[paths(type == "string") as $p | getpath($p) | select(contains("hunter2"))] | length' <<<"$output")" \
        "1" "the -e value only in Config.Env"
}

@test "container inspect IMAGE and image inspect CTR fail with docker's messages" {
    run_cc run -d --name typed alpine sleep 100
    run_cc 1 container inspect alpine
    is "$stderr" "Error: No such container: alpine" "container inspect of an image"
    run_cc 1 image inspect typed
    is "$stderr" "Error: No such image: typed" "image inspect of a container"
    run_cc inspect --type image alpine
    is "$(jq -r '.[0].RepoTags[0]' <<<"$output")" "alpine:latest" "--type image"
    run_cc 1 inspect --type image typed
    assert_contains "$stderr" "No such image: typed"
}

@test "inspect: several names, one missing: the found ones printed, exit 1" {
    run_cc run -d --name one alpine sleep 100
    run_cc 1 inspect one nosuch alpine
    is "$(jq -r 'length' <<<"$output")" "2" "two objects"
    assert_contains "$stderr" "Error: No such object: nosuch"
}

@test "inspect a b | head -c 10 ends quietly" {
    run_cc run -d --name p1 alpine sleep 100
    local err=$BATS_TEST_TMPDIR/pipe.err
    run bash -c "'$CC' --root '$CC_ROOT' inspect p1 alpine 2>'$err' | head -c 10"
    is "$output" "[
    {
  " "the first ten bytes"
    is "$(cat "$err")" "" "nothing on stderr"
}

###############################################################################
# --format

@test "inspect -f: the template runs once per object, each followed by a newline" {
    run_cc run -d --name tpl -e FOO=bar alpine sleep 100
    run_cc run -d --name tpl2 alpine sleep 100
    run_cc inspect -f '{{.State.Pid}}' tpl
    local pid=$output
    assert_match "$pid" '^[1-9][0-9]*$' "State.Pid"
    is "$(tr '\0' ' ' </proc/"$pid"/cmdline)" "sleep 100 " "the pid is the container's command"
    run_cc inspect tpl
    is "$(jq -r '.[0].State.Pid' <<<"$output")" "$pid" "the same pid in the JSON"
    run_cc inspect -f '{{.Name}}' tpl tpl2
    is "$output" "/tpl
/tpl2" "Name with docker's leading /, one line per object"
    run_cc container inspect --format '{{.Name}} {{.State.Status}} {{.State.Running}}' tpl
    is "$output" "/tpl running true" "container inspect --format"
    run_cc inspect -f '{{json .State}}' tpl
    is "$(jq -r '.Status' <<<"$output")" "running" "{{json .State}}"
    is "$(jq -r '.Pid' <<<"$output")" "$pid" "{{json .State}}: Pid"
    is "$(jq -r 'keys_unsorted | join(",")' <<<"$output")" \
        "Status,Running,Paused,Restarting,OOMKilled,Dead,Pid,ExitCode,Error,StartedAt,FinishedAt" "docker's field order"
    run_cc inspect -f '{{range .Config.Env}}{{println .}}{{end}}' tpl
    assert_line_match "$output" '^FOO=bar$' "range .Config.Env"
    assert_line_match "$output" '^PATH=' "range .Config.Env: PATH"
    run_cc inspect -f '{{len .Config.Env}} {{index .Config.Cmd 0}} {{.HostConfig.NetworkMode}}' tpl
    assert_match "$output" '^[0-9]+ sleep bridge$' "len, index"
    run_cc inspect -f '{{.Id}}' tpl alpine
    is "${#lines[@]}" 2 "a container and an image"
    run_cc image inspect -f '{{.Id}}' alpine
    is "$output" "${lines[0]}" "image inspect -f"
    is "$(cut -c1-7 <<<"$output")" "sha256:" "image Id"
}

@test "inspect --format json: the JSON array on one line, as without --format" {
    run_cc run -d --name js alpine sleep 100
    run_cc inspect --format json js alpine
    is "${#lines[@]}" 1 "one line"
    is "$(jq -r 'length' <<<"$output")" 2 "two objects"
    is "$(jq -r '.[0].Name' <<<"$output")" "/js" "the container"
    is "$(jq -r '.[1].RepoTags[0]' <<<"$output")" "alpine:latest" "the image"
    local compact=$output
    run_cc inspect js alpine
    is "$(jq -c . <<<"$output")" "$(jq -c . <<<"$compact")" "the same objects as without --format"
    assert_match "${lines[1]}" '^    \{$' "indented by four spaces"
    run_cc 1 inspect --format json nosuch
    is "$output" "[]" "nothing found: []"
    run_cc inspect -f '{{json .}}' js
    is "$(jq -r '.Name' <<<"$output")" "/js" "{{json .}}: one object, not an array"
}

@test "inspect -f: template errors are one line, with docker's exit statuses" {
    run_cc run -d --name bad alpine sleep 100
    run_cc 64 inspect -f '{{.Name' bad
    is "$output" "" "nothing on stdout for a template that does not parse"
    is "$stderr" "Error: template parsing error: template: :1: unclosed action" "the parse error"
    run_cc 64 container inspect -f '{{if}}' bad
    is "${#stderr_lines[@]}" 1 "one line"
    assert_contains "$stderr" "template parsing error: template: :1:"
    run_cc 64 image inspect -f '{{nosuchfunc .}}' alpine
    is "$stderr" 'Error: template parsing error: template: :1: function "nosuchfunc" not defined' "undefined function"
    # an error executing the template for one object: that object left out, exit 1
    run_cc 1 inspect -f '{{if index . "State"}}{{len .State.Pid}}{{else}}{{.Id}}{{end}}' bad alpine
    is "${#lines[@]}" 1 "the image's line only"
    is "$(cut -c1-7 <<<"$output")" "sha256:" "the image's Id"
    is "${#stderr_lines[@]}" 1 "one line on stderr"
    assert_match "$stderr" '^Error: template parsing error: template: :1:[0-9]+: executing "" at <len .State.Pid>: ' \
        "Go's execution error"
    # a field the JSON lacks is <no value>: docker's typed objects have
    # fields their JSON omits when empty, which scripts may read
    run_cc inspect -f '{{.State.Nosuch}}|{{.Config.StopSignal}}' bad
    is "$output" "<no value>|<no value>" "a missing field"
    run_cc inspect -f '{{index .Config.Labels "nosuch"}}' bad
    is "$output" "<no value>" "index of a missing key is not an error"
    run_cc 1 inspect -f '{{.Name}}' nosuch
    is "$output" "" "a lone newline when nothing was printed"
    is "$stderr" "Error: No such object: nosuch" "not found"
}

@test "inspect --size/-s: SizeRw and SizeRootFs of a container" {
    run_cc run --name sz alpine sh -c 'head -c 100000 /dev/zero >/big'
    run_cc inspect --size sz
    assert_match "$(jq -r '.[0].SizeRw' <<<"$output")" '^[0-9]+$' "SizeRw"
    assert_le 100000 "$(jq -r '.[0].SizeRw' <<<"$output")" "SizeRw counts /big"
    assert_le "$(jq -r '.[0].SizeRw' <<<"$output")" "$(jq -r '.[0].SizeRootFs' <<<"$output")" "SizeRootFs"
    run_cc container inspect -s -f '{{.SizeRw}}' sz
    assert_match "$output" '^[0-9]+$' "-s with a template"
    run_cc inspect sz
    is "$(jq -r '.[0] | has("SizeRw")' <<<"$output")" "false" "no SizeRw without --size"
    run_cc image inspect -s alpine
    is "$(jq -r '.[0].RepoTags[0]' <<<"$output")" "alpine:latest" "image inspect accepts -s"
}

###############################################################################
# docker's shapes

@test "inspect: HostConfig and NetworkSettings of a bridged container with -p and --memory" {
    local p
    p=$(free_port)
    run_cc run -d --name web -p "127.0.0.1:$p:80" --memory 64m alpine sleep 100
    run_cc exec web sh -c 'ip -4 -o addr show eth0 | awk "{print \$4}"; cat /sys/class/net/eth0/address'
    local addr=${lines[0]} mac=${lines[1]}
    run_cc inspect web
    local json=$output
    is "$(jq -c '.[0].HostConfig.PortBindings' <<<"$json")" "{\"80/tcp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"$p\"}]}" \
        "HostConfig.PortBindings"
    is "$(jq -c '.[0].NetworkSettings.Ports' <<<"$json")" "{\"80/tcp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"$p\"}]}" \
        "NetworkSettings.Ports"
    is "$(jq -r '.[0].HostConfig.NetworkMode' <<<"$json")" "bridge" "NetworkMode"
    is "$(jq -r '.[0].NetworkSettings.Networks.bridge.IPAddress' <<<"$json")" "${addr%/*}" "Networks.bridge.IPAddress"
    is "$(jq -r '.[0].NetworkSettings.Networks.bridge.IPPrefixLen' <<<"$json")" "${addr#*/}" "IPPrefixLen"
    is "$(jq -r '.[0].NetworkSettings.Networks.bridge.IPPrefixLen | type' <<<"$json")" "number" "IPPrefixLen is a number"
    is "$(jq -r '.[0].NetworkSettings.Networks.bridge.Gateway' <<<"$json")" "$NET_GATEWAY" "Networks.bridge.Gateway"
    is "$(jq -r '.[0].NetworkSettings.Networks.bridge.MacAddress' <<<"$json")" "$mac" "Networks.bridge.MacAddress"
    assert_match "$(jq -r '.[0].NetworkSettings.Networks.bridge.NetworkID' <<<"$json")" '^[0-9a-f]{64}$' "NetworkID"
    assert_match "$(jq -r '.[0].NetworkSettings.Networks.bridge.EndpointID' <<<"$json")" '^[0-9a-f]{64}$' "EndpointID"
    is "$(jq -r '.[0].NetworkSettings.IPAddress' <<<"$json")" "${addr%/*}" "NetworkSettings.IPAddress"
    is "$(jq -r '.[0].NetworkSettings.Gateway' <<<"$json")" "$NET_GATEWAY" "NetworkSettings.Gateway"
    is "$(jq -r '.[0].NetworkSettings.MacAddress' <<<"$json")" "$mac" "NetworkSettings.MacAddress"
    is "$(jq -r '.[0].HostConfig.Memory' <<<"$json")" 67108864 "HostConfig.Memory"
    is "$(jq -r '.[0].HostConfig.Memory | type' <<<"$json")" number "Memory is a number"
    is "$(jq -r '.[0].HostConfig.MemorySwap' <<<"$json")" 134217728 "MemorySwap: twice Memory, docker's default"
    is "$(jq -c '.[0].Config.ExposedPorts' <<<"$json")" '{"80/tcp":{}}' "Config.ExposedPorts has the published port"
    run_cc inspect -f '{{range $port, $b := .NetworkSettings.Ports}}{{$port}}={{(index $b 0).HostPort}}{{end}}' web
    is "$output" "80/tcp=$p" "range over Ports in a template"
    run_cc inspect -f '{{.NetworkSettings.Networks.bridge.IPAddress}}' web
    is "$output" "${addr%/*}" "the address through a template"
}

@test "inspect: docker's defaults and types for a plain container" {
    run_cc run -d --name plain alpine sleep 100
    run_cc inspect plain
    local json=$output
    is "$(jq -c '.[0].HostConfig | [.Binds, .CapAdd, .CapDrop, .ExtraHosts, .SecurityOpt, .PidsLimit, .Ulimits]' <<<"$json")" \
        '[null,null,null,null,null,null,null]' "absent lists and limits are null"
    is "$(jq -c '.[0].HostConfig | [.Dns, .DnsOptions, .DnsSearch, .Devices, .PortBindings]' <<<"$json")" \
        '[[],[],[],[],{}]' "absent Dns, Devices, PortBindings are empty"
    is "$(jq -c '.[0].HostConfig | [.Memory, .MemorySwap, .NanoCpus, .CpuShares, .ShmSize]' <<<"$json")" \
        '[0,0,0,0,67108864]' "numbers"
    is "$(jq -c '.[0].HostConfig | [.Privileged, .ReadonlyRootfs, .AutoRemove, .PublishAllPorts]' <<<"$json")" \
        '[false,false,false,false]' "booleans"
    is "$(jq -c '.[0].HostConfig | [has("Init"), has("Tmpfs")]' <<<"$json")" '[false,false]' "Init and Tmpfs omitted"
    is "$(jq -c '.[0].HostConfig.RestartPolicy' <<<"$json")" '{"Name":"no","MaximumRetryCount":0}' "RestartPolicy"
    is "$(jq -c '.[0].HostConfig.LogConfig' <<<"$json")" '{"Type":"json-file","Config":{}}' "LogConfig"
    is "$(jq -r '.[0].RestartCount | type' <<<"$json")" number "RestartCount"
    is "$(jq -c '.[0].Config | [.Entrypoint, .Cmd, .Image, .Labels, .WorkingDir, .User, .Tty, .OpenStdin]' <<<"$json")" \
        '[null,["sleep","100"],"alpine",{},"","",false,false]' "Config"
    is "$(jq -r '.[0].Config.Hostname' <<<"$json")" "$(jq -r '.[0].Id[0:12]' <<<"$json")" "Config.Hostname"
    is "$(jq -c '.[0].Config | [.AttachStdin, .AttachStdout, .AttachStderr]' <<<"$json")" '[false,false,false]' \
        "a detached container attaches nothing"
    is "$(jq -c '.[0].Mounts' <<<"$json")" '[]' "Mounts"
    is "$(jq -r '.[0].Config | has("Args") or has("Network") or has("Ports")' <<<"$json")" false \
        "none of the stored run keys in Config"
    run_cc inspect -f '{{index .Config.Labels "x"}}|{{.HostConfig.Memory}}|{{.HostConfig.PidsLimit}}' plain
    is "$output" "<no value>|0|<no value>" "a label the container does not have, numbers, null"
}

@test "inspect: the run's options in HostConfig and Config" {
    local dir=$BATS_TEST_TMPDIR/vol
    mkdir -p "$dir"
    run_cc run -d --rm --name opts -i --cpus 0.5 --cpu-shares 512 --pids-limit 100 --read-only --init \
        --ulimit nofile=1024:2048 --ulimit core=0 --dns 192.0.2.53 --add-host db:192.0.2.10 \
        --cap-add NET_ADMIN --cap-drop NET_RAW --security-opt no-new-privileges --tmpfs /run:size=1m \
        -v "$dir:/data:ro" -w /tmp -u nobody -h myhost --memory 32m --memory-swap 64m \
        --network none alpine sleep 100
    run_cc inspect opts
    local json=$output
    is "$(jq -c '.[0].HostConfig | [.NanoCpus, .CpuShares, .PidsLimit, .Memory, .MemorySwap]' <<<"$json")" \
        '[500000000,512,100,33554432,67108864]' "resources"
    is "$(jq -c '.[0].HostConfig | [.ReadonlyRootfs, .Init, .AutoRemove, .Privileged]' <<<"$json")" \
        '[true,true,true,false]' "booleans"
    is "$(jq -c '.[0].HostConfig.Ulimits' <<<"$json")" \
        '[{"Name":"nofile","Hard":2048,"Soft":1024},{"Name":"core","Hard":0,"Soft":0}]' "Ulimits"
    is "$(jq -c '.[0].HostConfig | [.Dns, .ExtraHosts, .CapAdd, .CapDrop, .SecurityOpt]' <<<"$json")" \
        '[["192.0.2.53"],["db:192.0.2.10"],["NET_ADMIN"],["NET_RAW"],["no-new-privileges"]]' "lists as given"
    is "$(jq -c '.[0].HostConfig.Tmpfs' <<<"$json")" '{"/run":"size=1m"}' "Tmpfs"
    is "$(jq -c '.[0].HostConfig.Binds' <<<"$json")" "[\"$dir:/data:ro\"]" "Binds"
    is "$(jq -c '.[0].Mounts' <<<"$json")" \
        "[{\"Type\":\"bind\",\"Source\":\"$dir\",\"Destination\":\"/data\",\"Mode\":\"ro\",\"RW\":false,\"Propagation\":\"rprivate\"}]" \
        "Mounts"
    is "$(jq -r '.[0].HostConfig.NetworkMode' <<<"$json")" none "NetworkMode"
    is "$(jq -c '.[0].NetworkSettings.Networks | keys' <<<"$json")" '["none"]' "Networks"
    is "$(jq -r '.[0].NetworkSettings.IPAddress' <<<"$json")" "" "no address"
    is "$(jq -c '.[0].Config | [.WorkingDir, .User, .Hostname, .OpenStdin]' <<<"$json")" \
        '["/tmp","nobody","myhost",true]' "Config"
}

@test "inspect: Config.Entrypoint and Config.Cmd apart, the image's labels, Config.Image as given" {
    run_cc run --name ec insp
    is "$output" "ep c1 c2" "the image's entrypoint and command ran"
    run_cc inspect ec
    local json=$output
    is "$(jq -c '.[0].Config.Entrypoint' <<<"$json")" '["/bin/echo","ep"]' "Config.Entrypoint"
    is "$(jq -c '.[0].Config.Cmd' <<<"$json")" '["c1","c2"]' "Config.Cmd"
    is "$(jq -c '[.[0].Path, .[0].Args]' <<<"$json")" '["/bin/echo",["ep","c1","c2"]]' "Path and Args: what ran"
    is "$(jq -r '.[0].Config.Image' <<<"$json")" "insp" "Config.Image: the name given"
    is "$(jq -cS '.[0].Config.Labels' <<<"$json")" '{"org.example.y":"why","x":"label-x"}' "the image's labels"
    is "$(jq -c '.[0].Config | [.StopSignal, .Volumes, .ExposedPorts, .Healthcheck.Test]' <<<"$json")" \
        '["SIGUSR1",{"/data":{}},{"8080/tcp":{}},["CMD","true"]]' "the image's StopSignal, Volumes, ports, healthcheck"
    assert_contains "$(jq -c '.[0].Config.Env' <<<"$json")" '"IMGVAR=img"' "the image's Env"
    is "$(jq -c '.[0].Config | [.AttachStdin, .AttachStdout, .AttachStderr]' <<<"$json")" '[false,true,true]' \
        "a foreground run attaches stdout and stderr"
    run_cc inspect -f '{{index .Config.Labels "x"}}' ec
    is "$output" "label-x" "index .Config.Labels"
    run_cc inspect -f '{{range $k, $v := .Config.Labels}}{{$k}}={{$v}};{{end}}' ec
    is "$output" "org.example.y=why;x=label-x;" "range over labels, sorted"

    run_cc run --name ec2 insp u1 u2
    run_cc inspect ec2
    is "$(jq -c '[.[0].Config.Entrypoint, .[0].Config.Cmd]' <<<"$output")" '[["/bin/echo","ep"],["u1","u2"]]' \
        "the command given replaces Cmd only"
    run_cc run --name ec3 --entrypoint /bin/true insp
    run_cc inspect ec3
    is "$(jq -c '[.[0].Config.Entrypoint, .[0].Config.Cmd]' <<<"$output")" '[["/bin/true"],null]' \
        "--entrypoint drops the image's Cmd"
    run_cc run --name ec4 --entrypoint "" insp echo plain
    run_cc inspect ec4
    is "$(jq -c '[.[0].Config.Entrypoint, .[0].Config.Cmd]' <<<"$output")" '[null,["echo","plain"]]' \
        "--entrypoint '' clears it"
}

@test "image inspect: docker's fields" {
    run_cc image inspect insp
    local json=$output
    is "$(jq -r '.[0].Id' <<<"$json")" "$(jq -r '.[0].Id' <<<"$json" | grep -E '^sha256:[0-9a-f]{64}$')" "Id"
    is "$(jq -c '.[0].RepoTags' <<<"$json")" '["insp:latest"]' "RepoTags"
    assert_match "$(jq -r '.[0].RepoDigests[0]' <<<"$json")" '@sha256:[0-9a-f]{64}$' "RepoDigests"
    is "$(jq -c '.[0] | [.Parent, .Comment, .Author]' <<<"$json")" '["","",""]' "Parent, Comment, Author"
    assert_match "$(jq -r '.[0].Created' <<<"$json")" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T' "Created"
    is "$(jq -c '.[0].Config | [.Entrypoint, .Cmd, .WorkingDir, .User, .StopSignal]' <<<"$json")" \
        '[["/bin/echo","ep"],["c1","c2"],"","","SIGUSR1"]' "Config"
    is "$(jq -c '.[0].Config | [.Labels.x, .ExposedPorts, .Volumes, .Healthcheck.Interval]' <<<"$json")" \
        '["label-x",{"8080/tcp":{}},{"/data":{}},30000000000]' "Config: labels, ports, volumes, healthcheck"
    is "$(jq -c '.[0] | [.Architecture, .Os, (.Size | type)]' <<<"$json")" '["amd64","linux","number"]' "platform, Size"
    is "$(jq -r '.[0].RootFS.Type' <<<"$json")" layers "RootFS.Type"
    assert_match "$(jq -r '.[0].RootFS.Layers | join(" ")' <<<"$json")" '^sha256:[0-9a-f]{64}$' "RootFS.Layers: diff IDs"
    is "$(jq -r '.[0].Metadata.LastTagTime' <<<"$json")" "0001-01-01T00:00:00Z" "Metadata"
    run_cc image inspect alpine
    is "$(jq -c '.[0].Config | [.Entrypoint, .Labels, .Volumes, .WorkingDir]' <<<"$output")" '[null,null,null,""]' \
        "what an image does not set: null, as docker shows it"
    run_cc image inspect -f '{{.Os}}/{{.Architecture}} {{len .RootFS.Layers}} {{index .Config.Labels "x"}}' insp
    is "$output" "linux/amd64 1 label-x" "a template over an image"
}

@test "inspect: where docker and podman agree, ours matches podman's inspect of the same container" {
    command -v podman >/dev/null || skip "podman is not installed (tests/install-deps.sh installs it)"
    command -v runc >/dev/null || skip "runc is not installed (tests/install-deps.sh installs it)"
    local args=(-d --name same -e K=V -w /tmp --hostname hh -m 64m --cpus 0.5 --pids-limit 50 --network none)
    run_cc run "${args[@]}" alpine sleep 1000
    run_cc inspect same
    local ours=$output theirs rc=0
    theirs=$(podman_t run "${args[@]}" --ulimit nofile=1024:1024 --ulimit nproc=1000:1000 \
        --tls-verify=false "$REGISTRY/library/alpine:latest" sleep 1000 2>&1) || rc=$?
    is "$rc" 0 "podman run: $theirs"
    theirs=$(podman_t inspect same)
    podman_t rm -f -t 0 same >/dev/null 2>&1 || true
    local q
    for q in '.[0].Id | length' '.[0] | [.Path, .Args, .RestartCount, .Mounts]' \
        '.[0].State | [.Status, .Running, .Paused, .Restarting, .OOMKilled, .Dead, (.Pid > 0), .ExitCode, .Error]' \
        '.[0].State | [.StartedAt, .FinishedAt] | map(type)' \
        '.[0].Config | [.Hostname, .WorkingDir, .Tty, .OpenStdin, .StdinOnce, .Cmd]' \
        '.[0].Config.Env | map(select(startswith("K=") or startswith("PATH="))) | sort' \
        '.[0].HostConfig | [.Memory, .NanoCpus, .PidsLimit, .NetworkMode, .Privileged, .ReadonlyRootfs, .AutoRemove]' \
        '.[0].HostConfig | [.CpuShares, .PublishAllPorts]'; do
        is "$(jq -c "$q" <<<"$ours")" "$(jq -c "$q" <<<"$theirs")" "$q"
    done
}
