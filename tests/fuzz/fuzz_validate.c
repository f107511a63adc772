/* fuzz_validate.c - libFuzzer harness: xf_validate on any bytes, with and without a registry. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "transform/xform.h"
#include "tests/fuzz/fuzz_utf8.h"

/* The spec examples' registry: an active school in each district, one inactive. */
static const char registry_csv[] =
    "school_code,school_name,district_code,district_name,school_type,active\n"
    "3201020001,玄武区示范小学,320102,玄武区,primary,true\n"
    "3201020002,玄武区第二中学,320102,玄武区,junior,true\n"
    "3201040001,秦淮区实验学校,320104,秦淮区,nine_year,true\n"
    "3201040002,秦淮区特殊教育学校,320104,秦淮区,special,true\n"
    "3201050001,建邺区高级中学,320105,建邺区,senior,false\n";

/* A fixed run time (2025-01-20T10:00:00+08:00), so that a crash reproduces on any day. */
#define NOW_EPOCH 1737338400LL

static const char *const known_codes[] = {"json",           "encoding",        "schema",
                                          "missing",        "format",          "type",
                                          "range",          "cross_field",     "future",
                                          "unknown_school", "unknown_field",   "district_mismatch",
                                          "name_mismatch",  "zero_enrollment", "bom",
                                          "inactive_school"};

/* The rules of SUBMISSION.md section 2 that tie one count to others, as a reader of the spec
 * would write them; they must hold in every submission that may be loaded. */
static const struct {
    const char *section, *name, *limit, *limit_plus;
} cross_rules[] = {
    {"staff", "psych_fulltime_degree", "psych_fulltime", NULL},
    {"staff", "psych_cert_a", "psych_fulltime", "psych_parttime"},
    {"staff", "parttime_3yr_head", "psych_parttime", NULL},
    {"staff", "head_teachers_cert_b", "head_teachers", NULL},
    {"staff", "subject_teachers_cert_c", "subject_teachers", NULL},
    {"screening", "students_flagged", "students_screened", NULL},
    {"home_school", "psych_parent_trainings", "parent_trainings", NULL},
};

static struct xf_registry *registry;

static void registry_report(int line, const char *message, void *ctx)
{
    (void)ctx;
    fprintf(stderr, "embedded registry, line %d: %s\n", line, message);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    registry = xf_registry_parse(registry_csv, sizeof registry_csv - 1, registry_report, NULL);
    if (registry == NULL || xf_registry_count(registry) != 5)
        abort();
    return 0;
}

/* A text field of an issue: NUL-terminated inside its array, UTF-8, no control characters
 * (it is printed to terminals and logs and stored in a text column). */
static void check_text(const char *field, size_t cap)
{
    const char *nul = memchr(field, '\0', cap);
    if (nul == NULL)
        abort();
    size_t len = (size_t)(nul - field);
    if (!valid_utf8((const unsigned char *)field, len))
        abort();
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)field[i];
        if (c < 0x20 || c == 0x7f)
            abort();
        /* C1 controls U+0080..U+009F are as unprintable as C0 */
        if (c == 0xc2 && i + 1 < len && (unsigned char)field[i + 1] < 0xa0)
            abort();
    }
}

static bool all_digits(const char *s, size_t n)
{
    if (strlen(s) != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
    }
    return true;
}

/* ^[0-9]{4}-[0-9]{4}-[12]$ with the second year the first plus one, in 2000..2100 */
static bool canonical_period(const char *p, int *year, int *term)
{
    if (strlen(p) != XF_PERIOD_LEN || p[4] != '-' || p[9] != '-' || (p[10] != '1' && p[10] != '2'))
        return false;
    int first = 0, second = 0;
    for (int i = 0; i < 4; i++) {
        if (p[i] < '0' || p[i] > '9' || p[5 + i] < '0' || p[5 + i] > '9')
            return false;
        first = first * 10 + (p[i] - '0');
        second = second * 10 + (p[5 + i] - '0');
    }
    if (second != first + 1 || first < 2000 || second > 2100)
        return false;
    *year = first;
    *term = p[10] - '0';
    return true;
}

static void check_result(const struct xf_result *res, int rc)
{
    if (rc != 0 && rc != 1)
        abort(); /* -1 is out of memory, which the fuzzer's limits turn into a crash instead */
    if ((rc == 1) != (res->nrejects > 0))
        abort();
    if (res->nissues < 0 || res->nissues > XF_MAX_ISSUES || res->nissues > res->cap)
        abort();
    if (res->nissues > 0 && res->issues == NULL)
        abort();
    int rejects = 0, warnings = 0;
    for (int i = 0; i < res->nissues; i++) {
        const struct xf_issue *is = &res->issues[i];
        check_text(is->code, sizeof is->code);
        check_text(is->path, sizeof is->path);
        check_text(is->message, sizeof is->message);
        check_text(is->message_zh, sizeof is->message_zh);
        if (is->message[0] == '\0' || is->message_zh[0] == '\0')
            abort();
        bool known = false;
        for (size_t k = 0; k < sizeof known_codes / sizeof known_codes[0]; k++)
            known = known || strcmp(is->code, known_codes[k]) == 0;
        if (!known)
            abort();
        if (is->severity == XF_REJECT)
            rejects++;
        else if (is->severity == XF_WARNING)
            warnings++;
        else
            abort();
    }
    if (res->truncated) {
        if (res->nissues != XF_MAX_ISSUES || res->nrejects + res->nwarnings <= XF_MAX_ISSUES)
            abort();
    } else if (rejects != res->nrejects || warnings != res->nwarnings) {
        abort();
    }
}

static bool within(double d, double lo, double hi)
{
    return d >= lo && d <= hi;
}

/* What a loadable submission promises the loader and the database. */
static void check_loadable(const struct xf_submission *sub)
{
    int year, term;
    if (!canonical_period(sub->period, &year, &term) || sub->academic_year != year ||
        sub->term != term)
        abort();
    if (!all_digits(sub->school_code, XF_SCHOOL_CODE_LEN))
        abort();
    if (sub->district_code[0] != '\0' && !all_digits(sub->district_code, XF_DISTRICT_CODE_LEN))
        abort();
    if (sub->school_name != NULL &&
        !valid_utf8((const unsigned char *)sub->school_name, strlen(sub->school_name)))
        abort();
    if (memchr(sub->submitted_at, '\0', sizeof sub->submitted_at) == NULL)
        abort();
    int64_t epoch = 0;
    if (util_parse_rfc3339(sub->submitted_at, &epoch) != 0 || epoch != sub->submitted_epoch ||
        epoch > NOW_EPOCH + 86400)
        abort();
#ifdef FUZZ_DB_LIMITS
    /* timestamptz accepts offsets up to 15:59 */
    size_t n = strlen(sub->submitted_at);
    if (n >= 6 && (sub->submitted_at[n - 6] == '+' || sub->submitted_at[n - 6] == '-') &&
        (sub->submitted_at[n - 5] - '0') * 10 + (sub->submitted_at[n - 4] - '0') > 15)
        abort();
#endif

    int64_t enrolled = 0, classes = 0, lessons = 0, grade4_up = 0;
    for (int g = 0; g < XF_GRADES; g++) {
        if (sub->enrolled_set[g]) {
            if (sub->enrolled[g] < 0 || sub->enrolled[g] > XF_COUNT_MAX)
                abort();
            enrolled += sub->enrolled[g];
            if (g >= 3)
                grade4_up += sub->enrolled[g];
            if (sub->enrolled[g] > 0 && (!sub->classes_set[g] || sub->classes[g] < 1))
                abort();
        }
        if (sub->classes_set[g]) {
            if (sub->classes[g] < 0 || sub->classes[g] > XF_COUNT_MAX)
                abort();
            classes += sub->classes[g];
        }
        if (sub->lessons_set[g]) {
            if (!sub->lessons_reported || sub->lessons[g] < 0 || sub->lessons[g] > XF_COUNT_MAX)
                abort();
            lessons += sub->lessons[g];
        }
    }
    /* the totals go into integer columns */
    if (enrolled > XF_COUNT_MAX || classes > XF_COUNT_MAX || lessons > XF_COUNT_MAX)
        abort();

    for (int i = 0; i < XF_NFIELDS; i++) {
        const struct xf_value *v = &sub->values[i];
        if (!v->set)
            continue;
        switch (xf_fields[i].kind) {
        case XF_COUNT:
            if (v->integer < 0 || v->integer > XF_COUNT_MAX || v->number != (double)v->integer)
                abort();
            break;
        case XF_BOOL:
            if (v->integer != 0 && v->integer != 1)
                abort();
            break;
        case XF_MONEY:
            if (!within(v->number, 0, 1e12) || nearbyint(v->number * 100.0) / 100.0 != v->number)
                abort();
            break;
        case XF_HOURS:
            if (!within(v->number, 0, 168))
                abort();
            break;
        case XF_RATE:
            if (!within(v->number, 0, 1))
                abort();
            break;
        case XF_REAL:
            if (!within(v->number, 0, 1e6))
                abort();
            break;
        }
    }
    for (size_t r = 0; r < sizeof cross_rules / sizeof cross_rules[0]; r++) {
        int a = xf_field_find(cross_rules[r].section, cross_rules[r].name);
        int b = xf_field_find(cross_rules[r].section, cross_rules[r].limit);
        int c = cross_rules[r].limit_plus != NULL
                    ? xf_field_find(cross_rules[r].section, cross_rules[r].limit_plus)
                    : -1;
        if (a < 0 || b < 0 || (cross_rules[r].limit_plus != NULL && c < 0))
            abort();
        if (!sub->values[a].set || !sub->values[b].set || (c >= 0 && !sub->values[c].set))
            continue;
        int64_t max = sub->values[b].integer + (c >= 0 ? sub->values[c].integer : 0);
        if (sub->values[a].integer > max)
            abort();
    }
    int screened = xf_field_find("screening", "students_screened");
    if (screened < 0)
        abort();
    if (sub->values[screened].set && sub->values[screened].integer > grade4_up)
        abort();
}

/* What the loader records even for a rejected submission must be well formed. */
static void check_identity(const struct xf_submission *sub)
{
    int year, term;
    if (sub->period[0] != '\0' && !canonical_period(sub->period, &year, &term))
        abort();
    if (sub->school_code[0] != '\0' && !all_digits(sub->school_code, XF_SCHOOL_CODE_LEN))
        abort();
}

static int count_code(const struct xf_result *res, const char *code)
{
    int n = 0;
    for (int i = 0; i < res->nissues; i++)
        n += strcmp(res->issues[i].code, code) == 0;
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct xf_options bare = {NULL, NOW_EPOCH};
    struct xf_options with_registry = {registry, NOW_EPOCH};
    struct xf_submission sub_bare, sub_reg;
    struct xf_result res_bare, res_reg;

    int rc_bare = xf_validate((const char *)data, size, &bare, &sub_bare, &res_bare);
    check_result(&res_bare, rc_bare);
    check_identity(&sub_bare);
    if (rc_bare == 0)
        check_loadable(&sub_bare);

    int rc_reg = xf_validate((const char *)data, size, &with_registry, &sub_reg, &res_reg);
    check_result(&res_reg, rc_reg);
    check_identity(&sub_reg);
    if (rc_reg == 0) {
        check_loadable(&sub_reg);
        if (xf_registry_find(registry, sub_reg.school_code) == NULL)
            abort();
    }
    /* the registry only adds reasons: it never makes a rejected document loadable */
    if (rc_bare == 1 && rc_reg != 1)
        abort();
    if (strcmp(sub_bare.school_code, sub_reg.school_code) != 0 ||
        strcmp(sub_bare.period, sub_reg.period) != 0)
        abort();
    if (!res_bare.truncated && !res_reg.truncated &&
        res_reg.nrejects != res_bare.nrejects + count_code(&res_reg, "unknown_school"))
        abort();
    if (rc_bare == 0 && rc_reg == 1 && count_code(&res_reg, "unknown_school") != 1)
        abort();

    xf_submission_clear(&sub_bare);
    xf_result_clear(&res_bare);
    xf_submission_clear(&sub_reg);
    xf_result_clear(&res_reg);
    return 0;
}
