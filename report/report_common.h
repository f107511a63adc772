/*
 * report_common.h - shared by the report jobs inside report/: a scope's targets and SQL
 * arguments, the evaluated indicator rows, output files, lists read through cursors and the
 * stored report of record. The cells of every row follow report/report_cells.h.
 */
#ifndef XINYU_REPORT_COMMON_H
#define XINYU_REPORT_COMMON_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "common/buf.h"
#include "report/report.h"
#include "report/report_cells.h"
#include "report/report_jobs.h"

/* A connection with the report role through ctx; NULL after logging, *rc then the EXIT_*. */
PGconn *report_connect(const struct report_ctx *ctx, int *rc);

/* Loads the targets file of scope: YEAR.json for a year, for a term the year file that lists
 * it. Returns 0 (free t with report_targets_free), 1 when no file lists the term, or -1 after
 * logging (a year without its file, or a malformed file). */
int report_scope_targets(const char *targets_dir, const struct report_scope *scope,
                         struct report_targets *t);

/* The arguments of the SQL report functions for one scope. */
struct report_sql_args {
    buf periods;        /* text[] literal of the scope's terms */
    buf deadlines;      /* date[] literal, one per term (NULL when unknown) */
    buf params;         /* jsonb: term calendar and rule thresholds (shared out for a term) */
    double share;       /* 1 for a year, 1 / terms of the year for a term */
    const char *latest; /* the scope's latest term; points into scope or the targets */
};
/*
 * Whether any school has a loaded submission of the scope's terms (a->periods), read in the
 * caller's snapshot. Returns 1, or 0 after a warning that says what was looked for (the
 * report is then empty), or -1 after logging.
 */
int report_scope_has_data(PGconn *conn, const struct report_scope *scope,
                          const struct report_sql_args *a);
/* Fills a for scope with targets t (NULL: none, a term outside every targets file). Returns 0,
 * or -1 after logging (out of memory; a year scope without targets). Free with
 * report_sql_args_free (accepts NULL) while scope and t still live. */
int report_sql_args_make(const struct report_scope *scope, const struct report_targets *t,
                         struct report_sql_args *a);
void report_sql_args_free(struct report_sql_args *a);
/* Indicator rows of scope from xinyu.indicator_rows, evaluated against t (NULL: no targets)
 * and sorted in report order (report_row_cmp). *rows is malloc'ed; the caller frees it.
 * Returns 0, or -1 after logging. */
int report_rows_fetch(PGconn *conn, const struct report_scope *scope,
                      const struct report_targets *t, const struct report_sql_args *a, bool by_type,
                      struct report_row **rows, size_t *nrows);
/* The same rows, sorted the same way by the server and read one at a time into a new spool
 * (report/report.h), so that neither the result nor the rows are ever whole in memory. The
 * schools' facts kept for the scope are brought up to date first and the rows summed from
 * them (xinyu.indicator_facts_refresh): conn must be in a writable transaction.
 * Returns 0 (the caller frees *spool with report_spool_free), or -1 after logging. */
int report_rows_spool(PGconn *conn, const struct report_scope *scope,
                      const struct report_targets *t, const struct report_sql_args *a, bool by_type,
                      struct report_spool **spool);
/* The order of indicator rows in every report: indicators in the spec's order, all types
 * before each type, the city-wide row before the districts by code. */
int report_row_cmp(const void *a, const void *b);

/* A report file written in pieces that appears whole or not at all (temporary file beside
 * it, renamed by report_file_close, which passes the fault point "report_write" first). Open
 * returns NULL after logging. Put appends len bytes of data; write appends b and empties it;
 * close syncs and renames, discard removes: both free rf and accept NULL (close then fails).
 * Put, write and close return 0, or -1 after logging (close then leaves no file). */
struct report_file;
struct report_file *report_file_open(const char *out_dir, const char *name);
int report_file_put(struct report_file *rf, const char *data, size_t len);
int report_file_write(struct report_file *rf, buf *b);
int report_file_close(struct report_file *rf);
/* report_file_close without the sync: for many small files that the caller makes durable
 * together (util_sync_filesystem) once they are all written. */
int report_file_close_unsynced(struct report_file *rf);
void report_file_discard(struct report_file *rf);

/* A list of a report: the SQL that makes it and its columns, in the result's order. */
struct report_list {
    const char *name; /* JSON key, and the CSV file's suffix with '_' as '-' */
    const char *sql;
    int nparams; /* the SQL's parameters */
    const struct report_column *cols;
    size_t ncols;
};
/* Row i of a list's result as a JSON object (a new reference), the result's fields in the
 * order of the list's columns that are not readable-only; NULL when out of memory or a value
 * is malformed (not logged). */
json_t *report_row_json(const struct report_list *l, const PGresult *res, int i);

/*
 * A list read through a cursor of the report's transaction, 1000 rows at a time
 * (report/report_cursor.c); only the row being read is made a JSON object. Memory holds one
 * chunk as libpq received it, however many schools the list names.
 */
struct report_cursor {
    PGconn *conn;
    const char *name; /* the cursor's */
    const struct report_list *l;
    PGresult *res; /* the chunk fetched last */
    int at;        /* its next row */
    json_t *row;   /* that row as JSON, made by report_cursor_peek */
    bool last;     /* the chunk was the last */
    bool end;
};
/* Declares cursor name for sql (l->nparams params), whose columns are those of l. 0, or -1
 * after logging. */
int report_cursor_open(struct report_cursor *cur, PGconn *conn, const char *name,
                       const struct report_list *l, const char *sql, const char *const *params);
/* The cursor's next row, NULL at the end or after a failure (logged, *rc then -1). The row is
 * borrowed: it is valid until the cursor moves on (report_cursor_next); take a reference to
 * keep it. */
json_t *report_cursor_peek(struct report_cursor *cur, int *rc);
void report_cursor_next(struct report_cursor *cur);
/* Releases what the cursor holds; the cursor itself ends with the transaction. */
void report_cursor_free(struct report_cursor *cur);

/*
 * A list read on a connection of its own in the snapshot of conn's transaction (exported with
 * pg_export_snapshot), by a thread, while conn goes on with the report's other lists: on two
 * cores a list that depends on nothing the report's transaction writes need not wait for
 * them (report/report_side.c). report_side_start returns NULL when the list cannot be read
 * aside (no thread, no snapshot; the caller reads it on conn), report_side_finish waits for
 * the rows: the result (the caller's to PQclear), or NULL after the thread logged why. Every
 * started list is finished, before conn's transaction ends. prepare, when not NULL, is a
 * statement on the list's first two parameters run before it, in a transaction of that
 * snapshot that may write and commits on its own (the nightly run brings kept rows up to date
 * with it: they follow from what they were computed from, whichever transaction ends first).
 */
struct report_side;
/*
 * A latch a side list waits at before it connects: opened by whichever of the report's other
 * lanes first has a core to spare (the nightly run: its indicators' thread when it ends, the
 * quality report once it has recorded what it found), so that on two cores the list fills the
 * time one lane spends alone instead of taking a core from two busy ones. Opening it twice
 * is harmless; report_side_finish opens it.
 */
struct report_gate {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool open;
};
void report_gate_init(struct report_gate *g);
void report_gate_open(struct report_gate *g);
void report_gate_destroy(struct report_gate *g);
/* gate NULL: the list is read at once */
struct report_side *report_side_start(const struct report_ctx *ctx, PGconn *conn,
                                      const struct report_list *l, const char *const *params,
                                      const char *prepare, struct report_gate *gate);
PGresult *report_side_finish(struct report_side *s);

/*
 * Stores a rendered report in xinyu.report as the report of record (report/report_store.c).
 * With a label it is published: frozen, with inputs_sha256 = xinyu.inputs_sha256(periods_
 * literal). targets_hex may be NULL. Returns EXIT_OK; EXIT_USAGE when the label is taken;
 * EXIT_FATAL; after logging.
 */
int report_store(PGconn *conn, const char *kind, const char *scope_json, const char *document,
                 const char *targets_hex, const char *periods_literal, const char *label);
/*
 * The same, with the document streamed in while it is rendered (COPY ... FROM STDIN), so that
 * it is never whole in memory. begin takes the inputs' fingerprint (with a label) and starts
 * the COPY; it returns NULL after logging. report_store_write is a report_sink write function
 * (ctx: the store) for the document's bytes. end finishes the COPY when commit is true and
 * abandons it otherwise (nothing stored), frees the store and returns as report_store does
 * (EXIT_FATAL when abandoned). Nothing else may use the connection in between.
 */
struct report_store;
struct report_store *report_store_begin(PGconn *conn, const char *kind, const char *scope_json,
                                        const char *targets_hex, const char *periods_literal,
                                        const char *label);
int report_store_write(void *ctx, const char *data, size_t len);
int report_store_end(struct report_store *st, bool commit);

#endif
