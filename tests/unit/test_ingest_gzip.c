/* test_ingest_gzip.c - unit tests for bounded gzip inflating and compressing of submissions. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "ingest/ingest.h"
#include "transform/xform_load.h"

#define MIB (1024u * 1024)

/* Text that compresses, then bytes that barely do: both paths of the deflater. */
static unsigned char *sample(size_t len)
{
    unsigned char *p = malloc(len);
    assert_non_null(p);
    uint32_t x = 12345;
    for (size_t i = 0; i < len; i++) {
        if (i < len / 2) {
            p[i] = (unsigned char)("{\"school_code\":\"3201020001\"}\n"[i % 29]);
        } else {
            x = x * 1103515245u + 12345u;
            p[i] = (unsigned char)(x >> 24);
        }
    }
    return p;
}

static void gzip_of(const void *data, size_t len, buf *out)
{
    assert_int_equal(xf_gzip_deflate(data, len, out), 0);
}

static void test_round_trip(void **state)
{
    (void)state;
    const size_t len = 300000;
    unsigned char *data = sample(len);
    buf gz = BUF_INIT;
    gzip_of(data, len, &gz);
    assert_true(gz.len > 18);
    assert_int_equal((unsigned char)gz.data[0], 0x1f);
    assert_int_equal((unsigned char)gz.data[1], 0x8b);
    assert_true(gz.len < len);

    buf out = BUF_INIT;
    char err[256] = "";
    assert_int_equal(
        ingest_gzip_inflate((unsigned char *)gz.data, gz.len, len, &out, err, sizeof err), 0);
    assert_int_equal(out.len, len);
    assert_memory_equal(out.data, data, len);
    assert_int_equal(out.data[out.len], '\0');

    /* the cap is inclusive: exactly len fits, one byte less does not */
    buf_reset(&out);
    assert_int_equal(
        ingest_gzip_inflate((unsigned char *)gz.data, gz.len, len - 1, &out, err, sizeof err), 2);
    assert_non_null(strstr(err, "exceeds the limit of 299999 bytes"));
    assert_int_equal(out.len, 0);

    free(data);
    buf_free(&gz);
    buf_free(&out);
}

static void test_round_trip_empty(void **state)
{
    (void)state;
    buf gz = BUF_INIT;
    gzip_of(NULL, 0, &gz);
    assert_true(gz.len > 18); /* 10 header + an empty final block + 8 trailer */
    buf out = BUF_INIT;
    char err[128];
    assert_int_equal(
        ingest_gzip_inflate((unsigned char *)gz.data, gz.len, 0, &out, err, sizeof err), 0);
    assert_int_equal(out.len, 0);
    buf_free(&gz);
    buf_free(&out);
}

static void test_deflate_and_inflate_append(void **state)
{
    (void)state;
    buf gz = BUF_INIT;
    assert_int_equal(buf_puts(&gz, "prefix"), 0);
    gzip_of("payload", 7, &gz);
    assert_memory_equal(gz.data, "prefix", 6);

    buf out = BUF_INIT;
    assert_int_equal(buf_puts(&out, "head:"), 0);
    char err[128];
    assert_int_equal(
        ingest_gzip_inflate((unsigned char *)gz.data + 6, gz.len - 6, 7, &out, err, sizeof err), 0);
    assert_string_equal(out.data, "head:payload");

    /* a failure leaves what was there before */
    assert_int_equal(
        ingest_gzip_inflate((unsigned char *)gz.data + 6, gz.len - 7, 100, &out, err, sizeof err),
        1);
    assert_string_equal(out.data, "head:payload");
    assert_int_equal(
        ingest_gzip_inflate((unsigned char *)gz.data + 6, gz.len - 6, 6, &out, err, sizeof err), 2);
    assert_string_equal(out.data, "head:payload");
    buf_free(&gz);
    buf_free(&out);
}

static void test_multi_member(void **state)
{
    (void)state;
    buf gz = BUF_INIT;
    gzip_of("first\n", 6, &gz);
    gzip_of(NULL, 0, &gz);
    gzip_of("second\n", 7, &gz);
    buf out = BUF_INIT;
    char err[128];
    assert_int_equal(
        ingest_gzip_inflate((unsigned char *)gz.data, gz.len, 13, &out, err, sizeof err), 0);
    assert_int_equal(out.len, 13);
    assert_string_equal(out.data, "first\nsecond\n");

    /* the cap counts all members together */
    buf_reset(&out);
    assert_int_equal(
        ingest_gzip_inflate((unsigned char *)gz.data, gz.len, 12, &out, err, sizeof err), 2);
    assert_int_equal(out.len, 0);
    buf_free(&gz);
    buf_free(&out);
}

static void test_truncated(void **state)
{
    (void)state;
    const size_t len = 100000;
    unsigned char *data = sample(len);
    buf gz = BUF_INIT;
    gzip_of(data, len, &gz);
    const size_t cuts[] = {gz.len - 1, gz.len - 4, gz.len - 8, gz.len / 2, 11, 10, 3, 2};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        buf out = BUF_INIT;
        char err[128] = "";
        assert_int_equal(
            ingest_gzip_inflate((unsigned char *)gz.data, cuts[i], len, &out, err, sizeof err), 1);
        assert_true(err[0] != '\0');
        assert_int_equal(out.len, 0);
        buf_free(&out);
    }
    /* a second member cut short is as bad as the first */
    buf two = BUF_INIT;
    gzip_of("a\n", 2, &two);
    gzip_of("b\n", 2, &two);
    buf out = BUF_INIT;
    char err[128] = "";
    assert_int_equal(
        ingest_gzip_inflate((unsigned char *)two.data, two.len - 3, 100, &out, err, sizeof err), 1);
    assert_string_equal(err, "unexpected end of gzip data");
    buf_free(&out);
    buf_free(&two);
    free(data);
    buf_free(&gz);
}

static void test_corrupt(void **state)
{
    (void)state;
    buf gz = BUF_INIT;
    gzip_of("{\"school_code\":\"3201020001\"}", 28, &gz);
    buf out = BUF_INIT;
    char err[128] = "";

    gz.data[gz.len - 8] ^= 0x55; /* CRC-32 of the member */
    assert_int_equal(
        ingest_gzip_inflate((unsigned char *)gz.data, gz.len, 100, &out, err, sizeof err), 1);
    assert_string_equal(err, "incorrect data check");
    gz.data[gz.len - 8] ^= 0x55;

    gz.data[gz.len - 1] ^= 0x01; /* ISIZE */
    assert_int_equal(
        ingest_gzip_inflate((unsigned char *)gz.data, gz.len, 100, &out, err, sizeof err), 1);
    assert_string_equal(err, "incorrect length check");
    gz.data[gz.len - 1] ^= 0x01;

    gz.data[2] = 7; /* compression method other than deflate */
    assert_int_equal(
        ingest_gzip_inflate((unsigned char *)gz.data, gz.len, 100, &out, err, sizeof err), 1);
    assert_string_equal(err, "unknown compression method");
    assert_int_equal(out.len, 0);
    buf_free(&gz);
    buf_free(&out);
}

static void test_not_gzip(void **state)
{
    (void)state;
    buf out = BUF_INIT;
    char err[128] = "";
    const unsigned char json[] = "{\"a\":1}";
    assert_int_equal(ingest_gzip_inflate(json, sizeof json - 1, 100, &out, err, sizeof err), 1);
    assert_string_equal(err, "not gzip data");
    assert_int_equal(ingest_gzip_inflate(json, 0, 100, &out, err, sizeof err), 1);
    const unsigned char one[] = {0x1f};
    assert_int_equal(ingest_gzip_inflate(one, 1, 100, &out, err, sizeof err), 1);

    /* a zlib stream is deflate data too, but not gzip */
    unsigned char z[64];
    uLongf zlen = sizeof z;
    assert_int_equal(compress(z, &zlen, json, sizeof json - 1), Z_OK);
    assert_int_equal(ingest_gzip_inflate(z, zlen, 100, &out, err, sizeof err), 1);
    assert_string_equal(err, "not gzip data");

    /* err may be omitted */
    assert_int_equal(ingest_gzip_inflate(json, sizeof json - 1, 100, &out, NULL, 0), 1);
    assert_int_equal(out.len, 0);
    buf_free(&out);
}

static void test_trailing_garbage(void **state)
{
    (void)state;
    const char *tails[] = {"junk", "\x1f", "\0\0\0\0", "\x1f\x8b"};
    const size_t tail_lens[] = {4, 1, 4, 2};
    for (size_t i = 0; i < 4; i++) {
        buf gz = BUF_INIT;
        gzip_of("{}", 2, &gz);
        size_t member = gz.len;
        assert_int_equal(buf_append(&gz, tails[i], tail_lens[i]), 0);
        buf out = BUF_INIT;
        char err[128] = "";
        assert_int_equal(
            ingest_gzip_inflate((unsigned char *)gz.data, gz.len, 100, &out, err, sizeof err), 1);
        assert_int_equal(out.len, 0);
        if (i < 3) {
            char want[64];
            snprintf(want, sizeof want, "trailing garbage after gzip data at byte %zu", member);
            assert_string_equal(err, want);
        }
        buf_free(&out);
        buf_free(&gz);
    }
}

static void test_bomb_stops_at_cap(void **state)
{
    (void)state;
    const size_t big = 64 * MIB;
    const size_t cap = 8 * MIB;
    unsigned char *zeros = calloc(big, 1);
    assert_non_null(zeros);
    buf bomb = BUF_INIT;
    gzip_of("{\"ok\":1}\n", 9, &bomb); /* a harmless first member does not hide the second */
    gzip_of(zeros, big, &bomb);
    free(zeros);
    assert_true(bomb.len < 512 * 1024);

    buf out = BUF_INIT;
    char err[128] = "";
    assert_int_equal(
        ingest_gzip_inflate((unsigned char *)bomb.data, bomb.len, cap, &out, err, sizeof err), 2);
    assert_string_equal(err, "decompressed size exceeds the limit of 8388608 bytes");
    assert_int_equal(out.len, 0);
    /* the buffer was never allowed to grow past the cap (+ its NUL), let alone to 64 MiB */
    assert_true(out.cap <= cap + 1);
    assert_true(out.cap >= cap / 2);
    buf_free(&out);
    buf_free(&bomb);
}

static void test_cap_zero(void **state)
{
    (void)state;
    buf gz = BUF_INIT;
    gzip_of("x", 1, &gz);
    buf out = BUF_INIT;
    char err[128];
    assert_int_equal(
        ingest_gzip_inflate((unsigned char *)gz.data, gz.len, 0, &out, err, sizeof err), 2);
    assert_string_equal(err, "decompressed size exceeds the limit of 0 bytes");
    assert_null(out.data);
    buf_free(&gz);
}

/* A slice of a block: the first want bytes of a large member, and no more are inflated. */
static void test_prefix(void **state)
{
    (void)state;
    const size_t len = 3 * MIB;
    unsigned char *data = sample(len);
    buf gz = BUF_INIT, out = BUF_INIT;
    gzip_of(data, len, &gz);
    char err[128];
    assert_int_equal(buf_append(&out, "ab", 2), 0);
    assert_int_equal(
        ingest_gzip_prefix((unsigned char *)gz.data, gz.len, 1000, &out, err, sizeof err), 0);
    assert_int_equal(out.len, 1002);
    assert_memory_equal(out.data + 2, data, 1000);
    buf_reset(&out);
    /* the whole member, to its last byte */
    assert_int_equal(
        ingest_gzip_prefix((unsigned char *)gz.data, gz.len, len, &out, err, sizeof err), 0);
    assert_int_equal(out.len, len);
    assert_memory_equal(out.data, data, len);
    buf_reset(&out);
    /* more than the member holds */
    assert_int_equal(
        ingest_gzip_prefix((unsigned char *)gz.data, gz.len, len + 1, &out, err, sizeof err), 1);
    assert_string_equal(err, "the data ends early");
    assert_int_equal(out.len, 0);
    assert_int_equal(out.data[0], '\0'); /* what was inflated before the end is not kept */
    /* a member cut short, and one damaged in its middle */
    assert_int_equal(
        ingest_gzip_prefix((unsigned char *)gz.data, gz.len / 2, len, &out, err, sizeof err), 1);
    memset(gz.data + 40, 0xff, 64);
    assert_int_equal(
        ingest_gzip_prefix((unsigned char *)gz.data, gz.len, len, &out, err, sizeof err), 1);
    assert_int_equal(out.len, 0);
    assert_int_equal(ingest_gzip_prefix((const unsigned char *)"{}", 2, 1, &out, err, sizeof err),
                     1);
    assert_string_equal(err, "not gzip data");
    buf_free(&out);
    buf_free(&gz);
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_round_trip_empty),
        cmocka_unit_test(test_deflate_and_inflate_append),
        cmocka_unit_test(test_multi_member),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_corrupt),
        cmocka_unit_test(test_not_gzip),
        cmocka_unit_test(test_trailing_garbage),
        cmocka_unit_test(test_bomb_stops_at_cap),
        cmocka_unit_test(test_cap_zero),
        cmocka_unit_test(test_prefix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
