/* report_feedback.c - a rejected workbook sent back to its school: its own figures in a fresh
 * copy of the template, every problem cell marked and commented, and a 问题清单 sheet. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/db.h"
#include "common/log.h"
#include "ingest/ingest.h"
#include "report/report_template.h"

/* What the school's workbook held, copied out of the reader's callback. */
struct kept {
    bool have;
    char school_code[XF_SCHOOL_CODE_LEN + 8];
    char period[XF_PERIOD_LEN + 1];
    struct xf_wb_value values[XF_WB_INPUTS];
    bool oom;
};

static int keep_entry(const struct xf_wb_entry *e, void *ctx)
{
    struct kept *k = ctx;
    if (e->layout != XF_WB_SCHOOL)
        return 1; /* a district's roll-up is not sent back to one school */
    k->have = true;
    memcpy(k->school_code, e->school_code, sizeof k->school_code);
    memcpy(k->period, e->period, sizeof k->period);
    for (int i = 0; i < XF_WB_INPUTS; i++) {
        k->values[i] = e->values[i];
        k->values[i].text = NULL;
        if (e->values[i].text != NULL) {
            k->values[i].text = strdup(e->values[i].text);
            if (k->values[i].text == NULL) {
                k->oom = true;
                return 1;
            }
        }
    }
    return 0;
}

int report_feedback_workbook(PGconn *conn, const char *raw_id, const char *path,
                             const struct report_template_problem *problems, size_t n,
                             time_t created)
{
    const char *params[] = {raw_id};
    /* the bytes through xinyu.rejected_workbook: the report role reads no other body */
    PGresult *res = db_query(conn,
                             "SELECT xinyu.rejected_workbook(r.raw_id), s.school_name, "
                             "d.district_name, s.school_type, s.district_code "
                             "FROM xinyu.raw_submission r "
                             "LEFT JOIN xinyu.school s ON s.school_code = r.school_code "
                             "LEFT JOIN xinyu.district d ON d.district_code = s.district_code "
                             "WHERE r.raw_id = $1::bigint",
                             1, params, PGRES_TUPLES_OK, "cannot read a rejected workbook");
    if (res == NULL)
        return -1;
    if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0)) {
        PQclear(res);
        return 1;
    }
    int rc = -1;
    size_t gzlen = 0;
    unsigned char *gz = PQunescapeBytea((const unsigned char *)PQgetvalue(res, 0, 0), &gzlen);
    buf body = BUF_INIT;
    struct kept k;
    memset(&k, 0, sizeof k);
    char err[256];
    if (gz == NULL) {
        log_error("out of memory");
        goto out;
    }
    int z = ingest_gzip_inflate(gz, gzlen, INGEST_MAX_WORKBOOK_BYTES, &body, err, sizeof err);
    if (z != 0) {
        if (z < 0)
            log_error("out of memory");
        else
            log_error_detail("cannot read a rejected workbook", raw_id, err);
        goto out;
    }
    struct xf_wb_refusal why;
    int read =
        xf_workbook_read((const unsigned char *)body.data, body.len, NULL, keep_entry, &k, &why);
    if (k.oom) {
        log_error("out of memory");
        goto out;
    }
    if (read != 0 || !k.have) {
        rc = 1; /* refused as a whole: nothing of it to mark; the letter says why */
        goto out;
    }
    struct report_template_school s = {
        .school_code = k.school_code,
        .school_name = PQgetisnull(res, 0, 1) ? "" : PQgetvalue(res, 0, 1),
        .district_code = PQgetisnull(res, 0, 4) ? "" : PQgetvalue(res, 0, 4),
        .district_name = PQgetisnull(res, 0, 2) ? "" : PQgetvalue(res, 0, 2),
        .school_type = PQgetisnull(res, 0, 3) ? NULL : PQgetvalue(res, 0, 3),
        .values = k.values,
        .note = "这是贵校报送、未能入库的工作簿：有问题的单元格已标红并附批注，"
                "全部问题见“问题清单”工作表。请在本表中更正后另存为 .xlsx 重新报送。",
    };
    rc = report_template_school(path, k.period, &s, problems, n, created) == 0 ? 0 : -1;
out:
    xf_wb_values_clear(k.values, XF_WB_INPUTS);
    buf_free(&body);
    PQfreemem(gz);
    PQclear(res);
    return rc;
}
