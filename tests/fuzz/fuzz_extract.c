/* fuzz_extract.c - libFuzzer harness: a summary's bytes (.txt in any encoding, or a .docx)
 * through decoding, normalising, matching and both renderings. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "transform/xform_extract.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Checks what a figure promises: a known field, a place in the text, UTF-8 strings. */
static void check_figure(const struct xf_figure *f, bool approximate)
{
    if (f->field < 0 || f->field >= xf_extract_nfields || f->approximate != approximate)
        abort();
    if (f->line < 1 || f->column < 1)
        abort();
    const char *s[] = {f->text, f->keyword, f->numeral, f->unit, f->sentence};
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++) {
        if (s[i] == NULL || !buf_valid_utf8(s[i], strlen(s[i])))
            abort();
    }
    if (approximate && (f->reason == NULL || f->reason_zh == NULL))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    buf text = BUF_INIT;
    char err[256] = "";
    int rc;
    const char *enc = NULL;
    if (size >= 2 && data[0] == 'P' && data[1] == 'K')
        rc = xf_docx_text_mem(data, size, 1u << 20, &text, err, sizeof err);
    else
        rc = xf_extract_decode(data, size, 1u << 20, &text, &enc, err, sizeof err);
    if (rc == 1 && err[0] == '\0')
        abort();
    if (rc != 0) {
        buf_free(&text);
        return 0;
    }
    if (text.len > (1u << 20) || !buf_valid_utf8(text.data ? text.data : "", text.len))
        abort();
    struct xf_extract x;
    if (xf_extract_text(text.data ? text.data : "", text.len, &x, err, sizeof err) != 0)
        abort();
    int values = 0;
    for (int f = 0; f < xf_extract_nfields; f++)
        values += x.has_value[f];
    /* every value has its evidence, every evidence its value */
    for (int i = 0; i < x.nevidence; i++) {
        check_figure(&x.evidence[i], false);
        if (!x.has_value[x.evidence[i].field])
            abort();
        if (x.evidence[i].value != x.value[x.evidence[i].field])
            abort();
    }
    if (values > x.nevidence)
        abort();
    for (int i = 0; i < x.napprox; i++)
        check_figure(&x.approx[i], true);
    json_t *j = xf_extract_json(&x);
    if (j == NULL)
        abort();
    char *dump = json_dumps(j, JSON_COMPACT);
    if (dump == NULL)
        abort();
    free(dump);
    json_decref(j);
    buf out = BUF_INIT;
    if (xf_extract_render_text(&x, &out) != 0)
        abort();
    buf_free(&out);
    xf_extract_clear(&x);
    buf_free(&text);
    return 0;
}
