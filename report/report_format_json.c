/* report_format_json.c - the JSON format: the document written key by key and its arrays
 * element by element, in the bytes of a dump of the whole tree, so that a list of a whole
 * city is never whole in memory. */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "report/report_common.h"
#include "report/report_format.h"

#define FLUSH_BYTES 65536 /* the buffered text is written out from this size */

/* A dump of the whole tree with indent 2, and any value may stand alone... */
#define TREE_FLAGS                                                                                 \
    (JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15) | JSON_ENCODE_ANY)
/* ...or each value on its own line. */
#define LINE_FLAGS (JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15) | JSON_ENCODE_ANY)

struct json_out {
    const struct report_layout *l;
    struct report_file *rf; /* NULL: the document goes to the store only */
    buf b, value;
    size_t nkeys;  /* keys written */
    size_t nelems; /* elements of the array being written */
};

/* The buffered text to the file and the store. 0, or -1 after logging. */
static int json_flush(struct json_out *o)
{
    const struct report_sink *store = o->l->store;
    if (store != NULL && o->b.len > 0 && store->write(store->ctx, o->b.data, o->b.len) != 0)
        return -1;
    if (o->rf != NULL)
        return report_file_write(o->rf, &o->b);
    buf_reset(&o->b);
    return 0;
}

static int oom(struct json_out *o)
{
    log_error("%s: out of memory or a value JSON cannot hold", o->l->what);
    return -1;
}

/* Appends v; in a tree each line after its first indented by indent more spaces. */
static int put_value(struct json_out *o, const json_t *v, int indent)
{
    static const char spaces[] = "        ";
    bool tree = o->l->json == REPORT_JSON_TREE;
    buf_reset(&o->value);
    if (report_json_append(&o->value, v, tree ? TREE_FLAGS : LINE_FLAGS) != 0)
        return oom(o);
    const char *s = o->value.data, *end = s + o->value.len;
    int rc = 0;
    /* the dump never has a line break inside a string (it escapes them) */
    while (rc == 0 && s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        size_t n = nl != NULL ? (size_t)(nl - s) + 1 : (size_t)(end - s);
        rc = buf_append(&o->b, s, n);
        if (rc == 0 && nl != NULL)
            rc = buf_append(&o->b, spaces, (size_t)indent);
        s += n;
    }
    if (rc != 0)
        return oom(o);
    return o->b.len >= FLUSH_BYTES ? json_flush(o) : 0;
}

static int put_key(struct json_out *o, const char *key)
{
    if (buf_printf(&o->b, "%s  \"%s\": ", o->nkeys++ == 0 ? "{\n" : ",\n", key) != 0)
        return oom(o);
    return 0;
}

static void json_discard(void *out)
{
    struct json_out *o = out;
    if (o == NULL)
        return;
    report_file_discard(o->rf);
    buf_free(&o->b);
    buf_free(&o->value);
    free(o);
}

static void *json_begin(const struct report_layout *l, const char *out_dir)
{
    struct json_out *o = calloc(1, sizeof *o);
    if (o == NULL) {
        log_error("out of memory");
        return NULL;
    }
    o->l = l;
    if (out_dir != NULL) {
        char name[256];
        snprintf(name, sizeof name, "%s.json", l->base);
        o->rf = report_file_open(out_dir, name);
        if (o->rf == NULL) {
            json_discard(o);
            return NULL;
        }
    }
    return o;
}

static int json_value(void *out, const char *key, const json_t *v)
{
    struct json_out *o = out;
    return put_key(o, key) != 0 ? -1 : put_value(o, v, 2);
}

static int json_table_begin(void *out, size_t table)
{
    struct json_out *o = out;
    const char *key = o->l->tables[table].key;
    o->nelems = 0;
    return key != NULL ? put_key(o, key) : 0;
}

/* The row's columns only, in their order: a row may carry more keys for other formats. */
static int json_row(void *out, size_t table, const json_t *row)
{
    struct json_out *o = out;
    const struct report_table *t = &o->l->tables[table];
    if (t->key == NULL)
        return 0;
    json_t *shown = json_object();
    int rc = shown == NULL ? -1 : 0;
    for (size_t c = 0; rc == 0 && c < t->ncols; c++) {
        if (t->cols[c].readable)
            continue;
        json_t *v = json_object_get(row, t->cols[c].key);
        rc = json_object_set(shown, t->cols[c].key, v != NULL ? v : json_null());
    }
    if (rc == 0)
        rc = buf_puts(&o->b, o->nelems++ == 0 ? "[\n    " : ",\n    ");
    if (rc != 0) {
        json_decref(shown);
        return oom(o);
    }
    rc = put_value(o, shown, 4);
    json_decref(shown);
    return rc;
}

static int json_table_end(void *out, size_t table)
{
    struct json_out *o = out;
    if (o->l->tables[table].key == NULL)
        return 0;
    return buf_puts(&o->b, o->nelems == 0 ? "[]" : "\n  ]") != 0 ? oom(o) : 0;
}

/* Ends the document; the file is renamed into place. */
static int json_end(void *out)
{
    struct json_out *o = out;
    int rc = buf_puts(&o->b, "\n}\n") != 0 ? oom(o) : json_flush(o);
    if (rc == 0 && o->rf != NULL) {
        rc = report_file_close(o->rf);
        o->rf = NULL;
    }
    json_discard(o);
    return rc;
}

static bool json_has(const struct report_layout *l)
{
    (void)l;
    return true;
}

/* The indicator report's JSON document goes to its file (renamed into place) and the store. */
static int json_doc(const struct report_doc *doc, const struct report_doc_dest *d)
{
    const struct report_sink *s = report_doc_sink_open(d, "json");
    return s != NULL ? report_doc_sink_end(s, report_stream_json(doc, s), "JSON") : -1;
}

const struct report_format report_format_json = {
    "json",           true,     json_has,       json_begin, json_value,
    json_table_begin, json_row, json_table_end, json_end,   json_discard,
    json_doc,         NULL,     false};
