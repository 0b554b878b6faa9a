#!/usr/bin/env bash
# Start a throw-away PostgreSQL cluster for the test suite (idempotent) and print its URL.
# The cluster lives in .pgtest/ under the project, listens on 127.0.0.1 only, and trusts local
# connections: it holds nothing but test data. `tests/postgres.sh stop` stops it.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
data="$root/.pgtest/data"
first_port="${CRM_TEST_PG_PORT:-55432}"
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$bindir/initdb" ] || { echo "PostgreSQL server binaries not found; run 'make system-deps'." >&2; exit 1; }

# initdb refuses to run as root; use the postgres account Debian's package creates.
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-start}" in
  start)
    if [ ! -f "$data/PG_VERSION" ]; then
      mkdir -p "$data"
      [ "$(id -u)" = 0 ] && chown -R postgres:postgres "$root/.pgtest"
      as_owner "$bindir/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    if ! as_owner "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; then
      # Another checkout's cluster may hold the first port: try the next ones.
      started=
      for port in $(seq "$first_port" $((first_port + 20))); do
        if as_owner "$bindir/pg_ctl" -D "$data" -l "$data/server.log" -w -t 30 \
          -o "-p $port -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off" \
          start >/dev/null 2>&1; then
          started=1
          echo "$port" > "$root/.pgtest/port"
          break
        fi
      done
      [ -n "$started" ] || { echo "could not start PostgreSQL; see $data/server.log" >&2; exit 1; }
    fi
    port=$(cat "$root/.pgtest/port")
    as_owner "$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname = 'crm_test'" | grep -q 1 \
      || as_owner "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres crm_test
    echo "postgresql+psycopg://postgres@127.0.0.1:$port/crm_test"
    ;;
  stop)
    as_owner "$bindir/pg_ctl" -D "$data" -m fast stop >/dev/null 2>&1 || true
    ;;
  *)
    echo "usage: $0 [start|stop]" >&2; exit 2
    ;;
esac
