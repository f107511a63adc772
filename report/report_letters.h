/* report_letters.h - the feedback letters of the data-quality report (report_letters.c). */
#ifndef XINYU_REPORT_LETTERS_H
#define XINYU_REPORT_LETTERS_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "common/buf.h"

/* The lists whose rows go into a letter, in the order a letter shows them. */
enum report_letter_list {
    REPORT_LETTER_REJECTIONS,
    REPORT_LETTER_WARNINGS,
    REPORT_LETTER_OUTLIERS,
    REPORT_LETTER_SUMMARY, /* figures where the school's work summary and submission disagree */
    REPORT_LETTER_NLISTS
};

struct report_letter_item;
struct report_letter_writer;

/* The letters being written: one per school of the registry and term with a rejection, a
 * warning or a 10x outlier, gathered from the three lists read together in the same order
 * (term, district, school), so that only one letter's rows are held at a time. */
struct report_letters {
    char dir[4096]; /* out_dir/feedback */
    char date_zh[32];
    bool have_dir;
    int written;                        /* letters written so far */
    json_t *rows[REPORT_LETTER_NLISTS]; /* the letter's rows of each list */
    struct report_letter_item *items;   /* the letter's items, in the order of their lists */
    PGconn *conn; /* in the lists' snapshot, to read rejected workbooks from; NULL: none */
    size_t n, cap;
    buf b;
    /* the files are written by a thread of their own while the lists go on (each is a new
     * file, and making one is most of a letter's time); NULL until the first letter */
    struct report_letter_writer *writer;
};

/* Starts the letters of out_dir/feedback dated as generated_at (RFC 3339). 0, or -1 after
 * logging; report_letters_free in every case. */
int report_letters_begin(struct report_letters *lt, const char *out_dir, const char *generated_at);
/* Waits until every letter handed over is in its file. 0, or -1 after logging the first
 * letter that could not be written (the files written stay). Called before the letters are
 * made durable and recorded as sent. */
int report_letters_finish(struct report_letters *lt);
/* Frees what lt holds; letters not yet written are not written. */
void report_letters_free(struct report_letters *lt);
/* Adds row (a row of the quality report's list, an object with its keys; a reference is kept)
 * to the letter being gathered. 0, or -1 (logged). */
int report_letters_add(struct report_letters *lt, enum report_letter_list list, json_t *row);
/* Writes the letter gathered, if any, as feedback/SCHOOL-PERIOD.txt (with conn, also the
 * school's rejected workbook marked up as feedback/SCHOOL-PERIOD.xlsx, which the letter names)
 * and starts the next. The letter's file is written by the letters' thread: it is in place
 * once report_letters_finish returns 0. 0, or -1 after logging. */
int report_letters_flush(struct report_letters *lt);

#endif
