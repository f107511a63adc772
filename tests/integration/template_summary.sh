#!/usr/bin/env bash
# template_summary.sh - "xinyu template --prefill-from": a school's workbook pre-filled with the
# exact figures of its work summary, each cell commented with its sentence, approximate
# figures named but never filled (SUBMISSION.md section 8); read back with openpyxl.
. "$(dirname "$0")/lib.sh"
py=/usr/bin/python3
"$py" -c 'import openpyxl' 2>/dev/null || { echo "skipped: no python3-openpyxl" >&2; exit 0; }
setup_fixtures
write_config "$TEST_TMP/c.conf" "$TEST_TMP/spool"
x() { "$XINYU" --config "$TEST_TMP/c.conf" -q "$@"; }

# CELLS FILE: "key value | comment" per commented input cell, then the note line
cells() {
    "$py" - "$1" <<'PY'
import openpyxl, sys
ws = openpyxl.load_workbook(sys.argv[1])["基本情况"]
for row in ws.iter_rows():
    for c in row:
        if c.column == 3 and "." in str(ws.cell(c.row, 1).value or ""):
            key = ws.cell(c.row, 1).value
            if c.value is not None or c.comment:
                print(key, c.value, "|", (c.comment.text if c.comment else "").replace("\n", " / "))
print("NOTE", ws["B2"].value)
PY
}

# seed 000: two full-time and 35 part-time teachers; "80%左右" is approximate
x template --period 2024-2025-1 --school 3201020001 \
    --prefill-from "$ROOT/tests/extract/000-seed-primary-report.txt" --out "$TEST_TMP/a"
cells "$TEST_TMP/a/3201020001-2024-2025-1.xlsx" >"$TEST_TMP/a.txt"
grep -q '^staff.psych_fulltime 2 | 摘自工作总结第26行“2名”：.*专职心理教师2名' "$TEST_TMP/a.txt" ||
    fail "seed 000 full-time: $(cat "$TEST_TMP/a.txt")"
grep -q '^staff.psych_parttime 35 | 摘自工作总结第26行“35名”：.*兼职心理辅导员35名' "$TEST_TMP/a.txt" ||
    fail "seed 000 part-time: $(cat "$TEST_TMP/a.txt")"
grep -q '^home_school.home_visit_rate None | 总结第[0-9]*行“80%左右”为约数' "$TEST_TMP/a.txt" ||
    fail "seed 000 approximate rate not named on its cell: $(cat "$TEST_TMP/a.txt")"
grep -q '^NOTE .*未填入：.*“80%左右”' "$TEST_TMP/a.txt" || fail "note line: $(grep NOTE "$TEST_TMP/a.txt")"
# every filled value is the extraction's, and every filled cell carries a sentence
"$XINYU" extract "$ROOT/tests/extract/000-seed-primary-report.txt" >"$TEST_TMP/000.json"
"$py" - "$TEST_TMP/000.json" "$TEST_TMP/a.txt" <<'PY' || fail "values differ from the extraction"
import json, sys
d = json.loads(open(sys.argv[1]).readline())
want = {f"{s}.{k}": v for s, o in d["draft"].items() for k, v in o.items()}
got = {}
for line in open(sys.argv[2]):
    if line.startswith("NOTE"):
        continue
    key, rest = line.split(" ", 1)
    val, comment = rest.split(" | ", 1)
    if val != "None":
        assert comment.startswith("摘自工作总结"), line
        got[key] = val
norm = lambda v: "是" if v is True else "否" if v is False else str(int(v)) if float(v) == int(v) else str(v)
assert got == {k: norm(v) for k, v in want.items()}, (got, want)
PY

# seed 003 (the template schools copy): exact values filled, "300余人次" / "500余人次" not
x template --period 2024-2025-1 --school 3201020001 \
    --prefill-from "$ROOT/tests/extract/003-seed-template.txt" --out "$TEST_TMP/b"
cells "$TEST_TMP/b/3201020001-2024-2025-1.xlsx" >"$TEST_TMP/b.txt"
grep -q '^counseling.individual_sessions 65 | 摘自工作总结第13行“65人次”：.*本学期共接待个体咨询65人次' "$TEST_TMP/b.txt" ||
    fail "seed 003 counselling: $(cat "$TEST_TMP/b.txt")"
grep -q '^counseling.group_sessions 12 | ' "$TEST_TMP/b.txt" || fail "seed 003 group sessions"
grep -q '^counseling.group_participants None | 总结第25行“300余人次”为约数，未填入' "$TEST_TMP/b.txt" ||
    fail "seed 003 approximate participants: $(cat "$TEST_TMP/b.txt")"
grep -q '^home_school.parent_attendees None | 总结第44行“500余人次”为约数' "$TEST_TMP/b.txt" ||
    fail "seed 003 approximate parents"

# a .docx summary gives the same cells as its text
x template --period 2024-2025-1 --school 3201020001 \
    --prefill-from "$ROOT/tests/fixtures/extract/summary-lo.docx" --out "$TEST_TMP/d"
x template --period 2024-2025-1 --school 3201020001 \
    --prefill-from "$ROOT/tests/fixtures/extract/summary-lo.txt" --out "$TEST_TMP/t"
cells "$TEST_TMP/d/3201020001-2024-2025-1.xlsx" | sed 's/ | .*//' >"$TEST_TMP/d.txt"
cells "$TEST_TMP/t/3201020001-2024-2025-1.xlsx" | sed 's/ | .*//' >"$TEST_TMP/t.txt"
cmp -s "$TEST_TMP/d.txt" "$TEST_TMP/t.txt" || fail "docx and txt differ: $(diff "$TEST_TMP/d.txt" "$TEST_TMP/t.txt")"
grep -q '^home_school.parent_attendees 880$' "$TEST_TMP/d.txt" || fail "docx table row: $(cat "$TEST_TMP/d.txt")"

# the pre-filled workbook is a template: it reads back as the school's submission
x check --registry "$TEST_TMP/schools.csv" "$TEST_TMP/a/3201020001-2024-2025-1.xlsx" \
    >"$TEST_TMP/check.txt" 2>&1 || true
grep -q '^3201020001-2024-2025-1.xlsx: .*学校代码 3201020001，学期 2024-2025-1' "$TEST_TMP/check.txt" ||
    fail "not read back as the school's submission: $(cat "$TEST_TMP/check.txt")"

# refused: binary junk, and --prefill-from without --school
head -c 4096 /dev/urandom >"$TEST_TMP/junk.txt"
set +e
x template --period 2024-2025-1 --school 3201020001 --prefill-from "$TEST_TMP/junk.txt" \
    --out "$TEST_TMP/j" 2>"$TEST_TMP/junk.err"
rc=$?
x template --period 2024-2025-1 --prefill-from "$ROOT/tests/extract/000-seed-primary-report.txt" \
    --out "$TEST_TMP/j" 2>/dev/null
rc2=$?
set -e
expect_eq "junk summary exit" 2 "$rc"
grep -q 'cannot pre-fill the template from the summary' "$TEST_TMP/junk.err" || fail "junk: $(cat "$TEST_TMP/junk.err")"
[ ! -e "$TEST_TMP/j/3201020001-2024-2025-1.xlsx" ] || fail "a workbook was written from junk"
expect_eq "no --school" 2 "$rc2"
echo "ok"
