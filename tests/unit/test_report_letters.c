/* test_report_letters.c - the feedback letters' files: every letter handed over is written
 * whole by the letters' thread however many there are, nothing but the letters is left in
 * the directory, and after a letter that cannot be written no later one is. */
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
#include <jansson.h>

#include "report/report_letters.h"

/* more letters than any queue in memory would hold */
#define LETTERS 2000

struct dir {
    char out[64];
    char feedback[128];
};

/* A new output directory, and the letters of its feedback directory begun. */
static void begin(struct dir *d, struct report_letters *lt)
{
    snprintf(d->out, sizeof d->out, "/tmp/xinyu-letters.XXXXXX");
    assert_non_null(mkdtemp(d->out));
    snprintf(d->feedback, sizeof d->feedback, "%s/feedback", d->out);
    assert_int_equal(report_letters_begin(lt, d->out, "2025-01-21T09:00:00+08:00"), 0);
}

static void remove_dir(const struct dir *d)
{
    DIR *dir = opendir(d->feedback);
    if (dir != NULL) {
        struct dirent *e;
        while ((e = readdir(dir)) != NULL) {
            char path[512];
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(path, sizeof path, "%s/%s", d->feedback, e->d_name);
            if (unlink(path) != 0)
                rmdir(path);
        }
        closedir(dir);
    }
    rmdir(d->feedback);
    rmdir(d->out);
}

static void school_code(int i, char *code, size_t cap)
{
    snprintf(code, cap, "32010%05d", i);
}

/* A letter of school i: one warning on a field whose path carries i. */
static int add_letter(struct report_letters *lt, int i)
{
    char code[24], path[64], message[96];
    school_code(i, code, sizeof code);
    snprintf(path, sizeof path, "staff.item_%d", i);
    snprintf(message, sizeof message, "第 %d 校的提示", i);
    json_t *row = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:s, s:s}", "raw_id",
                            (json_int_t)i + 1, "district_code", "320102", "district_name", "玄武区",
                            "school_code", code, "school_name", "南京市第一中学", "period",
                            "2024-2025-1", "seq", 1, "code", "unknown_field", "path", path,
                            "message", "unknown field", "message_zh", message);
    assert_non_null(row);
    int rc = report_letters_add(lt, REPORT_LETTER_WARNINGS, row);
    json_decref(row);
    if (rc == 0)
        rc = report_letters_flush(lt);
    return rc;
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    static char data[16384];
    *len = fread(data, 1, sizeof data - 1, f);
    data[*len] = '\0';
    fclose(f);
    return data;
}

/* The letters in their directory (files named .txt), and how many other names are there. */
static int count_files(const struct dir *d, int *others)
{
    DIR *dir = opendir(d->feedback);
    assert_non_null(dir);
    int n = 0;
    *others = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", d->feedback, e->d_name);
        struct stat st;
        size_t len = strlen(e->d_name);
        if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) && len > 4 &&
            strcmp(e->d_name + len - 4, ".txt") == 0 && e->d_name[0] != '.')
            n++;
        else
            (*others)++;
    }
    closedir(dir);
    return n;
}

static void every_letter_whole(void **state)
{
    (void)state;
    struct dir d;
    struct report_letters lt;
    begin(&d, &lt);
    for (int i = 0; i < LETTERS; i++)
        assert_int_equal(add_letter(&lt, i), 0);
    assert_int_equal(lt.written, LETTERS);
    assert_int_equal(report_letters_finish(&lt), 0);
    report_letters_free(&lt);
    int others;
    assert_int_equal(count_files(&d, &others), LETTERS);
    assert_int_equal(others, 0); /* no spool, no temporary file left */
    for (int i = 0; i < LETTERS; i++) {
        char code[24], path[256];
        school_code(i, code, sizeof code);
        snprintf(path, sizeof path, "%s/%s-2024-2025-1.txt", d.feedback, code);
        size_t len = 0;
        const char *text = read_all(path, &len);
        assert_non_null(text);
        assert_memory_equal(text, "\xEF\xBB\xBF", 3);
        assert_non_null(strstr(text, code));
        /* the letter's own warning, not a neighbour's */
        char own[96];
        snprintf(own, sizeof own, "第 %d 校的提示", i);
        assert_non_null(strstr(text, own));
        assert_non_null(strstr(text, "2025年1月21日\r\n"));
        assert_int_equal(text[len - 1], '\n');
    }
    remove_dir(&d);
}

static void none_after_a_failure(void **state)
{
    (void)state;
    struct dir d;
    struct report_letters lt;
    begin(&d, &lt);
    /* the first letter makes the directory; a directory where letter 10 goes fails it */
    assert_int_equal(add_letter(&lt, 0), 0);
    char code[24], blocked[256];
    school_code(10, code, sizeof code);
    snprintf(blocked, sizeof blocked, "%s/%s-2024-2025-1.txt", d.feedback, code);
    assert_int_equal(mkdir(blocked, 0755), 0);
    int failed_at = -1;
    for (int i = 1; i < 200 && failed_at < 0; i++) {
        if (add_letter(&lt, i) != 0)
            failed_at = i;
    }
    /* handing over may go on until the thread has met the failure; ending it says so */
    if (failed_at < 0)
        assert_int_equal(report_letters_finish(&lt), -1);
    else
        assert_true(failed_at > 10);
    report_letters_free(&lt);
    int others;
    int n = count_files(&d, &others);
    assert_int_equal(others, 1); /* the directory in the way, no temporary file */
    assert_int_equal(n, 10);     /* letters 0 to 9, none after the failure */
    remove_dir(&d);              /* the directory in the way with them */
}

static void given_up(void **state)
{
    (void)state;
    struct dir d;
    struct report_letters lt;
    begin(&d, &lt);
    for (int i = 0; i < 300; i++)
        assert_int_equal(add_letter(&lt, i), 0);
    /* the report failed elsewhere: the letters not yet written are not, and nothing else is
     * left behind */
    report_letters_free(&lt);
    int others;
    int n = count_files(&d, &others);
    assert_true(n <= 300);
    assert_int_equal(others, 0);
    remove_dir(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_letter_whole),
        cmocka_unit_test(none_after_a_failure),
        cmocka_unit_test(given_up),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
