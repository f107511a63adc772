# The nightly run vacuums the submissions before its report when its load is a large share of
# them (the first night, a new term of every school), and leaves a night's few corrections to
# autovacuum: the VACUUM's pass over every index would cost the report more than the few
# pages it marks all-visible would save. Either way the report plans with statistics of what
# was loaded: the VACUUM analyzes the table, and when it could not run (a login that does not
# own the table), the ANALYZE of the changed tables does.
source "$ROOT/tests/integration/lib.sh"
gen="$BUILD/xinyu-gen"
[ -x "$gen" ] || fail "the generator $gen is not built"
for term in 2023-2024-2 2024-2025-1 2024-2025-2; do
    "$gen" --schools 200 --terms "$term" --seed 3 --format json --dup-share 0 --resub-share 0 \
        --invalid-share 0 --out "$TEST_TMP/$term" 2>/dev/null
done
cp "$TEST_TMP/2023-2024-2/schools.csv" "$TEST_TMP/schools.csv"
mkdir -p "$TEST_TMP/targets" "$TEST_TMP/spool"
cp "$ROOT/tests/fixtures/spec-examples/targets-2024.json" "$TEST_TMP/targets/2024.json"
cp -r "$TEST_TMP/2023-2024-2/spool/." "$TEST_TMP/spool/"
write_config "$TEST_TMP/conf.json" "$TEST_TMP/spool"
# the runs' own VACUUMs (autovacuum's are counted apart)
vacuums() { sql "SELECT vacuum_count FROM pg_stat_all_tables WHERE relid = 'xinyu.submission'::regclass"; }
# the runs' own ANALYZEs, by their VACUUM or on their own
analyzes() { sql "SELECT analyze_count FROM pg_stat_all_tables WHERE relid = 'xinyu.submission'::regclass"; }
run() { "$XINYU" -q --config "$TEST_TMP/conf.json" run >/dev/null 2>&1 || [ $? = 1 ] || fail "the run $1 failed"; }

run "of the first term"
stored=$(sql "SELECT count(*) FROM xinyu.submission")
[ "$stored" -gt 150 ] || fail "the first term should load most of the 200 schools, not $stored"
# (that its pages are then all visible is embedded.sh's: this server commits asynchronously,
# and a VACUUM marks no page of rows whose commit is not yet on disk)
expect_eq "the first load vacuumed" 1 "$(vacuums)"
[ "$(analyzes)" -ge 1 ] || fail "the first load was not analyzed before the report"

# one school's correction: one row of some two hundred, left to autovacuum
# (sed, not head: head leaves sort writing into a closed pipe, and with pipefail the test
# would end here, silently, now and then)
one=$(find "$TEST_TMP/2023-2024-2/spool" -name '*.json' | sort | sed -n 1p)
sed 's/"submitted_at": *"[^"]*"/"submitted_at": "2024-07-01T10:00:00+08:00"/' "$one" \
    >"$TEST_TMP/spool/correction.json"
run "with one correction"
expect_eq "the correction loaded" "$((stored + 1)) 1" "$(sql "SELECT count(*) || ' ' || count(*) FILTER (WHERE NOT is_current) FROM xinyu.submission")"
expect_eq "one correction not vacuumed" 1 "$(vacuums)"

# the next term of every school: as many rows again, vacuumed
cp -r "$TEST_TMP/2024-2025-1/spool/." "$TEST_TMP/spool/"
run "of the second term"
[ "$(sql "SELECT count(*) FROM xinyu.submission WHERE period = '2024-2025-1'")" -gt 150 ] ||
    fail "the second term should load most of the 200 schools"
expect_eq "a load of as many rows again vacuumed" 2 "$(vacuums)"

# a third term loaded by a login that does not own the table: its VACUUM is skipped, and the
# load is analyzed all the same
sql "DO \$\$ BEGIN CREATE ROLE xinyu_test_officer LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END \$\$" >/dev/null
sql "GRANT xinyu_ingest, xinyu_report TO xinyu_test_officer" >/dev/null
before=$(analyzes)
cp -r "$TEST_TMP/2024-2025-2/spool/." "$TEST_TMP/spool/"
PGUSER=xinyu_test_officer run "of the third term, by a login that does not own the table"
[ "$(sql "SELECT count(*) FROM xinyu.submission WHERE period = '2024-2025-2'")" -gt 150 ] ||
    fail "the third term should load most of the 200 schools"
expect_eq "the officer's VACUUM skipped" 2 "$(vacuums)"
[ "$(analyzes)" -gt "$before" ] || fail "the officer's load was not analyzed before the report"
