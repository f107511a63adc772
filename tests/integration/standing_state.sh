# The quality lists of the nightly run are the scope's standing state (sql/functions/standing.sql):
# over three runs they keep every open problem with when it was first seen, a rejection fixed
# by a resubmission shows as resolved with when and by what, the run's own section has only
# what it saw first, and a letter goes once per problem.
source "$ROOT/tests/integration/lib.sh"
spec_spool
x() { xq "$@"; }
last_run() { sql "SELECT max(run_id) FROM xinyu.run"; }
run() {
    set +e
    x run --out "$1" >"$1.txt"
    set -e
}
letters() { (ls "$1/feedback" 2>/dev/null || true) | grep '\.txt$' | tr '\n' ' ' | sed 's/ $//'; }

# state OUT: one line per list of quality-2024.json, "list: school[:period][ resolved] ..." with
# each row's first seen run, then the run's own section
state() {
    /usr/bin/python3 - "$1/quality-2024.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
def rows(name, items, extra=lambda r: ""):
    print(name + ": " + " ".join(sorted("%s:%s:%s%s" % (r["school_code"], r["period"], r["first_seen_run"], extra(r)) for r in items)))
rows("rejections", d["rejections"], lambda r: ":resolved" if r["resolved"] else "")
rows("warnings", {(w["school_code"], w["period"]): w for w in d["warnings"]}.values())
rows("not_reported", d["not_reported"])
rows("late", d["late"])
# the run's "new": its counts by kind, and the problems themselves in the "new" table
keys = {"not_reported": "not_reported", "late": "late", "rejection": "rejections",
        "warning": "warnings", "outlier": "outliers", "summary": "summary_mismatches"}
new = {k: [] for k in keys.values()}
import csv, os
for r in csv.DictReader(open(os.path.join(os.path.dirname(sys.argv[1]), "quality-2024-new.csv"),
                             encoding="utf-8-sig")):
    r = {h.split(" ")[-1]: (v if v != "" else None) for h, v in r.items()}
    new[keys[r["kind"]]].append(r)
assert d["run"]["new"] == {k: len(v) for k, v in new.items()}, (d["run"]["new"], new)
print("new: " + " ".join("%s=%s" % (k, ",".join(sorted(r["school_code"] or "-" for r in v))) for k, v in new.items() if v))
PY
}

# run 1: a rejection (3201020002), a warning (3201040002), a late version (3201020001); nobody
# reported the spring term and 3201040001 not the autumn one
cp "$ex/submission-rejected.json" "$spool/rejected.json"
sed 's/"staff":{/"extra_item":1,"staff":{/' "$ex/submission-minimal.json" >"$spool/warned.json"
sed 's/"submitted_at": "[^"]*"/"submitted_at": "2025-01-25T09:00:00+08:00"/' "$ex/submission-full.json" >"$spool/late.json"
run "$TEST_TMP/out1"
run1=$(last_run)
expect_eq "run 1" "rejections: 3201020002:2024-2025-1:$run1
warnings: 3201040002:2024-2025-1:$run1
not_reported: 3201020001:2023-2024-2:$run1 3201020002:2023-2024-2:$run1 3201020002:2024-2025-1:$run1 3201040001:2023-2024-2:$run1 3201040001:2024-2025-1:$run1 3201040002:2023-2024-2:$run1
late: 3201020001:2024-2025-1:$run1
new: not_reported=3201020001,3201020002,3201020002,3201040001,3201040001,3201040002 late=3201020001 rejections=3201020002 warnings=3201040002" \
    "$(state "$TEST_TMP/out1")"
expect_eq "run 1: letters" "3201020002-2024-2025-1.txt 3201040002-2024-2025-1.txt" "$(letters "$TEST_TMP/out1")"
grep -q "^quality 2024: 6 not reported (6 new tonight), 1 late (1 new tonight), 1 rejected (1 open, 1 new tonight), 1 warnings (1 new tonight)" "$TEST_TMP/out1.txt" ||
    fail "run 1: the summary: $(cat "$TEST_TMP/out1.txt")"

# run 2, nothing new: the same lists, first seen in run 1; nothing new, no letter
run "$TEST_TMP/out2"
expect_eq "run 2" "$(state "$TEST_TMP/out1" | sed '$d')
new: " "$(state "$TEST_TMP/out2")"
expect_eq "run 2: no letters" "" "$(letters "$TEST_TMP/out2")"
grep -q "^quality 2024: 6 not reported (0 new tonight), 1 late (0 new tonight), 1 rejected (1 open, 0 new tonight), 1 warnings (0 new tonight)" "$TEST_TMP/out2.txt" ||
    fail "run 2: the summary: $(cat "$TEST_TMP/out2.txt")"
[ "$(wc -l <"$TEST_TMP/out2/quality-2024-rejections.csv")" -eq 4 ] || fail "run 2: the rejections CSV lost its rows"
# xinyu quality is a look-up of the same state: it records nothing and has no run section
seen=$(sql "SELECT count(*) FROM xinyu.problem_seen")
x quality --year 2024 --out "$TEST_TMP/q" >/dev/null
expect_eq "quality: nothing recorded" "$seen" "$(sql "SELECT count(*) FROM xinyu.problem_seen")"
/usr/bin/python3 - "$TEST_TMP/q/quality-2024.json" "$TEST_TMP/out2/quality-2024.json" <<'PY' || fail "xinyu quality differs from the nightly lists"
import json, sys
q, n = (json.load(open(p, encoding="utf-8")) for p in sys.argv[1:])
assert q["run"] is None, q["run"]
for k in ("not_reported", "late", "rejections", "warnings", "outliers"):
    assert q[k] == n[k], k
PY

# run 3: 3201020002 sends a version that loads (its rejection is resolved), 3201040001 one that
# is rejected (new tonight)
sed -e 's/"school_code":"3201040002"/"school_code":"3201020002"/' \
    -e 's/"submitted_at":"[^"]*"/"submitted_at":"2025-01-19T09:00:00+08:00"/' "$ex/submission-minimal.json" >"$spool/fixed.json"
sed 's/"school_code":"3201020002"/"school_code":"3201040001"/' "$ex/submission-rejected.json" >"$spool/rejected-2.json"
run "$TEST_TMP/out3"
run3=$(last_run)
expect_eq "run 3" "rejections: 3201020002:2024-2025-1:$run1:resolved 3201040001:2024-2025-1:$run3
warnings: 3201040002:2024-2025-1:$run1
not_reported: 3201020001:2023-2024-2:$run1 3201020002:2023-2024-2:$run1 3201040001:2023-2024-2:$run1 3201040001:2024-2025-1:$run1 3201040002:2023-2024-2:$run1
late: 3201020001:2024-2025-1:$run1
new: rejections=3201040001" "$(state "$TEST_TMP/out3")"
expect_eq "run 3: a letter for the new problem only" "3201040001-2024-2025-1.txt" "$(letters "$TEST_TMP/out3")"
grep -q "^quality 2024: 5 not reported (0 new tonight), 1 late (0 new tonight), 2 rejected (1 open, 1 new tonight)" "$TEST_TMP/out3.txt" ||
    fail "run 3: the summary: $(cat "$TEST_TMP/out3.txt")"
fixed=$(sql "SELECT raw_id FROM xinyu.raw_submission WHERE ref = 'fixed.json'")
/usr/bin/python3 - "$TEST_TMP/out3" "$fixed" "$run3" <<'PY' || fail "the resolved rejection does not say when and by what"
import csv, io, json, os, sys
import openpyxl
out, fixed, run3 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
d = json.load(open(os.path.join(out, "quality-2024.json"), encoding="utf-8"))
r = [g for g in d["rejections"] if g["school_code"] == "3201020002"][0]
assert r["resolved"] is True and r["resolved_by_raw_id"] == fixed and r["resolved_by_ref"] == "fixed.json", r
assert r["resolved_run"] == run3 and r["resolved_at"].endswith("+08:00") and r["resolved_at"] >= r["received_at"], r
assert r["first_seen_at"].endswith("+08:00") and r["reasons"], r
open_ = [g for g in d["rejections"] if g["school_code"] == "3201040001"][0]
assert open_["resolved"] is False and open_["resolved_at"] is None and open_["resolved_by_raw_id"] is None, open_
# the CSV: one line per reason, the resolution and first sighting after the reason
raw = open(os.path.join(out, "quality-2024-rejections.csv"), "rb").read()
rows = list(csv.reader(io.StringIO(raw[3:].decode("utf-8"), newline="")))
head = rows[0]
for h in ("已重新报送 resolved", "重新报送收到时间 resolved_at", "重新报送编号 resolved_by_raw_id",
          "重新报送文件 resolved_by_ref", "首次发现批次 first_seen_run", "首次发现时间 first_seen_at"):
    assert h in head, (h, head)
mine = [l for l in rows[1:] if l[head.index("学校标识码 school_code")] == "3201020002"]
assert len(mine) == len(r["reasons"]) and all(l[head.index("重新报送编号 resolved_by_raw_id")] == str(fixed) for l in mine), mine
# the run's own section as its own CSV and sheet, names beside codes
raw = open(os.path.join(out, "quality-2024-new.csv"), "rb").read()
rows = list(csv.reader(io.StringIO(raw[3:].decode("utf-8"), newline="")))
assert rows[0][:2] == ["类型代码 kind", "类型 kind_zh"], rows[0]
assert [(l[0], l[1], l[5], l[6]) for l in rows[1:]] == [("rejection", "被退回", "3201040001", "秦淮区实验学校")], rows
wb = openpyxl.load_workbook(os.path.join(out, "quality-2024.xlsx"))
assert "本次新发现 new" in wb.sheetnames, wb.sheetnames
sheet = list(wb["本次新发现 new"].iter_rows(values_only=True))
assert list(sheet[0]) == rows[0] and len(sheet) == 2 and sheet[1][5] == "3201040001", sheet
PY
# each problem was sent once, by the run that first listed it
expect_eq "the ledger: sent once each" "rejection 3201020002 $run1|rejection 3201040001 $run3|warning 3201040002 $run1" \
    "$(sql "SELECT string_agg(kind || ' ' || school_code || ' ' || sent_run, '|' ORDER BY kind, school_code) FROM xinyu.problem_ledger")"
# what the nightly run recorded refers to what exists (sql/schema/025: no foreign keys)
expect_eq "problems seen of an unknown run or raw submission" 0 "$(sql "SELECT count(*)
    FROM xinyu.problem_seen p
    WHERE NOT EXISTS (SELECT FROM xinyu.run r WHERE r.run_id = p.first_seen_run)
       OR (p.raw_id IS NOT NULL
           AND NOT EXISTS (SELECT FROM xinyu.raw_submission r WHERE r.raw_id = p.raw_id))")"
[ "$(sql "SELECT count(*) FROM xinyu.problem_seen WHERE raw_id IS NOT NULL")" -gt 0 ] ||
    fail "no problem seen refers to a submission"
echo "standing state ok"
