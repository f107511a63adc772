/* test_period.c - periods in every accepted form and RFC 3339 timestamps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/period.h"
#include "common/util.h"

static void expect_period(const char *text, const char *canonical)
{
    char out[PERIOD_LEN + 1] = "";
    char err[128] = "";
    int rc = period_parse(text, out, err, sizeof err);
    if (rc != 0)
        print_error("\"%s\" refused: %s\n", text, err);
    assert_int_equal(rc, 0);
    assert_string_equal(out, canonical);
}

/* The reason must name what is wrong: err must contain want. */
static void expect_bad_period(const char *text, const char *want)
{
    char out[PERIOD_LEN + 1] = "untouched";
    char err[128] = "";
    assert_int_equal(period_parse(text, out, err, sizeof err), -1);
    if (strstr(err, want) == NULL)
        print_error("\"%s\": reason \"%s\" lacks \"%s\"\n", text, err, want);
    assert_non_null(strstr(err, want));
}

static void test_canonical(void **state)
{
    (void)state;
    expect_period("2024-2025-1", "2024-2025-1");
    expect_period("2024-2025-2", "2024-2025-2");
    expect_period("  2023-2024-2 ", "2023-2024-2");
    expect_period("2000-2001-1", "2000-2001-1");
    expect_period("2099-2100-2", "2099-2100-2");
}

static void test_chinese(void **state)
{
    (void)state;
    expect_period("2024-2025学年第一学期", "2024-2025-1");
    expect_period("2024-2025学年第二学期", "2024-2025-2");
    expect_period(" 2024-2025学年第二学期  ", "2024-2025-2");
    expect_bad_period("2024-2025学年第三学期", "expected YYYY-YYYY-T");
    expect_bad_period("2024-2025学年", "expected YYYY-YYYY-T");
    expect_bad_period("2024-2026学年第一学期", "the second year must be the first plus one");
}

static void test_invalid(void **state)
{
    (void)state;
    expect_bad_period("2024-2026-1", "the second year must be the first plus one (2024-2026)");
    expect_bad_period("2024-2024-1", "the second year must be the first plus one");
    expect_bad_period("2024-2025-3", "term must be 1 or 2, got 3");
    expect_bad_period("2024-2025-0", "term must be 1 or 2, got 0");
    expect_bad_period("1999-2000-1", "year 1999 is outside 2000..2100");
    expect_bad_period("2100-2101-1", "year 2101 is outside 2000..2100");
    expect_bad_period("", "expected YYYY-YYYY-T");
    expect_bad_period("   ", "expected YYYY-YYYY-T");
    expect_bad_period("2024-2025", "expected YYYY-YYYY-T");
    expect_bad_period("2024-2025-1x", "expected YYYY-YYYY-T");
    expect_bad_period("2024-2025-12", "expected YYYY-YYYY-T");
    expect_bad_period("2024/2025-1", "expected YYYY-YYYY-T");
    expect_bad_period("20x4-2025-1", "academic year");
    expect_bad_period("2024-2025 -1", "expected YYYY-YYYY-T");
    expect_bad_period("2024-2025-1\t", "expected YYYY-YYYY-T");
    expect_bad_period("+024-2025-1", "expected YYYY-YYYY-T");

    char out[PERIOD_LEN + 1];
    assert_int_equal(period_parse(NULL, out, NULL, 0), -1);
    /* no room for a reason is not a reason to crash */
    assert_int_equal(period_parse("2024-2026-1", out, NULL, 0), -1);
}

static void test_from_parts(void **state)
{
    (void)state;
    char out[PERIOD_LEN + 1] = "";
    char err[128] = "";
    assert_int_equal(period_from_parts("2024-2025", 1, out, err, sizeof err), 0);
    assert_string_equal(out, "2024-2025-1");
    assert_int_equal(period_from_parts("2023-2024", 2, out, err, sizeof err), 0);
    assert_string_equal(out, "2023-2024-2");

    assert_int_equal(period_from_parts("2024-2025", 3, out, err, sizeof err), -1);
    assert_string_equal(err, "term must be 1 or 2, got 3");
    assert_int_equal(period_from_parts("2024-2025", -1, out, err, sizeof err), -1);
    assert_int_equal(period_from_parts("2024-2026", 1, out, err, sizeof err), -1);
    assert_string_equal(err, "the second year must be the first plus one (2024-2026)");
    assert_int_equal(period_from_parts("2024-2025-1", 1, out, err, sizeof err), -1);
    assert_string_equal(err, "expected an academic year of the form YYYY-YYYY");
    assert_int_equal(period_from_parts("2024", 1, out, err, sizeof err), -1);
    assert_int_equal(period_from_parts(NULL, 1, out, err, sizeof err), -1);
    assert_int_equal(period_from_parts("1899-1900", 1, out, err, sizeof err), -1);
    assert_string_equal(err, "year 1899 is outside 2000..2100");
    /* a reason longer than the room given is cut, never overrun */
    char tiny[8];
    assert_int_equal(period_from_parts("2024-2026", 1, out, tiny, sizeof tiny), -1);
    assert_string_equal(tiny, "the sec");
}

static void expect_time(const char *text, int64_t want)
{
    int64_t epoch = -1;
    int rc = util_parse_rfc3339(text, &epoch);
    if (rc != 0)
        print_error("\"%s\" refused\n", text);
    assert_int_equal(rc, 0);
    assert_int_equal(epoch, want);
}

static void expect_bad_time(const char *text)
{
    int64_t epoch = 12345;
    if (util_parse_rfc3339(text, &epoch) == 0)
        print_error("\"%s\" accepted\n", text);
    assert_int_equal(util_parse_rfc3339(text, &epoch), -1);
    assert_int_equal(epoch, 12345);
}

static void test_rfc3339_valid(void **state)
{
    (void)state;
    expect_time("2024-12-20T10:15:00+08:00", 1734660900);
    expect_time("2024-12-20T02:15:00Z", 1734660900);
    expect_time("2024-12-20T02:15:00z", 1734660900);
    expect_time("2024-12-20t02:15:00Z", 1734660900);
    expect_time("2024-12-19T21:15:00-05:00", 1734660900);
    expect_time("2024-12-20T07:45:00+05:30", 1734660900);
    expect_time("2024-12-20T02:15:00-00:00", 1734660900);
    expect_time("2025-01-10T16:30:00.5+08:00", 1736497800);
    expect_time("2025-01-10T16:30:00.123456789+08:00", 1736497800);
    expect_time("2024-02-29T00:00:00Z", 1709164800);
    expect_time("1970-01-01T00:00:00Z", 0);
    expect_time("2000-03-01T00:00:00Z", 951868800);
    expect_time("2025-01-11T06:00:00+08:00", 1736546400);
    expect_time("2025-01-10T23:59:59+23:59", 1736467259);
}

static void test_rfc3339_invalid(void **state)
{
    (void)state;
    expect_bad_time("2025-02-30T10:00:00+08:00");
    expect_bad_time("2023-02-29T10:00:00+08:00");
    expect_bad_time("2100-02-29T10:00:00Z");
    expect_bad_time("2025-04-31T10:00:00Z");
    expect_bad_time("2025-13-01T10:00:00Z");
    expect_bad_time("2025-00-10T10:00:00Z");
    expect_bad_time("2025-01-00T10:00:00Z");
    expect_bad_time("2025-01-10T24:00:00Z");
    expect_bad_time("2025-01-10T10:60:00Z");
    expect_bad_time("2025-01-10T10:00:60Z");
    expect_bad_time("2025-01-10T10:00:00");        /* the offset is mandatory */
    expect_bad_time("2025-01-10T10:00:00+08");     /* hh:mm */
    expect_bad_time("2025-01-10T10:00:00+0800");   /* hh:mm */
    expect_bad_time("2025-01-10T10:00:00+24:00");  /* no such offset */
    expect_bad_time("2025-01-10T10:00:00+08:60");  /* no such offset */
    expect_bad_time("2025-01-10T10:00:00.+08:00"); /* a fraction needs digits */
    expect_bad_time("2025-01-10T10:00:00Z ");      /* trailing text */
    expect_bad_time("2025-01-10T10:00:00+08:00x"); /* trailing text */
    expect_bad_time("2025-01-10 10:00:00+08:00");  /* a space for T */
    expect_bad_time("2025-1-10T10:00:00+08:00");   /* two-digit month */
    expect_bad_time("2025-01-10T10:00+08:00");     /* seconds are required */
    expect_bad_time("0000-01-10T10:00:00Z");       /* no year 0 */
    expect_bad_time("2025-01-10");
    expect_bad_time("");
    expect_bad_time("2025");
    expect_bad_time("2025-01-10T10:00:00+08:00\n");
    int64_t epoch;
    assert_int_equal(util_parse_rfc3339(NULL, &epoch), -1);
}

/* The canonical shape alone (report files, titles) and with consecutive years (targets). */
static void test_shaped_and_canonical(void **state)
{
    (void)state;
    int year = 0, term = 0;
    assert_true(period_shaped("2024-2025-1"));
    assert_true(period_shaped("2024-2026-2")); /* the shape does not compare the years */
    assert_true(period_shaped("1999-2000-2")); /* nor range-check them */
    assert_false(period_shaped("2024-2025-3"));
    assert_false(period_shaped("2024-2025-1 "));
    assert_false(period_shaped(" 2024-2025-1"));
    assert_false(period_shaped("2024-2025学年第一学期"));
    assert_false(period_shaped("2024x2025-1"));
    assert_false(period_shaped("2024-20a5-1"));
    assert_false(period_shaped(""));
    assert_false(period_shaped(NULL));
    assert_true(period_canonical("2024-2025-2", &year, &term));
    assert_int_equal(year, 2024);
    assert_int_equal(term, 2);
    assert_true(period_canonical("1999-2000-1", NULL, NULL));
    year = 7;
    assert_false(period_canonical("2024-2026-1", &year, &term));
    assert_int_equal(year, 7); /* untouched on failure */
    assert_false(period_canonical("2024-2025-0", &year, &term));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_canonical),
        cmocka_unit_test(test_chinese),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_from_parts),
        cmocka_unit_test(test_rfc3339_valid),
        cmocka_unit_test(test_rfc3339_invalid),
        cmocka_unit_test(test_shaped_and_canonical),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
