/* test_report_aside.c - a format written on a thread of its own: it gets every event in the
 * order the report gave them, however many more than its queue holds; it seals its files
 * before they are put in place and only when the report is whole; after its own failure, or
 * when the report is given up, its files are removed and every row it was handed is let go. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "report/report_aside.h"

/* many times the queue */
#define ROWS (REPORT_ASIDE_QUEUE * 40)

/* What the format was given, in order; the format is the test's own, recording. */
struct seen {
    long values, begun, ended_tables, rows;
    long next_row; /* the number the next row must carry */
    bool in_order; /* every row came in its turn, inside its table */
    bool in_table;
    long fail_at; /* the row the format fails on (-1: none) */
    int sealed, ended, discarded;
    bool sealed_after_rows; /* the seal came after every row */
};

static int rec_value(void *out, const char *key, const json_t *v)
{
    struct seen *s = out;
    if (strcmp(key, "report") == 0 && json_is_string(v))
        s->values++;
    return 0;
}

static int rec_table_begin(void *out, size_t table)
{
    struct seen *s = out;
    s->begun++;
    s->in_table = table == 3;
    return 0;
}

static int rec_row(void *out, size_t table, const json_t *row)
{
    struct seen *s = out;
    long n = (long)json_integer_value(json_object_get(row, "n"));
    if (n != s->next_row || !s->in_table || table != 3)
        s->in_order = false;
    s->next_row = n + 1;
    s->rows++;
    return n == s->fail_at ? -1 : 0;
}

static int rec_table_end(void *out, size_t table)
{
    struct seen *s = out;
    if (table == 3)
        s->ended_tables++;
    s->in_table = false;
    return 0;
}

static int rec_seal(void *out)
{
    struct seen *s = out;
    s->sealed++;
    s->sealed_after_rows = s->rows == ROWS;
    return 0;
}

static int rec_end(void *out)
{
    struct seen *s = out;
    s->ended++;
    return 0;
}

static void rec_discard(void *out)
{
    struct seen *s = out;
    s->discarded++;
}

static const struct report_format recording = {
    "rec",   false,       NULL, NULL,     rec_value, rec_table_begin, rec_row, rec_table_end,
    rec_end, rec_discard, NULL, rec_seal, true};

static json_t **make_rows(void)
{
    json_t **rows = calloc(ROWS, sizeof *rows);
    assert_non_null(rows);
    for (long i = 0; i < ROWS; i++) {
        rows[i] = json_pack("{s:I, s:s}", "n", (json_int_t)i, "school", "3201020053");
        assert_non_null(rows[i]);
    }
    return rows;
}

/* Every row is the caller's alone again: the thread let go of all it was handed. */
static void rows_let_go(json_t **rows)
{
    for (long i = 0; i < ROWS; i++) {
        assert_int_equal(rows[i]->refcount, 1);
        json_decref(rows[i]);
    }
    free(rows);
}

/* A case's state: what the format saw, and the rows it is handed. */
struct fixture {
    struct seen s;
    json_t **rows;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->rows = make_rows();
    *state = f;
    return 0;
}

/* After every case: the thread let go of every row it was handed. */
static int teardown(void **state)
{
    struct fixture *f = *state;
    rows_let_go(f->rows);
    free(f);
    return 0;
}

/* The recording format on its thread, failing on row fail_at (-1: none). */
static struct report_aside *start(struct fixture *f, long fail_at)
{
    f->s = (struct seen){.in_order = true, .fail_at = fail_at};
    struct report_aside *a = report_aside_start(&recording, &f->s);
    assert_non_null(a);
    return a;
}

/* How the format ended: sealed, put in place, removed (times each). */
static void ended(const struct seen *s, int sealed, int placed, int removed)
{
    assert_int_equal(s->sealed, sealed);
    assert_int_equal(s->ended, placed);
    assert_int_equal(s->discarded, removed);
}

/* A value, then count rows in one table: what a report hands over. */
static int hand_over(struct report_aside *a, json_t **rows, long count)
{
    json_t *title = json_string("quality");
    int rc = report_aside_value(a, "report", title);
    json_decref(title);
    if (rc == 0)
        rc = report_aside_table_begin(a, 3);
    for (long i = 0; rc == 0 && i < count; i++)
        rc = report_aside_row(a, 3, rows[i]);
    if (rc == 0)
        rc = report_aside_table_end(a, 3);
    return rc;
}

/* Every event in order; sealed as the report does it (report_writer_seal while the letters
 * end, then report_writer_finish, which seals again unless it was): once, after every row. */
static void every_event_in_order(void **state)
{
    struct fixture *f = *state;
    struct report_aside *a = start(f, -1);
    assert_int_equal(hand_over(a, f->rows, ROWS), 0);
    report_aside_seal(a);
    report_aside_seal(a);
    assert_int_equal(report_aside_end(a, true), 0);
    assert_int_equal(f->s.values, 1);
    assert_int_equal(f->s.begun, 1);
    assert_int_equal(f->s.rows, ROWS);
    assert_true(f->s.in_order);
    assert_int_equal(f->s.ended_tables, 1);
    assert_true(f->s.sealed_after_rows);
    ended(&f->s, 1, 1, 0);
}

/* The format fails on a row: the report hears of it, nothing is sealed or put in place. */
static void its_failure_reaches_the_report(void **state)
{
    struct fixture *f = *state;
    struct report_aside *a = start(f, 100);
    /* the report is never more than the queue and a batch ahead of the format: the failure
     * shows on a later call, long before the last row */
    assert_int_equal(hand_over(a, f->rows, ROWS), -1);
    assert_int_equal(report_aside_end(a, true), -1);
    assert_int_equal(f->s.rows, 101); /* the row that failed is the last it wrote */
    ended(&f->s, 0, 0, 1);
}

/* Another format of the report failed: what was sealed is removed, not put in place. */
static void not_placed_when_the_report_failed(void **state)
{
    struct fixture *f = *state;
    struct report_aside *a = start(f, -1);
    assert_int_equal(hand_over(a, f->rows, ROWS), 0);
    report_aside_seal(a);
    assert_int_equal(report_aside_end(a, false), -1);
    /* sealed or not, as far as the thread had come */
    assert_int_equal(f->s.ended, 0);
    assert_int_equal(f->s.discarded, 1);
}

/* Given up halfway: the thread drops what waits, and ends. */
static void given_up(void **state)
{
    struct fixture *f = *state;
    struct report_aside *a = start(f, -1);
    assert_int_equal(report_aside_table_begin(a, 3), 0);
    for (long i = 0; i < ROWS / 2; i++)
        assert_int_equal(report_aside_row(a, 3, f->rows[i]), 0);
    report_aside_discard(a);
    assert_true(f->s.rows <= ROWS / 2);
    assert_true(f->s.in_order);
    ended(&f->s, 0, 0, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(every_event_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(its_failure_reaches_the_report, setup, teardown),
        cmocka_unit_test_setup_teardown(not_placed_when_the_report_failed, setup, teardown),
        cmocka_unit_test_setup_teardown(given_up, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
