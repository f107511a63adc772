/* test_report_targets.c - the targets file reader: the spec example, defaults and every refusal. */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/util.h"
#include "report/report.h"

#define SPEC_EXAMPLE "tests/fixtures/targets/2024.json"
#define BAD_DIR "tests/fixtures/targets/bad"

static const struct report_target *target_of(const struct report_targets *t, const char *id)
{
    int i = report_indicator_find(id);
    assert_true(i >= 0);
    return &t->targets[i];
}

static void assert_zeroed(const struct report_targets *t)
{
    assert_null(t->title);
    assert_null(t->periods);
    assert_null(t->deadlines);
    assert_null(t->path);
    assert_int_equal(t->nperiods, 0);
    assert_int_equal(t->year, 0);
}

static void test_spec_example_loads(void **state)
{
    (void)state;
    struct report_targets t;
    char err[512];
    int rc = report_targets_load(SPEC_EXAMPLE, &t, err, sizeof err);
    if (rc != 0)
        fail_msg("%s", err);
    assert_int_equal(t.year, 2024);
    assert_string_equal(t.title, "2024年XX市中小学心理健康教育工作要点");
    assert_int_equal(t.nperiods, 2);
    assert_string_equal(t.periods[0], "2023-2024-2");
    assert_string_equal(t.periods[1], "2024-2025-1");
    assert_string_equal(t.deadlines[0], "2024-07-15");
    assert_string_equal(t.deadlines[1], "2025-01-20");
    assert_int_equal(t.weeks, 20);
    assert_int_equal(t.months, 5);
    assert_string_equal(t.path, SPEC_EXAMPLE);

    const struct report_target *reporting = target_of(&t, "reporting_rate");
    assert_true(reporting->set);
    assert_string_equal(reporting->op, ">=");
    assert_true(reporting->value == 1.0);
    assert_false(reporting->has_final);

    const struct report_target *per_teacher = target_of(&t, "students_per_fulltime");
    assert_true(per_teacher->set);
    assert_string_equal(per_teacher->op, "<=");
    assert_true(per_teacher->value == 1000.0);

    const struct report_target *cert_a = target_of(&t, "cert_a_coverage");
    assert_true(cert_a->value == 0.8);
    assert_true(cert_a->has_final);
    assert_int_equal(cert_a->final_year, 2025);
    assert_true(cert_a->final_value == 1.0);

    assert_true(target_of(&t, "on_time_rate")->value == 0.95);
    assert_true(target_of(&t, "funding_per_student")->value == 10.0);
    /* Every indicator but the monitored one has a target in the example. */
    for (int i = 0; i < REPORT_NINDICATORS; i++)
        assert_int_equal(t.targets[i].set,
                         strcmp(report_indicators[i].id, "crisis_rate_per_10k") != 0);

    assert_true(t.hours_per_week == 10.0);
    assert_true(t.min_trainings == 7.0);
    assert_true(t.min_psych == 1.0);
    assert_true(t.min_hours == 10.0);

    /* The digest is of the file's bytes as they are on disk. */
    size_t len = 0;
    char *bytes = util_read_file(SPEC_EXAMPLE, 1 << 20, &len);
    assert_non_null(bytes);
    unsigned char digest[UTIL_SHA256_LEN];
    assert_int_equal(util_sha256(bytes, len, digest), 0);
    assert_memory_equal(t.sha256, digest, UTIL_SHA256_LEN);
    free(bytes);

    report_targets_free(&t);
    assert_zeroed(&t);
}

static int parse_text(const char *text, struct report_targets *t, char *err, size_t errlen)
{
    return report_targets_parse(text, strlen(text), "inline.json", t, err, errlen);
}

static void test_defaults_when_absent(void **state)
{
    (void)state;
    struct report_targets t;
    char err[512];
    const char *text = "{\"year\": 2025, \"title\": \"t\", \"periods\": [\"2025-2026-1\"], "
                       "\"targets\": {}}";
    if (parse_text(text, &t, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_int_equal(t.year, 2025);
    assert_int_equal(t.nperiods, 1);
    assert_null(t.deadlines[0]);
    assert_int_equal(t.weeks, 20);
    assert_int_equal(t.months, 5);
    assert_true(t.hours_per_week == 10.0);
    assert_true(t.min_trainings == 7.0);
    assert_true(t.min_psych == 1.0);
    assert_true(t.min_hours == 10.0);
    for (int i = 0; i < REPORT_NINDICATORS; i++)
        assert_false(t.targets[i].set);
    report_targets_free(&t);
}

static void test_parameters_given(void **state)
{
    (void)state;
    struct report_targets t;
    char err[512];
    const char *text =
        "{\"year\": 2025, \"title\": \"t\", \"periods\": [\"2024-2025-2\", \"2025-2026-1\"],"
        " \"deadlines\": {\"2025-2026-1\": \"2026-01-31\"},"
        " \"terms\": {\"months\": 4, \"weeks\": 18},"
        " \"targets\": {"
        "  \"room_hours_compliance\": {\"op\": \">=\", \"value\": 1, \"hours_per_week\": 8},"
        "  \"parent_training_compliance\": {\"op\": \">=\", \"value\": 0.9, \"min_trainings\": 6,"
        "                                  \"min_psych\": 2},"
        "  \"teacher_training_compliance\": {\"op\": \">=\", \"value\": 1, \"min_hours\": 12.5},"
        "  \"crisis_rate_per_10k\": {\"op\": \"<=\", \"value\": 0}}}";
    if (parse_text(text, &t, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_int_equal(t.weeks, 18);
    assert_int_equal(t.months, 4);
    assert_null(t.deadlines[0]);
    assert_string_equal(t.deadlines[1], "2026-01-31");
    assert_true(t.hours_per_week == 8.0);
    assert_true(t.min_trainings == 6.0);
    assert_true(t.min_psych == 2.0);
    assert_true(t.min_hours == 12.5);
    /* An integer value is a number like any other. */
    assert_true(target_of(&t, "room_hours_compliance")->value == 1.0);
    assert_string_equal(target_of(&t, "crisis_rate_per_10k")->op, "<=");
    assert_true(target_of(&t, "crisis_rate_per_10k")->set);
    report_targets_free(&t);
}

static char *read_expected(const char *path)
{
    size_t len = 0;
    char *text = util_read_file(path, 4096, &len);
    if (text == NULL)
        fail_msg("cannot read %s", path);
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
        text[--len] = '\0';
    return text;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Each bad/NAME.json must be refused with exactly the message in bad/NAME.err. */
static void test_bad_files(void **state)
{
    (void)state;
    DIR *dir = opendir(BAD_DIR);
    assert_non_null(dir);
    char *names[128];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len > 5 && strcmp(e->d_name + len - 5, ".json") == 0) {
            assert_true(n < sizeof names / sizeof names[0]);
            names[n] = strndup(e->d_name, len - 5);
            assert_non_null(names[n]);
            n++;
        }
    }
    closedir(dir);
    qsort(names, n, sizeof names[0], compare_names);
    /* The directory is the test; an empty or lost one must not pass. */
    assert_true(n >= 20);
    int failures = 0;
    for (size_t i = 0; i < n; i++) {
        char json_path[256], err_path[256];
        assert_true((size_t)snprintf(json_path, sizeof json_path, "%s/%s.json", BAD_DIR, names[i]) <
                    sizeof json_path);
        assert_true((size_t)snprintf(err_path, sizeof err_path, "%s/%s.err", BAD_DIR, names[i]) <
                    sizeof err_path);
        char *expected = read_expected(err_path);
        struct report_targets t;
        char err[512];
        memset(err, 'x', sizeof err);
        int rc = report_targets_load(json_path, &t, err, sizeof err);
        if (rc != -1 || strcmp(err, expected) != 0) {
            print_error("%s:\n  expected: %s\n  got (%d): %s\n", names[i], expected, rc, err);
            failures++;
        }
        assert_zeroed(&t);
        report_targets_free(&t);
        free(expected);
        free(names[i]);
    }
    assert_int_equal(failures, 0);
}

/* Writes a valid targets document padded with spaces to exactly size bytes. */
static void write_padded(const char *path, size_t size)
{
    const char *text = "{\"year\": 2024, \"title\": \"t\", \"periods\": [\"2024-2025-1\"], "
                       "\"targets\": {}}";
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    for (size_t i = strlen(text); i < size; i++)
        assert_int_equal(fputc(' ', f), ' ');
    assert_int_equal(fclose(f), 0);
}

static void test_size_limit(void **state)
{
    (void)state;
    char path[] = "/tmp/xinyu-targets-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    struct report_targets t;
    char err[512];

    write_padded(path, 1024 * 1024);
    if (report_targets_load(path, &t, err, sizeof err) != 0)
        fail_msg("exactly 1 MiB must load: %s", err);
    report_targets_free(&t);

    write_padded(path, 1024 * 1024 + 1);
    assert_int_equal(report_targets_load(path, &t, err, sizeof err), -1);
    char expected[256];
    snprintf(expected, sizeof expected,
             "%s: file is larger than the 1 MiB allowed for a targets file", path);
    assert_string_equal(err, expected);
    assert_zeroed(&t);
    unlink(path);
}

static void test_missing_file(void **state)
{
    (void)state;
    struct report_targets t;
    char err[512];
    assert_int_equal(report_targets_load(BAD_DIR "/no-such-file.json", &t, err, sizeof err), -1);
    assert_string_equal(err, BAD_DIR "/no-such-file.json: cannot read: No such file or directory");
    assert_zeroed(&t);
}

static void test_byte_order_mark(void **state)
{
    (void)state;
    struct report_targets t;
    char err[512];
    const char *text = "\xEF\xBB\xBF{\"year\": 2024, \"title\": \"t\", \"periods\": "
                       "[\"2023-2024-2\"], \"targets\": {}}";
    if (parse_text(text, &t, err, sizeof err) != 0)
        fail_msg("%s", err);
    unsigned char digest[UTIL_SHA256_LEN];
    assert_int_equal(util_sha256(text, strlen(text), digest), 0);
    assert_memory_equal(t.sha256, digest, UTIL_SHA256_LEN);
    report_targets_free(&t);

    /* Columns are those an editor shows, which does not show the mark. */
    assert_int_equal(parse_text("\xEF\xBB\xBF{\"year\" 2024}", &t, err, sizeof err), -1);
    assert_string_equal(err, "inline.json: line 1 column 12: ':' expected near '2024'");
    assert_int_equal(parse_text("{\"year\" 2024}", &t, err, sizeof err), -1);
    assert_string_equal(err, "inline.json: line 1 column 12: ':' expected near '2024'");
}

static void test_key_from_file_is_sanitized(void **state)
{
    (void)state;
    struct report_targets t;
    char err[512];
    assert_int_equal(parse_text("{\"ye\\nar\": 2024}", &t, err, sizeof err), -1);
    assert_string_equal(err, "inline.json: ye?ar: unknown key");

    char text[400];
    snprintf(text, sizeof text,
             "{\"year\": 2024, \"title\": \"t\", \"periods\": [\"2024-2025-1\"],"
             " \"targets\": {\"%0100d\": {}}}",
             0);
    assert_int_equal(parse_text(text, &t, err, sizeof err), -1);
    char expected[200];
    snprintf(expected, sizeof expected, "inline.json: targets.%064d...: unknown indicator", 0);
    assert_string_equal(err, expected);
}

static void test_error_truncated_visibly(void **state)
{
    (void)state;
    struct report_targets t;
    char err[24];
    assert_int_equal(parse_text("{\"year\": 1999}", &t, err, sizeof err), -1);
    assert_int_equal(strlen(err), sizeof err - 1);
    assert_string_equal(err, "inline.json: year: m...");
}

static void test_free_accepts_null_and_twice(void **state)
{
    (void)state;
    report_targets_free(NULL);
    struct report_targets t;
    char err[512];
    assert_int_equal(report_targets_load(SPEC_EXAMPLE, &t, err, sizeof err), 0);
    report_targets_free(&t);
    report_targets_free(&t);
    assert_zeroed(&t);
}

static void test_indicator_find(void **state)
{
    (void)state;
    assert_int_equal(report_indicator_find("reporting_rate"), 0);
    assert_int_equal(report_indicator_find("crisis_rate_per_10k"), REPORT_NINDICATORS - 1);
    assert_int_equal(report_indicator_find("cert_a_coverage"), 6);
    assert_int_equal(report_indicator_find("nope"), -1);
    assert_int_equal(report_indicator_find(NULL), -1);
    for (int i = 0; i < REPORT_NINDICATORS; i++) {
        assert_int_equal(report_indicator_find(report_indicators[i].id), i);
        assert_true(strlen(report_indicators[i].zh) > 0);
        assert_true(strlen(report_indicators[i].en) > 0);
        assert_true(strlen(report_indicators[i].definition_zh) > 0);
        assert_true(strlen(report_indicators[i].definition_en) > 0);
    }
    assert_int_equal(report_indicators[report_indicator_find("students_per_fulltime")].unit,
                     REPORT_PER_TEACHER);
    assert_int_equal(report_indicators[report_indicator_find("funding_per_student")].unit,
                     REPORT_MONEY);
    assert_int_equal(report_indicators[report_indicator_find("crisis_rate_per_10k")].unit,
                     REPORT_PER_10K);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_example_loads),
        cmocka_unit_test(test_defaults_when_absent),
        cmocka_unit_test(test_parameters_given),
        cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_size_limit),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_byte_order_mark),
        cmocka_unit_test(test_key_from_file_is_sanitized),
        cmocka_unit_test(test_error_truncated_visibly),
        cmocka_unit_test(test_free_accepts_null_and_twice),
        cmocka_unit_test(test_indicator_find),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
