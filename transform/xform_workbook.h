/*
 * xform_workbook.h - the bureau's Excel template (SUBMISSION.md section 7): its layout, the
 * Chinese labels of every field, and reading a filled-in workbook back into a submission.
 *
 * One table of labels (xform_labels.c, xf_label_zh) names every field in Chinese, and xf_fields_zh
 * its unit; the template writer (report/report_template.c) and this reader both use it, so a label
 * is changed in one place. Inputs are numbered: the XF_NFIELDS fields of xf_fields first, then
 * the per-grade figures, then submitted_at; each input's key is its JSON path
 * ("staff.psych_cert_a", "enrollment.by_grade.3"), so a validation reason's path names the cell.
 *
 * Reading is by keys, not by positions: the school form carries each row's key in a hidden
 * column A, the roll-up sheet each column's key in a hidden row 2. A hidden sheet 模板信息 names
 * the template version, the layout, the school (or district) and the term.
 *
 *   struct xf_wb_refusal why;
 *   rc = xf_workbook_read(data, len, &opts, on_entry, ctx, &why);
 *   on_entry: xf_wb_validate(entry, &opt, &sub, &res) -> as xf_validate, reasons naming cells
 */
#ifndef XINYU_XFORM_WORKBOOK_H
#define XINYU_XFORM_WORKBOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "transform/xform.h"

#define XF_WB_VERSION "xinyu.template/1" /* what 模板信息!B1 says; see docs/TEMPLATE.md */
#define XF_WB_SHEET_FORM "基本情况"
#define XF_WB_SHEET_ROLLUP "汇总"
#define XF_WB_SHEET_INFO "模板信息"
#define XF_WB_SHEET_PROBLEMS "问题清单"

/* The school form's fixed rows and columns (1-based, as Excel shows them). */
#define XF_WB_KEY_COL 1u   /* A: the row's key, hidden */
#define XF_WB_LABEL_COL 2u /* B */
#define XF_WB_VALUE_COL 3u /* C: the input (enrolment for a grade row) */
#define XF_WB_HINT_COL 6u  /* F */
/* Roll-up: row 1 the labels, row 2 the keys (hidden), schools from row 3. */
#define XF_WB_ROLLUP_KEY_ROW 2u
#define XF_WB_ROLLUP_FIRST_ROW 3u

/* Inputs: fields, then enrolment, classes and lessons of grades 1..12, then submitted_at. */
#define XF_WB_ENROLLED 0 /* offsets of the three grade groups after the fields */
#define XF_WB_CLASSES 1
#define XF_WB_LESSONS 2
#define XF_WB_GRADE_INPUT(group, grade) (XF_NFIELDS + (group)*XF_GRADES + (grade)-1)
#define XF_WB_SUBMITTED_AT (XF_NFIELDS + 3 * XF_GRADES)
#define XF_WB_INPUTS (XF_WB_SUBMITTED_AT + 1)

/* What a field's cell holds, for validation and hints. */
struct xf_field_zh {
    const char *unit; /* 人, 次, 元 ... or "" */
};
/* In the order of xf_fields; XF_NFIELDS entries. */
extern const struct xf_field_zh xf_fields_zh[];
/* The Chinese label of xf_fields[field] (xf_label_zh of its path). Never NULL. */
const char *xf_field_label(int field);

/* 师资队伍 for "staff", ...; the section's own name when unknown. Never NULL. */
const char *xf_section_zh(const char *section);
/* 一年级 .. 九年级, 高一 .. 高三 for 1..12; "" otherwise. */
const char *xf_grade_zh(int grade);
/* The grades a school type enrols (primary 1-6, junior 7-9, ...). Returns 0, or -1 when the
 * type is unknown (then *lo = 1, *hi = 12). */
int xf_school_type_grades(const char *school_type, int *lo, int *hi);

/* An input's JSON path ("enrollment.by_grade.3"), into out (at least 48 bytes). */
void xf_wb_input_key(int input, char *out, size_t cap);
/* The input whose JSON path is key, or -1. */
int xf_wb_input_find(const char *key);
/* The Chinese label of an input ("三年级 在校学生数", "填报时间"), into out. */
void xf_wb_input_label(int input, char *out, size_t cap);
/* The kind of value an input takes (grade figures are counts; submitted_at is XF_REAL with
 * its own rules: callers test input == XF_WB_SUBMITTED_AT first). */
enum xf_kind xf_wb_input_kind(int input);
/* A Chinese hint for the input's cell (what to type), never NULL. */
const char *xf_wb_input_hint(int input);

/* A value of an input cell, as the template is filled in or as a school's workbook held it. */
enum xf_wb_type { XF_WBV_NONE = 0, XF_WBV_NUMBER, XF_WBV_TEXT, XF_WBV_BOOL };
struct xf_wb_value {
    enum xf_wb_type type;
    double number; /* NUMBER (a date as its serial), BOOL 0/1 */
    char *text;    /* TEXT: owned (malloc'ed), freed by xf_wb_values_clear */
    bool is_date;
};
void xf_wb_values_clear(struct xf_wb_value *values, size_t n);

/*
 * The inputs of a submission in JSON (section 1-2) as cell values (values: XF_WB_INPUTS,
 * cleared first): numbers and booleans as they are, texts as text (a wrong value stays
 * wrong, to be found when the workbook is read). Fields the template has no cell for are
 * left out. Returns 0, or -1 when data is not a JSON object (err set) or memory ran out.
 */
int xf_wb_values_from_json(const char *data, size_t len, struct xf_wb_value *values, char *err,
                           size_t errlen);

enum xf_wb_layout { XF_WB_SCHOOL = 0, XF_WB_ROLLUP = 1 };

/* One submission read from a workbook: the whole school form, or one row of a roll-up. */
struct xf_wb_entry {
    enum xf_wb_layout layout;
    const char *sheet; /* XF_WB_SHEET_FORM or XF_WB_SHEET_ROLLUP */
    uint32_t row;      /* the roll-up row (0 for the school form) */
    char school_code[XF_SCHOOL_CODE_LEN + 8];
    char period[XF_PERIOD_LEN + 1]; /* the template's term (canonical) */
    const char *json;               /* the submission as JSON (SUBMISSION.md section 1) */
    size_t json_len;
    /* every input's cell ("C12", "" when the workbook has none) and value as read */
    char cell[XF_WB_INPUTS][16];
    struct xf_wb_value values[XF_WB_INPUTS];
    struct xf_result notes; /* what reading found: text read as numbers, submitted_at from the
                             * file's time, identity cells that differ from the template's */
};

/* Called per submission; valid only during the call. Return 0 to go on, nonzero to stop. */
typedef int (*xf_wb_fn)(const struct xf_wb_entry *entry, void *ctx);

struct xf_xlsx_limits;

struct xf_wb_read_opts {
    int64_t mtime_epoch; /* the file's modification time: submitted_at when 填报时间 is empty */
    const struct xf_xlsx_limits *limits; /* NULL: the reader's defaults */
};

/* Why a workbook is refused as a whole: nothing in it is a submission. */
struct xf_wb_refusal {
    char code[32];     /* "xlsx_legacy_xls", "template_missing", "template_version", ... */
    char message[512]; /* Chinese: what is wrong and what to do; the English detail after it */
    /* the school and term the template names, when they could be read ("" otherwise), so
     * that the refusal still reaches the school */
    char school_code[XF_SCHOOL_CODE_LEN + 1];
    char period[XF_PERIOD_LEN + 1];
};

/*
 * Reads the workbook in data[0..len) and calls fn once per submission in it: once for a
 * school's form, once per school row of a roll-up (rows without a school code are skipped).
 * Returns 0 when it was read, 1 when it is refused as a whole (why filled in; fn was not
 * called, or, for a roll-up damaged after its first rows, was called for those rows only when
 * the damage surfaced after them: callers act on entries only once 0 is returned, see
 * xf_wb_collect for the roll-up case), -1 when memory ran out or fn asked to stop.
 */
int xf_workbook_read(const unsigned char *data, size_t len, const struct xf_wb_read_opts *opts,
                     xf_wb_fn fn, void *ctx, struct xf_wb_refusal *why);

/*
 * Validates an entry as xf_validate validates a JSON document (the same rules, the same sub),
 * adding the reading notes, and names the cell and its Chinese label in front of every reason
 * about an input: "基本情况!C12 专兼职心理教师中持A证人数: 4 exceeds ...". Returns 0 (may be
 * loaded), 1 (rejected) or -1 (out of memory), as xf_validate.
 */
int xf_wb_validate(const struct xf_wb_entry *entry, const struct xf_options *opt,
                   struct xf_submission *sub, struct xf_result *res);

/* "基本情况!C12 专兼职心理教师中持A证人数" for the input at path in entry, into out; returns
 * false (out "") when the path names no cell of the entry. */
bool xf_wb_cell_of(const struct xf_wb_entry *entry, const char *path, char *out, size_t cap);

/* Serial number of an Excel date (1900 system) as seconds since 1970 in Beijing time (+08:00,
 * the zone schools fill in), and back. */
int64_t xf_wb_serial_to_epoch(double serial);
double xf_wb_epoch_to_serial(int64_t epoch);

#endif
