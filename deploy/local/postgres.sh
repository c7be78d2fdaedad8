#!/usr/bin/env bash
# Local PostgreSQL for tests and the local cluster, no Docker, no system service.
#   postgres.sh start DATADIR PORT [--fast]   create the cluster if needed, start on 127.0.0.1:PORT
#   postgres.sh stop DATADIR                   fast shutdown
#   postgres.sh status DATADIR
# PostgreSQL refuses to run as root: as root it runs as the 'postgres' user (created by
# Debian's package). Superuser and database are both named 'xmpp'; local connections use
# trust authentication, so this is for loopback development and tests only.
# --fast turns fsync off (tests); committed data survives a clean stop/start either way.
set -euo pipefail

cmd=${1:?usage: postgres.sh start|stop|status DATADIR [PORT]}
datadir=${2:?DATADIR required}
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bindir/pg_ctl" ] || { echo "postgres.sh: PostgreSQL server binaries not found" >&2; exit 1; }

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

case $cmd in
  start)
    port=${3:?PORT required}
    fast=${4:-}
    mkdir -p "$datadir"
    if [ "$(id -u)" -eq 0 ]; then
      chown postgres: "$datadir"
      # Every parent must be traversable by the postgres user.
      d=$(dirname "$(realpath "$datadir")")
      while [ "$d" != "/" ]; do chmod o+x "$d" 2>/dev/null || true; d=$(dirname "$d"); done
    fi
    chmod 700 "$datadir"
    if [ ! -f "$datadir/PG_VERSION" ]; then
      as_owner "$bindir/initdb" -D "$datadir" -U xmpp --auth=trust -E UTF8 --locale=C.UTF-8 \
        >"$datadir.initdb.log" 2>&1 || { cat "$datadir.initdb.log" >&2; exit 1; }
    fi
    opts="-p $port -k $datadir -c listen_addresses=127.0.0.1 -c max_connections=200"
    [ "$fast" = "--fast" ] && opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    as_owner "$bindir/pg_ctl" -D "$datadir" -l "$datadir/server.log" -o "$opts" -w -t 60 start >/dev/null
    if ! as_owner "$bindir/psql" -h 127.0.0.1 -p "$port" -U xmpp -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname='xmpp'" | grep -q 1; then
      as_owner "$bindir/createdb" -h 127.0.0.1 -p "$port" -U xmpp xmpp
    fi
    ;;
  stop)
    [ -f "$datadir/postmaster.pid" ] && as_owner "$bindir/pg_ctl" -D "$datadir" -m fast -w -t 60 stop >/dev/null
    ;;
  status)
    as_owner "$bindir/pg_ctl" -D "$datadir" status
    ;;
  *)
    echo "postgres.sh: unknown command $cmd" >&2
    exit 2
    ;;
esac
