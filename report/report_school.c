/* report_school.c - a school's page: its registry entry, terms, values, versions with their
 * reasons and its audit, written for a batch of schools from one pass of each query. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/db.h"
#include "common/log.h"
#include "common/util.h"
#include "report/report_common.h"
#include "report/report_names.h"
#include "report/report_pages.h"
#include "transform/xform_labels.h"

#define NKEYS(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_YEARS 16 /* review years audited on one page */
#define MAX_TERMS 64 /* terms with a deadline known */

static const struct report_column school_cols[] = {
    {"school_code", NULL, 't', 0, false},   {"school_name", NULL, 't', 0, false},
    {"district_code", NULL, 't', 0, false}, {"district_name", NULL, 't', 0, false},
    {"school_type", NULL, 't', 0, false},   {"active", NULL, 'b', 0, false},
};
static const struct report_list school_list = {
    "schools",
    "SELECT school_code, school_name, district_code, district_name, school_type, active "
    "FROM xinyu.school_page_schools($1::text[])",
    1, school_cols, NKEYS(school_cols)};

static const struct report_column value_cols[] = {
    {"school_code", NULL, 't', 0, false}, {"period", NULL, 't', 0, false},
    {"raw_id", NULL, 'i', 0, false},      {"submitted_at", NULL, 't', 0, false},
    {"received_at", NULL, 't', 0, false}, {"values", NULL, 't', 0, false},
};
static const struct report_list value_list = {
    "values",
    "SELECT school_code, period, raw_id, submitted_at, received_at, \"values\"::text "
    "FROM xinyu.school_page_values($1::text[], $2::text[])",
    2, value_cols, NKEYS(value_cols)};

static const struct report_column version_cols[] = {
    {"school_code", NULL, 't', 0, false},  {"period", NULL, 't', 0, false},
    {"raw_id", NULL, 'i', 0, false},       {"received_at", NULL, 't', 0, false},
    {"submitted_at", NULL, 't', 0, false}, {"source", NULL, 't', 0, false},
    {"ref", NULL, 't', 0, false},          {"state", NULL, 't', 0, false},
    {"severity", NULL, 't', 0, false},     {"seq", NULL, 'i', 0, false},
    {"code", NULL, 't', 0, false},         {"path", NULL, 't', 0, false},
    {"message", NULL, 't', 0, false},      {"message_zh", NULL, 't', 0, false},
};
#define VERSION_FIRST_REASON 8 /* severity and what follows */
static const struct report_list version_list = {
    "versions",
    "SELECT school_code, period, raw_id, received_at, submitted_at, source, ref, state, "
    "severity, seq, code, path, message, message_zh "
    "FROM xinyu.school_page_versions($1::text[], $2::text[])",
    2, version_cols, NKEYS(version_cols)};

static const struct report_column audit_cols[] = {
    {"school_code", NULL, 't', 0, false}, {"clause", NULL, 't', 0, false},
    {"result", NULL, 't', 0, false},      {"detail_zh", NULL, 't', 0, false},
    {"detail_en", NULL, 't', 0, false},
};
static const struct report_list audit_list = {
    "audit",
    "SELECT school_code, clause, result, detail_zh, detail_en "
    "FROM xinyu.school_page_audit($1::text[], $2::text[], $3::date[], $4::jsonb)",
    4, audit_cols, NKEYS(audit_cols)};

/* A review year whose audit a page shows, with the arguments of its SQL. */
struct year {
    int year;
    struct report_targets t;
    struct report_sql_args a;
};

/* A term with its deadline ("" unknown). */
struct term {
    char period[16];
    char deadline[11];
};

struct batch {
    const struct report_school_opts *o;
    bool en;
    struct year years[MAX_YEARS];
    int nyears;
    struct term terms[MAX_TERMS]; /* the scope's terms, or every term of a targets file */
    int nterms;
    bool all_terms; /* no scope: every term of the school shows */
    buf periods;    /* text[] literal of the scope's terms; empty: every term */
    char dir[4200];
};

static void batch_free(struct batch *b)
{
    for (int i = 0; i < b->nyears; i++) {
        report_sql_args_free(&b->years[i].a);
        report_targets_free(&b->years[i].t);
    }
    buf_free(&b->periods);
}

static int term_add(struct batch *b, const char *period, const char *deadline)
{
    for (int i = 0; i < b->nterms; i++) {
        if (strcmp(b->terms[i].period, period) == 0)
            return 0;
    }
    if (b->nterms == MAX_TERMS)
        return 0; /* further terms show, without their deadline */
    struct term *t = &b->terms[b->nterms++];
    util_strlcpy(t->period, period, sizeof t->period);
    util_strlcpy(t->deadline, deadline != NULL ? deadline : "", sizeof t->deadline);
    return 0;
}

/* A review year into the batch: its targets and the arguments of its audit. 0, or -1 after
 * logging. */
static int year_add(struct batch *b, int year)
{
    if (b->nyears == MAX_YEARS)
        return 0;
    struct year *y = &b->years[b->nyears];
    memset(y, 0, sizeof *y);
    struct report_scope s = {year, NULL};
    if (report_scope_targets(b->o->targets_dir, &s, &y->t) != 0)
        return -1;
    if (report_sql_args_make(&s, &y->t, &y->a) != 0) {
        report_targets_free(&y->t);
        return -1;
    }
    y->year = year;
    b->nyears++;
    for (int k = 0; k < y->t.nperiods; k++)
        term_add(b, y->t.periods[k], y->t.deadlines[k]);
    return 0;
}

/* The scope's review years and terms. 0, or -1 after logging. */
static int batch_scope(struct batch *b)
{
    const struct report_scope *s = b->o->scope;
    if (s != NULL && s->year > 0)
        return year_add(b, s->year);
    if (s != NULL && s->period != NULL) {
        struct report_targets t;
        memset(&t, 0, sizeof t);
        int found = report_scope_targets(b->o->targets_dir, s, &t);
        if (found < 0)
            return -1;
        int year = found == 0 ? t.year : 0;
        if (found == 0)
            report_targets_free(&t);
        if (year > 0 && year_add(b, year) != 0)
            return -1;
        /* the page of a term shows that term, the audit of its year */
        char deadline[11] = "";
        for (int i = 0; i < b->nterms; i++) {
            if (strcmp(b->terms[i].period, s->period) == 0)
                util_strlcpy(deadline, b->terms[i].deadline, sizeof deadline);
        }
        b->nterms = 0;
        term_add(b, s->period, deadline);
        return 0;
    }
    b->all_terms = true;
    int *years = NULL;
    int n = report_years(b->o->targets_dir, &years);
    if (n < 0)
        return -1;
    int rc = 0;
    for (int i = 0; rc == 0 && i < n; i++)
        rc = year_add(b, years[i]);
    free(years);
    return rc;
}

static const char *text_of(const json_t *row, const char *key)
{
    return json_string_value(json_object_get(row, key));
}

/* ---- one school ------------------------------------------------------------------------ */

/* What one school's page is made of, as read from the cursors. */
struct school {
    json_t *entry;    /* the registry's row */
    json_t *values;   /* rows of value_list */
    json_t *versions; /* rows of version_list */
    json_t *audit[MAX_YEARS];
};

static void school_clear(struct school *s)
{
    json_decref(s->entry);
    json_decref(s->values);
    json_decref(s->versions);
    for (int i = 0; i < MAX_YEARS; i++)
        json_decref(s->audit[i]);
    memset(s, 0, sizeof *s);
}

struct labels {
    const char *generated, *code, *district, *type, *active, *inactive, *back, *terms, *term,
        *deadline, *status, *submitted_at, *received_at, *values, *field, *versions, *source,
        *state, *reasons, *audit, *clause, *result, *detail, *none, *not_reported, *on_time, *late,
        *only_rejected, *no_deadline, *not_filled, *scope_note;
};
static const struct labels labels_zh = {
    "生成时间",
    "学校标识码",
    "所属区县",
    "学校类型",
    "在册",
    "已停用",
    "返回",
    "各学期报送情况",
    "学期",
    "截止日期",
    "状态",
    "填报时间",
    "收到时间",
    "填报数据（当前采用版本）",
    "项目",
    "报送版本与退回原因",
    "来源文件",
    "状态",
    "原因与警告",
    "特色学校标准审核",
    "条款",
    "结果",
    "说明",
    "无",
    "未上报",
    "按时上报",
    "逾期上报",
    "仅有被退回的版本，未上报有效数据",
    "已上报（截止日期未知）",
    "未填报",
    "数据范围",
};
static const struct labels labels_en = {
    "Generated",
    "School code",
    "District",
    "School type",
    "active",
    "inactive",
    "Back to",
    "Terms",
    "Term",
    "Deadline",
    "Status",
    "Submitted at",
    "Received at",
    "Values (accepted version)",
    "Field",
    "Versions and their reasons",
    "Source file",
    "State",
    "Reasons and warnings",
    "Characteristic-school standard audit",
    "Clause",
    "Result",
    "Detail",
    "none",
    "not reported",
    "on time",
    "late",
    "only rejected versions, no valid data",
    "reported (deadline unknown)",
    "not reported",
    "Scope",
};

/* The fields of the values table: a column of the submission row with its JSON path. */
static const struct {
    const char *column, *path, *zh;
} extra_fields[] = {
    {"enrolled_total", "enrollment.total", NULL},
    {"enrolled_grade4_up", "enrollment.by_grade (4-12)", "四至十二年级在校学生数"},
    {"classes_total", "classes.total", NULL},
    {"lessons_total", "curriculum.lessons_by_grade", "各年级心理健康课课时合计"},
};
static const struct {
    const char *column, *map;
} grade_maps[] = {
    {"grade_enrolled", "enrollment.by_grade"},
    {"grade_classes", "classes.by_grade"},
    {"grade_lessons", "curriculum.lessons_by_grade"},
};

/* A value of a submission as a person reads it; "" for a JSON null. */
static void value_text(const json_t *v, const char *lang, char *dst, size_t n)
{
    if (json_is_integer(v))
        snprintf(dst, n, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    else if (json_is_real(v)) {
        snprintf(dst, n, "%.2f", json_real_value(v));
        /* 12.50 -> 12.5, 10.00 -> 10: the figure as sent */
        char *dot = strchr(dst, '.');
        if (dot != NULL) {
            char *end = dst + strlen(dst);
            while (end > dot + 1 && end[-1] == '0')
                *--end = '\0';
            if (end == dot + 1)
                *dot = '\0';
        }
    } else if (json_is_boolean(v))
        snprintf(dst, n, "%s", report_word_bool(json_is_true(v), lang));
    else if (json_is_string(v))
        snprintf(dst, n, "%s", json_string_value(v));
    else
        dst[0] = '\0';
}

/* The row of one field across the terms: label(path), then each term's value. */
static void value_row(struct batch *b, struct report_html *h, const json_t *const *values,
                      size_t nterms, const char *path, const char *zh, const char *column,
                      int grade)
{
    const struct labels *l = b->en ? &labels_en : &labels_zh;
    bool any = false;
    for (size_t i = 0; i < nterms && !any; i++) {
        const json_t *v = json_object_get(values[i], column);
        if (grade > 0)
            v = json_array_get(v, (size_t)grade - 1);
        any = v != NULL && !json_is_null(v);
    }
    if (grade > 0 && !any)
        return; /* a grade the school does not enrol */
    report_html_put(h, "<tr><td>");
    if (zh != NULL && !b->en) {
        report_html_esc(h, zh);
        report_html_put(h, "<span class=\"path\">(");
        report_html_esc(h, path);
        report_html_put(h, ")</span>");
    } else {
        report_html_field(h, path, b->o->lang);
    }
    report_html_put(h, "</td>");
    for (size_t i = 0; i < nterms; i++) {
        const json_t *v = json_object_get(values[i], column);
        if (grade > 0)
            v = json_array_get(v, (size_t)grade - 1);
        char text[128];
        value_text(v, b->o->lang, text, sizeof text);
        if (text[0] == '\0') {
            report_html_put(h, "<td class=\"num muted\">");
            report_html_esc(h, l->not_filled);
        } else {
            report_html_put(h, "<td class=\"num\">");
            report_html_esc(h, text);
        }
        report_html_put(h, "</td>");
    }
    report_html_put(h, "</tr>\n");
}

/* The values of the current submissions: a row per field, a column per term. */
static void values_section(struct batch *b, struct report_html *h, const struct school *s)
{
    const struct labels *l = b->en ? &labels_en : &labels_zh;
    size_t nterms = json_array_size(s->values);
    report_html_put(h, "<section id=\"values\">\n<h2>");
    report_html_esc(h, l->values);
    report_html_put(h, "</h2>\n");
    if (nterms == 0) {
        report_html_put(h, "<p class=\"empty\">");
        report_html_esc(h, l->none);
        report_html_put(h, "</p>\n</section>\n");
        return;
    }
    const json_t *values[MAX_TERMS];
    if (nterms > MAX_TERMS)
        nterms = MAX_TERMS;
    json_t *parsed[MAX_TERMS];
    for (size_t i = 0; i < nterms; i++) {
        const char *text = text_of(json_array_get(s->values, i), "values");
        parsed[i] = text != NULL ? json_loads(text, 0, NULL) : NULL;
        values[i] = parsed[i];
    }
    report_html_put(h, "<table class=\"values\">\n<thead><tr><th>");
    report_html_esc(h, l->field);
    report_html_put(h, "</th>");
    for (size_t i = 0; i < nterms; i++) {
        report_html_put(h, "<th>");
        report_html_esc(h, text_of(json_array_get(s->values, i), "period"));
        report_html_put(h, "</th>");
    }
    report_html_put(h, "</tr></thead>\n<tbody>\n");
    for (size_t k = 0; k < NKEYS(extra_fields); k++)
        value_row(b, h, values, nterms, extra_fields[k].path,
                  extra_fields[k].zh != NULL ? extra_fields[k].zh
                                             : xf_label_zh(extra_fields[k].path),
                  extra_fields[k].column, 0);
    for (size_t m = 0; m < NKEYS(grade_maps); m++) {
        for (int g = 1; g <= 12; g++) {
            char path[64];
            snprintf(path, sizeof path, "%s.%d", grade_maps[m].map, g);
            value_row(b, h, values, nterms, path, xf_label_zh(path), grade_maps[m].column, g);
        }
    }
    /* the fields of section 2, in its order: a column of the row is its path with '_' */
    for (size_t i = 0; i < xf_nlabels; i++) {
        const char *path = xf_labels[i].path;
        char column[96];
        if (strchr(path, '.') == NULL || strncmp(path, "period.", 7) == 0 ||
            strncmp(path, "enrollment.", 11) == 0 || strncmp(path, "classes.", 8) == 0 ||
            strstr(path, "by_grade") != NULL || strlen(path) >= sizeof column)
            continue;
        util_strlcpy(column, path, sizeof column);
        for (char *c = column; *c != '\0'; c++) {
            if (*c == '.')
                *c = '_';
        }
        bool known = false;
        for (size_t t = 0; t < nterms && !known; t++)
            known = json_object_get(values[t], column) != NULL;
        if (known)
            value_row(b, h, values, nterms, path, xf_labels[i].zh, column, 0);
    }
    report_html_put(h, "</tbody>\n</table>\n</section>\n");
    for (size_t i = 0; i < nterms; i++)
        json_decref(parsed[i]);
}

/* The school's status in a term: reported on time, late, not reported, only rejected. */
static const char *term_status(struct batch *b, const struct school *s, const struct term *t,
                               const json_t **current)
{
    const struct labels *l = b->en ? &labels_en : &labels_zh;
    *current = NULL;
    for (size_t i = 0; i < json_array_size(s->values); i++) {
        const json_t *v = json_array_get(s->values, i);
        const char *p = text_of(v, "period");
        if (p != NULL && strcmp(p, t->period) == 0)
            *current = v;
    }
    if (*current == NULL) {
        for (size_t i = 0; i < json_array_size(s->versions); i++) {
            const char *p = text_of(json_array_get(s->versions, i), "period");
            if (p != NULL && strcmp(p, t->period) == 0)
                return l->only_rejected;
        }
        return l->not_reported;
    }
    if (t->deadline[0] == '\0')
        return l->no_deadline;
    const char *at = text_of(*current, "submitted_at");
    /* the local (UTC+8) day of the accepted version against the deadline day */
    return at != NULL && strncmp(at, t->deadline, 10) > 0 ? l->late : l->on_time;
}

static void terms_section(struct batch *b, struct report_html *h, const struct school *s)
{
    const struct labels *l = b->en ? &labels_en : &labels_zh;
    struct term shown[MAX_TERMS * 2];
    int n = 0;
    for (int i = 0; i < b->nterms; i++)
        shown[n++] = b->terms[i];
    /* without a scope, also the terms the school sent for that no targets file lists */
    for (size_t i = 0; b->all_terms && i < json_array_size(s->versions); i++) {
        const char *p = text_of(json_array_get(s->versions, i), "period");
        bool seen = p == NULL;
        for (int k = 0; k < n && !seen; k++)
            seen = strcmp(shown[k].period, p) == 0;
        if (!seen && n < MAX_TERMS * 2) {
            util_strlcpy(shown[n].period, p, sizeof shown[n].period);
            shown[n++].deadline[0] = '\0';
        }
    }
    report_html_put(h, "<section id=\"terms\">\n<h2>");
    report_html_esc(h, l->terms);
    report_html_put(h, "</h2>\n<table>\n<thead><tr>");
    const char *heads[] = {l->term, l->deadline, l->status, l->submitted_at, l->received_at};
    for (size_t k = 0; k < NKEYS(heads); k++) {
        report_html_put(h, "<th>");
        report_html_esc(h, heads[k]);
        report_html_put(h, "</th>");
    }
    report_html_put(h, "</tr></thead>\n<tbody>\n");
    for (int i = 0; i < n; i++) {
        const json_t *current;
        const char *status = term_status(b, s, &shown[i], &current);
        report_html_put(h, "<tr><td>");
        report_html_esc(h, shown[i].period);
        report_html_put(h, "</td><td>");
        report_html_esc(h, shown[i].deadline);
        report_html_putf(h, "</td><td class=\"r %s\">",
                         status == l->on_time || status == l->no_deadline ? "r-pass"
                         : status == l->late                              ? "r-unknown"
                                                                          : "r-fail");
        report_html_esc(h, status);
        report_html_put(h, "</td><td>");
        report_html_esc(h, current != NULL ? text_of(current, "submitted_at") : NULL);
        report_html_put(h, "</td><td>");
        report_html_esc(h, current != NULL ? text_of(current, "received_at") : NULL);
        report_html_put(h, "</td></tr>\n");
    }
    report_html_put(h, "</tbody>\n</table>\n</section>\n");
}

/* One reason of a version: its severity, the field by its label, the Chinese text. */
static void reason_html(struct batch *b, struct report_html *h, const json_t *r)
{
    const char *lang = b->o->lang;
    report_html_put(h, "<div>");
    report_html_esc(h, report_word(REPORT_WORD_SEVERITY, text_of(r, "severity"), lang));
    report_html_put(h, b->en ? ": " : "：");
    const char *zh = text_of(r, "message_zh"), *en = text_of(r, "message");
    if (b->en || zh == NULL) {
        const char *path = text_of(r, "path");
        if (path != NULL && path[0] != '\0') {
            report_html_field(h, path, lang);
            report_html_put(h, " ");
        }
    }
    if (b->en) {
        report_html_esc(h, en);
    } else if (zh != NULL) {
        report_html_esc(h, zh);
    } else {
        /* a reason stored before the catalogue had a Chinese text */
        report_html_put(h, "未提供中文说明<span class=\"path\">(");
        report_html_esc(h, text_of(r, "code"));
        report_html_put(h, ")</span>");
    }
    report_html_put(h, "</div>");
}

static void versions_section(struct batch *b, struct report_html *h, const struct school *s)
{
    const struct labels *l = b->en ? &labels_en : &labels_zh;
    size_t n = json_array_size(s->versions);
    report_html_put(h, "<section id=\"versions\">\n<h2>");
    report_html_esc(h, l->versions);
    report_html_put(h, "</h2>\n");
    if (n == 0) {
        report_html_put(h, "<p class=\"empty\">");
        report_html_esc(h, l->none);
        report_html_put(h, "</p>\n</section>\n");
        return;
    }
    report_html_put(h, "<table>\n<thead><tr>");
    const char *heads[] = {l->term,   l->received_at, l->submitted_at,
                           l->source, l->state,       l->reasons};
    for (size_t k = 0; k < NKEYS(heads); k++) {
        report_html_put(h, "<th>");
        report_html_esc(h, heads[k]);
        report_html_put(h, "</th>");
    }
    report_html_put(h, "</tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < n;) {
        const json_t *v = json_array_get(s->versions, i);
        json_int_t raw = json_integer_value(json_object_get(v, "raw_id"));
        const char *state = text_of(v, "state");
        report_html_putf(h, "<tr id=\"version-%" JSON_INTEGER_FORMAT "\"><td>", raw);
        report_html_esc(h, text_of(v, "period"));
        report_html_put(h, "</td><td>");
        report_html_esc(h, text_of(v, "received_at"));
        report_html_put(h, "</td><td>");
        report_html_esc(h, text_of(v, "submitted_at"));
        report_html_put(h, "</td><td class=\"code\">");
        report_html_esc(h, text_of(v, "ref"));
        report_html_putf(h, "</td><td class=\"r %s\">",
                         state != NULL && strcmp(state, "rejected") == 0  ? "r-fail"
                         : state != NULL && strcmp(state, "current") == 0 ? "r-pass"
                                                                          : "r-unknown");
        report_html_esc(h, report_word(REPORT_WORD_STATE, state, b->o->lang));
        report_html_put(h, "</td><td class=\"detail\">");
        size_t j = i;
        for (; j < n; j++) {
            const json_t *r = json_array_get(s->versions, j);
            if (json_integer_value(json_object_get(r, "raw_id")) != raw)
                break;
            if (json_is_integer(json_object_get(r, "seq")))
                reason_html(b, h, r);
        }
        report_html_put(h, "</td></tr>\n");
        i = j;
    }
    report_html_put(h, "</tbody>\n</table>\n</section>\n");
}

static void audit_section(struct batch *b, struct report_html *h, const struct school *s)
{
    const struct labels *l = b->en ? &labels_en : &labels_zh;
    for (int y = 0; y < b->nyears; y++) {
        const json_t *rows = s->audit[y];
        report_html_putf(h, "<section class=\"audit\" id=\"audit-%d\">\n<h2>%d%s ",
                         b->years[y].year, b->years[y].year, b->en ? "" : "年度");
        report_html_esc(h, l->audit);
        report_html_put(h, "</h2>\n");
        if (json_array_size(rows) == 0) {
            report_html_put(h, "<p class=\"empty\">");
            report_html_esc(h, l->none);
            report_html_put(h, "</p>\n</section>\n");
            continue;
        }
        report_html_put(h, "<table>\n<thead><tr><th>");
        report_html_esc(h, l->clause);
        report_html_put(h, "</th><th>");
        report_html_esc(h, l->result);
        report_html_put(h, "</th><th>");
        report_html_esc(h, l->detail);
        report_html_put(h, "</th></tr></thead>\n<tbody>\n");
        for (size_t i = 0; i < json_array_size(rows); i++) {
            const json_t *r = json_array_get(rows, i);
            const char *result = text_of(r, "result");
            char heading[96];
            report_html_put(h, "<tr><td>");
            report_html_esc(h,
                            report_clause_heading(text_of(r, "clause"), heading, sizeof heading));
            report_html_putf(h, "</td><td class=\"r r-%s\">",
                             result != NULL && strcmp(result, "pass") == 0   ? "pass"
                             : result != NULL && strcmp(result, "fail") == 0 ? "fail"
                                                                             : "unknown");
            report_html_esc(h, report_word(REPORT_WORD_RESULT, result, b->o->lang));
            report_html_put(h, "</td><td class=\"detail\">");
            report_html_esc(h, text_of(r, b->en ? "detail_en" : "detail_zh"));
            report_html_put(h, "</td></tr>\n");
        }
        report_html_put(h, "</tbody>\n</table>\n</section>\n");
    }
}

static bool file_exists(const char *dir, const char *name)
{
    char path[4400];
    struct stat sb;
    int w = snprintf(path, sizeof path, "%s/%s", dir, name);
    return w > 0 && (size_t)w < sizeof path && stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* One link back, when its page is in place or is the one being written. */
static void back_link(struct batch *b, struct report_html *h, const char *name, const char *anchor,
                      const char *label, bool *any)
{
    bool own = b->o->own != NULL && strcmp(b->o->own->href, name) == 0;
    if (!own && !file_exists(b->o->out_dir, name))
        return;
    report_html_put(h, *any ? " · " : "");
    report_html_putf(h, "<a class=\"back\" href=\"../%s%s%s\">", name, anchor[0] ? "#" : "",
                     anchor);
    report_html_esc(h, label);
    report_html_put(h, "</a>");
    *any = true;
}

/* Links to the pages of the city and the district that exist: quality (at the district's
 * section), audit and indicators, per review year and term of the page. */
static void back_links(struct batch *b, struct report_html *h, const char *district,
                       const char *district_name)
{
    const struct labels *l = b->en ? &labels_en : &labels_zh;
    char anchor[32], name[64], label[160];
    snprintf(anchor, sizeof anchor, "district-%s", district);
    bool any = false;
    report_html_put(h, "<p class=\"meta\">");
    report_html_esc(h, l->back);
    report_html_put(h, b->en ? ": " : "：");
    struct {
        char scope[24];
    } scopes[MAX_YEARS + MAX_TERMS];
    int n = 0;
    for (int y = 0; y < b->nyears; y++)
        snprintf(scopes[n++].scope, sizeof scopes[0].scope, "%d", b->years[y].year);
    for (int t = 0; t < b->nterms && n < MAX_YEARS + MAX_TERMS; t++)
        snprintf(scopes[n++].scope, sizeof scopes[0].scope, "%s", b->terms[t].period);
    for (int i = 0; i < n; i++) {
        const char *sc = scopes[i].scope;
        snprintf(name, sizeof name, "quality-%.24s.html", sc);
        snprintf(label, sizeof label, b->en ? "%s quality: %s" : "%s 数据质量报告·%s", sc,
                 district_name);
        back_link(b, h, name, anchor, label, &any);
        snprintf(name, sizeof name, "indicators-%.24s.html", sc);
        snprintf(label, sizeof label, b->en ? "%s indicators" : "%s 指标报告", sc);
        back_link(b, h, name, "", label, &any);
        snprintf(name, sizeof name, "audit-%.24s.html", sc);
        snprintf(label, sizeof label, b->en ? "%s audit" : "%s 特色学校审核", sc);
        back_link(b, h, name, "", label, &any);
    }
    if (b->o->own != NULL) {
        bool listed = false;
        for (int i = 0; i < n && !listed; i++) {
            char q[64];
            snprintf(q, sizeof q, "quality-%.24s.html", scopes[i].scope);
            listed = strcmp(q, b->o->own->href) == 0;
        }
        if (!listed)
            back_link(b, h, b->o->own->href, "", b->o->own->label, &any);
    }
    if (!any)
        report_html_esc(h, l->none);
    report_html_put(h, "</p>\n");
}

static int school_html(struct batch *b, const struct school *s, const char *generated_at, buf *out)
{
    const struct labels *l = b->en ? &labels_en : &labels_zh;
    struct report_html h = {out, 0};
    const json_t *e = s->entry;
    const char *code = text_of(e, "school_code"), *name = text_of(e, "school_name"),
               *district = text_of(e, "district_code"),
               *district_name = text_of(e, "district_name");
    report_html_head(&h, b->o->lang, name);
    report_html_put(&h, "<p class=\"meta\">");
    report_html_esc(&h, l->code);
    report_html_put(&h, b->en ? ": " : "：");
    report_html_put(&h, "<span class=\"code\">");
    report_html_esc(&h, code);
    report_html_put(&h, "</span> · ");
    report_html_esc(&h, l->district);
    report_html_put(&h, b->en ? ": " : "：");
    report_html_put(&h, "<span class=\"district-name\">");
    report_html_esc(&h, district_name);
    report_html_put(&h, "</span><span class=\"path\">(");
    report_html_esc(&h, district);
    report_html_put(&h, ")</span> · ");
    report_html_esc(&h, l->type);
    report_html_put(&h, b->en ? ": " : "：");
    report_html_esc(&h,
                    report_word(REPORT_WORD_SCHOOL_TYPE, text_of(e, "school_type"), b->o->lang));
    report_html_put(&h, " · ");
    report_html_esc(&h, json_is_true(json_object_get(e, "active")) ? l->active : l->inactive);
    report_html_put(&h, "</p>\n<p class=\"meta\">");
    report_html_esc(&h, l->generated);
    report_html_put(&h, b->en ? ": " : "：");
    report_html_esc(&h, generated_at);
    report_html_put(&h, "</p>\n");
    back_links(b, &h, district, district_name);
    report_html_put(&h, "</header>\n");
    terms_section(b, &h, s);
    values_section(b, &h, s);
    versions_section(b, &h, s);
    audit_section(b, &h, s);
    report_html_put(&h, "</body>\n</html>\n");
    return h.rc;
}

/* The school's document: the rows the page was made of, grouped. NULL out of memory. */
static json_t *school_json(struct batch *b, const struct school *s, const char *generated_at)
{
    json_t *doc = json_pack("{s:s, s:O, s:s}", "report", "school", "school", s->entry,
                            "generated_at", generated_at);
    json_t *values = json_array(), *versions = json_array(), *audit = json_array();
    int rc = doc != NULL && values != NULL && versions != NULL && audit != NULL ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < json_array_size(s->values); i++) {
        const json_t *v = json_array_get(s->values, i);
        const char *text = text_of(v, "values");
        json_t *parsed = text != NULL ? json_loads(text, 0, NULL) : json_null();
        json_t *o = json_pack("{s:O, s:O, s:O, s:O, s:o?}", "period", json_object_get(v, "period"),
                              "raw_id", json_object_get(v, "raw_id"), "submitted_at",
                              json_object_get(v, "submitted_at"), "received_at",
                              json_object_get(v, "received_at"), "values", parsed);
        rc = o != NULL ? json_array_append_new(values, o) : -1;
    }
    json_t *version = NULL;
    for (size_t i = 0; rc == 0 && i < json_array_size(s->versions); i++) {
        const json_t *r = json_array_get(s->versions, i);
        if (version == NULL || json_integer_value(json_object_get(version, "raw_id")) !=
                                   json_integer_value(json_object_get(r, "raw_id"))) {
            version = json_object();
            rc = version != NULL ? json_array_append_new(versions, version) : -1;
            for (size_t k = 1; rc == 0 && k < VERSION_FIRST_REASON; k++)
                rc = json_object_set(version, version_cols[k].key,
                                     json_object_get(r, version_cols[k].key));
            if (rc == 0)
                rc = json_object_set_new(version, "reasons", json_array());
        }
        if (rc == 0 && json_is_integer(json_object_get(r, "seq"))) {
            json_t *reason = json_object();
            for (size_t k = VERSION_FIRST_REASON; reason != NULL && k < NKEYS(version_cols); k++) {
                if (json_object_set(reason, version_cols[k].key,
                                    json_object_get(r, version_cols[k].key)) != 0) {
                    json_decref(reason);
                    reason = NULL;
                }
            }
            rc = reason != NULL ? json_array_append_new(json_object_get(version, "reasons"), reason)
                                : -1;
        }
    }
    for (int y = 0; rc == 0 && y < b->nyears; y++) {
        json_t *clauses = json_array();
        for (size_t i = 0; clauses != NULL && i < json_array_size(s->audit[y]); i++) {
            const json_t *r = json_array_get(s->audit[y], i);
            const char *title = report_clause_title(text_of(r, "clause"));
            json_t *c = json_pack(
                "{s:O, s:s?, s:O, s:O, s:O}", "clause", json_object_get(r, "clause"), "title",
                title, "result", json_object_get(r, "result"), "detail_zh",
                json_object_get(r, "detail_zh"), "detail_en", json_object_get(r, "detail_en"));
            if (c == NULL || json_array_append_new(clauses, c) != 0) {
                json_decref(clauses);
                clauses = NULL;
            }
        }
        json_t *o = clauses != NULL
                        ? json_pack("{s:i, s:o}", "year", b->years[y].year, "clauses", clauses)
                        : NULL;
        rc = o != NULL ? json_array_append_new(audit, o) : -1;
    }
    if (rc == 0 && (json_object_set(doc, "values", values) != 0 ||
                    json_object_set(doc, "versions", versions) != 0 ||
                    json_object_set(doc, "audit", audit) != 0))
        rc = -1;
    json_decref(values);
    json_decref(versions);
    json_decref(audit);
    if (rc != 0) {
        json_decref(doc);
        return NULL;
    }
    return doc;
}

/* The page and the document of a school into the batch's directory. 0, or -1 after logging. */
static int school_write(struct batch *b, const struct school *s, const char *generated_at)
{
    const char *code = text_of(s->entry, "school_code");
    char name[64];
    buf out = BUF_INIT;
    int rc = school_html(b, s, generated_at, &out);
    if (rc != 0) {
        log_error("out of memory");
        buf_free(&out);
        return -1;
    }
    snprintf(name, sizeof name, "%s.html", code);
    struct report_file *rf = report_file_open(b->dir, name);
    rc = rf != NULL && report_file_write(rf, &out) == 0 ? report_file_close_unsynced(rf) : -1;
    if (rf != NULL && rc != 0)
        report_file_discard(rf);
    json_t *doc = rc == 0 ? school_json(b, s, generated_at) : NULL;
    if (rc == 0 && doc == NULL) {
        log_error("out of memory");
        rc = -1;
    }
    if (rc == 0) {
        buf_reset(&out);
        rc = report_json_dump(doc, &out);
        if (rc != 0)
            log_error("out of memory");
    }
    json_decref(doc);
    if (rc == 0) {
        snprintf(name, sizeof name, "%s.json", code);
        rf = report_file_open(b->dir, name);
        rc = rf != NULL && report_file_write(rf, &out) == 0 ? report_file_close_unsynced(rf) : -1;
        if (rf != NULL && rc != 0)
            report_file_discard(rf);
    }
    buf_free(&out);
    return rc;
}

/* The rows of cur whose school is code into *into (a new array). 0, or -1 (logged). */
static int take_rows(struct report_cursor *cur, const char *code, json_t **into)
{
    int rc = 0;
    json_t *row;
    while ((row = report_cursor_peek(cur, &rc)) != NULL) {
        const char *c = text_of(row, "school_code");
        int cmp = c != NULL ? strcmp(c, code) : -1;
        if (cmp > 0)
            break;
        if (cmp == 0) {
            if (*into == NULL)
                *into = json_array();
            if (*into == NULL || json_array_append(*into, row) != 0) {
                log_error("out of memory");
                return -1;
            }
        }
        report_cursor_next(cur);
    }
    return rc;
}

int report_school_pages_write(PGconn *conn, const struct report_school_opts *o,
                              struct report_school_set *set, size_t *written)
{
    *written = 0;
    report_school_set_sort(set);
    if (set->n == 0)
        return 0;
    struct batch b;
    memset(&b, 0, sizeof b);
    b.o = o;
    b.en = o->lang != NULL && strcmp(o->lang, "en") == 0;
    int rc = batch_scope(&b);
    buf codes = BUF_INIT;
    for (size_t i = 0; rc == 0 && i < set->n; i++)
        rc = buf_puts(&codes, i == 0 ? "{" : ",") != 0 || buf_puts(&codes, set->codes[i]) != 0 ? -1
                                                                                               : 0;
    if (rc == 0 && buf_puts(&codes, "}") != 0)
        rc = -1;
    if (rc == 0 && !b.all_terms) {
        for (int i = 0; rc == 0 && i < b.nterms; i++)
            rc = buf_puts(&b.periods, i == 0 ? "{" : ",") != 0 ||
                         buf_puts(&b.periods, b.terms[i].period) != 0
                     ? -1
                     : 0;
        if (rc == 0 && buf_puts(&b.periods, b.nterms > 0 ? "}" : "{}") != 0)
            rc = -1;
    }
    int w = snprintf(b.dir, sizeof b.dir, "%s/%s", o->out_dir, REPORT_SCHOOL_DIR);
    if (rc == 0 && (w < 0 || (size_t)w >= sizeof b.dir)) {
        log_error("the output path is too long: %s/%s", o->out_dir, REPORT_SCHOOL_DIR);
        rc = -1;
    }
    if (rc == 0 && util_mkdirs(b.dir, false) != 0) {
        log_error_detail("cannot create the output directory", b.dir, strerror(errno));
        rc = -1;
    }
    enum { C_SCHOOLS, C_VALUES, C_VERSIONS, C_AUDIT };
    struct report_cursor cur[C_AUDIT + MAX_YEARS];
    memset(cur, 0, sizeof cur);
    int ncur = 0;
    const char *periods = b.all_terms ? NULL : b.periods.data;
    const char *p_codes[] = {codes.data};
    const char *p_terms[] = {codes.data, periods};
    if (rc == 0)
        rc = report_cursor_open(&cur[ncur++], conn, "school_entries", &school_list, school_list.sql,
                                p_codes);
    if (rc == 0)
        rc = report_cursor_open(&cur[ncur++], conn, "school_values", &value_list, value_list.sql,
                                p_terms);
    if (rc == 0)
        rc = report_cursor_open(&cur[ncur++], conn, "school_versions", &version_list,
                                version_list.sql, p_terms);
    char names[MAX_YEARS][32];
    for (int y = 0; rc == 0 && y < b.nyears; y++) {
        const char *p_audit[] = {codes.data, b.years[y].a.periods.data, b.years[y].a.deadlines.data,
                                 b.years[y].a.params.data};
        snprintf(names[y], sizeof names[y], "school_audit_%d", b.years[y].year);
        rc = report_cursor_open(&cur[ncur++], conn, names[y], &audit_list, audit_list.sql, p_audit);
    }
    char generated_at[40];
    util_now_rfc3339(generated_at, sizeof generated_at);
    for (size_t i = 0; rc == 0 && i < set->n; i++) {
        struct school s;
        memset(&s, 0, sizeof s);
        json_t *entry = NULL;
        rc = take_rows(&cur[C_SCHOOLS], set->codes[i], &entry);
        if (rc == 0)
            rc = take_rows(&cur[C_VALUES], set->codes[i], &s.values);
        if (rc == 0)
            rc = take_rows(&cur[C_VERSIONS], set->codes[i], &s.versions);
        for (int y = 0; rc == 0 && y < b.nyears; y++)
            rc = take_rows(&cur[C_AUDIT + y], set->codes[i], &s.audit[y]);
        s.entry = json_incref(json_array_get(entry, 0));
        json_decref(entry);
        /* a school the registry does not know has no page: nothing links to it */
        if (rc == 0 && s.entry != NULL) {
            rc = school_write(&b, &s, generated_at);
            if (rc == 0)
                (*written)++;
        }
        school_clear(&s);
    }
    for (int k = 0; k < ncur; k++)
        report_cursor_free(&cur[k]);
    /* the pages are made durable together, not with a sync each */
    if (rc == 0 && *written > 0 && util_sync_filesystem(b.dir) != 0) {
        log_error_detail("cannot write the schools' pages", b.dir, strerror(errno));
        rc = -1;
    }
    if (rc != 0 && codes.data == NULL)
        log_error("out of memory");
    buf_free(&codes);
    batch_free(&b);
    return rc;
}

bool report_school_code_check(const char *code)
{
    if (code != NULL && strlen(code) == 10 && strspn(code, "0123456789") == 10)
        return true;
    log_error("\"%s\" is not a school code (学校标识码): ten digits", code != NULL ? code : "");
    return false;
}

int report_school_write(const struct report_ctx *ctx, const struct report_scope *scope,
                        const char *code)
{
    if (!report_school_code_check(code))
        return EXIT_USAGE;
    struct report_school_set set = {NULL, 0, 0, false};
    if (report_school_set_add(&set, code) != 0)
        return EXIT_FATAL;
    int rc = EXIT_FATAL;
    PGconn *conn = report_connect(ctx, &rc);
    if (conn == NULL) {
        report_school_set_free(&set);
        return rc;
    }
    rc = EXIT_FATAL;
    const struct report_school_opts o = {
        ctx->lang, ctx->out_dir, ctx->targets_dir,
        scope != NULL && (scope->year > 0 || scope->period != NULL) ? scope : NULL, NULL};
    size_t written = 0;
    if (db_begin_snapshot(conn, true, "cannot write the school's page") == 0 &&
        report_school_pages_write(conn, &o, &set, &written) == 0 &&
        db_exec(conn, "COMMIT", "cannot write the school's page") == 0) {
        if (written == 0) {
            log_error_detail("no such school", code,
                             "The school registry (schools.csv, \"xinyu registry load\") lists "
                             "the schools.");
            rc = EXIT_USAGE;
        } else {
            printf("school %s: %s/%s/%s.html\n", code, ctx->out_dir, REPORT_SCHOOL_DIR, code);
            rc = EXIT_OK;
        }
    }
    if (PQtransactionStatus(conn) != PQTRANS_IDLE)
        db_exec(conn, "ROLLBACK", "cannot write the school's page");
    PQfinish(conn);
    report_school_set_free(&set);
    return rc;
}

int report_school_pages_wanted(PGconn *conn)
{
    PGresult *res = db_query(conn, "SELECT count(*) FROM xinyu.school WHERE active", 0, NULL,
                             PGRES_TUPLES_OK, "cannot count the schools");
    if (res == NULL)
        return -1;
    long n = strtol(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    if (n <= REPORT_SCHOOL_PAGES_MAX)
        return 1;
    log_info("%ld active schools, more than %d: the reports name schools without writing their "
             "pages (xinyu school CODE writes one)",
             n, REPORT_SCHOOL_PAGES_MAX);
    return 0;
}
