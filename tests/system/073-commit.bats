#!/usr/bin/env bats
#
# ccontainer commit (docker commit): the container's image plus one layer
# of its changes (added, changed, deleted files: whiteouts), the container's
# settings kept, -c changes, -m/-a, a running container paused while packed,
# a tag, errors.  alpine comes from a loopback registry.

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

@test "commit: added, changed and deleted files; the new layer on the image's" {
    run_cc run --name changer --network none alpine sh -c \
        'echo added > /added; echo changed > /etc/motd; rm /etc/issue; rm -r /usr/local; mkdir -p /usr/local/n; echo x > /usr/local/n/f'
    run_cc commit changer
    assert_match "$output" '^sha256:[0-9a-f]{64}$' "commit prints the image ID"
    local id=$output
    is "$(image_field "$id" '[0]["RootFS"]["Layers"].__len__()')" \
        "$(($(image_field alpine '[0]["RootFS"]["Layers"].__len__()') + 1))" "one layer more than the image"
    output=$(layer_entries "$id" -1)
    assert_line_match "$output" '^f etc/\.wh\.issue$' "a deleted file is a whiteout"
    assert_line_match "$output" '^f usr/local/\.wh\.\.wh\.\.opq$' "a replaced directory is opaque"
    run_cc run --rm --network none "$id" sh -c 'cat /added /etc/motd; test -e /etc/issue || echo no-issue; ls -A /usr/local'
    is "$output" $'added\nchanged\nno-issue\nn' "the container of the new image sees the changes"
    # the container's command is the image's now (docker keeps it)
    is "$(image_field "$id" '[0]["Config"]["Cmd"][0]')" "sh" "Cmd kept from the container"
    # the container is as it was
    run_cc start -a changer
}

@test "commit: a tag, --change, -m and -a, --format docker" {
    run_cc run --name tagged --network none -e FROMRUN=1 -w /tmp --label run=yes alpine sh -c 'echo hi > /hi'
    run_cc commit -m "my message" -a "Some One <one@example.com>" \
        -c 'CMD ["cat", "/hi"]' -c 'ENV NEW=value OTHER="a b"' -c 'LABEL version=2' -c 'EXPOSE 8080' \
        -c 'USER nobody' -c 'WORKDIR /srv' -c 'ENTRYPOINT []' tagged example/committed:v1
    local id=$output
    run_cc images --format '{{.Repository}}:{{.Tag}}'
    assert_line_match "$output" '^example/committed:v1$' "the tag"
    is "$(image_field example/committed:v1 '[0]["Id"]')" "$id" "the tag names the new image"
    local cfg='[0]["Config"]'
    is "$(image_field "$id" "$cfg[\"Cmd\"]")" '["cat","/hi"]' "CMD"
    is "$(image_field "$id" "$cfg[\"Labels\"][\"version\"]")" 2 "LABEL"
    is "$(image_field "$id" "$cfg[\"Labels\"][\"run\"]")" yes "the container's label kept"
    is "$(image_py "$id" '[e for e in d[0]["Config"]["Env"] if e.split("=")[0] in ("NEW","OTHER","FROMRUN")]')" \
        '["FROMRUN=1","NEW=value","OTHER=a b"]' "ENV over the container's Env"
    is "$(image_py "$id" 'sorted(d[0]["Config"]["ExposedPorts"])')" '["8080/tcp"]' "EXPOSE"
    is "$(image_field "$id" "$cfg[\"User\"]")" nobody "USER"
    is "$(image_field "$id" "$cfg[\"WorkingDir\"]")" /srv "WORKDIR"
    is "$(image_field "$id" '[0]["Author"]')" "Some One <one@example.com>" "-a is the author"
    is "$(image_field "$id" '[0]["Comment"]')" "my message" "-m is the comment"
    run_cc history --no-trunc --format '{{.Comment}}|{{.CreatedBy}}' "$id"
    is "${lines[0]}" "my message|sh -c echo hi > /hi" "history: the commit's entry on top, no entries for -c"
    run_cc run --rm --network none example/committed:v1
    is "$output" "hi" "the committed image runs its new CMD"

    run_cc container commit --format docker tagged
    assert_match "$output" '^sha256:[0-9a-f]{64}$' "container commit, docker format"
    run_cc run --rm --network none "$output" cat /hi
    is "$output" "hi"
}

made_file() {
    compgen -G "$CC_ROOT/containers/*/upper/made" >/dev/null
}

@test "commit: a running container is paused while packed and runs on" {
    run_cc run -d --name live --network none alpine sh -c 'echo made > /made; while true; do sleep 0.1; done'
    wait_until 10 made_file
    run_cc commit live
    local id=$output
    run_cc inspect --format '{{.State.Status}}' live
    is "$output" running "running again after the commit"
    run_cc run --rm --network none "$id" cat /made
    is "$output" made "the running container's file"
    # -p=false: no pause
    run_cc commit -p=false live
    assert_match "$output" '^sha256:[0-9a-f]{64}$'
    run_cc events --since 0 --until 0s --filter container=live --format '{{.Action}}'
    assert_line_match "$output" '^pause$' "paused"
    assert_line_match "$output" '^unpause$' "and unpaused"
    assert_line_match "$output" '^commit$' "the commit event"
}

@test "commit: errors are one line" {
    run_cc 1 commit nosuchcontainer
    is "${#stderr_lines[@]}" 1 "one line"
    assert_match "$stderr" "nosuchcontainer"
    run_cc run --name errs --network none alpine true
    run_cc 1 commit -c 'RUN echo no' errs
    is "${#stderr_lines[@]}" 1 "one line"
    assert_match "$stderr" "RUN is not a valid change command"
    run_cc 1 commit errs 'Bad:Name'
    is "${#stderr_lines[@]}" 1 "one line"
    run_cc 125 commit --format xml errs
    run_cc images -q
    is "${#lines[@]}" 1 "no image was made by the failures"
}
