/* db.c - PostgreSQL connections, checked queries and COPY. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/log.h"
#include "common/util.h"

bool db_env_configured(void)
{
    static const char *const names[] = {"DATABASE_URL", "PGHOST",    "PGHOSTADDR",
                                        "PGDATABASE",   "PGSERVICE", "PGPORT"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *v = getenv(names[i]);
        if (v != NULL && *v != '\0')
            return true;
    }
    return false;
}

void db_log_result(const PGresult *res, const char *what)
{
    char message[512];
    const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (primary == NULL && res != NULL)
        primary = PQresultErrorMessage(res);
    if (primary == NULL || *primary == '\0')
        primary = "no result from the server";
    snprintf(message, sizeof message, "%s: %s", what, primary);
    size_t n = strlen(message);
    while (n > 0 && message[n - 1] == '\n')
        message[--n] = '\0';
    log_error_detail(message, res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL,
                     res ? PQresultErrorField(res, PG_DIAG_MESSAGE_HINT) : NULL);
}

int db_exec(PGconn *conn, const char *sql, const char *what)
{
    PGresult *res = PQexec(conn, sql);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        if (res == NULL)
            log_error("%s: %s", what, PQerrorMessage(conn));
        else
            db_log_result(res, what);
        PQclear(res);
        return -1;
    }
    PQclear(res);
    return 0;
}

int db_begin_snapshot(PGconn *conn, bool read_only, const char *what)
{
    return db_exec(conn,
                   read_only ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
                             : "BEGIN ISOLATION LEVEL REPEATABLE READ",
                   what);
}

PGresult *db_query(PGconn *conn, const char *sql, int nparams, const char *const *params,
                   ExecStatusType expect, const char *what)
{
    PGresult *res = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != expect) {
        if (res == NULL)
            log_error("%s: %s", what, PQerrorMessage(conn));
        else
            db_log_result(res, what);
        PQclear(res);
        return NULL;
    }
    return res;
}

PGconn *db_connect(const char *conninfo, const char *role)
{
    if (conninfo == NULL || *conninfo == '\0')
        conninfo = getenv("DATABASE_URL");
    const char *keywords[] = {"dbname", "fallback_application_name", NULL};
    const char *values[] = {conninfo ? conninfo : "", "xinyu", NULL};
    PGconn *conn = PQconnectdbParams(keywords, values, 1);
    if (conn == NULL) {
        log_error("cannot connect to the database: out of memory");
        return NULL;
    }
    if (PQstatus(conn) != CONNECTION_OK) {
        /* libpq quotes what it cannot read, a mistyped password included: never print it */
        buf scrubbed = BUF_INIT;
        int scrub_rc = db_scrub_password(conninfo, PQerrorMessage(conn), &scrubbed);
        char message[512];
        snprintf(message, sizeof message, "cannot connect to the database: %s",
                 scrub_rc == 0 && scrubbed.data != NULL
                     ? scrubbed.data
                     : "(the reason is not shown: out of memory while hiding the password)");
        buf_free(&scrubbed);
        size_t n = strlen(message);
        while (n > 0 && message[n - 1] == '\n')
            message[--n] = '\0';
        log_error_detail(message, NULL,
                         "Check --db, DATABASE_URL or the PG* variables, or leave them all unset "
                         "to use the embedded server under var/.");
        PQfinish(conn);
        return NULL;
    }
    /* jit off: each batch's merge is planned anew, and compiling it cost more server time
     * than it saved (about half of it in the benchmark, docs/BENCHMARK.md) */
    if (db_exec(conn,
                "SET search_path = xinyu, pg_catalog; SET TIME ZONE 'Asia/Shanghai'; "
                "SET DateStyle = ISO; SET jit = off",
                "cannot prepare the session") != 0) {
        PQfinish(conn);
        return NULL;
    }
    if (role != NULL) {
        /* role is one of the compiled-in names, never input */
        char sql[128];
        snprintf(sql, sizeof sql, "SET ROLE %s", role);
        if (db_exec(conn, sql, "cannot take the least-privilege role") != 0) {
            log_error_detail("the database login cannot act as the stage's role",
                             "Every stage runs with its own role's rights only.",
                             "Grant the role to the login (GRANT xinyu_ingest, xinyu_report TO "
                             "login) or run \"xinyu db migrate\" as the owner.");
            PQfinish(conn);
            return NULL;
        }
    }
    return conn;
}

int db_connection_room(PGconn *conn, struct db_connection_limits *limits)
{
    /* reserved_connections (PostgreSQL 16) may be missing: current_setting(..., true) is
     * NULL then. Other roles' sessions are listed to everyone but without their
     * backend_type: a session with a database and a user counts unless it is known to be
     * something else (an autovacuum worker may count too: erring low is safe) */
    PGresult *res =
        db_query(conn,
                 "SELECT current_setting('max_connections')::integer, "
                 "current_setting('superuser_reserved_connections')::integer "
                 "+ coalesce(current_setting('reserved_connections', true)::integer, 0), "
                 "(SELECT count(*) FROM pg_catalog.pg_stat_activity "
                 "WHERE datid IS NOT NULL AND usesysid IS NOT NULL "
                 "AND coalesce(backend_type, 'client backend') = 'client backend')::integer",
                 0, NULL, PGRES_TUPLES_OK, "cannot read the server's connection limit");
    if (res == NULL)
        return -1;
    int rc = 0;
    if (util_parse_int(PQgetvalue(res, 0, 0), 0, INT_MAX, &limits->max_connections) != 0 ||
        util_parse_int(PQgetvalue(res, 0, 1), 0, INT_MAX, &limits->reserved) != 0 ||
        util_parse_int(PQgetvalue(res, 0, 2), 0, INT_MAX, &limits->in_use) != 0) {
        log_error("cannot read the server's connection limit: unexpected values");
        rc = -1;
    }
    PQclear(res);
    if (rc != 0)
        return -1;
    long room = (long)limits->max_connections - limits->reserved - limits->in_use;
    return room < 0 ? 0 : (int)room;
}

int db_copy_begin(PGconn *conn, const char *copy_sql)
{
    PGresult *res = PQexec(conn, copy_sql);
    int rc = 0;
    if (PQresultStatus(res) != PGRES_COPY_IN) {
        db_log_result(res, "cannot start COPY");
        rc = -1;
    }
    PQclear(res);
    return rc;
}

int db_copy_put(PGconn *conn, const char *data, size_t len)
{
    /* libpq buffers internally; feeding 1 MiB at a time keeps each call bounded */
    for (size_t off = 0; off < len;) {
        size_t n = len - off;
        if (n > (1u << 20))
            n = 1u << 20;
        if (PQputCopyData(conn, data + off, (int)n) <= 0) {
            log_error("COPY failed: %s", PQerrorMessage(conn));
            return -1;
        }
        off += n;
    }
    return 0;
}

int db_copy_end(PGconn *conn, bool ok)
{
    int rc = ok ? 0 : -1;
    if (PQputCopyEnd(conn, ok ? NULL : "client error") <= 0) {
        log_error("COPY failed: %s", PQerrorMessage(conn));
        rc = -1;
    }
    PGresult *res;
    while ((res = PQgetResult(conn)) != NULL) {
        /* an aborted COPY fails as asked: that is not news */
        if (PQresultStatus(res) != PGRES_COMMAND_OK && ok) {
            db_log_result(res, "COPY failed");
            rc = -1;
        }
        PQclear(res);
    }
    return rc;
}

int db_copy_in(PGconn *conn, const char *copy_sql, const buf *rows)
{
    if (db_copy_begin(conn, copy_sql) != 0)
        return -1;
    bool ok = db_copy_put(conn, rows->data, rows->len) == 0;
    return db_copy_end(conn, ok) == 0 && ok ? 0 : -1;
}

int db_try_lock(PGconn *conn, enum db_lock lock, bool shared)
{
    char k1[16], k2[16];
    snprintf(k1, sizeof k1, "%d", DB_LOCK_CLASS);
    snprintf(k2, sizeof k2, "%d", (int)lock);
    const char *params[] = {k1, k2};
    PGresult *res = db_query(conn,
                             shared ? "SELECT pg_try_advisory_lock_shared($1::int, $2::int)"
                                    : "SELECT pg_try_advisory_lock($1::int, $2::int)",
                             2, params, PGRES_TUPLES_OK, "cannot take the run lock");
    if (res == NULL)
        return -1;
    int taken = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    return taken;
}
