# The reports people read, end to end on a generated city of 200 schools over four terms:
# the compliance audit (contract shape, the clause rules against independent SQL, the veto,
# per-district counts, zh and en details), the progress review across 2023 and 2024 (values
# equal to the year reports, change, on_track), the data-quality report (lists against
# independent SQL, a crafted outlier, letters to schools with their reasons), and a
# published version that re-renders byte for byte after a resubmission changed the data.
source "$ROOT/tests/integration/lib.sh"
command -v python3 >/dev/null || fail "python3 is needed to check the JSON"
gen="$BUILD/xinyu-gen"
if [ ! -x "$gen" ]; then
    # the harness builds xinyu and the unit tests only
    make -C "$ROOT" --no-print-directory BUILD="$BUILD" "$BUILD/xinyu-gen" >&2
fi
T=$TEST_TMP
OUT=$T/out
"$gen" --schools 200 --terms 2022-2023-2,2023-2024-1,2023-2024-2,2024-2025-1 --out "$T/gen" 2>"$T/gen.log"
cat "$T/gen.log"
cp "$T/gen/schools.csv" "$T/schools.csv"
mkdir -p "$T/targets"
cp "$ROOT/tests/fixtures/spec-examples/targets-2024.json" "$T/targets/2024.json"
cat >"$T/targets/2023.json" <<'JSON'
{
  "year": 2023,
  "title": "2023年XX市中小学心理健康教育工作要点",
  "periods": ["2022-2023-2", "2023-2024-1"],
  "deadlines": {"2022-2023-2": "2023-07-15", "2023-2024-1": "2024-01-20"},
  "terms": {"weeks": 20, "months": 5},
  "targets": {
    "reporting_rate":  {"op": ">=", "value": 1.0},
    "cert_a_coverage": {"op": ">=", "value": 0.7, "final": {"year": 2025, "value": 1.0}},
    "funding_per_student": {"op": ">=", "value": 10}
  }
}
JSON
write_config "$T/conf.json" "$T/gen/spool"
x() { "$XINYU" --config "$T/conf.json" "$@"; }

# A crafted outlier: a later version of one school's latest term with 5000 part-time
# psychology teachers, far beyond ten times its district's median.
# An active school of 320102 that reported the term, its version made later than any other.
outlier_school=$(python3 - "$T/schools.csv" "$T/gen/spool/320102" <<'PY'
import csv, os, sys
for row in csv.DictReader(open(sys.argv[1], encoding="utf-8")):
    f = os.path.join(sys.argv[2], row["school_code"] + "_2024-2025-1.json")
    if row["district_code"] == "320102" and row["active"] == "true" and os.path.exists(f):
        print(row["school_code"])
        break
PY
)
[ -n "$outlier_school" ] || fail "no school for the outlier"
python3 - "$T/gen/spool/320102/${outlier_school}_2024-2025-1.json" "$T/gen/spool/320102/zz-outlier.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
d["submitted_at"] = "2025-06-01T09:00:00+08:00"
d["staff"]["psych_parttime"] = 5000
d["staff"]["psych_cert_a"] = 0
json.dump(d, open(sys.argv[2], "w", encoding="utf-8"), ensure_ascii=False)
PY

set +e
x run >"$T/run.log" 2>&1
rc=$?
set -e
expect_eq "run exit status (the generator's invalid items are rejected)" 1 "$rc"
expect_eq "the crafted outlier is current" 5000 \
    "$(sql "SELECT staff_psych_parttime FROM xinyu.submission WHERE school_code = '$outlier_school' AND period = '2024-2025-1' AND is_current")"

# ---- audit ----------------------------------------------------------------------------
x audit --year 2024 >"$T/audit.out"
grep -q '^audit 2024: ' "$T/audit.out" || fail "audit prints no summary"
sql "SELECT school_code, clause, result FROM xinyu.audit_rows(ARRAY['2023-2024-2','2024-2025-1'], NULL, '{}')" >"$T/audit_sql.txt"
# clause 10 independently: the year's funding (sum) >= 10 x E of the latest reported term
sql "WITH s AS (SELECT sc.school_code, sum(x.funding_psych_yuan) AS funding,
                      (array_agg(x.enrolled_total ORDER BY x.period DESC))[1] AS e, count(*) AS terms,
                      count(x.funding_psych_yuan) AS with_funding
               FROM xinyu.school sc
               LEFT JOIN xinyu.submission x ON x.school_code = sc.school_code AND x.is_current
                                           AND x.period IN ('2023-2024-2', '2024-2025-1')
               WHERE sc.active GROUP BY sc.school_code)
     SELECT school_code || '|' || CASE WHEN terms = 0 OR x_none THEN 'unknown'
                                       WHEN funding >= 10 * e THEN 'pass' ELSE 'fail' END
     FROM (SELECT *, (with_funding = 0 OR e = 0 OR e IS NULL) AS x_none FROM s) y" >"$T/clause10.txt"
active=$(sql "SELECT count(*) FROM xinyu.school WHERE active")
python3 - "$OUT/audit-2024.json" "$OUT/audit-2024.csv" "$T/clause10.txt" "$active" "$T/schools.csv" "$OUT/audit-2024-districts.csv" <<'PY'
import csv, io, json, sys
doc = json.load(open(sys.argv[1], encoding="utf-8"))
reg = list(csv.DictReader(open(sys.argv[5], encoding="utf-8")))
school = {r["school_code"]: r for r in reg}
district_name = {r["district_code"]: r["district_name"] for r in reg}
titles = {"6": "配齐配好教师", "7": "培养培训", "9": "阵地建设", "10": "经费投入", "11": "课堂教学",
          "14": "心理辅导", "15": "社会合作", "16": "科学研究", "17": "提高实效", "2/4": "规划与机构",
          "18": "一票否决", "overall": "总体"}
assert list(doc) == ["report", "scope", "generated_at", "rows", "districts"], list(doc)
assert doc["report"] == "audit" and doc["scope"] == {"year": 2024}, doc["scope"]
clauses = ["6", "7", "9", "10", "11", "14", "15", "16", "17", "2/4", "18", "overall"]
by_school = {}
for r in doc["rows"]:
    assert list(r) == ["school_code", "clause", "result", "detail"], r
    assert r["result"] in ("pass", "fail", "unknown"), r
    assert r["detail"], r
    by_school.setdefault(r["school_code"], []).append(r)
assert len(by_school) == int(sys.argv[4]), (len(by_school), sys.argv[4])
for code, rows in by_school.items():
    assert [r["clause"] for r in rows] == clauses, (code, [r["clause"] for r in rows])
    res = {r["clause"]: r["result"] for r in rows}
    parts = [res[c] for c in clauses[:-1]]
    want = "fail" if "fail" in parts else "pass" if all(p == "pass" for p in parts) else "unknown"
    assert res["overall"] == want, (code, res)
    if res["18"] == "fail":
        assert res["overall"] == "fail" and "一票否决" in rows[-1]["detail"], (code, rows[-1])
    if rows[0]["detail"] == "未上报":
        assert all(r["result"] == "unknown" and r["detail"] == "未上报" for r in rows), code
    if res["10"] != "unknown":
        assert "生均经费" in rows[3]["detail"] and "元" in rows[3]["detail"], rows[3]
# clause 10 against the independent computation
indep = dict(line.split("|") for line in open(sys.argv[3]).read().split())
got10 = {code: {r["clause"]: r["result"] for r in rows}["10"] for code, rows in by_school.items()}
assert got10 == indep, [(k, got10[k], indep.get(k)) for k in got10 if got10[k] != indep.get(k)][:5]
# per-district counts: the city first, then districts, adding up to the overall rows
d = doc["districts"]
assert list(d[0]) == ["district_code", "schools", "passing", "failing", "unknown"], d[0]
assert d[0]["district_code"] is None and d[0]["schools"] == len(by_school), d[0]
for key in ("schools", "passing", "failing", "unknown"):
    assert d[0][key] == sum(x[key] for x in d[1:]), key
overall = [rows[-1]["result"] for rows in by_school.values()]
assert d[0]["passing"] == overall.count("pass") and d[0]["failing"] == overall.count("fail")
assert [x["district_code"] for x in d[1:]] == sorted(x["district_code"] for x in d[1:])
# CSV: BOM, bilingual header, CRLF, the same rows in the same order
raw = open(sys.argv[2], "rb").read()
assert raw.startswith(b"\xef\xbb\xbf"), "no BOM"
assert raw.count(b"\r\n") == len(doc["rows"]) + 1 and b"\n" not in raw.replace(b"\r\n", b"")
rows = list(csv.reader(io.StringIO(raw[3:].decode("utf-8"), newline="")))
assert rows[0] == ["学校代码 school_code", "学校名称 school_name", "区县代码 district_code",
                   "区县名称 district_name", "条款 clause", "条款名称 clause_title", "结果 result",
                   "审核结果 result_name", "说明 detail"], rows[0]
# the names beside the codes, as the registry file gives them; the clause with its title; the
# result in words
words = {"pass": "通过", "fail": "未通过", "unknown": "待定"}
want = [[r["school_code"], school[r["school_code"]]["school_name"],
         school[r["school_code"]]["district_code"], school[r["school_code"]]["district_name"],
         r["clause"], titles[r["clause"]], r["result"], words[r["result"]], r["detail"]]
        for r in doc["rows"]]
assert rows[1:] == want, next((g, w) for g, w in zip(rows[1:], want) if g != w)
raw = open(sys.argv[6], "rb").read()
lines = list(csv.reader(io.StringIO(raw[3:].decode("utf-8"), newline="")))
assert lines[0][:2] == ["区县代码 district_code", "区县名称 district_name"], lines[0]
assert lines[1][:2] == ["", ""], lines[1]
assert [l[:2] for l in lines[2:]] == [[x["district_code"], district_name[x["district_code"]]] for x in d[1:]]
print("audit: %d schools, %s" % (len(by_school), d[0]))
PY
# the C output is the SQL function's, row for row
python3 - "$OUT/audit-2024.json" "$T/audit_sql.txt" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1], encoding="utf-8"))
got = sorted("%s|%s|%s" % (r["school_code"], r["clause"], r["result"]) for r in doc["rows"])
want = sorted(open(sys.argv[2]).read().split())
assert got == want, "audit file differs from xinyu.audit_rows"
PY
x audit --year 2024 --lang en --format json --out "$T/out-en" >/dev/null
grep -q '"detail": "[0-9.]* yuan per student [<>]=* 10"' "$T/out-en/audit-2024.json" || fail "no English detail for clause 10"
[ ! -e "$T/out-en/audit-2024.csv" ] || fail "--format json wrote a CSV"
set +e
x audit --year 2019 >/dev/null 2>"$T/err.txt"
rc=$?
set -e
expect_eq "audit of a year without targets" 2 "$rc"
grep -q "cannot use the targets file" "$T/err.txt" || fail "no reason for the missing targets file"

# ---- review ---------------------------------------------------------------------------
x report --year 2023 --format json >/dev/null 2>&1
x review --from 2022 --to 2025 >"$T/review.out"
grep -q "review 2022-2025: 2 year(s)" "$T/review.out" || fail "review should cover the two years with targets"
grep -q "review 2022-2025: no targets file for 2022、2025 (not in the review)" "$T/review.out" ||
    fail "review does not name the years without targets: $(cat "$T/review.out")"
python3 - "$OUT/review-2022-2025.json" "$OUT/review-2022-2025.csv" "$OUT/indicators-2023.json" "$OUT/indicators-2024.json" <<'PY'
import csv, io, json, sys
doc = json.load(open(sys.argv[1], encoding="utf-8"))
assert list(doc) == ["report", "scope", "generated_at", "rows"], list(doc)
assert doc["report"] == "review" and doc["scope"] == {"from": 2022, "to": 2025}
year_docs = {2023: json.load(open(sys.argv[3])), 2024: json.load(open(sys.argv[4]))}
def find(y, ind, dist):
    for r in year_docs[y]["rows"]:
        if r["indicator"] == ind and r["district_code"] == dist and r["school_type"] is None:
            return r
seen = 0
for r in doc["rows"]:
    assert list(r) == ["indicator", "district_code", "school_type", "years", "change",
                       "final_year", "final_value", "on_track"], list(r)
    assert r["school_type"] is None
    assert [y["year"] for y in r["years"]] == [2023, 2024], r["years"]
    for y in r["years"]:
        assert list(y) == ["year", "value", "target", "status"], y
        ref = find(y["year"], r["indicator"], r["district_code"])
        assert ref is not None and ref["value"] == y["value"] and ref["status"] == y["status"], (r, ref)
        assert ref["target"] == y["target"], (r, ref)
    v23, v24 = r["years"][0]["value"], r["years"][1]["value"]
    if v23 is None or v24 is None:
        assert r["change"] is None
    else:
        assert abs(r["change"] - (v24 - v23)) < 1e-12, r
    if r["indicator"] == "cert_a_coverage":
        assert r["final_year"] == 2025 and r["final_value"] == 1.0, r
        proj = v24 + (v24 - v23) * (2025 - 2024)
        assert r["on_track"] == (proj >= 1.0 - 1e-9), (r, proj)
        seen += 1
    elif r["indicator"] == "reporting_rate":
        assert r["final_year"] is None and r["on_track"] is None, r
assert seen >= 2, "no cert_a_coverage rows"
raw = open(sys.argv[2], "rb").read()
assert raw.startswith(b"\xef\xbb\xbf")
lines = list(csv.reader(io.StringIO(raw[3:].decode("utf-8"), newline="")))
assert lines[0][:7] == ["指标 indicator", "指标名称 indicator_name", "区县代码 district_code",
                       "区县名称 district_name", "学校类型 school_type",
                       "学校类型名称 school_type_name", "年度 year"], lines[0]
status_col = lines[0].index("状态 status")
assert lines[0][status_col + 1] == "达标情况 status_name", lines[0]
words = {"met": "达标", "not_met": "未达标", "no_data": "无数据", "no_target": "无目标"}
assert all(l[status_col + 1] == words[l[status_col]] for l in lines[1:]), lines[1]
# the district's name beside its code, none for the city
assert all((l[2] == "") == (l[3] == "") for l in lines[1:]), [l for l in lines[1:] if (l[2] == "") != (l[3] == "")][:3]
assert all(l[1] for l in lines[1:]), "an indicator line without its name"
assert "较上年变化 change" in lines[0] and "按期可达成 on_track" in lines[0], lines[0]
assert len(lines) == 1 + 2 * len(doc["rows"]), (len(lines), len(doc["rows"]))
print("review: %d rows" % len(doc["rows"]))
PY
set +e
x review --from 2010 --to 2012 >/dev/null 2>"$T/err.txt"
rc=$?
set -e
expect_eq "review without any targets file" 2 "$rc"
grep -q "nothing to review" "$T/err.txt" || fail "no reason for an empty review"

# ---- data quality ---------------------------------------------------------------------
rm -rf "$OUT/feedback"
x quality --year 2024 >"$T/quality.out"
grep -q "^quality 2024: " "$T/quality.out" || fail "quality prints no summary"
not_reported=$(sql "SELECT count(*) FROM xinyu.school sc CROSS JOIN (VALUES ('2023-2024-2'), ('2024-2025-1')) p(period)
                    WHERE sc.active AND NOT EXISTS (SELECT FROM xinyu.submission s WHERE s.school_code = sc.school_code
                                                    AND s.period = p.period AND s.is_current)")
late=$(sql "SELECT count(*) FROM xinyu.submission s JOIN xinyu.school sc USING (school_code)
            JOIN (VALUES ('2023-2024-2', '2024-07-16 00:00:00+08'::timestamptz), ('2024-2025-1', '2025-01-21 00:00:00+08'))
                 d(period, cutoff) ON d.period = s.period
            WHERE s.is_current AND sc.active AND s.submitted_at >= d.cutoff")
rejected=$(sql "SELECT count(DISTINCT r.raw_id) FROM xinyu.raw_submission r JOIN xinyu.submission_issue i USING (raw_id)
                WHERE i.severity = 'reject' AND r.period IN ('2023-2024-2', '2024-2025-1')")
[ "$late" -gt 0 ] && [ "$rejected" -gt 0 ] && [ "$not_reported" -gt 0 ] || fail "the generated city lacks late, rejected or missing schools"
python3 - "$OUT" "$not_reported" "$late" "$rejected" "$outlier_school" <<'PY'
import csv, glob, io, json, os, re, sys
out, not_reported, late, rejected, outlier_school = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
doc = json.load(open(os.path.join(out, "quality-2024.json"), encoding="utf-8"))
assert list(doc) == ["report", "scope", "run_id", "generated_at", "run", "terms", "not_reported",
                     "late", "rejections", "warnings", "outliers", "term_changes",
                     "summary_mismatches"], list(doc)
assert doc["summary_mismatches"] == []  # no school sent a work summary
# the JSON keeps the 10x-median outliers; the threefold changes are counted there and listed in the CSV
assert all(o["kind"] == "district_median" for o in doc["outliers"]), doc["outliers"][:3]
assert doc["scope"] == {"year": 2024} and doc["run_id"] is None and doc["run"] is None
assert len(doc["not_reported"]) == not_reported, (len(doc["not_reported"]), not_reported)
assert all(r["school_name"] and r["district_name"] for r in doc["not_reported"])
assert len(doc["late"]) == late, (len(doc["late"]), late)
assert all(r["days_late"] >= 1 for r in doc["late"])
assert len(doc["rejections"]) == rejected, (len(doc["rejections"]), rejected)
for t in doc["terms"]:
    assert t["schools_active"] == t["schools_reported"] + t["schools_not_reported"], t
assert sum(t["schools_not_reported"] for t in doc["terms"]) == not_reported
assert sum(t["schools_late"] for t in doc["terms"]) == late
mine = [o for o in doc["outliers"] if o["school_code"] == outlier_school and o["kind"] == "district_median"]
assert [o["path"] for o in mine] == ["staff.psych_parttime"] and mine[0]["value"] == 5000, mine
assert mine[0]["ratio"] > 10 and mine[0]["value"] > 10 * mine[0]["reference"], mine
# one CSV per list, each with the BOM, a bilingual header and one line per row
for name, n in (("not-reported", len(doc["not_reported"])), ("late", len(doc["late"])),
                ("rejections", sum(len(r["reasons"]) for r in doc["rejections"])),
                ("warnings", len(doc["warnings"])),
                ("outliers", len(doc["outliers"]) + doc["term_changes"]),
                ("terms", len(doc["terms"])),
                ("summary-mismatches", len(doc["summary_mismatches"]))):
    raw = open(os.path.join(out, "quality-2024-%s.csv" % name), "rb").read()
    assert raw.startswith(b"\xef\xbb\xbf") and raw.count(b"\r\n") == n + 1, name
# letters: every registry school with a rejection, a warning or a 10x outlier, per term
fb = os.path.join(out, "feedback")
def letter(code, period):
    path = os.path.join(fb, "%s-%s.txt" % (code, period))
    assert os.path.exists(path), "no letter " + path
    raw = open(path, "rb").read()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\n" not in raw.replace(b"\r\n", b""), path
    return raw[3:].decode("utf-8")
wanted = set()
for r in doc["rejections"]:
    if r["school_name"] is None:
        continue
    text = letter(r["school_code"], r["period"])
    assert r["school_name"] in text and "被退回" in text and "submitted_at" in text, text
    # addressed as the bureau does: the district, then the school
    first = text.split("\r\n", 1)[0]
    assert r["district_name"] in first or r["school_name"].startswith(r["district_name"]), first
    for reason in r["reasons"]:
        # the school reads the catalogue's Chinese text, which names the field and its path
        assert reason["message_zh"] and reason["message_zh"] in text, (reason, text)
        assert reason["path"] in text and reason["message"] not in text, (reason, text)
    wanted.add((r["school_code"], r["period"]))
for w in doc["warnings"]:
    text = letter(w["school_code"], w["period"])
    assert w["message_zh"] and w["message_zh"] in text and w["message"] not in text, (w, text)
    wanted.add((w["school_code"], w["period"]))
text = letter(outlier_school, "2024-2025-1")
# the field by its Chinese label, its path only in parentheses
assert "(staff.psych_parttime):填报 5000" in text and "中位数" in text, text
assert re.search(r"[\u4e00-\u9fff]\(staff\.psych_parttime\)", text), text
wanted.add((outlier_school, "2024-2025-1"))
# Chinese throughout: codes, paths, cells and file names only in parentheses (a value the
# school wrote stays quoted, and the certificates are A证, B证, C证)
for p in glob.glob(os.path.join(fb, "*.txt")):
    t = open(p, encoding="utf-8-sig").read()
    prev = None
    while prev != t:
        prev = t
        t = re.sub(r"（[^（）]*）|\([^()]*\)|“[^“”]*”", "", t)
    t = re.sub(r"[ABC]证", "", t)
    latin = [l for l in t.splitlines() if re.search(r"[A-Za-z]", l)]
    assert not latin, (p, latin)
files = {tuple(os.path.basename(p)[:-4].split("-", 1)) for p in glob.glob(os.path.join(fb, "*.txt"))}
assert files == wanted, (files ^ wanted)
print("quality: %d letters" % len(files))
PY
x quality --period 2024-2025-1 >/dev/null
[ -s "$OUT/quality-2024-2025-1.json" ] || fail "no quality report of a term"

# ---- published versions ---------------------------------------------------------------
x report --year 2024 --publish final-2024 --format json,csv >/dev/null 2>&1
cp "$OUT/indicators-2024.json" "$T/published.json"
cp "$OUT/indicators-2024.csv" "$T/published.csv"
expect_eq "published label" "indicators {\"year\": 2024}" \
    "$(sql "SELECT kind || ' ' || scope::text FROM xinyu.report WHERE label = 'final-2024'")"
expect_eq "targets fingerprint" "$(sha256sum "$T/targets/2024.json" | cut -d' ' -f1)" \
    "$(sql "SELECT encode(targets_sha256, 'hex') FROM xinyu.report WHERE label = 'final-2024'")"
# inputs fingerprint: SHA-256 of the sorted SHA-256s of the current submissions of active schools
sql "SELECT encode(r.sha256, 'hex') FROM xinyu.submission s JOIN xinyu.raw_submission r USING (raw_id)
     JOIN xinyu.school sc ON sc.school_code = s.school_code
     WHERE s.is_current AND sc.active AND s.period IN ('2023-2024-2', '2024-2025-1')" >"$T/inputs.txt"
inputs=$(python3 -c "
import hashlib, sys
h = sorted(bytes.fromhex(l) for l in open(sys.argv[1]).read().split())
print(hashlib.sha256(b''.join(h)).hexdigest())" "$T/inputs.txt")
expect_eq "inputs fingerprint" "$inputs" \
    "$(sql "SELECT encode(inputs_sha256, 'hex') FROM xinyu.report WHERE label = 'final-2024'")"

# a resubmission that changes the data: an active school's current version of the term made
# again later, with a hundred times the funding
resub_school=$(sql "SELECT s.school_code FROM xinyu.submission s JOIN xinyu.school sc USING (school_code)
                    WHERE sc.active AND s.is_current AND s.period = '2024-2025-1' AND s.funding_psych_yuan IS NOT NULL
                    ORDER BY 1 LIMIT 1")
resub_ref=$(sql "SELECT ref FROM xinyu.submission_history WHERE school_code = '$resub_school' AND period = '2024-2025-1' AND state = 'current'")
mkdir -p "$T/gen/spool/late"
python3 - "$T/gen/spool/$resub_ref" "$T/gen/spool/late/resubmission.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
d["submitted_at"] = "2025-06-01T10:00:00+08:00"
d["funding"]["psych_yuan"] = round(d["funding"].get("psych_yuan", 0) * 100 + 1000000, 2)
json.dump(d, open(sys.argv[2], "w", encoding="utf-8"), ensure_ascii=False)
PY
set +e
x run >"$T/run2.log" 2>&1
set -e
expect_eq "the resubmission is current" "late/resubmission.json" \
    "$(sql "SELECT h.ref FROM xinyu.submission_history h WHERE h.school_code = '$resub_school' AND h.period = '2024-2025-1' AND h.state = 'current'")"
# the quality report of that run: only what it received, and its counts reconcile
run2=$(sql "SELECT max(run_id) FROM xinyu.run WHERE kind = 'run'")
x quality --year 2024 --run "$run2" --out "$T/out-run" >/dev/null
python3 - "$T/out-run/quality-2024.json" "$run2" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1], encoding="utf-8"))
assert doc["run_id"] == int(sys.argv[2]), doc["run_id"]
run = doc["run"]
assert run["received"] == 1 and run["loaded"] == 1 and run["reconciles"] is True, run
assert doc["rejections"] == [] and doc["warnings"] == [], (doc["rejections"], doc["warnings"])
PY
x report --year 2024 --format json >/dev/null 2>&1
python3 - "$T/published.json" "$OUT/indicators-2024.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
va = {(r["indicator"], r["district_code"], r["school_type"]): r["value"] for r in a["rows"]}
vb = {(r["indicator"], r["district_code"], r["school_type"]): r["value"] for r in b["rows"]}
assert va[("funding_per_student", None, None)] != vb[("funding_per_student", None, None)], "the fresh report did not change"
PY
x report --version final-2024 --format json,csv,html,xlsx >/dev/null 2>&1
cmp "$T/published.json" "$OUT/indicators-2024-final-2024.json" || fail "the published JSON does not re-render byte for byte"
cmp "$T/published.csv" "$OUT/indicators-2024-final-2024.csv" || fail "the published CSV does not re-render byte for byte"
[ -s "$OUT/indicators-2024-final-2024.html" ] && [ -s "$OUT/indicators-2024-final-2024.xlsx" ] ||
    fail "no HTML or XLSX of the published version"
grep -q "$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['generated_at'])" "$T/published.json")" \
    "$OUT/indicators-2024-final-2024.json" || fail "generated_at of the published version lost"
# a published version says so on its page and in its workbook's title; a draft says 草稿
grep -qF '<p class="version published">已发布 final-2024</p>' "$OUT/indicators-2024-final-2024.html" ||
    fail "the published page does not say 已发布 final-2024"
grep -qF '<div class="print-mark published">已发布 final-2024</div>' "$OUT/indicators-2024-final-2024.html" ||
    fail "the published page has no mark for its printed pages"
if grep -qF '草稿' "$OUT/indicators-2024-final-2024.html"; then
    fail "the published page calls itself a draft"
fi
/usr/bin/python3 - "$OUT/indicators-2024-final-2024.xlsx" <<'PY' || fail "the published workbook does not carry its label"
import sys
import openpyxl
title = openpyxl.load_workbook(sys.argv[1]).properties.title
assert title == "2024年度 心理健康教育指标报告（已发布 final-2024）", title
PY
x report --year 2024 --format html --out "$T/draft" >/dev/null 2>&1
grep -qF '<p class="version draft">草稿（未发布）</p>' "$T/draft/indicators-2024.html" ||
    fail "a draft page does not say 草稿"
# --versions: the published versions as a table, with the fingerprints stored with them
x report --versions >"$T/versions.txt"
/usr/bin/python3 - "$T/versions.txt" \
    "$(sql "SELECT label || '|' || kind || '|' || (scope->>'year') || '|' || to_char(generated_at AT TIME ZONE INTERVAL '+08:00', 'YYYY-MM-DD HH24:MI:SS') || '|' || encode(inputs_sha256, 'hex') || '|' || encode(targets_sha256, 'hex') FROM xinyu.report WHERE label IS NOT NULL ORDER BY generated_at")" \
    "$(sql "SELECT count(*) FROM xinyu.report WHERE label IS NULL")" <<'PY' || fail "report --versions: $(cat "$T/versions.txt")"
import sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
want = [l.split("|") for l in sys.argv[2].splitlines()]
assert int(sys.argv[3]) > 0, "no draft stored to leave out"
assert lines[0].split()[:2] == ["版本", "label"] and "inputs" in lines[0] and "targets" in lines[0], lines[0]
assert len(lines) == 1 + len(want) and want, (lines, want)
for line, w in zip(lines[1:], want):
    f = line.split()
    # label, report, scope, date and time, inputs, targets
    assert f == w[:3] + w[3].split(" ") + w[4:], (f, w)
    assert len(w[4]) == 64 and len(w[5]) == 64, w
PY

# a label is published once
set +e
x report --year 2024 --publish final-2024 >/dev/null 2>"$T/err.txt"
rc=$?
set -e
expect_eq "publishing a label again" 2 "$rc"
grep -q "the label is already published" "$T/err.txt" || fail "no clear message for a taken label"
expect_eq "one version under the label" 1 "$(sql "SELECT count(*) FROM xinyu.report WHERE label = 'final-2024'")"
set +e
x report --version no-such-label >/dev/null 2>"$T/err.txt"
rc=$?
x report --year 2024 --publish '../etc' >/dev/null 2>>"$T/err.txt"
rc2=$?
set -e
expect_eq "unknown version" 2 "$rc"
expect_eq "a label that is no file name" 2 "$rc2"
grep -q "no published version has this label" "$T/err.txt" || fail "no message for an unknown label"
# frozen in the database too
if sql "UPDATE xinyu.report SET document = '{}' WHERE label = 'final-2024'" 2>/dev/null; then
    fail "a published report could be changed"
fi
# ---- the formats people read: html and xlsx ------------------------------------------
F=$T/out-fmt
x audit --year 2024 --format json,html,xlsx --out "$F" >/dev/null
x review --from 2022 --to 2025 --format json,html,xlsx --out "$F" >/dev/null
x quality --year 2024 --out "$F" >/dev/null
for f in audit-2024.html audit-2024.xlsx review-2022-2025.html review-2022-2025.xlsx quality-2024.xlsx; do
    [ -s "$F/$f" ] || fail "no $f"
done
[ ! -e "$F/audit-2024.csv" ] || fail "--format json,html,xlsx wrote a CSV"
grep -qF '以下年度没有目标文件，不在本报告中：2022、2025 年' "$F/review-2022-2025.html" ||
    fail "the review page does not name the years without a targets file"
[ -x /usr/bin/python3 ] || fail "/usr/bin/python3 is missing (scripts/deps.sh test installs it)"
/usr/bin/python3 - "$F" "$T/schools.csv" <<'PY' || fail "the workbooks do not hold the JSON rows"
import json, os, sys
import openpyxl
out = sys.argv[1]
def sheet(path, name):
    wb = openpyxl.load_workbook(os.path.join(out, path))
    ws = wb[name]
    assert ws.freeze_panes == "A2", (path, name, ws.freeze_panes)
    assert ws.auto_filter.ref, (path, name, "no autofilter")
    rows = list(ws.iter_rows(values_only=True))
    return wb, rows[0], [list(r) for r in rows[1:]]
def same(got, want, where):
    if isinstance(want, bool):
        assert got == ("true" if want else "false"), (where, got, want)
    elif isinstance(want, (int, float)):
        assert isinstance(got, (int, float)) and not isinstance(got, bool), (where, got, want)
        assert abs(got - want) <= 1e-9 * max(1, abs(want)), (where, got, want)
    elif want is None or want == "":
        assert got is None, (where, got, want)
    else:
        assert got == want, (where, got, want)
def compare(got_rows, want_rows, where):
    assert len(got_rows) == len(want_rows), (where, len(got_rows), len(want_rows))
    for i, (g, w) in enumerate(zip(got_rows, want_rows)):
        assert len(g) == len(w), (where, i, g, w)
        for c, (a, b) in enumerate(zip(g, w)):
            same(a, b, (where, i, c))
# audit: the rows and the districts
doc = json.load(open(os.path.join(out, "audit-2024.json"), encoding="utf-8"))
wb, head, rows = sheet("audit-2024.xlsx", "审计 audit")
assert wb.sheetnames == ["审计 audit", "区县 districts"], wb.sheetnames
assert head == ("学校代码 school_code", "学校名称 school_name", "区县代码 district_code",
                "区县名称 district_name", "条款 clause", "条款名称 clause_title", "结果 result",
                "审核结果 result_name", "说明 detail"), head
import csv
reg = list(csv.DictReader(open(sys.argv[2], encoding="utf-8")))
school = {r["school_code"]: r for r in reg}
district_name = {r["district_code"]: r["district_name"] for r in reg}
for g in rows:
    sc = school[g[0]]
    assert g[1:4] == [sc["school_name"], sc["district_code"], sc["district_name"]], g
    assert isinstance(g[5], str) and g[5], g
compare([[g[0], g[4], g[6], g[8]] for g in rows],
        [[r[k] for k in ("school_code", "clause", "result", "detail")] for r in doc["rows"]], "audit")
results = {"pass": "通过", "fail": "未通过", "unknown": "待定"}
assert all(g[7] == results[g[6]] for g in rows), [g for g in rows if g[7] != results.get(g[6])][:3]
_, head, rows = sheet("audit-2024.xlsx", "区县 districts")
assert head[:2] == ("区县代码 district_code", "区县名称 district_name"), head
keys = ("district_code", "schools", "passing", "failing", "unknown")
assert [g[1] for g in rows] == [None] + [district_name[d["district_code"]] for d in doc["districts"][1:]]
compare([[g[0]] + g[2:] for g in rows], [[d[k] for k in keys] for d in doc["districts"]], "districts")
# review: one line per indicator, district and year
doc = json.load(open(os.path.join(out, "review-2022-2025.json"), encoding="utf-8"))
wb, head, rows = sheet("review-2022-2025.xlsx", "进展 review")
assert len(head) == 16 and head[:4] == ("指标 indicator", "指标名称 indicator_name",
                                        "区县代码 district_code", "区县名称 district_name"), head
status_words = {"met": "达标", "not_met": "未达标", "no_data": "无数据", "no_target": "无目标"}
bool_words = {True: "是", False: "否", None: None}
want = []
for r in doc["rows"]:
    for y in r["years"]:
        want.append([r["indicator"], "NAME", r["district_code"],
                     district_name.get(r["district_code"]), None, None, y["year"], y["value"],
                     y["target"], y["status"], status_words[y["status"]], "CHANGE",
                     r["final_year"], r["final_value"], r["on_track"], bool_words[r["on_track"]]])
assert len(rows) == len(want), (len(rows), len(want))
for g, w in zip(rows, want):
    assert g[11] is None or isinstance(g[11], float) or isinstance(g[11], int), g
    assert isinstance(g[1], str) and g[1], g
    g[11] = "CHANGE"
    g[1] = "NAME"
compare(rows, want, "review")
assert any(isinstance(g[7], float) for g in rows), "no typed value in the review"
# measures in their units: shares in percent, money with fen
fmts = {c.number_format for row in wb["进展 review"].iter_rows(min_row=2, min_col=8, max_col=8)
        for c in row if isinstance(c.value, float)}
assert "0.0%" in fmts and fmts <= {"0.0%", "0.00", "0.0"}, fmts
# quality: not reported, rejections one row per reason, warnings
doc = json.load(open(os.path.join(out, "quality-2024.json"), encoding="utf-8"))
wb, head, rows = sheet("quality-2024.xlsx", "未上报 not reported")
assert wb.sheetnames == ["学期 terms", "未上报 not reported", "逾期 late", "退回 rejections",
                         "警告 warnings", "异常值 outliers", "总结与报表不一致 summary",
                         "按日上报 by day", "本次新发现 new"], wb.sheetnames
seen = ("first_seen_run", "first_seen_at")
keys = ("period", "district_code", "district_name", "school_code", "school_name", "school_type")
type_words = {"primary": "小学", "junior": "初中", "senior": "高中", "nine_year": "九年一贯制",
              "complete_secondary": "完全中学", "twelve_year": "十二年一贯制",
              "special": "特殊教育学校"}
compare(rows, [[r[k] for k in keys] + [type_words[r["school_type"]]] + [r[k] for k in seen]
               for r in doc["not_reported"]], "not reported")
_, head, rows = sheet("quality-2024.xlsx", "退回 rejections")
sub = ("raw_id", "district_code", "district_name", "school_code", "school_name", "period",
       "source", "ref", "received_at", "resolved")
reason = ("severity", "seq", "code", "path", "message", "message_zh")
severity_words = {"reject": "退回", "warning": "警告"}
fix = ("resolved_at", "resolved_run", "resolved_by_raw_id", "resolved_by_ref") + seen
want = [[g[k] for k in sub] + [bool_words[g["resolved"]], r["severity"],
                                severity_words[r["severity"]]] + [r[k] for k in reason[1:]]
        + [g[k] for k in fix]
        for g in doc["rejections"] for r in g["reasons"]]
assert want, "no rejection to compare"
compare(rows, want, "rejections")
_, head, rows = sheet("quality-2024.xlsx", "警告 warnings")
keys = ("raw_id", "district_code", "district_name", "school_code", "school_name", "period", "seq",
        "code", "path", "message", "message_zh") + seen
compare(rows, [[r[k] for k in keys] for r in doc["warnings"]], "warnings")
PY
# the pages: self-contained, each clause and each indicator named
for f in audit-2024.html review-2022-2025.html; do
    if sed 's#xmlns="http://www.w3.org/2000/svg"##g' "$F/$f" | grep -Eq 'https?://|<script|<link|url\('; then
        fail "$f has an external reference or a script"
    fi
done
if [ -x /usr/bin/chromium ]; then
    for f in audit-2024.html review-2022-2025.html; do
        profile=$(mktemp -d "$T/chromium-profile.XXXXXX")
        timeout 120 /usr/bin/chromium --headless --no-sandbox --disable-gpu --disable-quic \
            --no-first-run --no-default-browser-check --disable-background-networking \
            --disable-component-update --disable-sync --disable-default-apps --disable-extensions \
            --disable-client-side-phishing-detection --disable-domain-reliability \
            --host-resolver-rules="MAP * ~NOTFOUND" --user-data-dir="$profile" \
            --dump-dom "file://$F/$f" >"$T/$f.dom" 2>"$T/$f.err" ||
            fail "chromium failed on $f: $(tail -5 "$T/$f.err")"
        grep -qF '</html>' "$T/$f.dom" || fail "no DOM dumped of $f"
    done
    dom_audit=$T/audit-2024.html.dom
    dom_review=$T/review-2022-2025.html.dom
else
    echo "SKIP: /usr/bin/chromium is absent; the audit and review pages were checked as files" >&2
    dom_audit=$F/audit-2024.html
    dom_review=$F/review-2022-2025.html
fi
/usr/bin/python3 - "$dom_audit" "$dom_review" "$F" "$T/schools.csv" <<'PY' || fail "the pages lack a clause, an indicator or a school"
import json, os, re, sys
audit, review = (open(p, encoding="utf-8").read() for p in sys.argv[1:3])
out = sys.argv[3]
for page in (audit, review):
    bare = page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    for bad in ("http://", "https://", "<script", "<link", "url("):
        assert bad not in bare, bad
heads = re.findall(r"<th>([^<]*)</th>", audit)
# the clause columns carry the titles of INDICATORS.md, not bare numbers
for head in ["6 配齐配好教师", "7 培养培训", "9 阵地建设", "10 经费投入", "11 课堂教学", "14 心理辅导",
             "15 社会合作", "16 科学研究", "17 提高实效", "2/4 规划与机构", "18 一票否决"]:
    assert head in heads, (head, heads)
doc = json.load(open(os.path.join(out, "audit-2024.json"), encoding="utf-8"))
import csv
reg = {r["school_code"]: r for r in csv.DictReader(open(sys.argv[4], encoding="utf-8"))}
# every school by code and name, in a row with its district's code and name; the name
# links to the school's page, which the audit wrote beside it
for code in {r["school_code"] for r in doc["rows"]}:
    sc = reg[code]
    row = ('<td class="code">%s</td><td class="name"><a class="school" href="schools/%s.html">%s'
           '</a></td><td class="code">%s</td><td class="name">%s</td>'
           % (code, code, sc["school_name"], sc["district_code"], sc["district_name"]))
    assert os.path.isfile(os.path.join(out, "schools", code + ".html")), code
    assert row in audit, row
for dc, dn in {(r["district_code"], r["district_name"]) for r in reg.values()}:
    assert '<td class="code">%s</td><td class="name">%s</td><td class="num">' % (dc, dn) in audit, dn
    assert '<span class="district-name">%s</span> %s' % (dn, dc) in review, (dn, dc)
fails = [r for r in doc["rows"] if r["result"] == "fail" and r["clause"] != "overall"]
assert fails and all(m in audit for m in ("✓", "✗")), "no pass/fail marks"
# every failing detail is visible text, not a tooltip
for r in fails[:50]:
    d = r["detail"].replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert d in audit, d
rdoc = json.load(open(os.path.join(out, "review-2022-2025.json"), encoding="utf-8"))
names = {r["indicator"] for r in rdoc["rows"]}
assert review.count("<svg") >= len(names), (review.count("<svg"), len(names))
assert review.count("<section class=\"indicator\">") == len(names)
PY
# every indicator's Chinese name in the review page, from the catalog
/usr/bin/python3 - "$ROOT/report/report_catalog.c" "$F/review-2022-2025.json" "$dom_review" <<'PY' || fail "the review page does not name every indicator"
import json, re, sys
text = open(sys.argv[1], encoding="utf-8").read()
catalog = {k: v.replace('\\"', '"') for k, v in re.findall(r'\{\s*"([a-z0-9_]+)",\s*"((?:[^"\\]|\\.)+)"', text)}
page = open(sys.argv[3], encoding="utf-8").read().replace("&quot;", '"')
ids = {r["indicator"] for r in json.load(open(sys.argv[2], encoding="utf-8"))["rows"]}
assert ids and all(i in catalog for i in ids), ids - set(catalog)
missing = [(i, catalog[i]) for i in ids if catalog[i] not in page]
assert not missing, missing
PY

echo "audit, review, quality and published versions ok"
