/* report_format.c - the table of renderers, and the writer that hands a report's events to
 * each format asked for. */
#include <stdlib.h>

#include "common/log.h"
#include "report/report_common.h"
#include "report/report_format.h"

/* In the order their files are put in place. */
static const struct report_format *const formats_table[] = {
    &report_format_json, &report_format_csv, &report_format_html, &report_format_xlsx};
#define NFORMATS (sizeof formats_table / sizeof formats_table[0])

struct report_writer {
    const struct report_layout *l;
    const struct report_format *f[NFORMATS];
    void *out[NFORMATS];
    size_t n;
    int rc;
};

struct report_writer *report_writer_open(const struct report_layout *l, const char *formats,
                                         const char *out_dir)
{
    struct report_writer *w = calloc(1, sizeof *w);
    if (w == NULL) {
        log_error("out of memory");
        return NULL;
    }
    w->l = l;
    for (size_t i = 0; i < NFORMATS; i++) {
        const struct report_format *f = formats_table[i];
        bool asked = report_has_format(formats, f->name);
        if ((!asked && !(f->document && l->store != NULL)) || !f->has(l))
            continue;
        void *out = f->begin(l, asked ? out_dir : NULL);
        if (out == NULL) {
            report_writer_discard(w);
            return NULL;
        }
        w->f[w->n] = f;
        w->out[w->n++] = out;
    }
    return w;
}

void report_writer_value(struct report_writer *w, const char *key, json_t *v)
{
    if (v == NULL && w->rc == 0) {
        log_error("%s: out of memory", w->l->what);
        w->rc = -1;
    }
    for (size_t i = 0; w->rc == 0 && i < w->n; i++)
        w->rc = w->f[i]->value(w->out[i], key, v);
    json_decref(v);
}

void report_writer_table_begin(struct report_writer *w, size_t table)
{
    for (size_t i = 0; w->rc == 0 && i < w->n; i++)
        w->rc = w->f[i]->table_begin(w->out[i], table);
}

void report_writer_row(struct report_writer *w, size_t table, const json_t *row)
{
    for (size_t i = 0; w->rc == 0 && i < w->n; i++)
        w->rc = w->f[i]->row(w->out[i], table, row);
}

void report_writer_table_end(struct report_writer *w, size_t table)
{
    for (size_t i = 0; w->rc == 0 && i < w->n; i++)
        w->rc = w->f[i]->table_end(w->out[i], table);
}

int report_writer_failed(const struct report_writer *w)
{
    return w->rc;
}

int report_writer_finish(struct report_writer *w)
{
    if (w == NULL)
        return -1;
    int rc = w->rc;
    for (size_t i = 0; i < w->n; i++) {
        if (rc == 0)
            rc = w->f[i]->end(w->out[i]);
        else
            w->f[i]->discard(w->out[i]);
    }
    free(w);
    return rc;
}

void report_writer_discard(struct report_writer *w)
{
    if (w == NULL)
        return;
    for (size_t i = 0; i < w->n; i++)
        w->f[i]->discard(w->out[i]);
    free(w);
}
