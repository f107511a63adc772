/* report_xlsx.c - the indicator report as an Excel workbook, and the sheet writer behind it. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "common/log.h"
#include "common/terms.h"
#include "report/report.h"
#include "report/report_names.h"

/* Sheets of one workbook: Xinyu writes a handful, so a fixed bound keeps the code plain. */
#define XLSX_MAX_SHEETS 16
/* The header row is two lines high: Chinese and English wrap under each other. */
#define XLSX_HEADER_HEIGHT 30

struct report_xlsx_sheet {
    struct report_xlsx *x;
    lxw_worksheet *ws;
    char *name;
    size_t ncols;
    lxw_row_t row; /* the row being written; 0 is the header */
};

struct report_xlsx {
    lxw_workbook *wb;
    char *path;
    char *dir; /* a private directory beside path, made by mkdtemp, that tmp is written in */
    char *tmp;
    char *title; /* kept until the workbook is written, which may read it only then */
    lxw_format *styles[REPORT_XLSX_NSTYLES];
    lxw_format *header;
    struct report_xlsx_sheet sheets[XLSX_MAX_SHEETS];
    size_t nsheets;
    bool failed; /* the first failure was logged; nothing more is written */
    bool sealed; /* written to tmp, synced: only the rename is left */
};

static const char *const style_formats[REPORT_XLSX_NSTYLES] = {NULL, "0", "0.0%", "0.0", "0.00"};

static char *dup_string(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p != NULL)
        memcpy(p, s, n);
    return p;
}

/* Logs the first failure of a workbook; later ones follow from it and stay quiet. */
static void fail(struct report_xlsx *x, const char *what, const char *why)
{
    if (!x->failed)
        log_error("cannot write %s: %s: %s", x->path, what, why);
    x->failed = true;
}

static void free_workbook(struct report_xlsx *x)
{
    for (size_t i = 0; i < x->nsheets; i++)
        free(x->sheets[i].name);
    free(x->path);
    free(x->dir);
    free(x->tmp);
    free(x->title);
    free(x);
}

void report_xlsx_discard(struct report_xlsx *x)
{
    if (x == NULL)
        return;
    if (x->wb != NULL)
        lxw_workbook_free(x->wb);
    if (x->tmp != NULL)
        unlink(x->tmp);
    if (x->dir != NULL)
        rmdir(x->dir);
    free_workbook(x);
}

static lxw_format *header_format(lxw_workbook *wb)
{
    lxw_format *f = workbook_add_format(wb);
    if (f == NULL)
        return NULL;
    format_set_bold(f);
    format_set_text_wrap(f);
    format_set_align(f, LXW_ALIGN_CENTER);
    format_set_align(f, LXW_ALIGN_VERTICAL_CENTER);
    format_set_bg_color(f, 0xE7ECF2);
    format_set_bottom(f, LXW_BORDER_THIN);
    return f;
}

struct report_xlsx *report_xlsx_open(const char *path, const char *title, time_t created)
{
    struct report_xlsx *x = calloc(1, sizeof *x);
    if (x == NULL) {
        log_error("cannot write %s: out of memory", path);
        return NULL;
    }
    size_t n = strlen(path) + sizeof ".tmp.XXXXXX";
    x->path = dup_string(path);
    x->dir = malloc(n);
    x->tmp = malloc(n + sizeof "/workbook.xlsx");
    x->title = dup_string(title != NULL ? title : "");
    if (x->path == NULL || x->dir == NULL || x->tmp == NULL || x->title == NULL) {
        log_error("cannot write %s: out of memory", path);
        report_xlsx_discard(x);
        return NULL;
    }
    /*
     * libxlsxwriter opens the file by its name only when the workbook is closed, following
     * whatever stands under that name then; in a directory of our own (mode 0700, beside
     * path so that the rename is atomic) nobody else can put a symlink there meanwhile.
     */
    snprintf(x->dir, n, "%s.tmp.XXXXXX", path);
    if (mkdtemp(x->dir) == NULL) {
        log_error("cannot write %s: cannot create a temporary directory beside it: %s", path,
                  strerror(errno));
        free(x->dir);
        x->dir = NULL;
        free(x->tmp);
        x->tmp = NULL;
        report_xlsx_discard(x);
        return NULL;
    }
    snprintf(x->tmp, n + sizeof "/workbook.xlsx", "%s/workbook.xlsx", x->dir);
    /* constant memory: rows go to disk as they are written (every sheet is written in row
     * order), so a 200,000-school audit does not sit in memory */
    lxw_workbook_options options = {1, NULL, 0};
    x->wb = workbook_new_opt(x->tmp, &options);
    if (x->wb == NULL) {
        log_error("cannot write %s: out of memory", path);
        report_xlsx_discard(x);
        return NULL;
    }
    lxw_doc_properties properties;
    memset(&properties, 0, sizeof properties);
    properties.title = x->title;
    properties.created = created;
    if (workbook_set_properties(x->wb, &properties) != LXW_NO_ERROR)
        fail(x, "document properties", "out of memory");
    for (int i = 0; i < REPORT_XLSX_NSTYLES; i++) {
        if (style_formats[i] == NULL)
            continue;
        x->styles[i] = workbook_add_format(x->wb);
        if (x->styles[i] == NULL)
            fail(x, "number formats", "out of memory");
        else
            format_set_num_format(x->styles[i], style_formats[i]);
    }
    x->header = header_format(x->wb);
    if (x->header == NULL)
        fail(x, "header format", "out of memory");
    return x;
}

struct report_xlsx_sheet *report_xlsx_add_sheet(struct report_xlsx *x, const char *name,
                                                const struct report_xlsx_column *cols, size_t ncols)
{
    if (x == NULL || x->failed)
        return NULL;
    if (x->nsheets == XLSX_MAX_SHEETS) {
        fail(x, name, "too many sheets");
        return NULL;
    }
    if (ncols == 0 || ncols > LXW_COL_MAX) {
        fail(x, name, "a sheet needs between 1 and 16384 columns");
        return NULL;
    }
    lxw_error err = workbook_validate_sheet_name(x->wb, name);
    if (err != LXW_NO_ERROR) {
        fail(x, name, lxw_strerror(err));
        return NULL;
    }
    struct report_xlsx_sheet *s = &x->sheets[x->nsheets];
    memset(s, 0, sizeof *s);
    s->name = dup_string(name);
    if (s->name == NULL) {
        fail(x, name, "out of memory");
        return NULL;
    }
    x->nsheets++;
    s->x = x;
    s->ncols = ncols;
    s->ws = workbook_add_worksheet(x->wb, name);
    if (s->ws == NULL) {
        fail(x, name, "cannot add the sheet");
        return NULL;
    }
    err = worksheet_set_row(s->ws, 0, XLSX_HEADER_HEIGHT, NULL);
    for (size_t c = 0; err == LXW_NO_ERROR && c < ncols; c++) {
        err = worksheet_set_column(s->ws, (lxw_col_t)c, (lxw_col_t)c, cols[c].width, NULL);
        if (err == LXW_NO_ERROR)
            err = worksheet_write_string(s->ws, 0, (lxw_col_t)c, cols[c].header, x->header);
    }
    if (err != LXW_NO_ERROR) {
        fail(x, name, lxw_strerror(err));
        return NULL;
    }
    worksheet_freeze_panes(s->ws, 1, 0);
    /* printed: landscape A4, one page wide, the header on every page */
    worksheet_set_landscape(s->ws);
    worksheet_set_paper(s->ws, 9);
    worksheet_fit_to_pages(s->ws, 1, 0);
    err = worksheet_repeat_rows(s->ws, 0, 0);
    if (err != LXW_NO_ERROR) {
        fail(x, name, lxw_strerror(err));
        return NULL;
    }
    s->row = 1;
    return s;
}

/* False (and the failure logged) when the cell cannot be written. */
static bool cell_ok(struct report_xlsx_sheet *s, size_t col)
{
    if (s == NULL || s->x->failed)
        return false;
    if (col >= s->ncols) {
        fail(s->x, s->name, "a cell beyond the sheet's columns");
        return false;
    }
    return true;
}

static void check(struct report_xlsx_sheet *s, lxw_error err)
{
    if (err != LXW_NO_ERROR)
        fail(s->x, s->name, lxw_strerror(err));
}

void report_xlsx_text(struct report_xlsx_sheet *s, size_t col, const char *text)
{
    if (!cell_ok(s, col) || text == NULL || text[0] == '\0')
        return;
    size_t len = strlen(text);
    if (buf_is_printable_lines(text, len)) {
        check(s, worksheet_write_string(s->ws, s->row, (lxw_col_t)col, text, NULL));
        return;
    }
    /* a control character from a file name or a submission shows as \x1b, as in the CSV */
    buf shown = BUF_INIT;
    if (buf_printable_lines(&shown, text, len) != 0)
        fail(s->x, s->name, "out of memory");
    else
        check(s, worksheet_write_string(s->ws, s->row, (lxw_col_t)col, shown.data, NULL));
    buf_free(&shown);
}

void report_xlsx_number(struct report_xlsx_sheet *s, size_t col, bool has, double v,
                        enum report_xlsx_style style)
{
    if (!cell_ok(s, col) || !has || !isfinite(v))
        return;
    if ((int)style < 0 || (int)style >= REPORT_XLSX_NSTYLES) {
        fail(s->x, s->name, "an unknown number style");
        return;
    }
    check(s, worksheet_write_number(s->ws, s->row, (lxw_col_t)col, v, s->x->styles[style]));
}

void report_xlsx_comment(struct report_xlsx_sheet *s, size_t col, const char *text)
{
    if (cell_ok(s, col) && text != NULL)
        check(s, worksheet_write_comment(s->ws, s->row, (lxw_col_t)col, text));
}

void report_xlsx_end_row(struct report_xlsx_sheet *s)
{
    if (s == NULL || s->x->failed)
        return;
    if (s->row + 1 >= LXW_ROW_MAX) {
        fail(s->x, s->name, "more rows than a sheet holds");
        return;
    }
    s->row++;
}

/* The workbook's bytes reach the disk before the name does, as for every other report. */
static int sync_file(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    int saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

int report_xlsx_seal(struct report_xlsx *x)
{
    if (x == NULL)
        return -1;
    if (x->sealed)
        return 0;
    for (size_t i = 0; !x->failed && i < x->nsheets; i++) {
        struct report_xlsx_sheet *s = &x->sheets[i];
        lxw_row_t last = s->row > 1 ? s->row - 1 : 0;
        check(s, worksheet_autofilter(s->ws, 0, 0, last, (lxw_col_t)(s->ncols - 1)));
    }
    if (x->failed)
        return -1;
    lxw_error err = workbook_close(x->wb);
    x->wb = NULL; /* freed by workbook_close whatever it returned */
    if (err != LXW_NO_ERROR) {
        fail(x, "the workbook", lxw_strerror(err));
        return -1;
    }
    /* a report is read by others like the JSON beside it, whatever the umask gave */
    if (sync_file(x->tmp) != 0 || chmod(x->tmp, 0644) != 0) {
        fail(x, "cannot write the workbook out", strerror(errno));
        return -1;
    }
    x->sealed = true;
    return 0;
}

int report_xlsx_close(struct report_xlsx *x)
{
    if (x == NULL)
        return -1;
    if (report_xlsx_seal(x) != 0) {
        report_xlsx_discard(x);
        return -1;
    }
    if (rename(x->tmp, x->path) != 0) {
        fail(x, "cannot put the written workbook in place", strerror(errno));
        report_xlsx_discard(x);
        return -1;
    }
    rmdir(x->dir);
    free_workbook(x);
    return 0;
}

/* The columns of the JSON contract's rows, with the indicator's name after its id. */
static const struct report_xlsx_column indicator_columns[] = {
    {"指标 indicator", 28},
    {"指标名称 indicator_name", 34},
    {"区县代码 district_code", 14},
    {"区县名称 district_name", 16},
    {"学校类型 school_type", 18},
    {"学校类型名称 school_type_name", 16},
    {"分子 numerator", 14},
    {"分母 denominator", 14},
    {"值 value", 12},
    {"目标 target", 12},
    {"比较 op", 9},
    {"状态 status", 12},
    {"达标情况 status_name", 12},
    {"差距 gap", 12},
    {"学校数 schools", 12},
    {"无数据学校数 schools_no_data", 18},
};

static const struct report_xlsx_column overview_columns[] = {
    {"区县代码 district_code", 14},
    {"区县名称 district_name", 16},
    {"学校类型 school_type", 18},
    {"学校类型名称 school_type_name", 16},
    {"在册学校数 schools_active", 16},
    {"已上报学校数 schools_reported", 18},
    {"在校学生数 students", 14},
    {"专职心理教师数 psych_fulltime", 18},
    {"兼职心理教师数 psych_parttime", 18},
    {"建有辅导室学校数 schools_with_room", 22},
    {"开设心理课学校数 schools_with_lessons", 22},
};

#define NCOLS(a) (sizeof(a) / sizeof((a)[0]))

enum report_xlsx_style report_xlsx_unit_style(enum report_unit unit)
{
    switch (unit) {
    case REPORT_RATIO:
        return REPORT_XLSX_PERCENT;
    case REPORT_MONEY:
        return REPORT_XLSX_DECIMAL2;
    case REPORT_PER_TEACHER:
        return REPORT_XLSX_DECIMAL1;
    case REPORT_PER_10K:
        return REPORT_XLSX_DECIMAL2;
    }
    return REPORT_XLSX_GENERAL;
}

/* Text of at most cap bytes: the row's fixed arrays need not end in a NUL. */
static void text_field(struct report_xlsx_sheet *s, size_t col, const char *field, size_t cap)
{
    char copy[64];
    size_t n = strnlen(field, cap);
    if (n >= sizeof copy)
        n = sizeof copy - 1;
    memcpy(copy, field, n);
    copy[n] = '\0';
    report_xlsx_text(s, col, copy);
}

static void overview_sheet(struct report_xlsx *x, const struct report_doc *doc, bool english)
{
    struct report_xlsx_sheet *s =
        report_xlsx_add_sheet(x, "概况 overview", overview_columns, NCOLS(overview_columns));
    for (size_t i = 0; s != NULL && i < doc->noverview; i++) {
        const struct report_overview *ov = &doc->overview[i];
        const long fields[7] = {
            ov->schools_active,      ov->schools_reported, ov->students,
            ov->psych_fulltime,      ov->psych_parttime,   ov->schools_with_room,
            ov->schools_with_lessons};
        text_field(s, 0, ov->district_code, sizeof ov->district_code);
        report_xlsx_text(s, 1, report_names_district(doc->names, ov->district_code));
        text_field(s, 2, ov->school_type, sizeof ov->school_type);
        report_xlsx_text(s, 3, terms_word(TERMS_SCHOOL_TYPE, ov->school_type, !english));
        for (size_t k = 0; k < 7; k++)
            report_xlsx_number(s, 4 + k, true, (double)fields[k], REPORT_XLSX_COUNT);
        report_xlsx_end_row(s);
    }
}

/* The rows in the doc's order; false when reading them failed (logged). */
static bool indicator_sheet(struct report_xlsx *x, const struct report_doc *doc, bool english)
{
    struct report_xlsx_sheet *s =
        report_xlsx_add_sheet(x, "指标 indicators", indicator_columns, NCOLS(indicator_columns));
    struct report_rows_iter it;
    const struct report_row *r;
    report_rows_begin(&it, doc, -1);
    while (s != NULL && (r = report_rows_next(&it)) != NULL) {
        const struct report_indicator *ind = &report_indicators[r->indicator];
        enum report_xlsx_style measure = report_xlsx_unit_style(ind->unit);
        report_xlsx_text(s, 0, ind->id);
        report_xlsx_text(s, 1, english ? ind->en : ind->zh);
        text_field(s, 2, r->district_code, sizeof r->district_code);
        report_xlsx_text(s, 3, report_names_district(doc->names, r->district_code));
        text_field(s, 4, r->school_type, sizeof r->school_type);
        report_xlsx_text(s, 5, terms_word(TERMS_SCHOOL_TYPE, r->school_type, !english));
        /* the crisis rate's numerator is incidents × 10,000: a person reads the incidents
         * (the note under the sheet says so) */
        report_xlsx_number(s, 6, r->has_numerator,
                           ind->unit == REPORT_PER_10K ? r->numerator / 10000 : r->numerator,
                           ind->unit == REPORT_MONEY ? REPORT_XLSX_DECIMAL2 : REPORT_XLSX_GENERAL);
        if (ind->unit == REPORT_PER_10K)
            report_xlsx_comment(s, 6,
                                english ? "Crisis incidents; the value is incidents x 10,000 / "
                                          "students."
                                        : "分子为心理危机事件数（起），分母为在校学生数；"
                                          "值 = 事件数 × 10000 / 在校学生数。");
        report_xlsx_number(s, 7, r->has_denominator, r->denominator, REPORT_XLSX_GENERAL);
        report_xlsx_number(s, 8, r->has_value, r->value, measure);
        report_xlsx_number(s, 9, r->has_target, r->target, measure);
        if (r->has_target)
            text_field(s, 10, r->op, sizeof r->op);
        report_xlsx_text(s, 11, r->status);
        report_xlsx_text(s, 12, terms_word(TERMS_STATUS, r->status, !english));
        report_xlsx_number(s, 13, r->has_gap, r->gap, measure);
        report_xlsx_number(s, 14, true, (double)r->schools, REPORT_XLSX_COUNT);
        report_xlsx_number(s, 15, true, (double)r->schools_no_data, REPORT_XLSX_COUNT);
        report_xlsx_end_row(s);
    }
    return !report_rows_failed(&it);
}

/*
 * The document's own time as the workbook's creation time, so that the same report gives
 * the same properties; 0 (now) when generated_at is not "YYYY-MM-DDTHH:MM:SS+HH:MM".
 */
static time_t generated_time(const char *s, size_t cap)
{
    static const int at[6] = {0, 5, 8, 11, 14, 17}, len[6] = {4, 2, 2, 2, 2, 2};
    static const int lo[6] = {1970, 1, 1, 0, 0, 0}, hi[6] = {9999, 12, 31, 23, 59, 60};
    int f[6], offset_h, offset_m;
    char part[8];
    if (strnlen(s, cap) != 25 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
        s[16] != ':' || (s[19] != '+' && s[19] != '-') || s[22] != ':')
        return 0;
    for (int i = 0; i < 6; i++) {
        memcpy(part, s + at[i], (size_t)len[i]);
        part[len[i]] = '\0';
        if (util_parse_int(part, lo[i], hi[i], &f[i]) != 0)
            return 0;
    }
    memcpy(part, s + 20, 2);
    part[2] = '\0';
    if (util_parse_int(part, 0, 14, &offset_h) != 0)
        return 0;
    memcpy(part, s + 23, 2);
    if (util_parse_int(part, 0, 59, &offset_m) != 0 || !util_valid_date(f[0], f[1], f[2]))
        return 0;
    int64_t offset = (int64_t)(offset_h * 3600 + offset_m * 60) * (s[19] == '-' ? -1 : 1);
    int64_t t = util_days_from_civil(f[0], (unsigned)f[1], (unsigned)f[2]) * 86400 + f[3] * 3600 +
                f[4] * 60 + f[5] - offset;
    return (time_t)t;
}

int report_write_xlsx(const struct report_doc *doc, const char *path, const char *lang)
{
    bool english;
    if (lang == NULL || strcmp(lang, "zh") == 0) {
        english = false;
    } else if (strcmp(lang, "en") == 0) {
        english = true;
    } else {
        log_error("cannot write %s: unknown language \"%s\" (zh, en)", path, lang);
        return -1;
    }
    struct report_rows_iter it;
    const struct report_row *r;
    size_t nrow = 0;
    report_rows_begin(&it, doc, -1);
    while ((r = report_rows_next(&it)) != NULL) {
        nrow++;
        if (r->indicator < 0 || r->indicator >= REPORT_NINDICATORS) {
            log_error("cannot write %s: row %zu names no indicator of the catalog", path, nrow);
            return -1;
        }
    }
    if (report_rows_failed(&it))
        return -1;
    char title[256], version[128];
    /* a published version says so in its title, a draft too: they look alike otherwise */
    if (doc->label != NULL)
        snprintf(version, sizeof version, english ? " (published %.64s)" : "（已发布 %.64s）",
                 doc->label);
    else
        snprintf(version, sizeof version, "%s", english ? " (draft)" : "（草稿）");
    if (doc->period != NULL)
        snprintf(title, sizeof title,
                 english ? "Mental-health education indicators, %.32s%s"
                         : "%.32s 心理健康教育指标报告%s",
                 doc->period, version);
    else
        snprintf(title, sizeof title,
                 english ? "Mental-health education indicators, review year %d%s"
                         : "%d年度 心理健康教育指标报告%s",
                 doc->year, version);
    struct report_xlsx *x =
        report_xlsx_open(path, title, generated_time(doc->generated_at, sizeof doc->generated_at));
    if (x == NULL)
        return -1;
    overview_sheet(x, doc, english);
    if (!indicator_sheet(x, doc, english)) {
        report_xlsx_discard(x);
        return -1;
    }
    return report_xlsx_close(x);
}
