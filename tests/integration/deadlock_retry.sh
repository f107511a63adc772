# Two ingest processes that wait on each other: each holds the lock of one school's term
# from its first batch and asks for the other's in its second. PostgreSQL ends the deadlock
# by cancelling one transaction; that process rolls it back, loads the same file again once
# the other has committed, and both runs end well with every item accounted for once.
source "$ROOT/tests/integration/lib.sh"
setup_fixtures
x=3201020001
y=3201040001
mkdir -p "$TEST_TMP/a" "$TEST_TMP/b"
# line FILE SCHOOL DAY: the spec's full submission as one JSON line, for another school and day
line() {
    /usr/bin/python3 - "$ROOT/tests/fixtures/spec-examples/submission-full.json" "$2" "$3" >>"$1" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1], encoding="utf-8"))
doc["school_code"] = sys.argv[2]
doc.pop("school_name", None)
doc.pop("district_code", None)
doc["submitted_at"] = "2025-01-%02dT10:00:00+08:00" % int(sys.argv[3])
print(json.dumps(doc, ensure_ascii=False))
PY
}
line "$TEST_TMP/a/a.jsonl" $x 10
line "$TEST_TMP/a/a.jsonl" $y 11
line "$TEST_TMP/b/b.jsonl" $y 12
line "$TEST_TMP/b/b.jsonl" $x 13
for s in a b; do
    cat >"$TEST_TMP/$s.json" <<JSON
{
  "registry": "$TEST_TMP/schools.csv",
  "targets_dir": "$TEST_TMP/targets",
  "out_dir": "$TEST_TMP/out",
  "var_dir": "$TEST_TMP/var",
  "limits": {"batch_size": 1},
  "sources": [{"name": "spool-$s", "kind": "spool", "path": "$TEST_TMP/$s"}]
}
JSON
done
"$XINYU" -q --config "$TEST_TMP/a.json" registry load

# a: merges x, then pauses 3 s before merging y; b meanwhile merges y and waits for x
XINYU_FAULT="merge@2:sleep=3" "$XINYU" --config "$TEST_TMP/a.json" ingest --jobs 1 \
    >"$TEST_TMP/a.out" 2>"$TEST_TMP/a.err" &
pa=$!
sleep 1
"$XINYU" --config "$TEST_TMP/b.json" ingest --jobs 1 >"$TEST_TMP/b.out" 2>"$TEST_TMP/b.err" &
pb=$!
rca=0 rcb=0
wait $pa || rca=$?
wait $pb || rcb=$?
cat "$TEST_TMP/a.err" "$TEST_TMP/b.err"
expect_eq "first process" 0 "$rca"
expect_eq "second process" 0 "$rcb"
grep -h "loading it again" "$TEST_TMP/a.err" "$TEST_TMP/b.err" >/dev/null ||
    fail "no transaction was rolled back and run again: the two processes did not meet"
grep -h "error" "$TEST_TMP/a.err" "$TEST_TMP/b.err" && fail "an error was logged"

expect_eq "runs" "ok ok" "$(sql "SELECT string_agg(status, ' ' ORDER BY run_id) FROM xinyu.run WHERE kind = 'ingest'")"
expect_eq "received in total" 4 "$(sql "SELECT sum(received) FROM xinyu.run WHERE kind = 'ingest'")"
expect_eq "each item once" 4 "$(sql "SELECT count(*) FROM xinyu.run_item")"
expect_eq "each item once" 4 "$(sql "SELECT count(DISTINCT ref) FROM xinyu.run_item")"
expect_eq "versions" 4 "$(sql "SELECT count(*) FROM xinyu.submission")"
# the later version of each school is current, whichever process stored it
expect_eq "current versions" "$x 2025-01-13 $y 2025-01-12" \
    "$(sql "SELECT string_agg(school_code || ' ' || (submitted_at AT TIME ZONE INTERVAL '+08:00')::date, ' ' ORDER BY school_code)
            FROM xinyu.submission WHERE is_current")"
expect_eq "files done" 2 "$(sql "SELECT count(*) FROM xinyu.ingest_file WHERE done_run IS NOT NULL")"
echo "deadlock retried"
