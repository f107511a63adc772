/* xform.h - parse, validate and normalize one school submission (spec/SUBMISSION.md). */
#ifndef XINYU_XFORM_H
#define XINYU_XFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/period.h"
#include "transform/xform_messages.h"

#define XF_GRADES 12
#define XF_SCHOOL_CODE_LEN 10
#define XF_DISTRICT_CODE_LEN 6
#define XF_PERIOD_LEN PERIOD_LEN /* "2024-2025-1" (common/period.h) */
#define XF_SCHEMA "mhe.submission/1"

/* Kinds of section field values; each has its own type and range rule. */
enum xf_kind {
    XF_COUNT, /* non-negative integer <= XF_COUNT_MAX; a number with a fraction is rejected */
    XF_MONEY, /* number >= 0 with at most 2 decimals, <= 1e12 */
    XF_HOURS, /* number 0..168 */
    XF_RATE,  /* number 0..1 */
    XF_REAL,  /* number >= 0, <= 1e6 */
    XF_BOOL   /* true/false, or the integers 0/1 */
};

/* How a field rolls up over the terms of a review year (SUBMISSION.md section 2). */
enum xf_rollup { XF_LATEST, XF_SUM, XF_MAX, XF_ANY };

#define XF_COUNT_MAX 2147483647LL

/* One scalar field of a section, e.g. staff.psych_fulltime (column staff_psych_fulltime). */
struct xf_field {
    const char *section; /* "staff" */
    const char *name;    /* "psych_fulltime" */
    const char *column;  /* "staff_psych_fulltime": the column in xinyu.submission */
    enum xf_kind kind;
    enum xf_rollup rollup;
};

/* The field table, in column order of xinyu.submission; XF_NFIELDS entries. */
extern const struct xf_field xf_fields[];
extern const int xf_nfields;
#define XF_NFIELDS 40

/* Looks a field up by section and name; returns its index or -1. */
int xf_field_find(const char *section, const char *name);

/* A field's value once validated: numbers as double (integers exactly), booleans as 0/1. */
struct xf_value {
    bool set; /* false: not reported (NULL), never zero */
    double number;
    int64_t integer; /* XF_COUNT and XF_BOOL */
};

/* The normalized submission. Per-grade arrays are indexed by grade-1. */
struct xf_submission {
    char school_code[XF_SCHOOL_CODE_LEN + 1];
    char district_code[XF_DISTRICT_CODE_LEN + 1]; /* as reported; "" when absent */
    char period[XF_PERIOD_LEN + 1];               /* canonical YYYY-YYYY-T */
    int academic_year;                            /* first year of the period */
    int term;                                     /* 1 autumn, 2 spring */
    char *school_name;                            /* as reported or NULL; owned by the submission */
    char submitted_at[40];                        /* RFC 3339 text as sent (validated) */
    int64_t submitted_epoch;                      /* seconds since 1970 UTC */
    int64_t enrolled[XF_GRADES];
    int64_t classes[XF_GRADES];
    int64_t lessons[XF_GRADES];
    bool enrolled_set[XF_GRADES];
    bool classes_set[XF_GRADES];
    bool lessons_set[XF_GRADES];
    bool lessons_reported; /* curriculum.lessons_by_grade present */
    struct xf_value values[XF_NFIELDS];
};

enum xf_severity { XF_REJECT = 0, XF_WARNING = 1 };

/* One reason: a JSON path ("staff.psych_cert_a", "" for the whole document) and a message. */
struct xf_issue {
    enum xf_severity severity;
    char code[32]; /* stable machine code, e.g. "cross_field", "type", "unknown_field" */
    char path[96];
    char message[256]; /* e.g. "40 exceeds psych_fulltime + psych_parttime (37)" */
    /* the same for the school, from the catalogue (xform_messages.h), naming the field:
     * "专兼职心理教师中持A证人数(staff.psych_cert_a)为 40，超过专职与兼职心理教师人数之和 37";
     * "" when the issue was added with an English text only (xf_result_add) */
    char message_zh[512];
};

/* All issues found in one document; rejected when any has severity XF_REJECT. */
struct xf_result {
    struct xf_issue *issues; /* owned; xf_result_clear frees */
    int nissues;
    int cap;
    int nrejects;
    int nwarnings;
    bool truncated; /* more than XF_MAX_ISSUES were found; the rest were dropped */
};
#define XF_MAX_ISSUES 200

/* The school registry as the validator needs it (spec section 5). */
struct xf_school {
    char school_code[XF_SCHOOL_CODE_LEN + 1];
    char district_code[XF_DISTRICT_CODE_LEN + 1];
    char *school_name;
    char *district_name;
    char school_type[24];
    bool active;
};

struct xf_registry; /* opaque: a hash table of schools */

/*
 * Reads schools.csv (spec section 5). Every bad row is reported through
 * report(line, message, ctx) and then NULL is returned: the load is refused as a whole.
 * NULL with no report means memory ran out or the file could not be read (errno).
 * The caller frees the registry with xf_registry_free.
 */
struct xf_registry *xf_registry_read(const char *path,
                                     void (*report)(int line, const char *message, void *ctx),
                                     void *ctx);
/* The same from a buffer (used by the file reader and the fuzzer). */
struct xf_registry *xf_registry_parse(const char *data, size_t len,
                                      void (*report)(int line, const char *message, void *ctx),
                                      void *ctx);
const struct xf_school *xf_registry_find(const struct xf_registry *reg, const char *school_code);
int xf_registry_count(const struct xf_registry *reg);
const struct xf_school *xf_registry_at(const struct xf_registry *reg, int i); /* file order */
void xf_registry_free(struct xf_registry *reg);

/*
 * A row of schools.csv whose fields passed their own checks: the school (its names are
 * borrowed, valid during the call) and its physical line. Returns 0 to read on, or -1 to
 * stop the scan (which then returns -1).
 */
typedef int (*xf_registry_row_fn)(const struct xf_school *school, int line, void *ctx);

/*
 * Reads schools.csv from read(src, buf, cap) in pieces (it returns the bytes read, 0 at the
 * end, -1 with errno on failure), in memory bounded by a window, whatever the file's size.
 * Each row whose fields are good goes to row, in file order; every bad row, and a bad
 * header, is reported through report(line, message, ctx) as by xf_registry_parse. The
 * checks across rows (a school listed twice, a district named two ways) are the caller's,
 * with the messages below. Returns the number of reports (0: every row was good and there
 * was at least one), or -1 when read or row failed.
 */
int xf_registry_scan(ssize_t (*read)(void *src, char *buf, size_t cap), void *src,
                     xf_registry_row_fn row, void *row_ctx,
                     void (*report)(int line, const char *message, void *ctx), void *ctx);

/* The messages of the checks across rows, worded as xf_registry_parse reports them. */
void xf_registry_duplicate_message(char *out, size_t cap, const char *school_code, int first_line);
void xf_registry_district_message(char *out, size_t cap, const char *district_code,
                                  const char *name, const char *first_name, int first_line);

/* Options of one validation. */
struct xf_options {
    const struct xf_registry
        *registry;     /* NULL: registry checks are skipped (xinyu check without one) */
    int64_t now_epoch; /* the run's time: submitted_at more than 1 day later is rejected */
};

/*
 * Parses, validates and normalizes one submission of len bytes (not NUL-terminated).
 * Always fills res with every reason found (not just the first). Returns 0 when the
 * submission may be loaded (warnings allowed), 1 when it is rejected, -1 when memory
 * ran out. sub is filled as far as the document allowed; free it with
 * xf_submission_clear even when rejected.
 */
int xf_validate(const char *data, size_t len, const struct xf_options *opt,
                struct xf_submission *sub, struct xf_result *res);

/*
 * Parses a period as period_parse / period_from_parts (common/period.h) do, with the
 * reason in both languages from the catalogue (why may be NULL).
 */
int xf_period_parse_text(const char *text, char out[XF_PERIOD_LEN + 1], struct xf_text *why);
int xf_period_from_parts_text(const char *academic_year, long long term,
                              char out[XF_PERIOD_LEN + 1], struct xf_text *why);

/*
 * Copies len bytes of s into out (at least limit + 4 bytes) for a message: control
 * characters and bytes that are not UTF-8 are escaped, and the copy stops before limit
 * output bytes with "..." marking the cut. Never fails.
 */
void xf_quote_text(char *out, size_t limit, const char *s, size_t len);
/* How long school names are quoted in name_mismatch messages (C and SQL alike). */
#define XF_NAME_QUOTE_MAX 108

void xf_submission_clear(struct xf_submission *sub);
void xf_result_clear(struct xf_result *res);

/* Appends an issue with an English message only (message_zh stays ""): for texts outside the
 * catalogue, e.g. a test's. Returns 0, or -1 when memory ran out. */
int xf_result_add(struct xf_result *res, enum xf_severity sev, const char *code, const char *path,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif
