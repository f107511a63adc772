#!/usr/bin/env bash
# run.sh - runs every test against a throwaway PostgreSQL and prints "N passed, N failed".
#
# Unit tests:        $BUILD/tests/test_*               (cmocka binaries)
# SQL tests:         tests/sql/*.sql                    each in a fresh migrated database; a test
#                                                       fails by raising an exception
# Integration tests: tests/integration/*.sh             each with a fresh empty database in
#                                                       PGDATABASE, ROOT, BUILD, XINYU and a
#                                                       private TEST_TMP; exit 0 is a pass
# TESTS=pattern runs only the tests whose name contains pattern.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD="$root/$BUILD" ;; esac
export ROOT="$root" BUILD XINYU="$BUILD/xinyu"
filter=${TESTS:-}

tmp=$(mktemp -d /tmp/xinyu-test.XXXXXX)
chmod 0755 "$tmp"
pgdir="$tmp/pg"
cleanup() {
    scripts/pgtmp.sh stop "$pgdir" >/dev/null 2>&1
    if [ "${KEEP_TMP:-}" = "" ]; then rm -rf "$tmp"; else echo "kept $tmp" >&2; fi
}
trap cleanup EXIT
env_line=$(PGTMP_PORT=${PGTMP_PORT:-54329} scripts/pgtmp.sh start "$pgdir") || { echo "cannot start the test database" >&2; exit 3; }
eval "$env_line"
export PGTMP_DIR="$pgdir"

passed=0
failed=0
failures=()
n=0

result() { # name status log
    if [ "$2" = 0 ]; then
        passed=$((passed + 1))
        printf 'ok   %s\n' "$1"
    else
        failed=$((failed + 1))
        failures+=("$1")
        printf 'FAIL %s\n' "$1"
        sed 's/^/     | /' "$3" | tail -40
    fi
}

# fresh_db NAME: creates an empty database for one test and sets $db
fresh_db() {
    n=$((n + 1))
    db="t${n}_$(echo "$1" | tr -c 'a-z0-9\n' '_')"
    createdb "$db"
}

for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    name="unit/$(basename "$t")"
    [[ -n "$filter" && "$name" != *"$filter"* ]] && continue
    (cd "$root" && "$t") >"$tmp/log" 2>&1
    result "$name" $? "$tmp/log"
done

for t in tests/sql/*.sql; do
    [ -f "$t" ] || continue
    name="sql/$(basename "$t" .sql)"
    [[ -n "$filter" && "$name" != *"$filter"* ]] && continue
    fresh_db "$name" || { result "$name" 1 /dev/null; continue; }
    {
        "$XINYU" db migrate --db "dbname=$db" &&
            psql -X -q -v ON_ERROR_STOP=1 -d "$db" -f "$t"
    } >"$tmp/log" 2>&1
    result "$name" $? "$tmp/log"
done

for t in tests/integration/*.sh; do
    [ -f "$t" ] || continue
    [ "$(basename "$t")" = lib.sh ] && continue
    name="integration/$(basename "$t" .sh)"
    [[ -n "$filter" && "$name" != *"$filter"* ]] && continue
    fresh_db "$name" || { result "$name" 1 /dev/null; continue; }
    ttmp="$tmp/$(basename "$t" .sh)"
    mkdir -p "$ttmp"
    chmod 0755 "$ttmp"
    (PGDATABASE="$db" TEST_TMP="$ttmp" timeout 900 bash "$t") >"$tmp/log" 2>&1 </dev/null
    result "$name" $? "$tmp/log"
done

echo
if [ $failed -gt 0 ]; then
    printf 'failed: %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
