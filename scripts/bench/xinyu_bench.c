/* xinyu_bench.c - the lower bounds of make bench: reading, parsing and COPY of a spool alone. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "common/buf.h"
#include "common/copybin.h"
#include "common/db.h"
#include "common/log.h"
#include "common/util.h"
#include "ingest/ingest.h"
#include "transform/xform.h"
#include "transform/xform_load.h"
#include "report/report_template.h"

#define BENCH_SOURCE "bench"         /* the source name the bench configuration uses */
#define BENCH_RUN_ID 1000000         /* the run row the COPY rows point to; far from serials */
#define COPY_CHUNK (1024u * 1024)    /* bytes per PQputCopyData: large, as the loader does */
#define SAMPLE_DEFAULT_PER_FILE 1000 /* submissions per JSON Lines file written by sample */
#define MAX_JOBS 256

static void usage(FILE *out)
{
    fputs("Usage: xinyu-bench COMMAND ...\n"
          "\n"
          "The lower bounds of Xinyu's nightly run, each printed as one line of key=value:\n"
          "  read SPOOL [--jobs N]          read, inflate and hash every item (as ingest does)\n"
          "  parse SPOOL [--jobs N]         read and parse every item with jansson alone\n"
          "  prepare SPOOL --registry CSV --out DIR\n"
          "                                 validate and normalize every item and write the COPY\n"
          "                                 text of raw_submission and submission into DIR\n"
          "                                 (not timed)\n"
          "  copy DIR --db CONNINFO [--jobs N]\n"
          "                                 time COPY of DIR's rows into a migrated database\n"
          "                                 that holds the registry and nothing else\n"
          "  sample SPOOL --count K --format F --out DIR [--per-file N]\n"
          "                                 write the first K readable items of SPOOL into DIR\n"
          "                                 as json, jsonl, json.gz or jsonl.gz files\n"
          "  workbooks SPOOL --registry CSV --period P --out DIR\n"
          "                                 write every loadable submission of term P twice: as\n"
          "                                 DIR/json/CODE_P.json and as the template filled in,\n"
          "                                 DIR/xlsx/CODE_P.xlsx (the workbook case; not timed)\n",
          out);
}

/* ---- the spool's files, in a fixed order, shared among threads ------------------------- */

struct file_list {
    char **paths;
    int64_t *sizes;
    size_t n, cap;
};

static int on_found(const char *relpath, int64_t size, int64_t mtime_ns, void *ctx)
{
    (void)mtime_ns;
    struct file_list *l = ctx;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 1024;
        char **p = realloc(l->paths, cap * sizeof *p);
        if (p == NULL)
            return -1;
        l->paths = p;
        int64_t *s = realloc(l->sizes, cap * sizeof *s);
        if (s == NULL)
            return -1;
        l->sizes = s;
        l->cap = cap;
    }
    l->paths[l->n] = strdup(relpath);
    if (l->paths[l->n] == NULL)
        return -1;
    l->sizes[l->n] = size;
    l->n++;
    return 0;
}

static void on_skipped(const char *relpath, const char *why, void *ctx)
{
    (void)ctx;
    fprintf(stderr, "xinyu-bench: skipped %s: %s\n", relpath, why);
}

static int list_spool(const char *dir, struct file_list *l)
{
    char err[512] = "";
    memset(l, 0, sizeof *l);
    if (ingest_spool_scan(dir, on_found, on_skipped, l, err, sizeof err) != 0) {
        fprintf(stderr, "xinyu-bench: cannot read %s: %s\n", dir, err[0] ? err : "out of memory");
        return -1;
    }
    return 0;
}

static void free_list(struct file_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->paths[i]);
    free(l->paths);
    free(l->sizes);
}

static int64_t disk_bytes(const struct file_list *l)
{
    int64_t total = 0;
    for (size_t i = 0; i < l->n; i++)
        total += l->sizes[i];
    return total;
}

static double now_s(void)
{
    return util_monotonic();
}

/* ---- read and parse: worker threads take the next file from a shared counter ------------ */

enum scan_mode { MODE_READ, MODE_PARSE };

struct scan_job {
    const char *dir;
    const struct file_list *files;
    atomic_size_t next;
    enum scan_mode mode;
    struct ingest_limits limits;
};

struct scan_worker {
    struct scan_job *job;
    long items, unreadable, parse_errors;
    uint64_t bytes;
    int failed;
};

static int scan_item(const struct ingest_item *item, void *ctx)
{
    struct scan_worker *w = ctx;
    w->items++;
    if (item->error_code != NULL) {
        w->unreadable++;
        return 0;
    }
    w->bytes += item->len;
    if (w->job->mode == MODE_PARSE) {
        json_error_t err;
        /* the same flags as the validator: this is the parse every submission pays */
        json_t *root =
            json_loadb((const char *)item->data, item->len, JSON_REJECT_DUPLICATES, &err);
        if (root == NULL)
            w->parse_errors++;
        else
            json_decref(root);
    }
    return 0;
}

static void *scan_main(void *arg)
{
    struct scan_worker *w = arg;
    struct scan_job *job = w->job;
    for (;;) {
        size_t i = atomic_fetch_add(&job->next, 1);
        if (i >= job->files->n)
            break;
        if (ingest_spool_read(job->dir, job->files->paths[i], &job->limits, scan_item, w) != 0) {
            fprintf(stderr, "xinyu-bench: cannot read %s: %s\n", job->files->paths[i],
                    strerror(errno));
            w->failed = 1;
            break;
        }
    }
    return NULL;
}

static int cmd_scan(const char *dir, int jobs, enum scan_mode mode)
{
    /* finding the files is part of the bound: the ingest's discovery does it too */
    double t0 = now_s();
    struct file_list files;
    if (list_spool(dir, &files) != 0)
        return 1;
    struct scan_job job = {.dir = dir, .files = &files, .mode = mode};
    atomic_init(&job.next, 0);
    job.limits.max_submission_bytes = INGEST_DEFAULT_MAX_SUBMISSION;
    job.limits.max_file_bytes = INGEST_DEFAULT_MAX_FILE;
    struct scan_worker workers[MAX_JOBS];
    pthread_t threads[MAX_JOBS];
    memset(workers, 0, sizeof workers);
    int started = 0;
    for (int i = 0; i < jobs; i++) {
        workers[i].job = &job;
        if (jobs == 1) {
            scan_main(&workers[i]);
            started = 1;
            break;
        }
        if (pthread_create(&threads[i], NULL, scan_main, &workers[i]) != 0) {
            fprintf(stderr, "xinyu-bench: cannot start a thread\n");
            workers[i].failed = 1;
            break;
        }
        started++;
    }
    if (jobs > 1) {
        for (int i = 0; i < started; i++)
            pthread_join(threads[i], NULL);
    }
    double secs = now_s() - t0;
    struct scan_worker sum = {0};
    for (int i = 0; i < jobs; i++) {
        sum.items += workers[i].items;
        sum.unreadable += workers[i].unreadable;
        sum.parse_errors += workers[i].parse_errors;
        sum.bytes += workers[i].bytes;
        sum.failed |= workers[i].failed;
    }
    printf("case=%s jobs=%d files=%zu submissions=%ld unreadable=%ld parse_errors=%ld "
           "bytes=%" PRIu64 " disk_bytes=%" PRId64 " seconds=%.3f\n",
           mode == MODE_READ ? "read" : "parse", jobs, files.n, sum.items, sum.unreadable,
           sum.parse_errors, sum.bytes, disk_bytes(&files), secs);
    free_list(&files);
    return sum.failed ? 1 : 0;
}

/* ---- prepare: the rows the merge would store, as COPY text files ------------------------ */

/* A set of SHA-256 digests (open addressing): the same bytes are stored once. */
struct sha_set {
    unsigned char (*slots)[UTIL_SHA256_LEN];
    unsigned char *used;
    size_t cap, n;
};

static size_t sha_slot(const struct sha_set *s, const unsigned char *sha)
{
    uint64_t h;
    memcpy(&h, sha, sizeof h); /* a digest's bytes are already uniformly spread */
    size_t i = (size_t)h & (s->cap - 1);
    while (s->used[i] && memcmp(s->slots[i], sha, UTIL_SHA256_LEN) != 0)
        i = (i + 1) & (s->cap - 1);
    return i;
}

static int sha_grow(struct sha_set *s)
{
    struct sha_set bigger = {NULL, NULL, s->cap ? 2 * s->cap : 1u << 16, 0};
    bigger.slots = calloc(bigger.cap, sizeof *bigger.slots);
    bigger.used = calloc(bigger.cap, 1);
    if (bigger.slots == NULL || bigger.used == NULL) {
        free(bigger.slots);
        free(bigger.used);
        return -1;
    }
    for (size_t i = 0; i < s->cap; i++) {
        if (!s->used[i])
            continue;
        size_t j = sha_slot(&bigger, s->slots[i]);
        memcpy(bigger.slots[j], s->slots[i], UTIL_SHA256_LEN);
        bigger.used[j] = 1;
        bigger.n++;
    }
    free(s->slots);
    free(s->used);
    *s = bigger;
    return 0;
}

/* Returns 1 when sha was new (and is now in the set), 0 when seen before, -1 out of memory. */
static int sha_insert(struct sha_set *s, const unsigned char *sha)
{
    if (2 * (s->n + 1) > s->cap && sha_grow(s) != 0)
        return -1;
    size_t i = sha_slot(s, sha);
    if (s->used[i])
        return 0;
    memcpy(s->slots[i], sha, UTIL_SHA256_LEN);
    s->used[i] = 1;
    s->n++;
    return 1;
}

/* An accepted submission competing to be the current version of its school and term. */
struct candidate {
    char key[XF_SCHOOL_CODE_LEN + XF_PERIOD_LEN + 1];
    int64_t submitted_epoch;
    int64_t raw_id;
    int64_t flag_offset; /* where its is_current value is in submission.copy */
};

/* A table's rows in the binary COPY format, without header and trailer (copy adds them to
 * each connection's part), and beside them the offsets of every SPLIT_EVERY-th row, at which
 * copy may split the file among its connections. */
#define SPLIT_EVERY 16

struct out_table {
    FILE *f, *idx;
    int64_t written;
    long rows;
};

static int table_open(struct out_table *t, const char *dir, const char *name, char *path,
                      size_t pathlen)
{
    char idx[4096];
    int w = snprintf(path, pathlen, "%s/%s.copy", dir, name);
    int wi = snprintf(idx, sizeof idx, "%s/%s.idx", dir, name);
    if (w < 0 || (size_t)w >= pathlen || wi < 0 || (size_t)wi >= sizeof idx)
        return -1;
    t->f = fopen(path, "w");
    t->idx = fopen(idx, "w");
    return t->f != NULL && t->idx != NULL ? 0 : -1;
}

/* Appends one row; returns where it starts in the file, or -1 when a write failed. */
static int64_t table_row(struct out_table *t, const buf *row)
{
    int64_t at = t->written;
    if (t->rows % SPLIT_EVERY == 0 && fwrite(&at, sizeof at, 1, t->idx) != 1)
        return -1;
    if (fwrite(row->data, 1, row->len, t->f) != row->len)
        return -1;
    t->written += (int64_t)row->len;
    t->rows++;
    return at;
}

static int table_close(struct out_table *t)
{
    int rc = 0;
    if (t->f != NULL)
        rc |= fclose(t->f);
    if (t->idx != NULL)
        rc |= fclose(t->idx);
    t->f = t->idx = NULL;
    return rc != 0 ? -1 : 0;
}

struct prep {
    struct xf_registry *registry;
    struct xf_options opt;
    struct out_table raw, sub, blk;
    buf row, gz;
    buf block; /* the bytes of the block being filled, as the merge keeps a batch's */
    int64_t block_id;
    long block_items;
    struct sha_set seen;
    struct candidate *cands;
    size_t ncands, capcands;
    int64_t raw_id, submission_id;
    long items, duplicates, rejected, accepted;
    uint64_t bytes;
    int64_t received_us; /* received_at, as the merge sends a timestamptz */
    int failed;
};

static bool ten_digits(const char *s)
{
    if (strlen(s) != XF_SCHOOL_CODE_LEN)
        return false;
    for (const char *p = s; *p != '\0'; p++) {
        if (*p < '0' || *p > '9')
            return false;
    }
    return true;
}

static int add_candidate(struct prep *p, const struct xf_submission *s, int64_t flag_offset)
{
    if (p->ncands == p->capcands) {
        size_t cap = p->capcands ? 2 * p->capcands : 4096;
        struct candidate *c = realloc(p->cands, cap * sizeof *c);
        if (c == NULL)
            return -1;
        p->cands = c;
        p->capcands = cap;
    }
    struct candidate *c = &p->cands[p->ncands++];
    snprintf(c->key, sizeof c->key, "%s%s", s->school_code, s->period);
    c->submitted_epoch = s->submitted_epoch;
    c->raw_id = p->raw_id;
    c->flag_offset = flag_offset;
    return 0;
}

/* The submission row of an accepted item, as the merge writes it, is_current written false. */
static int add_submission(struct prep *p, const struct xf_submission *s, const char *district)
{
    int64_t id = ++p->submission_id;
    buf *row = &p->row;
    buf_reset(row);
    int rc = copybin_tuple(row, XF_SUBMISSION_FIELDS) | copybin_int8(row, id);
    rc |= copybin_int8(row, p->raw_id) | copybin_int8(row, BENCH_RUN_ID);
    size_t flag_at = row->len + 4; /* the value after its length */
    rc |= copybin_bool(row, false) | copybin_str(row, district);
    rc |= copybin_int8(row, p->received_us);
    rc |= copybin_str(row, s->school_code) | copybin_str(row, s->period);
    rc |= xf_submission_fields(row, 0, 0, s); /* as the loader */
    int64_t at = rc == 0 ? table_row(&p->sub, row) : -1;
    if (at < 0 || add_candidate(p, s, at + (int64_t)flag_at) != 0)
        return -1;
    p->accepted++;
    return 0;
}

/* The raw zone's blocks as the merge writes them: the bytes of BENCH_BLOCK_ITEMS
 * submissions, the batch_size of the bench configuration, as one gzip member. */
#define BENCH_BLOCK_ITEMS 500

static int flush_block(struct prep *p)
{
    if (p->block_items == 0)
        return 0;
    buf *row = &p->row;
    buf_reset(row);
    int rc = copybin_tuple(row, 3) | copybin_int8(row, p->block_id + 1);
    rc |= copybin_int8(row, BENCH_RUN_ID);
    size_t at = row->len;
    rc |= copybin_open(row);
    rc |= xf_gzip_deflate((const unsigned char *)p->block.data, p->block.len, row);
    rc |= copybin_close(row, at);
    if (rc != 0 || table_row(&p->blk, row) < 0)
        return -1;
    buf_reset(&p->block);
    p->block_items = 0;
    p->block_id++;
    return 0;
}

static int prep_item(const struct ingest_item *item, void *ctx)
{
    struct prep *p = ctx;
    p->items++;
    if (item->error_code == NULL)
        p->bytes += item->len;
    if (item->has_sha256) {
        int fresh = sha_insert(&p->seen, item->sha256);
        if (fresh < 0)
            goto oom;
        if (fresh == 0) {
            p->duplicates++; /* the merge stores the first copy only */
            return 0;
        }
    }
    struct xf_submission s;
    struct xf_result res;
    memset(&s, 0, sizeof s);
    memset(&res, 0, sizeof res);
    int verdict = 1;
    if (item->error_code == NULL) {
        verdict = xf_validate((const char *)item->data, item->len, &p->opt, &s, &res);
        if (verdict < 0)
            goto oom_clear;
    }
    p->raw_id++;
    bool have_code = ten_digits(s.school_code);
    const struct xf_school *school =
        have_code ? xf_registry_find(p->registry, s.school_code) : NULL;
    const char *district = school != NULL ? school->district_code : NULL;
    buf *row = &p->row;
    buf_reset(row);
    int rc = copybin_tuple(row, 12) | copybin_int8(row, p->raw_id);
    rc |= copybin_bytes(row, item->has_sha256 ? item->sha256 : NULL, UTIL_SHA256_LEN);
    rc |= copybin_int8(row, (int64_t)item->byte_size) | copybin_null(row);
    if (item->data != NULL) {
        /* in the block being filled: body_gz NULL, the block and the offset in it */
        rc |= copybin_int8(row, p->block_id + 1) | copybin_int4(row, (int32_t)p->block.len);
        rc |= buf_append(&p->block, item->data, item->len);
        p->block_items++;
    } else {
        rc |= copybin_null(row) | copybin_null(row);
    }
    rc |= copybin_str(row, BENCH_SOURCE) | copybin_str(row, item->ref);
    rc |= copybin_int8(row, BENCH_RUN_ID);
    rc |= copybin_str(row, have_code ? s.school_code : NULL);
    rc |= copybin_str(row, s.period[0] ? s.period : NULL) | copybin_str(row, district);
    if (rc != 0 || table_row(&p->raw, row) < 0)
        goto oom_clear;
    if (p->block_items == BENCH_BLOCK_ITEMS && flush_block(p) != 0)
        goto oom_clear;
    if (verdict == 0 && school != NULL) {
        if (add_submission(p, &s, district) != 0)
            goto oom_clear;
    } else {
        p->rejected++;
    }
    xf_submission_clear(&s);
    xf_result_clear(&res);
    return 0;
oom_clear:
    xf_submission_clear(&s);
    xf_result_clear(&res);
oom:
    fprintf(stderr, "xinyu-bench: out of memory or a write failed while preparing %s\n", item->ref);
    p->failed = 1;
    return -1;
}

/* Latest submitted_at first, then the one received later: the merge's rule for is_current. */
static int candidate_order(const void *a, const void *b)
{
    const struct candidate *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c != 0)
        return c;
    if (x->submitted_epoch != y->submitted_epoch)
        return x->submitted_epoch > y->submitted_epoch ? -1 : 1;
    return x->raw_id > y->raw_id ? -1 : x->raw_id < y->raw_id ? 1 : 0;
}

/* Marks the winner of each school and term current, in place in submission.copy (the byte
 * of a binary bool). */
static int mark_current(struct prep *p, const char *path)
{
    qsort(p->cands, p->ncands, sizeof *p->cands, candidate_order);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < p->ncands && rc == 0; i++) {
        if (i > 0 && strcmp(p->cands[i].key, p->cands[i - 1].key) == 0)
            continue;
        if (pwrite(fd, "\1", 1, (off_t)p->cands[i].flag_offset) != 1)
            rc = -1;
    }
    if (close(fd) != 0)
        rc = -1;
    return rc;
}

static void registry_problem(int line, const char *message, void *ctx)
{
    (void)ctx;
    fprintf(stderr, "xinyu-bench: registry line %d: %s\n", line, message);
}

static FILE *open_out(const char *dir, const char *name, char *path, size_t pathlen)
{
    int w = snprintf(path, pathlen, "%s/%s", dir, name);
    if (w < 0 || (size_t)w >= pathlen)
        return NULL;
    return fopen(path, "w");
}

static int cmd_prepare(const char *dir, const char *registry, const char *out)
{
    struct prep p;
    memset(&p, 0, sizeof p);
    int rc = 1;
    struct file_list files;
    if (list_spool(dir, &files) != 0)
        return 1;
    p.registry = xf_registry_read(registry, registry_problem, NULL);
    if (p.registry == NULL) {
        fprintf(stderr, "xinyu-bench: cannot read the registry %s\n", registry);
        goto out;
    }
    p.opt.registry = p.registry;
    p.opt.now_epoch = (int64_t)time(NULL);
    p.received_us = ((int64_t)time(NULL) - COPYBIN_PG_EPOCH_UNIX) * 1000000;
    char raw_path[4096], sub_path[4096], meta_path[4096], blk_path[4096];
    if (util_mkdirs(out, false) != 0) {
        fprintf(stderr, "xinyu-bench: cannot create %s: %s\n", out, strerror(errno));
        goto out;
    }
    if (table_open(&p.raw, out, "raw_submission", raw_path, sizeof raw_path) != 0 ||
        table_open(&p.sub, out, "submission", sub_path, sizeof sub_path) != 0 ||
        table_open(&p.blk, out, "raw_block", blk_path, sizeof blk_path) != 0) {
        fprintf(stderr, "xinyu-bench: cannot write into %s: %s\n", out, strerror(errno));
        goto out;
    }
    struct ingest_limits limits = {INGEST_DEFAULT_MAX_SUBMISSION, INGEST_DEFAULT_MAX_FILE};
    double t0 = now_s();
    for (size_t i = 0; i < files.n; i++) {
        if (ingest_spool_read(dir, files.paths[i], &limits, prep_item, &p) != 0) {
            if (!p.failed)
                fprintf(stderr, "xinyu-bench: cannot read %s: %s\n", files.paths[i],
                        strerror(errno));
            goto out;
        }
    }
    if (flush_block(&p) != 0) {
        fprintf(stderr, "xinyu-bench: out of memory or a write failed\n");
        goto out;
    }
    int closed = table_close(&p.raw) | table_close(&p.sub) | table_close(&p.blk);
    if (closed != 0 || mark_current(&p, sub_path) != 0) {
        fprintf(stderr, "xinyu-bench: cannot write into %s: %s\n", out, strerror(errno));
        goto out;
    }
    FILE *meta = open_out(out, "meta", meta_path, sizeof meta_path);
    if (meta == NULL)
        goto out;
    fprintf(meta,
            "submissions=%ld duplicates=%ld rejected=%ld accepted=%ld raw_rows=%" PRId64
            " bytes=%" PRIu64 "\n",
            p.items, p.duplicates, p.rejected, p.accepted, p.raw_id, p.bytes);
    if (fclose(meta) != 0)
        goto out;
    printf("case=prepare submissions=%ld duplicates=%ld rejected=%ld accepted=%ld raw_rows=%" PRId64
           " bytes=%" PRIu64 " seconds=%.3f\n",
           p.items, p.duplicates, p.rejected, p.accepted, p.raw_id, p.bytes, now_s() - t0);
    rc = 0;
out:
    table_close(&p.raw);
    table_close(&p.sub);
    table_close(&p.blk);
    buf_free(&p.row);
    buf_free(&p.gz);
    buf_free(&p.block);
    free(p.seen.slots);
    free(p.seen.used);
    free(p.cands);
    xf_registry_free(p.registry);
    free_list(&files);
    return rc;
}

/* ---- copy: the timed part, each table's rows split among connections --------------------- */

struct copy_part {
    PGconn *conn;
    const char *sql;
    const char *path;
    off_t from, to;
    int failed;
};

static void *copy_main(void *arg)
{
    struct copy_part *c = arg;
    c->failed = 1;
    if (c->from >= c->to) {
        c->failed = 0;
        return NULL;
    }
    int fd = open(c->path, O_RDONLY | O_CLOEXEC);
    char *chunk = malloc(COPY_CHUNK);
    if (fd < 0 || chunk == NULL)
        goto out;
    if (db_exec(c->conn, "BEGIN", "cannot begin") != 0)
        goto out;
    PGresult *res = PQexec(c->conn, c->sql);
    if (PQresultStatus(res) != PGRES_COPY_IN) {
        db_log_result(res, "cannot start COPY");
        PQclear(res);
        goto out;
    }
    PQclear(res);
    /* each part is a whole binary COPY stream: the header, its rows, the trailer */
    buf frame = BUF_INIT;
    int sent = copybin_header(&frame) == 0 ? PQputCopyData(c->conn, frame.data, (int)frame.len) : 0;
    off_t at = c->from;
    while (at < c->to && sent == 1) {
        size_t want = (size_t)(c->to - at) < COPY_CHUNK ? (size_t)(c->to - at) : COPY_CHUNK;
        ssize_t got = pread(fd, chunk, want, at);
        if (got <= 0) {
            PQputCopyEnd(c->conn, "the COPY file could not be read");
            sent = 0;
            break;
        }
        sent = PQputCopyData(c->conn, chunk, (int)got);
        at += got;
    }
    buf_reset(&frame);
    if (sent == 1 &&
        (copybin_trailer(&frame) != 0 || PQputCopyData(c->conn, frame.data, (int)frame.len) != 1))
        sent = 0;
    buf_free(&frame);
    if (sent == 1 && PQputCopyEnd(c->conn, NULL) != 1)
        sent = 0;
    while ((res = PQgetResult(c->conn)) != NULL) {
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            db_log_result(res, "COPY failed");
            sent = 0;
        }
        PQclear(res);
    }
    if (sent != 1) {
        db_exec(c->conn, "ROLLBACK", "rollback");
        goto out;
    }
    if (db_exec(c->conn, "COMMIT", "cannot commit") != 0)
        goto out;
    c->failed = 0;
out:
    free(chunk);
    if (fd >= 0)
        close(fd);
    return NULL;
}

/* Splits path (X.copy) into jobs ranges that begin at rows, from the offsets prepare wrote
 * beside it (X.idx): every part is whole rows. */
static int split_rows(const char *path, int jobs, off_t *bounds)
{
    struct stat st;
    char idx[4096];
    size_t n = strlen(path);
    if (n < 5 || n - 5 + sizeof ".idx" > sizeof idx || stat(path, &st) != 0)
        return -1;
    memcpy(idx, path, n - 5);
    memcpy(idx + n - 5, ".idx", sizeof ".idx");
    FILE *f = fopen(idx, "r");
    if (f == NULL)
        return -1;
    bounds[0] = 0;
    int j = 1;
    int64_t at;
    while (j < jobs && fread(&at, sizeof at, 1, f) == 1) {
        if (at >= st.st_size * j / jobs)
            bounds[j++] = (off_t)at;
    }
    fclose(f);
    for (; j <= jobs; j++)
        bounds[j] = st.st_size;
    return 0;
}

static int copy_table(PGconn **conns, int jobs, const char *sql, const char *path)
{
    off_t bounds[MAX_JOBS + 1];
    struct copy_part parts[MAX_JOBS];
    pthread_t threads[MAX_JOBS];
    if (split_rows(path, jobs, bounds) != 0) {
        fprintf(stderr, "xinyu-bench: cannot read %s: %s\n", path, strerror(errno));
        return -1;
    }
    int started = 0, failed = 0;
    for (int j = 0; j < jobs; j++) {
        parts[j] = (struct copy_part){conns[j], sql, path, bounds[j], bounds[j + 1], 0};
        if (jobs == 1) {
            copy_main(&parts[j]);
            started = 1;
            break;
        }
        if (pthread_create(&threads[j], NULL, copy_main, &parts[j]) != 0) {
            failed = 1;
            break;
        }
        started++;
    }
    if (jobs > 1) {
        for (int j = 0; j < started; j++)
            pthread_join(threads[j], NULL);
    }
    for (int j = 0; j < started; j++)
        failed |= parts[j].failed;
    return failed ? -1 : 0;
}

static int cmd_copy(const char *dir, const char *conninfo, int jobs)
{
    PGconn *conns[MAX_JOBS];
    int nconns = 0, rc = 1;
    char raw_path[4096], sub_path[4096], meta_path[4096], blk_path[4096];
    snprintf(raw_path, sizeof raw_path, "%s/raw_submission.copy", dir);
    snprintf(blk_path, sizeof blk_path, "%s/raw_block.copy", dir);
    snprintf(sub_path, sizeof sub_path, "%s/submission.copy", dir);
    snprintf(meta_path, sizeof meta_path, "%s/meta", dir);
    char meta[512] = "";
    FILE *mf = fopen(meta_path, "r");
    if (mf == NULL || fgets(meta, sizeof meta, mf) == NULL) {
        fprintf(stderr, "xinyu-bench: %s is not prepared (run xinyu-bench prepare)\n", dir);
        if (mf != NULL)
            fclose(mf);
        return 1;
    }
    fclose(mf);
    meta[strcspn(meta, "\n")] = '\0';

    /* the run row the rows belong to, as the owner; not timed */
    PGconn *owner = db_connect(conninfo, NULL);
    if (owner == NULL)
        return 1;
    char run_sql[256];
    snprintf(run_sql, sizeof run_sql,
             "INSERT INTO xinyu.run (run_id, kind, host, pid) VALUES (%d, 'ingest', "
             "'xinyu-bench', pg_backend_pid())",
             BENCH_RUN_ID);
    if (db_exec(owner, run_sql, "cannot record the bench run") != 0)
        goto out;
    for (; nconns < jobs; nconns++) {
        /* the loader's role: the same rights, the same checks */
        conns[nconns] = db_connect(conninfo, DB_ROLE_INGEST);
        if (conns[nconns] == NULL)
            goto out;
    }
    const char *sub_sql = xf_submission_copy();
    if (sub_sql[0] == '\0')
        goto out;
    double t0 = now_s();
    int failed = copy_table(
        conns, jobs, "COPY xinyu.raw_block (block_id, run_id, body_gz) FROM STDIN" COPYBIN_WITH,
        blk_path);
    if (!failed)
        failed = copy_table(conns, jobs,
                            "COPY xinyu.raw_submission (raw_id, sha256, byte_size, body_gz, "
                            "block_id, block_off, source, ref, run_id, school_code, period, "
                            "district_code) FROM STDIN" COPYBIN_WITH,
                            raw_path);
    double t1 = now_s();
    if (!failed)
        failed = copy_table(conns, jobs, sub_sql, sub_path);
    double t2 = now_s();
    if (failed)
        goto out;
    /* leave the serials past the rows, as a real load would; not timed */
    db_exec(owner,
            "SELECT setval('xinyu.raw_block_block_id_seq', max(block_id)) FROM "
            "xinyu.raw_block HAVING count(*) > 0; "
            "SELECT setval('xinyu.raw_submission_raw_id_seq', max(raw_id)) FROM "
            "xinyu.raw_submission HAVING count(*) > 0; SELECT "
            "setval('xinyu.submission_submission_id_seq', max(submission_id)) FROM "
            "xinyu.submission HAVING count(*) > 0",
            "cannot advance the serials");
    struct stat a, b;
    int64_t copy_bytes = 0;
    if (stat(raw_path, &a) == 0 && stat(sub_path, &b) == 0)
        copy_bytes = (int64_t)a.st_size + (int64_t)b.st_size;
    if (stat(blk_path, &a) == 0)
        copy_bytes += (int64_t)a.st_size;
    printf("case=copy jobs=%d %s copy_bytes=%" PRId64
           " raw_s=%.3f submission_s=%.3f seconds=%.3f\n",
           jobs, meta, copy_bytes, t1 - t0, t2 - t1, t2 - t0);
    rc = 0;
out:
    for (int i = 0; i < nconns; i++)
        PQfinish(conns[i]);
    PQfinish(owner);
    return rc;
}

/* ---- sample: new submissions for the nightly case ---------------------------------------- */

struct sample {
    const char *out;
    long want, taken, per_file;
    bool lines, gz;
    buf file;
    int nfile;
    int failed;
};

static int sample_flush(struct sample *s)
{
    if (s->file.len == 0)
        return 0;
    char path[4096];
    snprintf(path, sizeof path, "%s/nightly-%05d.%s%s", s->out, ++s->nfile,
             s->lines ? "jsonl" : "json", s->gz ? ".gz" : "");
    buf gz = BUF_INIT;
    const buf *body = &s->file;
    if (s->gz) {
        if (xf_gzip_deflate((const unsigned char *)s->file.data, s->file.len, &gz) != 0)
            return -1;
        body = &gz;
    }
    int rc = util_write_file_atomic(path, body->data, body->len);
    buf_free(&gz);
    buf_reset(&s->file);
    return rc;
}

static int sample_item(const struct ingest_item *item, void *ctx)
{
    struct sample *s = ctx;
    if (s->taken >= s->want)
        return -1; /* enough: stops the reader */
    if (item->error_code != NULL)
        return 0;
    if (s->lines && memchr(item->data, '\n', item->len) != NULL) {
        /* a JSON Lines file holds one line per submission: an indented one is written on one */
        json_t *doc = json_loadb((const char *)item->data, item->len, 0, NULL);
        char *line = doc != NULL ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        json_decref(doc);
        if (line == NULL)
            return 0;
        int rc = buf_puts(&s->file, line) | buf_putc(&s->file, '\n');
        free(line);
        if (rc != 0)
            goto fail;
    } else if (buf_append(&s->file, item->data, item->len) != 0 || buf_putc(&s->file, '\n') != 0) {
        goto fail;
    }
    s->taken++;
    if ((!s->lines || s->taken % s->per_file == 0) && sample_flush(s) != 0)
        goto fail;
    return 0;
fail:
    s->failed = 1;
    return -1;
}

static int cmd_sample(const char *dir, long count, const char *format, const char *out,
                      long per_file)
{
    struct sample s = {out, count, 0, per_file, false, false, BUF_INIT, 0, 0};
    if (strcmp(format, "json") == 0) {
    } else if (strcmp(format, "jsonl") == 0) {
        s.lines = true;
    } else if (strcmp(format, "json.gz") == 0) {
        s.gz = true;
    } else if (strcmp(format, "jsonl.gz") == 0) {
        s.lines = s.gz = true;
    } else {
        fprintf(stderr, "xinyu-bench: unknown format %s\n", format);
        return 2;
    }
    struct file_list files;
    if (list_spool(dir, &files) != 0)
        return 1;
    if (util_mkdirs(out, false) != 0) {
        fprintf(stderr, "xinyu-bench: cannot create %s: %s\n", out, strerror(errno));
        free_list(&files);
        return 1;
    }
    struct ingest_limits limits = {INGEST_DEFAULT_MAX_SUBMISSION, INGEST_DEFAULT_MAX_FILE};
    for (size_t i = 0; i < files.n && s.taken < s.want && !s.failed; i++)
        ingest_spool_read(dir, files.paths[i], &limits, sample_item, &s);
    if (!s.failed && sample_flush(&s) != 0)
        s.failed = 1;
    free_list(&files);
    buf_free(&s.file);
    if (s.failed) {
        fprintf(stderr, "xinyu-bench: cannot write into %s: %s\n", out, strerror(errno));
        return 1;
    }
    printf("case=sample submissions=%ld files=%d\n", s.taken, s.nfile);
    return 0;
}

/* ---- workbooks: the same submissions as JSON files and as filled-in templates ---------- */

struct wbs {
    const struct xf_registry *reg;
    const char *period;
    const char *out;
    long written;
    int failed;
};

static int wb_item(const struct ingest_item *item, void *ctx)
{
    struct wbs *w = ctx;
    if (item->error_code != NULL)
        return 0;
    struct xf_options opt = {NULL, (int64_t)time(NULL)};
    struct xf_submission sub;
    struct xf_result res;
    if (xf_validate((const char *)item->data, item->len, &opt, &sub, &res) != 0 ||
        strcmp(sub.period, w->period) != 0) {
        xf_submission_clear(&sub);
        xf_result_clear(&res);
        return 0;
    }
    const struct xf_school *school = xf_registry_find(w->reg, sub.school_code);
    char path[4200];
    struct xf_wb_value values[XF_WB_INPUTS];
    memset(values, 0, sizeof values);
    char err[256];
    int rc = -1;
    if (school == NULL) {
        rc = 0;
        goto done;
    }
    snprintf(path, sizeof path, "%s/json/%s_%s.json", w->out, sub.school_code, sub.period);
    if (util_write_file_atomic(path, item->data, item->len) != 0 ||
        xf_wb_values_from_json((const char *)item->data, item->len, values, err, sizeof err) != 0)
        goto done;
    struct report_template_school ts = {school->school_code,
                                        school->school_name,
                                        school->district_code,
                                        school->district_name,
                                        school->school_type,
                                        values,
                                        NULL,
                                        NULL};
    snprintf(path, sizeof path, "%s/xlsx/%s_%s.xlsx", w->out, sub.school_code, sub.period);
    if (report_template_school(path, sub.period, &ts, NULL, 0, (time_t)sub.submitted_epoch) != 0)
        goto done;
    w->written++;
    rc = 0;
done:
    xf_wb_values_clear(values, XF_WB_INPUTS);
    xf_submission_clear(&sub);
    xf_result_clear(&res);
    if (rc != 0)
        w->failed = 1;
    return rc;
}

static int cmd_workbooks(const char *dir, const char *registry, const char *period, const char *out)
{
    struct xf_registry *reg = xf_registry_read(registry, registry_problem, NULL);
    if (reg == NULL) {
        fprintf(stderr, "xinyu-bench: cannot read the registry %s\n", registry);
        return 1;
    }
    struct wbs w = {reg, period, out, 0, 0};
    char sub[4200];
    snprintf(sub, sizeof sub, "%s/json", out);
    int rc = util_mkdirs(sub, false);
    snprintf(sub, sizeof sub, "%s/xlsx", out);
    rc |= util_mkdirs(sub, false);
    struct file_list files;
    if (rc != 0 || list_spool(dir, &files) != 0) {
        xf_registry_free(reg);
        return 1;
    }
    struct ingest_limits limits = {INGEST_DEFAULT_MAX_SUBMISSION, INGEST_DEFAULT_MAX_FILE};
    for (size_t i = 0; i < files.n && !w.failed; i++)
        ingest_spool_read(dir, files.paths[i], &limits, wb_item, &w);
    free_list(&files);
    xf_registry_free(reg);
    if (w.failed) {
        fprintf(stderr, "xinyu-bench: cannot write the workbooks into %s\n", out);
        return 1;
    }
    printf("case=workbooks submissions=%ld\n", w.written);
    return 0;
}

/* ---- options -------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
    log_setup(LOG_WARN, LOG_FORMAT_TEXT);
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *cmd = argv[1];
    static const struct option opts[] = {
        {"jobs", required_argument, NULL, 'j'},     {"db", required_argument, NULL, 'd'},
        {"registry", required_argument, NULL, 'r'}, {"out", required_argument, NULL, 'o'},
        {"count", required_argument, NULL, 'c'},    {"format", required_argument, NULL, 'f'},
        {"per-file", required_argument, NULL, 'p'}, {"period", required_argument, NULL, 'P'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0}};
    int jobs = 1;
    int64_t count = -1, per_file = SAMPLE_DEFAULT_PER_FILE;
    const char *db = NULL, *registry = NULL, *out = NULL, *format = "json", *period = NULL;
    int ch;
    optind = 2;
    while ((ch = getopt_long(argc, argv, "j:d:r:o:c:f:p:P:h", opts, NULL)) != -1) {
        switch (ch) {
        case 'j':
            if (util_parse_int(optarg, 1, MAX_JOBS, &jobs) != 0) {
                fprintf(stderr, "xinyu-bench: --jobs takes 1..%d\n", MAX_JOBS);
                return 2;
            }
            break;
        case 'd':
            db = optarg;
            break;
        case 'r':
            registry = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case 'c':
            if (util_parse_int64(optarg, 0, INT32_MAX, &count) != 0) {
                fprintf(stderr, "xinyu-bench: --count takes a number\n");
                return 2;
            }
            break;
        case 'f':
            format = optarg;
            break;
        case 'p':
            if (util_parse_int64(optarg, 1, INT32_MAX, &per_file) != 0) {
                fprintf(stderr, "xinyu-bench: --per-file takes a positive number\n");
                return 2;
            }
            break;
        case 'P':
            period = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind + 1 != argc) {
        usage(stderr);
        return 2;
    }
    const char *dir = argv[optind];
    if (strcmp(cmd, "read") == 0)
        return cmd_scan(dir, jobs, MODE_READ);
    if (strcmp(cmd, "parse") == 0)
        return cmd_scan(dir, jobs, MODE_PARSE);
    if (strcmp(cmd, "prepare") == 0 && registry != NULL && out != NULL)
        return cmd_prepare(dir, registry, out);
    if (strcmp(cmd, "copy") == 0 && db != NULL)
        return cmd_copy(dir, db, jobs);
    if (strcmp(cmd, "workbooks") == 0 && registry != NULL && period != NULL && out != NULL)
        return cmd_workbooks(dir, registry, period, out);
    if (strcmp(cmd, "sample") == 0 && count >= 0 && out != NULL)
        return cmd_sample(dir, (long)count, format, out, (long)per_file);
    usage(stderr);
    return 2;
}
