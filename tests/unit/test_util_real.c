/* test_util_real.c - util_format_g17 and util_format_cents write what printf writes, byte for
 * byte: the COPY rows of a submission must not change with the way they are made. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/util.h"

/* A fixed xorshift generator: the same values on every run and machine. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t next_random(void)
{
    uint64_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    rng_state = x;
    return x;
}

static double from_bits(uint64_t bits)
{
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

/* Both functions against printf for d; counts the values the fast path of cents took. */
static void check_value(double d, long *cents_fast)
{
    char want[512];
    char got[UTIL_G17_MAX];
    snprintf(want, sizeof want, "%.17g", d);
    size_t n = util_format_g17(d, got);
    if (strcmp(want, got) != 0 || n != strlen(want))
        fail_msg("%%.17g of %a: printf \"%s\", util_format_g17 \"%s\" (%zu)", d, want, got, n);

    char cents[UTIL_CENTS_MAX];
    n = util_format_cents(d, cents);
    if (n == 0)
        return;
    snprintf(want, sizeof want, "%.2f", d);
    if (strcmp(want, cents) != 0 || n != strlen(want))
        fail_msg("%%.2f of %a: printf \"%s\", util_format_cents \"%s\"", d, want, cents);
    (*cents_fast)++;
}

/* The values a submission holds: hours, rates and money with few decimals. */
static void test_decimal_fractions(void **state)
{
    (void)state;
    long fast = 0;
    for (long n = 0; n <= 200000; n++) {
        check_value((double)n / 100.0, &fast);
        check_value((double)n / 10.0, &fast);
        check_value((double)n / 1000.0, &fast);
        check_value((double)n / 3.0, &fast);
    }
    for (long n = 0; n < 20000; n++) {
        /* amounts near the largest allowed, where a cent is a few units in the last place */
        check_value(1e12 - (double)n / 100.0, &fast);
        check_value(9.99e11 + (double)n / 100.0, &fast);
        check_value(1e10 + (double)n * 1.01, &fast);
    }
    assert_true(fast > 400000); /* the fast path of cents was taken, and compared */
}

/* Values chosen for the edges: zeros, signs, the switch to an exponent, ties to even. */
static void test_edges(void **state)
{
    (void)state;
    long fast = 0;
    const double values[] = {
        0.0,
        -0.0,
        0.94,
        13.5,
        11,
        1e-4,
        9.9999999999999991e-5,
        0.000099999999999999999,
        1e-5,
        0.0001234,
        1e16,
        1e17,
        99999999999999999.0,
        9007199254740992.0,
        9007199254740993.0,
        1234567890123456.25,
        1234567890123456.75,
        1234567890123455.25,
        0.30000000000000004,
        0.1,
        1.0 / 3.0,
        2.0 / 3.0,
        5e-324,
        2.2250738585072014e-308,
        1.7976931348623157e308,
        1e300,
        -1.5,
        -0.94,
        -1e-7,
        123456789012345678.0,
        4.35,
        9902.60,
        1e12,
        1e12 + 0.01,
        -0.01,
        0.005,
        0.015,
        0.125,
        0.375,
        ldexp(1.0, -60),
        ldexp(1.0, -61),
        ldexp(1.0, -14) * 3,
        ldexp(3.0, -20),
        ldexp(1.0, 56) + 8,
        HUGE_VAL,
        -HUGE_VAL,
        NAN,
    };
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
        check_value(values[i], &fast);
    /* every power of two and its neighbours, all of whose fractions end in 5 */
    for (int e = -70; e <= 70; e++) {
        double p = ldexp(1.0, e);
        check_value(p, &fast);
        check_value(nextafter(p, 0.0), &fast);
        check_value(nextafter(p, HUGE_VAL), &fast);
        check_value(p * 3, &fast);
    }
    /* 17-digit numbers with a quarter or a half: the 18th digit is a 5 with nothing after */
    for (long n = 0; n < 20000; n++) {
        double base = 1e15 + (double)(next_random() % 1000000000000000ULL);
        check_value(base + 0.25, &fast);
        check_value(base + 0.5, &fast);
        check_value(base + 0.75, &fast);
        check_value(base / 1024.0, &fast);
    }
}

/* Every kind of double: random bit patterns, and random values where the fast path works. */
static void test_random_doubles(void **state)
{
    (void)state;
    long fast = 0;
    for (long n = 0; n < 200000; n++) {
        check_value(from_bits(next_random()), &fast);
        double u = (double)(next_random() >> 11) / 9007199254740992.0; /* [0, 1) */
        check_value(u, &fast);
        check_value(u * 1e6, &fast);
        check_value(u * 168, &fast);
        check_value(ldexp(u, (int)(next_random() % 120) - 60), &fast);
        check_value(nearbyint(u * 1e14) / 100.0, &fast);
    }
    assert_true(fast > 100000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decimal_fractions),
        cmocka_unit_test(test_edges),
        cmocka_unit_test(test_random_doubles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
