/* test_report_parse.c - a rendered indicator report read back renders to the same bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "common/buf.h"
#include "common/util.h"
#include "report/report.h"

static const struct report_target at_least_80 = {true, ">=", 0.8, true, 2025, 1.0};
static const struct report_target at_most_1000 = {true, "<=", 1000, false, 0, 0};

static struct report_row make_row(const char *indicator, const char *district, const char *type,
                                  bool has_denominator, double numerator, double denominator,
                                  const struct report_target *target)
{
    struct report_row row;
    memset(&row, 0, sizeof row);
    row.indicator = report_indicator_find(indicator);
    assert_true(row.indicator >= 0);
    util_strlcpy(row.district_code, district, sizeof row.district_code);
    util_strlcpy(row.school_type, type, sizeof row.school_type);
    row.has_numerator = has_denominator;
    row.numerator = numerator;
    row.has_denominator = has_denominator;
    row.denominator = denominator;
    row.schools = 37;
    row.schools_no_data = 2;
    report_row_evaluate(&row, target);
    return row;
}

/* A report with every kind of value: ratios with 15 digits, money, a null value, no target,
 * a "<=" target, a tiny negative gap, a school-type row, and the overview. */
static void sample(struct report_doc *doc, struct report_row *rows, struct report_overview *ov)
{
    memset(doc, 0, sizeof *doc);
    rows[0] = make_row("cert_a_coverage", "", "", true, 30, 37, &at_least_80);
    rows[1] = make_row("cert_a_coverage", "320102", "", true, 4, 5, &at_least_80);
    rows[2] = make_row("cert_a_coverage", "320102", "primary", true, 0.1 + 0.2, 3, &at_least_80);
    rows[3] = make_row("students_per_fulltime", "320104", "", true, 53492, 15, &at_most_1000);
    rows[4] = make_row("funding_per_student", "320105", "", true, 8200.5, 1201, NULL);
    rows[5] = make_row("room_rate", "320105", "", false, 0, 0, &at_least_80);
    rows[6] = make_row("crisis_rate_per_10k", "", "", true, 1e-7, 3, NULL);
    memset(ov, 0, 2 * sizeof *ov);
    util_strlcpy(ov[0].district_code, "320102", sizeof ov[0].district_code);
    ov[0].schools_active = 39;
    ov[0].schools_reported = 38;
    ov[0].students = 53492;
    ov[0].psych_fulltime = 15;
    ov[0].psych_parttime = 292;
    ov[0].schools_with_room = 39;
    ov[0].schools_with_lessons = 32;
    util_strlcpy(ov[1].school_type, "special", sizeof ov[1].school_type);
    ov[1].schools_active = 1;
    doc->kind = "indicators";
    doc->year = 2024;
    util_strlcpy(doc->generated_at, "2025-01-21T02:00:00+08:00", sizeof doc->generated_at);
    doc->rows = rows;
    doc->nrows = 7;
    doc->overview = ov;
    doc->noverview = 2;
}

static void render_both(const struct report_doc *doc, buf *json, buf *csv)
{
    assert_int_equal(report_render_json(doc, json), 0);
    assert_int_equal(report_render_csv(doc, csv), 0);
}

static void test_round_trip_is_byte_identical(void **state)
{
    (void)state;
    struct report_doc doc, back;
    struct report_row rows[7];
    struct report_overview ov[2];
    sample(&doc, rows, ov);
    buf json = BUF_INIT, csv = BUF_INIT, json2 = BUF_INIT, csv2 = BUF_INIT;
    render_both(&doc, &json, &csv);
    char err[256] = "";
    assert_int_equal(report_parse_json(json.data, json.len, &back, err, sizeof err), 0);
    assert_int_equal(back.nrows, 7);
    assert_int_equal(back.noverview, 2);
    assert_null(back.period);
    assert_int_equal(back.year, 2024);
    render_both(&back, &json2, &csv2);
    assert_string_equal(json.data, json2.data);
    assert_string_equal(csv.data, csv2.data);
    report_parse_free(&back);
    buf_free(&json);
    buf_free(&csv);
    buf_free(&json2);
    buf_free(&csv2);
}

/*
 * What jsonb gives back: keys reordered (shorter first), no indentation, and numbers in plain
 * decimal notation instead of exponents. The renderer puts the contract's order back.
 */
static void test_jsonb_form_renders_the_same(void **state)
{
    (void)state;
    struct report_doc doc, back;
    struct report_row rows[7];
    struct report_overview ov[2];
    sample(&doc, rows, ov);
    doc.year = 0;
    doc.period = "2024-2025-1";
    buf json = BUF_INIT, json2 = BUF_INIT, csv = BUF_INIT, csv2 = BUF_INIT;
    render_both(&doc, &json, &csv);

    json_error_t jerr;
    json_t *root = json_loadb(json.data, json.len, 0, &jerr);
    assert_non_null(root);
    /* keys in another order, no whitespace, and one exponent written out in decimals */
    char *compact = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(15));
    assert_non_null(compact);
    buf plain = BUF_INIT;
    for (const char *p = compact; *p != '\0'; p++) {
        if (strncmp(p, "3.33333333333333e-8", 19) == 0) {
            buf_puts(&plain, "0.0000000333333333333333");
            p += 18;
        } else {
            buf_putc(&plain, *p);
        }
    }
    assert_non_null(strstr(plain.data, "0.0000000333333333333333"));
    assert_int_equal(report_parse_json(plain.data, plain.len, &back, jerr.text, sizeof jerr.text),
                     0);
    assert_string_equal(back.period, "2024-2025-1");
    render_both(&back, &json2, &csv2);
    assert_string_equal(json.data, json2.data);
    assert_string_equal(csv.data, csv2.data);
    report_parse_free(&back);
    free(compact);
    json_decref(root);
    buf_free(&plain);
    buf_free(&json);
    buf_free(&json2);
    buf_free(&csv);
    buf_free(&csv2);
}

/* A damaged document is refused with the key that is wrong, and leaves nothing to free. */
static void test_refuses_damaged_documents(void **state)
{
    (void)state;
    static const struct {
        const char *json;
        const char *key;
    } cases[] = {
        {"[1]", "document"},
        {"{\"report\": \"audit\"}", "report"},
        {"{\"report\": \"indicators\", \"scope\": {\"period\": \"../../etc\"}, \"generated_at\": "
         "\"x\", \"rows\": []}",
         "scope"},
        {"{\"report\": \"indicators\", \"scope\": {\"year\": 2024}, \"generated_at\": \"x\", "
         "\"rows\": [{\"indicator\": \"nope\"}]}",
         "rows[0]"},
        {"{\"report\": \"indicators\", \"scope\": {\"year\": 2024}, \"generated_at\": \"x\", "
         "\"rows\": [{\"indicator\": \"room_rate\", \"district_code\": null, \"school_type\": "
         "null, "
         "\"numerator\": 1, \"denominator\": 2, \"value\": 0.5, \"target\": 1.0, \"op\": \"==\", "
         "\"status\": \"met\", \"gap\": null, \"schools\": 2, \"schools_no_data\": 0}]}",
         "rows[0]"},
        {"{\"report\": \"indicators\", \"scope\": {\"year\": 2024}, \"generated_at\": \"x\", "
         "\"rows\": [{\"indicator\": \"room_rate\", \"district_code\": null, \"school_type\": "
         "null, "
         "\"numerator\": 1, \"denominator\": 2, \"value\": 0.5, \"target\": null, \"op\": null, "
         "\"status\": \"great\", \"gap\": null, \"schools\": 2, \"schools_no_data\": 0}]}",
         "rows[0]"},
        {"{\"report\": \"indicators\", \"scope\": {\"year\": 2024}, \"generated_at\": \"x\", "
         "\"rows\": [], \"overview\": [{\"district_code\": \"320102\"}]}",
         "overview[0]"},
        {"{\"report\": \"indicators\"", "document"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct report_doc doc;
        char err[256] = "";
        assert_int_equal(
            report_parse_json(cases[i].json, strlen(cases[i].json), &doc, err, sizeof err), -1);
        assert_true(strncmp(err, cases[i].key, strlen(cases[i].key)) == 0);
        assert_null(doc.rows);
        assert_null(doc.period);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_is_byte_identical),
        cmocka_unit_test(test_jsonb_form_renders_the_same),
        cmocka_unit_test(test_refuses_damaged_documents),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
