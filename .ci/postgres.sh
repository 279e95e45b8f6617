#!/usr/bin/env bash
# Makes a PostgreSQL server available on 127.0.0.1:5432 for the store tests, with role
# `concierge` (password `concierge`, LOGIN, CREATEDB) and database `concierge_test` owned by it.
# Idempotent: safe to run again on a machine where all of this is already done.
#
# Works as root on Debian without systemd: installs Debian's `postgresql` if missing, starts the
# Debian cluster if there is one (pg_ctlcluster), otherwise initdb's a throwaway cluster in
# ${CONCIERGE_PG_DATA:-/tmp/concierge-pg} and starts it with pg_ctl.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

PORT=5432
ROLE=concierge
PASSWORD=concierge
DB=concierge_test
DATA=${CONCIERGE_PG_DATA:-/tmp/concierge-pg}

log() { echo "postgres.sh: $*"; }

pg_bin_dir() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1
}

listening() {
  # /dev/tcp needs no client tools; pg_isready would say more but may not be installed yet.
  (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null
}

as_postgres() {
  su postgres -s /bin/sh -c "$*"
}

install_if_missing() {
  if [ -n "$(pg_bin_dir)" ] && command -v psql >/dev/null 2>&1; then
    return
  fi
  log "installing postgresql"
  apt-get update -q
  apt-get install -y -q postgresql
}

start_debian_cluster() {
  local version=$1
  command -v pg_lsclusters >/dev/null 2>&1 || return 1
  # "Ver Cluster Port Status ..." with the header skipped: the main cluster on our port.
  pg_lsclusters --no-header 2>/dev/null | awk -v v="$version" -v p="$PORT" \
    '$1 == v && $2 == "main" && $3 == p { found = 1 } END { exit !found }' || return 1
  log "starting Debian cluster $version/main"
  mkdir -p /var/run/postgresql && chown postgres:postgres /var/run/postgresql
  pg_ctlcluster "$version" main start || true
  listening
}

start_temp_cluster() {
  local bin=$1
  if [ ! -s "$DATA/PG_VERSION" ]; then
    log "initdb into $DATA"
    mkdir -p "$DATA"
    chown postgres:postgres "$DATA"
    chmod 700 "$DATA"
    as_postgres "'$bin/initdb' -D '$DATA' -U postgres --auth-local=trust --auth-host=scram-sha-256 >/dev/null"
  fi
  log "starting throwaway cluster in $DATA"
  as_postgres "'$bin/pg_ctl' -D '$DATA' -l '$DATA/server.log' -w \
    -o \"-p $PORT -k /tmp -c listen_addresses=127.0.0.1\" start >/dev/null"
}

socket_dir() {
  local dir
  for dir in /var/run/postgresql /tmp; do
    if [ -S "$dir/.s.PGSQL.$PORT" ]; then
      echo "$dir"
      return
    fi
  done
}

await_ready() {
  local i
  for i in $(seq 1 60); do
    listening && return 0
    sleep 0.5
  done
  log "no PostgreSQL listening on 127.0.0.1:$PORT after 30 s" >&2
  return 1
}

create_role_and_db() {
  local sock
  sock=$(socket_dir)
  if [ -z "$sock" ]; then
    log "a server listens on $PORT but has no local socket here; assuming role and database exist"
    return
  fi
  local psql="psql -X -q -v ON_ERROR_STOP=1 -h $sock -p $PORT -U postgres -d postgres"
  as_postgres "$psql" <<SQL
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$ROLE') THEN
    CREATE ROLE $ROLE LOGIN CREATEDB PASSWORD '$PASSWORD';
  ELSE
    ALTER ROLE $ROLE LOGIN CREATEDB PASSWORD '$PASSWORD';
  END IF;
END
\$\$;
SQL
  if [ "$(as_postgres "$psql -tAc \"SELECT 1 FROM pg_database WHERE datname = '$DB'\"")" != "1" ]; then
    as_postgres "$psql -c 'CREATE DATABASE $DB OWNER $ROLE'"
  fi
}

# A test server holds nothing to keep: commits need not wait for the disk. Without these a
# commit waited for an fsync of the WAL (1.6-2.0 ms against 0.3-0.45 ms per commit measured here,
# 300 single-row commits), and the store and cluster tests commit all the time (every test's
# schema and migrations, every message). Nothing changes for the tests but time: data is lost
# only if PostgreSQL itself or the machine crashes, which no test does. All three settings take
# effect on a reload, so a server other tests are using is not restarted.
tune_for_tests() {
  local sock
  sock=$(socket_dir)
  [ -n "$sock" ] || return 0
  as_postgres "psql -X -q -v ON_ERROR_STOP=1 -h $sock -p $PORT -U postgres -d postgres" >/dev/null <<SQL
ALTER SYSTEM SET fsync = off;
ALTER SYSTEM SET synchronous_commit = off;
ALTER SYSTEM SET full_page_writes = off;
SELECT pg_reload_conf();
SQL
}

main() {
  install_if_missing
  local bin version
  bin=$(pg_bin_dir)
  version=$(basename "$(dirname "$bin")")
  if ! listening; then
    start_debian_cluster "$version" || start_temp_cluster "$bin"
  fi
  await_ready
  create_role_and_db
  tune_for_tests
  PGPASSWORD=$PASSWORD psql -X -q -h 127.0.0.1 -p "$PORT" -U "$ROLE" -d "$DB" -tAc 'SELECT 1' >/dev/null
  log "ready: jdbc:postgresql://127.0.0.1:$PORT/$DB (user $ROLE)"
}

main "$@"
