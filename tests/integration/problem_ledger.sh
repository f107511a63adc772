# Problems are reported until they are reported, and once (sql/014_problem_ledger.sql): a run
# killed after loading but before its quality report leaves its rejections and warnings to
# the next run's lists and letters; a run killed after writing its letters but before
# recording them sends them again; once recorded, no later run sends them again. And the
# quality report's run counts reconcile on a run with every outcome.
source "$ROOT/tests/integration/lib.sh"
spec_spool
x() { xq "$@"; }
last_run() { sql "SELECT max(run_id) FROM xinyu.run"; }

# run_killed POINT OUT: a run killed by SIGKILL at fault point POINT
run_killed() {
    set +e
    XINYU_FAULT="$1:kill" "$XINYU" -q --config "$TEST_TMP/conf.json" run --out "$2" >"$TEST_TMP/killed.txt" 2>&1
    local got=$?
    set -e
    [ "$got" = 137 ] || { cat "$TEST_TMP/killed.txt"; fail "the run was not killed at $1 (exit $got)"; }
}

# lists OUT: "rejections warnings" of quality-2024.json, the school codes of each list
lists() {
    python3 - "$1/quality-2024.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
rej = sorted({r["school_code"] for r in d["rejections"]})
warn = sorted({w["school_code"] for w in d["warnings"]})
print(",".join(rej) + " " + ",".join(warn))
PY
}
# new OUT: "rejections warnings" of the run's own section (what it saw first), likewise
new() {
    python3 - "$1/quality-2024.json" <<'PY'
import json, sys
import csv, os
new = [{h.split(" ")[-1]: v for h, v in r.items()}
       for r in csv.DictReader(open(os.path.join(os.path.dirname(sys.argv[1]), "quality-2024-new.csv"),
                                    encoding="utf-8-sig"))]
print(",".join(sorted({r["school_code"] for r in new if r["kind"] == "rejection"})) + " "
      + ",".join(sorted({w["school_code"] for w in new if w["kind"] == "warning"})))
PY
}
# letters OUT: the letters written, by name
letters() { (ls "$1/feedback" 2>/dev/null || true) | tr '\n' ' ' | sed 's/ $//'; }

# 1. a rejection (3201020002) and an accepted version with a warning (3201040002), received
#    by a run killed while writing its first report: nothing was listed or written to a school
cp "$ex/submission-rejected.json" "$spool/rejected.json"
sed 's/"staff":{/"extra_item":1,"staff":{/' "$ex/submission-minimal.json" >"$spool/warned.json"
run_killed report_write@1 "$TEST_TMP/out1"
run1=$(last_run)
expect_eq "run 1: rejected and loaded" "2 1 0 0 1" \
    "$(sql "SELECT count(*) || ' ' || count(*) FILTER (WHERE outcome = 'loaded') || ' ' || count(*) FILTER (WHERE outcome = 'duplicate') || ' ' || count(*) FILTER (WHERE outcome = 'superseded') || ' ' || count(*) FILTER (WHERE outcome = 'rejected') FROM xinyu.run_item WHERE run_id = $run1")"
[ -e "$TEST_TMP/out1/quality-2024.json" ] && fail "run 1 wrote its quality report before it was killed"
expect_eq "run 1: no letters" "" "$(letters "$TEST_TMP/out1")"
expect_eq "run 1: problems recorded, none sent" \
    "rejection 3201020002 2024-2025-1 $run1 -|warning 3201040002 2024-2025-1 $run1 -" \
    "$(sql "SELECT string_agg(kind || ' ' || school_code || ' ' || period || ' ' || first_seen_run || ' ' || coalesce(sent_run::text, '-'), '|' ORDER BY kind) FROM xinyu.problem_ledger")"

# 2. nothing new, killed after its lists and letters are written but before it records them
run_killed problems_sent@1 "$TEST_TMP/out2"
expect_eq "run 2: the lists carry run 1's problems" "3201020002 3201040002" "$(lists "$TEST_TMP/out2")"
expect_eq "run 2: letters" "3201020002-2024-2025-1.txt 3201040002-2024-2025-1.txt" "$(letters "$TEST_TMP/out2")"
expect_eq "run 2: nothing recorded as sent" 0 "$(sql "SELECT count(*) FROM xinyu.problem_ledger WHERE sent_run IS NOT NULL")"
expect_eq "run 1, closed by the next as aborted: its counts, the warning among them" \
    "aborted 2 1 0 0 1 1" \
    "$(sql "SELECT concat_ws(' ', status, received, loaded, duplicate, superseded, rejected, warnings) FROM xinyu.run WHERE run_id = $run1")"

# 3. nothing new: run 1's problems go out (again, as run 2 did not record them) and are recorded
x run --out "$TEST_TMP/out3" >/dev/null
run3=$(last_run)
expect_eq "run 3: the lists carry run 1's problems" "3201020002 3201040002" "$(lists "$TEST_TMP/out3")"
expect_eq "run 3: letters" "3201020002-2024-2025-1.txt 3201040002-2024-2025-1.txt" "$(letters "$TEST_TMP/out3")"
grep -q "被退回的报送" "$TEST_TMP/out3/feedback/3201020002-2024-2025-1.txt" || fail "run 3: the rejection is not in its letter"
grep -q "psych_cert_a" "$TEST_TMP/out3/feedback/3201020002-2024-2025-1.txt" || fail "run 3: a reason is missing from the letter"
grep -q "extra_item" "$TEST_TMP/out3/feedback/3201040002-2024-2025-1.txt" || fail "run 3: the warning is not in its letter"
grep -q "3201020002" "$TEST_TMP/out3/quality-2024-rejections.csv" || fail "run 3: the rejection is not in the CSV"
grep -q "extra_item" "$TEST_TMP/out3/quality-2024-warnings.csv" || fail "run 3: the warning is not in the CSV"
expect_eq "run 3: received nothing itself" 0 \
    "$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['run']['received'])" "$TEST_TMP/out3/quality-2024.json")"
expect_eq "run 3: sent both" "$run3 $run3" \
    "$(sql "SELECT string_agg(sent_run::text, ' ' ORDER BY kind) FROM xinyu.problem_ledger WHERE sent_at IS NOT NULL")"
expect_eq "the dead runs are closed" "aborted aborted" \
    "$(sql "SELECT string_agg(status, ' ' ORDER BY run_id) FROM xinyu.run WHERE run_id < $run3")"

# 4. nothing new: nothing is sent twice, and the lists still show what is open (the standing
#    state); the run's own section is empty
x run --out "$TEST_TMP/out4" >/dev/null
expect_eq "run 4: the lists keep the open problems" "3201020002 3201040002" "$(lists "$TEST_TMP/out4")"
expect_eq "run 4: nothing new" " " "$(new "$TEST_TMP/out4")"
expect_eq "run 4: no letters" "" "$(letters "$TEST_TMP/out4")"
expect_eq "run 4: still sent by run 3" "$run3 $run3" \
    "$(sql "SELECT string_agg(sent_run::text, ' ' ORDER BY kind) FROM xinyu.problem_ledger")"
# "xinyu quality --run" still shows what a run received, and records nothing
x quality --year 2024 --run "$run1" --out "$TEST_TMP/q1" >/dev/null
expect_eq "quality --run of run 1" "3201020002 3201040002" "$(lists "$TEST_TMP/q1")"
expect_eq "quality --run of run 1: what it saw first" "3201020002 3201040002" "$(new "$TEST_TMP/q1")"

# 5. a run with every outcome: its counts, one by one and together, and only its own problems
#    (a later version supersedes the earlier one of the same run; a copy of a stored file is a
#    duplicate; a second rejection, of another school)
sed -e 's/"submitted_at": "[^"]*"/"submitted_at": "2025-01-05T10:00:00+08:00"/' "$ex/submission-full.json" >"$spool/full-old.json"
cp "$ex/submission-full.json" "$spool/full.json"
cp "$spool/rejected.json" "$spool/rejected-copy.json"
sed -e 's/"school_code":"3201020002"/"school_code":"3201040001"/' "$ex/submission-rejected.json" >"$spool/rejected-2.json"
set +e
x run --out "$TEST_TMP/out5" >/dev/null
set -e
run5=$(last_run)
python3 - "$TEST_TMP/out5/quality-2024.json" "$run5" <<'PY'
import json, sys
run = json.load(open(sys.argv[1], encoding="utf-8"))["run"]
want = {"run_id": int(sys.argv[2]), "received": 4, "loaded": 1, "duplicate": 1,
        "superseded": 1, "rejected": 1, "warnings": 0}
got = {k: run[k] for k in want}
assert got == want, (got, want)
assert run["received"] == run["loaded"] + run["duplicate"] + run["superseded"] + run["rejected"], run
assert run["reconciles"] is True, run
PY
expect_eq "run 5: the lists: the open problems" "3201020002,3201040001 3201040002" "$(lists "$TEST_TMP/out5")"
expect_eq "run 5: new: only its own problems" "3201040001 " "$(new "$TEST_TMP/out5")"
expect_eq "run 5: letters" "3201040001-2024-2025-1.txt" "$(letters "$TEST_TMP/out5")"
# a run id that names no run: exit 2, the id named, where to find the runs; nothing written
set +e
x quality --year 2024 --run 999999 --out "$TEST_TMP/out-none" >"$TEST_TMP/none.out" 2>&1
rc=$?
set -e
expect_eq "quality --run of no run: exit" 2 "$rc"
grep -q "no such run" "$TEST_TMP/none.out" || { cat "$TEST_TMP/none.out"; fail "no reason given for a run that does not exist"; }
grep -q "999999" "$TEST_TMP/none.out" || fail "the missing run's id is not named"
grep -q "xinyu status" "$TEST_TMP/none.out" || fail "no hint where the runs are listed"
[ -e "$TEST_TMP/out-none/quality-2024.json" ] && fail "a report was written for a run that does not exist"
echo "problem ledger ok"
