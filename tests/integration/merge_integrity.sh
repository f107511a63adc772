# The merge checks the references of the rows it writes itself (sql/schema/021): after loads
# of every kind -- duplicates, corrections, late versions, invalid and unknown schools, two
# processes on one queue, the same spool again -- every reference holds, each school term has
# exactly one current version, the latest, and every run's counts reconcile with its items.
source "$ROOT/tests/integration/lib.sh"
gen="$BUILD/xinyu-gen"
[ -x "$gen" ] || fail "the generator $gen is not built"
"$gen" --schools 600 --terms 2023-2024-2,2024-2025-1 --seed 5 --format jsonl --per-file 37 \
    --dup-share 0.05 --resub-share 0.1 --invalid-share 0.05 --out "$TEST_TMP/data" 2>/dev/null
# a registry without some schools: their submissions are rejected as unknown
grep -v '^32010[0-9]00[0-3]7,' "$TEST_TMP/data/schools.csv" >"$TEST_TMP/schools.csv"
unknown=$(($(wc -l <"$TEST_TMP/data/schools.csv") - $(wc -l <"$TEST_TMP/schools.csv")))
[ "$unknown" -gt 0 ] || fail "the registry should leave some schools out"
mkdir -p "$TEST_TMP/targets"
write_config "$TEST_TMP/conf.json" "$TEST_TMP/data/spool" '"limits": {"batch_size": 40}'
"$XINYU" -q --config "$TEST_TMP/conf.json" registry load

"$XINYU" -q --config "$TEST_TMP/conf.json" ingest --jobs 2 >/dev/null &
a=$!
"$XINYU" -q --config "$TEST_TMP/conf.json" ingest --jobs 2 >/dev/null &
b=$!
wait $a || [ $? = 1 ]
wait $b || [ $? = 1 ]
# the same bytes once more, in another source: every item a duplicate
cp -r "$TEST_TMP/data/spool" "$TEST_TMP/again"
write_config "$TEST_TMP/conf.json" "$TEST_TMP/again" '"limits": {"batch_size": 40}'
"$XINYU" -q --config "$TEST_TMP/conf.json" ingest --jobs 2 >/dev/null || [ $? = 1 ]

expect_eq "raw rows of an unknown run" 0 "$(sql "SELECT count(*) FROM xinyu.raw_submission r
    WHERE NOT EXISTS (SELECT FROM xinyu.run WHERE run_id = r.run_id)")"
expect_eq "submissions without their raw row" 0 "$(sql "SELECT count(*) FROM xinyu.submission s
    WHERE NOT EXISTS (SELECT FROM xinyu.raw_submission r WHERE r.raw_id = s.raw_id)")"
expect_eq "submissions of a school not in the registry" 0 "$(sql "SELECT count(*)
    FROM xinyu.submission s WHERE NOT EXISTS (SELECT FROM xinyu.school c
                                              WHERE c.school_code = s.school_code)")"
expect_eq "submissions of an unknown run" 0 "$(sql "SELECT count(*) FROM xinyu.submission s
    WHERE NOT EXISTS (SELECT FROM xinyu.run WHERE run_id = s.run_id)")"
expect_eq "issues without their raw row" 0 "$(sql "SELECT count(*) FROM xinyu.submission_issue i
    WHERE NOT EXISTS (SELECT FROM xinyu.raw_submission r WHERE r.raw_id = i.raw_id)")"
expect_eq "items of an unknown run or raw row" 0 "$(sql "SELECT count(*) FROM xinyu.run_item i
    WHERE NOT EXISTS (SELECT FROM xinyu.run WHERE run_id = i.run_id)
       OR NOT EXISTS (SELECT FROM xinyu.raw_submission r WHERE r.raw_id = i.raw_id)")"
expect_eq "unknown schools rejected" 0 "$(sql "SELECT count(*) FROM xinyu.run_item i
    WHERE i.outcome <> 'rejected' AND i.outcome <> 'duplicate'
      AND NOT EXISTS (SELECT FROM xinyu.school c WHERE c.school_code = i.school_code)")"
[ "$(sql "SELECT count(*) FROM xinyu.submission_issue WHERE code = 'unknown_school'")" -gt 0 ] ||
    fail "no submission was rejected as of an unknown school"
expect_eq "school terms without exactly one current version" 0 "$(sql "SELECT count(*) FROM (
    SELECT school_code, period FROM xinyu.submission GROUP BY 1, 2
    HAVING count(*) FILTER (WHERE is_current) <> 1) t")"
expect_eq "current versions that are not the latest" 0 "$(sql "SELECT count(*)
    FROM xinyu.submission s JOIN xinyu.submission l USING (school_code, period)
    WHERE s.is_current AND l.submitted_at > s.submitted_at")"
expect_eq "runs whose counts do not reconcile with their items" 0 "$(sql "SELECT count(*)
    FROM xinyu.run r CROSS JOIN LATERAL (SELECT count(*) AS n,
        count(*) FILTER (WHERE outcome = 'loaded') AS l,
        count(*) FILTER (WHERE outcome = 'duplicate') AS d,
        count(*) FILTER (WHERE outcome = 'superseded') AS s,
        count(*) FILTER (WHERE outcome = 'rejected') AS j
        FROM xinyu.run_item i WHERE i.run_id = r.run_id) c
    WHERE r.kind = 'ingest'
      AND (r.received, r.loaded, r.duplicate, r.superseded, r.rejected)
          IS DISTINCT FROM (c.n::int, c.l::int, c.d::int, c.s::int, c.j::int)")"
items=$(sql "SELECT count(*) FROM xinyu.run_item WHERE run_id = (SELECT max(run_id) FROM xinyu.run WHERE kind = 'ingest')")
dups=$(sql "SELECT count(*) FROM xinyu.run_item WHERE outcome = 'duplicate' AND run_id = (SELECT max(run_id) FROM xinyu.run WHERE kind = 'ingest')")
[ "$items" -gt 0 ] || fail "the second source received nothing"
expect_eq "the same bytes again are duplicates" "$items" "$dups"
echo "merge integrity ok"
