# Resubmissions (SUBMISSION.md section 4): a later submitted_at replaces the current
# version, an older one arriving late is superseded at once, a tie goes to the one
# received later; within one run the earlier item counts as superseded.
source "$ROOT/tests/integration/lib.sh"
setup_fixtures
spool="$TEST_TMP/spool"
mkdir -p "$spool"
base="$ROOT/tests/fixtures/spec-examples/submission-full.json"
version() { # name submitted_at psych_fulltime
    sed -e "s/\"submitted_at\": \"[^\"]*\"/\"submitted_at\": \"$2\"/" \
        -e "s/\"psych_fulltime\": 2,/\"psych_fulltime\": $3,/" "$base" >"$spool/$1"
}
write_config "$TEST_TMP/conf.json" "$spool"
current() { sql "SELECT staff_psych_fulltime FROM xinyu.submission WHERE school_code = '3201020001' AND is_current"; }

# one run with two versions: the later submitted_at wins though it comes first by name
version a.json "2025-01-12T10:00:00+08:00" 4
version b.json "2025-01-10T10:00:00+08:00" 3
"$XINYU" --config "$TEST_TMP/conf.json" run
run1=$(sql "SELECT max(run_id) FROM xinyu.run")
expect_eq "counts within one run" "2 1 0 1 0" "$(counts "$run1")"
expect_eq "current after run 1" 4 "$(current)"

# a late older version: superseded at once
version c.json "2025-01-05T10:00:00+08:00" 2
"$XINYU" --config "$TEST_TMP/conf.json" run
run2=$(sql "SELECT max(run_id) FROM xinyu.run")
expect_eq "late older version" "1 0 0 1 0" "$(counts "$run2")"
expect_eq "current after run 2" 4 "$(current)"

# a newer one replaces it; the earlier run's record keeps what happened then
version d.json "2025-01-15T08:00:00+08:00" 5
"$XINYU" --config "$TEST_TMP/conf.json" run
run3=$(sql "SELECT max(run_id) FROM xinyu.run")
expect_eq "newer version" "1 1 0 0 0" "$(counts "$run3")"
expect_eq "current after run 3" 5 "$(current)"
expect_eq "history" "2 superseded,3 superseded,4 superseded,5 current" \
    "$(sql "SELECT string_agg(s.staff_psych_fulltime || ' ' || h.state, ',' ORDER BY s.staff_psych_fulltime) FROM xinyu.submission_history h JOIN xinyu.submission s USING (submission_id)")"

# a tie on submitted_at: the one received later wins
version e.json "2025-01-15T08:00:00+08:00" 6
"$XINYU" --config "$TEST_TMP/conf.json" run
expect_eq "tie goes to the later" 6 "$(current)"
expect_eq "one current version" 1 "$(sql "SELECT count(*) FROM xinyu.submission WHERE is_current")"
echo "resubmissions ok"

# across batches of one run: the older version loads in batch 1, the newer one supersedes
# it in batch 2; the printed counts and the record agree (superseded 1)
spool2="$TEST_TMP/spool2"
mkdir -p "$spool2"
min="$ROOT/tests/fixtures/spec-examples/submission-minimal.json"
sed 's/"submitted_at":"[^"]*"/"submitted_at":"2025-01-18T09:00:00+08:00"/' "$min" >"$spool2/a.json"
sed -e 's/"submitted_at":"[^"]*"/"submitted_at":"2025-01-19T09:00:00+08:00"/' \
    -e 's/"psych_parttime":1/"psych_parttime":2/' "$min" >"$spool2/b.json"
write_config "$TEST_TMP/conf2.json" "$spool2" '"limits": {"batch_size": 1}'
"$XINYU" --config "$TEST_TMP/conf2.json" run >"$TEST_TMP/run2.txt"
cat "$TEST_TMP/run2.txt"
grep -q "received 2 = loaded 1 + duplicate 0 + superseded 1 + rejected 0" "$TEST_TMP/run2.txt" ||
    fail "printed counts do not match the run record"
run5=$(sql "SELECT max(run_id) FROM xinyu.run")
expect_eq "record across batches" "2 1 0 1 0" "$(counts "$run5")"
expect_eq "newer version current" 2 "$(sql "SELECT staff_psych_parttime FROM xinyu.submission WHERE school_code = '3201040002' AND is_current")"
echo "across batches ok"
