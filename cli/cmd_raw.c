/* cmd_raw.c - xinyu raw RAW_ID: the bytes of one raw submission exactly as they were received,
 * from its own gzip member or from its batch's block (sql/schema/026_raw_blocks.sql). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/db.h"
#include "common/log.h"
#include "common/util.h"
#include "ingest/ingest.h"

static void raw_usage(FILE *out)
{
    fputs("Usage: xinyu raw [--out FILE] RAW_ID\n"
          "\n"
          "Writes the bytes of raw submission RAW_ID (the number the quality report, a school's\n"
          "page and the run's items give) exactly as they were received, to standard output or\n"
          "to FILE, after checking them against the SHA-256 recorded when they arrived.\n",
          out);
}

/*
 * Reads the bytes of raw_id into out. Returns 0, 1 when there is no such raw submission or its
 * bytes were not kept (said), or -1 after logging.
 */
static int raw_read(PGconn *conn, const char *raw_id, buf *out)
{
    const char *params[] = {raw_id};
    PGresult *res = db_query(conn,
                             "SELECT sha256, byte_size, body_gz, body_off "
                             "FROM xinyu.raw_bytes($1::bigint)",
                             1, params, PGRES_TUPLES_OK, "cannot read the raw submission");
    if (res == NULL)
        return -1;
    int rc = 1;
    unsigned char *gz = NULL;
    char what[96];
    snprintf(what, sizeof what, "the stored bytes of raw submission %s are damaged", raw_id);
    if (PQntuples(res) != 1) {
        log_error("there is no raw submission %s", raw_id);
        goto out;
    }
    if (PQgetisnull(res, 0, 2)) {
        log_error_detail(
            "the bytes of this raw submission were not kept",
            "Bytes that could not be read as a submission, or over the size limit, are not kept.",
            NULL);
        goto out;
    }
    rc = -1;
    int64_t size, off;
    size_t gzlen = 0;
    if (util_parse_int64(PQgetvalue(res, 0, 1), 0, INT32_MAX, &size) != 0 ||
        util_parse_int64(PQgetvalue(res, 0, 3), 0, INT32_MAX, &off) != 0) {
        log_error("cannot read the raw submission: unexpected result");
        goto out;
    }
    gz = PQunescapeBytea((const unsigned char *)PQgetvalue(res, 0, 2), &gzlen);
    if (gz == NULL) {
        log_error("out of memory");
        goto out;
    }
    /* a block holds the batch's other submissions after this one: inflating stops at its end */
    char err[256];
    int z = ingest_gzip_prefix(gz, gzlen, (size_t)(off + size), out, err, sizeof err);
    if (z != 0) {
        if (z < 0)
            log_error("out of memory");
        else
            log_error_detail(what, err, NULL);
        goto out;
    }
    memmove(out->data, out->data + off, (size_t)size);
    out->len = (size_t)size;
    if (!PQgetisnull(res, 0, 0)) {
        unsigned char sha[UTIL_SHA256_LEN];
        char hex[2 * UTIL_SHA256_LEN + 1];
        if (util_sha256(out->data, out->len, sha) != 0) {
            log_error("cannot compute the SHA-256 of the bytes");
            goto out;
        }
        util_hex(sha, sizeof sha, hex);
        if (strcmp(hex, PQgetvalue(res, 0, 0)) != 0) {
            log_error_detail(what, "They do not match the SHA-256 recorded when they arrived.",
                             NULL);
            goto out;
        }
    }
    rc = 0;
out:
    PQfreemem(gz);
    PQclear(res);
    return rc;
}

int cmd_raw(struct cli *c)
{
    static const struct option opts[] = {{"out", required_argument, NULL, 'o'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *out_path = NULL;
    int ch;
    while ((ch = getopt_long(c->argc_cmd, c->argv_cmd, "o:h", opts, NULL)) != -1) {
        if (ch == 'o') {
            out_path = optarg;
        } else if (ch == 'h') {
            raw_usage(stdout);
            return EXIT_OK;
        } else {
            raw_usage(stderr);
            return EXIT_USAGE;
        }
    }
    int64_t id;
    if (c->argc_cmd - optind != 1 ||
        util_parse_int64(c->argv_cmd[optind], 1, INT64_MAX, &id) != 0) {
        raw_usage(stderr);
        return EXIT_USAGE;
    }
    const char *raw_id = c->argv_cmd[optind];
    PGconn *conn = cli_connect(c, NULL);
    if (conn == NULL)
        return cli_connect_failed(c);
    buf body = BUF_INIT;
    int rc = raw_read(conn, raw_id, &body);
    PQfinish(conn);
    if (rc != 0) {
        buf_free(&body);
        return rc > 0 ? EXIT_USAGE : EXIT_FATAL;
    }
    if (out_path != NULL) {
        if (util_write_file_atomic(out_path, body.data ? body.data : "", body.len) != 0) {
            log_error("cannot write %s: %s", out_path, strerror(errno));
            rc = -1;
        }
    } else if (fwrite(body.data ? body.data : "", 1, body.len, stdout) != body.len ||
               fflush(stdout) != 0) {
        log_error("cannot write the bytes: %s", strerror(errno));
        rc = -1;
    }
    buf_free(&body);
    return rc == 0 ? EXIT_OK : EXIT_FATAL;
}
