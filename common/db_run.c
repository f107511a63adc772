/* db_run.c - run records: a run's row, its events and its end, and the run lock. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/db.h"
#include "common/log.h"
#include "common/util.h"

int64_t db_run_begin(PGconn *conn, const char *kind, const char *args_text)
{
    char host[256] = "";
    if (gethostname(host, sizeof host - 1) != 0)
        util_strlcpy(host, "unknown", sizeof host);
    char pid[24];
    snprintf(pid, sizeof pid, "%ld", (long)getpid());
    const char *params[] = {kind, host, pid, args_text != NULL ? args_text : ""};
    /* the record, and the lock that says the run lives while this session does */
    PGresult *res = db_query(conn, "SELECT xinyu.run_begin($1, $2, $3, $4)", 4, params,
                             PGRES_TUPLES_OK, "cannot record the run");
    if (res == NULL)
        return -1;
    int64_t id = -1;
    if (util_parse_int64(PQgetvalue(res, 0, 0), 1, INT64_MAX, &id) != 0)
        id = -1;
    PQclear(res);
    return id;
}

int db_run_finish(PGconn *conn, int64_t run_id, const char *status, const char *message,
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

void db_run_event(PGconn *conn, int64_t run_id, const char *source, const char *severity,
                  const char *message, const char *message_zh)
{
    if (run_id <= 0)
        return;
    char id[24];
    snprintf(id, sizeof id, "%" PRId64, run_id);
    const char *params[] = {id, source, severity, message, message_zh};
    PGresult *res = db_query(conn,
                             "INSERT INTO xinyu.run_event (run_id, source, severity, message, "
                             "message_zh) VALUES ($1, $2, $3, $4, $5)",
                             5, params, PGRES_COMMAND_OK, "cannot record a run event");
    PQclear(res);
}

void db_run_reap(PGconn *conn)
{
    db_exec(conn, "SELECT xinyu.run_reap()", "cannot close dead runs");
}

int db_run_take_lock(PGconn *conn, bool shared)
{
    int got = db_try_lock(conn, DB_LOCK_RUN, shared);
    if (got < 0)
        return -1;
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
    return -1;
}

void db_run_disconnect(PGconn *conn)
{
    if (conn == NULL)
        return;
    /* a backend drops its locks only as it exits, after the client is gone: release them
     * now so that the next run, started right after this one, finds the lock free */
    if (PQstatus(conn) == CONNECTION_OK && PQtransactionStatus(conn) == PQTRANS_IDLE)
        db_exec(conn, "SELECT pg_advisory_unlock_all()", "cannot release the run lock");
    PQfinish(conn);
}
