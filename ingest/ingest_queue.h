/* ingest_queue.h - one ingest pass: the work queue of spool files, its workers, http paging. */
#ifndef XINYU_INGEST_QUEUE_H
#define XINYU_INGEST_QUEUE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "common/conf.h"
#include "ingest/ingest.h"
#include "transform/xform_load.h"

/*
 * What one ingest pass needs to know, and nothing more: where the database is (each worker
 * opens its own connection), the configured sources, the limits and the run it belongs to.
 * Everything pointed to outlives the pass.
 */
struct ingest_ctx {
    const char *conninfo;              /* for the workers' connections; "" = libpq's environment */
    const struct conf_source *sources; /* the configured sources */
    int nsources;
    const char *only_source;     /* NULL: every source */
    struct ingest_limits limits; /* per submission and per spool file */
    int batch_size;              /* items staged before a flush */
    int jobs;                    /* worker threads, >= 1 */
    bool dry_run;                /* everything on the caller's one connection and
                                  * transaction, which the caller rolls back */
    bool quiet;                  /* no progress lines */
    int64_t run_id;              /* the run record items and events belong to */
    volatile sig_atomic_t *stop; /* raised: stop after the current transaction */
};

/*
 * Ingests every (or the named) source on main_conn (staging tables created) and the workers'
 * own connections. Adds to counts; sets *failed_sources. Returns 0, or -1 on a fatal error
 * (database gone, I/O error, no source of that name) after logging.
 */
int ingest_run(const struct ingest_ctx *ctx, PGconn *main_conn, struct xf_counts *counts,
               int *failed_sources);

/* The run's counts as its record holds them, made from its items: a batch's own counts miss
 * what a later batch of the same run superseded. Leaves k as it was on failure (logged). */
enum ingest_counts_from {
    COUNTS_MADE,     /* made from the items */
    COUNTS_RECORDED, /* read from the run's record, which xinyu.run_finish has just written */
    COUNTS_KEPT,     /* made and kept in the record (xinyu.run_count): no item will be added */
};
void ingest_run_counts(PGconn *conn, int64_t run_id, enum ingest_counts_from from,
                       struct xf_counts *k);

/*
 * The ingest of a run (ingest/ingest_pass.c): the staging tables, then every source under
 * run_id. Adds to counts and sets *failed_sources; *seconds is how long it took. Returns
 * EXIT_OK, EXIT_PARTIAL (something rejected, a source failed) or EXIT_FATAL after logging.
 */
int ingest_phase(struct ingest_ctx *ctx, PGconn *conn, int64_t run_id, double *seconds,
                 struct xf_counts *counts, int *failed_sources);
/*
 * "xinyu ingest": takes the shared run lock, closes dead runs, and runs ingest_phase under a
 * run record of its own, closed with its status and counts; with ctx->dry_run, in one
 * transaction that is rolled back (nothing written, not even the record). counts are the
 * run's as its record holds them. Returns as ingest_phase; EXIT_PARTIAL also when a stop was
 * requested. The caller releases the lock (db_run_disconnect).
 */
int ingest_pass(struct ingest_ctx *ctx, PGconn *conn, const char *args_text,
                struct xf_counts *counts, int *failed_sources);
/* The status and message of a run record for an exit code; the message may be NULL. */
const char *ingest_run_status(int rc);
const char *ingest_run_message(int rc, bool stopped);

/*
 * Ingests one http source page by page on conn (ingest/ingest_http_source.c), each page's
 * submissions and its cursor in one transaction (none in a dry run: the caller rolls back).
 * Adds to counts. Returns 0; -1 when the source failed (recorded as a run event; the run
 * goes on); -2 on a database failure, after logging (fatal).
 */
int ingest_http_source(const struct ingest_ctx *ctx, PGconn *conn, const struct conf_source *s,
                       struct xf_counts *counts);

/*
 * Hands one received item of source, whatever the source, to the batch (validated and
 * staged by transform/): its number in the order received is seq (the spool file's or the
 * page's) and item_no (its place in it, from 1). Returns 0, or -1 when memory ran out or a
 * merge inside a workbook failed (that merge logged why; the caller logs the rest).
 */
int ingest_stage_item(struct xf_batch *batch, const char *source, const struct ingest_item *item,
                      int64_t seq, int64_t item_no, int64_t now_epoch);

/* ---- the work queue of spool files (ingest/ingest_queue.c) ----------------------------- */

/*
 * Puts every new file version of source's spool into xinyu.ingest_file (each with its number
 * in the order received, drawn in path order) and forgets unread versions that are gone;
 * in a transaction of its own when own_tx. Returns the number of files waiting (with their
 * average size in *avg_file_bytes), or -1 after logging (a spool that cannot be read is also
 * recorded as a run event).
 */
long ingest_queue_discover(PGconn *conn, const struct conf_source *source, int64_t run_id,
                           bool own_tx, long *avg_file_bytes);
/* Claims up to n waiting files of source that this run has not failed to read, in path order,
 * skipping those other workers hold (FOR UPDATE SKIP LOCKED), in the caller's transaction.
 * Returns rows (file_id, path, received_seq) the caller PQclears, or NULL after logging. */
PGresult *ingest_queue_claim(PGconn *conn, const char *source, long n, int64_t run_id);
/* Marks the files of file_ids (a bigint[] literal) as loaded by run_id. 0, or -1 after logging. */
int ingest_queue_done(PGconn *conn, int64_t run_id, const char *file_ids);
/* Keeps a file that could not be read (read_errno) pending with the reason, so that this run
 * does not claim it again; logs and records a run event. 0, or -1 after logging. */
int ingest_queue_keep_unread(PGconn *conn, const char *source, int64_t run_id, const char *file_id,
                             const char *path, int read_errno);
/* The files of source this run left pending unread (any worker, any process), with a warning
 * when there are some; -1 after logging. */
long ingest_queue_count_unread(PGconn *conn, const char *source, int64_t run_id);

#endif
