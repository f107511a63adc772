/* cmd_registry.c - "xinyu registry load": the bureau's school list into the database. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/db.h"
#include "common/log.h"
#include "common/util.h"
#include "transform/xform.h"

struct bad_rows {
    const char *path;
    int count;
};

static void report_bad_row(int line, const char *message, void *ctx)
{
    struct bad_rows *b = ctx;
    b->count++;
    if (b->count <= 50)
        log_error("%s:%d: %s", b->path, line, message);
}

int registry_load(struct cli *c, PGconn *conn, const char *path, int64_t run_id, bool force)
{
    size_t len;
    char *data = util_read_file(path, 256u * 1024 * 1024, &len);
    if (data == NULL) {
        log_error("cannot read %s: %s", path, strerror(errno));
        return EXIT_USAGE;
    }
    unsigned char digest[UTIL_SHA256_LEN];
    char hex[2 * UTIL_SHA256_LEN + 1];
    util_sha256(data, len, digest);
    util_hex(digest, sizeof digest, hex);
    if (!force) {
        const char *params[] = {hex};
        PGresult *res =
            db_query(conn,
                     "SELECT 1 FROM xinyu.registry_load WHERE sha256 = decode($1, 'hex') "
                     "AND run_id = (SELECT max(run_id) FROM xinyu.registry_load)",
                     1, params, PGRES_TUPLES_OK, "cannot read the registry history");
        if (res == NULL) {
            free(data);
            return EXIT_FATAL;
        }
        bool same = PQntuples(res) == 1;
        PQclear(res);
        if (same) {
            log_info("registry %s is unchanged since it was last loaded", path);
            free(data);
            return EXIT_OK;
        }
    }
    struct bad_rows bad = {path, 0};
    struct xf_registry *reg = xf_registry_parse(data, len, report_bad_row, &bad);
    free(data);
    if (reg == NULL) {
        if (bad.count > 0)
            log_error_detail("the registry was not loaded", NULL,
                             "Every row must be valid before any is loaded; fix the rows above.");
        else
            log_error("cannot read the registry %s: out of memory", path);
        return EXIT_USAGE;
    }
    int rc = EXIT_FATAL;
    buf rows = BUF_INIT;
    int n = xf_registry_count(reg);
    for (int i = 0; i < n; i++) {
        const struct xf_school *s = xf_registry_at(reg, i);
        buf_copy_text(&rows, s->school_code, strlen(s->school_code));
        buf_putc(&rows, '\t');
        buf_copy_text(&rows, s->school_name, strlen(s->school_name));
        buf_putc(&rows, '\t');
        buf_copy_text(&rows, s->district_code, strlen(s->district_code));
        buf_putc(&rows, '\t');
        buf_copy_text(&rows, s->district_name, strlen(s->district_name));
        buf_printf(&rows, "\t%s\t%s\n", s->school_type, s->active ? "t" : "f");
    }
    char run_text[24], count[16];
    snprintf(run_text, sizeof run_text, "%" PRId64, run_id);
    snprintf(count, sizeof count, "%d", n);
    const char *params[] = {run_text, hex, path, count};
    PGresult *res = NULL;
    if (db_exec(conn, "BEGIN", "cannot start the registry load") != 0)
        goto out;
    if (db_exec(conn, "SELECT xinyu.create_registry_staging()", "cannot stage the registry") != 0 ||
        (rows.len > 0 && db_copy_in(conn,
                                    "COPY stage_school (school_code, school_name, district_code, "
                                    "district_name, school_type, active) FROM STDIN",
                                    &rows) != 0))
        goto rollback;
    res = db_query(conn, "SELECT * FROM xinyu.registry_apply()", 0, NULL, PGRES_TUPLES_OK,
                   "cannot apply the registry");
    if (res == NULL)
        goto rollback;
    log_info("registry %s: %d schools; %s district(s) and %s school(s) new or changed, %s "
             "school(s) no longer listed are now inactive",
             path, n, PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2));
    PQclear(res);
    res = db_query(conn,
                   "INSERT INTO xinyu.registry_load (run_id, sha256, path, schools) "
                   "VALUES ($1, decode($2, 'hex'), $3, $4)",
                   4, params, PGRES_COMMAND_OK, "cannot record the registry load");
    if (res == NULL)
        goto rollback;
    PQclear(res);
    if (db_exec(conn, "COMMIT", "cannot commit the registry") == 0)
        rc = EXIT_OK;
    goto out;
rollback:
    db_exec(conn, "ROLLBACK", "rollback");
out:
    buf_free(&rows);
    xf_registry_free(reg);
    (void)c;
    return rc;
}

static void registry_usage(FILE *out)
{
    fputs(
        "Usage: xinyu registry load [--force] [FILE]\n"
        "\n"
        "Loads the school registry (schools.csv; default: the configuration's \"registry\").\n"
        "Every row is checked first; one bad row refuses the whole file, with line numbers.\n"
        "Schools no longer listed become inactive. An unchanged file is skipped unless --force.\n",
        out);
}

int cmd_registry(struct cli *c)
{
    static const struct option opts[] = {
        {"force", no_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    bool force = false;
    int ch;
    while ((ch = getopt_long(c->argc_cmd, c->argv_cmd, "fh", opts, NULL)) != -1) {
        if (ch == 'f') {
            force = true;
        } else if (ch == 'h') {
            registry_usage(stdout);
            return EXIT_OK;
        } else {
            registry_usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind >= c->argc_cmd || strcmp(c->argv_cmd[optind], "load") != 0 ||
        c->argc_cmd - optind > 2) {
        registry_usage(stderr);
        return EXIT_USAGE;
    }
    const char *path = optind + 1 < c->argc_cmd ? c->argv_cmd[optind + 1] : c->conf.registry;
    if (path == NULL) {
        log_error("no registry file given and none configured");
        return EXIT_USAGE;
    }
    PGconn *conn = cli_connect(c, NULL);
    if (conn == NULL)
        return cli_connect_failed(c);
    int rc = EXIT_FATAL;
    int64_t run_id = cli_run_begin(conn, "registry", c);
    if (run_id > 0) {
        rc = registry_load(c, conn, path, run_id, force);
        cli_run_finish(conn, run_id, rc == EXIT_OK ? "ok" : "failed",
                       rc == EXIT_OK ? NULL : "the registry was not loaded", 0, NULL);
    }
    PQfinish(conn);
    return rc;
}
