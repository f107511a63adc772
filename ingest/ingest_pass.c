/* ingest_pass.c - an ingest pass as a job: under a run record, or tried in a rolled-back
 * transaction; what "xinyu ingest" does and the middle of "xinyu run". */
#include <stdio.h>

#include "common/db.h"
#include "common/exit_codes.h"
#include "common/log.h"
#include "common/util.h"
#include "ingest/ingest_queue.h"

int ingest_phase(struct ingest_ctx *ctx, PGconn *conn, int64_t run_id, double *seconds,
                 struct xf_counts *counts, int *failed_sources)
{
    double t0 = util_monotonic();
    if (xf_staging_create(conn) != 0)
        return EXIT_FATAL;
    ctx->run_id = run_id;
    int rc = ingest_run(ctx, conn, counts, failed_sources);
    *seconds = util_monotonic() - t0;
    if (rc != 0)
        return EXIT_FATAL;
    return (counts->rejected > 0 || *failed_sources > 0) ? EXIT_PARTIAL : EXIT_OK;
}

const char *ingest_run_status(int rc)
{
    return rc == EXIT_OK ? "ok" : rc == EXIT_PARTIAL ? "partial" : "failed";
}

const char *ingest_run_message(int rc, bool stopped)
{
    if (rc == EXIT_FATAL)
        return "the run stopped on an error";
    if (stopped)
        return "stopped on request after the current transaction; run again to finish";
    return NULL;
}

/* A dry run: one transaction, rolled back, so the run record and everything else vanish. */
static int dry_pass(struct ingest_ctx *ctx, PGconn *conn, const char *args_text,
                    struct xf_counts *counts, int *failed_sources)
{
    if (db_exec(conn, "BEGIN", "cannot start the dry run") != 0)
        return EXIT_FATAL;
    double secs = 0;
    int64_t run_id = db_run_begin(conn, "ingest", args_text);
    int rc =
        run_id > 0 ? ingest_phase(ctx, conn, run_id, &secs, counts, failed_sources) : EXIT_FATAL;
    if (rc != EXIT_FATAL)
        ingest_run_counts(conn, run_id, COUNTS_MADE, counts);
    db_exec(conn, "ROLLBACK", "cannot roll the dry run back");
    return rc;
}

int ingest_pass(struct ingest_ctx *ctx, PGconn *conn, const char *args_text,
                struct xf_counts *counts, int *failed_sources)
{
    if (db_run_take_lock(conn, true) != 0)
        return EXIT_FATAL;
    db_run_reap(conn);
    if (ctx->dry_run)
        return dry_pass(ctx, conn, args_text, counts, failed_sources);
    int64_t run_id = db_run_begin(conn, "ingest", args_text);
    if (run_id <= 0)
        return EXIT_FATAL;
    double secs = 0;
    int rc = ingest_phase(ctx, conn, run_id, &secs, counts, failed_sources);
    bool stopped = ctx->stop != NULL && *ctx->stop;
    if (stopped && rc == EXIT_OK)
        rc = EXIT_PARTIAL;
    char timings[128];
    snprintf(timings, sizeof timings, "{\"ingest_s\": %.3f}", secs);
    bool recorded = false;
    if (PQstatus(conn) == CONNECTION_OK) {
        recorded = db_run_finish(conn, run_id, ingest_run_status(rc),
                                 ingest_run_message(rc, stopped), *failed_sources, timings) == 0;
    } else {
        log_error_detail("the database connection was lost", NULL,
                         "Run again: what was committed stays, the rest is loaded then.");
    }
    /* run_finish has just counted them into the record */
    if (rc != EXIT_FATAL)
        ingest_run_counts(conn, run_id, recorded ? COUNTS_RECORDED : COUNTS_MADE, counts);
    return rc;
}
