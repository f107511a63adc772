#!/usr/bin/python3
"""peer_load.py - the loader a data officer would write in an afternoon, as make bench's peer.

Xinyu's load path is measured against this script on the same JSON Lines shards and the same
PostgreSQL server (scripts/bench.sh, the side-by-side case of docs/BENCHMARK.md). It does what
such a script does and no more: the standard library's json.loads per line, four checks, and
psycopg2's COPY (copy_expert) into two plain tables, one connection, one transaction per file.

The four checks (SUBMISSION.md, section 3), a line failing any of them is skipped:
  1. schema      "schema" is "mhe.submission/1"
  2. school_code a string of 10 digits after trimming spaces
  3. period      YYYY-YYYY-T, {"academic_year": "YYYY-YYYY", "term": T} or YYYY-YYYY学年第一学期
                 (第二学期), the second year the first plus one, T 1 or 2
  4. staff       staff.psych_cert_a <= staff.psych_fulltime + staff.psych_parttime (when given)

The two tables: peer_raw (every line's bytes as text, its file and line) and peer_submission
(the envelope and every section field of section 2 as a column, the per-grade figures as
arrays). Xinyu does far more (every check of section 3, duplicates, versions, run records,
the registry); the point of the comparison is what that costs on top of the obvious script.

  peer_load.py load    --db CONNINFO SPOOL      create the tables, load every *.jsonl file
  peer_load.py prepare SPOOL OUT               write the flattened rows as two COPY files
  peer_load.py copy    --db CONNINFO OUT       create the tables, COPY the prepared files

prints "case=... submissions=N skipped=N seconds=S" on stdout.
"""
import json
import os
import re
import sys
import time

FIELDS = [
    ("staff", "psych_fulltime", "integer"), ("staff", "psych_parttime", "integer"),
    ("staff", "psych_fulltime_degree", "integer"), ("staff", "psych_cert_a", "integer"),
    ("staff", "parttime_3yr_head", "integer"), ("staff", "head_teachers", "integer"),
    ("staff", "head_teachers_cert_b", "integer"), ("staff", "subject_teachers", "integer"),
    ("staff", "subject_teachers_cert_c", "integer"), ("funding", "psych_yuan", "numeric(16,2)"),
    ("curriculum", "theme_meetings", "integer"), ("curriculum", "special_activities", "integer"),
    ("counseling", "room", "boolean"), ("counseling", "open_hours_per_week", "double precision"),
    ("counseling", "individual_sessions", "integer"), ("counseling", "group_sessions", "integer"),
    ("counseling", "group_participants", "integer"),
    ("screening", "students_screened", "integer"), ("screening", "students_flagged", "integer"),
    ("screening", "archives", "integer"), ("care", "ledger", "boolean"),
    ("care", "left_behind", "integer"), ("care", "single_parent", "integer"),
    ("care", "special_needs", "integer"), ("home_school", "parent_trainings", "integer"),
    ("home_school", "psych_parent_trainings", "integer"),
    ("home_school", "parent_attendees", "integer"),
    ("home_school", "home_visit_rate", "double precision"),
    ("training", "all_staff_sessions", "integer"),
    ("training", "hours_psych_and_head", "double precision"),
    ("crisis", "incidents", "integer"), ("crisis", "referrals", "integer"),
    ("crisis", "major_incident_school_fault", "boolean"),
    ("governance", "research_group", "boolean"), ("governance", "three_year_plan", "boolean"),
    ("governance", "annual_meeting_minutes", "boolean"), ("research", "city_awards", "integer"),
    ("research", "papers", "integer"), ("research", "books", "integer"),
    ("research", "years_of_practice", "integer"),
]

PERIOD = re.compile(r"^([0-9]{4})-([0-9]{4})-([12])$")
PERIOD_ZH = re.compile(r"^([0-9]{4})-([0-9]{4})学年第([一二])学期$")
CODE = re.compile(r"^[0-9]{10}$")

RAW_COLUMNS = "ref, body"
SUBMISSION_COLUMNS = ", ".join(
    ["school_code", "district_code", "period", "submitted_at", "enrolled", "classes", "lessons"]
    + [s + "_" + f for s, f, _ in FIELDS])

TABLES = """
DROP TABLE IF EXISTS peer_raw, peer_submission;
CREATE TABLE peer_raw (ref text NOT NULL, body text NOT NULL);
CREATE TABLE peer_submission (
    school_code text NOT NULL, district_code text, period text NOT NULL,
    submitted_at timestamptz, enrolled integer[], classes integer[], lessons integer[],
""" + ",\n".join("    %s_%s %s" % (s, f, t) for s, f, t in FIELDS) + ");\n"


def copy_text(s):
    """A value as a COPY text cell."""
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def cell(v):
    if v is None:
        return "\\N"
    if v is True:
        return "t"
    if v is False:
        return "f"
    if isinstance(v, str):
        return copy_text(v)
    return str(v)


def grades(section):
    """A by_grade object as a 12-element array literal, NULL where not given."""
    by_grade = section.get("by_grade", {}) if isinstance(section, dict) else {}
    return "{" + ",".join(str(by_grade.get(str(g), "NULL")) for g in range(1, 13)) + "}"


def canonical_period(p):
    """The period as YYYY-YYYY-T, or None when it is not one of the three forms."""
    if isinstance(p, dict):
        year, term = p.get("academic_year"), p.get("term")
        p = "%s-%s" % (year, term) if isinstance(year, str) and term in (1, 2) else ""
    if not isinstance(p, str):
        return None
    m = PERIOD.match(p)
    if m is None:
        m = PERIOD_ZH.match(p)
        if m is None:
            return None
        p = "%s-%s-%d" % (m.group(1), m.group(2), 1 if m.group(3) == "一" else 2)
    if int(m.group(2)) != int(m.group(1)) + 1:
        return None
    return p


def check(doc):
    """The four checks: the flattened row, or None when the line is skipped."""
    if not isinstance(doc, dict) or doc.get("schema") != "mhe.submission/1":
        return None
    code = doc.get("school_code")
    if not isinstance(code, str) or not CODE.match(code.strip()):
        return None
    period = canonical_period(doc.get("period"))
    if period is None:
        return None
    staff = doc.get("staff", {})
    cert, full, part = staff.get("psych_cert_a"), staff.get("psych_fulltime"), staff.get(
        "psych_parttime")
    if cert is not None and full is not None and part is not None and cert > full + part:
        return None
    row = [code.strip(), doc.get("district_code"), period, doc.get("submitted_at")]
    out = [cell(v) for v in row]
    out.append(grades(doc.get("enrollment")))
    out.append(grades(doc.get("classes")))
    curriculum = doc.get("curriculum", {})
    out.append(grades({"by_grade": curriculum.get("lessons_by_grade", {})}))
    for section, field, _ in FIELDS:
        values = doc.get(section)
        out.append(cell(values.get(field) if isinstance(values, dict) else None))
    return "\t".join(out)


def shards(spool):
    return sorted(os.path.join(spool, n) for n in os.listdir(spool) if n.endswith(".jsonl"))


def flatten(path):
    """The COPY text of one shard's two tables, and how many lines were skipped."""
    raw, subs, skipped = [], [], 0
    with open(path, encoding="utf-8") as f:
        for no, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line:
                continue
            try:
                row = check(json.loads(line))
            except ValueError:
                row = None
            if row is None:
                skipped += 1
                continue
            raw.append("%s:%d\t%s\n" % (copy_text(path), no, copy_text(line)))
            subs.append(row + "\n")
    return "".join(raw), "".join(subs), len(subs), skipped


class Text:
    """A string as the file object copy_expert reads."""

    def __init__(self, s):
        self.data, self.pos = s.encode("utf-8"), 0

    def read(self, n=-1):
        n = len(self.data) - self.pos if n < 0 else n
        chunk = self.data[self.pos:self.pos + n]
        self.pos += len(chunk)
        return chunk

    readline = read


def connect(conninfo):
    import psycopg2  # only the loading commands need it
    conn = psycopg2.connect(conninfo)
    with conn.cursor() as cur:
        cur.execute(TABLES)
    conn.commit()
    return conn


def load(conninfo, spool):
    conn = connect(conninfo)
    started, total, skipped = time.monotonic(), 0, 0
    with conn.cursor() as cur:
        for path in shards(spool):
            raw, subs, n, s = flatten(path)
            cur.copy_expert("COPY peer_raw (%s) FROM STDIN" % RAW_COLUMNS, Text(raw))
            cur.copy_expert("COPY peer_submission (%s) FROM STDIN" % SUBMISSION_COLUMNS,
                            Text(subs))
            conn.commit()
            total, skipped = total + n, skipped + s
    conn.close()
    return total, skipped, time.monotonic() - started


def prepare(spool, out):
    os.makedirs(out, exist_ok=True)
    total, skipped = 0, 0
    with open(os.path.join(out, "raw.copy"), "w", encoding="utf-8") as fr, \
            open(os.path.join(out, "submission.copy"), "w", encoding="utf-8") as fs:
        for path in shards(spool):
            raw, subs, n, s = flatten(path)
            fr.write(raw)
            fs.write(subs)
            total, skipped = total + n, skipped + s
    return total, skipped, 0.0


def copy(conninfo, out):
    conn = connect(conninfo)
    started = time.monotonic()
    with conn.cursor() as cur:
        with open(os.path.join(out, "raw.copy"), "rb") as f:
            cur.copy_expert("COPY peer_raw (%s) FROM STDIN" % RAW_COLUMNS, f, size=1 << 20)
        with open(os.path.join(out, "submission.copy"), "rb") as f:
            cur.copy_expert("COPY peer_submission (%s) FROM STDIN" % SUBMISSION_COLUMNS, f,
                            size=1 << 20)
        conn.commit()
        cur.execute("SELECT count(*) FROM peer_submission")
        total = cur.fetchone()[0]
    conn.close()
    return total, 0, time.monotonic() - started


def main(argv):
    args = argv[1:]
    conninfo = None
    if "--db" in args:
        i = args.index("--db")
        conninfo = args[i + 1]
        del args[i:i + 2]
    if len(args) == 2 and args[0] == "load" and conninfo:
        result = load(conninfo, args[1])
    elif len(args) == 3 and args[0] == "prepare":
        result = prepare(args[1], args[2])
    elif len(args) == 2 and args[0] == "copy" and conninfo:
        result = copy(conninfo, args[1])
    else:
        sys.stderr.write(__doc__)
        return 2
    print("case=peer-%s submissions=%d skipped=%d seconds=%.3f" % ((args[0],) + result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
