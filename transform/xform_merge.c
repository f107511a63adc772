/* xform_merge.c - the merge of a batch: every item's outcome decided in C from one lookup,
 * then COPY straight into the core tables, inside the caller's transaction. */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/copybin.h"
#include "common/db.h"
#include "common/fault.h"
#include "common/log.h"
#include "common/util.h"
#include "transform/xform_load.h"
#include "transform/xform_load_int.h"
#include "transform/xform_messages.h"

/* A school of the registry, as the lookup returns it (strings in the lookup's result). */
struct school {
    const char *code, *district, *name;
    bool active;
};

/* A version of a school's term: stored (from the lookup) or one of the batch's items. */
struct version {
    const char *code, *period;
    int64_t submission_id, raw_id;
    int64_t submitted_us, received_seq, received_item; /* received_*: 0 = NULL */
    long item;                                         /* the batch's item, -1 when stored */
    bool stored, is_current, should_be;
};

/* What the merge decided for an item. */
struct outcome {
    int64_t raw_id, submission_id;
    int64_t block_off;           /* where its bytes start in the batch's block (kept in it) */
    const struct school *school; /* NULL: not in the registry (or no code) */
    bool duplicate, rejected, warning, current;
};

/* Everything one flush holds; freed by merge_free. */
struct merge {
    struct xf_batch *b;
    PGconn *conn;
    int64_t run_id;
    PGresult *lookup;
    struct outcome *out;
    long *first_of; /* a later copy of bytes met earlier in the batch: that item; else -1 */
    struct school *schools;
    long nschools;
    struct version *versions;
    long nversions;
    bool have_now;
    int64_t now_pg_us;   /* now in microseconds since 2000-01-01 UTC, as timestamptz is sent */
    int64_t block_id;    /* drawn for the batch's block */
    buf registry_issues; /* rows of the checks against the registry, per item in order */
    size_t *reg_off, *reg_len;
    buf rows;
    buf scratch;
};

static void merge_free(struct merge *m)
{
    PQclear(m->lookup);
    free(m->out);
    free(m->first_of);
    free(m->schools);
    free(m->versions);
    free(m->reg_off);
    free(m->reg_len);
    buf_free(&m->registry_issues);
    buf_free(&m->rows);
    buf_free(&m->scratch);
}

/* ---- the lookup ----------------------------------------------------------------------- */

static int by_school_code(const void *a, const void *b)
{
    return strcmp(((const struct school *)a)->code, ((const struct school *)b)->code);
}

static const struct school *find_school(const struct merge *m, const char *code)
{
    if (code[0] == '\0' || m->nschools == 0)
        return NULL;
    struct school key = {.code = code};
    return bsearch(&key, m->schools, (size_t)m->nschools, sizeof key, by_school_code);
}

static int64_t cell_int64(const PGresult *res, int row, int col)
{
    int64_t v = 0;
    if (PQgetisnull(res, row, col) ||
        util_parse_int64(PQgetvalue(res, row, col), INT64_MIN, INT64_MAX, &v) != 0)
        return 0;
    return v;
}

/*
 * Sends the batch's hashes, verdicts, school codes and terms to xinyu.merge_lookup and reads
 * back its rows. Returns 0, -1 after logging, or XF_FLUSH_RETRY (deadlock).
 */
static int lookup(struct merge *m)
{
    struct xf_batch *b = m->b;
    /* the arrays as binary parameters: no text for the server to parse, the hashes as bytes */
    buf shas = BUF_INIT, valid = BUF_INIT, first = BUF_INIT, codes = BUF_INIT, periods = BUF_INIT;
    bool no_sha = false, no_code = false, no_period = false;
    for (long i = 0; i < b->nitems; i++) {
        no_sha |= !b->item[i].has_sha256;
        no_code |= b->item[i].school_code[0] == '\0';
        no_period |= b->item[i].period[0] == '\0';
    }
    const int items = (int)b->nitems;
    int rc = copybin_array(&shas, COPYBIN_BYTEA_OID, items, no_sha);
    rc |= copybin_array(&valid, COPYBIN_BOOL_OID, items, false);
    rc |= copybin_array(&first, COPYBIN_BOOL_OID, items, false);
    rc |= copybin_array(&codes, COPYBIN_TEXT_OID, items, no_code);
    rc |= copybin_array(&periods, COPYBIN_TEXT_OID, items, no_period);
    for (long i = 0; i < b->nitems; i++) {
        const struct xf_item *it = &b->item[i];
        rc |= copybin_bytes(&shas, it->has_sha256 ? it->sha256 : NULL, UTIL_SHA256_LEN);
        rc |= copybin_bool(&valid, !it->rejected) | copybin_bool(&first, m->first_of[i] < 0);
        rc |= copybin_str(&codes, it->school_code[0] ? it->school_code : NULL);
        rc |= copybin_str(&periods, it->period[0] ? it->period : NULL);
    }
    if (rc != 0) {
        log_error("out of memory while merging a batch");
        rc = -1;
        goto out;
    }
    const buf *arrays[] = {&shas, &valid, &first, &codes, &periods};
    const char *params[5];
    int lengths[5], formats[5];
    for (int k = 0; k < 5; k++) {
        params[k] = arrays[k]->data;
        lengths[k] = (int)arrays[k]->len;
        formats[k] = 1;
    }
    fault_point("merge");
    m->lookup = PQexecParams(m->conn, "SELECT * FROM xinyu.merge_lookup($1, $2, $3, $4, $5)", 5,
                             NULL, params, lengths, formats, 0);
    if (PQresultStatus(m->lookup) != PGRES_TUPLES_OK) {
        const char *state = m->lookup ? PQresultErrorField(m->lookup, PG_DIAG_SQLSTATE) : NULL;
        if (state != NULL && (strcmp(state, "40P01") == 0 || strcmp(state, "40001") == 0)) {
            log_info("a batch waited on another worker's and was rolled back; loading it again");
            rc = XF_FLUSH_RETRY;
        } else if (m->lookup == NULL) {
            log_error("cannot merge the batch: %s", PQerrorMessage(m->conn));
            rc = -1;
        } else {
            db_log_result(m->lookup, "cannot merge the batch");
            rc = -1;
        }
        goto out;
    }
    const PGresult *res = m->lookup;
    int n = PQntuples(res);
    if (PQnfields(res) != 11) {
        log_error("cannot merge the batch: unexpected result shape");
        rc = -1;
        goto out;
    }
    m->schools = calloc((size_t)n + 1, sizeof *m->schools);
    m->versions = calloc((size_t)n + (size_t)b->nitems + 1, sizeof *m->versions);
    if (m->schools == NULL || m->versions == NULL) {
        log_error("out of memory while merging a batch");
        rc = -1;
        goto out;
    }
    long items_seen = 0;
    for (int r = 0; r < n; r++) {
        const char *kind = PQgetvalue(res, r, 0);
        bool flag = strcmp(PQgetvalue(res, r, 4), "t") == 0;
        if (strcmp(kind, "item") == 0) {
            int64_t ord = cell_int64(res, r, 1);
            if (ord < 1 || ord > b->nitems)
                continue;
            struct outcome *o = &m->out[ord - 1];
            o->raw_id = cell_int64(res, r, 2);
            o->submission_id = cell_int64(res, r, 3);
            o->duplicate = flag;
            items_seen++;
        } else if (strcmp(kind, "school") == 0) {
            struct school *s = &m->schools[m->nschools++];
            s->code = PQgetvalue(res, r, 5);
            s->district = PQgetvalue(res, r, 6);
            s->name = PQgetvalue(res, r, 7);
            s->active = flag;
        } else if (strcmp(kind, "version") == 0) {
            struct version *v = &m->versions[m->nversions++];
            v->submission_id = cell_int64(res, r, 2);
            v->raw_id = cell_int64(res, r, 3);
            v->is_current = flag;
            v->code = PQgetvalue(res, r, 5);
            v->period = PQgetvalue(res, r, 6);
            v->submitted_us = cell_int64(res, r, 8);
            v->received_seq = cell_int64(res, r, 9);
            v->received_item = cell_int64(res, r, 10);
            v->stored = true;
            v->item = -1;
        } else if (strcmp(kind, "now") == 0) {
            m->have_now = true;
            m->now_pg_us = cell_int64(res, r, 8) - COPYBIN_PG_EPOCH_UNIX * 1000000;
            m->block_id = cell_int64(res, r, 9);
        }
    }
    if (items_seen != b->nitems || !m->have_now || m->block_id <= 0) {
        log_error("cannot merge the batch: the lookup did not answer for every item");
        rc = -1;
        goto out;
    }
    qsort(m->schools, (size_t)m->nschools, sizeof *m->schools, by_school_code);
    rc = 0;
out:
    buf_free(&shas);
    buf_free(&valid);
    buf_free(&first);
    buf_free(&codes);
    buf_free(&periods);
    return rc;
}

/* ---- the decisions -------------------------------------------------------------------- */

/* An item's hash and place, to find the copies of the same bytes in a batch. */
struct hashed {
    unsigned char sha256[UTIL_SHA256_LEN];
    long item;
};

/* The same hash next to each other, in the order received. */
static int by_sha256(const void *a, const void *b)
{
    const struct hashed *x = a, *y = b;
    int c = memcmp(x->sha256, y->sha256, UTIL_SHA256_LEN);
    return c != 0 ? c : (x->item > y->item) - (x->item < y->item);
}

/* Finds the later copies of bytes met earlier in the batch (first_of), before the lookup:
 * no raw id is drawn for them. Returns 0 or -1 (memory). */
static int find_copies(struct merge *m)
{
    struct xf_batch *b = m->b;
    struct hashed *h = malloc((size_t)b->nitems * sizeof *h);
    if (h == NULL)
        return -1;
    long n = 0;
    for (long i = 0; i < b->nitems; i++) {
        m->first_of[i] = -1;
        if (b->item[i].has_sha256) {
            memcpy(h[n].sha256, b->item[i].sha256, UTIL_SHA256_LEN);
            h[n++].item = i;
        }
    }
    qsort(h, (size_t)n, sizeof *h, by_sha256);
    for (long k = 1, first = 0; k < n; k++) {
        if (memcmp(h[first].sha256, h[k].sha256, UTIL_SHA256_LEN) != 0)
            first = k;
        else
            m->first_of[h[k].item] = h[first].item;
    }
    free(h);
    return 0;
}

/* A later copy is a duplicate of the first, and takes its raw id: the stored one's, or the one
 * drawn for the first copy. */
static void mark_copies(struct merge *m)
{
    for (long i = 0; i < m->b->nitems; i++) {
        if (m->first_of[i] < 0)
            continue;
        struct outcome *later = &m->out[i];
        later->duplicate = true;
        later->raw_id = m->out[m->first_of[i]].raw_id;
        later->submission_id = 0;
    }
}

/* Replaces each %s of a catalogue template in turn by the next argument, as SQL's format()
 * did; "%%" is a percent sign. Returns 0 or -1 (memory). */
static int fill_template(buf *out, const char *tmpl, const char *const *args, int nargs)
{
    int used = 0, rc = 0;
    for (const char *p = tmpl; *p != '\0' && rc == 0; p++) {
        if (p[0] == '%' && p[1] == 's') {
            rc = buf_puts(out, used < nargs && args[used] != NULL ? args[used] : "");
            used++;
            p++;
        } else if (p[0] == '%' && p[1] == '%') {
            rc = buf_putc(out, '%');
            p++;
        } else {
            rc = buf_putc(out, *p);
        }
    }
    return rc;
}

/* A row of a check against the registry: message and message_zh made from the catalogue's
 * entry with the field's label, as "xinyu check --registry" writes them. */
static int registry_issue(struct merge *m, int seq, const char *severity, enum xf_msg_id id,
                          const char *path, const char *const *args, int nargs)
{
    char zh[512];
    if (xf_message_template_zh(zh, sizeof zh, id, path) == 0) {
        log_error("cannot build the Chinese template of %s", xf_messages[id].name);
        return -1;
    }
    buf *s = &m->scratch;
    int rc = buf_printf(&m->registry_issues, "%d\t%s\t%s\t%s\t", seq, severity,
                        xf_messages[id].code, path);
    buf_reset(s);
    rc |= fill_template(s, xf_messages[id].en, args, nargs);
    rc |= buf_copy_text(&m->registry_issues, s->data ? s->data : "", s->len);
    rc |= buf_putc(&m->registry_issues, '\t');
    buf_reset(s);
    rc |= fill_template(s, zh, args, nargs);
    rc |= buf_copy_text(&m->registry_issues, s->data ? s->data : "", s->len);
    rc |= buf_putc(&m->registry_issues, '\n');
    return rc ? -1 : 0;
}

static bool six_digits(const char *s)
{
    if (strlen(s) != XF_DISTRICT_CODE_LEN)
        return false;
    for (int i = 0; i < XF_DISTRICT_CODE_LEN; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
    }
    return true;
}

/* The checks against the registry of each item that is not a duplicate: an unknown school
 * rejects it; an inactive school, another district or another name is a warning. */
static int check_registry(struct merge *m)
{
    struct xf_batch *b = m->b;
    for (long i = 0; i < b->nitems; i++) {
        const struct xf_item *it = &b->item[i];
        struct outcome *o = &m->out[i];
        m->reg_off[i] = m->registry_issues.len;
        o->school = find_school(m, it->school_code);
        o->rejected = it->rejected;
        o->warning = it->has_warning;
        if (o->duplicate)
            goto next;
        const char *code = it->school_code;
        if (code[0] != '\0' && o->school == NULL) {
            if (registry_issue(m, 10001, "reject", XF_MSG_UNKNOWN_SCHOOL, "school_code", &code,
                               1) != 0)
                return -1;
            o->rejected = true;
        }
        if (o->school == NULL)
            goto next;
        if (!o->school->active) {
            if (registry_issue(m, 10002, "warning", XF_MSG_INACTIVE_SCHOOL, "school_code", &code,
                               1) != 0)
                return -1;
            o->warning = true;
        }
        if (six_digits(it->district_reported) &&
            strcmp(it->district_reported, o->school->district) != 0) {
            const char *args[] = {it->district_reported, o->school->district};
            if (registry_issue(m, 10003, "warning", XF_MSG_DISTRICT_MISMATCH, "district_code", args,
                               2) != 0)
                return -1;
            o->warning = true;
        }
        if (it->name_off >= 0) {
            const char *sent = b->strings.data + it->name_off;
            if (strcmp(sent, o->school->name) != 0) {
                char quoted_sent[XF_NAME_QUOTE_MAX + 4], quoted_known[XF_NAME_QUOTE_MAX + 4];
                xf_quote_text(quoted_sent, XF_NAME_QUOTE_MAX, sent, strlen(sent));
                xf_quote_text(quoted_known, XF_NAME_QUOTE_MAX, o->school->name,
                              strlen(o->school->name));
                const char *args[] = {quoted_sent, quoted_known};
                if (registry_issue(m, 10004, "warning", XF_MSG_NAME_MISMATCH, "school_name", args,
                                   2) != 0)
                    return -1;
                o->warning = true;
            }
        }
    next:
        m->reg_len[i] = m->registry_issues.len - m->reg_off[i];
    }
    return 0;
}

/* Rank of versions of one school term: first the one that is current (the latest
 * submitted_at; on a tie the one received later, by file or page and place in it, NULLs
 * first as received before; raw id only for versions stored before the order was kept). */
static int by_term_then_rank(const void *a, const void *b)
{
    const struct version *x = a, *y = b;
    int c = strcmp(x->code, y->code);
    if (c == 0)
        c = strcmp(x->period, y->period);
    if (c != 0)
        return c;
#define DESC(f)                                                                                    \
    if (x->f != y->f)                                                                              \
        return x->f > y->f ? -1 : 1;
    DESC(submitted_us)
    /* a NULL order of receipt (0) ranks last among the descending ones */
    DESC(received_seq)
    DESC(received_item)
    DESC(raw_id)
#undef DESC
    return 0;
}

/* The current version of each of the batch's school terms, among the stored ones and the
 * batch's items that are stored as submissions. */
static void rank_versions(struct merge *m)
{
    struct xf_batch *b = m->b;
    for (long i = 0; i < b->nitems; i++) {
        const struct xf_item *it = &b->item[i];
        const struct outcome *o = &m->out[i];
        if (o->duplicate || o->rejected)
            continue;
        struct version *v = &m->versions[m->nversions++];
        v->code = it->school_code;
        v->period = it->period;
        v->submission_id = o->submission_id;
        v->raw_id = o->raw_id;
        v->submitted_us = it->submitted_us;
        v->received_seq = it->received_seq;
        v->received_item = it->received_seq > 0 ? it->received_item : 0;
        v->item = i;
    }
    qsort(m->versions, (size_t)m->nversions, sizeof *m->versions, by_term_then_rank);
    for (long k = 0; k < m->nversions; k++) {
        struct version *v = &m->versions[k];
        v->should_be = k == 0 || strcmp(v->code, m->versions[k - 1].code) != 0 ||
                       strcmp(v->period, m->versions[k - 1].period) != 0;
        if (v->item >= 0)
            m->out[v->item].current = v->should_be;
    }
}

/* Stored versions that lose or take the current place (a rare event outside corrections). */
static int update_versions(struct merge *m)
{
    buf demote = BUF_INIT, promote = BUF_INIT;
    int rc = buf_putc(&demote, '{') | buf_putc(&promote, '{');
    bool any = false;
    for (long k = 0; k < m->nversions; k++) {
        const struct version *v = &m->versions[k];
        if (!v->stored || v->is_current == v->should_be)
            continue;
        buf *to = v->is_current ? &demote : &promote;
        rc |= buf_printf(to, "%s%" PRId64, to->len > 1 ? "," : "", v->submission_id);
        any = true;
    }
    rc |= buf_putc(&demote, '}') | buf_putc(&promote, '}');
    if (rc == 0 && any) {
        char run_text[24];
        snprintf(run_text, sizeof run_text, "%" PRId64, m->run_id);
        const char *params[] = {run_text, demote.data, promote.data};
        PGresult *res = PQexecParams(m->conn, "SELECT xinyu.merge_versions($1, $2, $3)", 3, NULL,
                                     params, NULL, NULL, 0);
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
            db_log_result(res, "cannot merge the batch");
            rc = -1;
        }
        PQclear(res);
    } else if (rc != 0) {
        log_error("out of memory while merging a batch");
    }
    buf_free(&demote);
    buf_free(&promote);
    return rc ? -1 : 0;
}

/* ---- the rows ------------------------------------------------------------------------- */

/* The registry's district of the item's school; NULL for a school it does not know. */
static const char *district_of(const struct outcome *o)
{
    return o->school != NULL ? o->school->district : NULL;
}

/*
 * COPYs m->rows into a core table. A unique violation is another worker's copy of the same
 * bytes committed meanwhile (an item without a school term takes no lock): the batch is
 * loaded again and finds it stored. Returns 0, -1 after logging, or XF_FLUSH_RETRY.
 */
static int copy_rows(struct merge *m, const char *sql)
{
    if (m->rows.len == 0)
        return 0;
    PGresult *res = PQexec(m->conn, sql);
    int rc = 0;
    if (PQresultStatus(res) != PGRES_COPY_IN) {
        db_log_result(res, "cannot start COPY");
        PQclear(res);
        return -1;
    }
    PQclear(res);
    bool ok = db_copy_put(m->conn, m->rows.data, m->rows.len) == 0;
    if (PQputCopyEnd(m->conn, ok ? NULL : "client error") <= 0) {
        log_error("COPY failed: %s", PQerrorMessage(m->conn));
        ok = false;
    }
    while ((res = PQgetResult(m->conn)) != NULL) {
        if (PQresultStatus(res) != PGRES_COMMAND_OK && ok) {
            const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
            if (state != NULL && (strcmp(state, "23505") == 0 || strcmp(state, "40P01") == 0)) {
                log_info("a batch met another worker's copy of the same bytes; loading it again");
                rc = XF_FLUSH_RETRY;
            } else {
                db_log_result(res, "COPY failed");
                rc = -1;
            }
        }
        PQclear(res);
    }
    if (!ok && rc == 0)
        rc = -1;
    buf_reset(&m->rows);
    return rc;
}

/* Ends the binary rows in m->rows (begun with copybin_header) and COPYs them, unless the batch
 * had none for the table (tuples 0). Returns as copy_rows; -1 when memory ran out. */
static int copy_binary(struct merge *m, const char *sql, long tuples)
{
    if (tuples == 0) {
        buf_reset(&m->rows);
        return 0;
    }
    if (copybin_trailer(&m->rows) != 0) {
        log_error("out of memory while merging a batch");
        buf_reset(&m->rows);
        return -1;
    }
    return copy_rows(m, sql);
}

/*
 * The batch's block: the bytes of its items kept in a block, except the duplicates', one
 * after another in the order received (moved up over a duplicate's, in place: the batch is
 * emptied after the merge), compressed as one member and COPYed into xinyu.raw_block; each
 * such item's offset in it goes to its outcome. Returns as copy_rows.
 */
static int copy_block(struct merge *m)
{
    struct xf_batch *b = m->b;
    char *bodies = b->bodies.data;
    size_t at = 0;
    long kept = 0;
    for (long i = 0; i < b->nitems; i++) {
        const struct xf_item *it = &b->item[i];
        if (!it->in_block || m->out[i].duplicate)
            continue;
        if (it->body_off != at)
            memmove(bodies + at, bodies + it->body_off, it->body_len);
        m->out[i].block_off = (int64_t)at;
        at += it->body_len;
        kept++;
    }
    /* a block of empty submissions only is a block all the same: their rows point to it */
    if (kept == 0)
        return 0;
    if (at > INT32_MAX) {
        log_error("cannot merge the batch: its block would exceed 2 GiB");
        return -1;
    }
    int rc = copybin_header(&m->rows) | copybin_tuple(&m->rows, 3);
    rc |= copybin_int8(&m->rows, m->block_id) | copybin_int8(&m->rows, m->run_id);
    size_t field = m->rows.len;
    rc |= copybin_open(&m->rows);
    rc |= xf_batch_gzip(b, (const unsigned char *)bodies, at, &m->rows);
    rc |= copybin_close(&m->rows, field);
    if (rc != 0) {
        log_error("out of memory while merging a batch");
        return -1;
    }
    return copy_binary(
        m, "COPY xinyu.raw_block (block_id, run_id, body_gz) FROM STDIN" COPYBIN_WITH, 1);
}

/* The raw rows in the binary format: the compressed bytes go as they are, not as hex. */
static int copy_raw(struct merge *m)
{
    struct xf_batch *b = m->b;
    int rc = copy_block(m);
    if (rc != 0)
        return rc;
    rc = copybin_header(&m->rows);
    long tuples = 0;
    for (long i = 0; i < b->nitems && rc == 0; i++) {
        const struct xf_item *it = &b->item[i];
        const struct outcome *o = &m->out[i];
        if (o->duplicate)
            continue;
        rc |= copybin_tuple(&m->rows, 12) | copybin_int8(&m->rows, o->raw_id);
        rc |= buf_append(&m->rows, b->raw.data + it->raw_off, it->raw_len);
        if (it->in_block)
            rc |=
                copybin_int8(&m->rows, m->block_id) | copybin_int4(&m->rows, (int32_t)o->block_off);
        else
            rc |= copybin_null(&m->rows) | copybin_null(&m->rows);
        rc |= copybin_int8(&m->rows, m->run_id) | copybin_str(&m->rows, district_of(o));
        tuples++;
    }
    if (rc != 0)
        return -1;
    return copy_binary(m,
                       "COPY xinyu.raw_submission (raw_id, source, ref, school_code, period, "
                       "sha256, byte_size, body_gz, block_id, block_off, run_id, district_code) "
                       "FROM STDIN" COPYBIN_WITH,
                       tuples);
}

static char submission_copy[4096];
static pthread_once_t submission_copy_once = PTHREAD_ONCE_INIT;

/* The column list follows the field table; built once, from constants only. */
static void build_submission_copy(void)
{
    buf sql = BUF_INIT;
    buf_puts(
        &sql,
        "COPY xinyu.submission (submission_id, raw_id, run_id, is_current, "
        "district_code, received_at, school_code, period, district_code_reported, "
        "school_name_reported, received_seq, received_item, submitted_at, " XF_DERIVED_COLUMNS);
    for (int i = 0; i < XF_NFIELDS; i++)
        buf_printf(&sql, ", %s", xf_fields[i].column);
    buf_puts(&sql, ") FROM STDIN" COPYBIN_WITH);
    if (sql.data == NULL || util_strlcpy(submission_copy, sql.data, sizeof submission_copy) != 0)
        submission_copy[0] = '\0';
    buf_free(&sql);
}

const char *xf_submission_copy(void)
{
    pthread_once(&submission_copy_once, build_submission_copy);
    return submission_copy;
}

/* The submission rows, in the order of their ids (the order received), in the binary format:
 * about sixty values a row that the server takes as they are, none parsed from text. */
static int copy_submissions(struct merge *m)
{
    struct xf_batch *b = m->b;
    if (xf_submission_copy()[0] == '\0') {
        log_error("cannot build the merge's COPY statement");
        return -1;
    }
    int rc = copybin_header(&m->rows);
    long tuples = 0;
    for (long i = 0; i < b->nitems && rc == 0; i++) {
        const struct xf_item *it = &b->item[i];
        const struct outcome *o = &m->out[i];
        if (o->duplicate || o->rejected)
            continue;
        if (o->submission_id <= 0) {
            log_error("cannot merge the batch: no submission id for %s", it->school_code);
            return -1;
        }
        rc |= copybin_tuple(&m->rows, XF_SUBMISSION_FIELDS);
        rc |= copybin_int8(&m->rows, o->submission_id) | copybin_int8(&m->rows, o->raw_id);
        rc |= copybin_int8(&m->rows, m->run_id) | copybin_bool(&m->rows, o->current);
        rc |= copybin_str(&m->rows, district_of(o));
        rc |= copybin_int8(&m->rows, m->now_pg_us);
        rc |= copybin_str(&m->rows, it->school_code) | copybin_str(&m->rows, it->period);
        rc |= buf_append(&m->rows, b->submissions.data + it->sub_off, it->sub_len);
        tuples++;
    }
    if (rc != 0)
        return -1;
    return copy_binary(m, submission_copy, tuples);
}

/* Appends each line of an item's issue rows with its raw id and district in front. */
static int issue_lines(struct merge *m, const struct outcome *o, const char *p, size_t len)
{
    int rc = 0;
    const char *end = p + len;
    while (p < end && rc == 0) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl != NULL ? (size_t)(nl - p) + 1 : (size_t)(end - p);
        rc |= buf_put_int64(&m->rows, o->raw_id) | buf_putc(&m->rows, '\t');
        rc |= buf_puts(&m->rows, district_of(o) != NULL ? district_of(o) : "\\N");
        rc |= buf_putc(&m->rows, '\t') | buf_append(&m->rows, p, n);
        p += n;
    }
    return rc;
}

/* Every issue of the batch in one statement: the problem ledger's trigger sees them all. */
static int copy_issues(struct merge *m)
{
    struct xf_batch *b = m->b;
    int rc = 0;
    for (long i = 0; i < b->nitems && rc == 0; i++) {
        const struct xf_item *it = &b->item[i];
        const struct outcome *o = &m->out[i];
        if (o->duplicate)
            continue;
        rc |= issue_lines(m, o, b->issues.data + it->issue_off, it->issue_len);
        rc |= issue_lines(m, o, m->registry_issues.data + m->reg_off[i], m->reg_len[i]);
    }
    if (rc != 0)
        return -1;
    return copy_rows(m, "COPY xinyu.submission_issue (raw_id, district_code, seq, severity, code, "
                        "path, message, message_zh) FROM STDIN");
}

static const char *outcome_name(const struct outcome *o)
{
    if (o->duplicate)
        return "duplicate";
    if (o->rejected)
        return "rejected";
    return o->current ? "loaded" : "superseded";
}

/* The run's items in the binary format, their source, ref, school and term as the raw rows
 * have them. */
static int copy_run_items(struct merge *m, struct xf_counts *c)
{
    struct xf_batch *b = m->b;
    int rc = copybin_header(&m->rows);
    for (long i = 0; i < b->nitems && rc == 0; i++) {
        const struct xf_item *it = &b->item[i];
        const struct outcome *o = &m->out[i];
        rc |= copybin_tuple(&m->rows, 8) | copybin_int8(&m->rows, m->run_id);
        rc |= copybin_int8(&m->rows, o->raw_id) | copybin_str(&m->rows, outcome_name(o));
        rc |= copybin_str(&m->rows, district_of(o));
        rc |= buf_append(&m->rows, b->raw.data + it->raw_off, it->ident_len);
        if (o->duplicate)
            c->duplicate++;
        else if (o->rejected)
            c->rejected++;
        else if (o->current)
            c->loaded++;
        else
            c->superseded++;
        if (!o->duplicate && !o->rejected && o->warning)
            c->warnings++;
    }
    if (rc != 0)
        return -1;
    return copy_binary(m,
                       "COPY xinyu.run_item (run_id, raw_id, outcome, district_code, source, "
                       "ref, school_code, period) FROM STDIN" COPYBIN_WITH,
                       b->nitems);
}

int xf_batch_flush(struct xf_batch *b, PGconn *conn, int64_t run_id, struct xf_counts *counts)
{
    if (b->nitems == 0)
        return 0;
    struct merge m;
    memset(&m, 0, sizeof m);
    m.b = b;
    m.conn = conn;
    m.run_id = run_id;
    int rc = -1;
    m.out = calloc((size_t)b->nitems, sizeof *m.out);
    m.reg_off = calloc((size_t)b->nitems, sizeof *m.reg_off);
    m.reg_len = calloc((size_t)b->nitems, sizeof *m.reg_len);
    m.first_of = calloc((size_t)b->nitems, sizeof *m.first_of);
    if (m.out == NULL || m.reg_off == NULL || m.reg_len == NULL || m.first_of == NULL ||
        find_copies(&m) != 0) {
        log_error("out of memory while merging a batch");
        goto out;
    }
    rc = lookup(&m);
    if (rc != 0)
        goto out;
    rc = -1;
    mark_copies(&m);
    if (check_registry(&m) != 0) {
        log_error("out of memory while merging a batch");
        goto out;
    }
    rank_versions(&m);
    if (update_versions(&m) != 0)
        goto out;
    struct xf_counts c = {0};
    c.received = b->nitems;
    fault_point("copy");
    if ((rc = copy_raw(&m)) != 0 || (rc = copy_submissions(&m)) != 0 ||
        (rc = copy_issues(&m)) != 0 || (rc = copy_run_items(&m, &c)) != 0)
        goto out;
    xf_counts_add(counts, &c);
    rc = 0;
out:
    merge_free(&m);
    xf_batch_reset(b);
    return rc;
}
