/* report_template_summary.c - a school's template pre-filled from its work summary
 * (SUBMISSION.md section 8): the exact figures extracted become the input values, each cell
 * commented with the sentence it came from; approximate figures are named, never filled. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/buf.h"
#include "common/log.h"
#include "report/report_template.h"
#include "transform/xform_extract.h"

/* A comment stays readable in Excel's box; longer evidence is cut at a character. */
#define COMMENT_MAX 1500

/* Appends s to b, cut (at a whole UTF-8 character, with "…") so that b stays within max. */
static void put_bounded(buf *b, const char *s, size_t max)
{
    size_t have = b->len, n = strlen(s);
    if (have >= max)
        return;
    if (have + n <= max) {
        buf_puts(b, s);
        return;
    }
    size_t cut = 0, room = max - have > 3 ? max - have - 3 : 0;
    while (cut < n) {
        size_t k = buf_utf8_sequence((const unsigned char *)s + cut, n - cut);
        if (k == 0 || cut + k > room)
            break;
        cut += k;
    }
    buf_printf(b, "%.*s…", (int)cut, s);
}

int report_template_summary(const char *path, struct xf_wb_value *values, char **comments,
                            buf *note, char *err, size_t errlen)
{
    struct xf_extract x;
    struct xf_extract_source src;
    memset(&x, 0, sizeof x);
    int rc = xf_extract_file(path, &x, &src, err, errlen);
    if (rc != 0) {
        xf_extract_clear(&x);
        return rc > 0 ? -2 : -1;
    }
    rc = -1;
    json_t *all = xf_extract_json(&x);
    json_t *draft = all != NULL ? json_object_get(all, "draft") : NULL;
    char *data = draft != NULL ? json_dumps(draft, JSON_COMPACT) : NULL;
    buf cb[XF_WB_INPUTS];
    memset(cb, 0, sizeof cb); /* each BUF_INIT */
    if (data == NULL || xf_wb_values_from_json(data, strlen(data), values, err, errlen) != 0) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    int filled = 0;
    for (int i = 0; i < XF_WB_INPUTS; i++)
        filled += values[i].type != XF_WBV_NONE;
    /* each value's sentences, in text order */
    for (int i = 0; i < x.nevidence; i++) {
        const struct xf_figure *f = &x.evidence[i];
        int input = xf_wb_input_find(xf_extract_fields[f->field].path);
        if (input < 0 || values[input].type == XF_WBV_NONE)
            continue;
        buf *b = &cb[input];
        char head[160];
        snprintf(head, sizeof head, "%s摘自工作总结第%d行“%s”：", b->len ? "\n" : "", f->line,
                 f->text);
        put_bounded(b, head, COMMENT_MAX);
        put_bounded(b, f->sentence, COMMENT_MAX);
    }
    /* approximate figures: on their cell when the form has one, and on the note line */
    int napprox = 0;
    for (int i = 0; i < x.napprox; i++) {
        const struct xf_figure *f = &x.approx[i];
        const struct xf_extract_field *fd = &xf_extract_fields[f->field];
        int input = xf_wb_input_find(fd->path);
        if (input >= 0) {
            buf *b = &cb[input];
            char head[256];
            snprintf(head, sizeof head, "%s总结第%d行“%s”为%s，未填入，请核实后填写：",
                     b->len ? "\n" : "", f->line, f->text, f->reason_zh);
            put_bounded(b, head, COMMENT_MAX);
            put_bounded(b, f->sentence, COMMENT_MAX);
        }
        char item[256];
        snprintf(item, sizeof item, "%s%s“%s”", napprox ? "；" : "", fd->label, f->text);
        if (napprox == 0)
            put_bounded(note, "总结中以下数字为约数或不确定，未填入：", 900);
        put_bounded(note, item, 900);
        napprox++;
    }
    if (napprox > 0)
        put_bounded(note, "。", 903);
    for (int i = 0; i < XF_WB_INPUTS; i++) {
        if (cb[i].data == NULL || cb[i].len == 0)
            continue;
        comments[i] = cb[i].data; /* handed over */
        memset(&cb[i], 0, sizeof cb[i]);
    }
    rc = filled;
out:
    for (int i = 0; i < XF_WB_INPUTS; i++)
        buf_free(&cb[i]);
    free(data);
    json_decref(all);
    xf_extract_clear(&x);
    return rc;
}
