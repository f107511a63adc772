/* test_xform_extract.c - figures of work summaries: numerals, encodings, bad files, and the
 * labelled corpus of tests/extract scored for precision and recall per field. */
#include <dirent.h>
#include <errno.h>
#include <iconv.h>
#include <math.h>
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
#include "transform/xform_extract.h"

#define CORPUS_DIR "tests/extract"
#define MIN_PRECISION 0.98
#define MIN_RECALL 0.85

static void expect_numeral(const char *s, double want)
{
    double v = -1;
    int rc = xf_numeral_parse(s, strlen(s), &v);
    if (rc != 0 || fabs(v - want) > 1e-9)
        print_error("numeral \"%s\": rc %d, %g (want %g)\n", s, rc, v, want);
    assert_int_equal(rc, 0);
    assert_true(fabs(v - want) < 1e-9);
}

static void expect_not_numeral(const char *s)
{
    double v = 0;
    if (xf_numeral_parse(s, strlen(s), &v) == 0)
        print_error("\"%s\" read as %g\n", s, v);
    assert_int_equal(xf_numeral_parse(s, strlen(s), &v), -1);
}

static void test_numerals(void **state)
{
    (void)state;
    expect_numeral("2", 2);
    expect_numeral("35", 35);
    expect_numeral("1,260", 1260);
    expect_numeral("1.2万", 12000);
    expect_numeral("2.5万", 25000);
    expect_numeral("3千", 3000);
    expect_numeral("两", 2);
    expect_numeral("十", 10);
    expect_numeral("十二", 12);
    expect_numeral("二十三", 23);
    expect_numeral("一百零五", 105);
    expect_numeral("一百一十", 110);
    expect_numeral("三百一十二", 312);
    expect_numeral("两千三百", 2300);
    expect_numeral("一千二百零八", 1208);
    expect_numeral("三万五千", 35000);
    expect_numeral("一万零五百", 10500);
    expect_numeral("十万", 100000);
    expect_not_numeral("三四");     /* a range */
    expect_not_numeral("二〇二四"); /* a year */
    expect_not_numeral("三百五");   /* spoken shorthand for 350 */
    expect_not_numeral("一万二");   /* 12000 in speech, not said exactly */
    expect_not_numeral("1,20");
    expect_not_numeral("12,3456");
    expect_not_numeral("百");
    expect_not_numeral("");
}

/* Extracts a UTF-8 text; the caller clears x. */
static void extract(const char *text, struct xf_extract *x)
{
    char err[256] = "";
    int rc = xf_extract_text(text, strlen(text), x, err, sizeof err);
    if (rc != 0)
        print_error("extract failed: %s\n", err);
    assert_int_equal(rc, 0);
}

static bool value_of(const struct xf_extract *x, const char *path, double *v)
{
    int f = xf_extract_field_find(path);
    assert_true(f >= 0);
    if (!x->has_value[f])
        return false;
    *v = x->value[f];
    return true;
}

static bool listed_approx(const struct xf_extract *x, const char *path)
{
    int f = xf_extract_field_find(path);
    for (int i = 0; i < x->napprox; i++) {
        if (x->approx[i].field == f)
            return true;
    }
    return false;
}

static void test_sentences(void **state)
{
    (void)state;
    struct xf_extract x;
    double v = 0;
    extract("专职心理教师2名,兼职心理辅导员35名,分布于各年级。", &x);
    assert_true(value_of(&x, "staff.psych_fulltime", &v) && v == 2);
    assert_true(value_of(&x, "staff.psych_parttime", &v) && v == 35);
    /* the evidence keeps the sentence, the line and the column of the figure */
    assert_int_equal(x.nevidence, 2);
    assert_string_equal(x.evidence[0].text, "2名");
    assert_int_equal(x.evidence[0].line, 1);
    assert_int_equal(x.evidence[0].column, 7);
    assert_non_null(strstr(x.evidence[0].sentence, "专职心理教师2名"));
    xf_extract_clear(&x);

    /* approximate figures are listed, never values */
    extract("共开展团体辅导12场,参与学生300余人次。接待个体咨询约60人次。", &x);
    assert_true(value_of(&x, "counseling.group_sessions", &v) && v == 12);
    assert_false(value_of(&x, "counseling.group_participants", &v));
    assert_true(listed_approx(&x, "counseling.group_participants"));
    assert_false(value_of(&x, "counseling.individual_sessions", &v));
    assert_true(listed_approx(&x, "counseling.individual_sessions"));
    xf_extract_clear(&x);

    /* full-width digits and 万元 */
    extract("本学期心理健康专项经费支出１．２万元。", &x);
    assert_true(value_of(&x, "funding.psych_yuan", &v) && fabs(v - 12000) < 1e-6);
    xf_extract_clear(&x);

    /* per class, a plan, a requirement: none is a value */
    extract("各班召开心理健康主题班会2次。下学期计划开展团体辅导10场。学校应配备至少1名专职心理"
            "教师。",
            &x);
    assert_int_equal(x.nevidence, 0);
    assert_int_equal(x.napprox, 3);
    xf_extract_clear(&x);

    /* the same field given two values, neither a total: a conflict, not a value */
    extract("本学期接待个体咨询30人次。统计表:个体咨询45人次。", &x);
    assert_false(value_of(&x, "counseling.individual_sessions", &v));
    assert_true(listed_approx(&x, "counseling.individual_sessions"));
    xf_extract_clear(&x);

    /* numerals next to the wrong words are not figures of any field */
    extract("学校创办于1958年,现有学生2480人,在各班级选拔并培训了24名心理委员。", &x);
    assert_int_equal(x.nevidence, 0);
    xf_extract_clear(&x);
}

/* Converts UTF-8 to GB18030 through iconv; returns malloc'ed bytes and *len. */
static char *to_gb18030(const char *s, size_t len, size_t *outlen)
{
    iconv_t cd = iconv_open("GB18030", "UTF-8");
    assert_true(cd != (iconv_t)-1);
    size_t cap = len * 2 + 16;
    char *out = malloc(cap);
    assert_non_null(out);
    char *ip = (char *)s, *op = out;
    size_t il = len, ol = cap;
    assert_true(iconv(cd, &ip, &il, &op, &ol) != (size_t)-1);
    iconv_close(cd);
    *outlen = (size_t)(op - out);
    return out;
}

static void test_decode(void **state)
{
    (void)state;
    const char *text = "专职心理教师2名。";
    buf out = BUF_INIT;
    const char *enc = NULL;
    char err[256];
    size_t gl;
    char *gb = to_gb18030(text, strlen(text), &gl);
    assert_int_equal(
        xf_extract_decode((const unsigned char *)gb, gl, 1024, &out, &enc, err, sizeof err), 0);
    assert_string_equal(enc, "GB18030");
    assert_string_equal(out.data, text);
    free(gb);

    /* a BOM is dropped */
    buf_reset(&out);
    assert_int_equal(xf_extract_decode((const unsigned char *)"\xef\xbb\xbf"
                                                              "abc",
                                       6, 1024, &out, &enc, err, sizeof err),
                     0);
    assert_string_equal(out.data, "abc");

    /* binary junk: NUL bytes, control characters, bytes no encoding reads */
    unsigned char junk[4096];
    uint32_t seed = 12345;
    for (size_t i = 0; i < sizeof junk; i++) {
        seed = seed * 1103515245u + 12345u;
        junk[i] = (unsigned char)(seed >> 16);
    }
    buf_reset(&out);
    assert_int_equal(xf_extract_decode(junk, sizeof junk, 1 << 20, &out, &enc, err, sizeof err), 1);
    assert_non_null(strstr(err, "binary"));
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = junk[i] == 0 ? 1 : junk[i];
    buf_reset(&out);
    assert_int_equal(xf_extract_decode(junk, sizeof junk, 1 << 20, &out, &enc, err, sizeof err), 1);
    /* too large: refused on its size */
    buf_reset(&out);
    assert_int_equal(
        xf_extract_decode((const unsigned char *)"abcdef", 6, 5, &out, &enc, err, sizeof err), 1);
    assert_non_null(strstr(err, "limit"));
    buf_free(&out);
}

/* ---- the corpus -------------------------------------------------------------------------- */

struct score {
    int expected, extracted, correct;
};

static bool same_value(json_t *want, double got)
{
    if (json_is_boolean(want))
        return (json_is_true(want) ? 1.0 : 0.0) == got;
    if (!json_is_number(want))
        return false;
    return fabs(json_number_value(want) - got) < 1e-6;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The corpus files' base names (without .txt), sorted; *n of them. */
static char **corpus_names(int *n)
{
    DIR *d = opendir(CORPUS_DIR);
    assert_non_null(d);
    char **names = NULL;
    int cap = 0;
    *n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".txt") != 0)
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            names = realloc(names, (size_t)cap * sizeof *names);
            assert_non_null(names);
        }
        names[*n] = strndup(e->d_name, len - 4);
        assert_non_null(names[*n]);
        (*n)++;
    }
    closedir(d);
    qsort(names, (size_t)*n, sizeof *names, cmp_str);
    return names;
}

static void extract_file(const char *path, struct xf_extract *x)
{
    struct xf_extract_source src;
    char err[256] = "";
    int rc = xf_extract_file(path, x, &src, err, sizeof err);
    if (rc != 0)
        print_error("%s: %s\n", path, err);
    assert_int_equal(rc, 0);
}

static void test_corpus(void **state)
{
    (void)state;
    int n;
    char **names = corpus_names(&n);
    assert_true(n >= 40);
    struct score fields[XF_EXTRACT_MAX_FIELDS];
    struct score approx = {0, 0, 0};
    memset(fields, 0, sizeof fields);
    int mistakes = 0;
    for (int i = 0; i < n; i++) {
        char txt[512], exp[512];
        (void)snprintf(txt, sizeof txt, "%s/%s.txt", CORPUS_DIR, names[i]);
        (void)snprintf(exp, sizeof exp, "%s/%s.expected.json", CORPUS_DIR, names[i]);
        json_error_t je;
        json_t *want = json_load_file(exp, 0, &je);
        if (want == NULL)
            print_error("%s: %s\n", exp, je.text);
        assert_non_null(want);
        json_t *values = json_object_get(want, "values");
        json_t *approx_want = json_object_get(want, "approximate");
        assert_true(json_is_object(values) && json_is_array(approx_want));
        const char *key;
        json_t *val;
        json_object_foreach(values, key, val)
        {
            if (xf_extract_field_find(key) < 0)
                print_error("%s: unknown field %s\n", exp, key);
            assert_true(xf_extract_field_find(key) >= 0);
        }
        struct xf_extract x;
        extract_file(txt, &x);
        for (int f = 0; f < xf_extract_nfields; f++) {
            json_t *w = json_object_get(values, xf_extract_fields[f].path);
            if (w != NULL)
                fields[f].expected++;
            if (x.has_value[f])
                fields[f].extracted++;
            if (w != NULL && x.has_value[f] && same_value(w, x.value[f])) {
                fields[f].correct++;
            } else if (x.has_value[f]) {
                mistakes++;
                print_message("  WRONG   %s: %s = %g (expected %s)\n", names[i],
                              xf_extract_fields[f].path, x.value[f],
                              w == NULL ? "nothing" : json_dumps(w, JSON_ENCODE_ANY));
            } else if (w != NULL) {
                print_message("  MISSED  %s: %s\n", names[i], xf_extract_fields[f].path);
            }
            /* approximate figures: listed per field */
            bool wanted = false, got = listed_approx(&x, xf_extract_fields[f].path);
            size_t k;
            json_t *a;
            json_array_foreach(approx_want, k, a)
            {
                wanted = wanted || (json_is_string(a) &&
                                    strcmp(json_string_value(a), xf_extract_fields[f].path) == 0);
            }
            approx.expected += wanted;
            approx.extracted += got;
            approx.correct += wanted && got;
            if (wanted != got)
                print_message("  APPROX  %s: %s %s\n", names[i], xf_extract_fields[f].path,
                              wanted ? "not listed" : "listed, not expected");
        }
        xf_extract_clear(&x);
        json_decref(want);
        free(names[i]);
    }
    free(names);

    struct score all = {0, 0, 0};
    print_message("  %-38s %8s %9s %7s %9s %7s\n", "field", "expected", "extracted", "correct",
                  "precision", "recall");
    for (int f = 0; f < xf_extract_nfields; f++) {
        struct score *s = &fields[f];
        all.expected += s->expected;
        all.extracted += s->extracted;
        all.correct += s->correct;
        if (s->expected == 0 && s->extracted == 0)
            continue;
        print_message("  %-38s %8d %9d %7d %9.3f %7.3f\n", xf_extract_fields[f].path, s->expected,
                      s->extracted, s->correct,
                      s->extracted ? (double)s->correct / s->extracted : 1.0,
                      s->expected ? (double)s->correct / s->expected : 1.0);
    }
    double precision = all.extracted ? (double)all.correct / all.extracted : 1.0;
    double recall = all.expected ? (double)all.correct / all.expected : 1.0;
    print_message("  %-38s %8d %9d %7d %9.3f %7.3f\n", "all fields", all.expected, all.extracted,
                  all.correct, precision, recall);
    double ap = approx.extracted ? (double)approx.correct / approx.extracted : 1.0;
    double ar = approx.expected ? (double)approx.correct / approx.expected : 1.0;
    print_message("  %-38s %8d %9d %7d %9.3f %7.3f\n", "approximate (listed per field)",
                  approx.expected, approx.extracted, approx.correct, ap, ar);
    (void)mistakes;
    assert_true(precision >= MIN_PRECISION);
    assert_true(recall >= MIN_RECALL);
    assert_true(ar >= MIN_RECALL);
}

/* A GB18030 copy of every corpus text gives the same figures as the UTF-8 one. */
static void test_corpus_gb18030(void **state)
{
    (void)state;
    int n;
    char **names = corpus_names(&n);
    for (int i = 0; i < n; i++) {
        char txt[512];
        (void)snprintf(txt, sizeof txt, "%s/%s.txt", CORPUS_DIR, names[i]);
        size_t len;
        char *utf8 = util_read_file(txt, 1 << 22, &len);
        assert_non_null(utf8);
        size_t gl;
        char *gb = to_gb18030(utf8, len, &gl);
        buf text = BUF_INIT;
        const char *enc;
        char err[256];
        assert_int_equal(
            xf_extract_decode((const unsigned char *)gb, gl, 1 << 22, &text, &enc, err, sizeof err),
            0);
        assert_string_equal(enc, "GB18030");
        struct xf_extract a, b;
        extract(utf8, &a);
        extract(text.data, &b);
        json_t *ja = xf_extract_json(&a), *jb = xf_extract_json(&b);
        assert_non_null(ja);
        assert_non_null(jb);
        if (!json_equal(ja, jb))
            print_error("%s: GB18030 differs from UTF-8\n", names[i]);
        assert_true(json_equal(ja, jb));
        json_decref(ja);
        json_decref(jb);
        xf_extract_clear(&a);
        xf_extract_clear(&b);
        buf_free(&text);
        free(gb);
        free(utf8);
        free(names[i]);
    }
    free(names);
}

/*
 * A summary of ten pages (about 30,000 characters, one summary repeated) is read whole: the
 * same values as the one summary, each figure found in every copy. How long it takes is
 * printed here and measured by make bench (tests check behaviour, not time).
 */
static void test_long_summary(void **state)
{
    (void)state;
    size_t len;
    char *one = util_read_file(CORPUS_DIR "/027-junior-narrative.txt", 1 << 20, &len);
    assert_non_null(one);
    buf big = BUF_INIT;
    int copies = 0;
    while (big.len < 90000) {
        assert_int_equal(buf_append(&big, one, len), 0);
        copies++;
    }
    struct xf_extract single, x;
    extract(one, &single);
    free(one);
    double t0 = util_monotonic();
    extract(big.data, &x);
    print_message("  a 10-page summary (%zu bytes): %.2f ms\n", big.len,
                  (util_monotonic() - t0) * 1000);
    assert_true(single.nevidence > 0);
    assert_int_equal(x.nevidence, copies * single.nevidence);
    for (int f = 0; f < XF_EXTRACT_MAX_FIELDS; f++) {
        assert_int_equal(x.has_value[f], single.has_value[f]);
        if (single.has_value[f])
            assert_true(x.value[f] == single.value[f]);
    }
    xf_extract_clear(&single);
    xf_extract_clear(&x);
    buf_free(&big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numerals),       cmocka_unit_test(test_sentences),
        cmocka_unit_test(test_decode),         cmocka_unit_test(test_corpus),
        cmocka_unit_test(test_corpus_gb18030), cmocka_unit_test(test_long_summary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
