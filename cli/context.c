/* context.c - finding the database, run records, the run lock and small option helpers. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/db.h"
#include "common/log.h"
#include "common/util.h"

int cli_int_option(const char *name, const char *value, int min, int max, int *out)
{
    if (util_parse_int(value, min, max, out) != 0) {
        log_error("%s must be a whole number from %d to %d, not \"%s\"", name, min, max, value);
        return -1;
    }
    return 0;
}

int cli_cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : (int)(n > 256 ? 256 : n);
}

int cli_resolve_db(struct cli *c)
{
    if (c->resolved)
        return 0;
    const char *given = c->db_option ? c->db_option : c->conf.database;
    if (given != NULL && db_conninfo_has_password(given)) {
        log_error_detail("a database password was given in the connection string",
                         c->db_option ? "Options are visible to every user of the machine in the "
                                        "process list, and are kept in the run record."
                                      : "The configuration file is no place for secrets.",
                         "Use PGPASSWORD, a passfile (passfile=...) or ~/.pgpass instead.");
        return EXIT_USAGE;
    }
    if (given != NULL) {
        if (util_strlcpy(c->conninfo, given, sizeof c->conninfo) != 0) {
            log_error("the connection string is too long");
            return EXIT_USAGE;
        }
    } else if (db_env_configured()) {
        c->conninfo[0] = '\0'; /* libpq reads DATABASE_URL (through db_connect) and PG* */
    } else if (db_embedded_start(c->conf.var_dir, c->conninfo, sizeof c->conninfo) != 0) {
        return EXIT_FATAL;
    }
    PGconn *conn = db_connect(c->conninfo, NULL);
    if (conn == NULL)
        return EXIT_FATAL;
    int ready = db_schema_ready(conn);
    int rc = 0;
    if (ready < 0)
        rc = EXIT_FATAL;
    else if (ready == 0 && db_migrate(conn) != 0) {
        log_error_detail("cannot bring the database schema up to date", NULL,
                         "Run \"xinyu db migrate\" as the database owner.");
        rc = EXIT_FATAL;
    }
    PQfinish(conn);
    if (rc == 0)
        c->resolved = true;
    return rc;
}

PGconn *cli_connect(struct cli *c, const char *role)
{
    if (!c->resolved) {
        c->resolve_rc = cli_resolve_db(c);
        if (c->resolve_rc != 0)
            return NULL;
    }
    return db_connect(c->conninfo, role);
}

int64_t cli_run_begin(PGconn *conn, const char *kind, const struct cli *c)
{
    char host[256] = "";
    if (gethostname(host, sizeof host - 1) != 0)
        util_strlcpy(host, "unknown", sizeof host);
    char pid[24];
    snprintf(pid, sizeof pid, "%ld", (long)getpid());
    const char *params[] = {kind, host, pid, c->args_text};
    PGresult *res =
        db_query(conn,
                 "INSERT INTO xinyu.run (kind, host, pid, args) VALUES ($1, $2, $3, $4) "
                 "RETURNING run_id",
                 4, params, PGRES_TUPLES_OK, "cannot record the run");
    if (res == NULL)
        return -1;
    int64_t id = -1;
    if (util_parse_int64(PQgetvalue(res, 0, 0), 1, INT64_MAX, &id) != 0)
        id = -1;
    PQclear(res);
    return id;
}

int cli_run_finish(PGconn *conn, int64_t run_id, const char *status, const char *message,
                   int failed_sources, const char *timings_json)
{
    char id[24], failed[16];
    snprintf(id, sizeof id, "%" PRId64, run_id);
    snprintf(failed, sizeof failed, "%d", failed_sources);
    const char *params[] = {id, status, message, failed, timings_json};
    PGresult *res = db_query(conn, "SELECT xinyu.run_finish($1, $2, $3, $4, $5)", 5, params,
                             PGRES_TUPLES_OK, "cannot close the run record");
    if (res == NULL)
        return -1;
    PQclear(res);
    return 0;
}

void cli_run_event(PGconn *conn, int64_t run_id, const char *source, const char *severity,
                   const char *message)
{
    if (run_id <= 0)
        return;
    char id[24];
    snprintf(id, sizeof id, "%" PRId64, run_id);
    const char *params[] = {id, source, severity, message};
    PGresult *res = db_query(conn,
                             "INSERT INTO xinyu.run_event (run_id, source, severity, message) "
                             "VALUES ($1, $2, $3, $4)",
                             4, params, PGRES_COMMAND_OK, "cannot record a run event");
    PQclear(res);
}

int cli_take_run_lock(PGconn *conn, bool shared)
{
    int got = db_try_lock(conn, DB_LOCK_RUN, shared);
    if (got < 0)
        return EXIT_FATAL;
    if (got == 1)
        return 0;
    char detail[512] = "Another process holds the run lock.";
    PGresult *res = db_query(conn,
                             "SELECT run_id, kind, host, pid, to_char(started_at, "
                             "'YYYY-MM-DD HH24:MI:SS') FROM xinyu.run WHERE status = 'running' "
                             "ORDER BY run_id DESC LIMIT 1",
                             0, NULL, PGRES_TUPLES_OK, "cannot look up the running run");
    if (res != NULL && PQntuples(res) == 1) {
        snprintf(detail, sizeof detail,
                 "Run %s (%s) on host %s, process %s, started %s, holds the run lock.",
                 PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2),
                 PQgetvalue(res, 0, 3), PQgetvalue(res, 0, 4));
    }
    PQclear(res);
    log_error_detail("another run is in progress", detail,
                     shared ? "Wait until it finishes; several \"xinyu ingest\" processes may run "
                              "together, but not beside \"xinyu run\"."
                            : "Wait until it finishes, or stop it; two runs never overlap.");
    return EXIT_FATAL;
}

int cli_connect_failed(const struct cli *c)
{
    return c->resolve_rc != 0 ? c->resolve_rc : EXIT_FATAL;
}

void cli_disconnect(PGconn *conn)
{
    if (conn == NULL)
        return;
    /* a backend drops its locks only as it exits, after the client is gone: release them
     * now so that the next run, started right after this one, finds the lock free */
    if (PQstatus(conn) == CONNECTION_OK && PQtransactionStatus(conn) == PQTRANS_IDLE)
        db_exec(conn, "SELECT pg_advisory_unlock_all()", "cannot release the run lock");
    PQfinish(conn);
}
