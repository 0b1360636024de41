#!/usr/bin/env bats
#
# compose on a file nobody here wrote: docker/awesome-compose's
# nginx-golang-mysql (CC0), byte for byte, with its proxy config and
# secret.  Adapted only in what it runs: `mariadb:10-focal` and `nginx` are
# local stand-in images built from tests/system/compose/stubs (same
# entrypoint contract: MYSQL_ROOT_PASSWORD_FILE, mysqladmin ping, the
# conf.d proxy_pass), the backend's Go build is a shell stand-in in the
# same stages, and an override file publishes the proxy on 18080, not 80.

load helpers
load helpers.network
load helpers.build

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
    build_ok -t mariadb:10-focal "$BATS_TEST_DIRNAME/compose/stubs/mariadb"
    build_ok -t nginx "$BATS_TEST_DIRNAME/compose/stubs/nginx"
    cp -a "$BATS_TEST_DIRNAME/compose/awesome-nginx-golang-mysql" "$BATS_TEST_TMPDIR/nginx-golang-mysql"
    cd "$BATS_TEST_TMPDIR/nginx-golang-mysql"
}

teardown() {
    cd "$BATS_TEST_TMPDIR/nginx-golang-mysql" 2>/dev/null &&
        "$CC" --root "$CC_ROOT" compose down -v -t 1 >/dev/null 2>&1 || true
    remove_all_containers
    basic_teardown
}

# The bridge of a network (from the store's database).
network_bridge() {
    python3 - "$CC_ROOT/store.db" "$1" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=30)
for (b,) in db.execute("SELECT bridge FROM networks WHERE name = ?", (sys.argv[2],)):
    print(b)
PY
}

@test "awesome-compose nginx-golang-mysql: up -d builds, waits for the database's health, and the proxy answers from it" {
    run_cc compose config --services
    is "$output" $'backend\ndb\nproxy'
    run_cc compose up -d
    # the order docker compose starts them in: db healthy, then backend, then proxy
    local started
    started=$(grep -E 'Container .* (Started|Healthy)' <<<"$stderr" | sed -E 's/^ *Container ([^ ]+) +([A-Za-z]+)$/\1 \2/')
    is "$started" $'nginx-golang-mysql-db-1 Started\nnginx-golang-mysql-db-1 Healthy\nnginx-golang-mysql-backend-1 Started\nnginx-golang-mysql-proxy-1 Started'
    run_cc compose ps --format '{{.Service}} {{.State}}'
    is "$output" $'backend running\ndb running\nproxy running'
    run_cc inspect -f '{{.State.Health.Status}}' nginx-golang-mysql-db-1
    is "$output" "healthy"

    # proxy -> backend -> db, by their service names on the project network
    # (the proxy's process may still be starting: as with docker, up does
    # not wait for a service without a healthcheck to listen)
    local body
    body=$(curl -sS --max-time 10 --retry 50 --retry-delay 0 --retry-max-time 10 --retry-all-errors \
        http://127.0.0.1:18080/)
    is "$body" "backend: example: blog post 1"

    # the built image, the secret, the read-only bind, the named volume
    run_cc images --format '{{.Repository}}:{{.Tag}}'
    assert_contains "$output" "nginx-golang-mysql-backend:latest"
    run_cc compose exec -T db cat /run/secrets/db-password
    is "$output" "db-q5n2g"
    run_cc 1 compose exec -T proxy sh -c 'echo x >> /etc/nginx/conf.d/default.conf'
    run_cc volume ls -q
    is "$output" "nginx-golang-mysql_db-data"
    run_cc compose logs --no-log-prefix db
    assert_contains "$output" "mysqld ready for connections (--default-authentication-plugin=mysql_native_password)"
    run_cc compose logs db
    assert_match "$output" '^nginx-golang-mysql-db-1 +\| mysqld ready'

    # again: nothing changes
    run_cc inspect -f '{{.Id}}' nginx-golang-mysql-backend-1
    local backend=$output
    run_cc compose up -d
    assert_not_contains "$stderr" "Recreate"
    run_cc inspect -f '{{.Id}}' nginx-golang-mysql-backend-1
    is "$output" "$backend"
}

@test "awesome-compose nginx-golang-mysql: down -v leaves no container, network, bridge, rule or volume" {
    run_cc compose up -d
    local br
    br=$(network_bridge nginx-golang-mysql_default)
    [[ -n $br ]] || die "no row for the project's network"
    ip link show "$br" >/dev/null || die "no bridge $br while the project runs"
    run_cc compose down -v
    assert_contains "$stderr" "Network nginx-golang-mysql_default  Removed"
    assert_contains "$stderr" "Volume nginx-golang-mysql_db-data  Removed"
    run_cc ps -aq
    is "$output" ""
    run_cc network ls --format '{{.Name}}'
    assert_not_contains "$output" "nginx-golang-mysql"
    run_cc volume ls -q
    is "$output" ""
    run ip link show "$br"
    isnt "$status" "0" "bridge $br still exists"
    run nft list table ip ccontainer
    assert_not_contains "$output" "n_${br}_"
}
