/* period.c - reporting periods "YYYY-YYYY-T": parsed from every accepted form, checked. */
#include <stdio.h>
#include <string.h>

#include "common/period.h"
#include "common/util.h"

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

int period_from_parts_why(const char *academic_year, long long term, char out[PERIOD_LEN + 1],
                          struct period_why *why)
{
    int first, second;
    struct period_why w = {PERIOD_FAULT_NONE, 0, 0};
    if (academic_year == NULL || strlen(academic_year) != 9 || academic_year[4] != '-' ||
        !digits(academic_year, 4, &first) || !digits(academic_year + 5, 4, &second))
        w.fault = PERIOD_FAULT_YEAR_FORM;
    else if (first < PERIOD_YEAR_MIN || first > PERIOD_YEAR_MAX || second < PERIOD_YEAR_MIN ||
             second > PERIOD_YEAR_MAX)
        w = (struct period_why){PERIOD_FAULT_YEAR_RANGE,
                                first < PERIOD_YEAR_MIN || first > PERIOD_YEAR_MAX ? first : second,
                                0};
    else if (second != first + 1)
        w = (struct period_why){PERIOD_FAULT_YEAR_SEQUENCE, first, second};
    else if (term != 1 && term != 2)
        w = (struct period_why){PERIOD_FAULT_TERM, term, 0};
    if (why != NULL)
        *why = w;
    if (w.fault != PERIOD_FAULT_NONE)
        return -1;
    snprintf(out, PERIOD_LEN + 1, "%04d-%04d-%lld", first, second, term);
    return 0;
}

int period_parse_why(const char *text, char out[PERIOD_LEN + 1], struct period_why *why)
{
    struct period_why form = {PERIOD_FAULT_FORM, 0, 0};
    if (text == NULL) {
        if (why != NULL)
            *why = form;
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
    long long term = 0;
    const char *rest = text + 9;
    size_t restlen = len >= 9 ? len - 9 : 0;
    if (len < 10 || text[4] != '-' || !is_digit(text[0]) || !is_digit(text[5]))
        term = -1;
    else if (restlen == 2 && rest[0] == '-' && is_digit(rest[1]))
        term = rest[1] - '0'; /* period_from_parts_why names a term other than 1 or 2 */
    else if (restlen == sizeof term1_zh - 1 && memcmp(rest, term1_zh, restlen) == 0)
        term = 1;
    else if (restlen == sizeof term2_zh - 1 && memcmp(rest, term2_zh, restlen) == 0)
        term = 2;
    else
        term = -1;
    if (term < 0) {
        if (why != NULL)
            *why = form;
        return -1;
    }
    char year[10];
    memcpy(year, text, 9);
    year[9] = '\0';
    return period_from_parts_why(year, term, out, why);
}

void period_why_text(const struct period_why *why, char *err, size_t errlen)
{
    switch (why->fault) {
    case PERIOD_FAULT_NONE:
        util_set_err(err, errlen, "%s", "");
        break;
    case PERIOD_FAULT_FORM:
        util_set_err(err, errlen, "expected YYYY-YYYY-T, or YYYY-YYYY学年第一学期 or 第二学期");
        break;
    case PERIOD_FAULT_YEAR_FORM:
        util_set_err(err, errlen, "expected an academic year of the form YYYY-YYYY");
        break;
    case PERIOD_FAULT_YEAR_RANGE:
        util_set_err(err, errlen, "year %04lld is outside %d..%d", why->a, PERIOD_YEAR_MIN,
                     PERIOD_YEAR_MAX);
        break;
    case PERIOD_FAULT_YEAR_SEQUENCE:
        util_set_err(err, errlen, "the second year must be the first plus one (%04lld-%04lld)",
                     why->a, why->b);
        break;
    case PERIOD_FAULT_TERM:
        util_set_err(err, errlen, "term must be 1 or 2, got %lld", why->a);
        break;
    }
}

int period_from_parts(const char *academic_year, long long term, char out[PERIOD_LEN + 1],
                      char *err, size_t errlen)
{
    struct period_why why;
    int rc = period_from_parts_why(academic_year, term, out, &why);
    if (rc != 0)
        period_why_text(&why, err, errlen);
    return rc;
}

int period_parse(const char *text, char out[PERIOD_LEN + 1], char *err, size_t errlen)
{
    struct period_why why;
    int rc = period_parse_why(text, out, &why);
    if (rc != 0)
        period_why_text(&why, err, errlen);
    return rc;
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

char *period_words(const char *period, char *out, size_t n)
{
    char canon[PERIOD_LEN + 1];
    if (period == NULL || period_parse(period, canon, NULL, 0) != 0 || strcmp(canon, period) != 0)
        snprintf(out, n, "(学期未能识别)");
    else
        snprintf(out, n, "%.9s学年第%s学期", period, period[10] == '1' ? "一" : "二");
    return out;
}
