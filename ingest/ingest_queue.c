/* ingest_queue.c - the work queue of spool files: discovery, claims (FOR UPDATE SKIP LOCKED),
 * files done or left unread, and the run's counts from its items. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/log.h"
#include "ingest/ingest_queue.h"
#include "ingest/ingest_summary.h"

/* ---- discovery ---------------------------------------------------------------------- */

struct discover {
    const struct conf_source *source;
    int64_t run_id;
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
        log_warn("%s: %s", d->source->name, message);
        db_run_event(d->conn, d->run_id, d->source->name, "warning", message,
                     "跳过了一个文件名不是规范 UTF-8 文本的文件；将其改名后即可导入");
        return 0;
    }
    if (ingest_file_kind(relpath) == INGEST_SUMMARY) {
        /* a work summary is kept beside the submissions, never queued as one */
        if (ingest_summary_keep(d->conn, d->run_id, d->source->name, d->source->path, relpath) !=
            0) {
            d->failed = 1;
            return -1;
        }
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
    char message_zh[1024];
    snprintf(message, sizeof message, "skipped %s: %s", relpath, why);
    snprintf(message_zh, sizeof message_zh, "已跳过 %s（%s）", relpath, why);
    log_warn("%s: %s", d->source->name, message);
    db_run_event(d->conn, d->run_id, d->source->name, "warning", message, message_zh);
}

/*
 * A file version that could not be read and is no longer in the spool (moved away, or
 * replaced by a new version) leaves the queue: nothing was received from it, and if it comes
 * back it is discovered again. Rows a worker holds are left for the next run.
 * Returns 0, or -1 after logging.
 */
static int forget_gone_files(PGconn *conn, const char *source)
{
    const char *params[] = {source};
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
        log_info("%s: %s is no longer in the spool as it was when it could not be read", source,
                 PQgetvalue(res, i, 0));
    PQclear(res);
    return 0;
}

long ingest_queue_discover(PGconn *conn, const struct conf_source *source, int64_t run_id,
                           bool own_tx, long *avg_file_bytes)
{
    struct discover d = {source, run_id, conn, BUF_INIT, 0, 0};
    long pending = -1;
    char err[512];
    char run_text[24];
    snprintf(run_text, sizeof run_text, "%" PRId64, run_id);
    if (own_tx && db_exec(conn, "BEGIN", "cannot start the discovery") != 0)
        goto out;
    if (ingest_spool_scan(source->path, on_found, on_skipped, &d, err, sizeof err) != 0) {
        if (!d.failed) {
            log_error_detail("cannot read the spool directory", err,
                             "Check the source's \"path\" in the configuration.");
            char message_zh[sizeof err + 128];
            snprintf(message_zh, sizeof message_zh,
                     "无法读取报送目录（%s）；请检查配置中该来源的 path", err);
            db_run_event(conn, run_id, source->name, "error", err, message_zh);
        }
        goto out;
    }
    if (discover_flush(&d) != 0)
        goto out;
    const char *params[] = {source->name, run_text};
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
    if (forget_gone_files(conn, source->name) != 0)
        goto out;
    res = db_query(conn,
                   "SELECT count(*), coalesce(avg(byte_size), 0)::bigint FROM xinyu.ingest_file "
                   "WHERE source = $1 AND done_run IS NULL",
                   1, params, PGRES_TUPLES_OK, "cannot count the queue");
    if (res == NULL)
        goto out;
    pending = strtol(PQgetvalue(res, 0, 0), NULL, 10);
    *avg_file_bytes = strtol(PQgetvalue(res, 0, 1), NULL, 10);
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
    log_info("%s: %ld files in the spool, %ld waiting to be loaded", source->name, d.found,
             pending < 0 ? 0 : pending);
    return pending;
}

/* ---- claims ------------------------------------------------------------------------- */

PGresult *ingest_queue_claim(PGconn *conn, const char *source, long n, int64_t run_id)
{
    char limit[24], run_text[24];
    snprintf(limit, sizeof limit, "%ld", n);
    snprintf(run_text, sizeof run_text, "%" PRId64, run_id);
    const char *params[] = {source, limit, run_text};
    return db_query(conn,
                    "SELECT file_id, path, received_seq FROM xinyu.ingest_file "
                    "WHERE source = $1 AND done_run IS NULL "
                    "AND read_error_run IS DISTINCT FROM $3 "
                    "ORDER BY path, file_id LIMIT $2 FOR UPDATE SKIP LOCKED",
                    3, params, PGRES_TUPLES_OK, "cannot claim spool files");
}

int ingest_queue_done(PGconn *conn, int64_t run_id, const char *file_ids)
{
    char run_text[24];
    snprintf(run_text, sizeof run_text, "%" PRId64, run_id);
    const char *mark[] = {run_text, file_ids};
    PGresult *res = db_query(conn,
                             "UPDATE xinyu.ingest_file SET done_run = $1 "
                             "WHERE file_id = ANY ($2::bigint[])",
                             2, mark, PGRES_COMMAND_OK, "cannot mark files as loaded");
    if (res == NULL)
        return -1;
    PQclear(res);
    return 0;
}

int ingest_queue_keep_unread(PGconn *conn, const char *source, int64_t run_id, const char *file_id,
                             const char *path, int read_errno)
{
    char run_text[24];
    snprintf(run_text, sizeof run_text, "%" PRId64, run_id);
    const char *why = strerror(read_errno);
    const char *params[] = {file_id, why, run_text};
    PGresult *res = db_query(conn,
                             "UPDATE xinyu.ingest_file SET read_error = $2, read_error_run = $3 "
                             "WHERE file_id = $1",
                             3, params, PGRES_COMMAND_OK, "cannot keep an unread file pending");
    if (res == NULL)
        return -1;
    PQclear(res);
    char message[1024];
    snprintf(message, sizeof message,
             "cannot read %s: %s; it stays pending and the next run reads it again", path, why);
    char message_zh[1024];
    snprintf(message_zh, sizeof message_zh,
             "无法读取 %s（%s）；该文件保持待处理，下次运行时重新读取", path, why);
    log_warn("%s: %s", source, message);
    db_run_event(conn, run_id, source, "error", message, message_zh);
    return 0;
}

long ingest_queue_count_unread(PGconn *conn, const char *source, int64_t run_id)
{
    char run_text[24];
    snprintf(run_text, sizeof run_text, "%" PRId64, run_id);
    const char *params[] = {source, run_text};
    PGresult *res = db_query(conn,
                             "SELECT count(*) FROM xinyu.ingest_file WHERE source = $1 "
                             "AND done_run IS NULL AND read_error_run = $2",
                             2, params, PGRES_TUPLES_OK, "cannot count the unread files");
    if (res == NULL)
        return -1;
    long unread = strtol(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    if (unread > 0)
        log_warn("%s: %ld files could not be read; they stay pending (see xinyu status)", source,
                 unread);
    return unread;
}

/* ---- the run's counts --------------------------------------------------------------- */

void ingest_run_counts(PGconn *conn, int64_t run_id, enum ingest_counts_from from,
                       struct xf_counts *k)
{
    /* each returns the counts as one xinyu.run_tally; run_finish has kept them final in the
     * record, which run_counts_kept reads then */
#define TALLY_OF "SELECT received, loaded, duplicate, superseded, rejected, warnings FROM "
    static const char *const sql[] = {
        [COUNTS_MADE] = TALLY_OF "xinyu.run_counts($1)",
        [COUNTS_RECORDED] = TALLY_OF "xinyu.run_counts_kept($1)",
        [COUNTS_KEPT] = TALLY_OF "xinyu.run_count($1)",
    };
#undef TALLY_OF
    char id[24];
    snprintf(id, sizeof id, "%" PRId64, run_id);
    const char *params[] = {id};
    PGresult *res =
        db_query(conn, sql[from], 1, params, PGRES_TUPLES_OK, "cannot count the run's items");
    if (res == NULL)
        return;
    if (PQntuples(res) != 1) {
        PQclear(res);
        return;
    }
    long *fields[] = {&k->received,   &k->loaded,   &k->duplicate,
                      &k->superseded, &k->rejected, &k->warnings};
    for (int i = 0; i < 6; i++)
        *fields[i] = strtol(PQgetvalue(res, 0, i), NULL, 10);
    PQclear(res);
}
