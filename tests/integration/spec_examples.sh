# The three example submissions of the spec: full and minimal load (the minimal one's
# Chinese period becomes 2024-2025-1), the rejected one keeps every reason in one rejection;
# a copy of the same bytes is a duplicate and the counts reconcile.
source "$ROOT/tests/integration/lib.sh"
setup_fixtures
spool="$TEST_TMP/spool"
mkdir -p "$spool"
cp "$ROOT"/tests/fixtures/spec-examples/submission-*.json "$spool/"
cp "$spool/submission-full.json" "$spool/zz-same-bytes.json"
write_config "$TEST_TMP/conf.json" "$spool"

set +e
"$XINYU" --config "$TEST_TMP/conf.json" --db "" run
rc=$?
set -e
expect_eq "exit status with a rejection" 1 "$rc"

run=$(sql "SELECT max(run_id) FROM xinyu.run WHERE kind = 'run'")
expect_eq "counts" "4 2 1 0 1" "$(counts "$run")"
expect_eq "run status" partial "$(sql "SELECT status FROM xinyu.run WHERE run_id = $run")"

expect_eq "full loaded" "3201020001 2024-2025-1 true" \
    "$(sql "SELECT school_code || ' ' || period || ' ' || is_current FROM xinyu.submission WHERE school_code = '3201020001'")"
expect_eq "minimal normalized" "2024-2025-1" \
    "$(sql "SELECT period FROM xinyu.submission WHERE school_code = '3201040002'")"
expect_eq "minimal enrollment" "31" \
    "$(sql "SELECT enrolled_total FROM xinyu.submission WHERE school_code = '3201040002'")"
expect_eq "funding kept exactly" "8200.50" \
    "$(sql "SELECT funding_psych_yuan FROM xinyu.submission WHERE school_code = '3201020001'")"
expect_eq "grades of the full submission" "6" \
    "$(sql "SELECT count(*) FROM xinyu.submission_grade g JOIN xinyu.submission s USING (submission_id) WHERE s.school_code = '3201020001'")"

# one rejection with all three reasons, and nothing loaded from it
reasons=$(sql "SELECT string_agg(i.path, ',' ORDER BY i.path) FROM xinyu.submission_issue i JOIN xinyu.raw_submission r USING (raw_id) WHERE r.ref = 'submission-rejected.json' AND i.severity = 'reject'")
expect_eq "rejection reasons" "enrollment.by_grade.9,staff.head_teachers,staff.psych_cert_a" "$reasons"
expect_eq "rejected school not loaded" 0 "$(sql "SELECT count(*) FROM xinyu.submission WHERE school_code = '3201020002'")"
sql "SELECT message FROM xinyu.submission_issue WHERE path = 'staff.psych_cert_a'" | grep -q "4 exceeds psych_fulltime + psych_parttime (3)" ||
    fail "cross-field message"
# raw bytes are kept compressed and give back what was received
expect_eq "raw bytes kept" "$(sha256sum "$spool/submission-rejected.json" | cut -d' ' -f1)" \
    "$(sql "SELECT encode(sha256, 'hex') FROM xinyu.raw_submission WHERE ref = 'submission-rejected.json'")"

# status shows the rejection with its reasons
"$XINYU" --config "$TEST_TMP/conf.json" --db "" status --lang en >"$TEST_TMP/status.txt"
grep -q "staff.head_teachers: expected a non-negative integer, got string \"18\"" "$TEST_TMP/status.txt" ||
    fail "status lacks the rejection reason"
# in the officer's language (the default): the field by its label, the path in parentheses
"$XINYU" --config "$TEST_TMP/conf.json" --db "" status >"$TEST_TMP/status-zh.txt"
grep -qF "班主任及德育管理者人数(staff.head_teachers)应为非负整数，实际为文本“18”" "$TEST_TMP/status-zh.txt" ||
    fail "status (zh) lacks the rejection reason: $(cat "$TEST_TMP/status-zh.txt")"

# the reports exist; the CSV starts with a BOM
[ -s "$TEST_TMP/out/indicators-2024.json" ] || fail "no JSON report"
head -c 3 "$TEST_TMP/out/indicators-2024.csv" | od -An -tx1 | grep -q "ef bb bf" || fail "CSV without BOM"
echo "spec examples ok"
