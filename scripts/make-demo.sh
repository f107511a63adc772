#!/usr/bin/env bash
# make-demo.sh - rebuilds the demo city in config/demo/ (registry, targets, submissions):
# xinyu-gen with a fixed seed, then the spec's examples and the hand-written special cases
# that config/demo/README.md describes. The output is the same on every run.
#
# Usage: scripts/make-demo.sh            (BUILD=dir to use another build directory)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
BUILD=${BUILD:-build}
gen="$BUILD/xinyu-gen"
if [ ! -x "$gen" ]; then
    make --no-print-directory BUILD="$BUILD" "$gen"
fi

demo=config/demo
spool=$demo/spool
examples=tests/fixtures/spec-examples

die() {
    echo "make-demo.sh: $*" >&2
    exit 1
}

# need FILE: a generated file this script changes must be there; if the generator's output
# changed, the special cases below and README.md have to be chosen again
need() {
    [ -f "$1" ] || die "$1 was not generated; the generator's output changed: choose the special cases and update $demo/README.md again"
}

rm -rf "$spool" "$demo/schools.csv"
"$gen" --schools 64 --districts 4 --seed 7 --terms 2023-2024-2,2024-2025-1 \
    --fixed-schools "$examples/schools.csv" \
    --missing-share 0.05 --invalid-share 0.05 --dup-share 0.01 --resub-share 0.01 \
    --deadline-share-late 0.05 --out "$demo"

mkdir -p "$demo/targets"
cp "$examples/targets-2024.json" "$demo/targets/2024.json"

# --- the spec's three examples, for the autumn term 2024-2025-1: they replace the generated
# submissions of those schools for that term
for f in 320102/3201020001_2024-2025-1.json 320102/3201020002_2024-2025-1.json \
    320104/3201040002_2024-2025-1.json; do
    need "$spool/$f"
    rm "$spool/$f"
done
mkdir -p "$spool/examples"
cp "$examples/submission-full.json" "$examples/submission-minimal.json" \
    "$examples/submission-rejected.json" "$spool/examples/"

# --- the spring term of the same three schools, written to match the examples' schools
need "$spool/320102/3201020001_2023-2024-2.json"
cat >"$spool/320102/3201020001_2023-2024-2.json" <<'EOF'
{
  "schema": "mhe.submission/1",
  "school_code": "3201020001",
  "school_name": "玄武区示范小学",
  "district_code": "320102",
  "period": "2023-2024-2",
  "submitted_at": "2024-07-08T15:20:00+08:00",
  "enrollment": {"by_grade": {"1": 206, "2": 199, "3": 192, "4": 189, "5": 182, "6": 176}},
  "classes": {"by_grade": {"1": 5, "2": 5, "3": 5, "4": 5, "5": 5, "6": 4}},
  "staff": {"psych_fulltime": 2, "psych_parttime": 34, "psych_fulltime_degree": 2, "psych_cert_a": 27, "parttime_3yr_head": 27, "head_teachers": 29, "head_teachers_cert_b": 22, "subject_teachers": 60, "subject_teachers_cert_c": 36},
  "funding": {"psych_yuan": 7650.00},
  "curriculum": {"lessons_by_grade": {"1": 25, "2": 25, "3": 25, "4": 50, "5": 50, "6": 40}, "theme_meetings": 145, "special_activities": 4},
  "counseling": {"room": true, "open_hours_per_week": 12.5, "individual_sessions": 58, "group_sessions": 10, "group_participants": 260},
  "screening": {"students_screened": 360, "students_flagged": 9, "archives": 9},
  "care": {"ledger": true, "left_behind": 6, "single_parent": 20, "special_needs": 3},
  "home_school": {"parent_trainings": 3, "psych_parent_trainings": 1, "parent_attendees": 420, "home_visit_rate": 0.75},
  "training": {"all_staff_sessions": 1, "hours_psych_and_head": 5},
  "crisis": {"incidents": 0, "referrals": 1, "major_incident_school_fault": false},
  "governance": {"research_group": true, "three_year_plan": true, "annual_meeting_minutes": true},
  "research": {"city_awards": 1, "papers": 1, "books": 0, "years_of_practice": 6}
}
EOF
need "$spool/320102/3201020002_2023-2024-2.json"
cat >"$spool/320102/3201020002_2023-2024-2.json" <<'EOF'
{
  "schema": "mhe.submission/1",
  "school_code": "3201020002",
  "school_name": "玄武区第二中学",
  "district_code": "320102",
  "period": "2023-2024-2",
  "submitted_at": "2024-07-10T09:45:00+08:00",
  "enrollment": {"by_grade": {"7": 296, "8": 288, "9": 281}},
  "classes": {"by_grade": {"7": 6, "8": 6, "9": 6}},
  "staff": {"psych_fulltime": 1, "psych_parttime": 2, "psych_fulltime_degree": 1, "psych_cert_a": 3, "parttime_3yr_head": 1, "head_teachers": 18, "head_teachers_cert_b": 12, "subject_teachers": 45, "subject_teachers_cert_c": 20},
  "funding": {"psych_yuan": 6200.00},
  "curriculum": {"lessons_by_grade": {"7": 60, "8": 60, "9": 54}, "theme_meetings": 90, "special_activities": 2},
  "counseling": {"room": true, "open_hours_per_week": 10, "individual_sessions": 40, "group_sessions": 6, "group_participants": 180},
  "screening": {"students_screened": 820, "students_flagged": 41, "archives": 38},
  "care": {"ledger": true, "left_behind": 12, "single_parent": 48, "special_needs": 6},
  "home_school": {"parent_trainings": 2, "psych_parent_trainings": 1, "parent_attendees": 300, "home_visit_rate": 0.6},
  "training": {"all_staff_sessions": 1, "hours_psych_and_head": 4},
  "crisis": {"incidents": 1, "referrals": 1, "major_incident_school_fault": false},
  "governance": {"research_group": false, "three_year_plan": true, "annual_meeting_minutes": true},
  "research": {"city_awards": 0, "papers": 1, "books": 0, "years_of_practice": 4}
}
EOF
need "$spool/320104/3201040002_2023-2024-2.json"
cat >"$spool/320104/3201040002_2023-2024-2.json" <<'EOF'
{
  "schema": "mhe.submission/1",
  "school_code": "3201040002",
  "school_name": "秦淮区特殊教育学校",
  "district_code": "320104",
  "period": "2023-2024-2",
  "submitted_at": "2024-07-15T16:40:00+08:00",
  "enrollment": {"by_grade": {"1": 10, "2": 9, "3": 8}},
  "classes": {"by_grade": {"1": 1, "2": 1, "3": 1}},
  "staff": {"psych_fulltime": 0, "psych_parttime": 1, "psych_fulltime_degree": 0, "psych_cert_a": 1, "parttime_3yr_head": 1, "head_teachers": 3, "head_teachers_cert_b": 2, "subject_teachers": 9, "subject_teachers_cert_c": 4},
  "funding": {"psych_yuan": 320.00},
  "curriculum": {"lessons_by_grade": {"1": 5, "2": 5, "3": 5}, "theme_meetings": 15, "special_activities": 2},
  "counseling": {"room": true, "open_hours_per_week": 6, "individual_sessions": 12, "group_sessions": 4, "group_participants": 24},
  "screening": {"students_screened": 0, "students_flagged": 0, "archives": 0},
  "care": {"ledger": true, "left_behind": 0, "single_parent": 3, "special_needs": 27},
  "home_school": {"parent_trainings": 4, "psych_parent_trainings": 2, "parent_attendees": 60, "home_visit_rate": 1},
  "training": {"all_staff_sessions": 1, "hours_psych_and_head": 6},
  "crisis": {"incidents": 0, "referrals": 0, "major_incident_school_fault": false},
  "governance": {"research_group": false, "three_year_plan": false, "annual_meeting_minutes": true},
  "research": {"city_awards": 0, "papers": 0, "books": 0, "years_of_practice": 3}
}
EOF

# --- 鼓楼区 sent its spring term as one JSON Lines batch: eight files become eight lines
batch="$spool/320106/320106_2023-2024-2_batch.jsonl"
for n in 01 02 03 04 05 06 07 08; do
    f="$spool/320106/32010600${n}_2023-2024-2.json"
    need "$f"
    # the generator writes no newline or double space inside a value
    tr -d '\n' <"$f" | sed -e 's/^{  "/{"/' -e 's/,  "/, "/g'
    echo
    rm "$f"
done >"$batch"

# --- one school sent its file compressed
need "$spool/320105/3201050003_2024-2025-1.json"
gzip -n -9 "$spool/320105/3201050003_2024-2025-1.json"

# --- warnings (loaded): an unknown extra field; a district code the registry disagrees with
f="$spool/320104/3201040008_2024-2025-1.json"
need "$f"
sed -i '/^  "submitted_at": /a\  "remarks": "本学期心理健康月活动总结另行报送",' "$f"
f="$spool/320105/3201050007_2023-2024-2.json"
need "$f"
grep -q '"district_code": "320105"' "$f" || die "$f: no district_code 320105"
sed -i 's/"district_code": "320105"/"district_code": "320106"/' "$f"

# --- rejected, each for several reasons (the school's own generated file still loads)
mkdir -p "$spool/special"
cat >"$spool/special/3201060004_2024-2025-1_rejected.json" <<'EOF'
{
  "schema": "mhe.submission/1",
  "school_code": "3201060004",
  "school_name": "鼓楼区实验初级中学",
  "district_code": "320106",
  "period": "2024-2025-1",
  "submitted_at": "2025-01-06T10:05:00+08:00",
  "enrollment": {"by_grade": {"7": 412, "8": 398, "9": 405}, "total": 1205},
  "classes": {"by_grade": {"7": 9, "8": 9, "9": 0}},
  "staff": {"psych_fulltime": 1, "psych_parttime": 6, "psych_fulltime_degree": 2, "psych_cert_a": 5, "parttime_3yr_head": 4, "head_teachers": 20, "head_teachers_cert_b": 14, "subject_teachers": 62, "subject_teachers_cert_c": 30},
  "curriculum": {"lessons_by_grade": {"7": 90, "8": 90, "9": 90}, "theme_meetings": 12.5, "special_activities": 3},
  "screening": {"students_screened": 1250, "students_flagged": 1300, "archives": 40},
  "home_school": {"parent_trainings": 2, "psych_parent_trainings": 3, "parent_attendees": 380, "home_visit_rate": 0.7}
}
EOF
cat >"$spool/special/envelope-errors.json" <<'EOF'
{
  "schema": "mhe.submission/1.1",
  "school_code": "32010600O7",
  "school_name": "鼓楼区第一初级中学",
  "district_code": "320106",
  "period": "2024-2025学年第三学期",
  "submitted_at": "2099-01-10T09:00:00+08:00",
  "enrollment": {"by_grade": {"7": 301, "8": 296, "9": 288}},
  "classes": {"by_grade": {"7": 7, "8": 7, "9": 7}},
  "staff": {"psych_fulltime": 1, "psych_parttime": 5},
  "funding": {"psych_yuan": 4500.555},
  "counseling": {"room": "yes", "open_hours_per_week": 200}
}
EOF
# an upload cut off in the middle of the JSON
f="$spool/320102/3201020005_2023-2024-2.json"
need "$f"
head -c 600 "$f" >"$spool/special/3201020005_2023-2024-2_upload-cut.json"
# a gzip file cut off in the middle of the stream
f="$spool/320106/3201060009_2024-2025-1.json"
need "$f"
gzip -n -9 <"$f" | head -c 300 >"$spool/special/3201060009_2024-2025-1_interrupted.json.gz"

# --- workbooks (SUBMISSION.md section 7): schools sending their autumn figures again as the
# bureau's template, filled in by xinyu itself (the same bytes on every run). Two send the same
# figures later (the JSON is superseded, nothing else changes); one has mistakes (rejected:
# the run writes feedback/3201020009-2024-2025-1.xlsx with the cells marked)
xinyu="$BUILD/xinyu"
[ -x "$xinyu" ] || make --no-print-directory BUILD="$BUILD" "$xinyu"
wbtmp=$(mktemp -d)
trap 'rm -rf "$wbtmp"' EXIT
printf '{"registry": "%s/schools.csv", "out_dir": "%s", "var_dir": "%s", "sources": []}\n' \
    "$demo" "$wbtmp" "$wbtmp" >"$wbtmp/conf.json"
mkdir -p "$spool/workbooks"
# workbook CODE SUBMITTED_AT NAME [SED]: CODE's autumn JSON, sent later as a workbook
workbook() {
    local f="$spool/320102/$1_2024-2025-1.json"
    need "$f"
    sed -e "s/\"submitted_at\": \"[^\"]*\"/\"submitted_at\": \"$2\"/" ${4:+-e "$4"} "$f" >"$wbtmp/$1.json"
    "$xinyu" --config "$wbtmp/conf.json" -q template --period 2024-2025-1 --school "$1" \
        --fill "$wbtmp/$1.json" --out "$wbtmp/out"
    mv "$wbtmp/out/$1-2024-2025-1.xlsx" "$spool/workbooks/$3"
}
workbook 3201020006 2025-01-08T09:30:00+08:00 3201020006_2024-2025-1.xlsx
workbook 3201020007 2025-01-15T14:00:00+08:00 3201020007_2024-2025-1.xlsx
workbook 3201020009 2025-01-19T10:20:00+08:00 3201020009_2024-2025-1_mistakes.xlsx \
    's/"psych_cert_a": [0-9]*/"psych_cert_a": 99/; s/"group_sessions": [0-9]*/"group_sessions": "十二场"/'

# --- what the README promises must be there
for f in 320104/3201040007_2024-2025-1_resub.json 320104/3201040019_2024-2025-1_copy.json; do
    need "$spool/$f"
done
cmp -s "$spool/320104/3201040019_2024-2025-1.json" "$spool/320104/3201040019_2024-2025-1_copy.json" ||
    die "the duplicate differs from its original"
for code in 3201040010 3201040017 3201060016; do
    if find "$spool" -name "${code}_*" | grep -q .; then
        die "school $code should never report"
    fi
done
echo "make-demo.sh: $(find "$spool" -type f | wc -l) files in $spool, $(du -sk "$demo" | cut -f1) KiB in $demo" >&2
