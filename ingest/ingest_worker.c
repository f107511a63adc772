/* ingest_worker.c - one ingest pass: every source in turn; for a spool, worker threads that
 * claim its files from the queue and load them in batches, one transaction at a time. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/db.h"
#include "common/fault.h"
#include "common/log.h"
#include "common/util.h"
#include "ingest/ingest.h"
#include "ingest/ingest_queue.h"
#include "transform/xform_arena.h"
#include "transform/xform_load.h"

/* A worker's transaction ends after this many items or staged bytes, whichever comes first. */
#define TX_MAX_ITEMS_FACTOR 4
#define TX_MAX_BYTES (64u * 1024 * 1024)
#define FLUSH_MAX_BYTES (16u * 1024 * 1024)
#define TX_CLAIM_BYTES (2L * 1024 * 1024)
/* a transaction chosen to end a deadlock is run again this many times before the run fails */
#define DEADLOCK_RETRIES 8

/* One spool source's pass: what its workers share. */
struct spool_pass {
    const struct ingest_ctx *ctx;
    const struct conf_source *source;
    PGconn *shared_conn; /* dry run: the one connection everything happens in */
    int64_t now_epoch;

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

/* ---- workers ------------------------------------------------------------------------ */

struct worker {
    struct spool_pass *p;
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
    int rc = xf_batch_flush(w->batch, w->conn, w->p->ctx->run_id, &w->counts);
    if (rc != 0) {
        w->retry = rc == XF_FLUSH_RETRY;
        w->failed = 1;
        return -1;
    }
    return 0;
}

int ingest_stage_item(struct xf_batch *batch, const char *source, const struct ingest_item *item,
                      int64_t seq, int64_t item_no, int64_t now_epoch)
{
    struct xf_received r = {
        .source = source,
        .ref = item->ref,
        .data = item->data,
        .len = item->len,
        .byte_size = item->byte_size,
        .sha256 = item->has_sha256 ? item->sha256 : NULL,
        .error_code = item->error_code,
        .error = item->error,
        .received_seq = seq,
        .received_item = item_no,
        .workbook = item->workbook,
        .mtime_epoch = item->mtime_epoch,
    };
    struct xf_options opt = {NULL, now_epoch};
    return xf_batch_add(batch, &r, &opt) != 0 ? -1 : 0;
}

static int on_item(const struct ingest_item *item, void *ctx)
{
    struct worker *w = ctx;
    struct spool_pass *p = w->p;
    fault_point("inflate"); /* each item is read and inflated just before it is handed over */
    if (ingest_stage_item(w->batch, p->source->name, item, w->file_seq, ++w->file_item,
                          p->now_epoch) != 0) {
        if (!w->failed) /* else a merge inside a workbook failed, and said why */
            log_error("out of memory while staging %s", item->ref);
        w->failed = 1;
        return -1;
    }
    w->tx_items++;
    w->tx_bytes += item->len;
    if (xf_batch_items(w->batch) >= p->ctx->batch_size ||
        xf_batch_bytes(w->batch) >= FLUSH_MAX_BYTES)
        return flush_batch(w);
    return 0;
}

/*
 * Progress: on a terminal, one line on stderr rewritten in place; elsewhere (cron, CI) a
 * log line every 10 seconds and one at the end. Called with p->lock held.
 */
static void report_progress(struct spool_pass *p, bool final)
{
    if (p->ctx->quiet || log_get_level() < LOG_INFO)
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
 * One transaction: claim files, load as many as the budget allows, mark them done.
 * Returns 0, -1 on failure, or 1 when the transaction was rolled back to end a deadlock
 * and should be run again.
 */
static int worker_transaction(struct worker *w, bool *empty)
{
    struct spool_pass *p = w->p;
    const struct ingest_ctx *ctx = p->ctx;
    bool own_tx = !ctx->dry_run;
    *empty = false;
    memset(&w->counts, 0, sizeof w->counts);
    w->tx_items = 0;
    w->tx_bytes = 0;
    if (own_tx && db_exec(w->conn, "BEGIN", "cannot start a transaction") != 0)
        return -1;
    /* claim about one transaction's worth: many small .json files, but one JSON Lines shard
     * at a time, so that every worker gets work however the spool is cut into files */
    long nclaim = ctx->batch_size;
    if (p->avg_file_bytes > 0 && TX_CLAIM_BYTES / p->avg_file_bytes < nclaim)
        nclaim = TX_CLAIM_BYTES / p->avg_file_bytes;
    if (nclaim < 1)
        nclaim = 1;
    PGresult *claim = ingest_queue_claim(w->conn, p->source->name, nclaim, ctx->run_id);
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
    for (int i = 0; i < nclaimed && !*ctx->stop; i++) {
        const char *path = PQgetvalue(claim, i, 1);
        w->file_item = 0;
        if (util_parse_int64(PQgetvalue(claim, i, 2), 1, INT64_MAX, &w->file_seq) != 0)
            w->file_seq = 0;
        if (ingest_spool_read(p->source->path, path, &ctx->limits, on_item, w) != 0) {
            int read_errno = errno;
            if (read_errno == ENOMEM && !w->failed)
                log_error("out of memory while reading %s", path);
            if (w->failed || read_errno == ENOMEM ||
                ingest_queue_keep_unread(w->conn, p->source->name, ctx->run_id,
                                         PQgetvalue(claim, i, 0), path, read_errno) != 0) {
                PQclear(claim);
                buf_free(&done);
                goto fail;
            }
            continue; /* not done: the next run reads it again */
        }
        buf_printf(&done, "%s%s", ndone ? "," : "", PQgetvalue(claim, i, 0));
        ndone++;
        if (w->tx_items >= (long)ctx->batch_size * TX_MAX_ITEMS_FACTOR ||
            w->tx_bytes >= TX_MAX_BYTES)
            break;
    }
    PQclear(claim);
    buf_putc(&done, '}');
    if (flush_batch(w) != 0 || done.data == NULL) {
        buf_free(&done);
        goto fail;
    }
    int marked = ingest_queue_done(w->conn, ctx->run_id, done.data);
    buf_free(&done);
    if (marked != 0)
        goto fail;
    fault_point("commit");
    /* the commit does not wait for the disk: the command's last commit, which does, makes this
     * one durable with it, and a crash before that loses only batches whose files are then
     * pending again (docs/DECISIONS.md) */
    if (own_tx && db_exec(w->conn, "SET LOCAL synchronous_commit = off; COMMIT",
                          "cannot commit the batch") != 0)
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
    struct spool_pass *p = w->p;
    w->batch = xf_batch_create();
    if (w->batch == NULL) {
        w->failed = 1;
        goto out;
    }
    xf_batch_set_flush(w->batch, p->ctx->batch_size, flush_inside, w);
    if (p->shared_conn != NULL) {
        w->conn = p->shared_conn;
    } else {
        w->conn = db_connect(p->ctx->conninfo, DB_ROLE_INGEST);
        if (w->conn == NULL || xf_staging_create(w->conn) != 0) {
            w->failed = 1;
            goto out;
        }
    }
    bool empty = false;
    int retries = 0;
    while (!empty && !*p->ctx->stop) {
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

static int ingest_spool_source(struct spool_pass *p, PGconn *main_conn)
{
    const struct ingest_ctx *ctx = p->ctx;
    long pending =
        ingest_queue_discover(main_conn, p->source, ctx->run_id, !ctx->dry_run, &p->avg_file_bytes);
    if (pending < 0)
        return -1;
    p->files_total = pending;
    if (pending == 0)
        return 0;
    int jobs = ctx->dry_run ? 1 : ctx->jobs;
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
    /* jansson's allocation functions are set for the process before workers use jansson */
    xf_arena_install();
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
    p->files_unread = ingest_queue_count_unread(main_conn, p->source->name, ctx->run_id);
    return p->files_unread < 0 ? -1 : 0;
}

int ingest_run(const struct ingest_ctx *ctx, PGconn *main_conn, struct xf_counts *counts,
               int *failed_sources)
{
    *failed_sources = 0;
    int rc = 0;
    bool any = false;
    for (int i = 0; i < ctx->nsources; i++) {
        const struct conf_source *s = &ctx->sources[i];
        if (ctx->only_source != NULL && strcmp(ctx->only_source, s->name) != 0)
            continue;
        any = true;
        if (s->kind == CONF_HTTP) {
            int http_rc = ingest_http_source(ctx, main_conn, s, counts);
            if (http_rc == -2) {
                rc = -1;
                break;
            }
            if (http_rc != 0)
                (*failed_sources)++;
            if (*ctx->stop)
                break;
            continue;
        }
        struct spool_pass p;
        memset(&p, 0, sizeof p);
        p.ctx = ctx;
        p.source = s;
        p.shared_conn = ctx->dry_run ? main_conn : NULL;
        p.now_epoch = (int64_t)time(NULL);
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
        if (*ctx->stop) {
            log_warn("stopping on request after the current transaction");
            break;
        }
    }
    if (!any && ctx->only_source != NULL) {
        log_error("no source named \"%s\" in the configuration", ctx->only_source);
        return -1;
    }
    return rc;
}
