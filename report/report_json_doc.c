/* report_json_doc.c - a JSON document written as its lists are read, in report_json_dump's
 * bytes, so that a list of a whole city is never whole in memory. */
#include <string.h>

#include "common/log.h"
#include "report/report_common.h"

#define FLUSH_BYTES 65536 /* the buffered text is written out from this size */

/* report_json_dump's, and any value may stand alone */
#define DOC_FLAGS (JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15) | JSON_ENCODE_ANY)

/* Appends v, each line after its first indented by indent more spaces. */
static void doc_json(struct report_json_doc *d, const json_t *v, int indent)
{
    static const char spaces[] = "        ";
    buf_reset(&d->value);
    if (d->rc == 0)
        d->rc = report_json_append(&d->value, v, DOC_FLAGS);
    if (d->rc != 0)
        return;
    const char *s = d->value.data, *end = s + d->value.len;
    while (d->rc == 0 && s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        size_t n = nl != NULL ? (size_t)(nl - s) + 1 : (size_t)(end - s);
        d->rc = buf_append(&d->b, s, n);
        if (d->rc == 0 && nl != NULL)
            d->rc = buf_append(&d->b, spaces, (size_t)indent);
        s += n;
    }
    if (d->rc == 0 && d->b.len >= FLUSH_BYTES)
        d->rc = report_file_write(d->rf, &d->b);
}

static void doc_key(struct report_json_doc *d, const char *key)
{
    if (d->rc == 0)
        d->rc = buf_printf(&d->b, "%s  \"%s\": ", d->nkeys++ == 0 ? "{\n" : ",\n", key);
}

/* key: v (a new reference, released). */
void report_json_doc_value(struct report_json_doc *d, const char *key, json_t *v)
{
    doc_key(d, key);
    if (v == NULL && d->rc == 0)
        d->rc = -1;
    if (v != NULL)
        doc_json(d, v, 2);
    json_decref(v);
}

void report_json_doc_array_begin(struct report_json_doc *d, const char *key)
{
    doc_key(d, key);
    d->nelems = 0;
}

void report_json_doc_element(struct report_json_doc *d, const json_t *v)
{
    if (d->rc == 0)
        d->rc = buf_puts(&d->b, d->nelems++ == 0 ? "[\n    " : ",\n    ");
    doc_json(d, v, 4);
}

void report_json_doc_array_end(struct report_json_doc *d)
{
    if (d->rc == 0)
        d->rc = buf_puts(&d->b, d->nelems == 0 ? "[]" : "\n  ]");
}

/* 0 while the document is whole, else -1, the failure logged once. */
int report_json_doc_failed(struct report_json_doc *d)
{
    if (d->rc != 0 && !d->logged) {
        log_error("%s", d->what != NULL ? d->what : "cannot make the report");
        d->logged = true;
    }
    return d->rc;
}

/* Ends the document and writes what is left of it; the file is renamed into place later. 0,
 * or -1 after logging. */
int report_json_doc_finish(struct report_json_doc *d)
{
    if (d->rc == 0)
        d->rc = buf_puts(&d->b, "\n}\n");
    if (d->rc == 0)
        d->rc = report_file_write(d->rf, &d->b);
    return report_json_doc_failed(d);
}
