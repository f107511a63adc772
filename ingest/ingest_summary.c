/* ingest_summary.c - a school's work summary found in the spool (SUBMISSION.md section 8,
 * docs/TEMPLATE.md "Summaries in the spool"): kept with its hash and the exact figures read
 * from it, never loaded as data, to be compared with the school's submission. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "common/db.h"
#include "common/log.h"
#include "common/period.h"
#include "common/util.h"
#include "ingest/ingest.h"
#include "ingest/ingest_summary.h"
#include "transform/xform.h"
#include "transform/xform_extract.h"
#include "transform/xform_labels.h"

/* The exact figures of x that are fields of a submission, as the summary table keeps them:
 * [{path, column, label, value, quote, line}]. A new reference, or NULL on memory. */
static json_t *figures_json(const struct xf_extract *x)
{
    json_t *arr = json_array();
    for (int f = 0; arr != NULL && f < xf_extract_nfields; f++) {
        const struct xf_extract_field *fd = &xf_extract_fields[f];
        if (!x->has_value[f] || !fd->in_submission)
            continue;
        const char *dot = strchr(fd->path, '.');
        char section[32];
        snprintf(section, sizeof section, "%.*s", dot != NULL ? (int)(dot - fd->path) : 0,
                 fd->path);
        int field = dot != NULL ? xf_field_find(section, dot + 1) : -1;
        if (field < 0)
            continue;
        const struct xf_figure *ev = NULL;
        for (int i = 0; i < x->nevidence && ev == NULL; i++)
            if (x->evidence[i].field == f)
                ev = &x->evidence[i];
        char quote[512];
        /* what the school wrote: the words that named the field and the figure */
        snprintf(quote, sizeof quote, "%s%s", ev != NULL ? ev->keyword : "",
                 ev != NULL ? ev->text : "");
        json_t *value = xf_fields[field].kind == XF_BOOL ? json_boolean(x->value[f] != 0)
                                                         : json_real(x->value[f]);
        if (xf_fields[field].kind != XF_BOOL && x->value[f] == (double)(json_int_t)x->value[f]) {
            json_decref(value);
            value = json_integer((json_int_t)x->value[f]);
        }
        json_t *o = json_pack("{s:s, s:s, s:s, s:o, s:s, s:i}", "path", fd->path, "column",
                              xf_fields[field].column, "label",
                              xf_label_zh(fd->path) != NULL ? xf_label_zh(fd->path) : fd->label,
                              "value", value, "quote", quote, "line", ev != NULL ? ev->line : 0);
        if (o == NULL || json_array_append_new(arr, o) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

int ingest_summary_keep(struct pg_conn *conn, int64_t run_id, const char *source, const char *dir,
                        const char *relpath)
{
    char school[32], period[PERIOD_LEN + 1], path[8192], message[1024], message_zh[1024];
    bool docx = false;
    if (!ingest_summary_name(relpath, school, sizeof school, period, sizeof period, &docx))
        return 0;
    snprintf(path, sizeof path, "%s/%s", dir, relpath);
    size_t len = 0;
    unsigned char *data = (unsigned char *)util_read_file(
        path, docx ? XF_EXTRACT_MAX_DOCX : XF_EXTRACT_MAX_TEXT, &len);
    if (data == NULL) {
        int e = errno;
        snprintf(message, sizeof message, "summary %s not kept: %s", relpath,
                 e == EFBIG ? "too large" : strerror(e));
        snprintf(message_zh, sizeof message_zh, "工作总结 %s 未能保存：%s", relpath,
                 e == EFBIG ? "文件过大" : strerror(e));
        log_warn("%s: %s", source, message);
        db_run_event(conn, run_id, source, "warning", message, message_zh);
        return 0;
    }
    int rc = -1;
    unsigned char sha[UTIL_SHA256_LEN];
    buf text = BUF_INIT, hex = BUF_INIT;
    struct xf_extract x;
    memset(&x, 0, sizeof x);
    json_t *figs = NULL;
    char *figs_text = NULL;
    char err[256] = "";
    const char *enc = NULL;
    if (util_sha256(data, len, sha) != 0) {
        log_error("cannot hash the summary %s", relpath);
        goto out;
    }
    int read =
        docx ? xf_docx_text_mem(data, len, XF_EXTRACT_MAX_TEXT, &text, err, sizeof err)
             : xf_extract_decode(data, len, XF_EXTRACT_MAX_TEXT, &text, &enc, err, sizeof err);
    if (read < 0) {
        log_error("out of memory");
        goto out;
    }
    /* an unreadable summary is kept all the same, with no figures, and said so */
    if (read == 0 &&
        xf_extract_text(text.data != NULL ? text.data : "", text.len, &x, err, sizeof err) != 0) {
        log_error("cannot read the figures of %s: %s", relpath, err);
        goto out;
    }
    figs = read == 0 ? figures_json(&x) : json_array();
    figs_text = figs != NULL ? json_dumps(figs, JSON_COMPACT) : NULL;
    if (figs_text == NULL || buf_puts(&hex, "\\x") != 0) {
        log_error("out of memory");
        goto out;
    }
    for (size_t i = 0; i < len; i++)
        if (buf_printf(&hex, "%02x", data[i]) != 0) {
            log_error("out of memory");
            goto out;
        }
    char sha_hex[2 * UTIL_SHA256_LEN + 3] = "\\x", size_text[24], run_text[24];
    for (int i = 0; i < UTIL_SHA256_LEN; i++)
        snprintf(sha_hex + 2 + 2 * i, 3, "%02x", sha[i]);
    snprintf(size_text, sizeof size_text, "%zu", len);
    snprintf(run_text, sizeof run_text, "%" PRId64, run_id);
    const char *params[] = {sha_hex,  size_text, hex.data, docx ? "docx" : "txt",
                            source,   relpath,   school,   period,
                            run_text, figs_text};
    PGresult *res = db_query(conn,
                             "INSERT INTO xinyu.summary (sha256, byte_size, body, format, source, "
                             "ref, school_code, period, run_id, figures) "
                             "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb) "
                             "ON CONFLICT (school_code, period, sha256) DO NOTHING "
                             "RETURNING summary_id",
                             10, params, PGRES_TUPLES_OK, "cannot keep the summary");
    if (res == NULL)
        goto out;
    bool added = PQntuples(res) == 1;
    PQclear(res);
    if (added) {
        char term[64];
        period_words(period, term, sizeof term);
        if (read == 0) {
            snprintf(message, sizeof message,
                     "kept summary %s of school %s, term %s: %zu exact figures to compare with "
                     "its submission; a summary is never loaded as data",
                     relpath, school, period, json_array_size(figs));
            snprintf(message_zh, sizeof message_zh,
                     "已保存学校 %s %s的工作总结 %s：其中 %zu 个确切数字将与报表核对；"
                     "工作总结不作为数据入库",
                     school, term, relpath, json_array_size(figs));
        } else {
            snprintf(message, sizeof message,
                     "kept summary %s of school %s, term %s, but could not read it: %s", relpath,
                     school, period, err);
            snprintf(message_zh, sizeof message_zh,
                     "已保存学校 %s %s的工作总结 %s，但无法读取其内容（%s）", school, term, relpath,
                     err);
        }
        log_info("%s: %s", source, message);
        db_run_event(conn, run_id, source, read == 0 ? "info" : "warning", message, message_zh);
    }
    rc = 0;
out:
    xf_extract_clear(&x);
    free(figs_text);
    json_decref(figs);
    buf_free(&text);
    buf_free(&hex);
    free(data);
    return rc;
}
