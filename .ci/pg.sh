#!/usr/bin/env bash
# Start or stop a throwaway PostgreSQL 15 cluster on a Unix socket in a temp folder.
#   source .ci/pg.sh start   → exports ESCHOOL_TEST_PG (admin URL) and PGDIR
#   .ci/pg.sh stop DIR
# initdb refuses to run as root, so as root the cluster runs as the 'postgres' user.
set -euo pipefail
action=${1:-start}
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ "$action" = start ]; then
  PGDIR=$(mktemp -d /tmp/eschool-pg.XXXXXX)
  [ "$(id -u)" = 0 ] && chown postgres: "$PGDIR"
  as_pg initdb -D "$PGDIR/data" -U eschool --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  as_pg pg_ctl -D "$PGDIR/data" -l "$PGDIR/log" -w -o "-k $PGDIR -c listen_addresses='' -c fsync=off -c full_page_writes=off -c max_connections=300" start >/dev/null
  export PGDIR
  export ESCHOOL_TEST_PG="postgresql://eschool@/postgres?host=$PGDIR"
  echo "PostgreSQL $(postgres --version | awk '{print $3}') started in $PGDIR"
else
  dir=${2:?cluster folder}
  as_pg pg_ctl -D "$dir/data" -m fast -w stop >/dev/null || true
  rm -rf "$dir"
fi
