/* test_xform_validate.c - every rejection and warning of a submission, with its path and code. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "common/buf.h"
#include "common/util.h"
#include "transform/xform.h"
#include "transform/xform_labels.h"

#define NOW 1737338400 /* 2025-01-20T10:00:00+08:00 */
#define EXAMPLES "tests/fixtures/spec-examples/"
#define CASES "tests/fixtures/xform/validate/"

/* A submission that loads without a single issue against the spec registry. */
static const char base_json[] =
    "{\"schema\":\"mhe.submission/1\",\"school_code\":\"3201020001\","
    "\"school_name\":\"玄武区示范小学\",\"district_code\":\"320102\",\"period\":\"2024-2025-1\","
    "\"submitted_at\":\"2025-01-10T16:30:00+08:00\","
    "\"enrollment\":{\"by_grade\":{\"1\":210,\"2\":205,\"3\":198,\"4\":190,\"5\":188,\"6\":180}},"
    "\"classes\":{\"by_grade\":{\"1\":5,\"2\":5,\"3\":5,\"4\":5,\"5\":5,\"6\":4}},"
    "\"staff\":{\"psych_fulltime\":2,\"psych_parttime\":35,\"psych_fulltime_degree\":2,"
    "\"psych_cert_a\":30,\"parttime_3yr_head\":28,\"head_teachers\":29,"
    "\"head_teachers_cert_b\":24,\"subject_teachers\":61,\"subject_teachers_cert_c\":40},"
    "\"screening\":{\"students_screened\":378,\"students_flagged\":10,\"archives\":10},"
    "\"home_school\":{\"parent_trainings\":4,\"psych_parent_trainings\":2}}";

static struct xf_registry *registry;

static void no_report(int line, const char *message, void *ctx)
{
    (void)ctx;
    print_error("registry line %d: %s\n", line, message);
}

static int setup(void **state)
{
    (void)state;
    registry = xf_registry_read(EXAMPLES "schools.csv", no_report, NULL);
    return registry == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    xf_registry_free(registry);
    return 0;
}

static void dump(const struct xf_result *res)
{
    for (int i = 0; i < res->nissues; i++)
        print_error("  %s %s %s: %s\n", res->issues[i].severity == XF_REJECT ? "reject" : "warning",
                    res->issues[i].code, res->issues[i].path, res->issues[i].message);
}

static const struct xf_issue *find_issue(const struct xf_result *res, const char *code,
                                         const char *path)
{
    for (int i = 0; i < res->nissues; i++) {
        if (strcmp(res->issues[i].code, code) == 0 && strcmp(res->issues[i].path, path) == 0)
            return &res->issues[i];
    }
    return NULL;
}

/* Asserts an issue of this severity, code and path; message NULL: any message. */
static void expect_issue(const struct xf_result *res, enum xf_severity sev, const char *code,
                         const char *path, const char *message)
{
    const struct xf_issue *is = find_issue(res, code, path);
    if (is == NULL) {
        print_error("no issue %s at \"%s\"; found:\n", code, path);
        dump(res);
    }
    assert_non_null(is);
    assert_int_equal(is->severity, sev);
    if (message != NULL)
        assert_string_equal(is->message, message);
}

static int validate_text(const char *text, size_t len, const struct xf_registry *reg,
                         struct xf_submission *sub, struct xf_result *res)
{
    struct xf_options opt = {reg, NOW};
    return xf_validate(text, len, &opt, sub, res);
}

static json_t *base_doc(void)
{
    json_t *doc = json_loads(base_json, 0, NULL);
    assert_non_null(doc);
    return doc;
}

/* Sets doc[section][key] (doc[key] when section is NULL) to the JSON text value; value NULL
 * removes the key. A missing section is created as an object. */
static void set(json_t *doc, const char *section, const char *key, const char *value)
{
    json_t *obj = doc;
    if (section != NULL) {
        obj = json_object_get(doc, section);
        if (obj == NULL) {
            obj = json_object();
            json_object_set_new(doc, section, obj);
        }
    }
    if (value == NULL) {
        json_object_del(obj, key);
        return;
    }
    json_error_t err;
    json_t *v = json_loads(value, JSON_DECODE_ANY, &err);
    if (v == NULL)
        print_error("bad test value %s: %s\n", value, err.text);
    assert_non_null(v);
    json_object_set_new(obj, key, v);
}

/* Validates doc (consumed) against the spec registry. */
static int validate_doc(json_t *doc, struct xf_submission *sub, struct xf_result *res)
{
    char *text = json_dumps(doc, JSON_COMPACT);
    assert_non_null(text);
    json_decref(doc);
    int rc = validate_text(text, strlen(text), registry, sub, res);
    free(text);
    return rc;
}

/* The document with one change must be rejected for exactly this reason (and loaded without it). */
static void expect_reject(const char *section, const char *key, const char *value, const char *code,
                          const char *path, const char *message)
{
    json_t *doc = base_doc();
    set(doc, section, key, value);
    struct xf_submission sub;
    struct xf_result res;
    int rc = validate_doc(doc, &sub, &res);
    if (rc != 1 || res.nrejects != 1) {
        print_error("%s.%s = %s: rc %d, %d rejects\n", section ? section : "", key,
                    value ? value : "(removed)", rc, res.nrejects);
        dump(&res);
    }
    assert_int_equal(rc, 1);
    assert_int_equal(res.nrejects, 1);
    expect_issue(&res, XF_REJECT, code, path, message);
    xf_result_clear(&res);
    xf_submission_clear(&sub);
}

/* The document with one change loads, with exactly this warning (code NULL: none at all). */
static void expect_warning(const char *section, const char *key, const char *value,
                           const char *code, const char *path, const char *message)
{
    json_t *doc = base_doc();
    set(doc, section, key, value);
    struct xf_submission sub;
    struct xf_result res;
    int rc = validate_doc(doc, &sub, &res);
    int want = code != NULL ? 1 : 0;
    if (rc != 0 || res.nwarnings != want) {
        print_error("%s.%s = %s: rc %d, %d warnings\n", section ? section : "", key,
                    value ? value : "(removed)", rc, res.nwarnings);
        dump(&res);
    }
    assert_int_equal(rc, 0);
    assert_int_equal(res.nrejects, 0);
    assert_int_equal(res.nwarnings, want);
    if (code != NULL)
        expect_issue(&res, XF_WARNING, code, path, message);
    xf_result_clear(&res);
    xf_submission_clear(&sub);
}

/* Loads cleanly after one change and returns the field's value. */
static struct xf_value accepted_value(const char *section, const char *key, const char *value)
{
    json_t *doc = base_doc();
    set(doc, section, key, value);
    struct xf_submission sub;
    struct xf_result res;
    int rc = validate_doc(doc, &sub, &res);
    if (rc != 0 || res.nissues != 0) {
        print_error("%s.%s = %s refused\n", section, key, value);
        dump(&res);
    }
    assert_int_equal(rc, 0);
    assert_int_equal(res.nissues, 0);
    int i = xf_field_find(section, key);
    assert_true(i >= 0);
    struct xf_value v = sub.values[i];
    xf_result_clear(&res);
    xf_submission_clear(&sub);
    return v;
}

static char *read_fixture(const char *path, size_t *len)
{
    char *data = util_read_file(path, 1 << 20, len);
    if (data == NULL)
        print_error("cannot read %s (run from the repository root)\n", path);
    assert_non_null(data);
    return data;
}

/* Valid UTF-8 without control characters: what a log line and a text column can take. */
static bool clean_utf8(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    while (*u != '\0') {
        if (*u < 0x20 || *u == 0x7f)
            return false;
        int n = *u < 0x80             ? 1
                : (*u & 0xe0) == 0xc0 ? 2
                : (*u & 0xf0) == 0xe0 ? 3
                : (*u & 0xf8) == 0xf0 ? 4
                                      : 0;
        if (n == 0)
            return false;
        for (int k = 1; k < n; k++) {
            if ((u[k] & 0xc0) != 0x80)
                return false;
        }
        u += n;
    }
    return true;
}

static void expect_clean_issues(const struct xf_result *res)
{
    for (int i = 0; i < res->nissues; i++) {
        assert_true(strlen(res->issues[i].path) < sizeof res->issues[i].path);
        assert_true(clean_utf8(res->issues[i].path));
        assert_true(clean_utf8(res->issues[i].message));
        assert_true(clean_utf8(res->issues[i].message_zh));
        assert_true(clean_utf8(res->issues[i].code));
        /* every issue of the validator has its Chinese text, naming its path */
        assert_true(res->issues[i].message_zh[0] != '\0');
        if (res->issues[i].path[0] != '\0') {
            char named[160];
            snprintf(named, sizeof named, "(%s)", res->issues[i].path);
            if (strstr(res->issues[i].message_zh, named) == NULL)
                print_error("\"%s\" does not name %s\n", res->issues[i].message_zh, named);
            assert_non_null(strstr(res->issues[i].message_zh, named));
        }
    }
}

static void test_example_full(void **state)
{
    (void)state;
    size_t len;
    char *data = read_fixture(EXAMPLES "submission-full.json", &len);
    struct xf_submission sub;
    struct xf_result res;
    int rc = validate_text(data, len, registry, &sub, &res);
    free(data);
    dump(&res);
    assert_int_equal(rc, 0);
    assert_int_equal(res.nissues, 0);
    assert_string_equal(sub.school_code, "3201020001");
    assert_string_equal(sub.district_code, "320102");
    assert_string_equal(sub.school_name, "玄武区示范小学");
    assert_string_equal(sub.period, "2024-2025-1");
    assert_int_equal(sub.academic_year, 2024);
    assert_int_equal(sub.term, 1);
    assert_string_equal(sub.submitted_at, "2025-01-10T16:30:00+08:00");
    assert_int_equal(sub.submitted_epoch, 1736497800);
    assert_int_equal(sub.enrolled[2], 198);
    assert_true(sub.enrolled_set[5]);
    assert_false(sub.enrolled_set[6]);
    assert_int_equal(sub.classes[5], 4);
    assert_true(sub.lessons_reported);
    assert_int_equal(sub.lessons[3], 50);
    assert_true(sub.lessons_set[5]);
    assert_false(sub.lessons_set[6]);

    const struct xf_value *v = &sub.values[xf_field_find("staff", "psych_cert_a")];
    assert_true(v->set);
    assert_int_equal(v->integer, 30);
    v = &sub.values[xf_field_find("funding", "psych_yuan")];
    assert_true(v->set);
    assert_true(v->number == 8200.5);
    v = &sub.values[xf_field_find("counseling", "room")];
    assert_true(v->set);
    assert_int_equal(v->integer, 1);
    v = &sub.values[xf_field_find("counseling", "open_hours_per_week")];
    assert_true(v->number == 12.5);
    v = &sub.values[xf_field_find("crisis", "major_incident_school_fault")];
    assert_true(v->set);
    assert_int_equal(v->integer, 0);
    v = &sub.values[xf_field_find("home_school", "home_visit_rate")];
    assert_true(v->number == 0.8);
    for (int i = 0; i < XF_NFIELDS; i++) {
        if (!sub.values[i].set)
            print_error("%s.%s not set\n", xf_fields[i].section, xf_fields[i].name);
        assert_true(sub.values[i].set);
    }
    xf_result_clear(&res);
    xf_submission_clear(&sub);
}

static void test_example_minimal(void **state)
{
    (void)state;
    size_t len;
    char *data = read_fixture(EXAMPLES "submission-minimal.json", &len);
    struct xf_submission sub;
    struct xf_result res;
    int rc = validate_text(data, len, registry, &sub, &res);
    free(data);
    dump(&res);
    assert_int_equal(rc, 0);
    assert_int_equal(res.nrejects, 0);
    assert_string_equal(sub.period, "2024-2025-1");
    assert_string_equal(sub.school_code, "3201040002");
    assert_string_equal(sub.district_code, "");
    assert_null(sub.school_name);
    assert_false(sub.lessons_reported);
    const struct xf_value *v = &sub.values[xf_field_find("staff", "psych_fulltime")];
    assert_true(v->set);
    assert_int_equal(v->integer, 0);
    /* missing is "not reported", never zero */
    assert_false(sub.values[xf_field_find("staff", "psych_cert_a")].set);
    assert_false(sub.values[xf_field_find("funding", "psych_yuan")].set);
    xf_result_clear(&res);
    xf_submission_clear(&sub);
}

static void test_example_rejected(void **state)
{
    (void)state;
    size_t len;
    char *data = read_fixture(EXAMPLES "submission-rejected.json", &len);
    struct xf_submission sub;
    struct xf_result res;
    int rc = validate_text(data, len, registry, &sub, &res);
    free(data);
    assert_int_equal(rc, 1);
    expect_issue(&res, XF_REJECT, "type", "enrollment.by_grade.9",
                 "expected a non-negative integer, got -5");
    expect_issue(&res, XF_REJECT, "cross_field", "staff.psych_cert_a",
                 "4 exceeds psych_fulltime + psych_parttime (3)");
    expect_issue(&res, XF_REJECT, "type", "staff.head_teachers",
                 "expected a non-negative integer, got string \"18\"");
    assert_int_equal(res.nrejects, 3);
    /* the school is still known for the rejection record */
    assert_string_equal(sub.school_code, "3201020002");
    xf_result_clear(&res);
    xf_submission_clear(&sub);
}

static void expect_json_reject(const char *text, size_t len, const char *message_start)
{
    struct xf_submission sub;
    struct xf_result res;
    int rc = validate_text(text, len, registry, &sub, &res);
    if (rc != 1 || res.nissues != 1)
        dump(&res);
    assert_int_equal(rc, 1);
    assert_int_equal(res.nissues, 1);
    assert_string_equal(res.issues[0].code, "json");
    assert_string_equal(res.issues[0].path, "");
    if (strncmp(res.issues[0].message, message_start, strlen(message_start)) != 0)
        print_error("message \"%s\" does not start with \"%s\"\n", res.issues[0].message,
                    message_start);
    assert_memory_equal(res.issues[0].message, message_start, strlen(message_start));
    expect_clean_issues(&res);
    xf_result_clear(&res);
    xf_submission_clear(&sub);
}

static void test_not_json(void **state)
{
    (void)state;
    expect_json_reject("{\"schema\": ", 11, "not valid JSON: ");
    expect_json_reject("{\"a\":1,\"a\":2}", 13,
                       "not valid JSON: duplicate object key near '\"a\"' (line 1, column 10)");
    expect_json_reject("{\"a\":\"\xff\"}", 9, "not valid JSON: unable to decode byte 0xff");
    expect_json_reject("{\"a\":\"\xc0\xaf\"}", 10, "not valid JSON: ");
    expect_json_reject("{\"a\":\"x\x01y\"}", 11, "not valid JSON: control character 0x1");
    expect_json_reject("{\"a\":1}\0", 8, "not valid JSON: a NUL byte at offset 7");
    expect_json_reject("{\"a\":\"\\u0000\"}", 14, "not valid JSON: ");
    expect_json_reject("{\"a\":1}{\"b\":2}", 14, "not valid JSON: end of file expected");
    expect_json_reject("", 0, "not valid JSON: ");
    expect_json_reject(NULL, 0, "not valid JSON: ");
    expect_json_reject("42", 2, "not valid JSON: ");
    expect_json_reject("[1,2]", 5, "the document is not a JSON object");
    expect_json_reject("[]", 2, "the document is not a JSON object");
    /* a duplicate deep inside is as fatal as one at the top */
    static const char deep[] = "{\"staff\":{\"psych_fulltime\":1,\"psych_fulltime\":2}}";
    expect_json_reject(deep, sizeof deep - 1, "not valid JSON: duplicate object key");
    /* the length given is the document: bytes after it are not read */
    expect_json_reject("{\"a\":1}", 6, "not valid JSON: ");
}

static void test_bom(void **state)
{
    (void)state;
    buf b = BUF_INIT;
    assert_int_equal(buf_puts(&b, "\xef\xbb\xbf"), 0);
    assert_int_equal(buf_puts(&b, base_json), 0);
    struct xf_submission sub;
    struct xf_result res;
    assert_int_equal(validate_text(b.data, b.len, registry, &sub, &res), 0);
    assert_int_equal(res.nissues, 1);
    expect_issue(&res, XF_WARNING, "bom", "", NULL);
    assert_string_equal(sub.school_code, "3201020001");
    xf_result_clear(&res);
    xf_submission_clear(&sub);

    /* a BOM does not excuse what follows it */
    buf_reset(&b);
    assert_int_equal(buf_puts(&b, "\xef\xbb\xbf[]"), 0);
    assert_int_equal(validate_text(b.data, b.len, registry, &sub, &res), 1);
    expect_issue(&res, XF_WARNING, "bom", "", NULL);
    expect_issue(&res, XF_REJECT, "json", "", "the document is not a JSON object");
    xf_result_clear(&res);
    xf_submission_clear(&sub);
    /* only one BOM is skipped */
    buf_reset(&b);
    assert_int_equal(buf_puts(&b, "\xef\xbb\xbf\xef\xbb\xbf{}"), 0);
    assert_int_equal(validate_text(b.data, b.len, registry, &sub, &res), 1);
    expect_issue(&res, XF_REJECT, "json", "", NULL);
    xf_result_clear(&res);
    xf_submission_clear(&sub);
    buf_free(&b);
}

static void test_base_is_clean(void **state)
{
    (void)state;
    expect_warning(NULL, "schema", "\"mhe.submission/1\"", NULL, NULL, NULL);
}

static void test_schema(void **state)
{
    (void)state;
    expect_reject(NULL, "schema", "\"mhe.submission/2\"", "schema", "schema",
                  "unknown schema \"mhe.submission/2\"");
    expect_reject(NULL, "schema", "\"mhe.submission/1 \"", "schema", "schema",
                  "unknown schema \"mhe.submission/1 \"");
    expect_reject(NULL, "schema", NULL, "missing", "schema", "the required field is missing");
    expect_reject(NULL, "schema", "null", "missing", "schema", "the required field is null");
    expect_reject(NULL, "schema", "1", "type", "schema", "expected a string, got 1");
}

static void test_school_code(void **state)
{
    (void)state;
    expect_warning(NULL, "school_code", "\"  3201020001 \"", NULL, NULL, NULL);
    expect_reject(NULL, "school_code", "\"320102000\"", "format", "school_code",
                  "\"320102000\" is not a 10-digit school identification code");
    expect_reject(NULL, "school_code", "\"32010200011\"", "format", "school_code", NULL);
    expect_reject(NULL, "school_code", "\"320102000a\"", "format", "school_code", NULL);
    expect_reject(NULL, "school_code", "\"3201020 001\"", "format", "school_code", NULL);
    expect_reject(NULL, "school_code", "\"\\t3201020001\"", "format", "school_code",
                  "\"\\t3201020001\" is not a 10-digit school identification code");
    expect_reject(NULL, "school_code", "3201020001", "type", "school_code",
                  "expected a string, got 3201020001");
    expect_reject(NULL, "school_code", NULL, "missing", "school_code", NULL);
    expect_reject(NULL, "school_code", "\"3201029999\"", "unknown_school", "school_code",
                  "3201029999 is not in the registry");

    /* an inactive school still loads */
    json_t *doc = base_doc();
    set(doc, NULL, "school_code", "\"3201050001\"");
    set(doc, NULL, "school_name", NULL);
    set(doc, NULL, "district_code", "\"320105\"");
    struct xf_submission sub;
    struct xf_result res;
    assert_int_equal(validate_doc(doc, &sub, &res), 0);
    assert_int_equal(res.nissues, 1);
    expect_issue(&res, XF_WARNING, "inactive_school", "school_code",
                 "3201050001 is marked inactive in the registry");
    xf_result_clear(&res);
    xf_submission_clear(&sub);
}

static void test_registry_warnings(void **state)
{
    (void)state;
    expect_warning(NULL, "district_code", "\"320104\"", "district_mismatch", "district_code",
                   "320104 differs from the registry (320102); the registry's is used");
    expect_warning(NULL, "school_name", "\"玄武区实验小学\"", "name_mismatch", "school_name",
                   "\"玄武区实验小学\" differs from the registry (\"玄武区示范小学\")");
    expect_warning(NULL, "district_code", "\"32010\"", "format", "district_code",
                   "\"32010\" is not a 6-digit division code; the registry's is used");
    expect_warning(NULL, "district_code", "\"\"", "format", "district_code", NULL);
    expect_warning(NULL, "district_code", NULL, NULL, NULL, NULL);
    expect_warning(NULL, "district_code", "null", NULL, NULL, NULL);
    expect_warning(NULL, "school_name", NULL, NULL, NULL, NULL);
    expect_reject(NULL, "district_code", "320102", "type", "district_code",
                  "expected a string, got 320102");
    expect_reject(NULL, "school_name", "[\"a\"]", "type", "school_name",
                  "expected a string, got an array");

    /* without a registry none of these is checked here (the database does it) */
    json_t *doc = base_doc();
    set(doc, NULL, "school_code", "\"3201029999\"");
    set(doc, NULL, "district_code", "\"320199\"");
    set(doc, NULL, "school_name", "\"别的学校\"");
    char *text = json_dumps(doc, 0);
    json_decref(doc);
    struct xf_submission sub;
    struct xf_result res;
    assert_int_equal(validate_text(text, strlen(text), NULL, &sub, &res), 0);
    assert_int_equal(res.nissues, 0);
    assert_string_equal(sub.district_code, "320199");
    assert_string_equal(sub.school_name, "别的学校");
    free(text);
    xf_result_clear(&res);
    xf_submission_clear(&sub);
}

static void expect_period_value(const char *value, const char *canonical, int year, int term)
{
    json_t *doc = base_doc();
    set(doc, NULL, "period", value);
    struct xf_submission sub;
    struct xf_result res;
    int rc = validate_doc(doc, &sub, &res);
    dump(&res);
    assert_int_equal(rc, 0);
    assert_int_equal(res.nissues, 0);
    assert_string_equal(sub.period, canonical);
    assert_int_equal(sub.academic_year, year);
    assert_int_equal(sub.term, term);
    xf_result_clear(&res);
    xf_submission_clear(&sub);
}

static void test_period(void **state)
{
    (void)state;
    expect_period_value("\"2024-2025-2\"", "2024-2025-2", 2024, 2);
    expect_period_value("\" 2023-2024-1  \"", "2023-2024-1", 2023, 1);
    expect_period_value("\"2024-2025学年第一学期\"", "2024-2025-1", 2024, 1);
    expect_period_value("\"2024-2025学年第二学期\"", "2024-2025-2", 2024, 2);
    expect_period_value("{\"academic_year\":\"2024-2025\",\"term\":1}", "2024-2025-1", 2024, 1);
    expect_period_value("{\"term\":2,\"academic_year\":\"2022-2023\"}", "2022-2023-2", 2022, 2);
    expect_period_value("{\"academic_year\":\"2024-2025\",\"term\":2.0}", "2024-2025-2", 2024, 2);

    expect_reject(NULL, "period", "\"2024-2026-1\"", "format", "period",
                  "invalid period \"2024-2026-1\": the second year must be the first plus one "
                  "(2024-2026)");
    expect_reject(NULL, "period", "\"2024-2025-3\"", "format", "period",
                  "invalid period \"2024-2025-3\": term must be 1 or 2, got 3");
    expect_reject(NULL, "period", "\"1999-2000-1\"", "format", "period",
                  "invalid period \"1999-2000-1\": year 1999 is outside 2000..2100");
    expect_reject(NULL, "period", "\"2024-2025学年第三学期\"", "format", "period", NULL);
    expect_reject(NULL, "period", "\"2024秋\"", "format", "period", NULL);
    expect_reject(NULL, "period", "20242025", "type", "period",
                  "expected a string or an object, got 20242025");
    expect_reject(NULL, "period", NULL, "missing", "period", "the required field is missing");
    expect_reject(NULL, "period", "{\"academic_year\":\"2024-2025\",\"term\":3}", "format",
                  "period.term", "term must be 1 or 2, got 3");
    expect_reject(NULL, "period", "{\"academic_year\":\"2024-2025\",\"term\":\"1\"}", "type",
                  "period.term", "expected the integer 1 or 2, got string \"1\"");
    expect_reject(NULL, "period", "{\"academic_year\":\"2024-2025\",\"term\":1.5}", "type",
                  "period.term", NULL);
    expect_reject(NULL, "period", "{\"academic_year\":\"2024-2025\"}", "missing", "period.term",
                  NULL);
    expect_reject(NULL, "period", "{\"academic_year\":\"2024-2026\",\"term\":1}", "format",
                  "period.academic_year",
                  "invalid academic year \"2024-2026\": the second year must be the first plus "
                  "one (2024-2026)");
    expect_reject(NULL, "period", "{\"academic_year\":2024,\"term\":1}", "type",
                  "period.academic_year", "expected a string, got 2024");
    expect_reject(NULL, "period", "{\"term\":1}", "missing", "period.academic_year", NULL);
    expect_warning(NULL, "period", "{\"academic_year\":\"2024-2025\",\"term\":1,\"note\":\"秋\"}",
                   "unknown_field", "period.note", "unknown field; ignored");
}

static void test_submitted_at(void **state)
{
    (void)state;
    expect_reject(NULL, "submitted_at", NULL, "missing", "submitted_at", NULL);
    expect_reject(NULL, "submitted_at", "1736497800", "type", "submitted_at", NULL);
    expect_reject(NULL, "submitted_at", "\"2025-02-30T10:00:00+08:00\"", "format", "submitted_at",
                  "\"2025-02-30T10:00:00+08:00\" is not an RFC 3339 timestamp with an offset, "
                  "e.g. 2025-01-10T16:30:00+08:00");
    expect_reject(NULL, "submitted_at", "\"2025-01-10T16:30:00\"", "format", "submitted_at", NULL);
    expect_reject(NULL, "submitted_at", "\"2025年1月10日\"", "format", "submitted_at", NULL);
    expect_reject(NULL, "submitted_at", "\"2025-01-10T16:30:00.0000000000000000001+08:00\"",
                  "format", "submitted_at",
                  "\"2025-01-10T16:30:00.0000000000000000001+08:00\" is too long for an RFC 3339 "
                  "timestamp (45 bytes)");
    /* one day of clock skew is tolerated, more is not */
    expect_warning(NULL, "submitted_at", "\"2025-01-21T10:00:00+08:00\"", NULL, NULL, NULL);
    expect_reject(NULL, "submitted_at", "\"2025-01-21T10:00:01+08:00\"", "future", "submitted_at",
                  "2025-01-21T10:00:01+08:00 is more than 1 day after the time of the run "
                  "(2025-01-20T10:00:00+08:00)");
    expect_reject(NULL, "submitted_at", "\"2030-01-01T00:00:00Z\"", "future", "submitted_at", NULL);

    json_t *doc = base_doc();
    set(doc, NULL, "submitted_at", "\"2025-01-10T08:30:00.250Z\"");
    struct xf_submission sub;
    struct xf_result res;
    assert_int_equal(validate_doc(doc, &sub, &res), 0);
    assert_string_equal(sub.submitted_at, "2025-01-10T08:30:00.250Z");
    assert_int_equal(sub.submitted_epoch, 1736497800);
    xf_result_clear(&res);
    xf_submission_clear(&sub);
}

static void test_enrollment(void **state)
{
    (void)state;
    expect_reject(NULL, "enrollment", NULL, "missing", "enrollment.by_grade",
                  "the required field is missing");
    expect_reject(NULL, "classes", NULL, "missing", "classes.by_grade", NULL);
    expect_reject(NULL, "enrollment", "{}", "missing", "enrollment.by_grade", NULL);
    expect_reject(NULL, "enrollment", "[210]", "type", "enrollment",
                  "expected an object, got an array");
    expect_reject("enrollment", "by_grade", "[210,205]", "type", "enrollment.by_grade", NULL);
    expect_reject("classes", "by_grade", "null", "missing", "classes.by_grade",
                  "the required field is null");
    expect_reject("enrollment", "by_grade", "{\"1\":210,\"13\":5}", "format",
                  "enrollment.by_grade.13", "not a grade; grades are \"1\" to \"12\"");
    expect_reject("enrollment", "by_grade", "{\"01\":210}", "format", "enrollment.by_grade.01",
                  NULL);
    expect_reject("enrollment", "by_grade", "{\"0\":210}", "format", "enrollment.by_grade.0", NULL);
    expect_reject("classes", "by_grade",
                  "{\"1\":5,\"2\":5,\"3\":5,\"4\":5,\"5\":5,\"6\":4,\" 1\":5}", "format",
                  "classes.by_grade. 1", NULL);
    expect_reject("enrollment", "by_grade",
                  "{\"1\":210,\"2\":205,\"3\":198,\"4\":190,\"5\":188,"
                  "\"6\":180,\"7\":1}",
                  "cross_field", "classes.by_grade.7", "grade 7 has 1 student but no classes");
    expect_reject("classes", "by_grade", "{\"1\":5,\"2\":5,\"3\":0,\"4\":5,\"5\":5,\"6\":4}",
                  "cross_field", "classes.by_grade.3", "grade 3 has 198 students but no classes");
    expect_reject("enrollment", "by_grade", "{\"1\":-1}", "type", "enrollment.by_grade.1",
                  "expected a non-negative integer, got -1");
    expect_reject("enrollment", "total", "1170", "cross_field", "enrollment.total",
                  "1170 does not equal the sum of by_grade (1171)");
    expect_reject("classes", "total", "30", "cross_field", "classes.total",
                  "30 does not equal the sum of by_grade (29)");
    expect_reject("enrollment", "total", "\"1171\"", "type", "enrollment.total", NULL);
    expect_warning("enrollment", "total", "1171", NULL, NULL, NULL);
    expect_warning("enrollment", "note", "\"含借读生\"", "unknown_field", "enrollment.note",
                   "unknown field; ignored");
    expect_warning("classes", "by_grade",
                   "{\"1\":5,\"2\":5,\"3\":5,\"4\":5,\"5\":5,\"6\":4,"
                   "\"7\":2}",
                   NULL, NULL, NULL);

    /* a school with no students loads, with a warning; nothing to screen then */
    json_t *doc = base_doc();
    set(doc, "enrollment", "by_grade", "{}");
    json_object_del(doc, "screening");
    struct xf_submission sub;
    struct xf_result res;
    assert_int_equal(validate_doc(doc, &sub, &res), 0);
    assert_int_equal(res.nissues, 1);
    expect_issue(&res, XF_WARNING, "zero_enrollment", "enrollment.by_grade",
                 "no students are enrolled in any grade");
    xf_result_clear(&res);
    xf_submission_clear(&sub);

    /* null is "not reported" for a grade, not zero and not an error */
    doc = base_doc();
    set(doc, "enrollment", "by_grade",
        "{\"1\":210,\"2\":null,\"3\":198,\"4\":190,\"5\":188,"
        "\"6\":180}");
    assert_int_equal(validate_doc(doc, &sub, &res), 0);
    assert_false(sub.enrolled_set[1]);
    assert_true(sub.enrolled_set[0]);
    xf_result_clear(&res);
    xf_submission_clear(&sub);

    /* twelve grades of the largest count overflow the database's integer */
    doc = base_doc();
    set(doc, "enrollment", "by_grade", "{\"1\":2147483647,\"2\":1}");
    assert_int_equal(validate_doc(doc, &sub, &res), 1);
    expect_issue(&res, XF_REJECT, "range", "enrollment.by_grade",
                 "the sum of all grades (2147483648) exceeds 2147483647");
    xf_result_clear(&res);
    xf_submission_clear(&sub);
}

static void test_counts(void **state)
{
    (void)state;
    expect_reject("staff", "head_teachers", "\"18\"", "type", "staff.head_teachers",
                  "expected a non-negative integer, got string \"18\"");
    expect_reject("staff", "head_teachers", "-1", "type", "staff.head_teachers",
                  "expected a non-negative integer, got -1");
    expect_reject("staff", "head_teachers", "29.5", "type", "staff.head_teachers",
                  "expected a non-negative integer, got 29.5");
    expect_reject("staff", "head_teachers", "true", "type", "staff.head_teachers",
                  "expected a non-negative integer, got true");
    expect_reject("staff", "head_teachers", "{}", "type", "staff.head_teachers",
                  "expected a non-negative integer, got an object");
    expect_reject("staff", "head_teachers", "2147483648", "range", "staff.head_teachers",
                  "2147483648 exceeds the largest count (2147483647)");
    expect_reject("staff", "head_teachers", "1e300", "range", "staff.head_teachers",
                  "1e+300 exceeds the largest count (2147483647)");
    expect_reject("staff", "head_teachers", "-1e300", "type", "staff.head_teachers", NULL);
    expect_reject("crisis", "incidents", "0.1", "type", "crisis.incidents", NULL);
    expect_reject("research", "papers", "\"\"", "type", "research.papers",
                  "expected a non-negative integer, got string \"\"");

    struct xf_value v = accepted_value("staff", "head_teachers", "29.0");
    assert_true(v.set);
    assert_int_equal(v.integer, 29);
    v = accepted_value("crisis", "incidents", "0");
    assert_true(v.set);
    assert_int_equal(v.integer, 0);
    v = accepted_value("crisis", "incidents", "-0.0");
    assert_true(v.set);
    assert_int_equal(v.integer, 0);
    v = accepted_value("research", "papers", "2147483647");
    assert_int_equal(v.integer, 2147483647);
    v = accepted_value("research", "papers", "null");
    assert_false(v.set);
}

static void test_booleans(void **state)
{
    (void)state;
    struct xf_value v = accepted_value("counseling", "room", "true");
    assert_true(v.set);
    assert_int_equal(v.integer, 1);
    v = accepted_value("counseling", "room", "false");
    assert_true(v.set);
    assert_int_equal(v.integer, 0);
    v = accepted_value("care", "ledger", "1");
    assert_int_equal(v.integer, 1);
    v = accepted_value("care", "ledger", "0");
    assert_true(v.set);
    assert_int_equal(v.integer, 0);
    v = accepted_value("care", "ledger", "null");
    assert_false(v.set);
    expect_reject("care", "ledger", "2", "type", "care.ledger",
                  "expected true, false, 0 or 1, got 2");
    expect_reject("care", "ledger", "\"true\"", "type", "care.ledger",
                  "expected true, false, 0 or 1, got string \"true\"");
    expect_reject("care", "ledger", "\"是\"", "type", "care.ledger",
                  "expected true, false, 0 or 1, got string \"是\"");
    expect_reject("governance", "three_year_plan", "-1", "type", "governance.three_year_plan",
                  NULL);
    expect_reject("governance", "three_year_plan", "0.5", "type", "governance.three_year_plan",
                  NULL);
}

static void test_money(void **state)
{
    (void)state;
    struct xf_value v = accepted_value("funding", "psych_yuan", "8200.50");
    assert_true(v.number == 8200.5);
    v = accepted_value("funding", "psych_yuan", "0.07");
    assert_true(v.number == 0.07);
    v = accepted_value("funding", "psych_yuan", "0.1");
    v = accepted_value("funding", "psych_yuan", "0.29");
    v = accepted_value("funding", "psych_yuan", "1234567.89");
    v = accepted_value("funding", "psych_yuan", "999999999999.99");
    v = accepted_value("funding", "psych_yuan", "1000000000000");
    v = accepted_value("funding", "psych_yuan", "5000");
    assert_true(v.number == 5000.0);
    v = accepted_value("funding", "psych_yuan", "0");
    assert_true(v.set);
    expect_reject("funding", "psych_yuan", "1.005", "type", "funding.psych_yuan",
                  "1.005 has more than 2 decimals");
    expect_reject("funding", "psych_yuan", "0.001", "type", "funding.psych_yuan", NULL);
    /* a tolerance would let these through: the test is exact */
    expect_reject("funding", "psych_yuan", "100.000000001", "type", "funding.psych_yuan", NULL);
    expect_reject("funding", "psych_yuan", "0.0000001", "type", "funding.psych_yuan", NULL);
    expect_reject("funding", "psych_yuan", "8200.505", "type", "funding.psych_yuan", NULL);
    expect_reject("funding", "psych_yuan", "-0.01", "range", "funding.psych_yuan",
                  "-0.01 is outside 0..1000000000000");
    expect_reject("funding", "psych_yuan", "1000000000000.01", "range", "funding.psych_yuan", NULL);
    expect_reject("funding", "psych_yuan", "\"8200.50\"", "type", "funding.psych_yuan",
                  "expected a number, got string \"8200.50\"");
}

static void test_number_ranges(void **state)
{
    (void)state;
    struct xf_value v = accepted_value("counseling", "open_hours_per_week", "168");
    assert_true(v.number == 168.0);
    v = accepted_value("counseling", "open_hours_per_week", "0");
    assert_true(v.set);
    v = accepted_value("home_school", "home_visit_rate", "1");
    assert_true(v.number == 1.0);
    v = accepted_value("home_school", "home_visit_rate", "0.333333");
    v = accepted_value("training", "hours_psych_and_head", "6.5");
    assert_true(v.number == 6.5);
    v = accepted_value("training", "hours_psych_and_head", "1000000");
    expect_reject("counseling", "open_hours_per_week", "168.5", "range",
                  "counseling.open_hours_per_week", "168.5 is outside 0..168");
    expect_reject("counseling", "open_hours_per_week", "-1", "range",
                  "counseling.open_hours_per_week", "-1 is outside 0..168");
    expect_reject("home_school", "home_visit_rate", "1.01", "range", "home_school.home_visit_rate",
                  "1.01 is outside 0..1");
    expect_reject("home_school", "home_visit_rate", "80", "range", "home_school.home_visit_rate",
                  NULL);
    expect_reject("training", "hours_psych_and_head", "1000000.5", "range",
                  "training.hours_psych_and_head", "1000000.5 is outside 0..1000000");
    expect_reject("training", "hours_psych_and_head", "\"10\"", "type",
                  "training.hours_psych_and_head", "expected a number, got string \"10\"");
    expect_reject("counseling", "open_hours_per_week", "true", "type",
                  "counseling.open_hours_per_week", "expected a number, got true");
}

static void test_sections(void **state)
{
    (void)state;
    expect_reject(NULL, "staff", "[1,2]", "type", "staff", "expected an object, got an array");
    expect_reject(NULL, "research", "\"none\"", "type", "research",
                  "expected an object, got string \"none\"");
    expect_warning(NULL, "staff", "null", NULL, NULL, NULL);
    expect_warning(NULL, "extra", "{\"a\":1}", "unknown_field", "extra",
                   "unknown section; ignored");
    expect_warning(NULL, "remark", "\"本学期\"", "unknown_field", "remark",
                   "unknown field; ignored");
    expect_warning("staff", "psych_interns", "3", "unknown_field", "staff.psych_interns",
                   "unknown field; ignored");
    expect_warning("curriculum", "lessons", "3", "unknown_field", "curriculum.lessons", NULL);

    /* lessons_by_grade is a grade map of counts */
    json_t *doc = base_doc();
    set(doc, "curriculum", "lessons_by_grade", "{\"1\":25,\"12\":4,\"5\":null}");
    struct xf_submission sub;
    struct xf_result res;
    assert_int_equal(validate_doc(doc, &sub, &res), 0);
    assert_int_equal(res.nissues, 0);
    assert_true(sub.lessons_reported);
    assert_int_equal(sub.lessons[0], 25);
    assert_int_equal(sub.lessons[11], 4);
    assert_false(sub.lessons_set[4]);
    assert_false(sub.lessons_set[1]);
    xf_result_clear(&res);
    xf_submission_clear(&sub);

    doc = base_doc();
    set(doc, "curriculum", "lessons_by_grade", "null");
    assert_int_equal(validate_doc(doc, &sub, &res), 0);
    assert_false(sub.lessons_reported);
    xf_result_clear(&res);
    xf_submission_clear(&sub);

    expect_reject("curriculum", "lessons_by_grade", "[25]", "type", "curriculum.lessons_by_grade",
                  NULL);
    expect_reject("curriculum", "lessons_by_grade", "{\"x\":25}", "format",
                  "curriculum.lessons_by_grade.x", NULL);
    expect_reject("curriculum", "lessons_by_grade", "{\"4\":\"50\"}", "type",
                  "curriculum.lessons_by_grade.4", NULL);
}

static void test_cross_fields(void **state)
{
    (void)state;
    expect_reject("staff", "psych_fulltime_degree", "3", "cross_field",
                  "staff.psych_fulltime_degree", "3 exceeds psych_fulltime (2)");
    expect_reject("staff", "psych_cert_a", "40", "cross_field", "staff.psych_cert_a",
                  "40 exceeds psych_fulltime + psych_parttime (37)");
    expect_reject("staff", "parttime_3yr_head", "36", "cross_field", "staff.parttime_3yr_head",
                  "36 exceeds psych_parttime (35)");
    expect_reject("staff", "head_teachers_cert_b", "30", "cross_field",
                  "staff.head_teachers_cert_b", "30 exceeds head_teachers (29)");
    expect_reject("staff", "subject_teachers_cert_c", "62", "cross_field",
                  "staff.subject_teachers_cert_c", "62 exceeds subject_teachers (61)");
    expect_reject("screening", "students_screened", "559", "cross_field",
                  "screening.students_screened",
                  "559 exceeds the enrollment of grades 4 and above (558)");
    expect_reject("screening", "students_flagged", "379", "cross_field",
                  "screening.students_flagged", "379 exceeds students_screened (378)");
    expect_reject("home_school", "psych_parent_trainings", "5", "cross_field",
                  "home_school.psych_parent_trainings", "5 exceeds parent_trainings (4)");

    /* equality holds */
    accepted_value("staff", "psych_cert_a", "37");
    accepted_value("screening", "students_screened", "558");
    /* a rule needs both sides: one missing or broken side is not a second reason */
    expect_warning("staff", "psych_parttime", NULL, NULL, NULL, NULL);
    expect_warning("staff", "psych_parttime", "null", NULL, NULL, NULL);
    expect_warning("staff", "head_teachers", NULL, NULL, NULL, NULL);
    expect_reject("staff", "psych_parttime", "\"35\"", "type", "staff.psych_parttime", NULL);
    expect_reject("enrollment", "by_grade", "{\"4\":\"190\"}", "type", "enrollment.by_grade.4",
                  NULL);
}

static void test_all_reasons(void **state)
{
    (void)state;
    static const char doc[] =
        "{\"schema\":\"mhe.submission/9\",\"school_code\":\"12345\",\"period\":\"2024-2026-1\","
        "\"submitted_at\":\"yesterday\",\"enrollment\":{\"by_grade\":{\"13\":1}},"
        "\"classes\":{\"by_grade\":{\"1\":\"5\"}},\"staff\":{\"psych_fulltime\":1.5,"
        "\"psych_parttime\":1,\"psych_cert_a\":5},\"funding\":{\"psych_yuan\":-1},"
        "\"counseling\":{\"room\":\"yes\"},\"home_school\":{\"home_visit_rate\":2},"
        "\"screening\":{\"students_screened\":5,\"students_flagged\":6},\"extra\":1}";
    struct xf_submission sub;
    struct xf_result res;
    assert_int_equal(validate_text(doc, sizeof doc - 1, registry, &sub, &res), 1);
    expect_issue(&res, XF_REJECT, "schema", "schema", NULL);
    expect_issue(&res, XF_REJECT, "format", "school_code", NULL);
    expect_issue(&res, XF_REJECT, "format", "period", NULL);
    expect_issue(&res, XF_REJECT, "format", "submitted_at", NULL);
    expect_issue(&res, XF_REJECT, "format", "enrollment.by_grade.13", NULL);
    expect_issue(&res, XF_REJECT, "type", "classes.by_grade.1", NULL);
    expect_issue(&res, XF_REJECT, "type", "staff.psych_fulltime", NULL);
    expect_issue(&res, XF_REJECT, "range", "funding.psych_yuan", NULL);
    expect_issue(&res, XF_REJECT, "type", "counseling.room", NULL);
    expect_issue(&res, XF_REJECT, "range", "home_school.home_visit_rate", NULL);
    expect_issue(&res, XF_REJECT, "cross_field", "screening.students_flagged", NULL);
    expect_issue(&res, XF_WARNING, "unknown_field", "extra", NULL);
    /* psych_cert_a has a broken side, the E4 rule a broken enrollment: neither is judged */
    assert_null(find_issue(&res, "cross_field", "staff.psych_cert_a"));
    assert_null(find_issue(&res, "cross_field", "screening.students_screened"));
    assert_int_equal(res.nrejects, 11);
    assert_int_equal(res.nwarnings, 1);
    assert_int_equal(res.nissues, 12);
    assert_false(res.truncated);
    xf_result_clear(&res);
    xf_submission_clear(&sub);
}

static void test_truncated(void **state)
{
    (void)state;
    json_t *doc = base_doc();
    json_t *staff = json_object_get(doc, "staff");
    for (int i = 0; i < 300; i++) {
        char key[32];
        snprintf(key, sizeof key, "extra_%03d", i);
        json_object_set_new(staff, key, json_integer(i));
    }
    /* the one reject comes after the cap and still rejects the document */
    set(doc, "home_school", "psych_parent_trainings", "9");
    struct xf_submission sub;
    struct xf_result res;
    assert_int_equal(validate_doc(doc, &sub, &res), 1);
    assert_int_equal(res.nissues, XF_MAX_ISSUES);
    assert_true(res.truncated);
    assert_int_equal(res.nwarnings, 300);
    assert_int_equal(res.nrejects, 1);
    assert_string_equal(res.issues[XF_MAX_ISSUES - 1].path, "staff.extra_199");
    xf_result_clear(&res);
    assert_null(res.issues);
    assert_int_equal(res.nissues, 0);
    xf_submission_clear(&sub);
}

static void test_hostile(void **state)
{
    (void)state;
    size_t big = 1 << 20;
    char *key = malloc(big + 1);
    assert_non_null(key);
    memset(key, 'k', big);
    key[big] = '\0';

    json_t *doc = base_doc();
    json_object_set_new(json_object_get(doc, "staff"), key, json_integer(1));
    json_object_set_new(doc, key, json_string(key));
    json_object_set_new(json_object_get(doc, "enrollment"), key, json_null());
    json_object_set_new(json_object_get(json_object_get(doc, "enrollment"), "by_grade"), key,
                        json_integer(1));
    set(doc, NULL, "school_code", NULL);
    json_object_set_new(doc, "school_code", json_string(key));
    json_object_set_new(doc, "submitted_at", json_string(key));
    json_object_set_new(doc, "period", json_string(key));
    json_object_set_new(doc, "schema", json_string(key));
    json_object_set_new(doc, "district_code", json_string(key));
    json_object_set_new(json_object_get(doc, "staff"), "head_teachers", json_string(key));
    struct xf_submission sub;
    struct xf_result res;
    assert_int_equal(validate_doc(doc, &sub, &res), 1);
    expect_clean_issues(&res);
    const struct xf_issue *is = find_issue(&res, "format", "school_code");
    assert_non_null(is);
    assert_true(strlen(is->message) < 120);
    assert_non_null(strstr(is->message, "kkk...\""));
    is = find_issue(&res, "type", "staff.head_teachers");
    assert_non_null(is);
    assert_true(strlen(is->message) < 120);
    /* the paths were cut to fit, not overrun */
    bool long_path = false;
    for (int i = 0; i < res.nissues; i++)
        long_path = long_path || strncmp(res.issues[i].path, "staff.kkkk", 10) == 0;
    assert_true(long_path);
    xf_result_clear(&res);
    xf_submission_clear(&sub);
    free(key);

    /* control characters and long Chinese text are escaped and cut on a character */
    doc = base_doc();
    set(doc, "staff",
        "a\x01"
        "b\nc\x7f\xc2\x85",
        "1");
    set(doc, NULL, "school_name",
        "\"\\u001b[31m红色警告\\r\\n"
        "很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长"
        "\"");
    set(doc, NULL, "period",
        "\"学年学年学年学年学年学年学年学年学年学年学年学年学年学年学年学年学年学年学年学年\"");
    assert_int_equal(validate_doc(doc, &sub, &res), 1);
    expect_clean_issues(&res);
    expect_issue(&res, XF_WARNING, "unknown_field", "staff.a\\x01b\\nc\\x7f\\u0085", NULL);
    is = find_issue(&res, "name_mismatch", "school_name");
    assert_non_null(is);
    static const char start[] = "\"\\x1b[31m红色警告\\r\\n很长";
    assert_memory_equal(is->message, start, sizeof start - 1);
    assert_non_null(strstr(is->message, "...\" differs from the registry (\"玄武区示范小学\")"));
    /* the Chinese text quotes the same escaped, cut names */
    static const char start_zh[] = "学校名称(school_name)“\\x1b[31m红色警告\\r\\n很长";
    assert_memory_equal(is->message_zh, start_zh, sizeof start_zh - 1);
    assert_non_null(strstr(is->message_zh, "...”与市学校名册（“玄武区示范小学”）不一致"));
    is = find_issue(&res, "unknown_field", "staff.a\\x01b\\nc\\x7f\\u0085");
    assert_non_null(is);
    assert_string_equal(is->message_zh,
                        "字段(staff.a\\x01b\\nc\\x7f\\u0085)不在填报格式中，已忽略");
    is = find_issue(&res, "format", "period");
    assert_non_null(is);
    assert_non_null(strstr(is->message, "学年...\": expected"));
    assert_non_null(strstr(is->message_zh, "学年...”无效：应写作 YYYY-YYYY-T"));
    xf_result_clear(&res);
    xf_submission_clear(&sub);

    /* deep nesting is refused by the parser, not by the stack */
    buf b = BUF_INIT;
    assert_int_equal(buf_puts(&b, "{\"extra\":"), 0);
    for (int i = 0; i < 100000; i++)
        assert_int_equal(buf_putc(&b, '['), 0);
    assert_int_equal(validate_text(b.data, b.len, registry, &sub, &res), 1);
    assert_string_equal(res.issues[0].code, "json");
    expect_clean_issues(&res);
    xf_result_clear(&res);
    xf_submission_clear(&sub);
    buf_free(&b);
}

static void test_result_add(void **state)
{
    (void)state;
    struct xf_result res = {0};
    assert_int_equal(xf_result_add(&res, XF_WARNING, "outlier", "staff.psych_fulltime",
                                   "%d is more than 10x the district median (%d)", 40, 3),
                     0);
    assert_int_equal(res.nissues, 1);
    assert_int_equal(res.nwarnings, 1);
    assert_int_equal(res.nrejects, 0);
    assert_string_equal(res.issues[0].message, "40 is more than 10x the district median (3)");
    assert_int_equal(res.issues[0].severity, XF_WARNING);

    /* overlong text is cut on a character boundary */
    char longtext[1024];
    for (int i = 0; i < 300; i++)
        memcpy(longtext + 3 * i, "中", 3);
    longtext[900] = '\0';
    assert_int_equal(xf_result_add(&res, XF_REJECT, "a code far longer than thirty-one bytes",
                                   longtext, "x%s", longtext),
                     0);
    const struct xf_issue *is = &res.issues[1];
    /* "x" and whole three-byte characters: the cut left no partial one */
    assert_int_equal((strlen(is->message) - 1) % 3, 0);
    assert_true(strlen(is->message) >= sizeof is->message - 3);
    assert_int_equal(strlen(is->path) % 3, 0);
    assert_true(clean_utf8(is->message));
    assert_true(clean_utf8(is->path));
    assert_int_equal(strlen(is->code), sizeof is->code - 1);
    assert_int_equal(res.nrejects, 1);

    for (int i = 0; i < 500; i++)
        assert_int_equal(xf_result_add(&res, XF_WARNING, "w", "", "n %d", i), 0);
    assert_int_equal(res.nissues, XF_MAX_ISSUES);
    assert_int_equal(res.nwarnings, 501);
    assert_true(res.truncated);
    assert_true(res.cap <= XF_MAX_ISSUES);
    xf_result_clear(&res);
    xf_result_clear(&res);
    xf_result_clear(NULL);
    xf_submission_clear(NULL);
}

/* The result of a document as text, one issue per line: "reject code path: message". */
static char *render(const struct xf_result *res, int rc)
{
    buf b = BUF_INIT;
    buf_printf(&b, "result %s\n", rc == 0 ? "loaded" : rc == 1 ? "rejected" : "error");
    for (int i = 0; i < res->nissues; i++)
        buf_printf(&b, "%s %s %s: %s\n",
                   res->issues[i].severity == XF_REJECT ? "reject" : "warning", res->issues[i].code,
                   res->issues[i].path, res->issues[i].message);
    return buf_steal(&b);
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Data-driven cases: each directory holds input.json and the expected rendering. */

/* The conversions of a printf template, space-separated without their '%': "lld lld". */
static void conversions(const char *fmt, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (const char *p = fmt; *p != '\0'; p++) {
        if (*p != '%')
            continue;
        p++;
        if (*p == '%')
            continue;
        const char *start = p;
        while (*p != '\0' && strchr("diouxXeEfFgGaAcspn", *p) == NULL)
            p++;
        assert_true(*p != '\0');
        int len = (int)(p - start) + 1;
        int w = snprintf(out + n, cap - n, "%s%.*s", n > 0 ? " " : "", len, start);
        assert_true(w > 0 && (size_t)w < cap - n);
        n += (size_t)w;
    }
}

/* Every entry: a name, both texts, the same conversions in both as its args say, a known code. */
static void test_catalogue_entries(void **state)
{
    (void)state;
    static const char *const codes[] = {"",
                                        "json",
                                        "encoding",
                                        "type",
                                        "range",
                                        "format",
                                        "cross_field",
                                        "missing",
                                        "schema",
                                        "future",
                                        "bom",
                                        "unknown_field",
                                        "unknown_school",
                                        "inactive_school",
                                        "district_mismatch",
                                        "name_mismatch",
                                        "zero_enrollment",
                                        "gzip",
                                        "too_large",
                                        "too_many_issues"};
    bool code_seen[sizeof codes / sizeof codes[0]] = {false};
    assert_true(XF_NMESSAGES >= 60);
    for (int i = 0; i < XF_NMESSAGES; i++) {
        const struct xf_message *m = &xf_messages[i];
        assert_non_null(m->name);
        assert_non_null(m->en);
        assert_non_null(m->zh);
        assert_true(m->en[0] != '\0');
        assert_true(m->zh[0] != '\0');
        assert_true(clean_utf8(m->en) && clean_utf8(m->zh));
        char en[64], zh[64];
        conversions(m->en, en, sizeof en);
        conversions(m->zh, zh, sizeof zh);
        if (strcmp(en, m->args) != 0 || strcmp(zh, m->args) != 0)
            print_error("%s: args \"%s\", en \"%s\", zh \"%s\"\n", m->name, m->args, en, zh);
        assert_string_equal(en, m->args);
        assert_string_equal(zh, m->args);
        size_t c = 0;
        while (c < sizeof codes / sizeof codes[0] && strcmp(codes[c], m->code) != 0)
            c++;
        if (c == sizeof codes / sizeof codes[0])
            print_error("%s: unknown code \"%s\"\n", m->name, m->code);
        assert_true(c < sizeof codes / sizeof codes[0]);
        code_seen[c] = true;
        /* the Chinese text names fields by their labels, never by a bare key */
        for (const char *p = m->zh; *p != '\0'; p++)
            assert_false(p[0] == '_' && p > m->zh && p[-1] >= 'a' && p[-1] <= 'z');
        if (m->code[0] != '\0' && m->subject == XF_SUBJECT_NONE)
            assert_true(strcmp(m->code, "json") == 0 || strcmp(m->code, "encoding") == 0 ||
                        strcmp(m->code, "bom") == 0 || strcmp(m->code, "gzip") == 0 ||
                        strcmp(m->code, "too_large") == 0 ||
                        strcmp(m->code, "too_many_issues") == 0);
    }
    for (size_t c = 0; c < sizeof codes / sizeof codes[0]; c++) {
        if (!code_seen[c])
            print_error("no entry has code \"%s\"\n", codes[c]);
        assert_true(code_seen[c]);
    }
    assert_int_equal(strcmp(xf_messages[XF_MSG_CROSS_CERT_A].name, "CROSS_CERT_A"), 0);
}

/* Every entry formats in both languages with arguments of its args' types. */
static void test_catalogue_formats(void **state)
{
    (void)state;
    for (int i = 0; i < XF_NMESSAGES; i++) {
        const struct xf_message *m = &xf_messages[i];
        for (int l = 0; l < 2; l++) {
            enum xf_lang lang = l == 0 ? XF_LANG_ZH : XF_LANG_EN;
            char out[512];
            size_t n;
            const char *a = m->args;
            if (strcmp(a, "") == 0)
                n = xf_message_format(out, sizeof out, lang, (enum xf_msg_id)i);
            else if (strcmp(a, "s") == 0)
                n = xf_message_format(out, sizeof out, lang, (enum xf_msg_id)i, "X");
            else if (strcmp(a, "s s") == 0)
                n = xf_message_format(out, sizeof out, lang, (enum xf_msg_id)i, "X", "Y");
            else if (strcmp(a, "lld") == 0)
                n = xf_message_format(out, sizeof out, lang, (enum xf_msg_id)i, 7LL);
            else if (strcmp(a, "lld lld") == 0)
                n = xf_message_format(out, sizeof out, lang, (enum xf_msg_id)i, 7LL, 3LL);
            else if (strcmp(a, "s lld") == 0)
                n = xf_message_format(out, sizeof out, lang, (enum xf_msg_id)i, "X", 3LL);
            else if (strcmp(a, "s .0f") == 0)
                n = xf_message_format(out, sizeof out, lang, (enum xf_msg_id)i, "X", 168.0);
            else if (strcmp(a, "s zu") == 0)
                n = xf_message_format(out, sizeof out, lang, (enum xf_msg_id)i, "X", (size_t)9);
            else if (strcmp(a, "zu") == 0)
                n = xf_message_format(out, sizeof out, lang, (enum xf_msg_id)i, (size_t)9);
            else if (strcmp(a, "s d d") == 0)
                n = xf_message_format(out, sizeof out, lang, (enum xf_msg_id)i, "X", 1, 2);
            else if (strcmp(a, "04d d d") == 0)
                n = xf_message_format(out, sizeof out, lang, (enum xf_msg_id)i, 1999, 2000, 2100);
            else if (strcmp(a, "04d 04d") == 0)
                n = xf_message_format(out, sizeof out, lang, (enum xf_msg_id)i, 2024, 2026);
            else if (strcmp(a, "d lld") == 0)
                n = xf_message_format(out, sizeof out, lang, (enum xf_msg_id)i, 2, 40LL);
            else if (strcmp(a, "ld") == 0)
                n = xf_message_format(out, sizeof out, lang, (enum xf_msg_id)i, 5L);
            else if (strcmp(a, "ld ld ld ld") == 0)
                n = xf_message_format(out, sizeof out, lang, (enum xf_msg_id)i, 5L, 3L, 1L, 1L);
            else
                fail_msg("%s: no test arguments for \"%s\"", m->name, a);
            assert_int_equal(n, strlen(out));
            assert_true(n > 0);
            assert_true(clean_utf8(out));
        }
    }
    /* a cut never leaves half a character */
    char tiny[8];
    xf_message_format(tiny, sizeof tiny, XF_LANG_ZH, XF_MSG_CHECK_REJECTED);
    assert_string_equal(tiny, "退回");
    xf_message_format(tiny, 5, XF_LANG_ZH, XF_MSG_CHECK_REJECTED);
    assert_string_equal(tiny, "退");
    enum xf_lang lang;
    assert_int_equal(xf_lang_parse("en", &lang), 0);
    assert_int_equal(lang, XF_LANG_EN);
    assert_int_equal(xf_lang_parse("zh", &lang), 0);
    assert_int_equal(lang, XF_LANG_ZH);
    assert_int_equal(xf_lang_parse("EN", &lang), -1);
    assert_int_equal(xf_lang_parse(NULL, &lang), -1);
}

/* Every field of SUBMISSION.md section 2 and of the envelope has its label; unknown keys none. */
static void test_labels(void **state)
{
    (void)state;
    for (int i = 0; i < XF_NFIELDS; i++) {
        char path[96];
        snprintf(path, sizeof path, "%s.%s", xf_fields[i].section, xf_fields[i].name);
        if (xf_label_zh(path) == NULL)
            print_error("no label for %s\n", path);
        assert_non_null(xf_label_zh(path));
        assert_non_null(xf_label_zh(xf_fields[i].section));
    }
    static const char *const envelope[][2] = {
        {"school_code", "学校代码"},
        {"school_name", "学校名称"},
        {"district_code", "区县代码"},
        {"period", "学期"},
        {"submitted_at", "填报时间"},
        {"staff.psych_cert_a", "专兼职心理教师中持A证人数"},
        {"enrollment.by_grade.1", "1 年级在校学生数"},
        {"enrollment.by_grade.12", "12 年级在校学生数"},
        {"classes.by_grade.7", "7 年级班级数"},
        {"curriculum.lessons_by_grade.10", "10 年级心理健康课课时"},
    };
    for (size_t i = 0; i < sizeof envelope / sizeof envelope[0]; i++)
        assert_string_equal(xf_label_zh(envelope[i][0]), envelope[i][1]);
    assert_non_null(xf_label_zh("schema"));
    assert_null(xf_label_zh("enrollment.by_grade.13"));
    assert_null(xf_label_zh("enrollment.by_grade.0"));
    assert_null(xf_label_zh("staff.extra"));
    assert_null(xf_label_zh(""));
    assert_null(xf_label_zh(NULL));
    /* one label per path, and no two fields named alike */
    for (size_t i = 0; i < xf_nlabels; i++) {
        for (size_t j = i + 1; j < xf_nlabels; j++) {
            assert_true(strcmp(xf_labels[i].path, xf_labels[j].path) != 0);
            assert_true(strcmp(xf_labels[i].zh, xf_labels[j].zh) != 0);
        }
    }
    char out[64];
    size_t n = xf_label_subject(out, sizeof out, "staff.extra", "字段");
    assert_int_equal(n, strlen(out));
    assert_string_equal(out, "字段(staff.extra)");
    xf_label_subject(out, sizeof out, "", "字段");
    assert_string_equal(out, "");
    xf_label_subject(out, 8, "school_code", "字段"); /* cut on a character: 学校 is 6 bytes */
    assert_string_equal(out, "学校");
    /* the templates SQL formats carry the subject, and a '%' of it would be doubled */
    assert_true(xf_message_template_zh(out, sizeof out, XF_MSG_UNKNOWN_SCHOOL, "school_code") > 0);
    assert_string_equal(out, "学校代码(school_code)为 %s，不在市学校名册中");
    assert_int_equal(xf_message_template_zh(out, 10, XF_MSG_UNKNOWN_SCHOOL, "school_code"), 0);
    assert_true(xf_message_template_zh(out, sizeof out, XF_MSG_UNKNOWN_FIELD, "a%b") > 0);
    assert_string_equal(out, "字段(a%%b)不在填报格式中，已忽略");
}

/* The Chinese text of one issue of doc (consumed) with this code and path. */
static void expect_zh(json_t *doc, const char *code, const char *path, const char *zh)
{
    struct xf_submission sub;
    struct xf_result res;
    validate_doc(doc, &sub, &res);
    const struct xf_issue *is = find_issue(&res, code, path);
    if (is == NULL || strcmp(is->message_zh, zh) != 0) {
        print_error("want %s at \"%s\": %s; found:\n", code, path, zh);
        for (int i = 0; i < res.nissues; i++)
            print_error("  %s %s: %s\n", res.issues[i].code, res.issues[i].path,
                        res.issues[i].message_zh);
    }
    assert_non_null(is);
    assert_string_equal(is->message_zh, zh);
    xf_result_clear(&res);
    xf_submission_clear(&sub);
}

/* The same for a document given as text. */
static void expect_zh_text(const char *text, size_t len, const char *code, const char *zh)
{
    struct xf_submission sub;
    struct xf_result res;
    validate_text(text, len, registry, &sub, &res);
    const struct xf_issue *is = find_issue(&res, code, "");
    if (is == NULL)
        dump(&res);
    assert_non_null(is);
    assert_string_equal(is->message_zh, zh);
    xf_result_clear(&res);
    xf_submission_clear(&sub);
}

/* One representative input per issue code of the validator, with its whole Chinese text. */
static void test_chinese_per_code(void **state)
{
    (void)state;
    json_t *doc = base_doc();
    set(doc, "staff", "psych_cert_a", "38");
    expect_zh(
        doc, "cross_field", "staff.psych_cert_a",
        "专兼职心理教师中持A证人数(staff.psych_cert_a)为 38，超过专职与兼职心理教师人数之和 37");
    doc = base_doc();
    set(doc, "staff", "head_teachers", "\"29\"");
    expect_zh(doc, "type", "staff.head_teachers",
              "班主任及德育管理者人数(staff.head_teachers)应为非负整数，实际为文本“29”");
    doc = base_doc();
    set(doc, "staff", "psych_fulltime", "-5");
    expect_zh(doc, "type", "staff.psych_fulltime",
              "专职心理健康教师人数(staff.psych_fulltime)应为非负整数，实际为 -5");
    doc = base_doc();
    set(doc, "counseling", "open_hours_per_week", "200");
    expect_zh(doc, "range", "counseling.open_hours_per_week",
              "每周开放时长(counseling.open_hours_per_week)为 200，超出允许范围 0～168");
    doc = base_doc();
    set(doc, NULL, "school_code", "\"32010200\"");
    expect_zh(doc, "format", "school_code",
              "学校代码(school_code)“32010200”不是 10 位数字的学校标识码");
    doc = base_doc();
    set(doc, NULL, "period", NULL);
    expect_zh(doc, "missing", "period", "学期(period)为必填项，但未填写");
    doc = base_doc();
    set(doc, NULL, "schema", "\"mhe.submission/2\"");
    expect_zh(doc, "schema", "schema",
              "填报格式版本(schema)“mhe.submission/2”无法识别（应为 mhe.submission/1）");
    doc = base_doc();
    set(doc, NULL, "submitted_at", "\"2025-01-22T10:00:00+08:00\"");
    expect_zh(doc, "future", "submitted_at",
              "填报时间(submitted_at)为 2025-01-22T10:00:00+08:00，比本次处理的时间"
              "（2025-01-20T10:00:00+08:00）晚 1 天以上");
    doc = base_doc();
    set(doc, NULL, "school_code", "\"3201029999\"");
    expect_zh(doc, "unknown_school", "school_code",
              "学校代码(school_code)为 3201029999，不在市学校名册中");
    doc = base_doc();
    set(doc, "staff", "psych_assistants", "2");
    expect_zh(doc, "unknown_field", "staff.psych_assistants",
              "字段(staff.psych_assistants)不在填报格式中，已忽略");
    doc = base_doc();
    set(doc, NULL, "wellbeing", "{}");
    expect_zh(doc, "unknown_field", "wellbeing", "栏目(wellbeing)不在填报格式中，已忽略");
    doc = base_doc();
    set(doc, NULL, "school_name", "\"玄武区实验小学\"");
    expect_zh(doc, "name_mismatch", "school_name",
              "学校名称(school_name)“玄武区实验小学”与市学校名册（“玄武区示范小学”）不一致，"
              "已按名册处理");
    doc = base_doc();
    set(doc, NULL, "district_code", "\"320104\"");
    expect_zh(doc, "district_mismatch", "district_code",
              "区县代码(district_code)为 320104，与市学校名册（320102）不一致，已按名册处理");
    doc = base_doc();
    set(doc, NULL, "school_code", "\"3201050001\"");
    set(doc, NULL, "school_name", NULL);
    set(doc, NULL, "district_code", NULL);
    expect_zh(doc, "inactive_school", "school_code",
              "学校代码(school_code)为 3201050001，市学校名册中该校为停用状态");
    doc = base_doc();
    set(doc, NULL, "enrollment", "{\"by_grade\":{\"1\":0}}");
    set(doc, NULL, "classes", "{\"by_grade\":{\"1\":0}}");
    expect_zh(doc, "zero_enrollment", "enrollment.by_grade",
              "各年级在校学生数(enrollment.by_grade)均为 0：没有任何年级有在校学生");
    doc = base_doc();
    set(doc, "classes", "by_grade", "{\"1\":5,\"2\":5,\"3\":5,\"4\":5,\"5\":5,\"6\":0}");
    expect_zh(doc, "cross_field", "classes.by_grade.6",
              "6 年级班级数(classes.by_grade.6)未填写或为 0，但 6 年级有 180 名学生");
    doc = base_doc();
    set(doc, NULL, "period", "{\"academic_year\":\"2024-2026\",\"term\":1}");
    expect_zh(doc, "format", "period.academic_year",
              "学年(period.academic_year)“2024-2026”无效：后一年应比前一年大 1（2024-2026）");

    static const char not_json[] = "{\"schema\":";
    expect_zh_text(not_json, sizeof not_json - 1, "json",
                   "不是有效的 JSON（unexpected token near end of file，第 1 行第 10 列）");
    static const char gbk[] = "{\"school_name\":\"\xd0\xfe\xce\xe4\xc7\xf8\xca\xbe\xb7\xb6\"}";
    expect_zh_text(gbk, sizeof gbk - 1, "encoding",
                   "文件不是 UTF-8 编码，而是中文 Windows 的 GBK/GB18030 编码：请另存为 UTF-8 "
                   "编码后重新提交");
    char *bom = NULL;
    size_t len = strlen(base_json);
    bom = malloc(len + 3);
    assert_non_null(bom);
    memcpy(bom, "\xef\xbb\xbf", 3);
    memcpy(bom + 3, base_json, len);
    expect_zh_text(bom, len + 3, "bom", "文件以 UTF-8 字节顺序标记(BOM)开头，已忽略");
    free(bom);
}

static void test_cases(void **state)
{
    (void)state;
    DIR *dir = opendir(CASES);
    if (dir == NULL)
        print_error("cannot open %s (run from the repository root)\n", CASES);
    assert_non_null(dir);
    char *names[256];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL && n < 256) {
        if (e->d_name[0] != '.')
            names[n++] = strdup(e->d_name);
    }
    closedir(dir);
    qsort(names, (size_t)n, sizeof names[0], compare_names);
    assert_true(n >= 5);
    int failed = 0;
    for (int i = 0; i < n; i++) {
        char path[512];
        size_t len;
        snprintf(path, sizeof path, CASES "%s/input.json", names[i]);
        char *input = read_fixture(path, &len);
        snprintf(path, sizeof path, CASES "%s/expected.txt", names[i]);
        char *expected = read_fixture(path, &len);
        struct xf_submission sub;
        struct xf_result res;
        int rc = validate_text(input, strlen(input), registry, &sub, &res);
        char *got = render(&res, rc);
        if (strcmp(got, expected) != 0) {
            print_error("case %s:\n--- expected\n%s--- got\n%s", names[i], expected, got);
            failed++;
        }
        free(got);
        free(input);
        free(expected);
        xf_result_clear(&res);
        xf_submission_clear(&sub);
        free(names[i]);
    }
    assert_int_equal(failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_example_full),
        cmocka_unit_test(test_example_minimal),
        cmocka_unit_test(test_example_rejected),
        cmocka_unit_test(test_not_json),
        cmocka_unit_test(test_bom),
        cmocka_unit_test(test_base_is_clean),
        cmocka_unit_test(test_schema),
        cmocka_unit_test(test_school_code),
        cmocka_unit_test(test_registry_warnings),
        cmocka_unit_test(test_period),
        cmocka_unit_test(test_submitted_at),
        cmocka_unit_test(test_enrollment),
        cmocka_unit_test(test_counts),
        cmocka_unit_test(test_booleans),
        cmocka_unit_test(test_money),
        cmocka_unit_test(test_number_ranges),
        cmocka_unit_test(test_sections),
        cmocka_unit_test(test_cross_fields),
        cmocka_unit_test(test_all_reasons),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_result_add),
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_catalogue_entries),
        cmocka_unit_test(test_catalogue_formats),
        cmocka_unit_test(test_labels),
        cmocka_unit_test(test_chinese_per_code),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
