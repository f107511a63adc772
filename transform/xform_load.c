/* xform_load.c - builds the COPY rows of a batch and merges it in one transaction. */
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zlib.h>

#include "common/buf.h"
#include "common/db.h"
#include "common/fault.h"
#include "common/log.h"
#include "common/util.h"
#include "transform/xform_load.h"
#include "transform/xform_workbook.h"

struct xf_batch {
    buf items;       /* stage_item rows */
    buf submissions; /* stage_submission rows */
    buf issues;      /* stage_issue rows */
    buf gz;          /* scratch: the compressed bytes of one item */
    long nitems;
    long flush_max; /* xf_batch_set_flush */
    int (*flush_fn)(void *ctx);
    void *flush_ctx;
};

void xf_batch_set_flush(struct xf_batch *b, long max_items, int (*fn)(void *ctx), void *ctx)
{
    b->flush_max = max_items;
    b->flush_fn = fn;
    b->flush_ctx = ctx;
}

struct xf_batch *xf_batch_create(void)
{
    return calloc(1, sizeof(struct xf_batch));
}

void xf_batch_destroy(struct xf_batch *b)
{
    if (b == NULL)
        return;
    buf_free(&b->items);
    buf_free(&b->submissions);
    buf_free(&b->issues);
    buf_free(&b->gz);
    free(b);
}

long xf_batch_items(const struct xf_batch *b)
{
    return b->nitems;
}

size_t xf_batch_bytes(const struct xf_batch *b)
{
    return b->items.len + b->submissions.len + b->issues.len;
}

void xf_counts_add(struct xf_counts *a, const struct xf_counts *b)
{
    a->received += b->received;
    a->loaded += b->loaded;
    a->duplicate += b->duplicate;
    a->superseded += b->superseded;
    a->rejected += b->rejected;
    a->warnings += b->warnings;
}

/* Appends a tab (unless first) and a text cell, \N for NULL. */
static int cell_text(buf *row, const char *s, int first)
{
    if (!first && buf_putc(row, '\t') != 0)
        return -1;
    if (s == NULL)
        return buf_puts(row, "\\N");
    return buf_copy_text(row, s, strlen(s));
}

/* Appends a bytea cell in hex form (\\x... in COPY text), \N for NULL. */
static int cell_bytea(buf *row, const unsigned char *data, size_t len)
{
    if (buf_putc(row, '\t') != 0)
        return -1;
    if (data == NULL)
        return buf_puts(row, "\\N");
    if (buf_reserve(row, 3 + 2 * len) != 0)
        return -1;
    buf_puts(row, "\\\\x");
    util_hex(data, len, row->data + row->len);
    row->len += 2 * len;
    return 0;
}

#define GZIP_CHUNK (64u * 1024)

static size_t min_size(size_t a, size_t b)
{
    return a < b ? a : b;
}

int xf_gzip_deflate(const unsigned char *data, size_t len, buf *out)
{
    z_stream zs = {0};
    if (deflateInit2(&zs, Z_BEST_SPEED, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    const size_t start = out->len;
    /* one allocation in the usual case; the loop below copes if the bound was too small */
    if (buf_reserve(out, (size_t)deflateBound(&zs, (uLong)len)) != 0) {
        (void)deflateEnd(&zs);
        return -1;
    }
    zs.next_in = (Bytef *)(uintptr_t)data; /* zlib does not write to it */
    zs.avail_in = (uInt)min_size(len, UINT_MAX);
    size_t fed = zs.avail_in;

    int result = -1;
    for (;;) {
        if (zs.avail_in == 0 && fed < len) {
            zs.avail_in = (uInt)min_size(len - fed, UINT_MAX);
            fed += zs.avail_in;
        }
        if (out->cap - out->len - 1 == 0 && buf_reserve(out, GZIP_CHUNK) != 0)
            break;
        zs.next_out = (unsigned char *)out->data + out->len;
        zs.avail_out = (uInt)min_size(out->cap - out->len - 1, UINT_MAX);
        uInt before = zs.avail_out;
        int rc = deflate(&zs, fed == len ? Z_FINISH : Z_NO_FLUSH);
        out->len += before - zs.avail_out;
        if (rc == Z_STREAM_END) {
            result = 0;
            break;
        }
        /* with room in out, deflate always progresses: anything but Z_OK is a failure */
        if (rc != Z_OK)
            break;
    }
    (void)deflateEnd(&zs);
    if (result != 0)
        out->len = start;
    out->data[out->len] = '\0';
    return result;
}

static bool all_digits(const char *s, size_t n)
{
    if (strlen(s) != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
    }
    return true;
}

/* A stage_issue row; message_zh NULL or "" is stored as NULL (no Chinese text known). */
static int add_issue_row(buf *rows, long item_no, int seq, const char *severity, const char *code,
                         const char *path, const char *message, const char *message_zh)
{
    int rc = buf_printf(rows, "%ld\t%d", item_no, seq);
    rc |= cell_text(rows, severity, 0);
    rc |= cell_text(rows, code, 0);
    rc |= cell_text(rows, path, 0);
    rc |= cell_text(rows, message, 0);
    rc |= cell_text(rows, message_zh != NULL && message_zh[0] != '\0' ? message_zh : NULL, 0);
    rc |= buf_putc(rows, '\n');
    return rc ? -1 : 0;
}

/* The Chinese text of a reason found before validation: by its code, from the catalogue. */
static const char *ingest_reason_zh(const char *code)
{
    if (strcmp(code, "gzip") == 0)
        return XF_ZH(GZIP);
    if (strcmp(code, "too_large") == 0)
        return XF_ZH(TOO_LARGE);
    return NULL;
}

int xf_value_cell(buf *row, const struct xf_field *f, const struct xf_value *v)
{
    if (buf_putc(row, '\t') != 0)
        return -1;
    if (!v->set)
        return buf_puts(row, "\\N");
    switch (f->kind) {
    case XF_COUNT:
        return buf_printf(row, "%" PRId64, v->integer);
    case XF_BOOL:
        return buf_puts(row, v->integer ? "t" : "f");
    case XF_MONEY:
        return buf_printf(row, "%.2f", v->number);
    default:
        return buf_printf(row, "%.17g", v->number);
    }
}

/* An int array cell in COPY text form: "{1,NULL,3}". */
static int cell_int_array(buf *row, const int64_t *v, const bool *set, int n)
{
    int rc = buf_puts(row, "\t{");
    for (int i = 0; i < n; i++) {
        if (i > 0)
            rc |= buf_putc(row, ',');
        rc |= set[i] ? buf_printf(row, "%" PRId64, v[i]) : buf_puts(row, "NULL");
    }
    return rc | buf_putc(row, '}');
}

int xf_derived_cells(buf *row, const struct xf_submission *sub)
{
    int64_t total = 0, grade4_up = 0, classes = 0, lessons = 0;
    bool any_lessons = false;
    for (int g = 0; g < XF_GRADES; g++) {
        if (sub->enrolled_set[g]) {
            total += sub->enrolled[g];
            if (g >= 3)
                grade4_up += sub->enrolled[g];
        }
        if (sub->classes_set[g])
            classes += sub->classes[g];
        if (sub->lessons_set[g]) {
            lessons += sub->lessons[g];
            any_lessons = true;
        }
    }
    int rc = buf_printf(row, "\t%" PRId64 "\t%" PRId64 "\t%" PRId64 "\t%s", total, grade4_up,
                        classes, sub->lessons_reported ? "t" : "f");
    rc |= cell_int_array(row, sub->enrolled, sub->enrolled_set, XF_GRADES);
    rc |= cell_int_array(row, sub->classes, sub->classes_set, XF_GRADES);
    rc |= cell_int_array(row, sub->lessons, sub->lessons_set, XF_GRADES);
    rc |= any_lessons ? buf_printf(row, "\t%" PRId64, lessons) : buf_puts(row, "\t\\N");
    return rc ? -1 : 0;
}

static int add_submission_rows(struct xf_batch *b, long item_no, const struct xf_received *item,
                               const struct xf_submission *sub)
{
    buf *row = &b->submissions;
    int rc = buf_printf(row, "%ld", item_no);
    if (item->received_seq > 0)
        rc |= buf_printf(row, "\t%" PRId64 "\t%" PRId64, item->received_seq, item->received_item);
    else
        rc |= buf_puts(row, "\t\\N\t\\N");
    /* the instant in UTC: RFC 3339 allows offsets up to 23:59, PostgreSQL only up to 15:59 */
    char instant[96];
    time_t t = (time_t)sub->submitted_epoch;
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL)
        return -1;
    /* year 1 at +14:00 is year 0 in UTC, which PostgreSQL writes as 1 BC */
    int year = tm.tm_year + 1900;
    snprintf(instant, sizeof instant, "%04d-%02d-%02d %02d:%02d:%02d+00%s",
             year > 0 ? year : 1 - year, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
             tm.tm_sec, year > 0 ? "" : " BC");
    rc |= cell_text(row, instant, 0);
    rc |= xf_derived_cells(row, sub);
    for (int i = 0; i < XF_NFIELDS; i++)
        rc |= xf_value_cell(row, &xf_fields[i], &sub->values[i]);
    rc |= buf_putc(row, '\n');
    return rc ? -1 : 0;
}

/*
 * Appends the staging rows of one item whose validation gave verdict, sub and res (an
 * unreadable item: verdict 1, both empty). Returns 0, or -1 when memory ran out.
 */
static int stage_item(struct xf_batch *b, const struct xf_received *item, int verdict,
                      const struct xf_submission *sub, const struct xf_result *res)
{
    long item_no = ++b->nitems;
    int rc = 0;
    buf *row = &b->items;
    rc |= buf_printf(row, "%ld", item_no);
    rc |= cell_text(row, item->source, 0);
    rc |= cell_text(row, item->ref, 0);
    rc |= cell_bytea(row, item->sha256, item->sha256 ? UTIL_SHA256_LEN : 0);
    rc |= buf_printf(row, "\t%zu", item->byte_size);
    if (item->data != NULL) {
        buf_reset(&b->gz);
        if (xf_gzip_deflate(item->data, item->len, &b->gz) != 0)
            goto oom;
        rc |= cell_bytea(row, (const unsigned char *)b->gz.data, b->gz.len);
    } else {
        rc |= cell_bytea(row, NULL, 0);
    }
    bool have_code = all_digits(sub->school_code, XF_SCHOOL_CODE_LEN);
    bool have_period = sub->period[0] != '\0';
    rc |= cell_text(row, have_code ? sub->school_code : NULL, 0);
    rc |= cell_text(row, have_period ? sub->period : NULL, 0);
    rc |= cell_text(row, sub->district_code[0] ? sub->district_code : NULL, 0);
    rc |= cell_text(row, sub->school_name, 0);
    if (sub->school_name != NULL) {
        /* the merge quotes the name in its registry warning exactly as xinyu check does */
        char quoted[XF_NAME_QUOTE_MAX + 4];
        xf_quote_text(quoted, XF_NAME_QUOTE_MAX, sub->school_name, strlen(sub->school_name));
        rc |= cell_text(row, quoted, 0);
    } else {
        rc |= cell_text(row, NULL, 0);
    }
    rc |= buf_puts(row, verdict == 0 ? "\tf\n" : "\tt\n");
    if (rc)
        goto oom;

    if (item->error_code != NULL) {
        if (add_issue_row(&b->issues, item_no, 1, "reject", item->error_code, "",
                          item->error ? item->error : item->error_code,
                          ingest_reason_zh(item->error_code)) != 0)
            goto oom;
    }
    for (int i = 0; i < res->nissues; i++) {
        const struct xf_issue *is = &res->issues[i];
        if (add_issue_row(&b->issues, item_no, i + 1,
                          is->severity == XF_REJECT ? "reject" : "warning", is->code, is->path,
                          is->message, is->message_zh) != 0)
            goto oom;
    }
    if (res->truncated &&
        add_issue_row(&b->issues, item_no, res->nissues + 1, verdict == 0 ? "warning" : "reject",
                      "too_many_issues", "", XF_EN(TOO_MANY_ISSUES), XF_ZH(TOO_MANY_ISSUES)) != 0)
        goto oom;
    if (verdict == 0 && add_submission_rows(b, item_no, item, sub) != 0)
        goto oom;
    return 0;
oom:
    return -1;
}

/* One submission of a workbook: validated with its cells named, then staged. */
struct wb_stage {
    struct xf_batch *b;
    const struct xf_received *item;
    const struct xf_options *opt;
    buf ref;
    bool oom;
};

static int stage_entry(const struct xf_wb_entry *e, void *ctx)
{
    struct wb_stage *w = ctx;
    struct xf_submission sub;
    struct xf_result res;
    memset(&sub, 0, sizeof sub);
    memset(&res, 0, sizeof res);
    int verdict = xf_wb_validate(e, w->opt, &sub, &res);
    int rc = -1;
    if (verdict >= 0) {
        if (e->layout == XF_WB_SCHOOL) {
            /* the school's own workbook is what is kept and hashed */
            rc = stage_item(w->b, w->item, verdict, &sub, &res);
        } else {
            /* a roll-up row is kept as the submission made of it: each row is a school's
             * own submission, and the district's workbook is not kept once per school */
            struct xf_received row = *w->item;
            unsigned char sha[UTIL_SHA256_LEN];
            buf_reset(&w->ref);
            if (buf_printf(&w->ref, "%s#%s!%u", w->item->ref, e->sheet, (unsigned)e->row) == 0 &&
                util_sha256(e->json, e->json_len, sha) == 0) {
                row.ref = w->ref.data;
                row.data = (const unsigned char *)e->json;
                row.len = e->json_len;
                row.byte_size = e->json_len;
                row.sha256 = sha;
                row.workbook = false;
                rc = stage_item(w->b, &row, verdict, &sub, &res);
                if (rc == 0 && w->b->flush_fn != NULL && w->b->nitems >= w->b->flush_max &&
                    w->b->flush_fn(w->b->flush_ctx) != 0)
                    rc = -1;
            }
        }
    }
    xf_submission_clear(&sub);
    xf_result_clear(&res);
    if (rc != 0)
        w->oom = true;
    return rc != 0;
}

static int batch_add_workbook(struct xf_batch *b, const struct xf_received *item,
                              const struct xf_options *opt)
{
    struct wb_stage w = {b, item, opt, BUF_INIT, false};
    struct xf_wb_read_opts ro = {.mtime_epoch = item->mtime_epoch};
    struct xf_wb_refusal why;
    int rc = xf_workbook_read(item->data, item->len, &ro, stage_entry, &w, &why);
    buf_free(&w.ref);
    if (rc < 0)
        return -1;
    if (rc == 0)
        return 0;
    /* refused as a whole: one rejected item, the workbook's bytes kept */
    struct xf_received refused = *item;
    refused.error_code = why.code;
    refused.error = why.message;
    struct xf_submission sub;
    struct xf_result res;
    memset(&sub, 0, sizeof sub);
    memset(&res, 0, sizeof res);
    util_strlcpy(sub.school_code, why.school_code, sizeof sub.school_code);
    util_strlcpy(sub.period, why.period, sizeof sub.period);
    return stage_item(b, &refused, 1, &sub, &res);
}

int xf_batch_add(struct xf_batch *b, const struct xf_received *item, const struct xf_options *opt)
{
    if (item->workbook && item->error_code == NULL)
        return batch_add_workbook(b, item, opt);
    struct xf_submission sub;
    struct xf_result res;
    memset(&sub, 0, sizeof sub);
    memset(&res, 0, sizeof res);
    int verdict = 1;
    if (item->error_code == NULL) {
        verdict = xf_validate((const char *)item->data, item->len, opt, &sub, &res);
        if (verdict < 0)
            goto oom;
    }
    if (stage_item(b, item, verdict, &sub, &res) != 0)
        goto oom;
    xf_submission_clear(&sub);
    xf_result_clear(&res);
    return 0;
oom:
    xf_submission_clear(&sub);
    xf_result_clear(&res);
    return -1;
}

/* The checks against the registry are made in SQL (xinyu.merge_batch), with these entries of
 * the catalogue at these paths; their templates take only "s" arguments, as format() does. */
static const struct {
    const char *name; /* the id merge_batch looks up */
    enum xf_msg_id id;
    const char *path;
} sql_messages[] = {
    {"UNKNOWN_SCHOOL", XF_MSG_UNKNOWN_SCHOOL, "school_code"},
    {"INACTIVE_SCHOOL", XF_MSG_INACTIVE_SCHOOL, "school_code"},
    {"DISTRICT_MISMATCH", XF_MSG_DISTRICT_MISMATCH, "district_code"},
    {"NAME_MISMATCH", XF_MSG_NAME_MISMATCH, "school_name"},
};

int xf_staging_create(PGconn *conn)
{
    if (db_exec(conn, "SELECT xinyu.create_staging()", "cannot create the staging tables") != 0)
        return -1;
    buf rows = BUF_INIT;
    int rc = 0;
    for (size_t i = 0; i < sizeof sql_messages / sizeof sql_messages[0]; i++) {
        char zh[512];
        if (xf_message_template_zh(zh, sizeof zh, sql_messages[i].id, sql_messages[i].path) == 0) {
            log_error("cannot build the Chinese template of %s", sql_messages[i].name);
            rc = -1;
            break;
        }
        rc |= cell_text(&rows, sql_messages[i].name, 1);
        rc |= cell_text(&rows, xf_messages[sql_messages[i].id].en, 0);
        rc |= cell_text(&rows, zh, 0);
        rc |= buf_putc(&rows, '\n');
    }
    if (rc == 0 && rows.data == NULL)
        rc = -1;
    /* a session that staged before keeps its table: the catalogue of this binary replaces it */
    if (rc == 0)
        rc = db_exec(conn, "TRUNCATE stage_message", "cannot create the staging tables");
    if (rc == 0)
        rc = db_copy_in(conn, "COPY stage_message (id, en, zh) FROM STDIN", &rows);
    buf_free(&rows);
    return rc == 0 ? 0 : -1;
}

static char submission_copy[4096];
static pthread_once_t submission_copy_once = PTHREAD_ONCE_INIT;

/* The column list follows the field table; built once, from constants only. */
static void build_submission_copy(void)
{
    buf sql = BUF_INIT;
    buf_puts(&sql, "COPY stage_submission (item_no, received_seq, received_item, "
                   "submitted_at, " XF_DERIVED_COLUMNS);
    for (int i = 0; i < XF_NFIELDS; i++)
        buf_printf(&sql, ", %s", xf_fields[i].column);
    buf_puts(&sql, ") FROM STDIN");
    if (sql.data == NULL || util_strlcpy(submission_copy, sql.data, sizeof submission_copy) != 0)
        submission_copy[0] = '\0';
    buf_free(&sql);
}

static int copy_if_any(PGconn *conn, const char *sql, const buf *rows)
{
    if (rows->len == 0)
        return 0;
    return db_copy_in(conn, sql, rows);
}

int xf_batch_flush(struct xf_batch *b, PGconn *conn, int64_t run_id, struct xf_counts *counts)
{
    if (b->nitems == 0)
        return 0;
    int rc = -1;
    pthread_once(&submission_copy_once, build_submission_copy);
    if (submission_copy[0] == '\0') {
        log_error("cannot build the staging COPY statement");
        goto out;
    }
    fault_point("copy");
    if (copy_if_any(conn,
                    "COPY stage_item (item_no, source, ref, sha256, byte_size, body_gz, "
                    "school_code, period, district_code_reported, school_name_reported, "
                    "school_name_quoted, "
                    "rejected) "
                    "FROM STDIN",
                    &b->items) != 0 ||
        copy_if_any(conn, submission_copy, &b->submissions) != 0 ||
        copy_if_any(conn,
                    "COPY stage_issue (item_no, seq, severity, code, path, message, message_zh) "
                    "FROM STDIN",
                    &b->issues) != 0)
        goto out;

    char run_text[24];
    snprintf(run_text, sizeof run_text, "%" PRId64, run_id);
    const char *params[] = {run_text};
    fault_point("merge");
    PGresult *res =
        PQexecParams(conn, "SELECT * FROM xinyu.merge_batch($1)", 1, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
        if (state != NULL && (strcmp(state, "40P01") == 0 || strcmp(state, "40001") == 0)) {
            /* lost to another worker's transaction: not an error of the data */
            log_info("a batch waited on another worker's and was rolled back; loading it again");
            rc = XF_FLUSH_RETRY;
        } else if (res == NULL) {
            log_error("cannot merge the batch: %s", PQerrorMessage(conn));
        } else {
            db_log_result(res, "cannot merge the batch");
        }
        PQclear(res);
        goto out;
    }
    if (PQntuples(res) == 1 && PQnfields(res) == 5) {
        struct xf_counts c;
        c.loaded = strtol(PQgetvalue(res, 0, 0), NULL, 10);
        c.duplicate = strtol(PQgetvalue(res, 0, 1), NULL, 10);
        c.superseded = strtol(PQgetvalue(res, 0, 2), NULL, 10);
        c.rejected = strtol(PQgetvalue(res, 0, 3), NULL, 10);
        c.warnings = strtol(PQgetvalue(res, 0, 4), NULL, 10);
        c.received = b->nitems;
        xf_counts_add(counts, &c);
        rc = 0;
    } else {
        log_error("cannot merge the batch: unexpected result shape");
    }
    PQclear(res);
out:
    buf_reset(&b->items);
    buf_reset(&b->submissions);
    buf_reset(&b->issues);
    b->nitems = 0;
    return rc;
}
