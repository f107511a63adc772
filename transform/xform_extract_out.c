/* xform_extract_out.c - an extraction as JSON (draft, evidence, approximate) and as Chinese text.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "transform/xform_extract.h"

/* The JSON value of a field's value: an integer for counts, true/false, else a number. */
static json_t *value_json(int field, double v)
{
    switch (xf_extract_fields[field].kind) {
    case XF_EX_BOOL:
        return json_boolean(v != 0);
    case XF_EX_COUNT:
        return json_integer((json_int_t)llround(v));
    default:
        return json_real(v);
    }
}

static void value_text(int field, double v, char *out, size_t n)
{
    switch (xf_extract_fields[field].kind) {
    case XF_EX_BOOL:
        (void)snprintf(out, n, "%s", v != 0 ? "是" : "否");
        break;
    case XF_EX_COUNT:
        (void)snprintf(out, n, "%lld", (long long)llround(v));
        break;
    case XF_EX_RATE:
        (void)snprintf(out, n, "%g (%g%%)", v, v * 100);
        break;
    default:
        (void)snprintf(out, n, "%g", v);
        break;
    }
}

static json_t *figure_json(const struct xf_figure *f)
{
    const struct xf_extract_field *fd = &xf_extract_fields[f->field];
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    int bad = 0;
    bad |= json_object_set_new(o, "field", json_string(fd->path));
    bad |= json_object_set_new(o, "label", json_string(fd->label));
    if (!f->approximate)
        bad |= json_object_set_new(o, "value", value_json(f->field, f->value));
    else {
        bad |= json_object_set_new(o, "reason", json_string(f->reason));
        bad |= json_object_set_new(o, "reason_zh", json_string(f->reason_zh));
    }
    bad |= json_object_set_new(o, "text", json_string(f->text));
    bad |= json_object_set_new(o, "sentence", json_string(f->sentence));
    bad |= json_object_set_new(o, "line", json_integer(f->line));
    bad |= json_object_set_new(o, "column", json_integer(f->column));
    json_t *rec = json_object();
    if (rec != NULL) {
        bad |= json_object_set_new(rec, "keyword", json_string(f->keyword));
        bad |= json_object_set_new(rec, "numeral", json_string(f->numeral));
        bad |= json_object_set_new(rec, "numeral_kind", json_string(f->numeral_kind));
        bad |= json_object_set_new(rec, "unit", json_string(f->unit));
    }
    bad |= json_object_set_new(o, "recognised", rec);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *xf_extract_json(const struct xf_extract *x)
{
    json_t *root = json_object(), *draft = json_object(), *other = json_object();
    json_t *ev = json_array(), *ap = json_array();
    int bad = root == NULL || draft == NULL || other == NULL || ev == NULL || ap == NULL;
    for (int f = 0; f < xf_extract_nfields && !bad; f++) {
        if (!x->has_value[f])
            continue;
        const struct xf_extract_field *fd = &xf_extract_fields[f];
        if (!fd->in_submission) {
            bad |= json_object_set_new(other, fd->path, value_json(f, x->value[f]));
            continue;
        }
        const char *dot = strchr(fd->path, '.');
        char section[32];
        (void)snprintf(section, sizeof section, "%.*s", (int)(dot - fd->path), fd->path);
        json_t *sec = json_object_get(draft, section);
        if (sec == NULL) {
            sec = json_object();
            bad |= json_object_set_new(draft, section, sec);
        }
        bad |= sec == NULL || json_object_set_new(sec, dot + 1, value_json(f, x->value[f]));
    }
    for (int i = 0; i < x->nevidence && !bad; i++)
        bad |= json_array_append_new(ev, figure_json(&x->evidence[i]));
    for (int i = 0; i < x->napprox && !bad; i++)
        bad |= json_array_append_new(ap, figure_json(&x->approx[i]));
    if (!bad) {
        bad |= json_object_set_new(root, "draft", draft);
        draft = NULL;
        bad |= json_object_set_new(root, "other", other);
        other = NULL;
        bad |= json_object_set_new(root, "evidence", ev);
        ev = NULL;
        bad |= json_object_set_new(root, "approximate", ap);
        ap = NULL;
    }
    json_decref(draft);
    json_decref(other);
    json_decref(ev);
    json_decref(ap);
    if (bad) {
        json_decref(root);
        return NULL;
    }
    return root;
}

int xf_extract_render_text(const struct xf_extract *x, buf *out)
{
    int rc = 0;
    int nvalues = 0;
    for (int f = 0; f < xf_extract_nfields; f++)
        nvalues += x->has_value[f];
    rc |= buf_printf(out, "  读出的数字(草稿,须经学校确认): %d 项\n", nvalues);
    for (int f = 0; f < xf_extract_nfields; f++) {
        if (!x->has_value[f])
            continue;
        char v[64];
        value_text(f, x->value[f], v, sizeof v);
        rc |= buf_printf(out, "    %s (%s) = %s%s\n", xf_extract_fields[f].label,
                         xf_extract_fields[f].path, v,
                         xf_extract_fields[f].in_submission ? "" : "  [不是报表字段]");
        for (int i = 0; i < x->nevidence; i++) {
            const struct xf_figure *e = &x->evidence[i];
            if (e->field != f)
                continue;
            rc |= buf_printf(out, "      第%d行第%d字 “%s”: %s\n", e->line, e->column, e->text,
                             e->sentence);
        }
    }
    if (x->napprox > 0) {
        rc |= buf_printf(out, "  约数或不确定的数(不作为数值): %d 处\n", x->napprox);
        for (int i = 0; i < x->napprox; i++) {
            const struct xf_figure *e = &x->approx[i];
            rc |= buf_printf(out, "    %s (%s): “%s” — %s\n      第%d行第%d字: %s\n",
                             xf_extract_fields[e->field].label, xf_extract_fields[e->field].path,
                             e->text, e->reason_zh, e->line, e->column, e->sentence);
        }
    }
    return rc ? -1 : 0;
}
