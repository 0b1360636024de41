#!/usr/bin/env bats
#
# compose up's state across runs: a recreated container keeps its
# predecessor's anonymous volumes, --scale adds and removes replicas, and a
# service_healthy wait does not sit out the dependency's check interval
# (healthcheck run --probe).  The projects are written here; cleanup is
# compose down -v and the usual sweep.

load helpers
load helpers.network

setup_file() {
    file_setup
    net_file_setup
    start_registry
    seed_alpine library/alpine:latest
}

teardown_file() {
    file_teardown
    net_file_teardown
}

setup() {
    basic_setup
    export CCONTAINER_REGISTRY_MIRROR=http://$REGISTRY
    unset COMPOSE_FILE COMPOSE_PROJECT_NAME COMPOSE_PROFILES
    run_cc pull -q alpine
    mkdir -p "$BATS_TEST_TMPDIR/proj"
    cd "$BATS_TEST_TMPDIR/proj"
}

teardown() {
    cd "$BATS_TEST_TMPDIR/proj" 2>/dev/null && "$CC" --root "$CC_ROOT" compose down -v -t 0 >/dev/null 2>&1 || true
    remove_all_containers
    basic_teardown
}

@test "compose up: a recreated container keeps the anonymous volume of the one it replaces; down -v removes it" {
    cat > compose.yaml <<'YAML'
services:
  db:
    image: alpine
    init: true
    environment:
      V: "${V:-1}"
    command: ["sh", "-c", "echo $$V >> /data/log; exec sleep 1000"]
    volumes:
      - /data
YAML
    run_cc compose up -d
    run_cc inspect -f '{{.Id}}' proj-db-1
    local first=$output
    wait_until 10 "$CC" --root "$CC_ROOT" exec proj-db-1 test -s /data/log
    V=2 run_cc compose up -d
    assert_contains "$stderr" "Container proj-db-1  Recreate"
    run_cc inspect -f '{{.Id}}' proj-db-1
    isnt "$output" "$first" "the container was recreated"
    wait_until 10 "$CC" --root "$CC_ROOT" exec proj-db-1 grep -q 2 /data/log
    run_cc compose exec -T db cat /data/log
    is "$output" $'1\n2'
    run_cc volume ls -q
    local vols=$output
    is "$(wc -l <<<"$vols")" "1" "one anonymous volume, handed on"
    # unchanged: nothing happens
    V=2 run_cc compose up -d
    assert_contains "$stderr" "Container proj-db-1  Running"
    run_cc compose down -v -t 0
    run_cc volume ls -q
    is "$output" ""
}

@test "compose up --scale: replicas numbered from 1, removed from the top; errors" {
    cat > compose.yaml <<'YAML'
services:
  w:
    image: alpine
    init: true
    command: ["sleep", "1000"]
YAML
    run_cc compose up -d --scale w=3
    run_cc compose ps --format '{{.Name}} {{.Service}}'
    is "$output" $'proj-w-1 w\nproj-w-2 w\nproj-w-3 w'
    run_cc compose up -d --scale w=1
    run_cc compose ps -a --format '{{.Name}}'
    is "$output" "proj-w-1"
    run_cc 125 compose up -d --scale w
    is "$stderr" "Error: invalid --scale 'w': SERVICE=NUM"
    run_cc 1 compose up -d --scale nope=2
    is "$stderr" "Error: no such service: nope"
}

@test "compose up: a service_healthy dependent starts when the check passes, not at the check's interval" {
    cat > compose.yaml <<'YAML'
services:
  db:
    image: alpine
    init: true
    command: ["sh", "-c", "sleep 1; touch /tmp/ready; exec sleep 1000"]
    healthcheck:
      test: ["CMD", "test", "-e", "/tmp/ready"]
      interval: 300s
      retries: 1
  app:
    image: alpine
    init: true
    command: ["sleep", "1000"]
    depends_on:
      db:
        condition: service_healthy
YAML
    # The first scheduled check is 300 s away: only the probes can make
    # db healthy before then.  Failed probes (during the first second) are
    # not recorded, so retries 1 does not make it unhealthy either.
    run_cc compose up -d
    assert_contains "$stderr" "Container proj-db-1  Healthy"
    run_cc inspect -f '{{.State.Health.Status}} {{len .State.Health.Log}} {{.State.Health.FailingStreak}}' proj-db-1
    is "$output" "healthy 1 0"
    run_cc inspect -f '{{.State.Status}}' proj-app-1
    is "$output" "running"
}
