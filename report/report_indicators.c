/* report_indicators.c - the indicator reports: rows from SQL, targets from files, files out. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/db.h"
#include "common/fault.h"
#include "common/log.h"
#include "common/period.h"
#include "common/util.h"
#include "report/report_common.h"

static void copy_code(char *dst, size_t n, const PGresult *res, int row, int col)
{
    if (PQgetisnull(res, row, col))
        dst[0] = '\0';
    else
        util_strlcpy(dst, PQgetvalue(res, row, col), n);
}

/*
 * A report file written while it is rendered. Like util_write_file_atomic it appears whole
 * under its name or not at all: the text goes to a new file beside it (util_create_beside),
 * which is synced and renamed at the end.
 */
struct out_file {
    FILE *f;
    bool failed; /* a write failed (logged) */
    char path[4096];
    char tmp[4200];
};

/* Passes the fault point "report_write" first, as every report file does. 0, or -1 logged. */
static int out_open(struct out_file *o, const char *out_dir, const char *name)
{
    memset(o, 0, sizeof *o);
    int w = snprintf(o->path, sizeof o->path, "%s/%s", out_dir, name);
    if (w < 0 || (size_t)w >= sizeof o->path) {
        log_error("the output path is too long");
        return -1;
    }
    fault_point("report_write");
    int fd = util_create_beside(o->path, o->tmp, sizeof o->tmp);
    if (fd >= 0) {
        o->f = fdopen(fd, "wb");
        if (o->f == NULL) {
            int saved = errno;
            close(fd);
            unlink(o->tmp);
            errno = saved;
        }
    }
    if (o->f == NULL) {
        log_error_detail("cannot write a report", o->path, strerror(errno));
        return -1;
    }
    return 0;
}

/* A report_sink write function: ctx is the struct out_file. */
static int out_write(void *ctx, const char *data, size_t len)
{
    struct out_file *o = ctx;
    if (!o->failed && fwrite(data, 1, len, o->f) != len) {
        log_error_detail("cannot write a report", o->path, strerror(errno));
        o->failed = true;
    }
    return o->failed ? -1 : 0;
}

/* Gives the file up: nothing is left of it. Accepts a file that was never opened. */
static void out_discard(struct out_file *o)
{
    if (o->f == NULL)
        return;
    fclose(o->f);
    o->f = NULL;
    unlink(o->tmp);
}

/* Syncs and renames the file to its name; 0, or -1 after logging (and nothing is left). */
static int out_close(struct out_file *o)
{
    if (o->failed) {
        out_discard(o);
        return -1;
    }
    int rc = fflush(o->f) != 0 || fsync(fileno(o->f)) != 0 ? -1 : 0;
    int saved = errno;
    if (fclose(o->f) != 0 && rc == 0) {
        rc = -1;
        saved = errno;
    }
    o->f = NULL;
    if (rc == 0 && rename(o->tmp, o->path) != 0) {
        rc = -1;
        saved = errno;
    }
    if (rc != 0) {
        log_error_detail("cannot write a report", o->path, strerror(saved));
        unlink(o->tmp);
        return -1;
    }
    log_info("wrote %s", o->path);
    return 0;
}

/* Renders one format straight into out_dir/name; 0, or -1 after logging. */
static int stream_output(const char *out_dir, const char *name, const char *what,
                         int (*render)(const struct report_doc *, const char *,
                                       const struct report_sink *),
                         const struct report_doc *doc, const char *lang)
{
    struct out_file o;
    if (out_open(&o, out_dir, name) != 0)
        return -1;
    struct report_sink sink = {out_write, &o};
    if (render(doc, lang, &sink) != 0) {
        if (!o.failed)
            log_error("cannot render the %s report", what);
        out_discard(&o);
        return -1;
    }
    return out_close(&o);
}

static int render_csv(const struct report_doc *doc, const char *lang,
                      const struct report_sink *sink)
{
    (void)lang;
    return report_stream_csv(doc, sink);
}

/* The JSON document goes to its file (when asked for) and into the database at once. */
struct json_tee {
    struct out_file *file; /* NULL: not written to a file */
    struct report_store *store;
    bool failed; /* a write failed (logged) */
};

static int tee_write(void *ctx, const char *data, size_t len)
{
    struct json_tee *t = ctx;
    if (!t->failed && t->file != NULL && out_write(t->file, data, len) != 0)
        t->failed = true;
    if (!t->failed && report_store_write(t->store, data, len) != 0)
        t->failed = true;
    return t->failed ? -1 : 0;
}

/*
 * Writes the JSON document to out_dir/name when json is true and stores it as the report of
 * record, streaming it to both as it is rendered. The file is renamed into place before the
 * stored row is committed, as when it was written first and stored after. EXIT_OK, or
 * EXIT_USAGE / EXIT_FATAL after logging.
 */
static int json_output(PGconn *conn, const struct report_doc *doc, bool json, const char *out_dir,
                       const char *name, const char *scope_json, const char *targets_hex,
                       const char *periods_literal, const char *label)
{
    struct out_file o;
    if (json && out_open(&o, out_dir, name) != 0)
        return EXIT_FATAL;
    struct json_tee tee = {json ? &o : NULL, NULL, false};
    tee.store =
        report_store_begin(conn, "indicators", scope_json, targets_hex, periods_literal, label);
    if (tee.store == NULL) {
        if (json)
            out_discard(&o);
        return EXIT_FATAL;
    }
    struct report_sink sink = {tee_write, &tee};
    if (report_stream_json(doc, &sink) != 0) {
        if (!tee.failed)
            log_error("cannot render the JSON report");
        if (json)
            out_discard(&o);
        report_store_end(tee.store, false);
        return EXIT_FATAL;
    }
    if (json && out_close(&o) != 0) {
        report_store_end(tee.store, false);
        return EXIT_FATAL;
    }
    return report_store_end(tee.store, true);
}

int report_indicators_write(const struct report_ctx *ctx, const struct report_scope *scope)
{
    return report_indicators_publish(ctx, scope, NULL);
}

int report_indicators_publish(const struct report_ctx *ctx, const struct report_scope *scope,
                              const char *label)
{
    const char *formats = ctx->formats, *out_dir = ctx->out_dir;
    bool by_type = ctx->by_type;
    struct report_targets t;
    memset(&t, 0, sizeof t);
    int found = report_scope_targets(ctx->targets_dir, scope, &t);
    if (found < 0)
        return EXIT_USAGE;
    if (scope->period != NULL) {
        char canon[PERIOD_LEN + 1], err[256];
        if (period_parse(scope->period, canon, err, sizeof err) != 0 ||
            strcmp(canon, scope->period) != 0) {
            log_error("--period must be a term like 2024-2025-1, not \"%s\"", scope->period);
            if (found == 0)
                report_targets_free(&t);
            return EXIT_USAGE;
        }
    }
    bool have_targets = found == 0;
    struct report_sql_args args;
    if (report_sql_args_make(scope, have_targets ? &t : NULL, &args) != 0) {
        if (have_targets)
            report_targets_free(&t);
        return EXIT_FATAL;
    }

    int rc = EXIT_FATAL;
    struct report_doc doc;
    memset(&doc, 0, sizeof doc);
    PGresult *ov = NULL;
    PGconn *conn = report_connect(ctx, &rc);
    if (conn == NULL)
        goto done;
    /*
     * The rows, the overview and the inputs' fingerprint stored with the document are read
     * in one snapshot, and the document is stored in the same transaction: an ingest that
     * commits meanwhile is in all of them or in none.
     */
    if (db_begin_snapshot(conn, false, "cannot compute the indicators") != 0)
        goto done;
    /* a city's rows go to a temporary file as they arrive: memory does not grow with them */
    if (report_rows_spool(conn, scope, have_targets ? &t : NULL, &args, by_type, &doc.spool) != 0)
        goto done;
    fault_point("report_read");

    /* the overview describes the scope's latest term */
    const char *op[] = {args.latest};
    ov = db_query(conn,
                  "SELECT district_code, school_type, schools_active, schools_reported, students, "
                  "psych_fulltime, psych_parttime, schools_with_room, schools_with_lessons "
                  "FROM xinyu.overview_rows($1) "
                  "ORDER BY school_type IS NOT NULL, school_type, district_code IS NOT NULL, "
                  "district_code",
                  1, op, PGRES_TUPLES_OK, "cannot compute the overview");
    if (ov == NULL)
        goto done;
    doc.noverview = (size_t)PQntuples(ov);
    doc.overview = calloc(doc.noverview + 1, sizeof *doc.overview);
    if (doc.overview == NULL)
        goto done;
    for (size_t i = 0; i < doc.noverview; i++) {
        struct report_overview *o = &doc.overview[i];
        copy_code(o->district_code, sizeof o->district_code, ov, (int)i, 0);
        copy_code(o->school_type, sizeof o->school_type, ov, (int)i, 1);
        long *fields[] = {&o->schools_active,      &o->schools_reported, &o->students,
                          &o->psych_fulltime,      &o->psych_parttime,   &o->schools_with_room,
                          &o->schools_with_lessons};
        for (int k = 0; k < 7; k++)
            *fields[k] = PQgetisnull(ov, (int)i, k + 2)
                             ? 0
                             : strtol(PQgetvalue(ov, (int)i, k + 2), NULL, 10);
    }
    PQclear(ov);
    ov = NULL;

    doc.kind = "indicators";
    doc.year = scope->year;
    doc.period = scope->period;
    util_now_rfc3339(doc.generated_at, sizeof doc.generated_at);

    if (util_mkdirs(out_dir, false) != 0) {
        log_error_detail("cannot create the output directory", out_dir, strerror(errno));
        rc = EXIT_FATAL;
        goto done;
    }
    char base[64];
    if (scope->period != NULL)
        snprintf(base, sizeof base, "indicators-%s", scope->period);
    else
        snprintf(base, sizeof base, "indicators-%d", scope->year);
    char name[96];
    /* the JSON document is also kept in the database, as the report of record */
    char scope_json[64];
    if (scope->period != NULL)
        snprintf(scope_json, sizeof scope_json, "{\"period\": \"%s\"}", scope->period);
    else
        snprintf(scope_json, sizeof scope_json, "{\"year\": %d}", scope->year);
    char targets_hex[2 * UTIL_SHA256_LEN + 1] = "";
    if (have_targets)
        util_hex(t.sha256, sizeof t.sha256, targets_hex);
    snprintf(name, sizeof name, "%s.json", base);
    int stored =
        json_output(conn, &doc, report_has_format(formats, "json"), out_dir, name, scope_json,
                    have_targets ? targets_hex : NULL, args.periods.data, label);
    if (stored != EXIT_OK) {
        rc = stored;
        goto done;
    }
    if (db_exec(conn, "COMMIT", "cannot store the report") != 0)
        goto done;
    if (report_has_format(formats, "csv")) {
        snprintf(name, sizeof name, "%s.csv", base);
        if (stream_output(out_dir, name, "CSV", render_csv, &doc, NULL) != 0)
            goto done;
    }
    if (report_has_format(formats, "html")) {
        snprintf(name, sizeof name, "%s.html", base);
        if (stream_output(out_dir, name, "HTML", report_stream_html, &doc, ctx->lang) != 0)
            goto done;
    }
    if (report_has_format(formats, "xlsx")) {
        char path[4096];
        int w = snprintf(path, sizeof path, "%s/%s.xlsx", out_dir, base);
        if (w < 0 || (size_t)w >= sizeof path) {
            log_error("the output path is too long");
            goto done;
        }
        fault_point("report_write");
        if (report_write_xlsx(&doc, path, ctx->lang) != 0) /* logs its reason */
            goto done;
        log_info("wrote %s", path);
    }
    rc = EXIT_OK;
done:
    if (rc == EXIT_FATAL && conn != NULL && PQstatus(conn) != CONNECTION_OK)
        log_error("the database connection was lost while reporting");
    if (conn != NULL && (PQtransactionStatus(conn) == PQTRANS_INTRANS ||
                         PQtransactionStatus(conn) == PQTRANS_INERROR))
        db_exec(conn, "ROLLBACK", "cannot end the report");
    PQclear(ov);
    PQfinish(conn);
    report_spool_free(doc.spool);
    free(doc.overview);
    report_sql_args_free(&args);
    if (have_targets)
        report_targets_free(&t);
    return rc;
}
