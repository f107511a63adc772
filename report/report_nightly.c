/* report_nightly.c - the reports of the nightly run: indicators that changed, data quality. */
#include <stdlib.h>

#include "common/log.h"
#include "report/report_jobs.h"

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

int report_nightly(const struct report_ctx *ctx, PGconn *conn, int64_t run_id,
                   const struct report_scope *only)
{
    int rc = EXIT_OK;
    if (only->year || only->period) {
        rc = report_indicators_if_changed(ctx, conn, only);
        if (rc == EXIT_OK)
            rc = report_quality_write(ctx, run_id, only, true);
        return rc;
    }
    int *years = NULL;
    int n = report_years(ctx->targets_dir, &years);
    if (n < 0)
        rc = EXIT_USAGE;
    if (n == 0)
        log_warn("no targets files in %s: no year reports written", ctx->targets_dir);
    for (int i = 0; i < n && rc == EXIT_OK; i++) {
        rc = year_and_terms(ctx, conn, years[i]);
        /* data quality of what this run received, over the year's terms, and the problems no
         * run has sent yet */
        struct report_scope year = {years[i], NULL};
        if (rc == EXIT_OK)
            rc = report_quality_write(ctx, run_id, &year, true);
    }
    free(years);
    return rc;
}
