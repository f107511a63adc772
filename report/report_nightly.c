/* report_nightly.c - the reports of the nightly run: indicators that changed, data quality. */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "common/log.h"
#include "report/report_common.h"

/* The year report and one report per term of the year (terms from the targets file). */
static int year_and_terms(const struct report_ctx *ctx, PGconn *conn, int year)
{
    struct report_scope s = {year, NULL};
    int rc = report_indicators_if_changed(ctx, conn, &s);
    char **periods = NULL;
    int n = rc == EXIT_OK ? report_year_periods(ctx->targets_dir, year, &periods) : 0;
    if (n < 0)
        rc = EXIT_USAGE;
    for (int i = 0; i < n; i++) {
        struct report_scope t = {0, periods[i]};
        if (rc == EXIT_OK)
            rc = report_indicators_if_changed(ctx, conn, &t);
        free(periods[i]);
    }
    free(periods);
    return rc;
}

/* The indicator reports of a year (or of the one scope asked for), made by a thread of their
 * own on the run's connection while the quality report is made on another: the server
 * computes both at once, on two cores, instead of one after the other. */
struct indicators_job {
    const struct report_ctx *ctx;
    PGconn *conn;
    const struct report_scope *only; /* the scope asked for, or NULL: year and terms */
    int year;
    struct report_gate done; /* opened when the indicators have ended */
    int rc;
};

static void *indicators_run(void *arg)
{
    struct indicators_job *j = arg;
    j->rc = j->only != NULL ? report_indicators_if_changed(j->ctx, j->conn, j->only)
                            : year_and_terms(j->ctx, j->conn, j->year);
    /* a core for the quality report's days (report_quality_write) */
    report_gate_open(&j->done);
    return NULL;
}

/* The indicator reports of job and the quality report of scope, at the same time when a
 * thread can be had (else one after the other). The indicators' failure comes first. */
static int indicators_and_quality(struct indicators_job *job, int64_t run_id,
                                  const struct report_scope *scope)
{
    pthread_t thread;
    report_gate_init(&job->done);
    bool threaded = pthread_create(&thread, NULL, indicators_run, job) == 0;
    if (!threaded)
        indicators_run(job);
    int quality_rc = report_quality_write(job->ctx, run_id, scope, true, &job->done);
    if (threaded)
        pthread_join(thread, NULL);
    report_gate_destroy(&job->done);
    return job->rc != EXIT_OK ? job->rc : quality_rc;
}

int report_nightly(const struct report_ctx *ctx, PGconn *conn, int64_t run_id,
                   const struct report_scope *only)
{
    if (only->year || only->period) {
        struct indicators_job job = {.ctx = ctx, .conn = conn, .only = only, .rc = EXIT_OK};
        return indicators_and_quality(&job, run_id, only);
    }
    int rc = EXIT_OK;
    int *years = NULL;
    int n = report_years(ctx->targets_dir, &years);
    if (n < 0)
        rc = EXIT_USAGE;
    if (n == 0)
        log_warn("no targets files in %s: no year reports written", ctx->targets_dir);
    for (int i = 0; i < n && rc == EXIT_OK; i++) {
        /* data quality of what this run received, over the year's terms, and the problems no
         * run has sent yet */
        struct report_scope year = {years[i], NULL};
        struct indicators_job job = {.ctx = ctx, .conn = conn, .year = years[i], .rc = EXIT_OK};
        rc = indicators_and_quality(&job, run_id, &year);
    }
    free(years);
    return rc;
}
