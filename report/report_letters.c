/* report_letters.c - the feedback letters to the schools: one per school and term, in Chinese. */
#define _GNU_SOURCE /* O_TMPFILE */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <strings.h>
#include <inttypes.h>
#include <stdint.h>
#include <unistd.h>

#include <jansson.h>

#include "common/fault.h"
#include "common/log.h"
#include "common/period.h"
#include "common/util.h"
#include "report/report_letters.h"
#include "report/report_template.h"
#include "transform/xform.h"
#include "transform/xform_labels.h"

#define NKEYS(a) (sizeof(a) / sizeof((a)[0]))

/* What to fix, in the school's words, per issue code (xform_validate.c, xform_merge.c, ingest). */
static const struct {
    const char *code;
    const char *fix;
} fixes[] = {
    {"json", "文件不是有效的 JSON(须为 UTF-8 编码的一个 JSON 对象)。请用报送工具重新导出,"
             "不要手工修改文件。"},
    {"gzip", "压缩文件已损坏或不完整。请重新压缩,或直接报送未压缩的 .json 文件。"},
    {"too_large", "文件超过平台允许的大小。请只报送本校本学期的一份数据。"},
    {"schema", "填报格式版本须填写为规定的版本(mhe.submission/1)。"},
    {"missing", "请补充该必填项。"},
    {"type", "请按规定的类型填写:人数、次数等填不带引号的非负整数,是否类的项填“是”或“否”"
             "(数据文件中为 true 或 false,工作簿中选“是”或“否”)。"},
    {"range", "数值超出允许范围,请核对后填写实际数值。"},
    {"format", "格式不正确:学校标识码为 10 位数字,学期写作 2024-2025-1,填报时间为带时区的"
               "时间(submitted_at,如 2025-01-15T10:00:00+08:00),区县代码为 6 位数字。"},
    {"cross_field", "与相关各项不一致(例如持证人数不能多于教师人数、有学生的年级须有班级)。"
                    "请核对相关各项后更正。"},
    {"future", "填报时间(submitted_at)晚于平台收到的时间。请填写实际报送的时间。"},
    {"unknown_school", "学校标识码不在市学校名册中。请核对学校标识码;新设学校请联系区教育局"
                       "更新名册。"},
    {"unknown_field", "平台不识别该项,已忽略。请检查名称拼写,或删去该项。"},
    {"district_mismatch", "区县代码与市学校名册不一致,已按名册处理。请改为名册中的区县代码。"},
    {"name_mismatch", "学校名称与市学校名册不一致,已按名册处理。请使用名册中的学校名称。"},
    {"inactive_school", "市学校名册中贵校为停用状态。如仍在办学,请联系区教育局更正名册。"},
    {"zero_enrollment", "在校生人数为 0。请核对各年级在校学生数(enrollment.by_grade)是否漏填。"},
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

/* An item of a letter: a row of one of the three lists that concern a school's data. */
struct report_letter_item {
    const char *school_code;
    const char *period; /* "" when the term could not be read */
    enum report_letter_list list;
    size_t row; /* in the letter's rows of that list (struct report_letters) */
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
 * A reason as the school reads it: the catalogue's Chinese text, which names the field by its
 * label with the path in parentheses ("专兼职心理教师中持A证人数(staff.psych_cert_a)为 4,..."),
 * or for a reason stored before there was one, the path and the English text. Uses both
 * buffers; returns message.
 */
static const char *reason(const json_t *r, char *path, size_t pathcap, char *message, size_t cap)
{
    const char *zh = text_of(r, "message_zh");
    clean(text_of(r, "path"), path, pathcap);
    if (zh[0] != '\0') {
        char text[600];
        clean(zh, text, sizeof text);
        /* a workbook's reason starts with its cell ("基本情况!C21 兼职…"): a cell is a code,
         * said in parentheses after the reason, as a path is */
        const char *space = strchr(text, ' ');
        const char *bang = space != NULL ? memchr(text, '!', (size_t)(space - text)) : NULL;
        size_t letters = bang != NULL ? strspn(bang + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") : 0;
        if (bang != NULL && letters > 0 &&
            strspn(bang + 1 + letters, "0123456789") == (size_t)(space - bang - 1) - letters) {
            snprintf(message, cap, "%s(单元格 %.*s)", space + 1, (int)(space - text), text);
            return message;
        }
        snprintf(message, cap, "%s%s", path[0] ? "" : "(整个文件)", text);
        return message;
    }
    char text[600];
    clean(text_of(r, "message"), text, sizeof text);
    snprintf(message, cap, "%s:%s", path[0] ? path : "(整个文件)", text);
    return message;
}

/*
 * The letter to one school about one term, in Chinese, CRLF line ends and a UTF-8 BOM (so
 * that Notepad shows it right). items[0..n) share the school and term, sorted by list and,
 * within a list, in the list's order; rows[list] holds their rows.
 */
static int letter(buf *b, const struct report_letter_item *items, size_t n, json_t *const *rows,
                  const char *date_zh)
{
    const json_t *first = json_array_get(rows[items[0].list], items[0].row);
    char term[64], name[256], ref[256], path[256], message[700];
    period_words(items[0].period[0] ? items[0].period : NULL, term, sizeof term);
    /* the school as the bureau addresses it: its district, then its name */
    char district[160];
    const char *dname = text_of(first, "district_name");
    if (dname[0] != '\0' && strncmp(text_of(first, "school_name"), dname, strlen(dname)) != 0)
        snprintf(district, sizeof district, "%s ", dname);
    else
        district[0] = '\0';
    int rc = buf_printf(b,
                        "\xEF\xBB\xBF%s%s(学校标识码 %s):\r\n\r\n"
                        "    经市教育局心理健康教育数据平台核验,贵校报送的%s心理健康教育工作"
                        "数据存在以下问题,请核对更正。\r\n",
                        district, clean(text_of(first, "school_name"), name, sizeof name),
                        items[0].school_code, term);
    size_t nrej = 0, nother = 0;
    for (size_t i = 0; i < n; i++) {
        if (items[i].list == REPORT_LETTER_REJECTIONS)
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
        for (size_t i = 0; i < n && items[i].list == REPORT_LETTER_REJECTIONS; i++) {
            const json_t *r = json_array_get(rows[REPORT_LETTER_REJECTIONS], items[i].row);
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
            rc |= buf_printf(b, "    %d. %s%s\r\n       修改建议:%s\r\n", ++k,
                             strcmp(text_of(r, "severity"), "reject") == 0 ? "" : "(提示)",
                             reason(r, path, sizeof path, message, sizeof message),
                             fix_of(text_of(r, "code")));
        }
    }
    if (nother > 0) {
        rc |= buf_printf(b, "\r\n%s、已入库、但请核对或下次报送时更正的问题\r\n",
                         numerals[section++]);
        int k = 0;
        for (size_t i = 0; i < n; i++) {
            const json_t *r = json_array_get(rows[items[i].list], items[i].row);
            if (items[i].list == REPORT_LETTER_WARNINGS) {
                rc |= buf_printf(b, "    %d. %s\r\n       修改建议:%s\r\n", ++k,
                                 reason(r, path, sizeof path, message, sizeof message),
                                 fix_of(text_of(r, "code")));
            } else if (items[i].list == REPORT_LETTER_OUTLIERS) {
                char value[32], reference[32], ratio[32], field[256];
                xf_label_subject(field, sizeof field, clean(text_of(r, "path"), path, sizeof path),
                                 "数据项");
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
                                     ++k, field, value, reference, ratio);
                else
                    rc |= buf_printf(b,
                                     "    %d. %s:填报 %s,上学期为 %s,变化超过 3 倍。\r\n"
                                     "       修改建议:请核实是否填写有误;如确实如此,请在报送"
                                     "说明中注明。\r\n",
                                     ++k, field, value, reference);
            } else if (items[i].list == REPORT_LETTER_SUMMARY) {
                char text[700], file[256];
                rc |= buf_printf(b,
                                 "    %d. 工作总结与报表不一致(%s 第%d行):%s\r\n"
                                 "       修改建议:请核实哪一个数字正确;如报表有误,请更正后"
                                 "重新报送(工作总结不作为数据入库)。\r\n",
                                 ++k, clean(text_of(r, "summary_ref"), file, sizeof file),
                                 (int)json_integer_value(json_object_get(r, "line")),
                                 clean(text_of(r, "message_zh"), text, sizeof text));
            }
        }
    }
    /* a school that sends its workbook corrects its workbook: no JSON, no submitted_at */
    bool workbook = false;
    for (size_t i = 0; i < n; i++) {
        const char *item_ref = text_of(json_array_get(rows[items[i].list], items[i].row), "ref");
        workbook = workbook || strstr(item_ref, ".xlsx") != NULL;
    }
    rc |= buf_printf(b, "\r\n%s、%s\r\n", numerals[section],
                     nrej > 0 ? "如何重新报送" : "如需更正,请重新报送");
    if (workbook)
        rc |= buf_puts(b, "    1. 在贵校本学期的工作簿中按上述意见修改有问题的单元格,不要改动锁定的"
                          "单元格,报送完整的工作簿。\r\n"
                          "    2. 在“填报时间”单元格填写重新报送的时间。同一学校同一学期以填报时间"
                          "较晚的一份为准,新的报送将替代此前的报送。\r\n");
    else
        rc |= buf_puts(b, "    1. 按上述意见修改本学期的数据文件(格式 mhe.submission/1),报送完整的"
                          "全部内容,不要只报送修改的部分。\r\n"
                          "    2. 将填报时间(submitted_at)改为重新报送的实际时间(带时区,如 "
                          "2025-01-15T10:00:00+08:00)。同一学校同一学期以填报时间较晚的一份"
                          "为准,新的报送将替代此前的报送。\r\n");
    rc |= buf_printf(b,
                     "    3. 报送前可用平台的核验工具自查(xinyu check 命令),确认没有问题后按原渠道"
                     "报送。\r\n"
                     "\r\n如有疑问,请与%s教育局心理健康教育工作负责人联系。\r\n"
                     "\r\n市教育局\r\n%s\r\n",
                     text_of(first, "district_name"), date_zh);
    return rc != 0 ? -1 : 0;
}

/* ---- the letters' files, written by a thread of their own -------------------------------
 *
 * Thousands of letters are thousands of new files, and making a file (its inode, its name in
 * the directory) is most of what a letter costs: on a file system without a journal the
 * kernel passes over every inode freed in the last minutes for each new one. The thread
 * writes them while the report goes on with its lists and files. The report words a letter
 * far faster than its file is made, so the letters wait in a spool, a file without a name in
 * the letters' directory, rather than in memory: the report hands each over at once, and
 * memory stays one letter's worth on each side however many there are. */

/* A letter in the spool: this header, then its file name and its text. */
struct spool_head {
    uint32_t name_len, text_len;
};
#define SPOOL_NAME_MAX 256 /* a letter's file name, its NUL included */
#define LETTER_PATH_MAX (4096 + SPOOL_NAME_MAX)

struct report_letter_writer {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t changed;       /* a letter spooled, or the end asked for */
    int fd;                       /* the spool */
    char dir[4096];               /* where the letters go */
    off_t tail;                   /* the end of the letters spooled (the report's side) */
    off_t queued;                 /* the end of those handed over: the thread reads up to it */
    bool end;                     /* no more letters: write those spooled, then stop */
    bool drop;                    /* stop without writing those spooled */
    int err;                      /* errno of the first letter not written; 0: none */
    char failed[LETTER_PATH_MAX]; /* its path */
    buf text;                     /* the letter the thread writes */
};

/* The spool: a file with no name (O_TMPFILE), or one unlinked at once where the file system
 * has no such files. -1 with errno. */
static int spool_open(const char *dir)
{
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
        return fd;
    char path[4096 + 32], tmp[sizeof path + 16];
    int n = snprintf(path, sizeof path, "%s/.letters", dir);
    if (n < 0 || (size_t)n >= sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    fd = util_create_beside(path, tmp, sizeof tmp);
    if (fd >= 0)
        unlink(tmp);
    return fd;
}

/* Moves len bytes between p and the spool at *at (out: into the spool), advancing *at. 0, or
 * an errno. */
static int spool_move(int fd, off_t *at, char *p, size_t len, bool out)
{
    while (len > 0) {
        ssize_t r = out ? pwrite(fd, p, len, *at) : pread(fd, p, len, *at);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return r < 0 ? errno : EIO;
        p += r;
        len -= (size_t)r;
        *at += r;
    }
    return 0;
}

/* Reads the letter at *at into w->text and its path into path; then writes its file. 0, or an
 * errno (path says which letter when it is known). */
static int writer_one(struct report_letter_writer *w, off_t *at, char *path, size_t cap)
{
    struct spool_head h;
    char name[SPOOL_NAME_MAX];
    int e = spool_move(w->fd, at, (char *)&h, sizeof h, false);
    if (e == 0 && h.name_len >= sizeof name)
        e = EIO;
    if (e == 0)
        e = spool_move(w->fd, at, name, h.name_len, false);
    if (e != 0)
        return e;
    name[h.name_len] = '\0';
    snprintf(path, cap, "%s/%s", w->dir, name);
    buf_reset(&w->text);
    if (buf_reserve(&w->text, h.text_len) != 0)
        return ENOMEM;
    e = spool_move(w->fd, at, w->text.data, h.text_len, false);
    if (e != 0)
        return e;
    w->text.len = h.text_len;
    if (util_write_file_replace(path, w->text.data, w->text.len, false) != 0)
        return errno != 0 ? errno : EIO;
    return 0;
}

static void *writer_main(void *arg)
{
    struct report_letter_writer *w = arg;
    off_t head = 0; /* the next letter to write */
    char path[LETTER_PATH_MAX];
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (head == w->queued && !w->end)
            pthread_cond_wait(&w->changed, &w->lock);
        /* after a failure the report fails: nothing more is written */
        if (head == w->queued || w->drop || w->err != 0)
            break;
        off_t upto = w->queued;
        pthread_mutex_unlock(&w->lock);
        int e = 0;
        path[0] = '\0';
        while (e == 0 && head < upto)
            e = writer_one(w, &head, path, sizeof path);
        pthread_mutex_lock(&w->lock);
        if (e != 0) {
            w->err = e;
            snprintf(w->failed, sizeof w->failed, "%s", path[0] ? path : w->dir);
        }
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

static void writer_free(struct report_letter_writer *w)
{
    if (w->fd >= 0)
        close(w->fd);
    buf_free(&w->text);
    pthread_cond_destroy(&w->changed);
    pthread_mutex_destroy(&w->lock);
    free(w);
}

/* Ends the thread: with drop, the letters still spooled are not written. Returns the errno of
 * the first letter not written (its path in failed), 0 when all were. */
static int writer_stop(struct report_letter_writer *w, bool drop, char *failed, size_t cap)
{
    pthread_mutex_lock(&w->lock);
    w->end = true;
    w->drop = drop;
    pthread_cond_broadcast(&w->changed);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    int err = w->err;
    if (failed != NULL)
        snprintf(failed, cap, "%s", w->failed);
    writer_free(w);
    return err;
}

/* The thread and its spool for the letters of dir. NULL after logging. */
static struct report_letter_writer *writer_start(const char *dir)
{
    struct report_letter_writer *w = calloc(1, sizeof *w);
    if (w == NULL) {
        log_error("cannot start writing the feedback letters: out of memory");
        return NULL;
    }
    snprintf(w->dir, sizeof w->dir, "%s", dir);
    if ((w->fd = spool_open(dir)) < 0) {
        log_error_detail("cannot start writing the feedback letters", dir, strerror(errno));
        free(w);
        return NULL;
    }
    if (pthread_mutex_init(&w->lock, NULL) != 0) {
        close(w->fd);
        free(w);
        log_error("cannot start writing the feedback letters: out of memory");
        return NULL;
    }
    if (pthread_cond_init(&w->changed, NULL) != 0) {
        pthread_mutex_destroy(&w->lock);
        close(w->fd);
        free(w);
        log_error("cannot start writing the feedback letters: out of memory");
        return NULL;
    }
    if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
        pthread_cond_destroy(&w->changed);
        pthread_mutex_destroy(&w->lock);
        close(w->fd);
        free(w);
        log_error("cannot start writing the feedback letters: no thread");
        return NULL;
    }
    return w;
}

/* Hands the letter text over to the thread as name in its directory. 0, or -1 when it cannot
 * be spooled (logged) or an earlier letter could not be written (report_letters_finish says
 * which). */
static int writer_put(struct report_letter_writer *w, const char *name, const buf *text)
{
    pthread_mutex_lock(&w->lock);
    int err = w->err;
    pthread_mutex_unlock(&w->lock);
    if (err != 0)
        return -1;
    size_t name_len = strlen(name);
    if (name_len >= SPOOL_NAME_MAX || text->len > UINT32_MAX) {
        log_error("a feedback letter is too long: %s/%s", w->dir, name);
        return -1;
    }
    /* the header and the name, then the text */
    struct spool_head h = {(uint32_t)name_len, (uint32_t)text->len};
    char head[sizeof h + SPOOL_NAME_MAX];
    memcpy(head, &h, sizeof h);
    memcpy(head + sizeof h, name, name_len);
    off_t at = w->tail;
    int e = spool_move(w->fd, &at, head, sizeof h + name_len, true);
    if (e == 0 && text->len > 0)
        e = spool_move(w->fd, &at, text->data, text->len, true);
    if (e != 0) {
        log_error_detail("cannot write the feedback letters", w->dir, strerror(e));
        return -1;
    }
    w->tail = at;
    pthread_mutex_lock(&w->lock);
    w->queued = at;
    pthread_cond_broadcast(&w->changed);
    pthread_mutex_unlock(&w->lock);
    return 0;
}

int report_letters_finish(struct report_letters *lt)
{
    if (lt->writer == NULL)
        return 0;
    char failed[LETTER_PATH_MAX];
    int err = writer_stop(lt->writer, false, failed, sizeof failed);
    lt->writer = NULL;
    if (err != 0) {
        log_error_detail("cannot write a report", failed, strerror(err));
        return -1;
    }
    return 0;
}

/* 0, or -1 after logging. */
int report_letters_begin(struct report_letters *lt, const char *out_dir, const char *generated_at)
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
    static const int with_items[] = {REPORT_LETTER_REJECTIONS, REPORT_LETTER_WARNINGS,
                                     REPORT_LETTER_OUTLIERS, REPORT_LETTER_SUMMARY};
    for (size_t k = 0; k < NKEYS(with_items); k++) {
        lt->rows[with_items[k]] = json_array();
        if (lt->rows[with_items[k]] == NULL) {
            log_error("out of memory");
            return -1;
        }
    }
    return 0;
}

void report_letters_free(struct report_letters *lt)
{
    if (lt->writer != NULL)
        (void)writer_stop(lt->writer, true, NULL, 0);
    for (int k = 0; k < REPORT_LETTER_NLISTS; k++)
        json_decref(lt->rows[k]);
    free(lt->items);
    buf_free(&lt->b);
    memset(lt, 0, sizeof *lt);
}

/* Adds row of list to the letter being gathered (it keeps a reference). 0, or -1 (logged). */
int report_letters_add(struct report_letters *lt, enum report_letter_list list, json_t *row)
{
    if (lt->n == lt->cap) {
        size_t cap = lt->cap ? 2 * lt->cap : 16;
        struct report_letter_item *items = realloc(lt->items, cap * sizeof *items);
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
static int feedback_workbook(struct report_letters *lt, char *name, size_t cap)
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
        if (lt->items[i].list != REPORT_LETTER_REJECTIONS)
            continue;
        const json_t *r = json_array_get(lt->rows[REPORT_LETTER_REJECTIONS], lt->items[i].row);
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
            if (lt->items[k].list != REPORT_LETTER_REJECTIONS ||
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
int report_letters_flush(struct report_letters *lt)
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
                    "\r\n附件:贵校报送的工作簿(%s),有问题的单元格已标红并附批注,全部问题见"
                    "“问题清单”工作表。\r\n",
                    workbook) != 0)) {
        log_error("out of memory");
        return -1;
    }
    /* thousands of letters: each is renamed into place whole, by the letters' thread, and
     * all are made durable together at the end (letters_sync) rather than one fsync each */
    fault_point("report_write");
    if (lt->writer == NULL && (lt->writer = writer_start(lt->dir)) == NULL)
        return -1;
    if (writer_put(lt->writer, name, &lt->b) != 0) {
        (void)report_letters_finish(lt); /* says which letter could not be written, if one */
        return -1;
    }
    lt->written++;
    lt->n = 0;
    for (int k = 0; k < REPORT_LETTER_NLISTS; k++) {
        if (lt->rows[k] != NULL)
            json_array_clear(lt->rows[k]);
    }
    return 0;
}
