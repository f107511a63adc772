/* report_readable.c - the HTML pages and workbooks of audit, review and quality. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/terms.h"
#include "report/report_common.h"
#include "report/report_css.h"
#include "report/report_format.h"
#include "report/report_names.h"
#include "report/report_pages.h"
#include "report/report_readable.h"
#include "common/log.h"
#include "common/util.h"

struct report_xlsx_sheet *readable_xlsx_sheet(struct report_xlsx *x, const char *name,
                                              const struct report_column *cols, size_t ncols)
{
    struct report_xlsx_column sheet_cols[32];
    if (ncols > sizeof sheet_cols / sizeof sheet_cols[0])
        return report_xlsx_add_sheet(x, name, NULL, 0); /* fails, and the failure sticks */
    for (size_t k = 0; k < ncols; k++)
        sheet_cols[k] = (struct report_xlsx_column){cols[k].header, cols[k].width};
    return report_xlsx_add_sheet(x, name, sheet_cols, ncols);
}

void readable_xlsx_row(struct report_xlsx_sheet *s, const json_t *row,
                       const struct report_column *cols, size_t ncols)
{
    /* a measure of an indicator as its unit is shown (a share in percent, money with fen);
     * other fractions with two decimals. The cell keeps the exact value. */
    int ind = report_indicator_find(json_string_value(json_object_get(row, "indicator")));
    enum report_xlsx_style measure =
        ind >= 0 ? report_xlsx_unit_style(report_indicators[ind].unit) : REPORT_XLSX_DECIMAL2;
    for (size_t k = 0; k < ncols; k++) {
        const json_t *v = json_object_get(row, cols[k].key);
        if (json_is_integer(v))
            report_xlsx_number(s, k, true, (double)json_integer_value(v),
                               cols[k].type == 'r' ? measure : REPORT_XLSX_COUNT);
        else if (json_is_real(v))
            report_xlsx_number(s, k, true, json_real_value(v), measure);
        else if (json_is_string(v))
            report_xlsx_text(s, k, json_string_value(v));
        else if (json_is_boolean(v))
            report_xlsx_text(s, k, json_is_true(v) ? "true" : "false");
    }
    report_xlsx_end_row(s);
}

/* ---- HTML writing: the first failure sticks ------------------------------------------- */

/* The pages' writer is report/report_pages.h's: the first failure sticks. */

static void page_head(struct report_html *h, const char *lang, const char *title)
{
    report_html_putf(h, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n",
                     strcmp(lang, "en") == 0 ? "en" : "zh-CN");
    report_html_put(
        h, "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
    report_html_esc(h, title);
    report_html_put(h, "</title>\n");
    report_html_put(h, report_css_style(REPORT_CSS_READABLE));
    report_html_put(h, "</head>\n<body>\n<header>\n<h1>");
    report_html_esc(h, title);
    report_html_put(h, "</h1>\n");
}

/* A text of a row; "" for null, as the database gives an SQL NULL. */
static const char *row_text(const json_t *row, const char *key)
{
    const char *s = json_string_value(json_object_get(row, key));
    return s != NULL ? s : "";
}

/* ---- audit ---------------------------------------------------------------------------- */

#define AUDIT_MAX_CLAUSES 32
#define AUDIT_FLUSH ((size_t)1 << 20)

struct audit_labels {
    const char *title, *generated, *districts, *district, *district_name, *city, *schools, *passing,
        *failing, *unknown, *by_school, *school, *school_name, *overall, *details, *clause, *legend;
};

static const struct audit_labels audit_zh = {
    "特色学校标准审核",
    "生成时间",
    "各区县审核结果",
    "区县代码",
    "区县名称",
    "全市",
    "学校数",
    "通过",
    "未通过",
    "待定",
    "各校审核结果",
    "学校代码",
    "学校名称",
    "总体",
    "未通过及待定的说明",
    "条款",
    "图例：✓ 通过，✗ 未通过，? 待定（缺少数据）。条款 18 为一票否决。",
};
static const struct audit_labels audit_en = {
    "Characteristic-school standard audit",
    "Generated",
    "Results by district",
    "District",
    "District name",
    "City",
    "Schools",
    "Passing",
    "Failing",
    "Unknown",
    "Results by school",
    "School code",
    "School name",
    "Overall",
    "Details of failing and unknown clauses",
    "Clause",
    "Legend: ✓ pass, ✗ fail, ? unknown (inputs missing). Clause 18 is the one-vote veto.",
};

struct audit_cell {
    char clause[16];
    char result[16];
    char *detail;
};

struct audit_html {
    const struct audit_labels *l;
    const char *lang;
    bool link_schools;
    FILE *tmp; /* the schools' rows, finished */
    buf rows;
    char school[32], district[16];
    char school_name[256], district_name[128]; /* the registry's; "" unknown */
    struct audit_cell cells[AUDIT_MAX_CLAUSES + 1];
    size_t ncells;
    char columns[AUDIT_MAX_CLAUSES][16]; /* clause order of the first school */
    size_t ncolumns;
    bool have_columns;
};

static int result_index(const char *r)
{
    return strcmp(r, "pass") == 0 ? 0 : strcmp(r, "fail") == 0 ? 1 : 2;
}

static const char *const result_mark[3] = {"✓", "✗", "?"};
static const char *const result_class[3] = {"r-pass", "r-fail", "r-unknown"};

static struct audit_html *audit_html_open(const char *lang)
{
    struct audit_html *a = calloc(1, sizeof *a);
    if (a == NULL) {
        log_error("out of memory");
        return NULL;
    }
    a->lang = lang != NULL && strcmp(lang, "en") == 0 ? "en" : "zh";
    a->l = strcmp(a->lang, "en") == 0 ? &audit_en : &audit_zh;
    a->tmp = tmpfile();
    if (a->tmp == NULL) {
        log_error_detail("cannot write the audit page", "temporary file", strerror(errno));
        free(a);
        return NULL;
    }
    return a;
}

static void clear_cells(struct audit_html *a)
{
    for (size_t i = 0; i < a->ncells; i++)
        free(a->cells[i].detail);
    a->ncells = 0;
}

static int flush_rows(struct audit_html *a)
{
    if (a->rows.len > 0 && fwrite(a->rows.data, 1, a->rows.len, a->tmp) != a->rows.len) {
        log_error_detail("cannot write the audit page", "temporary file", strerror(errno));
        return -1;
    }
    buf_reset(&a->rows);
    return 0;
}

/* The held school as one table row, its failing and unknown details in the last column. */
static int school_out(struct audit_html *a)
{
    if (a->ncells == 0)
        return 0;
    if (!a->have_columns) {
        for (size_t i = 0; i < a->ncells && a->ncolumns < AUDIT_MAX_CLAUSES; i++) {
            if (strcmp(a->cells[i].clause, "overall") != 0)
                memcpy(a->columns[a->ncolumns++], a->cells[i].clause, sizeof a->columns[0]);
        }
        a->have_columns = true;
    }
    struct report_html h = {&a->rows, 0};
    const struct audit_cell *overall = NULL;
    for (size_t i = 0; i < a->ncells; i++) {
        if (strcmp(a->cells[i].clause, "overall") == 0)
            overall = &a->cells[i];
    }
    report_html_put(&h, "<tr><td class=\"code\">");
    report_html_esc(&h, a->school);
    /* a school of the registry links to its page (report/report_pages.h), which the audit
     * writes beside this one */
    if (a->school_name[0] != '\0' && a->link_schools) {
        report_html_putf(
            &h, "</td><td class=\"name\"><a class=\"school\" href=\"schools/%s.html\">", a->school);
        report_html_esc(&h, a->school_name);
        report_html_put(&h, "</a>");
    } else {
        report_html_put(&h, "</td><td class=\"name\">");
        report_html_esc(&h, a->school_name);
    }
    report_html_put(&h, "</td><td class=\"code\">");
    report_html_esc(&h, a->district);
    report_html_put(&h, "</td><td class=\"name\">");
    report_html_esc(&h, a->district_name);
    report_html_put(&h, "</td>");
    for (size_t c = 0; c < a->ncolumns; c++) {
        const struct audit_cell *cell = NULL;
        for (size_t i = 0; i < a->ncells && cell == NULL; i++) {
            if (strcmp(a->cells[i].clause, a->columns[c]) == 0)
                cell = &a->cells[i];
        }
        if (cell == NULL) {
            report_html_put(&h, "<td class=\"r\"></td>");
            continue;
        }
        int r = result_index(cell->result);
        report_html_putf(&h, "<td class=\"r %s\">%s</td>", result_class[r], result_mark[r]);
    }
    if (overall != NULL) {
        int r = result_index(overall->result);
        report_html_putf(&h, "<td class=\"r %s\">%s ", result_class[r], result_mark[r]);
        report_html_esc(&h, terms_show(TERMS_RESULT, overall->result, a->l == &audit_zh));
        report_html_put(&h, "</td>");
    } else {
        report_html_put(&h, "<td class=\"r\"></td>");
    }
    report_html_put(&h, "<td class=\"detail\">");
    /* consecutive clauses with the same detail share one line ("未上报" for all of them) */
    for (size_t i = 0; i < a->ncells; i++) {
        const struct audit_cell *cell = &a->cells[i];
        if (strcmp(cell->result, "pass") == 0 || cell == overall)
            continue;
        size_t j = i;
        report_html_put(&h, "<div>");
        report_html_esc(&h, a->l->clause);
        report_html_put(&h, " ");
        report_html_esc(&h, cell->clause);
        while (j + 1 < a->ncells && &a->cells[j + 1] != overall &&
               strcmp(a->cells[j + 1].result, "pass") != 0 &&
               strcmp(a->cells[j + 1].detail, cell->detail) == 0) {
            j++;
            report_html_put(&h, ", ");
            report_html_esc(&h, a->cells[j].clause);
        }
        report_html_put(&h, " ");
        report_html_esc(&h, result_mark[result_index(cell->result)]);
        report_html_put(&h, ": ");
        report_html_esc(&h, cell->detail);
        report_html_put(&h, "</div>");
        i = j;
    }
    if (overall != NULL && strcmp(overall->result, "pass") != 0) {
        report_html_put(&h, "<div>");
        report_html_esc(&h, a->l->overall);
        report_html_put(&h, ": ");
        report_html_esc(&h, overall->detail);
        report_html_put(&h, "</div>");
    }
    report_html_put(&h, "</td></tr>\n");
    clear_cells(a);
    if (h.rc != 0) {
        log_error("out of memory");
        return -1;
    }
    return a->rows.len >= AUDIT_FLUSH ? flush_rows(a) : 0;
}

static int audit_html_row(struct audit_html *a, const json_t *row)
{
    const char *school = row_text(row, "school_code"), *clause = row_text(row, "clause"),
               *result = row_text(row, "result"), *detail = row_text(row, "detail");
    if (a->ncells > 0 && strcmp(a->school, school) != 0 && school_out(a) != 0)
        return -1;
    if (a->ncells == 0) {
        util_strlcpy(a->school, school, sizeof a->school);
        util_strlcpy(a->school_name, row_text(row, "school_name"), sizeof a->school_name);
        util_strlcpy(a->district, row_text(row, "district_code"), sizeof a->district);
        util_strlcpy(a->district_name, row_text(row, "district_name"), sizeof a->district_name);
    }
    if (a->ncells == AUDIT_MAX_CLAUSES + 1) {
        log_error("the audit gives a school more than %d clauses", AUDIT_MAX_CLAUSES);
        return -1;
    }
    struct audit_cell *cell = &a->cells[a->ncells];
    util_strlcpy(cell->clause, clause, sizeof cell->clause);
    util_strlcpy(cell->result, result, sizeof cell->result);
    size_t n = strlen(detail != NULL ? detail : "");
    cell->detail = malloc(n + 1);
    if (cell->detail == NULL) {
        log_error("out of memory");
        return -1;
    }
    memcpy(cell->detail, detail != NULL ? detail : "", n + 1);
    a->ncells++;
    return 0;
}

static void count_td(struct report_html *h, const json_t *d, const char *key)
{
    report_html_putf(h, "<td class=\"num\">%" JSON_INTEGER_FORMAT "</td>",
                     json_integer_value(json_object_get(d, key)));
}

static int audit_html_finish(struct audit_html *a, int year, const char *generated_at,
                             const json_t *districts, struct report_file *rf)
{
    if (school_out(a) != 0 || flush_rows(a) != 0)
        return -1;
    const struct audit_labels *l = a->l;
    buf out = BUF_INIT;
    struct report_html h = {&out, 0};
    char title[128];
    snprintf(title, sizeof title, "%d %s", year, l->title);
    page_head(&h, a->lang, title);
    report_html_put(&h, "<p class=\"meta\">");
    report_html_esc(&h, l->generated);
    report_html_put(&h, ": ");
    report_html_esc(&h, generated_at);
    report_html_put(&h, "</p>\n<p class=\"note\">");
    report_html_esc(&h, l->legend);
    report_html_put(&h, "</p>\n</header>\n<section id=\"districts\">\n<h2>");
    report_html_esc(&h, l->districts);
    report_html_put(&h, "</h2>\n<table>\n<thead><tr>");
    const char *dh[] = {l->district, l->district_name, l->schools,
                        l->passing,  l->failing,       l->unknown};
    for (size_t k = 0; k < sizeof dh / sizeof dh[0]; k++) {
        report_html_put(&h, "<th>");
        report_html_esc(&h, dh[k]);
        report_html_put(&h, "</th>");
    }
    report_html_put(&h, "</tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < json_array_size(districts); i++) {
        const json_t *d = json_array_get(districts, i);
        const char *code = json_string_value(json_object_get(d, "district_code"));
        report_html_put(&h, code == NULL ? "<tr class=\"city\"><td class=\"code\">"
                                         : "<tr><td class=\"code\">");
        report_html_esc(&h, code == NULL ? l->city : code);
        report_html_put(&h, "</td><td class=\"name\">");
        const char *name = json_string_value(json_object_get(d, "district_name"));
        report_html_esc(&h, name != NULL ? name : "");
        report_html_put(&h, "</td>");
        count_td(&h, d, "schools");
        count_td(&h, d, "passing");
        count_td(&h, d, "failing");
        count_td(&h, d, "unknown");
        report_html_put(&h, "</tr>\n");
    }
    report_html_put(&h, "</tbody>\n</table>\n</section>\n<section id=\"schools\">\n<h2>");
    report_html_esc(&h, l->by_school);
    report_html_put(&h, "</h2>\n<table>\n<thead><tr><th>");
    report_html_esc(&h, l->school);
    report_html_put(&h, "</th><th>");
    report_html_esc(&h, l->school_name);
    report_html_put(&h, "</th><th>");
    report_html_esc(&h, l->district);
    report_html_put(&h, "</th><th>");
    report_html_esc(&h, l->district_name);
    report_html_put(&h, "</th>");
    for (size_t c = 0; c < a->ncolumns; c++) {
        char heading[64];
        report_html_put(&h, "<th>");
        report_html_esc(&h, report_clause_heading(a->columns[c], heading, sizeof heading));
        report_html_put(&h, "</th>");
    }
    report_html_put(&h, "<th>");
    report_html_esc(&h, l->overall);
    report_html_put(&h, "</th><th>");
    report_html_esc(&h, l->details);
    report_html_put(&h, "</th></tr></thead>\n<tbody>\n");
    if (h.rc != 0) {
        log_error("out of memory");
        buf_free(&out);
        return -1;
    }
    int rc = report_file_write(rf, &out);
    if (rc == 0 && fseek(a->tmp, 0, SEEK_SET) != 0) {
        log_error_detail("cannot read the audit page back", "temporary file", strerror(errno));
        rc = -1;
    }
    char chunk[65536];
    size_t n;
    while (rc == 0 && (n = fread(chunk, 1, sizeof chunk, a->tmp)) > 0) {
        buf_reset(&out);
        if (buf_append(&out, chunk, n) != 0) {
            log_error("out of memory");
            rc = -1;
        } else {
            rc = report_file_write(rf, &out);
        }
    }
    if (rc == 0 && ferror(a->tmp)) {
        log_error_detail("cannot read the audit page back", "temporary file", strerror(errno));
        rc = -1;
    }
    if (rc == 0) {
        buf_reset(&out);
        if (buf_puts(&out, "</tbody>\n</table>\n</section>\n</body>\n</html>\n") != 0) {
            log_error("out of memory");
            rc = -1;
        } else {
            rc = report_file_write(rf, &out);
        }
    }
    buf_free(&out);
    return rc;
}

static void audit_html_free(struct audit_html *a)
{
    if (a == NULL)
        return;
    clear_cells(a);
    if (a->tmp != NULL)
        fclose(a->tmp);
    buf_free(&a->rows);
    free(a);
}

/* ---- review --------------------------------------------------------------------------- */

static void format_value(char *dst, size_t n, enum report_unit unit, double v, bool change)
{
    switch (unit) {
    case REPORT_RATIO:
        snprintf(dst, n, change ? "%+.1f pp" : "%.1f%%", v * 100.0);
        break;
    case REPORT_PER_TEACHER:
        snprintf(dst, n, change ? "%+.0f" : "%.0f:1", v);
        break;
    default:
        snprintf(dst, n, change ? "%+.2f" : "%.2f", v);
        break;
    }
    if (strncmp(dst, "-0", 2) == 0 && strspn(dst + 2, ".0") == strcspn(dst + 2, " %:"))
        memmove(dst, dst + 1, strlen(dst)); /* "-0.0" reads as a loss where there is none */
}

static bool number_of(const json_t *o, const char *key, double *v)
{
    const json_t *j = json_object_get(o, key);
    if (!json_is_number(j))
        return false;
    *v = json_number_value(j);
    return isfinite(*v);
}

static void value_td(struct report_html *h, enum report_unit unit, const json_t *o, const char *key,
                     bool change)
{
    double v;
    char s[64];
    report_html_put(h, "<td class=\"num\">");
    if (number_of(o, key, &v)) {
        format_value(s, sizeof s, unit, v, change);
        report_html_esc(h, s);
    } else {
        report_html_put(h, "–");
    }
    report_html_put(h, "</td>");
}

#define CHART_W 640.0
#define CHART_H 240.0
#define CHART_L 70.0
#define CHART_R 20.0
#define CHART_T 20.0
#define CHART_B 50.0

struct chart_point {
    int year;
    bool has_value, has_target;
    double value, target;
};

static double chart_x(int year, int y0, int y1)
{
    double w = CHART_W - CHART_L - CHART_R;
    return y1 == y0 ? CHART_L + w / 2 : CHART_L + w * (double)(year - y0) / (double)(y1 - y0);
}

static double chart_y(double v, double max)
{
    double hgt = CHART_H - CHART_T - CHART_B;
    return CHART_T + hgt * (1.0 - (max > 0 ? v / max : 0));
}

static void polyline(struct report_html *h, const struct chart_point *p, size_t n, bool target,
                     int y0, int y1, double max, const char *style)
{
    bool open = false;
    for (size_t i = 0; i < n; i++) {
        bool has = target ? p[i].has_target : p[i].has_value;
        if (!has) {
            if (open)
                report_html_putf(h, "\" %s/>\n", style);
            open = false;
            continue;
        }
        double v = target ? p[i].target : p[i].value;
        report_html_putf(h, "%s%.1f,%.1f", open ? " " : "<polyline fill=\"none\" points=\"",
                         chart_x(p[i].year, y0, y1), chart_y(v, max));
        open = true;
    }
    if (open)
        report_html_putf(h, "\" %s/>\n", style);
    for (size_t i = 0; i < n; i++) {
        if (!(target ? p[i].has_target : p[i].has_value))
            continue;
        double v = target ? p[i].target : p[i].value;
        if (target)
            report_html_putf(
                h, "<rect x=\"%.1f\" y=\"%.1f\" width=\"7\" height=\"7\" fill=\"#c62828\"/>\n",
                chart_x(p[i].year, y0, y1) - 3.5, chart_y(v, max) - 3.5);
        else
            report_html_putf(h, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"#1f4e79\"/>\n",
                             chart_x(p[i].year, y0, y1), chart_y(v, max));
    }
}

/* The city-wide value (line with dots) and target (dashed, squares) per year, final target. */
static void review_chart(struct report_html *h, const struct report_indicator *ind,
                         const struct chart_point *p, size_t n, bool has_final, int final_year,
                         double final_value)
{
    if (n == 0)
        return;
    int y0 = p[0].year, y1 = p[n - 1].year;
    if (has_final && final_year > y1)
        y1 = final_year;
    if (has_final && final_year < y0)
        y0 = final_year;
    double max = has_final ? final_value : 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i].has_value && p[i].value > max)
            max = p[i].value;
        if (p[i].has_target && p[i].target > max)
            max = p[i].target;
    }
    max = max > 0 ? max * 1.1 : 1.0;
    if (ind->unit == REPORT_RATIO && max > 1.0 && max < 1.2)
        max = 1.1;
    report_html_put(h, "<figure>\n");
    report_html_putf(
        h,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" "
        "height=\"%.0f\" role=\"img\" aria-label=\"",
        CHART_W, CHART_H, CHART_W, CHART_H);
    report_html_esc(h, ind->zh);
    report_html_put(h, "\">\n");
    for (int t = 0; t <= 4; t++) {
        double v = max * t / 4.0;
        char s[64];
        format_value(s, sizeof s, ind->unit, v, false);
        double y = chart_y(v, max);
        report_html_putf(h,
                         "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n"
                         "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" class=\"muted\">",
                         CHART_L, y, CHART_W - CHART_R, y, CHART_L - 6, y + 4);
        report_html_esc(h, s);
        report_html_put(h, "</text>\n");
    }
    for (int yr = y0; yr <= y1; yr++)
        report_html_putf(h, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%d</text>\n",
                         chart_x(yr, y0, y1), CHART_H - CHART_B + 18, yr);
    polyline(h, p, n, true, y0, y1, max,
             "stroke=\"#c62828\" stroke-width=\"2\" "
             "stroke-dasharray=\"6 4\"");
    polyline(h, p, n, false, y0, y1, max, "stroke=\"#1f4e79\" stroke-width=\"2.5\"");
    if (has_final) {
        double x = chart_x(final_year, y0, y1), y = chart_y(final_value, max);
        char s[64];
        format_value(s, sizeof s, ind->unit, final_value, false);
        report_html_putf(h,
                         "<path d=\"M%.1f %.1f l6 6 l-6 6 l-6 -6 z\" fill=\"#ef6c00\"/>\n"
                         "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">",
                         x, y - 6, x - 8, y - 8);
        report_html_put(h, "终期目标 final ");
        report_html_esc(h, s);
        report_html_put(h, "</text>\n");
    }
    double ly = CHART_H - 12;
    report_html_putf(h,
                     "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#1f4e79\" "
                     "stroke-width=\"2.5\"/><text x=\"%.1f\" y=\"%.1f\">全市值 city value</text>\n",
                     CHART_L, ly, CHART_L + 24, ly, CHART_L + 30, ly + 4);
    report_html_putf(
        h,
        "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#c62828\" "
        "stroke-width=\"2\" stroke-dasharray=\"6 4\"/><text x=\"%.1f\" y=\"%.1f\">年度目标 "
        "target</text>\n",
        CHART_L + 170, ly, CHART_L + 194, ly, CHART_L + 200, ly + 4);
    report_html_put(h, "</svg>\n</figure>\n");
}

static const char *const review_heads[] = {"区县 district",      "年度 year",   "值 value",
                                           "目标 target",        "状态 status", "较上年变化 change",
                                           "按期可达成 on_track"};

/* The class of a status cell (report_css.c colours them); anything else reads as no data. */
static const char *status_class(const char *status)
{
    return terms_word(TERMS_STATUS, status, true) != NULL ? status : "no_data";
}

static void review_section(struct report_html *h, const json_t *lines, size_t from, size_t to)
{
    const json_t *first = json_array_get(lines, from);
    int ind_index = report_indicator_find(json_string_value(json_object_get(first, "indicator")));
    if (ind_index < 0) {
        h->rc = -1;
        return;
    }
    const struct report_indicator *ind = &report_indicators[ind_index];
    report_html_put(h, "<section class=\"indicator\">\n<h2>");
    report_html_esc(h, ind->zh);
    report_html_put(h, "<span class=\"en\">");
    report_html_esc(h, ind->en);
    report_html_put(h, "</span></h2>\n");
    struct chart_point p[64];
    size_t n = 0;
    bool has_final = false;
    int final_year = 0;
    double final_value = 0;
    for (size_t i = from; i < to && n < 64; i++) {
        const json_t *o = json_array_get(lines, i);
        if (!json_is_null(json_object_get(o, "district_code")))
            continue;
        struct chart_point *c = &p[n++];
        c->year = (int)json_integer_value(json_object_get(o, "year"));
        c->has_value = number_of(o, "value", &c->value);
        c->has_target = number_of(o, "target", &c->target);
        if (number_of(o, "final_value", &final_value)) {
            has_final = true;
            final_year = (int)json_integer_value(json_object_get(o, "final_year"));
        }
    }
    review_chart(h, ind, p, n, has_final, final_year, final_value);
    if (has_final) {
        char s[64];
        format_value(s, sizeof s, ind->unit, final_value, false);
        report_html_putf(h, "<p class=\"note\">终期目标 final target: %d ", final_year);
        report_html_esc(h, s);
        report_html_put(h, "</p>\n");
    }
    report_html_put(h, "<table>\n<thead><tr>");
    for (size_t k = 0; k < sizeof review_heads / sizeof review_heads[0]; k++) {
        report_html_put(h, "<th>");
        report_html_esc(h, review_heads[k]);
        report_html_put(h, "</th>");
    }
    report_html_put(h, "</tr></thead>\n<tbody>\n");
    for (size_t i = from; i < to; i++) {
        const json_t *o = json_array_get(lines, i);
        const char *d = json_string_value(json_object_get(o, "district_code"));
        report_html_put(h, d == NULL ? "<tr class=\"city\"><td class=\"code\">"
                                     : "<tr><td class=\"code\">");
        const char *name = json_string_value(json_object_get(o, "district_name"));
        if (d != NULL && name != NULL) {
            report_html_put(h, "<span class=\"district-name\">");
            report_html_esc(h, name);
            report_html_put(h, "</span> ");
        }
        report_html_esc(h, d == NULL ? "全市" : d);
        report_html_putf(h, "</td><td class=\"num\">%d</td>",
                         (int)json_integer_value(json_object_get(o, "year")));
        value_td(h, ind->unit, o, "value", false);
        value_td(h, ind->unit, o, "target", false);
        /* the words of the report's language beside the codes (report_row_words) */
        const char *status = json_string_value(json_object_get(o, "status_name"));
        report_html_putf(h, "<td class=\"st st-%s\">",
                         status_class(json_string_value(json_object_get(o, "status"))));
        report_html_esc(h,
                        status != NULL ? status : json_string_value(json_object_get(o, "status")));
        report_html_put(h, "</td>");
        value_td(h, ind->unit, o, "change", true);
        const json_t *t = json_object_get(o, "on_track");
        const char *on_track = json_string_value(json_object_get(o, "on_track_name"));
        report_html_put(h, json_is_true(t)    ? "<td class=\"r r-pass\">✓ "
                           : json_is_false(t) ? "<td class=\"r r-fail\">✗ "
                                              : "<td class=\"r\">–");
        if (on_track != NULL && !json_is_null(t))
            report_html_esc(h, on_track);
        report_html_put(h, "</td>");
        report_html_put(h, "</tr>\n");
    }
    report_html_put(h, "</tbody>\n</table>\n</section>\n");
}

static int review_render_html(const json_t *lines, int from, int to, const char *generated_at,
                              const char *without_targets, buf *out)
{
    struct report_html h = {out, 0};
    char title[128];
    snprintf(title, sizeof title, "%d–%d 工作要点进展 Progress review", from, to);
    page_head(&h, "zh", title);
    report_html_put(&h, "<p class=\"meta\">生成时间 generated: ");
    report_html_esc(&h, generated_at);
    report_html_put(
        &h,
        "</p>\n<p class=\"note\">图：实线为全市值，虚线为年度目标，菱形为终期目标。Chart: solid "
        "line city-wide value, dashed line yearly target, diamond final target.</p>\n");
    if (without_targets != NULL && without_targets[0] != '\0') {
        report_html_put(&h, "<p class=\"note no-targets\">以下年度没有目标文件，不在本报告中：");
        report_html_esc(&h, without_targets);
        report_html_put(&h, " 年（请在目标目录中放入该年度的 YEAR.json 后重新生成）。</p>\n");
    }
    report_html_put(&h, "</header>\n");
    size_t n = json_array_size(lines);
    for (size_t i = 0; h.rc == 0 && i < n;) {
        const char *id = json_string_value(json_object_get(json_array_get(lines, i), "indicator"));
        size_t j = i + 1;
        while (j < n && id != NULL &&
               strcmp(id, json_string_value(
                              json_object_get(json_array_get(lines, j), "indicator"))) == 0)
            j++;
        review_section(&h, lines, i, j);
        i = j;
    }
    report_html_put(&h, "</body>\n</html>\n");
    return h.rc;
}

/* ---- the pages as the HTML format sees them ------------------------------------------- */

struct audit_page {
    const struct report_audit_page_arg *arg;
    struct audit_html *html;
    json_t *districts;
};

static void audit_page_free(void *page)
{
    struct audit_page *p = page;
    if (p == NULL)
        return;
    audit_html_free(p->html);
    json_decref(p->districts);
    free(p);
}

static void *audit_page_open(const void *arg)
{
    const struct report_audit_page_arg *a = arg;
    struct audit_page *p = calloc(1, sizeof *p);
    if (p == NULL) {
        log_error("out of memory");
        return NULL;
    }
    p->arg = a;
    p->html = audit_html_open(a->lang);
    if (p->html != NULL)
        p->html->link_schools = a->link_schools;
    p->districts = json_array();
    if (p->html == NULL || p->districts == NULL) {
        if (p->districts == NULL)
            log_error("out of memory");
        audit_page_free(p);
        return NULL;
    }
    return p;
}

static int audit_page_row(void *page, size_t table, const json_t *row)
{
    struct audit_page *p = page;
    if (table == p->arg->rows_table)
        return audit_html_row(p->html, row);
    if (table == p->arg->districts_table && json_array_append(p->districts, (json_t *)row) != 0) {
        log_error("out of memory");
        return -1;
    }
    return 0;
}

static int audit_page_finish(void *page, struct report_file *rf)
{
    struct audit_page *p = page;
    return audit_html_finish(p->html, p->arg->year, p->arg->generated_at, p->districts, rf);
}

const struct report_page report_audit_page = {audit_page_open, audit_page_row, audit_page_finish,
                                              audit_page_free};

struct review_page {
    const struct report_review_page_arg *arg;
    json_t *lines; /* the chart of an indicator needs all of its lines */
};

static void review_page_free(void *page)
{
    struct review_page *p = page;
    if (p == NULL)
        return;
    json_decref(p->lines);
    free(p);
}

static void *review_page_open(const void *arg)
{
    struct review_page *p = calloc(1, sizeof *p);
    if (p != NULL)
        p->lines = json_array();
    if (p == NULL || p->lines == NULL) {
        log_error("out of memory");
        review_page_free(p);
        return NULL;
    }
    p->arg = arg;
    return p;
}

static int review_page_row(void *page, size_t table, const json_t *row)
{
    struct review_page *p = page;
    if (table == p->arg->lines_table && json_array_append(p->lines, (json_t *)row) != 0) {
        log_error("out of memory");
        return -1;
    }
    return 0;
}

static int review_page_finish(void *page, struct report_file *rf)
{
    struct review_page *p = page;
    buf html = BUF_INIT;
    int rc = review_render_html(p->lines, p->arg->from, p->arg->to, p->arg->generated_at,
                                p->arg->without_targets, &html);
    if (rc != 0)
        log_error("out of memory");
    else
        rc = report_file_write(rf, &html);
    buf_free(&html);
    return rc;
}

const struct report_page report_review_page = {review_page_open, review_page_row,
                                               review_page_finish, review_page_free};
