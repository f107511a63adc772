/* report_status.c - the status listing: the last runs, their counts, and what was rejected,
 * in the officer's language (ctx->lang). */
#include <stdio.h>
#include <string.h>

#include <utf8proc.h>

#include "common/buf.h"
#include "common/db.h"
#include "common/log.h"
#include "common/period.h"
#include "common/terms.h"
#include "report/report_common.h"

/* Texts from outside (file names, sources, messages) as shown: control characters visible,
 * so that a file named with an escape sequence cannot act on the operator's terminal. */
enum { SHOWN_MAX = 5 };
static buf shown[SHOWN_MAX];

static const char *show(int slot, const PGresult *res, int row, int col)
{
    return buf_printable_str(&shown[slot], PQgetvalue(res, row, col));
}

/* A text around a figure: before it, and after it. */
struct around {
    const char *pre, *post;
};

struct status_labels {
    const char *head[11];
    struct around sources_failed; /* the number of sources */
    const char *unread;
    struct around problems, rejected, unread_run; /* the run */
    struct around school, term;                   /* a rejected item's school and term */
};

static const struct status_labels labels_zh = {
    {"运行", "类型", "状态", "开始时间", "用时", "收到", "入库", "重复", "被替代", "退回", "警告"},
    {"  ", " 个来源失败"},
    "\n未能读取的文件（保持待处理，下次运行时重新读取）：\n",
    {"\n第 ", " 次运行中的问题：\n"},
    {"\n第 ", " 次运行中被退回的报送：\n"},
    {"（第 ", " 次运行）"},
    {"（学校 ", "，"},
    {"", "）\n"},
};
static const struct status_labels labels_en = {
    {"run", "kind", "status", "started", "took", "received", "loaded", "duplicate", "superseded",
     "rejected", "warnings"},
    {"  ", " source(s) failed"},
    "\nFiles that could not be read (pending, read again by the next run):\n",
    {"\nProblems in run ", ":\n"},
    {"\nRejected in run ", ":\n"},
    {"(run ", ")"},
    {" (school ", ", "},
    {"term ", ")\n"},
};

static void put_around(const struct around *a, const char *figure)
{
    printf("%s%s%s", a->pre, figure, a->post);
}

/* The columns on a terminal: Chinese characters take two cells, so widths are counted in
 * cells (utf8proc's), not bytes. */
static const int widths[11] = {6, 10, 10, 19, 8, 8, 8, 9, 10, 8, 8};

static int display_width(const char *s)
{
    int w = 0;
    utf8proc_int32_t cp;
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
    utf8proc_ssize_t n;
    while (*p != '\0' && (n = utf8proc_iterate(p, -1, &cp)) > 0) {
        int cw = utf8proc_charwidth(cp);
        w += cw > 0 ? cw : 0;
        p += n;
    }
    return w;
}

/* One cell, padded to its width: text left, counts (right) to the right. */
static void cell(const char *s, int k, bool right)
{
    int pad = widths[k] - display_width(s);
    if (k > 0)
        fputs("  ", stdout);
    if (right)
        printf("%*s%s", pad > 0 ? pad : 0, "", s);
    else
        printf("%s%*s", s, pad > 0 && k < 10 ? pad : 0, "");
}

int report_status_print(const struct report_ctx *ctx, int nruns)
{
    bool zh = terms_lang_zh(ctx->lang);
    const struct status_labels *l = zh ? &labels_zh : &labels_en;
    int rc;
    PGconn *conn = report_connect(ctx, &rc);
    if (conn == NULL)
        return rc;
    rc = EXIT_FATAL;
    char limit[16];
    snprintf(limit, sizeof limit, "%d", nruns);
    const char *params[] = {limit};
    PGresult *res = db_query(
        conn,
        "SELECT run_id, kind, status, to_char(started_at, 'YYYY-MM-DD HH24:MI:SS'), "
        "coalesce(to_char(extract(epoch FROM finished_at - started_at), 'FM999990.0') || 's', "
        "'-'), received, loaded, duplicate, superseded, rejected, warnings, failed_sources, "
        "coalesce(message, '') FROM xinyu.run ORDER BY run_id DESC LIMIT $1",
        1, params, PGRES_TUPLES_OK, "cannot read the runs");
    if (res == NULL)
        goto out;
    for (int k = 0; k < 11; k++)
        cell(l->head[k], k, k == 0 || k >= 4);
    putchar('\n');
    for (int i = 0; i < PQntuples(res); i++) {
        for (int k = 0; k < 11; k++) {
            const char *v = PQgetvalue(res, i, k);
            if (k == 1)
                v = terms_show(TERMS_RUN_KIND, v, zh);
            else if (k == 2)
                v = terms_show(TERMS_RUN_STATUS, v, zh);
            cell(v, k, k == 0 || k >= 4);
        }
        if (strcmp(PQgetvalue(res, i, 11), "0") != 0)
            put_around(&l->sources_failed, PQgetvalue(res, i, 11));
        if (*PQgetvalue(res, i, 12) != '\0')
            printf("  %s", show(0, res, i, 12));
        putchar('\n');
    }
    PQclear(res);

    /* not items of any run, so no count above shows them: named here until they are read */
    res = db_query(conn,
                   "SELECT source, path, read_error, read_error_run FROM xinyu.ingest_file "
                   "WHERE done_run IS NULL AND read_error IS NOT NULL ORDER BY source, path",
                   0, NULL, PGRES_TUPLES_OK, "cannot read the work queue");
    if (res == NULL)
        goto out;
    if (PQntuples(res) > 0)
        fputs(l->unread, stdout);
    for (int i = 0; i < PQntuples(res); i++) {
        printf("  %s: %s: %s ", show(0, res, i, 0), show(1, res, i, 1), show(2, res, i, 2));
        put_around(&l->unread_run, PQgetvalue(res, i, 3));
        putchar('\n');
    }
    PQclear(res);

    res = db_query(conn,
                   "SELECT max(run_id) FROM xinyu.run WHERE received > 0 OR status = 'running' "
                   "OR run_id IN (SELECT run_id FROM xinyu.run_event)",
                   0, NULL, PGRES_TUPLES_OK, "cannot read the runs");
    if (res == NULL)
        goto out;
    if (PQgetisnull(res, 0, 0)) {
        PQclear(res);
        rc = EXIT_OK;
        goto out;
    }
    char last[24];
    snprintf(last, sizeof last, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    const char *lp[] = {last, zh ? "zh" : "en"};
    res = db_query(conn,
                   "SELECT severity, coalesce(source, ''), "
                   "CASE WHEN $2 = 'zh' THEN coalesce(message_zh, message) ELSE message END "
                   "FROM xinyu.run_event WHERE run_id = $1 ORDER BY at",
                   2, lp, PGRES_TUPLES_OK, "cannot read the run's events");
    if (res == NULL)
        goto out;
    if (PQntuples(res) > 0)
        put_around(&l->problems, last);
    for (int i = 0; i < PQntuples(res); i++) {
        const char *sev = terms_word(TERMS_EVENT, PQgetvalue(res, i, 0), zh);
        printf("  %s: %s: %s\n", sev != NULL ? sev : show(0, res, i, 0), show(1, res, i, 1),
               show(2, res, i, 2));
    }
    PQclear(res);
    res =
        db_query(conn,
                 "SELECT ri.ref, coalesce(ri.school_code, '?'), coalesce(ri.period, '?'), "
                 "i.path, CASE WHEN $2 = 'zh' THEN coalesce(i.message_zh, i.message) "
                 "ELSE i.message END, coalesce(sc.school_name, '') FROM xinyu.run_item ri "
                 "JOIN xinyu.submission_issue i ON i.raw_id = ri.raw_id AND i.severity = 'reject' "
                 "LEFT JOIN xinyu.school sc ON sc.school_code = ri.school_code "
                 "WHERE ri.run_id = $1 AND ri.outcome = 'rejected' ORDER BY ri.item_id, i.seq",
                 2, lp, PGRES_TUPLES_OK, "cannot read the rejections");
    if (res == NULL)
        goto out;
    if (PQntuples(res) > 0)
        put_around(&l->rejected, last);
    const char *prev = "";
    for (int i = 0; i < PQntuples(res); i++) {
        if (strcmp(prev, PQgetvalue(res, i, 0)) != 0) {
            char school[512], term[64];
            const char *name = show(3, res, i, 5);
            const char *code = PQgetvalue(res, i, 1);
            if (*name != '\0')
                snprintf(school, sizeof school, "%s %s", code, name);
            else
                snprintf(school, sizeof school, "%s",
                         zh && strcmp(code, "?") == 0 ? "未能识别" : show(4, res, i, 1));
            const char *period = PQgetvalue(res, i, 2);
            if (zh && strcmp(period, "?") != 0)
                period_words(period, term, sizeof term);
            else
                snprintf(term, sizeof term, "%s", zh ? "学期未能识别" : show(2, res, i, 2));
            printf("  %s", show(0, res, i, 0));
            put_around(&l->school, school);
            put_around(&l->term, term);
            prev = PQgetvalue(res, i, 0);
        }
        /* in Chinese the reason names the field itself, path in parentheses */
        const char *path = zh ? "" : show(3, res, i, 3);
        printf("      %s%s%s\n", path, *path ? ": " : "", show(4, res, i, 4));
    }
    PQclear(res);
    rc = EXIT_OK;
out:
    for (int k = 0; k < SHOWN_MAX; k++)
        buf_free(&shown[k]);
    PQfinish(conn);
    return rc;
}
