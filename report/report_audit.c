/* report_audit.c - the audit: the characteristic-school standard, per school and clause. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/db.h"
#include "common/log.h"
#include "common/util.h"
#include "report/report_common.h"
#include "report/report_readable.h"

/* A row of the contract, its CSV and its sheet: the columns in this order. */
static const struct report_column row_cols[] = {
    {"school_code", "学校代码 school_code", 't', 22},
    {"clause", "条款 clause", 't', 10},
    {"result", "结果 result", 't', 10},
    {"detail", "说明 detail", 't', 80},
};
static const struct report_column district_cols[] = {
    {"district_code", "区县代码 district_code", 't', 22},
    {"schools", "学校数 schools", 'i', 14},
    {"passing", "通过 passing", 'i', 14},
    {"failing", "未通过 failing", 'i', 14},
    {"unknown", "待定 unknown", 'i', 14},
};
#define NKEYS(a) (sizeof(a) / sizeof((a)[0]))

/* The audit's result: a row's columns, then the school's district (WITH ORDINALITY keeps the
 * function's order: district, school, clause). */
static const struct report_list audit_list = {
    "audit",
    "SELECT school_code, clause, result, CASE WHEN $4 = 'en' THEN detail_en ELSE detail_zh END, "
    "district_code FROM xinyu.audit_rows($1::text[], $2::date[], $3::jsonb) "
    "WITH ORDINALITY AS a ORDER BY a.ordinality",
    4, row_cols, NKEYS(row_cols)};
#define AUDIT_DISTRICT_COL 4

/* Rows are written out whenever this much has gathered: memory stays flat for any city. */
#define FLUSH_BYTES ((size_t)1 << 20)

/* One line of a document: a flat object without indentation, key order kept. */
#define LINE_FLAGS (JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15))

struct district_count {
    char code[8]; /* "" for the city */
    long schools, passing, failing, unknown;
};

/* The audit's output while it is being written. */
struct audit_out {
    struct report_file *json, *csv;
    buf jbuf, cbuf;
    size_t nrows;
    struct district_count *districts; /* [0] is the city */
    size_t ndistricts, cap;
    struct report_file *html_file; /* with html: the page, its rows held per school */
    struct audit_html *html;
    json_t *html_districts;
    struct report_xlsx *xlsx; /* with xlsx: the workbook and its audit sheet */
    struct report_xlsx_sheet *sheet;
};

/* Counts one school's overall result into its district (rows come ordered by district). */
static int count_overall(struct audit_out *o, const char *district, const char *result)
{
    struct district_count *d = o->ndistricts > 1 ? &o->districts[o->ndistricts - 1] : NULL;
    if (d == NULL || strcmp(d->code, district) != 0) {
        if (o->ndistricts == o->cap) {
            size_t cap = o->cap * 2;
            struct district_count *p = realloc(o->districts, cap * sizeof *p);
            if (p == NULL)
                return -1;
            o->districts = p;
            o->cap = cap;
        }
        d = &o->districts[o->ndistricts++];
        memset(d, 0, sizeof *d);
        util_strlcpy(d->code, district, sizeof d->code);
    }
    struct district_count *city = &o->districts[0];
    long *field = strcmp(result, "pass") == 0   ? &d->passing
                  : strcmp(result, "fail") == 0 ? &d->failing
                                                : &d->unknown;
    long *city_field = strcmp(result, "pass") == 0   ? &city->passing
                       : strcmp(result, "fail") == 0 ? &city->failing
                                                     : &city->unknown;
    (*field)++;
    (*city_field)++;
    d->schools++;
    city->schools++;
    return 0;
}

/* One result row into every output. */
static int audit_row(struct audit_out *o, const PGresult *res)
{
    json_t *row = report_row_json(&audit_list, res, 0);
    const char *district = PQgetvalue(res, 0, AUDIT_DISTRICT_COL);
    int rc = row == NULL ? -1 : 0;
    if (rc == 0 && o->json != NULL) {
        rc = buf_puts(&o->jbuf, o->nrows ? ",\n    " : "\n    ");
        if (rc == 0)
            rc = report_json_append(&o->jbuf, row, LINE_FLAGS);
    }
    if (rc == 0 && o->csv != NULL)
        rc = report_csv_row(&o->cbuf, row, row_cols, NKEYS(row_cols));
    if (rc == 0 && o->sheet != NULL)
        readable_xlsx_row(o->sheet, row, row_cols, NKEYS(row_cols));
    json_decref(row);
    if (rc == 0 && o->html != NULL &&
        audit_html_row(o->html, PQgetvalue(res, 0, 0), district, PQgetvalue(res, 0, 1),
                       PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3)) != 0)
        return -1;
    if (rc == 0 && strcmp(PQgetvalue(res, 0, 1), "overall") == 0)
        rc = count_overall(o, district, PQgetvalue(res, 0, 2));
    if (rc != 0) {
        log_error("out of memory");
        return -1;
    }
    o->nrows++;
    if ((o->json != NULL && o->jbuf.len >= FLUSH_BYTES && report_file_write(o->json, &o->jbuf)) ||
        (o->csv != NULL && o->cbuf.len >= FLUSH_BYTES && report_file_write(o->csv, &o->cbuf)))
        return -1;
    return 0;
}

static json_t *district_json(const struct district_count *d)
{
    json_t *cells[] = {report_json_text(d->code, sizeof d->code),
                       json_integer((json_int_t)d->schools), json_integer((json_int_t)d->passing),
                       json_integer((json_int_t)d->failing), json_integer((json_int_t)d->unknown)};
    return report_row_make(district_cols, NKEYS(district_cols), cells);
}

/* The end of the JSON document and the districts' CSV. */
static int audit_finish(struct audit_out *o, int year, const char *out_dir)
{
    buf dcsv = BUF_INIT;
    int rc = report_csv_header(&dcsv, district_cols, NKEYS(district_cols));
    struct report_xlsx_sheet *dsheet = NULL;
    if (o->xlsx != NULL)
        dsheet =
            readable_xlsx_sheet(o->xlsx, "区县 districts", district_cols, NKEYS(district_cols));
    if (o->json != NULL)
        rc |=
            buf_puts(&o->jbuf, o->nrows ? "\n  ],\n  \"districts\": [" : "],\n  \"districts\": [");
    for (size_t i = 0; rc == 0 && i < o->ndistricts; i++) {
        json_t *d = district_json(&o->districts[i]);
        if (d == NULL) {
            rc = -1;
            break;
        }
        if (o->json != NULL) {
            rc |= buf_puts(&o->jbuf, i ? ",\n    " : "\n    ");
            rc |= report_json_append(&o->jbuf, d, LINE_FLAGS);
        }
        rc |= report_csv_row(&dcsv, d, district_cols, NKEYS(district_cols));
        if (dsheet != NULL)
            readable_xlsx_row(dsheet, d, district_cols, NKEYS(district_cols));
        if (o->html_districts != NULL)
            rc |= json_array_append(o->html_districts, d);
        json_decref(d);
    }
    if (o->json != NULL)
        rc |= buf_puts(&o->jbuf, "\n  ]\n}\n");
    if (rc != 0) {
        log_error("out of memory");
        buf_free(&dcsv);
        return -1;
    }
    char name[64];
    snprintf(name, sizeof name, "audit-%d-districts.csv", year);
    rc = o->csv != NULL ? report_write_output(out_dir, name, &dcsv) : 0;
    buf_free(&dcsv);
    return rc;
}

/* Streams xinyu.audit_rows into the outputs, one row at a time. Returns 0 or -1 (logged). */
static int audit_stream(PGconn *conn, const struct report_sql_args *a, const char *lang,
                        struct audit_out *o)
{
    const char *p[] = {a->periods.data, a->deadlines.data, a->params.data, lang};
    if (!PQsendQueryParams(conn, audit_list.sql, audit_list.nparams, NULL, p, NULL, NULL, 0) ||
        !PQsetSingleRowMode(conn)) {
        log_error_detail("cannot audit the schools", PQerrorMessage(conn), NULL);
        return -1;
    }
    int rc = 0;
    PGresult *res;
    while ((res = PQgetResult(conn)) != NULL) {
        ExecStatusType st = PQresultStatus(res);
        if (st == PGRES_SINGLE_TUPLE) {
            if (rc == 0)
                rc = audit_row(o, res);
        } else if (st != PGRES_TUPLES_OK) {
            db_log_result(res, "cannot audit the schools");
            rc = -1;
        }
        PQclear(res);
    }
    return rc;
}

int report_audit_write(const struct report_ctx *ctx, int year)
{
    const char *formats = ctx->formats, *out_dir = ctx->out_dir, *lang = ctx->lang;
    struct report_scope scope = {year, NULL};
    struct report_targets t;
    memset(&t, 0, sizeof t);
    if (report_scope_targets(ctx->targets_dir, &scope, &t) != 0)
        return EXIT_USAGE;
    struct report_sql_args args;
    if (report_sql_args_make(&scope, &t, &args) != 0) {
        report_targets_free(&t);
        return EXIT_FATAL;
    }
    int rc = EXIT_FATAL;
    struct audit_out o;
    memset(&o, 0, sizeof o);
    o.cap = 16;
    o.districts = calloc(o.cap, sizeof *o.districts);
    o.ndistricts = 1; /* the city */
    PGconn *conn = NULL;
    if (o.districts == NULL) {
        log_error("out of memory");
        goto done;
    }
    conn = report_connect(ctx, &rc);
    if (conn == NULL)
        goto done;
    /* one snapshot for whatever the audit reads, as for every report */
    if (db_begin_snapshot(conn, true, "cannot audit the schools") != 0)
        goto done;
    if (util_mkdirs(out_dir, false) != 0) {
        log_error_detail("cannot create the output directory", out_dir, strerror(errno));
        goto done;
    }
    char name[64];
    if (report_has_format(formats, "json")) {
        snprintf(name, sizeof name, "audit-%d.json", year);
        o.json = report_file_open(out_dir, name);
        if (o.json == NULL)
            goto done;
    }
    if (report_has_format(formats, "csv")) {
        snprintf(name, sizeof name, "audit-%d.csv", year);
        o.csv = report_file_open(out_dir, name);
        if (o.csv == NULL)
            goto done;
    }
    if (report_has_format(formats, "html")) {
        snprintf(name, sizeof name, "audit-%d.html", year);
        o.html_file = report_file_open(out_dir, name);
        o.html = o.html_file != NULL ? audit_html_open(lang) : NULL;
        o.html_districts = json_array();
        if (o.html == NULL || o.html_districts == NULL)
            goto done;
    }
    if (report_has_format(formats, "xlsx")) {
        char path[4200], title[64];
        snprintf(path, sizeof path, "%s/audit-%d.xlsx", out_dir, year);
        snprintf(title, sizeof title, "%d 特色学校标准审核 audit", year);
        o.xlsx = report_xlsx_open(path, title, 0);
        if (o.xlsx == NULL)
            goto done;
        o.sheet = readable_xlsx_sheet(o.xlsx, "审计 audit", row_cols, NKEYS(row_cols));
    }
    char generated_at[40];
    util_now_rfc3339(generated_at, sizeof generated_at);
    if (buf_printf(&o.jbuf,
                   "{\n  \"report\": \"audit\",\n  \"scope\": {\"year\": %d},\n"
                   "  \"generated_at\": \"%s\",\n  \"rows\": [",
                   year, generated_at) != 0 ||
        report_csv_header(&o.cbuf, row_cols, NKEYS(row_cols)) != 0) {
        log_error("out of memory");
        goto done;
    }
    if (audit_stream(conn, &args, lang, &o) != 0 || audit_finish(&o, year, out_dir) != 0 ||
        db_exec(conn, "COMMIT", "cannot audit the schools") != 0)
        goto done;
    if (o.json != NULL) {
        int w = report_file_write(o.json, &o.jbuf);
        int cl = report_file_close(o.json);
        o.json = NULL;
        if (w != 0 || cl != 0)
            goto done;
    }
    if (o.csv != NULL) {
        int w = report_file_write(o.csv, &o.cbuf);
        int cl = report_file_close(o.csv);
        o.csv = NULL;
        if (w != 0 || cl != 0)
            goto done;
    }
    if (o.html != NULL) {
        int w = audit_html_finish(o.html, year, generated_at, o.html_districts, o.html_file);
        int cl = w == 0 ? report_file_close(o.html_file) : -1;
        if (w == 0)
            o.html_file = NULL;
        if (w != 0 || cl != 0)
            goto done;
    }
    if (o.xlsx != NULL) {
        int cl = report_xlsx_close(o.xlsx);
        o.xlsx = NULL;
        if (cl != 0)
            goto done;
    }
    const struct district_count *city = &o.districts[0];
    printf("audit %d: %ld schools, %ld pass, %ld fail, %ld unknown\n", year, city->schools,
           city->passing, city->failing, city->unknown);
    rc = EXIT_OK;
done:
    report_file_discard(o.json);
    report_file_discard(o.csv);
    report_file_discard(o.html_file);
    audit_html_free(o.html);
    json_decref(o.html_districts);
    report_xlsx_discard(o.xlsx);
    buf_free(&o.jbuf);
    buf_free(&o.cbuf);
    free(o.districts);
    PQfinish(conn);
    report_sql_args_free(&args);
    report_targets_free(&t);
    return rc;
}
