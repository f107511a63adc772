/*
 * report_cells.h - the one cell convention of every report: a row is a JSON object whose keys
 * are its table's columns, and each format shows a cell from that value (CSV: UTF-8 with BOM,
 * bilingual header, CRLF; numbers with the JSON's 15 significant digits).
 */
#ifndef XINYU_REPORT_CELLS_H
#define XINYU_REPORT_CELLS_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "common/buf.h"

/* A column of a table: its JSON key, its bilingual header ("学期 period", the CSV's and the
 * sheet's), the type of its cells and its width in a sheet (characters). */
struct report_column {
    const char *key;
    const char *header;
    char type; /* of report_json_cell for a result's cell; 'o' any JSON value */
    double width;
    /* for a person only (a name beside its code): in the CSV, the sheet and the page, never
     * in the JSON document, whose keys INDICATORS.md fixes */
    bool readable;
};

/* ---- JSON cells: new references, NULL when memory ran out ---------------------------- */

/* A value for a result cell: type 't' text, 'i' integer, 'c' count (integral as an integer,
 * else a real), 'r' real, 'b' boolean; SQL NULL is null. NULL also when the cell is not of
 * the type. */
json_t *report_json_cell(const PGresult *res, int row, int col, char type);
/* A measure (value, target, gap, change): always a real, 1.0 included, -0 as 0.0; null when
 * !has or v is not finite. */
json_t *report_json_real(bool has, double v);
/* A count (numerator, denominator): an integer when integral and exact in a double (30, not
 * 30.0), else a real; null when not finite. */
json_t *report_json_count(double v);
/* A text field of at most cap bytes; NULL or empty means "all" and is null. */
json_t *report_json_text(const char *s, size_t cap);
/* The row of a table from its cells in the columns' order (cells[k] is cols[k].key's value).
 * Takes every cell, also on failure; NULL when a cell is NULL or memory ran out. */
json_t *report_row_make(const struct report_column *cols, size_t ncols, json_t *const *cells);

/*
 * The word a person reads for a code: for a readable column "<code key>_name" (indicator_name,
 * school_type_name, status_name, result_name, severity_name, kind_name, resolved_name,
 * on_track_name) the catalogue's word (common/terms.h) for row's value of the code key, in
 * Chinese when zh. NULL when key is no such column or the row has no known code.
 */
const char *report_code_word(const char *key, const json_t *row, bool zh);
/* row with the words of the readable code columns among cols that it lacks; a new reference
 * (row itself, incref'd, when there is nothing to add), NULL when memory ran out. */
json_t *report_row_words(const json_t *row, const struct report_column *cols, size_t ncols,
                         bool zh);

/* Appends json_dumps(v, flags) to out. Returns 0, or -1 (out then as before). */
int report_json_append(buf *out, const json_t *v, size_t flags);
/* Appends a whole document as the indicator report is written (indent 2, key order kept, 15
 * digits) and a newline. Returns 0, or -1 (out then as before). */
int report_json_dump(const json_t *doc, buf *out);

/* ---- CSV cells: 0, or -1 when memory ran out ------------------------------------------ */

/*
 * One CSV text cell: control characters but tab and line breaks written visibly (\x1b, as
 * buf_printable_lines), a ' put before a text that a spreadsheet would run as a formula (led
 * by = + - @, tab or CR, or their full-width forms), quoted as RFC 4180 asks when it holds a
 * comma, a quote or a line break. Every text cell of every CSV Xinyu writes goes through it.
 */
int report_csv_text(buf *out, const char *s, size_t len);
/* A CSV cell from a JSON value: null is empty, numbers with exactly the JSON's digits; -1
 * also for a number that does not fit. */
int report_csv_value(buf *out, const json_t *v);
/* The BOM and the header row of the columns. */
int report_csv_header(buf *out, const struct report_column *cols, size_t ncols);
/* One line with the values of row's keys of the columns, in their order; -1 also for a number
 * that does not fit. */
int report_csv_row(buf *out, const json_t *row, const struct report_column *cols, size_t ncols);

#endif
