/* report_format_xlsx.c - the XLSX format: <base>.xlsx with one sheet per table that has one,
 * added when the table begins (report/report_xlsx.c writes the workbook). */
#include <stdio.h>
#include <stdlib.h>

#include "common/fault.h"
#include "common/log.h"
#include "report/report_common.h"
#include "report/report_format.h"
#include "report/report_readable.h"

#define XLSX_MAX_TABLES 16

struct xlsx_out {
    const struct report_layout *l;
    struct report_xlsx *x;
    struct report_xlsx_sheet *sheet[XLSX_MAX_TABLES];
};

static void xlsx_discard(void *out)
{
    struct xlsx_out *o = out;
    if (o == NULL)
        return;
    report_xlsx_discard(o->x);
    free(o);
}

static void *xlsx_begin(const struct report_layout *l, const char *out_dir)
{
    struct xlsx_out *o = calloc(1, sizeof *o);
    if (o == NULL || l->ntables > XLSX_MAX_TABLES) {
        log_error("%s: %s", l->what, o == NULL ? "out of memory" : "too many tables");
        free(o);
        return NULL;
    }
    o->l = l;
    char path[4200];
    int w = snprintf(path, sizeof path, "%s/%s.xlsx", out_dir, l->base);
    if (w < 0 || (size_t)w >= sizeof path) {
        log_error("the output path is too long: %s/%s.xlsx", out_dir, l->base);
        free(o);
        return NULL;
    }
    o->x = report_xlsx_open(path, l->title, 0);
    if (o->x == NULL) {
        free(o);
        return NULL;
    }
    return o;
}

static int xlsx_value(void *out, const char *key, const json_t *v)
{
    (void)out, (void)key, (void)v;
    return 0;
}

/* A failed sheet sticks in the workbook and shows when it is closed. */
static int xlsx_table_begin(void *out, size_t table)
{
    struct xlsx_out *o = out;
    const struct report_table *t = &o->l->tables[table];
    if (t->sheet != NULL)
        o->sheet[table] = readable_xlsx_sheet(o->x, t->sheet, t->cols, t->ncols);
    return 0;
}

static int xlsx_row(void *out, size_t table, const json_t *row)
{
    struct xlsx_out *o = out;
    const struct report_table *t = &o->l->tables[table];
    if (o->sheet[table] != NULL)
        readable_xlsx_row(o->sheet[table], row, t->cols, t->ncols);
    return 0;
}

static int xlsx_table_end(void *out, size_t table)
{
    (void)out, (void)table;
    return 0;
}

static int xlsx_end(void *out)
{
    struct xlsx_out *o = out;
    int rc = report_xlsx_close(o->x);
    o->x = NULL;
    xlsx_discard(o);
    return rc;
}

/* The workbook zipped and synced on the format's thread, beside the other formats. */
static int xlsx_seal(void *out)
{
    struct xlsx_out *o = out;
    return report_xlsx_seal(o->x);
}

static bool xlsx_has(const struct report_layout *l)
{
    for (size_t t = 0; t < l->ntables; t++) {
        if (l->tables[t].sheet != NULL)
            return true;
    }
    return false;
}

/*
 * The indicator report's workbook (report/report_xlsx.c), whose number styles follow each
 * row's indicator. It passes the fault point "report_write" before it is written, as every
 * indicator report file does.
 */
static int xlsx_doc(const struct report_doc *doc, const struct report_doc_dest *d)
{
    char path[4200];
    int w = snprintf(path, sizeof path, "%s/%s.xlsx", d->out_dir, d->base);
    if (w < 0 || (size_t)w >= sizeof path) {
        log_error("the output path is too long: %s/%s.xlsx", d->out_dir, d->base);
        return -1;
    }
    fault_point("report_write");
    if (report_write_xlsx(doc, path, d->lang) != 0) /* logs its reason */
        return -1;
    log_info("wrote %s", path);
    return 0;
}

const struct report_format report_format_xlsx = {
    "xlsx",   false,          xlsx_has, xlsx_begin,   xlsx_value, xlsx_table_begin,
    xlsx_row, xlsx_table_end, xlsx_end, xlsx_discard, xlsx_doc,   xlsx_seal,
    true};
