/* xform_load_int.h - a batch as xform_load.c builds it and xform_merge.c merges it; nothing
 * outside these two files looks inside. */
#ifndef XINYU_XFORM_LOAD_INT_H
#define XINYU_XFORM_LOAD_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/util.h"
#include "transform/xform.h"

struct libdeflate_compressor;

/*
 * One received item of a batch: what the merge needs to decide its outcome, and where its
 * COPY cells are. The cells are written when the item was added, so that the merge only puts
 * the ids it draws in front of them.
 */
struct xf_item {
    unsigned char sha256[UTIL_SHA256_LEN];
    bool has_sha256;
    bool rejected; /* by the checks made in C */
    bool has_warning;
    char school_code[XF_SCHOOL_CODE_LEN + 1]; /* "" unless 10 digits */
    char period[XF_PERIOD_LEN + 1];           /* "" unless read */
    char district_reported[XF_DISTRICT_CODE_LEN + 1];
    long name_off;        /* the school name as sent, in strings; -1: not sent */
    int64_t submitted_us; /* submitted_at in microseconds since the epoch */
    int64_t received_seq; /* 0: not known (NULL) */
    int64_t received_item;
    size_t raw_off, raw_len;     /* raw: the raw row's fields from source to body_gz */
    size_t ident_len;            /* of them, source, ref, school_code and period */
    size_t body_off, body_len;   /* bodies: the bytes the batch's block keeps */
    bool in_block;               /* bytes kept in the batch's block (not a workbook's own) */
    size_t sub_off, sub_len;     /* submissions: from district_code_reported to the last field */
    size_t issue_off, issue_len; /* issues: "seq\tseverity\tcode\tpath\tmessage\tmessage_zh\n"... */
};

struct xf_batch {
    struct xf_item *item;
    long nitems, cap;
    buf raw;         /* the fields of the raw rows (binary COPY: the bytes go as they are) */
    buf bodies;      /* the bytes of the items kept in the block, one after another */
    buf submissions; /* the cells of the accepted items' submission rows */
    buf issues;      /* the issue rows found in C */
    buf strings;     /* NUL-terminated school names as sent */
    /* kept between items (xform_load.c) */
    struct libdeflate_compressor *deflate;
    long flush_max; /* xf_batch_set_flush */
    int (*flush_fn)(void *ctx);
    void *flush_ctx;
};

/* Appends data compressed as one gzip member with the batch's compressor. 0 or -1 (memory). */
int xf_batch_gzip(struct xf_batch *b, const unsigned char *data, size_t len, buf *out);

/* Empties the batch for the next one, keeping its memory. Never fails. */
void xf_batch_reset(struct xf_batch *b);

#endif
