# The registry loads idempotently; a file with bad rows is refused whole, with line numbers;
# a school no longer listed becomes inactive.
source "$ROOT/tests/integration/lib.sh"
ex="$ROOT/tests/fixtures/spec-examples"
"$XINYU" registry load "$ex/schools.csv"
expect_eq "schools" 5 "$(sql "SELECT count(*) FROM xinyu.school")"
expect_eq "districts" 3 "$(sql "SELECT count(*) FROM xinyu.district")"
"$XINYU" registry load "$ex/schools.csv" 2>&1 | grep -q unchanged || fail "unchanged file not skipped"
"$XINYU" registry load --force "$ex/schools.csv"
expect_eq "still five" 5 "$(sql "SELECT count(*) FROM xinyu.school")"

{
    head -3 "$ex/schools.csv"
    echo "32010400,短代码学校,320104,秦淮区,primary,true"
    echo "3201040009,类型错误学校,320104,秦淮区,university,true"
} >"$TEST_TMP/bad.csv"
set +e
"$XINYU" registry load "$TEST_TMP/bad.csv" >"$TEST_TMP/out.txt" 2>&1
rc=$?
set -e
cat "$TEST_TMP/out.txt"
expect_eq "bad registry exit" 2 "$rc"
grep -q "bad.csv:4:" "$TEST_TMP/out.txt" || fail "line 4 not named"
grep -q "bad.csv:5:" "$TEST_TMP/out.txt" || fail "line 5 not named"
expect_eq "nothing changed" 5 "$(sql "SELECT count(*) FROM xinyu.school")"

head -4 "$ex/schools.csv" >"$TEST_TMP/fewer.csv"
"$XINYU" registry load "$TEST_TMP/fewer.csv"
expect_eq "dropped school inactive" "f" "$(sql "SELECT active FROM xinyu.school WHERE school_code = '3201040002'")"
echo "registry ok"
