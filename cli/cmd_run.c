/* cmd_run.c - "xinyu ingest" and "xinyu run": the nightly job and its parts. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/db.h"
#include "common/log.h"
#include "common/util.h"
#include "ingest/ingest_queue.h"
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
        .only_source = NULL,
        .limits = {c->conf.max_submission_bytes, c->conf.max_file_bytes},
        .batch_size = c->conf.batch_size,
        .jobs = c->conf.jobs > 0 ? c->conf.jobs : cli_cores(),
        .dry_run = false,
        .quiet = false,
        .run_id = 0,
        .stop = &cli_stop_requested,
    };
    return ctx;
}

/*
 * The shared part of ingest and run: the staging tables, then every source under run_id.
 * Returns the exit code.
 */
static int ingest_phase(struct ingest_ctx *ctx, PGconn *conn, int64_t run_id, double *seconds,
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

static const char *status_of(int rc)
{
    return rc == EXIT_OK ? "ok" : rc == EXIT_PARTIAL ? "partial" : "failed";
}

static const char *run_message(int rc)
{
    if (rc == EXIT_FATAL)
        return "the run stopped on an error";
    if (cli_stop_requested)
        return "stopped on request after the current transaction; run again to finish";
    return NULL;
}

static void ingest_usage(FILE *out)
{
    fputs("Usage: xinyu ingest [--source NAME] [--jobs N] [--dry-run]\n"
          "\n"
          "Reads every configured source (or only NAME) and loads what is new. Several\n"
          "ingest processes, on one machine or several, may run against one database:\n"
          "they share the work and never load a file twice.\n"
          "\n"
          "  --source NAME   only this source\n"
          "  --jobs N        worker threads, each with its own connection (default: cores)\n"
          "  --dry-run       do everything, print what would be loaded, superseded and\n"
          "                  rejected, and write nothing\n",
          out);
}

int cmd_ingest(struct cli *c)
{
    static const struct option opts[] = {{"source", required_argument, NULL, 's'},
                                         {"jobs", required_argument, NULL, 'j'},
                                         {"dry-run", no_argument, NULL, 'n'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    struct ingest_ctx o = ingest_context(c);
    int ch;
    while ((ch = getopt_long(c->argc_cmd, c->argv_cmd, "s:j:nh", opts, NULL)) != -1) {
        switch (ch) {
        case 's':
            o.only_source = optarg;
            break;
        case 'j':
            if (cli_int_option("--jobs", optarg, 1, 256, &o.jobs) != 0)
                return EXIT_USAGE;
            break;
        case 'n':
            o.dry_run = true;
            break;
        case 'h':
            ingest_usage(stdout);
            return EXIT_OK;
        default:
            ingest_usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind != c->argc_cmd) {
        ingest_usage(stderr);
        return EXIT_USAGE;
    }
    if (c->conf.nsources == 0) {
        log_error("no sources are configured");
        return EXIT_USAGE;
    }
    PGconn *conn = cli_connect(c, DB_ROLE_INGEST);
    if (conn == NULL)
        return cli_connect_failed(c);
    int rc = db_run_take_lock(conn, true) == 0 ? EXIT_OK : EXIT_FATAL;
    if (rc != 0) {
        db_run_disconnect(conn);
        return rc;
    }
    db_run_reap(conn);
    struct xf_counts counts = {0};
    int failed_sources = 0;
    double secs = 0;
    if (o.dry_run) {
        /* one transaction, rolled back: the run record and everything else vanish */
        if (db_exec(conn, "BEGIN", "cannot start the dry run") != 0) {
            db_run_disconnect(conn);
            return EXIT_FATAL;
        }
        int64_t run_id = db_run_begin(conn, "ingest", c->args_text);
        rc = run_id > 0 ? ingest_phase(&o, conn, run_id, &secs, &counts, &failed_sources)
                        : EXIT_FATAL;
        if (rc != EXIT_FATAL)
            ingest_run_counts(conn, run_id, &counts);
        db_exec(conn, "ROLLBACK", "cannot roll the dry run back");
        if (rc != EXIT_FATAL)
            print_counts("dry run, nothing written", &counts, failed_sources);
        db_run_disconnect(conn);
        return rc;
    }
    int64_t run_id = db_run_begin(conn, "ingest", c->args_text);
    if (run_id <= 0) {
        db_run_disconnect(conn);
        return EXIT_FATAL;
    }
    rc = ingest_phase(&o, conn, run_id, &secs, &counts, &failed_sources);
    if (cli_stop_requested && rc == EXIT_OK)
        rc = EXIT_PARTIAL;
    char timings[128];
    snprintf(timings, sizeof timings, "{\"ingest_s\": %.3f}", secs);
    if (PQstatus(conn) == CONNECTION_OK) {
        db_run_finish(conn, run_id, status_of(rc), run_message(rc), failed_sources, timings);
    } else {
        log_error_detail("the database connection was lost", NULL,
                         "Run again: what was committed stays, the rest is loaded then.");
    }
    if (rc != EXIT_FATAL) {
        ingest_run_counts(conn, run_id, &counts);
        print_counts("ingest", &counts, failed_sources);
    }
    db_run_disconnect(conn);
    return rc;
}

static void run_usage(FILE *out)
{
    fputs("Usage: xinyu run [--year Y | --period P] [--jobs N] [--format LIST] [--out DIR]\n"
          "\n"
          "The nightly job: loads the registry when it changed, ingests every source and\n"
          "writes the indicator reports. Without --year or --period it reports every year\n"
          "that has a targets file, and each term of those years.\n",
          out);
}

int cmd_run(struct cli *c)
{
    static const struct option opts[] = {{"year", required_argument, NULL, 'y'},
                                         {"period", required_argument, NULL, 'p'},
                                         {"jobs", required_argument, NULL, 'j'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"out", required_argument, NULL, 'o'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    struct ingest_ctx o = ingest_context(c);
    struct report_scope only = {0, NULL};
    const char *formats = c->conf.formats;
    const char *out_dir = c->conf.out_dir;
    int ch;
    while ((ch = getopt_long(c->argc_cmd, c->argv_cmd, "y:p:j:f:o:h", opts, NULL)) != -1) {
        switch (ch) {
        case 'y':
            if (cli_int_option("--year", optarg, 2000, 2100, &only.year) != 0)
                return EXIT_USAGE;
            break;
        case 'p':
            only.period = optarg;
            break;
        case 'j':
            if (cli_int_option("--jobs", optarg, 1, 256, &o.jobs) != 0)
                return EXIT_USAGE;
            break;
        case 'f':
            formats = optarg;
            break;
        case 'o':
            out_dir = optarg;
            break;
        case 'h':
            run_usage(stdout);
            return EXIT_OK;
        default:
            run_usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind != c->argc_cmd || (only.year && only.period)) {
        run_usage(stderr);
        return EXIT_USAGE;
    }
    PGconn *conn = cli_connect(c, NULL);
    if (conn == NULL)
        return cli_connect_failed(c);
    int rc = db_run_take_lock(conn, false) == 0 ? EXIT_OK : EXIT_FATAL;
    if (rc != 0) {
        db_run_disconnect(conn);
        return rc;
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
    if (rc != EXIT_FATAL) {
        ingest_run_counts(conn, run_id, &counts);
        print_counts("ingest", &counts, failed_sources);
    }
    if (rc != EXIT_FATAL && !cli_stop_requested) {
        double t1 = util_monotonic();
        struct report_ctx ctx;
        cli_report_ctx(c, &ctx);
        ctx.formats = formats;
        ctx.out_dir = out_dir;
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
        db_run_finish(conn, run_id, status_of(rc), run_message(rc), failed_sources, timings);
    else
        log_error_detail("the database connection was lost", NULL,
                         "Run again: what was committed stays, the rest is loaded then.");
    db_run_disconnect(conn);
    return rc;
}
