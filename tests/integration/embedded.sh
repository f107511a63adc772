# With no database configured, xinyu starts its own PostgreSQL under var/, migrates it,
# loads and reports; db stop stops it and the next command starts it again.
source "$ROOT/tests/integration/lib.sh"
setup_fixtures
spool="$TEST_TMP/spool"
mkdir -p "$spool"
cp "$ROOT"/tests/fixtures/spec-examples/submission-{full,minimal}.json "$spool/"
write_config "$TEST_TMP/conf.json" "$spool"
unset PGHOST PGPORT PGUSER PGDATABASE DATABASE_URL
trap '"$XINYU" --config "$TEST_TMP/conf.json" db stop >/dev/null 2>&1 || true' EXIT

"$XINYU" --config "$TEST_TMP/conf.json" run
[ -f "$TEST_TMP/var/pg/data/PG_VERSION" ] || fail "no cluster under var/"
[ -S "$TEST_TMP/var/pg/run/.s.PGSQL.5432" ] || fail "no socket under var/"
"$XINYU" --config "$TEST_TMP/conf.json" db status | grep -q "running" || fail "db status"
conn=$("$XINYU" --config "$TEST_TMP/conf.json" db start)
expect_eq "loaded into the embedded server" 2 "$(psql -X -A -t -d "$conn" -c 'SELECT count(*) FROM xinyu.submission')"
# text compared by its bytes, characters classified as UTF-8
expect_eq "the cluster's collation and character classes" "C|C.UTF-8" \
    "$(psql -X -A -t -d "$conn" -c 'SELECT datcollate, datctype FROM pg_database WHERE datname = current_database()')"
# the run vacuums what it loaded before its report reads it: every page of the submissions
# is marked all-visible (an ANALYZE alone counts the pages and marks none)
expect_eq "the loaded submissions' pages all visible" "t" \
    "$(psql -X -A -t -d "$conn" -c "SELECT relpages > 0 AND relallvisible = relpages FROM pg_class WHERE oid = 'xinyu.submission'::regclass")"
# a login that does not own the tables runs with the stages' roles: the run reads which SQL
# files were applied (028), loads, reports; its VACUUM skips the tables it does not own quietly
psql -X -q -d "$conn" -c "CREATE ROLE officer LOGIN IN ROLE xinyu_ingest, xinyu_report"
officer=$(printf '%s' "$conn" | sed 's/user=[^ ]*/user=officer/')
sed 's/"submitted_at": "2025-01-10T16:30:00+08:00"/"submitted_at": "2025-01-11T09:00:00+08:00"/' \
    "$ROOT/tests/fixtures/spec-examples/submission-full.json" >"$spool/corrected.json"
"$XINYU" --config "$TEST_TMP/conf.json" --db "$officer" run >"$TEST_TMP/officer.out" \
    2>"$TEST_TMP/officer.err" || fail "a run by a login with the stages' roles: $(cat "$TEST_TMP/officer.err")"
grep -qi "vacuum\|skipping" "$TEST_TMP/officer.err" && fail "the skipped VACUUM was said: $(cat "$TEST_TMP/officer.err")"
expect_eq "the officer's run loaded the corrected version" "3 2" \
    "$(psql -X -A -t -d "$conn" -c "SELECT count(*) || ' ' || count(*) FILTER (WHERE is_current) FROM xinyu.submission")"
if [ "$(id -u)" = 0 ]; then
    expect_eq "server runs unprivileged" postgres "$(stat -c %U "$TEST_TMP/var/pg/data")"
fi
"$XINYU" --config "$TEST_TMP/conf.json" db stop
"$XINYU" --config "$TEST_TMP/conf.json" db status | grep -q "not running" || fail "still running after stop"
# the next command starts it again and finds the data
"$XINYU" --config "$TEST_TMP/conf.json" status | grep -q "部分完成\|完成" || fail "status after restart"
[ -s "$TEST_TMP/out/indicators-2024.json" ] || fail "no report"
echo "embedded ok"
