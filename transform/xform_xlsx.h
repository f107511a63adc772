/*
 * xform_xlsx.h - streaming reader of Office Open XML workbooks (.xlsx), in bounded memory.
 *
 * The zip is read with ingest_zip (libminizip) and every XML part with expat; nothing is
 * parsed by hand. Small parts (content types, relationships, workbook.xml, styles.xml) are
 * read whole under a cap; shared strings are kept (bounded by count and bytes) because cells
 * refer to them by index; sheets are streamed cell by cell to a callback, so a sheet of any
 * length costs the same memory. Every XML part with a DOCTYPE or an entity declaration is
 * refused (no billion laughs), and expat's own amplification limit stays on.
 *
 *   struct xf_xlsx *x;
 *   int rc = xf_xlsx_open(data, len, NULL, &x, err, sizeof err);
 *   if (rc != XF_XLSX_OK) -> xf_xlsx_reason_zh(rc) tells the school what to do
 *   for (i = 0; i < xf_xlsx_sheet_count(x); i++) xf_xlsx_read_sheet(x, i, on_cell, ctx, ...);
 *   xf_xlsx_close(x);
 */
#ifndef XINYU_XFORM_XLSX_H
#define XINYU_XFORM_XLSX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ingest/ingest_zip.h"

/* What open and read return: 0 is success, each refusal has its own code. */
enum xf_xlsx_status {
    XF_XLSX_NOMEM = -1,
    XF_XLSX_OK = 0,
    XF_XLSX_LEGACY_XLS,   /* an OLE compound file: Excel 97-2003 .xls */
    XF_XLSX_ENCRYPTED,    /* an OLE file holding an EncryptedPackage, or encrypted zip parts */
    XF_XLSX_MACRO,        /* macro-enabled (.xlsm): vbaProject or a macroEnabled content type */
    XF_XLSX_NOT_ZIP,      /* neither zip nor OLE: not a workbook at all */
    XF_XLSX_CORRUPT,      /* a damaged zip, or XML that is not well-formed */
    XF_XLSX_NOT_WORKBOOK, /* a sound zip without a spreadsheet in it (.docx, .zip, ...) */
    XF_XLSX_DTD,          /* a DOCTYPE or entity declaration in an XML part */
    XF_XLSX_TOO_LARGE,    /* a size, part, row, cell or string limit was exceeded */
    XF_XLSX_STOPPED       /* the cell callback asked to stop */
};

struct xf_xlsx_limits {
    struct ingest_zip_limits zip;
    size_t max_sheets;
    uint32_t max_rows;         /* rows of one sheet (by their number, not only their count) */
    uint64_t max_cells;        /* non-empty cells of one sheet */
    size_t max_cell_bytes;     /* text of one cell (Excel itself stops at 32,767 characters) */
    size_t max_shared_strings; /* entries of the shared string table */
    size_t max_shared_bytes;   /* their text together */
    size_t max_meta_bytes;     /* one of the small parts read whole (workbook, styles, rels) */
};

/* Fills lim with the defaults: zip 64 MiB a part, 256 MiB in all, 1,000 parts; 256 sheets;
 * 100,000 rows and 2,000,000 cells a sheet; 1,000,000 shared strings, 32 MiB of them. */
void xf_xlsx_default_limits(struct xf_xlsx_limits *lim);

enum xf_cell_type {
    XF_CELL_NUMBER, /* number (also dates, as their serial, and numbers of formulas) */
    XF_CELL_TEXT,   /* shared, inline or formula string */
    XF_CELL_BOOL,   /* number is 0 or 1 */
    XF_CELL_ERROR   /* "#DIV/0!", "#N/A", ...: text holds it */
};

/* One non-empty cell; valid only during the callback. */
struct xf_cell {
    size_t sheet; /* index in workbook order */
    const char *sheet_name;
    uint32_t row; /* 1-based */
    uint32_t col; /* 1-based (A = 1) */
    char ref[16]; /* "C12" */
    enum xf_cell_type type;
    const char *text; /* the value as written: the number's text for numbers, never NULL */
    size_t text_len;
    double number;    /* for XF_CELL_NUMBER and XF_CELL_BOOL */
    bool is_date;     /* a number whose style is a date or time format */
    bool text_format; /* the cell's style is the text format "@" */
    bool formula;     /* the value is a formula's cached result */
};

/* Return 0 to go on, nonzero to stop (the reader then returns XF_XLSX_STOPPED). */
typedef int (*xf_cell_fn)(const struct xf_cell *cell, void *ctx);

struct xf_xlsx;

/*
 * Opens the workbook in data[0..len) (not copied: data must outlive the handle). Reads the
 * content types, relationships, the sheet list, the styles and the shared strings; sheets
 * are read later by xf_xlsx_read_sheet. lim NULL means the defaults. Returns XF_XLSX_OK
 * with *out set (free with xf_xlsx_close), or a refusal with *out NULL and err holding an
 * English reason that names the part.
 */
int xf_xlsx_open(const unsigned char *data, size_t len, const struct xf_xlsx_limits *lim,
                 struct xf_xlsx **out, char *err, size_t errlen);

void xf_xlsx_close(struct xf_xlsx *x); /* accepts NULL */

size_t xf_xlsx_sheet_count(const struct xf_xlsx *x);
/* The sheet's name, or NULL when i is out of range. */
const char *xf_xlsx_sheet_name(const struct xf_xlsx *x, size_t i);
/* True when the sheet is hidden or very hidden. */
bool xf_xlsx_sheet_hidden(const struct xf_xlsx *x, size_t i);
/* Index of the sheet named name, or -1. */
long xf_xlsx_sheet_find(const struct xf_xlsx *x, const char *name);

/*
 * Streams the non-empty cells of sheet i to fn in document order (row by row). Memory does
 * not grow with the sheet. Returns XF_XLSX_OK, XF_XLSX_STOPPED when fn said stop, or a
 * refusal with err set (a row or cell limit names the cell it was reached at). A CRC error
 * in the part surfaces after the last cell: act on cells only once this returned OK.
 */
int xf_xlsx_read_sheet(struct xf_xlsx *x, size_t i, xf_cell_fn fn, void *ctx, char *err,
                       size_t errlen);

/* A short English name of a status ("legacy_xls", "too_large", ...), never NULL. */
const char *xf_xlsx_status_name(int status);

/* What a school reads for a refusal: what is wrong and what to do, in Chinese. Never NULL. */
const char *xf_xlsx_reason_zh(int status);

/* "C12" for column 3, row 12 into out (at least 16 bytes). */
void xf_xlsx_cell_ref(uint32_t col, uint32_t row, char out[16]);

/* Parses "C12" (column letters then row digits) into col and row. Returns 0, or -1 when it
 * is not a reference within Excel's grid (XFD1048576). */
int xf_xlsx_parse_ref(const char *ref, uint32_t *col, uint32_t *row);

#endif
