/* test_xform_registry.c - reading schools.csv: good files, and every refusal with its line. */
#include <errno.h>
#include <iconv.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/buf.h"
#include "transform/xform.h"

#define HEADER "school_code,school_name,district_code,district_name,school_type,active\n"

/* Reports collected as "line: message" lines. */
struct reports {
    buf text;
    int count;
};

static void collect(int line, const char *message, void *ctx)
{
    struct reports *r = ctx;
    buf_printf(&r->text, "%d: %s\n", line, message);
    r->count++;
}

static struct xf_registry *parse(const char *csv, struct reports *r)
{
    memset(r, 0, sizeof *r);
    return xf_registry_parse(csv, strlen(csv), collect, r);
}

/* The file must be refused with exactly these reports ("line: message\n" each). */
static void expect_refused(const char *csv, const char *want)
{
    struct reports r;
    struct xf_registry *reg = parse(csv, &r);
    if (reg != NULL || r.text.data == NULL || strcmp(r.text.data, want) != 0)
        print_error("--- want\n%s--- got\n%s", want, r.text.data ? r.text.data : "(nothing)\n");
    assert_null(reg);
    assert_non_null(r.text.data);
    assert_string_equal(r.text.data, want);
    buf_free(&r.text);
}

static void test_spec_example(void **state)
{
    (void)state;
    struct reports r = {BUF_INIT, 0};
    struct xf_registry *reg =
        xf_registry_read("tests/fixtures/spec-examples/schools.csv", collect, &r);
    assert_non_null(reg);
    assert_int_equal(r.count, 0);
    assert_int_equal(xf_registry_count(reg), 5);

    const struct xf_school *s = xf_registry_find(reg, "3201040002");
    assert_non_null(s);
    assert_string_equal(s->school_name, "秦淮区特殊教育学校");
    assert_string_equal(s->district_code, "320104");
    assert_string_equal(s->district_name, "秦淮区");
    assert_string_equal(s->school_type, "special");
    assert_true(s->active);
    s = xf_registry_find(reg, "3201050001");
    assert_non_null(s);
    assert_false(s->active);
    assert_string_equal(s->school_type, "senior");
    assert_null(xf_registry_find(reg, "3201050002"));
    assert_null(xf_registry_find(reg, ""));
    assert_null(xf_registry_find(reg, NULL));

    /* file order */
    assert_string_equal(xf_registry_at(reg, 0)->school_code, "3201020001");
    assert_string_equal(xf_registry_at(reg, 2)->school_code, "3201040001");
    assert_string_equal(xf_registry_at(reg, 4)->school_code, "3201050001");
    assert_null(xf_registry_at(reg, 5));
    assert_null(xf_registry_at(reg, -1));
    xf_registry_free(reg);

    assert_int_equal(xf_registry_count(NULL), 0);
    assert_null(xf_registry_find(NULL, "3201020001"));
    assert_null(xf_registry_at(NULL, 0));
    xf_registry_free(NULL);
}

static void test_unreadable(void **state)
{
    (void)state;
    struct reports r = {BUF_INIT, 0};
    errno = 0;
    assert_null(xf_registry_read("tests/fixtures/no-such-registry.csv", collect, &r));
    assert_int_equal(errno, ENOENT);
    assert_int_equal(r.count, 0);
}

static void test_bom_crlf_quotes_blank_lines(void **state)
{
    (void)state;
    static const char csv[] =
        "\xef\xbb\xbf"
        "school_code,school_name,district_code,district_name,school_type,active\r\n"
        "\r\n"
        "3201020001,\"玄武区示范小学, 东校区\",320102,玄武区,primary,TRUE\r\n"
        "3201020002,\"\"\"阳光\"\"中学\",320102,\"玄武区\",junior,0\r\n"
        "\n"
        "\"3201040001\",秦淮区实验学校,320104,秦淮区,nine_year,1\r\n"
        "3201040002,秦淮区特教,320104,秦淮区,special,False";
    struct reports r;
    struct xf_registry *reg = parse(csv, &r);
    if (r.text.data != NULL)
        print_error("%s", r.text.data);
    assert_non_null(reg);
    assert_int_equal(xf_registry_count(reg), 4);
    const struct xf_school *s = xf_registry_find(reg, "3201020001");
    assert_string_equal(s->school_name, "玄武区示范小学, 东校区");
    assert_true(s->active);
    s = xf_registry_find(reg, "3201020002");
    assert_string_equal(s->school_name, "\"阳光\"中学");
    assert_false(s->active);
    assert_true(xf_registry_find(reg, "3201040001")->active);
    s = xf_registry_find(reg, "3201040002");
    assert_false(s->active);
    assert_string_equal(s->school_type, "special");
    assert_string_equal(xf_registry_at(reg, 3)->school_code, "3201040002");
    xf_registry_free(reg);
}

static void test_every_school_type(void **state)
{
    (void)state;
    static const char *const types[] = {
        "primary", "junior", "senior", "nine_year", "complete_secondary", "twelve_year", "special"};
    buf csv = BUF_INIT;
    buf_puts(&csv, HEADER);
    for (int i = 0; i < 7; i++)
        buf_printf(&csv, "320102000%d,学校%d,320102,玄武区,%s,true\n", i, i, types[i]);
    struct reports r;
    struct xf_registry *reg = parse(csv.data, &r);
    assert_non_null(reg);
    for (int i = 0; i < 7; i++)
        assert_string_equal(xf_registry_at(reg, i)->school_type, types[i]);
    xf_registry_free(reg);
    buf_free(&csv);
}

static void test_many_schools(void **state)
{
    (void)state;
    /* enough rows to grow the table many times; every one must still be found */
    enum { N = 20000 };
    buf csv = BUF_INIT;
    buf_puts(&csv, HEADER);
    for (int i = 0; i < N; i++)
        buf_printf(&csv, "%010d,学校%d,%06d,区%d,primary,%s\n", 1000000000 + i * 7, i,
                   320000 + i % 97, i % 97, i % 3 ? "true" : "false");
    struct reports r;
    struct xf_registry *reg = parse(csv.data, &r);
    if (r.text.data != NULL)
        print_error("%.500s", r.text.data);
    assert_non_null(reg);
    assert_int_equal(xf_registry_count(reg), N);
    for (int i = 0; i < N; i++) {
        char code[16];
        snprintf(code, sizeof code, "%010d", 1000000000 + i * 7);
        const struct xf_school *s = xf_registry_find(reg, code);
        assert_non_null(s);
        assert_ptr_equal(s, xf_registry_at(reg, i));
        assert_int_equal(s->active, i % 3 != 0);
        char missing[16];
        snprintf(missing, sizeof missing, "%010d", 1000000000 + i * 7 + 1);
        assert_null(xf_registry_find(reg, missing));
    }
    xf_registry_free(reg);
    buf_free(&csv);
}

static void test_bad_rows(void **state)
{
    (void)state;
    expect_refused(HEADER "3201020001,甲,320102,玄武区,primary,true\n"
                          "3201020002,乙,320102,玄武区,junior,true\n"
                          "3201020001,丙,320102,玄武区,senior,true\n",
                   "4: school_code 3201020001 is already listed on line 2\n");
    expect_refused(HEADER "3201020001,甲,320102,玄武区,primary,true\n"
                          "\n"
                          "3201020002,乙,320102,鼓楼区,junior,true\n",
                   "4: district 320102 is named \"鼓楼区\" here but \"玄武区\" on line 2\n");
    expect_refused(HEADER "3201020001,甲,320102,玄武区,primary\n"
                          "3201020002,乙,320102,玄武区,junior,true,extra\n",
                   "2: expected 6 fields, found 5\n"
                   "3: expected 6 fields, found 7\n");
    expect_refused(HEADER "3201020001,,320102,玄武区,primary,true\n", "2: school_name is empty\n");
    expect_refused(HEADER "3201020001,甲,320102,玄武区,primary,\n", "2: active is empty\n");
    expect_refused(HEADER "320102001,甲,320102,玄武区,primary,true\n",
                   "2: school_code \"320102001\" is not 10 digits\n");
    expect_refused(HEADER " 3201020001,甲,320102,玄武区,primary,true\n",
                   "2: school_code \" 3201020001\" is not 10 digits\n");
    expect_refused(HEADER "3201020001,甲,32010,玄武区,primary,true\n",
                   "2: district_code \"32010\" is not 6 digits\n");
    expect_refused(HEADER "3201020001,甲,320102,玄武区,university,yes\n",
                   "2: school_type \"university\" is not one of primary, junior, senior, "
                   "nine_year, complete_secondary, twelve_year, special\n"
                   "2: active \"yes\" is not true, false, 1 or 0\n");
    expect_refused(HEADER "3201020001,甲\x01,320102,玄武区,primary,true\n",
                   "2: school_name is not valid UTF-8 or holds control characters\n");
    expect_refused(HEADER "3201020001,\xe7\x94,320102,玄武区,primary,true\n",
                   "2: school_name is not valid UTF-8 or holds control characters\n");
}

static void test_every_bad_row_reported(void **state)
{
    (void)state;
    /* one pass names every bad line, good lines between them change nothing */
    expect_refused(HEADER "3201020001,甲,320102,玄武区,primary,true\n"
                          "bad\n"
                          "3201020002,乙,320102,玄武区,junior,true\n"
                          "3201020003,丙,320102,玄武区,junior,maybe\n"
                          "\n"
                          "3201020002,丁,320102,玄武区,junior,true\n",
                   "3: expected 6 fields, found 1\n"
                   "5: active \"maybe\" is not true, false, 1 or 0\n"
                   "7: school_code 3201020002 is already listed on line 4\n");
}

static void test_quoting_errors(void **state)
{
    (void)state;
    /* a quoted field may span lines; the next record's line number counts them */
    expect_refused(HEADER "3201020001,\"甲\n乙\",320102,玄武区,primary,true\n"
                          "3201020002,丙,320102,玄武区,junior,nope\n",
                   "2: school_name is not valid UTF-8 or holds control characters\n"
                   "4: active \"nope\" is not true, false, 1 or 0\n");
    expect_refused(HEADER "3201020001,\"甲\"x,320102,玄武区,primary,true\n"
                          "3201020002,乙,320102,玄武区,junior,nope\n",
                   "2: field 2 has text after its closing quote\n"
                   "3: active \"nope\" is not true, false, 1 or 0\n");
    expect_refused(HEADER "3201020001,甲\"乙,320102,玄武区,primary,true\n",
                   "2: field 2 has a quote but is not quoted\n");
    expect_refused(HEADER "3201020001,\"甲,320102,玄武区,primary,true\n"
                          "3201020002,乙,320102,玄武区,junior,true\n",
                   "2: a quoted field is not closed before the end of the file\n");
}

static void test_header(void **state)
{
    (void)state;
    expect_refused("", "1: the file is empty; the header must be "
                       "school_code,school_name,district_code,district_name,school_type,active\n");
    expect_refused("\n\n", "3: the file is empty; the header must be "
                           "school_code,school_name,district_code,district_name,school_type,"
                           "active\n");
    expect_refused("school_code,school_name,district_code,district_name,school_type\n"
                   "3201020001,甲,320102,玄武区,primary\n",
                   "1: the header must be "
                   "school_code,school_name,district_code,district_name,school_type,active\n");
    expect_refused("学校标识码,学校名称,区划代码,区名称,类型,在用\n",
                   "1: the header must be "
                   "school_code,school_name,district_code,district_name,school_type,active\n");
    expect_refused(HEADER, "2: the registry lists no schools\n");
    expect_refused(HEADER "\n\n", "4: the registry lists no schools\n");
    /* the header after blank lines is still the header */
    struct reports r;
    struct xf_registry *reg = parse("\n" HEADER "3201020001,甲,320102,玄武区,primary,true", &r);
    assert_non_null(reg);
    assert_int_equal(xf_registry_count(reg), 1);
    xf_registry_free(reg);
}

/* A registry saved in the encoding of Chinese Windows: one reason that says so, not one for
 * each of its 40 rows. The file is made here as Excel on Chinese Windows saves it. */
static void test_gbk_file(void **state)
{
    (void)state;
    buf utf8 = BUF_INIT;
    assert_int_equal(buf_puts(&utf8, "school_code,school_name,district_code,district_name,"
                                     "school_type,active\n"),
                     0);
    for (int i = 1; i <= 40; i++)
        assert_int_equal(
            buf_printf(&utf8, "32010200%02d,玄武区第%d小学,320102,玄武区,primary,true\n", i, i), 0);
    char gbk[8192];
    iconv_t cd = iconv_open("GB18030", "UTF-8");
    assert_true(cd != (iconv_t)-1);
    char *in = utf8.data, *out = gbk;
    size_t inleft = utf8.len, outleft = sizeof gbk - 1;
    assert_int_not_equal(iconv(cd, &in, &inleft, &out, &outleft), (size_t)-1);
    iconv_close(cd);
    *out = '\0';
    assert_true(strlen(gbk) < utf8.len); /* two bytes a character where UTF-8 has three */
    buf_free(&utf8);
    expect_refused(gbk, "1: the file is not UTF-8: it reads as GBK/GB18030, the encoding of "
                        "Chinese Windows; save it as UTF-8 (另存为 UTF-8 编码)\n");
}

static void test_limits(void **state)
{
    (void)state;
    /* a field over 1 KiB is refused, whatever its length, and the message stays short */
    size_t big = 1 << 20;
    buf csv = BUF_INIT;
    buf_puts(&csv, HEADER "3201020001,");
    for (size_t i = 0; i < big; i++)
        buf_putc(&csv, 'x');
    buf_puts(&csv, ",320102,玄武区,primary,true\n");
    buf_puts(&csv, "3201020002,");
    for (size_t i = 0; i < 1024; i++)
        buf_putc(&csv, 'y');
    buf_puts(&csv, ",320102,玄武区,primary,true\n");
    struct reports r;
    assert_null(parse(csv.data, &r));
    assert_string_equal(r.text.data, "2: school_name is longer than 1024 bytes\n");
    buf_free(&r.text);
    buf_free(&csv);

    /* a long bad value is quoted short */
    buf_puts(&csv, HEADER "3201020001,甲,320102,玄武区,");
    for (int i = 0; i < 300; i++)
        buf_puts(&csv, "类");
    buf_puts(&csv, ",true\n");
    assert_null(parse(csv.data, &r));
    assert_true(strlen(r.text.data) < 200);
    assert_non_null(strstr(r.text.data, "类类...\" is not one of"));
    buf_free(&r.text);
    buf_free(&csv);

    /* over 256 MiB is refused before anything is read; the length alone decides */
    static const char tiny[] = HEADER;
    memset(&r, 0, sizeof r);
    assert_null(xf_registry_parse(tiny, (size_t)257 << 20, collect, &r));
    assert_string_equal(r.text.data, "0: the registry is larger than 256 MiB\n");
    buf_free(&r.text);

    /* no report callback: still refused */
    assert_null(xf_registry_parse("bad", 3, NULL, NULL));
    assert_null(xf_registry_parse(NULL, 0, NULL, NULL));
}

/* ---- xf_registry_scan: the file in pieces ---------------------------------------------- */

/* A source handing out at most chunk bytes per read, or failing at fail_at. */
struct source {
    const char *data;
    size_t len, pos, chunk;
    size_t fail_at; /* 0: never */
    size_t endless; /* >0: after data, this many 'x' bytes per read, forever */
};

static ssize_t source_read(void *src, char *out, size_t cap)
{
    struct source *s = src;
    if (s->fail_at > 0 && s->pos >= s->fail_at) {
        errno = EIO;
        return -1;
    }
    if (s->pos >= s->len && s->endless > 0) {
        size_t n = cap < s->endless ? cap : s->endless;
        memset(out, 'x', n);
        return (ssize_t)n;
    }
    size_t n = s->len - s->pos;
    if (n > s->chunk)
        n = s->chunk;
    if (n > cap)
        n = cap;
    memcpy(out, s->data + s->pos, n);
    s->pos += n;
    return (ssize_t)n;
}

/* Rows as "line: code name district name type active" lines. */
static int collect_row(const struct xf_school *school, int line, void *ctx)
{
    buf *b = ctx;
    buf_printf(b, "%d: %s %s %s %s %s %d\n", line, school->school_code, school->school_name,
               school->district_code, school->district_name, school->school_type, school->active);
    return 0;
}

/* Scans csv in pieces of chunk bytes; rows and reports as text. Returns the scan's result. */
static int scan_text(const char *csv, size_t chunk, buf *rows, struct reports *r)
{
    struct source src = {csv, strlen(csv), 0, chunk, 0, 0};
    memset(r, 0, sizeof *r);
    *rows = (buf)BUF_INIT;
    return xf_registry_scan(source_read, &src, collect_row, rows, collect, r);
}

static void test_scan_any_piece_size(void **state)
{
    (void)state;
    /* every row's own faults, quotes over lines, CRLF, a BOM: whatever the pieces, the rows
     * and the reports are those of one read of the whole file */
    static const char *const files[] = {
        "\xef\xbb\xbf" HEADER "\r\n"
        "3201020001,\"玄武区示范小学, 东校区\",320102,玄武区,primary,TRUE\r\n"
        "3201020002,\"\"\"阳光\"\"中学\",320102,\"玄武区\",junior,0\r\n"
        "3201020001,甲,320102,鼓楼区,primary,1",
        HEADER "3201020001,\"甲\n乙\",320102,玄武区,primary,true\n"
               "3201020002,丙,320102,玄武区,junior,nope\n"
               "bad\n"
               "3201020003,\"甲\"x,320102,玄武区,primary,true\n"
               "3201020004,甲\"乙,320102,玄武区,primary,true\n"
               "3201020005,丁,320102,玄武区,special,false\r"
               "\n3201020006,\"戊,320102,玄武区,primary,true\n",
        "\n\n" HEADER "\n\n",
        "学校标识码,学校名称\n3201020001,甲\n",
        "",
        "\xef\xbb",
    };
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        buf want_rows, rows;
        struct reports want, got;
        int want_rc = scan_text(files[f], 1 << 20, &want_rows, &want);
        for (size_t chunk = 1; chunk <= 9; chunk++) {
            int rc = scan_text(files[f], chunk, &rows, &got);
            assert_int_equal(rc, want_rc);
            assert_int_equal(got.count, want.count);
            assert_string_equal(got.text.data ? got.text.data : "",
                                want.text.data ? want.text.data : "");
            assert_string_equal(rows.data ? rows.data : "", want_rows.data ? want_rows.data : "");
            buf_free(&rows);
            buf_free(&got.text);
        }
        buf_free(&want_rows);
        buf_free(&want.text);
    }

    /* what the checks of a row alone find is the whole of it: the checks across rows are
     * the caller's (a repeated code and a renamed district are handed on) */
    buf rows;
    struct reports r;
    int rc = scan_text(files[0], 3, &rows, &r);
    assert_int_equal(rc, 0);
    assert_string_equal(rows.data, "3: 3201020001 玄武区示范小学, 东校区 320102 玄武区 primary 1\n"
                                   "4: 3201020002 \"阳光\"中学 320102 玄武区 junior 0\n"
                                   "5: 3201020001 甲 320102 鼓楼区 primary 1\n");
    buf_free(&rows);
    rc = scan_text(files[1], 2, &rows, &r);
    assert_int_equal(rc, 6);
    assert_string_equal(r.text.data,
                        "2: school_name is not valid UTF-8 or holds control characters\n"
                        "4: active \"nope\" is not true, false, 1 or 0\n"
                        "5: expected 6 fields, found 1\n"
                        "6: field 2 has text after its closing quote\n"
                        "7: field 2 has a quote but is not quoted\n"
                        "9: a quoted field is not closed before the end of the file\n");
    /* the good rows are still handed on after a bad one */
    assert_string_equal(rows.data, "8: 3201020005 丁 320102 玄武区 special 0\n");
    buf_free(&rows);
    buf_free(&r.text);
}

static int stop_at_second(const struct xf_school *school, int line, void *ctx)
{
    (void)school;
    (void)line;
    int *n = ctx;
    return ++*n == 2 ? -1 : 0;
}

static void test_scan_failures(void **state)
{
    (void)state;
    static const char csv[] = HEADER "3201020001,甲,320102,玄武区,primary,true\n"
                                     "3201020002,乙,320102,玄武区,junior,true\n"
                                     "3201020003,丙,320102,玄武区,junior,true\n";
    /* a read error stops the scan with the source's errno */
    struct source src = {csv, strlen(csv), 0, 16, 100, 0};
    buf rows = BUF_INIT;
    struct reports r = {BUF_INIT, 0};
    errno = 0;
    assert_int_equal(xf_registry_scan(source_read, &src, collect_row, &rows, collect, &r), -1);
    assert_int_equal(errno, EIO);
    assert_int_equal(r.count, 0);
    buf_free(&rows);

    /* the row callback stops it */
    int n = 0;
    src = (struct source){csv, strlen(csv), 0, 16, 0, 0};
    assert_int_equal(xf_registry_scan(source_read, &src, stop_at_second, &n, collect, &r), -1);
    assert_int_equal(n, 2);

    /* a source that never ends is refused at 256 MiB, as one reason, in a window's memory */
    src =
        (struct source){HEADER "3201020001,", strlen(HEADER "3201020001,"), 0, 1 << 16, 0, 1 << 16};
    assert_int_equal(xf_registry_scan(source_read, &src, collect_row, &rows, collect, &r), 1);
    assert_string_equal(r.text.data, "0: the registry is larger than 256 MiB\n");
    assert_null(rows.data);
    buf_free(&r.text);
}

static void test_conflict_messages(void **state)
{
    (void)state;
    char m[512];
    xf_registry_duplicate_message(m, sizeof m, "3201020001", 4);
    assert_string_equal(m, "school_code 3201020001 is already listed on line 4");
    char name[400] = "";
    for (int i = 0; i < 40; i++)
        strcat(name, "区");
    xf_registry_district_message(m, sizeof m, "320102", name, "玄武区", 2);
    /* the long name is quoted short, cut on a character */
    assert_string_equal(m,
                        "district 320102 is named \"区区区区区区区区区区区区区区区区区区区区...\" "
                        "here but \"玄武区\" on line 2");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_example),
        cmocka_unit_test(test_unreadable),
        cmocka_unit_test(test_bom_crlf_quotes_blank_lines),
        cmocka_unit_test(test_every_school_type),
        cmocka_unit_test(test_many_schools),
        cmocka_unit_test(test_bad_rows),
        cmocka_unit_test(test_every_bad_row_reported),
        cmocka_unit_test(test_quoting_errors),
        cmocka_unit_test(test_header),
        cmocka_unit_test(test_gbk_file),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_scan_any_piece_size),
        cmocka_unit_test(test_scan_failures),
        cmocka_unit_test(test_conflict_messages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
