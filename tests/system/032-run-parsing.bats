#!/usr/bin/env bats
# docker's parsing rules on the run-family verbs (issue 20): flags after
# positionals, stop at the command for exec, help that never acts.

load helpers

@test "exec --help lists its flags and exits 0" {
    run_cc 0 exec --help
    assert_contains "$output" "-e, --env list"
    assert_contains "$output" "-w, --workdir string"
}

@test "exec stops at the command: a --help after the container is the command's" {
    run_cc 125 exec nosuch sh --help
    assert_contains "$stderr" "nosuch"
    assert_not_contains "$stderr" "Usage:"
}

@test "pull --all-tags is refused in one line (usage error)" {
    run_cc 125 pull -a example.org/x
    assert_contains "$stderr" "--all-tags is not supported"
}

@test "save: flags after the image (save img -o f)" {
    run_cc 1 save nosuchimage -o "$BATS_TEST_TMPDIR/f.tar"
    assert_contains "$stderr" "nosuchimage"
    assert_not_contains "$stderr" "-o"
}

@test "logs: flags after the name (logs NAME --tail 1)" {
    run_cc 1 logs nosuchctr --tail 1
    assert_contains "$stderr" "nosuchctr"
    run_cc 125 logs nosuchctr --tail x
    assert_contains "$stderr" "invalid --tail 'x'"
}

@test "build: --format is oci or docker; flags after the context" {
    run_cc 125 build "$BATS_TEST_TMPDIR" --format bogus
    assert_contains "$stderr" 'unrecognized image type "bogus"'
}

@test "login/logout/port/load: --help exits 0 with their flags" {
    run_cc 0 login --help
    assert_contains "$output" "--password-stdin"
    run_cc 0 load --help
    assert_contains "$output" "-i, --input string"
    run_cc 0 port --help
    assert_contains "$output" "CONTAINER [PRIVATE_PORT[/PROTO]]"
}
