/* ingest.h - reading submissions from their sources: spool files, gzip, hashing. */
#ifndef XINYU_INGEST_H
#define XINYU_INGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/util.h"

#define INGEST_DEFAULT_MAX_SUBMISSION (8u * 1024 * 1024) /* inflated bytes of one submission */
#define INGEST_DEFAULT_MAX_FILE (1024u * 1024 * 1024)    /* bytes of one spool file as stored */
/* a workbook is read whole (a zip is read from its end): this bounds what one file holds */
#define INGEST_MAX_WORKBOOK_BYTES (64u * 1024 * 1024)

struct ingest_limits {
    size_t max_submission_bytes; /* one submission after inflating (spec: default 8 MiB) */
    size_t max_file_bytes;       /* one file as stored on disk */
};

/*
 * One received item: a submission's bytes, or an item that could not be read.
 * Valid only during the callback; copy what must outlive it.
 */
struct ingest_item {
    const char *ref;           /* "district/a.jsonl:12", "b.json", ... */
    const unsigned char *data; /* inflated bytes of one submission (error_code NULL); for an
                                * unreadable item the bytes as received when at most
                                * max_submission_bytes, else NULL */
    size_t len;
    size_t byte_size; /* size of what was received (inflated when readable) */
    unsigned char
        sha256[UTIL_SHA256_LEN]; /* of data when readable, else of the bytes as received */
    bool has_sha256;             /* false only when nothing could be read */
    const char *error_code;      /* NULL, or "gzip" (corrupt/truncated), "too_large" */
    const char *error;           /* the reason in words when error_code is set */
    bool workbook;               /* data is a whole .xlsx workbook (transform reads its cells) */
    int64_t mtime_epoch;         /* the file's modification time (seconds), 0 when unknown */
};

/*
 * Every source makes its items with these (ingest/ingest_item.c), so that an item is hashed
 * and capped the same way wherever it came from. ingest_item_read fills it for bytes that
 * were read (error_code and error NULL unless they are a bad item's bytes as received),
 * hashed as they are; it returns 0, or -1 with errno ENOMEM when the digest failed.
 * ingest_item_unread fills it for an item whose bytes are not kept (beyond a limit while
 * reading): no data, no hash. Both keep the pointers given; the item lives as long as they.
 */
int ingest_item_read(struct ingest_item *it, const char *ref, const void *data, size_t len,
                     const char *error_code, const char *error);
void ingest_item_unread(struct ingest_item *it, const char *ref, size_t byte_size,
                        const char *error_code, const char *error);
/*
 * The size cap of a submission held whole in memory: a readable item of more than
 * max_submission_bytes becomes "too_large" with the reason written into why (whylen bytes)
 * and its bytes dropped; its size and hash stay. A reader that streams (the spool) enforces
 * the same cap while reading and never hands over more. Returns true when it capped it.
 */
bool ingest_item_cap(struct ingest_item *it, size_t max_submission_bytes, char *why, size_t whylen);

/* Called once per item; return 0 to go on, -1 to stop reading (the reader then returns -1). */
typedef int (*ingest_item_fn)(const struct ingest_item *item, void *ctx);

/*
 * Inflates gzip data (every member of a multi-member stream) into out, stopping as
 * soon as the output would exceed cap. Returns 0 on success, 1 when the input is not
 * gzip or is corrupt or truncated, 2 when the output would exceed cap, -1 when memory
 * ran out. err receives the reason for 1 and 2.
 */
int ingest_gzip_inflate(const unsigned char *in, size_t inlen, size_t cap, buf *out, char *err,
                        size_t errlen);

/*
 * Appends the first want inflated bytes of one gzip member to out, inflating no further: a
 * slice of the raw zone's blocks (sql/schema/026_raw_blocks.sql). Returns 0, 1 when the data
 * is not gzip, is corrupt or ends before want bytes (err says which), -1 when memory ran out.
 */
int ingest_gzip_prefix(const unsigned char *in, size_t inlen, size_t want, buf *out, char *err,
                       size_t errlen);

/* The kinds of file the spool reads, by name; other names are ignored. */
enum ingest_file_kind {
    INGEST_NOT_INPUT = 0,
    INGEST_JSON,     /* .json: one submission */
    INGEST_JSONL,    /* .jsonl / .ndjson: one submission per non-blank line */
    INGEST_JSON_GZ,  /* .json.gz */
    INGEST_JSONL_GZ, /* .jsonl.gz / .ndjson.gz */
    INGEST_XLSX,     /* .xlsx, and .xls / .xlsm so that they are refused with a reason */
    INGEST_SUMMARY   /* CODE_PERIOD_summary.docx / .txt: a work summary, kept, never loaded */
};
/* Hidden names (leading '.') and partial uploads (.tmp, .part) are INGEST_NOT_INPUT. */
enum ingest_file_kind ingest_file_kind(const char *name);

/* What the scanner found: an input file, or an entry it skipped and why. */
typedef int (*ingest_scan_fn)(const char *relpath, int64_t size, int64_t mtime_ns, void *ctx);
typedef void (*ingest_skip_fn)(const char *relpath, const char *why, void *ctx);

/*
 * Walks dir (subdirectories too, at most 8 deep) and calls found() for every regular
 * input file, with its path relative to dir. Symbolic links and other non-regular
 * entries are never followed: skipped() hears of each. Returns 0, or -1 with err
 * set when dir cannot be read or a callback returned -1.
 */
int ingest_spool_scan(const char *dir, ingest_scan_fn found, ingest_skip_fn skipped, void *ctx,
                      char *err, size_t errlen);

/*
 * Reads one spool file (relpath under dir, opened without following symbolic links)
 * and calls fn for each item in it, in file order: a .json file is one item, a JSON
 * Lines file one item per non-blank line (ref "path:LINE"), gzip is inflated as it
 * is read with the per-submission cap enforced while inflating, so memory stays
 * bounded whatever the file holds. Everything about the bytes of a bad file becomes
 * an item with error_code set. Returns 0, or -1 with errno set: ECANCELED when fn
 * returned -1, ENOMEM, or the error of open(2) or read(2) when the file vanished or
 * could not be read to its end. Then it was not received whole: fn heard of nothing
 * from a .json or .json.gz file, of the lines before the failure from a JSON Lines
 * file, and the caller keeps the file to be read again.
 */
int ingest_spool_read(const char *dir, const char *relpath, const struct ingest_limits *lim,
                      ingest_item_fn fn, void *ctx);

#endif
