/* cmd_quality.c - "xinyu quality": missing, late, rejected, warnings, outliers; school letters. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/report_readable.h"
#include "common/db.h"
#include "common/fault.h"
#include "common/log.h"
#include "common/util.h"
#include "report/report.h"
#include "report/report_template.h"
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
    int nparams; /* $1 periods, $2 deadlines or run id, $3 due, as the SQL takes them */
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
/* One line per reason; the JSON groups the reasons of one submission (see stream_list). */
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
     "FROM xinyu.quality_rejections($1::text[], $2::bigint, $3::boolean)",
     3, rejection_cols, NKEYS(rejection_cols)},
    {"warnings",
     "SELECT raw_id, district_code, district_name, school_code, school_name, period, seq, code, "
     "path, message FROM xinyu.quality_warnings($1::text[], $2::bigint, $3::boolean)",
     3, warning_cols, NKEYS(warning_cols)},
    {"outliers",
     "SELECT kind, period, district_code, district_name, school_code, school_name, field, path, "
     "value, reference, ratio FROM xinyu.quality_outliers($1::text[], $2::bigint)",
     2, outlier_cols, NKEYS(outlier_cols)},
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
    /* workbooks (docs/TEMPLATE.md) */
    {"template_missing", "请使用市教育局下发的本校本学期模板填写,不要另建工作簿或把内容复制到"
                         "新文件。"},
    {"template_version", "请使用本学期下发的模板重新填写。"},
    {"template_identity", "请使用本校本学期的模板填写,不要修改学校标识码、学期等锁定的单元格,"
                          "也不要借用其他学校的工作簿。"},
    {"rollup_empty", "请在汇总表中逐校填写后再报送。"},
    {"text_number", "该单元格为文本格式,数字已按数值读取。今后请将单元格设为“常规”或“数值”"
                    "格式后填写。"},
    {"submitted_at_mtime", "请在“填报时间”单元格填写完成填报的日期和时间,如 2025-01-15 10:30。"},
    {"xlsx_legacy_xls", "请在 Excel 或 WPS 中打开,另存为“Excel 工作簿(.xlsx)”后重新报送。"},
    {"xlsx_macro_enabled", "请另存为不含宏的“Excel 工作簿(.xlsx)”后重新报送。"},
    {"xlsx_encrypted", "请取消工作簿的打开密码,另存为 .xlsx 后重新报送。"},
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
          "outliers (more than 10x the district median; pupils, classes or teachers changed\n"
          "more than 3x from at least 10 in the previous term) and the counts per term. Writes\n"
          "quality-SCOPE.json, one CSV per list, and a letter to each school with a problem:\n"
          "feedback/SCHOOL-PERIOD.txt (Chinese).\n"
          "\"xinyu run\" writes the same for what the run received and for every problem not\n"
          "yet sent to a school (of an earlier run that ended before its report), and records\n"
          "them as sent once the files are written.\n"
          "\n"
          "  --year Y      review year, e.g. 2024 (needs targets/Y.json)\n"
          "  --period P    one term, e.g. 2024-2025-1 (deadline from the targets file listing it)\n"
          "  --run ID      only the rejections, warnings, outliers and letters of what run ID\n"
          "                received\n"
          "  --out DIR     output directory (default: the configuration's out_dir)\n",
          out);
}

/* Row i of a list's result as a JSON object (a new reference); NULL when out of memory or a
 * value is malformed (not logged). */
static json_t *row_json(const struct list *l, const PGresult *res, int i)
{
    json_t *o = json_object();
    int rc = o == NULL ? -1 : 0;
    for (size_t k = 0; rc == 0 && k < l->ncols; k++)
        rc = json_object_set_new(o, l->cols[k].key,
                                 report_json_cell(res, i, (int)k, l->cols[k].type));
    if (rc != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* The rows of a list as JSON objects; NULL after logging. */
static json_t *list_json(const struct list *l, const PGresult *res)
{
    json_t *arr = json_array();
    for (int i = 0; arr != NULL && i < PQntuples(res); i++) {
        if (json_array_append_new(arr, row_json(l, res, i)) != 0) {
            json_decref(arr);
            arr = NULL;
        }
    }
    if (arr == NULL)
        log_error("cannot read the %s list: out of memory or a malformed value", l->name);
    return arr;
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
    size_t row;         /* in the letter's rows of that list (struct letters) */
};

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
 * that Notepad shows it right). items[0..n) share the school and term, sorted by list and,
 * within a list, in the list's order; rows[list] holds their rows.
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

/* The letters being written: one per school of the registry and term with a rejection, a
 * warning or a 10x outlier, gathered from the three lists read together in the same order
 * (term, district, school), so that only one letter's rows are held at a time. */
struct letters {
    char dir[4096];
    char date_zh[32];
    bool have_dir;
    int written;
    json_t *rows[L_COUNT]; /* the letter's rows of L_REJECTIONS, L_WARNINGS, L_OUTLIERS */
    PGconn *conn;          /* in the lists' snapshot: the rejected workbooks are read from it */
    struct item *items;    /* the letter's items, in the order of their lists */
    size_t n, cap;
    buf b;
};

/* 0, or -1 after logging. */
static int letters_begin(struct letters *lt, const char *out_dir, const char *generated_at)
{
    memset(lt, 0, sizeof *lt);
    int w = snprintf(lt->dir, sizeof lt->dir, "%s/feedback", out_dir);
    if (w < 0 || (size_t)w >= sizeof lt->dir) {
        log_error_detail("cannot create the feedback directory", out_dir, "path too long");
        return -1;
    }
    /* the letter's date: 2025-01-21 written 2025年1月21日 */
    char part[5] = "";
    int y = 0, m = 0, d = 0;
    memcpy(part, generated_at, 4);
    util_parse_int(part, 2000, 2100, &y);
    memcpy(part, generated_at + 5, 2);
    part[2] = '\0';
    util_parse_int(part, 1, 12, &m);
    memcpy(part, generated_at + 8, 2);
    util_parse_int(part, 1, 31, &d);
    snprintf(lt->date_zh, sizeof lt->date_zh, "%d年%d月%d日", y, m, d);
    static const int with_items[] = {L_REJECTIONS, L_WARNINGS, L_OUTLIERS};
    for (size_t k = 0; k < NKEYS(with_items); k++) {
        lt->rows[with_items[k]] = json_array();
        if (lt->rows[with_items[k]] == NULL) {
            log_error("out of memory");
            return -1;
        }
    }
    return 0;
}

static void letters_free(struct letters *lt)
{
    for (int k = 0; k < L_COUNT; k++)
        json_decref(lt->rows[k]);
    free(lt->items);
    buf_free(&lt->b);
    memset(lt, 0, sizeof *lt);
}

/* Adds row of list to the letter being gathered (it keeps a reference). 0, or -1 (logged). */
static int letter_add(struct letters *lt, int list, json_t *row)
{
    if (lt->n == lt->cap) {
        size_t cap = lt->cap ? 2 * lt->cap : 16;
        struct item *items = realloc(lt->items, cap * sizeof *items);
        if (items == NULL) {
            log_error("out of memory");
            return -1;
        }
        lt->items = items;
        lt->cap = cap;
    }
    if (json_array_append(lt->rows[list], row) != 0) {
        log_error("out of memory");
        return -1;
    }
    lt->items[lt->n].school_code = text_of(row, "school_code");
    lt->items[lt->n].period = text_of(row, "period");
    lt->items[lt->n].list = list;
    lt->items[lt->n].row = json_array_size(lt->rows[list]) - 1;
    lt->n++;
    return 0;
}

/*
 * The letter's latest rejected workbook that has not been sent again since, written back to
 * the school as feedback/<code>-<period>.xlsx with its problems marked (SUBMISSION.md section
 * 7); its file name goes to name ("" when there is none). 0, or -1 after logging.
 */
static int feedback_workbook(struct letters *lt, char *name, size_t cap)
{
    name[0] = '\0';
    struct report_template_problem *p = calloc(lt->n + 1, sizeof *p);
    if (p == NULL) {
        log_error("out of memory");
        return -1;
    }
    char file[64], path[4200];
    snprintf(file, sizeof file, "%s-%s.xlsx", lt->items[0].school_code, lt->items[0].period);
    int w = snprintf(path, sizeof path, "%s/%s", lt->dir, file);
    if (w < 0 || (size_t)w >= sizeof path) {
        log_error("the output path is too long: %s/%s", lt->dir, file);
        free(p);
        return -1;
    }
    int rc = 1;
    json_int_t tried = -1;
    /* the latest first: a refused workbook (another school's, a legacy .xls) has no cells to
     * mark, and then the one before it is taken */
    for (size_t i = lt->n; i-- > 0 && rc == 1;) {
        if (lt->items[i].list != L_REJECTIONS)
            continue;
        const json_t *r = json_array_get(lt->rows[L_REJECTIONS], lt->items[i].row);
        const char *ref = text_of(r, "ref");
        size_t len = strlen(ref);
        json_int_t raw = json_integer_value(json_object_get(r, "raw_id"));
        /* a school's own workbook: not a roll-up's row ("FILE#汇总!ROW"), not sent again */
        if (raw == tried || len <= 5 || strcasecmp(ref + len - 5, ".xlsx") != 0 ||
            strchr(ref, '#') != NULL || json_is_true(json_object_get(r, "resolved")))
            continue;
        tried = raw;
        size_t n = 0;
        for (size_t k = 0; k < lt->n; k++) {
            const json_t *q = json_array_get(lt->rows[lt->items[k].list], lt->items[k].row);
            if (lt->items[k].list != L_REJECTIONS ||
                json_integer_value(json_object_get(q, "raw_id")) != raw)
                continue;
            p[n].severity = text_of(q, "severity");
            p[n].code = text_of(q, "code");
            p[n].path = text_of(q, "path");
            p[n].message = text_of(q, "message");
            p[n].fix = fix_of(p[n].code);
            n++;
        }
        char raw_text[24];
        snprintf(raw_text, sizeof raw_text, "%" JSON_INTEGER_FORMAT, raw);
        rc = report_feedback_workbook(lt->conn, raw_text, path, p, n, time(NULL));
    }
    free(p);
    if (rc == 0)
        snprintf(name, cap, "%s", file);
    return rc < 0 ? -1 : 0;
}

/* Writes the letter gathered, if any, and starts the next. 0, or -1 after logging. */
static int letter_flush(struct letters *lt)
{
    if (lt->n == 0)
        return 0;
    if (!lt->have_dir) {
        if (util_mkdirs(lt->dir, false) != 0) {
            log_error_detail("cannot create the feedback directory", lt->dir, strerror(errno));
            return -1;
        }
        lt->have_dir = true;
    }
    char name[64];
    snprintf(name, sizeof name, "%s-%s.txt", lt->items[0].school_code,
             lt->items[0].period[0] ? lt->items[0].period : "unknown-period");
    buf_reset(&lt->b);
    char workbook[64] = "";
    if (lt->conn != NULL && feedback_workbook(lt, workbook, sizeof workbook) != 0)
        return -1;
    if (letter(&lt->b, lt->items, lt->n, lt->rows, lt->date_zh) != 0 ||
        (workbook[0] != '\0' &&
         buf_printf(&lt->b,
                    "\r\n附件:%s(贵校报送的工作簿,有问题的单元格已标红并附批注,全部问题见"
                    "“问题清单”工作表)\r\n",
                    workbook) != 0)) {
        log_error("out of memory");
        return -1;
    }
    /* thousands of letters: each is renamed into place whole, and all are made durable
     * together at the end (letters_sync) rather than one fsync each */
    char path[4096];
    int w = snprintf(path, sizeof path, "%s/%s", lt->dir, name);
    if (w < 0 || (size_t)w >= sizeof path) {
        log_error("the output path is too long: %s/%s", lt->dir, name);
        return -1;
    }
    fault_point("report_write");
    if (util_write_file_replace(path, lt->b.data ? lt->b.data : "", lt->b.len, false) != 0) {
        log_error_detail("cannot write a report", path, strerror(errno));
        return -1;
    }
    lt->written++;
    lt->n = 0;
    for (int k = 0; k < L_COUNT; k++) {
        if (lt->rows[k] != NULL)
            json_array_clear(lt->rows[k]);
    }
    return 0;
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
    if (o != NULL && run_unread_files(conn, id, o) != 0) {
        json_decref(o);
        o = NULL;
    }
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

/* ---- the lists read through cursors ----------------------------------------------------- */

#define FETCH_ROWS 1000
#define FLUSH_BYTES 65536 /* a file's buffered text is written out from this size */

/*
 * A list read through a cursor of the report's transaction, FETCH_ROWS rows at a time; only
 * the row being read is made a JSON object. Memory holds one chunk as libpq received it,
 * however many schools the list names (a chunk of JSON objects took several times that).
 */
struct cursor {
    PGconn *conn;
    const char *name; /* the cursor's */
    const struct list *l;
    PGresult *res; /* the chunk fetched last */
    int at;        /* its next row */
    json_t *row;   /* that row as JSON, made by cursor_peek */
    bool last;     /* the chunk was the last */
    bool end;
};

/* Declares the cursor for sql, whose columns are those of l. 0, or -1 after logging. */
static int cursor_open(struct cursor *cur, PGconn *conn, const char *name, const struct list *l,
                       const char *sql, const char *const *params)
{
    memset(cur, 0, sizeof *cur);
    cur->conn = conn;
    cur->name = name;
    cur->l = l;
    char what[64];
    snprintf(what, sizeof what, "cannot list the %s", l->name);
    buf q = BUF_INIT;
    if (buf_printf(&q, "DECLARE %s NO SCROLL CURSOR FOR %s", name, sql) != 0) {
        log_error("out of memory");
        return -1;
    }
    PGresult *res = db_query(conn, q.data, l->nparams, params, PGRES_COMMAND_OK, what);
    buf_free(&q);
    if (res == NULL)
        return -1;
    PQclear(res);
    return 0;
}

/* The cursor's next row, NULL at the end or after a failure (logged, *rc then -1). The row is
 * borrowed: it is valid until the cursor moves on (cursor_next); take a reference to keep it. */
static json_t *cursor_peek(struct cursor *cur, int *rc)
{
    if (cur->row != NULL)
        return cur->row;
    while (!cur->end && (cur->res == NULL || cur->at >= PQntuples(cur->res))) {
        PQclear(cur->res);
        cur->res = NULL;
        cur->at = 0;
        if (cur->last) {
            cur->end = true;
            break;
        }
        char q[96], what[64];
        snprintf(q, sizeof q, "FETCH %d FROM %s", FETCH_ROWS, cur->name);
        snprintf(what, sizeof what, "cannot list the %s", cur->l->name);
        PGresult *res = db_query(cur->conn, q, 0, NULL, PGRES_TUPLES_OK, what);
        if (res == NULL) {
            *rc = -1;
            cur->end = true;
            break;
        }
        cur->last = PQntuples(res) < FETCH_ROWS;
        if (PQntuples(res) == 0) {
            PQclear(res);
            cur->end = true;
            break;
        }
        cur->res = res;
    }
    if (cur->end)
        return NULL;
    cur->row = row_json(cur->l, cur->res, cur->at);
    if (cur->row == NULL) {
        log_error("cannot read the %s list: out of memory or a malformed value", cur->l->name);
        *rc = -1;
        cur->end = true;
    }
    return cur->row;
}

static void cursor_next(struct cursor *cur)
{
    json_decref(cur->row);
    cur->row = NULL;
    cur->at++;
}

/* Releases what the cursor holds; the cursor itself ends with the transaction. */
static void cursor_free(struct cursor *cur)
{
    json_decref(cur->row);
    cur->row = NULL;
    PQclear(cur->res);
    cur->res = NULL;
}

/* ---- quality-SCOPE.json written as the lists are read ----------------------------------- */

/*
 * The document is written key by key and the lists element by element, in the bytes that
 * report_json_dump gives for the whole tree (indent 2, keys in order, 15 digits): each value
 * is dumped alone and indented to its depth (a JSON text has no line break but jansson's).
 * The first failure sticks.
 */
struct doc {
    struct report_file *rf;
    buf b, value;
    int rc;
    bool logged;
    size_t nkeys;  /* keys written */
    size_t nelems; /* elements of the array being written */
};

/* report_json_dump's, and any value may stand alone */
#define DOC_FLAGS (JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15) | JSON_ENCODE_ANY)

/* Appends v, each line after its first indented by indent more spaces. */
static void doc_json(struct doc *d, const json_t *v, int indent)
{
    static const char spaces[] = "        ";
    buf_reset(&d->value);
    if (d->rc == 0)
        d->rc = report_json_append(&d->value, v, DOC_FLAGS);
    if (d->rc != 0)
        return;
    const char *s = d->value.data, *end = s + d->value.len;
    while (d->rc == 0 && s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        size_t n = nl != NULL ? (size_t)(nl - s) + 1 : (size_t)(end - s);
        d->rc = buf_append(&d->b, s, n);
        if (d->rc == 0 && nl != NULL)
            d->rc = buf_append(&d->b, spaces, (size_t)indent);
        s += n;
    }
    if (d->rc == 0 && d->b.len >= FLUSH_BYTES)
        d->rc = report_file_write(d->rf, &d->b);
}

static void doc_key(struct doc *d, const char *key)
{
    if (d->rc == 0)
        d->rc = buf_printf(&d->b, "%s  \"%s\": ", d->nkeys++ == 0 ? "{\n" : ",\n", key);
}

/* key: v (a new reference, released). */
static void doc_value(struct doc *d, const char *key, json_t *v)
{
    doc_key(d, key);
    if (v == NULL && d->rc == 0)
        d->rc = -1;
    if (v != NULL)
        doc_json(d, v, 2);
    json_decref(v);
}

static void doc_array_begin(struct doc *d, const char *key)
{
    doc_key(d, key);
    d->nelems = 0;
}

static void doc_element(struct doc *d, const json_t *v)
{
    if (d->rc == 0)
        d->rc = buf_puts(&d->b, d->nelems++ == 0 ? "[\n    " : ",\n    ");
    doc_json(d, v, 4);
}

static void doc_array_end(struct doc *d)
{
    if (d->rc == 0)
        d->rc = buf_puts(&d->b, d->nelems == 0 ? "[]" : "\n  ]");
}

/* 0 while the document is whole, else -1, the failure logged once. */
static int doc_failed(struct doc *d)
{
    if (d->rc != 0 && !d->logged) {
        log_error("cannot make the quality report");
        d->logged = true;
    }
    return d->rc;
}

/* Ends the document and writes what is left of it; the file is renamed into place later. 0,
 * or -1 after logging. */
static int doc_finish(struct doc *d)
{
    if (d->rc == 0)
        d->rc = buf_puts(&d->b, "\n}\n");
    if (d->rc == 0)
        d->rc = report_file_write(d->rf, &d->b);
    return doc_failed(d);
}

/* ---- the files of one list -------------------------------------------------------------- */

/* Where the rows of a list go as they are read: its CSV (in every case), its array of the
 * document, and for three lists a sheet of the workbook. */
struct list_out {
    struct report_file *csv;
    buf b;
    const char *keys[16];
    struct report_xlsx_sheet *sheet;
};

/* The CSV <base>-<name with '-' for '_'>.csv of list k, the header written. 0, or -1 (logged). */
static int list_out_open(struct list_out *o, int k, const char *out_dir, const char *base)
{
    const struct list *l = &lists[k];
    char suffix[32], name[128];
    util_strlcpy(suffix, l->name, sizeof suffix);
    for (char *s = suffix; *s != '\0'; s++) {
        if (*s == '_')
            *s = '-';
    }
    snprintf(name, sizeof name, "%s-%s.csv", base, suffix);
    const char *headers[16];
    for (size_t c = 0; c < l->ncols; c++) {
        headers[c] = l->cols[c].header;
        o->keys[c] = l->cols[c].key;
    }
    o->csv = report_file_open(out_dir, name);
    if (o->csv == NULL)
        return -1;
    if (report_csv_header(&o->b, headers, l->ncols) != 0) {
        log_error("out of memory");
        return -1;
    }
    return 0;
}

/* One row of list k into its CSV and sheet. 0, or -1 (logged). */
static int list_out_row(struct list_out *o, int k, const json_t *row)
{
    const struct list *l = &lists[k];
    if (report_csv_json_line(&o->b, row, o->keys, l->ncols) != 0) {
        log_error("cannot write the %s: out of memory or a number out of range", l->name);
        return -1;
    }
    if (o->sheet != NULL)
        readable_xlsx_row(o->sheet, row, o->keys, l->ncols);
    if (o->b.len >= FLUSH_BYTES)
        return report_file_write(o->csv, &o->b);
    return 0;
}

/* The lists' sheets of <base>.xlsx, in this order: */
static const struct {
    const char *name;
    int list;
} sheets[] = {{"未上报 not reported", L_NOT_REPORTED},
              {"退回 rejections", L_REJECTIONS},
              {"警告 warnings", L_WARNINGS}};

/* Adds list k's sheet to x when it has one. */
static void list_out_sheet(struct list_out *o, int k, struct report_xlsx *x)
{
    const struct list *l = &lists[k];
    for (size_t i = 0; i < NKEYS(sheets); i++) {
        if (sheets[i].list != k)
            continue;
        struct report_xlsx_column cols[16];
        for (size_t c = 0; c < l->ncols; c++) {
            const char *key = l->cols[c].key;
            cols[c].header = l->cols[c].header;
            cols[c].width = strcmp(key, "message") == 0 ? 60 : strstr(key, "name") ? 28 : 16;
        }
        o->sheet = report_xlsx_add_sheet(x, sheets[i].name, cols, l->ncols);
    }
}

/* A rejected submission of the document, from its first row: the submission's columns and an
 * empty array of reasons. NULL when out of memory. */
static json_t *rejection_new(const json_t *r)
{
    json_t *o = json_object();
    int rc = o == NULL ? -1 : 0;
    for (size_t k = 0; rc == 0 && k < REJECTION_FIRST_REASON; k++)
        rc = json_object_set(o, rejection_cols[k].key, json_object_get(r, rejection_cols[k].key));
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
    for (size_t k = REJECTION_FIRST_REASON; rc == 0 && k < NKEYS(rejection_cols); k++)
        rc = json_object_set(reason, rejection_cols[k].key,
                             json_object_get(r, rejection_cols[k].key));
    if (rc == 0)
        return json_array_append_new(json_object_get(o, "reasons"), reason);
    json_decref(reason);
    return -1;
}

/*
 * Reads list k (not the outliers) through a cursor into its CSV, its array of the document
 * (the rejections grouped per submission, their reasons nested) and its sheet. *count is the
 * number of the array's elements. 0, or -1 after logging.
 */
static int stream_list(PGconn *conn, int k, const char *const *params, struct doc *d,
                       struct list_out *o, struct report_xlsx *x, size_t *count)
{
    const struct list *l = &lists[k];
    struct cursor cur;
    list_out_sheet(o, k, x);
    if (cursor_open(&cur, conn, l->name, l, l->sql, params) != 0)
        return -1;
    doc_array_begin(d, l->name);
    json_t *group = NULL; /* the rejection being gathered */
    int rc = 0;
    json_t *row;
    while (rc == 0 && d->rc == 0 && (row = cursor_peek(&cur, &rc)) != NULL) {
        rc = list_out_row(o, k, row);
        if (rc == 0 && k == L_REJECTIONS) {
            json_int_t raw = json_integer_value(json_object_get(row, "raw_id"));
            if (group != NULL && json_integer_value(json_object_get(group, "raw_id")) != raw) {
                doc_element(d, group);
                (*count)++;
                json_decref(group);
                group = NULL;
            }
            if (group == NULL && (group = rejection_new(row)) == NULL)
                rc = -1;
            if (rc == 0)
                rc = rejection_reason(group, row);
            if (rc != 0)
                log_error("out of memory");
        } else if (rc == 0) {
            doc_element(d, row);
            (*count)++;
        }
        cursor_next(&cur);
    }
    if (group != NULL) {
        if (rc == 0) {
            doc_element(d, group);
            (*count)++;
        }
        json_decref(group);
    }
    cursor_free(&cur);
    doc_array_end(d);
    return rc != 0 ? rc : doc_failed(d);
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
    "received_at, resolved, severity, seq, code, path, message "
    "FROM xinyu.quality_rejections($1::text[], $2::bigint, $3::boolean) "
    "WHERE school_name IS NOT NULL "
    "ORDER BY period COLLATE \"C\" NULLS FIRST, district_code COLLATE \"C\", "
    "school_code COLLATE \"C\", raw_id, severity, seq";
static const char letter_warnings_sql[] =
    "SELECT raw_id, district_code, district_name, school_code, school_name, period, seq, code, "
    "path, message FROM xinyu.quality_warnings($1::text[], $2::bigint, $3::boolean) "
    "WHERE school_name IS NOT NULL "
    "ORDER BY period COLLATE \"C\", district_code COLLATE \"C\", school_code COLLATE \"C\", seq";

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

/* An outlier that goes into a letter: a 10x-median one of a school of the registry. A change
 * from the previous term is for the inspectors to weigh, not sent to the school
 * (SUBMISSION.md section 3 makes only the 10x-median outlier a warning to the school). */
static bool outlier_in_letter(const json_t *row)
{
    return strcmp(text_of(row, "kind"), "district_median") == 0 &&
           json_is_string(json_object_get(row, "school_name"));
}

/* An outlier into its CSV, and into the document when it is a 10x-median one (the changes
 * from the previous term are only counted there). 0, or -1 (logged). */
static int outlier_out(struct list_out *o, struct doc *d, const json_t *row, size_t *kept,
                       long *term_changes)
{
    if (strcmp(text_of(row, "kind"), "district_median") == 0) {
        doc_element(d, row);
        (*kept)++;
    } else {
        (*term_changes)++;
    }
    return list_out_row(o, L_OUTLIERS, row);
}

/*
 * The outliers through a cursor into their CSV and the document, and, read alongside them in
 * the same order, the rejections and warnings of registry schools: the rows of one school and
 * term make its letter, written before the next school's are read. 0, or -1 after logging.
 */
static int stream_outliers(PGconn *conn, const char *const *params, struct doc *d,
                           struct list_out *o, struct letters *lt, size_t *kept, long *term_changes)
{
    enum { S_REJECTIONS, S_WARNINGS, S_OUTLIERS, S_COUNT };
    static const int list_of[S_COUNT] = {L_REJECTIONS, L_WARNINGS, L_OUTLIERS};
    struct cursor cur[S_COUNT];
    memset(cur, 0, sizeof cur);
    int rc = cursor_open(&cur[S_REJECTIONS], conn, "letter_rejections", &lists[L_REJECTIONS],
                         letter_rejections_sql, params);
    if (rc == 0)
        rc = cursor_open(&cur[S_WARNINGS], conn, "letter_warnings", &lists[L_WARNINGS],
                         letter_warnings_sql, params);
    if (rc == 0)
        rc = cursor_open(&cur[S_OUTLIERS], conn, "outliers", &lists[L_OUTLIERS],
                         lists[L_OUTLIERS].sql, params);
    doc_array_begin(d, lists[L_OUTLIERS].name);
    struct letter_key key, prev;
    bool have_prev = false;
    while (rc == 0 && d->rc == 0) {
        json_t *row[S_COUNT];
        for (int s = 0; s < S_COUNT; s++)
            row[s] = rc == 0 ? cursor_peek(&cur[s], &rc) : NULL;
        /* the outliers that are in no letter go out as they come */
        while (rc == 0 && row[S_OUTLIERS] != NULL && !outlier_in_letter(row[S_OUTLIERS])) {
            rc = outlier_out(o, d, row[S_OUTLIERS], kept, term_changes);
            cursor_next(&cur[S_OUTLIERS]);
            row[S_OUTLIERS] = rc == 0 ? cursor_peek(&cur[S_OUTLIERS], &rc) : NULL;
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
                if (s != S_OUTLIERS || outlier_in_letter(row[s]))
                    rc = letter_add(lt, list_of[s], row[s]);
                if (rc == 0 && s == S_OUTLIERS)
                    rc = outlier_out(o, d, row[s], kept, term_changes);
                cursor_next(&cur[s]);
                row[s] = rc == 0 ? cursor_peek(&cur[s], &rc) : NULL;
            }
        }
        if (rc == 0)
            rc = letter_flush(lt);
        prev = key;
        have_prev = true;
    }
    for (int s = 0; s < S_COUNT; s++)
        cursor_free(&cur[s]);
    doc_array_end(d);
    return rc != 0 ? rc : doc_failed(d);
}

/*
 * Records the problems that the nightly run's lists and letters carried as sent by it, in the
 * transaction whose snapshot they were read in, and ends it. The files are made durable first:
 * a run that dies before the commit sends them again, none is lost. 0, or -1 after logging.
 */
static int problems_mark_sent(PGconn *conn, const char *const *by_run, const char *out_dir)
{
    if (util_sync_filesystem(out_dir) != 0) {
        log_error_detail("cannot write the quality report", out_dir, strerror(errno));
        return -1;
    }
    fault_point("problems_sent");
    PGresult *res = db_query(conn, "SELECT xinyu.problems_mark_sent($1::text[], $2::bigint)", 2,
                             by_run, PGRES_TUPLES_OK, "cannot record the problems sent");
    if (res == NULL)
        return -1;
    log_info("%s problems of the schools recorded as sent", PQgetvalue(res, 0, 0));
    PQclear(res);
    return db_exec(conn, "COMMIT", "cannot record the problems sent");
}

int quality_write(struct cli *c, int64_t run_id, const struct report_scope *scope,
                  const char *out_dir, bool send)
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
    json_t *run = NULL, *terms = NULL;
    struct doc d;
    memset(&d, 0, sizeof d);
    struct list_out out[L_COUNT];
    memset(out, 0, sizeof out);
    struct report_xlsx *x = NULL;
    struct letters lt;
    memset(&lt, 0, sizeof lt);
    PGconn *conn = cli_connect(c, DB_ROLE_REPORT);
    if (conn == NULL) {
        rc = cli_connect_failed(c);
        goto done;
    }
    /* every list and the run's counts of one snapshot; the files are temporary until all of
     * them are written. The nightly run marks in that snapshot what it sent
     * (problems_mark_sent), so its transaction is not read-only. */
    if (db_begin_snapshot(conn, !send, "cannot make the quality report") != 0)
        goto done;
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
    char base[64], name[128], path[4200];
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
    const char *by_run[] = {a.periods.data, run_id > 0 ? run_text : NULL, send ? "true" : "false"};
    PGresult *res = db_query(conn, lists[L_TERMS].sql, lists[L_TERMS].nparams, by_term,
                             PGRES_TUPLES_OK, "cannot list the terms");
    if (res == NULL)
        goto done;
    terms = list_json(&lists[L_TERMS], res);
    PQclear(res);
    if (terms == NULL)
        goto done;
    snprintf(name, sizeof name, "%s.json", base);
    snprintf(path, sizeof path, "%s/%s.xlsx", out_dir, base);
    d.rf = report_file_open(out_dir, name);
    x = d.rf != NULL ? report_xlsx_open(path, base, 0) : NULL;
    if (x == NULL || letters_begin(&lt, out_dir, generated_at) != 0)
        goto done;
    lt.conn = conn;
    for (int k = 0; k < L_COUNT; k++) {
        if (list_out_open(&out[k], k, out_dir, base) != 0)
            goto done;
    }
    doc_value(&d, "report", json_string("quality"));
    doc_value(&d, "scope",
              scope->period != NULL ? json_pack("{s:s}", "period", scope->period)
                                    : json_pack("{s:i}", "year", scope->year));
    doc_value(&d, "run_id", run_id > 0 ? json_integer(run_id) : json_null());
    doc_value(&d, "generated_at", json_string(generated_at));
    doc_value(&d, "run", json_incref(run));
    doc_value(&d, "terms", json_incref(terms));
    for (size_t i = 0; i < json_array_size(terms); i++) {
        if (list_out_row(&out[L_TERMS], L_TERMS, json_array_get(terms, i)) != 0)
            goto done;
    }
    size_t count[L_COUNT] = {0};
    for (int k = L_NOT_REPORTED; k < L_OUTLIERS; k++) {
        bool run_list = k == L_REJECTIONS || k == L_WARNINGS;
        if (stream_list(conn, k, run_list ? by_run : by_term, &d, &out[k], x, &count[k]) != 0)
            goto done;
    }
    long term_changes = 0;
    if (stream_outliers(conn, by_run, &d, &out[L_OUTLIERS], &lt, &count[L_OUTLIERS],
                        &term_changes) != 0)
        goto done;
    doc_value(&d, "term_changes", json_integer((json_int_t)term_changes));
    if (doc_finish(&d) != 0 ||
        (!send && db_exec(conn, "COMMIT", "cannot end the quality report") != 0))
        goto done;
    /* all read: the files into place */
    int closed = report_file_close(d.rf);
    d.rf = NULL;
    for (int k = 0; k < L_COUNT; k++) {
        if (closed == 0)
            closed = report_file_write(out[k].csv, &out[k].b);
        if (closed == 0)
            closed = report_file_close(out[k].csv);
        else
            report_file_discard(out[k].csv);
        out[k].csv = NULL;
    }
    if (closed == 0)
        closed = report_xlsx_close(x);
    else
        report_xlsx_discard(x);
    x = NULL;
    if (closed != 0)
        goto done;
    if (lt.written > 0) {
        if (util_sync_filesystem(lt.dir) != 0) {
            log_error_detail("cannot write the feedback letters", lt.dir, strerror(errno));
            goto done;
        }
        log_info("wrote %d feedback letters in %s", lt.written, lt.dir);
    }
    if (send && problems_mark_sent(conn, by_run, out_dir) != 0)
        goto done;
    printf("quality %s: %zu not reported, %zu late, %zu rejected, %zu warnings, %zu outliers; "
           "%d feedback letters\n",
           base + strlen("quality-"), count[L_NOT_REPORTED], count[L_LATE], count[L_REJECTIONS],
           count[L_WARNINGS], count[L_OUTLIERS] + (size_t)term_changes, lt.written);
    rc = EXIT_OK;
done:
    if (conn != NULL && PQtransactionStatus(conn) != PQTRANS_IDLE)
        db_exec(conn, "ROLLBACK", "cannot end the quality report");
    report_file_discard(d.rf);
    buf_free(&d.b);
    buf_free(&d.value);
    for (int k = 0; k < L_COUNT; k++) {
        report_file_discard(out[k].csv);
        buf_free(&out[k].b);
    }
    report_xlsx_discard(x);
    letters_free(&lt);
    json_decref(run);
    json_decref(terms);
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
    return quality_write(c, run_id, &scope, out_dir, false);
}
