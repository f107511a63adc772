/* report_quality.c - data quality: missing, late, rejected, warnings, outliers; and the letters. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "common/db.h"
#include "common/fault.h"
#include "common/log.h"
#include "common/period.h"
#include "common/util.h"
#include "report/report_common.h"
#include "report/report_format.h"
#include "report/report_letters.h"
#include "report/report_pages.h"
#include "report/report_readable.h"

#define NKEYS(a) (sizeof(a) / sizeof((a)[0]))

static const struct report_column term_cols[] = {
    {"period", "学期 period", 't', 16, false},
    {"deadline", "截止日期 deadline", 't', 16, false},
    {"schools_active", "在册学校数 schools_active", 'i', 16, false},
    {"schools_reported", "已上报学校数 schools_reported", 'i', 16, false},
    {"schools_not_reported", "未上报学校数 schools_not_reported", 'i', 16, false},
    {"schools_late", "逾期上报学校数 schools_late", 'i', 16, false},
    {"rejected_submissions", "被退回的报送 rejected_submissions", 'i', 16, false},
    {"superseded_versions", "被替代的版本 superseded_versions", 'i', 16, false},
};
static const struct report_column not_reported_cols[] = {
    {"period", "学期 period", 't', 16, false},
    {"district_code", "区县代码 district_code", 't', 16, false},
    {"district_name", "区县 district_name", 't', 28, false},
    {"school_code", "学校标识码 school_code", 't', 16, false},
    {"school_name", "学校名称 school_name", 't', 28, false},
    {"school_type", "学校类型 school_type", 't', 16, false},
    {"school_type_name", "学校类型名称 school_type_name", 't', 16, true},
    {"first_seen_run", "首次发现批次 first_seen_run", 'i', 16, false},
    {"first_seen_at", "首次发现时间 first_seen_at", 't', 22, false},
};
static const struct report_column late_cols[] = {
    {"period", "学期 period", 't', 16, false},
    {"deadline", "截止日期 deadline", 't', 16, false},
    {"district_code", "区县代码 district_code", 't', 16, false},
    {"district_name", "区县 district_name", 't', 28, false},
    {"school_code", "学校标识码 school_code", 't', 16, false},
    {"school_name", "学校名称 school_name", 't', 28, false},
    {"submitted_at", "报送时间 submitted_at", 't', 16, false},
    {"days_late", "逾期天数 days_late", 'i', 16, false},
    {"first_seen_run", "首次发现批次 first_seen_run", 'i', 16, false},
    {"first_seen_at", "首次发现时间 first_seen_at", 't', 22, false},
};
/* One line per reason; the JSON groups the reasons of one submission (see stream_list). */
static const struct report_column rejection_cols[] = {
    {"raw_id", "报送编号 raw_id", 'i', 16, false},
    {"district_code", "区县代码 district_code", 't', 16, false},
    {"district_name", "区县 district_name", 't', 28, false},
    {"school_code", "学校标识码 school_code", 't', 16, false},
    {"school_name", "学校名称 school_name", 't', 28, false},
    {"period", "学期 period", 't', 16, false},
    {"source", "来源 source", 't', 16, false},
    {"ref", "文件 ref", 't', 16, false},
    {"received_at", "收到时间 received_at", 't', 16, false},
    {"resolved", "已重新报送 resolved", 'b', 16, false},
    {"resolved_name", "是否已重新报送 resolved_name", 't', 16, true},
    {"severity", "级别 severity", 't', 16, false},
    {"severity_name", "级别名称 severity_name", 't', 16, true},
    {"seq", "序号 seq", 'i', 16, false},
    {"code", "代码 code", 't', 16, false},
    {"path", "字段 path", 't', 16, false},
    {"message", "原因 message", 't', 60, false},
    {"message_zh", "原因(中文) message_zh", 't', 60, false},
    /* the submission's again: what resolved it and when it was first seen (the standing
     * state, sql/functions/standing.sql), after the reason so that the columns before keep
     * their places */
    {"resolved_at", "重新报送收到时间 resolved_at", 't', 22, false},
    {"resolved_run", "重新报送批次 resolved_run", 'i', 16, false},
    {"resolved_by_raw_id", "重新报送编号 resolved_by_raw_id", 'i', 16, false},
    {"resolved_by_ref", "重新报送文件 resolved_by_ref", 't', 28, false},
    {"first_seen_run", "首次发现批次 first_seen_run", 'i', 16, false},
    {"first_seen_at", "首次发现时间 first_seen_at", 't', 22, false},
};
#define REJECTION_FIRST_REASON 11  /* severity, seq, code, path, message, message_zh */
#define REJECTION_AFTER_REASONS 18 /* resolved_at ... first_seen_at */
static const struct report_column warning_cols[] = {
    {"raw_id", "报送编号 raw_id", 'i', 16, false},
    {"district_code", "区县代码 district_code", 't', 16, false},
    {"district_name", "区县 district_name", 't', 28, false},
    {"school_code", "学校标识码 school_code", 't', 16, false},
    {"school_name", "学校名称 school_name", 't', 28, false},
    {"period", "学期 period", 't', 16, false},
    {"seq", "序号 seq", 'i', 16, false},
    {"code", "代码 code", 't', 16, false},
    {"path", "字段 path", 't', 16, false},
    {"message", "说明 message", 't', 60, false},
    {"message_zh", "说明(中文) message_zh", 't', 60, false},
#define WARNING_FIRST_SEEN 11 /* first_seen_run, first_seen_at */
    {"first_seen_run", "首次发现批次 first_seen_run", 'i', 16, false},
    {"first_seen_at", "首次发现时间 first_seen_at", 't', 22, false},
};
static const struct report_column outlier_cols[] = {
    {"kind", "类型 kind", 't', 16, false},
    {"kind_name", "类型名称 kind_name", 't', 22, true},
    {"period", "学期 period", 't', 16, false},
    {"district_code", "区县代码 district_code", 't', 16, false},
    {"district_name", "区县 district_name", 't', 28, false},
    {"school_code", "学校标识码 school_code", 't', 16, false},
    {"school_name", "学校名称 school_name", 't', 28, false},
    {"field", "数据列 field", 't', 16, false},
    {"path", "字段 path", 't', 16, false},
    {"value", "填报值 value", 'c', 16, false},
    {"reference", "参照值 reference", 'c', 16, false},
    {"ratio", "倍数 ratio", 'r', 16, false},
    {"first_seen_run", "首次发现批次 first_seen_run", 'i', 16, false},
    {"first_seen_at", "首次发现时间 first_seen_at", 't', 22, false},
};
/* Where a school's work summary and its current submission disagree (SUBMISSION.md
 * section 8; xinyu.quality_summary_mismatches). */
static const struct report_column summary_cols[] = {
    {"period", "学期 period", 't', 16, false},
    {"district_code", "区县代码 district_code", 't', 16, false},
    {"district_name", "区县 district_name", 't', 28, false},
    {"school_code", "学校标识码 school_code", 't', 16, false},
    {"school_name", "学校名称 school_name", 't', 28, false},
    {"summary_ref", "工作总结文件 summary_ref", 't', 28, false},
    {"path", "字段 path", 't', 16, false},
    {"label", "项目 label", 't', 28, false},
    {"summary_quote", "总结原文 summary_quote", 't', 28, false},
    {"summary_value", "总结数值 summary_value", 'c', 16, false},
    {"submitted_value", "报表数值 submitted_value", 'c', 16, false},
    {"line", "总结行号 line", 'i', 12, false},
    {"message_zh", "说明 message_zh", 't', 60, false},
};
/* What a run saw first, one row per problem of every kind (xinyu.quality_new): its own CSV
 * and sheet, and in the document the run's "new", by kind. */
static const struct report_column new_cols[] = {
    {"kind", "类型代码 kind", 't', 14, false},
    {"kind_zh", "类型 kind_zh", 't', 12, false},
    {"period", "学期 period", 't', 16, false},
    {"district_code", "区县代码 district_code", 't', 16, false},
    {"district_name", "区县 district_name", 't', 28, false},
    {"school_code", "学校标识码 school_code", 't', 16, false},
    {"school_name", "学校名称 school_name", 't', 28, false},
    {"raw_id", "报送编号 raw_id", 'i', 16, false},
    {"ref", "文件 ref", 't', 28, false},
    {"detail", "字段 detail", 't', 28, false},
    {"first_seen_run", "首次发现批次 first_seen_run", 'i', 16, false},
    {"first_seen_at", "首次发现时间 first_seen_at", 't', 22, false},
};
static const struct report_list new_list = {
    "new",
    "SELECT kind, kind_zh, period, district_code, district_name, school_code, school_name, "
    "raw_id, ref, detail, first_seen_run, first_seen_at FROM xinyu.quality_new($1::text[], "
    "$2::bigint)",
    2, new_cols, NKEYS(new_cols)};

enum {
    L_TERMS,
    L_NOT_REPORTED,
    L_LATE,
    L_REJECTIONS,
    L_WARNINGS,
    L_OUTLIERS,
    L_SUMMARY_MISMATCHES,
    L_COUNT
};

/* The first three lists, computed (KEPT empty) or as the nightly run keeps them (KEPT
 * ", true"). */
#define TERMS_LIST(KEPT)                                                                           \
    {                                                                                              \
        "terms",                                                                                   \
            "SELECT period, deadline::text, schools_active, schools_reported, "                    \
            "schools_not_reported, schools_late, rejected_submissions, superseded_versions "       \
            "FROM xinyu.quality_terms($1::text[], $2::date[]" KEPT ")",                            \
            2, term_cols, NKEYS(term_cols)                                                         \
    }
#define NOT_REPORTED_LIST(KEPT)                                                                    \
    {                                                                                              \
        "not_reported",                                                                            \
            "SELECT period, district_code, district_name, school_code, school_name, school_type, " \
            "first_seen_run, first_seen_at FROM xinyu.standing_not_reported($1::text[]" KEPT ")",  \
            1, not_reported_cols, NKEYS(not_reported_cols)                                         \
    }
#define LATE_LIST(KEPT)                                                                            \
    {                                                                                              \
        "late",                                                                                    \
            "SELECT period, deadline::text, district_code, district_name, school_code, "           \
            "school_name, submitted_at, days_late, first_seen_run, first_seen_at "                 \
            "FROM xinyu.standing_late($1::text[], $2::date[]" KEPT ")",                            \
            2, late_cols, NKEYS(late_cols)                                                         \
    }

static const struct report_list lists[L_COUNT] = {
    TERMS_LIST(""),
    NOT_REPORTED_LIST(""),
    LATE_LIST(""),
    {"rejections",
     "SELECT raw_id, district_code, district_name, school_code, school_name, period, source, "
     "ref, received_at, resolved, severity, seq, code, path, message, message_zh, resolved_at, "
     "resolved_run, resolved_by_raw_id, resolved_by_ref, first_seen_run, first_seen_at "
     "FROM xinyu.standing_rejections($1::text[], $2::bigint)",
     2, rejection_cols, NKEYS(rejection_cols)},
    {"warnings",
     "SELECT raw_id, district_code, district_name, school_code, school_name, period, seq, code, "
     "path, message, message_zh, first_seen_run, first_seen_at "
     "FROM xinyu.standing_warnings($1::text[], $2::bigint)",
     2, warning_cols, NKEYS(warning_cols)},
    {"outliers",
     "SELECT kind, period, district_code, district_name, school_code, school_name, field, path, "
     "value, reference, ratio, first_seen_run, first_seen_at "
     "FROM xinyu.standing_outliers($1::text[], $2::bigint)",
     2, outlier_cols, NKEYS(outlier_cols)},
    {"summary_mismatches",
     "SELECT period, district_code, district_name, school_code, school_name, summary_ref, path, "
     "label, summary_quote, summary_value, submitted_value, line, message_zh "
     "FROM xinyu.quality_summary_mismatches($1::text[])",
     1, summary_cols, NKEYS(summary_cols)},
};

/* The terms, the schools not reported and the late ones as the nightly run keeps them: it has
 * brought them up to date in its report's transaction (xinyu.standing_record), so they are
 * read, not computed. */
static const struct report_list kept_lists[] = {
    TERMS_LIST(", true"),
    NOT_REPORTED_LIST(", true"),
    LATE_LIST(", true"),
};

/* List k, as kept by the nightly run (kept) where it keeps it. */
static const struct report_list *list_for(int k, bool kept)
{
    return kept && k <= L_LATE ? &kept_lists[k] : &lists[k];
}

/* Reporting by day, per term and district and city-wide (xinyu.quality_reporting_by_day). */
static const struct report_column by_day_cols[] = {
    {"period", "学期 period", 't', 14, false},
    {"deadline", "截止日期 deadline", 't', 14, false},
    {"district_code", "区县代码 district_code", 't', 14, false},
    {"district_name", "区县 district_name", 't', 16, false},
    {"day", "日期 day", 't', 14, false},
    {"schools_active", "在册学校数 schools_active", 'i', 14, false},
    {"schools_reported", "累计已上报 schools_reported", 'i', 14, false},
    {"schools_on_time", "累计按时上报 schools_on_time", 'i', 14, false},
};
static const struct report_list by_day_list = {
    "reporting_by_day",
    "SELECT period, deadline::text, district_code, district_name, day::text, schools_active, "
    "schools_reported, schools_on_time FROM xinyu.quality_reporting_by_day($1::text[], $2::date[], "
    "$3::boolean)",
    3, by_day_cols, NKEYS(by_day_cols)};

/* The rejections as the document has them: one per submission, its reasons nested. */
static const struct report_column rejection_group_cols[] = {
    {"raw_id", NULL, 'i', 0, false},
    {"district_code", NULL, 't', 0, false},
    {"district_name", NULL, 't', 0, false},
    {"school_code", NULL, 't', 0, false},
    {"school_name", NULL, 't', 0, false},
    {"period", NULL, 't', 0, false},
    {"source", NULL, 't', 0, false},
    {"ref", NULL, 't', 0, false},
    {"received_at", NULL, 't', 0, false},
    {"resolved", NULL, 'b', 0, false},
    {"resolved_at", NULL, 't', 0, false},
    {"resolved_run", NULL, 'i', 0, false},
    {"resolved_by_raw_id", NULL, 'i', 0, false},
    {"resolved_by_ref", NULL, 't', 0, false},
    {"first_seen_run", NULL, 'i', 0, false},
    {"first_seen_at", NULL, 't', 0, false},
    {"reasons", NULL, 'o', 0, false},
};

/*
 * The tables of the report: one per list, as its CSV has it (<base>-<name with '-' for
 * '_'>.csv), three of them also as sheets; the rejections and the outliers are in the
 * document otherwise than in their CSV, as tables of their own.
 */
enum { T_REJECTION_GROUPS = L_COUNT, T_OUTLIERS_KEPT, T_NEW, T_BY_DAY, T_COUNT };
static const struct report_table tables[T_COUNT] = {
    [L_TERMS] = {"terms", "terms", "学期 terms", term_cols, NKEYS(term_cols)},
    [L_NOT_REPORTED] = {"not_reported", "not-reported", "未上报 not reported", not_reported_cols,
                        NKEYS(not_reported_cols)},
    [L_LATE] = {"late", "late", "逾期 late", late_cols, NKEYS(late_cols)},
    [L_REJECTIONS] = {NULL, "rejections", "退回 rejections", rejection_cols, NKEYS(rejection_cols)},
    [L_WARNINGS] = {"warnings", "warnings", "警告 warnings", warning_cols, NKEYS(warning_cols)},
    [L_OUTLIERS] = {NULL, "outliers", "异常值 outliers", outlier_cols, NKEYS(outlier_cols)},
    [L_SUMMARY_MISMATCHES] = {"summary_mismatches", "summary-mismatches",
                              "总结与报表不一致 summary", summary_cols, NKEYS(summary_cols)},
    [T_REJECTION_GROUPS] = {"rejections", NULL, NULL, rejection_group_cols,
                            NKEYS(rejection_group_cols)},
    /* the changes from the previous term are only counted in the document */
    [T_OUTLIERS_KEPT] = {"outliers", NULL, NULL, outlier_cols, NKEYS(outlier_cols)},
    /* what the run saw first: the run's "new" in the document counts them, the rows are in
     * the CSV and the sheet (on a first night they are every problem of the scope) */
    [T_NEW] = {NULL, "new", "本次新发现 new", new_cols, NKEYS(new_cols)},
    /* the page's chart of reporting by day, and its sheet; not in the document */
    [T_BY_DAY] = {NULL, NULL, "按日上报 by day", by_day_cols, NKEYS(by_day_cols)},
};

/* The rows of a list as JSON objects; NULL after logging. */
static json_t *list_json(const struct report_list *l, const PGresult *res)
{
    json_t *arr = json_array();
    for (int i = 0; arr != NULL && i < PQntuples(res); i++) {
        if (json_array_append_new(arr, report_row_json(l, res, i)) != 0) {
            json_decref(arr);
            arr = NULL;
        }
    }
    if (arr == NULL)
        log_error("cannot read the %s list: out of memory or a malformed value", l->name);
    return arr;
}

static const char *text_of(const json_t *row, const char *key)
{
    const char *s = json_string_value(json_object_get(row, key));
    return s != NULL ? s : "";
}

/*
 * "unread_files" of run: the spool files this run could not read, still pending, with the
 * reason (they are no items, so no count above holds them). Returns 0, or -1 after logging.
 */
static int run_unread_files(PGconn *conn, const char *run_id, json_t *run)
{
    const char *p[] = {run_id};
    PGresult *res = db_query(conn,
                             "SELECT source, path, read_error FROM xinyu.ingest_file "
                             "WHERE read_error_run = $1 AND done_run IS NULL ORDER BY source, path",
                             1, p, PGRES_TUPLES_OK, "cannot read the run's unread files");
    if (res == NULL)
        return -1;
    json_t *files = json_array();
    for (int i = 0; files != NULL && i < PQntuples(res); i++) {
        json_t *f = json_pack("{s:s, s:s, s:s}", "source", PQgetvalue(res, i, 0), "path",
                              PQgetvalue(res, i, 1), "error", PQgetvalue(res, i, 2));
        if (f == NULL || json_array_append_new(files, f) != 0) {
            json_decref(files);
            files = NULL;
        }
    }
    PQclear(res);
    if (files == NULL || json_object_set_new(run, "unread_files", files) != 0) {
        log_error("out of memory");
        return -1;
    }
    return 0;
}

/*
 * The run's counts, as its record keeps them once they are final (the nightly run counts them
 * into it when its ingest has ended), else made from its items as xinyu.run_finish makes
 * them, and whether they reconcile; json null for run_id 0. NULL
 * after logging, with *rc EXIT_USAGE when there is no such run, else EXIT_FATAL.
 */
static json_t *run_json(PGconn *conn, int64_t run_id, int *rc)
{
    *rc = EXIT_FATAL;
    if (run_id <= 0)
        return json_null();
    char id[24];
    snprintf(id, sizeof id, "%" PRId64, run_id);
    const char *p[] = {id};
    PGresult *res =
        db_query(conn,
                 "SELECT r.run_id, r.status, c.received, c.loaded, c.duplicate, c.superseded, "
                 "c.rejected, c.warnings "
                 "FROM xinyu.run r CROSS JOIN LATERAL xinyu.run_counts_kept(r.run_id) c "
                 "WHERE r.run_id = $1",
                 1, p, PGRES_TUPLES_OK, "cannot read the run");
    if (res == NULL)
        return NULL;
    if (PQntuples(res) != 1) {
        log_error_detail("no such run", id, "\"xinyu status\" lists the runs.");
        PQclear(res);
        *rc = EXIT_USAGE;
        return NULL;
    }
    static const char *const keys[] = {"run_id",    "status",     "received", "loaded",
                                       "duplicate", "superseded", "rejected", "warnings"};
    static const char types[] = "itiiiiii";
    json_t *o = json_object();
    json_int_t sum = 0;
    for (size_t k = 0; o != NULL && k < NKEYS(keys); k++) {
        json_t *v = report_json_cell(res, 0, (int)k, types[k]);
        if (k >= 3 && k <= 6)
            sum += json_integer_value(v);
        if (json_object_set_new(o, keys[k], v) != 0) {
            json_decref(o);
            o = NULL;
        }
    }
    /* received = loaded + duplicate + superseded + rejected */
    if (o != NULL && json_object_set_new(o, "reconciles",
                                         json_boolean(json_integer_value(json_object_get(
                                                          o, "received")) == sum)) != 0) {
        json_decref(o);
        o = NULL;
    }
    if (o == NULL)
        log_error("out of memory");
    PQclear(res);
    if (o != NULL && run_unread_files(conn, id, o) != 0) {
        json_decref(o);
        o = NULL;
    }
    return o;
}

/* The terms and deadlines of scope. Returns 0 (t loaded when *have), or EXIT_* after logging. */
static int scope_terms(const char *targets_dir, const struct report_scope *scope,
                       struct report_targets *t, bool *have, struct report_sql_args *a)
{
    *have = false;
    if (scope->period != NULL) {
        char canon[PERIOD_LEN + 1], err[256];
        if (period_parse(scope->period, canon, err, sizeof err) != 0 ||
            strcmp(canon, scope->period) != 0) {
            log_error("--period must be a term like 2024-2025-1, not \"%s\"", scope->period);
            return EXIT_USAGE;
        }
    }
    int found = report_scope_targets(targets_dir, scope, t);
    if (found < 0)
        return EXIT_USAGE;
    *have = found == 0;
    if (!*have)
        log_warn("no targets file lists %s: its deadline is unknown, nobody is listed as late",
                 scope->period);
    if (report_sql_args_make(scope, *have ? t : NULL, a) != 0)
        return EXIT_FATAL;
    return 0;
}

/* A rejected submission of the document, from its first row: the submission's columns and an
 * empty array of reasons. NULL when out of memory. */
static json_t *rejection_new(const json_t *r)
{
    json_t *o = json_object();
    int rc = o == NULL ? -1 : 0;
    for (size_t k = 0; rc == 0 && k < NKEYS(rejection_cols); k++) {
        if (k == REJECTION_FIRST_REASON)
            k = REJECTION_AFTER_REASONS;
        if (!rejection_cols[k].readable)
            rc = json_object_set(o, rejection_cols[k].key,
                                 json_object_get(r, rejection_cols[k].key));
    }
    if (rc == 0)
        rc = json_object_set_new(o, "reasons", json_array());
    if (rc != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* The reason of row r appended to rejection o. 0, or -1 out of memory. */
static int rejection_reason(json_t *o, const json_t *r)
{
    json_t *reason = json_object();
    int rc = reason == NULL ? -1 : 0;
    for (size_t k = REJECTION_FIRST_REASON; rc == 0 && k < REJECTION_AFTER_REASONS; k++) {
        if (!rejection_cols[k].readable)
            rc = json_object_set(reason, rejection_cols[k].key,
                                 json_object_get(r, rejection_cols[k].key));
    }
    if (rc == 0)
        return json_array_append_new(json_object_get(o, "reasons"), reason);
    json_decref(reason);
    return -1;
}

/* A rejected submission of the document to its table; counted, and as open when it is not
 * resolved. */
static void rejection_out(struct report_writer *w, const json_t *group, size_t *count, size_t *open)
{
    report_writer_row(w, T_REJECTION_GROUPS, group);
    (*count)++;
    if (!json_is_true(json_object_get(group, "resolved")))
        (*open)++;
}

/*
 * Reads list k (not the outliers) through a cursor into its table, and the rejections also
 * grouped per submission into theirs. *count is the number of the document's elements, *open
 * that of the rejections not resolved (untouched for another list). 0, or -1 after logging.
 */
static int stream_list(PGconn *conn, int k, bool kept, const char *const *params,
                       struct report_writer *w, size_t *count, size_t *open)
{
    const struct report_list *l = list_for(k, kept);
    struct report_cursor cur;
    bool grouped = k == L_REJECTIONS;
    if (report_cursor_open(&cur, conn, l->name, l, l->sql, params) != 0)
        return -1;
    report_writer_table_begin(w, (size_t)k);
    if (grouped)
        report_writer_table_begin(w, T_REJECTION_GROUPS);
    json_t *group = NULL; /* the rejection being gathered */
    int rc = 0;
    json_t *row;
    while (rc == 0 && report_writer_failed(w) == 0 &&
           (row = report_cursor_peek(&cur, &rc)) != NULL) {
        report_writer_row(w, (size_t)k, row);
        if (grouped) {
            json_int_t raw = json_integer_value(json_object_get(row, "raw_id"));
            if (group != NULL && json_integer_value(json_object_get(group, "raw_id")) != raw) {
                rejection_out(w, group, count, open);
                json_decref(group);
                group = NULL;
            }
            if (group == NULL && (group = rejection_new(row)) == NULL)
                rc = -1;
            if (rc == 0)
                rc = rejection_reason(group, row);
            if (rc != 0)
                log_error("out of memory");
        } else {
            (*count)++;
        }
        report_cursor_next(&cur);
    }
    if (group != NULL) {
        if (rc == 0)
            rejection_out(w, group, count, open);
        json_decref(group);
    }
    report_cursor_free(&cur);
    if (grouped)
        report_writer_table_end(w, T_REJECTION_GROUPS);
    report_writer_table_end(w, (size_t)k);
    return rc != 0 ? rc : report_writer_failed(w);
}

/* ---- the outliers, and the letters ------------------------------------------------------ */

/* The rejections and the warnings again, for the letters: of the schools of the registry, in
 * the outliers' order (term, district, school), each school's rows in the list's order, which
 * within one school and term is that of the keys that end the list's ORDER BY (raw_id,
 * severity, seq for the rejections; seq for the warnings, of the one current submission).
 * Ordered by these columns, not WITH ORDINALITY, so that PostgreSQL inlines the functions and
 * plans them for the run id given: a run that received nothing reads no submission. The
 * columns are those of the lists. */
static const char letter_rejections_sql[] =
    "SELECT raw_id, district_code, district_name, school_code, school_name, period, source, ref, "
    "received_at, resolved, severity, seq, code, path, message, "
    "(SELECT i.message_zh FROM xinyu.submission_issue i "
    "WHERE i.raw_id = q.raw_id AND i.seq = q.seq) AS message_zh "
    "FROM xinyu.quality_rejections($1::text[], $2::bigint, $3::boolean) q "
    "WHERE school_name IS NOT NULL "
    "ORDER BY period COLLATE \"C\" NULLS FIRST, district_code COLLATE \"C\", "
    "school_code COLLATE \"C\", raw_id, severity, seq";
static const char letter_warnings_sql[] =
    "SELECT raw_id, district_code, district_name, school_code, school_name, period, seq, code, "
    "path, message, (SELECT i.message_zh FROM xinyu.submission_issue i "
    "WHERE i.raw_id = q.raw_id AND i.seq = q.seq) AS message_zh "
    "FROM xinyu.quality_warnings($1::text[], $2::bigint, $3::boolean) q "
    "WHERE school_name IS NOT NULL "
    "ORDER BY period COLLATE \"C\", district_code COLLATE \"C\", school_code COLLATE \"C\", seq";
/* their columns: those of the lists up to the Chinese text (no first seen, no resolution) */
static const struct report_list letter_rejections = {"rejections", letter_rejections_sql, 3,
                                                     rejection_cols, REJECTION_AFTER_REASONS};
static const struct report_list letter_warnings = {"warnings", letter_warnings_sql, 3, warning_cols,
                                                   WARNING_FIRST_SEEN};

/* The figures where a summary and its submission disagree, for the letters: in the nightly
 * run ($2) only those its report saw first (xinyu.problem_seen), a letter goes once per
 * problem; else all. The list's columns and order. */
static const char letter_summary_sql[] =
    "SELECT period, district_code, district_name, school_code, school_name, summary_ref, path, "
    "label, summary_quote, summary_value, submitted_value, line, message_zh "
    "FROM xinyu.quality_summary_mismatches($1::text[]) m "
    "WHERE $2::bigint IS NULL OR EXISTS (SELECT FROM xinyu.problem_seen ps "
    "WHERE ps.kind = 'summary' AND ps.school_code = m.school_code AND ps.period = m.period "
    "AND ps.detail = m.summary_ref || ':' || m.path AND ps.first_seen_run = $2::bigint) "
    "ORDER BY period COLLATE \"C\", district_code COLLATE \"C\", school_code COLLATE \"C\", "
    "path COLLATE \"C\"";
static const struct report_list letter_summary = {"summary_mismatches", letter_summary_sql, 2,
                                                  summary_cols, NKEYS(summary_cols)};

/* What a letter is about: a term (NULL as ""), the district and the school, compared as the
 * SQL orders them (COLLATE "C": byte order). */
struct letter_key {
    char period[32], district[16], school[32];
};

static void key_of(const json_t *row, struct letter_key *k)
{
    util_strlcpy(k->period, text_of(row, "period"), sizeof k->period);
    util_strlcpy(k->district, text_of(row, "district_code"), sizeof k->district);
    util_strlcpy(k->school, text_of(row, "school_code"), sizeof k->school);
}

static int key_cmp(const struct letter_key *a, const struct letter_key *b)
{
    int c = strcmp(a->period, b->period);
    if (c == 0)
        c = strcmp(a->district, b->district);
    if (c == 0)
        c = strcmp(a->school, b->school);
    return c;
}

static bool key_is(const json_t *row, const struct letter_key *key)
{
    struct letter_key k;
    key_of(row, &k);
    return key_cmp(&k, key) == 0;
}

/* An outlier that goes into a letter: a 10x-median one of a school of the registry, and in
 * the nightly run (first_run > 0) only one its report lists for the first time: the list is
 * the standing state, a letter goes once per problem. A change from the previous term is for
 * the inspectors to weigh, not sent to the school (SUBMISSION.md section 3 makes only the
 * 10x-median outlier a warning to the school). */
static bool outlier_in_letter(const json_t *row, int64_t first_run)
{
    return strcmp(text_of(row, "kind"), "district_median") == 0 &&
           json_is_string(json_object_get(row, "school_name")) &&
           (first_run <= 0 ||
            json_integer_value(json_object_get(row, "first_seen_run")) == first_run);
}

/* An outlier into its CSV, and into the document when it is a 10x-median one (the changes
 * from the previous term are only counted there). 0, or -1 (logged). */
static int outlier_out(struct report_writer *w, const json_t *row, size_t *kept, long *term_changes)
{
    if (strcmp(text_of(row, "kind"), "district_median") == 0) {
        report_writer_row(w, T_OUTLIERS_KEPT, row);
        (*kept)++;
    } else {
        (*term_changes)++;
    }
    report_writer_row(w, L_OUTLIERS, row);
    return report_writer_failed(w);
}

/* The outliers of the scope as the nightly run keeps them: it has brought them up to date in
 * its report's transaction (xinyu.standing_record), so they are read, not computed. */
static const struct report_list outliers_kept = {
    "outliers",
    "SELECT kind, period, district_code, district_name, school_code, school_name, field, path, "
    "value, reference, ratio, first_seen_run, first_seen_at "
    "FROM xinyu.standing_outliers($1::text[], NULL, true)",
    1, outlier_cols, NKEYS(outlier_cols)};

/*
 * The outliers through a cursor into their CSV and the document (with list_params), and, read
 * alongside them in the same order, the rejections and warnings of registry schools due in
 * the letters (with letter_params): the rows of one school and term make its letter, written
 * before the next school's are read. first_run as outlier_in_letter takes it; the nightly run
 * (first_run > 0) reads the outliers it keeps. 0, or -1 after logging.
 */
static int stream_outliers(PGconn *conn, const char *const *list_params,
                           const char *const *letter_params, int64_t first_run,
                           struct report_writer *w, struct report_letters *lt, size_t *kept,
                           long *term_changes)
{
    const char *const *params = letter_params;
    enum { S_REJECTIONS, S_WARNINGS, S_OUTLIERS, S_SUMMARY, S_COUNT };
    static const int list_of[S_COUNT] = {REPORT_LETTER_REJECTIONS, REPORT_LETTER_WARNINGS,
                                         REPORT_LETTER_OUTLIERS, REPORT_LETTER_SUMMARY};
    struct report_cursor cur[S_COUNT];
    memset(cur, 0, sizeof cur);
    int rc = report_cursor_open(&cur[S_REJECTIONS], conn, "letter_rejections", &letter_rejections,
                                letter_rejections_sql, params);
    if (rc == 0)
        rc = report_cursor_open(&cur[S_WARNINGS], conn, "letter_warnings", &letter_warnings,
                                letter_warnings_sql, params);
    const struct report_list *outliers = first_run > 0 ? &outliers_kept : &lists[L_OUTLIERS];
    if (rc == 0)
        rc = report_cursor_open(&cur[S_OUTLIERS], conn, "outliers", outliers, outliers->sql,
                                list_params);
    /* the figures where a summary and its submission disagree, again for the letters (the
     * list itself is written after the outliers); all of registry schools, in this order */
    char first_text[24];
    snprintf(first_text, sizeof first_text, "%" PRId64, first_run);
    const char *summary_params[] = {list_params[0], first_run > 0 ? first_text : NULL};
    if (rc == 0)
        rc = report_cursor_open(&cur[S_SUMMARY], conn, "letter_summary", &letter_summary,
                                letter_summary_sql, summary_params);
    report_writer_table_begin(w, T_OUTLIERS_KEPT);
    report_writer_table_begin(w, L_OUTLIERS);
    struct letter_key key, prev;
    bool have_prev = false;
    while (rc == 0 && report_writer_failed(w) == 0) {
        json_t *row[S_COUNT];
        for (int s = 0; s < S_COUNT; s++)
            row[s] = rc == 0 ? report_cursor_peek(&cur[s], &rc) : NULL;
        /* the outliers that are in no letter go out as they come */
        while (rc == 0 && row[S_OUTLIERS] != NULL &&
               !outlier_in_letter(row[S_OUTLIERS], first_run)) {
            rc = outlier_out(w, row[S_OUTLIERS], kept, term_changes);
            report_cursor_next(&cur[S_OUTLIERS]);
            row[S_OUTLIERS] = rc == 0 ? report_cursor_peek(&cur[S_OUTLIERS], &rc) : NULL;
        }
        /* the next letter is the least school and term of the three lists */
        bool any = false;
        for (int s = 0; rc == 0 && s < S_COUNT; s++) {
            struct letter_key k;
            if (row[s] == NULL)
                continue;
            key_of(row[s], &k);
            if (!any || key_cmp(&k, &key) < 0)
                key = k;
            any = true;
        }
        if (rc != 0 || !any)
            break;
        if (have_prev && key_cmp(&key, &prev) <= 0) {
            log_error("cannot write the feedback letters: the lists are not in the order of "
                      "term, district and school");
            rc = -1;
            break;
        }
        for (int s = 0; rc == 0 && s < S_COUNT; s++) {
            while (rc == 0 && row[s] != NULL && key_is(row[s], &key)) {
                if (s != S_OUTLIERS || outlier_in_letter(row[s], first_run))
                    rc = report_letters_add(lt, list_of[s], row[s]);
                if (rc == 0 && s == S_OUTLIERS)
                    rc = outlier_out(w, row[s], kept, term_changes);

                report_cursor_next(&cur[s]);
                row[s] = rc == 0 ? report_cursor_peek(&cur[s], &rc) : NULL;
            }
        }
        if (rc == 0)
            rc = report_letters_flush(lt);
        prev = key;
        have_prev = true;
    }
    for (int s = 0; s < S_COUNT; s++)
        report_cursor_free(&cur[s]);
    report_writer_table_end(w, L_OUTLIERS);
    report_writer_table_end(w, T_OUTLIERS_KEPT);
    return rc != 0 ? rc : report_writer_failed(w);
}

/* The kinds of problem of a run's "new", as the document names them, in quality_new's order. */
enum {
    NEW_NOT_REPORTED,
    NEW_LATE,
    NEW_REJECTIONS,
    NEW_WARNINGS,
    NEW_OUTLIERS,
    NEW_SUMMARY,
    NEW_KINDS,
    NEW_NO_TERM = NEW_KINDS, /* counted apart: rejections of no readable term, in no list */
    NEW_COUNTS
};
static const struct {
    const char *kind, *key;
} new_kinds[NEW_KINDS] = {{"not_reported", "not_reported"}, {"late", "late"},
                          {"rejection", "rejections"},      {"warning", "warnings"},
                          {"outlier", "outliers"},          {"summary", "summary_mismatches"}};

/*
 * How many problems of each kind run new_run saw first (xinyu.quality_new_seen), as the run's
 * "new" in the document ({"not_reported": n, ...}); count[] by kind. The problems themselves
 * are the "new" CSV and sheet, streamed with the lists (stream_table): on a first night they
 * are every problem of the scope, too many to hold. 0, or -1 after logging.
 */
static int run_new(PGconn *conn, const char *const *params, json_t *run, size_t count[NEW_COUNTS])
{
    PGresult *res = db_query(conn,
                             "SELECT kind, period IS NULL AND kind = 'rejection', count(*) "
                             "FROM xinyu.quality_new_seen($1::text[], $2::bigint) GROUP BY 1, 2",
                             2, params, PGRES_TUPLES_OK, "cannot count what the run saw first");
    if (res == NULL)
        return -1;
    for (int i = 0; i < PQntuples(res); i++) {
        int k = 0;
        while (k < NEW_KINDS && strcmp(PQgetvalue(res, i, 0), new_kinds[k].kind) != 0)
            k++;
        if (k < NEW_KINDS)
            count[strcmp(PQgetvalue(res, i, 1), "t") == 0 ? NEW_NO_TERM : k] +=
                strtoul(PQgetvalue(res, i, 2), NULL, 10);
    }
    PQclear(res);
    json_t *by_kind = json_object();
    int rc = by_kind == NULL ? -1 : 0;
    for (int k = 0; rc == 0 && k < NEW_KINDS; k++)
        rc = json_object_set_new(
            by_kind, new_kinds[k].key,
            json_integer((json_int_t)(count[k] + (k == NEW_REJECTIONS ? count[NEW_NO_TERM] : 0))));
    if (rc == 0)
        return json_object_set_new(run, "new", by_kind) == 0 ? 0 : (log_error("out of memory"), -1);
    json_decref(by_kind);
    log_error("out of memory");
    return -1;
}

/* The rows of list l (with params) through a cursor into table of the writer, whole: what
 * run new_run saw first into "new" (its CSV and sheet), the reporting chart's days into the
 * page's and the sheet's. 0, or -1 after logging. */
static int stream_table(PGconn *conn, const struct report_list *l, const char *const *params,
                        struct report_writer *w, size_t table)
{
    struct report_cursor cur;
    if (report_cursor_open(&cur, conn, l->name, l, l->sql, params) != 0)
        return -1;
    report_writer_table_begin(w, table);
    int rc = 0;
    const json_t *row;
    while (rc == 0 && report_writer_failed(w) == 0 &&
           (row = report_cursor_peek(&cur, &rc)) != NULL) {
        report_writer_row(w, table, row);
        report_cursor_next(&cur);
    }
    report_cursor_free(&cur);
    report_writer_table_end(w, table);
    return rc != 0 ? rc : report_writer_failed(w);
}

/* The rows of a list already read (report_side_finish) into table of w. 0, or -1 after
 * logging. */
static int result_table(const struct report_list *l, const PGresult *res, struct report_writer *w,
                        size_t table)
{
    report_writer_table_begin(w, table);
    int rc = 0;
    for (int i = 0; rc == 0 && report_writer_failed(w) == 0 && i < PQntuples(res); i++) {
        json_t *row = report_row_json(l, res, i);
        if (row == NULL) {
            log_error("cannot read the %s list: out of memory or a malformed value", l->name);
            rc = -1;
            break;
        }
        report_writer_row(w, table, row);
        json_decref(row);
    }
    report_writer_table_end(w, table);
    return rc != 0 ? rc : report_writer_failed(w);
}

/*
 * Records the problems that the nightly run's lists and letters carried as sent by it, in the
 * transaction whose snapshot they were read in, while the workbook is zipped and the letters
 * end (on a first night at 200,000 schools 0.2 s of the server's, after them before); *sent
 * is how many. problems_commit ends the transaction once every file is in place. 0, or -1
 * after logging.
 */
static int problems_mark_sent(PGconn *conn, const char *const *by_run, long *sent)
{
    PGresult *res = db_query(conn, "SELECT xinyu.problems_mark_sent($1::text[], $2::bigint)", 2,
                             by_run, PGRES_TUPLES_OK, "cannot record the problems sent");
    if (res == NULL)
        return -1;
    *sent = strtol(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return 0;
}

/*
 * Commits what problems_mark_sent recorded, the files made durable first: a run that dies
 * before the commit sends them again, none is lost. 0, or -1 after logging.
 */
static int problems_commit(PGconn *conn, const char *out_dir, long sent)
{
    if (util_sync_filesystem(out_dir) != 0) {
        log_error_detail("cannot write the quality report", out_dir, strerror(errno));
        return -1;
    }
    fault_point("problems_sent");
    if (db_exec(conn, "COMMIT", "cannot record the problems sent") != 0)
        return -1;
    log_info("%ld problems of the schools recorded as sent", sent);
    return 0;
}

/*
 * The summary line: every list's total (the standing state: the rejections with how many are
 * still open) and, for a run, how many of each it saw first ("new tonight" for the nightly
 * run, "new in run N" for quality --run).
 */
static void quality_summary(const char *scope, const size_t count[L_COUNT], size_t open,
                            size_t term_changes, const size_t *fresh, bool send, int64_t run_id,
                            int letters)
{
    char tag[40];
    if (send)
        snprintf(tag, sizeof tag, "new tonight");
    else
        snprintf(tag, sizeof tag, "new in run %" PRId64, run_id);
    char part[NEW_KINDS][64];
    for (int k = 0; k < NEW_KINDS; k++) {
        if (fresh != NULL)
            snprintf(part[k], sizeof part[k], " (%zu %s)", fresh[k], tag);
        else
            part[k][0] = '\0';
    }
    char rejected[96];
    if (fresh != NULL)
        snprintf(rejected, sizeof rejected, " (%zu open, %zu %s)", open, fresh[NEW_REJECTIONS],
                 tag);
    else
        snprintf(rejected, sizeof rejected, " (%zu open)", open);
    /* a rejection whose term could not be read is in no term's list, only in the run's new */
    char no_term[96] = "";
    if (fresh != NULL && fresh[NEW_NO_TERM] > 0)
        snprintf(no_term, sizeof no_term, ", %zu rejected of no readable term (%s)",
                 fresh[NEW_NO_TERM], tag);
    printf("quality %s: %zu not reported%s, %zu late%s, %zu rejected%s, %zu warnings%s, "
           "%zu outliers%s%s; %d feedback letters\n",
           scope, count[L_NOT_REPORTED], part[NEW_NOT_REPORTED], count[L_LATE], part[NEW_LATE],
           count[L_REJECTIONS], rejected, count[L_WARNINGS], part[NEW_WARNINGS],
           count[L_OUTLIERS] + term_changes, part[NEW_OUTLIERS], no_term, letters);
}

/*
 * The nightly run rewrites only the school pages that tonight can have changed: of a school
 * that sent something in this run, or that has no page yet. A page shows the school's own
 * data (terms, versions, reasons, audit), which changes only when the school sends. Drops the
 * others from set (sorted). 0, or -1 after logging.
 */
static int pages_changed_tonight(PGconn *conn, const char *run_text, const char *out_dir,
                                 struct report_school_set *set)
{
    report_school_set_sort(set);
    if (set->n == 0)
        return 0;
    const char *params[] = {run_text};
    PGresult *res = db_query(conn,
                             "SELECT DISTINCT school_code COLLATE \"C\" FROM xinyu.run_item "
                             "WHERE run_id = $1 AND school_code IS NOT NULL ORDER BY 1",
                             1, params, PGRES_TUPLES_OK, "cannot read what the run received");
    if (res == NULL)
        return -1;
    int n = PQntuples(res), at = 0;
    size_t kept = 0;
    for (size_t i = 0; i < set->n; i++) {
        const char *code = set->codes[i];
        while (at < n && strcmp(PQgetvalue(res, at, 0), code) < 0)
            at++;
        bool sent = at < n && strcmp(PQgetvalue(res, at, 0), code) == 0;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s/%s.html", out_dir, REPORT_SCHOOL_DIR, code);
        if (sent || access(path, F_OK) != 0)
            memmove(set->codes[kept++], code, sizeof set->codes[0]);
    }
    set->n = kept;
    PQclear(res);
    return 0;
}

int report_quality_write(const struct report_ctx *ctx, int64_t run_id,
                         const struct report_scope *scope, bool send, struct report_gate *beside)
{
    const char *out_dir = ctx->out_dir;
    struct report_targets t;
    memset(&t, 0, sizeof t);
    bool have_targets = false;
    struct report_sql_args a;
    memset(&a, 0, sizeof a);
    int rc = scope_terms(ctx->targets_dir, scope, &t, &have_targets, &a);
    if (rc != 0) {
        if (have_targets)
            report_targets_free(&t);
        return rc;
    }
    rc = EXIT_FATAL;
    json_t *run = NULL, *terms = NULL;
    struct report_writer *w = NULL;
    struct report_letters lt;
    memset(&lt, 0, sizeof lt);
    struct report_school_set linked = {NULL, 0, 0, false};
    struct report_side *days = NULL;
    PGconn *conn = report_connect(ctx, &rc);
    if (conn == NULL)
        goto done;
    /* every list and the run's counts of one snapshot; the files are temporary until all of
     * them are written. The nightly run marks in that snapshot what it sent
     * (problems_mark_sent), so its transaction is not read-only. */
    if (db_begin_snapshot(conn, !send, "cannot make the quality report") != 0)
        goto done;
    /* the chart's days depend on nothing the report records: read aside, in this snapshot,
     * once the gate beside opens. The nightly run's opens when a core is free: begun with the
     * report, the days took one from the recording and the indicators when both were busy,
     * and were waited for by neither; begun after the recording, they came when the
     * indicators had left a core idle for a second on a first night. Read on conn when they
     * cannot be read aside: computed then, as nothing refreshed the kept days. */
    const char *days_params[] = {a.periods.data, a.deadlines.data, send ? "true" : "false"};
    const char *days_computed[] = {a.periods.data, a.deadlines.data, "false"};
    /* the nightly run (under the run lock) keeps the days per term and district and computes
     * again those whose inputs changed; a look-up computes them all and writes nothing */
    days = report_side_start(
        ctx, conn, &by_day_list, days_params,
        send ? "SELECT xinyu.reporting_days_refresh($1::text[], $2::date[])" : NULL, beside);
    int run_rc;
    run = run_json(conn, run_id, &run_rc);
    if (run == NULL) {
        rc = run_rc;
        goto done;
    }
    fault_point("report_read");
    char run_text[24];
    snprintf(run_text, sizeof run_text, "%" PRId64, run_id);
    if (util_mkdirs(out_dir, false) != 0) {
        log_error_detail("cannot create the output directory", out_dir, strerror(errno));
        goto done;
    }
    char base[64];
    if (scope->period != NULL)
        snprintf(base, sizeof base, "quality-%s", scope->period);
    else
        snprintf(base, sizeof base, "quality-%d", scope->year);
    char generated_at[40];
    util_now_rfc3339(generated_at, sizeof generated_at);
    /* every list is read to its end: its cursor is planned for all of its rows, as the same
     * query alone would be, not for a first tenth of them (the default) */
    if (db_exec(conn, "SET LOCAL cursor_tuple_fraction = 1", "cannot make the quality report") != 0)
        goto done;
    const char *by_term[] = {a.periods.data, a.deadlines.data};
    /* the lists: the standing state of the scope, or with quality --run what that run
     * received; the letters: with send what is due (the problem ledger), else as the lists */
    const char *by_list[] = {a.periods.data, run_id > 0 && !send ? run_text : NULL};
    const char *by_run[] = {a.periods.data, run_id > 0 ? run_text : NULL, send ? "true" : "false"};
    const char *by_new[] = {a.periods.data, run_id > 0 ? run_text : NULL};
    /* the nightly run records first what its lists show for the first time, in this snapshot:
     * it is committed with the report, and the run's "new" is read back from it */
    if (send) {
        const char *record[] = {a.periods.data, a.deadlines.data, run_text};
        PGresult *rec =
            db_query(conn, "SELECT xinyu.standing_record($1::text[], $2::date[], $3::bigint)", 3,
                     record, PGRES_TUPLES_OK, "cannot record the problems first seen");
        if (rec == NULL)
            goto done;
        log_debug("%s problems first seen recorded", PQgetvalue(rec, 0, 0));
        PQclear(rec);
        report_gate_open(beside);
    }
    size_t fresh[NEW_COUNTS] = {0};
    if (run_id > 0 && run_new(conn, by_new, run, fresh) != 0)
        goto done;
    const struct report_list *terms_list = list_for(L_TERMS, send);
    PGresult *res = db_query(conn, terms_list->sql, terms_list->nparams, by_term, PGRES_TUPLES_OK,
                             "cannot list the terms");
    if (res == NULL)
        goto done;
    terms = list_json(terms_list, res);
    PQclear(res);
    if (terms == NULL)
        goto done;
    /* the files are temporary until all of them are written: JSON, a CSV per list, the
     * workbook and the page, whose schools get their pages (report/report_pages.h) */
    char scope_text[48];
    if (scope->period != NULL)
        snprintf(scope_text, sizeof scope_text, "%s", scope->period);
    else
        snprintf(scope_text, sizeof scope_text, "%d年度", scope->year);
    int link = report_school_pages_wanted(conn);
    if (link < 0)
        goto done;
    struct report_quality_page_arg page = {ctx->lang, scope_text, generated_at, tables,    T_COUNT,
                                           L_TERMS,   T_BY_DAY,   T_NEW,        link == 1, &linked};
    struct report_layout layout = {"cannot make the quality report",
                                   base,
                                   base,
                                   REPORT_JSON_TREE,
                                   tables,
                                   T_COUNT,
                                   &report_quality_page,
                                   &page,
                                   NULL,
                                   ctx->lang};
    w = report_writer_open(&layout, "json,csv,xlsx,html", out_dir);
    if (w == NULL || report_letters_begin(&lt, out_dir, generated_at) != 0)
        goto done;
    lt.conn = conn;
    report_writer_value(w, "report", json_string("quality"));
    report_writer_value(w, "scope",
                        scope->period != NULL ? json_pack("{s:s}", "period", scope->period)
                                              : json_pack("{s:i}", "year", scope->year));
    report_writer_value(w, "run_id", run_id > 0 ? json_integer(run_id) : json_null());
    report_writer_value(w, "generated_at", json_string(generated_at));
    report_writer_value(w, "run", json_incref(run));
    report_writer_table_begin(w, L_TERMS);
    for (size_t i = 0; i < json_array_size(terms); i++)
        report_writer_row(w, L_TERMS, json_array_get(terms, i));
    report_writer_table_end(w, L_TERMS);
    size_t count[L_COUNT] = {0}, open = 0;
    for (int k = L_NOT_REPORTED; k < L_OUTLIERS; k++) {
        bool run_list = k == L_REJECTIONS || k == L_WARNINGS;
        if (stream_list(conn, k, send, run_list ? by_list : by_term, w, &count[k], &open) != 0)
            goto done;
    }
    long term_changes = 0;
    if (stream_outliers(conn, by_list, by_run, send ? run_id : 0, w, &lt, &count[L_OUTLIERS],
                        &term_changes) != 0)
        goto done;
    report_writer_value(w, "term_changes", json_integer((json_int_t)term_changes));
    if (stream_list(conn, L_SUMMARY_MISMATCHES, false, by_term, w, &count[L_SUMMARY_MISMATCHES],
                    &open) != 0)
        goto done;
    if (days != NULL) {
        PGresult *rows = report_side_finish(days);
        days = NULL;
        if (rows == NULL || result_table(&by_day_list, rows, w, T_BY_DAY) != 0) {
            PQclear(rows);
            goto done;
        }
        PQclear(rows);
    } else if (stream_table(conn, &by_day_list, days_computed, w, T_BY_DAY) != 0) {
        goto done;
    }
    /* the run's own section last: its sheet after the lists' */
    if (run_id > 0 && stream_table(conn, &new_list, by_new, w, T_NEW) != 0)
        goto done;
    if (run_id <= 0) {
        /* no run: nothing new, the table (and its sheet) empty */
        report_writer_table_begin(w, T_NEW);
        report_writer_table_end(w, T_NEW);
    }
    /* every row is in: the workbook is zipped on its thread while the letters' thread ends
     * (on a first night 13,900 letters, a second and more), the problems sent are recorded
     * and the school pages are written, not after them */
    report_writer_seal(w);
    long sent = 0;
    if (send && problems_mark_sent(conn, by_run, &sent) != 0)
        goto done;
    /* the pages of the schools the page links to (every list is read: the set is whole),
     * from the same snapshot */
    char own_href[80];
    snprintf(own_href, sizeof own_href, "%s.html", base);
    const struct report_back_link own = {own_href, scope_text};
    const struct report_school_opts school_opts = {ctx->lang, out_dir, ctx->targets_dir, NULL,
                                                   &own};
    size_t school_pages = 0;
    if (send && run_id > 0 && pages_changed_tonight(conn, run_text, out_dir, &linked) != 0)
        goto done;
    if (report_writer_failed(w) == 0 &&
        report_school_pages_write(conn, &school_opts, &linked, &school_pages) != 0)
        goto done;
    /* every letter in its file before any file of the report is put in place */
    if (report_letters_finish(&lt) != 0 || report_writer_failed(w) != 0 ||
        (!send && db_exec(conn, "COMMIT", "cannot end the quality report") != 0))
        goto done;
    /* all read: the files into place */
    int closed = report_writer_finish(w);
    w = NULL;
    if (closed != 0)
        goto done;
    if (lt.written > 0) {
        if (util_sync_filesystem(lt.dir) != 0) {
            log_error_detail("cannot write the feedback letters", lt.dir, strerror(errno));
            goto done;
        }
        log_info("wrote %d feedback letters in %s", lt.written, lt.dir);
    }
    if (send && problems_commit(conn, out_dir, sent) != 0)
        goto done;
    quality_summary(base + strlen("quality-"), count, open, (size_t)term_changes,
                    run_id > 0 ? fresh : NULL, send, run_id, lt.written);
    if (school_pages > 0)
        log_info("wrote the pages of %zu schools in %s/%s", school_pages, out_dir,
                 REPORT_SCHOOL_DIR);
    if (count[L_SUMMARY_MISMATCHES] > 0)
        printf("quality %s: %zu figures where a work summary and its submission disagree\n",
               base + strlen("quality-"), count[L_SUMMARY_MISMATCHES]);
    rc = EXIT_OK;
done:
    /* a list read aside ends before the snapshot it reads in */
    PQclear(report_side_finish(days));
    if (conn != NULL && PQtransactionStatus(conn) != PQTRANS_IDLE)
        db_exec(conn, "ROLLBACK", "cannot end the quality report");
    report_writer_discard(w);
    report_letters_free(&lt);
    report_school_set_free(&linked);
    json_decref(run);
    json_decref(terms);
    PQfinish(conn);
    report_sql_args_free(&a);
    if (have_targets)
        report_targets_free(&t);
    return rc;
}
