/* report_readable.h - the HTML pages and workbooks of audit, review and quality. */
#ifndef XINYU_REPORT_READABLE_H
#define XINYU_REPORT_READABLE_H

#include <stddef.h>

#include <jansson.h>

#include "common/buf.h"
#include "report/report.h"

struct report_file;

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
 * The audit's HTML page while the rows stream in: rows of one school at a time are held,
 * finished schools go to a temporary file. NULL (logged) when out of memory or no file.
 */
struct audit_html;
struct audit_html *audit_html_open(const char *lang);
/* One row of xinyu.audit_rows. 0, or -1 (logged). */
int audit_html_row(struct audit_html *a, const char *school, const char *district,
                   const char *clause, const char *result, const char *detail);
/* Writes the whole page (title, districts, then the schools) to rf. 0, or -1 (logged). */
int audit_html_finish(struct audit_html *a, int year, const char *generated_at,
                      const json_t *districts, struct report_file *rf);
void audit_html_free(struct audit_html *a);

/*
 * The review's HTML page from its CSV lines (objects with the CSV's keys, in report order):
 * per indicator a line chart of the city-wide value and target per year, then its table.
 * 0, or -1 out of memory.
 */
int review_render_html(const json_t *lines, int from, int to, const char *generated_at, buf *out);

#endif
