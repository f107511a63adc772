#!/usr/bin/env bash
# make-upgrade-fixture.sh COMMIT OUT.sql.gz - the demo city loaded by Xinyu as built from
# COMMIT, dumped (no owners) for tests/integration/upgrade_layout.sh. The committed fixture
# tests/fixtures/upgrade/layout-012-demo.sql.gz was made from 4e09f1a, the last commit whose
# sql/ held numbered migrations only (000-012).
set -euo pipefail
commit=${1:?usage: make-upgrade-fixture.sh COMMIT OUT.sql.gz}
out=${2:?usage: make-upgrade-fixture.sh COMMIT OUT.sql.gz}
root=$(cd "$(dirname "$0")/.." && pwd)
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac
tmp=$(mktemp -d /tmp/xinyu-fixture.XXXXXX)
chmod 0755 "$tmp"
cleanup() {
    PGTMP_PORT=${PGTMP_PORT:-54390} "$root/scripts/pgtmp.sh" stop "$tmp/pg" >/dev/null 2>&1 || true
    git -C "$root" worktree remove --force "$tmp/src" >/dev/null 2>&1 || true
    rm -rf "$tmp"
}
trap cleanup EXIT
git -C "$root" worktree add --detach "$tmp/src" "$commit" >/dev/null
make -C "$tmp/src" -j2 BUILD=build build/xinyu >/dev/null
eval "$(PGTMP_PORT=${PGTMP_PORT:-54390} "$root/scripts/pgtmp.sh" start "$tmp/pg")"
createdb demo
(cd "$tmp/src" && build/xinyu run --config config/xinyu.json --db "dbname=demo" -q) || [ $? -eq 1 ]
pg_dump --no-owner -d demo | gzip -9 >"$out"
echo "wrote $out"
