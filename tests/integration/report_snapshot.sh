# A report reads everything in one snapshot: an ingest that commits while a report is between
# two of its reads is in none of them. A published version's inputs fingerprint names the
# data its document shows; a review's years are of one moment.
source "$ROOT/tests/integration/lib.sh"
setup_fixtures
# a second review year, whose rows are read before those of 2024
sed -e 's/"year": 2024/"year": 2023/' -e 's/2024-2025-1/2023-2024-1/g' -e 's/2023-2024-2/2022-2023-2/g' \
    -e 's/2025-01-20/2024-01-20/' -e 's/2024-07-15/2023-07-15/' \
    "$TEST_TMP/targets/2024.json" >"$TEST_TMP/targets/2023.json"
spool="$TEST_TMP/spool"
mkdir -p "$spool"
cp "$ROOT/tests/fixtures/spec-examples/submission-minimal.json" "$spool/"
write_config "$TEST_TMP/conf.json" "$spool"
x() { "$XINYU" --config "$TEST_TMP/conf.json" -q "$@"; }
terms="{2023-2024-2,2024-2025-1}"
inputs() { sql "SELECT encode(xinyu.inputs_sha256('$terms'), 'hex')"; }
doc() { grep -v '"generated_at"' "$1"; }

x registry load >/dev/null
x ingest >/dev/null || [ $? = 1 ] # 1: loaded with warnings
# the reports as the data stands before the concurrent ingest
x report --year 2024 --format json --out "$TEST_TMP/before" >/dev/null
x review --from 2023 --to 2024 --format json --out "$TEST_TMP/before" >/dev/null
fp_before=$(inputs)

# await_session CONDITION WHAT: waits (20 s at most) until another session of the server
# matches CONDITION on pg_stat_activity
await_session() {
    local i n
    for i in $(seq 1 200); do
        n=$(sql "SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND $1")
        [ "$n" -ge 1 ] && return 0
        sleep 0.1
    done
    fail "$2"
}

# paused_then_ingest FILE: waits until the report in the background has read its first rows
# and sleeps at the fault point, then ingests FILE, which commits before the report goes on
paused_then_ingest() {
    await_session "query LIKE '%FROM xinyu.indicator_rows(%' AND state <> 'active'" \
        "the report never reached its fault point"
    cp "$1" "$spool/"
    x ingest >/dev/null || [ $? = 1 ]
}

# 1. publish: rows, overview and fingerprint, with an ingest between the rows and the rest
XINYU_FAULT="report_read@1:sleep=8" x report --year 2024 --format json --publish v1 \
    --out "$TEST_TMP/published" >/dev/null &
pid=$!
paused_then_ingest "$ROOT/tests/fixtures/spec-examples/submission-full.json"
fp_after=$(inputs)
[ "$fp_after" != "$fp_before" ] || fail "the ingest did not change the inputs"
wait $pid || fail "the publish failed"
expect_eq "the published fingerprint is that of the data the document shows" "$fp_before" \
    "$(sql "SELECT encode(inputs_sha256, 'hex') FROM xinyu.report WHERE label = 'v1'")"
diff <(doc "$TEST_TMP/before/indicators-2024.json") <(doc "$TEST_TMP/published/indicators-2024.json") >/dev/null ||
    fail "the published document mixes the data before and after the ingest"
# the stored document is the file's
x report --version v1 --format json --out "$TEST_TMP/again" >/dev/null
diff <(doc "$TEST_TMP/published/indicators-2024.json") <(doc "$TEST_TMP/again/indicators-2024-v1.json") >/dev/null ||
    fail "the stored document is not the one written"
# now the ingest is in, and a new publish shows it with its own fingerprint
x report --year 2024 --format json --publish v2 --out "$TEST_TMP/v2" >/dev/null
expect_eq "a later publish takes the later inputs" "$fp_after" \
    "$(sql "SELECT encode(inputs_sha256, 'hex') FROM xinyu.report WHERE label = 'v2'")"
! diff <(doc "$TEST_TMP/before/indicators-2024.json") <(doc "$TEST_TMP/v2/indicators-2024.json") >/dev/null ||
    fail "the ingest did not change the report (the test shows nothing)"

# 2. review: the years' rows of one moment, with an ingest between 2023 and 2024
x review --from 2023 --to 2024 --format json --out "$TEST_TMP/review-now" >/dev/null
XINYU_FAULT="report_read@1:sleep=8" x review --from 2023 --to 2024 --format json \
    --out "$TEST_TMP/review" >/dev/null &
pid=$!
# a later version of the same school's term, with another count
sed -e 's/2025-01-10T16:30:00/2025-01-11T16:30:00/' -e 's/"psych_fulltime": 2/"psych_fulltime": 3/' \
    "$ROOT/tests/fixtures/spec-examples/submission-full.json" >"$TEST_TMP/second.json"
paused_then_ingest "$TEST_TMP/second.json"
wait $pid || fail "the review failed"
diff <(doc "$TEST_TMP/review-now/review-2023-2024.json") <(doc "$TEST_TMP/review/review-2023-2024.json") >/dev/null ||
    fail "the review mixes the data before and after the ingest"
x review --from 2023 --to 2024 --format json --out "$TEST_TMP/review-after" >/dev/null
! diff <(doc "$TEST_TMP/review-now/review-2023-2024.json") <(doc "$TEST_TMP/review-after/review-2023-2024.json") >/dev/null ||
    fail "the second ingest did not change the review (the test shows nothing)"
# 3. quality: the chart's days, read on a connection of their own (report/report_side.c), are
# of the report's snapshot, not of the moment that connection starts
x quality --year 2024 --out "$TEST_TMP/quality-now" >/dev/null || [ $? = 1 ]
XINYU_FAULT="report_side@1:sleep=8" x quality --year 2024 --out "$TEST_TMP/quality" >/dev/null &
pid=$!
# the report has read its lists and waits for the days in its open transaction
await_session "state = 'idle in transaction'" "the quality report never waited for its days"
# a third school's term, in another district: the chart changes
sed -e 's/"school_code": "3201020001"/"school_code": "3201040001"/' \
    -e 's/"district_code": "320102"/"district_code": "320104"/' -e 's/2025-01-10T16:30:00/2025-01-12T09:00:00/' \
    "$ROOT/tests/fixtures/spec-examples/submission-full.json" >"$TEST_TMP/third.json"
cp "$TEST_TMP/third.json" "$spool/"
x ingest >/dev/null || [ $? = 1 ]
wait $pid || [ $? = 1 ] || fail "the quality report failed"
# the days are the workbook's sheet (the document has no such list)
days() {
    /usr/bin/python3 -c 'import openpyxl, sys
print(list(openpyxl.load_workbook(sys.argv[1])["按日上报 by day"].iter_rows(values_only=True)))' "$1"
}
now_days=$(days "$TEST_TMP/quality-now/quality-2024.xlsx")
case "$now_days" in *320102*) ;; *) fail "no days in the sheet: $now_days" ;; esac
expect_eq "the days are of the report's snapshot" "$now_days" \
    "$(days "$TEST_TMP/quality/quality-2024.xlsx")"
x quality --year 2024 --out "$TEST_TMP/quality-after" >/dev/null || [ $? = 1 ]
[ "$now_days" != "$(days "$TEST_TMP/quality-after/quality-2024.xlsx")" ] ||
    fail "the third ingest did not change the days (the test shows nothing)"
echo "reports read one snapshot"
