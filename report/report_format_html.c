/* report_format_html.c - the HTML format: the report's own page (report/report_readable.c)
 * gets the rows and writes itself into <base>.html. */
#include <stdio.h>
#include <stdlib.h>

#include "common/log.h"
#include "report/report_common.h"
#include "report/report_format.h"

struct html_out {
    const struct report_layout *l;
    struct report_file *rf;
    void *page;
};

static void html_discard(void *out)
{
    struct html_out *o = out;
    if (o == NULL)
        return;
    report_file_discard(o->rf);
    o->l->page->free(o->page);
    free(o);
}

static void *html_begin(const struct report_layout *l, const char *out_dir)
{
    struct html_out *o = calloc(1, sizeof *o);
    if (o == NULL) {
        log_error("out of memory");
        return NULL;
    }
    o->l = l;
    char name[256];
    snprintf(name, sizeof name, "%s.html", l->base);
    o->rf = report_file_open(out_dir, name);
    o->page = o->rf != NULL ? l->page->open(l->page_arg) : NULL;
    if (o->page == NULL) {
        html_discard(o);
        return NULL;
    }
    return o;
}

static int html_value(void *out, const char *key, const json_t *v)
{
    (void)out, (void)key, (void)v;
    return 0;
}

static int html_table(void *out, size_t table)
{
    (void)out, (void)table;
    return 0;
}

static int html_row(void *out, size_t table, const json_t *row)
{
    struct html_out *o = out;
    return o->l->page->row(o->page, table, row);
}

static int html_end(void *out)
{
    struct html_out *o = out;
    int rc = o->l->page->finish(o->page, o->rf);
    if (rc == 0) {
        rc = report_file_close(o->rf);
        o->rf = NULL;
    }
    html_discard(o);
    return rc;
}

static bool html_has(const struct report_layout *l)
{
    return l->page != NULL;
}

/* The indicator report's page reads the rows once per indicator (report/report_html.c). */
static int html_doc(const struct report_doc *doc, const struct report_doc_dest *d)
{
    const struct report_sink *s = report_doc_sink_open(d, "html");
    return s != NULL ? report_doc_sink_end(s, report_stream_html(doc, d->lang, s), "HTML") : -1;
}

const struct report_format report_format_html = {
    "html",     false,    html_has,     html_begin, html_value, html_table, html_row,
    html_table, html_end, html_discard, html_doc,   NULL,       false};
