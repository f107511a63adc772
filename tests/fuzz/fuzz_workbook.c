/* fuzz_workbook.c - libFuzzer harness: a workbook read as the template (xf_workbook_read) and
 * each submission in it validated with its cells named (xf_wb_validate), on any bytes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "transform/xform_workbook.h"
#include "transform/xform_xlsx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What every entry promises: JSON text of its stated length that the validator reads, a
 * verdict that agrees with the reasons, and every reason about a named cell naming it first. */
static int on_entry(const struct xf_wb_entry *e, void *ctx)
{
    (void)ctx;
    if (e->json == NULL || strlen(e->json) != e->json_len || !buf_valid_utf8(e->json, e->json_len))
        abort();
    struct xf_options opt = {NULL, 1900000000};
    struct xf_submission sub;
    struct xf_result res;
    int verdict = xf_wb_validate(e, &opt, &sub, &res);
    if (verdict < 0 || verdict != (res.nrejects > 0))
        abort();
    for (int i = 0; i < res.nissues; i++) {
        char where[256];
        if (xf_wb_cell_of(e, res.issues[i].path, where, sizeof where) &&
            strncmp(res.issues[i].message, e->sheet, strlen(e->sheet)) != 0)
            abort();
        if (!buf_valid_utf8(res.issues[i].message, strlen(res.issues[i].message)))
            abort();
    }
    xf_submission_clear(&sub);
    xf_result_clear(&res);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* small limits, as fuzz_xlsx: a bomb costs milliseconds, not a timeout */
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
    struct xf_wb_read_opts ro = {.mtime_epoch = 1736908200, .limits = &lim};
    struct xf_wb_refusal why;
    int rc = xf_workbook_read(data, size, &ro, on_entry, NULL, &why);
    if (rc == 1 && (why.code[0] == '\0' || why.message[0] == '\0' ||
                    !buf_valid_utf8(why.message, strlen(why.message))))
        abort();
    if (rc != 0 && rc != 1)
        abort(); /* only memory can run out, and libFuzzer's limit is far above these caps */
    return 0;
}
