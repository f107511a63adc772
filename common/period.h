/* period.h - reporting periods: a term "YYYY-YYYY-T" of an academic year, parsed and checked. */
#ifndef XINYU_PERIOD_H
#define XINYU_PERIOD_H

#include <stdbool.h>
#include <stddef.h>

#define PERIOD_LEN 11 /* "2024-2025-1" */
#define PERIOD_YEAR_MIN 2000
#define PERIOD_YEAR_MAX 2100

/* Why a period was refused, for callers that word it themselves (in Chinese, say). */
enum period_fault {
    PERIOD_FAULT_NONE,
    PERIOD_FAULT_FORM,          /* not YYYY-YYYY-T nor YYYY-YYYY学年第一/二学期 */
    PERIOD_FAULT_YEAR_FORM,     /* the academic year is not YYYY-YYYY */
    PERIOD_FAULT_YEAR_RANGE,    /* a = the year outside PERIOD_YEAR_MIN..PERIOD_YEAR_MAX */
    PERIOD_FAULT_YEAR_SEQUENCE, /* a, b = the two years, the second not the first plus one */
    PERIOD_FAULT_TERM           /* a = the term, not 1 or 2 */
};
struct period_why {
    enum period_fault fault;
    long long a, b;
};

/*
 * Parses a period in any accepted form (canonical "2024-2025-1",
 * "2024-2025学年第一学期"/"第二学期", spaces around it ignored) into the canonical form,
 * with both years within 2000..2100. The JSON object form is handled by xf_validate.
 * Returns 0, or -1 with a reason in err (err may be NULL; a reason too long is cut short).
 */
int period_parse(const char *text, char out[PERIOD_LEN + 1], char *err, size_t errlen);
/* Builds the canonical form from an academic year "2024-2025" and a term 1/2; the same
 * checks and errors as period_parse. */
int period_from_parts(const char *academic_year, long long term, char out[PERIOD_LEN + 1],
                      char *err, size_t errlen);

/* The same two with the reason as a fault (why may be NULL), and its English wording. */
int period_parse_why(const char *text, char out[PERIOD_LEN + 1], struct period_why *why);
int period_from_parts_why(const char *academic_year, long long term, char out[PERIOD_LEN + 1],
                          struct period_why *why);
void period_why_text(const struct period_why *why, char *err, size_t errlen);

/* True when s has the canonical shape: eleven characters "dddd-dddd-T" with T 1 or 2. The
 * years are not compared (see period_canonical); false for NULL. */
bool period_shaped(const char *s);
/* True when s is canonical: shaped, and the second year the first plus one (no range check).
 * Then *first_year and *term get its parts; either may be NULL. */
bool period_canonical(const char *s, int *first_year, int *term);

/* A term in words, "2024-2025学年第一学期", for a canonical period; "(学期未能识别)" for NULL
 * or anything else. Returns out. */
char *period_words(const char *period, char *out, size_t n);

#endif
