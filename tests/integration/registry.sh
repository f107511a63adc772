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

# The checks across rows (made by the database on the staged file) name every line, after
# the rows' own faults, with the same words as "xinyu check"; nothing is applied.
{
    cat "$ex/schools.csv"
    echo "3201020009,坏行,320102,玄武区,primary,maybe"
    echo "3201020001,重复的学校,320102,玄武区,primary,true"
    echo "3201040009,别名区学校,320104,秦淮新区,primary,true"
    printf '3201020001,"又一次, 重复",320102,"玄武区",primary,true\r\n'
} >"$TEST_TMP/conflicts.csv"
set +e
"$XINYU" registry load "$TEST_TMP/conflicts.csv" >"$TEST_TMP/out.txt" 2>&1
rc=$?
set -e
expect_eq "conflicts exit" 2 "$rc"
grep "conflicts.csv:" "$TEST_TMP/out.txt" | sed 's/^.*conflicts.csv://' >"$TEST_TMP/reasons.txt"
cat >"$TEST_TMP/want.txt" <<'WANT'
7: active "maybe" is not true, false, 1 or 0
8: school_code 3201020001 is already listed on line 2
9: district 320104 is named "秦淮新区" here but "秦淮区" on line 4
10: school_code 3201020001 is already listed on line 2
WANT
diff "$TEST_TMP/want.txt" "$TEST_TMP/reasons.txt" || fail "the reasons of conflicts.csv"
grep -q "the registry was not loaded" "$TEST_TMP/out.txt" || fail "no refusal said"
expect_eq "nothing applied" 0 "$(sql "SELECT count(*) FROM xinyu.school WHERE school_code = '3201040009'")"
expect_eq "name kept" "秦淮区" "$(sql "SELECT district_name FROM xinyu.district WHERE district_code = '320104'")"
expect_eq "no load recorded" 0 "$(sql "SELECT count(*) FROM xinyu.registry_load WHERE path LIKE '%conflicts.csv'")"

# Many bad rows: the first 50 reasons are shown, the rest counted.
{
    head -1 "$ex/schools.csv"
    for i in $(seq 1 120); do printf '32010200%02d,学校,320102,玄武区,primary,true\n' $((i % 60)); done
} >"$TEST_TMP/many.csv"
set +e
"$XINYU" registry load "$TEST_TMP/many.csv" >"$TEST_TMP/out.txt" 2>&1
rc=$?
set -e
expect_eq "many exit" 2 "$rc"
expect_eq "reasons shown" 50 "$(grep -c "many.csv:[0-9]*: school_code" "$TEST_TMP/out.txt")"
grep -q "many.csv: 10 more reason(s) not shown" "$TEST_TMP/out.txt" || fail "the rest not counted"

# A country's registry loads in pieces: every row, and the hash of the whole file.
{
    head -1 "$ex/schools.csv"
    for d in $(seq 10 49); do
        for s in $(seq 1000 1499); do echo "32${d}00${s},学校${d}${s},32${d}00,区${d},primary,true"; done
    done
} >"$TEST_TMP/big.csv"
"$XINYU" registry load "$TEST_TMP/big.csv"
expect_eq "big: schools active" 20000 "$(sql "SELECT count(*) FROM xinyu.school WHERE active")"
expect_eq "big: districts" 43 "$(sql "SELECT count(*) FROM xinyu.district")"
expect_eq "big: hash" "$(sha256sum "$TEST_TMP/big.csv" | cut -d' ' -f1)" \
    "$(sql "SELECT encode(sha256, 'hex') FROM xinyu.registry_load ORDER BY run_id DESC LIMIT 1")"
"$XINYU" registry load "$TEST_TMP/big.csv" 2>&1 | grep -q unchanged || fail "big file not skipped"
"$XINYU" registry load "$ex/schools.csv"

# A path that cannot be read as a file is the operator's to fix (exit 2), with or without --force.
mkdir -p "$TEST_TMP/a-directory"
for force in "" --force; do
    set +e
    "$XINYU" registry load $force "$TEST_TMP/a-directory" >"$TEST_TMP/out.txt" 2>&1
    rc=$?
    set -e
    expect_eq "directory exit ($force)" 2 "$rc"
    grep -q "cannot read .*a-directory: Is a directory" "$TEST_TMP/out.txt" || fail "directory ($force): $(cat "$TEST_TMP/out.txt")"
done

# Two loads applied at once take turns: the second waits for the first to commit, then finds
# the schools it lists known (here moved to another district) instead of adding them again.
apply_sql() { # NAME_SUFFIX DISTRICT THIRD_CODE SECONDS_HELD: stages three schools, applies,
    # holds the transaction open, commits
    cat <<SQL
BEGIN;
SELECT xinyu.create_registry_staging();
INSERT INTO stage_school VALUES
    (1, '3209900001', '并发学校一$1', '$2', '并发区$2', 'primary', true),
    (2, '3209900002', '并发学校二$1', '$2', '并发区$2', 'junior', true),
    (3, '$3', '并发学校三$1', '$2', '并发区$2', 'senior', true);
SELECT * FROM xinyu.registry_apply();
SELECT pg_sleep($4);
COMMIT;
SQL
}
apply_sql "" 320990 3209900003 3 | psql -X -q -v ON_ERROR_STOP=1 >"$TEST_TMP/first.out" 2>&1 &
first=$!
holding=0
for _ in $(seq 100); do
    if [ "$(sql "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
                 AND query LIKE 'SELECT pg_sleep(3)%'")" = 1 ]; then
        holding=1
        break
    fi
    sleep 0.1
done
expect_eq "the first of two loads holds its transaction open" 1 "$holding"
set +e
apply_sql "（迁）" 320991 3209900004 0 | psql -X -q -v ON_ERROR_STOP=1 >"$TEST_TMP/second.out" 2>&1
rc2=$?
wait "$first"
rc1=$?
set -e
expect_eq "first of two loads at once" 0 "$rc1"
expect_eq "second of two loads at once: $(cat "$TEST_TMP/second.out")" 0 "$rc2"
expect_eq "two loads at once: their schools" \
    "3209900001 并发学校一（迁） 320991 t|3209900002 并发学校二（迁） 320991 t|3209900003 并发学校三 320990 f|3209900004 并发学校三（迁） 320991 t" \
    "$(sql "SELECT string_agg(concat_ws(' ', school_code, school_name, district_code, active), '|'
                              ORDER BY school_code)
            FROM xinyu.school WHERE district_code IN ('320990', '320991')")"

head -4 "$ex/schools.csv" >"$TEST_TMP/fewer.csv"
"$XINYU" registry load "$TEST_TMP/fewer.csv"
expect_eq "dropped school inactive" "f" "$(sql "SELECT active FROM xinyu.school WHERE school_code = '3201040002'")"
# every school's district is in the registry (sql/schema/025: no foreign key)
expect_eq "schools of an unknown district" 0 "$(sql "SELECT count(*) FROM xinyu.school s
    WHERE NOT EXISTS (SELECT FROM xinyu.district d WHERE d.district_code = s.district_code)")"
echo "registry ok"
