# A school's work summary in the spool beside its submission (SUBMISSION.md section 8,
# docs/TEMPLATE.md "Summaries in the spool"): kept with its bytes and hash, never loaded as
# data and no run item (the counts still reconcile), and every figure where it and the
# current submission disagree is listed in the quality report and the school's letter, in
# Chinese; an agreeing summary lists nothing. A .docx summary is read the same way.
source "$ROOT/tests/integration/lib.sh"
spec_spool
x() { xq "$@"; }

# mismatches OUT: the quality report's summary_mismatches, one "school path message" a line
mismatches() {
    python3 - "$1/quality-2024.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
for m in d["summary_mismatches"]:
    print(m["school_code"], m["path"], m["message_zh"])
run = d["run"]
assert run["reconciles"] is True, run
PY
}

# 1. the submission says 2 full-time teachers and 65 counselling sessions; the summary says 3
#    full-time, 35 part-time (agrees) and 60 sessions
cp "$ex/submission-full.json" "$spool/3201020001.json"
printf '%s\n' '2024-2025学年第一学期心理健康教育工作总结' \
    '本校现有专职心理教师3名,兼职心理辅导员35名。' \
    '本学期共接待个体咨询60人次,开展团体辅导12场,参与学生300余人次。' \
    >"$spool/3201020001_2024-2025-1_summary.txt"
x run --out "$TEST_TMP/out1" >/dev/null
mismatches "$TEST_TMP/out1" >"$TEST_TMP/m1.txt"
expect_eq "mismatches" "3201020001 counseling.individual_sessions 总结: 个体咨询60人次; 报表: 个体咨询人次(counseling.individual_sessions) = 65
3201020001 staff.psych_fulltime 总结: 专职心理教师3名; 报表: 专职心理健康教师人数(staff.psych_fulltime) = 2" \
    "$(cat "$TEST_TMP/m1.txt")"
# kept: bytes and hash as received, the figures read; never a submission, never an item
expect_eq "summary kept" "1 true txt" "$(sql "SELECT count(*) || ' ' || bool_and(sha256 = sha256(body)) || ' ' || min(format)
    FROM xinyu.summary WHERE school_code = '3201020001' AND period = '2024-2025-1'")"
expect_eq "summary bytes" "$(sha256sum <"$spool/3201020001_2024-2025-1_summary.txt" | cut -d' ' -f1)" \
    "$(sql "SELECT encode(sha256, 'hex') FROM xinyu.summary")"
expect_eq "items of the run" "1 loaded" "$(sql "SELECT count(*) || ' ' || string_agg(outcome, ',')
    FROM xinyu.run_item WHERE run_id = (SELECT max(run_id) FROM xinyu.run)")"
expect_eq "the submission is the JSON's" 2 "$(sql "SELECT staff_psych_fulltime FROM xinyu.submission
    WHERE school_code = '3201020001' AND is_current")"
sql "SELECT message FROM xinyu.run_event WHERE message LIKE 'kept summary%'" | grep -q \
    '^kept summary 3201020001_2024-2025-1_summary.txt of school 3201020001, term 2024-2025-1: ' ||
    fail "no run event for the summary"
# the letter names both figures
letter="$TEST_TMP/out1/feedback/3201020001-2024-2025-1.txt"
[ -f "$letter" ] || fail "no letter: $(ls "$TEST_TMP/out1/feedback" 2>&1)"
grep -qF '工作总结与报表不一致(3201020001_2024-2025-1_summary.txt 第2行):总结: 专职心理教师3名; 报表: 专职心理健康教师人数(staff.psych_fulltime) = 2' "$letter" ||
    fail "letter: $(cat "$letter")"
grep -qF '总结: 个体咨询60人次; 报表: 个体咨询人次(counseling.individual_sessions) = 65' "$letter" ||
    fail "letter lacks the sessions: $(cat "$letter")"
grep -q '300余' "$letter" && fail "an approximate figure was compared"
# the CSV and the workbook carry the list too
grep -q 'staff.psych_fulltime' "$TEST_TMP/out1/quality-2024-summary-mismatches.csv" ||
    fail "no CSV of the mismatches"
# a night with nothing new: the list still shows them (the year's standing state), the
# letter went once and does not go again
x run --out "$TEST_TMP/out1b" >/dev/null
expect_eq "mismatches the next night" "$(cat "$TEST_TMP/m1.txt")" "$(mismatches "$TEST_TMP/out1b")"
[ ! -e "$TEST_TMP/out1b/feedback/3201020001-2024-2025-1.txt" ] ||
    fail "the summary's mismatches were sent again: $(cat "$TEST_TMP/out1b/feedback/3201020001-2024-2025-1.txt")"
grep -q '^summary,总结与报表不一致,' "$TEST_TMP/out1/quality-2024-new.csv" ||
    fail "the first night's new problems lack the mismatches: $(cat "$TEST_TMP/out1/quality-2024-new.csv")"

# 2. the school corrects its summary (a .docx now, the same name but for the suffix):
#    figures that agree list nothing and write no letter
rm "$spool/3201020001_2024-2025-1_summary.txt"
mkdir -p "$TEST_TMP/doc"
printf '%s\n' '本校现有专职心理教师2名,兼职心理辅导员35名。' \
    '本学期共接待个体咨询65人次,开展团体辅导12场。' >"$TEST_TMP/doc/agree.txt"
if command -v soffice >/dev/null; then
    (cd "$TEST_TMP/doc" && soffice -env:UserInstallation=file://"$TEST_TMP/doc/profile" --headless \
        --infilter='Text (encoded):UTF8,LF,,,' --convert-to docx agree.txt >/dev/null 2>&1)
    cp "$TEST_TMP/doc/agree.docx" "$spool/3201020001_2024-2025-1_summary.docx"
    fmt=docx
else
    cp "$TEST_TMP/doc/agree.txt" "$spool/3201020001_2024-2025-1_summary.txt"
    fmt=txt
fi
x run --out "$TEST_TMP/out2" >/dev/null
expect_eq "agreeing summary" "" "$(mismatches "$TEST_TMP/out2")"
[ ! -e "$TEST_TMP/out2/feedback/3201020001-2024-2025-1.txt" ] || fail "a letter for an agreeing summary"
expect_eq "latest summary" "$fmt 4" "$(sql "SELECT format || ' ' || jsonb_array_length(figures)
    FROM xinyu.summary ORDER BY summary_id DESC LIMIT 1")"
# seen again, nothing new is kept
x run --out "$TEST_TMP/out3" >/dev/null
expect_eq "kept once" 2 "$(sql "SELECT count(*) FROM xinyu.summary")"

# 3. the submission changes (a later version): the kept summary is compared with it
sed -e 's/"individual_sessions": 65/"individual_sessions": 70/' \
    -e 's/2025-01-10T16:30:00/2025-01-12T09:00:00/' "$ex/submission-full.json" >"$spool/3201020001-v2.json"
x run --out "$TEST_TMP/out4" >/dev/null
expect_eq "against the current version" \
    "3201020001 counseling.individual_sessions 总结: 个体咨询65人次; 报表: 个体咨询人次(counseling.individual_sessions) = 70" \
    "$(mismatches "$TEST_TMP/out4")"

# a name that is no summary's (no term) is not kept, and not read as a submission either
echo '专职心理教师9名' >"$spool/notes_summary.txt"
x run --out "$TEST_TMP/out5" >/dev/null
expect_eq "odd name ignored" 2 "$(sql "SELECT count(*) FROM xinyu.summary")"
