/*
 * report_format.h - one table of renderers for the reports, as pg_dump's archive formats fill
 * in one table of entry points: a report describes its document once (its files' base name,
 * its tables and their columns) and writes it as events - a value, a table's begin, its rows,
 * its end. Each format asked for (JSON, CSV, HTML, XLSX) renders the events its own way, and
 * the report never asks which formats it writes.
 *
 *     struct report_writer *w = report_writer_open(&layout, formats, out_dir);
 *     report_writer_value(w, "report", json_string("audit"));
 *     report_writer_table_begin(w, ROWS);
 *     report_writer_row(w, ROWS, row); ...
 *     report_writer_table_end(w, ROWS);
 *     if (report_writer_finish(w) != 0) ... (logged; no file of the report was put in place)
 *
 * The first failure sticks: later events do nothing and report_writer_failed says so, so a
 * report can be written straight through and checked where it reads its rows.
 *
 * The indicator report is a whole document (struct report_doc of report/report.h) that its
 * HTML page and workbook read more than once, so each format also writes it whole:
 *
 *     struct report_doc_dest d = {out_dir, "indicators-2024", lang, &store};
 *     report_doc_write(&doc, formats, &d, REPORT_DOC_RECORD);   (JSON, also into the store)
 *     ... COMMIT ...
 *     report_doc_write(&doc, formats, &d, REPORT_DOC_REST);     (CSV, HTML, XLSX)
 */
#ifndef XINYU_REPORT_FORMAT_H
#define XINYU_REPORT_FORMAT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "report/report.h"
#include "report/report_cells.h"

struct report_file;

/* How the JSON document is laid out; both keep the keys and the columns in their order. */
enum report_json_layout {
    REPORT_JSON_TREE, /* as jansson dumps the whole document with indent 2 (15 digits) */
    REPORT_JSON_LINES /* the same, but each value and each element of an array on one line */
};

/*
 * A table of the document. Its rows are JSON objects (report/report_cells.h) that may carry
 * more keys than its columns: every format shows the columns only, in their order.
 */
struct report_table {
    const char *key;   /* its array in the JSON document; NULL: not in the document */
    const char *csv;   /* its CSV file: NULL none, "" <base>.csv, else <base>-<csv>.csv */
    const char *sheet; /* its sheet of <base>.xlsx (a valid sheet name); NULL: none */
    const struct report_column *cols;
    size_t ncols;
};

/*
 * A report's HTML page, which lays out the rows of the tables as the report needs (the audit
 * per school and clause, the review with its charts). open gets the layout's page_arg and
 * returns NULL after logging; row and finish (which writes the whole page to rf) return 0, or
 * -1 after logging; free accepts NULL.
 */
struct report_page {
    void *(*open)(const void *arg);
    int (*row)(void *page, size_t table, const json_t *row);
    int (*finish)(void *page, struct report_file *rf);
    void (*free)(void *page);
};

/* A report's document, described once for every format. The strings are borrowed. */
struct report_layout {
    const char *what;  /* for messages: "cannot write the audit" */
    const char *base;  /* the files' name without the extension: "audit-2024" */
    const char *title; /* the workbook's title */
    enum report_json_layout json;
    const struct report_table *tables;
    size_t ntables;
    const struct report_page *page; /* NULL: the report has no HTML page */
    const void *page_arg;
    /* the JSON document's bytes also go here, whether JSON is asked for or not (the report
     * of record); NULL: nowhere else */
    const struct report_sink *store;
    /* the language of the words beside codes (report_row_words): "zh" (also NULL) or "en" */
    const char *lang;
};

/*
 * Where a whole indicator report goes: out_dir/<base>.<format>, the HTML page and the
 * workbook in lang ("zh", also NULL, or "en"). The strings are borrowed.
 */
struct report_doc_dest {
    const char *out_dir; /* NULL: no file, the document goes to store only */
    const char *base;    /* the files' name without the extension: "indicators-2024" */
    const char *lang;
    /* the JSON document's bytes also go here (the report of record); NULL: nowhere else */
    const struct report_sink *store;
};

/*
 * One row of the renderer table: what a format does with each event. begin returns the
 * format's output (NULL after logging); with out_dir NULL it writes no file, only to the
 * layout's store (JSON only). The others return 0, or -1 after logging. end puts the format's
 * files in place and frees the output; discard removes them and frees it (accepts NULL).
 * Tables in the JSON document are begun and ended one after the other, in its order; the
 * others may be written at the same time.
 */
struct report_format {
    const char *name;                           /* as --format names it */
    bool document;                              /* renders the document of record, for a store */
    bool (*has)(const struct report_layout *l); /* the layout has something in this format */
    void *(*begin)(const struct report_layout *l, const char *out_dir);
    int (*value)(void *out, const char *key, const json_t *v);
    int (*table_begin)(void *out, size_t table);
    int (*row)(void *out, size_t table, const json_t *row);
    int (*table_end)(void *out, size_t table);
    int (*end)(void *out);
    void (*discard)(void *out);
    /* Writes the whole indicator report doc to d (d->store is NULL unless the format renders
     * the document of record). 0, or -1 after logging, and then no file of it is left. */
    int (*doc)(const struct report_doc *doc, const struct report_doc_dest *d);
    /* The work of end() before its files are put in place (NULL: none): with aside, done on
     * the format's thread as soon as the report's last event is handed over, while the formats
     * before it are put in place (report/report_aside.h); end() then only moves its files. */
    int (*seal)(void *out);
    bool aside; /* a report writer hands its events to a thread of its own */
};
extern const struct report_format report_format_json;
extern const struct report_format report_format_csv;
extern const struct report_format report_format_html;
extern const struct report_format report_format_xlsx;

/*
 * A report being written in the formats of a comma-separated list (those the layout has: HTML
 * only with a page, CSV and XLSX only with a table that has a file or a sheet), and in JSON for
 * the layout's store. NULL after logging. The layout must outlive the writer.
 */
struct report_writer;
struct report_writer *report_writer_open(const struct report_layout *l, const char *formats,
                                         const char *out_dir);
/* key: v at the top of the JSON document (a new reference, taken; NULL fails the writer). */
void report_writer_value(struct report_writer *w, const char *key, json_t *v);
void report_writer_table_begin(struct report_writer *w, size_t table);
/* A row of the table (borrowed). */
void report_writer_row(struct report_writer *w, size_t table, const json_t *row);
void report_writer_table_end(struct report_writer *w, size_t table);
/* 0 while every format is whole, else -1 (the failure was logged). */
int report_writer_failed(const struct report_writer *w);
/* No event follows: the formats written aside begin to seal their files (a workbook's zip)
 * on their threads while the caller finishes other work; report_writer_finish still puts
 * them in place, in order. Optional: report_writer_finish seals what was not. */
void report_writer_seal(struct report_writer *w);
/* Puts every format's files in place, in the table's order, and frees w. 0, or -1 after
 * logging (the files not yet in place are removed). */
int report_writer_finish(struct report_writer *w);
/* Gives the report up: removes its files and frees w. Accepts NULL. */
void report_writer_discard(struct report_writer *w);

/* Which formats of a list report_doc_write writes. */
enum report_doc_part {
    REPORT_DOC_ALL,    /* each one */
    REPORT_DOC_RECORD, /* the document of record's (JSON) only: into d->store, and its file
                          when the list names it */
    REPORT_DOC_REST    /* each one but the document of record's */
};
/*
 * Writes the indicator report doc in the formats of a comma-separated list (part of them),
 * in the table's order, each to d. Returns 0, or -1 after logging at the first format that
 * failed (the files of the formats before it stay in place).
 */
int report_doc_write(const struct report_doc *doc, const char *formats,
                     const struct report_doc_dest *d, enum report_doc_part part);
/* True when out_dir holds the file of the indicator report base of every format of the list
 * (out_dir/<base>.<format>); false when one is missing or cannot be known. Never fails. */
bool report_doc_present(const char *formats, const char *out_dir, const char *base);

/*
 * For the formats' doc entries, which stream the indicator report: a sink into d's
 * out_dir/<base>.<ext> (no file when out_dir is NULL) and into d->store when it is not NULL.
 * Open returns NULL after logging. End takes what the rendering into the sink returned: on 0
 * it puts the file in place, else it logs "cannot render the <what> report" (unless a write
 * already failed and was logged) and removes the file; it frees the sink and returns 0, or
 * -1 after logging (no file is then left).
 *
 *     const struct report_sink *s = report_doc_sink_open(d, "csv");
 *     return s != NULL ? report_doc_sink_end(s, report_stream_csv(doc, s), "CSV") : -1;
 */
const struct report_sink *report_doc_sink_open(const struct report_doc_dest *d, const char *ext);
int report_doc_sink_end(const struct report_sink *s, int rendered, const char *what);

#endif
