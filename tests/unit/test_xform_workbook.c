/* test_xform_workbook.c - the template written (report_template) and read back
 * (xform_workbook): the same submission as JSON, reasons on their cells, roll-ups, refusals. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/buf.h"
#include "common/util.h"
#include "report/report_template.h"
#include "transform/xform_workbook.h"

/* A submission with every section: the spec's full example, as a school would send it. */
static const char *const full_json =
    "{\"schema\":\"mhe.submission/1\",\"school_code\":\"3201020001\",\"school_name\":"
    "\"玄武区示范小学\",\"district_code\":\"320102\",\"period\":\"2024-2025-1\","
    "\"submitted_at\":\"2024-12-20T10:15:00+08:00\","
    "\"enrollment\":{\"by_grade\":{\"1\":210,\"2\":205,\"3\":198,\"4\":190,\"5\":188,\"6\":180}},"
    "\"classes\":{\"by_grade\":{\"1\":5,\"2\":5,\"3\":5,\"4\":5,\"5\":5,\"6\":4}},"
    "\"staff\":{\"psych_fulltime\":2,\"psych_parttime\":10,\"psych_fulltime_degree\":2,"
    "\"psych_cert_a\":7,\"parttime_3yr_head\":4,\"head_teachers\":29,\"head_teachers_cert_b\":"
    "20,\"subject_teachers\":70,\"subject_teachers_cert_c\":31},"
    "\"funding\":{\"psych_yuan\":38500.5},"
    "\"curriculum\":{\"lessons_by_grade\":{\"1\":40,\"2\":40,\"3\":40,\"4\":80,\"5\":80,\"6\":64},"
    "\"theme_meetings\":145,\"special_activities\":4},"
    "\"counseling\":{\"room\":true,\"open_hours_per_week\":7.5,\"individual_sessions\":65,"
    "\"group_sessions\":12,\"group_participants\":380},"
    "\"screening\":{\"students_screened\":550,\"students_flagged\":21,\"archives\":21},"
    "\"care\":{\"ledger\":false,\"left_behind\":6,\"single_parent\":20,\"special_needs\":3},"
    "\"home_school\":{\"parent_trainings\":3,\"psych_parent_trainings\":2,\"parent_attendees\":"
    "900,\"home_visit_rate\":0.75},"
    "\"training\":{\"all_staff_sessions\":2,\"hours_psych_and_head\":12.5},"
    "\"crisis\":{\"incidents\":1,\"referrals\":1,\"major_incident_school_fault\":false},"
    "\"governance\":{\"research_group\":true,\"three_year_plan\":true,"
    "\"annual_meeting_minutes\":true},"
    "\"research\":{\"city_awards\":2,\"papers\":3,\"books\":0,\"years_of_practice\":8}}";

static char tmpdir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/xinyu-wb-XXXXXX");
    assert_non_null(mkdtemp(tmpdir));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static const struct report_template_school school_1 = {
    "3201020001", "玄武区示范小学", "320102", "玄武区", "primary", NULL, NULL, NULL,
};

/* Writes the form of school_1 for 2024-2025-1 with values to name; returns its bytes. */
static unsigned char *write_form(const char *name, const struct xf_wb_value *values, size_t *len)
{
    struct report_template_school s = school_1;
    s.values = values;
    char path[128];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    assert_int_equal(report_template_school(path, "2024-2025-1", &s, NULL, 0, 1734660900), 0);
    unsigned char *data = (unsigned char *)util_read_file(path, 1u << 24, len);
    assert_non_null(data);
    return data;
}

/* What one read gave: the entries' JSON and their validation. */
struct got {
    int entries;
    char codes[64][24];
    struct xf_submission sub;
    struct xf_result res;
    int verdict;
    char cell_of_cert_a[128];
    long rss_max_kib; /* resident size, sampled every 512 entries */
};

/* Resident size now, from /proc/self/statm (as test_xform_xlsx samples it). */
static long rss_now_kib(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long size = 0, resident = 0;
    if (f == NULL)
        return 0;
    if (fscanf(f, "%ld %ld", &size, &resident) != 2)
        resident = 0;
    fclose(f);
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static int on_entry(const struct xf_wb_entry *e, void *ctx)
{
    struct got *g = ctx;
    if (g->entries < 64)
        snprintf(g->codes[g->entries], sizeof g->codes[0], "%s", e->school_code);
    if (g->entries % 512 == 0) {
        long now = rss_now_kib();
        if (now > g->rss_max_kib)
            g->rss_max_kib = now;
    }
    g->entries++;
    if (e->layout == XF_WB_ROLLUP && g->entries > 1)
        return 0;
    xf_submission_clear(&g->sub);
    xf_result_clear(&g->res);
    struct xf_options opt = {NULL, 1900000000};
    g->verdict = xf_wb_validate(e, &opt, &g->sub, &g->res);
    xf_wb_cell_of(e, "staff.psych_cert_a", g->cell_of_cert_a, sizeof g->cell_of_cert_a);
    return 0;
}

static void free_got(struct got *g)
{
    xf_submission_clear(&g->sub);
    xf_result_clear(&g->res);
}

/* Reads the workbook in data and checks that it gives the same normalized submission as
 * the JSON document json, without any reason. */
static void expect_same_as_json(const unsigned char *data, size_t len, const char *json)
{
    struct got g;
    memset(&g, 0, sizeof g);
    struct xf_wb_refusal why;
    int rc = xf_workbook_read(data, len, NULL, on_entry, &g, &why);
    if (rc != 0)
        fail_msg("refused: %s %s", why.code, why.message);
    assert_int_equal(g.entries, 1);
    if (g.res.nissues != 0)
        fail_msg("%s: %s", g.res.issues[0].path, g.res.issues[0].message);
    assert_int_equal(g.verdict, 0);

    struct xf_submission want;
    struct xf_result wres;
    struct xf_options opt = {NULL, 1900000000};
    assert_int_equal(xf_validate(json, strlen(json), &opt, &want, &wres), 0);
    assert_string_equal(g.sub.school_code, want.school_code);
    assert_string_equal(g.sub.period, want.period);
    assert_int_equal(g.sub.submitted_epoch, want.submitted_epoch);
    assert_memory_equal(g.sub.enrolled, want.enrolled, sizeof want.enrolled);
    assert_memory_equal(g.sub.enrolled_set, want.enrolled_set, sizeof want.enrolled_set);
    assert_memory_equal(g.sub.classes, want.classes, sizeof want.classes);
    assert_memory_equal(g.sub.lessons, want.lessons, sizeof want.lessons);
    assert_memory_equal(g.sub.lessons_set, want.lessons_set, sizeof want.lessons_set);
    assert_int_equal(g.sub.lessons_reported, want.lessons_reported);
    for (int i = 0; i < XF_NFIELDS; i++) {
        if (g.sub.values[i].set != want.values[i].set ||
            g.sub.values[i].number != want.values[i].number)
            fail_msg("%s.%s differs", xf_fields[i].section, xf_fields[i].name);
    }
    xf_submission_clear(&want);
    xf_result_clear(&wres);
    free_got(&g);
}

/* Template filled with the full example, read back: the same normalized submission as the
 * JSON itself, and no reason at all. */
static void test_round_trip(void **state)
{
    (void)state;
    struct xf_wb_value values[XF_WB_INPUTS];
    memset(values, 0, sizeof values);
    char err[256];
    assert_int_equal(xf_wb_values_from_json(full_json, strlen(full_json), values, err, sizeof err),
                     0);
    size_t len;
    unsigned char *data = write_form("full.xlsx", values, &len);
    xf_wb_values_clear(values, XF_WB_INPUTS);
    expect_same_as_json(data, len, full_json);

    struct got g;
    memset(&g, 0, sizeof g);
    struct xf_wb_refusal why;
    assert_int_equal(xf_workbook_read(data, len, NULL, on_entry, &g, &why), 0);
    assert_string_equal(g.cell_of_cert_a, "基本情况!C23 专兼职心理教师中持A证人数");
    free_got(&g);
    free(data);
}

/* The template filled with the spec's full example by xinyu template --fill, opened and saved
 * by LibreOffice Calc (the committed fixture, or WB_LIBREOFFICE made afresh by
 * tests/integration/template_soffice.sh): read the same as the JSON. */
static void test_libreoffice_saved(void **state)
{
    (void)state;
    const char *path = getenv("WB_LIBREOFFICE");
    if (path == NULL || path[0] == '\0')
        path = "tests/fixtures/xlsx/template-libreoffice.xlsx";
    size_t len, jlen;
    unsigned char *data = (unsigned char *)util_read_file(path, 1u << 24, &len);
    char *json =
        util_read_file("tests/fixtures/spec-examples/submission-full.json", 1u << 20, &jlen);
    assert_non_null(data);
    assert_non_null(json);
    expect_same_as_json(data, len, json);
    free(json);
    free(data);
}

/* A macro-enabled workbook whose macro part's name is not UTF-8 (found by fuzz_workbook): the
 * refusal names the part with the byte made visible, so that the message is text a letter and
 * the database can hold. */
static void test_refusal_names_part_readably(void **state)
{
    (void)state;
    size_t len;
    unsigned char *data = (unsigned char *)util_read_file(
        "tests/fixtures/xlsx/macro-part-not-utf8.xlsx", 1u << 20, &len);
    assert_non_null(data);
    struct got g;
    memset(&g, 0, sizeof g);
    struct xf_wb_refusal why;
    assert_int_equal(xf_workbook_read(data, len, NULL, on_entry, &g, &why), 1);
    assert_string_equal(why.code, "xlsx_macro_enabled");
    assert_true(buf_valid_utf8(why.message, strlen(why.message)));
    assert_non_null(strstr(why.message, "(part \\x80l/vbaProject.bin)"));
    free_got(&g);
    free(data);
}

/* Mistakes name their cells; an empty form is "not reported" throughout, never 0; an empty
 * 填报时间 takes the file's time with a warning. */
static void test_reasons_on_cells(void **state)
{
    (void)state;
    struct xf_wb_value values[XF_WB_INPUTS];
    memset(values, 0, sizeof values);
    int cert = xf_field_find("staff", "psych_cert_a");
    int full = xf_field_find("staff", "psych_fulltime");
    int part = xf_field_find("staff", "psych_parttime");
    int room = xf_field_find("counseling", "room");
    values[full] = (struct xf_wb_value){XF_WBV_NUMBER, 1, NULL, false};
    values[part] = (struct xf_wb_value){XF_WBV_NUMBER, 2, NULL, false};
    values[cert] = (struct xf_wb_value){XF_WBV_NUMBER, 4, NULL, false};
    values[room] = (struct xf_wb_value){XF_WBV_TEXT, 0, strdup("有"), false};
    int g1 = XF_WB_GRADE_INPUT(XF_WB_ENROLLED, 1);
    values[g1] = (struct xf_wb_value){XF_WBV_TEXT, 0, strdup("120"), false};
    size_t len;
    unsigned char *data = write_form("mistakes.xlsx", values, &len);
    xf_wb_values_clear(values, XF_WB_INPUTS);
    struct got g;
    memset(&g, 0, sizeof g);
    struct xf_wb_refusal why;
    struct xf_wb_read_opts ro = {.mtime_epoch = 1736908200}; /* 2025-01-15T10:30:00+08:00 */
    assert_int_equal(xf_workbook_read(data, len, &ro, on_entry, &g, &why), 0);
    assert_int_equal(g.verdict, 1);
    buf all = BUF_INIT;
    for (int i = 0; i < g.res.nissues; i++)
        buf_printf(&all, "%s %s %s\n", g.res.issues[i].severity == XF_REJECT ? "E" : "W",
                   g.res.issues[i].path, g.res.issues[i].message);
    const char *expect[] = {
        "E staff.psych_cert_a 基本情况!C23 专兼职心理教师中持A证人数: 4 exceeds psych_fulltime + "
        "psych_parttime (3)\n",
        "E counseling.room 基本情况!C",
        "是否建有心理辅导室: expected true, false, 0 or 1, got string \"有\"\n",
        "E classes.by_grade.1 基本情况!D12 一年级班级数: grade 1 has 120 students but no "
        "classes\n",
        "W enrollment.by_grade.1 基本情况!C12 一年级在校学生数: 数字“120”以文本形式填写",
        "W submitted_at 基本情况!C9 填报时间: 填报时间未填写，已按文件的修改时间 "
        "2025-01-15T10:30:00+08:00 计",
    };
    for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++)
        if (strstr(all.data, expect[i]) == NULL)
            fail_msg("missing \"%s\" in:\n%s", expect[i], all.data);
    assert_false(g.sub.values[xf_field_find("funding", "psych_yuan")].set); /* empty: NULL */
    assert_false(g.sub.lessons_reported);
    buf_free(&all);
    free_got(&g);
    free(data);
}

/* A district roll-up: one entry per school row with figures, in row order; rows without
 * any figure are schools that did not report. */
static void test_rollup(void **state)
{
    (void)state;
    enum { N = 5 };
    struct report_template_school s[N];
    static struct xf_wb_value values[N][XF_WB_INPUTS];
    char codes[N][24];
    int enrolled = XF_WB_GRADE_INPUT(XF_WB_ENROLLED, 7);
    for (int i = 0; i < N; i++) {
        snprintf(codes[i], sizeof codes[i], "320104%04d", i + 1);
        s[i] = (struct report_template_school){codes[i], "学校",    "320104", "秦淮区",
                                               "junior", values[i], NULL,     NULL};
        memset(values[i], 0, sizeof values[i]);
        if (i != 2) /* the third school sends nothing */
            values[i][enrolled] = (struct xf_wb_value){XF_WBV_NUMBER, 100 + i, NULL, false};
    }
    char path[128];
    snprintf(path, sizeof path, "%s/rollup.xlsx", tmpdir);
    assert_int_equal(
        report_template_rollup(path, "2023-2024-2", "320104", "秦淮区", s, N, 1720000000), 0);
    size_t len;
    unsigned char *data = (unsigned char *)util_read_file(path, 1u << 24, &len);
    struct got g;
    memset(&g, 0, sizeof g);
    struct xf_wb_refusal why;
    assert_int_equal(xf_workbook_read(data, len, NULL, on_entry, &g, &why), 0);
    assert_int_equal(g.entries, 4);
    assert_string_equal(g.codes[0], "3201040001");
    assert_string_equal(g.codes[2], "3201040004");
    assert_string_equal(g.sub.period, "2023-2024-2");
    assert_int_equal(g.sub.enrolled[6], 100);
    assert_true(strncmp(g.cell_of_cert_a, "汇总!", strlen("汇总!")) == 0 ||
                g.cell_of_cert_a[0] == '\0');
    free_got(&g);
    free(data);
}

/* 20,000 schools in one roll-up are read in bounded memory (rows are handed on one by one). */
static void test_rollup_20000(void **state)
{
    (void)state;
    enum { N = 20000 };
    struct report_template_school *s = calloc(N, sizeof *s);
    struct xf_wb_value *values = calloc(N, XF_WB_INPUTS * sizeof *values);
    char(*codes)[24] = calloc(N, sizeof *codes);
    assert_non_null(s);
    assert_non_null(values);
    assert_non_null(codes);
    for (int i = 0; i < N; i++) {
        snprintf(codes[i], sizeof codes[i], "32010%05d", i);
        struct xf_wb_value *v = &values[(size_t)i * XF_WB_INPUTS];
        s[i] = (struct report_template_school){codes[i],      "学校", "320104", "秦淮区",
                                               "twelve_year", v,      NULL,     NULL};
        for (int k = 0; k < XF_NFIELDS; k++)
            if (xf_fields[k].kind == XF_COUNT)
                v[k] = (struct xf_wb_value){XF_WBV_NUMBER, (double)(i % 97), NULL, false};
        for (int gr = 1; gr <= XF_GRADES; gr++) {
            v[XF_WB_GRADE_INPUT(XF_WB_ENROLLED, gr)] =
                (struct xf_wb_value){XF_WBV_NUMBER, 40, NULL, false};
            v[XF_WB_GRADE_INPUT(XF_WB_CLASSES, gr)] =
                (struct xf_wb_value){XF_WBV_NUMBER, 1, NULL, false};
        }
    }
    char path[128];
    snprintf(path, sizeof path, "%s/big.xlsx", tmpdir);
    assert_int_equal(
        report_template_rollup(path, "2024-2025-1", "320104", "秦淮区", s, N, 1720000000), 0);
    free(s);
    free(values);
    free(codes);
    size_t len;
    unsigned char *data = (unsigned char *)util_read_file(path, 1u << 28, &len);
    assert_non_null(data);
    long before = rss_now_kib();
    struct got g;
    memset(&g, 0, sizeof g);
    struct xf_wb_refusal why;
    assert_int_equal(xf_workbook_read(data, len, NULL, on_entry, &g, &why), 0);
    assert_int_equal(g.entries, N);
    long grew_kib = g.rss_max_kib - before;
    print_message("roll-up of %d rows (%zu bytes): resident size grew by %ld KiB while read\n", N,
                  len, grew_kib);
#ifndef __SANITIZE_ADDRESS__
    /* (AddressSanitizer keeps what is freed in quarantine: there the figure means nothing) */
    assert_true(grew_kib < 16 * 1024);
#endif
    free_got(&g);
    free(data);
}

/* Refusals name what to do, and carry the template's school when it is known. */
static void test_refusals(void **state)
{
    (void)state;
    struct got g;
    memset(&g, 0, sizeof g);
    struct xf_wb_refusal why;
    assert_int_equal(xf_workbook_read((const unsigned char *)"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8,
                                      NULL, on_entry, &g, &why),
                     1);
    assert_string_equal(why.code, "xlsx_legacy_xls");
    assert_non_null(strstr(why.message, "另存为"));
    assert_int_equal(xf_workbook_read((const unsigned char *)"{}", 2, NULL, on_entry, &g, &why), 1);
    assert_string_equal(why.code, "xlsx_not_xlsx");
    assert_int_equal(g.entries, 0);
}

static void test_tables(void **state)
{
    (void)state;
    for (int i = 0; i < XF_WB_INPUTS; i++) {
        char key[64], label[160];
        xf_wb_input_key(i, key, sizeof key);
        xf_wb_input_label(i, label, sizeof label);
        assert_int_equal(xf_wb_input_find(key), i);
        assert_true(strlen(label) > 0);
        assert_non_null(xf_wb_input_hint(i));
    }
    int lo, hi;
    assert_int_equal(xf_school_type_grades("junior", &lo, &hi), 0);
    assert_int_equal(lo, 7);
    assert_int_equal(hi, 9);
    assert_int_equal(xf_school_type_grades("university", &lo, &hi), -1);
    /* 2025-01-15 10:30 in Beijing is serial 45672.4375 */
    assert_int_equal(xf_wb_serial_to_epoch(45672.4375), 1736908200);
    assert_true(xf_wb_epoch_to_serial(1736908200) == 45672.4375);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tables),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_libreoffice_saved),
        cmocka_unit_test(test_reasons_on_cells),
        cmocka_unit_test(test_rollup),
        cmocka_unit_test(test_rollup_20000),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_refusal_names_part_readably),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
