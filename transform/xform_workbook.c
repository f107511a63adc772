/* xform_workbook.c - a filled-in template read back into submissions (SUBMISSION.md section 7). */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/period.h"
#include "common/util.h"
#include "transform/xform_workbook.h"
#include "transform/xform_xlsx.h"

#define BEIJING_OFFSET (8 * 3600)
#define EXCEL_EPOCH_DAYS 25569.0 /* 1970-01-01 as an Excel serial (1900 date system) */
#define ROLLUP_MAX_COLS 256u
#define INFO_MAX 64

/* Identity cells of the school form: keys in column A that are no inputs. */
enum ident { ID_CODE, ID_NAME, ID_DISTRICT, ID_PERIOD, ID_COUNT };
static const char *const ident_key[ID_COUNT] = {"school_code", "school_name", "district_code",
                                                "period"};

int64_t xf_wb_serial_to_epoch(double serial)
{
    double secs = (serial - EXCEL_EPOCH_DAYS) * 86400.0;
    return (int64_t)llround(secs) - BEIJING_OFFSET;
}

double xf_wb_epoch_to_serial(int64_t epoch)
{
    return (double)(epoch + BEIJING_OFFSET) / 86400.0 + EXCEL_EPOCH_DAYS;
}

static void set_refusal(struct xf_wb_refusal *why, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_refusal(struct xf_wb_refusal *why, const char *code, const char *fmt, ...)
{
    util_strlcpy(why->code, code, sizeof why->code);
    char text[2 * sizeof why->message];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    /* names from inside the file (a zip part's, any bytes) made readable, and the message cut
     * on a character's boundary, never inside one */
    buf shown = BUF_INIT;
    const char *m = buf_printable(&shown, text, strlen(text)) == 0 && shown.data ? shown.data : "";
    size_t n = 0, len = strlen(m);
    while (n < len) {
        size_t seq = buf_utf8_sequence((const unsigned char *)m + n, len - n);
        if (seq == 0 || n + seq >= sizeof why->message)
            break;
        n += seq;
    }
    memcpy(why->message, m, n);
    why->message[n] = '\0';
    buf_free(&shown);
}

/* A cell's text with ASCII and ideographic spaces trimmed; *len updated. */
static const char *trimmed(const char *s, size_t *len)
{
    for (;;) {
        if (*len > 0 && (s[0] == ' ' || s[0] == '\t' || s[0] == '\n' || s[0] == '\r')) {
            s++;
            (*len)--;
        } else if (*len >= 3 && memcmp(s, "\xe3\x80\x80", 3) == 0) {
            s += 3;
            *len -= 3;
        } else {
            break;
        }
    }
    for (;;) {
        if (*len > 0 && (s[*len - 1] == ' ' || s[*len - 1] == '\t' || s[*len - 1] == '\n' ||
                         s[*len - 1] == '\r'))
            (*len)--;
        else if (*len >= 3 && memcmp(s + *len - 3, "\xe3\x80\x80", 3) == 0)
            *len -= 3;
        else
            break;
    }
    return s;
}

/* Stores a cell's value; an empty text is no value. Returns 0, or -1 out of memory. */
static int take_value(struct xf_wb_value *v, const struct xf_cell *c)
{
    free(v->text);
    memset(v, 0, sizeof *v);
    switch (c->type) {
    case XF_CELL_NUMBER:
        v->type = XF_WBV_NUMBER;
        v->number = c->number;
        v->is_date = c->is_date;
        return 0;
    case XF_CELL_BOOL:
        v->type = XF_WBV_BOOL;
        v->number = c->number;
        return 0;
    default: {
        size_t len = c->text_len;
        const char *s = trimmed(c->text, &len);
        if (len == 0)
            return 0;
        v->text = strndup(s, len);
        if (v->text == NULL)
            return -1;
        v->type = XF_WBV_TEXT;
        v->is_date = c->is_date;
        return 0;
    }
    }
}

/* A cell as text for the identity cells ("3201020001" also when typed as a number). */
static int cell_text(const struct xf_cell *c, char *out, size_t cap)
{
    if (c->type == XF_CELL_NUMBER) {
        if (c->number >= 0 && c->number < 1e15 && c->number == floor(c->number))
            snprintf(out, cap, "%.0f", c->number);
        else
            snprintf(out, cap, "%s", c->text);
        return 0;
    }
    size_t len = c->text_len;
    const char *s = trimmed(c->text, &len);
    if (len >= cap)
        len = cap - 1;
    memcpy(out, s, len);
    out[len] = '\0';
    return 0;
}

/* ---- the hidden sheet 模板信息 ---- */

struct info {
    char version[INFO_MAX];
    char layout[INFO_MAX];
    char school_code[INFO_MAX];
    char district_code[INFO_MAX];
    char period[INFO_MAX];
    char row_key[INFO_MAX]; /* column A of the row being read */
    uint32_t row;
};

static int info_cell(const struct xf_cell *c, void *ctx)
{
    struct info *in = ctx;
    if (c->row != in->row) {
        in->row = c->row;
        in->row_key[0] = '\0';
    }
    if (c->col == 1) {
        cell_text(c, in->row_key, sizeof in->row_key);
        return 0;
    }
    if (c->col != 2)
        return 0;
    char *dst = strcmp(in->row_key, "template") == 0        ? in->version
                : strcmp(in->row_key, "layout") == 0        ? in->layout
                : strcmp(in->row_key, "school_code") == 0   ? in->school_code
                : strcmp(in->row_key, "district_code") == 0 ? in->district_code
                : strcmp(in->row_key, "period") == 0        ? in->period
                                                            : NULL;
    if (dst != NULL)
        cell_text(c, dst, INFO_MAX);
    return 0;
}

/* ---- building the submission ---- */

struct reader {
    struct xf_xlsx *x;
    struct info info;
    char period[PERIOD_LEN + 1];
    const struct xf_wb_read_opts *opts;
    xf_wb_fn fn;
    void *ctx;
    bool oom;
    bool stopped;
    /* the entry being gathered */
    struct xf_wb_entry e;
    char ident[ID_COUNT][256];
    char ident_cell[ID_COUNT][16];
    /* school form: the row being read and what column A said it is */
    uint32_t row;
    int row_input; /* an input of column C, or -1 */
    int row_grade; /* 1..12 for a grade row, else 0 */
    int row_ident; /* an enum ident, or -1 */
    /* roll-up: the key of each column, read from row 2 */
    int col_input[ROLLUP_MAX_COLS + 1]; /* input, or -1 - ident, or INT_MIN-ish for none */
    bool row_has_cells;
    long emitted;
    buf json;
};

#define COL_NONE (-100)

static void reset_entry(struct reader *r)
{
    xf_wb_values_clear(r->e.values, XF_WB_INPUTS);
    xf_result_clear(&r->e.notes);
    memset(r->e.cell, 0, sizeof r->e.cell);
    memset(r->ident, 0, sizeof r->ident);
    memset(r->ident_cell, 0, sizeof r->ident_cell);
    r->e.school_code[0] = '\0';
    r->row_has_cells = false;
}

static void note(struct reader *r, enum xf_severity sev, const char *code, const char *path,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void note(struct reader *r, enum xf_severity sev, const char *code, const char *path,
                 const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (xf_result_add(&r->e.notes, sev, code, path, "%s", msg) != 0)
        r->oom = true;
}

/* Parses a whole text as a plain decimal number ("12", "3.5", "-1"); false otherwise. */
static bool text_number(const char *s, double *out)
{
    if (s[0] == '\0' || strlen(s) > 40)
        return false;
    for (const char *p = s; *p != '\0'; p++)
        if (!((*p >= '0' && *p <= '9') || *p == '.' || *p == '-' || *p == '+' || *p == 'e' ||
              *p == 'E'))
            return false;
    char *end;
    errno = 0;
    double d = strtod(s, &end);
    if (*end != '\0' || errno != 0 || !isfinite(d))
        return false;
    *out = d;
    return true;
}

/* A number as JSON: an integer when it is one (counts must be), else a real. */
static json_t *number_json(double d)
{
    if (d == floor(d) && fabs(d) < 9.0e15)
        return json_integer((json_int_t)d);
    return json_real(d);
}

/* The JSON value of input i as the school filled it in; NULL with r->oom when memory ran out.
 * Text that is a number is read as the number with a note; other text stays text, so that
 * the validator rejects it with its path as for JSON. */
static json_t *input_json(struct reader *r, int i)
{
    const struct xf_wb_value *v = &r->e.values[i];
    enum xf_kind kind = xf_wb_input_kind(i);
    char key[64];
    xf_wb_input_key(i, key, sizeof key);
    json_t *j = NULL;
    if (v->type == XF_WBV_BOOL) {
        j = json_boolean(v->number != 0);
    } else if (v->type == XF_WBV_NUMBER) {
        j = number_json(v->number);
    } else if (kind == XF_BOOL && (strcmp(v->text, "是") == 0 || strcmp(v->text, "否") == 0)) {
        j = json_boolean(strcmp(v->text, "是") == 0);
    } else if (kind == XF_BOOL && (strcmp(v->text, "TRUE") == 0 || strcmp(v->text, "FALSE") == 0)) {
        j = json_boolean(v->text[0] == 'T');
    } else {
        double d;
        if (text_number(v->text, &d)) {
            j = number_json(d);
            note(r, XF_WARNING, "text_number", key,
                 "数字“%s”以文本形式填写（单元格为文本格式），已按数字读取", v->text);
        } else {
            j = json_string(v->text);
        }
    }
    if (j == NULL)
        r->oom = true;
    return j;
}

/* "2025-01-15 10:30[:00]", "2025/1/15 10:30", "2025-01-15" in Beijing time; false otherwise. */
static bool local_time_text(const char *s, int64_t *epoch)
{
    int y, mo, d, h = 0, mi = 0, sec = 0, n = 0;
    char sep1, sep2;
    if (sscanf(s, "%4d%c%2d%c%2d%n", &y, &sep1, &mo, &sep2, &d, &n) != 5 || sep1 != sep2 ||
        (sep1 != '-' && sep1 != '/' && sep1 != '.'))
        return false;
    const char *p = s + n;
    if (*p == ' ' || *p == 'T') {
        int m = 0;
        if (sscanf(p + 1, "%2d:%2d%n", &h, &mi, &m) != 2)
            return false;
        p += 1 + m;
        if (*p == ':') {
            if (sscanf(p + 1, "%2d%n", &sec, &m) != 1)
                return false;
            p += 1 + m;
        }
    }
    if (*p != '\0' || !util_valid_date(y, mo, d) || h > 23 || mi > 59 || sec > 59 || h < 0 ||
        mi < 0 || sec < 0)
        return false;
    *epoch = util_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec -
             BEIJING_OFFSET;
    return true;
}

/* RFC 3339 in Beijing time for epoch. */
static void beijing_rfc3339(int64_t epoch, char *out, size_t cap)
{
    time_t t = (time_t)(epoch + BEIJING_OFFSET);
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL || strftime(out, cap, "%Y-%m-%dT%H:%M:%S+08:00", &tm) == 0)
        snprintf(out, cap, "1970-01-01T08:00:00+08:00");
}

static json_t *submitted_at_json(struct reader *r)
{
    const struct xf_wb_value *v = &r->e.values[XF_WB_SUBMITTED_AT];
    char text[64];
    int64_t epoch;
    if (v->type == XF_WBV_NUMBER && v->number > 0 && v->number < 2958466) {
        beijing_rfc3339(xf_wb_serial_to_epoch(v->number), text, sizeof text);
        return json_string(text);
    }
    if (v->type == XF_WBV_TEXT) {
        if (util_parse_rfc3339(v->text, &epoch) == 0)
            return json_string(v->text);
        if (local_time_text(v->text, &epoch)) {
            beijing_rfc3339(epoch, text, sizeof text);
            return json_string(text);
        }
        return json_string(v->text); /* the validator names what is wrong with it */
    }
    if (v->type != XF_WBV_NONE)
        return number_json(v->number);
    beijing_rfc3339(r->opts->mtime_epoch, text, sizeof text);
    note(r, XF_WARNING, "submitted_at_mtime", "submitted_at",
         "填报时间未填写，已按文件的修改时间 %s 计；请在“填报时间”单元格填写完成填报的时间", text);
    return json_string(text);
}

/* Sets obj[key] = v, consuming v; marks oom on failure. */
static void put(struct reader *r, json_t *obj, const char *key, json_t *v)
{
    if (v == NULL || obj == NULL || json_object_set_new(obj, key, v) != 0)
        r->oom = true;
}

/* The gathered entry as the submission's JSON, into r->json. */
static void build_json(struct reader *r)
{
    json_t *root = json_object();
    if (root == NULL) {
        r->oom = true;
        return;
    }
    put(r, root, "schema", json_string(XF_SCHEMA));
    put(r, root, "school_code", json_string(r->e.school_code));
    if (r->ident[ID_NAME][0] != '\0')
        put(r, root, "school_name", json_string(r->ident[ID_NAME]));
    const char *district =
        r->ident[ID_DISTRICT][0] != '\0' ? r->ident[ID_DISTRICT] : r->info.district_code;
    if (district[0] != '\0')
        put(r, root, "district_code", json_string(district));
    put(r, root, "period", json_string(r->period));
    put(r, root, "submitted_at", submitted_at_json(r));

    static const char *const group_section[3] = {"enrollment", "classes", "curriculum"};
    json_t *maps[3] = {NULL, NULL, NULL};
    for (int g = 0; g < 3; g++) {
        for (int grade = 1; grade <= XF_GRADES; grade++) {
            int i = XF_WB_GRADE_INPUT(g, grade);
            if (r->e.values[i].type == XF_WBV_NONE)
                continue;
            if (maps[g] == NULL)
                maps[g] = json_object();
            char k[12];
            snprintf(k, sizeof k, "%d", grade);
            put(r, maps[g], k, input_json(r, i));
        }
    }
    /* enrolment and classes are required: an empty map is sent so that "no students" reads
     * as a warning, not as a missing section */
    for (int g = 0; g < 2; g++) {
        json_t *sec = json_object();
        put(r, sec, "by_grade", maps[g] != NULL ? maps[g] : json_object());
        put(r, root, group_section[g], sec);
    }
    json_t *section = NULL;
    for (int i = 0; i < XF_NFIELDS; i++) {
        if (i == 0 || strcmp(xf_fields[i].section, xf_fields[i - 1].section) != 0)
            section = NULL;
        bool lessons_here = strcmp(xf_fields[i].section, "curriculum") == 0 && maps[2] != NULL;
        if (r->e.values[i].type == XF_WBV_NONE && !lessons_here)
            continue;
        if (section == NULL) {
            section = json_object();
            put(r, root, xf_fields[i].section, section);
            if (lessons_here) {
                put(r, section, "lessons_by_grade", maps[2]);
                maps[2] = NULL;
            }
        }
        if (r->e.values[i].type != XF_WBV_NONE)
            put(r, section, xf_fields[i].name, input_json(r, i));
    }
    json_decref(maps[2]); /* only when no curriculum section took it: cannot happen */
    buf_reset(&r->json);
    char *text = r->oom ? NULL : json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(root);
    if (text == NULL || buf_puts(&r->json, text) != 0)
        r->oom = true;
    free(text);
}

/* Hands the gathered entry to the caller. */
static void emit(struct reader *r)
{
    if (r->oom || r->stopped)
        return;
    build_json(r);
    if (r->oom)
        return;
    util_strlcpy(r->e.period, r->period, sizeof r->e.period);
    r->e.json = r->json.data;
    r->e.json_len = r->json.len;
    r->emitted++;
    if (r->fn(&r->e, r->ctx) != 0)
        r->stopped = true;
}

/* ---- the school form ---- */

static int form_cell(const struct xf_cell *c, void *ctx)
{
    struct reader *r = ctx;
    if (c->row != r->row) {
        r->row = c->row;
        r->row_input = -1;
        r->row_grade = 0;
        r->row_ident = -1;
    }
    if (c->col == XF_WB_KEY_COL) {
        char key[64];
        cell_text(c, key, sizeof key);
        /* an input's cell is known from its row's key, filled in or not, so that a reason
         * about an empty cell ("no classes") names it too */
        if (strncmp(key, "grade.", 6) == 0) {
            int g = 0;
            if (util_parse_int(key + 6, 1, XF_GRADES, &g) == 0) {
                r->row_grade = g;
                for (int grp = 0; grp < 3; grp++)
                    xf_xlsx_cell_ref(XF_WB_VALUE_COL + (uint32_t)grp, c->row,
                                     r->e.cell[XF_WB_GRADE_INPUT(grp, g)]);
            }
            return 0;
        }
        for (int k = 0; k < ID_COUNT; k++)
            if (strcmp(key, ident_key[k]) == 0)
                r->row_ident = k;
        r->row_input = xf_wb_input_find(key);
        if (r->row_input >= 0)
            xf_xlsx_cell_ref(XF_WB_VALUE_COL, c->row, r->e.cell[r->row_input]);
        return 0;
    }
    int input = -1;
    if (r->row_grade > 0 && c->col >= XF_WB_VALUE_COL && c->col <= XF_WB_VALUE_COL + 2)
        input = XF_WB_GRADE_INPUT((int)(c->col - XF_WB_VALUE_COL), r->row_grade);
    else if (c->col == XF_WB_VALUE_COL && r->row_input >= 0)
        input = r->row_input;
    if (c->col == XF_WB_VALUE_COL && r->row_ident >= 0) {
        cell_text(c, r->ident[r->row_ident], sizeof r->ident[0]);
        snprintf(r->ident_cell[r->row_ident], sizeof r->ident_cell[0], "%s", c->ref);
        return 0;
    }
    if (input < 0)
        return 0;
    if (take_value(&r->e.values[input], c) != 0) {
        r->oom = true;
        return 1;
    }
    snprintf(r->e.cell[input], sizeof r->e.cell[0], "%s", c->ref);
    return 0;
}

/* ---- the roll-up ---- */

static void rollup_finish_row(struct reader *r)
{
    if (r->row_has_cells) {
        util_strlcpy(r->e.school_code, r->ident[ID_CODE], sizeof r->e.school_code);
        r->e.row = r->row;
        emit(r);
    }
    reset_entry(r);
}

static int rollup_cell(const struct xf_cell *c, void *ctx)
{
    struct reader *r = ctx;
    if (c->row == XF_WB_ROLLUP_KEY_ROW && c->col <= ROLLUP_MAX_COLS) {
        char key[64];
        cell_text(c, key, sizeof key);
        int id = -1;
        for (int k = 0; k < ID_COUNT; k++)
            if (strcmp(key, ident_key[k]) == 0)
                id = k;
        r->col_input[c->col] = id >= 0 ? -1 - id : xf_wb_input_find(key);
        if (id < 0 && r->col_input[c->col] < 0)
            r->col_input[c->col] = COL_NONE;
        return 0;
    }
    if (c->row < XF_WB_ROLLUP_FIRST_ROW || c->col > ROLLUP_MAX_COLS)
        return 0;
    if (c->row != r->row) {
        rollup_finish_row(r);
        r->row = c->row;
        for (uint32_t col = 1; col <= ROLLUP_MAX_COLS; col++)
            if (r->col_input[col] >= 0)
                xf_xlsx_cell_ref(col, c->row, r->e.cell[r->col_input[col]]);
    }
    if (r->oom || r->stopped)
        return 1;
    int k = r->col_input[c->col];
    if (k == COL_NONE)
        return 0;
    if (k < 0) {
        cell_text(c, r->ident[-1 - k], sizeof r->ident[0]);
        snprintf(r->ident_cell[-1 - k], sizeof r->ident_cell[0], "%s", c->ref);
        return 0; /* a school's row without any figure is a school that did not report */
    }
    if (take_value(&r->e.values[k], c) != 0) {
        r->oom = true;
        return 1;
    }
    if (r->e.values[k].type != XF_WBV_NONE)
        r->row_has_cells = true;
    snprintf(r->e.cell[k], sizeof r->e.cell[0], "%s", c->ref);
    return 0;
}

static int count_cell(const struct xf_cell *c, void *ctx)
{
    (void)c;
    (void)ctx;
    return 0;
}

static void free_reader(struct reader *r)
{
    xf_xlsx_close(r->x);
    reset_entry(r);
    buf_free(&r->json);
}

/* Refuses with the reason of an xlsx status; returns 1. */
static int refuse_xlsx(struct xf_wb_refusal *why, int st, const char *detail)
{
    char code[32];
    snprintf(code, sizeof code, "xlsx_%s", xf_xlsx_status_name(st));
    set_refusal(why, code, "%s（%s）", xf_xlsx_reason_zh(st), detail);
    return 1;
}

int xf_workbook_read(const unsigned char *data, size_t len, const struct xf_wb_read_opts *opts,
                     xf_wb_fn fn, void *ctx, struct xf_wb_refusal *why)
{
    memset(why, 0, sizeof *why);
    struct reader *r = calloc(1, sizeof *r);
    if (r == NULL)
        return -1;
    struct xf_wb_read_opts none = {0};
    r->opts = opts != NULL ? opts : &none;
    r->fn = fn;
    r->ctx = ctx;
    r->row_input = -1;
    r->row_ident = -1;
    char err[256] = "";
    int rc = 1;
    int st = xf_xlsx_open(data, len, r->opts->limits, &r->x, err, sizeof err);
    if (st == XF_XLSX_NOMEM) {
        rc = -1;
        goto out;
    }
    if (st != XF_XLSX_OK) {
        refuse_xlsx(why, st, err);
        goto out;
    }
    long info = xf_xlsx_sheet_find(r->x, XF_WB_SHEET_INFO);
    if (info < 0) {
        set_refusal(why, "template_missing",
                    "这份工作簿不是用局下发的模板填写的（没有“%s”工作表）：请用本校本学期的模板"
                    "填写后提交，不要另建工作簿或复制表格内容到新文件（workbook has no %s sheet)",
                    XF_WB_SHEET_INFO, "template");
        goto out;
    }
    st = xf_xlsx_read_sheet(r->x, (size_t)info, info_cell, &r->info, err, sizeof err);
    if (st != XF_XLSX_OK) {
        if (st == XF_XLSX_NOMEM)
            rc = -1;
        else
            refuse_xlsx(why, st, err);
        goto out;
    }
    if (strcmp(r->info.version, XF_WB_VERSION) != 0) {
        set_refusal(why, "template_version",
                    "模板版本“%.40s”无法识别：请使用局下发的本学期模板重新填写（unknown template "
                    "version; this program reads %s)",
                    r->info.version, XF_WB_VERSION);
        goto out;
    }
    char perr[128];
    if (period_parse(r->info.period, r->period, perr, sizeof perr) != 0) {
        set_refusal(why, "template_version",
                    "模板信息中的学期“%.40s”无法识别：请使用局下发的本学期模板重新填写（%s）",
                    r->info.period, perr);
        goto out;
    }
    if (strcmp(r->info.layout, "school") == 0 &&
        strlen(r->info.school_code) == XF_SCHOOL_CODE_LEN) {
        util_strlcpy(why->school_code, r->info.school_code, sizeof why->school_code);
        util_strlcpy(why->period, r->period, sizeof why->period);
    }
    bool rollup = strcmp(r->info.layout, "rollup") == 0;
    if (!rollup && strcmp(r->info.layout, "school") != 0) {
        set_refusal(why, "template_version",
                    "模板信息中的版式“%.40s”无法识别：请使用局下发的模板重新填写", r->info.layout);
        goto out;
    }
    const char *sheet_name = rollup ? XF_WB_SHEET_ROLLUP : XF_WB_SHEET_FORM;
    long sheet = xf_xlsx_sheet_find(r->x, sheet_name);
    if (sheet < 0) {
        set_refusal(why, "template_missing",
                    "工作簿中没有“%s”工作表（可能被删除或改名）：请用局下发的模板重新填写",
                    sheet_name);
        goto out;
    }
    r->e.layout = rollup ? XF_WB_ROLLUP : XF_WB_SCHOOL;
    r->e.sheet = rollup ? XF_WB_SHEET_ROLLUP : XF_WB_SHEET_FORM;
    if (rollup) {
        /* rows are handed on as they are read: a damaged part must be found before the first
         * (the zip's CRC is checked at the end of a part), so the sheet is read once unheard */
        st = xf_xlsx_read_sheet(r->x, (size_t)sheet, count_cell, NULL, err, sizeof err);
        if (st == XF_XLSX_OK) {
            for (size_t k = 0; k <= ROLLUP_MAX_COLS; k++)
                r->col_input[k] = COL_NONE;
            st = xf_xlsx_read_sheet(r->x, (size_t)sheet, rollup_cell, r, err, sizeof err);
            if (st == XF_XLSX_OK)
                rollup_finish_row(r);
            if (st == XF_XLSX_OK && !r->oom && !r->stopped && r->emitted == 0) {
                set_refusal(why, "rollup_empty",
                            "汇总表中没有任何学校的数据：请在“%s”工作表中逐校填写后提交",
                            XF_WB_SHEET_ROLLUP);
                goto out;
            }
        }
    } else {
        st = xf_xlsx_read_sheet(r->x, (size_t)sheet, form_cell, r, err, sizeof err);
    }
    if (r->oom || st == XF_XLSX_NOMEM) {
        rc = -1;
        goto out;
    }
    if (r->stopped) {
        rc = -1;
        goto out;
    }
    if (st != XF_XLSX_OK) {
        refuse_xlsx(why, st, err);
        goto out;
    }
    if (!rollup) {
        /* the identity cells are locked: a code or term that differs is another school's or
         * another term's workbook, or one whose protection was removed and edited */
        char form_period[PERIOD_LEN + 1] = "";
        if (r->ident[ID_PERIOD][0] != '\0' &&
            period_parse(r->ident[ID_PERIOD], form_period, perr, sizeof perr) != 0)
            form_period[0] = '?';
        if (strcmp(r->ident[ID_CODE], r->info.school_code) != 0) {
            set_refusal(why, "template_identity",
                        "%s!%s 学校标识码“%.20s”与模板所属学校（%.20s）不一致：请使用本校的模板"
                        "填写，不要修改或借用其他学校的工作簿",
                        XF_WB_SHEET_FORM, r->ident_cell[ID_CODE][0] ? r->ident_cell[ID_CODE] : "C4",
                        r->ident[ID_CODE], r->info.school_code);
            goto out;
        }
        if (strcmp(form_period, r->period) != 0) {
            set_refusal(why, "template_identity",
                        "%s!%s 学期“%.40s”与模板所属学期（%s）不一致：请使用本学期的模板填写",
                        XF_WB_SHEET_FORM,
                        r->ident_cell[ID_PERIOD][0] ? r->ident_cell[ID_PERIOD] : "C8",
                        r->ident[ID_PERIOD], r->period);
            goto out;
        }
        util_strlcpy(r->e.school_code, r->info.school_code, sizeof r->e.school_code);
        emit(r);
        if (r->oom || r->stopped) {
            rc = -1;
            goto out;
        }
    }
    rc = 0;
out:
    free_reader(r);
    free(r);
    return rc;
}

/* ---- a JSON submission as cell values ---- */

/* The value at a dotted path of root ("curriculum.lessons_by_grade.3"), or NULL. */
static json_t *at_path(json_t *root, const char *path)
{
    char part[64];
    json_t *v = root;
    const char *p = path;
    while (v != NULL && *p != '\0') {
        const char *dot = strchr(p, '.');
        size_t n = dot != NULL ? (size_t)(dot - p) : strlen(p);
        /* "by_grade" and "lessons_by_grade" are followed by a grade: one step each */
        if (n >= sizeof part)
            return NULL;
        memcpy(part, p, n);
        part[n] = '\0';
        v = json_is_object(v) ? json_object_get(v, part) : NULL;
        p = dot != NULL ? dot + 1 : p + n;
    }
    return v;
}

int xf_wb_values_from_json(const char *data, size_t len, struct xf_wb_value *values, char *err,
                           size_t errlen)
{
    xf_wb_values_clear(values, XF_WB_INPUTS);
    json_error_t jerr;
    json_t *root = json_loadb(data, len, 0, &jerr);
    if (root == NULL || !json_is_object(root)) {
        snprintf(err, errlen, "not a JSON object: %s", root == NULL ? jerr.text : "other type");
        json_decref(root);
        return -1;
    }
    int rc = 0;
    for (int i = 0; i < XF_WB_INPUTS && rc == 0; i++) {
        char key[64];
        xf_wb_input_key(i, key, sizeof key);
        json_t *v = at_path(root, key);
        struct xf_wb_value *out = &values[i];
        if (json_is_boolean(v)) {
            out->type = XF_WBV_BOOL;
            out->number = json_is_true(v) ? 1 : 0;
        } else if (json_is_number(v)) {
            out->type = XF_WBV_NUMBER;
            out->number = json_number_value(v);
        } else if (json_is_string(v)) {
            out->type = XF_WBV_TEXT;
            out->text = strdup(json_string_value(v));
            if (out->text == NULL) {
                snprintf(err, errlen, "out of memory");
                rc = -1;
            }
        }
    }
    json_decref(root);
    return rc;
}

/* ---- validation with cells ---- */

bool xf_wb_cell_of(const struct xf_wb_entry *entry, const char *path, char *out, size_t cap)
{
    int i = xf_wb_input_find(path);
    if (i < 0 || entry->cell[i][0] == '\0') {
        if (cap > 0)
            out[0] = '\0';
        return false;
    }
    char label[160];
    xf_wb_input_label(i, label, sizeof label);
    snprintf(out, cap, "%s!%s %s", entry->sheet, entry->cell[i], label);
    return true;
}

/* Cuts an incomplete UTF-8 sequence at the end of s. */
static void trim_utf8(char *s)
{
    size_t n = strlen(s), back = 0;
    while (back < n && back < 3 && ((unsigned char)s[n - 1 - back] & 0xc0) == 0x80)
        back++;
    if (back == n)
        return;
    unsigned char lead = (unsigned char)s[n - 1 - back];
    size_t need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
    if (back + 1 < need)
        s[n - 1 - back] = '\0';
}

int xf_wb_validate(const struct xf_wb_entry *entry, const struct xf_options *opt,
                   struct xf_submission *sub, struct xf_result *res)
{
    int verdict = xf_validate(entry->json, entry->json_len, opt, sub, res);
    if (verdict < 0)
        return -1;
    for (int i = 0; i < entry->notes.nissues; i++) {
        const struct xf_issue *n = &entry->notes.issues[i];
        if (xf_result_add(res, n->severity, n->code, n->path, "%s", n->message) != 0)
            return -1;
    }
    for (int i = 0; i < res->nissues; i++) {
        struct xf_issue *is = &res->issues[i];
        char where[256];
        if (!xf_wb_cell_of(entry, is->path, where, sizeof where))
            continue;
        char msg[sizeof is->message];
        snprintf(msg, sizeof msg, "%s", is->message);
        if (snprintf(is->message, sizeof is->message, "%s: %s", where, msg) >=
            (int)sizeof is->message)
            trim_utf8(is->message);
        /* the Chinese text names the field itself: the cell goes in front of it */
        if (is->message_zh[0] != '\0') {
            char zh[sizeof is->message_zh];
            snprintf(zh, sizeof zh, "%s", is->message_zh);
            const char *space = strchr(where, ' ');
            int cell = space != NULL ? (int)(space - where) : (int)strlen(where);
            if (snprintf(is->message_zh, sizeof is->message_zh, "%.*s %s", cell, where, zh) >=
                (int)sizeof is->message_zh)
                trim_utf8(is->message_zh);
        }
    }
    return res->nrejects > 0 ? 1 : 0;
}
