/* report_quality_html.c - the quality page: the city's terms, then per district its reporting
 * by day as a chart and its open lists with the schools' names, each linked to its page. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "report/report_common.h"
#include "report/report_pages.h"

#define CHUNK ((size_t)1 << 16)
#define CHART_DAYS 180 /* the days a chart spans at most, up to its last day */

/* Rows of one list and one district that came one after the other, in the temporary file. */
struct run {
    char district[8]; /* "" for the rows of no known district */
    size_t table;
    long offset;
    size_t len, rows;
};

/* One row of xinyu.quality_reporting_by_day. */
struct day_row {
    char period[16], district[8];
    int day;      /* days since 1970-01-01; meaningful when has_day */
    int deadline; /* likewise, when has_deadline */
    bool has_day, has_deadline, has_on_time;
    long active, reported, on_time;
};

struct district {
    char code[8];
    char name[96];
};

struct qpage {
    const struct report_quality_page_arg *arg;
    bool en;
    FILE *tmp;
    long tmp_len;
    buf row;
    struct run *runs;
    size_t nruns, cap_runs;
    struct day_row *days;
    size_t ndays, cap_days;
    struct district *districts;
    size_t ndistricts, cap_districts;
    json_t *terms;
};

struct labels {
    const char *title, *generated, *city, *districts, *unknown_district, *none, *chart_note,
        *reported, *on_time, *deadline, *no_deadline, *no_reports, *as_of, *open_items, *back;
};
static const struct labels labels_zh = {
    "数据质量与完整性报告",
    "生成时间",
    "全市",
    "各区县",
    "区县未知（学校不在名册中或无法识别）",
    "无",
    "图：实线为上报率（已收到该校首个有效版本），虚线为按时上报率（采用版本在截止日当天结束前填报，"
    "UTC+8）；纵线为截止日。",
    "上报率",
    "按时上报率",
    "截止日",
    "截止日期未知，不计按时上报率",
    "本学期尚无学校上报",
    "截至",
    "待处理事项",
    "返回全市",
};
static const struct labels labels_en = {
    "Data quality and completeness",
    "Generated",
    "City",
    "Districts",
    "District unknown (school not in the registry or unreadable)",
    "none",
    "Chart: solid line reporting rate (first valid version received), dashed line on-time rate "
    "(accepted version made by the end of the deadline day, UTC+8); the vertical line is the "
    "deadline.",
    "reporting rate",
    "on-time rate",
    "deadline",
    "deadline unknown: no on-time rate",
    "no school has reported this term yet",
    "as of",
    "open items",
    "back to the city",
};

/* The lists' titles by their CSV name; a list not named here is titled by its sheet or CSV. */
static const struct {
    const char *csv, *zh, *en;
} list_titles[] = {
    {"not-reported", "未上报学校", "Schools that have not reported"},
    {"late", "逾期上报", "Late submissions"},
    {"rejections", "被退回的报送及原因", "Rejected submissions and their reasons"},
    {"warnings", "警告", "Warnings"},
    {"outliers", "异常值", "Outliers"},
    {"summary-mismatches", "工作总结与报表不一致", "Work summary and submission disagree"},
};

static void qpage_free(void *page)
{
    struct qpage *p = page;
    if (p == NULL)
        return;
    if (p->tmp != NULL)
        fclose(p->tmp);
    buf_free(&p->row);
    free(p->runs);
    free(p->days);
    free(p->districts);
    json_decref(p->terms);
    free(p);
}

static void *qpage_open(const void *arg)
{
    struct qpage *p = calloc(1, sizeof *p);
    if (p == NULL) {
        log_error("out of memory");
        return NULL;
    }
    p->arg = arg;
    p->en = p->arg->lang != NULL && strcmp(p->arg->lang, "en") == 0;
    p->terms = json_array();
    p->tmp = tmpfile();
    if (p->terms == NULL || p->tmp == NULL) {
        log_error_detail("cannot write the quality page", "temporary file",
                         p->tmp == NULL ? strerror(errno) : "out of memory");
        qpage_free(p);
        return NULL;
    }
    return p;
}

static const char *text_of(const json_t *row, const char *key)
{
    return json_string_value(json_object_get(row, key));
}

/* "YYYY-MM-DD" (a longer text too) into days since 1970-01-01. 0, or -1 when it is no date. */
static int parse_day(const char *s, int *day)
{
    char part[8];
    int y, m, d;
    if (s == NULL || strlen(s) < 10 || s[4] != '-' || s[7] != '-')
        return -1;
    memcpy(part, s, 4);
    part[4] = '\0';
    if (util_parse_int(part, 1900, 2999, &y) != 0)
        return -1;
    memcpy(part, s + 5, 2);
    part[2] = '\0';
    if (util_parse_int(part, 1, 12, &m) != 0)
        return -1;
    memcpy(part, s + 8, 2);
    if (util_parse_int(part, 1, 31, &d) != 0)
        return -1;
    *day = (int)util_days_from_civil(y, (unsigned)m, (unsigned)d);
    return 0;
}

/* The civil date of a day number as "MM-DD" or "YYYY-MM-DD" (with_year). */
static void format_day(int day, bool with_year, char *dst, size_t n)
{
    /* Howard Hinnant's civil_from_days */
    long z = (long)day + 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long y = yoe + era * 400;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    long d = doy - (153 * mp + 2) / 5 + 1;
    long m = mp < 10 ? mp + 3 : mp - 9;
    if (m <= 2)
        y++;
    if (with_year)
        snprintf(dst, n, "%04ld-%02ld-%02ld", y, m, d);
    else
        snprintf(dst, n, "%02ld-%02ld", m, d);
}

/* The district of code, added with name when new. NULL out of memory (logged). */
static struct district *district_of(struct qpage *p, const char *code, const char *name)
{
    for (size_t i = p->ndistricts; i > 0; i--) {
        struct district *d = &p->districts[i - 1];
        if (strcmp(d->code, code) == 0) {
            if (d->name[0] == '\0' && name != NULL)
                util_strlcpy(d->name, name, sizeof d->name);
            return d;
        }
    }
    if (p->ndistricts == p->cap_districts) {
        size_t cap = p->cap_districts > 0 ? p->cap_districts * 2 : 32;
        struct district *n = realloc(p->districts, cap * sizeof *n);
        if (n == NULL) {
            log_error("out of memory");
            return NULL;
        }
        p->districts = n;
        p->cap_districts = cap;
    }
    struct district *d = &p->districts[p->ndistricts++];
    memset(d, 0, sizeof *d);
    util_strlcpy(d->code, code, sizeof d->code);
    if (name != NULL)
        util_strlcpy(d->name, name, sizeof d->name);
    return d;
}

static int day_row_add(struct qpage *p, const json_t *row)
{
    if (p->ndays == p->cap_days) {
        size_t cap = p->cap_days > 0 ? p->cap_days * 2 : 256;
        struct day_row *n = realloc(p->days, cap * sizeof *n);
        if (n == NULL) {
            log_error("out of memory");
            return -1;
        }
        p->days = n;
        p->cap_days = cap;
    }
    struct day_row *d = &p->days[p->ndays];
    memset(d, 0, sizeof *d);
    const char *period = text_of(row, "period"), *district = text_of(row, "district_code");
    util_strlcpy(d->period, period != NULL ? period : "", sizeof d->period);
    util_strlcpy(d->district, district != NULL ? district : "", sizeof d->district);
    d->has_day = parse_day(text_of(row, "day"), &d->day) == 0;
    d->has_deadline = parse_day(text_of(row, "deadline"), &d->deadline) == 0;
    d->active = (long)json_integer_value(json_object_get(row, "schools_active"));
    d->reported = (long)json_integer_value(json_object_get(row, "schools_reported"));
    const json_t *on_time = json_object_get(row, "schools_on_time");
    d->has_on_time = json_is_integer(on_time);
    d->on_time = (long)json_integer_value(on_time);
    p->ndays++;
    if (district != NULL && district_of(p, district, text_of(row, "district_name")) == NULL)
        return -1;
    return 0;
}

/* ---- a list's row ----------------------------------------------------------------------- */

static bool has_column(const struct report_table *t, const char *key)
{
    for (size_t k = 0; k < t->ncols; k++) {
        if (strcmp(t->cols[k].key, key) == 0)
            return true;
    }
    return false;
}

/* Whether a column shows on the page: the section names the district; the Chinese page shows
 * the Chinese reason (the English one in en) and names a field by its label and path, not by
 * its code or its column in the database. */
static bool column_shown(const struct qpage *p, const struct report_table *t, const char *key)
{
    if (strcmp(key, "district_code") == 0 || strcmp(key, "district_name") == 0)
        return false;
    /* the words beside codes (report_row_words) are for the CSV and the sheet: the page shows
     * a code in words already */
    for (size_t k = 0; k < t->ncols; k++) {
        if (t->cols[k].readable && strcmp(t->cols[k].key, key) == 0 &&
            strcmp(key, "school_name") != 0)
            return false;
    }
    if (p->en)
        return strcmp(key, "message_zh") != 0 || !has_column(t, "message");
    if (strcmp(key, "message") == 0)
        return !has_column(t, "message_zh");
    /* the reason's number within its submission is for the CSV's reader */
    return strcmp(key, "code") != 0 && strcmp(key, "field") != 0 && strcmp(key, "seq") != 0;
}

/* The header of a column in the page's language: the Chinese or the English part of its
 * bilingual header ("学期 period"). */
static void column_header(struct report_html *h, const struct report_column *c, bool en)
{
    const char *head = c->header != NULL ? c->header : c->key;
    const char *space = strrchr(head, ' ');
    if (space == NULL) {
        report_html_esc(h, head);
        return;
    }
    if (en) {
        report_html_esc(h, space + 1);
        return;
    }
    size_t n = (size_t)(strchr(head, ' ') - head);
    char zh[128];
    util_strlcpy(zh, head, n + 1 < sizeof zh ? n + 1 : sizeof zh);
    report_html_esc(h, zh);
}

/* One cell of a list: the codes of the data in words, a field by its label, a school's name
 * linked to its page. */
static int cell(struct qpage *p, struct report_html *h, const json_t *row, const char *key)
{
    const json_t *v = json_object_get(row, key);
    const char *lang = p->arg->lang;
    if (json_is_null(v) || v == NULL) {
        if (strcmp(key, "message_zh") == 0 && !p->en) {
            /* a reason stored before the catalogue had a Chinese text */
            report_html_put(h, "<td>未提供中文说明");
            const char *code = text_of(row, "code");
            if (code != NULL) {
                report_html_put(h, "<span class=\"path\">(");
                report_html_esc(h, code);
                report_html_put(h, ")</span>");
            }
            report_html_put(h, "</td>");
            return 0;
        }
        report_html_put(h, "<td></td>");
        return 0;
    }
    if (json_is_integer(v)) {
        report_html_putf(h, "<td class=\"num\">%" JSON_INTEGER_FORMAT "</td>",
                         json_integer_value(v));
        return 0;
    }
    if (json_is_real(v)) {
        report_html_putf(h, "<td class=\"num\">%.2f</td>", json_real_value(v));
        return 0;
    }
    if (json_is_boolean(v)) {
        report_html_put(h, "<td>");
        report_html_esc(h, report_word_bool(json_is_true(v), lang));
        report_html_put(h, "</td>");
        return 0;
    }
    const char *s = json_string_value(v);
    if (s == NULL) {
        report_html_put(h, "<td></td>");
        return 0;
    }
    if (strcmp(key, "school_name") == 0) {
        const char *code = text_of(row, "school_code");
        if (p->arg->link_schools && code != NULL &&
            report_school_set_add(p->arg->linked, code) != 0)
            return -1;
        if (p->arg->link_schools && code != NULL && strspn(code, "0123456789") == strlen(code)) {
            report_html_putf(h, "<td class=\"name\"><a class=\"school\" href=\"%s/%s.html\">",
                             REPORT_SCHOOL_DIR, code);
            report_html_esc(h, s);
            report_html_put(h, "</a></td>");
            return 0;
        }
    }
    if (strcmp(key, "path") == 0) {
        report_html_put(h, "<td>");
        report_html_field(h, s, lang);
        report_html_put(h, "</td>");
        return 0;
    }
    const char *shown = s;
    if (strcmp(key, "school_type") == 0)
        shown = report_word(REPORT_WORD_SCHOOL_TYPE, s, lang);
    else if (strcmp(key, "severity") == 0)
        shown = report_word(REPORT_WORD_SEVERITY, s, lang);
    else if (strcmp(key, "kind") == 0)
        shown = report_word(REPORT_WORD_OUTLIER, s, lang);
    bool file = strcmp(key, "ref") == 0 || strcmp(key, "summary_ref") == 0;
    bool code_like = strcmp(key, "school_code") == 0 || strcmp(key, "source") == 0;
    report_html_put(h, file        ? "<td class=\"code ref\">"
                       : code_like ? "<td class=\"code\">"
                                   : "<td>");
    report_html_esc(h, shown);
    report_html_put(h, "</td>");
    return 0;
}

static int list_row(struct qpage *p, size_t table, const json_t *row)
{
    const struct report_table *t = &p->arg->tables[table];
    const char *district = text_of(row, "district_code");
    if (district == NULL)
        district = "";
    if (district[0] != '\0' && district_of(p, district, text_of(row, "district_name")) == NULL)
        return -1;
    buf_reset(&p->row);
    struct report_html h = {&p->row, 0};
    report_html_put(&h, "<tr>");
    for (size_t k = 0; h.rc == 0 && k < t->ncols; k++) {
        if (column_shown(p, t, t->cols[k].key) && cell(p, &h, row, t->cols[k].key) != 0)
            return -1;
    }
    report_html_put(&h, "</tr>\n");
    if (h.rc != 0) {
        log_error("out of memory");
        return -1;
    }
    struct run *r = p->nruns > 0 ? &p->runs[p->nruns - 1] : NULL;
    if (r == NULL || r->table != table || strcmp(r->district, district) != 0) {
        if (p->nruns == p->cap_runs) {
            size_t cap = p->cap_runs > 0 ? p->cap_runs * 2 : 64;
            struct run *n = realloc(p->runs, cap * sizeof *n);
            if (n == NULL) {
                log_error("out of memory");
                return -1;
            }
            p->runs = n;
            p->cap_runs = cap;
        }
        r = &p->runs[p->nruns++];
        memset(r, 0, sizeof *r);
        util_strlcpy(r->district, district, sizeof r->district);
        r->table = table;
        r->offset = p->tmp_len;
    }
    if (fwrite(p->row.data, 1, p->row.len, p->tmp) != p->row.len) {
        log_error_detail("cannot write the quality page", "temporary file", strerror(errno));
        return -1;
    }
    r->len += p->row.len;
    r->rows++;
    p->tmp_len += (long)p->row.len;
    return 0;
}

static bool shown_list(const struct qpage *p, size_t table)
{
    const struct report_table *t = &p->arg->tables[table];
    return t->csv != NULL && table != p->arg->terms_table && table != p->arg->by_day_table &&
           table != p->arg->new_table;
}

static int qpage_row(void *page, size_t table, const json_t *row)
{
    struct qpage *p = page;
    if (table == p->arg->terms_table) {
        if (json_array_append(p->terms, (json_t *)row) != 0) {
            log_error("out of memory");
            return -1;
        }
        return 0;
    }
    if (table == p->arg->by_day_table)
        return day_row_add(p, row);
    return shown_list(p, table) ? list_row(p, table, row) : 0;
}

/* ---- the page --------------------------------------------------------------------------- */

#define CW 640.0
#define CH 230.0
#define CL 56.0
#define CR 16.0
#define CT 14.0
#define CB 56.0

static double chart_x(int day, int first, int last)
{
    double w = CW - CL - CR;
    return last == first ? CL + w : CL + w * (double)(day - first) / (double)(last - first);
}

static double chart_y(long n, long active)
{
    double r = active > 0 ? (double)n / (double)active : 0;
    return CT + (CH - CT - CB) * (1.0 - r);
}

/* A cumulative count as a step line from first to last: flat until a day's change. */
static void step_line(struct report_html *h, const struct day_row *d, size_t n, bool on_time,
                      int first, int last, const char *cls)
{
    long before = 0;
    for (size_t i = 0; i < n && d[i].day < first; i++)
        before = on_time ? d[i].on_time : d[i].reported;
    report_html_putf(h, "<polyline class=\"%s\" points=\"%.1f,%.1f", cls,
                     chart_x(first, first, last), chart_y(before, d[0].active));
    long at = before;
    for (size_t i = 0; i < n; i++) {
        if (d[i].day < first)
            continue;
        long v = on_time ? d[i].on_time : d[i].reported;
        double x = chart_x(d[i].day, first, last);
        report_html_putf(h, " %.1f,%.1f %.1f,%.1f", x, chart_y(at, d[i].active), x,
                         chart_y(v, d[i].active));
        at = v;
    }
    report_html_putf(h, " %.1f,%.1f\"/>\n", chart_x(last, first, last), chart_y(at, d[0].active));
}

static void percent(char *dst, size_t n, long part, long whole)
{
    if (whole > 0)
        snprintf(dst, n, "%.1f%%", 100.0 * (double)part / (double)whole);
    else
        snprintf(dst, n, "–");
}

/* The chart of one term and district (or the city): rows d[0..n) of it, in day order. */
static void day_chart(struct qpage *p, struct report_html *h, const struct day_row *d, size_t n,
                      const char *where)
{
    const struct labels *l = p->en ? &labels_en : &labels_zh;
    report_html_put(h, "<h3>");
    report_html_esc(h, d[0].period);
    report_html_put(h, "</h3>\n");
    char a[32], b[32], when[48];
    if (!d[0].has_day) {
        report_html_put(h, "<p class=\"empty\">");
        report_html_esc(h, l->no_reports);
        report_html_putf(h, "（0 / %ld）</p>\n", d[0].active);
        return;
    }
    const struct day_row *end = &d[n - 1];
    int last = end->day, first = d[0].day;
    if (d[0].has_deadline && d[0].deadline > last)
        last = d[0].deadline;
    if (d[0].has_deadline && d[0].deadline < first)
        first = d[0].deadline;
    if (last - first > CHART_DAYS)
        first = last - CHART_DAYS;
    report_html_putf(
        h,
        "<figure>\n<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f %.0f\" "
        "width=\"%.0f\" height=\"%.0f\" role=\"img\" aria-label=\"",
        CW, CH, CW, CH);
    report_html_esc(h, where);
    report_html_put(h, " ");
    report_html_esc(h, d[0].period);
    report_html_put(h, "\">\n");
    for (int t = 0; t <= 4; t++) {
        double y = CT + (CH - CT - CB) * (1.0 - t / 4.0);
        report_html_putf(h,
                         "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                         "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" class=\"muted\">%d%%"
                         "</text>\n",
                         CL, y, CW - CR, y, CL - 6, y + 4, t * 25);
    }
    double base = CH - CB;
    format_day(first, true, when, sizeof when);
    report_html_putf(h, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"start\">%s</text>\n", CL,
                     base + 16, when);
    format_day(last, true, when, sizeof when);
    report_html_putf(h, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", CW - CR,
                     base + 16, when);
    if (d[0].has_deadline && d[0].deadline >= first) {
        double x = chart_x(d[0].deadline, first, last);
        format_day(d[0].deadline, false, when, sizeof when);
        report_html_putf(h,
                         "<line class=\"deadline\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                         "y2=\"%.1f\"/><text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">",
                         x, CT, x, base, x, base + 30);
        report_html_esc(h, l->deadline);
        report_html_putf(h, " %s</text>\n", when);
    }
    step_line(h, d, n, false, first, last, "reported");
    if (d[0].has_on_time)
        step_line(h, d, n, true, first, last, "on-time");
    double ly = CH - 8;
    report_html_putf(h,
                     "<line class=\"reported\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
                     "<text x=\"%.1f\" y=\"%.1f\">",
                     CL, ly, CL + 24, ly, CL + 30, ly + 4);
    report_html_esc(h, l->reported);
    report_html_put(h, "</text>\n");
    if (d[0].has_on_time) {
        report_html_putf(h,
                         "<line class=\"on-time\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
                         "<text x=\"%.1f\" y=\"%.1f\">",
                         CL + 150, ly, CL + 174, ly, CL + 180, ly + 4);
        report_html_esc(h, l->on_time);
        report_html_put(h, "</text>\n");
    }
    report_html_put(h, "</svg>\n</figure>\n<p class=\"meta\">");
    format_day(end->day, true, when, sizeof when);
    report_html_esc(h, l->as_of);
    report_html_putf(h, " %s: ", when);
    percent(a, sizeof a, end->reported, end->active);
    report_html_esc(h, l->reported);
    report_html_putf(h, " %s (%ld / %ld)", a, end->reported, end->active);
    if (end->has_on_time) {
        percent(b, sizeof b, end->on_time, end->active);
        report_html_put(h, p->en ? ", " : "，");
        report_html_esc(h, l->on_time);
        report_html_putf(h, " %s (%ld / %ld)", b, end->on_time, end->active);
    } else {
        report_html_put(h, p->en ? "; " : "；");
        report_html_esc(h, l->no_deadline);
    }
    report_html_put(h, "</p>\n");
}

/* The charts of a district ("" the city), one per term. */
static void district_charts(struct qpage *p, struct report_html *h, const char *district,
                            const char *where)
{
    for (size_t i = 0; i < p->ndays;) {
        size_t j = i + 1;
        while (j < p->ndays && strcmp(p->days[j].period, p->days[i].period) == 0 &&
               strcmp(p->days[j].district, p->days[i].district) == 0)
            j++;
        if (strcmp(p->days[i].district, district) == 0)
            day_chart(p, h, &p->days[i], j - i, where);
        i = j;
    }
}

static void list_title(const struct qpage *p, struct report_html *h, size_t table)
{
    const struct report_table *t = &p->arg->tables[table];
    for (size_t i = 0; i < sizeof list_titles / sizeof list_titles[0]; i++) {
        if (strcmp(list_titles[i].csv, t->csv) == 0) {
            report_html_esc(h, p->en ? list_titles[i].en : list_titles[i].zh);
            return;
        }
    }
    struct report_column c = {t->key, t->sheet != NULL ? t->sheet : t->csv, 't', 0, false};
    column_header(h, &c, p->en);
}

static size_t rows_of(const struct qpage *p, const char *district, size_t table)
{
    size_t n = 0;
    for (size_t i = 0; i < p->nruns; i++) {
        if (p->runs[i].table == table && strcmp(p->runs[i].district, district) == 0)
            n += p->runs[i].rows;
    }
    return n;
}

/* Writes what h holds to the file and empties it. */
static int flush(struct report_html *h, struct report_file *rf)
{
    if (h->rc != 0) {
        log_error("out of memory");
        return -1;
    }
    return report_file_write(rf, h->out);
}

/* The rows of a list in a district, from the temporary file. */
static int copy_rows(struct qpage *p, struct report_html *h, const char *district, size_t table,
                     struct report_file *rf)
{
    char chunk[8192];
    for (size_t i = 0; i < p->nruns; i++) {
        const struct run *r = &p->runs[i];
        if (r->table != table || strcmp(r->district, district) != 0)
            continue;
        if (fseek(p->tmp, r->offset, SEEK_SET) != 0) {
            log_error_detail("cannot read the quality page back", "temporary file",
                             strerror(errno));
            return -1;
        }
        for (size_t left = r->len; left > 0;) {
            size_t n = left < sizeof chunk ? left : sizeof chunk;
            if (fread(chunk, 1, n, p->tmp) != n) {
                log_error_detail("cannot read the quality page back", "temporary file",
                                 ferror(p->tmp) ? strerror(errno) : "short file");
                return -1;
            }
            if (h->rc == 0)
                h->rc = buf_append(h->out, chunk, n);
            left -= n;
            if (h->out->len >= CHUNK && flush(h, rf) != 0)
                return -1;
        }
    }
    return 0;
}

/* Every list of a district ("" the rows of no district): title, count, its rows or "none". */
static int district_lists(struct qpage *p, struct report_html *h, const char *district,
                          struct report_file *rf)
{
    const struct labels *l = p->en ? &labels_en : &labels_zh;
    for (size_t t = 0; t < p->arg->ntables; t++) {
        if (!shown_list(p, t))
            continue;
        const struct report_table *tab = &p->arg->tables[t];
        size_t n = rows_of(p, district, t);
        report_html_put(h, "<h3>");
        list_title(p, h, t);
        report_html_putf(h, "（%zu）</h3>\n", n);
        if (n == 0) {
            report_html_put(h, "<p class=\"empty\">");
            report_html_esc(h, l->none);
            report_html_put(h, "</p>\n");
            continue;
        }
        report_html_putf(h, "<table class=\"list\" data-list=\"%s\">\n<thead><tr>", tab->csv);
        for (size_t k = 0; k < tab->ncols; k++) {
            if (!column_shown(p, tab, tab->cols[k].key))
                continue;
            report_html_put(h, "<th>");
            column_header(h, &tab->cols[k], p->en);
            report_html_put(h, "</th>");
        }
        report_html_put(h, "</tr></thead>\n<tbody>\n");
        if (copy_rows(p, h, district, t, rf) != 0)
            return -1;
        report_html_put(h, "</tbody>\n</table>\n");
    }
    return flush(h, rf);
}

static size_t open_items(const struct qpage *p, const char *district)
{
    size_t n = 0;
    for (size_t t = 0; t < p->arg->ntables; t++) {
        if (shown_list(p, t))
            n += rows_of(p, district, t);
    }
    return n;
}

static int district_cmp(const void *a, const void *b)
{
    return strcmp(((const struct district *)a)->code, ((const struct district *)b)->code);
}

/* The city's terms: the terms table as its columns define it. */
static void terms_table(struct qpage *p, struct report_html *h)
{
    const struct report_table *t = &p->arg->tables[p->arg->terms_table];
    report_html_put(h, "<table class=\"terms\">\n<thead><tr>");
    for (size_t k = 0; k < t->ncols; k++) {
        report_html_put(h, "<th>");
        column_header(h, &t->cols[k], p->en);
        report_html_put(h, "</th>");
    }
    report_html_put(h, "</tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < json_array_size(p->terms); i++) {
        const json_t *row = json_array_get(p->terms, i);
        report_html_put(h, "<tr>");
        for (size_t k = 0; k < t->ncols; k++)
            cell(p, h, row, t->cols[k].key);
        report_html_put(h, "</tr>\n");
    }
    report_html_put(h, "</tbody>\n</table>\n");
}

static int qpage_finish(void *page, struct report_file *rf)
{
    struct qpage *p = page;
    const struct labels *l = p->en ? &labels_en : &labels_zh;
    qsort(p->districts, p->ndistricts, sizeof *p->districts, district_cmp);
    buf out = BUF_INIT;
    struct report_html h = {&out, 0};
    char title[160];
    snprintf(title, sizeof title, "%s %s", p->arg->scope_text, l->title);
    report_html_head(&h, p->arg->lang, title);
    report_html_put(&h, "<p class=\"meta\">");
    report_html_esc(&h, l->generated);
    report_html_put(&h, p->en ? ": " : "：");
    report_html_esc(&h, p->arg->generated_at);
    report_html_put(&h, "</p>\n<p class=\"note\">");
    report_html_esc(&h, l->chart_note);
    report_html_put(&h, "</p>\n</header>\n<nav>\n<ul>\n");
    for (size_t i = 0; i < p->ndistricts; i++) {
        const struct district *d = &p->districts[i];
        report_html_putf(&h, "<li><a href=\"#district-%s\">", d->code);
        report_html_esc(&h, d->name[0] != '\0' ? d->name : d->code);
        report_html_put(&h, "</a> <span class=\"path\">(");
        report_html_esc(&h, d->code);
        report_html_putf(&h, ")</span> ");
        report_html_esc(&h, l->open_items);
        report_html_putf(&h, " %zu</li>\n", open_items(p, d->code));
    }
    if (open_items(p, "") > 0) {
        report_html_put(&h, "<li><a href=\"#district-unknown\">");
        report_html_esc(&h, l->unknown_district);
        report_html_putf(&h, "</a> %zu</li>\n", open_items(p, ""));
    }
    report_html_put(&h, "</ul>\n</nav>\n<section id=\"city\">\n<h2>");
    report_html_esc(&h, l->city);
    report_html_put(&h, "</h2>\n");
    terms_table(p, &h);
    district_charts(p, &h, "", l->city);
    report_html_put(&h, "</section>\n");
    int rc = flush(&h, rf);
    for (size_t i = 0; rc == 0 && i < p->ndistricts; i++) {
        const struct district *d = &p->districts[i];
        report_html_putf(&h, "<section class=\"district\" id=\"district-%s\">\n<h2>", d->code);
        report_html_esc(&h, d->name[0] != '\0' ? d->name : d->code);
        report_html_put(&h, "<span class=\"en\">(");
        report_html_esc(&h, d->code);
        report_html_put(&h, ")</span></h2>\n<p class=\"meta\"><a href=\"#city\">");
        report_html_esc(&h, l->back);
        report_html_put(&h, "</a></p>\n");
        district_charts(p, &h, d->code, d->name);
        rc = district_lists(p, &h, d->code, rf);
        report_html_put(&h, "</section>\n");
    }
    if (rc == 0 && open_items(p, "") > 0) {
        report_html_put(&h, "<section class=\"district\" id=\"district-unknown\">\n<h2>");
        report_html_esc(&h, l->unknown_district);
        report_html_put(&h, "</h2>\n");
        rc = district_lists(p, &h, "", rf);
        report_html_put(&h, "</section>\n");
    }
    report_html_put(&h, "</body>\n</html>\n");
    if (rc == 0)
        rc = flush(&h, rf);
    buf_free(&out);
    return rc;
}

const struct report_page report_quality_page = {qpage_open, qpage_row, qpage_finish, qpage_free};
