/* test_copybin.c - unit tests for the rows written in PostgreSQL's binary COPY format. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/copybin.h"

static void expect_bytes(const buf *b, const void *want, size_t n)
{
    assert_int_equal(b->len, n);
    assert_memory_equal(b->data, want, n);
}

static void test_header_and_trailer(void **state)
{
    (void)state;
    buf b = BUF_INIT;
    assert_int_equal(copybin_header(&b), 0);
    static const unsigned char head[] = "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0";
    expect_bytes(&b, head, 19);
    buf_reset(&b);
    assert_int_equal(copybin_trailer(&b) | copybin_tuple(&b, 61), 0);
    expect_bytes(&b, "\xff\xff\x00\x3d", 4);
    buf_free(&b);
}

static void test_numbers(void **state)
{
    (void)state;
    buf b = BUF_INIT;
    assert_int_equal(copybin_int8(&b, -2), 0);
    expect_bytes(&b, "\0\0\0\x08\xff\xff\xff\xff\xff\xff\xff\xfe", 12);
    buf_reset(&b);
    assert_int_equal(copybin_int4(&b, 0x01020304), 0);
    expect_bytes(&b, "\0\0\0\x04\x01\x02\x03\x04", 8);
    buf_reset(&b);
    assert_int_equal(copybin_bool(&b, true) | copybin_bool(&b, false), 0);
    expect_bytes(&b, "\0\0\0\x01\x01\0\0\0\x01\0", 10);
    buf_reset(&b);
    /* 1.5 is 0x3FF8000000000000 */
    unsigned char f[COPYBIN_FIELD_MAX];
    assert_int_equal(buf_append(&b, f, (size_t)(copybin_put_float8(f, 1.5) - f)), 0);
    expect_bytes(&b, "\0\0\0\x08\x3f\xf8\0\0\0\0\0\0", 12);
    buf_reset(&b);
    assert_int_equal(copybin_null(&b), 0);
    expect_bytes(&b, "\xff\xff\xff\xff", 4);
    buf_free(&b);
}

static void test_text(void **state)
{
    (void)state;
    buf b = BUF_INIT;
    assert_int_equal(copybin_str(&b, "学校") | copybin_str(&b, NULL) | copybin_str(&b, ""), 0);
    expect_bytes(&b, "\0\0\0\x06学校\xff\xff\xff\xff\0\0\0\0", 18);
    buf_reset(&b);
    /* PostgreSQL text holds no NUL and no invalid UTF-8: such bytes are written visibly */
    assert_int_equal(copybin_text(&b,
                                  "a\xff"
                                  "b\0c",
                                  5),
                     0);
    expect_bytes(&b,
                 "\0\0\0\x0b"
                 "a\\xFFb\\x00c",
                 15);
    buf_reset(&b);
    /* bytea keeps every byte */
    assert_int_equal(copybin_bytes(&b, "\0\xff", 2), 0);
    expect_bytes(&b, "\0\0\0\x02\0\xff", 6);
    buf_free(&b);
}

static void test_open_close(void **state)
{
    (void)state;
    buf b = BUF_INIT;
    assert_int_equal(buf_append(&b, "x", 1), 0);
    size_t at = b.len;
    assert_int_equal(copybin_open(&b), 0);
    assert_int_equal(buf_append(&b, "hello", 5), 0);
    assert_int_equal(copybin_close(&b, at), 0);
    expect_bytes(&b, "x\0\0\0\x05hello", 10);
    buf_free(&b);
}

/* A parameter of type text[]: {"a",NULL}, as array_recv reads it. */
static void test_array(void **state)
{
    (void)state;
    buf b = BUF_INIT;
    assert_int_equal(copybin_array(&b, COPYBIN_TEXT_OID, 2, true) | copybin_str(&b, "a") |
                         copybin_str(&b, NULL),
                     0);
    static const unsigned char want[] = {0, 0, 0, 1, 0, 0, 0, 1, 0, 0,   0,    25,   0,    0,   0,
                                         2, 0, 0, 0, 1, 0, 0, 0, 1, 'a', 0xff, 0xff, 0xff, 0xff};
    expect_bytes(&b, want, sizeof want);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_and_trailer),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_open_close),
        cmocka_unit_test(test_array),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
