/* report_publish.c - published versions: labels, and a stored version rendered again. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/log.h"
#include "common/util.h"
#include "report/report_common.h"
#include "report/report_format.h"
#include "report/report_names.h"

#define LABEL_MAX 64

/* A label goes into file names: letters, digits, '.', '_' and '-', not led by '.' or '-'. */
static bool label_ok(const char *label)
{
    size_t n = strlen(label);
    if (n == 0 || n > LABEL_MAX || label[0] == '.' || label[0] == '-')
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = label[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-';
        if (!ok)
            return false;
    }
    return true;
}

int report_publish_check(const struct report_ctx *ctx, const char *label)
{
    if (!label_ok(label)) {
        log_error_detail("the label is not usable",
                         "A label is 1 to 64 letters, digits, '.', '_' "
                         "or '-', and does not start with '.' or '-'.",
                         "For example: 2024-final or 2024.v2");
        return EXIT_USAGE;
    }
    int failed;
    PGconn *conn = report_connect(ctx, &failed);
    if (conn == NULL)
        return failed;
    const char *p[] = {label};
    PGresult *res = db_query(conn,
                             "SELECT kind, scope::text, to_char(generated_at AT TIME ZONE "
                             "INTERVAL '+08:00', 'YYYY-MM-DD HH24:MI') FROM xinyu.report "
                             "WHERE label = $1",
                             1, p, PGRES_TUPLES_OK, "cannot read the published reports");
    int rc = EXIT_FATAL;
    if (res != NULL && PQntuples(res) == 0) {
        rc = EXIT_OK;
    } else if (res != NULL) {
        char detail[512];
        snprintf(detail, sizeof detail,
                 "\"%s\" was published on %s (UTC+8) for %s %s; a published version is never "
                 "replaced.",
                 label, PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
        log_error_detail("the label is already published", detail,
                         "Publish under another label; \"xinyu report --version LABEL\" renders "
                         "the published version again.");
        rc = EXIT_USAGE;
    }
    PQclear(res);
    PQfinish(conn);
    return rc;
}

int report_version_write(const struct report_ctx *ctx, const char *label)
{
    const char *formats = ctx->formats, *out_dir = ctx->out_dir, *lang = ctx->lang;
    if (report_check_formats(formats, "json,csv,html,xlsx") != 0 || report_check_lang(lang) != 0)
        return EXIT_USAGE;
    if (!label_ok(label)) {
        log_error("no published version is labelled \"%s\"", label);
        return EXIT_USAGE;
    }
    int failed;
    PGconn *conn = report_connect(ctx, &failed);
    if (conn == NULL)
        return failed;
    const char *p[] = {label};
    PGresult *res = db_query(conn,
                             "SELECT kind, document::text, encode(inputs_sha256, 'hex') "
                             "FROM xinyu.report WHERE label = $1",
                             1, p, PGRES_TUPLES_OK, "cannot read the published report");
    /* the names come from the registry of today: the published document holds codes only */
    struct report_names *names = res != NULL ? report_names_load(conn) : NULL;
    PQfinish(conn);
    if (res == NULL || names == NULL) {
        PQclear(res);
        return EXIT_FATAL;
    }
    if (PQntuples(res) == 0) {
        log_error_detail("no published version has this label", label,
                         "Publish one with \"xinyu report --year Y --publish LABEL\".");
        PQclear(res);
        report_names_free(names);
        return EXIT_USAGE;
    }
    struct report_doc doc;
    char err[512];
    const char *text = PQgetvalue(res, 0, 1);
    if (strcmp(PQgetvalue(res, 0, 0), "indicators") != 0 ||
        report_parse_json(text, strlen(text), &doc, err, sizeof err) != 0) {
        log_error_detail("the published document cannot be read", label, err);
        PQclear(res);
        report_names_free(names);
        return EXIT_FATAL;
    }
    log_info("published version %s of %s, inputs %.16s...", label, doc.generated_at,
             PQgetvalue(res, 0, 2));
    PQclear(res);
    doc.names = names;
    doc.label = label;
    doc.lang = lang;

    int rc = EXIT_OK;
    char base[128];
    if (doc.period != NULL)
        snprintf(base, sizeof base, "indicators-%s-%s", doc.period, label);
    else
        snprintf(base, sizeof base, "indicators-%d-%s", doc.year, label);
    if (util_mkdirs(out_dir, false) != 0) {
        log_error_detail("cannot create the output directory", out_dir, strerror(errno));
        rc = EXIT_FATAL;
    }
    struct report_doc_dest dest = {out_dir, base, lang, NULL};
    if (rc == EXIT_OK && report_doc_write(&doc, formats, &dest, REPORT_DOC_ALL) != 0)
        rc = EXIT_FATAL;
    report_parse_free(&doc);
    report_names_free(names);
    return rc;
}

/* Spaces to pad s (UTF-8) to width columns, a CJK character taking two; 0 when it is wider. */
static int pad_of(const char *s, int width)
{
    int cols = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (*p < 0x80)
            cols++;
        else if (*p >= 0xe0)
            cols += 2; /* a three-byte character: the CJK ranges a header holds */
    }
    return cols < width ? width - cols : 0;
}

int report_versions_print(const struct report_ctx *ctx)
{
    int failed;
    PGconn *conn = report_connect(ctx, &failed);
    if (conn == NULL)
        return failed;
    PGresult *res =
        db_query(conn,
                 "SELECT label, kind, coalesce(scope->>'period', scope->>'year', scope::text), "
                 "to_char(generated_at AT TIME ZONE INTERVAL '+08:00', 'YYYY-MM-DD HH24:MI:SS'), "
                 "coalesce(encode(inputs_sha256, 'hex'), '-'), "
                 "coalesce(encode(targets_sha256, 'hex'), '-') "
                 "FROM xinyu.report WHERE label IS NOT NULL ORDER BY generated_at, report_id",
                 0, NULL, PGRES_TUPLES_OK, "cannot read the published reports");
    PQfinish(conn);
    if (res == NULL)
        return EXIT_FATAL;
    int n = PQntuples(res);
    if (n == 0) {
        printf("没有已发布的版本 (no published versions); publish one with "
               "\"xinyu report --year Y --publish LABEL\".\n");
        PQclear(res);
        return EXIT_OK;
    }
    /* the widths of the label and scope columns, from the longest value and the header */
    int wl = 10, ws = 12;
    for (int i = 0; i < n; i++) {
        int l = (int)strlen(PQgetvalue(res, i, 0)), s = (int)strlen(PQgetvalue(res, i, 2));
        wl = l > wl ? l : wl;
        ws = s > ws ? s : ws;
    }
    static const char *const head[] = {"版本 label",      "报告 report",
                                       "范围 scope",      "发布时间 published (UTC+8)",
                                       "输入指纹 inputs", "目标指纹 targets"};
    const int widths[] = {wl, 11, ws, 26, 64, 0};
    for (int k = 0; k < 6; k++)
        printf("%s%*s%s", head[k], pad_of(head[k], widths[k]), "", k < 5 ? "  " : "\n");
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < 6; k++) {
            const char *v = PQgetvalue(res, i, k);
            printf("%s%*s%s", v, pad_of(v, widths[k]), "", k < 5 ? "  " : "\n");
        }
    }
    PQclear(res);
    return EXIT_OK;
}
