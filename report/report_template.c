/* report_template.c - the bureau's Excel template: a school's form, a district's roll-up, and
 * a school's workbook sent back with its problems marked (libxlsxwriter). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "common/log.h"
#include "common/period.h"
#include "report/report_template.h"
#include "transform/xform_xlsx.h"

#define FILL_INPUT 0xFFF6D5   /* the cells a school types into */
#define FILL_LOCKED 0xEDEDED  /* identity cells: filled by the bureau, locked */
#define FILL_PROBLEM 0xFFC7CE /* a cell with a reason in a workbook sent back */
#define FILL_WARNING 0xFFEB9C
#define FILL_HEADER 0xDDE6F0

/* The formats of one workbook. */
struct fmts {
    lxw_format *title, *note, *label, *section, *header, *locked, *key;
    lxw_format *input[6];   /* by enum xf_kind */
    lxw_format *date;       /* submitted_at */
    lxw_format *problem[2]; /* reject, warning: fills over a general number format */
    lxw_format *wrap;
};

/* A workbook being written into a private directory beside its path. */
struct out {
    lxw_workbook *wb;
    char path[4096];
    char dir[4200];
    char tmp[4300];
    struct fmts f;
    char where[XF_WB_INPUTS][16]; /* each input's cell on the school form, as written */
};

static void out_discard(struct out *o)
{
    if (o->wb != NULL)
        lxw_workbook_free(o->wb);
    o->wb = NULL;
    if (o->tmp[0] != '\0')
        (void)unlink(o->tmp);
    if (o->dir[0] != '\0')
        (void)rmdir(o->dir);
}

static lxw_format *input_format(lxw_workbook *wb, const char *num_format)
{
    lxw_format *f = workbook_add_format(wb);
    if (f == NULL)
        return NULL;
    format_set_unlocked(f);
    format_set_bg_color(f, FILL_INPUT);
    format_set_border(f, LXW_BORDER_THIN);
    if (num_format != NULL)
        format_set_num_format(f, num_format);
    return f;
}

static void make_formats(struct out *o)
{
    lxw_workbook *wb = o->wb;
    struct fmts *f = &o->f;
    f->title = workbook_add_format(wb);
    format_set_bold(f->title);
    format_set_font_size(f->title, 14);
    f->note = workbook_add_format(wb);
    format_set_text_wrap(f->note);
    format_set_font_color(f->note, 0x595959);
    f->label = workbook_add_format(wb);
    format_set_text_wrap(f->label);
    format_set_align(f->label, LXW_ALIGN_VERTICAL_CENTER);
    f->wrap = workbook_add_format(wb);
    format_set_text_wrap(f->wrap);
    format_set_font_color(f->wrap, 0x595959);
    f->section = workbook_add_format(wb);
    format_set_bold(f->section);
    f->header = workbook_add_format(wb);
    format_set_bold(f->header);
    format_set_text_wrap(f->header);
    format_set_bg_color(f->header, FILL_HEADER);
    format_set_border(f->header, LXW_BORDER_THIN);
    format_set_align(f->header, LXW_ALIGN_CENTER);
    f->locked = workbook_add_format(wb);
    format_set_bg_color(f->locked, FILL_LOCKED);
    format_set_border(f->locked, LXW_BORDER_THIN);
    format_set_num_format(f->locked, "@");
    f->key = workbook_add_format(wb);
    format_set_font_color(f->key, 0x808080);
    f->input[XF_COUNT] = input_format(wb, "0");
    f->input[XF_MONEY] = input_format(wb, "0.00");
    f->input[XF_HOURS] = input_format(wb, "General");
    f->input[XF_RATE] = input_format(wb, "General");
    f->input[XF_REAL] = input_format(wb, "General");
    f->input[XF_BOOL] = input_format(wb, NULL);
    f->date = input_format(wb, "yyyy-mm-dd hh:mm");
    for (int k = 0; k < 2; k++) {
        f->problem[k] = workbook_add_format(wb);
        format_set_unlocked(f->problem[k]);
        format_set_bg_color(f->problem[k], k == 0 ? FILL_PROBLEM : FILL_WARNING);
        format_set_border(f->problem[k], LXW_BORDER_MEDIUM);
        format_set_border_color(f->problem[k], k == 0 ? 0xC00000 : 0xBF8F00);
    }
}

/* Opens a workbook for path; constant_memory for sheets written row by row. 0, or -1 logged. */
static int out_open(struct out *o, const char *path, bool constant_memory, time_t created,
                    const char *title)
{
    memset(o, 0, sizeof *o);
    if (snprintf(o->path, sizeof o->path, "%s", path) >= (int)sizeof o->path) {
        log_error("cannot write %s: path too long", path);
        return -1;
    }
    /* libxlsxwriter opens its file by name only when closing: in a directory of our own
     * nobody can plant a link under that name meanwhile (as report_xlsx.c does) */
    snprintf(o->dir, sizeof o->dir, "%s.tmp.XXXXXX", path);
    if (mkdtemp(o->dir) == NULL) {
        log_error("cannot write %s: cannot create a temporary directory beside it: %s", path,
                  strerror(errno));
        o->dir[0] = '\0';
        return -1;
    }
    snprintf(o->tmp, sizeof o->tmp, "%s/workbook.xlsx", o->dir);
    lxw_workbook_options options = {constant_memory ? 1 : 0, NULL, 0};
    o->wb = workbook_new_opt(o->tmp, &options);
    if (o->wb == NULL) {
        log_error("cannot write %s: out of memory", path);
        out_discard(o);
        return -1;
    }
    lxw_doc_properties props;
    memset(&props, 0, sizeof props);
    props.title = (char *)title;
    props.author = (char *)"Xinyu";
    props.created = created;
    (void)workbook_set_properties(o->wb, &props);
    make_formats(o);
    return 0;
}

/* Closes the workbook and moves it into place. 0, or -1 logged (no file left). */
static int out_close(struct out *o)
{
    lxw_error err = workbook_close(o->wb);
    o->wb = NULL;
    if (err != LXW_NO_ERROR) {
        log_error("cannot write %s: %s", o->path, lxw_strerror(err));
        out_discard(o);
        return -1;
    }
    if (rename(o->tmp, o->path) != 0) {
        log_error("cannot write %s: %s", o->path, strerror(errno));
        out_discard(o);
        return -1;
    }
    o->tmp[0] = '\0';
    out_discard(o);
    return 0;
}

/* The hidden sheet the reader starts from. */
static lxw_error info_sheet(struct out *o, const char *layout, const char *code_key,
                            const char *code, const char *period)
{
    lxw_worksheet *ws = workbook_add_worksheet(o->wb, XF_WB_SHEET_INFO);
    if (ws == NULL)
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    static const char *const keys[] = {"template", "layout", NULL, "period"};
    const char *values[] = {XF_WB_VERSION, layout, code, period};
    lxw_error err = LXW_NO_ERROR;
    for (lxw_row_t r = 0; r < 4 && err == LXW_NO_ERROR; r++) {
        err = worksheet_write_string(ws, r, 0, keys[r] != NULL ? keys[r] : code_key, NULL);
        if (err == LXW_NO_ERROR)
            err = worksheet_write_string(ws, r, 1, values[r], NULL);
    }
    if (err == LXW_NO_ERROR)
        err = worksheet_write_string(ws, 5, 0, "本页由系统使用，请勿修改；修改后工作簿将无法读取。",
                                     NULL);
    worksheet_set_column(ws, 0, 0, 16, NULL);
    worksheet_set_column(ws, 1, 1, 24, NULL);
    worksheet_protect(ws, NULL, NULL);
    worksheet_hide(ws);
    return err;
}

/* The data validation of an input cell (or column range), with its Chinese hint. */
static lxw_error validate(lxw_worksheet *ws, int input, lxw_row_t r1, lxw_col_t c1, lxw_row_t r2,
                          lxw_col_t c2, const char *first_ref)
{
    lxw_data_validation dv;
    memset(&dv, 0, sizeof dv);
    char title[64];
    xf_wb_input_label(input, title, sizeof title);
    if (strlen(title) > 30) /* Excel's limit is 32 characters; labels are Chinese (3 bytes) */
        snprintf(title, sizeof title, "填写说明");
    dv.input_title = title;
    dv.input_message = (char *)xf_wb_input_hint(input);
    dv.error_title = (char *)"填写有误";
    dv.error_message = (char *)xf_wb_input_hint(input);
    dv.show_input = LXW_VALIDATION_ON;
    dv.show_error = LXW_VALIDATION_ON;
    char formula[160];
    static const char *yes_no[] = {"是", "否", NULL};
    if (input == XF_WB_SUBMITTED_AT) {
        dv.validate = LXW_VALIDATION_TYPE_ANY;
        dv.show_error = LXW_VALIDATION_OFF;
    } else {
        switch (xf_wb_input_kind(input)) {
        case XF_COUNT:
            dv.validate = LXW_VALIDATION_TYPE_INTEGER;
            dv.criteria = LXW_VALIDATION_CRITERIA_BETWEEN;
            dv.minimum_number = 0;
            dv.maximum_number = 2147483647;
            break;
        case XF_MONEY:
            /* whole cents: a decimal rule cannot say "two decimals", a formula can */
            snprintf(formula, sizeof formula, "=AND(ISNUMBER(%s),%s>=0,ROUND(%s,2)=%s)", first_ref,
                     first_ref, first_ref, first_ref);
            dv.validate = LXW_VALIDATION_TYPE_CUSTOM_FORMULA;
            dv.value_formula = formula;
            break;
        case XF_HOURS:
            dv.validate = LXW_VALIDATION_TYPE_DECIMAL;
            dv.criteria = LXW_VALIDATION_CRITERIA_BETWEEN;
            dv.minimum_number = 0;
            dv.maximum_number = 168;
            break;
        case XF_RATE:
            dv.validate = LXW_VALIDATION_TYPE_DECIMAL;
            dv.criteria = LXW_VALIDATION_CRITERIA_BETWEEN;
            dv.minimum_number = 0;
            dv.maximum_number = 1;
            break;
        case XF_REAL:
            dv.validate = LXW_VALIDATION_TYPE_DECIMAL;
            dv.criteria = LXW_VALIDATION_CRITERIA_BETWEEN;
            dv.minimum_number = 0;
            dv.maximum_number = 1e6;
            break;
        case XF_BOOL:
            dv.validate = LXW_VALIDATION_TYPE_LIST;
            dv.value_list = (char **)yes_no;
            break;
        }
    }
    if (r1 == r2 && c1 == c2)
        return worksheet_data_validation_cell(ws, r1, c1, &dv);
    return worksheet_data_validation_range(ws, r1, c1, r2, c2, &dv);
}

/* Writes a value into an input cell with fmt; an empty value leaves the cell blank but
 * formatted (so that it shows as an input). */
static lxw_error write_value(lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, int input,
                             const struct xf_wb_value *v, lxw_format *fmt)
{
    if (v == NULL || v->type == XF_WBV_NONE)
        return worksheet_write_blank(ws, r, c, fmt);
    if (v->type == XF_WBV_TEXT)
        return worksheet_write_string(ws, r, c, v->text, fmt);
    if (v->type == XF_WBV_BOOL || xf_wb_input_kind(input) == XF_BOOL) {
        if (xf_wb_input_kind(input) == XF_BOOL && (v->number == 0 || v->number == 1))
            return worksheet_write_string(ws, r, c, v->number != 0 ? "是" : "否", fmt);
        return worksheet_write_boolean(ws, r, c, v->number != 0, fmt);
    }
    return worksheet_write_number(ws, r, c, v->number, fmt);
}

static lxw_format *input_fmt(const struct out *o, int input)
{
    if (input == XF_WB_SUBMITTED_AT)
        return o->f.date;
    return o->f.input[xf_wb_input_kind(input)];
}

/* The problems of one input, for its mark and comment. */
struct marks {
    const struct report_template_problem *p;
    size_t n;
};

/* The worst severity among the problems at input (-1 none, 0 reject, 1 warning) and their
 * messages as one comment text in out. */
static int marks_for(const struct marks *m, int input, char *out, size_t cap)
{
    char key[64];
    xf_wb_input_key(input, key, sizeof key);
    int worst = -1;
    size_t used = 0;
    if (cap > 0)
        out[0] = '\0';
    for (size_t i = 0; i < m->n; i++) {
        if (strcmp(m->p[i].path, key) != 0)
            continue;
        int sev = strcmp(m->p[i].severity, "reject") == 0 ? 0 : 1;
        if (worst < 0 || sev < worst)
            worst = sev;
        int w = snprintf(out + used, cap - used, "%s%s%s", used ? "\n" : "",
                         sev == 0 ? "错误：" : "提示：", m->p[i].message);
        if (w < 0 || (size_t)w >= cap - used)
            break;
        used += (size_t)w;
    }
    return worst;
}

/* An input cell: its value, format, validation, and in a workbook sent back its mark. */
static lxw_error input_cell(struct out *o, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, int input,
                            const struct report_template_school *s, const struct marks *m)
{
    char ref[16];
    xf_xlsx_cell_ref(c + 1, r + 1, ref);
    memcpy(o->where[input], ref, sizeof ref);
    char comment[2048];
    int sev = m != NULL ? marks_for(m, input, comment, sizeof comment) : -1;
    lxw_format *fmt = sev >= 0 ? o->f.problem[sev] : input_fmt(o, input);
    lxw_error err = write_value(ws, r, c, input, s->values != NULL ? &s->values[input] : NULL, fmt);
    if (err == LXW_NO_ERROR)
        err = validate(ws, input, r, c, r, c, ref);
    if (sev < 0 && s->comments != NULL && s->comments[input] != NULL) {
        snprintf(comment, sizeof comment, "%s", s->comments[input]);
        sev = 2; /* a plain comment: no mark */
    }
    if (err == LXW_NO_ERROR && sev >= 0) {
        lxw_comment_options co;
        memset(&co, 0, sizeof co);
        co.author = (char *)"市教育局数据平台";
        co.x_scale = 2.5;
        co.y_scale = 2;
        err = worksheet_write_comment_opt(ws, r, c, comment, &co);
    }
    return err;
}

static lxw_error problems_sheet(struct out *o, const struct report_template_problem *p, size_t n,
                                const char *const *cells)
{
    lxw_worksheet *ws = workbook_add_worksheet(o->wb, XF_WB_SHEET_PROBLEMS);
    if (ws == NULL)
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    static const char *const head[] = {"序号", "单元格", "项目",    "字段",
                                       "类别", "问题",   "修改建议"};
    static const double widths[] = {6, 14, 30, 30, 8, 70, 50};
    lxw_error err = LXW_NO_ERROR;
    for (lxw_col_t c = 0; c < 7 && err == LXW_NO_ERROR; c++) {
        worksheet_set_column(ws, c, c, widths[c], c >= 5 ? o->f.label : NULL);
        err = worksheet_write_string(ws, 0, c, head[c], o->f.header);
    }
    for (size_t i = 0; i < n && err == LXW_NO_ERROR; i++) {
        lxw_row_t r = (lxw_row_t)(i + 1);
        int input = p[i].path[0] != '\0' ? xf_wb_input_find(p[i].path) : -1;
        char label[160] = "";
        if (input >= 0)
            xf_wb_input_label(input, label, sizeof label);
        err = worksheet_write_number(ws, r, 0, (double)(i + 1), NULL);
        if (err == LXW_NO_ERROR)
            err = worksheet_write_string(ws, r, 1, cells[i][0] ? cells[i] : "(整个工作簿)", NULL);
        if (err == LXW_NO_ERROR)
            err = worksheet_write_string(ws, r, 2, label, NULL);
        if (err == LXW_NO_ERROR)
            err = worksheet_write_string(ws, r, 3, p[i].path, NULL);
        if (err == LXW_NO_ERROR)
            err = worksheet_write_string(
                ws, r, 4, strcmp(p[i].severity, "reject") == 0 ? "错误" : "提示", NULL);
        if (err == LXW_NO_ERROR)
            err = worksheet_write_string(ws, r, 5, p[i].message, o->f.label);
        if (err == LXW_NO_ERROR)
            err = worksheet_write_string(ws, r, 6, p[i].fix != NULL ? p[i].fix : "", o->f.label);
    }
    worksheet_freeze_panes(ws, 1, 0);
    worksheet_activate(ws);
    return err;
}

int report_template_school(const char *path, const char *period,
                           const struct report_template_school *s,
                           const struct report_template_problem *problems, size_t n, time_t created)
{
    struct out o;
    char term[64], title[256];
    period_words(period, term, sizeof term);
    snprintf(title, sizeof title, "学校心理健康教育工作数据填报表（%s）", term);
    if (out_open(&o, path, false, created, title) != 0)
        return -1;
    struct marks m = {problems, n};
    const struct marks *mp = n > 0 ? &m : NULL;
    const char **cells = NULL;
    lxw_error err = LXW_NO_ERROR;
    lxw_worksheet *ws = workbook_add_worksheet(o.wb, XF_WB_SHEET_FORM);
    if (ws == NULL) {
        err = LXW_ERROR_MEMORY_MALLOC_FAILED;
        goto done;
    }
    lxw_row_col_options hidden = {1, 0, 0};
    worksheet_set_column_opt(ws, 0, 0, 4, o.f.key, &hidden);
    worksheet_set_column(ws, 1, 1, 44, NULL);
    worksheet_set_column(ws, 2, 4, 14, NULL);
    worksheet_set_column(ws, 5, 5, 60, o.f.wrap);
    worksheet_set_row(ws, 1, 48, NULL);
    err = worksheet_merge_range(ws, 0, 1, 0, 5, title, o.f.title);
    char note[512];
    snprintf(note, sizeof note,
             "请只在黄色单元格中填写；不掌握或未开展的项目请留空（留空表示“未填报”，不等于 0）。"
             "填好后保存为 .xlsx 文件，原样提交，不要改动表格结构。%s",
             s->note != NULL ? s->note : "");
    if (err == LXW_NO_ERROR)
        err = worksheet_merge_range(ws, 1, 1, 1, 5, note, o.f.note);

    /* identity rows (Excel rows 4-9) */
    char term_cell[64];
    snprintf(term_cell, sizeof term_cell, "%s", term);
    const struct {
        const char *key, *label, *value;
    } ident[] = {
        {"school_code", "学校标识码", s->school_code},
        {"school_name", "学校名称", s->school_name},
        {"district_code", "区县代码", s->district_code},
        {"district_name", "区县", s->district_name},
        {"period", "学期", term_cell},
    };
    lxw_row_t r = 3;
    for (size_t i = 0; i < sizeof ident / sizeof ident[0] && err == LXW_NO_ERROR; i++, r++) {
        err = worksheet_write_string(ws, r, 0, ident[i].key, o.f.key);
        if (err == LXW_NO_ERROR)
            err = worksheet_write_string(ws, r, 1, ident[i].label, o.f.label);
        if (err == LXW_NO_ERROR)
            err = worksheet_write_string(ws, r, 2, ident[i].value != NULL ? ident[i].value : "",
                                         o.f.locked);
    }
    if (err == LXW_NO_ERROR)
        err = worksheet_write_string(ws, r, 0, "submitted_at", o.f.key);
    if (err == LXW_NO_ERROR)
        err = worksheet_write_string(ws, r, 1, "填报时间", o.f.label);
    if (err == LXW_NO_ERROR)
        err = input_cell(&o, ws, r, 2, XF_WB_SUBMITTED_AT, s, mp);
    if (err == LXW_NO_ERROR)
        err = worksheet_write_string(ws, r, 5, xf_wb_input_hint(XF_WB_SUBMITTED_AT), o.f.wrap);
    r += 2;

    /* one row per grade of the school's type */
    int lo, hi;
    (void)xf_school_type_grades(s->school_type, &lo, &hi);
    static const char *const grade_head[] = {"一、学生、班级与课时", "在校学生数", "班级数",
                                             "心理健康课总课时"};
    for (lxw_col_t c = 0; c < 4 && err == LXW_NO_ERROR; c++)
        err =
            worksheet_write_string(ws, r, c + 1, grade_head[c], c == 0 ? o.f.section : o.f.header);
    if (err == LXW_NO_ERROR)
        err = worksheet_write_string(
            ws, r, 5, "心理健康课总课时：本学期该年级所有班级实际开设的心理健康课课时之和",
            o.f.wrap);
    r++;
    for (int g = lo; g <= hi && err == LXW_NO_ERROR; g++, r++) {
        char key[16];
        snprintf(key, sizeof key, "grade.%d", g);
        err = worksheet_write_string(ws, r, 0, key, o.f.key);
        if (err == LXW_NO_ERROR)
            err = worksheet_write_string(ws, r, 1, xf_grade_zh(g), o.f.label);
        for (int grp = 0; grp < 3 && err == LXW_NO_ERROR; grp++)
            err = input_cell(&o, ws, r, (lxw_col_t)(2 + grp), XF_WB_GRADE_INPUT(grp, g), s, mp);
    }

    /* the sections, in the order of xf_fields */
    static const char *const numerals[] = {"二", "三", "四", "五",   "六",  "七",
                                           "八", "九", "十", "十一", "十二"};
    int nsec = 0;
    for (int i = 0; i < XF_NFIELDS && err == LXW_NO_ERROR; i++) {
        if (i == 0 || strcmp(xf_fields[i].section, xf_fields[i - 1].section) != 0) {
            r++;
            char head[64];
            snprintf(head, sizeof head, "%s、%s", numerals[nsec++ % 11],
                     xf_section_zh(xf_fields[i].section));
            err = worksheet_write_string(ws, r, 1, head, o.f.section);
            r++;
            if (err != LXW_NO_ERROR)
                break;
        }
        char key[64], label[192];
        xf_wb_input_key(i, key, sizeof key);
        if (xf_fields_zh[i].unit[0] != '\0')
            snprintf(label, sizeof label, "%s（%s）", xf_field_label(i), xf_fields_zh[i].unit);
        else
            snprintf(label, sizeof label, "%s", xf_field_label(i));
        err = worksheet_write_string(ws, r, 0, key, o.f.key);
        if (err == LXW_NO_ERROR)
            err = worksheet_write_string(ws, r, 1, label, o.f.label);
        if (err == LXW_NO_ERROR)
            err = input_cell(&o, ws, r, 2, i, s, mp);
        if (err == LXW_NO_ERROR)
            err = worksheet_write_string(ws, r, 5, xf_wb_input_hint(i), o.f.wrap);
        r++;
    }
    if (err != LXW_NO_ERROR)
        goto done;
    worksheet_protect(ws, NULL, NULL);
    worksheet_set_paper(ws, 9);
    worksheet_fit_to_pages(ws, 1, 0);
    worksheet_set_selection(ws, 8, 2, 8, 2);

    err = info_sheet(&o, "school", "school_code", s->school_code, period);
    if (err == LXW_NO_ERROR && n > 0) {
        cells = calloc(n, sizeof *cells);
        char(*where)[64] = calloc(n, sizeof *where);
        if (cells == NULL || where == NULL) {
            free(where);
            err = LXW_ERROR_MEMORY_MALLOC_FAILED;
            goto done;
        }
        for (size_t i = 0; i < n; i++) {
            int input = xf_wb_input_find(problems[i].path);
            where[i][0] = '\0';
            if (input >= 0 && o.where[input][0] != '\0')
                snprintf(where[i], sizeof where[i], "%s!%s", XF_WB_SHEET_FORM, o.where[input]);
            cells[i] = where[i];
        }
        err = problems_sheet(&o, problems, n, cells);
        free(where);
    }
done:
    free(cells);
    if (err != LXW_NO_ERROR) {
        log_error("cannot write %s: %s", path, lxw_strerror(err));
        out_discard(&o);
        return -1;
    }
    return out_close(&o);
}

int report_template_rollup(const char *path, const char *period, const char *district_code,
                           const char *district_name, const struct report_template_school *schools,
                           size_t n, time_t created)
{
    struct out o;
    char term[64], title[256];
    period_words(period, term, sizeof term);
    snprintf(title, sizeof title, "%s学校心理健康教育工作数据汇总表（%s）",
             district_name != NULL ? district_name : "", term);
    if (out_open(&o, path, true, created, title) != 0)
        return -1;
    lxw_error err = LXW_NO_ERROR;
    lxw_worksheet *ws = workbook_add_worksheet(o.wb, XF_WB_SHEET_ROLLUP);
    if (ws == NULL) {
        err = LXW_ERROR_MEMORY_MALLOC_FAILED;
        goto done;
    }
    /* columns: code, name, submitted_at, the grade groups (1..12 each), the fields */
    enum { NCOLS = 3 + XF_WB_INPUTS - 1 };
    int col_input[NCOLS];
    col_input[0] = -1;
    col_input[1] = -2;
    col_input[2] = XF_WB_SUBMITTED_AT;
    for (int k = 0; k < 3 * XF_GRADES; k++)
        col_input[3 + k] = XF_NFIELDS + k;
    for (int k = 0; k < XF_NFIELDS; k++)
        col_input[3 + 3 * XF_GRADES + k] = k;
    worksheet_set_column(ws, 0, 0, 13, NULL);
    worksheet_set_column(ws, 1, 1, 26, NULL);
    worksheet_set_column(ws, 2, 2, 17, NULL);
    worksheet_set_column(ws, 3, NCOLS - 1, 12, NULL);
    lxw_row_col_options hidden = {1, 0, 0};
    worksheet_set_row(ws, 0, 60, NULL);
    for (lxw_col_t c = 0; c < NCOLS && err == LXW_NO_ERROR; c++) {
        char label[192];
        if (col_input[c] == -1)
            snprintf(label, sizeof label, "学校标识码");
        else if (col_input[c] == -2)
            snprintf(label, sizeof label, "学校名称");
        else
            xf_wb_input_label(col_input[c], label, sizeof label);
        err = worksheet_write_string(ws, 0, c, label, o.f.header);
    }
    worksheet_set_row_opt(ws, 1, LXW_DEF_ROW_HEIGHT, NULL, &hidden);
    for (lxw_col_t c = 0; c < NCOLS && err == LXW_NO_ERROR; c++) {
        char key[64];
        if (col_input[c] == -1)
            snprintf(key, sizeof key, "school_code");
        else if (col_input[c] == -2)
            snprintf(key, sizeof key, "school_name");
        else
            xf_wb_input_key(col_input[c], key, sizeof key);
        err = worksheet_write_string(ws, 1, c, key, o.f.key);
    }
    for (size_t i = 0; i < n && err == LXW_NO_ERROR; i++) {
        const struct report_template_school *s = &schools[i];
        lxw_row_t r = (lxw_row_t)(i + 2);
        int lo, hi;
        (void)xf_school_type_grades(s->school_type, &lo, &hi);
        for (lxw_col_t c = 0; c < NCOLS && err == LXW_NO_ERROR; c++) {
            int input = col_input[c];
            if (input == -1) {
                err = worksheet_write_string(ws, r, c, s->school_code, o.f.locked);
                continue;
            }
            if (input == -2) {
                err = worksheet_write_string(ws, r, c, s->school_name, o.f.locked);
                continue;
            }
            if (input >= XF_NFIELDS && input < XF_WB_SUBMITTED_AT) {
                int g = (input - XF_NFIELDS) % XF_GRADES + 1;
                if (g < lo || g > hi) {
                    err = worksheet_write_blank(ws, r, c, o.f.locked);
                    continue;
                }
            }
            err = write_value(ws, r, c, input, s->values != NULL ? &s->values[input] : NULL,
                              input_fmt(&o, input));
        }
    }
    /* one validation per column, over the school rows */
    for (lxw_col_t c = 2; c < NCOLS && err == LXW_NO_ERROR && n > 0; c++) {
        char ref[16];
        xf_xlsx_cell_ref(c + 1, 3, ref);
        err = validate(ws, col_input[c], 2, c, (lxw_row_t)(n + 1), c, ref);
    }
    if (err != LXW_NO_ERROR)
        goto done;
    worksheet_freeze_panes(ws, 2, 3);
    worksheet_protect(ws, NULL, NULL);
    err = info_sheet(&o, "rollup", "district_code", district_code, period);
done:
    if (err != LXW_NO_ERROR) {
        log_error("cannot write %s: %s", path, lxw_strerror(err));
        out_discard(&o);
        return -1;
    }
    return out_close(&o);
}
