/* test_xform_xlsx.c - unit tests for the streaming .xlsx reader: values, refusals, memory. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <zip.h>

#include "common/buf.h"
#include "common/util.h"
#include "transform/xform_xlsx.h"

/* The committed fixtures, or (XLSX_FIXTURES=DIR/) ones made afresh by
 * tests/integration/xlsx_soffice.sh with this machine's openpyxl and LibreOffice. */
static const char *fixture_dir(void)
{
    const char *dir = getenv("XLSX_FIXTURES");
    return dir != NULL && dir[0] != '\0' ? dir : "tests/fixtures/xlsx/";
}

static unsigned char *slurp(const char *path, size_t *len)
{
    unsigned char *d = (unsigned char *)util_read_file(path, 64u * 1024 * 1024, len);
    if (d == NULL)
        fail_msg("cannot read %s", path);
    return d;
}

/* Every cell of every sheet as "sheet!ref type text|date|textfmt|formula" lines. */
struct dump {
    buf out;
    uint64_t cells;
    double sum;
    bool keep;
    long rss_max_kib; /* largest resident size seen while reading, sampled */
};

/* Resident size now, from /proc/self/statm: the peak counter would remember the test's own
 * setup (writing the workbook), this shows what reading holds. */
static long rss_now_kib(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    assert_non_null(f);
    long size = 0, resident = 0;
    assert_int_equal(fscanf(f, "%ld %ld", &size, &resident), 2);
    fclose(f);
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static int dump_cell(const struct xf_cell *c, void *ctx)
{
    struct dump *d = ctx;
    d->cells++;
    if (d->cells % 4096 == 1) {
        long now = rss_now_kib();
        if (now > d->rss_max_kib)
            d->rss_max_kib = now;
    }
    d->sum += c->type == XF_CELL_NUMBER ? c->number : 0;
    if (!d->keep)
        return 0;
    static const char *const types[] = {"number", "text", "bool", "error"};
    assert_int_equal(buf_printf(&d->out, "%s!%s %s %s%s%s%s\n", c->sheet_name, c->ref,
                                types[c->type], c->text, c->is_date ? " date" : "",
                                c->text_format ? " textfmt" : "", c->formula ? " formula" : ""),
                     0);
    return 0;
}

static int open_fixture(const char *name, unsigned char **data, struct xf_xlsx **x, char *err,
                        size_t errlen)
{
    size_t len;
    char path[256];
    snprintf(path, sizeof path, "%s%s", fixture_dir(), name);
    *data = slurp(path, &len);
    return xf_xlsx_open(*data, len, NULL, x, err, errlen);
}

static char *dump_all(struct xf_xlsx *x)
{
    struct dump d = {.out = BUF_INIT, .keep = true};
    char err[256] = "";
    for (size_t i = 0; i < xf_xlsx_sheet_count(x); i++) {
        assert_int_equal(buf_printf(&d.out, "[%s%s]\n", xf_xlsx_sheet_name(x, i),
                                    xf_xlsx_sheet_hidden(x, i) ? " hidden" : ""),
                         0);
        int rc = xf_xlsx_read_sheet(x, i, dump_cell, &d, err, sizeof err);
        if (rc != XF_XLSX_OK)
            fail_msg("sheet %zu: %s: %s", i, xf_xlsx_status_name(rc), err);
    }
    return buf_steal(&d.out);
}

/* The same workbook as openpyxl wrote it and as LibreOffice Calc saved it: same values. */
static void check_program_book(const char *name, bool formula_cached)
{
    unsigned char *data;
    struct xf_xlsx *x;
    char err[256] = "";
    assert_int_equal(open_fixture(name, &data, &x, err, sizeof err), XF_XLSX_OK);
    assert_int_equal(xf_xlsx_sheet_count(x), 2);
    assert_int_equal(xf_xlsx_sheet_find(x, "_version"), 1);
    assert_true(xf_xlsx_sheet_hidden(x, 1));
    assert_false(xf_xlsx_sheet_hidden(x, 0));
    char *all = dump_all(x);
    assert_non_null(strstr(all, "基本情况!A1 text 专职心理健康教师人数\n"));
    assert_non_null(strstr(all, "基本情况!B1 number 42\n"));
    assert_non_null(strstr(all, "基本情况!B2 number 3.5\n"));
    assert_non_null(strstr(all, "基本情况!B3 bool 1"));
    assert_non_null(strstr(all, "基本情况!B4 number 45646.42708333")); /* 2024-12-20 10:15 */
    assert_non_null(strstr(all, " date\n基本情况!A5"));
    assert_non_null(strstr(all, "基本情况!B5 text 12 textfmt\n"));
    assert_non_null(strstr(all, "基本情况!B7 number 45536 date\n")); /* yyyy"年"m"月"d"日" */
    assert_non_null(strstr(all, "基本情况!B8 number 0.25\n"));       /* a percentage */
    assert_non_null(strstr(all, "_version!B1 text 1\n"));
    if (formula_cached)
        assert_non_null(strstr(all, "基本情况!B6 number 84 formula\n"));
    else
        assert_null(strstr(all, "基本情况!B6")); /* a formula never calculated has no value */
    free(all);
    xf_xlsx_close(x);
    free(data);
}

static void test_openpyxl(void **state)
{
    (void)state;
    check_program_book("openpyxl.xlsx", false);
}

static void test_libreoffice(void **state)
{
    (void)state;
    check_program_book("libreoffice.xlsx", true);
}

static void test_inline_and_prefixed(void **state)
{
    (void)state;
    unsigned char *data;
    struct xf_xlsx *x;
    char err[256] = "";
    assert_int_equal(open_fixture("inline.xlsx", &data, &x, err, sizeof err), XF_XLSX_OK);
    char *all = dump_all(x);
    assert_string_equal(all, "[填报]\n"
                             "填报!A1 text 内联 & 文本\n"
                             "填报!B1 number 42\n"
                             "填报!A2 text 心理辅导 \n" /* rich text runs, no phonetic guide */
                             "填报!B2 number 84 formula\n"
                             "填报!C2 text ab formula\n"
                             "填报!B5 error #DIV/0!\n"
                             "填报!D5 bool 0\n"
                             "填报!F5 number 1.5E+3\n");
    free(all);
    xf_xlsx_close(x);
    free(data);
}

static void check_refused(const char *name, int want_open, int want_read, const char *want_err,
                          const char *want_zh)
{
    unsigned char *data;
    struct xf_xlsx *x = NULL;
    char err[256] = "";
    int rc = open_fixture(name, &data, &x, err, sizeof err);
    if (want_open != XF_XLSX_OK) {
        assert_int_equal(rc, want_open);
        assert_null(x);
    } else {
        assert_int_equal(rc, XF_XLSX_OK);
        struct dump d = {.out = BUF_INIT};
        rc = xf_xlsx_read_sheet(x, 0, dump_cell, &d, err, sizeof err);
        assert_int_equal(rc, want_read);
        xf_xlsx_close(x);
        rc = want_read;
    }
    if (strstr(err, want_err) == NULL)
        fail_msg("%s: reason \"%s\" lacks \"%s\"", name, err, want_err);
    assert_non_null(strstr(xf_xlsx_reason_zh(rc), want_zh));
    free(data);
}

static void test_refusals(void **state)
{
    (void)state;
    check_refused("renamed-xls.xlsx", XF_XLSX_LEGACY_XLS, 0, "97-2003", "另存为");
    check_refused("encrypted.xlsx", XF_XLSX_ENCRYPTED, 0, "EncryptedPackage", "密码");
    check_refused("macro.xlsm", XF_XLSX_MACRO, 0, "macro", ".xlsx");
    check_refused("document.docx", XF_XLSX_NOT_WORKBOOK, 0, "no spreadsheet", "模板");
    check_refused("truncated.xlsx", XF_XLSX_CORRUPT, 0, "truncated", "损坏");
    check_refused("billion-laughs-sst.xlsx", XF_XLSX_DTD, 0, "DOCTYPE", "DOCTYPE");
    check_refused("billion-laughs.xlsx", XF_XLSX_OK, XF_XLSX_DTD, "sheet1.xml has a DOCTYPE",
                  "DOCTYPE");
    check_refused("not-well-formed.xlsx", XF_XLSX_OK, XF_XLSX_CORRUPT, "not well-formed", "损坏");

    struct xf_xlsx *x = NULL;
    char err[256] = "";
    static const unsigned char text[] = "school_code,period\n";
    assert_int_equal(xf_xlsx_open(text, sizeof text - 1, NULL, &x, err, sizeof err),
                     XF_XLSX_NOT_ZIP);
    assert_int_equal(xf_xlsx_open(text, 0, NULL, &x, err, sizeof err), XF_XLSX_NOT_ZIP);
}

static void test_refs(void **state)
{
    (void)state;
    char ref[16];
    xf_xlsx_cell_ref(1, 1, ref);
    assert_string_equal(ref, "A1");
    xf_xlsx_cell_ref(26, 12, ref);
    assert_string_equal(ref, "Z12");
    xf_xlsx_cell_ref(27, 3, ref);
    assert_string_equal(ref, "AA3");
    xf_xlsx_cell_ref(16384, 1048576, ref);
    assert_string_equal(ref, "XFD1048576");
    uint32_t c, r;
    assert_int_equal(xf_xlsx_parse_ref("XFD1048576", &c, &r), 0);
    assert_int_equal(c, 16384);
    assert_int_equal(r, 1048576);
    assert_int_equal(xf_xlsx_parse_ref("C12", &c, &r), 0);
    assert_int_equal(c, 3);
    assert_int_equal(r, 12);
    assert_int_equal(xf_xlsx_parse_ref("XFE1", &c, &r), -1);
    assert_int_equal(xf_xlsx_parse_ref("A1048577", &c, &r), -1);
    assert_int_equal(xf_xlsx_parse_ref("A0", &c, &r), -1);
    assert_int_equal(xf_xlsx_parse_ref("a1", &c, &r), -1);
    assert_int_equal(xf_xlsx_parse_ref("A", &c, &r), -1);
    assert_int_equal(xf_xlsx_parse_ref("1", &c, &r), -1);
}

/* ---- large sheets, written here with minizip's zip API ---- */

static void put_part(zipFile zf, const char *name, const char *text)
{
    zip_fileinfo zi;
    memset(&zi, 0, sizeof zi);
    assert_int_equal(zipOpenNewFileInZip64(zf, name, &zi, NULL, 0, NULL, 0, NULL, Z_DEFLATED, 1, 1),
                     ZIP_OK);
    assert_int_equal(zipWriteInFileInZip(zf, text, (unsigned)strlen(text)), ZIP_OK);
    assert_int_equal(zipCloseFileInZip(zf), ZIP_OK);
}

/*
 * A workbook with one sheet of rows rows and cols number cells a row, the sheet written
 * piece by piece; bomb_bytes > 0 adds a second sheet of that many spaces. Returns its bytes.
 */
static unsigned char *big_book(uint32_t rows, uint32_t cols, size_t bomb_bytes, size_t *len)
{
    char path[] = "/tmp/xinyu-xlsx-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    zipFile zf = zipOpen64(path, APPEND_STATUS_CREATE);
    assert_non_null(zf);
    put_part(zf, "[Content_Types].xml",
             "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
             "<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/"
             "vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/></Types>");
    put_part(zf, "xl/workbook.xml",
             "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
             "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
             "<sheets><sheet name=\"汇总\" sheetId=\"1\" r:id=\"rId1\"/>"
             "<sheet name=\"bomb\" sheetId=\"2\" r:id=\"rId2\"/></sheets></workbook>");
    put_part(zf, "xl/_rels/workbook.xml.rels",
             "<Relationships "
             "xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
             "<Relationship Id=\"rId1\" Type=\"http://x/worksheet\" "
             "Target=\"worksheets/sheet1.xml\"/>"
             "<Relationship Id=\"rId2\" Type=\"http://x/worksheet\" "
             "Target=\"worksheets/sheet2.xml\"/></Relationships>");
    zip_fileinfo zi;
    memset(&zi, 0, sizeof zi);
    assert_int_equal(zipOpenNewFileInZip64(zf, "xl/worksheets/sheet1.xml", &zi, NULL, 0, NULL, 0,
                                           NULL, Z_DEFLATED, 1, 1),
                     ZIP_OK);
    buf b = BUF_INIT;
    assert_int_equal(buf_puts(&b, "<worksheet xmlns=\"http://schemas.openxmlformats.org/"
                                  "spreadsheetml/2006/main\"><sheetData>"),
                     0);
    for (uint32_t r = 1; r <= rows; r++) {
        assert_int_equal(buf_printf(&b, "<row r=\"%u\">", r), 0);
        for (uint32_t c = 1; c <= cols; c++) {
            char ref[16];
            xf_xlsx_cell_ref(c, r, ref);
            assert_int_equal(buf_printf(&b, "<c r=\"%s\"><v>%u</v></c>", ref, c), 0);
        }
        assert_int_equal(buf_puts(&b, "</row>"), 0);
        if (b.len > 1u << 20) {
            assert_int_equal(zipWriteInFileInZip(zf, b.data, (unsigned)b.len), ZIP_OK);
            buf_reset(&b);
        }
    }
    assert_int_equal(buf_puts(&b, "</sheetData></worksheet>"), 0);
    assert_int_equal(zipWriteInFileInZip(zf, b.data, (unsigned)b.len), ZIP_OK);
    assert_int_equal(zipCloseFileInZip(zf), ZIP_OK);
    buf_free(&b);

    assert_int_equal(zipOpenNewFileInZip64(zf, "xl/worksheets/sheet2.xml", &zi, NULL, 0, NULL, 0,
                                           NULL, Z_DEFLATED, 9, 1),
                     ZIP_OK);
    const char *head = "<worksheet><sheetData>";
    assert_int_equal(zipWriteInFileInZip(zf, head, (unsigned)strlen(head)), ZIP_OK);
    char *spaces = malloc(1u << 20);
    assert_non_null(spaces);
    memset(spaces, ' ', 1u << 20);
    for (size_t done = 0; done < bomb_bytes; done += 1u << 20)
        assert_int_equal(zipWriteInFileInZip(zf, spaces, 1u << 20), ZIP_OK);
    free(spaces);
    const char *tail = "</sheetData></worksheet>";
    assert_int_equal(zipWriteInFileInZip(zf, tail, (unsigned)strlen(tail)), ZIP_OK);
    assert_int_equal(zipCloseFileInZip(zf), ZIP_OK);
    assert_int_equal(zipClose(zf, NULL), ZIP_OK);
    unsigned char *bytes = (unsigned char *)util_read_file(path, 256u * 1024 * 1024, len);
    assert_non_null(bytes);
    unlink(path);
    return bytes;
}

/* 1,000,000 rows: refused at the row limit by default; read whole under a raised limit in
 * the same memory as a small sheet. */
static void test_million_rows(void **state)
{
    (void)state;
    size_t len;
    unsigned char *data = big_book(1000000, 1, 0, &len);
    struct xf_xlsx *x;
    char err[256] = "";
    assert_int_equal(xf_xlsx_open(data, len, NULL, &x, err, sizeof err), XF_XLSX_OK);
    struct dump d = {.out = BUF_INIT};
    assert_int_equal(xf_xlsx_read_sheet(x, 0, dump_cell, &d, err, sizeof err), XF_XLSX_TOO_LARGE);
    assert_non_null(strstr(err, "more than 100000 rows (row 100001)"));
    assert_int_equal(d.cells, 100000);
    xf_xlsx_close(x);

    struct xf_xlsx_limits lim;
    xf_xlsx_default_limits(&lim);
    lim.max_rows = 1048576;
    assert_int_equal(xf_xlsx_open(data, len, &lim, &x, err, sizeof err), XF_XLSX_OK);
    long before = rss_now_kib();
    struct dump all = {.out = BUF_INIT};
    assert_int_equal(xf_xlsx_read_sheet(x, 0, dump_cell, &all, err, sizeof err), XF_XLSX_OK);
    long grown = all.rss_max_kib - before;
    assert_int_equal(all.cells, 1000000);
    assert_true(all.sum == 1000000.0);
    print_message("1,000,000-row sheet (%zu bytes zipped): resident size grew by %ld KiB\n", len,
                  grown);
    assert_true(grown < 16 * 1024);
    xf_xlsx_close(x);
    free(data);
}

/* A district roll-up: 20,000 rows of 60 columns, within the default limits. */
static void test_rollup_size(void **state)
{
    (void)state;
    size_t len;
    unsigned char *data = big_book(20000, 60, 0, &len);
    struct xf_xlsx *x;
    char err[256] = "";
    assert_int_equal(xf_xlsx_open(data, len, NULL, &x, err, sizeof err), XF_XLSX_OK);
    long before = rss_now_kib();
    struct dump d = {.out = BUF_INIT};
    assert_int_equal(xf_xlsx_read_sheet(x, 0, dump_cell, &d, err, sizeof err), XF_XLSX_OK);
    long grown = d.rss_max_kib - before;
    assert_int_equal(d.cells, 20000u * 60);
    assert_true(d.sum == 20000.0 * (60 * 61 / 2));
    print_message("20,000 x 60 roll-up sheet: resident size grew by %ld KiB\n", grown);
    assert_true(grown < 16 * 1024);
    xf_xlsx_close(x);
    free(data);
}

/* A sheet part of 300 MiB of blanks (~300 KiB zipped): stopped at the 64 MiB part cap. */
static void test_zip_bomb_sheet(void **state)
{
    (void)state;
    size_t len;
    unsigned char *data = big_book(1, 1, 300u * 1024 * 1024, &len);
    assert_true(len < 2u * 1024 * 1024);
    struct xf_xlsx *x;
    char err[256] = "";
    assert_int_equal(xf_xlsx_open(data, len, NULL, &x, err, sizeof err), XF_XLSX_OK);
    long before = rss_now_kib();
    struct dump d = {.out = BUF_INIT};
    assert_int_equal(xf_xlsx_read_sheet(x, 1, dump_cell, &d, err, sizeof err), XF_XLSX_TOO_LARGE);
    long grown = rss_now_kib() - before; /* no cells to sample at: what stayed held */
    assert_non_null(strstr(err, "sheet2.xml inflates to more than"));
    print_message("zip bomb sheet (%zu bytes zipped): refused, resident size grew by %ld KiB\n",
                  len, grown);
    assert_true(grown < 16 * 1024);
    xf_xlsx_close(x);
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_openpyxl),
        cmocka_unit_test(test_libreoffice),
        cmocka_unit_test(test_inline_and_prefixed),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_refs),
        cmocka_unit_test(test_million_rows),
        cmocka_unit_test(test_rollup_size),
        cmocka_unit_test(test_zip_bomb_sheet),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
