/* test_report_xlsx.c - the workbook appears whole or not at all; the sheet API's failures. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/util.h"
#include "report/report.h"

static const struct report_target at_least_80 = {true, ">=", 0.8, true, 2025, 1.0};
static const struct report_target at_most_1000 = {true, "<=", 1000, false, 0, 0};

struct sample {
    struct report_overview overview[2];
    struct report_row rows[5];
    struct report_doc doc;
};

static struct report_row make_row(const char *indicator, const char *district, const char *type,
                                  double numerator, double denominator,
                                  const struct report_target *target)
{
    struct report_row row;
    memset(&row, 0, sizeof row);
    row.indicator = report_indicator_find(indicator);
    assert_true(row.indicator >= 0);
    assert_int_equal(util_strlcpy(row.district_code, district, sizeof row.district_code), 0);
    assert_int_equal(util_strlcpy(row.school_type, type, sizeof row.school_type), 0);
    row.has_numerator = true;
    row.numerator = numerator;
    row.has_denominator = true;
    row.denominator = denominator;
    row.schools = 2;
    report_row_evaluate(&row, target);
    return row;
}

static void make_sample(struct sample *s)
{
    memset(s, 0, sizeof *s);
    struct report_overview city = {"", "", 39, 38, 53492, 15, 292, 39, 32};
    struct report_overview d1 = {"320102", "", 20, 20, 30000, 10, 150, 20, 18};
    s->overview[0] = city;
    s->overview[1] = d1;
    s->rows[0] = make_row("cert_a_coverage", "", "", 30, 37, &at_least_80);
    s->rows[1] = make_row("cert_a_coverage", "320102", "primary", 30, 37, &at_least_80);
    s->rows[2] = make_row("students_per_fulltime", "320102", "", 31, 0, &at_most_1000);
    s->rows[3] = make_row("crisis_rate_per_10k", "", "", 30000, 53492, NULL);
    s->rows[4] = make_row("funding_per_student", "", "", 8200.5, 1171, NULL);
    s->doc.kind = "indicators";
    s->doc.year = 2024;
    assert_int_equal(
        util_strlcpy(s->doc.generated_at, "2025-01-21T02:00:00+08:00", sizeof s->doc.generated_at),
        0);
    s->doc.rows = s->rows;
    s->doc.nrows = 5;
    s->doc.overview = s->overview;
    s->doc.noverview = 2;
}

/* A fresh directory per test, removed with whatever the test left in it. */
static int make_dir(void **state)
{
    char *dir = strdup("/tmp/xinyu-xlsx-XXXXXX");
    if (dir == NULL || mkdtemp(dir) == NULL) {
        free(dir);
        return -1;
    }
    *state = dir;
    return 0;
}

static void remove_tree(const char *path)
{
    DIR *d = opendir(path);
    if (d == NULL) {
        unlink(path);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char child[4096];
        snprintf(child, sizeof child, "%s/%s", path, e->d_name);
        remove_tree(child);
    }
    closedir(d);
    chmod(path, 0700);
    rmdir(path);
}

static int remove_dir(void **state)
{
    remove_tree(*state);
    free(*state);
    return 0;
}

/* Names in dir other than . and .., sorted into one comma-separated string. */
static void list_dir(const char *dir, char *out, size_t n)
{
    char names[16][256];
    size_t count = 0;
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        assert_true(count < 16);
        assert_int_equal(util_strlcpy(names[count++], e->d_name, sizeof names[0]), 0);
    }
    closedir(d);
    for (size_t i = 1; i < count; i++) {
        for (size_t k = i; k > 0 && strcmp(names[k - 1], names[k]) > 0; k--) {
            char tmp[256];
            memcpy(tmp, names[k], sizeof tmp);
            memcpy(names[k], names[k - 1], sizeof tmp);
            memcpy(names[k - 1], tmp, sizeof tmp);
        }
    }
    out[0] = '\0';
    size_t len = 0;
    for (size_t i = 0; i < count; i++) {
        int w = snprintf(out + len, n - len, "%s%s", i ? "," : "", names[i]);
        assert_true(w > 0 && (size_t)w < n - len);
        len += (size_t)w;
    }
}

static char *read_all(const char *path, size_t *len)
{
    char *data = util_read_file(path, 64 << 20, len);
    assert_non_null(data);
    return data;
}

static void test_writes_zip_and_no_temporary(void **state)
{
    const char *dir = *state;
    struct sample s;
    make_sample(&s);
    char path[512], listing[1024];
    snprintf(path, sizeof path, "%s/indicators-2024.xlsx", dir);
    assert_int_equal(report_write_xlsx(&s.doc, path, "zh"), 0);
    size_t len;
    char *data = read_all(path, &len);
    assert_true(len > 1000);
    assert_memory_equal(data, "PK\x03\x04", 4);
    free(data);
    list_dir(dir, listing, sizeof listing);
    assert_string_equal(listing, "indicators-2024.xlsx");
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);

    /* English names; an existing file is replaced whole */
    assert_int_equal(report_write_xlsx(&s.doc, path, "en"), 0);
    list_dir(dir, listing, sizeof listing);
    assert_string_equal(listing, "indicators-2024.xlsx");
}

/* A workbook of rows read back from a spool is the workbook of the same rows in memory. */
static void test_spooled_rows(void **state)
{
    const char *dir = *state;
    struct sample s;
    make_sample(&s);
    char a[512], b[512];
    snprintf(a, sizeof a, "%s/a.xlsx", dir);
    snprintf(b, sizeof b, "%s/b.xlsx", dir);
    /* a spool takes the rows grouped by indicator, in the catalog's order */
    for (size_t i = 1; i < s.doc.nrows; i++) {
        for (size_t k = i; k > 0 && s.rows[k - 1].indicator > s.rows[k].indicator; k--) {
            struct report_row r = s.rows[k];
            s.rows[k] = s.rows[k - 1];
            s.rows[k - 1] = r;
        }
    }
    assert_int_equal(report_write_xlsx(&s.doc, a, "en"), 0);
    struct report_spool *sp = report_spool_new();
    assert_non_null(sp);
    for (size_t i = 0; i < s.doc.nrows; i++)
        assert_int_equal(report_spool_add(sp, &s.rows[i]), 0);
    s.doc.rows = NULL;
    s.doc.nrows = 0;
    s.doc.spool = sp;
    assert_int_equal(report_write_xlsx(&s.doc, b, "en"), 0);
    report_spool_free(sp);
    size_t alen, blen;
    char *adata = read_all(a, &alen), *bdata = read_all(b, &blen);
    assert_int_equal(alen, blen);
    assert_memory_equal(adata, bdata, alen);
    free(adata);
    free(bdata);
}

static void test_deterministic(void **state)
{
    const char *dir = *state;
    struct sample s;
    make_sample(&s);
    char a[512], b[512];
    snprintf(a, sizeof a, "%s/a.xlsx", dir);
    snprintf(b, sizeof b, "%s/b.xlsx", dir);
    assert_int_equal(report_write_xlsx(&s.doc, a, "zh"), 0);
    assert_int_equal(report_write_xlsx(&s.doc, b, "zh"), 0);
    size_t alen, blen;
    char *adata = read_all(a, &alen), *bdata = read_all(b, &blen);
    assert_int_equal(alen, blen);
    assert_memory_equal(adata, bdata, alen);
    free(adata);
    free(bdata);
}

static void test_missing_directory_fails(void **state)
{
    const char *dir = *state;
    struct sample s;
    make_sample(&s);
    char path[512], listing[1024];
    snprintf(path, sizeof path, "%s/missing/indicators-2024.xlsx", dir);
    assert_int_equal(report_write_xlsx(&s.doc, path, "zh"), -1);
    list_dir(dir, listing, sizeof listing);
    assert_string_equal(listing, "");

    /* a parent that is a file */
    char file[512];
    snprintf(file, sizeof file, "%s/file", dir);
    assert_int_equal(util_write_file_atomic(file, "x", 1), 0);
    snprintf(path, sizeof path, "%s/file/indicators-2024.xlsx", dir);
    assert_int_equal(report_write_xlsx(&s.doc, path, "zh"), -1);
    list_dir(dir, listing, sizeof listing);
    assert_string_equal(listing, "file");
}

static void test_unwritable_directory_fails(void **state)
{
    const char *dir = *state;
    /* the superuser writes into any directory: the case cannot be made for root */
    if (geteuid() == 0)
        skip();
    struct sample s;
    make_sample(&s);
    char path[512], listing[1024];
    snprintf(path, sizeof path, "%s/indicators-2024.xlsx", dir);
    assert_int_equal(chmod(dir, 0500), 0);
    assert_int_equal(report_write_xlsx(&s.doc, path, "zh"), -1);
    assert_int_equal(chmod(dir, 0700), 0);
    list_dir(dir, listing, sizeof listing);
    assert_string_equal(listing, "");
}

/* The workbook is written, but its name cannot be taken: the temporary file goes. */
static void test_failed_rename_leaves_nothing(void **state)
{
    const char *dir = *state;
    struct sample s;
    make_sample(&s);
    char path[512], inner[600], listing[1024];
    snprintf(path, sizeof path, "%s/indicators-2024.xlsx", dir);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(inner, sizeof inner, "%s/keep", path);
    assert_int_equal(util_write_file_atomic(inner, "x", 1), 0);
    assert_int_equal(report_write_xlsx(&s.doc, path, "zh"), -1);
    list_dir(dir, listing, sizeof listing);
    assert_string_equal(listing, "indicators-2024.xlsx");
    list_dir(path, listing, sizeof listing);
    assert_string_equal(listing, "keep");
}

static void test_refuses_bad_input(void **state)
{
    const char *dir = *state;
    struct sample s;
    make_sample(&s);
    char path[512], listing[1024];
    snprintf(path, sizeof path, "%s/indicators-2024.xlsx", dir);
    assert_int_equal(report_write_xlsx(&s.doc, path, "fr"), -1);
    s.rows[2].indicator = -1;
    assert_int_equal(report_write_xlsx(&s.doc, path, "zh"), -1);
    list_dir(dir, listing, sizeof listing);
    assert_string_equal(listing, "");
}

static const struct report_xlsx_column audit_columns[] = {
    {"学校代码 school_code", 14},
    {"比例 share", 10},
};

static void test_sheet_api(void **state)
{
    const char *dir = *state;
    char path[512], listing[1024];
    snprintf(path, sizeof path, "%s/audit.xlsx", dir);

    /* a sheet of another report, written through the same calls */
    struct report_xlsx *x = report_xlsx_open(path, "审核", 0);
    assert_non_null(x);
    struct report_xlsx_sheet *s = report_xlsx_add_sheet(x, "审核 audit", audit_columns, 2);
    assert_non_null(s);
    report_xlsx_text(s, 0, "3201020001");
    report_xlsx_number(s, 1, true, 0.5, REPORT_XLSX_PERCENT);
    report_xlsx_end_row(s);
    report_xlsx_text(s, 0, "3201020002");
    report_xlsx_number(s, 1, false, 0, REPORT_XLSX_PERCENT);
    report_xlsx_end_row(s);
    assert_int_equal(report_xlsx_close(x), 0);
    list_dir(dir, listing, sizeof listing);
    assert_string_equal(listing, "audit.xlsx");
    assert_int_equal(unlink(path), 0);

    /* invalid sheet names: the failure sticks and nothing is written */
    static const char *const bad_names[] = {
        "a/b", "[audit]", "audit:2024",
        "a*",  "what?",   "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二"};
    for (size_t i = 0; i < sizeof bad_names / sizeof bad_names[0]; i++) {
        x = report_xlsx_open(path, NULL, 0);
        assert_non_null(x);
        assert_null(report_xlsx_add_sheet(x, bad_names[i], audit_columns, 2));
        assert_int_equal(report_xlsx_close(x), -1);
        list_dir(dir, listing, sizeof listing);
        assert_string_equal(listing, "");
    }

    /* a cell beyond the sheet's columns, then a duplicate sheet name */
    x = report_xlsx_open(path, NULL, 0);
    assert_non_null(x);
    s = report_xlsx_add_sheet(x, "审核 audit", audit_columns, 2);
    assert_non_null(s);
    report_xlsx_text(s, 2, "beyond");
    assert_int_equal(report_xlsx_close(x), -1);
    x = report_xlsx_open(path, NULL, 0);
    assert_non_null(report_xlsx_add_sheet(x, "审核 audit", audit_columns, 2));
    assert_null(report_xlsx_add_sheet(x, "审核 audit", audit_columns, 2));
    assert_int_equal(report_xlsx_close(x), -1);
    list_dir(dir, listing, sizeof listing);
    assert_string_equal(listing, "");

    /* given up on purpose */
    x = report_xlsx_open(path, NULL, 0);
    assert_non_null(x);
    report_xlsx_discard(x);
    report_xlsx_discard(NULL);
    assert_int_equal(report_xlsx_close(NULL), -1);
    list_dir(dir, listing, sizeof listing);
    assert_string_equal(listing, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_writes_zip_and_no_temporary, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_deterministic, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_spooled_rows, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_missing_directory_fails, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_unwritable_directory_fails, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_failed_rename_leaves_nothing, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_refuses_bad_input, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_sheet_api, make_dir, remove_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
