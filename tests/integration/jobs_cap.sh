# --jobs above what the server takes: the workers are capped by the server's connection
# limit (the test server allows 50), with a log line saying so, and the run loads everything.
source "$ROOT/tests/integration/lib.sh"
setup_fixtures
spool="$TEST_TMP/spool"
mkdir -p "$spool"
min="$ROOT/tests/fixtures/spec-examples/submission-minimal.json"
max=$(sql "SHOW max_connections")
files=$((max + 30))
# distinct versions of one school, one file each, all tied but for the last, which is latest
for i in $(seq 1 "$files"); do
    sed -e "s/\"psych_parttime\":1/\"psych_parttime\":$i/" "$min" >"$(printf '%s/v%03d.json' "$spool" "$i")"
done
sed -i 's/"submitted_at":"[^"]*"/"submitted_at":"2025-01-19T09:00:00+08:00"/' \
    "$(printf '%s/v%03d.json' "$spool" "$files")"
# one file per transaction, so that every worker would get work
write_config "$TEST_TMP/conf.json" "$spool" '"limits": {"batch_size": 1}'
"$XINYU" -q --config "$TEST_TMP/conf.json" registry load
status=0
"$XINYU" --config "$TEST_TMP/conf.json" ingest --jobs 200 >"$TEST_TMP/out.txt" 2>"$TEST_TMP/err.txt" || status=$?
cat "$TEST_TMP/err.txt"
expect_eq "exit status" 0 "$status"
grep -q "$files workers need as many connections, but the server takes [0-9]* more (max_connections $max, [0-9]* reserved, [1-9][0-9]* in use); using [0-9]* workers" \
    "$TEST_TMP/err.txt" || fail "no log line about the capped workers"
run=$(sql "SELECT max(run_id) FROM xinyu.run")
expect_eq "run counts" "$files 1 0 $((files - 1)) 0" "$(counts "$run")"
expect_eq "the latest version is current" "$files" \
    "$(sql "SELECT staff_psych_parttime FROM xinyu.submission WHERE is_current")"
echo "jobs capped ok"
