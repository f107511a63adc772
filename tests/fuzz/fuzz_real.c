/* fuzz_real.c - libFuzzer harness: util_format_g17 and util_format_cents against printf for
 * any double (the input's first eight bytes, or its text read by strtod). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(double d)
{
    char want[512];
    char got[UTIL_G17_MAX];
    snprintf(want, sizeof want, "%.17g", d);
    size_t n = util_format_g17(d, got);
    if (strcmp(want, got) != 0 || n != strlen(want)) {
        fprintf(stderr, "%%.17g of %a: printf \"%s\", util_format_g17 \"%s\"\n", d, want, got);
        abort();
    }
    char cents[UTIL_CENTS_MAX];
    n = util_format_cents(d, cents);
    if (n == 0)
        return;
    snprintf(want, sizeof want, "%.2f", d);
    if (strcmp(want, cents) != 0 || n != strlen(want)) {
        fprintf(stderr, "%%.2f of %a: printf \"%s\", util_format_cents \"%s\"\n", d, want, cents);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size >= sizeof(double)) {
        double d;
        memcpy(&d, data, sizeof d);
        check(d);
    }
    /* the input as a number's text too: the reals schools write, such as 13.5 or 9902.60 */
    char text[64];
    size_t n = size < sizeof text - 1 ? size : sizeof text - 1;
    memcpy(text, data, n);
    text[n] = '\0';
    check(strtod(text, NULL));
    return 0;
}
