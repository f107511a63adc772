#!/usr/bin/env bash
# gen_deterministic.sh - xinyu-gen gives byte-identical output for the same options, other
# output for another seed, a registry of the size asked for, and submissions that keep every
# rule of spec/SUBMISSION.md except the one each invalid item is meant to break.
set -euo pipefail

: "${BUILD:?BUILD must name the build directory}"
: "${TEST_TMP:?TEST_TMP must name a private temporary directory}"
root=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
gen="$BUILD/xinyu-gen"
if [ ! -x "$gen" ]; then
    # the harness builds xinyu and the unit tests only
    make -C "$root" --no-print-directory BUILD="$BUILD" "$BUILD/xinyu-gen" >&2
fi
[ -x "$gen" ] || { echo "no $gen" >&2; exit 1; }
command -v python3 >/dev/null || { echo "python3 is needed to check the JSON" >&2; exit 1; }

fail() { echo "FAIL: $*" >&2; exit 1; }
t="$TEST_TMP"
schools=300
common=(--schools "$schools" --invalid-share 0.03 --dup-share 0.02 --resub-share 0.02)

# summary FIELD FILE: a number of the one-line summary on stderr
summary() {
    sed -n "s/.* \([0-9][0-9]*\) $1.*/\1/p" "$2"
}

for fmt in json jsonl json.gz jsonl.gz; do
    "$gen" "${common[@]}" --seed 7 --format "$fmt" --per-file 100 --out "$t/a-$fmt" 2>"$t/a-$fmt.log"
    "$gen" "${common[@]}" --seed 7 --format "$fmt" --per-file 100 --out "$t/b-$fmt" 2>"$t/b-$fmt.log"
    diff -r "$t/a-$fmt" "$t/b-$fmt" >/dev/null || fail "$fmt: two runs with seed 7 differ"
    cmp -s "$t/a-$fmt.log" "$t/b-$fmt.log" || fail "$fmt: the summaries differ"
    "$gen" "${common[@]}" --seed 8 --format "$fmt" --per-file 100 --out "$t/c-$fmt" 2>/dev/null
    if diff -r "$t/a-$fmt" "$t/c-$fmt" >/dev/null; then
        fail "$fmt: seeds 7 and 8 give the same output"
    fi
    echo "ok $fmt: deterministic, seed-dependent"
done

# the same city whatever the format: the registry is identical, the summaries too
for fmt in jsonl json.gz jsonl.gz; do
    cmp -s "$t/a-json/schools.csv" "$t/a-$fmt/schools.csv" || fail "$fmt: another registry than json"
    [ "$(summary 'submissions written' "$t/a-json.log")" = "$(summary 'submissions written' "$t/a-$fmt.log")" ] ||
        fail "$fmt: another number of submissions than json"
done

# the order of --terms does not matter; the environment's locale does not either
"$gen" "${common[@]}" --seed 7 --terms 2024-2025-1,2023-2024-2 --out "$t/d" 2>/dev/null
diff -r "$t/a-json" "$t/d" >/dev/null || fail "--terms in another order changes the output"
LC_ALL=C.UTF-8 TZ=America/New_York "$gen" "${common[@]}" --seed 7 --out "$t/e" 2>/dev/null
diff -r "$t/a-json" "$t/e" >/dev/null || fail "the locale or time zone changes the output"

# shards hold --per-file submissions each
written=$(summary 'submissions written' "$t/a-json.log")
if [ -z "$written" ] || [ "$written" -eq 0 ]; then
    fail "no submission count in: $(cat "$t/a-json.log")"
fi
shards=$(find "$t/a-jsonl/spool" -name 'part-*.jsonl' | wc -l)
[ "$shards" -eq $(((written + 99) / 100)) ] || fail "jsonl: $shards shards for $written submissions"
[ "$(cat "$t/a-jsonl/spool"/part-*.jsonl | wc -l)" -eq "$written" ] || fail "jsonl: line count"
[ "$(find "$t/a-json/spool" -name '*.json' | wc -l)" -eq "$written" ] || fail "json: file count"
[ "$(find "$t/a-json.gz/spool" -name '*.json.gz' | wc -l)" -eq "$written" ] || fail "json.gz: file count"
gzip -t "$t/a-json.gz/spool"/*/*.json.gz "$t/a-jsonl.gz/spool"/*.jsonl.gz || fail "corrupt gzip"

# registry, submissions and the rules, checked independently of the generator's code
python3 - "$t" "$schools" <<'PY' || fail "content checks"
import glob, gzip, json, math, os, re, sys
from collections import Counter, defaultdict

tmp, n_schools = sys.argv[1], int(sys.argv[2])
problems = []
def bad(msg):
    problems.append(msg)

def read_log(path):
    text = open(path, encoding="utf-8").read()
    num = lambda label: int(re.search(r"(\d+) " + label, text).group(1))
    return {k: num(k) for k in ["schools", "submissions written", "duplicates",
                                "resubmissions", "invalid", "late", "never reporting", "inactive"]}

# --- the registry
rows = open(os.path.join(tmp, "a-json", "schools.csv"), encoding="utf-8").read().split("\n")
header = "school_code,school_name,district_code,district_name,school_type,active"
if rows[0] != header: bad("registry header: " + rows[0])
rows = [r.split(",") for r in rows[1:] if r]
if len(rows) != n_schools: bad("registry has %d schools, not %d" % (len(rows), n_schools))
registry = {}
types = Counter()
districts = set()
for r in rows:
    if len(r) != 6: bad("registry row " + ",".join(r)); continue
    code, name, dcode, dname, stype, active = r
    if not re.fullmatch(r"\d{10}", code) or code[:6] != dcode: bad("school code " + code)
    if code in registry: bad("school code twice: " + code)
    if active not in ("true", "false"): bad("active " + active)
    registry[code] = dict(name=name, district=dcode, type=stype, active=active == "true")
    types[stype] += 1
    districts.add((dcode, dname))
codes = [r[0] for r in rows]
if codes != sorted(codes): bad("registry not in code order")
expected_types = {"primary", "junior", "senior", "nine_year", "complete_secondary",
                  "twelve_year", "special"}
if set(types) != expected_types: bad("school types: %s" % dict(types))
if not 0.45 < types["primary"] / n_schools < 0.65: bad("primary share %s" % types["primary"])
n_districts = max(3, math.ceil(n_schools / 1500))
if len(districts) != n_districts: bad("districts: %s" % sorted(districts))
if sorted(districts)[:3] != [("320102", "玄武区"), ("320104", "秦淮区"), ("320105", "建邺区")]:
    bad("district codes and names: %s" % sorted(districts))
inactive = sum(1 for s in registry.values() if not s["active"])
if inactive != round(0.02 * n_schools): bad("%d inactive schools" % inactive)
names = [s["name"] for s in registry.values()]
if len(set(names)) != len(names): bad("school names repeat")

GRADES = {"primary": (1, 6), "junior": (7, 9), "senior": (10, 12), "nine_year": (1, 9),
          "complete_secondary": (7, 12), "twelve_year": (1, 12), "special": (1, 9)}
SECTIONS = {
    "staff": ["psych_fulltime", "psych_parttime", "psych_fulltime_degree", "psych_cert_a",
              "parttime_3yr_head", "head_teachers", "head_teachers_cert_b", "subject_teachers",
              "subject_teachers_cert_c"],
    "funding": ["psych_yuan"],
    "curriculum": ["lessons_by_grade", "theme_meetings", "special_activities"],
    "counseling": ["room", "open_hours_per_week", "individual_sessions", "group_sessions",
                   "group_participants"],
    "screening": ["students_screened", "students_flagged", "archives"],
    "care": ["ledger", "left_behind", "single_parent", "special_needs"],
    "home_school": ["parent_trainings", "psych_parent_trainings", "parent_attendees",
                    "home_visit_rate"],
    "training": ["all_staff_sessions", "hours_psych_and_head"],
    "crisis": ["incidents", "referrals", "major_incident_school_fault"],
    "governance": ["research_group", "three_year_plan", "annual_meeting_minutes"],
    "research": ["city_awards", "papers", "books", "years_of_practice"],
}
BOOLS = {"room", "ledger", "major_incident_school_fault", "research_group", "three_year_plan",
         "annual_meeting_minutes"}
TOP = ["schema", "school_code", "school_name", "district_code", "period", "submitted_at",
       "enrollment", "classes"] + list(SECTIONS)
ZH_TERM = {"第一学期": 1, "第二学期": 2}

def is_count(v):
    return type(v) is int and v >= 0

def check(doc, raw):
    """Every reason doc would be rejected for, as (kind, text); also the canonical period."""
    reasons = []
    def r(kind, text): reasons.append((kind, text))
    period = None
    if not isinstance(doc, dict): return [("json", "not an object")], None
    if list(doc) != [k for k in TOP if k in doc]: r("order", "keys %s" % list(doc))
    if doc.get("schema") != "mhe.submission/1": r("schema", str(doc.get("schema")))
    school = registry.get(doc.get("school_code"))
    if school is None: r("school", str(doc.get("school_code")))
    else:
        if doc.get("school_name") != school["name"]: r("warning", "name")
        if doc.get("district_code") != school["district"]: r("warning", "district")
    p = doc.get("period")
    if isinstance(p, dict):
        m = re.fullmatch(r"(\d{4})-(\d{4})", p.get("academic_year", ""))
        if m and p.get("term") in (1, 2) and int(m.group(2)) == int(m.group(1)) + 1 and len(p) == 2:
            period = "%s-%d" % (p["academic_year"], p["term"])
    elif isinstance(p, str):
        m = re.fullmatch(r"(\d{4})-(\d{4})-([12])", p) or \
            re.fullmatch(r"(\d{4})-(\d{4})学年(第[一二]学期)", p)
        if m and int(m.group(2)) == int(m.group(1)) + 1:
            t = m.group(3)
            period = "%s-%s-%s" % (m.group(1), m.group(2), ZH_TERM.get(t, t))
    if period is None: r("period", str(p))
    if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00", str(doc.get("submitted_at"))):
        r("submitted_at", str(doc.get("submitted_at")))
    enrolled = doc.get("enrollment", {}).get("by_grade", {})
    classes = doc.get("classes", {}).get("by_grade", {})
    lo, hi = GRADES[school["type"]] if school else (1, 12)
    e4 = 0
    for g, v in enrolled.items():
        if not is_count(v): r("count", "enrollment " + g); continue
        if not (g.isdigit() and lo <= int(g) <= hi): r("grade", g)
        if v > 0 and not (isinstance(classes.get(g), int) and classes[g] >= 1): r("classes", g)
        if g.isdigit() and int(g) >= 4: e4 += v
    if "total" in doc.get("enrollment", {}) and doc["enrollment"]["total"] != sum(enrolled.values()):
        r("total", "enrollment.total")
    if set(classes) != set(enrolled): r("classes", "grades differ")
    for sec, fields in SECTIONS.items():
        obj = doc.get(sec)
        if obj is None: continue
        if set(obj) - set(fields): r("unknown", sec)
        for f, v in obj.items():
            if f in BOOLS:
                if type(v) is not bool: r("type", f)
            elif f == "psych_yuan":
                if type(v) not in (int, float) or v < 0 or round(v, 2) != v: r("money", f)
            elif f == "open_hours_per_week":
                if type(v) not in (int, float) or not 0 <= v <= 168: r("hours", f)
            elif f == "home_visit_rate":
                if type(v) not in (int, float) or not 0 <= v <= 1: r("rate", f)
            elif f == "hours_psych_and_head":
                if type(v) not in (int, float) or v < 0: r("hours", f)
            elif f == "lessons_by_grade":
                if set(v) != set(enrolled): r("lessons", "grades")
                for g, n in v.items():
                    if not is_count(n): r("count", "lessons " + g)
            elif type(v) is str: r("string", f)
            elif type(v) is float: r("fraction", f)
            elif type(v) is not int: r("type", f)
            elif v < 0: r("negative", f)
    def le(a, b, kind):
        if all(isinstance(x, int) and not isinstance(x, bool) for x in (a, b)) and a > b:
            r(kind, "%s > %s" % (a, b))
    s, sc, hs = doc.get("staff", {}), doc.get("screening", {}), doc.get("home_school", {})
    le(s.get("psych_fulltime_degree"), s.get("psych_fulltime"), "cross")
    F, P = s.get("psych_fulltime"), s.get("psych_parttime")
    if isinstance(F, int) and isinstance(P, int):
        le(s.get("psych_cert_a"), F + P, "cert_a")
    le(s.get("parttime_3yr_head"), P, "cross")
    le(s.get("head_teachers_cert_b"), s.get("head_teachers"), "cross")
    le(s.get("subject_teachers_cert_c"), s.get("subject_teachers"), "cross")
    le(sc.get("students_screened"), e4, "screened")
    le(sc.get("students_flagged"), sc.get("students_screened"), "cross")
    le(hs.get("psych_parent_trainings"), hs.get("parent_trainings"), "cross")
    return reasons, period

# what each invalid kind must show, and nothing else
KIND = {"invalid-negative-count": "negative", "invalid-string-count": "string",
        "invalid-cert-a-exceeds": "cert_a", "invalid-unknown-schema": "schema",
        "invalid-malformed-period": "period", "invalid-unknown-school": "school",
        "invalid-screened-exceeds": "screened", "invalid-fractional-count": "fraction"}

def deadline(period):
    y1, y2, t = period.split("-")
    return "%s-01-20T23:59:59" % y2 if t == "1" else "%s-07-15T23:59:59" % y2

# --- the json city: one file per submission, names say what each is
log = read_log(os.path.join(tmp, "a-json.log"))
files = sorted(glob.glob(os.path.join(tmp, "a-json", "spool", "*", "*.json")))
if len(files) != log["submissions written"]: bad("json files %d" % len(files))
name_re = re.compile(r"(\d{10})_(\d{4}-\d{4}-[12])(?:_(resub|copy|invalid-[a-z-]+))?\.json")
kinds = Counter()
by_key = defaultdict(dict)
docs = {}
late = 0
periods_seen = Counter()
for path in files:
    m = name_re.fullmatch(os.path.basename(path))
    if not m: bad("file name " + path); continue
    code, period, tag = m.groups()
    if os.path.basename(os.path.dirname(path)) != code[:6]: bad("directory of " + path)
    raw = open(path, "rb").read()
    by_key[(code, period)][tag or ""] = raw
    if tag == "invalid-json":
        kinds[tag] += 1
        try:
            json.loads(raw)
            bad("invalid-json parses: " + path)
        except ValueError:
            pass
        continue
    try:
        doc = json.loads(raw.decode("utf-8"))
    except ValueError as e:
        bad("not JSON: %s: %s" % (path, e)); continue
    docs[path] = doc
    reasons, canon = check(doc, raw)
    rejecting = [x for x in reasons if x[0] != "warning"]
    if tag and tag.startswith("invalid-"):
        kinds[tag] += 1
        if len(rejecting) != 1 or rejecting[0][0] != KIND[tag]:
            bad("%s: expected one %s, found %s" % (path, KIND[tag], reasons))
        continue
    if reasons: bad("%s: %s" % (path, reasons))
    if canon != period: bad("%s: period %s" % (path, canon))
    if registry[code]["type"] != "special" and sum(doc["enrollment"]["by_grade"].values()) == 0:
        bad("zero enrollment " + path)
    periods_seen[type(doc["period"]).__name__ + ("-zh" if "学年" in str(doc["period"]) else "")] += 1
    if tag is None and doc["submitted_at"][:19] > deadline(period): late += 1
if len(kinds) != 9: bad("invalid kinds: %s" % dict(kinds))
if sum(kinds.values()) != log["invalid"]: bad("invalid files %s vs %d" % (dict(kinds), log["invalid"]))
if late != log["late"]: bad("late submissions %d vs %d" % (late, log["late"]))
if not (periods_seen["str-zh"] and periods_seen["dict"]): bad("period forms %s" % periods_seen)
copies = resubs = 0
for (code, period), versions in by_key.items():
    if "copy" in versions:
        copies += 1
        if versions["copy"] != versions.get(""): bad("copy differs: %s %s" % (code, period))
    if "resub" in versions:
        resubs += 1
        a, b = json.loads(versions[""]), json.loads(versions["resub"])
        if not b["submitted_at"] > a["submitted_at"]: bad("resubmission not later: " + code)
        changed = [k for k in a if a[k] != b[k] and k != "submitted_at"]
        if not changed: bad("resubmission changes nothing: " + code)
        if a["submitted_at"][:19] <= deadline(period) < b["submitted_at"][:19]:
            bad("a correction made an on-time school late: " + code)
if copies != log["duplicates"] or resubs != log["resubmissions"]:
    bad("copies %d resubmissions %d vs %s" % (copies, resubs, log))
reporting = {c for c, _ in by_key}
silent = [c for c in registry if c not in reporting]
if len(silent) != log["never reporting"]: bad("silent schools %d vs %s" % (len(silent), log))
missing_fields = sum(1 for d in docs.values() if any(s not in d for s in SECTIONS))
if missing_fields == 0: bad("no submission leaves a section out")
e = [sum(d["enrollment"]["by_grade"].values()) for d in docs.values()]
if not (min(e) < 500 < max(e)): bad("school sizes %d..%d" % (min(e), max(e)))

# --- the other formats hold the same submissions (compact, so compared as parsed JSON)
def canon_set(texts):
    out, broken = Counter(), 0
    for t in texts:
        try:
            out[json.dumps(json.loads(t), sort_keys=True, ensure_ascii=False)] += 1
        except ValueError:
            broken += 1
    return out, broken
ref = canon_set(open(p, "rb").read() for p in files)
lines = []
for p in sorted(glob.glob(os.path.join(tmp, "a-jsonl", "spool", "part-*.jsonl"))):
    lines += [l for l in open(p, "rb").read().split(b"\n") if l]
if canon_set(lines) != ref: bad("jsonl holds other submissions than json")
gzl = []
for p in sorted(glob.glob(os.path.join(tmp, "a-jsonl.gz", "spool", "part-*.jsonl.gz"))):
    gzl += [l for l in gzip.open(p).read().split(b"\n") if l]
if gzl != lines: bad("jsonl.gz differs from jsonl")
gzj = [gzip.open(p).read() for p in sorted(glob.glob(os.path.join(tmp, "a-json.gz", "spool", "*", "*.json.gz")))]
if canon_set(gzj) != ref: bad("json.gz holds other submissions than json")

for p in problems[:40]:
    print(p, file=sys.stderr)
if problems:
    print("%d problems" % len(problems), file=sys.stderr)
    sys.exit(1)
print("ok content: %d schools, %d submissions, invalid kinds %d" % (len(registry), len(files), len(kinds)))
PY

# option errors exit 2 and say what is wrong; nothing is written
expect_usage() {
    local rc=0
    "$gen" "$@" 2>"$t/err.log" >/dev/null || rc=$?
    [ "$rc" -eq 2 ] || fail "xinyu-gen $* exited $rc, not 2"
    grep -q . "$t/err.log" || fail "xinyu-gen $*: no message"
}
expect_usage --schools 10
expect_usage --out "$t/x" --schools 0
expect_usage --out "$t/x" --schools 12abc
expect_usage --out "$t/x" --format xml
expect_usage --out "$t/x" --terms 2024-2026-1
expect_usage --out "$t/x" --terms 2024-2025-1,2024-2025-1
expect_usage --out "$t/x" --dup-share 1.5
expect_usage --out "$t/x" --seed -1
expect_usage --out "$t/x" --no-such-option
expect_usage --out "$t/a-json" # its spool is not empty
[ ! -e "$t/x" ] || fail "a refused run wrote $t/x"
"$gen" --help | grep -q -- '--schools' || fail "--help"

# an unwritable output directory is an I/O error (exit 1); root may write anywhere
if [ "$(id -u)" != 0 ]; then
    mkdir -p "$t/ro" && chmod 0555 "$t/ro"
    rc=0
    "$gen" --schools 5 --out "$t/ro/city" 2>/dev/null || rc=$?
    [ "$rc" -eq 1 ] || fail "unwritable --out exited $rc, not 1"
fi
echo "ok options"
