/* cmd_quality.c - "xinyu quality": missing, late, rejected, warnings, outliers; school letters. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/report_readable.h"
#include "common/db.h"
#include "common/log.h"
#include "common/util.h"
#include "report/report.h"
#include "transform/xform.h"

#define NKEYS(a) (sizeof(a) / sizeof((a)[0]))

/* A column of a list: its JSON key, CSV header, result column and type (report_json_cell). */
struct column {
    const char *key;
    const char *header;
    char type;
};

/* One list of the report: the SQL that makes it and its columns, in the result's order. */
struct list {
    const char *name; /* JSON key, and the CSV file's suffix with '_' as '-' */
    const char *sql;
    int nparams; /* $1 periods, $2 deadlines or run id, as the SQL takes them */
    const struct column *cols;
    size_t ncols;
};

static const struct column term_cols[] = {
    {"period", "学期 period", 't'},
    {"deadline", "截止日期 deadline", 't'},
    {"schools_active", "在册学校数 schools_active", 'i'},
    {"schools_reported", "已上报学校数 schools_reported", 'i'},
    {"schools_not_reported", "未上报学校数 schools_not_reported", 'i'},
    {"schools_late", "逾期上报学校数 schools_late", 'i'},
    {"rejected_submissions", "被退回的报送 rejected_submissions", 'i'},
    {"superseded_versions", "被替代的版本 superseded_versions", 'i'},
};
static const struct column not_reported_cols[] = {
    {"period", "学期 period", 't'},
    {"district_code", "区县代码 district_code", 't'},
    {"district_name", "区县 district_name", 't'},
    {"school_code", "学校标识码 school_code", 't'},
    {"school_name", "学校名称 school_name", 't'},
    {"school_type", "学校类型 school_type", 't'},
};
static const struct column late_cols[] = {
    {"period", "学期 period", 't'},
    {"deadline", "截止日期 deadline", 't'},
    {"district_code", "区县代码 district_code", 't'},
    {"district_name", "区县 district_name", 't'},
    {"school_code", "学校标识码 school_code", 't'},
    {"school_name", "学校名称 school_name", 't'},
    {"submitted_at", "报送时间 submitted_at", 't'},
    {"days_late", "逾期天数 days_late", 'i'},
};
/* One line per reason; the JSON groups the reasons of one submission (see rejections_json). */
static const struct column rejection_cols[] = {
    {"raw_id", "报送编号 raw_id", 'i'},
    {"district_code", "区县代码 district_code", 't'},
    {"district_name", "区县 district_name", 't'},
    {"school_code", "学校标识码 school_code", 't'},
    {"school_name", "学校名称 school_name", 't'},
    {"period", "学期 period", 't'},
    {"source", "来源 source", 't'},
    {"ref", "文件 ref", 't'},
    {"received_at", "收到时间 received_at", 't'},
    {"resolved", "已重新报送 resolved", 'b'},
    {"severity", "级别 severity", 't'},
    {"seq", "序号 seq", 'i'},
    {"code", "代码 code", 't'},
    {"path", "字段 path", 't'},
    {"message", "原因 message", 't'},
};
#define REJECTION_FIRST_REASON 10 /* severity, seq, code, path, message */
static const struct column warning_cols[] = {
    {"raw_id", "报送编号 raw_id", 'i'},
    {"district_code", "区县代码 district_code", 't'},
    {"district_name", "区县 district_name", 't'},
    {"school_code", "学校标识码 school_code", 't'},
    {"school_name", "学校名称 school_name", 't'},
    {"period", "学期 period", 't'},
    {"seq", "序号 seq", 'i'},
    {"code", "代码 code", 't'},
    {"path", "字段 path", 't'},
    {"message", "说明 message", 't'},
};
static const struct column outlier_cols[] = {
    {"kind", "类型 kind", 't'},
    {"period", "学期 period", 't'},
    {"district_code", "区县代码 district_code", 't'},
    {"district_name", "区县 district_name", 't'},
    {"school_code", "学校标识码 school_code", 't'},
    {"school_name", "学校名称 school_name", 't'},
    {"field", "数据列 field", 't'},
    {"path", "字段 path", 't'},
    {"value", "填报值 value", 'c'},
    {"reference", "参照值 reference", 'c'},
    {"ratio", "倍数 ratio", 'r'},
};

enum { L_TERMS, L_NOT_REPORTED, L_LATE, L_REJECTIONS, L_WARNINGS, L_OUTLIERS, L_COUNT };

static const struct list lists[L_COUNT] = {
    {"terms",
     "SELECT period, deadline::text, schools_active, schools_reported, schools_not_reported, "
     "schools_late, rejected_submissions, superseded_versions "
     "FROM xinyu.quality_terms($1::text[], $2::date[])",
     2, term_cols, NKEYS(term_cols)},
    {"not_reported",
     "SELECT period, district_code, district_name, school_code, school_name, school_type "
     "FROM xinyu.quality_not_reported($1::text[])",
     1, not_reported_cols, NKEYS(not_reported_cols)},
    {"late",
     "SELECT period, deadline::text, district_code, district_name, school_code, school_name, "
     "submitted_at, days_late FROM xinyu.quality_late($1::text[], $2::date[])",
     2, late_cols, NKEYS(late_cols)},
    {"rejections",
     "SELECT raw_id, district_code, district_name, school_code, school_name, period, source, "
     "ref, received_at, resolved, severity, seq, code, path, message "
     "FROM xinyu.quality_rejections($1::text[], $2::bigint)",
     2, rejection_cols, NKEYS(rejection_cols)},
    {"warnings",
     "SELECT raw_id, district_code, district_name, school_code, school_name, period, seq, code, "
     "path, message FROM xinyu.quality_warnings($1::text[], $2::bigint)",
     2, warning_cols, NKEYS(warning_cols)},
    {"outliers",
     "SELECT kind, period, district_code, district_name, school_code, school_name, field, path, "
     "value, reference, ratio FROM xinyu.quality_outliers($1::text[])",
     1, outlier_cols, NKEYS(outlier_cols)},
};

/* What to fix, in the school's words, per issue code (xform_validate.c, merge_batch, ingest). */
static const struct {
    const char *code;
    const char *fix;
} fixes[] = {
    {"json", "文件不是有效的 JSON(须为 UTF-8 编码的一个 JSON 对象)。请用报送工具重新导出,"
             "不要手工修改文件。"},
    {"gzip", "压缩文件已损坏或不完整。请重新压缩,或直接报送未压缩的 .json 文件。"},
    {"too_large", "文件超过平台允许的大小。请只报送本校本学期的一份数据。"},
    {"schema", "schema 字段须为 \"mhe.submission/1\"。"},
    {"missing", "请补充该必填项。"},
    {"type", "请按规定的类型填写:人数、次数等填不带引号的非负整数,是否类的项填 true 或 false。"},
    {"range", "数值超出允许范围,请核对后填写实际数值。"},
    {"format", "格式不正确:学校标识码为 10 位数字,学期写作 2024-2025-1,submitted_at 为带时区的"
               "时间(如 2025-01-15T10:00:00+08:00),区县代码为 6 位数字。"},
    {"cross_field", "与相关各项不一致(例如持证人数不能多于教师人数、有学生的年级须有班级)。"
                    "请核对相关各项后更正。"},
    {"future", "submitted_at 晚于平台收到的时间。请填写实际报送的时间。"},
    {"unknown_school", "学校标识码不在市学校名册中。请核对学校标识码;新设学校请联系区教育局"
                       "更新名册。"},
    {"unknown_field", "平台不识别该项,已忽略。请检查名称拼写,或删去该项。"},
    {"district_mismatch", "区县代码与市学校名册不一致,已按名册处理。请改为名册中的区县代码。"},
    {"name_mismatch", "学校名称与市学校名册不一致,已按名册处理。请使用名册中的学校名称。"},
    {"inactive_school", "市学校名册中贵校为停用状态。如仍在办学,请联系区教育局更正名册。"},
    {"zero_enrollment", "在校生人数为 0。请核对 enrollment.by_grade 是否漏填。"},
    {"bom", "文件开头带有字节顺序标记(BOM),已自动处理。今后请以不带 BOM 的 UTF-8 保存。"},
};

static const char *fix_of(const char *code)
{
    for (size_t i = 0; i < NKEYS(fixes); i++) {
        if (strcmp(fixes[i].code, code) == 0)
            return fixes[i].fix;
    }
    return "请对照《学校心理健康教育工作报送数据格式》核对该项。";
}

static void quality_usage(FILE *out)
{
    fputs("Usage: xinyu quality (--year Y | --period P) [--run ID] [--out DIR]\n"
          "\n"
          "The data-quality and completeness report of a review year or a term: schools that\n"
          "did not report, late submissions, rejected submissions with every reason, warnings,\n"
          "outliers (more than 10x the district median, or a change of more than 3x from the\n"
          "previous term) and the counts per term. Writes quality-SCOPE.json, one CSV per list,\n"
          "and a letter to each school with a problem: feedback/SCHOOL-PERIOD.txt (Chinese).\n"
          "\"xinyu run\" writes the same for what the run received.\n"
          "\n"
          "  --year Y      review year, e.g. 2024 (needs targets/Y.json)\n"
          "  --period P    one term, e.g. 2024-2025-1 (deadline from the targets file listing it)\n"
          "  --run ID      only the rejections and warnings of what run ID received\n"
          "  --out DIR     output directory (default: the configuration's out_dir)\n",
          out);
}

/* The rows of a list as JSON objects; NULL after logging. */
static json_t *list_json(const struct list *l, const PGresult *res)
{
    json_t *arr = json_array();
    for (int i = 0; arr != NULL && i < PQntuples(res); i++) {
        json_t *o = json_object();
        int rc = o == NULL ? -1 : 0;
        for (size_t k = 0; rc == 0 && k < l->ncols; k++)
            rc = json_object_set_new(o, l->cols[k].key,
                                     report_json_cell(res, i, (int)k, l->cols[k].type));
        if (rc != 0 || json_array_append_new(arr, o) != 0) {
            if (rc != 0)
                json_decref(o);
            json_decref(arr);
            arr = NULL;
        }
    }
    if (arr == NULL)
        log_error("cannot read the %s list: out of memory or a malformed value", l->name);
    return arr;
}

/* The list's CSV: header and one line per JSON row. 0, or -1 out of memory. */
static int list_csv(const struct list *l, const json_t *rows, buf *out)
{
    const char *headers[16], *keys[16];
    for (size_t k = 0; k < l->ncols; k++) {
        headers[k] = l->cols[k].header;
        keys[k] = l->cols[k].key;
    }
    int rc = report_csv_header(out, headers, l->ncols);
    for (size_t i = 0; rc == 0 && i < json_array_size(rows); i++)
        rc = report_csv_json_line(out, json_array_get(rows, i), keys, l->ncols);
    return rc;
}

/* The rejections grouped per submission, the reasons as an array. NULL when out of memory. */
static json_t *rejections_json(const json_t *flat)
{
    json_t *out = json_array();
    json_t *current = NULL;
    for (size_t i = 0; out != NULL && i < json_array_size(flat); i++) {
        json_t *r = json_array_get(flat, i);
        json_int_t raw = json_integer_value(json_object_get(r, "raw_id"));
        if (current == NULL || json_integer_value(json_object_get(current, "raw_id")) != raw) {
            current = json_object();
            int rc = current == NULL || json_array_append_new(out, current) != 0;
            for (size_t k = 0; rc == 0 && k < REJECTION_FIRST_REASON; k++)
                rc = json_object_set(current, rejection_cols[k].key,
                                     json_object_get(r, rejection_cols[k].key));
            if (rc == 0)
                rc = json_object_set_new(current, "reasons", json_array());
            if (rc != 0) {
                json_decref(out);
                return NULL;
            }
        }
        json_t *reason = json_object();
        int rc = reason == NULL;
        for (size_t k = REJECTION_FIRST_REASON; rc == 0 && k < NKEYS(rejection_cols); k++)
            rc = json_object_set(reason, rejection_cols[k].key,
                                 json_object_get(r, rejection_cols[k].key));
        if (rc != 0 || json_array_append_new(json_object_get(current, "reasons"), reason) != 0) {
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

/* "2024-2025学年第一学期" for a canonical term, or a note that it could not be read. */
static void period_zh(const char *period, char *out, size_t n)
{
    if (period == NULL || strlen(period) != XF_PERIOD_LEN)
        snprintf(out, n, "(学期未能识别)");
    else
        snprintf(out, n, "%.9s学年第%s学期", period, period[10] == '1' ? "一" : "二");
}

/* An item of a letter: a row of one of the three lists that concern a school's data. */
struct item {
    const char *school_code;
    const char *period; /* "" when the term could not be read */
    int list;           /* L_REJECTIONS, L_WARNINGS, L_OUTLIERS */
    size_t row;
};

static int item_cmp(const void *a, const void *b)
{
    const struct item *x = a, *y = b;
    int c = strcmp(x->school_code, y->school_code);
    if (c == 0)
        c = strcmp(x->period, y->period);
    if (c == 0)
        c = x->list - y->list;
    if (c == 0)
        c = (x->row > y->row) - (x->row < y->row);
    return c;
}

static const char *text_of(const json_t *row, const char *key)
{
    const char *s = json_string_value(json_object_get(row, key));
    return s != NULL ? s : "";
}

/*
 * A text from a submission (a message quoting a school's name, a file name) made fit for one
 * line of a letter: control characters become spaces, and a text longer than n - 1 bytes is
 * cut on a character boundary and ends in "...". Returns out.
 */
static const char *clean(const char *s, char *out, size_t n)
{
    size_t len = strlen(s), k = 0;
    bool cut = len > n - 1;
    size_t keep = cut ? n - 4 : len;
    while (cut && keep > 0 && ((unsigned char)s[keep] & 0xC0) == 0x80)
        keep--; /* not inside a UTF-8 sequence */
    for (size_t i = 0; i < keep; i++) {
        unsigned char ch = (unsigned char)s[i];
        out[k++] = ch < 0x20 || ch == 0x7F ? ' ' : (char)ch;
    }
    if (cut) {
        memcpy(out + k, "...", 3);
        k += 3;
    }
    out[k] = '\0';
    return out;
}

/* The value of a number cell as the JSON shows it, for a sentence. */
static void number_text(const json_t *v, char *out, size_t n)
{
    size_t len = json_dumpb(v, out, n - 1, JSON_ENCODE_ANY | JSON_REAL_PRECISION(6));
    if (len == 0 || len >= n - 1)
        len = 0;
    out[len] = '\0';
}

/*
 * The letter to one school about one term, in Chinese, CRLF line ends and a UTF-8 BOM (so
 * that Notepad shows it right). items[0..n) share the school and term, sorted by list.
 */
static int letter(buf *b, const struct item *items, size_t n, json_t *const *rows,
                  const char *date_zh)
{
    const json_t *first = json_array_get(rows[items[0].list], items[0].row);
    char term[64], name[256], ref[256], path[256], message[600];
    period_zh(items[0].period[0] ? items[0].period : NULL, term, sizeof term);
    int rc = buf_printf(b,
                        "\xEF\xBB\xBF%s(学校标识码 %s):\r\n\r\n"
                        "    经市教育局心理健康教育数据平台核验,贵校报送的%s心理健康教育工作"
                        "数据存在以下问题,请核对更正。\r\n",
                        clean(text_of(first, "school_name"), name, sizeof name),
                        items[0].school_code, term);
    size_t nrej = 0, nother = 0;
    for (size_t i = 0; i < n; i++) {
        if (items[i].list == L_REJECTIONS)
            nrej++;
        else
            nother++;
    }
    int section = 0;
    static const char *const numerals[] = {"一", "二", "三"};
    if (nrej > 0) {
        rc |=
            buf_printf(b, "\r\n%s、被退回的报送(未入库,须修改后重新报送)\r\n", numerals[section++]);
        json_int_t last_raw = -1;
        int sub = 0, k = 0;
        for (size_t i = 0; i < n && items[i].list == L_REJECTIONS; i++) {
            const json_t *r = json_array_get(rows[L_REJECTIONS], items[i].row);
            json_int_t raw = json_integer_value(json_object_get(r, "raw_id"));
            if (raw != last_raw) {
                last_raw = raw;
                k = 0;
                /* "2025-01-15T10:00:00+08:00" read as 2025-01-15 10:00 */
                char at[20] = {0};
                util_strlcpy(at, text_of(r, "received_at"), 17);
                if (at[10] == 'T')
                    at[10] = ' ';
                rc |= buf_printf(b, "\r\n  报送 %d:平台于 %s 收到(%s)\r\n", ++sub, at,
                                 clean(text_of(r, "ref"), ref, sizeof ref));
                if (json_is_true(json_object_get(r, "resolved")))
                    rc |= buf_puts(b, "  (此后已收到贵校重新报送的数据并已入库,本次报送的问题"
                                      "仅供核对,无需再处理。)\r\n");
            }
            clean(text_of(r, "path"), path, sizeof path);
            rc |= buf_printf(b, "    %d. %s%s:%s\r\n       修改建议:%s\r\n", ++k,
                             strcmp(text_of(r, "severity"), "reject") == 0 ? "" : "(提示)",
                             path[0] ? path : "(整个文件)",
                             clean(text_of(r, "message"), message, sizeof message),
                             fix_of(text_of(r, "code")));
        }
    }
    if (nother > 0) {
        rc |= buf_printf(b, "\r\n%s、已入库、但请核对或下次报送时更正的问题\r\n",
                         numerals[section++]);
        int k = 0;
        for (size_t i = 0; i < n; i++) {
            const json_t *r = json_array_get(rows[items[i].list], items[i].row);
            if (items[i].list == L_WARNINGS) {
                clean(text_of(r, "path"), path, sizeof path);
                rc |= buf_printf(b, "    %d. %s:%s\r\n       修改建议:%s\r\n", ++k,
                                 path[0] ? path : "(整个文件)",
                                 clean(text_of(r, "message"), message, sizeof message),
                                 fix_of(text_of(r, "code")));
            } else if (items[i].list == L_OUTLIERS) {
                char value[32], reference[32], ratio[32];
                number_text(json_object_get(r, "value"), value, sizeof value);
                number_text(json_object_get(r, "reference"), reference, sizeof reference);
                double x = json_number_value(json_object_get(r, "ratio"));
                snprintf(ratio, sizeof ratio, "%.1f", x);
                if (strcmp(text_of(r, "kind"), "district_median") == 0)
                    rc |= buf_printf(b,
                                     "    %d. %s:填报 %s,是本区县各校该项中位数 %s 的 %s 倍"
                                     "(超过 10 倍)。\r\n       修改建议:请核实是否填写有误"
                                     "(如单位、多写或少写位数);如确实如此,请在报送说明中"
                                     "注明。\r\n",
                                     ++k, text_of(r, "path"), value, reference, ratio);
                else
                    rc |= buf_printf(b,
                                     "    %d. %s:填报 %s,上学期为 %s,变化超过 3 倍。\r\n"
                                     "       修改建议:请核实是否填写有误;如确实如此,请在报送"
                                     "说明中注明。\r\n",
                                     ++k, text_of(r, "path"), value, reference);
            }
        }
    }
    rc |= buf_printf(b,
                     "\r\n%s、%s\r\n"
                     "    1. 按上述意见修改本学期的数据文件(格式 mhe.submission/1),报送完整的"
                     "全部内容,不要只报送修改的部分。\r\n"
                     "    2. 将 submitted_at 改为重新报送的实际时间(带时区,如 "
                     "2025-01-15T10:00:00+08:00)。同一学校同一学期以 submitted_at 较晚的一份"
                     "为准,新的报送将替代此前的报送。\r\n"
                     "    3. 报送前可用 xinyu check 命令自查,确认没有问题后按原渠道报送。\r\n"
                     "\r\n如有疑问,请与%s教育局心理健康教育工作负责人联系。\r\n"
                     "\r\n市教育局\r\n%s\r\n",
                     numerals[section], nrej > 0 ? "如何重新报送" : "如需更正,请重新报送",
                     text_of(first, "district_name"), date_zh);
    return rc != 0 ? -1 : 0;
}

/* One letter per school of the registry and term with a rejection, a warning or an outlier.
 * Returns the number written, or -1 after logging. */
static int write_letters(json_t *const *rows, const char *out_dir, const char *generated_at)
{
    static const int with_items[] = {L_REJECTIONS, L_WARNINGS, L_OUTLIERS};
    size_t total = 0;
    for (size_t k = 0; k < NKEYS(with_items); k++)
        total += json_array_size(rows[with_items[k]]);
    struct item *items = calloc(total + 1, sizeof *items);
    if (items == NULL) {
        log_error("out of memory");
        return -1;
    }
    size_t n = 0;
    for (size_t k = 0; k < NKEYS(with_items); k++) {
        const json_t *arr = rows[with_items[k]];
        for (size_t i = 0; i < json_array_size(arr); i++) {
            const json_t *r = json_array_get(arr, i);
            /* a school the registry does not know has no name and no address to write to */
            if (!json_is_string(json_object_get(r, "school_name")))
                continue;
            /* a change from the previous term is for the inspectors to weigh (terms differ:
             * a counseling group in spring, none in autumn); SUBMISSION.md section 3 makes
             * only the 10x-median outlier a warning to the school */
            if (with_items[k] == L_OUTLIERS && strcmp(text_of(r, "kind"), "district_median") != 0)
                continue;
            items[n].school_code = text_of(r, "school_code");
            items[n].period = text_of(r, "period");
            items[n].list = with_items[k];
            items[n].row = i;
            n++;
        }
    }
    qsort(items, n, sizeof *items, item_cmp);
    char dir[4096];
    int w = snprintf(dir, sizeof dir, "%s/feedback", out_dir);
    if (w < 0 || (size_t)w >= sizeof dir || (n > 0 && util_mkdirs(dir, false) != 0)) {
        log_error_detail("cannot create the feedback directory", dir, strerror(errno));
        free(items);
        return -1;
    }
    /* the letter's date: 2025-01-21 written 2025年1月21日 */
    char date_zh[32], part[5] = "";
    int y = 0, m = 0, d = 0;
    memcpy(part, generated_at, 4);
    util_parse_int(part, 2000, 2100, &y);
    memcpy(part, generated_at + 5, 2);
    part[2] = '\0';
    util_parse_int(part, 1, 12, &m);
    memcpy(part, generated_at + 8, 2);
    util_parse_int(part, 1, 31, &d);
    snprintf(date_zh, sizeof date_zh, "%d年%d月%d日", y, m, d);
    int letters = 0;
    buf b = BUF_INIT;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && strcmp(items[j].school_code, items[i].school_code) == 0 &&
               strcmp(items[j].period, items[i].period) == 0)
            j++;
        char name[64];
        snprintf(name, sizeof name, "%s-%s.txt", items[i].school_code,
                 items[i].period[0] ? items[i].period : "unknown-period");
        buf_reset(&b);
        if (letter(&b, items + i, j - i, rows, date_zh) != 0) {
            log_error("out of memory");
            letters = -1;
            break;
        }
        if (report_write_output(dir, name, &b) != 0) {
            letters = -1;
            break;
        }
        letters++;
        i = j;
    }
    buf_free(&b);
    free(items);
    return letters;
}

/*
 * The run's counts, made from its items as xinyu.run_finish makes them (the nightly run asks
 * before its record is closed), and whether they reconcile; json null for run_id 0. NULL
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
                 "SELECT r.run_id, r.status, count(ri.item_id) AS received, "
                 "count(*) FILTER (WHERE ri.outcome = 'loaded') AS loaded, "
                 "count(*) FILTER (WHERE ri.outcome = 'duplicate') AS duplicate, "
                 "count(*) FILTER (WHERE ri.outcome = 'superseded') AS superseded, "
                 "count(*) FILTER (WHERE ri.outcome = 'rejected') AS rejected, "
                 "count(*) FILTER (WHERE ri.outcome IN ('loaded', 'superseded') AND EXISTS ("
                 "SELECT FROM xinyu.submission_issue i WHERE i.raw_id = ri.raw_id "
                 "AND i.severity = 'warning')) AS warnings "
                 "FROM xinyu.run r LEFT JOIN xinyu.run_item ri ON ri.run_id = r.run_id "
                 "WHERE r.run_id = $1 GROUP BY r.run_id, r.status",
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
    return o;
}

/* The terms and deadlines of scope. Returns 0 (t loaded when *have), or EXIT_* after logging. */
static int scope_terms(struct cli *c, const struct report_scope *scope, struct report_targets *t,
                       bool *have, struct report_sql_args *a)
{
    *have = false;
    if (scope->period != NULL) {
        char canon[XF_PERIOD_LEN + 1], err[256];
        if (xf_period_parse(scope->period, canon, err, sizeof err) != 0 ||
            strcmp(canon, scope->period) != 0) {
            log_error("--period must be a term like 2024-2025-1, not \"%s\"", scope->period);
            return EXIT_USAGE;
        }
    }
    int found = report_scope_targets(c, scope, t);
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

/*
 * The outliers, read through a cursor a chunk at a time and written to their CSV as they
 * come, so that memory stays bounded however many schools changed a value threefold: only
 * the 10x-district-median outliers (the ones that go into the JSON and into the letters)
 * are kept. Counts the others in *term_changes. Returns the kept rows, or NULL after logging.
 */
static json_t *stream_outliers(PGconn *conn, const struct list *l, const char *periods,
                               const char *out_dir, const char *base, long *term_changes)
{
    char name[128], sql[1024];
    snprintf(name, sizeof name, "%s-outliers.csv", base);
    /* l->sql is a constant of this file; the periods travel as a parameter */
    int w = snprintf(sql, sizeof sql, "DECLARE outliers NO SCROLL CURSOR FOR %s", l->sql);
    if (w < 0 || (size_t)w >= sizeof sql)
        return NULL;
    json_t *kept = json_array();
    buf b = BUF_INIT;
    struct report_file *rf = report_file_open(out_dir, name);
    const char *headers[16], *keys[16];
    for (size_t k = 0; k < l->ncols; k++) {
        headers[k] = l->cols[k].header;
        keys[k] = l->cols[k].key;
    }
    bool ok = kept != NULL && rf != NULL && report_csv_header(&b, headers, l->ncols) == 0 &&
              db_exec(conn, "BEGIN READ ONLY", "cannot list the outliers") == 0;
    const char *p[] = {periods};
    PGresult *res =
        ok ? db_query(conn, sql, 1, p, PGRES_COMMAND_OK, "cannot list the outliers") : NULL;
    PQclear(res);
    ok = ok && res != NULL;
    while (ok) {
        res = db_query(conn, "FETCH 5000 FROM outliers", 0, NULL, PGRES_TUPLES_OK,
                       "cannot list the outliers");
        if (res == NULL) {
            ok = false;
            break;
        }
        int n = PQntuples(res);
        json_t *chunk = n > 0 ? list_json(l, res) : NULL;
        PQclear(res);
        if (n == 0)
            break;
        if (chunk == NULL) {
            ok = false;
            break;
        }
        for (size_t i = 0; ok && i < json_array_size(chunk); i++) {
            json_t *row = json_array_get(chunk, i);
            ok = report_csv_json_line(&b, row, keys, l->ncols) == 0;
            if (strcmp(text_of(row, "kind"), "district_median") == 0)
                ok = ok && json_array_append(kept, row) == 0;
            else
                (*term_changes)++;
        }
        json_decref(chunk);
        ok = ok && report_file_write(rf, &b) == 0;
    }
    if (PQtransactionStatus(conn) != PQTRANS_IDLE)
        db_exec(conn, ok ? "COMMIT" : "ROLLBACK", "cannot end the outlier listing");
    ok = ok && report_file_write(rf, &b) == 0;
    buf_free(&b);
    if (ok) {
        ok = report_file_close(rf) == 0;
    } else {
        report_file_discard(rf);
        log_error("cannot write the outliers");
    }
    if (!ok) {
        json_decref(kept);
        return NULL;
    }
    return kept;
}

/* <base>.xlsx: the schools that did not report, the rejections (one row per reason), the
 * warnings, from the lists already read. 0, or -1 (logged). */
static int quality_xlsx(json_t *const *rows, const char *out_dir, const char *base)
{
    static const struct {
        const char *name;
        int list;
    } sheets[] = {{"未上报 not reported", L_NOT_REPORTED},
                  {"退回 rejections", L_REJECTIONS},
                  {"警告 warnings", L_WARNINGS}};
    char path[4200];
    snprintf(path, sizeof path, "%s/%s.xlsx", out_dir, base);
    struct report_xlsx *x = report_xlsx_open(path, base, 0);
    if (x == NULL)
        return -1;
    for (size_t i = 0; i < NKEYS(sheets); i++) {
        const struct list *l = &lists[sheets[i].list];
        struct report_xlsx_column cols[16];
        const char *keys[16];
        for (size_t k = 0; k < l->ncols && k < 16; k++) {
            const char *key = l->cols[k].key;
            keys[k] = key;
            cols[k].header = l->cols[k].header;
            cols[k].width = strcmp(key, "message") == 0 ? 60 : strstr(key, "name") ? 28 : 16;
        }
        struct report_xlsx_sheet *s = report_xlsx_add_sheet(x, sheets[i].name, cols, l->ncols);
        for (size_t r = 0; s != NULL && r < json_array_size(rows[sheets[i].list]); r++)
            readable_xlsx_row(s, json_array_get(rows[sheets[i].list], r), keys, l->ncols);
    }
    return report_xlsx_close(x);
}

int quality_write(struct cli *c, int64_t run_id, const struct report_scope *scope,
                  const char *out_dir)
{
    struct report_targets t;
    memset(&t, 0, sizeof t);
    bool have_targets = false;
    struct report_sql_args a;
    memset(&a, 0, sizeof a);
    int rc = scope_terms(c, scope, &t, &have_targets, &a);
    if (rc != 0) {
        if (have_targets)
            report_targets_free(&t);
        return rc;
    }
    rc = EXIT_FATAL;
    json_t *doc = NULL, *run = NULL, *rows[L_COUNT] = {NULL};
    buf out = BUF_INIT;
    PGconn *conn = cli_connect(c, DB_ROLE_REPORT);
    if (conn == NULL) {
        rc = cli_connect_failed(c);
        goto done;
    }
    int run_rc;
    run = run_json(conn, run_id, &run_rc);
    if (run == NULL) {
        rc = run_rc;
        goto done;
    }
    char run_text[24];
    snprintf(run_text, sizeof run_text, "%" PRId64, run_id);
    if (util_mkdirs(out_dir, false) != 0) {
        log_error_detail("cannot create the output directory", out_dir, strerror(errno));
        goto done;
    }
    char base[64], name[128];
    if (scope->period != NULL)
        snprintf(base, sizeof base, "quality-%s", scope->period);
    else
        snprintf(base, sizeof base, "quality-%d", scope->year);
    long term_changes = 0;
    for (int k = 0; k < L_COUNT; k++) {
        const struct list *l = &lists[k];
        if (k == L_OUTLIERS) {
            rows[k] = stream_outliers(conn, l, a.periods.data, out_dir, base, &term_changes);
            if (rows[k] == NULL)
                goto done;
            continue;
        }
        bool by_run = k == L_REJECTIONS || k == L_WARNINGS;
        const char *p[] = {a.periods.data,
                           by_run ? (run_id > 0 ? run_text : NULL) : a.deadlines.data};
        char what[64];
        snprintf(what, sizeof what, "cannot list the %s", l->name);
        PGresult *res = db_query(conn, l->sql, l->nparams, p, PGRES_TUPLES_OK, what);
        if (res == NULL)
            goto done;
        rows[k] = list_json(l, res);
        PQclear(res);
        if (rows[k] == NULL)
            goto done;
    }
    char generated_at[40];
    util_now_rfc3339(generated_at, sizeof generated_at);
    json_t *scope_obj = scope->period != NULL ? json_pack("{s:s}", "period", scope->period)
                                              : json_pack("{s:i}", "year", scope->year);
    doc = json_pack("{s:s, s:o, s:o, s:s, s:O, s:O, s:O, s:O, s:o, s:O, s:O, s:I}", "report",
                    "quality", "scope", scope_obj, "run_id",
                    run_id > 0 ? json_integer(run_id) : json_null(), "generated_at", generated_at,
                    "run", run, "terms", rows[L_TERMS], "not_reported", rows[L_NOT_REPORTED],
                    "late", rows[L_LATE], "rejections", rejections_json(rows[L_REJECTIONS]),
                    "warnings", rows[L_WARNINGS], "outliers", rows[L_OUTLIERS], "term_changes",
                    (json_int_t)term_changes);
    if (doc == NULL || report_json_dump(doc, &out) != 0) {
        log_error("cannot make the quality report");
        goto done;
    }
    snprintf(name, sizeof name, "%s.json", base);
    if (report_write_output(out_dir, name, &out) != 0)
        goto done;
    for (int k = 0; k < L_COUNT; k++) {
        if (k == L_OUTLIERS)
            continue; /* written while it was read */
        char suffix[32];
        util_strlcpy(suffix, lists[k].name, sizeof suffix);
        for (char *s = suffix; *s != '\0'; s++) {
            if (*s == '_')
                *s = '-';
        }
        snprintf(name, sizeof name, "%s-%s.csv", base, suffix);
        buf_reset(&out);
        if (list_csv(&lists[k], rows[k], &out) != 0) {
            log_error("out of memory");
            goto done;
        }
        if (report_write_output(out_dir, name, &out) != 0)
            goto done;
    }
    if (quality_xlsx(rows, out_dir, base) != 0)
        goto done;
    int letters = write_letters(rows, out_dir, generated_at);
    if (letters < 0)
        goto done;
    printf("quality %s: %zu not reported, %zu late, %zu rejected, %zu warnings, %zu outliers; "
           "%d feedback letters\n",
           base + strlen("quality-"), json_array_size(rows[L_NOT_REPORTED]),
           json_array_size(rows[L_LATE]), json_array_size(json_object_get(doc, "rejections")),
           json_array_size(rows[L_WARNINGS]),
           json_array_size(rows[L_OUTLIERS]) + (size_t)term_changes, letters);
    rc = EXIT_OK;
done:
    json_decref(doc);
    json_decref(run);
    for (int k = 0; k < L_COUNT; k++)
        json_decref(rows[k]);
    buf_free(&out);
    PQfinish(conn);
    report_sql_args_free(&a);
    if (have_targets)
        report_targets_free(&t);
    return rc;
}

int cmd_quality(struct cli *c)
{
    static const struct option opts[] = {
        {"year", required_argument, NULL, 'y'}, {"period", required_argument, NULL, 'p'},
        {"run", required_argument, NULL, 'r'},  {"out", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0}};
    struct report_scope scope = {0, NULL};
    int64_t run_id = 0;
    const char *out_dir = c->conf.out_dir;
    int ch;
    while ((ch = getopt_long(c->argc_cmd, c->argv_cmd, "y:p:r:o:h", opts, NULL)) != -1) {
        switch (ch) {
        case 'y':
            if (cli_int_option("--year", optarg, 2000, 2100, &scope.year) != 0)
                return EXIT_USAGE;
            break;
        case 'p':
            scope.period = optarg;
            break;
        case 'r':
            if (util_parse_int64(optarg, 1, INT64_MAX, &run_id) != 0) {
                log_error("--run must be a run id (see xinyu status), not \"%s\"", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'o':
            out_dir = optarg;
            break;
        case 'h':
            quality_usage(stdout);
            return EXIT_OK;
        default:
            quality_usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind != c->argc_cmd || (scope.year == 0) == (scope.period == NULL)) {
        quality_usage(stderr);
        return EXIT_USAGE;
    }
    int rc = cli_resolve_db(c);
    if (rc != 0)
        return rc;
    return quality_write(c, run_id, &scope, out_dir);
}
