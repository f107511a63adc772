#!/usr/bin/env bash
# pgtmp.sh - a throwaway PostgreSQL cluster for tests, on a Unix socket only.
#
#   scripts/pgtmp.sh start DIR   create (if needed) and start a cluster in DIR; prints
#                                 shell assignments for PGHOST, PGPORT, PGUSER, PGDATABASE
#   scripts/pgtmp.sh stop DIR    stop it (fast shutdown)
#   scripts/pgtmp.sh kill DIR    stop it without a checkpoint (immediate), for fault tests
#
# As root, the server runs as the unprivileged 'postgres' user (PostgreSQL refuses root).
set -euo pipefail

cmd=${1:?usage: pgtmp.sh start|stop|kill DIR}
dir=${2:?usage: pgtmp.sh start|stop|kill DIR}
port=${PGTMP_PORT:-5432}

bindir=${PG_BINDIR:-}
if [ -z "$bindir" ]; then
    if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
        bindir=$(pg_config --bindir)
    else
        bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    fi
fi
[ -x "$bindir/initdb" ] || { echo "pgtmp: cannot find initdb (set PG_BINDIR)" >&2; exit 3; }

as_owner() {
    if [ "$(id -u)" = 0 ]; then
        # runuser keeps no terminal and needs no password; -m keeps the environment
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

case "$cmd" in
start)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if [ "$(id -u)" = 0 ]; then chown postgres: "$dir"; fi
    chmod 0700 "$dir"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        as_owner "$bindir/initdb" -D "$dir/data" -U xinyu --auth=trust -E UTF8 --locale=C.UTF-8 \
            --lc-collate=C --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 3; }
    fi
    as_owner mkdir -p "$dir/run"
    if ! as_owner "$bindir/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses='' -k $dir/run -p $port -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=50" \
        start >/dev/null || { cat "$dir/server.log" >&2; exit 3; }
    fi
    echo "PGHOST=$dir/run; PGPORT=$port; PGUSER=xinyu; PGDATABASE=postgres; export PGHOST PGPORT PGUSER PGDATABASE"
    ;;
stop)
    [ -f "$dir/data/postmaster.pid" ] && as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    ;;
kill)
    [ -f "$dir/data/postmaster.pid" ] && as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null
    ;;
*)
    echo "pgtmp: unknown command $cmd" >&2
    exit 2
    ;;
esac
