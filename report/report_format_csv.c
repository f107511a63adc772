/* report_format_csv.c - the CSV format: one file per table that has one (UTF-8 with BOM,
 * bilingual header, CRLF), written as the rows come. */
#include <stdio.h>
#include <stdlib.h>

#include "common/log.h"
#include "report/report_common.h"
#include "report/report_format.h"

#define FLUSH_BYTES 65536 /* a file's buffered text is written out from this size */
#define CSV_MAX_TABLES 16

struct csv_out {
    const struct report_layout *l;
    struct report_file *rf[CSV_MAX_TABLES]; /* NULL: the table has no CSV */
    buf b[CSV_MAX_TABLES];
};

static void csv_discard(void *out)
{
    struct csv_out *o = out;
    if (o == NULL)
        return;
    for (size_t t = 0; t < CSV_MAX_TABLES; t++) {
        report_file_discard(o->rf[t]);
        buf_free(&o->b[t]);
    }
    free(o);
}

/* Every table's file is opened at once, its header written. */
static void *csv_begin(const struct report_layout *l, const char *out_dir)
{
    struct csv_out *o = calloc(1, sizeof *o);
    if (o == NULL || l->ntables > CSV_MAX_TABLES) {
        log_error("%s: %s", l->what, o == NULL ? "out of memory" : "too many tables");
        free(o);
        return NULL;
    }
    o->l = l;
    for (size_t t = 0; t < l->ntables; t++) {
        const struct report_table *table = &l->tables[t];
        if (table->csv == NULL)
            continue;
        char name[256];
        snprintf(name, sizeof name, "%s%s%s.csv", l->base, table->csv[0] ? "-" : "", table->csv);
        o->rf[t] = report_file_open(out_dir, name);
        if (o->rf[t] == NULL) {
            csv_discard(o);
            return NULL;
        }
        if (report_csv_header(&o->b[t], table->cols, table->ncols) != 0) {
            log_error("%s: out of memory", l->what);
            csv_discard(o);
            return NULL;
        }
    }
    return o;
}

static int csv_value(void *out, const char *key, const json_t *v)
{
    (void)out, (void)key, (void)v;
    return 0;
}

static int csv_table(void *out, size_t table)
{
    (void)out, (void)table;
    return 0;
}

static int csv_row(void *out, size_t table, const json_t *row)
{
    struct csv_out *o = out;
    const struct report_table *t = &o->l->tables[table];
    if (o->rf[table] == NULL)
        return 0;
    if (report_csv_row(&o->b[table], row, t->cols, t->ncols) != 0) {
        log_error("%s: out of memory or a number out of range", o->l->what);
        return -1;
    }
    return o->b[table].len >= FLUSH_BYTES ? report_file_write(o->rf[table], &o->b[table]) : 0;
}

/* The files into place in the tables' order. */
static int csv_end(void *out)
{
    struct csv_out *o = out;
    int rc = 0;
    for (size_t t = 0; rc == 0 && t < CSV_MAX_TABLES; t++) {
        if (o->rf[t] == NULL)
            continue;
        rc = report_file_write(o->rf[t], &o->b[t]);
        if (rc == 0)
            rc = report_file_close(o->rf[t]);
        o->rf[t] = NULL;
    }
    csv_discard(o);
    return rc;
}

static bool csv_has(const struct report_layout *l)
{
    for (size_t t = 0; t < l->ntables; t++) {
        if (l->tables[t].csv != NULL)
            return true;
    }
    return false;
}

static int csv_doc(const struct report_doc *doc, const struct report_doc_dest *d)
{
    const struct report_sink *s = report_doc_sink_open(d, "csv");
    return s != NULL ? report_doc_sink_end(s, report_stream_csv(doc, s), "CSV") : -1;
}

/* Written aside (report/report_aside.h): a quality report's lists are CSV files of 17 MB on a
 * first night at 200,000 schools, rendered on a thread of their own while the report waits for
 * the database's next rows. */
const struct report_format report_format_csv = {
    "csv",     false,   csv_has,     csv_begin, csv_value, csv_table, csv_row,
    csv_table, csv_end, csv_discard, csv_doc,   NULL,      true};
