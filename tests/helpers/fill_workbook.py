#!/usr/bin/python3
"""fill_workbook.py - fills Xinyu templates the way a school would, with openpyxl.

  fill_workbook.py school TEMPLATE.xlsx SUBMISSION.json OUT.xlsx [--text-numbers]
  fill_workbook.py schools TEMPLATE_DIR OUT_DIR SUBMISSION.json...  (CODE-PERIOD.xlsx each)
  fill_workbook.py rollup TEMPLATE.xlsx OUT.xlsx SUBMISSION.json...
  fill_workbook.py set WORKBOOK.xlsx OUT.xlsx SHEET!CELL=VALUE...   (VALUE: a number, or text)

Cells are found by the template's own keys (column A of the form, row 2 of the roll-up), so
the test does not depend on where a row sits. submitted_at is written as the text of the
JSON (RFC 3339), which the reader takes as it is. --text-numbers writes the counts of the
staff section as text, the way a cell formatted as text holds them.
"""
import json
import sys

import openpyxl


def flatten(sub):
    """JSON path -> value of every input of a submission."""
    out = {}
    for g, v in sub.get("enrollment", {}).get("by_grade", {}).items():
        out["enrollment.by_grade." + g] = v
    for g, v in sub.get("classes", {}).get("by_grade", {}).items():
        out["classes.by_grade." + g] = v
    for section, fields in sub.items():
        if not isinstance(fields, dict) or section in ("enrollment", "classes", "period"):
            continue
        for name, v in fields.items():
            if name == "lessons_by_grade":
                for g, n in v.items():
                    out["curriculum.lessons_by_grade." + g] = n
            else:
                out[section + "." + name] = v
    if "submitted_at" in sub:
        out["submitted_at"] = sub["submitted_at"]
    return out


def cell_value(v):
    if isinstance(v, bool):
        return "是" if v else "否"
    return v


def fill_school(template, subfile, out, text_numbers):
    sub = json.load(open(subfile, encoding="utf-8"))
    values = flatten(sub)
    wb = openpyxl.load_workbook(template)
    ws = wb["基本情况"]
    seen = set()
    for row in ws.iter_rows(min_col=1, max_col=1):
        key = row[0].value
        if not isinstance(key, str):
            continue
        r = row[0].row
        if key.startswith("grade."):
            g = key[6:]
            for col, group in ((3, "enrollment.by_grade."), (4, "classes.by_grade."),
                               (5, "curriculum.lessons_by_grade.")):
                if group + g in values:
                    ws.cell(row=r, column=col).value = values[group + g]
                    seen.add(group + g)
        elif key in values:
            v = cell_value(values[key])
            if text_numbers and key.startswith("staff.") and isinstance(v, int):
                ws.cell(row=r, column=3).number_format = "@"
                v = str(v)
            ws.cell(row=r, column=3).value = v
            seen.add(key)
    missing = set(values) - seen
    if missing:
        sys.exit("the template has no cell for %s" % sorted(missing))
    wb.save(out)


def fill_rollup(template, out, subfiles):
    wb = openpyxl.load_workbook(template)
    ws = wb["汇总"]
    keys = {c.value: c.column for c in ws[2] if c.value}
    rows = {ws.cell(row=r, column=1).value: r for r in range(3, ws.max_row + 1)}
    for f in subfiles:
        sub = json.load(open(f, encoding="utf-8"))
        r = rows[sub["school_code"]]
        for k, v in flatten(sub).items():
            if k not in keys:
                sys.exit("the roll-up has no column for %s" % k)
            ws.cell(row=r, column=keys[k]).value = cell_value(v)
    wb.save(out)


def set_cells(src, out, assignments):
    wb = openpyxl.load_workbook(src)
    for a in assignments:
        where, value = a.split("=", 1)
        sheet, ref = where.split("!")
        try:
            v = int(value)
        except ValueError:
            try:
                v = float(value)
            except ValueError:
                v = value
        wb[sheet][ref].value = v
    wb.save(out)


if __name__ == "__main__":
    if sys.argv[1] == "school":
        fill_school(sys.argv[2], sys.argv[3], sys.argv[4], "--text-numbers" in sys.argv)
    elif sys.argv[1] == "schools":
        import os
        for f in sys.argv[4:]:
            sub = json.load(open(f, encoding="utf-8"))
            p = sub["period"]
            if isinstance(p, dict):
                p = "%s-%s" % (p["academic_year"], p["term"])
            elif p.endswith("学年第一学期") or p.endswith("学年第二学期"):
                p = p[:9] + ("-1" if p.endswith("第一学期") else "-2")
            name = "%s-%s.xlsx" % (sub["school_code"], p)
            fill_school(os.path.join(sys.argv[2], name), f,
                        os.path.join(sys.argv[3], os.path.basename(f)[:-5] + ".xlsx"), False)
    elif sys.argv[1] == "rollup":
        fill_rollup(sys.argv[2], sys.argv[3], sys.argv[4:])
    elif sys.argv[1] == "set":
        set_cells(sys.argv[2], sys.argv[3], sys.argv[4:])
    else:
        sys.exit(__doc__)
