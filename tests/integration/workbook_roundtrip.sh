# The demo city sent as workbooks: templates made by xinyu template, filled in by a program
# (openpyxl) with the values of the demo's JSON submissions, ingested, give the same rows and
# the same indicators as the JSON submissions themselves. One district's spring term comes as
# a district roll-up. Then what must be refused is refused, and nothing of it is loaded.
source "$ROOT/tests/integration/lib.sh"
py=/usr/bin/python3
"$py" -c 'import openpyxl' 2>/dev/null || { echo "skipped: no python3-openpyxl" >&2; exit 0; }
fill="$py $ROOT/tests/helpers/fill_workbook.py"

mkdir -p "$TEST_TMP/targets" "$TEST_TMP/json" "$TEST_TMP/wb" "$TEST_TMP/tpl"
cp "$ROOT/config/demo/schools.csv" "$TEST_TMP/schools.csv"
cp "$ROOT/config/demo/targets/2024.json" "$TEST_TMP/targets/"
conf() { # FILE SPOOL OUT
    cat >"$1" <<JSON
{"registry": "$TEST_TMP/schools.csv", "targets_dir": "$TEST_TMP/targets", "out_dir": "$3",
 "var_dir": "$TEST_TMP/var", "sources": [{"name": "spool", "kind": "spool", "path": "$2"}]}
JSON
}
conf "$TEST_TMP/json.conf" "$TEST_TMP/json" "$TEST_TMP/out-json"
conf "$TEST_TMP/wb.conf" "$TEST_TMP/wb" "$TEST_TMP/out-wb"

# the demo's plain submissions (not the hand-made bad cases, which JSON alone can express).
# Names and districts a school reports are not compared: the template's are the registry's,
# locked, so the mismatches some demo JSON files carry on purpose cannot occur in a workbook.
for f in "$ROOT"/config/demo/spool/3201*/[0-9]*_[0-9]*-[0-9]*-[12].json; do
    cp "$f" "$TEST_TMP/json/"
done
njson=$(ls "$TEST_TMP/json" | wc -l)
[ "$njson" -gt 100 ] || fail "only $njson demo submissions"

for p in 2023-2024-2 2024-2025-1; do
    "$XINYU" --config "$TEST_TMP/wb.conf" template --period $p --out "$TEST_TMP/tpl" -q
    for code in 3201050001 3201060005; do # inactive, yet they reported
        "$XINYU" --config "$TEST_TMP/wb.conf" template --period $p --school $code --out "$TEST_TMP/tpl" -q
    done
done
"$XINYU" --config "$TEST_TMP/wb.conf" template --period 2023-2024-2 --district 320104 --roll-up \
    --out "$TEST_TMP/tpl" -q
[ -s "$TEST_TMP/tpl/rollup-320104-2023-2024-2.xlsx" ] || fail "no roll-up template"

rollup_json=()
school_json=()
for f in "$TEST_TMP"/json/*.json; do
    case "$(basename "$f")" in
    320104*_2023-2024-2.json) rollup_json+=("$f") ;;
    *) school_json+=("$f") ;;
    esac
done
$fill schools "$TEST_TMP/tpl" "$TEST_TMP/wb" "${school_json[@]}"
$fill rollup "$TEST_TMP/tpl/rollup-320104-2023-2024-2.xlsx" "$TEST_TMP/wb/rollup-320104.xlsx" \
    "${rollup_json[@]}"
[ "$(ls "$TEST_TMP/wb" | wc -l)" = $((${#school_json[@]} + 1)) ] || fail "workbooks missing"

"$XINYU" --config "$TEST_TMP/json.conf" run -q || [ $? = 1 ] || fail "JSON run failed"
createdb "${PGDATABASE}_wb"
PGDATABASE="${PGDATABASE}_wb" "$XINYU" --config "$TEST_TMP/wb.conf" run -q || [ $? = 1 ] ||
    fail "workbook run failed"

rows() {
    psql -X -A -t -q -v ON_ERROR_STOP=1 -c "
        SELECT s.school_code, s.period, s.submitted_at, s.is_current, s.district_code,
               s.enrolled_total, s.enrolled_grade4_up, s.classes_total,
               s.lessons_reported, s.grade_enrolled, s.grade_classes, s.grade_lessons,
               s.lessons_total, to_jsonb(s) - ARRAY['submission_id', 'raw_id', 'run_id',
               'received_at', 'school_name_reported', 'district_code_reported', 'received_seq',
               'received_item']
        FROM xinyu.submission s ORDER BY s.school_code, s.period, s.submitted_at"
}
rows >"$TEST_TMP/rows-json"
PGDATABASE="${PGDATABASE}_wb" rows >"$TEST_TMP/rows-wb"
[ "$(wc -l <"$TEST_TMP/rows-json")" = "$njson" ] || fail "JSON run loaded $(wc -l <"$TEST_TMP/rows-json") of $njson"
diff "$TEST_TMP/rows-json" "$TEST_TMP/rows-wb" >"$TEST_TMP/rows.diff" ||
    fail "workbooks loaded other rows than JSON: $(head -c 2000 "$TEST_TMP/rows.diff")"
for f in indicators-2024.json indicators-2024.csv; do
    diff <(grep -v '"generated_at"' "$TEST_TMP/out-json/$f") \
        <(grep -v '"generated_at"' "$TEST_TMP/out-wb/$f") >/dev/null ||
        fail "indicators differ: $f"
done
nroll=$(PGDATABASE="${PGDATABASE}_wb" sql "SELECT count(*) FROM xinyu.raw_submission WHERE ref LIKE 'rollup-320104.xlsx#汇总!%'")
expect_eq "one item per roll-up row" "${#rollup_json[@]}" "$nroll"

# ---- what must be refused, each with its reason, nothing loaded ----
export PGDATABASE="${PGDATABASE}_wb"
bad="$TEST_TMP/wb/bad"
mkdir -p "$bad"
one="$TEST_TMP/wb/3201020005_2024-2025-1.xlsx"
$fill set "$one" "$bad/other-school.xlsx" '基本情况!C4=3201020006'
$fill set "$one" "$bad/other-term.xlsx" '基本情况!C8=2024-2025学年第二学期'
$fill set "$one" "$bad/mistakes.xlsx" '基本情况!C23=40' '基本情况!C21=abc' '基本情况!C9=2025-01-18 09:30'
cp "$ROOT/tests/fixtures/xlsx/renamed-xls.xlsx" "$bad/renamed.xlsx"
{ cat "$ROOT/tests/fixtures/xlsx/renamed-xls.xlsx"; printf "x"; } >"$bad/legacy.xls" # other bytes
cp "$ROOT/tests/fixtures/xlsx/macro.xlsm" "$bad/macro.xlsm"
cp "$ROOT/tests/fixtures/xlsx/openpyxl.xlsx" "$bad/no-template.xlsx"
cp "$one" "$bad/again.xlsx"
before=$(sql "SELECT count(*) FROM xinyu.submission")
"$XINYU" --config "$TEST_TMP/wb.conf" run -q && fail "bad workbooks did not fail the run" || true
run=$(sql "SELECT max(run_id) FROM xinyu.run")
expect_eq "counts" "8 0 1 0 7" "$(counts "$run")"
expect_eq "nothing loaded" "$before" "$(sql "SELECT count(*) FROM xinyu.submission")"
reason() {
    sql "SELECT string_agg(i.code || ' ' || i.message, ' | ' ORDER BY i.seq) FROM xinyu.submission_issue i
         JOIN xinyu.raw_submission r USING (raw_id) WHERE r.ref = 'bad/$1' AND i.severity = 'reject'"
}
reason other-school.xlsx | grep -q '^template_identity 基本情况!C4 学校标识码“3201020006”与模板所属学校（3201020005）不一致' || fail "other school: $(reason other-school.xlsx)"
reason other-term.xlsx | grep -q '^template_identity 基本情况!C8 学期' || fail "other term: $(reason other-term.xlsx)"
reason renamed.xlsx | grep -q '^xlsx_legacy_xls .*另存为' || fail "renamed .xls: $(reason renamed.xlsx)"
reason legacy.xls | grep -q '^xlsx_legacy_xls' || fail ".xls: $(reason legacy.xls)"
reason macro.xlsm | grep -q '^xlsx_macro_enabled .*不含宏' || fail ".xlsm: $(reason macro.xlsm)"
reason no-template.xlsx | grep -q '^template_missing' || fail "no template: $(reason no-template.xlsx)"
r=$(reason mistakes.xlsx)
echo "$r" | grep -q 'type 基本情况!C21 兼职心理健康教师人数: expected a non-negative integer, got string "abc"' ||
    fail "mistakes: $r"
expect_eq "the refused workbook's school is known" "3201020005 2024-2025-1" \
    "$(sql "SELECT school_code || ' ' || period FROM xinyu.raw_submission WHERE ref = 'bad/other-school.xlsx'")"
# a workbook keeps its own gzip member, and xinyu raw gives back the very bytes sent
mistakes=$(sql "SELECT raw_id FROM xinyu.raw_submission WHERE ref = 'bad/mistakes.xlsx' AND body_gz IS NOT NULL")
[ -n "$mistakes" ] || fail "the refused workbook's bytes were not kept in a member of their own"
"$XINYU" --config "$TEST_TMP/wb.conf" -q raw --out "$TEST_TMP/mistakes-back.xlsx" "$mistakes" ||
    fail "xinyu raw $mistakes failed"
cmp -s "$TEST_TMP/mistakes-back.xlsx" "$bad/mistakes.xlsx" || fail "xinyu raw $mistakes gives other bytes"
echo "round trip ok: $njson submissions, ${#rollup_json[@]} of them in a roll-up"

# ---- back to the school: the workbook with its mistakes marked, and a letter naming cells ----
fb="$TEST_TMP/out-wb/feedback/3201020005-2024-2025-1.xlsx"
[ -s "$fb" ] || fail "no feedback workbook: $(ls "$TEST_TMP/out-wb/feedback" 2>&1)"
grep -q '兼职心理健康教师人数.*(单元格 基本情况!C21)' "$TEST_TMP/out-wb/feedback/3201020005-2024-2025-1.txt" ||
    fail "the letter does not name the cell"
grep -q '在“填报时间”单元格填写重新报送的时间' "$TEST_TMP/out-wb/feedback/3201020005-2024-2025-1.txt" ||
    fail "the letter to a workbook's school speaks of JSON"
if grep -q 'submitted_at' "$TEST_TMP/out-wb/feedback/3201020005-2024-2025-1.txt"; then
    fail "the letter to a workbook's school speaks of submitted_at"
fi
grep -q '附件:贵校报送的工作簿(3201020005-2024-2025-1.xlsx)' "$TEST_TMP/out-wb/feedback/3201020005-2024-2025-1.txt" ||
    fail "the letter does not name the workbook"
"$py" - "$fb" <<'PY' || fail "feedback workbook"
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
assert wb.sheetnames == ["基本情况", "模板信息", "问题清单"], wb.sheetnames
ws = wb["基本情况"]
c = ws["C21"]
assert c.value == "abc", c.value                       # the school's own text, as sent
assert c.comment is not None and "abc" in c.comment.text, c.comment
assert c.fill.fgColor.rgb.endswith("FFC7CE"), c.fill.fgColor.rgb
assert ws["C23"].value == 40 and ws["C9"].value == "2025-01-18 09:30"
assert ws["C22"].comment is None                        # a cell without a problem
rows = list(wb["问题清单"].iter_rows(min_row=2, values_only=True))
assert any(r[1] == "基本情况!C21" and r[3] == "staff.psych_parttime" for r in rows), rows
PY
# the workbook sent back, corrected and sent again, loads
$fill set "$fb" "$TEST_TMP/wb/corrected.xlsx" '基本情况!C21=45' '基本情况!C9=2025-01-19 10:00'
"$XINYU" --config "$TEST_TMP/wb.conf" run -q || [ $? = 1 ] || fail "run on the corrected workbook"
expect_eq "corrected workbook loads" "45 40 2025-01-19 02:00:00+00" \
    "$(sql "SELECT staff_psych_parttime || ' ' || staff_psych_cert_a || ' ' || submitted_at FROM xinyu.submission WHERE school_code = '3201020005' AND period = '2024-2025-1' AND is_current")"

# ---- pre-filled: next term's workbook carries the latest loaded figures; sent back
# unchanged, it loads exactly those for the new term ----
"$XINYU" --config "$TEST_TMP/wb.conf" -q template --period 2024-2025-2 --district 320102 \
    --prefill --out "$TEST_TMP/pre"
[ "$(ls "$TEST_TMP/pre" | wc -l)" = 14 ] || fail "pre-filled templates: $(ls "$TEST_TMP/pre")"
cp "$TEST_TMP/pre/3201020006-2024-2025-2.xlsx" "$TEST_TMP/pre/3201020010-2024-2025-2.xlsx" "$TEST_TMP/wb/"
"$XINYU" --config "$TEST_TMP/wb.conf" run -q || [ $? = 1 ] || fail "run on pre-filled workbooks"
figures() { # CODE PERIOD: every figure of the current submission
    sql "SELECT (to_jsonb(s) - ARRAY['submission_id', 'raw_id', 'run_id', 'received_at', 'period',
         'submitted_at', 'received_seq', 'received_item', 'school_name_reported'])::text
         FROM xinyu.submission s WHERE school_code = '$1' AND period = '$2' AND is_current"
}
for code in 3201020006 3201020010; do
    before=$(figures $code 2024-2025-1)
    [ -n "$before" ] || fail "$code has no autumn submission"
    expect_eq "$code pre-filled and sent back" "$before" "$(figures $code 2024-2025-2)"
done
w=$(sql "SELECT count(*) FROM xinyu.submission_issue i JOIN xinyu.raw_submission r USING (raw_id)
         WHERE r.ref = '3201020006-2024-2025-2.xlsx' AND i.code = 'submitted_at_mtime'")
expect_eq "submitted_at from the file's time, with a warning" 1 "$w"
