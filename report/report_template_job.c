/* report_template_job.c - "xinyu template": the workbooks of a term from the registry, each
 * school's or a district's, empty or pre-filled from the school's latest loaded term. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/buf.h"
#include "common/db.h"
#include "common/exit_codes.h"
#include "common/log.h"
#include "common/period.h"
#include "common/util.h"
#include "report/report_jobs.h"
#include "report/report_template.h"
#include "transform/xform.h"

/* The latest loaded values of school before period, into values (XF_WB_INPUTS, cleared
 * first). Returns 1 when there were some (*from = their term), 0 when none, -1 logged. */
static int template_prefill(PGconn *conn, const char *school, const char *period,
                            struct xf_wb_value *values, char *from, size_t fromcap)
{
    static char sql[8192];
    if (sql[0] == '\0') {
        buf b = BUF_INIT;
        buf_puts(&b, "SELECT period");
        for (int i = 0; i < XF_NFIELDS; i++)
            buf_printf(&b, ", %s", xf_fields[i].column);
        static const char *const arrays[3] = {"grade_enrolled", "grade_classes", "grade_lessons"};
        for (int g = 0; g < 3; g++)
            for (int k = 1; k <= XF_GRADES; k++)
                buf_printf(&b, ", %s[%d]", arrays[g], k);
        buf_puts(&b, " FROM xinyu.submission WHERE school_code = $1 AND is_current "
                     "AND period < $2 ORDER BY period DESC LIMIT 1");
        if (b.data == NULL || util_strlcpy(sql, b.data, sizeof sql) != 0) {
            buf_free(&b);
            sql[0] = '\0';
            log_error("out of memory");
            return -1;
        }
        buf_free(&b);
    }
    xf_wb_values_clear(values, XF_WB_INPUTS);
    const char *params[] = {school, period};
    PGresult *res = db_query(conn, sql, 2, params, PGRES_TUPLES_OK, "cannot read earlier terms");
    if (res == NULL)
        return -1;
    if (PQntuples(res) == 0) {
        PQclear(res);
        return 0;
    }
    snprintf(from, fromcap, "%s", PQgetvalue(res, 0, 0));
    for (int col = 1; col < PQnfields(res); col++) {
        int input = col - 1; /* fields, then the grade groups, in input order */
        if (PQgetisnull(res, 0, col))
            continue;
        const char *v = PQgetvalue(res, 0, col);
        struct xf_wb_value *out = &values[input];
        if (xf_wb_input_kind(input) == XF_BOOL) {
            out->type = XF_WBV_BOOL;
            out->number = strcmp(v, "t") == 0 ? 1 : 0;
        } else {
            out->type = XF_WBV_NUMBER;
            out->number = strtod(v, NULL);
        }
    }
    PQclear(res);
    return 1;
}

int report_templates_write(const struct report_template_job *job)
{
    if (job->registry == NULL) {
        log_error("no registry in the configuration: the templates are made from it");
        return EXIT_USAGE;
    }
    struct xf_registry *reg = xf_registry_read(job->registry, NULL, NULL);
    if (reg == NULL) {
        log_error_detail("cannot read the registry", job->registry,
                         "Check it with \"xinyu registry load\".");
        return EXIT_USAGE;
    }
    char dir[4096];
    if (job->out_dir != NULL)
        snprintf(dir, sizeof dir, "%s", job->out_dir);
    else
        snprintf(dir, sizeof dir, "%s/templates", job->ctx->out_dir);
    int rc = EXIT_FATAL;
    PGconn *conn = NULL;
    size_t n = 0;
    int count = xf_registry_count(reg);
    const struct xf_school **chosen = calloc((size_t)count + 1, sizeof *chosen);
    struct report_template_school *ts = calloc((size_t)count + 1, sizeof *ts);
    struct xf_wb_value *values = NULL;
    char(*notes)[256] = calloc((size_t)count + 1, sizeof *notes);
    char *comments[XF_WB_INPUTS] = {NULL}; /* --prefill-from: each cell's sentences */
    buf sum_note = BUF_INIT, sum_head = BUF_INIT;
    if (chosen == NULL || ts == NULL || notes == NULL) {
        log_error("out of memory");
        goto out;
    }
    for (int i = 0; i < count; i++) {
        const struct xf_school *s = xf_registry_at(reg, i);
        if (job->school != NULL ? strcmp(s->school_code, job->school) != 0
                                : !s->active || (job->district != NULL &&
                                                 strcmp(s->district_code, job->district) != 0))
            continue;
        chosen[n++] = s;
    }
    if (n == 0) {
        log_error("no school in the registry matches%s%s%s%s", job->school ? " --school " : "",
                  job->school ? job->school : "", job->district ? " --district " : "",
                  job->district ? job->district : "");
        rc = EXIT_USAGE;
        goto out;
    }
    if (util_mkdirs(dir, false) != 0) {
        log_error_detail("cannot create the output directory", dir, strerror(errno));
        goto out;
    }
    if (job->prefill) {
        conn = job->ctx->connect(job->ctx->connect_arg, DB_ROLE_REPORT, &rc);
        if (conn == NULL)
            goto out;
        values = calloc(n * XF_WB_INPUTS, sizeof *values);
        if (values == NULL) {
            log_error("out of memory");
            goto out;
        }
    }
    time_t now = time(NULL);
    size_t prefilled = 0;
    if (job->fill != NULL) {
        size_t len = 0;
        char *data = util_read_file(job->fill, 8u * 1024 * 1024, &len);
        char ferr[256];
        values = calloc(XF_WB_INPUTS, sizeof *values);
        if (data == NULL || values == NULL ||
            xf_wb_values_from_json(data, len, values, ferr, sizeof ferr) != 0) {
            log_error_detail("cannot fill the template", job->fill,
                             data == NULL     ? strerror(errno)
                             : values == NULL ? "out of memory"
                                              : ferr);
            free(data);
            rc = EXIT_USAGE;
            goto out;
        }
        free(data);
        ts[0].values = values;
        /* the same bytes for the same submission: the workbook's time is its submitted_at */
        int64_t at;
        const struct xf_wb_value *sa = &values[XF_WB_SUBMITTED_AT];
        if (sa->type == XF_WBV_TEXT && util_parse_rfc3339(sa->text, &at) == 0)
            now = (time_t)at;
    }
    if (job->prefill_from != NULL) {
        char ferr[256] = "";
        values = calloc(XF_WB_INPUTS, sizeof *values);
        int got = values == NULL ? -1
                                 : report_template_summary(job->prefill_from, values, comments,
                                                           &sum_note, ferr, sizeof ferr);
        if (got < 0) {
            log_error_detail("cannot pre-fill the template from the summary", job->prefill_from,
                             values == NULL || ferr[0] == '\0' ? "out of memory" : ferr);
            rc = got == -2 ? EXIT_USAGE : EXIT_FATAL;
            goto out;
        }
        /* the note under the title: what was pre-filled, then what was not */
        if (buf_printf(&sum_head,
                       "表中%d项已按贵校工作总结预填（原句见各单元格批注），请逐项核对后再提交。%s",
                       got, sum_note.data != NULL ? sum_note.data : "") != 0) {
            log_error("out of memory");
            goto out;
        }
        ts[0].values = values;
        ts[0].comments = (const char *const *)comments;
        ts[0].note = sum_head.data;
        prefilled = (size_t)got;
    }
    for (size_t i = 0; i < n; i++) {
        const struct xf_school *s = chosen[i];
        ts[i].school_code = s->school_code;
        ts[i].school_name = s->school_name;
        ts[i].district_code = s->district_code;
        ts[i].district_name = s->district_name;
        ts[i].school_type = s->school_type;
        if (!job->prefill)
            continue;

        char from[PERIOD_LEN + 1] = "";
        struct xf_wb_value *v = &values[i * XF_WB_INPUTS];
        int got = template_prefill(conn, s->school_code, job->period, v, from, sizeof from);
        if (got < 0)
            goto out;
        if (got > 0) {
            char term[64];
            period_words(from, term, sizeof term);
            snprintf(notes[i], sizeof notes[i],
                     "表中已预填贵校%s已入库的数据，请核对，只修改有变化的项目。", term);
            ts[i].values = v;
            ts[i].note = notes[i];
            prefilled++;
        }
    }
    size_t written = 0;
    if (job->rollup) {
        /* one workbook per district, its schools in registry order */
        for (size_t i = 0; i < n; i++) {
            bool first = true;
            for (size_t k = 0; k < i; k++)
                if (strcmp(chosen[k]->district_code, chosen[i]->district_code) == 0)
                    first = false;
            if (!first)
                continue;
            size_t m = 0;
            struct report_template_school *group = calloc(n, sizeof *group);
            if (group == NULL) {
                log_error("out of memory");
                goto out;
            }
            for (size_t k = i; k < n; k++)
                if (strcmp(chosen[k]->district_code, chosen[i]->district_code) == 0)
                    group[m++] = ts[k];
            char path[4200];
            snprintf(path, sizeof path, "%s/rollup-%s-%s.xlsx", dir, chosen[i]->district_code,
                     job->period);
            int wrc = report_template_rollup(path, job->period, chosen[i]->district_code,
                                             chosen[i]->district_name, group, m, now);
            free(group);
            if (wrc != 0)
                goto out;
            written++;
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            char path[4200];
            snprintf(path, sizeof path, "%s/%s-%s.xlsx", dir, ts[i].school_code, job->period);
            if (report_template_school(path, job->period, &ts[i], NULL, 0, now) != 0)
                goto out;
            written++;
        }
    }
    log_info("wrote %zu %s in %s%s", written, written == 1 ? "workbook" : "workbooks", dir, "");
    if (job->prefill)
        log_info("%zu of %zu schools pre-filled from an earlier term", prefilled, n);
    if (job->prefill_from != NULL)
        log_info("%zu %s pre-filled from %s", prefilled, prefilled == 1 ? "value" : "values",
                 job->prefill_from);
    rc = EXIT_OK;
out:
    if (values != NULL)
        xf_wb_values_clear(values,
                           (job->fill != NULL || job->prefill_from != NULL ? 1 : n) * XF_WB_INPUTS);
    for (int i = 0; i < XF_WB_INPUTS; i++)
        free(comments[i]);
    buf_free(&sum_note);
    buf_free(&sum_head);
    free(values);
    free(notes);
    free(ts);
    free(chosen);
    if (conn != NULL)
        PQfinish(conn);
    xf_registry_free(reg);
    return rc;
}
