/* db.h - PostgreSQL connections, checked queries, COPY, migrations and the embedded server. */
#ifndef XINYU_DB_H
#define XINYU_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "common/buf.h"

/* A migration compiled into the binary (scripts/embed.c makes the table from sql/). */
struct db_migration {
    const char *name; /* "001_schema.sql"; NULL ends the table */
    const char *sql;
};
extern const struct db_migration db_migrations[];

/* Least-privilege roles of sql/002_roles.sql. */
#define DB_ROLE_INGEST "xinyu_ingest"
#define DB_ROLE_REPORT "xinyu_report"

/*
 * Opens a connection. conninfo may be NULL or "" (libpq then uses the PG* variables)
 * or a connection string or URI. role, when not NULL, is taken with SET ROLE so that
 * the stage runs with only that role's rights. Sets the search path to xinyu and
 * the time zone to UTC+8 (the bureau's). Returns the connection, or NULL after
 * logging why; the caller closes it with PQfinish.
 */
PGconn *db_connect(const char *conninfo, const char *role);

/* Runs a statement without parameters expecting status (PGRES_COMMAND_OK or
 * PGRES_TUPLES_OK). Returns 0, or -1 after logging the server's message with what. */
int db_exec(PGconn *conn, const char *sql, const char *what);

/*
 * Starts the transaction that everything one report reads is read in: REPEATABLE READ, so
 * that every statement sees the same snapshot (taken by the first), whatever ingest commits
 * meanwhile; READ ONLY when the report stores nothing. Returns 0, or -1 after logging.
 */
int db_begin_snapshot(PGconn *conn, bool read_only, const char *what);

/* The same with text parameters; returns the result (caller PQclears) or NULL after logging. */
PGresult *db_query(PGconn *conn, const char *sql, int nparams, const char *const *params,
                   ExecStatusType expect, const char *what);

/* Logs a failed result: message, then the server's detail and hint. */
void db_log_result(const PGresult *res, const char *what);

/* COPY table FROM STDIN (text format) with the buffer's rows. Returns 0, or -1 after logging. */
int db_copy_in(PGconn *conn, const char *copy_sql, const buf *rows);

/* The same in pieces, for rows made as they are read: db_copy_begin, then db_copy_put for
 * each piece of whole rows, then db_copy_end (ok false aborts the COPY, which then fails).
 * Each returns 0, or -1 after logging; after a failure the caller still calls db_copy_end. */
int db_copy_begin(PGconn *conn, const char *copy_sql);
int db_copy_put(PGconn *conn, const char *data, size_t len);
int db_copy_end(PGconn *conn, bool ok);

/* Applies the embedded migrations not yet recorded, each in its own transaction,
 * under an advisory lock so that concurrent callers wait. Returns 0 or -1. */
int db_migrate(PGconn *conn);
/* 1 when every embedded migration is applied, 0 when some are missing, -1 on error. */
int db_schema_ready(PGconn *conn);

/* Advisory lock keys (first int4 of the two-key form). */
#define DB_LOCK_CLASS 0x58594e /* "XYN" */
enum db_lock { DB_LOCK_MIGRATE = 1, DB_LOCK_RUN = 2, DB_LOCK_REGISTRY = 3 };

/* pg_try_advisory_lock(_shared). Returns 1 taken, 0 held by someone else, -1 error. */
int db_try_lock(PGconn *conn, enum db_lock lock, bool shared);

/*
 * The embedded server under var_dir (var/pg/data, socket in var/pg/run), used when no
 * database is configured. db_embedded_start initdb's once, starts the server if it is
 * not running (as the 'postgres' user when run as root), creates the xinyu database and
 * writes its connection string into conninfo. Returns 0, or -1 after logging why.
 */
int db_embedded_start(const char *var_dir, char *conninfo, size_t conninfo_len);
int db_embedded_stop(const char *var_dir);
/* 1 when the embedded server of var_dir is running, 0 when not. */
int db_embedded_running(const char *var_dir);

/* True when the environment names a database (DATABASE_URL or PGHOST/PGDATABASE/PGSERVICE...). */
bool db_env_configured(void);

#endif
