/* util_real.c - reals written exactly as printf's "%.17g" and "%.2f" write them, without printf:
 * the COPY rows of a night hold hundreds of thousands of reals, and printf's general path for
 * each (parsing its format, multi-precision arithmetic) was a tenth of the loader's own time. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common/util.h"

/* Significant digits of "%.17g". */
#define G17_DIGITS 17
/* The fractional bits the digit loop handles in 64 bits: F < 2^60, so 10 * F < 2^64. */
#define MAX_FRACTION_BITS 60

/* Writes v in decimal at out; returns the number of digits (1..20). */
static size_t put_decimal(char *out, uint64_t v)
{
    char digits[20];
    size_t n = 0;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    for (size_t i = 0; i < n; i++)
        out[i] = digits[n - 1 - i];
    return n;
}

/*
 * The fixed-style text of "%.17g" for a finite d > 0 whose exact binary value has at most
 * MAX_FRACTION_BITS fractional bits and whose decimal exponent after rounding lies in -4..16,
 * the range in which %g writes no exponent. Returns its length, or 0 when d is outside that
 * range (the caller then uses printf).
 *
 * The exact value is I + F / 2^sh; its decimal digits come from I and from F multiplied by 10
 * again and again, all in integers. The 18th significant digit and whether anything nonzero
 * follows it decide the rounding to 17 digits: to nearest, a tie to even, as glibc rounds the
 * exact value in the default rounding mode.
 */
static size_t g17_fixed(double d, char *out)
{
    int e;
    double m = frexp(d, &e); /* d = m * 2^e, 0.5 <= m < 1 */
    uint64_t mant = (uint64_t)ldexp(m, 53);
    int sh = 53 - e; /* d = mant / 2^sh */
    while (sh > 0 && (mant & 1) == 0) {
        mant >>= 1;
        sh--;
    }
    if (sh > MAX_FRACTION_BITS)
        return 0;
    uint64_t ipart, frac, mask;
    if (sh <= 0) {
        if (d >= 1e17)
            return 0;
        ipart = mant << -sh; /* below 1e17 < 2^57: exact */
        frac = 0;
        mask = 0;
        sh = 0;
    } else {
        ipart = mant >> sh;
        mask = ((uint64_t)1 << sh) - 1;
        frac = mant & mask;
    }

    unsigned char dig[G17_DIGITS + 2];
    int nd = 0;
    int exp10; /* the decimal exponent of the first significant digit */
    if (ipart > 0) {
        char text[20];
        size_t n = put_decimal(text, ipart); /* at most 17 digits: ipart < 1e17 */
        for (size_t i = 0; i < n; i++)
            dig[nd++] = (unsigned char)(text[i] - '0');
        exp10 = (int)n - 1;
    } else {
        exp10 = -1;
    }
    while (frac != 0 && nd < G17_DIGITS + 1) {
        frac *= 10;
        unsigned char digit = (unsigned char)(frac >> sh);
        frac &= mask;
        if (nd == 0 && digit == 0) {
            if (--exp10 < -5) /* surely below 1e-4 even after rounding: %g writes an exponent */
                return 0;
            continue;
        }
        dig[nd++] = digit;
    }
    if (nd > G17_DIGITS) {
        bool up = dig[G17_DIGITS] > 5 ||
                  (dig[G17_DIGITS] == 5 && (frac != 0 || (dig[G17_DIGITS - 1] & 1) != 0));
        nd = G17_DIGITS;
        if (up) {
            int i = nd - 1;
            while (i >= 0 && dig[i] == 9)
                dig[i--] = 0;
            if (i >= 0) {
                dig[i]++;
            } else { /* 99..9 became 100..0: one more integer digit */
                dig[0] = 1;
                exp10++;
            }
        }
    }
    if (exp10 < -4 || exp10 >= G17_DIGITS)
        return 0;
    /* %g drops the fraction's trailing zeros, and the point when nothing is left of it */
    int int_digits = exp10 >= 0 ? exp10 + 1 : 0;
    while (nd > int_digits && dig[nd - 1] == 0)
        nd--;
    size_t o = 0;
    if (exp10 >= 0) {
        for (int i = 0; i < int_digits; i++)
            out[o++] = (char)('0' + (i < nd ? dig[i] : 0));
        if (nd > int_digits) {
            out[o++] = '.';
            for (int i = int_digits; i < nd; i++)
                out[o++] = (char)('0' + dig[i]);
        }
    } else {
        out[o++] = '0';
        out[o++] = '.';
        for (int i = -1; i > exp10; i--)
            out[o++] = '0';
        for (int i = 0; i < nd; i++)
            out[o++] = (char)('0' + dig[i]);
    }
    out[o] = '\0';
    return o;
}

size_t util_format_g17(double d, char out[UTIL_G17_MAX])
{
    if (isfinite(d)) {
        /* printf writes the sign, then the digits of the magnitude */
        char *p = out;
        double magnitude = d;
        if (signbit(d)) {
            *p++ = '-';
            magnitude = -d;
        }
        if (magnitude == 0.0) {
            p[0] = '0';
            p[1] = '\0';
            return (size_t)(p - out) + 1;
        }
        size_t o = g17_fixed(magnitude, p);
        if (o > 0)
            return (size_t)(p - out) + o;
    }
    int n = snprintf(out, UTIL_G17_MAX, "%.17g", d);
    return n > 0 ? (size_t)n : 0;
}

size_t util_format_cents(double d, char out[UTIL_CENTS_MAX])
{
    /* d is the double nearest to cents / 100 (the division rounds correctly, cents is exact
     * below 2^53); up to 1e12 that is within 2^-13 of cents / 100, far nearer than the 0.005
     * at which "%.2f" would round to another number of cents */
    if (!(d >= 0.0 && d <= 1e12) || signbit(d))
        return 0;
    double cents = nearbyint(d * 100.0);
    if (cents / 100.0 != d)
        return 0;
    uint64_t c = (uint64_t)cents;
    size_t o = put_decimal(out, c / 100);
    out[o++] = '.';
    out[o++] = (char)('0' + c % 100 / 10);
    out[o++] = (char)('0' + c % 10);
    out[o] = '\0';
    return o;
}
