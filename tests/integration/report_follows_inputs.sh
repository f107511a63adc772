# "xinyu run" writes an indicator report again only when what it is made from changed: the
# submissions of its terms, the registry, the targets, or one of its files went missing.
# A kept report is the one "xinyu report" would write now.
source "$ROOT/tests/integration/lib.sh"
setup_fixtures
spool="$TEST_TMP/spool"
mkdir -p "$spool"
cp "$ROOT/tests/fixtures/spec-examples/submission-minimal.json" "$spool/"
write_config "$TEST_TMP/conf.json" "$spool"
out=$TEST_TMP/out

# identity of a file: a report written again is a new file (written beside it, renamed)
ident() { stat -c '%i %Y' "$out/$1"; }
snapshot() {
    y=$(ident indicators-2024.json)
    t1=$(ident indicators-2023-2024-2.json)
    t2=$(ident indicators-2024-2025-1.json)
}
# same_as_report WHAT: the kept year report equals a fresh one, generated_at aside
same_as_report() {
    rm -rf "$TEST_TMP/fresh"
    "$XINYU" --config "$TEST_TMP/conf.json" -q report --year 2024 --out "$TEST_TMP/fresh"
    diff <(grep -v '"generated_at"' "$out/indicators-2024.json") \
        <(grep -v '"generated_at"' "$TEST_TMP/fresh/indicators-2024.json") >/dev/null ||
        fail "$1: the year report in out/ is not the one its inputs give now"
    cmp -s "$out/indicators-2024.csv" "$TEST_TMP/fresh/indicators-2024.csv" ||
        fail "$1: the year CSV in out/ is not the one its inputs give now"
}
run() { "$XINYU" --config "$TEST_TMP/conf.json" run 2>"$TEST_TMP/run.log"; }

run || true
[ -f "$out/.indicators-2024.inputs" ] || fail "no stamp beside the year report"
snapshot
sleep 1.1 # a rewrite within the same second would still be a new inode

# nothing new: every report kept, and the run says so
run || true
expect_eq "year report kept" "$y" "$(ident indicators-2024.json)"
expect_eq "term report kept" "$t1" "$(ident indicators-2023-2024-2.json)"
expect_eq "term report kept" "$t2" "$(ident indicators-2024-2025-1.json)"
grep -q "indicators-2024: .* kept" "$TEST_TMP/run.log" || fail "the run does not say it kept the year report"
same_as_report "nothing new"

# a submission for the year's later term: that term and the year again, the other term kept
cp "$ROOT/tests/fixtures/spec-examples/submission-full.json" "$spool/"
run || true
[ "$(ident indicators-2024.json)" != "$y" ] || fail "a new submission of the year left its report"
[ "$(ident indicators-2024-2025-1.json)" != "$t2" ] || fail "a new submission left its term's report"
expect_eq "other term kept" "$t1" "$(ident indicators-2023-2024-2.json)"
same_as_report "a new submission"
snapshot

# a corrected version of that submission: as many current ones as before, the year and its
# term again, the other term kept
sed -e 's/2025-01-10T16:30:00/2025-01-11T09:00:00/' -e 's/"psych_yuan": 8200.50/"psych_yuan": 9100.00/' \
    "$ROOT/tests/fixtures/spec-examples/submission-full.json" >"$spool/corrected.json"
run || true
expect_eq "the correction is the current version" 9100.00 \
    "$(sql "SELECT funding_psych_yuan FROM xinyu.submission WHERE school_code = '3201020001' AND period = '2024-2025-1' AND is_current")"
[ "$(ident indicators-2024.json)" != "$y" ] || fail "a corrected version left the year report"
[ "$(ident indicators-2024-2025-1.json)" != "$t2" ] || fail "a corrected version left its term's report"
expect_eq "other term kept" "$t1" "$(ident indicators-2023-2024-2.json)"
same_as_report "a corrected version"
snapshot

# a submission of a term outside every targets file: nothing to write again
sed -e 's/"2024-2025-1"/"2025-2026-1"/' -e 's/2025-01-10T16:30:00/2026-01-10T16:30:00/' \
    "$ROOT/tests/fixtures/spec-examples/submission-full.json" >"$spool/later-term.json"
run || true
expect_eq "later term loaded" 1 "$(sql "SELECT count(*) FROM xinyu.submission WHERE period = '2025-2026-1'")"
expect_eq "year report kept" "$y" "$(ident indicators-2024.json)"
expect_eq "term report kept" "$t2" "$(ident indicators-2024-2025-1.json)"

# a report file deleted: written again
rm "$out/indicators-2024.csv"
run || true
[ -f "$out/indicators-2024.csv" ] || fail "a deleted report file was not written again"
[ "$(ident indicators-2024.json)" != "$y" ] || fail "the year report was not written whole again"
snapshot

# the registry changed: every report again
printf '3201040009,秦淮区新建小学,320104,秦淮区,primary,true\n' >>"$TEST_TMP/schools.csv"
run || true
[ "$(ident indicators-2024.json)" != "$y" ] || fail "a registry change left the year report"
[ "$(ident indicators-2023-2024-2.json)" != "$t1" ] || fail "a registry change left a term report"
same_as_report "a registry change"
snapshot

# the targets changed: the reports of that year again
sed -i 's/"value": 0.95}/"value": 0.9}/' "$TEST_TMP/targets/2024.json"
run || true
[ "$(ident indicators-2024.json)" != "$y" ] || fail "a targets change left the year report"
same_as_report "a targets change"

# a stamp that is not one Xinyu wrote (edited, truncated, oversized): the report again
snapshot
printf 'not a stamp\n' >"$out/.indicators-2024.inputs"
run || true
[ "$(ident indicators-2024.json)" != "$y" ] || fail "a garbled stamp kept the year report"
same_as_report "a garbled stamp"
snapshot
head -c 100000 /dev/zero | tr '\0' x >"$out/.indicators-2024.inputs"
run || true
[ "$(ident indicators-2024.json)" != "$y" ] || fail "an oversized stamp kept the year report"
snapshot
run || true
expect_eq "the stamp written again keeps it" "$y" "$(ident indicators-2024.json)"

echo "reports follow their inputs"
