/* period.c - reporting periods "YYYY-YYYY-T": parsed from every accepted form, checked. */
#include <stdio.h>
#include <string.h>

#include "common/period.h"
#include "common/util.h"

#define YEAR_MIN 2000
#define YEAR_MAX 2100

/* The long forms schools write in Chinese: 2024-2025学年第一学期 / 第二学期. */
static const char term1_zh[] = "学年第一学期";
static const char term2_zh[] = "学年第二学期";

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Reads exactly n decimal digits at s; false when any is missing. */
static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!is_digit(s[i]))
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

int period_from_parts(const char *academic_year, long long term, char out[PERIOD_LEN + 1],
                      char *err, size_t errlen)
{
    int first, second;
    if (academic_year == NULL || strlen(academic_year) != 9 || academic_year[4] != '-' ||
        !digits(academic_year, 4, &first) || !digits(academic_year + 5, 4, &second)) {
        util_set_err(err, errlen, "expected an academic year of the form YYYY-YYYY");
        return -1;
    }
    if (first < YEAR_MIN || first > YEAR_MAX || second < YEAR_MIN || second > YEAR_MAX) {
        int bad = first < YEAR_MIN || first > YEAR_MAX ? first : second;
        util_set_err(err, errlen, "year %04d is outside %d..%d", bad, YEAR_MIN, YEAR_MAX);
        return -1;
    }
    if (second != first + 1) {
        util_set_err(err, errlen, "the second year must be the first plus one (%04d-%04d)", first,
                     second);
        return -1;
    }
    if (term != 1 && term != 2) {
        util_set_err(err, errlen, "term must be 1 or 2, got %lld", term);
        return -1;
    }
    snprintf(out, PERIOD_LEN + 1, "%04d-%04d-%lld", first, second, term);
    return 0;
}

int period_parse(const char *text, char out[PERIOD_LEN + 1], char *err, size_t errlen)
{
    static const char form_msg[] = "expected YYYY-YYYY-T, or YYYY-YYYY学年第一学期 or 第二学期";
    if (text == NULL) {
        util_set_err(err, errlen, "%s", form_msg);
        return -1;
    }
    size_t len = strlen(text);
    while (len > 0 && text[0] == ' ') {
        text++;
        len--;
    }
    while (len > 0 && text[len - 1] == ' ')
        len--;

    /* The academic year is "YYYY-YYYY" in every form; only the term suffix differs. */
    if (len < 10 || text[4] != '-' || !is_digit(text[0]) || !is_digit(text[5])) {
        util_set_err(err, errlen, "%s", form_msg);
        return -1;
    }
    char year[10];
    memcpy(year, text, 9);
    year[9] = '\0';
    const char *rest = text + 9;
    size_t restlen = len - 9;
    long long term;
    if (restlen == 2 && rest[0] == '-' && is_digit(rest[1])) {
        term = rest[1] - '0'; /* period_from_parts names a term other than 1 or 2 */
    } else if (restlen == sizeof term1_zh - 1 && memcmp(rest, term1_zh, restlen) == 0) {
        term = 1;
    } else if (restlen == sizeof term2_zh - 1 && memcmp(rest, term2_zh, restlen) == 0) {
        term = 2;
    } else {
        util_set_err(err, errlen, "%s", form_msg);
        return -1;
    }
    return period_from_parts(year, term, out, err, errlen);
}

bool period_shaped(const char *s)
{
    if (s == NULL || strlen(s) != PERIOD_LEN || s[4] != '-' || s[9] != '-' ||
        (s[10] != '1' && s[10] != '2'))
        return false;
    for (int i = 0; i < 9; i++) {
        if (i != 4 && !is_digit(s[i]))
            return false;
    }
    return true;
}

bool period_canonical(const char *s, int *first_year, int *term)
{
    int first, second;
    if (!period_shaped(s) || !digits(s, 4, &first) || !digits(s + 5, 4, &second) ||
        second != first + 1)
        return false;
    if (first_year != NULL)
        *first_year = first;
    if (term != NULL)
        *term = s[10] - '0';
    return true;
}
