#!/usr/bin/env bats
#
# The compose verbs that run things: up (detached and attached), down,
# ps, logs, exec, run, start, stop, restart, kill, rm, top, port, images,
# ls, build; recreation by config hash, orphans, depends_on conditions,
# replicas, volumes shared between services, and what down leaves (nothing:
# containers, the project's network with its bridge and nftables chains,
# volumes).  The files are real compose files (tests/system/compose/*)
# on the local alpine image; traffic stays on loopback and the projects'
# own networks.

load helpers
load helpers.build

setup_file() {
    file_setup
    start_registry
    seed_alpine library/alpine:latest
}

setup() {
    basic_setup
    unset COMPOSE_FILE COMPOSE_PROJECT_NAME COMPOSE_PROFILES
    export CCONTAINER_REGISTRY_MIRROR=http://$REGISTRY
    run_cc pull -q alpine
}

teardown() {
    kill_background
    remove_all_containers
    remove_networks
    podman_compose_cleanup
    podman_cleanup
    basic_teardown
}

###############################################################################
# Helpers

# project NAME: a copy of fixture NAME in the test's tmpdir, cd'd into; the
# project's name is the directory's.  PROJ: its absolute path.
project() {
    cp -a "$BATS_TEST_DIRNAME/compose/$1" "$BATS_TEST_TMPDIR/$1"
    cd "$BATS_TEST_TMPDIR/$1" || return
    PROJ=$(pwd -P)
}

# compose_file NAME: stdin becomes NAME/compose.yaml under the test's tmpdir,
# cd'd into (an inline project).
compose_file() {
    mkdir -p "$BATS_TEST_TMPDIR/$1"
    cat >"$BATS_TEST_TMPDIR/$1/compose.yaml"
    cd "$BATS_TEST_TMPDIR/$1" || return
    PROJ=$(pwd -P)
}

# The store's user-defined networks' bridges (from its database).
store_bridges() {
    [[ -f $CC_ROOT/store.db ]] || return 0
    python3 - "$CC_ROOT/store.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=30)
try:
    for (b,) in db.execute("SELECT bridge FROM networks"):
        print(b)
except sqlite3.OperationalError:
    pass
PY
}

# network prune, then by hand whatever a failure left (as 075-networks).
remove_networks() {
    local bridges b
    bridges=$(store_bridges)
    timeout 30 "$CC" --root "$CC_ROOT" network prune -f >/dev/null 2>&1 || true
    for b in $bridges; do
        ip link del "$b" 2>/dev/null || true
        nft -a list table ip ccontainer 2>/dev/null | grep -o "chain n_${b}_[0-9a-f]*_[0-9]*_[a-z]*" |
            cut -d' ' -f2 | while read -r c; do nft delete chain ip ccontainer "$c" 2>/dev/null || true; done
        nft delete element ip ccontainer bridges "{ \"$b\" }" 2>/dev/null || true
    done
}

# ids: "NAME ID" of every container of the store, sorted by name.
ids() {
    timeout 30 "$CC" --root "$CC_ROOT" ps -a --no-trunc --format '{{.Names}} {{.ID}}' | sort
}

# cc_out ARGS...: ccontainer's stdout (bounded); for $(...) in asserts.
cc_out() {
    timeout 60 "$CC" --root "$CC_ROOT" "$@"
}

# state NAME: the container's State.Status
state() {
    cc_out inspect -f '{{.State.Status}}' "$1" 2>/dev/null
}

state_is() { # NAME STATUS
    [[ "$(state "$1")" == "$2" ]]
}

# log_ns SERVICE TEXT: when the service's first line TEXT was logged (ns)
log_ns() {
    local t
    t=$(cc_out compose logs -t --no-log-prefix "$1" | awk -v want="$2" '{ ts = $1; sub(/^[^ ]+ /, ""); if ($0 == want) { print ts; exit } }')
    [[ -n "$t" ]] || { die "no line '$2' in the logs of $1"; return; }
    to_ns "$t"
}

# ns RFC3339: nanoseconds since the epoch
to_ns() {
    date -d "$1" +%s%N
}

# started_ns NAME: the container's State.StartedAt (whole seconds)
started_ns() {
    to_ns "$(cc_out inspect -f '{{.State.StartedAt}}' "$1")"
}

# healthy_ns NAME: when the container's first passing healthcheck ended
healthy_ns() {
    local t
    t=$(cc_out inspect "$1" | jq -r '[.[0].State.Health.Log[] | select(.ExitCode == 0)][0].End')
    [[ -n "$t" && "$t" != null ]] || { die "$1 has no passing healthcheck in its log"; return; }
    to_ns "$t"
}

# No trace of bridge $1 left: the interface, its nftables chains, its
# element of the bridges set.
assert_bridge_gone() {
    local br=$1
    run ip link show "$br"
    isnt "$status" 0 "bridge $br still exists"
    local table
    table=$(nft list table ip ccontainer 2>/dev/null || true)
    assert_not_contains "$table" "n_${br}_" "nftables chains of bridge $br"
    assert_not_contains "$table" "\"$br\"" "bridge $br in the bridges set"
}

###############################################################################
# podman-compose, the oracle: podman with a store, a runroot and a CNI
# config directory of the test's own (podman_t's, see helpers.build), so
# no network podman-compose makes is seen by the host's podman; runc and
# cgroupfs, and nofile/nproc limits this machine lets a container have.

podman_wrapper() {
    local w=$BATS_TEST_TMPDIR/podman-wrapper
    if [[ ! -x $w ]]; then
        mkdir -p "$BATS_TEST_TMPDIR/podman-netconf"
        cat >"$w" <<EOF
#!/bin/sh
exec env -u REGISTRY_AUTH_FILE podman --root "$BATS_TEST_TMPDIR/podman" --runroot "$BATS_TEST_TMPDIR/podman-run" \
    --storage-driver overlay --runtime runc --cgroup-manager cgroupfs \
    --network-config-dir "$BATS_TEST_TMPDIR/podman-netconf" "\$@"
EOF
        chmod +x "$w"
        echo "$BATS_TEST_TMPDIR" >>"$BATS_TEST_TMPDIR/.podman-used"
    fi
    echo "$w"
}

podman_c() {
    timeout 120 "$(podman_wrapper)" "$@"
}

# podman_compose ARGS...: podman-compose through the wrapper; sets $output, $status.
podman_compose() {
    local w
    w=$(podman_wrapper)
    echo "[$(timestamp)] \$ podman-compose $*"
    run timeout 180 podman-compose --podman-path "$w" \
        --podman-run-args "--ulimit nofile=1024:1024 --ulimit nproc=1000:1000" "$@"
    echo "$output"
    echo "[$(timestamp)] [rc=$status]"
}

# Everything podman-compose made: containers, volumes, networks (and what
# CNI leaves of a network on the host: its dnsname plugin's INPUT rule
# for the bridge, host-local's lease directory).
podman_compose_cleanup() {
    [[ -x $BATS_TEST_TMPDIR/podman-wrapper ]] || return 0
    podman_c rm -a -f -t 0 >/dev/null 2>&1 || true
    podman_c volume rm -a -f >/dev/null 2>&1 || true
    local f net br
    for f in "$BATS_TEST_TMPDIR"/podman-netconf/*.conflist; do
        [[ -f $f ]] || continue
        net=$(jq -r .name "$f")
        br=$(jq -r '.plugins[] | select(.type == "bridge") | .bridge' "$f")
        # the bridge is ours until the network goes; its name may be
        # another podman's right after, so one rule only, and the link only
        # when podman could not remove it
        if [[ -n $br && $br != null ]]; then
            iptables -D INPUT -i "$br" -p udp -m udp --dport 53 -j ACCEPT 2>/dev/null || true
            podman_c network rm -f "$net" >/dev/null 2>&1 || ip link del "$br" 2>/dev/null || true
        else
            podman_c network rm -f "$net" >/dev/null 2>&1 || true
        fi
        [[ -z $net || $net == null ]] || rm -rf "/var/lib/cni/networks/$net"
    done
}


# compose_log_has SERVICE TEXT: a line of the service's logs is TEXT
compose_log_has() {
    timeout 20 "$CC" --root "$CC_ROOT" compose logs --no-log-prefix "$1" 2>/dev/null | grep -qxF -- "$2"
}

# no_resolver: the store's ccontainer-dns has ended
no_resolver() {
    ! pgrep -f "ccontainer-dns .*$(net_owner)" >/dev/null
}

###############################################################################
# up -d, and the verbs that look at a running project

@test "compose up -d: web and database by name, ps, exec, port, top, images, ls" {
    project webapp
    run_cc compose up -d
    assert_contains "$stderr" "Network webapp_default  Created"
    assert_contains "$stderr" "Volume webapp_site  Created"
    assert_contains "$stderr" "Container webapp-web-1  Started"

    run_cc compose ps
    assert_match "${lines[0]}" '^NAME +IMAGE +COMMAND +SERVICE +CREATED +STATUS +PORTS'
    is "${#lines[@]}" 3 "ps: a header and the two running services (seed has exited)"
    assert_match "${lines[1]}" '^webapp-db-1 +alpine +"sh -c .* db +.* Up ' "ps: db"
    assert_match "${lines[2]}" '^webapp-web-1 +alpine +"nc -lk -p 80 .* web +.* Up .*127\.0\.0\.1:[0-9]+->80/tcp' "ps: web"
    run_cc compose ps -a --format json
    is "$(jq -r '[.Name, .Service, .State] | join(" ")' <<<"$output" | sort)" \
        $'webapp-db-1 db running\nwebapp-seed-1 seed exited\nwebapp-web-1 web running' "ps -a --format json"
    is "$(jq -r 'select(.Service == "seed") | .ExitCode' <<<"$output")" 0 "seed's exit code"
    is "$(jq -r 'select(.Service == "db") | .Health' <<<"$output")" healthy "db's health"
    is "$(jq -r 'select(.Service == "web") | .Project' <<<"$output")" webapp "the project"
    run_cc compose ps -q web
    is "$output" "$(cc_out inspect -f '{{.Id}}' webapp-web-1)" "ps -q web"
    run_cc compose ps --services
    is "$output" $'db\nweb'
    run_cc compose ps --status exited --format '{{.Name}}'
    is "$output" "webapp-seed-1"

    # the database by its service name and by its container name, from web
    run_cc compose exec -T web nc -w 3 db 5432
    is "$output" "db-ok"
    run_cc compose exec -T web nc -w 3 webapp-db-1 5432
    is "$output" "db-ok"
    run_cc compose exec -T web nc -w 3 database 5432
    is "$output" "db-ok" "db by its alias"
    run_cc compose exec -T web sh -c 'echo $DB_HOST:$DB_PORT:$GREETING'
    is "$output" "db:5432:hello"
    # exec's status is the command's
    run_cc 3 compose exec -T db sh -c 'exit 3'
    # the page seed wrote into the volume they share: through web's
    # published port, and from db by web's service name
    run_cc compose port web 80
    assert_match "$output" '^127\.0\.0\.1:[0-9]+$'
    run curl -s --max-time 5 "http://127.0.0.1:${output##*:}/"
    is "$output" "hello from the site volume" "the page through the published port"
    run_cc compose exec -T db wget -qO- http://web/
    is "$output" "hello from the site volume"

    run_cc compose top db
    is "${lines[0]}" "webapp-db-1"
    assert_match "${lines[1]}" '^UID +PID +PPID '
    assert_line_match "$output" 'nc -lk -p 5432 -e echo db-ok'
    run_cc compose images
    assert_match "${lines[0]}" '^CONTAINER +REPOSITORY +TAG +IMAGE ID +SIZE'
    assert_line_match "$output" '^webapp-db-1 +alpine +latest +[0-9a-f]{12} '
    assert_line_match "$output" '^webapp-web-1 +alpine +latest +[0-9a-f]{12} '
    run_cc compose ls
    assert_match "${lines[0]}" '^NAME +STATUS +CONFIG FILES$'
    assert_match "${lines[1]}" "^webapp +exited\(1\), running\(2\) +$PROJ/compose.yaml\$"
    run_cc compose ls --format json
    is "$(jq -r '.[] | [.Name, .Status, .ConfigFiles] | join(" ")' <<<"$output")" \
        "webapp exited(1), running(2) $PROJ/compose.yaml"
    run_cc compose ls -q
    is "$output" webapp

    run_cc compose down
    run_cc ps -a -q
    is "$output" ""
    run_cc compose ls -a -q
    is "$output" ""
}

@test "compose logs: prefixed, --no-log-prefix, --tail, one service, --index" {
    project webapp
    run_cc compose up -d
    run_cc compose logs
    # one width for every name: the longest name, two spaces, "| "
    assert_line_match "$output" '^webapp-db-1    \| starting database$'
    assert_line_match "$output" '^webapp-db-1    \| database system is ready to accept connections$'
    assert_line_match "$output" '^webapp-seed-1  \| seeded the site$'
    assert_no_line_match "$output" '^webapp-web-1'
    run_cc compose logs db
    is "$output" $'webapp-db-1  | starting database\nwebapp-db-1  | database system is ready to accept connections'
    run_cc compose logs --no-log-prefix db
    is "$output" $'starting database\ndatabase system is ready to accept connections'
    run_cc compose logs --tail 1 db seed
    assert_line_match "$output" '^webapp-db-1    \| database system is ready to accept connections$'
    assert_line_match "$output" '^webapp-seed-1  \| seeded the site$'
    is "${#lines[@]}" 2 "--tail 1 of two containers"
    run_cc compose logs --index 1 --no-log-prefix -n 1 db
    is "$output" "database system is ready to accept connections"
    # no terminal, so no colour
    assert_not_contains "$output" $'\033'
    run_cc compose logs -t db
    assert_match "${lines[0]}" '^webapp-db-1  \| [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z starting database$'
    run_cc compose down
}

###############################################################################
# convergence: what a second up changes

@test "compose up -d: unchanged is left alone, a changed service recreated, --force-recreate, orphans" {
    project webapp
    run_cc compose up -d
    local first
    first=$(ids)
    is "$(wc -l <<<"$first")" 3 "three containers"

    # again: nothing changes (seed, which had exited, runs again, as docker's)
    run_cc compose up -d
    is "$(ids)" "$first" "container IDs after a second up"
    assert_contains "$stderr" "Container webapp-db-1  Running"
    assert_contains "$stderr" "Container webapp-web-1  Running"
    assert_not_contains "$stderr" "Recreate"
    assert_not_contains "$stderr" "Created"

    # web's environment changes: web is recreated, the others keep their IDs
    sed -i 's/GREETING: hello/GREETING: bonjour/' compose.yaml
    run_cc compose up -d
    assert_contains "$stderr" "Container webapp-web-1  Recreate"
    assert_not_contains "$stderr" "Container webapp-db-1  Recreate"
    local second
    second=$(ids)
    is "$(grep -v webapp-web-1 <<<"$second")" "$(grep -v webapp-web-1 <<<"$first")" "db and seed keep their IDs"
    isnt "$(grep webapp-web-1 <<<"$second")" "$(grep webapp-web-1 <<<"$first")" "web's ID"
    run_cc compose exec -T web printenv GREETING
    is "$output" bonjour
    run_cc compose ps --format '{{.Name}} {{.State}}'
    is "$output" $'webapp-db-1 running\nwebapp-web-1 running'

    # a second file adds a service: the others are not recreated (which
    # files a service came from is not its configuration)
    printf 'services:\n  cache:\n    image: alpine\n    init: true\n    command: ["sleep", "600"]\n' >cache.yaml
    run_cc compose -f compose.yaml -f cache.yaml up -d
    assert_contains "$stderr" "Container webapp-cache-1  Started"
    is "$(ids | grep -v webapp-cache-1)" "$second" "IDs after a file was added"

    # without it, cache is an orphan: named in a warning, kept ...
    run_cc compose up -d
    assert_contains "$stderr" "Warning: Found orphan containers ([webapp-cache-1]) for this project"
    is "$(state webapp-cache-1)" running
    run_cc compose down
    assert_contains "$stderr" "Found orphan containers ([webapp-cache-1])"
    is "$(ids | cut -d' ' -f1)" webapp-cache-1 "down leaves the orphan"
    # and the network it uses, as docker compose does
    assert_contains "$stderr" "Network webapp_default  Resource is still in use"
    # ... and removed with --remove-orphans
    run_cc compose up -d --remove-orphans
    assert_contains "$stderr" "Container webapp-cache-1  Removed"
    is "$(ids | cut -d' ' -f1)" $'webapp-db-1\nwebapp-seed-1\nwebapp-web-1'

    # --force-recreate: every container is new
    local third fourth
    third=$(ids)
    run_cc compose up -d --force-recreate
    fourth=$(ids)
    is "$(cut -d' ' -f1 <<<"$fourth")" $'webapp-db-1\nwebapp-seed-1\nwebapp-web-1'
    is "$(comm -12 <(cut -d' ' -f2 <<<"$third" | sort) <(cut -d' ' -f2 <<<"$fourth" | sort))" "" \
        "no container ID survives --force-recreate"
    # --no-recreate leaves a changed service as it is
    sed -i 's/GREETING: bonjour/GREETING: hallo/' compose.yaml
    run_cc compose up -d --no-recreate
    is "$(ids)" "$fourth"
    run_cc compose down
}

@test "compose up: a recreated container keeps its anonymous volumes' data; -V renews them; down -v removes them" {
    # a database image's VOLUME, or "- /path" in the file: docker compose
    # hands the volume to the new container when it recreates one
    compose_file anon <<'YAML'
services:
  db:
    image: alpine
    init: true
    command: ["sleep", "600"]
    environment:
      VERSION: "1"
    volumes:
      - /var/lib/db
YAML
    run_cc compose up -d
    run_cc compose exec -T db sh -c 'echo kept > /var/lib/db/row'
    local vol
    vol=$(cc_out volume ls -q)
    assert_match "$vol" '^[0-9a-f]{64}$' "one anonymous volume"
    sed -i 's/VERSION: "1"/VERSION: "2"/' compose.yaml
    run_cc compose up -d
    assert_contains "$stderr" "Container anon-db-1  Recreate"
    run_cc compose exec -T db sh -c 'echo $VERSION; cat /var/lib/db/row'
    is "$output" $'2\nkept' "the data after a recreation"
    run_cc volume ls -q
    is "$output" "$vol" "the same volume"
    # --renew-anon-volumes: a fresh one, the old one gone
    sed -i 's/VERSION: "2"/VERSION: "3"/' compose.yaml
    run_cc compose up -d -V
    run_cc compose exec -T db sh -c 'cat /var/lib/db/row 2>/dev/null || echo empty'
    is "$output" empty
    run_cc volume ls -q
    isnt "$output" "$vol" "a new volume"
    assert_match "$output" '^[0-9a-f]{64}$' "one anonymous volume"
    run_cc compose down -v
    run_cc volume ls -q
    is "$output" "" "down -v removes anonymous volumes"
    # one the new configuration has no place for goes with the old container
    run_cc compose up -d
    sed -i '/^    volumes:/,$d' compose.yaml
    run_cc compose up -d
    assert_contains "$stderr" "Container anon-db-1  Recreate"
    run_cc volume ls -q
    is "$output" "" "the anonymous volume nothing uses now"
    run_cc compose down
}

###############################################################################
# depends_on conditions

@test "compose up: service_healthy and service_completed_successfully are waited for" {
    project depends
    # --wait: up returns once every service runs, and is healthy if it has a check
    run_cc compose up -d --wait
    assert_contains "$stderr" "Container depends-db-1  Healthy"
    assert_contains "$stderr" "Container depends-migrate-1  Exited"
    run_cc compose ps -a --format '{{.Name}} {{.State}} {{.ExitCode}}'
    is "$output" $'depends-app-1 running 0\ndepends-db-1 running 0\ndepends-migrate-1 exited 0'

    # when each line was logged (nanoseconds; State.StartedAt has whole seconds)
    local db_healthy migrating migrated app_starting
    db_healthy=$(healthy_ns depends-db-1)
    migrating=$(log_ns migrate migrating)
    migrated=$(log_ns migrate "migrations applied")
    app_starting=$(log_ns app "app starting")
    # db takes 2 s to be ready: no check passes before
    assert_le $(($(started_ns depends-db-1) + 2000000000)) "$db_healthy" "db healthy 2 s after its start"
    assert_le "$db_healthy" "$migrating" "migrate starts once db is healthy"
    assert_le "$migrated" "$app_starting" "app starts once migrate has finished"

    run_cc compose logs --no-log-prefix migrate
    is "$output" $'migrating\nmigrations applied'
    run_cc compose down
}

@test "compose create, then start: the same order and conditions as up" {
    project depends
    run_cc compose create
    run_cc compose ps -a --format '{{.Name}} {{.State}}'
    is "$output" $'depends-app-1 created\ndepends-db-1 created\ndepends-migrate-1 created'
    run_cc compose start
    assert_contains "$stderr" "Container depends-db-1  Healthy"
    run_cc compose ps -a --format '{{.Name}} {{.State}} {{.ExitCode}}'
    is "$output" $'depends-app-1 running 0\ndepends-db-1 running 0\ndepends-migrate-1 exited 0'
    assert_le "$(healthy_ns depends-db-1)" "$(log_ns migrate migrating)" "migrate starts once db is healthy"
    assert_le "$(log_ns migrate "migrations applied")" "$(log_ns app "app starting")" "app starts once migrate has finished"
    run_cc compose down
}

@test "compose stop and down: dependents first" {
    compose_file order <<'YAML'
services:
  db:
    image: alpine
    command: ["sh", "-c", "trap 'echo db stops; exit 0' TERM; echo db up; while :; do sleep 0.2; done"]
  api:
    image: alpine
    command: ["sh", "-c", "trap 'sleep 1; echo api stops; exit 0' TERM; echo api up; while :; do sleep 0.2; done"]
    depends_on: [db]
  web:
    image: alpine
    command: ["sh", "-c", "trap 'sleep 1; echo web stops; exit 0' TERM; echo web up; while :; do sleep 0.2; done"]
    depends_on: [api]
YAML
    run_cc compose up -d
    wait_until 10 compose_log_has web "web up"
    run_cc compose stop
    assert_le "$(log_ns web "web stops")" "$(log_ns api "api stops")" "web stops before api"
    assert_le "$(log_ns api "api stops")" "$(log_ns db "db stops")" "api stops before db"
    run_cc compose start
    wait_until 10 compose_log_has web "web up"
    run_cc compose down
    assert_le "$(grep -n 'Container order-web-1  Removed' <<<"$stderr" | cut -d: -f1)" \
        "$(grep -n 'Container order-api-1  Stopping' <<<"$stderr" | cut -d: -f1)" "down: web before api"
}

@test "compose up: a dependency that fails, or never becomes healthy, is an error" {
    compose_file failing <<'YAML'
services:
  init:
    image: alpine
    command: ["sh", "-c", "echo migration failed >&2; exit 3"]
  app:
    image: alpine
    command: ["true"]
    depends_on:
      init:
        condition: service_completed_successfully
YAML
    run_cc 1 compose up -d
    assert_match "$stderr" $'(^|\n)Error: service "init" didn\'t complete successfully: exit 3$'
    run_cc ps -a --format '{{.Names}} {{.Status}}'
    assert_match "$output" '^failing-init-1 Exited \(3\)' "app was never created"
    run_cc compose down

    compose_file sick <<'YAML'
services:
  db:
    image: alpine
    init: true
    command: ["sleep", "600"]
    healthcheck:
      test: ["CMD", "false"]
      interval: 1s
      retries: 1
  app:
    image: alpine
    command: ["true"]
    depends_on:
      db:
        condition: service_healthy
YAML
    run_cc 1 compose up -d
    assert_match "$stderr" $'(^|\n)Error: dependency failed to start: container sick-db-1 is unhealthy$'
    run_cc ps -a --format '{{.Names}}'
    is "$output" sick-db-1
    run_cc compose down
}

@test "compose pull, and up pulls a missing image" {
    project replicas
    run_cc rmi alpine
    run_cc compose pull
    assert_contains "$stderr" "Image alpine  Pulled"
    run_cc image exists alpine
    run_cc rmi alpine
    run_cc compose up -d
    assert_contains "$stderr" "Image alpine  Pulled"
    run_cc compose images --format '{{.ContainerName}} {{.Repository}}:{{.Tag}}'
    is "$output" $'replicas-worker-1 alpine:latest\nreplicas-worker-2 alpine:latest'
    run_cc compose down
}

###############################################################################
# build

@test "compose build: build: context and a Containerfile, images named <project>-<service>" {
    project buildapp
    run_cc compose build
    assert_contains "$stderr" "Service api  Built"
    assert_contains "$stderr" "Service worker  Built"
    run_cc images --format '{{.Repository}}:{{.Tag}}'
    assert_line_match "$output" '^buildapp-api:latest$'
    assert_line_match "$output" '^buildapp-worker:latest$'
    local api_id
    api_id=$(cc_out image inspect -f '{{.Id}}' buildapp-api)
    # the build arg of the long form, the default of the short one
    run_cc run --rm buildapp-api cat /greeting
    is "$output" "hi from the build"
    run_cc run --rm buildapp-worker cat /greeting
    is "$output" "hello from the build"

    # up builds nothing that exists
    run_cc compose up -d
    assert_not_contains "$stderr" "Building"
    wait_until 10 compose_log_has api "api: hi from the build (version 1)"
    wait_until 10 compose_log_has worker "worker: hello from the build (version 1)"
    run_cc compose images api
    assert_match "${lines[1]}" "^buildapp-api-1 +buildapp-api +latest +${api_id:7:12} "
    local before
    before=$(ids)

    # a change in the context: build makes a new image, up recreates the
    # service's container for it (the image is part of its configuration)
    sed -i 's/version 1/version 2/' api/app.sh
    run_cc compose build api
    isnt "$(cc_out image inspect -f '{{.Id}}' buildapp-api)" "$api_id" "api's image after a rebuild"
    run_cc compose up -d
    assert_contains "$stderr" "Container buildapp-api-1  Recreate"
    assert_not_contains "$stderr" "Container buildapp-worker-1  Recreate"
    wait_until 10 compose_log_has api "api: hi from the build (version 2)"
    is "$(ids | grep worker)" "$(grep worker <<<"$before")" "worker keeps its container"

    # --build rebuilds (from the cache) before up
    run_cc compose up -d --build
    assert_contains "$stderr" "Service api  Building"
    run_cc compose stop
    assert_contains "$stderr" "Container buildapp-api-1  Stopped"
    run_cc compose logs --no-log-prefix api
    assert_line_match "$output" '^api: stopping$' "api's SIGTERM trap ran"
    run_cc compose down --rmi local
    assert_contains "$stderr" "Image buildapp-api  Removed"
    run_cc images --format '{{.Repository}}'
    assert_no_line_match "$output" '^buildapp-'
}

###############################################################################
# volumes, and what down leaves

@test "compose down: named volumes survive it, down -v leaves nothing" {
    project webapp
    run_cc compose up -d
    local br
    br=$(store_bridges)
    [[ -n $br ]] || die "no bridge recorded for the project's network"
    assert_match "$(ip -br link show "$br")" "^$br "
    run nft list table ip ccontainer
    assert_contains "$output" "n_${br}_"

    # db writes into its volume; web reads the volume seed wrote
    run_cc compose exec -T db sh -c 'echo precious > /var/lib/db/row'
    run_cc compose exec -T web cat /srv/www/index.html
    is "$output" "hello from the site volume"
    run_cc volume ls --format '{{.Name}} {{.Label "com.docker.compose.project"}} {{.Label "com.docker.compose.volume"}}'
    is "$output" $'webapp_dbdata webapp dbdata\nwebapp_site webapp site'

    # down: containers and the network go, volumes stay with their data
    run_cc compose down
    run_cc ps -a -q
    is "$output" ""
    run_cc network ls --format '{{.Name}}'
    assert_no_line_match "$output" '^webapp_default$'
    assert_bridge_gone "$br"
    run_cc volume ls -q
    is "$output" $'webapp_dbdata\nwebapp_site'
    run_cc compose up -d
    run_cc compose exec -T db cat /var/lib/db/row
    is "$output" precious "the row after down and up"

    # down -v: nothing of the project is left
    br=$(store_bridges)
    run_cc compose down -v
    assert_contains "$stderr" "Volume webapp_dbdata  Removed"
    run_cc ps -a -q
    is "$output" "" "containers"
    run_cc network ls --format '{{.Name}}'
    is "$(sort <<<"$output")" $'bridge\nhost\nnone' "networks"
    assert_bridge_gone "$br"
    is "$(store_bridges)" "" "the store's networks"
    is "$(net_container_chains)" "" "nftables chains of the containers"
    run_cc volume ls -q
    is "$output" "" "volumes"
    assert_file_absent "$CC_ROOT/volumes/webapp_dbdata" "$CC_ROOT/volumes/webapp_site"
    wait_until 5 no_resolver
    run find "$CC_RUNROOT" -mindepth 1 -maxdepth 1 -regextype egrep -regex '.*/[0-9a-f]{64}'
    is "$output" "" "containers' run-time directories"
    # and a second down has nothing to do
    run_cc compose down -v
    is "$stderr" ""
}

###############################################################################
# one-off containers, and the lifecycle verbs

@test "compose run: a one-off container with the service's config, its dependencies up, --rm" {
    project webapp
    # nothing is up yet: run makes the network and volumes, and starts
    # what web depends on first
    run_cc compose run --rm web sh -c 'nc -w 3 db 5432; cat /srv/www/index.html; echo $GREETING'
    is "$output" $'db-ok\nhello from the site volume\nhello'
    run_cc ps -a --format '{{.Names}} {{.State}}'
    is "$(sort <<<"$output")" $'webapp-db-1 running\nwebapp-seed-1 exited' "web's run container is gone"
    # its status is the command's; no --rm: it stays, a one-off of the project
    run_cc 7 compose run --no-deps --name once db sh -c 'echo once; exit 7'
    is "$output" once
    run_cc inspect -f '{{index .Config.Labels "com.docker.compose.oneoff"}} {{index .Config.Labels "com.docker.compose.service"}}' once
    is "$output" "True db"
    # no ports unless --service-ports
    run_cc compose run --rm --no-deps web sh -c 'echo ok'
    is "$output" ok
    run_cc compose run --rm --no-deps -e EXTRA=1 -w /tmp db sh -c 'echo $EXTRA $(pwd)'
    is "$output" "1 /tmp"
    run_cc compose down
    run_cc ps -a -q
    is "$output" "" "down removes the one-off container too"
}

@test "compose run: on a fresh project, a service without dependencies" {
    project webapp
    run_cc compose run --rm db sh -c 'ls -d /var/lib/db && echo one-off'
    is "$output" $'/var/lib/db\none-off'
    run_cc network ls --format '{{.Name}}'
    assert_line_match "$output" '^webapp_default$'
    run_cc compose down -v
}

@test "compose stop, start, restart, kill, rm -f" {
    project webapp
    run_cc compose up -d
    local web_pid
    web_pid=$(cc_out inspect -f '{{.State.Pid}}' webapp-web-1)

    run_cc compose stop db
    assert_contains "$stderr" "Container webapp-db-1  Stopped"
    is "$(state webapp-db-1)" exited
    is "$(state webapp-web-1)" running
    run_cc compose ps --format '{{.Name}}'
    is "$output" webapp-web-1
    run_cc compose start db
    assert_contains "$stderr" "Container webapp-db-1  Started"
    is "$(state webapp-db-1)" running

    run_cc compose restart web
    assert_contains "$stderr" "Container webapp-web-1  Started"
    isnt "$(cc_out inspect -f '{{.State.Pid}}' webapp-web-1)" "$web_pid" "web's PID after restart"
    run_cc compose exec -T web nc -w 3 db 5432
    is "$output" db-ok

    run_cc compose kill db
    is "$(state webapp-db-1)" exited
    is "$(cc_out inspect -f '{{.State.ExitCode}}' webapp-db-1)" 137 "SIGKILL"
    run_cc compose kill -s SIGTERM web
    wait_until 10 state_is webapp-web-1 exited

    # rm: stopped containers only; -s stops first
    run_cc compose start
    run_cc compose rm -f db
    assert_contains "$stderr" "No stopped containers"
    is "$(state webapp-db-1)" running
    run_cc compose rm -f
    assert_contains "$stderr" "Container webapp-seed-1  Removed"
    run_cc ps -a --format '{{.Names}}'
    is "$(sort <<<"$output")" $'webapp-db-1\nwebapp-web-1'
    run_cc compose rm -f -s -v
    run_cc ps -a -q
    is "$output" ""
    run_cc compose down -v
}

@test "compose up: deploy.replicas gives -1 and -2; fewer replicas remove the last" {
    project replicas
    run_cc compose up -d
    run_cc compose ps --format json
    is "$(jq -r '[.Name, .Service, .State] | join(" ")' <<<"$output")" \
        $'replicas-worker-1 worker running\nreplicas-worker-2 worker running'
    run_cc compose exec -T --index 2 worker hostname
    local h2=$output
    run_cc compose exec -T worker hostname
    isnt "$output" "$h2" "exec without --index is replica 1"
    wait_until 10 compose_log_has worker "worker on $h2"
    run_cc compose logs --no-log-prefix --index 2 worker
    is "$output" "worker on $h2"
    # the replicas answer to the service's name on the project's network
    run_cc compose exec -T --index 1 worker sh -c 'nslookup -type=a worker | grep -c "^Address: "'
    is "$output" 2 "two addresses for the service's name"

    local first
    first=$(ids | grep worker-1)
    sed -i 's/replicas: 2/replicas: 1/' compose.yaml
    run_cc compose up -d
    is "$(ids)" "$first" "replica 2 removed, replica 1 kept"
    run_cc compose down
}

###############################################################################
# up attached

@test "compose up (attached): prefixed output of every service until all have exited" {
    project attached
    cc_bg up compose up
    wait_bg "$CC_BG_PID" 60
    is "$status" 0 "up's status"
    local out
    out=$(<"$BATS_TEST_TMPDIR/up.out")
    echo "$out"
    assert_line_match "$out" '^Attaching to attached-hello-1, attached-world-1$'
    assert_line_match "$out" '^attached-hello-1  \| hello from hello$'
    assert_line_match "$out" '^attached-hello-1  \| a second line$'
    assert_line_match "$out" '^attached-world-1  \| hello from world$'
    assert_line_match "$out" '^attached-hello-1 exited with code 0$'
    assert_line_match "$out" '^attached-world-1 exited with code 2$'
    # a container's end comes after its output
    local l_out l_exit
    l_out=$(grep -n 'hello from world$' <<<"$out" | cut -d: -f1)
    l_exit=$(grep -n '^attached-world-1 exited' <<<"$out" | cut -d: -f1)
    assert_le "$l_out" "$l_exit" "the exit line after the output"
    run_cc ps -a --format '{{.Names}} {{.State}}'
    is "$(sort <<<"$output")" $'attached-hello-1 exited\nattached-world-1 exited'
    run_cc compose down
}

@test "compose up (attached): SIGINT stops the containers, status 130" {
    compose_file interrupt <<'YAML'
services:
  server:
    image: alpine
    init: true
    command: ["sh", "-c", "echo serving; exec sleep 600"]
  ticker:
    image: alpine
    command: ["sh", "-c", "trap 'echo ticker stops; exit 0' TERM; echo ticking; while :; do sleep 0.2; done"]
YAML
    cc_bg up compose up
    wait_until 30 file_contains "$BATS_TEST_TMPDIR/up.out" '^interrupt-ticker-1  \| ticking$'
    wait_until 10 file_contains "$BATS_TEST_TMPDIR/up.out" '^interrupt-server-1  \| serving$'
    local t0=$SECONDS
    kill -INT "$CC_BG_PID"
    wait_bg "$CC_BG_PID" 30
    is "$status" 130 "up's status after SIGINT"
    assert_le $((SECONDS - t0)) 8 "seconds to stop"
    run_cc ps -a --format '{{.Names}} {{.State}}'
    is "$(sort <<<"$output")" $'interrupt-server-1 exited\ninterrupt-ticker-1 exited'
    run cat "$BATS_TEST_TMPDIR/up.err"
    assert_contains "$output" "Gracefully stopping..."
    run_cc compose logs --no-log-prefix ticker
    assert_line_match "$output" '^ticker stops$' "the ticker got SIGTERM"
    run_cc compose down
}

@test "compose up --abort-on-container-exit: the first container's end stops the rest, its status is up's" {
    # the way CI runs a test suite next to the service it tests
    compose_file ci <<'YAML'
services:
  app:
    image: alpine
    init: true
    command: ["sh", "-c", "echo app up; exec sleep 600"]
  tests:
    image: alpine
    command: ["sh", "-c", "sleep 0.5; echo 1 test failed; exit 3"]
    depends_on: [app]
YAML
    cc_bg up compose up --abort-on-container-exit
    wait_bg "$CC_BG_PID" 60
    is "$status" 3 "up's status: the tests' exit code"
    local out
    out=$(<"$BATS_TEST_TMPDIR/up.out")
    echo "$out"
    assert_line_match "$out" '^ci-tests-1  \| 1 test failed$'
    assert_line_match "$out" '^ci-tests-1 exited with code 3$'
    run_cc ps -a --format '{{.Names}} {{.State}}'
    is "$(sort <<<"$output")" $'ci-app-1 exited\nci-tests-1 exited'
    run_cc compose down
}

###############################################################################
# errors

@test "compose errors: the file's line, services that are not there or not running" {
    # YAML, an unknown key and a required variable: one line naming the
    # file and the line, from up as from config
    compose_file errs <<'YAML'
services:
  web:
    image: "alpine
YAML
    run_cc 1 compose up -d
    is "${#stderr_lines[@]}" 1 "one line of error"
    assert_match "$stderr" '^Error: compose\.yaml:[0-9]+: yaml: '
    printf 'services:\n  web:\n    image: alpine\n    imagee: alpine\n' >compose.yaml
    run_cc 1 compose up -d
    is "$stderr" "Error: compose.yaml:4: services.web additional property 'imagee' is not allowed"
    printf 'services:\n  web:\n    image: alpine\n    environment:\n      PASSWORD: ${DB_PASSWORD:?set DB_PASSWORD}\n' >compose.yaml
    run_cc 1 compose up -d
    is "$stderr" "Error: compose.yaml:5: services.web.environment.PASSWORD: required variable DB_PASSWORD is missing a value: set DB_PASSWORD"
    run_cc 1 compose down
    is "${#stderr_lines[@]}" 1 "down: one line of error"
    run_cc ps -a -q
    is "$output" "" "nothing was created"
    run_cc network ls --format '{{.Name}}'
    assert_no_line_match "$output" '^errs_'

    project webapp
    run_cc compose up -d db
    is "$(ids | cut -d' ' -f1)" webapp-db-1 "up SERVICE: only it and what it depends on"
    run_cc 1 compose exec -T web true
    is "$stderr" 'Error: service "web" is not running'
    local verb
    for verb in "up -d" "exec -T" "logs" "ps" "stop" "start" "restart" "kill" "rm -f" "run --rm" "top" "images" "build" "create"; do
        # shellcheck disable=SC2086
        run_cc 1 compose $verb nosuch true
        is "$stderr" "Error: no such service: nosuch" "compose $verb nosuch"
    done
    run_cc 1 compose port nosuch 80
    is "$stderr" "Error: no such service: nosuch"
    run_cc compose down
}

###############################################################################
# podman-compose as an oracle

# podman-compose 1.0.3 (Debian bookworm's) names containers
# <project>_<service>_<n> (docker compose v1's separator; v2 and ccontainer
# use "-"), its networks <project>_<network> and volumes <project>_<volume>
# as docker compose does.  Its `down` leaves the network (docker compose's
# and ccontainer's remove it), and its up does not wait for a dependency's
# condition; only the names are compared.
@test "compose: the same names as podman-compose gives (containers after _ -> -, networks, volumes)" {
    command -v podman-compose >/dev/null || die "podman-compose is not installed (tests/install-deps.sh installs it)"
    project oracle
    run_cc compose up -d
    local ours_c ours_n ours_v
    ours_c=$(cc_out ps -a --format '{{.Names}}' | sort)
    ours_n=$(cc_out network ls --format '{{.Name}}' | grep -vx -e bridge -e host -e none | sort)
    ours_v=$(cc_out volume ls -q | sort)
    run_cc compose down -v

    podman_c pull -q --tls-verify=false "$REGISTRY/library/alpine:latest" >/dev/null
    podman_c tag "$REGISTRY/library/alpine:latest" docker.io/library/alpine:latest
    podman_compose up -d
    is "$status" 0 "podman-compose up -d"
    local theirs_c theirs_n theirs_v
    theirs_c=$(podman_c ps -a --format '{{.Names}}' | sort)
    theirs_n=$(podman_c network ls --format '{{.Name}}' | grep -vx podman | sort)
    theirs_v=$(podman_c volume ls -q | sort)
    podman_compose down -v
    is "$status" 0 "podman-compose down -v"

    is "$ours_c" $'oracle-db-1\noracle-web-1' "our containers"
    is "$theirs_c" $'oracle_db_1\noracle_web_1' "podman-compose's containers"
    is "$ours_c" "$(tr _ - <<<"$theirs_c")" "containers, '_' as '-'"
    is "$ours_n" oracle_default "our network"
    is "$ours_n" "$theirs_n" "networks"
    is "$ours_v" $'oracle_data\noracle_dbdata' "our volumes"
    is "$ours_v" "$theirs_v" "volumes"
}
