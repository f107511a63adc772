# ingest --dry-run does the whole ingest, prints what would happen and writes nothing.
source "$ROOT/tests/integration/lib.sh"
setup_fixtures
spool="$TEST_TMP/spool"
mkdir -p "$spool"
cp "$ROOT"/tests/fixtures/spec-examples/submission-*.json "$spool/"
write_config "$TEST_TMP/conf.json" "$spool"
"$XINYU" --config "$TEST_TMP/conf.json" registry load
before=$(sql "SELECT count(*) FROM xinyu.run")
set +e
out=$("$XINYU" --config "$TEST_TMP/conf.json" ingest --dry-run)
rc=$?
set -e
echo "$out"
expect_eq "dry run exit status" 1 "$rc"
echo "$out" | grep -q "received 3 = loaded 2 + duplicate 0 + superseded 0 + rejected 1" || fail "dry run counts"
expect_eq "no run recorded" "$before" "$(sql "SELECT count(*) FROM xinyu.run")"
expect_eq "nothing loaded" 0 "$(sql "SELECT count(*) FROM xinyu.raw_submission")"
expect_eq "nothing queued" 0 "$(sql "SELECT count(*) FROM xinyu.ingest_file")"
# and the real ingest afterwards loads everything
set +e
real=$("$XINYU" --config "$TEST_TMP/conf.json" ingest)
set -e
expect_eq "loaded after" 2 "$(sql "SELECT count(*) FROM xinyu.submission")"
# the counts it prints are those of the run's record
echo "$real" | grep -q "received 3 = loaded 2 + duplicate 0 + superseded 0 + rejected 1" ||
    fail "ingest counts: $real"
expect_eq "the run's record" "3 2 0 0 1" \
    "$(sql "SELECT concat_ws(' ', received, loaded, duplicate, superseded, rejected) FROM xinyu.run WHERE run_id = (SELECT max(run_id) FROM xinyu.run)")"
echo "dry run ok"
