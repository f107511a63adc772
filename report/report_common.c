/* report_common.c - shared by the report jobs: targets, scope, rows, files, CSV, JSON. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "common/db.h"
#include "common/fault.h"
#include "common/log.h"
#include "common/util.h"
#include "report/report_common.h"

/* Fifteen significant digits, as report_render.c writes them, so that every file agrees. */

PGconn *report_connect(const struct report_ctx *ctx, int *rc)
{
    *rc = EXIT_FATAL;
    return ctx->connect(ctx->connect_arg, DB_ROLE_REPORT, rc);
}

static int int_cmp(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

int report_years(const char *targets_dir, int **years)
{
    *years = NULL;
    DIR *d = opendir(targets_dir);
    if (d == NULL) {
        if (errno == ENOENT)
            return 0;
        log_error("cannot read the targets directory %s: %s", targets_dir, strerror(errno));
        return -1;
    }
    int n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char name[16];
        size_t len = strlen(e->d_name);
        int year;
        if (len != 9 || strcmp(e->d_name + 4, ".json") != 0)
            continue;
        memcpy(name, e->d_name, 4);
        name[4] = '\0';
        if (util_parse_int(name, 2000, 2100, &year) != 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            int *p = realloc(*years, (size_t)cap * sizeof **years);
            if (p == NULL) {
                closedir(d);
                free(*years);
                *years = NULL;
                return -1;
            }
            *years = p;
        }
        (*years)[n++] = year;
    }
    closedir(d);
    if (n > 0)
        qsort(*years, (size_t)n, sizeof **years, int_cmp);
    return n;
}

int report_year_periods(const char *targets_dir, int year, char ***periods)
{
    *periods = NULL;
    struct report_targets t;
    memset(&t, 0, sizeof t);
    struct report_scope s = {year, NULL};
    if (report_scope_targets(targets_dir, &s, &t) != 0)
        return -1;
    char **list = calloc((size_t)t.nperiods + 1, sizeof *list);
    int n = list != NULL ? t.nperiods : -1;
    for (int i = 0; list != NULL && i < t.nperiods; i++) {
        list[i] = strdup(t.periods[i]);
        if (list[i] == NULL)
            n = -1;
    }
    if (n < 0 && list != NULL) {
        for (int i = 0; i < t.nperiods; i++)
            free(list[i]);
        free(list);
        list = NULL;
        log_error("out of memory");
    }
    report_targets_free(&t);
    *periods = list;
    return n;
}

static int targets_path(const char *targets_dir, int year, char *out, size_t n)
{
    int w = snprintf(out, n, "%s/%d.json", targets_dir, year);
    return (w < 0 || (size_t)w >= n) ? -1 : 0;
}

int report_scope_targets(const char *targets_dir, const struct report_scope *s,
                         struct report_targets *t)
{
    char path[4096];
    char err[1024];
    if (s->year > 0) {
        if (targets_path(targets_dir, s->year, path, sizeof path) != 0)
            return -1;
        if (report_targets_load(path, t, err, sizeof err) != 0) {
            log_error_detail("cannot use the targets file", err,
                             "A year report needs its targets file: it names the year's terms.");
            return -1;
        }
        return 0;
    }
    int *years = NULL;
    int n = report_years(targets_dir, &years);
    int found = 1;
    for (int i = 0; i < n && found == 1; i++) {
        struct report_targets cand;
        memset(&cand, 0, sizeof cand);
        if (targets_path(targets_dir, years[i], path, sizeof path) != 0)
            continue;
        if (report_targets_load(path, &cand, err, sizeof err) != 0) {
            log_error_detail("cannot use the targets file", err, NULL);
            found = -1;
            break;
        }
        for (int k = 0; k < cand.nperiods; k++) {
            if (strcmp(cand.periods[k], s->period) == 0)
                found = 0;
        }
        if (found == 0)
            *t = cand;
        else
            report_targets_free(&cand);
    }
    free(years);
    return n < 0 ? -1 : found;
}

/* "{a,b}" for a text[] or date[] parameter; periods and dates are values the targets
 * parser checked, so nothing needs quoting. */
static int array_literal(buf *b, char *const *items, int n)
{
    int rc = buf_putc(b, '{');
    for (int i = 0; i < n; i++)
        rc |= buf_printf(b, "%s%s", i ? "," : "", items[i] ? items[i] : "NULL");
    return rc | buf_putc(b, '}');
}

int report_sql_args_make(const struct report_scope *scope, const struct report_targets *t,
                         struct report_sql_args *a)
{
    memset(a, 0, sizeof *a);
    if (scope->period == NULL && t == NULL)
        return -1;
    /* a term report compares one term with annual thresholds shared out over the year's terms */
    int terms_in_year = t != NULL && t->nperiods > 0 ? t->nperiods : 2;
    a->share = scope->period ? 1.0 / terms_in_year : 1.0;
    double hours_per_week = t != NULL ? t->hours_per_week : 10;
    double min_trainings = t != NULL ? t->min_trainings : 7;
    double min_psych = t != NULL ? t->min_psych : 1;
    double min_hours = t != NULL ? t->min_hours : 10;
    int fund = report_indicator_find("funding_per_student");
    double funding_min = t != NULL && t->targets[fund].set ? t->targets[fund].value : 10;
    int weeks = t != NULL ? t->weeks : 20, months = t != NULL ? t->months : 5;

    int rc = 0;
    if (scope->period != NULL) {
        char *one_period[1] = {(char *)scope->period};
        char *one_deadline[1] = {NULL};
        for (int i = 0; t != NULL && i < t->nperiods; i++) {
            if (strcmp(t->periods[i], scope->period) == 0)
                one_deadline[0] = t->deadlines[i];
        }
        rc |= array_literal(&a->periods, one_period, 1);
        rc |= array_literal(&a->deadlines, one_deadline, 1);
        a->latest = scope->period;
    } else {
        rc |= array_literal(&a->periods, t->periods, t->nperiods);
        rc |= array_literal(&a->deadlines, t->deadlines, t->nperiods);
        for (int i = 0; i < t->nperiods; i++) {
            if (a->latest == NULL || strcmp(t->periods[i], a->latest) > 0)
                a->latest = t->periods[i];
        }
    }
    rc |=
        buf_printf(&a->params,
                   "{\"weeks_in_term\": %d, \"months_in_term\": %d, \"hours_per_week\": %.17g, "
                   "\"min_trainings\": %.17g, \"min_psych\": %.17g, \"min_hours\": %.17g, "
                   "\"funding_min\": %.17g, \"min_sessions_per_term\": 1}",
                   weeks, months, hours_per_week, ceil(min_trainings * a->share - 1e-9),
                   ceil(min_psych * a->share - 1e-9), min_hours * a->share, funding_min * a->share);
    if (rc != 0) {
        log_error("out of memory");
        report_sql_args_free(a);
        return -1;
    }
    return 0;
}

void report_sql_args_free(struct report_sql_args *a)
{
    if (a == NULL)
        return;
    buf_free(&a->periods);
    buf_free(&a->deadlines);
    buf_free(&a->params);
    a->latest = NULL;
}

int report_row_cmp(const void *a, const void *b)
{
    const struct report_row *x = a, *y = b;
    if (x->indicator != y->indicator)
        return x->indicator - y->indicator;
    /* all school types first, then by type; within each, city-wide first, then districts */
    int tx = x->school_type[0] != '\0', ty = y->school_type[0] != '\0';
    if (tx != ty)
        return tx - ty;
    int c = strcmp(x->school_type, y->school_type);
    if (c != 0)
        return c;
    int dx = x->district_code[0] != '\0', dy = y->district_code[0] != '\0';
    if (dx != dy)
        return dx - dy;
    return strcmp(x->district_code, y->district_code);
}

static bool get_number(const PGresult *res, int row, int col, double *out)
{
    if (PQgetisnull(res, row, col))
        return false;
    char *end = NULL;
    *out = strtod(PQgetvalue(res, row, col), &end);
    return end != NULL && *end == '\0';
}

static void copy_code(char *dst, size_t n, const PGresult *res, int row, int col)
{
    if (PQgetisnull(res, row, col))
        dst[0] = '\0';
    else
        util_strlcpy(dst, PQgetvalue(res, row, col), n);
}

/* $5: whether the rows are summed from the facts the report has just kept */
#define ROWS_SELECT                                                                                \
    "SELECT indicator, district_code, school_type, numerator, denominator, schools, "              \
    "schools_no_data FROM xinyu.indicator_rows($1::text[], $2::date[], $3::jsonb, $4::boolean, "   \
    "$5::boolean)"

/* Row i of an indicator_rows result, evaluated against its target; -1 after logging. */
static int row_from_result(const PGresult *res, int i, const struct report_scope *scope,
                           const struct report_targets *t, const struct report_sql_args *a,
                           struct report_row *r)
{
    memset(r, 0, sizeof *r);
    int ind = report_indicator_find(PQgetvalue(res, i, 0));
    if (ind < 0) {
        log_error("the database returned an unknown indicator \"%s\"", PQgetvalue(res, i, 0));
        return -1;
    }
    r->indicator = ind;
    copy_code(r->district_code, sizeof r->district_code, res, i, 1);
    copy_code(r->school_type, sizeof r->school_type, res, i, 2);
    r->has_numerator = get_number(res, i, 3, &r->numerator);
    r->has_denominator = get_number(res, i, 4, &r->denominator);
    r->schools = strtol(PQgetvalue(res, i, 5), NULL, 10);
    r->schools_no_data = strtol(PQgetvalue(res, i, 6), NULL, 10);
    struct report_target target;
    memset(&target, 0, sizeof target);
    if (t != NULL)
        target = t->targets[ind];
    if (target.set && scope->period != NULL &&
        strcmp(report_indicators[ind].id, "funding_per_student") == 0)
        target.value *= a->share;
    report_row_evaluate(r, target.set ? &target : NULL);
    return 0;
}

int report_rows_fetch(PGconn *conn, const struct report_scope *scope,
                      const struct report_targets *t, const struct report_sql_args *a, bool by_type,
                      struct report_row **rows, size_t *nrows)
{
    *rows = NULL;
    *nrows = 0;
    const char *qp[] = {a->periods.data, a->deadlines.data, a->params.data,
                        by_type ? "true" : "false", "false"};
    PGresult *res =
        db_query(conn, ROWS_SELECT, 5, qp, PGRES_TUPLES_OK, "cannot compute the indicators");
    if (res == NULL)
        return -1;
    int n = PQntuples(res);
    struct report_row *out = calloc((size_t)n + 1, sizeof *out);
    if (out == NULL) {
        log_error("out of memory");
        PQclear(res);
        return -1;
    }
    size_t count = 0;
    for (int i = 0; i < n; i++) {
        if (row_from_result(res, i, scope, t, a, &out[count]) != 0) {
            free(out);
            PQclear(res);
            return -1;
        }
        count++;
    }
    PQclear(res);
    qsort(out, count, sizeof *out, report_row_cmp);
    *rows = out;
    *nrows = count;
    return 0;
}

int report_rows_spool(PGconn *conn, const struct report_scope *scope,
                      const struct report_targets *t, const struct report_sql_args *a, bool by_type,
                      struct report_spool **spool)
{
    *spool = NULL;
    /* the catalog's order of the indicators, for the server to sort by */
    buf ids = BUF_INIT;
    int rc = buf_putc(&ids, '{');
    for (int i = 0; i < REPORT_NINDICATORS; i++)
        rc |= buf_printf(&ids, "%s%s", i ? "," : "", report_indicators[i].id);
    rc |= buf_putc(&ids, '}');
    struct report_spool *s = rc == 0 ? report_spool_new() : NULL;
    if (s == NULL) {
        if (rc != 0)
            log_error("out of memory");
        buf_free(&ids);
        return -1;
    }
    /*
     * The schools' facts kept from the last report of the scope are brought up to date in
     * this transaction first, and the rows read from them: a night's new submissions cost
     * their schools, not the city. When another report of the scope wrote them meanwhile,
     * they are computed here, as they always can be.
     */
    const char *kp[] = {a->periods.data, a->deadlines.data, a->params.data};
    PGresult *kept = db_query(conn,
                              "SELECT xinyu.indicator_facts_refresh($1::text[], $2::date[], "
                              "$3::jsonb)",
                              3, kp, PGRES_TUPLES_OK, "cannot compute the indicators");
    if (kept == NULL) {
        buf_free(&ids);
        report_spool_free(s);
        return -1;
    }
    bool use_kept = strcmp(PQgetvalue(kept, 0, 0), "t") == 0;
    PQclear(kept);
    /*
     * Sorted by the server as report_row_cmp sorts (byte order of the codes, "all" first),
     * and read one row at a time: neither the result nor the rows are ever whole in memory.
     */
    const char *qp[] = {a->periods.data,
                        a->deadlines.data,
                        a->params.data,
                        by_type ? "true" : "false",
                        use_kept ? "true" : "false",
                        ids.data};
    int sent =
        PQsendQueryParams(conn,
                          ROWS_SELECT " ORDER BY array_position($6::text[], indicator), "
                                      "school_type IS NOT NULL, school_type COLLATE \"C\", "
                                      "district_code IS NOT NULL, district_code COLLATE \"C\"",
                          6, NULL, qp, NULL, NULL, 0);
    if (!sent || !PQsetSingleRowMode(conn)) {
        log_error("cannot compute the indicators: %s", PQerrorMessage(conn));
        rc = -1;
    }
    bool logged = rc != 0;
    struct report_row row, prev;
    size_t n = 0;
    PGresult *res;
    while (sent && (res = PQgetResult(conn)) != NULL) {
        ExecStatusType st = PQresultStatus(res);
        if (st == PGRES_SINGLE_TUPLE && rc == 0) {
            if (row_from_result(res, 0, scope, t, a, &row) != 0) {
                rc = -1;
            } else if (n > 0 && report_row_cmp(&prev, &row) > 0) {
                /* codes cut to their fields' size only tie, so this is never the data's fault */
                log_error("the database returned indicator row %zu out of the report's order",
                          n + 1);
                rc = -1;
            } else if (report_spool_add(s, &row) != 0) {
                rc = -1;
            }
            prev = row;
            n++;
            logged = rc != 0;
        } else if (st != PGRES_SINGLE_TUPLE && st != PGRES_TUPLES_OK) {
            if (!logged)
                db_log_result(res, "cannot compute the indicators");
            rc = -1;
            logged = true;
        }
        /* after a failure the rest of the result is read and dropped */
        PQclear(res);
    }
    buf_free(&ids);
    if (rc != 0) {
        report_spool_free(s);
        return -1;
    }
    *spool = s;
    return 0;
}

int report_check_lang(const char *lang)
{
    if (lang != NULL && (strcmp(lang, "zh") == 0 || strcmp(lang, "en") == 0))
        return 0;
    log_error("--lang must be zh or en, not \"%s\"", lang ? lang : "");
    return -1;
}

/* out_dir/name into path; -1 after logging when it does not fit. */
static int join_path(char *path, size_t n, const char *out_dir, const char *name)
{
    int w = snprintf(path, n, "%s/%s", out_dir, name);
    if (w < 0 || (size_t)w >= n) {
        log_error("the output path is too long: %s/%s", out_dir, name);
        return -1;
    }
    return 0;
}

struct report_file {
    FILE *f;
    char path[4096];
    char tmp[4200];
};

struct report_file *report_file_open(const char *out_dir, const char *name)
{
    struct report_file *rf = calloc(1, sizeof *rf);
    if (rf == NULL) {
        log_error("out of memory");
        return NULL;
    }
    if (join_path(rf->path, sizeof rf->path, out_dir, name) != 0) {
        free(rf);
        return NULL;
    }
    /* a new file of our own beside the file, so that rename is atomic */
    int fd = util_create_beside(rf->path, rf->tmp, sizeof rf->tmp);
    if (fd >= 0) {
        rf->f = fdopen(fd, "wb");
        if (rf->f == NULL) {
            int saved = errno;
            close(fd);
            unlink(rf->tmp);
            errno = saved;
        }
    }
    if (rf->f == NULL) {
        log_error_detail("cannot write a report", rf->path, strerror(errno));
        free(rf);
        return NULL;
    }
    return rf;
}

int report_file_put(struct report_file *rf, const char *data, size_t len)
{
    if (len > 0 && fwrite(data, 1, len, rf->f) != len) {
        log_error_detail("cannot write a report", rf->tmp, strerror(errno));
        return -1;
    }
    return 0;
}

int report_file_write(struct report_file *rf, buf *b)
{
    if (report_file_put(rf, b->data, b->len) != 0)
        return -1;
    buf_reset(b);
    return 0;
}

static int file_close(struct report_file *rf, bool sync)
{
    if (rf == NULL)
        return -1;
    fault_point("report_write");
    int rc = 0;
    if (fflush(rf->f) != 0 || (sync && fsync(fileno(rf->f)) != 0))
        rc = -1;
    if (fclose(rf->f) != 0)
        rc = -1;
    rf->f = NULL;
    if (rc == 0 && rename(rf->tmp, rf->path) != 0)
        rc = -1;
    if (rc != 0) {
        log_error_detail("cannot write a report", rf->path, strerror(errno));
        unlink(rf->tmp);
    } else {
        log_info("wrote %s", rf->path);
    }
    free(rf);
    return rc;
}

int report_file_close(struct report_file *rf)
{
    return file_close(rf, true);
}

int report_file_close_unsynced(struct report_file *rf)
{
    return file_close(rf, false);
}

void report_file_discard(struct report_file *rf)
{
    if (rf == NULL)
        return;
    if (rf->f != NULL)
        fclose(rf->f);
    unlink(rf->tmp);
    free(rf);
}

int report_scope_has_data(PGconn *conn, const struct report_scope *scope,
                          const struct report_sql_args *a)
{
    const char *params[] = {a->periods.data};
    PGresult *res = db_query(conn,
                             "SELECT EXISTS (SELECT FROM xinyu.submission "
                             "WHERE is_current AND period = ANY ($1::text[])), "
                             "(SELECT count(*) FROM xinyu.raw_submission "
                             "WHERE period = ANY ($1::text[]))",
                             1, params, PGRES_TUPLES_OK, "cannot read the scope's submissions");
    if (res == NULL)
        return -1;
    bool has = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    if (!has) {
        char what[64], detail[512];
        if (scope->period != NULL)
            snprintf(what, sizeof what, "term %s", scope->period);
        else
            snprintf(what, sizeof what, "year %d", scope->year);
        snprintf(detail, sizeof detail,
                 "No school has a loaded submission of the terms %s (%s received, none loaded); "
                 "the report is written without data.",
                 a->periods.data, PQgetvalue(res, 0, 1));
        log_warn("nothing to report for the %s: %s Check the --year or --period asked for, "
                 "the targets file's terms, and what the runs loaded (xinyu status).",
                 what, detail);
    }
    PQclear(res);
    return has ? 1 : 0;
}
