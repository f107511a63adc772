/* xform_period.c - reporting periods and RFC 3339 timestamps of a submission. */
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "transform/xform.h"

#define YEAR_MIN 2000
#define YEAR_MAX 2100

/* The long forms schools write in Chinese: 2024-2025学年第一学期 / 第二学期. */
static const char term1_zh[] = "学年第一学期";
static const char term2_zh[] = "学年第二学期";

/* Formats a reason of the catalogue in both languages into why (NULL: not wanted). */
#define WHY(why, id, ...)                                                                          \
    do {                                                                                           \
        if ((why) != NULL) {                                                                       \
            snprintf((why)->en, sizeof(why)->en, XF_EN(id), __VA_ARGS__);                          \
            snprintf((why)->zh, sizeof(why)->zh, XF_ZH(id), __VA_ARGS__);                          \
        }                                                                                          \
    } while (0)
#define WHY0(why, id)                                                                              \
    do {                                                                                           \
        if ((why) != NULL) {                                                                       \
            snprintf((why)->en, sizeof(why)->en, "%s", XF_EN(id));                                 \
            snprintf((why)->zh, sizeof(why)->zh, "%s", XF_ZH(id));                                 \
        }                                                                                          \
    } while (0)

/* The English reason of why into err (errlen bytes), as the callers of the plain forms want. */
static void set_err(char *err, size_t errlen, const struct xf_text *why)
{
    if (err != NULL && errlen > 0)
        snprintf(err, errlen, "%s", why->en);
}

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

int xf_period_from_parts_text(const char *academic_year, long long term,
                              char out[XF_PERIOD_LEN + 1], struct xf_text *why)
{
    int first, second;
    if (academic_year == NULL || strlen(academic_year) != 9 || academic_year[4] != '-' ||
        !digits(academic_year, 4, &first) || !digits(academic_year + 5, 4, &second)) {
        WHY0(why, PERIOD_YEAR_FORM);
        return -1;
    }
    if (first < YEAR_MIN || first > YEAR_MAX || second < YEAR_MIN || second > YEAR_MAX) {
        int bad = first < YEAR_MIN || first > YEAR_MAX ? first : second;
        WHY(why, PERIOD_YEAR_RANGE, bad, YEAR_MIN, YEAR_MAX);
        return -1;
    }
    if (second != first + 1) {
        WHY(why, PERIOD_YEAR_SEQUENCE, first, second);
        return -1;
    }
    if (term != 1 && term != 2) {
        WHY(why, PERIOD_TERM, term);
        return -1;
    }
    snprintf(out, XF_PERIOD_LEN + 1, "%04d-%04d-%lld", first, second, term);
    return 0;
}

int xf_period_from_parts(const char *academic_year, long long term, char out[XF_PERIOD_LEN + 1],
                         char *err, size_t errlen)
{
    struct xf_text why;
    int rc = xf_period_from_parts_text(academic_year, term, out, &why);
    if (rc != 0)
        set_err(err, errlen, &why);
    return rc;
}

int xf_period_parse(const char *text, char out[XF_PERIOD_LEN + 1], char *err, size_t errlen)
{
    struct xf_text why;
    int rc = xf_period_parse_text(text, out, &why);
    if (rc != 0)
        set_err(err, errlen, &why);
    return rc;
}

int xf_period_parse_text(const char *text, char out[XF_PERIOD_LEN + 1], struct xf_text *why)
{
    if (text == NULL) {
        WHY0(why, PERIOD_FORM);
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
        WHY0(why, PERIOD_FORM);
        return -1;
    }
    char year[10];
    memcpy(year, text, 9);
    year[9] = '\0';
    const char *rest = text + 9;
    size_t restlen = len - 9;
    long long term;
    if (restlen == 2 && rest[0] == '-' && is_digit(rest[1])) {
        term = rest[1] - '0'; /* xf_period_from_parts names a term other than 1 or 2 */
    } else if (restlen == sizeof term1_zh - 1 && memcmp(rest, term1_zh, restlen) == 0) {
        term = 1;
    } else if (restlen == sizeof term2_zh - 1 && memcmp(rest, term2_zh, restlen) == 0) {
        term = 2;
    } else {
        WHY0(why, PERIOD_FORM);
        return -1;
    }
    return xf_period_from_parts_text(year, term, out, why);
}

int xf_parse_rfc3339(const char *text, int64_t *epoch)
{
    if (text == NULL)
        return -1;
    const char *p = text;
    int year, month, day, hour, minute, second;
    if (!digits(p, 4, &year) || p[4] != '-' || !digits(p + 5, 2, &month) || p[7] != '-' ||
        !digits(p + 8, 2, &day))
        return -1;
    p += 10;
    if (*p != 'T' && *p != 't')
        return -1;
    p++;
    if (!digits(p, 2, &hour) || p[2] != ':' || !digits(p + 3, 2, &minute) || p[5] != ':' ||
        !digits(p + 6, 2, &second))
        return -1;
    p += 8;
    /* Leap seconds (":60") are refused: no school system emits them, and accepting one
     * without the leap-second table would invent an instant. */
    if (!util_valid_date(year, month, day) || hour > 23 || minute > 59 || second > 59)
        return -1;
    if (*p == '.') {
        p++;
        if (!is_digit(*p))
            return -1;
        while (is_digit(*p))
            p++;
    }
    int offset = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        if (!digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om) || oh > 23 || om > 59)
            return -1;
        offset = (oh * 60 + om) * 60;
        if (*p == '-')
            offset = -offset;
        p += 6;
    } else {
        return -1;
    }
    if (*p != '\0')
        return -1;
    int64_t days = util_days_from_civil(year, (unsigned)month, (unsigned)day);
    *epoch = days * 86400 + hour * 3600 + minute * 60 + second - offset;
    return 0;
}
