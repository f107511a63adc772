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
#include "report/report_format.h"
#include "report/report_names.h"
#include "report/report_pages.h"
#include "report/report_readable.h"

/* A row of the contract, its CSV and its sheet: the columns in this order (the names and the
 * clause's title for a person, not in the JSON rows of INDICATORS.md). */
static const struct report_column row_cols[] = {
    {"school_code", "学校代码 school_code", 't', 22, false},
    {"school_name", "学校名称 school_name", 't', 30, true},
    {"district_code", "区县代码 district_code", 't', 14, true},
    {"district_name", "区县名称 district_name", 't', 16, true},
    {"clause", "条款 clause", 't', 10, false},
    {"clause_title", "条款名称 clause_title", 't', 16, true},
    {"result", "结果 result", 't', 10, false},
    {"result_name", "审核结果 result_name", 't', 10, true},
    {"detail", "说明 detail", 't', 80, false},
};
static const struct report_column district_cols[] = {
    {"district_code", "区县代码 district_code", 't', 22, false},
    {"district_name", "区县名称 district_name", 't', 16, true},
    {"schools", "学校数 schools", 'i', 14, false},
    {"passing", "通过 passing", 'i', 14, false},
    {"failing", "未通过 failing", 'i', 14, false},
    {"unknown", "待定 unknown", 'i', 14, false},
};
#define NKEYS(a) (sizeof(a) / sizeof((a)[0]))

/* The audit's result: a row's columns, then the school's district, which the page shows
 * (WITH ORDINALITY keeps the function's order: district, school, clause). */
static const struct report_column result_cols[] = {
    {"school_code", NULL, 't', 0, false},   {"clause", NULL, 't', 0, false},
    {"result", NULL, 't', 0, false},        {"detail", NULL, 't', 0, false},
    {"district_code", NULL, 't', 0, false}, {"school_name", NULL, 't', 0, false},
    {"district_name", NULL, 't', 0, false},
};
static const struct report_list audit_list = {
    "audit",
    "SELECT a.school_code, a.clause, a.result, "
    "CASE WHEN $4 = 'en' THEN a.detail_en ELSE a.detail_zh END, a.district_code, s.school_name, "
    "d.district_name FROM xinyu.audit_rows($1::text[], $2::date[], $3::jsonb) "
    "WITH ORDINALITY AS a LEFT JOIN xinyu.school s ON s.school_code = a.school_code "
    "LEFT JOIN xinyu.district d ON d.district_code = a.district_code ORDER BY a.ordinality",
    4, result_cols, NKEYS(result_cols)};

/* The document: its rows, then the districts' counts; each table a CSV file and a sheet. */
enum { T_ROWS, T_DISTRICTS, T_COUNT };
static const struct report_table tables[T_COUNT] = {
    {"rows", "", "审计 audit", row_cols, NKEYS(row_cols)},
    {"districts", "districts", "区县 districts", district_cols, NKEYS(district_cols)},
};

struct district_count {
    char code[8];  /* "" for the city */
    char name[64]; /* the registry's; "" for the city or a district it does not know */
    long schools, passing, failing, unknown;
};

/* The districts' counts while the rows stream by. */
struct audit_counts {
    struct district_count *districts; /* [0] is the city */
    size_t ndistricts, cap;
    struct report_school_set *schools; /* the schools audited, when the page links to them */
};

/* Counts one school's overall result into its district (rows come ordered by district). */
static int count_overall(struct audit_counts *o, const char *district, const char *name,
                         const char *result)
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
        util_strlcpy(d->name, name, sizeof d->name);
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

/* One result row into every format, and its school's result into the counts. */
static int audit_row(struct report_writer *w, struct audit_counts *o, const PGresult *res)
{
    json_t *row = report_row_json(&audit_list, res, 0);
    const char *title = report_clause_title(PQgetvalue(res, 0, 1));
    if (row != NULL && json_object_set_new(row, "clause_title",
                                           title != NULL ? json_string(title) : json_null()) != 0) {
        json_decref(row);
        row = NULL;
    }
    if (row == NULL) {
        log_error("cannot audit the schools: out of memory or a malformed value");
        return -1;
    }
    report_writer_row(w, T_ROWS, row);
    json_decref(row);
    if (strcmp(PQgetvalue(res, 0, 1), "overall") == 0 &&
        count_overall(o, PQgetvalue(res, 0, 4), PQgetvalue(res, 0, 6), PQgetvalue(res, 0, 2)) !=
            0) {
        log_error("out of memory");
        return -1;
    }
    if (o->schools != NULL && !PQgetisnull(res, 0, 5) &&
        report_school_set_add(o->schools, PQgetvalue(res, 0, 0)) != 0)
        return -1;
    return report_writer_failed(w);
}

static json_t *district_json(const struct district_count *d)
{
    json_t *cells[] = {
        report_json_text(d->code, sizeof d->code), report_json_text(d->name, sizeof d->name),
        json_integer((json_int_t)d->schools),      json_integer((json_int_t)d->passing),
        json_integer((json_int_t)d->failing),      json_integer((json_int_t)d->unknown)};
    return report_row_make(district_cols, NKEYS(district_cols), cells);
}

/* The districts' table, the city first. */
static int audit_districts(struct report_writer *w, const struct audit_counts *o)
{
    report_writer_table_begin(w, T_DISTRICTS);
    for (size_t i = 0; i < o->ndistricts && report_writer_failed(w) == 0; i++) {
        json_t *d = district_json(&o->districts[i]);
        if (d == NULL) {
            log_error("out of memory");
            return -1;
        }
        report_writer_row(w, T_DISTRICTS, d);
        json_decref(d);
    }
    report_writer_table_end(w, T_DISTRICTS);
    return report_writer_failed(w);
}

/* Streams xinyu.audit_rows into the writer, one row at a time. Returns 0 or -1 (logged). */
static int audit_stream(PGconn *conn, const struct report_sql_args *a, const char *lang,
                        struct report_writer *w, struct audit_counts *o)
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
                rc = audit_row(w, o, res);
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
    const char *out_dir = ctx->out_dir, *lang = ctx->lang;
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
    struct audit_counts o;
    memset(&o, 0, sizeof o);
    o.cap = 16;
    o.districts = calloc(o.cap, sizeof *o.districts);
    o.ndistricts = 1; /* the city */
    struct report_writer *w = NULL;
    PGconn *conn = NULL;
    /* the page links every school to its page: those are written too, from the same snapshot
     * (one pass of each query for all the schools; the cost of a page per school) */
    struct report_school_set schools = {NULL, 0, 0, false};
    bool pages = strstr(ctx->formats, "html") != NULL;
    o.schools = pages ? &schools : NULL;
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
    int has_data = ctx->empty_warns ? report_scope_has_data(conn, &scope, &args) : 1;
    if (has_data < 0)
        goto done;
    if (util_mkdirs(out_dir, false) != 0) {
        log_error_detail("cannot create the output directory", out_dir, strerror(errno));
        goto done;
    }
    char base[64], title[64], generated_at[40];
    snprintf(base, sizeof base, "audit-%d", year);
    snprintf(title, sizeof title, "%d 特色学校标准审核 audit", year);
    util_now_rfc3339(generated_at, sizeof generated_at);
    if (pages) {
        int want = report_school_pages_wanted(conn);
        if (want < 0)
            goto done;
        pages = want == 1;
        o.schools = pages ? &schools : NULL;
    }
    struct report_audit_page_arg page = {lang, year, generated_at, T_ROWS, T_DISTRICTS, pages};
    struct report_layout layout = {"cannot write the audit",
                                   base,
                                   title,
                                   REPORT_JSON_LINES,
                                   tables,
                                   T_COUNT,
                                   &report_audit_page,
                                   &page,
                                   NULL,
                                   lang};
    w = report_writer_open(&layout, ctx->formats, out_dir);
    if (w == NULL)
        goto done;
    report_writer_value(w, "report", json_string("audit"));
    report_writer_value(w, "scope", json_pack("{s:i}", "year", year));
    report_writer_value(w, "generated_at", json_string(generated_at));
    report_writer_table_begin(w, T_ROWS);
    if (report_writer_failed(w) != 0 || audit_stream(conn, &args, lang, w, &o) != 0)
        goto done;
    report_writer_table_end(w, T_ROWS);
    if (audit_districts(w, &o) != 0)
        goto done;
    char own_href[80];
    snprintf(own_href, sizeof own_href, "%s.html", base);
    const struct report_back_link own = {own_href, title};
    const struct report_school_opts school_opts = {lang, out_dir, ctx->targets_dir, NULL, &own};
    size_t school_pages = 0;
    if ((pages && report_writer_failed(w) == 0 &&
         report_school_pages_write(conn, &school_opts, &schools, &school_pages) != 0) ||
        db_exec(conn, "COMMIT", "cannot audit the schools") != 0)
        goto done;
    if (school_pages > 0)
        log_info("wrote the pages of %zu schools in %s/%s", school_pages, out_dir,
                 REPORT_SCHOOL_DIR);
    int finished = report_writer_finish(w);
    w = NULL;
    if (finished != 0)
        goto done;
    const struct district_count *city = &o.districts[0];
    printf("audit %d: %ld schools, %ld pass, %ld fail, %ld unknown\n", year, city->schools,
           city->passing, city->failing, city->unknown);
    rc = has_data ? EXIT_OK : EXIT_PARTIAL;
done:
    report_writer_discard(w);
    report_school_set_free(&schools);
    free(o.districts);
    PQfinish(conn);
    report_sql_args_free(&args);
    report_targets_free(&t);
    return rc;
}
