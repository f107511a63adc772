# A run killed with SIGKILL in the middle of loading leaves no partial submission; the
# next run finishes the job and ends with the same numbers as an uninterrupted run.
source "$ROOT/tests/integration/lib.sh"
gen="$BUILD/xinyu-gen"
[ -x "$gen" ] || fail "the generator $gen is not built"
"$gen" --schools 3000 --seed 7 --format json --out "$TEST_TMP/data" 2>/dev/null
mkdir -p "$TEST_TMP/targets"
cp "$ROOT/tests/fixtures/spec-examples/targets-2024.json" "$TEST_TMP/targets/2024.json"
cp "$TEST_TMP/data/schools.csv" "$TEST_TMP/schools.csv"
write_config "$TEST_TMP/conf.json" "$TEST_TMP/data/spool" '"limits": {"batch_size": 100}'

# the reference: an uninterrupted run into a second database
ref_db="${PGDATABASE}_ref"
createdb "$ref_db"
PGDATABASE=$ref_db "$XINYU" -q --config "$TEST_TMP/conf.json" run --out "$TEST_TMP/ref" || true
PGDATABASE=$ref_db "$XINYU" -q --config "$TEST_TMP/conf.json" report --year 2024 --out "$TEST_TMP/ref"

"$XINYU" -q --config "$TEST_TMP/conf.json" registry load
for attempt in 1 2 3; do
    "$XINYU" -q --config "$TEST_TMP/conf.json" ingest --jobs 2 &
    pid=$!
    # wait until some batches are committed, then kill it mid-load
    for _ in $(seq 1 200); do
        n=$(sql "SELECT count(*) FROM xinyu.ingest_file WHERE done_run IS NOT NULL" 2>/dev/null || echo 0)
        [ "$n" -gt 0 ] && break
        sleep 0.05
    done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    # consistency right after the kill: every submission has its raw row, its item and its grades
    expect_eq "submissions without items" 0 "$(sql "SELECT count(*) FROM xinyu.submission s WHERE NOT EXISTS (SELECT FROM xinyu.run_item ri WHERE ri.raw_id = s.raw_id)")"
    expect_eq "submissions without grades" 0 "$(sql "SELECT count(*) FROM xinyu.submission s WHERE NOT EXISTS (SELECT FROM xinyu.submission_grade g WHERE g.submission_id = s.submission_id)")"
    expect_eq "done files without items" 0 "$(sql "SELECT count(*) FROM xinyu.ingest_file f WHERE done_run IS NOT NULL AND NOT EXISTS (SELECT FROM xinyu.run_item ri WHERE ri.run_id = f.done_run)")"
done
"$XINYU" -q --config "$TEST_TMP/conf.json" run --out "$TEST_TMP/out" || true
"$XINYU" -q --config "$TEST_TMP/conf.json" report --year 2024 --out "$TEST_TMP/out"

expect_eq "nothing left pending" 0 "$(sql "SELECT count(*) FROM xinyu.ingest_file WHERE done_run IS NULL")"
expect_eq "dead runs closed" 0 "$(sql "SELECT count(*) FROM xinyu.run WHERE status = 'running'")"
# every file was received exactly once over all runs
expect_eq "items received once" \
    "$(PGDATABASE=$ref_db sql "SELECT count(*) FROM xinyu.run_item")" \
    "$(sql "SELECT count(*) FROM xinyu.run_item")"
expect_eq "same current submissions" \
    "$(PGDATABASE=$ref_db sql "SELECT md5(string_agg(school_code || period || submitted_at::text, ',' ORDER BY school_code, period)) FROM xinyu.submission WHERE is_current")" \
    "$(sql "SELECT md5(string_agg(school_code || period || submitted_at::text, ',' ORDER BY school_code, period)) FROM xinyu.submission WHERE is_current")"
diff <(grep -v '"generated_at"' "$TEST_TMP/ref/indicators-2024.json") <(grep -v '"generated_at"' "$TEST_TMP/out/indicators-2024.json") ||
    fail "indicators differ from the uninterrupted run"
# the counts of all runs together reconcile with what was received
expect_eq "runs add up" "$(sql "SELECT count(*) FROM xinyu.run_item")" "$(sql "SELECT sum(received) FROM xinyu.run")"
echo "kill and resume ok"
