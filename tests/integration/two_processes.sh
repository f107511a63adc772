# Two "xinyu ingest" processes started together on the same 2,000-file spool share the
# work: each file is loaded exactly once and their run records add up.
source "$ROOT/tests/integration/lib.sh"
gen="$BUILD/xinyu-gen"
[ -x "$gen" ] || fail "the generator $gen is not built"
"$gen" --schools 2000 --terms 2024-2025-1 --seed 11 --format json --dup-share 0 --resub-share 0 \
    --invalid-share 0 --missing-share 0 --out "$TEST_TMP/data" 2>/dev/null
files=$(find "$TEST_TMP/data/spool" -type f | wc -l)
expect_eq "generated files" 2000 "$files"
cp "$TEST_TMP/data/schools.csv" "$TEST_TMP/schools.csv"
mkdir -p "$TEST_TMP/targets"
write_config "$TEST_TMP/conf.json" "$TEST_TMP/data/spool" '"limits": {"batch_size": 50}'
"$XINYU" -q --config "$TEST_TMP/conf.json" registry load

"$XINYU" -q --config "$TEST_TMP/conf.json" ingest --jobs 1 >"$TEST_TMP/a.txt" &
a=$!
"$XINYU" -q --config "$TEST_TMP/conf.json" ingest --jobs 1 >"$TEST_TMP/b.txt" &
b=$!
wait $a
wait $b
expect_eq "two ingest runs" 2 "$(sql "SELECT count(*) FROM xinyu.run WHERE kind = 'ingest'")"
expect_eq "received in total" 2000 "$(sql "SELECT sum(received) FROM xinyu.run WHERE kind = 'ingest'")"
expect_eq "loaded in total" 2000 "$(sql "SELECT sum(loaded) FROM xinyu.run WHERE kind = 'ingest'")"
expect_eq "each file once" 2000 "$(sql "SELECT count(DISTINCT ref) FROM xinyu.run_item")"
expect_eq "no duplicates" 0 "$(sql "SELECT count(*) FROM xinyu.run_item WHERE outcome = 'duplicate'")"
both=$(sql "SELECT count(*) FROM xinyu.run WHERE kind = 'ingest' AND received > 0")
echo "runs that received work: $both"
expect_eq "submissions" 2000 "$(sql "SELECT count(*) FROM xinyu.submission")"
echo "two processes ok"
