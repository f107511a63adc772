/* xform_validate.c - checks one school submission against mhe.submission/1 and normalizes it. */
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/buf.h"
#include "common/util.h"
#include "transform/xform.h"
#include "transform/xform_arena.h"
#include "transform/xform_fields.h"
#include "transform/xform_labels.h"

/* At most this many bytes of a school's own text are quoted in one message, so that
 * every message fits struct xf_issue whatever a document carries. */
#define QUOTE_MAX 60
#define QUOTE_BUF (QUOTE_MAX + 4)
/* School names are quoted longer: the database writes the same name_mismatch message
 * uncut, and real names of up to 36 Chinese characters should read the same in both. */
#define NAME_QUOTE_MAX XF_NAME_QUOTE_MAX
#define PATH_KEY_MAX 60
#define MONEY_MAX 1e12
#define HOURS_MAX 168.0
#define RATE_MAX 1.0
#define REAL_MAX 1e6
#define FUTURE_SLACK_SECONDS 86400
#define BEIJING_OFFSET_SECONDS (8 * 3600)
/* The first block of a document's arena, on the stack: a submission of the usual couple of
 * kilobytes needs some 15 KB of it, a larger one takes more blocks from malloc. */
#define ARENA_SPACE (32 * 1024)

/* The keys of the top level that are not sections of xf_fields. */
enum envelope_key {
    KEY_SCHEMA,
    KEY_SCHOOL_CODE,
    KEY_SCHOOL_NAME,
    KEY_DISTRICT_CODE,
    KEY_PERIOD,
    KEY_SUBMITTED_AT,
    KEY_ENROLLMENT,
    KEY_CLASSES,
    NKEYS
};

#define NAME_AND_LEN(s)                                                                            \
    {                                                                                              \
        s, sizeof s - 1                                                                            \
    }

static const struct {
    const char *name;
    size_t len;
} envelope_keys[NKEYS] = {
    NAME_AND_LEN("schema"),        NAME_AND_LEN("school_code"), NAME_AND_LEN("school_name"),
    NAME_AND_LEN("district_code"), NAME_AND_LEN("period"),      NAME_AND_LEN("submitted_at"),
    NAME_AND_LEN("enrollment"),    NAME_AND_LEN("classes"),
};

/*
 * The values of the top level's keys, found in one pass over the object: every key of every
 * submission is looked at once instead of being searched for by name (jansson refuses
 * duplicate keys and keys with NUL, so a key found here is the one json_object_get finds).
 */
struct top_level {
    json_t *envelope[NKEYS];
    json_t *section[XF_NFIELDS]; /* by xf_section_at's number */
    int unknown;                 /* keys that are neither */
};

/* Counts that may not exceed another count of the same section (SUBMISSION.md section 2). */
static const struct cross_rule {
    const char *section;
    const char *name;
    const char *limit;      /* the field it may not exceed */
    const char *limit_plus; /* NULL, or a field added to limit */
    enum xf_msg_id message; /* its entry: arguments "lld lld", the value and the most allowed */
} cross_rules[] = {
    {"staff", "psych_fulltime_degree", "psych_fulltime", NULL, XF_MSG_CROSS_FULLTIME_DEGREE},
    {"staff", "psych_cert_a", "psych_fulltime", "psych_parttime", XF_MSG_CROSS_CERT_A},
    {"staff", "parttime_3yr_head", "psych_parttime", NULL, XF_MSG_CROSS_PARTTIME_3YR_HEAD},
    {"staff", "head_teachers_cert_b", "head_teachers", NULL, XF_MSG_CROSS_CERT_B},
    {"staff", "subject_teachers_cert_c", "subject_teachers", NULL, XF_MSG_CROSS_CERT_C},
    {"screening", "students_flagged", "students_screened", NULL, XF_MSG_CROSS_FLAGGED},
    {"home_school", "psych_parent_trainings", "parent_trainings", NULL,
     XF_MSG_CROSS_PSYCH_PARENT_TRAININGS},
};

#define NCROSS_RULES (sizeof cross_rules / sizeof cross_rules[0])

/* The rules' fields as indices of xf_fields (-1: not in the table), resolved once rather than
 * searched for in every submission. */
static struct {
    int name, limit, limit_plus;
} cross_index[NCROSS_RULES];
static int screened_index;
static pthread_once_t cross_once = PTHREAD_ONCE_INIT;

static void resolve_cross_rules(void)
{
    for (size_t r = 0; r < NCROSS_RULES; r++) {
        cross_index[r].name = xf_field_find(cross_rules[r].section, cross_rules[r].name);
        cross_index[r].limit = xf_field_find(cross_rules[r].section, cross_rules[r].limit);
        cross_index[r].limit_plus =
            cross_rules[r].limit_plus != NULL
                ? xf_field_find(cross_rules[r].section, cross_rules[r].limit_plus)
                : -1;
    }
    screened_index = xf_field_find("screening", "students_screened");
}

/* One of enrollment.by_grade, classes.by_grade, curriculum.lessons_by_grade once read. */
struct grade_map {
    int64_t *values; /* XF_GRADES, in the submission */
    bool *set;       /* XF_GRADES, in the submission */
    bool bad[XF_GRADES];
    bool present; /* the map is an object */
    bool all_ok;  /* present, and every key and value is valid */
    int64_t sum;
};

struct check {
    struct xf_result *res;
    bool oom;
};

/*
 * Copies len bytes of s into out (at least limit + 4 bytes) for use in a message:
 * control characters and bytes that are not UTF-8 are escaped, and the copy stops
 * before limit output bytes with "..." marking the cut. The result is valid UTF-8
 * without control characters, so it is safe for a log line and a PostgreSQL text column.
 */
void xf_quote_text(char *out, size_t limit, const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t o = 0;
    size_t i = 0;
    while (i < len) {
        char piece[8];
        size_t plen;
        size_t step = buf_utf8_sequence(u + i, len - i);
        if (step == 1 && u[i] >= 0x20 && u[i] != 0x7f) {
            piece[0] = s[i];
            plen = 1;
        } else if (step == 1 && u[i] == '\n') {
            memcpy(piece, "\\n", 2);
            plen = 2;
        } else if (step == 1 && u[i] == '\t') {
            memcpy(piece, "\\t", 2);
            plen = 2;
        } else if (step == 1 && u[i] == '\r') {
            memcpy(piece, "\\r", 2);
            plen = 2;
        } else if (step <= 1) {
            snprintf(piece, sizeof piece, "\\x%02x", u[i]);
            plen = 4;
            step = 1;
        } else if (step == 2 && u[i] == 0xc2 && u[i + 1] < 0xa0) {
            /* C1 control characters (U+0080..U+009F) are as unprintable as C0 */
            snprintf(piece, sizeof piece, "\\u%04x", u[i + 1]);
            plen = 6;
        } else {
            memcpy(piece, s + i, step);
            plen = step;
        }
        if (o + plen > limit) {
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        memcpy(out + o, piece, plen);
        o += plen;
        i += step;
    }
    out[o] = '\0';
}

/*
 * Takes the next issue of res, its severity, code and path set and its texts empty. Returns
 * it; NULL with *oom false when XF_MAX_ISSUES are kept already (the issue is still counted,
 * so that a dropped reason keeps the document rejected); NULL with *oom true when memory ran out.
 */
static struct xf_issue *new_issue(struct xf_result *res, enum xf_severity sev, const char *code,
                                  const char *path, bool *oom)
{
    *oom = false;
    if (res->nissues >= XF_MAX_ISSUES) {
        res->truncated = true;
        if (sev == XF_REJECT)
            res->nrejects++;
        else
            res->nwarnings++;
        return NULL;
    }
    if (res->nissues == res->cap) {
        int cap = res->cap == 0 ? 16 : res->cap * 2;
        if (cap > XF_MAX_ISSUES)
            cap = XF_MAX_ISSUES;
        struct xf_issue *issues = realloc(res->issues, (size_t)cap * sizeof *issues);
        if (issues == NULL) {
            *oom = true;
            return NULL;
        }
        res->issues = issues;
        res->cap = cap;
    }
    struct xf_issue *is = &res->issues[res->nissues];
    memset(is, 0, sizeof *is);
    is->severity = sev;
    util_strlcpy(is->code, code != NULL ? code : "", sizeof is->code);
    if (util_strlcpy(is->path, path != NULL ? path : "", sizeof is->path) != 0)
        xf_utf8_trim_tail(is->path);
    res->nissues++;
    if (sev == XF_REJECT)
        res->nrejects++;
    else
        res->nwarnings++;
    return is;
}

/* vsnprintf into out (cap bytes) that never leaves half a UTF-8 character at a cut. */
static void text_vformat(char *out, size_t cap, const char *fmt, va_list ap)
{
    int n = vsnprintf(out, cap, fmt, ap);
    if (n < 0)
        out[0] = '\0';
    else if ((size_t)n >= cap)
        xf_utf8_trim_tail(out);
}

/* The same with arguments: for templates the caller has checked (see ISSUE_GOT). */
static void text_format(char *out, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    text_vformat(out, cap, fmt, ap);
    va_end(ap);
}

/* The Chinese text of an issue of entry id: the field named as its subject, then zh_fmt. */
static void zh_vformat(struct xf_issue *is, enum xf_msg_id id, const char *zh_fmt, va_list ap)
{
    size_t n = 0;
    enum xf_subject subject = xf_messages[id].subject;
    if (subject != XF_SUBJECT_NONE)
        n = xf_label_subject(is->message_zh, sizeof is->message_zh, is->path,
                             subject == XF_SUBJECT_SECTION ? "栏目" : "字段");
    text_vformat(is->message_zh + n, sizeof is->message_zh - n, zh_fmt, ap);
}

int xf_result_add(struct xf_result *res, enum xf_severity sev, const char *code, const char *path,
                  const char *fmt, ...)
{
    bool oom;
    struct xf_issue *is = new_issue(res, sev, code, path, &oom);
    if (is == NULL)
        return oom ? -1 : 0;
    va_list ap;
    va_start(ap, fmt);
    text_vformat(is->message, sizeof is->message, fmt, ap);
    va_end(ap);
    return 0;
}

void xf_result_clear(struct xf_result *res)
{
    if (res == NULL)
        return;
    free(res->issues);
    memset(res, 0, sizeof *res);
}

void xf_submission_clear(struct xf_submission *sub)
{
    if (sub == NULL)
        return;
    free(sub->school_name);
    memset(sub, 0, sizeof *sub);
}

/*
 * Records an issue of catalogue entry id at path, its English text from en_fmt and its Chinese
 * one from zh_fmt, which are the entry's own (ISSUE passes XF_EN(id) and XF_ZH(id), so that
 * the compiler checks the arguments against both).
 */
static void issue_msg(struct check *c, enum xf_severity sev, const char *path, enum xf_msg_id id,
                      const char *en_fmt, const char *zh_fmt, ...)
    __attribute__((format(printf, 5, 7), format(printf, 6, 7)));

static void issue_msg(struct check *c, enum xf_severity sev, const char *path, enum xf_msg_id id,
                      const char *en_fmt, const char *zh_fmt, ...)
{
    bool oom;
    struct xf_issue *is = new_issue(c->res, sev, xf_messages[id].code, path, &oom);
    if (is == NULL) {
        c->oom = c->oom || oom;
        return;
    }
    va_list ap;
    va_start(ap, zh_fmt);
    text_vformat(is->message, sizeof is->message, en_fmt, ap);
    va_end(ap);
    va_start(ap, zh_fmt);
    zh_vformat(is, id, zh_fmt, ap);
    va_end(ap);
}

#define ISSUE(c, sev, path, id, ...)                                                               \
    issue_msg(c, sev, path, XF_MSG_##id, XF_EN(id), XF_ZH(id), __VA_ARGS__)
#define ISSUE0(c, sev, path, id) issue_msg(c, sev, path, XF_MSG_##id, XF_EN(id), XF_ZH(id))

/*
 * Records an issue of entry id whose last argument is a text that differs by language (what
 * was sent, a period's reason); quoted, when not NULL, comes before it in both. The macros
 * check the entry's templates against those string arguments.
 */
static void issue_text(struct check *c, enum xf_severity sev, const char *path, enum xf_msg_id id,
                       const char *quoted, const struct xf_text *arg)
{
    bool oom;
    struct xf_issue *is = new_issue(c->res, sev, xf_messages[id].code, path, &oom);
    if (is == NULL) {
        c->oom = c->oom || oom;
        return;
    }
    const struct xf_message *m = &xf_messages[id];
    size_t n = 0;
    if (m->subject != XF_SUBJECT_NONE)
        n = xf_label_subject(is->message_zh, sizeof is->message_zh, path,
                             m->subject == XF_SUBJECT_SECTION ? "栏目" : "字段");
    if (quoted != NULL) {
        text_format(is->message, sizeof is->message, m->en, quoted, arg->en);
        text_format(is->message_zh + n, sizeof is->message_zh - n, m->zh, quoted, arg->zh);
    } else {
        text_format(is->message, sizeof is->message, m->en, arg->en);
        text_format(is->message_zh + n, sizeof is->message_zh - n, m->zh, arg->zh);
    }
}

#define ISSUE_GOT(c, path, id, got)                                                                \
    ((void)sizeof(snprintf(NULL, 0, XF_EN(id), "") + snprintf(NULL, 0, XF_ZH(id), "")),            \
     issue_text(c, XF_REJECT, path, XF_MSG_##id, NULL, got))
#define ISSUE_BECAUSE(c, path, id, quoted, why)                                                    \
    ((void)sizeof(snprintf(NULL, 0, XF_EN(id), "", "") + snprintf(NULL, 0, XF_ZH(id), "", "")),    \
     issue_text(c, XF_REJECT, path, XF_MSG_##id, quoted, why))

/* Both texts of a part of a message: entry id with its checked arguments. */
#define TEXT(out, id, ...)                                                                         \
    do {                                                                                           \
        snprintf((out)->en, sizeof(out)->en, XF_EN(id), __VA_ARGS__);                              \
        snprintf((out)->zh, sizeof(out)->zh, XF_ZH(id), __VA_ARGS__);                              \
    } while (0)
#define TEXT0(out, id)                                                                             \
    do {                                                                                           \
        snprintf((out)->en, sizeof(out)->en, "%s", XF_EN(id));                                     \
        snprintf((out)->zh, sizeof(out)->zh, "%s", XF_ZH(id));                                     \
    } while (0)

/* "section.key" with the key made printable and cut short; out has room for 96 bytes. */
static void make_path(char out[96], const char *prefix, const char *key)
{
    char safe[PATH_KEY_MAX + 4];
    /* every input byte gives at least one output byte: no need to measure a 1 MB key */
    xf_quote_text(safe, PATH_KEY_MAX, key, strnlen(key, PATH_KEY_MAX + 1));
    snprintf(out, 96, "%s%s%s", prefix, prefix[0] != '\0' ? "." : "", safe);
}

/* Shortest text that reads back as d ("2.5", not "2.50000000000000000"). */
static void format_real(char *out, size_t cap, double d)
{
    snprintf(out, cap, "%.15g", d);
    if (strtod(out, NULL) != d)
        snprintf(out, cap, "%.17g", d);
}

/* Describes a JSON value for "got ..." in both languages: string "18", 2.5, true, an object. */
static void describe(struct xf_text *got, const json_t *v)
{
    char q[QUOTE_BUF];
    char number[64];
    switch (json_typeof(v)) {
    case JSON_STRING:
        xf_quote_text(q, QUOTE_MAX, json_string_value(v), json_string_length(v));
        TEXT(got, GOT_STRING, q);
        break;
    case JSON_INTEGER:
        snprintf(number, sizeof number, "%lld", (long long)json_integer_value(v));
        TEXT(got, GOT_VALUE, number);
        break;
    case JSON_REAL:
        format_real(number, sizeof number, json_real_value(v));
        TEXT(got, GOT_VALUE, number);
        break;
    case JSON_TRUE:
        TEXT(got, GOT_VALUE, "true");
        break;
    case JSON_FALSE:
        TEXT(got, GOT_VALUE, "false");
        break;
    case JSON_OBJECT:
        TEXT0(got, GOT_OBJECT);
        break;
    case JSON_ARRAY:
        TEXT0(got, GOT_ARRAY);
        break;
    default:
        TEXT0(got, GOT_NULL);
        break;
    }
}

/* A value of the wrong type at path; id is the TYPE_* entry of what was expected. */
#define TYPE_ERROR(c, path, id, v)                                                                 \
    do {                                                                                           \
        struct xf_text got_;                                                                       \
        describe(&got_, v);                                                                        \
        ISSUE_GOT(c, path, id, &got_);                                                             \
    } while (0)

static void missing(struct check *c, const char *path, const json_t *v)
{
    if (v == NULL)
        ISSUE0(c, XF_REJECT, path, MISSING);
    else
        ISSUE0(c, XF_REJECT, path, MISSING_NULL);
}

static void unknown_field(struct check *c, const char *prefix, const char *key, const json_t *v)
{
    char path[96];
    make_path(path, prefix, key);
    if (prefix[0] == '\0' && json_is_object(v))
        ISSUE0(c, XF_WARNING, path, UNKNOWN_SECTION);
    else
        ISSUE0(c, XF_WARNING, path, UNKNOWN_FIELD);
}

/* A JSON integer, or a real without a fraction within the range of int64_t. */
static bool exact_integer(const json_t *v, int64_t *out)
{
    if (json_is_integer(v)) {
        *out = (int64_t)json_integer_value(v);
        return true;
    }
    if (json_is_real(v)) {
        double d = json_real_value(v);
        if (d == floor(d) && d >= -9.0e18 && d <= 9.0e18) {
            *out = (int64_t)d;
            return true;
        }
    }
    return false;
}

/* What check_count decides for a value that needs no reason (null, or an integer in range),
 * without a path: true with *out and *set filled; false when check_count must look. */
static bool count_without_reason(const json_t *v, int64_t *out, bool *set)
{
    if (json_is_null(v)) {
        *set = false;
        return true;
    }
    if (!json_is_integer(v))
        return false;
    json_int_t n = json_integer_value(v);
    if (n < 0 || n > XF_COUNT_MAX)
        return false;
    *out = (int64_t)n;
    *set = true;
    return true;
}

/* Validates a count at path; JSON null leaves *set false. False after recording a reason. */
static bool check_count(struct check *c, const char *path, const json_t *v, int64_t *out, bool *set)
{
    *set = false;
    if (json_is_null(v))
        return true;
    int64_t n;
    if (exact_integer(v, &n)) {
        if (n < 0) {
            TYPE_ERROR(c, path, TYPE_COUNT, v);
            return false;
        }
        if (n > XF_COUNT_MAX) {
            ISSUE(c, XF_REJECT, path, RANGE_COUNT, (long long)n, XF_COUNT_MAX);
            return false;
        }
        *out = n;
        *set = true;
        return true;
    }
    if (json_is_real(v) && json_real_value(v) > 0 &&
        json_real_value(v) == floor(json_real_value(v))) {
        char got[64];
        format_real(got, sizeof got, json_real_value(v));
        ISSUE(c, XF_REJECT, path, RANGE_COUNT_REAL, got, XF_COUNT_MAX);
        return false;
    }
    TYPE_ERROR(c, path, TYPE_COUNT, v);
    return false;
}

/* True when d is written with at most two decimals, judged on the nearest double. */
static bool two_decimals(double d)
{
    /* d*100 is within 0.02 of an integer for any amount up to MONEY_MAX that had two
     * decimals, and dividing that integer by 100 gives back the very double strtod made */
    double cents = nearbyint(d * 100.0);
    return cents / 100.0 == d;
}

static double number_max(enum xf_kind kind)
{
    return kind == XF_MONEY   ? MONEY_MAX
           : kind == XF_HOURS ? HOURS_MAX
           : kind == XF_RATE  ? RATE_MAX
                              : REAL_MAX;
}

/* True when check_number accepts the number d of a field of kind without a reason. */
static bool number_without_reason(enum xf_kind kind, double d)
{
    return d >= 0.0 && d <= number_max(kind) && (kind != XF_MONEY || two_decimals(d));
}

static bool check_number(struct check *c, const char *path, enum xf_kind kind, const json_t *v,
                         double *out)
{
    if (!json_is_number(v)) {
        TYPE_ERROR(c, path, TYPE_NUMBER, v);
        return false;
    }
    double d = json_number_value(v);
    double max = number_max(kind);
    bool in_range = d >= 0.0 && d <= max;
    if (in_range && (kind != XF_MONEY || two_decimals(d))) {
        *out = d;
        return true;
    }
    /* the value as sent, written only for a reason: printf of every real was a cost */
    char got[64];
    if (json_is_integer(v))
        snprintf(got, sizeof got, "%lld", (long long)json_integer_value(v));
    else
        format_real(got, sizeof got, d);
    if (!in_range)
        ISSUE(c, XF_REJECT, path, RANGE_NUMBER, got, max);
    else
        ISSUE(c, XF_REJECT, path, MONEY_DECIMALS, got);
    return false;
}

/* "a.b" into out (96 bytes); false, out empty, when it does not fit (never for the table's
 * names). Made without printf, which was a tenth of a worker's time when every field had one. */
static bool join_path(char out[96], const char *a, size_t alen, const char *b, size_t blen)
{
    if (alen + 1 + blen >= 96) {
        out[0] = '\0';
        return false;
    }
    memcpy(out, a, alen);
    out[alen] = '.';
    memcpy(out + alen + 1, b, blen);
    out[alen + 1 + blen] = '\0';
    return true;
}

/* "section.name" of field i of xf_fields (of section sd) into out; false as join_path. */
static bool field_path(char out[96], const struct xf_section *sd, int i)
{
    return join_path(out, sd->name, sd->len, xf_fields[i].name, strlen(xf_fields[i].name));
}

/* Validates field i of xf_fields (of section sd) into out; JSON null is "not reported". The
 * path "section.name" is made only when there is a reason to record. */
static void check_field(struct check *c, const struct xf_section *sd, int i, const json_t *v,
                        struct xf_value *out)
{
    memset(out, 0, sizeof *out);
    if (json_is_null(v))
        return;
    enum xf_kind kind = xf_fields[i].kind;
    char path[96];
    bool ok;
    double d = 0.0;
    int64_t n = 0;
    bool set = false;
    switch (kind) {
    case XF_COUNT:
        ok = count_without_reason(v, &n, &set);
        if (!ok && field_path(path, sd, i))
            ok = check_count(c, path, v, &n, &set);
        if (ok && set) {
            out->set = true;
            out->integer = n;
            out->number = (double)n;
        }
        break;
    case XF_BOOL:
        n = -1;
        if (json_is_boolean(v))
            n = json_is_true(v) ? 1 : 0;
        else if (!exact_integer(v, &n) || (n != 0 && n != 1))
            n = -1;
        if (n < 0) {
            if (field_path(path, sd, i))
                TYPE_ERROR(c, path, TYPE_BOOL, v);
            return;
        }
        out->set = true;
        out->integer = n;
        out->number = (double)n;
        break;
    default:
        /* check_number records a reason only when it fails: the path is made for it alone */
        if (json_is_number(v) && number_without_reason(kind, json_number_value(v))) {
            d = json_number_value(v);
            ok = true;
        } else {
            ok = field_path(path, sd, i) && check_number(c, path, kind, v, &d);
        }
        if (ok) {
            out->set = true;
            out->number = d;
            out->integer = (int64_t)d;
        }
        break;
    }
}

/* Grade keys are exactly "1".."12"; returns the grade or 0. */
static int grade_of(const char *key)
{
    if (key[0] >= '1' && key[0] <= '9' && key[1] == '\0')
        return key[0] - '0';
    if (key[0] == '1' && key[1] >= '0' && key[1] <= '2' && key[2] == '\0')
        return 10 + (key[1] - '0');
    return 0;
}

/* Reads a grade -> count object at path (already known to be an object). */
static void check_grade_map(struct check *c, const char *path, json_t *obj, struct grade_map *m)
{
    m->present = true;
    m->all_ok = true;
    m->sum = 0;
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        /* the path of a key is made only for a reason */
        char vpath[96];
        int grade = grade_of(key);
        if (grade == 0) {
            make_path(vpath, path, key);
            ISSUE0(c, XF_REJECT, vpath, GRADE_KEY);
            m->all_ok = false;
            continue;
        }
        int64_t n = 0;
        bool set = false;
        if (!count_without_reason(v, &n, &set)) {
            make_path(vpath, path, key);
            if (!check_count(c, vpath, v, &n, &set)) {
                m->bad[grade - 1] = true;
                m->all_ok = false;
                continue;
            }
        }
        m->values[grade - 1] = set ? n : 0;
        m->set[grade - 1] = set;
        m->sum += set ? n : 0;
    }
    if (m->all_ok && m->sum > XF_COUNT_MAX) {
        ISSUE(c, XF_REJECT, path, GRADE_SUM, (long long)m->sum, XF_COUNT_MAX);
        m->all_ok = false;
    }
}

/* Whether key (len bytes) is the literal word. */
#define KEY_IS(key, len, word) ((len) == sizeof word - 1 && memcmp(key, word, sizeof word - 1) == 0)

/* enrollment or classes (sec, the top level's value of name or NULL):
 * {"by_grade": {...}, "total": n}; by_grade is required. */
static void check_grade_section(struct check *c, json_t *sec, const char *name, struct grade_map *m)
{
    char path[96];
    join_path(path, name, strlen(name), "by_grade", strlen("by_grade"));
    if (sec == NULL || json_is_null(sec)) {
        missing(c, path, NULL);
        return;
    }
    if (!json_is_object(sec)) {
        TYPE_ERROR(c, name, TYPE_OBJECT, sec);
        return;
    }
    json_t *map = NULL;
    json_t *total = NULL;
    int unknown = 0;
    const char *key;
    json_t *v;
    json_object_foreach(sec, key, v)
    {
        size_t len = strlen(key);
        if (KEY_IS(key, len, "by_grade"))
            map = v;
        else if (KEY_IS(key, len, "total"))
            total = v;
        else
            unknown++;
    }
    if (map == NULL || json_is_null(map))
        missing(c, path, map);
    else if (!json_is_object(map))
        TYPE_ERROR(c, path, TYPE_OBJECT, map);
    else
        check_grade_map(c, path, map, m);

    if (total != NULL) {
        char tpath[96];
        join_path(tpath, name, strlen(name), "total", strlen("total"));
        int64_t n = 0;
        bool set = false;
        if (check_count(c, tpath, total, &n, &set) && set && m->all_ok && n != m->sum)
            ISSUE(c, XF_REJECT, tpath, TOTAL_MISMATCH, (long long)n, (long long)m->sum);
    }
    if (unknown == 0)
        return;
    json_object_foreach(sec, key, v)
    {
        if (strcmp(key, "by_grade") != 0 && strcmp(key, "total") != 0)
            unknown_field(c, name, key, v);
    }
}

static bool only_digits(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
    }
    return true;
}

/* Trims ASCII spaces around s (len bytes) in place of the pointers. */
static void trim_spaces(const char **s, size_t *len)
{
    while (*len > 0 && (*s)[0] == ' ') {
        (*s)++;
        (*len)--;
    }
    while (*len > 0 && (*s)[*len - 1] == ' ')
        (*len)--;
}

static void check_schema(struct check *c, json_t *v)
{
    if (v == NULL || json_is_null(v)) {
        missing(c, "schema", v);
    } else if (!json_is_string(v)) {
        TYPE_ERROR(c, "schema", TYPE_STRING, v);
    } else if (json_string_length(v) != strlen(XF_SCHEMA) ||
               strcmp(json_string_value(v), XF_SCHEMA) != 0) {
        char q[QUOTE_BUF];
        xf_quote_text(q, QUOTE_MAX, json_string_value(v), json_string_length(v));
        ISSUE(c, XF_REJECT, "schema", SCHEMA_UNKNOWN, q);
    }
}

static void check_school_code(struct check *c, json_t *v, struct xf_submission *sub)
{
    if (v == NULL || json_is_null(v)) {
        missing(c, "school_code", v);
        return;
    }
    if (!json_is_string(v)) {
        TYPE_ERROR(c, "school_code", TYPE_STRING, v);
        return;
    }
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    trim_spaces(&s, &len);
    if (len != XF_SCHOOL_CODE_LEN || !only_digits(s, len)) {
        char q[QUOTE_BUF];
        xf_quote_text(q, QUOTE_MAX, json_string_value(v), json_string_length(v));
        ISSUE(c, XF_REJECT, "school_code", SCHOOL_CODE_FORMAT, q);
        return;
    }
    memcpy(sub->school_code, s, len);
    sub->school_code[len] = '\0';
}

static void check_school_name(struct check *c, json_t *v, struct xf_submission *sub)
{
    if (v == NULL || json_is_null(v))
        return;
    if (!json_is_string(v)) {
        TYPE_ERROR(c, "school_name", TYPE_STRING, v);
        return;
    }
    sub->school_name = strdup(json_string_value(v));
    if (sub->school_name == NULL)
        c->oom = true;
}

static void check_district_code(struct check *c, json_t *v, struct xf_submission *sub)
{
    if (v == NULL || json_is_null(v))
        return;
    if (!json_is_string(v)) {
        TYPE_ERROR(c, "district_code", TYPE_STRING, v);
        return;
    }
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    trim_spaces(&s, &len);
    if (len != XF_DISTRICT_CODE_LEN || !only_digits(s, len)) {
        char q[QUOTE_BUF];
        xf_quote_text(q, QUOTE_MAX, json_string_value(v), json_string_length(v));
        ISSUE(c, XF_WARNING, "district_code", DISTRICT_CODE_FORMAT, q);
        return;
    }
    memcpy(sub->district_code, s, len);
    sub->district_code[len] = '\0';
}

static void set_period(struct xf_submission *sub, const char *canonical)
{
    memcpy(sub->period, canonical, XF_PERIOD_LEN + 1);
    sub->academic_year = (canonical[0] - '0') * 1000 + (canonical[1] - '0') * 100 +
                         (canonical[2] - '0') * 10 + (canonical[3] - '0');
    sub->term = canonical[10] - '0';
}

/* {"academic_year": "2024-2025", "term": 1} */
static void check_period_object(struct check *c, json_t *obj, struct xf_submission *sub)
{
    struct xf_text why;
    char out[XF_PERIOD_LEN + 1];
    json_t *year = json_object_get(obj, "academic_year");
    json_t *term = json_object_get(obj, "term");
    bool year_ok = false;
    bool term_ok = false;
    int64_t t = 0;

    if (year == NULL || json_is_null(year)) {
        missing(c, "period.academic_year", year);
    } else if (!json_is_string(year)) {
        TYPE_ERROR(c, "period.academic_year", TYPE_STRING, year);
    } else if (xf_period_from_parts_text(json_string_value(year), 1, out, &why) != 0) {
        char q[QUOTE_BUF];
        xf_quote_text(q, QUOTE_MAX, json_string_value(year), json_string_length(year));
        ISSUE_BECAUSE(c, "period.academic_year", ACADEMIC_YEAR_INVALID, q, &why);
    } else {
        year_ok = true;
    }

    if (term == NULL || json_is_null(term)) {
        missing(c, "period.term", term);
    } else if (!exact_integer(term, &t)) {
        TYPE_ERROR(c, "period.term", TYPE_TERM, term);
    } else if (t != 1 && t != 2) {
        ISSUE(c, XF_REJECT, "period.term", TERM_INVALID, (long long)t);
    } else {
        term_ok = true;
    }

    if (year_ok && term_ok && xf_period_from_parts_text(json_string_value(year), t, out, NULL) == 0)
        set_period(sub, out);

    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        if (strcmp(key, "academic_year") != 0 && strcmp(key, "term") != 0)
            unknown_field(c, "period", key, v);
    }
}

static void check_period(struct check *c, json_t *v, struct xf_submission *sub)
{
    if (v == NULL || json_is_null(v)) {
        missing(c, "period", v);
    } else if (json_is_object(v)) {
        check_period_object(c, v, sub);
    } else if (!json_is_string(v)) {
        TYPE_ERROR(c, "period", TYPE_PERIOD, v);
    } else {
        struct xf_text why;
        char out[XF_PERIOD_LEN + 1];
        if (xf_period_parse_text(json_string_value(v), out, &why) == 0) {
            set_period(sub, out);
        } else {
            char q[QUOTE_BUF];
            xf_quote_text(q, QUOTE_MAX, json_string_value(v), json_string_length(v));
            ISSUE_BECAUSE(c, "period", PERIOD_INVALID, q, &why);
        }
    }
}

static void check_submitted_at(struct check *c, json_t *v, int64_t now, struct xf_submission *sub)
{
    if (v == NULL || json_is_null(v)) {
        missing(c, "submitted_at", v);
        return;
    }
    if (!json_is_string(v)) {
        TYPE_ERROR(c, "submitted_at", TYPE_STRING, v);
        return;
    }
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    char q[QUOTE_BUF];
    xf_quote_text(q, QUOTE_MAX, s, len);
    if (len >= sizeof sub->submitted_at) {
        ISSUE(c, XF_REJECT, "submitted_at", SUBMITTED_AT_LONG, q, len);
        return;
    }
    int64_t epoch;
    if (util_parse_rfc3339(s, &epoch) != 0) {
        ISSUE(c, XF_REJECT, "submitted_at", SUBMITTED_AT_FORMAT, q);
        return;
    }
    memcpy(sub->submitted_at, s, len + 1);
    sub->submitted_epoch = epoch;
    if (epoch > now + FUTURE_SLACK_SECONDS) {
        /* the run's time in the bureau's zone, as schools write theirs */
        char run[40] = "";
        time_t local = (time_t)(now + BEIJING_OFFSET_SECONDS);
        struct tm tm;
        if (gmtime_r(&local, &tm) != NULL)
            strftime(run, sizeof run, "%Y-%m-%dT%H:%M:%S+08:00", &tm);
        ISSUE(c, XF_REJECT, "submitted_at", FUTURE, s, run);
    }
}

static void check_registry(struct check *c, const struct xf_registry *registry,
                           const struct xf_submission *sub)
{
    const struct xf_school *school = xf_registry_find(registry, sub->school_code);
    if (school == NULL) {
        ISSUE(c, XF_REJECT, "school_code", UNKNOWN_SCHOOL, sub->school_code);
        return;
    }
    if (!school->active)
        ISSUE(c, XF_WARNING, "school_code", INACTIVE_SCHOOL, sub->school_code);
    if (sub->district_code[0] != '\0' && strcmp(sub->district_code, school->district_code) != 0)
        ISSUE(c, XF_WARNING, "district_code", DISTRICT_MISMATCH, sub->district_code,
              school->district_code);
    if (sub->school_name != NULL && school->school_name != NULL &&
        strcmp(sub->school_name, school->school_name) != 0) {
        char sent[NAME_QUOTE_MAX + 4];
        char known[NAME_QUOTE_MAX + 4];
        xf_quote_text(sent, NAME_QUOTE_MAX, sub->school_name, strlen(sub->school_name));
        xf_quote_text(known, NAME_QUOTE_MAX, school->school_name, strlen(school->school_name));
        ISSUE(c, XF_WARNING, "school_name", NAME_MISMATCH, sent, known);
    }
}

/* Every section of xf_fields (they are contiguous in the table), in table order: the fields
 * in table order, then curriculum.lessons_by_grade, then unknown keys in the order sent. */
static void check_sections(struct check *c, const struct top_level *top, struct xf_submission *sub,
                           struct grade_map *lessons)
{
    int nsections = xf_section_count();
    for (int s = 0; s < nsections; s++) {
        const struct xf_section *sd = xf_section_at(s);
        json_t *sec = top->section[s];
        if (sec == NULL || json_is_null(sec))
            continue;
        if (!json_is_object(sec)) {
            TYPE_ERROR(c, sd->name, TYPE_OBJECT, sec);
            continue;
        }
        bool curriculum = KEY_IS(sd->name, sd->len, "curriculum");
        /* one pass over the keys sent instead of a search for every field (duplicate keys
         * and keys with NUL are refused by the parser: a key found is json_object_get's) */
        json_t *field[XF_NFIELDS];
        for (int i = sd->first; i < sd->end; i++)
            field[i - sd->first] = NULL;
        json_t *map = NULL;
        int unknown = 0;
        int previous = -1;
        const char *key;
        json_t *v;
        json_object_foreach(sec, key, v)
        {
            int i = xf_section_field_after(s, key, previous);
            if (i >= 0)
                field[i - sd->first] = v;
            else if (curriculum && strcmp(key, "lessons_by_grade") == 0)
                map = v;
            else
                unknown++;
            previous = i;
        }
        for (int i = sd->first; i < sd->end; i++) {
            if (field[i - sd->first] != NULL)
                check_field(c, sd, i, field[i - sd->first], &sub->values[i]);
        }
        if (curriculum) {
            if (map != NULL && !json_is_null(map) && !json_is_object(map)) {
                TYPE_ERROR(c, "curriculum.lessons_by_grade", TYPE_OBJECT, map);
            } else if (map != NULL && json_is_object(map)) {
                check_grade_map(c, "curriculum.lessons_by_grade", map, lessons);
                sub->lessons_reported = true;
            }
        }
        if (unknown == 0)
            continue;
        json_object_foreach(sec, key, v)
        {
            size_t len = strlen(key);
            if (xf_section_field(s, key, len) < 0 &&
                !(curriculum && KEY_IS(key, len, "lessons_by_grade")))
                unknown_field(c, sd->name, key, v);
        }
    }
}

static const struct xf_value *value_of(const struct xf_submission *sub, int i)
{
    return i >= 0 && sub->values[i].set ? &sub->values[i] : NULL;
}

/* A rejection of a cross-field rule: entry id (one of cross_rules) with the value and the most
 * it may be, in the templates the unit test holds to "lld lld". */
static void issue_counts(struct check *c, const char *path, enum xf_msg_id id, long long value,
                         long long max)
{
    bool oom;
    struct xf_issue *is = new_issue(c->res, XF_REJECT, xf_messages[id].code, path, &oom);
    if (is == NULL) {
        c->oom = c->oom || oom;
        return;
    }
    size_t n = xf_label_subject(is->message_zh, sizeof is->message_zh, path, "字段");
    text_format(is->message, sizeof is->message, xf_messages[id].en, value, max);
    text_format(is->message_zh + n, sizeof is->message_zh - n, xf_messages[id].zh, value, max);
}

static void check_cross_fields(struct check *c, const struct xf_submission *sub,
                               const struct grade_map *enrolled)
{
    pthread_once(&cross_once, resolve_cross_rules);
    for (size_t r = 0; r < NCROSS_RULES; r++) {
        const struct cross_rule *rule = &cross_rules[r];
        const struct xf_value *v = value_of(sub, cross_index[r].name);
        const struct xf_value *limit = value_of(sub, cross_index[r].limit);
        const struct xf_value *plus =
            rule->limit_plus != NULL ? value_of(sub, cross_index[r].limit_plus) : NULL;
        if (v == NULL || limit == NULL || (rule->limit_plus != NULL && plus == NULL))
            continue;
        int64_t max = limit->integer + (plus != NULL ? plus->integer : 0);
        if (v->integer <= max)
            continue;
        char path[96];
        snprintf(path, sizeof path, "%s.%s", rule->section, rule->name);
        issue_counts(c, path, rule->message, (long long)v->integer, (long long)max);
    }

    const struct xf_value *screened = value_of(sub, screened_index);
    if (screened != NULL && enrolled->all_ok) {
        int64_t e4 = 0;
        for (int g = 4; g <= XF_GRADES; g++)
            e4 += sub->enrolled[g - 1];
        if (screened->integer > e4)
            ISSUE(c, XF_REJECT, "screening.students_screened", CROSS_SCREENED,
                  (long long)screened->integer, (long long)e4);
    }
}

/* A grade with students needs a class; checked where both maps could be read. */
static void check_classes(struct check *c, const struct xf_submission *sub,
                          const struct grade_map *enrolled, const struct grade_map *classes)
{
    if (!enrolled->present || !classes->present)
        return;
    for (int g = 0; g < XF_GRADES; g++) {
        if (enrolled->bad[g] || classes->bad[g] || !sub->enrolled_set[g] || sub->enrolled[g] <= 0)
            continue;
        if (sub->classes_set[g] && sub->classes[g] >= 1)
            continue;
        char path[96];
        snprintf(path, sizeof path, "classes.by_grade.%d", g + 1);
        if (sub->enrolled[g] == 1)
            ISSUE(c, XF_REJECT, path, NO_CLASSES_ONE, g + 1, (long long)sub->enrolled[g]);
        else
            ISSUE(c, XF_REJECT, path, NO_CLASSES, g + 1, (long long)sub->enrolled[g]);
    }
}

/* Which key of the top level key (len bytes) is: an envelope_key, NKEYS + the number of a
 * section, or -1 when it is neither. */
static int top_level_key(const char *key, size_t len)
{
    for (int k = 0; k < NKEYS; k++) {
        if (envelope_keys[k].len == len && memcmp(envelope_keys[k].name, key, len) == 0)
            return k;
    }
    int s = xf_section_find(key, len);
    return s < 0 ? -1 : NKEYS + s;
}

/* The name of top-level key k (as top_level_key numbers them), or NULL past the last. */
static const char *top_level_name(int k)
{
    if (k < NKEYS)
        return envelope_keys[k].name;
    return k - NKEYS < xf_section_count() ? xf_section_at(k - NKEYS)->name : NULL;
}

static void read_top_level(json_t *root, struct top_level *top)
{
    memset(top, 0, sizeof *top);
    int previous = -1;
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v)
    {
        /* schools send the keys in the order of the format: the one after the last found is
         * tried first, one comparison for most keys */
        const char *next = top_level_name(previous + 1);
        int k =
            next != NULL && strcmp(next, key) == 0 ? previous + 1 : top_level_key(key, strlen(key));
        if (k < 0)
            top->unknown++;
        else if (k < NKEYS)
            top->envelope[k] = v;
        else
            top->section[k - NKEYS] = v;
        previous = k;
    }
}

static int outcome(const struct check *c)
{
    if (c->oom)
        return -1;
    return c->res->nrejects > 0 ? 1 : 0;
}

/* Parses doc and checks the document: xf_validate's result. Every value is released before
 * it returns. */
static int check_document(struct check *c, const char *doc, size_t doclen,
                          const struct xf_registry *registry, int64_t now,
                          struct xf_submission *sub)
{
    json_error_t err;
    json_t *root = json_loadb(doc, doclen, JSON_REJECT_DUPLICATES, &err);
    if (root == NULL) {
        if (json_error_code(&err) == json_error_out_of_memory)
            return -1;
        char text[sizeof err.text + 8];
        xf_quote_text(text, sizeof err.text, err.text, strnlen(err.text, sizeof err.text));
        ISSUE(c, XF_REJECT, "", JSON_SYNTAX, text, err.line, err.column);
        return outcome(c);
    }
    if (!json_is_object(root)) {
        ISSUE0(c, XF_REJECT, "", NOT_OBJECT);
        json_decref(root);
        return outcome(c);
    }

    struct top_level top;
    read_top_level(root, &top);
    check_schema(c, top.envelope[KEY_SCHEMA]);
    check_school_code(c, top.envelope[KEY_SCHOOL_CODE], sub);
    check_school_name(c, top.envelope[KEY_SCHOOL_NAME], sub);
    check_district_code(c, top.envelope[KEY_DISTRICT_CODE], sub);
    check_period(c, top.envelope[KEY_PERIOD], sub);
    check_submitted_at(c, top.envelope[KEY_SUBMITTED_AT], now, sub);
    if (registry != NULL && sub->school_code[0] != '\0')
        check_registry(c, registry, sub);

    struct grade_map enrolled = {.values = sub->enrolled, .set = sub->enrolled_set};
    struct grade_map classes = {.values = sub->classes, .set = sub->classes_set};
    struct grade_map lessons = {.values = sub->lessons, .set = sub->lessons_set};
    check_grade_section(c, top.envelope[KEY_ENROLLMENT], "enrollment", &enrolled);
    check_grade_section(c, top.envelope[KEY_CLASSES], "classes", &classes);
    check_classes(c, sub, &enrolled, &classes);
    if (enrolled.all_ok && enrolled.sum == 0)
        ISSUE0(c, XF_WARNING, "enrollment.by_grade", ZERO_ENROLLMENT);

    check_sections(c, &top, sub, &lessons);
    check_cross_fields(c, sub, &enrolled);

    if (top.unknown > 0) {
        const char *key;
        json_t *v;
        json_object_foreach(root, key, v)
        {
            if (top_level_key(key, strlen(key)) < 0)
                unknown_field(c, "", key, v);
        }
    }
    json_decref(root);
    return outcome(c);
}

int xf_validate(const char *data, size_t len, const struct xf_options *opt,
                struct xf_submission *sub, struct xf_result *res)
{
    memset(sub, 0, sizeof *sub);
    memset(res, 0, sizeof *res);
    struct check c = {res, false};
    const struct xf_registry *registry = opt != NULL ? opt->registry : NULL;
    int64_t now = opt != NULL ? opt->now_epoch : (int64_t)time(NULL);
    if (data == NULL)
        len = 0;

    size_t skipped = 0;
    if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
        skipped = 3;
        ISSUE0(&c, XF_WARNING, "", BOM);
    }
    const char *doc = data != NULL ? data + skipped : "";
    size_t doclen = len - skipped;
    /* jansson stops at a NUL byte with a puzzling "end of file" message: name it */
    const char *nul = memchr(doc, '\0', doclen);
    if (nul != NULL) {
        ISSUE(&c, XF_REJECT, "", JSON_NUL, (size_t)(nul - doc) + skipped);
        return outcome(&c);
    }
    /* a file saved in the encoding of Chinese Windows is one fault, not one per byte */
    if (util_looks_gb18030(doc, doclen)) {
        ISSUE0(&c, XF_REJECT, "", ENCODING);
        return outcome(&c);
    }
    /* the document's values live in one block while it is checked (xform_arena.h): every
     * json_t is released in check_document, and no pointer into one is kept */
    alignas(max_align_t) unsigned char space[ARENA_SPACE];
    struct xf_arena arena;
    xf_arena_begin(&arena, space, sizeof space);
    int rc = check_document(&c, doc, doclen, registry, now, sub);
    xf_arena_end(&arena);
    return rc;
}
