# A second run on the same inputs loads nothing and writes the same indicator rows; a
# file copied in under a new name is a duplicate; a file changed in place is read again.
source "$ROOT/tests/integration/lib.sh"
setup_fixtures
spool="$TEST_TMP/spool"
mkdir -p "$spool"
cp "$ROOT"/tests/fixtures/spec-examples/submission-{full,minimal}.json "$spool/"
write_config "$TEST_TMP/conf.json" "$spool"

"$XINYU" --config "$TEST_TMP/conf.json" run
cp "$TEST_TMP/out/indicators-2024.json" "$TEST_TMP/first.json"
cp "$TEST_TMP/out/indicators-2024.csv" "$TEST_TMP/first.csv"
"$XINYU" --config "$TEST_TMP/conf.json" run
run2=$(sql "SELECT max(run_id) FROM xinyu.run")
expect_eq "second run loads nothing" "0 0 0 0 0" "$(counts "$run2")"
diff <(grep -v '"generated_at"' "$TEST_TMP/first.json") <(grep -v '"generated_at"' "$TEST_TMP/out/indicators-2024.json") ||
    fail "indicator rows changed on a re-run"
cmp "$TEST_TMP/first.csv" "$TEST_TMP/out/indicators-2024.csv" || fail "CSV changed on a re-run"
expect_eq "submissions" 2 "$(sql "SELECT count(*) FROM xinyu.submission")"

cp "$spool/submission-full.json" "$spool/again.json"
"$XINYU" --config "$TEST_TMP/conf.json" run
run3=$(sql "SELECT max(run_id) FROM xinyu.run")
expect_eq "same bytes under a new name" "1 0 1 0 0" "$(counts "$run3")"
expect_eq "raw rows" 2 "$(sql "SELECT count(*) FROM xinyu.raw_submission")"
diff <(grep -v '"generated_at"' "$TEST_TMP/first.json") <(grep -v '"generated_at"' "$TEST_TMP/out/indicators-2024.json") ||
    fail "a duplicate changed the indicators"
echo "re-run ok"
