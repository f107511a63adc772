/* test_ingest_zip.c - unit tests for bounded reading of zip archives held in memory. */
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

#include "common/util.h"
#include "ingest/ingest_zip.h"

#define MIB (1024u * 1024)

struct part_spec {
    const char *name;
    const void *data;
    size_t len;
    int method; /* 0 stored, Z_DEFLATED */
};

/* Writes an archive of the given parts with minizip's zip API and returns its bytes. */
static unsigned char *make_zip(const struct part_spec *parts, size_t n, size_t *len)
{
    char path[] = "/tmp/xinyu-zip-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    zipFile zf = zipOpen64(path, APPEND_STATUS_CREATE);
    assert_non_null(zf);
    for (size_t i = 0; i < n; i++) {
        zip_fileinfo zi;
        memset(&zi, 0, sizeof zi);
        assert_int_equal(zipOpenNewFileInZip64(zf, parts[i].name, &zi, NULL, 0, NULL, 0, NULL,
                                               parts[i].method, Z_DEFAULT_COMPRESSION,
                                               parts[i].len > 0xffffffffu),
                         ZIP_OK);
        if (parts[i].len > 0)
            assert_int_equal(zipWriteInFileInZip(zf, parts[i].data, (unsigned)parts[i].len),
                             ZIP_OK);
        assert_int_equal(zipCloseFileInZip(zf), ZIP_OK);
    }
    assert_int_equal(zipClose(zf, NULL), ZIP_OK);
    unsigned char *bytes = (unsigned char *)util_read_file(path, 512u * MIB, len);
    assert_non_null(bytes);
    unlink(path);
    return bytes;
}

/* Offset of the first 4-byte signature sig at or after from, or SIZE_MAX. */
static size_t find_sig(const unsigned char *z, size_t len, size_t from, uint32_t sig)
{
    for (size_t i = from; i + 4 <= len; i++)
        if ((uint32_t)(z[i] | z[i + 1] << 8 | z[i + 2] << 16 | (uint32_t)z[i + 3] << 24) == sig)
            return i;
    return SIZE_MAX;
}

static const char xml_a[] =
    "<?xml version=\"1.0\"?><workbook><sheet name=\"基本情况\"/></workbook>";
static const char text_b[] = "stored part, not compressed";

static unsigned char *sample_zip(size_t *len)
{
    struct part_spec parts[] = {
        {"xl/workbook.xml", xml_a, sizeof xml_a - 1, Z_DEFLATED},
        {"docProps/app.xml", text_b, sizeof text_b - 1, 0},
        {"[Content_Types].xml", "<Types/>", 8, Z_DEFLATED},
    };
    return make_zip(parts, 3, len);
}

static void test_list_and_read(void **state)
{
    (void)state;
    size_t len;
    unsigned char *zbytes = sample_zip(&len);
    struct ingest_zip *z;
    char err[256] = "";
    assert_int_equal(ingest_zip_open(zbytes, len, NULL, &z, err, sizeof err), INGEST_ZIP_OK);
    assert_int_equal(ingest_zip_count(z), 3);
    assert_true(ingest_zip_find(z, "xl/workbook.xml") >= 0);
    assert_true(ingest_zip_find(z, "[Content_Types].xml") >= 0);
    assert_int_equal(ingest_zip_find(z, "xl/Workbook.xml"), -1);
    assert_false(ingest_zip_any_encrypted(z));
    const struct ingest_zip_part *p =
        ingest_zip_part_at(z, (size_t)ingest_zip_find(z, "docProps/app.xml"));
    assert_non_null(p);
    assert_int_equal(p->method, 0);
    assert_int_equal(p->declared_size, sizeof text_b - 1);
    assert_null(ingest_zip_part_at(z, 3));

    buf out = BUF_INIT;
    assert_int_equal(ingest_zip_read(z, "xl/workbook.xml", 0, &out, err, sizeof err),
                     INGEST_ZIP_OK);
    assert_string_equal(out.data, xml_a);
    buf_reset(&out);
    assert_int_equal(ingest_zip_read(z, "docProps/app.xml", 0, &out, err, sizeof err),
                     INGEST_ZIP_OK);
    assert_string_equal(out.data, text_b);
    assert_int_equal(ingest_zip_total_read(z), sizeof xml_a - 1 + sizeof text_b - 1);

    buf_reset(&out);
    assert_int_equal(ingest_zip_read(z, "xl/sharedStrings.xml", 0, &out, err, sizeof err),
                     INGEST_ZIP_MISSING);
    assert_non_null(strstr(err, "xl/sharedStrings.xml"));

    /* a per-read cap below the part's size refuses it */
    buf_reset(&out);
    assert_int_equal(ingest_zip_read(z, "xl/workbook.xml", 10, &out, err, sizeof err),
                     INGEST_ZIP_TOO_LARGE);
    buf_free(&out);
    ingest_zip_close(z);
    free(zbytes);
}

struct collect {
    buf all;
    size_t pieces;
    size_t largest;
    size_t stop_after;
};

static int collect_fn(const unsigned char *data, size_t len, void *ctx)
{
    struct collect *c = ctx;
    assert_int_equal(buf_append(&c->all, data, len), 0);
    c->pieces++;
    if (len > c->largest)
        c->largest = len;
    return c->stop_after > 0 && c->pieces >= c->stop_after;
}

static void test_stream_in_pieces(void **state)
{
    (void)state;
    const size_t big = 3 * MIB + 17;
    unsigned char *data = malloc(big);
    assert_non_null(data);
    uint32_t x = 7;
    for (size_t i = 0; i < big; i++) {
        x = x * 1103515245u + 12345u;
        data[i] = (unsigned char)("<row r=\"1\"><c><v>1</v></c></row>"[i % 33] ^ ((x >> 28) & 1));
    }
    struct part_spec parts[] = {{"xl/worksheets/sheet1.xml", data, big, Z_DEFLATED}};
    size_t len;
    unsigned char *zbytes = make_zip(parts, 1, &len);
    struct ingest_zip *z;
    char err[256] = "";
    assert_int_equal(ingest_zip_open(zbytes, len, NULL, &z, err, sizeof err), INGEST_ZIP_OK);

    struct collect c = {.all = BUF_INIT};
    assert_int_equal(
        ingest_zip_stream(z, "xl/worksheets/sheet1.xml", collect_fn, &c, err, sizeof err),
        INGEST_ZIP_OK);
    assert_int_equal(c.all.len, big);
    assert_memory_equal(c.all.data, data, big);
    assert_true(c.pieces > 1);
    assert_true(c.largest <= 64u * 1024);

    /* a callback that says stop is obeyed at once */
    buf_free(&c.all);
    struct collect s = {.all = BUF_INIT, .stop_after = 2};
    assert_int_equal(
        ingest_zip_stream(z, "xl/worksheets/sheet1.xml", collect_fn, &s, err, sizeof err),
        INGEST_ZIP_STOPPED);
    assert_int_equal(s.pieces, 2);
    buf_free(&s.all);
    ingest_zip_close(z);
    free(zbytes);
    free(data);
}

/* A part of 40 MiB of zeros compresses to ~40 KiB: refused at the cap, never held whole. */
static void test_zip_bomb(void **state)
{
    (void)state;
    const size_t big = 40 * MIB;
    unsigned char *zeros = calloc(1, big);
    assert_non_null(zeros);
    struct part_spec parts[] = {{"xl/worksheets/sheet1.xml", zeros, big, Z_DEFLATED},
                                {"xl/worksheets/sheet2.xml", zeros, 600 * 1024, Z_DEFLATED},
                                {"xl/worksheets/sheet3.xml", zeros, 600 * 1024, Z_DEFLATED}};
    size_t len;
    unsigned char *zbytes = make_zip(parts, 3, &len);
    free(zeros);
    assert_true(len < MIB);

    struct ingest_zip_limits lim = {.max_parts = 10, .max_part_bytes = MIB, .max_total_bytes = MIB};
    struct ingest_zip *z;
    char err[256] = "";
    assert_int_equal(ingest_zip_open(zbytes, len, &lim, &z, err, sizeof err), INGEST_ZIP_OK);
    buf out = BUF_INIT;
    assert_int_equal(ingest_zip_read(z, "xl/worksheets/sheet1.xml", 0, &out, err, sizeof err),
                     INGEST_ZIP_TOO_LARGE);
    assert_true(out.len <= MIB);
    assert_true(out.cap <= 2 * MIB + 64u * 1024);
    assert_non_null(strstr(err, "sheet1.xml"));
    assert_true(ingest_zip_total_read(z) <= MIB);
    ingest_zip_close(z);

    /* two parts each within the per-part cap, together over the total */
    struct ingest_zip_limits lim2 = {
        .max_parts = 10, .max_part_bytes = MIB, .max_total_bytes = MIB};
    assert_int_equal(ingest_zip_open(zbytes, len, &lim2, &z, err, sizeof err), INGEST_ZIP_OK);
    buf_reset(&out);
    assert_int_equal(ingest_zip_read(z, "xl/worksheets/sheet2.xml", 0, &out, err, sizeof err),
                     INGEST_ZIP_OK);
    assert_int_equal(out.len, 600 * 1024);
    buf_reset(&out);
    assert_int_equal(ingest_zip_read(z, "xl/worksheets/sheet3.xml", 0, &out, err, sizeof err),
                     INGEST_ZIP_TOO_LARGE);
    assert_non_null(strstr(err, "in total"));
    buf_free(&out);
    ingest_zip_close(z);
    free(zbytes);
}

/* The directory says 10 bytes; the data inflates to far more: refused, never trusted. */
static void test_lying_sizes(void **state)
{
    (void)state;
    const size_t big = 2 * MIB;
    unsigned char *zeros = calloc(1, big);
    assert_non_null(zeros);
    struct part_spec parts[] = {{"a.xml", zeros, big, Z_DEFLATED}};
    size_t len;
    unsigned char *zbytes = make_zip(parts, 1, &len);
    free(zeros);
    size_t cd = find_sig(zbytes, len, 0, 0x02014b50u);
    size_t lh = find_sig(zbytes, len, 0, 0x04034b50u);
    assert_true(cd != SIZE_MAX && lh != SIZE_MAX);
    /* uncompressed size: central directory offset 24, local header offset 22 */
    zbytes[cd + 24] = 10, zbytes[cd + 25] = 0, zbytes[cd + 26] = 0, zbytes[cd + 27] = 0;
    zbytes[lh + 22] = 10, zbytes[lh + 23] = 0, zbytes[lh + 24] = 0, zbytes[lh + 25] = 0;

    struct ingest_zip *z;
    char err[256] = "";
    assert_int_equal(ingest_zip_open(zbytes, len, NULL, &z, err, sizeof err), INGEST_ZIP_OK);
    buf out = BUF_INIT;
    int rc = ingest_zip_read(z, "a.xml", 0, &out, err, sizeof err);
    assert_int_not_equal(rc, INGEST_ZIP_OK);
    assert_true(rc == INGEST_ZIP_CORRUPT || rc == INGEST_ZIP_TOO_LARGE);
    buf_free(&out);
    ingest_zip_close(z);

    /* and with a per-part cap of 1 MiB the real size is what counts */
    zbytes[cd + 24] = 0, zbytes[cd + 25] = 0, zbytes[cd + 26] = 0x20, zbytes[cd + 27] = 0;
    zbytes[lh + 22] = 0, zbytes[lh + 23] = 0, zbytes[lh + 24] = 0x20, zbytes[lh + 25] = 0;
    struct ingest_zip_limits lim = {
        .max_parts = 10, .max_part_bytes = MIB, .max_total_bytes = 64 * MIB};
    assert_int_equal(ingest_zip_open(zbytes, len, &lim, &z, err, sizeof err), INGEST_ZIP_OK);
    buf out2 = BUF_INIT;
    assert_int_equal(ingest_zip_read(z, "a.xml", 0, &out2, err, sizeof err), INGEST_ZIP_TOO_LARGE);
    assert_true(out2.len <= MIB);
    buf_free(&out2);
    ingest_zip_close(z);
    free(zbytes);
}

static void test_not_a_zip(void **state)
{
    (void)state;
    struct ingest_zip *z = (struct ingest_zip *)1;
    char err[256] = "";
    /* an OLE compound file (legacy .xls, or an encrypted Office file) */
    static const unsigned char ole[] = {0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0};
    assert_int_equal(ingest_zip_open(ole, sizeof ole, NULL, &z, err, sizeof err),
                     INGEST_ZIP_CORRUPT);
    assert_null(z);
    assert_non_null(strstr(err, "not a zip"));
    assert_int_equal(ingest_zip_open(ole, 0, NULL, &z, err, sizeof err), INGEST_ZIP_CORRUPT);

    /* truncated: the central directory is gone */
    size_t len;
    unsigned char *zbytes = sample_zip(&len);
    for (size_t cut = 1; cut < len; cut += 7) {
        int rc = ingest_zip_open(zbytes, len - cut, NULL, &z, err, sizeof err);
        if (rc == INGEST_ZIP_OK) {
            /* a cut inside the comment-free tail cannot leave a readable directory */
            ingest_zip_close(z);
            fail_msg("truncated by %zu bytes but opened", cut);
        }
        assert_int_equal(rc, INGEST_ZIP_CORRUPT);
        assert_null(z);
    }
    free(zbytes);
}

static void test_damaged_data(void **state)
{
    (void)state;
    size_t len;
    unsigned char *zbytes = sample_zip(&len);
    /* the first part's compressed data starts after its 30-byte header and its name */
    size_t lh = find_sig(zbytes, len, 0, 0x04034b50u);
    size_t name_len = (size_t)(zbytes[lh + 26] | zbytes[lh + 27] << 8);
    size_t extra_len = (size_t)(zbytes[lh + 28] | zbytes[lh + 29] << 8);
    size_t data_at = lh + 30 + name_len + extra_len;
    for (size_t i = 0; i < 8; i++)
        zbytes[data_at + 2 + i] ^= 0x5a;
    struct ingest_zip *z;
    char err[256] = "";
    assert_int_equal(ingest_zip_open(zbytes, len, NULL, &z, err, sizeof err), INGEST_ZIP_OK);
    buf out = BUF_INIT;
    assert_int_equal(ingest_zip_read(z, "xl/workbook.xml", 0, &out, err, sizeof err),
                     INGEST_ZIP_CORRUPT);
    assert_non_null(strstr(err, "xl/workbook.xml"));
    /* the other parts are still readable */
    buf_reset(&out);
    assert_int_equal(ingest_zip_read(z, "docProps/app.xml", 0, &out, err, sizeof err),
                     INGEST_ZIP_OK);
    buf_free(&out);
    ingest_zip_close(z);
    free(zbytes);
}

static void test_part_count(void **state)
{
    (void)state;
    struct part_spec parts[5];
    static const char *const names[] = {"a", "b", "c", "d", "e"};
    for (size_t i = 0; i < 5; i++)
        parts[i] = (struct part_spec){names[i], "x", 1, Z_DEFLATED};
    size_t len;
    unsigned char *zbytes = make_zip(parts, 5, &len);
    struct ingest_zip_limits lim = {.max_parts = 4, .max_part_bytes = MIB, .max_total_bytes = MIB};
    struct ingest_zip *z;
    char err[256] = "";
    assert_int_equal(ingest_zip_open(zbytes, len, &lim, &z, err, sizeof err), INGEST_ZIP_TOO_MANY);
    assert_null(z);
    assert_non_null(strstr(err, "5 parts"));
    lim.max_parts = 5;
    assert_int_equal(ingest_zip_open(zbytes, len, &lim, &z, err, sizeof err), INGEST_ZIP_OK);
    assert_int_equal(ingest_zip_count(z), 5);
    ingest_zip_close(z);
    free(zbytes);

    /* one name twice */
    struct part_spec dup[] = {{"xl/workbook.xml", "<a/>", 4, Z_DEFLATED},
                              {"xl/workbook.xml", "<b/>", 4, Z_DEFLATED}};
    zbytes = make_zip(dup, 2, &len);
    assert_int_equal(ingest_zip_open(zbytes, len, NULL, &z, err, sizeof err), INGEST_ZIP_CORRUPT);
    assert_non_null(strstr(err, "twice"));
    free(zbytes);
}

/* The encryption bit set in both headers: listed, and refused on reading. */
static void test_encrypted_entry(void **state)
{
    (void)state;
    size_t len;
    unsigned char *zbytes = sample_zip(&len);
    for (size_t at = 0; (at = find_sig(zbytes, len, at, 0x04034b50u)) != SIZE_MAX; at += 4)
        zbytes[at + 6] |= 1;
    for (size_t at = 0; (at = find_sig(zbytes, len, at, 0x02014b50u)) != SIZE_MAX; at += 4)
        zbytes[at + 8] |= 1;
    struct ingest_zip *z;
    char err[256] = "";
    assert_int_equal(ingest_zip_open(zbytes, len, NULL, &z, err, sizeof err), INGEST_ZIP_OK);
    assert_true(ingest_zip_any_encrypted(z));
    buf out = BUF_INIT;
    assert_int_equal(ingest_zip_read(z, "xl/workbook.xml", 0, &out, err, sizeof err),
                     INGEST_ZIP_ENCRYPTED);
    assert_non_null(strstr(err, "encrypted"));
    assert_int_equal(out.len, 0);
    buf_free(&out);
    ingest_zip_close(z);
    free(zbytes);
    assert_string_equal(ingest_zip_status_name(INGEST_ZIP_ENCRYPTED), "encrypted");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list_and_read), cmocka_unit_test(test_stream_in_pieces),
        cmocka_unit_test(test_zip_bomb),      cmocka_unit_test(test_lying_sizes),
        cmocka_unit_test(test_not_a_zip),     cmocka_unit_test(test_damaged_data),
        cmocka_unit_test(test_part_count),    cmocka_unit_test(test_encrypted_entry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
