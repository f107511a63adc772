/* report_store.c - the report of record: a rendered document stored in xinyu.report. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/log.h"
#include "report/report_common.h"

/* Logs a failure to store a report: a label published meanwhile is the user's to fix. */
static int store_failed(const PGresult *res, const char *label)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (label != NULL && state != NULL && strcmp(state, "23505") == 0) {
        /* another process published the same label since it was checked */
        char detail[256];
        snprintf(detail, sizeof detail,
                 "A published version is never replaced: \"%s\" names one "
                 "already.",
                 label);
        log_error_detail("the label is already published", detail,
                         "Publish under another label; \"xinyu report --version LABEL\" renders a "
                         "published version again.");
        return EXIT_USAGE;
    }
    db_log_result(res, "cannot store the report");
    return EXIT_FATAL;
}

int report_store(PGconn *conn, const char *kind, const char *scope_json, const char *document,
                 const char *targets_hex, const char *periods_literal, const char *label)
{
    PGresult *res;
    if (label == NULL) {
        const char *p[] = {kind, scope_json, document, targets_hex};
        res = PQexecParams(conn,
                           "INSERT INTO xinyu.report (kind, scope, document, targets_sha256) "
                           "VALUES ($1, $2::jsonb, $3::jsonb, decode($4, 'hex'))",
                           4, NULL, p, NULL, NULL, 0);
    } else {
        /* the inputs' fingerprint is taken in the same statement as the document is stored */
        const char *p[] = {kind, scope_json, document, targets_hex, label, periods_literal};
        res =
            PQexecParams(conn,
                         "INSERT INTO xinyu.report (kind, scope, document, targets_sha256, label, "
                         "inputs_sha256) VALUES ($1, $2::jsonb, $3::jsonb, decode($4, 'hex'), $5, "
                         "xinyu.inputs_sha256($6::text[]))",
                         6, NULL, p, NULL, NULL, 0);
    }
    if (res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK) {
        PQclear(res);
        return EXIT_OK;
    }
    int rc = store_failed(res, label);
    PQclear(res);
    return rc;
}

/* Pending COPY bytes are handed to libpq in pieces of this size. */
#define STORE_CHUNK 65536

struct report_store {
    PGconn *conn;
    const char *label;
    buf line;    /* COPY text not yet handed to libpq */
    bool failed; /* logged; the COPY is abandoned at the end */
};

static int store_put(struct report_store *st)
{
    if (!st->failed && st->line.len > 0 &&
        PQputCopyData(st->conn, st->line.data, (int)st->line.len) != 1) {
        log_error("cannot store the report: %s", PQerrorMessage(st->conn));
        st->failed = true;
    }
    buf_reset(&st->line);
    return st->failed ? -1 : 0;
}

/* A field of the COPY line (text format): backslash, tab, CR and LF escaped; NULL is \N. */
static int store_field(struct report_store *st, const char *s, size_t len)
{
    if (s == NULL)
        return buf_puts(&st->line, "\\N");
    size_t from = 0;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < len; i++) {
        const char *esc = s[i] == '\\'   ? "\\\\"
                          : s[i] == '\n' ? "\\n"
                          : s[i] == '\r' ? "\\r"
                          : s[i] == '\t' ? "\\t"
                                         : NULL;
        if (esc == NULL)
            continue;
        rc = buf_append(&st->line, s + from, i - from) | buf_puts(&st->line, esc);
        from = i + 1;
    }
    return rc | buf_append(&st->line, s + from, len - from);
}

/* A bytea field from its hex digits ("\x..." escaped for COPY); NULL is \N. */
static int store_hex(struct report_store *st, const char *hex)
{
    if (hex == NULL)
        return buf_puts(&st->line, "\\N");
    return buf_printf(&st->line, "\\\\x%s", hex);
}

struct report_store *report_store_begin(PGconn *conn, const char *kind, const char *scope_json,
                                        const char *targets_hex, const char *periods_literal,
                                        const char *label)
{
    struct report_store *st = calloc(1, sizeof *st);
    if (st == NULL) {
        log_error("out of memory");
        return NULL;
    }
    st->conn = conn;
    st->label = label;
    PGresult *fp = NULL;
    if (label != NULL) {
        /*
         * A COPY cannot compute a column, and a published row cannot be updated afterwards,
         * so the inputs' fingerprint is taken just before the document is streamed in: in
         * the caller's transaction, the snapshot the document was read in.
         */
        const char *p[] = {periods_literal};
        fp = db_query(conn, "SELECT encode(xinyu.inputs_sha256($1::text[]), 'hex')", 1, p,
                      PGRES_TUPLES_OK, "cannot store the report");
        if (fp == NULL || PQntuples(fp) != 1) {
            PQclear(fp);
            free(st);
            return NULL;
        }
    }
    int rc = store_field(st, kind, strlen(kind)) | buf_putc(&st->line, '\t');
    rc |= store_field(st, scope_json, strlen(scope_json)) | buf_putc(&st->line, '\t');
    rc |= store_hex(st, targets_hex) | buf_putc(&st->line, '\t');
    rc |= store_field(st, label, label ? strlen(label) : 0) | buf_putc(&st->line, '\t');
    rc |= store_hex(st, fp != NULL && !PQgetisnull(fp, 0, 0) ? PQgetvalue(fp, 0, 0) : NULL) |
          buf_putc(&st->line, '\t');
    PQclear(fp);
    if (rc != 0) {
        log_error("out of memory");
        buf_free(&st->line);
        free(st);
        return NULL;
    }
    PGresult *res = PQexec(conn, "COPY xinyu.report (kind, scope, targets_sha256, label, "
                                 "inputs_sha256, document) FROM STDIN");
    if (PQresultStatus(res) != PGRES_COPY_IN) {
        if (res == NULL)
            log_error("cannot store the report: %s", PQerrorMessage(conn));
        else
            db_log_result(res, "cannot store the report");
        PQclear(res);
        buf_free(&st->line);
        free(st);
        return NULL;
    }
    PQclear(res);
    return st;
}

int report_store_write(void *ctx, const char *data, size_t len)
{
    struct report_store *st = ctx;
    if (st->failed)
        return -1;
    if (store_field(st, data, len) != 0) {
        log_error("out of memory");
        st->failed = true;
        return -1;
    }
    return st->line.len >= STORE_CHUNK ? store_put(st) : 0;
}

int report_store_end(struct report_store *st, bool commit)
{
    if (st == NULL)
        return EXIT_FATAL;
    if (commit && !st->failed && buf_putc(&st->line, '\n') != 0) {
        log_error("out of memory");
        st->failed = true;
    }
    if (commit)
        store_put(st);
    bool keep = commit && !st->failed;
    int rc = EXIT_FATAL;
    if (PQputCopyEnd(st->conn, keep ? NULL : "the report was not written whole") != 1) {
        log_error("cannot store the report: %s", PQerrorMessage(st->conn));
        keep = false;
    }
    PGresult *res;
    bool seen = false;
    while ((res = PQgetResult(st->conn)) != NULL) {
        if (!seen && keep) {
            rc = PQresultStatus(res) == PGRES_COMMAND_OK ? EXIT_OK : store_failed(res, st->label);
            seen = true;
        }
        PQclear(res);
    }
    buf_free(&st->line);
    free(st);
    return rc;
}
