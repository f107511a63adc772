/* test_report_html.c - the HTML report: content, formats, escaping, nothing from outside. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/buf.h"
#include "common/util.h"
#include "report/report.h"

static const struct report_target at_least_80 = {true, ">=", 0.8, true, 2025, 1.0};
static const struct report_target at_most_1000 = {true, "<=", 1000, false, 0, 0};
static const struct report_target at_least_10 = {true, ">=", 10, false, 0, 0};

/* Fits district_code[8]: every character of it must be escaped. */
#define HOSTILE_DISTRICT "<b>&\"'x"
#define HOSTILE_TYPE "<script>"

static struct report_row make_row(const char *indicator, const char *district, const char *type,
                                  double numerator, double denominator,
                                  const struct report_target *target)
{
    struct report_row row;
    memset(&row, 0, sizeof row);
    row.indicator = report_indicator_find(indicator);
    assert_true(row.indicator >= 0);
    assert_int_equal(util_strlcpy(row.district_code, district, sizeof row.district_code), 0);
    assert_int_equal(util_strlcpy(row.school_type, type, sizeof row.school_type), 0);
    row.has_numerator = true;
    row.numerator = numerator;
    row.has_denominator = true;
    row.denominator = denominator;
    row.schools = 3;
    report_row_evaluate(&row, target);
    return row;
}

/*
 * Two districts and the city: a ratio met and not met, a "<=" indicator with a district
 * without data, an indicator without target, money, a school-type row and a hostile code.
 */
struct sample {
    struct report_overview overview[4];
    struct report_row rows[12];
    struct report_doc doc;
};

static void make_sample(struct sample *s)
{
    memset(s, 0, sizeof *s);
    struct report_overview city = {"", "", 39, 38, 53492, 15, 292, 39, 32};
    struct report_overview d1 = {"320102", "", 20, 20, 30000, 10, 150, 20, 18};
    struct report_overview d2 = {"320104", "", 19, 18, 23492, 5, 142, 19, 14};
    struct report_overview primary = {"", "primary", 26, 26, 40000, 9, 200, 26, 22};
    s->overview[0] = city;
    s->overview[1] = d1;
    s->overview[2] = d2;
    s->overview[3] = primary;
    size_t n = 0;
    s->rows[n++] = make_row("cert_a_coverage", "", "", 59, 74, &at_least_80);
    s->rows[n++] = make_row("cert_a_coverage", "320102", "", 30, 37, &at_least_80);
    s->rows[n++] = make_row("cert_a_coverage", "320104", "", 29, 37, &at_least_80);
    s->rows[n++] = make_row("cert_a_coverage", "", "primary", 30, 37, &at_least_80);
    s->rows[n++] = make_row("students_per_fulltime", "", "", 9000, 10, &at_most_1000);
    s->rows[n++] = make_row("students_per_fulltime", "320102", "", 9000, 10, &at_most_1000);
    s->rows[n++] = make_row("students_per_fulltime", "320104", "", 31, 0, &at_most_1000);
    s->rows[n++] = make_row("crisis_rate_per_10k", "", "", 30000, 53492, NULL);
    s->rows[n++] = make_row("funding_per_student", "", "", 8200.5, 1171, &at_least_10);
    s->rows[n++] = make_row("room_rate", HOSTILE_DISTRICT, "", 1, 2, NULL);
    s->rows[n++] = make_row("room_rate", "320102", HOSTILE_TYPE, 1, 2, NULL);
    /* a value exactly on its target: met, with a gap of zero */
    s->rows[n++] = make_row("cert_b_coverage", "", "", 4, 5, &at_least_80);
    s->doc.kind = "indicators";
    s->doc.year = 2024;
    s->doc.period = NULL;
    assert_int_equal(
        util_strlcpy(s->doc.generated_at, "2025-01-21T02:00:00+08:00", sizeof s->doc.generated_at),
        0);
    s->doc.rows = s->rows;
    s->doc.nrows = n;
    s->doc.overview = s->overview;
    s->doc.noverview = 4;
}

static char *render(const struct report_doc *doc, const char *lang)
{
    buf out = BUF_INIT;
    assert_int_equal(report_render_html(doc, lang, &out), 0);
    assert_non_null(out.data);
    return buf_steal(&out);
}

static size_t count(const char *haystack, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(haystack, needle); p != NULL; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* The text as the page must carry it, escaped. */
static void expect_escaped_name(const char *html, const char *name)
{
    buf want = BUF_INIT;
    for (const char *p = name; *p != '\0'; p++) {
        const char *entity = *p == '"'    ? "&quot;"
                             : *p == '&'  ? "&amp;"
                             : *p == '<'  ? "&lt;"
                             : *p == '>'  ? "&gt;"
                             : *p == '\'' ? "&#39;"
                                          : NULL;
        if (entity != NULL)
            assert_int_equal(buf_puts(&want, entity), 0);
        else
            assert_int_equal(buf_putc(&want, *p), 0);
    }
    if (strstr(html, want.data) == NULL)
        fail_msg("the page lacks \"%s\"", want.data);
    buf_free(&want);
}

static void test_every_indicator_has_name_and_chart(void **state)
{
    (void)state;
    struct sample s;
    make_sample(&s);
    char *html = render(&s.doc, "zh");
    assert_int_equal(count(html, "<svg"), REPORT_NINDICATORS);
    for (int i = 0; i < REPORT_NINDICATORS; i++) {
        expect_escaped_name(html, report_indicators[i].zh);
        /* the section's chart comes before the next section */
        char anchor[96];
        snprintf(anchor, sizeof anchor, "id=\"ind-%s\"", report_indicators[i].id);
        const char *section = strstr(html, anchor);
        assert_non_null(section);
        const char *svg = strstr(section, "<svg");
        const char *next = strstr(section + 1, "<section");
        assert_non_null(svg);
        assert_true(next == NULL || svg < next);
    }
    free(html);
}

static void test_self_contained(void **state)
{
    (void)state;
    static const char *const banned[] = {"http://", "https://", "<script", "<link", "@import",
                                         "url(",    "<img",     "<iframe", "src=",  "<object"};
    struct sample s;
    make_sample(&s);
    for (int lang = 0; lang < 2; lang++) {
        char *html = render(&s.doc, lang == 0 ? "zh" : "en");
        assert_true(strncmp(html, "<!DOCTYPE html>\n", 16) == 0);
        for (size_t i = 0; i < sizeof banned / sizeof banned[0]; i++) {
            if (strstr(html, banned[i]) != NULL)
                fail_msg("the page contains \"%s\"", banned[i]);
        }
        assert_non_null(strstr(html, "<meta charset=\"utf-8\">"));
        assert_non_null(strstr(html, "@media print"));
        assert_non_null(strstr(html, "break-before:page"));
        free(html);
    }
}

static void test_escapes_data(void **state)
{
    (void)state;
    struct sample s;
    make_sample(&s);
    assert_int_equal(util_strlcpy(s.doc.generated_at, "<i>2025</i>", sizeof s.doc.generated_at), 0);
    char *html = render(&s.doc, "zh");
    assert_null(strstr(html, HOSTILE_DISTRICT));
    assert_null(strstr(html, "<b>"));
    assert_null(strstr(html, "<i>"));
    assert_non_null(strstr(html, "&lt;b&gt;&amp;&quot;&#39;x"));
    assert_non_null(strstr(html, "&lt;script&gt;"));
    assert_non_null(strstr(html, "&lt;i&gt;2025&lt;/i&gt;"));
    free(html);
}

static void test_formats_values(void **state)
{
    (void)state;
    struct sample s;
    make_sample(&s);
    char *html = render(&s.doc, "zh");
    /* 30/37 = 81.08 %; 29/37 = 78.38 % below 80 % */
    assert_non_null(strstr(html, "<td class=\"num\">81.1%</td>"));
    assert_non_null(strstr(html, "<td class=\"num\">78.4%</td>"));
    assert_non_null(strstr(html, "≥ 80.0%"));
    assert_non_null(strstr(html, "+1.1 个百分点"));
    assert_non_null(strstr(html, "-1.6 个百分点"));
    /* on the target exactly: no sign */
    assert_non_null(strstr(html, "<td class=\"num\">0.0 个百分点</td>"));
    /* students per full-time teacher, lower is better: the gap is target - value */
    assert_non_null(strstr(html, "<td class=\"num\">900:1</td>"));
    assert_non_null(strstr(html, "≤ 1000:1"));
    assert_non_null(strstr(html, "+100.0"));
    /* money with two decimals and 元: 8200.50 / 1171 = 7.0030 */
    assert_non_null(strstr(html, "<td class=\"num\">7.00 元</td>"));
    assert_non_null(strstr(html, "<td class=\"num\">8200.50</td>"));
    assert_non_null(strstr(html, "≥ 10.00 元"));
    /* per 10,000 students with two decimals: 30000 / 53492 = 0.5608 */
    assert_non_null(strstr(html, "<td class=\"num\">0.56</td>"));
    free(html);
}

static void test_chinese_labels(void **state)
{
    (void)state;
    struct sample s;
    make_sample(&s);
    char *html = render(&s.doc, NULL);
    assert_non_null(strstr(html, "<html lang=\"zh-CN\">"));
    assert_non_null(strstr(html, "2024年度 心理健康教育指标报告"));
    assert_non_null(strstr(html, "2025-01-21 02:00:00 +08:00"));
    assert_non_null(strstr(html, "一、概况"));
    assert_non_null(strstr(html, "✓ 达标"));
    assert_non_null(strstr(html, "✗ 未达标"));
    assert_non_null(strstr(html, ">无数据<"));
    assert_non_null(strstr(html, ">无目标<"));
    assert_non_null(strstr(html, "<td>小学</td>"));
    assert_non_null(strstr(html, ">全市<"));
    /* the district without a value has no bar but the words in the chart */
    assert_non_null(strstr(html, "class=\"muted\">无数据</text>"));
    /* the overview: city-wide and both districts, then the city by school type */
    assert_non_null(strstr(html, "<td class=\"num\">53492</td>"));
    assert_non_null(strstr(html, "<td class=\"num\">23492</td>"));
    assert_non_null(strstr(html, "<td class=\"num\">40000</td>"));
    assert_null(strstr(html, "Not met"));
    free(html);
}

static void test_english_labels(void **state)
{
    (void)state;
    struct sample s;
    make_sample(&s);
    char *html = render(&s.doc, "en");
    assert_non_null(strstr(html, "<html lang=\"en\">"));
    assert_non_null(strstr(html, "Mental-health education indicators, review year 2024"));
    assert_non_null(strstr(html, "✓ Met"));
    assert_non_null(strstr(html, "✗ Not met"));
    assert_non_null(strstr(html, ">No data<"));
    assert_non_null(strstr(html, ">No target<"));
    assert_non_null(strstr(html, "<td>Primary</td>"));
    assert_non_null(strstr(html, "+1.1 pp"));
    assert_non_null(strstr(html, "7.00 yuan"));
    /* the Chinese name stays beside the English one */
    for (int i = 0; i < REPORT_NINDICATORS; i++) {
        expect_escaped_name(html, report_indicators[i].zh);
        expect_escaped_name(html, report_indicators[i].en);
        expect_escaped_name(html, report_indicators[i].definition_en);
    }
    assert_null(strstr(html, "未达标"));
    free(html);
}

static void test_term_title(void **state)
{
    (void)state;
    struct sample s;
    make_sample(&s);
    s.doc.period = "2024-2025-1";
    char *html = render(&s.doc, "zh");
    assert_non_null(strstr(html, "<h1>2024-2025学年第一学期 心理健康教育指标报告</h1>"));
    free(html);
    html = render(&s.doc, "en");
    assert_non_null(strstr(html, "school year 2024-2025, term 1</h1>"));
    free(html);
}

static void test_deterministic(void **state)
{
    (void)state;
    struct sample s;
    make_sample(&s);
    char *a = render(&s.doc, "zh");
    char *b = render(&s.doc, "zh");
    assert_string_equal(a, b);
    free(a);
    free(b);
}

static void test_refuses_and_leaves_buffer(void **state)
{
    (void)state;
    struct sample s;
    make_sample(&s);
    buf out = BUF_INIT;
    assert_int_equal(buf_puts(&out, "kept"), 0);
    assert_int_equal(report_render_html(&s.doc, "fr", &out), -1);
    assert_string_equal(out.data, "kept");
    s.rows[0].indicator = REPORT_NINDICATORS;
    assert_int_equal(report_render_html(&s.doc, "zh", &out), -1);
    assert_string_equal(out.data, "kept");
    /* appended, not replaced */
    s.rows[0].indicator = 0;
    assert_int_equal(report_render_html(&s.doc, "zh", &out), 0);
    assert_true(strncmp(out.data, "kept<!DOCTYPE html>", 19) == 0);
    buf_free(&out);
}

static void test_empty_document(void **state)
{
    (void)state;
    struct report_doc doc;
    memset(&doc, 0, sizeof doc);
    doc.kind = "indicators";
    doc.year = 2024;
    char *html = render(&doc, "zh");
    assert_int_equal(count(html, "<svg"), REPORT_NINDICATORS);
    assert_non_null(strstr(html, "本报告没有该指标的数据。"));
    assert_non_null(strstr(html, "</html>\n"));
    free(html);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_indicator_has_name_and_chart),
        cmocka_unit_test(test_self_contained),
        cmocka_unit_test(test_escapes_data),
        cmocka_unit_test(test_formats_values),
        cmocka_unit_test(test_chinese_labels),
        cmocka_unit_test(test_english_labels),
        cmocka_unit_test(test_term_title),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_refuses_and_leaves_buffer),
        cmocka_unit_test(test_empty_document),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
