/* report_html.c - the indicator report as one self-contained HTML page to read and print. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/period.h"
#include "common/terms.h"
#include "common/util.h"
#include "report/report.h"
#include "report/report_names.h"
#include "report/report_css.h"

/*
 * Every word the page shows, in one language. The page must be readable without Xinyu
 * at hand, so the labels are complete phrases, not column names.
 */
struct html_labels {
    const char *html_lang;
    /* the title around the year, around "2024-2025" and the term's number, or a period as given */
    const char *year_prefix, *year_suffix;
    const char *term_prefix, *term_middle, *term_suffix;
    const char *other_prefix, *other_suffix;
    const char *term_words[2];
    const char *generated;
    const char *published; /* before the label of a published version */
    const char *draft;     /* a report not published */
    const char *note;
    const char *overview;
    const char *overview_by_type;
    const char *summary;
    const char *by_district;
    const char *by_type;
    const char *definition;
    const char *chart_caption;
    const char *city;
    const char *district;
    const char *school_type;
    const char *indicator;
    const char *number;
    const char *city_value;
    const char *districts_met;
    const char *districts_not_met;
    const char *districts_no_data;
    const char *numerator;
    const char *denominator;
    const char *value;
    const char *target;
    const char *status;
    const char *gap;
    const char *schools;
    const char *schools_no_data;
    const char *no_rows;
    const char *overview_columns[7];
    const char *target_line;
    const char *yuan;
    const char *points;        /* after a gap in percentage points */
    const char *axis[4];       /* per enum report_unit */
    bool zh;                   /* the catalogue's words (common/terms.h) in Chinese */
    const char *incidents;     /* the crisis rate's numerator: incidents, not incidents × 10,000 */
    const char *students;      /* and its denominator */
    const char *overview_term; /* before the term the overview covers */
    const char *overview_scope; /* after it, when the report covers more than that term */
};

static const struct html_labels labels_zh = {
    "zh-CN",
    "",
    "年度 心理健康教育指标报告",
    "",
    "学年第",
    "学期 心理健康教育指标报告",
    "",
    " 心理健康教育指标报告",
    {"一", "二"},
    "生成时间",
    "已发布",
    "草稿（未发布）",
    "数值仅在显示时四舍五入，是否达标按未经四舍五入的数值判断。",
    "一、概况",
    "按学校类型（全市）",
    "二、指标汇总",
    "分区县",
    "按学校类型",
    "指标定义",
    "各区县指标值与目标",
    "全市",
    "区县",
    "学校类型",
    "指标",
    "序号",
    "全市值",
    "达标区县数",
    "未达标区县数",
    "无数据区县数",
    "分子",
    "分母",
    "值",
    "目标",
    "状态",
    "差距",
    "学校数",
    "无数据学校数",
    "本报告没有该指标的数据。",
    {"在册学校数", "已上报学校数", "在校学生数", "专职心理教师数", "兼职心理教师数",
     "建有心理辅导室学校数", "开设心理课学校数"},
    "目标线",
    " 元",
    " 个百分点",
    {"比例（%）", "生均经费（元/生）", "每名专职心理教师对应学生数（人）",
     "每万名学生事件数（起）"},
    true,
    "心理危机事件数（起）",
    "在校学生数",
    "概况为 ",
    " 的数据（本报告所含学期中的最后一个学期）；下文指标按本报告的全部学期计算，"
    "两处的学校数、学生数因此可能不同。",
};

static const struct html_labels labels_en = {
    "en",
    "Mental-health education indicators, review year ",
    "",
    "Mental-health education indicators, school year ",
    ", term ",
    "",
    "Mental-health education indicators, ",
    "",
    {"1", "2"},
    "Generated",
    "Published",
    "Draft (not published)",
    "Values are rounded for display only; "
    "whether a target is met is judged on the unrounded values.",
    "1. Overview",
    "By school type (city-wide)",
    "2. Summary of indicators",
    "By district",
    "By school type",
    "Definition",
    "District values against the target",
    "City-wide",
    "District",
    "School type",
    "Indicator",
    "No.",
    "City-wide value",
    "Districts met",
    "Districts not met",
    "Districts without data",
    "Numerator",
    "Denominator",
    "Value",
    "Target",
    "Status",
    "Gap",
    "Schools",
    "Schools without data",
    "This report has no data for this indicator.",
    {"Active schools", "Schools reported", "Students", "Full-time psychology teachers",
     "Part-time psychology teachers", "Schools with a counseling room",
     "Schools with psychology lessons"},
    "Target",
    " yuan",
    " pp",
    {"Share (%)", "Funding per student (yuan)", "Students per full-time psychology teacher",
     "Incidents per 10,000 students"},
    false,
    "Crisis incidents",
    "Students",
    "The overview covers ",
    " (the last term of this report); the indicators below cover all of its terms, so their "
    "counts of schools and students may differ.",
};

/*
 * A page being written. The first failure sticks: later writes do nothing, so a section
 * can be written straight through and checked once at the end. The text gathers in out,
 * which goes to the sink whenever it holds a chunk.
 */
struct html {
    buf out;
    const struct report_sink *sink;
    const struct html_labels *l;
    int rc;
    const struct report_names *names; /* the districts' names; NULL: codes only */
};

static void flush(struct html *h)
{
    if (h->rc == 0 && h->out.len > 0)
        h->rc = h->sink->write(h->sink->ctx, h->out.data, h->out.len);
    buf_reset(&h->out);
}

/* Called after every write: a full chunk goes to the sink. */
static void written(struct html *h)
{
    if (h->out.len >= REPORT_SINK_CHUNK)
        flush(h);
}

static void put(struct html *h, const char *s)
{
    if (h->rc == 0)
        h->rc = buf_puts(&h->out, s);
    written(h);
}

/* Markup, numbers and Xinyu's own ids; every text of the document goes through text() instead. */
static void putf(struct html *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct html *h, const char *fmt, ...)
{
    if (h->rc != 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    h->rc = buf_vprintf(&h->out, fmt, ap);
    va_end(ap);
    written(h);
}

/*
 * At most max bytes of s, HTML-escaped. Control characters and bytes that are not UTF-8 are
 * shown as \x1b, \xff: a broken code must not break the page around it.
 */
static void text(struct html *h, const char *s, size_t max)
{
    if (s == NULL)
        return;
    size_t len = strnlen(s, max);
    if (h->rc == 0)
        h->rc = buf_html_escape(&h->out, s, len);
    written(h);
}

/* "-0.0" after rounding reads as a loss where there is none. */
static void drop_negative_zero(char *s)
{
    if (s[0] != '-' || strpbrk(s, "123456789") != NULL)
        return;
    memmove(s, s + 1, strlen(s));
}

/* Rounds for display only (INDICATORS.md): ratios in percent, money in 元, "N:1", per 10k. */
static void format_value(char *dst, size_t n, enum report_unit unit, double v)
{
    switch (unit) {
    case REPORT_RATIO:
        snprintf(dst, n, "%.1f%%", v * 100);
        break;
    case REPORT_MONEY:
        snprintf(dst, n, "%.2f", v);
        break;
    case REPORT_PER_TEACHER:
        snprintf(dst, n, "%.0f:1", v);
        break;
    case REPORT_PER_10K:
        snprintf(dst, n, "%.2f", v);
        break;
    }
    drop_negative_zero(dst);
}

/* The value with its unit as a table shows it: money gets 元, the others carry theirs. */
static void value_cell(struct html *h, enum report_unit unit, bool has, double v)
{
    char s[64];
    if (!has) {
        put(h, "<td class=\"num\">—</td>");
        return;
    }
    format_value(s, sizeof s, unit, v);
    putf(h, "<td class=\"num\">%s%s</td>", s, unit == REPORT_MONEY ? h->l->yuan : "");
}

static void target_text(char *dst, size_t n, const struct report_row *row, enum report_unit unit)
{
    char v[64];
    format_value(v, sizeof v, unit, row->target);
    snprintf(dst, n, "%s %s", strcmp(row->op, "<=") == 0 ? "≤" : "≥", v);
}

static void target_cell(struct html *h, const struct report_row *row, enum report_unit unit)
{
    char s[96];
    if (!row->has_target) {
        put(h, "<td class=\"num\">—</td>");
        return;
    }
    target_text(s, sizeof s, row, unit);
    putf(h, "<td class=\"num\">%s%s</td>", s, unit == REPORT_MONEY ? h->l->yuan : "");
}

/* A gap is positive when the target is beaten, whichever way the target points. */
static void gap_cell(struct html *h, enum report_unit unit, bool has, double gap)
{
    char s[64];
    const char *suffix = "";
    if (!has) {
        put(h, "<td class=\"num\">—</td>");
        return;
    }
    switch (unit) {
    case REPORT_RATIO:
        snprintf(s, sizeof s, "%+.1f", gap * 100);
        suffix = h->l->points;
        break;
    case REPORT_MONEY:
        snprintf(s, sizeof s, "%+.2f", gap);
        suffix = h->l->yuan;
        break;
    case REPORT_PER_TEACHER:
        snprintf(s, sizeof s, "%+.1f", gap);
        break;
    case REPORT_PER_10K:
        snprintf(s, sizeof s, "%+.2f", gap);
        break;
    }
    /* only an exact zero goes without a sign: "-0.0" still tells the target was missed */
    putf(h, "<td class=\"num\">%s%s</td>", gap == 0 ? s + 1 : s, suffix);
}

/* Counts are whole; a sum of money is not, and shows its fen. */
static void count_cell(struct html *h, bool has, double v)
{
    if (!has || !isfinite(v))
        put(h, "<td class=\"num\">—</td>");
    else if (v == floor(v) && fabs(v) < 1e15)
        putf(h, "<td class=\"num\">%.0f</td>", v);
    else
        putf(h, "<td class=\"num\">%.2f</td>", v);
}

/* The status in words; anything unknown reads as missing data. */
static const char *status_label(const struct html_labels *l, const char *status)
{
    const char *w = terms_word(TERMS_STATUS, status, l->zh);
    return w != NULL ? w : terms_word(TERMS_STATUS, "no_data", l->zh);
}

/* The class names the four statuses; anything else is shown as missing data. */
static const char *status_class(const char *status)
{
    if (status != NULL && (strcmp(status, "met") == 0 || strcmp(status, "not_met") == 0 ||
                           strcmp(status, "no_target") == 0))
        return status;
    return "no_data";
}

/* A mark beside the word, so that the status reads at a glance on a black-and-white print. */
static void status_cell(struct html *h, const char *status)
{
    const char *cls = status_class(status);
    const char *mark = "";
    if (strcmp(cls, "met") == 0)
        mark = "✓ ";
    else if (strcmp(cls, "not_met") == 0)
        mark = "✗ ";
    putf(h, "<td class=\"st st-%s\">%s", cls, mark);
    text(h, status_label(h->l, status), 64);
    put(h, "</td>");
}

/* A district's name and its code, or the city-wide label when the row has none; the code
 * alone when the registry does not know it. */
static void district_text(struct html *h, const char *code, size_t cap)
{
    const char *name = report_names_district(h->names, code);
    if (code[0] == '\0') {
        text(h, h->l->city, 64);
    } else if (name != NULL) {
        put(h, "<span class=\"district-name\">");
        text(h, name, 256);
        put(h, "</span> <span class=\"code\">");
        text(h, code, cap);
        put(h, "</span>");
    } else {
        text(h, code, cap);
    }
}

/* A chart's label: the district's name alone, its code when the registry does not know it. */
static void district_label(struct html *h, const char *code, size_t cap)
{
    const char *name = report_names_district(h->names, code);
    if (code[0] == '\0')
        text(h, h->l->city, 64);
    else
        text(h, name != NULL ? name : code, name != NULL ? 256 : cap);
}

/* Known school types by name; an unknown code is shown as it came. */
static void school_type_text(struct html *h, const char *code, size_t cap)
{
    char copy[32];
    util_strlcpy(copy, code, cap + 1 < sizeof copy ? cap + 1 : sizeof copy);
    const char *w = terms_word(TERMS_SCHOOL_TYPE, copy, h->l->zh);
    text(h, w != NULL ? w : code, w != NULL ? 64 : cap);
}

static void title_text(struct html *h, const struct report_doc *doc)
{
    char title[256];
    const char *p = doc->period;
    const struct html_labels *l = h->l;
    if (p == NULL) {
        snprintf(title, sizeof title, "%s%d%s", l->year_prefix, doc->year, l->year_suffix);
        text(h, title, sizeof title);
        return;
    }
    /* a canonical term "2024-2025-1"; anything else is shown as it came */
    if (period_shaped(p)) {
        char years[10];
        memcpy(years, p, 9);
        years[9] = '\0';
        snprintf(title, sizeof title, "%s%s%s%s%s", l->term_prefix, years, l->term_middle,
                 l->term_words[p[10] - '1'], l->term_suffix);
    } else {
        snprintf(title, sizeof title, "%s%.64s%s", l->other_prefix, p, l->other_suffix);
    }
    text(h, title, sizeof title);
}

/* "2025-01-21T02:00:00+08:00" reads as "2025-01-21 02:00:00 +08:00"; other text as it came. */
static void generated_text(struct html *h, const char *s, size_t cap)
{
    size_t len = strnlen(s, cap);
    if (len < 20 || s[10] != 'T' || strspn(s, "0123456789-") != 10) {
        text(h, s, cap);
        return;
    }
    char copy[64];
    if (len >= sizeof copy - 2)
        len = sizeof copy - 3;
    memcpy(copy, s, 10);
    copy[10] = ' ';
    memcpy(copy + 11, s + 11, 8);
    copy[19] = ' ';
    memcpy(copy + 20, s + 19, len - 19);
    copy[len + 1] = '\0';
    text(h, copy, sizeof copy);
}

static void overview_header(struct html *h, const char *first)
{
    put(h, "<thead><tr><th>");
    text(h, first, 64);
    put(h, "</th>");
    for (int k = 0; k < 7; k++) {
        put(h, "<th>");
        text(h, h->l->overview_columns[k], 128);
        put(h, "</th>");
    }
    put(h, "</tr></thead>\n");
}

static void overview_numbers(struct html *h, const struct report_overview *ov)
{
    const long fields[7] = {ov->schools_active,      ov->schools_reported, ov->students,
                            ov->psych_fulltime,      ov->psych_parttime,   ov->schools_with_room,
                            ov->schools_with_lessons};
    for (int k = 0; k < 7; k++)
        putf(h, "<td class=\"num\">%ld</td>", fields[k]);
    put(h, "</tr>\n");
}

/* District rows and the city-wide row first; then the city by school type, when given. */
static void overview_section(struct html *h, const struct report_doc *doc)
{
    put(h, "<section id=\"overview\">\n<h2>");
    text(h, h->l->overview, 128);
    put(h, "</h2>\n");
    /* which term, and that the indicators may cover more: the figures then differ */
    if (doc->overview_period != NULL) {
        char term[64];
        if (h->l->zh)
            period_words(doc->overview_period, term, sizeof term);
        else
            util_strlcpy(term, doc->overview_period, sizeof term);
        put(h, "<p class=\"note scope-note\">");
        text(h, h->l->overview_term, 128);
        text(h, term, sizeof term);
        if (doc->period == NULL)
            text(h, h->l->overview_scope, 512);
        else
            put(h, h->l->zh ? "。" : ".");
        put(h, "</p>\n");
    }
    put(h, "<table>\n");
    overview_header(h, h->l->district);
    put(h, "<tbody>\n");
    for (size_t i = 0; i < doc->noverview; i++) {
        const struct report_overview *ov = &doc->overview[i];
        if (ov->school_type[0] != '\0')
            continue;
        put(h, ov->district_code[0] == '\0' ? "<tr class=\"city\">" : "<tr>");
        put(h, "<td class=\"code\">");
        district_text(h, ov->district_code, sizeof ov->district_code);
        put(h, "</td>");
        overview_numbers(h, ov);
    }
    put(h, "</tbody>\n</table>\n");

    bool by_type = false;
    for (size_t i = 0; i < doc->noverview; i++) {
        const struct report_overview *ov = &doc->overview[i];
        if (ov->school_type[0] == '\0' || ov->district_code[0] != '\0')
            continue;
        if (!by_type) {
            put(h, "<h3>");
            text(h, h->l->overview_by_type, 128);
            put(h, "</h3>\n<table>\n");
            overview_header(h, h->l->school_type);
            put(h, "<tbody>\n");
            by_type = true;
        }
        put(h, "<tr><td>");
        school_type_text(h, ov->school_type, sizeof ov->school_type);
        put(h, "</td>");
        overview_numbers(h, ov);
    }
    if (by_type)
        put(h, "</tbody>\n</table>\n");
    put(h, "</section>\n");
}

/* Ends a walk over the rows: a failure to read them fails the page. */
static void walked(struct html *h, const struct report_rows_iter *it)
{
    if (h->rc == 0 && report_rows_failed(it))
        h->rc = -1;
}

static void indicator_name(struct html *h, const struct report_indicator *ind)
{
    text(h, ind->zh, 256);
    if (h->l == &labels_en) {
        put(h, "<span class=\"en\">");
        text(h, ind->en, 256);
        put(h, "</span>");
    }
}

static void summary_section(struct html *h, const struct report_doc *doc)
{
    const struct html_labels *l = h->l;
    put(h, "<section id=\"summary\">\n<h2>");
    text(h, l->summary, 128);
    put(h, "</h2>\n<table>\n<thead><tr>");
    const char *heads[] = {l->number, l->indicator,     l->city_value,        l->target,
                           l->status, l->districts_met, l->districts_not_met, l->districts_no_data};
    for (size_t k = 0; k < sizeof heads / sizeof heads[0]; k++) {
        put(h, "<th>");
        text(h, heads[k], 128);
        put(h, "</th>");
    }
    put(h, "</tr></thead>\n<tbody>\n");
    for (int i = 0; i < REPORT_NINDICATORS; i++) {
        const struct report_indicator *ind = &report_indicators[i];
        long met = 0, not_met = 0, no_data = 0;
        /* the city-wide row over all school types (the first such), and the districts' */
        struct report_row city_copy;
        const struct report_row *city = NULL;
        struct report_rows_iter it;
        report_rows_begin(&it, doc, i);
        const struct report_row *r;
        while ((r = report_rows_next(&it)) != NULL) {
            if (r->school_type[0] != '\0')
                continue;
            if (r->district_code[0] == '\0') {
                if (city == NULL) {
                    city_copy = *r;
                    city = &city_copy;
                }
                continue;
            }
            const char *cls = status_class(r->status);
            if (strcmp(cls, "met") == 0)
                met++;
            else if (strcmp(cls, "not_met") == 0)
                not_met++;
            else if (strcmp(cls, "no_data") == 0)
                no_data++;
        }
        walked(h, &it);
        putf(h, "<tr><td class=\"num\">%d</td><td><a href=\"#ind-%s\">", i + 1, ind->id);
        text(h, h->l == &labels_en ? ind->en : ind->zh, 256);
        put(h, "</a></td>");
        if (city != NULL) {
            value_cell(h, ind->unit, city->has_value, city->value);
            target_cell(h, city, ind->unit);
            status_cell(h, city->status);
        } else {
            put(h, "<td class=\"num\">—</td><td class=\"num\">—</td>");
            status_cell(h, "no_data");
        }
        /* with no target, met and not met mean nothing */
        if (city != NULL && !city->has_target)
            putf(h, "<td class=\"num\">—</td><td class=\"num\">—</td><td class=\"num\">%ld</td>",
                 no_data);
        else
            putf(h,
                 "<td class=\"num\">%ld</td><td class=\"num\">%ld</td><td class=\"num\">%ld</td>",
                 met, not_met, no_data);
        put(h, "</tr>\n");
    }
    put(h, "</tbody>\n</table>\n</section>\n");
}

/* Chart geometry in SVG user units: the page scales the whole drawing to its width. */
#define CHART_WIDTH 760.0
#define CHART_LEFT 120.0
#define CHART_RIGHT 96.0
#define CHART_TOP 30.0
#define CHART_PITCH 26.0
#define CHART_BAR 16.0
#define CHART_AXIS 46.0
#define CHART_LEGEND 26.0
#define CHART_HATCH 6.0

/* An axis end and step of 1, 2, 2.5 or 5 times a power of ten, so that ticks read easily. */
static void chart_scale(enum report_unit unit, double max, double *axis_max, double *step)
{
    if (unit == REPORT_RATIO && max <= 1.0) {
        *axis_max = 1.0;
        *step = 0.2;
        return;
    }
    if (!(max > 0) || !isfinite(max))
        max = 1.0;
    double raw = max / 5;
    double magnitude = pow(10, floor(log10(raw)));
    double norm = raw / magnitude;
    double nice = norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10;
    *step = nice * magnitude;
    *axis_max = ceil(max / *step - 1e-9) * *step;
    if (*axis_max < max)
        *axis_max += *step;
}

/* Decimals a tick label needs to show its step exactly (at most 3). */
static int tick_decimals(double step)
{
    int d = 0;
    double scaled = step;
    while (d < 3 && fabs(scaled - round(scaled)) > 1e-9) {
        scaled *= 10;
        d++;
    }
    return d;
}

/*
 * Diagonal lines inside a bar: a hatched bar stays distinct from a solid one on a
 * black-and-white print. Drawn as one path because a pattern would need a url() reference.
 */
static void hatch(struct html *h, double x0, double y0, double w, double hgt)
{
    if (w < 1)
        return;
    put(h, "<path class=\"hatch\" d=\"");
    for (double t = x0 - hgt + CHART_HATCH; t < x0 + w; t += CHART_HATCH) {
        double sx = t, sy = y0 + hgt, ex = t + hgt, ey = y0;
        if (sx < x0) {
            sy -= x0 - sx;
            sx = x0;
        }
        if (ex > x0 + w) {
            ey += ex - (x0 + w);
            ex = x0 + w;
        }
        if (ex - sx > 0.1)
            putf(h, "M%.1f %.1fL%.1f %.1f", sx, sy, ex, ey);
    }
    put(h, "\" fill=\"none\" stroke=\"#b71c1c\" stroke-width=\"1.4\"/>");
}

/* A bar in the style of its status; the same shapes make the legend. */
static void bar(struct html *h, const char *cls, double x, double y, double w, double hgt)
{
    if (strcmp(cls, "met") == 0) {
        putf(h, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#2e7d32\"/>", x,
             y, w, hgt);
    } else if (strcmp(cls, "not_met") == 0) {
        putf(h,
             "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#fdecea\" "
             "stroke=\"#b71c1c\" stroke-width=\"1\"/>",
             x, y, w, hgt);
        hatch(h, x, y, w, hgt);
    } else {
        putf(h, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#546e7a\"/>", x,
             y, w, hgt);
    }
}

static void legend_item(struct html *h, double *x, double y, const char *cls, const char *label)
{
    if (strcmp(cls, "target") == 0)
        putf(h,
             "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#1a1a1a\" "
             "stroke-width=\"2\" stroke-dasharray=\"5 3\"/>",
             *x + 6, y - 2, *x + 6, y + 12);
    else if (strcmp(cls, "no_data") == 0)
        putf(h,
             "<rect x=\"%.1f\" y=\"%.1f\" width=\"22\" height=\"12\" fill=\"none\" "
             "stroke=\"#888\" stroke-dasharray=\"2 2\"/>",
             *x, y);
    else
        bar(h, cls, *x, y, 22, 12);
    putf(h, "<text x=\"%.1f\" y=\"%.1f\">", *x + 28, y + 10);
    text(h, label, 64);
    put(h, "</text>");
    *x += 28 + 14 * (double)strlen(label) / 2.2 + 26;
}

/*
 * Horizontal bars of the city-wide value and each district's, against the target line.
 * A district without a value gets no bar but the words "no data" where the bar would be.
 */
static void chart(struct html *h, const struct report_doc *doc, int indicator)
{
    const struct report_indicator *ind = &report_indicators[indicator];
    const struct html_labels *l = h->l;
    size_t nbars = 0;
    double max = 0;
    struct report_row target_copy;
    const struct report_row *with_target = NULL;
    struct report_rows_iter it;
    const struct report_row *r;
    report_rows_begin(&it, doc, indicator);
    while ((r = report_rows_next(&it)) != NULL) {
        if (r->school_type[0] != '\0')
            continue;
        nbars++;
        if (r->has_value && isfinite(r->value) && r->value > max)
            max = r->value;
        if (r->has_target && with_target == NULL) {
            target_copy = *r;
            with_target = &target_copy;
        }
    }
    walked(h, &it);
    if (with_target != NULL && isfinite(with_target->target) && with_target->target > max)
        max = with_target->target;
    double axis_max, step;
    chart_scale(ind->unit, max, &axis_max, &step);
    double plot_w = CHART_WIDTH - CHART_LEFT - CHART_RIGHT;
    double plot_h = (double)(nbars > 0 ? nbars : 1) * CHART_PITCH;
    double bottom = CHART_TOP + plot_h;
    double height = bottom + CHART_AXIS + CHART_LEGEND;

    put(h, "<figure>\n");
    putf(h,
         "<svg viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" "
         "height=\"%.0f\" role=\"img\" aria-labelledby=\"chart-%s\">",
         CHART_WIDTH, height, CHART_WIDTH, height, ind->id);
    putf(h, "<title id=\"chart-%s\">", ind->id);
    text(h, l == &labels_en ? ind->en : ind->zh, 256);
    put(h, " — ");
    text(h, l->chart_caption, 128);
    put(h, "</title>\n");

    /* grid and tick labels */
    int nticks = (int)lround(axis_max / step);
    double tick_unit = ind->unit == REPORT_RATIO ? 100 : 1;
    int decimals = tick_decimals(step * tick_unit);
    for (int k = 0; k <= nticks; k++) {
        double t = step * k;
        double x = CHART_LEFT + t / axis_max * plot_w;
        putf(h,
             "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
             "stroke-width=\"1\"/>",
             x, CHART_TOP - 4, x, bottom, k == 0 ? "#1a1a1a" : "#dddddd");
        putf(h, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" class=\"muted\">%.*f%s</text>",
             x, bottom + 15, decimals, t * tick_unit, ind->unit == REPORT_RATIO ? "%" : "");
    }
    putf(h, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#1a1a1a\"/>",
         CHART_LEFT, bottom, CHART_LEFT + plot_w, bottom);
    putf(h, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", CHART_LEFT + plot_w / 2,
         bottom + 34);
    text(h, l->axis[ind->unit], 128);
    put(h, "</text>\n");

    size_t k = 0;
    report_rows_begin(&it, doc, indicator);
    while ((r = report_rows_next(&it)) != NULL) {
        if (r->school_type[0] != '\0')
            continue;
        double y = CHART_TOP + (double)k * CHART_PITCH + (CHART_PITCH - CHART_BAR) / 2;
        bool city = r->district_code[0] == '\0';
        putf(h, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\"%s>", CHART_LEFT - 8, y + 12,
             city ? " class=\"city\"" : "");
        district_label(h, r->district_code, sizeof r->district_code);
        put(h, "</text>");
        if (r->has_value && isfinite(r->value)) {
            double v = r->value > 0 ? r->value : 0;
            bar(h, status_class(r->status), CHART_LEFT, y, v / axis_max * plot_w, CHART_BAR);
        } else {
            putf(h,
                 "<rect x=\"%.1f\" y=\"%.1f\" width=\"60\" height=\"%.1f\" fill=\"none\" "
                 "stroke=\"#888\" stroke-dasharray=\"2 2\"/>",
                 CHART_LEFT + 1, y, CHART_BAR);
            putf(h, "<text x=\"%.1f\" y=\"%.1f\" class=\"muted\">", CHART_LEFT + 68, y + 12);
            text(h, status_label(l, "no_data"), 64);
            put(h, "</text>");
        }
        if (city && nbars > 1)
            putf(h,
                 "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#999\" "
                 "stroke-dasharray=\"1 2\"/>",
                 8.0, CHART_TOP + (double)(k + 1) * CHART_PITCH, CHART_LEFT + plot_w,
                 CHART_TOP + (double)(k + 1) * CHART_PITCH);
        put(h, "\n");
        k++;
    }
    walked(h, &it);
    if (nbars == 0) {
        putf(h, "<text x=\"%.1f\" y=\"%.1f\" class=\"muted\">", CHART_LEFT + 8, CHART_TOP + 17);
        text(h, l->no_rows, 128);
        put(h, "</text>\n");
    }

    /* the target line over the bars, labelled above the plot */
    if (with_target != NULL && isfinite(with_target->target)) {
        double tx =
            CHART_LEFT + (with_target->target > 0 ? with_target->target : 0) / axis_max * plot_w;
        char s[96];
        target_text(s, sizeof s, with_target, ind->unit);
        putf(h,
             "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#1a1a1a\" "
             "stroke-width=\"2\" stroke-dasharray=\"5 3\"/>",
             tx, CHART_TOP - 8, tx, bottom);
        const char *anchor = tx > CHART_LEFT + plot_w - 80 ? "end"
                             : tx < CHART_LEFT + 80        ? "start"
                                                           : "middle";
        putf(h, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">", tx, CHART_TOP - 12, anchor);
        text(h, l->target, 64);
        putf(h, " %s%s</text>\n", s, ind->unit == REPORT_MONEY ? l->yuan : "");
    }

    /* the values last, haloed, so that the target line never strikes through one */
    k = 0;
    report_rows_begin(&it, doc, indicator);
    while ((r = report_rows_next(&it)) != NULL) {
        if (r->school_type[0] != '\0')
            continue;
        double y = CHART_TOP + (double)k * CHART_PITCH + (CHART_PITCH - CHART_BAR) / 2;
        k++;
        if (!r->has_value || !isfinite(r->value))
            continue;
        char s[64];
        double v = r->value > 0 ? r->value : 0;
        format_value(s, sizeof s, ind->unit, r->value);
        putf(h, "<text x=\"%.1f\" y=\"%.1f\" class=\"value\">%s</text>",
             CHART_LEFT + v / axis_max * plot_w + 5, y + 12, s);
    }
    walked(h, &it);
    put(h, "\n");

    double lx = CHART_LEFT, ly = bottom + CHART_AXIS;
    if (with_target != NULL) {
        legend_item(h, &lx, ly, "met", status_label(l, "met"));
        legend_item(h, &lx, ly, "not_met", status_label(l, "not_met"));
        legend_item(h, &lx, ly, "target", l->target_line);
    } else {
        legend_item(h, &lx, ly, "no_target", status_label(l, "no_target"));
    }
    legend_item(h, &lx, ly, "no_data", status_label(l, "no_data"));
    put(h, "</svg>\n</figure>\n");
}

static void row_header(struct html *h, bool with_type, enum report_unit unit)
{
    const struct html_labels *l = h->l;
    put(h, "<thead><tr>");
    if (with_type) {
        put(h, "<th>");
        text(h, l->school_type, 64);
        put(h, "</th>");
    }
    bool per_10k = unit == REPORT_PER_10K;
    const char *heads[] = {l->district,
                           per_10k ? l->incidents : l->numerator,
                           per_10k ? l->students : l->denominator,
                           l->value,
                           l->target,
                           l->status,
                           l->gap,
                           l->schools,
                           l->schools_no_data};
    for (size_t k = 0; k < sizeof heads / sizeof heads[0]; k++) {
        put(h, "<th>");
        text(h, heads[k], 64);
        put(h, "</th>");
    }
    put(h, "</tr></thead>\n");
}

static void row_cells(struct html *h, const struct report_row *r, bool with_type)
{
    enum report_unit unit = report_indicators[r->indicator].unit;
    put(h, r->district_code[0] == '\0' ? "<tr class=\"city\">" : "<tr>");
    if (with_type) {
        put(h, "<td>");
        school_type_text(h, r->school_type, sizeof r->school_type);
        put(h, "</td>");
    }
    put(h, "<td class=\"code\">");
    district_text(h, r->district_code, sizeof r->district_code);
    put(h, "</td>");
    /* the rate's numerator is incidents × 10,000 (INDICATORS.md); a person reads incidents */
    count_cell(h, r->has_numerator, unit == REPORT_PER_10K ? r->numerator / 10000 : r->numerator);
    count_cell(h, r->has_denominator, r->denominator);
    value_cell(h, unit, r->has_value, r->value);
    target_cell(h, r, unit);
    status_cell(h, r->status);
    gap_cell(h, unit, r->has_gap, r->gap);
    putf(h, "<td class=\"num\">%ld</td><td class=\"num\">%ld</td></tr>\n", r->schools,
         r->schools_no_data);
}

/* One table of the indicator's rows, all types together or by type; nothing when none. */
static void rows_table(struct html *h, const struct report_doc *doc, int indicator, bool by_type)
{
    bool open = false;
    struct report_rows_iter it;
    const struct report_row *r;
    report_rows_begin(&it, doc, indicator);
    while ((r = report_rows_next(&it)) != NULL) {
        if ((r->school_type[0] != '\0') != by_type)
            continue;
        if (!open) {
            put(h, "<h3>");
            text(h, by_type ? h->l->by_type : h->l->by_district, 64);
            put(h, "</h3>\n<table>\n");
            row_header(h, by_type, report_indicators[indicator].unit);
            put(h, "<tbody>\n");
            open = true;
        }
        row_cells(h, r, by_type);
    }
    walked(h, &it);
    if (open)
        put(h, "</tbody>\n</table>\n");
}

static void indicator_section(struct html *h, const struct report_doc *doc, int indicator)
{
    const struct report_indicator *ind = &report_indicators[indicator];
    putf(h, "<section class=\"indicator\" id=\"ind-%s\">\n<h2>%d. ", ind->id, indicator + 1);
    indicator_name(h, ind);
    put(h, "</h2>\n<p class=\"definition\">");
    text(h, h->l->definition, 64);
    put(h, h->l == &labels_en ? ": " : "：");
    text(h, h->l == &labels_en ? ind->definition_en : ind->definition_zh, 1024);
    put(h, "</p>\n");
    chart(h, doc, indicator);
    rows_table(h, doc, indicator, false);
    rows_table(h, doc, indicator, true);
    put(h, "</section>\n");
}

int report_stream_html(const struct report_doc *doc, const char *lang,
                       const struct report_sink *sink)
{
    const struct html_labels *l;
    if (lang == NULL || strcmp(lang, "zh") == 0)
        l = &labels_zh;
    else if (strcmp(lang, "en") == 0)
        l = &labels_en;
    else
        return -1;
    /* checked first, so that nothing is written for a document that cannot be */
    struct report_rows_iter it;
    const struct report_row *r;
    report_rows_begin(&it, doc, -1);
    while ((r = report_rows_next(&it)) != NULL) {
        if (r->indicator < 0 || r->indicator >= REPORT_NINDICATORS)
            return -1;
    }
    if (report_rows_failed(&it))
        return -1;
    struct html h = {BUF_INIT, sink, l, 0, doc->names};

    putf(&h, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n",
         l->html_lang);
    put(&h, "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
    title_text(&h, doc);
    put(&h, "</title>\n");
    put(&h, report_css_style(REPORT_CSS_INDICATORS));
    put(&h, "</head>\n<body>\n<header>\n<h1>");
    title_text(&h, doc);
    put(&h, "</h1>\n<p class=\"meta\">");
    text(&h, l->generated, 64);
    put(&h, l == &labels_en ? ": " : "：");
    generated_text(&h, doc->generated_at, sizeof doc->generated_at);
    /* whether this is a version the bureau can quote, where everyone reading the page sees it */
    if (doc->label != NULL) {
        put(&h, "</p>\n<p class=\"version published\">");
        text(&h, l->published, 64);
        put(&h, " ");
        text(&h, doc->label, 128);
    } else {
        put(&h, "</p>\n<p class=\"version draft\">");
        text(&h, l->draft, 64);
    }
    put(&h, "</p>\n</header>\n");
    /* the same on every printed page (report_css.c) */
    put(&h, doc->label != NULL ? "<div class=\"print-mark published\">"
                               : "<div class=\"print-mark draft\">");
    text(&h, doc->label != NULL ? l->published : l->draft, 64);
    if (doc->label != NULL) {
        put(&h, " ");
        text(&h, doc->label, 128);
    }
    put(&h, "</div>\n<p class=\"note\">");
    text(&h, l->note, 512);
    put(&h, "</p>\n");
    overview_section(&h, doc);
    summary_section(&h, doc);
    for (int i = 0; i < REPORT_NINDICATORS; i++)
        indicator_section(&h, doc, i);
    put(&h, "</body>\n</html>\n");
    flush(&h);
    buf_free(&h.out);
    return h.rc == 0 ? 0 : -1;
}

static int sink_buf(void *ctx, const char *data, size_t len)
{
    return buf_append(ctx, data, len);
}

int report_render_html(const struct report_doc *doc, const char *lang, buf *out)
{
    size_t start = out->len;
    struct report_sink sink = {sink_buf, out};
    if (report_stream_html(doc, lang, &sink) == 0)
        return 0;
    if (out->data != NULL) {
        out->len = start;
        out->data[start] = '\0';
    }
    return -1;
}
