/* test_ingest_http_split.c - unit tests for splitting a platform page into its raw items and
 * for the cursors a run has asked with. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ingest/ingest_http.h"

/* Splits text with the scanner alone; returns its result and leaves the spans in page. */
static int split(const char *text, struct ingest_http_page *page, char *err, size_t errlen)
{
    ingest_http_page_clear(page);
    return ingest_http_split_items(text, strlen(text), page, err, errlen);
}

/* The items found must be exactly the expected texts, byte for byte. */
static void expect_items(const char *text, const struct ingest_http_page *page, size_t n,
                         const char *const *expected)
{
    assert_int_equal(page->nitems, n);
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(expected[i]);
        assert_int_equal(page->items[i].len, len);
        assert_memory_equal(text + page->items[i].offset, expected[i], len);
    }
}

static void test_plain_items(void **state)
{
    (void)state;
    struct ingest_http_page page = INGEST_HTTP_PAGE_INIT;
    char err[256];
    const char *text = "{\"items\":[{\"a\":1},{\"b\":\"x\"}],\"next_cursor\":null}";
    assert_int_equal(split(text, &page, err, sizeof err), 0);
    const char *want[] = {"{\"a\":1}", "{\"b\":\"x\"}"};
    expect_items(text, &page, 2, want);
    ingest_http_page_clear(&page);
}

static void test_strings_hide_brackets_and_quotes(void **state)
{
    (void)state;
    struct ingest_http_page page = INGEST_HTTP_PAGE_INIT;
    char err[256];
    const char *text = "{\"items\":[{\"s\":\"a\\\"]}[{,\"},\"\\\\\",\"\\\\\\\"]\"],"
                       "\"next_cursor\":\"]\"}";
    assert_int_equal(split(text, &page, err, sizeof err), 0);
    const char *want[] = {"{\"s\":\"a\\\"]}[{,\"}", "\"\\\\\"", "\"\\\\\\\"]\""};
    expect_items(text, &page, 3, want);
    ingest_http_page_clear(&page);
}

static void test_nesting_and_whitespace(void **state)
{
    (void)state;
    struct ingest_http_page page = INGEST_HTTP_PAGE_INIT;
    char err[256];
    const char *text =
        " \r\n{ \"next_cursor\" : \"c\" ,\n \"items\" :\t[\n  [[1,[2,[3]]],{\"k\":[{}]}] ,"
        "\n  {\"x\" : { \"y\" : [ ] } }\t\n ] \n} \n";
    assert_int_equal(split(text, &page, err, sizeof err), 0);
    const char *want[] = {"[[1,[2,[3]]],{\"k\":[{}]}]", "{\"x\" : { \"y\" : [ ] } }"};
    expect_items(text, &page, 2, want);
    ingest_http_page_clear(&page);
}

static void test_scalars_are_items_too(void **state)
{
    (void)state;
    struct ingest_http_page page = INGEST_HTTP_PAGE_INIT;
    char err[256];
    const char *text = "{\"items\":[1, -2.5e+3,true ,null,\"s\"],\"next_cursor\":null}";
    assert_int_equal(split(text, &page, err, sizeof err), 0);
    const char *want[] = {"1", "-2.5e+3", "true", "null", "\"s\""};
    expect_items(text, &page, 5, want);
    ingest_http_page_clear(&page);
}

static void test_empty_items(void **state)
{
    (void)state;
    struct ingest_http_page page = INGEST_HTTP_PAGE_INIT;
    char err[256];
    assert_int_equal(split("{\"items\":[],\"next_cursor\":null}", &page, err, sizeof err), 0);
    assert_int_equal(page.nitems, 0);
    assert_int_equal(split("{ \"items\" : [ \n ] }", &page, err, sizeof err), 0);
    assert_int_equal(page.nitems, 0);
    ingest_http_page_clear(&page);
}

/* Only the top-level member counts, whatever other members and strings look like. */
static void test_only_top_level_items(void **state)
{
    (void)state;
    struct ingest_http_page page = INGEST_HTTP_PAGE_INIT;
    char err[256];
    const char *text = "{\"x\":{\"items\":[9,9]},\"note\":\"\\\"items\\\":[1,2,3]\","
                       "\"list\":[\"items\",[\"items\"]],\"items\":[{\"items\":[]}]}";
    assert_int_equal(split(text, &page, err, sizeof err), 0);
    const char *want[] = {"{\"items\":[]}"};
    expect_items(text, &page, 1, want);
    ingest_http_page_clear(&page);
}

/* A key written with escapes is the same key: the JSON parser would see it so. */
static void test_escaped_key(void **state)
{
    (void)state;
    struct ingest_http_page page = INGEST_HTTP_PAGE_INIT;
    char err[256];
    const char *text = "{\"\\u0069tems\":[{\"a\":1}],\"next_cursor\":null}";
    assert_int_equal(split(text, &page, err, sizeof err), 0);
    const char *want[] = {"{\"a\":1}"};
    expect_items(text, &page, 1, want);
    assert_int_equal(split("{\"items\":[1],\"\\u0069tems\":[2]}", &page, err, sizeof err), -1);
    assert_non_null(strstr(err, "twice"));
    ingest_http_page_clear(&page);
}

static void test_malformed(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "   ",
        "[]",
        "\"items\"",
        "{}",
        "{\"next_cursor\":null}",
        "{\"items\":{}}",
        "{\"items\":\"[]\"}",
        "{\"items\":[1,2}",
        "{\"items\":[{\"a\":[}]]}",
        "{\"items\":[{\"a\":\"unterminated}]}",
        "{\"items\":[{\"a\":\"x\\",
        "{\"items\":[{\"a\":1}",
        "{\"items\":[{\"a\":1}]",
        "{\"items\":[1 2]}",
        "{\"items\":[,1]}",
        "{\"items\":[1,]}",
        "{\"items\":[1]} x",
        "{\"items\":[1]}}",
        "{\"items\" [1]}",
        "{items:[1]}",
        "{\"items\":[1],\"items\":[2]}",
        "{\"items\":[]]",
    };
    struct ingest_http_page page = INGEST_HTTP_PAGE_INIT;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[256] = "";
        int rc = split(bad[i], &page, err, sizeof err);
        if (rc != -1)
            fail_msg("accepted malformed page %zu: %s", i, bad[i]);
        assert_true(err[0] != '\0');
        assert_int_equal(page.nitems, 0);
    }
    ingest_http_page_clear(&page);
}

/* Depth is bounded: the scanner keeps a fixed stack and refuses beyond it. */
static void test_depth_bound(void **state)
{
    (void)state;
    struct ingest_http_page page = INGEST_HTTP_PAGE_INIT;
    char err[256];
    for (size_t depth = INGEST_HTTP_MAX_DEPTH; depth <= INGEST_HTTP_MAX_DEPTH + 1; depth++) {
        size_t len = 11 + 2 * depth + 2;
        char *text = malloc(len + 1);
        assert_non_null(text);
        memcpy(text, "{\"items\":[", 10);
        memset(text + 10, '[', depth);
        memset(text + 10 + depth, ']', depth);
        memcpy(text + 10 + 2 * depth, "]}", 3);
        int rc = ingest_http_split_items(text, strlen(text), &page, err, sizeof err);
        if (depth == INGEST_HTTP_MAX_DEPTH) {
            assert_int_equal(rc, 0);
            assert_int_equal(page.nitems, 1);
            assert_int_equal(page.items[0].len, 2 * depth);
        } else {
            assert_int_equal(rc, -1);
            assert_non_null(strstr(err, "nesting too deep"));
        }
        ingest_http_page_clear(&page);
        free(text);
    }
}

/* ---- the whole page -------------------------------------------------------------------- */

static int parse(const char *text, struct ingest_http_page *page, char *err, size_t errlen)
{
    ingest_http_page_clear(page);
    return ingest_http_parse_page(text, strlen(text), page, err, errlen);
}

static void test_page_cursor(void **state)
{
    (void)state;
    struct ingest_http_page page = INGEST_HTTP_PAGE_INIT;
    char err[256];
    assert_int_equal(
        parse("{\"items\":[{\"a\":1}],\"next_cursor\":\"c/1 é\"}", &page, err, sizeof err), 0);
    assert_string_equal(page.next_cursor, "c/1 é");
    assert_int_equal(page.nitems, 1);
    assert_int_equal(
        parse("{\"items\":[],\"next_cursor\":null,\"extra\":[1]}", &page, err, sizeof err), 0);
    assert_null(page.next_cursor);

    static const char *const bad[] = {
        "{\"items\":[]}",
        "{\"items\":[],\"next_cursor\":7}",
        "{\"items\":[],\"next_cursor\":[\"c\"]}",
        "{\"items\":[],\"next_cursor\":\"\"}",
        "{\"items\":[],\"next_cursor\":\"a\\u0000b\"}",
        "{\"items\":{},\"next_cursor\":null}",
        "{\"next_cursor\":null}",
        "[{\"items\":[]}]",
        "{\"items\":[],\"next_cursor\":null,}",
        "{\"items\":[],\"next_cursor\":nul}",
        "{\"items\":[],\"next_cursor\":\"\\ud800\"}",
        "{\"items\":[],\"next_cursor\":\"a\xff\"}",
        "{\"items\":[],\"next_cursor\":\"a\tb\"}",
        "{\"items\":[1],\"items\":[2],\"next_cursor\":null}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        if (parse(bad[i], &page, err, sizeof err) != -1)
            fail_msg("accepted malformed page %zu: %s", i, bad[i]);
        assert_true(err[0] != '\0');
        assert_int_equal(page.nitems, 0);
        assert_null(page.next_cursor);
    }
    ingest_http_page_clear(&page);
}

/* Items are handed on as sent: duplicate keys and \u0000 are the validator's to judge. */
static void test_page_keeps_raw_items(void **state)
{
    (void)state;
    struct ingest_http_page page = INGEST_HTTP_PAGE_INIT;
    char err[256];
    const char *text = "{\"items\":[ {\"a\":1,\"a\":2} , {\"s\":\"x\\u0000y\"},\"not an object\" ],"
                       "\"next_cursor\":null}";
    assert_int_equal(parse(text, &page, err, sizeof err), 0);
    const char *want[] = {"{\"a\":1,\"a\":2}", "{\"s\":\"x\\u0000y\"}", "\"not an object\""};
    expect_items(text, &page, 3, want);
    ingest_http_page_clear(&page);
    ingest_http_page_clear(&page); /* clearing twice is harmless */
}

/*
 * An item that is not valid JSON is handed on alone, its neighbours intact: one bad item
 * must not fail the page and hold the cursor back for good.
 */
static void test_page_keeps_invalid_items(void **state)
{
    (void)state;
    struct ingest_http_page page = INGEST_HTTP_PAGE_INIT;
    char err[256];
    const char *text = "{\"items\":[{\"a\":1},\n {\"s\":\"\\ud800\"},{\"s\":\"\xff\"},"
                       "{\"s\":\"a\tb\"},{\"t\":tru},{\"u\":1,},{\"b\":2}],"
                       "\"next_cursor\":\"c\"}";
    assert_int_equal(parse(text, &page, err, sizeof err), 0);
    const char *want[] = {"{\"a\":1}",        "{\"s\":\"\\ud800\"}", "{\"s\":\"\xff\"}",
                          "{\"s\":\"a\tb\"}", "{\"t\":tru}",         "{\"u\":1,}",
                          "{\"b\":2}"};
    expect_items(text, &page, 7, want);
    assert_string_equal(page.next_cursor, "c");
    ingest_http_page_clear(&page);
}

/* A fault outside the items is the page's, and is reported where it is in the body. */
static void test_page_fault_outside_items(void **state)
{
    (void)state;
    struct ingest_http_page page = INGEST_HTTP_PAGE_INIT;
    char err[256];
    /* the 0xff is at byte 50 of the body, at byte 30 of the page without its items */
    const char *text = "{\"items\":[{\"a\":\"long item\"},[1,2]],\"next_cursor\":\"\xff\"}";
    assert_int_equal(strchr(text, (char)0xff) - text, 50);
    assert_int_equal(parse(text, &page, err, sizeof err), -1);
    assert_non_null(strstr(err, "the page is not valid JSON"));
    assert_non_null(strstr(err, "at byte 50"));
    assert_int_equal(page.nitems, 0);
    assert_null(page.next_cursor);
    ingest_http_page_clear(&page);
}

/* ---- the cursors a run has asked with ------------------------------------------------- */

/* A round of three is noticed at its first repeat, however many cursors came before it. */
static void test_cursors_notice_a_round(void **state)
{
    (void)state;
    struct ingest_http_cursors asked = INGEST_HTTP_CURSORS_INIT;
    char cursor[32];
    for (int i = 0; i < 1000; i++) { /* grows the table past its first size many times */
        snprintf(cursor, sizeof cursor, "after %d", i);
        assert_int_equal(ingest_http_cursors_add(&asked, cursor), 1);
    }
    assert_int_equal(ingest_http_cursors_add(&asked, "A"), 1);
    assert_int_equal(ingest_http_cursors_add(&asked, "B"), 1);
    assert_int_equal(ingest_http_cursors_add(&asked, "C"), 1);
    assert_int_equal(ingest_http_cursors_add(&asked, "B"), 0);
    for (int i = 0; i < 1000; i++) {
        snprintf(cursor, sizeof cursor, "after %d", i);
        assert_int_equal(ingest_http_cursors_add(&asked, cursor), 0);
    }
    assert_int_equal(ingest_http_cursors_add(&asked, "after 1000"), 1);
    assert_int_equal(asked.count, 1004);
    ingest_http_cursors_clear(&asked);
    assert_int_equal(ingest_http_cursors_add(&asked, "B"), 1); /* a cleared set is empty */
    ingest_http_cursors_clear(&asked);
    ingest_http_cursors_clear(&asked); /* clearing twice is harmless */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_items),
        cmocka_unit_test(test_strings_hide_brackets_and_quotes),
        cmocka_unit_test(test_nesting_and_whitespace),
        cmocka_unit_test(test_scalars_are_items_too),
        cmocka_unit_test(test_empty_items),
        cmocka_unit_test(test_only_top_level_items),
        cmocka_unit_test(test_escaped_key),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_depth_bound),
        cmocka_unit_test(test_page_cursor),
        cmocka_unit_test(test_page_keeps_raw_items),
        cmocka_unit_test(test_page_keeps_invalid_items),
        cmocka_unit_test(test_page_fault_outside_items),
        cmocka_unit_test(test_cursors_notice_a_round),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
