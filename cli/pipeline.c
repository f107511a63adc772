/* pipeline.c - the ingest driver: spool files into the work queue, workers that load them. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/db.h"
#include "common/fault.h"
#include "common/log.h"
#include "common/util.h"
#include "ingest/ingest.h"
#include "transform/xform_load.h"

/* A worker's transaction ends after this many items or staged bytes, whichever comes first. */
#define TX_MAX_ITEMS_FACTOR 4
#define TX_MAX_BYTES (64u * 1024 * 1024)
#define FLUSH_MAX_BYTES (16u * 1024 * 1024)
#define TX_CLAIM_BYTES (2L * 1024 * 1024)
/* a transaction chosen to end a deadlock is run again this many times before the run fails */
#define DEADLOCK_RETRIES 8

struct pipeline {
    struct cli *cli;
    const struct conf_source *source;
    const struct pipeline_opts *opts;
    int64_t run_id;
    char run_text[24];
    PGconn *shared_conn; /* dry run: the one connection everything happens in */
    struct ingest_limits limits;
    int64_t now_epoch;
    int batch_size;

    pthread_mutex_t lock;
    struct xf_counts counts;
    long files_done;
    long files_total;
    long files_unread; /* left pending by this run because they could not be read */
    int fatal;
    double last_progress;
    double started;
    long avg_file_bytes; /* of the pending files, to size each claim */
};

/* ---- discovery ---------------------------------------------------------------------- */

struct discover {
    struct pipeline *p;
    PGconn *conn;
    buf rows;
    long found;
    int failed;
};

static int discover_flush(struct discover *d)
{
    if (d->rows.len == 0)
        return 0;
    int rc =
        db_copy_in(d->conn, "COPY stage_file (path, byte_size, mtime_ns) FROM STDIN", &d->rows);
    buf_reset(&d->rows);
    return rc;
}

static int on_found(const char *relpath, int64_t size, int64_t mtime_ns, void *ctx)
{
    struct discover *d = ctx;
    size_t len = strlen(relpath);
    if (!buf_valid_utf8(relpath, len) || strpbrk(relpath, "\t\n\r\\") != NULL) {
        char message[512];
        snprintf(message, sizeof message,
                 "skipped a file whose name is not plain UTF-8 text; rename it to load it");
        log_warn("%s: %s", d->p->source->name, message);
        cli_run_event(d->conn, d->p->run_id, d->p->source->name, "warning", message);
        return 0;
    }
    if (buf_copy_text(&d->rows, relpath, len) != 0 ||
        buf_printf(&d->rows, "\t%" PRId64 "\t%" PRId64 "\n", size, mtime_ns) != 0)
        return -1;
    d->found++;
    if (d->rows.len >= (1u << 20) && discover_flush(d) != 0) {
        d->failed = 1;
        return -1;
    }
    return 0;
}

static void on_skipped(const char *relpath, const char *why, void *ctx)
{
    struct discover *d = ctx;
    char message[1024];
    snprintf(message, sizeof message, "skipped %s: %s", relpath, why);
    log_warn("%s: %s", d->p->source->name, message);
    cli_run_event(d->conn, d->p->run_id, d->p->source->name, "warning", message);
}

/*
 * A file version that could not be read and is no longer in the spool (moved away, or
 * replaced by a new version) leaves the queue: nothing was received from it, and if it comes
 * back it is discovered again. Rows a worker holds are left for the next run.
 * Returns 0, or -1 after logging.
 */
static int forget_gone_files(struct pipeline *p, PGconn *conn)
{
    const char *params[] = {p->source->name};
    PGresult *res = db_query(conn,
                             "DELETE FROM xinyu.ingest_file WHERE file_id IN ("
                             "SELECT f.file_id FROM xinyu.ingest_file f "
                             "WHERE f.source = $1 AND f.done_run IS NULL "
                             "AND f.read_error IS NOT NULL AND NOT EXISTS ("
                             "SELECT FROM stage_file s WHERE s.path = f.path "
                             "AND s.byte_size = f.byte_size AND s.mtime_ns = f.mtime_ns) "
                             "FOR UPDATE SKIP LOCKED) RETURNING path",
                             1, params, PGRES_TUPLES_OK, "cannot update the queue");
    if (res == NULL)
        return -1;
    for (int i = 0; i < PQntuples(res); i++)
        log_info("%s: %s is no longer in the spool as it was when it could not be read",
                 p->source->name, PQgetvalue(res, i, 0));
    PQclear(res);
    return 0;
}

/* Puts every new file version of the spool into the queue; returns pending count or -1. */
static long discover(struct pipeline *p, PGconn *conn)
{
    struct discover d = {p, conn, BUF_INIT, 0, 0};
    long pending = -1;
    char err[512];
    bool own_tx = !p->opts->dry_run;
    if (own_tx && db_exec(conn, "BEGIN", "cannot start the discovery") != 0)
        goto out;
    if (ingest_spool_scan(p->source->path, on_found, on_skipped, &d, err, sizeof err) != 0) {
        if (!d.failed) {
            log_error_detail("cannot read the spool directory", err,
                             "Check the source's \"path\" in the configuration.");
            cli_run_event(conn, p->run_id, p->source->name, "error", err);
        }
        goto out;
    }
    if (discover_flush(&d) != 0)
        goto out;
    const char *params[] = {p->source->name, p->run_text};
    /* a new file's number in the order received is drawn here, in path order: ties between
     * versions go by it, whichever worker loads the file (SUBMISSION.md section 4) */
    PGresult *res = db_query(conn,
                             "INSERT INTO xinyu.ingest_file (source, path, byte_size, mtime_ns, "
                             "discovered_run, received_seq) "
                             "SELECT $1, f.path, f.byte_size, f.mtime_ns, $2, "
                             "nextval('xinyu.received_seq') "
                             "FROM (SELECT * FROM stage_file s ORDER BY s.path) f "
                             "ON CONFLICT DO NOTHING",
                             2, params, PGRES_COMMAND_OK, "cannot queue the spool files");
    if (res == NULL)
        goto out;
    PQclear(res);
    if (forget_gone_files(p, conn) != 0)
        goto out;
    res = db_query(conn,
                   "SELECT count(*), coalesce(avg(byte_size), 0)::bigint FROM xinyu.ingest_file "
                   "WHERE source = $1 AND done_run IS NULL",
                   1, params, PGRES_TUPLES_OK, "cannot count the queue");
    if (res == NULL)
        goto out;
    pending = strtol(PQgetvalue(res, 0, 0), NULL, 10);
    p->avg_file_bytes = strtol(PQgetvalue(res, 0, 1), NULL, 10);
    PQclear(res);
    if (db_exec(conn, "TRUNCATE stage_file", "cannot clear the file list") != 0) {
        pending = -1;
        goto out;
    }
    if (own_tx && db_exec(conn, "COMMIT", "cannot commit the discovery") != 0)
        pending = -1;
out:
    if (pending < 0 && own_tx)
        db_exec(conn, "ROLLBACK", "rollback");
    buf_free(&d.rows);
    log_info("%s: %ld files in the spool, %ld waiting to be loaded", p->source->name, d.found,
             pending < 0 ? 0 : pending);
    return pending;
}

/* ---- workers ------------------------------------------------------------------------ */

struct worker {
    struct pipeline *p;
    PGconn *conn;
    struct xf_batch *batch;
    struct xf_counts counts; /* of the open transaction */
    int64_t file_seq;        /* of the file being read: its number in the order received */
    int64_t file_item;       /* items of it handed over so far */
    long tx_items;
    size_t tx_bytes;
    int failed;
    bool retry; /* the transaction lost a deadlock: roll back and load its files again */
};

static int flush_batch(struct worker *w)
{
    if (xf_batch_items(w->batch) == 0)
        return 0;
    int rc = xf_batch_flush(w->batch, w->conn, w->p->run_id, &w->counts);
    if (rc != 0) {
        w->retry = rc == XF_FLUSH_RETRY;
        w->failed = 1;
        return -1;
    }
    return 0;
}

static int on_item(const struct ingest_item *item, void *ctx)
{
    struct worker *w = ctx;
    struct pipeline *p = w->p;
    struct xf_received r = {
        .source = p->source->name,
        .ref = item->ref,
        .data = item->data,
        .len = item->len,
        .byte_size = item->byte_size,
        .sha256 = item->has_sha256 ? item->sha256 : NULL,
        .error_code = item->error_code,
        .error = item->error,
        .received_seq = w->file_seq,
        .received_item = ++w->file_item,
        .workbook = item->workbook,
        .mtime_epoch = item->mtime_epoch,
    };
    fault_point("inflate"); /* each item is read and inflated just before it is handed over */
    struct xf_options opt = {NULL, p->now_epoch};
    if (xf_batch_add(w->batch, &r, &opt) != 0) {
        if (!w->failed) /* else a merge inside a workbook failed, and said why */
            log_error("out of memory while staging %s", item->ref);
        w->failed = 1;
        return -1;
    }
    w->tx_items++;
    w->tx_bytes += item->len;
    if (xf_batch_items(w->batch) >= p->batch_size || xf_batch_bytes(w->batch) >= FLUSH_MAX_BYTES)
        return flush_batch(w);
    return 0;
}

/*
 * Progress: on a terminal, one line on stderr rewritten in place; elsewhere (cron, CI) a
 * log line every 10 seconds and one at the end. Called with p->lock held.
 */
static void report_progress(struct pipeline *p, bool final)
{
    if (p->opts->quiet || log_get_level() < LOG_INFO)
        return;
    bool tty = isatty(STDERR_FILENO) == 1;
    double now = util_monotonic();
    if (!final && now - p->last_progress < (tty ? 0.25 : 10.0))
        return;
    p->last_progress = now;
    double secs = now - p->started;
    double rate = secs > 0 ? (double)p->counts.received / secs : 0.0;
    if (tty) {
        fprintf(stderr, "\r%s: %ld/%ld files, %ld items, %.0f/s, %ld rejected%s", p->source->name,
                p->files_done, p->files_total, p->counts.received, rate, p->counts.rejected,
                final ? "\n" : "   ");
        fflush(stderr);
        return;
    }
    log_info("%s: %ld/%ld files, %ld items (%ld loaded, %ld duplicate, %ld superseded, %ld "
             "rejected), %.0f items/s",
             p->source->name, p->files_done, p->files_total, p->counts.received, p->counts.loaded,
             p->counts.duplicate, p->counts.superseded, p->counts.rejected, rate);
}

/*
 * A file that could not be read (vanished, no permission, an I/O error) stays pending with
 * the reason, in the worker's transaction; this run does not claim it again. Returns 0, or
 * -1 after logging.
 */
static int keep_unread(struct worker *w, const char *file_id, const char *path, int read_errno)
{
    struct pipeline *p = w->p;
    const char *why = strerror(read_errno);
    const char *params[] = {file_id, why, p->run_text};
    PGresult *res = db_query(w->conn,
                             "UPDATE xinyu.ingest_file SET read_error = $2, read_error_run = $3 "
                             "WHERE file_id = $1",
                             3, params, PGRES_COMMAND_OK, "cannot keep an unread file pending");
    if (res == NULL)
        return -1;
    PQclear(res);
    char message[1024];
    snprintf(message, sizeof message,
             "cannot read %s: %s; it stays pending and the next run reads it again", path, why);
    log_warn("%s: %s", p->source->name, message);
    cli_run_event(w->conn, p->run_id, p->source->name, "error", message);
    return 0;
}

/*
 * One transaction: claim files, load as many as the budget allows, mark them done.
 * Returns 0, -1 on failure, or 1 when the transaction was rolled back to end a deadlock
 * and should be run again.
 */
static int worker_transaction(struct worker *w, bool *empty)
{
    struct pipeline *p = w->p;
    bool own_tx = !p->opts->dry_run;
    *empty = false;
    memset(&w->counts, 0, sizeof w->counts);
    w->tx_items = 0;
    w->tx_bytes = 0;
    if (own_tx && db_exec(w->conn, "BEGIN", "cannot start a transaction") != 0)
        return -1;
    /* claim about one transaction's worth: many small .json files, but one JSON Lines shard
     * at a time, so that every worker gets work however the spool is cut into files */
    long nclaim = p->batch_size;
    if (p->avg_file_bytes > 0 && TX_CLAIM_BYTES / p->avg_file_bytes < nclaim)
        nclaim = TX_CLAIM_BYTES / p->avg_file_bytes;
    if (nclaim < 1)
        nclaim = 1;
    char limit[24];
    snprintf(limit, sizeof limit, "%ld", nclaim);
    const char *params[] = {p->source->name, limit, p->run_text};
    PGresult *claim = db_query(w->conn,
                               "SELECT file_id, path, received_seq FROM xinyu.ingest_file "
                               "WHERE source = $1 AND done_run IS NULL "
                               "AND read_error_run IS DISTINCT FROM $3 "
                               "ORDER BY path, file_id LIMIT $2 FOR UPDATE SKIP LOCKED",
                               3, params, PGRES_TUPLES_OK, "cannot claim spool files");
    if (claim == NULL)
        goto fail;
    int nclaimed = PQntuples(claim);
    if (nclaimed == 0) {
        PQclear(claim);
        *empty = true;
        if (own_tx)
            return db_exec(w->conn, "COMMIT", "cannot end a transaction");
        return 0;
    }
    buf done = BUF_INIT;
    buf_putc(&done, '{');
    long ndone = 0;
    for (int i = 0; i < nclaimed && !cli_stop_requested; i++) {
        const char *path = PQgetvalue(claim, i, 1);
        w->file_item = 0;
        if (util_parse_int64(PQgetvalue(claim, i, 2), 1, INT64_MAX, &w->file_seq) != 0)
            w->file_seq = 0;
        if (ingest_spool_read(p->source->path, path, &p->limits, on_item, w) != 0) {
            int read_errno = errno;
            if (read_errno == ENOMEM && !w->failed)
                log_error("out of memory while reading %s", path);
            if (w->failed || read_errno == ENOMEM ||
                keep_unread(w, PQgetvalue(claim, i, 0), path, read_errno) != 0) {
                PQclear(claim);
                buf_free(&done);
                goto fail;
            }
            continue; /* not done: the next run reads it again */
        }
        buf_printf(&done, "%s%s", ndone ? "," : "", PQgetvalue(claim, i, 0));
        ndone++;
        if (w->tx_items >= (long)p->batch_size * TX_MAX_ITEMS_FACTOR || w->tx_bytes >= TX_MAX_BYTES)
            break;
    }
    PQclear(claim);
    buf_putc(&done, '}');
    if (flush_batch(w) != 0 || done.data == NULL) {
        buf_free(&done);
        goto fail;
    }
    const char *mark[] = {p->run_text, done.data};
    PGresult *res = db_query(w->conn,
                             "UPDATE xinyu.ingest_file SET done_run = $1 "
                             "WHERE file_id = ANY ($2::bigint[])",
                             2, mark, PGRES_COMMAND_OK, "cannot mark files as loaded");
    buf_free(&done);
    if (res == NULL)
        goto fail;
    PQclear(res);
    fault_point("commit");
    if (own_tx && db_exec(w->conn, "COMMIT", "cannot commit the batch") != 0)
        goto fail;
    pthread_mutex_lock(&p->lock);
    xf_counts_add(&p->counts, &w->counts);
    p->files_done += ndone;
    report_progress(p, false);
    pthread_mutex_unlock(&p->lock);
    return 0;
fail:
    w->failed = 1;
    if (own_tx)
        db_exec(w->conn, "ROLLBACK", "rollback");
    if (w->retry && own_tx) {
        w->retry = false;
        w->failed = 0;
        return 1;
    }
    return -1;
}

/* A roll-up's rows are merged batch by batch while its workbook is read. */
static int flush_inside(void *ctx)
{
    return flush_batch(ctx);
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct pipeline *p = w->p;
    w->batch = xf_batch_create();
    if (w->batch == NULL) {
        w->failed = 1;
        goto out;
    }
    xf_batch_set_flush(w->batch, p->batch_size, flush_inside, w);
    if (p->shared_conn != NULL) {
        w->conn = p->shared_conn;
    } else {
        w->conn = cli_connect(p->cli, DB_ROLE_INGEST);
        if (w->conn == NULL || xf_staging_create(w->conn) != 0) {
            w->failed = 1;
            goto out;
        }
    }
    bool empty = false;
    int retries = 0;
    while (!empty && !cli_stop_requested) {
        pthread_mutex_lock(&p->lock);
        int stop = p->fatal;
        pthread_mutex_unlock(&p->lock);
        if (stop)
            break;
        int rc = worker_transaction(w, &empty);
        if (rc == 1 && ++retries <= DEADLOCK_RETRIES) {
            /* the other worker goes on meanwhile; waiting a little lets it finish */
            struct timespec pause = {0, 20000000L * retries};
            nanosleep(&pause, NULL);
            continue;
        }
        if (rc != 0) {
            if (rc == 1)
                log_error("a transaction met other workers' in a deadlock %d times; giving up",
                          DEADLOCK_RETRIES + 1);
            w->failed = 1;
            break;
        }
        retries = 0;
    }
out:
    if (w->failed) {
        pthread_mutex_lock(&p->lock);
        p->fatal = 1;
        pthread_mutex_unlock(&p->lock);
    }
    if (w->conn != NULL && w->conn != p->shared_conn)
        PQfinish(w->conn);
    xf_batch_destroy(w->batch);
    return NULL;
}

/* Counts what this run left pending unread (any worker, any process). Returns 0 or -1. */
static int count_unread(struct pipeline *p, PGconn *conn)
{
    const char *params[] = {p->source->name, p->run_text};
    PGresult *res = db_query(conn,
                             "SELECT count(*) FROM xinyu.ingest_file WHERE source = $1 "
                             "AND done_run IS NULL AND read_error_run = $2",
                             2, params, PGRES_TUPLES_OK, "cannot count the unread files");
    if (res == NULL)
        return -1;
    p->files_unread = strtol(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    if (p->files_unread > 0)
        log_warn("%s: %ld files could not be read; they stay pending (see xinyu status)",
                 p->source->name, p->files_unread);
    return 0;
}

static int ingest_spool_source(struct pipeline *p, PGconn *main_conn)
{
    long pending = discover(p, main_conn);
    if (pending < 0)
        return -1;
    p->files_total = pending;
    if (pending == 0)
        return 0;
    int jobs = p->opts->dry_run ? 1 : p->opts->jobs;
    if (jobs > pending)
        jobs = (int)pending;
    if (jobs > 1) {
        /* each worker opens a connection: more than the server takes would fail the run */
        struct db_connection_limits lim;
        int room = db_connection_room(main_conn, &lim);
        if (room < 0)
            return -1;
        if (jobs > room) {
            int capped = room > 1 ? room : 1;
            log_warn("%s: %d workers need as many connections, but the server takes %d more "
                     "(max_connections %d, %d reserved, %d in use); using %d workers",
                     p->source->name, jobs, room, lim.max_connections, lim.reserved, lim.in_use,
                     capped);
            jobs = capped;
        }
    }
    struct worker *workers = calloc((size_t)jobs, sizeof *workers);
    pthread_t *threads = calloc((size_t)jobs, sizeof *threads);
    if (workers == NULL || threads == NULL) {
        free(workers);
        free(threads);
        log_error("out of memory");
        return -1;
    }
    int started = 0;
    for (int i = 0; i < jobs; i++) {
        workers[i].p = p;
        if (jobs == 1) {
            worker_main(&workers[i]);
            started = 1;
            break;
        }
        if (pthread_create(&threads[i], NULL, worker_main, &workers[i]) != 0) {
            log_error("cannot start worker %d: %s", i + 1, strerror(errno));
            pthread_mutex_lock(&p->lock);
            p->fatal = 1;
            pthread_mutex_unlock(&p->lock);
            break;
        }
        started++;
    }
    if (jobs > 1) {
        for (int i = 0; i < started; i++)
            pthread_join(threads[i], NULL);
    }
    free(workers);
    free(threads);
    pthread_mutex_lock(&p->lock);
    report_progress(p, true);
    pthread_mutex_unlock(&p->lock);
    if (p->fatal)
        return -1;
    return count_unread(p, main_conn);
}

int pipeline_ingest(struct cli *c, PGconn *main_conn, int64_t run_id, const struct pipeline_opts *o,
                    struct xf_counts *counts, int *failed_sources)
{
    *failed_sources = 0;
    int rc = 0;
    bool any = false;
    for (int i = 0; i < c->conf.nsources; i++) {
        const struct conf_source *s = &c->conf.sources[i];
        if (o->only_source != NULL && strcmp(o->only_source, s->name) != 0)
            continue;
        any = true;
        if (s->kind == CONF_HTTP) {
            int http_rc = pipeline_http_source(c, main_conn, run_id, s, o, counts);
            if (http_rc == -2) {
                rc = -1;
                break;
            }
            if (http_rc != 0)
                (*failed_sources)++;
            if (cli_stop_requested)
                break;
            continue;
        }
        struct pipeline p;
        memset(&p, 0, sizeof p);
        p.cli = c;
        p.source = s;
        p.opts = o;
        p.run_id = run_id;
        snprintf(p.run_text, sizeof p.run_text, "%" PRId64, run_id);
        p.shared_conn = o->dry_run ? main_conn : NULL;
        p.limits.max_submission_bytes = c->conf.max_submission_bytes;
        p.limits.max_file_bytes = c->conf.max_file_bytes;
        p.now_epoch = (int64_t)time(NULL);
        p.batch_size = c->conf.batch_size;
        p.started = util_monotonic();
        p.last_progress = p.started;
        pthread_mutex_init(&p.lock, NULL);
        int src_rc = ingest_spool_source(&p, main_conn);
        pthread_mutex_destroy(&p.lock);
        xf_counts_add(counts, &p.counts);
        if (src_rc != 0) {
            /* a database failure stops the run; a bad directory fails only this source */
            if (PQstatus(main_conn) != CONNECTION_OK || p.fatal) {
                rc = -1;
                break;
            }
            (*failed_sources)++;
        } else if (p.files_unread > 0) {
            /* loaded in part: what could not be read waits for the next run */
            (*failed_sources)++;
        }
        if (cli_stop_requested) {
            log_warn("stopping on request after the current transaction");
            break;
        }
    }
    if (!any && o->only_source != NULL) {
        log_error("no source named \"%s\" in the configuration", o->only_source);
        return -1;
    }
    return rc;
}
