# xinyu school CODE on the demo city: the school's registry entry, its terms, the values it
# sent under their Chinese labels, every version with the Chinese reasons of the rejected
# ones and its audit clauses with their results in Chinese, linked back to the district's
# section of the quality page; the audit page links every school to its page, which exists.
source "$ROOT/tests/integration/lib.sh"
T=$TEST_TMP
demo_city_run
OUT=$T/out
[ -s "$OUT/quality-2024.html" ] || fail "the run wrote no quality page"
x audit --year 2024 --format json,html --out "$OUT" >"$T/audit.out" 2>"$T/audit.err" ||
    fail "audit: $(cat "$T/audit.err")"

# a school with a rejected version (its A certificates exceed its teachers) and a loaded one
code=3201050010
rm -f "$OUT/schools/$code.html" "$OUT/schools/$code.json"
x school "$code" >"$T/school.out" 2>"$T/school.err" || fail "school $code: $(cat "$T/school.err")"
grep -qF "$OUT/schools/$code.html" "$T/school.out" || fail "school: $(cat "$T/school.out")"
[ -s "$OUT/schools/$code.html" ] && [ -s "$OUT/schools/$code.json" ] || fail "no page for $code"

# what the page must show, read from the database and the audit's document
sql "SELECT i.message_zh FROM xinyu.submission_issue i JOIN xinyu.raw_submission r USING (raw_id) WHERE r.school_code = '$code' AND i.severity = 'reject' AND i.message_zh IS NOT NULL" >"$T/reasons.txt"
[ -s "$T/reasons.txt" ] || fail "the demo school $code has no rejection to show"
sql "SELECT period || '|' || staff_psych_parttime || '|' || enrolled_total FROM xinyu.submission WHERE school_code = '$code' AND is_current ORDER BY period" >"$T/values.txt"
/usr/bin/python3 - "$OUT" "$code" "$T/schools.csv" "$T/reasons.txt" "$T/values.txt" <<'PY' || fail "the school page does not show the school"
import csv, html, json, os, re, sys
out, code, reg_path, reasons_path, values_path = sys.argv[1:6]
page = open(os.path.join(out, "schools", code + ".html"), encoding="utf-8").read()
doc = json.load(open(os.path.join(out, "schools", code + ".json"), encoding="utf-8"))
reg = {r["school_code"]: r for r in csv.DictReader(open(reg_path, encoding="utf-8"))}[code]
types = {"primary": "小学", "junior": "初中", "senior": "高中", "nine_year": "九年一贯制学校",
         "complete_secondary": "完全中学", "twelve_year": "十二年一贯制学校", "special": "特殊教育学校"}
problems = []
def need(what, text):
    if text not in page:
        problems.append("%s: %r not on the page" % (what, text))
need("name", "<h1>%s</h1>" % html.escape(reg["school_name"]))
need("district", reg["district_name"])
need("type", types[reg["school_type"]])
for line in open(reasons_path, encoding="utf-8").read().splitlines():
    need("rejection reason", html.escape(line, quote=True))
need("rejected state", "已退回")
for line in open(values_path, encoding="utf-8").read().split():
    period, parttime, enrolled = line.split("|")
    need("term column", "<th>%s</th>" % period)
    row = re.search(r"<tr><td>兼职心理健康教师人数<span class=\"path\">\(staff\.psych_parttime\)</span></td>(.*?)</tr>", page)
    if row is None or '<td class="num">%s</td>' % parttime not in row.group(1):
        problems.append("part-time teachers of %s: %s not in %r" % (period, parttime, row and row.group(1)))
    if doc["values"][0]["values"]["enrolled_total"] != int(enrolled) and len(doc["values"]) == 1:
        problems.append("the document's values")
# the audit's clauses for this school, as the audit's document has them, in Chinese
words = {"pass": "通过", "fail": "未通过", "unknown": "待定"}
audit = json.load(open(os.path.join(out, "audit-2024.json"), encoding="utf-8"))
rows = [r for r in audit["rows"] if r["school_code"] == code]
assert rows, "the audit has no rows of the school"
section = page.split('id="audit-2024"', 1)[1].split("</section>", 1)[0]
for r in rows:
    cell = '<td class="r r-%s">%s</td><td class="detail">%s</td>' % (r["result"], words[r["result"]], html.escape(r["detail"], quote=True))
    if cell not in section:
        problems.append("clause %s: %r not on the page" % (r["clause"], cell))
need("clause title", "6 配齐配好教师")
need("link back to the district", 'href="../quality-2024.html#district-%s"' % reg["district_code"])
for p in problems[:30]:
    print(p, file=sys.stderr)
sys.exit(1 if problems else 0)
PY

# a school the registry does not know, and a code that is none, are usage errors
set +e
x school 3209999999 >/dev/null 2>"$T/err1"
rc1=$?
x school 123 >/dev/null 2>"$T/err2"
rc2=$?
x school >/dev/null 2>&1
rc3=$?
set -e
expect_eq "an unknown school" 2 "$rc1"
expect_eq "a code that is none" 2 "$rc2"
expect_eq "no code" 2 "$rc3"
grep -q "no such school" "$T/err1" || fail "unknown school: $(cat "$T/err1")"
[ ! -e "$OUT/schools/3209999999.html" ] || fail "a page for a school the registry does not know"

# a term's page, and English
x school "$code" --period 2023-2024学年第二学期 --out "$T/term" >/dev/null 2>"$T/term.err" ||
    fail "school --period: $(cat "$T/term.err")"
grep -qF '<th>2023-2024-2</th>' "$T/term/schools/$code.html" || fail "the term's page lacks its term"
if grep -qF '2024-2025-1' "$T/term/schools/$code.html"; then
    fail "the page of term 2023-2024-2 shows another term"
fi
x school "$code" --lang en --out "$T/en" >/dev/null 2>&1 || fail "school --lang en"
grep -qF 'Versions and their reasons' "$T/en/schools/$code.html" || fail "--lang en is not English"

# every school of the audit's page links to a page that exists
/usr/bin/python3 - "$OUT" <<'PY' || fail "the audit page links to schools without a page"
import json, os, re, sys
out = sys.argv[1]
page = open(os.path.join(out, "audit-2024.html"), encoding="utf-8").read()
doc = json.load(open(os.path.join(out, "audit-2024.json"), encoding="utf-8"))
links = set(re.findall(r'<a class="school" href="schools/([0-9]{10})\.html">', page))
schools = {r["school_code"] for r in doc["rows"]}
assert links == schools, (len(links), len(schools))
missing = [c for c in links if not os.path.isfile(os.path.join(out, "schools", c + ".html"))]
assert not missing, missing
PY

if [ ! -x /usr/bin/chromium ]; then
    echo "SKIP: /usr/bin/chromium is absent; the pages were not rendered" >&2
    exit 0
fi
/usr/bin/python3 "$ROOT/tests/helpers/page_check.py" "$OUT" "schools/$code.html" \
    audit-2024.html quality-2024.html 2>"$T/check.err" ||
    fail "the pages as rendered: $(cat "$T/check.err")"
echo "school page ok"
