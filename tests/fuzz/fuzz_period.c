/* fuzz_period.c - libFuzzer harness: term and RFC 3339 parsing against an independent reading. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/period.h"
#include "common/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool digit(char c)
{
    return c >= '0' && c <= '9';
}

/* n digits at s as a number, or -1 */
static int number(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!digit(s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static bool leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : days[m - 1];
}

/* The canonical term of SUBMISSION.md section 1, read the way the spec words it. */
static bool expected_period(const char *text, char out[PERIOD_LEN + 1])
{
    static const char term1[] = "学年第一学期";
    static const char term2[] = "学年第二学期";
    size_t len = strlen(text);
    while (len > 0 && *text == ' ') {
        text++;
        len--;
    }
    while (len > 0 && text[len - 1] == ' ')
        len--;
    if (len < 9 || text[4] != '-')
        return false;
    int first = number(text, 4);
    int second = number(text + 5, 4);
    if (first < 2000 || first > 2100 || second < 2000 || second > 2100 || second != first + 1)
        return false;
    int term;
    const char *rest = text + 9;
    size_t restlen = len - 9;
    if (restlen == 2 && rest[0] == '-' && (rest[1] == '1' || rest[1] == '2'))
        term = rest[1] - '0';
    else if (restlen == sizeof term1 - 1 && memcmp(rest, term1, restlen) == 0)
        term = 1;
    else if (restlen == sizeof term2 - 1 && memcmp(rest, term2, restlen) == 0)
        term = 2;
    else
        return false;
    memcpy(out, text, 9);
    out[9] = '-';
    out[10] = (char)('0' + term);
    out[11] = '\0';
    return true;
}

/* RFC 3339 date-time with a mandatory offset, read field by field; the epoch is counted
 * from 0001-01-01 so as not to share the code under test's calendar arithmetic. */
static bool expected_rfc3339(const char *s, int64_t *epoch)
{
    size_t len = strlen(s);
    if (len < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' ||
        s[16] != ':')
        return false;
    int y = number(s, 4), mo = number(s + 5, 2), d = number(s + 8, 2);
    int h = number(s + 11, 2), mi = number(s + 14, 2), se = number(s + 17, 2);
    if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo) || h < 0 || h > 23 || mi < 0 ||
        mi > 59 || se < 0 || se > 59)
        return false;
    size_t p = 19;
    if (s[p] == '.') {
        p++;
        if (!digit(s[p]))
            return false;
        while (digit(s[p]))
            p++;
    }
    int64_t offset;
    if ((s[p] == 'Z' || s[p] == 'z') && p + 1 == len) {
        offset = 0;
    } else if ((s[p] == '+' || s[p] == '-') && p + 6 == len && s[p + 3] == ':') {
        int oh = number(s + p + 1, 2), om = number(s + p + 4, 2);
        if (oh < 0 || oh > 23 || om < 0 || om > 59)
            return false;
        offset = (int64_t)(oh * 60 + om) * 60 * (s[p] == '-' ? -1 : 1);
    } else {
        return false;
    }
    int64_t py = y - 1;
    int64_t days = 365 * py + py / 4 - py / 100 + py / 400; /* 0001-01-01 .. y-01-01 */
    for (int m = 1; m < mo; m++)
        days += month_days(y, m);
    days += d - 1;
    days -= 719162; /* 0001-01-01 .. 1970-01-01 */
    *epoch = days * 86400 + h * 3600 + mi * 60 + se - offset;
    return true;
}

/* A message for a person: NUL-terminated within its buffer and not empty. */
static void check_err(const char *err, size_t cap)
{
    if (memchr(err, '\0', cap) == NULL || err[0] == '\0')
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';

    char out[PERIOD_LEN + 1];
    char want[PERIOD_LEN + 1];
    char err[128];
    memset(out, 0x55, sizeof out);
    memset(err, 0x55, sizeof err);
    int rc = period_parse(text, out, err, sizeof err);
    bool ok = expected_period(text, want);
    if ((rc == 0) != ok)
        abort();
    if (rc == 0) {
        if (strcmp(out, want) != 0)
            abort();
        /* the canonical form reads back as itself */
        char again[PERIOD_LEN + 1];
        if (period_parse(out, again, err, sizeof err) != 0 || strcmp(again, out) != 0)
            abort();
    } else if (rc == -1) {
        check_err(err, sizeof err);
    } else {
        abort();
    }

    /* the object form's parts: the first bytes as the academic year, a term from the rest */
    if (size >= 1) {
        size_t ylen = size > 9 ? 9 : size - 1;
        char year[10];
        memcpy(year, text + 1, ylen);
        year[ylen] = '\0';
        long long term = (signed char)data[0];
        memset(err, 0x55, sizeof err);
        rc = period_from_parts(year, term, out, err, sizeof err);
        char joined[32];
        size_t ylen_c = strlen(year);
        memcpy(joined, year, ylen_c);
        joined[ylen_c] = '-';
        joined[ylen_c + 1] = (char)('0' + (term >= 0 && term <= 9 ? term : 0));
        joined[ylen_c + 2] = '\0';
        bool term_ok = term == 1 || term == 2;
        ok = term_ok && ylen_c == 9 && year[0] != ' ' && year[8] != ' ' &&
             expected_period(joined, want);
        if ((rc == 0) != ok)
            abort();
        if (rc == 0 && strcmp(out, want) != 0)
            abort();
        if (rc != 0)
            check_err(err, sizeof err);
    }

    int64_t epoch = 0x5555, expected = 0;
    rc = util_parse_rfc3339(text, &epoch);
    ok = expected_rfc3339(text, &expected);
    if ((rc == 0) != ok)
        abort();
    if (rc == 0 && epoch != expected)
        abort();
    if (rc != 0 && rc != -1)
        abort();

    free(text);
    return 0;
}
