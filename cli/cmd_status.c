/* cmd_status.c - "xinyu status": the last runs, their counts, and what was rejected. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "common/buf.h"
#include "common/db.h"
#include "common/log.h"

/* Texts from outside (file names, sources, messages) as shown: control characters visible,
 * so that a file named with an escape sequence cannot act on the operator's terminal. */
enum { SHOWN_MAX = 5 };
static buf shown[SHOWN_MAX];

static const char *show(int slot, const PGresult *res, int row, int col)
{
    return buf_printable_str(&shown[slot], PQgetvalue(res, row, col));
}

static void status_usage(FILE *out)
{
    fputs("Usage: xinyu status [--runs N]\n"
          "\n"
          "Shows the last runs (counts reconcile: received = loaded + duplicate + superseded +\n"
          "rejected), the spool files that could not be read and wait for the next run, then\n"
          "the problems and the rejected submissions of the last run that received anything,\n"
          "with every reason.\n",
          out);
}

int cmd_status(struct cli *c)
{
    static const struct option opts[] = {{"runs", required_argument, NULL, 'n'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int nruns = 10;
    int ch;
    while ((ch = getopt_long(c->argc_cmd, c->argv_cmd, "n:h", opts, NULL)) != -1) {
        if (ch == 'n') {
            if (cli_int_option("--runs", optarg, 1, 1000, &nruns) != 0)
                return EXIT_USAGE;
        } else if (ch == 'h') {
            status_usage(stdout);
            return EXIT_OK;
        } else {
            status_usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind != c->argc_cmd) {
        status_usage(stderr);
        return EXIT_USAGE;
    }
    PGconn *conn = cli_connect(c, DB_ROLE_REPORT);
    if (conn == NULL)
        return cli_connect_failed(c);
    int rc = EXIT_FATAL;
    char limit[16];
    snprintf(limit, sizeof limit, "%d", nruns);
    const char *params[] = {limit};
    PGresult *res = db_query(
        conn,
        "SELECT run_id, kind, status, to_char(started_at, 'YYYY-MM-DD HH24:MI:SS'), "
        "coalesce(to_char(extract(epoch FROM finished_at - started_at), 'FM999990.0') || 's', "
        "'-'), received, loaded, duplicate, superseded, rejected, warnings, failed_sources, "
        "coalesce(message, '') FROM xinyu.run ORDER BY run_id DESC LIMIT $1",
        1, params, PGRES_TUPLES_OK, "cannot read the runs");
    if (res == NULL)
        goto out;
    printf("%6s  %-8s  %-8s  %-19s  %8s  %8s  %8s  %9s  %10s  %8s  %8s\n", "run", "kind", "status",
           "started", "took", "received", "loaded", "duplicate", "superseded", "rejected",
           "warnings");
    for (int i = 0; i < PQntuples(res); i++) {
        printf("%6s  %-8s  %-8s  %-19s  %8s  %8s  %8s  %9s  %10s  %8s  %8s", PQgetvalue(res, i, 0),
               PQgetvalue(res, i, 1), PQgetvalue(res, i, 2), PQgetvalue(res, i, 3),
               PQgetvalue(res, i, 4), PQgetvalue(res, i, 5), PQgetvalue(res, i, 6),
               PQgetvalue(res, i, 7), PQgetvalue(res, i, 8), PQgetvalue(res, i, 9),
               PQgetvalue(res, i, 10));
        if (strcmp(PQgetvalue(res, i, 11), "0") != 0)
            printf("  %s source(s) failed", PQgetvalue(res, i, 11));
        if (*PQgetvalue(res, i, 12) != '\0')
            printf("  %s", show(0, res, i, 12));
        putchar('\n');
    }
    PQclear(res);

    /* not items of any run, so no count above shows them: named here until they are read */
    res = db_query(conn,
                   "SELECT source, path, read_error, read_error_run FROM xinyu.ingest_file "
                   "WHERE done_run IS NULL AND read_error IS NOT NULL ORDER BY source, path",
                   0, NULL, PGRES_TUPLES_OK, "cannot read the work queue");
    if (res == NULL)
        goto out;
    if (PQntuples(res) > 0)
        printf("\nFiles that could not be read (pending, read again by the next run):\n");
    for (int i = 0; i < PQntuples(res); i++)
        printf("  %s: %s: %s (run %s)\n", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
               PQgetvalue(res, i, 2), PQgetvalue(res, i, 3));
    PQclear(res);

    res = db_query(conn,
                   "SELECT max(run_id) FROM xinyu.run WHERE received > 0 OR status = 'running' "
                   "OR run_id IN (SELECT run_id FROM xinyu.run_event)",
                   0, NULL, PGRES_TUPLES_OK, "cannot read the runs");
    if (res == NULL)
        goto out;
    if (PQgetisnull(res, 0, 0)) {
        PQclear(res);
        rc = EXIT_OK;
        goto out;
    }
    char last[24];
    snprintf(last, sizeof last, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    const char *lp[] = {last};
    res = db_query(conn,
                   "SELECT severity, coalesce(source, ''), message FROM xinyu.run_event "
                   "WHERE run_id = $1 ORDER BY at",
                   1, lp, PGRES_TUPLES_OK, "cannot read the run's events");
    if (res == NULL)
        goto out;
    if (PQntuples(res) > 0)
        printf("\nProblems in run %s:\n", last);
    for (int i = 0; i < PQntuples(res); i++)
        printf("  %s: %s: %s\n", show(0, res, i, 0), show(1, res, i, 1), show(2, res, i, 2));
    PQclear(res);
    res =
        db_query(conn,
                 "SELECT ri.ref, coalesce(ri.school_code, '?'), coalesce(ri.period, '?'), "
                 "i.path, i.message FROM xinyu.run_item ri "
                 "JOIN xinyu.submission_issue i ON i.raw_id = ri.raw_id AND i.severity = 'reject' "
                 "WHERE ri.run_id = $1 AND ri.outcome = 'rejected' ORDER BY ri.item_id, i.seq",
                 1, lp, PGRES_TUPLES_OK, "cannot read the rejections");
    if (res == NULL)
        goto out;
    if (PQntuples(res) > 0)
        printf("\nRejected in run %s:\n", last);
    const char *prev = "";
    for (int i = 0; i < PQntuples(res); i++) {
        if (strcmp(prev, PQgetvalue(res, i, 0)) != 0) {
            printf("  %s (school %s, term %s)\n", show(0, res, i, 0), show(1, res, i, 1),
                   show(2, res, i, 2));
            prev = PQgetvalue(res, i, 0);
        }
        const char *path = show(3, res, i, 3);
        printf("      %s%s%s\n", path, *path ? ": " : "", show(4, res, i, 4));
    }
    PQclear(res);
    rc = EXIT_OK;
out:
    for (int k = 0; k < SHOWN_MAX; k++)
        buf_free(&shown[k]);
    PQfinish(conn);
    return rc;
}
