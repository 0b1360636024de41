#!/usr/bin/env bats
#
# compose on files nobody here wrote: docker/awesome-compose's
# nginx-golang-mysql and react-express-mysql (CC0), their compose.yaml byte
# for byte, with their configs, secrets and (react-express-mysql) both
# Dockerfiles.  Adapted only in what they run: `mariadb:*`, `nginx` and
# `node:lts` are local stand-in images built from tests/system/compose/stubs
# (the same contracts: MYSQL_ROOT_PASSWORD_FILE, mysqladmin ping, the
# conf.d proxy_pass, npm ci / npm start / node healthcheck.js), the Go
# build is a shell stand-in in the same stages, the npm lock files are
# stubs, and an override file publishes on high ports instead of 80/3000.

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
    local d
    for d in nginx-golang-mysql react-express-mysql; do
        [[ -d $BATS_TEST_TMPDIR/$d ]] || continue
        (cd "$BATS_TEST_TMPDIR/$d" && "$CC" --root "$CC_ROOT" compose down -v -t 1 >/dev/null 2>&1) || true
    done
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

@test "awesome-compose react-express-mysql: two networks, the frontend reaches the backend, not the database" {
    build_ok -t mariadb:10.6.4-focal "$BATS_TEST_DIRNAME/compose/stubs/mariadb"
    build_ok -t node:lts "$BATS_TEST_DIRNAME/compose/stubs/node"
    cp -a "$BATS_TEST_DIRNAME/compose/awesome-react-express-mysql" "$BATS_TEST_TMPDIR/react-express-mysql"
    cd "$BATS_TEST_TMPDIR/react-express-mysql"
    run_cc compose up -d
    assert_contains "$stderr" "Network react-express-mysql_private  Created"
    assert_contains "$stderr" "Network react-express-mysql_public  Created"
    run_cc compose ps --format '{{.Name}} {{.Ports}}'
    is "$output" $'react-express-mysql-backend-1 0.0.0.0:18081->80/tcp\nreact-express-mysql-db-1 \nreact-express-mysql-frontend-1 0.0.0.0:13000->3000/tcp'

    local body
    body=$(curl -sS --max-time 10 --retry 50 --retry-delay 0 --retry-max-time 10 --retry-all-errors \
        http://127.0.0.1:13000/)
    is "$body" "frontend -> backend -> example: blog post 1"
    # the database is on the private network only: not the frontend's
    run_cc compose exec -T frontend sh -c 'nc -w 2 db 3306 </dev/null || echo unreachable'
    assert_contains "$output" "unreachable"
    # the build args and the environment, the secret, the read-only source
    run_cc compose exec -T backend sh -c 'echo $NODE_ENV $DATABASE_HOST; cat $DATABASE_PASSWORD'
    is "$output" $'development db\ndb-btf5q'
    run_cc 1 compose exec -T backend touch /code/src/x
    # the image's HEALTHCHECK (node healthcheck.js) goes with the container
    run_cc inspect -f '{{index .Config.Healthcheck.Test 1}}' react-express-mysql-backend-1
    is "$output" "node healthcheck.js"
    # the frontend's anonymous volume over /code/node_modules has the image's content
    run_cc compose exec -T frontend cat /code/node_modules/.installed
    is "$output" "installed"

    run_cc compose down -v -t 1
    run_cc ps -aq
    is "$output" ""
    run_cc volume ls -q
    is "$output" ""
    run_cc network ls --format '{{.Name}}'
    assert_not_contains "$output" "react-express-mysql"
}
