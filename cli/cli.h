/* cli.h - the xinyu command: shared context of the subcommands and the run driver. */
#ifndef XINYU_CLI_H
#define XINYU_CLI_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "common/buf.h"
#include "common/conf.h"
#include "transform/xform_load.h"

/* Exit codes (ARCHITECTURE.md). */
enum {
    EXIT_OK = 0,      /* all good */
    EXIT_PARTIAL = 1, /* finished, but some items were rejected or a source failed */
    EXIT_USAGE = 2,   /* usage or configuration error */
    EXIT_FATAL = 3    /* database unreachable, lock held, I/O error */
};

struct cli {
    struct conf conf;
    char *db_option;     /* --db, overrides everything */
    char conninfo[1024]; /* resolved connection string ("" = libpq's environment) */
    bool resolved;
    int resolve_rc; /* why the database could not be resolved (EXIT_*), 0 if it was */
    int argc_cmd;   /* the subcommand's arguments */
    char **argv_cmd;
    char args_text[512]; /* the command line for the run record (no secrets are ever options) */
};

/* Set by SIGINT/SIGTERM: stop after the current transaction. */
extern volatile sig_atomic_t cli_stop_requested;

/* Finds the database: --db, the config's "database", DATABASE_URL/PG*, else the
 * embedded server (started on demand). Applies missing migrations. Returns 0 or EXIT_*. */
int cli_resolve_db(struct cli *c);
/* Opens a connection with the given role (NULL: the login's own rights). NULL after logging. */
PGconn *cli_connect(struct cli *c, const char *role);

/* Creates a run record and commits it; returns its id, or -1 after logging. */
int64_t cli_run_begin(PGconn *conn, const char *kind, const struct cli *c);
/* Closes it with counts made from its items. Returns 0 or -1. */
int cli_run_finish(PGconn *conn, int64_t run_id, const char *status, const char *message,
                   int failed_sources, const char *timings_json);
/* Takes the run lock (exclusive for run, shared for ingest); on failure names the holder.
 * Returns 0, or EXIT_FATAL after logging. */
int cli_take_run_lock(PGconn *conn, bool shared);
/* The exit code after cli_connect returned NULL: a usage error or EXIT_FATAL. */
int cli_connect_failed(const struct cli *c);
/* Releases the run lock and closes the connection; accepts NULL. */
void cli_disconnect(PGconn *conn);
/* Records a run event. Never fails the caller (errors are logged). */
void cli_run_event(PGconn *conn, int64_t run_id, const char *source, const char *severity,
                   const char *message);

/* Options of one ingest pass. */
struct pipeline_opts {
    const char *only_source; /* NULL: every configured source */
    int jobs;                /* worker threads, >= 1 */
    bool dry_run;            /* everything in one transaction, rolled back */
    bool quiet;
};

/* Ingests every (or the named) source. Adds to counts; sets *failed_sources.
 * Returns 0, or -1 on a fatal error (database gone, I/O error) after logging. */
int pipeline_ingest(struct cli *c, PGconn *main_conn, int64_t run_id, const struct pipeline_opts *o,
                    struct xf_counts *counts, int *failed_sources);

/*
 * Ingests one http source page by page on conn (staging tables created), each page's
 * submissions and its cursor in one transaction (none in a dry run: the caller rolls
 * back). Adds to counts. Returns 0; -1 when the source failed (recorded as a run event;
 * the run goes on); -2 on a database failure, after logging (fatal).
 */
int pipeline_http_source(struct cli *c, PGconn *conn, int64_t run_id, const struct conf_source *s,
                         const struct pipeline_opts *o, struct xf_counts *counts);

/* Loads the registry file into the database (owner rights). Returns 0 or EXIT_*. */
int registry_load(struct cli *c, PGconn *conn, const char *path, int64_t run_id, bool force);

/* Report scope: a review year, or one term. */
struct report_scope {
    int year;           /* > 0 for a year report */
    const char *period; /* non-NULL for a term report */
};
/* Writes the indicator reports of scope in the formats list into out_dir. Returns 0 or EXIT_*. */
int report_indicators_write(struct cli *c, PGconn *conn, const struct report_scope *scope,
                            const char *formats, const char *out_dir, bool by_type);
/*
 * report_indicators_write for "xinyu run": skipped when the report's files and the stamp
 * beside them (out_dir/.indicators-SCOPE.inputs) show it was written from the same
 * submissions, registry, targets, settings and program (cli/report_fresh.c).
 */
int report_indicators_if_changed(struct cli *c, PGconn *conn, const struct report_scope *s,
                                 const char *formats, const char *out_dir, bool by_type);
/* The terms of a review year, from its targets file; *periods is a malloc'ed array of
 * malloc'ed strings the caller frees. Returns their number, or -1 after logging. */
int report_year_periods(const struct cli *c, int year, char ***periods);
/* The years with a targets file in the targets directory (ascending); caller frees. */
int report_years(const struct cli *c, int **years);

/*
 * Shared by the report commands (cli/report_common.c): a scope's targets and SQL arguments,
 * the evaluated indicator rows, output files and the CSV and JSON conventions of
 * report/report_render.c (UTF-8 BOM, bilingual header, CRLF; 15 significant digits).
 */
struct report_targets;
struct report_row;
struct report_spool;
struct json_t;

/* Loads the targets file of scope: YEAR.json for a year, for a term the year file that lists
 * it. Returns 0 (free t with report_targets_free), 1 when no file lists the term, or -1 after
 * logging (a year without its file, or a malformed file). */
int report_scope_targets(const struct cli *c, const struct report_scope *scope,
                         struct report_targets *t);

/* The arguments of the SQL report functions for one scope. */
struct report_sql_args {
    buf periods;        /* text[] literal of the scope's terms */
    buf deadlines;      /* date[] literal, one per term (NULL when unknown) */
    buf params;         /* jsonb: term calendar and rule thresholds (shared out for a term) */
    double share;       /* 1 for a year, 1 / terms of the year for a term */
    const char *latest; /* the scope's latest term; points into scope or the targets */
};
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
 * (report/report.h), so that neither the result nor the rows are ever whole in memory.
 * Returns 0 (the caller frees *spool with report_spool_free), or -1 after logging. */
int report_rows_spool(PGconn *conn, const struct report_scope *scope,
                      const struct report_targets *t, const struct report_sql_args *a, bool by_type,
                      struct report_spool **spool);
/* The order of indicator rows in every report: indicators in the spec's order, all types
 * before each type, the city-wide row before the districts by code. */
int report_row_cmp(const void *a, const void *b);

/* True when the comma-separated list names fmt. */
bool report_has_format(const char *list, const char *fmt);
/* 0 when every format of list is in allowed (both comma-separated), else -1 after logging. */
int report_check_formats(const char *list, const char *allowed);
/* 0 for "zh" or "en", else -1 after logging. */
int report_check_lang(const char *lang);
/* Writes b to out_dir/name atomically. Returns 0, or -1 after logging. */
int report_write_output(const char *out_dir, const char *name, const buf *b);

/* A report file written in pieces that appears whole or not at all (temporary file beside
 * it, renamed by report_file_close). Open returns NULL after logging. Write appends b and
 * empties it; close syncs and renames, discard removes: both free rf and accept NULL (close
 * then fails). Write and close return 0, or -1 after logging (close then leaves no file). */
struct report_file;
struct report_file *report_file_open(const char *out_dir, const char *name);
int report_file_write(struct report_file *rf, buf *b);
int report_file_close(struct report_file *rf);
void report_file_discard(struct report_file *rf);

/* Appends the BOM and the header row (each header "中文 english"). 0, or -1 out of memory. */
int report_csv_header(buf *out, const char *const *headers, size_t n);
/* Appends one CSV line with the values of obj's keys in order (null empty, strings quoted as
 * needed, numbers as in the JSON). 0, or -1 out of memory or a number that does not fit. */
int report_csv_json_line(buf *out, const struct json_t *obj, const char *const *keys, size_t n);
/* A JSON value for a result cell: type 't' text, 'i' integer, 'c' count (integral as an
 * integer, else a real), 'r' real, 'b' boolean; SQL NULL is null. New reference, or NULL when
 * the cell is not of the type or memory ran out. */
struct json_t *report_json_cell(const PGresult *res, int row, int col, char type);
/* Appends json_dumps(v, flags) to out. Returns 0, or -1 (out then as before). */
int report_json_append(buf *out, const struct json_t *v, size_t flags);
/* Appends a whole document as report_render_json writes one (indent 2, key order kept, 15
 * digits) and a newline. Returns 0, or -1 (out then as before). */
int report_json_dump(const struct json_t *doc, buf *out);

/*
 * Stores a rendered report in xinyu.report as the report of record. With a label it is
 * published: frozen, with inputs_sha256 = xinyu.inputs_sha256(periods_literal). targets_hex
 * may be NULL. Returns EXIT_OK; EXIT_USAGE when the label is taken; EXIT_FATAL; after logging.
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

/* Published versions (cli/report_publish.c). */
/* Checks that label can name a new published version: 1 to 64 of A-Z a-z 0-9 . _ - (it goes
 * into file names), not starting with . or -, and not published yet. Returns EXIT_OK, or
 * EXIT_USAGE / EXIT_FATAL after logging. */
int report_publish_check(struct cli *c, const char *label);
/* Renders the published version label again from its stored document, in formats (json,
 * csv, html, xlsx) into out_dir as <report>-<scope>-<label>.<ext>. Returns EXIT_OK, or
 * EXIT_USAGE (no such label, bad formats) / EXIT_FATAL after logging. */
int report_version_write(struct cli *c, const char *label, const char *formats, const char *out_dir,
                         const char *lang);
/* The indicator report of scope (as report_indicators_write), published under label when it
 * is not NULL. Returns 0 or EXIT_*. */
int report_indicators_publish(struct cli *c, const struct report_scope *scope, const char *formats,
                              const char *out_dir, bool by_type, const char *label);

/*
 * The data-quality and completeness report of scope (cli/cmd_quality.c): schools that did
 * not report, late submissions, rejections with every reason, warnings, outliers and the
 * reconciliation of counts, as out_dir/quality-<scope>.json and one CSV per list, and one
 * feedback letter per school and term with a rejection, a warning or an outlier, as
 * out_dir/feedback/<school_code>-<period>.txt. With run_id > 0 the rejections and warnings
 * are those of that run; with 0, everything known about the scope's terms. With send (the
 * nightly run run_id), they are every problem not yet sent to the schools, whichever run
 * received it (xinyu.problem_ledger, the run's own among them), and once the files are
 * durable they are recorded as sent by run_id. Returns 0 or EXIT_* after logging.
 */
int quality_write(struct cli *c, int64_t run_id, const struct report_scope *scope,
                  const char *out_dir, bool send);

int cmd_db(struct cli *c);
int cmd_registry(struct cli *c);
int cmd_ingest(struct cli *c);
int cmd_report(struct cli *c);
int cmd_run(struct cli *c);
int cmd_status(struct cli *c);
int cmd_check(struct cli *c);
int cmd_audit(struct cli *c);
int cmd_review(struct cli *c);
int cmd_quality(struct cli *c);
int cmd_template(struct cli *c);

/* Parses "N" into [min, max] for option name; logs and returns -1 when it is not. */
int cli_int_option(const char *name, const char *value, int min, int max, int *out);
/* Number of online processors, at least 1. */
int cli_cores(void);

#endif
