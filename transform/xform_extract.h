/* xform_extract.h - figures read from a school's prose work summary (SUBMISSION.md section 8). */
#ifndef XINYU_XFORM_EXTRACT_H
#define XINYU_XFORM_EXTRACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

/* Largest summary read, as stored (bytes of the .txt; the text of a .docx): a ten-page
 * summary is some 30 KB, so 2 MiB is generous and keeps a run's memory small. */
#define XF_EXTRACT_MAX_TEXT (2u * 1024 * 1024)

#define XF_EXTRACT_MAX_FIELDS 48

/* What kind of value a field holds; decides which units fit and how a figure converts. */
enum xf_extract_kind {
    XF_EX_COUNT,   /* whole number of persons, sessions, ... */
    XF_EX_MONEY,   /* yuan, at most 2 decimals (万元 converted) */
    XF_EX_HOURS,   /* hours per week */
    XF_EX_RATE,    /* 0..1, written as a percentage */
    XF_EX_REAL,    /* hours per person */
    XF_EX_LESSONS, /* lessons per class and week (not a field of the submission) */
    XF_EX_BOOL
};

/* One field the extractor knows: path as in section 2 ("staff.psych_fulltime") and label. */
struct xf_extract_field {
    const char *path;
    const char *label; /* Chinese, from SUBMISSION.md section 2 */
    enum xf_extract_kind kind;
    bool in_submission; /* false: a figure of the summary that has no field of its own */
};
extern const struct xf_extract_field xf_extract_fields[];
extern const int xf_extract_nfields;
/* Index of the field with that path, or -1. */
int xf_extract_field_find(const char *path);

/* One figure found in the text. Strings are owned by the result. */
struct xf_figure {
    int field;                /* index into xf_extract_fields */
    double value;             /* the value (booleans 0/1); meaningless when approximate */
    bool approximate;         /* listed as approximate or ambiguous, never a value */
    const char *reason;       /* approximate: machine code ("approximate", "bound", "range",
                               * "per_unit", "requirement", "plan", "other_period",
                               * "conflict", "unit"); NULL for values */
    const char *reason_zh;    /* the same in words for people */
    char *text;               /* the figure as written, e.g. "两名", "300余人次" */
    char *keyword;            /* the words that named the field, e.g. "专职心理健康教师" */
    char *numeral;            /* the numeral as written ("两", "1.2万"), "" for booleans */
    const char *numeral_kind; /* "arabic", "chinese", "percent", "mixed", "boolean" */
    char *unit;               /* "名", "" when none */
    char *sentence;           /* the sentence it came from (normalised text) */
    int line;                 /* 1-based line (paragraph for .docx) of the figure */
    int column;               /* 1-based column in characters */
};

/* The result for one text: values (at most one per field, with every sentence that gave
 * it as evidence) and the approximate or ambiguous figures. */
struct xf_extract {
    struct xf_figure *evidence; /* every figure taken as a value, text order */
    int nevidence;
    struct xf_figure *approx; /* listed as such, text order */
    int napprox;
    bool has_value[XF_EXTRACT_MAX_FIELDS]; /* per field: a value was found */
    double value[XF_EXTRACT_MAX_FIELDS];   /* per field: that value */
    int evidence_cap, approx_cap;
};

/*
 * Decodes a .txt summary into UTF-8: a UTF-8 (BOM dropped), UTF-16 with BOM or GB18030
 * text (through iconv). Text above max bytes, NUL bytes and control characters that no text
 * holds are refused. Returns 0 (out holds the UTF-8 text, *encoding its name), 1 when the
 * bytes are refused (reason in err), -1 when memory ran out. out is the caller's.
 */
int xf_extract_decode(const unsigned char *in, size_t len, size_t max, buf *out,
                      const char **encoding, char *err, size_t errlen);

/*
 * Reads the figures of a UTF-8 text (len bytes, valid UTF-8; lines separated by '\n').
 * Returns 0, or -1 when memory ran out or the patterns could not be compiled (err says).
 * Free x with xf_extract_clear in every case.
 */
int xf_extract_text(const char *text, size_t len, struct xf_extract *x, char *err, size_t errlen);

void xf_extract_clear(struct xf_extract *x);

/* Largest .docx read, as stored; its parts are bounded again while inflating. */
#define XF_EXTRACT_MAX_DOCX (16u * 1024 * 1024)

/* Where an extraction's text came from. */
struct xf_extract_source {
    const char *format;   /* "txt", "docx" */
    const char *encoding; /* "UTF-8", "GB18030", "UTF-16LE", ... */
    size_t bytes;         /* of the file */
    size_t text_bytes;    /* of the UTF-8 text read from it */
};

/*
 * Reads a summary file (.txt or .docx, by its name) and extracts its figures. Returns 0,
 * 1 when the file is refused (not a summary, too large, corrupt, binary: reason in err),
 * -1 when memory ran out. Free x with xf_extract_clear in every case.
 */
int xf_extract_file(const char *path, struct xf_extract *x, struct xf_extract_source *src,
                    char *err, size_t errlen);
/* The reason of a refusal by xf_extract_file in Chinese for the school; never NULL. */
const char *xf_extract_refusal_zh(const char *reason);

/*
 * The text of a .docx (word/document.xml): each paragraph a line, the cells of a table row
 * apart by tabs. The file is refused above max_file bytes, the text above max_text.
 * Returns 0 (out holds UTF-8), 1 when refused (reason in err), -1 on memory.
 */
int xf_docx_text(const char *path, size_t max_file, size_t max_text, buf *out, char *err,
                 size_t errlen);
/* The same from the bytes of a .docx in memory (not kept after the call). */
int xf_docx_text_mem(const unsigned char *data, size_t len, size_t max_text, buf *out, char *err,
                     size_t errlen);

/*
 * The extraction as JSON: {"draft": {section: {field: value}} (fields of the submission
 * only), "other": {path: value} (figures with no field of their own), "evidence": [...],
 * "approximate": [...]}. Returns a new reference the caller decrefs, or NULL on memory.
 */
struct json_t;
struct json_t *xf_extract_json(const struct xf_extract *x);
/* Appends the extraction in Chinese for people. Returns 0, or -1 when memory ran out. */
int xf_extract_render_text(const struct xf_extract *x, buf *out);

/*
 * Parses a numeral as the normalised text writes it: Arabic (optional "," thousands
 * groups, decimals, a trailing 万/千/亿) or Chinese (两, 二十三, 一百零五, 一万二千).
 * Returns 0 with *value, or -1 when it is not one exact number ("三四" is a range,
 * "二〇二四" a year, "三百五" colloquial shorthand).
 */
int xf_numeral_parse(const char *s, size_t len, double *value);

#endif
