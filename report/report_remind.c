/* report_remind.c - reminders before a term's deadline to the schools that have not reported
 * it: one letter per school (Chinese) and one list per district, each school reminded once. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/db.h"
#include "common/log.h"
#include "common/period.h"
#include "common/util.h"
#include "report/report_common.h"
#include "report/report_format.h"

#define NKEYS(a) (sizeof(a) / sizeof((a)[0]))

/* The schools without a loaded submission of the term (xinyu.remind_due). */
static const struct report_column due_cols[] = {
    {"district_code", NULL, 't', 0, false}, {"district_name", NULL, 't', 0, false},
    {"school_code", NULL, 't', 0, false},   {"school_name", NULL, 't', 0, false},
    {"school_type", NULL, 't', 0, false},   {"rejected", NULL, 'i', 0, false},
    {"reminded_at", NULL, 't', 0, false},
};
static const struct report_list due_list = {
    "reminders",
    "SELECT district_code, district_name, school_code, school_name, school_type, rejected, "
    "reminded_at FROM xinyu.remind_due($1::text)",
    1, due_cols, NKEYS(due_cols)};

/* A district's list: the schools reminded, names beside codes. */
static const struct report_column list_cols[] = {
    {"district_code", "区县代码 district_code", 't', 14, false},
    {"district_name", "区县 district_name", 't', 20, false},
    {"school_code", "学校标识码 school_code", 't', 16, false},
    {"school_name", "学校名称 school_name", 't', 28, false},
    {"school_type", "学校类型 school_type", 't', 18, false},
    {"school_type_name", "学校类型名称 school_type_name", 't', 14, true},
    {"period", "学期 period", 't', 14, false},
    {"deadline", "截止日期 deadline", 't', 14, false},
    {"days_left", "剩余天数 days_left", 'i', 12, false},
    {"rejected", "被退回的报送 rejected", 'i', 14, false},
    {"letter", "催报通知 letter", 't', 28, false},
};
static const struct report_table list_table[] = {
    {"reminders", "", "催报名单 reminders", list_cols, NKEYS(list_cols)},
};

static const char *text_of(const json_t *row, const char *key)
{
    const char *s = json_string_value(json_object_get(row, key));
    return s != NULL ? s : "";
}

/* A registry name fit for one line of a letter: control characters become spaces, at most
 * n - 1 bytes, cut on a character boundary. Returns out. */
static const char *clean(const char *s, char *out, size_t n)
{
    size_t len = strlen(s);
    if (len > n - 1) {
        len = n - 1;
        while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
            len--;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        out[i] = ch < 0x20 || ch == 0x7F ? ' ' : (char)ch;
    }
    out[len] = '\0';
    return out;
}

/* "2025-01-20" as 2025年1月20日 (the text as it is when it is not a date). */
static void date_zh(const char *date, char *out, size_t n)
{
    int y = 0, m = 0, d = 0;
    char part[5];
    bool ok = strlen(date) == 10;
    if (ok) {
        memcpy(part, date, 4);
        part[4] = '\0';
        ok = util_parse_int(part, 1900, 9999, &y) == 0;
        memcpy(part, date + 5, 2);
        part[2] = '\0';
        ok = ok && util_parse_int(part, 1, 12, &m) == 0;
        memcpy(part, date + 8, 2);
        ok = ok && util_parse_int(part, 1, 31, &d) == 0;
    }
    if (ok)
        snprintf(out, n, "%d年%d月%d日", y, m, d);
    else
        snprintf(out, n, "%s", date);
}

/* The reminding of one term. */
struct remind {
    const char *period;
    bool zh;
    char term_zh[64];     /* 2024-2025学年第一学期 */
    char deadline[16];    /* 2025-01-20 */
    char deadline_zh[32]; /* 2025年1月20日 */
    char today_zh[32];
    int days_left;
    char days_text[16];
    char dir[4096]; /* out_dir/reminders/<period> */
    /* the district whose list is being written */
    char district[16];
    char base[96];
    struct report_layout layout;
    struct report_writer *w;
    int letters, districts, earlier;
    buf b;
};

/* The letter to one school (row of remind_due) in r->b: Chinese throughout, codes and paths
 * only in parentheses, CRLF line ends and a UTF-8 BOM (Notepad shows it right). 0, or -1 out
 * of memory. */
static int letter(struct remind *r, const json_t *row)
{
    char name[256], district[128];
    clean(text_of(row, "school_name"), name, sizeof name);
    clean(text_of(row, "district_name"), district, sizeof district);
    buf_reset(&r->b);
    int rc = buf_printf(&r->b,
                        "\xEF\xBB\xBF%s(学校标识码 %s):\r\n\r\n"
                        "    截至%s,市教育局心理健康教育数据平台尚未收到贵校%s心理健康教育"
                        "工作数据。本学期数据的报送截止日期为%s,",
                        name, text_of(row, "school_code"), r->today_zh, r->term_zh, r->deadline_zh);
    if (r->days_left == 0)
        rc |= buf_puts(&r->b, "即今天,请于今天之内完成报送。\r\n");
    else
        rc |= buf_printf(&r->b, "距今还有 %d 天,请在截止日期前完成报送。\r\n", r->days_left);
    json_int_t rejected = json_integer_value(json_object_get(row, "rejected"));
    if (rejected > 0)
        rc |= buf_printf(&r->b,
                         "    平台曾收到贵校本学期的数据 %" JSON_INTEGER_FORMAT
                         " 份,因未通过核验均已退回(原因见此前发给贵校的反馈意见),"
                         "请按反馈意见更正后重新报送。\r\n",
                         rejected);
    rc |= buf_printf(
        &r->b,
        "\r\n一、需要报送的内容\r\n"
        "    贵校%s心理健康教育工作数据一份,包括:各年级在校学生数和班级数,专兼职心理教师的"
        "配备、学历和持证情况,心理健康专项经费,心理健康课、主题班会和专题活动,心理辅导室的"
        "建设和开放,个体咨询和团体辅导,心理普测和“一生一策”档案,关爱台账,家校共育,教师"
        "培训,心理危机事件和转介,组织管理和科研成果。没有开展的项目如实填写 0;没有统计的"
        "项目留空,不要填写 0。\r\n"
        "\r\n二、如何报送\r\n"
        "    1. 使用市教育局下发的本校本学期电子表格模板(.xlsx)填写,学校标识码、学期等已锁定"
        "的单元格不要改动;也可以按报送数据格式(mhe.submission/1)导出数据文件。\r\n"
        "    2. 在“填报时间”单元格(数据文件中为 submitted_at)填写完成填报的日期和时间。\r\n"
        "    3. 报送前可以先自查(xinyu check),确认没有问题后按原渠道报送。截止日期之后报送的"
        "数据计为逾期上报。\r\n"
        "\r\n如有疑问,请与%s教育局心理健康教育工作负责人联系。\r\n"
        "\r\n市教育局\r\n%s\r\n",
        r->term_zh, district, r->today_zh);
    return rc != 0 ? -1 : 0;
}

/* Ends the list of the district being written: its files into place. 0, or -1 after
 * logging. */
static int district_end(struct remind *r)
{
    if (r->w == NULL)
        return 0;
    report_writer_table_end(r->w, 0);
    int rc = report_writer_finish(r->w);
    r->w = NULL;
    return rc;
}

/* Starts the list of district code in r->dir (CSV and workbook). 0, or -1 after logging. */
static int district_begin(struct remind *r, const char *code)
{
    util_strlcpy(r->district, code, sizeof r->district);
    snprintf(r->base, sizeof r->base, "reminders-%s-%s", r->period, code);
    struct report_layout l = {"cannot write the list of reminders",
                              r->base,
                              r->base,
                              REPORT_JSON_LINES,
                              list_table,
                              NKEYS(list_table),
                              NULL,
                              NULL,
                              NULL,
                              NULL};
    r->layout = l;
    r->w = report_writer_open(&r->layout, "csv,xlsx", r->dir);
    if (r->w == NULL)
        return -1;
    report_writer_table_begin(r->w, 0);
    r->districts++;
    return 0;
}

/* One school without a reminder yet: its letter, and its line in its district's list. 0, or
 * -1 after logging. */
static int remind_school(struct remind *r, const json_t *row)
{
    const char *district = text_of(row, "district_code");
    if ((r->w == NULL || strcmp(district, r->district) != 0) &&
        (district_end(r) != 0 || district_begin(r, district) != 0))
        return -1;
    char file[64], path[4200];
    snprintf(file, sizeof file, "%s-%s.txt", text_of(row, "school_code"), r->period);
    int n = snprintf(path, sizeof path, "%s/%s", r->dir, file);
    if (n < 0 || (size_t)n >= sizeof path) {
        log_error("the output path is too long: %s/%s", r->dir, file);
        return -1;
    }
    if (letter(r, row) != 0) {
        log_error("out of memory");
        return -1;
    }
    if (util_write_file_replace(path, r->b.data, r->b.len, false) != 0) {
        log_error_detail("cannot write a reminder", path, strerror(errno));
        return -1;
    }
    r->letters++;
    json_t *line = json_copy((json_t *)row);
    int rc = line == NULL ? -1 : 0;
    if (rc == 0)
        rc = json_object_set_new(line, "period", json_string(r->period));
    if (rc == 0)
        rc = json_object_set_new(line, "deadline", json_string(r->deadline));
    if (rc == 0)
        rc = json_object_set_new(line, "days_left", json_integer(r->days_left));
    if (rc == 0)
        rc = json_object_set_new(line, "letter", json_string(file));
    if (rc == 0)
        report_writer_row(r->w, 0, line);
    json_decref(line);
    if (rc != 0) {
        log_error("out of memory");
        return -1;
    }
    return report_writer_failed(r->w);
}

/* Says why nothing is sent (Chinese, or English with lang "en"); always EXIT_OK. */
static int nothing_to_send(const struct remind *r, int year, int days_before)
{
    if (r->days_left < 0) {
        if (r->zh)
            printf("催报 %s:%s的报送截止日期%s已过(已过 %d 天),不再发送催报通知。尚未报送的"
                   "学校见数据质量报告的未上报名单(quality-%d-not-reported.csv,或 xinyu quality "
                   "--period %s)。\n",
                   r->period, r->term_zh, r->deadline_zh, -r->days_left, year, r->period);
        else
            printf("remind %s: the deadline %s has passed (%d days ago); no reminders are sent. "
                   "The schools that have not reported are in the quality report's not-reported "
                   "list (quality-%d-not-reported.csv, or xinyu quality --period %s).\n",
                   r->period, r->deadline, -r->days_left, year, r->period);
    } else if (r->zh) {
        printf("催报 %s:距%s的报送截止日期%s还有 %d 天,多于 %d 天(--days-before),暂不发送催报"
               "通知。\n",
               r->period, r->term_zh, r->deadline_zh, r->days_left, days_before);
    } else {
        printf("remind %s: the deadline %s is %d days away, more than %d (--days-before); no "
               "reminders are sent yet.\n",
               r->period, r->deadline, r->days_left, days_before);
    }
    return EXIT_OK;
}

/* The deadline of r->period from the targets file that lists it into r. Returns 0 (and the
 * file's year in *year), or EXIT_USAGE after logging. */
static int deadline_of(const struct report_ctx *ctx, struct remind *r, int *year)
{
    struct report_scope scope = {0, r->period};
    struct report_targets t;
    memset(&t, 0, sizeof t);
    int found = report_scope_targets(ctx->targets_dir, &scope, &t);
    if (found < 0)
        return EXIT_USAGE;
    if (found > 0) {
        log_error_detail("no deadline for the term", r->period,
                         "No targets file in the targets directory lists the term; a reminder "
                         "needs its deadline (\"deadlines\" of the year's targets file).");
        return EXIT_USAGE;
    }
    int rc = EXIT_USAGE;
    for (int i = 0; i < t.nperiods; i++) {
        if (strcmp(t.periods[i], r->period) == 0 && t.deadlines[i] != NULL) {
            util_strlcpy(r->deadline, t.deadlines[i], sizeof r->deadline);
            rc = 0;
        }
    }
    *year = t.year;
    if (rc != 0)
        log_error_detail("no deadline for the term", t.path,
                         "The targets file lists the term without a deadline; add it to "
                         "\"deadlines\".");
    report_targets_free(&t);
    return rc;
}

int report_remind_write(const struct report_ctx *ctx, const char *period, int days_before)
{
    struct remind r;
    memset(&r, 0, sizeof r);
    r.period = period;
    r.zh = ctx->lang == NULL || strcmp(ctx->lang, "en") != 0;
    char canon[PERIOD_LEN + 1], err[256];
    if (period_parse(period, canon, err, sizeof err) != 0 || strcmp(canon, period) != 0) {
        log_error("--period must be a term like 2024-2025-1, not \"%s\"", period);
        return EXIT_USAGE;
    }
    snprintf(r.term_zh, sizeof r.term_zh, "%.9s学年第%s学期", period,
             period[10] == '1' ? "一" : "二");
    int year = 0;
    int rc = deadline_of(ctx, &r, &year);
    if (rc != 0)
        return rc;
    date_zh(r.deadline, r.deadline_zh, sizeof r.deadline_zh);
    int w = snprintf(r.dir, sizeof r.dir, "%s/reminders/%s", ctx->out_dir, period);
    if (w < 0 || (size_t)w >= sizeof r.dir) {
        log_error_detail("cannot create the reminders directory", ctx->out_dir, "path too long");
        return EXIT_USAGE;
    }
    rc = EXIT_FATAL;
    struct report_cursor cur;
    memset(&cur, 0, sizeof cur);
    PGconn *conn = report_connect(ctx, &rc);
    if (conn == NULL)
        return rc;
    rc = EXIT_FATAL;
    /* two reminders of one term at once would both write the letters */
    int locked = db_try_lock(conn, DB_LOCK_REMIND, false);
    if (locked != 1) {
        if (locked == 0)
            log_error_detail("another xinyu remind is running", NULL,
                             "Wait for it to finish: it records the schools it reminds.");
        goto done;
    }
    /* the schools listed and those recorded as reminded are of one snapshot */
    if (db_begin_snapshot(conn, false, "cannot send the reminders") != 0)
        goto done;
    const char *dl[] = {r.deadline};
    PGresult *res =
        db_query(conn, "SELECT $1::date - current_date, to_char(current_date, 'YYYY-MM-DD')", 1, dl,
                 PGRES_TUPLES_OK, "cannot count the days to the deadline");
    if (res == NULL)
        goto done;
    int parsed = util_parse_int(PQgetvalue(res, 0, 0), -1000000, 1000000, &r.days_left);
    date_zh(PQgetvalue(res, 0, 1), r.today_zh, sizeof r.today_zh);
    PQclear(res);
    if (parsed != 0) {
        log_error("cannot count the days to the deadline %s", r.deadline);
        goto done;
    }
    if (r.days_left < 0 || r.days_left > days_before) {
        rc = nothing_to_send(&r, year, days_before);
        goto done;
    }
    if (util_mkdirs(r.dir, false) != 0) {
        log_error_detail("cannot create the reminders directory", r.dir, strerror(errno));
        goto done;
    }
    const char *params[] = {period};
    if (report_cursor_open(&cur, conn, "reminders", &due_list, due_list.sql, params) != 0)
        goto done;
    int crc = 0;
    json_t *row;
    while (crc == 0 && (row = report_cursor_peek(&cur, &crc)) != NULL) {
        if (json_is_string(json_object_get(row, "reminded_at")))
            r.earlier++;
        else
            crc = remind_school(&r, row);
        report_cursor_next(&cur);
    }
    if (crc != 0 || district_end(&r) != 0)
        goto done;
    /* the letters are durable before they are recorded as sent: a remind that dies in
     * between sends them again, none is recorded unsent */
    if (r.letters > 0 && util_sync_filesystem(r.dir) != 0) {
        log_error_detail("cannot write the reminders", r.dir, strerror(errno));
        goto done;
    }
    char days[16];
    snprintf(days, sizeof days, "%d", r.days_left);
    const char *record[] = {period, r.deadline, days};
    res = db_query(conn, "SELECT xinyu.remind_record($1::text, $2::date, $3::integer)", 3, record,
                   PGRES_TUPLES_OK, "cannot record the reminders");
    if (res == NULL)
        goto done;
    PQclear(res);
    if (db_exec(conn, "COMMIT", "cannot record the reminders") != 0)
        goto done;
    if (r.letters == 0 && r.zh)
        printf("催报 %s:报送截止日期%s,还有 %d 天;没有需要催报的学校(%d 所此前已发过催报通知,"
               "其余学校均已报送)。\n",
               period, r.deadline_zh, r.days_left, r.earlier);
    else if (r.letters == 0)
        printf("remind %s: deadline %s, %d days left; no school to remind (%d reminded before, "
               "the others have reported).\n",
               period, r.deadline, r.days_left, r.earlier);
    else if (r.zh)
        printf("催报 %s:报送截止日期%s,还有 %d 天;向 %d 所尚未报送的学校发出催报通知(%d 个"
               "区县的名单),在 %s;%d 所此前已发过催报通知。\n",
               period, r.deadline_zh, r.days_left, r.letters, r.districts, r.dir, r.earlier);
    else
        printf("remind %s: deadline %s, %d days left; %d reminders to schools that have not "
               "reported (lists of %d districts) in %s; %d reminded before.\n",
               period, r.deadline, r.days_left, r.letters, r.districts, r.dir, r.earlier);
    rc = EXIT_OK;
done:
    report_cursor_free(&cur);
    if (r.w != NULL)
        report_writer_discard(r.w);
    if (PQtransactionStatus(conn) != PQTRANS_IDLE)
        db_exec(conn, "ROLLBACK", "cannot end the reminders");
    buf_free(&r.b);
    PQfinish(conn);
    return rc;
}
