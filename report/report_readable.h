/* report_readable.h - the HTML pages and workbooks of audit, review and quality. */
#ifndef XINYU_REPORT_READABLE_H
#define XINYU_REPORT_READABLE_H

#include <stddef.h>

#include <jansson.h>

#include "common/buf.h"
#include "report/report.h"

struct report_file;
struct report_page;

/* A sheet of x with the columns' headers and widths; NULL as report_xlsx_add_sheet. */
struct report_xlsx_sheet *readable_xlsx_sheet(struct report_xlsx *x, const char *name,
                                              const struct report_column *cols, size_t ncols);
/*
 * One row (a JSON object) into the sheet's current row, the columns' keys in order: integers
 * as counts, reals as numbers, strings as text, true/false as text, null blank. Ends the row.
 */
void readable_xlsx_row(struct report_xlsx_sheet *s, const json_t *row,
                       const struct report_column *cols, size_t ncols);

/*
 * The audit's page (report/report_format.h): per district the schools passing, failing and
 * unknown, then per school its result on every clause and the details of those not passed.
 * The rows table's rows carry district_code besides their columns. Rows of one school at a
 * time are held, finished schools go to a temporary file.
 */
struct report_audit_page_arg {
    const char *lang; /* "zh" (also NULL) or "en" */
    int year;
    const char *generated_at;
    size_t rows_table, districts_table;
    bool link_schools; /* a school's name links to its page, which the audit writes */
};
extern const struct report_page report_audit_page;

/* The review's page: per indicator a line chart of the city-wide value and target per year,
 * then its table of lines (the lines table's rows, in report order). */
struct report_review_page_arg {
    int from, to;
    const char *generated_at;
    size_t lines_table;
    const char *without_targets; /* "2022、2023": the years of the range without a targets
                                  * file, named on the page; "" none */
};
extern const struct report_page report_review_page;

#endif
