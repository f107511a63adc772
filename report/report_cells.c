/* report_cells.c - the one cell convention: a cell's JSON value, and its CSV text from that. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/terms.h"
#include "common/util.h"
#include "report/report.h"
#include "report/report_cells.h"

/*
 * Fifteen significant digits: every ratio and amount Xinyu computes is far less precise than
 * that, and a fixed precision is what makes two runs over the same data give the same bytes.
 */
#define CELL_SCALAR_FLAGS (JSON_ENCODE_ANY | JSON_REAL_PRECISION(15))

/* Integers up to 2^53 are exact in a double; beyond that a count is no longer a count. */
#define EXACT_INTEGER_MAX 9007199254740992.0

json_t *report_json_cell(const PGresult *res, int row, int col, char type)
{
    if (PQgetisnull(res, row, col))
        return json_null();
    const char *v = PQgetvalue(res, row, col);
    switch (type) {
    case 'i': {
        int64_t n;
        if (util_parse_int64(v, INT64_MIN, INT64_MAX, &n) != 0)
            return NULL;
        return json_integer((json_int_t)n);
    }
    case 'b':
        return json_boolean(v[0] == 't');
    case 'c': /* a count: integral values as integers, like the indicator numerators */
    case 'r': {
        char *end = NULL;
        errno = 0;
        double d = strtod(v, &end);
        if (end == v || *end != '\0' || errno == ERANGE || !isfinite(d))
            return NULL;
        if (type == 'c' && d == floor(d) && fabs(d) <= EXACT_INTEGER_MAX)
            return json_integer((json_int_t)d);
        return json_real(d == 0 ? 0.0 : d);
    }
    default:
        return json_string(v);
    }
}

/* A reader never has to expect an integer where a ratio stands. */
json_t *report_json_real(bool has, double v)
{
    if (!has || !isfinite(v))
        return json_null();
    return json_real(v == 0 ? 0.0 : v);
}

json_t *report_json_count(double v)
{
    if (!isfinite(v))
        return json_null();
    if (v == floor(v) && fabs(v) <= EXACT_INTEGER_MAX)
        return json_integer((json_int_t)v);
    return json_real(v);
}

json_t *report_json_text(const char *s, size_t cap)
{
    if (s == NULL || s[0] == '\0')
        return json_null();
    return json_stringn(s, strnlen(s, cap));
}

json_t *report_row_make(const struct report_column *cols, size_t ncols, json_t *const *cells)
{
    json_t *o = json_object();
    int rc = o == NULL ? -1 : 0;
    /* json_object_set_new takes the value even when it fails, and fails on NULL */
    for (size_t k = 0; k < ncols; k++) {
        if (rc == 0)
            rc = json_object_set_new(o, cols[k].key, cells[k]);
        else
            json_decref(cells[k]);
    }
    if (rc != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static int json_to_buf(const char *data, size_t len, void *ctx)
{
    return buf_append(ctx, data, len);
}

int report_json_append(buf *out, const json_t *v, size_t flags)
{
    size_t start = out->len;
    if (json_dump_callback(v, json_to_buf, out, flags) != 0) {
        if (out->data != NULL) {
            out->len = start;
            out->data[start] = '\0';
        }
        return -1;
    }
    return 0;
}

int report_json_dump(const json_t *doc, buf *out)
{
    size_t start = out->len;
    if (report_json_append(out, doc,
                           JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15)) != 0 ||
        buf_putc(out, '\n') != 0) {
        if (out->data != NULL) {
            out->len = start;
            out->data[start] = '\0';
        }
        return -1;
    }
    return 0;
}

/*
 * True when a spreadsheet would read a text cell starting so as a formula (OWASP's CSV
 * injection list, and the full-width forms that an input method in Chinese types and
 * Excel takes the same way).
 */
static bool formula_lead(const char *s, size_t len)
{
    static const char *const fullwidth[] = {"\xEF\xBC\x9D", "\xEF\xBC\x8B", "\xEF\xBC\x8D",
                                            "\xEF\xBC\xA0"}; /* ＝ ＋ － ＠ */
    if (len == 0)
        return false;
    if (strchr("=+-@\t\r", s[0]) != NULL)
        return true;
    for (size_t i = 0; len >= 3 && i < sizeof fullwidth / sizeof fullwidth[0]; i++) {
        if (memcmp(s, fullwidth[i], 3) == 0)
            return true;
    }
    return false;
}

/* Numbers never come here (report_csv_value), so -0.5 stays a number. */
int report_csv_text(buf *out, const char *s, size_t len)
{
    bool lead = formula_lead(s, len);
    if (!lead && buf_is_printable_lines(s, len) && strcspn(s, ",\"\r\n") >= len)
        return buf_append(out, s, len);
    buf cell = BUF_INIT;
    int rc = lead ? buf_putc(&cell, '\'') : 0;
    if (rc == 0)
        rc = buf_printable_lines(&cell, s, len);
    if (rc == 0 && strcspn(cell.data != NULL ? cell.data : "", ",\"\r\n") >= cell.len) {
        rc = buf_append(out, cell.data, cell.len);
        buf_free(&cell);
        return rc;
    }
    if (rc == 0)
        rc = buf_putc(out, '"');
    for (size_t i = 0; rc == 0 && i < cell.len; i++) {
        if (cell.data[i] == '"')
            rc = buf_putc(out, '"');
        if (rc == 0)
            rc = buf_putc(out, cell.data[i]);
    }
    buf_free(&cell);
    return rc == 0 ? buf_putc(out, '"') : -1;
}

/* Numbers go through jansson so that the CSV shows exactly the digits the JSON shows. */
int report_csv_value(buf *out, const json_t *v)
{
    if (v == NULL || json_is_null(v))
        return 0;
    if (json_is_string(v))
        return report_csv_text(out, json_string_value(v), json_string_length(v));
    char number[64];
    size_t n = json_dumpb(v, number, sizeof number, CELL_SCALAR_FLAGS);
    if (n == 0 || n >= sizeof number)
        return -1;
    return buf_append(out, number, n);
}

/* Excel reads a CSV as UTF-8 only with the BOM, and expects CRLF line ends. */
int report_csv_header(buf *out, const struct report_column *cols, size_t ncols)
{
    int rc = buf_puts(out, "\xEF\xBB\xBF");
    for (size_t i = 0; rc == 0 && i < ncols; i++) {
        if (i > 0)
            rc = buf_putc(out, ',');
        if (rc == 0)
            rc = report_csv_text(out, cols[i].header, strlen(cols[i].header));
    }
    return rc == 0 ? buf_puts(out, "\r\n") : -1;
}

int report_csv_row(buf *out, const json_t *row, const struct report_column *cols, size_t ncols)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < ncols; i++) {
        if (i > 0)
            rc = buf_putc(out, ',');
        if (rc == 0)
            rc = report_csv_value(out, json_object_get(row, cols[i].key));
    }
    return rc == 0 ? buf_puts(out, "\r\n") : -1;
}

/* The code keys whose readable "_name" column a report may have, and their words. */
static const struct {
    const char *key;
    enum terms_kind kind;
} coded[] = {
    {"school_type", TERMS_SCHOOL_TYPE}, {"status", TERMS_STATUS},     {"result", TERMS_RESULT},
    {"severity", TERMS_SEVERITY},       {"kind", TERMS_OUTLIER_KIND}, {"resolved", TERMS_BOOL},
    {"on_track", TERMS_BOOL},
};

const char *report_code_word(const char *key, const json_t *row, bool zh)
{
    size_t n = strlen(key);
    if (n <= 5 || strcmp(key + n - 5, "_name") != 0)
        return NULL;
    n -= 5;
    if (n == 9 && strncmp(key, "indicator", 9) == 0) {
        int i = report_indicator_find(json_string_value(json_object_get(row, "indicator")));
        return i < 0 ? NULL : zh ? report_indicators[i].zh : report_indicators[i].en;
    }
    for (size_t k = 0; k < sizeof coded / sizeof coded[0]; k++) {
        if (strlen(coded[k].key) != n || strncmp(coded[k].key, key, n) != 0)
            continue;
        const json_t *v = json_object_get(row, coded[k].key);
        const char *code =
            json_is_boolean(v) ? (json_is_true(v) ? "true" : "false") : json_string_value(v);
        return code != NULL ? terms_word(coded[k].kind, code, zh) : NULL;
    }
    return NULL;
}

json_t *report_row_words(const json_t *row, const struct report_column *cols, size_t ncols, bool zh)
{
    json_t *out = NULL;
    for (size_t k = 0; k < ncols; k++) {
        if (!cols[k].readable || json_object_get(row, cols[k].key) != NULL)
            continue;
        const char *word = report_code_word(cols[k].key, row, zh);
        if (word == NULL)
            continue;
        if (out == NULL && (out = json_copy((json_t *)row)) == NULL)
            return NULL;
        if (json_object_set_new(out, cols[k].key, json_string(word)) != 0) {
            json_decref(out);
            return NULL;
        }
    }
    return out != NULL ? out : json_incref((json_t *)row);
}
