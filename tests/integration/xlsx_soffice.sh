#!/usr/bin/env bash
# xlsx_soffice.sh - the workbook reader on files made today by this machine's programs: the
# fixtures of tests/fixtures/xlsx written afresh by openpyxl, the program-filled workbook saved
# by LibreOffice Calc (headless), then the reader's unit tests run on them. Where soffice or
# Debian's python3-openpyxl is missing, the committed fixtures stand (the unit test reads them).
set -euo pipefail
. "$ROOT/tests/integration/lib.sh"

py=/usr/bin/python3
if ! "$py" -c 'import openpyxl' 2>/dev/null; then
    echo "skipped: no python3-openpyxl" >&2
    exit 0
fi
fix="$TEST_TMP/fixtures"
mkdir -p "$fix"
"$py" "$ROOT/tests/fixtures/xlsx/make.py" "$fix"

if command -v soffice >/dev/null 2>&1; then
    mkdir -p "$TEST_TMP/lo/in"
    cp "$fix/openpyxl.xlsx" "$TEST_TMP/lo/in/libreoffice.xlsx"
    # a private profile, so that a desktop session's LibreOffice is neither used nor disturbed
    timeout 180 soffice --headless --norestore \
        "-env:UserInstallation=file://$TEST_TMP/lo/profile" \
        --convert-to 'xlsx:Calc MS Excel 2007 XML' --outdir "$TEST_TMP/lo/out" \
        "$TEST_TMP/lo/in/libreoffice.xlsx" >"$TEST_TMP/lo/log" 2>&1 ||
        fail "soffice could not convert: $(cat "$TEST_TMP/lo/log")"
    [ -s "$TEST_TMP/lo/out/libreoffice.xlsx" ] || fail "soffice wrote nothing"
    # really LibreOffice's: its application name is in docProps/app.xml
    "$py" - "$TEST_TMP/lo/out/libreoffice.xlsx" <<'PY' || fail "not written by LibreOffice"
import sys, zipfile
app = zipfile.ZipFile(sys.argv[1]).read("docProps/app.xml").decode()
sys.exit(0 if "LibreOffice" in app else 1)
PY
    cp "$TEST_TMP/lo/out/libreoffice.xlsx" "$fix/libreoffice.xlsx"
else
    echo "no soffice: the committed libreoffice.xlsx is used" >&2
    cp "$ROOT/tests/fixtures/xlsx/libreoffice.xlsx" "$fix/"
fi

XLSX_FIXTURES="$fix/" "$BUILD/tests/test_xform_xlsx" >"$TEST_TMP/unit.log" 2>&1 ||
    fail "reader on fresh fixtures: $(tail -20 "$TEST_TMP/unit.log")"
grep -q 'PASSED  \] 8 test' "$TEST_TMP/unit.log" || fail "not every reader test ran"
