/* report_common.c - shared by the report commands: scope arguments, rows, files, CSV, JSON. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "common/db.h"
#include "common/fault.h"
#include "common/log.h"
#include "common/util.h"
#include "report/report.h"

/* Fifteen significant digits, as report_render.c writes them, so that every file agrees. */

static int targets_path(const struct cli *c, int year, char *out, size_t n)
{
    int w = snprintf(out, n, "%s/%d.json", c->conf.targets_dir, year);
    return (w < 0 || (size_t)w >= n) ? -1 : 0;
}

int report_scope_targets(const struct cli *c, const struct report_scope *s,
                         struct report_targets *t)
{
    char path[4096];
    char err[1024];
    if (s->year > 0) {
        if (targets_path(c, s->year, path, sizeof path) != 0)
            return -1;
        if (report_targets_load(path, t, err, sizeof err) != 0) {
            log_error_detail("cannot use the targets file", err,
                             "A year report needs its targets file: it names the year's terms.");
            return -1;
        }
        return 0;
    }
    int *years = NULL;
    int n = report_years(c, &years);
    int found = 1;
    for (int i = 0; i < n && found == 1; i++) {
        struct report_targets cand;
        memset(&cand, 0, sizeof cand);
        if (targets_path(c, years[i], path, sizeof path) != 0)
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

#define ROWS_SELECT                                                                                \
    "SELECT indicator, district_code, school_type, numerator, denominator, schools, "              \
    "schools_no_data FROM xinyu.indicator_rows($1::text[], $2::date[], $3::jsonb, $4::boolean)"

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
                        by_type ? "true" : "false"};
    PGresult *res =
        db_query(conn, ROWS_SELECT, 4, qp, PGRES_TUPLES_OK, "cannot compute the indicators");
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
     * Sorted by the server as report_row_cmp sorts (byte order of the codes, "all" first),
     * and read one row at a time: neither the result nor the rows are ever whole in memory.
     */
    const char *qp[] = {a->periods.data, a->deadlines.data, a->params.data,
                        by_type ? "true" : "false", ids.data};
    int sent =
        PQsendQueryParams(conn,
                          ROWS_SELECT " ORDER BY array_position($5::text[], indicator), "
                                      "school_type IS NOT NULL, school_type COLLATE \"C\", "
                                      "district_code IS NOT NULL, district_code COLLATE \"C\"",
                          5, NULL, qp, NULL, NULL, 0);
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

bool report_has_format(const char *list, const char *fmt)
{
    size_t n = strlen(fmt);
    for (const char *p = list; p != NULL && *p != '\0';) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == n && strncmp(p, fmt, n) == 0)
            return true;
        p = comma ? comma + 1 : NULL;
    }
    return false;
}

int report_check_formats(const char *list, const char *allowed)
{
    bool any = false;
    for (const char *p = list; *p != '\0';) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char one[16];
        if (len == 0 || len >= sizeof one) {
            log_error("unknown report format in \"%s\" (%s)", list, allowed);
            return -1;
        }
        memcpy(one, p, len);
        one[len] = '\0';
        if (!report_has_format(allowed, one)) {
            log_error("unknown report format \"%s\" in \"%s\" (%s)", one, list, allowed);
            return -1;
        }
        any = true;
        p = comma ? comma + 1 : p + len;
    }
    if (!any) {
        log_error("no report format given (%s)", allowed);
        return -1;
    }
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

int report_write_output(const char *out_dir, const char *name, const buf *b)
{
    char path[4096];
    if (join_path(path, sizeof path, out_dir, name) != 0)
        return -1;
    fault_point("report_write");
    if (util_write_file_atomic(path, b->data ? b->data : "", b->len) != 0) {
        log_error_detail("cannot write a report", path, strerror(errno));
        return -1;
    }
    log_info("wrote %s", path);
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

int report_file_write(struct report_file *rf, buf *b)
{
    if (b->len > 0 && fwrite(b->data, 1, b->len, rf->f) != b->len) {
        log_error_detail("cannot write a report", rf->tmp, strerror(errno));
        return -1;
    }
    buf_reset(b);
    return 0;
}

int report_file_close(struct report_file *rf)
{
    if (rf == NULL)
        return -1;
    fault_point("report_write");
    int rc = 0;
    if (fflush(rf->f) != 0 || fsync(fileno(rf->f)) != 0)
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

void report_file_discard(struct report_file *rf)
{
    if (rf == NULL)
        return;
    if (rf->f != NULL)
        fclose(rf->f);
    unlink(rf->tmp);
    free(rf);
}

int report_csv_header(buf *out, const char *const *headers, size_t n)
{
    /* Excel reads a CSV as UTF-8 only with the BOM, and expects CRLF line ends */
    int rc = buf_puts(out, "\xEF\xBB\xBF");
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (i > 0)
            rc = buf_putc(out, ',');
        if (rc == 0)
            rc = report_csv_text(out, headers[i], strlen(headers[i]));
    }
    return rc == 0 ? buf_puts(out, "\r\n") : -1;
}

int report_csv_json_line(buf *out, const json_t *obj, const char *const *keys, size_t n)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (i > 0)
            rc = buf_putc(out, ',');
        if (rc == 0)
            rc = report_csv_value(out, json_object_get(obj, keys[i]));
    }
    return rc == 0 ? buf_puts(out, "\r\n") : -1;
}

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
        if (type == 'c' && d == floor(d) && fabs(d) <= 9007199254740992.0)
            return json_integer((json_int_t)d);
        return json_real(d == 0 ? 0.0 : d);
    }
    default:
        return json_string(v);
    }
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

/* Logs a failure to store a report: a label published meanwhile is the user's to fix. */
static int store_failed(const PGresult *res, const char *label)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (label != NULL && state != NULL && strcmp(state, "23505") == 0) {
        /* another process published the same label since it was checked */
        char detail[256];
        snprintf(detail, sizeof detail,
                 "A published version is never replaced: \"%s\" names one "
                 "already.",
                 label);
        log_error_detail("the label is already published", detail,
                         "Publish under another label; \"xinyu report --version LABEL\" renders a "
                         "published version again.");
        return EXIT_USAGE;
    }
    db_log_result(res, "cannot store the report");
    return EXIT_FATAL;
}

int report_store(PGconn *conn, const char *kind, const char *scope_json, const char *document,
                 const char *targets_hex, const char *periods_literal, const char *label)
{
    PGresult *res;
    if (label == NULL) {
        const char *p[] = {kind, scope_json, document, targets_hex};
        res = PQexecParams(conn,
                           "INSERT INTO xinyu.report (kind, scope, document, targets_sha256) "
                           "VALUES ($1, $2::jsonb, $3::jsonb, decode($4, 'hex'))",
                           4, NULL, p, NULL, NULL, 0);
    } else {
        /* the inputs' fingerprint is taken in the same statement as the document is stored */
        const char *p[] = {kind, scope_json, document, targets_hex, label, periods_literal};
        res =
            PQexecParams(conn,
                         "INSERT INTO xinyu.report (kind, scope, document, targets_sha256, label, "
                         "inputs_sha256) VALUES ($1, $2::jsonb, $3::jsonb, decode($4, 'hex'), $5, "
                         "xinyu.inputs_sha256($6::text[]))",
                         6, NULL, p, NULL, NULL, 0);
    }
    if (res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK) {
        PQclear(res);
        return EXIT_OK;
    }
    int rc = store_failed(res, label);
    PQclear(res);
    return rc;
}

/* Pending COPY bytes are handed to libpq in pieces of this size. */
#define STORE_CHUNK 65536

struct report_store {
    PGconn *conn;
    const char *label;
    buf line;    /* COPY text not yet handed to libpq */
    bool failed; /* logged; the COPY is abandoned at the end */
};

static int store_put(struct report_store *st)
{
    if (!st->failed && st->line.len > 0 &&
        PQputCopyData(st->conn, st->line.data, (int)st->line.len) != 1) {
        log_error("cannot store the report: %s", PQerrorMessage(st->conn));
        st->failed = true;
    }
    buf_reset(&st->line);
    return st->failed ? -1 : 0;
}

/* A field of the COPY line (text format): backslash, tab, CR and LF escaped; NULL is \N. */
static int store_field(struct report_store *st, const char *s, size_t len)
{
    if (s == NULL)
        return buf_puts(&st->line, "\\N");
    size_t from = 0;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < len; i++) {
        const char *esc = s[i] == '\\'   ? "\\\\"
                          : s[i] == '\n' ? "\\n"
                          : s[i] == '\r' ? "\\r"
                          : s[i] == '\t' ? "\\t"
                                         : NULL;
        if (esc == NULL)
            continue;
        rc = buf_append(&st->line, s + from, i - from) | buf_puts(&st->line, esc);
        from = i + 1;
    }
    return rc | buf_append(&st->line, s + from, len - from);
}

/* A bytea field from its hex digits ("\x..." escaped for COPY); NULL is \N. */
static int store_hex(struct report_store *st, const char *hex)
{
    if (hex == NULL)
        return buf_puts(&st->line, "\\N");
    return buf_printf(&st->line, "\\\\x%s", hex);
}

struct report_store *report_store_begin(PGconn *conn, const char *kind, const char *scope_json,
                                        const char *targets_hex, const char *periods_literal,
                                        const char *label)
{
    struct report_store *st = calloc(1, sizeof *st);
    if (st == NULL) {
        log_error("out of memory");
        return NULL;
    }
    st->conn = conn;
    st->label = label;
    PGresult *fp = NULL;
    if (label != NULL) {
        /*
         * A COPY cannot compute a column, and a published row cannot be updated afterwards,
         * so the inputs' fingerprint is taken just before the document is streamed in: in
         * the caller's transaction, the snapshot the document was read in.
         */
        const char *p[] = {periods_literal};
        fp = db_query(conn, "SELECT encode(xinyu.inputs_sha256($1::text[]), 'hex')", 1, p,
                      PGRES_TUPLES_OK, "cannot store the report");
        if (fp == NULL || PQntuples(fp) != 1) {
            PQclear(fp);
            free(st);
            return NULL;
        }
    }
    int rc = store_field(st, kind, strlen(kind)) | buf_putc(&st->line, '\t');
    rc |= store_field(st, scope_json, strlen(scope_json)) | buf_putc(&st->line, '\t');
    rc |= store_hex(st, targets_hex) | buf_putc(&st->line, '\t');
    rc |= store_field(st, label, label ? strlen(label) : 0) | buf_putc(&st->line, '\t');
    rc |= store_hex(st, fp != NULL && !PQgetisnull(fp, 0, 0) ? PQgetvalue(fp, 0, 0) : NULL) |
          buf_putc(&st->line, '\t');
    PQclear(fp);
    if (rc != 0) {
        log_error("out of memory");
        buf_free(&st->line);
        free(st);
        return NULL;
    }
    PGresult *res = PQexec(conn, "COPY xinyu.report (kind, scope, targets_sha256, label, "
                                 "inputs_sha256, document) FROM STDIN");
    if (PQresultStatus(res) != PGRES_COPY_IN) {
        if (res == NULL)
            log_error("cannot store the report: %s", PQerrorMessage(conn));
        else
            db_log_result(res, "cannot store the report");
        PQclear(res);
        buf_free(&st->line);
        free(st);
        return NULL;
    }
    PQclear(res);
    return st;
}

int report_store_write(void *ctx, const char *data, size_t len)
{
    struct report_store *st = ctx;
    if (st->failed)
        return -1;
    if (store_field(st, data, len) != 0) {
        log_error("out of memory");
        st->failed = true;
        return -1;
    }
    return st->line.len >= STORE_CHUNK ? store_put(st) : 0;
}

int report_store_end(struct report_store *st, bool commit)
{
    if (st == NULL)
        return EXIT_FATAL;
    if (commit && !st->failed && buf_putc(&st->line, '\n') != 0) {
        log_error("out of memory");
        st->failed = true;
    }
    if (commit)
        store_put(st);
    bool keep = commit && !st->failed;
    int rc = EXIT_FATAL;
    if (PQputCopyEnd(st->conn, keep ? NULL : "the report was not written whole") != 1) {
        log_error("cannot store the report: %s", PQerrorMessage(st->conn));
        keep = false;
    }
    PGresult *res;
    bool seen = false;
    while ((res = PQgetResult(st->conn)) != NULL) {
        if (!seen && keep) {
            rc = PQresultStatus(res) == PGRES_COMMAND_OK ? EXIT_OK : store_failed(res, st->label);
            seen = true;
        }
        PQclear(res);
    }
    buf_free(&st->line);
    free(st);
    return rc;
}
