# A feedback letter that cannot be written fails the run's quality report, naming the file;
# its problem is not recorded as sent, so the next run writes the letter.
source "$ROOT/tests/integration/lib.sh"
spec_spool
cp "$ex/submission-rejected.json" "$spool/rejected.json"
# a second school's letter, after the first in the letters' order (a warning)
sed 's/"staff":{/"extra_item":1,"staff":{/' "$ex/submission-minimal.json" >"$spool/warned.json"
other="$TEST_TMP/out/feedback/3201040002-2024-2025-1.txt"
out="$TEST_TMP/out"
letter="$out/feedback/3201020002-2024-2025-1.txt"
mkdir -p "$letter" # a directory where the letter goes: the rename onto it fails

set +e
xq run --out "$out" >"$TEST_TMP/run1.out" 2>"$TEST_TMP/run1.err"
rc=$?
set -e
[ "$rc" -ge 2 ] || { cat "$TEST_TMP/run1.err"; fail "the run did not fail (exit $rc)"; }
grep -q "cannot write a report" "$TEST_TMP/run1.err" || { cat "$TEST_TMP/run1.err"; fail "no reason given"; }
grep -q "3201020002-2024-2025-1.txt" "$TEST_TMP/run1.err" || { cat "$TEST_TMP/run1.err"; fail "the letter is not named"; }
expect_eq "no letter's problem is recorded as sent" "3201020002 - 3201040002 -" \
    "$(sql "SELECT string_agg(school_code || ' ' || coalesce(sent_run::text, '-'), ' ' ORDER BY school_code) FROM xinyu.problem_ledger")"
[ -e "$out/quality-2024.json" ] && fail "the quality report was put in place without its letters"

rmdir "$letter"
rc=0
xq run --out "$out" >/dev/null 2>&1 || rc=$?
expect_eq "the next run (nothing new)" 0 "$rc"
[ -f "$letter" ] || fail "the next run did not write the letter"
[ -f "$other" ] || fail "the next run did not write the other school's letter"
grep -q "3201020002" "$letter" || fail "the letter is not the school's"
last=$(sql "SELECT max(run_id) FROM xinyu.run")
expect_eq "now recorded as sent" "3201020002 $last 3201040002 $last" \
    "$(sql "SELECT string_agg(school_code || ' ' || coalesce(sent_run::text, '-'), ' ' ORDER BY school_code) FROM xinyu.problem_ledger")"
echo "letters unwritable ok"
