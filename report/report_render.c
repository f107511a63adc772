/* report_render.c - evaluates indicator rows and renders them as the JSON and CSV contract,
 * streamed a row at a time. */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/terms.h"
#include "report/report.h"
#include "report/report_names.h"

/*
 * Fifteen significant digits: every ratio and amount Xinyu computes is far less precise than
 * that, and a fixed precision is what makes two runs over the same data give the same bytes.
 */
#define RENDER_JSON_FLAGS (JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15))
#define RENDER_SCALAR_FLAGS (JSON_ENCODE_ANY | JSON_REAL_PRECISION(15))

void report_row_evaluate(struct report_row *row, const struct report_target *target)
{
    row->has_value = false;
    row->value = 0;
    row->has_target = false;
    row->target = 0;
    row->op[0] = '\0';
    row->has_gap = false;
    row->gap = 0;

    if (row->has_numerator && row->has_denominator && row->denominator != 0) {
        double value = row->numerator / row->denominator;
        /* Only a sum beyond any real count overflows; JSON could not carry it anyway. */
        if (isfinite(value)) {
            row->has_value = true;
            row->value = value;
        }
    }
    /* A target whose op is neither comparison cannot be judged; it counts as none. */
    if (target != NULL && target->set &&
        (strncmp(target->op, ">=", sizeof target->op) == 0 ||
         strncmp(target->op, "<=", sizeof target->op) == 0)) {
        row->has_target = true;
        row->target = target->value;
        memcpy(row->op, target->op, 2);
        row->op[2] = '\0';
    }
    /* Missing data is the stronger fact: a row without a value is no_data, target or not. */
    if (!row->has_value) {
        row->status = "no_data";
        return;
    }
    if (!row->has_target) {
        row->status = "no_target";
        return;
    }
    /* Compared unrounded; equality meets the target either way (INDICATORS.md). */
    bool at_most = strcmp(row->op, "<=") == 0;
    bool met = at_most ? row->value <= row->target : row->value >= row->target;
    row->gap = at_most ? row->target - row->value : row->value - row->target;
    row->has_gap = true;
    row->status = met ? "met" : "not_met";
}

/*
 * json_object_set_new takes the value even when it fails, and fails on a NULL value,
 * so a chain of sets needs only the sum of their results.
 */
static json_t *row_json(const struct report_row *row)
{
    if (row->indicator < 0 || row->indicator >= REPORT_NINDICATORS)
        return NULL;
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    int rc = 0;
    rc |= json_object_set_new(o, "indicator", json_string(report_indicators[row->indicator].id));
    rc |= json_object_set_new(o, "district_code",
                              report_json_text(row->district_code, sizeof row->district_code));
    rc |= json_object_set_new(o, "school_type",
                              report_json_text(row->school_type, sizeof row->school_type));
    rc |= json_object_set_new(o, "numerator",
                              row->has_numerator ? report_json_count(row->numerator) : json_null());
    rc |= json_object_set_new(
        o, "denominator", row->has_denominator ? report_json_count(row->denominator) : json_null());
    rc |= json_object_set_new(o, "value", report_json_real(row->has_value, row->value));
    rc |= json_object_set_new(o, "target", report_json_real(row->has_target, row->target));
    rc |= json_object_set_new(
        o, "op", row->has_target ? report_json_text(row->op, sizeof row->op) : json_null());
    rc |= json_object_set_new(o, "status", report_json_text(row->status, 16));
    rc |= json_object_set_new(o, "gap", report_json_real(row->has_gap, row->gap));
    rc |= json_object_set_new(o, "schools", json_integer(row->schools));
    rc |= json_object_set_new(o, "schools_no_data", json_integer(row->schools_no_data));
    if (rc != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *overview_json(const struct report_overview *ov)
{
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    int rc = 0;
    rc |= json_object_set_new(o, "district_code",
                              report_json_text(ov->district_code, sizeof ov->district_code));
    rc |= json_object_set_new(o, "school_type",
                              report_json_text(ov->school_type, sizeof ov->school_type));
    rc |= json_object_set_new(o, "schools_active", json_integer(ov->schools_active));
    rc |= json_object_set_new(o, "schools_reported", json_integer(ov->schools_reported));
    rc |= json_object_set_new(o, "students", json_integer(ov->students));
    rc |= json_object_set_new(o, "psych_fulltime", json_integer(ov->psych_fulltime));
    rc |= json_object_set_new(o, "psych_parttime", json_integer(ov->psych_parttime));
    rc |= json_object_set_new(o, "schools_with_room", json_integer(ov->schools_with_room));
    rc |= json_object_set_new(o, "schools_with_lessons", json_integer(ov->schools_with_lessons));
    if (rc != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/*
 * A rendering streamed to a sink: the text gathers in out and goes to the sink whenever a
 * chunk is full, so that memory holds one chunk whatever the size of the document.
 */
struct stream {
    buf out;
    const struct report_sink *sink;
};

static int stream_flush(struct stream *st)
{
    if (st->out.len == 0)
        return 0;
    int rc = st->sink->write(st->sink->ctx, st->out.data, st->out.len);
    buf_reset(&st->out);
    return rc;
}

static int stream_maybe_flush(struct stream *st)
{
    return st->out.len >= REPORT_SINK_CHUNK ? stream_flush(st) : 0;
}

/* Ends a stream: the rest goes to the sink when rc is 0; the chunk is freed either way. */
static int stream_end(struct stream *st, int rc)
{
    if (rc == 0)
        rc = stream_flush(st);
    buf_free(&st->out);
    return rc;
}

/* A sink that appends to a buf; what a failed rendering appended is dropped by the caller. */
static int sink_buf(void *ctx, const char *data, size_t len)
{
    return buf_append(ctx, data, len);
}

/* Drops what a failed render appended, so that out holds either all of it or none. */
static int undo(buf *out, size_t start)
{
    if (out->data != NULL) {
        out->len = start;
        out->data[start] = '\0';
    }
    return -1;
}

/* A scalar (string, number or null) as the whole document's dump writes it; v is released. */
static int put_scalar(buf *out, json_t *v)
{
    if (v == NULL)
        return -1;
    char scalar[512];
    size_t n = json_dumpb(v, scalar, sizeof scalar, RENDER_SCALAR_FLAGS);
    int rc;
    if (n == 0)
        rc = -1;
    else if (n <= sizeof scalar)
        rc = buf_append(out, scalar, n);
    else {
        /* a text longer than the stack buffer (only a kind or a period given by hand) */
        char *big = json_dumps(v, RENDER_SCALAR_FLAGS);
        rc = big != NULL ? buf_puts(out, big) : -1;
        free(big);
    }
    json_decref(v);
    return rc;
}

/*
 * An element of a top-level array as the whole document's dump writes it: the element's
 * own dump with every line indented by the two levels it stands at. The dump never has a
 * line break inside a string (it escapes them), so indenting after each one is exact.
 */
static int dump_indented(const char *data, size_t len, void *ctx)
{
    buf *out = ctx;
    while (len > 0) {
        const char *nl = memchr(data, '\n', len);
        if (nl == NULL)
            return buf_append(out, data, len);
        size_t k = (size_t)(nl - data) + 1;
        if (buf_append(out, data, k) != 0 || buf_append(out, "    ", 4) != 0)
            return -1;
        data += k;
        len -= k;
    }
    return 0;
}

/* One element of "overview" or "rows" after the n before it; v is released. */
static int put_element(struct stream *st, json_t *v, size_t n)
{
    if (v == NULL)
        return -1;
    int rc = buf_puts(&st->out, n == 0 ? "[\n    " : ",\n    ");
    if (rc == 0)
        rc = json_dump_callback(v, dump_indented, &st->out, RENDER_JSON_FLAGS);
    json_decref(v);
    return rc == 0 ? stream_maybe_flush(st) : -1;
}

/* Closes an array of n elements as the dump does: "[]" when empty. */
static int end_array(struct stream *st, size_t n)
{
    return buf_puts(&st->out, n == 0 ? "[]" : "\n  ]");
}

/*
 * The document in the key order of the contract, written as jansson writes the whole tree
 * (indent 2, 15 significant digits) but one element at a time. Fails when memory ran out,
 * the sink failed, a row names no indicator of the catalog or a text is not UTF-8: neither
 * of the last two can come from Xinyu's own computation.
 */
int report_stream_json(const struct report_doc *doc, const struct report_sink *sink)
{
    struct stream st = {BUF_INIT, sink};
    buf *out = &st.out;
    int rc = buf_puts(out, "{\n  \"report\": ");
    rc |= put_scalar(out, report_json_text(doc->kind, 64));
    rc |= buf_puts(out, ",\n  \"scope\": {\n    ");
    if (doc->period != NULL) {
        rc |= buf_puts(out, "\"period\": ");
        rc |= put_scalar(out, json_string(doc->period));
    } else {
        rc |= buf_puts(out, "\"year\": ");
        rc |= put_scalar(out, json_integer(doc->year));
    }
    rc |= buf_puts(out, "\n  },\n  \"generated_at\": ");
    rc |= put_scalar(out, report_json_text(doc->generated_at, sizeof doc->generated_at));
    rc |= buf_puts(out, ",\n  \"overview\": ");
    size_t n = 0;
    for (; rc == 0 && n < doc->noverview; n++)
        rc = put_element(&st, overview_json(&doc->overview[n]), n);
    if (rc == 0)
        rc = end_array(&st, n) | buf_puts(out, ",\n  \"rows\": ");
    struct report_rows_iter it;
    report_rows_begin(&it, doc, -1);
    const struct report_row *row;
    n = 0;
    while (rc == 0 && (row = report_rows_next(&it)) != NULL)
        rc = put_element(&st, row_json(row), n++);
    if (rc == 0 && report_rows_failed(&it))
        rc = -1;
    if (rc == 0)
        rc = end_array(&st, n) | buf_puts(out, "\n}\n");
    return stream_end(&st, rc != 0 ? -1 : 0);
}

int report_render_json(const struct report_doc *doc, buf *out)
{
    size_t start = out->len;
    struct report_sink sink = {sink_buf, out};
    return report_stream_json(doc, &sink) == 0 ? 0 : undo(out, start);
}

/* The rows of the JSON contract, same keys in the same order. */
static const struct report_column row_columns[] = {
    {"indicator", "指标 indicator", 't', 0, false},
    {"indicator_name", "指标名称 indicator_name", 't', 0, true},
    {"district_code", "区县代码 district_code", 't', 0, false},
    {"district_name", "区县名称 district_name", 't', 0, true},
    {"school_type", "学校类型 school_type", 't', 0, false},
    {"school_type_name", "学校类型名称 school_type_name", 't', 0, true},
    {"numerator", "分子 numerator", 'c', 0, false},
    {"denominator", "分母 denominator", 'c', 0, false},
    {"value", "值 value", 'r', 0, false},
    {"target", "目标 target", 'r', 0, false},
    {"op", "比较 op", 't', 0, false},
    {"status", "状态 status", 't', 0, false},
    {"status_name", "达标情况 status_name", 't', 0, true},
    {"gap", "差距 gap", 'r', 0, false},
    {"schools", "学校数 schools", 'i', 0, false},
    {"schools_no_data", "无数据学校数 schools_no_data", 'i', 0, false},
};

static const struct report_column overview_columns[] = {
    {"district_code", "区县代码 district_code", 't', 0, false},
    {"district_name", "区县名称 district_name", 't', 0, true},
    {"school_type", "学校类型 school_type", 't', 0, false},
    {"school_type_name", "学校类型名称 school_type_name", 't', 0, true},
    {"schools_active", "在册学校数 schools_active", 'i', 0, false},
    {"schools_reported", "已上报学校数 schools_reported", 'i', 0, false},
    {"students", "在校学生数 students", 'i', 0, false},
    {"psych_fulltime", "专职心理教师数 psych_fulltime", 'i', 0, false},
    {"psych_parttime", "兼职心理教师数 psych_parttime", 'i', 0, false},
    {"schools_with_room", "建有辅导室学校数 schools_with_room", 'i', 0, false},
    {"schools_with_lessons", "开设心理课学校数 schools_with_lessons", 'i', 0, false},
};

/* o (taken) with its district's name and the words of its codes (of cols) for the CSV, which
 * a person reads; NULL when o is NULL or memory ran out. */
static json_t *with_name(json_t *o, const struct report_doc *doc, const char *code,
                         const struct report_column *cols, size_t ncols)
{
    const char *name = report_names_district(doc->names, code);
    if (o != NULL && json_object_set_new(o, "district_name",
                                         name != NULL ? json_string(name) : json_null()) != 0) {
        json_decref(o);
        return NULL;
    }
    json_t *full = o != NULL ? report_row_words(o, cols, ncols, terms_lang_zh(doc->lang)) : NULL;
    json_decref(o);
    return full;
}

/*
 * The indicator rows only: the overview has other columns, and one CSV file is one table
 * for Excel, so it is written on its own by report_render_overview_csv.
 */
int report_stream_csv(const struct report_doc *doc, const struct report_sink *sink)
{
    const size_t ncols = sizeof row_columns / sizeof row_columns[0];
    struct stream st = {BUF_INIT, sink};
    int rc = report_csv_header(&st.out, row_columns, ncols);
    struct report_rows_iter it;
    report_rows_begin(&it, doc, -1);
    const struct report_row *r;
    while (rc == 0 && (r = report_rows_next(&it)) != NULL) {
        json_t *row = with_name(row_json(r), doc, r->district_code, row_columns, ncols);
        rc = row != NULL ? report_csv_row(&st.out, row, row_columns, ncols) : -1;
        json_decref(row);
        if (rc == 0)
            rc = stream_maybe_flush(&st);
    }
    if (rc == 0 && report_rows_failed(&it))
        rc = -1;
    return stream_end(&st, rc);
}

int report_render_csv(const struct report_doc *doc, buf *out)
{
    size_t start = out->len;
    struct report_sink sink = {sink_buf, out};
    return report_stream_csv(doc, &sink) == 0 ? 0 : undo(out, start);
}

int report_render_overview_csv(const struct report_doc *doc, buf *out)
{
    const size_t ncols = sizeof overview_columns / sizeof overview_columns[0];
    size_t start = out->len;
    if (report_csv_header(out, overview_columns, ncols) != 0)
        return undo(out, start);
    for (size_t i = 0; i < doc->noverview; i++) {
        json_t *ov = with_name(overview_json(&doc->overview[i]), doc,
                               doc->overview[i].district_code, overview_columns, ncols);
        int rc = ov != NULL ? report_csv_row(out, ov, overview_columns, ncols) : -1;
        json_decref(ov);
        if (rc != 0)
            return undo(out, start);
    }
    return 0;
}
