/* xform_registry_load.c - the bureau's school list into the database: staged by COPY as it is
 * read, checked whole, applied in one transaction. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/log.h"
#include "common/util.h"
#include "transform/xform.h"
#include "transform/xform_load.h"

/* Rows are sent to the server in pieces of about this size as the file is read. */
#define COPY_PIECE_BYTES ((size_t)256 * 1024)
/* Reasons shown; the rest are counted. */
#define REASONS_SHOWN 50

/* One registry load: the file as read (hashed on the way), the rows on their way to COPY,
 * the reasons found. */
struct load {
    const char *path;
    FILE *fp;
    struct util_sha256 *sha;
    PGconn *conn;
    buf rows;
    bool copy_failed;
    int nschools;
    int nbad; /* reasons reported */
};

static void report_bad_row(int line, const char *message, void *ctx)
{
    struct load *l = ctx;
    l->nbad++;
    if (l->nbad <= REASONS_SHOWN)
        log_error("%s:%d: %s", l->path, line, message);
}

/* The file in pieces, every byte hashed. */
static ssize_t read_piece(void *src, char *out, size_t cap)
{
    struct load *l = src;
    size_t n = fread(out, 1, cap, l->fp);
    if (n == 0 && ferror(l->fp))
        return -1;
    if (l->sha != NULL && util_sha256_update(l->sha, out, n) != 0) {
        errno = ENOMEM;
        return -1;
    }
    return (ssize_t)n;
}

static int send_rows(struct load *l)
{
    if (l->rows.len > 0 && !l->copy_failed && db_copy_put(l->conn, l->rows.data, l->rows.len) != 0)
        l->copy_failed = true;
    l->rows.len = 0;
    return l->copy_failed ? -1 : 0;
}

/* A row whose fields are good, staged with its line. Rows go on being staged after a bad
 * one: the checks across rows then still name every line that needs fixing. */
static int stage_row(const struct xf_school *s, int line, void *ctx)
{
    struct load *l = ctx;
    buf *b = &l->rows;
    buf_printf(b, "%d\t", line);
    buf_copy_text(b, s->school_code, strlen(s->school_code));
    buf_putc(b, '\t');
    buf_copy_text(b, s->school_name, strlen(s->school_name));
    buf_putc(b, '\t');
    buf_copy_text(b, s->district_code, strlen(s->district_code));
    buf_putc(b, '\t');
    buf_copy_text(b, s->district_name, strlen(s->district_name));
    if (buf_printf(b, "\t%s\t%s\n", s->school_type, s->active ? "t" : "f") != 0) {
        errno = ENOMEM;
        return -1;
    }
    l->nschools++;
    return b->len >= COPY_PIECE_BYTES ? send_rows(l) : 0;
}

/* The file's SHA-256 as hex, read in pieces. 0, or -1 with errno. */
static int file_sha256(struct load *l, char hex[2 * UTIL_SHA256_LEN + 1])
{
    unsigned char digest[UTIL_SHA256_LEN];
    char piece[64 * 1024];
    l->sha = util_sha256_begin();
    if (l->sha == NULL) {
        errno = ENOMEM;
        return -1;
    }
    ssize_t n;
    while ((n = read_piece(l, piece, sizeof piece)) > 0)
        ;
    int rc = util_sha256_end(l->sha, digest);
    l->sha = NULL;
    if (n < 0 || rc != 0)
        return -1;
    util_hex(digest, sizeof digest, hex);
    return 0;
}

/* True when the file with this hash is the registry applied last. -1 on a database error. */
static int registry_unchanged(PGconn *conn, const char *hex)
{
    const char *params[] = {hex};
    PGresult *res = db_query(conn,
                             "SELECT 1 FROM xinyu.registry_load WHERE sha256 = decode($1, 'hex') "
                             "AND run_id = (SELECT max(run_id) FROM xinyu.registry_load)",
                             1, params, PGRES_TUPLES_OK, "cannot read the registry history");
    if (res == NULL)
        return -1;
    int same = PQntuples(res) == 1;
    PQclear(res);
    return same;
}

/* Reports the lines that conflict with earlier ones (xinyu.registry_conflicts). 0, or -1. */
static int report_conflicts(struct load *l)
{
    PGresult *res = db_query(l->conn,
                             "SELECT line, kind, code, first_line, name, first_name "
                             "FROM xinyu.registry_conflicts()",
                             0, NULL, PGRES_TUPLES_OK, "cannot check the registry");
    if (res == NULL)
        return -1;
    for (int i = 0; i < PQntuples(res); i++) {
        char message[512];
        int line, first_line;
        if (util_parse_int(PQgetvalue(res, i, 0), 1, INT_MAX, &line) != 0 ||
            util_parse_int(PQgetvalue(res, i, 3), 1, INT_MAX, &first_line) != 0) {
            log_error("cannot check the registry: a line number out of range");
            PQclear(res);
            return -1;
        }
        if (strcmp(PQgetvalue(res, i, 1), "school") == 0)
            xf_registry_duplicate_message(message, sizeof message, PQgetvalue(res, i, 2),
                                          first_line);
        else
            xf_registry_district_message(message, sizeof message, PQgetvalue(res, i, 2),
                                         PQgetvalue(res, i, 4), PQgetvalue(res, i, 5), first_line);
        report_bad_row(line, message, l);
    }
    PQclear(res);
    return 0;
}

/*
 * Stages the file (in the caller's transaction) and checks it: rows are COPYed as they are
 * read, so memory does not depend on the file's size. Returns XF_REGISTRY_LOADED with the
 * file's hash in hex when every row is good, XF_REGISTRY_REFUSED when some are not or the file
 * cannot be read (reported), XF_REGISTRY_FAILED (database, memory).
 */
static int stage_file(struct load *l, char hex[2 * UTIL_SHA256_LEN + 1])
{
    if (db_exec(l->conn, "SELECT xinyu.create_registry_staging()", "cannot stage the registry") !=
            0 ||
        db_copy_begin(l->conn,
                      "COPY stage_school (line, school_code, school_name, "
                      "district_code, district_name, school_type, active) FROM STDIN") != 0)
        return XF_REGISTRY_FAILED;
    l->sha = util_sha256_begin();
    int scanned =
        l->sha == NULL ? -1 : xf_registry_scan(read_piece, l, stage_row, l, report_bad_row, l);
    int saved = errno;
    if (scanned >= 0)
        send_rows(l);
    unsigned char digest[UTIL_SHA256_LEN];
    int hashed = util_sha256_end(l->sha, digest);
    l->sha = NULL;
    bool staged = scanned >= 0 && !l->copy_failed;
    if ((db_copy_end(l->conn, staged) != 0 && staged) || l->copy_failed)
        return XF_REGISTRY_FAILED;
    if (scanned < 0 || hashed != 0) {
        int err = scanned < 0 ? saved : ENOMEM;
        log_error("cannot read the registry %s: %s", l->path, strerror(err));
        /* a file that cannot be read is the operator's to fix, as when it cannot be opened */
        return err == ENOMEM ? XF_REGISTRY_FAILED : XF_REGISTRY_REFUSED;
    }
    util_hex(digest, sizeof digest, hex);
    if (report_conflicts(l) != 0)
        return XF_REGISTRY_FAILED;
    if (l->nbad > 0) {
        if (l->nbad > REASONS_SHOWN)
            log_error("%s: %d more reason(s) not shown", l->path, l->nbad - REASONS_SHOWN);
        log_error_detail("the registry was not loaded", NULL,
                         "Every row must be valid before any is loaded; fix the rows above.");
        return XF_REGISTRY_REFUSED;
    }
    return XF_REGISTRY_LOADED;
}

int xf_registry_load(PGconn *conn, const char *path, int64_t run_id, bool force)
{
    struct load l = {.path = path, .conn = conn, .rows = BUF_INIT};
    l.fp = fopen(path, "rb");
    if (l.fp == NULL) {
        log_error("cannot read %s: %s", path, strerror(errno));
        return XF_REGISTRY_REFUSED;
    }
    int rc = XF_REGISTRY_FAILED;
    char hex[2 * UTIL_SHA256_LEN + 1];
    if (!force) {
        if (file_sha256(&l, hex) != 0) {
            log_error("cannot read %s: %s", path, strerror(errno));
            rc = XF_REGISTRY_REFUSED;
            goto out;
        }
        int same = registry_unchanged(conn, hex);
        if (same != 0) {
            if (same > 0) {
                log_info("registry %s is unchanged since it was last loaded", path);
                rc = XF_REGISTRY_LOADED;
            }
            goto out;
        }
        rewind(l.fp);
    }
    PGresult *res = NULL;
    if (db_exec(conn, "BEGIN", "cannot start the registry load") != 0)
        goto out;
    rc = stage_file(&l, hex); /* the hash of what was staged, should the file have changed */
    if (rc != XF_REGISTRY_LOADED)
        goto rollback;
    rc = XF_REGISTRY_FAILED;
    res = db_query(conn, "SELECT * FROM xinyu.registry_apply()", 0, NULL, PGRES_TUPLES_OK,
                   "cannot apply the registry");
    if (res == NULL)
        goto rollback;
    log_info("registry %s: %d schools; %s district(s) and %s school(s) new or changed, %s "
             "school(s) no longer listed are now inactive",
             path, l.nschools, PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2));
    PQclear(res);
    char run_text[24], count[16];
    snprintf(run_text, sizeof run_text, "%" PRId64, run_id);
    snprintf(count, sizeof count, "%d", l.nschools);
    const char *params[] = {run_text, hex, path, count};
    res = db_query(conn,
                   "INSERT INTO xinyu.registry_load (run_id, sha256, path, schools) "
                   "VALUES ($1, decode($2, 'hex'), $3, $4)",
                   4, params, PGRES_COMMAND_OK, "cannot record the registry load");
    if (res == NULL)
        goto rollback;
    PQclear(res);
    if (db_exec(conn, "COMMIT", "cannot commit the registry") == 0)
        rc = XF_REGISTRY_LOADED;
    goto out;
rollback:
    db_exec(conn, "ROLLBACK", "rollback");
out:
    buf_free(&l.rows);
    fclose(l.fp);
    return rc;
}
