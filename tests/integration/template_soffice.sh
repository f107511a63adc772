# The template in a real spreadsheet program: the spec's full example filled in by
# "xinyu template --fill", opened and saved by LibreOffice Calc (headless), reads back as the
# same submission as the JSON (the workbook unit test on the fresh copy); an empty school form
# and a district roll-up survive the save with their structure. Where soffice is missing, the
# committed tests/fixtures/xlsx/template-libreoffice.xlsx stands (the unit test reads it).
set -euo pipefail
. "$ROOT/tests/integration/lib.sh"
command -v soffice >/dev/null 2>&1 || { echo "skipped: no soffice" >&2; exit 0; }
t="$TEST_TMP"
mkdir -p "$t/in" "$t/out"
printf '{"registry": "%s/config/demo/schools.csv", "out_dir": "%s", "var_dir": "%s", "sources": []}\n' \
    "$ROOT" "$t" "$t" >"$t/conf.json"
x() { "$XINYU" --config "$t/conf.json" -q "$@"; }
x template --period 2024-2025-1 --school 3201020001 \
    --fill "$ROOT/tests/fixtures/spec-examples/submission-full.json" --out "$t/in"
x template --period 2024-2025-1 --school 3201020002 --out "$t/in"
x template --period 2024-2025-1 --district 320104 --roll-up --out "$t/in"
timeout 300 soffice --headless --norestore "-env:UserInstallation=file://$t/profile" \
    --convert-to 'xlsx:Calc MS Excel 2007 XML' --outdir "$t/out" "$t"/in/*.xlsx >"$t/log" 2>&1 ||
    fail "soffice could not open and save the templates: $(cat "$t/log")"
for f in 3201020001-2024-2025-1.xlsx 3201020002-2024-2025-1.xlsx rollup-320104-2024-2025-1.xlsx; do
    [ -s "$t/out/$f" ] || fail "soffice wrote no $f: $(cat "$t/log")"
    /usr/bin/python3 -c 'import sys, zipfile; sys.exit("LibreOffice" not in zipfile.ZipFile(sys.argv[1]).read("docProps/app.xml").decode())' \
        "$t/out/$f" || fail "$f not saved by LibreOffice"
done
(cd "$ROOT" && WB_LIBREOFFICE="$t/out/3201020001-2024-2025-1.xlsx" "$BUILD/tests/test_xform_workbook") \
    >"$t/unit.log" 2>&1 || fail "the saved copy reads otherwise: $(grep -B2 -A8 ERROR "$t/unit.log" | head -30)"
# the empty form: a school that typed nothing sends a submission with nothing reported
out=$(x check --lang en --registry "$ROOT/config/demo/schools.csv" "$t/out/3201020002-2024-2025-1.xlsx" || true)
echo "$out" | grep -q '3201020002-2024-2025-1.xlsx: ok, with warnings (school 3201020002, term 2024-2025-1)' ||
    fail "empty form after LibreOffice: $out"
echo "$out" | grep -q 'warning: submitted_at: 基本情况!C9 填报时间: 填报时间未填写' || fail "no 填报时间 warning: $out"
# the roll-up keeps its version sheet and key row: read, and nothing in it yet
out=$(x check "$t/out/rollup-320104-2024-2025-1.xlsx" || true)
echo "$out" | grep -q '汇总表中没有任何学校的数据' || fail "roll-up after LibreOffice: $out"
echo "templates survive LibreOffice"
