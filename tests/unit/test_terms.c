/* test_terms.c - the catalogue of the words for stored codes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/terms.h"

static void test_words_in_both_languages(void **state)
{
    (void)state;
    assert_string_equal(terms_word(TERMS_STATUS, "not_met", true), "未达标");
    assert_string_equal(terms_word(TERMS_STATUS, "not_met", false), "Not met");
    assert_string_equal(terms_word(TERMS_SCHOOL_TYPE, "nine_year", true), "九年一贯制");
    assert_string_equal(terms_word(TERMS_RESULT, "unknown", true), "待定");
    assert_string_equal(terms_word(TERMS_RUN_STATUS, "partial", true), "部分完成");
    assert_string_equal(terms_word(TERMS_CLAUSE, "2/4", true), "规划与机构");
    assert_string_equal(terms_word(TERMS_BOOL, "false", true), "否");
}

static void test_unknown_codes(void **state)
{
    (void)state;
    assert_null(terms_word(TERMS_STATUS, "pass", true)); /* a result, not a status */
    assert_null(terms_word(TERMS_SCHOOL_TYPE, NULL, true));
    assert_null(terms_word(TERMS_KIND_COUNT, "met", true));
    assert_string_equal(terms_show(TERMS_SCHOOL_TYPE, "college", true), "college");
    assert_null(terms_show(TERMS_SCHOOL_TYPE, NULL, true));
}

/* types sort by the stages they enrol, not by their English names */
static void test_school_type_order(void **state)
{
    (void)state;
    assert_true(terms_rank(TERMS_SCHOOL_TYPE, "primary") < terms_rank(TERMS_SCHOOL_TYPE, "junior"));
    assert_true(terms_rank(TERMS_SCHOOL_TYPE, "junior") < terms_rank(TERMS_SCHOOL_TYPE, "senior"));
    assert_true(terms_rank(TERMS_SCHOOL_TYPE, "special") <
                terms_rank(TERMS_SCHOOL_TYPE, "no such type"));
    assert_int_equal(terms_count(TERMS_SCHOOL_TYPE), 7);
    assert_string_equal(terms_code(TERMS_SCHOOL_TYPE, 0), "primary");
    assert_null(terms_code(TERMS_SCHOOL_TYPE, 7));
}

/* every code of every kind has a word in each language, and no code is listed twice */
static void test_catalogue_complete(void **state)
{
    (void)state;
    for (int k = 0; k < TERMS_KIND_COUNT; k++) {
        size_t n = terms_count((enum terms_kind)k);
        assert_true(n > 0);
        for (size_t i = 0; i < n; i++) {
            const char *code = terms_code((enum terms_kind)k, i);
            assert_non_null(terms_word((enum terms_kind)k, code, true));
            assert_non_null(terms_word((enum terms_kind)k, code, false));
            assert_int_equal(terms_rank((enum terms_kind)k, code), i);
        }
    }
    assert_true(terms_lang_zh(NULL) && terms_lang_zh("zh") && !terms_lang_zh("en"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_words_in_both_languages),
        cmocka_unit_test(test_unknown_codes),
        cmocka_unit_test(test_school_type_order),
        cmocka_unit_test(test_catalogue_complete),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
