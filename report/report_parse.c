/* report_parse.c - an indicator report's JSON read back into a report_doc (published versions). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/period.h"
#include "report/report.h"

/* Where a message goes and how much of the document has been read. */
struct parser {
    char *err;
    size_t errlen;
};

static int fail(struct parser *p, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Formats "<key>: <message>" into the caller's err; always returns -1. */
static int fail(struct parser *p, const char *key, const char *fmt, ...)
{
    if (p->err == NULL || p->errlen == 0)
        return -1;
    char message[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    if (n < 0)
        message[0] = '\0';
    snprintf(p->err, p->errlen, "%s: %s", key, message);
    return -1;
}

/* A string or null (empty) of at most cap - 1 bytes, into dst. */
static int get_code(struct parser *p, const char *key, json_t *obj, const char *name, char *dst,
                    size_t cap)
{
    json_t *v = json_object_get(obj, name);
    if (v == NULL)
        return fail(p, key, "\"%s\" is missing", name);
    if (json_is_null(v)) {
        dst[0] = '\0';
        return 0;
    }
    if (!json_is_string(v) || json_string_length(v) >= cap || json_string_length(v) == 0)
        return fail(p, key, "\"%s\" must be null or a string of 1 to %zu bytes", name, cap - 1);
    memcpy(dst, json_string_value(v), json_string_length(v) + 1);
    return 0;
}

/* A number or null; *has tells which. Integers and reals both read as double. */
static int get_measure(struct parser *p, const char *key, json_t *obj, const char *name, bool *has,
                       double *out)
{
    json_t *v = json_object_get(obj, name);
    if (v == NULL)
        return fail(p, key, "\"%s\" is missing", name);
    *has = false;
    *out = 0;
    if (json_is_null(v))
        return 0;
    if (!json_is_number(v) || !isfinite(json_number_value(v)))
        return fail(p, key, "\"%s\" must be null or a number", name);
    *has = true;
    *out = json_number_value(v);
    return 0;
}

/* A whole number (counts of schools and students). */
static int get_count(struct parser *p, const char *key, json_t *obj, const char *name, long *out)
{
    json_t *v = json_object_get(obj, name);
    if (v == NULL || !json_is_integer(v))
        return fail(p, key, "\"%s\" must be an integer", name);
    *out = (long)json_integer_value(v);
    return 0;
}

static const char *const statuses[] = {"met", "not_met", "no_data", "no_target"};

static int parse_row(struct parser *p, json_t *o, size_t i, struct report_row *r)
{
    char key[48];
    snprintf(key, sizeof key, "rows[%zu]", i);
    if (!json_is_object(o))
        return fail(p, key, "must be an object");
    json_t *ind = json_object_get(o, "indicator");
    r->indicator = json_is_string(ind) ? report_indicator_find(json_string_value(ind)) : -1;
    if (r->indicator < 0)
        return fail(p, key, "\"indicator\" must name an indicator of the catalog");
    if (get_code(p, key, o, "district_code", r->district_code, sizeof r->district_code) != 0 ||
        get_code(p, key, o, "school_type", r->school_type, sizeof r->school_type) != 0 ||
        get_measure(p, key, o, "numerator", &r->has_numerator, &r->numerator) != 0 ||
        get_measure(p, key, o, "denominator", &r->has_denominator, &r->denominator) != 0 ||
        get_measure(p, key, o, "value", &r->has_value, &r->value) != 0 ||
        get_measure(p, key, o, "target", &r->has_target, &r->target) != 0 ||
        get_measure(p, key, o, "gap", &r->has_gap, &r->gap) != 0 ||
        get_count(p, key, o, "schools", &r->schools) != 0 ||
        get_count(p, key, o, "schools_no_data", &r->schools_no_data) != 0)
        return -1;
    char op[sizeof r->op + 1];
    if (get_code(p, key, o, "op", op, sizeof op) != 0)
        return -1;
    if (op[0] != '\0' && strcmp(op, ">=") != 0 && strcmp(op, "<=") != 0)
        return fail(p, key, "\"op\" must be null, \">=\" or \"<=\"");
    if ((op[0] != '\0') != r->has_target)
        return fail(p, key, "\"op\" and \"target\" must be both null or both set");
    memcpy(r->op, op, sizeof r->op);
    /* the renderer takes status as a pointer to one of its fixed words */
    json_t *st = json_object_get(o, "status");
    r->status = NULL;
    for (size_t k = 0; json_is_string(st) && k < sizeof statuses / sizeof statuses[0]; k++) {
        if (strcmp(json_string_value(st), statuses[k]) == 0)
            r->status = statuses[k];
    }
    if (r->status == NULL)
        return fail(p, key, "\"status\" must be met, not_met, no_data or no_target");
    return 0;
}

static int parse_overview(struct parser *p, json_t *o, size_t i, struct report_overview *ov)
{
    char key[48];
    snprintf(key, sizeof key, "overview[%zu]", i);
    if (!json_is_object(o))
        return fail(p, key, "must be an object");
    if (get_code(p, key, o, "district_code", ov->district_code, sizeof ov->district_code) != 0 ||
        get_code(p, key, o, "school_type", ov->school_type, sizeof ov->school_type) != 0 ||
        get_count(p, key, o, "schools_active", &ov->schools_active) != 0 ||
        get_count(p, key, o, "schools_reported", &ov->schools_reported) != 0 ||
        get_count(p, key, o, "students", &ov->students) != 0 ||
        get_count(p, key, o, "psych_fulltime", &ov->psych_fulltime) != 0 ||
        get_count(p, key, o, "psych_parttime", &ov->psych_parttime) != 0 ||
        get_count(p, key, o, "schools_with_room", &ov->schools_with_room) != 0 ||
        get_count(p, key, o, "schools_with_lessons", &ov->schools_with_lessons) != 0)
        return -1;
    return 0;
}

/* The scope: {"year": Y} or {"period": "YYYY-YYYY-T"}; the period is copied for the doc. */
static int parse_scope(struct parser *p, json_t *scope, struct report_doc *doc)
{
    if (!json_is_object(scope) || json_object_size(scope) != 1)
        return fail(p, "scope", "must be {\"year\": Y} or {\"period\": P}");
    json_t *year = json_object_get(scope, "year");
    json_t *period = json_object_get(scope, "period");
    if (json_is_integer(year) && json_integer_value(year) >= 2000 &&
        json_integer_value(year) <= 2100) {
        doc->year = (int)json_integer_value(year);
        return 0;
    }
    /* the canonical shape: the period names output files, so nothing else passes */
    if (json_is_string(period) && period_shaped(json_string_value(period))) {
        doc->period = strdup(json_string_value(period));
        return doc->period != NULL ? 0 : fail(p, "scope", "out of memory");
    }
    return fail(p, "scope", "must be {\"year\": Y} or {\"period\": P}");
}

int report_parse_json(const char *text, size_t len, struct report_doc *doc, char *err,
                      size_t errlen)
{
    struct parser p = {err, errlen};
    memset(doc, 0, sizeof *doc);
    json_error_t jerr;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL)
        return fail(&p, "document", "not valid JSON: %s (line %d)", jerr.text, jerr.line);
    int rc = -1;
    json_t *kind = json_object_get(root, "report");
    json_t *gen = json_object_get(root, "generated_at");
    json_t *rows = json_object_get(root, "rows");
    json_t *overview = json_object_get(root, "overview");
    if (!json_is_object(root)) {
        fail(&p, "document", "must be an object");
        goto out;
    }
    if (!json_is_string(kind) || strcmp(json_string_value(kind), "indicators") != 0) {
        fail(&p, "report", "must be \"indicators\"");
        goto out;
    }
    doc->kind = "indicators";
    if (parse_scope(&p, json_object_get(root, "scope"), doc) != 0)
        goto out;
    if (!json_is_string(gen) || json_string_length(gen) >= sizeof doc->generated_at) {
        fail(&p, "generated_at", "must be a timestamp");
        goto out;
    }
    memcpy(doc->generated_at, json_string_value(gen), json_string_length(gen) + 1);
    if (!json_is_array(rows) || (overview != NULL && !json_is_array(overview))) {
        fail(&p, "rows", "\"rows\" and \"overview\" must be arrays");
        goto out;
    }
    doc->rows = calloc(json_array_size(rows) + 1, sizeof *doc->rows);
    doc->overview = calloc(json_array_size(overview) + 1, sizeof *doc->overview);
    if (doc->rows == NULL || doc->overview == NULL) {
        fail(&p, "document", "out of memory");
        goto out;
    }
    for (size_t i = 0; i < json_array_size(rows); i++) {
        if (parse_row(&p, json_array_get(rows, i), i, &doc->rows[i]) != 0)
            goto out;
        doc->nrows++;
    }
    for (size_t i = 0; i < json_array_size(overview); i++) {
        if (parse_overview(&p, json_array_get(overview, i), i, &doc->overview[i]) != 0)
            goto out;
        doc->noverview++;
    }
    rc = 0;
out:
    json_decref(root);
    if (rc != 0)
        report_parse_free(doc);
    return rc;
}

void report_parse_free(struct report_doc *doc)
{
    if (doc == NULL)
        return;
    free(doc->rows);
    free(doc->overview);
    /* the period is the only string the parser allocates; kind is a literal */
    free((char *)doc->period);
    memset(doc, 0, sizeof *doc);
}
