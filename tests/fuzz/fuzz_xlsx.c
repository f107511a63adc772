/* fuzz_xlsx.c - libFuzzer harness: the .xlsx reader (zip parts, expat, cells) on any bytes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "transform/xform_xlsx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
    uint64_t cells;
};

/* Checks what every cell promises: a reference that parses back, text of its stated length. */
static int on_cell(const struct xf_cell *c, void *ctx)
{
    struct seen *s = ctx;
    s->cells++;
    uint32_t col, row;
    if (xf_xlsx_parse_ref(c->ref, &col, &row) != 0 || col != c->col || row != c->row)
        abort();
    /* XML cannot carry a NUL, so the length is the string's */
    if (c->text == NULL || c->sheet_name == NULL || strlen(c->text) != c->text_len)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* small limits, so that every limit is reached by ordinary inputs */
    struct xf_xlsx_limits lim;
    xf_xlsx_default_limits(&lim);
    lim.zip.max_parts = 64;
    lim.zip.max_part_bytes = 1u << 20;
    lim.zip.max_total_bytes = 4u << 20;
    lim.max_sheets = 8;
    lim.max_rows = 1000;
    lim.max_cells = 10000;
    lim.max_cell_bytes = 4096;
    lim.max_shared_strings = 1000;
    lim.max_shared_bytes = 65536;
    lim.max_meta_bytes = 65536;

    struct xf_xlsx *x = NULL;
    char err[256];
    int rc = xf_xlsx_open(data, size, &lim, &x, err, sizeof err);
    if (rc != XF_XLSX_OK) {
        if (x != NULL || err[0] == '\0' || xf_xlsx_reason_zh(rc) == NULL)
            abort();
        return 0;
    }
    struct seen s = {0};
    for (size_t i = 0; i < xf_xlsx_sheet_count(x); i++) {
        if (xf_xlsx_sheet_name(x, i) == NULL)
            abort();
        err[0] = '\0';
        rc = xf_xlsx_read_sheet(x, i, on_cell, &s, err, sizeof err);
        if (rc != XF_XLSX_OK && err[0] == '\0')
            abort();
    }
    if (s.cells > (uint64_t)lim.max_cells * lim.max_sheets)
        abort();
    xf_xlsx_close(x);
    return 0;
}
