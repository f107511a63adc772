# xinyu remind: before a term's deadline, a Chinese letter to each active school with no loaded
# submission of the term (none to a school that reported, none to an inactive one) and a list
# per district with names beside codes; each school reminded once; too early or after the
# deadline, a message and nothing written; no deadline known, exit 2.
source "$ROOT/tests/integration/lib.sh"
spec_spool
x() { xq "$@"; }
dir="$TEST_TMP/out/reminders/2024-2025-1"

# deadline DAYS: the term's deadline DAYS days from today in UTC+8 (the bureau's day)
deadline() {
    local day
    day=$(date -u -d "@$(($(date +%s) + 8 * 3600 + $1 * 86400))" +%F)
    python3 - "$ex/targets-2024.json" "$TEST_TMP/targets/2024.json" "$day" <<'PY'
import json, sys
t = json.load(open(sys.argv[1], encoding="utf-8"))
t["deadlines"]["2024-2025-1"] = sys.argv[3]
json.dump(t, open(sys.argv[2], "w", encoding="utf-8"), ensure_ascii=False)
PY
}

# 3201040002 reports, 3201020002 is rejected; 3201020001 and 3201040001 send nothing;
# 3201050001 is inactive
cp "$ex/submission-minimal.json" "$spool/minimal.json"
cp "$ex/submission-rejected.json" "$spool/rejected.json"
deadline 3
set +e
x run >/dev/null
set -e

# too early: the deadline is 3 days away, reminders from 2 days before it
x remind --period 2024-2025-1 --days-before 2 >"$TEST_TMP/early.txt"
grep -q "还有 3 天" "$TEST_TMP/early.txt" || fail "too early: no word of the days left: $(cat "$TEST_TMP/early.txt")"
grep -q "暂不发送" "$TEST_TMP/early.txt" || fail "too early: does not say nothing is sent"
[ ! -e "$dir" ] || fail "too early: reminders were written"
expect_eq "too early: nothing recorded" 0 "$(sql "SELECT count(*) FROM xinyu.reminder")"

# 3 days before (the default: 7): the three schools still missing, in two districts
x remind --period 2024-2025-1 >"$TEST_TMP/first.txt"
grep -q "向 3 所尚未报送的学校发出催报通知(2 个区县的名单)" "$TEST_TMP/first.txt" ||
    fail "first remind: $(cat "$TEST_TMP/first.txt")"
expect_eq "letters only to the schools still missing" \
    "3201020001-2024-2025-1.txt 3201020002-2024-2025-1.txt 3201040001-2024-2025-1.txt" \
    "$(cd "$dir" && ls *.txt | tr '\n' ' ' | sed 's/ $//')"
expect_eq "recorded" "3201020001 3 3201020002 3 3201040001 3" \
    "$(sql "SELECT string_agg(school_code || ' ' || days_left, ' ' ORDER BY school_code) FROM xinyu.reminder WHERE period = '2024-2025-1'")"
/usr/bin/python3 - "$dir" "$TEST_TMP/schools.csv" "$TEST_TMP/targets/2024.json" <<'PY' || fail "the reminders are not right"
import csv, io, json, os, re, sys
import openpyxl
d, schools = sys.argv[1], {r["school_code"]: r for r in csv.DictReader(open(sys.argv[2], encoding="utf-8"))}
deadline = json.load(open(sys.argv[3], encoding="utf-8"))["deadlines"]["2024-2025-1"]
y, m, day = (int(p) for p in deadline.split("-"))
for code in ("3201020001", "3201020002", "3201040001"):
    raw = open(os.path.join(d, code + "-2024-2025-1.txt"), "rb").read()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\n" not in raw.replace(b"\r\n", b""), code
    text = raw[3:].decode("utf-8")
    s = schools[code]
    for want in (s["school_name"], s["district_name"] + "教育局", "(学校标识码 %s)" % code,
                 "2024-2025学年第一学期", "%d年%d月%d日" % (y, m, day), "还有 3 天",
                 "需要报送的内容", "如何报送", "填报时间"):
        assert want in text, (code, want, text)
    # Chinese throughout: codes, file forms and paths only in parentheses
    outside = re.sub(r"([^()]*)", "", text)
    assert not re.search(r"[A-Za-z]", outside), (code, re.findall(r"[^\s]*[A-Za-z][^\s]*", outside))
    # the rejected school hears that what it sent came back
    assert ("退回" in text) == (code == "3201020002"), (code, text)
# a list per district: CSV and workbook, names beside codes, one line per school reminded
for district, codes in (("320102", ["3201020001", "3201020002"]), ("320104", ["3201040001"])):
    base = os.path.join(d, "reminders-2024-2025-1-%s" % district)
    raw = open(base + ".csv", "rb").read()
    assert raw.startswith(b"\xef\xbb\xbf"), base
    rows = list(csv.reader(io.StringIO(raw[3:].decode("utf-8"), newline="")))
    head = rows[0]
    assert head[:4] == ["区县代码 district_code", "区县 district_name", "学校标识码 school_code",
                        "学校名称 school_name"], head
    got = [(r[0], r[1], r[2], r[3]) for r in rows[1:]]
    want = [(district, schools[c]["district_name"], c, schools[c]["school_name"]) for c in codes]
    assert got == want, (got, want)
    assert all(r[head.index("剩余天数 days_left")] == "3" for r in rows[1:]), rows
    assert all(r[head.index("截止日期 deadline")] == deadline for r in rows[1:]), rows
    wb = openpyxl.load_workbook(base + ".xlsx")
    assert wb.sheetnames == ["催报名单 reminders"], wb.sheetnames
    sheet = list(wb.active.iter_rows(values_only=True))
    assert list(sheet[0]) == head, (sheet[0], head)
    assert [tuple(r[:4]) for r in sheet[1:]] == want, sheet
    assert all(r[head.index("剩余天数 days_left")] == 3 for r in sheet[1:]), sheet
assert sorted(f for f in os.listdir(d) if f.startswith("reminders-")) == [
    "reminders-2024-2025-1-320102.csv", "reminders-2024-2025-1-320102.xlsx",
    "reminders-2024-2025-1-320104.csv", "reminders-2024-2025-1-320104.xlsx"], os.listdir(d)
PY

# a second remind the same day sends none, and one after a school reported neither
rm -rf "$dir"
x remind --period 2024-2025-1 >"$TEST_TMP/second.txt"
grep -q "没有需要催报的学校(3 所此前已发过催报通知" "$TEST_TMP/second.txt" || fail "second remind: $(cat "$TEST_TMP/second.txt")"
[ -z "$(ls "$dir" 2>/dev/null)" ] || fail "the second remind wrote: $(ls "$dir")"
expect_eq "still one reminder each" 3 "$(sql "SELECT count(*) FROM xinyu.reminder")"
"$XINYU" -q --config "$TEST_TMP/conf.json" remind --period 2024-2025-1 --lang en >"$TEST_TMP/en.txt"
grep -q "no school to remind (3 reminded before" "$TEST_TMP/en.txt" || fail "--lang en: $(cat "$TEST_TMP/en.txt")"

# the deadline is today: still reminded (the spring term, whose deadline was months ago, is
# past: say so and point to the not-reported list)
set +e
x remind --period 2023-2024-2 >"$TEST_TMP/past.txt"
rc=$?
set -e
expect_eq "past the deadline: exit" 0 "$rc"
grep -q "已过" "$TEST_TMP/past.txt" && grep -q "quality-2024-not-reported.csv" "$TEST_TMP/past.txt" ||
    fail "past the deadline: $(cat "$TEST_TMP/past.txt")"
[ ! -e "$TEST_TMP/out/reminders/2023-2024-2" ] || fail "past the deadline: reminders were written"
deadline 0
sql "DELETE FROM xinyu.reminder WHERE school_code = '3201040001'" >/dev/null
x remind --period 2024-2025-1 >"$TEST_TMP/today.txt"
grep -q "还有 0 天;向 1 所" "$TEST_TMP/today.txt" || fail "on the deadline day: $(cat "$TEST_TMP/today.txt")"
grep -q "即今天" "$dir/3201040001-2024-2025-1.txt" || fail "the letter of the deadline day does not say it is today"
deadline -1
rm -rf "$dir"
x remind --period 2024-2025学年第一学期 >"$TEST_TMP/after.txt"
grep -q "已过 1 天" "$TEST_TMP/after.txt" || fail "the day after: $(cat "$TEST_TMP/after.txt")"
[ ! -e "$dir" ] || fail "the day after: reminders were written"

# a term no targets file lists has no deadline to remind of
set +e
x remind --period 2025-2026-1 2>"$TEST_TMP/none.txt"
rc=$?
set -e
expect_eq "no deadline: exit" 2 "$rc"
grep -q "no deadline for the term" "$TEST_TMP/none.txt" || fail "no deadline: $(cat "$TEST_TMP/none.txt")"
echo "remind ok"
