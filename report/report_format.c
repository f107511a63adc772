/* report_format.c - the table of renderers, the only place that reads a list of formats: the
 * writer that hands a report's events to each format asked for, and the indicator report
 * written whole by each. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/log.h"
#include "common/terms.h"
#include "report/report_aside.h"
#include "report/report_common.h"
#include "report/report_format.h"

/* In the order their files are put in place. */
static const struct report_format *const formats_table[] = {
    &report_format_json, &report_format_csv, &report_format_html, &report_format_xlsx};
#define NFORMATS (sizeof formats_table / sizeof formats_table[0])

/* True when the comma-separated list names fmt. */
static bool listed(const char *list, const char *fmt)
{
    size_t n = strlen(fmt);
    for (const char *p = list; p != NULL && *p != '\0';) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == n && strncmp(p, fmt, n) == 0)
            return true;
        p = comma ? comma + 1 : NULL;
    }
    return false;
}

int report_check_formats(const char *list, const char *allowed)
{
    bool any = false;
    for (const char *p = list; *p != '\0';) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char one[16];
        if (len == 0 || len >= sizeof one) {
            log_error("unknown report format in \"%s\" (%s)", list, allowed);
            return -1;
        }
        memcpy(one, p, len);
        one[len] = '\0';
        if (!listed(allowed, one)) {
            log_error("unknown report format \"%s\" in \"%s\" (%s)", one, list, allowed);
            return -1;
        }
        any = true;
        p = comma ? comma + 1 : p + len;
    }
    if (!any) {
        log_error("no report format given (%s)", allowed);
        return -1;
    }
    return 0;
}

/* Whether f writes for the list formats: into its files when the list names it (*file is
 * then true), or only into the store when it renders the document of record and there is one. */
static bool wanted(const struct report_format *f, const char *formats, bool store, bool *file)
{
    *file = listed(formats, f->name);
    return *file || (f->document && store);
}

struct report_writer {
    const struct report_layout *l;
    const struct report_format *f[NFORMATS];
    void *out[NFORMATS];
    /* the format's thread when it is written aside (report/report_aside.h), which then owns
     * out; NULL: written here */
    struct report_aside *aside[NFORMATS];
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
        bool file;
        if (!wanted(f, formats, l->store != NULL, &file) || !f->has(l))
            continue;
        void *out = f->begin(l, file ? out_dir : NULL);
        if (out == NULL) {
            report_writer_discard(w);
            return NULL;
        }
        w->f[w->n] = f;
        w->out[w->n] = out;
        /* without a thread, the format is written here like the others */
        w->aside[w->n++] = f->aside ? report_aside_start(f, out) : NULL;
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
        w->rc = w->aside[i] != NULL ? report_aside_value(w->aside[i], key, v)
                                    : w->f[i]->value(w->out[i], key, v);
    json_decref(v);
}

void report_writer_table_begin(struct report_writer *w, size_t table)
{
    for (size_t i = 0; w->rc == 0 && i < w->n; i++)
        w->rc = w->aside[i] != NULL ? report_aside_table_begin(w->aside[i], table)
                                    : w->f[i]->table_begin(w->out[i], table);
}

void report_writer_row(struct report_writer *w, size_t table, const json_t *row)
{
    if (w->rc != 0)
        return;
    /* the words beside the codes, for the formats a person reads (JSON leaves them out) */
    const struct report_table *t = &w->l->tables[table];
    json_t *full = report_row_words(row, t->cols, t->ncols, terms_lang_zh(w->l->lang));
    if (full == NULL) {
        log_error("%s: out of memory", w->l->what);
        w->rc = -1;
        return;
    }
    for (size_t i = 0; w->rc == 0 && i < w->n; i++)
        w->rc = w->aside[i] != NULL ? report_aside_row(w->aside[i], table, full)
                                    : w->f[i]->row(w->out[i], table, full);
    json_decref(full);
}

void report_writer_table_end(struct report_writer *w, size_t table)
{
    for (size_t i = 0; w->rc == 0 && i < w->n; i++)
        w->rc = w->aside[i] != NULL ? report_aside_table_end(w->aside[i], table)
                                    : w->f[i]->table_end(w->out[i], table);
}

int report_writer_failed(const struct report_writer *w)
{
    return w->rc;
}

void report_writer_seal(struct report_writer *w)
{
    for (size_t i = 0; w != NULL && w->rc == 0 && i < w->n; i++) {
        if (w->aside[i] != NULL)
            report_aside_seal(w->aside[i]);
    }
}

int report_writer_finish(struct report_writer *w)
{
    if (w == NULL)
        return -1;
    int rc = w->rc;
    /* the formats written aside seal their files meanwhile (unless they began to) */
    report_writer_seal(w);
    for (size_t i = 0; i < w->n; i++) {
        if (w->aside[i] != NULL) {
            int ended = report_aside_end(w->aside[i], rc == 0);
            if (rc == 0)
                rc = ended;
        } else if (rc == 0) {
            rc = w->f[i]->end(w->out[i]);
        } else {
            w->f[i]->discard(w->out[i]);
        }
    }
    free(w);
    return rc;
}

void report_writer_discard(struct report_writer *w)
{
    if (w == NULL)
        return;
    for (size_t i = 0; i < w->n; i++) {
        if (w->aside[i] != NULL)
            report_aside_discard(w->aside[i]);
        else
            w->f[i]->discard(w->out[i]);
    }
    free(w);
}

int report_doc_write(const struct report_doc *doc, const char *formats,
                     const struct report_doc_dest *d, enum report_doc_part part)
{
    for (size_t i = 0; i < NFORMATS; i++) {
        const struct report_format *f = formats_table[i];
        bool file;
        if ((part == REPORT_DOC_RECORD && !f->document) || (part == REPORT_DOC_REST && f->document))
            continue;
        if (!wanted(f, formats, d->store != NULL, &file))
            continue;
        struct report_doc_dest one = *d;
        if (!file)
            one.out_dir = NULL;
        if (!f->document)
            one.store = NULL;
        if (f->doc(doc, &one) != 0)
            return -1;
    }
    return 0;
}

bool report_doc_present(const char *formats, const char *out_dir, const char *base)
{
    for (size_t i = 0; i < NFORMATS; i++) {
        const struct report_format *f = formats_table[i];
        if (!listed(formats, f->name))
            continue;
        char path[4096];
        int w = snprintf(path, sizeof path, "%s/%s.%s", out_dir, base, f->name);
        struct stat sb;
        if (w < 0 || (size_t)w >= sizeof path || stat(path, &sb) != 0)
            return false;
    }
    return true;
}

/* A streamed document's bytes go to its file, then to the store. */
struct doc_tee {
    struct report_sink sink;         /* its ctx is the tee */
    struct report_file *rf;          /* NULL: no file */
    const struct report_sink *store; /* NULL: none */
    bool failed;                     /* a write failed (logged) */
};

static int tee_write(void *ctx, const char *data, size_t len)
{
    struct doc_tee *t = ctx;
    if (!t->failed && t->rf != NULL && report_file_put(t->rf, data, len) != 0)
        t->failed = true;
    if (!t->failed && t->store != NULL && t->store->write(t->store->ctx, data, len) != 0)
        t->failed = true;
    return t->failed ? -1 : 0;
}

const struct report_sink *report_doc_sink_open(const struct report_doc_dest *d, const char *ext)
{
    struct doc_tee *t = calloc(1, sizeof *t);
    if (t == NULL) {
        log_error("out of memory");
        return NULL;
    }
    t->sink.write = tee_write;
    t->sink.ctx = t;
    t->store = d->store;
    if (d->out_dir != NULL) {
        char name[256];
        int w = snprintf(name, sizeof name, "%s.%s", d->base, ext);
        if (w < 0 || (size_t)w >= sizeof name)
            log_error("the output name is too long: %s.%s", d->base, ext);
        else
            t->rf = report_file_open(d->out_dir, name);
        if (t->rf == NULL) {
            free(t);
            return NULL;
        }
    }
    return &t->sink;
}

int report_doc_sink_end(const struct report_sink *s, int rendered, const char *what)
{
    struct doc_tee *t = s->ctx;
    int rc = 0;
    if (rendered != 0) {
        if (!t->failed)
            log_error("cannot render the %s report", what);
        report_file_discard(t->rf);
        rc = -1;
    } else if (t->rf != NULL) {
        rc = report_file_close(t->rf);
    }
    free(t);
    return rc;
}
