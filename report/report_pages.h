/*
 * report_pages.h - the drill-down a person follows from the city to a district to a school:
 * the quality page (a section per district with its reporting chart and its open lists) and
 * the school pages (out_dir/schools/<code>.html and .json), which every list and table that
 * names a school links to. Also the words a page shows for the codes of the data (school
 * types, results, states) and the small HTML writer the pages share.
 */
#ifndef XINYU_REPORT_PAGES_H
#define XINYU_REPORT_PAGES_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "common/buf.h"
#include "report/report_format.h"
#include "report/report_jobs.h"

/* ---- words ------------------------------------------------------------------------------ */

/* What kind of code a word is looked up for. */
enum report_word_kind {
    REPORT_WORD_SCHOOL_TYPE, /* primary -> 小学 */
    REPORT_WORD_RESULT,      /* pass, fail, unknown -> 通过, 未通过, 待定 */
    REPORT_WORD_SEVERITY,    /* reject, warning -> 退回, 警告 */
    REPORT_WORD_OUTLIER,     /* district_median, term_change */
    REPORT_WORD_STATE        /* a version: current, superseded, rejected */
};
/* The word a person reads for code in lang ("zh", also NULL, or "en"); code itself when the
 * kind does not know it or lang is "en" and the code is already the English word. Static
 * strings or code; never NULL for a non-NULL code, never fails. */
const char *report_word(enum report_word_kind kind, const char *code, const char *lang);
/* "是"/"否" (yes/no in en). */
const char *report_word_bool(bool v, const char *lang);

/* ---- the HTML writer of the pages: the first failure sticks ------------------------------ */

struct report_html {
    buf *out;
    int rc; /* 0, or -1 once memory ran out */
};
void report_html_put(struct report_html *h, const char *s);
/* Markup and numbers only: every text goes through report_html_esc. */
void report_html_putf(struct report_html *h, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* s HTML-escaped (buf_html_escape); NULL writes nothing. */
void report_html_esc(struct report_html *h, const char *s);
/* The head of a page in lang with its title (h1 as well), the pages' stylesheet, ending
 * inside <header>. */
void report_html_head(struct report_html *h, const char *lang, const char *title);
/* A field for a person: its Chinese label with the JSON path in parentheses,
 * "专职心理健康教师人数(staff.psych_fulltime)", "字段(...)" for a path without a label; the
 * path alone in en. */
void report_html_field(struct report_html *h, const char *path, const char *lang);

/* ---- the schools a page links to --------------------------------------------------------- */

/* School codes gathered while a page is written, for their pages. */
struct report_school_set {
    char (*codes)[16];
    size_t n, cap;
    bool sorted; /* sorted and without repeats (report_school_set_sort) */
};
/* Adds code when it is a school code (ten digits). Returns 0 (also for a code that is
 * none, which is left out), or -1 out of memory (logged). */
int report_school_set_add(struct report_school_set *s, const char *code);
/* Sorts in byte order (the SQL's COLLATE "C") and drops repeats. Never fails. */
void report_school_set_sort(struct report_school_set *s);
/* Frees the codes; accepts NULL. */
void report_school_set_free(struct report_school_set *s);
/* The page of a school relative to the report pages: "schools/<code>.html". */
#define REPORT_SCHOOL_DIR "schools"
/* A city of more active schools than this gets no school pages from the quality report and
 * the audit (a page is some 12 kB each and its queries' cost grows with the schools listed):
 * their pages then name schools without links, and `xinyu school CODE` writes a page. */
#define REPORT_SCHOOL_PAGES_MAX 20000
/* Whether the reports write the pages of the schools they list: 1 yes, 0 no (the city is
 * larger than REPORT_SCHOOL_PAGES_MAX; logged once), -1 after logging. */
int report_school_pages_wanted(PGconn *conn);

/* ---- the quality page -------------------------------------------------------------------- */

/*
 * The quality report's page (report/report_format.h): the city's terms and reporting chart,
 * then a section per district with its chart and every list of the report, each row of a
 * list under the district it names. The lists are the layout's tables that have a CSV file
 * but the terms; their columns are shown as the tables define them, so a column or list
 * added there shows here. Rows of lists go to a temporary file as they come, memory holds
 * the index of the districts' runs of rows and the reporting chart's days.
 */
struct report_quality_page_arg {
    const char *lang;       /* "zh" (also NULL) or "en" */
    const char *scope_text; /* "2024年度", "2024-2025-1" */
    const char *generated_at;
    const struct report_table *tables;
    size_t ntables;
    size_t terms_table, by_day_table;
    size_t new_table;  /* the run's own section: its CSV and sheet, not the page's lists */
    bool link_schools; /* a school's name links to its page (report_school_pages_wanted) */
    struct report_school_set *linked; /* gets the code of every school the page links to */
};
extern const struct report_page report_quality_page;

/* ---- the school pages -------------------------------------------------------------------- */

/* A link back from a school page, relative to out_dir ("quality-2024.html"). */
struct report_back_link {
    const char *href;
    const char *label;
};

/* What the pages of a batch of schools show. The strings are borrowed. */
struct report_school_opts {
    const char *lang;                 /* "zh" (also NULL) or "en" */
    const char *out_dir;              /* the pages go to out_dir/schools/ */
    const char *targets_dir;          /* the review years of the audit and the terms' deadlines */
    const struct report_scope *scope; /* NULL: every term and every review year */
    /* a page of the report writing the pages, not yet in place: linked back to although
     * it is not found in out_dir (NULL: none) */
    const struct report_back_link *own;
};

/*
 * Writes out_dir/schools/<code>.html and .json for each school of set (sorted first) that the
 * registry knows, read through conn in the caller's transaction: the school's registry entry,
 * its terms and status, the values of its current submissions under their Chinese labels,
 * every version with its reasons, and its audit per review year; links back to the city's
 * and the district's pages that exist in out_dir. Each query reads every school of the batch
 * at once (cursors, one school's rows in memory at a time). *written counts the pages.
 * Returns 0, or -1 after logging.
 */
int report_school_pages_write(PGconn *conn, const struct report_school_opts *o,
                              struct report_school_set *set, size_t *written);

/* Whether code is a school code (ten digits); logs why not. */
bool report_school_code_check(const char *code);
/* xinyu school CODE: the page of one school in ctx's out_dir, for scope (year 0 and period
 * NULL: everything). Returns 0 or EXIT_* after logging (EXIT_USAGE for a school the registry
 * does not know). */
int report_school_write(const struct report_ctx *ctx, const struct report_scope *scope,
                        const char *code);

#endif
