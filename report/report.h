/* report.h - targets, indicator rows and their renderers (spec/INDICATORS.md). */
#ifndef XINYU_REPORT_H
#define XINYU_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "common/buf.h"
#include "common/util.h"
#include "report/report_cells.h"

/* Indicators in the order of INDICATORS.md; the ids are the contract's names. */
enum report_unit {
    REPORT_RATIO,       /* shown as a percentage with one decimal */
    REPORT_MONEY,       /* 元 per student, two decimals */
    REPORT_PER_TEACHER, /* students per full-time teacher, "N:1" */
    REPORT_PER_10K      /* per 10,000 students, two decimals */
};

struct report_indicator {
    const char *id;            /* "cert_a_coverage" */
    const char *zh;            /* "专兼职心理教师A证持证率" */
    const char *en;            /* "A-certificate coverage of psychology teachers" */
    const char *definition_zh; /* one sentence: numerator / denominator */
    const char *definition_en;
    enum report_unit unit;
};
#define REPORT_NINDICATORS 22
extern const struct report_indicator report_indicators[REPORT_NINDICATORS];
/* Index of an indicator id, or -1. */
int report_indicator_find(const char *id);

struct report_target {
    bool set;   /* false: no target for this indicator (status no_target) */
    char op[3]; /* ">=" or "<=" */
    double value;
    bool has_final;
    int final_year;
    double final_value;
};

/* One review year's targets file (INDICATORS.md "Targets"). */
struct report_targets {
    int year;
    char *title;
    int nperiods;
    char **periods;   /* canonical YYYY-YYYY-T */
    char **deadlines; /* per period "YYYY-MM-DD", or NULL when the file gives none */
    int weeks;        /* terms.weeks, default 20 */
    int months;       /* terms.months, default 5 */
    struct report_target targets[REPORT_NINDICATORS];
    /* rule parameters carried by some targets, with the spec's defaults */
    double hours_per_week;                 /* room_hours_compliance.hours_per_week, 10 */
    double min_trainings;                  /* parent_training_compliance.min_trainings, 7 */
    double min_psych;                      /* parent_training_compliance.min_psych, 1 */
    double min_hours;                      /* teacher_training_compliance.min_hours, 10 */
    unsigned char sha256[UTIL_SHA256_LEN]; /* of the file's bytes */
    char *path;
};

/*
 * Reads and checks a targets file strictly: unknown indicators, wrong types, a bad op,
 * periods that are not canonical or not of the year, deadlines that are not dates.
 * Returns 0, or -1 with err naming the file, the key and what is wrong
 * (e.g. "targets/2024.json: targets.cert_a_coverage.op: must be \">=\" or \"<=\"").
 * On success the caller frees t with report_targets_free.
 */
int report_targets_load(const char *path, struct report_targets *t, char *err, size_t errlen);
int report_targets_parse(const char *data, size_t len, const char *path, struct report_targets *t,
                         char *err, size_t errlen);
void report_targets_free(struct report_targets *t);

/* One indicator row of the contract (INDICATORS.md "Machine-readable output"). */
struct report_row {
    int indicator;         /* index into report_indicators */
    char district_code[8]; /* "" for the city-wide row (null in JSON) */
    char school_type[24];  /* "" for all types together (null in JSON) */
    bool has_numerator;
    double numerator;
    bool has_denominator;
    double denominator;
    bool has_value; /* false when the denominator is 0 or missing */
    double value;
    bool has_target;
    double target;
    char op[3];         /* "" without target */
    const char *status; /* "met", "not_met", "no_data", "no_target" */
    bool has_gap;
    double gap;
    long schools;
    long schools_no_data;
};

/*
 * Fills value, target, op, status and gap of row from its numerator and denominator
 * and the target (NULL or unset: no_target). value = numerator / denominator, none when
 * the denominator is 0; gap = value - target (target - value for "<="). Never fails.
 */
void report_row_evaluate(struct report_row *row, const struct report_target *target);

/* The district overview row (INDICATORS.md "District overview"). */
struct report_overview {
    char district_code[8]; /* "" city-wide */
    char school_type[24];  /* "" all types */
    long schools_active, schools_reported, students, psych_fulltime, psych_parttime,
        schools_with_room, schools_with_lessons;
};

/*
 * Indicator rows kept in an unlinked temporary file instead of memory, so that a report of a
 * whole city is written with the same memory as a report of one district. Rows are added in
 * report order (report_row_cmp in report/report_common.h), at least grouped by ascending indicator,
 * which lets a renderer read one indicator's rows without reading the others.
 *
 *     struct report_spool *s = report_spool_new();
 *     report_spool_add(s, &row); ...           (-1: write error, or a row out of order)
 *     doc.spool = s; render ...; report_spool_free(s);
 */
struct report_spool;
/* A new empty spool in $TMPDIR (or /tmp); NULL with the reason logged. */
struct report_spool *report_spool_new(void);
/* Appends a copy of row. Returns 0, or -1 (logged) when its indicator is not in the catalog,
 * comes before the previous row's, or the file cannot be written; the spool is then unusable. */
int report_spool_add(struct report_spool *s, const struct report_row *row);
/* Rows added so far. */
size_t report_spool_count(const struct report_spool *s);
/* Closes and frees the spool; accepts NULL. */
void report_spool_free(struct report_spool *s);

/* A whole indicator report, ready to render. */
struct report_doc {
    const char *kind;      /* "indicators" */
    int year;              /* scope {"year": Y} when period is NULL */
    const char *period;    /* scope {"period": P} */
    char generated_at[40]; /* RFC 3339, UTC+8 */
    struct report_row *rows;
    size_t nrows;
    struct report_spool *spool; /* when not NULL, the rows are read from it; rows/nrows unused */
    struct report_overview *overview;
    size_t noverview;
    const char
        *overview_period; /* the term the overview covers (the scope's latest); NULL: unsaid */
    /* for a person, not in the JSON document: the districts' names beside their codes
     * (report/report_names.h; NULL: codes only), and the label it was published as (NULL: a
     * draft). Borrowed. */
    const struct report_names *names;
    const char *label;
    const char *lang; /* of the words beside codes in the CSV: "zh" (also NULL) or "en" */
};

/*
 * Walks the rows of a doc in its order, from memory or from its spool: all of them
 * (indicator < 0) or only those of one indicator. A row returned stays valid until the next
 * call. NULL ends the walk; report_rows_failed then tells whether reading the spool failed
 * (logged), which a renderer must treat as its own failure.
 */
#define REPORT_ROWS_BATCH 32
struct report_rows_iter {
    const struct report_doc *doc;
    int indicator;
    size_t next, end; /* index in doc->rows, or record number in the spool */
    size_t have, at;  /* rows read into batch, and the next one to return */
    bool failed;
    struct report_row batch[REPORT_ROWS_BATCH];
};
void report_rows_begin(struct report_rows_iter *it, const struct report_doc *doc, int indicator);
const struct report_row *report_rows_next(struct report_rows_iter *it);
bool report_rows_failed(const struct report_rows_iter *it);

/*
 * Where a streamed rendering goes: write receives the bytes in order, in pieces of up to
 * about REPORT_SINK_CHUNK bytes, and returns 0, or -1 to stop the rendering (which then
 * returns -1 too; what the sink already took is the sink's to discard).
 */
#define REPORT_SINK_CHUNK 65536
struct report_sink {
    int (*write)(void *ctx, const char *data, size_t len);
    void *ctx;
};

/*
 * Renders the JSON document of the contract / the CSV (UTF-8 with BOM, bilingual
 * header, same columns in the same order as the JSON rows) into out (appended).
 * Deterministic: the same doc gives the same bytes. Return 0, or -1 when memory ran out.
 */
int report_render_json(const struct report_doc *doc, buf *out);
int report_render_csv(const struct report_doc *doc, buf *out);
/* The district overview as its own CSV (same BOM, header style and line ends); 0 or -1 likewise. */
int report_render_overview_csv(const struct report_doc *doc, buf *out);
/*
 * The same bytes as report_render_json / report_render_csv, streamed to sink row by row, so
 * that memory does not grow with the number of rows. 0, or -1 (also when the sink failed).
 */
int report_stream_json(const struct report_doc *doc, const struct report_sink *sink);
int report_stream_csv(const struct report_doc *doc, const struct report_sink *sink);

/*
 * Renders the report as one self-contained HTML5 page for reading and printing: the district
 * overview, the summary of every indicator, then per indicator its definition, a bar chart
 * (inline SVG) against the target and the tables by district and by school type. No script,
 * no external reference. lang is "zh" (also when NULL) or "en". Appended to out;
 * deterministic. Returns 0, or -1 (out then as before) when memory ran out, lang is neither,
 * or a row names no indicator of the catalog.
 */
int report_render_html(const struct report_doc *doc, const char *lang, buf *out);
/* The same page streamed to sink as it is written; 0, or -1 as above or when the sink failed. */
int report_stream_html(const struct report_doc *doc, const char *lang,
                       const struct report_sink *sink);

/*
 * Writes the workbook of the report to path: sheet "概况 overview" (the overview rows) and
 * sheet "指标 indicators" (the rows of the JSON contract, same columns in the same order,
 * with the indicator's name in lang after its id). Numbers are typed cells, nulls blank.
 * The file appears whole or not at all (temporary file beside it, renamed on success).
 * lang is "zh" (also when NULL) or "en". Returns 0, or -1 with the reason logged.
 */
int report_write_xlsx(const struct report_doc *doc, const char *path, const char *lang);

/*
 * Building blocks of Xinyu's workbooks, for further sheets (audit, schools that did not
 * report, rejections): each sheet has a bilingual header row, frozen and with an autofilter,
 * and typed cells.
 *
 *     struct report_xlsx *x = report_xlsx_open(path, title);
 *     struct report_xlsx_sheet *s = report_xlsx_add_sheet(x, "审核 audit", cols, ncols);
 *     report_xlsx_text(s, 0, code); report_xlsx_number(s, 1, true, 0.5, REPORT_XLSX_PERCENT);
 *     report_xlsx_end_row(s);
 *     if (report_xlsx_close(x) != 0) ... (the reason is logged; no file was written)
 *
 * The first failure sticks: the writing calls then do nothing and report_xlsx_close
 * returns -1, so a sheet can be written straight through and checked once.
 */
enum report_xlsx_style {
    REPORT_XLSX_GENERAL,  /* as the number is: 30, 8200.5 */
    REPORT_XLSX_COUNT,    /* "0" */
    REPORT_XLSX_PERCENT,  /* "0.0%": a ratio 0.811 shows as 81.1% */
    REPORT_XLSX_DECIMAL1, /* "0.0" */
    REPORT_XLSX_DECIMAL2  /* "0.00": money in 元 */
};
#define REPORT_XLSX_NSTYLES 5

struct report_xlsx_column {
    const char *header; /* bilingual, like the CSV: "指标 indicator" */
    double width;       /* in characters; a Chinese character counts about two */
};

struct report_xlsx;       /* a workbook being written; opaque */
struct report_xlsx_sheet; /* one of its sheets, owned and freed by the workbook */

/*
 * Starts a workbook that report_xlsx_close will move to path; title is its document title
 * (may be NULL) and created its creation time (0: now). Returns NULL with the reason logged
 * when no temporary file can be made beside path or memory ran out.
 */
struct report_xlsx *report_xlsx_open(const char *path, const char *title, time_t created);
/*
 * Adds a sheet and writes its header row. The name must be a valid sheet name (at most 31
 * characters, none of []:*?/\, unique in the workbook). Returns NULL (and the failure
 * sticks) when it is not or memory ran out.
 */
struct report_xlsx_sheet *report_xlsx_add_sheet(struct report_xlsx *x, const char *name,
                                                const struct report_xlsx_column *cols,
                                                size_t ncols);
/* A text cell in column col of the current row; NULL or "" leaves the cell blank. */
void report_xlsx_text(struct report_xlsx_sheet *s, size_t col, const char *text);
/* How a measure of the unit is shown (percent, two decimals, ...); the cell keeps the exact
 * value. */
enum report_xlsx_style report_xlsx_unit_style(enum report_unit unit);
/* A note on cell col of the current row (a comment Excel shows on hover); NULL: none. */
void report_xlsx_comment(struct report_xlsx_sheet *s, size_t col, const char *text);
/* A number cell in the given style; has false (or a non-finite v) leaves the cell blank. */
void report_xlsx_number(struct report_xlsx_sheet *s, size_t col, bool has, double v,
                        enum report_xlsx_style style);
/* Moves to the next row. */
void report_xlsx_end_row(struct report_xlsx_sheet *s);
/*
 * Sets each sheet's autofilter over its rows, writes the workbook and renames it to path.
 * Frees x (NULL is accepted and fails). Returns 0, or -1 with the reason logged, and then
 * neither the temporary file nor a partial path is left.
 */
int report_xlsx_close(struct report_xlsx *x);
/*
 * What report_xlsx_close does before the rename: the workbook written to its temporary file
 * and synced, so that closing it later only puts it in place. 0, or -1 with the reason logged
 * (x is still to be closed or discarded, and closing it fails).
 */
int report_xlsx_seal(struct report_xlsx *x);
/* Gives up the workbook: frees x and removes its temporary file. Accepts NULL. */
void report_xlsx_discard(struct report_xlsx *x);

/*
 * Reads an indicator report's JSON document (as report_render_json writes it, or as
 * PostgreSQL's jsonb gives it back: any key order, same numbers) into doc, so that a
 * published version renders again with the renderers above, byte for byte. Every field of
 * the contract is checked. Returns 0 (free doc with report_parse_free), or -1 with err
 * naming the key and what is wrong (doc then holds nothing to free).
 */
int report_parse_json(const char *text, size_t len, struct report_doc *doc, char *err,
                      size_t errlen);
/* Frees what report_parse_json allocated in doc and clears it; accepts NULL. */
void report_parse_free(struct report_doc *doc);

#endif
