/* xform_messages.h - the catalogue of what Xinyu tells a school about a submission, in zh and en.
 */
#ifndef XINYU_XFORM_MESSAGES_H
#define XINYU_XFORM_MESSAGES_H

#include <stddef.h>

/*
 * Every rejection, warning and word "xinyu check" prints is one entry here: an id, the issue
 * code stored with it (xinyu.submission_issue.code; "" for words that are not issues), how the
 * Chinese text names the field, the printf arguments both templates take, and the two
 * templates. The English text is the JSON contract's and the log's; the Chinese one is what a
 * school reads. A Chinese template of a field's message is the predicate of a sentence whose
 * subject is the field's label with its path, put in front by the formatter:
 * "专兼职心理教师中持A证人数(staff.psych_cert_a)" + "为 4，超过专职与兼职心理教师人数之和 3".
 *
 * An entry is one macro XF_M_<ID>(X) expanding to X(ID, code, subject, args, en, zh), so that a
 * call site can take the literal templates of an id (XF_EN(ID), XF_ZH(ID)) and the compiler
 * checks its arguments against both. args lists the conversions in order ("lld lld", "s", ""):
 * tests/unit/test_xform_validate.c holds every template to it, and SQL uses only "s" entries.
 */

enum xf_lang { XF_LANG_ZH = 0, XF_LANG_EN = 1 };

/* How the Chinese text names the path of its issue. */
enum xf_subject {
    XF_SUBJECT_NONE,   /* not at all: the whole document, or a part of another message */
    XF_SUBJECT_FIELD,  /* its label (path), or 字段(path) for a key the format does not know */
    XF_SUBJECT_SECTION /* its label (path), or 栏目(path) */
};

/* clang-format off */

/* A value of the wrong JSON type; the argument is a GOT_* text ("string \"2\"", 41.5). */
#define XF_M_TYPE_COUNT(X) X(TYPE_COUNT, "type", XF_SUBJECT_FIELD, "s", \
    "expected a non-negative integer, got %s", "应为非负整数，实际为%s")
#define XF_M_TYPE_NUMBER(X) X(TYPE_NUMBER, "type", XF_SUBJECT_FIELD, "s", \
    "expected a number, got %s", "应为数字，实际为%s")
#define XF_M_TYPE_BOOL(X) X(TYPE_BOOL, "type", XF_SUBJECT_FIELD, "s", \
    "expected true, false, 0 or 1, got %s", "应为 true（是）或 false（否），也可写 1 或 0，实际为%s")
#define XF_M_TYPE_STRING(X) X(TYPE_STRING, "type", XF_SUBJECT_FIELD, "s", \
    "expected a string, got %s", "应为文本，实际为%s")
#define XF_M_TYPE_OBJECT(X) X(TYPE_OBJECT, "type", XF_SUBJECT_SECTION, "s", \
    "expected an object, got %s", "应为 JSON 对象，实际为%s")
#define XF_M_TYPE_PERIOD(X) X(TYPE_PERIOD, "type", XF_SUBJECT_FIELD, "s", \
    "expected a string or an object, got %s", "应为文本或 JSON 对象，实际为%s")
#define XF_M_TYPE_TERM(X) X(TYPE_TERM, "type", XF_SUBJECT_FIELD, "s", \
    "expected the integer 1 or 2, got %s", "应为整数 1 或 2，实际为%s")
/* What was sent instead, inside a TYPE_* message. */
#define XF_M_GOT_STRING(X) X(GOT_STRING, "", XF_SUBJECT_NONE, "s", \
    "string \"%s\"", "文本“%s”")
#define XF_M_GOT_VALUE(X) X(GOT_VALUE, "", XF_SUBJECT_NONE, "s", \
    "%s", " %s")
#define XF_M_GOT_NULL(X) X(GOT_NULL, "", XF_SUBJECT_NONE, "", \
    "null", "空值(null)")
#define XF_M_GOT_OBJECT(X) X(GOT_OBJECT, "", XF_SUBJECT_NONE, "", \
    "an object", " JSON 对象")
#define XF_M_GOT_ARRAY(X) X(GOT_ARRAY, "", XF_SUBJECT_NONE, "", \
    "an array", "数组")

#define XF_M_MISSING(X) X(MISSING, "missing", XF_SUBJECT_FIELD, "", \
    "the required field is missing", "为必填项，但未填写")
#define XF_M_MISSING_NULL(X) X(MISSING_NULL, "missing", XF_SUBJECT_FIELD, "", \
    "the required field is null", "为必填项，不能为空(null)")
#define XF_M_UNKNOWN_FIELD(X) X(UNKNOWN_FIELD, "unknown_field", XF_SUBJECT_FIELD, "", \
    "unknown field; ignored", "不在填报格式中，已忽略")
#define XF_M_UNKNOWN_SECTION(X) X(UNKNOWN_SECTION, "unknown_field", XF_SUBJECT_SECTION, "", \
    "unknown section; ignored", "不在填报格式中，已忽略")

#define XF_M_RANGE_COUNT(X) X(RANGE_COUNT, "range", XF_SUBJECT_FIELD, "lld lld", \
    "%lld exceeds the largest count (%lld)", "为 %lld，超过计数上限 %lld")
#define XF_M_RANGE_COUNT_REAL(X) X(RANGE_COUNT_REAL, "range", XF_SUBJECT_FIELD, "s lld", \
    "%s exceeds the largest count (%lld)", "为 %s，超过计数上限 %lld")
#define XF_M_RANGE_NUMBER(X) X(RANGE_NUMBER, "range", XF_SUBJECT_FIELD, "s .0f", \
    "%s is outside 0..%.0f", "为 %s，超出允许范围 0～%.0f")
#define XF_M_MONEY_DECIMALS(X) X(MONEY_DECIMALS, "type", XF_SUBJECT_FIELD, "s", \
    "%s has more than 2 decimals", "为 %s，小数超过 2 位")
#define XF_M_GRADE_KEY(X) X(GRADE_KEY, "format", XF_SUBJECT_FIELD, "", \
    "not a grade; grades are \"1\" to \"12\"", "不是年级：年级应写作“1”到“12”")
#define XF_M_GRADE_SUM(X) X(GRADE_SUM, "range", XF_SUBJECT_FIELD, "lld lld", \
    "the sum of all grades (%lld) exceeds %lld", "各年级合计 %lld，超过上限 %lld")
#define XF_M_TOTAL_MISMATCH(X) X(TOTAL_MISMATCH, "cross_field", XF_SUBJECT_FIELD, "lld lld", \
    "%lld does not equal the sum of by_grade (%lld)", "为 %lld，与各年级之和 %lld 不相等")

#define XF_M_SCHEMA_UNKNOWN(X) X(SCHEMA_UNKNOWN, "schema", XF_SUBJECT_FIELD, "s", \
    "unknown schema \"%s\"", "“%s”无法识别（应为 mhe.submission/1）")
#define XF_M_SCHOOL_CODE_FORMAT(X) X(SCHOOL_CODE_FORMAT, "format", XF_SUBJECT_FIELD, "s", \
    "\"%s\" is not a 10-digit school identification code", "“%s”不是 10 位数字的学校标识码")
#define XF_M_DISTRICT_CODE_FORMAT(X) X(DISTRICT_CODE_FORMAT, "format", XF_SUBJECT_FIELD, "s", \
    "\"%s\" is not a 6-digit division code; the registry's is used", \
    "“%s”不是 6 位数字的行政区划代码，已按学校名册处理")
/* The second argument of ACADEMIC_YEAR_INVALID and PERIOD_INVALID is a PERIOD_* reason. */
#define XF_M_ACADEMIC_YEAR_INVALID(X) X(ACADEMIC_YEAR_INVALID, "format", XF_SUBJECT_FIELD, "s s", \
    "invalid academic year \"%s\": %s", "“%s”无效：%s")
#define XF_M_TERM_INVALID(X) X(TERM_INVALID, "format", XF_SUBJECT_FIELD, "lld", \
    "term must be 1 or 2, got %lld", "应为 1 或 2，实际为 %lld")
#define XF_M_PERIOD_INVALID(X) X(PERIOD_INVALID, "format", XF_SUBJECT_FIELD, "s s", \
    "invalid period \"%s\": %s", "“%s”无效：%s")
#define XF_M_PERIOD_FORM(X) X(PERIOD_FORM, "", XF_SUBJECT_NONE, "", \
    "expected YYYY-YYYY-T, or YYYY-YYYY学年第一学期 or 第二学期", \
    "应写作 YYYY-YYYY-T（如 2024-2025-1），或 YYYY-YYYY学年第一学期、YYYY-YYYY学年第二学期")
#define XF_M_PERIOD_YEAR_FORM(X) X(PERIOD_YEAR_FORM, "", XF_SUBJECT_NONE, "", \
    "expected an academic year of the form YYYY-YYYY", "学年应写作 YYYY-YYYY（如 2024-2025）")
#define XF_M_PERIOD_YEAR_RANGE(X) X(PERIOD_YEAR_RANGE, "", XF_SUBJECT_NONE, "04d d d", \
    "year %04d is outside %d..%d", "年份 %04d 不在 %d～%d 之间")
#define XF_M_PERIOD_YEAR_SEQUENCE(X) X(PERIOD_YEAR_SEQUENCE, "", XF_SUBJECT_NONE, "04d 04d", \
    "the second year must be the first plus one (%04d-%04d)", \
    "后一年应比前一年大 1（%04d-%04d）")
#define XF_M_PERIOD_TERM(X) X(PERIOD_TERM, "", XF_SUBJECT_NONE, "lld", \
    "term must be 1 or 2, got %lld", "学期应为 1 或 2，实际为 %lld")
#define XF_M_SUBMITTED_AT_LONG(X) X(SUBMITTED_AT_LONG, "format", XF_SUBJECT_FIELD, "s zu", \
    "\"%s\" is too long for an RFC 3339 timestamp (%zu bytes)", \
    "“%s”过长（%zu 字节），不是 RFC 3339 时间")
#define XF_M_SUBMITTED_AT_FORMAT(X) X(SUBMITTED_AT_FORMAT, "format", XF_SUBJECT_FIELD, "s", \
    "\"%s\" is not an RFC 3339 timestamp with an offset, e.g. 2025-01-10T16:30:00+08:00", \
    "“%s”不是带时区的 RFC 3339 时间，应写作如 2025-01-10T16:30:00+08:00")
#define XF_M_FUTURE(X) X(FUTURE, "future", XF_SUBJECT_FIELD, "s s", \
    "%s is more than 1 day after the time of the run (%s)", \
    "为 %s，比本次处理的时间（%s）晚 1 天以上")

/* The registry's checks; the merge (sql/functions/merge.sql) formats them too. */
#define XF_M_UNKNOWN_SCHOOL(X) X(UNKNOWN_SCHOOL, "unknown_school", XF_SUBJECT_FIELD, "s", \
    "%s is not in the registry", "为 %s，不在市学校名册中")
#define XF_M_INACTIVE_SCHOOL(X) X(INACTIVE_SCHOOL, "inactive_school", XF_SUBJECT_FIELD, "s", \
    "%s is marked inactive in the registry", "为 %s，市学校名册中该校为停用状态")
#define XF_M_DISTRICT_MISMATCH(X) X(DISTRICT_MISMATCH, "district_mismatch", XF_SUBJECT_FIELD, "s s", \
    "%s differs from the registry (%s); the registry's is used", \
    "为 %s，与市学校名册（%s）不一致，已按名册处理")
#define XF_M_NAME_MISMATCH(X) X(NAME_MISMATCH, "name_mismatch", XF_SUBJECT_FIELD, "s s", \
    "\"%s\" differs from the registry (\"%s\")", "“%s”与市学校名册（“%s”）不一致，已按名册处理")

/* The cross-field rules of SUBMISSION.md section 2: the value, then the most it may be. */
#define XF_M_CROSS_FULLTIME_DEGREE(X) X(CROSS_FULLTIME_DEGREE, "cross_field", XF_SUBJECT_FIELD, "lld lld", \
    "%lld exceeds psych_fulltime (%lld)", "为 %lld，超过专职心理健康教师人数 %lld")
#define XF_M_CROSS_CERT_A(X) X(CROSS_CERT_A, "cross_field", XF_SUBJECT_FIELD, "lld lld", \
    "%lld exceeds psych_fulltime + psych_parttime (%lld)", \
    "为 %lld，超过专职与兼职心理教师人数之和 %lld")
#define XF_M_CROSS_PARTTIME_3YR_HEAD(X) X(CROSS_PARTTIME_3YR_HEAD, "cross_field", XF_SUBJECT_FIELD, "lld lld", \
    "%lld exceeds psych_parttime (%lld)", "为 %lld，超过兼职心理健康教师人数 %lld")
#define XF_M_CROSS_CERT_B(X) X(CROSS_CERT_B, "cross_field", XF_SUBJECT_FIELD, "lld lld", \
    "%lld exceeds head_teachers (%lld)", "为 %lld，超过班主任及德育管理者人数 %lld")
#define XF_M_CROSS_CERT_C(X) X(CROSS_CERT_C, "cross_field", XF_SUBJECT_FIELD, "lld lld", \
    "%lld exceeds subject_teachers (%lld)", "为 %lld，超过专任(学科)教师人数 %lld")
#define XF_M_CROSS_FLAGGED(X) X(CROSS_FLAGGED, "cross_field", XF_SUBJECT_FIELD, "lld lld", \
    "%lld exceeds students_screened (%lld)", "为 %lld，超过参加心理普测人数 %lld")
#define XF_M_CROSS_PSYCH_PARENT_TRAININGS(X) X(CROSS_PSYCH_PARENT_TRAININGS, "cross_field", XF_SUBJECT_FIELD, "lld lld", \
    "%lld exceeds parent_trainings (%lld)", "为 %lld，超过家长培训/家校大讲堂场次 %lld")
#define XF_M_CROSS_SCREENED(X) X(CROSS_SCREENED, "cross_field", XF_SUBJECT_FIELD, "lld lld", \
    "%lld exceeds the enrollment of grades 4 and above (%lld)", \
    "为 %lld，超过四年级及以上在校学生数 %lld")
#define XF_M_NO_CLASSES_ONE(X) X(NO_CLASSES_ONE, "cross_field", XF_SUBJECT_FIELD, "d lld", \
    "grade %d has %lld student but no classes", "未填写或为 0，但 %d 年级有 %lld 名学生")
#define XF_M_NO_CLASSES(X) X(NO_CLASSES, "cross_field", XF_SUBJECT_FIELD, "d lld", \
    "grade %d has %lld students but no classes", "未填写或为 0，但 %d 年级有 %lld 名学生")
#define XF_M_ZERO_ENROLLMENT(X) X(ZERO_ENROLLMENT, "zero_enrollment", XF_SUBJECT_FIELD, "", \
    "no students are enrolled in any grade", "均为 0：没有任何年级有在校学生")

/* The document as a whole. */
#define XF_M_BOM(X) X(BOM, "bom", XF_SUBJECT_NONE, "", \
    "the document starts with a UTF-8 byte order mark; it was ignored", \
    "文件以 UTF-8 字节顺序标记(BOM)开头，已忽略")
#define XF_M_JSON_NUL(X) X(JSON_NUL, "json", XF_SUBJECT_NONE, "zu", \
    "not valid JSON: a NUL byte at offset %zu", "不是有效的 JSON：第 %zu 个字节（从 0 数起）为空字节(NUL)")
#define XF_M_ENCODING(X) X(ENCODING, "encoding", XF_SUBJECT_NONE, "", \
    "the document is not UTF-8: it reads as GBK/GB18030, the encoding of Chinese Windows; save " \
    "it as UTF-8 (另存为 UTF-8 编码) and send it again", \
    "文件不是 UTF-8 编码，而是中文 Windows 的 GBK/GB18030 编码：请另存为 UTF-8 编码后重新提交")
#define XF_M_JSON_SYNTAX(X) X(JSON_SYNTAX, "json", XF_SUBJECT_NONE, "s d d", \
    "not valid JSON: %s (line %d, column %d)", "不是有效的 JSON（%s，第 %d 行第 %d 列）")
#define XF_M_NOT_OBJECT(X) X(NOT_OBJECT, "json", XF_SUBJECT_NONE, "", \
    "the document is not a JSON object", "文件内容不是一个 JSON 对象")

/* Reasons given before validation (ingest) and by the loader, whose English texts are their own. */
#define XF_M_GZIP(X) X(GZIP, "gzip", XF_SUBJECT_NONE, "", \
    "corrupt or truncated gzip data", \
    "gzip 压缩文件已损坏或不完整，无法读取：请重新压缩，或直接提交 .json 文件")
#define XF_M_TOO_LARGE(X) X(TOO_LARGE, "too_large", XF_SUBJECT_NONE, "", \
    "the submission exceeds the size limit", \
    "文件或其中一份数据超过大小上限，未读取：请只提交本校本学期的数据")
#define XF_M_TOO_MANY_ISSUES(X) X(TOO_MANY_ISSUES, "too_many_issues", XF_SUBJECT_NONE, "", \
    "more reasons were found than are kept; fix these and check again", \
    "发现的问题过多，只保留了前面一部分：请先改正这些问题，再重新检查")

/* The words of "xinyu check". */
#define XF_M_CHECK_OK(X) X(CHECK_OK, "", XF_SUBJECT_NONE, "", "ok", "通过")
#define XF_M_CHECK_WARNED(X) X(CHECK_WARNED, "", XF_SUBJECT_NONE, "", "ok, with warnings", "有警告")
#define XF_M_CHECK_REJECTED(X) X(CHECK_REJECTED, "", XF_SUBJECT_NONE, "", "rejected", "退回")
#define XF_M_CHECK_ERROR(X) X(CHECK_ERROR, "", XF_SUBJECT_NONE, "", "error", "错误")
#define XF_M_CHECK_WARNING(X) X(CHECK_WARNING, "", XF_SUBJECT_NONE, "", "warning", "警告")
#define XF_M_CHECK_SCHOOL_TERM(X) X(CHECK_SCHOOL_TERM, "", XF_SUBJECT_NONE, "s s", \
    " (school %s, term %s)", "（学校代码 %s，学期 %s）")
#define XF_M_CHECK_NOT_SHOWN(X) X(CHECK_NOT_SHOWN, "", XF_SUBJECT_NONE, "", \
    "more reasons were found than are shown", "发现的问题过多，未全部列出")
#define XF_M_CHECK_NOT_INPUT(X) X(CHECK_NOT_INPUT, "", XF_SUBJECT_NONE, "", \
    "not a submission file (.json, .jsonl, .ndjson, .gz of those, or .xlsx)", \
    "不是可检查的填报文件（.json、.jsonl、.ndjson、它们的 .gz 或 .xlsx 工作簿）")
#define XF_M_CHECK_CANNOT_READ(X) X(CHECK_CANNOT_READ, "", XF_SUBJECT_NONE, "s", \
    "cannot read: %s", "无法读取（%s）")
#define XF_M_CHECK_SUMMARY(X) X(CHECK_SUMMARY, "", XF_SUBJECT_NONE, "ld ld ld ld", \
    "%ld submission(s): %ld ok, %ld with warnings only, %ld rejected", \
    "共 %ld 份：通过 %ld 份，仅有警告 %ld 份，退回 %ld 份")
#define XF_M_CHECK_NOT_CHECKED(X) X(CHECK_NOT_CHECKED, "", XF_SUBJECT_NONE, "ld", \
    "; %ld file(s) not checked", "；%ld 个文件未检查")

#define XF_MESSAGES(X) \
    XF_M_TYPE_COUNT(X) XF_M_TYPE_NUMBER(X) XF_M_TYPE_BOOL(X) XF_M_TYPE_STRING(X) \
    XF_M_TYPE_OBJECT(X) XF_M_TYPE_PERIOD(X) XF_M_TYPE_TERM(X) \
    XF_M_GOT_STRING(X) XF_M_GOT_VALUE(X) XF_M_GOT_NULL(X) XF_M_GOT_OBJECT(X) XF_M_GOT_ARRAY(X) \
    XF_M_MISSING(X) XF_M_MISSING_NULL(X) XF_M_UNKNOWN_FIELD(X) XF_M_UNKNOWN_SECTION(X) \
    XF_M_RANGE_COUNT(X) XF_M_RANGE_COUNT_REAL(X) XF_M_RANGE_NUMBER(X) XF_M_MONEY_DECIMALS(X) \
    XF_M_GRADE_KEY(X) XF_M_GRADE_SUM(X) XF_M_TOTAL_MISMATCH(X) \
    XF_M_SCHEMA_UNKNOWN(X) XF_M_SCHOOL_CODE_FORMAT(X) XF_M_DISTRICT_CODE_FORMAT(X) \
    XF_M_ACADEMIC_YEAR_INVALID(X) XF_M_TERM_INVALID(X) XF_M_PERIOD_INVALID(X) \
    XF_M_PERIOD_FORM(X) XF_M_PERIOD_YEAR_FORM(X) XF_M_PERIOD_YEAR_RANGE(X) \
    XF_M_PERIOD_YEAR_SEQUENCE(X) XF_M_PERIOD_TERM(X) \
    XF_M_SUBMITTED_AT_LONG(X) XF_M_SUBMITTED_AT_FORMAT(X) XF_M_FUTURE(X) \
    XF_M_UNKNOWN_SCHOOL(X) XF_M_INACTIVE_SCHOOL(X) XF_M_DISTRICT_MISMATCH(X) XF_M_NAME_MISMATCH(X) \
    XF_M_CROSS_FULLTIME_DEGREE(X) XF_M_CROSS_CERT_A(X) XF_M_CROSS_PARTTIME_3YR_HEAD(X) \
    XF_M_CROSS_CERT_B(X) XF_M_CROSS_CERT_C(X) XF_M_CROSS_FLAGGED(X) \
    XF_M_CROSS_PSYCH_PARENT_TRAININGS(X) XF_M_CROSS_SCREENED(X) \
    XF_M_NO_CLASSES_ONE(X) XF_M_NO_CLASSES(X) XF_M_ZERO_ENROLLMENT(X) \
    XF_M_BOM(X) XF_M_JSON_NUL(X) XF_M_ENCODING(X) XF_M_JSON_SYNTAX(X) XF_M_NOT_OBJECT(X) \
    XF_M_GZIP(X) XF_M_TOO_LARGE(X) XF_M_TOO_MANY_ISSUES(X) \
    XF_M_CHECK_OK(X) XF_M_CHECK_WARNED(X) XF_M_CHECK_REJECTED(X) XF_M_CHECK_ERROR(X) \
    XF_M_CHECK_WARNING(X) XF_M_CHECK_SCHOOL_TERM(X) XF_M_CHECK_NOT_SHOWN(X) \
    XF_M_CHECK_NOT_INPUT(X) XF_M_CHECK_CANNOT_READ(X) XF_M_CHECK_SUMMARY(X) \
    XF_M_CHECK_NOT_CHECKED(X)

/* clang-format on */

#define XF_MSG_ENUM_(id, code, subject, args, en, zh) XF_MSG_##id,
enum xf_msg_id { XF_MESSAGES(XF_MSG_ENUM_) XF_NMESSAGES };

/* The literal templates of an id, for printf-like calls the compiler checks. */
#define XF_PICK_EN_(id, code, subject, args, en, zh) en
#define XF_PICK_ZH_(id, code, subject, args, en, zh) zh
#define XF_EN(id) XF_M_##id(XF_PICK_EN_)
#define XF_ZH(id) XF_M_##id(XF_PICK_ZH_)
/* The template of an id in a language chosen at run time (both are checked where it is used). */
#define XF_TEXT(lang, id) ((lang) == XF_LANG_EN ? XF_EN(id) : XF_ZH(id))

struct xf_message {
    const char *name; /* the id as text, "TYPE_COUNT" */
    const char *code; /* the issue code, "type"; "" for a part of a message or a word */
    enum xf_subject subject;
    const char *args; /* the conversions of both templates, in order: "lld lld" */
    const char *en;
    const char *zh;
};

/* Every entry, indexed by its id. */
extern const struct xf_message xf_messages[XF_NMESSAGES];

/* "zh" or "en" into *lang. Returns 0, or -1 for anything else (NULL included). */
int xf_lang_parse(const char *text, enum xf_lang *lang);

/* One text in both languages, e.g. a reason that is an argument of another message. */
struct xf_text {
    char en[256];
    char zh[512];
};

/*
 * Formats entry id in lang into out (cap bytes, always terminated; a cut never splits a
 * UTF-8 character) with the arguments its args list names. The compiler cannot check them
 * here: a call site that knows its id should use XF_EN/XF_ZH with a checked printf instead.
 * Returns the length written.
 */
size_t xf_message_format(char *out, size_t cap, enum xf_lang lang, enum xf_msg_id id, ...);

/*
 * The Chinese template of entry id for an issue at path, with the field's label put in front
 * as the formatter does ("学校代码(school_code)为 %s，不在市学校名册中"): for SQL's format(),
 * which takes the same "s" arguments. A '%' of the label is doubled. Returns the length
 * written into out (cap bytes, always terminated), or 0 when it does not fit.
 */
size_t xf_message_template_zh(char *out, size_t cap, enum xf_msg_id id, const char *path);

/*
 * Cuts an incomplete UTF-8 sequence left at the end of s by a truncating snprintf.
 * Never fails.
 */
void xf_utf8_trim_tail(char *s);

#endif
