/*
 * report_jobs.h - what a command asks of report/: the indicator reports (also published and
 * published versions again), the audit, the review, the data-quality report with its letters,
 * the status listing and the nightly run's reports. Each job takes a narrow context instead
 * of the command line's state and returns an exit code (common/exit_codes.h) after logging.
 */
#ifndef XINYU_REPORT_JOBS_H
#define XINYU_REPORT_JOBS_H

#include <stdbool.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "common/exit_codes.h"

/*
 * Everything a report job needs from outside. connect opens a connection with the given
 * role (a DB_ROLE_* of common/db.h); it returns NULL after logging and then sets *failed_rc
 * to the exit code to give (EXIT_USAGE or EXIT_FATAL). The strings are borrowed.
 */
struct report_ctx {
    PGconn *(*connect)(void *arg, const char *role, int *failed_rc);
    void *connect_arg;
    const char *targets_dir; /* one YEAR.json per review year */
    const char *out_dir;     /* where the files go */
    const char *lang;        /* "zh" (also NULL) or "en" */
    const char *formats;     /* comma-separated: json, csv, html, xlsx */
    bool by_type;            /* school-type rows in the indicator reports */
    /* a scope without any loaded submission is a warning (EXIT_PARTIAL), as a person asked
     * for a report that has nothing in it (the nightly run reports what it has) */
    bool empty_warns;
};

/* Report scope: a review year, or one term. */
struct report_scope {
    int year;           /* > 0 for a year report */
    const char *period; /* non-NULL for a term report */
};

/* The indicator reports of scope in ctx's formats into ctx's out_dir. Returns 0 or EXIT_*. */
int report_indicators_write(const struct report_ctx *ctx, const struct report_scope *scope);
/* The same, published under label when it is not NULL. Returns 0 or EXIT_*. */
int report_indicators_publish(const struct report_ctx *ctx, const struct report_scope *scope,
                              const char *label);
/*
 * report_indicators_write for "xinyu run": skipped when the report's files and the stamp
 * beside them (out_dir/.indicators-SCOPE.inputs) show it was written from the same
 * submissions, registry, targets, settings and program (report/report_fresh.c). conn reads
 * the state of the inputs.
 */
int report_indicators_if_changed(const struct report_ctx *ctx, PGconn *conn,
                                 const struct report_scope *s);
/* Checks that label can name a new published version: 1 to 64 of A-Z a-z 0-9 . _ - (it goes
 * into file names), not starting with . or -, and not published yet. Returns EXIT_OK, or
 * EXIT_USAGE / EXIT_FATAL after logging. */
int report_publish_check(const struct report_ctx *ctx, const char *label);
/* Renders the published version label again from its stored document, in ctx's formats into
 * its out_dir as <report>-<scope>-<label>.<ext>. Returns EXIT_OK, or EXIT_USAGE (no such
 * label, bad formats) / EXIT_FATAL after logging. */
int report_version_write(const struct report_ctx *ctx, const char *label);
/* Prints the published versions as a table on stdout, oldest first: label, report, scope,
 * when (UTC+8) and the fingerprints (SHA-256) of the inputs and the targets they were made
 * from. Returns EXIT_OK (also when none is published), or EXIT_FATAL after logging. */
int report_versions_print(const struct report_ctx *ctx);

/* 0 when every format of list is in allowed (both comma-separated), else -1 after logging. */
int report_check_formats(const char *list, const char *allowed);
/* 0 for "zh" or "en", else -1 after logging. */
int report_check_lang(const char *lang);

/* The years with a targets file in targets_dir (ascending); *years is malloc'ed, the caller
 * frees it. Returns their number, or -1 after logging. */
int report_years(const char *targets_dir, int **years);
/* The terms of a review year, from its targets file; *periods is a malloc'ed array of
 * malloc'ed strings the caller frees. Returns their number, or -1 after logging. */
int report_year_periods(const char *targets_dir, int year, char ***periods);

/* The compliance audit of a review year in ctx's formats and language. 0 or EXIT_*. */
int report_audit_write(const struct report_ctx *ctx, int year);
/* The progress review of the years from..to in ctx's formats. 0 or EXIT_*. */
int report_review_write(const struct report_ctx *ctx, int from, int to);

/*
 * The data-quality and completeness report of scope (report/report_quality.c): schools that
 * did not report, late submissions, rejections with every reason, warnings, outliers and the
 * reconciliation of counts, as out_dir/quality-<scope>.json and one CSV per list, and one
 * feedback letter per school and term with a rejection, a warning or an outlier, as
 * out_dir/feedback/<school_code>-<period>.txt. With run_id > 0 the rejections and warnings
 * are those of that run; with 0, everything known about the scope's terms. With send (the
 * nightly run run_id), they are every problem not yet sent to the schools, whichever run
 * received it (xinyu.problem_ledger, the run's own among them), and once the files are
 * durable they are recorded as sent by run_id. Returns 0 or EXIT_* after logging.
 * The reporting chart's days are read on a connection of their own once the gate beside opens
 * (NULL: at once). The nightly run passes the gate its indicators' thread opens when it ends;
 * the report opens it too, once it has recorded what its lists show first.
 */
struct report_gate;
int report_quality_write(const struct report_ctx *ctx, int64_t run_id,
                         const struct report_scope *scope, bool send, struct report_gate *beside);

/*
 * The reports of the nightly run run_id: for scope (only when its year or period is set),
 * else for every year with a targets file and each of its terms, the indicator reports when
 * their inputs changed and the data-quality report with its letters (sent). The indicator
 * reports of a year are made by a thread of their own on conn, the run's connection, while
 * the quality report is made on its own connection. Returns 0 or EXIT_* after logging (the
 * indicators' failure first).
 */
int report_nightly(const struct report_ctx *ctx, PGconn *conn, int64_t run_id,
                   const struct report_scope *only);

/*
 * Reminders of term period (canonical) to the active schools with no loaded submission of it
 * (report/report_remind.c), when its deadline (from the targets file that lists it) is
 * today or at most days_before days away: a letter per school not reminded before (Chinese),
 * out_dir/reminders/<period>/<school_code>-<period>.txt, and a list per district beside them
 * (reminders-<period>-<district_code>.csv and .xlsx), then each recorded (xinyu.reminder) so
 * that no school is reminded twice of one term. Too early or past the deadline it says so
 * and writes nothing. Returns 0, or EXIT_* after logging (EXIT_USAGE: no deadline known).
 */
int report_remind_write(const struct report_ctx *ctx, const char *period, int days_before);

/* Prints the last nruns runs, the unread files and the problems of the last run that
 * received anything to stdout. Returns 0 or EXIT_* after logging. */
int report_status_print(const struct report_ctx *ctx, int nruns);

#endif
