/* report_indicators.c - the indicator reports: rows from SQL, targets from files, stored and
 * written through the renderer table (report/report_format.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/fault.h"
#include "common/log.h"
#include "common/period.h"
#include "common/util.h"
#include "report/report_common.h"
#include "report/report_format.h"
#include "report/report_names.h"

static void copy_code(char *dst, size_t n, const PGresult *res, int row, int col)
{
    if (PQgetisnull(res, row, col))
        dst[0] = '\0';
    else
        util_strlcpy(dst, PQgetvalue(res, row, col), n);
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
    struct report_names *names = NULL;
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
    int has_data = ctx->empty_warns ? report_scope_has_data(conn, scope, &args) : 1;
    if (has_data < 0)
        goto done;

    /* the overview describes the scope's latest term */
    const char *op[] = {args.latest};
    ov = db_query(conn,
                  "SELECT district_code, school_type, schools_active, schools_reported, students, "
                  "psych_fulltime, psych_parttime, schools_with_room, schools_with_lessons "
                  "FROM xinyu.overview_rows($1) "
                  "ORDER BY school_type IS NOT NULL, xinyu.school_type_order(school_type), "
                  "district_code IS NOT NULL, district_code",
                  1, op, PGRES_TUPLES_OK, "cannot compute the overview");
    if (ov == NULL)
        goto done;
    doc.noverview = (size_t)PQntuples(ov);
    doc.overview_period = args.latest;
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
    /* the districts' names as the registry has them in the same snapshot */
    names = report_names_load(conn);
    if (names == NULL)
        goto done;
    doc.names = names;
    doc.label = label;
    doc.lang = ctx->lang;

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
    /* the stored report's scope */
    char scope_json[64];
    if (scope->period != NULL)
        snprintf(scope_json, sizeof scope_json, "{\"period\": \"%s\"}", scope->period);
    else
        snprintf(scope_json, sizeof scope_json, "{\"year\": %d}", scope->year);
    char targets_hex[2 * UTIL_SHA256_LEN + 1] = "";
    if (have_targets)
        util_hex(t.sha256, sizeof t.sha256, targets_hex);
    /*
     * The JSON document is the report of record: it is stored in the transaction it was read
     * in, its file (when asked for) renamed into place just before the commit; the other
     * formats are written once it is committed.
     */
    struct report_store *st =
        report_store_begin(conn, "indicators", scope_json, have_targets ? targets_hex : NULL,
                           args.periods.data, label);
    if (st == NULL)
        goto done;
    struct report_sink store = {report_store_write, st};
    struct report_doc_dest dest = {out_dir, base, ctx->lang, &store};
    int written = report_doc_write(&doc, formats, &dest, REPORT_DOC_RECORD);
    int stored = report_store_end(st, written == 0);
    if (stored != EXIT_OK) {
        rc = stored;
        goto done;
    }
    if (db_exec(conn, "COMMIT", "cannot store the report") != 0)
        goto done;
    dest.store = NULL;
    if (report_doc_write(&doc, formats, &dest, REPORT_DOC_REST) != 0)
        goto done;
    rc = has_data ? EXIT_OK : EXIT_PARTIAL;
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
    report_names_free(names);
    report_sql_args_free(&args);
    if (have_targets)
        report_targets_free(&t);
    return rc;
}
