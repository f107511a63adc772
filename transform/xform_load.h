/* xform_load.h - staging a batch of received submissions by COPY and merging it; the registry
 * load. */
#ifndef XINYU_XFORM_LOAD_H
#define XINYU_XFORM_LOAD_H

#include <stdbool.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "common/buf.h"
#include "transform/xform.h"

/* One received item as the ingest stage hands it over. */
struct xf_received {
    const char *source;        /* the configured source's name */
    const char *ref;           /* file path (":line") or URL */
    const unsigned char *data; /* the submission's bytes, or NULL when unreadable and not kept */
    size_t len;
    size_t byte_size;            /* size of what was received */
    const unsigned char *sha256; /* 32 bytes, or NULL when nothing could be read */
    const char *error_code;      /* non-NULL: unreadable; rejected with this code ("gzip", ...) */
    const char *error;           /* the reason in words */
    /* its place in the order received, which breaks ties on submitted_at: the number of the
     * spool file or page it came in (xinyu.received_seq; 0 when unknown) and its place in
     * it, from 1 */
    int64_t received_seq;
    int64_t received_item;
    bool workbook;       /* data is an .xlsx workbook: its cells become the submission(s) */
    int64_t mtime_epoch; /* the file's modification time, for a workbook without 填报时间 */
};

/* Counts of what became of items; received = loaded + duplicate + superseded + rejected. */
struct xf_counts {
    long received, loaded, duplicate, superseded, rejected, warnings;
};

struct xf_batch; /* COPY buffers of the three staging tables */

/* Returns a new empty batch, or NULL when memory ran out; free with xf_batch_destroy. */
struct xf_batch *xf_batch_create(void);
void xf_batch_destroy(struct xf_batch *b);

/*
 * Validates item (when readable), compresses its bytes and appends its staging rows.
 * A workbook (item->workbook) is read with xf_workbook_read: a school's form is one item,
 * kept as the workbook's bytes; a roll-up is one item per school row, each kept as the JSON
 * made from its row (ref "FILE#汇总!ROW"); a refused workbook is one rejected item.
 * Thread-safe for distinct batches. Returns 0, or -1 when memory ran out.
 */
int xf_batch_add(struct xf_batch *b, const struct xf_received *item, const struct xf_options *opt);

/*
 * A workbook can hold many submissions (a district roll-up, one per school row): fn(ctx) is
 * then called from inside xf_batch_add whenever the batch holds max_items items, so that the
 * caller merges them (xf_batch_flush) and memory does not grow with the rows. fn returns 0,
 * or nonzero to stop reading the workbook (xf_batch_add then returns -1). NULL: never.
 */
void xf_batch_set_flush(struct xf_batch *b, long max_items, int (*fn)(void *ctx), void *ctx);

/* Items and bytes staged so far (to decide when to flush). */
long xf_batch_items(const struct xf_batch *b);
size_t xf_batch_bytes(const struct xf_batch *b);

/*
 * COPYs the staged rows into the session's staging tables and merges them with
 * xinyu.merge_batch, inside the caller's open transaction; adds the batch's counts to
 * counts and empties the batch. Returns 0, -1 after logging (the caller rolls back), or
 * XF_FLUSH_RETRY when the server chose this transaction to end a deadlock with another
 * worker's: the caller rolls back and loads the same input again in a new transaction.
 */
#define XF_FLUSH_RETRY (-2)

int xf_batch_flush(struct xf_batch *b, PGconn *conn, int64_t run_id, struct xf_counts *counts);

/*
 * The columns of xinyu.submission made from the per-grade figures, in the order
 * xf_submission_fields writes them: E, E4, classes, whether lessons were reported, the
 * enrolment, classes and lessons of grades 1 to 12 as given (NULL where not given) and the
 * sum of the lessons given (NULL when no grade gives any).
 */
#define XF_DERIVED_COLUMNS                                                                         \
    "enrolled_total, enrolled_grade4_up, classes_total, lessons_reported, grade_enrolled, "        \
    "grade_classes, grade_lessons, lessons_total"

/*
 * The COPY of xinyu.submission in the binary format, its columns in the order of a row
 * (XF_SUBMISSION_FIELDS of them): submission_id, raw_id, run_id, is_current, district_code,
 * received_at, school_code and period, which the merge writes, then what
 * xf_submission_fields writes. "" when it could not be made.
 */
#define XF_SUBMISSION_FIELDS (8 + 5 + 8 + XF_NFIELDS)
const char *xf_submission_copy(void);

/*
 * Appends a validated submission's fields of that row from district_code_reported on (the
 * district code and name as sent, received_seq and received_item, NULL when received_seq is
 * 0, submitted_at, XF_DERIVED_COLUMNS and the values of xf_fields), in the binary COPY
 * format. Returns 0, or -1 when memory ran out or a value cannot be its column's (the
 * validator lets none through).
 */
int xf_submission_fields(buf *row, int64_t received_seq, int64_t received_item,
                         const struct xf_submission *sub);

/* Creates the session's staging tables (xinyu.create_staging) and fills stage_message with the
 * catalogue's texts of the checks merge_batch makes in SQL. Returns 0, or -1 after logging. */
int xf_staging_create(PGconn *conn);

/* Results of xf_registry_load. */
enum {
    XF_REGISTRY_LOADED = 0,  /* applied, or unchanged since it was last applied */
    XF_REGISTRY_REFUSED = 1, /* the file cannot be read or has bad rows (each reported) */
    XF_REGISTRY_FAILED = -1  /* the database or memory failed */
};
/*
 * Loads the registry file at path into the database (transform/xform_registry_load.c) in one
 * transaction of its own, needing the owner's rights, and records the load under run_id:
 * every row is checked before any is applied; schools no longer listed become inactive. A
 * file whose hash is that of the registry applied last is skipped unless force. Returns an
 * XF_REGISTRY_* result, after logging what went wrong.
 */
int xf_registry_load(PGconn *conn, const char *path, int64_t run_id, bool force);

/* Compresses data as one gzip member at the fastest level, as the raw zone keeps every byte
 * received, appending to out. Returns 0, or -1 when memory ran out (out then as before). */
int xf_gzip_deflate(const unsigned char *data, size_t len, buf *out);

/* Adds b's counts to a. */
void xf_counts_add(struct xf_counts *a, const struct xf_counts *b);

#endif
