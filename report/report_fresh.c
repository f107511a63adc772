/*
 * report_fresh.c - the indicator reports of a nightly run follow what is new.
 *
 * A report is a function of the submissions of its terms, the registry, the targets file,
 * the report settings and the program that renders it. "xinyu run" writes beside each
 * report a stamp, .indicators-SCOPE.inputs, naming all of these; the next run writes the
 * report again only when one of them differs or one of its files is missing. A night that
 * brings nothing for a year's terms then costs one indexed count instead of the report.
 * "xinyu report" always writes.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/db.h"
#include "common/log.h"
#include "common/util.h"
#include "report/report_common.h"
#include "report/report_format.h"

/* The longest stamp Xinyu writes is well under this; a longer file is not one of its stamps. */
#define STAMP_MAX 4096

/*
 * The stamp of scope as it would be written now, into st. Returns 0, or -1 when the state
 * cannot be known (the report is then written, as without a stamp).
 */
static int inputs_stamp(const struct report_ctx *ctx, PGconn *conn, const struct report_scope *s,
                        buf *st)
{
    struct report_targets t;
    memset(&t, 0, sizeof t);
    int found = report_scope_targets(ctx->targets_dir, s, &t);
    if (found < 0)
        return -1;
    struct report_sql_args args;
    if (report_sql_args_make(s, found == 0 ? &t : NULL, &args) != 0) {
        if (found == 0)
            report_targets_free(&t);
        return -1;
    }
    char targets_hex[2 * UTIL_SHA256_LEN + 1] = "none";
    if (found == 0)
        util_hex(t.sha256, sizeof t.sha256, targets_hex);
    const char *params[] = {args.periods.data};
    PGresult *res = db_query(conn, "SELECT xinyu.report_inputs_state($1::text[])", 1, params,
                             PGRES_TUPLES_OK, "cannot read the state of the report's inputs");
    /* the program itself: a new build may render differently */
    struct stat exe;
    int rc = -1;
    if (res != NULL && PQntuples(res) == 1 && stat("/proc/self/exe", &exe) == 0) {
        char scope[32];
        if (s->period != NULL)
            snprintf(scope, sizeof scope, "%s", s->period);
        else
            snprintf(scope, sizeof scope, "%d", s->year);
        rc = buf_printf(st,
                        "xinyu indicator report inputs 1\n"
                        "scope %s\nterms %s\ndeadlines %s\n%s\ntargets %s\n"
                        "formats %s\nby_type %d\nlang %s\nout %s\n"
                        "program %ju:%ju:%jd.%09ld\n",
                        scope, args.periods.data, args.deadlines.data, PQgetvalue(res, 0, 0),
                        targets_hex, ctx->formats, ctx->by_type ? 1 : 0,
                        ctx->lang ? ctx->lang : "zh", ctx->out_dir, (uintmax_t)exe.st_ino,
                        (uintmax_t)exe.st_size, (intmax_t)exe.st_mtim.tv_sec, exe.st_mtim.tv_nsec);
    }
    PQclear(res);
    report_sql_args_free(&args);
    if (found == 0)
        report_targets_free(&t);
    return rc == 0 && st->len < STAMP_MAX ? 0 : -1;
}

static int scope_name(const struct report_scope *s, char *out, size_t n)
{
    int w = s->period != NULL ? snprintf(out, n, "indicators-%s", s->period)
                              : snprintf(out, n, "indicators-%d", s->year);
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

/* True when the stamp at path says st and every file of the formats list is there. */
static bool still_fresh(const char *stamp_path, const buf *st, const char *out_dir,
                        const char *base, const char *formats)
{
    FILE *f = fopen(stamp_path, "rb");
    if (f == NULL)
        return false;
    char old[STAMP_MAX];
    size_t n = fread(old, 1, sizeof old, f);
    fclose(f);
    if (n != st->len || memcmp(old, st->data, n) != 0)
        return false;
    return report_doc_present(formats, out_dir, base);
}

int report_indicators_if_changed(const struct report_ctx *ctx, PGconn *conn,
                                 const struct report_scope *s)
{
    const char *formats = ctx->formats, *out_dir = ctx->out_dir;
    char base[64], stamp_path[4096];
    buf st = BUF_INIT;
    bool known = scope_name(s, base, sizeof base) == 0 &&
                 snprintf(stamp_path, sizeof stamp_path, "%s/.%s.inputs", out_dir, base) <
                     (int)sizeof stamp_path &&
                 inputs_stamp(ctx, conn, s, &st) == 0;
    if (known && still_fresh(stamp_path, &st, out_dir, base, formats)) {
        log_info("%s: its terms, the registry and the targets are as when it was written; "
                 "kept",
                 base);
        buf_free(&st);
        return EXIT_OK;
    }
    /* a stamp must never outlive the report it describes */
    if (known && unlink(stamp_path) != 0 && errno != ENOENT && errno != ENOTDIR) {
        log_error("cannot remove %s: %s", stamp_path, strerror(errno));
        buf_free(&st);
        return EXIT_FATAL;
    }
    int rc = report_indicators_write(ctx, s);
    if (rc == EXIT_OK && known && util_write_file_atomic(stamp_path, st.data, st.len) != 0)
        log_warn("cannot write %s: the next run writes the report again", stamp_path);
    buf_free(&st);
    return rc;
}
