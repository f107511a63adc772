# The quality page and workbook of the demo city as an officer reads them: a section per
# district with its reporting chart and its open lists, every school named and linked to its
# page (which exists), Chinese throughout, nothing asked of the network; the workbook holds
# every list with Chinese headers and number formats.
source "$ROOT/tests/integration/lib.sh"
T=$TEST_TMP
demo_city_run
OUT=$T/q
x quality --year 2024 --out "$OUT" >"$T/quality.out" 2>"$T/quality.err" ||
    fail "quality --year 2024: $(cat "$T/quality.err")"
x quality --period 2024-2025-1 --out "$OUT" >>"$T/quality.out" 2>>"$T/quality.err" ||
    fail "quality --period: $(cat "$T/quality.err")"
for f in quality-2024.html quality-2024.xlsx quality-2024.json quality-2024-2025-1.html; do
    [ -s "$OUT/$f" ] || fail "no $f"
done
ls "$OUT"/schools/*.html >/dev/null 2>&1 || fail "no school page was written"
[ -z "$(ls -A "$OUT" | grep -E '\.tmp|^\.' || true)" ] || fail "temporary files left: $(ls -A "$OUT")"

# (a) the page against the document and the database: every list's rows under the section
# of their district, each school linked to its page; the chart's last figures are the terms'
# the terms' counts as quality_terms makes them (the document's terms), independently of the
# chart's function
sql "SELECT t.period || '|' || t.schools_active || '|' || t.schools_reported || '|' || (t.schools_reported - t.schools_late) FROM xinyu.quality_terms(ARRAY['2023-2024-2','2024-2025-1'], ARRAY['2024-07-15','2025-01-20']::date[]) t" >"$T/terms.txt"
grep -qF '"2024-07-15"' "$T/targets/2024.json" || fail "the demo's deadlines changed: update this test"
/usr/bin/python3 - "$OUT" "$T/schools.csv" "$T/terms.txt" "$T/names.txt" <<'PY' || fail "the quality page does not show the lists"
import csv, json, os, re, sys
out, reg_path, terms_path, names_path = sys.argv[1:5]
doc = json.load(open(os.path.join(out, "quality-2024.json"), encoding="utf-8"))
page = open(os.path.join(out, "quality-2024.html"), encoding="utf-8").read()
reg = list(csv.DictReader(open(reg_path, encoding="utf-8")))
districts = {r["district_code"]: r["district_name"] for r in reg}
problems = []
sections = {}
for m in re.finditer(r'<section class="district" id="district-([0-9a-z]+)">(.*?)</section>', page, re.S):
    sections[m.group(1)] = m.group(2)
for code, name in districts.items():
    if code not in sections:
        problems.append("no section for district %s" % code)
    elif name not in sections[code]:
        problems.append("the section of %s does not name %s" % (code, name))
    elif "<svg" not in sections[code]:
        problems.append("the section of %s has no chart" % code)
names = set(districts.values())
def listed(key, rows):
    n = 0
    for r in rows:
        code, name, d = r.get("school_code"), r.get("school_name"), r.get("district_code")
        if not name:
            continue
        n += 1
        names.add(name)
        link = '<a class="school" href="schools/%s.html">%s</a>' % (code, name)
        if link not in sections.get(d, ""):
            problems.append("%s: %s (%s) is not linked in the section of %s" % (key, name, code, d))
        if not os.path.isfile(os.path.join(out, "schools", code + ".html")):
            problems.append("%s: no page for %s" % (key, code))
    return n
counts = {k: listed(k, doc[k]) for k in ("not_reported", "late", "rejections", "warnings", "outliers", "summary_mismatches")}
for k in ("not_reported", "rejections", "warnings"):
    if counts[k] == 0:
        problems.append("the demo has no %s to show" % k)
# the rejections' Chinese reasons are on the page, one line per reason
for g in doc["rejections"]:
    for r in g["reasons"]:
        if r.get("message_zh") and r["message_zh"].replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;").replace("'", "&#39;") not in page:
            problems.append("reason not shown: %s" % r["message_zh"])
# the chart's figures at its last day are those of the terms
city = page.split('<section id="city">', 1)[1].split("</section>", 1)[0]
for line in open(terms_path, encoding="utf-8").read().split():
    period, active, reported, on_time = line.split("|")
    if "(%s / %s)" % (reported, active) not in city:
        problems.append("city chart of %s: no reported %s / %s" % (period, reported, active))
    if on_time and "按时上报率" not in city:
        problems.append("city chart of %s: no on-time rate" % period)
    if on_time and "(%s / %s)" % (on_time, active) not in city:
        problems.append("city chart of %s: no on time %s / %s" % (period, on_time, active))
open(names_path, "w", encoding="utf-8").write("\n".join(sorted(names)) + "\n")
for p in problems[:30]:
    print(p, file=sys.stderr)
sys.exit(1 if problems else 0)
PY

# (b) the workbook: every list a sheet, Chinese headers, counts and ratios as numbers
/usr/bin/python3 - "$OUT" <<'PY' || fail "the quality workbook does not hold every list"
import csv, json, os, re, sys
import openpyxl
out = sys.argv[1]
wb = openpyxl.load_workbook(os.path.join(out, "quality-2024.xlsx"))
want = ["学期 terms", "未上报 not reported", "逾期 late", "退回 rejections", "警告 warnings",
        "异常值 outliers", "总结与报表不一致 summary", "按日上报 by day", "本次新发现 new"]
assert wb.sheetnames == want, wb.sheetnames
cjk = re.compile(r"[\u4e00-\u9fff]")
for name, csv_name in [("学期 terms", "terms"), ("未上报 not reported", "not-reported"),
                       ("逾期 late", "late"), ("退回 rejections", "rejections"),
                       ("警告 warnings", "warnings"), ("异常值 outliers", "outliers"),
                       ("总结与报表不一致 summary", "summary-mismatches")]:
    ws = wb[name]
    rows = list(ws.iter_rows())
    head = [c.value for c in rows[0]]
    assert all(isinstance(h, str) and cjk.search(h) for h in head), (name, head)
    lines = list(csv.reader(open(os.path.join(out, "quality-2024-%s.csv" % csv_name), encoding="utf-8-sig")))
    assert [h for h in lines[0]] == head, (name, lines[0], head)
    assert len(rows) == len(lines), (name, len(rows), len(lines))
    assert ws.freeze_panes == "A2", (name, ws.freeze_panes)
    for r, line in zip(rows[1:], lines[1:]):
        for c, text in zip(r, line):
            if text == "":
                assert c.value is None, (name, c.coordinate, c.value)
            elif c.data_type == "n":
                # a count is an integer cell shown as one; a real is the CSV's number
                assert abs(c.value - float(text)) < 1e-9, (name, c.coordinate, c.value, text)
                if re.fullmatch(r"-?[0-9]+", text):
                    assert c.number_format == "0", (name, c.coordinate, c.number_format)
            else:
                assert c.value == text, (name, c.coordinate, c.value, text)
terms = [list(r) for r in wb["学期 terms"].iter_rows(values_only=True)][1:]
# the counts of the terms, the days and the outliers' figures are numbers, not texts
assert all(isinstance(v, int) for t in terms for v in t[2:]), terms
for r in list(wb["异常值 outliers"].iter_rows(values_only=True))[1:]:
    assert all(isinstance(v, (int, float)) for v in r[9:12]), r  # value, reference, ratio
doc = json.load(open(os.path.join(out, "quality-2024.json"), encoding="utf-8"))
assert [t[0] for t in terms] == [t["period"] for t in doc["terms"]], terms
days = list(wb["按日上报 by day"].iter_rows(values_only=True))
assert len(days) > 1 and all(isinstance(d[5], int) for d in days[1:]), days[:3]
PY

# (c) in Chromium: names, Chinese only, links resolve, no request
if [ ! -x /usr/bin/chromium ]; then
    echo "SKIP: /usr/bin/chromium is absent; the pages were not rendered" >&2
    exit 0
fi
# (sed reads every name: head would close the pipe on ls, which pipefail makes a failure)
some_schools=$(cd "$OUT" && ls schools/*.html | sed -n 1,3p | tr '\n' ' ')
# shellcheck disable=SC2086
/usr/bin/python3 "$ROOT/tests/helpers/page_check.py" "$OUT" quality-2024.html \
    quality-2024-2025-1.html $some_schools --names "$T/names.txt" 2>"$T/check.err" ||
    fail "the quality page as rendered: $(cat "$T/check.err")"
echo "quality page ok"
