/* db.h - PostgreSQL connections, checked queries, COPY, migrations and the embedded server. */
#ifndef XINYU_DB_H
#define XINYU_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "common/buf.h"

/* A file of sql/ compiled into the binary (scripts/embed.c makes the tables). */
struct db_migration {
    const char *name; /* "001_schema.sql" or "indicators.sql"; NULL ends the table */
    const char *sql;
};
/* sql/schema/NNN_*.sql in order: applied once each, never edited once applied. */
extern const struct db_migration db_migrations[];
/* sql/functions/NAME.sql in name order: the one current definition of each function family,
 * applied again whenever its text changes. */
extern const struct db_migration db_function_sets[];

/* A migration as recorded before the schema/functions layout (sql/schema/legacy.sha256). */
struct db_legacy_migration {
    int version; /* 0 ends the table */
    const char *sha256;
    const char *name;
};
extern const struct db_legacy_migration db_legacy_migrations[];

/* Least-privilege roles of sql/schema/002_roles.sql. */
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

/* What the server allows: its max_connections, the slots reserved for superusers (and for
 * pg_use_reserved_connections) and the client connections open now, this one included. */
struct db_connection_limits {
    int max_connections;
    int reserved;
    int in_use;
};

/* How many more connections the server would take now (never negative), with the figures
 * in *limits; others may take them first. Returns -1 after logging. */
int db_connection_room(PGconn *conn, struct db_connection_limits *limits);

/* COPY table FROM STDIN (text format) with the buffer's rows. Returns 0, or -1 after logging. */
int db_copy_in(PGconn *conn, const char *copy_sql, const buf *rows);

/* The same in pieces, for rows made as they are read: db_copy_begin, then db_copy_put for
 * each piece of whole rows, then db_copy_end (ok false aborts the COPY, which then fails).
 * Each returns 0, or -1 after logging; after a failure the caller still calls db_copy_end. */
int db_copy_begin(PGconn *conn, const char *copy_sql);
int db_copy_put(PGconn *conn, const char *data, size_t len);
int db_copy_end(PGconn *conn, bool ok);

/*
 * Brings the schema up to date under an advisory lock, so that concurrent callers wait:
 * checks that every recorded schema migration is the one this binary carries (an applied
 * migration that was edited since is an error), applies the schema migrations not yet
 * recorded, each in its own transaction, then every function file whose text differs from
 * the one last applied. Returns 0, or -1 after logging why.
 */
int db_migrate(PGconn *conn);
/* 1 when every schema migration and the current text of every function file is applied,
 * 0 when something is missing or stale, -1 on error. */
int db_schema_ready(PGconn *conn);

/*
 * Run records (common/db_run.c), for every stage that runs under one. db_run_begin creates
 * a run record in the caller's transaction (committed at once outside one) with the command
 * line args_text (NULL: none), and conn's session holds the run's lock until it ends (the
 * sign that the run lives, for db_run_reap); returns its id, or -1 after logging.
 */
int64_t db_run_begin(PGconn *conn, const char *kind, const char *args_text);
/* Closes the run with the counts of its items: made by xinyu.run_finish, or those
 * xinyu.run_count kept when no item could be added any more. Returns 0 or -1. */
int db_run_finish(PGconn *conn, int64_t run_id, const char *status, const char *message,
                  int failed_sources, const char *timings_json);
/* Records a run event (nothing when run_id <= 0): message in English (as logged), message_zh
 * in Chinese for `status` and the reports (NULL: none). Never fails the caller: errors are
 * logged. */
void db_run_event(PGconn *conn, int64_t run_id, const char *source, const char *severity,
                  const char *message, const char *message_zh);
/* Closes the records of runs whose process is gone (xinyu.run_reap); errors are logged. */
void db_run_reap(PGconn *conn);
/* Takes the run lock (shared for ingest, exclusive for run); when another run holds it the
 * error names that run. Returns 0, or -1 after logging. */
int db_run_take_lock(PGconn *conn, bool shared);
/* Releases the run lock and closes the connection; accepts NULL. */
void db_run_disconnect(PGconn *conn);

/* Advisory lock keys (first int4 of the two-key form). DB_LOCK_REGISTRY is taken by the SQL
 * alone, for the transaction that applies a registry (functions/registry.sql:
 * xinyu.registry_apply). The SQL takes two classes of its own: DB_LOCK_CLASS + 1, a school
 * term's merge (functions/merge.sql), and DB_LOCK_CLASS + 2, a run's, held by its session
 * while it is open (functions/runs.sql: xinyu.run_begin). */
#define DB_LOCK_CLASS 0x58594e /* "XYN" */
enum db_lock { DB_LOCK_MIGRATE = 1, DB_LOCK_RUN = 2, DB_LOCK_REGISTRY = 3, DB_LOCK_REMIND = 4 };

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

/* True when conninfo (key/value or URI form) may carry a password: as libpq reads it, and
 * also where libpq would read it as something else or cannot read the string at all. */
bool db_conninfo_has_password(const char *conninfo);

/*
 * Writes message into out (emptied first) with every part of conninfo's password replaced
 * by "***": the password as written and as decoded, and every quoted token ("...") that
 * was taken from where a password is written, as libpq's messages quote what they could
 * not read. conninfo may be NULL (message is copied). Returns 0, or -1 out of memory (out
 * then holds a part of the result; print nothing of it).
 */
int db_scrub_password(const char *conninfo, const char *message, buf *out);

/* True when the environment names a database (DATABASE_URL or PGHOST/PGDATABASE/PGSERVICE...). */
bool db_env_configured(void);

#endif
