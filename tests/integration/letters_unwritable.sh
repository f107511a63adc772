# A feedback letter that cannot be written fails the run's quality report, naming the file;
# its problem is not recorded as sent, so the next run writes the letter.
source "$ROOT/tests/integration/lib.sh"
spec_spool
cp "$ex/submission-rejected.json" "$spool/rejected.json"
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
expect_eq "the letter's problem is not recorded as sent" "-" \
    "$(sql "SELECT coalesce(sent_run::text, '-') FROM xinyu.problem_ledger WHERE school_code = '3201020002'")"
[ -e "$out/quality-2024.json" ] && fail "the quality report was put in place without its letters"

rmdir "$letter"
rc=0
xq run --out "$out" >/dev/null 2>&1 || rc=$?
expect_eq "the next run (nothing new)" 0 "$rc"
[ -f "$letter" ] || fail "the next run did not write the letter"
grep -q "3201020002" "$letter" || fail "the letter is not the school's"
expect_eq "now recorded as sent" "$(sql "SELECT max(run_id) FROM xinyu.run")" \
    "$(sql "SELECT sent_run FROM xinyu.problem_ledger WHERE school_code = '3201020002'")"
echo "letters unwritable ok"
