/* report_aside.h - a format of a report written on a thread of its own. */
#ifndef XINYU_REPORT_ASIDE_H
#define XINYU_REPORT_ASIDE_H

#include <stddef.h>

#include <jansson.h>

#include "report/report_format.h"

/*
 * The report writer (report_format.c) hands the events of a format that asks for it (its
 * aside) to a thread of its own through a short queue: the thread renders its rows and seals
 * its files while the report reads the database and writes the other formats. The rows are
 * shared, not copied: a row handed over is not changed afterwards (the writer's rows never
 * are), and jansson counts its references atomically. At most REPORT_ASIDE_QUEUE events wait,
 * so memory does not grow with the report.
 *
 * The calls that hand an event over return the format's first failure so far (0: none);
 * after one, the thread drops the events it is given.
 */
#define REPORT_ASIDE_QUEUE 256

struct report_aside;

/* Starts the thread for f, writing into out (what f->begin made, taken). NULL when no thread
 * could be had: the caller writes the format itself. */
struct report_aside *report_aside_start(const struct report_format *f, void *out);
/* v is borrowed (the thread takes a reference of its own). */
int report_aside_value(struct report_aside *a, const char *key, const json_t *v);
int report_aside_table_begin(struct report_aside *a, size_t table);
int report_aside_row(struct report_aside *a, size_t table, const json_t *row);
int report_aside_table_end(struct report_aside *a, size_t table);
/* No event follows: the thread seals the format's files (f->seal) and ends. Returns at once. */
void report_aside_seal(struct report_aside *a);
/* Waits for the thread, then puts the files in place (f->end) when it and ok are whole, else
 * removes them (f->discard); frees a. 0, or -1 after logging. */
int report_aside_end(struct report_aside *a, bool ok);
/* Gives the format up: the thread drops what waits and ends, its files are removed, a is
 * freed. Accepts NULL. */
void report_aside_discard(struct report_aside *a);

#endif
