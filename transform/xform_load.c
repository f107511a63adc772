/* xform_load.c - validates received items and builds their COPY cells, a batch at a time (the
 * merge is xform_merge.c). */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libdeflate.h>

#include "common/buf.h"
#include "common/copybin.h"
#include "common/db.h"
#include "common/log.h"
#include "common/util.h"
#include "transform/xform_load.h"
#include "transform/xform_load_int.h"
#include "transform/xform_workbook.h"

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
    free(b->item);
    buf_free(&b->submissions);
    buf_free(&b->issues);
    buf_free(&b->strings);
    buf_free(&b->raw);
    buf_free(&b->bodies);
    libdeflate_free_compressor(b->deflate);
    free(b);
}

void xf_batch_reset(struct xf_batch *b)
{
    buf_reset(&b->submissions);
    buf_reset(&b->issues);
    buf_reset(&b->strings);
    buf_reset(&b->raw);
    buf_reset(&b->bodies);
    b->nitems = 0;
}

long xf_batch_items(const struct xf_batch *b)
{
    return b->nitems;
}

size_t xf_batch_bytes(const struct xf_batch *b)
{
    return b->raw.len + b->bodies.len + b->submissions.len + b->issues.len;
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

/* The raw zone keeps a batch's submissions as one gzip member, its block, and a workbook as a
 * member of its own. libdeflate compresses a whole buffer at once, at its fastest level, in
 * about a third of zlib's time at its fastest for a smaller member; zlib inflates it as
 * before. One compressor serves a batch. */
#define GZIP_LEVEL 1

static int gzip_with(struct libdeflate_compressor *c, const unsigned char *data, size_t len,
                     buf *out)
{
    const size_t bound = libdeflate_gzip_compress_bound(c, len);
    if (buf_reserve(out, bound) != 0)
        return -1;
    size_t n = libdeflate_gzip_compress(c, data, len, out->data + out->len, bound);
    if (n == 0) /* cannot happen with the bound's room; a failure all the same */
        return -1;
    out->len += n;
    out->data[out->len] = '\0';
    return 0;
}

int xf_batch_gzip(struct xf_batch *b, const unsigned char *data, size_t len, buf *out)
{
    if (b->deflate == NULL && (b->deflate = libdeflate_alloc_compressor(GZIP_LEVEL)) == NULL)
        return -1;
    return gzip_with(b->deflate, data, len, out);
}

int xf_gzip_deflate(const unsigned char *data, size_t len, buf *out)
{
    struct libdeflate_compressor *c = libdeflate_alloc_compressor(GZIP_LEVEL);
    if (c == NULL)
        return -1;
    int rc = gzip_with(c, data, len, out);
    libdeflate_free_compressor(c);
    return rc;
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

/* The cells of an issue row from seq on; message_zh NULL or "" is stored as NULL (no Chinese
 * text known). */
static int add_issue_row(buf *rows, int seq, const char *severity, const char *code,
                         const char *path, const char *message, const char *message_zh)
{
    int rc = buf_put_int64(rows, seq);
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

/* The sums of XF_DERIVED_COLUMNS: E, E4, classes and the lessons given. */
struct derived {
    int64_t total, grade4_up, classes, lessons;
    bool any_lessons; /* some grade gives its lessons (else the sum is NULL) */
};

static struct derived derive(const struct xf_submission *sub)
{
    struct derived d = {0, 0, 0, 0, false};
    for (int g = 0; g < XF_GRADES; g++) {
        if (sub->enrolled_set[g]) {
            d.total += sub->enrolled[g];
            if (g >= 3)
                d.grade4_up += sub->enrolled[g];
        }
        if (sub->classes_set[g])
            d.classes += sub->classes[g];
        if (sub->lessons_set[g]) {
            d.lessons += sub->lessons[g];
            d.any_lessons = true;
        }
    }
    return d;
}

/* ---- the submission row in the binary COPY format ---------------------------------------
 * Written into room made once per row: a length and the value's bytes, big-endian. */

/* A numeric of cents / 100 (dscale 2), as numeric_recv reads it: the digits in base 10,000
 * from the highest, the weight of the first, the sign and the scale. At most four integer
 * groups (cents < 10^16) and the group of the cents. */
static unsigned char *field_cents(unsigned char *p, uint64_t cents)
{
    uint16_t groups[5];
    int n = 0;
    for (uint64_t whole = cents / 100; whole != 0 && n < 4; whole /= 10000)
        groups[n++] = (uint16_t)(whole % 10000);
    int weight = n - 1;
    uint16_t digits[6];
    int nd = 0;
    for (int k = n - 1; k >= 0; k--)
        digits[nd++] = groups[k];
    digits[nd++] = (uint16_t)(cents % 100 * 100);
    p = copybin_put_be(p, (uint64_t)(8 + 2 * nd), 4);
    const uint16_t head[4] = {(uint16_t)nd, (uint16_t)(int16_t)weight, 0 /* positive */, 2};
    for (int k = 0; k < 4; k++)
        p = copybin_put_be(p, head[k], 2);
    for (int k = 0; k < nd; k++)
        p = copybin_put_be(p, digits[k], 2);
    return p;
}

/* At most what a value field takes: a numeric of six digits. */
#define VALUE_FIELD_MAX (4 + 8 + 2 * 6)

/* A field's value; NULL when the value cannot be the column's (never after validation). */
static unsigned char *value_field(unsigned char *p, const struct xf_field *f,
                                  const struct xf_value *v)
{
    if (!v->set)
        return copybin_put_null(p);
    switch (f->kind) {
    case XF_COUNT:
        return v->integer < 0 || v->integer > XF_COUNT_MAX
                   ? NULL
                   : copybin_put_int4(p, (int32_t)v->integer);
    case XF_BOOL:
        return copybin_put_bool(p, v->integer != 0);
    case XF_MONEY: {
        /* a validated amount is a whole number of cents over 100 (xform_validate.c) */
        double cents = nearbyint(v->number * 100.0);
        return cents >= 0.0 && cents <= 1e14 ? field_cents(p, (uint64_t)cents) : NULL;
    }
    default:
        return copybin_put_float8(p, v->number);
    }
}

/* An int4[] of one dimension, grades 1 to XF_GRADES, NULL where not given. */
#define INT4_OID 23
#define GRADE_ARRAY_MAX (4 + 20 + XF_GRADES * 8)

static unsigned char *grade_array(unsigned char *p, const int64_t *v, const bool *set)
{
    bool any_null = false;
    for (int g = 0; g < XF_GRADES; g++) {
        any_null |= !set[g];
        if (set[g] && (v[g] < 0 || v[g] > XF_COUNT_MAX))
            return NULL;
    }
    unsigned char *len = p;
    p = copybin_put_be(p + 4, 1, 4); /* one dimension */
    p = copybin_put_be(p, any_null ? 1 : 0, 4);
    p = copybin_put_be(p, INT4_OID, 4);
    p = copybin_put_be(p, XF_GRADES, 4);
    p = copybin_put_be(p, 1, 4); /* from grade 1 */
    for (int g = 0; g < XF_GRADES; g++)
        p = set[g] ? copybin_put_int4(p, (int32_t)v[g]) : copybin_put_null(p);
    copybin_put_be(len, (uint64_t)(p - len - 4), 4);
    return p;
}

/* XF_DERIVED_COLUMNS: E, E4, classes, whether lessons were reported, the three per-grade
 * arrays and the lessons' sum. */
#define DERIVED_FIELDS_MAX (3 * 8 + 5 + 3 * GRADE_ARRAY_MAX + 12)

static unsigned char *derived_fields(unsigned char *p, const struct xf_submission *sub)
{
    const struct derived d = derive(sub);
    if (d.total > XF_COUNT_MAX || d.classes > XF_COUNT_MAX)
        return NULL;
    p = copybin_put_int4(p, (int32_t)d.total);
    p = copybin_put_int4(p, (int32_t)d.grade4_up);
    p = copybin_put_int4(p, (int32_t)d.classes);
    p = copybin_put_bool(p, sub->lessons_reported);
    if ((p = grade_array(p, sub->enrolled, sub->enrolled_set)) == NULL ||
        (p = grade_array(p, sub->classes, sub->classes_set)) == NULL ||
        (p = grade_array(p, sub->lessons, sub->lessons_set)) == NULL)
        return NULL;
    return d.any_lessons ? copybin_put_int8(p, d.lessons) : copybin_put_null(p);
}

int xf_submission_fields(buf *row, int64_t received_seq, int64_t received_item,
                         const struct xf_submission *sub)
{
    int rc = copybin_str(row, sub->district_code[0] ? sub->district_code : NULL);
    rc |= copybin_str(row, sub->school_name);
    if (rc != 0 || buf_reserve(row, 3 * 12 + DERIVED_FIELDS_MAX + XF_NFIELDS * VALUE_FIELD_MAX))
        return -1;
    unsigned char *p = (unsigned char *)row->data + row->len;
    if (received_seq > 0) {
        p = copybin_put_int8(p, received_seq);
        p = copybin_put_int8(p, received_item);
    } else {
        p = copybin_put_null(copybin_put_null(p));
    }
    /* the instant in microseconds since 2000-01-01 UTC */
    p = copybin_put_int8(p, (sub->submitted_epoch - COPYBIN_PG_EPOCH_UNIX) * 1000000);
    p = derived_fields(p, sub);
    for (int i = 0; i < XF_NFIELDS && p != NULL; i++)
        p = value_field(p, &xf_fields[i], &sub->values[i]);
    if (p == NULL) {
        log_error("a value of %s does not fit its column", sub->school_code);
        return -1;
    }
    row->len = (size_t)((char *)p - row->data);
    row->data[row->len] = '\0';
    return 0;
}

/* A new item at the end of the batch, zeroed; NULL when memory ran out. */
static struct xf_item *new_item(struct xf_batch *b)
{
    if (b->nitems == b->cap) {
        long cap = b->cap ? 2 * b->cap : 256;
        struct xf_item *grown = realloc(b->item, (size_t)cap * sizeof *grown);
        if (grown == NULL)
            return NULL;
        b->item = grown;
        b->cap = cap;
    }
    struct xf_item *it = &b->item[b->nitems];
    memset(it, 0, sizeof *it);
    it->name_off = -1;
    return it;
}

/*
 * Appends one item whose validation gave verdict, sub and res (an unreadable item: verdict 1,
 * both empty): its COPY cells and what the merge decides by. Returns 0, or -1 when memory ran
 * out (the batch then holds the items before it, and possibly cells nothing points to).
 */
static int stage_item(struct xf_batch *b, const struct xf_received *item, int verdict,
                      const struct xf_submission *sub, const struct xf_result *res)
{
    struct xf_item *it = new_item(b);
    if (it == NULL)
        return -1;
    int rc = 0;
    bool have_code = all_digits(sub->school_code, XF_SCHOOL_CODE_LEN);
    if (have_code)
        memcpy(it->school_code, sub->school_code, sizeof it->school_code);
    if (sub->period[0] != '\0')
        memcpy(it->period, sub->period, sizeof it->period);
    memcpy(it->district_reported, sub->district_code, sizeof it->district_reported);
    if (item->sha256 != NULL) {
        memcpy(it->sha256, item->sha256, UTIL_SHA256_LEN);
        it->has_sha256 = true;
    }
    it->rejected = verdict != 0;
    it->submitted_us = sub->submitted_epoch * 1000000;
    it->received_seq = item->received_seq > 0 ? item->received_seq : 0;
    it->received_item = item->received_item;
    if (sub->school_name != NULL) {
        it->name_off = (long)b->strings.len;
        rc |= buf_append(&b->strings, sub->school_name, strlen(sub->school_name) + 1);
    }

    buf *raw = &b->raw;
    it->raw_off = raw->len;
    rc |= copybin_text(raw, item->source, strlen(item->source));
    rc |= copybin_text(raw, item->ref, strlen(item->ref));
    rc |= copybin_str(raw, have_code ? sub->school_code : NULL);
    rc |= copybin_str(raw, it->period[0] ? it->period : NULL);
    it->ident_len = raw->len - it->raw_off;
    rc |= copybin_bytes(raw, item->sha256, UTIL_SHA256_LEN);
    rc |= copybin_int8(raw, (int64_t)item->byte_size);
    if (item->data != NULL && !item->workbook && rc == 0) {
        /* kept in the batch's block, compressed with the others when the batch is merged */
        it->in_block = true;
        it->body_off = b->bodies.len;
        it->body_len = item->len;
        rc |= buf_append(&b->bodies, item->data, item->len) | copybin_null(raw);
    } else if (item->data != NULL && rc == 0) {
        /* a workbook keeps its own member, compressed straight into the field */
        size_t at = raw->len;
        if (copybin_open(raw) != 0 || xf_batch_gzip(b, item->data, item->len, raw) != 0 ||
            copybin_close(raw, at) != 0)
            return -1;
    } else {
        rc |= copybin_null(raw);
    }
    it->raw_len = raw->len - it->raw_off;
    if (rc)
        return -1;

    it->issue_off = b->issues.len;
    if (item->error_code != NULL) {
        if (add_issue_row(&b->issues, 1, "reject", item->error_code, "",
                          item->error ? item->error : item->error_code,
                          ingest_reason_zh(item->error_code)) != 0)
            return -1;
    }
    for (int i = 0; i < res->nissues; i++) {
        const struct xf_issue *is = &res->issues[i];
        if (is->severity != XF_REJECT)
            it->has_warning = true;
        if (add_issue_row(&b->issues, i + 1, is->severity == XF_REJECT ? "reject" : "warning",
                          is->code, is->path, is->message, is->message_zh) != 0)
            return -1;
    }
    if (res->truncated) {
        if (verdict == 0)
            it->has_warning = true;
        if (add_issue_row(&b->issues, res->nissues + 1, verdict == 0 ? "warning" : "reject",
                          "too_many_issues", "", XF_EN(TOO_MANY_ISSUES),
                          XF_ZH(TOO_MANY_ISSUES)) != 0)
            return -1;
    }
    it->issue_len = b->issues.len - it->issue_off;
    if (verdict == 0) {
        it->sub_off = b->submissions.len;
        if (xf_submission_fields(&b->submissions, item->received_seq, item->received_item, sub) !=
            0)
            return -1;
        it->sub_len = b->submissions.len - it->sub_off;
    }
    b->nitems++;
    return 0;
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

int xf_staging_create(PGconn *conn)
{
    return db_exec(conn, "SELECT xinyu.create_staging()", "cannot create the staging tables");
}
