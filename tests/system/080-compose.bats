#!/usr/bin/env bats
#
# compose config: real-world compose files resolved into docker compose
# config's shape (tests/system/compose/*/expected.*, with @DIR@ for the
# project directory), and the error cases: one Error: line naming the file
# and the line.  No containers, no store: config only reads the files.

load helpers

setup() {
    basic_setup
    unset COMPOSE_FILE COMPOSE_PROJECT_NAME COMPOSE_PROFILES NGINX_TAG DB_USER DB_PASSWORD
}

# project NAME: a copy of the fixture in the test's tmpdir; cd into it.
project() {
    cp -a "$BATS_TEST_DIRNAME/compose/$1" "$BATS_TEST_TMPDIR/$1"
    cd "$BATS_TEST_TMPDIR/$1"
    PROJ=$(pwd -P)
}

# expect FILE: $output is the fixture's FILE with @DIR@ as the project's directory.
expect() {
    local want
    want=$(sed "s|@DIR@|$PROJ|g" "$1")
    if [[ "$output" != "$want" ]]; then
        diff -u <(printf '%s\n' "$want") <(printf '%s\n' "$output") >&2 || true
        die "compose config differs from $1"
    fi
}

@test "compose config: web and database, .env, anchors and merge keys" {
    project webdb
    run_cc compose config
    expect expected.yaml
    run_cc compose config --format json
    expect expected.json
    run_cc compose config --services
    is "$output" $'db\nweb'
    run_cc compose config --volumes
    is "$output" $'dbdata\nstatic'
    run_cc compose config -q
    is "$output" ""
    # the environment wins over .env
    DB_USER=other run_cc compose config
    assert_contains "$output" "POSTGRES_USER: other"
}

@test "compose config: build, healthcheck, depends_on conditions, secrets" {
    project buildhealth
    run_cc compose config
    expect expected.yaml
}

@test "compose config: extends and profiles" {
    project extprof
    run_cc compose config
    expect expected.yaml
    run_cc compose --profile debug config
    expect expected-debug.yaml
    COMPOSE_PROFILES=monitoring run_cc compose config --services
    is "$output" $'metrics\nscheduler\nworker'
    run_cc compose config --profiles
    is "$output" $'debug\nmonitoring'
}

@test "compose config: two -f files merged" {
    project merge
    run_cc compose -f compose.yaml -f compose.prod.yaml config
    expect expected.yaml
    # -p and the project directory name
    run_cc 1 compose -p Other -f compose.yaml config
    assert_contains "$stderr" 'invalid project name "Other"'
    run_cc compose -p other -f compose.yaml config
    assert_contains "$output" "name: other"
}

# err_case FILE CONTENT EXPECTED: one Error: line, with the file and line.
err_case() {
    printf '%s' "$2" >"$BATS_TEST_TMPDIR/$1"
    cd "$BATS_TEST_TMPDIR"
    run_cc 1 compose -f "$1" config
    is "${#stderr_lines[@]}" 1 "one line of error"
    assert_match "$stderr" "^Error: $3"
}

@test "compose config: errors name the file and the line" {
    err_case syntax.yaml $'services:\n  web:\n    image: "x\n' 'syntax.yaml:[0-9]+: yaml: '
    err_case unknown.yaml $'services:\n  web:\n    image: x\n    foo: 1\n' \
        "unknown.yaml:4: services.web additional property 'foo' is not allowed"
    err_case required.yaml $'services:\n  web:\n    image: x\n    environment:\n      A: ${NOPE:?must be set}\n' \
        'required.yaml:5: services.web.environment.A: required variable NOPE is missing a value: must be set'
    err_case unsupported.yaml $'services:\n  web:\n    image: x\n    privileged: true\n' \
        'unsupported.yaml:4: services.web.privileged is not supported'
    err_case cycle.yaml $'services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n    depends_on: [a]\n' \
        'dependency cycle detected: a -> b -> a'
    err_case undefined.yaml $'services:\n  a:\n    image: x\n    volumes: [data:/d]\n' \
        'service "a" refers to undefined volume data'
    err_case dup.yaml $'services:\n  a:\n    image: x\n  a:\n    image: z\n' "dup.yaml:4: yaml: mapping key 'a' already defined"
    err_case lol.yaml $'a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n' \
        'lol.yaml:[0-9]+: more than [0-9]+ YAML nodes'
}

@test "compose config: file discovery and the unknown verb" {
    mkdir -p "$BATS_TEST_TMPDIR/My App/sub"
    printf 'services:\n  web:\n    image: x\n' >"$BATS_TEST_TMPDIR/My App/docker-compose.yml"
    printf 'services:\n  web:\n    image: z\n' >"$BATS_TEST_TMPDIR/My App/docker-compose.override.yml"
    cd "$BATS_TEST_TMPDIR/My App/sub"
    run_cc compose config
    assert_contains "$output" "name: myapp"
    assert_contains "$output" "image: z"
    cd "$BATS_TEST_TMPDIR"
    run_cc 1 compose config
    assert_contains "$stderr" "no configuration file provided"
    run_cc 1 compose up -d
    assert_contains "$stderr" "no configuration file provided"
    run_cc 125 compose frobnicate
    assert_contains "$stderr" 'unknown compose command "frobnicate"'
}
