/* cmd_run.c - "xinyu ingest" and "xinyu run": the nightly job and its parts. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "common/db.h"
#include "common/log.h"
#include "common/util.h"
#include "ingest/ingest_queue.h"
#include "report/report_jobs.h"
#include "transform/xform_load.h"

static void print_counts(const char *what, const struct xf_counts *k, int failed_sources)
{
    printf("%s: received %ld = loaded %ld + duplicate %ld + superseded %ld + rejected %ld; "
           "%ld with warnings%s\n",
           what, k->received, k->loaded, k->duplicate, k->superseded, k->rejected, k->warnings,
           failed_sources ? "; some sources failed (see xinyu status)" : "");
}

/* What an ingest pass of this command line needs: the sources, limits and jobs. */
static struct ingest_ctx ingest_context(const struct cli *c)
{
    struct ingest_ctx ctx = {
        .conninfo = c->conninfo,
        .sources = c->conf.sources,
        .nsources = c->conf.nsources,
        .limits = {c->conf.max_submission_bytes, c->conf.max_file_bytes},
        .batch_size = c->conf.batch_size,
        .jobs = c->conf.jobs > 0 ? c->conf.jobs : cli_cores(),
        .stop = &cli_stop_requested,
    };
    return ctx;
}

int cmd_ingest(struct cli *c)
{
    struct ingest_ctx o = ingest_context(c);
    const struct cli_opt own[] = {
        {"source", "NAME", "only this source", CLI_OPT_STRING, &o.only_source, 0, 0, NULL},
        {"jobs", "N", "worker threads, each with its own connection (default: cores)", CLI_OPT_INT,
         &o.jobs, 1, 256, NULL},
        {"dry-run", NULL,
         "do everything, print what would be loaded, superseded and\nrejected, and write "
         "nothing",
         CLI_OPT_FLAG, &o.dry_run, 0, 0, NULL},
    };
    const struct cli_scope_spec spec = {
        "Usage: xinyu ingest [--source NAME] [--jobs N] [--dry-run]\n"
        "\n"
        "Reads every configured source (or only NAME) and loads what is new. Several\n"
        "ingest processes, on one machine or several, may run against one database:\n"
        "they share the work and never load a file twice.\n",
        0,
        NULL,
        NULL,
        NULL,
        own,
        sizeof own / sizeof own[0]};
    struct report_ctx unused;
    struct report_scope none;
    int rc = cli_scope_parse(c, &spec, &unused, &none);
    if (rc >= 0)
        return rc;
    if (c->conf.nsources == 0) {
        log_error("no sources are configured");
        return EXIT_USAGE;
    }
    PGconn *conn = cli_connect(c, DB_ROLE_INGEST);
    if (conn == NULL)
        return cli_connect_failed(c);
    struct xf_counts counts = {0};
    int failed_sources = 0;
    rc = ingest_pass(&o, conn, c->args_text, &counts, &failed_sources);
    if (rc != EXIT_FATAL)
        print_counts(o.dry_run ? "dry run, nothing written" : "ingest", &counts, failed_sources);
    db_run_disconnect(conn);
    return rc;
}

/*
 * The loaded submissions' pages marked all-visible before the report reads them: its lists
 * look the schools' current submissions up by index, and an index-only scan reads the table
 * itself for every page a load changed until a VACUUM marks it again; autovacuum comes minutes
 * later, or in the middle of the report. (The report reads the raw submissions and the issues
 * through their rows, never by an index alone: a VACUUM of them would be time spent for
 * nothing.) Only when xinyu.vacuum_due says so: after a load of more than autovacuum's
 * insert share of the table (a first night, a new term); a night's few thousand corrections
 * leave a few hundred pages for the report to read through the table, which costs less than
 * the VACUUM's pass over every index (0.13 s of a night's report at 200,000 schools).
 *
 * The same VACUUM analyzes the table: a load that large changed its statistics as well, and
 * beside the other tables' ANALYZE this costs the report less than an ANALYZE after both (0.2 s
 * of a first night's at 200,000 schools); a night's corrections are analyzed with the others.
 *
 * VACUUM needs the table's owner: it runs on a connection of its own with the login's rights,
 * not the ingest role's. A login that does not own it is skipped by the server (its warning is
 * not news: autovacuum does it later), as is a table autovacuum is working on.
 */
static void vacuum_loaded(const char *conninfo)
{
    PGconn *own = db_connect(conninfo, NULL);
    if (own == NULL)
        return;
    PGresult *due = db_query(own, "SELECT xinyu.vacuum_due('xinyu.submission')", 0, NULL,
                             PGRES_TUPLES_OK, "cannot vacuum the loaded submissions");
    if (due != NULL && PQntuples(due) == 1 && strcmp(PQgetvalue(due, 0, 0), "t") == 0 &&
        db_exec(own, "SET client_min_messages = error", "cannot vacuum the loaded submissions") ==
            0)
        (void)db_exec(own, "VACUUM (SKIP_LOCKED, ANALYZE) xinyu.submission",
                      "cannot vacuum the loaded submissions");
    PQclear(due);
    PQfinish(own);
}

static void *vacuum_main(void *conninfo)
{
    vacuum_loaded(conninfo);
    return NULL;
}

/*
 * The loaded submissions vacuumed (and analyzed) on a thread of their own, begun by
 * tidy_begin as soon as the load ends (the run's items are counted meanwhile), while
 * tidy_end analyzes the other changed tables and prunes the log of changes, then the
 * submissions when no VACUUM did: statistics for what was loaded, before the report plans its
 * statements on them. (A VACUUM and an ANALYZE of one table wait for each other, or with
 * SKIP_LOCKED leave it undone, hence the submissions last.)
 */
struct tidy {
    pthread_t vacuum;
    bool beside; /* the VACUUM runs on the thread */
};

static void tidy_begin(struct tidy *t, const char *conninfo)
{
    t->beside = pthread_create(&t->vacuum, NULL, vacuum_main, (void *)conninfo) == 0;
    if (!t->beside)
        vacuum_loaded(conninfo);
}

static void tidy_wait(struct tidy *t)
{
    if (t->beside)
        pthread_join(t->vacuum, NULL);
    t->beside = false;
}

static void tidy_end(struct tidy *t, PGconn *conn)
{
    (void)db_exec(conn, "SELECT xinyu.analyze_changed('{submission}')",
                  "cannot refresh the statistics of the loaded tables");
    /* the changes every kept state of the report has seen (sql/functions/changes.sql) */
    (void)db_exec(conn, "SELECT xinyu.change_log_prune()", "cannot drop the changes seen");
    tidy_wait(t);
    (void)db_exec(conn, "SELECT xinyu.analyze_changed()",
                  "cannot refresh the statistics of the loaded tables");
}

int cmd_run(struct cli *c)
{
    struct ingest_ctx o = ingest_context(c);
    const struct cli_opt own[] = {
        {"jobs", "N", "worker threads, each with its own connection (default: cores)", CLI_OPT_INT,
         &o.jobs, 1, 256, NULL},
    };
    const struct cli_scope_spec spec = {
        "Usage: xinyu run [--year Y | --period P] [--jobs N] [--format LIST] [--out DIR]\n"
        "\n"
        "The nightly job: loads the registry when it changed, ingests every source and\n"
        "writes the indicator reports. Without --year or --period it reports every year\n"
        "that has a targets file, and each term of those years.\n",
        CLI_SCOPE_YEAR | CLI_SCOPE_PERIOD | CLI_SCOPE_FORMAT | CLI_SCOPE_OUT,
        NULL,
        NULL,
        NULL,
        own,
        sizeof own / sizeof own[0]};
    struct report_ctx ctx;
    struct report_scope only;
    int rc = cli_scope_parse(c, &spec, &ctx, &only);
    if (rc >= 0)
        return rc;
    if (only.year && only.period) {
        cli_scope_usage(&spec, stderr);
        return EXIT_USAGE;
    }
    PGconn *conn = cli_connect(c, NULL);
    if (conn == NULL)
        return cli_connect_failed(c);
    if (db_run_take_lock(conn, false) != 0) {
        db_run_disconnect(conn);
        return EXIT_FATAL;
    }
    db_run_reap(conn);
    int64_t run_id = db_run_begin(conn, "run", c->args_text);
    if (run_id <= 0) {
        db_run_disconnect(conn);
        return EXIT_FATAL;
    }
    double t0 = util_monotonic();
    double t_registry = 0, t_ingest = 0, t_report = 0;
    struct xf_counts counts = {0};
    int failed_sources = 0;
    if (c->conf.registry != NULL) {
        rc = cli_registry_load(conn, c->conf.registry, run_id, false);
        t_registry = util_monotonic() - t0;
        if (rc != EXIT_OK) {
            db_run_finish(conn, run_id, "failed", "the registry could not be loaded", 0, NULL);
            db_run_disconnect(conn);
            return rc;
        }
    }
    rc = ingest_phase(&o, conn, run_id, &t_ingest, &counts, &failed_sources);
    bool report = rc != EXIT_FATAL && !cli_stop_requested;
    struct tidy tidy;
    if (report)
        tidy_begin(&tidy, c->conninfo);
    if (rc != EXIT_FATAL) {
        /* its report adds no item: counted once, into the run's record, where the quality
         * report and run_finish read them (0.2 s at 400,000 items, beside the VACUUM) */
        ingest_run_counts(conn, run_id, COUNTS_KEPT, &counts);
        print_counts("ingest", &counts, failed_sources);
    }
    if (report && cli_stop_requested) {
        /* stopped while the items were counted: no report */
        tidy_wait(&tidy);
        report = false;
    }
    if (report) {
        double t1 = util_monotonic();
        tidy_end(&tidy, conn);
        int report_rc = report_nightly(&ctx, conn, run_id, &only);
        t_report = util_monotonic() - t1;
        if (report_rc != EXIT_OK)
            rc = report_rc;
    }
    if (cli_stop_requested && rc == EXIT_OK)
        rc = EXIT_PARTIAL;
    char timings[256];
    snprintf(timings, sizeof timings,
             "{\"registry_s\": %.3f, \"ingest_s\": %.3f, \"report_s\": %.3f, \"total_s\": %.3f}",
             t_registry, t_ingest, t_report, util_monotonic() - t0);
    if (PQstatus(conn) == CONNECTION_OK)
        db_run_finish(conn, run_id, ingest_run_status(rc),
                      ingest_run_message(rc, cli_stop_requested), failed_sources, timings);
    else
        log_error_detail("the database connection was lost", NULL,
                         "Run again: what was committed stays, the rest is loaded then.");
    db_run_disconnect(conn);
    return rc;
}
