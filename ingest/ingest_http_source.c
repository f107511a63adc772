/* ingest_http_source.c - an http source page by page: each page's submissions and its cursor
 * in one transaction. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/db.h"
#include "common/log.h"
#include "common/util.h"
#include "ingest/ingest_http.h"
#include "ingest/ingest_queue.h"
#include "transform/xform_load.h"

/* Staged bytes after which the batch is flushed within the page's transaction. */
#define FLUSH_MAX_BYTES (16u * 1024 * 1024)

struct http_source {
    PGconn *conn;
    int64_t run_id;
    char run_text[24];
    const struct conf_source *source;
    struct xf_batch *batch;
    int64_t now_epoch;
    size_t max_submission_bytes;
    int batch_size;
};

#define HINT_CURSOR_UNCHANGED                                                                      \
    "The source's cursor is unchanged: the next run asks again from there."
#define HINT_PAGES_KEPT                                                                            \
    "The pages loaded before are kept with their cursor: the next run goes on from there."
#define HINT_MAX_PAGES                                                                             \
    HINT_PAGES_KEPT " If the platform really has that many pages, raise the source's max_pages."

/* The failure of this source alone: logged and recorded; the run goes on. */
static void source_failed(const struct http_source *h, const char *message, const char *hint)
{
    log_error_detail("an http source failed", message, hint);
    char event[2048 + 64]; /* room for a whole err of the driver and the prefix */
    char event_zh[2048 + 64];
    snprintf(event, sizeof event, "cannot fetch from the platform: %s", message);
    snprintf(event_zh, sizeof event_zh, "无法从教育平台获取数据（%s）", message);
    db_run_event(h->conn, h->run_id, h->source->name, "error", event, event_zh);
}

/* The stored cursor into *cursor (malloc'ed, NULL when none). Returns 0, or -1 after logging. */
static int read_cursor(const struct http_source *h, char **cursor)
{
    *cursor = NULL;
    const char *params[] = {h->source->name};
    PGresult *res = db_query(h->conn, "SELECT cursor FROM xinyu.source_state WHERE source = $1", 1,
                             params, PGRES_TUPLES_OK, "cannot read the source's cursor");
    if (res == NULL)
        return -1;
    int rc = 0;
    if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 0)) {
        *cursor = strdup(PQgetvalue(res, 0, 0));
        if (*cursor == NULL) {
            log_error("out of memory");
            rc = -1;
        }
    }
    PQclear(res);
    return rc;
}

/*
 * Inside the page's transaction: locks the source's cursor row (creating it when new) and
 * tells whether it still holds the cursor the page was fetched with. Another process
 * ingesting the same source may have committed that page meanwhile; then *current gets
 * the stored cursor (malloc'ed, may be NULL) and the page must not be loaded. Returns 1
 * when unchanged, 0 when changed, -1 after logging (database or memory).
 */
static int cursor_unchanged(const struct http_source *h, const char *fetched_with, char **current)
{
    *current = NULL;
    const char *params[] = {h->source->name, h->run_text};
    PGresult *res = db_query(h->conn,
                             "INSERT INTO xinyu.source_state (source, cursor, run_id) "
                             "VALUES ($1, NULL, $2) ON CONFLICT (source) DO NOTHING",
                             2, params, PGRES_COMMAND_OK, "cannot record the source's cursor");
    if (res == NULL)
        return -1;
    PQclear(res);
    res = db_query(h->conn, "SELECT cursor FROM xinyu.source_state WHERE source = $1 FOR UPDATE", 1,
                   params, PGRES_TUPLES_OK, "cannot lock the source's cursor");
    if (res == NULL)
        return -1;
    int rc = -1;
    if (PQntuples(res) != 1) {
        log_error("cannot lock the source's cursor: the row of %s is missing", h->source->name);
    } else if (PQgetisnull(res, 0, 0)) {
        rc = fetched_with == NULL ? 1 : 0;
    } else if (fetched_with != NULL && strcmp(PQgetvalue(res, 0, 0), fetched_with) == 0) {
        rc = 1;
    } else {
        *current = strdup(PQgetvalue(res, 0, 0));
        rc = *current != NULL ? 0 : -1;
        if (rc < 0)
            log_error("out of memory");
    }
    PQclear(res);
    return rc;
}

static int save_cursor(const struct http_source *h, const char *cursor)
{
    const char *params[] = {h->source->name, cursor, h->run_text};
    PGresult *res = db_query(h->conn,
                             "INSERT INTO xinyu.source_state (source, cursor, run_id, updated_at) "
                             "VALUES ($1, $2, $3, now()) ON CONFLICT (source) DO UPDATE SET "
                             "cursor = EXCLUDED.cursor, run_id = EXCLUDED.run_id, "
                             "updated_at = EXCLUDED.updated_at",
                             3, params, PGRES_COMMAND_OK, "cannot store the source's cursor");
    if (res == NULL)
        return -1;
    PQclear(res);
    return 0;
}

/*
 * The page's number in the order received (xinyu.received_seq), drawn inside its
 * transaction: ties between versions go by it and then by the place in the page.
 * Returns 0, or -1 after logging.
 */
static int next_received_seq(const struct http_source *h, int64_t *seq)
{
    PGresult *res = db_query(h->conn, "SELECT nextval('xinyu.received_seq')", 0, NULL,
                             PGRES_TUPLES_OK, "cannot number the page");
    if (res == NULL)
        return -1;
    int rc = util_parse_int64(PQgetvalue(res, 0, 0), 1, INT64_MAX, seq);
    if (rc != 0)
        log_error("cannot number the page: \"%s\" is not a number", PQgetvalue(res, 0, 0));
    PQclear(res);
    return rc != 0 ? -1 : 0;
}

/*
 * Validates and stages every item of the page, flushing as the batch fills; runs inside
 * the page's transaction. Returns 0, or -1 after logging (database or memory: fatal).
 */
static int stage_page(struct http_source *h, const struct ingest_http_page *page,
                      struct xf_counts *tx)
{
    buf ref = BUF_INIT;
    int rc = -1;
    int64_t seq;
    if (next_received_seq(h, &seq) != 0)
        return -1;
    for (size_t i = 0; i < page->nitems; i++) {
        const unsigned char *data = (const unsigned char *)page->body.data + page->items[i].offset;
        size_t len = page->items[i].len;
        char too_large[160];
        struct ingest_item item;
        buf_reset(&ref);
        /* "#i" is the item's index in the page's "items" */
        if (buf_printf(&ref, "%s#%zu", page->url, i) != 0) {
            log_error("out of memory");
            goto out;
        }
        if (ingest_item_read(&item, ref.data, data, len, NULL, NULL) != 0) {
            log_error("cannot compute the hash of %s", ref.data);
            goto out;
        }
        /* the same as a spool file's oversized submission: rejected, bytes not kept */
        ingest_item_cap(&item, h->max_submission_bytes, too_large, sizeof too_large);
        if (ingest_stage_item(h->batch, h->source->name, &item, seq, (int64_t)i + 1,
                              h->now_epoch) != 0) {
            log_error("out of memory while staging %s", item.ref);
            goto out;
        }
        if (xf_batch_items(h->batch) >= h->batch_size ||
            xf_batch_bytes(h->batch) >= FLUSH_MAX_BYTES) {
            if (xf_batch_flush(h->batch, h->conn, h->run_id, tx) != 0)
                goto out;
        }
    }
    if (xf_batch_items(h->batch) > 0 && xf_batch_flush(h->batch, h->conn, h->run_id, tx) != 0)
        goto out;
    rc = 0;
out:
    buf_free(&ref);
    return rc;
}

int ingest_http_source(const struct ingest_ctx *ctx, PGconn *conn, const struct conf_source *s,
                       struct xf_counts *counts)
{
    int64_t run_id = ctx->run_id;
    struct http_source h;
    memset(&h, 0, sizeof h);
    h.conn = conn;
    h.run_id = run_id;
    snprintf(h.run_text, sizeof h.run_text, "%" PRId64, run_id);
    h.source = s;
    h.now_epoch = (int64_t)time(NULL);
    h.max_submission_bytes = ctx->limits.max_submission_bytes;
    h.batch_size = ctx->batch_size;

    bool own_tx = !ctx->dry_run; /* a dry run is one transaction the caller rolls back */
    int result = 0;
    char err[2048];
    char *cursor = NULL;
    struct ingest_http_page page = INGEST_HTTP_PAGE_INIT;
    /* every cursor this run asked with: comparing with the last one alone misses a round of
     * three (A, B, C, B, ...), which would fetch forever and hold the run lock */
    struct ingest_http_cursors asked = INGEST_HTTP_CURSORS_INIT;
    struct xf_counts total = {0};
    long pages = 0;
    double started = util_monotonic();

    struct ingest_http_client *client = ingest_http_open(s, err, sizeof err);
    if (client == NULL) {
        source_failed(&h, err, HINT_CURSOR_UNCHANGED);
        return PQstatus(conn) == CONNECTION_OK ? -1 : -2;
    }
    h.batch = xf_batch_create();
    if (h.batch == NULL) {
        log_error("out of memory");
        result = -2;
        goto out;
    }
    if (read_cursor(&h, &cursor) != 0) {
        result = -2;
        goto out;
    }
    if (cursor != NULL && ingest_http_cursors_add(&asked, cursor) < 0) {
        log_error("out of memory");
        result = -2;
        goto out;
    }
    log_info("%s: fetching from %s", s->name, cursor != NULL ? "the stored cursor" : "the start");
    while (!*ctx->stop) {
        /* no transaction is open while the platform is asked */
        int fetched = ingest_http_fetch(client, cursor, &page, ctx->stop, err, sizeof err);
        if (fetched == INGEST_HTTP_STOPPED)
            break;
        if (fetched != INGEST_HTTP_OK) {
            source_failed(&h, err, HINT_CURSOR_UNCHANGED);
            result = -1;
            break;
        }
        if (page.nitems > 0 && pages >= s->max_pages) {
            /* a platform that never runs dry must not keep the run (and its lock) forever */
            snprintf(err, sizeof err,
                     "GET %s: the platform has more than max_pages (%ld) pages for one run; "
                     "stopped before this page",
                     page.url, s->max_pages);
            source_failed(&h, err, HINT_MAX_PAGES);
            result = -1;
            break;
        }
        /* a null next_cursor says nothing about where to go on: keep the one just used, so
         * that what the platform sends again is counted as duplicate, never lost */
        const char *store = page.next_cursor != NULL ? page.next_cursor : cursor;
        struct xf_counts tx = {0};
        if (own_tx && db_exec(conn, "BEGIN", "cannot start a transaction") != 0) {
            result = -2;
            break;
        }
        char *current = NULL;
        int unchanged = cursor_unchanged(&h, cursor, &current);
        if (unchanged == 0) {
            /* the page is someone else's now: go on from where they left off */
            if (own_tx && db_exec(conn, "ROLLBACK", "cannot end a transaction") != 0) {
                free(current);
                result = -2;
                break;
            }
            log_info("%s: another process loaded this page meanwhile; going on from its cursor",
                     s->name);
            free(cursor);
            cursor = current;
            int added = cursor != NULL ? ingest_http_cursors_add(&asked, cursor) : 1;
            if (added < 0) {
                log_error("out of memory");
                result = -2;
                break;
            }
            if (added == 0) {
                snprintf(err, sizeof err,
                         "the cursor another process stored is one this run has already asked "
                         "with; stopped so as not to fetch the same pages forever");
                source_failed(&h, err, HINT_PAGES_KEPT);
                result = -1;
                break;
            }
            continue;
        }
        if (unchanged < 0 || stage_page(&h, &page, &tx) != 0 || save_cursor(&h, store) != 0 ||
            (own_tx && db_exec(conn, "COMMIT", "cannot commit the page") != 0)) {
            if (own_tx)
                db_exec(conn, "ROLLBACK", "rollback");
            result = -2;
            break;
        }
        xf_counts_add(counts, &tx);
        xf_counts_add(&total, &tx);
        pages++;
        log_info("%s: page %ld: %zu items (%ld loaded, %ld duplicate, %ld superseded, %ld "
                 "rejected)%s",
                 s->name, pages, page.nitems, tx.loaded, tx.duplicate, tx.superseded, tx.rejected,
                 page.attempts > 1 ? " after retries" : "");
        if (page.nitems == 0 || page.next_cursor == NULL)
            break;
        int added = ingest_http_cursors_add(&asked, page.next_cursor);
        if (added < 0) {
            log_error("out of memory");
            result = -2;
            break;
        }
        if (added == 0) {
            snprintf(err, sizeof err,
                     "GET %s: the platform handed out a cursor this run has already asked with; "
                     "stopped so as not to fetch the same pages forever",
                     page.url);
            source_failed(&h, err, HINT_PAGES_KEPT);
            result = -1;
            break;
        }
        free(cursor);
        cursor = page.next_cursor;
        page.next_cursor = NULL;
    }
    if (*ctx->stop && result == 0)
        log_warn("%s: stopped on request; the next run goes on from the stored cursor", s->name);
    log_info("%s: %ld page(s), %ld items (%ld loaded, %ld duplicate, %ld superseded, %ld rejected) "
             "in %.1f s",
             s->name, pages, total.received, total.loaded, total.duplicate, total.superseded,
             total.rejected, util_monotonic() - started);
out:
    if (result == -1 && PQstatus(conn) != CONNECTION_OK)
        result = -2;
    ingest_http_page_clear(&page);
    ingest_http_cursors_clear(&asked);
    ingest_http_close(client);
    xf_batch_destroy(h.batch);
    free(cursor);
    return result;
}
