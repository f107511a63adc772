# The report of the spec examples as people read it: the workbook's cells are the JSON rows,
# the HTML page is self-contained, and a browser renders it without a request or an error.
source "$ROOT/tests/integration/lib.sh"
setup_fixtures
spool="$TEST_TMP/spool"
mkdir -p "$spool"
cp "$ROOT"/tests/fixtures/spec-examples/submission-*.json "$spool/"
write_config "$TEST_TMP/conf.json" "$spool"

# the run loads two submissions and rejects one: exit 1 is the expected partial run
set +e
"$XINYU" --config "$TEST_TMP/conf.json" --db "" run
rc=$?
set -e
expect_eq "run exit status" 1 "$rc"

out="$TEST_TMP/reports"
"$XINYU" --config "$TEST_TMP/conf.json" --db "" report --year 2024 --format json,csv,html,xlsx \
    --out "$out"
expect_eq "report files, no temporary left" \
    "indicators-2024.csv indicators-2024.html indicators-2024.json indicators-2024.xlsx" \
    "$(cd "$out" && ls -A | sort | tr '\n' ' ' | sed 's/ $//')"
json="$out/indicators-2024.json"
html="$out/indicators-2024.html"
xlsx="$out/indicators-2024.xlsx"

# The 22 names of INDICATORS.md, written out here so that the check does not lean on the catalog.
names="$TEST_TMP/names.txt"
cat >"$names" <<'NAMES'
reporting_rate	上报率
on_time_rate	按时上报率
psych_teacher_presence	配备专兼职心理教师学校占比
large_school_fulltime	500人以上学校专职配备率
students_per_fulltime	专职心理教师生师比
fulltime_degree_rate	专职教师学历达标率
cert_a_coverage	专兼职心理教师A证持证率
cert_b_coverage	班主任B证持证率
cert_c_coverage	专任教师C证持证率
funding_per_student	生均心理健康经费(元/年)
funding_compliant_schools	生均经费达标学校占比
lesson_compliance	心理课开课达标率
theme_meeting_compliance	主题班会达标率
room_rate	心理辅导室建设率
room_hours_compliance	辅导室开放时长达标率
research_group_compliance	教研组成立率
screening_coverage	四年级以上心理普测覆盖率
archive_rate	"一生一策"建档率
care_ledger_rate	关爱台账建立率
parent_training_compliance	家长培训达标率
teacher_training_compliance	教师培训达标率
crisis_rate_per_10k	每万名学生心理危机事件数
NAMES
expect_eq "indicator names" 22 "$(wc -l <"$names")"

# (a) the workbook against the JSON document, with Debian's openpyxl (not a pyenv python)
[ -x /usr/bin/python3 ] || fail "/usr/bin/python3 is missing (scripts/deps.sh test installs it)"
/usr/bin/python3 - "$json" "$xlsx" "$names" "$TEST_TMP/schools.csv" "$out/indicators-2024.csv" <<'PY' || fail "the workbook does not hold the JSON rows"
import csv
import json
import sys

import openpyxl

doc = json.load(open(sys.argv[1], encoding="utf-8"))
wb = openpyxl.load_workbook(sys.argv[2])
names = dict(line.rstrip("\n").split("\t") for line in open(sys.argv[3], encoding="utf-8"))
# the districts' names as the registry file gives them
district_names = {r["district_code"]: r["district_name"]
                  for r in csv.DictReader(open(sys.argv[4], encoding="utf-8"))}
problems = []


def check(what, ok):
    if not ok:
        problems.append(what)


def same(where, cell, expected):
    """A null is a blank cell, a text a text cell, a number a numeric cell of the same value."""
    value = cell.value
    if expected is None:
        check(f"{where}: expected a blank cell, got {value!r}", value is None)
    elif isinstance(expected, str):
        check(f"{where}: expected {expected!r}, got {value!r}",
              cell.data_type == "s" and value == expected)
    else:
        numeric = cell.data_type == "n" and isinstance(value, (int, float)) \
            and not isinstance(value, bool)
        check(f"{where}: expected the number {expected!r}, got {value!r} ({cell.data_type})",
              numeric and abs(value - expected) <= 1e-9 * max(1.0, abs(expected)))


def header_keys(ws):
    # bilingual header cells like the CSV: "指标 indicator"
    return [c.value.split(" ")[-1] if isinstance(c.value, str) else None for c in ws[1]]


check(f"sheets {wb.sheetnames}", wb.sheetnames == ["概况 overview", "指标 indicators"])

ws = wb["指标 indicators"]
rows = doc["rows"]
keys = ["indicator", "district_code", "school_type", "numerator", "denominator", "value",
        "target", "op", "status", "gap", "schools", "schools_no_data"]
columns = ["indicator", "indicator_name", "district_code", "district_name", "school_type",
           "school_type_name", "numerator", "denominator", "value", "target", "op", "status",
           "status_name", "gap", "schools", "schools_no_data"]
check(f"indicator header {header_keys(ws)}", header_keys(ws) == columns)
check(f"frozen pane {ws.freeze_panes}", ws.freeze_panes == "A2")
check(f"autofilter {ws.auto_filter.ref}", ws.auto_filter.ref == f"A1:P{len(rows) + 1}")
type_words = {"primary": "小学", "junior": "初中", "senior": "高中", "nine_year": "九年一贯制",
              "complete_secondary": "完全中学", "twelve_year": "十二年一贯制",
              "special": "特殊教育学校"}
status_words = {"met": "达标", "not_met": "未达标", "no_data": "无数据", "no_target": "无目标"}
check(f"a draft's title {wb.properties.title!r}", (wb.properties.title or "").endswith("（草稿）"))
# the JSON rows keep the contract's keys: the names are for the workbook, CSV and page only
check(f"JSON row keys {list(rows[0])}", list(rows[0]) == keys)
check(f"{ws.max_row - 1} indicator rows for {len(rows)}", ws.max_row == len(rows) + 1)
check("every indicator has rows", {r["indicator"] for r in rows} == set(names))
unit_formats = {"students_per_fulltime": "0.0", "funding_per_student": "0.00",
                "crisis_rate_per_10k": "0.00"}
for i, row in enumerate(rows):
    cells = ws[i + 2]
    where = f"indicators row {i + 2}"
    for key in keys:
        want = row[key]
        # the crisis rate's numerator is incidents x 10,000 in the JSON; a person reads incidents
        if key == "numerator" and row["indicator"] == "crisis_rate_per_10k" and want is not None:
            want = want / 10000
        same(f"{where} {key}", cells[columns.index(key)], want)
    check(f"{where}: type word {cells[5].value!r}",
          cells[5].value == type_words.get(row["school_type"]))
    check(f"{where}: status word {cells[12].value!r}", cells[12].value == status_words[row["status"]])
    check(f"{where}: name {cells[1].value!r}", cells[1].value == names.get(row["indicator"]))
    want = district_names.get(row["district_code"]) if row["district_code"] else None
    check(f"{where}: district name {cells[3].value!r}, expected {want!r}", cells[3].value == want)
    fmt = unit_formats.get(row["indicator"], "0.0%")
    for key in ("value", "target", "gap"):
        cell = cells[columns.index(key)]
        check(f"{where} {key}: format {cell.number_format}",
              cell.value is None or cell.number_format == fmt)

ws = wb["概况 overview"]
overview = doc["overview"]
okeys = ["district_code", "school_type", "schools_active", "schools_reported", "students",
         "psych_fulltime", "psych_parttime", "schools_with_room", "schools_with_lessons"]
ocols = ["district_code", "district_name", "school_type", "school_type_name"] + okeys[2:]
check(f"overview header {header_keys(ws)}", header_keys(ws) == ocols)
check(f"overview frozen pane {ws.freeze_panes}", ws.freeze_panes == "A2")
check(f"overview autofilter {ws.auto_filter.ref}",
      ws.auto_filter.ref == f"A1:K{len(overview) + 1}")
# the types in the order of the stages, not of their English names
otypes = [r["school_type"] for r in overview if r["school_type"] and not r["district_code"]]
check(f"overview types in stage order {otypes}",
      otypes == sorted(otypes, key=list(type_words).index))
check(f"{ws.max_row - 1} overview rows for {len(overview)}", ws.max_row == len(overview) + 1)
check("the overview has rows", len(overview) > 0)
for i, row in enumerate(overview):
    for key in okeys:
        same(f"overview row {i + 2} {key}", ws[i + 2][ocols.index(key)], row[key])
    want = district_names.get(row["district_code"]) if row["district_code"] else None
    check(f"overview row {i + 2}: district name {ws[i + 2][1].value!r}", ws[i + 2][1].value == want)

# the CSV: the contract's columns with the district's name right after its code
lines = list(csv.reader(open(sys.argv[5], encoding="utf-8-sig")))
ckeys = [h.split(" ")[-1] for h in lines[0]]
check(f"CSV header {lines[0]}", ckeys == columns)
check(f"CSV header in Chinese {lines[0][3]!r}", lines[0][3] == "区县名称 district_name")
check(f"{len(lines) - 1} CSV rows for {len(rows)}", len(lines) == len(rows) + 1)
for line, row in zip(lines[1:], rows):
    want = district_names.get(row["district_code"], "") if row["district_code"] else ""
    check(f"CSV {line[:4]}: district name, expected {want!r}", line[3] == want)
    check(f"CSV {line[:4]}: words {line[1]!r} {line[5]!r} {line[12]!r}",
          line[1] == names.get(row["indicator"]) and
          line[5] == type_words.get(row["school_type"], "") and
          line[12] == status_words[row["status"]] and line[11] == row["status"])

for p in problems[:20]:
    print(p, file=sys.stderr)
sys.exit(1 if problems else 0)
PY

# (b) the page: nothing outside the file, every indicator with its chart
for banned in 'http://' 'https://' '<script' '<link' '@import' 'url(' '<img' '<iframe' '<object' 'src='; do
    if grep -qiF -- "$banned" "$html"; then
        fail "the HTML report contains $banned"
    fi
done
expect_eq "one chart per indicator" 22 "$(grep -o '<svg' "$html" | wc -l)"
grep -qF '2024年度 心理健康教育指标报告' "$html" || fail "the HTML report has no title with its scope"
grep -qF '一、概况' "$html" || fail "the HTML report has no overview"
if grep -qF '区县以行政区划代码显示' "$html"; then
    fail "the HTML report still says districts are shown by code"
fi

if [ ! -x /usr/bin/chromium ]; then
    echo "SKIP: /usr/bin/chromium is absent; the HTML report was not rendered in a browser" >&2
    echo "report formats ok (without the browser check)"
    exit 0
fi

# Chromium only ever sees this file: every host name resolves to nothing, and its own
# background services are off. Its net log still records what the page asked for.
chromium_run() { # NAME ARGS...: runs headless Chromium with a fresh profile, logs in NAME.*
    local name=$1
    shift
    local profile
    profile=$(mktemp -d "$TEST_TMP/chromium-profile.XXXXXX")
    timeout 120 /usr/bin/chromium --headless --no-sandbox --disable-gpu --disable-quic \
        --no-first-run --no-default-browser-check --disable-background-networking \
        --disable-component-update --disable-sync --disable-default-apps --disable-extensions \
        --disable-client-side-phishing-detection --disable-domain-reliability \
        --host-resolver-rules="MAP * ~NOTFOUND" --user-data-dir="$profile" \
        --enable-logging=stderr --v=0 --log-net-log="$TEST_TMP/$name.netlog.json" \
        "$@" "file://$html" >"$TEST_TMP/$name.out" 2>"$TEST_TMP/$name.err" ||
        fail "chromium $name failed: $(tail -5 "$TEST_TMP/$name.err")"
}

chromium_run screenshot --screenshot="$TEST_TMP/r.png" --window-size=1200,3000
[ -f "$TEST_TMP/r.png" ] || fail "no screenshot"
expect_eq "screenshot is a PNG" "89504e47" "$(head -c 4 "$TEST_TMP/r.png" | od -An -tx1 | tr -d ' \n')"
size=$(stat -c %s "$TEST_TMP/r.png")
[ "$size" -gt 50000 ] || fail "the screenshot is only $size bytes: the page rendered (nearly) empty"

chromium_run dom --dump-dom
dom="$TEST_TMP/dom.out"
grep -qF '</html>' "$dom" || fail "no DOM dumped"
while IFS=$'\t' read -r id name; do
    grep -qF -- "$name" "$dom" || fail "the rendered page lacks $name ($id)"
    grep -qF -- "id=\"ind-$id\"" "$dom" || fail "the rendered page has no section for $id"
done <"$names"
expect_eq "charts in the DOM" 22 "$(grep -o '<svg' "$dom" | wc -l)"
# the districts by name, each beside its code, as the registry file names them
for d in 320102:玄武区 320104:秦淮区; do
    grep -qF -- "<span class=\"district-name\">${d#*:}</span> <span class=\"code\">${d%%:*}</span>" "$dom" ||
        fail "the rendered page does not name district ${d%%:*} (${d#*:})"
done
grep -qF -- '<p class="version draft">草稿（未发布）</p>' "$dom" || fail "a draft does not say 草稿"

# printed: the version's mark on every page, not only the first
chromium_run print --no-pdf-header-footer --print-to-pdf="$TEST_TMP/r.pdf"
if command -v pdftotext >/dev/null; then
    pdftotext -layout "$TEST_TMP/r.pdf" "$TEST_TMP/r.txt"
    /usr/bin/python3 - "$TEST_TMP/r.txt" <<'PY' || fail "a printed page lacks the mark 草稿（未发布）"
import sys
pages = [p for p in open(sys.argv[1], encoding="utf-8").read().split("\f") if p.strip()]
assert len(pages) > 3, f"only {len(pages)} printed pages"
bare = [i + 1 for i, p in enumerate(pages) if "草稿（未发布）" not in p]
assert not bare, f"pages without the mark: {bare} of {len(pages)}"
PY
else
    echo "SKIP: pdftotext is absent (poppler-utils); the printed pages were not read" >&2
fi

for name in screenshot dom; do
    if grep -E 'CONSOLE|Uncaught|Failed to load resource' "$TEST_TMP/$name.err"; then
        fail "the page wrote to the console in Chromium ($name)"
    fi
    # requests made for the page carry the file's network isolation key; Chromium's own
    # background requests (which the host rules keep off the network) do not
    /usr/bin/python3 - "$TEST_TMP/$name.netlog.json" <<'PY' || fail "the page made network requests ($name)"
import json
import sys

log = json.load(open(sys.argv[1], encoding="utf-8"))
page = sorted({e["params"]["url"] for e in log.get("events", [])
               if isinstance(e.get("params"), dict) and "url" in e["params"]
               and "file://" in str(e["params"].get("network_isolation_key", ""))
               and not e["params"]["url"].startswith(("file:", "data:", "about:", "chrome"))})
for url in page:
    print("request:", url, file=sys.stderr)
sys.exit(1 if page else 0)
PY
done
# --lang en: English labels in the HTML; another language is a usage error
"$XINYU" --config "$TEST_TMP/conf.json" report --year 2024 --format html --lang en --out "$TEST_TMP/en"
grep -q "A-certificate coverage of psychology teachers" "$TEST_TMP/en/indicators-2024.html" ||
    fail "--lang en shows no English indicator name"
set +e
"$XINYU" --config "$TEST_TMP/conf.json" report --year 2024 --format html --lang fr --out "$TEST_TMP/fr" 2>/dev/null
rc=$?
set -e
[ "$rc" = 2 ] || fail "--lang fr exited $rc, expected 2"
echo "report formats ok"

# a term in any form a submission may use names the same report
"$XINYU" --config "$TEST_TMP/conf.json" report --period "2024-2025学年第一学期" --format json \
    --out "$TEST_TMP/zh-period"
[ -f "$TEST_TMP/zh-period/indicators-2024-2025-1.json" ] || fail "a Chinese --period is not the canonical term"
grep -q '"period": "2024-2025-1"' "$TEST_TMP/zh-period/indicators-2024-2025-1.json" || fail "scope of a Chinese --period"
set +e
"$XINYU" --config "$TEST_TMP/conf.json" report --period "2024-2025学年第三学期" --out "$TEST_TMP/bad" 2>"$TEST_TMP/bad.txt"
rc=$?
set -e
expect_eq "a third term" 2 "$rc"
grep -q "is not a term" "$TEST_TMP/bad.txt" || fail "bad --period message: $(cat "$TEST_TMP/bad.txt")"
echo "period forms ok"

# a scope nobody has reported for: the (empty) report, a warning that says what was looked
# for, and exit 1 — not an empty file and success
set +e
"$XINYU" --config "$TEST_TMP/conf.json" report --period 2030-2031-1 --format json \
    --out "$TEST_TMP/empty" 2>"$TEST_TMP/empty.txt"
rc=$?
"$XINYU" --config "$TEST_TMP/conf.json" audit --year 2024 --format json \
    --out "$TEST_TMP/audit-data" 2>"$TEST_TMP/audit.txt"
audit_rc=$?
set -e
expect_eq "report of an empty term" 1 "$rc"
grep -q "nothing to report for the term 2030-2031-1: No school has a loaded submission of the terms {2030-2031-1}" \
    "$TEST_TMP/empty.txt" || fail "the empty scope's warning: $(cat "$TEST_TMP/empty.txt")"
[ -f "$TEST_TMP/empty/indicators-2030-2031-1.json" ] || fail "no report for the empty term"
expect_eq "audit of a year with data" 0 "$audit_rc"
if grep -q "nothing to report" "$TEST_TMP/audit.txt"; then fail "a year with data warned as empty"; fi
echo "empty scope ok"
